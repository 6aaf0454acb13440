// SPDX-License-Identifier: MIT
/*
 * vsxd's offload (vsxd/offload.c) on the datapath double (tests/lib/dp_double.h): VM ports from
 * the configuration given to the provider (and refused when the interface cannot take
 * redirects), a heavy flow promoted with its tenant's rate limit and demoted when a policy
 * changed at run time says never, the flow walk and totals the control surface reads, and
 * safety without offload. The VMs' ports are "lo" (an interface every host has).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <cmocka.h>

#include "../lib/dp_double.h"
#include "../../vsxd/offload.h"
#include "../../vsxd/vsxd.h"

#define MS 1000000ull

static const char conf_text[] = "uplink eth0\n"
				"offload on\n"
				"offload-promote pps=10k bps=0 for=300ms\n"
				"offload-demote pps=2k bps=0 for=500ms\n"
				"offload-rate-limit tenant=red rate=1G burst=1ms\n"
				"vm a {\n vm-id 1\n tenant red\n vni 101\n mac 02:00:00:00:00:0a\n"
				" port lo\n}\n"
				"vm b {\n vm-id 2\n vni 102\n mac 02:00:00:00:00:0b\n port lo\n}\n"
				"vm c {\n vm-id 3\n}\n";

struct fixture {
	struct vsx_dp_double *dbl;
	struct vsxd d;
	uint64_t now;
	__u32 lo;
};

static void start(struct fixture *f, bool can_redirect)
{
	char err[256];

	memset(f, 0, sizeof(*f));
	f->dbl = dpd_new(4, 64, 16);
	assert_non_null(f->dbl);
	f->dbl->ocaps.rate_limit = true; /* the XDP provider has token buckets */
	f->lo = if_nametoindex("lo");
	assert_true(f->lo > 0);
	dpd_iface(f->dbl, f->lo, can_redirect);
	vsxd_conf_init(&f->d.conf);
	assert_int_equal(vsxd_conf_parse_string(conf_text, "vsxd.conf", &f->d.conf, err,
						sizeof(err)),
			 0);
	f->d.dpp = f->dbl->dp;
	f->d.ofl = f->dbl->ofl;
	assert_int_equal(vsxd_offload_init(&f->d), 0);
	assert_non_null(f->d.offload);
	f->now = 1000 * MS;
}

static void stop(struct fixture *f)
{
	vsxd_offload_free(&f->d);
	assert_null(f->d.offload);
	assert_int_equal(dpd_offload_count(f->dbl), 0);
	vsxd_conf_free(&f->d.conf);
	dpd_free(f->dbl);
}

/* A UDP flow to VM a (VNI 101) in cache slot 3. */
static struct vsx_flow_key key_a(void)
{
	struct vsx_flow_key k;

	memset(&k, 0, sizeof(k));
	k.flags = VSX_KEY_TUNNEL;
	k.vni = htonl(101);
	k.dl_dst[0] = 2;
	k.dl_dst[5] = 0x0a;
	k.dl_src[0] = 2;
	k.dl_src[5] = 1;
	k.dl_type = htons(0x0800);
	k.nw_proto = 17;
	k.nw_src[0] = htonl(0x0a000001);
	k.nw_dst[0] = htonl(0x0a000002);
	k.tp_src = htons(4000);
	k.tp_dst = htons(5201);
	return k;
}

/* 100 ms of pps packets of 1000 bytes: all through steering (the slot), fast when offloaded. */
static void tick(struct fixture *f, __u64 pps)
{
	struct vsx_flow_key k = key_a();
	struct vsx_offload_key ok;
	const struct dpd_offload_entry *e;

	assert_int_equal(vsx_fm_key(&k, &ok), 0);
	f->dbl->slot_cnt[3].packets += pps / 10;
	f->dbl->slot_cnt[3].bytes += pps / 10 * 1000;
	e = dpd_offload_find(f->dbl, &ok);
	if (e)
		dpd_offload_traffic(f->dbl, e->flow_id, pps / 10, pps / 10 * 1000);
	f->now += 100 * MS;
	vsxd_offload_tick_at(&f->d, f->now);
}

