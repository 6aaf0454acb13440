// SPDX-License-Identifier: MIT
/*
 * The rebalancing planner (lib/rebalance.h has the policy; docs/rebalancing.md the why).
 * State: per core, how many consecutive samples each condition has held; per rule id, where
 * the planner last put the rule, the core it left and when, and its self load once known.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance.h"
#include <vsx/core_choice.h>
#include <vsx/limits.h>

struct rule_hist {
	__s32 core;	 /* where the rule was last seen; another core means it was re-decided */
	__s32 left;	 /* the core its last move left, VSX_CORE_NONE if none */
	__u64 moved_at;	 /* round of its last move, 0: never moved */
	__u8 from_load0; /* loads of the two cores at that move */
	__u8 to_load0;
	__u8 share0; /* its estimated share then */
	/*
	 * Whether the loads of the two cores can show this rule's weight: no other move touched
	 * the core within a cooldown before this move (its load was still settling), and the
	 * core's move count at this move, to see whether one touched it since.
	 */
	bool from_settled, to_settled;
	__u64 from_touches0, to_touches0;
	__s16 self_load;  /* percent points the rule carries with it, -1 while unknown */
	__u64 rate0;	  /* its rate when self_load was learned */
	__u64 learned_at; /* round self_load was learned */
	__u64 seen_round; /* last round it was listed: a rule listed twice is ignored */
};

struct vsx_rebalance {
	__u64 round;
	unsigned int over[VSX_MAX_CPUS];  /* samples the core did not qualify while holding rules */
	unsigned int freed[VSX_MAX_CPUS]; /* samples a qualifying core was margin below it */
	struct rule_hist hist[VSX_MAX_RULES];
	/* per round */
	unsigned int n_rules[VSX_MAX_CPUS];
	__u64 sum_rate[VSX_MAX_CPUS];
	unsigned int relief[VSX_MAX_CPUS]; /* estimated load moved off the core this round */
	const struct vsx_rebalance_rule *valid[VSX_MAX_RULES]; /* listed once, core in range */
	const struct vsx_rebalance_rule *cand[VSX_MAX_RULES];  /* overload candidates, sorted */
	/*
	 * The table as the planner expects it after this round's moves so far: a target's load
	 * is raised by the share it receives, so that the next move sees it (the choice's
	 * recent[] term is a guess for flows of unknown weight; here the weight is estimated).
	 * Sources are not lowered: an estimate that was too high must not invite load back.
	 * The same holds across rounds while moved rules cool down: the smoothed load shows a
	 * move only gradually, so a core that just received rules counts as at least its load
	 * then plus their shares.
	 */
	struct vsx_core_table est;
	unsigned int floor_base[VSX_MAX_CPUS], floor_sum[VSX_MAX_CPUS];
	/* moves into or out of each core so far, and the round of the latest */
	__u64 touches[VSX_MAX_CPUS];
	__u64 touched_at[VSX_MAX_CPUS];
};

void vsx_rebalance_conf_default(struct vsx_rebalance_conf *conf, unsigned int sample_ms)
{
	if (!sample_ms)
		sample_ms = 100;
	conf->hold = VSX_REBALANCE_DEFAULT_HOLD;
	conf->margin = VSX_REBALANCE_DEFAULT_MARGIN;
	conf->max_moves = VSX_REBALANCE_DEFAULT_MAX_MOVES;
	conf->cooldown = (VSX_REBALANCE_COOLDOWN_MS + sample_ms - 1) / sample_ms;
}

static void hist_reset(struct rule_hist *h, __s32 core)
{
	h->core = core;
	h->left = VSX_CORE_NONE;
	h->moved_at = 0;
	h->self_load = -1;
}

int vsx_rebalance_new(struct vsx_rebalance **out)
{
	struct vsx_rebalance *rb = calloc(1, sizeof(*rb));

	*out = rb;
	if (!rb)
		return -ENOMEM;
	for (size_t i = 0; i < VSX_MAX_RULES; i++)
		hist_reset(&rb->hist[i], VSX_CORE_NONE);
	return 0;
}

void vsx_rebalance_free(struct vsx_rebalance *rb)
{
	free(rb);
}

void vsx_rebalance_forget(struct vsx_rebalance *rb, __u32 rule_id)
{
	if (rb && rule_id < VSX_MAX_RULES)
		hist_reset(&rb->hist[rule_id], VSX_CORE_NONE);
}

