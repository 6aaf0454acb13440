/* SPDX-License-Identifier: MIT */
/*
 * The kernel's jiffies clock as seen from user space, for the flow cache's timestamps
 * (the datapath stores bpf_jiffies64()). The current value is read from /proc/timer_list
 * ("jiffies: N", root only); HZ is measured once against CLOCK_MONOTONIC and snapped to the
 * nearest value Linux allows (100, 250, 300, 1000).
 */
#ifndef VSX_JIFFIES_H
#define VSX_JIFFIES_H

/* Parses the first "jiffies: N" line of a timer_list text. 0 or -EINVAL. */
int vsx_jiffies_parse(const char *text, unsigned long long *jiffies);

/* Reads the current jiffies from `path` (NULL: /proc/timer_list). 0 or -errno. */
int vsx_jiffies_now(const char *path, unsigned long long *jiffies);

/* The configured HZ nearest to a measured rate (ticks per second). */
unsigned int vsx_hz_snap(double measured);

/* Measures HZ (sleeps ~50 ms on first call, then cached). 0 when it cannot be read. */
unsigned int vsx_hz(void);

#endif
