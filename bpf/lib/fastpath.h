/* SPDX-License-Identifier: MIT */
/*
 * The RX fast path (FlexivOffload): a VXLAN packet whose flow (or VM) has an offload entry
 * and which the kernel path would accept and deliver unchanged is decapsulated here and
 * redirected into its VM's port. Two steps, so that the decision and the work can run on
 * different cores (docs/offload.md, "Per-core"):
 *
 *   vsx_fp_decide()   on the receiving core, after parsing and the FCF restore: lookup,
 *                     the kernel's checks (vsx_fp_check), the rate limit. Fills a struct
 *                     vsx_fp_hit, or says why not.
 *   vsx_fp_deliver()  on the core steering chose (the uplink program itself, or the cpumap
 *                     program there): devmap redirect, strip the outer headers, count.
 *
 * Reads no header byte: every fact comes from the parser (struct vsx_pkt), and the frame's
 * length from the context. The one read of packet data is the outer UDP checksum's, over
 * the datagram, when the sender set one (vsx_fp_udp_csum_ok), as the kernel verifies it.
 * Every map is a parameter (the uplink passes offload_maps.h's).
 *
 * The checks mirror what the kernel does to the packet on the normal path (uplink ->
 * ip_rcv -> udp_rcv -> vxlan_rcv -> bridge -> VM port); any doubt sends the packet there, and
 * the kernel decides. docs/offload.md lists each check with the kernel code it mirrors.
 */
#ifndef VSX_BPF_FASTPATH_H
#define VSX_BPF_FASTPATH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/offload.h>
#include "parse.h"
#include "maps.h"
#include "rate.h"
#include "flow_cache.h"

/* Why a packet with an entry took the normal path (vsx_fp_check's result; 0: it may not). */
enum vsx_fp_refusal {
	VSX_FP_OK = 0,
	VSX_FP_OUTER_L2,     /* outer VLAN tag, or not to the uplink's MAC */
	VSX_FP_OUTER_IP,     /* not IPv4 with IHL 5 and a correct checksum, not to a VTEP, martian */
	VSX_FP_LENGTH,	     /* IP or UDP length not the frame's, inner length impossible */
	VSX_FP_UDP_CSUM,     /* outer UDP checksum wrong (or the datagram too long to verify) */
	VSX_FP_VXLAN,	     /* VXLAN flags or reserved bits vxlan_rcv refuses */
	VSX_FP_FRAG,	     /* outer or inner fragment */
	VSX_FP_ECN,	     /* outer CE over a non-CE inner packet: decapsulation rewrites or drops */
	VSX_FP_INNER_L2,     /* inner VLAN tag, invalid source MAC */
	VSX_FP_PORT,	     /* port invalid, or its VNI / MAC not the packet's */
	VSX_FP_MTU,	     /* inner IP packet longer than the port's MTU */
	VSX_FP_TCP_CLOSE,    /* TCP FIN or RST: the host stack must see the teardown */
};

/* What the decision hands to the delivery. */
struct vsx_fp_hit {
	__u32 port;
	__u32 flow_id;
	__u16 inner_l2_off; /* bytes to strip */
	__u16 inner_len;    /* inner Ethernet frame bytes */
};

/*
 * The decision as one 64-bit value (vsx_fp_decide's result), so that it crosses steering in a
 * register instead of the uplink program's stack, which is at the verifier's limit: 0 the
 * normal path, VSX_FP_DROP over the rate limit, else VSX_FP_DELIVER | port << 48 | flow_id
 * << 32 | inner_l2_off << 16 | inner_len (port < 256, flow id < 65536: offload.h's limits).
 */
#define VSX_FP_NONE 0ull
#define VSX_FP_DROP 1ull
#define VSX_FP_DELIVER (1ull << 63)
_Static_assert(VSX_MAX_VM_PORTS <= 256 && VSX_MAX_OFFLOADS <= 65536, "vsx_fp verdict packing");

