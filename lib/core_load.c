// SPDX-License-Identifier: MIT
/*
 * Core table data sources: CPU lists, /proc/stat, load smoothing, online CPUs, VM
 * pinning from thread affinities. See core_load.h for the contract.
 */
#include "errmsg.h"
#include "core_load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define SYS_CPU_DIR "/sys/devices/system/cpu"
#define MAX_FILE_SIZE (64u << 20)      /* /proc/stat of a huge host stays far below this */
#define MAX_PARSED_NUMBER 1000000000ul /* CPU numbers saturate here: no overflow */

/* What a parser found instead of what it wanted, for messages. */
static const char *describe_char(char c, char *buf, size_t len)
{
	if (c == '\0')
		snprintf(buf, len, "the end");
	else if (c > ' ' && c < 127)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", (unsigned char)c);
	return buf;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- CPU sets ---- */

unsigned int vsx_cpuset_count(const struct vsx_cpuset *set)
{
	unsigned int n = 0;

	for (size_t i = 0; i < VSX_MAX_CPUS / 64; i++)
		n += (unsigned int)__builtin_popcountll(set->bits[i]);
	return n;
}

bool vsx_cpuset_equal(const struct vsx_cpuset *a, const struct vsx_cpuset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool vsx_cpuset_subset(const struct vsx_cpuset *sub, const struct vsx_cpuset *set)
{
	for (size_t i = 0; i < VSX_MAX_CPUS / 64; i++)
		if (sub->bits[i] & ~set->bits[i])
			return false;
	return true;
}

int vsx_cpuset_last(const struct vsx_cpuset *set)
{
	for (int i = VSX_MAX_CPUS / 64 - 1; i >= 0; i--)
		if (set->bits[i])
			return i * 64 + 63 - __builtin_clzll(set->bits[i]);
	return -1;
}

/* ---- CPU lists ---- */

/* Reads a decimal number at *pos; huge values saturate (they are out of range anyway). */
static int parse_cpu_number(const char *text, const char **pos, unsigned long *out, char *err,
			    size_t errlen)
{
	const char *s = *pos;
	unsigned long v = 0;
	char what[16];

	if (!is_digit(*s))
		return vsx_errf(err, errlen, -EINVAL, "at %zu: expected a CPU number, found %s",
				(size_t)(s - text), describe_char(*s, what, sizeof(what)));
	for (; is_digit(*s); s++)
		if (v < MAX_PARSED_NUMBER)
			v = v * 10 + (unsigned long)(*s - '0');
	*pos = s;
	*out = v;
	return 0;
}

/*
 * The CPU list parser. With `clip`, CPUs from VSX_MAX_CPUS on are dropped instead of
 * refused (sysfs files of hosts bigger than the table) and *clipped says so.
 */
static int parse_cpulist(const char *text, struct vsx_cpuset *set, bool clip, bool *clipped,
			 char *err, size_t errlen)
{
	const char *s = text;
	char what[16];

	vsx_cpuset_zero(set);
	if (clipped)
		*clipped = false;
	if (!text || !*text)
		return vsx_errf(err, errlen, -EINVAL, "empty CPU list");
	for (;;) {
		const char *item = s, *hi_at = s;
		unsigned long lo, hi;
		int r;

		r = parse_cpu_number(text, &s, &lo, err, errlen);
		if (r)
			return r;
		hi = lo;
		if (*s == '-') {
			hi_at = ++s;
			r = parse_cpu_number(text, &s, &hi, err, errlen);
			if (r)
				return r;
			if (hi < lo)
				return vsx_errf(err, errlen, -EINVAL,
						"at %zu: range %.*s: first CPU above last",
						(size_t)(item - text), (int)(s - item), item);
		}
		if (*s == ':')
			return vsx_errf(err, errlen, -EINVAL,
					"at %zu: CPU list strides (':') are not supported",
					(size_t)(s - text));
		if (hi >= VSX_MAX_CPUS) {
			const char *bad = lo >= VSX_MAX_CPUS ? item : hi_at;

			if (!clip)
				return vsx_errf(
				    err, errlen, -EINVAL, "at %zu: CPU %.*s out of range 0..%d",
				    (size_t)(bad - text), (int)strspn(bad, "0123456789"), bad,
				    VSX_MAX_CPUS - 1);
			if (clipped)
				*clipped = true;
			hi = VSX_MAX_CPUS - 1;
		}
		for (unsigned long c = lo; c <= hi; c++)
			vsx_cpuset_add(set, (unsigned int)c);
		if (*s == '\0')
			return 0;
		if (*s != ',')
			return vsx_errf(err, errlen, -EINVAL,
					"at %zu: expected ',' or the end, found %s",
					(size_t)(s - text), describe_char(*s, what, sizeof(what)));
		s++;
	}
}

int vsx_parse_cpulist(const char *text, struct vsx_cpuset *set, char *err, size_t errlen)
{
	return parse_cpulist(text, set, false, NULL, err, errlen);
}

int vsx_format_cpulist(const struct vsx_cpuset *set, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		unsigned int end = c;
		int n;

		if (!vsx_cpuset_has(set, c))
			continue;
		while (end + 1 < VSX_MAX_CPUS && vsx_cpuset_has(set, end + 1))
			end++;
		if (end == c)
			n = snprintf(buf + used, len - used, "%s%u", used ? "," : "", c);
		else
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, end);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			return -ENOSPC;
		}
		used += (size_t)n;
		c = end;
	}
	return 0;
}

