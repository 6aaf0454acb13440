// SPDX-License-Identifier: MIT
/*
 * vsxd's OpenFlow handler (vsxd/of_*.c) without sockets, on the datapath double: messages in
 * (ovs-ofctl-encoded FLOW_MODs from tests/unit/ofp/rule, hand-built requests), replies out,
 * and what reached the rule table and the installed classifier. Covers batching (one install
 * for a stream closed by a BARRIER), errors in order with the request's xid, a failed install
 * rolling the whole batch back, 1.0's modify-adds, strict and cookie deletes, FLOW_REMOVED,
 * flow/aggregate/table/port-desc/features replies, roles with generation ids, and the vsx
 * experimenter requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/dp_double.h"
#include "../lib/proc_fixture.h"
#include "ofp/slurp.h"
#include "ofp_rule.h"
#include "ofp_vsx.h"
#include "rule_text.h"
#include "vsx/ofp_wire.h"
#include "../../vsxd/cores.h"
#include "../../vsxd/openflow.h"

struct fixture {
	char dir[64];
	struct vsx_dp_double *dbl;
	struct vsxd d;
	struct vsxd_of_sess *s;
	struct ofp_msg r[64]; /* decoded replies of the last reap() */
	size_t n_r;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[512], err[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vsxd-of-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dbl = dpd_new(4, 64, 0);
	if (!f->dbl)
		return -1;
	vsxd_conf_init(&f->d.conf);
	snprintf(
	    text, sizeof(text),
	    "uplink lo\nsocket %s/vsxd.sock\nvm web {\n\tvm-id 3\n\ttenant 7\n\tvni 101\n\tport "
	    "lo\n\tmac 02:00:00:00:00:03\n}\n",
	    f->dir);
	if (vsxd_conf_parse_string(text, "vsxd.conf", &f->d.conf, err, sizeof(err))) {
		fprintf(stderr, "conf: %s\n", err);
		return -1;
	}
	f->d.dpp = f->dbl->dp;
	f->d.ofl = f->dbl->ofl;
	if (vsxd_rules_init(&f->d) || vsxd_of_open(&f->d))
		return -1;
	f->s = vsxd_of_sess_new(&f->d, OFP13_VERSION, NULL);
	*state = f;
	return f->s ? 0 : -1;
}

