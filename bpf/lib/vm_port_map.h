/* SPDX-License-Identifier: MIT */
/*
 * Array "vsx_vm_port": what each VM port accepts (include/vsx/offload.h, struct vsx_vm_port).
 * Alone in its header because both fast paths read it, RX (offload_maps.h) and TX
 * (bpf/vmport.bpf.c: a VM may send only with its own MAC and VNI), sharing it through vsxd's
 * pins, and the TX object needs none of RX's other maps.
 */
#ifndef VSX_BPF_VM_PORT_MAP_H
#define VSX_BPF_VM_PORT_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/offload.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, struct vsx_vm_port);
} vsx_vm_port SEC(".maps");

#endif
