/* SPDX-License-Identifier: MIT */
/*
 * Core choice per packet, for each steering mode:
 *   rss - hash to a core as RPS does: outer addresses and ports, addresses only for IP
 *         fragments (so every fragment between two hosts shares a core: the paper's problem);
 *   vsx - the flow decision cache, then the rules: irq:N, or irq:auto whose core is chosen
 *         from the core table at the rule's first packet and kept in vsx_rule_state; later
 *         fragments follow their datagram's first fragment, and so do later outer fragments
 *         of VXLAN (keyed on the outer header) their first outer fragment.
 * Each returns the target core, or VSX_CORE_NONE to stay on the receiving core.
 *
 * Bytes: rule and core counters count the frame as received (link counters); a flow's
 * counters (vsx_flow_stats) count its inner Ethernet frame, bytes - inner_l2_off (the whole
 * frame when not tunnelled: inner_l2_off is 0), as the fast path counts the same flow
 * (vsx_offload_stats), so a flow's bytes stay continuous when it moves between the paths.
 */
#ifndef VSX_BPF_STEER_H
#define VSX_BPF_STEER_H

#include "core_choice_bpf.h"
#include <vsx/fcf.h>
#include "parse.h"
#include "steer_maps.h"
#include "classify.h"
#include "flow_cache.h"

/* ---- rss ---- */

static __always_inline int vsx_rss_core(const struct vsx_config *cfg, const struct vsx_pkt *pkt)
{
	const struct vsx_flow_key *k = &pkt->key;
	const __u64 mul = 0x9e3779b97f4a7c15ull;
	__u32 ports = 0, n = cfg->rss_n_cpus, idx;
	__u64 h;

	if (n == 0 || n > VSX_MAX_CPUS)
		return VSX_CORE_NONE;
	if (k->flags & VSX_KEY_TUNNEL) {
		/* The outer UDP ports, as the parser recorded them: destination is the VXLAN port. */
		ports = ((__u32)pkt->outer_sport << 16) | cfg->vxlan_port;
		h = (((__u64)k->outer_src[0] << 32) | k->outer_dst[0]) * mul;
		h = (h ^ (((__u64)k->outer_src[3] << 32) | k->outer_dst[3])) * mul;
		h = (h ^ (((__u64)ports << 8) | IPPROTO_UDP)) * mul;
	} else {
		if (!(k->flags & VSX_KEY_FRAG))
			ports = ((__u32)k->tp_src << 16) | k->tp_dst;
		h = (((__u64)k->nw_src[0] << 32) | k->nw_dst[0]) * mul;
		h = (h ^ (((__u64)k->nw_src[3] << 32) | k->nw_dst[3])) * mul;
		h = (h ^ (((__u64)ports << 8) | k->nw_proto)) * mul;
	}
	idx = (__u32)(((h >> 32) * n) >> 32);
	if (idx >= VSX_MAX_CPUS)
		return VSX_CORE_NONE;
	return cfg->rss_cpus[idx];
}

/* ---- vsx ---- */

/* The core of an irq:auto rule: its remembered decision, or a new one from the core table. */
static __always_inline int vsx_auto_core(__u64 *stats, __u32 rule_id, int prio, __u32 rx_cpu)
{
	struct vsx_core_assign *assign;
	struct vsx_core_table *table;
	struct vsx_rule_state *st;
	__u32 zero = 0;
	int core, old;

	st = bpf_map_lookup_elem(&vsx_rule_state, &rule_id);
	if (!st)
		return VSX_CORE_NONE;
	if (st->core >= 0)
		return st->core;
	table = bpf_map_lookup_elem(&vsx_core_table, &zero);
	assign = bpf_map_lookup_elem(&vsx_core_assign, &zero);
	if (!table || !assign)
		return VSX_CORE_NONE;
	core = vsx_choose_core_bpf(table, assign, prio, rx_cpu);
	if (core < 0 || core >= VSX_MAX_CPUS) {
		vsx_count(stats, VSX_STAT_NO_CORE);
		return VSX_CORE_NONE;
	}
	old = __sync_val_compare_and_swap(&st->core, VSX_CORE_NONE, core);
	if (old != VSX_CORE_NONE)
		return old; /* another CPU decided first */
	st->prio = prio;
	if (prio)
		__sync_fetch_and_add(&assign->prio[core & (VSX_MAX_CPUS - 1)], 1);
	else
		__sync_fetch_and_add(&assign->normal[core & (VSX_MAX_CPUS - 1)], 1);
	/* until the next load sample, this decision counts as decision_load on its core */
	__sync_fetch_and_add(&assign->recent[core & (VSX_MAX_CPUS - 1)], 1);
	return core;
}

