// SPDX-License-Identifier: MIT
/* The in-memory datapath double (dp_double.h): the XDP provider's checks, plain state. */
#include "dp_double.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "offload_key.h"
#include <arpa/inet.h>
#include <vsx/rate.h>

static struct vsx_dp_double *dbl(void *ctx)
{
	return ctx;
}

/* Counts the call and answers an injected failure (0: go on). */
static int enter(struct vsx_dp_double *d, enum dpd_op op)
{
	d->calls[op]++;
	if (!d->fail_err[op])
		return 0;
	if (d->fail_skip[op]) {
		d->fail_skip[op]--;
		return 0;
	}
	int err = d->fail_err[op];

	if (d->fail_times[op] && --d->fail_times[op] == 0)
		d->fail_err[op] = 0;
	return err;
}

static int dir_ok(const struct vsx_dp_double *d, int dir)
{
	if (dir != VSX_DIR_INGRESS && dir != VSX_DIR_EGRESS)
		return -EINVAL;
	if (dir == VSX_DIR_EGRESS && !d->caps.egress)
		return -EOPNOTSUPP;
	return 0;
}

/* ---- steering ---- */

static int op_caps(void *ctx, struct vsx_dp_caps *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_CAPS);

	if (!err)
		*out = d->caps;
	return err;
}

static int op_set_mode(void *ctx, __u32 mode)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SET_MODE);

	if (!err && mode >= VSX_MODE_COUNT)
		err = -EINVAL;
	if (!err)
		d->cfg.mode = mode;
	return err;
}

static int op_get_mode(void *ctx, __u32 *mode)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_GET_MODE);

	if (!err)
		*mode = d->cfg.mode;
	return err;
}

static int op_get_config(void *ctx, struct vsx_config *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_GET_CONFIG);

	if (!err)
		*out = d->cfg;
	return err;
}

static int op_set_flowlet(void *ctx, __u32 jiffies)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SET_FLOWLET);

	if (!err)
		d->cfg.flowlet_jiffies = jiffies;
	return err;
}

/*
 * As vsx_cls_install: more subtables than a bank has is -ENOSPC; the rules hash holds both
 * banks (2 * VSX_MAX_RULES entries), and the new bank is written while the old one is still
 * there, so old + new entries beyond that is the kernel's -E2BIG, with the old one in force.
 */
static int op_install(void *ctx, int dir, const struct vsx_classifier *c)
{
	struct vsx_dp_double *d = dbl(ctx);
	struct vsx_cls_entry *copy = NULL;
	int err = enter(d, DPD_INSTALL);

	if (!err)
		err = dir_ok(d, dir);
	if (!err && c->dir != dir)
		err = -EINVAL;
	if (!err && c->n_masks > VSX_MAX_MASKS)
		err = -ENOSPC;
	if (!err && (size_t)d->cls[dir].n_entries + c->n_entries > 2 * (size_t)VSX_MAX_RULES)
		err = -E2BIG;
	if (!err && c->n_entries) {
		copy = malloc(c->n_entries * sizeof(*copy));
		if (!copy)
			err = -ENOMEM;
	}
	if (err)
		return err;
	for (__u32 i = 0; i < c->n_entries; i++) {
		if (c->entries[i].key.mask_id >= c->n_masks) {
			free(copy); /* an entry of no subtable: the datapath would never find it */
			return -EINVAL;
		}
		copy[i] = c->entries[i];
	}
	free(d->cls[dir].entries);
	d->cls[dir].entries = copy;
	d->cls[dir].n_entries = c->n_entries;
	d->cls[dir].n_masks = c->n_masks;
	memcpy(d->cls[dir].masks, c->masks, c->n_masks * sizeof(c->masks[0]));
	if (dir == VSX_DIR_INGRESS)
		d->cfg.rules_gen++; /* every cached decision is stale */
	return 0;
}

static int op_rule_state(void *ctx, __u32 id, struct vsx_rule_state *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_RULE_STATE);

	if (!err && id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (!err)
		*out = d->state[id];
	return err;
}

