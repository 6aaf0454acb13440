/* SPDX-License-Identifier: MIT */
/*
 * Seeded random core choice scenarios for the tests that check include/vsx/core_choice.h
 * (tests/unit/test_core_choice.c against the rule written the obvious way,
 * tests/bpf/test_core_choice_bpf.c against the BPF programs). Header-only, static: each
 * test binary has its own generator. Seed it by setting rng_state (not 0).
 */
#ifndef VSX_TESTS_CORE_SCENARIOS_H
#define VSX_TESTS_CORE_SCENARIOS_H

#include <stdbool.h>
#include <string.h>

#include <vsx/core_choice.h>

/* The generator's state: the seed, any value but 0. */
static __u64 rng_state;

/* xorshift64*: the next number. */
static __u64 rnd(void)
{
	__u64 x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* 0..n-1 */
static __u32 below(__u32 n)
{
	return (__u32)(rnd() % n);
}

/* A per-core assignment count: mostly 0, some small, some around saturation and overflow. */
static __u32 random_count(void)
{
	switch (below(10)) {
	case 0:
		return VSX_CHOICE_PRIO_MAX - 1 + below(3); /* around saturation */
	case 1:
		return 0xffffffffu - below(2);
	case 2:
	case 3:
		return 1 + below(3);
	default:
		return 0;
	}
}

/*
 * Fills a core table (decision_load too), the assignment counts (recent[] too), a flow
 * priority and a receiving CPU. Ties are what tie-breaking bugs need: loads and counts come
 * from small sets mostly.
 */
static void random_scenario(struct vsx_core_table *t, struct vsx_core_assign *a, int *prio,
			    __u32 *rx_cpu)
{
	static const __u8 thresholds[] = {0, 20, 50, 50, 50, 80, 100, 255};
	static const __u8 loads[] = {0, 10, 20, 49, 50, 51, 100};
	static const __u8 decision_loads[] = {1, 5, 10, 10, 25, 255};
	bool few_loads = below(2);

	memset(t, 0, sizeof(*t));
	memset(a, 0, sizeof(*a));
	t->n_cpus = 1 + below(64);
	if (below(10) == 0)
		t->n_cpus = below(VSX_MAX_CPUS + 1);
	if (below(50) == 0)
		t->n_cpus = VSX_MAX_CPUS + below(1000); /* more than the table holds */
	t->threshold = below(8) ? thresholds[below(sizeof(thresholds))] : (__u8)below(256);
	/* half the tables rank by the sampled load alone, as before decisions counted */
	t->decision_load = below(2)   ? 0
			   : below(4) ? decision_loads[below(sizeof(decision_loads))]
				      : (__u8)below(256);
	/* Every slot, also beyond n_cpus: those must be ignored. */
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		struct vsx_core *k = &t->cores[c];

		k->flags = (below(100) < 85 ? VSX_CORE_ONLINE : 0) |
			   (below(100) < 20 ? VSX_CORE_PINNED : 0);
		if (below(20) == 0)
			k->flags |= (__u8)(below(64) << 2); /* unknown flag bits */
		k->load = few_loads ? loads[below(sizeof(loads))] : (__u8)below(101);
		if (below(50) == 0)
			k->load = (__u8)below(256);
		k->pinned_vm = k->flags & VSX_CORE_PINNED ? (__u16)(1 + below(127)) : 0;
		a->prio[c] = random_count();
		a->normal[c] = below(3) ? below(4) : random_count();
		/* decisions since the sample: mostly few, so that eload ties and crosses loads */
		a->recent[c] = below(2) ? 0 : below(8) ? below(6) : random_count();
	}
	*prio = below(2) ? 0 : below(2) ? 1 : (int)rnd();
	*rx_cpu = below(5) ? below(t->n_cpus < VSX_MAX_CPUS ? t->n_cpus + 3 : VSX_MAX_CPUS + 3)
			   : (__u32)rnd();
}

#endif
