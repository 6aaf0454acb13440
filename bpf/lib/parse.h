/* SPDX-License-Identifier: MIT */
/*
 * The packet parser: the only code in the datapath that reads packet bytes. Bounds-checked
 * cursor parsing in the style of xdp-tools' parsing_helpers.h: every header is checked
 * against data_end before it is read, and parsing stops with a status, never a crash.
 *
 * It fills a struct vsx_pkt: the flow key (include/vsx/flow_key.h) plus the offsets and
 * facts the later stages need (FCF restore, decapsulation for the offload fast path).
 *
 * Accepted: Ethernet with up to two VLAN tags (802.1Q/802.1ad); IPv4 (options allowed) and
 * IPv6 (hop-by-hop, routing, destination-options and fragment extension headers); UDP to
 * the VXLAN port with the I flag set, then the inner Ethernet/VLAN/IPv4/IPv6; TCP, UDP,
 * ICMP and ICMPv6 ports/types; first and later IP fragments.
 *
 * Decisions (tests/bpf/test_parse.c holds a fixture for each):
 * - Only header bytes are read. IPv4 tot_len, IPv6 payload_len and the UDP length are not
 *   looked at: Ethernet padding after the datagram is harmless and a length field that lies
 *   is the IP layer's business, which sees the packet after us. So a packet cut anywhere
 *   after its last header parses exactly like the whole packet, and one cut inside a header
 *   is TRUNCATED: never a field read from beyond data_end.
 * - The Ethernet, IP and L4 headers must start at most VSX_PARSE_MAX_OFF bytes into the
 *   packet (more than XDP sees without multi-buffer), else TRUNCATED. In tc, data_end is the
 *   end of the linear part: pull the headers in first (bpf_skb_pull_data) if they may be paged.
 * - IPv6: up to VSX_PARSE_MAX_EXT extension headers (hop-by-hop, routing, destination
 *   options, fragment) are walked; a longer chain is MALFORMED. Any other next header ends
 *   the walk and is nw_proto: ESP (50), AH (51) and no-next-header (59) included, with
 *   tp_src/tp_dst 0. AH is not walked (in IPv4 neither).
 * - Fragments: VSX_KEY_FRAG when MF is set or the offset is non-zero (IPv4 and the IPv6
 *   fragment header alike, so an IPv6 "atomic fragment", RFC 6946, is not a fragment);
 *   VSX_KEY_LATER_FRAG and no L4 when the offset is non-zero. frag_id is the IPv4
 *   identification as a 32-bit big-endian word (bytes 00 00 id_hi id_lo), or the IPv6
 *   fragment header's identification as on the wire.
 * - ICMP (in IPv4 only) and ICMPv6 (in IPv6 only): tp_src = type, tp_dst = code, as 16-bit
 *   big-endian words (OpenFlow 1.0); 4 header bytes (type, code, checksum) must be present.
 *   UDP needs its 8 bytes. TCP needs its 20-byte header, and a data offset below 5 is
 *   MALFORMED (Linux drops such segments: tcp_v4_rcv/tcp_v6_rcv); the doff * 4 header
 *   bytes with options must be in the packet (else TRUNCATED, as Linux discards a segment
 *   it cannot pull them from), except in a first fragment, inner or outer: Linux checks on
 *   the reassembled segment, and asks a first fragment only for the 20 bytes (IPv6: RFC
 *   7112's check, ipv6_frag_thdr_truncated). Options are not read.
 * - VXLAN: UDP to vxlan_port (0 disables it), not a later fragment, 8 VXLAN header bytes
 *   (else TRUNCATED). With the I flag the packet is tunnelled: the key holds the inner L2-L4,
 *   the VNI, the outer addresses and (when fcf_enabled) the outer ToS as fcf; the outer
 *   L2-L4 are not in the key. Without the I flag the key describes the outer UDP packet and
 *   facts has VSX_PKT_VXLAN_NO_I. A VXLAN packet inside the tunnel is not decapsulated again.
 *   An outer *first* fragment carrying VXLAN is parsed as a tunnel: key flags then describe
 *   the inner packet, facts has VSX_PKT_OUTER_FRAG and outer_frag_id the outer id, so the
 *   later outer fragments (keyed on the outer header) can be tied to it.
 * - outer_tos is the ToS / traffic class of the outer (or only) IP header, tunnel or not.
 * - Facts for the later stages, so that none of them reads a header byte again: the IP
 *   lengths as the headers state them (outer_ip_len, inner_ip_len: IPv4 tot_len, IPv6 40 +
 *   payload_len; not compared with the frame here, see above), for a tunnel the outer UDP
 *   header (outer_l4_off, outer_udp_len, outer_sport, VSX_PKT_OUTER_UDP_CSUM when its checksum
 *   is not zero), the outer destination MAC, an outer VLAN tag (VSX_PKT_OUTER_VLAN), VXLAN
 *   bits the kernel's vxlan_rcv refuses without extensions (VSX_PKT_VXLAN_RSVD: any flag but
 *   I, or the reserved byte after the VNI); VSX_PKT_OUTER_CSUM_OK when the outer (or only)
 *   IPv4 header has IHL 5 and a correct header checksum (not computed for options); the
 *   TCP flags byte of the key's TCP header (tcp_flags).
 * - Fields are meaningful for OK and NON_IP only; on TRUNCATED/MALFORMED they are partial.
 *
 * This header also compiles in user space (types and parser alike), so tests and fuzzers
 * can run the very same parser natively.
 */
