/* SPDX-License-Identifier: MIT */
/*
 * Packet builder for BPF tests and benchmarks: frames are built layer by layer into a
 * struct pb, then pb_finish() fills every length and checksum, innermost layer first.
 *
 *     struct pb p;                            // a 64-byte inner UDP frame in VXLAN over
 *     pb_init(&p);                            // IPv4 with outer ToS 0x84, VNI 100
 *     pb_vxlan_encap(&p, &(struct pb_tunnel){ .ip.tos = 0x84, .vni = 100 });
 *     pb_eth(&p, NULL);
 *     pb_ipv4(&p, NULL);
 *     pb_udp(&p, 1000, 2000);
 *     pb_pad_to(&p, 64);
 *     assert(pb_finish(&p) > 0);              // p.data, p.len
 *
 * Or as data, e.g. in a fixture table (PB_* macros below, list ends with PB_END):
 *     static const struct pb_layer pkt[] = { PB_ETH(), PB_IPV6(.tos = 0x20),
 *                                            PB_TCP(1, 80, PB_TCP_SYN), PB_END };
 *     pb_build(&p, pkt);
 *
 * Defaults: a zero field means "the usual value". Protocol fields (EtherType, IPv4
 * protocol, IPv6 next header) left 0 are set by the layer that follows; UDP destination
 * port 0 followed by pb_vxlan() becomes 4789. Addresses left NULL depend on the depth
 * (0 outside, 1 after a VXLAN header), so an inner frame differs from its outer headers:
 *     MAC src/dst   depth 0: PB_MAC_SRC, PB_MAC_DST   depth 1: PB_MAC_IN_SRC, PB_MAC_IN_DST
 *     IPv4 src/dst  depth 0: PB_IP4_SRC, PB_IP4_DST   depth 1: PB_IP4_IN_SRC, PB_IP4_IN_DST
 *     IPv6 src/dst  depth 0: PB_IP6_SRC, PB_IP6_DST   depth 1: PB_IP6_IN_SRC, PB_IP6_IN_DST
 *
 * Errors (no room, a bad argument) are remembered in pb->err and make pb_finish() return
 * 0, so a builder sequence needs one check at the end.
 */
#ifndef VSX_TEST_PKTBUILD_H
#define VSX_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_MAX_LEN 8192 /* more than BPF_PROG_TEST_RUN takes (about 3.5 KiB for XDP) */
#define PB_MAX_LAYERS 24

#define PB_MAC_SRC "02:00:00:00:00:01"
#define PB_MAC_DST "02:00:00:00:00:02"
#define PB_MAC_IN_SRC "02:00:00:00:01:01"
#define PB_MAC_IN_DST "02:00:00:00:01:02"
#define PB_IP4_SRC "192.0.2.1"
#define PB_IP4_DST "192.0.2.2"
#define PB_IP4_IN_SRC "10.0.0.1"
#define PB_IP4_IN_DST "10.0.0.2"
#define PB_IP6_SRC "2001:db8::1"
#define PB_IP6_DST "2001:db8::2"
#define PB_IP6_IN_SRC "fd00::1"
#define PB_IP6_IN_DST "fd00::2"

#define PB_VXLAN_PORT 4789
#define PB_VXLAN_SPORT 49152 /* outer UDP source port of pb_vxlan_encap() */

/* TCP flags for pb_tcp() */
#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10

/* IPv6 extension header types for pb_ipv6_ext() */
#define PB_EXT_HOP 0
#define PB_EXT_ROUTING 43
#define PB_EXT_DSTOPTS 60

struct pb_eth {
	const char *src, *dst; /* "02:00:00:00:00:01"; NULL: default for the depth */
	uint16_t type;         /* EtherType after the tags; 0: set by the next layer */
	int n_vlan;            /* VLAN tags, 0..2 */
	uint16_t vlan[2];      /* their TCIs (PCP, DEI, VID), outermost first */
	uint16_t tpid[2];      /* 0: 0x8100, except 0x88a8 for the outer of two tags */
};

/* IPv4 and IPv6 header (fields marked v4/v6 apply to one only). */
struct pb_ip {
	const char *src, *dst; /* "192.0.2.1" / "2001:db8::1"; NULL: default for the depth */
	uint8_t tos;           /* ToS / traffic class */
	uint8_t ttl;           /* TTL / hop limit; 0: 64 */
	uint8_t proto;         /* protocol / next header; 0: set by the next layer */
	uint16_t id;           /* v4 identification */
	uint16_t frag_off;     /* v4 fragment offset in bytes (a multiple of 8) */
	bool mf, df;           /* v4 flags */
	uint32_t flow_label;   /* v6 */
	const uint8_t *opt;    /* v4 options, padded with zeros (EOL) to a multiple of 4 */
	size_t opt_len;
	/* For malformed packets; 0 means the correct value. */
	uint8_t version; /* version nibble */
	uint8_t ihl;     /* v4 IHL nibble (the header written is still 20 + options bytes) */
	uint16_t len;    /* v4 tot_len / v6 payload_len */
};

