/* SPDX-License-Identifier: MIT */
/*
 * The VS-extend core choice: which core runs the receive processing (softirq) of a flow
 * whose action is irq:auto. Header-only and free of libc, function pointers and recursion,
 * so the XDP datapath, the agent, the tests and the simulator all run this very code.
 *
 * The rule (paper 000, sections 3.2 and 4, Table 2):
 *
 *   A core QUALIFIES when it is below t->n_cpus (and VSX_MAX_CPUS), is online
 *   (VSX_CORE_ONLINE), has no VM pinned (VSX_CORE_PINNED clear) and its load is at or
 *   below t->threshold. If none qualifies the result is VSX_CORE_NONE: the caller keeps the
 *   packet on the receiving core, as the paper does when every core is above the threshold.
 *
 *   Among qualifying cores the lowest key wins, compared field by field:
 *
 *     priority flow (prio != 0):  a->prio[c],            eload, a->normal[c]
 *     normal flow   (prio == 0):  a->prio[c] != 0 (0/1), eload, a->normal[c]
 *
 *   where eload = min(255, load + a->recent[c] * t->decision_load), the sampled load plus
 *   what the decisions taken since that sample are expected to add.
 *
 *   - Priority flows are spread: two priority flows share a core only when no qualifying
 *     core has fewer priority assignments.
 *   - Normal flows keep off cores holding priority work while a qualifying core holds none.
 *   - Decisions taken within one load-sampling interval all see the same sampled loads.
 *     eload makes each one count: with decision_load 10, a core at 20 % that has taken two
 *     new flows since the sample ranks as 40 %, so a burst of new flows spreads over the
 *     qualifying cores instead of all landing on the one that was least loaded when
 *     sampled. Qualifying still uses the sampled load alone (the threshold is the paper's
 *     rule on measured load; an estimate must not make a core refuse work). With
 *     decision_load 0 the order is the sampled load, a strict one.
 *   - The assignment counts break the remaining ties, so equally loaded cores share.
 *
 *   Ties on the whole key: the receiving core rx_cpu if it is among the tied cores (no
 *   cross-core hop, warm caches), otherwise the lowest-numbered core. rx_cpu plays no
 *   other part; it may be any value (out of range means "no preference").
 *
 *   Priority counts saturate at VSX_CHOICE_PRIO_MAX (cores above it compare as equal).
 *   Loads are percent (0..100), but any __u8 load and threshold compare correctly; a
 *   threshold >= 100 lets every online unpinned core qualify.
 *
 * Paper's example (Table 2): cores 0 (load 10, VM 1 pinned), 1 (load 50, VM 2 pinned),
 * 2 (load 20), 3 (load 50), threshold 50 -> core 2.
 *
 * Why the code looks the way it does: the verifier walks a bounded loop once per
 * iteration and per distinct state it reaches there. Branches in the per-core step (does
 * it qualify? is it better?) split those states and make the best core so far a value
 * the verifier tells apart: written with branches, vsx_choose_core() took from 150k to
 * over 1M (rejected) verified instructions with VSX_MAX_CPUS = 256. So the step is
 * branch-free: each core gets one 64-bit key (with a "does not qualify" bit) and a
 * multiply-select keeps the smallest. vsx_choose_core() from an XDP program now verifies
 * in ~14k instructions (kernel 6.18), whatever the prio and rx_cpu; at run time it costs
 * ~50 instructions per core up to n_cpus, once per irq:auto decision, not per packet.
 * The same step also runs from bpf_loop() (vsx_choice_init/consider/finish below).
 *
 * In BPF, pass pointers from map lookups already checked for NULL. The assignment counts
 * may change concurrently (the datapath adds to them atomically); a racing read only
 * makes the choice use a slightly older count.
 */
#ifndef VSX_CORE_CHOICE_H
#define VSX_CORE_CHOICE_H

#include "compat.h"
#include "limits.h"
#include "core_table.h"

/* Priority counts saturate here: 22 bits of the key. */
#define VSX_CHOICE_PRIO_MAX 0x3fffffu

/* vsx_core_choice_key() layout, a smaller key is a better core */
#define VSX_CHOICE_UNFIT_SHIFT 62 /* 1 bit: does not qualify */
#define VSX_CHOICE_PRIO_SHIFT 40  /* 22 bits: priority count, or "has priority work" */
#define VSX_CHOICE_LOAD_SHIFT 32  /* 8 bits: eload (load + recent decisions' estimate) */
				  /* 32 bits: normal count */

/*
 * Keeps the compiler from turning arithmetic selects back into branches (BPF has no
 * conditional move, so clang would). User space needs no such care.
 */
#ifdef __bpf__
#define VSX_OPAQUE(x) asm volatile("" : "+r"(x))
#else
#define VSX_OPAQUE(x) ((void)0)
#endif

/* 1 if x < y, else 0. Both must be below 2^63 (then x - y borrows iff x < y). */
VSX_INLINE __u64 vsx_lt(__u64 x, __u64 y)
{
	__u64 diff = x - y, bit;

	VSX_OPAQUE(diff);
	bit = diff >> 63;
	VSX_OPAQUE(bit);
	return bit;
}

/* 1 if x != 0, else 0, for x below 2^63 (then 0 - x has the top bit set iff x != 0). */
VSX_INLINE __u64 vsx_nonzero(__u64 x)
{
	__u64 neg = 0 - x, bit;

	VSX_OPAQUE(neg);
	bit = neg >> 63;
	VSX_OPAQUE(bit);
	return bit;
}

/*
 * `if_one` when bit is 1, `if_zero` when it is 0. A multiplication, not a mask: the
 * verifier splits its state on "x & mask" when mask is known to be 0 or -1.
 */
