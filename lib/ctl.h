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
 * Server: reads one request from a connected socket (with a timeout) into buf and splits it.
 * Returns the number of arguments, or -errno (-EMSGSIZE for a request over the limit,
 * -EPROTO for one that does not end in a NUL).
 */
int vsx_ctl_read_request(int fd, char *buf, size_t buflen, char *argv[], int max_args);

/*
 * Splits a received request (len bytes) into its arguments, in place. The same return
 * values as vsx_ctl_read_request(); -EPROTO also for an empty request.
 */
int vsx_ctl_split(char *buf, size_t len, char *argv[], int max_args);

/* Server: writes the whole reply. */
int vsx_ctl_write_all(int fd, const char *buf, size_t len);

#endif
