// SPDX-License-Identifier: MIT
/*
 * OpenFlow connections (lib/ofp_conn.h): targets, the non-blocking transport (plain sockets
 * or lib/ofp_tls.c), framing, negotiation, echo liveness, reconnect with backoff.
 *
 * Every connection has one descriptor entry and one one-shot timer in the loop; the timer is
 * re-armed for the nearest of its deadlines (reconnect, connect/negotiation timeout, echo).
 * Entry points from the loop hold a busy count so that the owner may close the connection
 * from any of its callbacks: the memory goes when the outermost entry point returns.
 */
#include "ofp_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vsx/ofp_wire.h"

#include "errmsg.h"
#include "evloop.h"
#include "log.h"
#include "ofconn_int.h"
#include "ofp_tls.h"

#define DEFAULT_BACKOFF_MIN 1000
#define DEFAULT_BACKOFF_MAX 8000
#define NEGOTIATE_TIMEOUT_NO_ECHO 10000
#define RBUF_MIN 4096
#define READ_BUDGET (256u << 10) /* bytes per readiness event: others get their turn */

/* ---- connection life ---- */

static void conn_tick(struct vsx_loop *loop, struct vsx_timer *t, void *ctx);
static void conn_io(struct vsx_loop *loop, int fd, short revents, void *ctx);
static void conn_down(struct vsx_ofconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static unsigned int negotiate_timeout(const struct vsx_ofconn *c)
{
	return c->echo_ms ? 2 * c->echo_ms : NEGOTIATE_TIMEOUT_NO_ECHO;
}

static void set_state(struct vsx_ofconn *c, enum conn_state st)
{
	c->st = st;
	c->t_state = vsx_loop_now_ms();
}

/* Re-arms the one timer for the nearest deadline of the current state. */
static void rearm(struct vsx_ofconn *c)
{
	unsigned long long now = vsx_loop_now_ms(), at;

	if (c->closed)
		return;
	if (c->down_pending) {
		at = now;
	} else {
		switch (c->st) {
		case CS_BACKOFF:
			at = c->retry_at;
			break;
		case CS_CONNECTING:
		case CS_TLS:
		case CS_HELLO:
			at = c->t_state + negotiate_timeout(c);
			break;
		case CS_UP:
		default:
			if (!c->echo_ms)
				return;
			at = c->last_rx + (c->echo_sent ? 2ull : 1ull) * c->echo_ms;
			break;
		}
	}
	vsx_loop_timer_arm(c->loop, c->timer, at > now ? (unsigned int)(at - now) : 0);
}

static void set_events(struct vsx_ofconn *c)
{
	short want = POLLIN;

	if (c->fd < 0 || c->closed)
		return;
	if (c->st == CS_CONNECTING)
		want = POLLOUT;
	else if ((c->wbuf.len > c->woff && !c->corked) || c->tls_read_wants_out)
		want |= POLLOUT;
	if (want == c->events)
		return;
	if (!c->events) {
		if (vsx_loop_add_fd(c->loop, c->fd, want, conn_io, c) == 0)
			c->events = want;
	} else if (vsx_loop_mod_fd(c->loop, c->fd, want) == 0) {
		c->events = want;
	}
}

static void transport_close(struct vsx_ofconn *c)
{
	if (c->tls) {
		vsx_tls_free(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0) {
		if (c->events)
			vsx_loop_del_fd(c->loop, c->fd);
		close(c->fd);
	}
	c->fd = -1;
	c->events = 0;
	c->tls_read_wants_out = false;
	c->version = 0;
	c->rlen = 0;
	c->wbuf.len = 0;
	c->wbuf.oom = false;
	c->woff = 0;
	c->echo_sent = false;
	c->down_pending = false;
	c->session++;
	/* A long queue's memory goes with the session. */
	if (c->wbuf.cap > (1u << 20))
		ofp_buf_free(&c->wbuf);
	if (c->rcap > 2 * RBUF_MIN) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rcap = 0;
	}
}

static void conn_free(struct vsx_ofconn *c)
{
	transport_close(c);
	vsx_loop_del_timer(c->loop, c->timer);
	vsx_tls_ctx_free(c->tls_ctx);
	ofp_buf_free(&c->wbuf);
	free(c->rbuf);
	free(c);
}

void vsx_ofconn_enter(struct vsx_ofconn *c)
{
	c->busy++;
}

void vsx_ofconn_leave(struct vsx_ofconn *c)
{
	if (--c->busy == 0 && c->closed)
		conn_free(c);
}

static void schedule_retry(struct vsx_ofconn *c)
{
	set_state(c, CS_BACKOFF);
	c->retry_at = vsx_loop_now_ms() + c->backoff_cur;
	c->backoff_cur = c->backoff_cur * 2 > c->backoff_max ? c->backoff_max : c->backoff_cur * 2;
	rearm(c);
}

/* A connection attempt that never got a transport. */
static void attempt_failed(struct vsx_ofconn *c, const char *why)
{
	unsigned int f = ++c->failures;

	/* Log the first failures, then every power of two: a controller down for an hour does
	 * not fill the log. */
	if (f <= 3 || !(f & (f - 1)))
		log_warn("%s %s: connection failed: %s (attempt %u, retry in %u ms)", c->name,
			 c->peer, why, f, c->backoff_cur);
	transport_close(c);
	schedule_retry(c);
}

static void conn_down(struct vsx_ofconn *c, const char *fmt, ...)
{
	char why[200];
	bool was_up = c->st == CS_UP, was_established = c->established;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (was_up)
		log_info("%s %s: down: %s", c->name, c->peer, why);
	else
		log_warn("%s %s: dropped before negotiation: %s", c->name, c->peer, why);
	transport_close(c);
	c->established = false;
	if (!was_up)
		c->failures++;
	if (was_established && c->cbs.on_down) {
		vsx_ofconn_enter(c);
		c->cbs.on_down(c, why, c->ctx);
		if (c->closed) {
			vsx_ofconn_leave(c);
			return;
		}
		c->busy--;
	}
	if (!c->active) {
		c->closed = true; /* freed by the outermost entry point */
		vsx_loop_del_timer(c->loop, c->timer);
		c->timer = NULL;
		if (!c->busy)
			conn_free(c);
		return;
	}
	schedule_retry(c);
}

/* Errors found while sending are reported from the loop, not inside the owner's send. */
static void defer_down(struct vsx_ofconn *c, const char *why)
{
	if (c->down_pending)
		return;
	snprintf(c->down_why, sizeof(c->down_why), "%s", why);
	c->down_pending = true;
	rearm(c);
}

/* ---- output ---- */

/* Writes what the socket takes; 0, or -1 after defer_down. */
static int flush_out(struct vsx_ofconn *c)
{
	char err[160];

	while (c->woff < c->wbuf.len && c->fd >= 0 && !c->down_pending) {
		const __u8 *p = c->wbuf.data + c->woff;
		size_t left = c->wbuf.len - c->woff;
		ssize_t n;

		if (c->tls) {
			short want = 0;

			n = vsx_tls_write(c->tls, p, left, &want, err, sizeof(err));
			if (n == -EAGAIN)
				break;
			if (n < 0) {
				defer_down(c, err);
				return -1;
			}
		} else {
			n = send(c->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(err, sizeof(err), "write: %s", strerror(errno));
				defer_down(c, err);
				return -1;
			}
		}
		c->woff += (size_t)n;
	}
	if (c->woff == c->wbuf.len) {
		c->wbuf.len = 0;
		c->woff = 0;
	} else if (c->woff > (64u << 10) && c->woff * 2 > c->wbuf.len) {
		memmove(c->wbuf.data, c->wbuf.data + c->woff, c->wbuf.len - c->woff);
		c->wbuf.len -= c->woff;
		c->woff = 0;
	}
	set_events(c);
	return 0;
}

static int queued_check(struct vsx_ofconn *c)
{
	if (c->wbuf.oom) {
		defer_down(c, "out of memory for the send queue");
		return -ENOMEM;
	}
	if (c->wbuf.len - c->woff > c->max_queued) {
		char why[96];

		snprintf(why, sizeof(why), "send queue full (%zu bytes unread by the peer)",
			 c->wbuf.len - c->woff);
		defer_down(c, why);
		return -ENOBUFS;
	}
	return 0;
}

static void kick_out(struct vsx_ofconn *c)
{
	if (!c->corked)
		flush_out(c);
}

int vsx_ofconn_send(struct vsx_ofconn *c, struct ofp_msg *m)
{
	char err[160];
	int ret;

	if (c->st != CS_UP || c->down_pending)
		return -ENOTCONN;
	m->version = c->version;
	ret = ofp_encode(m, &c->wbuf, err, sizeof(err));
	if (ret) {
		log_rl(VSX_LOG_WARN, "%s %s: cannot encode %s: %s", c->name, c->peer,
		       ofp_kind_name(m->kind), err);
		return ret;
	}
	ret = queued_check(c);
	if (ret)
		return ret;
	kick_out(c);
	return 0;
}

int vsx_ofconn_send_raw(struct vsx_ofconn *c, const void *buf, size_t len)
{
	int ret;

	if (c->st != CS_UP || c->down_pending)
		return -ENOTCONN;
	if (c->wbuf.cap - c->wbuf.len < len) {
		size_t cap = c->wbuf.cap ? c->wbuf.cap : 4096;
		__u8 *p;

		while (cap - c->wbuf.len < len)
			cap *= 2;
		p = realloc(c->wbuf.data, cap);
		if (!p)
			return -ENOMEM;
		c->wbuf.data = p;
		c->wbuf.cap = cap;
	}
	memcpy(c->wbuf.data + c->wbuf.len, buf, len);
	c->wbuf.len += len;
	ret = queued_check(c);
	if (ret)
		return ret;
	kick_out(c);
	return 0;
}

size_t vsx_ofconn_queued(const struct vsx_ofconn *c)
{
	return c->wbuf.len - c->woff;
}

void vsx_ofconn_cork(struct vsx_ofconn *c, bool on)
{
	c->corked = on;
	if (!on)
		flush_out(c);
}

/* ---- input ---- */

static __u8 top_version(__u32 versions)
{
	for (int v = 31; v > 0; v--)
		if (versions >> v & 1)
			return (__u8)v;
	return OFP13_VERSION;
}

static void versions_text(__u32 bits, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned int v = 1; v < 32 && used < len; v++)
		if (bits >> v & 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 ofp_version_name((__u8)v));
}

