// SPDX-License-Identifier: MIT
/*
 * vsxctl's offload commands as vsxd answers them (vsxd/control.c through the query layer and
 * ctl_render_offload.c), on the datapath double: dump-flows type=... shows a promoted flow on
 * the fast path with its per-path counters and its move, then back on the normal path with
 * the reason after a run-time policy change; offload-stats counts the moves by reason; the
 * policy commands change, show and delete through the one parser; bad input is refused with
 * a message; the steering cache view and the per-path stats read the provider.
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
#include "../../vsxd/control.h"
#include "../../vsxd/offload.h"
#include "../../vsxd/vsxd.h"

#define MS 1000000ull

static const char conf_text[] = "uplink eth0\n"
				"offload on\n"
				"offload-promote pps=10k bps=0 for=300ms\n"
				"offload-demote pps=2k bps=0 for=500ms\n"
				"vm a {\n vm-id 1\n vni 101\n mac 02:00:00:00:00:0a\n port lo\n}\n";

struct fixture {
	struct vsx_dp_double *dbl;
	struct vsxd d;
	uint64_t now;
	struct strbuf reply;
};

static struct vsx_flow_key key_a(void)
{
	struct vsx_flow_key k;

	memset(&k, 0, sizeof(k));
	k.flags = VSX_KEY_TUNNEL;
	k.vni = htonl(101);
	k.dl_dst[0] = 2;
	k.dl_dst[5] = 0x0a;
	k.dl_type = htons(0x0800);
	k.nw_proto = 17;
	k.nw_src[0] = htonl(0x0a000001);
	k.nw_dst[0] = htonl(0x0a000002);
	k.tp_src = htons(4000);
	k.tp_dst = htons(5201);
	return k;
}

/* 100 ms of pps 1000-byte packets: through steering (slot 3), fast when offloaded. */
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

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct vsx_flow_key k = key_a();
	char err[256];

	assert_non_null(f);
	f->dbl = dpd_new(4, 64, 16);
	assert_non_null(f->dbl);
	dpd_iface(f->dbl, if_nametoindex("lo"), true);
	vsxd_conf_init(&f->d.conf);
	assert_int_equal(
	    vsxd_conf_parse_string(conf_text, "vsxd.conf", &f->d.conf, err, sizeof(err)), 0);
	f->d.dpp = f->dbl->dp;
	f->d.ofl = f->dbl->ofl;
	assert_int_equal(vsxd_offload_init(&f->d), 0);
	assert_int_equal(dpd_flow_add(f->dbl, 3, &k, 1, 1, NULL), 0);
	f->now = 1000 * MS;
	strbuf_init(&f->reply);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	strbuf_free(&f->reply);
	vsxd_offload_free(&f->d);
	vsxd_conf_free(&f->d.conf);
	dpd_free(f->dbl);
	free(f);
	return 0;
}

/* The reply to the command given as words (NULL-terminated). */
static const char *run(struct fixture *f, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, f);
	for (char *a; (a = va_arg(ap, char *)) && argc < 16;)
		argv[argc++] = a;
	va_end(ap);
	strbuf_reset(&f->reply);
	vsxd_control_handle(&f->d, argc, argv, &f->reply);
	assert_false(f->reply.oom);
	return f->reply.buf ? f->reply.buf : "";
}

static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("no \"%s\" in:\n%s", what, text);
}

