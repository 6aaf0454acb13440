// SPDX-License-Identifier: MIT
/*
 * The codec's memory: the output buffer, the arena a decoded message owns, error helpers and
 * fixed-size wire strings.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ofp_internal.h"

struct ofp_arena {
	struct ofp_arena *next;
	max_align_t data[];
};

void ofp_buf_init(struct ofp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void ofp_buf_free(struct ofp_buf *b)
{
	free(b->data);
	ofp_buf_init(b);
}

static bool ofp_reserve(struct ofp_buf *b, size_t n)
{
	size_t cap;
	__u8 *p;

	if (b->oom)
		return false;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void ofp_put(struct ofp_buf *b, const void *p, size_t n)
{
	if (!n || !ofp_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void ofp_put_zeros(struct ofp_buf *b, size_t n)
{
	if (!n || !ofp_reserve(b, n))
		return;
	memset(b->data + b->len, 0, n);
	b->len += n;
}

void ofp_put_pad8(struct ofp_buf *b, size_t start)
{
	size_t used = b->len - start;

	ofp_put_zeros(b, ofp_pad8(used) - used);
}

void ofp_poke16(struct ofp_buf *b, size_t off, __u16 v)
{
	if (b->oom || off + 2 > b->len)
		return;
	b->data[off] = (__u8)(v >> 8);
	b->data[off + 1] = (__u8)v;
}

void *ofp_alloc(struct ofp_msg *m, size_t n)
{
	struct ofp_arena *a;

	if (n > SIZE_MAX - sizeof(*a))
		return NULL;
	a = calloc(1, sizeof(*a) + n);
	if (!a)
		return NULL;
	a->next = m->arena;
	m->arena = a;
	return a->data;
}

const __u8 *ofp_dup(struct ofp_msg *m, const __u8 *p, size_t n)
{
	__u8 *d = ofp_alloc(m, n);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

void ofp_msg_free(struct ofp_msg *m)
{
	struct ofp_arena *a = m->arena, *next;

	for (; a; a = next) {
		next = a->next;
		free(a);
	}
	memset(m, 0, sizeof(*m));
}

int ofp_fail(struct ofp_status *st, enum ofp_err err, const char *fmt, ...)
{
	va_list ap;

	st->err = err;
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
	switch (err) {
	case OFP_ERR_NO_MEMORY:
		return -ENOMEM;
	case OFP_ERR_BAD_VERSION:
	case OFP_ERR_BAD_TYPE:
	case OFP_ERR_BAD_STAT:
	case OFP_ERR_BAD_EXPERIMENTER:
	case OFP_ERR_BAD_EXP_TYPE:
	case OFP_ERR_BAD_ACTION_TYPE:
	case OFP_ERR_BAD_INST_UNKNOWN:
	case OFP_ERR_BAD_MATCH_TYPE:
	case OFP_ERR_BAD_MATCH_FIELD:
		return -EOPNOTSUPP;
	default:
		return -EBADMSG;
	}
}

int ofp_oom(struct ofp_status *st)
{
	return ofp_fail(st, OFP_ERR_NO_MEMORY, "out of memory");
}

int ofp_enc_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void ofp_str_from_wire(char *dst, const char *src, size_t wire_len)
{
	size_t n = strnlen(src, wire_len);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int ofp_str_to_wire(char *dst, const char *src, size_t wire_len)
{
	size_t n = strnlen(src, wire_len + 1);

	/* The specs want NUL-terminated strings, but a peer's string that filled its field
	 * decodes to wire_len characters and must re-encode as it came. */
	if (n > wire_len)
		return -EINVAL;
	memset(dst, 0, wire_len);
	memcpy(dst, src, n);
	return 0;
}
