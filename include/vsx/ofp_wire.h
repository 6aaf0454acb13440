/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow 1.0 (wire version 0x01) and 1.3 (0x04) on the wire: the numbers and the fixed
 * parts of the messages lib/ofp_*.c decode and encode. Big-endian fields, explicit padding,
 * no bit-fields, a size assertion after each struct (the layouts are the specs'; offsets of
 * 64-bit fields are 8-aligned in both specs, so no packing is needed). Only the codec reads
 * these: everything else works on the host-order structs of lib/ofp.h.
 */
#ifndef VSX_OFP_WIRE_H
#define VSX_OFP_WIRE_H

#include "compat.h"

#define OFP10_VERSION 0x01
#define OFP13_VERSION 0x04

/* Message types of both versions (values differ after 0x0f). */
enum {
	OFPT_HELLO = 0,
	OFPT_ERROR = 1,
	OFPT_ECHO_REQUEST = 2,
	OFPT_ECHO_REPLY = 3,
	OFPT_EXPERIMENTER = 4, /* OFPT_VENDOR in 1.0 */
	OFPT_FEATURES_REQUEST = 5,
	OFPT_FEATURES_REPLY = 6,
	OFPT_GET_CONFIG_REQUEST = 7,
	OFPT_GET_CONFIG_REPLY = 8,
	OFPT_SET_CONFIG = 9,
	OFPT_FLOW_REMOVED = 11,
	OFPT_PORT_STATUS = 12,
	OFPT_FLOW_MOD = 14,
	OFPT10_STATS_REQUEST = 16,
	OFPT10_STATS_REPLY = 17,
	OFPT10_BARRIER_REQUEST = 18,
	OFPT10_BARRIER_REPLY = 19,
	OFPT13_MULTIPART_REQUEST = 18,
	OFPT13_MULTIPART_REPLY = 19,
	OFPT13_BARRIER_REQUEST = 20,
	OFPT13_BARRIER_REPLY = 21,
	OFPT13_ROLE_REQUEST = 24,
	OFPT13_ROLE_REPLY = 25,
};

/* Stats (1.0) / multipart (1.3) types. */
enum {
	OFPMP_DESC = 0,
	OFPMP_FLOW = 1,
	OFPMP_AGGREGATE = 2,
	OFPMP_TABLE = 3,
	OFPMP_PORT_STATS = 4,
	OFPMP_TABLE_FEATURES = 12, /* 1.3 */
	OFPMP_PORT_DESC = 13,	   /* 1.3 */
	OFPMP_EXPERIMENTER = 0xffff,
};
#define OFPMPF_REQ_MORE 0x0001	 /* 1.3 requests */
#define OFPMPF_REPLY_MORE 0x0001 /* both versions' replies */

/* Reserved ports. */
#define OFPP10_MAX 0xff00
#define OFPP10_IN_PORT 0xfff8
#define OFPP10_TABLE 0xfff9
#define OFPP10_NORMAL 0xfffa
#define OFPP10_FLOOD 0xfffb
#define OFPP10_ALL 0xfffc
#define OFPP10_CONTROLLER 0xfffd
#define OFPP10_LOCAL 0xfffe
#define OFPP10_NONE 0xffff
#define OFPP13_MAX 0xffffff00u
#define OFPP13_IN_PORT 0xfffffff8u
#define OFPP13_TABLE 0xfffffff9u
#define OFPP13_NORMAL 0xfffffffau
#define OFPP13_FLOOD 0xfffffffbu
#define OFPP13_ALL 0xfffffffcu
#define OFPP13_CONTROLLER 0xfffffffdu
#define OFPP13_LOCAL 0xfffffffeu
#define OFPP13_ANY 0xffffffffu
#define OFPG13_ANY 0xffffffffu
#define OFPTT_ALL 0xff
#define OFP_NO_BUFFER 0xffffffffu

/* FLOW_MOD commands and flags. */
enum {
	OFPFC_ADD = 0,
	OFPFC_MODIFY = 1,
	OFPFC_MODIFY_STRICT = 2,
	OFPFC_DELETE = 3,
	OFPFC_DELETE_STRICT = 4,
};
#define OFPFF_SEND_FLOW_REM 0x0001
#define OFPFF_CHECK_OVERLAP 0x0002
#define OFPFF10_EMERG 0x0004
#define OFPFF13_RESET_COUNTS 0x0004
#define OFPFF13_NO_PKT_COUNTS 0x0008
#define OFPFF13_NO_BYT_COUNTS 0x0010
#define OFPFF13_ALL 0x001f

