/* SPDX-License-Identifier: MIT */
/*
 * The names of the datapath's BPF maps and programs, for user space: vsxd pins every map
 * under its name in its bpffs directory (<bpffs>/<name>), and tools, tests and scripts that
 * open a pinned map or find a program use these. In BPF a map's name is its C identifier, so
 * the definitions (bpf/lib/maps.h, steer_maps.h, offload_maps.h, bpf/egress.bpf.c,
 * bpf/cpumap_stats.bpf.c) cannot use the strings; tests/bpf/test_map_names.c checks that every
 * name here is a map (or program) of its object, and every map of the objects is named here.
 * Keys and values: include/vsx/datapath.h, offload.h, cpumap_stats.h.
 */
#ifndef VSX_MAP_NAMES_H
#define VSX_MAP_NAMES_H

/* ---- every object (bpf/lib/maps.h) ---- */
#define VSX_MAP_CONFIG "vsx_config"
#define VSX_MAP_STATS "vsx_stats"

/* ---- uplink: steering (bpf/lib/steer_maps.h) ---- */
#define VSX_MAP_MASKS "vsx_masks"
#define VSX_MAP_RULES "vsx_rules"
#define VSX_MAP_RULE_STATE "vsx_rule_state"
#define VSX_MAP_RULE_STATS "vsx_rule_stats"
#define VSX_MAP_CORE_TABLE "vsx_core_table"
#define VSX_MAP_CORE_ASSIGN "vsx_core_assign"
#define VSX_MAP_FLOW_CACHE "vsx_flow_cache"
#define VSX_MAP_FLOW_STATS "vsx_flow_stats"
#define VSX_MAP_FRAGS "vsx_frags"
#define VSX_MAP_FRAG_SCRATCH "vsx_frag_scratch"
#define VSX_MAP_CLS_SCRATCH "vsx_cls_scratch"
#define VSX_MAP_CPU_MAP "vsx_cpu_map"
#define VSX_MAP_VM_PRIO "vsx_vm_prio"

/* ---- uplink: the RX fast path (bpf/lib/offload_maps.h, include/vsx/offload.h) ---- */
#define VSX_MAP_OFFLOAD "vsx_offload"
#define VSX_MAP_OFFLOAD_STATS "vsx_offload_stats"
#define VSX_MAP_OFFLOAD_CFG "vsx_offload_cfg"
#define VSX_MAP_VM_PORT "vsx_vm_port"
#define VSX_MAP_VM_PORTS "vsx_vm_ports"
#define VSX_MAP_PORT_STATS "vsx_port_stats"
#define VSX_MAP_RX_RATE "vsx_rx_rate" /* token buckets (include/vsx/rate.h) */
#define VSX_MAP_FP_SCRATCH "vsx_fp_scratch" /* the outer UDP checksum's buffer */

/* ---- egress (bpf/egress.bpf.c) ---- */
#define VSX_MAP_EG_MASKS "vsx_eg_masks"
#define VSX_MAP_EG_RULES "vsx_eg_rules"
#define VSX_MAP_EG_BANK "vsx_eg_bank"
#define VSX_MAP_EG_RULE_STATS "vsx_eg_rule_stats"

/* ---- cpumap and devmap accounting (bpf/cpumap_stats.bpf.c) ---- */
#define VSX_MAP_CPUMAP_STATS "vsx_cpumap_stats"
#define VSX_MAP_PORT_XMIT "vsx_port_xmit"

/* ---- programs ---- */
#define VSX_PROG_UPLINK "vsx_uplink"		   /* XDP on the uplink */
#define VSX_PROG_UPLINK_CPUMAP "vsx_uplink_cpumap" /* BPF_XDP_CPUMAP on every cpumap entry */
#define VSX_PROG_EGRESS "vsx_egress"		   /* tc egress on the uplink */

#endif
