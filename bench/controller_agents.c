// SPDX-License-Identifier: MIT
/*
 * Simulated vsx hosts for bench/controller and the controller's tests: N OpenFlow 1.3
 * switches in one process, each on its own TCP connection (lib/ofp_conn.c) to a controller,
 * speaking the real protocol: HELLO, FEATURES, PORT_DESC, FLOW_STATS of the flows it holds,
 * FLOW_MOD (ADD replaces the entry of the same cookie slot or match; DELETE by cookie and
 * mask), BARRIER, ECHO, and the vsx experimenter reports (HOST_INFO after connecting,
 * VM_PORT_STATUS when a VM starts, VM_PORTS_REPLY on request) of lib/ofp_vsx.h.
 *
 *   controller_agents --controller TARGET --hosts N [--socket PATH | --settle-ms MS]
 *                     [--rounds R] [--cores C] [--timeout-ms MS] [--move]
 *
 * It waits until the controller shows every host synced (`show --json` on vsx-controller's
 * control socket; with --settle-ms, for a controller without one: every host negotiated and
 * MS more), then R times: host (r % N) reports a new VM (VM ID r+1, a MAC of its own) and every
 * host records when the BARRIER arrives that closes the FLOW_MOD naming that VM's rule (the
 * steering rule on the VM's host, the FCF rule on every other). A round's convergence is the
 * last such time minus the time the report was sent: one clock, one process. Then every host
 * must hold one steering rule per VM it runs and one FCF rule per VM elsewhere; with --move,
 * VM 0 then moves from host 0 to host 1 (ADD there, then DELETE on host 0) and the tables must
 * follow. Output: one
 * line per round, then
 *   agents: hosts=N rounds=R converge_ms_median=A converge_ms_max=B flow_mods=F
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ctl.h"
#include "evloop.h"
#include "log.h"
#include "ofp.h"
#include "ofp_conn.h"
#include "ofp_vsx.h"
#include "vsx/ofp_wire.h"

struct flow {
	__u64 cookie;
	__u16 priority;
	bool fcf; /* a set_fcf rule (sender), else steering (receiver) */
};

struct agent {
	int idx;
	__u64 dpid;
	struct vsx_ofconn *conn;
	bool up;
	struct flow *flows;
	size_t n_flows, cap_flows;
	struct vsx_vm_port_info *vms;
	size_t n_vms;
	unsigned long long flow_mods;
	/* the round being timed */
	bool waiting, got_mod;
	unsigned long long t_done_us;
};

static struct agent *agents;
static int n_agents;
static unsigned int n_cores = 8;

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

static void send_vsx(struct agent *a, int type, __u32 xid, const struct vsx_vm_port_info *vm)
{
	struct ofp_msg m;
	struct ofp_buf body;
	int ret = -EINVAL;

	ofp_buf_init(&body);
	if (type == VSX_EXP_HOST_INFO) {
		struct vsx_host_info h = {.datapath_id = a->dpid,
					  .n_cores = n_cores,
					  .n_rx_queues = 1,
					  .uplink_port = 1,
					  .caps = VSX_CAP_IRQ_CORE | VSX_CAP_IRQ_AUTO | VSX_CAP_SET_FCF |
						  VSX_CAP_FCF_RESTORE,
					  .xdp_mode = VSX_XDP_NATIVE,
					  .steer_mode = 2,
					  .vxlan_port = 4789,
					  .max_rules = 65536};

		snprintf(h.uplink, sizeof(h.uplink), "sim%d", a->idx);
		ret = vsx_exp_host_info(&m, &body, OFP13_VERSION, xid, &h);
	} else if (type == VSX_EXP_VM_PORT_STATUS) {
		ret = vsx_exp_vm_port_status(&m, &body, OFP13_VERSION, xid, vm);
	} else if (type == VSX_EXP_VM_PORTS_REPLY) {
		ret = vsx_exp_vm_ports_reply(&m, &body, OFP13_VERSION, xid, a->vms, a->n_vms);
	}
	if (!ret)
		vsx_ofconn_send(a->conn, &m);
	ofp_buf_free(&body);
}

