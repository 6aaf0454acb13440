/* SPDX-License-Identifier: MIT */
/*
 * The one logger of vsx's user-space programs. Levels as syslog's; output to stderr with a
 * timestamp (or to syslog when vsx_log_use_syslog() was called). libbpf's own messages are
 * routed here by vsx_log_route_libbpf().
 *
 * Rate limiting: vsx_log_ratelimited() lets callers whose log lines a peer can trigger
 * (bad packets, bad controller messages, bad control-socket requests) drop repeats.
 */
#ifndef VSX_LOG_H
#define VSX_LOG_H

#include <stdbool.h>

enum vsx_log_level {
	VSX_LOG_ERR = 3,
	VSX_LOG_WARN = 4,
	VSX_LOG_INFO = 6,
	VSX_LOG_DEBUG = 7,
};

void vsx_log_set_level(enum vsx_log_level level);
enum vsx_log_level vsx_log_get_level(void);
void vsx_log_set_ident(const char *ident);
void vsx_log_use_syslog(bool on);
void vsx_log_route_libbpf(void);

/* Parses "err", "warn", "info", "debug"; returns 0 or -EINVAL. */
int vsx_log_parse_level(const char *name, enum vsx_log_level *level);

void vsx_log(enum vsx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * State for one rate-limited call site: at most `burst` lines per `interval_s` seconds;
 * the number of suppressed lines is reported with the next line that gets through.
 */
struct vsx_ratelimit {
	unsigned int interval_s;
	unsigned int burst;
	long long window_start;
	unsigned int printed;
	unsigned int suppressed;
};
#define VSX_RATELIMIT_INIT(interval, b) { .interval_s = (interval), .burst = (b) }

bool vsx_log_ratelimited(struct vsx_ratelimit *rl);

#define log_err(...) vsx_log(VSX_LOG_ERR, __VA_ARGS__)
#define log_warn(...) vsx_log(VSX_LOG_WARN, __VA_ARGS__)
#define log_info(...) vsx_log(VSX_LOG_INFO, __VA_ARGS__)
#define log_debug(...) vsx_log(VSX_LOG_DEBUG, __VA_ARGS__)

/* Logs through a per-call-site rate limiter (5 lines per 10 s). */
#define log_rl(level, ...)                                                                         \
	do {                                                                                       \
		static struct vsx_ratelimit _rl = VSX_RATELIMIT_INIT(10, 5);                       \
		if (!vsx_log_ratelimited(&_rl))                                                    \
			vsx_log(level, __VA_ARGS__);                                               \
	} while (0)

#endif
