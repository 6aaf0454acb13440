/* SPDX-License-Identifier: MIT */
/*
 * vsxd's query layer: what the control commands report, as plain structs read from the
 * agent's state and the datapath's maps. The text and JSON renderers (ctl_render.c) and the
 * OpenFlow stats replies render these same structs, so every door reports alike.
 */
#ifndef VSXD_QUERY_H
#define VSXD_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "offload.h"
#include "vsxd.h"
#include <vsx/cpumap_stats.h>
#include <vsx/limits.h>

struct vsxd_q_show {
	const char *uplink;
	int ifindex;
	__u32 mode; /* VSX_MODE_* */
	bool fcf, egress_fcf;
	unsigned int vxlan_port; /* host order */
	size_t flow_slots;
	size_t rules_ingress, rules_egress;
	__u32 rules_gen;
	bool datapath_reused;
	bool rebalance;
	unsigned int rebalance_hold, rebalance_margin, rebalance_cooldown, rebalance_gap_ms;
	__u32 flowlet_jiffies;
	unsigned int decision_load;
	const char *bpffs;
	const struct vsxd_vm *vms; /* the configuration's: valid while the agent runs */
	size_t n_vms;
};

struct vsxd_q_core {
	__u32 core;
	bool online, pinned;
	unsigned int load;	 /* percent */
	unsigned int pinned_vm;	 /* VM ID (0 when none or not pinned) */
	const char *pinned_name; /* "" when not pinned or unknown */
	__u32 auto_rules, auto_rules_prio, recent;
	__u64 packets, bytes, moved_in, moved_out;
};

struct vsxd_q_cores {
	unsigned int threshold, decision_load;
	bool rebalance;
	__u64 moves, flow_moved;
	unsigned long long samples; /* load sampling ticks since start */
	size_t n;
	struct vsxd_q_core cores[VSX_MAX_CPUS];
};

struct vsxd_q_cpumap {
	__u32 core;
	struct vsx_cpumap_stats c;
};

struct vsxd_q_stats {
	__u64 v[VSX_STAT_COUNT];
	/* Where received packets went (the uplink program's one exit): they add up to v[rx]. */
	struct vsx_counter path[VSX_PATH_COUNT];
	bool cpumap_available; /* the accounting programs are loaded */
	size_t n_cpumap;       /* target cores with any traffic */
	struct vsxd_q_cpumap cpumap[VSX_MAX_CPUS];
};

struct vsxd_q_rule {
	const struct vsx_rule *rule; /* valid until the rule table next changes */
	__u32 id;
	int dir; /* VSX_DIR_* */
	bool is_auto;
	bool has_state;	   /* is_auto and its decision state was read */
	bool decided;	   /* has_state and a core was chosen */
	int decided_core;  /* when decided */
	bool decided_prio; /* when decided */
	__u64 packets, bytes;
};

struct vsxd_q_rules {
	size_t n;
	struct vsxd_q_rule *v;
};

struct vsxd_q_flow {
	struct vsx_flow_key key;
	__u32 rule_id;
	bool stay; /* left on the receiving core */
	int core;  /* when !stay */
	bool prio;
	__u64 packets, bytes;
	double rate_bps, age_s, idle_s; /* rate: average over the flow's life */
};

struct vsxd_q_flows {
	unsigned long live, shown;
	struct vsxd_q_flow *v; /* shown entries */
};

/* dump-flows type=...: the flow manager's flows (vsxd/offload.h), both paths. */
enum vsxd_q_flow_type {
	VSXD_Q_FLOWS_ALL = 0,
	VSXD_Q_FLOWS_OFFLOADED,
	VSXD_Q_FLOWS_ONLOADED,
};

struct vsxd_q_mflow {
	struct vsx_offload_key key;
	char text[160]; /* the key as vsx_fm_key_format() writes it */
	char vm[VSX_OFL_NAME_SIZE], tenant[VSX_OFL_NAME_SIZE], port[16];
	bool offloaded;
	int reason; /* enum vsx_fm_reason: why not offloaded (VSX_FM_R_NONE when offloaded) */
	int core;   /* steering's core, -1: none */
	__u32 header_id;
	int action; /* enum vsx_ofl_action of the header policy that matched */
	bool closing, fragments, in_cache;
	/* continuous across moves: totals and per path (index enum vsx_fm_path) */
	__u64 packets, bytes, path_packets[2], path_bytes[2];
	__u64 refused, redirect_fail, rate_dropped;
	double pps, bps; /* over the flow manager's window */
	double age_s, idle_s;
	double since_move_s;	    /* when moves > 0 */
	long long moved_realtime_s; /* CLOCK_REALTIME of the last move, 0: never moved */
	__u32 moves;
};

struct vsxd_q_mflows {
	int type;		    /* enum vsxd_q_flow_type */
	size_t offloaded, onloaded; /* every flow of the manager, whatever type selects */
	size_t shown;		    /* entries in v: of type, up to the limit */
	struct vsxd_q_mflow *v;
	/* sums over the flows of type (shown or not) */
	__u64 packets, bytes, path_packets[2], path_bytes[2];
};

struct vsxd_q_port {
	char vm[VSX_OFL_NAME_SIZE], ifname[16];
	__u32 port, ifindex;
	bool usable;
	int err;
};

struct vsxd_q_offload {
	struct vsxd_ofl_stats s;
	size_t n_ports;
	struct vsxd_q_port *ports;
};

void vsxd_query_show(const struct vsxd *d, struct vsxd_q_show *out);
void vsxd_query_cores(struct vsxd *d, struct vsxd_q_cores *out);
/* 0 or -errno (the counters could not be read). */
int vsxd_query_stats(struct vsxd *d, struct vsxd_q_stats *out);
/* 0 or -ENOMEM; free with vsxd_query_rules_free. */
int vsxd_query_rules(struct vsxd *d, struct vsxd_q_rules *out);
void vsxd_query_rules_free(struct vsxd_q_rules *r);
/* Up to limit of the live flows. 0, -EIO (no jiffies) or -ENOMEM; vsxd_query_flows_free. */
int vsxd_query_flows(struct vsxd *d, unsigned long limit, struct vsxd_q_flows *out);
void vsxd_query_flows_free(struct vsxd_q_flows *f);
/* "all", "offloaded" or "onloaded" into *type; -EINVAL otherwise. */
int vsxd_query_flow_type(const char *s, int *type);
const char *vsxd_query_flow_type_name(int type);
/* Up to limit of the flow manager's flows of type. 0 or -ENOMEM; vsxd_query_mflows_free. */
int vsxd_query_mflows(struct vsxd *d, int type, unsigned long limit, struct vsxd_q_mflows *out);
void vsxd_query_mflows_free(struct vsxd_q_mflows *f);
/* Offload totals and the VM ports. 0 or -ENOMEM; vsxd_query_offload_free. */
int vsxd_query_offload(struct vsxd *d, struct vsxd_q_offload *out);
void vsxd_query_offload_free(struct vsxd_q_offload *q);

#endif
