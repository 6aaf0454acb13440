// SPDX-License-Identifier: MIT
/*
 * The OpenFlow codec's API beyond the golden files: version negotiation (both HELLO shapes,
 * every rule of OpenFlow 1.3.x 6.3.1), the error table per version, ERROR replies (xid, echo
 * cap, short and lying requests), HELLO_FAILED, framing, and what the encoder refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ofp.h"
#include "vsx/ofp_wire.h"

#define V(x) (1u << (x))
#define OURS (V(1) | V(4))

static struct ofp_hello peer_bitmap(__u32 bits)
{
	struct ofp_hello h;

	memset(&h, 0, sizeof(h));
	h.has_bitmap = true;
	h.bitmap[0] = bits;
	return h;
}

static void test_hello_encode(void **state)
{
	static const __u8 both[] = {0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,
				    0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x12};
	static const __u8 only10[] = {0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07};
	struct ofp_buf b;

	/* `ovs-ofctl encode-hello 0x12` gives the same 16 bytes. */
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_hello(&b, OURS, 7), 0);
	assert_int_equal(b.len, sizeof(both));
	assert_memory_equal(b.data, both, sizeof(both));
	ofp_buf_free(&b);
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_hello(&b, V(1), 7), 0);
	assert_int_equal(b.len, sizeof(only10));
	assert_memory_equal(b.data, only10, sizeof(only10));
	/* Nothing offered, version 0, or several versions below 1.3 (no bitmap there). */
	assert_int_equal(ofp_encode_hello(&b, 0, 1), -EINVAL);
	assert_int_equal(ofp_encode_hello(&b, V(0) | V(1), 1), -EINVAL);
	assert_int_equal(ofp_encode_hello(&b, V(1) | V(2), 1), -EINVAL);
	assert_int_equal(b.len, sizeof(only10));
	ofp_buf_free(&b);
}

static void test_negotiate(void **state)
{
	struct ofp_hello none, h;

	memset(&none, 0, sizeof(none));
	/* No bitmap from the peer: the smaller header version, if we offer it. */
	assert_int_equal(ofp_negotiate(OURS, 1, &none), 1); /* ovs-ofctl -O OpenFlow10 */
	assert_int_equal(ofp_negotiate(OURS, 4, &none), 4);
	assert_int_equal(ofp_negotiate(OURS, 6, &none), 4); /* os-ken: header 1.5, no bitmap */
	assert_int_equal(ofp_negotiate(OURS, 2, &none), 0); /* min is 1.1: not offered */
	assert_int_equal(ofp_negotiate(OURS, 3, &none), 0);
	assert_int_equal(ofp_negotiate(V(1), 4, &none), 1); /* we speak 1.0 only */
	assert_int_equal(ofp_negotiate(V(4), 1, &none), 0);
	/* Both bitmaps: the highest common version. */
	h = peer_bitmap(V(1) | V(4));
	assert_int_equal(ofp_negotiate(OURS, 4, &h), 4);
	h = peer_bitmap(V(1) | V(2) | V(3));
	assert_int_equal(ofp_negotiate(OURS, 3, &h), 1);
	h = peer_bitmap(V(4) | V(5) | V(6));
	assert_int_equal(ofp_negotiate(OURS, 6, &h), 4);
	h = peer_bitmap(V(2) | V(3) | V(5));
	assert_int_equal(ofp_negotiate(OURS, 5, &h), 0);
	/* A bitmap bit above the peer's own header version is not an offer. */
	h = peer_bitmap(V(1) | V(4));
	assert_int_equal(ofp_negotiate(OURS, 1, &h), 1);
	/* We offer one version (no bitmap sent): the header rule, checked against the peer's
	 * bitmap. */
	h = peer_bitmap(V(1) | V(4));
	assert_int_equal(ofp_negotiate(V(1), 4, &h), 1);
	h = peer_bitmap(V(4));
	assert_int_equal(ofp_negotiate(V(1), 4, &h), 0);
	assert_int_equal(ofp_negotiate(0, 4, &none), 0);
	assert_int_equal(ofp_negotiate(OURS, 0, &none), 0);
}

