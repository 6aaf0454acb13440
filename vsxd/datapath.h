/* SPDX-License-Identifier: MIT */
/*
 * vsxd's side of the BPF datapath: load the uplink (XDP) and egress (tc) programs, pin
 * their maps in vsxd's bpffs so a restarted vsxd re-uses them with every decision in them,
 * attach (XDP through libxdp's dispatcher, xdp_attach.c; or atomically replace a previous
 * vsxd's program), and read/write the maps.
 * Functions return 0 or a negative errno and log what went wrong.
 */
#ifndef VSXD_DATAPATH_H
#define VSXD_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>

#include <vsx/datapath.h>
#include <vsx/offload.h>
#include "config.h"

struct uplink;
struct egress;
struct cpumap_stats;
struct vsx_cpumap_stats;

enum vsxd_xdp_attach {
	VSXD_XDP_NONE = 0,
	VSXD_XDP_DISPATCHER, /* a component of libxdp's multi-program dispatcher */
	VSXD_XDP_LINK,       /* alone, through a pinned bpf_link (the fallback) */
};

enum vsxd_dir {
	VSXD_INGRESS = 0, /* steering rules, uplink XDP */
	VSXD_EGRESS = 1,  /* FCF marking rules, uplink tc egress */
};

struct vsxd_datapath {
	struct uplink *up;
	struct egress *eg;
	struct cpumap_stats *acct; /* cpumap accounting (cpumap_acct.c); NULL if unavailable */
	int ifindex;
	char ifname[16];
	char pin_dir[256];
	bool reused;     /* maps were found pinned: a previous vsxd's state is kept */
	bool tc_hooked;  /* we created the clsact qdisc */
	int xdp_link_fd;   /* VSXD_XDP_LINK */
	enum vsxd_xdp_attach xdp_attach;
	__u32 xdp_prog_id; /* VSXD_XDP_DISPATCHER: our component program */
	__u32 cpumap_id; /* the kernel's id of vsx_cpu_map: names its kthreads and tracepoints */
	__u32 devmap_id; /* the kernel's id of vsx_vm_ports: its redirect errors are ours */
	bool cpumap_prog; /* cpumap entries run vsx_uplink_cpumap (the fast path on the chosen core) */
	int lock_fd;     /* the pin directory, flock()ed: one vsxd per datapath */
	unsigned int n_cpus; /* possible CPUs, capped at VSX_MAX_CPUS */

	/* mmapped maps */
	struct vsx_config *cfg;
	struct vsx_core_table *core_table;
	struct vsx_core_assign *core_assign;
	struct vsx_flow_slot *flows;
	struct vsx_offload_cfg *ofl_cfg; /* mmapped vsx_offload_cfg */
	size_t flow_slots;
	__u32 *eg_bank;
	size_t cfg_map_len, table_map_len, assign_map_len, flows_map_len, eg_bank_len, ofl_cfg_len;
};

/* Loads, pins or re-uses, and attaches. Touches nothing already running until it succeeds. */
int vsxd_dp_open(struct vsxd_datapath *dp, const struct vsxd_conf *conf);

/*
 * keep: leave programs attached and maps pinned (a later vsxd takes over). Otherwise detach
 * and remove the pins, which frees the datapath.
 */
void vsxd_dp_close(struct vsxd_datapath *dp, bool keep);

/*
 * The uplink XDP program's attachment (xdp_attach.c, docs/xdp.md): joins libxdp's dispatcher
 * on the uplink, keeps or upgrades a previous vsxd's program there, or falls back to a pinned
 * bpf_link. detach removes only vsx; other programs in the dispatcher keep running.
 */
int vsxd_xdp_attach(struct vsxd_datapath *dp, const struct vsxd_conf *conf);
void vsxd_xdp_detach(struct vsxd_datapath *dp);

/* Pins every map of obj by name in dir (re-using what is pinned there at load). */
struct bpf_object;
int vsxd_dp_set_pin_paths(struct bpf_object *obj, const char *dir);

/* The VM ports' devmap, re-used and pinned by hand (datapath.c says why): before, after load. */
struct bpf_map;
int vsxd_dp_devmap_reuse(struct bpf_map *m, const char *dir);
int vsxd_dp_devmap_pin(struct bpf_map *m, const char *dir);

/* Creates the cpumap entry of every online CPU in the table, removes the others. */
int vsxd_dp_sync_cpumap(struct vsxd_datapath *dp, const struct vsx_core_table *t);