unsigned int vsx_flowlet_jiffies(unsigned int gap_ms, unsigned int hz)
{
	if (!hz)
		return 0;
	return (unsigned int)(((unsigned long long)gap_ms * hz + 999) / 1000) + 1;
}

const char *vsx_rebalance_reason_name(enum vsx_rebalance_reason reason)
{
	switch (reason) {
	case VSX_REBALANCE_OVERLOAD:
		return "overload";
	case VSX_REBALANCE_PINNED:
		return "pinned";
	case VSX_REBALANCE_OFFLINE:
		return "offline";
	case VSX_REBALANCE_FREED:
		return "freed";
	}
	return "?";
}

int vsx_rebalance_reason_format(const struct vsx_rebalance_move *m, char *buf, size_t len)
{
	switch (m->reason) {
	case VSX_REBALANCE_OVERLOAD:
		return snprintf(buf, len, "core %d at %u%% > threshold %u%% for %u samples",
				m->from, m->from_load, m->threshold, m->samples);
	case VSX_REBALANCE_PINNED:
		return snprintf(buf, len, "core %d pinned by VM %u for %u samples", m->from,
				m->pinned_vm, m->samples);
	case VSX_REBALANCE_OFFLINE:
		return snprintf(buf, len, "core %d offline for %u samples", m->from, m->samples);
	case VSX_REBALANCE_FREED:
		return snprintf(buf, len,
				"core %d at %u%% is %u points below core %d at %u%% for %u samples",
				m->to, m->to_load, (unsigned int)(m->from_load - m->to_load),
				m->from, m->from_load, m->samples);
	}
	return snprintf(buf, len, "?");
}

static unsigned int load_of(const struct vsx_core_table *t, int cpu)
{
	return t->cores[cpu].load;
}

/* What the choice ranks the core by: the sampled load plus the recent decisions' estimate. */
static unsigned int eload_of(const struct vsx_core_table *t, const struct vsx_core_assign *a,
			     int cpu)
{
	unsigned long long e =
	    load_of(t, cpu) + (unsigned long long)a->recent[cpu] * t->decision_load;

	return e > 255 ? 255 : (unsigned int)e;
}

static enum vsx_rebalance_reason unfit_reason(const struct vsx_core_table *t, int cpu)
{
	__u8 flags = t->cores[cpu].flags;

	if (!(flags & VSX_CORE_ONLINE))
		return VSX_REBALANCE_OFFLINE;
	if (flags & VSX_CORE_PINNED)
		return VSX_REBALANCE_PINNED;
	return VSX_REBALANCE_OVERLOAD;
}

/* A learned self load, scaled to the rule's rate now (its load follows its packets). */
static int self_load_now(const struct rule_hist *h, const struct vsx_rebalance_rule *r)
{
	__u64 est;

	if (h->self_load < 0 || !h->rate0)
		return h->self_load;
	est = ((__u64)h->self_load * r->rate + h->rate0 / 2) / h->rate0;
	return est > 100 ? 100 : (int)est;
}

/* The rule's estimated share of its core's load, percent points. */
static unsigned int share_of(const struct vsx_rebalance *rb, const struct vsx_core_table *t,
			     const struct vsx_rebalance_rule *r)
{
	const struct rule_hist *h = &rb->hist[r->rule_id];
	__u64 sum = rb->sum_rate[r->core];
	int self = self_load_now(h, r);

	if (self >= 0)
		return (unsigned int)self;
	if (!sum)
		return 0;
	/* rate <= sum, so this is at most the core's load */
	return (unsigned int)((load_of(t, r->core) * r->rate + sum / 2) / sum);
}

static __u32 *class_count(struct vsx_core_assign *a, const struct vsx_rebalance_rule *r, int cpu)
{
	return r->prio ? &a->prio[cpu] : &a->normal[cpu];
}

/*
 * The core vsx_choose_core() gives the rule once its own count has left its core, as for a
 * new decision; the count is put back (apply_move() moves it for good).
 */
static int choose_target(const struct vsx_core_table *t, struct vsx_core_assign *a,
			 const struct vsx_rebalance_rule *r)
{
	__u32 *own = class_count(a, r, r->core);
	__u32 saved = *own;
	int to;

	if (*own)
		(*own)--;
	to = vsx_choose_core(t, a, r->prio ? 1 : 0, (__u32)r->core);
	*own = saved;
	return to;
}

