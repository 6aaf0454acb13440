// SPDX-License-Identifier: MIT
/*
 * The message table: (version, type, stats type, experimenter id and subtype) -> kind,
 * minimum length, decoder, encoder, printer. ofp_decode() checks the header, finds the row,
 * checks the minimum length and hands the body to the row's decoder; no decoder sees a
 * message that failed these checks. ofp_encode() writes the headers and lets the row's
 * encoder append the body, then sets the length.
 */
#include <stdio.h>

#include "ofp_internal.h"

#define V10 OFP10_VERSION
#define V13 OFP13_VERSION
#define HDR sizeof(struct ofp_header)
#define ST10 sizeof(struct ofp10_stats_msg)
#define ST13 sizeof(struct ofp13_multipart_msg)

#define ROW(v, t, k, len, fn)                                                                      \
	{                                                                                          \
		.version = v, .type = t, .stat = OFP_NO_STAT, .kind = k, .min_len = len,           \
		.decode = ofp_##fn##_decode, .encode = ofp_##fn##_encode,                          \
		.print = ofp_##fn##_print                                                          \
	}
#define STAT(v, t, s, k, len, fn)                                                                  \
	{                                                                                          \
		.version = v, .type = t, .stat = s, .kind = k, .min_len = len,                     \
		.decode = ofp_##fn##_decode, .encode = ofp_##fn##_encode,                          \
		.print = ofp_##fn##_print                                                          \
	}
#define EXP(v, t, s, k, len, fn)                                                                   \
	{                                                                                          \
		.version = v, .type = t, .stat = s, .any_exp = true, .kind = k, .min_len = len,    \
		.decode = ofp_##fn##_decode, .encode = ofp_##fn##_encode,                          \
		.print = ofp_##fn##_print                                                          \
	}