/*
 * Installs a compiled classifier into the inactive bank and switches to it atomically.
 * Its mask ids are 0-based subtable numbers; the bank offset is added here.
 */
struct vsx_classifier;
int vsxd_dp_install_classifier(struct vsxd_datapath *dp, enum vsxd_dir dir,
			       const struct vsx_classifier *c);

/* Marks the VM IDs whose flows are priority flows (the configuration's priority VMs). */
int vsxd_dp_set_vm_prio(struct vsxd_datapath *dp, const struct vsxd_conf *conf);

/* Forgets the irq:auto decision of a rule id (a new rule takes the id). */
int vsxd_dp_reset_rule(struct vsxd_datapath *dp, __u32 rule_id);
int vsxd_dp_rule_state(struct vsxd_datapath *dp, __u32 rule_id, struct vsx_rule_state *st);
int vsxd_dp_set_rule_state(struct vsxd_datapath *dp, __u32 rule_id, const struct vsx_rule_state *st);

/* Sums of per-CPU counters. */
int vsxd_dp_rule_counter(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			 struct vsx_counter *out);
int vsxd_dp_core_counter(struct vsxd_datapath *dp, __u32 core, struct vsx_counter *out);
/* Every core's counter from one read of the per-CPU block (the single-core call reads it all). */
int vsxd_dp_core_counters(struct vsxd_datapath *dp, struct vsx_counter out[VSX_MAX_CPUS]);
int vsxd_dp_flow_counter(struct vsxd_datapath *dp, __u32 slot, __u32 tag, struct vsx_counter *out);
int vsxd_dp_stats(struct vsxd_datapath *dp, __u64 out[VSX_STAT_COUNT]);

/* Zeroes rule counters when a rule id is reused. */
int vsxd_dp_clear_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id);

/*
 * A rule's per-CPU counters as stored (one struct vsx_counter per possible CPU), to carry
 * them over to the rule's new id across a restart. get allocates *percpu (free() it).
 */
int vsxd_dp_get_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			      struct vsx_counter **percpu);
int vsxd_dp_set_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			      const struct vsx_counter *percpu);

/*
 * The cpumap's own accounting (cpumap_acct.c): tracepoint programs counting, per target core,
 * enqueue batches and drops, redirect errors and the kthread's batches, drops and wake-ups.
 * open never fails vsxd: without it (no kernel BTF, say) it logs a warning and the counters are
 * absent. Its counter map is pinned with the others, so counts survive a --keep-datapath
 * restart (frames steered while no vsxd ran are not counted).
 */
void vsxd_cpumap_acct_open(struct vsxd_datapath *dp);
void vsxd_cpumap_acct_close(struct vsxd_datapath *dp, bool keep);
/* One core's totals; -EOPNOTSUPP without accounting, -EINVAL for a core out of range. */
int vsxd_dp_cpumap_stats(struct vsxd_datapath *dp, __u32 core, struct vsx_cpumap_stats *out);

/* Per-path counters (vsx_stat_block.path[], summed over CPUs): they add up to VSX_STAT_RX. */
int vsxd_dp_path_counters(struct vsxd_datapath *dp, struct vsx_counter out[VSX_PATH_COUNT]);

/*
 * ---- the RX fast path (FlexivOffload; include/vsx/offload.h, docs/offload.md) ----
 * Low-level accessors of its tables; vsxd/dp_xdp.c wraps them into the XDP offload provider
 * (lib/dp_provider.h, struct vsx_offload_ops). Same return convention: 0 or a negative errno,
 * -EINVAL for an index out of range (port 0 or >= VSX_MAX_VM_PORTS, flow id 0 or >=
 * VSX_MAX_OFFLOADS), -ENOENT for no such entry, -ENOSPC when vsx_offload is full. They do not
 * log. vsxd_dp_open() loads the tables with the uplink program (always, empty and off).
 */

/* Turns the fast path on or off (vsx_offload_cfg.flags); off, no packet is looked up. */
int vsxd_dp_offload_enable(struct vsxd_datapath *dp, bool on);

/*
 * The local IPv4 addresses VXLAN is received on (at most VSX_OFL_MAX_VTEPS; network order):
 * packets to any other outer destination take the normal path. vsxd_dp_open() sets the
 * uplink's own addresses and MAC; this replaces the addresses.
 */
