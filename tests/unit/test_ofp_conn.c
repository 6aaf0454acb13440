// SPDX-License-Identifier: MIT
/*
 * OpenFlow connections (lib/ofp_conn.c) over loopback TCP and Unix sockets, both ends on one
 * event loop: negotiation (1.3, 1.0, incompatible), echo answered and echo liveness, the
 * ERROR for an undecodable message, garbage and stalling peers, reconnect with exponential
 * backoff, a full send queue, many connections at once, and TLS with certificates made by
 * `openssl` at test time (good pair, wrong CA, no client certificate).
 *
 * "Raw" peers are plain sockets driven by the test itself, to send what a library
 * connection never would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "evloop.h"
#include "log.h"
#include "ofp.h"
#include "ofp_conn.h"
#include "vsx/ofp_wire.h"

#define V(x) (1u << (x))
#define BOTH (V(OFP10_VERSION) | V(OFP13_VERSION))

struct side {
	int ups, downs, msgs, accepts;
	enum ofp_kind last_kind;
	__u32 last_xid;
	char why[256];
	struct vsx_ofconn *conn; /* the last accepted one, for listeners */
	bool reply_features;	 /* answer FEATURES_REQUEST */
};

static void on_up(struct vsx_ofconn *c, void *ctx)
{
	((struct side *)ctx)->ups++;
}

static void on_msg(struct vsx_ofconn *c, const struct ofp_msg *m, const void *raw, size_t len,
		   void *ctx)
{
	struct side *s = ctx;

	s->msgs++;
	s->last_kind = m->kind;
	s->last_xid = m->xid;
	if (s->reply_features && m->kind == OFPK_FEATURES_REQUEST) {
		struct ofp_msg r = {.kind = OFPK_FEATURES_REPLY, .xid = m->xid};

		r.features.datapath_id = 0x42;
		r.features.n_tables = 1;
		assert_int_equal(vsx_ofconn_send(c, &r), 0);
	}
}

static void on_down(struct vsx_ofconn *c, const char *why, void *ctx)
{
	struct side *s = ctx;

	s->downs++;
	snprintf(s->why, sizeof(s->why), "%s", why);
	if (s->conn == c)
		s->conn = NULL;
}

static void on_accept(struct vsx_oflistener *l, struct vsx_ofconn *c, void *ctx)
{
	struct side *s = ctx;

	s->accepts++;
	s->conn = c;
}

static const struct vsx_ofconn_cbs cbs = {on_up, on_msg, on_down};

#define RUN_UNTIL(loop, cond, ms)                                                                  \
	do {                                                                                       \
		unsigned long long _end = vsx_loop_now_ms() + (ms);                                \
		while (!(cond) && vsx_loop_now_ms() < _end)                                        \
			assert_int_equal(vsx_loop_run_once(loop, 10), 0);                          \
	} while (0)

static void run_for(struct vsx_loop *loop, unsigned int ms)
{
	unsigned long long end = vsx_loop_now_ms() + ms;

	while (vsx_loop_now_ms() < end)
		assert_int_equal(vsx_loop_run_once(loop, 5), 0);
}

static struct vsx_oflistener *listen_tcp(struct vsx_loop *loop, const struct vsx_ofconn_conf *conf,
					 struct side *s, char *target, size_t tlen, const char *pfx)
{
	struct vsx_oflistener *l;
	char err[256], where[64];

	snprintf(where, sizeof(where), "p%s:0:127.0.0.1", pfx);
	if (vsx_oflisten(loop, where, conf, &cbs, on_accept, s, &l, err, sizeof(err))) {
		fprintf(stderr, "listen: %s\n", err);
		fail();
	}
	snprintf(target, tlen, "%s:127.0.0.1:%d", pfx, vsx_oflistener_port(l));
	return l;
}

static struct vsx_ofconn *connect_to(struct vsx_loop *loop, const char *target,
				     const struct vsx_ofconn_conf *conf, struct side *s)
{
	struct vsx_ofconn *c;
	char err[256];

	if (vsx_ofconn_connect(loop, target, conf, &cbs, s, &c, err, sizeof(err))) {
		fprintf(stderr, "connect: %s\n", err);
		fail();
	}
	return c;
}

/* ---- raw peers ---- */

