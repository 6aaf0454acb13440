// SPDX-License-Identifier: MIT
/*
 * The OpenFlow switch's message handler: one decoded message in, its replies appended to the
 * session's output. No sockets here: openflow.c feeds it from connections, the unit tests
 * directly. docs/openflow.md lists what each message gets.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "openflow.h"
#include "vsx/ofp_wire.h"
#include "vsx/version.h"

#define OFPC_FLOW_STATS 1
#define OFPC_TABLE_STATS 2
#define OFPC_PORT_STATS 4
#define OFPC_FRAG_MASK 3 /* SET_CONFIG: fragment handling; vsx does NORMAL only */

struct vsxd_of_sess *vsxd_of_sess_new(struct vsxd *d, __u8 version, struct vsx_ofconn *conn)
{
	struct vsxd_of_sess *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->d = d;
	s->version = version;
	s->role = OFPCR_ROLE_EQUAL;
	s->miss_send_len = 128;
	s->conn = conn;
	ofp_buf_init(&s->out);
	if (d->of) {
		s->next = d->of->sessions;
		d->of->sessions = s;
	}
	return s;
}

void vsxd_of_sess_free(struct vsxd_of_sess *s)
{
	struct vsxd_of *of;

	if (!s)
		return;
	of = s->d->of;
	vsxd_of_flush(s->d);
	if (of) {
		for (struct vsxd_of_sess **p = &of->sessions; *p; p = &(*p)->next) {
			if (*p == s) {
				*p = s->next;
				break;
			}
		}
	}
	ofp_buf_free(&s->out);
	free(s);
}

void vsxd_of_error(struct vsxd_of_sess *s, enum ofp_err err, const void *raw, size_t len)
{
	if (ofp_encode_error_reply(&s->out, s->version, err, raw, len))
		log_warn("openflow: could not encode an error reply (%s)", ofp_err_name(err));
}

void vsxd_of_put(struct vsxd_of_sess *s, struct ofp_msg *m)
{
	char err[160];

	m->version = s->version;
	if (ofp_encode_multipart(m, &s->out, 65535, err, sizeof(err)))
		log_warn("openflow: could not encode %s: %s", ofp_kind_name(m->kind), err);
}

static void reply_empty(struct vsxd_of_sess *s, enum ofp_kind kind, __u32 xid)
{
	struct ofp_msg r = {.kind = kind, .xid = xid};

	vsxd_of_put(s, &r);
}

static void features(struct vsxd_of_sess *s, const struct ofp_msg *m)
{
	struct vsxd_of_port *ports = calloc(VSXD_OF_MAX_PORTS, sizeof(*ports));
	struct ofp_port descs[VSXD_OF_MAX_PORTS];
	struct ofp_msg r = {.kind = OFPK_FEATURES_REPLY, .xid = m->xid};
	size_t n = ports ? vsxd_of_ports(s->d, ports, VSXD_OF_MAX_PORTS) : 0;

	r.features.datapath_id = vsxd_of_datapath_id(s->d);
	r.features.n_buffers = 0;
	r.features.n_tables = 1;
	r.features.capabilities = OFPC_FLOW_STATS | OFPC_TABLE_STATS | OFPC_PORT_STATS;
	if (s->version == OFP10_VERSION) {
		/* supported actions: OUTPUT (to LOCAL) and ENQUEUE */
		r.features.actions = 1u << OFPAT_OUTPUT | 1u << OFPAT10_ENQUEUE;
		for (size_t i = 0; i < n; i++)
			descs[i] = ports[i].desc;
		r.features.ports = descs;
		r.features.n_ports = n;
	}
	vsxd_of_put(s, &r);
	free(ports);
}