VSX_INLINE __u64 vsx_select(__u64 bit, __u64 if_one, __u64 if_zero)
{
	return if_zero + (if_one - if_zero) * bit;
}

/*
 * The comparison key of core `cpu` (< VSX_MAX_CPUS) for a flow whose priority field is
 * min(a->prio[cpu], prio_cap): prio_cap is VSX_CHOICE_PRIO_MAX for a priority flow and 1
 * for a normal one (then the field says "has priority work").
 */
VSX_INLINE __u64 vsx_core_choice_key(const struct vsx_core_table *t,
				     const struct vsx_core_assign *a, __u64 prio_cap, __u32 cpu)
{
	__u64 prio_count = a->prio[cpu];
	__u64 prio_field = vsx_select(vsx_lt(prio_count, prio_cap), prio_count, prio_cap);
	__u64 state = t->cores[cpu].flags & (VSX_CORE_ONLINE | VSX_CORE_PINNED);
	__u64 load = t->cores[cpu].load;
	/* below 2^40: a 32-bit count times an 8-bit load */
	__u64 eload = load + (__u64)a->recent[cpu] * t->decision_load;
	__u64 unfit = vsx_nonzero(state ^ VSX_CORE_ONLINE) | vsx_lt(t->threshold, load) |
		      (1 - vsx_lt(cpu, t->n_cpus));

	eload = vsx_select(vsx_lt(eload, 255), eload, 255);
	return unfit << VSX_CHOICE_UNFIT_SHIFT | prio_field << VSX_CHOICE_PRIO_SHIFT |
	       eload << VSX_CHOICE_LOAD_SHIFT | a->normal[cpu];
}

/* Whether core `cpu` qualifies (see "QUALIFIES" above): a readable twin of the key's bit. */
VSX_INLINE int vsx_core_qualifies(const struct vsx_core_table *t, __u32 cpu)
{
	const struct vsx_core *core;

	if (cpu >= t->n_cpus || cpu >= VSX_MAX_CPUS)
		return 0;
	core = &t->cores[cpu];
	return (core->flags & (VSX_CORE_ONLINE | VSX_CORE_PINNED)) == VSX_CORE_ONLINE &&
	       core->load <= t->threshold;
}

/*
 * The choice in three steps, for a BPF program that runs the per-core step from
 * bpf_loop() (bpf/lib/steer.h); vsx_choose_core() below runs it in a plain loop. Both run
 * exactly these functions.
 */
struct vsx_choice_state {
	__u64 best_key; /* smallest key so far; bit VSX_CHOICE_UNFIT_SHIFT set: none qualified */
	__u32 best;	/* its core */
};

/* vsx_core_choice_key()'s prio_cap: 1 or VSX_CHOICE_PRIO_MAX, without a branch. */
VSX_INLINE __u64 vsx_choice_prio_cap(int prio)
{
	return 1 + vsx_nonzero((__u32)prio) * (VSX_CHOICE_PRIO_MAX - 1);
}

VSX_INLINE void vsx_choice_init(struct vsx_choice_state *s)
{
	s->best_key = ~0ULL >> 1; /* above every key */
	s->best = 0;
}

/*
 * Considers core `cpu` for a flow of class `prio` (0 normal, nonzero priority). Cores
 * must come in ascending order: among equal keys the first stays.
 */
VSX_INLINE void vsx_choice_consider(struct vsx_choice_state *s, const struct vsx_core_table *t,
				    const struct vsx_core_assign *a, int prio, __u32 cpu)
{
	__u64 key, better;

	if (cpu >= VSX_MAX_CPUS)
		return;
	key = vsx_core_choice_key(t, a, vsx_choice_prio_cap(prio), cpu);
	better = vsx_lt(key, s->best_key);
	s->best_key = vsx_select(better, key, s->best_key);
	s->best = (__u32)vsx_select(better, cpu, s->best);
}

/* The result once every core was considered: equal to the best, the receiving core wins. */
VSX_INLINE int vsx_choice_finish(const struct vsx_choice_state *s, const struct vsx_core_table *t,
				 const struct vsx_core_assign *a, int prio, __u32 rx_cpu)
{
	if (s->best_key >> VSX_CHOICE_UNFIT_SHIFT)
		return VSX_CORE_NONE;
	/* An equal key means rx_cpu qualifies too: the unfit bit is part of the key. */
	if (rx_cpu < VSX_MAX_CPUS &&
	    vsx_core_choice_key(t, a, vsx_choice_prio_cap(prio), rx_cpu) == s->best_key)
		return (int)rx_cpu;
	return (int)s->best;
}

/* Number of cores to consider: the table's, bounded. */
VSX_INLINE __u32 vsx_choice_n_cpus(const struct vsx_core_table *t)
{
	return t->n_cpus > VSX_MAX_CPUS ? VSX_MAX_CPUS : t->n_cpus;
}

/*
 * Chooses the core for a new flow of class `prio` (0 normal, nonzero priority) received
 * on rx_cpu. Returns the core, or VSX_CORE_NONE when no core qualifies. Does not record
 * the decision: the caller adds 1 to a->prio[core] or a->normal[core], and to
 * a->recent[core], itself.
 */
VSX_INLINE int vsx_choose_core(const struct vsx_core_table *t, const struct vsx_core_assign *a,
			       int prio, __u32 rx_cpu)
{
	struct vsx_choice_state s;
	__u32 cpu;

	vsx_choice_init(&s);
	/* Constant bound for the verifier; n_cpus is only known at run time. */
	for (cpu = 0; cpu < VSX_MAX_CPUS; cpu++) {
		if (cpu >= t->n_cpus)
			break;
		vsx_choice_consider(&s, t, a, prio, cpu);
	}
	return vsx_choice_finish(&s, t, a, prio, rx_cpu);
}

#endif