/* Minimum lengths are of the whole message; decoders check the rest (exact sizes, lists). */
static const struct ofp_msg_class classes[] = {
    /* OpenFlow 1.0 */
    ROW(V10, OFPT_HELLO, OFPK_HELLO, HDR, hello),
    ROW(V10, OFPT_ERROR, OFPK_ERROR, sizeof(struct ofp_error_msg), error),
    ROW(V10, OFPT_ECHO_REQUEST, OFPK_ECHO_REQUEST, HDR, echo),
    ROW(V10, OFPT_ECHO_REPLY, OFPK_ECHO_REPLY, HDR, echo),
    EXP(V10, OFPT_EXPERIMENTER, OFP_NO_STAT, OFPK_EXPERIMENTER, HDR + 4, experimenter),
    ROW(V10, OFPT_FEATURES_REQUEST, OFPK_FEATURES_REQUEST, HDR, empty),
    ROW(V10, OFPT_FEATURES_REPLY, OFPK_FEATURES_REPLY, sizeof(struct ofp_switch_features),
	features_reply),
    ROW(V10, OFPT_GET_CONFIG_REQUEST, OFPK_GET_CONFIG_REQUEST, HDR, empty),
    ROW(V10, OFPT_GET_CONFIG_REPLY, OFPK_GET_CONFIG_REPLY, sizeof(struct ofp_switch_config_msg),
	config),
    ROW(V10, OFPT_SET_CONFIG, OFPK_SET_CONFIG, sizeof(struct ofp_switch_config_msg), config),
    ROW(V10, OFPT_FLOW_REMOVED, OFPK_FLOW_REMOVED, sizeof(struct ofp10_flow_removed), flow_removed),
    ROW(V10, OFPT_PORT_STATUS, OFPK_PORT_STATUS,
	sizeof(struct ofp_port_status_msg) + sizeof(struct ofp10_phy_port), port_status),
    ROW(V10, OFPT_FLOW_MOD, OFPK_FLOW_MOD, sizeof(struct ofp10_flow_mod), flow_mod),
    ROW(V10, OFPT10_BARRIER_REQUEST, OFPK_BARRIER_REQUEST, HDR, empty),
    ROW(V10, OFPT10_BARRIER_REPLY, OFPK_BARRIER_REPLY, HDR, empty),
    STAT(V10, OFPT10_STATS_REQUEST, OFPMP_DESC, OFPK_DESC_REQUEST, ST10, empty),
    STAT(V10, OFPT10_STATS_REPLY, OFPMP_DESC, OFPK_DESC_REPLY, ST10 + sizeof(struct ofp_desc),
	 desc_reply),
    STAT(V10, OFPT10_STATS_REQUEST, OFPMP_FLOW, OFPK_FLOW_STATS_REQUEST,
	 ST10 + sizeof(struct ofp10_flow_stats_request), flow_stats_request),
    STAT(V10, OFPT10_STATS_REPLY, OFPMP_FLOW, OFPK_FLOW_STATS_REPLY, ST10, flow_stats_reply),
    STAT(V10, OFPT10_STATS_REQUEST, OFPMP_AGGREGATE, OFPK_AGGREGATE_REQUEST,
	 ST10 + sizeof(struct ofp10_flow_stats_request), flow_stats_request),
    STAT(V10, OFPT10_STATS_REPLY, OFPMP_AGGREGATE, OFPK_AGGREGATE_REPLY,
	 ST10 + sizeof(struct ofp_aggregate_stats_reply), aggregate_reply),
    STAT(V10, OFPT10_STATS_REQUEST, OFPMP_TABLE, OFPK_TABLE_STATS_REQUEST, ST10, empty),
    STAT(V10, OFPT10_STATS_REPLY, OFPMP_TABLE, OFPK_TABLE_STATS_REPLY, ST10, table_stats_reply),
    STAT(V10, OFPT10_STATS_REQUEST, OFPMP_PORT_STATS, OFPK_PORT_STATS_REQUEST,
	 ST10 + sizeof(struct ofp10_port_stats_request), port_stats_request),
    STAT(V10, OFPT10_STATS_REPLY, OFPMP_PORT_STATS, OFPK_PORT_STATS_REPLY, ST10, port_stats_reply),
    EXP(V10, OFPT10_STATS_REQUEST, OFPMP_EXPERIMENTER, OFPK_EXPERIMENTER_STATS_REQUEST, ST10 + 4,
	experimenter_stats),
    EXP(V10, OFPT10_STATS_REPLY, OFPMP_EXPERIMENTER, OFPK_EXPERIMENTER_STATS_REPLY, ST10 + 4,
	experimenter_stats),

    /* OpenFlow 1.3 */
    ROW(V13, OFPT_HELLO, OFPK_HELLO, HDR, hello),
    ROW(V13, OFPT_ERROR, OFPK_ERROR, sizeof(struct ofp_error_msg), error),
    ROW(V13, OFPT_ECHO_REQUEST, OFPK_ECHO_REQUEST, HDR, echo),
    ROW(V13, OFPT_ECHO_REPLY, OFPK_ECHO_REPLY, HDR, echo),
    EXP(V13, OFPT_EXPERIMENTER, OFP_NO_STAT, OFPK_EXPERIMENTER, sizeof(struct ofp_experimenter_msg),
	experimenter),
    ROW(V13, OFPT_FEATURES_REQUEST, OFPK_FEATURES_REQUEST, HDR, empty),
    ROW(V13, OFPT_FEATURES_REPLY, OFPK_FEATURES_REPLY, sizeof(struct ofp_switch_features),
	features_reply),
    ROW(V13, OFPT_GET_CONFIG_REQUEST, OFPK_GET_CONFIG_REQUEST, HDR, empty),
    ROW(V13, OFPT_GET_CONFIG_REPLY, OFPK_GET_CONFIG_REPLY, sizeof(struct ofp_switch_config_msg),
	config),
    ROW(V13, OFPT_SET_CONFIG, OFPK_SET_CONFIG, sizeof(struct ofp_switch_config_msg), config),
    ROW(V13, OFPT_FLOW_REMOVED, OFPK_FLOW_REMOVED, sizeof(struct ofp13_flow_removed) + 8,
	flow_removed),
    ROW(V13, OFPT_PORT_STATUS, OFPK_PORT_STATUS,
	sizeof(struct ofp_port_status_msg) + sizeof(struct ofp13_port), port_status),
    ROW(V13, OFPT_FLOW_MOD, OFPK_FLOW_MOD, sizeof(struct ofp13_flow_mod) + 8, flow_mod),
    ROW(V13, OFPT13_BARRIER_REQUEST, OFPK_BARRIER_REQUEST, HDR, empty),
    ROW(V13, OFPT13_BARRIER_REPLY, OFPK_BARRIER_REPLY, HDR, empty),
    ROW(V13, OFPT13_ROLE_REQUEST, OFPK_ROLE_REQUEST, sizeof(struct ofp13_role_msg), role),
    ROW(V13, OFPT13_ROLE_REPLY, OFPK_ROLE_REPLY, sizeof(struct ofp13_role_msg), role),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_DESC, OFPK_DESC_REQUEST, ST13, empty),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_DESC, OFPK_DESC_REPLY, ST13 + sizeof(struct ofp_desc),
	 desc_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_FLOW, OFPK_FLOW_STATS_REQUEST,
	 ST13 + sizeof(struct ofp13_flow_stats_request) + 8, flow_stats_request),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_FLOW, OFPK_FLOW_STATS_REPLY, ST13, flow_stats_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_AGGREGATE, OFPK_AGGREGATE_REQUEST,
	 ST13 + sizeof(struct ofp13_flow_stats_request) + 8, flow_stats_request),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_AGGREGATE, OFPK_AGGREGATE_REPLY,
	 ST13 + sizeof(struct ofp_aggregate_stats_reply), aggregate_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_TABLE, OFPK_TABLE_STATS_REQUEST, ST13, empty),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_TABLE, OFPK_TABLE_STATS_REPLY, ST13, table_stats_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_PORT_STATS, OFPK_PORT_STATS_REQUEST,
	 ST13 + sizeof(struct ofp13_port_stats_request), port_stats_request),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_PORT_STATS, OFPK_PORT_STATS_REPLY, ST13,
	 port_stats_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_PORT_DESC, OFPK_PORT_DESC_REQUEST, ST13, empty),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_PORT_DESC, OFPK_PORT_DESC_REPLY, ST13, port_desc_reply),
    STAT(V13, OFPT13_MULTIPART_REQUEST, OFPMP_TABLE_FEATURES, OFPK_TABLE_FEATURES_REQUEST, ST13,
	 table_features),
    STAT(V13, OFPT13_MULTIPART_REPLY, OFPMP_TABLE_FEATURES, OFPK_TABLE_FEATURES_REPLY, ST13,
	 table_features),
    EXP(V13, OFPT13_MULTIPART_REQUEST, OFPMP_EXPERIMENTER, OFPK_EXPERIMENTER_STATS_REQUEST,
	ST13 + sizeof(struct ofp13_multipart_experimenter), experimenter_stats),
    EXP(V13, OFPT13_MULTIPART_REPLY, OFPMP_EXPERIMENTER, OFPK_EXPERIMENTER_STATS_REPLY,
	ST13 + sizeof(struct ofp13_multipart_experimenter), experimenter_stats),
};

