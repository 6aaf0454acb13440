// SPDX-License-Identifier: MIT
/* The Prometheus text exposition writer (lib/prom.c). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "prom.h"

static void test_names(void **state)
{
	assert_true(prom_metric_name_ok("vsx_path_packets_total"));
	assert_true(prom_metric_name_ok("_x"));
	assert_true(prom_metric_name_ok("a:b:c"));
	assert_true(prom_metric_name_ok("A9"));
	assert_false(prom_metric_name_ok(""));
	assert_false(prom_metric_name_ok(NULL));
	assert_false(prom_metric_name_ok("9a"));
	assert_false(prom_metric_name_ok("a-b"));
	assert_false(prom_metric_name_ok("a b"));
	assert_false(prom_metric_name_ok("a{b}"));
	assert_false(prom_metric_name_ok("caf\xc3\xa9"));
	char longname[PROM_NAME_MAX + 1];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(prom_metric_name_ok(longname));

	assert_true(prom_label_name_ok("core"));
	assert_true(prom_label_name_ok("_x1"));
	assert_false(prom_label_name_ok("__name__")); /* reserved for Prometheus */
	assert_false(prom_label_name_ok("__x"));
	assert_false(prom_label_name_ok("a:b")); /* colons: metric names only */
	assert_false(prom_label_name_ok("1a"));
	assert_false(prom_label_name_ok(""));
	assert_false(prom_label_name_ok(NULL));
}

static void test_escape(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb);
	prom_escape_label_value(&sb, "a\\b\"c\nd");
	assert_string_equal(sb.buf, "a\\\\b\\\"c\\nd");
	strbuf_reset(&sb);
	/* Help text keeps double quotes as they are. */
	prom_escape_help(&sb, "say \"hi\"\\\n");
	assert_string_equal(sb.buf, "say \"hi\"\\\\\\n");
	strbuf_reset(&sb);
	prom_escape_label_value(&sb, "");
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

static void test_exposition(void **state)
{
	struct strbuf sb;
	struct prom p;

	strbuf_init(&sb);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_path_packets_total", PROM_COUNTER,
				     "Packets received, by path\n(one exit)."),
			 0);
	assert_int_equal(prom_sample_u64(&p, PROM_LABELS({"path", "normal"}), 42), 0);
	assert_int_equal(
	    prom_sample_u64(&p, PROM_LABELS({"path", "offload"}), 18446744073709551615ull), 0);
	assert_int_equal(prom_family(&p, "vsx_up", PROM_GAUGE, "1 while vsxd runs."), 0);
	assert_int_equal(prom_sample_u64(&p, PROM_NO_LABELS, 1), 0);
	assert_int_equal(prom_family(&p, "vsx_core_load_ratio", PROM_GAUGE, "Load."), 0);
	assert_int_equal(prom_sample_double(&p, PROM_LABELS({"core", "0"}, {"vm", "a\"b"}), 0.1),
			 0);
	assert_int_equal(prom_sample_double(&p, PROM_LABELS({"core", "1"}, {"vm", ""}), 1e300), 0);
	assert_int_equal(prom_sample_double(&p, PROM_LABELS({"core", "2"}, {"vm", ""}), NAN), 0);
	assert_int_equal(prom_sample_double(&p, PROM_LABELS({"core", "3"}, {"vm", ""}), -INFINITY),
			 0);
	assert_int_equal(prom_sample_double(&p, PROM_LABELS({"core", "4"}, {"vm", ""}), 0.1 + 0.2),
			 0);
	assert_int_equal(prom_error(&p), 0);
	assert_string_equal(
	    sb.buf, "# HELP vsx_path_packets_total Packets received, by path\\n(one exit).\n"
		    "# TYPE vsx_path_packets_total counter\n"
		    "vsx_path_packets_total{path=\"normal\"} 42\n"
		    "vsx_path_packets_total{path=\"offload\"} 18446744073709551615\n"
		    "# HELP vsx_up 1 while vsxd runs.\n"
		    "# TYPE vsx_up gauge\n"
		    "vsx_up 1\n"
		    "# HELP vsx_core_load_ratio Load.\n"
		    "# TYPE vsx_core_load_ratio gauge\n"
		    "vsx_core_load_ratio{core=\"0\",vm=\"a\\\"b\"} 0.1\n"
		    "vsx_core_load_ratio{core=\"1\",vm=\"\"} 1e+300\n"
		    "vsx_core_load_ratio{core=\"2\",vm=\"\"} NaN\n"
		    "vsx_core_load_ratio{core=\"3\",vm=\"\"} -Inf\n"
		    "vsx_core_load_ratio{core=\"4\",vm=\"\"} 0.30000000000000004\n");
	strbuf_free(&sb);
}

