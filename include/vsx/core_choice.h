/* SPDX-License-Identifier: MIT */
/*
 * The VS-extend core choice: which core runs the receive processing (softirq) of a flow
 * whose action is irq:auto. Header-only and free of libc, function pointers and recursion,
 * so the XDP datapath, the agent, the tests and the simulator all run this very code.
 *
 * The rule (paper 000, sections 3.2 and 4, Table 2):
 *
 *   A core QUALIFIES when it is below t->n_cpus (clamped to VSX_MAX_CPUS), is online
 *   (VSX_CORE_ONLINE), has no VM pinned (VSX_CORE_PINNED clear) and its load is at or
 *   below t->threshold. If none qualifies the result is VSX_CORE_NONE: the caller keeps the
 *   packet on the receiving core, as the paper does when every core is above the threshold.
 *
 *   Among qualifying cores the lowest key wins, compared field by field:
 *
 *     priority flow (prio != 0):  a->prio[c],            load, a->normal[c]
 *     normal flow   (prio == 0):  a->prio[c] != 0 (0/1), load, a->normal[c]
 *
 *   - Priority flows are spread: two priority flows share a core only when no qualifying
 *     core has fewer priority assignments.
 *   - Normal flows keep off cores holding priority work while a qualifying core holds none.
 *   - The assignment counts break load ties, so the many decisions taken within one
 *     load-sampling interval (same loads) spread over equally loaded cores instead of all
 *     landing on the first one. Note that this is a strict order: a core 1 % less loaded
 *     wins however many flows it already received in this interval.
 *
 *   Ties on the whole key: the receiving core rx_cpu if it is among the tied cores (no
 *   cross-core hop, warm caches), otherwise the lowest-numbered core. rx_cpu plays no
 *   other part; it may be any value (out of range means "no preference").
 *
 * Counts above 2^23 - 1 priority assignments per core compare as equal (saturation); loads
 * are percent (0..100), but any __u8 compares correctly, as does any threshold (>= 100
 * lets every online unpinned core qualify).
 *
 * Paper's example (Table 2): cores 0 (load 10, VM 1 pinned), 1 (load 50, VM 2 pinned),
 * 2 (load 20), 3 (load 50), threshold 50 -> core 2.
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

/* Online, no VM pinned, load at or below the threshold. */
VSX_INLINE int vsx_core_entry_qualifies(const struct vsx_core *core, __u8 threshold)
{
	return (core->flags & (VSX_CORE_ONLINE | VSX_CORE_PINNED)) == VSX_CORE_ONLINE &&
	       core->load <= threshold;
}

/* Whether core `cpu` of the table qualifies (see "QUALIFIES" above). */
VSX_INLINE int vsx_core_qualifies(const struct vsx_core_table *t, __u32 cpu)
{
	/* Both bounds: n_cpus is only a run-time value to the verifier. */
	if (cpu >= t->n_cpus || cpu >= VSX_MAX_CPUS)
		return 0;
	return vsx_core_entry_qualifies(&t->cores[cpu], t->threshold);
}

/* Priority counts saturate here: 23 bits, so that no key equals the "nothing yet" ~0. */
#define VSX_CHOICE_PRIO_MAX 0x7fffffu

/*
 * The comparison key of one qualifying core, packed so that a smaller __u64 is a better
 * core: bits 62..40 priority count (priority flow) or "has priority work" (normal flow),
 * bits 39..32 load, bits 31..0 normal count. Bit 63 stays clear.
 */
VSX_INLINE __u64 vsx_core_choice_key(const struct vsx_core_table *t,
				     const struct vsx_core_assign *a, int prio, __u32 cpu)
{
	__u32 prio_count = a->prio[cpu];
	__u64 first;

	if (prio)
		first = prio_count > VSX_CHOICE_PRIO_MAX ? VSX_CHOICE_PRIO_MAX : prio_count;
	else
		first = prio_count != 0;
	return first << 40 | (__u64)t->cores[cpu].load << 32 | a->normal[cpu];
}

/*
 * The choice in three steps, so that a BPF program can run the per-core step from
 * bpf_loop() (a plain loop over 256 CPUs inlined into a large program is too much for the
 * verifier) while user space runs it in a for loop: both use exactly these functions.
 */
struct vsx_choice_state {
	__u64 best_key;
	int best;
};

VSX_INLINE void vsx_choice_init(struct vsx_choice_state *s)
{
	s->best_key = ~0ULL;
	s->best = VSX_CORE_NONE;
}

/* Considers core `cpu`: cores must be considered in ascending order. */
VSX_INLINE void vsx_choice_consider(struct vsx_choice_state *s, const struct vsx_core_table *t,
				    const struct vsx_core_assign *a, int prio, __u32 cpu)
{
	__u64 key;

	if (cpu >= VSX_MAX_CPUS || !vsx_core_entry_qualifies(&t->cores[cpu], t->threshold))
		return;
	key = vsx_core_choice_key(t, a, prio, cpu);
	/*
	 * Ascending order and a strict "<" keep the lowest core among equals. Nothing here
	 * branches on `best` or rx_cpu: the verifier would then tell apart (and walk again)
	 * every iteration state by the value they hold.
	 */
	if (key < s->best_key) {
		s->best_key = key;
		s->best = (int)cpu;
	}
}

/* The result: equal to the best, the receiving core wins. */
VSX_INLINE int vsx_choice_finish(const struct vsx_choice_state *s, const struct vsx_core_table *t,
				 const struct vsx_core_assign *a, int prio, __u32 rx_cpu)
{
	if (vsx_core_qualifies(t, rx_cpu) && vsx_core_choice_key(t, a, prio, rx_cpu) == s->best_key)
		return (int)rx_cpu;
	return s->best;
}

/* Number of cores to consider: the table's, bounded. */
VSX_INLINE __u32 vsx_choice_n_cpus(const struct vsx_core_table *t)
{
	return t->n_cpus > VSX_MAX_CPUS ? VSX_MAX_CPUS : t->n_cpus;
}

/*
 * Chooses the core for a new flow of class `prio` (0 normal, nonzero priority) received
 * on rx_cpu. Returns the core, or VSX_CORE_NONE when no core qualifies. Does not record
 * the decision: the caller adds 1 to a->prio[core] or a->normal[core] itself.
 */
VSX_INLINE int vsx_choose_core(const struct vsx_core_table *t, const struct vsx_core_assign *a,
			       int prio, __u32 rx_cpu)
{
	struct vsx_choice_state s;
	__u32 n = vsx_choice_n_cpus(t);

	vsx_choice_init(&s);
	/* Constant bound for the verifier; n is only known at run time. */
	for (__u32 cpu = 0; cpu < VSX_MAX_CPUS; cpu++) {
		if (cpu >= n)
			break;
		vsx_choice_consider(&s, t, a, prio, cpu);
	}
	return vsx_choice_finish(&s, t, a, prio, rx_cpu);
}

#endif
