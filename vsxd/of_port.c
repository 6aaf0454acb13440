// SPDX-License-Identifier: MIT
/*
 * The switch's ports: the uplink and every configured VM port that exists, numbered by their
 * interface index (the in_port of rules), described from the kernel (flags, MAC, speed) and
 * counted from /sys/class/net/NAME/statistics. vsxd_of_ports_changed() compares them with the
 * last report and tells every session what came, went or changed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "openflow.h"
#include "query.h"
#include "vsx/ofp_wire.h"

#define OFPPC_PORT_DOWN 1
#define OFPPS_LINK_DOWN 1
#define OFPPS13_LIVE 4
#define OFPPR_ADD 0
#define OFPPR_DELETE 1
#define OFPPR_MODIFY 2

static __u64 read_u64(const char *name, const char *file, bool *ok)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, file);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &v) != 1) {
		if (ok)
			*ok = false;
		v = 0;
	}
	if (f)
		fclose(f);
	return v;
}

/* Port features bits for a speed in Mb/s (OFPPF_*_FD; 1.3 adds 40G, 100G, 1T, other). */
static __u32 speed_bits(long mbps)
{
	switch (mbps) {
	case 10:
		return 1u << 1;
	case 100:
		return 1u << 3;
	case 1000:
		return 1u << 5;
	case 10000:
		return 1u << 6;
	default:
		return 0;
	}
}

static bool describe(const char *name, int vm, struct vsxd_of_port *out)
{
	unsigned int idx = if_nametoindex(name);
	struct ifreq ifr;
	int fd;
	bool ok = true;
	long speed;

	if (!idx)
		return false;
	memset(out, 0, sizeof(*out));
	out->vm = vm;
	out->desc.port_no = idx;
	snprintf(out->desc.name, sizeof(out->desc.name), "%s", name);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
			if (!(ifr.ifr_flags & IFF_UP))
				out->desc.config |= OFPPC_PORT_DOWN;
			if (!(ifr.ifr_flags & IFF_RUNNING))
				out->desc.state |= OFPPS_LINK_DOWN;
		}
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
			memcpy(out->desc.hw_addr, ifr.ifr_hwaddr.sa_data, 6);
		close(fd);
	}
	speed = (long)read_u64(name, "speed", &ok);
	if (ok && speed > 0) {
		out->desc.curr = speed_bits(speed);
		out->desc.curr_speed = (__u32)speed * 1000; /* kb/s */
		out->desc.max_speed = out->desc.curr_speed;
		out->desc.supported = out->desc.curr; /* 1.0 tools show the maximum from it */
	}
	return true;
}

size_t vsxd_of_ports(struct vsxd *d, struct vsxd_of_port *out, size_t max)
{
	size_t n = 0;

	if (n < max && describe(d->conf.uplink, -1, &out[n]))
		n++;
	for (size_t i = 0; i < d->conf.n_vms && n < max; i++)
		if (d->conf.vms[i].port[0] && describe(d->conf.vms[i].port, (int)i, &out[n]))
			n++;
	return n;
}

