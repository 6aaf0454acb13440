// SPDX-License-Identifier: MIT
/*
 * vsxd as an OpenFlow 1.0/1.3 switch: active connections to the configured controllers,
 * listeners for tools, a session per negotiated connection fed to the handler
 * (of_handle.c), and what the switch tells every session unasked (FLOW_REMOVED, PORT_STATUS,
 * the vsx reports). Connection loss changes no rule: what is installed stays and keeps
 * steering (fail-secure); a controller that comes back reads the table and resyncs.
 */
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "ofp_conn.h"
#include "openflow.h"
#include "vsx/ofp_wire.h"

#define VERSIONS (1u << OFP10_VERSION | 1u << OFP13_VERSION)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 8000
#define PORT_CHECK_MS 1000

void vsxd_of_send_all(struct vsxd *d)
{
	struct vsxd_of_sess *s, *next;

	if (!d->of)
		return;
	for (s = d->of->sessions; s; s = next) {
		next = s->next;
		if (!s->conn || !s->out.len)
			continue;
		if (vsx_ofconn_send_raw(s->conn, s->out.data, s->out.len))
			log_rl(VSX_LOG_WARN, "openflow %s: send failed", vsx_ofconn_peer(s->conn));
		s->out.len = 0;
	}
}

static void on_up(struct vsx_ofconn *c, void *ctx)
{
	struct vsxd *d = ctx;
	struct vsxd_of_sess *s = vsxd_of_sess_new(d, vsx_ofconn_version(c), c);
	bool active = false;

	if (!s) {
		log_err("openflow %s: out of memory for a session", vsx_ofconn_peer(c));
		vsx_ofconn_close(c);
		return;
	}
	for (size_t i = 0; i < d->of->n_conns; i++)
		active |= d->of->conns[i] == c;
	s->controller = active;
	vsx_ofconn_set_user(c, s);
	if (active) /* the paper's first report: what this host is, and its VMs */
		vsxd_of_vsx_hello(s);
	vsxd_of_send_all(d);
}

static void on_msg(struct vsx_ofconn *c, const struct ofp_msg *m, const void *raw, size_t len,
		   void *ctx)
{
	struct vsxd *d = ctx;
	struct vsxd_of_sess *s = vsx_ofconn_user(c);

	if (!s)
		return;
	vsxd_of_handle(s, m, raw, len);
	vsxd_of_send_all(d);
}

static void on_down(struct vsx_ofconn *c, const char *why, void *ctx)
{
	struct vsxd *d = ctx;
	struct vsxd_of_sess *s = vsx_ofconn_user(c);

	log_info("openflow %s: down (%s); the installed rules stay", vsx_ofconn_peer(c), why);
	vsx_ofconn_set_user(c, NULL);
	vsxd_of_sess_free(s); /* applies its pending FLOW_MODs first */
	vsxd_of_send_all(d);
}

static void on_accept(struct vsx_oflistener *l, struct vsx_ofconn *c, void *ctx)
{
	(void)l;
	(void)c;
	(void)ctx; /* the session starts at on_up */
}

/* The batch's timer: the stream paused, or the batch is old enough. */
static void flush_cb(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct vsxd *d = ctx;
	unsigned long long now = vsx_loop_now_ms();

	if (d->of->n_pending && now - d->of->last_fm_ms < VSXD_OF_FLUSH_IDLE_MS &&
	    now - d->of->first_fm_ms < VSXD_OF_FLUSH_MAX_MS) {
		vsx_loop_timer_arm(loop, t, VSXD_OF_FLUSH_IDLE_MS);
		return;
	}
	vsxd_of_flush(d);
	vsxd_of_send_all(d);
}

static void port_cb(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct vsxd *d = ctx;

	(void)loop;
	(void)t;
	vsxd_of_ports_changed(d);
	vsxd_of_vm_pins_changed(d, true);
	vsxd_of_send_all(d);
}

