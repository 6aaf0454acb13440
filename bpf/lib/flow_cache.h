/* SPDX-License-Identifier: MIT */
/*
 * The flow decision cache: where a flow's core is remembered so that its later packets
 * skip classification. A flat array like the kernel's RPS sock_flow_table the paper used,
 * made 2-way set-associative: the flow hash picks a set of two adjacent slots, a hit is one
 * array read plus a full-key compare, and a new flow replaces the invalid, stale or least
 * recently seen way of its set. Memory is fixed at load time (slots x 128 bytes, plus
 * slots x 24 bytes per CPU of counters).
 *
 * Losing a cached flow never moves it: decisions belong to rules (vsx_rule_state), so a
 * re-classified flow finds the same core. Only its counters restart.
 */
#ifndef VSX_BPF_FLOW_CACHE_H
#define VSX_BPF_FLOW_CACHE_H

#include <vsx/datapath.h>
#include "steer_maps.h"

/*
 * Multiplicative hash over the words that tell flows apart (addresses, ports, protocol, FCF,
 * VNI). The other key fields only need the full compare, not the hash.
 */
static __always_inline __u32 vsx_flow_hash(const struct vsx_flow_key *k)
{
	const __u64 mul = 0x9e3779b97f4a7c15ull;
	__u64 h = 0;

	h = (h ^ (((__u64)k->tp_src << 48) | ((__u64)k->tp_dst << 32) | k->vni)) * mul;
	h = (h ^ (((__u64)k->nw_src[0] << 32) | k->nw_dst[0])) * mul;
	h = (h ^ (((__u64)k->nw_src[3] << 32) | k->nw_dst[3])) * mul;
	h = (h ^ (((__u64)k->outer_src[0] << 32) | ((__u64)k->fcf << 16) | ((__u64)k->nw_proto << 8) |
		  k->flags)) * mul;
	return (__u32)(h >> 32);
}

static __always_inline int vsx_key_equal(const struct vsx_flow_key *a, const struct vsx_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 diff = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*a) / 8); i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static __always_inline int vsx_slot_live(const struct vsx_flow_slot *s, __u32 gen)
{
	return (s->flags & VSX_SLOT_VALID) && s->gen == gen;
}

/* Looks the key up in its set; on a hit returns the slot and stores its index. */
static __always_inline struct vsx_flow_slot *
vsx_cache_lookup(const struct vsx_flow_key *key, __u32 set, __u32 gen, __u32 *index)
{
	struct vsx_flow_slot *s;

	s = bpf_map_lookup_elem(&vsx_flow_cache, &set);
	if (s && vsx_slot_live(s, gen) && vsx_key_equal(&s->key, key)) {
		*index = set;
		return s;
	}
	set += 1;
	s = bpf_map_lookup_elem(&vsx_flow_cache, &set);
	if (s && vsx_slot_live(s, gen) && vsx_key_equal(&s->key, key)) {
		*index = set;
		return s;
	}
	return NULL;
}

/* The way of a set a new flow takes: a free or stale one, else the least recently seen. */
static __always_inline struct vsx_flow_slot *vsx_cache_victim(__u32 set, __u32 gen, __u32 *index)
{
	__u32 other = set + 1;
	struct vsx_flow_slot *a = bpf_map_lookup_elem(&vsx_flow_cache, &set);
	struct vsx_flow_slot *b = bpf_map_lookup_elem(&vsx_flow_cache, &other);

	if (!a || !b)
		return NULL;
	if (!vsx_slot_live(a, gen) || (vsx_slot_live(b, gen) && a->last_jiffies <= b->last_jiffies)) {
		*index = set;
		return a;
	}
	*index = other;
	return b;
}

/* Counts a packet against a slot's flow; a CPU's counters restart when the flow changed. */
static __always_inline void vsx_flow_count(__u32 index, __u32 tag, __u32 bytes)
{
	struct vsx_flow_stats *fs = bpf_map_lookup_elem(&vsx_flow_stats, &index);

	if (!fs)
		return;
	if (fs->tag != tag) {
		fs->tag = tag;
		fs->packets = 0;
		fs->bytes = 0;
	}
	fs->packets++;
	fs->bytes += bytes;
}

#endif
