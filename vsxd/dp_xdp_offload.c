// SPDX-License-Identifier: MIT
/*
 * The RX offload fast path of the XDP datapath as an offload provider (dp_xdp.h,
 * lib/dp_provider.h): the uplink program's offload tables (include/vsx/offload.h), found by
 * name in the loaded object so that this file does not depend on which of them a given
 * program version has: without them there is no provider.
 *
 * Isolation rests on the port, not the entry (offload.h): a hit is delivered only when the
 * packet's VNI and inner destination MAC equal its port's. So a port's record is written in
 * an order that never lets a packet checked against one VM's VNI and MAC be redirected to
 * another's interface: a changed port is first made invalid, then its devmap entry names the
 * new interface, then the new record is made valid.
 */
#include "dp_xdp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "uplink.skel.h"

#include "log.h"
#include "xdp_target.h"

struct xdp_offload {
	int table_fd;  /* hash vsx_offload: key -> entry */
	int port_fd;   /* array vsx_vm_port */
	int devmap_fd; /* devmap vsx_vm_ports */
	int stats_fd;  /* per-CPU array vsx_offload_stats, by flow id */
	size_t table_size, max_ports, max_flow_id;
};

static struct xdp_offload *ofl_of(void *ctx)
{
	return ctx;
}

static int map_fd(struct vsxd_datapath *dp, const char *name, __u32 *max_entries)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->up->obj, name);

	if (!m)
		return -1;
	*max_entries = bpf_map__max_entries(m);
	return bpf_map__fd(m);
}

static int ofl_caps(void *ctx, struct vsx_offload_caps *out)
{
	struct xdp_offload *o = ofl_of(ctx);

	*out = (struct vsx_offload_caps){
	    .table_size = o->table_size,
	    .max_ports = o->max_ports,
	    .rate_limit = false, /* the RX rate buckets are not in the uplink program yet */
	    .stats = true,
	    .tx = false, /* the TX fast path is vsxd/dp_vmport.c's, not this provider's */
	    .per_core = false,
	};
	return 0;
}

static int read_port(struct xdp_offload *o, __u32 port, struct vsx_vm_port *out)
{
	if (bpf_map_lookup_elem(o->port_fd, &port, out))
		return -errno;
	return 0;
}

static int ofl_port_set(void *ctx, const struct vsx_offload_port *p)
{
	struct xdp_offload *o = ofl_of(ctx);
	struct vsx_vm_port cur, want = {
				    .ifindex = p->ifindex,
				    .vni = p->vni,
				    .mtu = p->mtu,
				    .flags = VSX_PORT_F_VALID,
				    .tenant = p->tenant,
				};
	struct bpf_devmap_val dv = {.ifindex = p->ifindex};
	char why[160];
	int err;

	if (!p->port || p->port >= o->max_ports || !p->ifindex || !p->mtu)
		return -EINVAL;
	memcpy(want.mac, p->mac, sizeof(want.mac));
	err = vsx_xdp_target_check(p->ifindex, why, sizeof(why));
	if (err) {
		/* the caller sees only the errno; the reason is this provider's to tell */
		log_info("VM port %u (ifindex %u): %s", p->port, p->ifindex, why);
		return err;
	}
	err = read_port(o, p->port, &cur);
	if (err)
		return err;
	if ((cur.flags & VSX_PORT_F_VALID) && (cur.ifindex != want.ifindex || cur.vni != want.vni ||
					       memcmp(cur.mac, want.mac, sizeof(cur.mac)))) {
		struct vsx_vm_port off = cur;

		off.flags = 0;
		if (bpf_map_update_elem(o->port_fd, &p->port, &off, BPF_ANY))
			return -errno;
	}
	if (bpf_map_update_elem(o->devmap_fd, &p->port, &dv, BPF_ANY)) {
		err = -errno;
		/* the devmap refuses an interface that cannot be a target: put the old one back */
		bpf_map_update_elem(o->port_fd, &p->port, &cur, BPF_ANY);
		return err == -EINVAL ? -EOPNOTSUPP : err;
	}
	if (bpf_map_update_elem(o->port_fd, &p->port, &want, BPF_ANY))
		return -errno;
	return 0;
}

static int ofl_port_del(void *ctx, __u32 port)
{
	struct xdp_offload *o = ofl_of(ctx);
	struct vsx_vm_port cur, off = {0};
	int err;

	if (!port || port >= o->max_ports)
		return -EINVAL;
	err = read_port(o, port, &cur);
	if (err)
		return err;
	if (!(cur.flags & VSX_PORT_F_VALID))
		return -ENOENT;
	if (bpf_map_update_elem(o->port_fd, &port, &off, BPF_ANY))
		return -errno;
	if (bpf_map_delete_elem(o->devmap_fd, &port) && errno != ENOENT)
		return -errno;
	return 0;
}