struct seen {
	int n;
	struct vsxd_ofl_flow v;
	struct vsx_fm_flow f;
	char vm[64], tenant[64], port[16];
};

static int flow_cb(void *arg, const struct vsxd_ofl_flow *v)
{
	struct seen *s = arg;

	s->n++;
	s->v = *v;
	s->f = *v->f;
	snprintf(s->vm, sizeof(s->vm), "%s", v->vm);
	snprintf(s->tenant, sizeof(s->tenant), "%s", v->tenant);
	snprintf(s->port, sizeof(s->port), "%s", v->port);
	return 0;
}

struct ports {
	int n, usable;
	int err[8];
	__u32 port[8];
};

static int port_cb(void *arg, const struct vsxd_ofl_port *p)
{
	struct ports *ps = arg;

	ps->port[ps->n] = p->port;
	ps->err[ps->n] = p->err;
	ps->usable += p->usable;
	ps->n++;
	return 0;
}

static void test_promote_and_policy(void **state)
{
	struct fixture f;
	struct vsx_flow_key k = key_a();
	struct vsx_offload_key ok;
	struct vsx_counter zero = {0};
	const struct dpd_offload_entry *e;
	struct vsxd_ofl_stats st;
	struct ports ps = {0};
	struct seen s = {0};
	char err[256];
	__u32 id = 0;

	(void)state;
	start(&f, true);
	assert_int_equal(vsx_fm_key(&k, &ok), 0);
	/* a and b are ports 1 and 2 of the provider; c has no port */
	assert_int_equal(vsxd_offload_ports(&f.d, port_cb, &ps), 0);
	assert_int_equal(ps.n, 3);
	assert_int_equal(ps.usable, 2);
	assert_int_equal(ps.port[0], 1);
	assert_int_equal(ps.port[1], 2);
	assert_int_equal(ps.port[2], 0);
	assert_true(f.dbl->port_valid[1] && f.dbl->port_valid[2]);
	assert_true(f.dbl->ofl_enabled); /* offload on: the provider's switch too */
	assert_int_equal(f.dbl->ports[1].vni, htonl(101));
	assert_int_equal(f.dbl->ports[1].mac[5], 0x0a);

	assert_int_equal(dpd_flow_add(f.dbl, 3, &k, 0, 2, &zero), 0);
	for (int i = 0; i < 6; i++)
		tick(&f, 20000);
	e = dpd_offload_find(f.dbl, &ok);
	assert_non_null(e);
	assert_int_equal(e->port, 1);
	assert_int_equal(e->limit.bits_per_s, 1000000000ull); /* tenant red's */
	assert_int_equal(e->limit.burst_us, 1000);

	assert_int_equal(vsxd_offload_flows(&f.d, flow_cb, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.vm, "a");
	assert_string_equal(s.tenant, "red");
	assert_string_equal(s.port, "lo");
	assert_int_equal(s.f.path, VSX_FM_OFFLOADED);
	assert_int_equal(s.f.core, 2);
	assert_int_equal(s.f.packets, 12000);
	assert_true(s.v.age_ns >= 500 * MS);
	assert_true(s.v.moved_realtime_s > 1700000000); /* a real date */

	vsxd_offload_stats(&f.d, &st);
	assert_true(st.enabled);
	assert_true(st.provider);
	assert_int_equal(st.caps.table_size, 16);
	assert_int_equal(st.fm.offloaded, 1);
	assert_int_equal(st.fm.promotions[VSX_FM_P_THRESHOLD], 1);
	assert_int_equal(st.ports, 2);
	assert_int_equal(st.ports_usable, 2);

	/* run time: a header policy says never; the flow goes back at the next tick */
	assert_int_equal(vsxd_offload_policy_apply(&f.d, "header udp,tp_dst=5201 never", 0, &id,
						   err, sizeof(err)),
			 0);
	assert_int_equal(id, 1);
	tick(&f, 20000);
	assert_null(dpd_offload_find(f.dbl, &ok));
	s.n = 0;
	vsxd_offload_flows(&f.d, flow_cb, &s);
	assert_int_equal(s.f.path, VSX_FM_NORMAL);
	assert_int_equal(s.f.reason, VSX_FM_R_POLICY_NEVER);
	assert_int_equal(s.f.packets, 14000); /* continuous across the move */
	assert_int_equal(s.f.path_packets[VSX_FM_OFFLOADED], 4000);
	/* removed again: back on the fast path once above for its time */
	assert_int_equal(vsxd_offload_policy_delete(&f.d, "header 1", err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++)
		tick(&f, 20000);
	assert_non_null(dpd_offload_find(f.dbl, &ok));
	/* a bad statement changes nothing and says why */
	assert_int_equal(vsxd_offload_policy_apply(&f.d, "capacity 0", 0, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "capacity 0 out of range 1..65535");
	assert_int_equal(vsxd_offload_policy(&f.d)->capacity, VSX_OFL_DEFAULT_CAPACITY);
	{
		const char *argv[] = {"capacity", "7"};

		assert_int_equal(vsxd_offload_policy_apply_argv(&f.d, 2, argv, 0, NULL, err,
								sizeof(err)),
				 0);
		assert_int_equal(vsxd_offload_policy(&f.d)->capacity, 7);
	}
	assert_int_equal(vsxd_offload_policy_delete(&f.d, "header 9", err, sizeof(err)), -ENOENT);
	/* offload off at run time: every flow leaves the fast path */
	assert_int_equal(vsxd_offload_policy_apply(&f.d, "offload off", 0, NULL, err, sizeof(err)),
			 0);
	tick(&f, 20000);
	assert_null(dpd_offload_find(f.dbl, &ok));
	assert_int_equal(dpd_offload_count(f.dbl), 0);
	assert_false(f.dbl->ofl_enabled);
	/* on again; a stop deletes every entry it made, even over a kept datapath */
	assert_int_equal(vsxd_offload_policy_apply(&f.d, "offload on", 0, NULL, err, sizeof(err)),
			 0);
	assert_true(f.dbl->ofl_enabled);
	for (int i = 0; i < 4; i++)
		tick(&f, 20000);
	assert_int_equal(dpd_offload_count(f.dbl), 1);
	f.d.keep_datapath = true;
	stop(&f);
}

static void test_port_cannot_redirect(void **state)
{
	struct fixture f;
	struct vsx_flow_key k = key_a();
	struct vsx_counter zero = {0};
	struct ports ps = {0};
	struct seen s = {0};

	(void)state;
	start(&f, false);
	vsxd_offload_ports(&f.d, port_cb, &ps);
	assert_int_equal(ps.usable, 0);
	assert_int_equal(ps.err[0], -EOPNOTSUPP);
	assert_false(f.dbl->port_valid[1]);
	dpd_flow_add(f.dbl, 3, &k, 0, 1, &zero);
	for (int i = 0; i < 6; i++)
		tick(&f, 20000);
	assert_int_equal(dpd_offload_count(f.dbl), 0);
	vsxd_offload_flows(&f.d, flow_cb, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.f.reason, VSX_FM_R_PORT_REDIRECT);
	/* the port can take them now (its peer got XDP): offered again after the retry time */
	dpd_iface(f.dbl, f.lo, true);
	for (int i = 0; i < 60; i++)
		tick(&f, 20000);
	assert_true(f.dbl->port_valid[1]);
	assert_int_equal(dpd_offload_count(f.dbl), 1);
	stop(&f);
}

static void test_without_offload(void **state)
{
	struct vsxd d;
	struct vsxd_ofl_stats st;
	struct seen s = {0};
	char err[64];

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(vsxd_offload_flows(&d, flow_cb, &s), 0);
	assert_int_equal(s.n, 0);
	vsxd_offload_stats(&d, &st);
	assert_false(st.enabled);
	assert_false(st.provider);
	assert_int_equal(st.fm.flows, 0);
	assert_null(vsxd_offload_policy(&d));
	assert_int_equal(vsxd_offload_policy_apply(&d, "offload on", 0, NULL, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_string_equal(err, "offload is not running");
	vsxd_offload_tick(&d);
	vsxd_offload_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promote_and_policy),
		cmocka_unit_test(test_port_cannot_redirect),
		cmocka_unit_test(test_without_offload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