/* Actions. */
enum {
	OFPAT_OUTPUT = 0,
	OFPAT10_ENQUEUE = 11,
	OFPAT13_SET_QUEUE = 21,
	OFPAT_EXPERIMENTER = 0xffff, /* OFPAT_VENDOR in 1.0 */
};
/* Instructions (1.3). */
enum {
	OFPIT_GOTO_TABLE = 1,
	OFPIT_WRITE_ACTIONS = 3,
	OFPIT_APPLY_ACTIONS = 4,
	OFPIT_CLEAR_ACTIONS = 5,
	OFPIT_EXPERIMENTER = 0xffff,
};

/* OXM (1.3). */
#define OFPMT_OXM 1
#define OFPXMC_OPENFLOW_BASIC 0x8000
#define OFPXMC_EXPERIMENTER 0xffff
#define OFPVID_PRESENT 0x1000

/* Hello elements (1.3.1+). */
#define OFPHET_VERSIONBITMAP 1

/* Error types (see lib/ofp_err.c for the codes). */
#define OFPET13_EXPERIMENTER 0xffff

/* Table features property types (1.3). */
enum {
	OFPTFPT_INSTRUCTIONS = 0,
	OFPTFPT_INSTRUCTIONS_MISS = 1,
	OFPTFPT_NEXT_TABLES = 2,
	OFPTFPT_NEXT_TABLES_MISS = 3,
	OFPTFPT_WRITE_ACTIONS = 4,
	OFPTFPT_WRITE_ACTIONS_MISS = 5,
	OFPTFPT_APPLY_ACTIONS = 6,
	OFPTFPT_APPLY_ACTIONS_MISS = 7,
	OFPTFPT_MATCH = 8,
	OFPTFPT_WILDCARDS = 10,
	OFPTFPT_WRITE_SETFIELD = 12,
	OFPTFPT_WRITE_SETFIELD_MISS = 13,
	OFPTFPT_APPLY_SETFIELD = 14,
	OFPTFPT_APPLY_SETFIELD_MISS = 15,
	OFPTFPT_EXPERIMENTER = 0xfffe,
	OFPTFPT_EXPERIMENTER_MISS = 0xffff,
};

/* 1.0 match wildcards. */
#define OFPFW10_IN_PORT (1u << 0)
#define OFPFW10_DL_VLAN (1u << 1)
#define OFPFW10_DL_SRC (1u << 2)
#define OFPFW10_DL_DST (1u << 3)
#define OFPFW10_DL_TYPE (1u << 4)
#define OFPFW10_NW_PROTO (1u << 5)
#define OFPFW10_TP_SRC (1u << 6)
#define OFPFW10_TP_DST (1u << 7)
#define OFPFW10_NW_SRC_SHIFT 8
#define OFPFW10_NW_DST_SHIFT 14
#define OFPFW10_DL_VLAN_PCP (1u << 20)
#define OFPFW10_NW_TOS (1u << 21)
#define OFPFW10_ALL ((1u << 22) - 1)

struct ofp_header {
	__u8 version;
	__u8 type;
	__be16 length;
	__be32 xid;
};
VSX_ASSERT_SIZE(struct ofp_header, 8);

struct ofp_hello_elem {
	__be16 type;
	__be16 length; /* header included, padding excluded */
};
VSX_ASSERT_SIZE(struct ofp_hello_elem, 4);

struct ofp_error_msg {
	struct ofp_header h;
	__be16 type;
	__be16 code;
};
VSX_ASSERT_SIZE(struct ofp_error_msg, 12);

/* 1.3 error type 0xffff: code is exp_type, then the experimenter id. */
struct ofp13_error_experimenter {
	struct ofp_header h;
	__be16 type;
	__be16 exp_type;
	__be32 experimenter;
};
VSX_ASSERT_SIZE(struct ofp13_error_experimenter, 16);

/* OFPT_VENDOR / OFPT_EXPERIMENTER. In 1.0 only the vendor id is standard. */
struct ofp_experimenter_msg {
	struct ofp_header h;
	__be32 experimenter;
	__be32 exp_type;
};
VSX_ASSERT_SIZE(struct ofp_experimenter_msg, 16);

