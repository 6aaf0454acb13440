// SPDX-License-Identifier: MIT
/*
 * The core table's data sources (lib/core_load.h): CPU lists, /proc/stat parsing, load
 * smoothing, CPUs going offline and coming back, thread affinities, and the table they
 * fill. Load tests run on fixture files under a temporary root directory.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <vsx/core_choice.h>
#include "core_load.h"
#include "log.h"

/* ---- fixture files ---- */

struct fixture {
	char root[64];
	struct vsx_core_load *cl;
	/* Per-CPU cumulative ticks the next /proc/stat fixture will show. */
	unsigned long long busy[8], idle[8];
};

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[256], dir[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of the file's directory */
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_file(const char *root, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
}

/* Writes ROOT/proc/stat with the CPUs of `present` ("0-3"), from f->busy/f->idle. */
static void write_stat(struct fixture *f, const char *present)
{
	char text[4096];
	struct vsx_cpuset set;
	size_t len;

	assert_int_equal(vsx_parse_cpulist(present, &set, NULL, 0), 0);
	len = (size_t)snprintf(text, sizeof(text), "cpu  1 2 3 4 5 6 7 8 0 0\n");
	for (unsigned int c = 0; c < 8; c++) {
		if (!vsx_cpuset_has(&set, c))
			continue;
		/* user nice system idle iowait irq softirq steal guest guest_nice */
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"cpu%u %llu 0 0 %llu 0 0 0 0 0 0\n", c, f->busy[c],
					f->idle[c]);
	}
	snprintf(text + len, sizeof(text) - len,
		 "intr 118622 0 0 0 0 0\nctxt 257299\nbtime 1700000000\nprocesses 4000\n"
		 "procs_running 1\nprocs_blocked 0\nsoftirq 1 2 3 4 5 6 7 8 9 10 11\n");
	write_file(f->root, "proc/stat", text);
}

/* Advances every CPU by `ticks`, of which `busy_pct` percent busy. */
static void advance(struct fixture *f, unsigned int cpu, unsigned int ticks, unsigned int busy_pct)
{
	f->busy[cpu] += ticks * busy_pct / 100;
	f->idle[cpu] += ticks - ticks * busy_pct / 100;
}

