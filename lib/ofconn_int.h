/* SPDX-License-Identifier: MIT */
/*
 * The insides of an OpenFlow connection, shared by lib/ofp_conn.c (the connection) and
 * lib/ofconn_listen.c (listeners, which make passive connections). Nothing else includes it.
 */
#ifndef VSX_OFCONN_INT_H
#define VSX_OFCONN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ofconn_target.h"
#include "ofconn_types.h"

struct vsx_loop;

struct vsx_tls_ctx;
struct vsx_tls;
struct vsx_timer;

enum conn_state {
	CS_BACKOFF,    /* active: waiting to reconnect */
	CS_CONNECTING, /* active: connect() in progress */
	CS_TLS,	       /* TLS handshake */
	CS_HELLO,      /* our HELLO sent, waiting for the peer's */
	CS_UP,	       /* negotiated */
};

struct vsx_ofconn {
	struct vsx_loop *loop;
	bool active;
	struct vsx_oftarget tgt;
	char name[32];
	char peer[300];
	__u32 versions;
	unsigned int echo_ms, backoff_min, backoff_max, backoff_cur;
	size_t max_queued;
	struct vsx_tls_ctx *tls_ctx; /* active ssl: ours */
	struct vsx_ofconn_cbs cbs;
	void *ctx, *user;

	enum conn_state st;
	int fd;
	short events; /* registered with the loop; 0: not registered */
	struct vsx_tls *tls;
	bool tls_read_wants_out;
	bool established; /* transport up: on_down owed */
	__u8 version;
	unsigned long session; /* bumped at every teardown: stale stream processing stops */

	__u8 *rbuf;
	size_t rlen, rcap;
	struct ofp_buf wbuf;
	size_t woff;
	bool corked;

	struct vsx_timer *timer;
	unsigned long long t_state; /* when st was entered */
	unsigned long long last_rx;
	bool echo_sent;
	unsigned long long retry_at;
	unsigned int failures; /* consecutive failed attempts (log thinning) */
	char down_why[160];    /* an error found while sending: taken down from the timer */
	bool down_pending;

	int busy;
	bool closed;
	__u32 xid;
};

/* A connection with conf and callbacks, not connected (fd -1); NULL when out of memory. */
struct vsx_ofconn *vsx_ofconn_new(struct vsx_loop *loop, const struct vsx_ofconn_conf *conf,
				  const struct vsx_ofconn_cbs *cbs, void *ctx);
/* Its transport is there (c->fd connected or accepted): TLS handshake or HELLO next. */
void vsx_ofconn_established(struct vsx_ofconn *c, struct vsx_tls_ctx *tls_ctx);
/* Entry points from the loop hold the connection: it is freed by the outermost leave. */
void vsx_ofconn_enter(struct vsx_ofconn *c);
void vsx_ofconn_leave(struct vsx_ofconn *c);

#endif
