/* SPDX-License-Identifier: MIT */
/*
 * Hand-built OpenFlow messages for the oracle test (test_ofp_oracle.c): each is encoded by the
 * codec and decoded by `ovs-ofctl ofp-print`, whose text must contain every string in
 * `expect` (field values written the way ovs-ofctl prints them). The golden .hex files of the
 * switch-to-controller messages are these encodings.
 */
#ifndef VSX_TEST_OFP_SAMPLES_H
#define VSX_TEST_OFP_SAMPLES_H

#include <string.h>
#include <arpa/inet.h>

#include "ofp.h"
#include "vsx/ofp_wire.h"

struct ofp_sample {
	const char *name;
	void (*build)(struct ofp_msg *m);
	const char *expect[12];
	bool ovs_refuses; /* ovs-ofctl reports a decode error on purpose (unknown vendor) */
};

static struct ofp_oxm sample_oxm[8];
static struct ofp_action sample_act[4], sample_act2[2];
static struct ofp_instruction sample_ins[3];
static struct ofp_port sample_ports[2];
static struct ofp_flow_stats sample_flows[2];
static struct ofp_table_stats sample_tables[2];
static struct ofp_port_stats sample_pstats[1];
static struct ofp_table_features sample_tf[1];
static struct ofp_tf_prop sample_props[8];
static const __u8 sample_data[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};

static void oxm_set(struct ofp_oxm *x, __u8 field, const void *v, const void *mask, __u8 len)
{
	memset(x, 0, sizeof(*x));
	x->oxm_class = OFPXMC_OPENFLOW_BASIC;
	x->field = field;
	x->len = len;
	memcpy(x->value, v, len);
	if (mask) {
		x->has_mask = true;
		memcpy(x->mask, mask, len);
	}
}

static void sample_ports_init(void)
{
	static const __u8 mac1[6] = {0x02, 0, 0, 0, 0, 1}, mac2[6] = {0x02, 0, 0, 0, 0, 2};

	memset(sample_ports, 0, sizeof(sample_ports));
	sample_ports[0].port_no = 1;
	memcpy(sample_ports[0].hw_addr, mac1, 6);
	strcpy(sample_ports[0].name, "uplink0");
	sample_ports[0].curr = 0x40; /* 10GB_FD (bit 6) in both versions */
	sample_ports[1].port_no = 7;
	memcpy(sample_ports[1].hw_addr, mac2, 6);
	strcpy(sample_ports[1].name, "vm7");
	sample_ports[1].config = 1; /* PORT_DOWN */
	sample_ports[1].state = 1;  /* LINK_DOWN */
}

static void b_hello13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_HELLO;
	m->xid = 1;
	m->hello.has_bitmap = true;
	m->hello.bitmap[0] = 1u << 1 | 1u << 4;
}

static void b_features10(struct ofp_msg *m)
{
	sample_ports_init();
	m->version = OFP10_VERSION;
	m->kind = OFPK_FEATURES_REPLY;
	m->xid = 2;
	m->features.datapath_id = 0x0000020000000001ull;
	m->features.n_buffers = 0;
	m->features.n_tables = 1;
	m->features.capabilities = 0x7; /* FLOW_STATS, TABLE_STATS, PORT_STATS */
	m->features.actions = 0x801;	/* OUTPUT, ENQUEUE */
	m->features.ports = sample_ports;
	m->features.n_ports = 2;
}

static void b_features13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_FEATURES_REPLY;
	m->xid = 2;
	m->features.datapath_id = 0x0000020000000001ull;
	m->features.n_buffers = 0;
	m->features.n_tables = 1;
	m->features.capabilities = 0x7;
}

static void b_config13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_GET_CONFIG_REPLY;
	m->xid = 3;
	m->config.flags = 0;
	m->config.miss_send_len = 128;
}

static void b_set_config10(struct ofp_msg *m)
{
	m->version = OFP10_VERSION;
	m->kind = OFPK_SET_CONFIG;
	m->xid = 3;
	m->config.flags = 0;
	m->config.miss_send_len = 0xffff;
}

static void b_echo13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_ECHO_REQUEST;
	m->xid = 9;
	m->echo.data = sample_data;
	m->echo.len = sizeof(sample_data);
}