/* A peer's HELLO as bytes through the decoder, then negotiation. */
static void test_negotiate_decoded(void **state)
{
	static const __u8 of15_bitmap[] = {0x06, 0x00, 0x00, 0x10, 0, 0, 0, 1,
					   0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x72};
	static const __u8 unknown_elem[] = {0x04, 0x00, 0x00, 0x18, 0,	  0, 0, 1,
					    0x00, 0x07, 0x00, 0x05, 0xaa, 0, 0, 0,
					    0x00, 0x01, 0x00, 0x08, 0,	  0, 0, 0x10};
	struct ofp_msg m;
	struct ofp_status st;

	/* 1.5 peer offering 1.3..1.5: we meet at 1.3. */
	assert_int_equal(ofp_decode(of15_bitmap, sizeof(of15_bitmap), &m, &st), 0);
	assert_int_equal(m.kind, OFPK_HELLO);
	assert_true(m.hello.has_bitmap);
	assert_int_equal(ofp_negotiate(OURS, m.version, &m.hello), 4);
	ofp_msg_free(&m);
	/* Unknown elements are skipped (padding included), the bitmap after them is read. */
	assert_int_equal(ofp_decode(unknown_elem, sizeof(unknown_elem), &m, &st), 0);
	assert_true(m.hello.has_bitmap);
	assert_int_equal(m.hello.bitmap[0], V(4));
	assert_int_equal(ofp_negotiate(OURS, m.version, &m.hello), 4);
	ofp_msg_free(&m);
}

static void test_err_codes(void **state)
{
	__u16 t, c;

	assert_int_equal(ofp_err_code(OFP_ERR_BAD_STAT, OFP10_VERSION, &t, &c), 0);
	assert_true(t == 1 && c == 2);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_EXPERIMENTER, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 1 && c == 3);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_EXP_TYPE, OFP10_VERSION, &t, &c), 0);
	assert_true(t == 1 && c == 4);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_LEN, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 1 && c == 6);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_ACTION_TYPE, OFP10_VERSION, &t, &c), 0);
	assert_true(t == 2 && c == 0);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_ACTION_EXPERIMENTER, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 2 && c == 2);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_MATCH_FIELD, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 4 && c == 6);
	assert_int_equal(ofp_err_code(OFP_ERR_FLOW_MOD_TABLE_FULL, OFP10_VERSION, &t, &c), 0);
	assert_true(t == 3 && c == 0);
	assert_int_equal(ofp_err_code(OFP_ERR_FLOW_MOD_TABLE_FULL, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 5 && c == 1);
	assert_int_equal(ofp_err_code(OFP_ERR_FLOW_MOD_BAD_COMMAND, OFP10_VERSION, &t, &c), 0);
	assert_true(t == 3 && c == 4);
	assert_int_equal(ofp_err_code(OFP_ERR_HELLO_INCOMPATIBLE, OFP13_VERSION, &t, &c), 0);
	assert_true(t == 0 && c == 0);
	/* 1.0 has no match or instruction errors. */
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_MATCH_FIELD, OFP10_VERSION, &t, &c), -ENOENT);
	assert_int_equal(ofp_err_code(OFP_ERR_BAD_INST_LEN, OFP10_VERSION, &t, &c), -ENOENT);
	assert_int_equal(ofp_err_code(OFP_ERR_NONE, OFP13_VERSION, &t, &c), -ENOENT);
	for (int e = 0; e < OFP_ERR_COUNT; e++)
		assert_string_not_equal(ofp_err_name(e), "UNKNOWN");
}

static void decode_error(const struct ofp_buf *b, struct ofp_msg *m)
{
	struct ofp_status st;

	assert_int_equal(ofp_decode(b->data, b->len, m, &st), 0);
	assert_int_equal(m->kind, OFPK_ERROR);
}

