// SPDX-License-Identifier: MIT
/*
 * The switch's small messages: those without a body (FEATURES_REQUEST, GET_CONFIG_REQUEST,
 * BARRIER, the empty stats requests), ECHO, VENDOR/EXPERIMENTER, FEATURES_REPLY (1.0's with
 * its ports), GET_CONFIG_REPLY/SET_CONFIG and PORT_STATUS.
 */
#include "ofp_internal.h"

int ofp_empty_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	/* Bytes left make ofp_decode() answer BAD_LEN. */
	return 0;
}

int ofp_empty_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	return 0;
}

void ofp_empty_print(const struct ofp_msg *m, struct strbuf *sb)
{
}

int ofp_echo_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	m->echo.len = body->len;
	m->echo.data = ofp_dup(m, body->p, body->len);
	if (!m->echo.data)
		return ofp_oom(st);
	ofp_rd_skip(body, body->len);
	return 0;
}

int ofp_echo_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	ofp_put(b, m->echo.data, m->echo.len);
	return 0;
}

void ofp_echo_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " data_len=%zu", m->echo.len);
	if (m->echo.len) {
		strbuf_puts(sb, " data=");
		ofp_print_hex(sb, m->echo.data, m->echo.len);
	}
}

/* Shared by EXPERIMENTER messages and experimenter stats: id, subtype, data. 1.3 always has
 * the subtype; 1.0 has one by convention when at least 4 bytes follow the vendor id. */
static int exp_body_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_experimenter *e = &m->exp;

	e->experimenter = ofp_peek32(body, 0); /* min_len covers it */
	ofp_rd_skip(body, 4);
	if (m->version == OFP13_VERSION || body->len >= 4) {
		e->subtype = ofp_peek32(body, 0);
		e->has_subtype = true;
		ofp_rd_skip(body, 4);
	}
	e->len = body->len;
	e->data = ofp_dup(m, body->p, body->len);
	if (!e->data)
		return ofp_oom(st);
	ofp_rd_skip(body, body->len);
	return 0;
}

static int exp_body_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_experimenter *e = &m->exp;
	__be32 id = htobe32(e->experimenter), sub = htobe32(e->subtype);

	if (m->version == OFP13_VERSION && !e->has_subtype)
		return ofp_enc_fail(err, errlen, "1.3 experimenter message without exp_type");
	if (m->version == OFP10_VERSION && !e->has_subtype && e->len >= 4)
		return ofp_enc_fail(err, errlen,
				    "1.0 vendor data without a subtype would read back as one");
	ofp_put(b, &id, sizeof(id));
	if (e->has_subtype)
		ofp_put(b, &sub, sizeof(sub));
	ofp_put(b, e->data, e->len);
	return 0;
}

static void exp_body_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_experimenter *e = &m->exp;

	strbuf_printf(sb, " experimenter=0x%08x", e->experimenter);
	if (e->has_subtype)
		strbuf_printf(sb, " subtype=%u", e->subtype);
	strbuf_printf(sb, " data_len=%zu", e->len);
	if (e->len) {
		strbuf_puts(sb, " data=");
		ofp_print_hex(sb, e->data, e->len);
	}
}

int ofp_experimenter_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	return exp_body_decode(body, m, st);
}

int ofp_experimenter_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	return exp_body_encode(m, b, err, errlen);
}

void ofp_experimenter_print(const struct ofp_msg *m, struct strbuf *sb)
{
	exp_body_print(m, sb);
}

int ofp_experimenter_stats_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	return exp_body_decode(body, m, st);
}

int ofp_experimenter_stats_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				  size_t errlen)
{
	return exp_body_encode(m, b, err, errlen);
}

void ofp_experimenter_stats_print(const struct ofp_msg *m, struct strbuf *sb)
{
	exp_body_print(m, sb);
}

int ofp_features_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_features *f = &m->features;
	struct ofp_switch_features w;
	size_t n;

	OFP_RD_PULL_AFTER_HEADER(body, &w);
	f->datapath_id = be64toh(w.datapath_id);
	f->n_buffers = be32toh(w.n_buffers);
	f->n_tables = w.n_tables;
	f->auxiliary_id = m->version == OFP13_VERSION ? w.auxiliary_id : 0;
	f->capabilities = be32toh(w.capabilities);
	f->actions = be32toh(w.actions);
	if (m->version != OFP10_VERSION)
		return 0; /* 1.3 ports come in PORT_DESC; extra bytes are BAD_LEN */
	if (body->len % sizeof(struct ofp10_phy_port))
		return ofp_fail(st, OFP_ERR_BAD_LEN,
				"FEATURES_REPLY: %zu bytes of ports, not a multiple of 48",
				body->len);
	n = body->len / sizeof(struct ofp10_phy_port);
	f->ports = ofp_alloc(m, (n ? n : 1) * sizeof(*f->ports));
	if (!f->ports)
		return ofp_oom(st);
	for (f->n_ports = 0; f->n_ports < n; f->n_ports++)
		ofp_port_decode(body, m->version, &f->ports[f->n_ports], st);
	return 0;
}