static const char *const kind_names[OFPK_COUNT] = {
    [OFPK_NONE] = "NONE",
    [OFPK_HELLO] = "HELLO",
    [OFPK_ERROR] = "ERROR",
    [OFPK_ECHO_REQUEST] = "ECHO_REQUEST",
    [OFPK_ECHO_REPLY] = "ECHO_REPLY",
    [OFPK_EXPERIMENTER] = "EXPERIMENTER",
    [OFPK_FEATURES_REQUEST] = "FEATURES_REQUEST",
    [OFPK_FEATURES_REPLY] = "FEATURES_REPLY",
    [OFPK_GET_CONFIG_REQUEST] = "GET_CONFIG_REQUEST",
    [OFPK_GET_CONFIG_REPLY] = "GET_CONFIG_REPLY",
    [OFPK_SET_CONFIG] = "SET_CONFIG",
    [OFPK_FLOW_REMOVED] = "FLOW_REMOVED",
    [OFPK_PORT_STATUS] = "PORT_STATUS",
    [OFPK_FLOW_MOD] = "FLOW_MOD",
    [OFPK_BARRIER_REQUEST] = "BARRIER_REQUEST",
    [OFPK_BARRIER_REPLY] = "BARRIER_REPLY",
    [OFPK_DESC_REQUEST] = "DESC_REQUEST",
    [OFPK_DESC_REPLY] = "DESC_REPLY",
    [OFPK_FLOW_STATS_REQUEST] = "FLOW_STATS_REQUEST",
    [OFPK_FLOW_STATS_REPLY] = "FLOW_STATS_REPLY",
    [OFPK_AGGREGATE_REQUEST] = "AGGREGATE_REQUEST",
    [OFPK_AGGREGATE_REPLY] = "AGGREGATE_REPLY",
    [OFPK_TABLE_STATS_REQUEST] = "TABLE_STATS_REQUEST",
    [OFPK_TABLE_STATS_REPLY] = "TABLE_STATS_REPLY",
    [OFPK_PORT_STATS_REQUEST] = "PORT_STATS_REQUEST",
    [OFPK_PORT_STATS_REPLY] = "PORT_STATS_REPLY",
    [OFPK_PORT_DESC_REQUEST] = "PORT_DESC_REQUEST",
    [OFPK_PORT_DESC_REPLY] = "PORT_DESC_REPLY",
    [OFPK_TABLE_FEATURES_REQUEST] = "TABLE_FEATURES_REQUEST",
    [OFPK_TABLE_FEATURES_REPLY] = "TABLE_FEATURES_REPLY",
    [OFPK_EXPERIMENTER_STATS_REQUEST] = "EXPERIMENTER_STATS_REQUEST",
    [OFPK_EXPERIMENTER_STATS_REPLY] = "EXPERIMENTER_STATS_REPLY",
    [OFPK_ROLE_REQUEST] = "ROLE_REQUEST",
    [OFPK_ROLE_REPLY] = "ROLE_REPLY",
};

