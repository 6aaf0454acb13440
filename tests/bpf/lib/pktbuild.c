// SPDX-License-Identifier: MIT
/* Packet builder: see pktbuild.h. */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* pb_rec.fix */
enum {
	PB_FIX_LEN = 1 << 0,  /* length field */
	PB_FIX_CSUM = 1 << 1, /* checksum */
};

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define TCP_HLEN 20
#define ICMP_HLEN 8
#define VXLAN_HLEN 8
#define ARP_LEN 28
#define FRAG6_HLEN 8

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void fail(struct pb *pb, int err)
{
	if (!pb->err)
		pb->err = err;
}

void pb_init(struct pb *pb)
{
	memset(pb, 0, offsetof(struct pb, data));
	pb->pending_off = -1;
}

/* Room for n more bytes, zeroed, recorded as a layer of the given kind; NULL on error. */
static uint8_t *push(struct pb *pb, enum pb_kind kind, size_t n, uint8_t fix)
{
	uint8_t *p;

	if (pb->err)
		return NULL;
	if (pb->len + n > PB_MAX_LEN) {
		fail(pb, -ENOSPC);
		return NULL;
	}
	if (kind != PB_L_BYTES) {
		if (pb->n_layers == PB_MAX_LAYERS) {
			fail(pb, -E2BIG);
			return NULL;
		}
		pb->layers[pb->n_layers++] = (struct pb_rec){
			.kind = (uint8_t)kind,
			.fix = fix,
			.off = (uint16_t)pb->len,
			.hlen = (uint16_t)n,
		};
	}
	p = pb->data + pb->len;
	memset(p, 0, n);
	pb->len += n;
	return p;
}

/* Fills the protocol field the previous layer left open, if it has the right size. */
static void fill_pending(struct pb *pb, int size, uint16_t value)
{
	if (pb->pending_off < 0)
		return;
	if (pb->pending_size == size) {
		if (size == 2)
			put16(pb->data + pb->pending_off, value);
		else
			pb->data[pb->pending_off] = (uint8_t)value;
	}
	pb->pending_off = -1;
}

static void set_pending(struct pb *pb, uint8_t *field, int size)
{
	pb->pending_off = (int)(field - pb->data);
	pb->pending_size = size;
}

static const struct pb_rec *last_layer(const struct pb *pb)
{
	return pb->n_layers ? &pb->layers[pb->n_layers - 1] : NULL;
}

int pb_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int pb_parse_ip(const char *s, uint32_t words[4], bool *v6)
{
	memset(words, 0, 16);
	if (inet_pton(AF_INET, s, words) == 1) {
		if (v6)
			*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, s, words) == 1) {
		if (v6)
			*v6 = true;
		return 0;
	}
	return -EINVAL;
}

static void mac_or_default(struct pb *pb, const char *s, const char *outer, const char *inner,
			   uint8_t *dst)
{
	if (pb_parse_mac(s ? s : pb->depth ? inner : outer, dst))
		fail(pb, -EINVAL);
}

void pb_eth(struct pb *pb, const struct pb_eth *e)
{
	static const struct pb_eth none;
	uint8_t *p, *type;
	int i;

	if (!e)
		e = &none;
	if (e->n_vlan < 0 || e->n_vlan > 2) {
		fail(pb, -EINVAL);
		return;
	}
	p = push(pb, PB_L_ETH, ETH_HLEN + (size_t)e->n_vlan * VLAN_HLEN, 0);
	if (!p)
		return;
	pb->pending_off = -1;
	mac_or_default(pb, e->dst, PB_MAC_DST, PB_MAC_IN_DST, p);
	mac_or_default(pb, e->src, PB_MAC_SRC, PB_MAC_IN_SRC, p + 6);
	type = p + 12;
	for (i = 0; i < e->n_vlan; i++) {
		uint16_t tpid = e->tpid[i];

		if (!tpid)
			tpid = e->n_vlan == 2 && i == 0 ? 0x88a8 : 0x8100;
		put16(type, tpid);
		put16(type + 2, e->vlan[i]);
		type += VLAN_HLEN;
	}
	if (e->type)
		put16(type, e->type);
	else
		set_pending(pb, type, 2);
}

static void ip_addr(struct pb *pb, const char *s, const char *outer, const char *inner,
		    bool want_v6, uint8_t *dst)
{
	uint32_t w[4];
	bool v6;

	if (pb_parse_ip(s ? s : pb->depth ? inner : outer, w, &v6) || v6 != want_v6) {
		fail(pb, -EINVAL);
		return;
	}
	memcpy(dst, w, want_v6 ? 16 : 4);
}