#ifndef VSX_BPF_PARSE_H
#define VSX_BPF_PARSE_H

#include <vsx/flow_key.h>

enum vsx_parse_status {
	VSX_PARSE_OK = 0,
	VSX_PARSE_NON_IP = 1,    /* Ethernet frame that is neither IPv4 nor IPv6: key has L2 only */
	VSX_PARSE_TRUNCATED = 2, /* a header runs past the end of the packet */
	VSX_PARSE_MALFORMED = 3, /* impossible field: IPv4 IHL < 5, TCP doff < 5, ... */
};

/* vsx_pkt.facts */
enum {
	VSX_PKT_VXLAN_NO_I = 1 << 0, /* UDP to the VXLAN port without the I flag: not a tunnel */
	VSX_PKT_INNER_NON_IP = 1 << 1, /* tunnelled frame whose inner packet is not IP */
	VSX_PKT_OUTER_FRAG = 1 << 2,   /* tunnel in an outer first fragment: see outer_frag_id */
	VSX_PKT_OUTER_VLAN = 1 << 3,   /* tunnel whose outer Ethernet header had a VLAN tag */
	VSX_PKT_OUTER_CSUM_OK = 1 << 4, /* outer (or only) IPv4 header: IHL 5, checksum correct */
	VSX_PKT_VXLAN_RSVD = 1 << 5,   /* tunnel: VXLAN flags other than I, or reserved bits set */
	VSX_PKT_OUTER_UDP_CSUM = 1 << 6, /* tunnel: the outer UDP checksum is not zero */
};

struct vsx_pkt {
	struct vsx_flow_key key;
	__u16 outer_l3_off; /* offset of the outer (or only) IP header; 0 when not IP */
	__u16 inner_l2_off; /* offset of the inner Ethernet header; 0 when not tunnelled */
	__u16 inner_l3_off; /* offset of the inner IP header; 0 when not tunnelled or non-IP */
	__u16 l4_off;       /* offset of the (inner) TCP/UDP/ICMP/ICMPv6 header; 0 when absent */
	__be32 frag_id;     /* IPv4 identification or IPv6 fragment id, when VSX_KEY_FRAG */
	__u8 outer_tos;     /* outer ToS / traffic class byte as received */
	__u8 facts;         /* VSX_PKT_* */
	__u16 outer_l4_off; /* offset of the outer UDP header of a tunnel; 0 when not tunnelled */
	__be32 outer_frag_id; /* outer IP identification, when VSX_PKT_OUTER_FRAG */
	/* the lengths headers state, host order; 0 when absent */
	__u16 outer_ip_len; /* outer (or only) IP: IPv4 tot_len, IPv6 40 + payload_len */
	__u16 inner_ip_len; /* inner IP of a tunnel, the same way */
	__u16 outer_udp_len; /* tunnel: the outer UDP length field */
	__be16 outer_sport;  /* tunnel: the outer UDP source port (the sender's flow entropy) */
	__u8 outer_dl_dst[6]; /* tunnel: the outer Ethernet destination */
	__u8 tcp_flags;      /* the key's TCP header: its flags byte (FIN 0x01, RST 0x04, ...) */
	__u8 _pad;
};
VSX_ASSERT_SIZE(struct vsx_pkt, 132);

