// SPDX-License-Identifier: MIT
/*
 * The scheduling policy of this datapath's cpumap kthreads ("cpumap/CPU/map:ID", created by the
 * kernel for each cpumap entry). These threads do the steered packets' stack work on their core.
 * With the default policy every flush from the receiving core wakes the kthread and preempts
 * whatever runs on the target core, so on a busy target it handles a few frames per wake-up and
 * pays a context switch for each handful (measured: 6-9 frames per wake-up). SCHED_BATCH turns
 * wake-up preemption off for it: on a busy core it runs when the current task's slice ends and
 * then drains its whole queue (80-190 frames per wake-up), and its CPU time per frame halves
 * (docs/handoff.md). On an idle target core nothing changes: it is woken at once either way.
 * The price is latency on a busy core, up to one scheduler slice; `cpumap-kthread normal` keeps
 * the kernel's default.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsxd.h"
#include "log.h"

/* The CPU of a kthread named "cpumap/CPU/map:ID" for our map id, or -1. */
static int kthread_cpu(const char *comm, __u32 map_id)
{
	unsigned int cpu, id;
	int n = 0;

	if (sscanf(comm, "cpumap/%u/map:%u%n", &cpu, &id, &n) != 2 || comm[n] != '\0' ||
	    id != map_id)
		return -1;
	return (int)cpu;
}

void vsxd_cpumap_kthread_pids(const struct vsxd *d, int pids[VSX_MAX_CPUS])
{
	struct vsx_dp_caps caps = {0};
	struct dirent *de;
	DIR *proc;

	memset(pids, 0, VSX_MAX_CPUS * sizeof(*pids));
	if (vsx_dp_call(&d->dpp, caps, &caps) || !caps.cpumap_id)
		return; /* no cpumap: no kthreads of ours */
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char path[64], comm[64];
		int pid, cpu;
		FILE *f;

		pid = atoi(de->d_name);
		if (pid <= 0 ||
		    snprintf(path, sizeof(path), "/proc/%d/comm", pid) >= (int)sizeof(path))
			continue;
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		cpu = kthread_cpu(comm, caps.cpumap_id);
		if (cpu >= 0 && cpu < VSX_MAX_CPUS)
			pids[cpu] = pid;
	}
	closedir(proc);
}

void vsxd_cpumap_kthreads_tune(struct vsxd *d)
{
	int want = d->conf.cpumap_kthread_batch ? SCHED_BATCH : SCHED_OTHER;
	struct sched_param sp = {.sched_priority = 0};
	int pids[VSX_MAX_CPUS];
	unsigned int tuned = 0;

	vsxd_cpumap_kthread_pids(d, pids);
	for (int cpu = 0; cpu < VSX_MAX_CPUS; cpu++) {
		int pid = pids[cpu];

		if (!pid || sched_getscheduler(pid) == want)
			continue;
		if (sched_setscheduler(pid, want, &sp)) {
			log_warn("cpumap kthread of CPU %d (pid %d): setting its policy: %s", cpu,
				 pid, strerror(errno));
			continue;
		}
		tuned++;
	}
	if (tuned)
		log_info("cpumap kthreads: %u set to %s", tuned,
			 want == SCHED_BATCH ? "SCHED_BATCH (no wake-up preemption)"
					     : "SCHED_OTHER");
}
