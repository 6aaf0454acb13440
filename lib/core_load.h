/* SPDX-License-Identifier: MIT */
/*
 * Where the core table's numbers come from: CPU load sampled from /proc/stat and smoothed,
 * online CPUs, and the CPUs each VM is pinned to (a static list, or followed live from a
 * VM process's thread affinities). vsx_core_table_fill() turns these into the struct
 * vsx_core_table the datapath's core choice reads (include/vsx/core_choice.h).
 *
 * Errors: 0 or a negative errno. Functions that parse outside input also fill `err`.
 *
 * Every file is read below a root directory given to vsx_core_load_new() (NULL or "" for
 * the real /), so tests feed fixture files: ROOT/proc/stat,
 * ROOT/sys/devices/system/cpu/{online,possible} and ROOT/proc/PID/task/.
 */
#ifndef VSX_CORE_LOAD_H
#define VSX_CORE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <vsx/core_table.h>

/* ---- CPU sets and CPU lists ("0-3,8") ---- */

/* A set of CPUs 0..VSX_MAX_CPUS-1. Zero-initialised means empty. */
struct vsx_cpuset {
	__u64 bits[VSX_MAX_CPUS / 64];
};

static inline void vsx_cpuset_zero(struct vsx_cpuset *set)
{
	for (size_t i = 0; i < VSX_MAX_CPUS / 64; i++)
		set->bits[i] = 0;
}

