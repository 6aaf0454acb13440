// SPDX-License-Identifier: MIT
/*
 * vsx experimenter messages (lib/ofp_vsx.h): fixed records in network order. Each body is
 * checked against its exact size (lists: header + count * record) before a byte is read.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ofp_internal.h"
#include "ofp_vsx.h"
#include "vsx/compat.h"

struct w_host_info {
	__be64 datapath_id;
	__be32 n_cores;
	__be32 n_rx_queues;
	__be32 uplink_port;
	__be32 caps;
	__u8 xdp_mode;
	__u8 steer_mode;
	__be16 vxlan_port;
	__be32 max_rules;
	char uplink[VSX_EXP_NAME_LEN];
	char driver[VSX_EXP_NAME_LEN];
};
VSX_ASSERT_SIZE(struct w_host_info, VSX_EXP_HOST_INFO_LEN);

struct w_vm_port {
	__be32 port_no;
	__u8 reason;
	__u8 vm_id;
	__u8 flags;
	__u8 pad;
	__be32 vni;
	__be32 tenant_id;
	__u8 hw_addr[6];
	__u8 pad2[2];
	__be64 cpus[VSX_EXP_CPU_WORDS];
	char name[VSX_EXP_VMNAME_LEN];
	char tenant[VSX_EXP_VMNAME_LEN];
	char port[VSX_EXP_NAME_LEN];
};
VSX_ASSERT_SIZE(struct w_vm_port, VSX_EXP_VM_PORT_LEN);

struct w_core {
	__be32 core;
	__u8 flags;
	__u8 load;
	__u8 pinned_vm;
	__u8 pad;
	__be32 auto_rules;
	__be32 auto_rules_prio;
	__be64 packets;
	__be64 bytes;
};
VSX_ASSERT_SIZE(struct w_core, VSX_EXP_CORE_LEN);

struct w_list_hdr {
	__be32 n;
	__u8 pad[4];
};
VSX_ASSERT_SIZE(struct w_list_hdr, VSX_EXP_LIST_HDR_LEN);

static const char *const type_names[] = {
    [VSX_EXP_HOST_INFO] = "HOST_INFO",
    [VSX_EXP_HOST_INFO_REQUEST] = "HOST_INFO_REQUEST",
    [VSX_EXP_VM_PORT_STATUS] = "VM_PORT_STATUS",
    [VSX_EXP_VM_PORTS_REQUEST] = "VM_PORTS_REQUEST",
    [VSX_EXP_VM_PORTS_REPLY] = "VM_PORTS_REPLY",
    [VSX_EXP_CORE_TABLE_REQUEST] = "CORE_TABLE_REQUEST",
    [VSX_EXP_CORE_TABLE_REPLY] = "CORE_TABLE_REPLY",
};

const char *vsx_exp_type_name(__u32 type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

bool vsx_exp_is_ours(const struct ofp_msg *m)
{
	return m->kind == OFPK_EXPERIMENTER && m->exp.experimenter == VSX_OFP_EXPERIMENTER;
}

/* Wire strings: NUL padded, not necessarily terminated; host strings always terminated. */
static void str_in(char *dst, const char *src, size_t n)
{
	ofp_str_from_wire(dst, src, n);
}

static void str_out(char *dst, const char *src, size_t n)
{
	size_t l = strnlen(src, n);

	memset(dst, 0, n);
	memcpy(dst, src, l < n ? l : n);
}

static void host_from_wire(const struct w_host_info *w, struct vsx_host_info *h)
{
	memset(h, 0, sizeof(*h));
	h->datapath_id = be64toh(w->datapath_id);
	h->n_cores = be32toh(w->n_cores);
	h->n_rx_queues = be32toh(w->n_rx_queues);
	h->uplink_port = be32toh(w->uplink_port);
	h->caps = be32toh(w->caps);
	h->xdp_mode = w->xdp_mode;
	h->steer_mode = w->steer_mode;
	h->vxlan_port = be16toh(w->vxlan_port);
	h->max_rules = be32toh(w->max_rules);
	str_in(h->uplink, w->uplink, sizeof(w->uplink));
	str_in(h->driver, w->driver, sizeof(w->driver));
}

