// SPDX-License-Identifier: MIT
/*
 * vsxd's control connection handler (lib/ctl_server.c) fed arbitrary byte streams over a
 * socketpair, in chunks of a size the first input byte picks, with event-loop rounds between
 * them; the client then shuts its write side. Checked: the server answers exactly once, with
 * "ok\n" or one "error: ...\n" line, and then closes; the handler sees a request only when
 * the stream is a well-formed one within the size limit, with exactly the bytes sent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_server.h"
#include "evloop.h"
#include "log.h"

#define MAX_REQ 1024

struct seen {
	int calls;
	size_t len; /* the request's bytes, rebuilt from argv */
	char buf[MAX_REQ];
};

static void handler(void *ctx, int argc, char **argv, struct strbuf *reply)
{
	struct seen *s = ctx;

	s->calls++;
	s->len = 0;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (s->len + n > sizeof(s->buf))
			abort();
		memcpy(s->buf + s->len, argv[i], n);
		s->len += n;
	}
	strbuf_puts(reply, "ok\n");
}

/* Reads what the server sent so far; 1 once it closed. */
static int drain(int fd, struct strbuf *got)
{
	char b[4096];

	for (;;) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (n > 0) {
			strbuf_add(got, b, (size_t)n);
			continue;
		}
		return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vsx_ctl_server_conf conf = {
	    .max_conns = 1, .idle_ms = 60000, .max_request = MAX_REQ};
	struct vsx_ctl_server *srv;
	struct vsx_loop *loop;
	struct seen seen = {0};
	struct strbuf got;
	size_t chunk, off = 0;
	int sv[2], closed = 0;

	if (size == 0)
		return 0;
	vsx_log_set_level(VSX_LOG_ERR);
	chunk = (size_t)data[0] % 97 + 1;
	data++;
	size--;
	if (vsx_loop_new(&loop))
		return 0;
	if (vsx_ctl_server_new(&srv, loop, -1, &conf, handler, &seen)) {
		vsx_loop_free(loop);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    vsx_ctl_server_adopt(srv, sv[1]))
		abort();
	strbuf_init(&got);
	while (off < size && !closed) {
		size_t n = size - off < chunk ? size - off : chunk;
		ssize_t w = send(sv[0], data + off, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break; /* the server refused and closed */
		if (vsx_loop_run_once(loop, 0))
			abort();
		closed = drain(sv[0], &got);
	}
	shutdown(sv[0], SHUT_WR);
	for (int i = 0; i < 100 && !closed; i++) {
		if (vsx_loop_run_once(loop, 0))
			abort();
		closed = drain(sv[0], &got);
	}
	if (!closed || vsx_ctl_server_conns(srv) != 0)
		abort(); /* every stream ends in one reply and a close */
	bool ok = got.len == 3 && memcmp(got.buf, "ok\n", 3) == 0;
	bool err = got.len > 8 && memcmp(got.buf, "error: ", 7) == 0 &&
		   memchr(got.buf, '\n', got.len) == got.buf + got.len - 1;
	if (ok == err)
		abort();
	/* Answered "ok" exactly when the stream is a valid request within the limit. */
	char *copy = malloc(size ? size : 1), *argv[VSX_CTL_MAX_ARGS];
	if (!copy)
		abort();
	memcpy(copy, data, size);
	bool valid = size <= MAX_REQ && vsx_ctl_split(copy, size, argv, VSX_CTL_MAX_ARGS) > 0;
	free(copy);
	if (ok != valid || seen.calls != (valid ? 1 : 0))
		abort();
	if (valid && (seen.len != size || memcmp(seen.buf, data, size) != 0))
		abort();
	strbuf_free(&got);
	close(sv[0]);
	vsx_ctl_server_free(srv);
	vsx_loop_free(loop);
	return 0;
}