static int raw_connect_tcp(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((__u16)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void raw_send(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* One framed message from fd into buf, running the loop meanwhile: its length, 0 on EOF,
 * -1 on timeout. */
static long raw_recv(struct vsx_loop *loop, int fd, __u8 *buf, size_t cap, unsigned int ms)
{
	unsigned long long end = vsx_loop_now_ms() + ms;
	size_t have = 0;

	while (vsx_loop_now_ms() < end) {
		long n = ofp_frame_len(buf, have);
		ssize_t r;

		if (n > 0 && (size_t)n <= have)
			return n;
		r = recv(fd, buf + have, n > 0 ? (size_t)n - have : (have < 8 ? 8 - have : 1),
			 MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r > 0) {
			have += (size_t)r;
			assert_true(have <= cap);
			continue;
		}
		assert_int_equal(vsx_loop_run_once(loop, 5), 0);
	}
	return -1;
}

static void hello(__u8 version, __u8 *out, size_t *len)
{
	struct ofp_buf b;

	ofp_buf_init(&b);
	assert_int_equal(ofp_encode_hello(&b, V(version), 1), 0);
	memcpy(out, b.data, b.len);
	*len = b.len;
	ofp_buf_free(&b);
}

/* A raw 1.0 peer connected to port and negotiated (our HELLO consumed). */
static int raw_peer_up(struct vsx_loop *loop, int port)
{
	__u8 buf[256];
	size_t n;
	int fd = raw_connect_tcp(port);

	hello(OFP10_VERSION, buf, &n);
	raw_send(fd, buf, n);
	assert_true(raw_recv(loop, fd, buf, sizeof(buf), 2000) > 0);
	assert_int_equal(buf[1], OFPT_HELLO);
	return fd;
}

/* ---- tests ---- */

static struct vsx_ofconn_conf conf_v(__u32 versions)
{
	struct vsx_ofconn_conf c = {.versions = versions,
				    .backoff_min_ms = 20,
				    .backoff_max_ms = 200,
				    .name = "test"};
	return c;
}

static void negotiate_case(__u32 server_v, __u32 client_v, __u8 want)
{
	struct vsx_loop *loop;
	struct side srv = {0}, cli = {0};
	struct vsx_ofconn_conf sc = conf_v(server_v), cc = conf_v(client_v);
	struct vsx_oflistener *l;
	struct vsx_ofconn *c;
	char target[64];

	cc.backoff_min_ms = cc.backoff_max_ms = 5000; /* one attempt in this test's time */
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	c = connect_to(loop, target, &cc, &cli);
	if (want) {
		RUN_UNTIL(loop, cli.ups && srv.ups, 2000);
		assert_int_equal(cli.ups, 1);
		assert_int_equal(srv.ups, 1);
		assert_int_equal(vsx_ofconn_version(c), want);
		assert_int_equal(vsx_ofconn_version(srv.conn), want);
		assert_true(vsx_ofconn_is_up(c));
		/* A request goes through and its reply comes back. */
		srv.reply_features = true;
		{
			struct ofp_msg m = {.kind = OFPK_FEATURES_REQUEST,
					    .xid = vsx_ofconn_next_xid(c)};

			assert_int_equal(vsx_ofconn_send(c, &m), 0);
			RUN_UNTIL(loop, cli.msgs, 2000);
			assert_int_equal(srv.last_kind, OFPK_FEATURES_REQUEST);
			assert_int_equal(cli.last_kind, OFPK_FEATURES_REPLY);
			assert_int_equal(cli.last_xid, m.xid);
		}
	} else {
		/* The side offering only 1.3 refuses; the 1.0 side may have agreed on 1.0 from
		 * the 1.3 HELLO (the spec's rule) before it reads the HELLO_FAILED and the EOF. */
		RUN_UNTIL(loop, cli.downs && srv.downs, 2000);
		assert_int_equal(srv.ups, 0);
		assert_int_equal(cli.downs, 1);
		assert_int_equal(srv.downs, 1);
		assert_non_null(strstr(srv.why, "no common version"));
		assert_false(vsx_ofconn_is_up(c));
	}
	vsx_ofconn_close(c);
	if (srv.conn)
		vsx_ofconn_close(srv.conn);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

static void test_negotiate_13(void **state)
{
	negotiate_case(BOTH, BOTH, OFP13_VERSION);
}

static void test_negotiate_10(void **state)
{
	negotiate_case(BOTH, V(OFP10_VERSION), OFP10_VERSION);
	negotiate_case(V(OFP10_VERSION), BOTH, OFP10_VERSION);
}

static void test_negotiate_incompatible(void **state)
{
	negotiate_case(V(OFP13_VERSION), V(OFP10_VERSION), 0);
}

/* A raw peer offering only 1.5 (a bitmap of that one version) gets HELLO_FAILED with text,
 * then EOF. */
static void test_hello_failed_text(void **state)
{
	static const __u8 hello15[] = {0x06, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,
				       0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x40};
	struct vsx_loop *loop;
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	__u8 buf[512];
	long got;
	int fd, port;
	struct ofp_msg m;
	struct ofp_status st;

	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	port = vsx_oflistener_port(l);
	fd = raw_connect_tcp(port);
	raw_send(fd, hello15, sizeof(hello15));
	assert_true(raw_recv(loop, fd, buf, sizeof(buf), 2000) > 0); /* its HELLO */
	got = raw_recv(loop, fd, buf, sizeof(buf), 2000);
	assert_true(got > 0);
	assert_int_equal(ofp_decode(buf, (size_t)got, &m, &st), 0);
	assert_int_equal(m.kind, OFPK_ERROR);
	assert_int_equal(m.error.type, 0); /* HELLO_FAILED */
	assert_non_null(memmem(m.error.data, m.error.data_len, "no common version", 17));
	ofp_msg_free(&m);
	assert_int_equal(raw_recv(loop, fd, buf, sizeof(buf), 2000), 0);
	RUN_UNTIL(loop, srv.downs, 1000);
	assert_int_equal(srv.downs, 1);
	close(fd);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* ECHO_REQUEST answered with the same xid and data; an undecodable message gets the spec's
 * ERROR quoting it and the connection stays up; a message of another version gets
 * BAD_VERSION. */
static void test_echo_and_errors(void **state)
{
	static const __u8 echo[] = {0x01, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x12, 0x34, 'p', 'i', 'n', 'g'};
	/* FEATURES_REQUEST with 4 bytes of body it must not have. */
	static const __u8 bad[] = {0x01, 0x05, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x77, 1, 2, 3, 4};
	static const __u8 other_v[] = {0x04, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x78};
	struct vsx_loop *loop;
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	__u8 buf[512];
	long got;
	int fd;
	struct ofp_msg m;
	struct ofp_status st;

	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	fd = raw_peer_up(loop, vsx_oflistener_port(l));
	RUN_UNTIL(loop, srv.ups, 1000);
	assert_int_equal(vsx_ofconn_version(srv.conn), OFP10_VERSION);

	raw_send(fd, echo, sizeof(echo));
	got = raw_recv(loop, fd, buf, sizeof(buf), 2000);
	assert_int_equal(got, sizeof(echo));
	assert_int_equal(buf[1], OFPT_ECHO_REPLY);
	assert_memory_equal(buf + 4, echo + 4, sizeof(echo) - 4);

	raw_send(fd, bad, sizeof(bad));
	got = raw_recv(loop, fd, buf, sizeof(buf), 2000);
	assert_true(got > 0);
	assert_int_equal(ofp_decode(buf, (size_t)got, &m, &st), 0);
	assert_int_equal(m.kind, OFPK_ERROR);
	assert_int_equal(m.xid, 0x77);
	assert_int_equal(m.error.type, 1); /* BAD_REQUEST */
	assert_int_equal(m.error.code, 6); /* BAD_LEN */
	assert_int_equal(m.error.data_len, sizeof(bad));
	ofp_msg_free(&m);

	raw_send(fd, other_v, sizeof(other_v));
	got = raw_recv(loop, fd, buf, sizeof(buf), 2000);
	assert_true(got > 0);
	assert_int_equal(ofp_decode(buf, (size_t)got, &m, &st), 0);
	assert_int_equal(m.kind, OFPK_ERROR);
	assert_int_equal(m.xid, 0x78);
	assert_int_equal(m.error.code, 0); /* BAD_VERSION */
	ofp_msg_free(&m);

	assert_int_equal(srv.msgs, 0); /* none of them reached the owner */
	assert_int_equal(srv.downs, 0);
	assert_true(vsx_ofconn_is_up(srv.conn));
	close(fd);
	RUN_UNTIL(loop, srv.downs, 1000);
	assert_int_equal(srv.downs, 1);
	assert_string_equal(srv.why, "connection closed by peer");
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* A peer that negotiates, then never answers: ECHO_REQUEST after I, down after 2I. */
static void test_echo_timeout(void **state)
{
	struct vsx_loop *loop;
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	__u8 buf[512];
	unsigned long long t0, t_echo, t_down;
	int fd;

	sc.echo_interval_ms = 150;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	fd = raw_peer_up(loop, vsx_oflistener_port(l));
	RUN_UNTIL(loop, srv.ups, 1000);
	t0 = vsx_loop_now_ms();
	assert_true(raw_recv(loop, fd, buf, sizeof(buf), 2000) > 0);
	t_echo = vsx_loop_now_ms();
	assert_int_equal(buf[1], OFPT_ECHO_REQUEST);
	RUN_UNTIL(loop, srv.downs, 2000);
	t_down = vsx_loop_now_ms();
	assert_int_equal(srv.downs, 1);
	assert_non_null(strstr(srv.why, "echo timeout"));
	/* ~150 ms to the echo, ~300 ms to the drop (loose bounds: a shared machine). */
	assert_true(t_echo - t0 >= 100 && t_echo - t0 < 1000);
	assert_true(t_down - t0 >= 250 && t_down - t0 < 1500);
	close(fd);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* An answering peer is not dropped: echo keeps it alive past 2I. */
static void test_echo_keeps_alive(void **state)
{
	struct vsx_loop *loop;
	struct side srv = {0}, cli = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	struct vsx_ofconn *c;
	char target[64];

	sc.echo_interval_ms = 60;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	c = connect_to(loop, target, &sc, &cli);
	RUN_UNTIL(loop, cli.ups && srv.ups, 2000);
	run_for(loop, 500);
	assert_int_equal(srv.downs + cli.downs, 0);
	assert_true(vsx_ofconn_is_up(c));
	vsx_ofconn_close(c);
	RUN_UNTIL(loop, srv.downs, 1000);
	assert_int_equal(srv.downs, 1);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* Garbage: a header length below 8 closes the connection; the listener serves the next. A
 * non-HELLO first message gets HELLO_FAILED. A peer that says nothing is dropped. */
static void test_garbage_and_stall(void **state)
{
	static const __u8 junk[] = {0x01, 0x00, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef};
	static const __u8 not_hello[] = {0x01, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09};
	struct vsx_loop *loop;
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	__u8 buf[512];
	long got;
	int fd, port;

	sc.echo_interval_ms = 100;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	port = vsx_oflistener_port(l);

	fd = raw_peer_up(loop, port);
	RUN_UNTIL(loop, srv.ups == 1, 1000);
	raw_send(fd, junk, sizeof(junk));
	assert_int_equal(raw_recv(loop, fd, buf, sizeof(buf), 2000), 0);
	RUN_UNTIL(loop, srv.downs == 1, 1000);
	assert_non_null(strstr(srv.why, "bad framing"));
	close(fd);

	fd = raw_connect_tcp(port);
	raw_send(fd, not_hello, sizeof(not_hello));
	assert_true(raw_recv(loop, fd, buf, sizeof(buf), 2000) > 0); /* its HELLO */
	got = raw_recv(loop, fd, buf, sizeof(buf), 2000);
	assert_true(got > 0);
	assert_int_equal(buf[1], OFPT_ERROR);
	assert_int_equal(buf[9], 0); /* HELLO_FAILED */
	assert_int_equal(raw_recv(loop, fd, buf, sizeof(buf), 2000), 0);
	RUN_UNTIL(loop, srv.downs == 2, 1000);
	close(fd);

	/* Silent: dropped after 2 * echo interval without a HELLO. */
	fd = raw_connect_tcp(port);
	assert_true(raw_recv(loop, fd, buf, sizeof(buf), 2000) > 0); /* its HELLO */
	assert_int_equal(raw_recv(loop, fd, buf, sizeof(buf), 2000), 0);
	RUN_UNTIL(loop, srv.downs == 3, 1000);
	assert_non_null(strstr(srv.why, "no HELLO"));
	close(fd);

	/* Still serving. */
	fd = raw_peer_up(loop, port);
	RUN_UNTIL(loop, srv.ups == 2, 1000);
	assert_int_equal(srv.ups, 2);
	assert_int_equal(srv.accepts, 4);
	close(fd);
	RUN_UNTIL(loop, srv.downs == 4, 1000);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* A peer that stops in the middle of a message (half a header, then a header whose body never
 * comes) is dropped by the echo liveness, and the loop serves others meanwhile. */
static void test_partial_stall(void **state)
{
	static const __u8 half[] = {0x01, 0x05, 0x00, 0x40}; /* FEATURES_REQUEST claiming 64 bytes */
	struct vsx_loop *loop;
	struct side srv = {0}, cli = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	struct vsx_ofconn *c;
	char target[64];
	int fd;

	sc.echo_interval_ms = 100;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	fd = raw_peer_up(loop, vsx_oflistener_port(l));
	RUN_UNTIL(loop, srv.ups == 1, 1000);
	raw_send(fd, half, sizeof(half));
	/* a well-behaved connection on the same loop gets through meanwhile */
	srv.reply_features = true;
	c = connect_to(loop, target, &sc, &cli);
	RUN_UNTIL(loop, cli.ups, 2000);
	{
		struct ofp_msg m = {.kind = OFPK_FEATURES_REQUEST, .xid = 5};

		assert_int_equal(vsx_ofconn_send(c, &m), 0);
		RUN_UNTIL(loop, cli.msgs, 2000);
		assert_int_equal(cli.last_kind, OFPK_FEATURES_REPLY);
	}
	RUN_UNTIL(loop, srv.downs == 1, 2000);
	assert_int_equal(srv.downs, 1);
	assert_non_null(strstr(srv.why, "echo timeout"));
	vsx_ofconn_close(c);
	RUN_UNTIL(loop, srv.downs == 2, 2000);
	close(fd);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* Reconnect: a Unix listener that accepts and closes at once; the attempts' spacing doubles
 * from backoff_min to backoff_max. Then a real listener on the same path: up, and after a
 * loss the next attempt comes after backoff_min again. */
static void test_reconnect_backoff(void **state)
{
	struct vsx_loop *loop;
	struct side srv = {0}, cli = {0};
	struct vsx_ofconn_conf cc = conf_v(BOTH);
	struct vsx_oflistener *l;
	struct vsx_ofconn *c;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/vsx-ctrl-ofconn.XXXXXX", target[128], err[256];
	unsigned long long at[8];
	int lfd, n = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	snprintf(target, sizeof(target), "unix:%s", sun.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 8), 0);

	cc.backoff_min_ms = 40;
	cc.backoff_max_ms = 160;
	assert_int_equal(vsx_loop_new(&loop), 0);
	c = connect_to(loop, target, &cc, &cli);
	while (n < 6) {
		unsigned long long end = vsx_loop_now_ms() + 2000;
		int afd = -1;

		while (afd < 0 && vsx_loop_now_ms() < end) {
			afd = accept(lfd, NULL, NULL);
			if (afd < 0)
				assert_int_equal(vsx_loop_run_once(loop, 2), 0);
		}
		assert_true(afd >= 0);
		at[n++] = vsx_loop_now_ms();
		close(afd);
	}
	/* Gaps: ~40, 80, 160, 160, 160 ms (+ the time to notice the close). */
	for (int i = 1; i < n; i++) {
		unsigned long long gap = at[i] - at[i - 1];
		unsigned long long want = i == 1 ? 40 : i == 2 ? 80 : 160;

		print_message("attempt %d after %llu ms (backoff %llu)\n", i, gap, want);
		assert_true(gap >= want - 5);
		assert_true(gap < want + 400);
	}
	RUN_UNTIL(loop, cli.downs == 6, 1000);
	assert_int_equal(cli.downs, 6); /* each was established, then lost */
	assert_int_equal(cli.ups, 0);
	close(lfd);
	unlink(sun.sun_path);

	snprintf(target, sizeof(target), "punix:%s", sun.sun_path);
	assert_int_equal(vsx_oflisten(loop, target, &cc, &cbs, on_accept, &srv, &l, err, sizeof(err)),
			 0);
	RUN_UNTIL(loop, cli.ups, 3000);
	assert_int_equal(cli.ups, 1);
	assert_string_equal(vsx_ofconn_peer(srv.conn), target + 1);
	/* Lose it: the next attempt is one backoff_min later and succeeds. */
	vsx_ofconn_close(srv.conn);
	srv.conn = NULL;
	RUN_UNTIL(loop, cli.ups == 2, 2000);
	assert_int_equal(cli.ups, 2);
	vsx_ofconn_close(c);
	if (srv.conn)
		vsx_ofconn_close(srv.conn);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
	rmdir(dir);
}

/* A peer that stops reading: the queue grows until max_queued, then the peer is dropped,
 * reported from the loop (never from inside send). */
static void test_send_queue_full(void **state)
{
	struct vsx_loop *loop;
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	static __u8 data[8192];
	int fd, ret = 0, sent = 0;

	sc.max_queued = 256 << 10;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	fd = raw_peer_up(loop, vsx_oflistener_port(l));
	RUN_UNTIL(loop, srv.ups, 1000);
	while (ret == 0 && sent < 100000) {
		struct ofp_msg m = {.kind = OFPK_ECHO_REQUEST, .xid = 1};

		m.echo.data = data;
		m.echo.len = sizeof(data);
		ret = vsx_ofconn_send(srv.conn, &m);
		sent++;
		assert_int_equal(srv.downs, 0);
	}
	assert_int_equal(ret, -ENOBUFS);
	assert_true(vsx_ofconn_queued(srv.conn) > sc.max_queued);
	RUN_UNTIL(loop, srv.downs, 1000);
	assert_int_equal(srv.downs, 1);
	assert_non_null(strstr(srv.why, "send queue full"));
	close(fd);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* 300 active connections to one listener: all negotiate, each round trip works, the loop
 * stays responsive; closing the listener side of each is seen by its client. */
#define MANY 300
static void test_many(void **state)
{
	struct vsx_loop *loop;
	static struct side cli[MANY];
	static struct vsx_ofconn *cs[MANY];
	struct side srv = {0};
	struct vsx_ofconn_conf sc = conf_v(BOTH), cc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64];
	int ups = 0, msgs = 0;

	cc.backoff_min_ms = cc.backoff_max_ms = 10000;
	srv.reply_features = true;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "tcp");
	for (int i = 0; i < MANY; i++) {
		memset(&cli[i], 0, sizeof(cli[i]));
		cs[i] = connect_to(loop, target, &cc, &cli[i]);
	}
	{
		unsigned long long end = vsx_loop_now_ms() + 10000;

		while (srv.ups < MANY && vsx_loop_now_ms() < end)
			assert_int_equal(vsx_loop_run_once(loop, 10), 0);
	}
	for (int i = 0; i < MANY; i++)
		ups += cli[i].ups;
	assert_int_equal(ups, MANY);
	assert_int_equal(srv.ups, MANY);
	for (int i = 0; i < MANY; i++) {
		struct ofp_msg m = {.kind = OFPK_FEATURES_REQUEST, .xid = (__u32)i};

		assert_int_equal(vsx_ofconn_send(cs[i], &m), 0);
	}
	{
		unsigned long long end = vsx_loop_now_ms() + 10000;

		while (msgs < MANY && vsx_loop_now_ms() < end) {
			assert_int_equal(vsx_loop_run_once(loop, 10), 0);
			msgs = 0;
			for (int i = 0; i < MANY; i++)
				msgs += cli[i].msgs;
		}
	}
	assert_int_equal(msgs, MANY);
	for (int i = 0; i < MANY; i++)
		vsx_ofconn_close(cs[i]);
	RUN_UNTIL(loop, srv.downs == MANY, 5000);
	assert_int_equal(srv.downs, MANY);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

static void test_targets(void **state)
{
	struct vsx_loop *loop;
	struct vsx_ofconn *c;
	struct vsx_oflistener *l;
	struct vsx_ofconn_conf cc = conf_v(BOTH);
	char err[256];
	static const char *bad_active[] = {"tcp:", "tcp::6653", "tcp:1.2.3.4:99999", "tcp:::1:5",
					   "udp:1.2.3.4", "ptcp:6653", "unix:", "tcp:[::1",
					   "ssl:127.0.0.1:6653" /* no TLS files */};
	static const char *bad_passive[] = {"ptcp:x", "ptcp:70000", "tcp:1.2.3.4", "punix:",
					    "pssl:6653"};

	assert_int_equal(vsx_loop_new(&loop), 0);
	for (size_t i = 0; i < sizeof(bad_active) / sizeof(*bad_active); i++) {
		err[0] = 0;
		assert_int_equal(vsx_ofconn_connect(loop, bad_active[i], &cc, &cbs, NULL, &c, err,
						    sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, bad_active[i]));
	}
	for (size_t i = 0; i < sizeof(bad_passive) / sizeof(*bad_passive); i++) {
		err[0] = 0;
		assert_int_equal(vsx_oflisten(loop, bad_passive[i], &cc, &cbs, NULL, NULL, &l, err,
					      sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, bad_passive[i]));
	}
	/* Accepted shapes; nothing listens there, which is not an error for an active one. */
	assert_int_equal(vsx_ofconn_connect(loop, "tcp:[::1]:1", &cc, &cbs, NULL, &c, err,
					    sizeof(err)),
			 0);
	vsx_ofconn_close(c);
	assert_int_equal(vsx_ofconn_connect(loop, "tcp:127.0.0.1", &cc, &cbs, NULL, &c, err,
					    sizeof(err)),
			 0);
	vsx_ofconn_close(c);
	assert_int_equal(vsx_oflisten(loop, "ptcp:0:[::1]", &cc, &cbs, NULL, NULL, &l, err,
				      sizeof(err)),
			 0);
	assert_true(vsx_oflistener_port(l) > 0);
	vsx_oflistener_close(l);
	run_for(loop, 20);
	vsx_loop_free(loop);
}


/* ---- TLS ---- */

static char pki[64];

/* CA "good" signs server and client; CA "evil" signs "rogue" and "evilsrv". */
static int make_pki(void)
{
	char cmd[4096];

	snprintf(pki, sizeof(pki), "/tmp/vsx-ctrl-pki.XXXXXX");
	if (!mkdtemp(pki))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; "
		 "for ca in good evil; do openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
		 "-subj /CN=vsx-test-$ca-ca -keyout $ca-ca.key -out $ca-ca.pem; done; "
		 "mk() { openssl req -newkey rsa:2048 -nodes -subj /CN=$1 -keyout $1.key -out $1.csr; "
		 "openssl x509 -req -in $1.csr -CA $2-ca.pem -CAkey $2-ca.key -CAcreateserial "
		 "-days 2 -out $1.pem; }; "
		 "mk server good; mk client good; mk rogue evil; mk evilsrv evil",
		 pki);
	strcat(cmd, " >/dev/null 2>&1");
	return system(cmd);
}

static void rm_pki(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki);
	if (pki[0] && system(cmd)) {
	}
}

struct tls_files {
	char key[128], cert[128], ca[128];
	struct vsx_tls_conf conf;
};

static void tls_files(struct tls_files *f, const char *who, const char *ca)
{
	snprintf(f->key, sizeof(f->key), "%s/%s.key", pki, who);
	snprintf(f->cert, sizeof(f->cert), "%s/%s.pem", pki, who);
	snprintf(f->ca, sizeof(f->ca), "%s/%s-ca.pem", pki, ca);
	f->conf = (struct vsx_tls_conf){f->key, f->cert, f->ca};
}

static int tls_setup(void **state)
{
	if (system("command -v openssl >/dev/null 2>&1"))
		return 0; /* the tests skip */
	return make_pki() ? -1 : 0;
}

static int tls_teardown(void **state)
{
	rm_pki();
	return 0;
}

#define NEED_PKI()                                                                                 \
	do {                                                                                       \
		if (!pki[0]) {                                                                     \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* Server (server, trusting good) and client (who, trusting ca) */
static void tls_case(const char *srv_who, const char *srv_ca, const char *cli_who,
		     const char *cli_ca, bool want_up, const char *srv_reason,
		     const char *cli_reason)
{
	struct vsx_loop *loop;
	struct side srv = {0}, cli = {0};
	struct tls_files sf, cf;
	struct vsx_ofconn_conf sc = conf_v(BOTH), cc = conf_v(BOTH);
	struct vsx_oflistener *l;
	struct vsx_ofconn *c;
	char target[64];

	tls_files(&sf, srv_who, srv_ca);
	tls_files(&cf, cli_who, cli_ca);
	sc.tls = &sf.conf;
	cc.tls = &cf.conf;
	cc.backoff_min_ms = cc.backoff_max_ms = 10000;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "ssl");
	c = connect_to(loop, target, &cc, &cli);
	if (want_up) {
		RUN_UNTIL(loop, cli.ups && srv.ups, 5000);
		assert_int_equal(cli.ups, 1);
		assert_int_equal(srv.ups, 1);
		assert_true(vsx_ofconn_is_tls(c));
		srv.reply_features = true;
		{
			struct ofp_msg m = {.kind = OFPK_FEATURES_REQUEST, .xid = 99};

			assert_int_equal(vsx_ofconn_send(c, &m), 0);
			RUN_UNTIL(loop, cli.msgs, 3000);
			assert_int_equal(cli.last_kind, OFPK_FEATURES_REPLY);
			assert_int_equal(cli.last_xid, 99);
		}
		vsx_ofconn_close(c);
		RUN_UNTIL(loop, srv.downs, 3000);
		assert_int_equal(srv.downs, 1);
	} else {
		RUN_UNTIL(loop, cli.downs && srv.downs, 5000);
		assert_int_equal(cli.ups + srv.ups, 0);
		print_message("server: %s\nclient: %s\n", srv.why, cli.why);
		if (srv_reason)
			assert_non_null(strstr(srv.why, srv_reason));
		if (cli_reason)
			assert_non_null(strstr(cli.why, cli_reason));
		vsx_ofconn_close(c);
	}
	if (srv.conn)
		vsx_ofconn_close(srv.conn);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

static void test_tls_good(void **state)
{
	NEED_PKI();
	tls_case("server", "good", "client", "good", true, NULL, NULL);
}

/* The client's certificate is signed by a CA the server does not trust. */
static void test_tls_wrong_client_ca(void **state)
{
	NEED_PKI();
	tls_case("server", "good", "rogue", "good", false, "certificate verify failed", NULL);
}

/* The server's certificate is signed by a CA the client does not trust. */
static void test_tls_wrong_server_ca(void **state)
{
	NEED_PKI();
	tls_case("evilsrv", "good", "client", "good", false, NULL, "certificate verify failed");
}

/* A client with no certificate at all (openssl s_client without -cert). */
static void test_tls_no_client_cert(void **state)
{
	struct vsx_loop *loop;
	struct side srv = {0};
	struct tls_files sf;
	struct vsx_ofconn_conf sc = conf_v(BOTH);
	struct vsx_oflistener *l;
	char target[64], cmd[512];
	FILE *p;

	NEED_PKI();
	tls_files(&sf, "server", "good");
	sc.tls = &sf.conf;
	assert_int_equal(vsx_loop_new(&loop), 0);
	l = listen_tcp(loop, &sc, &srv, target, sizeof(target), "ssl");
	snprintf(cmd, sizeof(cmd),
		 "sleep 3 | timeout 10 openssl s_client -connect 127.0.0.1:%d -CAfile %s "
		 ">/dev/null 2>&1",
		 vsx_oflistener_port(l), sf.ca);
	p = popen(cmd, "r");
	assert_non_null(p);
	RUN_UNTIL(loop, srv.downs, 8000);
	print_message("server: %s\n", srv.why);
	assert_int_equal(srv.ups, 0);
	assert_int_equal(srv.downs, 1);
	assert_non_null(strstr(srv.why, "TLS handshake failed"));
	assert_non_null(strstr(srv.why, "certificate"));
	pclose(p);
	vsx_oflistener_close(l);
	vsx_loop_free(loop);
}

/* Missing or mismatched files are refused when listening/connecting, naming the file. */
static void test_tls_bad_files(void **state)
{
	struct vsx_loop *loop;
	struct tls_files f;
	struct vsx_ofconn_conf cc = conf_v(BOTH);
	struct vsx_ofconn *c;
	char err[512];

	NEED_PKI();
	assert_int_equal(vsx_loop_new(&loop), 0);
	tls_files(&f, "client", "good");
	snprintf(f.cert, sizeof(f.cert), "%s/nonexistent.pem", pki);
	cc.tls = &f.conf;
	assert_int_equal(vsx_ofconn_connect(loop, "ssl:127.0.0.1:1", &cc, &cbs, NULL, &c, err,
					    sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "nonexistent.pem"));
	tls_files(&f, "client", "good");
	snprintf(f.key, sizeof(f.key), "%s/server.key", pki); /* not client.pem's key */
	assert_int_equal(vsx_ofconn_connect(loop, "ssl:127.0.0.1:1", &cc, &cbs, NULL, &c, err,
					    sizeof(err)),
			 -EINVAL);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "server.key")); /* OpenSSL: "key values mismatch" */
	vsx_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_negotiate_13),
	    cmocka_unit_test(test_negotiate_10),
	    cmocka_unit_test(test_negotiate_incompatible),
	    cmocka_unit_test(test_hello_failed_text),
	    cmocka_unit_test(test_echo_and_errors),
	    cmocka_unit_test(test_echo_timeout),
	    cmocka_unit_test(test_echo_keeps_alive),
	    cmocka_unit_test(test_garbage_and_stall),
	    cmocka_unit_test(test_partial_stall),
	    cmocka_unit_test(test_reconnect_backoff),
	    cmocka_unit_test(test_send_queue_full),
	    cmocka_unit_test(test_many),
	};
	const struct CMUnitTest tls_tests[] = {
	    cmocka_unit_test(test_tls_good),	       cmocka_unit_test(test_tls_wrong_client_ca),
	    cmocka_unit_test(test_tls_wrong_server_ca), cmocka_unit_test(test_tls_no_client_cert),
	    cmocka_unit_test(test_tls_bad_files),
	};
	int failed;

	signal(SIGPIPE, SIG_IGN);
	vsx_log_set_level(VSX_LOG_ERR);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("tls", tls_tests, tls_setup, tls_teardown);
	return failed;
}
