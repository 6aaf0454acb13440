// SPDX-License-Identifier: MIT
/*
 * The RX fast path's tables (include/vsx/offload.h) from vsxd's side: the accessors that
 * vsxd/dp_xdp.c wraps into the XDP offload provider, and the host facts the datapath checks
 * packets against (the uplink's MAC and IPv4 addresses). Declared in datapath.h; return
 * convention of lib/dp_provider.h (0 or a negative errno, nothing logged).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "uplink.skel.h"
#include "cpumap_stats.skel.h"
#include "offload_key.h"
#include <vsx/rate.h>

static int errno_or(int fallback)
{
	return errno ? -errno : fallback;
}

int vsxd_dp_offload_enable(struct vsxd_datapath *dp, bool on)
{
	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	if (on)
		__atomic_or_fetch(&dp->ofl_cfg->flags, VSX_OFL_CFG_ON, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch(&dp->ofl_cfg->flags, ~(__u32)VSX_OFL_CFG_ON, __ATOMIC_RELEASE);
	return 0;
}

int vsxd_dp_offload_set_vteps(struct vsxd_datapath *dp, const __be32 *addrs, size_t n)
{
	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	if (n > VSX_OFL_MAX_VTEPS)
		return -EINVAL;
	/* one word at a time: a packet sees each address either old or new, never torn */
	for (size_t i = 0; i < VSX_OFL_MAX_VTEPS; i++)
		__atomic_store_n(&dp->ofl_cfg->vtep4[i], i < n ? addrs[i] : 0, __ATOMIC_RELEASE);
	return 0;
}

int vsxd_dp_offload_set_vteps6(struct vsxd_datapath *dp, const __be32 (*addrs)[4], size_t n)
{
	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	if (n > VSX_OFL_MAX_VTEPS6)
		return -EINVAL;
	/* a slot is cleared before it is rewritten: never half of one address and half another */
	for (size_t i = 0; i < VSX_OFL_MAX_VTEPS6; i++) {
		for (int w = 0; w < 4; w++)
			__atomic_store_n(&dp->ofl_cfg->vtep6[i][w], 0, __ATOMIC_RELEASE);
		if (i >= n)
			continue;
		for (int w = 3; w >= 0;
		     w--) /* word 0 last: the slot is all-zero (unused) till then */
			__atomic_store_n(&dp->ofl_cfg->vtep6[i][w], addrs[i][w], __ATOMIC_RELEASE);
	}
	return 0;
}

/* The uplink's MAC and IPv4/IPv6 addresses into vsx_offload_cfg (at every start). */
int vsxd_dp_offload_host_facts(struct vsxd_datapath *dp)
{
	__be32 addrs[VSX_OFL_MAX_VTEPS], addrs6[VSX_OFL_MAX_VTEPS6][4];
	struct ifaddrs *ifa, *i;
	struct ifreq ifr = {};
	size_t n = 0, n6 = 0;
	int fd, err;

	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dp->ifname);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	memcpy(dp->ofl_cfg->uplink_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, dp->ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && n < VSX_OFL_MAX_VTEPS) {
			addrs[n++] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6 && n6 < VSX_OFL_MAX_VTEPS6) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a)) /* a VTEP address is routable */
				continue;
			memcpy(addrs6[n6++], a, 16);
		}
	}
	freeifaddrs(ifa);
	err = vsxd_dp_offload_set_vteps(dp, addrs, n);
	return err ? err : vsxd_dp_offload_set_vteps6(dp, (const __be32(*)[4])addrs6, n6);
}

static bool port_ok(__u32 port)
{
	return port > 0 && port < VSX_MAX_VM_PORTS;
}