static __always_inline __u64 vsx_fp_pack(__u32 port, __u32 flow_id, __u32 l2_off, __u32 len)
{
	return VSX_FP_DELIVER | (__u64)(port & 0xff) << 48 | (__u64)(flow_id & 0xffff) << 32 |
	       (__u64)(l2_off & 0xffff) << 16 | (len & 0xffff);
}

static __always_inline void vsx_fp_unpack(__u64 v, struct vsx_fp_hit *hit)
{
	hit->port = (__u32)(v >> 48) & 0xff;
	hit->flow_id = (__u32)(v >> 32) & 0xffff;
	hit->inner_l2_off = (__u16)(v >> 16);
	hit->inner_len = (__u16)v;
}

static __always_inline struct vsx_offload_cfg *vsx_fp_cfg(void *cfg_map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(cfg_map, &zero);
}

/* The offload key of the packet's flow (VSX_OFFLOAD_KEY_FLOW), built from the parsed key. */
static __always_inline void vsx_fp_flow_key(struct vsx_offload_key *k, const struct vsx_flow_key *f)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->vni = f->vni;
	k->kind = VSX_OFFLOAD_KEY_FLOW;
	k->nw_proto = f->nw_proto;
	k->dl_type = f->dl_type;
	if (f->nw_proto == IPPROTO_TCP || f->nw_proto == IPPROTO_UDP) {
		k->tp_src = f->tp_src;
		k->tp_dst = f->tp_dst;
	}
	__builtin_memcpy(k->nw_src, f->nw_src, sizeof(k->nw_src));
	__builtin_memcpy(k->nw_dst, f->nw_dst, sizeof(k->nw_dst));
}

/* The VM key (VSX_OFFLOAD_KEY_VM): VNI and inner destination MAC. */
static __always_inline void vsx_fp_vm_key(struct vsx_offload_key *k, const struct vsx_flow_key *f)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->vni = f->vni;
	k->kind = VSX_OFFLOAD_KEY_VM;
	__builtin_memcpy(k->dl_dst, f->dl_dst, 6);
}

/* MACs are 2-byte aligned in every struct here; the verifier refuses misaligned stack reads. */
static __always_inline int vsx_mac_eq(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

/* The martian sources ip_route_input_slow() refuses: 0/8, 127/8, multicast, limited broadcast. */
static __always_inline int vsx_ipv4_martian_src(__be32 a)
{
	__u32 h = bpf_ntohl(a);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) == 0xe || h == 0xffffffff;
}

/* The IPv6 sources ip6_rcv_core() refuses: multicast (RFC 4291 2.7), loopback; and unspecified. */
static __always_inline int vsx_ipv6_martian_src(const __be32 *a)
{
	return (bpf_ntohl(a[0]) >> 24) == 0xff ||
	       (!a[0] && !a[1] && !a[2] && (a[3] == bpf_htonl(1) || !a[3]));
}

/* Whether the IPv6 address is one of the configured VTEPs (an all-zero slot is none). */
static __always_inline int vsx_vtep6(const struct vsx_offload_cfg *ocfg, const __be32 *a)
{
	int hit = 0;

#pragma unroll
	for (int i = 0; i < VSX_OFL_MAX_VTEPS6; i++) {
		const __be32 *v = ocfg->vtep6[i];

		hit |= (v[0] | v[1] | v[2] | v[3]) && v[0] == a[0] && v[1] == a[1] && v[2] == a[2] &&
		       v[3] == a[3];
	}
	return hit;
}

/*
 * Whether the kernel path would take this packet and deliver its inner frame to `port`
 * unchanged. frame_len: the received frame's bytes; outer_tos: the outer ToS as the kernel
 * will see it (after the FCF restore). Returns VSX_FP_OK or the refusal.
 */