static void desc(struct vsxd_of_sess *s, const struct ofp_msg *m)
{
	struct ofp_msg r = {.kind = OFPK_DESC_REPLY, .xid = m->xid};

	snprintf(r.desc.mfr_desc, sizeof(r.desc.mfr_desc), "vsx");
	snprintf(r.desc.hw_desc, sizeof(r.desc.hw_desc), "VS-extend XDP steering on %s",
		 s->d->conf.uplink);
	snprintf(r.desc.sw_desc, sizeof(r.desc.sw_desc), "vsxd %s", VSX_VERSION);
	snprintf(r.desc.serial_num, sizeof(r.desc.serial_num), "None");
	snprintf(r.desc.dp_desc, sizeof(r.desc.dp_desc), "vsxd %s", s->d->conf.uplink);
	vsxd_of_put(s, &r);
}

static bool any_port(__u8 version, __u32 p)
{
	return version == OFP10_VERSION ? p == OFPP10_NONE : p == OFPP13_ANY;
}

static void port_stats(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	struct vsxd_of_port *ports = calloc(VSXD_OF_MAX_PORTS, sizeof(*ports));
	struct ofp_port_stats *st = calloc(VSXD_OF_MAX_PORTS, sizeof(*st));
	struct ofp_msg r = {.kind = OFPK_PORT_STATS_REPLY, .xid = m->xid};
	size_t n, k = 0;

	if (!ports || !st) {
		vsxd_of_error(s, OFP_ERR_NO_MEMORY, raw, len);
		goto out;
	}
	n = vsxd_of_ports(s->d, ports, VSXD_OF_MAX_PORTS);
	for (size_t i = 0; i < n; i++) {
		if (!any_port(s->version, m->port_no) && ports[i].desc.port_no != m->port_no)
			continue;
		if (vsxd_of_port_stats(s->d, &ports[i], &st[k]) == 0)
			k++;
	}
	if (!k && !any_port(s->version, m->port_no)) {
		vsxd_of_error(s, OFP_ERR_BAD_PORT, raw, len);
		goto out;
	}
	r.port_stats.v = st;
	r.port_stats.n = k;
	vsxd_of_put(s, &r);
out:
	free(ports);
	free(st);
}

static void port_desc(struct vsxd_of_sess *s, const struct ofp_msg *m)
{
	struct vsxd_of_port *ports = calloc(VSXD_OF_MAX_PORTS, sizeof(*ports));
	struct ofp_port descs[VSXD_OF_MAX_PORTS];
	struct ofp_msg r = {.kind = OFPK_PORT_DESC_REPLY, .xid = m->xid};
	size_t n = ports ? vsxd_of_ports(s->d, ports, VSXD_OF_MAX_PORTS) : 0;

	for (size_t i = 0; i < n; i++)
		descs[i] = ports[i].desc;
	r.ports.v = descs;
	r.ports.n = n;
	vsxd_of_put(s, &r);
	free(ports);
}

/* OXM headers of the fields table 0 matches (the match and wildcards properties). */
static size_t put_oxm_headers(__u8 *p, bool with_vsx)
{
	static const struct {
		__u8 field, len;
		bool mask;
	} f[] = {
	    {OFPXMT_IN_PORT, 4, false},	    {OFPXMT_ETH_DST, 6, true},
	    {OFPXMT_ETH_SRC, 6, true},	    {OFPXMT_ETH_TYPE, 2, false},
	    {OFPXMT_VLAN_VID, 2, true},	    {OFPXMT_VLAN_PCP, 1, false},
	    {OFPXMT_IP_DSCP, 1, false},	    {OFPXMT_IP_ECN, 1, false},
	    {OFPXMT_IP_PROTO, 1, false},    {OFPXMT_IPV4_SRC, 4, true},
	    {OFPXMT_IPV4_DST, 4, true},	    {OFPXMT_TCP_SRC, 2, true},
	    {OFPXMT_TCP_DST, 2, true},	    {OFPXMT_UDP_SRC, 2, true},
	    {OFPXMT_UDP_DST, 2, true},	    {OFPXMT_ICMPV4_TYPE, 1, false},
	    {OFPXMT_ICMPV4_CODE, 1, false}, {OFPXMT_IPV6_SRC, 16, true},
	    {OFPXMT_IPV6_DST, 16, true},    {OFPXMT_ICMPV6_TYPE, 1, false},
	    {OFPXMT_ICMPV6_CODE, 1, false}, {OFPXMT_TUNNEL_ID, 8, true},
	};
	size_t n = 0;

	(void)with_vsx; /* experimenter OXM ids would need 8 bytes each: ovs-ofctl reads 4 */
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		/* Plain headers: Open vSwitch refuses a table-features OXM id with the mask bit
		 * (OFPBMC_BAD_MASK); maskability is not part of the property. */
		__u32 h = (__u32)OFPXMC_OPENFLOW_BASIC << 16 | (__u32)f[i].field << 9 | f[i].len;

		p[n++] = (__u8)(h >> 24);
		p[n++] = (__u8)(h >> 16);
		p[n++] = (__u8)(h >> 8);
		p[n++] = (__u8)h;
	}
	return n;
}