const char *ofp_kind_name(enum ofp_kind kind)
{
	if ((unsigned int)kind < OFPK_COUNT && kind_names[kind])
		return kind_names[kind];
	return "UNKNOWN";
}

const char *ofp_version_name(__u8 version)
{
	static const char *const names[] = {"OF0x00", "OF1.0", "OF1.1", "OF1.2",
					    "OF1.3",  "OF1.4", "OF1.5"};
	static __thread char other[8];

	if (version < sizeof(names) / sizeof(names[0]))
		return names[version];
	snprintf(other, sizeof(other), "OF0x%02x", version);
	return other;
}

const struct ofp_msg_class *ofp_class_by_kind(__u8 version, enum ofp_kind kind)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].version == version && classes[i].kind == kind)
			return &classes[i];
	return NULL;
}

static bool is_stats_type(__u8 version, __u8 type)
{
	if (version == V10)
		return type == OFPT10_STATS_REQUEST || type == OFPT10_STATS_REPLY;
	return type == OFPT13_MULTIPART_REQUEST || type == OFPT13_MULTIPART_REPLY;
}

/* Exact experimenter rows win over the catch-all ones, so a later extension can give its
 * messages their own decoder by adding a row. */
static const struct ofp_msg_class *lookup(__u8 version, __u8 type, __u16 stat, bool have_exp,
					  __u32 exp_id, __u32 exp_type)
{
	const struct ofp_msg_class *any = NULL;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		const struct ofp_msg_class *c = &classes[i];

		if (c->version != version || c->type != type || c->stat != stat)
			continue;
		if (c->any_exp) {
			any = c;
			continue;
		}
		if (c->exp_id || c->exp_type) {
			if (have_exp && c->exp_id == exp_id && c->exp_type == exp_type)
				return c;
			continue;
		}
		return c;
	}
	return any;
}

