/* SPDX-License-Identifier: MIT */
/*
 * Token buckets of the fast paths (RX offload and TX): the map value both directions share
 * with the agent, and the conversion from a limit (bits and packets per second, burst in
 * bytes, packets or time) to a bucket. The logic is in bpf/lib/rate.h; docs/rate-control.md
 * describes both and the measured precision.
 *
 * A bucket is one value of an array map (index = vsx_offload_entry.rate_id): a bucket can be
 * one flow's or be shared by every flow of a VM or tenant. Its state and configuration are
 * guarded by the bpf_spin_lock inside it, and the agent writes a whole bucket with
 * BPF_F_LOCK so that a packet never sees half of a new limit. A lock rather than per-CPU
 * buckets: per-CPU buckets each get rate/N (a flow steered to one core would get a fraction
 * of its limit) or rate each (N times the limit when a flow's packets spread over cores, as
 * a VM's flows do). One bucket is exact whatever the spread; its lock is uncontended when
 * the flows using it run on one core, which steering arranges, and costs one cache line
 * moving between cores when they do not.
 *
 * Arithmetic is exact integers, no division per packet: tokens are kept in unit-nanoseconds
 * (a bit, or a packet, times 10^9), so time elapsed in ns times the rate per second is the
 * refill in the same unit, and a packet costs its bits (or 1) times 10^9.
 */
#ifndef VSX_RATE_H
#define VSX_RATE_H

#include <linux/bpf.h> /* struct bpf_spin_lock */

#include "compat.h"

/* Buckets the rate map of each fast path holds. */
#define VSX_RATE_MAX_BUCKETS 65536

/* Tokens are units * VSX_RATE_SCALE: unit-nanoseconds. */
#define VSX_RATE_SCALE 1000000000ULL

/*
 * Limits vsx_rate_config() accepts, so that no product overflows 64 bits: the capacity is
 * below 2^63 (with 2^62 of headroom for the refill step), and len * 8 * 10^9 for a 64 KiB
 * packet is 5.2e14.
 */
#define VSX_RATE_MAX_BPS 4000000000000ULL /* 4 Tb/s */
#define VSX_RATE_MAX_PPS 4000000000ULL	  /* 4 Gp/s */
#define VSX_RATE_MAX_BURST_BITS 4000000000ULL /* 500 MB */
#define VSX_RATE_MAX_BURST_PKTS 4000000000ULL

/*
 * The smallest burst a bucket gets: a bucket smaller than a packet would never admit it.
 * One frame of VSX_RATE_MIN_BURST_BYTES (a full 1500-byte IP packet with Ethernet and two
 * VLAN tags) and one packet.
 */
#define VSX_RATE_MIN_BURST_BYTES 1522ULL
#define VSX_RATE_MIN_BURST_PKTS 1ULL

/* vsx_rate_bucket.flags */
enum {
	VSX_RATE_F_BITS = 1 << 0, /* bits_per_s applies */
	VSX_RATE_F_PKTS = 1 << 1, /* pkts_per_s applies */
};

struct vsx_rate_bucket {
	struct bpf_spin_lock lock; /* guards everything below */
	__u32 flags;		   /* VSX_RATE_F_*; 0: no limit, everything is admitted */
	/* state */
	__u64 last_ns;	  /* time of the latest refill; 0: never (full at the first packet) */
	__u64 bit_tokens; /* bit-ns, <= bit_cap */
	__u64 pkt_tokens; /* packet-ns, <= pkt_cap */
	/* configuration */
	__u64 bits_per_s;
	__u64 pkts_per_s;
	__u64 bit_cap;	   /* burst in bit-ns */
	__u64 pkt_cap;	   /* burst in packet-ns */
	__u64 bit_fill_ns; /* time to fill an empty bucket: ceil(bit_cap / bits_per_s) */
	__u64 pkt_fill_ns;
};
VSX_ASSERT_SIZE(struct vsx_rate_bucket, 80);

#ifndef __bpf__
#include <errno.h>
#include <string.h>

/* rate * us / 10^6 without overflow for rates up to VSX_RATE_MAX_BPS and any us. */
static inline __u64 vsx_rate_mul_us(__u64 rate, __u32 us)
{
	return rate / 1000000 * us + rate % 1000000 * us / 1000000;
}

/*
 * Fills *b for a limit (0 = no limit in that unit; both 0: a bucket that admits everything):
 * the burst is the larger of burst_bytes (burst_pkts) and burst_us at the rate, and at
 * least VSX_RATE_MIN_BURST_*; the bucket starts full. struct vsx_rate_limit
 * (lib/dp_provider.h) carries the same fields. Returns 0 or -ERANGE (a rate or burst beyond
 * VSX_RATE_MAX_*). Write the result with bpf_map_update_elem(..., BPF_F_LOCK).
 */
static inline int vsx_rate_config(struct vsx_rate_bucket *b, __u64 bits_per_s,
				  __u64 pkts_per_s, __u64 burst_bytes, __u64 burst_pkts,
				  __u32 burst_us)
{
	__u64 bits = 0, pkts = 0;

	memset(b, 0, sizeof(*b));
	if (bits_per_s > VSX_RATE_MAX_BPS || pkts_per_s > VSX_RATE_MAX_PPS ||
	    burst_bytes > VSX_RATE_MAX_BURST_BITS / 8 || burst_pkts > VSX_RATE_MAX_BURST_PKTS)
		return -ERANGE;
	if (bits_per_s) {
		bits = vsx_rate_mul_us(bits_per_s, burst_us);
		if (bits < burst_bytes * 8)
			bits = burst_bytes * 8;
		if (bits < VSX_RATE_MIN_BURST_BYTES * 8)
			bits = VSX_RATE_MIN_BURST_BYTES * 8;
		if (bits > VSX_RATE_MAX_BURST_BITS)
			return -ERANGE;
		b->flags |= VSX_RATE_F_BITS;
		b->bits_per_s = bits_per_s;
		b->bit_cap = bits * VSX_RATE_SCALE;
		b->bit_fill_ns = (b->bit_cap + bits_per_s - 1) / bits_per_s;
		b->bit_tokens = b->bit_cap;
	}
	if (pkts_per_s) {
		pkts = vsx_rate_mul_us(pkts_per_s, burst_us);
		if (pkts < burst_pkts)
			pkts = burst_pkts;
		if (pkts < VSX_RATE_MIN_BURST_PKTS)
			pkts = VSX_RATE_MIN_BURST_PKTS;
		if (pkts > VSX_RATE_MAX_BURST_PKTS)
			return -ERANGE;
		b->flags |= VSX_RATE_F_PKTS;
		b->pkts_per_s = pkts_per_s;
		b->pkt_cap = pkts * VSX_RATE_SCALE;
		b->pkt_fill_ns = (b->pkt_cap + pkts_per_s - 1) / pkts_per_s;
		b->pkt_tokens = b->pkt_cap;
	}
	return 0;
}
#endif

#endif
