// SPDX-License-Identifier: MIT
/* Small user-space helpers: the JSON writer vsxctl output relies on, jiffies parsing, HZ snap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "ctl.h"
#include "jiffies.h"
#include "strbuf.h"

static void test_json_document(void **state)
{
	struct strbuf sb;
	struct json j;

	strbuf_init(&sb);
	json_init(&j, &sb);
	json_obj_begin(&j);
	json_kv_str(&j, "name", "a\"b\\c\n\x01");
	json_kv_u64(&j, "n", 18446744073709551615ull);
	json_kv_i64(&j, "neg", -3);
	json_kv_bool(&j, "t", true);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_u64(&j, 1);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_null(&j);
	json_arr_end(&j);
	json_kv_double(&j, "x", 0.5);
	json_obj_end(&j);
	assert_string_equal(sb.buf, "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,"
				    "\"neg\":-3,\"t\":true,\"list\":[1,{},null],\"x\":0.5}");
	strbuf_free(&sb);
}

static void test_strbuf_grows(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_printf(&sb, "%04d", i);
	assert_int_equal(sb.len, 4000);
	assert_memory_equal(sb.buf + 3996, "0999", 4);
	assert_false(sb.oom);
	strbuf_free(&sb);
}

static void test_jiffies_parse(void **state)
{
	unsigned long long j = 0;

	assert_int_equal(vsx_jiffies_parse("Timer List Version: v0.10\nnow at 1 nsecs\n\njiffies: 4295470432\n", &j), 0);
	assert_true(j == 4295470432ull);
	assert_int_equal(vsx_jiffies_parse("jiffies: 7\n", &j), 0);
	assert_true(j == 7);
	assert_int_equal(vsx_jiffies_parse("no such line\n", &j), -EINVAL);
	assert_int_equal(vsx_jiffies_parse("\njiffies: x\n", &j), -EINVAL);
}

static void test_hz_snap(void **state)
{
	assert_int_equal(vsx_hz_snap(97.0), 100);
	assert_int_equal(vsx_hz_snap(240.0), 250);
	assert_int_equal(vsx_hz_snap(296.0), 300);
	assert_int_equal(vsx_hz_snap(1004.0), 1000);
}

static void test_ctl_split(void **state)
{
	char *argv[3];
	char ok[] = "add-rule\0vni=1 actions=irq:auto\0--json";
	char unterminated[] = {'s', 'h', 'o', 'w'};
	char many[] = "a\0b\0c\0d";

	assert_int_equal(vsx_ctl_split(ok, sizeof(ok), argv, 3), 3);
	assert_string_equal(argv[1], "vni=1 actions=irq:auto");
	assert_string_equal(argv[2], "--json");
	assert_int_equal(vsx_ctl_split(unterminated, sizeof(unterminated), argv, 3), -EPROTO);
	assert_int_equal(vsx_ctl_split(ok, 0, argv, 3), -EPROTO);
	assert_int_equal(vsx_ctl_split(many, sizeof(many), argv, 3), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_strbuf_grows),
		cmocka_unit_test(test_jiffies_parse),
		cmocka_unit_test(test_hz_snap),
		cmocka_unit_test(test_ctl_split),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
