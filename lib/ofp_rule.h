/* SPDX-License-Identifier: MIT */
/*
 * OpenFlow <-> vsx rules: the match and actions/instructions of a decoded FLOW_MOD (either
 * version, lib/ofp.h) into a struct vsx_flow_mod for the flow_mod door (lib/flow_mod.h), and
 * a vsx rule back into an OpenFlow match and actions for FLOW_STATS and FLOW_REMOVED. The
 * mapping (docs/openflow.md, docs/openflow-extensions.md):
 *
 *   standard fields   in_port (= ifindex), eth_src/dst, eth_type, vlan_vid/pcp, ip_dscp/ecn
 *                     (1.0 nw_tos), ip_proto, ipv4/ipv6 src/dst, tcp/udp src/dst, icmp (1.0:
 *                     tp_src/dst), tunnel_id = VNI (1.3)
 *   vsx OXM fields    (class 0xffff, VSX_OFP_EXPERIMENTER) vm_id, fcf_prio, outer IPv4/IPv6
 *                     src/dst, key flags (fragments) -- 1.3 only
 *   irq:N             1.3 set_queue:N [+ output:LOCAL or NORMAL]; 1.0 enqueue:LOCAL:N (or
 *                     IN_PORT, NORMAL). The queue is the core that runs the flow's receive
 *                     processing; encoded back as set_queue:N,output:LOCAL / enqueue:LOCAL:N.
 *   irq:auto, set_fcf vsx experimenter actions (type 0xffff, 16 bytes)
 *
 * Rules have no output ports and never drop: a FLOW_MOD without a steering action is
 * BAD_ACTION/EPERM. 1.0 keeps its own rule that fields whose prerequisite is absent are
 * ignored (nw_* without dl_type IPv4, tp_* without TCP/UDP/ICMP); 1.3 refuses them
 * (BAD_MATCH/BAD_PREREQ). Every refusal names the OpenFlow error in st.
 */
#ifndef VSX_OFP_RULE_H
#define VSX_OFP_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "flow_mod.h"
#include "ofp.h"
#include "rule.h"

/* vsx OXM fields (class OFPXMC_EXPERIMENTER, experimenter VSX_OFP_EXPERIMENTER). */
enum vsx_oxm_field {
	VSX_OXM_VM_ID = 0,	    /* u8, 0..127, no mask: the FCF VM ID */
	VSX_OXM_FCF_PRIO = 1,	    /* u8, 0..1, no mask: the FCF priority bit */
	VSX_OXM_OUTER_IPV4_SRC = 2, /* 4 bytes, maskable */
	VSX_OXM_OUTER_IPV4_DST = 3,
	VSX_OXM_OUTER_IPV6_SRC = 4, /* 16 bytes, maskable */
	VSX_OXM_OUTER_IPV6_DST = 5,
	VSX_OXM_KEY_FLAGS = 6, /* u8, maskable: VSX_KEY_FRAG | VSX_KEY_LATER_FRAG (nw_frag) */
};

/* vsx actions: type 0xffff, length 16, experimenter id, u16 subtype, arguments, padding. */
enum vsx_act_subtype {
	VSX_ACT_EXP_IRQ_AUTO = 1, /* no arguments */
	VSX_ACT_EXP_SET_FCF = 2,  /* u8 vm_id (0..127), u8 prio (0/1): set_flow_control_field */
};
#define VSX_ACT_EXP_DATA_LEN 8 /* after the experimenter id */

/* ofp_rule_from_flow_mod's outcome besides errors: accepted, but it selects nothing here
 * (a DELETE of another table, an out_port/out_group filter: vsx rules have no outputs). */
#define OFP_RULE_NOOP 1

/*
 * A decoded FLOW_MOD (m->kind == OFPK_FLOW_MOD) as a flow_mod for the door, origin openflow.
 * 0, OFP_RULE_NOOP, or a negative errno with st->err the OpenFlow error (BAD_MATCH_*,
 * BAD_ACTION_*, BAD_INST_*, FLOW_MOD_BAD_TABLE_ID, BUFFER_UNKNOWN, ...) and st->text why.
 * fm->now is left 0: the caller sets its clock.
 */
int ofp_rule_from_flow_mod(const struct ofp_msg *m, struct vsx_flow_mod *fm, struct ofp_status *st);

/* A match alone (FLOW/AGGREGATE stats requests): key and mask, normalised. */
int ofp_rule_match_from_ofp(__u8 version, const struct ofp_match *match, struct vsx_flow_key *key,
			    struct vsx_flow_key *mask, struct ofp_status *st);

/* A vsx rule's OpenFlow form. The pointers in match/actions/instructions point into the
 * struct itself: fill it where it stays (an array entry), do not copy it. */
#define OFP_RULE_MAX_OXM 24
struct ofp_rule_repr {
	struct ofp_match match;
	struct ofp_oxm oxm[OFP_RULE_MAX_OXM];
	struct ofp_action actions[2];
	size_t n_actions;
	struct ofp_instruction inst;
	size_t n_instructions;
	__u8 exp_data[VSX_ACT_EXP_DATA_LEN];
};

/* Fills out for the given version. 0, or -EOPNOTSUPP when the rule cannot be said in that
 * version (1.0 has no tunnel, FCF, outer or fragment fields). */
int ofp_rule_to_ofp(__u8 version, const struct vsx_rule *r, struct ofp_rule_repr *out);

/* The OpenFlow error for a failed door command (enum vsx_fm_failure). */
enum ofp_err ofp_rule_fm_error(int failed);

#endif
