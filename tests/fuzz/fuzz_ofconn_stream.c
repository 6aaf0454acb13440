// SPDX-License-Identifier: MIT
/*
 * The OpenFlow connection handler (lib/ofp_conn.c) fed arbitrary byte streams: a passive
 * connection on a Unix socket gets the input in chunks of a size the first byte picks, with
 * event-loop rounds between them, then EOF. The owner answers FEATURES_REQUEST and ECHO-like
 * traffic goes back, so the send path runs too. Checked:
 *   - everything the connection sends is framed and decodes (HELLO, ERROR, ECHO_REPLY and the
 *     owner's FEATURES_REPLY only), in the negotiated version once there is one;
 *   - the owner sees messages only after on_up, only in the negotiated version, never HELLO or
 *     ECHO, and on_up at most once;
 *   - on_down comes exactly once, after the EOF at the latest.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "ofp.h"
#include "ofp_conn.h"
#include "vsx/ofp_wire.h"

struct seen {
	int ups, downs, msgs;
	__u8 version;
	struct vsx_ofconn *conn;
};

static struct vsx_loop *loop;
static struct vsx_oflistener *lis;
static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static struct seen seen;

static void on_up(struct vsx_ofconn *c, void *ctx)
{
	seen.ups++;
	seen.version = vsx_ofconn_version(c);
	if (seen.ups != 1 || !seen.version)
		abort();
}

static void on_msg(struct vsx_ofconn *c, const struct ofp_msg *m, const void *raw, size_t len,
		   void *ctx)
{
	seen.msgs++;
	if (!seen.ups || m->version != seen.version || m->kind == OFPK_HELLO ||
	    m->kind == OFPK_ECHO_REQUEST || m->kind == OFPK_ECHO_REPLY)
		abort();
	if (m->kind == OFPK_FEATURES_REQUEST) {
		struct ofp_msg r = {.kind = OFPK_FEATURES_REPLY, .xid = m->xid};

		r.features.n_tables = 1;
		if (vsx_ofconn_send(c, &r) && vsx_ofconn_is_up(c))
			abort();
	}
}

static void on_down(struct vsx_ofconn *c, const char *why, void *ctx)
{
	seen.downs++;
	seen.conn = NULL;
}

static void on_accept(struct vsx_oflistener *l, struct vsx_ofconn *c, void *ctx)
{
	seen.conn = c;
}

static const struct vsx_ofconn_cbs cbs = {on_up, on_msg, on_down};

static void setup(void)
{
	struct vsx_ofconn_conf conf = {.versions = 1u << OFP10_VERSION | 1u << OFP13_VERSION,
				       .name = "fuzz"};
	char target[128], err[256];

	signal(SIGPIPE, SIG_IGN);
	vsx_log_set_level(VSX_LOG_ERR); /* the peer's faults are logged at warn: quiet */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/vsx-fuzz-ofconn.%d", getpid());
	snprintf(target, sizeof(target), "punix:%s", addr.sun_path);
	if (vsx_loop_new(&loop) ||
	    vsx_oflisten(loop, target, &conf, &cbs, on_accept, NULL, &lis, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ofconn_stream: %s\n", err);
		abort();
	}
}

/* Checks what the connection sent so far (rbuf keeps a partial message). */
static void check_output(int fd, __u8 *rbuf, size_t *rlen, bool *eof)
{
	for (;;) {
		ssize_t n = recv(fd, rbuf + *rlen, 70000 - *rlen, MSG_DONTWAIT);
		size_t off = 0;

		if (n == 0)
			*eof = true;
		if (n <= 0)
			return;
		*rlen += (size_t)n;
		for (;;) {
			long fl = ofp_frame_len(rbuf + off, *rlen - off);
			struct ofp_msg m;
			struct ofp_status st;

			if (fl < 0)
				abort();
			if (fl == 0 || (size_t)fl > *rlen - off)
				break;
			if (ofp_decode(rbuf + off, (size_t)fl, &m, &st))
				abort();
			if (m.kind != OFPK_HELLO && m.kind != OFPK_ERROR &&
			    m.kind != OFPK_ECHO_REPLY && m.kind != OFPK_FEATURES_REPLY)
				abort();
			if (m.kind != OFPK_HELLO && m.kind != OFPK_ERROR && m.version != seen.version)
				abort();
			ofp_msg_free(&m);
			off += (size_t)fl;
		}
		memmove(rbuf, rbuf + off, *rlen - off);
		*rlen -= off;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u8 rbuf[70000];
	size_t rlen = 0, chunk, off = 1;
	bool eof = false;
	int fd;

	if (!loop)
		setup();
	if (!size)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	memset(&seen, 0, sizeof(seen));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		abort();
	for (int i = 0; i < 100 && !seen.conn; i++)
		vsx_loop_run_once(loop, 10);
	if (!seen.conn)
		abort();
	while (off < size && !eof) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (send(fd, data + off, n, MSG_NOSIGNAL) < 0)
			break; /* the connection closed on us: fine */
		off += n;
		vsx_loop_run_once(loop, 0);
		check_output(fd, rbuf, &rlen, &eof);
	}
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 200 && !seen.downs; i++) {
		vsx_loop_run_once(loop, 5);
		check_output(fd, rbuf, &rlen, &eof);
	}
	if (seen.downs != 1)
		abort();
	check_output(fd, rbuf, &rlen, &eof);
	close(fd);
	if (seen.msgs && !seen.ups)
		abort();
	return 0;
}
