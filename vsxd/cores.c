// SPDX-License-Identifier: MIT
/*
 * The core table, kept current: every sampling tick reads the CPUs' busy share from
 * /proc/stat, smooths it, marks the CPUs VMs are pinned to (from the configuration, or
 * followed live from a VM process's affinity), writes the result into the datapath's
 * core table and keeps the cpumap in step with the online CPUs.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsxd.h"
#include "log.h"

/* Weight of a new sample: at 10 samples/s the smoothed load follows a step within ~1 s. */
#define LOAD_EWMA_NEW 0.3

struct cpu_times {
	unsigned long long busy, total;
	bool seen;
};

struct vsxd_cores {
	struct cpu_times prev[VSX_MAX_CPUS];
	double load[VSX_MAX_CPUS];
	bool online[VSX_MAX_CPUS];
};

/* Reads per-CPU jiffies; CPUs absent from /proc/stat are offline. */
static int read_proc_stat(struct cpu_times now[VSX_MAX_CPUS])
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];

	if (!f)
		return -errno;
	memset(now, 0, sizeof(*now) * VSX_MAX_CPUS);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = {0};
		unsigned int cpu;

		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5 ||
		    cpu >= VSX_MAX_CPUS)
			continue;
		unsigned long long idle = v[3] + v[4]; /* idle + iowait */
		unsigned long long total = 0;

		for (int i = 0; i < 8; i++)
			total += v[i];
		now[cpu].busy = total - idle;
		now[cpu].total = total;
		now[cpu].seen = true;
	}
	fclose(f);
	return 0;
}

/* The CPUs a VM is pinned to now: static, or its process's current affinity. */
static bool vm_cpus(const struct vsxd_vm *vm, cpu_set_t *set)
{
	pid_t pid = 0;

	CPU_ZERO(set);
	switch (vm->pin) {
	case VSXD_PIN_CPUS:
		for (unsigned int c = 0; c < VSX_MAX_CPUS && c < CPU_SETSIZE; c++)
			if (vsxd_cpuset_has(&vm->cpus, c))
				CPU_SET(c, set);
		return true;
	case VSXD_PIN_PID:
		pid = (pid_t)vm->pid;
		break;
	case VSXD_PIN_PID_FILE: {
		FILE *f = fopen(vm->pid_file, "r");
		int p = 0;

		if (!f)
			return false;
		if (fscanf(f, "%d", &p) != 1)
			p = 0;
		fclose(f);
		pid = p;
		break;
	}
	default:
		return false;
	}
	if (pid <= 0 || sched_getaffinity(pid, sizeof(*set), set))
		return false; /* the VM is not running (now): nothing pinned */
	return true;
}

void vsxd_cores_tick(struct vsxd *d)
{
	struct vsxd_cores *c = d->cores;
	struct cpu_times now[VSX_MAX_CPUS];
	struct vsx_core_table *t = &d->core_table;
	bool online_changed = false;
	unsigned int n_cpus = d->dp.n_cpus;

	if (read_proc_stat(now)) {
		log_rl(VSX_LOG_WARN, "cannot read /proc/stat: %s", strerror(errno));
		return;
	}
	memset(t, 0, sizeof(*t));
	t->n_cpus = n_cpus;
	t->threshold = d->conf.threshold;
	for (unsigned int cpu = 0; cpu < n_cpus; cpu++) {
		bool online = now[cpu].seen;

		if (online != c->online[cpu]) {
			online_changed = true;
			if (c->prev[cpu].seen || online)
				log_info("CPU %u is %s", cpu, online ? "online" : "offline");
		}
		c->online[cpu] = online;
		if (online && c->prev[cpu].seen && now[cpu].total > c->prev[cpu].total) {
			double busy = (double)(now[cpu].busy - c->prev[cpu].busy) /
				      (double)(now[cpu].total - c->prev[cpu].total);
			c->load[cpu] += LOAD_EWMA_NEW * (busy * 100.0 - c->load[cpu]);
		}
		c->prev[cpu] = now[cpu];
		t->cores[cpu].flags = online ? VSX_CORE_ONLINE : 0;
		t->cores[cpu].load = (__u8)(c->load[cpu] + 0.5);
	}
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		cpu_set_t set;

		if (!vm_cpus(&d->conf.vms[i], &set))
			continue;
		for (unsigned int cpu = 0; cpu < n_cpus && cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, &set))
				continue;
			t->cores[cpu].flags |= VSX_CORE_PINNED;
			t->cores[cpu].pinned_vm = d->conf.vms[i].vm_id;
		}
	}
	/* Field by field: the datapath reads the table while we write it. */
	struct vsx_core_table *dst = d->dp.core_table;
	for (unsigned int cpu = 0; cpu < n_cpus; cpu++)
		__atomic_store_n((__u32 *)&dst->cores[cpu], *(__u32 *)&t->cores[cpu], __ATOMIC_RELAXED);
	__atomic_store_n(&dst->threshold, t->threshold, __ATOMIC_RELAXED);
	__atomic_store_n(&dst->n_cpus, t->n_cpus, __ATOMIC_RELEASE);
	if (online_changed)
		vsxd_dp_sync_cpumap(&d->dp, t);
}

int vsxd_cores_init(struct vsxd *d)
{
	d->cores = calloc(1, sizeof(*d->cores));
	return d->cores ? 0 : -ENOMEM;
}

void vsxd_cores_free(struct vsxd *d)
{
	free(d->cores);
	d->cores = NULL;
}
