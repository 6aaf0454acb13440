// SPDX-License-Identifier: MIT
/*
 * The vsx experimenter reports (lib/ofp_vsx.h): what the host is (cores, the uplink's RX
 * queues, XDP mode and offloads, as the kernel says them), its VMs (ID, pinned cores, tenant,
 * VNI, port) and the core table, read from the query layer.
 *
 * Who gets unsolicited reports: controllers (active connections) always; a peer on a listener
 * once it has sent a vsx message (ovs-ofctl and other tools never see one).
 */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "ofp_conn.h"
#include "openflow.h"
#include "query.h"

static int ethtool(int fd, const char *dev, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

static __u32 nic_caps(const char *dev, char *driver, size_t driver_len)
{
	static const struct {
		__u32 cmd, cap;
	} v[] = {
	    {ETHTOOL_GRXCSUM, VSX_CAP_NIC_RX_CSUM},
	    {ETHTOOL_GTXCSUM, VSX_CAP_NIC_TX_CSUM},
	    {ETHTOOL_GTSO, VSX_CAP_NIC_TSO},
	    {ETHTOOL_GGRO, VSX_CAP_NIC_GRO},
	};
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ethtool_value val;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	__u32 caps = 0;

	if (fd < 0)
		return 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		val = (struct ethtool_value){.cmd = v[i].cmd};
		if (ethtool(fd, dev, &val) == 0 && val.data)
			caps |= v[i].cap;
	}
	val = (struct ethtool_value){.cmd = ETHTOOL_GFLAGS};
	if (ethtool(fd, dev, &val) == 0) {
		if (val.data & ETH_FLAG_RXHASH)
			caps |= VSX_CAP_NIC_RXHASH;
		if (val.data & ETH_FLAG_NTUPLE)
			caps |= VSX_CAP_NIC_NTUPLE;
	}
	if (ethtool(fd, dev, &info) == 0)
		snprintf(driver, driver_len, "%.*s", (int)(driver_len - 1), info.driver);
	close(fd);
	return caps;
}

static __u32 rx_queues(const char *dev)
{
	char path[128];
	struct dirent *e;
	__u32 n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "rx-", 3))
			n++;
	closedir(dir);
	return n;
}

static __u8 xdp_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (ifindex <= 0 || bpf_xdp_query(ifindex, 0, &q))
		return VSX_XDP_NONE;
	if (q.hw_prog_id)
		return VSX_XDP_OFFLOAD;
	if (q.drv_prog_id)
		return VSX_XDP_NATIVE;
	if (q.skb_prog_id)
		return VSX_XDP_SKB;
	return VSX_XDP_NONE;
}

void vsxd_of_host_info(struct vsxd *d, struct vsx_host_info *h)
{
	const struct vsxd_conf *c = &d->conf;
	unsigned int idx = if_nametoindex(c->uplink);
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	memset(h, 0, sizeof(*h));
	h->datapath_id = vsxd_of_datapath_id(d);
	h->n_cores = online > 0 ? (__u32)online : 0;
	h->n_rx_queues = rx_queues(c->uplink);
	h->uplink_port = idx;
	h->caps = VSX_CAP_IRQ_CORE | VSX_CAP_IRQ_AUTO;
	if (c->egress_fcf)
		h->caps |= VSX_CAP_SET_FCF;
	if (c->fcf)
		h->caps |= VSX_CAP_FCF_RESTORE;
	if (c->rebalance)
		h->caps |= VSX_CAP_REBALANCE;
	if (d->ofl.ops)
		h->caps |= VSX_CAP_RX_OFFLOAD;
	h->caps |= nic_caps(c->uplink, h->driver, sizeof(h->driver));
	h->xdp_mode = xdp_mode((int)idx);
	h->steer_mode = (__u8)c->mode;
	h->vxlan_port = c->vxlan_port;
	h->max_rules = VSX_MAX_RULES - 1;
	snprintf(h->uplink, sizeof(h->uplink), "%s", c->uplink);
}

void vsxd_of_vm_info(struct vsxd *d, size_t i, __u8 reason, struct vsx_vm_port_info *v)
{
	const struct vsxd_vm *vm = &d->conf.vms[i];
	struct vsxd_q_cores *q = calloc(1, sizeof(*q));

	memset(v, 0, sizeof(*v));
	v->reason = reason;
	v->vm_id = vm->vm_id;
	snprintf(v->name, sizeof(v->name), "%.*s", (int)sizeof(v->name) - 1, vm->name);
	snprintf(v->port, sizeof(v->port), "%s", vm->port);
	if (vm->priority)
		v->flags |= VSX_VMF_PRIORITY;
	if (vm->has_tenant) {
		v->flags |= VSX_VMF_HAS_TENANT;
		v->tenant_id = vm->tenant_name[0] ? 0 : vm->tenant_id;
		snprintf(v->tenant, sizeof(v->tenant), "%.*s", (int)sizeof(v->tenant) - 1,
			 vm->tenant_name);
	}
	/* The VM's own MAC (what a sender's set_fcf rule matches as dl_dst), from the
	 * configuration: the port's MAC is the host side of the VM's link, another address. */
	if (vm->has_mac)
		memcpy(v->hw_addr, vm->mac, 6);
	if (vm->has_vni) {
		v->flags |= VSX_VMF_HAS_VNI;
		v->vni = vm->vni;
	}
	if (vm->port[0] && reason != VSX_VM_DELETE) {
		struct vsxd_of_port p[VSXD_OF_MAX_PORTS];
		size_t n = vsxd_of_ports(d, p, VSXD_OF_MAX_PORTS);

		for (size_t k = 0; k < n; k++) {
			if (p[k].vm != (int)i)
				continue;
			v->port_no = p[k].desc.port_no;
			if (!(p[k].desc.config & 1) && !(p[k].desc.state & 1))
				v->flags |= VSX_VMF_PORT_UP;
		}
	}
	if (q && d->cores) {
		vsxd_query_cores(d, q);
		for (size_t c = 0; c < q->n; c++) {
			if (q->cores[c].pinned && q->cores[c].pinned_vm == vm->vm_id &&
			    q->cores[c].core < 64 * VSX_EXP_CPU_WORDS) {
				v->cpus[q->cores[c].core / 64] |= 1ull << (q->cores[c].core % 64);
				v->flags |= VSX_VMF_PINNED;
			}
		}
	}
	free(q);
}

