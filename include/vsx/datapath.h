/* SPDX-License-Identifier: MIT */
/*
 * Keys and values of every BPF map the datapath shares with the agent, and the named
 * counters (verdict reasons) it keeps. Map definitions themselves are in bpf/lib/maps.h.
 */
#ifndef VSX_DATAPATH_H
#define VSX_DATAPATH_H

#include "compat.h"
#include "limits.h"
#include "flow_key.h"
#include "core_table.h"

/* Steering modes, switchable at run time through vsx_config.mode. */
enum vsx_mode {
	VSX_MODE_DEFAULT = 0, /* no steering: everything stays on the receiving core */
	VSX_MODE_RSS = 1,     /* hash to a core as RPS does (the paper's baseline) */
	VSX_MODE_VSX = 2,     /* steering rules, core table, flow decision cache */
	VSX_MODE_COUNT
};

/* vsx_config.flags */
enum {
	VSX_CFG_FCF = 1 << 0, /* outer ToS of VXLAN packets is an FCF (read, then restore) */
};

/*
 * Single-entry array "vsx_config", written by the agent through mmap, one field at a time
 * with atomic stores: the datapath reads it on every packet.
 */
struct vsx_config {
	__u32 mode;        /* enum vsx_mode */
	__u32 flags;       /* VSX_CFG_* */
	__be16 vxlan_port; /* UDP destination port of VXLAN, network order */
	__u16 _pad;
	__u32 cls_bank;    /* active classifier: VSX_CLS_BANK(base, n_masks), see below */
	__u32 rules_gen;   /* bumped on every rule change: older cache entries are stale */
	__u32 flow_slots_mask; /* flow cache slots - 1 (slots is a power of two) */
	__u32 rss_n_cpus;  /* CPUs the rss mode hashes over */
	/*
	 * Live rebalancing (flowlet moves): a cached flow whose irq:auto rule was given another
	 * core by the agent (vsx_rule_state.core) takes it at its first packet after an idle gap
	 * of at least this many jiffies, so that none of its packets can overtake one still
	 * queued on the old core. 0: cached flows never move. See VSX_STAT_FLOW_MOVED.
	 */
	__u32 flowlet_jiffies;
	__u16 rss_cpus[VSX_MAX_CPUS];
};
VSX_ASSERT_SIZE(struct vsx_config, 32 + 2 * VSX_MAX_CPUS);

/* ---- classifier (tuple space search) ---- */

/*
 * The classifier is double-buffered so that a rule change is one atomic switch: the agent
 * writes the new subtables into the inactive bank (mask ids base..base+n-1, base 0 or
 * VSX_MAX_MASKS), then stores vsx_config.cls_bank, then deletes the old bank's entries.
 */
#define VSX_CLS_BANK(base, n_masks) (((__u32)(base) << 16) | (__u32)(n_masks))
#define VSX_CLS_BANK_BASE(bank) ((bank) >> 16)
#define VSX_CLS_BANK_N(bank) ((bank) & 0xffff)

/* Array "vsx_masks" [2 * VSX_MAX_MASKS]: per bank, subtables in descending max_priority. */
struct vsx_cls_mask {
	struct vsx_flow_key mask;
	__u32 max_priority; /* highest rule priority in this subtable: lets lookup stop early */
	__u32 _pad;
};
VSX_ASSERT_SIZE(struct vsx_cls_mask, 104);

/* Hash "vsx_rules" key: the subtable and the masked packet key. */
struct vsx_cls_key {
	__u32 mask_id;
	__u32 _pad;
	struct vsx_flow_key key;
};
VSX_ASSERT_SIZE(struct vsx_cls_key, 104);

enum vsx_action_kind {
	VSX_ACT_IRQ_CORE = 1, /* irq:N */
	VSX_ACT_IRQ_AUTO = 2, /* irq:auto - choose from the core table at the first packet */
	VSX_ACT_SET_FCF = 3,  /* egress: write the FCF byte into the outer header */
};

struct vsx_cls_val {
	__u32 rule_id;  /* index into vsx_rule_state / vsx_rule_stats */
	__u32 priority; /* higher wins */
	__u8 action;    /* enum vsx_action_kind */
	__u8 fcf;       /* VSX_ACT_SET_FCF: the byte to write */
	__u16 core;     /* VSX_ACT_IRQ_CORE: the core */
};
VSX_ASSERT_SIZE(struct vsx_cls_val, 12);