static void b_port_status13(struct ofp_msg *m)
{
	sample_ports_init();
	m->version = OFP13_VERSION;
	m->kind = OFPK_PORT_STATUS;
	m->port_status.reason = 0; /* add */
	m->port_status.port = sample_ports[1];
	m->port_status.port.curr_speed = 10000000;
	m->port_status.port.max_speed = 10000000;
}

static void b_port_status10(struct ofp_msg *m)
{
	sample_ports_init();
	m->version = OFP10_VERSION;
	m->kind = OFPK_PORT_STATUS;
	m->port_status.reason = 1; /* delete */
	m->port_status.port = sample_ports[1];
}

/* priority=300,ip,in_port=1,nw_src=10.1.0.0/16,nw_dst=10.2.3.4,tcp,tp_dst=443 */
static size_t sample_match13(void)
{
	__u32 port = htonl(1), src = htonl(0x0a010000), srcm = htonl(0xffff0000),
	      dst = htonl(0x0a020304);
	__u16 et = htons(0x0800), dp = htons(443);
	__u8 proto = 6;

	oxm_set(&sample_oxm[0], OFPXMT_IN_PORT, &port, NULL, 4);
	oxm_set(&sample_oxm[1], OFPXMT_ETH_TYPE, &et, NULL, 2);
	oxm_set(&sample_oxm[2], OFPXMT_IPV4_SRC, &src, &srcm, 4);
	oxm_set(&sample_oxm[3], OFPXMT_IPV4_DST, &dst, NULL, 4);
	oxm_set(&sample_oxm[4], OFPXMT_IP_PROTO, &proto, NULL, 1);
	oxm_set(&sample_oxm[5], OFPXMT_TCP_DST, &dp, NULL, 2);
	return 6;
}

/* udp6 from 2001:db8::/32 to port 4789 with tunnel_id, vlan and eth_dst mask */
static size_t sample_match13_v6(void)
{
	struct in6_addr a, mk;
	__u16 et = htons(0x86dd), dp = htons(4789), vid = htons(0x1000 | 42);
	__u64 tun = 0, tunm = 0;
	__u8 proto = 17, dscp = 46, dst[6] = {0x02, 0, 0, 0, 0, 9};

	inet_pton(AF_INET6, "2001:db8::", &a);
	inet_pton(AF_INET6, "ffff:ffff::", &mk);
	tun = (__u64)htonl(0x1234) << 32; /* big-endian 0x0000000000001234 */
	tunm = (__u64)htonl(0xffffff) << 32;
	oxm_set(&sample_oxm[0], OFPXMT_ETH_DST, dst, NULL, 6);
	oxm_set(&sample_oxm[1], OFPXMT_VLAN_VID, &vid, NULL, 2);
	oxm_set(&sample_oxm[2], OFPXMT_ETH_TYPE, &et, NULL, 2);
	oxm_set(&sample_oxm[3], OFPXMT_IP_DSCP, &dscp, NULL, 1);
	oxm_set(&sample_oxm[4], OFPXMT_IP_PROTO, &proto, NULL, 1);
	oxm_set(&sample_oxm[5], OFPXMT_IPV6_SRC, &a, &mk, 16);
	oxm_set(&sample_oxm[6], OFPXMT_UDP_DST, &dp, NULL, 2);
	oxm_set(&sample_oxm[7], OFPXMT_TUNNEL_ID, &tun, &tunm, 8);
	return 8;
}

static void b_flow_mod13(struct ofp_msg *m)
{
	struct ofp_flow_mod *f = &m->flow_mod;

	m->version = OFP13_VERSION;
	m->kind = OFPK_FLOW_MOD;
	m->xid = 0x10;
	f->cookie = 0xabc;
	f->cookie_mask = 0;
	f->table_id = 0;
	f->command = OFPFC_ADD;
	f->idle_timeout = 10;
	f->hard_timeout = 20;
	f->priority = 300;
	f->buffer_id = OFP_NO_BUFFER;
	f->out_port = OFPP13_ANY;
	f->out_group = OFPG13_ANY;
	f->flags = OFPFF_SEND_FLOW_REM;
	f->match.oxm = sample_oxm;
	f->match.n_oxm = sample_match13();
	memset(sample_act, 0, sizeof(sample_act));
	sample_act[0].type = OFPAT13_SET_QUEUE;
	sample_act[0].queue_id = 5;
	sample_act[1].type = OFPAT_OUTPUT;
	sample_act[1].port = 2;
	memset(sample_ins, 0, sizeof(sample_ins));
	sample_ins[0].type = OFPIT_APPLY_ACTIONS;
	sample_ins[0].actions = sample_act;
	sample_ins[0].n_actions = 2;
	sample_ins[1].type = OFPIT_GOTO_TABLE;
	sample_ins[1].table_id = 1;
	f->instructions = sample_ins;
	f->n_instructions = 2;
}

