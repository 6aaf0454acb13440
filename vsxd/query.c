// SPDX-License-Identifier: MIT
/* The query layer (query.h): the agent's state and the datapath's maps read into structs. */
#include "query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jiffies.h"

void vsxd_query_show(const struct vsxd *d, struct vsxd_q_show *q)
{
	struct vsx_config c = {0};
	struct vsx_dp_caps caps = {0};

	/* Neither fails on a datapath that is open; zeroes are shown if one did. */
	vsx_dp_call(&d->dpp, get_config, &c);
	vsx_dp_call(&d->dpp, caps, &caps);
	*q = (struct vsxd_q_show){
	    .uplink = d->conf.uplink,
	    .ifindex = d->dp.ifindex, /* XDP-only facts: the provider has no word for them */
	    .mode = c.mode,
	    .fcf = c.flags & VSX_CFG_FCF,
	    .egress_fcf = d->conf.egress_fcf,
	    .vxlan_port = ntohs(c.vxlan_port),
	    .flow_slots = caps.flow_slots,
	    .rules_ingress = vsx_rule_table_count_dir(d->rules, VSX_DIR_INGRESS),
	    .rules_egress = vsx_rule_table_count_dir(d->rules, VSX_DIR_EGRESS),
	    .rules_gen = c.rules_gen,
	    .datapath_reused = caps.reused,
	    .rebalance = d->conf.rebalance,
	    .rebalance_hold = d->conf.rebalance_hold,
	    .rebalance_margin = d->conf.rebalance_margin,
	    .rebalance_cooldown = vsxd_rebalance_cooldown(d),
	    .rebalance_gap_ms = d->conf.rebalance_gap_ms,
	    .flowlet_jiffies = c.flowlet_jiffies,
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
	const struct vsx_core_assign *a = vsx_dp_call(&d->dpp, core_assign);
	const __u64 *moves_in, *moves_out;
	__u64 stats[VSX_STAT_COUNT] = {0};
	struct vsx_counter cnts[VSX_MAX_CPUS] = {0};

	vsxd_rebalance_counts(d, &q->moves, &moves_in, &moves_out);
	vsx_dp_call(&d->dpp, stats, stats);
	q->threshold = t->threshold;
	q->decision_load = t->decision_load;
	q->rebalance = d->conf.rebalance;
	q->flow_moved = stats[VSX_STAT_FLOW_MOVED];
	q->samples = d->samples;
	q->n = 0;
	vsx_dp_call(&d->dpp, core_counters, cnts);
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
		    .auto_rules = a ? __atomic_load_n(&a->normal[cpu], __ATOMIC_RELAXED) : 0,
		    .auto_rules_prio = a ? __atomic_load_n(&a->prio[cpu], __ATOMIC_RELAXED) : 0,
		    .recent = a ? __atomic_load_n(&a->recent[cpu], __ATOMIC_RELAXED) : 0,
		    .packets = cnt.packets,
		    .bytes = cnt.bytes,
		    .moved_in = moves_in[cpu],
		    .moved_out = moves_out[cpu],
		};
	}
}

