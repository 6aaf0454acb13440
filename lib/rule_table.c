// SPDX-License-Identifier: MIT
/*
 * The rule table: rules in an array indexed by id, a hash of match + priority for the strict
 * identity, and per direction the distinct masks with reference counts. Memory is allocated
 * once, at creation, for max_rules rules.
 *
 * Transactions: while one is open, every change first logs how to undo it (the rule as it was),
 * so the door (flow_mod.c) can put the table back exactly when the datapath refuses the
 * result. Ids freed inside a transaction are held until it ends: the datapath may still
 * classify packets to them (its classifier is the one from before the transaction), so a new
 * rule must not take one and have its datapath state reset under a live rule.
 */
#include "errmsg.h"
#include "rule_table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask_order.h"

struct mask_slot {
	struct vsx_flow_key mask;
	__u32 refs; /* rules using it; 0 = free slot */
};

struct vsx_rule_table {
	__u32 max_rules;
	__u32 n_rules;
	__u32 n_dir[VSX_DIR_COUNT];
	__u32 n_masks[VSX_DIR_COUNT];
	__u32 free_hint; /* no free id below it */
	__u64 gen;
	struct vsx_rule *rules; /* [max_rules + 1], by id */
	bool *used;		/* [max_rules + 1] */
	__u8 *rule_mask;	/* [max_rules + 1]: the rule's slot in masks[its direction] */
	__u32 *hash;		/* linear probing over ids, 0 = empty */
	__u32 hash_mask;
	struct mask_slot masks[VSX_DIR_COUNT][VSX_MAX_MASKS];
	/* the open transaction */
	bool in_txn;
	bool *held; /* [max_rules + 1]: freed in the transaction, not to be reused before its end */
	__u64 txn_gen;
	struct vsx_rule_change *log;
	size_t n_log, log_cap;
};

