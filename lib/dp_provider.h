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
 * full; -EEXIST: the entry exists; -EBUSY: the datapath is in use by another. The caller
 * logs a failure with what it was doing (an implementation may log detail of its own).
 *
 * The offload provider (struct vsx_offload) is a separate interface so that a hardware
 * provider (tc flower on a switchdev NIC, DPDK rte_flow) is one new implementation of it
 * alone; the XDP datapath provides both.
 */
#ifndef VSX_DP_PROVIDER_H
#define VSX_DP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <vsx/cpumap_stats.h>
#include <vsx/datapath.h>
#include <vsx/offload.h>
#include <vsx/offload_tx.h>

struct vsx_classifier;

/* ---- steering datapath ---- */

/* What the datapath has and is; read once after open (none of it changes while open). */
struct vsx_dp_caps {
	unsigned int n_cpus; /* possible CPUs, capped at VSX_MAX_CPUS */
	size_t flow_slots;   /* flow decision cache slots (0: no cache to dump) */
	bool cpumap_stats;   /* per-core cpumap accounting is available (cpumap_stats()) */
	bool egress;	     /* an egress (FCF marking) direction exists */
	bool reused;	     /* opened over a running datapath: a previous agent's rule states,
				counters and mode are in it (the agent restores its rules) */
	__u32 cpumap_id;     /* the kernel's id of the cpumap whose kthreads do steered work on
				their cores (named "cpumap/CPU/map:ID"); 0: none */
};

/* One flow of the decision cache, as flow_dump() reports it: current flows only. */
struct vsx_dp_flow {
	__u32 slot;
	struct vsx_flow_slot s;	    /* a consistent copy (the datapath writes slots concurrently) */
	struct vsx_counter counter; /* summed over CPUs, for this slot's current flow */
};
/* Return non-zero to stop the dump (flow_dump then returns that value). */
typedef int (*vsx_dp_flow_cb)(void *arg, const struct vsx_dp_flow *f);

/*
 * dir is VSX_DIR_INGRESS or VSX_DIR_EGRESS (lib/rule.h); -EINVAL otherwise, and -EOPNOTSUPP
 * for egress without caps.egress. Rule ids are 0..VSX_MAX_RULES-1, cores 0..VSX_MAX_CPUS-1.
 */
struct vsx_dp_ops {
	int (*caps)(void *ctx, struct vsx_dp_caps *out);
	/* Steering mode (enum vsx_mode; -EINVAL for another value). */
	int (*set_mode)(void *ctx, __u32 mode);
	int (*get_mode)(void *ctx, __u32 *mode);
	/* A snapshot of the datapath's configuration word (mode, flags, rules_gen, ...). */
	int (*get_config)(void *ctx, struct vsx_config *out);
	/* Idle gap after which a cached flow follows its rule's new core (0: never). */
	int (*set_flowlet)(void *ctx, __u32 jiffies);
	/*
	 * Makes c direction dir's classifier atomically (the bank switch); for ingress, every
	 * cached decision made before becomes stale (rules_gen moves on). On failure the
	 * previous classifier stays in force, unchanged.
	 */
	int (*install_classifier)(void *ctx, int dir, const struct vsx_classifier *c);
	/* irq:auto decisions (vsx_rule_state): read, write, forget (core = VSX_CORE_NONE). */
	int (*rule_state)(void *ctx, __u32 rule_id, struct vsx_rule_state *out);
	int (*set_rule_state)(void *ctx, __u32 rule_id, const struct vsx_rule_state *st);
	int (*reset_rule)(void *ctx, __u32 rule_id);
	/* Counters, summed over CPUs. set_rule_counter makes the sum *c (carried over a restart).
	 */
	int (*rule_counter)(void *ctx, int dir, __u32 rule_id, struct vsx_counter *out);
	int (*set_rule_counter)(void *ctx, int dir, __u32 rule_id, const struct vsx_counter *c);
	int (*clear_rule_counters)(void *ctx, int dir, __u32 rule_id);
	int (*core_counters)(void *ctx, struct vsx_counter out[VSX_MAX_CPUS]);
	int (*path_counters)(void *ctx, struct vsx_counter out[VSX_PATH_COUNT]);
	int (*stats)(void *ctx, __u64 out[VSX_STAT_COUNT]);
	/* One core's cpumap accounting (-EOPNOTSUPP without caps.cpumap_stats). */
	int (*cpumap_stats)(void *ctx, __u32 core, struct vsx_cpumap_stats *out);
	/*
	 * The core table the datapath decides with, written field by field (the datapath reads
	 * it concurrently); t->n_cpus above caps.n_cpus is -EINVAL.
	 */
	int (*set_core_table)(void *ctx, const struct vsx_core_table *t);
	/* Per-core queues (cpumap entries) for exactly the cores with VSX_CORE_ONLINE in t. */
	int (*sync_cores)(void *ctx, const struct vsx_core_table *t);
	/*
	 * The assignment counts, shared with the datapath, which adds to them concurrently: use
	 * atomic access only. Valid until close; NULL: the datapath keeps none.
	 */
	struct vsx_core_assign *(*core_assign)(void *ctx);
	/* Every current flow of the decision cache (stale and empty slots are skipped). */
	int (*flow_dump)(void *ctx, vsx_dp_flow_cb cb, void *arg);
};