static void test_error_reply(void **state)
{
	__u8 req[200];
	struct ofp_buf b;
	struct ofp_msg m;

	/* A 200-byte 1.3 request: 64 bytes echoed, its xid kept. */
	memset(req, 0xab, sizeof(req));
	req[0] = 4;
	req[1] = 14;
	req[2] = 0;
	req[3] = 200;
	req[4] = 0x12, req[5] = 0x34, req[6] = 0x56, req[7] = 0x78;
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_error_reply(&b, 4, OFP_ERR_BAD_MATCH_FIELD, req, sizeof(req)),
			 0);
	decode_error(&b, &m);
	assert_int_equal(m.xid, 0x12345678);
	assert_int_equal(m.error.type, 4);
	assert_int_equal(m.error.code, 6);
	assert_int_equal(m.error.data_len, 64);
	assert_memory_equal(m.error.data, req, 64);
	ofp_msg_free(&m);
	ofp_buf_free(&b);

	/* The same error in 1.0 has no code: BAD_REQUEST/EPERM. */
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_error_reply(&b, 1, OFP_ERR_BAD_MATCH_FIELD, req, sizeof(req)),
			 0);
	decode_error(&b, &m);
	assert_int_equal(m.version, 1);
	assert_true(m.error.type == 1 && m.error.code == 5);
	ofp_msg_free(&m);
	ofp_buf_free(&b);

	/* The header says 12 bytes: only those are the request. */
	req[3] = 12;
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_error_reply(&b, 4, OFP_ERR_BAD_LEN, req, sizeof(req)), 0);
	decode_error(&b, &m);
	assert_int_equal(m.error.data_len, 12);
	ofp_msg_free(&m);
	ofp_buf_free(&b);

	/* Fewer bytes than a header: xid 0, what there is is echoed. */
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_error_reply(&b, 4, OFP_ERR_BAD_LEN, req, 3), 0);
	decode_error(&b, &m);
	assert_int_equal(m.xid, 0);
	assert_int_equal(m.error.data_len, 3);
	ofp_msg_free(&m);
	assert_int_equal(ofp_encode_error_reply(&b, 4, OFP_ERR_NONE, req, 3), -EINVAL);
	ofp_buf_free(&b);
}

static void test_hello_failed(void **state)
{
	struct ofp_buf b;
	struct ofp_msg m;
	struct strbuf sb;

	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_hello_failed(&b, 4, 9, "we support 0x01 and 0x04"), 0);
	decode_error(&b, &m);
	assert_true(m.error.type == 0 && m.error.code == 0);
	strbuf_init(&sb);
	ofp_print(&m, &sb);
	assert_string_equal(sb.buf, "OF1.3 ERROR xid=0x9 type=HELLO_FAILED code=HELLO_INCOMPATIBLE "
				    "data_len=24 text=\"we support 0x01 and 0x04\"");
	strbuf_free(&sb);
	ofp_msg_free(&m);
	ofp_buf_free(&b);
}

static void test_frame_len(void **state)
{
	static const __u8 two[] = {0x04, 0x02, 0x00, 0x08, 0, 0, 0, 1,
				   0x04, 0x03, 0x00, 0x08, 0, 0, 0, 2};
	static const __u8 bad[] = {0x04, 0x02, 0x00, 0x04, 0, 0, 0, 1};
	struct ofp_msg m;
	struct ofp_status st;

	assert_int_equal(ofp_frame_len(two, 7), 0);
	assert_int_equal(ofp_frame_len(two, sizeof(two)), 8);
	assert_int_equal(ofp_frame_len(bad, sizeof(bad)), -EBADMSG);
	/* The decoder reads exactly one message from a longer buffer. */
	assert_int_equal(ofp_decode(two, sizeof(two), &m, &st), 0);
	assert_int_equal(m.kind, OFPK_ECHO_REQUEST);
	assert_int_equal(m.echo.len, 0);
	ofp_msg_free(&m);
	assert_int_equal(ofp_decode(two + 8, 8, &m, &st), 0);
	assert_int_equal(m.kind, OFPK_ECHO_REPLY);
	assert_int_equal(m.xid, 2);
	ofp_msg_free(&m);
	assert_int_equal(ofp_decode(bad, sizeof(bad), &m, &st), -EBADMSG);
	assert_int_equal(st.err, OFP_ERR_BAD_LEN);
	/* Unknown and unsupported things are -EOPNOTSUPP. */
	{
		static const __u8 meter[] = {0x04, 29, 0x00, 0x08, 0, 0, 0, 1};

		assert_int_equal(ofp_decode(meter, sizeof(meter), &m, &st), -EOPNOTSUPP);
		assert_int_equal(st.err, OFP_ERR_BAD_TYPE);
	}
}

static void expect_refused(struct ofp_msg *m, int ret, const char *what)
{
	struct ofp_buf b;
	char err[256] = "";

	ofp_buf_init(&b);
	assert_int_equal(ofp_encode(m, &b, err, sizeof(err)), ret);
	assert_int_equal(b.len, 0);
	if (ret == -EINVAL && !strstr(err, what))
		fail_msg("encoder said \"%s\", expected it to mention \"%s\"", err, what);
	ofp_buf_free(&b);
}

