// SPDX-License-Identifier: MIT
/*
 * The rebalancing planner (lib/rebalance.c), driven by a small host model: each core has a
 * base load (other work), each rule a load it carries to whichever core it is on, and the
 * core table's load is their sum, optionally smoothed as lib/core_load.c does (alpha 0.29
 * at 10 samples/s), so that a move shows in the loads the way it does on a host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rebalance.h"
#include <vsx/core_choice.h>

#define N_CORES 16
#define N_RULES 64

struct host {
	unsigned int n_cpus;
	double base[N_CORES];
	double load[N_CORES];
	bool pinned[N_CORES];
	bool offline[N_CORES];
	unsigned int n_rules; /* rule ids 1..n_rules */
	int core[N_RULES + 1];
	double rule_load[N_RULES + 1];
	bool prio[N_RULES + 1];
	bool smooth;
	bool measured; /* rules come with their measured share (share_known), as vsxd gives them */
	unsigned int samples;
	unsigned int total_moves;
	unsigned int recent_total; /* sum of recent[] the planner added */
};

static struct host h;
static struct vsx_core_table table;
static struct vsx_core_assign assign;
static struct vsx_rebalance *rb;
static struct vsx_rebalance_conf conf;
static struct vsx_rebalance_move moves[N_RULES];

static int setup(void **state)
{
	memset(&h, 0, sizeof(h));
	memset(&table, 0, sizeof(table));
	memset(&assign, 0, sizeof(assign));
	table.threshold = 80;
	conf = (struct vsx_rebalance_conf){.hold = 3, .margin = 20, .max_moves = 4, .cooldown = 10};
	return vsx_rebalance_new(&rb);
}

static int teardown(void **state)
{
	vsx_rebalance_free(rb);
	rb = NULL;
	return 0;
}

static void cores(unsigned int n, double base)
{
	h.n_cpus = n;
	for (unsigned int c = 0; c < n; c++)
		h.base[c] = base;
}

/* A decided rule on `core`, counted there as the datapath counts a decision. */
static unsigned int rule(int core, double load, bool prio)
{
	unsigned int id = ++h.n_rules;

	h.core[id] = core;
	h.rule_load[id] = load;
	h.prio[id] = prio;
	if (prio)
		assign.prio[core]++;
	else
		assign.normal[core]++;
	return id;
}

/* One load sample and one planning round; returns the number of moves (in moves[]). */
static int sample(void)
{
	struct vsx_rebalance_rule rules[N_RULES];
	double target[N_CORES] = {0};
	int n;

	for (unsigned int c = 0; c < h.n_cpus; c++)
		target[c] = h.base[c];
	for (unsigned int id = 1; id <= h.n_rules; id++)
		target[h.core[id]] += h.rule_load[id];
	table.n_cpus = h.n_cpus;
	for (unsigned int c = 0; c < h.n_cpus; c++) {
		double t = target[c] > 100 ? 100 : target[c];

		h.load[c] = h.smooth && h.samples ? h.load[c] + 0.29 * (t - h.load[c]) : t;
		table.cores[c].load = (__u8)(h.load[c] + 0.5);
		table.cores[c].flags =
		    (h.offline[c] ? 0 : VSX_CORE_ONLINE) | (h.pinned[c] ? VSX_CORE_PINNED : 0);
		table.cores[c].pinned_vm = h.pinned[c] ? 3 : 0;
	}
	memset(assign.recent, 0, sizeof(assign.recent));
	for (unsigned int id = 1; id <= h.n_rules; id++)
		rules[id - 1] = (struct vsx_rebalance_rule){
		    .rule_id = id,
		    .core = h.core[id],
		    .prio = h.prio[id],
		    .rate = (__u64)(h.rule_load[id] * 1000),
		    .share_known = h.measured,
		    .share = (__u32)(h.rule_load[id] + 0.5),
		};
	n = vsx_rebalance_plan(rb, &conf, &table, &assign, rules, h.n_rules, moves, N_RULES);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(moves[i].from, h.core[moves[i].rule_id]);
		assert_int_not_equal(moves[i].from, moves[i].to);
		h.core[moves[i].rule_id] = moves[i].to;
		if (getenv("RB_DEBUG")) {
			char w[128];
			vsx_rebalance_reason_format(&moves[i], w, sizeof(w));
			fprintf(stderr, "%u: rule %u %d->%d share %u: %s\n", h.samples,
				moves[i].rule_id, moves[i].from, moves[i].to, moves[i].share, w);
		}
	}
	h.samples++;
	h.total_moves += (unsigned int)n;
	h.recent_total += (unsigned int)n;
	return n;
}