/*
 * A flow left on its receiving core because its irq:auto rule found no qualifying core keeps
 * that answer this many jiffies (100 ms at HZ=250), then asks the core table again: loads
 * change, and a flow must not stay unsteered for its life because it began in a busy moment.
 */
#define VSX_RETRY_JIFFIES 25

/*
 * Array "vsx_rule_state" [VSX_MAX_RULES]: the decision of an irq:auto rule, as the paper's
 * "IRQ:-" entry becomes "IRQ:n": made once, at the rule's first packet, by compare-and-swap
 * so that CPUs racing on a first packet agree. The agent writes VSX_CORE_NONE when it
 * installs a rule, and so decides when a rule forgets its core. The agent's rebalancer
 * moves a decided rule by writing another core here (and moving its count in
 * vsx_core_assign); cached flows follow at their next idle gap (vsx_config.flowlet_jiffies).
 */
struct vsx_rule_state {
	__s32 core;    /* chosen core, VSX_CORE_NONE until decided */
	__u32 prio;    /* 1 when the decision was made for a priority flow */
};
VSX_ASSERT_SIZE(struct vsx_rule_state, 8);

/* Per-CPU array "vsx_rule_stats" [VSX_MAX_RULES]; per-core counters are in vsx_stat_block. */
struct vsx_counter {
	__u64 packets;
	__u64 bytes;
};
VSX_ASSERT_SIZE(struct vsx_counter, 16);

/* ---- flow decision cache ---- */

/* slot.flags */
enum {
	VSX_SLOT_VALID = 1 << 0,
	VSX_SLOT_PRIO = 1 << 1,    /* the rule's flows are priority flows */
	VSX_SLOT_STAY = 1 << 2,    /* no core qualified / no rule: stay on the receiving core */
	VSX_SLOT_RETRY = 1 << 3,   /* irq:auto found no core: choose again after a while */
	VSX_SLOT_AUTO = 1 << 4,    /* irq:auto rule: the flow follows its rule's core (flowlet moves) */
	VSX_SLOT_MODE = 1 << 5,    /* recorded by mode default or rss (offload on): core is the
				      mode's choice, no rule decided it; mode vsx classifies the
				      flow again in this slot, keeping its counters */
};

/*
 * Array "vsx_flow_cache": 2-way set-associative, slot pairs (2i, 2i+1) form a set, the
 * least recently seen way is replaced. A hit is one array read and a key compare.
 */
struct vsx_flow_slot {
	struct vsx_flow_key key;
	__u32 rule_id;   /* 0 when no rule matched */
	__s16 core;      /* target core; VSX_CORE_NONE with VSX_SLOT_STAY */
	__u8 flags;      /* VSX_SLOT_* */
	__u8 _pad;
	__u32 gen;       /* vsx_config.rules_gen at decision time */
	__u32 tag;       /* changes whenever the slot gets a new flow (see vsx_flow_stats) */
	/*
	 * Times in jiffies (bpf_jiffies64(), inlined to one load) rather than nanoseconds: a
	 * clock read on every cache hit costs ~10 ns, as much as the rest of the hit. Ageing
	 * and rates only need the tick's resolution; vsxd converts with the kernel's HZ.
	 */
	__u64 first_jiffies; /* first packet */
	__u64 last_jiffies;  /* latest packet, for LRU replacement and ageing */
};
VSX_ASSERT_SIZE(struct vsx_flow_slot, 128);

/*
 * Per-CPU array "vsx_flow_stats", indexed like the cache. A CPU that finds tag different
 * from its slot's tag restarts the counters: the slot has a new flow.
 */
struct vsx_flow_stats {
	__u64 packets;
	__u64 bytes;
	__u32 tag;
	/*
	 * The RX fast path's negative mark, this CPU's: vsx_offload_cfg.entry_gen + 1 when this
	 * CPU last looked the slot's flow up in the offload table and found neither a flow nor
	 * a VM entry; 0: not known. Restarts with the counters (tag). bpf/lib/fastpath.h.
	 */
	__u32 ofl_none;
};
VSX_ASSERT_SIZE(struct vsx_flow_stats, 24);