void pb_ipv4(struct pb *pb, const struct pb_ip *ip)
{
	static const struct pb_ip none;
	size_t opt_len;
	uint16_t frag;
	uint8_t *p;

	if (!ip)
		ip = &none;
	opt_len = (ip->opt_len + 3) & ~(size_t)3;
	if (opt_len > 40 || ip->frag_off % 8) {
		fail(pb, -EINVAL);
		return;
	}
	fill_pending(pb, 2, 0x0800);
	fill_pending(pb, 1, 4); /* IPv4 in IPv4/IPv6 */
	p = push(pb, PB_L_IPV4, IP4_HLEN + opt_len, (ip->len ? 0 : PB_FIX_LEN) | PB_FIX_CSUM);
	if (!p)
		return;
	p[0] = (uint8_t)((ip->version ? ip->version : 4) << 4 |
			 (ip->ihl ? ip->ihl : (IP4_HLEN + opt_len) / 4));
	p[1] = ip->tos;
	put16(p + 2, ip->len);
	put16(p + 4, ip->id);
	frag = (uint16_t)(ip->frag_off / 8 | (ip->mf ? 0x2000 : 0) | (ip->df ? 0x4000 : 0));
	put16(p + 6, frag);
	p[8] = ip->ttl ? ip->ttl : 64;
	p[9] = ip->proto;
	ip_addr(pb, ip->src, PB_IP4_SRC, PB_IP4_IN_SRC, false, p + 12);
	ip_addr(pb, ip->dst, PB_IP4_DST, PB_IP4_IN_DST, false, p + 16);
	if (ip->opt_len)
		memcpy(p + IP4_HLEN, ip->opt, ip->opt_len);
	if (!ip->proto)
		set_pending(pb, p + 9, 1);
}

void pb_ipv6(struct pb *pb, const struct pb_ip *ip)
{
	static const struct pb_ip none;
	uint8_t *p;

	if (!ip)
		ip = &none;
	fill_pending(pb, 2, 0x86dd);
	fill_pending(pb, 1, 41); /* IPv6 in IPv4/IPv6 */
	p = push(pb, PB_L_IPV6, IP6_HLEN, ip->len ? 0 : PB_FIX_LEN);
	if (!p)
		return;
	put32(p, (uint32_t)(ip->version ? ip->version : 6) << 28 | (uint32_t)ip->tos << 20 |
			 (ip->flow_label & 0xfffff));
	put16(p + 4, ip->len);
	p[6] = ip->proto;
	p[7] = ip->ttl ? ip->ttl : 64;
	ip_addr(pb, ip->src, PB_IP6_SRC, PB_IP6_IN_SRC, true, p + 8);
	ip_addr(pb, ip->dst, PB_IP6_DST, PB_IP6_IN_DST, true, p + 24);
	if (!ip->proto)
		set_pending(pb, p + 6, 1);
}

void pb_ipv6_ext(struct pb *pb, uint8_t type, size_t len)
{
	uint8_t *p;

	if (len < 8 || len % 8 || len > 2048) {
		fail(pb, -EINVAL);
		return;
	}
	fill_pending(pb, 1, type);
	p = push(pb, PB_L_IPV6_EXT, len, 0);
	if (!p)
		return;
	p[1] = (uint8_t)(len / 8 - 1);
	if (type == PB_EXT_ROUTING) {
		p[2] = 4; /* segment routing header type, segments left 0 */
	} else {
		p[2] = 1; /* PadN over the rest */
		p[3] = (uint8_t)(len - 4);
	}
	set_pending(pb, p, 1);
}

void pb_ipv6_frag(struct pb *pb, uint16_t offset, bool more, uint32_t id)
{
	uint8_t *p;

	if (offset % 8) {
		fail(pb, -EINVAL);
		return;
	}
	fill_pending(pb, 1, 44);
	p = push(pb, PB_L_IPV6_FRAG, FRAG6_HLEN, 0);
	if (!p)
		return;
	put16(p + 2, (uint16_t)(offset | (more ? 1 : 0)));
	put32(p + 4, id);
	set_pending(pb, p, 1);
}

void pb_udp(struct pb *pb, uint16_t sport, uint16_t dport)
{
	uint8_t *p;

	fill_pending(pb, 1, 17);
	p = push(pb, PB_L_UDP, UDP_HLEN, PB_FIX_LEN | PB_FIX_CSUM);
	if (!p)
		return;
	put16(p, sport);
	put16(p + 2, dport);
}

