/* SPDX-License-Identifier: MIT */
/*
 * Steering rules as data. A rule is a (key, mask) pair over the datapath's flow key
 * (include/vsx/flow_key.h), a priority and one action. Every door a rule comes in by (vsxctl
 * and the configuration file through vsx_rule_parse(), OpenFlow through its decoder) ends in
 * vsx_rule_validate(): a rule the validator accepts is one the classifier can compile and
 * vsx_rule_format() can print so that vsx_rule_parse() gives it back unchanged.
 *
 * Text syntax (ovs-ofctl-like; docs/rules.md has the full reference):
 *
 *     [cookie=N,][priority=N,]FIELD=VALUE[/MASK],...,SHORTHAND,... actions=ACTION
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

/* Longest rule text vsx_rule_parse() accepts, including the terminating NUL. Every valid
 * rule's canonical text fits too. */
#define VSX_RULE_TEXT_MAX 1024

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

struct vsx_rule {
	__u32 id;	/* assigned by the rule table (1..VSX_MAX_RULES-1); 0 = not in a table */
	__u16 priority; /* higher wins; VSX_RULE_DEFAULT_PRIORITY unless given */
	__u16 _pad;
	__u64 cookie;		  /* opaque to vsx (OpenFlow's cookie); 0 unless given */
	struct vsx_flow_key key;  /* network order like the datapath's key; key & ~mask == 0 */
	struct vsx_flow_key mask; /* set bits are matched */
	struct vsx_rule_action action;
};

/* Zeroes *r (a match-all rule) with the default priority and no action (invalid until set). */
void vsx_rule_init(struct vsx_rule *r);

/* VSX_DIR_* of the rule's action, or -EINVAL for an unknown action kind. */
int vsx_rule_direction(const struct vsx_rule *r);
const char *vsx_rule_dir_name(int dir);

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

/*
 * Parses one rule (NUL-terminated, at most VSX_RULE_TEXT_MAX - 1 characters). On success
 * fills *out (id 0) and returns 0; on failure returns -EINVAL with a message and leaves *out
 * unchanged. Calls vsx_rule_validate().
 */
int vsx_rule_parse(const char *text, struct vsx_rule *out, char *err, size_t errlen);

/*
 * Canonical text of a rule: parses back to an identical rule. Prerequisites a shorthand
 * says are folded into it ("tcp" rather than "dl_type=0x0800,nw_proto=6"), implied flag bits
 * are left out, the default priority and a zero cookie are omitted. Returns the length
 * (without the NUL) or -ENOSPC if it did not fit (buf is then truncated but terminated).
 */
int vsx_rule_format(const struct vsx_rule *r, char *buf, size_t len);

/* "irq:3", "irq:auto", "set_fcf:5/1". Returns the length or -ENOSPC. */
int vsx_rule_format_action(const struct vsx_rule_action *a, char *buf, size_t len);

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

/* out = a & b, byte by byte (out may alias a or b). */
void vsx_flow_key_and(struct vsx_flow_key *out, const struct vsx_flow_key *a,
		      const struct vsx_flow_key *b);

/* Number of set bits in a key used as a mask. */
unsigned int vsx_flow_key_popcount(const struct vsx_flow_key *k);

#endif