static int op_set_rule_state(void *ctx, __u32 id, const struct vsx_rule_state *st)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SET_RULE_STATE);

	if (!err && (id >= VSX_MAX_RULES || st->core < VSX_CORE_NONE || st->core >= VSX_MAX_CPUS))
		err = -EINVAL;
	if (!err)
		d->state[id] = *st;
	return err;
}

static int op_reset_rule(void *ctx, __u32 id)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_RESET_RULE);

	if (!err && id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (!err)
		d->state[id] = (struct vsx_rule_state){.core = VSX_CORE_NONE};
	return err;
}

static int op_rule_counter(void *ctx, int dir, __u32 id, struct vsx_counter *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_RULE_COUNTER);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = dir_ok(d, dir);
	if (!err && id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (!err)
		*out = d->rule_cnt[dir][id];
	return err;
}

static int op_set_rule_counter(void *ctx, int dir, __u32 id, const struct vsx_counter *c)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SET_RULE_COUNTER);

	if (!err)
		err = dir_ok(d, dir);
	if (!err && id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (!err)
		d->rule_cnt[dir][id] = *c;
	return err;
}

static int op_clear_rule_counters(void *ctx, int dir, __u32 id)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_CLEAR_RULE_COUNTERS);

	if (!err)
		err = dir_ok(d, dir);
	if (!err && id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (!err)
		d->rule_cnt[dir][id] = (struct vsx_counter){0};
	return err;
}

static int op_core_counters(void *ctx, struct vsx_counter out[VSX_MAX_CPUS])
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_CORE_COUNTERS);

	/* zeros if the read fails, as the XDP provider gives */
	memcpy(out, d->core_cnt, sizeof(d->core_cnt));
	if (err)
		memset(out, 0, sizeof(d->core_cnt));
	return err;
}

static int op_path_counters(void *ctx, struct vsx_counter out[VSX_PATH_COUNT])
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_PATH_COUNTERS);

	memcpy(out, d->path_cnt, sizeof(d->path_cnt));
	if (err)
		memset(out, 0, sizeof(d->path_cnt));
	return err;
}

static int op_stats(void *ctx, __u64 out[VSX_STAT_COUNT])
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_STATS);

	memcpy(out, d->stats, sizeof(d->stats));
	if (err)
		memset(out, 0, sizeof(d->stats));
	return err;
}

static int op_cpumap_stats(void *ctx, __u32 core, struct vsx_cpumap_stats *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_CPUMAP_STATS);

	memset(out, 0, sizeof(*out));
	if (!err && !d->caps.cpumap_stats)
		err = -EOPNOTSUPP;
	if (!err && core >= VSX_MAX_CPUS)
		err = -EINVAL;
	if (!err)
		*out = d->cpumap[core];
	return err;
}

static int op_set_core_table(void *ctx, const struct vsx_core_table *t)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SET_CORE_TABLE);

	if (!err && t->n_cpus > d->caps.n_cpus)
		err = -EINVAL;
	if (err)
		return err;
	memcpy(d->core_table.cores, t->cores, t->n_cpus * sizeof(t->cores[0]));
	d->core_table.threshold = t->threshold;
	d->core_table.decision_load = t->decision_load;
	d->core_table.n_cpus = t->n_cpus;
	return 0;
}

static int op_sync_cores(void *ctx, const struct vsx_core_table *t)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_SYNC_CORES);

	if (!err && t->n_cpus > VSX_MAX_CPUS)
		err = -EINVAL;
	if (err)
		return err;
	for (unsigned int cpu = 0; cpu < d->caps.n_cpus; cpu++)
		d->cpumap_entry[cpu] = cpu < t->n_cpus && (t->cores[cpu].flags & VSX_CORE_ONLINE);
	return 0;
}

static struct vsx_core_assign *op_core_assign(void *ctx)
{
	return &dbl(ctx)->assign;
}

