// SPDX-License-Identifier: MIT
/*
 * vsxd's side of live rebalancing (vsxd/rebalance.c) on the datapath double, driven by the
 * load ticks of vsxd/cores.c over a fake /proc: decided irq:auto rules on a core that stays
 * overloaded move (their state and the assignment counts in the datapath, vsxd's move
 * counts), and only then: not before the hold, not with rebalancing off, not outside mode
 * vsx, not when the datapath refuses the new state (nothing half-applied). The flowlet gap
 * reaches the datapath at init.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../vsxd/cores.h"
#include "../../vsxd/vsxd.h"
#include "../lib/dp_double.h"
#include "../lib/proc_fixture.h"
#include "jiffies.h"
#include "log.h"
#include "rebalance.h"
#include "rule_text.h"

struct fixture {
	char dir[64];
	struct procfx proc;
	struct vsx_dp_double *dbl;
	struct vsxd d;
	__u32 id[2]; /* two irq:auto rules, decided onto core 1 */
};

static int start(struct fixture *f, const char *extra)
{
	char text[512], err[256];

	vsxd_conf_init(&f->d.conf);
	snprintf(text, sizeof(text),
		 "uplink eth0\nthreshold 60\nsample-interval 100ms\nsocket %s/vsxd.sock\n%s",
		 f->dir, extra);
	if (vsxd_conf_parse_string(text, "vsxd.conf", &f->d.conf, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->d.dpp = f->dbl->dp;
	if (vsxd_cores_init_at(&f->d, f->proc.root) || vsxd_rebalance_init(&f->d) ||
	    vsxd_rules_init(&f->d))
		return -1;
	return 0;
}

static int setup_with(void **state, const char *extra)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *rules[2] = {"udp,tp_dst=5001 actions=irq:auto",
				"udp,tp_dst=5002 actions=irq:auto"};

	if (!f || procfx_init(&f->proc, 4))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vsxd-rb-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dbl = dpd_new(4, 16, 0);
	if (!f->dbl || start(f, extra))
		return -1;
	f->dbl->cfg.mode = VSX_MODE_VSX;
	for (int i = 0; i < 2; i++) {
		struct vsx_flow_mod_result res;
		struct vsx_flow_mod fm;
		struct vsx_rule r;
		char err[256];

		if (vsx_rule_parse(rules[i], &r, err, sizeof(err)))
			return -1;
		vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
		if (vsxd_rules_apply(&f->d, &fm, &res, err, sizeof(err)))
			return -1;
		f->id[i] = res.id;
		if (!dpd_decide(f->dbl, res.id, 1, false))
			return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "rebalance on\nrebalance-hold 3\n");
}

static int setup_off(void **state)
{
	return setup_with(state, "rebalance off\n");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	vsxd_rules_free(&f->d);
	vsxd_rebalance_free(&f->d);
	vsxd_cores_free(&f->d);
	vsxd_conf_free(&f->d.conf);
	dpd_free(f->dbl);
	procfx_free(&f->proc);
	snprintf(path, sizeof(path), "%s/vsxd.sock.state", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* 100 ms: core 1 at busy1 percent, the others at 10; the rules' traffic on core 1. */
static void tick(struct fixture *f, unsigned int busy1)
{
	for (unsigned int c = 0; c < 4; c++)
		procfx_advance(&f->proc, c, 10, c == 1 ? busy1 : 10);
	assert_int_equal(procfx_write(&f->proc), 0);
	for (int i = 0; i < 2; i++)
		if (f->dbl->state[f->id[i]].core == 1)
			dpd_traffic(f->dbl, VSX_DIR_INGRESS, f->id[i], 1, 10000, 10000 * 1000);
	vsxd_cores_tick(&f->d);
}

static unsigned int on_core1(const struct fixture *f)
{
	return (f->dbl->state[f->id[0]].core == 1) + (f->dbl->state[f->id[1]].core == 1);
}

static __u64 moves(const struct fixture *f)
{
	const __u64 *in, *out;
	__u64 total;

	vsxd_rebalance_counts(&f->d, &total, &in, &out);
	return total;
}

/* Loads settle (the first samples measure nothing, smoothing follows a step in ~1 s). */
static void settle(struct fixture *f, unsigned int busy1, int ticks)
{
	for (int i = 0; i < ticks; i++)
		tick(f, busy1);
}

static void overloaded_core_sheds_rules(void **state)
{
	struct fixture *f = *state;
	const __u64 *in, *out;
	__u64 total;
	int n = 0;

	/* the flowlet gap went to the datapath at init (0 only when HZ cannot be measured) */
	if (vsx_hz())
		assert_int_equal(f->dbl->cfg.flowlet_jiffies, vsx_flowlet_jiffies(15, vsx_hz()));
	settle(f, 20, 15);
	assert_int_equal(on_core1(f), 2); /* core 1 is fine: nothing moves */
	assert_int_equal(moves(f), 0);
	/* core 1 overloaded: within a few samples past the hold, a rule moves off it */
	while (on_core1(f) == 2 && n < 30) {
		tick(f, 98);
		n++;
	}
	assert_true(on_core1(f) < 2);
	for (int i = 0; i < 2; i++) {
		int core = f->dbl->state[f->id[i]].core;

		if (core == 1)
			continue;
		assert_true(core == 0 || core == 2 || core == 3);
		/* the counts moved with it: off core 1, onto the target, recent there */
		assert_int_equal(f->dbl->assign.normal[core], 1);
	}
	assert_int_equal(f->dbl->assign.normal[1], on_core1(f));
	vsxd_rebalance_counts(&f->d, &total, &in, &out);
	assert_int_equal(total, 2 - on_core1(f));
	assert_int_equal(out[1], total);
}

static void nothing_moves_outside_mode_vsx(void **state)
{
	struct fixture *f = *state;

	f->dbl->cfg.mode = VSX_MODE_RSS;
	settle(f, 98, 30);
	assert_int_equal(on_core1(f), 2);
	assert_int_equal(moves(f), 0);
	assert_int_equal(f->dbl->assign.normal[1], 2);
}

static void nothing_moves_with_rebalancing_off(void **state)
{
	struct fixture *f = *state;

	settle(f, 98, 30);
	assert_int_equal(on_core1(f), 2);
	assert_int_equal(moves(f), 0);
	assert_int_equal(f->dbl->calls[DPD_SET_RULE_STATE], 0);
}

static void refused_move_changes_nothing(void **state)
{
	struct fixture *f = *state;
	unsigned int sets;

	settle(f, 20, 15);
	dpd_fail(f->dbl, DPD_SET_RULE_STATE, -EIO, 0, 0); /* every move refused */
	sets = f->dbl->calls[DPD_SET_RULE_STATE];
	settle(f, 98, 30);
	assert_true(f->dbl->calls[DPD_SET_RULE_STATE] > sets); /* it did try */
	assert_int_equal(on_core1(f), 2);
	assert_int_equal(f->dbl->assign.normal[1], 2);
	assert_int_equal(
	    f->dbl->assign.normal[0] + f->dbl->assign.normal[2] + f->dbl->assign.normal[3], 0);
	assert_int_equal(moves(f), 0);
	/* the datapath takes states again: the moves happen */
	dpd_fail_clear(f->dbl);
	settle(f, 98, 30);
	assert_true(on_core1(f) < 2);
	assert_true(moves(f) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(overloaded_core_sheds_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(nothing_moves_outside_mode_vsx, setup, teardown),
	    cmocka_unit_test_setup_teardown(nothing_moves_with_rebalancing_off, setup_off,
					    teardown),
	    cmocka_unit_test_setup_teardown(refused_move_changes_nothing, setup, teardown),
	};

	vsx_log_set_level(VSX_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