static void on_up(struct vsx_ofconn *c, void *ctx)
{
	struct agent *a = vsx_ofconn_user(c);

	a->up = true;
	a->n_flows = 0; /* a fresh simulated switch every time: the controller resyncs */
	send_vsx(a, VSX_EXP_HOST_INFO, vsx_ofconn_next_xid(c), NULL);
}

/* A FLOW_MOD's first apply-actions action is the vsx set_fcf experimenter action. */
static bool is_fcf(const struct ofp_flow_mod *fm)
{
	for (size_t i = 0; i < fm->n_instructions; i++)
		for (size_t j = 0; j < fm->instructions[i].n_actions; j++) {
			const struct ofp_action *act = &fm->instructions[i].actions[j];

			if (act->type == 0xffff && act->experimenter == VSX_OFP_EXPERIMENTER &&
			    act->data_len >= 2 && act->data[1] == 2 && act->data[0] == 0)
				return true;
		}
	return false;
}

static void flow_add(struct agent *a, __u64 cookie, __u16 prio, bool fcf)
{
	/* The controller's cookies carry one slot per rule (bits 55..24): same slot, same entry. */
	for (size_t i = 0; i < a->n_flows; i++)
		if ((a->flows[i].cookie >> 24) == (cookie >> 24)) {
			a->flows[i] = (struct flow){cookie, prio, fcf};
			return;
		}
	if (a->n_flows == a->cap_flows) {
		size_t cap = a->cap_flows ? a->cap_flows * 2 : 16;
		struct flow *f = realloc(a->flows, cap * sizeof(*f));

		if (!f)
			abort();
		a->flows = f;
		a->cap_flows = cap;
	}
	a->flows[a->n_flows++] = (struct flow){cookie, prio, fcf};
}

static void flow_del(struct agent *a, __u64 cookie, __u64 mask)
{
	for (size_t i = 0; i < a->n_flows;)
		if ((a->flows[i].cookie & mask) == (cookie & mask))
			a->flows[i] = a->flows[--a->n_flows];
		else
			i++;
}

static void flow_stats(struct agent *a, const struct ofp_msg *req)
{
	struct ofp_flow_stats *v = calloc(a->n_flows ? a->n_flows : 1, sizeof(*v));
	struct ofp_msg r = {.kind = OFPK_FLOW_STATS_REPLY, .xid = req->xid};
	struct ofp_buf b;
	size_t n = 0;
	char err[160];

	if (!v)
		abort();
	for (size_t i = 0; i < a->n_flows; i++) {
		if ((a->flows[i].cookie & req->flow_req.cookie_mask) !=
		    (req->flow_req.cookie & req->flow_req.cookie_mask))
			continue;
		v[n].cookie = a->flows[i].cookie;
		v[n].priority = a->flows[i].priority;
		n++;
	}
	r.version = OFP13_VERSION;
	r.flows.v = v;
	r.flows.n = n;
	ofp_buf_init(&b);
	if (!ofp_encode_multipart(&r, &b, 65535, err, sizeof(err)))
		vsx_ofconn_send_raw(a->conn, b.data, b.len);
	ofp_buf_free(&b);
	free(v);
}

