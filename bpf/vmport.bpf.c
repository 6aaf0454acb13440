// SPDX-License-Identifier: MIT
/*
 * XDP on a VM's host-side port: FlexivOffload's TX fast path, the paper's Dispatcher. It sees
 * what the VM sends.
 *
 *   parse the VM's frame                                          (lib/parse.h)
 *   the port's truth: arrived on its ifindex, source MAC its MAC  (vsx_vm_port, dp's map)
 *   TX entry: port + destination MAC + 5-tuple, else + MAC        (vsx_tx)
 *   the route and the next hop's MAC, as the VXLAN device's route (bpf_fib_lookup)
 *   rate limit                                                    (lib/rate.h)
 *   encapsulate as the kernel's VXLAN device would, FCF per the egress rules (lib/classify.h)
 *   redirect to the uplink
 *
 * docs/offload-tx.md gives every outer header field and the kernel rule it mirrors. Anything
 * the fast path cannot send exactly as the normal path would goes the normal path (XDP_PASS):
 * the bridge and the VXLAN device decide. Only an over-limit packet is dropped, as the RX
 * fast path drops it.
 *
 * The program is loaded once per port, bound to its device (BPF_F_XDP_DEV_BOUND_ONLY), so that
 * it may ask the driver for the skb's flow hash (bpf_xdp_metadata_rx_hash; veth gives
 * skb_get_hash()), the very hash the VXLAN device's udp_flow_src_port() takes. Built with
 * VSX_VMPORT_TEST_HASH (tests/bpf/vmport_test.bpf.c) the hash is test_hash instead, so that
 * BPF_PROG_TEST_RUN can run it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <vsx/offload.h>
#include <vsx/offload_tx.h>

#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/classify.h"
#include "lib/egress_maps.h"
#include "lib/vm_port_map.h"
#include "lib/fcf_restore.h"
#include "lib/rate.h"

#ifndef AF_INET
#define AF_INET 2
#endif

/*
 * Maps of other objects, shared through vsxd's pins: the uplink object's VM ports and the
 * egress object's classifier, defined once in their headers (and vsx_config, vsx_stats in
 * lib/maps.h).
 */

/* ---- the TX fast path's own (include/vsx/offload_tx.h) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSX_TX_MAX_FLOWS);
	__type(key, struct vsx_tx_key);
	__type(value, struct vsx_tx_entry);
} vsx_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} vsx_tx_ifport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_TX_MAX_REMOTES);
	__type(key, __u32);
	__type(value, struct vsx_tx_remote);
} vsx_tx_remote SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_TX_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct vsx_offload_stats);
} vsx_tx_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VSX_TX_STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vsx_tx_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_RATE_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct vsx_rate_bucket);
} vsx_tx_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VSX_MAX_VM_PORTS);
	__type(key, __u32);
	__type(value, struct vsx_tx_port_state);
} vsx_tx_port_state SEC(".maps");

#ifdef VSX_VMPORT_TEST_HASH
__u32 test_hash; /* 0: as if the driver had no hash */
int test_fib_rc; /* the last bpf_fib_lookup() result */
#else
/* The kernel's enum (include/net/xdp.h, not in the UAPI); only its size matters here. */
enum xdp_rss_hash_type { XDP_RSS_TYPE_NONE = 0 };
extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash,
				    enum xdp_rss_hash_type *rss_type) __ksym;
#endif

/* Outer headers: Ethernet, IPv4, UDP, VXLAN. */
#define VSX_TX_ENCAP_LEN (14 + 20 + 8 + 8)
/* Inner frames the fast path takes (XDP without multi-buffer sees less than a page). */
#define VSX_TX_MAX_FRAME 4096
/*
 * Offsets below VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN, masked with this where they make a packet
 * pointer: a no-op for an offset checked against the bound, and the bound the verifier can see.
 */
#define VSX_TX_OFF_MASK 0x1fff
/* At least one frame of each VM through the bridge this often (its FDB ageing is 300 s). */
#define VSX_TX_FDB_REFRESH_NS (60ULL * 1000000000ULL)

static __always_inline void tx_count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&vsx_tx_counters, &stat);

	if (c)
		*c += 1;
}

/* ---- the source port: udp_flow_src_port() (include/net/udp.h) ---- */

