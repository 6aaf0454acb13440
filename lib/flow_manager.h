/* SPDX-License-Identifier: MIT */
/*
 * FlexivOffload's flow manager: every flow to a VM of this host on both paths (the normal
 * path through the kernel's VXLAN device and bridge, and the XDP fast path), its counters,
 * rates, path, core and age, and the decisions of the policy (offload_policy.h) applied to
 * the offload provider. Pure logic: driven by the two provider interfaces of dp_provider.h
 * and a clock the caller passes, so unit tests run it on synthetic statistics.
 *
 * Each tick (vsx_fm_tick()):
 *   1. read: the steering datapath's flow cache (dp flow_dump) and the counters of every
 *      offloaded flow (offload counters);
 *   2. fold: per flow, packets and bytes of both paths into continuous totals, and the rates
 *      over a sliding window;
 *   3. decide: expire idle flows, demote (TCP FIN/RST, redirect failures, refusals, policy,
 *      port changes, rate below the demote thresholds), promote (header policy always, or
 *      rate above the promote thresholds), displace (table full: a faster candidate takes
 *      the slowest offloaded flow's place);
 *   4. apply: offload put/del.
 *
 * Counting (docs/offload-policy.md, "Counters"): a flow is VNI + inner 5-tuple (the offload
 * key), so several cache slots may feed one flow. Bytes are the inner Ethernet frame on both
 * paths. The flow cache counts every packet steering saw, fast-path ones included (steering
 * runs first, the fast path delivers on the core it chose); the offload counters count what
 * the fast path delivered. So per tick: total = max(cache delta, fast delta) (the cache may
 * have lost the flow's slot), fast = fast delta, normal = total - fast. A slot whose tag
 * changed holds a new flow (or the same flow re-classified): its counters restarted at zero,
 * and the new values are folded on top of what the flow had. At most one tick of a slot's
 * packets is lost when its flow is evicted between two reads.
 *
 * The two readings are not simultaneous (the cache is read first), so per tick the fast delta
 * may hold a few packets the cache counts only at the next tick. Summing per-tick maxima would
 * add that jitter up; instead, while the flow stays in the cache its totals follow the cache
 * alone, the fast delta counts only in ticks the cache did not see the flow, and the normal
 * path's share is max(its previous value, cache total - fast total): monotonic, and off by at
 * most one tick's in-flight packets at any time, never accumulating.
 *
 * Time: every ns value is the caller's clock (CLOCK_MONOTONIC in vsxd).
 */
#ifndef VSX_FLOW_MANAGER_H
#define VSX_FLOW_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_provider.h"
#include "offload_policy.h"

/* Flows tracked at most (new ones beyond are counted in vsx_fm_stats.untracked). */
#define VSX_FM_DEFAULT_MAX_FLOWS 16384
/* The rate window, and the samples it keeps (a tick faster than WINDOW/(SAMPLES-1) makes
 * the window shorter). */
#define VSX_FM_WINDOW_MS 1000
#define VSX_FM_SAMPLES 16
/* A candidate displaces the slowest offloaded flow only when its rank is this many percent
 * higher: equal flows do not take turns. */
#define VSX_FM_DISPLACE_MARGIN 20

enum vsx_fm_path {
	VSX_FM_NORMAL = 0,
	VSX_FM_OFFLOADED = 1,
};

/* Why a flow is on the normal path (VSX_FM_R_NONE: it is offloaded). */
enum vsx_fm_reason {
	VSX_FM_R_NONE = 0,
	VSX_FM_R_OFF,		  /* offload off */
	VSX_FM_R_POLICY_NEVER,	  /* a header policy says never */
	VSX_FM_R_BELOW_THRESHOLD, /* not above the promote thresholds long enough */
	VSX_FM_R_TABLE_FULL,	  /* capacity reached by faster flows */
	VSX_FM_R_NO_PORT,	  /* no VM of this host has the flow's VNI and destination MAC */
	VSX_FM_R_PORT_REDIRECT,	  /* the VM's port cannot take redirected frames */
	VSX_FM_R_FRAGMENT,	  /* the flow has IP fragments (never fast-pathed) */
	VSX_FM_R_MTU,		  /* its frames exceed the VM port's MTU */
	VSX_FM_R_REDIRECT_FAIL,	  /* redirects into the port failed */
	VSX_FM_R_CLOSING,	  /* TCP FIN or RST seen: the host stack sees the teardown */
	VSX_FM_R_REFUSED,	  /* the fast path refused most of its packets (other checks) */
	VSX_FM_R_PROVIDER,	  /* the provider failed to install it */
	VSX_FM_R_COUNT
};