static void on_msg(struct vsx_ofconn *c, const struct ofp_msg *m, const void *raw, size_t len,
		   void *ctx)
{
	struct agent *a = vsx_ofconn_user(c);
	struct ofp_msg r = {.xid = m->xid};

	switch (m->kind) {
	case OFPK_FEATURES_REQUEST:
		r.kind = OFPK_FEATURES_REPLY;
		r.features.datapath_id = a->dpid;
		r.features.n_tables = 1;
		r.features.n_buffers = 0;
		vsx_ofconn_send(c, &r);
		break;
	case OFPK_PORT_DESC_REQUEST: {
		struct ofp_port p = {.port_no = 1, .curr_speed = 10000000};

		snprintf(p.name, sizeof(p.name), "sim%d", a->idx);
		r.kind = OFPK_PORT_DESC_REPLY;
		r.ports.v = &p;
		r.ports.n = 1;
		vsx_ofconn_send(c, &r);
		break;
	}
	case OFPK_FLOW_STATS_REQUEST:
		flow_stats(a, m);
		break;
	case OFPK_FLOW_MOD:
		a->flow_mods++;
		if (m->flow_mod.command == OFPFC_ADD)
			flow_add(a, m->flow_mod.cookie, m->flow_mod.priority, is_fcf(&m->flow_mod));
		else if (m->flow_mod.command == OFPFC_DELETE ||
			 m->flow_mod.command == OFPFC_DELETE_STRICT)
			flow_del(a, m->flow_mod.cookie, m->flow_mod.cookie_mask);
		if (a->waiting && m->flow_mod.command == OFPFC_ADD)
			a->got_mod = true;
		break;
	case OFPK_BARRIER_REQUEST:
		r.kind = OFPK_BARRIER_REPLY;
		vsx_ofconn_send(c, &r);
		if (a->waiting && a->got_mod) {
			a->waiting = false;
			a->t_done_us = now_us();
		}
		break;
	case OFPK_EXPERIMENTER: {
		struct vsx_exp e;
		struct ofp_status st;

		if (!vsx_exp_is_ours(m) || vsx_exp_decode(m, &e, &st)) {
			struct ofp_buf b;

			ofp_buf_init(&b);
			ofp_encode_error_reply(&b, OFP13_VERSION, OFP_ERR_BAD_EXPERIMENTER, raw, len);
			vsx_ofconn_send_raw(c, b.data, b.len);
			ofp_buf_free(&b);
			break;
		}
		if (e.type == VSX_EXP_HOST_INFO_REQUEST)
			send_vsx(a, VSX_EXP_HOST_INFO, m->xid, NULL);
		else if (e.type == VSX_EXP_VM_PORTS_REQUEST)
			send_vsx(a, VSX_EXP_VM_PORTS_REPLY, m->xid, NULL);
		vsx_exp_free(&e);
		break;
	}
	default:
		break;
	}
}

static void on_down(struct vsx_ofconn *c, const char *why, void *ctx)
{
	struct agent *a = vsx_ofconn_user(c);

	a->up = false;
}

static const struct vsx_ofconn_cbs cbs = {on_up, on_msg, on_down};

/* Hosts the controller shows as synced (0 if it cannot be asked). */
static int synced_hosts(const char *sock)
{
	char *argv[] = {"show", "--json"};
	struct strbuf r;
	int n = 0;

	strbuf_init(&r);
	if (vsx_ctl_call(sock, 2, argv, &r) == 0 && r.buf)
		for (const char *p = r.buf; (p = strstr(p, "\"state\":\"synced\"")); p++)
			n++;
	strbuf_free(&r);
	return n;
}

static void run_ms(struct vsx_loop *loop, unsigned int ms)
{
	unsigned long long end = vsx_loop_now_ms() + ms;

	while (vsx_loop_now_ms() < end)
		vsx_loop_run_once(loop, 5);
}

/* Every agent holds one steering rule per VM it hosts and one FCF rule per VM elsewhere:
 * what the controller's built-in policy wants. 0, or -1 (why printed when verbose). */
static int check_tables(bool verbose)
{
	size_t total = 0;

	for (int i = 0; i < n_agents; i++)
		total += agents[i].n_vms;
	for (int i = 0; i < n_agents; i++) {
		size_t steer = 0, fcf = 0;

		for (size_t k = 0; k < agents[i].n_flows; k++) {
			if (agents[i].flows[k].fcf)
				fcf++;
			else
				steer++;
		}
		if (steer != agents[i].n_vms || fcf != total - agents[i].n_vms) {
			if (verbose)
				fprintf(stderr,
					"controller_agents: host %d holds %zu steering and %zu FCF rules, "
					"wants %zu and %zu\n",
					i, steer, fcf, agents[i].n_vms, total - agents[i].n_vms);
			return -1;
		}
	}
	return 0;
}