int vsxd_of_port_stats(struct vsxd *d, const struct vsxd_of_port *p, struct ofp_port_stats *out)
{
	static const char *const files[] = {"rx_packets",     "tx_packets",    "rx_bytes",
					    "tx_bytes",	      "rx_dropped",    "tx_dropped",
					    "rx_errors",      "tx_errors",     "rx_frame_errors",
					    "rx_over_errors", "rx_crc_errors", "collisions"};
	__u64 *v[] = {&out->rx_packets,	  &out->tx_packets,  &out->rx_bytes,   &out->tx_bytes,
		      &out->rx_dropped,	  &out->tx_dropped,  &out->rx_errors,  &out->tx_errors,
		      &out->rx_frame_err, &out->rx_over_err, &out->rx_crc_err, &out->collisions};
	struct timespec ts;
	__u64 now, up;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	out->port_no = p->desc.port_no;
	read_u64(p->desc.name, "statistics/rx_packets", &ok);
	if (!ok)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char f[64];

		snprintf(f, sizeof(f), "statistics/%s", files[i]);
		*v[i] = read_u64(p->desc.name, f, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	up = d->started_ns && now > d->started_ns ? now - d->started_ns : 0;
	out->duration_sec = (__u32)(up / 1000000000ull);
	out->duration_nsec = (__u32)(up % 1000000000ull);
	return 0;
}

__u64 vsxd_of_datapath_id(struct vsxd *d)
{
	struct vsxd_of_port up;
	__u64 id = 0;

	if (d->conf.has_datapath_id)
		return d->conf.datapath_id;
	/* As Open vSwitch does: the uplink's MAC in the low 48 bits. */
	if (describe(d->conf.uplink, -1, &up))
		for (int i = 0; i < 6; i++)
			id = id << 8 | up.desc.hw_addr[i];
	return id;
}

static void port_status(struct vsxd *d, __u8 reason, const struct ofp_port *p)
{
	for (struct vsxd_of_sess *s = d->of->sessions; s; s = s->next) {
		struct ofp_msg m = {.kind = OFPK_PORT_STATUS};

		m.port_status.reason = reason;
		m.port_status.port = *p;
		vsxd_of_put(s, &m);
	}
}

static bool same_port(const struct ofp_port *a, const struct ofp_port *b)
{
	return a->config == b->config && a->state == b->state &&
	       !memcmp(a->hw_addr, b->hw_addr, 6) && !strcmp(a->name, b->name) &&
	       a->curr_speed == b->curr_speed;
}

static void vm_report(struct vsxd *d, int vm, __u8 reason)
{
	struct vsx_vm_port_info v;
	struct ofp_buf body;

	if (vm < 0)
		return;
	vsxd_of_vm_info(d, (size_t)vm, reason, &v);
	ofp_buf_init(&body);
	for (struct vsxd_of_sess *s = d->of->sessions; s; s = s->next) {
		struct ofp_msg m;

		if (s->controller && vsx_exp_vm_port_status(&m, &body, s->version, 0, &v) == 0)
			vsxd_of_put(s, &m);
	}
	ofp_buf_free(&body);
}

void vsxd_of_ports_changed(struct vsxd *d)
{
	struct vsxd_of *of = d->of;
	struct vsxd_of_port *now;
	size_t n;

	if (!of)
		return;
	now = calloc(VSXD_OF_MAX_PORTS, sizeof(*now));
	if (!now)
		return;
	n = vsxd_of_ports(d, now, VSXD_OF_MAX_PORTS);
	for (size_t i = 0; i < of->n_ports; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = now[j].desc.port_no == of->ports[i].desc.port_no &&
				now[j].vm == of->ports[i].vm;
		if (!found) {
			log_info("openflow: port %u (%s) went", of->ports[i].desc.port_no,
				 of->ports[i].desc.name);
			port_status(d, OFPPR_DELETE, &of->ports[i].desc);
			vm_report(d, of->ports[i].vm, VSX_VM_DELETE);
		}
	}
	for (size_t j = 0; j < n; j++) {
		const struct vsxd_of_port *old = NULL;

		for (size_t i = 0; i < of->n_ports && !old; i++)
			if (of->ports[i].desc.port_no == now[j].desc.port_no &&
			    of->ports[i].vm == now[j].vm)
				old = &of->ports[i];
		if (!old) {
			log_info("openflow: port %u (%s) came", now[j].desc.port_no,
				 now[j].desc.name);
			port_status(d, OFPPR_ADD, &now[j].desc);
			vm_report(d, now[j].vm, VSX_VM_ADD);
		} else if (!same_port(&old->desc, &now[j].desc)) {
			port_status(d, OFPPR_MODIFY, &now[j].desc);
			vm_report(d, now[j].vm, VSX_VM_MODIFY);
		}
	}
	memcpy(of->ports, now, n * sizeof(*now));
	of->n_ports = n;
	free(now);
}

void vsxd_of_vm_pins_changed(struct vsxd *d, bool report)
{
	struct vsxd_of *of = d->of;
	struct vsxd_q_cores *q;
	size_t n_vms;

	if (!of || !d->cores)
		return;
	q = calloc(1, sizeof(*q));
	if (!q)
		return;
	vsxd_query_cores(d, q);
	n_vms = d->conf.n_vms < VSX_EXP_MAX_VMS ? d->conf.n_vms : VSX_EXP_MAX_VMS;
	for (size_t i = 0; i < n_vms; i++) {
		__u64 cpus[VSX_EXP_CPU_WORDS] = {0};

		for (size_t c = 0; c < q->n; c++)
			if (q->cores[c].pinned && q->cores[c].pinned_vm == d->conf.vms[i].vm_id &&
			    q->cores[c].core < 64 * VSX_EXP_CPU_WORDS)
				cpus[q->cores[c].core / 64] |= 1ull << (q->cores[c].core % 64);
		if (!memcmp(cpus, of->vm_cpus[i], sizeof(cpus)))
			continue;
		memcpy(of->vm_cpus[i], cpus, sizeof(cpus));
		if (report) {
			log_info("openflow: vm %s: pinned cores changed", d->conf.vms[i].name);
			vm_report(d, (int)i, VSX_VM_MODIFY);
		}
	}
	free(q);
}