/* Why a flow moved to the fast path. */
enum vsx_fm_promote {
	VSX_FM_P_THRESHOLD = 0, /* above the promote thresholds for their time */
	VSX_FM_P_ALWAYS,	/* header policy always */
	VSX_FM_P_DISPLACE,	/* took a slower flow's place in a full table */
	VSX_FM_P_COUNT
};

/* Why a flow moved back to the normal path (or left the fast path by expiring). */
enum vsx_fm_demote {
	VSX_FM_D_BELOW = 0,	 /* below the demote thresholds for their time */
	VSX_FM_D_CLOSING,	 /* TCP FIN/RST */
	VSX_FM_D_IDLE,		 /* expired */
	VSX_FM_D_REDIRECT_FAIL,	 /* redirect failures */
	VSX_FM_D_REFUSED,	 /* fragments, MTU, other refusals */
	VSX_FM_D_DISPLACED,	 /* a faster flow took its place */
	VSX_FM_D_POLICY,	 /* offload off, header policy never, capacity lowered */
	VSX_FM_D_PORT,		 /* its VM's MAC, VNI or port changed, or the port went away */
	VSX_FM_D_COUNT
};

const char *vsx_fm_reason_name(int reason);   /* "policy-never", "table-full", ... */
const char *vsx_fm_promote_name(int why);     /* "threshold", "always", "displace" */
const char *vsx_fm_demote_name(int why);      /* "below-threshold", "tcp-close", ... */

/* A VM the fast path may deliver to. */
struct vsx_fm_vm {
	char name[VSX_OFL_NAME_SIZE];
	char tenant[VSX_OFL_NAME_SIZE]; /* "" when none */
	struct vsx_offload_port port;	/* port index 1..caps.max_ports-1, ifindex, vni, mac, mtu */
};

struct vsx_fm_sample {
	uint64_t t_ns, packets, bytes;
};

/* One flow, as vsx_fm_foreach() shows it (read only). */
struct vsx_fm_flow {
	struct vsx_offload_key key;   /* identity: VNI + inner 5-tuple */
	struct vsx_flow_key fkey;     /* the latest cache slot's full key (header policies) */
	int vm;			      /* index of its VM in vsx_fm_vm(), -1: none */
	uint8_t path;		      /* enum vsx_fm_path */
	uint8_t reason;		      /* enum vsx_fm_reason, when not offloaded */
	uint8_t action;		      /* the header policy's decision (enum vsx_ofl_action) */
	bool closing;		      /* FIN/RST seen: stays on the normal path until it expires */
	bool fragments;		      /* a fragment of it was seen */
	bool in_cache;		      /* in the flow cache at the last read */
	__s16 core;		      /* steering's core (VSX_CORE_NONE: none) */
	__u32 header_id;	      /* the header policy that matched, 0: none */
	__u32 flow_id;		      /* the provider's flow id while offloaded */
	uint64_t first_ns, active_ns; /* first seen; last tick its counters grew */
	uint64_t moved_ns;	      /* last move between paths, 0: never moved */
	uint32_t moves;
	/* counters, continuous across moves: totals and per path (vsx_fm_path) */
	uint64_t packets, bytes;
	uint64_t path_packets[2], path_bytes[2];
	uint64_t refused, redirect_fail, rate_dropped; /* fast path, over the flow's life */
	/* the reverse direction (the VM answering) on the TX fast path while offloaded (caps.tx) */
	__u32 tx_flow_id, tx_remote; /* 0: none */
	uint64_t tx_packets, tx_bytes;  /* what the TX fast path sent of it, over the flow's life */
	double pps, bps;			       /* over the window */
	uint64_t above_ns, below_ns;		       /* since when above / below, 0: not */

	/* internal */
	struct vsx_fm_sample ring[VSX_FM_SAMPLES];
	uint8_t ring_n, ring_head;
	uint32_t policy_gen; /* of the cached header decision */
	struct vsx_offload_counters last_ofl;
	uint64_t tick_slot_packets, tick_slot_bytes;
	uint64_t slot_packets, slot_bytes; /* what the cache counted, over the flow's life */
	bool was_in_cache;
	uint32_t next;	/* hash chain */
	uint32_t index; /* its place in the table */
	bool used;
	bool demote_pending;
	uint8_t pending_why;
	uint8_t pending_reason;
};

struct vsx_fm_stats {
	size_t flows, offloaded;
	size_t capacity; /* min(policy capacity, provider table) */
	uint64_t promotions[VSX_FM_P_COUNT];
	uint64_t demotions[VSX_FM_D_COUNT];
	uint64_t normal_by_reason[VSX_FM_R_COUNT]; /* flows on the normal path now, by reason */
	uint64_t put_fail, del_fail, counter_fail, dump_fail;
	uint64_t untracked; /* new flows not tracked: the flow table was full */
	size_t tx_offloaded;		     /* flows whose reverse direction is on the TX fast path */
	uint64_t tx_put_fail, tx_remote_fail; /* TX entries / remote VTEPs the provider refused */
	uint64_t expired;
	uint64_t ticks;
};

