/* SPDX-License-Identifier: MIT */
/*
 * What happened to packets after the uplink program handed them to another core: the cpumap's
 * own accounting, read from the kernel's xdp tracepoints by bpf/cpumap_stats.bpf.c. The
 * uplink program only knows that bpf_redirect_map() accepted a frame; the frame can still be
 * dropped when the target core's queue is full (enqueue drops), fail in xdp_do_redirect()
 * (redirect errors), or be lost when the target core cannot build an skb (kthread drops).
 *
 * Per-CPU array "vsx_cpumap_stats" [VSX_MAX_CPUS], indexed by the TARGET core. Each CPU only
 * writes its own copy, so user space sums the copies of an index to get that core's totals.
 */
#ifndef VSX_CPUMAP_STATS_H
#define VSX_CPUMAP_STATS_H

#include "compat.h"
#include "limits.h"

struct vsx_cpumap_stats {
	/* Sending side (the core that ran XDP), one flush of its bulk queue to the target. */
	__u64 enqueue_bulks;   /* flushes: frames / bulks is the batch the target gets (max 8) */
	__u64 enqueued;	       /* frames offered to the target's queue */
	__u64 enqueue_drops;   /* of those, dropped: the target's queue (qsize) was full */
	__u64 redirect_errors; /* xdp_do_redirect() failed for this target (e.g. entry gone) */
	/* Target side (the cpumap kthread on the core). */
	__u64 kthread_batches; /* times the kthread took frames off its queue (max 8 each) */
	__u64 kthread_frames;  /* frames it turned into skbs for the stack */
	__u64 kthread_drops;   /* frames it dropped (skb allocation failed) */
	__u64 kthread_wakeups; /* times it had slept before a batch: each one a cross-CPU wake-up */
};
VSX_ASSERT_SIZE(struct vsx_cpumap_stats, 64);

#endif