static int op_flow_dump(void *ctx, vsx_dp_flow_cb cb, void *arg)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_FLOW_DUMP);

	if (err)
		return err;
	for (size_t i = 0; i < d->caps.flow_slots; i++) {
		struct vsx_dp_flow f = {
		    .slot = (__u32)i, .s = d->slots[i], .counter = d->slot_cnt[i]};
		int rc;

		if (!(f.s.flags & VSX_SLOT_VALID) || f.s.gen != d->cfg.rules_gen)
			continue;
		rc = cb(arg, &f);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct vsx_dp_ops dpd_ops = {
    .caps = op_caps,
    .set_mode = op_set_mode,
    .get_mode = op_get_mode,
    .get_config = op_get_config,
    .set_flowlet = op_set_flowlet,
    .install_classifier = op_install,
    .rule_state = op_rule_state,
    .set_rule_state = op_set_rule_state,
    .reset_rule = op_reset_rule,
    .rule_counter = op_rule_counter,
    .set_rule_counter = op_set_rule_counter,
    .clear_rule_counters = op_clear_rule_counters,
    .core_counters = op_core_counters,
    .path_counters = op_path_counters,
    .stats = op_stats,
    .cpumap_stats = op_cpumap_stats,
    .set_core_table = op_set_core_table,
    .sync_cores = op_sync_cores,
    .core_assign = op_core_assign,
    .flow_dump = op_flow_dump,
};

/* ---- offload ---- */

static const struct dpd_iface *iface_of(const struct vsx_dp_double *d, __u32 ifindex)
{
	for (unsigned int i = 0; ifindex && i < DPD_MAX_IFACES; i++)
		if (d->ifaces[i].ifindex == ifindex)
			return &d->ifaces[i];
	return NULL;
}

static int ofl_caps(void *ctx, struct vsx_offload_caps *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_CAPS);

	if (!err)
		*out = d->ocaps;
	return err;
}

static int ofl_set_enabled(void *ctx, bool on)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_SET_ENABLED);

	if (!err)
		d->ofl_enabled = on;
	return err;
}

static int ofl_port_set(void *ctx, const struct vsx_offload_port *p)
{
	struct vsx_dp_double *d = dbl(ctx);
	const struct dpd_iface *ifc;
	int err = enter(d, DPD_OFL_PORT_SET);

	if (err)
		return err;
	if (!p->port || p->port >= d->ocaps.max_ports || !p->ifindex || !p->mtu)
		return -EINVAL;
	ifc = iface_of(d, p->ifindex);
	if (!ifc)
		return -ENODEV;
	if (!ifc->can_redirect)
		return -EOPNOTSUPP;
	d->ports[p->port] = *p;
	d->port_valid[p->port] = true;
	return 0;
}

static int ofl_port_del(void *ctx, __u32 port)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_PORT_DEL);

	if (err)
		return err;
	if (!port || port >= d->ocaps.max_ports)
		return -EINVAL;
	if (!d->port_valid[port])
		return -ENOENT;
	d->port_valid[port] = false;
	return 0;
}

static struct dpd_offload_entry *entry_of(const struct vsx_dp_double *d,
					  const struct vsx_offload_key *key)
{
	for (size_t i = 0; i < d->ocaps.table_size; i++)
		if (d->entries[i].used && !memcmp(&d->entries[i].key, key, sizeof(*key)))
			return &d->entries[i];
	return NULL;
}

static bool limited(const struct vsx_rate_limit *l)
{
	return l->bits_per_s || l->pkts_per_s;
}