/* Classifies a flow the cache did not know. Fills rule_id and slot flags. */
static __always_inline int vsx_classify_flow(__u64 *stats, const struct vsx_config *cfg,
					     const struct vsx_flow_key *key, __u32 rx_cpu,
					     __u32 *rule_id, __u8 *flags)
{
	__u32 zero = 0;
	struct vsx_cls_key *ck = bpf_map_lookup_elem(&vsx_cls_scratch, &zero);
	struct vsx_cls_val *v = ck ? vsx_classify_in(&vsx_masks, &vsx_rules, key, cfg->cls_bank, ck)
				   : NULL;
	__u32 vm_id = vsx_fcf_vm_id(key->fcf);
	__u32 *vm_prio = bpf_map_lookup_elem(&vsx_vm_prio, &vm_id);
	int prio = vsx_fcf_prio(key->fcf) || (vm_id && vm_prio && *vm_prio);
	int core = VSX_CORE_NONE;

	*rule_id = 0;
	*flags = VSX_SLOT_VALID | (prio ? VSX_SLOT_PRIO : 0);
	if (!v) {
		vsx_count(stats, VSX_STAT_UNMATCHED);
	} else {
		*rule_id = v->rule_id;
		if (v->action == VSX_ACT_IRQ_CORE)
			core = v->core;
		else if (v->action == VSX_ACT_IRQ_AUTO) {
			core = vsx_auto_core(stats, v->rule_id, prio, rx_cpu);
			*flags |= VSX_SLOT_AUTO;
			if (core < 0)
				*flags |= VSX_SLOT_RETRY;
		}
	}
	if (core < 0)
		*flags |= VSX_SLOT_STAY;
	return core;
}

/*
 * The name of an in-flight IP datagram in vsx_frags. Every key is made here, so that the first
 * fragment's record and its later fragments' lookups cannot disagree on a field.
 *
 * IPv6 (v6): source, destination and the 32-bit id name a datagram (RFC 8200), and the
 * protocol cannot be part of the name: a first fragment reports the upper layer behind its
 * destination options, a later one the destination-options header itself.
 */
static __always_inline void vsx_frag_key_of(struct vsx_frag_key *fk, const __be32 *src,
					    const __be32 *dst, __be32 id, __be32 vni, __u8 proto,
					    int v6, __u8 flags)
{
	__builtin_memcpy(fk->src, src, sizeof(fk->src));
	__builtin_memcpy(fk->dst, dst, sizeof(fk->dst));
	fk->id = id;
	fk->vni = vni;
	fk->proto = v6 ? 0 : proto;
	fk->flags = flags;
	fk->_pad = 0;
}

/* The datagram of the flow key's IP header (the inner one in a tunnel). */
static __always_inline void vsx_frag_key(struct vsx_frag_key *fk, const struct vsx_pkt *pkt)
{
	const struct vsx_flow_key *k = &pkt->key;

	vsx_frag_key_of(fk, k->nw_src, k->nw_dst, pkt->frag_id, k->vni, k->nw_proto,
			k->dl_type == bpf_htons(ETH_P_IPV6),
			k->flags & (VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6));
}

/*
 * The outer datagram of VXLAN in an outer first fragment (VSX_PKT_OUTER_FRAG), named as its
 * later fragments name it: they carry no VXLAN header, so they parse as plain IP later
 * fragments of the outer header (no tunnel flags, VNI 0, protocol UDP in IPv4).
 */