/* FNV-1a over priority, key and mask: the strict identity. */
static __u32 match_hash(const struct vsx_rule *r)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const __u8 *p;

	h = (h ^ (r->priority & 0xff)) * 0x100000001b3ULL;
	h = (h ^ (r->priority >> 8)) * 0x100000001b3ULL;
	p = (const __u8 *)&r->key;
	for (size_t i = 0; i < sizeof(r->key); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	p = (const __u8 *)&r->mask;
	for (size_t i = 0; i < sizeof(r->mask); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (__u32)(h ^ (h >> 32));
}

struct vsx_rule_table *vsx_rule_table_new(__u32 max_rules)
{
	struct vsx_rule_table *t;
	__u32 hsize = 16;

	if (!max_rules)
		max_rules = VSX_MAX_RULES - 1;
	if (max_rules > VSX_MAX_RULES - 1)
		return NULL;
	while (hsize < 2 * max_rules)
		hsize *= 2;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max_rules = max_rules;
	t->free_hint = 1;
	t->rules = calloc(max_rules + 1, sizeof(*t->rules));
	t->used = calloc(max_rules + 1, sizeof(*t->used));
	t->rule_mask = calloc(max_rules + 1, sizeof(*t->rule_mask));
	t->hash = calloc(hsize, sizeof(*t->hash));
	t->held = calloc(max_rules + 1, sizeof(*t->held));
	t->hash_mask = hsize - 1;
	if (!t->rules || !t->used || !t->rule_mask || !t->hash || !t->held) {
		vsx_rule_table_free(t);
		return NULL;
	}
	return t;
}

void vsx_rule_table_free(struct vsx_rule_table *t)
{
	if (!t)
		return;
	free(t->rules);
	free(t->used);
	free(t->rule_mask);
	free(t->hash);
	free(t->held);
	free(t->log);
	free(t);
}

static bool in_use(const struct vsx_rule_table *t, __u32 id)
{
	return id >= 1 && id <= t->max_rules && t->used[id];
}

/* ---- strict-identity hash ---- */

static __u32 hash_find(const struct vsx_rule_table *t, const struct vsx_rule *match)
{
	for (__u32 i = match_hash(match) & t->hash_mask;; i = (i + 1) & t->hash_mask) {
		__u32 id = t->hash[i];

		if (!id)
			return 0;
		if (vsx_rule_match_equal(&t->rules[id], match))
			return id;
	}
}

static void hash_insert(struct vsx_rule_table *t, __u32 id)
{
	__u32 i = match_hash(&t->rules[id]) & t->hash_mask;

	while (t->hash[i])
		i = (i + 1) & t->hash_mask;
	t->hash[i] = id;
}

/* Removal with backward shift: no tombstones, so probes stay short. */
static void hash_remove(struct vsx_rule_table *t, __u32 id)
{
	__u32 i = match_hash(&t->rules[id]) & t->hash_mask;

	while (t->hash[i] != id)
		i = (i + 1) & t->hash_mask;
	for (__u32 j = i;;) {
		__u32 home;

		j = (j + 1) & t->hash_mask;
		if (!t->hash[j])
			break;
		home = match_hash(&t->rules[t->hash[j]]) & t->hash_mask;
		/* The entry at j may move to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->hash[i] = t->hash[j];
		i = j;
	}
	t->hash[i] = 0;
}

/* ---- masks per direction ---- */

static int mask_find(const struct vsx_rule_table *t, int dir, const struct vsx_flow_key *mask)
{
	for (int i = 0; i < VSX_MAX_MASKS; i++) {
		const struct mask_slot *s = &t->masks[dir][i];

		if (s->refs && !memcmp(&s->mask, mask, sizeof(*mask)))
			return i;
	}
	return -1;
}

/* The slot `mask` would use in `dir`: an existing one, a free one, or -ENOSPC. */
static int mask_slot_for(const struct vsx_rule_table *t, int dir, const struct vsx_flow_key *mask)
{
	int i = mask_find(t, dir, mask);

	if (i >= 0)
		return i;
	for (i = 0; i < VSX_MAX_MASKS; i++)
		if (!t->masks[dir][i].refs)
			return i;
	return -ENOSPC;
}

static void mask_ref(struct vsx_rule_table *t, int dir, int slot, const struct vsx_flow_key *mask)
{
	struct mask_slot *s = &t->masks[dir][slot];

	if (!s->refs++) {
		s->mask = *mask;
		t->n_masks[dir]++;
	}
}

static void mask_unref(struct vsx_rule_table *t, int dir, int slot)
{
	if (!--t->masks[dir][slot].refs)
		t->n_masks[dir]--;
}

static int no_mask_room(char *err, size_t errlen, int dir)
{
	return vsx_errf(err, errlen, -ENOSPC, "too many distinct match masks (%d) for %s rules",
			VSX_MAX_MASKS, vsx_rule_dir_name(dir));
}

/* ---- the undo log ---- */

/* Room for one more record, before the change it records is made. */
static int log_reserve(struct vsx_rule_table *t)
{
	struct vsx_rule_change *p;
	size_t cap;

	if (!t->in_txn || t->n_log < t->log_cap)
		return 0;
	cap = t->log_cap ? 2 * t->log_cap : 16;
	p = realloc(t->log, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->log = p;
	t->log_cap = cap;
	return 0;
}

static void log_change(struct vsx_rule_table *t, int op, __u32 id)
{
	struct vsx_rule_change *c;

	if (!t->in_txn)
		return;
	c = &t->log[t->n_log++];
	c->op = op;
	c->id = id;
	if (op == VSX_RULE_ADDED)
		memset(&c->old, 0, sizeof(c->old));
	else
		c->old = t->rules[id];
}

/* ---- changes ---- */

/* Puts rule (content; its id is set) at a free id. The caller checked room for its mask. */
static void link_rule(struct vsx_rule_table *t, __u32 id, const struct vsx_rule *rule, int slot)
{
	int dir = vsx_rule_direction(rule);

	t->rules[id] = *rule;
	t->rules[id].id = id;
	t->used[id] = true;
	t->rule_mask[id] = (__u8)slot;
	mask_ref(t, dir, slot, &rule->mask);
	hash_insert(t, id);
	t->n_rules++;
	t->n_dir[dir]++;
}

static void unlink_rule(struct vsx_rule_table *t, __u32 id)
{
	int dir = vsx_rule_direction(&t->rules[id]);

	hash_remove(t, id);
	mask_unref(t, dir, t->rule_mask[id]);
	/* Storage keeps its id, so that for_each can go on from a rule just deleted. */
	memset(&t->rules[id], 0, sizeof(t->rules[id]));
	t->rules[id].id = id;
	t->used[id] = false;
	t->n_rules--;
	t->n_dir[dir]--;
	if (id < t->free_hint)
		t->free_hint = id;
}

/*
 * Gives rule id everything of `content` but its match and priority (its identity): action,
 * cookie, timeouts, flags, origin, added. The action may change the direction, which needs room
 * for the mask in the other direction.
 */
static int set_content(struct vsx_rule_table *t, __u32 id, const struct vsx_rule *content,
		       char *err, size_t errlen)
{
	struct vsx_rule *r = &t->rules[id];
	struct vsx_rule tmp = *content;
	int old_dir = vsx_rule_direction(r), new_dir, slot, ret;

	tmp.id = id;
	tmp.priority = r->priority;
	tmp.key = r->key;
	tmp.mask = r->mask;
	ret = vsx_rule_validate(&tmp, err, errlen);
	if (ret)
		return ret;
	new_dir = vsx_rule_direction(&tmp);
	slot = new_dir == old_dir ? t->rule_mask[id] : mask_slot_for(t, new_dir, &r->mask);
	if (slot < 0)
		return no_mask_room(err, errlen, new_dir);
	if (log_reserve(t))
		return vsx_errf(err, errlen, -ENOMEM, "out of memory");
	log_change(t, VSX_RULE_CHANGED, id);
	if (new_dir != old_dir) {
		mask_unref(t, old_dir, t->rule_mask[id]);
		mask_ref(t, new_dir, slot, &r->mask);
		t->rule_mask[id] = (__u8)slot;
		t->n_dir[old_dir]--;
		t->n_dir[new_dir]++;
	}
	*r = tmp;
	t->gen++;
	return 0;
}

int vsx_rule_table_add(struct vsx_rule_table *t, const struct vsx_rule *rule, __u32 *id,
		       bool *replaced, char *err, size_t errlen)
{
	__u32 new_id;
	int dir, slot, ret;

	ret = vsx_rule_validate(rule, err, errlen);
	if (ret)
		return ret;
	new_id = hash_find(t, rule);
	if (new_id) {
		ret = set_content(t, new_id, rule, err, errlen);
		if (ret)
			return ret;
		if (id)
			*id = new_id;
		if (replaced)
			*replaced = true;
		return 0;
	}

	if (t->n_rules >= t->max_rules)
		return vsx_errf(err, errlen, -ENOSPC, "rule table full (%u rules)", t->max_rules);
	dir = vsx_rule_direction(rule);
	slot = mask_slot_for(t, dir, &rule->mask);
	if (slot < 0)
		return no_mask_room(err, errlen, dir);
	for (new_id = t->free_hint; new_id <= t->max_rules && (t->used[new_id] || t->held[new_id]);
	     new_id++)
		;
	if (new_id > t->max_rules) /* the free ids are all held by the open transaction */
		return vsx_errf(err, errlen, -ENOSPC,
				"rule table full (%u rules, counting those deleted in this change)",
				t->max_rules);
	if (log_reserve(t))
		return vsx_errf(err, errlen, -ENOMEM, "out of memory");
	/* (held ids below new_id go back under the hint when the transaction ends) */
	t->free_hint = new_id + 1;
	link_rule(t, new_id, rule, slot);
	log_change(t, VSX_RULE_ADDED, new_id);
	t->gen++;
	if (id)
		*id = new_id;
	if (replaced)
		*replaced = false;
	return 0;
}

int vsx_rule_table_modify(struct vsx_rule_table *t, __u32 id, const struct vsx_rule_action *a,
			  char *err, size_t errlen)
{
	struct vsx_rule content;

	if (!in_use(t, id))
		return vsx_errf(err, errlen, -ENOENT, "no rule %u", id);
	content = t->rules[id];
	content.action = *a;
	return set_content(t, id, &content, err, errlen);
}

int vsx_rule_table_update(struct vsx_rule_table *t, __u32 id, const struct vsx_rule *content,
			  char *err, size_t errlen)
{
	if (!in_use(t, id))
		return vsx_errf(err, errlen, -ENOENT, "no rule %u", id);
	return set_content(t, id, content, err, errlen);
}

int vsx_rule_table_del(struct vsx_rule_table *t, __u32 id)
{
	if (!in_use(t, id))
		return -ENOENT;
	if (log_reserve(t))
		return -ENOMEM;
	log_change(t, VSX_RULE_DELETED, id);
	unlink_rule(t, id);
	if (t->in_txn)
		t->held[id] = true;
	t->gen++;
	return 0;
}

int vsx_rule_table_del_strict(struct vsx_rule_table *t, const struct vsx_rule *match, __u32 *id)
{
	__u32 found = hash_find(t, match);

	if (!found)
		return -ENOENT;
	if (id)
		*id = found;
	return vsx_rule_table_del(t, found);
}

unsigned int vsx_rule_table_del_loose(struct vsx_rule_table *t, const struct vsx_rule *match,
				      __u64 cookie_mask)
{
	unsigned int n = 0;

	for (__u32 id = 1; id <= t->max_rules; id++) {
		const struct vsx_rule *r = &t->rules[id];

		if (!t->used[id] || !vsx_rule_covers(match, r) ||
		    ((r->cookie ^ match->cookie) & cookie_mask))
			continue;
		if (vsx_rule_table_del(t, id) == 0)
			n++;
	}
	return n;
}

/* ---- transactions ---- */

int vsx_rule_table_begin(struct vsx_rule_table *t)
{
	if (t->in_txn)
		return -EBUSY;
	t->in_txn = true;
	t->n_log = 0;
	t->txn_gen = t->gen;
	return 0;
}

bool vsx_rule_table_in_txn(const struct vsx_rule_table *t)
{
	return t->in_txn;
}

size_t vsx_rule_table_savepoint(const struct vsx_rule_table *t)
{
	return t->n_log;
}

/* Undoes the records after `savepoint`, newest first: each one finds the table as it was just
 * after its change, so the mask room its undo needs is there. */
void vsx_rule_table_rollback_to(struct vsx_rule_table *t, size_t savepoint)
{
	while (t->in_txn && t->n_log > savepoint) {
		const struct vsx_rule_change *c = &t->log[--t->n_log];
		int dir;

		switch (c->op) {
		case VSX_RULE_ADDED:
			unlink_rule(t, c->id);
			break;
		case VSX_RULE_CHANGED:
			unlink_rule(t, c->id);
			/* fall through */
		case VSX_RULE_DELETED:
			dir = vsx_rule_direction(&c->old);
			link_rule(t, c->id, &c->old, mask_slot_for(t, dir, &c->old.mask));
			if (c->op == VSX_RULE_DELETED)
				t->held[c->id] = false;
			break;
		}
		t->gen++;
	}
}

static void txn_end(struct vsx_rule_table *t)
{
	for (size_t i = 0; i < t->n_log; i++) {
		__u32 id = t->log[i].id;

		t->held[id] = false;
		if (!t->used[id] && id < t->free_hint)
			t->free_hint = id;
	}
	t->n_log = 0;
	t->in_txn = false;
}

void vsx_rule_table_rollback(struct vsx_rule_table *t)
{
	if (!t->in_txn)
		return;
	vsx_rule_table_rollback_to(t, 0);
	t->gen = t->txn_gen; /* exactly as before: nothing happened */
	txn_end(t);
}

void vsx_rule_table_commit(struct vsx_rule_table *t)
{
	if (t->in_txn)
		txn_end(t);
}

size_t vsx_rule_table_n_changes(const struct vsx_rule_table *t)
{
	return t->in_txn ? t->n_log : 0;
}

const struct vsx_rule_change *vsx_rule_table_change(const struct vsx_rule_table *t, size_t i)
{
	return t->in_txn && i < t->n_log ? &t->log[i] : NULL;
}

void vsx_rule_table_clear(struct vsx_rule_table *t)
{
	if (t->in_txn) { /* one logged delete each, so that it can be undone */
		for (__u32 id = 1; id <= t->max_rules; id++)
			if (t->used[id])
				vsx_rule_table_del(t, id);
		return;
	}
	memset(t->rules, 0, (t->max_rules + 1) * sizeof(*t->rules));
	memset(t->used, 0, (t->max_rules + 1) * sizeof(*t->used));
	memset(t->hash, 0, (t->hash_mask + 1) * sizeof(*t->hash));
	memset(t->masks, 0, sizeof(t->masks));
	memset(t->n_dir, 0, sizeof(t->n_dir));
	memset(t->n_masks, 0, sizeof(t->n_masks));
	t->n_rules = 0;
	t->free_hint = 1;
	t->gen++;
}

/* ---- queries ---- */

const struct vsx_rule *vsx_rule_table_get(const struct vsx_rule_table *t, __u32 id)
{
	return in_use(t, id) ? &t->rules[id] : NULL;
}

const struct vsx_rule *vsx_rule_table_find_strict(const struct vsx_rule_table *t,
						  const struct vsx_rule *match)
{
	__u32 id = hash_find(t, match);

	return id ? &t->rules[id] : NULL;
}

const struct vsx_rule *vsx_rule_table_next(const struct vsx_rule_table *t, __u32 after_id)
{
	for (__u32 id = after_id + 1; id <= t->max_rules && id > after_id; id++)
		if (t->used[id])
			return &t->rules[id];
	return NULL;
}

__u32 vsx_rule_table_count(const struct vsx_rule_table *t)
{
	return t->n_rules;
}

__u32 vsx_rule_table_count_dir(const struct vsx_rule_table *t, int dir)
{
	return dir >= 0 && dir < VSX_DIR_COUNT ? t->n_dir[dir] : 0;
}

__u32 vsx_rule_table_max_rules(const struct vsx_rule_table *t)
{
	return t->max_rules;
}

__u32 vsx_rule_table_n_masks(const struct vsx_rule_table *t, int dir)
{
	return dir >= 0 && dir < VSX_DIR_COUNT ? t->n_masks[dir] : 0;
}

__u64 vsx_rule_table_gen(const struct vsx_rule_table *t)
{
	return t->gen;
}

const struct vsx_rule *vsx_rule_table_lookup(const struct vsx_rule_table *t, int dir,
					     const struct vsx_flow_key *key)
{
	__u32 max_prio[VSX_MAX_MASKS] = {0};
	const struct vsx_rule *best = NULL;
	int best_slot = -1;

	if (dir < 0 || dir >= VSX_DIR_COUNT)
		return NULL;

	/* The subtable order needs each mask's highest priority. */
	for (__u32 id = 1; id <= t->max_rules; id++) {
		const struct vsx_rule *r = &t->rules[id];

		if (t->used[id] && vsx_rule_direction(r) == dir &&
		    r->priority > max_prio[t->rule_mask[id]])
			max_prio[t->rule_mask[id]] = r->priority;
	}

	for (__u32 id = 1; id <= t->max_rules; id++) {
		const struct vsx_rule *r = &t->rules[id];
		int slot = t->rule_mask[id];

		if (!t->used[id] || vsx_rule_direction(r) != dir || !vsx_rule_matches_key(r, key))
			continue;
		if (best && r->priority < best->priority)
			continue;
		/* Equal priority: never the same mask (that would be the same match), so the
		 * subtable order decides. */
		if (best && r->priority == best->priority &&
		    vsx_cls_mask_cmp(&t->masks[dir][slot].mask, max_prio[slot],
				     &t->masks[dir][best_slot].mask, max_prio[best_slot]) > 0)
			continue;
		best = r;
		best_slot = slot;
	}
	return best;
}