static unsigned int count_on(int core, bool prio)
{
	unsigned int n = 0;

	for (unsigned int id = 1; id <= h.n_rules; id++)
		n += h.core[id] == core && h.prio[id] == prio;
	return n;
}

static void assert_counts_match(void)
{
	for (unsigned int c = 0; c < h.n_cpus; c++) {
		assert_int_equal(assign.normal[c], count_on((int)c, false));
		assert_int_equal(assign.prio[c], count_on((int)c, true));
	}
}

static void test_overload_moves_after_hold(void **state)
{
	char why[128];

	cores(2, 10);
	h.base[0] = 85; /* a load step on core 0, which carries the rule */
	unsigned int r = rule(0, 5, false);

	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].rule_id, r);
	assert_int_equal(moves[0].from, 0);
	assert_int_equal(moves[0].to, 1);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_OVERLOAD);
	assert_int_equal(assign.normal[0], 0);
	assert_int_equal(assign.normal[1], 1);
	assert_int_equal(assign.recent[1], 1);
	vsx_rebalance_reason_format(&moves[0], why, sizeof(why));
	assert_string_equal(why, "core 0 at 90% > threshold 80% for 3 samples");
	/* it stays: core 1 is fine */
	for (int i = 0; i < 30; i++)
		assert_int_equal(sample(), 0);
}

static void test_spike_moves_nothing(void **state)
{
	cores(2, 10);
	rule(0, 5, false);
	h.base[0] = 95;
	assert_int_equal(sample(), 0);
	h.base[0] = 10;
	for (int i = 0; i < 20; i++)
		assert_int_equal(sample(), 0);
	/* two samples over, then under: the streak restarts */
	h.base[0] = 95;
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	h.base[0] = 10;
	assert_int_equal(sample(), 0);
	h.base[0] = 95;
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 1);
}

static void test_priority_first(void **state)
{
	cores(3, 10);
	h.base[0] = 80;
	rule(0, 15, false);		   /* heavy normal */
	unsigned int p = rule(0, 1, true); /* light priority */
	conf.max_moves = 1;
	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].rule_id, p);
	assert_int_equal(moves[0].prio, 1);
	assert_int_equal(assign.prio[0], 0);
	assert_int_equal(assign.prio[moves[0].to], 1);
}

static void test_by_rate_within_class(void **state)
{
	cores(2, 10);
	h.base[0] = 70;
	rule(0, 2, false);
	unsigned int heavy = rule(0, 20, false);
	rule(0, 3, false);
	sample();
	sample();
	assert_int_equal(sample(), 1); /* the heavy one relieves core 0 to the threshold */
	assert_int_equal(moves[0].rule_id, heavy);
}

static void test_max_moves(void **state)
{
	cores(4, 10);
	for (int i = 0; i < 6; i++)
		rule(0, 1, false);
	h.pinned[0] = true;
	conf.max_moves = 2;
	sample();
	sample();
	assert_int_equal(sample(), 2); /* pinned: every rule must leave, two per round */
	assert_int_equal(sample(), 2);
	assert_int_equal(sample(), 2);
	assert_int_equal(sample(), 0);
	assert_int_equal(count_on(0, false), 0);
	assert_counts_match();
	/* the caller's max bounds too */
	assert_int_equal(vsx_rebalance_plan(rb, &conf, &table, &assign, NULL, 0, moves, 0), 0);
}