int vsxd_dp_offload_set_vteps(struct vsxd_datapath *dp, const __be32 *addrs, size_t n);
/* The same for IPv6 VTEP addresses (at most VSX_OFL_MAX_VTEPS6, 4 network-order words each). */
int vsxd_dp_offload_set_vteps6(struct vsxd_datapath *dp, const __be32 (*addrs)[4], size_t n);
/*
 * The uplink's MAC, IPv4 addresses (up to VSX_OFL_MAX_VTEPS) and non-link-local IPv6
 * addresses (up to VSX_OFL_MAX_VTEPS6), as vsxd_dp_open() sets them.
 */
int vsxd_dp_offload_host_facts(struct vsxd_datapath *dp);

/*
 * Whether ifindex can take frames redirected by XDP: 0, or -EOPNOTSUPP when it cannot (a
 * veth whose peer has neither an XDP program nor GRO, i.e. no NAPI to receive them; a device
 * without ndo_xdp_xmit; a kernel that cannot say, before 6.3), -ENODEV when there is no such
 * device. Reads the device's XDP features (netdev netlink, NETDEV_XDP_ACT_NDO_XMIT), which for
 * a veth the kernel keeps in step with its peer (vsxd/xdp_features.c).
 */
int vsxd_dp_port_check(struct vsxd_datapath *dp, __u32 ifindex);

/*
 * Port `port` (1..VSX_MAX_VM_PORTS-1; -EINVAL also for ifindex 0 or a MAC that is not a
 * unicast address): writes vsx_vm_port (flags as given: set
 * VSX_PORT_F_VALID) and the devmap entry vsx_vm_ports[port] = p->ifindex, devmap first so a
 * valid port always has its entry. Rewriting a port's ifindex/VNI/MAC invalidates every
 * entry naming it at once (the datapath checks packets against the port). Does not call
 * vsxd_dp_port_check(): the caller does, before promoting flows to the port.
 */
int vsxd_dp_port_set(struct vsxd_datapath *dp, __u32 port, const struct vsx_vm_port *p);
/* Invalidates the port (flags 0) first, then removes its devmap entry. */
int vsxd_dp_port_del(struct vsxd_datapath *dp, __u32 port);
int vsxd_dp_port_get(struct vsxd_datapath *dp, __u32 port, struct vsx_vm_port *out);

/*
 * Adds or replaces the entry of key (kind FLOW or VM; unused fields must be zero: -EINVAL
 * otherwise). A new flow_id's counters are zeroed first (vsxd_dp_offload_clear_stats), so the
 * caller passes fresh=true when the id was used by another flow before.
 */
int vsxd_dp_offload_put(struct vsxd_datapath *dp, const struct vsx_offload_key *key,
			const struct vsx_offload_entry *e, bool fresh);
int vsxd_dp_offload_del(struct vsxd_datapath *dp, const struct vsx_offload_key *key);
int vsxd_dp_offload_get(struct vsxd_datapath *dp, const struct vsx_offload_key *key,
			struct vsx_offload_entry *out);

/*
 * A flow's counters summed over CPUs: packets, bytes, refused, redirect_fail, rate_dropped
 * added, last_jiffies the latest, tcp_flags ORed.
 */
int vsxd_dp_offload_stats(struct vsxd_datapath *dp, __u32 flow_id, struct vsx_offload_stats *out);
int vsxd_dp_offload_clear_stats(struct vsxd_datapath *dp, __u32 flow_id);

/*
 * The RX fast path's token bucket rate_id (< VSX_RATE_MAX_BUCKETS; include/vsx/rate.h): made
 * with vsx_rate_config(), written whole under the bucket's lock (BPF_F_LOCK). Entries with
 * VSX_OFL_F_RATE name it; a bucket with flags 0 admits everything.
 */
struct vsx_rate_bucket;
int vsxd_dp_rx_rate_set(struct vsxd_datapath *dp, __u32 rate_id, const struct vsx_rate_bucket *b);

/*
 * A port's counters summed over CPUs: what the fast path handed it, and what the kernel's
 * devmap then failed to transmit (vsx_port_xmit by the port's ifindex; zeros when the
 * accounting programs are not loaded).
 */
int vsxd_dp_port_stats(struct vsxd_datapath *dp, __u32 port, struct vsx_port_stats *out,
		       struct vsx_port_xmit *xmit);

/* For the datapath's files: sums the per-CPU copies of a value made of u64 words. */
int vsxd_dp_percpu_sum(int fd, __u32 key, size_t value_size, __u64 *sum, size_t words);

#endif
