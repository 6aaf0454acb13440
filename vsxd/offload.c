// SPDX-License-Identifier: MIT
/*
 * FlexivOffload in vsxd (offload.h): the policy from the configuration (changed at run time
 * through vsxctl), the VM ports from the vm blocks, and the flow manager ticking on the
 * steering datapath and the offload provider. Each move is logged with its reason and rates.
 */
#include "offload.h"
#include "vmport_vxlan.h"
#include "vsxd.h"

#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The flow manager reads both providers at most this often (its cost grows with the flows). */
#define TICK_MIN_MS 100
/* VM interfaces are looked up again this often (a VM restarted makes a new one), and ports
 * the provider refused are offered again at most this often. */
#define PORT_CHECK_MS 1000
#define PORT_RETRY_MS 5000

struct vm_port {
	__u32 ifindex;
	__u16 mtu;
	bool configured; /* has port, vni and mac */
	bool set;	 /* given to the flow manager */
	uint64_t tried_ns;
};

struct vsxd_offload {
	struct vsx_ofl_policy pol;
	struct vsx_fm *fm;
	struct vm_port ports[VSXD_MAX_VMS];
	uint64_t last_tick_ns, last_port_check_ns;
	bool fast_on; /* what the datapath's on/off was last set to */
};

/* ---- interfaces ---- */

static __u16 read_mtu(const char *ifname)
{
	char path[64];
	unsigned long mtu = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &mtu) != 1)
		mtu = 0;
	fclose(f);
	return mtu > 65535 ? 65535 : (__u16)mtu;
}

