// SPDX-License-Identifier: MIT
/*
 * The interval loop. Per interval of SIM_INTERVAL_S: the policy places the flows that
 * start (and, for vsx, retries and flowlet moves) in time order, every flow's frames are
 * charged to the core that processes them, cores whose demand exceeds 100 % drop in
 * proportion, then the load is sampled and smoothed as vsxd does (lib/core_load.c), and the
 * rebalancers (rss++, vsx+rb) run on the new sample.
 */
#include "state.h"
#include "rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vsx/core_choice.h>
#include <vsx/datapath.h>
#include "core_load.h"

const char *const sim_policy_name[SIM_N_POLICIES] = {"rss", "rss++", "vsx", "vsx+rb"};

/* A flow that found no core retries VSX_RETRY_JIFFIES (25) later: 100 ms at SIM_HZ. */
#define SIM_RETRY_S ((double)VSX_RETRY_JIFFIES / SIM_HZ)

static int add_segment(struct run *r, unsigned int flow, int core, double frames)
{
	struct segment *s;

	if (frames <= 0)
		return 0;
	if (r->n_seg == r->cap_seg) {
		size_t cap = r->cap_seg ? r->cap_seg * 2 : 1024;

		s = realloc(r->seg, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		r->seg = s;
		r->cap_seg = cap;
	}
	s = &r->seg[r->n_seg++];
	s->flow = flow;
	s->rx = r->fs[flow].rx;
	s->core = core;
	s->frames = frames;
	return 0;
}

/* Charges a flow's frames from fs->since to `until` to its current core. */
static int charge(struct run *r, unsigned int i, double until)
{
	const struct sim_flow *f = &r->h->flow[i];
	struct fstate *fs = &r->fs[i];
	double from = fs->since, to = until < f->end ? until : f->end;
	int err = 0;

	if (to > from)
		err = add_segment(r, i, fs->core, (to - from) * f->fps);
	fs->since = until;
	return err;
}

/* vsx: the core of flow i's rule, deciding it now if it is not decided yet. */
static int vsx_place(struct run *r, unsigned int i, double at)
{
	const struct sim_flow *f = &r->h->flow[i];
	struct fstate *fs = &r->fs[i];
	int core = r->rule_core[f->vm];

	/* a first packet (or a retried one) takes the miss path on the receiving core */
	r->xdp_us[fs->rx] += (r->p->miss_ns - r->p->hit_ns) / 1000.0;
	if (core == VSX_CORE_NONE) {
		core = vsx_choose_core(&r->t, &r->a, f->prio, (__u32)fs->rx);
		r->res->decisions++;
		if (core == VSX_CORE_NONE) {
			r->res->no_core++;
			fs->retry_at = at + SIM_RETRY_S;
			return fs->rx; /* stays on the receiving core */
		}
		r->rule_core[f->vm] = core;
		if (f->prio)
			r->a.prio[core]++;
		else
			r->a.normal[core]++;
		r->a.recent[core]++;
	}
	fs->retry_at = -1;
	return core;
}

static int by_time(const void *x, const void *y)
{
	const struct event *a = x, *b = y;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->flow != b->flow)
		return a->flow < b->flow ? -1 : 1;
	return a->kind - b->kind;
}