static int ofl_put(void *ctx, const struct vsx_offload_flow *f)
{
	struct vsx_dp_double *d = dbl(ctx);
	struct dpd_offload_entry *e;
	int err = enter(d, DPD_OFL_PUT);

	if (err)
		return err;
	if (!f->flow_id || f->flow_id > d->ocaps.table_size || !f->port ||
	    f->port >= d->ocaps.max_ports || !vsx_offload_key_valid(&f->key))
		return -EINVAL;
	if (limited(&f->limit) && !d->ocaps.rate_limit)
		return -EOPNOTSUPP;
	if (limited(&f->limit)) {
		struct vsx_rate_bucket
		    b; /* the XDP provider's conversion refuses the same limits */

		if (vsx_rate_config(&b, f->limit.bits_per_s, f->limit.pkts_per_s,
				    f->limit.burst_bytes, f->limit.burst_pkts, f->limit.burst_us))
			return -EINVAL;
	}
	if (!d->port_valid[f->port])
		return -ENOENT;
	e = entry_of(d, &f->key);
	if (!e) {
		for (size_t i = 0; !e && i < d->ocaps.table_size; i++)
			if (!d->entries[i].used)
				e = &d->entries[i];
		if (!e)
			return -ENOSPC;
	}
	if (!e->used || e->flow_id != f->flow_id)
		d->ofl_cnt[f->flow_id] = (struct vsx_offload_counters){0};
	*e = (struct dpd_offload_entry){
	    .used = true, .key = f->key, .port = f->port, .flow_id = f->flow_id, .limit = f->limit};
	return 0;
}

static int ofl_del(void *ctx, const struct vsx_offload_key *key)
{
	struct vsx_dp_double *d = dbl(ctx);
	struct dpd_offload_entry *e;
	int err = enter(d, DPD_OFL_DEL);

	if (err)
		return err;
	if (!vsx_offload_key_valid(key))
		return -EINVAL;
	e = entry_of(d, key);
	if (!e)
		return -ENOENT;
	e->used = false;
	return 0;
}

static int ofl_counters(void *ctx, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_COUNTERS);

	memset(out, 0, sizeof(*out));
	if (!err && (!flow_id || flow_id > d->ocaps.table_size))
		err = -EINVAL;
	if (!err && !d->ocaps.stats)
		err = -EOPNOTSUPP;
	if (!err)
		*out = d->ofl_cnt[flow_id];
	return err;
}

/* ---- offload, TX ---- */

static int ofl_remote_set(void *ctx, __u32 id, const struct vsx_tx_remote *r)
{
	struct vsx_dp_double *d = dbl(ctx);
	const struct dpd_iface *ifc;
	int err = enter(d, DPD_OFL_REMOTE_SET);

	if (err)
		return err;
	if (!d->ocaps.tx)
		return -EOPNOTSUPP;
	/* as vsxd/dp_vmport.c checks a remote */
	if (!id || id >= d->ocaps.tx_remotes || !r->local || !r->remote || !r->dport || !r->ttl ||
	    r->port_min > r->port_max ||
	    (r->flags &
	     ~(VSX_TX_R_VALID | VSX_TX_R_UDP_CSUM | VSX_TX_R_DF_SET | VSX_TX_R_TOS_INHERIT)))
		return -EINVAL;
	if (r->uplink) {
		ifc = iface_of(d, r->uplink);
		if (!ifc)
			return -ENODEV;
		if (!ifc->can_redirect)
			return -EOPNOTSUPP;
	}
	d->remotes[id] = *r;
	d->remotes[id].flags |= VSX_TX_R_VALID;
	d->remote_valid[id] = true;
	return 0;
}

static int ofl_remote_del(void *ctx, __u32 id)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_REMOTE_DEL);

	if (err)
		return err;
	if (!d->ocaps.tx)
		return -EOPNOTSUPP;
	if (!id || id >= d->ocaps.tx_remotes)
		return -EINVAL;
	if (!d->remote_valid[id])
		return -ENOENT;
	d->remote_valid[id] = false;
	return 0;
}

static struct dpd_tx_entry *tx_of(const struct vsx_dp_double *d, const struct vsx_tx_key *key)
{
	for (size_t i = 0; i < d->ocaps.tx_table_size; i++)
		if (d->tx[i].used && !memcmp(&d->tx[i].key, key, sizeof(*key)))
			return &d->tx[i];
	return NULL;
}