void pb_tcp(struct pb *pb, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *p;

	fill_pending(pb, 1, 6);
	p = push(pb, PB_L_TCP, TCP_HLEN, PB_FIX_CSUM);
	if (!p)
		return;
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, 1);                /* sequence number */
	put32(p + 8, flags & PB_TCP_ACK ? 1 : 0);
	p[12] = (TCP_HLEN / 4) << 4;    /* data offset */
	p[13] = flags;
	put16(p + 14, 65535);           /* window */
}

static void icmp(struct pb *pb, enum pb_kind kind, uint8_t proto, uint8_t type, uint8_t code)
{
	uint8_t *p;

	fill_pending(pb, 1, proto);
	p = push(pb, kind, ICMP_HLEN, PB_FIX_CSUM);
	if (!p)
		return;
	p[0] = type;
	p[1] = code;
}

void pb_icmp(struct pb *pb, uint8_t type, uint8_t code)
{
	icmp(pb, PB_L_ICMP, 1, type, code);
}

void pb_icmp6(struct pb *pb, uint8_t type, uint8_t code)
{
	icmp(pb, PB_L_ICMP6, 58, type, code);
}

void pb_vxlan_flags(struct pb *pb, uint8_t flags, uint32_t vni)
{
	const struct pb_rec *udp = last_layer(pb);
	uint8_t *p;

	if (udp && udp->kind == PB_L_UDP && !get16(pb->data + udp->off + 2))
		put16(pb->data + udp->off + 2, PB_VXLAN_PORT);
	pb->pending_off = -1;
	p = push(pb, PB_L_VXLAN, VXLAN_HLEN, 0);
	if (!p)
		return;
	p[0] = flags;
	put32(p + 4, vni << 8);
	pb->depth++;
}

void pb_vxlan(struct pb *pb, uint32_t vni)
{
	pb_vxlan_flags(pb, 0x08, vni);
}

void pb_vxlan_encap(struct pb *pb, const struct pb_tunnel *t)
{
	pb_eth(pb, &t->eth);
	if (t->v6)
		pb_ipv6(pb, &t->ip);
	else
		pb_ipv4(pb, &t->ip);
	pb_udp(pb, t->sport ? t->sport : PB_VXLAN_SPORT, t->dport ? t->dport : PB_VXLAN_PORT);
	pb_vxlan_flags(pb, t->no_i ? 0 : 0x08, t->vni);
}

void pb_arp(struct pb *pb, uint16_t op)
{
	uint8_t *p;
	uint8_t mac[6];

	fill_pending(pb, 2, 0x0806);
	p = push(pb, PB_L_ARP, ARP_LEN, 0);
	if (!p)
		return;
	put16(p, 1);          /* Ethernet */
	put16(p + 2, 0x0800); /* IPv4 */
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	mac_or_default(pb, NULL, PB_MAC_SRC, PB_MAC_IN_SRC, mac);
	memcpy(p + 8, mac, 6);
	ip_addr(pb, NULL, PB_IP4_SRC, PB_IP4_IN_SRC, false, p + 14);
	ip_addr(pb, NULL, PB_IP4_DST, PB_IP4_IN_DST, false, p + 24);
}

void pb_proto(struct pb *pb, uint8_t proto)
{
	fill_pending(pb, 1, proto);
}

void pb_bytes(struct pb *pb, const void *bytes, size_t n)
{
	uint8_t *p = push(pb, PB_L_BYTES, n, 0);

	pb->pending_off = -1;
	if (p && n)
		memcpy(p, bytes, n);
}

void pb_fill(struct pb *pb, size_t n)
{
	uint8_t *p = push(pb, PB_L_BYTES, n, 0);
	size_t i;

	pb->pending_off = -1;
	for (i = 0; p && i < n; i++)
		p[i] = (uint8_t)i;
}

void pb_pad_to(struct pb *pb, size_t frame_len)
{
	size_t start = 0;
	int i;

	for (i = pb->n_layers - 1; i >= 0; i--) {
		if (pb->layers[i].kind == PB_L_ETH || pb->layers[i].kind == PB_L_FRAME) {
			start = pb->layers[i].off;
			break;
		}
	}
	if (pb->len - start < frame_len)
		pb_fill(pb, frame_len - (pb->len - start));
}

void pb_frame(struct pb *pb, const struct pb *inner)
{
	uint8_t *p;

	if (inner->err) {
		fail(pb, inner->err);
		return;
	}
	pb->pending_off = -1;
	p = push(pb, PB_L_FRAME, inner->len, 0);
	if (p)
		memcpy(p, inner->data, inner->len);
}

