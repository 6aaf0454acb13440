// SPDX-License-Identifier: MIT
/* The core choice (include/vsx/core_choice.h), the code the datapath runs at a rule's first packet.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <vsx/core_choice.h>

#include "../lib/core_scenarios.h"

static struct vsx_core_table table;
static struct vsx_core_assign assign;

static int setup(void **state)
{
	memset(&table, 0, sizeof(table));
	memset(&assign, 0, sizeof(assign));
	table.threshold = 50;
	return 0;
}

static void core(unsigned int cpu, unsigned int load, unsigned int pinned_vm)
{
	table.cores[cpu].flags = VSX_CORE_ONLINE | (pinned_vm ? VSX_CORE_PINNED : 0);
	table.cores[cpu].load = (__u8)load;
	table.cores[cpu].pinned_vm = (__u16)pinned_vm;
	if (cpu + 1 > table.n_cpus)
		table.n_cpus = cpu + 1;
}

/* The paper's Table 2: cores 0 and 1 hold VMs 1 and 2, core 2 is at 20, core 3 at 50. */
static void test_paper_table2(void **state)
{
	core(0, 10, 1);
	core(1, 50, 2);
	core(2, 20, 0);
	core(3, 50, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), 2);
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 0), 2);
}

static void test_none_qualifies(void **state)
{
	core(0, 10, 1);
	core(1, 51, 0);
	core(2, 99, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), VSX_CORE_NONE);
}

static void test_threshold_is_inclusive(void **state)
{
	core(0, 50, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 5), 0);
}

static void test_offline_and_pinned_never_chosen(void **state)
{
	core(0, 0, 7);
	core(1, 0, 0);
	table.cores[1].flags = 0; /* offline */
	core(2, 40, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), 2);
}

static void test_priority_spreads(void **state)
{
	core(0, 10, 0);
	core(1, 10, 0);
	int a = vsx_choose_core(&table, &assign, 1, 9);
	assign.prio[a]++;
	int b = vsx_choose_core(&table, &assign, 1, 9);
	assert_int_not_equal(a, b);
	/* With only one qualifying core they share it. */
	table.cores[b].load = 90;
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 9), a);
}

static void test_normal_avoids_priority_cores(void **state)
{
	core(0, 5, 0);
	core(1, 30, 0);
	assign.prio[0] = 1;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 1);
	/* ... unless it is the only one that qualifies. */
	table.cores[1].load = 80;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 0);
}

static void test_ties_prefer_receiving_core_then_lowest(void **state)
{
	core(0, 20, 0);
	core(1, 20, 0);
	core(2, 20, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 2), 2);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 0);
}

static void test_decisions_spread_within_a_sample(void **state)
{
	core(0, 20, 0);
	core(1, 20, 0);
	int a = vsx_choose_core(&table, &assign, 0, 9);
	assign.normal[a]++;
	assert_int_not_equal(vsx_choose_core(&table, &assign, 0, 9), a);
}

/*
 * One decision: choose for a normal flow received on no particular core, then count it as the
 * datapath does (normal and recent).
 */
static int decide(void)
{
	int c = vsx_choose_core(&table, &assign, 0, 9);

	if (c >= 0) {
		assign.normal[c]++;
		assign.recent[c]++;
	}
	return c;
}

/*
 * A burst of new flows within one load sample (the sampled loads do not change): with
 * decision_load 10 each decision ranks its core 10 points busier, so the burst spreads over
 * the qualifying cores in load order; core 3 (95 %) is above the threshold and never chosen.
 */
static void test_burst_spreads_with_decision_load(void **state)
{
	static const int want[] = {0, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0};

	core(0, 10, 0);
	core(1, 20, 0);
	core(2, 30, 0);
	core(3, 95, 0);
	table.threshold = 80;
	table.decision_load = 10;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int got = decide();

		if (got != want[i])
			fail_msg("decision %u: core %d, want %d", i, got, want[i]);
	}
	assert_int_equal(assign.recent[0], 5);
	assert_int_equal(assign.recent[1], 4);
	assert_int_equal(assign.recent[2], 3);
	assert_int_equal(assign.recent[3], 0);
}