int ofp_features_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_features *f = &m->features;
	struct ofp_switch_features w = {0};

	w.datapath_id = htobe64(f->datapath_id);
	w.n_buffers = htobe32(f->n_buffers);
	w.n_tables = f->n_tables;
	w.auxiliary_id = m->version == OFP13_VERSION ? f->auxiliary_id : 0;
	w.capabilities = htobe32(f->capabilities);
	w.actions = htobe32(f->actions);
	OFP_PUT_AFTER_HEADER(b, &w);
	if (f->n_ports && m->version != OFP10_VERSION)
		return ofp_enc_fail(err, errlen, "1.3 FEATURES_REPLY has no ports (PORT_DESC)");
	for (size_t i = 0; i < f->n_ports; i++) {
		int ret = ofp_port_encode(&f->ports[i], m->version, b, err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

void ofp_features_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_features *f = &m->features;

	strbuf_printf(sb, " dpid=0x%016llx n_buffers=%u n_tables=%u",
		      (unsigned long long)f->datapath_id, f->n_buffers, f->n_tables);
	if (m->version == OFP13_VERSION)
		strbuf_printf(sb, " auxiliary_id=%u", f->auxiliary_id);
	strbuf_printf(sb, " capabilities=0x%x", f->capabilities);
	if (m->version == OFP10_VERSION) {
		strbuf_printf(sb, " actions=0x%x ports=[", f->actions);
		for (size_t i = 0; i < f->n_ports; i++) {
			if (i)
				strbuf_puts(sb, ",");
			ofp_print_port(sb, m->version, &f->ports[i]);
		}
		strbuf_puts(sb, "]");
	} else if (f->actions) {
		strbuf_printf(sb, " reserved=0x%x", f->actions);
	}
}

int ofp_config_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_switch_config_msg w;

	OFP_RD_PULL_AFTER_HEADER(body, &w);
	m->config.flags = be16toh(w.flags);
	m->config.miss_send_len = be16toh(w.miss_send_len);
	return 0;
}

int ofp_config_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	struct ofp_switch_config_msg w;

	w.flags = htobe16(m->config.flags);
	w.miss_send_len = htobe16(m->config.miss_send_len);
	OFP_PUT_AFTER_HEADER(b, &w);
	return 0;
}

void ofp_config_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " flags=0x%x miss_send_len=%u", m->config.flags, m->config.miss_send_len);
}

int ofp_port_status_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_port_status_msg w;

	OFP_RD_PULL_AFTER_HEADER(body, &w);
	m->port_status.reason = w.reason;
	return ofp_port_decode(body, m->version, &m->port_status.port, st);
}

int ofp_port_status_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	struct ofp_port_status_msg w = {0};

	w.reason = m->port_status.reason;
	OFP_PUT_AFTER_HEADER(b, &w);
	return ofp_port_encode(&m->port_status.port, m->version, b, err, errlen);
}

void ofp_port_status_print(const struct ofp_msg *m, struct strbuf *sb)
{
	static const char *const reasons[] = {"add", "delete", "modify"};
	__u8 r = m->port_status.reason;

	if (r < 3)
		strbuf_printf(sb, " reason=%s ", reasons[r]);
	else
		strbuf_printf(sb, " reason=%u ", r);
	ofp_print_port(sb, m->version, &m->port_status.port);
}

int ofp_role_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp13_role_msg w;

	OFP_RD_PULL_AFTER_HEADER(body, &w);
	m->role.role = be32toh(w.role);
	m->role.generation_id = be64toh(w.generation_id);
	return 0;
}

int ofp_role_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	struct ofp13_role_msg w = {0};

	w.role = htobe32(m->role.role);
	w.generation_id = htobe64(m->role.generation_id);
	OFP_PUT_AFTER_HEADER(b, &w);
	return 0;
}

void ofp_role_print(const struct ofp_msg *m, struct strbuf *sb)
{
	static const char *const names[] = {"nochange", "equal", "master", "slave"};

	if (m->role.role < 4)
		strbuf_printf(sb, " role=%s", names[m->role.role]);
	else
		strbuf_printf(sb, " role=%u", m->role.role);
	strbuf_printf(sb, " generation_id=0x%llx", (unsigned long long)m->role.generation_id);
}
