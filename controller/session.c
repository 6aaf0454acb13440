// SPDX-License-Identifier: MIT
/*
 * One OpenFlow session with a host (vsxd as a switch): what the controller asks when the
 * connection comes up (FEATURES, PORT_DESC, the vsx HOST_INFO and VM_PORTS, and a FLOW_STATS
 * of its own cookies), and what it does with every reply and report. A host is synced -- gets
 * rule updates -- once its VMs and its installed rules are known; until then, and while it is
 * away, its rules stay as they are on the switch (fail-secure).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "evloop.h"
#include "log.h"
#include "vsx/ofp_wire.h"

struct ctrl_sess *ctrl_sess_new(struct ctrl *c)
{
	struct ctrl_sess *s = calloc(1, sizeof(*s));

	if (s) {
		s->ctrl = c;
		c->n_sessions++;
		s->next = c->sessions;
		if (c->sessions)
			c->sessions->prev = s;
		c->sessions = s;
	}
	return s;
}

static void sess_reset(struct ctrl_sess *s)
{
	ctrl_sess_barriers_fail(s->ctrl, s);
	ctrl_slots_free(&s->seen);
	s->have_vms = s->have_flows = false;
	s->dirty = false;
	s->stale = false;
	s->xid_features = s->xid_vms = s->xid_flows = s->xid_info = 0;
}

static void sess_free(struct ctrl_sess *s)
{
	struct ctrl *c = s->ctrl;

	sess_reset(s);
	free(s->barriers);
	c->n_sessions--;
	if (s->prev)
		s->prev->next = s->next;
	else
		c->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

void ctrl_sess_close_all(struct ctrl *c)
{
	while (c->sessions) {
		struct ctrl_sess *s = c->sessions;

		if (s->host && s->host->sess == s)
			s->host->sess = NULL;
		if (s->conn)
			vsx_ofconn_close(s->conn);
		sess_free(s);
	}
}

static void detach(struct ctrl_sess *s, const char *why)
{
	struct ctrl_host *h = s->host;

	if (!h)
		return;
	if (h->sess == s) {
		h->sess = NULL;
		h->synced = false;
		h->down_since_ms = vsx_loop_now_ms();
		log_info("host %#llx (%s) down: %s; its rules stay on the switch",
			 (unsigned long long)h->dpid, vsx_ofconn_peer(s->conn), why);
	}
	s->host = NULL;
}

void ctrl_on_accept(struct vsx_oflistener *l, struct vsx_ofconn *conn, void *ctx)
{
	struct ctrl_sess *s = ctrl_sess_new(ctx);

	if (!s) {
		log_err("out of memory for a session; dropping %s", vsx_ofconn_peer(conn));
		vsx_ofconn_close(conn);
		return;
	}
	s->conn = conn;
	vsx_ofconn_set_user(conn, s);
}

static __u32 send_simple(struct ctrl_sess *s, struct ofp_msg *m)
{
	m->xid = vsx_ofconn_next_xid(s->conn);
	return vsx_ofconn_send(s->conn, m) ? 0 : m->xid;
}

static __u32 send_vsx_request(struct ctrl_sess *s, __u32 type)
{
	struct ofp_msg m;
	struct ofp_buf body;
	__u32 xid = vsx_ofconn_next_xid(s->conn);

	ofp_buf_init(&body);
	if (vsx_exp_request(&m, &body, vsx_ofconn_version(s->conn), xid, type) ||
	    vsx_ofconn_send(s->conn, &m))
		xid = 0;
	ofp_buf_free(&body);
	return xid;
}

static void on_up(struct vsx_ofconn *conn, void *ctx)
{
	struct ctrl_sess *s = vsx_ofconn_user(conn);
	struct ofp_msg m;

	sess_reset(s);
	vsx_ofconn_cork(conn, true);
	memset(&m, 0, sizeof(m));
	m.kind = OFPK_FEATURES_REQUEST;
	s->xid_features = send_simple(s, &m);
	memset(&m, 0, sizeof(m));
	m.kind = OFPK_PORT_DESC_REQUEST;
	send_simple(s, &m);
	s->xid_info = send_vsx_request(s, VSX_EXP_HOST_INFO_REQUEST);
	s->xid_vms = send_vsx_request(s, VSX_EXP_VM_PORTS_REQUEST);
	memset(&m, 0, sizeof(m));
	m.kind = OFPK_FLOW_STATS_REQUEST;
	m.flow_req.table_id = OFPTT_ALL;
	m.flow_req.out_port = OFPP13_ANY;
	m.flow_req.out_group = OFPG13_ANY;
	m.flow_req.cookie = CTRL_COOKIE_TAG << CTRL_COOKIE_SHIFT;
	m.flow_req.cookie_mask = CTRL_COOKIE_MASK;
	s->xid_flows = send_simple(s, &m);
	vsx_ofconn_cork(conn, false);
}

/* The session speaks for datapath dpid: its host record (kept across reconnects). */
static void attach(struct ctrl_sess *s, __u64 dpid)
{
	struct ctrl *c = s->ctrl;
	struct ctrl_host *h;

	if (s->host || s->stale)
		return;
	h = ctrl_host_get(c, dpid);
	if (!h) {
		log_err("out of memory for host %#llx", (unsigned long long)dpid);
		return;
	}
	if (h->sess && h->sess != s) {
		struct ctrl_sess *old = h->sess;

		log_warn("host %#llx connected again from %s; dropping its session from %s",
			 (unsigned long long)dpid, vsx_ofconn_peer(s->conn),
			 vsx_ofconn_peer(old->conn));
		detach(old, "replaced by a newer session");
		if (old->active) {
			old->stale = true;
		} else {
			vsx_ofconn_close(old->conn); /* another connection: safe here */
			sess_free(old);
		}
	}
	h->sess = s;
	h->synced = false;
	h->connects++;
	h->up_since_ms = vsx_loop_now_ms();
	s->host = h;
	log_info("host %#llx up (%s, %s)", (unsigned long long)dpid, vsx_ofconn_peer(s->conn),
		 ofp_version_name(vsx_ofconn_version(s->conn)));
}