/* Each mistake is refused, sticks, and nothing more is written after it. */
static void expect_sticky(struct prom *p, struct strbuf *sb, int err)
{
	size_t len = sb->len;

	assert_int_equal(prom_error(p), err);
	assert_int_equal(prom_family(p, "vsx_other", PROM_GAUGE, "x"), err);
	assert_int_equal(prom_sample_u64(p, PROM_NO_LABELS, 1), err);
	assert_int_equal(sb->len, len);
}

static void test_errors(void **state)
{
	struct strbuf sb;
	struct prom p;

	strbuf_init(&sb);

	/* A sample before any family. */
	prom_init(&p, &sb);
	assert_int_equal(prom_sample_u64(&p, PROM_NO_LABELS, 1), -EINVAL);
	expect_sticky(&p, &sb, -EINVAL);
	assert_int_equal(sb.len, 0);

	/* A bad metric name, a missing help, bad UTF-8 in help. */
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx-x", PROM_GAUGE, "x"), -EINVAL);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_x", PROM_GAUGE, NULL), -EINVAL);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_x", PROM_GAUGE, "\xff"), -EINVAL);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_x", (enum prom_type)7, "x"), -EINVAL);

	/* The same family twice: the format wants one group per family. */
	strbuf_reset(&sb);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), 0);
	assert_int_equal(prom_family(&p, "vsx_b", PROM_GAUGE, "b"), 0);
	assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), -EINVAL);
	expect_sticky(&p, &sb, -EINVAL);

	/* Label names: invalid, reserved, twice in one sample; values: bad UTF-8, NULL. */
	const struct prom_label twice[] = {{"a", "1"}, {"a", "2"}};
	const struct prom_label *bad[] = {
	    (const struct prom_label[]){{"1a", "x"}},
	    (const struct prom_label[]){{"__name__", "x"}},
	    (const struct prom_label[]){{"a", "\xc0\xaf"}},	    /* overlong '/' */
	    (const struct prom_label[]){{"a", "\xed\xa0\x80"}},	    /* a surrogate */
	    (const struct prom_label[]){{"a", "\xf4\x90\x80\x80"}}, /* past U+10FFFF */
	    (const struct prom_label[]){{"a", "\xe2\x82"}},	    /* truncated */
	    (const struct prom_label[]){{"a", NULL}},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&sb);
		prom_init(&p, &sb);
		assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), 0);
		assert_int_equal(prom_sample_u64(&p, bad[i], 1, 1), -EINVAL);
		expect_sticky(&p, &sb, -EINVAL);
		assert_null(strstr(sb.buf, "vsx_a{"));
	}
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), 0);
	assert_int_equal(prom_sample_u64(&p, twice, 2, 1), -EINVAL);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), 0);
	assert_int_equal(prom_sample_u64(&p, NULL, 1, 1), -EINVAL);

	/* Good multi-byte UTF-8 is fine in values. */
	strbuf_reset(&sb);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_a", PROM_GAUGE, "a"), 0);
	assert_int_equal(
	    prom_sample_u64(&p, PROM_LABELS({"vm", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}),
			    1),
	    0);

	/* A counter never goes below zero; a gauge may. */
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_c_total", PROM_COUNTER, "c"), 0);
	assert_int_equal(prom_sample_double(&p, PROM_NO_LABELS, -1), -EINVAL);
	prom_init(&p, &sb);
	assert_int_equal(prom_family(&p, "vsx_g", PROM_GAUGE, "g"), 0);
	assert_int_equal(prom_sample_double(&p, PROM_NO_LABELS, -1), 0);

	/* Too many families. */
	prom_init(&p, &sb);
	for (int i = 0; i < PROM_MAX_FAMILIES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "vsx_f%d", i);
		assert_int_equal(prom_family(&p, name, PROM_GAUGE, "f"), 0);
	}
	assert_int_equal(prom_family(&p, "vsx_one_more", PROM_GAUGE, "f"), -E2BIG);
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_exposition),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
