// SPDX-License-Identifier: MIT
#include "rps.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"

/* Hex groups separated by commas, as the kernel prints a CPU mask: "3", "00000000,00000001". */
static bool mask_valid(const char *s)
{
	size_t group = 0;

	if (!*s || strlen(s) >= VSX_RPS_MASK_MAX)
		return false;
	for (; *s; s++) {
		if (*s == ',') {
			if (group == 0 || group > 8)
				return false;
			group = 0;
		} else if (isxdigit((unsigned char)*s)) {
			group++;
		} else {
			return false;
		}
	}
	return group > 0 && group <= 8;
}

/* The mask's digits without commas and leading zeros ("" for zero): equal masks compare equal. */
static void mask_digits(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ',' || (n == 0 && *s == '0'))
			continue;
		if (n + 1 < len)
			out[n++] = (char)tolower((unsigned char)*s);
	}
	out[n] = '\0';
}

static int queue_path(char *buf, size_t len, const char *sysfs_net, const char *ifname,
		      unsigned int index, const char *file)
{
	if (snprintf(buf, len, "%s/%s/queues/rx-%u/%s", sysfs_net, ifname, index, file) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_line(const char *path, const char *text)
{
	/* O_TRUNC: a no-op on sysfs, needed on the plain files of the unit tests */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	int err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int cmp_queue(const void *a, const void *b)
{
	const struct vsx_rps_queue *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* "rx-N" with N a plain decimal number. */
static bool rx_queue_name(const char *name, unsigned int *index)
{
	char *end;
	unsigned long v;

	if (strncmp(name, "rx-", 3) || !isdigit((unsigned char)name[3]))
		return false;
	errno = 0;
	v = strtoul(name + 3, &end, 10);
	if (*end || errno || v > UINT_MAX)
		return false;
	*index = (unsigned int)v;
	return true;
}

int vsx_rps_read(const char *sysfs_net, const char *ifname, struct vsx_rps_state *st)
{
	char path[PATH_MAX], line[64];
	struct dirent *de;
	DIR *dir;
	int err = 0;

	st->n = 0;
	if (snprintf(path, sizeof(path), "%s/%s/queues", sysfs_net, ifname) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct vsx_rps_queue *q;
		unsigned int index;

		if (!rx_queue_name(de->d_name, &index))
			continue;
		if (st->n == VSX_RPS_MAX_QUEUES) {
			err = -E2BIG;
			break;
		}
		q = &st->q[st->n];
		q->index = index;
		err = queue_path(path, sizeof(path), sysfs_net, ifname, index, "rps_cpus");
		if (!err)
			err = read_line(path, q->cpus, sizeof(q->cpus));
		if (err == -ENOENT)
			err = -EOPNOTSUPP; /* queues without rps_cpus: a kernel built without RPS */
		if (!err && !mask_valid(q->cpus))
			err = -EINVAL;
		if (!err)
			err = queue_path(path, sizeof(path), sysfs_net, ifname, index,
					 "rps_flow_cnt");
		if (!err)
			err = read_line(path, line, sizeof(line));
		if (err)
			break;
		q->flow_cnt = strtoul(line, NULL, 10);
		st->n++;
	}
	closedir(dir);
	if (err)
		return err;
	qsort(st->q, st->n, sizeof(st->q[0]), cmp_queue);
	return 0;
}

int vsx_rps_write(const char *sysfs_net, const char *ifname, const struct vsx_rps_state *st)
{
	char path[PATH_MAX], num[32];
	int err;

	for (unsigned int i = 0; i < st->n; i++) {
		const struct vsx_rps_queue *q = &st->q[i];

		/* Both files: RFS steers through a queue's flow table even with an empty mask. */
		err = queue_path(path, sizeof(path), sysfs_net, ifname, q->index, "rps_cpus");
		if (!err)
			err = write_line(path, q->cpus);
		if (!err)
			err = queue_path(path, sizeof(path), sysfs_net, ifname, q->index,
					 "rps_flow_cnt");
		snprintf(num, sizeof(num), "%lu", q->flow_cnt);
		if (!err)
			err = write_line(path, num);
		if (err)
			return err;
	}
	return 0;
}

bool vsx_rps_is_off(const struct vsx_rps_state *st)
{
	char digits[VSX_RPS_MASK_MAX];

	for (unsigned int i = 0; i < st->n; i++) {
		mask_digits(st->q[i].cpus, digits, sizeof(digits));
		if (digits[0] || st->q[i].flow_cnt)
			return false;
	}
	return true;
}

void vsx_rps_off(const struct vsx_rps_state *in, struct vsx_rps_state *out)
{
	out->n = in->n;
	for (unsigned int i = 0; i < in->n; i++) {
		out->q[i].index = in->q[i].index;
		snprintf(out->q[i].cpus, sizeof(out->q[i].cpus), "0");
		out->q[i].flow_cnt = 0;
	}
}

bool vsx_rps_equal(const struct vsx_rps_state *a, const struct vsx_rps_state *b)
{
	char x[VSX_RPS_MASK_MAX], y[VSX_RPS_MASK_MAX];

	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++) {
		mask_digits(a->q[i].cpus, x, sizeof(x));
		mask_digits(b->q[i].cpus, y, sizeof(y));
		if (a->q[i].index != b->q[i].index || strcmp(x, y) ||
		    a->q[i].flow_cnt != b->q[i].flow_cnt)
			return false;
	}
	return true;
}

int vsx_rps_format(const struct vsx_rps_state *st, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < st->n; i++) {
		int n = snprintf(buf + off, len - off, "rx-%u cpus=%s flow_cnt=%lu\n",
				 st->q[i].index, st->q[i].cpus, st->q[i].flow_cnt);

		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

int vsx_rps_parse(const char *text, struct vsx_rps_state *st, char *msg, size_t msglen)
{
	unsigned int line_no = 0;

	st->n = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char line[256], name[32], cpus[VSX_RPS_MASK_MAX + 1], flows[32], extra;
		struct vsx_rps_queue *q;
		unsigned int index;
		char *end;

		line_no++;
		if (len >= sizeof(line))
			return vsx_errf(msg, msglen, -EINVAL, "line %u: too long", line_no);
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl ? 1 : 0);
		if (!line[0])
			continue;
		if (sscanf(line, "%31s cpus=%160s flow_cnt=%31s %c", name, cpus, flows, &extra) !=
			3 ||
		    !rx_queue_name(name, &index))
			return vsx_errf(msg, msglen, -EINVAL,
					"line %u: expected \"rx-N cpus=MASK flow_cnt=N\"", line_no);
		if (!mask_valid(cpus))
			return vsx_errf(msg, msglen, -EINVAL, "line %u: bad CPU mask \"%s\"",
					line_no, cpus);
		errno = 0;
		unsigned long flow_cnt = strtoul(flows, &end, 10);
		if (!isdigit((unsigned char)flows[0]) || *end || errno)
			return vsx_errf(msg, msglen, -EINVAL, "line %u: bad flow_cnt \"%s\"",
					line_no, flows);
		for (unsigned int i = 0; i < st->n; i++) {
			if (st->q[i].index == index)
				return vsx_errf(msg, msglen, -EINVAL, "line %u: rx-%u given twice",
						line_no, index);
		}
		if (st->n == VSX_RPS_MAX_QUEUES)
			return vsx_errf(msg, msglen, -EINVAL, "line %u: more than %d queues",
					line_no, VSX_RPS_MAX_QUEUES);
		q = &st->q[st->n++];
		q->index = index;
		memcpy(q->cpus, cpus, strlen(cpus) + 1); /* mask_valid(): shorter than q->cpus */
		q->flow_cnt = flow_cnt;
	}
	qsort(st->q, st->n, sizeof(st->q[0]), cmp_queue);
	return 0;
}
