/* SPDX-License-Identifier: MIT */
/*
 * TLS for OpenFlow connections (lib/ofp_conn.c's ssl: and pssl:), on OpenSSL, non-blocking.
 * Both ends present a certificate and verify the peer's against the CA (mutual TLS, as Open
 * vSwitch does); no host-name check: the CA is the trust boundary. Failures come back as text
 * naming OpenSSL's reason ("certificate verify failed: unable to get local issuer
 * certificate", "peer did not return a certificate").
 */
#ifndef VSX_OFP_TLS_H
#define VSX_OFP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The files of one end, all three required. */
struct vsx_tls_conf {
	const char *key_file;  /* PEM private key */
	const char *cert_file; /* PEM certificate */
	const char *ca_file;   /* PEM CA certificate(s) the peer's certificate must chain to */
};

struct vsx_tls_ctx;
struct vsx_tls;

/* Loads key, certificate and CA (all three required); -EINVAL with err naming the file and
 * OpenSSL's reason. */
int vsx_tls_ctx_new(const struct vsx_tls_conf *conf, bool server, struct vsx_tls_ctx **out,
		    char *err, size_t errlen);
/* Sessions made from ctx keep what they need: ctx may go first. NULL is a no-op. */
void vsx_tls_ctx_free(struct vsx_tls_ctx *ctx);

int vsx_tls_new(struct vsx_tls_ctx *ctx, int fd, struct vsx_tls **out); /* 0 or -ENOMEM */
void vsx_tls_free(struct vsx_tls *t); /* sends close_notify if it can; closes no fd */

/*
 * The handshake step: 1 done (peer verified), 0 in progress (*want: POLLIN or POLLOUT to wait
 * for), -EPROTO failed (err says why).
 */
int vsx_tls_handshake(struct vsx_tls *t, short *want, char *err, size_t errlen);
/* >0 bytes, 0 clean EOF, -EAGAIN (*want says for what), -EPROTO/-EIO (err says why). */
ssize_t vsx_tls_read(struct vsx_tls *t, void *buf, size_t len, short *want, char *err,
		     size_t errlen);
ssize_t vsx_tls_write(struct vsx_tls *t, const void *buf, size_t len, short *want, char *err,
		      size_t errlen);
/* Decrypted bytes OpenSSL holds that poll() cannot see. */
bool vsx_tls_pending(const struct vsx_tls *t);
/* The peer certificate's subject, one line ("" before the handshake). */
void vsx_tls_peer_subject(const struct vsx_tls *t, char *buf, size_t len);

#endif
