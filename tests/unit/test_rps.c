// SPDX-License-Identifier: MIT
/*
 * lib/rps: reading and writing a device's RPS/RFS settings (on a fake sysfs tree in a temporary
 * directory), turning them off, comparing, and the saved-copy text format with its errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rps.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *rel, char *buf, size_t len)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void mkdirs(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* eth0 with rx-0, rx-1, rx-10 (sorted numerically, not as text) and a tx queue. */
static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/vsx-test-rps.XXXXXX");
	assert_non_null(mkdtemp(root));
	mkdirs("eth0");
	mkdirs("eth0/queues");
	mkdirs("eth0/queues/rx-10");
	mkdirs("eth0/queues/rx-1");
	mkdirs("eth0/queues/rx-0");
	mkdirs("eth0/queues/tx-0");
	mkdirs("eth0/queues/rx-x");
	put("eth0/queues/rx-0/rps_cpus", "00000000,00000003\n");
	put("eth0/queues/rx-0/rps_flow_cnt", "64\n");
	put("eth0/queues/rx-1/rps_cpus", "0\n");
	put("eth0/queues/rx-1/rps_flow_cnt", "0\n");
	put("eth0/queues/rx-10/rps_cpus", "f0\n");
	put("eth0/queues/rx-10/rps_flow_cnt", "0\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_read(void **state)
{
	static struct vsx_rps_state st;

	assert_int_equal(vsx_rps_read(root, "eth0", &st), 0);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.q[0].index, 0);
	assert_string_equal(st.q[0].cpus, "00000000,00000003");
	assert_int_equal(st.q[0].flow_cnt, 64);
	assert_int_equal(st.q[1].index, 1);
	assert_int_equal(st.q[2].index, 10);
	assert_string_equal(st.q[2].cpus, "f0");
	assert_false(vsx_rps_is_off(&st));
	assert_int_equal(vsx_rps_read(root, "nope", &st), -ENOENT);
}

static void test_no_rps_in_kernel(void **state)
{
	static struct vsx_rps_state st;

	mkdirs("eth1");
	mkdirs("eth1/queues");
	mkdirs("eth1/queues/rx-0");
	assert_int_equal(vsx_rps_read(root, "eth1", &st), -EOPNOTSUPP);
	put("eth1/queues/rx-0/rps_cpus", "zz\n");
	put("eth1/queues/rx-0/rps_flow_cnt", "0\n");
	assert_int_equal(vsx_rps_read(root, "eth1", &st), -EINVAL);
}