static void test_encode_refusals(void **state)
{
	struct ofp_action a[1];
	struct ofp_oxm x;
	struct ofp_msg m;
	static __u8 big[70000];
	static const __u8 five[5] = {1, 2, 3, 4, 5};

	memset(&m, 0, sizeof(m));
	memset(a, 0, sizeof(a));
	m.version = OFP10_VERSION;
	m.kind = OFPK_FLOW_MOD;
	m.flow_mod.out_port = 0x10000;
	expect_refused(&m, -EINVAL, "out_port");
	m.flow_mod.out_port = OFPP10_NONE;
	a[0].type = OFPAT13_SET_QUEUE; /* a 1.3 action */
	m.flow_mod.actions = a;
	m.flow_mod.n_actions = 1;
	expect_refused(&m, -EINVAL, "action type 21");
	a[0].type = OFPAT_EXPERIMENTER;
	a[0].data = five;
	a[0].data_len = 5; /* 8 + 5 is not a multiple of 8 */
	expect_refused(&m, -EINVAL, "multiple of 8");
	m.flow_mod.command = 7;
	expect_refused(&m, -EINVAL, "command");

	memset(&m, 0, sizeof(m));
	m.version = OFP13_VERSION;
	m.kind = OFPK_FLOW_MOD;
	memset(&x, 0, sizeof(x));
	x.oxm_class = OFPXMC_OPENFLOW_BASIC;
	x.field = OFPXMT_IN_PORT;
	x.len = 2; /* in_port is 4 bytes */
	m.flow_mod.match.oxm = &x;
	m.flow_mod.match.n_oxm = 1;
	expect_refused(&m, -EINVAL, "in_port");
	m.flow_mod.match.n_oxm = 0;
	m.flow_mod.actions = a; /* 1.3 carries instructions */
	m.flow_mod.n_actions = 1;
	expect_refused(&m, -EINVAL, "instructions");

	memset(&m, 0, sizeof(m));
	m.version = OFP13_VERSION;
	m.kind = OFPK_ECHO_REQUEST;
	m.echo.data = big;
	m.echo.len = sizeof(big);
	expect_refused(&m, -EMSGSIZE, NULL);

	memset(&m, 0, sizeof(m));
	m.version = OFP10_VERSION;
	m.kind = OFPK_PORT_DESC_REQUEST; /* 1.3 only */
	expect_refused(&m, -EINVAL, "no PORT_DESC_REQUEST");
	m.version = OFP13_VERSION;
	m.kind = OFPK_EXPERIMENTER;
	expect_refused(&m, -EINVAL, "exp_type");
}

/* Encoding appends: two messages in one buffer decode one after the other. */
static void test_encode_appends(void **state)
{
	struct ofp_msg a = {.version = OFP13_VERSION, .kind = OFPK_BARRIER_REQUEST, .xid = 1};
	struct ofp_msg b = {.version = OFP13_VERSION, .kind = OFPK_PORT_DESC_REQUEST, .xid = 2};
	struct ofp_buf out;
	struct ofp_msg m;
	struct ofp_status st;
	long n;

	b.stats_flags = OFPMPF_REQ_MORE;
	ofp_buf_init(&out);
	assert_int_equal(ofp_encode(&a, &out, NULL, 0), 0);
	assert_int_equal(ofp_encode(&b, &out, NULL, 0), 0);
	assert_int_equal(out.len, 8 + 16);
	n = ofp_frame_len(out.data, out.len);
	assert_int_equal(n, 8);
	assert_int_equal(ofp_decode(out.data + n, out.len - (size_t)n, &m, &st), 0);
	assert_int_equal(m.kind, OFPK_PORT_DESC_REQUEST);
	assert_int_equal(m.stats_flags, OFPMPF_REQ_MORE);
	assert_int_equal(m.xid, 2);
	ofp_msg_free(&m);
	ofp_buf_free(&out);
}