int vsxd_query_stats(struct vsxd *d, struct vsxd_q_stats *q)
{
	struct vsx_dp_caps caps = {0};
	int err = vsx_dp_call(&d->dpp, stats, q->v);

	if (!err)
		err = vsx_dp_call(&d->dpp, path_counters, q->path);
	if (!err)
		err = vsx_dp_call(&d->dpp, caps, &caps);
	if (err)
		return err;
	q->cpumap_available = caps.cpumap_stats;
	q->n_cpumap = 0;
	for (__u32 core = 0; q->cpumap_available && core < caps.n_cpus && core < VSX_MAX_CPUS;
	     core++) {
		struct vsx_cpumap_stats c;

		if (vsx_dp_call(&d->dpp, cpumap_stats, core, &c) ||
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
		vsx_dp_call(&d->dpp, rule_counter, o->dir, r->id, &cnt);
		o->packets = cnt.packets;
		o->bytes = cnt.bytes;
		o->is_auto = r->action.kind == VSX_ACT_IRQ_AUTO;
		o->has_state = o->is_auto && vsx_dp_call(&d->dpp, rule_state, r->id, &st) == 0;
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

struct flows_dump {
	struct vsxd_q_flows *q;
	unsigned long limit;
	size_t cap;
	unsigned long long now;
	unsigned int hz;
};

static int flow_cb(void *arg, const struct vsx_dp_flow *f)
{
	struct flows_dump *fd = arg;
	struct vsxd_q_flows *q = fd->q;
	const struct vsx_flow_slot *s = &f->s;

	q->live++;
	if (q->shown >= fd->limit)
		return 0;
	if (q->shown == fd->cap) {
		size_t ncap = fd->cap ? fd->cap * 2 : 64;
		struct vsxd_q_flow *p = realloc(q->v, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->v = p;
		fd->cap = ncap;
	}
	double span = s->last_jiffies > s->first_jiffies
			  ? (double)(s->last_jiffies - s->first_jiffies) / fd->hz
			  : 0;
	q->v[q->shown++] = (struct vsxd_q_flow){
	    .key = s->key,
	    .rule_id = s->rule_id,
	    .stay = s->flags & VSX_SLOT_STAY,
	    .core = s->core,
	    .prio = s->flags & VSX_SLOT_PRIO,
	    .packets = f->counter.packets,
	    .bytes = f->counter.bytes,
	    .rate_bps = span > 0 ? (double)f->counter.bytes * 8 / span : 0,
	    .age_s = fd->now > s->first_jiffies ? (double)(fd->now - s->first_jiffies) / fd->hz : 0,
	    .idle_s = fd->now > s->last_jiffies ? (double)(fd->now - s->last_jiffies) / fd->hz : 0,
	};
	return 0;
}

int vsxd_query_flows(struct vsxd *d, unsigned long limit, struct vsxd_q_flows *q)
{
	struct flows_dump fd = {.q = q, .limit = limit, .hz = vsx_hz()};
	int err;

	q->live = q->shown = 0;
	q->v = NULL;
	if (!fd.hz || vsx_jiffies_now(NULL, &fd.now))
		return -EIO;
	err = vsx_dp_call(&d->dpp, flow_dump, flow_cb, &fd);
	if (err) {
		vsxd_query_flows_free(q);
		return err;
	}
	return 0;
}

void vsxd_query_flows_free(struct vsxd_q_flows *q)
{
	free(q->v);
	q->v = NULL;
	q->shown = 0;
}

static const char *const flow_type_names[] = {
    [VSXD_Q_FLOWS_ALL] = "all",
    [VSXD_Q_FLOWS_OFFLOADED] = "offloaded",
    [VSXD_Q_FLOWS_ONLOADED] = "onloaded",
};

int vsxd_query_flow_type(const char *s, int *type)
{
	for (int i = 0; i < (int)(sizeof(flow_type_names) / sizeof(flow_type_names[0])); i++) {
		if (strcmp(s, flow_type_names[i]) == 0) {
			*type = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *vsxd_query_flow_type_name(int type)
{
	return type >= 0 && type <= VSXD_Q_FLOWS_ONLOADED ? flow_type_names[type] : "?";
}

struct mflows_walk {
	struct vsxd_q_mflows *q;
	unsigned long limit;
	size_t cap;
};

static int mflow_cb(void *arg, const struct vsxd_ofl_flow *of)
{
	struct mflows_walk *w = arg;
	struct vsxd_q_mflows *q = w->q;
	const struct vsx_fm_flow *f = of->f;
	bool off = f->path == VSX_FM_OFFLOADED;
	struct vsxd_q_mflow *o;

	if (off)
		q->offloaded++;
	else
		q->onloaded++;
	if ((q->type == VSXD_Q_FLOWS_OFFLOADED && !off) ||
	    (q->type == VSXD_Q_FLOWS_ONLOADED && off))
		return 0;
	q->packets += f->packets;
	q->bytes += f->bytes;
	for (int p = 0; p < 2; p++) {
		q->path_packets[p] += f->path_packets[p];
		q->path_bytes[p] += f->path_bytes[p];
	}
	if (q->shown >= w->limit)
		return 0;
	if (q->shown == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct vsxd_q_mflow *p = realloc(q->v, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->v = p;
		w->cap = ncap;
	}
	o = &q->v[q->shown++];
	*o = (struct vsxd_q_mflow){
	    .key = f->key,
	    .offloaded = off,
	    .reason = off ? VSX_FM_R_NONE : f->reason,
	    .core = f->core == VSX_CORE_NONE ? -1 : f->core,
	    .header_id = f->header_id,
	    .action = f->action,
	    .closing = f->closing,
	    .fragments = f->fragments,
	    .in_cache = f->in_cache,
	    .packets = f->packets,
	    .bytes = f->bytes,
	    .refused = f->refused,
	    .redirect_fail = f->redirect_fail,
	    .rate_dropped = f->rate_dropped,
	    .pps = f->pps,
	    .bps = f->bps,
	    .age_s = (double)of->age_ns / 1e9,
	    .idle_s = (double)of->idle_ns / 1e9,
	    .since_move_s = (double)of->since_move_ns / 1e9,
	    .moved_realtime_s = of->moved_realtime_s,
	    .moves = f->moves,
	};
	memcpy(o->path_packets, f->path_packets, sizeof(o->path_packets));
	memcpy(o->path_bytes, f->path_bytes, sizeof(o->path_bytes));
	vsx_fm_key_format(&f->key, o->text, sizeof(o->text));
	snprintf(o->vm, sizeof(o->vm), "%s", of->vm ? of->vm : "");
	snprintf(o->tenant, sizeof(o->tenant), "%s", of->tenant ? of->tenant : "");
	snprintf(o->port, sizeof(o->port), "%s", of->port ? of->port : "");
	return 0;
}

int vsxd_query_mflows(struct vsxd *d, int type, unsigned long limit, struct vsxd_q_mflows *q)
{
	struct mflows_walk w = {.q = q, .limit = limit};
	int err;

	memset(q, 0, sizeof(*q));
	q->type = type;
	err = vsxd_offload_flows(d, mflow_cb, &w);
	if (err)
		vsxd_query_mflows_free(q);
	return err;
}

void vsxd_query_mflows_free(struct vsxd_q_mflows *q)
{
	free(q->v);
	q->v = NULL;
	q->shown = 0;
}

static int port_cb(void *arg, const struct vsxd_ofl_port *p)
{
	struct vsxd_q_offload *q = arg;
	struct vsxd_q_port *n = realloc(q->ports, (q->n_ports + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	q->ports = n;
	n = &q->ports[q->n_ports++];
	*n = (struct vsxd_q_port){
	    .port = p->port, .ifindex = p->ifindex, .usable = p->usable, .err = p->err};
	snprintf(n->vm, sizeof(n->vm), "%s", p->vm ? p->vm : "");
	snprintf(n->ifname, sizeof(n->ifname), "%s", p->ifname ? p->ifname : "");
	return 0;
}

int vsxd_query_offload(struct vsxd *d, struct vsxd_q_offload *q)
{
	int err;

	memset(q, 0, sizeof(*q));
	vsxd_offload_stats(d, &q->s);
	err = vsxd_offload_ports(d, port_cb, q);
	if (err)
		vsxd_query_offload_free(q);
	return err;
}

void vsxd_query_offload_free(struct vsxd_q_offload *q)
{
	free(q->ports);
	q->ports = NULL;
	q->n_ports = 0;
}