/* Outer headers of a VXLAN packet: Ethernet, IP, UDP, VXLAN. */
struct pb_tunnel {
	bool v6;          /* IPv6 outer header */
	struct pb_ip ip;  /* outer IP (ip.tos is where the FCF goes) */
	struct pb_eth eth;
	uint16_t sport;   /* 0: PB_VXLAN_SPORT */
	uint16_t dport;   /* 0: PB_VXLAN_PORT */
	uint32_t vni;
	bool no_i;        /* clear the I flag */
};

struct pb_rec {
	uint8_t kind;  /* enum pb_kind */
	uint8_t fix;   /* PB_FIX_*: what pb_finish() computes */
	uint16_t off;  /* where the layer starts in data */
	uint16_t hlen; /* its header length */
};

struct pb {
	size_t len;
	int err;   /* 0 or a negative errno; sticky */
	int depth; /* VXLAN headers so far */
	int pending_off;  /* protocol field the next layer fills in, -1: none */
	int pending_size; /* its size: 1 (IP protocol) or 2 (EtherType) */
	int n_layers;
	struct pb_rec layers[PB_MAX_LAYERS];
	uint8_t data[PB_MAX_LEN];
};

void pb_init(struct pb *pb);

/* Layers, outermost first. A NULL spec means all defaults. */
void pb_eth(struct pb *pb, const struct pb_eth *e);
void pb_ipv4(struct pb *pb, const struct pb_ip *ip);
void pb_ipv6(struct pb *pb, const struct pb_ip *ip);
/* Hop-by-hop, routing or destination options header of len bytes (>= 8, multiple of 8). */
void pb_ipv6_ext(struct pb *pb, uint8_t type, size_t len);
/* IPv6 fragment header: offset in bytes (multiple of 8), M flag, identification. */
void pb_ipv6_frag(struct pb *pb, uint16_t offset, bool more, uint32_t id);
void pb_udp(struct pb *pb, uint16_t sport, uint16_t dport);
void pb_tcp(struct pb *pb, uint16_t sport, uint16_t dport, uint8_t flags);
void pb_icmp(struct pb *pb, uint8_t type, uint8_t code);  /* 8-byte header, rest zero */
void pb_icmp6(struct pb *pb, uint8_t type, uint8_t code); /* 8-byte header, rest zero */
void pb_vxlan(struct pb *pb, uint32_t vni);               /* I flag set */
void pb_vxlan_flags(struct pb *pb, uint8_t flags, uint32_t vni);
void pb_vxlan_encap(struct pb *pb, const struct pb_tunnel *t);
void pb_arp(struct pb *pb, uint16_t op); /* Ethernet/IPv4 ARP request (1) or reply (2) */
/* Sets the protocol field the previous layer left open (before raw bytes: ESP, AH, ...). */
void pb_proto(struct pb *pb, uint8_t proto);
void pb_bytes(struct pb *pb, const void *bytes, size_t n);
void pb_fill(struct pb *pb, size_t n); /* n payload bytes 0x00, 0x01, ... */
/* Payload until the innermost frame (from its Ethernet header) is frame_len bytes long. */
void pb_pad_to(struct pb *pb, size_t frame_len);
/* Appends a finished packet (e.g. an inner fragment) as the inner frame. */
void pb_frame(struct pb *pb, const struct pb *inner);

/* Fills lengths and checksums; returns the packet length, 0 after an error. */
size_t pb_finish(struct pb *pb);
/* Cuts the packet to n bytes (no-op when it is shorter). */
void pb_truncate(struct pb *pb, size_t n);

/*
 * IP fragmentation of a finished packet: the first IP header and everything after it is the
 * datagram, chunk bytes of its payload (a multiple of 8) go into each fragment. IPv4 keeps
 * the datagram's identification; IPv6 puts a fragment header with id after the
 * unfragmentable part (IPv6 header, hop-by-hop and routing headers). *out is finished.
 * Returns 0, -ERANGE when index is past the last fragment, -EINVAL.
 */
int pb_fragment(const struct pb *dgram, size_t chunk, unsigned int index, uint32_t id,
		struct pb *out);
