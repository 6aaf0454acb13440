/* SPDX-License-Identifier: MIT */
/*
 * The agent's rule table: every steering rule, both directions, whichever door it came in by.
 * The classifier (classifier.h) compiles one direction of it for the datapath.
 *
 * Semantics (OpenFlow's):
 * - Identity is match + priority ("strict"). Adding a rule whose match and priority equal an
 *   existing rule's replaces everything else of it (action, cookie, timeouts, flags, origin,
 *   added); the rule keeps its id (OpenFlow ADD with an identical entry). Whether per-rule
 *   counters restart is the caller's choice.
 * - Ids are 1..max_rules, the lowest free one on add; a deleted rule's id is reused, so the
 *   agent must reset per-rule datapath state (vsx_rule_state, vsx_rule_stats) when it
 *   installs a rule.
 * - Each direction may use at most VSX_MAX_MASKS distinct masks (the datapath's subtables);
 *   an add needing one more fails with -ENOSPC, as does an add to a full table.
 * - vsx_rule_table_lookup() is the reference classifier: the highest priority matching rule;
 *   equal priorities are resolved exactly as the datapath resolves them (see classifier.h:
 *   the rule whose mask's subtable comes first wins).
 *
 * - Transactions (vsx_rule_table_begin): every change logs the rule as it was, so that the
 *   whole transaction, or its part after a savepoint, can be undone exactly; ids deleted in it
 *   are not given to new rules before it ends (the datapath may still classify to them).
 *   Rule changes from outside go through the door, vsx_flow_mod_apply() (flow_mod.h), which
 *   uses this; the plain functions below are its building blocks.
 *
 * Not thread-safe: the agent's one event loop owns it.
 */
#ifndef VSX_RULE_TABLE_H
#define VSX_RULE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "rule.h"

struct vsx_rule_table;

/* max_rules: 0 for the most the datapath allows (VSX_MAX_RULES - 1). NULL on ENOMEM/EINVAL. */
struct vsx_rule_table *vsx_rule_table_new(__u32 max_rules);
void vsx_rule_table_free(struct vsx_rule_table *t);

/*
 * Validates and adds `rule` (its id is ignored). On success returns 0, stores the rule's id in
 * *id and whether an existing identical-match rule had its action replaced in *replaced (both
 * may be NULL). Errors: -EINVAL (invalid rule), -ENOSPC (table full, or a new mask beyond
 * VSX_MAX_MASKS in the rule's direction), with a message in err.
 */
int vsx_rule_table_add(struct vsx_rule_table *t, const struct vsx_rule *rule, __u32 *id,
		       bool *replaced, char *err, size_t errlen);

/*
 * Replaces the action of rule `id` (OpenFlow modify). The action may change the direction,
 * which needs room for the mask in the other direction. 0, -ENOENT, -EINVAL or -ENOSPC.
 */
int vsx_rule_table_modify(struct vsx_rule_table *t, __u32 id, const struct vsx_rule_action *a,
			  char *err, size_t errlen);

/*
 * Replaces everything of rule `id` but its match and priority with `content`'s (action, cookie,
 * timeouts, flags, origin, added), validated. 0, -ENOENT, -EINVAL, -ENOSPC (no mask room in a
 * new direction) or -ENOMEM (the transaction's log).
 */
int vsx_rule_table_update(struct vsx_rule_table *t, __u32 id, const struct vsx_rule *content,
			  char *err, size_t errlen);

/* Deletes rule `id`: 0, -ENOENT or -ENOMEM (the transaction's log). */
int vsx_rule_table_del(struct vsx_rule_table *t, __u32 id);

/* Deletes the rule with the same match and priority as `match` (its action is ignored).
 * 0 (and its id in *id if not NULL), -ENOENT or -ENOMEM. */
int vsx_rule_table_del_strict(struct vsx_rule_table *t, const struct vsx_rule *match, __u32 *id);

