/* SPDX-License-Identifier: MIT */
/*
 * Token buckets for the fast paths (RX offload, TX dispatcher): a packet is admitted when
 * its bucket holds enough tokens for it in every unit the bucket limits (bits, packets);
 * then it takes them, otherwise it takes nothing. The bucket layout, its limits and its
 * configuration from a rate are in include/vsx/rate.h; docs/rate-control.md has the
 * measured precision.
 *
 *     if (e->flags & VSX_OFL_F_RATE &&
 *         vsx_rate_admit(&my_rate_map, e->rate_id, frame_len, bpf_ktime_get_ns()) != VSX_RATE_PASS)
 *             ... over the limit (or no such bucket): drop and count ...
 *
 * The map is a parameter (an array of struct vsx_rate_bucket, each program defines its own
 * or reuses one), and `now` too: the same code runs in user space on a synthetic clock
 * (tests/bpf/test_rate.c), where the map is a struct vsx_rate_table and the lock a spin
 * lock on the same word.
 *
 * Concurrency: the bucket's bpf_spin_lock (include/vsx/rate.h says why a lock and not
 * per-CPU buckets). `now` is read by the caller before the lock, so a CPU may take the lock
 * with an older time than the one that held it last: time never goes back for a bucket
 * (an older `now` refills nothing), so no tokens are made twice.
 */
#ifndef VSX_BPF_RATE_H
#define VSX_BPF_RATE_H

#include <vsx/rate.h>

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* vsx_rate_admit() */
enum {
	VSX_RATE_NO_BUCKET = -1, /* id outside the map */
	VSX_RATE_OVER = 0,	 /* over the limit: not admitted, no tokens taken */
	VSX_RATE_PASS = 1,	 /* admitted */
};

static __always_inline void vsx_rate_refill(__u64 *tokens, __u64 cap, __u64 fill_ns, __u64 rate,
					    __u64 elapsed)
{
	__u64 t;

	/* elapsed < fill_ns bounds elapsed * rate by cap + rate: no overflow (rate.h's limits) */
	if (elapsed >= fill_ns) {
		*tokens = cap;
		return;
	}
	t = *tokens + elapsed * rate;
	*tokens = t < cap ? t : cap;
}

/*
 * The bucket's logic, for a caller holding b's lock: refills for the time since the last
 * packet, then admits a packet of len bytes (VSX_RATE_PASS) or not (VSX_RATE_OVER).
 */
static __always_inline int vsx_rate_take(struct vsx_rate_bucket *b, __u32 len, __u64 now)
{
	__u64 elapsed = now > b->last_ns ? now - b->last_ns : 0;
	__u64 bit_cost = (__u64)len * 8 * VSX_RATE_SCALE;
	__u32 flags = b->flags;

	if (!flags)
		return VSX_RATE_PASS;
	if (now > b->last_ns)
		b->last_ns = now;
	if (flags & VSX_RATE_F_BITS)
		vsx_rate_refill(&b->bit_tokens, b->bit_cap, b->bit_fill_ns, b->bits_per_s, elapsed);
	if (flags & VSX_RATE_F_PKTS)
		vsx_rate_refill(&b->pkt_tokens, b->pkt_cap, b->pkt_fill_ns, b->pkts_per_s, elapsed);
	if ((flags & VSX_RATE_F_BITS) && b->bit_tokens < bit_cost)
		return VSX_RATE_OVER;
	if ((flags & VSX_RATE_F_PKTS) && b->pkt_tokens < VSX_RATE_SCALE)
		return VSX_RATE_OVER;
	if (flags & VSX_RATE_F_BITS)
		b->bit_tokens -= bit_cost;
	if (flags & VSX_RATE_F_PKTS)
		b->pkt_tokens -= VSX_RATE_SCALE;
	return VSX_RATE_PASS;
}

#ifdef __bpf__
#define vsx_rate_lookup(map, id) ((struct vsx_rate_bucket *)bpf_map_lookup_elem(map, &(id)))
#define vsx_rate_lock(b) bpf_spin_lock(&(b)->lock)
#define vsx_rate_unlock(b) bpf_spin_unlock(&(b)->lock)
#else
/* User space: the "map" is an array of buckets. */
struct vsx_rate_table {
	struct vsx_rate_bucket *buckets;
	__u32 n;
};

static inline struct vsx_rate_bucket *vsx_rate_table_lookup(void *map, __u32 id)
{
	struct vsx_rate_table *t = map;

	return id < t->n ? &t->buckets[id] : NULL;
}

static inline void vsx_rate_lock_word(__u32 *w)
{
	while (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(w, __ATOMIC_RELAXED))
			;
}

#define vsx_rate_lookup(map, id) vsx_rate_table_lookup(map, id)
#define vsx_rate_lock(b) vsx_rate_lock_word(&(b)->lock.val)
#define vsx_rate_unlock(b) __atomic_store_n(&(b)->lock.val, 0, __ATOMIC_RELEASE)
#endif

/* Admits a packet of len bytes at time now (ns) through bucket id of map (VSX_RATE_*). */
static __always_inline int vsx_rate_admit(void *map, __u32 id, __u32 len, __u64 now)
{
	struct vsx_rate_bucket *b = vsx_rate_lookup(map, id);
	int r;

	if (!b)
		return VSX_RATE_NO_BUCKET;
	vsx_rate_lock(b);
	r = vsx_rate_take(b, len, now);
	vsx_rate_unlock(b);
	return r;
}

#endif
