/* SPDX-License-Identifier: MIT */
/*
 * The text syntax of rules (ovs-ofctl-like; docs/rules.md has the full reference), one door
 * among several: vsxctl and the configuration file come in through vsx_rule_parse(), which
 * reads the text, lets vsx_match_normalize() add the bits the fields imply and ends in
 * vsx_rule_validate() (rule.h), as every other door does.
 *
 *     [cookie=N,][priority=N,]FIELD=VALUE[/MASK],...,SHORTHAND,... actions=ACTION
 *
 * Only the match, priority, cookie and action have a text form: a rule's origin, timeouts and
 * flags are set by the door that applies it (flow_mod.h), not by its text.
 *
 * This header needs nothing from rule.h (the structs are only pointed to), so rule.h can
 * offer it to its many callers without an include cycle.
 */
#ifndef VSX_RULE_TEXT_H
#define VSX_RULE_TEXT_H

#include <stddef.h>

struct vsx_rule;
struct vsx_rule_action;

/* Longest rule text vsx_rule_parse() accepts, including the terminating NUL. Every valid
 * rule's canonical text fits too. */
#define VSX_RULE_TEXT_MAX 1024

/*
 * Parses one rule (NUL-terminated, at most VSX_RULE_TEXT_MAX - 1 characters). On success
 * fills *out (id 0, origin unknown, no timeouts or flags) and returns 0; on failure returns
 * -EINVAL with a message naming the offending token or field and leaves *out unchanged.
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

#endif
