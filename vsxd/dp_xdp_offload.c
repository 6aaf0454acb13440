// SPDX-License-Identifier: MIT
/*
 * The RX offload fast path of the XDP datapath as an offload provider (dp_xdp.h,
 * lib/dp_provider.h), over datapath.h's accessors of its tables (vsxd/dp_offload.c): the
 * provider adds the argument checks of the interface, the redirect check of a port before it
 * is used (lib/xdp_target.h), the host guard (lib/host_guard.h: -EPERM while the host's
 * netfilter rules or rp_filter could refuse frames the fast paths would carry past them), a
 * token bucket per rate-limited flow (rate_id = flow id), and the order of writes that keeps
 * tenants apart.
 *
 * Isolation rests on the port, not the entry (offload.h): a hit is delivered only when the
 * packet's VNI and inner destination MAC equal its port's. So a port whose interface, VNI or
 * MAC changes is first made invalid (which also removes its devmap entry), and only then
 * written anew: no packet checked against one VM's VNI and MAC can be redirected to another
 * VM's interface in between.
 */
#include "dp_xdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "dp_vmport.h"
#include "host_guard.h"
#include "log.h"
#include "uplink.skel.h"
#include "xdp_target.h"
#include "offload_key.h"
#include <vsx/rate.h>

struct xdp_offload {
	struct vsxd_datapath *dp;
	struct vsxd_vmport *vp;		       /* the TX fast path; NULL: none (caps.tx false) */
	bool tx_port[VSX_MAX_VM_PORTS];	       /* the VM port program is attached there */
	bool remote_valid[VSX_TX_MAX_REMOTES]; /* set by this provider */
};

static struct xdp_offload *ofl_of(void *ctx)
{
	return ctx;
}