/* ---- /proc/stat ---- */

enum {
	STAT_USER,
	STAT_NICE,
	STAT_SYSTEM,
	STAT_IDLE,
	STAT_IOWAIT,
	STAT_IRQ,
	STAT_SOFTIRQ,
	STAT_STEAL
};
#define STAT_SUMMED 8	  /* user..steal; guest and guest_nice are inside user and nice */
#define STAT_MIN_FIELDS 4 /* user nice system idle: every kernel has these */

/* One "cpuN a b c ..." line of `len` bytes (no newline). */
static int parse_cpu_line(const char *line, size_t len, unsigned int line_no,
			  struct vsx_cpu_times *out, char *err, size_t errlen)
{
	__u64 field[STAT_SUMMED] = {0};
	const char *s = line + 3, *end = line + len;
	unsigned long cpu = 0;
	unsigned int n = 0;
	__u64 total = 0;

	for (; s < end && is_digit(*s); s++)
		if (cpu < MAX_PARSED_NUMBER)
			cpu = cpu * 10 + (unsigned long)(*s - '0');
	while (s < end) {
		__u64 v = 0;

		if (*s != ' ')
			return vsx_errf(err, errlen, -EINVAL,
					"line %u: unexpected character in \"%.*s\"", line_no,
					(int)(s - line + 1), line);
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break; /* trailing spaces */
		if (!is_digit(*s))
			return vsx_errf(err, errlen, -EINVAL,
					"line %u: expected a number after \"%.*s\"", line_no,
					(int)(s - line), line);
		for (; s < end && is_digit(*s); s++)
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (__u64)(*s - '0'), &v))
				return vsx_errf(err, errlen, -EINVAL,
						"line %u: counter %u too large", line_no, n + 1);
		if (n < STAT_SUMMED)
			field[n] = v;
		n++;
	}
	if (n < STAT_MIN_FIELDS)
		return vsx_errf(err, errlen, -EINVAL,
				"line %u: cpu%lu has %u counters, expected at least %d", line_no,
				cpu, n, STAT_MIN_FIELDS);
	for (int i = 0; i < STAT_SUMMED; i++)
		if (__builtin_add_overflow(total, field[i], &total))
			return vsx_errf(err, errlen, -EINVAL, "line %u: cpu%lu counters overflow",
					line_no, cpu);
	if (cpu >= VSX_MAX_CPUS) {
		out->n_beyond++;
		return 0;
	}
	if (vsx_cpuset_has(&out->present, (unsigned int)cpu))
		return vsx_errf(err, errlen, -EINVAL, "line %u: cpu%lu listed twice", line_no, cpu);
	vsx_cpuset_add(&out->present, (unsigned int)cpu);
	out->total[cpu] = total;
	out->busy[cpu] = total - field[STAT_IDLE] - field[STAT_IOWAIT];
	return 0;
}