static __u32 tenant_number(const struct vsxd_vm *vm)
{
	uint32_t h = 2166136261u;

	if (!vm->has_tenant)
		return 0;
	if (!vm->tenant_name[0])
		return vm->tenant_id;
	/* a named tenant: a stable number with the top bit set (numbers given are below it
	 * in practice; the datapath never reads it, vsx_vm_port.tenant is for views) */
	for (const char *s = vm->tenant_name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h | 0x80000000u;
}

/* Gives VM i's port to the flow manager (again), logging what the provider said (quiet: not
 * that it is ready, for the periodic re-check of a usable port). */
static void offer_port(struct vsxd *d, size_t i, uint64_t now_ns, bool quiet)
{
	const struct vsxd_vm *vm = &d->conf.vms[i];
	struct vsxd_offload *o = d->offload;
	struct vm_port *p = &o->ports[i];
	struct vsx_fm_vm fv;
	int r;

	memset(&fv, 0, sizeof(fv));
	snprintf(fv.name, sizeof(fv.name), "%s", vm->name);
	vsxd_vm_tenant(vm, fv.tenant, sizeof(fv.tenant));
	fv.port.port = (__u32)i + 1;
	fv.port.ifindex = p->ifindex;
	fv.port.vni = htonl(vm->vni);
	memcpy(fv.port.mac, vm->mac, 6);
	fv.port.mtu = p->mtu;
	fv.port.tenant = tenant_number(vm);
	p->tried_ns = now_ns;
	if (!p->ifindex) {
		/* no interface: nothing to offer the provider, flows get no-vm-port */
		if (p->set)
			vsx_fm_del_vm(o->fm, (unsigned int)i);
		p->set = false;
		return;
	}
	r = vsx_fm_set_vm(o->fm, (unsigned int)i, &fv);
	p->set = true;
	if (r == -EOPNOTSUPP && d->ofl.ops)
		log_warn("offload: vm %s: port %s cannot take redirected frames (a veth needs XDP or "
			 "GRO on its peer): its flows stay on the normal path",
			 vm->name, vm->port);
	else if (r && d->ofl.ops)
		log_warn("offload: vm %s: port %s: %s", vm->name, vm->port, strerror(-r));
	else if (!r && !quiet)
		log_info("offload: vm %s: port %s (ifindex %u, mtu %u, vni %u) ready", vm->name,
			 vm->port, p->ifindex, p->mtu, vm->vni);
}

/*
 * Offers a usable port again, silently unless it stopped being usable: the provider re-runs
 * its checks (the host guard among them: a firewall rule added after the port became usable
 * must take its flows off the fast path). Unchanged, the offer changes nothing.
 */
static void recheck_port(struct vsxd *d, size_t i, uint64_t now_ns)
{
	const struct vsxd_vm *vm = &d->conf.vms[i];
	struct vsxd_offload *o = d->offload;
	bool usable = false;

	offer_port(d, i, now_ns, true);
	vsx_fm_vm(o->fm, (unsigned int)i, &usable, NULL);
	if (!usable)
		log_warn("offload: vm %s: port %s is no longer usable by the fast path (see above): "
			 "its flows went back to the normal path",
			 vm->name, vm->port);
}

/* Looks the VMs' interfaces up; offers changed ones, and refused ones now and then. */
static void check_ports(struct vsxd *d, uint64_t now_ns, bool first)
{
	struct vsxd_offload *o = d->offload;

	for (size_t i = 0; i < d->conf.n_vms; i++) {
		const struct vsxd_vm *vm = &d->conf.vms[i];
		struct vm_port *p = &o->ports[i];
		__u32 ifindex;
		__u16 mtu;
		bool usable = false;

		if (!p->configured)
			continue;
		ifindex = if_nametoindex(vm->port);
		mtu = ifindex ? read_mtu(vm->port) : 0;
		vsx_fm_vm(o->fm, (unsigned int)i, &usable, NULL);
		if (first || ifindex != p->ifindex || mtu != p->mtu) {
			if (!first && ifindex != p->ifindex)
				log_info("offload: vm %s: port %s is now ifindex %u (was %u)", vm->name,
					 vm->port, ifindex, p->ifindex);
			p->ifindex = ifindex;
			p->mtu = mtu;
			offer_port(d, i, now_ns, false);
		} else if (p->set && d->ofl.ops) {
			/* init offers at time 0: the first tick starts the retry clock */
			if (!p->tried_ns)
				p->tried_ns = now_ns;
			else if (now_ns - p->tried_ns < PORT_RETRY_MS * 1000000ull)
				continue;
			else if (!usable)
				offer_port(d, i, now_ns, false);
			else
				recheck_port(d, i, now_ns);
		}
	}
}

/* ---- the fast path's switch ---- */

static void sync_enabled(struct vsxd *d)
{
	struct vsxd_offload *o = d->offload;
	bool on = o->pol.enabled && d->ofl.ops;
	int r;

	if (on == o->fast_on || !d->ofl.ops)
		return;
	r = vsx_offload_call(&d->ofl, set_enabled, on);
	if (r) {
		log_warn("offload: cannot turn the fast path %s: %s", on ? "on" : "off", strerror(-r));
		return; /* tried again at the next tick */
	}
	o->fast_on = on;
}

/* ---- moves ---- */

static void fmt_rate(char *buf, size_t len, double bps)
{
	if (bps >= 1e9)
		snprintf(buf, len, "%.2f Gb/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.1f Mb/s", bps / 1e6);
	else
		snprintf(buf, len, "%.0f kb/s", bps / 1e3);
}

static void on_move(void *arg, const struct vsx_fm_flow *f, bool promoted, int why)
{
	struct vsxd *d = arg;
	const struct vsx_fm_vm *vm = f->vm >= 0 ? vsx_fm_vm(d->offload->fm, (unsigned int)f->vm,
							    NULL, NULL)
					       : NULL;
	char key[160], rate[32];

	vsx_fm_key_format(&f->key, key, sizeof(key));
	fmt_rate(rate, sizeof(rate), f->bps);
	if (promoted) {
		struct vsx_fm_stats st;

		vsx_fm_stats(d->offload->fm, &st);
		log_info("offload: %s to vm %s offloaded (%s: %.0f pps, %s, core %d, header "
			 "policy %u; its answers %s)",
			 key, vm ? vm->name : "?", vsx_fm_promote_name(why), f->pps, rate, f->core,
			 f->header_id,
			 f->tx_flow_id ? "on the TX fast path"
			 : st.tx_put_fail || st.tx_remote_fail ? "on the normal path (TX refused)"
							       : "on the normal path");
	} else {
		log_info("offload: %s back to the normal path (%s: %.0f pps, %s, %llu packets "
			 "fast, %llu normal, %llu answers sent fast)",
			 key, vsx_fm_demote_name(why), f->pps, rate,
			 (unsigned long long)f->path_packets[VSX_FM_OFFLOADED],
			 (unsigned long long)f->path_packets[VSX_FM_NORMAL],
			 (unsigned long long)f->tx_packets);
	}
}

/* ---- TX: the VXLAN device a VM's answers would leave by ---- */

/*
 * The remote VTEP of flow f's reverse direction as the kernel would send to it: the VXLAN
 * device on the bridge of the VM's port (its other ports), towards the flow's outer source.
 */
static int tx_remote(void *arg, const struct vsx_fm_flow *f, const struct vsx_fm_vm *vm,
		     struct vsx_tx_remote *out)
{
	struct vsxd *d = arg;
	char path[128], master[64], why[160] = "", key[160];
	const char *port = NULL;
	struct dirent *de;
	ssize_t n;
	DIR *dir;
	int r = -ENODEV;

	if (f->fkey.flags & VSX_KEY_OUTER_V6)
		return -EOPNOTSUPP; /* the TX fast path sends IPv4 underlay only */
	for (size_t i = 0; i < d->conf.n_vms; i++)
		if (!strcmp(d->conf.vms[i].name, vm->name))
			port = d->conf.vms[i].port;
	if (!port)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", port);
	n = readlink(path, master, sizeof(master) - 1);
	if (n <= 0)
		return -ENODEV; /* not on a bridge: no VXLAN device decides for it */
	master[n] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/brif",
		 strrchr(master, '/') ? strrchr(master, '/') + 1 : master);
	dir = opendir(path);
	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, port))
			continue;
		r = vsxd_vxlan_remote(de->d_name, f->fkey.outer_src[0], out, why, sizeof(why));
		if (r != -EINVAL && r != -ENODEV)
			break; /* the bridge's VXLAN device: it answered */
	}
	closedir(dir);
	if (r) {
		vsx_fm_key_format(&f->key, key, sizeof(key));
		log_debug("offload: %s: its answers stay on the normal path (TX): %s", key,
			  why[0] ? why : strerror(-r));
	}
	return r;
}

