/* SPDX-License-Identifier: MIT */
/*
 * The one door for rule changes, shaped like an OpenFlow 1.3 FLOW_MOD (§6.4, §7.3.4.1). The
 * configuration file, vsxctl, the state file, tests, benchmarks and OpenFlow all describe a
 * change as a struct vsx_flow_mod and apply it with vsx_flow_mod_apply(); where a rule came
 * from is its origin. docs/rules.md ("Changing rules: the flow_mod door") is the reference.
 *
 * Commands (OpenFlow's numbers and semantics):
 *   ADD            validate; with VSX_RULE_F_CHECK_OVERLAP fail (-EEXIST) if a rule of the same
 *                  direction and priority overlaps; a rule with the identical match and priority
 *                  is replaced (id, decision and counters kept; counters zeroed with
 *                  VSX_RULE_F_RESET_COUNTS; `added` restarts the hard timeout), else a new rule.
 *   MODIFY         every rule the match covers (vsx_rule_covers: at least as specific, any
 *                  priority) whose cookie agrees on cookie_mask gets the new action and the
 *                  flow_mod's origin; cookie, timeouts, flags, added and counters stay (counters
 *                  zeroed with RESET_COUNTS). No match: nothing happens, no error.
 *   MODIFY_STRICT  the same for the rule with exactly this match and priority.
 *   DELETE         every covered rule (cookie-filtered) goes; DELETE_STRICT: the identical one.
 *                  No match: nothing happens, no error.
 * OpenFlow's out_port/out_group filters of DELETE have no counterpart: vsx rules have no output
 * actions (a filter other than ANY would select no vsx rule). buffer_id and table_id are the
 * decoder's business (one table, no buffers).
 *
 * Atomicity: a command, or a batch of them (vsx_flow_txn), changes the rule table and the
 * datapath entirely or not at all. The table logs an undo record for every change
 * (rule_table.h transactions); at commit the door compiles the classifier of each direction
 * whose rules changed and hands it to the installer; if the build or an install fails, the
 * table is rolled back, a direction already switched is switched back to a classifier of the
 * restored table, and the post-install hooks never run. The hooks that run before the install
 * touch only datapath state no installed classifier reads (ids that are new: ids deleted in
 * the same transaction are not reused before it ends; the decision of a rule that becomes
 * irq:auto, which the datapath ignores while its action is another).
 */
#ifndef VSX_FLOW_MOD_H
#define VSX_FLOW_MOD_H

#include <stdbool.h>
#include <stddef.h>

#include "classifier.h"
#include "rule_table.h"

enum vsx_flow_mod_command {
	VSX_FMC_ADD = 0,
	VSX_FMC_MODIFY = 1,
	VSX_FMC_MODIFY_STRICT = 2,
	VSX_FMC_DELETE = 3,
	VSX_FMC_DELETE_STRICT = 4,
};

/* Why a rule went (FLOW_REMOVED's reason; OpenFlow's OFPRR_* are IDLE 0, HARD 1, DELETE 2). */
enum vsx_removed_reason {
	VSX_REMOVED_DELETE = 0,
	VSX_REMOVED_IDLE,
	VSX_REMOVED_HARD,
};

struct vsx_flow_mod {
	__u8 command; /* enum vsx_flow_mod_command */
	__u8 origin;  /* enum vsx_rule_origin: kept in rules it adds or changes */
	__u8 reason;  /* deletes: enum vsx_removed_reason, told to the installer's removed() */
	__u8 _pad;
	__u16 priority; /* ADD, *_STRICT */
	__u16 flags;	/* VSX_RULE_F_*: ADD keeps them in the rule; RESET_COUNTS for MODIFY too */
	__u16 idle_timeout;	 /* ADD: seconds */
	__u16 hard_timeout;	 /* ADD: seconds */
	__u64 cookie;		 /* ADD: the rule's; MODIFY/DELETE: selects with cookie_mask */
	__u64 cookie_mask;	 /* MODIFY/DELETE: the cookie bits that must agree; 0: any cookie */
	struct vsx_flow_key key; /* the match (normalised by the door: vsx_match_normalize) */
	struct vsx_flow_key mask;
	struct vsx_rule_action action; /* ADD, MODIFY*: exactly one */
	__u64 now; /* ADD: the caller's clock (ns), the rule's `added` (its hard timeout counts from
		      it) */
};

/* A flow_mod from a rule (ADD of it; other commands select by its match and priority). */
void vsx_flow_mod_from_rule(struct vsx_flow_mod *fm, int command, const struct vsx_rule *r);

/* Which part of a command failed: what an OpenFlow agent answers (FLOW_MOD_FAILED/BAD_COMMAND,
 * BAD_FLAGS, BAD_MATCH, BAD_ACTION, OVERLAP, TABLE_FULL; the rest as it sees fit). */