static void free_replies(struct fixture *f)
{
	for (size_t i = 0; i < f->n_r; i++)
		ofp_msg_free(&f->r[i]);
	f->n_r = 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	free_replies(f);
	vsxd_of_close(&f->d); /* frees the sessions */
	vsxd_rules_free(&f->d);
	vsxd_conf_free(&f->d.conf);
	dpd_free(f->dbl);
	snprintf(path, sizeof(path), "%s/vsxd.sock.state", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void handle_bytes(struct vsxd_of_sess *s, const void *b, size_t len)
{
	struct ofp_status st;
	struct ofp_msg m;

	if (ofp_decode(b, len, &m, &st))
		fail_msg("decode: %s", st.text);
	vsxd_of_handle(s, &m, b, len);
	ofp_msg_free(&m);
}

static void send_msg(struct vsxd_of_sess *s, struct ofp_msg *m)
{
	struct ofp_buf b;
	char err[160];

	ofp_buf_init(&b);
	m->version = s->version;
	if (ofp_encode(m, &b, err, sizeof(err)))
		fail_msg("encode: %s", err);
	handle_bytes(s, b.data, b.len);
	ofp_buf_free(&b);
}

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
						 : -1;

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < max);
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* One of the ovs-ofctl-encoded FLOW_MODs, with its xid replaced. */
static void send_file(struct vsxd_of_sess *s, const char *name, __u32 xid)
{
	char path[256], *hex;
	unsigned char b[2048];
	size_t n;

	snprintf(path, sizeof(path), "tests/unit/ofp/rule/%s.hex", name);
	hex = slurp(path);
	assert_non_null(hex);
	n = parse_hex(hex, b, sizeof(b));
	free(hex);
	b[4] = (unsigned char)(xid >> 24);
	b[5] = (unsigned char)(xid >> 16);
	b[6] = (unsigned char)(xid >> 8);
	b[7] = (unsigned char)xid;
	if (s->version == OFP10_VERSION)
		assert_int_equal(b[0], OFP10_VERSION);
	handle_bytes(s, b, n);
}

static void barrier(struct vsxd_of_sess *s, __u32 xid)
{
	struct ofp_msg m = {.kind = OFPK_BARRIER_REQUEST, .xid = xid};

	send_msg(s, &m);
}

/* Decodes everything s has sent into f->r. */
static size_t reap(struct fixture *f, struct vsxd_of_sess *s)
{
	size_t off = 0;

	free_replies(f);
	while (off < s->out.len) {
		long n = ofp_frame_len(s->out.data + off, s->out.len - off);
		struct ofp_status st;

		assert_true(n >= 8);
		assert_true(f->n_r < 64);
		if (ofp_decode(s->out.data + off, (size_t)n, &f->r[f->n_r], &st))
			fail_msg("reply %zu: %s", f->n_r, st.text);
		f->n_r++;
		off += (size_t)n;
	}
	s->out.len = 0;
	return f->n_r;
}

static void assert_error(const struct ofp_msg *m, __u32 xid, __u8 version, enum ofp_err e)
{
	__u16 type, code;

	assert_int_equal(m->kind, OFPK_ERROR);
	assert_int_equal(m->xid, xid);
	assert_int_equal(ofp_err_code(e, version, &type, &code), 0);
	assert_int_equal(m->error.type, type);
	assert_int_equal(m->error.code, code);
}

static const char *rule_text(struct fixture *f, size_t i)
{
	static char buf[VSX_RULE_TEXT_MAX];
	size_t k = 0;

	for (__u32 id = 1; id < VSX_MAX_RULES; id++) {
		const struct vsx_rule *r = vsx_rule_table_get(f->d.rules, id);

		if (r && k++ == i) {
			assert_true(vsx_rule_format(r, buf, sizeof(buf)) > 0);
			return buf;
		}
	}
	return NULL;
}

static void test_flow_mod_barrier(void **state)
{
	struct fixture *f = *state;
	unsigned int installs = f->dbl->calls[DPD_INSTALL];
	struct vsx_rule r;

	send_file(f->s, "of13_tcp_queue", 10);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 0); /* batched until the barrier */
	barrier(f->s, 11);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(f->r[0].kind, OFPK_BARRIER_REPLY);
	assert_int_equal(f->r[0].xid, 11);
	assert_string_equal(rule_text(f, 0),
			    "priority=100,tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=irq:3");
	assert_int_equal(f->dbl->calls[DPD_INSTALL], installs + 1);
	/* the datapath steers a matching packet to core 3 */
	assert_int_equal(vsx_rule_parse("tcp,nw_dst=10.1.2.3,tp_dst=80 actions=irq:1", &r, NULL, 0),
			 0);
	assert_non_null(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &r.key));
	assert_int_equal(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &r.key)->core, 3);
}

static void test_batch_one_install(void **state)
{
	struct fixture *f = *state;
	unsigned int installs = f->dbl->calls[DPD_INSTALL];

	for (unsigned int i = 0; i < 200; i++) {
		struct ofp_msg m = {.kind = OFPK_FLOW_MOD, .xid = i};
		struct ofp_rule_repr *rep = calloc(1, sizeof(*rep));
		struct vsx_rule r;
		char text[128];

		assert_non_null(rep);
		snprintf(text, sizeof(text), "udp,tp_dst=%u actions=irq:%u", 1000 + i, i % 4);
		assert_int_equal(vsx_rule_parse(text, &r, NULL, 0), 0);
		assert_int_equal(ofp_rule_to_ofp(OFP13_VERSION, &r, rep), 0);
		m.flow_mod.priority = 100;
		m.flow_mod.buffer_id = 0xffffffffu;
		m.flow_mod.out_port = OFPP13_ANY;
		m.flow_mod.out_group = 0xffffffffu;
		m.flow_mod.match = rep->match;
		m.flow_mod.instructions = &rep->inst;
		m.flow_mod.n_instructions = rep->n_instructions;
		send_msg(f->s, &m);
		free(rep);
	}
	barrier(f->s, 999);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 200);
	assert_int_equal(f->dbl->calls[DPD_INSTALL], installs + 1);
}

