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
	unsigned int bal[VSX_MAX_CPUS]; /* samples a qualifying core was above the balance level */
	struct rule_hist hist[VSX_MAX_RULES];
	/* per round */
	unsigned int n_rules[VSX_MAX_CPUS];
	__u64 sum_rate[VSX_MAX_CPUS];
	/*
	 * Estimated load moved off the core and not yet shown: the shares of the rules that left
	 * it within their cooldown, and of this round's moves. Their flows follow only at idle
	 * gaps and the smoothed load shows a drop gradually, so an overloaded core is not
	 * emptied further while what already left it is still on its way out.
	 */
	unsigned int relief[VSX_MAX_CPUS];
	unsigned int mean; /* this round: mean load of the online unpinned cores */
	/*
	 * This round: load points per packet/s, the median over the qualifying cores holding
	 * rules of their load over their rules' rates (0: none). A rule's share is its rate times
	 * this; a core's own ratio would credit its rules with the load of flows that have not
	 * followed a move yet (old core) or not arrived (new core).
	 */
	double k;
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
	struct vsx_core_table fit; /* est without the cores a move does not fit on (fit_choice()) */
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
	conf->balance = VSX_REBALANCE_DEFAULT_BALANCE;
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
	case VSX_REBALANCE_BALANCE:
		return "balance";
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
	case VSX_REBALANCE_BALANCE:
		return snprintf(buf, len,
				"core %d at %u%% is above the mean %u%% by more than %u%% for %u "
				"samples, core %d at %u%%",
				m->from, m->from_load, m->mean, m->balance, m->samples, m->to,
				m->to_load);
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

/*
 * The rule's estimated share of its core's load, percent points: its rate times rb->k, at
 * most the core's load. Without a k (no qualifying core carries rules): its self load if
 * known, else its rate's part of its core's load (an upper bound: all of a core's load
 * when the rule is alone there).
 */
static unsigned int share_of(const struct vsx_rebalance *rb, const struct vsx_core_table *t,
			     const struct vsx_rebalance_rule *r)
{
	__u64 sum = rb->sum_rate[r->core];
	unsigned int load = load_of(t, r->core);
	int self = self_load_now(&rb->hist[r->rule_id], r);
	double e;

	if (r->share_known) /* measured beats any estimate */
		return r->share < load ? r->share : load;
	if (rb->k <= 0 && self >= 0)
		return (unsigned int)self;
	if (rb->k <= 0) /* rate <= sum, so this is at most the core's load */
		return sum ? (unsigned int)((load * r->rate + sum / 2) / sum) : 0;
	e = (double)r->rate * rb->k + 0.5;
	return e >= load ? load : (unsigned int)e;
}

