// SPDX-License-Identifier: MIT
/*
 * Errors: the codec's error enum mapped to each version's (type, code), the ERROR message
 * itself, and the replies that answer a request that failed.
 */
#include <stdio.h>

#include "ofp_internal.h"

/* (type, code) per version; NONE where a version has no such error. */
#define NONE                                                                                       \
	{                                                                                          \
		-1, -1                                                                             \
	}
struct code {
	int type, code;
};
static const struct {
	const char *name;
	struct code v10, v13;
} errs[OFP_ERR_COUNT] = {
    [OFP_ERR_NONE] = {"NONE", NONE, NONE},
    [OFP_ERR_HELLO_INCOMPATIBLE] = {"HELLO_INCOMPATIBLE", {0, 0}, {0, 0}},
    [OFP_ERR_BAD_VERSION] = {"BAD_VERSION", {1, 0}, {1, 0}},
    [OFP_ERR_BAD_TYPE] = {"BAD_TYPE", {1, 1}, {1, 1}},
    [OFP_ERR_BAD_STAT] = {"BAD_STAT", {1, 2}, {1, 2}},
    [OFP_ERR_BAD_EXPERIMENTER] = {"BAD_EXPERIMENTER", {1, 3}, {1, 3}},
    [OFP_ERR_BAD_EXP_TYPE] = {"BAD_EXP_TYPE", {1, 4}, {1, 4}},
    [OFP_ERR_EPERM] = {"EPERM", {1, 5}, {1, 5}},
    [OFP_ERR_BAD_LEN] = {"BAD_LEN", {1, 6}, {1, 6}},
    [OFP_ERR_BAD_PORT] = {"BAD_PORT", NONE, {1, 11}},
    [OFP_ERR_IS_SLAVE] = {"IS_SLAVE", NONE, {1, 10}},
    [OFP_ERR_MULTIPART_OVERFLOW] = {"MULTIPART_BUFFER_OVERFLOW", NONE, {1, 13}},
    [OFP_ERR_BAD_ACTION_TYPE] = {"BAD_ACTION_TYPE", {2, 0}, {2, 0}},
    [OFP_ERR_BAD_ACTION_LEN] = {"BAD_ACTION_LEN", {2, 1}, {2, 1}},
    [OFP_ERR_BAD_ACTION_EXPERIMENTER] = {"BAD_ACTION_EXPERIMENTER", {2, 2}, {2, 2}},
    [OFP_ERR_BAD_OUT_PORT] = {"BAD_OUT_PORT", {2, 4}, {2, 4}},
    [OFP_ERR_BAD_QUEUE] = {"BAD_QUEUE", {2, 8}, {2, 8}},
    [OFP_ERR_BAD_INST_UNKNOWN] = {"BAD_INST_UNKNOWN", NONE, {3, 0}},
    [OFP_ERR_BAD_INST_LEN] = {"BAD_INST_LEN", NONE, {3, 7}},
    [OFP_ERR_BAD_INST_TABLE_ID] = {"BAD_INST_TABLE_ID", NONE, {3, 2}},
    [OFP_ERR_BAD_MATCH_TYPE] = {"BAD_MATCH_TYPE", NONE, {4, 0}},
    [OFP_ERR_BAD_MATCH_LEN] = {"BAD_MATCH_LEN", NONE, {4, 1}},
    [OFP_ERR_BAD_MATCH_WILDCARDS] = {"BAD_MATCH_WILDCARDS", NONE, {4, 5}},
    [OFP_ERR_BAD_MATCH_FIELD] = {"BAD_MATCH_FIELD", NONE, {4, 6}},
    [OFP_ERR_BAD_MATCH_VALUE] = {"BAD_MATCH_VALUE", NONE, {4, 7}},
    [OFP_ERR_BAD_MATCH_MASK] = {"BAD_MATCH_MASK", NONE, {4, 8}},
    [OFP_ERR_BAD_MATCH_PREREQ] = {"BAD_MATCH_PREREQ", NONE, {4, 9}},
    [OFP_ERR_DUP_FIELD] = {"DUP_FIELD", NONE, {4, 10}},
    [OFP_ERR_FLOW_MOD_TABLE_FULL] = {"FLOW_MOD_TABLE_FULL", {3, 0}, {5, 1}},
    [OFP_ERR_FLOW_MOD_OVERLAP] = {"FLOW_MOD_OVERLAP", {3, 1}, {5, 3}},
    [OFP_ERR_FLOW_MOD_BAD_TABLE_ID] = {"FLOW_MOD_BAD_TABLE_ID", NONE, {5, 2}},
    [OFP_ERR_FLOW_MOD_BAD_TIMEOUT] = {"FLOW_MOD_BAD_TIMEOUT", {3, 3}, {5, 5}},
    [OFP_ERR_FLOW_MOD_BAD_COMMAND] = {"FLOW_MOD_BAD_COMMAND", {3, 4}, {5, 6}},
    [OFP_ERR_FLOW_MOD_BAD_FLAGS] = {"FLOW_MOD_BAD_FLAGS", NONE, {5, 7}},
    [OFP_ERR_TABLE_FEATURES_BAD_TABLE] = {"TABLE_FEATURES_BAD_TABLE", NONE, {13, 0}},
    [OFP_ERR_TABLE_FEATURES_BAD_LEN] = {"TABLE_FEATURES_BAD_LEN", NONE, {13, 3}},
    [OFP_ERR_NO_MEMORY] = {"NO_MEMORY", NONE, NONE},
    [OFP_ERR_BUFFER_UNKNOWN] = {"BUFFER_UNKNOWN", {1, 8}, {1, 8}},
    [OFP_ERR_BAD_ACTION_EXP_TYPE] = {"BAD_ACTION_EXP_TYPE", {2, 3}, {2, 3}},
    [OFP_ERR_BAD_ACTION_ARGUMENT] = {"BAD_ACTION_ARGUMENT", {2, 5}, {2, 5}},
    [OFP_ERR_BAD_ACTION_EPERM] = {"BAD_ACTION_EPERM", {2, 6}, {2, 6}},
    [OFP_ERR_BAD_ACTION_TOO_MANY] = {"BAD_ACTION_TOO_MANY", {2, 7}, {2, 7}},
    [OFP_ERR_BAD_ACTION_MATCH_INCONSISTENT] = {"BAD_ACTION_MATCH_INCONSISTENT", {2, 5}, {2, 10}},
    [OFP_ERR_BAD_INST_UNSUP] = {"BAD_INST_UNSUP", NONE, {3, 1}},
    [OFP_ERR_FLOW_MOD_EPERM] = {"FLOW_MOD_EPERM", {3, 2}, {5, 4}},
    [OFP_ERR_FLOW_MOD_UNKNOWN] = {"FLOW_MOD_UNKNOWN", {3, 2}, {5, 0}},
    [OFP_ERR_ROLE_STALE] = {"ROLE_STALE", NONE, {11, 0}},
    [OFP_ERR_ROLE_BAD_ROLE] = {"ROLE_BAD_ROLE", NONE, {11, 2}},
    [OFP_ERR_SWITCH_CONFIG_BAD_FLAGS] = {"SWITCH_CONFIG_BAD_FLAGS", NONE, {10, 0}},
};