long ofp_frame_len(const void *buf, size_t len)
{
	const __u8 *p = buf;
	unsigned int n;

	if (len < sizeof(struct ofp_header))
		return 0;
	n = (unsigned int)p[2] << 8 | p[3];
	if (n < sizeof(struct ofp_header))
		return -EBADMSG;
	return n;
}

int ofp_decode(const void *buf, size_t len, struct ofp_msg *m, struct ofp_status *st)
{
	const struct ofp_msg_class *c;
	struct ofp_header h;
	struct ofp_rd r = ofp_rd_make(buf, len), body;
	__u16 stat = OFP_NO_STAT, flags = 0;
	__u32 exp_id = 0, exp_type = 0;
	bool have_exp = false;
	size_t msg_len;
	int err;

	memset(m, 0, sizeof(*m));
	st->err = OFP_ERR_NONE;
	st->text[0] = '\0';
	if (!ofp_rd_pull(&r, &h, sizeof(h)))
		return ofp_fail(st, OFP_ERR_BAD_LEN, "%zu bytes, shorter than a header", len);
	msg_len = be16toh(h.length);
	if (msg_len < sizeof(h))
		return ofp_fail(st, OFP_ERR_BAD_LEN, "header length %zu is below 8", msg_len);
	if (msg_len > len)
		return ofp_fail(st, OFP_ERR_BAD_LEN, "truncated: header length %zu, %zu bytes",
				msg_len, len);
	r.len = msg_len - sizeof(h);
	m->xid = be32toh(h.xid);
	m->version = h.version;

	/* HELLO and ERROR look the same in every version: they are read whatever the peer
	 * speaks, so negotiation and its failure can be understood. */
	if (h.version == 0)
		return ofp_fail(st, OFP_ERR_BAD_VERSION, "version 0");
	if (h.version != V10 && h.version != V13 && h.type != OFPT_HELLO && h.type != OFPT_ERROR)
		return ofp_fail(st, OFP_ERR_BAD_VERSION, "version 0x%02x is not 1.0 or 1.3",
				h.version);
	if (h.version != V10 && h.version != V13) {
		c = h.type == OFPT_HELLO ? ofp_class_by_kind(V13, OFPK_HELLO)
					 : ofp_class_by_kind(V13, OFPK_ERROR);
	} else if (is_stats_type(h.version, h.type)) {
		size_t sl = h.version == V10 ? ST10 : ST13;

		if (msg_len < sl)
			return ofp_fail(st, OFP_ERR_BAD_LEN, "%zu bytes, shorter than a %s header",
					msg_len, h.version == V10 ? "stats" : "multipart");
		stat = ofp_peek16(&r, 0);
		flags = ofp_peek16(&r, 2);
		if (stat == OFPMP_EXPERIMENTER && r.len >= sl - HDR + 4) {
			exp_id = ofp_peek32(&r, sl - HDR);
			if (h.version == V13 && r.len >= sl - HDR + 8)
				exp_type = ofp_peek32(&r, sl - HDR + 4);
			have_exp = true;
		}
		ofp_rd_skip(&r, sl - HDR);
		c = lookup(h.version, h.type, stat, have_exp, exp_id, exp_type);
		if (!c)
			return ofp_fail(st, OFP_ERR_BAD_STAT, "%s type %u of %s",
					h.type == (h.version == V10 ? OFPT10_STATS_REQUEST
								    : OFPT13_MULTIPART_REQUEST)
					    ? "request"
					    : "reply",
					stat, ofp_version_name(h.version));
	} else {
		if (h.type == OFPT_EXPERIMENTER && r.len >= 4) {
			exp_id = ofp_peek32(&r, 0);
			if (r.len >= 8)
				exp_type = ofp_peek32(&r, 4);
			have_exp = true;
		}
		c = lookup(h.version, h.type, OFP_NO_STAT, have_exp, exp_id, exp_type);
		if (!c)
			return ofp_fail(st, OFP_ERR_BAD_TYPE, "message type %u of %s", h.type,
					ofp_version_name(h.version));
	}
	if (msg_len < c->min_len)
		return ofp_fail(st, OFP_ERR_BAD_LEN, "%s of %zu bytes, at least %zu expected",
				ofp_kind_name(c->kind), msg_len, c->min_len);
	m->kind = c->kind;
	m->stats_flags = flags;
	body = r;
	err = c->decode(&body, m, st);
	if (err) {
		ofp_msg_free(m);
		return err;
	}
	if (body.len) {
		/* Each decoder consumes what it understood; bytes left over mean the lengths
		 * inside the message do not add up to the header's. */
		ofp_msg_free(m);
		return ofp_fail(st, OFP_ERR_BAD_LEN, "%s: %zu bytes after the last field",
				ofp_kind_name(c->kind), body.len);
	}
	return 0;
}

