/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow connections on the event loop (lib/evloop.h), for both ends: vsxd (the switch)
 * and vsx-controller use the same code. A connection frames the byte stream into messages
 * (ofp_frame_len), negotiates the version (HELLO with version bitmaps), answers ECHO_REQUEST,
 * sends ECHO_REQUEST when the peer is quiet and drops it when the echo goes unanswered, and
 * answers a message the codec cannot decode with the spec's ERROR (ofp_encode_error_reply):
 * the owner sees only decoded messages after negotiation.
 *
 * Targets, in Open vSwitch's syntax:
 *   active:  tcp:HOST:PORT  ssl:HOST:PORT  unix:PATH
 *   passive: ptcp:PORT[:ADDR]  pssl:PORT[:ADDR]  punix:PATH
 * An active connection reconnects by itself with exponential backoff (backoff_min_ms doubling
 * to backoff_max_ms) until closed; a passive listener hands each accepted connection to
 * on_accept. ssl/pssl use OpenSSL with the certificate, key and CA of vsx_tls_conf; the peer's
 * certificate is verified against the CA, and a failed handshake is logged with OpenSSL's
 * reason and the connection dropped.
 *
 * Sending never blocks: messages are queued and written as the socket allows;
 * vsx_ofconn_queued() tells how much waits (callers stop producing above a bound of their
 * choice). Functions return 0 or -errno; those taking err fill it with a message.
 */
#ifndef VSX_OFP_CONN_H
#define VSX_OFP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "ofp.h"

struct vsx_loop;
struct vsx_ofconn;
struct vsx_oflistener;

struct vsx_tls_conf {
	const char *key_file;  /* PEM private key */
	const char *cert_file; /* PEM certificate */
	const char *ca_file;   /* PEM CA certificate(s) the peer's certificate must chain to */
};

struct vsx_ofconn_cbs {
	/* Negotiated: vsx_ofconn_version() is known. */
	void (*on_up)(struct vsx_ofconn *c, void *ctx);
	/* One decoded message other than HELLO, ECHO_REQUEST and ECHO_REPLY; raw/len are its
	 * bytes (for error replies that quote the request). m is freed after the callback. */
	void (*on_msg)(struct vsx_ofconn *c, const struct ofp_msg *m, const void *raw, size_t len,
		       void *ctx);
	/* The connection went down (why says how). An active one retries by itself; a passive
	 * one is freed after this callback. */
	void (*on_down)(struct vsx_ofconn *c, const char *why, void *ctx);
};

struct vsx_ofconn_conf {
	__u32 versions;		       /* bit v: offer version v (OFP10 = 1, OFP13 = 4) */
	unsigned int echo_interval_ms; /* quiet this long: ECHO_REQUEST; twice: down. 0 = off */
	unsigned int backoff_min_ms;   /* active reconnects */
	unsigned int backoff_max_ms;
	const struct vsx_tls_conf *tls; /* required for ssl: and pssl: */
	const char *name;		/* in log lines ("controller", "tool", ...) */
};

/* Starts an active connection (connects now and on every loss). */
int vsx_ofconn_connect(struct vsx_loop *loop, const char *target,
		       const struct vsx_ofconn_conf *conf, const struct vsx_ofconn_cbs *cbs,
		       void *ctx, struct vsx_ofconn **out, char *err, size_t errlen);

/* Listens; every accepted connection gets cbs/ctx and is announced through on_accept. */
typedef void (*vsx_oflistener_accept_cb)(struct vsx_oflistener *l, struct vsx_ofconn *c,
					 void *ctx);
int vsx_oflisten(struct vsx_loop *loop, const char *target, const struct vsx_ofconn_conf *conf,
		 const struct vsx_ofconn_cbs *cbs, vsx_oflistener_accept_cb on_accept, void *ctx,
		 struct vsx_oflistener **out, char *err, size_t errlen);
void vsx_oflistener_close(struct vsx_oflistener *l); /* accepted connections stay */

/* Encodes m with the negotiated version (m->version is overwritten) and queues it. */
int vsx_ofconn_send(struct vsx_ofconn *c, struct ofp_msg *m);
/* Queues bytes that are whole messages already. */
int vsx_ofconn_send_raw(struct vsx_ofconn *c, const void *buf, size_t len);
size_t vsx_ofconn_queued(const struct vsx_ofconn *c);

bool vsx_ofconn_is_up(const struct vsx_ofconn *c);
__u8 vsx_ofconn_version(const struct vsx_ofconn *c); /* 0 before negotiation */
const char *vsx_ofconn_peer(const struct vsx_ofconn *c); /* "tcp:1.2.3.4:6653" */
__u32 vsx_ofconn_next_xid(struct vsx_ofconn *c);
void vsx_ofconn_set_user(struct vsx_ofconn *c, void *user);
void *vsx_ofconn_user(const struct vsx_ofconn *c);

/* Closes and frees (no on_down). Safe inside the connection's own callbacks. */
void vsx_ofconn_close(struct vsx_ofconn *c);

#endif
