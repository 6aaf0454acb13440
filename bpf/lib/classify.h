/* SPDX-License-Identifier: MIT */
/*
 * Tuple space search over the steering rules (lib/classifier.c compiles them). Rules are
 * grouped by mask into at most VSX_MAX_MASKS subtables, each a hash of masked keys, so the
 * cost of a lookup grows with the number of distinct masks in use, not with the number of
 * rules. Subtables come in descending order of their highest rule priority, which lets the
 * walk stop as soon as the best match found cannot be beaten. Equal priorities: the first
 * subtable wins (lib/classifier.h states the same rule for the user-space reference).
 */
#ifndef VSX_BPF_CLASSIFY_H
#define VSX_BPF_CLASSIFY_H

#include <vsx/datapath.h>

static __always_inline void vsx_key_mask(struct vsx_flow_key *out, const struct vsx_flow_key *key,
					 const struct vsx_flow_key *mask)
{
	const __u64 *k = (const __u64 *)key, *m = (const __u64 *)mask;
	__u64 *o = (__u64 *)out;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*key) / 8); i++)
		o[i] = k[i] & m[i];
}

/*
 * Returns the winning rule, or NULL when no rule matches. bank: vsx_config.cls_bank. ck: where
 * the masked key is built (104 bytes): a per-CPU map value where the caller's stack is short
 * (the uplink's miss path), else the caller's stack (vsx_classify()).
 */
static __always_inline struct vsx_cls_val *
vsx_classify_in(void *masks_map, void *rules_map, const struct vsx_flow_key *key, __u32 bank,
		struct vsx_cls_key *ck)
{
	__u32 base = VSX_CLS_BANK_BASE(bank), n_masks = VSX_CLS_BANK_N(bank);
	struct vsx_cls_val *best = NULL;

	ck->_pad = 0;
	for (__u32 i = 0; i < VSX_MAX_MASKS; i++) {
		struct vsx_cls_mask *m;
		struct vsx_cls_val *v;
		__u32 id = base + i;

		if (i >= n_masks)
			break;
		m = bpf_map_lookup_elem(masks_map, &id);
		if (!m)
			break;
		if (best && best->priority >= m->max_priority)
			break;
		ck->mask_id = id;
		vsx_key_mask(&ck->key, key, &m->mask);
		v = bpf_map_lookup_elem(rules_map, ck);
		if (v && (!best || v->priority > best->priority))
			best = v;
	}
	return best;
}

static __always_inline struct vsx_cls_val *
vsx_classify(void *masks_map, void *rules_map, const struct vsx_flow_key *key, __u32 bank)
{
	struct vsx_cls_key ck = {};

	return vsx_classify_in(masks_map, rules_map, key, bank, &ck);
}

#endif