/* VM 0 moves from host 0 to host 1 (ADD there, then DELETE here), until every table is right. */
static int move_vm(struct vsx_loop *loop, unsigned int timeout_ms)
{
	struct agent *from = &agents[0], *to = &agents[1];
	struct vsx_vm_port_info vm = from->vms[0];
	unsigned long long t0 = now_us(), end = vsx_loop_now_ms() + timeout_ms;

	/* As a live migration does: the new host reports the VM before the old one drops it. */
	to->vms = realloc(to->vms, (to->n_vms + 1) * sizeof(vm));
	if (!to->vms)
		return -1;
	vm.reason = VSX_VM_ADD;
	vm.port_no = 500;
	to->vms[to->n_vms++] = vm;
	send_vsx(to, VSX_EXP_VM_PORT_STATUS, vsx_ofconn_next_xid(to->conn), &vm);
	/* The two reports travel on different connections: let the ADD be handled first (the
	 * new host steers the VM), so the controller sees a move, not a stop and a start. */
	for (;;) {
		size_t steer = 0;

		for (size_t k = 0; k < to->n_flows; k++)
			steer += !to->flows[k].fcf;
		if (steer == to->n_vms)
			break;
		if (vsx_loop_now_ms() > end)
			return check_tables(true);
		vsx_loop_run_once(loop, 5);
	}
	memmove(from->vms, from->vms + 1, (from->n_vms - 1) * sizeof(vm));
	from->n_vms--;
	vm.reason = VSX_VM_DELETE;
	send_vsx(from, VSX_EXP_VM_PORT_STATUS, vsx_ofconn_next_xid(from->conn), &vm);
	while (check_tables(false) && vsx_loop_now_ms() < end)
		vsx_loop_run_once(loop, 5);
	if (check_tables(true))
		return -1;
	printf("move: vm=%s host0->host1 tables_ok_ms=%.3f\n", vm.name,
	       (double)(now_us() - t0) / 1000.0);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: controller_agents --controller TARGET --hosts N [--socket PATH] "
		   "[--settle-ms MS] [--rounds R] [--cores C] [--timeout-ms MS] [--move]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"controller", required_argument, NULL, 'c'}, {"hosts", required_argument, NULL, 'n'},
	    {"socket", required_argument, NULL, 's'},	  {"rounds", required_argument, NULL, 'r'},
	    {"cores", required_argument, NULL, 'C'},	  {"timeout-ms", required_argument, NULL, 't'},
	    {"settle-ms", required_argument, NULL, 'S'},  {"help", no_argument, NULL, 'h'},
	    {"move", no_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	const char *target = NULL, *sock = "/run/vsx-controller.sock";
	int rounds = 5, opt, settle_ms = -1;
	bool move = false;
	unsigned int timeout_ms = 20000;
	struct vsx_ofconn_conf conf = {.versions = 1u << OFP13_VERSION,
				       .echo_interval_ms = 0,
				       .backoff_min_ms = 100,
				       .backoff_max_ms = 1000,
				       .name = "agent"};
	struct vsx_loop *loop;
	struct rlimit rl;
	double *conv;
	unsigned long long total_mods = 0, t_end;
	char err[256];

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			target = optarg;
			break;
		case 'n':
			n_agents = atoi(optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'C':
			n_cores = (unsigned int)atoi(optarg);
			break;
		case 't':
			timeout_ms = (unsigned int)atoi(optarg);
			break;
		case 'S':
			settle_ms = atoi(optarg);
			break;
		case 'm':
			move = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!target || n_agents < 1 || n_agents > 100000 || rounds < 1 || rounds > 127 ||
	    n_cores < 1 || n_cores > 256) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	vsx_log_set_level(VSX_LOG_ERR);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	agents = calloc((size_t)n_agents, sizeof(*agents));
	conv = calloc((size_t)rounds, sizeof(*conv));
	if (!agents || !conv || vsx_loop_new(&loop))
		return 1;
	for (int i = 0; i < n_agents; i++) {
		agents[i].idx = i;
		agents[i].dpid = 0x5600000000ull + (unsigned int)i + 1;
		if (vsx_ofconn_connect(loop, target, &conf, &cbs, &agents[i], &agents[i].conn, err,
				       sizeof(err))) {
			fprintf(stderr, "controller_agents: %s\n", err);
			return 1;
		}
		vsx_ofconn_set_user(agents[i].conn, &agents[i]);
	}
	t_end = vsx_loop_now_ms() + timeout_ms;
	/* A controller without vsx-controller's socket (os-ken): every host up, then a pause. */
	while (settle_ms >= 0) {
		int up = 0;

		for (int i = 0; i < n_agents; i++)
			up += agents[i].up;
		if (up == n_agents) {
			run_ms(loop, (unsigned int)settle_ms);
			break;
		}
		if (vsx_loop_now_ms() > t_end) {
			fprintf(stderr, "controller_agents: only %d of %d hosts up after %u ms\n", up,
				n_agents, timeout_ms);
			return 1;
		}
		run_ms(loop, 50);
	}
	while (settle_ms < 0 && synced_hosts(sock) < n_agents) {
		if (vsx_loop_now_ms() > t_end) {
			fprintf(stderr, "controller_agents: only %d of %d hosts synced after %u ms\n",
				synced_hosts(sock), n_agents, timeout_ms);
			return 1;
		}
		run_ms(loop, 50);
	}
	for (int r = 0; r < rounds; r++) {
		struct agent *a = &agents[r % n_agents];
		struct vsx_vm_port_info *vm;
		unsigned long long t0, last = 0;
		int done = 0;

		a->vms = realloc(a->vms, (a->n_vms + 1) * sizeof(*a->vms));
		if (!a->vms)
			return 1;
		vm = &a->vms[a->n_vms++];
		memset(vm, 0, sizeof(*vm));
		vm->port_no = 100 + (unsigned int)r;
		vm->reason = VSX_VM_ADD;
		vm->vm_id = (__u8)(r + 1);
		vm->flags = VSX_VMF_PORT_UP | VSX_VMF_HAS_VNI | VSX_VMF_HAS_TENANT;
		vm->vni = 100;
		vm->hw_addr[0] = 0x02;
		vm->hw_addr[4] = (__u8)(r >> 8);
		vm->hw_addr[5] = (__u8)r;
		snprintf(vm->name, sizeof(vm->name), "bench-vm%d", r);
		snprintf(vm->tenant, sizeof(vm->tenant), "bench");
		snprintf(vm->port, sizeof(vm->port), "tap%d", r);
		for (int i = 0; i < n_agents; i++) {
			agents[i].waiting = true;
			agents[i].got_mod = false;
			agents[i].t_done_us = 0;
		}
		t0 = now_us();
		send_vsx(a, VSX_EXP_VM_PORT_STATUS, vsx_ofconn_next_xid(a->conn), vm);
		vm->reason = VSX_VM_PRESENT;
		t_end = vsx_loop_now_ms() + timeout_ms;
		while (done < n_agents && vsx_loop_now_ms() < t_end) {
			vsx_loop_run_once(loop, 5);
			done = 0;
			for (int i = 0; i < n_agents; i++)
				done += !agents[i].waiting;
		}
		if (done < n_agents) {
			fprintf(stderr, "controller_agents: round %d: %d of %d hosts got the rules\n", r,
				done, n_agents);
			return 1;
		}
		for (int i = 0; i < n_agents; i++)
			if (agents[i].t_done_us > last)
				last = agents[i].t_done_us;
		conv[r] = (double)(last - t0) / 1000.0;
		printf("hosts=%d round=%d vm=%s converge_ms=%.3f\n", n_agents, r, vm->name, conv[r]);
		fflush(stdout);
		run_ms(loop, 20);
	}
	/* The rules each host holds after the rounds, then (--move) after VM 0 moves. */
	t_end = vsx_loop_now_ms() + 2000;
	while (check_tables(false) && vsx_loop_now_ms() < t_end)
		vsx_loop_run_once(loop, 5);
	if (check_tables(true) || (move && n_agents > 1 && move_vm(loop, timeout_ms)))
		return 1;
	for (int i = 0; i < n_agents; i++)
		total_mods += agents[i].flow_mods;
	qsort(conv, (size_t)rounds, sizeof(*conv), cmp_d);
	printf("agents: hosts=%d rounds=%d converge_ms_median=%.3f converge_ms_max=%.3f "
	       "flow_mods=%llu\n",
	       n_agents, rounds, conv[rounds / 2], conv[rounds - 1], total_mods);
	for (int i = 0; i < n_agents; i++) {
		vsx_ofconn_close(agents[i].conn);
		free(agents[i].flows);
		free(agents[i].vms);
	}
	run_ms(loop, 10);
	vsx_loop_free(loop);
	free(agents);
	free(conv);
	return 0;
}