/* LRU hash "vsx_frags": the first fragment's decision, for the later fragments. */
struct vsx_frag_key {
	__be32 src[4];
	__be32 dst[4];
	__be32 id;     /* IPv4 identification (16 bits) or IPv6 fragment id */
	__be32 vni;
	__u8 proto;
	__u8 flags;    /* VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6 bits of the flow key */
	__u16 _pad;
};
VSX_ASSERT_SIZE(struct vsx_frag_key, 44);

struct vsx_frag_val {
	__s16 core;
	__u16 _pad;
	__u32 slot; /* flow cache slot of the datagram's flow, for its counters */
};
VSX_ASSERT_SIZE(struct vsx_frag_val, 8);

/*
 * Named datapath counters, per-CPU array "vsx_stats" with one struct vsx_stat_block (one
 * lookup per packet, however many counters it bumps). The names in
 * vsx_stat_names (lib/stat_names.c) double as metric labels.
 */
enum vsx_stat {
	VSX_STAT_RX = 0,          /* packets seen */
	VSX_STAT_PARSE_TRUNCATED, /* a header ran past the end of the packet */
	VSX_STAT_PARSE_MALFORMED, /* a header field is impossible (IHL < 5, ...) */
	VSX_STAT_NON_IP,          /* neither IPv4 nor IPv6 (ARP, LLDP, ...) */
	VSX_STAT_UNMATCHED,       /* no rule matched: stays on the receiving core */
	VSX_STAT_CACHE_HIT,
	VSX_STAT_CACHE_MISS,
	VSX_STAT_FRAG_FOLLOW,     /* later fragment sent after its first fragment */
	VSX_STAT_FRAG_ORPHAN,     /* later fragment whose first fragment was not seen */
	VSX_STAT_NO_CORE,         /* irq:auto found no qualifying core */
	VSX_STAT_REDIRECT,        /* handed to another core through the cpumap */
	VSX_STAT_LOCAL,           /* target was the receiving core itself */
	VSX_STAT_REDIRECT_FAIL,   /* cpumap had no entry for the target: passed locally */
	VSX_STAT_FCF_RESTORED,    /* outer ToS rewritten from the inner header */
	VSX_STAT_FCF_WRITTEN,     /* egress: FCF written into an outer header */
	VSX_STAT_FLOW_MOVED,      /* cached flow took its rule's new core after an idle gap */
	VSX_STAT_OFFLOAD_HIT,     /* delivered by the fast path into a VM port (offload.h) */
	VSX_STAT_OFFLOAD_REFUSED, /* an offload entry matched, a check sent it the normal path */
	VSX_STAT_OFFLOAD_REDIRECT_FAIL, /* the devmap redirect failed: passed, normal path */
	VSX_STAT_OFFLOAD_RATE_DROP,     /* over an offloaded flow's rate limit: dropped */
	VSX_STAT_COUNT
};

/*
 * Where a received packet went, counted by the uplink program's one exit: every packet is
 * counted on exactly one path, so the paths add up to rx (parse failures included: they
 * are passed, the normal path).
 */
enum vsx_path {
	VSX_PATH_NORMAL = 0,  /* to the kernel: passed here or through the cpumap to a core */
	VSX_PATH_OFFLOAD = 1, /* the fast path: redirected into a VM port */
	VSX_PATH_DROP = 2,    /* dropped (only the fast path's rate limit drops) */
	VSX_PATH_COUNT
};

/*
 * Per CPU: the named counters, what this CPU put on each core (the paper's Table 5) and on
 * each path, in one block so that a packet costs one per-CPU lookup for all of them.
 */
struct vsx_stat_block {
	__u64 v[VSX_STAT_COUNT];
	__u64 _pad;
	struct vsx_counter core[VSX_MAX_CPUS];
	struct vsx_counter path[VSX_PATH_COUNT];
	struct vsx_counter _pad2;
};
VSX_ASSERT_SIZE(struct vsx_stat_block,
		8 * VSX_STAT_COUNT + 8 + 16 * VSX_MAX_CPUS + 16 * (VSX_PATH_COUNT + 1));

#endif
