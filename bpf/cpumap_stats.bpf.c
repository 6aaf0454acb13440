// SPDX-License-Identifier: MIT
/*
 * Counts what the kernel's cpumap did with the frames vsx steered: tracepoints the kernel fires
 * in kernel/bpf/cpumap.c and net/core/filter.c, filtered to this datapath's cpumap by its map
 * id (set by vsxd before load; several vsxd on one machine each count their own map).
 *
 *   xdp_cpumap_enqueue  a core flushed its bulk queue (up to 8 frames) to a target core
 *   xdp_cpumap_kthread  the target's kthread took a batch off its queue
 *   xdp_redirect_err    xdp_do_redirect() failed after the program chose a cpumap entry, or
 *                       a VM port's devmap entry (the RX fast path: vsx_port_xmit)
 *   xdp_devmap_xmit     a devmap flush to a VM port: frames sent, dropped, the driver's error
 *                       (a veth whose peer has no NAPI refuses them all here, after the verdict)
 *
 * Tracepoints fire whether or not anyone listens; with this program attached each costs one
 * call and a map update per bulk of frames, not per frame (docs/handoff.md).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include <vsx/cpumap_stats.h>
#include <vsx/offload.h>

/* The kernel's types, as far as read here (CO-RE: offsets from the running kernel's BTF). */
struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));
struct bpf_dtab_netdev {
	struct net_device *dev;
} __attribute__((preserve_access_index));
struct bpf_prog;
struct xdp_cpumap_stats;

const volatile __u32 vsx_cpumap_id = 0; /* the uplink program's vsx_cpu_map */
const volatile __u32 vsx_devmap_id = 0; /* the uplink program's vsx_vm_ports */

/*
 * Per VM port ifindex (entries made by vsxd when it sets a port up: other devices are not
 * counted): what the devmap did with the frames the fast path redirected there.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, struct vsx_port_xmit);
} vsx_port_xmit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct vsx_cpumap_stats);
} vsx_cpumap_stats SEC(".maps");

static __always_inline struct vsx_cpumap_stats *target(int map_id, __u32 cpu)
{
	if ((__u32)map_id != vsx_cpumap_id || cpu >= VSX_MAX_CPUS)
		return NULL;
	return bpf_map_lookup_elem(&vsx_cpumap_stats, &cpu);
}

SEC("tp_btf/xdp_cpumap_enqueue")
int BPF_PROG(vsx_cpumap_enqueue, int map_id, unsigned int processed, unsigned int drops, int to_cpu)
{
	struct vsx_cpumap_stats *s = target(map_id, (__u32)to_cpu);

	if (s) {
		s->enqueue_bulks++;
		s->enqueued += processed;
		s->enqueue_drops += drops;
	}
	return 0;
}

SEC("tp_btf/xdp_cpumap_kthread")
int BPF_PROG(vsx_cpumap_kthread, int map_id, unsigned int processed, unsigned int drops, int sched,
	     struct xdp_cpumap_stats *xdp_stats)
{
	struct vsx_cpumap_stats *s = target(map_id, bpf_get_smp_processor_id());

	if (s) {
		s->kthread_batches++;
		s->kthread_frames += processed;
		s->kthread_drops += drops;
		s->kthread_wakeups += sched ? 1 : 0;
	}
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(vsx_redirect_err, const struct net_device *dev, const struct bpf_prog *xdp,
	     const void *tgt, int err, enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	struct vsx_cpumap_stats *s;
	struct vsx_port_xmit *x;
	__u32 ifindex;

	if (map_type == BPF_MAP_TYPE_DEVMAP && map_id == vsx_devmap_id && vsx_devmap_id && tgt) {
		ifindex = (__u32)BPF_CORE_READ((const struct bpf_dtab_netdev *)tgt, dev, ifindex);
		x = bpf_map_lookup_elem(&vsx_port_xmit, &ifindex);
		if (x)
			x->redirect_err++;
		return 0;
	}
	if (map_type != BPF_MAP_TYPE_CPUMAP)
		return 0;
	s = target((int)map_id, index);
	if (s)
		s->redirect_errors++;
	return 0;
}

SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(vsx_devmap_xmit, const struct net_device *from_dev, const struct net_device *to_dev,
	     int sent, int drops, int err)
{
	__u32 ifindex = (__u32)BPF_CORE_READ(to_dev, ifindex);
	struct vsx_port_xmit *x = bpf_map_lookup_elem(&vsx_port_xmit, &ifindex);

	if (x) {
		x->sent += (__u32)sent;
		x->drops += (__u32)drops;
		x->errors += err ? 1 : 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