struct ofp10_phy_port {
	__be16 port_no;
	__u8 hw_addr[6];
	char name[16];
	__be32 config;
	__be32 state;
	__be32 curr;
	__be32 advertised;
	__be32 supported;
	__be32 peer;
};
VSX_ASSERT_SIZE(struct ofp10_phy_port, 48);

struct ofp13_port {
	__be32 port_no;
	__u8 pad[4];
	__u8 hw_addr[6];
	__u8 pad2[2];
	char name[16];
	__be32 config;
	__be32 state;
	__be32 curr;
	__be32 advertised;
	__be32 supported;
	__be32 peer;
	__be32 curr_speed;
	__be32 max_speed;
};
VSX_ASSERT_SIZE(struct ofp13_port, 64);

struct ofp_switch_features {
	struct ofp_header h;
	__be64 datapath_id;
	__be32 n_buffers;
	__u8 n_tables;
	__u8 auxiliary_id; /* 1.3; pad in 1.0 */
	__u8 pad[2];
	__be32 capabilities;
	__be32 actions; /* 1.0: supported actions; 1.3: reserved */
};
VSX_ASSERT_SIZE(struct ofp_switch_features, 32);

struct ofp_switch_config_msg {
	struct ofp_header h;
	__be16 flags;
	__be16 miss_send_len;
};
VSX_ASSERT_SIZE(struct ofp_switch_config_msg, 12);

/* 1.3 ROLE_REQUEST / ROLE_REPLY (OFPCR_ROLE_*: NOCHANGE 0, EQUAL 1, MASTER 2, SLAVE 3). */
#define OFPCR_ROLE_NOCHANGE 0
#define OFPCR_ROLE_EQUAL 1
#define OFPCR_ROLE_MASTER 2
#define OFPCR_ROLE_SLAVE 3
struct ofp13_role_msg {
	struct ofp_header h;
	__be32 role;
	__u8 pad[4];
	__be64 generation_id;
};
VSX_ASSERT_SIZE(struct ofp13_role_msg, 24);

struct ofp_port_status_msg {
	struct ofp_header h;
	__u8 reason;
	__u8 pad[7];
};
VSX_ASSERT_SIZE(struct ofp_port_status_msg, 16);

struct ofp10_match {
	__be32 wildcards;
	__be16 in_port;
	__u8 dl_src[6];
	__u8 dl_dst[6];
	__be16 dl_vlan;
	__u8 dl_vlan_pcp;
	__u8 pad1;
	__be16 dl_type;
	__u8 nw_tos;
	__u8 nw_proto;
	__u8 pad2[2];
	__be32 nw_src;
	__be32 nw_dst;
	__be16 tp_src;
	__be16 tp_dst;
};
VSX_ASSERT_SIZE(struct ofp10_match, 40);

/* 1.3 match header; the OXM fields follow, then padding to 8. */
struct ofp13_match {
	__be16 type;
	__be16 length; /* header and fields, padding excluded */
};
VSX_ASSERT_SIZE(struct ofp13_match, 4);

struct ofp10_flow_mod {
	struct ofp_header h;
	struct ofp10_match match;
	__be64 cookie;
	__be16 command;
	__be16 idle_timeout;
	__be16 hard_timeout;
	__be16 priority;
	__be32 buffer_id;
	__be16 out_port;
	__be16 flags;
};
VSX_ASSERT_SIZE(struct ofp10_flow_mod, 72);

/* The match (at least 8 bytes with its padding) and the instructions follow. */
struct ofp13_flow_mod {
	struct ofp_header h;
	__be64 cookie;
	__be64 cookie_mask;
	__u8 table_id;
	__u8 command;
	__be16 idle_timeout;
	__be16 hard_timeout;
	__be16 priority;
	__be32 buffer_id;
	__be32 out_port;
	__be32 out_group;
	__be16 flags;
	__u8 pad[2];
};
VSX_ASSERT_SIZE(struct ofp13_flow_mod, 48);

