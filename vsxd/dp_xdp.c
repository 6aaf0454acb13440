// SPDX-License-Identifier: MIT
/*
 * The XDP steering datapath as a provider (dp_xdp.h): each operation checks its arguments as
 * lib/dp_provider.h says and calls datapath.c, or reads and writes the mmapped maps it keeps
 * (the configuration word, the core table, the assignment counts, the flow cache) with the
 * atomic accesses the datapath's concurrent readers need.
 */
#include "dp_xdp.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "classifier.h"
#include "rule.h"
#include <vsx/cpumap_stats.h>

static struct vsxd_datapath *dp_of(void *ctx)
{
	return ctx;
}

static int dir_of(const struct vsxd_datapath *dp, int dir, enum vsxd_dir *out)
{
	if (dir != VSX_DIR_INGRESS && dir != VSX_DIR_EGRESS)
		return -EINVAL;
	if (dir == VSX_DIR_EGRESS && !dp->eg)
		return -EOPNOTSUPP; /* caps.egress false */
	*out = dir == VSX_DIR_INGRESS ? VSXD_INGRESS : VSXD_EGRESS;
	return 0;
}

static int xdp_caps(void *ctx, struct vsx_dp_caps *out)
{
	struct vsxd_datapath *dp = dp_of(ctx);

	*out = (struct vsx_dp_caps){
	    .n_cpus = dp->n_cpus,
	    .flow_slots = dp->flow_slots,
	    .cpumap_stats = dp->acct != NULL,
	    .egress = dp->eg != NULL,
	    .reused = dp->reused,
	    .cpumap_id = dp->cpumap_id,
	};
	return 0;
}

static int xdp_set_mode(void *ctx, __u32 mode)
{
	if (mode >= VSX_MODE_COUNT)
		return -EINVAL;
	__atomic_store_n(&dp_of(ctx)->cfg->mode, mode, __ATOMIC_RELEASE);
	return 0;
}

static int xdp_get_mode(void *ctx, __u32 *mode)
{
	*mode = __atomic_load_n(&dp_of(ctx)->cfg->mode, __ATOMIC_ACQUIRE);
	return 0;
}

static int xdp_get_config(void *ctx, struct vsx_config *out)
{
	const struct vsx_config *c = dp_of(ctx)->cfg;

	/* word by word: the agent's other writers store single fields atomically */
	out->mode = __atomic_load_n(&c->mode, __ATOMIC_ACQUIRE);
	out->flags = __atomic_load_n(&c->flags, __ATOMIC_RELAXED);
	out->vxlan_port = __atomic_load_n(&c->vxlan_port, __ATOMIC_RELAXED);
	out->_pad = 0;
	out->cls_bank = __atomic_load_n(&c->cls_bank, __ATOMIC_RELAXED);
	out->rules_gen = __atomic_load_n(&c->rules_gen, __ATOMIC_RELAXED);
	out->flow_slots_mask = __atomic_load_n(&c->flow_slots_mask, __ATOMIC_RELAXED);
	out->rss_n_cpus = __atomic_load_n(&c->rss_n_cpus, __ATOMIC_RELAXED);
	out->flowlet_jiffies = __atomic_load_n(&c->flowlet_jiffies, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < VSX_MAX_CPUS; i++)
		out->rss_cpus[i] = __atomic_load_n(&c->rss_cpus[i], __ATOMIC_RELAXED);
	return 0;
}

static int xdp_set_flowlet(void *ctx, __u32 jiffies)
{
	__atomic_store_n(&dp_of(ctx)->cfg->flowlet_jiffies, jiffies, __ATOMIC_RELEASE);
	return 0;
}

static int xdp_install_classifier(void *ctx, int dir, const struct vsx_classifier *c)
{
	enum vsxd_dir d;
	int err = dir_of(dp_of(ctx), dir, &d);

	if (!err && c->dir != dir)
		err = -EINVAL; /* built for the other direction */
	return err ? err : vsxd_dp_install_classifier(dp_of(ctx), d, c);
}

static int xdp_rule_state(void *ctx, __u32 rule_id, struct vsx_rule_state *out)
{
	if (rule_id >= VSX_MAX_RULES)
		return -EINVAL;
	return vsxd_dp_rule_state(dp_of(ctx), rule_id, out);
}

static int xdp_set_rule_state(void *ctx, __u32 rule_id, const struct vsx_rule_state *st)
{
	if (rule_id >= VSX_MAX_RULES || st->core < VSX_CORE_NONE || st->core >= VSX_MAX_CPUS)
		return -EINVAL;
	return vsxd_dp_set_rule_state(dp_of(ctx), rule_id, st);
}

static int xdp_reset_rule(void *ctx, __u32 rule_id)
{
	if (rule_id >= VSX_MAX_RULES)
		return -EINVAL;
	return vsxd_dp_reset_rule(dp_of(ctx), rule_id);
}

static int xdp_rule_counter(void *ctx, int dir, __u32 rule_id, struct vsx_counter *out)
{
	enum vsxd_dir d;
	int err = dir_of(dp_of(ctx), dir, &d);

	memset(out, 0, sizeof(*out));
	if (!err && rule_id >= VSX_MAX_RULES)
		err = -EINVAL;
	return err ? err : vsxd_dp_rule_counter(dp_of(ctx), d, rule_id, out);
}