static void table_features(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw,
			   size_t len)
{
	/* instruction ids: apply_actions, write_actions, clear_actions */
	static const __u8 inst[] = {0, 4, 0, 4, 0, 3, 0, 4, 0, 5, 0, 4};
	/* action ids: output, set_queue, experimenter (vsx) */
	static const __u8 acts[] = {0,	  0,	0, 4, 0,    21,	  0,	4,
				    0xff, 0xff, 0, 8, 0x00, 0x02, 0x56, 0x58};
	__u8 oxms[4 * 32];
	struct ofp_tf_prop props[8];
	struct ofp_table_features tf;
	struct ofp_msg r = {.kind = OFPK_TABLE_FEATURES_REPLY, .xid = m->xid};
	size_t n_oxm = put_oxm_headers(oxms, false);

	if (m->table_features.n) { /* a request with a body sets features: not here */
		vsxd_of_error(s, OFP_ERR_EPERM, raw, len);
		return;
	}
	memset(&tf, 0, sizeof(tf));
	props[0] = (struct ofp_tf_prop){OFPTFPT_INSTRUCTIONS, inst, sizeof(inst)};
	props[1] = (struct ofp_tf_prop){OFPTFPT_NEXT_TABLES, NULL, 0};
	props[2] = (struct ofp_tf_prop){OFPTFPT_WRITE_ACTIONS, acts, sizeof(acts)};
	props[3] = (struct ofp_tf_prop){OFPTFPT_APPLY_ACTIONS, acts, sizeof(acts)};
	props[4] = (struct ofp_tf_prop){OFPTFPT_MATCH, oxms, n_oxm};
	props[5] = (struct ofp_tf_prop){OFPTFPT_WILDCARDS, oxms, n_oxm};
	props[6] = (struct ofp_tf_prop){OFPTFPT_WRITE_SETFIELD, NULL, 0};
	props[7] = (struct ofp_tf_prop){OFPTFPT_APPLY_SETFIELD, NULL, 0};
	tf.table_id = 0;
	snprintf(tf.name, sizeof(tf.name), "steering");
	tf.max_entries = VSX_MAX_RULES - 1;
	tf.props = props;
	tf.n_props = 8;
	r.table_features.v = &tf;
	r.table_features.n = 1;
	vsxd_of_put(s, &r);
}

static void set_config(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	if (m->config.flags & OFPC_FRAG_MASK) {
		/* vsx passes fragments as they come (FRAG_NORMAL): no drop, no reassembly */
		vsxd_of_error(s,
			      s->version == OFP10_VERSION ? OFP_ERR_EPERM
							  : OFP_ERR_SWITCH_CONFIG_BAD_FLAGS,
			      raw, len);
		return;
	}
	s->config_flags = m->config.flags;
	s->miss_send_len = m->config.miss_send_len;
}

static void get_config(struct vsxd_of_sess *s, const struct ofp_msg *m)
{
	struct ofp_msg r = {.kind = OFPK_GET_CONFIG_REPLY, .xid = m->xid};

	r.config.flags = s->config_flags;
	r.config.miss_send_len = s->miss_send_len;
	vsxd_of_put(s, &r);
}

/* OpenFlow 1.3.x section 6.3.5: equal, master (every other master becomes a slave), slave;
 * master and slave requests carry a generation id that must not go back. */