/* CPUs beyond VSX_MAX_CPUS are ignored. */
static inline void vsx_cpuset_add(struct vsx_cpuset *set, unsigned int cpu)
{
	if (cpu < VSX_MAX_CPUS)
		set->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline void vsx_cpuset_del(struct vsx_cpuset *set, unsigned int cpu)
{
	if (cpu < VSX_MAX_CPUS)
		set->bits[cpu / 64] &= ~(1ull << (cpu % 64));
}

static inline bool vsx_cpuset_has(const struct vsx_cpuset *set, unsigned int cpu)
{
	return cpu < VSX_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned int vsx_cpuset_count(const struct vsx_cpuset *set);
bool vsx_cpuset_equal(const struct vsx_cpuset *a, const struct vsx_cpuset *b);
/* Whether every CPU of `sub` is in `set`. */
bool vsx_cpuset_subset(const struct vsx_cpuset *sub, const struct vsx_cpuset *set);
/* Highest CPU in the set, or -1 when empty. */
int vsx_cpuset_last(const struct vsx_cpuset *set);

/*
 * Parses a Linux CPU list: comma-separated items "N" or "N-M" (N <= M), decimal, no
 * spaces, e.g. "0-3,8". Every CPU must be below VSX_MAX_CPUS. Overlaps are allowed; the
 * empty string, trailing or doubled commas, signs, the kernel's ":stride" form and
 * anything else are -EINVAL with `err` saying what is wrong and where (offset from 0).
 */
int vsx_parse_cpulist(const char *text, struct vsx_cpuset *set, char *err, size_t errlen);

/* Writes the set as a CPU list ("0-3,8"; "" when empty). -ENOSPC if it does not fit. */
int vsx_format_cpulist(const struct vsx_cpuset *set, char *buf, size_t len);

/* ---- /proc/stat ---- */

/* Per-CPU counters from one read of /proc/stat, in clock ticks (USER_HZ). */
struct vsx_cpu_times {
	struct vsx_cpuset present; /* CPUs with a "cpuN" line: the online ones */
	unsigned int n_beyond;	   /* "cpuN" lines with N >= VSX_MAX_CPUS (ignored) */
	__u64 busy[VSX_MAX_CPUS];  /* total - idle - iowait */
	__u64 total[VSX_MAX_CPUS]; /* user+nice+system+idle+iowait+irq+softirq+steal */
};

/*
 * Parses the text of /proc/stat. Only the "cpuN" lines are read; at least 4 counters are
 * required, guest and guest_nice are not added (the kernel counts them in user and nice).
 * Steal counts as busy: the core was not ours to use.
 */
int vsx_parse_proc_stat(const char *text, struct vsx_cpu_times *out, char *err, size_t errlen);

/* ---- load sampling ---- */

/*
 * Smoothing: an exponentially weighted average with time constant VSX_LOAD_TAU_MS,
 * weighted by the time each sample covers: alpha = dt / (tau + dt), dt from the CPU's own
 * tick counters. At 10 samples/s (alpha = 0.29) a step in load is 90 % followed after
 * 0.7 s and 96 % after 1 s; faster sampling behaves about the same (the limit is
 * 1 - e^(-t/tau)), and a late sample weighs more instead of lagging.
 */
#define VSX_LOAD_TAU_MS 250

struct vsx_core_load;

/* root: prefix of every path read (NULL or "" for /). */
int vsx_core_load_new(const char *root, struct vsx_core_load **out);
void vsx_core_load_free(struct vsx_core_load *cl);

/*
 * Takes one sample: reads /proc/stat and the online list and updates every CPU. A CPU
 * that goes offline loses its history; when it comes back its load is unknown until the
 * next sample measured it (it gets a load one interval after it reappears).
 */
int vsx_core_load_sample(struct vsx_core_load *cl);

/*
 * Table size: highest possible CPU + 1 (sysfs "possible", else the highest CPU seen),
 * at most VSX_MAX_CPUS. 0 before the first sample.
 */
unsigned int vsx_core_load_n_cpus(const struct vsx_core_load *cl);

/* CPUs online at the last sample (listed online and present in /proc/stat). */
const struct vsx_cpuset *vsx_core_load_online(const struct vsx_core_load *cl);

/*
 * Smoothed load of `cpu` in percent (0..100), -ENODATA while it is online but not yet
 * measured, -ENOENT when it is offline or out of range.
 */
int vsx_core_load_get(const struct vsx_core_load *cl, unsigned int cpu);

/* The root given to vsx_core_load_new() ("" for /). */
const char *vsx_core_load_root(const struct vsx_core_load *cl);

/* ---- VM pinning ---- */

/*
 * The CPUs a process is pinned to: the union of the affinities of its threads
 * (ROOT/proc/PID/task, sched_getaffinity() on each). When `online` is given, threads whose
 * affinity covers every online CPU are left out: they are not pinned anywhere (a VM
 * whose vCPU threads are pinned but whose emulator threads float counts as pinned to the
 * vCPUs' CPUs; a VM with no pinning at all gives an empty set). Threads that exit
 * meanwhile are skipped. -ESRCH when the process does not exist (any more).
 */
int vsx_pid_pinned_cpus(const char *root, pid_t pid, const struct vsx_cpuset *online,
			struct vsx_cpuset *out);

/* How the agent knows where a VM runs: a static CPU list, or a process to follow. */
struct vsx_vm_pin {
	__u16 vm_id;		/* written into vsx_core.pinned_vm */
	pid_t pid;		/* > 0: follow this process (vsx_pid_pinned_cpus), else `cpus` */
	struct vsx_cpuset cpus; /* pid <= 0: the VM's CPUs */
};

/* The CPUs of one VM now; -ESRCH when its process has gone (then `out` is empty). */
int vsx_vm_pinned_cpus(const struct vsx_core_load *cl, const struct vsx_vm_pin *vm,
		       struct vsx_cpuset *out);

/*
 * Fills the whole table: n_cpus from the sampler, the threshold, and per CPU below n_cpus:
 *   VSX_CORE_ONLINE  online and its load measured (a CPU whose load is unknown must not
 *                    be chosen; vsx_core_load_online() gives the plain online set),
 *   load             the smoothed load, rounded (0 when unknown),
 *   VSX_CORE_PINNED  and pinned_vm: a VM is pinned there (when several, the first in
 *                    `vms`). VMs whose process has gone pin nothing (logged, rate-limited).
 * Entries from n_cpus on are zeroed.
 */
int vsx_core_table_fill(struct vsx_core_table *t, const struct vsx_core_load *cl, __u8 threshold,
			const struct vsx_vm_pin *vms, size_t n_vms);

#endif
