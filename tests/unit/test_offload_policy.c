// SPDX-License-Identifier: MIT
/*
 * The offload policy's one parser, validator and printer (lib/offload_policy.h): defaults,
 * every statement, every error message, decisions (header order, rate-limit scopes), run-time
 * changes (replace, delete, atomic statement lists), dump -> parse, and the examples of
 * docs/offload-policy.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "offload_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void ok(struct vsx_ofl_policy *p, const char *text)
{
	char err[256] = "";
	int r = vsx_ofl_policy_apply_text(p, text, 0, NULL, err, sizeof(err));

	if (r)
		fail_msg("'%s': %d %s", text, r, err);
}

static char *dump(const struct vsx_ofl_policy *p, const char *prefix)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(vsx_ofl_policy_dump(p, prefix, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Every line of text applied to a fresh policy in order, then validated once. */
static void from_lines(struct vsx_ofl_policy *p, const char *text)
{
	char *copy = strdup(text), *save = NULL;
	char err[256];

	assert_non_null(copy);
	vsx_ofl_policy_init(p);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		err[0] = '\0';
		if (vsx_ofl_policy_apply_text(p, l, VSX_OFL_NOCHECK, NULL, err, sizeof(err)))
			fail_msg("line '%s': %s", l, err);
	}
	free(copy);
	if (vsx_ofl_policy_validate(p, err, sizeof(err)))
		fail_msg("%s", err);
}

static void round_trip(const struct vsx_ofl_policy *p)
{
	struct vsx_ofl_policy q;
	char *d1 = dump(p, ""), *d2;

	from_lines(&q, d1);
	if (!vsx_ofl_policy_equal(p, &q))
		fail_msg("dump does not parse back equal:\n%s", d1);
	d2 = dump(&q, "");
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	vsx_ofl_policy_free(&q);
}

static void test_defaults(void **state)
{
	struct vsx_ofl_policy p;
	char *d;

	(void)state;
	vsx_ofl_policy_init(&p);
	assert_int_equal(vsx_ofl_policy_validate(&p, NULL, 0), 0);
	d = dump(&p, "");
	assert_string_equal(d, "offload off\n"
			       "capacity 1024\n"
			       "idle-timeout 10s\n"
			       "promote pps=10k bps=100M for=1s\n"
			       "demote pps=2k bps=20M for=3s\n");
	free(d);
	d = dump(&p, "offload-");
	assert_string_equal(d, "offload off\n"
			       "offload-capacity 1024\n"
			       "offload-idle-timeout 10s\n"
			       "offload-promote pps=10k bps=100M for=1s\n"
			       "offload-demote pps=2k bps=20M for=3s\n");
	free(d);
	vsx_ofl_policy_free(&p);
}

