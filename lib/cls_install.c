// SPDX-License-Identifier: MIT
#include "cls_install.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"

static int delete_bank(int rules_fd, __u32 base)
{
	struct vsx_cls_key key, next;
	void *prev = NULL;
	int deleted = 0;

	/* Collect first: deleting while iterating a hash restarts the walk. */
	size_t cap = 256, n = 0;
	struct vsx_cls_key *doomed = malloc(cap * sizeof(*doomed));

	if (!doomed)
		return -ENOMEM;
	while (bpf_map_get_next_key(rules_fd, prev, &next) == 0) {
		if (next.mask_id >= base && next.mask_id < base + VSX_MAX_MASKS) {
			if (n == cap) {
				struct vsx_cls_key *p = realloc(doomed, 2 * cap * sizeof(*p));
				if (!p) {
					free(doomed);
					return -ENOMEM;
				}
				doomed = p;
				cap *= 2;
			}
			doomed[n++] = next;
		}
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < n; i++)
		deleted += bpf_map_delete_elem(rules_fd, &doomed[i]) == 0;
	free(doomed);
	return deleted;
}

int vsx_cls_install(int masks_fd, int rules_fd, __u32 *bank_word, const struct vsx_classifier *c)
{
	const struct vsx_cls_mask *masks = c->masks;
	unsigned int n_masks = c->n_masks;
	__u32 old = __atomic_load_n(bank_word, __ATOMIC_ACQUIRE);
	__u32 base = VSX_CLS_BANK_BASE(old) ? 0 : VSX_MAX_MASKS;
	int err;

	if (n_masks > VSX_MAX_MASKS)
		return -ENOSPC;
	/* Leftovers of an interrupted install in the inactive bank go first. */
	delete_bank(rules_fd, base);
	for (unsigned int i = 0; i < n_masks; i++) {
		__u32 id = base + i;

		if (bpf_map_update_elem(masks_fd, &id, &masks[i], BPF_ANY)) {
			err = -errno;
			log_err("writing subtable %u: %s", id, strerror(errno));
			return err;
		}
	}
	for (size_t i = 0; i < c->n_entries; i++) {
		struct vsx_cls_key k = c->entries[i].key;

		k.mask_id += base;
		if (bpf_map_update_elem(rules_fd, &k, &c->entries[i].val, BPF_ANY)) {
			err = -errno;
			log_err("writing rule %u: %s", c->entries[i].val.rule_id, strerror(errno));
			delete_bank(rules_fd, base);
			return err;
		}
	}
	__atomic_store_n(bank_word, VSX_CLS_BANK(base, n_masks), __ATOMIC_RELEASE);
	delete_bank(rules_fd, VSX_CLS_BANK_BASE(old));
	return 0;
}