static __always_inline int vsx_fp_check(const struct vsx_pkt *pkt, const struct vsx_offload_cfg *ocfg,
					const struct vsx_vm_port *port, __u32 frame_len, __u8 outer_tos)
{
	const struct vsx_flow_key *k = &pkt->key;
	__u32 l3_len, i, hdr_len;
	int vtep = 0;

	/* Outer Ethernet: untagged, to us (eth_type_trans: PACKET_HOST, else ip_rcv drops). */
	if (pkt->facts & VSX_PKT_OUTER_VLAN || !vsx_mac_eq(pkt->outer_dl_dst, ocfg->uplink_mac))
		return VSX_FP_OUTER_L2;
	/*
	 * Outer IPv4: IHL 5 (no options for ip_rcv_options to judge), header checksum right
	 * (ip_rcv_core), to one of our VTEP addresses (local delivery), from a source routing
	 * accepts. Outer IPv6: no extension headers (ip6_rcv_core, ipv6_parse_hopopts), a UDP
	 * checksum (udp6_csum_init refuses zero without udp6zerocsumrx, which Linux's VXLAN
	 * leaves off), to a VTEP, from a source ip6_rcv_core accepts.
	 */
	if (k->flags & VSX_KEY_OUTER_V6) {
		if (pkt->outer_l4_off != pkt->outer_l3_off + 40 || !(pkt->facts & VSX_PKT_OUTER_UDP_CSUM) ||
		    vsx_ipv6_martian_src(k->outer_src) || !vsx_vtep6(ocfg, k->outer_dst))
			return VSX_FP_OUTER_IP;
		hdr_len = 40;
	} else {
		if (pkt->outer_l4_off != pkt->outer_l3_off + 20 || !(pkt->facts & VSX_PKT_OUTER_CSUM_OK) ||
		    vsx_ipv4_martian_src(k->outer_src[0]))
			return VSX_FP_OUTER_IP;
#pragma unroll
		for (i = 0; i < VSX_OFL_MAX_VTEPS; i++)
			vtep |= ocfg->vtep4[i] && ocfg->vtep4[i] == k->outer_dst[0];
		if (!vtep)
			return VSX_FP_OUTER_IP;
		hdr_len = 20;
	}
	/*
	 * Lengths: ip_rcv_core / ip6_rcv_core drop a stated length beyond the frame and trim a
	 * shorter one (padding we would deliver); udp_rcv the same with the UDP length. Equal,
	 * or the normal path.
	 */
	if (pkt->outer_ip_len != frame_len - pkt->outer_l3_off ||
	    pkt->outer_udp_len != pkt->outer_ip_len - hdr_len)
		return VSX_FP_LENGTH;
	if (pkt->facts & VSX_PKT_VXLAN_RSVD)
		return VSX_FP_VXLAN;
	if (pkt->facts & VSX_PKT_OUTER_FRAG || k->flags & VSX_KEY_FRAG)
		return VSX_FP_FRAG;
	/* RFC 6040 as IP_ECN_decapsulate: outer CE marks (or drops) a non-CE inner packet. */
	if ((outer_tos & 3) == 3 && (k->nw_tos & 3) != 3)
		return VSX_FP_ECN;
	/* Inner Ethernet: untagged; a source the bridge accepts (br_handle_frame: valid unicast). */
	if (k->flags & VSX_KEY_VLAN || (k->dl_src[0] & 1) ||
	    !(k->dl_src[0] | k->dl_src[1] | k->dl_src[2] | k->dl_src[3] | k->dl_src[4] | k->dl_src[5]))
		return VSX_FP_INNER_L2;
	/* Inner IP length: at least its header, at most what the frame holds. */
	l3_len = frame_len - pkt->inner_l3_off;
	if (pkt->inner_ip_len > l3_len ||
	    pkt->inner_ip_len < (k->dl_type == bpf_htons(ETH_P_IPV6) ? 40 : 20))
		return VSX_FP_LENGTH;
	/* The port decides what may reach it: valid, the packet's VNI, the packet's MAC. */
	if (!(port->flags & VSX_PORT_F_VALID) || port->vni != k->vni || !vsx_mac_eq(port->mac, k->dl_dst))
		return VSX_FP_PORT;
	/* The bridge and veth drop what is over the port's MTU (is_skb_forwardable). */
	if (l3_len > port->mtu)
		return VSX_FP_MTU;
	if (k->nw_proto == IPPROTO_TCP && (pkt->tcp_flags & 0x05))
		return VSX_FP_TCP_CLOSE;
	return VSX_FP_OK;
}

