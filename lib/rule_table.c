// SPDX-License-Identifier: MIT
/*
 * The rule table: rules in an array indexed by id, a hash of match + priority for the strict
 * identity, and per direction the distinct masks with reference counts. Memory is allocated
 * once, at creation, for max_rules rules.
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
	t->hash_mask = hsize - 1;
	if (!t->rules || !t->used || !t->rule_mask || !t->hash) {
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

/* ---- changes ---- */

static int set_action(struct vsx_rule_table *t, __u32 id, const struct vsx_rule_action *a,
		      __u64 cookie, char *err, size_t errlen)
{
	struct vsx_rule *r = &t->rules[id];
	struct vsx_rule tmp = *r;
	int old_dir = vsx_rule_direction(r), new_dir, slot, ret;

	tmp.action = *a;
	tmp.cookie = cookie;
	ret = vsx_rule_validate(&tmp, err, errlen);
	if (ret)
		return ret;
	new_dir = vsx_rule_direction(&tmp);
	if (new_dir != old_dir) {
		slot = mask_slot_for(t, new_dir, &r->mask);
		if (slot < 0)
			return no_mask_room(err, errlen, new_dir);
		mask_unref(t, old_dir, t->rule_mask[id]);
		mask_ref(t, new_dir, slot, &r->mask);
		t->rule_mask[id] = (__u8)slot;
		t->n_dir[old_dir]--;
		t->n_dir[new_dir]++;
	}
	r->action = *a;
	r->cookie = cookie;
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
		ret = set_action(t, new_id, &rule->action, rule->cookie, err, errlen);
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

	for (new_id = t->free_hint; in_use(t, new_id); new_id++)
		;
	t->free_hint = new_id + 1;
	t->rules[new_id] = *rule;
	t->rules[new_id].id = new_id;
	t->used[new_id] = true;
	t->rule_mask[new_id] = (__u8)slot;
	mask_ref(t, dir, slot, &rule->mask);
	hash_insert(t, new_id);
	t->n_rules++;
	t->n_dir[dir]++;
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
	if (!in_use(t, id))
		return vsx_errf(err, errlen, -ENOENT, "no rule %u", id);
	return set_action(t, id, a, t->rules[id].cookie, err, errlen);
}

int vsx_rule_table_del(struct vsx_rule_table *t, __u32 id)
{
	int dir;

	if (!in_use(t, id))
		return -ENOENT;
	dir = vsx_rule_direction(&t->rules[id]);
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
		vsx_rule_table_del(t, id);
		n++;
	}
	return n;
}

void vsx_rule_table_clear(struct vsx_rule_table *t)
{
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