/* Long replies split into messages that fit, REPLY_MORE on all but the last, one xid. */
static void test_multipart_split(void **state)
{
	static struct ofp_port_stats ps[2000];
	struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_PORT_STATS_REPLY, .xid = 77};
	struct ofp_buf out;
	struct ofp_status st;
	size_t off = 0, msgs = 0, seen = 0;
	char err[128];

	for (size_t i = 0; i < 2000; i++) {
		memset(&ps[i], 0, sizeof(ps[i]));
		ps[i].port_no = (__u32)i + 1;
		ps[i].rx_packets = i * 3;
	}
	m.port_stats.v = ps;
	m.port_stats.n = 2000;
	ofp_buf_init(&out);
	/* One message cannot hold 2000 * 112 bytes. */
	assert_int_equal(ofp_encode(&m, &out, err, sizeof(err)), -EMSGSIZE);
	assert_int_equal(ofp_encode_multipart(&m, &out, 65535, err, sizeof(err)), 0);
	while (off < out.len) {
		struct ofp_msg d;
		long n = ofp_frame_len(out.data + off, out.len - off);

		assert_true(n > 0 && n <= 65535);
		assert_int_equal(ofp_decode(out.data + off, (size_t)n, &d, &st), 0);
		assert_int_equal(d.kind, OFPK_PORT_STATS_REPLY);
		assert_int_equal(d.xid, 77);
		for (size_t i = 0; i < d.port_stats.n; i++) {
			assert_int_equal(d.port_stats.v[i].port_no, seen + i + 1);
			assert_int_equal(d.port_stats.v[i].rx_packets, (seen + i) * 3);
		}
		seen += d.port_stats.n;
		off += (size_t)n;
		msgs++;
		/* (65535 - 16) / 112 = 584 entries fit in one message. */
		assert_int_equal(d.port_stats.n, off < out.len ? 584 : 2000 - 3 * 584);
		assert_int_equal(d.stats_flags, off < out.len ? OFPMPF_REPLY_MORE : 0);
		ofp_msg_free(&d);
	}
	assert_int_equal(msgs, 4);
	assert_int_equal(seen, 2000);
	ofp_buf_free(&out);

	/* An entry that alone exceeds the limit: nothing is written. */
	ofp_buf_init(&out);
	assert_int_equal(ofp_encode_multipart(&m, &out, 100, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "entry 0 alone"));
	assert_int_equal(out.len, 0);
	/* An empty list is one empty reply; a kind without a list is encoded as it is. */
	m.port_stats.n = 0;
	assert_int_equal(ofp_encode_multipart(&m, &out, 65535, err, sizeof(err)), 0);
	assert_int_equal(out.len, 16);
	m.kind = OFPK_BARRIER_REPLY;
	assert_int_equal(ofp_encode_multipart(&m, &out, 65535, err, sizeof(err)), 0);
	assert_int_equal(out.len, 16 + 8);
	ofp_buf_free(&out);
}

/* Variable-size entries (flow stats) under a small limit, REPLY_MORE kept on the last when
 * the caller has more to send. */
static void test_multipart_split_flows(void **state)
{
	static struct ofp_flow_stats fs[50];
	static struct ofp_action out_act = {.type = OFPAT_OUTPUT, .port = 2};
	static struct ofp_instruction ins = {.type = OFPIT_APPLY_ACTIONS};
	struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_FLOW_STATS_REPLY, .xid = 5};
	struct ofp_buf out;
	struct ofp_status st;
	size_t off = 0, seen = 0;
	char err[128];

	ins.actions = &out_act;
	ins.n_actions = 1;
	for (size_t i = 0; i < 50; i++) {
		memset(&fs[i], 0, sizeof(fs[i]));
		fs[i].priority = (__u16)i;
		/* every other entry has an instruction: 56 or 80 bytes */
		fs[i].instructions = i % 2 ? &ins : NULL;
		fs[i].n_instructions = i % 2;
	}
	m.flows.v = fs;
	m.flows.n = 50;
	m.stats_flags = OFPMPF_REPLY_MORE;
	ofp_buf_init(&out);
	assert_int_equal(ofp_encode_multipart(&m, &out, 300, err, sizeof(err)), 0);
	while (off < out.len) {
		struct ofp_msg d;
		long n = ofp_frame_len(out.data + off, out.len - off);

		assert_true(n > 16 && n <= 300);
		assert_int_equal(ofp_decode(out.data + off, (size_t)n, &d, &st), 0);
		assert_int_equal(d.stats_flags, OFPMPF_REPLY_MORE);
		for (size_t i = 0; i < d.flows.n; i++)
			assert_int_equal(d.flows.v[i].priority, seen + i);
		seen += d.flows.n;
		off += (size_t)n;
		ofp_msg_free(&d);
	}
	assert_int_equal(seen, 50);
	ofp_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello_encode),
	    cmocka_unit_test(test_negotiate),
	    cmocka_unit_test(test_negotiate_decoded),
	    cmocka_unit_test(test_err_codes),
	    cmocka_unit_test(test_error_reply),
	    cmocka_unit_test(test_hello_failed),
	    cmocka_unit_test(test_frame_len),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_encode_appends),
	    cmocka_unit_test(test_multipart_split),
	    cmocka_unit_test(test_multipart_split_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
