// SPDX-License-Identifier: MIT
/* The fake /proc/stat and CPU lists of proc_fixture.h. */
#include "proc_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_load.h"

static int write_file(const char *root, const char *rel, const char *text)
{
	char path[256], dir[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

int procfx_init(struct procfx *p, unsigned int n_cpus)
{
	memset(p, 0, sizeof(*p));
	if (!n_cpus || n_cpus > PROCFX_MAX_CPUS)
		return -EINVAL;
	snprintf(p->root, sizeof(p->root), "/tmp/vsx-procfx-XXXXXX");
	if (!mkdtemp(p->root))
		return -errno;
	p->n_cpus = n_cpus;
	for (unsigned int c = 0; c < n_cpus; c++)
		p->idle[c] = 10000;
	snprintf(p->online, sizeof(p->online), n_cpus > 1 ? "0-%u" : "0", n_cpus - 1);
	return procfx_write(p);
}

void procfx_advance(struct procfx *p, unsigned int cpu, unsigned int ticks, unsigned int busy_pct)
{
	if (cpu >= p->n_cpus)
		return;
	p->busy[cpu] += (unsigned long long)ticks * busy_pct / 100;
	p->idle[cpu] += ticks - (unsigned long long)ticks * busy_pct / 100;
}

void procfx_set_online(struct procfx *p, const char *cpulist)
{
	snprintf(p->online, sizeof(p->online), "%s", cpulist);
}

int procfx_write(struct procfx *p)
{
	char text[4096], possible[32];
	struct vsx_cpuset set;
	size_t len;
	int err;

	if (vsx_parse_cpulist(p->online, &set, NULL, 0))
		return -EINVAL;
	len = (size_t)snprintf(text, sizeof(text), "cpu  1 2 3 4 5 6 7 8 0 0\n");
	for (unsigned int c = 0; c < p->n_cpus; c++) {
		if (!vsx_cpuset_has(&set, c))
			continue;
		/* user nice system idle iowait irq softirq steal guest guest_nice */
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"cpu%u %llu 0 0 %llu 0 0 0 0 0 0\n", c, p->busy[c],
					p->idle[c]);
	}
	snprintf(text + len, sizeof(text) - len, "intr 1 0\nctxt 2\nbtime 1700000000\n");
	snprintf(possible, sizeof(possible), p->n_cpus > 1 ? "0-%u\n" : "0\n", p->n_cpus - 1);
	err = write_file(p->root, "sys/devices/system/cpu/possible", possible);
	if (!err) {
		char online[80];

		snprintf(online, sizeof(online), "%s\n", p->online);
		err = write_file(p->root, "sys/devices/system/cpu/online", online);
	}
	return err ? err : write_file(p->root, "proc/stat", text);
}

void procfx_free(struct procfx *p)
{
	char cmd[128];

	if (!p->root[0])
		return;
	/* the fixture's own tree, made by mkdtemp */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", p->root);
	p->root[0] = '\0';
}
