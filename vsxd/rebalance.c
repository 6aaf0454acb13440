// SPDX-License-Identifier: MIT
/*
 * Live rebalancing, vsxd's side (docs/rebalancing.md): at every sampling tick, after the new
 * loads are in the datapath, the decided irq:auto rules and their packet rates since the
 * last tick go to the planner (lib/rebalance.c); each move it returns is written into the
 * rule's state (the datapath's flows follow at their next idle gap, vsx_config's
 * flowlet_jiffies) and into the assignment counts, and logged with its reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vsxd.h"
#include "jiffies.h"
#include "log.h"
#include "rebalance.h"
#include "rule_text.h"
#include <vsx/fcf.h>
#include <vsx/cpumap_stats.h>

/* Moves per round at most (the planner's max_moves bounds it further). */
#define MAX_MOVES 64

/* Ticks between scans of /proc for the cpumap kthreads (a scan also follows a vanished one). */
#define KTHREAD_RESCAN_TICKS 50

/*
 * What each core's cpumap kthread costs, measured: its CPU time (/proc/PID/schedstat, in ns)
 * over the tick. Where the kthread took (nearly) every packet steered onto its core, that time
 * is the steered work on the core, and it is split over the core's rules by rate: the rules'
 * measured shares (vsx_rebalance_rule.share). Estimates from rates alone take the load per
 * packet of other cores, and the interrupt core's own work made each rule look several times
 * heavier than it was: an overloaded core then shed one rule per cooldown (bench/rebalance's
 * load step settled in 3.6 s).
 */
struct kthread_meter {
	int pid[VSX_MAX_CPUS];
	unsigned int rescan;	 /* ticks until the next scan */
	bool have[VSX_MAX_CPUS]; /* the readings below are from the last tick */
	__u64 run_ns[VSX_MAX_CPUS];
	__u64 frames[VSX_MAX_CPUS];	 /* kthread frames (cpumap accounting) */
	__u64 packets[VSX_MAX_CPUS];	 /* packets the datapath put on the core */
	bool known[VSX_MAX_CPUS];	 /* this tick: busy[] is the core's steered work */
	unsigned int busy[VSX_MAX_CPUS]; /* percent of the tick */
};

struct vsxd_rebalance {
	struct vsx_rebalance *plan;
	struct vsx_rebalance_conf conf;
	struct vsx_rebalance_rule *rules; /* VSX_MAX_RULES, this round's list */
	__u64 *last_packets;		  /* per rule id, at the last tick */
	bool *have_last;		  /* last_packets[id] is a reading of this rule */
	unsigned long long last_ns;
	__u64 moves, moves_in[VSX_MAX_CPUS], moves_out[VSX_MAX_CPUS];
	struct kthread_meter meter;
};

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int vsxd_rebalance_init(struct vsxd *d)
{
	struct vsxd_rebalance *r = calloc(1, sizeof(*r));
	unsigned int hz = vsx_hz(), fj = 0;

	d->rebalance = r;
	if (!r)
		return -ENOMEM;
	r->rules = calloc(VSX_MAX_RULES, sizeof(*r->rules));
	r->last_packets = calloc(VSX_MAX_RULES, sizeof(*r->last_packets));
	r->have_last = calloc(VSX_MAX_RULES, sizeof(*r->have_last));
	if (!r->rules || !r->last_packets || !r->have_last || vsx_rebalance_new(&r->plan))
		return -ENOMEM;
	vsx_rebalance_conf_default(&r->conf, d->conf.sample_interval_ms);
	r->conf.hold = d->conf.rebalance_hold;
	r->conf.margin = d->conf.rebalance_margin;
	r->conf.balance = d->conf.rebalance_balance;

	if (d->conf.rebalance && !hz)
		log_warn(
		    "cannot measure the kernel's HZ (/proc/timer_list): cached flows of a moved "
		    "rule keep their core; new flows take the new one");
	else if (d->conf.rebalance)
		fj = vsx_flowlet_jiffies(d->conf.rebalance_gap_ms, hz);
	vsx_dp_call(&d->dpp, set_flowlet, fj);
	if (d->conf.rebalance)
		log_info("rebalancing on: hold %u samples, margin %u points, balance %u %%, "
			 "cooldown %u samples, flowlet gap %u ms (%u jiffies at HZ=%u)",
			 r->conf.hold, r->conf.margin, r->conf.balance, r->conf.cooldown,
			 d->conf.rebalance_gap_ms, fj, hz);
	return 0;
}

void vsxd_rebalance_free(struct vsxd *d)
{
	struct vsxd_rebalance *r = d->rebalance;

	if (!r)
		return;
	vsx_rebalance_free(r->plan);
	free(r->rules);
	free(r->last_packets);
	free(r->have_last);
	free(r);
	d->rebalance = NULL;
}

void vsxd_rebalance_forget(struct vsxd *d, __u32 rule_id)
{
	struct vsxd_rebalance *r = d->rebalance;

	if (!r || rule_id >= VSX_MAX_RULES)
		return;
	vsx_rebalance_forget(r->plan, rule_id);
	r->have_last[rule_id] = false;
}