static int ofl_tx_put(void *ctx, const struct vsx_offload_tx_flow *f)
{
	struct vsx_dp_double *d = dbl(ctx);
	struct dpd_tx_entry *e;
	int err = enter(d, DPD_OFL_TX_PUT);

	if (err)
		return err;
	if (!d->ocaps.tx)
		return -EOPNOTSUPP;
	/* the XDP provider's order of checks, so that both answer the same */
	if (!f->key.port || f->key.port >= d->ocaps.max_ports || !f->remote ||
	    f->remote >= d->ocaps.tx_remotes || !f->flow_id || f->flow_id > d->ocaps.tx_table_size)
		return -EINVAL;
	if (!vsx_tx_key_valid(&f->key))
		return -EINVAL;
	if (!d->port_valid[f->key.port] || !d->remote_valid[f->remote])
		return -ENOENT;
	if (limited(&f->limit)) {
		struct vsx_rate_bucket b;

		if (vsx_rate_config(&b, f->limit.bits_per_s, f->limit.pkts_per_s,
				    f->limit.burst_bytes, f->limit.burst_pkts, f->limit.burst_us))
			return -EINVAL;
	}
	e = tx_of(d, &f->key);
	for (size_t i = 0; !e && i < d->ocaps.tx_table_size; i++)
		if (!d->tx[i].used)
			e = &d->tx[i];
	if (!e)
		return -ENOSPC;
	if (!e->used || e->e.flow_id != f->flow_id)
		d->tx_cnt[f->flow_id] = (struct vsx_offload_counters){0};
	*e = (struct dpd_tx_entry){
	    .used = true,
	    .key = f->key,
	    .e = {.remote = f->remote,
		  .vni = d->ports[f->key.port].vni,
		  .flow_id = f->flow_id,
		  .rate_id = limited(&f->limit) ? f->flow_id : 0,
		  .flags = limited(&f->limit) ? VSX_TX_F_RATE : 0},
	    .limit = f->limit,
	};
	return 0;
}

static int ofl_tx_del(void *ctx, const struct vsx_tx_key *key)
{
	struct vsx_dp_double *d = dbl(ctx);
	struct dpd_tx_entry *e;
	int err = enter(d, DPD_OFL_TX_DEL);

	if (err)
		return err;
	if (!d->ocaps.tx)
		return -EOPNOTSUPP;
	e = tx_of(d, key);
	if (!e)
		return -ENOENT;
	e->used = false;
	return 0;
}

static int ofl_tx_counters(void *ctx, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct vsx_dp_double *d = dbl(ctx);
	int err = enter(d, DPD_OFL_TX_COUNTERS);

	memset(out, 0, sizeof(*out));
	if (!err && !d->ocaps.tx)
		err = -EOPNOTSUPP;
	if (!err && (!flow_id || flow_id > d->ocaps.tx_table_size))
		err = -EINVAL;
	if (!err)
		*out = d->tx_cnt[flow_id];
	return err;
}

static const struct vsx_offload_ops dpd_ofl_ops = {
    .caps = ofl_caps,
    .set_enabled = ofl_set_enabled,
    .port_set = ofl_port_set,
    .port_del = ofl_port_del,
    .put = ofl_put,
    .del = ofl_del,
    .counters = ofl_counters,
    .remote_set = ofl_remote_set,
    .remote_del = ofl_remote_del,
    .tx_put = ofl_tx_put,
    .tx_del = ofl_tx_del,
    .tx_counters = ofl_tx_counters,
};

/* ---- life ---- */

