/* SPDX-License-Identifier: MIT */
/*
 * The RX fast path's maps (FlexivOffload): the offload table, the VM ports and their devmap,
 * the counters per flow and per port, the host facts, the token buckets. Layouts in
 * include/vsx/offload.h and include/vsx/rate.h, names in include/vsx/map_names.h. The stage
 * (fastpath.h) takes them as parameters; the uplink program passes these.
 */
#ifndef VSX_BPF_OFFLOAD_MAPS_H
#define VSX_BPF_OFFLOAD_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/offload.h>
#include <vsx/rate.h>
#include "vm_port_map.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSX_MAX_OFFLOADS);
	__type(key, struct vsx_offload_key);
	__type(value, struct vsx_offload_entry);
} vsx_offload SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_MAX_OFFLOADS);
	__type(key, __u32);
	__type(value, struct vsx_offload_stats);
} vsx_offload_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vsx_offload_cfg);
} vsx_offload_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} vsx_vm_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, struct vsx_port_stats);
} vsx_port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_RATE_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct vsx_rate_bucket);
} vsx_rx_rate SEC(".maps");

/*
 * Per-CPU scratch "vsx_fp_scratch": where the outer UDP checksum's pieces are copied to be
 * summed (fastpath.h, vsx_fp_udp_csum_ok), 4 bytes over a piece for the last one's padding.
 */
#define VSX_FP_CSUM_CHUNK 512
struct vsx_fp_scratch {
	__u8 buf[VSX_FP_CSUM_CHUNK + 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_fp_scratch);
} vsx_fp_scratch SEC(".maps");

#endif