static void role(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	struct vsxd_of *of = s->d->of;
	struct ofp_msg r = {.kind = OFPK_ROLE_REPLY, .xid = m->xid};
	__u32 want = m->role.role;

	if (want > OFPCR_ROLE_SLAVE) {
		vsxd_of_error(s, OFP_ERR_ROLE_BAD_ROLE, raw, len);
		return;
	}
	if (want == OFPCR_ROLE_MASTER || want == OFPCR_ROLE_SLAVE) {
		if (of->have_generation && (__s64)(m->role.generation_id - of->generation) < 0) {
			vsxd_of_error(s, OFP_ERR_ROLE_STALE, raw, len);
			return;
		}
		of->have_generation = true;
		of->generation = m->role.generation_id;
	}
	if (want == OFPCR_ROLE_MASTER)
		for (struct vsxd_of_sess *o = of->sessions; o; o = o->next)
			if (o != s && o->role == OFPCR_ROLE_MASTER)
				o->role = OFPCR_ROLE_SLAVE;
	if (want != OFPCR_ROLE_NOCHANGE)
		s->role = want;
	r.role.role = s->role;
	r.role.generation_id = of->have_generation ? of->generation : 0;
	vsxd_of_put(s, &r);
}

void vsxd_of_handle(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	bool slave = s->role == OFPCR_ROLE_SLAVE;

	/* A batch of FLOW_MODs ends at the first other message: it sees their effect. */
	if (m->kind != OFPK_FLOW_MOD)
		vsxd_of_flush(s->d);
	switch (m->kind) {
	case OFPK_FLOW_MOD:
		if (slave) {
			vsxd_of_error(s, OFP_ERR_IS_SLAVE, raw, len);
			return;
		}
		vsxd_of_flow_mod(s, m, raw, len);
		return;
	case OFPK_BARRIER_REQUEST:
		reply_empty(s, OFPK_BARRIER_REPLY, m->xid);
		return;
	case OFPK_FEATURES_REQUEST:
		features(s, m);
		return;
	case OFPK_GET_CONFIG_REQUEST:
		get_config(s, m);
		return;
	case OFPK_SET_CONFIG:
		if (slave) {
			vsxd_of_error(s, OFP_ERR_IS_SLAVE, raw, len);
			return;
		}
		set_config(s, m, raw, len);
		return;
	case OFPK_DESC_REQUEST:
		desc(s, m);
		return;
	case OFPK_FLOW_STATS_REQUEST:
	case OFPK_AGGREGATE_REQUEST:
		vsxd_of_flow_stats(s, m, raw, len);
		return;
	case OFPK_TABLE_STATS_REQUEST:
		vsxd_of_table_stats(s, m);
		return;
	case OFPK_PORT_STATS_REQUEST:
		port_stats(s, m, raw, len);
		return;
	case OFPK_PORT_DESC_REQUEST:
		port_desc(s, m);
		return;
	case OFPK_TABLE_FEATURES_REQUEST:
		table_features(s, m, raw, len);
		return;
	case OFPK_ROLE_REQUEST:
		role(s, m, raw, len);
		return;
	case OFPK_EXPERIMENTER:
		if (vsx_exp_is_ours(m)) {
			vsxd_of_vsx_msg(s, m, raw, len);
			return;
		}
		/* Nicira's and the rest: ovs-ofctl falls back to standard messages on this */
		vsxd_of_error(s, OFP_ERR_BAD_EXPERIMENTER, raw, len);
		return;
	case OFPK_EXPERIMENTER_STATS_REQUEST:
		vsxd_of_error(s, OFP_ERR_BAD_EXPERIMENTER, raw, len);
		return;
	case OFPK_ERROR:
		log_rl(VSX_LOG_WARN, "openflow: peer sent ERROR type %u code %u", m->error.type,
		       m->error.code);
		return;
	case OFPK_BARRIER_REPLY:
	case OFPK_ECHO_REPLY:
		return;
	default: /* replies and switch-to-controller messages have no business here */
		vsxd_of_error(s, OFP_ERR_BAD_TYPE, raw, len);
		return;
	}
}