static void test_no_qualifying_core_no_move(void **state)
{
	cores(3, 90);
	rule(0, 5, false);
	rule(1, 5, true);
	h.pinned[2] = true;
	h.base[2] = 0;
	for (int i = 0; i < 50; i++)
		assert_int_equal(sample(), 0);
	assert_counts_match();
}

static void test_pinned_core_rules_leave(void **state)
{
	char why[128];

	cores(3, 10);
	unsigned int a = rule(0, 5, false), b = rule(0, 5, true);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sample(), 0);
	h.pinned[0] = true; /* a VM is pinned to core 0 now */
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 2);
	assert_int_equal(moves[0].rule_id, b); /* priority first */
	assert_int_equal(moves[1].rule_id, a);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_PINNED);
	assert_int_not_equal(h.core[a], 0);
	assert_int_not_equal(h.core[b], 0);
	/* the priority rule and the normal one take different cores (core_choice spreads) */
	assert_int_not_equal(h.core[a], h.core[b]);
	vsx_rebalance_reason_format(&moves[0], why, sizeof(why));
	assert_string_equal(why, "core 0 pinned by VM 3 for 3 samples");
	assert_counts_match();
}

/* A rule that just moved leaves again at once (after hold) when its new core gets pinned. */
static void test_pinned_overrides_cooldown(void **state)
{
	cores(3, 10);
	unsigned int r = rule(0, 5, false);

	h.pinned[0] = true;
	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(h.core[r], 1);
	h.pinned[1] = true; /* within its cooldown */
	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(h.core[r], 2);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_PINNED);
	assert_counts_match();
}

static void test_offline_core_rules_leave(void **state)
{
	char why[128];

	cores(2, 10);
	rule(1, 5, false);
	h.offline[1] = true;
	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].to, 0);
	vsx_rebalance_reason_format(&moves[0], why, sizeof(why));
	assert_string_equal(why, "core 1 offline for 3 samples");
}

static void test_freed_core_one_move(void **state)
{
	char why[128];

	cores(2, 0);
	h.base[1] = 10;
	rule(0, 30, false);
	rule(0, 30, false);
	/* core 0 at 60 with two rules, core 1 at 10: 50 points below for 3 samples */
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].to, 1);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_FREED);
	assert_int_equal(moves[0].share, 30);
	vsx_rebalance_reason_format(&moves[0], why, sizeof(why));
	assert_string_equal(why, "core 1 at 10% is 50 points below core 0 at 60% for 3 samples");
	/* 30 and 40 now: balanced within the margin, nothing more moves */
	for (int i = 0; i < 50; i++)
		assert_int_equal(sample(), 0);
	assert_counts_match();
}

static void test_freed_needs_two_rules(void **state)
{
	cores(2, 0);
	rule(0, 60, false);
	for (int i = 0; i < 20; i++)
		assert_int_equal(sample(), 0);
}

static void test_freed_share_guard(void **state)
{
	cores(2, 0);
	h.base[1] = 10;
	unsigned int heavy = rule(0, 65, false);
	unsigned int light = rule(0, 5, false);

	/* moving the heavy rule would put core 1 at 75, above core 0's 70: the light one goes */
	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].rule_id, light);
	assert_int_equal(h.core[heavy], 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(sample(), 0);
}

static void test_freed_heavy_only_no_move(void **state)
{
	cores(2, 0);
	h.base[1] = 10;
	rule(0, 65, false);
	rule(0, 0, false); /* idle: moving it changes no load */
	for (int i = 0; i < 30; i++)
		assert_int_equal(sample(), 0);
}

/*
 * A flow whose own load takes its core over the threshold: wherever it goes, that core is
 * overloaded. It moves once (its load is not known before), then stays.
 */
static void run_self_load(bool smooth)
{
	cores(2, 10);
	h.smooth = smooth;
	rule(0, 85, false);

	for (int i = 0; i < 300; i++)
		sample();
	assert_true(h.total_moves <= 1);
	/* the learned load is forgotten every 30 cooldowns: one more try each time, no more */
	for (int i = 300; i < 1300; i++)
		sample();
	assert_true(h.total_moves <= 1 + 1000 / (VSX_REBALANCE_SELF_LOAD_ROUNDS * 10) + 1);
	assert_counts_match();
}