static int fixture_setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	snprintf(f.root, sizeof(f.root), "/tmp/vsx-core-load-XXXXXX");
	assert_non_null(mkdtemp(f.root));
	for (unsigned int c = 0; c < 8; c++) {
		f.busy[c] = 1000 * (c + 1);
		f.idle[c] = 50000;
	}
	write_file(f.root, "sys/devices/system/cpu/possible", "0-3\n");
	write_file(f.root, "sys/devices/system/cpu/online", "0-3\n");
	write_stat(&f, "0-3");
	assert_int_equal(vsx_core_load_new(f.root, &f.cl), 0);
	*state = &f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	vsx_core_load_free(f->cl);
	nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static long ticks_per_s(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

/* ---- CPU lists ---- */

static void expect_cpulist(const char *text, const char *canonical, unsigned int count)
{
	struct vsx_cpuset set;
	char err[128] = "", out[256];

	if (vsx_parse_cpulist(text, &set, err, sizeof(err)) != 0)
		fail_msg("\"%s\" refused: %s", text, err);
	assert_int_equal(vsx_cpuset_count(&set), count);
	assert_int_equal(vsx_format_cpulist(&set, out, sizeof(out)), 0);
	assert_string_equal(out, canonical);
}

static void test_cpulist_good(void **state)
{
	expect_cpulist("0", "0", 1);
	expect_cpulist("0-3,8", "0-3,8", 5);
	expect_cpulist("8,0-3", "0-3,8", 5);
	expect_cpulist("3,1,2", "1-3", 3);
	expect_cpulist("1-1", "1", 1);
	expect_cpulist("0-3,2-5", "0-5", 6); /* overlaps are fine */
	expect_cpulist("007", "7", 1);
	expect_cpulist("255", "255", 1);
	expect_cpulist("0-255", "0-255", VSX_MAX_CPUS);
	expect_cpulist("0,2,4,6-7,63-64,200", "0,2,4,6-7,63-64,200", 8);
}

static void expect_bad_cpulist(const char *text, const char *msg_part)
{
	struct vsx_cpuset set;
	char err[128] = "";

	if (vsx_parse_cpulist(text, &set, err, sizeof(err)) != -EINVAL)
		fail_msg("\"%s\" accepted", text);
	if (!strstr(err, msg_part))
		fail_msg("\"%s\": message \"%s\" does not say \"%s\"", text, err, msg_part);
}

static void test_cpulist_bad(void **state)
{
	expect_bad_cpulist("", "empty CPU list");
	expect_bad_cpulist(",", "at 0: expected a CPU number, found ','");
	expect_bad_cpulist("1,", "at 2: expected a CPU number, found the end");
	expect_bad_cpulist(",1", "at 0: expected a CPU number");
	expect_bad_cpulist("1,,2", "at 2: expected a CPU number, found ','");
	expect_bad_cpulist("-1", "at 0: expected a CPU number, found '-'");
	expect_bad_cpulist("+1", "found '+'");
	expect_bad_cpulist("1-", "at 2: expected a CPU number, found the end");
	expect_bad_cpulist("3-1", "at 0: range 3-1: first CPU above last");
	expect_bad_cpulist("0,5-2", "at 2: range 5-2");
	expect_bad_cpulist("256", "at 0: CPU 256 out of range 0..255");
	expect_bad_cpulist("0-256", "at 2: CPU 256 out of range");
	expect_bad_cpulist("1,300-400", "at 2: CPU 300 out of range");
	expect_bad_cpulist("99999999999999999999999", "out of range");
	expect_bad_cpulist(" 1", "found byte 0x20");
	expect_bad_cpulist("1 ", "at 1: expected ',' or the end, found byte 0x20");
	expect_bad_cpulist("1\n", "found byte 0x0a");
	expect_bad_cpulist("0-7:2/4", "at 3: CPU list strides (':') are not supported");
	expect_bad_cpulist("a", "found 'a'");
	expect_bad_cpulist("1;2", "found ';'");
	expect_bad_cpulist("0x1", "found 'x'");
	/* No message buffer: still refused, nothing written. */
	struct vsx_cpuset set;
	assert_int_equal(vsx_parse_cpulist("x", &set, NULL, 0), -EINVAL);
}

static void test_cpulist_format(void **state)
{
	struct vsx_cpuset set;
	char out[8];

	vsx_cpuset_zero(&set);
	assert_int_equal(vsx_format_cpulist(&set, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(vsx_cpuset_last(&set), -1);
	assert_int_equal(vsx_parse_cpulist("0,2,4,6,8", &set, NULL, 0), 0);
	assert_int_equal(vsx_format_cpulist(&set, out, sizeof(out)), -ENOSPC);
	assert_string_equal(out, "0,2,4,6"); /* what fitted, still a string */
	assert_int_equal(vsx_format_cpulist(&set, out, 0), -ENOSPC);
	assert_int_equal(vsx_cpuset_last(&set), 8);
	vsx_cpuset_del(&set, 8);
	assert_int_equal(vsx_cpuset_last(&set), 6);
}

/* ---- /proc/stat ---- */

static void test_proc_stat_parse(void **state)
{
	static struct vsx_cpu_times t;
	char err[128];
	/* A real 6.x file's shape, with guest time that must not be counted twice. */
	const char *text = "cpu  1681 0 1683 109055 387 0 34 23 0 0\n"
			   "cpu0 468 1 612 55345 6 2 5 9 100 7\n"
			   "cpu1 1213 0 1071 53710 381 0 29 14 0 0\n"
			   "cpu3 10 0 5 85\n" /* an old kernel's 4 counters; cpu2 offline */
			   "intr 118622 0 0 0\nctxt 257299\nbtime 1763778000\n";

	assert_int_equal(vsx_parse_proc_stat(text, &t, err, sizeof(err)), 0);
	assert_int_equal(vsx_cpuset_count(&t.present), 3);
	assert_false(vsx_cpuset_has(&t.present, 2));
	assert_int_equal(t.total[0], 468 + 1 + 612 + 55345 + 6 + 2 + 5 + 9);
	assert_int_equal(t.busy[0], 468 + 1 + 612 + 2 + 5 + 9);
	assert_int_equal(t.total[1], 1213 + 1071 + 53710 + 381 + 29 + 14);
	assert_int_equal(t.busy[1], 1213 + 1071 + 29 + 14);
	assert_int_equal(t.total[3], 100);
	assert_int_equal(t.busy[3], 15);
	assert_int_equal(t.n_beyond, 0);

	/* CPUs beyond the table are counted, not stored. */
	assert_int_equal(
	    vsx_parse_proc_stat("cpu0 1 0 1 8\ncpu300 1 0 1 8\n", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n_beyond, 1);
	assert_int_equal(vsx_cpuset_count(&t.present), 1);
	/* No final newline, trailing spaces. */
	assert_int_equal(vsx_parse_proc_stat("cpu7 1 0 1 8  ", &t, err, sizeof(err)), 0);
	assert_true(vsx_cpuset_has(&t.present, 7));
}

static void expect_bad_stat(const char *text, const char *msg_part)
{
	static struct vsx_cpu_times t;
	char err[128] = "";

	if (vsx_parse_proc_stat(text, &t, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted: %s", text);
	if (!strstr(err, msg_part))
		fail_msg("message \"%s\" does not say \"%s\"", err, msg_part);
}

static void test_proc_stat_bad(void **state)
{
	expect_bad_stat("", "no per-CPU");
	expect_bad_stat("cpu  1 2 3 4\nintr 5\n", "no per-CPU");
	expect_bad_stat("cpu0 1 2 3\n", "line 1: cpu0 has 3 counters, expected at least 4");
	expect_bad_stat("cpu  1 2 3 4\ncpu0 1 2 x 4\n", "line 2: expected a number");
	expect_bad_stat("cpu0 1 2 3 4\ncpu0 1 2 3 4\n", "line 2: cpu0 listed twice");
	expect_bad_stat("cpu0 1 2 3 99999999999999999999\n", "counter 4 too large");
	expect_bad_stat("cpu0 18446744073709551615 1 0 0\n", "counters overflow");
	expect_bad_stat("cpu0x 1 2 3 4\n", "unexpected character");
	expect_bad_stat("cpu0\t1 2 3 4\n", "unexpected character");
}

/* ---- sampling ---- */

static void test_load_needs_two_samples(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vsx_core_load_n_cpus(f->cl), 0);
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_n_cpus(f->cl), 4);
	assert_int_equal(vsx_core_load_get(f->cl, 0), -ENODATA); /* online, not measured */
	assert_int_equal(vsx_core_load_get(f->cl, 4), -ENOENT);
	assert_int_equal(vsx_core_load_get(f->cl, 100000), -ENOENT);

	/* The paper's Table 2 loads: the first measurement is taken as it is. */
	advance(f, 0, 100, 10);
	advance(f, 1, 100, 50);
	advance(f, 2, 100, 20);
	advance(f, 3, 100, 50);
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 10);
	assert_int_equal(vsx_core_load_get(f->cl, 1), 50);
	assert_int_equal(vsx_core_load_get(f->cl, 2), 20);
	assert_int_equal(vsx_core_load_get(f->cl, 3), 50);
	assert_int_equal(vsx_cpuset_count(vsx_core_load_online(f->cl)), 4);
}

static void test_smoothing_follows_a_step_within_a_second(void **state)
{
	struct fixture *f = *state;
	unsigned int tick = (unsigned int)(ticks_per_s() / 10); /* 10 samples/s */
	double tau = VSX_LOAD_TAU_MS * ticks_per_s() / 1000.0, expect = 0;

	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	advance(f, 0, tick, 0);
	write_stat(f, "0");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 0);
	/* Idle -> fully busy: 90 % after 0.7 s, 96 % after 1 s, exactly the documented filter. */
	for (int i = 1; i <= 10; i++) {
		double alpha = tick / (tau + tick);
		int got;

		advance(f, 0, tick, 100);
		write_stat(f, "0");
		assert_int_equal(vsx_core_load_sample(f->cl), 0);
		expect += alpha * (100 - expect);
		got = vsx_core_load_get(f->cl, 0);
		assert_int_equal(got, (int)(expect + 0.5));
		if (i == 7)
			assert_true(got >= 90);
	}
	assert_in_range(vsx_core_load_get(f->cl, 0), 96, 99);
	/* And back down: symmetric. */
	for (int i = 0; i < 10; i++) {
		advance(f, 0, tick, 0);
		write_stat(f, "0");
		assert_int_equal(vsx_core_load_sample(f->cl), 0);
	}
	assert_in_range(vsx_core_load_get(f->cl, 0), 1, 4);
	/* A late sample (1 s at once) weighs more: alpha = 1 s / (tau + 1 s) = 0.8. */
	advance(f, 0, (unsigned int)ticks_per_s(), 100);
	write_stat(f, "0");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_in_range(vsx_core_load_get(f->cl, 0), 80, 81);
}

static void test_cpu_goes_offline_and_comes_back(void **state)
{
	struct fixture *f = *state;
	static struct vsx_core_table t;

	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	for (unsigned int c = 0; c < 4; c++)
		advance(f, c, 100, 30);
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), 30);

	/* CPU 2 goes offline: gone from both files. */
	for (unsigned int c = 0; c < 4; c++)
		advance(f, c, 100, 30);
	write_file(f->root, "sys/devices/system/cpu/online", "0-1,3\n");
	write_stat(f, "0-1,3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), -ENOENT);
	assert_int_equal(vsx_core_load_get(f->cl, 3), 30);
	assert_int_equal(vsx_core_load_n_cpus(f->cl), 4); /* the table keeps its size */
	assert_int_equal(vsx_core_table_fill(&t, f->cl, 50, NULL, 0), 0);
	assert_int_equal(t.cores[2].flags, 0);
	assert_int_equal(t.cores[3].flags, VSX_CORE_ONLINE);

	/* Half-way states of a hotplug: listed online but not in /proc/stat, and the reverse. */
	write_file(f->root, "sys/devices/system/cpu/online", "0-3\n");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), -ENOENT);
	write_file(f->root, "sys/devices/system/cpu/online", "0-1,3\n");
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), -ENOENT);

	/* Back: unknown load for one interval, then measured afresh (not the old average). */
	write_file(f->root, "sys/devices/system/cpu/online", "0-3\n");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), -ENODATA);
	assert_int_equal(vsx_core_table_fill(&t, f->cl, 50, NULL, 0), 0);
	assert_int_equal(t.cores[2].flags, 0); /* not a candidate while unknown */
	for (unsigned int c = 0; c < 4; c++)
		advance(f, c, 100, c == 2 ? 90 : 30);
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 2), 90);
	assert_int_equal(vsx_cpuset_count(vsx_core_load_online(f->cl)), 4);

	/* Every CPU but 0 gone at once, then all back: nothing breaks. */
	write_file(f->root, "sys/devices/system/cpu/online", "0\n");
	write_stat(f, "0");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_cpuset_count(vsx_core_load_online(f->cl)), 1);
	write_file(f->root, "sys/devices/system/cpu/online", "0-3\n");
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_cpuset_count(vsx_core_load_online(f->cl)), 4);
}