static void host_to_wire(const struct vsx_host_info *h, struct w_host_info *w)
{
	memset(w, 0, sizeof(*w));
	w->datapath_id = htobe64(h->datapath_id);
	w->n_cores = htobe32(h->n_cores);
	w->n_rx_queues = htobe32(h->n_rx_queues);
	w->uplink_port = htobe32(h->uplink_port);
	w->caps = htobe32(h->caps);
	w->xdp_mode = h->xdp_mode;
	w->steer_mode = h->steer_mode;
	w->vxlan_port = htobe16(h->vxlan_port);
	w->max_rules = htobe32(h->max_rules);
	str_out(w->uplink, h->uplink, sizeof(w->uplink));
	str_out(w->driver, h->driver, sizeof(w->driver));
}

static void vm_from_wire(const struct w_vm_port *w, struct vsx_vm_port_info *v)
{
	memset(v, 0, sizeof(*v));
	v->port_no = be32toh(w->port_no);
	v->reason = w->reason;
	v->vm_id = w->vm_id;
	v->flags = w->flags;
	v->vni = be32toh(w->vni);
	v->tenant_id = be32toh(w->tenant_id);
	memcpy(v->hw_addr, w->hw_addr, sizeof(v->hw_addr));
	for (int i = 0; i < VSX_EXP_CPU_WORDS; i++)
		v->cpus[i] = be64toh(w->cpus[i]);
	str_in(v->name, w->name, sizeof(w->name));
	str_in(v->tenant, w->tenant, sizeof(w->tenant));
	str_in(v->port, w->port, sizeof(w->port));
}

static void vm_to_wire(const struct vsx_vm_port_info *v, struct w_vm_port *w)
{
	memset(w, 0, sizeof(*w));
	w->port_no = htobe32(v->port_no);
	w->reason = v->reason;
	w->vm_id = v->vm_id;
	w->flags = v->flags;
	w->vni = htobe32(v->vni);
	w->tenant_id = htobe32(v->tenant_id);
	memcpy(w->hw_addr, v->hw_addr, sizeof(w->hw_addr));
	for (int i = 0; i < VSX_EXP_CPU_WORDS; i++)
		w->cpus[i] = htobe64(v->cpus[i]);
	str_out(w->name, v->name, sizeof(w->name));
	str_out(w->tenant, v->tenant, sizeof(w->tenant));
	str_out(w->port, v->port, sizeof(w->port));
}

static void core_from_wire(const struct w_core *w, struct vsx_core_info *c)
{
	memset(c, 0, sizeof(*c));
	c->core = be32toh(w->core);
	c->flags = w->flags;
	c->load = w->load;
	c->pinned_vm = w->pinned_vm;
	c->auto_rules = be32toh(w->auto_rules);
	c->auto_rules_prio = be32toh(w->auto_rules_prio);
	c->packets = be64toh(w->packets);
	c->bytes = be64toh(w->bytes);
}

static void core_to_wire(const struct vsx_core_info *c, struct w_core *w)
{
	memset(w, 0, sizeof(*w));
	w->core = htobe32(c->core);
	w->flags = c->flags;
	w->load = c->load;
	w->pinned_vm = c->pinned_vm;
	w->auto_rules = htobe32(c->auto_rules);
	w->auto_rules_prio = htobe32(c->auto_rules_prio);
	w->packets = htobe64(c->packets);
	w->bytes = htobe64(c->bytes);
}

static int bad_len(struct ofp_status *st, __u32 type, size_t got, size_t want)
{
	return ofp_fail(st, OFP_ERR_BAD_LEN, "vsx %s: body of %zu bytes, %zu expected",
			vsx_exp_type_name(type), got, want);
}

/* A list body: header with the count, then exactly count records of rec bytes. */
static int list_count(const struct ofp_experimenter *e, size_t rec, size_t max, size_t *n,
		      struct ofp_status *st)
{
	struct w_list_hdr h;

	if (e->len < sizeof(h))
		return bad_len(st, e->subtype, e->len, sizeof(h));
	memcpy(&h, e->data, sizeof(h));
	*n = be32toh(h.n);
	if (*n > max)
		return ofp_fail(st, OFP_ERR_BAD_LEN, "vsx %s: %zu entries, at most %zu",
				vsx_exp_type_name(e->subtype), *n, max);
	if (e->len != sizeof(h) + *n * rec)
		return bad_len(st, e->subtype, e->len, sizeof(h) + *n * rec);
	return 0;
}

