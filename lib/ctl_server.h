/* SPDX-License-Identifier: MIT */
/*
 * The server side of the control protocol (lib/ctl.h) on an event loop (lib/evloop.h):
 * non-blocking connections, each with its own state: its request read until the client
 * shuts its write side, then the reply written as the socket takes it. A connection that
 * makes no progress for idle_ms is told so and closed; at max_conns, the connection idle the
 * longest is closed to make room for a new one (logged). So a silent or slow client costs
 * one descriptor and a buffer, and never delays another client or the loop.
 */
#ifndef VSX_CTL_SERVER_H
#define VSX_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "evloop.h"
#include "strbuf.h"

#define VSX_CTL_MAX_CONNS 256
#define VSX_CTL_IDLE_MS 5000

struct vsx_ctl_server_conf {
	unsigned int max_conns; /* >= 1 */
	unsigned int idle_ms;	/* without progress (bytes in or out) */
	size_t max_request;	/* bytes; a longer request is refused at once */
	bool root_only;		/* peers other than uid 0 get "permission denied" */
};

/*
 * Answers one complete request (argc >= 1, each argument NUL-terminated, exactly what the
 * client sent): appends the whole reply, "ok\n" and a body or "error: MESSAGE\n", to reply.
 */
typedef void (*vsx_ctl_handler)(void *ctx, int argc, char **argv, struct strbuf *reply);

struct vsx_ctl_server;

/* listen_fd: a listening socket (made non-blocking here), or -1 for adopted sockets only. */
int vsx_ctl_server_new(struct vsx_ctl_server **out, struct vsx_loop *loop, int listen_fd,
		       const struct vsx_ctl_server_conf *conf, vsx_ctl_handler handler, void *ctx);
/* Closes every connection (not the listening socket) and leaves the loop. */
void vsx_ctl_server_free(struct vsx_ctl_server *s);
/* Serves an already connected socket as a connection (socketpairs in tests). 0 or -errno. */
int vsx_ctl_server_adopt(struct vsx_ctl_server *s, int fd);
/* Connections open now. */
size_t vsx_ctl_server_conns(const struct vsx_ctl_server *s);

#endif
