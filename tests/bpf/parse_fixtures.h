/* SPDX-License-Identifier: MIT */
/*
 * The parser's fixtures (tests/bpf/test_parse.c): every packet shape the parser decides on,
 * with its expected status and fields. Shared with tests/bpf/test_offload.c, which checks that
 * none the parser refuses takes the RX fast path. Include after cmocka.h and lib/pktbuild.h.
 */
#ifndef VSX_TEST_PARSE_FIXTURES_H
#define VSX_TEST_PARSE_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/pktbuild.h"
#include "parse_probe.h"

/* ---- fixtures ---- */

/* What a fixture expects, host order; addresses and MACs as text. */
struct expect {
	int status;
	uint8_t flags; /* VSX_KEY_* */
	uint8_t facts; /* VSX_PKT_* */
	uint32_t vni;
	const char *dl_src, *dl_dst; /* NULL: the builder's default (inner one when tunnelled) */
	uint16_t vlan_tci, dl_type;
	uint8_t nw_proto, nw_tos, fcf;
	uint16_t tp_src, tp_dst;
	const char *nw_src, *nw_dst, *outer_src, *outer_dst; /* NULL: all zero */
	uint16_t outer_l3_off, inner_l2_off, inner_l3_off, l4_off;
	uint32_t frag_id, outer_frag_id;
	uint8_t outer_tos;
};

struct fixture {
	const char *desc;
	struct pb_layer pkt[16];
	/* IP fragment frag_index of the packet above, frag_chunk payload bytes each */
	size_t frag_chunk;
	unsigned int frag_index;
	uint32_t frag_id; /* IPv6 fragment header id */
	const struct pb_tunnel *wrap; /* then encapsulated in VXLAN with these outer headers */
	struct {
		uint16_t off;
		uint8_t val;
		bool set;
	} poke; /* last, this byte is overwritten (what the builder cannot express) */
	uint16_t vxlan_port;          /* probe configuration; 0: 4789 */
	bool no_vxlan;                /* vxlan_port 0 */
	bool fcf;
	struct expect exp;
	/* bytes the parser needs; 0: l4_off + the L4 header when l4_off is set, else unchecked */
	uint16_t hdr_len;
};

#define OK .status = VSX_PARSE_OK
#define NON_IP .status = VSX_PARSE_NON_IP
#define TRUNC .status = VSX_PARSE_TRUNCATED
#define BAD .status = VSX_PARSE_MALFORMED
/* addresses of the default outer and inner IPv4 / IPv6 headers */
#define IP4 .nw_src = PB_IP4_SRC, .nw_dst = PB_IP4_DST
#define IP6 .nw_src = PB_IP6_SRC, .nw_dst = PB_IP6_DST
#define IN4 .nw_src = PB_IP4_IN_SRC, .nw_dst = PB_IP4_IN_DST
#define IN6 .nw_src = PB_IP6_IN_SRC, .nw_dst = PB_IP6_IN_DST
#define OUT4 .outer_src = PB_IP4_SRC, .outer_dst = PB_IP4_DST
#define OUT6 .outer_src = PB_IP6_SRC, .outer_dst = PB_IP6_DST
#define ETH_IP 0x0800
#define ETH_IP6 0x86dd
#define T VSX_KEY_TUNNEL
#define T6 (VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6)
#define FRAG VSX_KEY_FRAG
#define LATER (VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)
/* the data offset nibble of the TCP header at l4 (flags' high bits 0, as the builder writes) */
#define DOFF(l4, doff) { .off = (l4) + 12, .val = (doff) << 4, .set = true }

static const uint8_t opt_ra_nop[] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
/* NOPs, then a timestamp option */
static const uint8_t opt_40[40] = { 0x01, 0x01, 0x01, 0x01, 0x44, 0x24, 0x05 };
static const uint8_t vxlan_7[7] = { 0x08 };
static const uint8_t esp[16] = { 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00, 0x01 };

