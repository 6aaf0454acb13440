// SPDX-License-Identifier: MIT
/*
 * The double is honest: the same calls on the XDP providers (vsxd/dp_xdp.c,
 * dp_xdp_offload.c over a real datapath loaded on a veth in a private network and mount
 * namespace) and on the double (tests/lib/dp_double.c) give the same return codes and leave
 * the same observable state: arguments out of range, state round trips, counters carried
 * over, the classifier switch and its generation, the core table's width, VM ports that can
 * or cannot take redirected frames, offload entries, their keys, limits and counters.
 * Needs root and BPF (skips otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <cmocka.h>

#include "../../vsxd/dp_xdp.h"
#include "../lib/dp_double.h"
#include "classifier.h"
#include "log.h"
#include "rule_text.h"

static struct {
	char dir[64];
	struct vsxd_conf conf;
	struct vsxd_datapath dp;
	struct vsx_dp xdp;
	struct vsx_offload xofl;
	struct vsx_dp_double *dbl;
} g;

/* Both providers, one call: the return codes must agree; the real one's is returned. */
#define BOTH(op, ...)                                                                              \
	({                                                                                         \
		int a_ = vsx_dp_call(&g.xdp, op, ##__VA_ARGS__);                                   \
		int b_ = vsx_dp_call(&g.dbl->dp, op, ##__VA_ARGS__);                               \
		assert_int_equal(a_, b_);                                                          \
		a_;                                                                                \
	})
#define BOTH_OFL(op, ...)                                                                          \
	({                                                                                         \
		int a_ = vsx_offload_call(&g.xofl, op, ##__VA_ARGS__);                             \
		int b_ = vsx_offload_call(&g.dbl->ofl, op, ##__VA_ARGS__);                         \
		assert_int_equal(a_, b_);                                                          \
		a_;                                                                                \
	})

static int sh(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full);
}

static void modes_and_config(void **state)
{
	struct vsx_config a, b;
	__u32 ma, mb;

	(void)state;
	assert_int_equal(BOTH(set_mode, VSX_MODE_COUNT), -EINVAL);
	assert_int_equal(BOTH(set_mode, VSX_MODE_VSX), 0);
	BOTH(get_mode, &ma);
	vsx_dp_call(&g.dbl->dp, get_mode, &mb);
	assert_int_equal(ma, VSX_MODE_VSX);
	assert_int_equal(mb, VSX_MODE_VSX);
	assert_int_equal(BOTH(set_flowlet, 7), 0);
	vsx_dp_call(&g.xdp, get_config, &a);
	vsx_dp_call(&g.dbl->dp, get_config, &b);
	assert_int_equal(a.flowlet_jiffies, 7);
	assert_int_equal(b.flowlet_jiffies, 7);
	assert_int_equal(a.mode, b.mode);
}

static void rule_states(void **state)
{
	struct vsx_rule_state st = {.core = 2, .prio = 1}, a, b;

	(void)state;
	assert_int_equal(BOTH(rule_state, VSX_MAX_RULES, &a), -EINVAL);
	assert_int_equal(BOTH(reset_rule, VSX_MAX_RULES), -EINVAL);
	assert_int_equal(BOTH(set_rule_state, VSX_MAX_RULES, &st), -EINVAL);
	st.core = VSX_MAX_CPUS;
	assert_int_equal(BOTH(set_rule_state, 5, &st), -EINVAL);
	st.core = -2;
	assert_int_equal(BOTH(set_rule_state, 5, &st), -EINVAL);
	st.core = 2;
	assert_int_equal(BOTH(set_rule_state, 5, &st), 0);
	assert_int_equal(BOTH(rule_state, 5, &a), 0);
	vsx_dp_call(&g.dbl->dp, rule_state, 5, &b);
	assert_memory_equal(&a, &st, sizeof(st));
	assert_memory_equal(&b, &st, sizeof(st));
	assert_int_equal(BOTH(reset_rule, 5), 0);
	vsx_dp_call(&g.xdp, rule_state, 5, &a);
	vsx_dp_call(&g.dbl->dp, rule_state, 5, &b);
	assert_int_equal(a.core, VSX_CORE_NONE);
	assert_int_equal(b.core, VSX_CORE_NONE);
}

static void rule_counters(void **state)
{
	struct vsx_counter c = {3, 300}, a, b;

	(void)state;
	assert_int_equal(BOTH(rule_counter, 2, 1, &a), -EINVAL);
	assert_int_equal(BOTH(rule_counter, -1, 1, &a), -EINVAL);
	assert_int_equal(BOTH(rule_counter, VSX_DIR_INGRESS, VSX_MAX_RULES, &a), -EINVAL);
	assert_int_equal(BOTH(set_rule_counter, VSX_DIR_EGRESS, VSX_MAX_RULES, &c), -EINVAL);
	assert_int_equal(BOTH(clear_rule_counters, 2, 1), -EINVAL);
	for (int dir = VSX_DIR_INGRESS; dir <= VSX_DIR_EGRESS; dir++) {
		assert_int_equal(BOTH(set_rule_counter, dir, 7, &c), 0);
		assert_int_equal(BOTH(rule_counter, dir, 7, &a), 0);
		vsx_dp_call(&g.dbl->dp, rule_counter, dir, 7, &b);
		assert_memory_equal(&a, &c, sizeof(c)); /* the sum is what was set */
		assert_memory_equal(&b, &c, sizeof(c));
		assert_int_equal(BOTH(clear_rule_counters, dir, 7), 0);
		vsx_dp_call(&g.xdp, rule_counter, dir, 7, &a);
		vsx_dp_call(&g.dbl->dp, rule_counter, dir, 7, &b);
		assert_int_equal(a.packets + a.bytes + b.packets + b.bytes, 0);
	}
}

static void classifier_switch(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	const char *rules[] = {"udp,tp_dst=5001 actions=irq:1", "tcp actions=irq:auto"};
	struct vsx_config before_x, before_d, after_x, after_d;
	struct vsx_classifier c;
	char err[128];

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < 2; i++) {
		struct vsx_rule r;
		__u32 id;

		assert_int_equal(vsx_rule_parse(rules[i], &r, err, sizeof(err)), 0);
		assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(vsx_classifier_build(&c, t, VSX_DIR_INGRESS, err, sizeof(err)), 0);
	vsx_dp_call(&g.xdp, get_config, &before_x);
	vsx_dp_call(&g.dbl->dp, get_config, &before_d);
	assert_int_equal(BOTH(install_classifier, VSX_DIR_EGRESS, &c), -EINVAL); /* other dir */
	assert_int_equal(BOTH(install_classifier, 3, &c), -EINVAL);
	assert_int_equal(BOTH(install_classifier, VSX_DIR_INGRESS, &c), 0);
	vsx_dp_call(&g.xdp, get_config, &after_x);
	vsx_dp_call(&g.dbl->dp, get_config, &after_d);
	/* cached decisions became stale in both */
	assert_int_equal(after_x.rules_gen, before_x.rules_gen + 1);
	assert_int_equal(after_d.rules_gen, before_d.rules_gen + 1);
	assert_int_equal(g.dbl->cls[VSX_DIR_INGRESS].n_entries, c.n_entries);
	vsx_classifier_free(&c);
	/* an empty egress classifier is a valid install */
	assert_int_equal(vsx_classifier_build(&c, t, VSX_DIR_EGRESS, err, sizeof(err)), 0);
	assert_int_equal(BOTH(install_classifier, VSX_DIR_EGRESS, &c), 0);
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

static void cores(void **state)
{
	struct vsx_dp_caps caps;
	struct vsx_core_table t = {0};
	struct vsx_cpumap_stats cs;
	struct vsx_counter cnt[VSX_MAX_CPUS], path[VSX_PATH_COUNT];
	__u64 stats[VSX_STAT_COUNT];

	(void)state;
	vsx_dp_call(&g.xdp, caps, &caps);
	if (caps.n_cpus < VSX_MAX_CPUS) {
		t.n_cpus = caps.n_cpus + 1;
		assert_int_equal(BOTH(set_core_table, &t), -EINVAL);
	}
	t.n_cpus = caps.n_cpus;
	t.threshold = 70;
	for (unsigned int c = 0; c < caps.n_cpus; c++)
		t.cores[c] = (struct vsx_core){.flags = VSX_CORE_ONLINE, .load = 5};
	assert_int_equal(BOTH(set_core_table, &t), 0);
	assert_int_equal(g.dp.core_table->threshold, 70);
	assert_int_equal(g.dbl->core_table.threshold, 70);
	t.n_cpus = VSX_MAX_CPUS + 1;
	assert_int_equal(BOTH(sync_cores, &t), -EINVAL);
	t.n_cpus = caps.n_cpus;
	assert_int_equal(BOTH(sync_cores, &t), 0);
	assert_int_equal(BOTH(cpumap_stats, VSX_MAX_CPUS, &cs),
			 caps.cpumap_stats ? -EINVAL : -EOPNOTSUPP);
	assert_int_equal(BOTH(core_counters, cnt), 0);
	assert_int_equal(BOTH(path_counters, path), 0);
	assert_int_equal(BOTH(stats, stats), 0);
	assert_non_null(vsx_dp_call(&g.xdp, core_assign));
	assert_non_null(vsx_dp_call(&g.dbl->dp, core_assign));
}

static struct vsx_offload_key flow_key(__u16 port)
{
	struct vsx_offload_key k = {
	    .vni = htonl(101),
	    .kind = VSX_OFFLOAD_KEY_FLOW,
	    .nw_proto = 17,
	    .dl_type = htons(0x0800),
	    .tp_src = htons(1000),
	    .tp_dst = htons(port),
	};

	k.nw_src[0] = htonl(0x0a000001);
	k.nw_dst[0] = htonl(0x0a000002);
	return k;
}

static void offload(void **state)
{
	__u32 ifindex = if_nametoindex("pm0");
	struct vsx_offload_port p = {.port = 1,
				     .ifindex = ifindex,
				     .vni = htonl(101),
				     .mac = {2, 0, 0, 0, 0, 1},
				     .mtu = 1500,
				     .tenant = 1};
	struct vsx_offload_flow f = {.key = flow_key(5001), .port = 1, .flow_id = 3};
	struct vsx_offload_counters a, b;
	struct vsx_offload_caps caps;

	(void)state;
	if (!g.xofl.ops)
		skip();
	vsx_offload_call(&g.xofl, caps, &caps);
	assert_true(caps.table_size > 0);
	assert_int_equal(BOTH_OFL(set_enabled, true), 0);
	/* ports: out of range, no such interface, one whose peer has no NAPI, then with GRO */
	p.port = 0;
	assert_int_equal(BOTH_OFL(port_set, &p), -EINVAL);
	p.port = VSX_MAX_VM_PORTS;
	assert_int_equal(BOTH_OFL(port_set, &p), -EINVAL);
	p.port = 1;
	p.mtu = 0;
	assert_int_equal(BOTH_OFL(port_set, &p), -EINVAL);
	p.mtu = 1500;
	p.ifindex = 987654;
	assert_int_equal(BOTH_OFL(port_set, &p), -ENODEV);
	p.ifindex = ifindex;
	dpd_iface(g.dbl, ifindex, false);
	assert_int_equal(BOTH_OFL(port_set, &p), -EOPNOTSUPP);
	assert_int_equal(sh("ethtool -K pm1 gro on"), 0);
	dpd_iface(g.dbl, ifindex, true);
	assert_int_equal(BOTH_OFL(port_set, &p), 0);
	/* entries */
	assert_int_equal(BOTH_OFL(put, &f), 0);
	f.flow_id = 0;
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.flow_id = (__u32)caps.table_size + 1;
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.flow_id = 4;
	f.port = 2; /* not set */
	assert_int_equal(BOTH_OFL(put, &f), -ENOENT);
	f.port = 1;
	f.key.dl_type = htons(0x0806); /* a FLOW key is IP */
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.key = flow_key(5001);
	f.key.dl_dst[0] = 1; /* a FLOW key has no MAC */
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.key = flow_key(5001);
	f.key.kind = 9;
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.key = flow_key(5002);
	f.limit.bits_per_s = ~0ULL; /* beyond what a bucket can hold */
	assert_int_equal(BOTH_OFL(put, &f), -EINVAL);
	f.limit.bits_per_s = 100000000;
	f.limit.burst_us = 1000;
	assert_int_equal(BOTH_OFL(put, &f), 0);
	/* a VM key: VNI + inner destination MAC only */
	struct vsx_offload_flow vm = {
	    .key = {.vni = htonl(101), .kind = VSX_OFFLOAD_KEY_VM, .dl_dst = {2, 0, 0, 0, 0, 1}},
	    .port = 1,
	    .flow_id = 5};
	assert_int_equal(BOTH_OFL(put, &vm), 0);
	vm.key.tp_dst = 1;
	assert_int_equal(BOTH_OFL(del, &vm.key), -EINVAL);
	/* counters: a new flow starts at zero */
	assert_int_equal(BOTH_OFL(counters, 0, &a), -EINVAL);
	assert_int_equal(BOTH_OFL(counters, 3, &a), 0);
	vsx_offload_call(&g.dbl->ofl, counters, 3, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.packets, 0);
	/* removal */
	f.key = flow_key(5001);
	assert_int_equal(BOTH_OFL(del, &f.key), 0);
	assert_int_equal(BOTH_OFL(del, &f.key), -ENOENT);
	assert_int_equal(BOTH_OFL(port_del, 2), -ENOENT);
	assert_int_equal(BOTH_OFL(port_del, 0), -EINVAL);
	assert_int_equal(BOTH_OFL(port_del, 1), 0);
	assert_int_equal(BOTH_OFL(port_del, 1), -ENOENT);
	f.key = flow_key(5003);
	assert_int_equal(BOTH_OFL(put, &f), -ENOENT); /* the port is gone */
	assert_int_equal(BOTH_OFL(set_enabled, false), 0);
}

static void offload_tx(void **state)
{
	__u32 ifindex = if_nametoindex("pm0"), uplink = if_nametoindex("pv0");
	struct vsx_offload_port p = {.port = 3,
				     .ifindex = ifindex,
				     .vni = htonl(202),
				     .mac = {2, 0, 0, 0, 0, 3},
				     .mtu = 1500,
				     .tenant = 2};
	struct vsx_tx_remote r = {.local = htonl(0xc0a80001),
				  .remote = htonl(0xc0a80002),
				  .uplink = uplink,
				  .dport = htons(4789),
				  .port_min = 32768,
				  .port_max = 60999,
				  .ttl = 64,
				  .flags = VSX_TX_R_UDP_CSUM};
	struct vsx_offload_tx_flow f = {
	    .key = {.port = 3, .kind = VSX_TX_KEY_DST, .dl_dst = {2, 0, 0, 0, 0, 9}},
	    .remote = 1,
	    .flow_id = 8};
	struct vsx_offload_counters a, b;
	struct vsx_offload_caps caps;
	const struct dpd_tx_entry *e;

	(void)state;
	if (!g.xofl.ops)
		skip();
	vsx_offload_call(&g.xofl, caps, &caps);
	if (!caps.tx)
		skip();
	/* the uplink takes redirected frames only with NAPI on its peer, as any veth */
	assert_int_equal(sh("ethtool -K pv1 gro on"), 0);
	dpd_iface(g.dbl, uplink, true);
	dpd_iface(g.dbl, ifindex, true);
	assert_int_equal(BOTH_OFL(port_set, &p), 0);
	/* remotes */
	assert_int_equal(BOTH_OFL(remote_set, 0, &r), -EINVAL);
	assert_int_equal(BOTH_OFL(remote_set, (__u32)caps.tx_remotes, &r), -EINVAL);
	r.ttl = 0;
	assert_int_equal(BOTH_OFL(remote_set, 1, &r), -EINVAL);
	r.ttl = 64;
	r.uplink = 987654;
	assert_int_equal(BOTH_OFL(remote_set, 1, &r), -ENODEV);
	r.uplink = uplink;
	assert_int_equal(BOTH_OFL(put, &(struct vsx_offload_flow){0}), -EINVAL);
	assert_int_equal(BOTH_OFL(tx_put, &f), -ENOENT); /* remote 1 not set yet */
	assert_int_equal(BOTH_OFL(remote_set, 1, &r), 0);
	assert_int_equal(BOTH_OFL(remote_del, 2), -ENOENT);
	/* entries */
	f.flow_id = 0;
	assert_int_equal(BOTH_OFL(tx_put, &f), -EINVAL);
	f.flow_id = 8;
	f.key.tp_dst = 1; /* a DST key has no ports */
	assert_int_equal(BOTH_OFL(tx_put, &f), -EINVAL);
	f.key.tp_dst = 0;
	f.key.port = 4; /* no such port */
	assert_int_equal(BOTH_OFL(tx_put, &f), -ENOENT);
	f.key.port = 3;
	f.limit.pkts_per_s = ~0ULL;
	assert_int_equal(BOTH_OFL(tx_put, &f), -EINVAL);
	f.limit.pkts_per_s = 1000;
	assert_int_equal(BOTH_OFL(tx_put, &f), 0);
	/* the double wrote what the provider writes: the port's VNI, a bucket per flow */
	e = dpd_tx_find(g.dbl, &f.key);
	assert_non_null(e);
	assert_int_equal(e->e.vni, htonl(202));
	assert_int_equal(e->e.flags, VSX_TX_F_RATE);
	assert_int_equal(BOTH_OFL(tx_counters, 8, &a), 0);
	vsx_offload_call(&g.dbl->ofl, tx_counters, 8, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(BOTH_OFL(tx_counters, 0, &a), -EINVAL);
	assert_int_equal(BOTH_OFL(tx_del, &f.key), 0);
	assert_int_equal(BOTH_OFL(tx_del, &f.key), -ENOENT);
	assert_int_equal(BOTH_OFL(remote_del, 1), 0);
	assert_int_equal(BOTH_OFL(port_del, 3), 0);
}

static int open_datapath(void)
{
	char text[512], err[256];
	struct vsx_dp_caps caps;
	struct vsx_offload_caps oc = {0};

	snprintf(g.dir, sizeof(g.dir), "/tmp/vsxd-prov-XXXXXX");
	if (!mkdtemp(g.dir))
		return -1;
	vsxd_conf_init(&g.conf);
	snprintf(text, sizeof(text),
		 "uplink pv0\nbpffs %s/bpf\nsocket %s/vsxd.sock\nflow-cache-slots 1024\n", g.dir,
		 g.dir);
	if (vsxd_conf_parse_string(text, "vsxd.conf", &g.conf, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (vsxd_dp_open(&g.dp, &g.conf))
		return -1;
	vsxd_dp_xdp_provider(&g.dp, &g.xdp);
	vsxd_dp_xdp_offload(&g.dp, &g.xofl);
	vsx_dp_call(&g.xdp, caps, &caps);
	if (g.xofl.ops)
		vsx_offload_call(&g.xofl, caps, &oc);
	/* room for the larger of the two tables: the caps below are the real ones */
	g.dbl = dpd_new(caps.n_cpus, caps.flow_slots,
			oc.table_size > oc.tx_table_size ? oc.table_size : oc.tx_table_size);
	if (!g.dbl)
		return -1;
	g.dbl->caps = caps; /* the same datapath, as far as caps go */
	if (g.xofl.ops)
		g.dbl->ocaps = oc;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(modes_and_config),
	    cmocka_unit_test(rule_states),
	    cmocka_unit_test(rule_counters),
	    cmocka_unit_test(classifier_switch),
	    cmocka_unit_test(cores),
	    cmocka_unit_test(offload),
	    cmocka_unit_test(offload_tx),
	};
	int rc;

	vsx_log_set_level(VSX_LOG_ERR);
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "needs root (private network and mount namespaces)\n");
		return 77;
	}
	if (sh("ip link set lo up") || sh("ip link add pv0 type veth peer name pv1") ||
	    sh("ip link set pv0 up") || sh("ip link set pv1 up") ||
	    sh("ip link add pm0 type veth peer name pm1") || sh("ip link set pm0 up") ||
	    sh("ip link set pm1 up") || sh("ethtool -K pm1 gro off")) {
		fprintf(stderr, "needs ip and ethtool (veth)\n");
		return 77;
	}
	if (open_datapath()) {
		fprintf(stderr, "cannot load the BPF datapath here\n");
		return 77;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	vsxd_dp_close(&g.dp, false);
	dpd_free(g.dbl);
	vsxd_conf_free(&g.conf);
	sh("ip link del pv0");
	sh("ip link del pm0");
	/* the bpffs vsxd_dp_open mounted lives in this process's mount namespace only */
	umount2(g.dir, MNT_DETACH);
	{
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "umount -l %s/bpf; rm -rf %s", g.dir, g.dir);
		sh(cmd);
	}
	return rc;
}
