/* SPDX-License-Identifier: MIT */
/*
 * Private to the rule code (rule.c: the rule and its validation; rule_text.c: the text
 * syntax): protocol numbers, flow-key bit groups and small byte helpers both need.
 */
#ifndef VSX_RULE_BITS_H
#define VSX_RULE_BITS_H

#include <stdbool.h>
#include <stddef.h>

#include "vsx/flow_key.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_ARP 0x0806
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132

#define KEY_FLAGS_ALL                                                                              \
	(VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6 | VSX_KEY_VLAN | VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)
#define FRAG_BITS (VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)

#define TCI_VID 0x0fff
#define TCI_DEI 0x1000 /* in vlan_tci text: "a tag is present", as in ovs-ofctl */
#define TCI_PCP 0xe000
#define VNI_MAX 0xffffff

static inline bool bytes_zero(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static inline bool bytes_ones(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

static inline bool is_icmp(__u8 proto, bool ip4, bool ip6)
{
	return (proto == PROTO_ICMP && ip4) || (proto == PROTO_ICMPV6 && ip6);
}

#endif