static void test_without_sysfs_and_with_odd_counters(void **state)
{
	struct fixture *f = *state;

	/* No online/possible files (some containers): /proc/stat alone says what is online. */
	remove_file(f->root, "sys/devices/system/cpu/online");
	remove_file(f->root, "sys/devices/system/cpu/possible");
	write_stat(f, "0,2");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_n_cpus(f->cl), 3);
	assert_int_equal(vsx_core_load_get(f->cl, 1), -ENOENT);
	assert_int_equal(vsx_core_load_get(f->cl, 2), -ENODATA);

	/* Counters going backwards (iowait can): that sample is skipped, not believed. */
	advance(f, 0, 100, 40);
	advance(f, 2, 100, 40);
	write_stat(f, "0,2");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 40);
	f->idle[0] -= 50;
	write_stat(f, "0,2");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 40);
	/* No time passed: nothing changes either. */
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 40);
	advance(f, 0, 1000, 40);
	write_stat(f, "0,2");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 40);

	/* A broken /proc/stat is an error, and the state survives it. */
	write_file(f->root, "proc/stat", "cpu0 1 2\n");
	assert_int_equal(vsx_core_load_sample(f->cl), -EINVAL);
	assert_int_equal(vsx_core_load_get(f->cl, 0), 40);
	remove_file(f->root, "proc/stat");
	assert_int_equal(vsx_core_load_sample(f->cl), -ENOENT);
}