/* Headers must start before this offset (see the decisions above). */
#define VSX_PARSE_MAX_OFF 4096
/* IPv6 extension headers walked before giving up with MALFORMED. */
#define VSX_PARSE_MAX_EXT 8

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/in.h>
#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#endif
#include <bpf/bpf_endian.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Headers are read in place at whatever alignment they have (an inner IPv4 header behind
 * VXLAN over IPv4 is never 4-byte aligned): fine for BPF, formally undefined in C, so the
 * user-space build tells UBSan not to check alignment here.
 */
#if !defined(__bpf__) && defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define VSX_PARSE_FN static __always_inline __attribute__((no_sanitize("alignment")))
#endif
#endif
#ifndef VSX_PARSE_FN
#define VSX_PARSE_FN static __always_inline
#endif

struct vsx_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct vxlanhdr {
	__be32 vx_flags; /* 0x08 in the first byte: the I flag (VNI valid) */
	__be32 vx_vni;   /* VNI in the upper 24 bits */
};
#define VSX_VXLAN_FLAG_I 0x08000000

struct vsx_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3 | M flag */
	__be32 identification;
};

#define VSX_IP_MF 0x2000
#define VSX_IP_OFFSET 0x1fff
#define VSX_IP6_MF 0x0001
#define VSX_IP6_OFFSET 0xfff8

/* Internal: the UDP packet was VXLAN with the I flag, go on with the inner frame. */
#define VSX_PARSE_TUNNEL (-1)

/*
 * Verifier state control. The verifier follows every path through the parser and can only
 * merge paths whose offsets it tracked to the same range; the outer headers alone give
 * dozens of distinct ranges (VLAN tags, IPv4 options, IPv6 extension chains), and the inner
 * parse would be verified once for each. Returning the offset as the difference of two
 * packet pointers makes it an unknown scalar to the verifier (pointer - pointer needs
 * CAP_PERFMON, which loading XDP as root has), and the bound check after it makes every
 * path arrive with [0, VSX_PARSE_MAX_OFF]. The value itself is unchanged.
 */
#define vsx_barrier_var(var) asm volatile("" : "+r"(var))

VSX_PARSE_FN __u64 vsx_forget_off(void *data, __u64 off)
{
	void *p = data + off;

	vsx_barrier_var(p);
	return (__u64)(p - data);
}

/* len bytes at off, or NULL when they are not all in the packet. */
VSX_PARSE_FN void *vsx_hdr(void *data, void *data_end, __u64 off, __u32 len)
{
	void *p = data + off;

	if (p + len > data_end)
		return NULL;
	return p;
}

/* Ethernet and up to two VLAN tags; *off moves past them, *type is the EtherType after. */
VSX_PARSE_FN int vsx_parse_eth(void *data, void *data_end, __u64 *off, struct vsx_flow_key *key,
			       __be16 *type)
{
	struct ethhdr *eth = vsx_hdr(data, data_end, *off, sizeof(*eth));
	struct vsx_vlan_hdr *vh;
	__be16 proto;
	int i;

	if (!eth)
		return VSX_PARSE_TRUNCATED;
	__builtin_memcpy(key->dl_dst, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(key->dl_src, eth->h_source, ETH_ALEN);
	proto = eth->h_proto;
	*off += sizeof(*eth);

	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = vsx_hdr(data, data_end, *off, sizeof(*vh));
		if (!vh)
			return VSX_PARSE_TRUNCATED;
		if (i == 0) {
			key->dl_vlan_tci = vh->tci;
			key->flags |= VSX_KEY_VLAN;
		}
		proto = vh->proto;
		*off += sizeof(*vh);
	}
	key->dl_type = proto;
	*type = proto;
	return VSX_PARSE_OK;
}

/*
 * Whether a 20-byte IPv4 header's checksum is right: the ones'-complement sum of its ten
 * 16-bit words is 0xffff (RFC 1071), summed here as five 32-bit words (RFC 1071's "parallel
 * summation"), as the kernel's ip_fast_csum() does.
 */
