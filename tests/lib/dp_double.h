/* SPDX-License-Identifier: MIT */
/*
 * An honest in-memory datapath for unit tests of vsxd's logic (lib/dp_provider.h, both
 * interfaces). It keeps what the XDP datapath keeps, in plain fields a test reads directly:
 * the installed classifier of each direction (subtables and entries as the BPF maps would
 * hold them, with a lookup that runs the datapath's algorithm), the irq:auto rule states, the
 * per-rule, per-core and per-path counters and named stats, the core table, the assignment
 * counts, the cpumap entries, a flow decision cache, and the offload table with its ports
 * and per-flow counters. Every operation checks its arguments as the XDP provider does and
 * returns what it would (the same errno for the same mistake), changes nothing when it fails,
 * and can be made to fail on purpose (dpd_fail()). Traffic is what a test adds (dpd_traffic(),
 * dpd_decide(), dpd_flow_add(), dpd_offload_traffic()): the double never invents any.
 * docs/providers.md.
 */
#ifndef VSX_TEST_DP_DOUBLE_H
#define VSX_TEST_DP_DOUBLE_H

#include <stdbool.h>

#include "classifier.h"
#include "dp_provider.h"

/* Operations, for failure injection and call counts. */
enum dpd_op {
	DPD_CAPS,
	DPD_SET_MODE,
	DPD_GET_MODE,
	DPD_GET_CONFIG,
	DPD_SET_FLOWLET,
	DPD_INSTALL,
	DPD_RULE_STATE,
	DPD_SET_RULE_STATE,
	DPD_RESET_RULE,
	DPD_RULE_COUNTER,
	DPD_SET_RULE_COUNTER,
	DPD_CLEAR_RULE_COUNTERS,
	DPD_CORE_COUNTERS,
	DPD_PATH_COUNTERS,
	DPD_STATS,
	DPD_CPUMAP_STATS,
	DPD_SET_CORE_TABLE,
	DPD_SYNC_CORES,
	DPD_FLOW_DUMP,
	/* offload */
	DPD_OFL_CAPS,
	DPD_OFL_SET_ENABLED,
	DPD_OFL_PORT_SET,
	DPD_OFL_PORT_DEL,
	DPD_OFL_PUT,
	DPD_OFL_DEL,
	DPD_OFL_COUNTERS,
	DPD_OFL_REMOTE_SET,
	DPD_OFL_REMOTE_DEL,
	DPD_OFL_TX_PUT,
	DPD_OFL_TX_DEL,
	DPD_OFL_TX_COUNTERS,
	DPD_OP_COUNT
};

/* An installed classifier: the masks and entries of its bank, as the maps hold them. */
struct dpd_cls {
	__u32 n_masks;
	struct vsx_cls_mask masks[VSX_MAX_MASKS];
	__u32 n_entries;
	struct vsx_cls_entry *entries;
};

struct dpd_iface {
	__u32 ifindex;
	bool can_redirect; /* what the XDP provider's port check would find */
};

struct dpd_offload_entry {
	bool used;
	struct vsx_offload_key key;
	__u32 port, flow_id;
	struct vsx_rate_limit limit;
};

struct dpd_tx_entry {
	bool used;
	struct vsx_tx_key key;
	struct vsx_tx_entry e; /* as the provider writes it: the port's VNI, rate_id = flow id */
	struct vsx_rate_limit limit;
};

#define DPD_MAX_IFACES 32
#define DPD_TX_REMOTES VSX_TX_MAX_REMOTES /* remote ids 1..VSX_TX_MAX_REMOTES-1 */

struct vsx_dp_double {
	struct vsx_dp dp;	 /* ops + ctx: put it in struct vsxd.dpp */
	struct vsx_offload ofl;	 /* ops + ctx: struct vsxd.ofl */
	struct vsx_dp_caps caps; /* what caps() reports; a test may change it before use */
	struct vsx_offload_caps ocaps;

	/* steering state */
	struct vsx_config cfg;
	struct dpd_cls cls[VSX_DIR_COUNT];
	struct vsx_rule_state state[VSX_MAX_RULES];
	struct vsx_counter rule_cnt[VSX_DIR_COUNT][VSX_MAX_RULES];
	struct vsx_counter core_cnt[VSX_MAX_CPUS];
	struct vsx_counter path_cnt[VSX_PATH_COUNT];
	__u64 stats[VSX_STAT_COUNT];
	struct vsx_cpumap_stats cpumap[VSX_MAX_CPUS];
	bool cpumap_entry[VSX_MAX_CPUS]; /* the per-core queues sync_cores() made */
	struct vsx_core_table core_table;
	struct vsx_core_assign assign;
	struct vsx_flow_slot *slots; /* [caps.flow_slots] */
	struct vsx_counter *slot_cnt;

