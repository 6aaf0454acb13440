// SPDX-License-Identifier: MIT
/*
 * Matches: OpenFlow 1.0's fixed 40-byte struct, and 1.3's OXM list (type OFPMT_OXM, length,
 * TLVs, padding to 8). Each OXM is checked against its field's definition: known field,
 * exact length, mask only where the spec allows one, value bits only where the mask (and the
 * field's width) has them, no field twice. Prerequisites (tcp_src needs ip_proto=6, ...) are
 * the rule layer's normalisation, not the codec's.
 */
#include "ofp_internal.h"

/* The basic fields the codec knows. bits: significant low bits of a value narrower than
 * its bytes (vlan_vid's 13, dscp's 6, ...), 0 if all are. */
struct oxm_def {
	const char *name;
	__u8 len;
	bool maskable;
	__u8 bits;
};
static const struct oxm_def basic[] = {
    [OFPXMT_IN_PORT] = {"in_port", 4, false, 0},
    [OFPXMT_IN_PHY_PORT] = {"in_phy_port", 4, false, 0},
    [OFPXMT_METADATA] = {"metadata", 8, true, 0},
    [OFPXMT_ETH_DST] = {"eth_dst", 6, true, 0},
    [OFPXMT_ETH_SRC] = {"eth_src", 6, true, 0},
    [OFPXMT_ETH_TYPE] = {"eth_type", 2, false, 0},
    [OFPXMT_VLAN_VID] = {"vlan_vid", 2, true, 13},
    [OFPXMT_VLAN_PCP] = {"vlan_pcp", 1, false, 3},
    [OFPXMT_IP_DSCP] = {"ip_dscp", 1, false, 6},
    [OFPXMT_IP_ECN] = {"ip_ecn", 1, false, 2},
    [OFPXMT_IP_PROTO] = {"ip_proto", 1, false, 0},
    [OFPXMT_IPV4_SRC] = {"ipv4_src", 4, true, 0},
    [OFPXMT_IPV4_DST] = {"ipv4_dst", 4, true, 0},
    /* Ports are maskable as in OpenFlow 1.5 and Open vSwitch's 1.3 (1.3.x says no mask): a
     * vsx rule's port mask must be sayable in a flow dump. */
    [OFPXMT_TCP_SRC] = {"tcp_src", 2, true, 0},
    [OFPXMT_TCP_DST] = {"tcp_dst", 2, true, 0},
    [OFPXMT_UDP_SRC] = {"udp_src", 2, true, 0},
    [OFPXMT_UDP_DST] = {"udp_dst", 2, true, 0},
    [OFPXMT_ICMPV4_TYPE] = {"icmpv4_type", 1, false, 0},
    [OFPXMT_ICMPV4_CODE] = {"icmpv4_code", 1, false, 0},
    [OFPXMT_IPV6_SRC] = {"ipv6_src", 16, true, 0},
    [OFPXMT_IPV6_DST] = {"ipv6_dst", 16, true, 0},
    [OFPXMT_ICMPV6_TYPE] = {"icmpv6_type", 1, false, 0},
    [OFPXMT_ICMPV6_CODE] = {"icmpv6_code", 1, false, 0},
    [OFPXMT_TUNNEL_ID] = {"tunnel_id", 8, true, 0},
};

static const struct oxm_def *basic_def(__u8 field)
{
	if (field >= sizeof(basic) / sizeof(basic[0]) || !basic[field].len)
		return NULL;
	return &basic[field];
}

const char *ofp_oxm_field_name(__u8 field)
{
	const struct oxm_def *d = basic_def(field);

	return d ? d->name : NULL;
}

void ofp_match10_from_wire(const struct ofp10_match *wp, struct ofp_match10 *m)
{
	struct ofp10_match w = *wp;

	m->wildcards = be32toh(w.wildcards);
	m->in_port = be16toh(w.in_port);
	memcpy(m->dl_src, w.dl_src, 6);
	memcpy(m->dl_dst, w.dl_dst, 6);
	m->dl_vlan = be16toh(w.dl_vlan);
	m->dl_vlan_pcp = w.dl_vlan_pcp;
	m->dl_type = be16toh(w.dl_type);
	m->nw_tos = w.nw_tos;
	m->nw_proto = w.nw_proto;
	m->nw_src = be32toh(w.nw_src);
	m->nw_dst = be32toh(w.nw_dst);
	m->tp_src = be16toh(w.tp_src);
	m->tp_dst = be16toh(w.tp_dst);
}