static const struct fixture fixtures[] = {
	/* ---- plain IPv4 / IPv6 ---- */
	{ "IPv4 UDP",
	  { PB_ETH(), PB_IPV4(.tos = 0x10), PB_UDP(1000, 2000), PB_FILL(16), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .nw_tos = 0x10, .tp_src = 1000,
		   .tp_dst = 2000, .outer_l3_off = 14, .l4_off = 34, .outer_tos = 0x10 } },
	{ "IPv4 TCP SYN",
	  { PB_ETH(), PB_IPV4(), PB_TCP(40000, 80, PB_TCP_SYN), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 40000, .tp_dst = 80,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv4 ICMP echo request: tp_src = type, tp_dst = code",
	  { PB_ETH(), PB_IPV4(), PB_ICMP(8, 0), PB_FILL(8), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 1, .tp_src = 8, .tp_dst = 0,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv4 ICMP port unreachable",
	  { PB_ETH(), PB_IPV4(.src = "198.51.100.7", .dst = "203.0.113.9"), PB_ICMP(3, 3),
	    PB_END },
	  .exp = { OK, .nw_src = "198.51.100.7", .nw_dst = "203.0.113.9", .dl_type = ETH_IP,
		   .nw_proto = 1, .tp_src = 3, .tp_dst = 3, .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv4 GRE: no ports",
	  { PB_ETH(), PB_IPV4(.proto = 47), PB_FILL(20), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 47, .outer_l3_off = 14 },
	  .hdr_len = 34 },
	{ "IPv4 AH is not walked",
	  { PB_ETH(), PB_IPV4(.proto = 51), PB_FILL(24), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 51, .outer_l3_off = 14 },
	  .hdr_len = 34 },
	{ "IPv6 UDP, traffic class 0xb8, flow label",
	  { PB_ETH(), PB_IPV6(.tos = 0xb8, .flow_label = 0x12345), PB_UDP(53, 5353), PB_FILL(3),
	    PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 17, .nw_tos = 0xb8, .tp_src = 53,
		   .tp_dst = 5353, .outer_l3_off = 14, .l4_off = 54, .outer_tos = 0xb8 } },
	{ "IPv6 TCP",
	  { PB_ETH(), PB_IPV6(), PB_TCP(443, 50000, PB_TCP_ACK), PB_FILL(100), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 443, .tp_dst = 50000,
		   .outer_l3_off = 14, .l4_off = 54 } },
	{ "IPv6 ICMPv6 echo request",
	  { PB_ETH(), PB_IPV6(), PB_ICMP6(128, 0), PB_FILL(8), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 58, .tp_src = 128, .outer_l3_off = 14,
		   .l4_off = 54 } },
	{ "IPv6 ICMPv6 neighbour solicitation",
	  { PB_ETH(.dst = "33:33:ff:00:00:02"), PB_IPV6(.ttl = 255, .dst = "ff02::1:ff00:2"),
	    PB_ICMP6(135, 0), PB_FILL(16), PB_END },
	  .exp = { OK, .dl_dst = "33:33:ff:00:00:02", .nw_src = PB_IP6_SRC,
		   .nw_dst = "ff02::1:ff00:2", .dl_type = ETH_IP6, .nw_proto = 58, .tp_src = 135,
		   .outer_l3_off = 14, .l4_off = 54 } },
	{ "IPv6 next header 1 is not ICMP: no type/code",
	  { PB_ETH(), PB_IPV6(.proto = 1), PB_FILL(8), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 1, .outer_l3_off = 14 },
	  .hdr_len = 54 },
	{ "IPv6 ESP ends the walk",
	  { PB_ETH(), PB_IPV6(.proto = 50), PB_BYTES(esp, sizeof(esp)), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 50, .outer_l3_off = 14 },
	  .hdr_len = 54 },
	{ "IPv6 hop-by-hop, then AH (not walked)",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8), PB_PROTO(51), PB_FILL(24), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 51, .outer_l3_off = 14 },
	  .hdr_len = 62 },
	{ "IPv6 no next header (59)",
	  { PB_ETH(), PB_IPV6(.proto = 59), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 59, .outer_l3_off = 14 },
	  .hdr_len = 54 },

	/* ---- VLAN ---- */
	{ "802.1Q tag, IPv4 UDP",
	  { PB_ETH(.n_vlan = 1, .vlan = { 0x2064 }), PB_IPV4(), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP4, .flags = VSX_KEY_VLAN, .vlan_tci = 0x2064, .dl_type = ETH_IP,
		   .nw_proto = 17, .tp_src = 1, .tp_dst = 2, .outer_l3_off = 18, .l4_off = 38 } },
	{ "802.1ad + 802.1Q tags, IPv6 TCP: the outer tag is in the key",
	  { PB_ETH(.n_vlan = 2, .vlan = { 0xe0c8, 0x0064 }), PB_IPV6(), PB_TCP(1, 2, 0), PB_END },
	  .exp = { OK, IP6, .flags = VSX_KEY_VLAN, .vlan_tci = 0xe0c8, .dl_type = ETH_IP6,
		   .nw_proto = 6, .tp_src = 1, .tp_dst = 2, .outer_l3_off = 22, .l4_off = 62 } },
	{ "two 802.1Q (0x8100) tags",
	  { PB_ETH(.n_vlan = 2, .vlan = { 0x0001, 0x0002 }, .tpid = { 0x8100, 0x8100 }),
	    PB_IPV4(), PB_ICMP(0, 0), PB_END },
	  .exp = { OK, IP4, .flags = VSX_KEY_VLAN, .vlan_tci = 0x0001, .dl_type = ETH_IP,
		   .nw_proto = 1, .outer_l3_off = 22, .l4_off = 42 } },
	{ "priority tag (VID 0)",
	  { PB_ETH(.n_vlan = 1, .vlan = { 0xa000 }), PB_IPV4(), PB_UDP(7, 9), PB_END },
	  .exp = { OK, IP4, .flags = VSX_KEY_VLAN, .vlan_tci = 0xa000, .dl_type = ETH_IP,
		   .nw_proto = 17, .tp_src = 7, .tp_dst = 9, .outer_l3_off = 18, .l4_off = 38 } },
	{ "a third VLAN tag is not parsed: NON_IP, dl_type 0x8100",
	  { PB_ETH(.n_vlan = 2, .vlan = { 5, 6 }, .type = 0x8100), PB_FILL(30), PB_END },
	  .exp = { NON_IP, .flags = VSX_KEY_VLAN, .vlan_tci = 5, .dl_type = 0x8100 },
	  .hdr_len = 22 },

	/* ---- IPv4 options, IPv6 extension headers ---- */
	{ "IPv4 options (IHL 7)",
	  { PB_ETH(), PB_IPV4(.opt = opt_ra_nop, .opt_len = sizeof(opt_ra_nop)), PB_UDP(5, 6),
	    PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 5, .tp_dst = 6,
		   .outer_l3_off = 14, .l4_off = 42 } },
	{ "IPv4 IHL 15 (40 bytes of options)",
	  { PB_ETH(), PB_IPV4(.opt = opt_40, .opt_len = sizeof(opt_40)), PB_TCP(5, 6, 0),
	    PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 5, .tp_dst = 6,
		   .outer_l3_off = 14, .l4_off = 74 } },
	{ "IPv4 options, no L4: options must be complete",
	  { PB_ETH(), PB_IPV4(.proto = 47, .opt = opt_40, .opt_len = sizeof(opt_40)), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 47, .outer_l3_off = 14 },
	  .hdr_len = 74 },
	{ "IPv6 hop-by-hop, routing, destination options, TCP",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8), PB_EXT(PB_EXT_ROUTING, 24),
	    PB_EXT(PB_EXT_DSTOPTS, 16), PB_TCP(22, 1022, PB_TCP_SYN), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 22, .tp_dst = 1022,
		   .outer_l3_off = 14, .l4_off = 102 } },
	{ "IPv6 8 extension headers (the limit), UDP",
	  { PB_ETH(), PB_IPV6(), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8),
	    PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 118 } },
	{ "IPv6 9 extension headers: MALFORMED",
	  { PB_ETH(), PB_IPV6(), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8),
	    PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8), PB_EXT(60, 8),
	    PB_UDP(1, 2), PB_END },
	  .exp = { BAD } },
	{ "IPv6 long hop-by-hop header (256 bytes)",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 256), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 310 } },

	/* ---- non-IP ---- */
	{ "ARP request: NON_IP, L2 only",
	  { PB_ETH(.dst = "ff:ff:ff:ff:ff:ff"), PB_ARP(1), PB_END },
	  .exp = { NON_IP, .dl_dst = "ff:ff:ff:ff:ff:ff", .dl_type = 0x0806 },
	  .hdr_len = 14 },
	{ "LLDP with a VLAN tag: NON_IP",
	  { PB_ETH(.n_vlan = 1, .vlan = { 3 }, .type = 0x88cc), PB_FILL(40), PB_END },
	  .exp = { NON_IP, .flags = VSX_KEY_VLAN, .vlan_tci = 3, .dl_type = 0x88cc },
	  .hdr_len = 18 },

	/* ---- VXLAN ---- */
	{ "VXLAN/IPv4, inner IPv4 UDP, 64-byte inner frame",
	  { PB_TUNNEL(.vni = 100), PB_ETH(), PB_IPV4(.tos = 0x28), PB_UDP(1000, 2000),
	    PB_PAD_TO(64), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .nw_tos = 0x28, .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84 } },
	/* facts for the fast path's checks (expect_facts() reads what they should be) */
	{ "VXLAN/IPv4, outer IPv4 checksum wrong: no OUTER_CSUM_OK",
	  { PB_TUNNEL(.vni = 100), PB_ETH(), PB_IPV4(.tos = 0x28), PB_UDP(1000, 2000),
	    PB_PAD_TO(64), PB_END },
	  .poke = { .off = 24, .val = 0x5a, .set = true },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .nw_tos = 0x28, .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84 } },
	{ "VXLAN/IPv4, a reserved VXLAN flag: VXLAN_RSVD",
	  { PB_TUNNEL(.vni = 100), PB_ETH(), PB_IPV4(), PB_UDP(1000, 2000), PB_END },
	  .poke = { .off = 43, .val = 0x01, .set = true },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14, .inner_l2_off = 50,
		   .inner_l3_off = 64, .l4_off = 84 } },
	{ "VXLAN/IPv4, the byte after the VNI set: VXLAN_RSVD",
	  { PB_TUNNEL(.vni = 100), PB_ETH(), PB_IPV4(), PB_UDP(1000, 2000), PB_END },
	  .poke = { .off = 49, .val = 0x80, .set = true },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14, .inner_l2_off = 50,
		   .inner_l3_off = 64, .l4_off = 84 } },
	{ "VXLAN/IPv4, outer UDP checksum set: OUTER_UDP_CSUM",
	  { PB_TUNNEL(.vni = 100), PB_ETH(), PB_IPV4(), PB_TCP(5, 6, PB_TCP_FIN | PB_TCP_ACK),
	    PB_END },
	  .poke = { .off = 41, .val = 0x77, .set = true },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 6,
		   .tp_src = 5, .tp_dst = 6, .outer_l3_off = 14, .inner_l2_off = 50,
		   .inner_l3_off = 64, .l4_off = 84 } },
	{ "VXLAN/IPv4, FCF on: fcf = outer ToS",
	  { PB_TUNNEL(.ip.tos = 0x85, .vni = 100), PB_ETH(), PB_IPV4(.tos = 0x04),
	    PB_UDP(1000, 2000), PB_END },
	  .fcf = true,
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .nw_tos = 0x04, .fcf = 0x85, .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84, .outer_tos = 0x85 } },
	{ "VXLAN/IPv4, FCF off: fcf 0, outer_tos still reported",
	  { PB_TUNNEL(.ip.tos = 0x85, .vni = 100), PB_ETH(), PB_IPV4(.tos = 0x04),
	    PB_UDP(1000, 2000), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 100, .dl_type = ETH_IP, .nw_proto = 17,
		   .nw_tos = 0x04, .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84, .outer_tos = 0x85 } },
	{ "VXLAN/IPv4, inner IPv6 TCP, VNI 0x123456",
	  { PB_TUNNEL(.vni = 0x123456), PB_ETH(), PB_IPV6(.tos = 0x30), PB_TCP(1, 2, 0),
	    PB_END },
	  .exp = { OK, OUT4, IN6, .flags = T, .vni = 0x123456, .dl_type = ETH_IP6, .nw_proto = 6,
		   .nw_tos = 0x30, .tp_src = 1, .tp_dst = 2, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 104 } },
	{ "VXLAN/IPv6, inner IPv4 ICMP, FCF from the traffic class",
	  { PB_TUNNEL(.v6 = true, .ip.tos = 0x41, .vni = 7), PB_ETH(), PB_IPV4(), PB_ICMP(8, 0),
	    PB_END },
	  .fcf = true,
	  .exp = { OK, OUT6, IN4, .flags = T6, .vni = 7, .dl_type = ETH_IP, .nw_proto = 1,
		   .fcf = 0x41, .tp_src = 8, .outer_l3_off = 14, .inner_l2_off = 70,
		   .inner_l3_off = 84, .l4_off = 104, .outer_tos = 0x41 } },
	{ "VXLAN/IPv6, inner IPv6 UDP, VNI 0xffffff",
	  { PB_TUNNEL(.v6 = true, .vni = 0xffffff), PB_ETH(), PB_IPV6(), PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT6, IN6, .flags = T6, .vni = 0xffffff, .dl_type = ETH_IP6,
		   .nw_proto = 17, .tp_src = 3, .tp_dst = 4, .outer_l3_off = 14,
		   .inner_l2_off = 70, .inner_l3_off = 84, .l4_off = 124 } },
	{ "VXLAN, VNI 0",
	  { PB_TUNNEL(.vni = 0), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 3,
		   .tp_dst = 4, .outer_l3_off = 14, .inner_l2_off = 50, .inner_l3_off = 64,
		   .l4_off = 84 } },
	{ "VXLAN, inner 802.1Q tag",
	  { PB_TUNNEL(.vni = 5), PB_ETH(.n_vlan = 1, .vlan = { 0x0005 }), PB_IPV4(),
	    PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T | VSX_KEY_VLAN, .vni = 5, .vlan_tci = 5,
		   .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 3, .tp_dst = 4, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 68, .l4_off = 88 } },
	{ "VXLAN in a VLAN, inner 2 tags: only the inner tag is in the key",
	  { PB_TUNNEL(.eth = { .n_vlan = 1, .vlan = { 0x0777 } }, .vni = 5),
	    PB_ETH(.n_vlan = 2, .vlan = { 0x0010, 0x0020 }), PB_IPV6(), PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT4, IN6, .flags = T | VSX_KEY_VLAN, .vni = 5, .vlan_tci = 0x0010,
		   .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 3, .tp_dst = 4,
		   .outer_l3_off = 18, .inner_l2_off = 54, .inner_l3_off = 76, .l4_off = 116 } },
	{ "VXLAN in a VLAN, untagged inner: no VLAN in the key",
	  { PB_TUNNEL(.eth = { .n_vlan = 1, .vlan = { 0x0777 } }, .vni = 5), PB_ETH(),
	    PB_IPV4(), PB_TCP(3, 4, 0), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 5, .dl_type = ETH_IP, .nw_proto = 6,
		   .tp_src = 3, .tp_dst = 4, .outer_l3_off = 18, .inner_l2_off = 54,
		   .inner_l3_off = 68, .l4_off = 88 } },
	{ "VXLAN on the configured port 8472",
	  { PB_TUNNEL(.dport = 8472, .vni = 42), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .vxlan_port = 8472,
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 42, .dl_type = ETH_IP, .nw_proto = 17,
		   .tp_src = 3, .tp_dst = 4, .outer_l3_off = 14, .inner_l2_off = 50,
		   .inner_l3_off = 64, .l4_off = 84 } },
	{ "UDP to 4789 when the VXLAN port is 8472: plain UDP",
	  { PB_TUNNEL(.vni = 42), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .vxlan_port = 8472,
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = PB_VXLAN_SPORT,
		   .tp_dst = 4789, .outer_l3_off = 14, .l4_off = 34 } },
	{ "VXLAN port 0 disables VXLAN: plain UDP",
	  { PB_TUNNEL(.vni = 42), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .no_vxlan = true,
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = PB_VXLAN_SPORT,
		   .tp_dst = 4789, .outer_l3_off = 14, .l4_off = 34 } },
	{ "VXLAN without the I flag: the outer UDP packet, VXLAN_NO_I",
	  { PB_TUNNEL(.no_i = true, .vni = 42), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .fcf = true,
	  .exp = { OK, IP4, .facts = VSX_PKT_VXLAN_NO_I, .dl_type = ETH_IP, .nw_proto = 17,
		   .tp_src = PB_VXLAN_SPORT, .tp_dst = 4789, .outer_l3_off = 14, .l4_off = 34 },
	  .hdr_len = 50 },
	{ "VXLAN, inner ARP: NON_IP with the tunnel fields and inner L2",
	  { PB_TUNNEL(.ip.tos = 0x02, .vni = 9), PB_ETH(), PB_ARP(2), PB_END },
	  .fcf = true,
	  .exp = { NON_IP, OUT4, .flags = T, .facts = VSX_PKT_INNER_NON_IP, .vni = 9,
		   .dl_type = 0x0806, .fcf = 0x02, .outer_l3_off = 14, .inner_l2_off = 50,
		   .outer_tos = 0x02 },
	  .hdr_len = 64 },
	{ "VXLAN, inner IPv4 with IHL 3: MALFORMED",
	  { PB_TUNNEL(.vni = 9), PB_ETH(), PB_IPV4(.ihl = 3), PB_UDP(1, 2), PB_END },
	  .exp = { BAD } },
	{ "VXLAN with 7 bytes of VXLAN header: TRUNCATED",
	  { PB_ETH(), PB_IPV4(), PB_UDP(PB_VXLAN_SPORT, 4789), PB_BYTES(vxlan_7, 7), PB_END },
	  .exp = { TRUNC } },
	{ "VXLAN header without an inner frame: TRUNCATED",
	  { PB_TUNNEL(.vni = 9), PB_END },
	  .exp = { TRUNC } },
	{ "VXLAN in VXLAN: the inner VXLAN is not decapsulated",
	  { PB_TUNNEL(.vni = 1), PB_TUNNEL(.vni = 2), PB_ETH(), PB_IPV4(), PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .vni = 1, .dl_type = ETH_IP, .nw_proto = 17,
		   .tp_src = PB_VXLAN_SPORT, .tp_dst = 4789, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84 } },

	/* ---- fragments ---- */
	{ "IPv4 first fragment: ports, FRAG, frag_id",
	  { PB_ETH(), PB_IPV4(.id = 0x1234), PB_UDP(1000, 2000), PB_FILL(200), PB_END },
	  .frag_chunk = 64, .frag_index = 0,
	  .exp = { OK, IP4, .flags = FRAG, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 1000,
		   .tp_dst = 2000, .outer_l3_off = 14, .l4_off = 34, .frag_id = 0x1234 } },
	{ "IPv4 middle fragment: LATER_FRAG, no L4",
	  { PB_ETH(), PB_IPV4(.id = 0x1234), PB_UDP(1000, 2000), PB_FILL(200), PB_END },
	  .frag_chunk = 64, .frag_index = 1,
	  .exp = { OK, IP4, .flags = LATER, .dl_type = ETH_IP, .nw_proto = 17,
		   .outer_l3_off = 14, .frag_id = 0x1234 },
	  .hdr_len = 34 },
	{ "IPv4 last fragment (no MF)",
	  { PB_ETH(), PB_IPV4(.id = 0xfffe), PB_TCP(1, 2, 0), PB_FILL(200), PB_END },
	  .frag_chunk = 64, .frag_index = 3,
	  .exp = { OK, IP4, .flags = LATER, .dl_type = ETH_IP, .nw_proto = 6,
		   .outer_l3_off = 14, .frag_id = 0xfffe },
	  .hdr_len = 34 },
	{ "IPv4 DF, not a fragment",
	  { PB_ETH(), PB_IPV4(.df = true, .id = 9), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv6 first fragment",
	  { PB_ETH(), PB_IPV6(), PB_UDP(1000, 2000), PB_FILL(200), PB_END },
	  .frag_chunk = 64, .frag_index = 0, .frag_id = 0xdeadbeef,
	  .exp = { OK, IP6, .flags = FRAG, .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 1000,
		   .tp_dst = 2000, .outer_l3_off = 14, .l4_off = 62, .frag_id = 0xdeadbeef } },
	{ "IPv6 later fragment: next header from the fragment header",
	  { PB_ETH(), PB_IPV6(), PB_UDP(1000, 2000), PB_FILL(200), PB_END },
	  .frag_chunk = 64, .frag_index = 2, .frag_id = 0xdeadbeef,
	  .exp = { OK, IP6, .flags = LATER, .dl_type = ETH_IP6, .nw_proto = 17,
		   .outer_l3_off = 14, .frag_id = 0xdeadbeef },
	  .hdr_len = 62 },
	{ "IPv6 first fragment after hop-by-hop, TCP",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8), PB_TCP(5, 6, 0), PB_FILL(100), PB_END },
	  .frag_chunk = 48, .frag_index = 0, .frag_id = 77,
	  .exp = { OK, IP6, .flags = FRAG, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 5,
		   .tp_dst = 6, .outer_l3_off = 14, .l4_off = 70, .frag_id = 77 } },
	{ "IPv6 later fragment after hop-by-hop",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8), PB_TCP(5, 6, 0), PB_FILL(100), PB_END },
	  .frag_chunk = 48, .frag_index = 1, .frag_id = 77,
	  .exp = { OK, IP6, .flags = LATER, .dl_type = ETH_IP6, .nw_proto = 6,
		   .outer_l3_off = 14, .frag_id = 77 },
	  .hdr_len = 70 },
	{ "IPv6 atomic fragment (offset 0, no M) is not a fragment",
	  { PB_ETH(), PB_IPV6(), PB_FRAG6(0, false, 5), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 62 } },
	{ "VXLAN/IPv4, inner IPv4 first fragment",
	  { PB_ETH(), PB_IPV4(.id = 0x0102), PB_UDP(1000, 2000), PB_FILL(300), PB_END },
	  .frag_chunk = 128, .frag_index = 0, .wrap = &(const struct pb_tunnel){ .vni = 100 },
	  .exp = { OK, OUT4, .nw_src = PB_IP4_SRC, .nw_dst = PB_IP4_DST, .flags = T | FRAG,
		   .vni = 100, .dl_src = PB_MAC_SRC, .dl_dst = PB_MAC_DST, .dl_type = ETH_IP,
		   .nw_proto = 17, .tp_src = 1000, .tp_dst = 2000, .outer_l3_off = 14,
		   .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84, .frag_id = 0x0102 } },
	{ "VXLAN/IPv4, inner IPv4 later fragment",
	  { PB_ETH(), PB_IPV4(.id = 0x0102), PB_UDP(1000, 2000), PB_FILL(300), PB_END },
	  .frag_chunk = 128, .frag_index = 2, .wrap = &(const struct pb_tunnel){ .vni = 100 },
	  .exp = { OK, OUT4, .nw_src = PB_IP4_SRC, .nw_dst = PB_IP4_DST, .flags = T | LATER,
		   .vni = 100, .dl_src = PB_MAC_SRC, .dl_dst = PB_MAC_DST, .dl_type = ETH_IP,
		   .nw_proto = 17, .outer_l3_off = 14, .inner_l2_off = 50, .inner_l3_off = 64,
		   .frag_id = 0x0102 },
	  .hdr_len = 84 },
	{ "VXLAN/IPv6, inner IPv6 later fragment",
	  { PB_ETH(), PB_IPV6(), PB_UDP(1000, 2000), PB_FILL(300), PB_END },
	  .frag_chunk = 128, .frag_index = 1, .frag_id = 0x01020304,
	  .wrap = &(const struct pb_tunnel){ .v6 = true, .ip.tos = 0x81, .vni = 100 },
	  .fcf = true,
	  .exp = { OK, OUT6, .nw_src = PB_IP6_SRC, .nw_dst = PB_IP6_DST, .flags = T6 | LATER,
		   .vni = 100, .dl_src = PB_MAC_SRC, .dl_dst = PB_MAC_DST, .dl_type = ETH_IP6,
		   .nw_proto = 17, .fcf = 0x81, .outer_l3_off = 14, .inner_l2_off = 70,
		   .inner_l3_off = 84, .frag_id = 0x01020304, .outer_tos = 0x81 },
	  .hdr_len = 132 },
	{ "outer IPv4 first fragment carrying VXLAN: tunnel, OUTER_FRAG",
	  { PB_TUNNEL(.ip = { .id = 0x4321, .mf = true }, .vni = 3), PB_ETH(), PB_IPV4(),
	    PB_UDP(3, 4), PB_FILL(100), PB_END },
	  .exp = { OK, OUT4, IN4, .flags = T, .facts = VSX_PKT_OUTER_FRAG, .vni = 3,
		   .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 3, .tp_dst = 4,
		   .outer_l3_off = 14, .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84,
		   .outer_frag_id = 0x4321 } },
	{ "outer IPv4 later fragment of a VXLAN packet: keyed on the outer header",
	  { PB_ETH(), PB_IPV4(.id = 0x4321, .frag_off = 1480, .proto = 17), PB_FILL(100),
	    PB_END },
	  .exp = { OK, IP4, .flags = LATER, .dl_type = ETH_IP, .nw_proto = 17,
		   .outer_l3_off = 14, .frag_id = 0x4321 },
	  .hdr_len = 34 },
	{ "VXLAN/IPv6 in an outer IPv6 first fragment",
	  { PB_ETH(), PB_IPV6(), PB_FRAG6(0, true, 0xabcdef), PB_UDP(PB_VXLAN_SPORT, 4789),
	    PB_VXLAN(8), PB_ETH(), PB_IPV6(), PB_UDP(3, 4), PB_END },
	  .exp = { OK, OUT6, IN6, .flags = T6, .facts = VSX_PKT_OUTER_FRAG, .vni = 8,
		   .dl_type = ETH_IP6, .nw_proto = 17, .tp_src = 3, .tp_dst = 4,
		   .outer_l3_off = 14, .inner_l2_off = 78, .inner_l3_off = 92, .l4_off = 132,
		   .outer_frag_id = 0xabcdef } },

	/* ---- malformed, and length fields the parser ignores ---- */
	{ "IPv4 IHL 4: MALFORMED",
	  { PB_ETH(), PB_IPV4(.ihl = 4), PB_UDP(1, 2), PB_END },
	  .exp = { BAD } },
	{ "IPv4 IHL 0: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_UDP(1, 2), PB_END },
	  .poke = { .off = 14, .val = 0x40, .set = true },
	  .exp = { BAD } },
	{ "IPv4 EtherType, version 6: MALFORMED",
	  { PB_ETH(), PB_IPV4(.version = 6), PB_UDP(1, 2), PB_END },
	  .exp = { BAD } },
	{ "IPv6 EtherType, version 4: MALFORMED",
	  { PB_ETH(), PB_IPV6(.version = 4), PB_UDP(1, 2), PB_END },
	  .exp = { BAD } },
	{ "IPv4 IHL 15 without the options: TRUNCATED",
	  { PB_ETH(), PB_IPV4(.ihl = 15), PB_UDP(1, 2), PB_FILL(4), PB_END },
	  .exp = { TRUNC } },
	{ "IPv4 tot_len beyond the frame: ignored",
	  { PB_ETH(), PB_IPV4(.len = 1500), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv4 tot_len 10, shorter than the header: ignored",
	  { PB_ETH(), PB_IPV4(.len = 10), PB_UDP(1, 2), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv4 datagram with Ethernet padding after tot_len",
	  { PB_ETH(), PB_IPV4(.len = 28), PB_UDP(1, 2), PB_FILL(18), PB_END },
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 17, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 } },
	/* ---- TCP data offset (doff): below 5 MALFORMED, the options must be there ---- */
	{ "IPv4 TCP doff 0: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_END },
	  .poke = DOFF(34, 0), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv4 TCP doff 1: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_END },
	  .poke = DOFF(34, 1), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv4 TCP doff 2: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(40), PB_END },
	  .poke = DOFF(34, 2), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv4 TCP doff 3: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_END },
	  .poke = DOFF(34, 3), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv4 TCP doff 4: MALFORMED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_ACK), PB_FILL(100), PB_END },
	  .poke = DOFF(34, 4), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv4 TCP doff 5 (set explicitly): OK",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_ACK), PB_END },
	  .poke = DOFF(34, 5),
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 } },
	{ "IPv6 TCP doff 4: MALFORMED",
	  { PB_ETH(), PB_IPV6(), PB_TCP(1, 2, PB_TCP_ACK), PB_FILL(20), PB_END },
	  .poke = DOFF(54, 4), .exp = { BAD }, .hdr_len = 74 },
	{ "IPv6 TCP after hop-by-hop, doff 0: MALFORMED",
	  { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8), PB_TCP(1, 2, 0), PB_END },
	  .poke = DOFF(62, 0), .exp = { BAD }, .hdr_len = 82 },
	{ "VXLAN/IPv4, inner IPv4 TCP doff 4: MALFORMED",
	  { PB_TUNNEL(.vni = 9), PB_ETH(), PB_IPV4(), PB_TCP(1, 2, 0), PB_END },
	  .poke = DOFF(84, 4), .exp = { BAD }, .hdr_len = 104 },
	{ "VXLAN/IPv6, inner IPv6 TCP doff 1: MALFORMED",
	  { PB_TUNNEL(.v6 = true, .vni = 9), PB_ETH(), PB_IPV6(), PB_TCP(1, 2, 0), PB_END },
	  .poke = DOFF(124, 1), .exp = { BAD }, .hdr_len = 144 },
	{ "IPv4 first fragment, TCP doff 3: MALFORMED",
	  { PB_ETH(), PB_IPV4(.id = 7), PB_TCP(1, 2, 0), PB_FILL(100), PB_END },
	  .frag_chunk = 64, .frag_index = 0, .poke = DOFF(34, 3), .exp = { BAD }, .hdr_len = 54 },
	{ "IPv6 first fragment, TCP doff 4: MALFORMED",
	  { PB_ETH(), PB_IPV6(), PB_TCP(1, 2, 0), PB_FILL(100), PB_END },
	  .frag_chunk = 64, .frag_index = 0, .frag_id = 5, .poke = DOFF(62, 4), .exp = { BAD },
	  .hdr_len = 82 },
	{ "VXLAN, inner IPv4 first fragment, TCP doff 2: MALFORMED",
	  { PB_ETH(), PB_IPV4(.id = 7), PB_TCP(1, 2, 0), PB_FILL(200), PB_END },
	  .frag_chunk = 128, .frag_index = 0, .wrap = &(const struct pb_tunnel){ .vni = 100 },
	  .poke = DOFF(84, 2), .exp = { BAD }, .hdr_len = 104 },
	{ "outer IPv4 first fragment carrying VXLAN, inner TCP doff 0: MALFORMED",
	  { PB_TUNNEL(.ip = { .id = 0x4321, .mf = true }, .vni = 3), PB_ETH(), PB_IPV4(),
	    PB_TCP(3, 4, 0), PB_FILL(100), PB_END },
	  .poke = DOFF(84, 0), .exp = { BAD }, .hdr_len = 104 },
	{ "IPv4 TCP doff 8, 12 bytes of options: the options are part of the header",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(12), PB_END },
	  .poke = DOFF(34, 8),
	  .exp = { OK, IP4, .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 34 },
	  .hdr_len = 66 },
	{ "IPv6 TCP doff 15, 40 bytes of options",
	  { PB_ETH(), PB_IPV6(), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(40), PB_END },
	  .poke = DOFF(54, 15),
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 54 },
	  .hdr_len = 114 },
	{ "IPv4 TCP doff 15, options missing: TRUNCATED",
	  { PB_ETH(), PB_IPV4(), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(36), PB_END },
	  .poke = DOFF(34, 15), .exp = { TRUNC } },
	{ "VXLAN, inner IPv6 TCP doff 6, options missing: TRUNCATED",
	  { PB_TUNNEL(.vni = 9), PB_ETH(), PB_IPV6(), PB_TCP(1, 2, 0), PB_FILL(3), PB_END },
	  .poke = DOFF(104, 6), .exp = { TRUNC } },
	{ "IPv4 first fragment, TCP doff 15: its options may go on in the next fragment",
	  { PB_ETH(), PB_IPV4(.id = 0x77), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(100), PB_END },
	  .frag_chunk = 24, .frag_index = 0, .poke = DOFF(34, 15),
	  .exp = { OK, IP4, .flags = FRAG, .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 1,
		   .tp_dst = 2, .outer_l3_off = 14, .l4_off = 34, .frag_id = 0x77 },
	  .hdr_len = 54 },
	{ "IPv6 first fragment, TCP doff 10: options may go on in the next fragment",
	  { PB_ETH(), PB_IPV6(), PB_TCP(1, 2, PB_TCP_SYN), PB_FILL(100), PB_END },
	  .frag_chunk = 24, .frag_index = 0, .frag_id = 0x99, .poke = DOFF(62, 10),
	  .exp = { OK, IP6, .flags = FRAG, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 1,
		   .tp_dst = 2, .outer_l3_off = 14, .l4_off = 62, .frag_id = 0x99 },
	  .hdr_len = 82 },
	{ "outer first fragment carrying VXLAN, inner TCP doff 15: options may go on",
	  { PB_TUNNEL(.ip = { .id = 0x4321, .mf = true }, .vni = 3), PB_ETH(), PB_IPV4(),
	    PB_TCP(3, 4, 0), PB_END },
	  .poke = DOFF(84, 15),
	  .exp = { OK, OUT4, IN4, .flags = T, .facts = VSX_PKT_OUTER_FRAG, .vni = 3,
		   .dl_type = ETH_IP, .nw_proto = 6, .tp_src = 3, .tp_dst = 4,
		   .outer_l3_off = 14, .inner_l2_off = 50, .inner_l3_off = 64, .l4_off = 84,
		   .outer_frag_id = 0x4321 },
	  .hdr_len = 104 },

	{ "IPv6 payload_len beyond the frame: ignored",
	  { PB_ETH(), PB_IPV6(.len = 9000), PB_TCP(1, 2, 0), PB_END },
	  .exp = { OK, IP6, .dl_type = ETH_IP6, .nw_proto = 6, .tp_src = 1, .tp_dst = 2,
		   .outer_l3_off = 14, .l4_off = 54 } },
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static void build_fixture(const struct fixture *f, struct pb *p)
{
	static struct pb dgram, frag;
	const struct pb *inner = &dgram;

	assert_true(pb_build(&dgram, f->pkt) > 0);
	if (f->frag_chunk) {
		int err = pb_fragment(&dgram, f->frag_chunk, f->frag_index, f->frag_id, &frag);

		assert_int_equal(err, 0);
		inner = &frag;
	}
	if (f->wrap) {
		pb_init(p);
		pb_vxlan_encap(p, f->wrap);
		pb_frame(p, inner);
		assert_true(pb_finish(p) > 0);
	} else {
		memcpy(p, inner, sizeof(*p));
	}
	if (f->poke.set) {
		assert_true(f->poke.off < p->len);
		p->data[f->poke.off] = f->poke.val;
	}
}

#endif