/*
 * The driver's hash of the skb: on veth skb_get_hash(), the hash the VXLAN device's
 * udp_flow_src_port() reads off the same skb on the normal path (the bridge keeps it). Where
 * the driver has none (returns an error or 0), a hash of the inner 5-tuple: the port differs
 * from the kernel's then (the receiver's RSS may put the flow on another queue when it moves
 * between paths), which VSX_TX_STAT_HASH_FALLBACK counts.
 */
static __always_inline __u32 tx_flow_hash(struct xdp_md *ctx, const struct vsx_flow_key *k)
{
	__u32 hash = 0;

#ifdef VSX_VMPORT_TEST_HASH
	hash = test_hash;
#else
	enum xdp_rss_hash_type type;

	if (bpf_xdp_metadata_rx_hash(ctx, &hash, &type))
		hash = 0;
#endif
	if (hash)
		return hash;
	tx_count(VSX_TX_STAT_HASH_FALLBACK);
	/* murmur3's finaliser over the 5-tuple words: any well-mixed function will do */
	hash = k->nw_src[0] ^ k->nw_src[1] ^ k->nw_src[2] ^ k->nw_src[3];
	hash = hash * 0xcc9e2d51 ^ (k->nw_dst[0] ^ k->nw_dst[1] ^ k->nw_dst[2] ^ k->nw_dst[3]);
	hash = hash * 0x1b873593 ^ ((__u32)k->tp_src << 16 | k->tp_dst) ^ k->nw_proto;
	hash ^= hash >> 16;
	hash *= 0x85ebca6b;
	hash ^= hash >> 13;
	hash *= 0xc2b2ae35;
	hash ^= hash >> 16;
	return hash ? hash : 1;
}

static __always_inline __be16 tx_src_port(__u32 hash, __u32 min, __u32 max)
{
	/* "Since this is being sent on the wire obfuscate hash a bit" (udp.h) */
	hash ^= hash << 16;
	return bpf_htons((__u16)((((__u64)hash * (max - min)) >> 32) + min));
}

/* ---- checksums ---- */

static __always_inline __u16 csum_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/*
 * The ones'-complement sum of the packet's bytes [off, end), as words in memory order (the
 * representation the kernel's csum_partial() sums in). Big chunks through bpf_csum_diff,
 * the tail word by word. end is at most the packet's length.
 *
 * A global function: the verifier checks it once, for any off and end, instead of once per
 * call site with the offsets the caller knows (which multiplied the loops' states past the
 * verifier's limit).
 */
__noinline __u64 csum_range(struct xdp_md *ctx, __u32 off, __u32 end)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 sum = 0;
	__u32 i;

	if (end > VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN)
		return 0;
	for (i = 0; i < (VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN) / 256; i++) {
		void *p = data + (off & VSX_TX_OFF_MASK);

		if (off + 256 > end || off > VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN ||
		    p + 256 > data_end)
			break;
		sum += (__u32)bpf_csum_diff(NULL, 0, p, 256, 0);
		off += 256;
	}
	for (i = 0; i < 256 / 4; i++) {
		__u32 *w = data + (off & VSX_TX_OFF_MASK);

		if (off + 4 > end || off > VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN ||
		    (void *)(w + 1) > data_end)
			break;
		sum += *w;
		off += 4;
	}
	if (off <= VSX_TX_MAX_FRAME + VSX_TX_ENCAP_LEN) {
		__u8 *b = data + (off & VSX_TX_OFF_MASK);

		if (off + 2 <= end && (void *)(b + 2) <= data_end) {
			sum += *(__u16 *)b;
			b += 2;
			off += 2;
		}
		if (off + 1 <= end && (void *)(b + 1) <= data_end) {
			/* the last odd byte is the first byte of a zero-padded word */
			__u8 pad[2] = { *b, 0 };

			sum += *(__u16 *)pad;
		}
	}
	return sum;
}

/*
 * Whether the VM's TCP/UDP checksum is right as the bytes stand. The fast path sends frames as
 * they are, while the normal path finishes a checksum the VM left to offload
 * (CHECKSUM_PARTIAL, which XDP cannot see): a frame whose checksum does not verify goes the
 * normal path, which sends it as the kernel would, finished or (if the VM sent it wrong)
 * wrong. A zero UDP checksum over IPv4 means none. Other protocols are not offloaded to the
 * NIC by the stack and are not checked. Returns 1 when the frame may take the fast path.
 */
