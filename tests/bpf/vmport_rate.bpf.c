// SPDX-License-Identifier: MIT
/*
 * Rate probe: one XDP program that puts every packet through a token bucket of
 * bpf/lib/rate.h, for tests/bpf/test_rate.c (BPF_PROG_TEST_RUN on a synthetic clock) and
 * bench/rate (real packets on a veth, the real clock).
 *
 * Configuration in .bss/.data: `bucket` (index in rate_buckets), `fake_now` (ns; 0: use
 * bpf_ktime_get_ns()), `drop_all` (bench: drop admitted packets too, so the stack does no
 * work). Verdict: XDP_PASS admitted, XDP_DROP over the limit (or drop_all).
 * Every admitted packet (every packet with `log_all`) is logged (time given to the bucket,
 * length, verdict) in rate_log, mmapable, until it is full; counters count everything.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <lib/rate.h>

#include "vmport_rate.h"

__u32 bucket;
__u64 fake_now;
__u32 drop_all;
__u32 log_all;
__u32 len_override; /* test: account this many bytes instead of the frame's (0: the frame) */

__u64 n_admitted, n_over, n_nobucket, bytes_admitted;
__u32 log_next;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct vsx_rate_bucket);
} rate_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RATE_LOG_DEFAULT); /* set by the loader */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rate_log_rec);
} rate_log SEC(".maps");

SEC("xdp")
int rate_probe(struct xdp_md *ctx)
{
	__u32 len = (__u32)(ctx->data_end - ctx->data);
	__u64 now = fake_now ? fake_now : bpf_ktime_get_ns();
	struct rate_log_rec *rec;
	__u32 i;
	int r;

	if (len_override)
		len = len_override;
	r = vsx_rate_admit(&rate_buckets, bucket, len, now);
	if (r == VSX_RATE_NO_BUCKET) {
		__sync_fetch_and_add(&n_nobucket, 1);
		return XDP_ABORTED;
	}
	if (r == VSX_RATE_PASS) {
		__sync_fetch_and_add(&n_admitted, 1);
		__sync_fetch_and_add(&bytes_admitted, len);
	} else {
		__sync_fetch_and_add(&n_over, 1);
	}
	if (r == VSX_RATE_PASS || log_all) {
		i = __sync_fetch_and_add(&log_next, 1);
		rec = bpf_map_lookup_elem(&rate_log, &i);
		if (rec) {
			rec->ns = now;
			rec->len = len;
			rec->cpu = (__u16)bpf_get_smp_processor_id();
			rec->admitted = r == VSX_RATE_PASS;
		}
	}
	if (r != VSX_RATE_PASS)
		return XDP_DROP;
	return drop_all ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