/* A name for the rule in logs: its VM's, when it matches one VM ID, else its match. */
static void rule_label(const struct vsxd *d, const struct vsx_rule *rule, char *buf, size_t len)
{
	char text[VSX_RULE_TEXT_MAX], *actions;

	if ((rule->mask.fcf & VSX_FCF_VM_ID_MASK) == VSX_FCF_VM_ID_MASK) {
		unsigned int id = vsx_fcf_vm_id(rule->key.fcf);

		for (size_t i = 0; i < d->conf.n_vms; i++) {
			if (d->conf.vms[i].vm_id == id) {
				snprintf(buf, len, "%s", d->conf.vms[i].name);
				return;
			}
		}
	}
	vsx_rule_format(rule, text, sizeof(text));
	actions = strstr(text, "actions=");
	if (actions) {
		while (actions > text && (actions[-1] == ' ' || actions[-1] == ','))
			actions--;
		*actions = '\0';
	}
	snprintf(buf, len, "%s", text[0] ? text : "*");
}

/* The first field of /proc/PID/schedstat: time on a CPU, ns. 0 or -errno. */
static int read_run_ns(int pid, __u64 *ns)
{
	char path[64];
	unsigned long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*ns = v;
	return 0;
}

/* One tick of struct kthread_meter; dt_ns: the time since the last tick (0: the first). */
static void meter_tick(struct vsxd *d, struct kthread_meter *m, unsigned long long dt_ns)
{
	struct vsx_counter cnts[VSX_MAX_CPUS];
	struct vsx_dp_caps caps = {0};
	unsigned int n;
	bool have_cnts;

	/* no cpumap accounting: nothing tells kthread work from local work */
	if (vsx_dp_call(&d->dpp, caps, &caps) || !caps.cpumap_stats)
		return;
	n = caps.n_cpus < VSX_MAX_CPUS ? caps.n_cpus : VSX_MAX_CPUS;
	have_cnts = vsx_dp_call(&d->dpp, core_counters, cnts) == 0; /* one read for every core */
	if (m->rescan == 0) {
		vsxd_cpumap_kthread_pids(d, m->pid);
		memset(m->have, 0, sizeof(m->have));
		m->rescan = KTHREAD_RESCAN_TICKS;
	}
	m->rescan--;
	for (unsigned int c = 0; c < n; c++) {
		struct vsx_cpumap_stats cs;
		const struct vsx_counter cnt = cnts[c];
		__u64 run = 0, df, dp;

		m->known[c] = false;
		if (!m->pid[c] || read_run_ns(m->pid[c], &run) ||
		    vsx_dp_call(&d->dpp, cpumap_stats, c, &cs) || !have_cnts) {
			if (m->pid[c])
				m->rescan = 0; /* gone: look again next tick */
			m->have[c] = false;
			continue;
		}
		if (m->have[c] && dt_ns && run >= m->run_ns[c] &&
		    cs.kthread_frames >= m->frames[c] && cnt.packets >= m->packets[c]) {
			double busy = (double)(run - m->run_ns[c]) * 100.0 / (double)dt_ns;

			df = cs.kthread_frames - m->frames[c];
			dp = cnt.packets - m->packets[c];
			/* the kthread did (nearly) all of the core's steered work */
			m->known[c] = df * 10 >= dp * 9;
			m->busy[c] = busy > 100 ? 100 : (unsigned int)(busy + 0.5);
		}
		m->run_ns[c] = run;
		m->frames[c] = cs.kthread_frames;
		m->packets[c] = cnt.packets;
		m->have[c] = true;
	}
}

/* Measured shares for the rules on cores whose steered work the meter saw. */
static void measured_shares(const struct kthread_meter *m, struct vsx_rebalance_rule *rules,
			    size_t n)
{
	__u64 sum[VSX_MAX_CPUS] = {0};

	for (size_t i = 0; i < n; i++)
		if (rules[i].core >= 0 && rules[i].core < VSX_MAX_CPUS)
			sum[rules[i].core] += rules[i].rate;
	for (size_t i = 0; i < n; i++) {
		int c = rules[i].core;

		if (c < 0 || c >= VSX_MAX_CPUS || !m->known[c])
			continue;
		rules[i].share_known = 1;
		rules[i].share =
		    sum[c] ? (__u32)((m->busy[c] * rules[i].rate + sum[c] / 2) / sum[c]) : 0;
	}
}