static void test_promote_then_policy(void **state)
{
	struct fixture *f = *state;
	const char *r;

	for (int i = 0; i < 6; i++)
		tick(f, 20000);
	r = run(f, "dump-flows", "type=offloaded", "--json", NULL);
	assert_has(r,
		   "ok\n{\"type\":\"offloaded\",\"flows\":[{\"flow\":\"vni=101,udp,10.0.0.1:4000->"
		   "10.0.0.2:5201\"");
	assert_has(r, "\"proto\":\"udp\"");
	assert_has(r, "\"tp_dst\":5201");
	assert_has(r, "\"path\":\"offloaded\",\"reason\":null,\"vm\":\"a\"");
	assert_has(r, "\"moves\":1,\"last_move\":\"");
	assert_has(r, "\"offloaded\":1,\"onloaded\":0,\"shown\":1");
	r = run(f, "dump-flows", "type=onloaded", NULL);
	assert_has(r, "ok\n(1 flows: 1 offloaded, 0 onloaded; 0 shown of type=onloaded)\n");

	/* On the fast path for a while: the offload counter grows, the normal one stays. */
	for (int i = 0; i < 5; i++)
		tick(f, 20000);
	r = run(f, "dump-flows", "type=all", NULL);
	assert_has(r, "ok\noffloaded vni=101,udp,10.0.0.1:4000->10.0.0.2:5201 vm=a ");
	assert_has(r, ",moves=1)");
	assert_has(r, " normal=10000/10000000 offload=12000/12000000 ");

	r = run(f, "offload-stats", "--json", NULL);
	assert_has(r, "\"enabled\":true");
	assert_has(r, "\"promotions\":{\"threshold\":1,\"always\":0,\"displace\":0}");
	assert_has(r, "\"offloaded\":1");
	assert_has(r, "\"vm\":\"a\",\"ifname\":\"lo\"");

	/* A header policy set at run time sends the flow back, with its reason. */
	r = run(f, "offload-policy-set", "header", "udp,tp_dst=5201", "never", NULL);
	assert_string_equal(r, "ok\nadded header policy 1\n");
	r = run(f, "offload-policy", NULL);
	assert_has(r, "ok\n");
	assert_has(r, "never");
	tick(f, 20000);
	tick(f, 20000);
	r = run(f, "dump-flows", "type=onloaded", NULL);
	assert_has(r, "onloaded  vni=101,udp,10.0.0.1:4000->10.0.0.2:5201 ");
	assert_has(r, " reason=policy-never ");
	assert_has(r, " policy=1(never) ");
	assert_has(r, ",moves=2)");
	r = run(f, "offload-stats", NULL);
	assert_has(r, " policy=1");
	assert_has(r, "policy-never=1");
	/* totals per path stay continuous across both moves */
	r = run(f, "dump-flows", "type=all", "--json", NULL);
	assert_has(r, "\"packets\":26000,\"bytes\":26000000,\"paths\":{\"normal\":{\"packets\":"
		      "12000,\"bytes\":12000000},\"offload\":{\"packets\":14000,");

	r = run(f, "offload-policy-del", "header", "1", NULL);
	assert_string_equal(r, "ok\ndeleted\n");
	r = run(f, "offload-policy-del", "header", "1", NULL);
	assert_has(r, "error: ");
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	const char *r;

	r = run(f, "dump-flows", "type=fast", NULL);
	assert_string_equal(r, "error: bad \"type=fast\": type=offloaded, onloaded or all\n");
	r = run(f, "dump-flows", "type=all", "type=all", NULL);
	assert_has(r, "error: unknown argument \"type=all\"");
	r = run(f, "dump-flows", "--limit", "-1", NULL);
	assert_has(r, "error: bad --limit \"-1\"");
	r = run(f, "offload-policy-set", "capcity 3", NULL);
	assert_has(r, "error: ");
	assert_has(r, "capcity");
	r = run(f, "offload-policy-set", "--replace", NULL);
	assert_string_equal(r, "error: no statement given\n");
	r = run(f, "offload-stats", "extra", NULL);
	assert_string_equal(r, "error: offload-stats: wrong number of arguments\n");
	/* a statement changes the policy: the capacity is shown back */
	r = run(f, "offload-policy-set", "capacity 3; idle-timeout 5s", NULL);
	assert_string_equal(r, "ok\npolicy changed\n");
	r = run(f, "offload-policy", "--json", NULL);
	assert_has(r, "\"capacity 3\"");
}

static void test_cache_and_paths(void **state)
{
	struct fixture *f = *state;
	const char *r;

	f->dbl->slot_cnt[3].packets = 7;
	f->dbl->path_cnt[VSX_PATH_OFFLOAD] = (struct vsx_counter){.packets = 5, .bytes = 500};
	r = run(f, "dump-flows", "--json", NULL);
	assert_has(r, "\"rule\":1,\"core\":1");
	assert_has(r, "\"packets\":7");
	r = run(f, "stats", "--json", NULL);
	assert_has(r,
		   "\"paths\":{\"normal\":{\"packets\":0,\"bytes\":0},\"offload\":{\"packets\":5,"
		   "\"bytes\":500}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_promote_then_policy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_and_paths, setup, teardown),
	};
	return cmocka_run_group_tests_name("vsxd_control", tests, NULL, NULL);
}