struct ofp10_flow_removed {
	struct ofp_header h;
	struct ofp10_match match;
	__be64 cookie;
	__be16 priority;
	__u8 reason;
	__u8 pad;
	__be32 duration_sec;
	__be32 duration_nsec;
	__be16 idle_timeout;
	__u8 pad2[2];
	__be64 packet_count;
	__be64 byte_count;
};
VSX_ASSERT_SIZE(struct ofp10_flow_removed, 88);

/* The match follows. */
struct ofp13_flow_removed {
	struct ofp_header h;
	__be64 cookie;
	__be16 priority;
	__u8 reason;
	__u8 table_id;
	__be32 duration_sec;
	__be32 duration_nsec;
	__be16 idle_timeout;
	__be16 hard_timeout;
	__be64 packet_count;
	__be64 byte_count;
};
VSX_ASSERT_SIZE(struct ofp13_flow_removed, 48);

struct ofp_action_header {
	__be16 type;
	__be16 len; /* a multiple of 8 */
};
VSX_ASSERT_SIZE(struct ofp_action_header, 4);

struct ofp10_action_output {
	__be16 type;
	__be16 len;
	__be16 port;
	__be16 max_len;
};
VSX_ASSERT_SIZE(struct ofp10_action_output, 8);

struct ofp10_action_enqueue {
	__be16 type;
	__be16 len;
	__be16 port;
	__u8 pad[6];
	__be32 queue_id;
};
VSX_ASSERT_SIZE(struct ofp10_action_enqueue, 16);

struct ofp13_action_output {
	__be16 type;
	__be16 len;
	__be32 port;
	__be16 max_len;
	__u8 pad[6];
};
VSX_ASSERT_SIZE(struct ofp13_action_output, 16);

struct ofp13_action_set_queue {
	__be16 type;
	__be16 len;
	__be32 queue_id;
};
VSX_ASSERT_SIZE(struct ofp13_action_set_queue, 8);

/* Vendor (1.0) and experimenter (1.3) actions: opaque data follows. */
struct ofp_action_experimenter {
	__be16 type;
	__be16 len;
	__be32 experimenter;
};
VSX_ASSERT_SIZE(struct ofp_action_experimenter, 8);

struct ofp13_instruction {
	__be16 type;
	__be16 len;
};
VSX_ASSERT_SIZE(struct ofp13_instruction, 4);

struct ofp13_instruction_goto_table {
	__be16 type;
	__be16 len;
	__u8 table_id;
	__u8 pad[3];
};
VSX_ASSERT_SIZE(struct ofp13_instruction_goto_table, 8);

/* WRITE_ACTIONS, APPLY_ACTIONS, CLEAR_ACTIONS: actions follow. */
struct ofp13_instruction_actions {
	__be16 type;
	__be16 len;
	__u8 pad[4];
};
VSX_ASSERT_SIZE(struct ofp13_instruction_actions, 8);

struct ofp13_instruction_experimenter {
	__be16 type;
	__be16 len;
	__be32 experimenter;
};
VSX_ASSERT_SIZE(struct ofp13_instruction_experimenter, 8);

struct ofp10_stats_msg {
	struct ofp_header h;
	__be16 type;
	__be16 flags;
};
VSX_ASSERT_SIZE(struct ofp10_stats_msg, 12);

struct ofp13_multipart_msg {
	struct ofp_header h;
	__be16 type;
	__be16 flags;
	__u8 pad[4];
};
VSX_ASSERT_SIZE(struct ofp13_multipart_msg, 16);

#define OFP_DESC_STR_LEN 256
#define OFP_SERIAL_NUM_LEN 32
struct ofp_desc {
	char mfr_desc[OFP_DESC_STR_LEN];
	char hw_desc[OFP_DESC_STR_LEN];
	char sw_desc[OFP_DESC_STR_LEN];
	char serial_num[OFP_SERIAL_NUM_LEN];
	char dp_desc[OFP_DESC_STR_LEN];
};
VSX_ASSERT_SIZE(struct ofp_desc, 1056);

/* Flow and aggregate requests share a body. */
struct ofp10_flow_stats_request {
	struct ofp10_match match;
	__u8 table_id;
	__u8 pad;
	__be16 out_port;
};
VSX_ASSERT_SIZE(struct ofp10_flow_stats_request, 44);

/* The match follows. */
struct ofp13_flow_stats_request {
	__u8 table_id;
	__u8 pad[3];
	__be32 out_port;
	__be32 out_group;
	__u8 pad2[4];
	__be64 cookie;
	__be64 cookie_mask;
};
VSX_ASSERT_SIZE(struct ofp13_flow_stats_request, 32);