unsigned int pb_fragment_count(const struct pb *dgram, size_t chunk);

/* ---- layers as data ---- */

enum pb_kind {
	PB_L_END = 0,
	PB_L_ETH,
	PB_L_IPV4,
	PB_L_IPV6,
	PB_L_IPV6_EXT,
	PB_L_IPV6_FRAG,
	PB_L_UDP,
	PB_L_TCP,
	PB_L_ICMP,
	PB_L_ICMP6,
	PB_L_VXLAN,
	PB_L_TUNNEL, /* pb_vxlan_encap() */
	PB_L_ARP,
	PB_L_PROTO,
	PB_L_BYTES,
	PB_L_FILL,
	PB_L_PAD_TO,
	PB_L_FRAME, /* recorded by pb_frame(), not usable in pb_build() */
};

struct pb_layer {
	enum pb_kind kind;
	union {
		struct pb_eth eth;
		struct pb_ip ip;
		struct pb_tunnel tunnel;
		struct {
			uint16_t sport, dport;
			uint8_t flags; /* TCP flags / VXLAN flags */
		} l4;
		struct {
			uint8_t type, code;
		} icmp;
		struct {
			uint8_t type;
			uint16_t len;
		} ext;
		struct {
			uint16_t offset;
			bool more;
			uint32_t id;
		} frag;
		struct {
			uint32_t vni;
			uint8_t flags;
		} vxlan;
		struct {
			const void *data;
			size_t n; /* bytes / fill count / pad-to length */
		} bytes;
		uint16_t arp_op;
		uint8_t proto;
	};
};

#define PB_END { .kind = PB_L_END }
#define PB_ETH(...) { .kind = PB_L_ETH, .eth = { __VA_ARGS__ } }
#define PB_IPV4(...) { .kind = PB_L_IPV4, .ip = { __VA_ARGS__ } }
#define PB_IPV6(...) { .kind = PB_L_IPV6, .ip = { __VA_ARGS__ } }
#define PB_EXT(t, n) { .kind = PB_L_IPV6_EXT, .ext = { .type = (t), .len = (n) } }
#define PB_FRAG6(o, m, i) \
	{ .kind = PB_L_IPV6_FRAG, .frag = { .offset = (o), .more = (m), .id = (i) } }
#define PB_UDP(s, d) { .kind = PB_L_UDP, .l4 = { .sport = (s), .dport = (d) } }
#define PB_TCP(s, d, f) { .kind = PB_L_TCP, .l4 = { .sport = (s), .dport = (d), .flags = (f) } }
#define PB_ICMP(t, c) { .kind = PB_L_ICMP, .icmp = { .type = (t), .code = (c) } }
#define PB_ICMP6(t, c) { .kind = PB_L_ICMP6, .icmp = { .type = (t), .code = (c) } }
#define PB_VXLAN(v) { .kind = PB_L_VXLAN, .vxlan = { .vni = (v), .flags = 0x08 } }
#define PB_VXLAN_FLAGS(f, v) { .kind = PB_L_VXLAN, .vxlan = { .vni = (v), .flags = (f) } }
#define PB_TUNNEL(...) { .kind = PB_L_TUNNEL, .tunnel = { __VA_ARGS__ } }
#define PB_ARP(op) { .kind = PB_L_ARP, .arp_op = (op) }
#define PB_PROTO(p) { .kind = PB_L_PROTO, .proto = (p) }
#define PB_BYTES(p, len) { .kind = PB_L_BYTES, .bytes = { .data = (p), .n = (len) } }
#define PB_FILL(len) { .kind = PB_L_FILL, .bytes = { .n = (len) } }
#define PB_PAD_TO(len) { .kind = PB_L_PAD_TO, .bytes = { .n = (len) } }

/* pb_init(), the layers up to PB_END, pb_finish(); returns the length, 0 on error. */
size_t pb_build(struct pb *pb, const struct pb_layer *layers);

/* ---- helpers for checking what a parser made of a packet ---- */

/* "02:00:00:00:00:01" -> 6 bytes; returns 0 or -EINVAL. */
int pb_parse_mac(const char *s, uint8_t mac[6]);
/*
 * IPv4 or IPv6 text -> 4 big-endian words as the flow key holds them (IPv4 in word 0,
 * the rest zero); *v6 (may be NULL) tells which. Returns 0 or -EINVAL.
 */
int pb_parse_ip(const char *s, uint32_t words[4], bool *v6);
/* Hex dump, 16 bytes a line. */
void pb_hexdump(FILE *f, const void *data, size_t len);

#endif