static int open_conns(struct vsxd *d)
{
	const struct vsxd_conf *c = &d->conf;
	struct vsxd_of *of = d->of;
	static struct vsx_tls_conf tls;
	struct vsx_ofconn_conf cc = {
	    .versions = VERSIONS,
	    .echo_interval_ms = c->of_echo_ms,
	    .backoff_min_ms = BACKOFF_MIN_MS,
	    .backoff_max_ms = BACKOFF_MAX_MS,
	};
	struct vsx_ofconn_cbs cbs = {.on_up = on_up, .on_msg = on_msg, .on_down = on_down};
	char err[256];

	if (c->ssl_key[0]) {
		tls = (struct vsx_tls_conf){c->ssl_key, c->ssl_cert, c->ssl_ca};
		cc.tls = &tls;
	}
	of->conns = calloc(c->n_of_controllers + 1, sizeof(*of->conns));
	of->listeners = calloc(c->n_of_listen + 1, sizeof(*of->listeners));
	if (!of->conns || !of->listeners)
		return -1;
	cc.name = "controller";
	for (size_t i = 0; i < c->n_of_controllers; i++) {
		if (vsx_ofconn_connect(d->loop, c->of_controllers[i], &cc, &cbs, d,
				       &of->conns[of->n_conns], err, sizeof(err))) {
			log_err("openflow: controller %s: %s", c->of_controllers[i], err);
			return -1;
		}
		of->n_conns++;
		log_info("openflow: connecting to controller %s", c->of_controllers[i]);
	}
	cc.name = "openflow peer";
	for (size_t i = 0; i < c->n_of_listen; i++) {
		if (vsx_oflisten(d->loop, c->of_listen[i], &cc, &cbs, on_accept, d,
				 &of->listeners[of->n_listeners], err, sizeof(err))) {
			log_err("openflow: listen %s: %s", c->of_listen[i], err);
			return -1;
		}
		of->n_listeners++;
		log_info("openflow: listening on %s", c->of_listen[i]);
	}
	return 0;
}

int vsxd_of_open(struct vsxd *d)
{
	struct vsxd_of *of = calloc(1, sizeof(*of));

	d->of = of;
	if (!of)
		return -1;
	of->d = d;
	of->nl_fd = -1;
	of->n_ports = vsxd_of_ports(d, of->ports, VSXD_OF_MAX_PORTS);
	vsxd_of_vm_pins_changed(d, false);
	if (!d->loop || (!d->conf.n_of_controllers && !d->conf.n_of_listen))
		return 0; /* no OpenFlow configured (or a unit test without a loop) */
	of->flush_timer = vsx_loop_add_timer(d->loop, 3600 * 1000, 0, flush_cb, d);
	of->port_timer = vsx_loop_add_timer(d->loop, PORT_CHECK_MS, PORT_CHECK_MS, port_cb, d);
	if (!of->flush_timer || !of->port_timer || open_conns(d)) {
		vsxd_of_close(d);
		return -1;
	}
	vsxd_of_link_open(d);
	return 0;
}

void vsxd_of_close(struct vsxd *d)
{
	struct vsxd_of *of = d->of;

	if (!of)
		return;
	vsxd_of_flush(d);
	vsxd_of_send_all(d);
	for (size_t i = 0; i < of->n_listeners; i++)
		vsx_oflistener_close(of->listeners[i]);
	while (of->sessions) {
		struct vsxd_of_sess *s = of->sessions;
		struct vsx_ofconn *c = s->conn;
		bool active = false;

		for (size_t i = 0; i < of->n_conns; i++)
			active |= of->conns[i] == c;
		vsxd_of_sess_free(s);
		if (c && !active)
			vsx_ofconn_close(c);
	}
	for (size_t i = 0; i < of->n_conns; i++)
		vsx_ofconn_close(of->conns[i]);
	if (d->loop) {
		vsx_loop_del_timer(d->loop, of->flush_timer);
		vsx_loop_del_timer(d->loop, of->port_timer);
	}
	vsxd_of_link_close(d);
	free(of->conns);
	free(of->listeners);
	free(of->pending);
	free(of);
	d->of = NULL;
}

void vsxd_of_rule_removed(struct vsxd *d, const struct vsx_rule *old, int reason)
{
	vsxd_of_flow_removed(d, old, reason);
	/* Sent by the caller's send_all, or at the end of the tick that expired the rule. */
	if (d->of && d->loop && d->of->flush_timer)
		vsx_loop_timer_arm(d->loop, d->of->flush_timer, 0);
}