VSX_PARSE_FN int vsx_ipv4_csum_ok(const struct iphdr *iph)
{
	const __u32 *w = (const __u32 *)iph;
	__u64 sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/*
 * *ip_len: the length the header states (tot_len); *csum_ok: IHL 5 and a correct checksum,
 * computed only for the outer header (outer != 0): only its checksum is a later stage's fact.
 */
VSX_PARSE_FN int vsx_parse_ipv4(void *data, void *data_end, __u64 *off, struct vsx_pkt *pkt,
				__u8 *proto, __u16 *ip_len, int *csum_ok, int outer)
{
	struct vsx_flow_key *key = &pkt->key;
	struct iphdr *iph = vsx_hdr(data, data_end, *off, sizeof(*iph));
	__u32 hlen;
	__u16 frag;

	if (!iph)
		return VSX_PARSE_TRUNCATED;
	if (iph->version != 4 || iph->ihl < 5)
		return VSX_PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	if (data + *off + hlen > data_end) /* options */
		return VSX_PARSE_TRUNCATED;

	*ip_len = bpf_ntohs(iph->tot_len);
	*csum_ok = outer && hlen == sizeof(*iph) && vsx_ipv4_csum_ok(iph);
	key->nw_tos = iph->tos;
	key->nw_proto = iph->protocol;
	key->nw_src[0] = iph->saddr;
	key->nw_dst[0] = iph->daddr;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & (VSX_IP_MF | VSX_IP_OFFSET)) {
		key->flags |= VSX_KEY_FRAG;
		pkt->frag_id = bpf_htonl(bpf_ntohs(iph->id));
		if (frag & VSX_IP_OFFSET)
			key->flags |= VSX_KEY_LATER_FRAG;
	}
	*proto = iph->protocol;
	*off += hlen;
	return VSX_PARSE_OK;
}

VSX_PARSE_FN int vsx_ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

VSX_PARSE_FN int vsx_parse_ipv6(void *data, void *data_end, __u64 *off, struct vsx_pkt *pkt,
				__u8 *proto, __u16 *ip_len)
{
	struct vsx_flow_key *key = &pkt->key;
	struct ipv6hdr *ip6 = vsx_hdr(data, data_end, *off, sizeof(*ip6));
	struct vsx_ipv6_frag_hdr *fh;
	struct ipv6_opt_hdr *eh;
	__u8 nexthdr;
	__u16 frag;
	__u32 len;
	int i;

	if (!ip6)
		return VSX_PARSE_TRUNCATED;
	if (ip6->version != 6)
		return VSX_PARSE_MALFORMED;

	*ip_len = (__u16)(sizeof(*ip6) + bpf_ntohs(ip6->payload_len));
	/* version (4 bits), traffic class (8 bits), flow label (20 bits) */
	key->nw_tos = (__u8)(bpf_ntohs(*(__be16 *)ip6) >> 4);
	__builtin_memcpy(key->nw_src, &ip6->saddr, sizeof(key->nw_src));
	__builtin_memcpy(key->nw_dst, &ip6->daddr, sizeof(key->nw_dst));
	nexthdr = ip6->nexthdr;
	*off += sizeof(*ip6);

	for (i = 0; i < VSX_PARSE_MAX_EXT; i++) {
		if (!vsx_ipv6_is_ext(nexthdr))
			break;
		if (nexthdr == IPPROTO_FRAGMENT) {
			fh = vsx_hdr(data, data_end, *off, sizeof(*fh));
			if (!fh)
				return VSX_PARSE_TRUNCATED;
			nexthdr = fh->nexthdr;
			*off += sizeof(*fh);
			frag = bpf_ntohs(fh->frag_off);
			if (frag & (VSX_IP6_MF | VSX_IP6_OFFSET)) {
				key->flags |= VSX_KEY_FRAG;
				pkt->frag_id = fh->identification;
			}
			if (frag & VSX_IP6_OFFSET) {
				/* later fragment: what follows is payload, not headers */
				key->flags |= VSX_KEY_LATER_FRAG;
				break;
			}
			continue;
		}
		eh = vsx_hdr(data, data_end, *off, sizeof(*eh));
		if (!eh)
			return VSX_PARSE_TRUNCATED;
		nexthdr = eh->nexthdr;
		len = (eh->hdrlen + 1) * 8;
		if (data + *off + len > data_end)
			return VSX_PARSE_TRUNCATED;
		*off += len;
		if (*off > VSX_PARSE_MAX_OFF)
			return VSX_PARSE_TRUNCATED;
	}
	if (vsx_ipv6_is_ext(nexthdr) && !(key->flags & VSX_KEY_LATER_FRAG))
		return VSX_PARSE_MALFORMED; /* chain longer than we walk */

	key->nw_proto = nexthdr;
	*proto = nexthdr;
	return VSX_PARSE_OK;
}