/* ---- lifecycle ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vsxd_offload_init(struct vsxd *d)
{
	struct vsxd_offload *o = calloc(1, sizeof(*o));
	size_t offloadable = 0;

	d->offload = NULL;
	if (!o) {
		log_err("offload: out of memory");
		return -ENOMEM;
	}
	if (vsx_ofl_policy_copy(&o->pol, &d->conf.offload)) {
		free(o);
		log_err("offload: out of memory");
		return -ENOMEM;
	}
	o->fm = vsx_fm_new(&d->dpp, &d->ofl, &o->pol, 0);
	if (!o->fm) {
		vsx_ofl_policy_free(&o->pol);
		free(o);
		log_err("offload: out of memory");
		return -ENOMEM;
	}
	vsx_fm_on_move(o->fm, on_move, d);
	vsx_fm_set_tx(o->fm, tx_remote, d);
	d->offload = o;
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		const struct vsxd_vm *vm = &d->conf.vms[i];

		o->ports[i].configured = vm->port[0] && vm->has_vni && vm->has_mac;
		if (o->ports[i].configured)
			offloadable++;
		else if (o->pol.enabled)
			log_info("offload: vm %s has no%s%s%s: no flow is offloaded to it", vm->name,
				 vm->port[0] ? "" : " port", vm->has_vni ? "" : " vni",
				 vm->has_mac ? "" : " mac");
	}
	if (o->pol.enabled && !d->ofl.ops)
		log_warn("offload: on, but the datapath has no offload provider: flows are tracked, "
			 "none offloaded");
	check_ports(d, 0, true);
	sync_enabled(d);
	{
		struct vsx_offload_caps caps = {0};

		if (d->ofl.ops)
			vsx_offload_call(&d->ofl, caps, &caps);
		log_info("offload: %s, capacity %u, %zu VM ports, TX fast path %s",
			 o->pol.enabled ? "on" : "off", o->pol.capacity, offloadable,
			 caps.tx ? "available" : "not available");
	}
	return 0;
}

void vsxd_offload_tick_at(struct vsxd *d, uint64_t now_ns)
{
	struct vsxd_offload *o = d->offload;
	int r;

	if (!o)
		return;
	if (!o->last_port_check_ns) {
		o->last_port_check_ns = now_ns; /* init just looked */
	} else if (now_ns - o->last_port_check_ns >= PORT_CHECK_MS * 1000000ull) {
		o->last_port_check_ns = now_ns;
		check_ports(d, now_ns, false);
	}
	sync_enabled(d);
	o->last_tick_ns = now_ns;
	r = vsx_fm_tick(o->fm, now_ns);
	if (r)
		log_debug("offload: tick: %s", strerror(-r));
}