static void b_flow_mod13_v6(struct ofp_msg *m)
{
	struct ofp_flow_mod *f = &m->flow_mod;

	m->version = OFP13_VERSION;
	m->kind = OFPK_FLOW_MOD;
	m->xid = 0x11;
	f->command = OFPFC_MODIFY_STRICT;
	f->table_id = 2;
	f->priority = 7;
	f->buffer_id = OFP_NO_BUFFER;
	f->out_port = OFPP13_ANY;
	f->out_group = OFPG13_ANY;
	f->match.oxm = sample_oxm;
	f->match.n_oxm = sample_match13_v6();
	memset(sample_act, 0, sizeof(sample_act));
	sample_act[0].type = OFPAT_OUTPUT;
	sample_act[0].port = OFPP13_CONTROLLER;
	sample_act[0].max_len = 128;
	memset(sample_ins, 0, sizeof(sample_ins));
	sample_ins[0].type = OFPIT_WRITE_ACTIONS;
	sample_ins[0].actions = sample_act;
	sample_ins[0].n_actions = 1;
	f->instructions = sample_ins;
	f->n_instructions = 1;
}

static void b_flow_mod13_del(struct ofp_msg *m)
{
	struct ofp_flow_mod *f = &m->flow_mod;

	m->version = OFP13_VERSION;
	m->kind = OFPK_FLOW_MOD;
	m->xid = 0x12;
	f->command = OFPFC_DELETE;
	f->table_id = OFPTT_ALL;
	f->cookie = 0x100;
	f->cookie_mask = 0xff00;
	f->priority = 0x8000;
	f->buffer_id = OFP_NO_BUFFER;
	f->out_port = 3;
	f->out_group = OFPG13_ANY;
}

static void match10_sample(struct ofp_match10 *mt)
{
	memset(mt, 0, sizeof(*mt));
	/* in_port=3,dl_type=0x0800,nw_proto=17,nw_dst=10.0.0.0/8,tp_dst=4789 */
	mt->wildcards = OFPFW10_ALL & ~(OFPFW10_IN_PORT | OFPFW10_DL_TYPE | OFPFW10_NW_PROTO |
					OFPFW10_TP_DST | (63u << OFPFW10_NW_DST_SHIFT));
	mt->wildcards |= 24u << OFPFW10_NW_DST_SHIFT;
	mt->in_port = 3;
	mt->dl_type = 0x0800;
	mt->nw_proto = 17;
	mt->nw_dst = 0x0a000000;
	mt->tp_dst = 4789;
}

static void b_flow_mod10(struct ofp_msg *m)
{
	struct ofp_flow_mod *f = &m->flow_mod;

	m->version = OFP10_VERSION;
	m->kind = OFPK_FLOW_MOD;
	m->xid = 0x20;
	match10_sample(&f->match.m10);
	f->cookie = 0x77;
	f->command = OFPFC_MODIFY;
	f->idle_timeout = 5;
	f->priority = 1000;
	f->buffer_id = OFP_NO_BUFFER;
	f->out_port = OFPP10_NONE;
	f->flags = OFPFF_CHECK_OVERLAP;
	memset(sample_act, 0, sizeof(sample_act));
	sample_act[0].type = OFPAT10_ENQUEUE;
	sample_act[0].port = 2;
	sample_act[0].queue_id = 4;
	sample_act[1].type = OFPAT_OUTPUT;
	sample_act[1].port = 5;
	f->actions = sample_act;
	f->n_actions = 2;
}

