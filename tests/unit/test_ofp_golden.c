// SPDX-License-Identifier: MIT
/*
 * Golden tests of the OpenFlow codec: every tests/unit/ofp/NAME.hex is decoded.
 *   - NAME.txt: the decode succeeds, ofp_print() gives exactly that line, and encoding the
 *     decoded message gives back the input bytes, or those of NAME.enc (hex too) for inputs
 *     that are not in canonical form (content the codec skips, such as unknown HELLO elements).
 *   - NAME.err: the decode fails with that error (ofp_err_name), says why, frees everything,
 *     and the ERROR reply built for it decodes as an ERROR with the request's xid, the error's
 *     (type, code) and the request's first bytes.
 * .hex files: hex digits, whitespace ignored, '#' starts a comment to the end of the line.
 * Run from the repository root (tests/run does), or set VSX_OFP_GOLDEN to the directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ofp.h"
#include "ofp/slurp.h"

static const char *dir;

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int half = -1;

	for (; *s; s++) {
		int v = 0;

		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			if (!*s)
				break;
			continue;
		}
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			fail_msg("bad hex character '%c'", *s);
		if (half < 0) {
			half = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (unsigned char)(half << 4 | v);
		half = -1;
	}
	assert_int_equal(half, -1);
	return n;
}

static void check_error_reply(const unsigned char *req, size_t len, const struct ofp_status *st)
{
	struct ofp_buf out;
	struct ofp_msg m;
	struct ofp_status st2;
	__u8 version = len && (req[0] == 1 || req[0] == 4) ? req[0] : 4;
	__u16 type = 1, code = 5;
	size_t echo = len;

	if (len >= 8) {
		size_t hl = (size_t)req[2] << 8 | req[3];

		if (hl >= 8 && hl < echo)
			echo = hl;
		else if (hl < 8)
			echo = 8;
	}
	if (echo > OFP_ERROR_ECHO_MAX)
		echo = OFP_ERROR_ECHO_MAX;
	ofp_err_code(st->err, version, &type, &code);
	ofp_buf_init(&out);
	assert_int_equal(ofp_encode_error_reply(&out, version, st->err, req, len), 0);
	assert_int_equal(ofp_decode(out.data, out.len, &m, &st2), 0);
	assert_int_equal(m.kind, OFPK_ERROR);
	assert_int_equal(m.version, version);
	if (len >= 8)
		assert_int_equal(m.xid, (__u32)req[4] << 24 | (__u32)req[5] << 16 |
					    (__u32)req[6] << 8 | req[7]);
	assert_int_equal(m.error.type, type);
	assert_int_equal(m.error.code, code);
	assert_int_equal(m.error.data_len, echo);
	assert_memory_equal(m.error.data, req, echo);
	ofp_msg_free(&m);
	ofp_buf_free(&out);
}

static void golden(void **state)
{
	const char *name = *state;
	char path[512];
	unsigned char bytes[70000];
	char *hex, *txt, *err, *enc;
	struct ofp_msg m;
	struct ofp_status st;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
	hex = slurp(path);
	assert_non_null(hex);
	n = parse_hex(hex, bytes, sizeof(bytes));
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	txt = slurp(path);
	snprintf(path, sizeof(path), "%s/%s.err", dir, name);
	err = slurp(path);
	if (!txt == !err)
		fail_msg("%s: needs exactly one of .txt and .err", name);

	ret = ofp_decode(bytes, n, &m, &st);
	if (txt) {
		struct strbuf sb;
		struct ofp_buf out;
		char msg[256];

		chomp(txt);
		if (ret)
			fail_msg("%s: decode failed: %s: %s", name, ofp_err_name(st.err), st.text);
		strbuf_init(&sb);
		ofp_print(&m, &sb);
		if (strcmp(sb.buf, txt))
			fail_msg("%s:\n  got:  %s\n  want: %s", name, sb.buf, txt);
		ofp_buf_init(&out);
		msg[0] = '\0';
		ret = ofp_encode(&m, &out, msg, sizeof(msg));
		if (ret)
			fail_msg("%s: encode failed: %d %s", name, ret, msg);
		snprintf(path, sizeof(path), "%s/%s.enc", dir, name);
		enc = slurp(path);
		if (enc) {
			n = parse_hex(enc, bytes, sizeof(bytes));
			free(enc);
		}
		assert_int_equal(out.len, n);
		assert_memory_equal(out.data, bytes, n);
		ofp_buf_free(&out);
		strbuf_free(&sb);
		ofp_msg_free(&m);
	} else {
		chomp(err);
		if (!ret)
			fail_msg("%s: decoded, %s expected", name, err);
		assert_true(ret == -EBADMSG || ret == -EOPNOTSUPP);
		assert_true(st.text[0] != '\0');
		if (strcmp(ofp_err_name(st.err), err))
			fail_msg("%s: error %s (%s), %s expected", name, ofp_err_name(st.err),
				 st.text, err);
		assert_null(m.arena);
		check_error_reply(bytes, n, &st);
	}
	free(hex);
	free(txt);
	free(err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	struct CMUnitTest *tests;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int ret;

	dir = getenv("VSX_OFP_GOLDEN");
	if (!dir)
		dir = "tests/unit/ofp";
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "test_ofp_golden: no golden directory %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".hex"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			assert_non_null(names);
		}
		names[n] = strndup(de->d_name, len - 4);
		n++;
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "test_ofp_golden: no .hex files in %s\n", dir);
		return 1;
	}
	qsort(names, n, sizeof(*names), by_name);
	tests = calloc(n, sizeof(*tests));
	for (size_t i = 0; i < n; i++) {
		tests[i].name = names[i];
		tests[i].test_func = golden;
		tests[i].initial_state = names[i];
	}
	ret = _cmocka_run_group_tests("ofp_golden", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return ret;
}