int vsx_exp_decode(const struct ofp_msg *m, struct vsx_exp *out, struct ofp_status *st)
{
	const struct ofp_experimenter *e = &m->exp;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!vsx_exp_is_ours(m))
		return ofp_fail(st, OFP_ERR_BAD_EXPERIMENTER, "experimenter 0x%08x is not vsx's",
				e->experimenter);
	if (!e->has_subtype)
		return ofp_fail(st, OFP_ERR_BAD_LEN, "vsx message without an exp_type");
	out->type = e->subtype;
	switch (e->subtype) {
	case VSX_EXP_HOST_INFO_REQUEST:
	case VSX_EXP_VM_PORTS_REQUEST:
	case VSX_EXP_CORE_TABLE_REQUEST:
		if (e->len)
			return bad_len(st, e->subtype, e->len, 0);
		return 0;
	case VSX_EXP_HOST_INFO: {
		struct w_host_info w;

		if (e->len != sizeof(w))
			return bad_len(st, e->subtype, e->len, sizeof(w));
		memcpy(&w, e->data, sizeof(w));
		host_from_wire(&w, &out->host);
		return 0;
	}
	case VSX_EXP_VM_PORT_STATUS: {
		struct w_vm_port w;

		if (e->len != sizeof(w))
			return bad_len(st, e->subtype, e->len, sizeof(w));
		memcpy(&w, e->data, sizeof(w));
		vm_from_wire(&w, &out->vm);
		return 0;
	}
	case VSX_EXP_VM_PORTS_REPLY:
		rc = list_count(e, sizeof(struct w_vm_port), VSX_EXP_MAX_VMS, &n, st);
		if (rc)
			return rc;
		out->vms.v = calloc(n ? n : 1, sizeof(*out->vms.v));
		if (!out->vms.v)
			return ofp_oom(st);
		for (size_t i = 0; i < n; i++) {
			struct w_vm_port w;

			memcpy(&w, e->data + VSX_EXP_LIST_HDR_LEN + i * sizeof(w), sizeof(w));
			vm_from_wire(&w, &out->vms.v[i]);
		}
		out->vms.n = n;
		return 0;
	case VSX_EXP_CORE_TABLE_REPLY:
		rc = list_count(e, sizeof(struct w_core), VSX_EXP_MAX_CORES, &n, st);
		if (rc)
			return rc;
		out->cores.v = calloc(n ? n : 1, sizeof(*out->cores.v));
		if (!out->cores.v)
			return ofp_oom(st);
		for (size_t i = 0; i < n; i++) {
			struct w_core w;

			memcpy(&w, e->data + VSX_EXP_LIST_HDR_LEN + i * sizeof(w), sizeof(w));
			core_from_wire(&w, &out->cores.v[i]);
		}
		out->cores.n = n;
		return 0;
	default:
		return ofp_fail(st, OFP_ERR_BAD_EXP_TYPE, "vsx exp_type %u unknown", e->subtype);
	}
}

void vsx_exp_free(struct vsx_exp *e)
{
	if (e->type == VSX_EXP_VM_PORTS_REPLY)
		free(e->vms.v);
	else if (e->type == VSX_EXP_CORE_TABLE_REPLY)
		free(e->cores.v);
	memset(e, 0, sizeof(*e));
}

static int finish(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid, __u32 type)
{
	if (body->oom)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->kind = OFPK_EXPERIMENTER;
	m->xid = xid;
	m->exp.experimenter = VSX_OFP_EXPERIMENTER;
	m->exp.subtype = type;
	m->exp.has_subtype = true;
	m->exp.data = body->data;
	m->exp.len = body->len;
	return 0;
}

int vsx_exp_request(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
		    __u32 exp_type)
{
	if (exp_type != VSX_EXP_HOST_INFO_REQUEST && exp_type != VSX_EXP_VM_PORTS_REQUEST &&
	    exp_type != VSX_EXP_CORE_TABLE_REQUEST)
		return -EINVAL;
	body->len = 0;
	return finish(m, body, version, xid, exp_type);
}

int vsx_exp_host_info(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
		      const struct vsx_host_info *h)
{
	struct w_host_info w;

	body->len = 0;
	host_to_wire(h, &w);
	ofp_put(body, &w, sizeof(w));
	return finish(m, body, version, xid, VSX_EXP_HOST_INFO);
}

int vsx_exp_vm_port_status(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			   const struct vsx_vm_port_info *vm)
{
	struct w_vm_port w;

	body->len = 0;
	vm_to_wire(vm, &w);
	ofp_put(body, &w, sizeof(w));
	return finish(m, body, version, xid, VSX_EXP_VM_PORT_STATUS);
}

static void put_list_hdr(struct ofp_buf *body, size_t n)
{
	struct w_list_hdr h = {.n = htobe32((__u32)n)};

	body->len = 0;
	ofp_put(body, &h, sizeof(h));
}