static void hello_failed(struct vsx_ofconn *c, __u8 peer_version, __u32 xid, const char *text)
{
	__u8 top = top_version(c->versions);
	__u8 v = peer_version && peer_version < top ? peer_version : top;

	ofp_encode_hello_failed(&c->wbuf, v, xid, text);
	flush_out(c); /* best effort: the connection closes right after */
}

static void negotiate(struct vsx_ofconn *c, const void *raw, size_t len)
{
	const __u8 *h = raw;
	struct ofp_msg m;
	struct ofp_status st;
	__u32 xid = (__u32)h[4] << 24 | (__u32)h[5] << 16 | (__u32)h[6] << 8 | h[7];
	char ours[64], theirs[300];
	__u8 v;

	if (h[1] != 0) {
		if (h[1] == 1 && len >= 12) /* an ERROR (any version): the peer refused us */
			conn_down(c, "peer sent ERROR type %u code %u before HELLO",
				  (unsigned int)h[8] << 8 | h[9], (unsigned int)h[10] << 8 | h[11]);
		else {
			hello_failed(c, h[0], xid, "the first message must be HELLO");
			conn_down(c, "first message is type %u, not HELLO", h[1]);
		}
		return;
	}
	if (ofp_decode(raw, len, &m, &st)) {
		ofp_encode_error_reply(&c->wbuf, top_version(c->versions), st.err, raw, len);
		flush_out(c);
		conn_down(c, "bad HELLO: %s", st.text);
		return;
	}
	v = ofp_negotiate(c->versions, m.version, &m.hello);
	if (!v) {
		char text[400];

		versions_text(c->versions, ours, sizeof(ours));
		if (m.hello.has_bitmap) {
			size_t used = 0;

			theirs[0] = 0;
			for (unsigned int i = 1; i < 32 * OFP_HELLO_BITMAP_WORDS && used < 200; i++)
				if (ofp_hello_has(&m.hello, i))
					used += (size_t)snprintf(theirs + used,
								 sizeof(theirs) - used, "%s%s",
								 used ? "," : "",
								 ofp_version_name((__u8)i));
		} else {
			snprintf(theirs, sizeof(theirs), "up to %s", ofp_version_name(m.version));
		}
		snprintf(text, sizeof(text), "no common version: we support %s, you offer %s", ours,
			 theirs);
		ofp_msg_free(&m);
		hello_failed(c, m.version, xid, text);
		conn_down(c, "%s", text);
		return;
	}
	ofp_msg_free(&m);
	c->version = v;
	set_state(c, CS_UP);
	c->failures = 0;
	c->backoff_cur = c->backoff_min;
	log_info("%s %s: up, %s", c->name, c->peer, ofp_version_name(v));
	rearm(c);
	if (c->cbs.on_up)
		c->cbs.on_up(c, c->ctx);
}