static void test_more_cpus_than_the_table(void **state)
{
	struct fixture *f = *state;
	char text[64 * 48];
	size_t len = 0;

	write_file(f->root, "sys/devices/system/cpu/possible", "0-511\n");
	write_file(f->root, "sys/devices/system/cpu/online", "0-299\n");
	for (unsigned int c = 0; c <= 300; c += 50)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "cpu%u 1 0 1 8\n", c);
	write_file(f->root, "proc/stat", text);
	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	assert_int_equal(vsx_core_load_n_cpus(f->cl), VSX_MAX_CPUS);
	assert_int_equal(vsx_cpuset_count(vsx_core_load_online(f->cl)), 6); /* 0, 50, .. 250 */
}

/* ---- affinity ---- */

/* The CPUs this test may use: its own affinity. */
static void allowed_cpus(struct vsx_cpuset *set, int *first, int *second)
{
	cpu_set_t mask;

	assert_int_equal(sched_getaffinity(0, sizeof(mask), &mask), 0);
	vsx_cpuset_zero(set);
	*first = *second = -1;
	for (int c = 0; c < VSX_MAX_CPUS && c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &mask))
			continue;
		vsx_cpuset_add(set, (unsigned int)c);
		if (*first < 0)
			*first = c;
		else if (*second < 0)
			*second = c;
	}
}