static void test_statements(void **state)
{
	struct vsx_ofl_policy p;
	struct vsx_rate_limit l;
	__u32 id = 0;

	(void)state;
	vsx_ofl_policy_init(&p);
	ok(&p, "offload on");
	assert_true(p.enabled);
	ok(&p, "  capacity\t64k "); /* blanks anywhere, k suffix */
	assert_int_equal(p.capacity, 64000);
	ok(&p, "idle-timeout 250ms");
	assert_int_equal(p.idle_timeout_ms, 250);
	ok(&p, "promote bps=1G");
	assert_int_equal(p.promote.bps, 1000000000ull);
	assert_int_equal(p.promote.pps, 10000); /* units not given stay */
	ok(&p, "demote for=10s");
	assert_int_equal(p.demote.ms, 10000);
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "header priority=10,tcp,tp_dst=22 never", 0,
						   &id, NULL, 0),
			 0);
	assert_int_equal(id, 1);
	assert_int_equal(p.headers[0].priority, 10);
	assert_int_equal(p.headers[0].mask.tp_dst, 0xffff);
	assert_int_equal(p.headers[0].key.tp_dst, htons(22));
	ok(&p, "header vni=101,dl_dst=02:00:00:00:00:01 always");
	ok(&p, "header any auto");
	ok(&p, "rate-limit default rate=10G");
	ok(&p, "rate-limit tenant=blue pps=1M burst=64kB burst-pkts=100");
	ok(&p, "rate-limit vm=web1 rate=2500M burst=2ms");
	assert_int_equal(vsx_ofl_policy_rate(&p, "web1", "blue", &l), VSX_OFL_SCOPE_VM);
	assert_int_equal(l.bits_per_s, 2500000000ull);
	assert_int_equal(l.burst_us, 2000);
	assert_int_equal(vsx_ofl_policy_rate(&p, "db1", "blue", &l), VSX_OFL_SCOPE_TENANT);
	assert_int_equal(l.pkts_per_s, 1000000);
	assert_int_equal(l.burst_bytes, 64000);
	assert_int_equal(l.burst_pkts, 100);
	assert_int_equal(vsx_ofl_policy_rate(&p, "db1", "", &l), VSX_OFL_SCOPE_DEFAULT);
	assert_int_equal(vsx_ofl_policy_rate(&p, "db1", NULL, &l), VSX_OFL_SCOPE_DEFAULT);
	assert_int_equal(l.bits_per_s, 10000000000ull);
	round_trip(&p);
	{
		char *d = dump(&p, "");

		assert_string_equal(d, "offload on\n"
				       "capacity 64000\n"
				       "idle-timeout 250ms\n"
				       "promote pps=10k bps=1G for=1s\n"
				       "demote pps=2k bps=20M for=10s\n"
				       "header dl_dst=02:00:00:00:00:01,vni=101 always\n"
				       "header any auto\n"
				       "header priority=10,tcp,tp_dst=22 never\n"
				       "rate-limit default rate=10G\n"
				       "rate-limit tenant=blue pps=1M burst=64000B burst-pkts=100\n"
				       "rate-limit vm=web1 rate=2500M burst=2ms\n");
		free(d);
	}
	vsx_ofl_policy_free(&p);

	/* no limit anywhere */
	vsx_ofl_policy_init(&p);
	assert_int_equal(vsx_ofl_policy_rate(&p, "a", "b", &l), -ENOENT);
	assert_int_equal(l.bits_per_s, 0);
	vsx_ofl_policy_free(&p);
}

struct err_case {
	const char *text;
	int ret;
	const char *want;
};