int ofp_encode(const struct ofp_msg *m, struct ofp_buf *out, char *err, size_t errlen)
{
	const struct ofp_msg_class *c;
	struct ofp_header h;
	size_t start = out->len, len;
	int ret;

	c = ofp_class_by_kind(m->version, m->kind);
	if (!c && m->version != V10 && m->version != V13 &&
	    (m->kind == OFPK_HELLO || m->kind == OFPK_ERROR))
		c = ofp_class_by_kind(V13, m->kind);
	if (!c)
		return ofp_enc_fail(err, errlen, "%s has no %s message",
				    ofp_version_name(m->version), ofp_kind_name(m->kind));
	h.version = m->version;
	h.type = c->type;
	h.length = 0;
	h.xid = htobe32(m->xid);
	ofp_put(out, &h, sizeof(h));
	if (c->stat != OFP_NO_STAT) {
		struct ofp13_multipart_msg s = {0};

		s.type = htobe16(c->stat);
		s.flags = htobe16(m->stats_flags);
		ofp_put(out, (__u8 *)&s + HDR, (m->version == V10 ? ST10 : ST13) - HDR);
	}
	ret = c->encode(m, out, err, errlen);
	len = out->len - start;
	if (!ret && out->oom)
		ret = -ENOMEM;
	if (!ret && len > 0xffff)
		ret = -EMSGSIZE;
	if (ret) {
		if (ret == -ENOMEM || ret == -EMSGSIZE)
			ofp_enc_fail(err, errlen, "%s: %s", ofp_kind_name(m->kind),
				     ret == -ENOMEM ? "out of memory" : "longer than 65535 bytes");
		out->len = start;
		out->oom = false;
		return ret;
	}
	ofp_poke16(out, start + 2, (__u16)len);
	return 0;
}

void ofp_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_msg_class *c = ofp_class_by_kind(m->version, m->kind);

	if (!c && (m->kind == OFPK_HELLO || m->kind == OFPK_ERROR))
		c = ofp_class_by_kind(V13, m->kind);
	strbuf_printf(sb, "%s %s xid=0x%x", ofp_version_name(m->version), ofp_kind_name(m->kind),
		      m->xid);
	/* REQ_MORE and REPLY_MORE are both bit 0; other bits have no meaning but are kept. */
	if (c && c->stat != OFP_NO_STAT && (m->stats_flags & OFPMPF_REPLY_MORE))
		strbuf_puts(sb, " more");
	if (c && c->stat != OFP_NO_STAT && (m->stats_flags & ~OFPMPF_REPLY_MORE))
		strbuf_printf(sb, " stats_flags=0x%x", m->stats_flags & ~OFPMPF_REPLY_MORE);
	if (c)
		c->print(m, sb);
}
