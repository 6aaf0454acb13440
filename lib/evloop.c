// SPDX-License-Identifier: MIT
#include "evloop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

struct fd_entry {
	int fd;
	short events;
	bool dead; /* deleted; dropped at the start of the next round */
	vsx_loop_fd_cb cb;
	void *ctx;
};

struct vsx_timer {
	unsigned long long deadline; /* ms, vsx_loop_now_ms() */
	unsigned int period;	     /* ms, 0: one-shot */
	bool armed, dead;
	unsigned long long fired_round; /* a timer fires at most once per round */
	vsx_loop_timer_cb cb;
	void *ctx;
};

struct vsx_loop {
	struct fd_entry *fds;
	size_t n_fds, cap_fds;
	struct pollfd *pfds; /* this round's poll set: pfds[i] is fds[i] */
	size_t cap_pfds;
	struct vsx_timer **timers; /* separately allocated: the handles stay valid */
	size_t n_timers, cap_timers;
	unsigned long long round;
	bool stop;
};

unsigned long long vsx_loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull +
	       (unsigned long long)ts.tv_nsec / 1000000ull;
}

int vsx_loop_new(struct vsx_loop **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void vsx_loop_free(struct vsx_loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->n_timers; i++)
		free(loop->timers[i]);
	free(loop->timers);
	free(loop->fds);
	free(loop->pfds);
	free(loop);
}

static struct fd_entry *find_fd(struct vsx_loop *loop, int fd)
{
	for (size_t i = 0; i < loop->n_fds; i++)
		if (loop->fds[i].fd == fd && !loop->fds[i].dead)
			return &loop->fds[i];
	return NULL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int vsx_loop_add_fd(struct vsx_loop *loop, int fd, short events, vsx_loop_fd_cb cb, void *ctx)
{
	if (find_fd(loop, fd))
		return -EEXIST;
	if (grow((void **)&loop->fds, &loop->cap_fds, loop->n_fds + 1, sizeof(*loop->fds)))
		return -ENOMEM;
	loop->fds[loop->n_fds++] =
	    (struct fd_entry){.fd = fd, .events = events, .cb = cb, .ctx = ctx};
	return 0;
}

int vsx_loop_mod_fd(struct vsx_loop *loop, int fd, short events)
{
	struct fd_entry *e = find_fd(loop, fd);

	if (!e)
		return -ENOENT;
	e->events = events;
	return 0;
}

int vsx_loop_del_fd(struct vsx_loop *loop, int fd)
{
	struct fd_entry *e = find_fd(loop, fd);

	if (!e)
		return -ENOENT;
	e->dead = true;
	return 0;
}

struct vsx_timer *vsx_loop_add_timer(struct vsx_loop *loop, unsigned int after_ms,
				     unsigned int period_ms, vsx_loop_timer_cb cb, void *ctx)
{
	struct vsx_timer *t;

	if (grow((void **)&loop->timers, &loop->cap_timers, loop->n_timers + 1,
		 sizeof(*loop->timers)))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->period = period_ms;
	t->cb = cb;
	t->ctx = ctx;
	/* Added during a round: not due before the next one. */
	t->fired_round = loop->round;
	vsx_loop_timer_arm(loop, t, after_ms);
	loop->timers[loop->n_timers++] = t;
	return t;
}

void vsx_loop_timer_arm(struct vsx_loop *loop, struct vsx_timer *t, unsigned int after_ms)
{
	(void)loop;
	t->deadline = vsx_loop_now_ms() + after_ms;
	t->armed = true;
}

void vsx_loop_del_timer(struct vsx_loop *loop, struct vsx_timer *t)
{
	(void)loop;
	if (t)
		t->dead = true;
}

/* Drops what was deleted: only here, between rounds, so that indices hold during one. */
static void collect(struct vsx_loop *loop)
{
	size_t j = 0;

	for (size_t i = 0; i < loop->n_fds; i++)
		if (!loop->fds[i].dead)
			loop->fds[j++] = loop->fds[i];
	loop->n_fds = j;
	j = 0;
	for (size_t i = 0; i < loop->n_timers; i++) {
		if (loop->timers[i]->dead)
			free(loop->timers[i]);
		else
			loop->timers[j++] = loop->timers[i];
	}
	loop->n_timers = j;
}

static int wait_ms(struct vsx_loop *loop, int max_wait_ms)
{
	unsigned long long now = vsx_loop_now_ms();
	long long best = max_wait_ms < 0 ? -1 : max_wait_ms;

	for (size_t i = 0; i < loop->n_timers; i++) {
		const struct vsx_timer *t = loop->timers[i];
		long long left;

		if (!t->armed)
			continue;
		left = t->deadline > now ? (long long)(t->deadline - now) : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

/* The due timer with the earliest deadline not fired this round, or NULL. */
static struct vsx_timer *next_due(struct vsx_loop *loop, unsigned long long now)
{
	struct vsx_timer *best = NULL;

	for (size_t i = 0; i < loop->n_timers; i++) {
		struct vsx_timer *t = loop->timers[i];

		if (t->dead || !t->armed || t->deadline > now || t->fired_round == loop->round)
			continue;
		if (!best || t->deadline < best->deadline)
			best = t;
	}
	return best;
}

int vsx_loop_run_once(struct vsx_loop *loop, int max_wait_ms)
{
	unsigned long long now;
	struct vsx_timer *t;
	size_t n;
	int r;

	collect(loop);
	loop->round++;
	n = loop->n_fds;
	if (grow((void **)&loop->pfds, &loop->cap_pfds, n ? n : 1, sizeof(*loop->pfds)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		loop->pfds[i] =
		    (struct pollfd){.fd = loop->fds[i].fd, .events = loop->fds[i].events};
	r = poll(loop->pfds, (nfds_t)n, wait_ms(loop, max_wait_ms));
	if (r < 0)
		return -errno;
	/* fds may grow (and move) under the callbacks: index, never hold a pointer across one. */
	for (size_t i = 0; i < n && r > 0; i++) {
		short rev = loop->pfds[i].revents;

		if (!rev)
			continue;
		r--;
		if (loop->fds[i].dead)
			continue;
		loop->fds[i].cb(loop, loop->fds[i].fd, rev, loop->fds[i].ctx);
	}
	now = vsx_loop_now_ms();
	while ((t = next_due(loop, now))) {
		t->fired_round = loop->round;
		if (t->period) {
			t->deadline += t->period;
			if (t->deadline <= now)
				t->deadline = now + t->period;
		} else {
			t->armed = false;
		}
		t->cb(loop, t, t->ctx);
	}
	return 0;
}

int vsx_loop_run(struct vsx_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int err = vsx_loop_run_once(loop, -1);

		if (err && err != -EINTR)
			return err;
	}
	return 0;
}

void vsx_loop_stop(struct vsx_loop *loop)
{
	loop->stop = true;
}
