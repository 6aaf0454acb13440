/* SPDX-License-Identifier: MIT */
/*
 * One policy's run state, shared by the interval loop (run.c) and by what runs after each
 * sample (balance.c). Internal to the simulator.
 */
#ifndef SIM_STATE_H
#define SIM_STATE_H

#include <stddef.h>

#include <vsx/core_table.h>
#include "rebalance.h"
#include "run.h"

struct fstate {
	int core;	 /* where its frames are processed now */
	int rx;		 /* the receiving core (the NIC's static table) */
	double since;	 /* frames from here on are not charged yet */
	double retry_at; /* vsx: undecided, asks again then (< 0: decided) */
};

struct segment {
	unsigned int flow;
	int rx, core;
	double frames;
};

struct event {
	double at;
	unsigned int flow;
	int kind; /* EV_* */
};

enum { EV_START, EV_RETRY, EV_MOVE };

struct run {
	const struct sim_params *p;
	const struct sim_host *h;
	enum sim_policy policy;
	struct sim_result *res;
	struct fstate *fs;
	unsigned int *active;
	size_t n_active;
	struct segment *seg;
	size_t n_seg, cap_seg;
	struct event *ev;
	size_t cap_ev;
	/* per core, this interval */
	double stack_us[VSX_MAX_CPUS], xdp_us[VSX_MAX_CPUS], vm[VSX_MAX_CPUS];
	/*
	 * What vsxd's kthread meter sees (vsxd/rebalance.c): per core, whether its cpumap
	 * kthread did at least 90 % of the frames put on it, and that kthread's CPU time in
	 * percent of the interval.
	 */
	unsigned char kt_known[VSX_MAX_CPUS];
	unsigned int kt_busy[VSX_MAX_CPUS];
	double load[VSX_MAX_CPUS];    /* smoothed, percent */
	double sw_load[VSX_MAX_CPUS]; /* its switch work alone, smoothed the same way */
	double *vm_keep;	      /* per VM: share of its CPU demand served this interval */
	/* rss, rss++ */
	int reta[SIM_RETA_SIZE], nic[SIM_RETA_SIZE];
	unsigned char in_rss[VSX_MAX_CPUS]; /* the cores the NIC's table spreads over */
	double bucket_frames[SIM_RETA_SIZE];
	/* vsx */
	struct vsx_core_table t;
	struct vsx_core_assign a;
	int *rule_core; /* per VM rule: decided core, or VSX_CORE_NONE */
	double *rule_frames;
	struct vsx_rebalance *rb;
	struct vsx_rebalance_conf rb_conf;
	struct vsx_rebalance_rule *rules;
};

static inline int is_vsx(const struct run *r)
{
	return r->policy == SIM_VSX || r->policy == SIM_VSX_RB;
}

static inline unsigned int bucket(const struct sim_flow *f)
{
	return f->hash % SIM_RETA_SIZE;
}

/* balance.c, after each sample: rss++'s bucket moves, vsx+rb's planner round */
void sim_rsspp_round(struct run *r);
int sim_rb_round(struct run *r);
/* balance.c: the LPT bound of the interval's per-VM loads (r->rule_frames) */
double sim_lpt_bound(const struct run *r);

#endif
