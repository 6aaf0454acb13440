/* SPDX-License-Identifier: MIT */
/*
 * What an OpenFlow connection is made with: its callbacks and its settings (lib/ofp_conn.h
 * describes the connections). A header of its own so that the connection's private parts
 * (lib/ofconn_int.h) embed them without including the public API that is built on them.
 */
#ifndef VSX_OFCONN_TYPES_H
#define VSX_OFCONN_TYPES_H

#include <stddef.h>

#include "ofp.h"
#include "ofp_tls.h" /* struct vsx_tls_conf */

struct vsx_ofconn;

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

#define VSX_OFCONN_DEFAULT_MAX_QUEUED (64u << 20)

struct vsx_ofconn_conf {
	__u32 versions;		       /* bit v: offer version v (OFP10 = 1, OFP13 = 4) */
	unsigned int echo_interval_ms; /* quiet this long: ECHO_REQUEST; twice: down. 0 = off */
	unsigned int backoff_min_ms;   /* active reconnects; 0: 1000 */
	unsigned int backoff_max_ms;   /* 0: 8000 */
	size_t max_queued; /* bytes waiting to be sent; 0: VSX_OFCONN_DEFAULT_MAX_QUEUED */
	const struct vsx_tls_conf *tls; /* required for ssl: and pssl:; read at connect/listen */
	const char *name;		/* in log lines ("controller", "tool", ...) */
};

#endif