static void echo_reply(struct vsx_ofconn *c, const struct ofp_msg *req)
{
	struct ofp_msg r = {.kind = OFPK_ECHO_REPLY, .xid = req->xid, .echo = req->echo};

	vsx_ofconn_send(c, &r);
}

/* One framed message; the connection may be down (or closed) afterwards. */
static void handle_frame(struct vsx_ofconn *c, const __u8 *raw, size_t len)
{
	struct ofp_msg m;
	struct ofp_status st;

	if (c->st != CS_UP) {
		negotiate(c, raw, len);
		return;
	}
	if (ofp_decode(raw, len, &m, &st)) {
		log_rl(VSX_LOG_WARN, "%s %s: undecodable message (type %u, %zu bytes): %s", c->name,
		       c->peer, raw[1], len, st.text);
		if (raw[1] == 1) /* never answer an ERROR with an ERROR: two peers could loop */
			return;
		ofp_encode_error_reply(&c->wbuf, c->version, st.err, raw, len);
		if (!queued_check(c))
			kick_out(c);
		return;
	}
	if (m.version != c->version) {
		if (m.kind != OFPK_ERROR && m.kind != OFPK_HELLO) {
			ofp_encode_error_reply(&c->wbuf, c->version, OFP_ERR_BAD_VERSION, raw, len);
			if (!queued_check(c))
				kick_out(c);
		}
		log_rl(VSX_LOG_WARN, "%s %s: %s %s on an %s connection", c->name, c->peer,
		       ofp_version_name(m.version), ofp_kind_name(m.kind),
		       ofp_version_name(c->version));
		ofp_msg_free(&m);
		return;
	}
	switch (m.kind) {
	case OFPK_HELLO: /* a second HELLO says nothing new */
		break;
	case OFPK_ECHO_REQUEST:
		echo_reply(c, &m);
		break;
	case OFPK_ECHO_REPLY:
		c->echo_sent = false;
		break;
	case OFPK_ERROR:
		if (m.error.type == 0) /* HELLO_FAILED after we agreed: the peer will close */
			log_warn("%s %s: peer refused the session: HELLO_FAILED code %u \"%.*s\"",
				 c->name, c->peer, m.error.code,
				 (int)(m.error.data_len > 200 ? 200 : m.error.data_len),
				 (const char *)m.error.data);
		if (c->cbs.on_msg)
			c->cbs.on_msg(c, &m, raw, len, c->ctx);
		break;
	default:
		if (c->cbs.on_msg)
			c->cbs.on_msg(c, &m, raw, len, c->ctx);
		break;
	}
	ofp_msg_free(&m);
}