struct vsx_fm;

/*
 * A flow manager over dp (flow_dump) and ofl (put, del, counters, port_set; ofl->ops NULL:
 * nothing is ever offloaded, flows still tracked). policy stays the caller's: call
 * vsx_fm_policy_changed() after changing it. max_flows 0: the default. NULL on ENOMEM.
 */
struct vsx_fm *vsx_fm_new(const struct vsx_dp *dp, const struct vsx_offload *ofl,
			  const struct vsx_ofl_policy *policy, size_t max_flows);
/* Deletes every offloaded flow's entry (unless keep) and frees fm. */
void vsx_fm_free(struct vsx_fm *fm, bool keep);

/*
 * The flow cache counts the whole received frame (outer headers included) where the datapath
 * does not yet count the inner frame: with outer set, each slot packet's byte count is reduced
 * by the VXLAN encapsulation the fast path strips (outer Ethernet + IPv4 + UDP + VXLAN = 50
 * bytes, 70 with an outer IPv6 header), so both paths count inner Ethernet frames. Default off.
 */
void vsx_fm_slot_bytes_outer(struct vsx_fm *fm, bool outer);

/* Header decisions, capacity and rate limits are re-evaluated at the next tick. */
void vsx_fm_policy_changed(struct vsx_fm *fm);

/*
 * Sets VM i (0..VSX_MAX_VM_PORTS-1) through the provider's port_set. A port that cannot take
 * redirects (-EOPNOTSUPP) is kept, unusable: its flows get VSX_FM_R_PORT_REDIRECT. A change
 * of the port's ifindex, VNI or MAC invalidates every flow to it (offloaded ones are deleted
 * and demoted, VSX_FM_D_PORT). Returns port_set's result (0, -EOPNOTSUPP, ...).
 */
int vsx_fm_set_vm(struct vsx_fm *fm, unsigned int i, const struct vsx_fm_vm *vm);
/* Forgets VM i (port_del; its offloaded flows are demoted). */
int vsx_fm_del_vm(struct vsx_fm *fm, unsigned int i);
/* VM i, or NULL; *usable and *err (may be NULL): whether port_set succeeded, and its error. */
const struct vsx_fm_vm *vsx_fm_vm(const struct vsx_fm *fm, unsigned int i, bool *usable,
				  int *err);

/* One tick at now_ns. Returns 0, or the first provider error (the tick still ran). */
int vsx_fm_tick(struct vsx_fm *fm, uint64_t now_ns);

/* Every flow, offloaded first; cb's non-zero return stops the walk and is returned. */
int vsx_fm_foreach(const struct vsx_fm *fm, int (*cb)(void *arg, const struct vsx_fm_flow *f),
		   void *arg);
/* The flow of key, or NULL. */
const struct vsx_fm_flow *vsx_fm_find(const struct vsx_fm *fm, const struct vsx_offload_key *key);
void vsx_fm_stats(const struct vsx_fm *fm, struct vsx_fm_stats *out);

/*
 * Optional: told every move (promote: why is enum vsx_fm_promote; demote: enum
 * vsx_fm_demote) after it was applied, for logging.
 */
typedef void (*vsx_fm_move_cb)(void *arg, const struct vsx_fm_flow *f, bool promoted, int why);
void vsx_fm_on_move(struct vsx_fm *fm, vsx_fm_move_cb cb, void *arg);

/*
 * TX: with a provider that has caps.tx and this callback set, an RX flow's promotion also puts
 * its reverse direction (from the VM's port to the flow's source MAC, 5-tuple swapped) on the
 * TX fast path towards the remote VTEP the callback describes (for vsxd: the VM's VXLAN device
 * sending to the flow's outer source); its demotion removes it. The callback returns 0 or a
 * negative errno (no TX for that flow: the RX side is offloaded all the same). Remote VTEPs are
 * shared by the flows to them (remote_set once, remote_del after the last).
 */
typedef int (*vsx_fm_remote_cb)(void *arg, const struct vsx_fm_flow *f, const struct vsx_fm_vm *vm,
				struct vsx_tx_remote *out);
void vsx_fm_set_tx(struct vsx_fm *fm, vsx_fm_remote_cb cb, void *arg);

/* The offload key of a tunnelled IPv4/IPv6 flow key; -EINVAL for other flows. */
int vsx_fm_key(const struct vsx_flow_key *k, struct vsx_offload_key *out);
/* "vni=101,tcp,10.0.0.1:80->10.0.0.2:5201" (for logs and dumps). Returns the length. */
int vsx_fm_key_format(const struct vsx_offload_key *k, char *buf, size_t len);

#endif