static void test_self_load_no_ping_pong(void **state)
{
	run_self_load(false);
}

static void test_self_load_no_ping_pong_smoothed(void **state)
{
	run_self_load(true);
}

/*
 * Two such flows on two cores, and a third idle core: one round must not send both to the
 * idle core (the first move's estimated share makes it not qualify for the second); each
 * moves at most once until the learned loads are forgotten, and they end on two cores.
 */
static void test_self_load_three_cores(void **state)
{
	cores(3, 5);
	h.smooth = true;
	unsigned int a = rule(0, 85, false), b = rule(1, 85, false);

	for (int i = 0; i < 3; i++)
		sample();
	assert_int_equal(h.total_moves, 1);
	for (int i = 3; i < 300; i++)
		sample();
	assert_true(h.total_moves <= 2);
	assert_int_not_equal(h.core[a], h.core[b]);
	assert_counts_match();
}

static void test_cooldown_and_move_back(void **state)
{
	cores(2, 10);
	unsigned int r = rule(0, 5, false);

	h.base[0] = 90;
	sample();
	sample();
	assert_int_equal(sample(), 1); /* round 3: to core 1 */
	/* the load step ends, another starts on core 1 at once: the rule cools down */
	h.base[0] = 10;
	h.base[1] = 90;
	for (int i = 4; i <= 12; i++)
		assert_int_equal(sample(), 0);
	/*
	 * Round 13: out of its cooldown. The load that moved with it at once looks like its own
	 * (min(rise, drop) = 85): the rule stays, rather than risk a ping-pong...
	 */
	for (int i = 13; i <= 40; i++)
		assert_int_equal(sample(), 0);
	assert_int_equal(h.core[r], 1);
}

static void test_move_back_needs_longer(void **state)
{
	cores(2, 10);
	unsigned int r = rule(0, 5, false);

	h.base[0] = 90;
	sample();
	sample();
	assert_int_equal(sample(), 1); /* round 3: to core 1 */
	h.base[0] = 10;
	for (int i = 4; i <= 20; i++)
		assert_int_equal(sample(), 0); /* self load learned at round 13: 5 */
	h.base[1] = 90;
	/* back to the core it left needs 2 * hold = 6 samples, not 3 */
	for (int i = 21; i <= 25; i++)
		assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].samples, 6);
	assert_int_equal(h.core[r], 0);
}

/*
 * Balance (conf.balance): core 0 at 50 with rules of 30, 10 and 10, three cores at 20, mean
 * 28 (level 29 at 5 %). Both 10s go in one round (after hold), each to the least loaded
 * core; the 30 does not fit anywhere below core 0's load. Then nothing moves: every core
 * is at the level or no share fits.
 */
static void test_balance_above_mean(void **state)
{
	char why[160];

	conf.balance = 5;
	conf.margin = 100; /* no freed moves: this is the balance rule alone */
	cores(4, 20);
	h.base[0] = 0;
	unsigned int big = rule(0, 30, false);
	unsigned int a = rule(0, 10, false), b = rule(0, 10, false);

	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 0);
	assert_int_equal(sample(), 2);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_BALANCE);
	assert_int_equal(moves[1].reason, VSX_REBALANCE_BALANCE);
	assert_int_equal(moves[0].share, 10);
	assert_int_equal(h.core[big], 0);
	assert_int_not_equal(h.core[a], 0);
	assert_int_not_equal(h.core[b], 0);
	assert_int_not_equal(h.core[a], h.core[b]); /* the first move raised its target */
	vsx_rebalance_reason_format(&moves[0], why, sizeof(why));
	assert_string_equal(why, "core 0 at 50% is above the mean 28% by more than 5% for 3 "
				 "samples, core 1 at 20%");
	for (int i = 0; i < 50; i++)
		assert_int_equal(sample(), 0);
	assert_counts_match();
}

