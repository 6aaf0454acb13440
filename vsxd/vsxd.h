/* SPDX-License-Identifier: MIT */
/*
 * vsxd, the per-host agent: state shared by its parts.
 *   main.c       options, start-up, the event loop, shutdown
 *   datapath.c   BPF objects, pins, attach, map access
 *   rules.c      the rule table: add/delete, persistence across restarts, compile + install
 *   cores.c      the core table: load sampling, VM pinning, cpumap
 *   rebalance.c  live rebalancing: moves decided irq:auto rules (lib/rebalance.c plans)
 *   control.c    the control socket: commands (lib/ctl_commands.h) dispatched to query.c
 *   query.c      the query layer: show, cores, stats, rules, flows as structs
 *   ctl_render.c those structs rendered as text or JSON
 *   mode.c       the steering modes' names
 *   rps.c        the uplink's RPS/RFS settings, off while steering
 *   cpumap_acct.c  the cpumap's accounting (tracepoints)
 *   cpumap_kthread.c  the scheduling policy of the cpumap's kthreads
 *   offload.c    FlexivOffload: the flow and policy managers on the offload provider
 *   openflow.c   the OpenFlow switch: controllers and tools (lib/ofp_conn.h)
 *   metrics.c    Prometheus metrics over HTTP (libmicrohttpd)
 */
#ifndef VSXD_H
#define VSXD_H

#include <stdbool.h>

#include "config.h"
#include "datapath.h"
#include "dp_provider.h"
#include "flow_mod.h"
#include "rule_table.h"
#include <vsx/core_table.h>

struct vsx_loop;
struct vsx_ctl_server;

struct vsxd {
	struct vsxd_conf conf;
	struct vsxd_datapath dp;
	struct vsx_dp dpp;	    /* the datapath behind its provider interface (dp_provider.h) */
	struct vsx_offload ofl;	    /* the offload provider; ops NULL when there is none */
	struct vsxd_offload *offload; /* flow and policy managers (offload.c) */
	struct vsxd_of *of;	      /* the OpenFlow switch (openflow.c) */
	struct vsxd_metrics *metrics; /* the metrics endpoint (metrics.c) */
	struct vsx_rule_table *rules; /* both directions; ids are shared */
	struct vsxd_cores *cores;         /* load sampling state (cores.c) */
	struct vsxd_rps *rps;             /* the uplink's RPS while steering (rps.c); NULL: own-rps off */
	struct vsxd_rebalance *rebalance; /* rebalancing state (rebalance.c) */
	struct vsx_core_table core_table; /* what was last written to the datapath */
	char state_path[300];             /* runtime rules and mode, kept across restarts */
	int listen_fd;
	struct vsx_loop *loop;            /* the event loop (main.c) */
	struct vsx_ctl_server *ctl;       /* control connections (control.c) */
	unsigned long long samples;       /* load sampling ticks since start */
	bool keep_datapath;
	unsigned long long started_ns;
};

/* rules.c */
int vsxd_rules_init(struct vsxd *d);
void vsxd_rules_free(struct vsxd *d);
/* Adds a rule given as text; fills err. from_config: a static rule (not persisted). */
int vsxd_rule_add_text(struct vsxd *d, const char *text, bool from_config, __u32 *id, char *err,
		       size_t errlen);
int vsxd_rule_del(struct vsxd *d, const char *id_or_text, char *err, size_t errlen);
/* Compiles both directions and installs them in the datapath. */
int vsxd_rules_install(struct vsxd *d);
int vsxd_state_save(struct vsxd *d);
/* Writes the state file if a change marked it dirty (the tick and a kept-datapath stop do). */
int vsxd_state_flush(struct vsxd *d);
int vsxd_state_load(struct vsxd *d);
/* Deletes the rules whose idle or hard timeout passed (OpenFlow's); called every tick. */
int vsxd_rules_expire(struct vsxd *d);
/* One change through the door (lib/flow_mod.h) with vsxd's installer; marks the state file
 * dirty (written at the next tick, rules.c). */
int vsxd_rules_apply(struct vsxd *d, const struct vsx_flow_mod *fm, struct vsx_flow_mod_result *res,
		     char *err, size_t errlen);
/* A batch with vsxd's installer: stage with vsx_flow_txn_stage(), end with commit (marks the
 * state file dirty) or vsx_flow_txn_abort(). */
int vsxd_rules_txn_begin(struct vsxd *d, struct vsx_flow_txn *tx);
int vsxd_rules_txn_commit(struct vsxd *d, struct vsx_flow_txn *tx, char *err, size_t errlen);

/* cores.c */
int vsxd_cores_init(struct vsxd *d);
void vsxd_cores_free(struct vsxd *d);
/* One sampling tick: load, pinning, online CPUs -> the datapath's core table and cpumap. */
void vsxd_cores_tick(struct vsxd *d);

/* rebalance.c: init after the datapath is open; tick after each load sample (cores.c). */
int vsxd_rebalance_init(struct vsxd *d);
void vsxd_rebalance_free(struct vsxd *d);
void vsxd_rebalance_tick(struct vsxd *d);
/* Forgets a rule id's history (a new rule takes it). */
void vsxd_rebalance_forget(struct vsxd *d, __u32 rule_id);
/* Moves since vsxd started: in total, and per core into and out of it (VSX_MAX_CPUS each). */
void vsxd_rebalance_counts(const struct vsxd *d, __u64 *total, const __u64 **in, const __u64 **out);
/* The planner's cooldown in samples (0 before init). */
unsigned int vsxd_rebalance_cooldown(const struct vsxd *d);

/* rps.c: init after the mode is known; sync after every mode change and on each tick. */
int vsxd_rps_init(struct vsxd *d);
void vsxd_rps_sync(struct vsxd *d);
void vsxd_rps_fini(struct vsxd *d); /* restores, unless the datapath is kept steering */

/* cpumap_kthread.c: after cpumap entries were created (their kthreads then exist). */
void vsxd_cpumap_kthreads_tune(struct vsxd *d);
/* The pid of this datapath's cpumap kthread on each CPU, 0 where there is none (scans /proc). */
void vsxd_cpumap_kthread_pids(const struct vsxd *d, int pids[VSX_MAX_CPUS]);

/* control.c */
int vsxd_control_open(struct vsxd *d); /* serves connections on d->loop */
void vsxd_control_close(struct vsxd *d);

/* offload.c: init after rules; tick after each load sample. */
int vsxd_offload_init(struct vsxd *d);
void vsxd_offload_tick(struct vsxd *d);
void vsxd_offload_free(struct vsxd *d);

/* openflow.c: connections on d->loop; rule_removed is told every rule that leaves the table. */
int vsxd_of_open(struct vsxd *d);
void vsxd_of_close(struct vsxd *d);
void vsxd_of_rule_removed(struct vsxd *d, const struct vsx_rule *old, int reason);

/* metrics.c: the HTTP endpoint on d->loop, when configured. */
int vsxd_metrics_open(struct vsxd *d);
void vsxd_metrics_close(struct vsxd *d);

/* mode.c */
const char *vsxd_mode_label(__u32 mode);
int vsxd_mode_parse(const char *s, __u32 *mode);

#endif
