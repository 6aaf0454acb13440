// SPDX-License-Identifier: MIT
#include "ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

/* Accepts per listening-socket event: a flood of connects cannot hold the loop. */
#define ACCEPT_BATCH 64

struct conn {
	struct vsx_ctl_server *srv;
	int fd;
	bool writing; /* the request is complete (or refused); the reply goes out */
	char *in;     /* the request so far */
	size_t in_len, in_cap;
	struct strbuf out;	    /* the reply */
	size_t out_off;		    /* bytes of it sent */
	unsigned long long last_ms; /* the last progress */
	struct vsx_timer *idle;
};

struct vsx_ctl_server {
	struct vsx_loop *loop;
	int listen_fd;
	struct vsx_ctl_server_conf conf;
	vsx_ctl_handler handler;
	void *ctx;
	struct conn **conns;
	size_t n_conns, cap_conns;
};

static void conn_close(struct conn *c)
{
	struct vsx_ctl_server *s = c->srv;

	for (size_t i = 0; i < s->n_conns; i++) {
		if (s->conns[i] == c) {
			s->conns[i] = s->conns[--s->n_conns];
			break;
		}
	}
	vsx_loop_del_fd(s->loop, c->fd);
	vsx_loop_del_timer(s->loop, c->idle);
	close(c->fd);
	free(c->in);
	strbuf_free(&c->out);
	free(c);
}

static void progress(struct conn *c)
{
	c->last_ms = vsx_loop_now_ms();
	vsx_loop_timer_arm(c->srv->loop, c->idle, c->srv->conf.idle_ms);
}

/* Sends what the socket takes; closes the connection once the reply is out (or on error). */
static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				vsx_loop_mod_fd(c->srv->loop, c->fd, POLLOUT);
				return;
			}
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
		progress(c);
	}
	conn_close(c);
}

/* Ends reading: the reply (already in c->out) goes out from here on. */
static void conn_reply(struct conn *c)
{
	c->writing = true;
	if (c->out.oom) {
		strbuf_reset(&c->out);
		c->out.oom = false;
		strbuf_puts(&c->out, "error: out of memory\n");
	}
	conn_flush(c);
}

static void conn_refuse(struct conn *c, const char *fmt, const char *arg)
{
	strbuf_reset(&c->out);
	strbuf_puts(&c->out, "error: ");
	strbuf_printf(&c->out, fmt, arg);
	strbuf_puts(&c->out, "\n");
	conn_reply(c);
}

static void conn_request(struct conn *c)
{
	char *argv[VSX_CTL_MAX_ARGS];
	int argc = vsx_ctl_split(c->in, c->in_len, argv, VSX_CTL_MAX_ARGS);

	if (argc < 0) {
		log_rl(VSX_LOG_WARN, "control: bad request: %s", strerror(-argc));
		conn_refuse(c, "bad request: %s", strerror(-argc));
		return;
	}
	c->srv->handler(c->srv->ctx, argc, argv, &c->out);
	conn_reply(c);
}

static void conn_read(struct conn *c)
{
	size_t max = c->srv->conf.max_request;

	for (;;) {
		ssize_t n;

		/* One byte beyond the limit tells an oversize request from one exactly at it. */
		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 512;
			char *p;

			if (cap > max + 1)
				cap = max + 1;
			p = realloc(c->in, cap);
			if (!p) {
				conn_refuse(c, "%s", "out of memory");
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(c);
			return;
		}
		if (n == 0) {
			conn_request(c);
			return;
		}
		c->in_len += (size_t)n;
		progress(c);
		if (c->in_len > max) {
			char lim[32];

			snprintf(lim, sizeof(lim), "%zu", max);
			log_rl(VSX_LOG_WARN, "control: refused a request over %s bytes", lim);
			/* Further input is not read: the reply goes out and the connection closes.
			 */
			shutdown(c->fd, SHUT_RD);
			conn_refuse(c, "bad request: request over %s bytes", lim);
			return;
		}
	}
}

static void conn_event(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct conn *c = ctx;

	(void)loop;
	(void)fd;
	if (c->writing) {
		if (revents & (POLLERR | POLLNVAL))
			conn_close(c);
		else
			conn_flush(c);
	} else {
		/* POLLHUP with data pending: read it; recv() tells the end. */
		conn_read(c);
	}
}