/* The same host with the balance rule off (and no freed move): nothing moves. */
static void test_balance_off(void **state)
{
	conf.balance = 0;
	conf.margin = 100;
	cores(4, 20);
	h.base[0] = 0;
	rule(0, 30, false);
	rule(0, 10, false);
	rule(0, 10, false);
	for (int i = 0; i < 30; i++)
		assert_int_equal(sample(), 0);
}

/*
 * Two equal cores and a small imbalance: no move that cannot gain VSX_REBALANCE_MIN_GAIN,
 * and no ping-pong of a rule between two cores (each move must lower the pair's maximum).
 */
static void test_balance_no_ping_pong(void **state)
{
	conf.balance = 5;
	conf.margin = 100;
	cores(2, 0);
	h.smooth = true;
	rule(0, 20, false);
	rule(0, 20, false);
	rule(1, 15, false);
	rule(1, 10, false);
	for (int i = 0; i < 300; i++)
		sample();
	/* 40 / 25: one 20 may go over (20 / 45 is no better: it does not); at most one move */
	assert_true(h.total_moves <= 1);
	assert_counts_match();
}

/*
 * Overload: a normal rule does not go to the prio-free core the choice ranks first when
 * its share would take that core above the threshold; it goes to a core where it fits,
 * even one with priority work. Core 0 at 65 (base 50, rules 10 and 5, threshold 50), core
 * 1 prio-free at 45, core 2 at 20 with a priority rule: the 10 to core 2, the 5 to core 1.
 */
static void test_overload_target_fits(void **state)
{
	table.threshold = 50;
	cores(3, 0);
	h.base[0] = 50;
	h.base[1] = 45;
	unsigned int ten = rule(0, 10, false), five = rule(0, 5, false);

	rule(2, 20, true);
	sample();
	sample();
	assert_int_equal(sample(), 2);
	assert_int_equal(h.core[ten], 2);
	assert_int_equal(h.core[five], 1);
	for (int i = 0; i < 50; i++)
		assert_int_equal(sample(), 0);
	assert_counts_match();
}

/*
 * No core qualifies: a rule still moves off an overloaded core to a less loaded one where
 * it ends VSX_REBALANCE_MIN_GAIN below the source (core 0 at 90, core 1 at 55, threshold
 * 50): the 10 (estimated 30: its rate's part of core 0) fits, the 20 (60) does not. Once
 * only; core 1 then holds a rule above the threshold too, and neither move back gains.
 */
static void test_overload_to_less_loaded_core(void **state)
{
	table.threshold = 50;
	cores(3, 0);
	h.base[0] = 60;
	h.base[1] = 55;
	h.pinned[2] = true;
	unsigned int twenty = rule(0, 20, false), ten = rule(0, 10, false);

	sample();
	sample();
	assert_int_equal(sample(), 1);
	assert_int_equal(moves[0].rule_id, ten);
	assert_int_equal(moves[0].to, 1);
	assert_int_equal(moves[0].reason, VSX_REBALANCE_OVERLOAD);
	for (int i = 0; i < 100; i++)
		assert_int_equal(sample(), 0);
	assert_int_equal(h.core[twenty], 0);
	assert_counts_match();
}

/*
 * An overloaded core whose load shows the moves off it only gradually (smoothed) is not
 * emptied further meanwhile: 6 rules of 12 (72, threshold 50), two moves bring it to 48;
 * the rules that left count as relief while they cool down, so no third one follows.
 */
static void test_overload_pending_relief(void **state)
{
	table.threshold = 50;
	conf.margin = 100; /* the overload rule alone */
	cores(4, 0);
	h.smooth = true;
	for (int i = 0; i < 6; i++)
		rule(0, 12, false);
	for (int i = 0; i < 200; i++)
		sample();
	assert_int_equal(count_on(0, false), 4);
	assert_int_equal(h.total_moves, 2);
	assert_counts_match();
}

/*
 * The lab's load step: core 0 carries the interrupt's own work (no rules), core 1 four light
 * rules; then a CPU hog takes core 1. The rules' own work is small, so all of them must leave
 * in the first round that may move: with shares estimated from rates the interrupt core's
 * load per packet makes each rule look heavy, and they leave one per cooldown.
 */