	/* offload state */
	bool ofl_enabled;
	struct dpd_iface ifaces[DPD_MAX_IFACES]; /* interfaces that exist; the rest do not */
	struct vsx_offload_port ports[VSX_MAX_VM_PORTS];
	bool port_valid[VSX_MAX_VM_PORTS];
	struct dpd_offload_entry *entries;    /* [ocaps.table_size] */
	struct vsx_offload_counters *ofl_cnt; /* [ocaps.table_size + 1], by flow id */
	struct vsx_tx_remote remotes[DPD_TX_REMOTES];
	bool remote_valid[DPD_TX_REMOTES];
	struct dpd_tx_entry *tx;	     /* [ocaps.tx_table_size] */
	struct vsx_offload_counters *tx_cnt; /* [ocaps.tx_table_size + 1], by flow id */

	/* failure injection and call counts */
	unsigned int calls[DPD_OP_COUNT];
	int fail_err[DPD_OP_COUNT];	       /* non-zero: fail with it ... */
	unsigned int fail_skip[DPD_OP_COUNT];  /* ... after this many more successful calls ... */
	unsigned int fail_times[DPD_OP_COUNT]; /* ... this many times (0: every time) */
};

/*
 * A fresh datapath: n_cpus CPUs, flow_slots cache slots, an offload table of table_size
 * entries and as many TX entries (0: no offload provider, ofl.ops NULL). Mode default, every
 * rule undecided.
 */
struct vsx_dp_double *dpd_new(unsigned int n_cpus, size_t flow_slots, size_t table_size);
void dpd_free(struct vsx_dp_double *d);

/* Makes op fail with err (negative) after skip successful calls, times times (0: always). */
void dpd_fail(struct vsx_dp_double *d, enum dpd_op op, int err, unsigned int skip,
	      unsigned int times);
void dpd_fail_clear(struct vsx_dp_double *d);

/* ---- traffic a test adds ---- */

/*
 * packets/bytes received and matched by rule_id of direction dir (0: no rule matched),
 * put on core (ingress): rule, core, path and rx counters move as the datapath's would.
 */
void dpd_traffic(struct vsx_dp_double *d, int dir, __u32 rule_id, unsigned int core, __u64 packets,
		 __u64 bytes);
/* An irq:auto rule's first packet decides core (the datapath's compare-and-swap). false:
 * already decided. */
bool dpd_decide(struct vsx_dp_double *d, __u32 rule_id, int core, bool prio);
/* Fills a cache slot with a current flow (of the current rules_gen). -EINVAL: bad slot. */
int dpd_flow_add(struct vsx_dp_double *d, __u32 slot, const struct vsx_flow_key *key, __u32 rule_id,
		 int core, const struct vsx_counter *cnt);
/* Makes an interface exist (for port_set), able to take redirected frames or not. */
void dpd_iface(struct vsx_dp_double *d, __u32 ifindex, bool can_redirect);
/* Counts fast-path packets of an offloaded flow (RX), or of a TX flow. */
void dpd_offload_traffic(struct vsx_dp_double *d, __u32 flow_id, __u64 packets, __u64 bytes);
void dpd_tx_traffic(struct vsx_dp_double *d, __u32 flow_id, __u64 packets, __u64 bytes);

/* ---- reading state ---- */

/* The installed classifier's answer for key, as the datapath's lookup gives it; NULL: none. */
const struct vsx_cls_val *dpd_lookup(const struct vsx_dp_double *d, int dir,
				     const struct vsx_flow_key *key);
/* The installed entry of rule_id in dir, or NULL. */
const struct vsx_cls_entry *dpd_rule_entry(const struct vsx_dp_double *d, int dir, __u32 rule_id);
/* The offload entry of key, or NULL. */
const struct dpd_offload_entry *dpd_offload_find(const struct vsx_dp_double *d,
						 const struct vsx_offload_key *key);
size_t dpd_offload_count(const struct vsx_dp_double *d);
const struct dpd_tx_entry *dpd_tx_find(const struct vsx_dp_double *d, const struct vsx_tx_key *key);

#endif