/* Frames and handles what rbuf holds. */
static void consume(struct vsx_ofconn *c)
{
	unsigned long session = c->session;
	size_t off = 0;

	while (!c->closed && c->session == session) {
		long n = ofp_frame_len(c->rbuf + off, c->rlen - off);

		if (n < 0) {
			conn_down(c, "bad framing: a header length below 8");
			return;
		}
		if (n == 0 || (size_t)n > c->rlen - off)
			break;
		handle_frame(c, c->rbuf + off, (size_t)n);
		off += (size_t)n;
	}
	if (c->closed || c->session != session)
		return;
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

static int rbuf_room(struct vsx_ofconn *c)
{
	size_t need = RBUF_MIN;
	long n = ofp_frame_len(c->rbuf, c->rlen);

	if (n > 0 && (size_t)n > c->rlen)
		need = (size_t)n - c->rlen; /* the rest of a message that is arriving */
	if (need < RBUF_MIN / 2)
		need = RBUF_MIN / 2;
	if (c->rcap - c->rlen >= need)
		return 0;
	{
		size_t cap = c->rcap ? c->rcap : RBUF_MIN;
		__u8 *p;

		while (cap - c->rlen < need)
			cap *= 2;
		p = realloc(c->rbuf, cap);
		if (!p)
			return -ENOMEM;
		c->rbuf = p;
		c->rcap = cap;
	}
	return 0;
}

static void readable(struct vsx_ofconn *c)
{
	unsigned long session = c->session;
	size_t budget = READ_BUDGET;
	char err[160];

	while (!c->closed && c->session == session && budget) {
		ssize_t n;

		if (rbuf_room(c)) {
			conn_down(c, "out of memory for the receive buffer");
			return;
		}
		if (c->tls) {
			short want = 0;

			n = vsx_tls_read(c->tls, c->rbuf + c->rlen, c->rcap - c->rlen, &want, err,
					 sizeof(err));
			if (n == -EAGAIN) {
				if (want == POLLOUT && !c->tls_read_wants_out) {
					c->tls_read_wants_out = true;
					set_events(c);
				}
				return;
			}
			if (n < 0) {
				conn_down(c, "%s", err);
				return;
			}
		} else {
			n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				conn_down(c, "read: %s", strerror(errno));
				return;
			}
		}
		if (n == 0) {
			conn_down(c, "connection closed by peer");
			return;
		}
		c->rlen += (size_t)n;
		c->last_rx = vsx_loop_now_ms();
		budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
		consume(c);
	}
	if (!c->closed && c->session == session)
		rearm(c);
}

