/* SPDX-License-Identifier: MIT */
/*
 * The control socket protocol between vsxctl and vsxd (a Unix stream socket, root only).
 *
 * One request per connection. The client sends its arguments as NUL-terminated strings
 * (exactly its argv: no quoting problems with rule text) and shuts down its write side.
 * The server answers with one status line, "ok" or "error: MESSAGE", then the body (text,
 * or JSON when the request carried "--json"), and closes the connection.
 */
#ifndef VSX_CTL_H
#define VSX_CTL_H

#include <stddef.h>

#include "strbuf.h"

#define VSX_CTL_MAX_REQUEST 65536
#define VSX_CTL_MAX_ARGS 64

/* Client: connects, sends argv, reads the whole reply into `reply`. 0 or -errno. */
int vsx_ctl_call(const char *socket_path, int argc, char *const argv[], struct strbuf *reply);

/*
 * Splits a received request (len bytes) into its arguments, in place. Returns the number of
 * arguments, or -errno: -EPROTO for an empty request or one that does not end in a NUL,
 * -E2BIG for more than max_args arguments. (lib/ctl_server.c reads requests.)
 */
int vsx_ctl_split(char *buf, size_t len, char *argv[], int max_args);

/* Writes all of buf to a blocking socket. 0 or -errno. */
int vsx_ctl_write_all(int fd, const char *buf, size_t len);

#endif