void ofp_match10_to_wire(const struct ofp_match10 *m, struct ofp10_match *wp)
{
	struct ofp10_match w = {0};

	w.wildcards = htobe32(m->wildcards);
	w.in_port = htobe16(m->in_port);
	memcpy(w.dl_src, m->dl_src, 6);
	memcpy(w.dl_dst, m->dl_dst, 6);
	w.dl_vlan = htobe16(m->dl_vlan);
	w.dl_vlan_pcp = m->dl_vlan_pcp;
	w.dl_type = htobe16(m->dl_type);
	w.nw_tos = m->nw_tos;
	w.nw_proto = m->nw_proto;
	w.nw_src = htobe32(m->nw_src);
	w.nw_dst = htobe32(m->nw_dst);
	w.tp_src = htobe16(m->tp_src);
	w.tp_dst = htobe16(m->tp_dst);
	*wp = w;
}

/* Checks one decoded OXM against its definition. */
static int oxm_check(const struct ofp_oxm *x, struct ofp_status *st)
{
	const struct oxm_def *d;

	if (x->oxm_class == OFPXMC_EXPERIMENTER)
		return 0;
	if (x->oxm_class != OFPXMC_OPENFLOW_BASIC)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "OXM class 0x%04x", x->oxm_class);
	d = basic_def(x->field);
	if (!d)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "OXM basic field %u", x->field);
	if (x->len != d->len)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN, "OXM %s: %u bytes, %u expected", d->name,
				x->len, d->len);
	if (x->has_mask && !d->maskable)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_MASK, "OXM %s cannot have a mask", d->name);
	if (d->bits) {
		__u32 v = 0, mk = 0;

		for (int i = 0; i < d->len; i++) {
			v = v << 8 | x->value[i];
			mk = mk << 8 | x->mask[i];
		}
		if (v >> d->bits)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"OXM %s: value 0x%x wider than %u bits", d->name, v,
					d->bits);
		if (x->has_mask && mk >> d->bits)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_MASK,
					"OXM %s: mask 0x%x wider than %u bits", d->name, mk,
					d->bits);
	}
	if (x->has_mask)
		for (int i = 0; i < x->len; i++) /* len == d->len here */
			if (x->value[i] & ~x->mask[i])
				return ofp_fail(st, OFP_ERR_BAD_MATCH_WILDCARDS,
						"OXM %s: value has bits outside its mask", d->name);
	return 0;
}

static bool same_field(const struct ofp_oxm *a, const struct ofp_oxm *b)
{
	return a->oxm_class == b->oxm_class && a->field == b->field &&
	       (a->oxm_class != OFPXMC_EXPERIMENTER || a->experimenter == b->experimenter);
}

static int dup(struct ofp_status *st, const struct ofp_oxm *x)
{
	return ofp_fail(st, OFP_ERR_DUP_FIELD, "OXM class 0x%04x field %u twice", x->oxm_class,
			x->field);
}

int ofp_match13_decode(struct ofp_rd *r, struct ofp_msg *m, struct ofp_match *match,
		       struct ofp_status *st)
{
	__u64 seen[2] = {0, 0}; /* basic fields already in the match */
	struct ofp_rd fields;
	__u16 type, len;
	size_t padded, max;
	int err;