int vsx_parse_proc_stat(const char *text, struct vsx_cpu_times *out, char *err, size_t errlen)
{
	unsigned int line_no = 0;
	bool any = false;

	memset(out, 0, sizeof(*out));
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		line_no++;
		/* "cpu " is the sum over all CPUs: not needed. */
		if (len > 3 && memcmp(line, "cpu", 3) == 0 && is_digit(line[3])) {
			int r = parse_cpu_line(line, len, line_no, out, err, errlen);

			if (r)
				return r;
			any = true;
		}
		line += len + (eol ? 1 : 0);
	}
	if (!any)
		return vsx_errf(err, errlen, -EINVAL, "no per-CPU (\"cpuN\") lines");
	return 0;
}

/* ---- files ---- */

/* Reads a whole (proc/sysfs) file into a NUL-terminated buffer the caller frees. */
static int read_file(const char *path, char **out)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *bigger;

			if (cap >= MAX_FILE_SIZE) {
				err = -EFBIG;
				break;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				err = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* A sysfs CPU list file ("0-3,8\n"); CPUs beyond the table are dropped. */
static int read_cpulist_file(const char *path, struct vsx_cpuset *set)
{
	char err[128];
	bool clipped;
	char *text;
	size_t len;
	int r;

	r = read_file(path, &text);
	if (r)
		return r;
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	r = parse_cpulist(text, set, true, &clipped, err, sizeof(err));
	if (r)
		log_rl(VSX_LOG_WARN, "%s: %s", path, err);
	free(text);
	return r;
}

/* ---- load sampling ---- */

struct cpu_state {
	bool have_prev; /* prev_busy/prev_total are from the previous sample */
	bool measured;	/* load holds a measurement */
	__u64 prev_busy, prev_total;
	double load; /* percent */
};

struct vsx_core_load {
	char *root;
	double tau_ticks;    /* VSX_LOAD_TAU_MS in /proc/stat ticks */
	unsigned int n_cpus; /* table size, grows only */
	bool sampled;	     /* at least one sample taken */
	bool possible_known; /* n_cpus includes sysfs "possible" */
	bool warned_beyond;  /* said once that CPUs beyond the table are ignored */
	bool warned_online;  /* said once that the online list is unreadable */
	struct vsx_cpuset online;
	struct vsx_cpu_times times; /* scratch, 4 KiB: kept off the stack */
	struct cpu_state cpu[VSX_MAX_CPUS];
};

int vsx_core_load_new(const char *root, struct vsx_core_load **out)
{
	struct vsx_core_load *cl = calloc(1, sizeof(*cl));
	long hz = sysconf(_SC_CLK_TCK);

	if (!cl)
		return -ENOMEM;
	cl->root = strdup(root ? root : "");
	if (!cl->root) {
		free(cl);
		return -ENOMEM;
	}
	cl->tau_ticks = VSX_LOAD_TAU_MS * (double)(hz > 0 ? hz : 100) / 1000.0;
	*out = cl;
	return 0;
}

void vsx_core_load_free(struct vsx_core_load *cl)
{
	if (!cl)
		return;
	free(cl->root);
	free(cl);
}

const char *vsx_core_load_root(const struct vsx_core_load *cl)
{
	return cl->root;
}

unsigned int vsx_core_load_n_cpus(const struct vsx_core_load *cl)
{
	return cl->n_cpus;
}

const struct vsx_cpuset *vsx_core_load_online(const struct vsx_core_load *cl)
{
	return &cl->online;
}

int vsx_core_load_get(const struct vsx_core_load *cl, unsigned int cpu)
{
	double load;

	if (cpu >= VSX_MAX_CPUS || !vsx_cpuset_has(&cl->online, cpu))
		return -ENOENT;
	if (!cl->cpu[cpu].measured)
		return -ENODATA;
	load = cl->cpu[cpu].load + 0.5;
	return load < 0 ? 0 : load > 100 ? 100 : (int)load;
}

static void grow_n_cpus(struct vsx_core_load *cl, const struct vsx_cpuset *set)
{
	int last = vsx_cpuset_last(set);

	if (last >= 0 && (unsigned int)last + 1 > cl->n_cpus)
		cl->n_cpus = (unsigned int)last + 1;
}

/* Which CPUs are online now: present in /proc/stat and, when readable, listed online. */
static void find_online(struct vsx_core_load *cl, struct vsx_cpuset *online)
{
	char path[PATH_MAX];
	struct vsx_cpuset listed;
	int r;

	*online = cl->times.present;
	snprintf(path, sizeof(path), "%s" SYS_CPU_DIR "/online", cl->root);
	r = read_cpulist_file(path, &listed);
	if (r) {
		if (!cl->warned_online)
			log_warn("%s: %s; taking the CPUs in /proc/stat as online", path,
				 strerror(-r));
		cl->warned_online = true;
		return;
	}
	/* A CPU on its way in or out can be in one and not yet in the other. */
	for (size_t i = 0; i < VSX_MAX_CPUS / 64; i++)
		online->bits[i] &= listed.bits[i];
	grow_n_cpus(cl, &listed);
}

/* One CPU's new counters: the busy share since the last sample, folded into the average. */
static void update_cpu(struct vsx_core_load *cl, struct cpu_state *st, __u64 busy, __u64 total)
{
	/* Counters going backwards (iowait may) make this sample useless: start over from it. */
	if (st->have_prev && total >= st->prev_total && busy >= st->prev_busy) {
		__u64 dt = total - st->prev_total, dbusy = busy - st->prev_busy;
		double share;

		if (dt == 0)
			return; /* no time has passed for this CPU: keep the older baseline */
		share = dbusy >= dt ? 100.0 : 100.0 * (double)dbusy / (double)dt;

		if (!st->measured) {
			st->load = share;
			st->measured = true;
		} else {
			st->load += (double)dt / (cl->tau_ticks + (double)dt) * (share - st->load);
		}
	}
	st->prev_busy = busy;
	st->prev_total = total;
	st->have_prev = true;
}

int vsx_core_load_sample(struct vsx_core_load *cl)
{
	struct vsx_cpuset online;
	char path[PATH_MAX], err[160];
	char *text;
	int r;

	snprintf(path, sizeof(path), "%s/proc/stat", cl->root);
	r = read_file(path, &text);
	if (r)
		return r;
	r = vsx_parse_proc_stat(text, &cl->times, err, sizeof(err));
	free(text);
	if (r) {
		log_rl(VSX_LOG_WARN, "%s: %s", path, err);
		return r;
	}
	if (cl->times.n_beyond && !cl->warned_beyond) {
		log_warn("%u CPUs at or above %d are not in the core table", cl->times.n_beyond,
			 VSX_MAX_CPUS);
		cl->warned_beyond = true;
	}
	if (!cl->possible_known) {
		struct vsx_cpuset possible;

		snprintf(path, sizeof(path), "%s" SYS_CPU_DIR "/possible", cl->root);
		if (read_cpulist_file(path, &possible) == 0) {
			grow_n_cpus(cl, &possible);
			cl->possible_known = true;
		}
	}
	find_online(cl, &online);
	grow_n_cpus(cl, &cl->times.present);

	for (unsigned int cpu = 0; cpu < VSX_MAX_CPUS; cpu++) {
		struct cpu_state *st = &cl->cpu[cpu];
		bool on = vsx_cpuset_has(&online, cpu);

		if (cl->sampled && on != vsx_cpuset_has(&cl->online, cpu))
			log_info("CPU %u is %s", cpu, on ? "online" : "offline");
		if (!on) {
			/* Forget it: after a while away its old average means nothing. */
			memset(st, 0, sizeof(*st));
			continue;
		}
		update_cpu(cl, st, cl->times.busy[cpu], cl->times.total[cpu]);
	}
	cl->online = online;
	cl->sampled = true;
	return 0;
}

/* ---- VM pinning ---- */

/* One thread's affinity, whatever the kernel's CPU count (the mask grows until it fits). */
static int thread_affinity(pid_t tid, struct vsx_cpuset *out)
{
	for (size_t ncpus = 1024; ncpus <= 65536; ncpus *= 2) {
		cpu_set_t *mask = CPU_ALLOC(ncpus);
		size_t size = CPU_ALLOC_SIZE(ncpus);
		int err;

		if (!mask)
			return -ENOMEM;
		if (sched_getaffinity(tid, size, mask) == 0) {
			vsx_cpuset_zero(out);
			for (unsigned int c = 0; c < VSX_MAX_CPUS; c++)
				if (CPU_ISSET_S(c, size, mask))
					vsx_cpuset_add(out, c);
			CPU_FREE(mask);
			return 0;
		}
		err = errno;
		CPU_FREE(mask);
		if (err != EINVAL)
			return -err;
	}
	return -EINVAL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

int vsx_pid_pinned_cpus(const char *root, pid_t pid, const struct vsx_cpuset *online,
			struct vsx_cpuset *out)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int n_read = 0;
	int err = 0;
	DIR *dir;

	vsx_cpuset_zero(out);
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/proc/%d/task", root ? root : "", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(dir))) {
		struct vsx_cpuset aff;
		int r;

		if (!all_digits(de->d_name))
			continue;
		r = thread_affinity((pid_t)strtol(de->d_name, NULL, 10), &aff);
		if (r == -ESRCH)
			continue; /* the thread exited since the listing */
		if (r) {
			err = r;
			break;
		}
		n_read++;
		if (online && vsx_cpuset_subset(online, &aff))
			continue; /* may run on any online CPU: pinned nowhere */
		for (size_t i = 0; i < VSX_MAX_CPUS / 64; i++)
			out->bits[i] |= aff.bits[i];
	}
	closedir(dir);
	if (!err && n_read == 0)
		err = -ESRCH; /* the process exited meanwhile */
	if (err)
		vsx_cpuset_zero(out);
	return err;
}