/* ---- transport setup ---- */

static void start_hello(struct vsx_ofconn *c)
{
	set_state(c, CS_HELLO);
	ofp_encode_hello(&c->wbuf, c->versions, c->xid++);
	flush_out(c);
	rearm(c);
}

static void tls_step(struct vsx_ofconn *c)
{
	char err[256];
	short want = 0;
	int r = vsx_tls_handshake(c->tls, &want, err, sizeof(err));

	if (r < 0) {
		conn_down(c, "TLS handshake failed: %s", err); /* logged there, once */
		return;
	}
	if (r == 0) {
		short ev = want == POLLOUT ? POLLOUT : POLLIN;

		if (ev != c->events && vsx_loop_mod_fd(c->loop, c->fd, ev) == 0)
			c->events = ev;
		return;
	}
	{
		char subj[256];

		vsx_tls_peer_subject(c->tls, subj, sizeof(subj));
		log_info("%s %s: TLS peer verified: %s", c->name, c->peer, subj);
	}
	c->events = POLLIN;
	vsx_loop_mod_fd(c->loop, c->fd, POLLIN);
	start_hello(c);
	/* Application data may have come with the handshake's last flight. */
	if (c->st == CS_HELLO && c->tls && vsx_tls_pending(c->tls))
		readable(c);
}

