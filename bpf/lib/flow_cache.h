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
 *
 * The maps are parameters (cache: an array of struct vsx_flow_slot; stats: the per-CPU array
 * of struct vsx_flow_stats indexed like it), as the classifier's are: steer.h passes the
 * uplink's vsx_flow_cache and vsx_flow_stats.
 */
#ifndef VSX_BPF_FLOW_CACHE_H
#define VSX_BPF_FLOW_CACHE_H

#include <vsx/datapath.h>
#include <bpf/bpf_helpers.h>

/*
 * Multiplicative hash over the fields that tell flows apart: ports and VNI, the inner addresses
 * (words 0 and 3 of each, folded together: an IPv4 address is word 0 alone), the tunnel's
 * source. The other key fields (MACs, protocol, FCF, flags...) only need the full compare:
 * flows differing in nothing else are rare, and a set has two ways. Three rounds where there
 * were four, with fields read at the width the parser wrote them: a wider read of the key the
 * parser has just written byte by byte cannot be forwarded from the store buffer and stalls,
 * and the slot address waits for the hash.
 */
static __always_inline __u32 vsx_flow_hash(const struct vsx_flow_key *k)
{
	const __u64 mul = 0x9e3779b97f4a7c15ull;
	__u32 src = k->nw_src[0] ^ k->nw_src[3], dst = k->nw_dst[0] ^ k->nw_dst[3];
	__u64 h;

	h = (((__u64)k->tp_src << 48) | ((__u64)k->tp_dst << 32) | k->vni) * mul;
	h = (h ^ (((__u64)src << 32) | dst)) * mul;
	h = (h ^ k->outer_src[0]) * mul;
	return (__u32)(h >> 32);
}

/*
 * Key words by content: 0 in_port+vni, 1-2 MACs, VLAN, dl_type, 3 proto, ToS, FCF, flags,
 * ports, then two words per address: 4-5 nw_src, 6-7 nw_dst, 8-9 outer_src, 10-11
 * outer_dst. The second word of an address (5, 7, 9, 11) is zero in every key the parser
 * makes for IPv4 inside and outside: it zeroes the key and writes an IPv4 address into the
 * first word only. Slot keys are only ever the parser's keys (s->key = *key in vsx_steer;
 * vsxd never writes a slot), so when words 0-4, 6, 8 and 10 match, the slot's dl_type
 * (word 2) and VSX_KEY_OUTER_V6 flag (word 3) are the packet's, and for an IPv4-in-IPv4
 * packet the four remaining words are zero in both: comparing them is needed only when
 * either header is IPv6. That is exact, and 4 loads and 8 ALU instructions fewer per hit.
 */
static __always_inline int vsx_key_equal(const struct vsx_flow_key *slot,
					 const struct vsx_flow_key *pkt)
{
	const __u64 *x = (const __u64 *)slot, *y = (const __u64 *)pkt;
	__u64 diff = (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) |
		     (x[4] ^ y[4]) | (x[6] ^ y[6]) | (x[8] ^ y[8]) | (x[10] ^ y[10]);

	if (pkt->dl_type == bpf_htons(ETH_P_IPV6) || (pkt->flags & VSX_KEY_OUTER_V6))
		diff |= (x[5] ^ y[5]) | (x[7] ^ y[7]) | (x[9] ^ y[9]) | (x[11] ^ y[11]);
	return diff == 0;
}

/*
 * s->key = *key in 8-byte words: through a pointer clang only knows the key's 4-byte
 * alignment and copies it in 24 words; keys are 8-byte aligned (slots are map values, the
 * packet's key is the vsx_pkt the uplink program declares aligned(8)), as vsx_key_equal()
 * also assumes.
 */
static __always_inline void vsx_key_copy(struct vsx_flow_key *dst, const struct vsx_flow_key *src)
{
	const __u64 *from = (const __u64 *)src;
	__u64 *to = (__u64 *)dst;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*src) / 8); i++)
		to[i] = from[i];
}

static __always_inline int vsx_slot_live(const struct vsx_flow_slot *s, __u32 gen)
{
	return (s->flags & VSX_SLOT_VALID) && s->gen == gen;
}

/*
 * Looks the key up in the set whose first slot is *index; on a hit returns the slot and leaves
 * its index in *index. The caller looks the flow's counters up with the same stack word: a map
 * key lives on the stack, and an index passed by value was stored there once more.
 */
static __always_inline struct vsx_flow_slot *
vsx_cache_lookup(void *cache, const struct vsx_flow_key *key, __u32 *index, __u32 gen)
{
	struct vsx_flow_slot *s;

	s = bpf_map_lookup_elem(cache, index);
	if (s && vsx_slot_live(s, gen) && vsx_key_equal(&s->key, key))
		return s;
	*index += 1;
	s = bpf_map_lookup_elem(cache, index);
	if (s && vsx_slot_live(s, gen) && vsx_key_equal(&s->key, key))
		return s;
	return NULL;
}

/* The way of a set a new flow takes: a free or stale one, else the least recently seen. */
static __always_inline struct vsx_flow_slot *vsx_cache_victim(void *cache, __u32 set, __u32 gen,
							       __u32 *index)
{
	__u32 other = set + 1;
	struct vsx_flow_slot *a = bpf_map_lookup_elem(cache, &set);
	struct vsx_flow_slot *b = bpf_map_lookup_elem(cache, &other);

	if (!a || !b)
		return NULL;
	if (!vsx_slot_live(a, gen) || (vsx_slot_live(b, gen) && a->last_jiffies <= b->last_jiffies)) {
		*index = set;
		return a;
	}
	*index = other;
	return b;
}

/*
 * Counts a packet against a slot's flow; a CPU's counters restart when the flow changed.
 * index points at the slot's index (on the stack, see vsx_cache_lookup()).
 */
static __always_inline void vsx_flow_count(void *stats, __u32 *index, __u32 tag, __u32 bytes)
{
	struct vsx_flow_stats *fs = bpf_map_lookup_elem(stats, index);

	if (!fs)
		return;
	if (__builtin_expect(fs->tag != tag, 0)) {
		fs->tag = tag;
		fs->packets = 0;
		fs->bytes = 0;
		fs->ofl_none = 0; /* a new flow: its offload entries are not known */
	}
	fs->packets++;
	fs->bytes += bytes;
}

#endif