int vsxd_dp_port_set(struct vsxd_datapath *dp, __u32 port, const struct vsx_vm_port *p)
{
	struct bpf_devmap_val dv = {.ifindex = p->ifindex};

	/*
	 * A VM's MAC is unicast: with a group address the fast path would hand broadcast or
	 * multicast frames to this one port, where the bridge floods them to every port.
	 */
	if (!port_ok(port) || !p->ifindex || (p->mac[0] & 1) ||
	    !(p->mac[0] | p->mac[1] | p->mac[2] | p->mac[3] | p->mac[4] | p->mac[5]))
		return -EINVAL;
	/* the devmap first: a valid port always has its entry */
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_vm_ports), &port, &dv, BPF_ANY))
		return errno_or(-EIO);
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_vm_port), &port, p, BPF_ANY))
		return errno_or(-EIO);
	if (dp->acct) {
		/* the devmap tracepoints count only ifindexes with an entry (cpumap_stats.bpf.c) */
		int n = libbpf_num_possible_cpus();
		void *zero = n > 0 ? calloc((size_t)n, sizeof(struct vsx_port_xmit)) : NULL;

		if (zero)
			bpf_map_update_elem(bpf_map__fd(dp->acct->maps.vsx_port_xmit), &p->ifindex,
					    zero, BPF_NOEXIST);
		free(zero);
	}
	return 0;
}

int vsxd_dp_port_del(struct vsxd_datapath *dp, __u32 port)
{
	struct vsx_vm_port none = {};

	if (!port_ok(port))
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_vm_port), &port, &none, BPF_ANY))
		return errno_or(-EIO);
	if (bpf_map_delete_elem(bpf_map__fd(dp->up->maps.vsx_vm_ports), &port) && errno != ENOENT)
		return errno_or(-EIO);
	return 0;
}

int vsxd_dp_port_get(struct vsxd_datapath *dp, __u32 port, struct vsx_vm_port *out)
{
	if (!port_ok(port))
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_vm_port), &port, out))
		return errno_or(-EIO);
	return out->flags & VSX_PORT_F_VALID ? 0 : -ENOENT;
}

static __u32 *kind_count(struct vsxd_datapath *dp, const struct vsx_offload_key *k)
{
	return k->kind == VSX_OFFLOAD_KEY_FLOW ? &dp->ofl_cfg->n_flow : &dp->ofl_cfg->n_vm;
}

int vsxd_dp_offload_put(struct vsxd_datapath *dp, const struct vsx_offload_key *key,
			const struct vsx_offload_entry *e, bool fresh)
{
	int fd = bpf_map__fd(dp->up->maps.vsx_offload);
	struct vsx_offload_entry old;
	bool exists;
	int err;

	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	if (!vsx_offload_key_valid(key) || !port_ok(e->port) || !e->flow_id ||
	    e->flow_id >= VSX_MAX_OFFLOADS ||
	    ((e->flags & VSX_OFL_F_RATE) && e->rate_id >= VSX_RATE_MAX_BUCKETS))
		return -EINVAL;
	if (fresh) {
		err = vsxd_dp_offload_clear_stats(dp, e->flow_id);
		if (err)
			return err;
	}
	exists = bpf_map_lookup_elem(fd, key, &old) == 0;
	/* counted before the insert: the datapath skips a kind whose count is 0 */
	if (!exists)
		__atomic_add_fetch(kind_count(dp, key), 1, __ATOMIC_RELEASE);
	if (bpf_map_update_elem(fd, key, e, BPF_ANY)) {
		err = errno == E2BIG ? -ENOSPC : errno_or(-EIO);
		if (!exists)
			__atomic_sub_fetch(kind_count(dp, key), 1, __ATOMIC_RELEASE);
		return err;
	}
	/*
	 * After the insert: CPUs that marked a flow "no entry" (vsx_flow_stats.ofl_none) look it
	 * up again at its next packet, so the entry is taken from then on (offload.h).
	 */
	__atomic_add_fetch(&dp->ofl_cfg->entry_gen, 1, __ATOMIC_RELEASE);
	return 0;
}

int vsxd_dp_offload_del(struct vsxd_datapath *dp, const struct vsx_offload_key *key)
{
	if (!dp->ofl_cfg)
		return -EOPNOTSUPP;
	if (!vsx_offload_key_valid(key))
		return -EINVAL;
	if (bpf_map_delete_elem(bpf_map__fd(dp->up->maps.vsx_offload), key))
		return errno_or(-EIO);
	__atomic_sub_fetch(kind_count(dp, key), 1, __ATOMIC_RELEASE);
	return 0;
}