static void b_flow_removed10(struct ofp_msg *m)
{
	struct ofp_flow_removed *f = &m->flow_removed;

	m->version = OFP10_VERSION;
	m->kind = OFPK_FLOW_REMOVED;
	match10_sample(&f->match.m10);
	f->cookie = 0x99;
	f->priority = 1000;
	f->reason = 0; /* idle */
	f->duration_sec = 12;
	f->duration_nsec = 500000000;
	f->idle_timeout = 5;
	f->packet_count = 1234;
	f->byte_count = 567890;
}

static void b_flow_removed13(struct ofp_msg *m)
{
	struct ofp_flow_removed *f = &m->flow_removed;

	m->version = OFP13_VERSION;
	m->kind = OFPK_FLOW_REMOVED;
	f->match.oxm = sample_oxm;
	f->match.n_oxm = sample_match13();
	f->cookie = 0x99;
	f->priority = 300;
	f->reason = 1; /* hard */
	f->table_id = 0;
	f->duration_sec = 20;
	f->duration_nsec = 1000;
	f->idle_timeout = 10;
	f->hard_timeout = 20;
	f->packet_count = 42;
	f->byte_count = 4200;
}

static void b_desc13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_DESC_REPLY;
	m->xid = 4;
	strcpy(m->desc.mfr_desc, "vsx project");
	strcpy(m->desc.hw_desc, "XDP datapath");
	strcpy(m->desc.sw_desc, "vsxd 0.1");
	strcpy(m->desc.serial_num, "None");
	strcpy(m->desc.dp_desc, "host-a uplink");
}

static void b_flow_stats13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_FLOW_STATS_REPLY;
	m->xid = 5;
	m->stats_flags = OFPMPF_REPLY_MORE;
	memset(sample_flows, 0, sizeof(sample_flows));
	memset(sample_act2, 0, sizeof(sample_act2));
	sample_act2[0].type = OFPAT_OUTPUT;
	sample_act2[0].port = 2;
	memset(sample_ins, 0, sizeof(sample_ins));
	sample_ins[0].type = OFPIT_APPLY_ACTIONS;
	sample_ins[0].actions = sample_act2;
	sample_ins[0].n_actions = 1;
	sample_flows[0].table_id = 0;
	sample_flows[0].duration_sec = 3;
	sample_flows[0].priority = 300;
	sample_flows[0].cookie = 0xabc;
	sample_flows[0].packet_count = 10;
	sample_flows[0].byte_count = 1000;
	sample_flows[0].match.oxm = sample_oxm;
	sample_flows[0].match.n_oxm = sample_match13();
	sample_flows[0].instructions = sample_ins;
	sample_flows[0].n_instructions = 1;
	sample_flows[1].priority = 0; /* table-miss: empty match, no instructions */
	sample_flows[1].duration_sec = 100;
	m->flows.v = sample_flows;
	m->flows.n = 2;
}

static void b_flow_stats10(struct ofp_msg *m)
{
	m->version = OFP10_VERSION;
	m->kind = OFPK_FLOW_STATS_REPLY;
	m->xid = 5;
	memset(sample_flows, 0, sizeof(sample_flows));
	memset(sample_act2, 0, sizeof(sample_act2));
	sample_act2[0].type = OFPAT_OUTPUT;
	sample_act2[0].port = 2;
	match10_sample(&sample_flows[0].match.m10);
	sample_flows[0].duration_sec = 8;
	sample_flows[0].priority = 1000;
	sample_flows[0].idle_timeout = 5;
	sample_flows[0].cookie = 0x77;
	sample_flows[0].packet_count = 3;
	sample_flows[0].byte_count = 300;
	sample_flows[0].actions = sample_act2;
	sample_flows[0].n_actions = 1;
	m->flows.v = sample_flows;
	m->flows.n = 1;
}

static void b_aggregate10(struct ofp_msg *m)
{
	m->version = OFP10_VERSION;
	m->kind = OFPK_AGGREGATE_REPLY;
	m->xid = 6;
	m->aggregate.packet_count = 111;
	m->aggregate.byte_count = 22222;
	m->aggregate.flow_count = 3;
}

static void b_aggregate13(struct ofp_msg *m)
{
	b_aggregate10(m);
	m->version = OFP13_VERSION;
}