/* Actions follow. */
struct ofp10_flow_stats {
	__be16 length;
	__u8 table_id;
	__u8 pad;
	struct ofp10_match match;
	__be32 duration_sec;
	__be32 duration_nsec;
	__be16 priority;
	__be16 idle_timeout;
	__be16 hard_timeout;
	__u8 pad2[6];
	__be64 cookie;
	__be64 packet_count;
	__be64 byte_count;
};
VSX_ASSERT_SIZE(struct ofp10_flow_stats, 88);

/* The match, then the instructions, follow. */
struct ofp13_flow_stats {
	__be16 length;
	__u8 table_id;
	__u8 pad;
	__be32 duration_sec;
	__be32 duration_nsec;
	__be16 priority;
	__be16 idle_timeout;
	__be16 hard_timeout;
	__be16 flags;
	__u8 pad2[4];
	__be64 cookie;
	__be64 packet_count;
	__be64 byte_count;
};
VSX_ASSERT_SIZE(struct ofp13_flow_stats, 48);

struct ofp_aggregate_stats_reply {
	__be64 packet_count;
	__be64 byte_count;
	__be32 flow_count;
	__u8 pad[4];
};
VSX_ASSERT_SIZE(struct ofp_aggregate_stats_reply, 24);

struct ofp10_table_stats {
	__u8 table_id;
	__u8 pad[3];
	char name[32];
	__be32 wildcards;
	__be32 max_entries;
	__be32 active_count;
	__be64 lookup_count;
	__be64 matched_count;
};
VSX_ASSERT_SIZE(struct ofp10_table_stats, 64);

struct ofp13_table_stats {
	__u8 table_id;
	__u8 pad[3];
	__be32 active_count;
	__be64 lookup_count;
	__be64 matched_count;
};
VSX_ASSERT_SIZE(struct ofp13_table_stats, 24);

struct ofp10_port_stats_request {
	__be16 port_no;
	__u8 pad[6];
};
VSX_ASSERT_SIZE(struct ofp10_port_stats_request, 8);

struct ofp13_port_stats_request {
	__be32 port_no;
	__u8 pad[4];
};
VSX_ASSERT_SIZE(struct ofp13_port_stats_request, 8);

/* The twelve counters both versions share, in wire order. */
struct ofp_port_counters {
	__be64 rx_packets;
	__be64 tx_packets;
	__be64 rx_bytes;
	__be64 tx_bytes;
	__be64 rx_dropped;
	__be64 tx_dropped;
	__be64 rx_errors;
	__be64 tx_errors;
	__be64 rx_frame_err;
	__be64 rx_over_err;
	__be64 rx_crc_err;
	__be64 collisions;
};
VSX_ASSERT_SIZE(struct ofp_port_counters, 96);

struct ofp10_port_stats {
	__be16 port_no;
	__u8 pad[6];
	struct ofp_port_counters c;
};
VSX_ASSERT_SIZE(struct ofp10_port_stats, 104);

struct ofp13_port_stats {
	__be32 port_no;
	__u8 pad[4];
	struct ofp_port_counters c;
	__be32 duration_sec;
	__be32 duration_nsec;
};
VSX_ASSERT_SIZE(struct ofp13_port_stats, 112);

/* Properties follow; length is a multiple of 8. */
struct ofp13_table_features {
	__be16 length;
	__u8 table_id;
	__u8 pad[5];
	char name[32];
	__be64 metadata_match;
	__be64 metadata_write;
	__be32 config;
	__be32 max_entries;
};
VSX_ASSERT_SIZE(struct ofp13_table_features, 64);

struct ofp13_table_feature_prop {
	__be16 type;
	__be16 length; /* header included, padding to 8 excluded */
};
VSX_ASSERT_SIZE(struct ofp13_table_feature_prop, 4);

/* Vendor stats (1.0): the vendor id follows the stats header. 1.3 experimenter multipart:
 * experimenter id and exp_type. */
struct ofp13_multipart_experimenter {
	__be32 experimenter;
	__be32 exp_type;
};
VSX_ASSERT_SIZE(struct ofp13_multipart_experimenter, 8);

#endif