void vsxd_offload_tick(struct vsxd *d)
{
	uint64_t now = mono_ns();

	if (!d->offload || now - d->offload->last_tick_ns < TICK_MIN_MS * 1000000ull)
		return;
	vsxd_offload_tick_at(d, now);
}

void vsxd_offload_free(struct vsxd *d)
{
	struct vsxd_offload *o = d->offload;

	if (!o)
		return;
	/*
	 * Entries go even with a kept datapath: the next vsxd cannot list them (the provider has
	 * no dump), so one left behind would stay on the fast path unmanaged. Their flows take
	 * the normal path meanwhile (nothing is lost, the kernel delivers them) and are promoted
	 * again by the next vsxd's flow manager.
	 */
	vsx_fm_free(o->fm, false);
	if (o->fast_on && !d->keep_datapath)
		vsx_offload_call(&d->ofl, set_enabled, false);
	vsx_ofl_policy_free(&o->pol);
	free(o);
	d->offload = NULL;
}

/* ---- queries ---- */

struct flows_ctx {
	struct vsxd *d;
	int (*cb)(void *arg, const struct vsxd_ofl_flow *f);
	void *arg;
	uint64_t now;
	int64_t real_minus_mono_s;
};

static int flow_cb(void *arg, const struct vsx_fm_flow *f)
{
	struct flows_ctx *c = arg;
	struct vsxd_ofl_flow v;
	const struct vsxd_vm *vm = f->vm >= 0 && (size_t)f->vm < c->d->conf.n_vms
					   ? &c->d->conf.vms[f->vm]
					   : NULL;
	const struct vsx_fm_vm *fv = f->vm >= 0 ? vsx_fm_vm(c->d->offload->fm, (unsigned int)f->vm,
							    NULL, NULL)
					       : NULL;

	memset(&v, 0, sizeof(v));
	v.f = f;
	v.vm = fv ? fv->name : "";
	v.tenant = fv ? fv->tenant : "";
	v.port = vm ? vm->port : "";
	v.age_ns = c->now > f->first_ns ? c->now - f->first_ns : 0;
	v.idle_ns = c->now > f->active_ns ? c->now - f->active_ns : 0;
	v.since_move_ns = f->moved_ns && c->now > f->moved_ns ? c->now - f->moved_ns : 0;
	if (f->moved_ns)
		v.moved_realtime_s = (int64_t)(f->moved_ns / 1000000000ull) + c->real_minus_mono_s;
	return c->cb(c->arg, &v);
}

int vsxd_offload_flows(struct vsxd *d, int (*cb)(void *arg, const struct vsxd_ofl_flow *f),
		       void *arg)
{
	struct flows_ctx c = {.d = d, .cb = cb, .arg = arg};
	struct timespec rt;

	if (!d->offload)
		return 0;
	/* flows carry the time the last tick saw: ages are relative to it, at most a tick old */
	c.now = d->offload->last_tick_ns;
	clock_gettime(CLOCK_REALTIME, &rt);
	c.real_minus_mono_s = (int64_t)rt.tv_sec - (int64_t)(mono_ns() / 1000000000ull);
	return vsx_fm_foreach(d->offload->fm, flow_cb, &c);
}

