/* SPDX-License-Identifier: MIT */
/*
 * Steering rules as data. A rule is a (key, mask) pair over the datapath's flow key
 * (include/vsx/flow_key.h), a priority and one action, with the bookkeeping of an OpenFlow
 * flow entry (cookie, timeouts, flags) and the door it came in by (its origin).
 *
 * Every door (the text syntax of vsxctl and the configuration file, rule_text.h; OpenFlow
 * through its decoder; tests and benchmarks) builds the match as key + mask, lets
 * vsx_match_normalize() add the flag bits the fields imply, and ends in vsx_rule_validate(): a
 * rule the validator accepts is one the classifier can compile and vsx_rule_format() can print
 * so that vsx_rule_parse() gives it back unchanged. Rule changes go through one entry point,
 * vsx_flow_mod_apply() (flow_mod.h).
 *
 * Errors: functions return 0 or a negative errno; those that read outside input fill `err`
 * (may be NULL) with a message naming the offending token or field.
 */
#ifndef VSX_RULE_H
#define VSX_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "vsx/datapath.h"

/* OpenFlow's default priority. Higher wins. */
#define VSX_RULE_DEFAULT_PRIORITY 32768

/* Where a rule applies, decided by its action. */
enum vsx_rule_dir {
	VSX_DIR_INGRESS = 0, /* uplink XDP: irq:N, irq:auto */
	VSX_DIR_EGRESS = 1,  /* sender side: set_fcf */
};
#define VSX_DIR_COUNT 2

struct vsx_rule_action {
	__u8 kind;  /* enum vsx_action_kind */
	__u8 fcf;   /* VSX_ACT_SET_FCF: the FCF byte (fcf.h); 0 otherwise */
	__u16 core; /* VSX_ACT_IRQ_CORE: the core, < VSX_MAX_CPUS; 0 otherwise */
};

/* The door a rule's current content came in by: shown in dumps, kept in the state file. */
enum vsx_rule_origin {
	VSX_ORIGIN_UNKNOWN = 0,
	VSX_ORIGIN_CONFIG,   /* a rule line of vsxd.conf (re-read from it at every start) */
	VSX_ORIGIN_VSXCTL,   /* vsxctl rule add, at run time */
	VSX_ORIGIN_STATE,    /* restored from a state file that did not say where it came from */
	VSX_ORIGIN_TEST,     /* a test program */
	VSX_ORIGIN_BENCH,    /* a benchmark */
	VSX_ORIGIN_OPENFLOW, /* a FLOW_MOD from an OpenFlow controller */
	VSX_ORIGIN_COUNT
};

/* OpenFlow's flow-mod flags (the 1.3 bit values), kept in the rule as given. */
enum vsx_rule_flag {
	VSX_RULE_F_SEND_FLOW_REM = 1 << 0, /* report the rule's removal (FLOW_REMOVED) */
	VSX_RULE_F_CHECK_OVERLAP = 1 << 1, /* ADD fails if an equal-priority rule overlaps */
	VSX_RULE_F_RESET_COUNTS = 1 << 2,  /* ADD over an identical rule, MODIFY: zero counters */
};
#define VSX_RULE_F_ALL                                                                             \
	(VSX_RULE_F_SEND_FLOW_REM | VSX_RULE_F_CHECK_OVERLAP | VSX_RULE_F_RESET_COUNTS)

struct vsx_rule {
	__u32 id;	/* assigned by the rule table (1..VSX_MAX_RULES-1); 0 = not in a table */
	__u16 priority; /* higher wins; VSX_RULE_DEFAULT_PRIORITY unless given */
	__u8 origin;	/* enum vsx_rule_origin */
	__u8 _pad;
	__u64 cookie;		  /* opaque to vsx (OpenFlow's cookie); 0 unless given */
	struct vsx_flow_key key;  /* network order like the datapath's key; key & ~mask == 0 */
	struct vsx_flow_key mask; /* set bits are matched */
	struct vsx_rule_action action;
	__u16 idle_timeout; /* seconds without a packet until it expires; 0 = never */
	__u16 hard_timeout; /* seconds after `added` until it expires; 0 = never */
	__u16 flags;	    /* VSX_RULE_F_*, as the ADD gave them */
	__u16 _pad2;
	__u64 added; /* the adder's clock (ns) at the ADD that made this entry: hard timeout */
};

/* Zeroes *r (a match-all rule) with the default priority and no action (invalid until set). */
void vsx_rule_init(struct vsx_rule *r);

