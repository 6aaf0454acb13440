/* SPDX-License-Identifier: MIT */
/*
 * Inside the OpenFlow codec: the bounds-checked reader every decoder uses (nothing else
 * touches the input bytes), the output buffer helpers, the message arena, the error helper
 * and the message table's row type with the per-message functions it points to.
 */
#ifndef VSX_OFP_INTERNAL_H
#define VSX_OFP_INTERNAL_H

#include <errno.h>
#include <string.h>
#include <endian.h>

#include "ofp.h"
#include "vsx/ofp_wire.h"

/* A window on the input: decoders pull from the front, never past len. */
struct ofp_rd {
	const __u8 *p;
	size_t len;
};

static inline struct ofp_rd ofp_rd_make(const void *p, size_t len)
{
	struct ofp_rd r = {.p = p, .len = len};
	return r;
}

/* Copies n bytes into dst and advances; false (and nothing read) if fewer remain. */
static inline bool ofp_rd_pull(struct ofp_rd *r, void *dst, size_t n)
{
	if (r->len < n)
		return false;
	memcpy(dst, r->p, n);
	r->p += n;
	r->len -= n;
	return true;
}

/* Splits off the first n bytes as their own window. */
static inline bool ofp_rd_sub(struct ofp_rd *r, size_t n, struct ofp_rd *sub)
{
	if (r->len < n)
		return false;
	*sub = ofp_rd_make(r->p, n);
	r->p += n;
	r->len -= n;
	return true;
}

static inline bool ofp_rd_skip(struct ofp_rd *r, size_t n)
{
	if (r->len < n)
		return false;
	r->p += n;
	r->len -= n;
	return true;
}

/* Reads a wire struct that starts with struct ofp_header, whose header was consumed already. */
#define OFP_RD_PULL_AFTER_HEADER(r, w)                                                             \
	ofp_rd_pull((r), (__u8 *)(w) + sizeof(struct ofp_header),                                  \
		    sizeof(*(w)) - sizeof(struct ofp_header))

/* Big-endian peeks at a window's front (caller checked the length). */
static inline __u16 ofp_peek16(const struct ofp_rd *r, size_t off)
{
	return (__u16)(r->p[off] << 8 | r->p[off + 1]);
}
static inline __u32 ofp_peek32(const struct ofp_rd *r, size_t off)
{
	return (__u32)r->p[off] << 24 | (__u32)r->p[off + 1] << 16 | (__u32)r->p[off + 2] << 8 |
	       r->p[off + 3];
}

/* Output: appends; an allocation failure is sticky (b->oom) and checked once at the end. */
void ofp_put(struct ofp_buf *b, const void *p, size_t n);
void ofp_put_zeros(struct ofp_buf *b, size_t n);
#define OFP_PUT_AFTER_HEADER(b, w)                                                                 \
	ofp_put((b), (const __u8 *)(w) + sizeof(struct ofp_header),                                \
		sizeof(*(w)) - sizeof(struct ofp_header))
/* Pads with zeros to a multiple of 8 counted from offset start. */
void ofp_put_pad8(struct ofp_buf *b, size_t start);
/* Stores a big-endian u16 at an offset already written. */
void ofp_poke16(struct ofp_buf *b, size_t off, __u16 v);

static inline size_t ofp_pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Zeroed memory owned by the message (freed by ofp_msg_free); NULL if out of memory. */
void *ofp_alloc(struct ofp_msg *m, size_t n);
/* A copy of n input bytes in the arena (data stays valid after the input buffer goes). */
const __u8 *ofp_dup(struct ofp_msg *m, const __u8 *p, size_t n);

/* Records why decoding fails and returns the errno class: -ENOMEM, -EOPNOTSUPP for what the
 * codec does not know (unknown types, fields, actions, versions), -EBADMSG otherwise. */
