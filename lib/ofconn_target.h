/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow connection targets in Open vSwitch's syntax (lib/ofp_conn.h lists them): parsing
 * into their parts, and socket addresses as "tcp:1.2.3.4:6653" text. Private to lib/ofp_conn.c
 * and lib/ofconn_listen.c.
 */
#ifndef VSX_OFCONN_TARGET_H
#define VSX_OFCONN_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* tcp:/ssl: targets without a port, and ptcp:/pssl: without one: the IANA OpenFlow port. */
#define VSX_OFCONN_DEFAULT_PORT 6653

enum vsx_oftarget_kind { VSX_OFT_TCP, VSX_OFT_SSL, VSX_OFT_UNIX };

struct vsx_oftarget {
	enum vsx_oftarget_kind kind;
	bool passive;
	char host[256]; /* tcp/ssl: host (active) or bind address (passive, "" = any) */
	char port[8];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* 0 or -EINVAL with err naming the target and what is wrong with it. */
int vsx_oftarget_parse(const char *s, bool passive, struct vsx_oftarget *t, char *err,
		       size_t errlen);
void vsx_oftarget_addr_text(const struct sockaddr *sa, const char *prefix, char *buf, size_t len);

#endif
