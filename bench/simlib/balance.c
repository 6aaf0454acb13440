// SPDX-License-Identifier: MIT
/*
 * What runs after each sample: the rss++ bucket rebalancer, vsxd's planner for vsx+rb
 * (lib/rebalance.c, called as vsxd/rebalance.c calls it), and the LPT bound for per-VM rules.
 */
#include "state.h"

#include <stdlib.h>

/*
 * rss++ (our simplification of Barbette et al., CoNEXT 2019): after each sample, up to
 * RSSPP_MAX_MOVES times, the bucket of the most loaded core whose load is closest to half
 * the gap to the least loaded core moves there, if that lowers the larger of the two by at
 * least RSSPP_MIN_GAIN points.
 */
#define RSSPP_MAX_MOVES 8
#define RSSPP_MIN_GAIN 1.0

static int by_load_desc(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a > b ? -1 : a < b;
}

/*
 * A bound for per-VM rules: the interval's VM switch loads placed afresh by LPT (largest
 * first, each on the least loaded unpinned core), knowing the interval's own loads and
 * moving every flow at no cost. No policy can do that; it shows how much of the spread the
 * granularity of one rule per VM leaves whatever the rebalancer does.
 */
double sim_lpt_bound(const struct run *r)
{
	double load[VSX_MAX_CPUS], *v = malloc(r->h->n_vms * sizeof(*v)), max = 0, sum = 0;
	unsigned int n = 0;

	if (!v)
		return 0;
	for (unsigned int i = 0; i < r->h->n_vms; i++)
		v[i] = r->rule_frames[i];
	qsort(v, r->h->n_vms, sizeof(*v), by_load_desc);
	for (unsigned int c = 0; c < r->p->cores; c++)
		if (!r->h->pinned[c])
			load[n++] = 0;
	for (unsigned int i = 0; i < r->h->n_vms && n; i++) {
		unsigned int lo = 0;

		for (unsigned int c = 1; c < n; c++)
			lo = load[c] < load[lo] ? c : lo;
		load[lo] += v[i];
	}
	free(v);
	for (unsigned int c = 0; c < n; c++) {
		max = load[c] > max ? load[c] : max;
		sum += load[c];
	}
	return sum > 0 ? max / (sum / n) : 0;
}

void sim_rb_conf(const struct sim_params *p, struct vsx_rebalance_conf *conf)
{
	vsx_rebalance_conf_default(conf, (unsigned int)(SIM_INTERVAL_S * 1000));
	if (p->rb_hold >= 0)
		conf->hold = (unsigned int)p->rb_hold;
	if (p->rb_margin >= 0)
		conf->margin = (unsigned int)p->rb_margin;
	if (p->rb_max_moves >= 0)
		conf->max_moves = (unsigned int)p->rb_max_moves;
	if (p->rb_balance >= 0)
		conf->balance = (unsigned int)p->rb_balance;
}

void sim_rsspp_round(struct run *r)
{
	const struct sim_params *p = r->p;
	double core[VSX_MAX_CPUS] = {0}, bl[SIM_RETA_SIZE];

	for (unsigned int b = 0; b < SIM_RETA_SIZE; b++) {
		bl[b] = 100.0 * r->bucket_frames[b] * p->stack_us / (SIM_INTERVAL_S * 1e6);
		core[r->reta[b]] += bl[b];
	}
	for (int m = 0; m < RSSPP_MAX_MOVES; m++) {
		unsigned int hi = 0, lo = 0;
		double gap, best_gain = RSSPP_MIN_GAIN;
		int best = -1, first = 1;

		/* over the table's cores only */
		for (unsigned int c = 0; c < p->cores; c++) {
			if (!r->in_rss[c])
				continue;
			if (first) {
				hi = lo = c;
				first = 0;
			}
			hi = core[c] > core[hi] ? c : hi;
			lo = core[c] < core[lo] ? c : lo;
		}
		gap = core[hi] - core[lo];
		for (unsigned int b = 0; b < SIM_RETA_SIZE; b++) {
			/* the larger of the two after the move, against core[hi] before it */
			double after = core[hi] - bl[b] > core[lo] + bl[b] ? core[hi] - bl[b]
									   : core[lo] + bl[b];

			if ((unsigned int)r->reta[b] != hi || bl[b] <= 0 || bl[b] >= gap)
				continue;
			if (core[hi] - after > best_gain) {
				best_gain = core[hi] - after;
				best = (int)b;
			}
		}
		if (best < 0)
			break;
		core[hi] -= bl[best];
		core[lo] += bl[best];
		r->reta[best] = (int)lo;
		r->res->moves++;
		for (size_t j = 0; j < r->n_active; j++)
			if (bucket(&r->h->flow[r->active[j]]) == (unsigned int)best)
				r->res->flows_moved++;
	}
}

int sim_rb_round(struct run *r)
{
	struct vsx_rebalance_move moves[64];
	__u64 sum[VSX_MAX_CPUS] = {0};
	size_t n = 0;
	int got;

	for (unsigned int v = 0; v < r->h->n_vms; v++) {
		if (r->rule_core[v] == VSX_CORE_NONE)
			continue;
		r->rules[n++] = (struct vsx_rebalance_rule){
		    .rule_id = v + 1,
		    .core = r->rule_core[v],
		    .prio = (__u32)r->h->vm[v].prio,
		    .rate = (__u64)(r->rule_frames[v] / SIM_INTERVAL_S + 0.5),
		};
	}
	/* measured shares as vsxd gives them (measured_shares()): the kthread's time by rate */
	for (size_t i = 0; i < n; i++)
		sum[r->rules[i].core] += r->rules[i].rate;
	for (size_t i = 0; i < n; i++) {
		int c = r->rules[i].core;

		if (!r->kt_known[c])
			continue;
		r->rules[i].share_known = 1;
		r->rules[i].share =
		    sum[c] ? (__u32)((r->kt_busy[c] * r->rules[i].rate + sum[c] / 2) / sum[c]) : 0;
	}
	got = vsx_rebalance_plan(r->rb, &r->rb_conf, &r->t, &r->a, r->rules, n, moves,
				 sizeof(moves) / sizeof(moves[0]));
	if (got < 0)
		return got;
	for (int m = 0; m < got; m++) {
		r->rule_core[moves[m].rule_id - 1] = moves[m].to;
		r->res->moves++;
		if (moves[m].reason < SIM_N_REASONS)
			r->res->by_reason[moves[m].reason]++;
	}
	return 0;
}
