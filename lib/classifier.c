// SPDX-License-Identifier: MIT
/* Tuple-space classifier compilation and the user-space copy of the datapath lookup. */
#include "errmsg.h"
#include "classifier.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __u32 key_hash(const struct vsx_cls_key *k)
{
	const __u8 *p = (const __u8 *)k;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (__u32)(h ^ (h >> 32));
}

void vsx_classifier_free(struct vsx_classifier *c)
{
	free(c->entries);
	free(c->index);
	memset(c, 0, sizeof(*c));
}

/* Index slot holding the entry with key k, or the empty slot where it would go. Slots hold
 * entry index + 1; 0 is empty. */
static __u32 index_slot(const struct vsx_classifier *c, const struct vsx_cls_key *k)
{
	__u32 i = key_hash(k) & c->index_mask;

	for (;; i = (i + 1) & c->index_mask) {
		__u32 e = c->index[i];

		if (!e || !memcmp(&c->entries[e - 1].key, k, sizeof(*k)))
			return i;
	}
}

const struct vsx_cls_entry *vsx_classifier_find(const struct vsx_classifier *c,
						const struct vsx_cls_key *key)
{
	__u32 e;

	if (!c->index)
		return NULL;
	e = c->index[index_slot(c, key)];
	return e ? &c->entries[e - 1] : NULL;
}

struct build_mask {
	struct vsx_flow_key mask;
	__u32 max_priority;
	__u32 rank; /* its mask_id once sorted */
};

int vsx_classifier_build(struct vsx_classifier *c, const struct vsx_rule_table *t, int dir,
			 char *err, size_t errlen)
{
	struct build_mask bm[VSX_MAX_MASKS];
	__u8 order[VSX_MAX_MASKS];
	const struct vsx_rule **rules = NULL;
	__u8 *rule_mask = NULL;
	const struct vsx_rule *r;
	__u32 n = 0, n_masks = 0, isize = 16;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->dir = dir;
	if (dir < 0 || dir >= VSX_DIR_COUNT)
		return vsx_errf(err, errlen, -EINVAL, "bad direction %d", dir);

	n = vsx_rule_table_count_dir(t, dir);
	rules = calloc(n ? n : 1, sizeof(*rules));
	rule_mask = calloc(n ? n : 1, sizeof(*rule_mask));
	while (isize < 2 * n)
		isize *= 2;
	c->entries = calloc(n ? n : 1, sizeof(*c->entries));
	c->index = calloc(isize, sizeof(*c->index));
	c->index_mask = isize - 1;
	if (!rules || !rule_mask || !c->entries || !c->index) {
		ret = vsx_errf(err, errlen, -ENOMEM, "out of memory for %u rules", n);
		goto out;
	}

	/* Group by mask. */
	n = 0;
	vsx_rule_table_for_each(t, r)
	{
		__u32 m;

		if (vsx_rule_direction(r) != dir)
			continue;
		for (m = 0; m < n_masks; m++)
			if (!memcmp(&bm[m].mask, &r->mask, sizeof(r->mask)))
				break;
		if (m == n_masks) {
			if (n_masks == VSX_MAX_MASKS) {
				ret = vsx_errf(err, errlen, -ENOSPC,
					       "too many distinct match masks (%d)", VSX_MAX_MASKS);
				goto out;
			}
			bm[m].mask = r->mask;
			bm[m].max_priority = 0;
			n_masks++;
		}
		if (r->priority > bm[m].max_priority)
			bm[m].max_priority = r->priority;
		rules[n] = r;
		rule_mask[n] = (__u8)m;
		n++;
	}
	c->n_rules = n;

	/* Order the subtables (insertion sort: at most 32). */
	for (__u32 i = 0; i < n_masks; i++) {
		__u32 j = i;

		while (j > 0 &&
		       vsx_cls_mask_cmp(&bm[i].mask, bm[i].max_priority, &bm[order[j - 1]].mask,
					bm[order[j - 1]].max_priority) < 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (__u8)i;
	}
	for (__u32 i = 0; i < n_masks; i++) {
		struct build_mask *b = &bm[order[i]];

		b->rank = i;
		c->masks[i].mask = b->mask;
		c->masks[i].max_priority = b->max_priority;
		c->masks[i]._pad = 0;
	}
	c->n_masks = n_masks;

	/* One entry per (subtable, key), the highest priority's. */
	for (__u32 i = 0; i < n; i++) {
		struct vsx_cls_key k;
		struct vsx_cls_val v;
		__u32 slot;

		r = rules[i];
		memset(&k, 0, sizeof(k));
		k.mask_id = bm[rule_mask[i]].rank;
		k.key = r->key;
		memset(&v, 0, sizeof(v));
		v.rule_id = r->id;
		v.priority = r->priority;
		v.action = r->action.kind;
		v.fcf = r->action.fcf;
		v.core = r->action.core;

		slot = index_slot(c, &k);
		if (c->index[slot]) {
			struct vsx_cls_val *old = &c->entries[c->index[slot] - 1].val;

			c->n_shadowed++;
			if (v.priority > old->priority)
				*old = v;
			continue;
		}
		c->entries[c->n_entries].key = k;
		c->entries[c->n_entries].val = v;
		c->index[slot] = ++c->n_entries;
	}

	/* Entries by subtable, then rule id (a stable counting sort): deterministic output. */
	if (c->n_entries > 1) {
		struct vsx_cls_entry *sorted = calloc(c->n_entries, sizeof(*sorted));
		__u32 start[VSX_MAX_MASKS + 1] = {0};

		if (!sorted) {
			ret = vsx_errf(err, errlen, -ENOMEM, "out of memory for %u rules", n);
			goto out;
		}
		for (__u32 i = 0; i < c->n_entries; i++)
			start[c->entries[i].key.mask_id + 1]++;
		for (__u32 m = 1; m <= VSX_MAX_MASKS; m++)
			start[m] += start[m - 1];
		for (__u32 i = 0; i < c->n_entries; i++)
			sorted[start[c->entries[i].key.mask_id]++] = c->entries[i];
		free(c->entries);
		c->entries = sorted;
	}
	/* Rebuild the index after the reordering. */
	memset(c->index, 0, isize * sizeof(*c->index));
	for (__u32 i = 0; i < c->n_entries; i++)
		c->index[index_slot(c, &c->entries[i].key)] = i + 1;

out:
	free(rules);
	free(rule_mask);
	if (ret)
		vsx_classifier_free(c);
	return ret;
}

const struct vsx_cls_val *vsx_classifier_lookup_probes(const struct vsx_classifier *c,
						       const struct vsx_flow_key *key,
						       unsigned int *probes)
{
	const struct vsx_cls_val *best = NULL;
	unsigned int n = 0;

	for (__u32 i = 0; i < c->n_masks && i < VSX_MAX_MASKS; i++) {
		const struct vsx_cls_entry *e;
		struct vsx_cls_key k;

		if (best && best->priority >= c->masks[i].max_priority)
			break;
		memset(&k, 0, sizeof(k));
		k.mask_id = i;
		vsx_flow_key_and(&k.key, key, &c->masks[i].mask);
		n++;
		e = vsx_classifier_find(c, &k);
		if (e && (!best || e->val.priority > best->priority))
			best = &e->val;
	}
	if (probes)
		*probes = n;
	return best;
}

const struct vsx_cls_val *vsx_classifier_lookup(const struct vsx_classifier *c,
						const struct vsx_flow_key *key)
{
	return vsx_classifier_lookup_probes(c, key, NULL);
}
