// SPDX-License-Identifier: MIT
/*
 * The core choice is the same code in the kernel as in user space: tests/bpf/core_choice.bpf.c
 * runs include/vsx/core_choice.h through BPF_PROG_TEST_RUN (as a plain loop and through
 * bpf_loop()) on the paper's Table 2, on edge cases, on a burst of decisions within one load
 * sample (recent[], decision_load) and on 1000 seeded random tables of up to 64 CPUs (and
 * some up to VSX_MAX_CPUS, with and without decisions since the sample), and every answer
 * must equal the user-space one.
 * It also keeps the verifier's cost of the plain loop in check. Needs root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vsx/core_choice.h>
#include "core_choice.skel.h"
#include "../lib/core_scenarios.h"

/* The plain loop verifies in ~14k instructions on 6.18; this catches a return to 150k+. */
#define MAX_VERIFIED_INSNS 50000
#define N_RANDOM 1000

static struct core_choice *skel;
static int load_err;

/* ---- running the programs ---- */

static int run_prog(struct bpf_program *prog, const struct vsx_core_table *t,
		    const struct vsx_core_assign *a, int prio, __u32 rx_cpu)
{
	unsigned char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.core_table), &zero, t, BPF_ANY),
			 0);
	assert_int_equal(
	    bpf_map_update_elem(bpf_map__fd(skel->maps.core_assign), &zero, a, BPF_ANY), 0);
	skel->bss->scenario_prio = prio;
	skel->bss->scenario_rx_cpu = rx_cpu;
	skel->bss->chosen_core = -2;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	return skel->bss->chosen_core;
}

/* Both programs and user space give the same answer; returns it. */
static int check_agree(const struct vsx_core_table *t, const struct vsx_core_assign *a, int prio,
		       __u32 rx_cpu, const char *what)
{
	int user = vsx_choose_core(t, a, prio, rx_cpu);
	int loop = run_prog(skel->progs.choose_core_loop, t, a, prio, rx_cpu);
	int step = run_prog(skel->progs.choose_core_bpf_loop, t, a, prio, rx_cpu);

	if (loop != user || step != user)
		fail_msg(
		    "%s: user space %d, BPF loop %d, BPF bpf_loop %d (n_cpus %u, threshold %u, "
		    "prio %d, rx_cpu %u)",
		    what, user, loop, step, t->n_cpus, t->threshold, prio, rx_cpu);
	return user;
}

#define REQUIRE_PROGRAM()                                                                          \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
		if (load_err == -EPERM)                                                            \
			skip();                                                                    \
		if (!skel)                                                                         \
			fail_msg(                                                                  \
			    "core_choice.bpf.o did not load: %s (see the verifier log above)",     \
			    strerror(-load_err));                                                  \
	} while (0)

static void test_verifier_accepts_it_cheaply(void **state)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	REQUIRE_PROGRAM();
	memset(&info, 0, sizeof(info));
	assert_int_equal(
	    bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.choose_core_loop), &info, &len), 0);
	if (!info.verified_insns)
		skip(); /* kernel before 5.16: does not say */
	printf("# plain loop: %u instructions verified (limit for this test %d)\n",
	       info.verified_insns, MAX_VERIFIED_INSNS);
	assert_in_range(info.verified_insns, 1, MAX_VERIFIED_INSNS);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	assert_int_equal(
	    bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.choose_core_bpf_loop), &info, &len),
	    0);
	printf("# bpf_loop wrapper (the datapath's): %u instructions verified\n",
	       info.verified_insns);
}

static void test_paper_table2(void **state)
{
	static struct vsx_core_table t = {
	    .n_cpus = 4,
	    .threshold = 50,
	    .cores =
		{
		    {VSX_CORE_ONLINE | VSX_CORE_PINNED, 10, 1},
		    {VSX_CORE_ONLINE | VSX_CORE_PINNED, 50, 2},
		    {VSX_CORE_ONLINE, 20, 0},
		    {VSX_CORE_ONLINE, 50, 0},
		},
	};
	static struct vsx_core_assign a;

	REQUIRE_PROGRAM();
	for (__u32 rx = 0; rx < 4; rx++) {
		assert_int_equal(check_agree(&t, &a, 0, rx, "Table 2, normal flow"), 2);
		assert_int_equal(check_agree(&t, &a, 1, rx, "Table 2, priority flow"), 2);
	}
}