/* t: the sampled table, for the record; the estimate rb->est gets the share. */
static void apply_move(struct vsx_rebalance *rb, const struct vsx_core_table *t,
		       struct vsx_core_assign *a, const struct vsx_rebalance_rule *r, int to,
		       enum vsx_rebalance_reason reason, unsigned int samples, unsigned int share,
		       unsigned int cooldown, struct vsx_rebalance_move *m)
{
	struct rule_hist *h = &rb->hist[r->rule_id];
	__u32 *from_count = class_count(a, r, r->core);
	unsigned int raised = rb->est.cores[to].load + share;

	if (*from_count)
		(*from_count)--;
	(*class_count(a, r, to))++;
	a->recent[to]++;

	*m = (struct vsx_rebalance_move){
	    .rule_id = r->rule_id,
	    .from = r->core,
	    .to = to,
	    .prio = r->prio,
	    .reason = reason,
	    .samples = samples,
	    .from_load = t->cores[r->core].load,
	    .to_load = t->cores[to].load,
	    .threshold = t->threshold,
	    .share = share > 255 ? 255 : (__u8)share,
	    .pinned_vm = reason == VSX_REBALANCE_PINNED ? t->cores[r->core].pinned_vm : 0,
	};
	h->left = r->core;
	h->core = to;
	h->moved_at = rb->round;
	h->from_load0 = t->cores[r->core].load;
	h->to_load0 = t->cores[to].load;
	h->share0 = m->share;
	h->from_settled =
	    !rb->touched_at[r->core] || rb->round - rb->touched_at[r->core] >= cooldown;
	h->to_settled = !rb->touched_at[to] || rb->round - rb->touched_at[to] >= cooldown;
	h->from_touches0 = ++rb->touches[r->core];
	h->to_touches0 = ++rb->touches[to];
	rb->touched_at[r->core] = rb->touched_at[to] = rb->round;
	h->self_load = -1;
	rb->relief[r->core] += share;
	rb->est.cores[to].load = (__u8)(raised > 100 ? 100 : raised);
}

static bool cooling(const struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
		    const struct vsx_rebalance_rule *r)
{
	const struct rule_hist *h = &rb->hist[r->rule_id];

	return h->moved_at && rb->round - h->moved_at < conf->cooldown;
}

static int must_leave(const struct vsx_core_table *t, int cpu)
{
	return unfit_reason(t, cpu) != VSX_REBALANCE_OVERLOAD;
}

/* Overload candidates: priority rules first, then those on cores they must leave, then by rate. */
static int cmp_overload(const void *x, const void *y, void *table)
{
	const struct vsx_rebalance_rule *a = *(const struct vsx_rebalance_rule *const *)x;
	const struct vsx_rebalance_rule *b = *(const struct vsx_rebalance_rule *const *)y;
	int la = must_leave(table, a->core), lb = must_leave(table, b->core);

	if (!!a->prio != !!b->prio)
		return a->prio ? -1 : 1;
	if (la != lb)
		return la ? -1 : 1;
	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	return a->rule_id < b->rule_id ? -1 : a->rule_id > b->rule_id;
}

/* Rules on cores that have not qualified for `hold` samples leave them. */
static size_t plan_overload(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			    const struct vsx_core_table *t, struct vsx_core_assign *a,
			    size_t n_valid, struct vsx_rebalance_move *moves, size_t budget)
{
	const struct vsx_rebalance_rule **cand = rb->cand;
	bool moved_off[VSX_MAX_CPUS] = {false};
	size_t n_cand = 0, n_moves = 0;

	for (size_t i = 0; i < n_valid; i++) {
		const struct vsx_rebalance_rule *r = rb->valid[i];

		/* the cooldown is against flapping on load; a pinned or offline core is no choice
		 */
		if (rb->over[r->core] >= conf->hold &&
		    (!cooling(rb, conf, r) || must_leave(t, r->core)))
			cand[n_cand++] = r;
	}
	qsort_r(cand, n_cand, sizeof(*cand), cmp_overload, (void *)t);
	for (size_t i = 0; i < n_cand && n_moves < budget; i++) {
		const struct vsx_rebalance_rule *r = cand[i];
		const struct rule_hist *h = &rb->hist[r->rule_id];
		enum vsx_rebalance_reason reason = unfit_reason(t, r->core);
		unsigned int share = share_of(rb, t, r), samples = rb->over[r->core];
		int to, self = self_load_now(h, r);

		/* An overloaded core is relieved once what left it brings it to the threshold. */
		if (reason == VSX_REBALANCE_OVERLOAD && rb->relief[r->core] &&
		    load_of(t, r->core) <= t->threshold + rb->relief[r->core])
			continue;
		to = choose_target(&rb->est, a, r);
		if (to == VSX_CORE_NONE)
			break; /* qualifying does not depend on the class: none qualifies */
		if (to == r->core)
			continue;
		if (to == h->left && samples < 2 * conf->hold)
			continue;
		/* A rule that carries its load with it would only move the overload. */
		if (reason == VSX_REBALANCE_OVERLOAD && self >= 0 &&
		    eload_of(&rb->est, a, to) + (unsigned int)self > t->threshold)
			continue;
		apply_move(rb, t, a, r, to, reason, samples, share, conf->cooldown,
			   &moves[n_moves++]);
		moved_off[r->core] = true;
	}
	/* The streak restarts on a core relieved by a move (its load follows with a lag). */
	for (size_t i = 0; i < n_cand; i++) {
		int c = cand[i]->core;

		if (moved_off[c] && unfit_reason(t, c) == VSX_REBALANCE_OVERLOAD)
			rb->over[c] = 0;
	}
	return n_moves;
}

