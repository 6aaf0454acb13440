// SPDX-License-Identifier: MIT
/*
 * The core choice (include/vsx/core_choice.h) run by the kernel, for
 * tests/bpf/test_core_choice_bpf.c: the scenario is a core table and an assignment table in
 * one-element arrays (as the datapath has them) plus prio and rx_cpu in .bss; each run
 * writes the choice to .bss. Two entry points, one per way the datapath can run the code:
 * a plain loop (vsx_choose_core) and the datapath's bpf_loop() wrapper (bpf/lib/core_choice_bpf.h).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/core_choice_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_core_table);
} core_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_core_assign);
} core_assign SEC(".maps");

/* Inputs and the output, through the skeleton's bss. */
int scenario_prio;
__u32 scenario_rx_cpu;
int chosen_core; /* the test sets -2 (never a result) before each run */

SEC("xdp")
int choose_core_loop(struct xdp_md *ctx)
{
	const struct vsx_core_assign *a;
	const struct vsx_core_table *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&core_table, &zero);
	a = bpf_map_lookup_elem(&core_assign, &zero);
	if (!t || !a)
		return XDP_ABORTED;
	chosen_core = vsx_choose_core(t, a, scenario_prio, scenario_rx_cpu);
	return XDP_PASS;
}

SEC("xdp")
int choose_core_bpf_loop(struct xdp_md *ctx)
{
	const struct vsx_core_table *t;
	const struct vsx_core_assign *a;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&core_table, &zero);
	a = bpf_map_lookup_elem(&core_assign, &zero);
	if (!t || !a)
		return XDP_ABORTED;
	chosen_core = vsx_choose_core_bpf(t, a, scenario_prio, scenario_rx_cpu);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
