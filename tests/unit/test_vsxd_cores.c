// SPDX-License-Identifier: MIT
/*
 * vsxd's core table upkeep (vsxd/cores.c) on the datapath double, with the CPUs' load from
 * a fake /proc (tests/lib/proc_fixture.h): what a tick writes into the datapath (loads,
 * ONLINE only once measured, a pinned VM's core, the threshold and decision load), the
 * recent decisions zeroed, per-core queues following the online set, the table capped at the
 * datapath's CPUs, and a failed write that changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../vsxd/cores.h"
#include "../../vsxd/vsxd.h"
#include "../lib/dp_double.h"
#include "../lib/proc_fixture.h"
#include "log.h"

struct fixture {
	struct procfx proc;
	struct vsx_dp_double *dbl;
	struct vsxd d;
};

static int setup(void **state)
{
	static const char conf[] = "uplink eth0\nthreshold 60\ndecision-load 7\n"
				   "vm web1 {\n\tvm-id 9\n\tcpus 3\n}\n";
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || procfx_init(&f->proc, 4))
		return -1;
	f->dbl = dpd_new(4, 16, 0);
	if (!f->dbl)
		return -1;
	vsxd_conf_init(&f->d.conf);
	if (vsxd_conf_parse_string(conf, "vsxd.conf", &f->d.conf, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->d.dpp = f->dbl->dp;
	if (vsxd_cores_init_at(&f->d, f->proc.root))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vsxd_cores_free(&f->d);
	vsxd_conf_free(&f->d.conf);
	dpd_free(f->dbl);
	procfx_free(&f->proc);
	free(f);
	return 0;
}

/* 100 ms of CPU time at the given loads, then one tick. */
static void tick(struct fixture *f, const unsigned int busy[4])
{
	for (unsigned int c = 0; c < 4; c++)
		procfx_advance(&f->proc, c, 10, busy[c]);
	assert_int_equal(procfx_write(&f->proc), 0);
	vsxd_cores_tick(&f->d);
}

static void table_written_into_the_datapath(void **state)
{
	static const unsigned int busy[4] = {10, 90, 20, 30};
	struct fixture *f = *state;
	const struct vsx_core_table *t = &f->dbl->core_table;

	/* the first sample measures nothing: no core is ONLINE (qualifies) yet */
	tick(f, busy);
	assert_int_equal(t->n_cpus, 4);
	for (unsigned int c = 0; c < 4; c++)
		assert_false(t->cores[c].flags & VSX_CORE_ONLINE);
	/* but the per-core queues exist for every online CPU */
	for (unsigned int c = 0; c < 4; c++)
		assert_true(f->dbl->cpumap_entry[c]);
	for (int i = 0; i < 20; i++)
		tick(f, busy);
	assert_int_equal(t->threshold, 60);
	assert_int_equal(t->decision_load, 7);
	for (unsigned int c = 0; c < 4; c++) {
		assert_true(t->cores[c].flags & VSX_CORE_ONLINE);
		/* smoothed, 20 samples after the step: within a point of the truth */
		assert_in_range(t->cores[c].load, busy[c] - 1, busy[c] + 1);
	}
	assert_true(t->cores[3].flags & VSX_CORE_PINNED);
	assert_int_equal(t->cores[3].pinned_vm, 9);
	assert_false(t->cores[1].flags & VSX_CORE_PINNED);
	/* what vsxd keeps as "last written" is what the datapath has */
	assert_memory_equal(&f->d.core_table, t, sizeof(*t));
}

static void recent_decisions_zeroed_each_tick(void **state)
{
	static const unsigned int busy[4] = {10, 10, 10, 10};
	struct fixture *f = *state;

	tick(f, busy);
	f->dbl->assign.recent[0] = 5;
	f->dbl->assign.recent[2] = 1;
	f->dbl->assign.normal[2] = 3; /* decisions themselves stay */
	tick(f, busy);
	assert_int_equal(f->dbl->assign.recent[0], 0);
	assert_int_equal(f->dbl->assign.recent[2], 0);
	assert_int_equal(f->dbl->assign.normal[2], 3);
}

static void queues_follow_the_online_set(void **state)
{
	static const unsigned int busy[4] = {10, 10, 10, 10};
	struct fixture *f = *state;
	unsigned int syncs;

	tick(f, busy);
	tick(f, busy);
	syncs = f->dbl->calls[DPD_SYNC_CORES];
	tick(f, busy);
	assert_int_equal(f->dbl->calls[DPD_SYNC_CORES], syncs); /* nothing changed: no sync */
	procfx_set_online(&f->proc, "0-1,3");
	tick(f, busy);
	assert_int_equal(f->dbl->calls[DPD_SYNC_CORES], syncs + 1);
	assert_false(f->dbl->cpumap_entry[2]);
	assert_true(f->dbl->cpumap_entry[3]);
	assert_false(f->dbl->core_table.cores[2].flags & VSX_CORE_ONLINE);
	procfx_set_online(&f->proc, "0-3");
	tick(f, busy);
	assert_true(f->dbl->cpumap_entry[2]);
}

static void capped_at_the_datapaths_cpus(void **state)
{
	static const unsigned int busy[4] = {10, 10, 10, 10};
	struct fixture *f = *state;

	f->dbl->caps.n_cpus = 2;
	tick(f, busy);
	tick(f, busy);
	assert_int_equal(f->dbl->core_table.n_cpus, 2);
	assert_int_equal(f->d.core_table.n_cpus, 2);
}

static void failed_write_changes_nothing(void **state)
{
	static const unsigned int busy[4] = {10, 10, 10, 10};
	static const unsigned int busier[4] = {50, 50, 50, 50};
	struct fixture *f = *state;
	struct vsx_core_table before;

	for (int i = 0; i < 5; i++)
		tick(f, busy);
	before = f->dbl->core_table;
	f->dbl->assign.recent[1] = 4;
	dpd_fail(f->dbl, DPD_SET_CORE_TABLE, -EIO, 0, 1);
	tick(f, busier);
	assert_memory_equal(&before, &f->dbl->core_table, sizeof(before));
	/* the decisions since the last written loads still count as recent */
	assert_int_equal(f->dbl->assign.recent[1], 4);
	tick(f, busier);
	assert_int_equal(f->dbl->assign.recent[1], 0);
	assert_true(f->dbl->core_table.cores[0].load > before.cores[0].load);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(table_written_into_the_datapath, setup, teardown),
	    cmocka_unit_test_setup_teardown(recent_decisions_zeroed_each_tick, setup, teardown),
	    cmocka_unit_test_setup_teardown(queues_follow_the_online_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(capped_at_the_datapaths_cpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(failed_write_changes_nothing, setup, teardown),
	};

	vsx_log_set_level(VSX_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