/*
 * The bridge's netfilter hook (br_netfilter, bridge-nf-call-iptables on by default) checks an
 * IPv4 header as ip_rcv() does (version, IHL, checksum, lengths: br_validate_ipv4()), drops
 * what fails, and trims the frame to the IP length; IPv6 gets its length check and trim. The
 * fast path takes only frames that this leaves unchanged: the IP length is the frame's (no
 * Ethernet padding after the datagram) and an IPv4 header of 20 bytes with a right checksum
 * (the parser's fact). Returns 1 when the frame may take the fast path.
 */
static __always_inline int tx_ip_len_ok(const struct vsx_pkt *pkt, __u32 frame_len)
{
	if ((__u32)pkt->outer_l3_off + pkt->outer_ip_len != frame_len)
		return 0;
	return pkt->key.dl_type != bpf_htons(ETH_P_IP) || (pkt->facts & VSX_PKT_OUTER_CSUM_OK);
}

/* What the L4 check summed, for the outer checksum to reuse (reused 0: nothing). */
struct tx_l4_sum {
	__u64 sum; /* the VM's L4 segment [l4, ip_end) */
	__u16 l4;
	__u16 ip_end;
	__u32 reused;
};

static __always_inline int tx_l4_csum_ok(struct xdp_md *ctx, const struct vsx_pkt *pkt,
					 __u32 frame_len, struct tx_l4_sum *out)
{
	__u32 l3 = pkt->outer_l3_off, l4 = pkt->l4_off, ip_end = l3 + pkt->outer_ip_len, l4_len;
	int v6 = pkt->key.dl_type == bpf_htons(ETH_P_IPV6);
	__u64 sum;

	if (pkt->key.nw_proto != IPPROTO_TCP && pkt->key.nw_proto != IPPROTO_UDP)
		return 1;
	if (!l4 || ip_end > frame_len || l4 >= ip_end || (v6 && l4 != l3 + 40))
		return 0; /* a length that lies, or IPv6 extension headers: the kernel decides */
	l4_len = ip_end - l4;
	if (pkt->key.nw_proto == IPPROTO_UDP && !v6) {
		void *data = (void *)(long)ctx->data;
		void *data_end = (void *)(long)ctx->data_end;
		__u16 *check = data + (l4 & 0xfff) + 6;

		if ((void *)(check + 1) > data_end)
			return 0;
		if (!*check)
			return 1;
	}
	sum = csum_range(ctx, l4, ip_end);
	out->sum = sum;
	out->l4 = (__u16)l4;
	out->ip_end = (__u16)ip_end;
	/* the pieces around it start at even offsets unless it has an odd length */
	out->reused = !(l4_len & 1) || ip_end == frame_len;
	if (v6) {
		for (int i = 0; i < 4; i++)
			sum += (__u64)pkt->key.nw_src[i] + pkt->key.nw_dst[i];
		sum += (__u64)bpf_htonl(l4_len) + bpf_htonl(pkt->key.nw_proto);
	} else {
		sum += (__u64)pkt->key.nw_src[0] + pkt->key.nw_dst[0] + bpf_htons(pkt->key.nw_proto) +
		       bpf_htons((__u16)l4_len);
	}
	return csum_fold64(sum) == 0xffff;
}

static __always_inline void ip_csum_set(struct iphdr *ip)
{
	__u32 *w = (__u32 *)ip;
	__u64 s;

	ip->check = 0;
	s = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
	ip->check = (__u16)~csum_fold64(s);
}

/* ---- the outer ToS: ip_tunnel_ecn_encap() after the device's tos (inherit or fixed) ---- */

static __always_inline __u8 tx_outer_tos(const struct vsx_tx_remote *r, __u8 inner)
{
	__u8 tos = (r->flags & VSX_TX_R_TOS_INHERIT) ? inner : r->tos;

	/* INET_ECN_encapsulate(): the inner ECN, CE sent as ECT(0) (RFC 6040) */
	tos &= ~0x03;
	tos |= (inner & 0x03) == 0x03 ? 0x02 : (inner & 0x03);
	return tos;
}

/* ---- the bridge's FDB ---- */

/*
 * The bridge learns where a VM's MAC lives from the frames the VM sends through it, and forgets
 * it after its ageing time (300 s by default); then the bridge floods frames to that MAC to
 * every port. Frames on the fast path bypass the bridge, so a VM that only sends on it would
 * be forgotten: at least one frame every VSX_TX_FDB_REFRESH_NS goes the normal path. Any frame
 * of the VM's that goes it (ARP, a miss) counts; when none did, the next would-be fast-path
 * frame is sent that way (VSX_TX_STAT_FDB_REFRESH). Racing CPUs may both send one.
 */