static bool key_ok(const struct vsx_offload_key *k)
{
	static const __u8 zero_mac[6];

	if (k->kind == VSX_OFFLOAD_KEY_FLOW)
		return !memcmp(k->dl_dst, zero_mac, sizeof(zero_mac));
	if (k->kind == VSX_OFFLOAD_KEY_VM)
		return !k->nw_proto && !k->dl_type && !k->tp_src && !k->tp_dst;
	return false;
}

static int zero_stats(struct xdp_offload *o, __u32 flow_id)
{
	int n = libbpf_num_possible_cpus();
	void *zero;
	int err = 0;

	if (n <= 0)
		return n ? n : -EINVAL;
	zero = calloc((size_t)n, sizeof(struct vsx_offload_stats));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(o->stats_fd, &flow_id, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

static bool has_limit(const struct vsx_rate_limit *l)
{
	return l->bits_per_s || l->pkts_per_s;
}

static int ofl_put(void *ctx, const struct vsx_offload_flow *f)
{
	struct xdp_offload *o = ofl_of(ctx);
	struct vsx_offload_entry e = {.port = f->port, .flow_id = f->flow_id}, old;
	struct vsx_vm_port port;
	int err;

	if (!f->flow_id || f->flow_id > o->max_flow_id || !f->port || f->port >= o->max_ports ||
	    !key_ok(&f->key))
		return -EINVAL;
	if (has_limit(&f->limit))
		return -EOPNOTSUPP;
	err = read_port(o, f->port, &port);
	if (err)
		return err;
	if (!(port.flags & VSX_PORT_F_VALID))
		return -ENOENT;
	/* A new flow id starts at zero; the same flow's entry, rewritten, keeps its counts. */
	if (bpf_map_lookup_elem(o->table_fd, &f->key, &old) || old.flow_id != f->flow_id) {
		err = zero_stats(o, f->flow_id);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(o->table_fd, &f->key, &e, BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

static int ofl_del(void *ctx, const struct vsx_offload_key *key)
{
	struct xdp_offload *o = ofl_of(ctx);

	if (!key_ok(key))
		return -EINVAL;
	if (bpf_map_delete_elem(o->table_fd, key))
		return -errno;
	return 0;
}

static int ofl_counters(void *ctx, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct xdp_offload *o = ofl_of(ctx);
	int n = libbpf_num_possible_cpus();
	struct vsx_offload_stats *v;

	memset(out, 0, sizeof(*out));
	if (!flow_id || flow_id > o->max_flow_id)
		return -EINVAL;
	if (n <= 0)
		return n ? n : -EINVAL;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(o->stats_fd, &flow_id, v)) {
		int err = -errno;

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

static const struct vsx_offload_ops ofl_ops = {
    .caps = ofl_caps,
    .port_set = ofl_port_set,
    .port_del = ofl_port_del,
    .put = ofl_put,
    .del = ofl_del,
    .counters = ofl_counters,
};

int vsxd_dp_xdp_offload(struct vsxd_datapath *dp, struct vsx_offload *out)
{
	__u32 n_table = 0, n_port = 0, n_dev = 0, n_stats = 0;
	struct xdp_offload *o;

	out->ops = NULL;
	out->ctx = NULL;
	if (!dp->up)
		return -EOPNOTSUPP;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->table_fd = map_fd(dp, "vsx_offload", &n_table);
	o->port_fd = map_fd(dp, "vsx_vm_port", &n_port);
	o->devmap_fd = map_fd(dp, "vsx_vm_ports", &n_dev);
	o->stats_fd = map_fd(dp, "vsx_offload_stats", &n_stats);
	if (o->table_fd < 0 || o->port_fd < 0 || o->devmap_fd < 0 || o->stats_fd < 0 ||
	    n_stats < 2 || n_port < 2) {
		free(o);
		return -EOPNOTSUPP;
	}
	o->max_flow_id = n_stats - 1; /* flow id 0 is none */
	o->table_size = n_table < o->max_flow_id ? n_table : o->max_flow_id;
	o->max_ports = n_port < n_dev ? n_port : n_dev;
	out->ops = &ofl_ops;
	out->ctx = o;
	return 0;
}

void vsxd_dp_xdp_offload_free(struct vsx_offload *ofl)
{
	if (ofl->ops == &ofl_ops)
		free(ofl->ctx);
	ofl->ops = NULL;
	ofl->ctx = NULL;
}
