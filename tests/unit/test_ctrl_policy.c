// SPDX-License-Identifier: MIT
/*
 * vsx-controller's policy file (lib/ctrl_policy.c): every directive and setting, precedence
 * (vm over tenant over default over built-in), and an error with FILE:LINE for each way a
 * line can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctrl_policy.h"

static int parse(const char *text, struct ctrl_policy *p, char *err, size_t errlen)
{
	return ctrl_policy_parse(text, strlen(text), "pol", p, err, errlen);
}

static void resolved(const struct ctrl_policy *p, const char *vm, const char *tenant, char *buf,
		     size_t len)
{
	struct ctrl_policy_settings s;

	ctrl_policy_resolve(p, vm, tenant, &s);
	ctrl_policy_settings_text(&s, buf, len);
}

static void test_builtin(void **state)
{
	struct ctrl_policy p;
	char buf[256];

	ctrl_policy_init(&p);
	assert_int_equal(p.flow_priority, 40000);
	resolved(&p, "x", "y", buf, sizeof(buf));
	assert_string_equal(buf, "priority=no steer=vmid cores=auto");
	ctrl_policy_free(&p);
}

static void test_precedence(void **state)
{
	static const char text[] = "# a policy\n"
				   "flow-priority 123\n"
				   "default steer=none\n"
				   "\n"
				   "tenant gold priority steer=vmid   # gold VMs\n"
				   "tenant bulk cores=auto\n"
				   "vm web1 cores=3,5\n"
				   "vm db priority=no traffic=tcp,tp_dst=5432\n"
				   "vm fast priority cores=7\n";
	struct ctrl_policy p;
	char buf[512], err[256] = "";

	ctrl_policy_init(&p);
	assert_int_equal(parse(text, &p, err, sizeof(err)), 0);
	assert_int_equal(p.flow_priority, 123);
	assert_int_equal(p.n_tenants, 2);
	assert_int_equal(p.n_vms, 3);
	resolved(&p, "other", "", buf, sizeof(buf));
	assert_string_equal(buf, "priority=no steer=none cores=auto");
	/* Priority through the tenant: cores=pick since nothing says otherwise. */
	resolved(&p, "g1", "gold", buf, sizeof(buf));
	assert_string_equal(buf, "priority=yes steer=vmid cores=pick");
	/* The vm line's cores, the tenant's priority and steering. */
	resolved(&p, "web1", "gold", buf, sizeof(buf));
	assert_string_equal(buf, "priority=yes steer=vmid cores=3,5");
	resolved(&p, "db", "gold", buf, sizeof(buf));
	assert_string_equal(buf, "priority=no steer=vmid cores=auto traffic=tcp,tp_dst=5432");
	resolved(&p, "fast", "bulk", buf, sizeof(buf));
	assert_string_equal(buf, "priority=yes steer=none cores=7");
	ctrl_policy_free(&p);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"bogus x\n", "pol:1: unknown directive 'bogus'"},
	    {"\n\nvm\n", "pol:3: vm needs a name"},
	    {"vm a cores=\n", "pol:1: cores=: expected auto, pick or core numbers"},
	    {"vm a cores=1,\n", "pol:1: cores=1,: expected auto"},
	    {"vm a cores=256\n", "pol:1: cores=256: core 256 is not below 256"},
	    {"vm a cores=1;2\n", "pol:1: cores=1;2: expected ',' after core 1"},
	    {"vm a steer=fast\n", "pol:1: steer=fast: expected vmid or none"},
	    {"vm a priority=maybe\n", "pol:1: priority=maybe: expected yes or no"},
	    {"vm a steer\n", "pol:1: 'steer' needs a value"},
	    {"vm a priority priority\n", "pol:1: 'priority' given twice"},
	    {"vm a color=red\n", "pol:1: unknown setting 'color'"},
	    {"vm a\nvm a\n", "pol:2: vm 'a' already defined at line 1"},
	    {"tenant bad/name\n", "pol:1: tenant name 'bad/name'"},
	    {"vm aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "pol:1: vm name"},
	    {"default\ndefault\n", "pol:2: a second 'default' line"},
	    {"flow-priority 0\n", "pol:1: flow-priority 0: expected 1..65535"},
	    {"flow-priority 70000\n", "pol:1: flow-priority 70000"},
	    {"flow-priority\n", "pol:1: flow-priority takes one number"},
	    {"flow-priority 5\nflow-priority 6\n", "pol:2: flow-priority given twice"},
	    {"vm a traffic=tcp,tp_dst=99999\n", "pol:1: traffic=tcp,tp_dst=99999: "},
	    {"vm a traffic=tp_dst=80\n", "pol:1: traffic=tp_dst=80: "},
	    {"vm a traffic=dl_dst=00:11:22:33:44:55\n", "dl_dst and vni are set by the controller"},
	    {"vm a traffic=vni=5\n", "dl_dst and vni are set by the controller"},
	    {"vm a traffic=tcp,actions=irq:1\n", "a match only"},
	    {"vm a traffic=\n", "pol:1: traffic=: empty match"},
	};
	struct ctrl_policy p;
	char err[512];

	ctrl_policy_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		err[0] = 0;
		assert_int_equal(parse(cases[i].text, &p, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want)) {
			print_error("case %zu: '%s' lacks '%s'\n", i, err, cases[i].want);
			fail();
		}
	}
	/* A failed parse leaves the old policy. */
	assert_int_equal(parse("flow-priority 7\n", &p, err, sizeof(err)), 0);
	assert_int_equal(parse("flow-priority 8\nnope\n", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(p.flow_priority, 7);
	/* A NUL inside, a line too long. */
	assert_int_equal(ctrl_policy_parse("vm a\0b\n", 7, "pol", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pol:1: a NUL byte"));
	{
		static char big[5000];

		memset(big, 'x', sizeof(big) - 1);
		assert_int_equal(parse(big, &p, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "pol:1: line longer"));
	}
	ctrl_policy_free(&p);
}

static void test_load(void **state)
{
	struct ctrl_policy p;
	char path[] = "/tmp/vsx-ctrl-policy.XXXXXX", err[256];
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("vm x priority\nvm y oops\n", f);
	fclose(f);
	ctrl_policy_init(&p);
	assert_int_equal(ctrl_policy_load(path, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: unknown setting 'oops'"));
	assert_non_null(strstr(err, path));
	unlink(path);
	assert_int_equal(ctrl_policy_load(path, &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	ctrl_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