static struct vsxd_datapath *dp_of(void *ctx)
{
	return ofl_of(ctx)->dp;
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
	    .tx = ofl_of(ctx)->vp != NULL,
	    .tx_table_size = ofl_of(ctx)->vp ? VSX_TX_MAX_FLOWS - 1 : 0,
	    .tx_remotes = ofl_of(ctx)->vp ? VSX_TX_MAX_REMOTES : 0,
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

/*
 * The TX fast path on the port: the VM port program on its interface. A port it cannot take
 * (another XDP program there, say: logged by dp_vmport.c) still serves RX; its TX flows are
 * -EOPNOTSUPP.
 */
static void tx_attach(struct xdp_offload *o, __u32 port, __u32 ifindex)
{
	char ifname[IF_NAMESIZE];

	if (!o->vp)
		return;
	o->tx_port[port] =
	    if_indextoname(ifindex, ifname) && vsxd_vmport_attach(o->vp, port, ifname) == 0;
	if (!o->tx_port[port])
		log_info("VM port %u (ifindex %u): no TX fast path", port, ifindex);
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
	if (!err) {
		/* the host's firewall or rp_filter could refuse frames the fast paths bypass */
		char ifname[IF_NAMESIZE] = "";

		if_indextoname(p->ifindex, ifname);
		err = vsx_host_guard_check(dp->ifname, ifname, why, sizeof(why));
		if (err) {
			log_warn("VM port %u (%s): refused by the host guard: %s", p->port, ifname,
				 why);
			return err; /* -EPERM */
		}
	}
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
	if (err)
		/* the devmap refuses an interface that cannot be a redirect target */
		return err == -EINVAL ? -EOPNOTSUPP : err;
	tx_attach(ofl_of(ctx), p->port, p->ifindex);
	return 0;
}

static int ofl_port_del(void *ctx, __u32 port)
{
	struct vsxd_datapath *dp = dp_of(ctx);
	struct vsx_vm_port cur;
	int err;

	if (!port_ok(port))
		return -EINVAL;
	err = vsxd_dp_port_get(dp, port, &cur);
	if (!err)
		err = vsxd_dp_port_del(dp, port);
	if (!err && ofl_of(ctx)->tx_port[port]) {
		vsxd_vmport_detach(ofl_of(ctx)->vp, port);
		ofl_of(ctx)->tx_port[port] = false;
	}
	return err;
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

static int ofl_remote_set(void *ctx, __u32 id, const struct vsx_tx_remote *r)
{
	struct xdp_offload *o = ofl_of(ctx);
	int err;

	if (!o->vp)
		return -EOPNOTSUPP;
	if (!id || id >= VSX_TX_MAX_REMOTES)
		return -EINVAL;
	err = vsxd_vmport_remote_set(o->vp, id, r);
	if (!err)
		o->remote_valid[id] = true;
	return err;
}

static int ofl_remote_del(void *ctx, __u32 id)
{
	struct xdp_offload *o = ofl_of(ctx);
	int err;

	if (!o->vp)
		return -EOPNOTSUPP;
	if (!id || id >= VSX_TX_MAX_REMOTES)
		return -EINVAL;
	if (!o->remote_valid[id])
		return -ENOENT;
	err = vsxd_vmport_remote_del(o->vp, id);
	if (!err)
		o->remote_valid[id] = false;
	return err;
}

static int ofl_tx_put(void *ctx, const struct vsx_offload_tx_flow *f)
{
	struct xdp_offload *o = ofl_of(ctx);
	struct vsx_tx_entry e = {.remote = f->remote, .flow_id = f->flow_id};
	struct vsx_vm_port port;
	int err;

	if (!o->vp)
		return -EOPNOTSUPP;
	if (!port_ok(f->key.port) || !f->remote || f->remote >= VSX_TX_MAX_REMOTES || !f->flow_id ||
	    f->flow_id >= VSX_TX_MAX_FLOWS || !vsx_tx_key_valid(&f->key))
		return -EINVAL;
	err = vsxd_dp_port_get(o->dp, f->key.port, &port);
	if (err)
		return err;
	if (!o->remote_valid[f->remote])
		return -ENOENT;
	if (!o->tx_port[f->key.port])
		return -EOPNOTSUPP;
	e.vni = port.vni; /* the port's, never the caller's: a VM sends only under its own VNI */
	if (limited(&f->limit)) {
		struct vsx_rate_bucket b;

		if (vsx_rate_config(&b, f->limit.bits_per_s, f->limit.pkts_per_s,
				    f->limit.burst_bytes, f->limit.burst_pkts, f->limit.burst_us))
			return -EINVAL;
		err = vsxd_vmport_rate_set(o->vp, f->flow_id, &f->limit);
		if (err)
			return err;
		e.flags |= VSX_TX_F_RATE;
		e.rate_id = f->flow_id;
	}
	return vsxd_vmport_put(o->vp, &f->key, &e);
}

static int ofl_tx_del(void *ctx, const struct vsx_tx_key *key)
{
	struct xdp_offload *o = ofl_of(ctx);

	return o->vp ? vsxd_vmport_del(o->vp, key) : -EOPNOTSUPP;
}

static int ofl_tx_counters(void *ctx, __u32 flow_id, struct vsx_offload_counters *out)
{
	struct xdp_offload *o = ofl_of(ctx);

	memset(out, 0, sizeof(*out));
	if (!o->vp)
		return -EOPNOTSUPP;
	if (!flow_id || flow_id >= VSX_TX_MAX_FLOWS)
		return -EINVAL;
	return vsxd_vmport_counters(o->vp, flow_id, out);
}

static const struct vsx_offload_ops ofl_ops = {
    .caps = ofl_caps,
    .set_enabled = ofl_set_enabled,
    .port_set = ofl_port_set,
    .port_del = ofl_port_del,
    .put = ofl_put,
    .del = ofl_del,
    .counters = ofl_counters,
    .remote_set = ofl_remote_set,
    .remote_del = ofl_remote_del,
    .tx_put = ofl_tx_put,
    .tx_del = ofl_tx_del,
    .tx_counters = ofl_tx_counters,
};

int vsxd_dp_xdp_offload(struct vsxd_datapath *dp, struct vsx_offload *out)
{
	struct xdp_offload *o;

	out->ops = NULL;
	out->ctx = NULL;
	if (!dp->up || !dp->ofl_cfg)
		return -EOPNOTSUPP;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->dp = dp;
	/* the TX fast path shares the datapath's pinned maps (vsx_vm_port above all) */
	if (vsxd_vmport_open(&o->vp, dp->pin_dir)) {
		log_warn("no TX fast path: offloaded flows are received fast, sent the normal way");
		o->vp = NULL;
	} else if (dp->reused && vsxd_vmport_clear(o->vp) > 0) {
		log_info("TX fast path: a previous vsxd's entries removed (promoted again as due)");
	}
	out->ops = &ofl_ops;
	out->ctx = o;
	return 0;
}

void vsxd_dp_xdp_offload_free(struct vsx_offload *ofl, bool keep)
{
	if (ofl->ops == &ofl_ops) {
		struct xdp_offload *o = ofl->ctx;

		if (o->vp)
			vsxd_vmport_close(o->vp, keep);
		free(o);
	}
	ofl->ops = NULL;
	ofl->ctx = NULL;
}