/* ---- finishing ---- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IP layer a transport layer belongs to: the closest one before it. */
static const struct pb_rec *ip_before(const struct pb *pb, int i)
{
	while (--i >= 0)
		if (pb->layers[i].kind == PB_L_IPV4 || pb->layers[i].kind == PB_L_IPV6)
			return &pb->layers[i];
	return NULL;
}

/* Checksum over the pseudo-header of ip (NULL: none) and the bytes from off to the end. */
static uint16_t l4_csum(const struct pb *pb, const struct pb_rec *ip, size_t off, uint8_t proto)
{
	uint32_t sum = 0, len = (uint32_t)(pb->len - off);

	if (ip && ip->kind == PB_L_IPV4) {
		sum = csum_add(sum, pb->data + ip->off + 12, 8);
		sum += proto + len;
	} else if (ip) {
		sum = csum_add(sum, pb->data + ip->off + 8, 32);
		sum += proto + (len >> 16) + (len & 0xffff);
	}
	return csum_fold(csum_add(sum, pb->data + off, len));
}

size_t pb_finish(struct pb *pb)
{
	int i;

	if (pb->err)
		return 0;
	for (i = pb->n_layers - 1; i >= 0; i--) {
		const struct pb_rec *l = &pb->layers[i];
		const struct pb_rec *ip = ip_before(pb, i);
		uint8_t *p = pb->data + l->off;
		uint16_t sum;

		switch (l->kind) {
		case PB_L_IPV4:
			if (l->fix & PB_FIX_LEN)
				put16(p + 2, (uint16_t)(pb->len - l->off));
			put16(p + 10, 0);
			put16(p + 10, csum_fold(csum_add(0, p, l->hlen)));
			break;
		case PB_L_IPV6:
			if (l->fix & PB_FIX_LEN)
				put16(p + 4, (uint16_t)(pb->len - l->off - IP6_HLEN));
			break;
		case PB_L_UDP:
			put16(p + 4, (uint16_t)(pb->len - l->off));
			put16(p + 6, 0);
			sum = l4_csum(pb, ip, l->off, 17);
			put16(p + 6, sum ? sum : 0xffff);
			break;
		case PB_L_TCP:
			put16(p + 16, 0);
			put16(p + 16, l4_csum(pb, ip, l->off, 6));
			break;
		case PB_L_ICMP:
			put16(p + 2, 0);
			put16(p + 2, l4_csum(pb, NULL, l->off, 1));
			break;
		case PB_L_ICMP6:
			put16(p + 2, 0);
			put16(p + 2, l4_csum(pb, ip, l->off, 58));
			break;
		default:
			break;
		}
	}
	return pb->len;
}

void pb_truncate(struct pb *pb, size_t n)
{
	if (n < pb->len)
		pb->len = n;
}

/* ---- fragmentation ---- */

struct frag_plan {
	int ip;             /* index of the IP layer */
	int last_unfrag;    /* IPv6: last layer of the unfragmentable part */
	size_t unfrag_end;  /* where the fragmentable part starts */
	size_t total;       /* its length */
};

static int frag_plan(const struct pb *dgram, size_t chunk, struct frag_plan *fp)
{
	int i;

	if (dgram->err || !chunk || chunk % 8)
		return -EINVAL;
	for (i = 0; i < dgram->n_layers; i++)
		if (dgram->layers[i].kind == PB_L_IPV4 || dgram->layers[i].kind == PB_L_IPV6)
			break;
	if (i == dgram->n_layers)
		return -EINVAL;
	fp->ip = i;
	fp->last_unfrag = i;
	if (dgram->layers[i].kind == PB_L_IPV6) {
		while (fp->last_unfrag + 1 < dgram->n_layers) {
			const struct pb_rec *n = &dgram->layers[fp->last_unfrag + 1];
			uint8_t type = dgram->data[dgram->layers[fp->last_unfrag].off +
						   (fp->last_unfrag == i ? 6 : 0)];

			if (n->kind != PB_L_IPV6_EXT ||
			    (type != PB_EXT_HOP && type != PB_EXT_ROUTING))
				break;
			fp->last_unfrag++;
		}
	}
	fp->unfrag_end = dgram->layers[fp->last_unfrag].off + dgram->layers[fp->last_unfrag].hlen;
	fp->total = dgram->len - fp->unfrag_end;
	return 0;
}

