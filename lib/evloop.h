/* SPDX-License-Identifier: MIT */
/*
 * A single-threaded event loop: a registry of descriptors (fd, events, callback, context) and
 * of timers (monotonic deadlines, one-shot or periodic), served by one poll() wait. vsxd runs
 * its signals, load sampling and control connections on it; every callback must return
 * without blocking, so that no descriptor or timer waits on another.
 *
 * Callbacks may add and remove descriptors and timers, their own included, at any time:
 * removed entries are not called again (not even later in the same round), and entries added
 * during a round are first polled in the next one.
 */
#ifndef VSX_EVLOOP_H
#define VSX_EVLOOP_H

#include <stdbool.h>

struct vsx_loop;
struct vsx_timer;

/* revents: poll()'s (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL). */
typedef void (*vsx_loop_fd_cb)(struct vsx_loop *loop, int fd, short revents, void *ctx);
typedef void (*vsx_loop_timer_cb)(struct vsx_loop *loop, struct vsx_timer *t, void *ctx);

int vsx_loop_new(struct vsx_loop **out); /* 0 or -ENOMEM */
/* Frees the loop and its timers; closes no descriptor. */
void vsx_loop_free(struct vsx_loop *loop);

/* One entry per fd: -EEXIST when fd is registered already, -ENOMEM. */
int vsx_loop_add_fd(struct vsx_loop *loop, int fd, short events, vsx_loop_fd_cb cb, void *ctx);
int vsx_loop_mod_fd(struct vsx_loop *loop, int fd, short events); /* -ENOENT */
int vsx_loop_del_fd(struct vsx_loop *loop, int fd);		  /* -ENOENT */

/*
 * A timer first due after_ms from now, then every period_ms (0: once; a one-shot timer stays
 * registered, disarmed, until deleted). A periodic timer that fell behind is not fired in a
 * burst: its next deadline is one period after the late firing. NULL when out of memory.
 */
struct vsx_timer *vsx_loop_add_timer(struct vsx_loop *loop, unsigned int after_ms,
				     unsigned int period_ms, vsx_loop_timer_cb cb, void *ctx);
/* Re-arms t to fire after_ms from now (keeping its period). */
void vsx_loop_timer_arm(struct vsx_loop *loop, struct vsx_timer *t, unsigned int after_ms);
/* t is freed at the start of the next round: not to be used after this call. NULL is a no-op. */
void vsx_loop_del_timer(struct vsx_loop *loop, struct vsx_timer *t);

/*
 * One round: waits for the earliest of a descriptor event, the next timer deadline and
 * max_wait_ms (-1: no limit), then calls the callbacks of the ready descriptors and of the
 * timers that are due, in deadline order. 0, or -errno of poll() (-EINTR included).
 */
int vsx_loop_run_once(struct vsx_loop *loop, int max_wait_ms);
/* Rounds until vsx_loop_stop() (0) or a poll() error other than EINTR (-errno). */
int vsx_loop_run(struct vsx_loop *loop);
void vsx_loop_stop(struct vsx_loop *loop);

/* The monotonic clock the timers use, in milliseconds. */
unsigned long long vsx_loop_now_ms(void);

#endif
