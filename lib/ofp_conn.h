/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow connections on the event loop (lib/evloop.h), for both ends: vsxd (the switch)
 * and vsx-controller use the same code. A connection frames the byte stream into messages
 * (ofp_frame_len), negotiates the version (HELLO with version bitmaps), answers ECHO_REQUEST,
 * sends ECHO_REQUEST when the peer is quiet and drops it when the echo goes unanswered, and
 * answers a message the codec cannot decode with the spec's ERROR (ofp_encode_error_reply):
 * the owner sees only decoded messages after negotiation.
 *
 * Targets, in Open vSwitch's syntax (PORT defaults to 6653):
 *   active:  tcp:HOST[:PORT]  ssl:HOST[:PORT]  unix:PATH
 *   passive: ptcp:[PORT][:ADDR]  pssl:[PORT][:ADDR]  punix:PATH
 * HOST/ADDR are IPv4, [IPv6] or a name (resolved when connecting, which may block briefly).
 * ptcp:0 binds an ephemeral port (vsx_oflistener_port() tells which).
 *
 * An active connection reconnects by itself with exponential backoff (backoff_min_ms doubling
 * to backoff_max_ms after every failed attempt; back to backoff_min_ms once a connection was
 * negotiated) until closed; a passive listener hands each accepted connection to on_accept.
 * ssl/pssl use OpenSSL (lib/ofp_tls.h) with the certificate, key and CA of vsx_tls_conf; the
 * peer's certificate is verified against the CA in both directions, and a failed handshake is
 * logged with OpenSSL's reason and the connection dropped.
 *
 * Liveness: with echo_interval_ms = I, a peer silent for I gets an ECHO_REQUEST; silent for 2I
 * it is dropped ("echo timeout"). A connection that has not negotiated within 2I (10 s when
 * echo is off) is dropped too, so a peer that connects and stalls costs nothing but its slot.
 * Protocol violations the stream cannot recover from (a header length below 8, no HELLO first,
 * no common version) close the connection; a message that merely fails to decode gets its
 * ERROR reply and the connection goes on.
 *
 * Sending never blocks: messages are queued and written as the socket allows;
 * vsx_ofconn_queued() tells how much waits (callers stop producing above a bound of their
 * choice); a peer that lets more than max_queued bytes pile up is dropped ("send queue
 * full"). Functions return 0 or -errno; those taking err fill it with a message.
 *
 * Callbacks: on_down is called once for every transport that was established (connected or
 * accepted) when it ends, negotiated or not; failed connection attempts are only logged
 * (rate-limited). Errors found while sending are reported through on_down from the loop,
 * never from inside vsx_ofconn_send().
 */
#ifndef VSX_OFP_CONN_H
#define VSX_OFP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "ofconn_types.h"
#include "ofp.h"

struct vsx_loop;
struct vsx_ofconn;
struct vsx_oflistener;

/* Starts an active connection (connects now and on every loss). Errors here are about the
 * target's syntax or the TLS files; an unreachable peer is retried, not an error. */
int vsx_ofconn_connect(struct vsx_loop *loop, const char *target,
		       const struct vsx_ofconn_conf *conf, const struct vsx_ofconn_cbs *cbs,
		       void *ctx, struct vsx_ofconn **out, char *err, size_t errlen);

/* Listens; every accepted connection gets cbs/ctx and is announced through on_accept (before
 * any of its callbacks; it is not negotiated yet). */
typedef void (*vsx_oflistener_accept_cb)(struct vsx_oflistener *l, struct vsx_ofconn *c, void *ctx);
int vsx_oflisten(struct vsx_loop *loop, const char *target, const struct vsx_ofconn_conf *conf,
		 const struct vsx_ofconn_cbs *cbs, vsx_oflistener_accept_cb on_accept, void *ctx,
		 struct vsx_oflistener **out, char *err, size_t errlen);
void vsx_oflistener_close(struct vsx_oflistener *l); /* accepted connections stay */
/* The bound TCP port (ptcp:0 picks one), 0 for punix. */
int vsx_oflistener_port(const struct vsx_oflistener *l);

/* Encodes m with the negotiated version (m->version is overwritten) and queues it.
 * -ENOTCONN before negotiation, -ENOBUFS over max_queued, or ofp_encode's errors. */
int vsx_ofconn_send(struct vsx_ofconn *c, struct ofp_msg *m);
/* Queues bytes that are whole messages already (-ENOTCONN before negotiation). */
int vsx_ofconn_send_raw(struct vsx_ofconn *c, const void *buf, size_t len);
size_t vsx_ofconn_queued(const struct vsx_ofconn *c);
/* While corked, sends only queue; uncorking writes the queue at once. For bursts (a batch of
 * FLOW_MODs and its BARRIER): one write instead of one per message. */
void vsx_ofconn_cork(struct vsx_ofconn *c, bool on);

bool vsx_ofconn_is_up(const struct vsx_ofconn *c);
__u8 vsx_ofconn_version(const struct vsx_ofconn *c);	 /* 0 before negotiation */
const char *vsx_ofconn_peer(const struct vsx_ofconn *c); /* "tcp:1.2.3.4:6653" */
bool vsx_ofconn_is_tls(const struct vsx_ofconn *c);
__u32 vsx_ofconn_next_xid(struct vsx_ofconn *c);
void vsx_ofconn_set_user(struct vsx_ofconn *c, void *user);
void *vsx_ofconn_user(const struct vsx_ofconn *c);

/* Closes and frees (no on_down). Safe inside the connection's own callbacks. */
void vsx_ofconn_close(struct vsx_ofconn *c);

#endif