/* Decided irq:auto rules with their rates; rules seen for the first time have rate 0. */
static size_t collect_rules(struct vsxd *d, double dt_s)
{
	struct vsxd_rebalance *r = d->rebalance;
	const struct vsx_rule *rule;
	size_t n = 0;

	vsx_rule_table_for_each(d->rules, rule)
	{
		struct vsx_rule_state st;
		struct vsx_counter cnt;
		__u32 id = rule->id;
		__u64 rate = 0;

		if (rule->action.kind != VSX_ACT_IRQ_AUTO || id >= VSX_MAX_RULES)
			continue;
		if (vsx_dp_call(&d->dpp, rule_state, id, &st) || st.core < 0 ||
		    vsx_dp_call(&d->dpp, rule_counter, VSX_DIR_INGRESS, id, &cnt)) {
			r->have_last[id] = false;
			continue;
		}
		if (r->have_last[id] && cnt.packets >= r->last_packets[id] && dt_s > 0)
			rate = (__u64)((double)(cnt.packets - r->last_packets[id]) / dt_s);
		r->last_packets[id] = cnt.packets;
		r->have_last[id] = true;
		r->rules[n++] = (struct vsx_rebalance_rule){
		    .rule_id = id,
		    .core = st.core,
		    .prio = st.prio ? 1 : 0,
		    .rate = rate,
		};
	}
	return n;
}

/* A snapshot of the datapath's counts (it adds to them concurrently). */
static void read_assign(const struct vsx_core_assign *src, struct vsx_core_assign *dst)
{
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		dst->normal[c] = __atomic_load_n(&src->normal[c], __ATOMIC_RELAXED);
		dst->prio[c] = __atomic_load_n(&src->prio[c], __ATOMIC_RELAXED);
		dst->recent[c] = __atomic_load_n(&src->recent[c], __ATOMIC_RELAXED);
	}
}

/* The move in the datapath: the rule's core, then its count, as the contract says. */
static int apply(struct vsxd *d, const struct vsx_rebalance_move *m)
{
	struct vsx_rule_state st = {.core = m->to, .prio = m->prio};
	struct vsx_core_assign *a = vsx_dp_call(&d->dpp, core_assign);
	__u32 *old, *new;
	int err = vsx_dp_call(&d->dpp, set_rule_state, m->rule_id, &st);

	if (err)
		return err;
	if (!a)
		return 0;
	old = m->prio ? &a->prio[m->from] : &a->normal[m->from];
	new = m->prio ? &a->prio[m->to] : &a->normal[m->to];
	/* never below zero: a count the datapath has not caught up with stays at 0 */
	__u32 cur = __atomic_load_n(old, __ATOMIC_RELAXED);
	while (cur && !__atomic_compare_exchange_n(old, &cur, cur - 1, false, __ATOMIC_RELAXED,
						   __ATOMIC_RELAXED))
		;
	__atomic_fetch_add(new, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&a->recent[m->to], 1, __ATOMIC_RELAXED);
	return 0;
}

void vsxd_rebalance_tick(struct vsxd *d)
{
	struct vsxd_rebalance *r = d->rebalance;
	struct vsx_rebalance_move moves[MAX_MOVES];
	struct vsx_core_assign snap = {0}, *assign;
	unsigned long long now = mono_ns();
	__u32 mode = VSX_MODE_DEFAULT;
	double dt_s;
	size_t n_rules;
	int n;

	if (!r || !d->conf.rebalance || !d->rules)
		return;
	dt_s = r->last_ns ? (double)(now - r->last_ns) / 1e9 : 0;
	r->last_ns = now;
	if (vsx_dp_call(&d->dpp, get_mode, &mode) || mode != VSX_MODE_VSX)
		return;
	meter_tick(d, &r->meter, dt_s > 0 ? (unsigned long long)(dt_s * 1e9) : 0);
	n_rules = collect_rules(d, dt_s);
	measured_shares(&r->meter, r->rules, n_rules);
	assign = vsx_dp_call(&d->dpp, core_assign);
	if (assign)
		read_assign(assign, &snap);
	n = vsx_rebalance_plan(r->plan, &r->conf, &d->core_table, &snap, r->rules, n_rules, moves,
			       MAX_MOVES);
	if (n < 0) {
		log_rl(VSX_LOG_WARN, "rebalancing: %s", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct vsx_rebalance_move *m = &moves[i];
		const struct vsx_rule *rule = vsx_rule_table_get(d->rules, m->rule_id);
		char label[VSX_RULE_TEXT_MAX], why[160];
		int err = apply(d, m);

		if (err) {
			log_warn("rule %u: moving from core %d to core %d: %s", m->rule_id, m->from,
				 m->to, strerror(-err));
			continue;
		}
		r->moves++;
		r->moves_out[m->from]++;
		r->moves_in[m->to]++;
		if (rule)
			rule_label(d, rule, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "?");
		vsx_rebalance_reason_format(m, why, sizeof(why));
		log_info("rule %u \"%s\" moved from core %d to core %d: %s", m->rule_id, label,
			 m->from, m->to, why);
	}
}

void vsxd_rebalance_counts(const struct vsxd *d, __u64 *total, const __u64 **in, const __u64 **out)
{
	static const __u64 zero[VSX_MAX_CPUS];
	const struct vsxd_rebalance *r = d->rebalance;

	*total = r ? r->moves : 0;
	*in = r ? r->moves_in : zero;
	*out = r ? r->moves_out : zero;
}

unsigned int vsxd_rebalance_cooldown(const struct vsxd *d)
{
	return d->rebalance ? d->rebalance->conf.cooldown : 0;
}