struct vsx_dp {
	const struct vsx_dp_ops *ops;
	void *ctx;
};

/* vsx_dp_call(&d->dpp, rule_state, id, &st): an operation on its own context. */
#define vsx_dp_call(dp, op, ...) ((dp)->ops->op((dp)->ctx, ##__VA_ARGS__))

/* ---- offload provider ---- */

struct vsx_offload_caps {
	size_t table_size;    /* offload entries it can hold */
	size_t max_ports;     /* VM ports it can deliver to */
	bool rate_limit;      /* per-entry token buckets */
	bool stats;	      /* per-entry counters */
	bool tx;	      /* the TX (VM -> uplink encapsulation) fast path: tx_* and remote_* */
	size_t tx_table_size; /* TX entries it can hold (flow ids 1..tx_table_size) */
	size_t tx_remotes;    /* remote VTEP ids 1..tx_remotes-1 */
	bool per_core;	      /* the fast path runs on the core steering chose (cpumap program) */
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
	__u32 port; /* provider port index, 1..max_ports-1 (vsx_vm_port's index) */
	__u32 ifindex;
	__be32 vni; /* network order, as in the flow key */
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

/* A TX flow: frames a VM sends on its port, encapsulated to a remote VTEP (caps.tx). */
struct vsx_offload_tx_flow {
	struct vsx_tx_key key; /* the VM's port + inner destination MAC (+ 5-tuple) */
	__u32 remote;	       /* a remote set with remote_set() */
	__u32 flow_id;	       /* the caller's id, 1..tx_table_size; tx_counters by it */
	struct vsx_rate_limit limit;
};

/* An offloaded flow's counters, summed over CPUs (struct vsx_offload_stats's meaning). */
struct vsx_offload_counters {
	__u64 packets, bytes, refused, redirect_fail, rate_dropped;
	__u64 last_jiffies; /* latest over CPUs */
	__u8 tcp_flags;	    /* OR over CPUs */
};

/*
 * Port indexes 1..caps.max_ports-1 and flow ids 1..caps.table_size are -EINVAL outside;
 * put() with a rate limit is -EOPNOTSUPP without caps.rate_limit, counters() without
 * caps.stats.
 */
struct vsx_offload_ops {
	int (*caps)(void *ctx, struct vsx_offload_caps *out);
	/*
	 * The fast path takes packets only while enabled (off after open: the agent turns it on
	 * when its policy says so); off, entries and ports stay and match nothing.
	 */
	int (*set_enabled)(void *ctx, bool on);
	/*
	 * Makes a VM port usable, after checking it can take redirected frames (-EOPNOTSUPP with
	 * no change if not: a veth whose peer has no NAPI, a tap no process has open; -ENODEV: no
	 * such interface). Replacing a port's ifindex, VNI or MAC invalidates every entry that
	 * names it (they stop matching at once).
	 */
	int (*port_set)(void *ctx, const struct vsx_offload_port *p);
	/* Entries naming a deleted port stop matching (the caller deletes them). */
	int (*port_del)(void *ctx, __u32 port);
	/*
	 * Adds or replaces the entry of f->key (-ENOENT: f->port not set; -ENOSPC: the table is
	 * full); its counters start at zero for a flow_id not in use by the replaced entry.
	 */
	int (*put)(void *ctx, const struct vsx_offload_flow *f);
	int (*del)(void *ctx, const struct vsx_offload_key *key);
	int (*counters)(void *ctx, __u32 flow_id, struct vsx_offload_counters *out);
	/*
	 * TX (caps.tx; -EOPNOTSUPP without). A port set with port_set() sends through the fast
	 * path only frames with its own source MAC, under its own VNI (the provider takes the
	 * VNI from the port, not from the caller). remote_set: a remote VTEP as the kernel's
	 * VXLAN device would send to it (-EOPNOTSUPP when its uplink cannot take redirected
	 * frames); tx_put: -ENOENT when the port or the remote is not set, -ENOSPC when full.
	 */
	int (*remote_set)(void *ctx, __u32 id, const struct vsx_tx_remote *r);
	int (*remote_del)(void *ctx, __u32 id);
	int (*tx_put)(void *ctx, const struct vsx_offload_tx_flow *f);
	int (*tx_del)(void *ctx, const struct vsx_tx_key *key);
	int (*tx_counters)(void *ctx, __u32 flow_id, struct vsx_offload_counters *out);
};

struct vsx_offload {
	const struct vsx_offload_ops *ops;
	void *ctx;
};

/* The same for the offload provider; check ofl->ops first (NULL: no provider). */
#define vsx_offload_call(ofl, op, ...) ((ofl)->ops->op((ofl)->ctx, ##__VA_ARGS__))

#endif
