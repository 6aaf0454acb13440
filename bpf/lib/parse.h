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
 */
#ifndef VSX_BPF_PARSE_H
#define VSX_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/icmp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <vsx/flow_key.h>

enum vsx_parse_status {
	VSX_PARSE_OK = 0,
	VSX_PARSE_NON_IP = 1,    /* Ethernet frame that is neither IPv4 nor IPv6: key has L2 only */
	VSX_PARSE_TRUNCATED = 2, /* a header runs past the end of the packet */
	VSX_PARSE_MALFORMED = 3, /* impossible field: IPv4 IHL < 5 or version != 4, ... */
};

/* vsx_pkt.facts */
enum {
	VSX_PKT_VXLAN_NO_I = 1 << 0, /* UDP to the VXLAN port without the I flag: not a tunnel */
	VSX_PKT_INNER_NON_IP = 1 << 1, /* tunnelled frame whose inner packet is not IP */
};

struct vsx_pkt {
	struct vsx_flow_key key;
	__u16 outer_l3_off; /* offset of the outer (or only) IP header */
	__u16 inner_l2_off; /* offset of the inner Ethernet header; 0 when not tunnelled */
	__u16 inner_l3_off; /* offset of the inner IP header; 0 when not tunnelled or non-IP */
	__u16 l4_off;       /* offset of the (inner) L4 header; 0 when absent */
	__be32 frag_id;     /* IPv4 identification or IPv6 fragment id, when VSX_KEY_FRAG */
	__u8 outer_tos;     /* outer ToS / traffic class byte as received */
	__u8 facts;         /* VSX_PKT_* */
	__u16 _pad;
};

#endif