unsigned int pb_fragment_count(const struct pb *dgram, size_t chunk)
{
	struct frag_plan fp;

	if (frag_plan(dgram, chunk, &fp))
		return 0;
	return fp.total ? (unsigned int)((fp.total + chunk - 1) / chunk) : 1;
}

int pb_fragment(const struct pb *dgram, size_t chunk, unsigned int index, uint32_t id,
		struct pb *out)
{
	unsigned int n = pb_fragment_count(dgram, chunk);
	const struct pb_rec *ip;
	struct frag_plan fp;
	size_t start, len;
	bool more;
	uint8_t *p;
	int err;

	err = frag_plan(dgram, chunk, &fp);
	if (err)
		return err;
	if (index >= n)
		return -ERANGE;
	start = (size_t)index * chunk;
	len = fp.total - start < chunk ? fp.total - start : chunk;
	more = index + 1 < n;
	ip = &dgram->layers[fp.ip];

	pb_init(out);
	memcpy(out->data, dgram->data, fp.unfrag_end);
	memcpy(out->layers, dgram->layers, sizeof(out->layers[0]) * (size_t)(fp.last_unfrag + 1));
	out->n_layers = fp.last_unfrag + 1;
	out->len = fp.unfrag_end;
	out->depth = dgram->depth;

	if (ip->kind == PB_L_IPV4) {
		uint16_t frag = get16(out->data + ip->off + 6);

		/* keep DF and an MF the datagram already had (it may be a fragment itself) */
		more = more || (frag & 0x2000);
		frag = (uint16_t)((frag & 0x4000) | (more ? 0x2000 : 0) |
				  ((frag & 0x1fff) + start / 8));
		put16(out->data + ip->off + 6, frag);
	} else {
		const struct pb_rec *lu = &dgram->layers[fp.last_unfrag];
		size_t next = lu->off + (fp.last_unfrag == fp.ip ? 6 : 0);
		uint8_t orig = out->data[next];

		out->data[next] = 44;
		p = push(out, PB_L_IPV6_FRAG, FRAG6_HLEN, 0);
		if (!p)
			return out->err;
		p[0] = orig;
		put16(p + 2, (uint16_t)(start | (more ? 1 : 0)));
		put32(p + 4, id);
	}
	pb_bytes(out, dgram->data + fp.unfrag_end + start, len);
	return pb_finish(out) ? 0 : -EINVAL;
}

/* ---- layers as data ---- */

size_t pb_build(struct pb *pb, const struct pb_layer *l)
{
	pb_init(pb);
	for (; l->kind != PB_L_END; l++) {
		switch (l->kind) {
		case PB_L_ETH:
			pb_eth(pb, &l->eth);
			break;
		case PB_L_IPV4:
			pb_ipv4(pb, &l->ip);
			break;
		case PB_L_IPV6:
			pb_ipv6(pb, &l->ip);
			break;
		case PB_L_IPV6_EXT:
			pb_ipv6_ext(pb, l->ext.type, l->ext.len);
			break;
		case PB_L_IPV6_FRAG:
			pb_ipv6_frag(pb, l->frag.offset, l->frag.more, l->frag.id);
			break;
		case PB_L_UDP:
			pb_udp(pb, l->l4.sport, l->l4.dport);
			break;
		case PB_L_TCP:
			pb_tcp(pb, l->l4.sport, l->l4.dport, l->l4.flags);
			break;
		case PB_L_ICMP:
			pb_icmp(pb, l->icmp.type, l->icmp.code);
			break;
		case PB_L_ICMP6:
			pb_icmp6(pb, l->icmp.type, l->icmp.code);
			break;
		case PB_L_VXLAN:
			pb_vxlan_flags(pb, l->vxlan.flags, l->vxlan.vni);
			break;
		case PB_L_TUNNEL:
			pb_vxlan_encap(pb, &l->tunnel);
			break;
		case PB_L_ARP:
			pb_arp(pb, l->arp_op);
			break;
		case PB_L_PROTO:
			pb_proto(pb, l->proto);
			break;
		case PB_L_BYTES:
			pb_bytes(pb, l->bytes.data, l->bytes.n);
			break;
		case PB_L_FILL:
			pb_fill(pb, l->bytes.n);
			break;
		case PB_L_PAD_TO:
			pb_pad_to(pb, l->bytes.n);
			break;
		default:
			fail(pb, -EINVAL);
			break;
		}
	}
	return pb_finish(pb);
}

void pb_hexdump(FILE *f, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%s%02x%s", i % 16 ? "" : "  ", p[i],
			i % 16 == 15 || i + 1 == len ? "\n" : " ");
}