struct vsx_dp_double *dpd_new(unsigned int n_cpus, size_t flow_slots, size_t table_size)
{
	struct vsx_dp_double *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->caps = (struct vsx_dp_caps){
	    .n_cpus = n_cpus > VSX_MAX_CPUS ? VSX_MAX_CPUS : n_cpus,
	    .flow_slots = flow_slots,
	    .cpumap_stats = true,
	    .egress = true,
	};
	d->cfg.rules_gen = 1;
	d->cfg.flow_slots_mask = flow_slots ? (__u32)flow_slots - 1 : 0;
	for (__u32 i = 0; i < VSX_MAX_RULES; i++)
		d->state[i].core = VSX_CORE_NONE;
	d->slots = calloc(flow_slots ? flow_slots : 1, sizeof(*d->slots));
	d->slot_cnt = calloc(flow_slots ? flow_slots : 1, sizeof(*d->slot_cnt));
	if (!d->slots || !d->slot_cnt)
		goto fail;
	d->dp = (struct vsx_dp){.ops = &dpd_ops, .ctx = d};
	if (table_size) {
		d->ocaps = (struct vsx_offload_caps){
		    .table_size = table_size,
		    .max_ports = VSX_MAX_VM_PORTS,
		    .rate_limit = true,
		    .stats = true,
		    .tx = true,
		    .tx_table_size = table_size,
		    .tx_remotes = DPD_TX_REMOTES,
		};
		d->entries = calloc(table_size, sizeof(*d->entries));
		d->ofl_cnt = calloc(table_size + 1, sizeof(*d->ofl_cnt));
		d->tx = calloc(table_size, sizeof(*d->tx));
		d->tx_cnt = calloc(table_size + 1, sizeof(*d->tx_cnt));
		if (!d->entries || !d->ofl_cnt || !d->tx || !d->tx_cnt)
			goto fail;
		d->ofl = (struct vsx_offload){.ops = &dpd_ofl_ops, .ctx = d};
	}
	return d;
fail:
	dpd_free(d);
	return NULL;
}

void dpd_free(struct vsx_dp_double *d)
{
	if (!d)
		return;
	for (int dir = 0; dir < VSX_DIR_COUNT; dir++)
		free(d->cls[dir].entries);
	free(d->slots);
	free(d->slot_cnt);
	free(d->entries);
	free(d->ofl_cnt);
	free(d->tx);
	free(d->tx_cnt);
	free(d);
}

void dpd_fail(struct vsx_dp_double *d, enum dpd_op op, int err, unsigned int skip,
	      unsigned int times)
{
	d->fail_err[op] = err;
	d->fail_skip[op] = skip;
	d->fail_times[op] = times;
}

void dpd_fail_clear(struct vsx_dp_double *d)
{
	memset(d->fail_err, 0, sizeof(d->fail_err));
	memset(d->fail_skip, 0, sizeof(d->fail_skip));
	memset(d->fail_times, 0, sizeof(d->fail_times));
}

/* ---- traffic ---- */

void dpd_traffic(struct vsx_dp_double *d, int dir, __u32 rule_id, unsigned int core, __u64 packets,
		 __u64 bytes)
{
	if (rule_id && rule_id < VSX_MAX_RULES &&
	    (dir == VSX_DIR_INGRESS || dir == VSX_DIR_EGRESS)) {
		d->rule_cnt[dir][rule_id].packets += packets;
		d->rule_cnt[dir][rule_id].bytes += bytes;
	}
	if (dir != VSX_DIR_INGRESS)
		return;
	if (core < VSX_MAX_CPUS) {
		d->core_cnt[core].packets += packets;
		d->core_cnt[core].bytes += bytes;
	}
	d->path_cnt[VSX_PATH_NORMAL].packets += packets;
	d->path_cnt[VSX_PATH_NORMAL].bytes += bytes;
	d->stats[VSX_STAT_RX] += packets;
	if (!rule_id)
		d->stats[VSX_STAT_UNMATCHED] += packets;
}

bool dpd_decide(struct vsx_dp_double *d, __u32 rule_id, int core, bool prio)
{
	if (rule_id >= VSX_MAX_RULES || core < 0 || core >= VSX_MAX_CPUS ||
	    d->state[rule_id].core != VSX_CORE_NONE)
		return false;
	d->state[rule_id] = (struct vsx_rule_state){.core = core, .prio = prio};
	if (prio)
		d->assign.prio[core]++;
	else
		d->assign.normal[core]++;
	d->assign.recent[core]++;
	return true;
}

int dpd_flow_add(struct vsx_dp_double *d, __u32 slot, const struct vsx_flow_key *key, __u32 rule_id,
		 int core, const struct vsx_counter *cnt)
{
	if (slot >= d->caps.flow_slots)
		return -EINVAL;
	d->slots[slot] = (struct vsx_flow_slot){
	    .key = *key,
	    .rule_id = rule_id,
	    .core = (__s16)core,
	    .flags = VSX_SLOT_VALID | (core < 0 ? VSX_SLOT_STAY : 0),
	    .gen = d->cfg.rules_gen,
	    .tag = d->slots[slot].tag + 1,
	};
	d->slot_cnt[slot] = cnt ? *cnt : (struct vsx_counter){0};
	return 0;
}