	if (r->len < sizeof(struct ofp13_match))
		return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN, "match header truncated");
	type = ofp_peek16(r, 0);
	len = ofp_peek16(r, 2);
	if (type != OFPMT_OXM)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_TYPE, "match type %u, not OXM", type);
	padded = ofp_pad8(len);
	if (len < sizeof(struct ofp13_match) || padded > r->len)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN,
				"match length %u (padded %zu) with %zu bytes left", len, padded,
				r->len);
	ofp_rd_sub(r, padded, &fields);
	fields.len = len; /* the padding is not fields */
	ofp_rd_skip(&fields, sizeof(struct ofp13_match));
	max = fields.len / 4;
	match->oxm = ofp_alloc(m, (max ? max : 1) * sizeof(*match->oxm));
	if (!match->oxm)
		return ofp_oom(st);
	match->n_oxm = 0;
	while (fields.len) {
		struct ofp_oxm *x = &match->oxm[match->n_oxm];
		__u32 hdr;
		__u8 plen;
		size_t vlen;

		if (fields.len < 4)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN, "OXM header truncated");
		hdr = ofp_peek32(&fields, 0);
		ofp_rd_skip(&fields, 4);
		x->oxm_class = (__u16)(hdr >> 16);
		x->field = (__u8)(hdr >> 9 & 0x7f);
		x->has_mask = hdr >> 8 & 1;
		plen = (__u8)hdr;
		if (plen > fields.len)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN,
					"OXM 0x%08x: length %u with %zu bytes left", hdr, plen,
					fields.len);
		if (x->oxm_class == OFPXMC_EXPERIMENTER) {
			if (plen < 4)
				return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN,
						"experimenter OXM without an experimenter id");
			x->experimenter = ofp_peek32(&fields, 0);
			ofp_rd_skip(&fields, 4);
			plen -= 4;
		}
		if (x->has_mask && plen % 2)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN,
					"OXM 0x%08x: masked with an odd length %u", hdr, plen);
		vlen = x->has_mask ? plen / 2u : plen;
		if (vlen > OFP_OXM_MAX)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN,
					"OXM 0x%08x: %zu-byte value, the codec keeps up to %d", hdr,
					vlen, OFP_OXM_MAX);
		x->len = (__u8)vlen;
		ofp_rd_pull(&fields, x->value, vlen);
		if (x->has_mask)
			ofp_rd_pull(&fields, x->mask, vlen);
		err = oxm_check(x, st);
		if (err)
			return err;
		if (x->oxm_class == OFPXMC_OPENFLOW_BASIC) {
			if (seen[x->field / 64] >> (x->field % 64) & 1)
				return dup(st, x);
			seen[x->field / 64] |= 1ull << (x->field % 64);
		} else {
			/* Experimenter fields are rare: a linear scan is enough. */
			for (size_t i = 0; i < match->n_oxm; i++)
				if (same_field(&match->oxm[i], x))
					return dup(st, x);
		}
		match->n_oxm++;
	}
	return 0;
}

int ofp_match13_encode(const struct ofp_match *match, struct ofp_buf *b, char *err, size_t errlen)
{
	size_t start = b->len;
	struct ofp13_match h = {htobe16(OFPMT_OXM), 0};

	ofp_put(b, &h, sizeof(h));
	for (size_t i = 0; i < match->n_oxm; i++) {
		const struct ofp_oxm *x = &match->oxm[i];
		struct ofp_status st;
		size_t plen = (size_t)x->len * (x->has_mask ? 2 : 1);
		__be32 hdr, id = htobe32(x->experimenter);

		if (x->len > OFP_OXM_MAX)
			return ofp_enc_fail(err, errlen, "OXM value longer than %d", OFP_OXM_MAX);
		if (oxm_check(x, &st))
			return ofp_enc_fail(err, errlen, "%s", st.text);
		if (x->field > 0x7f)
			return ofp_enc_fail(err, errlen, "OXM field %u above 127", x->field);
		if (x->oxm_class == OFPXMC_EXPERIMENTER)
			plen += 4;
		if (plen > 255)
			return ofp_enc_fail(err, errlen, "OXM payload of %zu bytes", plen);
		hdr = htobe32((__u32)x->oxm_class << 16 | (__u32)x->field << 9 |
			      (__u32)x->has_mask << 8 | (__u32)plen);
		ofp_put(b, &hdr, sizeof(hdr));
		if (x->oxm_class == OFPXMC_EXPERIMENTER)
			ofp_put(b, &id, sizeof(id));
		ofp_put(b, x->value, x->len);
		if (x->has_mask)
			ofp_put(b, x->mask, x->len);
	}
	if (b->len - start > 0xffff)
		return ofp_enc_fail(err, errlen, "match longer than 65535 bytes");
	ofp_poke16(b, start + 2, (__u16)(b->len - start));
	ofp_put_pad8(b, start);
	return 0;
}