/* The transport is there (connected or accepted). */
void vsx_ofconn_established(struct vsx_ofconn *c, struct vsx_tls_ctx *tls_ctx)
{
	c->established = true;
	c->last_rx = vsx_loop_now_ms();
	if (c->tgt.kind == VSX_OFT_TCP || c->tgt.kind == VSX_OFT_SSL) {
		int one = 1;

		/* Small control messages must not wait for Nagle. */
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	set_events(c);
	if (tls_ctx) {
		if (vsx_tls_new(tls_ctx, c->fd, &c->tls)) {
			conn_down(c, "out of memory for a TLS session");
			return;
		}
		set_state(c, CS_TLS);
		rearm(c);
		tls_step(c);
		return;
	}
	start_hello(c);
}

static void start_connect(struct vsx_ofconn *c)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const struct sockaddr *sa;
	socklen_t salen;
	int fd, gai;

	if (c->tgt.kind == VSX_OFT_UNIX) {
		strcpy(sun.sun_path, c->tgt.path);
		sa = (const void *)&sun;
		salen = sizeof(sun);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	} else {
		gai = getaddrinfo(c->tgt.host, c->tgt.port, &hints, &ai);
		if (gai) {
			attempt_failed(c, gai_strerror(gai));
			return;
		}
		sa = ai->ai_addr;
		salen = ai->ai_addrlen;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		if (ai)
			freeaddrinfo(ai);
		attempt_failed(c, strerror(errno));
		return;
	}
	c->fd = fd;
	if (connect(fd, sa, salen) == 0) {
		if (ai)
			freeaddrinfo(ai);
		set_state(c, CS_CONNECTING);
		vsx_ofconn_established(c, c->tls_ctx);
		return;
	}
	if (ai)
		freeaddrinfo(ai);
	if (errno != EINPROGRESS) {
		attempt_failed(c, strerror(errno));
		return;
	}
	set_state(c, CS_CONNECTING);
	set_events(c);
	rearm(c);
}

static void connect_done(struct vsx_ofconn *c)
{
	int soerr = 0;
	socklen_t l = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
		soerr = errno;
	if (soerr) {
		attempt_failed(c, strerror(soerr));
		return;
	}
	vsx_ofconn_established(c, c->tls_ctx);
}

static void conn_io(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct vsx_ofconn *c = ctx;

	(void)loop;
	(void)fd;
	vsx_ofconn_enter(c);
	switch (c->st) {
	case CS_CONNECTING:
		connect_done(c);
		break;
	case CS_TLS:
		tls_step(c);
		break;
	case CS_HELLO:
	case CS_UP: {
		unsigned long session = c->session;

		if (revents & POLLOUT) {
			if (c->tls_read_wants_out) {
				c->tls_read_wants_out = false;
				revents |= POLLIN;
			}
			flush_out(c);
		}
		if (revents & (POLLIN | POLLHUP | POLLERR) && !c->closed && c->session == session)
			readable(c);
		break;
	}
	case CS_BACKOFF:
		break;
	}
	vsx_ofconn_leave(c);
}

static void conn_tick(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct vsx_ofconn *c = ctx;
	unsigned long long now = vsx_loop_now_ms();

	(void)loop;
	(void)t;
	vsx_ofconn_enter(c);
	if (c->down_pending) {
		char why[sizeof(c->down_why)];

		memcpy(why, c->down_why, sizeof(why));
		conn_down(c, "%s", why);
		goto out;
	}
	switch (c->st) {
	case CS_BACKOFF:
		if (now >= c->retry_at)
			start_connect(c);
		else
			rearm(c);
		break;
	case CS_CONNECTING:
		if (now >= c->t_state + negotiate_timeout(c))
			attempt_failed(c, "connect timed out");
		else
			rearm(c);
		break;
	case CS_TLS:
	case CS_HELLO:
		if (now >= c->t_state + negotiate_timeout(c))
			conn_down(c, "no %s within %u ms", c->st == CS_TLS ? "TLS handshake" : "HELLO",
				  negotiate_timeout(c));
		else
			rearm(c);
		break;
	case CS_UP:
		if (!c->echo_ms)
			break;
		if (now >= c->last_rx + 2ull * c->echo_ms) {
			conn_down(c, "echo timeout: nothing received for %u ms", 2 * c->echo_ms);
			break;
		}
		if (now >= c->last_rx + c->echo_ms && !c->echo_sent) {
			struct ofp_msg e = {.kind = OFPK_ECHO_REQUEST, .xid = c->xid++};

			c->echo_sent = true;
			vsx_ofconn_send(c, &e);
		}
		rearm(c);
		break;
	}
out:
	vsx_ofconn_leave(c);
}