int ofp_fail(struct ofp_status *st, enum ofp_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ofp_oom(struct ofp_status *st);

/* Encoder errors. */
int ofp_enc_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies a fixed-size, maybe unterminated wire string into a NUL-terminated one. */
void ofp_str_from_wire(char *dst, const char *src, size_t wire_len);
/* The reverse, zero-padded: -EINVAL if the string is longer than wire_len (one filling the
 * field, unterminated, is let through so that decoded strings re-encode as they came). */
int ofp_str_to_wire(char *dst, const char *src, size_t wire_len);

/* One row of the message table (lib/ofp_msg.c). Decoders get the body: what follows the
 * header, or the stats/multipart header for stats messages (experimenter decoders read the
 * ids themselves; the table lookup only peeks at them). Encoders append the same body after
 * the headers ofp_encode wrote. */
struct ofp_msg_class {
	__u8 version;
	__u8 type;
	__u16 stat;   /* stats/multipart type, or OFP_NO_STAT */
	bool any_exp; /* experimenter rows: every id and subtype (else exp_id/exp_type) */
	__u32 exp_id;
	__u32 exp_type;
	enum ofp_kind kind;
	size_t min_len; /* of the whole message */
	int (*decode)(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st);
	int (*encode)(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen);
	void (*print)(const struct ofp_msg *m, struct strbuf *sb);
};
#define OFP_NO_STAT 0xfffe /* no stats type uses it */

const struct ofp_msg_class *ofp_class_by_kind(__u8 version, enum ofp_kind kind);

/* Pieces shared by several messages (lib/ofp_match.c, lib/ofp_action.c, lib/ofp_port.c). */
void ofp_match10_from_wire(const struct ofp10_match *w, struct ofp_match10 *m);
void ofp_match10_to_wire(const struct ofp_match10 *m, struct ofp10_match *w);
/* The basic OXM field's name ("in_port"), NULL for fields the codec does not know. */
const char *ofp_oxm_field_name(__u8 field);
/* 1.3 match with its padding; consumes exactly its padded length. */
int ofp_match13_decode(struct ofp_rd *r, struct ofp_msg *m, struct ofp_match *match,
		       struct ofp_status *st);
int ofp_match13_encode(const struct ofp_match *match, struct ofp_buf *b, char *err, size_t errlen);
int ofp_actions_decode(struct ofp_rd *r, __u8 version, struct ofp_msg *m, struct ofp_action **out,
		       size_t *n, struct ofp_status *st);
int ofp_actions_encode(const struct ofp_action *a, size_t n, __u8 version, struct ofp_buf *b,
		       char *err, size_t errlen);
int ofp_instructions_decode(struct ofp_rd *r, struct ofp_msg *m, struct ofp_instruction **out,
			    size_t *n, struct ofp_status *st);
int ofp_instructions_encode(const struct ofp_instruction *in, size_t n, struct ofp_buf *b,
			    char *err, size_t errlen);
int ofp_port_decode(struct ofp_rd *r, __u8 version, struct ofp_port *p, struct ofp_status *st);
int ofp_port_encode(const struct ofp_port *p, __u8 version, struct ofp_buf *b, char *err,
		    size_t errlen);
size_t ofp_port_wire_len(__u8 version);

/* Printing pieces (lib/ofp_print_match.c). */
void ofp_print_port_no(struct strbuf *sb, __u8 version, __u32 port);
void ofp_print_match(struct strbuf *sb, __u8 version, const struct ofp_match *m);
void ofp_print_actions(struct strbuf *sb, __u8 version, const struct ofp_action *a, size_t n);
void ofp_print_instructions(struct strbuf *sb, const struct ofp_instruction *in, size_t n);
void ofp_print_hex(struct strbuf *sb, const __u8 *p, size_t n);
void ofp_print_str(struct strbuf *sb, const char *s);
void ofp_print_port(struct strbuf *sb, __u8 version, const struct ofp_port *p);

/* Per-message functions, grouped by file. */
#define OFP_MSG_FUNCS(name)                                                                        \
	int ofp_##name##_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st);    \
	int ofp_##name##_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,             \
				size_t errlen);                                                    \
	void ofp_##name##_print(const struct ofp_msg *m, struct strbuf *sb)

OFP_MSG_FUNCS(hello); /* lib/ofp_hello.c */
OFP_MSG_FUNCS(error); /* lib/ofp_err.c */
OFP_MSG_FUNCS(empty); /* lib/ofp_switch.c: no body at all */
OFP_MSG_FUNCS(echo);
OFP_MSG_FUNCS(experimenter);
OFP_MSG_FUNCS(features_reply);
OFP_MSG_FUNCS(config);
OFP_MSG_FUNCS(port_status);
OFP_MSG_FUNCS(role);
OFP_MSG_FUNCS(flow_mod); /* lib/ofp_flow.c */
OFP_MSG_FUNCS(flow_removed);
OFP_MSG_FUNCS(desc_reply); /* lib/ofp_stats.c */
OFP_MSG_FUNCS(flow_stats_request);
OFP_MSG_FUNCS(flow_stats_reply);
OFP_MSG_FUNCS(aggregate_reply);
OFP_MSG_FUNCS(table_stats_reply);
OFP_MSG_FUNCS(port_stats_request);
OFP_MSG_FUNCS(port_stats_reply);
OFP_MSG_FUNCS(port_desc_reply);
OFP_MSG_FUNCS(table_features); /* lib/ofp_table_features.c */
OFP_MSG_FUNCS(experimenter_stats);

#endif