/*
 * OpenFlow non-strict delete: every rule covered by `match` (vsx_rule_covers(): at least as
 * specific, same values where `match` matches) whose cookie agrees with match->cookie on
 * cookie_mask, whatever its priority. A match-all `match` with cookie_mask 0 empties the table.
 * Returns the number deleted (in a transaction, a delete the log has no memory for is skipped;
 * the door checks with its own loop).
 */
unsigned int vsx_rule_table_del_loose(struct vsx_rule_table *t, const struct vsx_rule *match,
				      __u64 cookie_mask);

void vsx_rule_table_clear(struct vsx_rule_table *t);

/* ---- transactions ---- */

enum vsx_rule_change_op {
	VSX_RULE_ADDED = 1, /* a new rule took the id */
	VSX_RULE_CHANGED,   /* an existing rule got new content (not a new match or priority) */
	VSX_RULE_DELETED,
};

/* One logged change: what happened to rule `id`, and the rule as it was before (zero for
 * VSX_RULE_ADDED). */
struct vsx_rule_change {
	int op;
	__u32 id;
	struct vsx_rule old;
};

/* Starts logging changes. -EBUSY if a transaction is open (they do not nest). */
int vsx_rule_table_begin(struct vsx_rule_table *t);
bool vsx_rule_table_in_txn(const struct vsx_rule_table *t);

/* A point to roll back to (the number of changes logged so far). */
size_t vsx_rule_table_savepoint(const struct vsx_rule_table *t);

/* Undoes the changes after `savepoint`; the transaction stays open. */
void vsx_rule_table_rollback_to(struct vsx_rule_table *t, size_t savepoint);

/* Undoes the whole transaction and ends it: the table is as at begin, generation included. */
void vsx_rule_table_rollback(struct vsx_rule_table *t);

/* Keeps the changes and ends the transaction (held ids become free). */
void vsx_rule_table_commit(struct vsx_rule_table *t);

/* The changes of the open transaction, oldest first (0 and NULL outside one). Valid until the
 * next change. */
size_t vsx_rule_table_n_changes(const struct vsx_rule_table *t);
const struct vsx_rule_change *vsx_rule_table_change(const struct vsx_rule_table *t, size_t i);

/* ---- queries ---- */

/* The rule with this id, or NULL. */
const struct vsx_rule *vsx_rule_table_get(const struct vsx_rule_table *t, __u32 id);

/* The rule with the same match and priority, or NULL. */
const struct vsx_rule *vsx_rule_table_find_strict(const struct vsx_rule_table *t,
						  const struct vsx_rule *match);

/* The rule with the lowest id above after_id, or NULL: iteration in id order. Deleting the
 * current rule during vsx_rule_table_for_each is allowed (a deleted rule's storage keeps its
 * id until the id is reused); pointers to rules are valid until the rule is deleted. */
const struct vsx_rule *vsx_rule_table_next(const struct vsx_rule_table *t, __u32 after_id);

#define vsx_rule_table_for_each(t, r)                                                              \
	for ((r) = vsx_rule_table_next((t), 0); (r); (r) = vsx_rule_table_next((t), (r)->id))

__u32 vsx_rule_table_count(const struct vsx_rule_table *t);
__u32 vsx_rule_table_count_dir(const struct vsx_rule_table *t, int dir);
__u32 vsx_rule_table_max_rules(const struct vsx_rule_table *t);

/* Distinct masks in use by the rules of one direction (at most VSX_MAX_MASKS). */
__u32 vsx_rule_table_n_masks(const struct vsx_rule_table *t, int dir);

/* Bumped by every change: lets the agent see that the datapath needs a new classifier. */
__u64 vsx_rule_table_gen(const struct vsx_rule_table *t);

/*
 * Reference lookup, a plain scan: the rule of direction `dir` that matches `key` with the
 * highest priority; among equal priorities, the one whose mask comes first in the
 * classifier's subtable order (vsx_cls_mask_before()). NULL if none matches. O(rules).
 */
const struct vsx_rule *vsx_rule_table_lookup(const struct vsx_rule_table *t, int dir,
					     const struct vsx_flow_key *key);

#endif