static pid_t spawn_pinned_child(int cpu, int *release_fd)
{
	int ready[2], release[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t mask;

		/* Only the parent may hold the write end, or the read below never sees EOF. */
		close(ready[0]);
		close(release[1]);
		alarm(60); /* a failed test never releases it */
		CPU_ZERO(&mask);
		CPU_SET(cpu, &mask);
		if (sched_setaffinity(0, sizeof(mask), &mask))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*release_fd = release[1];
	return pid;
}

static void test_affinity_of_a_pinned_process(void **state)
{
	struct vsx_cpuset allowed, got, want;
	int first, second, release, status;
	pid_t pid;

	allowed_cpus(&allowed, &first, &second);
	pid = spawn_pinned_child(first, &release);
	vsx_cpuset_zero(&want);
	vsx_cpuset_add(&want, (unsigned int)first);
	assert_int_equal(vsx_pid_pinned_cpus(NULL, pid, &allowed, &got), 0);
	assert_true(vsx_cpuset_equal(&got, &want));
	assert_int_equal(vsx_pid_pinned_cpus("", pid, NULL, &got), 0);
	assert_true(vsx_cpuset_equal(&got, &want));

	/* The process goes away: -ESRCH, an empty set, no crash. */
	close(release);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(vsx_pid_pinned_cpus(NULL, pid, &allowed, &got), -ESRCH);
	assert_int_equal(vsx_cpuset_count(&got), 0);
	assert_int_equal(vsx_pid_pinned_cpus(NULL, 0, NULL, &got), -EINVAL);
	assert_int_equal(vsx_pid_pinned_cpus(NULL, -5, NULL, &got), -EINVAL);
}

static pthread_barrier_t thread_pinned, thread_release;

static void *pinned_thread(void *arg)
{
	int cpu = *(int *)arg;
	cpu_set_t mask;

	CPU_ZERO(&mask);
	CPU_SET(cpu, &mask);
	sched_setaffinity(0, sizeof(mask), &mask); /* this thread only */
	pthread_barrier_wait(&thread_pinned);
	pthread_barrier_wait(&thread_release);
	return NULL;
}

/* Like a VM whose vCPU thread is pinned while its other threads float: the vCPU's CPU. */
static void test_affinity_is_the_union_of_pinned_threads(void **state)
{
	struct vsx_cpuset allowed, got, want;
	int first, second;
	pthread_t th;

	allowed_cpus(&allowed, &first, &second);
	if (second < 0)
		skip(); /* one usable CPU: nothing to tell apart */
	pthread_barrier_init(&thread_pinned, NULL, 2);
	pthread_barrier_init(&thread_release, NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, pinned_thread, &second), 0);
	pthread_barrier_wait(&thread_pinned);

	vsx_cpuset_zero(&want);
	vsx_cpuset_add(&want, (unsigned int)second);
	assert_int_equal(vsx_pid_pinned_cpus(NULL, getpid(), &allowed, &got), 0);
	assert_true(vsx_cpuset_equal(&got, &want));
	/* Without the online set every thread counts: the plain union. */
	assert_int_equal(vsx_pid_pinned_cpus(NULL, getpid(), NULL, &got), 0);
	assert_true(vsx_cpuset_equal(&got, &allowed));

	pthread_barrier_wait(&thread_release);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&thread_pinned);
	pthread_barrier_destroy(&thread_release);
	/* Nothing pinned any more. */
	assert_int_equal(vsx_pid_pinned_cpus(NULL, getpid(), &allowed, &got), 0);
	assert_int_equal(vsx_cpuset_count(&got), 0);
}

/* ---- the table ---- */

