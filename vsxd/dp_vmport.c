// SPDX-License-Identifier: MIT
/*
 * The TX fast path's loader and tables (dp_vmport.h).
 *
 * One instance of the object, its program not loaded, owns the maps (pinned or reused, see
 * dp_vmport.h). Each attached port gets its own instance, every map reused from the first,
 * its program bound to the port's device (BPF_F_XDP_DEV_BOUND_ONLY): the driver's flow hash
 * (bpf_xdp_metadata_rx_hash()) is only there for a device-bound program. Attachments are
 * plain netlink XDP attachments, which outlive vsxd; a later vsxd replaces its predecessor's
 * program on each port atomically (XDP_FLAGS_REPLACE).
 */
#include "dp_vmport.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/random.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vsx/rate.h>

#include "dp_provider.h"
#include "log.h"
#include "xdp_target.h"
#include "vmport.skel.h"
#include "offload_key.h"

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

struct vmport_port {
	struct vmport *skel;
	int ifindex;
	char ifname[IF_NAMESIZE];
};

struct vsxd_vmport {
	struct vmport *maps; /* the instance that owns the maps; its program is not loaded */
	struct vmport_port ports[VSX_MAX_VM_PORTS];
	char pin_dir[PATH_MAX];
	int n_cpus;
};

/* Maps of the datapath's objects the program reads (vsxd/datapath.c pins them). */
static const char *const shared_maps[] = {
    "vsx_vm_port",  "vsx_config",  "vsx_stats",		"vsx_eg_masks",
    "vsx_eg_rules", "vsx_eg_bank", "vsx_eg_rule_stats",
};

static bool is_shared(const char *name)
{
	for (size_t i = 0; i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++)
		if (!strcmp(name, shared_maps[i]))
			return true;
	return false;
}

static bool is_own(const char *name)
{
	return !strncmp(name, "vsx_tx", 6);
}

