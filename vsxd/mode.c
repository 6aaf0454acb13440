// SPDX-License-Identifier: MIT
/*
 * The steering modes' names, used by the control commands (control.c), the state file
 * (rules.c) and the log (main.c): here, so that none of those needs another for them.
 */
#include <errno.h>
#include <string.h>

#include "vsxd.h"

static const char *const mode_names[VSX_MODE_COUNT] = {
    [VSX_MODE_DEFAULT] = "default",
    [VSX_MODE_RSS] = "rss",
    [VSX_MODE_VSX] = "vsx",
};

const char *vsxd_mode_label(__u32 mode)
{
	return mode < VSX_MODE_COUNT ? mode_names[mode] : "?";
}

int vsxd_mode_parse(const char *s, __u32 *mode)
{
	for (__u32 i = 0; i < VSX_MODE_COUNT; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}