/* TCP/UDP ports, ICMP/ICMPv6 type and code; other protocols leave tp_* and l4_off 0. */
VSX_PARSE_FN int vsx_parse_l4(void *data, void *data_end, __u64 off, struct vsx_pkt *pkt,
			      __u8 proto, int v6)
{
	struct vsx_flow_key *key = &pkt->key;
	struct tcphdr *th;
	struct udphdr *uh;
	__u8 *icmp;

	if (proto == IPPROTO_TCP) {
		th = vsx_hdr(data, data_end, off, sizeof(*th));
		if (!th)
			return VSX_PARSE_TRUNCATED;
		if (th->doff < 5) /* tcp_v4_rcv/tcp_v6_rcv drop these as bad packets */
			return VSX_PARSE_MALFORMED;
		/*
		 * The options, as tcp_v4_rcv pulls them (doff * 4 bytes); Linux checks that on the
		 * reassembled segment, so a fragment's (inner or outer) options may go on in the
		 * next fragment.
		 */
		if (!(key->flags & VSX_KEY_FRAG) && !(pkt->facts & VSX_PKT_OUTER_FRAG) &&
		    !vsx_hdr(data, data_end, off, th->doff * 4u))
			return VSX_PARSE_TRUNCATED;
		key->tp_src = th->source;
		key->tp_dst = th->dest;
		pkt->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		uh = vsx_hdr(data, data_end, off, sizeof(*uh));
		if (!uh)
			return VSX_PARSE_TRUNCATED;
		key->tp_src = uh->source;
		key->tp_dst = uh->dest;
	} else if ((proto == IPPROTO_ICMP && !v6) || (proto == IPPROTO_ICMPV6 && v6)) {
		icmp = vsx_hdr(data, data_end, off, 4); /* type, code, checksum */
		if (!icmp)
			return VSX_PARSE_TRUNCATED;
		key->tp_src = bpf_htons(icmp[0]);
		key->tp_dst = bpf_htons(icmp[1]);
	} else {
		return VSX_PARSE_OK;
	}
	pkt->l4_off = (__u16)off;
	return VSX_PARSE_OK;
}

/*
 * The UDP header at off goes to the VXLAN port. Returns VSX_PARSE_TUNNEL after moving the
 * outer fields to the tunnel part of the key, VSX_PARSE_OK when the I flag is clear.
 */
VSX_PARSE_FN int vsx_parse_vxlan(void *data, void *data_end, __u64 off, struct vsx_pkt *pkt, int v6,
				 int fcf_enabled)
{
	struct vsx_flow_key *key = &pkt->key;
	struct udphdr *uh = vsx_hdr(data, data_end, off, sizeof(*uh) + sizeof(struct vxlanhdr));
	struct vxlanhdr *vx;
	int i;

	if (!uh)
		return VSX_PARSE_TRUNCATED;
	vx = (struct vxlanhdr *)(uh + 1);
	if (!(vx->vx_flags & bpf_htonl(VSX_VXLAN_FLAG_I))) {
		pkt->facts |= VSX_PKT_VXLAN_NO_I;
		return VSX_PARSE_OK;
	}

	/* what the outer headers say that the key does not keep */
	pkt->outer_l4_off = (__u16)off;
	pkt->outer_udp_len = bpf_ntohs(uh->len);
	pkt->outer_sport = uh->source;
	if (uh->check)
		pkt->facts |= VSX_PKT_OUTER_UDP_CSUM;
	/* vxlan_rcv without GBP/GPE/RCO: the I flag alone, and the byte after the VNI zero */
	if (vx->vx_flags != bpf_htonl(VSX_VXLAN_FLAG_I) || (vx->vx_vni & bpf_htonl(0xff)))
		pkt->facts |= VSX_PKT_VXLAN_RSVD;
	if (key->flags & VSX_KEY_VLAN)
		pkt->facts |= VSX_PKT_OUTER_VLAN;
	__builtin_memcpy(pkt->outer_dl_dst, key->dl_dst, ETH_ALEN);

	if (key->flags & VSX_KEY_FRAG) {
		pkt->facts |= VSX_PKT_OUTER_FRAG;
		pkt->outer_frag_id = pkt->frag_id;
		pkt->frag_id = 0;
	}
	key->flags = VSX_KEY_TUNNEL | (v6 ? VSX_KEY_OUTER_V6 : 0);
	key->vni = bpf_htonl(bpf_ntohl(vx->vx_vni) >> 8);
	key->fcf = fcf_enabled ? pkt->outer_tos : 0;
	for (i = 0; i < 4; i++) {
		key->outer_src[i] = key->nw_src[i];
		key->outer_dst[i] = key->nw_dst[i];
		key->nw_src[i] = 0;
		key->nw_dst[i] = 0;
	}
	key->dl_vlan_tci = 0;
	key->nw_tos = 0;
	key->nw_proto = 0;
	key->tp_src = 0;
	key->tp_dst = 0;
	pkt->l4_off = 0;
	pkt->inner_l2_off = (__u16)(off + sizeof(struct udphdr) + sizeof(*vx));
	return VSX_PARSE_TUNNEL;
}