static unsigned int load_step_rounds(bool measured)
{
	unsigned int first = 0;

	table.threshold = 50;
	cores(2, 0);
	h.base[0] = 40;
	h.measured = measured;
	for (int i = 0; i < 4; i++)
		rule(1, 3, false);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sample(), 0);
	h.base[1] = 100;
	for (unsigned int i = 1; i <= 60 && count_on(1, false); i++)
		if (sample() && !first)
			first = i;
	assert_int_equal(first, conf.hold);
	assert_int_equal(count_on(1, false), 0);
	assert_counts_match();
	return h.samples;
}

static void test_overload_measured_shares_leave_at_once(void **state)
{
	unsigned int done = load_step_rounds(true);

	/* every rule left in the round the hold allowed */
	assert_int_equal(done, 5 + conf.hold);
}

static void test_overload_estimated_shares_leave_slowly(void **state)
{
	/* the estimate's behaviour (bench/rebalance's load step), so a change to it shows here */
	assert_true(load_step_rounds(false) > 5 + conf.hold);
}

static void run_random(unsigned int balance)
{
	unsigned int seed = 12345;

	conf.balance = balance;

	cores(8, 0);
	h.smooth = true;
	for (int i = 0; i < 40; i++)
		rule(rand_r(&seed) % 8, rand_r(&seed) % 20, rand_r(&seed) % 4 == 0);
	for (int round = 0; round < 2000; round++) {
		if (round % 50 == 0) {
			for (unsigned int c = 0; c < 8; c++) {
				h.base[c] = rand_r(&seed) % 100;
				h.pinned[c] = rand_r(&seed) % 8 == 0;
			}
		}
		int n = sample();
		unsigned int recent = 0;

		assert_true(n <= (int)conf.max_moves);
		for (unsigned int c = 0; c < 8; c++)
			recent += assign.recent[c];
		assert_int_equal(recent, n);
		for (int i = 0; i < n; i++) {
			const struct vsx_core *to = &table.cores[moves[i].to];

			/* a qualifying core, or off an overloaded core to a less loaded one */
			if (!vsx_core_qualifies(&table, (__u32)moves[i].to)) {
				assert_int_equal(moves[i].reason, VSX_REBALANCE_OVERLOAD);
				assert_int_equal(to->flags, VSX_CORE_ONLINE);
				assert_true(to->load + VSX_REBALANCE_MIN_GAIN <=
					    table.cores[moves[i].from].load);
			}
		}
		assert_counts_match();
	}
	/* something happened at all */
	assert_true(h.total_moves > 0);
}

static void test_random_counts_consistent(void **state)
{
	run_random(0);
}

static void test_random_counts_consistent_balance(void **state)
{
	run_random(VSX_REBALANCE_DEFAULT_BALANCE);
}

static void test_bad_arguments(void **state)
{
	struct vsx_rebalance_rule r[3] = {
	    {.rule_id = 1, .core = 0, .rate = 1},
	    {.rule_id = 1, .core = 0, .rate = 1},	      /* listed twice */
	    {.rule_id = VSX_MAX_RULES, .core = 0, .rate = 1}, /* id out of range */
	};
	struct vsx_rebalance_conf zero = conf;

	cores(2, 10);
	sample();
	zero.hold = 0;
	assert_int_equal(vsx_rebalance_plan(rb, &zero, &table, &assign, r, 3, moves, 4), -EINVAL);
	zero = conf;
	zero.cooldown = 0;
	assert_int_equal(vsx_rebalance_plan(rb, &zero, &table, &assign, r, 3, moves, 4), -EINVAL);
	assert_int_equal(vsx_rebalance_plan(NULL, &conf, &table, &assign, r, 3, moves, 4), -EINVAL);
	assert_int_equal(vsx_rebalance_plan(rb, &conf, &table, &assign, NULL, 3, moves, 4),
			 -EINVAL);
	/* core 0 pinned: rule 1 must leave; the duplicate and the bad id are ignored */
	table.cores[0].flags |= VSX_CORE_PINNED;
	assign.normal[0] = 1;
	for (int i = 0; i < 2; i++)
		assert_int_equal(vsx_rebalance_plan(rb, &conf, &table, &assign, r, 3, moves, 4), 0);
	assert_int_equal(vsx_rebalance_plan(rb, &conf, &table, &assign, r, 3, moves, 4), 1);
	assert_int_equal(assign.normal[0], 0);
	assert_int_equal(assign.normal[1], 1);
	/* core out of range */
	r[0].core = 5;
	assert_int_equal(vsx_rebalance_plan(rb, &conf, &table, &assign, r, 1, moves, 4), 0);
}

