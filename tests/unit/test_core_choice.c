// SPDX-License-Identifier: MIT
/* The core choice (include/vsx/core_choice.h), the code the datapath runs at a rule's first packet. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vsx/core_choice.h>

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
		cmocka_unit_test_setup(test_64_cores, setup),
	};
	return cmocka_run_group_tests_name("core_choice", tests, NULL, NULL);
}