static void test_errors_in_order(void **state)
{
	struct fixture *f = *state;

	send_file(f->s, "of13_tcp_queue", 1);
	send_file(f->s, "of13_drop", 2);      /* refused by the decoder */
	send_file(f->s, "of13_queue_big", 3); /* BAD_QUEUE */
	send_file(f->s, "of13_flags", 4);     /* CHECK_OVERLAP, fine */
	send_file(f->s, "of13_table1", 5);    /* BAD_TABLE_ID */
	barrier(f->s, 6);
	assert_int_equal(reap(f, f->s), 4);
	assert_error(&f->r[0], 2, OFP13_VERSION, OFP_ERR_BAD_ACTION_EPERM);
	assert_error(&f->r[1], 3, OFP13_VERSION, OFP_ERR_BAD_QUEUE);
	assert_error(&f->r[2], 5, OFP13_VERSION, OFP_ERR_FLOW_MOD_BAD_TABLE_ID);
	assert_int_equal(f->r[3].kind, OFPK_BARRIER_REPLY);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 2);
	/* the same ADD again with CHECK_OVERLAP: an identical flow overlaps too (1.3.x 6.4: the
	 * overlap check comes before the replacement of identical flows) */
	send_file(f->s, "of13_flags", 7);
	barrier(f->s, 8);
	assert_int_equal(reap(f, f->s), 2);
	assert_error(&f->r[0], 7, OFP13_VERSION, OFP_ERR_FLOW_MOD_OVERLAP);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 2);
}

static void test_install_failure_rolls_back(void **state)
{
	struct fixture *f = *state;

	dpd_fail(f->dbl, DPD_INSTALL, -EIO, 0, 1);
	send_file(f->s, "of13_tcp_queue", 1);
	send_file(f->s, "of13_dscp", 2);
	barrier(f->s, 3);
	assert_int_equal(reap(f, f->s), 3);
	assert_error(&f->r[0], 1, OFP13_VERSION, OFP_ERR_FLOW_MOD_UNKNOWN);
	assert_error(&f->r[1], 2, OFP13_VERSION, OFP_ERR_FLOW_MOD_UNKNOWN);
	assert_int_equal(f->r[2].kind, OFPK_BARRIER_REPLY);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 0);
	dpd_fail_clear(f->dbl);
}

static void test_of10_modify_adds_and_deletes(void **state)
{
	struct fixture *f = *state;
	struct vsxd_of_sess *s = vsxd_of_sess_new(&f->d, OFP10_VERSION, NULL);

	assert_non_null(s);
	send_file(s, "of10_mod_ip", 1); /* nothing to modify: 1.0 adds it */
	send_file(s, "of10_tcp_enqueue", 2);
	barrier(s, 3);
	assert_int_equal(reap(f, s), 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 2);
	send_file(s, "of10_del_all", 4);
	barrier(s, 5);
	assert_int_equal(reap(f, s), 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 0);
	vsxd_of_sess_free(s);
}

static void test_delete_strict_and_cookie(void **state)
{
	struct fixture *f = *state;

	send_file(f->s, "of13_tcp_queue", 1);
	send_file(f->s, "of13_cookie", 2); /* cookie 0x1234 */
	send_file(f->s, "of13_del_strict", 3);
	barrier(f->s, 4);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 1);
	assert_string_equal(rule_text(f, 0), "cookie=0x1234,priority=200,ip actions=irq:1");
	send_file(f->s, "of13_mod_cookie", 5); /* cookie 0x10/0xff selects nothing */
	barrier(f->s, 6);
	reap(f, f->s);
	assert_string_equal(rule_text(f, 0), "cookie=0x1234,priority=200,ip actions=irq:1");
}

