/* SPDX-License-Identifier: MIT */
/*
 * A fake /proc/stat and CPU online list under a temporary root (lib/core_load.h reads below
 * a root), for tests of vsxd's load sampling and what follows from it: each CPU's busy and
 * idle ticks advance as the test says.
 */
#ifndef VSX_TEST_PROC_FIXTURE_H
#define VSX_TEST_PROC_FIXTURE_H

#define PROCFX_MAX_CPUS 8

struct procfx {
	char root[64];
	unsigned int n_cpus; /* possible CPUs: 0..n_cpus-1 */
	unsigned long long busy[PROCFX_MAX_CPUS], idle[PROCFX_MAX_CPUS];
	char online[64]; /* cpulist of the online CPUs */
};

/* A new root with n_cpus possible and online CPUs, all idle so far. 0 or -errno. */
int procfx_init(struct procfx *p, unsigned int n_cpus);
/* Advances cpu by ticks (USER_HZ, 100 a second) of which busy_pct percent busy. */
void procfx_advance(struct procfx *p, unsigned int cpu, unsigned int ticks, unsigned int busy_pct);
/* Sets the online list ("0-1,3"); /proc/stat lists the online CPUs only, as Linux does. */
void procfx_set_online(struct procfx *p, const char *cpulist);
/* Writes the files for the current state. 0 or -errno. */
int procfx_write(struct procfx *p);
/* Removes the root. */
void procfx_free(struct procfx *p);

#endif
