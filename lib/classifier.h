/* SPDX-License-Identifier: MIT */
/*
 * Compiles one direction of a rule table into the datapath's tuple-space-search classifier
 * (datapath.h: vsx_cls_mask, vsx_cls_key, vsx_cls_val). Plain arrays: the agent writes them
 * into the BPF maps; nothing here talks to the kernel.
 *
 * Form
 *   Rules are grouped by mask into subtables, at most VSX_MAX_MASKS. masks[i] is subtable i:
 *   its mask and max_priority (the highest priority of its rules). Subtables are ordered by
 *     1. max_priority, descending;
 *     2. then more mask bits first (more specific subtables first);
 *     3. then the mask's bytes (memcmp), ascending;
 *   a total order that depends only on the rules present (vsx_cls_mask_cmp()).
 *   Every rule becomes one hash entry {mask_id = its subtable's index, key = its masked key}
 *   -> {rule_id, priority, action, fcf, core}. Two rules of one subtable with the same key
 *   differ only in priority (same match and priority is the same rule): any packet matching
 *   the lower one matches the higher one too, so the lower one can never win and only the
 *   highest is entered (the others are counted in n_shadowed).
 *
 * Lookup (what the BPF side must do, step for step; vsx_classifier_lookup() is the same):
 *
 *     best = NONE
 *     for i in 0 .. n_masks - 1:                      (bounded loop, VSX_MAX_MASKS)
 *         if best != NONE and best.priority >= masks[i].max_priority: stop
 *         k.mask_id = i; k._pad = 0; k.key = packet_key & masks[i].mask   (byte-wise AND)
 *         v = hash_lookup(vsx_rules, k)
 *         if v and (best == NONE or v.priority > best.priority): best = v
 *     result: best (NONE: no rule matches)
 *
 *   Priority 0 is a valid priority, so "no rule yet" must be a separate state, not 0.
 *   mask_ids here are 0-based; a datapath keeping several banks of subtables (datapath.h,
 *   VSX_CLS_BANK) adds the bank's base to every masks[] index and entry mask_id alike.
 *
 * Ties
 *   Strictly greater priority replaces: among rules of equal priority the first subtable in
 *   the order above wins (within a subtable at most one rule matches a packet). That makes
 *   the early stop exact: once best.priority >= max_priority of the next subtable, no later
 *   subtable can hold a better rule, nor an equal one that would win. OpenFlow leaves equal
 *   priority overlaps undefined; vsx makes them deterministic, but the winner can change when
 *   rules elsewhere change a subtable's max_priority. Give overlapping rules distinct
 *   priorities when the winner matters. vsx_rule_table_lookup() implements the same rule by
 *   a plain scan, and the tests check the two agree.
 *
 * Cost: one hash lookup per subtable visited, so it grows with the number of distinct masks,
 * not with the number of rules; rules of one shape (e.g. 4096 "tcp,nw_dst=X,tp_dst=Y") share
 * one subtable.
 */
#ifndef VSX_CLASSIFIER_H
#define VSX_CLASSIFIER_H

#include <stddef.h>

#include "rule_table.h"
#include "mask_order.h" /* vsx_cls_mask_cmp(): the subtable order */

struct vsx_cls_entry {
	struct vsx_cls_key key;
	struct vsx_cls_val val;
};

struct vsx_classifier {
	int dir;				  /* VSX_DIR_* it was built for */
	__u32 n_masks;				  /* subtables in use */
	struct vsx_cls_mask masks[VSX_MAX_MASKS]; /* [0, n_masks): the "vsx_masks" array */
	__u32 n_entries;			  /* hash entries: the "vsx_rules" map */
	struct vsx_cls_entry *entries;		  /* [n_entries], by mask_id, then by rule id */
	__u32 n_rules;				  /* rules of this direction in the table */
	__u32 n_shadowed; /* rules not entered: a higher one has the same key */
	/* private: open-addressing index over entries for lookups */
	__u32 *index;
	__u32 index_mask;
};

/*
 * Builds the classifier of direction `dir` from table `t` into *c, which need not be
 * initialised (a previous build must have been freed: build does not free it). Returns 0,
 * -ENOMEM, -EINVAL (bad dir) or -ENOSPC when the rules need more than VSX_MAX_MASKS masks
 * (the table prevents that). On error *c is empty and needs no free.
 */
int vsx_classifier_build(struct vsx_classifier *c, const struct vsx_rule_table *t, int dir,
			 char *err, size_t errlen);

/* Frees the arrays; *c is empty (and may be built again). */
void vsx_classifier_free(struct vsx_classifier *c);

/* The datapath's algorithm (see above). NULL when no rule matches. */
const struct vsx_cls_val *vsx_classifier_lookup(const struct vsx_classifier *c,
						const struct vsx_flow_key *key);

/* The same, also counting the subtables probed (hash lookups made) into *probes. */
const struct vsx_cls_val *vsx_classifier_lookup_probes(const struct vsx_classifier *c,
						       const struct vsx_flow_key *key,
						       unsigned int *probes);

/* The entry with exactly this key (mask_id + masked key), or NULL: for diffing two builds. */
const struct vsx_cls_entry *vsx_classifier_find(const struct vsx_classifier *c,
						const struct vsx_cls_key *key);

#endif