static void test_off_write_restore(void **state)
{
	static struct vsx_rps_state orig, off, now;
	char buf[64];

	assert_int_equal(vsx_rps_read(root, "eth0", &orig), 0);
	vsx_rps_off(&orig, &off);
	assert_true(vsx_rps_is_off(&off));
	assert_false(vsx_rps_equal(&orig, &off));
	assert_int_equal(vsx_rps_write(root, "eth0", &off), 0);
	get("eth0/queues/rx-0/rps_cpus", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	get("eth0/queues/rx-0/rps_flow_cnt", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	get("eth0/queues/rx-10/rps_cpus", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	assert_int_equal(vsx_rps_read(root, "eth0", &now), 0);
	assert_true(vsx_rps_is_off(&now));

	assert_int_equal(vsx_rps_write(root, "eth0", &orig), 0);
	get("eth0/queues/rx-0/rps_cpus", buf, sizeof(buf));
	assert_string_equal(buf, "00000000,00000003");
	get("eth0/queues/rx-0/rps_flow_cnt", buf, sizeof(buf));
	assert_string_equal(buf, "64");
	assert_int_equal(vsx_rps_read(root, "eth0", &now), 0);
	assert_true(vsx_rps_equal(&orig, &now));
	assert_int_equal(vsx_rps_write(root, "gone", &orig), -ENOENT);
}

/* A zero mask with a flow table still steers (RFS): not off. Masks compare as numbers. */
static void test_is_off_and_equal(void **state)
{
	static struct vsx_rps_state a, b;
	char msg[128];

	assert_int_equal(vsx_rps_parse("rx-0 cpus=0 flow_cnt=32\n", &a, msg, sizeof(msg)), 0);
	assert_false(vsx_rps_is_off(&a));
	assert_int_equal(
	    vsx_rps_parse("rx-0 cpus=00000000,00000000 flow_cnt=0\n", &a, msg, sizeof(msg)), 0);
	assert_true(vsx_rps_is_off(&a));
	assert_int_equal(
	    vsx_rps_parse("rx-0 cpus=00000000,0000000F flow_cnt=0\n", &a, msg, sizeof(msg)), 0);
	assert_int_equal(vsx_rps_parse("rx-0 cpus=f flow_cnt=0", &b, msg, sizeof(msg)), 0);
	assert_true(vsx_rps_equal(&a, &b));
	assert_int_equal(vsx_rps_parse("rx-0 cpus=e flow_cnt=0", &b, msg, sizeof(msg)), 0);
	assert_false(vsx_rps_equal(&a, &b));
	assert_int_equal(vsx_rps_parse("", &b, msg, sizeof(msg)), 0);
	assert_int_equal(b.n, 0);
	assert_true(vsx_rps_is_off(&b));
}

static void test_format_parse_round_trip(void **state)
{
	static struct vsx_rps_state a, b;
	char text[512], msg[128];

	assert_int_equal(vsx_rps_read(root, "eth0", &a), 0);
	assert_int_equal(vsx_rps_format(&a, text, sizeof(text)), 0);
	assert_string_equal(text, "rx-0 cpus=00000000,00000003 flow_cnt=64\n"
				  "rx-1 cpus=0 flow_cnt=0\n"
				  "rx-10 cpus=f0 flow_cnt=0\n");
	assert_int_equal(vsx_rps_parse(text, &b, msg, sizeof(msg)), 0);
	assert_true(vsx_rps_equal(&a, &b));
	assert_int_equal(vsx_rps_format(&a, text, 20), -ENOSPC);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"rx-0 cpus=1", "line 1: expected \"rx-N cpus=MASK flow_cnt=N\""},
	    {"tx-0 cpus=1 flow_cnt=0", "line 1: expected \"rx-N cpus=MASK flow_cnt=N\""},
	    {"rx-0 cpus=1 flow_cnt=0 extra", "line 1: expected \"rx-N cpus=MASK flow_cnt=N\""},
	    {"\nrx-0 cpus=g flow_cnt=0", "line 2: bad CPU mask \"g\""},
	    {"rx-0 cpus=1,,1 flow_cnt=0", "line 1: bad CPU mask \"1,,1\""},
	    {"rx-0 cpus=123456789 flow_cnt=0", "line 1: bad CPU mask \"123456789\""},
	    {"rx-0 cpus=1, flow_cnt=0", "line 1: bad CPU mask \"1,\""},
	    {"rx-0 cpus=1 flow_cnt=-1", "line 1: bad flow_cnt \"-1\""},
	    {"rx-0 cpus=1 flow_cnt=99999999999999999999999",
	     "line 1: bad flow_cnt \"99999999999999999999999\""},
	    {"rx-0 cpus=1 flow_cnt=0\nrx-0 cpus=2 flow_cnt=0", "line 2: rx-0 given twice"},
	};
	static struct vsx_rps_state st;
	char msg[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		assert_int_equal(vsx_rps_parse(bad[i].text, &st, msg, sizeof(msg)), -EINVAL);
		assert_string_equal(msg, bad[i].msg);
	}
}

static void test_parse_too_many_queues(void **state)
{
	static struct vsx_rps_state st;
	static char text[(VSX_RPS_MAX_QUEUES + 1) * 32];
	size_t off = 0;
	char msg[128];

	for (int i = 0; i <= VSX_RPS_MAX_QUEUES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "rx-%d cpus=1 flow_cnt=0\n",
					i);
	assert_int_equal(vsx_rps_parse(text, &st, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "line 257: more than 256 queues");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_rps_in_kernel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_off_write_restore, setup, teardown),
	    cmocka_unit_test(test_is_off_and_equal),
	    cmocka_unit_test_setup_teardown(test_format_parse_round_trip, setup, teardown),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_too_many_queues),
	};
	return cmocka_run_group_tests_name("rps", tests, NULL, NULL);
}
