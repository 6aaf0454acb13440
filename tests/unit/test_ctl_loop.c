// SPDX-License-Identifier: MIT
/*
 * The event loop (lib/evloop.c): timers in deadline order, periodic and one-shot, entries
 * removing themselves or each other during a round, descriptors added during a round.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "evloop.h"

struct rec {
	int order[16];
	int n;
	struct vsx_timer *other; /* deleted by the first callback that sees it */
	int other_fd;
	struct vsx_loop *loop;
};

struct tctx {
	struct rec *r;
	int id;
	bool del_self;
};

static void on_timer(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct tctx *c = ctx;

	if (c->r->n < 16)
		c->r->order[c->r->n++] = c->id;
	if (c->del_self)
		vsx_loop_del_timer(loop, t);
	if (c->r->other) {
		vsx_loop_del_timer(loop, c->r->other);
		c->r->other = NULL;
	}
}

/* Runs rounds until `want` callbacks were recorded or 2 s passed. */
static void run_until(struct vsx_loop *loop, struct rec *r, int want)
{
	unsigned long long end = vsx_loop_now_ms() + 2000;

	while (r->n < want && vsx_loop_now_ms() < end)
		assert_int_equal(vsx_loop_run_once(loop, 100), 0);
}

static void test_timer_order(void **state)
{
	struct vsx_loop *loop;
	struct rec r = {0};
	struct tctx c30 = {&r, 30, false}, c10 = {&r, 10, false}, c20 = {&r, 20, false};

	assert_int_equal(vsx_loop_new(&loop), 0);
	assert_non_null(vsx_loop_add_timer(loop, 30, 0, on_timer, &c30));
	assert_non_null(vsx_loop_add_timer(loop, 10, 0, on_timer, &c10));
	assert_non_null(vsx_loop_add_timer(loop, 20, 0, on_timer, &c20));
	/* All three due at once (the loop waited past them): still in deadline order. */
	usleep(40000);
	run_until(loop, &r, 3);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.order[0], 10);
	assert_int_equal(r.order[1], 20);
	assert_int_equal(r.order[2], 30);
	/* One-shot timers stay disarmed: nothing more within 100 ms. */
	assert_int_equal(vsx_loop_run_once(loop, 100), 0);
	assert_int_equal(r.n, 3);
	vsx_loop_free(loop);
}