struct vsx_ofconn *vsx_ofconn_new(struct vsx_loop *loop, const struct vsx_ofconn_conf *conf,
				  const struct vsx_ofconn_cbs *cbs, void *ctx)
{
	struct vsx_ofconn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = loop;
	c->fd = -1;
	c->versions = conf->versions ? conf->versions : (1u << OFP10_VERSION | 1u << OFP13_VERSION);
	c->echo_ms = conf->echo_interval_ms;
	c->backoff_min = conf->backoff_min_ms ? conf->backoff_min_ms : DEFAULT_BACKOFF_MIN;
	c->backoff_max = conf->backoff_max_ms ? conf->backoff_max_ms : DEFAULT_BACKOFF_MAX;
	if (c->backoff_max < c->backoff_min)
		c->backoff_max = c->backoff_min;
	c->backoff_cur = c->backoff_min;
	c->max_queued = conf->max_queued ? conf->max_queued : VSX_OFCONN_DEFAULT_MAX_QUEUED;
	snprintf(c->name, sizeof(c->name), "%s", conf->name ? conf->name : "openflow");
	if (cbs)
		c->cbs = *cbs;
	c->ctx = ctx;
	c->xid = 1;
	ofp_buf_init(&c->wbuf);
	/* Armed for its real deadline by rearm(); a firing with nothing due re-arms itself. */
	c->timer = vsx_loop_add_timer(loop, 1000, 0, conn_tick, c);
	if (!c->timer) {
		free(c);
		return NULL;
	}
	return c;
}

int vsx_ofconn_connect(struct vsx_loop *loop, const char *target,
		       const struct vsx_ofconn_conf *conf, const struct vsx_ofconn_cbs *cbs,
		       void *ctx, struct vsx_ofconn **out, char *err, size_t errlen)
{
	struct vsx_ofconn *c;
	struct vsx_oftarget t;
	int ret = vsx_oftarget_parse(target, false, &t, err, errlen);

	if (ret)
		return ret;
	if (t.kind == VSX_OFT_SSL && !conf->tls)
		return vsx_errf(err, errlen, -EINVAL,
				"%s: ssl: needs a private key, a certificate and a CA certificate",
				target);
	c = vsx_ofconn_new(loop, conf, cbs, ctx);
	if (!c)
		return vsx_errf(err, errlen, -ENOMEM, "%s: out of memory", target);
	if (t.kind == VSX_OFT_SSL) {
		ret = vsx_tls_ctx_new(conf->tls, false, &c->tls_ctx, err, errlen);
		if (ret) {
			conn_free(c);
			return ret;
		}
	}
	c->active = true;
	c->tgt = t;
	snprintf(c->peer, sizeof(c->peer), "%s", target);
	*out = c;
	vsx_ofconn_enter(c);
	start_connect(c);
	vsx_ofconn_leave(c);
	return 0;
}

void vsx_ofconn_close(struct vsx_ofconn *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	transport_close(c);
	vsx_loop_del_timer(c->loop, c->timer);
	c->timer = NULL;
	if (!c->busy)
		conn_free(c);
}

bool vsx_ofconn_is_up(const struct vsx_ofconn *c)
{
	return c->st == CS_UP && !c->down_pending;
}

__u8 vsx_ofconn_version(const struct vsx_ofconn *c)
{
	return c->version;
}

const char *vsx_ofconn_peer(const struct vsx_ofconn *c)
{
	return c->peer;
}

bool vsx_ofconn_is_tls(const struct vsx_ofconn *c)
{
	return c->tgt.kind == VSX_OFT_SSL;
}

__u32 vsx_ofconn_next_xid(struct vsx_ofconn *c)
{
	return c->xid++;
}

void vsx_ofconn_set_user(struct vsx_ofconn *c, void *user)
{
	c->user = user;
}

void *vsx_ofconn_user(const struct vsx_ofconn *c)
{
	return c->user;
}
