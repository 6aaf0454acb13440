// SPDX-License-Identifier: MIT
/*
 * Counts what the kernel's cpumap did with the frames vsx steered: tracepoints the kernel fires
 * in kernel/bpf/cpumap.c and net/core/filter.c, filtered to this datapath's cpumap by its map
 * id (set by vsxd before load; several vsxd on one machine each count their own map).
 *
 *   xdp_cpumap_enqueue  a core flushed its bulk queue (up to 8 frames) to a target core
 *   xdp_cpumap_kthread  the target's kthread took a batch off its queue
 *   xdp_redirect_err    xdp_do_redirect() failed after the program chose a cpumap entry
 *
 * Tracepoints fire whether or not anyone listens; with this program attached each costs one
 * call and a map update per bulk of frames, not per frame (docs/handoff.md).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <vsx/cpumap_stats.h>

struct net_device;
struct bpf_prog;
struct xdp_cpumap_stats;

const volatile __u32 vsx_cpumap_id = 0; /* the uplink program's vsx_cpu_map */

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

	if (map_type != BPF_MAP_TYPE_CPUMAP)
		return 0;
	s = target((int)map_id, index);
	if (s)
		s->redirect_errors++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