enum vsx_fm_failure {
	VSX_FMF_NONE = 0,
	VSX_FMF_BAD_COMMAND, /* command, origin or reason out of range */
	VSX_FMF_BAD_FLAGS,
	VSX_FMF_BAD_MATCH,  /* the match (normalisation, prerequisites, shapes) */
	VSX_FMF_BAD_ACTION, /* the action, or the action with this match (direction) */
	VSX_FMF_OVERLAP,    /* -EEXIST: CHECK_OVERLAP found a rule */
	VSX_FMF_TABLE_FULL, /* -ENOSPC: no free id, or no mask room in the direction */
	VSX_FMF_NO_MEMORY,
	VSX_FMF_DATAPATH, /* the build or the installer failed (vsx_flow_mod_apply) */
};

/* What a command did, or which part of it failed. */
struct vsx_flow_mod_result {
	__u32 id;      /* ADD: the rule's id */
	bool replaced; /* ADD: an identical rule was replaced */
	unsigned int n_added, n_modified, n_deleted;
	int failed; /* enum vsx_fm_failure: VSX_FMF_NONE on success */
};

/*
 * The datapath side. install is required; the hooks may be NULL.
 */
struct vsx_rule_installer {
	void *ctx;
	/* Makes classifier `c` (compiled by the door) direction dir's (VSX_DIR_*): entirely, or not
	 * at all on failure (-errno). vsx_cls_install() switches banks atomically. */
	int (*install)(void *ctx, int dir, const struct vsx_classifier *c);
	/* Before the install: r starts undecided (a new rule, or one that becomes irq:auto). */
	void (*reset_decision)(void *ctx, const struct vsx_rule *r);
	/* Zero r's counters: before the install for a new rule, after it for RESET_COUNTS. */
	void (*reset_counters)(void *ctx, const struct vsx_rule *r);
	/* After the install: an irq:auto rule that went or became another kind gives its decided
	 * core back (old is the rule as it was). */
	void (*release)(void *ctx, const struct vsx_rule *old);
	/* After the install: a rule left the table (FLOW_REMOVED when old->flags asks). */
	void (*removed)(void *ctx, const struct vsx_rule *old, int reason);
};

/* Applies one command atomically. 0 (and *res, may be NULL) or -errno with a message:
 * -EINVAL (bad command, flags, match or action), -EEXIST (overlap), -ENOSPC (table full, too
 * many masks), -ENOMEM, or the installer's error. */
int vsx_flow_mod_apply(struct vsx_rule_table *t, const struct vsx_rule_installer *in,
		       const struct vsx_flow_mod *fm, struct vsx_flow_mod_result *res, char *err,
		       size_t errlen);

/*
 * A batch of commands applied as one: stage each (the table changes at once; a command that
 * fails is undone alone and the batch goes on or is aborted, the caller's choice), then commit
 * (one compile and install per changed direction) or abort. OpenFlow's bundles and a stream of
 * FLOW_MODs closed by a BARRIER fit here; vsxd's start-up applies the configuration and the
 * state file as one.
 */
struct vsx_flow_txn {
	struct vsx_rule_table *t;
	const struct vsx_rule_installer *in;
	bool install_all; /* commit installs both directions, changed or not */
	/* private */
	struct vsx_fm_note *notes;
	size_t n_notes, cap_notes;
};

/* -EBUSY if the table is in a transaction already. */
int vsx_flow_txn_begin(struct vsx_flow_txn *tx, struct vsx_rule_table *t,
		       const struct vsx_rule_installer *in);
/* Applies fm to the table only. On failure the table is as before this call. */
int vsx_flow_txn_stage(struct vsx_flow_txn *tx, const struct vsx_flow_mod *fm,
		       struct vsx_flow_mod_result *res, char *err, size_t errlen);
/* Installs; on failure everything staged is undone (table and datapath). Ends the batch. */
int vsx_flow_txn_commit(struct vsx_flow_txn *tx, char *err, size_t errlen);
/* Undoes everything staged. Ends the batch. */
void vsx_flow_txn_abort(struct vsx_flow_txn *tx);

/*
 * Timeouts, for whoever owns a clock (vsxd's tick). A rule expires at its hard timeout
 * (now - added >= hard_timeout s) or idle timeout (now - max(added, last hit) >= idle_timeout s),
 * hard first. last_hit(ctx, r) is the caller's clock (ns) at r's latest packet, 0 if none seen.
 * Writes up to max expired rules into out, returns how many expired (may exceed max).
 */
struct vsx_rule_expiry {
	__u32 id;
	int reason; /* VSX_REMOVED_IDLE or VSX_REMOVED_HARD */
};
typedef __u64 (*vsx_rule_last_hit_fn)(void *ctx, const struct vsx_rule *r);
size_t vsx_flow_expired(const struct vsx_rule_table *t, __u64 now, vsx_rule_last_hit_fn last_hit,
			void *ctx, struct vsx_rule_expiry *out, size_t max);

/* Deletes every expired rule through the door, in one transaction, each with its reason (the
 * installer's removed() sees it). Returns the number removed or -errno (nothing removed). */
int vsx_flow_expire(struct vsx_rule_table *t, const struct vsx_rule_installer *in, __u64 now,
		    vsx_rule_last_hit_fn last_hit, void *ctx, char *err, size_t errlen);

#endif