/* decision_load 0: the sampled load alone orders cores, recent[] changes nothing. */
static void test_decision_load_zero_keeps_the_order(void **state)
{
	core(0, 10, 0);
	core(1, 20, 0);
	core(2, 30, 0);
	core(3, 95, 0);
	table.threshold = 80;
	for (int i = 0; i < 12; i++)
		assert_int_equal(decide(), 0);
	assign.recent[0] = 0xffffffffu;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 9), 0);
}

/*
 * eload = load + recent * decision_load saturates at 255: cores past it compare as equal on
 * load (then the counts decide), and a huge product does not spill into the priority field.
 */
static void test_eload_saturates(void **state)
{
	core(0, 50, 0);
	core(1, 60, 0);
	table.threshold = 100;
	table.decision_load = 10;
	assign.recent[0] = 30; /* 350 -> 255 */
	assign.recent[1] = 20; /* 260 -> 255 */
	assign.normal[0] = 1;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 1); /* tied load, fewer flows */
	assign.normal[0] = 0;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 0); /* all tied: the lowest */
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), 1); /* ... or the receiving one */
	assign.recent[1] = 19; /* 250: below the cap */
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), 1);

	/* The largest product: still "no priority work" on core 0, whose key stays below core
	 * 1's, which has priority work but an idle load. */
	table.decision_load = 255;
	assign.recent[0] = 0xffffffffu;
	assign.recent[1] = 0;
	table.cores[1].load = 0;
	assign.prio[1] = 1;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), 0);
	assert_int_equal(vsx_core_choice_key(&table, &assign, 1, 0) >> VSX_CHOICE_LOAD_SHIFT, 255);
}

/* Qualifying is the paper's rule on the sampled load: recent decisions never disqualify. */
static void test_qualifying_ignores_recent(void **state)
{
	core(0, 80, 0);
	core(1, 81, 0);
	table.threshold = 80;
	table.decision_load = 50;
	assign.recent[0] = 1000;
	assert_true(vsx_core_qualifies(&table, 0));
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 1), 0);
	/* and core 1, above the threshold, does not qualify however few decisions it had */
	table.cores[0].flags = 0;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), VSX_CORE_NONE);
}

/* 64 cores: the simulator's size. The code must not assume 2. */
static void test_64_cores(void **state)
{
	for (unsigned int c = 0; c < 64; c++)
		core(c, 60, c < 32 ? c + 1 : 0);
	table.cores[47].load = 12;
	table.cores[50].load = 3;
	table.cores[10].load = 0; /* pinned: never */
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), 50);
	table.cores[50].load = 70;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), 47);
}

static void test_threshold_edges(void **state)
{
	core(0, 0, 0);
	core(1, 51, 0);
	table.threshold = 0;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), 0); /* load 0 <= 0 */
	table.cores[0].load = 1;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), VSX_CORE_NONE);
	table.threshold = 51;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 1), 0); /* rx qualifies, not tied */
	table.threshold = 255; /* loads above 100 are nonsense but must compare */
	table.cores[0].load = 255;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 9), 1);
}

static void test_table_size_bounds(void **state)
{
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), VSX_CORE_NONE); /* n_cpus 0 */
	/* Slots beyond n_cpus do not count, however good they look. */
	core(0, 40, 0);
	table.cores[5].flags = VSX_CORE_ONLINE;
	table.cores[5].load = 0;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 5), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 5), 0);
	/* n_cpus above the table means the whole table. */
	table.n_cpus = 0xffffffffu;
	table.cores[VSX_MAX_CPUS - 1].flags = VSX_CORE_ONLINE;
	table.cores[VSX_MAX_CPUS - 1].load = 0;
	table.cores[5].flags = 0;
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 0), VSX_MAX_CPUS - 1);
	assert_int_equal(vsx_choice_n_cpus(&table), VSX_MAX_CPUS);
}

static void test_receiving_core_out_of_range(void **state)
{
	core(0, 20, 0);
	core(1, 20, 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 2), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, VSX_MAX_CPUS), 0);
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 0xffffffffu), 0);
	/* A receiving core that is tied but pinned or offline does not win the tie. */
	core(2, 20, 3);
	assert_int_equal(vsx_choose_core(&table, &assign, 0, 2), 0);
}