static __always_inline void vsx_outer_frag_key(struct vsx_frag_key *fk, const struct vsx_pkt *pkt)
{
	const struct vsx_flow_key *k = &pkt->key;

	vsx_frag_key_of(fk, k->outer_src, k->outer_dst, pkt->outer_frag_id, 0, IPPROTO_UDP,
			k->flags & VSX_KEY_OUTER_V6, 0);
}

/*
 * Whether later fragments must follow this packet: it is a first fragment (of the packet
 * the key describes), or VXLAN in an outer first fragment, or both.
 */
static __always_inline int vsx_starts_datagram(const struct vsx_pkt *pkt)
{
	return (pkt->key.flags & (VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)) == VSX_KEY_FRAG ||
	       (pkt->facts & VSX_PKT_OUTER_FRAG);
}

/*
 * A first fragment's decision, for the later fragments of the datagrams it starts (see
 * vsx_starts_datagram()). The record is built in the per-CPU scratch map, not on the stack
 * (steer_maps.h says why); a map value may be a helper's key and value.
 */
static __always_inline void vsx_frag_remember(const struct vsx_pkt *pkt, int core, __u32 slot)
{
	struct vsx_frag_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&vsx_frag_scratch, &zero);
	if (!sc)
		return;
	sc->val.core = (__s16)core;
	sc->val._pad = 0;
	sc->val.slot = slot;
	if ((pkt->key.flags & (VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)) == VSX_KEY_FRAG) {
		vsx_frag_key(&sc->key, pkt);
		bpf_map_update_elem(&vsx_frags, &sc->key, &sc->val, BPF_ANY);
	}
	if (pkt->facts & VSX_PKT_OUTER_FRAG) {
		vsx_outer_frag_key(&sc->key, pkt);
		bpf_map_update_elem(&vsx_frags, &sc->key, &sc->val, BPF_ANY);
	}
}

/*
 * A flow the cache does not know (or a retried one, retry != NULL): classify it and cache the
 * decision in the slot at *index (retry) or in a way of the set *index & ~1; leaves in *index
 * the slot the flow got (0: none), for the caller's fragment record. Out of line, a BPF-to-BPF
 * call: inlined, its values (configuration, generation, set, receiving CPU) stayed live
 * across the hit path's helper calls and were spilled and reloaded on every cached packet.
 * The configuration is fetched again here (an inlined array read), and the generation with
 * it, before the classifier bank: a slot is never stamped with a newer generation than the
 * rules that decided it. It does not record fragments itself: the caller does, for hits and
 * misses alike, in one place.
 */
static __noinline int vsx_steer_miss(__u64 *stats, struct vsx_pkt *pkt, struct vsx_flow_slot *retry,
				     __u32 *index, __u32 bytes)
{
	const struct vsx_flow_key *key = &pkt->key;
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_flow_slot *s;
	__u32 gen, rule_id;
	__u8 flags;
	int core;

	if (!cfg || !stats) {
		*index = 0;
		return VSX_CORE_NONE;
	}
	gen = cfg->rules_gen;
	vsx_count(stats, VSX_STAT_CACHE_MISS);
	core = vsx_classify_flow(stats, cfg, key, bpf_get_smp_processor_id(), &rule_id, &flags);
	if (rule_id)
		vsx_counter_add(&vsx_rule_stats, rule_id, bytes);
	s = retry ? retry : vsx_cache_victim(&vsx_flow_cache, *index & ~1u, gen, index);
	if (s) {
		__u64 now = bpf_jiffies64();

		s->flags = 0; /* readers on other CPUs skip the slot while it is rewritten */
		vsx_key_copy(&s->key, key);
		s->rule_id = rule_id;
		s->core = (__s16)core;
		s->gen = gen;
		if (!retry)
			s->tag += 1; /* a new flow: its counters start again (a retried one keeps them) */
		s->first_jiffies = now;
		s->last_jiffies = now;
		s->flags = flags;
		vsx_flow_count(&vsx_flow_stats, index, s->tag, bytes - pkt->inner_l2_off);
	} else {
		*index = 0;
	}
	return core;
}

/*
 * A later fragment: the core of its datagram's first fragment, or VSX_STEER_CLASSIFY when
 * that was not seen. Out of line like the miss path, and for the same reason.
 */
#define VSX_STEER_CLASSIFY (-2)