static int pin_path(const struct vsxd_vmport *vp, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", vp->pin_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int setup_maps(struct vsxd_vmport *vp)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err, fd;

	bpf_object__for_each_map(map, vp->maps->obj)
	{
		const char *name = bpf_map__name(map);

		if (!vp->pin_dir[0] || (!is_shared(name) && !is_own(name)))
			continue;
		err = pin_path(vp, name, path, sizeof(path));
		if (err)
			return err;
		if (is_own(name)) {
			err = bpf_map__set_pin_path(map, path);
			if (err)
				return err;
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno != ENOENT) {
				log_err("cannot open the datapath's map %s: %s", path,
					strerror(errno));
				return -errno;
			}
			if (!strcmp(name, "vsx_vm_port"))
				log_warn(
				    "%s is not pinned (the datapath is not loaded): no VM port is "
				    "known, nothing takes the TX fast path",
				    path);
			continue;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			log_err("cannot share the datapath's map %s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int vsxd_vmport_open(struct vsxd_vmport **out, const char *pin_dir)
{
	struct vsxd_vmport *vp = calloc(1, sizeof(*vp));
	int err;

	*out = NULL;
	if (!vp)
		return -ENOMEM;
	if (pin_dir &&
	    snprintf(vp->pin_dir, sizeof(vp->pin_dir), "%s", pin_dir) >= (int)sizeof(vp->pin_dir)) {
		free(vp);
		return -ENAMETOOLONG;
	}
	if (pin_dir) {
		struct statfs st;

		if (statfs(pin_dir, &st) || st.f_type != BPF_FS_MAGIC) {
			log_err("%s is not a bpffs directory: the TX fast path's maps cannot be "
				"pinned there",
				pin_dir);
			free(vp);
			return -EINVAL;
		}
	}
	vp->n_cpus = libbpf_num_possible_cpus();
	vp->maps = vmport__open();
	if (!vp->maps || vp->n_cpus <= 0) {
		err = vp->maps ? vp->n_cpus : -errno;
		log_err("cannot open the VM port program: %s", strerror(-err));
		goto fail;
	}
	bpf_program__set_autoload(vp->maps->progs.vsx_vmport, false);
	err = setup_maps(vp);
	if (!err)
		err = vmport__load(vp->maps);
	if (err) {
		log_err("cannot create the TX fast path's maps: %s", strerror(-err));
		goto fail;
	}
	*out = vp;
	return 0;
fail:
	vmport__destroy(vp->maps);
	free(vp);
	return err;
}

/* The XDP program on ifindex in native mode, if it is a vsx_vmport: its fd (else -1). */
static int our_attached_prog(int ifindex, __u32 *id_out)
{
	struct bpf_prog_info info = {};
	__u32 id = 0, len = sizeof(info);
	int fd;

	*id_out = 0;
	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id) || !id)
		return -1;
	*id_out = id;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || strcmp(info.name, VSX_PROG_VMPORT)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int enable_forwarding(const char *ifname)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
	f = fopen(path, "w");
	if (!f || fputs("1\n", f) < 0 || fclose(f)) {
		int err = -errno;

		if (f)
			fclose(f);
		log_err(
		    "cannot enable IPv4 forwarding on %s (%s), which bpf_fib_lookup() needs: %s",
		    ifname, path, strerror(-err));
		return err;
	}
	return 0;
}

static int load_for(struct vsxd_vmport *vp, int ifindex, struct vmport **out)
{
	*out = NULL;
	struct vmport *s = vmport__open();
	struct bpf_map *map;
	int err;

	if (!s)
		return -errno;
	bpf_object__for_each_map(map, s->obj)
	{
		struct bpf_map *m = bpf_object__find_map_by_name(vp->maps->obj, bpf_map__name(map));

		err = m ? bpf_map__reuse_fd(map, bpf_map__fd(m)) : -ENOENT;
		if (err)
			goto fail;
	}
	bpf_program__set_ifindex(s->progs.vsx_vmport, (__u32)ifindex);
	err = bpf_program__set_flags(s->progs.vsx_vmport, bpf_program__flags(s->progs.vsx_vmport) |
							      BPF_F_XDP_DEV_BOUND_ONLY);
	if (!err)
		err = vmport__load(s);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	vmport__destroy(s);
	return err;
}

int vsxd_vmport_attach(struct vsxd_vmport *vp, __u32 port, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct vmport_port *pp;
	__u32 flags = XDP_FLAGS_DRV_MODE, old_id;
	int ifindex, err, old_fd;
	struct vmport *s = NULL;

	if (!port || port >= VSX_MAX_VM_PORTS || !ifname || strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	pp = &vp->ports[port];
	if (pp->skel && pp->ifindex == ifindex)
		return 0;
	if (pp->skel)
		vsxd_vmport_detach(vp, port);
	err = enable_forwarding(ifname);
	if (err)
		return err;
	err = load_for(vp, ifindex, &s);
	if (err) {
		log_err("cannot load the VM port program for %s: %s", ifname, strerror(-err));
		return err;
	}
	old_fd = our_attached_prog(ifindex, &old_id);
	if (old_fd >= 0) {
		opts.old_prog_fd = old_fd;
		flags |= XDP_FLAGS_REPLACE;
	} else if (old_id) {
		log_err("%s has another XDP program (id %u): not replacing it", ifname, old_id);
		vmport__destroy(s);
		return -EBUSY;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(s->progs.vsx_vmport), flags, &opts);
	if (old_fd >= 0)
		close(old_fd);
	if (err) {
		log_err("cannot attach the VM port program to %s (native XDP): %s", ifname,
			strerror(-err));
		vmport__destroy(s);
		return err;
	}
	{
		__u32 key = (__u32)ifindex;

		if (bpf_map_update_elem(bpf_map__fd(vp->maps->maps.vsx_tx_ifport), &key, &port,
					0)) {
			err = -errno;
			log_err("vsx_tx_ifport: %s", strerror(-err));
		}
	}
	pp->skel = s;
	pp->ifindex = ifindex;
	snprintf(pp->ifname, sizeof(pp->ifname), "%s", ifname);
	return err;
}

int vsxd_vmport_detach(struct vsxd_vmport *vp, __u32 port)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct vmport_port *pp;
	__u32 key;
	int err;

	if (!port || port >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	pp = &vp->ports[port];
	if (!pp->skel)
		return -ENOENT;
	/* only if the program there is still ours */
	opts.old_prog_fd = bpf_program__fd(pp->skel->progs.vsx_vmport);
	err = bpf_xdp_attach(pp->ifindex, -1, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	if (err && err != -EEXIST && err != -ENODEV)
		log_warn("detaching the VM port program from %s: %s", pp->ifname, strerror(-err));
	key = (__u32)pp->ifindex;
	bpf_map_delete_elem(bpf_map__fd(vp->maps->maps.vsx_tx_ifport), &key);
	vmport__destroy(pp->skel);
	memset(pp, 0, sizeof(*pp));
	return 0;
}

int vsxd_vmport_detach_ifname(struct vsxd_vmport *vp, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int ifindex = (int)if_nametoindex(ifname), fd, err;
	__u32 id, key;

	if (!ifindex)
		return -ENODEV;
	for (__u32 i = 1; i < VSX_MAX_VM_PORTS; i++)
		if (vp->ports[i].skel && vp->ports[i].ifindex == ifindex)
			return vsxd_vmport_detach(vp, i);
	fd = our_attached_prog(ifindex, &id);
	if (fd < 0)
		return id ? -EBUSY : -ENOENT;
	opts.old_prog_fd = fd;
	err = bpf_xdp_attach(ifindex, -1, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	close(fd);
	key = (__u32)ifindex;
	bpf_map_delete_elem(bpf_map__fd(vp->maps->maps.vsx_tx_ifport), &key);
	return err;
}

int vsxd_vmport_pin_shared(struct vsxd_vmport *vp)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	if (!vp->pin_dir[0])
		return -EINVAL;
	bpf_object__for_each_map(map, vp->maps->obj)
	{
		if (!is_shared(bpf_map__name(map)))
			continue;
		err = pin_path(vp, bpf_map__name(map), path, sizeof(path));
		if (err)
			return err;
		if (access(path, F_OK) == 0)
			continue;
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	return 0;
}

void vsxd_vmport_close(struct vsxd_vmport *vp, bool keep)
{
	struct bpf_map *map;

	if (!vp)
		return;
	for (__u32 i = 1; i < VSX_MAX_VM_PORTS; i++) {
		if (!vp->ports[i].skel)
			continue;
		if (keep) {
			vmport__destroy(vp->ports[i].skel);
			vp->ports[i].skel = NULL;
		} else {
			vsxd_vmport_detach(vp, i);
		}
	}
	if (!keep && vp->pin_dir[0])
		bpf_object__for_each_map(map, vp->maps->obj) if (is_own(bpf_map__name(map)))
		    bpf_map__unpin(map, NULL);
	vmport__destroy(vp->maps);
	free(vp);
}

int vsxd_vmport_remote_set(struct vsxd_vmport *vp, __u32 id, const struct vsx_tx_remote *r)
{
	int fd = bpf_map__fd(vp->maps->maps.vsx_tx_remote);
	struct vsx_tx_remote old, nr;
	char why[160];
	int err;

	if (!id || id >= VSX_TX_MAX_REMOTES || !r->local || !r->remote || !r->dport || !r->ttl ||
	    r->port_min > r->port_max ||
	    (r->flags &
	     ~(VSX_TX_R_VALID | VSX_TX_R_UDP_CSUM | VSX_TX_R_DF_SET | VSX_TX_R_TOS_INHERIT)))
		return -EINVAL;
	if (r->uplink) {
		err = vsx_xdp_target_check(r->uplink, why, sizeof(why));
		if (err) {
			log_err(
			    "remote %u: the uplink (ifindex %u) cannot take redirected frames: %s",
			    id, r->uplink, err == -EOPNOTSUPP ? why : strerror(-err));
			return err == -ENODEV ? -ENODEV : -EOPNOTSUPP;
		}
	}
	nr = *r;
	nr.flags |= VSX_TX_R_VALID;
	if (!bpf_map_lookup_elem(fd, &id, &old) && (old.flags & VSX_TX_R_VALID))
		nr.ip_id = old.ip_id;
	else if (getrandom(&nr.ip_id, sizeof(nr.ip_id), 0) != sizeof(nr.ip_id))
		nr.ip_id = (__u32)rand();
	if (bpf_map_update_elem(fd, &id, &nr, 0))
		return -errno;
	return 0;
}

int vsxd_vmport_remote_del(struct vsxd_vmport *vp, __u32 id)
{
	struct vsx_tx_remote none = {};

	if (!id || id >= VSX_TX_MAX_REMOTES)
		return -EINVAL;
	return bpf_map_update_elem(bpf_map__fd(vp->maps->maps.vsx_tx_remote), &id, &none, 0)
		   ? -errno
		   : 0;
}

static int zero_percpu(struct vsxd_vmport *vp, int fd, __u32 key, size_t value_size)
{
	void *v = calloc((size_t)vp->n_cpus, (value_size + 7) & ~(size_t)7);
	int err;

	if (!v)
		return -ENOMEM;
	err = bpf_map_update_elem(fd, &key, v, 0) ? -errno : 0;
	free(v);
	return err;
}

int vsxd_vmport_put(struct vsxd_vmport *vp, const struct vsx_tx_key *key,
		    const struct vsx_tx_entry *e)
{
	int fd = bpf_map__fd(vp->maps->maps.vsx_tx);
	struct vsx_tx_entry old;
	int err;

	if (!vsx_tx_key_valid(key) || !e->remote || e->remote >= VSX_TX_MAX_REMOTES ||
	    !e->flow_id || e->flow_id >= VSX_TX_MAX_FLOWS || (e->flags & ~(__u32)VSX_TX_F_RATE) ||
	    ((e->flags & VSX_TX_F_RATE) && e->rate_id >= VSX_RATE_MAX_BUCKETS))
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, key, &old) || old.flow_id != e->flow_id) {
		err = zero_percpu(vp, bpf_map__fd(vp->maps->maps.vsx_tx_stats), e->flow_id,
				  sizeof(struct vsx_offload_stats));
		if (err)
			return err;
	}
	if (bpf_map_update_elem(fd, key, e, 0))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

int vsxd_vmport_del(struct vsxd_vmport *vp, const struct vsx_tx_key *key)
{
	return bpf_map_delete_elem(bpf_map__fd(vp->maps->maps.vsx_tx), key) ? -errno : 0;
}

int vsxd_vmport_clear(struct vsxd_vmport *vp)
{
	int fd = bpf_map__fd(vp->maps->maps.vsx_tx), n = 0;
	struct vsx_tx_key k;

	/* always restart from the first key: the one just deleted has no successor to ask for */
	while (!bpf_map_get_next_key(fd, NULL, &k)) {
		if (bpf_map_delete_elem(fd, &k))
			return -errno;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

int vsxd_vmport_counters(struct vsxd_vmport *vp, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct vsx_offload_stats *v;

	if (!flow_id || flow_id >= VSX_TX_MAX_FLOWS)
		return -EINVAL;
	v = calloc((size_t)vp->n_cpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(vp->maps->maps.vsx_tx_stats), &flow_id, v)) {
		int err = -errno;

		free(v);
		return err;
	}
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < vp->n_cpus; i++) {
		out->packets += v[i].packets;
		out->bytes += v[i].bytes;
		out->refused += v[i].refused;
		out->redirect_fail += v[i].redirect_fail;
		out->rate_dropped += v[i].rate_dropped;
		if (v[i].last_jiffies > out->last_jiffies)
			out->last_jiffies = v[i].last_jiffies;
		out->tcp_flags |= v[i].tcp_flags;
	}
	free(v);
	return 0;
}

int vsxd_vmport_stats(struct vsxd_vmport *vp, __u64 out[VSX_TX_STAT_COUNT])
{
	__u64 *v = calloc((size_t)vp->n_cpus, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (__u32 s = 0; s < VSX_TX_STAT_COUNT; s++) {
		out[s] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(vp->maps->maps.vsx_tx_counters), &s, v)) {
			int err = -errno;

			free(v);
			return err;
		}
		for (int i = 0; i < vp->n_cpus; i++)
			out[s] += v[i];
	}
	free(v);
	return 0;
}

int vsxd_vmport_rate_set(struct vsxd_vmport *vp, __u32 rate_id, const struct vsx_rate_limit *l)
{
	struct vsx_rate_bucket b;
	int err;

	if (rate_id >= VSX_RATE_MAX_BUCKETS)
		return -EINVAL;
	err = l ? vsx_rate_config(&b, l->bits_per_s, l->pkts_per_s, l->burst_bytes, l->burst_pkts,
				  l->burst_us)
		: vsx_rate_config(&b, 0, 0, 0, 0, 0);
	if (err)
		return -EINVAL;
	return bpf_map_update_elem(bpf_map__fd(vp->maps->maps.vsx_tx_rate), &rate_id, &b,
				   BPF_F_LOCK)
		   ? -errno
		   : 0;
}

int vsxd_vmport_port_write(struct vsxd_vmport *vp, __u32 port, const struct vsx_vm_port *p)
{
	if (!port || port >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	return bpf_map_update_elem(bpf_map__fd(vp->maps->maps.vsx_vm_port), &port, p, 0) ? -errno
											 : 0;
}
