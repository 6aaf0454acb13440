// SPDX-License-Identifier: MIT
#include "strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static bool strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	char *p;

	if (sb->oom)
		return false;
	if (want <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (!strbuf_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void json_init(struct json *j, struct strbuf *sb)
{
	memset(j, 0, sizeof(*j));
	j->sb = sb;
}

static void json_sep(struct json *j)
{
	if (j->depth >= 0 && j->depth < 32) {
		if (j->need_comma[j->depth])
			strbuf_puts(j->sb, ",");
		j->need_comma[j->depth] = true;
	}
}

static void json_open(struct json *j, const char *c)
{
	json_sep(j);
	strbuf_puts(j->sb, c);
	j->depth++;
	if (j->depth < 32)
		j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, const char *c)
{
	strbuf_puts(j->sb, c);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j)
{
	json_open(j, "{");
}

void json_obj_end(struct json *j)
{
	json_close(j, "}");
}

void json_arr_begin(struct json *j)
{
	json_open(j, "[");
}

void json_arr_end(struct json *j)
{
	json_close(j, "]");
}

static void json_quoted(struct strbuf *sb, const char *s)
{
	strbuf_puts(sb, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_puts(sb, "\\\"");
			break;
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		default:
			if (*p < 0x20)
				strbuf_printf(sb, "\\u%04x", *p);
			else
				strbuf_add(sb, (const char *)p, 1);
		}
	}
	strbuf_puts(sb, "\"");
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_quoted(j->sb, key);
	strbuf_puts(j->sb, ":");
	/* the value that follows must not add another comma */
	if (j->depth < 32)
		j->need_comma[j->depth] = false;
}

void json_str(struct json *j, const char *s)
{
	json_sep(j);
	json_quoted(j->sb, s ? s : "");
}

void json_u64(struct json *j, uint64_t v)
{
	json_sep(j);
	strbuf_printf(j->sb, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	json_sep(j);
	strbuf_printf(j->sb, "%" PRId64, v);
}

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (isfinite(v))
		strbuf_printf(j->sb, "%.6g", v);
	else
		strbuf_puts(j->sb, "null");
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	strbuf_puts(j->sb, v ? "true" : "false");
}

void json_null(struct json *j)
{
	json_sep(j);
	strbuf_puts(j->sb, "null");
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_i64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kv_double(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