static void maybe_sync(struct ctrl_sess *s)
{
	struct ctrl_host *h = s->host;
	unsigned long long chg;

	if (!h || h->sess != s || h->synced || !s->have_vms || !s->have_flows)
		return;
	/* What the switch has is what we believe from now on. */
	ctrl_slots_free(&h->inst);
	h->inst = s->seen;
	memset(&s->seen, 0, sizeof(s->seen));
	h->synced = true;
	chg = ctrl_change_begin(s->ctrl, "host %#llx resync", (unsigned long long)h->dpid);
	ctrl_sync_host(s->ctrl, h, chg);
}

static void host_error(struct ctrl_sess *s, const struct ofp_msg *m)
{
	struct ctrl *c = s->ctrl;
	char text[200];

	c->errors++;
	snprintf(text, sizeof(text), "ERROR type %u code %u for xid %#x", m->error.type,
		 m->error.code, m->xid);
	log_rl(VSX_LOG_WARN, "%s: %s", vsx_ofconn_peer(s->conn), text);
	if (s->host) {
		s->host->errors++;
		snprintf(s->host->last_error, sizeof(s->host->last_error), "%s", text);
	}
	/* A switch that cannot answer a sync request: proceed without that knowledge (rules
	 * are re-added, stale ones cannot be found). */
	if (m->xid == s->xid_flows && !s->have_flows) {
		s->have_flows = true;
		maybe_sync(s);
	}
	if (m->xid == s->xid_vms && !s->have_vms) {
		s->have_vms = true;
		maybe_sync(s);
	}
}

