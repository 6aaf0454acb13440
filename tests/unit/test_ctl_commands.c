// SPDX-License-Identifier: MIT
/* The command table vsxctl and vsxd share (lib/ctl_commands.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_commands.h"

static void test_table_complete(void **state)
{
	for (int i = 0; i < VSX_CTL_CMD_COUNT; i++) {
		const struct vsx_ctl_command *c = &vsx_ctl_commands[i];

		assert_non_null(c->name);
		assert_non_null(c->help);
		/* The usage line starts with the name: vsxctl prints it for a wrong count. */
		assert_int_equal(strncmp(c->usage, c->name, strlen(c->name)), 0);
		assert_true(c->min_args >= 0 && c->min_args <= c->max_args);
		/* Names are unique: find() returns this entry. */
		assert_int_equal(vsx_ctl_command_find(c->name), i);
	}
}

static void test_find_and_args(void **state)
{
	assert_int_equal(vsx_ctl_command_find("show"), VSX_CTL_SHOW);
	assert_int_equal(vsx_ctl_command_find("dump-flows"), VSX_CTL_DUMP_FLOWS);
	assert_int_equal(vsx_ctl_command_find("Show"), -1);
	assert_int_equal(vsx_ctl_command_find(""), -1);
	assert_true(vsx_ctl_command_args_ok(VSX_CTL_SHOW, 0));
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_SHOW, 1));
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_ADD_RULE, 0));
	assert_true(vsx_ctl_command_args_ok(VSX_CTL_ADD_RULE, 1));
	/* dump-flows type=T --limit N */
	assert_true(vsx_ctl_command_args_ok(VSX_CTL_DUMP_FLOWS, 3));
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_DUMP_FLOWS, 4));
	assert_int_equal(vsx_ctl_command_find("offload-stats"), VSX_CTL_OFFLOAD_STATS);
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_OFFLOAD_STATS, 1));
	/* a statement's words, as the shell split them: "header tcp,tp_dst=80 never" */
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_OFFLOAD_POLICY_SET, 0));
	assert_true(vsx_ctl_command_args_ok(VSX_CTL_OFFLOAD_POLICY_SET, 4));
	assert_true(vsx_ctl_command_args_ok(VSX_CTL_OFFLOAD_POLICY_DEL, 2));
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_OFFLOAD_POLICY_DEL, 3));
	assert_false(vsx_ctl_command_args_ok(VSX_CTL_CMD_COUNT, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_complete),
	    cmocka_unit_test(test_find_and_args),
	};
	return cmocka_run_group_tests_name("ctl_commands", tests, NULL, NULL);
}