static void test_flow_stats_and_aggregate(void **state)
{
	struct fixture *f = *state;
	struct ofp_msg m = {.kind = OFPK_FLOW_STATS_REQUEST, .xid = 20};
	const struct vsx_cls_entry *e;

	send_file(f->s, "of13_tcp_queue", 1);
	send_file(f->s, "of13_cookie", 2);
	barrier(f->s, 3);
	reap(f, f->s);
	e = NULL;
	for (__u32 id = 1; id < 4 && !e; id++)
		if (vsx_rule_table_get(f->d.rules, id) &&
		    vsx_rule_table_get(f->d.rules, id)->priority == 100)
			e = dpd_rule_entry(f->dbl, VSX_DIR_INGRESS, id);
	assert_non_null(e);
	dpd_traffic(f->dbl, VSX_DIR_INGRESS, e->val.rule_id, 3, 5, 500);
	m.flow_req.table_id = 0xff;
	m.flow_req.out_port = OFPP13_ANY;
	m.flow_req.out_group = 0xffffffffu;
	send_msg(f->s, &m);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(f->r[0].kind, OFPK_FLOW_STATS_REPLY);
	assert_int_equal(f->r[0].flows.n, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct ofp_flow_stats *fs = &f->r[0].flows.v[i];

		if (fs->priority == 100) {
			assert_int_equal(fs->packet_count, 5);
			assert_int_equal(fs->byte_count, 500);
			assert_int_equal(fs->n_instructions, 1);
			assert_int_equal(fs->instructions[0].actions[0].type, OFPAT13_SET_QUEUE);
			assert_int_equal(fs->instructions[0].actions[0].queue_id, 3);
		} else {
			assert_int_equal(fs->cookie, 0x1234);
			assert_int_equal(fs->idle_timeout, 10);
			assert_int_equal(fs->hard_timeout, 30);
		}
	}
	/* cookie filter */
	m.flow_req.cookie = 0x1234;
	m.flow_req.cookie_mask = ~0ull;
	send_msg(f->s, &m);
	reap(f, f->s);
	assert_int_equal(f->r[0].flows.n, 1);
	/* aggregate */
	m.kind = OFPK_AGGREGATE_REQUEST;
	m.flow_req.cookie_mask = 0;
	send_msg(f->s, &m);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(f->r[0].aggregate.flow_count, 2);
	assert_int_equal(f->r[0].aggregate.packet_count, 5);
	/* table stats count both */
	m.kind = OFPK_TABLE_STATS_REQUEST;
	send_msg(f->s, &m);
	reap(f, f->s);
	assert_int_equal(f->r[0].tables.n, 1);
	assert_int_equal(f->r[0].tables.v[0].active_count, 2);
}

static void test_flow_removed(void **state)
{
	struct fixture *f = *state;

	send_file(f->s, "of13_flags", 1); /* send_flow_rem */
	barrier(f->s, 2);
	reap(f, f->s);
	send_file(f->s, "of13_del_all", 3);
	barrier(f->s, 4);
	assert_int_equal(reap(f, f->s), 2);
	assert_int_equal(f->r[0].kind, OFPK_FLOW_REMOVED);
	assert_int_equal(f->r[0].flow_removed.reason, 2);      /* OFPRR_DELETE */
	assert_int_equal(f->r[0].flow_removed.match.n_oxm, 1); /* eth_type */
	assert_int_equal(f->r[1].kind, OFPK_BARRIER_REPLY);
}

static void role_req(struct vsxd_of_sess *s, __u32 role, __u64 gen, __u32 xid)
{
	struct ofp_msg m = {.kind = OFPK_ROLE_REQUEST, .xid = xid};

	m.role.role = role;
	m.role.generation_id = gen;
	send_msg(s, &m);
}

static void test_roles(void **state)
{
	struct fixture *f = *state;
	struct vsxd_of_sess *b = vsxd_of_sess_new(&f->d, OFP13_VERSION, NULL);

	assert_non_null(b);
	role_req(f->s, OFPCR_ROLE_MASTER, 5, 1);
	assert_int_equal(reap(f, f->s), 1);
	assert_int_equal(f->r[0].kind, OFPK_ROLE_REPLY);
	assert_int_equal(f->r[0].role.role, OFPCR_ROLE_MASTER);
	assert_int_equal(f->r[0].role.generation_id, 5);
	role_req(b, OFPCR_ROLE_MASTER, 6, 2); /* b takes over: f->s becomes a slave */
	reap(f, b);
	assert_int_equal(f->s->role, OFPCR_ROLE_SLAVE);
	send_file(f->s, "of13_tcp_queue", 3);
	assert_int_equal(reap(f, f->s), 1);
	assert_error(&f->r[0], 3, OFP13_VERSION, OFP_ERR_IS_SLAVE);
	role_req(f->s, OFPCR_ROLE_MASTER, 4, 4); /* a stale generation */
	assert_int_equal(reap(f, f->s), 1);
	assert_error(&f->r[0], 4, OFP13_VERSION, OFP_ERR_ROLE_STALE);
	role_req(f->s, 9, 7, 5);
	reap(f, f->s);
	assert_error(&f->r[0], 5, OFP13_VERSION, OFP_ERR_ROLE_BAD_ROLE);
	role_req(f->s, OFPCR_ROLE_EQUAL, 0, 6); /* equal: no generation check */
	reap(f, f->s);
	assert_int_equal(f->r[0].role.role, OFPCR_ROLE_EQUAL);
	assert_int_equal(f->r[0].role.generation_id, 6);
	send_file(b, "of13_tcp_queue", 7);
	barrier(b, 8);
	assert_int_equal(reap(f, b), 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 1);
	vsxd_of_sess_free(b);
}