static void test_counts_saturate_and_use_all_bits(void **state)
{
	core(0, 20, 0);
	core(1, 20, 0);
	core(2, 20, 0);
	assign.prio[0] = VSX_CHOICE_PRIO_MAX;
	assign.prio[1] = 0xffffffffu; /* saturated: the same as core 0 for the choice */
	assign.prio[2] = VSX_CHOICE_PRIO_MAX - 1;
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 9), 2);
	assign.prio[2] = 0xfffffff0u;
	assign.normal[0] = 0xffffffffu;
	assign.normal[1] = 0xfffffffeu;
	assign.normal[2] = 0xffffffffu;
	assert_int_equal(vsx_choose_core(&table, &assign, 1, 9), 1);
	/* Any nonzero prio is a priority flow. */
	assert_int_equal(vsx_choose_core(&table, &assign, -1, 9), 1);
	assert_int_equal(vsx_choose_core(&table, &assign, 0x40000000, 9), 1);
}

/* 64 cores, 40 of them free: 40 priority flows get a core each, the 41st shares one. */
static void test_64_cores_priority_spreading(void **state)
{
	bool used[64] = {false};

	for (unsigned int c = 0; c < 64; c++)
		core(c, 10 + c % 7, c % 8 < 3 ? 1 + c : 0); /* 24 cores pinned */
	for (int i = 0; i < 40; i++) {
		int c = vsx_choose_core(&table, &assign, 1, 0);

		assert_in_range(c, 0, 63);
		assert_false(table.cores[c].flags & VSX_CORE_PINNED);
		assert_false(used[c]);
		used[c] = true;
		assign.prio[c]++;
	}
	int c = vsx_choose_core(&table, &assign, 1, 0);
	assert_int_equal(assign.prio[c], 1);
	/* Normal flows now have nowhere free of priority work: least loaded among them. */
	c = vsx_choose_core(&table, &assign, 0, 0);
	assert_int_equal(table.cores[c].load, 10);
}

/* 640 normal decisions in one sampling interval over 64 equal cores: 10 each. */
static void test_64_cores_normal_spreading(void **state)
{
	for (unsigned int c = 0; c < 64; c++)
		core(c, 30, 0);
	assign.prio[17] = 1; /* avoided while others are free of priority work */
	for (int i = 0; i < 630; i++) {
		int c = vsx_choose_core(&table, &assign, 0, (__u32)i % 64);

		assert_int_not_equal(c, 17);
		assign.normal[c]++;
	}
	for (unsigned int c = 0; c < 64; c++)
		assert_int_equal(assign.normal[c], c == 17 ? 0 : 10);
}

/* ---- the rule, written the obvious way, against the real code on random tables ---- */

static bool ref_qualifies(__u32 c)
{
	const struct vsx_core *k;

	if (c >= table.n_cpus || c >= VSX_MAX_CPUS)
		return false;
	k = &table.cores[c];
	return (k->flags & VSX_CORE_ONLINE) && !(k->flags & VSX_CORE_PINNED) &&
	       k->load <= table.threshold;
}

/* The sampled load plus what the decisions since the sample add, capped at 255. */
static __u64 ref_eload(__u32 c)
{
	__u64 e = table.cores[c].load + (__u64)assign.recent[c] * table.decision_load;

	return e > 255 ? 255 : e;
}

/* -1, 0, 1 as core c is better than, equal to, worse than core d (header comment's order). */
static int ref_compare(int prio, __u32 c, __u32 d)
{
	__u64 pc = assign.prio[c], pd = assign.prio[d];

	if (prio) {
		pc = pc > VSX_CHOICE_PRIO_MAX ? VSX_CHOICE_PRIO_MAX : pc;
		pd = pd > VSX_CHOICE_PRIO_MAX ? VSX_CHOICE_PRIO_MAX : pd;
	} else {
		pc = pc != 0;
		pd = pd != 0;
	}
	if (pc != pd)
		return pc < pd ? -1 : 1;
	if (ref_eload(c) != ref_eload(d))
		return ref_eload(c) < ref_eload(d) ? -1 : 1;
	if (assign.normal[c] != assign.normal[d])
		return assign.normal[c] < assign.normal[d] ? -1 : 1;
	return 0;
}

static int ref_choose(int prio, __u32 rx_cpu)
{
	int best = VSX_CORE_NONE;

	for (__u32 c = 0; c < VSX_MAX_CPUS; c++)
		if (ref_qualifies(c) && (best < 0 || ref_compare(prio, c, (__u32)best) < 0))
			best = (int)c;
	if (best >= 0 && ref_qualifies(rx_cpu) && ref_compare(prio, rx_cpu, (__u32)best) == 0)
		return (int)rx_cpu;
	return best;
}