static void test_edge_tables(void **state)
{
	static struct vsx_core_table t;
	static struct vsx_core_assign a;

	REQUIRE_PROGRAM();
	memset(&t, 0, sizeof(t));
	memset(&a, 0, sizeof(a));
	assert_int_equal(check_agree(&t, &a, 0, 0, "n_cpus 0"), VSX_CORE_NONE);

	/* Every slot qualifies, n_cpus beyond the table: the last slot is reachable. */
	t.n_cpus = 100000;
	t.threshold = 255;
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		t.cores[c].flags = VSX_CORE_ONLINE;
		t.cores[c].load = 90;
	}
	t.cores[VSX_MAX_CPUS - 1].load = 1;
	assert_int_equal(check_agree(&t, &a, 0, 7, "n_cpus above the table"), VSX_MAX_CPUS - 1);
	assert_int_equal(check_agree(&t, &a, 1, 0xffffffffu, "rx_cpu out of range"),
			 VSX_MAX_CPUS - 1);

	/* All equal: the receiving core, else the lowest. */
	t.cores[VSX_MAX_CPUS - 1].load = 90;
	assert_int_equal(check_agree(&t, &a, 0, 200, "all equal"), 200);
	assert_int_equal(check_agree(&t, &a, 0, VSX_MAX_CPUS, "all equal, rx out of range"), 0);

	/* Saturated and maximal counts. */
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		a.prio[c] = 0xffffffffu;
		a.normal[c] = 0xffffffffu;
	}
	a.normal[77] = 0xfffffffeu;
	assert_int_equal(check_agree(&t, &a, 1, 3, "saturated counts"), 77);

	/* Nothing qualifies. */
	t.threshold = 89;
	assert_int_equal(check_agree(&t, &a, 1, 3, "all above the threshold"), VSX_CORE_NONE);
}

/*
 * A burst of normal decisions within one load sample, each counted as the datapath counts it
 * (normal and recent): with decision_load 10 they spread in load order, in BPF as in C.
 */
static void test_burst_spreads(void **state)
{
	static const int want[] = {0, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0};
	static struct vsx_core_table t = {
	    .n_cpus = 4,
	    .threshold = 80,
	    .decision_load = 10,
	    .cores =
		{
		    {VSX_CORE_ONLINE, 10, 0},
		    {VSX_CORE_ONLINE, 20, 0},
		    {VSX_CORE_ONLINE, 30, 0},
		    {VSX_CORE_ONLINE, 95, 0},
		},
	};
	static struct vsx_core_assign a;

	REQUIRE_PROGRAM();
	memset(&a, 0, sizeof(a));
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char what[32];
		int c;

		snprintf(what, sizeof(what), "burst decision %u", i);
		c = check_agree(&t, &a, 0, 9, what);
		assert_int_equal(c, want[i]);
		a.normal[c]++;
		a.recent[c]++;
	}
}

static void test_random_tables_agree(void **state)
{
	static struct vsx_core_table t, t0;
	static struct vsx_core_assign a;
	unsigned int chosen = 0, recent_mattered = 0;

	REQUIRE_PROGRAM();
	rng_state = 0x5eed0000c0dec0deULL;
	for (int i = 0; i < N_RANDOM; i++) {
		char what[32];
		__u32 rx_cpu;
		int prio, c;

		random_scenario(&t, &a, &prio, &rx_cpu);
		snprintf(what, sizeof(what), "random table %d", i);
		c = check_agree(&t, &a, prio, rx_cpu, what);
		if (c != VSX_CORE_NONE)
			chosen++;
		/* the same table ranked by the sampled load alone */
		t0 = t;
		t0.decision_load = 0;
		if (vsx_choose_core(&t0, &a, prio, rx_cpu) != c)
			recent_mattered++;
	}
	/* The generator must exercise both outcomes (5 % each at least), or it proves little;
	 * and in some tables the decisions since the sample (recent, decision_load) must have
	 * changed the answer, or the agreement says nothing about them. */
	assert_in_range(chosen, N_RANDOM / 20, N_RANDOM - N_RANDOM / 20);
	assert_in_range(recent_mattered, N_RANDOM / 20, N_RANDOM);
	printf("# %u of %d tables: a core chosen; %u: recent decisions changed the choice\n",
	       chosen, N_RANDOM, recent_mattered);
}

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	skel = core_choice__open_and_load();
	if (!skel)
		load_err = -errno;
	return 0;
}

static int group_teardown(void **state)
{
	core_choice__destroy(skel);
	skel = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verifier_accepts_it_cheaply),
	    cmocka_unit_test(test_paper_table2),
	    cmocka_unit_test(test_edge_tables),
	    cmocka_unit_test(test_burst_spreads),
	    cmocka_unit_test(test_random_tables_agree),
	};

	return cmocka_run_group_tests_name("core_choice_bpf", tests, group_setup, group_teardown);
}