static void test_switch_requests(void **state)
{
	struct fixture *f = *state;
	struct ofp_msg m = {.kind = OFPK_FEATURES_REQUEST, .xid = 1};
	struct vsxd_of_sess *s10 = vsxd_of_sess_new(&f->d, OFP10_VERSION, NULL);

	send_msg(f->s, &m);
	m.kind = OFPK_PORT_DESC_REQUEST;
	send_msg(f->s, &m);
	m.kind = OFPK_TABLE_FEATURES_REQUEST;
	send_msg(f->s, &m);
	m.kind = OFPK_DESC_REQUEST;
	send_msg(f->s, &m);
	m.kind = OFPK_GET_CONFIG_REQUEST;
	send_msg(f->s, &m);
	assert_int_equal(reap(f, f->s), 5);
	assert_int_equal(f->r[0].features.n_tables, 1);
	assert_int_equal(f->r[1].ports.n, 2); /* uplink lo and the VM's port lo */
	assert_string_equal(f->r[1].ports.v[0].name, "lo");
	assert_int_equal(f->r[1].ports.v[0].port_no, 1);
	assert_int_equal(f->r[2].table_features.v[0].n_props, 8);
	assert_string_equal(f->r[3].desc.mfr_desc, "vsx");
	assert_int_equal(f->r[4].kind, OFPK_GET_CONFIG_REPLY);
	/* 1.0: features carry the ports */
	m.kind = OFPK_FEATURES_REQUEST;
	send_msg(s10, &m);
	m.kind = OFPK_PORT_STATS_REQUEST;
	m.port_no = OFPP10_NONE;
	send_msg(s10, &m);
	assert_int_equal(reap(f, s10), 2);
	assert_int_equal(f->r[0].features.n_ports, 2);
	assert_int_equal(f->r[1].port_stats.n, 2);
	/* a Nicira message (ovs-ofctl's NXT_SET_FLOW_FORMAT): BAD_VENDOR, ovs-ofctl falls back */
	{
		static const unsigned char nx[] = {0x01, 0x04, 0x00, 0x14, 0, 0,  0, 9, 0x00, 0x00,
						   0x23, 0x20, 0,    0,	   0, 12, 0, 0, 0,    2};

		handle_bytes(s10, nx, sizeof(nx));
		assert_int_equal(reap(f, s10), 1);
		assert_error(&f->r[0], 9, OFP10_VERSION, OFP_ERR_BAD_EXPERIMENTER);
	}
	vsxd_of_sess_free(s10);
}

