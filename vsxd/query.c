// SPDX-License-Identifier: MIT
/* The query layer (query.h): the agent's state and the datapath's maps read into structs. */
#include "query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jiffies.h"
#include "uplink.skel.h"

void vsxd_query_show(const struct vsxd *d, struct vsxd_q_show *q)
{
	const struct vsx_config *c = d->dp.cfg;

	*q = (struct vsxd_q_show){
	    .uplink = d->conf.uplink,
	    .ifindex = d->dp.ifindex,
	    .mode = c->mode,
	    .fcf = c->flags & VSX_CFG_FCF,
	    .egress_fcf = d->conf.egress_fcf,
	    .vxlan_port = ntohs(c->vxlan_port),
	    .flow_slots = d->dp.flow_slots,
	    .rules_ingress = vsx_rule_table_count_dir(d->rules, VSX_DIR_INGRESS),
	    .rules_egress = vsx_rule_table_count_dir(d->rules, VSX_DIR_EGRESS),
	    .rules_gen = c->rules_gen,
	    .datapath_reused = d->dp.reused,
	    .rebalance = d->conf.rebalance,
	    .rebalance_hold = d->conf.rebalance_hold,
	    .rebalance_margin = d->conf.rebalance_margin,
	    .rebalance_cooldown = vsxd_rebalance_cooldown(d),
	    .rebalance_gap_ms = d->conf.rebalance_gap_ms,
	    .flowlet_jiffies = __atomic_load_n(&c->flowlet_jiffies, __ATOMIC_RELAXED),
	    .decision_load = d->core_table.decision_load,
	    .bpffs = d->dp.pin_dir,
	    .vms = d->conf.vms,
	    .n_vms = d->conf.n_vms,
	};
}

static const char *vm_name(const struct vsxd *d, unsigned int vm_id)
{
	for (size_t i = 0; i < d->conf.n_vms; i++)
		if (d->conf.vms[i].vm_id == vm_id)
			return d->conf.vms[i].name;
	return "";
}

void vsxd_query_cores(struct vsxd *d, struct vsxd_q_cores *q)
{
	const struct vsx_core_table *t = &d->core_table;
	const struct vsx_core_assign *a = d->dp.core_assign;
	const __u64 *moves_in, *moves_out;
	__u64 stats[VSX_STAT_COUNT] = {0};
	struct vsx_counter cnts[VSX_MAX_CPUS];

	vsxd_rebalance_counts(d, &q->moves, &moves_in, &moves_out);
	vsxd_dp_stats(&d->dp, stats);
	q->threshold = t->threshold;
	q->decision_load = t->decision_load;
	q->rebalance = d->conf.rebalance;
	q->flow_moved = stats[VSX_STAT_FLOW_MOVED];
	q->samples = d->samples;
	q->n = 0;
	vsxd_dp_core_counters(&d->dp, cnts);
	for (__u32 cpu = 0; cpu < t->n_cpus && cpu < VSX_MAX_CPUS; cpu++) {
		const struct vsx_core *c = &t->cores[cpu];
		struct vsxd_q_core *o = &q->cores[q->n++];
		const struct vsx_counter cnt = cnts[cpu];
		bool pinned = c->flags & VSX_CORE_PINNED;

		*o = (struct vsxd_q_core){
		    .core = cpu,
		    .online = c->flags & VSX_CORE_ONLINE,
		    .pinned = pinned,
		    .load = c->load,
		    .pinned_vm = c->pinned_vm,
		    .pinned_name = pinned ? vm_name(d, c->pinned_vm) : "",
		    .auto_rules = a->normal[cpu],
		    .auto_rules_prio = a->prio[cpu],
		    .recent = a->recent[cpu],
		    .packets = cnt.packets,
		    .bytes = cnt.bytes,
		    .moved_in = moves_in[cpu],
		    .moved_out = moves_out[cpu],
		};
	}
}

/* The named and per-path counters from one read of the per-CPU stats block. */
static int read_stat_block(struct vsxd *d, struct vsxd_q_stats *q)
{
	struct vsx_stat_block *b = malloc(sizeof(*b)); /* 4 kB of per-core counters */
	int err;

	if (!b)
		return -ENOMEM;
	err = vsxd_dp_percpu_sum(bpf_map__fd(d->dp.up->maps.vsx_stats), 0, sizeof(*b),
				 (__u64 *)b, sizeof(*b) / sizeof(__u64));
	if (!err) {
		memcpy(q->v, b->v, sizeof(q->v));
		memcpy(q->path, b->path, sizeof(q->path));
	}
	free(b);
	return err;
}

