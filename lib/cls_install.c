// SPDX-License-Identifier: MIT
/*
 * The install uses the kernel's batch operations on the rules hash (one syscall per chunk
 * instead of one per entry: at 16,000 rules the per-entry syscalls were most of a commit):
 * one walk with bpf_map_lookup_batch() finds both banks' keys, bpf_map_update_batch() writes
 * the new bank, bpf_map_delete_batch() removes the old one. Where the kernel refuses batch
 * operations (EINVAL/ENOTSUPP before 5.6), the same steps go one entry at a time.
 */
#include "cls_install.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"

/* The kernel's "operation not supported" (not in user space's errno.h). */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* Keys per lookup_batch call: more than any hash bucket holds, so ENOSPC cannot happen. */
#define WALK_CHUNK 4096

struct keyvec {
	struct vsx_cls_key *k;
	size_t n, cap;
};

static int keyvec_push(struct keyvec *v, const struct vsx_cls_key *k)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		struct vsx_cls_key *p = realloc(v->k, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->k = p;
		v->cap = cap;
	}
	v->k[v->n++] = *k;
	return 0;
}

static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP || err == -ENOSYS;
}

static bool in_bank(const struct vsx_cls_key *k, __u32 base)
{
	return k->mask_id >= base && k->mask_id < base + VSX_MAX_MASKS;
}

/* Every key of the map into `inactive` (mask ids in bank `base`) or `active` (the rest). */
static int walk_keys_batch(int fd, __u32 base, struct keyvec *inactive, struct keyvec *active)
{
	struct vsx_cls_key *keys = malloc(WALK_CHUNK * sizeof(*keys));
	struct vsx_cls_val *vals = malloc(WALK_CHUNK * sizeof(*vals));
	/* htab's batch token is a bucket index (u32); sized as a key to fit any map type. */
	struct vsx_cls_key in_tok, out_tok;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = WALK_CHUNK;
		int rc = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok, keys, vals,
					      &count, NULL);
		bool done = rc && errno == ENOENT;

		if (rc && !done) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < count && !err; i++)
			err = keyvec_push(in_bank(&keys[i], base) ? inactive : active, &keys[i]);
		if (err || done)
			break;
		in_tok = out_tok;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* The same one key at a time (kernels without batch lookups). */
static int walk_keys_single(int fd, __u32 base, struct keyvec *inactive, struct keyvec *active)
{
	struct vsx_cls_key key, next;
	void *prev = NULL;
	int err = 0;

	while (!err && bpf_map_get_next_key(fd, prev, &next) == 0) {
		err = keyvec_push(in_bank(&next, base) ? inactive : active, &next);
		key = next;
		prev = &key;
	}
	return err;
}

static int delete_keys(int fd, const struct vsx_cls_key *keys, size_t n, bool batch)
{
	int err = 0;

	if (!n)
		return 0;
	if (batch) {
		__u32 count = n;

		if (!bpf_map_delete_batch(fd, keys, &count, NULL))
			return 0;
		err = -errno;
		if (!batch_unsupported(err))
			log_warn("deleting %zu classifier entries: %s", n, strerror(errno));
		/* What the batch did not get to goes one by one (a missing key stops a batch). */
		keys += count;
		n -= count;
	}
	err = 0;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT && !err)
			err = -errno;
	return err;
}

/* Writes the new bank; on failure removes what it wrote and returns -errno. */
static int write_entries(int rules_fd, const struct vsx_classifier *c, __u32 base, bool *batch)
{
	size_t n = c->n_entries;
	struct vsx_cls_key *keys;
	struct vsx_cls_val *vals;
	size_t done = 0;
	int err = 0;

	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	vals = malloc(n * sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i] = c->entries[i].key;
		keys[i].mask_id += base;
		vals[i] = c->entries[i].val;
	}
	if (*batch) {
		__u32 count = n;

		if (bpf_map_update_batch(rules_fd, keys, vals, &count, NULL)) {
			err = -errno;
			done = count;
			if (batch_unsupported(err) && !count) {
				*batch = false;
				err = 0;
			}
		} else {
			done = n;
		}
	}
	for (; !err && done < n; done++)
		if (bpf_map_update_elem(rules_fd, &keys[done], &vals[done], BPF_ANY))
			err = -errno;
	if (err) {
		log_err("writing rule %u: %s", done < n ? vals[done].rule_id : 0, strerror(-err));
		delete_keys(rules_fd, keys, done, *batch);
	}
	free(keys);
	free(vals);
	return err;
}

int vsx_cls_install(int masks_fd, int rules_fd, __u32 *bank_word, const struct vsx_classifier *c)
{
	const struct vsx_cls_mask *masks = c->masks;
	unsigned int n_masks = c->n_masks;
	__u32 old = __atomic_load_n(bank_word, __ATOMIC_ACQUIRE);
	__u32 base = VSX_CLS_BANK_BASE(old) ? 0 : VSX_MAX_MASKS;
	struct keyvec leftover = {0}, old_keys = {0};
	bool batch = true;
	int err;

	if (n_masks > VSX_MAX_MASKS)
		return -ENOSPC;
	/*
	 * One walk finds both banks: only this installer writes the map, so the old bank's keys
	 * stay what they are until it is deleted below.
	 */
	err = walk_keys_batch(rules_fd, base, &leftover, &old_keys);
	if (batch_unsupported(err)) {
		batch = false;
		leftover.n = old_keys.n = 0;
		err = walk_keys_single(rules_fd, base, &leftover, &old_keys);
	}
	if (err) {
		log_err("listing classifier entries: %s", strerror(-err));
		goto out;
	}
	/* Leftovers of an interrupted install in the inactive bank go first. */
	delete_keys(rules_fd, leftover.k, leftover.n, batch);
	for (unsigned int i = 0; i < n_masks; i++) {
		__u32 id = base + i;

		if (bpf_map_update_elem(masks_fd, &id, &masks[i], BPF_ANY)) {
			err = -errno;
			log_err("writing subtable %u: %s", id, strerror(errno));
			goto out;
		}
	}
	err = write_entries(rules_fd, c, base, &batch);
	if (err)
		goto out;
	/* The new bank is complete: switch lookups to it, then drop the old one. */
	__atomic_store_n(bank_word, VSX_CLS_BANK(base, n_masks), __ATOMIC_RELEASE);
	delete_keys(rules_fd, old_keys.k, old_keys.n, batch);
out:
	free(leftover.k);
	free(old_keys.k);
	return err;
}