int vsxd_dp_offload_get(struct vsxd_datapath *dp, const struct vsx_offload_key *key,
			struct vsx_offload_entry *out)
{
	if (!vsx_offload_key_valid(key))
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_offload), key, out))
		return errno_or(-EIO);
	return 0;
}

int vsxd_dp_offload_stats(struct vsxd_datapath *dp, __u32 flow_id, struct vsx_offload_stats *out)
{
	int n = libbpf_num_possible_cpus();
	struct vsx_offload_stats *v;

	memset(out, 0, sizeof(*out));
	if (!flow_id || flow_id >= VSX_MAX_OFFLOADS)
		return -EINVAL;
	if (n <= 0)
		return -EINVAL;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_offload_stats), &flow_id, v)) {
		int err = errno_or(-EIO);

		free(v);
		return err;
	}
	for (int cpu = 0; cpu < n; cpu++) {
		out->packets += v[cpu].packets;
		out->bytes += v[cpu].bytes;
		out->refused += v[cpu].refused;
		out->redirect_fail += v[cpu].redirect_fail;
		out->rate_dropped += v[cpu].rate_dropped;
		if (v[cpu].last_jiffies > out->last_jiffies)
			out->last_jiffies = v[cpu].last_jiffies;
		out->tcp_flags |= v[cpu].tcp_flags;
	}
	free(v);
	return 0;
}

int vsxd_dp_offload_clear_stats(struct vsxd_datapath *dp, __u32 flow_id)
{
	int n = libbpf_num_possible_cpus(), err = 0;
	void *zero;

	if (!flow_id || flow_id >= VSX_MAX_OFFLOADS || n <= 0)
		return -EINVAL;
	zero = calloc((size_t)n, sizeof(struct vsx_offload_stats));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_offload_stats), &flow_id, zero,
				BPF_ANY))
		err = errno_or(-EIO);
	free(zero);
	return err;
}

int vsxd_dp_rx_rate_set(struct vsxd_datapath *dp, __u32 rate_id, const struct vsx_rate_bucket *b)
{
	if (rate_id >= VSX_RATE_MAX_BUCKETS)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_rx_rate), &rate_id, b, BPF_F_LOCK))
		return errno_or(-EIO);
	return 0;
}

int vsxd_dp_port_stats(struct vsxd_datapath *dp, __u32 port, struct vsx_port_stats *out,
		       struct vsx_port_xmit *xmit)
{
	struct vsx_vm_port p = {};
	int err;

	memset(out, 0, sizeof(*out));
	if (xmit)
		memset(xmit, 0, sizeof(*xmit));
	if (!port_ok(port))
		return -EINVAL;
	err = vsxd_dp_percpu_sum(bpf_map__fd(dp->up->maps.vsx_port_stats), port, sizeof(*out),
				 (__u64 *)out, sizeof(*out) / sizeof(__u64));
	if (err || !xmit || !dp->acct)
		return err;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_vm_port), &port, &p) || !p.ifindex)
		return 0;
	err = vsxd_dp_percpu_sum(bpf_map__fd(dp->acct->maps.vsx_port_xmit), p.ifindex,
				 sizeof(*xmit), (__u64 *)xmit, sizeof(*xmit) / sizeof(__u64));
	return err == -ENOENT ? 0 : err;
}

int vsxd_dp_path_counters(struct vsxd_datapath *dp, struct vsx_counter out[VSX_PATH_COUNT])
{
	__u64 s[sizeof(struct vsx_stat_block) / sizeof(__u64)] = {0};
	size_t off = offsetof(struct vsx_stat_block, path) / sizeof(__u64);
	int err = vsxd_dp_percpu_sum(bpf_map__fd(dp->up->maps.vsx_stats), 0,
				     sizeof(struct vsx_stat_block), s, sizeof(s) / sizeof(s[0]));

	for (unsigned int p = 0; p < VSX_PATH_COUNT; p++) {
		out[p].packets = s[off + 2 * p];
		out[p].bytes = s[off + 2 * p + 1];
	}
	return err;
}