size_t vsxd_of_core_table(struct vsxd *d, struct vsx_core_info *out, size_t max)
{
	struct vsxd_q_cores *q = calloc(1, sizeof(*q));
	size_t n = 0;

	if (!q || !d->cores) {
		free(q);
		return 0;
	}
	vsxd_query_cores(d, q);
	for (size_t c = 0; c < q->n && n < max; c++, n++) {
		const struct vsxd_q_core *k = &q->cores[c];

		out[n] = (struct vsx_core_info){
		    .core = k->core,
		    .flags = (__u8)((k->online ? VSX_COREF_ONLINE : 0) |
				    (k->pinned ? VSX_COREF_PINNED : 0)),
		    .load = (__u8)(k->load > 100 ? 100 : k->load),
		    .pinned_vm = (__u8)k->pinned_vm,
		    .auto_rules = k->auto_rules,
		    .auto_rules_prio = k->auto_rules_prio,
		    .packets = k->packets,
		    .bytes = k->bytes,
		};
	}
	free(q);
	return n;
}

static void send_vms(struct vsxd_of_sess *s, __u32 xid)
{
	struct vsx_vm_port_info *v = calloc(VSX_EXP_MAX_VMS, sizeof(*v));
	size_t n = s->d->conf.n_vms < VSX_EXP_MAX_VMS ? s->d->conf.n_vms : VSX_EXP_MAX_VMS;
	struct ofp_buf body;
	struct ofp_msg m;

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		vsxd_of_vm_info(s->d, i, VSX_VM_PRESENT, &v[i]);
	ofp_buf_init(&body);
	if (vsx_exp_vm_ports_reply(&m, &body, s->version, xid, v, n) == 0)
		vsxd_of_put(s, &m);
	ofp_buf_free(&body);
	free(v);
}

static void send_host(struct vsxd_of_sess *s, __u32 xid)
{
	struct vsx_host_info h;
	struct ofp_buf body;
	struct ofp_msg m;

	vsxd_of_host_info(s->d, &h);
	ofp_buf_init(&body);
	if (vsx_exp_host_info(&m, &body, s->version, xid, &h) == 0)
		vsxd_of_put(s, &m);
	ofp_buf_free(&body);
}

void vsxd_of_vsx_msg(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	struct ofp_status st;
	struct vsx_exp e;

	s->controller = true; /* it speaks vsx: it gets the reports from now on */
	if (vsx_exp_decode(m, &e, &st)) {
		vsxd_of_error(s, st.err, raw, len);
		return;
	}
	switch (e.type) {
	case VSX_EXP_HOST_INFO_REQUEST:
		send_host(s, m->xid);
		break;
	case VSX_EXP_VM_PORTS_REQUEST:
		send_vms(s, m->xid);
		break;
	case VSX_EXP_CORE_TABLE_REQUEST: {
		struct vsx_core_info *c = calloc(VSX_EXP_MAX_CORES, sizeof(*c));
		struct ofp_buf body;
		struct ofp_msg r;
		size_t n = c ? vsxd_of_core_table(s->d, c, VSX_EXP_MAX_CORES) : 0;

		ofp_buf_init(&body);
		if (c && vsx_exp_core_table_reply(&r, &body, s->version, m->xid, c, n) == 0)
			vsxd_of_put(s, &r);
		ofp_buf_free(&body);
		free(c);
		break;
	}
	default: /* the switch's own reports, sent to it */
		vsxd_of_error(s, OFP_ERR_BAD_EXP_TYPE, raw, len);
		break;
	}
	vsx_exp_free(&e);
}

void vsxd_of_vsx_hello(struct vsxd_of_sess *s)
{
	send_host(s, s->conn ? vsx_ofconn_next_xid(s->conn) : 0);
	for (size_t i = 0; i < s->d->conf.n_vms && i < VSX_EXP_MAX_VMS; i++) {
		struct vsx_vm_port_info v;
		struct ofp_buf body;
		struct ofp_msg m;

		vsxd_of_vm_info(s->d, i, VSX_VM_ADD, &v);
		ofp_buf_init(&body);
		if (vsx_exp_vm_port_status(&m, &body, s->version, 0, &v) == 0)
			vsxd_of_put(s, &m);
		ofp_buf_free(&body);
	}
}