/*
 * Parses the packet in [data, data_end) into *pkt, which it zeroes first (the caller need
 * not). in_port goes to key.in_port; vxlan_port is the VXLAN UDP destination port in
 * network order (0: no VXLAN); fcf_enabled makes key.fcf the outer ToS of tunnelled packets.
 * Returns an enum vsx_parse_status.
 */
VSX_PARSE_FN int vsx_parse(void *data, void *data_end, __u32 in_port, __be16 vxlan_port,
			   int fcf_enabled, struct vsx_pkt *pkt)
{
	struct vsx_flow_key *key = &pkt->key;
	__u64 off = 0, l3_off;
	__be16 dl_type;
	__u8 proto = 0;
	__u16 ip_len = 0;
	int layer, ret, v6, csum_ok = 0;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	/*
	 * Keep *pkt in memory: a caller's stack pkt that does not otherwise escape would be
	 * split into dozens of registers and spill slots, which triples the program.
	 */
	asm volatile("" : : "r"(pkt) : "memory");
	key->in_port = in_port;

	/* layer 0: the packet as received; layer 1: the frame inside VXLAN */
#ifdef __clang__
#pragma clang loop unroll(disable)
#endif
	for (layer = 0; layer < 2; layer++) {
		off = vsx_forget_off(data, off);
		if (off > VSX_PARSE_MAX_OFF)
			return VSX_PARSE_TRUNCATED;
		ret = vsx_parse_eth(data, data_end, &off, key, &dl_type);
		if (ret != VSX_PARSE_OK)
			return ret;

		l3_off = off;
		v6 = dl_type == bpf_htons(ETH_P_IPV6);
		if (dl_type == bpf_htons(ETH_P_IP)) {
			ret = vsx_parse_ipv4(data, data_end, &off, pkt, &proto, &ip_len, &csum_ok,
					     layer == 0);
		} else if (v6) {
			ret = vsx_parse_ipv6(data, data_end, &off, pkt, &proto, &ip_len);
		} else {
			if (layer)
				pkt->facts |= VSX_PKT_INNER_NON_IP;
			return VSX_PARSE_NON_IP;
		}
		if (ret != VSX_PARSE_OK)
			return ret;
		if (off > VSX_PARSE_MAX_OFF)
			return VSX_PARSE_TRUNCATED;
		if (layer == 0) {
			pkt->outer_l3_off = (__u16)l3_off;
			pkt->outer_tos = key->nw_tos;
			pkt->outer_ip_len = ip_len;
			if (csum_ok)
				pkt->facts |= VSX_PKT_OUTER_CSUM_OK;
		} else {
			pkt->inner_l3_off = (__u16)l3_off;
			pkt->inner_ip_len = ip_len;
		}
		if (key->flags & VSX_KEY_LATER_FRAG)
			return VSX_PARSE_OK;

		ret = vsx_parse_l4(data, data_end, off, pkt, proto, v6);
		if (ret != VSX_PARSE_OK)
			return ret;
		if (layer != 0 || proto != IPPROTO_UDP || !vxlan_port || key->tp_dst != vxlan_port)
			return VSX_PARSE_OK;
		ret = vsx_parse_vxlan(data, data_end, off, pkt, v6, fcf_enabled);
		if (ret != VSX_PARSE_TUNNEL)
			return ret;
		off += sizeof(struct udphdr) + sizeof(struct vxlanhdr);
	}
	return VSX_PARSE_OK; /* not reached: layer 1 always returns */
}

#endif
