// SPDX-License-Identifier: MIT
/*
 * OpenFlow listeners (lib/ofp_conn.h: ptcp:, pssl:, punix:): each accepted socket becomes a
 * passive connection announced through on_accept, then negotiated like any other.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "errmsg.h"
#include "evloop.h"
#include "log.h"
#include "ofconn_int.h"
#include "ofp_conn.h"
#include "ofp_tls.h"

#define ACCEPT_BUDGET 64

struct vsx_oflistener {
	struct vsx_loop *loop;
	struct vsx_oftarget tgt;
	int fd;
	int port;
	struct vsx_ofconn_conf conf;
	char name[32];
	struct vsx_tls_ctx *tls_ctx;
	struct vsx_ofconn_cbs cbs;
	vsx_oflistener_accept_cb on_accept;
	void *ctx;
	struct vsx_timer *pause; /* out of descriptors: stop accepting for a while */
};

static void listener_io(struct vsx_loop *loop, int fd, short revents, void *ctx);

static void listener_resume(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct vsx_oflistener *l = ctx;

	(void)t;
	vsx_loop_mod_fd(loop, l->fd, POLLIN);
}

static void accept_one(struct vsx_oflistener *l, int fd, const struct sockaddr *sa)
{
	struct vsx_ofconn *c = vsx_ofconn_new(l->loop, &l->conf, &l->cbs, l->ctx);

	if (!c) {
		close(fd);
		log_rl(VSX_LOG_WARN, "%s: out of memory for an accepted connection", l->name);
		return;
	}
	c->tgt = l->tgt;
	c->tgt.passive = true;
	c->fd = fd;
	if (l->tgt.kind == VSX_OFT_UNIX)
		snprintf(c->peer, sizeof(c->peer), "unix:%s", l->tgt.path);
	else
		vsx_oftarget_addr_text(sa, l->tgt.kind == VSX_OFT_SSL ? "ssl" : "tcp", c->peer, sizeof(c->peer));
	vsx_ofconn_enter(c);
	if (l->on_accept)
		l->on_accept(l, c, l->ctx);
	if (!c->closed)
		vsx_ofconn_established(c, l->tls_ctx);
	vsx_ofconn_leave(c);
}

static void listener_io(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct vsx_oflistener *l = ctx;

	(void)revents;
	for (int i = 0; i < ACCEPT_BUDGET; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Still pending: stop polling the listener for a while rather than
				 * spin on it. */
				log_rl(VSX_LOG_WARN, "%s: accept: %s; pausing for 1 s", l->name,
				       strerror(errno));
				vsx_loop_mod_fd(loop, fd, 0);
				vsx_loop_timer_arm(loop, l->pause, 1000);
			}
			return;
		}
		if (sl == 0 || l->tgt.kind == VSX_OFT_UNIX)
			ss.ss_family = AF_UNIX;
		accept_one(l, cfd, (struct sockaddr *)&ss);
	}
}

int vsx_oflisten(struct vsx_loop *loop, const char *target, const struct vsx_ofconn_conf *conf,
		 const struct vsx_ofconn_cbs *cbs, vsx_oflistener_accept_cb on_accept, void *ctx,
		 struct vsx_oflistener **out, char *err, size_t errlen)
{
	struct vsx_oflistener *l;
	struct vsx_oftarget t;
	int fd, ret = vsx_oftarget_parse(target, true, &t, err, errlen);

	if (ret)
		return ret;
	if (t.kind == VSX_OFT_SSL && !conf->tls)
		return vsx_errf(err, errlen, -EINVAL,
				"%s: pssl: needs a private key, a certificate and a CA certificate",
				target);
	l = calloc(1, sizeof(*l));
	if (!l)
		return vsx_errf(err, errlen, -ENOMEM, "%s: out of memory", target);
	l->loop = loop;
	l->tgt = t;
	l->conf = *conf;
	l->conf.tls = NULL; /* read now; the caller's memory may go */
	snprintf(l->name, sizeof(l->name), "%s", conf->name ? conf->name : "openflow");
	l->conf.name = l->name;
	if (cbs)
		l->cbs = *cbs;
	l->on_accept = on_accept;
	l->ctx = ctx;
	l->fd = -1;
	if (t.kind == VSX_OFT_SSL) {
		ret = vsx_tls_ctx_new(conf->tls, true, &l->tls_ctx, err, errlen);
		if (ret)
			goto fail;
	}
	if (t.kind == VSX_OFT_UNIX) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		struct stat sb;

		strcpy(sun.sun_path, t.path);
		/* A socket left by a previous run is stale (nobody can listen on it twice). */
		if (stat(t.path, &sb) == 0 && S_ISSOCK(sb.st_mode))
			unlink(t.path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			ret = vsx_errf(err, errlen, -errno, "%s: %s", target, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto fail;
		}
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
		int gai = getaddrinfo(t.host[0] ? t.host : NULL, t.port, &hints, &ai), one = 1;

		if (gai) {
			ret = vsx_errf(err, errlen, -EINVAL, "%s: %s", target, gai_strerror(gai));
			goto fail;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			ret = vsx_errf(err, errlen, -errno, "%s: %s", target, strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(ai);
			goto fail;
		}
		freeaddrinfo(ai);
	}
	if (listen(fd, 1024) < 0) {
		ret = vsx_errf(err, errlen, -errno, "%s: listen: %s", target, strerror(errno));
		close(fd);
		goto fail;
	}
	l->fd = fd;
	if (t.kind != VSX_OFT_UNIX) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			l->port = ntohs(ss.ss_family == AF_INET6
					    ? ((struct sockaddr_in6 *)&ss)->sin6_port
					    : ((struct sockaddr_in *)&ss)->sin_port);
	}
	l->pause = vsx_loop_add_timer(loop, 1u << 30, 0, listener_resume, l);
	if (!l->pause || vsx_loop_add_fd(loop, fd, POLLIN, listener_io, l)) {
		ret = vsx_errf(err, errlen, -ENOMEM, "%s: out of memory", target);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	if (l->fd >= 0)
		close(l->fd);
	vsx_loop_del_timer(loop, l->pause);
	vsx_tls_ctx_free(l->tls_ctx);
	free(l);
	return ret;
}

void vsx_oflistener_close(struct vsx_oflistener *l)
{
	if (!l)
		return;
	vsx_loop_del_fd(l->loop, l->fd);
	close(l->fd);
	vsx_loop_del_timer(l->loop, l->pause);
	if (l->tgt.kind == VSX_OFT_UNIX)
		unlink(l->tgt.path);
	vsx_tls_ctx_free(l->tls_ctx);
	free(l);
}

int vsx_oflistener_port(const struct vsx_oflistener *l)
{
	return l->port;
}