/*
 * The outer UDP checksum of a VXLAN packet, verified as __udp4_lib_rcv() -> udp4_csum_init()
 * (IPv6: udp6_csum_init()) and __skb_checksum_complete() do (XDP sees no checksum state from
 * the driver): the ones' complement sum of the pseudo-header (addresses, protocol, UDP length)
 * and the whole datagram (header, checksum field included) must be 0xffff. The datagram is
 * copied in pieces of at most VSX_FP_CSUM_CHUNK bytes into a per-CPU buffer (scratch, struct
 * vsx_fp_scratch) by bpf_xdp_load_bytes(), which checks the bounds itself (the verifier cannot
 * follow a variable-length piece of the packet), and summed there by bpf_csum_diff() (512
 * bytes at most a call); the last piece is padded with zeros to whole words. Words are summed
 * as the CPU loads them (csum_partial's way): the fold is then the network-order sum as it
 * lies in memory. The lengths were checked before: udp_len bytes from outer_l4_off are exactly
 * the rest of the frame. Datagrams over VSX_FP_CSUM_MAX: refused.
 */
#define VSX_FP_CSUM_MAX 4096 /* more than an XDP frame without multi-buffer */

static __always_inline int vsx_fp_udp_csum_ok(struct xdp_md *ctx, void *scratch_map,
					      const struct vsx_pkt *pkt)
{
	const struct vsx_flow_key *k = &pkt->key;
	__u32 off = pkt->outer_l4_off, len = pkt->outer_udp_len, zero = 0, i;
	struct vsx_fp_scratch *sc = bpf_map_lookup_elem(scratch_map, &zero);
	__u64 sum;
	__s64 r;

	if (!sc || len > VSX_FP_CSUM_MAX || len < 8)
		return 0;
	if (k->flags & VSX_KEY_OUTER_V6) /* RFC 8200 8.1: addresses, 32-bit length, next header */
		sum = (__u64)k->outer_src[0] + k->outer_src[1] + k->outer_src[2] + k->outer_src[3] +
		      k->outer_dst[0] + k->outer_dst[1] + k->outer_dst[2] + k->outer_dst[3] +
		      bpf_htonl(len) + bpf_htonl(IPPROTO_UDP);
	else /* RFC 768: addresses, zero, protocol, 16-bit length */
		sum = (__u64)k->outer_src[0] + k->outer_dst[0] +
		      ((__u32)bpf_htons((__u16)len) << 16) + (IPPROTO_UDP << 8);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	for (i = 0; i < VSX_FP_CSUM_MAX / VSX_FP_CSUM_CHUNK; i++) {
		if (len < VSX_FP_CSUM_CHUNK)
			break;
		if (bpf_xdp_load_bytes(ctx, off, sc->buf, VSX_FP_CSUM_CHUNK))
			return 0;
		r = bpf_csum_diff(NULL, 0, (void *)sc->buf, VSX_FP_CSUM_CHUNK, (__u32)sum);
		if (r < 0)
			return 0;
		sum = (__u32)r;
		off += VSX_FP_CSUM_CHUNK;
		len -= VSX_FP_CSUM_CHUNK;
	}
	len &= VSX_FP_CSUM_CHUNK - 1; /* < VSX_FP_CSUM_CHUNK after the loop; says so to the verifier */
	if (len) {
		/* the word the piece ends in is zero beyond it */
		*(__u32 *)(sc->buf + (len & (VSX_FP_CSUM_CHUNK - 4))) = 0;
		if (bpf_xdp_load_bytes(ctx, off, sc->buf, len))
			return 0;
		r = bpf_csum_diff(NULL, 0, (void *)sc->buf, (len + 3) & ~3u, (__u32)sum);
		if (r < 0)
			return 0;
		sum = (__u32)r;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The maps of the fast path's decision (the uplink passes offload_maps.h's). */
struct vsx_fp_maps {
	void *cfg, *offload, *flow_stats, *port, *rate, *scratch;
	/* steering's configuration, flow cache and its per-CPU counters: the negative mark */
	void *steer_cfg, *cache, *cache_stats;
};

/*
 * The negative mark (vsx_flow_stats.ofl_none): a cached flow this CPU found no entry for,
 * as of entry generation `gen`, skips both lookups (each a hash of a 52-byte key). Returns
 * the flow's per-CPU counters when the flow is cached and its counters are the slot's flow's
 * (tag), so that the caller can check or set the mark; NULL when the flow is not cached
 * (its first packet, or the cache's rules generation moved on): then it is looked up.
 * The slot's key is the whole parsed key, of which both offload keys are made, so a mark
 * belongs to one flow key and one VM key exactly.
 */
static __always_inline struct vsx_flow_stats *vsx_fp_mark_of(const struct vsx_fp_maps *m,
							     const struct vsx_flow_key *key)
{
	struct vsx_config *scfg = bpf_map_lookup_elem(m->steer_cfg, &(__u32){ 0 });
	struct vsx_flow_stats *fs;
	struct vsx_flow_slot *s;
	__u32 index;

	if (!scfg)
		return NULL;
	index = vsx_flow_hash(key) & scfg->flow_slots_mask & ~1u;
	s = vsx_cache_lookup(m->cache, key, &index, scfg->rules_gen);
	if (!s)
		return NULL;
	fs = bpf_map_lookup_elem(m->cache_stats, &index);
	if (!fs || fs->tag != s->tag)
		return NULL;
	return fs;
}

/*
 * Looks the packet up (flow key, then VM key) and decides. Counts per flow what is decided
 * here (refused, rate-dropped, TCP flags) and the named counters OFFLOAD_REFUSED/RATE_DROP.
 * The caller puts it out of line (a BPF-to-BPF call with m a constant inside): the offload key
 * and the checks then get their own stack frame, not the uplink's, whose deepest call chain
 * (the steering miss path) is near the verifier's limit.
 */
static __always_inline __u64 vsx_fp_decide(const struct vsx_fp_maps *m, struct xdp_md *ctx,
					   __u64 *stats, struct vsx_pkt *pkt, __u32 frame_len,
					   __u8 outer_tos)
{
	struct vsx_offload_cfg *ocfg = vsx_fp_cfg(m->cfg);
	struct vsx_offload_entry *e = NULL;
	struct vsx_flow_stats *mark;
	struct vsx_offload_stats *fs;
	struct vsx_offload_key k;
	struct vsx_vm_port *port;
	__u32 id, gen;

	if (!ocfg || !stats)
		return VSX_FP_NONE;
	/*
	 * The generation is read before the lookups, and the agent bumps it after its insert: a
	 * lookup that missed an entry being put is marked with the older generation, which the
	 * bump then invalidates, so the flow's next packet looks it up again.
	 */
	gen = ocfg->entry_gen + 1;
	mark = vsx_fp_mark_of(m, &pkt->key);
	if (mark && mark->ofl_none == gen)
		return VSX_FP_NONE;
	if (ocfg->n_flow) {
		vsx_fp_flow_key(&k, &pkt->key);
		e = bpf_map_lookup_elem(m->offload, &k);
	}
	if (!e && ocfg->n_vm) {
		vsx_fp_vm_key(&k, &pkt->key);
		e = bpf_map_lookup_elem(m->offload, &k);
	}
	if (!e) {
		if (mark)
			mark->ofl_none = gen;
		return VSX_FP_NONE;
	}
	id = e->flow_id;
	fs = bpf_map_lookup_elem(m->flow_stats, &id);
	if (fs && pkt->key.nw_proto == IPPROTO_TCP)
		fs->tcp_flags |= pkt->tcp_flags;
	id = e->port;
	port = bpf_map_lookup_elem(m->port, &id);
	if (!port || e->flow_id >= VSX_MAX_OFFLOADS ||
	    vsx_fp_check(pkt, ocfg, port, frame_len, outer_tos) != VSX_FP_OK ||
	    ((pkt->facts & VSX_PKT_OUTER_UDP_CSUM) && !vsx_fp_udp_csum_ok(ctx, m->scratch, pkt))) {
		vsx_count(stats, VSX_STAT_OFFLOAD_REFUSED);
		if (fs)
			fs->refused++;
		return VSX_FP_NONE;
	}
	if ((e->flags & VSX_OFL_F_RATE) &&
	    vsx_rate_admit(m->rate, e->rate_id, frame_len - pkt->inner_l2_off,
			   bpf_ktime_get_ns()) != VSX_RATE_PASS) {
		vsx_count(stats, VSX_STAT_OFFLOAD_RATE_DROP);
		if (fs)
			fs->rate_dropped++;
		return VSX_FP_DROP;
	}
	return vsx_fp_pack(e->port, e->flow_id, pkt->inner_l2_off, frame_len - pkt->inner_l2_off);
}

/* A redirect that could not start: the flow's and the port's counters, and the named one. */
static __always_inline void vsx_fp_count_fail(__u64 *stats, void *flow_stats_map, void *port_stats_map,
					      const struct vsx_fp_hit *hit)
{
	struct vsx_offload_stats *fs = bpf_map_lookup_elem(flow_stats_map, &hit->flow_id);
	struct vsx_port_stats *ps = bpf_map_lookup_elem(port_stats_map, &hit->port);

	vsx_count(stats, VSX_STAT_OFFLOAD_REDIRECT_FAIL);
	if (fs)
		fs->redirect_fail++;
	if (ps)
		ps->redirect_fail++;
}

/*
 * Delivers a decided packet into its VM's port, on this core: the devmap redirect first (it
 * only records the target; if there is no entry the frame is still whole and goes the normal
 * path), then the outer headers go (bpf_xdp_adjust_head: what is left is the inner frame,
 * byte for byte), then the counters. Returns XDP_REDIRECT, or XDP_PASS with the frame
 * unchanged when the redirect could not be set up (counted as a redirect failure).
 */
static __always_inline int vsx_fp_deliver(struct xdp_md *ctx, __u64 *stats, void *devmap,
					  void *flow_stats_map, void *port_stats_map,
					  const struct vsx_fp_hit *hit)
{
	struct vsx_offload_stats *fs;
	struct vsx_port_stats *ps;
	void *data, *data_end;

	if (bpf_redirect_map(devmap, hit->port, 0) != XDP_REDIRECT ||
	    bpf_xdp_adjust_head(ctx, hit->inner_l2_off)) {
		vsx_fp_count_fail(stats, flow_stats_map, port_stats_map, hit);
		return XDP_PASS;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + hit->inner_len != data_end) /* never: the decision measured this frame */
		return XDP_ABORTED;
	vsx_count(stats, VSX_STAT_OFFLOAD_HIT);
	fs = bpf_map_lookup_elem(flow_stats_map, &hit->flow_id);
	if (fs) {
		__u64 now = bpf_jiffies64();

		fs->packets++;
		fs->bytes += hit->inner_len;
		if (fs->last_jiffies != now)
			fs->last_jiffies = now;
	}
	ps = bpf_map_lookup_elem(port_stats_map, &hit->port);
	if (ps) {
		ps->packets++;
		ps->bytes += hit->inner_len;
	}
	return XDP_REDIRECT;
}

#endif