/* One rule off each core that a qualifying core has been `margin` below for `hold` samples. */
static size_t plan_freed(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			 const struct vsx_core_table *t, struct vsx_core_assign *a, size_t n_valid,
			 struct vsx_rebalance_move *moves, size_t budget)
{
	size_t n_moves = 0;
	__u32 n_cpus = vsx_choice_n_cpus(t);

	for (__u32 c = 0; c < n_cpus && n_moves < budget; c++) {
		const struct vsx_rebalance_rule *best = NULL;
		unsigned int best_after = 0, best_share = 0, from_load = load_of(t, (int)c);
		int best_to = VSX_CORE_NONE;

		if (rb->freed[c] < conf->hold)
			continue;
		for (size_t i = 0; i < n_valid; i++) {
			const struct vsx_rebalance_rule *r = rb->valid[i];
			unsigned int share, eto, after;
			int to;

			if (r->core != (int)c || !r->rate || cooling(rb, conf, r))
				continue;
			to = choose_target(&rb->est, a, r);
			if (to == VSX_CORE_NONE || to == (int)c ||
			    load_of(&rb->est, to) + conf->margin > from_load)
				continue;
			if (to == rb->hist[r->rule_id].left && rb->freed[c] < 2 * conf->hold)
				continue;
			share = share_of(rb, t, r);
			eto = eload_of(&rb->est, a, to);
			/* the target after the move must stay below where the source was */
			if (eto + share >= from_load)
				continue;
			/* the larger of the two loads after the move: the smaller the better */
			after = eto + share;
			if (share < from_load && from_load - share > after)
				after = from_load - share;
			if (!best || after < best_after) {
				best = r;
				best_after = after;
				best_share = share;
				best_to = to;
			}
		}
		if (!best)
			continue;
		apply_move(rb, t, a, best, best_to, VSX_REBALANCE_FREED, rb->freed[c], best_share,
			   conf->cooldown, &moves[n_moves++]);
		rb->freed[c] = 0;
		rb->freed[best_to] = 0;
	}
	return n_moves;
}

/*
 * Learns a moved rule's self load once the smoothed loads have had `cooldown` to follow,
 * and forgets it (with the move) after VSX_REBALANCE_SELF_LOAD_ROUNDS cooldowns: other load
 * that moved with the rule looks the same, and must not pin the rule for ever.
 */
static void learn_self_load(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			    const struct vsx_core_table *t, const struct vsx_rebalance_rule *r)
{
	struct rule_hist *h = &rb->hist[r->rule_id];
	int rise, drop, est;

	if (h->self_load >= 0 &&
	    rb->round - h->learned_at >= (__u64)VSX_REBALANCE_SELF_LOAD_ROUNDS * conf->cooldown) {
		hist_reset(h, r->core);
		return;
	}
	if (!h->moved_at || h->self_load >= 0 || rb->round - h->moved_at < conf->cooldown ||
	    h->left < 0 || (__u32)h->left >= vsx_choice_n_cpus(t))
		return;
	/* a core another move touched around this one shows that move too: not a measure */
	rise = h->to_settled && rb->touches[r->core] == h->to_touches0
		   ? (int)load_of(t, r->core) - h->to_load0
		   : -1;
	drop = h->from_settled && rb->touches[h->left] == h->from_touches0
		   ? (int)h->from_load0 - (int)load_of(t, h->left)
		   : -1;
	if (rise >= 0 && drop >= 0)
		est = rise < drop ? rise : drop;
	else if (rise >= 0 || drop >= 0)
		est = rise >= 0 ? rise : drop;
	else /* no measure: the share of its core by rate, an upper bound */
		est = (int)(rb->sum_rate[r->core]
				? (load_of(t, r->core) * r->rate + rb->sum_rate[r->core] / 2) /
				      rb->sum_rate[r->core]
				: load_of(t, r->core));
	h->self_load = (__s16)(est > 0 ? est : 0);
	h->rate0 = r->rate;
	h->learned_at = rb->round;
}

