// SPDX-License-Identifier: MIT
/*
 * The OpenFlow codec on arbitrary bytes (one message; a stream-level harness feeding a
 * connection handler is for the agent that will have one). A failed decode must name an
 * error, say why, own no memory, and give an ERROR reply that decodes. A message that
 * decodes must print as one line, encode, decode again into a message that prints the same,
 * and encode to the same bytes again (the first encoding is canonical). A HELLO must
 * negotiate to a version both sides offer, or none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s\n", what, detail ? detail : "");
	abort();
}

static void check_error_reply(const uint8_t *data, size_t size, enum ofp_err err)
{
	__u8 version = size && data[0] == 1 ? 1 : 4;
	struct ofp_buf out;
	struct ofp_msg m;
	struct ofp_status st;

	ofp_buf_init(&out);
	if (ofp_encode_error_reply(&out, version, err, data, size))
		die("error reply not encodable", ofp_err_name(err));
	if (ofp_decode(out.data, out.len, &m, &st) || m.kind != OFPK_ERROR)
		die("error reply does not decode", st.text);
	if (m.error.data_len > OFP_ERROR_ECHO_MAX || memcmp(m.error.data, data, m.error.data_len))
		die("error reply does not echo the request", NULL);
	ofp_msg_free(&m);
	ofp_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofp_msg m, m2;
	struct ofp_status st;
	struct ofp_buf b1, b2;
	struct strbuf s1, s2;
	char err[256];

	if (ofp_decode(data, size, &m, &st)) {
		if (st.err == OFP_ERR_NONE || !st.text[0])
			die("decode failed without an error", st.text);
		if (m.arena)
			die("failed decode left memory", st.text);
		if (st.err != OFP_ERR_NO_MEMORY)
			check_error_reply(data, size, st.err);
		return 0;
	}
	strbuf_init(&s1);
	strbuf_init(&s2);
	ofp_buf_init(&b1);
	ofp_buf_init(&b2);
	ofp_print(&m, &s1);
	if (!s1.len || strchr(s1.buf, '\n'))
		die("print is not one line", s1.buf);
	err[0] = '\0';
	if (ofp_encode(&m, &b1, err, sizeof(err)))
		die("decoded message does not encode", err);
	if (ofp_decode(b1.data, b1.len, &m2, &st))
		die("encoding does not decode", st.text);
	ofp_print(&m2, &s2);
	if (strcmp(s1.buf, s2.buf)) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", s1.buf, s2.buf);
		die("re-decoded message prints differently", NULL);
	}
	if (ofp_encode(&m2, &b2, err, sizeof(err)))
		die("re-decoded message does not encode", err);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
		die("encoding is not stable", s1.buf);
	if (m.kind == OFPK_HELLO) {
		__u32 ours = 1u << 1 | 1u << 4;
		__u8 v = ofp_negotiate(ours, m.version, &m.hello);

		if (v && !(ours >> v & 1))
			die("negotiated a version we do not offer", s1.buf);
		if (v && m.hello.has_bitmap && !ofp_hello_has(&m.hello, v))
			die("negotiated a version the peer does not offer", s1.buf);
		if (v > m.version)
			die("negotiated above the peer's header version", s1.buf);
	}
	ofp_msg_free(&m);
	ofp_msg_free(&m2);
	ofp_buf_free(&b1);
	ofp_buf_free(&b2);
	strbuf_free(&s1);
	strbuf_free(&s2);
	return 0;
}