static void b_tables10(struct ofp_msg *m)
{
	m->version = OFP10_VERSION;
	m->kind = OFPK_TABLE_STATS_REPLY;
	m->xid = 7;
	memset(sample_tables, 0, sizeof(sample_tables));
	strcpy(sample_tables[0].name, "steering");
	sample_tables[0].wildcards = OFPFW10_ALL;
	sample_tables[0].max_entries = 4096;
	sample_tables[0].active_count = 3;
	sample_tables[0].lookup_count = 1000;
	sample_tables[0].matched_count = 900;
	m->tables.v = sample_tables;
	m->tables.n = 1;
}

static void b_tables13(struct ofp_msg *m)
{
	b_tables10(m);
	m->version = OFP13_VERSION;
}

static void b_port_stats13(struct ofp_msg *m)
{
	struct ofp_port_stats *p = &sample_pstats[0];

	m->version = OFP13_VERSION;
	m->kind = OFPK_PORT_STATS_REPLY;
	m->xid = 8;
	memset(p, 0, sizeof(*p));
	p->port_no = 1;
	p->rx_packets = 100;
	p->tx_packets = 200;
	p->rx_bytes = 10000;
	p->tx_bytes = 20000;
	p->rx_dropped = 1;
	p->rx_errors = 2;
	p->duration_sec = 60;
	m->port_stats.v = sample_pstats;
	m->port_stats.n = 1;
}

static void b_port_stats10(struct ofp_msg *m)
{
	b_port_stats13(m);
	m->version = OFP10_VERSION;
	sample_pstats[0].duration_sec = 0;
}

static void b_port_desc13(struct ofp_msg *m)
{
	sample_ports_init();
	m->version = OFP13_VERSION;
	m->kind = OFPK_PORT_DESC_REPLY;
	m->xid = 9;
	m->ports.v = sample_ports;
	m->ports.n = 2;
}

/* The 8 properties ovs-ofctl requires, with plausible contents for one table. */
static void b_table_features13(struct ofp_msg *m)
{
	static const __u8 inst[] = {0, 4, 0, 4, 0, 1, 0, 4}; /* apply_actions, goto_table */
	static const __u8 next[] = {1};
	static const __u8 acts[] = {0, 0, 0, 4, 0, 21, 0, 4};	      /* output, set_queue */
	static const __u8 oxms[] = {0x80, 0, 0, 4, 0x80, 0, 0x0a, 2}; /* in_port, eth_type */
	static const struct {
		__u16 type;
		const __u8 *p;
		size_t n;
	} def[8] = {
	    {OFPTFPT_INSTRUCTIONS, inst, sizeof(inst)},
	    {OFPTFPT_NEXT_TABLES, next, sizeof(next)},
	    {OFPTFPT_WRITE_ACTIONS, acts, sizeof(acts)},
	    {OFPTFPT_APPLY_ACTIONS, acts, sizeof(acts)},
	    {OFPTFPT_MATCH, oxms, sizeof(oxms)},
	    {OFPTFPT_WILDCARDS, oxms, sizeof(oxms)},
	    {OFPTFPT_WRITE_SETFIELD, NULL, 0},
	    {OFPTFPT_APPLY_SETFIELD, NULL, 0},
	};

	m->version = OFP13_VERSION;
	m->kind = OFPK_TABLE_FEATURES_REPLY;
	m->xid = 10;
	memset(sample_tf, 0, sizeof(sample_tf));
	for (int i = 0; i < 8; i++) {
		sample_props[i].type = def[i].type;
		sample_props[i].data = def[i].p;
		sample_props[i].len = def[i].n;
	}
	sample_tf[0].table_id = 0;
	strcpy(sample_tf[0].name, "steering");
	sample_tf[0].metadata_match = 0;
	sample_tf[0].metadata_write = 0;
	sample_tf[0].max_entries = 4096;
	sample_tf[0].props = sample_props;
	sample_tf[0].n_props = 8;
	m->table_features.v = sample_tf;
	m->table_features.n = 1;
}

static void b_experimenter13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_EXPERIMENTER;
	m->xid = 11;
	m->exp.experimenter = 0x00abcdef;
	m->exp.subtype = 3;
	m->exp.has_subtype = true;
	m->exp.data = sample_data;
	m->exp.len = sizeof(sample_data);
}