static void test_timer_periodic(void **state)
{
	struct vsx_loop *loop;
	struct rec r = {0};
	struct tctx p = {&r, 1, false};
	unsigned long long t0;

	assert_int_equal(vsx_loop_new(&loop), 0);
	assert_non_null(vsx_loop_add_timer(loop, 10, 10, on_timer, &p));
	t0 = vsx_loop_now_ms();
	run_until(loop, &r, 5);
	assert_int_equal(r.n, 5);
	/* Five firings 10 ms apart take at least 50 ms. */
	assert_true(vsx_loop_now_ms() - t0 >= 50);
	/* Behind by 100 ms: one firing, not a burst of ten. */
	usleep(100000);
	r.n = 0;
	assert_int_equal(vsx_loop_run_once(loop, 0), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(vsx_loop_run_once(loop, 0), 0);
	assert_int_equal(r.n, 1);
	vsx_loop_free(loop);
}

static void test_timer_removes(void **state)
{
	struct vsx_loop *loop;
	struct rec r = {0};
	struct tctx self = {&r, 1, true}, victim = {&r, 2, false}, after = {&r, 3, false};
	struct vsx_timer *v;

	assert_int_equal(vsx_loop_new(&loop), 0);
	/* A periodic timer deleting itself fires once. */
	assert_non_null(vsx_loop_add_timer(loop, 1, 5, on_timer, &self));
	/* Due in the same round after it, deleted by it: never fires. */
	v = vsx_loop_add_timer(loop, 2, 0, on_timer, &victim);
	assert_non_null(v);
	r.other = v;
	assert_non_null(vsx_loop_add_timer(loop, 3, 0, on_timer, &after));
	usleep(10000);
	run_until(loop, &r, 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(vsx_loop_run_once(loop, 10), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 3);
	vsx_loop_free(loop);
}

/* ---- descriptors ---- */

struct fctx {
	struct rec *r;
	int id;
	int fd;
	bool del_self;
	int add_fd; /* registered from the callback, once */
	struct fctx *add_ctx;
};

static void on_fd(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct fctx *c = ctx;
	char b[16];

	assert_true(revents & POLLIN);
	assert_int_equal(fd, c->fd);
	if (c->r->n < 16)
		c->r->order[c->r->n++] = c->id;
	if (read(fd, b, sizeof(b)) < 0)
		fail();
	if (c->del_self)
		assert_int_equal(vsx_loop_del_fd(loop, fd), 0);
	if (c->r->other_fd >= 0) {
		assert_int_equal(vsx_loop_del_fd(loop, c->r->other_fd), 0);
		c->r->other_fd = -1;
	}
	if (c->add_fd >= 0) {
		assert_int_equal(vsx_loop_add_fd(loop, c->add_fd, POLLIN, on_fd, c->add_ctx), 0);
		c->add_fd = -1;
	}
}

static void test_fd_dispatch(void **state)
{
	struct vsx_loop *loop;
	struct rec r = {.other_fd = -1};
	int a[2], b[2], c[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	struct fctx cc = {&r, 3, c[0], false, -1, NULL};
	struct fctx ca = {&r, 1, a[0], true, c[0], &cc};
	struct fctx cb = {&r, 2, b[0], false, -1, NULL};

	assert_int_equal(vsx_loop_new(&loop), 0);
	assert_int_equal(vsx_loop_add_fd(loop, a[0], POLLIN, on_fd, &ca), 0);
	assert_int_equal(vsx_loop_add_fd(loop, a[0], POLLIN, on_fd, &ca), -EEXIST);
	assert_int_equal(vsx_loop_add_fd(loop, b[0], POLLIN, on_fd, &cb), 0);
	/* a, b and c all readable; a's callback deletes itself and b, and registers c. */
	r.other_fd = b[0];
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(write(c[1], "x", 1), 1);
	assert_int_equal(vsx_loop_run_once(loop, 1000), 0);
	/* b was deleted before its turn; c was added during the round: not called in it. */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 1);
	/* Next round: only c (a deleted itself, b was deleted). */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(vsx_loop_run_once(loop, 1000), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.order[1], 3);
	assert_int_equal(vsx_loop_del_fd(loop, a[0]), -ENOENT);
	assert_int_equal(vsx_loop_mod_fd(loop, b[0], POLLOUT), -ENOENT);
	vsx_loop_free(loop);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
}

/* The poll wait ends at the next timer deadline, not at the caller's longer limit. */
static void stop_cb(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	*(int *)ctx += 1;
	vsx_loop_stop(loop);
}

static void test_run_stop(void **state)
{
	struct vsx_loop *loop;
	unsigned long long t0;
	int fired = 0;

	assert_int_equal(vsx_loop_new(&loop), 0);
	assert_non_null(vsx_loop_add_timer(loop, 30, 0, stop_cb, &fired));
	t0 = vsx_loop_now_ms();
	assert_int_equal(vsx_loop_run(loop), 0);
	assert_int_equal(fired, 1);
	assert_true(vsx_loop_now_ms() - t0 >= 30);
	assert_true(vsx_loop_now_ms() - t0 < 1000);
	vsx_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_order),	  cmocka_unit_test(test_timer_periodic),
	    cmocka_unit_test(test_timer_removes), cmocka_unit_test(test_fd_dispatch),
	    cmocka_unit_test(test_run_stop),
	};
	return cmocka_run_group_tests_name("ctl_loop", tests, NULL, NULL);
}