static bool margin_below(const struct vsx_core_table *t, const struct vsx_rebalance_conf *conf,
			 __u32 c)
{
	__u32 n_cpus = vsx_choice_n_cpus(t);

	for (__u32 f = 0; f < n_cpus; f++) {
		if (f != c && vsx_core_qualifies(t, f) &&
		    t->cores[f].load + conf->margin <= t->cores[c].load)
			return true;
	}
	return false;
}

/* rb->est: t, with cores that received rules in their cooldown at least as loaded as expected. */
static void estimate_table(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			   const struct vsx_core_table *t, size_t n_valid)
{
	__u32 n_cpus = vsx_choice_n_cpus(t);

	rb->est = *t;
	memset(rb->floor_sum, 0, sizeof(rb->floor_sum));
	for (__u32 c = 0; c < n_cpus; c++)
		rb->floor_base[c] = 255;
	for (size_t i = 0; i < n_valid; i++) {
		const struct vsx_rebalance_rule *r = rb->valid[i];
		const struct rule_hist *h = &rb->hist[r->rule_id];

		if (!cooling(rb, conf, r))
			continue;
		if (h->to_load0 < rb->floor_base[r->core])
			rb->floor_base[r->core] = h->to_load0;
		rb->floor_sum[r->core] += h->share0;
	}
	for (__u32 c = 0; c < n_cpus; c++) {
		unsigned int floor = rb->floor_base[c] + rb->floor_sum[c];

		if (rb->floor_base[c] == 255)
			continue;
		if (floor > 100)
			floor = 100;
		if (floor > rb->est.cores[c].load)
			rb->est.cores[c].load = (__u8)floor;
	}
}

int vsx_rebalance_plan(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
		       const struct vsx_core_table *t, struct vsx_core_assign *a,
		       const struct vsx_rebalance_rule *rules, size_t n_rules,
		       struct vsx_rebalance_move *moves, size_t max)
{
	__u32 n_cpus;
	size_t n_valid = 0, budget, n_moves;

	if (!rb || !conf || !t || !a || (n_rules && !rules) || (max && !moves) || !conf->hold ||
	    !conf->cooldown)
		return -EINVAL;
	n_cpus = vsx_choice_n_cpus(t);
	rb->round++;
	memset(rb->n_rules, 0, sizeof(rb->n_rules));
	memset(rb->sum_rate, 0, sizeof(rb->sum_rate));
	memset(rb->relief, 0, sizeof(rb->relief));

	for (size_t i = 0; i < n_rules; i++) {
		const struct vsx_rebalance_rule *r = &rules[i];
		struct rule_hist *h;

		if (r->rule_id >= VSX_MAX_RULES || r->core < 0 || (__u32)r->core >= n_cpus)
			continue;
		h = &rb->hist[r->rule_id];
		if (h->seen_round == rb->round)
			continue;
		h->seen_round = rb->round;
		if (h->core != r->core)
			hist_reset(h, r->core); /* decided anew (or first seen): no history */
		rb->valid[n_valid++] = r;
		rb->n_rules[r->core]++;
		rb->sum_rate[r->core] += r->rate;
	}
	for (size_t i = 0; i < n_valid; i++)
		learn_self_load(rb, conf, t, rb->valid[i]);

	for (__u32 c = 0; c < VSX_MAX_CPUS; c++) {
		bool in = c < n_cpus;

		rb->over[c] =
		    in && rb->n_rules[c] && !vsx_core_qualifies(t, c) ? rb->over[c] + 1 : 0;
		rb->freed[c] = in && rb->n_rules[c] >= 2 && vsx_core_qualifies(t, c) &&
				       margin_below(t, conf, c)
				   ? rb->freed[c] + 1
				   : 0;
	}

	budget = max < conf->max_moves ? max : conf->max_moves;
	estimate_table(rb, conf, t, n_valid);
	n_moves = plan_overload(rb, conf, t, a, n_valid, moves, budget);
	/* rules moved just now are cooling: plan_freed() leaves them */
	n_moves += plan_freed(rb, conf, t, a, n_valid, moves + n_moves, budget - n_moves);
	return (int)n_moves;
}
