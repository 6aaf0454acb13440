/* SPDX-License-Identifier: MIT */
/*
 * The datapath behind an interface: what vsxd's rule, core, rebalancing, policy and control
 * logic may ask of a datapath, as a struct of operations. Two implementations: the XDP one
 * (vsxd/dp_xdp.c, over vsxd/datapath.c's BPF maps) and an honest in-memory double for unit
 * tests (tests/lib/dp_double.c) that keeps the same state a datapath would and lets a test
 * inject failures and traffic. docs/providers.md describes both and what a new one must do.
 *
 * Lifecycle: an implementation's own constructor opens it and fills a struct vsx_dp (ops +
 * ctx); every operation may then be called, in any order, from one thread; the
 * implementation's destructor ends it. Nothing here opens or closes.
 *
 * Return convention: 0 on success or a negative errno; nothing is changed on failure
 * (an operation is atomic from the caller's view). -EOPNOTSUPP: the datapath has no such
 * feature (caps says which it has); -EINVAL: an argument out of range (a core >=
 * VSX_MAX_CPUS, a rule id >= VSX_MAX_RULES, ...); -ENOENT: no such entry; -ENOSPC: a table is
 * full. Operations do not log: the caller knows what it was doing and says so.
 *
 * The offload provider (struct vsx_offload) is a separate interface so that a hardware
 * provider (tc flower on a switchdev NIC, DPDK rte_flow) is one new implementation of it
 * alone; the XDP datapath provides both.
 */
#ifndef VSX_DP_PROVIDER_H
#define VSX_DP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <vsx/datapath.h>
#include <vsx/offload.h>

struct vsx_classifier;

/* ---- steering datapath ---- */

struct vsx_dp_caps {
	unsigned int n_cpus;   /* possible CPUs, capped at VSX_MAX_CPUS */
	size_t flow_slots;     /* flow decision cache slots (0: no cache to dump) */
	bool cpumap_stats;     /* per-core cpumap accounting is available */
	bool egress;	       /* an egress (FCF marking) direction exists */
};

/* One flow of the decision cache, as flow_dump() reports it. */
struct vsx_dp_flow {
	__u32 slot;
	const struct vsx_flow_slot *s; /* valid during the callback only */
	struct vsx_counter counter;    /* summed over CPUs, for this slot's current flow */
};
/* Return non-zero to stop the dump (flow_dump then returns that value). */
typedef int (*vsx_dp_flow_cb)(void *arg, const struct vsx_dp_flow *f);

struct vsx_dp_ops {
	int (*caps)(void *ctx, struct vsx_dp_caps *out);
	/* Steering mode (enum vsx_mode). */
	int (*set_mode)(void *ctx, __u32 mode);
	int (*get_mode)(void *ctx, __u32 *mode);
	/* Makes c direction dir's (VSX_DIR_*) classifier atomically (the bank switch). */
	int (*install_classifier)(void *ctx, int dir, const struct vsx_classifier *c);
	/* irq:auto decisions (vsx_rule_state): read, write, forget (VSX_CORE_NONE). */
	int (*rule_state)(void *ctx, __u32 rule_id, struct vsx_rule_state *out);
	int (*set_rule_state)(void *ctx, __u32 rule_id, const struct vsx_rule_state *st);
	int (*reset_rule)(void *ctx, __u32 rule_id);
	/* Counters, summed over CPUs. */
	int (*rule_counter)(void *ctx, int dir, __u32 rule_id, struct vsx_counter *out);
	int (*clear_rule_counters)(void *ctx, int dir, __u32 rule_id);
	int (*core_counters)(void *ctx, struct vsx_counter out[VSX_MAX_CPUS]);
	int (*path_counters)(void *ctx, struct vsx_counter out[VSX_PATH_COUNT]);
	int (*stats)(void *ctx, __u64 out[VSX_STAT_COUNT]);
	/* The core table and assignment counts the datapath decides with. */
	int (*set_core_table)(void *ctx, const struct vsx_core_table *t);
	struct vsx_core_assign *(*core_assign)(void *ctx); /* shared, atomic access; NULL: none */
	/* Every valid slot of the flow decision cache. */
	int (*flow_dump)(void *ctx, vsx_dp_flow_cb cb, void *arg);
};

struct vsx_dp {
	const struct vsx_dp_ops *ops;
	void *ctx;
};

/* ---- offload provider ---- */

struct vsx_offload_caps {
	size_t table_size;  /* offload entries it can hold */
	size_t max_ports;   /* VM ports it can deliver to */
	bool rate_limit;    /* per-entry token buckets */
	bool stats;	    /* per-entry counters */
	bool tx;	    /* the TX (VM -> uplink encapsulation) fast path */
	bool per_core;	    /* the fast path runs on the core steering chose (cpumap program) */
};

/* A rate limit: 0 = none for that unit. Burst in bytes or in time at the rate (larger wins). */
struct vsx_rate_limit {
	__u64 bits_per_s;
	__u64 pkts_per_s;
	__u64 burst_bytes;
	__u32 burst_pkts;
	__u32 burst_us;
};

/* A VM port the fast path may deliver to (and, with tx, take from). */
struct vsx_offload_port {
	__u32 port;	    /* provider port index, 1..max_ports-1 (vsx_vm_port's index) */
	__u32 ifindex;
	__be32 vni;	    /* network order, as in the flow key */
	__u8 mac[6];
	__u16 mtu;
	__u32 tenant;
};

struct vsx_offload_flow {
	struct vsx_offload_key key;
	__u32 port;    /* a port set with port_set() */
	__u32 flow_id; /* the caller's id for this flow, 1..table_size; stats are read by it */
	struct vsx_rate_limit limit;
};

/* An offloaded flow's counters, summed over CPUs (struct vsx_offload_stats's meaning). */
struct vsx_offload_counters {
	__u64 packets, bytes, refused, redirect_fail, rate_dropped;
	__u64 last_jiffies; /* latest over CPUs */
	__u8 tcp_flags;	    /* OR over CPUs */
};

struct vsx_offload_ops {
	int (*caps)(void *ctx, struct vsx_offload_caps *out);
	/*
	 * Makes a VM port usable, after checking it can take redirected frames (-EOPNOTSUPP with
	 * no change if not: a veth whose peer has no NAPI, say). Replacing a port's ifindex, VNI
	 * or MAC invalidates every entry that names it (they stop matching at once).
	 */
	int (*port_set)(void *ctx, const struct vsx_offload_port *p);
	int (*port_del)(void *ctx, __u32 port);
	/* Adds or replaces the entry of f->key; its counters start at zero for a new flow_id. */
	int (*put)(void *ctx, const struct vsx_offload_flow *f);
	int (*del)(void *ctx, const struct vsx_offload_key *key);
	int (*counters)(void *ctx, __u32 flow_id, struct vsx_offload_counters *out);
};

struct vsx_offload {
	const struct vsx_offload_ops *ops;
	void *ctx;
};

#endif
