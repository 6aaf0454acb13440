// SPDX-License-Identifier: MIT
/*
 * TLS on OpenSSL for OpenFlow connections (lib/ofp_tls.h). Mutual authentication: both sides
 * send their certificate and require the peer's, chained to the configured CA. TLS 1.2 is the
 * floor (what Open vSwitch 3.1 accepts by default).
 *
 * OpenSSL writes with write(2): a peer that vanished raises SIGPIPE, which the programs using
 * this (vsxd, vsx-controller) ignore.
 */
#include "ofp_tls.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "errmsg.h"

struct vsx_tls_ctx {
	SSL_CTX *ctx;
};

struct vsx_tls {
	SSL *ssl;
	bool done;
};

/* OpenSSL's queued errors as one line ("error:0A000086:SSL routines::certificate verify
 * failed"), cleared. */
static void ssl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t used = 0;

	buf[0] = 0;
	while ((e = ERR_get_error()) && used + 1 < len) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "; " : "", one);
	}
	if (!used)
		snprintf(buf, len, "no OpenSSL error queued");
}

int vsx_tls_ctx_new(const struct vsx_tls_conf *conf, bool server, struct vsx_tls_ctx **out,
		    char *err, size_t errlen)
{
	struct vsx_tls_ctx *t;
	char why[512];

	if (!conf || !conf->key_file || !*conf->key_file || !conf->cert_file ||
	    !*conf->cert_file || !conf->ca_file || !*conf->ca_file)
		return vsx_errf(err, errlen, -EINVAL,
				"TLS needs a private key, a certificate and a CA certificate");
	t = calloc(1, sizeof(*t));
	if (!t)
		return vsx_errf(err, errlen, -ENOMEM, "out of memory");
	ERR_clear_error();
	t->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!t->ctx) {
		ssl_errors(why, sizeof(why));
		free(t);
		return vsx_errf(err, errlen, -ENOMEM, "SSL_CTX_new: %s", why);
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, conf->cert_file) != 1) {
		ssl_errors(why, sizeof(why));
		vsx_tls_ctx_free(t);
		return vsx_errf(err, errlen, -EINVAL, "certificate %s: %s", conf->cert_file, why);
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, conf->key_file, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(why, sizeof(why));
		vsx_tls_ctx_free(t);
		return vsx_errf(err, errlen, -EINVAL, "private key %s: %s", conf->key_file, why);
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		ssl_errors(why, sizeof(why));
		vsx_tls_ctx_free(t);
		return vsx_errf(err, errlen, -EINVAL, "private key %s does not match certificate %s: %s",
				conf->key_file, conf->cert_file, why);
	}
	if (SSL_CTX_load_verify_locations(t->ctx, conf->ca_file, NULL) != 1) {
		ssl_errors(why, sizeof(why));
		vsx_tls_ctx_free(t);
		return vsx_errf(err, errlen, -EINVAL, "CA certificate %s: %s", conf->ca_file, why);
	}
	if (server) {
		/* Tell clients which CA we accept (helps them pick a certificate). */
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(conf->ca_file);

		if (names)
			SSL_CTX_set_client_CA_list(t->ctx, names);
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	*out = t;
	return 0;
}

void vsx_tls_ctx_free(struct vsx_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ctx);
	free(ctx);
}

int vsx_tls_new(struct vsx_tls_ctx *ctx, int fd, struct vsx_tls **out)
{
	struct vsx_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->ssl = SSL_new(ctx->ctx); /* holds a reference on the SSL_CTX */
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
		SSL_free(t->ssl);
		free(t);
		return -ENOMEM;
	}
	if (SSL_is_server(t->ssl))
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	*out = t;
	return 0;
}

void vsx_tls_free(struct vsx_tls *t)
{
	if (!t)
		return;
	if (t->done)
		SSL_shutdown(t->ssl); /* one non-blocking try at close_notify */
	SSL_free(t->ssl);
	ERR_clear_error();
	free(t);
}

/* Why an operation failed, with the verification result when that is the reason. */
static void failure_text(struct vsx_tls *t, int r, int sslerr, char *err, size_t errlen)
{
	char why[512];
	long vr = SSL_get_verify_result(t->ssl);

	ssl_errors(why, sizeof(why));
	if (vr != X509_V_OK)
		snprintf(err, errlen, "certificate verify failed: %s (%s)",
			 X509_verify_cert_error_string(vr), why);
	else if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(err, errlen, "%s",
			 errno && r < 0 ? strerror(errno) : "connection closed during TLS");
	else
		snprintf(err, errlen, "%s", why);
}

int vsx_tls_handshake(struct vsx_tls *t, short *want, char *err, size_t errlen)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->done = true;
		return 1;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		return 0;
	}
	failure_text(t, r, e, err, errlen);
	return -EPROTO;
}

ssize_t vsx_tls_read(struct vsx_tls *t, void *buf, size_t len, short *want, char *err,
		     size_t errlen)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_read(t->ssl, buf, len > 1u << 30 ? 1 << 30 : (int)len);
	if (r > 0)
		return r;
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		return -EAGAIN;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	failure_text(t, r, e, err, errlen);
	return e == SSL_ERROR_SYSCALL ? -EIO : -EPROTO;
}

ssize_t vsx_tls_write(struct vsx_tls *t, const void *buf, size_t len, short *want, char *err,
		      size_t errlen)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_write(t->ssl, buf, len > 1u << 30 ? 1 << 30 : (int)len);
	if (r > 0)
		return r;
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		return -EAGAIN;
	}
	failure_text(t, r, e, err, errlen);
	return e == SSL_ERROR_SYSCALL ? -EIO : -EPROTO;
}

bool vsx_tls_pending(const struct vsx_tls *t)
{
	return SSL_pending(t->ssl) > 0;
}

void vsx_tls_peer_subject(const struct vsx_tls *t, char *buf, size_t len)
{
	X509 *x = SSL_get1_peer_certificate(t->ssl);

	buf[0] = 0;
	if (!x)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), buf, (int)len);
	X509_free(x);
}
