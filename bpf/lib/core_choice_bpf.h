/* SPDX-License-Identifier: MIT */
/*
 * The core choice (include/vsx/core_choice.h) as the datapath runs it: the per-core step
 * driven by bpf_loop(), because a 256-iteration loop inlined into the uplink program is more
 * than the verifier will walk. tests/bpf/core_choice.bpf.c runs this same wrapper.
 */
#ifndef VSX_BPF_CORE_CHOICE_H
#define VSX_BPF_CORE_CHOICE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/core_choice.h>

struct vsx_choice_loop {
	const struct vsx_core_table *t;
	const struct vsx_core_assign *a;
	int prio;
	struct vsx_choice_state s;
};

static long vsx_choice_loop_step(__u32 cpu, void *ctx)
{
	struct vsx_choice_loop *l = ctx;

	vsx_choice_consider(&l->s, l->t, l->a, l->prio, cpu);
	return 0;
}

/* vsx_choose_core() with its per-core step run by bpf_loop(): verified once, not 256 times. */
static __always_inline int vsx_choose_core_bpf(const struct vsx_core_table *t,
					       const struct vsx_core_assign *a, int prio,
					       __u32 rx_cpu)
{
	struct vsx_choice_loop l = { .t = t, .a = a, .prio = prio };

	vsx_choice_init(&l.s);
	bpf_loop(vsx_choice_n_cpus(t), vsx_choice_loop_step, &l, 0);
	return vsx_choice_finish(&l.s, t, a, prio, rx_cpu);
}

#endif