/* vsx_choice_init/consider/finish as the datapath's bpf_loop() runs them. */
static int step_choose(int prio, __u32 rx_cpu)
{
	struct vsx_choice_state s;

	vsx_choice_init(&s);
	for (__u32 c = 0; c < vsx_choice_n_cpus(&table); c++)
		vsx_choice_consider(&s, &table, &assign, prio, c);
	return vsx_choice_finish(&s, &table, &assign, prio, rx_cpu);
}

static void test_random_tables_match_the_rule(void **state)
{
	unsigned int none = 0;

	rng_state = 0x0123456789abcdefULL;
	for (int i = 0; i < 5000; i++) {
		__u32 rx_cpu;
		int prio, got, want;

		random_scenario(&table, &assign, &prio, &rx_cpu);
		got = vsx_choose_core(&table, &assign, prio, rx_cpu);
		want = ref_choose(prio, rx_cpu);
		if (got != want || step_choose(prio, rx_cpu) != want)
			fail_msg("table %d: got %d (steps %d), the rule says %d (n_cpus %u, "
				 "threshold %u, prio %d, rx_cpu %u)",
				 i, got, step_choose(prio, rx_cpu), want, table.n_cpus,
				 table.threshold, prio, rx_cpu);
		if (got == VSX_CORE_NONE) {
			none++;
			continue;
		}
		/* Never a pinned, offline or overloaded core. */
		assert_true(table.cores[got].flags & VSX_CORE_ONLINE);
		assert_false(table.cores[got].flags & VSX_CORE_PINNED);
		assert_true(table.cores[got].load <= table.threshold);
		assert_true((__u32)got < table.n_cpus);
	}
	assert_in_range(none, 250, 4750); /* both outcomes exercised */
}

static void test_qualifies_matches_the_key(void **state)
{
	rng_state = 42;
	for (int i = 0; i < 500; i++) {
		__u32 rx_cpu;
		int prio;

		random_scenario(&table, &assign, &prio, &rx_cpu);
		for (__u32 c = 0; c < VSX_MAX_CPUS; c++) {
			__u64 key =
			    vsx_core_choice_key(&table, &assign, vsx_choice_prio_cap(prio), c);

			assert_int_equal(vsx_core_qualifies(&table, c), ref_qualifies(c));
			assert_int_equal(!(key >> VSX_CHOICE_UNFIT_SHIFT), ref_qualifies(c));
		}
		assert_false(vsx_core_qualifies(&table, VSX_MAX_CPUS));
		assert_false(vsx_core_qualifies(&table, 0xffffffffu));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_paper_table2, setup),
	    cmocka_unit_test_setup(test_none_qualifies, setup),
	    cmocka_unit_test_setup(test_threshold_is_inclusive, setup),
	    cmocka_unit_test_setup(test_offline_and_pinned_never_chosen, setup),
	    cmocka_unit_test_setup(test_priority_spreads, setup),
	    cmocka_unit_test_setup(test_normal_avoids_priority_cores, setup),
	    cmocka_unit_test_setup(test_ties_prefer_receiving_core_then_lowest, setup),
	    cmocka_unit_test_setup(test_decisions_spread_within_a_sample, setup),
	    cmocka_unit_test_setup(test_burst_spreads_with_decision_load, setup),
	    cmocka_unit_test_setup(test_decision_load_zero_keeps_the_order, setup),
	    cmocka_unit_test_setup(test_eload_saturates, setup),
	    cmocka_unit_test_setup(test_qualifying_ignores_recent, setup),
	    cmocka_unit_test_setup(test_64_cores, setup),
	    cmocka_unit_test_setup(test_threshold_edges, setup),
	    cmocka_unit_test_setup(test_table_size_bounds, setup),
	    cmocka_unit_test_setup(test_receiving_core_out_of_range, setup),
	    cmocka_unit_test_setup(test_counts_saturate_and_use_all_bits, setup),
	    cmocka_unit_test_setup(test_64_cores_priority_spreading, setup),
	    cmocka_unit_test_setup(test_64_cores_normal_spreading, setup),
	    cmocka_unit_test(test_random_tables_match_the_rule),
	    cmocka_unit_test(test_qualifies_matches_the_key),
	};
	return cmocka_run_group_tests_name("core_choice", tests, NULL, NULL);
}
