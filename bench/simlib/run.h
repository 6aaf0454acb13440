/* SPDX-License-Identifier: MIT */
/*
 * One policy over the whole run: the interval loop, the policy's placement, drops, load
 * sampling and the metrics of docs/simulation.md.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "model.h"

enum sim_policy {
	SIM_RSS,    /* (a) the NIC's static RSS table over all cores */
	SIM_RSSPP,  /* (b) RSS++-style: the table's buckets moved toward the least loaded core */
	SIM_VSX,    /* (c) irq:auto per VM, vsx_choose_core(), decided once */
	SIM_VSX_RB, /* (d) (c) plus the rebalancing planner (lib/rebalance.h) */
	SIM_N_POLICIES,
};

/* enum vsx_rebalance_reason's values (lib/rebalance.h) are below this */
#define SIM_N_REASONS 8

extern const char *const sim_policy_name[SIM_N_POLICIES];

struct sim_result {
	enum sim_policy policy;
	unsigned int intervals, cores;
	/* per interval */
	double *spread;	    /* max / mean smoothed switch load over the policy's cores (0: none) */
	double *raw_spread; /* the same with the interval's own switch load, unsmoothed */
	double *bound;	    /* vsx: raw spread of a fresh LPT placement of the VMs' rules */
	float *switch_load; /* [interval * cores + core]: switch work offered, % of the core */
	unsigned int *collisions;    /* pinned cores that processed switch frames */
	unsigned char *qualifies;    /* the interval's core table had an unpinned core qualifying */
	double *prio_off, *prio_got; /* priority VMs' frames offered and delivered */
	/* totals over the run */
	double frames, frames_pinned,
	    delivered;			    /* switch frames offered, on pinned cores, delivered */
	double prio_frames, prio_delivered; /* the same for priority VMs' frames */
	unsigned long overloaded; /* core-intervals whose demand exceeded 100 % (they dropped) */
	unsigned long by_reason[SIM_N_REASONS]; /* vsx+rb: moves by enum vsx_rebalance_reason */
	unsigned long moves;			/* buckets (rss++) or rules (vsx+rb) moved */
	unsigned long flows_moved;		/* active flows that changed core by a move */
	unsigned long decisions, no_core;	/* vsx: core choices, and those that found none */
};

/* vsx+rb's planner settings: vsx_rebalance_conf_default() and the --rb-* options. */
struct vsx_rebalance_conf;
void sim_rb_conf(const struct sim_params *p, struct vsx_rebalance_conf *conf);

/* Runs `policy` on the host's workload. 0, -ENOMEM, or the planner's error. */
int sim_run(const struct sim_params *p, const struct sim_host *h, enum sim_policy policy,
	    struct sim_result *res);
void sim_result_free(struct sim_result *res);

/* Intervals where an unpinned core qualified in this interval and the one before. */
static inline int sim_checked(const struct sim_result *r, unsigned int k)
{
	return r->qualifies[k] && (k == 0 || r->qualifies[k - 1]);
}

#endif