static __always_inline void tx_normal_seen(__u32 port_id, __u64 now)
{
	struct vsx_tx_port_state *ps = bpf_map_lookup_elem(&vsx_tx_port_state, &port_id);

	if (ps)
		ps->last_normal_ns = now;
}

static __always_inline int tx_fdb_refresh_due(__u32 port_id, __u64 now)
{
	struct vsx_tx_port_state *ps = bpf_map_lookup_elem(&vsx_tx_port_state, &port_id);

	if (!ps)
		return 0;
	if (!ps->last_normal_ns) {
		/* first fast-path frame: the bridge learnt the VM while its flow was set up */
		ps->last_normal_ns = now;
		return 0;
	}
	if (now - ps->last_normal_ns < VSX_TX_FDB_REFRESH_NS)
		return 0;
	ps->last_normal_ns = now;
	return 1;
}

/* ---- the program ---- */

/*
 * The entry of the frame: its flow's, else its destination's. Not inlined, so that the key's
 * 52 bytes are not part of the program's stack frame for its whole length.
 */
static __noinline struct vsx_tx_entry *tx_lookup(__u32 port_id, const struct vsx_flow_key *k)
{
	struct vsx_tx_key key;
	struct vsx_tx_entry *e;

	__builtin_memset(&key, 0, sizeof(key));
	key.port = port_id;
	key.kind = VSX_TX_KEY_FLOW;
	key.nw_proto = k->nw_proto;
	key.dl_type = k->dl_type;
	key.tp_src = k->tp_src;
	key.tp_dst = k->tp_dst;
	__builtin_memcpy(key.dl_dst, k->dl_dst, 6);
	__builtin_memcpy(key.nw_src, k->nw_src, sizeof(key.nw_src));
	__builtin_memcpy(key.nw_dst, k->nw_dst, sizeof(key.nw_dst));
	e = bpf_map_lookup_elem(&vsx_tx, &key);
	if (e)
		return e;
	__builtin_memset(&key, 0, sizeof(key));
	key.port = port_id;
	key.kind = VSX_TX_KEY_DST;
	__builtin_memcpy(key.dl_dst, k->dl_dst, 6);
	return bpf_map_lookup_elem(&vsx_tx, &key);
}

static __always_inline int tx_mac_eq(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
		(a[5] ^ b[5])) == 0;
}

/* A frame of the VM's with an entry that goes the normal path (through the bridge). */
static __always_inline int tx_refuse(struct vsx_offload_stats *st, __u32 stat, __u32 port_id,
				     __u64 now)
{
	if (st)
		st->refused++;
	tx_count(stat);
	tx_normal_seen(port_id, now);
	return XDP_PASS;
}

