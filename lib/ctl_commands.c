// SPDX-License-Identifier: MIT
#include "ctl_commands.h"

#include <string.h>

#include "ctl.h"

/* In --help order. */
const struct vsx_ctl_command vsx_ctl_commands[VSX_CTL_CMD_COUNT] = {
    [VSX_CTL_SHOW] = {"show", 0, 0, "show", "uplink, mode, VMs and datapath summary"},
    [VSX_CTL_CORES] = {"cores", 0, 0, "cores",
		       "the core table: load, pinned VM, flows, packets and bytes per core, rule "
		       "moves (rebalancing)"},
    [VSX_CTL_STATS] = {"stats", 0, 0, "stats",
		       "the datapath's named counters, per-path counters, cpumap accounting"},
    [VSX_CTL_ADD_RULE] = {"add-rule", 1, 1, "add-rule RULE",
			  "add a rule, e.g. \"priority=100,vni=101,vm_id=1 actions=irq:auto\""},
    [VSX_CTL_DEL_RULE] = {"del-rule", 1, 1, "del-rule ID|RULE",
			  "delete a rule by id, or by its exact match and priority (actions are "
			  "ignored)"},
    [VSX_CTL_DUMP_RULES] = {"dump-rules", 0, 0, "dump-rules",
			    "rules with id, priority, match, action, decision, counters"},
    [VSX_CTL_DUMP_FLOWS] =
	{"dump-flows", 0, 3, "dump-flows [type=T] [--limit N]",
	 "the steering flow cache; with type=offloaded|onloaded|all the flow "
	 "manager's flows on both paths: per-path counters, why not offloaded, last "
	 "move"},
    [VSX_CTL_SET_MODE] = {"set-mode", 1, 1, "set-mode default|rss|vsx",
			  "switch the steering mode at run time"},
    [VSX_CTL_OFFLOAD_STATS] = {"offload-stats", 0, 0, "offload-stats",
			       "the fast path: provider, capacity, flows per path, promotions and "
			       "demotions by reason, failures, VM ports"},
    [VSX_CTL_OFFLOAD_POLICY] = {"offload-policy", 0, 0, "offload-policy",
				"the offload policy in force, as statements"},
    [VSX_CTL_OFFLOAD_POLICY_SET] =
	{"offload-policy-set", 1, VSX_CTL_MAX_ARGS - 2, "offload-policy-set [--replace] STATEMENT",
	 "change the offload policy, e.g. capacity 64 (docs/offload-policy.md)"},
    [VSX_CTL_OFFLOAD_POLICY_DEL] = {"offload-policy-del", 1, 2,
				    "offload-policy-del header ID|MATCH|rate-limit SCOPE",
				    "remove a header policy or a rate limit"},
};

int vsx_ctl_command_find(const char *name)
{
	for (int i = 0; i < VSX_CTL_CMD_COUNT; i++)
		if (vsx_ctl_commands[i].name && strcmp(name, vsx_ctl_commands[i].name) == 0)
			return i;
	return -1;
}

int vsx_ctl_command_args_ok(enum vsx_ctl_cmd cmd, int n_args)
{
	return (unsigned)cmd < VSX_CTL_CMD_COUNT && n_args >= vsx_ctl_commands[cmd].min_args &&
	       n_args <= vsx_ctl_commands[cmd].max_args;
}