static void on_vsx(struct ctrl_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	struct ctrl *c = s->ctrl;
	struct vsx_exp e;
	struct ofp_status st;

	if (vsx_exp_decode(m, &e, &st)) {
		struct ofp_buf b;

		log_rl(VSX_LOG_WARN, "%s: bad vsx message: %s", vsx_ofconn_peer(s->conn), st.text);
		ofp_buf_init(&b);
		if (!ofp_encode_error_reply(&b, vsx_ofconn_version(s->conn), st.err, raw, len))
			vsx_ofconn_send_raw(s->conn, b.data, b.len);
		ofp_buf_free(&b);
		return;
	}
	switch (e.type) {
	case VSX_EXP_HOST_INFO:
		attach(s, e.host.datapath_id);
		if (s->host) {
			bool cores_changed = s->host->info.n_cores != e.host.n_cores;

			s->host->info = e.host;
			s->host->have_info = true;
			/* VMs waiting for a core count get their steering now. */
			if (cores_changed && s->host->synced) {
				unsigned long long chg = ctrl_change_begin(
				    c, "host %#llx cores", (unsigned long long)s->host->dpid);

				for (size_t i = 0; i < c->n_vms; i++)
					if (c->vms[i]->host == s->host)
						ctrl_vm_refresh(c, c->vms[i]);
				ctrl_sync_host(c, s->host, chg);
			}
		}
		break;
	case VSX_EXP_VM_PORT_STATUS:
		if (!s->host)
			break; /* VM_PORTS_REPLY will tell */
		if (e.vm.reason == VSX_VM_DELETE) {
			char name[VSX_EXP_VMNAME_LEN + 1];

			snprintf(name, sizeof(name), "%.*s", VSX_EXP_VMNAME_LEN, e.vm.name);
			ctrl_vm_gone(c, s->host, name);
		} else {
			ctrl_vm_report(c, s->host, &e.vm);
		}
		break;
	case VSX_EXP_VM_PORTS_REPLY:
		if (!s->host)
			break;
		ctrl_host_vms_replace(c, s->host, e.vms.v, e.vms.n);
		s->have_vms = true;
		maybe_sync(s);
		break;
	default:
		break;
	}
	vsx_exp_free(&e);
}

static void on_flow_stats(struct ctrl_sess *s, const struct ofp_msg *m)
{
	for (size_t i = 0; i < m->flows.n; i++) {
		__u64 ck = m->flows.v[i].cookie;

		if ((ck & CTRL_COOKIE_MASK) == CTRL_COOKIE_TAG << CTRL_COOKIE_SHIFT)
			ctrl_slots_put(&s->seen, ck);
	}
	if (!(m->stats_flags & 1)) {
		s->have_flows = true;
		maybe_sync(s);
	}
}

static void on_msg(struct vsx_ofconn *conn, const struct ofp_msg *m, const void *raw, size_t len,
		   void *ctx)
{
	struct ctrl_sess *s = vsx_ofconn_user(conn);

	s->msgs++;
	switch (m->kind) {
	case OFPK_FEATURES_REPLY:
		attach(s, m->features.datapath_id);
		break;
	case OFPK_PORT_DESC_REPLY:
		if (s->host)
			s->host->n_ports = m->ports.n;
		break;
	case OFPK_EXPERIMENTER:
		if (vsx_exp_is_ours(m))
			on_vsx(s, m, raw, len);
		break;
	case OFPK_FLOW_STATS_REPLY:
		if (m->xid == s->xid_flows)
			on_flow_stats(s, m);
		break;
	case OFPK_BARRIER_REPLY:
		ctrl_barrier_reply(s->ctrl, s, m->xid);
		break;
	case OFPK_FLOW_REMOVED:
		/* One of ours went (a timeout, someone else's delete): the next sync re-adds. */
		if (s->host && ctrl_slots_get(&s->host->inst, ctrl_cookie_slot(m->flow_removed.cookie)) ==
				   m->flow_removed.cookie)
			ctrl_slots_del(&s->host->inst, ctrl_cookie_slot(m->flow_removed.cookie));
		break;
	case OFPK_ERROR:
		host_error(s, m);
		break;
	default:
		break;
	}
}

static void on_down(struct vsx_ofconn *conn, const char *why, void *ctx)
{
	struct ctrl_sess *s = vsx_ofconn_user(conn);

	if (!s)
		return;
	detach(s, why);
	sess_reset(s);
	/* An accepted connection is freed after this; an active one reconnects and keeps its
	 * session (its user pointer stays). */
	if (!s->active)
		sess_free(s);
}

const struct vsx_ofconn_cbs ctrl_ofconn_cbs = {on_up, on_msg, on_down};