/* Table 2 from fixture files: VMs 1 and 2 pinned (static list / a live process) -> core 2. */
static void test_table_fill_reproduces_table2(void **state)
{
	struct fixture *f = *state;
	static struct vsx_core_table t;
	static struct vsx_core_assign a;
	struct vsx_vm_pin vms[4];
	struct vsx_cpuset allowed;
	int first, second, release, status;
	char rel[64];
	pid_t pid;

	allowed_cpus(&allowed, &first, &second);
	if (first != 0 || second != 1)
		skip(); /* the child must be able to run on CPU 1 */
	/* A VM process pinned to CPU 1, seen through the fixture root's /proc. */
	pid = spawn_pinned_child(1, &release);
	snprintf(rel, sizeof(rel), "proc/%d/task/%d/stat", (int)pid, (int)pid);
	write_file(f->root, rel, "");

	assert_int_equal(vsx_core_load_sample(f->cl), 0);
	advance(f, 0, 100, 10);
	advance(f, 1, 100, 50);
	advance(f, 2, 100, 20);
	advance(f, 3, 100, 50);
	write_stat(f, "0-3");
	assert_int_equal(vsx_core_load_sample(f->cl), 0);

	memset(vms, 0, sizeof(vms));
	vms[0].vm_id = 1;
	assert_int_equal(vsx_parse_cpulist("0", &vms[0].cpus, NULL, 0), 0);
	vms[1].vm_id = 2;
	vms[1].pid = pid;
	vms[2].vm_id = 3; /* also on CPU 0: the first VM listed keeps it */
	assert_int_equal(vsx_parse_cpulist("0,9", &vms[2].cpus, NULL, 0), 0);
	vms[3].vm_id = 4;
	vms[3].pid = 999999999; /* not running: pins nothing */
	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(vsx_core_table_fill(&t, f->cl, 50, vms, 4), 0);

	assert_int_equal(t.n_cpus, 4);
	assert_int_equal(t.threshold, 50);
	assert_int_equal(t.cores[0].flags, VSX_CORE_ONLINE | VSX_CORE_PINNED);
	assert_int_equal(t.cores[0].load, 10);
	assert_int_equal(t.cores[0].pinned_vm, 1);
	assert_int_equal(t.cores[1].flags, VSX_CORE_ONLINE | VSX_CORE_PINNED);
	assert_int_equal(t.cores[1].load, 50);
	assert_int_equal(t.cores[1].pinned_vm, 2);
	assert_int_equal(t.cores[2].flags, VSX_CORE_ONLINE);
	assert_int_equal(t.cores[2].pinned_vm, 0);
	assert_int_equal(t.cores[3].load, 50);
	for (unsigned int c = 4; c < VSX_MAX_CPUS; c++)
		assert_int_equal(t.cores[c].flags | t.cores[c].load | t.cores[c].pinned_vm, 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vsx_choose_core(&t, &a, 0, 0), 2);

	/* The VM process exits: its core is free again at the next fill. */
	close(release);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(rel, sizeof(rel), "proc/%d", (int)pid);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", f->root, rel);
		nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	assert_int_equal(vsx_core_table_fill(&t, f->cl, 50, vms, 4), 0);
	assert_int_equal(t.cores[1].flags, VSX_CORE_ONLINE);
	assert_int_equal(vsx_choose_core(&t, &a, 0, 1), 2);
	t.cores[1].load = 20; /* tied with core 2 now: the receiving core wins the tie */
	assert_int_equal(vsx_choose_core(&t, &a, 0, 1), 1);

	assert_int_equal(vsx_core_table_fill(&t, f->cl, 50, NULL, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpulist_good),
	    cmocka_unit_test(test_cpulist_bad),
	    cmocka_unit_test(test_cpulist_format),
	    cmocka_unit_test(test_proc_stat_parse),
	    cmocka_unit_test(test_proc_stat_bad),
	    cmocka_unit_test_setup_teardown(test_load_needs_two_samples, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_smoothing_follows_a_step_within_a_second,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_cpu_goes_offline_and_comes_back, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_without_sysfs_and_with_odd_counters, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_more_cpus_than_the_table, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test(test_affinity_of_a_pinned_process),
	    cmocka_unit_test(test_affinity_is_the_union_of_pinned_threads),
	    cmocka_unit_test_setup_teardown(test_table_fill_reproduces_table2, fixture_setup,
					    fixture_teardown),
	};

	vsx_log_set_level(VSX_LOG_ERR); /* the hotplug tests log CPU changes on purpose */
	return cmocka_run_group_tests_name("core_load", tests, NULL, NULL);
}