static void test_vsx_requests(void **state)
{
	struct fixture *f = *state;
	struct ofp_buf body;
	struct ofp_msg m;
	struct ofp_status st;
	struct vsx_exp e;

	ofp_buf_init(&body);
	assert_int_equal(vsx_exp_request(&m, &body, OFP13_VERSION, 41, VSX_EXP_HOST_INFO_REQUEST),
			 0);
	send_msg(f->s, &m);
	assert_int_equal(vsx_exp_request(&m, &body, OFP13_VERSION, 42, VSX_EXP_VM_PORTS_REQUEST),
			 0);
	send_msg(f->s, &m);
	assert_int_equal(reap(f, f->s), 2);
	assert_int_equal(f->r[0].xid, 41);
	assert_int_equal(vsx_exp_decode(&f->r[0], &e, &st), 0);
	assert_int_equal(e.type, VSX_EXP_HOST_INFO);
	assert_string_equal(e.host.uplink, "lo");
	assert_int_equal(e.host.uplink_port, 1);
	assert_true(e.host.n_cores >= 1);
	assert_int_equal(e.host.max_rules, VSX_MAX_RULES - 1);
	vsx_exp_free(&e);
	assert_int_equal(f->r[1].xid, 42);
	assert_int_equal(vsx_exp_decode(&f->r[1], &e, &st), 0);
	assert_int_equal(e.type, VSX_EXP_VM_PORTS_REPLY);
	assert_int_equal(e.vms.n, 1);
	assert_int_equal(e.vms.v[0].vm_id, 3);
	assert_int_equal(e.vms.v[0].vni, 101);
	assert_int_equal(e.vms.v[0].tenant_id, 7);
	assert_string_equal(e.vms.v[0].name, "web");
	assert_int_equal(e.vms.v[0].port_no, 1);
	assert_int_equal(e.vms.v[0].reason, VSX_VM_PRESENT);
	assert_int_equal(e.vms.v[0].hw_addr[5], 3); /* the VM's configured MAC */
	vsx_exp_free(&e);
	/* a report sent to the switch: BAD_EXP_TYPE */
	{
		struct vsx_host_info h = {0};

		assert_int_equal(vsx_exp_host_info(&m, &body, OFP13_VERSION, 43, &h), 0);
		send_msg(f->s, &m);
		reap(f, f->s);
		assert_error(&f->r[0], 43, OFP13_VERSION, OFP_ERR_BAD_EXP_TYPE);
	}
	ofp_buf_free(&body);
}

/* The VM reports carry the pinned cores from the core table; a change of pinning is reported
 * as VM_PORT_STATUS modify to the sessions that speak vsx. */
static void test_vm_pins(void **state)
{
	struct fixture *f = *state;
	struct procfx proc;
	struct vsx_vm_port_info v;
	struct ofp_status st;
	struct vsx_exp e;
	size_t n;

	assert_int_equal(procfx_init(&proc, 4), 0);
	f->d.conf.vms[0].pin = VSXD_PIN_CPUS;
	vsx_cpuset_zero(&f->d.conf.vms[0].cpus);
	vsx_cpuset_add(&f->d.conf.vms[0].cpus, 2);
	assert_int_equal(vsxd_cores_init_at(&f->d, proc.root), 0);
	for (unsigned int c = 0; c < 4; c++)
		procfx_advance(&proc, c, 10, 20);
	assert_int_equal(procfx_write(&proc), 0);
	vsxd_cores_tick(&f->d);
	vsxd_of_vm_info(&f->d, 0, VSX_VM_PRESENT, &v);
	assert_int_equal(v.cpus[0], 1u << 2);
	assert_true(v.flags & VSX_VMF_PINNED);
	f->s->controller = true;
	vsxd_of_vm_pins_changed(&f->d, false);
	vsxd_of_vm_pins_changed(&f->d, true);
	assert_int_equal(reap(f, f->s), 0); /* nothing changed */
	vsx_cpuset_add(&f->d.conf.vms[0].cpus, 3);
	for (unsigned int c = 0; c < 4; c++)
		procfx_advance(&proc, c, 10, 20);
	assert_int_equal(procfx_write(&proc), 0);
	vsxd_cores_tick(&f->d);
	vsxd_of_vm_pins_changed(&f->d, true);
	n = reap(f, f->s);
	assert_int_equal(n, 1);
	assert_int_equal(vsx_exp_decode(&f->r[0], &e, &st), 0);
	assert_int_equal(e.type, VSX_EXP_VM_PORT_STATUS);
	assert_int_equal(e.vm.reason, VSX_VM_MODIFY);
	assert_int_equal(e.vm.cpus[0], 1u << 2 | 1u << 3);
	vsx_exp_free(&e);
	vsxd_cores_free(&f->d);
	procfx_free(&proc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_flow_mod_barrier, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_one_install, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_install_failure_rolls_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_of10_modify_adds_and_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_strict_and_cookie, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_stats_and_aggregate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_switch_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vsx_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vm_pins, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
