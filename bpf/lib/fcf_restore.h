/* SPDX-License-Identifier: MIT */
/*
 * Receive side of the Flow Control Field. The sender's egress program wrote the FCF into
 * the whole outer ToS byte, ECN bits included (include/vsx/fcf.h). Left there, the kernel's
 * VXLAN device would read those bits as ECN: it drops a packet whose outer ECN is CE while
 * the inner packet is Not-ECT (RFC 6040). So once the FCF has been read into the flow key,
 * the outer byte is put back to what "tos inherit" would have sent: the inner packet's
 * ToS / traffic class, which makes decapsulation leave the inner ECN exactly as it is.
 */
#ifndef VSX_BPF_FCF_RESTORE_H
#define VSX_BPF_FCF_RESTORE_H

#include "parse.h"

/* RFC 1624 incremental update of a ones'-complement checksum for one 16-bit word. */
static __always_inline void vsx_csum_replace2(__sum16 *sum, __be16 old, __be16 new)
{
	__u32 c = (~bpf_ntohs(*sum) & 0xffff) + (~bpf_ntohs(old) & 0xffff) + bpf_ntohs(new);

	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	*sum = bpf_htons(~c & 0xffff);
}

static __always_inline void vsx_ipv6_set_tclass(struct ipv6hdr *ip6, __u8 tc)
{
	__u8 *b = (__u8 *)ip6;

	b[0] = (b[0] & 0xf0) | (tc >> 4);
	b[1] = (b[1] & 0x0f) | ((tc & 0x0f) << 4);
}

/*
 * Writes the outer IPv4 ToS (fixing the header checksum) or IPv6 traffic class. The egress
 * program writes the FCF with it; the restore below puts the inner ToS back with it.
 * Returns 0, or -1 when the header is not in the packet.
 */
static __always_inline int vsx_set_outer_tos(void *data, void *data_end, const struct vsx_pkt *pkt,
					     __u8 tos)
{
	__u16 off = pkt->outer_l3_off;

	if (off > 64)
		return -1;
	if (pkt->key.flags & VSX_KEY_OUTER_V6) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		vsx_ipv6_set_tclass(ip6, tos);
	} else {
		struct iphdr *ip = data + off;
		__be16 old, new;

		if ((void *)(ip + 1) > data_end)
			return -1;
		old = *(__be16 *)ip;
		ip->tos = tos;
		new = *(__be16 *)ip;
		vsx_csum_replace2(&ip->check, old, new);
	}
	return 0;
}

/*
 * Returns 1 when the outer byte was rewritten, 0 when it already matched, -1 on error. The
 * byte "tos inherit" derives from the inner packet is its ToS / traffic class, which the
 * parser has read into the key (nw_tos: a tunnelled packet's key describes the inner packet;
 * the uplink program only restores parsed IP-in-VXLAN packets), so the restore reads no
 * header but the outer one it rewrites, at the offset the parser recorded.
 */
static __always_inline int vsx_fcf_restore(void *data, void *data_end, const struct vsx_pkt *pkt)
{
	if (pkt->key.nw_tos == pkt->outer_tos)
		return 0;
	return vsx_set_outer_tos(data, data_end, pkt, pkt->key.nw_tos) ? -1 : 1;
}

#endif
