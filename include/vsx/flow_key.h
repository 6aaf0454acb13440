/* SPDX-License-Identifier: MIT */
/*
 * The flow key: every field a steering rule can match, as the parser extracts it from a
 * packet. For tunnelled (VXLAN) packets the L2-L4 fields describe the inner packet and the
 * outer_* fields, vni and fcf the tunnel. The same layout serves as the rule mask, so a rule
 * is a (key, mask) pair and matching is (packet_key & mask) == rule_key.
 *
 * Byte order: every multi-byte field is in network order, exactly as on the wire, so the
 * datapath never converts. IPv4 addresses sit in word [0] of the 16-byte address fields with
 * the other words zero; dl_type (inner) and VSX_KEY_OUTER_V6 (outer) tell the family.
 */
#ifndef VSX_FLOW_KEY_H
#define VSX_FLOW_KEY_H

#include "compat.h"

/* flow_key.flags */
enum {
	VSX_KEY_TUNNEL = 1 << 0,     /* VXLAN with the I flag: vni, fcf, outer_* are valid */
	VSX_KEY_OUTER_V6 = 1 << 1,   /* outer header is IPv6 */
	VSX_KEY_VLAN = 1 << 2,       /* dl_vlan_tci holds a VLAN tag */
	VSX_KEY_FRAG = 1 << 3,       /* IP fragment (first or later) */
	VSX_KEY_LATER_FRAG = 1 << 4, /* fragment with a non-zero offset: no L4 header */
};

struct vsx_flow_key {
	__u32 in_port; /* ifindex the packet arrived on (host order) */
	__be32 vni;    /* VXLAN network identifier, low 24 bits of the big-endian word */
	__u8 dl_src[6];
	__u8 dl_dst[6];
	__be16 dl_vlan_tci; /* first VLAN tag (PCP, DEI, VID) when VSX_KEY_VLAN */
	__be16 dl_type;     /* EtherType after the VLAN tags */
	__u8 nw_proto;
	__u8 nw_tos; /* IPv4 ToS / IPv6 traffic class of the (inner) packet */
	__u8 fcf;    /* outer Flow Control Field byte, see fcf.h; 0 when not tunnelled */
	__u8 flags;  /* VSX_KEY_* */
	__be16 tp_src; /* TCP/UDP port; ICMP type as OpenFlow 1.0 does */
	__be16 tp_dst; /* TCP/UDP port; ICMP code */
	__be32 nw_src[4];
	__be32 nw_dst[4];
	__be32 outer_src[4];
	__be32 outer_dst[4];
};
VSX_ASSERT_SIZE(struct vsx_flow_key, 96);

#endif