/* What a move is expected to carry: the share, or the learned self load if larger. */
static unsigned int weight_of(const struct vsx_rebalance *rb, const struct vsx_core_table *t,
			      const struct vsx_rebalance_rule *r)
{
	unsigned int share = share_of(rb, t, r);
	int self = self_load_now(&rb->hist[r->rule_id], r);

	return self > (int)share ? (unsigned int)self : share;
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

/*
 * vsx_choose_core()'s core for r among the cores a move of `weight` fits on: the cores
 * other than r's own whose expected load (rb->est) stays at or below `limit` with the
 * weight added. The choice's key still orders them, so a normal rule keeps off cores with
 * priority work while a core without any can take it. est already holds this round's moves
 * with their shares, so recent[] (decision_load) is not counted again. `above`: only the
 * online unpinned cores above the threshold (a move between overloaded cores).
 */
static int fit_choice(struct vsx_rebalance *rb, struct vsx_core_assign *a,
		      const struct vsx_rebalance_rule *r, unsigned int weight, unsigned int limit,
		      bool above)
{
	__u32 n_cpus = vsx_choice_n_cpus(&rb->est);

	rb->fit.n_cpus = rb->est.n_cpus;
	rb->fit.threshold = above ? 255 : rb->est.threshold;
	rb->fit.decision_load = 0;
	for (__u32 c = 0; c < n_cpus; c++) {
		rb->fit.cores[c] = rb->est.cores[c];
		if (c == (__u32)r->core || load_of(&rb->est, (int)c) + weight > limit ||
		    (above && vsx_core_qualifies(&rb->est, c)))
			rb->fit.cores[c].flags &= (__u8)~VSX_CORE_ONLINE;
	}
	return choose_target(&rb->fit, a, r);
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

/* The level balance moves bring a core down to: the mean plus conf->balance percent of it. */
static unsigned int balance_level(const struct vsx_rebalance *rb,
				  const struct vsx_rebalance_conf *conf)
{
	return (unsigned int)(((unsigned long long)rb->mean * (100 + conf->balance)) / 100);
}

/*
 * The target of an overload move of r (weight w) off its core: vsx_choose_core()'s core
 * among the qualifying cores that stay at or below the threshold with w added; else, off a
 * core that is only overloaded, among the cores above the threshold (in rb->est: the cores
 * expected at or below it stay for new decisions) one that ends at least
 * VSX_REBALANCE_MIN_GAIN below the source's load (a saturated core's work goes where there
 * is more room, even when no core qualifies); else, for a rule whose weight is a guess (no
 * self load) or that must leave, the choice's core as for a new decision. A rule known to
 * carry its load with it gets none of the last kind: that would only move the overload.
 */
static int overload_target(struct vsx_rebalance *rb, const struct vsx_core_table *t,
			   struct vsx_core_assign *a, const struct vsx_rebalance_rule *r,
			   unsigned int w, int self)
{
	unsigned int src = load_of(t, r->core);
	int to = fit_choice(rb, a, r, w, t->threshold, false);

	if (to == VSX_CORE_NONE && !must_leave(t, r->core) && src > w + VSX_REBALANCE_MIN_GAIN)
		to = fit_choice(rb, a, r, w, src - VSX_REBALANCE_MIN_GAIN, true);
	if (to == VSX_CORE_NONE && (self < 0 || must_leave(t, r->core)))
		to = choose_target(&rb->est, a, r);
	return to;
}

/* Rules on cores that have not qualified for `hold` samples leave them. */
static size_t plan_overload(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			    const struct vsx_core_table *t, struct vsx_core_assign *a,
			    size_t n_valid, struct vsx_rebalance_move *moves, size_t budget)
{
	const struct vsx_rebalance_rule **cand = rb->cand;
	bool moved_off[VSX_MAX_CPUS] = {false};
	size_t n_cand = 0, n_moves = 0;
	unsigned int relieved = t->threshold;

	/* an overloaded core is relieved down to the threshold, or to the balance level above it */
	if (conf->balance && balance_level(rb, conf) > relieved)
		relieved = balance_level(rb, conf);
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

		/* relieved once what left it (this round or on its way out) brings it there */
		if (reason == VSX_REBALANCE_OVERLOAD && rb->relief[r->core] &&
		    load_of(t, r->core) <= relieved + rb->relief[r->core])
			continue;
		to = overload_target(rb, t, a, r, weight_of(rb, t, r), self);
		if (to == VSX_CORE_NONE || to == r->core)
			continue;
		if (to == h->left && samples < 2 * conf->hold)
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

/*
 * Balance: a qualifying core above the balance level (the mean by more than conf->balance
 * percent) for `hold` samples gives rules, one at a time, until its estimated load is at
 * the level: each time the rule, target and all, that makes the larger of the two loads
 * after the move the smallest, the target being vsx_choose_core()'s among the cores the
 * rule's share fits on (at most the threshold, and VSX_REBALANCE_MIN_GAIN below the
 * source). Sources in order of load, highest first. The share, not the self load: both
 * cores stay qualifying, so a flow that loads any core beyond the threshold does not
 * move here, and a self load learned while other flows followed the move (at idle gaps)
 * is often too large (measured in bench/sim: spread 1.45 with it, 1.43 without).
 */
static size_t plan_balance(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
			   const struct vsx_core_table *t, struct vsx_core_assign *a,
			   size_t n_valid, struct vsx_rebalance_move *moves, size_t budget)
{
	__u32 n_cpus = vsx_choice_n_cpus(t), order[VSX_MAX_CPUS], n_src = 0;
	size_t n_moves = 0;

	for (__u32 c = 0; c < n_cpus; c++) {
		__u32 j;

		if (rb->bal[c] < conf->hold)
			continue;
		for (j = n_src++; j && load_of(t, (int)order[j - 1]) < load_of(t, (int)c); j--)
			order[j] = order[j - 1];
		order[j] = c;
	}
	for (__u32 k = 0; k < n_src && n_moves < budget; k++) {
		int c = (int)order[k];
		unsigned int src = load_of(t, c), samples = rb->bal[c];
		bool moved = false;

		while (n_moves < budget && src > balance_level(rb, conf)) {
			const struct vsx_rebalance_rule *best = NULL;
			unsigned int best_w = 0, best_after = 0; /* best_w: its share */
			int best_to = VSX_CORE_NONE;

			for (size_t i = 0; i < n_valid; i++) {
				const struct vsx_rebalance_rule *r = rb->valid[i];
				unsigned int w, limit, after;
				int to;

				if (r->core != c || !r->rate || cooling(rb, conf, r))
					continue;
				w = share_of(rb, t, r);
				if (w < VSX_REBALANCE_MIN_GAIN || src < 2 * VSX_REBALANCE_MIN_GAIN)
					continue;
				/* below the threshold too: the source qualifies */
				limit = src - VSX_REBALANCE_MIN_GAIN;
				to = fit_choice(rb, a, r, w, limit, false);
				if (to == VSX_CORE_NONE ||
				    (to == rb->hist[r->rule_id].left && samples < 2 * conf->hold))
					continue;
				after = load_of(&rb->est, to) + w;
				if (src - w > after)
					after = src - w;
				if (best && after >= best_after)
					continue;
				best = r;
				best_w = w;
				best_after = after;
				best_to = to;
			}
			if (!best)
				break;
			apply_move(rb, t, a, best, best_to, VSX_REBALANCE_BALANCE, samples, best_w,
				   conf->cooldown, &moves[n_moves]);
			moves[n_moves].mean = (__u8)(rb->mean > 255 ? 255 : rb->mean);
			moves[n_moves].balance = (__u8)(conf->balance > 255 ? 255 : conf->balance);
			n_moves++;
			moved = true;
			rb->bal[best_to] = rb->freed[best_to] = 0;
			src -= best_w; /* w <= src - MIN_GAIN: the fit's limit */
		}
		if (moved)
			rb->bal[c] = rb->freed[c] = 0;
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

/* rb->mean, rb->k (see struct vsx_rebalance) from the sampled table and this round's rules. */
static void round_measures(struct vsx_rebalance *rb, const struct vsx_core_table *t)
{
	__u32 n_cpus = vsx_choice_n_cpus(t);
	unsigned int sum = 0, n = 0;
	double ratio[VSX_MAX_CPUS];

	for (__u32 c = 0; c < n_cpus; c++) {
		if ((t->cores[c].flags & (VSX_CORE_ONLINE | VSX_CORE_PINNED)) != VSX_CORE_ONLINE)
			continue;
		sum += load_of(t, (int)c);
		n++;
	}
	rb->mean = n ? (sum + n / 2) / n : 0;
	/* an overloaded core's load is capped at 100: its ratio would be too low */
	n = 0;
	for (__u32 c = 0; c < n_cpus; c++) {
		double x;
		unsigned int j;

		if (!rb->sum_rate[c] || !load_of(t, (int)c) || !vsx_core_qualifies(t, c))
			continue;
		x = (double)load_of(t, (int)c) / (double)rb->sum_rate[c];
		for (j = n++; j && ratio[j - 1] > x; j--)
			ratio[j] = ratio[j - 1];
		ratio[j] = x;
	}
	rb->k = n ? ratio[n / 2] : 0;
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

/*
 * rb->est: t, with cores that received rules in their cooldown at least as loaded as
 * expected; rb->relief: what those rules are expected to take off the cores they left.
 */
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
		/* and the core it left does not show all of it gone yet */
		if (h->left >= 0 && (__u32)h->left < n_cpus)
			rb->relief[h->left] += h->share0;
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
	round_measures(rb, t);
	estimate_table(rb, conf, t, n_valid);

	for (__u32 c = 0; c < VSX_MAX_CPUS; c++) {
		bool in = c < n_cpus;
		unsigned int load = in ? load_of(t, (int)c) : 0;

		rb->over[c] =
		    in && rb->n_rules[c] && !vsx_core_qualifies(t, c) ? rb->over[c] + 1 : 0;
		rb->freed[c] = in && rb->n_rules[c] >= 2 && vsx_core_qualifies(t, c) &&
				       margin_below(t, conf, c)
				   ? rb->freed[c] + 1
				   : 0;
		rb->bal[c] = in && conf->balance && rb->n_rules[c] && vsx_core_qualifies(t, c) &&
				     load > balance_level(rb, conf) &&
				     load >= rb->mean + VSX_REBALANCE_MIN_GAIN
				 ? rb->bal[c] + 1
				 : 0;
	}

	budget = max < conf->max_moves ? max : conf->max_moves;
	n_moves = plan_overload(rb, conf, t, a, n_valid, moves, budget);
	n_moves += plan_balance(rb, conf, t, a, n_valid, moves + n_moves, budget - n_moves);
	/* rules moved just now are cooling: plan_freed() leaves them */
	n_moves += plan_freed(rb, conf, t, a, n_valid, moves + n_moves, budget - n_moves);
	return (int)n_moves;
}
