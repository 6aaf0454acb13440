// SPDX-License-Identifier: MIT
#include "jiffies.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vsx_jiffies_parse(const char *text, unsigned long long *jiffies)
{
	const char *p = strncmp(text, "jiffies: ", 9) == 0 ? text : strstr(text, "\njiffies: ");
	char *end;

	if (!p)
		return -EINVAL;
	p += *p == '\n' ? 10 : 9;
	errno = 0;
	*jiffies = strtoull(p, &end, 10);
	if (errno || end == p || *p == '-')
		return -EINVAL;
	return 0;
}

int vsx_jiffies_now(const char *path, unsigned long long *jiffies)
{
	char buf[8192];
	FILE *f = fopen(path ? path : "/proc/timer_list", "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return vsx_jiffies_parse(buf, jiffies);
}

unsigned int vsx_hz_snap(double measured)
{
	static const unsigned int allowed[] = {100, 250, 300, 1000};
	unsigned int best = allowed[0];

	for (size_t i = 1; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		double d = measured - allowed[i], b = measured - best;

		if ((d < 0 ? -d : d) < (b < 0 ? -b : b))
			best = allowed[i];
	}
	return best;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned int vsx_hz(void)
{
	static unsigned int hz;
	unsigned long long j0, j1;
	double t0, t1;

	if (hz)
		return hz;
	t0 = mono_s();
	if (vsx_jiffies_now(NULL, &j0))
		return 0;
	struct timespec nap = { .tv_nsec = 50 * 1000 * 1000 };
	nanosleep(&nap, NULL);
	t1 = mono_s();
	if (vsx_jiffies_now(NULL, &j1) || j1 <= j0 || t1 <= t0)
		return 0;
	hz = vsx_hz_snap((double)(j1 - j0) / (t1 - t0));
	return hz;
}