int vsxd_query_stats(struct vsxd *d, struct vsxd_q_stats *q)
{
	int err = read_stat_block(d, q);

	if (err)
		return err;
	q->cpumap_available = d->dp.acct != NULL;
	q->n_cpumap = 0;
	for (__u32 core = 0; q->cpumap_available && core < d->dp.n_cpus && core < VSX_MAX_CPUS;
	     core++) {
		struct vsx_cpumap_stats c;

		if (vsxd_dp_cpumap_stats(&d->dp, core, &c) ||
		    (!c.enqueued && !c.kthread_batches && !c.redirect_errors))
			continue;
		q->cpumap[q->n_cpumap++] = (struct vsxd_q_cpumap){.core = core, .c = c};
	}
	return 0;
}

int vsxd_query_rules(struct vsxd *d, struct vsxd_q_rules *q)
{
	const struct vsx_rule *r;
	size_t n = vsx_rule_table_count(d->rules);

	q->n = 0;
	q->v = calloc(n ? n : 1, sizeof(*q->v));
	if (!q->v)
		return -ENOMEM;
	vsx_rule_table_for_each(d->rules, r)
	{
		struct vsx_rule_state st = {.core = VSX_CORE_NONE};
		struct vsx_counter cnt = {};
		struct vsxd_q_rule *o;

		if (q->n == n)
			break;
		o = &q->v[q->n++];
		o->rule = r;
		o->id = r->id;
		o->dir = vsx_rule_direction(r);
		vsxd_dp_rule_counter(&d->dp, (enum vsxd_dir)o->dir, r->id, &cnt);
		o->packets = cnt.packets;
		o->bytes = cnt.bytes;
		o->is_auto = r->action.kind == VSX_ACT_IRQ_AUTO;
		o->has_state = o->is_auto && vsxd_dp_rule_state(&d->dp, r->id, &st) == 0;
		if (o->has_state && st.core >= 0) {
			o->decided = true;
			o->decided_core = st.core;
			o->decided_prio = st.prio;
		}
	}
	return 0;
}

void vsxd_query_rules_free(struct vsxd_q_rules *q)
{
	free(q->v);
	q->v = NULL;
	q->n = 0;
}

int vsxd_query_flows(struct vsxd *d, unsigned long limit, struct vsxd_q_flows *q)
{
	const struct vsx_flow_slot *slots = d->dp.flows;
	__u32 gen = __atomic_load_n(&d->dp.cfg->rules_gen, __ATOMIC_ACQUIRE);
	unsigned long long now = 0;
	unsigned int hz = vsx_hz();
	size_t cap = 0;

	q->live = q->shown = 0;
	q->v = NULL;
	if (!hz || vsx_jiffies_now(NULL, &now))
		return -EIO;
	for (size_t i = 0; i < d->dp.flow_slots; i++) {
		struct vsx_flow_slot s;
		struct vsx_counter cnt;
		struct vsxd_q_flow *o;

		if (!(slots[i].flags & VSX_SLOT_VALID) || slots[i].gen != gen)
			continue;
		/* The datapath writes slots concurrently: a copy, checked again. */
		memcpy(&s, &slots[i], sizeof(s));
		if (!(s.flags & VSX_SLOT_VALID))
			continue;
		q->live++;
		if (q->shown >= limit)
			continue;
		if (q->shown == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct vsxd_q_flow *p = realloc(q->v, ncap * sizeof(*p));

			if (!p) {
				vsxd_query_flows_free(q);
				return -ENOMEM;
			}
			q->v = p;
			cap = ncap;
		}
		o = &q->v[q->shown++];
		vsxd_dp_flow_counter(&d->dp, (__u32)i, s.tag, &cnt);
		double span = s.last_jiffies > s.first_jiffies
				  ? (double)(s.last_jiffies - s.first_jiffies) / hz
				  : 0;
		*o = (struct vsxd_q_flow){
		    .key = s.key,
		    .rule_id = s.rule_id,
		    .stay = s.flags & VSX_SLOT_STAY,
		    .core = s.core,
		    .prio = s.flags & VSX_SLOT_PRIO,
		    .packets = cnt.packets,
		    .bytes = cnt.bytes,
		    .rate_bps = span > 0 ? (double)cnt.bytes * 8 / span : 0,
		    .age_s = now > s.first_jiffies ? (double)(now - s.first_jiffies) / hz : 0,
		    .idle_s = now > s.last_jiffies ? (double)(now - s.last_jiffies) / hz : 0,
		};
	}
	return 0;
}

void vsxd_query_flows_free(struct vsxd_q_flows *q)
{
	free(q->v);
	q->v = NULL;
	q->shown = 0;
}
