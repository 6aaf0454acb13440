// SPDX-License-Identifier: MIT
/*
 * The control connections' state machine (lib/ctl_server.c) on socketpairs: a request in
 * pieces, bad and oversize requests, the idle timeout, the connection limit, many silent
 * clients beside an active one, and a large reply to a slow reader that does not hold up
 * another client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_server.h"
#include "evloop.h"

struct env {
	struct vsx_loop *loop;
	struct vsx_ctl_server *srv;
	int calls;
	size_t big; /* "big" requests get a reply of this many bytes */
};

/* Echoes the arguments, one per line, after "ok". */
static void handler(void *ctx, int argc, char **argv, struct strbuf *reply)
{
	struct env *e = ctx;

	e->calls++;
	strbuf_puts(reply, "ok\n");
	if (strcmp(argv[0], "big") == 0) {
		for (size_t i = 0; i < e->big; i++)
			strbuf_add(reply, "b", 1);
		return;
	}
	for (int i = 0; i < argc; i++)
		strbuf_printf(reply, "%s\n", argv[i]);
}

static void env_init(struct env *e, unsigned int max_conns, unsigned int idle_ms, size_t max_req)
{
	struct vsx_ctl_server_conf conf = {
	    .max_conns = max_conns, .idle_ms = idle_ms, .max_request = max_req};

	memset(e, 0, sizeof(*e));
	assert_int_equal(vsx_loop_new(&e->loop), 0);
	assert_int_equal(vsx_ctl_server_new(&e->srv, e->loop, -1, &conf, handler, e), 0);
}

static void env_free(struct env *e)
{
	vsx_ctl_server_free(e->srv);
	vsx_loop_free(e->loop);
}

/* A client socket whose other end the server serves. */
static int client(struct env *e)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(vsx_ctl_server_adopt(e->srv, sv[1]), 0);
	return sv[0];
}

/* What the client has received so far (non-blocking); *eof when the server closed. */
static size_t drain(int fd, char *buf, size_t cap, bool *eof)
{
	size_t len = 0;

	*eof = false;
	while (len < cap) {
		ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);

		/* A peer closing with input unread resets (AF_UNIX): the data before it counts. */
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			*eof = true;
			break;
		}
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return len;
}

static void rounds(struct env *e, int n, int wait_ms)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(vsx_loop_run_once(e->loop, wait_ms), 0);
}

static void test_partial_request(void **state)
{
	static const char req[] = "add-rule\0vni=1 actions=irq:auto\0--json";
	struct env e;
	char buf[256];
	bool eof;
	int fd;

	env_init(&e, 8, 5000, 65536);
	fd = client(&e);
	/* The request a byte at a time, a round after each: nothing answered before the end. */
	for (size_t i = 0; i < sizeof(req); i++) {
		assert_int_equal(send(fd, req + i, 1, 0), 1);
		rounds(&e, 1, 0);
	}
	assert_int_equal(e.calls, 0);
	assert_int_equal(drain(fd, buf, sizeof(buf), &eof), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	rounds(&e, 1, 100);
	assert_int_equal(e.calls, 1);
	size_t n = drain(fd, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "ok\nadd-rule\nvni=1 actions=irq:auto\n--json\n");
	assert_true(eof);
	assert_int_equal(vsx_ctl_server_conns(e.srv), 0);
	close(fd);
	env_free(&e);
}

static void test_bad_requests(void **state)
{
	struct env e;
	char buf[256], big[200];
	bool eof;
	int fd;
	size_t n;

	env_init(&e, 8, 5000, 100);
	/* Not NUL-terminated. */
	fd = client(&e);
	assert_int_equal(send(fd, "show", 4, 0), 4);
	shutdown(fd, SHUT_WR);
	rounds(&e, 2, 100);
	n = drain(fd, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "error: bad request: Protocol error\n");
	assert_true(eof);
	close(fd);
	/* Empty. */
	fd = client(&e);
	shutdown(fd, SHUT_WR);
	rounds(&e, 2, 100);
	n = drain(fd, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "error: bad request: Protocol error\n");
	close(fd);
	/* Over the limit: refused at once, without waiting for the client to finish. */
	fd = client(&e);
	memset(big, 'x', sizeof(big));
	assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	rounds(&e, 2, 100);
	n = drain(fd, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "error: bad request: request over 100 bytes\n");
	assert_true(eof);
	close(fd);
	/* Exactly at the limit is fine. */
	fd = client(&e);
	memset(big, 'x', 99);
	big[99] = '\0';
	assert_int_equal(send(fd, big, 100, 0), 100);
	shutdown(fd, SHUT_WR);
	rounds(&e, 2, 100);
	n = drain(fd, buf, sizeof(buf) - 1, &eof);
	assert_true(n > 3 && memcmp(buf, "ok\n", 3) == 0);
	close(fd);
	assert_int_equal(e.calls, 1);
	env_free(&e);
}

static void test_idle_timeout(void **state)
{
	struct env e;
	char buf[256];
	bool eof;
	int quiet, slow;
	unsigned long long t0 = vsx_loop_now_ms();

	env_init(&e, 8, 50, 65536);
	quiet = client(&e);
	slow = client(&e);
	/* slow makes progress every 30 ms: under the 50 ms idle time, so it stays open. */
	for (int i = 0; i < 4; i++) {
		unsigned long long until = vsx_loop_now_ms() + 30;

		assert_int_equal(send(slow, "s", 1, 0), 1);
		while (vsx_loop_now_ms() < until)
			rounds(&e, 1, 5);
	}
	size_t n = drain(quiet, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "error: no complete request within 0.05 s\n");
	assert_true(eof);
	assert_true(vsx_loop_now_ms() - t0 >= 50);
	assert_int_equal(vsx_ctl_server_conns(e.srv), 1);
	assert_int_equal(send(slow, "", 1, 0), 1);
	shutdown(slow, SHUT_WR);
	rounds(&e, 1, 100);
	n = drain(slow, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "ok\nssss\n");
	close(quiet);
	close(slow);
	env_free(&e);
}

static void test_limit(void **state)
{
	struct env e;
	char buf[256];
	bool eof;
	int fds[4];

	env_init(&e, 3, 5000, 65536);
	for (int i = 0; i < 3; i++) {
		fds[i] = client(&e);
		usleep(2000); /* distinct idle ages */
	}
	/* fds[1] makes progress: fds[0] is now the longest idle. */
	assert_int_equal(send(fds[1], "x", 1, 0), 1);
	rounds(&e, 1, 0);
	fds[3] = client(&e);
	assert_int_equal(vsx_ctl_server_conns(e.srv), 3);
	size_t n = drain(fds[0], buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "error: too many connections\n");
	assert_true(eof);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(drain(fds[i], buf, sizeof(buf), &eof), 0);
		assert_false(eof);
	}
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	env_free(&e);
}

