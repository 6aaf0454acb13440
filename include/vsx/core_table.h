/* SPDX-License-Identifier: MIT */
/*
 * The core table: what the agent knows about each CPU (load, online, pinned VM) and what
 * the datapath has already placed on it. The agent writes struct vsx_core_table into a BPF
 * array; the datapath increments struct vsx_core_assign with atomic adds. The choice itself
 * is core_choice.h, shared by the datapath, the agent and the simulator.
 */
#ifndef VSX_CORE_TABLE_H
#define VSX_CORE_TABLE_H

#include "compat.h"
#include "limits.h"

/* vsx_core.flags */
enum {
	VSX_CORE_ONLINE = 1 << 0,
	VSX_CORE_PINNED = 1 << 1, /* a VM's vCPU is pinned here: keep switch work off it */
};

struct vsx_core {
	__u8 flags;      /* VSX_CORE_* */
	__u8 load;       /* smoothed busy share, percent 0..100 */
	__u16 pinned_vm; /* VM ID pinned here when VSX_CORE_PINNED (0 if the VM has none) */
};
VSX_ASSERT_SIZE(struct vsx_core, 4);

struct vsx_core_table {
	__u32 n_cpus;    /* valid entries in cores[] (highest possible CPU + 1) */
	__u8 threshold;  /* a core qualifies when its load is at or below this, percent */
	/*
	 * Load, in percent points, that one decision adds to its core until the next load
	 * sample (vsx_core_assign.recent): the sampled load cannot show flows decided since.
	 * 0 ranks cores by sampled load alone.
	 */
	__u8 decision_load;
	__u8 _pad[2];
	struct vsx_core cores[VSX_MAX_CPUS];
};
VSX_ASSERT_SIZE(struct vsx_core_table, 8 + 4 * VSX_MAX_CPUS);

/*
 * What has been decided onto each core so far (irq:auto decisions), by flow class, and how
 * many decisions (of either class, moves by the rebalancer included) landed on it since the
 * agent's last load sample: the agent zeroes recent[] when it writes new loads.
 */
struct vsx_core_assign {
	__u32 normal[VSX_MAX_CPUS];
	__u32 prio[VSX_MAX_CPUS];
	__u32 recent[VSX_MAX_CPUS];
};
VSX_ASSERT_SIZE(struct vsx_core_assign, 12 * VSX_MAX_CPUS);

/* Returned by the core choice when no core qualifies: stay on the receiving core. */
#define VSX_CORE_NONE (-1)

#endif