/* The sum goes into the first CPU's copy; the others are zeroed: the sum is what is read. */
static int xdp_set_rule_counter(void *ctx, int dir, __u32 rule_id, const struct vsx_counter *c)
{
	int n = libbpf_num_possible_cpus();
	struct vsx_counter *percpu;
	enum vsxd_dir d;
	int err = dir_of(dp_of(ctx), dir, &d);

	if (!err && rule_id >= VSX_MAX_RULES)
		err = -EINVAL;
	if (err)
		return err;
	if (n <= 0)
		return n ? n : -EINVAL;
	percpu = calloc((size_t)n, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	percpu[0] = *c;
	err = vsxd_dp_set_rule_counters(dp_of(ctx), d, rule_id, percpu);
	free(percpu);
	return err;
}

static int xdp_clear_rule_counters(void *ctx, int dir, __u32 rule_id)
{
	enum vsxd_dir d;
	int err = dir_of(dp_of(ctx), dir, &d);

	if (!err && rule_id >= VSX_MAX_RULES)
		err = -EINVAL;
	return err ? err : vsxd_dp_clear_rule_counters(dp_of(ctx), d, rule_id);
}

static int xdp_core_counters(void *ctx, struct vsx_counter out[VSX_MAX_CPUS])
{
	return vsxd_dp_core_counters(dp_of(ctx), out);
}

static int xdp_path_counters(void *ctx, struct vsx_counter out[VSX_PATH_COUNT])
{
	return vsxd_dp_path_counters(dp_of(ctx), out);
}

static int xdp_stats(void *ctx, __u64 out[VSX_STAT_COUNT])
{
	return vsxd_dp_stats(dp_of(ctx), out);
}

static int xdp_cpumap_stats(void *ctx, __u32 core, struct vsx_cpumap_stats *out)
{
	struct vsxd_datapath *dp = dp_of(ctx);

	memset(out, 0, sizeof(*out));
	if (!dp->acct)
		return -EOPNOTSUPP;
	return vsxd_dp_cpumap_stats(dp, core, out);
}

static int xdp_set_core_table(void *ctx, const struct vsx_core_table *t)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_core_table *dst = dp->core_table;

	if (t->n_cpus > dp->n_cpus)
		return -EINVAL;
	/* Field by field: the datapath reads the table while we write it; n_cpus last. */
	for (unsigned int cpu = 0; cpu < t->n_cpus; cpu++)
		__atomic_store_n((__u32 *)&dst->cores[cpu], *(const __u32 *)&t->cores[cpu],
				 __ATOMIC_RELAXED);
	__atomic_store_n(&dst->threshold, t->threshold, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->decision_load, t->decision_load, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->n_cpus, t->n_cpus, __ATOMIC_RELEASE);
	return 0;
}

static int xdp_sync_cores(void *ctx, const struct vsx_core_table *t)
{
	if (t->n_cpus > VSX_MAX_CPUS)
		return -EINVAL;
	return vsxd_dp_sync_cpumap(dp_of(ctx), t);
}

static struct vsx_core_assign *xdp_core_assign(void *ctx)
{
	return dp_of(ctx)->core_assign;
}

static int xdp_flow_dump(void *ctx, vsx_dp_flow_cb cb, void *arg)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	const struct vsx_flow_slot *slots = dp->flows;
	__u32 gen = __atomic_load_n(&dp->cfg->rules_gen, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < dp->flow_slots; i++) {
		struct vsx_dp_flow f = {.slot = (__u32)i};
		int rc;

		if (!(slots[i].flags & VSX_SLOT_VALID) || slots[i].gen != gen)
			continue;
		/* The datapath writes slots concurrently: a copy, checked again. */
		memcpy(&f.s, &slots[i], sizeof(f.s));
		if (!(f.s.flags & VSX_SLOT_VALID) || f.s.gen != gen)
			continue;
		vsxd_dp_flow_counter(dp, (__u32)i, f.s.tag, &f.counter);
		rc = cb(arg, &f);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct vsx_dp_ops xdp_ops = {
    .caps = xdp_caps,
    .set_mode = xdp_set_mode,
    .get_mode = xdp_get_mode,
    .get_config = xdp_get_config,
    .set_flowlet = xdp_set_flowlet,
    .install_classifier = xdp_install_classifier,
    .rule_state = xdp_rule_state,
    .set_rule_state = xdp_set_rule_state,
    .reset_rule = xdp_reset_rule,
    .rule_counter = xdp_rule_counter,
    .set_rule_counter = xdp_set_rule_counter,
    .clear_rule_counters = xdp_clear_rule_counters,
    .core_counters = xdp_core_counters,
    .path_counters = xdp_path_counters,
    .stats = xdp_stats,
    .cpumap_stats = xdp_cpumap_stats,
    .set_core_table = xdp_set_core_table,
    .sync_cores = xdp_sync_cores,
    .core_assign = xdp_core_assign,
    .flow_dump = xdp_flow_dump,
};

void vsxd_dp_xdp_provider(struct vsxd_datapath *dp, struct vsx_dp *out)
{
	out->ops = &xdp_ops;
	out->ctx = dp;
}