static void test_errors(void **state)
{
	static const struct err_case cases[] = {
		{"", -EINVAL, "empty statement"},
		{"offload", -EINVAL, "offload: expected one value"},
		{"offload maybe", -EINVAL, "offload: expected on or off, got 'maybe'"},
		{"capacity 0", -EINVAL, "capacity 0 out of range 1..65535"},
		{"capacity 1 2", -EINVAL, "capacity: expected one value"},
		{"capacity 99999999999999999999", -EINVAL,
		 "capacity 99999999999999999999 out of range 1..65535"},
		{"idle-timeout 0s", -EINVAL,
		 "idle-timeout: invalid duration '0s' (500ms, 10s; 1ms..3600s)"},
		{"idle-timeout 3601s", -EINVAL,
		 "idle-timeout: invalid duration '3601s' (500ms, 10s; 1ms..3600s)"},
		{"idle-timeout 1h", -EINVAL,
		 "idle-timeout: invalid duration '1h' (500ms, 10s; 1ms..3600s)"},
		{"promote", -EINVAL, "promote: expected pps=N, bps=RATE or for=DUR"},
		{"promote pps=", -EINVAL, "promote: invalid pps ''"},
		{"promote bps=1g", -EINVAL, "promote: invalid bps '1g' (bits per second, k/M/G/T suffix)"},
		{"promote for=0ms", -EINVAL,
		 "promote: invalid for '0ms' (a duration: 500ms, 3s; 1ms..3600s)"},
		{"promote speed=1", -EINVAL, "promote: unknown word 'speed=1' (pps=, bps=, for=)"},
		{"promote pps=1000", -EINVAL,
		 "demote pps=2000 must be below promote pps=1000 (hysteresis)"},
		{"promote pps=0 bps=0", -EINVAL,
		 "promote: pps and bps both 0 (use header policies to decide without statistics)"},
		{"promote pps=0", -EINVAL,
		 "demote pps=2000 given but promotion does not use pps (promote pps=0)"},
		{"demote bps=100M", -EINVAL,
		 "demote bps=100000000 must be below promote bps=100000000 (hysteresis)"},
		{"header", -EINVAL, "header: expected MATCH always|never|auto"},
		{"header tcp", -EINVAL, "header: expected MATCH always|never|auto"},
		{"header tcp maybe", -EINVAL, "header: expected always, never or auto, got 'maybe'"},
		{"header frobnicate=1 always", -EINVAL, "header: unknown field \"frobnicate\""},
		{"header cookie=5,tcp always", -EINVAL,
		 "header: 'cookie=5,tcp': cookie= has no meaning in a header policy"},
		{"header tcp,actions=irq:1 never", -EINVAL,
		 "header: 'tcp,actions=irq:1': a header policy has no actions= (its decision "
		 "follows the match)"},
		{"rate-limit", -EINVAL, "rate-limit: expected default, vm=NAME or tenant=NAME"},
		{"rate-limit all rate=1G", -EINVAL,
		 "rate-limit: expected default, vm=NAME or tenant=NAME, got 'all'"},
		{"rate-limit vm= rate=1G", -EINVAL,
		 "rate-limit: name in 'vm=' empty or too long (max 63)"},
		{"rate-limit vm=-x rate=1G", -EINVAL, "rate-limit: invalid name in 'vm=-x'"},
		{"rate-limit default rate=1G rate=2G", -EINVAL, "rate-limit: 'rate=2G' given twice"},
		{"rate-limit default rate=11T", -EINVAL,
		 "rate-limit: invalid rate '11T' (bits per second, k/M/G/T suffix, at most 10T)"},
		{"rate-limit default pps=x", -EINVAL,
		 "rate-limit: invalid pps 'x' (k/M suffix, at most 10000M)"},
		{"rate-limit default rate=1G burst=11s", -EINVAL,
		 "rate-limit: burst '11s' longer than 10s"},
		{"rate-limit default rate=1G burst=5GB", -EINVAL,
		 "rate-limit: invalid burst '5GB' (a time: 10ms; or a size: 1500B, 64kB, 1MB up to "
		 "4294MB)"},
		{"rate-limit default rate=1G burst-pkts=-1", -EINVAL,
		 "rate-limit: invalid burst-pkts '-1'"},
		{"rate-limit default burst-pkts=5", -EINVAL, "rate-limit: a burst needs rate= or pps="},
		{"rate-limit default speed=1", -EINVAL,
		 "rate-limit: unknown word 'speed=1' (rate=, pps=, burst=, burst-pkts=)"},
		{"frobnicate 1", -EINVAL,
		 "unknown statement 'frobnicate' (offload, capacity, idle-timeout, promote, demote, "
		 "header, rate-limit)"},
		{"offload\x01on", -EINVAL, "invalid character 0x01"},
		{"a b c d e f g h i j k l m n o p q", -EINVAL, "too many words (at most 16)"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vsx_ofl_policy p, before;
		char err[256] = "";
		int r;

		vsx_ofl_policy_init(&p);
		vsx_ofl_policy_init(&before);
		r = vsx_ofl_policy_apply_text(&p, cases[i].text, 0, NULL, err, sizeof(err));
		if (r != cases[i].ret || strcmp(err, cases[i].want))
			fail_msg("'%s': got %d '%s', want %d '%s'", cases[i].text, r, err,
				 cases[i].ret, cases[i].want);
		/* a failure changes nothing */
		assert_true(vsx_ofl_policy_equal(&p, &before));
		vsx_ofl_policy_free(&p);
	}
	/* too long */
	{
		char line[VSX_OFL_STMT_MAX + 10];
		struct vsx_ofl_policy p;
		char err[128];

		memset(line, 'a', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		vsx_ofl_policy_init(&p);
		assert_int_equal(vsx_ofl_policy_apply_text(&p, line, 0, NULL, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "statement too long (max 1099 characters)");
		vsx_ofl_policy_free(&p);
	}
}

/* Several statements at once: validated together, all or nothing. */
static void test_atomic_lists(void **state)
{
	struct vsx_ofl_policy p, before;
	char err[256];

	(void)state;
	vsx_ofl_policy_init(&p);
	/* lowering promotion below the current demotion needs both at once */
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "promote pps=500", 0, NULL, err,
						   sizeof(err)),
			 -EINVAL);
	ok(&p, "promote pps=500 bps=0; demote pps=100 bps=0");
	assert_int_equal(p.promote.pps, 500);
	assert_int_equal(p.demote.pps, 100);
	/* the second fails: the first is not applied either */
	vsx_ofl_policy_copy(&before, &p);
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "capacity 8; header tcp sometimes", 0,
						   NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "header: expected always, never or auto, got 'sometimes'");
	assert_true(vsx_ofl_policy_equal(&p, &before));
	/* empty statements between ';' are errors, not ignored */
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "capacity 8;", 0, NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "empty statement");
	vsx_ofl_policy_free(&before);
	vsx_ofl_policy_free(&p);
}