int vsx_vm_pinned_cpus(const struct vsx_core_load *cl, const struct vsx_vm_pin *vm,
		       struct vsx_cpuset *out)
{
	if (vm->pid <= 0) {
		*out = vm->cpus;
		return 0;
	}
	return vsx_pid_pinned_cpus(cl->root, vm->pid, cl->sampled ? &cl->online : NULL, out);
}

int vsx_core_table_fill(struct vsx_core_table *t, const struct vsx_core_load *cl, __u8 threshold,
			const struct vsx_vm_pin *vms, size_t n_vms)
{
	static struct vsx_ratelimit gone_rl = VSX_RATELIMIT_INIT(60, 3);
	unsigned int n = cl->n_cpus < VSX_MAX_CPUS ? cl->n_cpus : VSX_MAX_CPUS;

	if (n_vms && !vms)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->n_cpus = n;
	t->threshold = threshold;
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		int load = vsx_core_load_get(cl, cpu);

		if (load < 0)
			continue; /* offline or not measured yet: not a candidate */
		t->cores[cpu].flags = VSX_CORE_ONLINE;
		t->cores[cpu].load = (__u8)load;
	}
	for (size_t i = 0; i < n_vms; i++) {
		struct vsx_cpuset cpus;
		int r = vsx_vm_pinned_cpus(cl, &vms[i], &cpus);

		if (r) {
			if (!vsx_log_ratelimited(&gone_rl))
				log_info("VM %u: process %d: %s; no core kept free for it",
					 vms[i].vm_id, (int)vms[i].pid, strerror(-r));
			continue;
		}
		for (unsigned int cpu = 0; cpu < n; cpu++) {
			struct vsx_core *c = &t->cores[cpu];

			if (!vsx_cpuset_has(&cpus, cpu) || (c->flags & VSX_CORE_PINNED))
				continue;
			c->flags |= VSX_CORE_PINNED;
			c->pinned_vm = vms[i].vm_id;
		}
	}
	return 0;
}
