// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <bpf/libbpf.h>

static enum vsx_log_level current_level = VSX_LOG_INFO;
static const char *ident = "vsx";
static bool to_syslog;

void vsx_log_set_level(enum vsx_log_level level)
{
	current_level = level;
}

enum vsx_log_level vsx_log_get_level(void)
{
	return current_level;
}

void vsx_log_set_ident(const char *name)
{
	ident = name;
}

void vsx_log_use_syslog(bool on)
{
	if (on && !to_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
	to_syslog = on;
}

int vsx_log_parse_level(const char *name, enum vsx_log_level *level)
{
	static const struct {
		const char *name;
		enum vsx_log_level level;
	} names[] = {
		{"err", VSX_LOG_ERR},
		{"error", VSX_LOG_ERR},
		{"warn", VSX_LOG_WARN},
		{"warning", VSX_LOG_WARN},
		{"info", VSX_LOG_INFO},
		{"debug", VSX_LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*level = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *level_name(enum vsx_log_level level)
{
	switch (level) {
	case VSX_LOG_ERR:
		return "error";
	case VSX_LOG_WARN:
		return "warn";
	case VSX_LOG_INFO:
		return "info";
	case VSX_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

static void vlog(enum vsx_log_level level, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	if (to_syslog) {
		vsyslog((int)level, fmt, ap);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s: ", stamp, ts.tv_nsec / 1000000, ident, level_name(level));
	vfprintf(stderr, fmt, ap);
	size_t len = strlen(fmt);
	if (len == 0 || fmt[len - 1] != '\n')
		fputc('\n', stderr);
}

void vsx_log(enum vsx_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum vsx_log_level ours = level == LIBBPF_WARN ? VSX_LOG_WARN
				  : level == LIBBPF_INFO ? VSX_LOG_INFO
							 : VSX_LOG_DEBUG;
	char line[512];
	va_list copy;

	/*
	 * bpf_tc_hook_create() on an uplink that already has a clsact qdisc (ours, from a vsxd
	 * that kept its datapath) fails with EEXIST, which the caller expects, but libbpf first
	 * prints the kernel's "Exclusivity flag on" as a warning: not worth one.
	 */
	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (strstr(line, "Exclusivity flag on"))
		ours = VSX_LOG_DEBUG;
	vlog(ours, fmt, ap);
	return 0;
}

void vsx_log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

bool vsx_log_ratelimited(struct vsx_ratelimit *rl)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec - rl->window_start >= (long long)rl->interval_s) {
		if (rl->suppressed)
			vsx_log(VSX_LOG_WARN, "%u similar messages suppressed", rl->suppressed);
		rl->window_start = ts.tv_sec;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return false;
	}
	rl->suppressed++;
	return true;
}
