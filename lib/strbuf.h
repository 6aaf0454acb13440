/* SPDX-License-Identifier: MIT */
/*
 * A growable string buffer, and a JSON writer on top of it. vsxd renders every control
 * reply (text or JSON) into one of these before sending it.
 */
#ifndef VSX_STRBUF_H
#define VSX_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: the contents are truncated */
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * JSON writer: call json_obj_begin/json_arr_begin and the value functions in document
 * order; it inserts commas itself. Keys are given with json_key() before a value inside an
 * object. Strings are escaped per RFC 8259.
 */
struct json {
	struct strbuf *sb;
	int depth;
	bool need_comma[32];
};

void json_init(struct json *j, struct strbuf *sb);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Shorthands for "key": value inside an object. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_i64(struct json *j, const char *key, int64_t v);
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif
