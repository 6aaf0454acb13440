/* SPDX-License-Identifier: MIT */
/*
 * The egress classifier's maps (FCF marking rules): defined once, for every program that
 * applies the egress rules: bpf/egress.bpf.c (tc egress on the uplink) and the TX fast path
 * (bpf/vmport.bpf.c, whose redirect bypasses tc egress), which share them through vsxd's pins.
 * Names in include/vsx/map_names.h.
 */
#ifndef VSX_BPF_EGRESS_MAPS_H
#define VSX_BPF_EGRESS_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/datapath.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VSX_MAX_MASKS);
	__type(key, __u32);
	__type(value, struct vsx_cls_mask);
} vsx_eg_masks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * VSX_MAX_RULES);
	__type(key, struct vsx_cls_key);
	__type(value, struct vsx_cls_val);
} vsx_eg_rules SEC(".maps");

/* Single-entry array: the egress classifier's bank (vsx_config.cls_bank is the ingress one). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} vsx_eg_bank SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vsx_counter);
} vsx_eg_rule_stats SEC(".maps");

#endif