int vsxd_offload_ports(struct vsxd *d, int (*cb)(void *arg, const struct vsxd_ofl_port *p),
		       void *arg)
{
	if (!d->offload)
		return 0;
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		const struct vm_port *vp = &d->offload->ports[i];
		struct vsxd_ofl_port p;
		int r;

		memset(&p, 0, sizeof(p));
		p.vm = d->conf.vms[i].name;
		p.ifname = d->conf.vms[i].port;
		if (vp->configured) {
			p.port = (__u32)i + 1;
			p.ifindex = vp->ifindex;
			if (!vsx_fm_vm(d->offload->fm, (unsigned int)i, &p.usable, &p.err))
				p.err = -ENODEV;
		}
		r = cb(arg, &p);
		if (r)
			return r;
	}
	return 0;
}

void vsxd_offload_stats(struct vsxd *d, struct vsxd_ofl_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->provider = d->ofl.ops != NULL;
	if (d->ofl.ops)
		vsx_offload_call(&d->ofl, caps, &out->caps);
	if (!d->offload)
		return;
	out->enabled = d->offload->pol.enabled;
	vsx_fm_stats(d->offload->fm, &out->fm);
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		bool usable = false;

		if (!d->offload->ports[i].configured)
			continue;
		out->ports++;
		if (vsx_fm_vm(d->offload->fm, (unsigned int)i, &usable, NULL) && usable)
			out->ports_usable++;
	}
}

const struct vsx_ofl_policy *vsxd_offload_policy(const struct vsxd *d)
{
	return d->offload ? &d->offload->pol : NULL;
}

/* ---- run-time policy ---- */

static int changed(struct vsxd *d, const char *what, int r, const char *err)
{
	if (r) {
		log_info("offload: policy change '%s' refused: %s", what, err);
		return r;
	}
	vsx_fm_policy_changed(d->offload->fm);
	sync_enabled(d);
	log_info("offload: policy: %s", what);
	return 0;
}

static int no_offload(char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "offload is not running");
	return -EOPNOTSUPP;
}

int vsxd_offload_policy_apply(struct vsxd *d, const char *text, unsigned int flags, __u32 *id,
			      char *err, size_t errlen)
{
	char msg[256] = "";
	int r;

	if (!d->offload)
		return no_offload(err, errlen);
	r = vsx_ofl_policy_apply_text(&d->offload->pol, text, flags, id, msg, sizeof(msg));
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return changed(d, text, r, msg);
}

int vsxd_offload_policy_apply_argv(struct vsxd *d, int argc, const char *const *argv,
				   unsigned int flags, __u32 *id, char *err, size_t errlen)
{
	char text[VSX_OFL_STMT_MAX];
	size_t off = 0;

	/* one statement: joined, it goes through the same path (and log line) as text */
	for (int i = 0; i < argc; i++) {
		int n = snprintf(text + off, sizeof(text) - off, "%s%s", i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(text) - off || strchr(argv[i], ';')) {
			if (err && errlen)
				snprintf(err, errlen, "%s",
					 n < 0 || (size_t)n >= sizeof(text) - off
						 ? "statement too long"
						 : "one statement: no ';' in a word");
			return -EINVAL;
		}
		off += (size_t)n;
	}
	text[off] = '\0';
	return vsxd_offload_policy_apply(d, text, flags, id, err, errlen);
}

int vsxd_offload_policy_delete(struct vsxd *d, const char *what, char *err, size_t errlen)
{
	char msg[256] = "";
	char line[VSX_OFL_STMT_MAX + 16];
	int r;

	if (!d->offload)
		return no_offload(err, errlen);
	r = vsx_ofl_policy_delete_text(&d->offload->pol, what, msg, sizeof(msg));
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	snprintf(line, sizeof(line), "delete %s", what);
	return changed(d, line, r, msg);
}
