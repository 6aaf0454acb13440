// SPDX-License-Identifier: MIT
/*
 * The RX offload fast path of the XDP datapath as an offload provider (dp_xdp.h,
 * lib/dp_provider.h), over datapath.h's accessors of its tables (vsxd/dp_offload.c): the
 * provider adds the argument checks of the interface, the redirect check of a port before it
 * is used (lib/xdp_target.h), a token bucket per rate-limited flow (rate_id = flow id), and
 * the order of writes that keeps tenants apart.
 *
 * Isolation rests on the port, not the entry (offload.h): a hit is delivered only when the
 * packet's VNI and inner destination MAC equal its port's. So a port whose interface, VNI or
 * MAC changes is first made invalid (which also removes its devmap entry), and only then
 * written anew: no packet checked against one VM's VNI and MAC can be redirected to another
 * VM's interface in between.
 */
#include "dp_xdp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "uplink.skel.h"
#include "xdp_target.h"
#include <vsx/rate.h>

static struct vsxd_datapath *dp_of(void *ctx)
{
	return ctx;
}

static size_t table_size(struct vsxd_datapath *dp)
{
	__u32 n = bpf_map__max_entries(dp->up->maps.vsx_offload);

	return n < VSX_MAX_OFFLOADS - 1 ? n : VSX_MAX_OFFLOADS - 1; /* flow ids 1..65535 */
}

static int ofl_caps(void *ctx, struct vsx_offload_caps *out)
{
	struct vsxd_datapath *dp = dp_of(ctx);

	*out = (struct vsx_offload_caps){
	    .table_size = table_size(dp),
	    .max_ports = VSX_MAX_VM_PORTS,
	    .rate_limit = true, /* "vsx_rx_rate", one bucket per flow id */
	    .stats = true,
	    .tx = false, /* the TX fast path is vsxd/dp_vmport.c's, not this provider's */
	    .per_core = dp->cpumap_prog,
	};
	return 0;
}

static int ofl_set_enabled(void *ctx, bool on)
{
	return vsxd_dp_offload_enable(dp_of(ctx), on);
}

static bool port_ok(__u32 port)
{
	return port && port < VSX_MAX_VM_PORTS;
}

static int ofl_port_set(void *ctx, const struct vsx_offload_port *p)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_vm_port cur, want = {
				    .ifindex = p->ifindex,
				    .vni = p->vni,
				    .mtu = p->mtu,
				    .flags = VSX_PORT_F_VALID,
				    .tenant = p->tenant,
				};
	char why[160];
	int err;

	if (!port_ok(p->port) || !p->ifindex || !p->mtu)
		return -EINVAL;
	memcpy(want.mac, p->mac, sizeof(want.mac));
	err = vsx_xdp_target_check(p->ifindex, why, sizeof(why));
	if (err) {
		/* the caller sees only the errno; the reason is this provider's to tell */
		log_info("VM port %u (ifindex %u): %s", p->port, p->ifindex, why);
		return err;
	}
	err = vsxd_dp_port_get(dp, p->port, &cur);
	if (err && err != -ENOENT)
		return err;
	if (!err && (cur.ifindex != want.ifindex || cur.vni != want.vni ||
		     memcmp(cur.mac, want.mac, sizeof(cur.mac)))) {
		err = vsxd_dp_port_del(dp, p->port);
		if (err)
			return err;
	}
	err = vsxd_dp_port_set(dp, p->port, &want);
	/* the devmap refuses an interface that cannot be a redirect target */
	return err == -EINVAL ? -EOPNOTSUPP : err;
}

static int ofl_port_del(void *ctx, __u32 port)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_vm_port cur;
	int err;

	if (!port_ok(port))
		return -EINVAL;
	err = vsxd_dp_port_get(dp, port, &cur);
	return err ? err : vsxd_dp_port_del(dp, port);
}

static bool limited(const struct vsx_rate_limit *l)
{
	return l->bits_per_s || l->pkts_per_s;
}

static int ofl_put(void *ctx, const struct vsx_offload_flow *f)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_offload_entry e = {.port = f->port, .flow_id = f->flow_id}, old;
	struct vsx_vm_port port;
	bool fresh;
	int err;

	if (!f->flow_id || f->flow_id > table_size(dp) || !port_ok(f->port))
		return -EINVAL;
	err = vsxd_dp_port_get(dp, f->port, &port);
	if (err)
		return err; /* -ENOENT: no such port */
	if (limited(&f->limit)) {
		struct vsx_rate_bucket b;

		if (vsx_rate_config(&b, f->limit.bits_per_s, f->limit.pkts_per_s,
				    f->limit.burst_bytes, f->limit.burst_pkts, f->limit.burst_us))
			return -EINVAL;
		/* the bucket before the entry that names it; a new bucket starts full */
		err = vsxd_dp_rx_rate_set(dp, f->flow_id, &b);
		if (err)
			return err;
		e.flags |= VSX_OFL_F_RATE;
		e.rate_id = f->flow_id;
	}
	/* A new flow id starts at zero; the same flow's entry, rewritten, keeps its counts. */
	fresh = vsxd_dp_offload_get(dp, &f->key, &old) || old.flow_id != f->flow_id;
	return vsxd_dp_offload_put(dp, &f->key, &e, fresh);
}

static int ofl_del(void *ctx, const struct vsx_offload_key *key)
{
	return vsxd_dp_offload_del(dp_of(ctx), key);
}

static int ofl_counters(void *ctx, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_offload_stats s;
	int err;

	memset(out, 0, sizeof(*out));
	if (!flow_id || flow_id > table_size(dp))
		return -EINVAL;
	err = vsxd_dp_offload_stats(dp, flow_id, &s);
	if (err)
		return err;
	*out = (struct vsx_offload_counters){
	    .packets = s.packets,
	    .bytes = s.bytes,
	    .refused = s.refused,
	    .redirect_fail = s.redirect_fail,
	    .rate_dropped = s.rate_dropped,
	    .last_jiffies = s.last_jiffies,
	    .tcp_flags = s.tcp_flags,
	};
	return 0;
}

static const struct vsx_offload_ops ofl_ops = {
    .caps = ofl_caps,
    .set_enabled = ofl_set_enabled,
    .port_set = ofl_port_set,
    .port_del = ofl_port_del,
    .put = ofl_put,
    .del = ofl_del,
    .counters = ofl_counters,
};

int vsxd_dp_xdp_offload(struct vsxd_datapath *dp, struct vsx_offload *out)
{
	out->ops = NULL;
	out->ctx = NULL;
	if (!dp->up || !dp->ofl_cfg)
		return -EOPNOTSUPP;
	out->ops = &ofl_ops;
	out->ctx = dp;
	return 0;
}

void vsxd_dp_xdp_offload_free(struct vsx_offload *ofl)
{
	ofl->ops = NULL;
	ofl->ctx = NULL;
}