static void b_error13(struct ofp_msg *m)
{
	static const __u8 req[] = {0x04, 0x12, 0x00, 0x10, 0, 0, 0, 0x21,
				   0x00, 0x0d, 0x00, 0x00, 0, 0, 0, 0};

	m->version = OFP13_VERSION;
	m->kind = OFPK_ERROR;
	m->xid = 0x21;
	m->error.type = 1; /* BAD_REQUEST */
	m->error.code = 2; /* BAD_MULTIPART */
	m->error.data = req;
	m->error.data_len = sizeof(req);
}

static void b_barrier_reply13(struct ofp_msg *m)
{
	m->version = OFP13_VERSION;
	m->kind = OFPK_BARRIER_REPLY;
	m->xid = 12;
}

static const struct ofp_sample ofp_samples[] = {
    {"hello13", b_hello13, {"OFPT_HELLO (OF1.3) (xid=0x1)", "version bitmap: 0x01, 0x04"}, false},
    {"features_reply10",
     b_features10,
     {"OFPT_FEATURES_REPLY (xid=0x2): dpid:0000020000000001", "n_tables:1, n_buffers:0",
      "capabilities: FLOW_STATS TABLE_STATS PORT_STATS", "actions: output enqueue",
      " 1(uplink0): addr:02:00:00:00:00:01", " 7(vm7): addr:02:00:00:00:00:02",
      "current:    10GB-FD", "config:     PORT_DOWN", "state:      LINK_DOWN"},
     false},
    {"features_reply13",
     b_features13,
     {"OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): dpid:0000020000000001", "n_tables:1, n_buffers:0",
      "capabilities: FLOW_STATS TABLE_STATS PORT_STATS"},
     false},
    {"get_config_reply13",
     b_config13,
     {"OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x3): frags=normal miss_send_len=128"},
     false},
    {"set_config10",
     b_set_config10,
     {"OFPT_SET_CONFIG (xid=0x3): frags=normal miss_send_len=65535"},
     false},
    {"echo_request13",
     b_echo13,
     {"OFPT_ECHO_REQUEST (OF1.3) (xid=0x9): 8 bytes of payload"},
     false},
    {"port_status13",
     b_port_status13,
     {"OFPT_PORT_STATUS (OF1.3) (xid=0x0): ADD: 7(vm7): addr:02:00:00:00:00:02",
      "config:     PORT_DOWN", "state:      LINK_DOWN", "speed: 10000 Mbps now, 10000 Mbps max"},
     false},
    {"port_status10",
     b_port_status10,
     {"OFPT_PORT_STATUS (xid=0x0): DEL: 7(vm7): addr:02:00:00:00:00:02"},
     false},
    {"flow_mod13",
     b_flow_mod13,
     {"OFPT_FLOW_MOD (OF1.3) (xid=0x10): ADD "
      "priority=300,tcp,in_port=1,nw_src=10.1.0.0/16,nw_dst=10.2.3.4,tp_dst=443",
      "cookie:0xabc idle:10 hard:20 send_flow_rem", "actions=set_queue:5,output:2,goto_table:1"},
     false},
    {"flow_mod13_v6",
     b_flow_mod13_v6,
     {"OFPT_FLOW_MOD (OF1.3) (xid=0x11): MOD_STRICT table:2 priority=7,udp6,"
      "tun_id=0x1234/0xffffff,dl_vlan=42,dl_dst=02:00:00:00:00:09,ipv6_src=2001:db8::/32,"
      "nw_tos=184,tp_dst=4789",
      "actions=write_actions(CONTROLLER:128)"},
     false},
    {"flow_mod13_delete",
     b_flow_mod13_del,
     {"OFPT_FLOW_MOD (OF1.3) (xid=0x12): DEL table:255 cookie:0x100/0xff00 out_port:3"},
     false},
    {"flow_mod10",
     b_flow_mod10,
     {"OFPT_FLOW_MOD (xid=0x20): MOD priority=1000,udp,in_port=3,nw_dst=10.0.0.0/8,tp_dst=4789",
      "cookie:0x77 idle:5 check_overlap actions=enqueue:2:4,output:5"},
     false},
    {"flow_removed10",
     b_flow_removed10,
     {"OFPT_FLOW_REMOVED (xid=0x0): priority=1000,udp,in_port=3,nw_dst=10.0.0.0/8,tp_dst=4789",
      "reason=idle", "cookie:0x99 duration12.500s idle5 pkts1234 bytes567890"},
     false},
    {"flow_removed13",
     b_flow_removed13,
     {"OFPT_FLOW_REMOVED (OF1.3) (xid=0x0): "
      "priority=300,tcp,in_port=1,nw_src=10.1.0.0/16,nw_dst=10.2.3.4,tp_dst=443",
      "reason=hard table_id=0 cookie:0x99 duration20.000001s idle10 hard20 pkts42 bytes4200"},
     false},
    {"desc_reply13",
     b_desc13,
     {"OFPST_DESC reply (OF1.3) (xid=0x4):", "Manufacturer: vsx project", "Hardware: XDP datapath",
      "Software: vsxd 0.1", "Serial Num: None", "DP Description: host-a uplink"},
     false},
    {"flow_stats_reply13",
     b_flow_stats13,
     {"OFPST_FLOW reply (OF1.3) (xid=0x5): flags=[more]",
      "cookie=0xabc, duration=3s, table=0, n_packets=10, n_bytes=1000, "
      "priority=300,tcp,in_port=1,nw_src=10.1.0.0/16,nw_dst=10.2.3.4,tp_dst=443 actions=output:2",
      "duration=100s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop"},
     false},
    {"flow_stats_reply10",
     b_flow_stats10,
     {"OFPST_FLOW reply (xid=0x5):",
      "cookie=0x77, duration=8s, table=0, n_packets=3, n_bytes=300, idle_timeout=5, "
      "priority=1000,udp,in_port=3,nw_dst=10.0.0.0/8,tp_dst=4789 actions=output:2"},
     false},
    {"aggregate_reply10",
     b_aggregate10,
     {"OFPST_AGGREGATE reply (xid=0x6): packet_count=111 byte_count=22222 flow_count=3"},
     false},
    {"aggregate_reply13",
     b_aggregate13,
     {"OFPST_AGGREGATE reply (OF1.3) (xid=0x6): packet_count=111 byte_count=22222 flow_count=3"},
     false},
    {"table_stats_reply10",
     b_tables10,
     {"OFPST_TABLE reply (xid=0x7):", "table 0 (\"steering\"):",
      "active=3, lookup=1000, matched=900", "max_entries=4096"},
     false},
    {"table_stats_reply13",
     b_tables13,
     {"OFPST_TABLE reply (OF1.3) (xid=0x7):", "table 0:", "active=3, lookup=1000, matched=900"},
     false},
    {"port_stats_reply13",
     b_port_stats13,
     {"OFPST_PORT reply (OF1.3) (xid=0x8): 1 ports",
      "port  1: rx pkts=100, bytes=10000, drop=1, errs=2, frame=0, over=0, crc=0",
      "tx pkts=200, bytes=20000, drop=0, errs=0, coll=0", "duration=60s"},
     false},
    {"port_stats_reply10",
     b_port_stats10,
     {"OFPST_PORT reply (xid=0x8): 1 ports",
      "port  1: rx pkts=100, bytes=10000, drop=1, errs=2, frame=0, over=0, crc=0"},
     false},
    {"port_desc_reply13",
     b_port_desc13,
     {"OFPST_PORT_DESC reply (OF1.3) (xid=0x9):", " 1(uplink0): addr:02:00:00:00:00:01",
      " 7(vm7): addr:02:00:00:00:00:02"},
     false},
    {"table_features_reply13",
     b_table_features13,
     {"OFPST_TABLE_FEATURES reply (OF1.3) (xid=0xa):", "table 0 (\"steering\"):",
      "max_entries=4096", "instructions: apply_actions goto_table", "next tables: 1",
      "actions: output set_queue", "exact match or wildcard: in_port_oxm eth_type"},
     false},
    {"experimenter13",
     b_experimenter13,
     {"unknown vendor 0xabcdef", "00 ab cd ef 00 00 00 03"},
     true},
    {"error13",
     b_error13,
     {"OFPT_ERROR (OF1.3) (xid=0x21): OFPBRC_BAD_STAT",
      "OFPST_PORT_DESC request (OF1.3) (xid=0x21)"},
     false},
    {"barrier_reply13", b_barrier_reply13, {"OFPT_BARRIER_REPLY (OF1.3) (xid=0xc):"}, false},
};

#endif