SEC("xdp")
int vsx_vmport(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 frame_len = (__u32)(data_end - data);
	__u32 ifindex = ctx->ingress_ifindex, port_id, zero = 0, remote_id, bank_v = 0;
	struct vsx_pkt pkt __attribute__((aligned(8)));
	struct bpf_fib_lookup fib = {};
	struct vsx_offload_stats *st;
	struct vsx_tx_remote *r;
	struct vsx_vm_port *vp;
	struct vsx_tx_entry *e;
	struct vsx_config *cfg;
	__u32 *pp, *bank, udp_len;
	struct tx_l4_sum l4s = {};
	__be16 sport;
	__u8 tos, ttl;
	__u64 now;
	int rc;

	tx_count(VSX_TX_STAT_SEEN);
	pp = bpf_map_lookup_elem(&vsx_tx_ifport, &ifindex);
	if (!pp) {
		tx_count(VSX_TX_STAT_NO_PORT);
		return XDP_PASS;
	}
	port_id = *pp;
	vp = bpf_map_lookup_elem(&vsx_vm_port, &port_id);
	if (!vp || !port_id || vp->ifindex != ifindex) {
		tx_count(VSX_TX_STAT_NO_PORT);
		return XDP_PASS;
	}
	/* A VM's own frame: no VXLAN inside is decapsulated (vxlan_port 0). */
	rc = vsx_parse(data, data_end, ifindex, 0, 0, &pkt);
	now = bpf_ktime_get_coarse_ns();
	if (rc > VSX_PARSE_NON_IP) {
		tx_count(VSX_TX_STAT_NOT_IP);
		return XDP_PASS;
	}
	if (!tx_mac_eq(pkt.key.dl_src, vp->mac)) {
		tx_count(VSX_TX_STAT_SPOOF);
		return XDP_PASS;
	}
	/* from here on every XDP_PASS is a frame of the VM's through the bridge */
	if (rc != VSX_PARSE_OK || (pkt.key.flags & VSX_KEY_VLAN) ||
	    (pkt.key.dl_type != bpf_htons(ETH_P_IP) && pkt.key.dl_type != bpf_htons(ETH_P_IPV6))) {
		tx_normal_seen(port_id, now);
		tx_count(VSX_TX_STAT_NOT_IP);
		return XDP_PASS;
	}
	if (pkt.key.dl_dst[0] & 1) {
		tx_normal_seen(port_id, now);
		tx_count(VSX_TX_STAT_MCAST);
		return XDP_PASS;
	}

	e = tx_lookup(port_id, &pkt.key);
	if (!e) {
		tx_normal_seen(port_id, now);
		tx_count(VSX_TX_STAT_MISS);
		return XDP_PASS;
	}
	st = bpf_map_lookup_elem(&vsx_tx_stats, &e->flow_id);
	if (e->vni != vp->vni)
		return tx_refuse(st, VSX_TX_STAT_VNI, port_id, now);
	if (pkt.key.flags & VSX_KEY_FRAG)
		return tx_refuse(st, VSX_TX_STAT_FRAG, port_id, now);
	if (pkt.key.nw_proto == IPPROTO_TCP) {
		if (st)
			st->tcp_flags |= pkt.tcp_flags;
		if (pkt.tcp_flags & 0x05) /* FIN, RST */
			return tx_refuse(st, VSX_TX_STAT_TCP_FIN_RST, port_id, now);
	}
	remote_id = e->remote;
	r = bpf_map_lookup_elem(&vsx_tx_remote, &remote_id);
	if (!r || !(r->flags & VSX_TX_R_VALID) || r->port_min > r->port_max)
		return tx_refuse(st, VSX_TX_STAT_NO_REMOTE, port_id, now);
	if (frame_len > VSX_TX_MAX_FRAME)
		return tx_refuse(st, VSX_TX_STAT_MTU, port_id, now);
	if (!tx_ip_len_ok(&pkt, frame_len))
		return tx_refuse(st, VSX_TX_STAT_IP_LEN, port_id, now);
	if (!tx_l4_csum_ok(ctx, &pkt, frame_len, &l4s))
		return tx_refuse(st, VSX_TX_STAT_L4_CSUM, port_id, now);

	tos = tx_outer_tos(r, pkt.key.nw_tos);
	ttl = r->ttl;
	sport = tx_src_port(tx_flow_hash(ctx, &pkt.key), r->port_min, r->port_max);
	udp_len = 8 + 8 + frame_len;

	/*
	 * The route the VXLAN device's vxlan_get_route() takes, from its local address, and the
	 * next hop's MAC from the neighbour table. An input lookup as if the packet came in on
	 * the VM port: bpf_fib_lookup() wants IPv4 forwarding on the device it is given, and the
	 * VM port is a bridge port, which never routes, so vsxd enables it there and not on the
	 * uplink (where it would make the host a router). The route must leave by the device's
	 * "dev" (its uplink, when it has one), as the device's output lookup with that oif would.
	 */
	fib.family = AF_INET;
	fib.tos = tos;
	fib.l4_protocol = IPPROTO_UDP;
	fib.sport = sport;
	fib.dport = r->dport;
	fib.tot_len = (__u16)(20 + udp_len);
	fib.ipv4_src = r->local;
	fib.ipv4_dst = r->remote;
	fib.ifindex = ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
#ifdef VSX_VMPORT_TEST_HASH
	test_fib_rc = rc;
#endif
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return tx_refuse(st, VSX_TX_STAT_MTU, port_id, now);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return tx_refuse(st, VSX_TX_STAT_FIB_MISS, port_id, now);
	if (r->uplink && fib.ifindex != r->uplink)
		return tx_refuse(st, VSX_TX_STAT_FIB_UPLINK, port_id, now);

	if (tx_fdb_refresh_due(port_id, now)) {
		tx_count(VSX_TX_STAT_FDB_REFRESH);
		return XDP_PASS;
	}

	if ((e->flags & VSX_TX_F_RATE) &&
	    vsx_rate_admit(&vsx_tx_rate, e->rate_id, frame_len, bpf_ktime_get_ns()) != VSX_RATE_PASS) {
		if (st)
			st->rate_dropped++;
		tx_count(VSX_TX_STAT_RATE_DROP);
		return XDP_DROP;
	}

	if (bpf_xdp_adjust_head(ctx, -VSX_TX_ENCAP_LEN))
		return tx_refuse(st, VSX_TX_STAT_NO_ROOM, port_id, now);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	{
		struct ethhdr *eth = data;
		struct iphdr *ip = data + 14;
		struct udphdr *udp = data + 34;
		struct vxlanhdr *vx = data + 42;
		__u64 sum;
		__u16 c;

		if ((void *)(vx + 1) > data_end)
			return XDP_ABORTED; /* never: adjust_head made the room */
		__builtin_memcpy(eth->h_dest, fib.dmac, 6);
		__builtin_memcpy(eth->h_source, fib.smac, 6);
		eth->h_proto = bpf_htons(ETH_P_IP);
		/* iptunnel_xmit(): version 4, IHL 5, DF per the device, the ident counter */
		ip->version = 4;
		ip->ihl = 5;
		ip->tos = tos;
		ip->tot_len = bpf_htons((__u16)(20 + udp_len));
		ip->id = bpf_htons((__u16)__sync_fetch_and_add(&r->ip_id, 1));
		ip->frag_off = (r->flags & VSX_TX_R_DF_SET) ? bpf_htons(0x4000) : 0;
		ip->ttl = ttl;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = r->local;
		ip->daddr = r->remote;
		ip_csum_set(ip);
		udp->source = sport;
		udp->dest = r->dport;
		udp->len = bpf_htons((__u16)udp_len);
		udp->check = 0;
		/* vxlan_build_skb(): the I flag, the VNI in the upper 24 bits */
		vx->vx_flags = bpf_htonl(VSX_VXLAN_FLAG_I);
		vx->vx_vni = bpf_htonl(bpf_ntohl(vp->vni) << 8);
		if (r->flags & VSX_TX_R_UDP_CSUM) {
			/* udp_set_csum(): over the datagram and the pseudo header, 0 sent as 0xffff */
			/*
			 * The VM's L4 segment was summed by its check: sum what is around it
			 * (outer UDP + VXLAN + inner headers, then any Ethernet padding).
			 */
			if (l4s.reused) {
				sum = csum_range(ctx, 34, VSX_TX_ENCAP_LEN + l4s.l4) + l4s.sum;
				if (l4s.ip_end < frame_len)
					sum += csum_range(ctx, VSX_TX_ENCAP_LEN + l4s.ip_end,
							  VSX_TX_ENCAP_LEN + frame_len);
			} else {
				sum = csum_range(ctx, 34, (__u32)(data_end - data));
			}
			sum += (__u64)r->local + r->remote + bpf_htons(IPPROTO_UDP) +
			       bpf_htons((__u16)udp_len);
			c = (__u16)~csum_fold64(sum);
			data = (void *)(long)ctx->data;
			data_end = (void *)(long)ctx->data_end;
			udp = data + 34;
			if ((void *)(udp + 1) > data_end)
				return XDP_ABORTED;
			udp->check = c ? c : 0xffff;
		}
	}

	/* FCF: what bpf/egress.bpf.c would write on the uplink's tc egress, which XDP bypasses. */
	cfg = vsx_get_config();
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (cfg && (cfg->flags & VSX_CFG_FCF) &&
	    vsx_parse(data, data_end, fib.ifindex, cfg->vxlan_port, 0, &pkt) <= VSX_PARSE_NON_IP &&
	    (pkt.key.flags & VSX_KEY_TUNNEL)) {
		struct vsx_cls_val *v;
		__u8 fcf = 0;

		bank = bpf_map_lookup_elem(&vsx_eg_bank, &zero);
		if (bank)
			bank_v = *bank;
		v = vsx_classify(&vsx_eg_masks, &vsx_eg_rules, &pkt.key, bank_v);
		if (v && v->action == VSX_ACT_SET_FCF) {
			fcf = v->fcf;
			vsx_counter_add(&vsx_eg_rule_stats, v->rule_id, frame_len + VSX_TX_ENCAP_LEN);
		}
		if (fcf != pkt.outer_tos && vsx_set_outer_tos(data, data_end, &pkt, fcf) == 0) {
			vsx_count(vsx_stats_get(), VSX_STAT_FCF_WRITTEN);
			tx_count(VSX_TX_STAT_FCF_WRITTEN);
		}
	}

	if (st) {
		st->packets++;
		st->bytes += frame_len;
		st->last_jiffies = bpf_jiffies64();
	}
	tx_count(VSX_TX_STAT_HIT);
	return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