const char *ofp_err_name(enum ofp_err err)
{
	if ((unsigned int)err < OFP_ERR_COUNT && errs[err].name)
		return errs[err].name;
	return "UNKNOWN";
}

int ofp_err_code(enum ofp_err err, __u8 version, __u16 *type, __u16 *code)
{
	struct code c;

	if ((unsigned int)err >= OFP_ERR_COUNT)
		return -ENOENT;
	c = version == OFP10_VERSION ? errs[err].v10 : errs[err].v13;
	if (c.type < 0)
		return -ENOENT;
	*type = (__u16)c.type;
	*code = (__u16)c.code;
	return 0;
}

/* The spec's names of error types, for the printer. Index: type. */
static const char *type_name(__u8 version, __u16 type)
{
	static const char *const t10[] = {"HELLO_FAILED",    "BAD_REQUEST",	"BAD_ACTION",
					  "FLOW_MOD_FAILED", "PORT_MOD_FAILED", "QUEUE_OP_FAILED"};
	static const char *const t13[] = {"HELLO_FAILED",
					  "BAD_REQUEST",
					  "BAD_ACTION",
					  "BAD_INSTRUCTION",
					  "BAD_MATCH",
					  "FLOW_MOD_FAILED",
					  "GROUP_MOD_FAILED",
					  "PORT_MOD_FAILED",
					  "TABLE_MOD_FAILED",
					  "QUEUE_OP_FAILED",
					  "SWITCH_CONFIG_FAILED",
					  "ROLE_REQUEST_FAILED",
					  "METER_MOD_FAILED",
					  "TABLE_FEATURES_FAILED"};

	if (version == OFP10_VERSION)
		return type < sizeof(t10) / sizeof(t10[0]) ? t10[type] : NULL;
	if (version >= OFP13_VERSION && type == OFPET13_EXPERIMENTER)
		return "EXPERIMENTER";
	return type < sizeof(t13) / sizeof(t13[0]) ? t13[type] : NULL;
}