static void test_headers(void **state)
{
	struct vsx_ofl_policy p;
	struct vsx_flow_key k;
	const struct vsx_ofl_header *h;
	char err[256];
	__u32 id = 0;

	(void)state;
	vsx_ofl_policy_init(&p);
	ok(&p, "header udp always");				/* 1 */
	ok(&p, "header priority=40000,udp,tp_dst=53 never");	/* 2: higher */
	ok(&p, "header udp,tp_dst=53 auto");			/* 3: same priority as 1, later */
	ok(&p, "header priority=1,any never");			/* 4: lowest */
	memset(&k, 0, sizeof(k));
	k.flags = VSX_KEY_TUNNEL;
	k.dl_type = htons(0x0800);
	k.nw_proto = 17;
	k.tp_dst = htons(53);
	h = vsx_ofl_policy_header(&p, &k);
	assert_non_null(h);
	assert_int_equal(h->id, 2);
	assert_int_equal(h->action, VSX_OFL_NEVER);
	k.tp_dst = htons(54);
	h = vsx_ofl_policy_header(&p, &k);
	assert_int_equal(h->id, 1); /* 3 does not match; 1 before 4 */
	k.nw_proto = 6;
	h = vsx_ofl_policy_header(&p, &k);
	assert_int_equal(h->id, 4);
	assert_string_equal(vsx_ofl_action_name(h->action), "never");
	/* same match and priority: -EEXIST, or replaced in place keeping its id */
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "header udp never", 0, &id, err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(err, "header: 'udp' exists already (header 1)");
	assert_int_equal(id, 0);
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "header udp never", VSX_OFL_REPLACE, &id,
						   err, sizeof(err)),
			 0);
	assert_int_equal(id, 1);
	assert_int_equal(p.headers[1].id, 1);
	assert_int_equal(p.headers[1].action, VSX_OFL_NEVER);
	/* delete by id, by match; ids are not reused */
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "header 3", err, sizeof(err)), 0);
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "header 3", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no header policy 3");
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "header priority=1,any", err, sizeof(err)),
			 0);
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "header tcp", err, sizeof(err)), -ENOENT);
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "header tp_dst=1", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(p.n_headers, 2);
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "header tcp auto", 0, &id, NULL, 0), 0);
	assert_int_equal(id, 5);
	/* rate limits: replace and delete by scope */
	ok(&p, "rate-limit vm=a rate=1G");
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "rate-limit vm=a rate=2G", 0, NULL, err,
						   sizeof(err)),
			 -EEXIST);
	assert_int_equal(vsx_ofl_policy_apply_text(&p, "rate-limit vm=a rate=2G", VSX_OFL_REPLACE,
						   NULL, err, sizeof(err)),
			 0);
	assert_int_equal(p.rates[0].limit.bits_per_s, 2000000000ull);
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "rate-limit vm=a", err, sizeof(err)), 0);
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "rate-limit vm=a", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no rate limit for vm=a");
	assert_int_equal(vsx_ofl_policy_delete_text(&p, "capacity", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "expected header ID, header MATCH or rate-limit SCOPE");
	round_trip(&p);
	vsx_ofl_policy_free(&p);
}