static int push_event(struct run *r, size_t *n, double at, unsigned int flow, int kind)
{
	if (*n == r->cap_ev) {
		size_t cap = r->cap_ev ? r->cap_ev * 2 : 1024;
		struct event *e = realloc(r->ev, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		r->ev = e;
		r->cap_ev = cap;
	}
	r->ev[(*n)++] = (struct event){.at = at, .flow = flow, .kind = kind};
	return 0;
}

/*
 * A flow of a moved rule follows at its next idle gap longer than the flowlet gap (the
 * datapath's rule: vsx_config.flowlet_jiffies). TCP-like flows pause at gap_hz, a Poisson
 * process; constant-rate UDP never pauses that long, so it moves only when it ends.
 */
static double gap_in(const struct run *r, unsigned int i, unsigned int k, double t0)
{
	const struct sim_flow *f = &r->h->flow[i];
	double p = 1.0 - sim_expo(-r->p->gap_hz * SIM_INTERVAL_S);

	if (f->cls == SIM_FRAG || sim_hash_unit(r->p->seed, i, 2ull * k) >= p)
		return -1;
	return t0 + SIM_INTERVAL_S * sim_hash_unit(r->p->seed, i, 2ull * k + 1);
}

/* Places the interval's new flows, retries and moves in time order; charges the frames. */
static int place_interval(struct run *r, unsigned int k, size_t *next_flow)
{
	const struct sim_host *h = r->h;
	double t0 = k * SIM_INTERVAL_S, t1 = t0 + SIM_INTERVAL_S;
	size_t n_ev = 0;
	int err;

	for (size_t j = 0; j < r->n_active; j++) {
		unsigned int i = r->active[j];
		struct fstate *fs = &r->fs[i];

		if (r->policy == SIM_RSS || r->policy == SIM_RSSPP) {
			fs->core =
			    r->reta[bucket(&h->flow[i])]; /* a bucket move takes effect at once */
		} else if (fs->retry_at >= 0) {
			/* a flow that ends before its retry asks no more */
			if (fs->retry_at < t1 && fs->retry_at < h->flow[i].end &&
			    push_event(r, &n_ev, fs->retry_at, i, EV_RETRY))
				return -ENOMEM;
		} else if (fs->core != r->rule_core[h->flow[i].vm]) {
			double at = gap_in(r, i, k, t0);

			if (at >= 0 && at < h->flow[i].end && push_event(r, &n_ev, at, i, EV_MOVE))
				return -ENOMEM;
		}
	}
	for (; *next_flow < h->n_flows && h->flow[*next_flow].start < t1; (*next_flow)++)
		if (push_event(r, &n_ev, h->flow[*next_flow].start, (unsigned int)*next_flow,
			       EV_START))
			return -ENOMEM;
	if (n_ev > 1)
		qsort(r->ev, n_ev, sizeof(*r->ev), by_time);

	for (size_t e = 0; e < n_ev; e++) {
		const struct event *ev = &r->ev[e];
		unsigned int i = ev->flow;
		struct fstate *fs = &r->fs[i];

		switch (ev->kind) {
		case EV_START:
			fs->rx = r->nic[bucket(&h->flow[i])];
			fs->since = ev->at;
			fs->retry_at = -1;
			fs->core =
			    is_vsx(r) ? vsx_place(r, i, ev->at) : r->reta[bucket(&h->flow[i])];
			r->active[r->n_active++] = i;
			break;
		case EV_RETRY:
			if (charge(r, i, ev->at))
				return -ENOMEM;
			fs->core = vsx_place(r, i, ev->at);
			break;
		default: /* EV_MOVE */
			if (charge(r, i, ev->at))
				return -ENOMEM;
			fs->core = r->rule_core[h->flow[i].vm];
			r->res->flows_moved++;
			break;
		}
	}

	/* The rest of the interval; flows that end leave the active list. */
	for (size_t j = 0; j < r->n_active;) {
		unsigned int i = r->active[j];

		if ((err = charge(r, i, t1)))
			return err;
		if (h->flow[i].end <= t1)
			r->active[j] = r->active[--r->n_active];
		else
			j++;
	}
	return 0;
}

/* The policy's cores for the spread: rss and rss++ all cores, vsx the unpinned ones. */
static int in_spread_set(const struct run *r, unsigned int c)
{
	return is_vsx(r) ? !r->h->pinned[c] : r->in_rss[c];
}

/* lib/core_load.c's weight of a new sample: dt / (tau + dt), 0.29 at 100 ms. */
static double smoothing(void)
{
	return (SIM_INTERVAL_S * 1000.0) / (VSX_LOAD_TAU_MS + SIM_INTERVAL_S * 1000.0);
}

/* max / mean of v[] over the policy's cores, 0 when they carry nothing */
static double spread_of(const struct run *r, const double *v)
{
	double max = 0, sum = 0;
	unsigned int n = 0;

	for (unsigned int c = 0; c < r->p->cores; c++)
		if (in_spread_set(r, c)) {
			max = v[c] > max ? v[c] : max;
			sum += v[c];
			n++;
		}
	return sum > 0 ? max / (sum / n) : 0;
}

/* Busy time, drops and the metrics of interval k. */
static void account_interval(struct run *r, unsigned int k)
{
	const struct sim_params *p = r->p;
	struct sim_result *res = r->res;
	double interval_us = SIM_INTERVAL_S * 1e6, keep[VSX_MAX_CPUS], vm_share[VSX_MAX_CPUS];
	double sw[VSX_MAX_CPUS];
	double frames_on[VSX_MAX_CPUS] = {0}, *vm_keep = r->vm_keep;
	double kt_us[VSX_MAX_CPUS] = {0}, kt_frames[VSX_MAX_CPUS] = {0};
	unsigned int collide = 0;

	for (size_t s = 0; s < r->n_seg; s++) {
		const struct segment *sg = &r->seg[s];
		double per = p->stack_us + (sg->core != sg->rx ? p->handoff_us : 0);

		r->stack_us[sg->core] += sg->frames * per;
		frames_on[sg->core] += sg->frames;
		if (sg->core != sg->rx) { /* through the cpumap: the target's kthread did it */
			kt_us[sg->core] += sg->frames * per;
			kt_frames[sg->core] += sg->frames;
		}
		if (is_vsx(r))
			r->xdp_us[sg->rx] += sg->frames * p->hit_ns / 1000.0;
	}
	for (unsigned int c = 0; c < p->cores; c++) {
		double demand, net;

		sw[c] = 100.0 * r->stack_us[c] / interval_us;
		net = sw[c] + 100.0 * r->xdp_us[c] / interval_us;
		demand = r->vm[c] + net;
		if (!p->softirq_first) {
			/* an overloaded core serves every demand on it in proportion */
			keep[c] = demand > 100.0 ? 100.0 / demand : 1.0;
			vm_share[c] = keep[c];
		} else {
			/* packet work first, the vCPUs get what is left */
			keep[c] = net > 100.0 ? 100.0 / net : 1.0;
			vm_share[c] = r->vm[c] <= 0		? 1.0
				      : net >= 100.0		? 0.0
				      : 100.0 - net >= r->vm[c] ? 1.0
								: (100.0 - net) / r->vm[c];
		}
		res->overloaded += demand > 100.0;
		/* the kthread ran what its core's share gave it */
		{
			double kt = 100.0 * kt_us[c] / interval_us * keep[c];

			r->kt_known[c] = kt_frames[c] * 10 >= frames_on[c] * 9;
			r->kt_busy[c] = kt > 100 ? 100 : (unsigned int)(kt + 0.5);
		}
		res->switch_load[(size_t)k * p->cores + c] = (float)sw[c];
		if (r->h->pinned[c] && frames_on[c] > 0) {
			collide++;
			res->frames_pinned += frames_on[c];
		}
		/* the sample vsxd takes: busy share, capped, smoothed (lib/core_load.c) */
		r->load[c] += smoothing() * ((demand > 100.0 ? 100.0 : demand) - r->load[c]);
		/* the switch's part of it, smoothed the same way: the spread's load */
		r->sw_load[c] += smoothing() * ((sw[c] > 100.0 ? 100.0 : sw[c]) - r->sw_load[c]);
	}
	res->collisions[k] = collide;
	res->spread[k] = spread_of(r, r->sw_load);
	res->raw_spread[k] = spread_of(r, sw);
	/* a VM gets the share of its demand its cores could serve: its vCPUs' mean keep */
	for (unsigned int v = 0; v < r->h->n_vms; v++) {
		const struct sim_vm *vm = &r->h->vm[v];
		double sum = 0;

		for (unsigned int j = 0; j < vm->vcpus; j++)
			sum += vm_share[vm->cpu[j]];
		vm_keep[v] = sum / vm->vcpus;
	}

	for (size_t s = 0; s < r->n_seg; s++) {
		const struct segment *sg = &r->seg[s];
		const struct sim_flow *f = &r->h->flow[sg->flow];
		double got = sg->frames * keep[sg->core] * vm_keep[f->vm];

		if (is_vsx(r) && sg->rx != sg->core)
			got *= keep[sg->rx]; /* the receiving core ran XDP on it first */
		res->frames += sg->frames;
		res->delivered += got;
		if (f->prio) {
			res->prio_frames += sg->frames;
			res->prio_delivered += got;
			res->prio_off[k] += sg->frames;
			res->prio_got[k] += got;
		}
		if (is_vsx(r))
			r->rule_frames[f->vm] += sg->frames;
		else
			r->bucket_frames[bucket(f)] += sg->frames;
	}
}

/* The core table vsxd writes after a sample (vsx_core_table_fill): loads rounded. */
static void fill_table(struct run *r)
{
	const struct sim_params *p = r->p;

	r->t.n_cpus = p->cores;
	r->t.threshold = (__u8)p->threshold;
	r->t.decision_load = (__u8)p->decision_load;
	for (unsigned int c = 0; c < p->cores; c++) {
		double l = r->load[c] + 0.5;

		r->t.cores[c].flags = VSX_CORE_ONLINE | (r->h->pinned[c] ? VSX_CORE_PINNED : 0);
		r->t.cores[c].load = (__u8)(l < 0 ? 0 : l > 100 ? 100 : l);
	}
	memset(r->a.recent, 0, sizeof(r->a.recent));
}

static int table_qualifies(const struct run *r)
{
	for (unsigned int c = 0; c < r->p->cores; c++)
		if (!r->h->pinned[c] && vsx_core_qualifies(&r->t, c))
			return 1;
	return 0;
}

static int result_alloc(const struct sim_params *p, struct sim_result *res, enum sim_policy policy)
{
	memset(res, 0, sizeof(*res));
	res->policy = policy;
	res->intervals = p->intervals;
	res->cores = p->cores;
	res->spread = calloc(p->intervals, sizeof(*res->spread));
	res->raw_spread = calloc(p->intervals, sizeof(*res->raw_spread));
	res->prio_off = calloc(p->intervals, sizeof(*res->prio_off));
	res->prio_got = calloc(p->intervals, sizeof(*res->prio_got));
	res->bound = calloc(p->intervals, sizeof(*res->bound));
	res->switch_load = calloc((size_t)p->intervals * p->cores, sizeof(*res->switch_load));
	res->collisions = calloc(p->intervals, sizeof(*res->collisions));
	res->qualifies = calloc(p->intervals, sizeof(*res->qualifies));
	return res->spread && res->raw_spread && res->prio_off && res->prio_got && res->bound &&
		       res->switch_load && res->collisions && res->qualifies
		   ? 0
		   : -ENOMEM;
}

void sim_result_free(struct sim_result *res)
{
	free(res->spread);
	free(res->raw_spread);
	free(res->prio_off);
	free(res->prio_got);
	free(res->bound);
	free(res->switch_load);
	free(res->collisions);
	free(res->qualifies);
	memset(res, 0, sizeof(*res));
}

static void run_free(struct run *r)
{
	free(r->fs);
	free(r->active);
	free(r->seg);
	free(r->ev);
	free(r->rule_core);
	free(r->rule_frames);
	free(r->vm_keep);
	free(r->rules);
	vsx_rebalance_free(r->rb);
	free(r);
}

static int run_init(struct run *r, const struct sim_params *p, const struct sim_host *h)
{
	unsigned int n_vms = h->n_vms ? h->n_vms : 1;

	r->fs = calloc(h->n_flows ? h->n_flows : 1, sizeof(*r->fs));
	r->active = calloc(h->n_flows ? h->n_flows : 1, sizeof(*r->active));
	r->rule_core = malloc(n_vms * sizeof(*r->rule_core));
	r->rule_frames = calloc(n_vms, sizeof(*r->rule_frames));
	r->vm_keep = calloc(n_vms, sizeof(*r->vm_keep));
	r->rules = calloc(n_vms, sizeof(*r->rules));
	if (!r->fs || !r->active || !r->rule_core || !r->rule_frames || !r->rules || !r->vm_keep)
		return -ENOMEM;
	for (unsigned int v = 0; v < n_vms; v++)
		r->rule_core[v] = VSX_CORE_NONE;
	/*
	 * The NIC's table: bucket b to the (b mod n)th core of its set, as ethtool's default
	 * spreads queues; the set is every core, or (--rss-cpus free) those without a VM, as
	 * when the operator binds the NIC's queues there.
	 */
	{
		int set[VSX_MAX_CPUS];
		unsigned int n = 0;

		for (unsigned int c = 0; c < p->cores; c++)
			if (!p->rss_free || !h->pinned[c]) {
				r->in_rss[c] = 1;
				set[n++] = (int)c;
			}
		for (unsigned int b = 0; b < SIM_RETA_SIZE; b++)
			r->reta[b] = r->nic[b] = set[b % n];
	}
	if (r->policy == SIM_VSX_RB) {
		int err = vsx_rebalance_new(&r->rb);

		if (err)
			return err;
		sim_rb_conf(p, &r->rb_conf);
	}
	/* the first sample: the idle host, no VM booted yet */
	sim_vm_demand(p, h, 0, r->load);
	fill_table(r);
	return 0;
}

int sim_run(const struct sim_params *p, const struct sim_host *h, enum sim_policy policy,
	    struct sim_result *res)
{
	struct run *r = calloc(1, sizeof(*r));
	size_t next_flow = 0;
	int err;

	if (!r)
		return -ENOMEM;
	r->p = p;
	r->h = h;
	r->policy = policy;
	r->res = res;
	err = result_alloc(p, res, policy);
	if (!err)
		err = run_init(r, p, h);
	for (unsigned int k = 0; !err && k < p->intervals; k++) {
		double t0 = k * SIM_INTERVAL_S;

		res->qualifies[k] = (unsigned char)table_qualifies(r);
		memset(r->stack_us, 0, sizeof(r->stack_us));
		memset(r->xdp_us, 0, sizeof(r->xdp_us));
		memset(r->bucket_frames, 0, sizeof(r->bucket_frames));
		memset(r->rule_frames, 0, h->n_vms * sizeof(*r->rule_frames));
		r->n_seg = 0;
		/* the VMs' demand over the interval: those booted by its middle */
		sim_vm_demand(p, h, t0 + SIM_INTERVAL_S / 2, r->vm);
		err = place_interval(r, k, &next_flow);
		if (err)
			break;
		account_interval(r, k);
		if (policy == SIM_VSX)
			res->bound[k] = sim_lpt_bound(r);
		fill_table(r);
		if (policy == SIM_RSSPP)
			sim_rsspp_round(r);
		else if (policy == SIM_VSX_RB)
			err = sim_rb_round(r);
	}
	run_free(r);
	return err;
}