/* VSX_DIR_* of the rule's action, or -EINVAL for an unknown action kind. */
int vsx_rule_direction(const struct vsx_rule *r);
const char *vsx_rule_dir_name(int dir);

/* "config", "vsxctl", "state", "test", "bench", "openflow"; "unknown" otherwise. */
const char *vsx_rule_origin_name(int origin);
/* The origin of a name above, or -EINVAL. */
int vsx_rule_origin_parse(const char *name);

/*
 * Adds to key and mask the flag bits the matched fields imply, for every door alike (the text
 * parser calls it; an OpenFlow decoder calls it on the key and mask it decoded, in place):
 * - a VLAN TCI matched: VSX_KEY_VLAN in key and mask (unless the mask already has VSX_KEY_VLAN:
 *   then the caller said tagged or not, and the validator checks it);
 * - ports or ICMP type/code matched: VSX_KEY_LATER_FRAG in the mask, clear in the key (later
 *   fragments carry no L4 header); -EINVAL if the key asks for later fragments;
 * - outer addresses matched and VSX_KEY_OUTER_V6 not yet in the mask: it goes in, and in the key
 *   too when a mask reaches beyond the first 32-bit word (IPv6). A decoder that knows the family
 *   (an IPv6 /32 fits one word) sets the bit in key and mask itself;
 * - a tunnel field (vni, vm_id, fcf_prio, outer_*) matched: VSX_KEY_TUNNEL in key and mask.
 * Prerequisites (nw_* need dl_type, tp_* need nw_proto, ...) are not implied: OpenFlow 1.3
 * rejects a field without its prerequisite (OFPBMC_BAD_PREREQ), and so does
 * vsx_match_validate(). Idempotent. Returns 0 or -EINVAL with a message.
 */
int vsx_match_normalize(struct vsx_flow_key *key, struct vsx_flow_key *mask, char *err,
			size_t errlen);

/*
 * The match part of the validator: vsx_rule_validate() without the action and its direction.
 * What a delete or modify selection needs (it has no action of its own).
 */
int vsx_match_validate(const struct vsx_flow_key *key, const struct vsx_flow_key *mask, char *err,
		       size_t errlen);

/*
 * The one validator. Checks that the key has no bits outside the mask; that each field is
 * matched in a shape the datapath and the text syntax support (exact, or masked where the
 * syntax allows a mask); OpenFlow-style prerequisites (nw_* need dl_type IPv4/IPv6, tp_* need
 * nw_proto TCP/UDP (the datapath reads no SCTP ports), icmp_* ICMP/ICMPv6, address width per
 * family); the flag bits implied by VLAN, fragment, port and tunnel fields; the action's range; and
 * that the match makes sense for the action's direction (an egress set_fcf rule cannot match the
 * FCF). Returns 0 or -EINVAL with a message naming the field.
 */
int vsx_rule_validate(const struct vsx_rule *r, char *err, size_t errlen);

/* Same priority and same match (key and mask): OpenFlow's strict identity of a flow entry. */
bool vsx_rule_match_equal(const struct vsx_rule *a, const struct vsx_rule *b);

/* Same match, priority, action and cookie (the id is not compared). */
bool vsx_rule_equal(const struct vsx_rule *a, const struct vsx_rule *b);

/* (key & rule mask) == rule key */
bool vsx_rule_matches_key(const struct vsx_rule *r, const struct vsx_flow_key *key);

/*
 * True when `specific` matches a subset of what `general` matches field by field: it
 * matches at least the bits `general` matches, with the same values there (OpenFlow's
 * non-strict delete/modify selection). Priorities are not compared.
 */
bool vsx_rule_covers(const struct vsx_rule *general, const struct vsx_rule *specific);

/*
 * Some packet key could match both (their matches agree wherever both masks have bits) and
 * they have the same priority: OpenFlow's overlap (OFPFF_CHECK_OVERLAP). Direction is not
 * compared: callers check rules of one direction.
 */
bool vsx_rule_overlaps(const struct vsx_rule *a, const struct vsx_rule *b);

/* out = a & b, byte by byte (out may alias a or b). */
void vsx_flow_key_and(struct vsx_flow_key *out, const struct vsx_flow_key *a,
		      const struct vsx_flow_key *b);

/* Number of set bits in a key used as a mask. */
unsigned int vsx_flow_key_popcount(const struct vsx_flow_key *k);

#endif