/* 200 silent clients and one slow reader of a 1 MB reply: another client is answered in one round.
 */
static void test_many_and_slow(void **state)
{
	enum { N = 200 };
	static int silent[N];
	struct env e;
	char buf[4096];
	bool eof;
	int slow, fast;
	size_t got = 0, n;

	env_init(&e, 256, 5000, 65536);
	e.big = 1 << 20;
	for (int i = 0; i < N; i++)
		silent[i] = client(&e);
	slow = client(&e);
	assert_int_equal(send(slow, "big", 4, 0), 4);
	shutdown(slow, SHUT_WR);
	rounds(&e, 1, 0);
	assert_int_equal(e.calls, 1);
	/* The reply does not fit the socket: the server waits for POLLOUT, not for the reader. */
	fast = client(&e);
	assert_int_equal(send(fast, "show", 5, 0), 5);
	shutdown(fast, SHUT_WR);
	rounds(&e, 1, 100);
	n = drain(fast, buf, sizeof(buf) - 1, &eof);
	buf[n] = '\0';
	assert_string_equal(buf, "ok\nshow\n");
	assert_true(eof);
	assert_int_equal(vsx_ctl_server_conns(e.srv), N + 1);
	/* The slow reader gets all of it as it reads. */
	eof = false;
	while (!eof) {
		got += drain(slow, buf, sizeof(buf), &eof);
		rounds(&e, 1, 10);
	}
	assert_int_equal(got, 3 + (1u << 20));
	assert_int_equal(vsx_ctl_server_conns(e.srv), N);
	for (int i = 0; i < N; i++)
		close(silent[i]);
	close(slow);
	close(fast);
	env_free(&e);
}

/* A client that goes away mid-request or mid-reply is dropped without a reply or an error. */
static void test_client_gone(void **state)
{
	struct env e;
	int fd;

	env_init(&e, 8, 5000, 65536);
	e.big = 1 << 20;
	fd = client(&e);
	assert_int_equal(send(fd, "sh", 2, 0), 2);
	close(fd);
	rounds(&e, 2, 100); /* EOF: the refusal fails on EPIPE and the connection goes */
	assert_int_equal(vsx_ctl_server_conns(e.srv), 0);
	fd = client(&e);
	assert_int_equal(send(fd, "big", 4, 0), 4);
	shutdown(fd, SHUT_WR);
	rounds(&e, 1, 0);
	close(fd);
	rounds(&e, 3, 100);
	assert_int_equal(vsx_ctl_server_conns(e.srv), 0);
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partial_request), cmocka_unit_test(test_bad_requests),
	    cmocka_unit_test(test_idle_timeout),    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_many_and_slow),   cmocka_unit_test(test_client_gone),
	};
	return cmocka_run_group_tests_name("ctl_server", tests, NULL, NULL);
}