int ofp_error_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_error *e = &m->error;

	e->type = ofp_peek16(body, 0);
	e->code = ofp_peek16(body, 2);
	ofp_rd_skip(body, 4);
	if (m->version >= OFP13_VERSION && e->type == OFPET13_EXPERIMENTER) {
		if (body->len < 4)
			return ofp_fail(st, OFP_ERR_BAD_LEN,
					"experimenter ERROR without an experimenter id");
		e->experimenter = ofp_peek32(body, 0);
		ofp_rd_skip(body, 4);
	}
	e->data_len = body->len;
	e->data = ofp_dup(m, body->p, body->len);
	if (!e->data)
		return ofp_oom(st);
	ofp_rd_skip(body, body->len);
	return 0;
}

int ofp_error_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_error *e = &m->error;
	__be16 tc[2] = {htobe16(e->type), htobe16(e->code)};
	__be32 id = htobe32(e->experimenter);

	ofp_put(b, tc, sizeof(tc));
	if (m->version >= OFP13_VERSION && e->type == OFPET13_EXPERIMENTER)
		ofp_put(b, &id, sizeof(id));
	ofp_put(b, e->data, e->data_len);
	return 0;
}

void ofp_error_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_error *e = &m->error;
	const char *tn = type_name(m->version, e->type);
	const char *cn = NULL;

	for (int i = 1; i < OFP_ERR_COUNT && tn; i++) {
		__u16 t, c;

		if (!ofp_err_code(i, m->version, &t, &c) && t == e->type && c == e->code)
			if (!cn)
				cn = errs[i].name;
	}
	if (tn)
		strbuf_printf(sb, " type=%s", tn);
	else
		strbuf_printf(sb, " type=%u", e->type);
	if (m->version >= OFP13_VERSION && e->type == OFPET13_EXPERIMENTER)
		strbuf_printf(sb, " exp_type=%u experimenter=0x%08x", e->code, e->experimenter);
	else if (cn)
		strbuf_printf(sb, " code=%s", cn);
	else
		strbuf_printf(sb, " code=%u", e->code);
	strbuf_printf(sb, " data_len=%zu", e->data_len);
	if (e->type == 0 && !(m->version >= OFP13_VERSION && e->type == OFPET13_EXPERIMENTER)) {
		/* HELLO_FAILED carries ASCII text. */
		char text[OFP_ERROR_ECHO_MAX * 4 + 1];
		size_t n = e->data_len < sizeof(text) - 1 ? e->data_len : sizeof(text) - 1;

		memcpy(text, e->data, n);
		text[n] = '\0';
		strbuf_puts(sb, " text=");
		ofp_print_str(sb, text);
	} else if (e->data_len) {
		strbuf_puts(sb, " data=");
		ofp_print_hex(sb, e->data, e->data_len);
	}
}

static int put_error(struct ofp_buf *out, __u8 version, __u32 xid, __u16 type, __u16 code,
		     const void *data, size_t len)
{
	struct ofp_msg m = {.version = version, .kind = OFPK_ERROR, .xid = xid};

	m.error.type = type;
	m.error.code = code;
	m.error.data = data;
	m.error.data_len = len;
	return ofp_encode(&m, out, NULL, 0);
}

int ofp_encode_error_reply(struct ofp_buf *out, __u8 version, enum ofp_err err, const void *req,
			   size_t req_len)
{
	const __u8 *p = req;
	__u16 type = 1, code = 5; /* BAD_REQUEST/EPERM when the version has no better code */
	__u32 xid = 0;
	long frame;

	if (err == OFP_ERR_NONE)
		return -EINVAL;
	ofp_err_code(err, version, &type, &code);
	if (req_len >= sizeof(struct ofp_header)) {
		xid = (__u32)p[4] << 24 | (__u32)p[5] << 16 | (__u32)p[6] << 8 | p[7];
		frame = ofp_frame_len(req, req_len);
		/* A header length below 8 cannot be trusted: echo the header alone. */
		if (frame < (long)sizeof(struct ofp_header))
			frame = sizeof(struct ofp_header);
		if ((size_t)frame < req_len)
			req_len = (size_t)frame;
	}
	if (req_len > OFP_ERROR_ECHO_MAX)
		req_len = OFP_ERROR_ECHO_MAX;
	return put_error(out, version, xid, type, code, req, req_len);
}

int ofp_encode_hello_failed(struct ofp_buf *out, __u8 version, __u32 xid, const char *text)
{
	return put_error(out, version, xid, 0, 0, text, strlen(text));
}