static __noinline int vsx_steer_later_frag(__u64 *stats, struct vsx_pkt *pkt, __u32 bytes)
{
	struct vsx_flow_slot *s;
	struct vsx_frag_val *fv;
	struct vsx_frag_key fk;
	int core;

	vsx_frag_key(&fk, pkt);
	fv = bpf_map_lookup_elem(&vsx_frags, &fk);
	if (!fv) {
		/* First fragment not seen: classify what we have (rules on ports cannot match). */
		vsx_count(stats, VSX_STAT_FRAG_ORPHAN);
		return VSX_STEER_CLASSIFY;
	}
	vsx_count(stats, VSX_STAT_FRAG_FOLLOW);
	core = fv->core;
	s = bpf_map_lookup_elem(&vsx_flow_cache, &fv->slot);
	if (s) {
		__u64 now = bpf_jiffies64();

		/* the flow's latest packet: a flowlet move measures its idle gap from here */
		if (s->last_jiffies != now)
			s->last_jiffies = now;
		vsx_flow_count(&vsx_flow_stats, &fv->slot, s->tag, bytes - pkt->inner_l2_off);
	}
	/* an inner later fragment in an outer first fragment: the outer datagram follows too */
	if (pkt->facts & VSX_PKT_OUTER_FRAG)
		vsx_frag_remember(pkt, core, fv->slot);
	return core;
}

/*
 * Flowlet move: the agent's rebalancer gave the slot's irq:auto rule another core
 * (vsx_rule_state.core). A cached flow takes it only after an idle gap of at least
 * cfg->flowlet_jiffies since its latest packet, longer than any queueing on the old core, so
 * that none of its packets overtakes one still queued there. Called by the hit path for a
 * VSX_SLOT_AUTO slot at the first packet of a new tick only (the rest of the tick's packets
 * pay nothing), before last_jiffies is refreshed; the configuration is fetched here rather
 * than kept live across the hit path's helper calls. Moves the flow by rewriting s->core,
 * which the hit path then returns and records for fragments. Two CPUs hitting one slot in
 * the same tick may both move it (the same core) and count the move twice.
 */
static __noinline void vsx_flowlet_check(__u64 *stats, struct vsx_flow_slot *s, __u64 now)
{
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_rule_state *st;
	__u32 rule_id;
	__s32 core;

	if (!cfg || !cfg->flowlet_jiffies || now - s->last_jiffies < cfg->flowlet_jiffies)
		return;
	if (s->flags & (VSX_SLOT_STAY | VSX_SLOT_RETRY))
		return;
	rule_id = s->rule_id;
	st = bpf_map_lookup_elem(&vsx_rule_state, &rule_id);
	if (!st)
		return;
	core = st->core;
	if (core < 0 || core >= VSX_MAX_CPUS || core == s->core)
		return;
	s->core = (__s16)core;
	vsx_count(stats, VSX_STAT_FLOW_MOVED);
}

