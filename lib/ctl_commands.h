/* SPDX-License-Identifier: MIT */
/*
 * The control commands, one table for both ends: vsxctl prints its --help from it and checks
 * argument counts before it connects; vsxd dispatches on it (vsxd/control.c has a handler per
 * entry) and checks the same counts again for clients other than vsxctl.
 */
#ifndef VSX_CTL_COMMANDS_H
#define VSX_CTL_COMMANDS_H

enum vsx_ctl_cmd {
	VSX_CTL_SHOW,
	VSX_CTL_CORES,
	VSX_CTL_STATS,
	VSX_CTL_ADD_RULE,
	VSX_CTL_DEL_RULE,
	VSX_CTL_DUMP_RULES,
	VSX_CTL_DUMP_FLOWS,
	VSX_CTL_SET_MODE,
	VSX_CTL_OFFLOAD_STATS,
	VSX_CTL_OFFLOAD_POLICY,
	VSX_CTL_OFFLOAD_POLICY_SET,
	VSX_CTL_OFFLOAD_POLICY_DEL,
	VSX_CTL_CMD_COUNT
};

struct vsx_ctl_command {
	const char *name;
	int min_args, max_args; /* not counting the name or --json */
	const char *usage;	/* the command with its arguments, for --help and errors */
	const char *help;
};

extern const struct vsx_ctl_command vsx_ctl_commands[VSX_CTL_CMD_COUNT];

/* The command named name, or -1. */
int vsx_ctl_command_find(const char *name);
/* Whether n_args arguments (after the name, --json not counted) suit command cmd. */
int vsx_ctl_command_args_ok(enum vsx_ctl_cmd cmd, int n_args);

#endif