int vsx_exp_vm_ports_reply(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			   const struct vsx_vm_port_info *vms, size_t n)
{
	if (n > VSX_EXP_MAX_VMS)
		return -EINVAL;
	put_list_hdr(body, n);
	for (size_t i = 0; i < n; i++) {
		struct w_vm_port w;

		vm_to_wire(&vms[i], &w);
		ofp_put(body, &w, sizeof(w));
	}
	return finish(m, body, version, xid, VSX_EXP_VM_PORTS_REPLY);
}

int vsx_exp_core_table_reply(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			     const struct vsx_core_info *cores, size_t n)
{
	if (n > VSX_EXP_MAX_CORES)
		return -EINVAL;
	put_list_hdr(body, n);
	for (size_t i = 0; i < n; i++) {
		struct w_core w;

		core_to_wire(&cores[i], &w);
		ofp_put(body, &w, sizeof(w));
	}
	return finish(m, body, version, xid, VSX_EXP_CORE_TABLE_REPLY);
}

/* ---- printing ---- */

static void print_cpus(struct strbuf *sb, const __u64 *cpus)
{
	const char *sep = "";

	strbuf_puts(sb, "[");
	for (unsigned int c = 0; c < 64 * VSX_EXP_CPU_WORDS; c++) {
		if (cpus[c / 64] >> (c % 64) & 1) {
			strbuf_printf(sb, "%s%u", sep, c);
			sep = ",";
		}
	}
	strbuf_puts(sb, "]");
}

static void print_vm(struct strbuf *sb, const struct vsx_vm_port_info *v)
{
	static const char *const reasons[] = {"add", "delete", "modify", "present"};

	strbuf_printf(sb, "{reason=%s vm_id=%u name=", v->reason < 4 ? reasons[v->reason] : "?",
		      v->vm_id);
	ofp_print_str(sb, v->name);
	strbuf_printf(sb, " port_no=%u port=", v->port_no);
	ofp_print_str(sb, v->port);
	strbuf_printf(sb, " flags=0x%x vni=%u tenant_id=%u tenant=", v->flags, v->vni,
		      v->tenant_id);
	ofp_print_str(sb, v->tenant);
	strbuf_printf(sb, " hw_addr=%02x:%02x:%02x:%02x:%02x:%02x cpus=", v->hw_addr[0],
		      v->hw_addr[1], v->hw_addr[2], v->hw_addr[3], v->hw_addr[4], v->hw_addr[5]);
	print_cpus(sb, v->cpus);
	strbuf_puts(sb, "}");
}

void vsx_exp_print(const struct vsx_exp *e, struct strbuf *sb)
{
	strbuf_printf(sb, "vsx %s", vsx_exp_type_name(e->type));
	switch (e->type) {
	case VSX_EXP_HOST_INFO: {
		const struct vsx_host_info *h = &e->host;

		strbuf_printf(sb,
			      " dpid=0x%016llx cores=%u rx_queues=%u uplink_port=%u caps=0x%x "
			      "xdp_mode=%u mode=%u vxlan_port=%u max_rules=%u uplink=",
			      (unsigned long long)h->datapath_id, h->n_cores, h->n_rx_queues,
			      h->uplink_port, h->caps, h->xdp_mode, h->steer_mode, h->vxlan_port,
			      h->max_rules);
		ofp_print_str(sb, h->uplink);
		strbuf_puts(sb, " driver=");
		ofp_print_str(sb, h->driver);
		break;
	}
	case VSX_EXP_VM_PORT_STATUS:
		strbuf_puts(sb, " ");
		print_vm(sb, &e->vm);
		break;
	case VSX_EXP_VM_PORTS_REPLY:
		strbuf_printf(sb, " n=%zu", e->vms.n);
		for (size_t i = 0; i < e->vms.n; i++) {
			strbuf_puts(sb, " ");
			print_vm(sb, &e->vms.v[i]);
		}
		break;
	case VSX_EXP_CORE_TABLE_REPLY:
		strbuf_printf(sb, " n=%zu", e->cores.n);
		for (size_t i = 0; i < e->cores.n; i++) {
			const struct vsx_core_info *c = &e->cores.v[i];

			strbuf_printf(sb,
				      " {core=%u flags=0x%x load=%u pinned_vm=%u auto=%u "
				      "auto_prio=%u packets=%llu bytes=%llu}",
				      c->core, c->flags, c->load, c->pinned_vm, c->auto_rules,
				      c->auto_rules_prio, (unsigned long long)c->packets,
				      (unsigned long long)c->bytes);
		}
		break;
	default:
		break;
	}
}