/* The hit path: what every packet of a cached flow costs (bench/steer's "hit"). */
static __always_inline int vsx_steer(__u64 *stats, const struct vsx_config *cfg, struct vsx_pkt *pkt,
				     __u32 bytes)
{
	const struct vsx_flow_key *key = &pkt->key;
	__u32 index = vsx_flow_hash(key) & cfg->flow_slots_mask & ~1u;
	struct vsx_flow_slot *s;
	int core;

	if (key->flags & VSX_KEY_LATER_FRAG) {
		core = vsx_steer_later_frag(stats, pkt, bytes);
		if (core != VSX_STEER_CLASSIFY)
			return core;
	}

	s = vsx_cache_lookup(&vsx_flow_cache, key, &index, cfg->rules_gen);
	if (__builtin_expect(s != NULL, 1)) {
		/*
		 * One clock read serves the retry check and the slot's last_jiffies; the retry flag
		 * is tested before it, while the flags the lookup read are still in a register.
		 */
		__u64 now;

		if (__builtin_expect(s->flags & (VSX_SLOT_RETRY | VSX_SLOT_MODE), 0)) {
			now = bpf_jiffies64();
			if ((s->flags & VSX_SLOT_MODE) || now - s->first_jiffies >= VSX_RETRY_JIFFIES) {
				/*
				 * Its rule found no core a while ago, or mode default/rss recorded it
				 * (no rule decided it): ask again, in this slot.
				 */
				core = vsx_steer_miss(stats, pkt, s, &index, bytes);
				goto decided;
			}
		} else {
			now = bpf_jiffies64();
		}
		vsx_count(stats, VSX_STAT_CACHE_HIT);
		if (s->last_jiffies != now) { /* once a tick: keeps the line clean within one */
			if (s->flags & VSX_SLOT_AUTO)
				vsx_flowlet_check(stats, s, now);
			s->last_jiffies = now;
		}
		vsx_flow_count(&vsx_flow_stats, &index, s->tag, bytes - pkt->inner_l2_off);
		if (s->rule_id)
			vsx_counter_add(&vsx_rule_stats, s->rule_id, bytes);
		/*
		 * Zero-extended, not sign-extended (two instructions fewer): VSX_CORE_NONE
		 * becomes 0xffff, which vsx_to_core() treats like any core out of range (and
		 * vsx_frag_remember() stores as the 16-bit -1 it was).
		 */
		core = (__u16)s->core;
	} else {
		index &= ~1u;
		core = vsx_steer_miss(stats, pkt, NULL, &index, bytes);
	}
decided:
	/* Every datagram's first fragment, not only the flow's first one; hit or miss. */
	if (vsx_starts_datagram(pkt))
		vsx_frag_remember(pkt, core, index);
	return core;
}

/*
 * Modes default and rss with the offload on: the flow is recorded in the cache as mode vsx
 * would (lookup or insert, tag, last_jiffies, its counters of the inner Ethernet frame), so
 * that the agent's flow manager sees every flow whatever the mode, but the core stays the
 * mode's: the slot says `core` (VSX_CORE_NONE with VSX_SLOT_STAY: the receiving core) and
 * VSX_SLOT_MODE, no rule (rule_id 0, no rule counters, no CACHE_HIT/MISS: steering's own
 * counters stay mode vsx's). A slot mode vsx decided is rewritten so, and mode vsx classifies
 * a VSX_SLOT_MODE slot again at its next packet: neither mode uses the other's decision.
 * Every packet under its own key, later fragments included (they carry no ports: in mode vsx
 * they count on their first fragment's flow). Out of line, so modes without the offload
 * pay nothing but the call's test, and the uplink's frame does not grow.
 */
static __noinline void vsx_flow_record(struct vsx_pkt *pkt, int core, __u32 bytes)
{
	const struct vsx_flow_key *key = &pkt->key;
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_flow_slot *s;
	__u32 index, gen;
	__u64 now;
	__u8 flags;

	if (!cfg)
		return;
	if (core < 0 || core >= VSX_MAX_CPUS)
		core = VSX_CORE_NONE;
	flags = VSX_SLOT_VALID | VSX_SLOT_MODE | (core < 0 ? VSX_SLOT_STAY : 0);
	gen = cfg->rules_gen;
	index = vsx_flow_hash(key) & cfg->flow_slots_mask & ~1u;
	now = bpf_jiffies64();
	s = vsx_cache_lookup(&vsx_flow_cache, key, &index, gen);
	if (s) {
		if (s->flags != flags || s->core != core) {
			s->flags = 0; /* readers on other CPUs skip the slot while it is rewritten */
			s->rule_id = 0;
			s->core = (__s16)core;
			s->flags = flags;
		}
		if (s->last_jiffies != now)
			s->last_jiffies = now;
	} else {
		index &= ~1u;
		s = vsx_cache_victim(&vsx_flow_cache, index, gen, &index);
		if (!s)
			return;
		s->flags = 0;
		vsx_key_copy(&s->key, key);
		s->rule_id = 0;
		s->core = (__s16)core;
		s->gen = gen;
		s->tag += 1;
		s->first_jiffies = now;
		s->last_jiffies = now;
		s->flags = flags;
	}
	vsx_flow_count(&vsx_flow_stats, &index, s->tag, bytes - pkt->inner_l2_off);
}

#endif