static void test_flowlet_jiffies(void **state)
{
	/* 15 ms at HZ=250 is 3.75 ticks: 4, plus one; a 5-tick difference is more than 16 ms */
	assert_int_equal(vsx_flowlet_jiffies(15, 250), 5);
	assert_int_equal(vsx_flowlet_jiffies(16, 250), 5); /* exactly 4 ticks */
	assert_int_equal(vsx_flowlet_jiffies(17, 250), 6);
	assert_int_equal(vsx_flowlet_jiffies(15, 1000), 16);
	assert_int_equal(vsx_flowlet_jiffies(15, 100), 3);
	assert_int_equal(vsx_flowlet_jiffies(15, 300), 6);
	assert_int_equal(vsx_flowlet_jiffies(1, 250), 2);
	assert_int_equal(vsx_flowlet_jiffies(15, 0), 0);
	/* the guarantee: J - 1 ticks are at least gap_ms, for every HZ Linux allows */
	static const unsigned int hzs[] = {100, 250, 300, 1000};
	for (size_t i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++)
		for (unsigned int ms = 1; ms <= 1000; ms++)
			assert_true((vsx_flowlet_jiffies(ms, hzs[i]) - 1) * 1000 >= ms * hzs[i]);
}

static void test_conf_default(void **state)
{
	struct vsx_rebalance_conf c;

	vsx_rebalance_conf_default(&c, 100);
	assert_int_equal(c.hold, VSX_REBALANCE_DEFAULT_HOLD);
	assert_int_equal(c.margin, VSX_REBALANCE_DEFAULT_MARGIN);
	assert_int_equal(c.max_moves, VSX_REBALANCE_DEFAULT_MAX_MOVES);
	assert_int_equal(c.balance, VSX_REBALANCE_DEFAULT_BALANCE);
	assert_int_equal(c.cooldown, 10);
	vsx_rebalance_conf_default(&c, 30);
	assert_int_equal(c.cooldown, 34);
	assert_string_equal(vsx_rebalance_reason_name(VSX_REBALANCE_FREED), "freed");
	assert_string_equal(vsx_rebalance_reason_name(VSX_REBALANCE_BALANCE), "balance");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_overload_moves_after_hold),
	    T(test_spike_moves_nothing),
	    T(test_priority_first),
	    T(test_by_rate_within_class),
	    T(test_max_moves),
	    T(test_no_qualifying_core_no_move),
	    T(test_pinned_core_rules_leave),
	    T(test_pinned_overrides_cooldown),
	    T(test_offline_core_rules_leave),
	    T(test_freed_core_one_move),
	    T(test_freed_needs_two_rules),
	    T(test_freed_share_guard),
	    T(test_freed_heavy_only_no_move),
	    T(test_self_load_no_ping_pong),
	    T(test_self_load_no_ping_pong_smoothed),
	    T(test_self_load_three_cores),
	    T(test_cooldown_and_move_back),
	    T(test_move_back_needs_longer),
	    T(test_balance_above_mean),
	    T(test_balance_off),
	    T(test_balance_no_ping_pong),
	    T(test_overload_target_fits),
	    T(test_overload_to_less_loaded_core),
	    T(test_overload_pending_relief),
	    T(test_overload_measured_shares_leave_at_once),
	    T(test_overload_estimated_shares_leave_slowly),
	    T(test_random_counts_consistent),
	    T(test_random_counts_consistent_balance),
	    T(test_bad_arguments),
	    T(test_flowlet_jiffies),
	    T(test_conf_default),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