static void conn_idle(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct conn *c = ctx;
	char s[32];

	(void)loop;
	(void)t;
	if (c->writing) { /* the client does not read its reply */
		log_rl(VSX_LOG_WARN, "control: closed a client that did not read its reply");
		conn_close(c);
		return;
	}
	snprintf(s, sizeof(s), "%g", c->srv->conf.idle_ms / 1000.0);
	log_rl(VSX_LOG_INFO, "control: closed a client that sent no complete request in %s s", s);
	conn_refuse(c, "no complete request within %s s", s);
}

/* At the limit: the connection without progress for the longest time makes room. */
static void evict_one(struct vsx_ctl_server *s)
{
	struct conn *old = NULL;

	for (size_t i = 0; i < s->n_conns; i++)
		if (!old || s->conns[i]->last_ms < old->last_ms)
			old = s->conns[i];
	if (!old)
		return;
	log_rl(VSX_LOG_WARN,
	       "control: %u connections open (the limit); closing the longest idle one",
	       s->conf.max_conns);
	if (!old->writing)
		send(old->fd, "error: too many connections\n", 28, MSG_NOSIGNAL | MSG_DONTWAIT);
	conn_close(old);
}

static bool peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

int vsx_ctl_server_adopt(struct vsx_ctl_server *s, int fd)
{
	struct conn *c;
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	while (s->n_conns >= s->conf.max_conns && s->n_conns)
		evict_one(s);
	if (s->n_conns == s->cap_conns) {
		size_t cap = s->cap_conns ? s->cap_conns * 2 : 16;
		struct conn **p = realloc(s->conns, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->conns = p;
		s->cap_conns = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->fd = fd;
	strbuf_init(&c->out);
	c->idle = vsx_loop_add_timer(s->loop, s->conf.idle_ms, 0, conn_idle, c);
	if (!c->idle || vsx_loop_add_fd(s->loop, fd, POLLIN, conn_event, c)) {
		vsx_loop_del_timer(s->loop, c->idle);
		free(c);
		return -ENOMEM;
	}
	c->last_ms = vsx_loop_now_ms();
	s->conns[s->n_conns++] = c;
	if (s->conf.root_only && !peer_is_root(fd)) {
		log_rl(VSX_LOG_WARN, "control: refused a non-root client");
		conn_refuse(c, "%s", "permission denied: vsxd answers root only");
	}
	return 0;
}

static void on_listen(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct vsx_ctl_server *s = ctx;

	(void)loop;
	(void)revents;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (c < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_rl(VSX_LOG_WARN, "control: accept: %s", strerror(errno));
			return;
		}
		if (vsx_ctl_server_adopt(s, c)) {
			log_rl(VSX_LOG_WARN, "control: out of memory for a connection");
			close(c);
		}
	}
}

int vsx_ctl_server_new(struct vsx_ctl_server **out, struct vsx_loop *loop, int listen_fd,
		       const struct vsx_ctl_server_conf *conf, vsx_ctl_handler handler, void *ctx)
{
	struct vsx_ctl_server *s;

	if (!conf->max_conns || !conf->max_request)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->listen_fd = listen_fd;
	s->conf = *conf;
	s->handler = handler;
	s->ctx = ctx;
	if (listen_fd >= 0) {
		int flags = fcntl(listen_fd, F_GETFL), err;

		if (flags < 0 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK)) {
			err = -errno;
			free(s);
			return err;
		}
		err = vsx_loop_add_fd(loop, listen_fd, POLLIN, on_listen, s);
		if (err) {
			free(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

void vsx_ctl_server_free(struct vsx_ctl_server *s)
{
	if (!s)
		return;
	while (s->n_conns)
		conn_close(s->conns[s->n_conns - 1]);
	if (s->listen_fd >= 0)
		vsx_loop_del_fd(s->loop, s->listen_fd);
	free(s->conns);
	free(s);
}

size_t vsx_ctl_server_conns(const struct vsx_ctl_server *s)
{
	return s->n_conns;
}