void dpd_iface(struct vsx_dp_double *d, __u32 ifindex, bool can_redirect)
{
	for (unsigned int i = 0; i < DPD_MAX_IFACES; i++) {
		if (d->ifaces[i].ifindex == ifindex || !d->ifaces[i].ifindex) {
			d->ifaces[i] = (struct dpd_iface){ifindex, can_redirect};
			return;
		}
	}
}

void dpd_offload_traffic(struct vsx_dp_double *d, __u32 flow_id, __u64 packets, __u64 bytes)
{
	if (!flow_id || flow_id > d->ocaps.table_size)
		return;
	d->ofl_cnt[flow_id].packets += packets;
	d->ofl_cnt[flow_id].bytes += bytes;
	d->path_cnt[VSX_PATH_OFFLOAD].packets += packets;
	d->path_cnt[VSX_PATH_OFFLOAD].bytes += bytes;
	d->stats[VSX_STAT_RX] += packets;
	d->stats[VSX_STAT_OFFLOAD_HIT] += packets;
}

void dpd_tx_traffic(struct vsx_dp_double *d, __u32 flow_id, __u64 packets, __u64 bytes)
{
	if (!flow_id || flow_id > d->ocaps.tx_table_size)
		return;
	d->tx_cnt[flow_id].packets += packets;
	d->tx_cnt[flow_id].bytes += bytes;
}

/* ---- reading ---- */

static bool masked_equal(const struct vsx_flow_key *pkt, const struct vsx_flow_key *mask,
			 const struct vsx_flow_key *key)
{
	const unsigned char *p = (const void *)pkt, *m = (const void *)mask, *k = (const void *)key;

	for (size_t i = 0; i < sizeof(*pkt); i++)
		if ((p[i] & m[i]) != k[i])
			return false;
	return true;
}

/* The datapath's lookup (classifier.h), over the installed bank by plain scan. */
const struct vsx_cls_val *dpd_lookup(const struct vsx_dp_double *d, int dir,
				     const struct vsx_flow_key *key)
{
	const struct vsx_cls_val *best = NULL;
	const struct dpd_cls *c;

	if (dir != VSX_DIR_INGRESS && dir != VSX_DIR_EGRESS)
		return NULL;
	c = &d->cls[dir];
	for (__u32 i = 0; i < c->n_masks; i++) {
		if (best && best->priority >= c->masks[i].max_priority)
			break;
		for (__u32 e = 0; e < c->n_entries; e++) {
			const struct vsx_cls_entry *en = &c->entries[e];

			if (en->key.mask_id != i ||
			    !masked_equal(key, &c->masks[i].mask, &en->key.key))
				continue;
			if (!best || en->val.priority > best->priority)
				best = &en->val;
		}
	}
	return best;
}

const struct vsx_cls_entry *dpd_rule_entry(const struct vsx_dp_double *d, int dir, __u32 rule_id)
{
	if (dir != VSX_DIR_INGRESS && dir != VSX_DIR_EGRESS)
		return NULL;
	for (__u32 e = 0; e < d->cls[dir].n_entries; e++)
		if (d->cls[dir].entries[e].val.rule_id == rule_id)
			return &d->cls[dir].entries[e];
	return NULL;
}

const struct dpd_offload_entry *dpd_offload_find(const struct vsx_dp_double *d,
						 const struct vsx_offload_key *key)
{
	return d->entries ? entry_of(d, key) : NULL;
}

size_t dpd_offload_count(const struct vsx_dp_double *d)
{
	size_t n = 0;

	for (size_t i = 0; d->entries && i < d->ocaps.table_size; i++)
		n += d->entries[i].used;
	return n;
}

const struct dpd_tx_entry *dpd_tx_find(const struct vsx_dp_double *d, const struct vsx_tx_key *key)
{
	return d->tx ? tx_of(d, key) : NULL;
}
