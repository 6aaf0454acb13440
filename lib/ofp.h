/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow 1.0 and 1.3 codec: one message at a time between wire bytes and the host-order
 * structs below, a one-line printer, version negotiation and the spec's error replies.
 * docs/openflow-codec.md describes the coverage, the printed format and what is refused.
 *
 * Decoding (ofp_decode) checks every length before reading (the message's against the buffer,
 * the ones inside it against the message and against each other) and fills a struct ofp_msg
 * whose lists live in an arena the message owns: release it with ofp_msg_free(). A message
 * that cannot be decoded yields a negative errno (-EBADMSG malformed, -EOPNOTSUPP outside what
 * the codec knows, -ENOMEM) and a struct ofp_status naming the OpenFlow error to answer with
 * (ofp_encode_error_reply() turns it into the ERROR message for the peer's version).
 *
 * Encoding (ofp_encode) appends one message to a struct ofp_buf from the same structs; lists
 * are read through the pointers in the message (caller memory for hand-built messages).
 * Lengths and the header are computed; m->version, m->kind, m->xid (and stats_flags for stats
 * messages) select and label the message. Anything the wire cannot carry is -EINVAL with text.
 *
 * Values stay as on the wire, converted to host order only: port numbers, reserved values
 * and flags are not translated between the versions (that is the caller's business).
 */
#ifndef VSX_OFP_H
#define VSX_OFP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "strbuf.h"

struct ofp_status;

/* What a message is, whatever its version. */
enum ofp_kind {
	OFPK_NONE = 0,
	OFPK_HELLO,
	OFPK_ERROR,
	OFPK_ECHO_REQUEST,
	OFPK_ECHO_REPLY,
	OFPK_EXPERIMENTER, /* OFPT_VENDOR in 1.0 */
	OFPK_FEATURES_REQUEST,
	OFPK_FEATURES_REPLY,
	OFPK_GET_CONFIG_REQUEST,
	OFPK_GET_CONFIG_REPLY,
	OFPK_SET_CONFIG,
	OFPK_FLOW_REMOVED,
	OFPK_PORT_STATUS,
	OFPK_FLOW_MOD,
	OFPK_BARRIER_REQUEST,
	OFPK_BARRIER_REPLY,
	OFPK_DESC_REQUEST,
	OFPK_DESC_REPLY,
	OFPK_FLOW_STATS_REQUEST,
	OFPK_FLOW_STATS_REPLY,
	OFPK_AGGREGATE_REQUEST,
	OFPK_AGGREGATE_REPLY,
	OFPK_TABLE_STATS_REQUEST,
	OFPK_TABLE_STATS_REPLY,
	OFPK_PORT_STATS_REQUEST,
	OFPK_PORT_STATS_REPLY,
	OFPK_PORT_DESC_REQUEST,		 /* 1.3 */
	OFPK_PORT_DESC_REPLY,		 /* 1.3 */
	OFPK_TABLE_FEATURES_REQUEST,	 /* 1.3 */
	OFPK_TABLE_FEATURES_REPLY,	 /* 1.3 */
	OFPK_EXPERIMENTER_STATS_REQUEST, /* vendor stats in 1.0 */
	OFPK_EXPERIMENTER_STATS_REPLY,
	OFPK_ROLE_REQUEST, /* 1.3 */
	OFPK_ROLE_REPLY,   /* 1.3 */
	OFPK_COUNT
};

/*
 * The errors the codec reports, and the ones an agent answers with. Each maps to an
 * OpenFlow (type, code) per version (ofp_err_code); see lib/ofp_err.c for the table.
 */
enum ofp_err {
	OFP_ERR_NONE = 0,
	OFP_ERR_HELLO_INCOMPATIBLE, /* HELLO_FAILED/INCOMPATIBLE */
	OFP_ERR_BAD_VERSION,	    /* BAD_REQUEST/... */
	OFP_ERR_BAD_TYPE,
	OFP_ERR_BAD_STAT, /* BAD_STAT (1.0), BAD_MULTIPART (1.3) */
	OFP_ERR_BAD_EXPERIMENTER,
	OFP_ERR_BAD_EXP_TYPE,
	OFP_ERR_EPERM,
	OFP_ERR_BAD_LEN,
	OFP_ERR_BAD_PORT,	    /* 1.3 only */
	OFP_ERR_IS_SLAVE,	    /* 1.3 only */
	OFP_ERR_MULTIPART_OVERFLOW, /* 1.3 only */
	OFP_ERR_BAD_ACTION_TYPE,    /* BAD_ACTION/... */
	OFP_ERR_BAD_ACTION_LEN,
	OFP_ERR_BAD_ACTION_EXPERIMENTER,
	OFP_ERR_BAD_OUT_PORT,
	OFP_ERR_BAD_QUEUE,
	OFP_ERR_BAD_INST_UNKNOWN, /* BAD_INSTRUCTION/..., 1.3 only */
	OFP_ERR_BAD_INST_LEN,
	OFP_ERR_BAD_INST_TABLE_ID,
	OFP_ERR_BAD_MATCH_TYPE, /* BAD_MATCH/..., 1.3 only */
	OFP_ERR_BAD_MATCH_LEN,
	OFP_ERR_BAD_MATCH_WILDCARDS,
	OFP_ERR_BAD_MATCH_FIELD,
	OFP_ERR_BAD_MATCH_VALUE,
	OFP_ERR_BAD_MATCH_MASK,
	OFP_ERR_BAD_MATCH_PREREQ,
	OFP_ERR_DUP_FIELD,
	OFP_ERR_FLOW_MOD_TABLE_FULL, /* FLOW_MOD_FAILED/... */
	OFP_ERR_FLOW_MOD_OVERLAP,
	OFP_ERR_FLOW_MOD_BAD_TABLE_ID,
	OFP_ERR_FLOW_MOD_BAD_TIMEOUT,
	OFP_ERR_FLOW_MOD_BAD_COMMAND,
	OFP_ERR_FLOW_MOD_BAD_FLAGS,
	OFP_ERR_TABLE_FEATURES_BAD_TABLE, /* TABLE_FEATURES_FAILED/..., 1.3 only */
	OFP_ERR_TABLE_FEATURES_BAD_LEN,
	OFP_ERR_NO_MEMORY, /* answered as BAD_REQUEST/EPERM: no better code exists */
	/* The agent's (lib/ofp_rule.c, vsxd): */
	OFP_ERR_BUFFER_UNKNOWN,		     /* BAD_REQUEST/BUFFER_UNKNOWN */
	OFP_ERR_BAD_ACTION_EXP_TYPE,	     /* BAD_ACTION/BAD_EXPERIMENTER_TYPE */
	OFP_ERR_BAD_ACTION_ARGUMENT,	     /* BAD_ACTION/BAD_ARGUMENT */
	OFP_ERR_BAD_ACTION_EPERM,	     /* BAD_ACTION/EPERM */
	OFP_ERR_BAD_ACTION_TOO_MANY,	     /* BAD_ACTION/TOO_MANY */
	OFP_ERR_BAD_ACTION_MATCH_INCONSISTENT, /* 1.3; 1.0: BAD_ACTION/BAD_ARGUMENT */
	OFP_ERR_BAD_INST_UNSUP,		     /* BAD_INSTRUCTION/UNSUP_INST, 1.3 only */
	OFP_ERR_FLOW_MOD_EPERM,		     /* FLOW_MOD_FAILED/EPERM */
	OFP_ERR_FLOW_MOD_UNKNOWN,	     /* 1.3 FLOW_MOD_FAILED/UNKNOWN; 1.0: EPERM */
	OFP_ERR_ROLE_STALE,		     /* ROLE_REQUEST_FAILED/STALE, 1.3 only */
	OFP_ERR_ROLE_BAD_ROLE,		     /* ROLE_REQUEST_FAILED/BAD_ROLE, 1.3 only */
	OFP_ERR_SWITCH_CONFIG_BAD_FLAGS,     /* SWITCH_CONFIG_FAILED/BAD_FLAGS, 1.3 only */
	OFP_ERR_COUNT
};

/* Why a decode failed: the error to answer with and a message saying what and where. */
struct ofp_status {
	enum ofp_err err;
	char text[160];
};

/* HELLO. The bitmap holds versions 0..255 (bit v of word v/32); has_bitmap says whether the
 * message carried a version-bitmap element (1.3.1+); without one the peer's header version is
 * all the HELLO says. */
#define OFP_HELLO_BITMAP_WORDS 8
struct ofp_hello {
	bool has_bitmap;
	__u32 bitmap[OFP_HELLO_BITMAP_WORDS];
};

/* ERROR. In 1.3, type 0xffff is an experimenter error: code is its exp_type. */
struct ofp_error {
	__u16 type;
	__u16 code;
	__u32 experimenter;
	const __u8 *data;
	size_t data_len;
};

/* ECHO_REQUEST / ECHO_REPLY payload. */
struct ofp_bytes {
	const __u8 *data;
	size_t len;
};

/* VENDOR (1.0) / EXPERIMENTER (1.3) messages and stats. 1.0 has no standard subtype: a body of
 * at least 4 bytes after the vendor id is read as the conventional u32 subtype (has_subtype). */
struct ofp_experimenter {
	__u32 experimenter;
	__u32 subtype;
	bool has_subtype;
	const __u8 *data;
	size_t len;
};

/* A port description (ofp_phy_port in 1.0, with 16-bit port numbers; ofp_port in 1.3). */
struct ofp_port {
	__u32 port_no;
	__u8 hw_addr[6];
	char name[17];
	__u32 config;
	__u32 state;
	__u32 curr;
	__u32 advertised;
	__u32 supported;
	__u32 peer;
	__u32 curr_speed; /* 1.3 */
	__u32 max_speed;  /* 1.3 */
};

struct ofp_features {
	__u64 datapath_id;
	__u32 n_buffers;
	__u8 n_tables;
	__u8 auxiliary_id; /* 1.3 */
	__u32 capabilities;
	__u32 actions;		/* 1.0: supported actions bitmap; 1.3: reserved */
	struct ofp_port *ports; /* 1.0 only */
	size_t n_ports;
};

struct ofp_switch_config {
	__u16 flags;
	__u16 miss_send_len;
};

/* OpenFlow 1.0's fixed match: every field kept as on the wire (also under a wildcard). */
struct ofp_match10 {
	__u32 wildcards;
	__u16 in_port;
	__u8 dl_src[6];
	__u8 dl_dst[6];
	__u16 dl_vlan;
	__u8 dl_vlan_pcp;
	__u16 dl_type;
	__u8 nw_tos;
	__u8 nw_proto;
	__u32 nw_src;
	__u32 nw_dst;
	__u16 tp_src;
	__u16 tp_dst;
};

/* OXM basic fields the codec knows (lib/ofp_match.c has their lengths and maskability). */
enum {
	OFPXMT_IN_PORT = 0,
	OFPXMT_IN_PHY_PORT = 1,
	OFPXMT_METADATA = 2,
	OFPXMT_ETH_DST = 3,
	OFPXMT_ETH_SRC = 4,
	OFPXMT_ETH_TYPE = 5,
	OFPXMT_VLAN_VID = 6,
	OFPXMT_VLAN_PCP = 7,
	OFPXMT_IP_DSCP = 8,
	OFPXMT_IP_ECN = 9,
	OFPXMT_IP_PROTO = 10,
	OFPXMT_IPV4_SRC = 11,
	OFPXMT_IPV4_DST = 12,
	OFPXMT_TCP_SRC = 13,
	OFPXMT_TCP_DST = 14,
	OFPXMT_UDP_SRC = 15,
	OFPXMT_UDP_DST = 16,
	OFPXMT_ICMPV4_TYPE = 19,
	OFPXMT_ICMPV4_CODE = 20,
	OFPXMT_IPV6_SRC = 26,
	OFPXMT_IPV6_DST = 27,
	OFPXMT_ICMPV6_TYPE = 29,
	OFPXMT_ICMPV6_CODE = 30,
	OFPXMT_TUNNEL_ID = 38,
};

/* One OXM TLV: value and mask as on the wire (network byte order), len bytes each.
 * Experimenter fields (class 0xffff) keep their payload after the experimenter id opaque. */
#define OFP_OXM_MAX 32
struct ofp_oxm {
	__u16 oxm_class;
	__u8 field;
	bool has_mask;
	__u8 len;
	__u32 experimenter;
	__u8 value[OFP_OXM_MAX];
	__u8 mask[OFP_OXM_MAX];
};

/* A match: m10 for 1.0 messages, the OXM list for 1.3 ones. */
struct ofp_match {
	struct ofp_match10 m10;
	struct ofp_oxm *oxm;
	size_t n_oxm;
};

/* Actions the codec knows: output (both), enqueue (1.0), set_queue (1.3), and vendor /
 * experimenter actions, whose data after the id is kept opaque (data_len + 8 is a multiple
 * of 8 on the wire). */
struct ofp_action {
	__u16 type;
	__u32 port;
	__u16 max_len;
	__u32 queue_id;
	__u32 experimenter;
	const __u8 *data;
	size_t data_len;
};

/* Instructions (1.3): goto_table, write/apply/clear actions, experimenter (opaque data). */
struct ofp_instruction {
	__u16 type;
	__u8 table_id;
	__u32 experimenter;
	struct ofp_action *actions;
	size_t n_actions;
	const __u8 *data;
	size_t data_len;
};

/* FLOW_MOD. 1.0 uses actions and 16-bit out_port (cookie_mask, table_id, out_group unused);
 * 1.3 uses instructions. */
struct ofp_flow_mod {
	__u64 cookie;
	__u64 cookie_mask;
	__u8 table_id;
	__u8 command;
	__u16 idle_timeout;
	__u16 hard_timeout;
	__u16 priority;
	__u32 buffer_id;
	__u32 out_port;
	__u32 out_group;
	__u16 flags;
	struct ofp_match match;
	struct ofp_action *actions;
	size_t n_actions;
	struct ofp_instruction *instructions;
	size_t n_instructions;
};

struct ofp_flow_removed {
	__u64 cookie;
	__u16 priority;
	__u8 reason;
	__u8 table_id; /* 1.3 */
	__u32 duration_sec;
	__u32 duration_nsec;
	__u16 idle_timeout;
	__u16 hard_timeout; /* 1.3 */
	__u64 packet_count;
	__u64 byte_count;
	struct ofp_match match;
};

/* ROLE_REQUEST / ROLE_REPLY (1.3): OFPCR_ROLE_* and the generation id. */
struct ofp_role {
	__u32 role;
	__u64 generation_id;
};

struct ofp_port_status {
	__u8 reason;
	struct ofp_port port;
};

/* DESC reply: NUL-terminated copies of the fixed-size strings. */
struct ofp_desc_stats {
	char mfr_desc[257];
	char hw_desc[257];
	char sw_desc[257];
	char serial_num[33];
	char dp_desc[257];
};

/* FLOW and AGGREGATE requests. */
struct ofp_flow_stats_request {
	__u8 table_id;
	__u32 out_port;
	__u32 out_group; /* 1.3 */
	__u64 cookie;	 /* 1.3 */
	__u64 cookie_mask;
	struct ofp_match match;
};

struct ofp_flow_stats {
	__u8 table_id;
	__u32 duration_sec;
	__u32 duration_nsec;
	__u16 priority;
	__u16 idle_timeout;
	__u16 hard_timeout;
	__u16 flags; /* 1.3 */
	__u64 cookie;
	__u64 packet_count;
	__u64 byte_count;
	struct ofp_match match;
	struct ofp_action *actions; /* 1.0 */
	size_t n_actions;
	struct ofp_instruction *instructions; /* 1.3 */
	size_t n_instructions;
};

struct ofp_aggregate_stats {
	__u64 packet_count;
	__u64 byte_count;
	__u32 flow_count;
};

struct ofp_table_stats {
	__u8 table_id;
	char name[33];	   /* 1.0 */
	__u32 wildcards;   /* 1.0 */
	__u32 max_entries; /* 1.0 */
	__u32 active_count;
	__u64 lookup_count;
	__u64 matched_count;
};

struct ofp_port_stats {
	__u32 port_no;
	__u64 rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped;
	__u64 rx_errors, tx_errors, rx_frame_err, rx_over_err, rx_crc_err, collisions;
	__u32 duration_sec; /* 1.3 */
	__u32 duration_nsec;
};

/* A table-features property: its type and the bytes between its header and its padding. */
struct ofp_tf_prop {
	__u16 type;
	const __u8 *data;
	size_t len;
};

struct ofp_table_features {
	__u8 table_id;
	char name[33];
	__u64 metadata_match;
	__u64 metadata_write;
	__u32 config;
	__u32 max_entries;
	struct ofp_tf_prop *props;
	size_t n_props;
};

struct ofp_flow_stats_list {
	struct ofp_flow_stats *v;
	size_t n;
};
struct ofp_table_stats_list {
	struct ofp_table_stats *v;
	size_t n;
};
struct ofp_port_stats_list {
	struct ofp_port_stats *v;
	size_t n;
};
struct ofp_port_list {
	struct ofp_port *v;
	size_t n;
};
struct ofp_table_features_list {
	struct ofp_table_features *v;
	size_t n;
};

struct ofp_arena;

struct ofp_msg {
	__u8 version;
	enum ofp_kind kind;
	__u32 xid;
	__u16 stats_flags; /* stats / multipart messages: REQ_MORE / REPLY_MORE */
	union {
		struct ofp_hello hello;
		struct ofp_error error;
		struct ofp_bytes echo;
		struct ofp_experimenter exp; /* EXPERIMENTER and experimenter stats */
		struct ofp_features features;
		struct ofp_switch_config config; /* GET_CONFIG_REPLY, SET_CONFIG */
		struct ofp_flow_mod flow_mod;
		struct ofp_flow_removed flow_removed;
		struct ofp_port_status port_status;
		struct ofp_desc_stats desc;
		struct ofp_flow_stats_request flow_req; /* FLOW and AGGREGATE requests */
		struct ofp_flow_stats_list flows;
		struct ofp_aggregate_stats aggregate;
		struct ofp_table_stats_list tables;
		__u32 port_no; /* PORT_STATS request */
		struct ofp_port_stats_list port_stats;
		struct ofp_port_list ports; /* PORT_DESC reply */
		struct ofp_table_features_list table_features;
		struct ofp_role role; /* ROLE_REQUEST, ROLE_REPLY */
	};
	struct ofp_arena *arena; /* owned by a decoded message; NULL for hand-built ones */
};

/* A growable output buffer; ofp_encode appends to it. */
struct ofp_buf {
	__u8 *data;
	size_t len;
	size_t cap;
	bool oom;
};

void ofp_buf_init(struct ofp_buf *b);
void ofp_buf_free(struct ofp_buf *b);

/* Length of the message at the start of buf (from its header): 0 if fewer than 8 bytes are
 * there, -EBADMSG if the header's length is below 8. A stream reader waits for that many. */
long ofp_frame_len(const void *buf, size_t len);

/* Decodes the message at the start of buf (exactly the header's length; buf may hold more).
 * Returns 0, or a negative errno with *st saying which OpenFlow error answers it. On failure
 * nothing needs freeing; on success call ofp_msg_free(). */
int ofp_decode(const void *buf, size_t len, struct ofp_msg *m, struct ofp_status *st);
void ofp_msg_free(struct ofp_msg *m);

/* Appends m's encoding to out. 0 or -EINVAL (err says why), -EMSGSIZE (over 65535 bytes),
 * -ENOMEM. out is unchanged on failure. */
int ofp_encode(const struct ofp_msg *m, struct ofp_buf *out, char *err, size_t errlen);

/* Like ofp_encode, but a FLOW/TABLE/PORT stats, PORT_DESC or TABLE_FEATURES reply whose
 * encoding would exceed max_len (at most 65535) becomes as many messages as needed, each of at
 * most max_len bytes, all with m's xid and REPLY_MORE on all but the last (on the last too if
 * m has it). -EMSGSIZE (err says which) if one entry alone does not fit; out is unchanged on
 * failure. An empty list gives one empty reply. Other kinds are encoded as by ofp_encode. */
int ofp_encode_multipart(const struct ofp_msg *m, struct ofp_buf *out, size_t max_len, char *err,
			 size_t errlen);

/* Appends m's one-line text (no newline) to sb. The format is docs/openflow-codec.md's. */
void ofp_print(const struct ofp_msg *m, struct strbuf *sb);

/* Names for printing and logs ("OF1.3", "FLOW_MOD", "BAD_LEN"); never NULL. */
const char *ofp_version_name(__u8 version);
const char *ofp_kind_name(enum ofp_kind kind);
const char *ofp_err_name(enum ofp_err err);

/* The (type, code) of err in the given version: 0, or -ENOENT if that version has none. */
int ofp_err_code(enum ofp_err err, __u8 version, __u16 *type, __u16 *code);

/*
 * Appends the ERROR that answers a failed request: in `version` (the negotiated one, or the
 * highest offered before negotiation), with the request's xid (0 if fewer than 8 bytes), and
 * its first min(req_len, its header length, OFP_ERROR_ECHO_MAX) bytes as data. An error
 * without a code in that version is sent as BAD_REQUEST/EPERM.
 */
#define OFP_ERROR_ECHO_MAX 64
int ofp_encode_error_reply(struct ofp_buf *out, __u8 version, enum ofp_err err, const void *req,
			   size_t req_len);

/* HELLO_FAILED/INCOMPATIBLE with an ASCII explanation, as the spec asks on failed negotiation. */
int ofp_encode_hello_failed(struct ofp_buf *out, __u8 version, __u32 xid, const char *text);

/*
 * Version negotiation. ours: bitmap of the versions this side offers (bit v = wire version v,
 * v < 32). ofp_encode_hello: a HELLO in our highest version, with a version-bitmap element when
 * we offer more than one. ofp_negotiate: the agreed wire version for the peer's decoded HELLO
 * (peer_version = its header version), or 0 for none (answer with ofp_encode_hello_failed):
 *   - both sides sent bitmaps: the highest version set in both (and not above the peer's
 *     header version);
 *   - otherwise the smaller of the two header versions, if we offer it (and the peer's bitmap,
 *     if it sent one, has it)  -- OpenFlow 1.3.x section 6.3.1, and 1.0's rule.
 */
int ofp_encode_hello(struct ofp_buf *out, __u32 ours, __u32 xid);
__u8 ofp_negotiate(__u32 ours, __u8 peer_version, const struct ofp_hello *peer);

/* Convenience for hello bitmaps. */
static inline bool ofp_hello_has(const struct ofp_hello *h, unsigned int v)
{
	return v < 32 * OFP_HELLO_BITMAP_WORDS && (h->bitmap[v / 32] >> (v % 32)) & 1;
}

#endif