static void test_values(void **state)
{
	uint32_t ms = 0;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(vsx_ofl_parse_duration_ms("1500ms", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(vsx_ofl_parse_duration_ms("2s", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(vsx_ofl_parse_duration_ms("2", &ms), -EINVAL);
	assert_int_equal(vsx_ofl_parse_duration_ms("s", &ms), -EINVAL);
	assert_int_equal(vsx_ofl_parse_duration_ms("99999999999999999999s", &ms), -ERANGE);
	assert_int_equal(vsx_ofl_parse_rate("100M", &v), 0);
	assert_int_equal(v, 100000000);
	assert_int_equal(vsx_ofl_parse_rate("7", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(vsx_ofl_parse_rate("1.5G", &v), -EINVAL);
	assert_int_equal(vsx_ofl_parse_rate("20000000T", &v), -ERANGE);
	assert_int_equal(vsx_ofl_parse_count("10k", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(vsx_ofl_parse_count("10G", &v), -EINVAL);
	assert_string_equal(vsx_ofl_action_name(VSX_OFL_ALWAYS), "always");
	assert_string_equal(vsx_ofl_action_name(9), "?");
}

/* Every ```policy block of docs/offload-policy.md parses (as one policy, in order). */
static void test_doc_examples(void **state)
{
	static const char path[] = "docs/offload-policy.md";
	FILE *f = fopen(path, "re");
	char line[2048];
	bool in = false;
	int blocks = 0, lines = 0;
	struct vsx_ofl_policy p;

	(void)state;
	if (!f) {
		print_message("# %s not found (not run from the top of the tree)\n", path);
		return;
	}
	vsx_ofl_policy_init(&p);
	while (fgets(line, sizeof(line), f)) {
		char err[256] = "";

		line[strcspn(line, "\n")] = '\0';
		if (!in && !strcmp(line, "```policy")) {
			in = true;
			blocks++;
			vsx_ofl_policy_free(&p);
			continue;
		}
		if (in && !strcmp(line, "```")) {
			in = false;
			if (vsx_ofl_policy_validate(&p, err, sizeof(err)))
				fail_msg("%s: block %d: %s", path, blocks, err);
			round_trip(&p);
			continue;
		}
		if (!in || !line[0] || line[0] == '#')
			continue;
		lines++;
		if (vsx_ofl_policy_apply_text(&p, line, VSX_OFL_NOCHECK, NULL, err, sizeof(err)))
			fail_msg("%s: block %d: '%s': %s", path, blocks, line, err);
	}
	fclose(f);
	vsx_ofl_policy_free(&p);
	assert_false(in);
	assert_true(blocks >= 3);
	assert_true(lines >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_statements),
		cmocka_unit_test(test_errors),	     cmocka_unit_test(test_atomic_lists),
		cmocka_unit_test(test_headers),	     cmocka_unit_test(test_values),
		cmocka_unit_test(test_doc_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
