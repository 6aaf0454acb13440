/* SPDX-License-Identifier: MIT */
/*
 * The steering maps of the uplink program: classifier, rule decisions, core table, flow
 * decision cache, fragment tracking (and its scratch record), counters per rule and per
 * core, and the cpumap.
 */
#ifndef VSX_BPF_STEER_MAPS_H
#define VSX_BPF_STEER_MAPS_H

#include "maps.h"
#include <vsx/fcf.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VSX_MAX_MASKS);
	__type(key, __u32);
	__type(value, struct vsx_cls_mask);
} vsx_masks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * VSX_MAX_RULES);
	__type(key, struct vsx_cls_key);
	__type(value, struct vsx_cls_val);
} vsx_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vsx_rule_state);
} vsx_rule_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vsx_counter);
} vsx_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vsx_core_table);
} vsx_core_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vsx_core_assign);
} vsx_core_assign SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_DEFAULT_FLOW_SLOTS); /* set by the loader */
	__uint(map_flags, BPF_F_MMAPABLE);           /* vsxd reads flows without syscalls */
	__type(key, __u32);
	__type(value, struct vsx_flow_slot);
} vsx_flow_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_DEFAULT_FLOW_SLOTS); /* set by the loader, = vsx_flow_cache */
	__type(key, __u32);
	__type(value, struct vsx_flow_stats);
} vsx_flow_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VSX_FRAG_TRACK_ENTRIES);
	__type(key, struct vsx_frag_key);
	__type(value, struct vsx_frag_val);
} vsx_frags SEC(".maps");

/*
 * Per-CPU scratch "vsx_frag_scratch": where a first fragment's record for vsx_frags is built
 * (steer.h, vsx_frag_remember()). Not on the stack: the record is inlined into the uplink
 * program, whose deepest call chain (program, miss path, the core choice's bpf_loop() step)
 * is near the verifier's 512 bytes of stack; and out of line it changed how clang allocates
 * the parser's registers (the packet pointer spilled, reloaded at every header), which made
 * every cached packet slower (bench/steer's hit).
 */
struct vsx_frag_scratch {
	struct vsx_frag_key key;
	struct vsx_frag_val val;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_frag_scratch);
} vsx_frag_scratch SEC(".maps");

/*
 * Per-CPU scratch "vsx_cls_scratch": where the miss path's classifier builds its masked keys
 * (classify.h), for the same reason as vsx_frag_scratch: the stack of the uplink's deepest
 * call chain.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_cls_key);
} vsx_cls_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, VSX_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} vsx_cpu_map SEC(".maps");
/*
 * Array "vsx_vm_prio" [VSX_FCF_MAX_VM_ID + 1]: 1 for VMs configured as priority VMs. A flow
 * is a priority flow when its FCF has the priority bit or its VM ID is marked here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_FCF_MAX_VM_ID + 1);
	__type(key, __u32);
	__type(value, __u32);
} vsx_vm_prio SEC(".maps");

#endif
