// SPDX-License-Identifier: MIT
/*
 * The flow manager (flow_manager.h): a table of flows keyed by the offload key, a table of
 * the flow cache's slots as last read (to fold each slot's counters by difference), and the
 * policy's decisions each tick.
 */
#include "flow_manager.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_RST 0x04
#define ETH_HLEN 14
#define NS_PER_MS 1000000ull

/* One cache slot as last read: its flow's counters so far, under its tag. */
struct slot_state {
	uint32_t slot, tag;
	uint32_t flow; /* index + 1 */
	uint32_t gen;  /* the table's generation when written: other values are empty entries */
	uint64_t packets, bytes;
	uint64_t seen; /* the tick it was last in a dump */
};

/* A slot missing from a dump (skipped while being rewritten, say) keeps its last reading this
 * many ticks, so that it is not counted again from zero when it comes back with its tag. */
#define SLOT_KEEP_TICKS 50

/* Emptied by a new generation, not by clearing: a tick touches only the entries it uses. */
struct slot_table {
	struct slot_state *e;
	uint32_t *used; /* positions of the n entries in use */
	size_t size;	/* power of two */
	size_t n;
	uint32_t gen;
};

struct vm_state {
	bool set, usable;
	int err;
	struct vsx_fm_vm vm;
};

/* Internal per-flow state not in the public struct. */
struct flow_extra {
	bool redirect_failed; /* sticky until its VM's port is set again */
	bool refused;	      /* sticky likewise: fragments, MTU, other refusals */
	uint32_t vm_gen;      /* of the cached VM binding */
	struct vsx_rate_limit limit; /* installed with the entry */
	double rank;		     /* this tick's */
	struct vsx_tx_key tx_key;    /* the TX entry's, while tx_flow_id */
	struct vsx_offload_counters last_tx;
};

struct tx_remote_slot {
	struct vsx_tx_remote r;
	uint32_t refs; /* 0: free */
};

struct vsx_fm {
	const struct vsx_dp *dp;
	const struct vsx_offload *ofl;
	const struct vsx_ofl_policy *pol;
	struct vsx_offload_caps caps;
	bool have_caps;

	struct vm_state vms[VSX_MAX_VM_PORTS];
	uint32_t vm_gen;

	struct vsx_fm_flow *flows;
	struct flow_extra *extra;
	size_t max_flows, n_flows;
	uint32_t *buckets; /* index + 1 of the chain's first flow */
	size_t n_buckets;
	uint32_t *free_idx; /* unused flow indexes, a stack */
	size_t n_free;
	uint32_t *live; /* the used flow indexes, in no order: every walk is over these */
	uint32_t *live_pos;

	uint32_t *free_ids; /* unused provider flow ids, a stack */
	size_t n_free_ids;
	size_t n_offloaded;

	/* TX (vsx_fm_set_tx) */
	vsx_fm_remote_cb remote_cb;
	void *remote_arg;
	uint32_t *free_tx_ids;
	size_t n_free_tx_ids, n_tx;
	struct tx_remote_slot *remotes; /* [caps.tx_remotes], id = index, 0 unused */
	size_t n_remote_slots;

	struct slot_table slots[2]; /* last read, being read */

	uint32_t policy_gen;
	bool limits_dirty;
	bool slot_outer; /* slot bytes include the encapsulation (vsx_fm_slot_bytes_outer) */
	struct vsx_fm_stats st;
	vsx_fm_move_cb move_cb;
	void *move_arg;
	uint64_t now;
	int first_err;
	/* scratch for decisions */
	uint32_t *cand, *victims;
};

/* ---- names ---- */

static const char *const reason_names[VSX_FM_R_COUNT] = {
	[VSX_FM_R_NONE] = "none",
	[VSX_FM_R_OFF] = "offload-off",
	[VSX_FM_R_POLICY_NEVER] = "policy-never",
	[VSX_FM_R_BELOW_THRESHOLD] = "below-threshold",
	[VSX_FM_R_TABLE_FULL] = "table-full",
	[VSX_FM_R_NO_PORT] = "no-vm-port",
	[VSX_FM_R_PORT_REDIRECT] = "port-cannot-redirect",
	[VSX_FM_R_FRAGMENT] = "fragment",
	[VSX_FM_R_MTU] = "mtu",
	[VSX_FM_R_REDIRECT_FAIL] = "redirect-failures",
	[VSX_FM_R_CLOSING] = "tcp-closing",
	[VSX_FM_R_REFUSED] = "refused",
	[VSX_FM_R_PROVIDER] = "provider-error",
};

static const char *const promote_names[VSX_FM_P_COUNT] = {
	[VSX_FM_P_THRESHOLD] = "threshold",
	[VSX_FM_P_ALWAYS] = "always",
	[VSX_FM_P_DISPLACE] = "displace",
};

static const char *const demote_names[VSX_FM_D_COUNT] = {
	[VSX_FM_D_BELOW] = "below-threshold",
	[VSX_FM_D_CLOSING] = "tcp-close",
	[VSX_FM_D_IDLE] = "idle",
	[VSX_FM_D_REDIRECT_FAIL] = "redirect-failures",
	[VSX_FM_D_REFUSED] = "refused",
	[VSX_FM_D_DISPLACED] = "displaced",
	[VSX_FM_D_POLICY] = "policy",
	[VSX_FM_D_PORT] = "port-changed",
};

const char *vsx_fm_reason_name(int r)
{
	return r >= 0 && r < VSX_FM_R_COUNT ? reason_names[r] : "?";
}

const char *vsx_fm_promote_name(int w)
{
	return w >= 0 && w < VSX_FM_P_COUNT ? promote_names[w] : "?";
}

const char *vsx_fm_demote_name(int w)
{
	return w >= 0 && w < VSX_FM_D_COUNT ? demote_names[w] : "?";
}

/* ---- keys ---- */

int vsx_fm_key(const struct vsx_flow_key *k, struct vsx_offload_key *out)
{
	if (!(k->flags & VSX_KEY_TUNNEL) ||
	    (k->dl_type != htons(0x0800) && k->dl_type != htons(0x86dd)))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->vni = k->vni;
	out->kind = VSX_OFFLOAD_KEY_FLOW;
	out->nw_proto = k->nw_proto;
	out->dl_type = k->dl_type;
	/* ports only where the fast path reads them (a later fragment has none: 0 anyway) */
	if (k->nw_proto == 6 || k->nw_proto == 17) {
		out->tp_src = k->tp_src;
		out->tp_dst = k->tp_dst;
	}
	memcpy(out->nw_src, k->nw_src, sizeof(out->nw_src));
	memcpy(out->nw_dst, k->nw_dst, sizeof(out->nw_dst));
	return 0;
}

int vsx_fm_key_format(const struct vsx_offload_key *k, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = k->dl_type == htons(0x86dd) ? AF_INET6 : AF_INET;
	const char *proto = k->nw_proto == 6 ? "tcp" : k->nw_proto == 17 ? "udp" : NULL;
	int n;

	if (k->kind == VSX_OFFLOAD_KEY_VM)
		return snprintf(buf, len, "vni=%u,dl_dst=%02x:%02x:%02x:%02x:%02x:%02x",
				ntohl(k->vni) & 0xffffff, k->dl_dst[0], k->dl_dst[1], k->dl_dst[2],
				k->dl_dst[3], k->dl_dst[4], k->dl_dst[5]);
	inet_ntop(af, k->nw_src, s, sizeof(s));
	inet_ntop(af, k->nw_dst, d, sizeof(d));
	if (proto && af == AF_INET)
		n = snprintf(buf, len, "vni=%u,%s,%s:%u->%s:%u", ntohl(k->vni) & 0xffffff, proto, s,
			     ntohs(k->tp_src), d, ntohs(k->tp_dst));
	else if (proto)
		n = snprintf(buf, len, "vni=%u,%s6,[%s]:%u->[%s]:%u", ntohl(k->vni) & 0xffffff,
			     proto, s, ntohs(k->tp_src), d, ntohs(k->tp_dst));
	else
		n = snprintf(buf, len, "vni=%u,proto=%u,%s->%s", ntohl(k->vni) & 0xffffff,
			     k->nw_proto, s, d);
	return n;
}

static uint32_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* ---- lifecycle ---- */

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

struct vsx_fm *vsx_fm_new(const struct vsx_dp *dp, const struct vsx_offload *ofl,
			  const struct vsx_ofl_policy *policy, size_t max_flows)
{
	struct vsx_fm *fm = calloc(1, sizeof(*fm));

	if (!fm)
		return NULL;
	fm->dp = dp;
	fm->ofl = ofl;
	fm->pol = policy;
	fm->max_flows = max_flows ? max_flows : VSX_FM_DEFAULT_MAX_FLOWS;
	fm->n_buckets = pow2_at_least(fm->max_flows);
	fm->flows = calloc(fm->max_flows, sizeof(*fm->flows));
	fm->extra = calloc(fm->max_flows, sizeof(*fm->extra));
	fm->buckets = calloc(fm->n_buckets, sizeof(*fm->buckets));
	fm->free_idx = calloc(fm->max_flows, sizeof(*fm->free_idx));
	fm->live = calloc(fm->max_flows, sizeof(*fm->live));
	fm->live_pos = calloc(fm->max_flows, sizeof(*fm->live_pos));
	fm->cand = calloc(fm->max_flows, sizeof(*fm->cand));
	fm->victims = calloc(fm->max_flows, sizeof(*fm->victims));
	for (int i = 0; i < 2; i++) {
		fm->slots[i].size = pow2_at_least(4 * fm->max_flows);
		fm->slots[i].e = calloc(fm->slots[i].size, sizeof(struct slot_state));
		fm->slots[i].used = calloc(fm->slots[i].size / 2, sizeof(uint32_t));
		fm->slots[i].gen = 1;
	}
	if (!fm->flows || !fm->extra || !fm->buckets || !fm->free_idx || !fm->live ||
	    !fm->live_pos || !fm->cand ||
	    !fm->victims || !fm->slots[0].e || !fm->slots[1].e || !fm->slots[0].used ||
	    !fm->slots[1].used)
		goto fail;
	for (size_t i = 0; i < fm->max_flows; i++)
		fm->free_idx[i] = (uint32_t)(fm->max_flows - 1 - i);
	fm->n_free = fm->max_flows;

	if (ofl && ofl->ops && !ofl->ops->caps(ofl->ctx, &fm->caps))
		fm->have_caps = true;
	if (fm->have_caps && fm->caps.table_size) {
		size_t n = fm->caps.table_size < VSX_MAX_OFFLOADS - 1 ? fm->caps.table_size
								       : VSX_MAX_OFFLOADS - 1;

		fm->free_ids = calloc(n, sizeof(*fm->free_ids));
		if (!fm->free_ids)
			goto fail;
		for (size_t i = 0; i < n; i++)
			fm->free_ids[i] = (uint32_t)(n - i); /* ids 1..n, 1 on top */
		fm->n_free_ids = n;
	} else {
		memset(&fm->caps, 0, sizeof(fm->caps));
	}
	if (fm->caps.tx && fm->caps.tx_table_size && fm->caps.tx_remotes > 1) {
		size_t n = fm->caps.tx_table_size < VSX_TX_MAX_FLOWS - 1 ? fm->caps.tx_table_size
									 : VSX_TX_MAX_FLOWS - 1;

		fm->n_remote_slots = fm->caps.tx_remotes < VSX_TX_MAX_REMOTES ? fm->caps.tx_remotes
									      : VSX_TX_MAX_REMOTES;
		fm->free_tx_ids = calloc(n, sizeof(*fm->free_tx_ids));
		fm->remotes = calloc(fm->n_remote_slots, sizeof(*fm->remotes));
		if (!fm->free_tx_ids || !fm->remotes)
			goto fail;
		for (size_t i = 0; i < n; i++)
			fm->free_tx_ids[i] = (uint32_t)(n - i);
		fm->n_free_tx_ids = n;
	} else {
		fm->caps.tx = false;
	}
	fm->policy_gen = 1;
	fm->vm_gen = 1; /* a new flow (vm_gen 0) is bound at its first tick */
	return fm;
fail:
	vsx_fm_free(fm, true);
	return NULL;
}

static bool can_offload(const struct vsx_fm *fm)
{
	return fm->have_caps && fm->n_free_ids + fm->n_offloaded > 0;
}

static void flow_unlink(struct vsx_fm *fm, struct vsx_fm_flow *f);

void vsx_fm_free(struct vsx_fm *fm, bool keep)
{
	if (!fm)
		return;
	if (!keep && fm->flows && can_offload(fm)) {
		for (size_t k = 0; k < fm->n_flows; k++) {
			const struct vsx_fm_flow *f = &fm->flows[fm->live[k]];

			if (f->path == VSX_FM_OFFLOADED)
				vsx_offload_call(fm->ofl, del, &f->key);
			if (f->tx_flow_id)
				vsx_offload_call(fm->ofl, tx_del, &fm->extra[f->index].tx_key);
		}
		for (size_t i = 1; i < fm->n_remote_slots; i++)
			if (fm->remotes[i].refs)
				vsx_offload_call(fm->ofl, remote_del, (__u32)i);
	}
	free(fm->flows);
	free(fm->extra);
	free(fm->buckets);
	free(fm->free_idx);
	free(fm->live);
	free(fm->live_pos);
	free(fm->free_ids);
	free(fm->free_tx_ids);
	free(fm->remotes);
	free(fm->cand);
	free(fm->victims);
	for (int i = 0; i < 2; i++) {
		free(fm->slots[i].e);
		free(fm->slots[i].used);
	}
	free(fm);
}

void vsx_fm_policy_changed(struct vsx_fm *fm)
{
	fm->policy_gen++;
	fm->limits_dirty = true;
}

void vsx_fm_set_tx(struct vsx_fm *fm, vsx_fm_remote_cb cb, void *arg)
{
	fm->remote_cb = cb;
	fm->remote_arg = arg;
}

void vsx_fm_slot_bytes_outer(struct vsx_fm *fm, bool outer)
{
	fm->slot_outer = outer;
}

void vsx_fm_on_move(struct vsx_fm *fm, vsx_fm_move_cb cb, void *arg)
{
	fm->move_cb = cb;
	fm->move_arg = arg;
}

static size_t capacity(const struct vsx_fm *fm)
{
	size_t c = fm->pol->capacity;
	size_t t = fm->n_free_ids + fm->n_offloaded;

	return c < t ? c : t;
}

void vsx_fm_stats(const struct vsx_fm *fm, struct vsx_fm_stats *out)
{
	*out = fm->st;
	out->tx_offloaded = fm->n_tx;
	out->flows = fm->n_flows;
	out->offloaded = fm->n_offloaded;
	out->capacity = capacity(fm);
	memset(out->normal_by_reason, 0, sizeof(out->normal_by_reason));
	for (size_t k = 0; k < fm->n_flows; k++) {
		const struct vsx_fm_flow *f = &fm->flows[fm->live[k]];

		if (f->path == VSX_FM_NORMAL && f->reason < VSX_FM_R_COUNT)
			out->normal_by_reason[f->reason]++;
	}
}

/* ---- the flow table ---- */

static uint32_t bucket_of(const struct vsx_fm *fm, const struct vsx_offload_key *k)
{
	return hash_bytes(k, sizeof(*k)) & (uint32_t)(fm->n_buckets - 1);
}

static struct vsx_fm_flow *find(const struct vsx_fm *fm, const struct vsx_offload_key *k)
{
	for (uint32_t i = fm->buckets[bucket_of(fm, k)]; i; i = fm->flows[i - 1].next) {
		struct vsx_fm_flow *f = &fm->flows[i - 1];

		if (!memcmp(&f->key, k, sizeof(*k)))
			return f;
	}
	return NULL;
}

const struct vsx_fm_flow *vsx_fm_find(const struct vsx_fm *fm, const struct vsx_offload_key *key)
{
	return find(fm, key);
}

static struct vsx_fm_flow *flow_add(struct vsx_fm *fm, const struct vsx_offload_key *k)
{
	struct vsx_fm_flow *f;
	uint32_t i, b;

	if (!fm->n_free) {
		fm->st.untracked++;
		return NULL;
	}
	i = fm->free_idx[--fm->n_free];
	f = &fm->flows[i];
	memset(f, 0, sizeof(*f));
	memset(&fm->extra[i], 0, sizeof(fm->extra[i]));
	f->used = true;
	f->index = i;
	f->key = *k;
	f->vm = -1;
	f->core = VSX_CORE_NONE;
	f->first_ns = fm->now;
	f->active_ns = fm->now;
	f->reason = VSX_FM_R_BELOW_THRESHOLD;
	b = bucket_of(fm, k);
	f->next = fm->buckets[b];
	fm->buckets[b] = i + 1;
	fm->live_pos[i] = (uint32_t)fm->n_flows;
	fm->live[fm->n_flows++] = i;
	return f;
}

static void flow_unlink(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	uint32_t b = bucket_of(fm, &f->key);
	uint32_t *pp = &fm->buckets[b];

	while (*pp && *pp != f->index + 1)
		pp = &fm->flows[*pp - 1].next;
	if (*pp)
		*pp = f->next;
	f->used = false;
	fm->free_idx[fm->n_free++] = f->index;
	/* the last live flow takes its place */
	fm->n_flows--;
	fm->live[fm->live_pos[f->index]] = fm->live[fm->n_flows];
	fm->live_pos[fm->live[fm->n_flows]] = fm->live_pos[f->index];
}

/* ---- slots ---- */

static struct slot_state *slot_find(struct slot_table *t, uint32_t slot, bool insert)
{
	size_t m = t->size - 1;

	for (size_t i = (slot * 2654435761u) & m, n = 0; n < t->size; i = (i + 1) & m, n++) {
		struct slot_state *s = &t->e[i];

		if (s->gen != t->gen) {
			/* at most half full: probes stay short, and used[] has room */
			if (!insert || t->n >= t->size / 2)
				return NULL;
			memset(s, 0, sizeof(*s));
			s->slot = slot;
			s->gen = t->gen;
			t->used[t->n++] = (uint32_t)i;
			return s;
		}
		if (s->slot == slot)
			return s;
	}
	return NULL;
}

static void slot_clear(struct slot_table *t)
{
	t->n = 0;
	if (++t->gen == 0) { /* wrapped: every entry could look current */
		memset(t->e, 0, t->size * sizeof(*t->e));
		t->gen = 1;
	}
}

/* ---- VM binding and header decisions ---- */

static void bind_vm(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	struct flow_extra *x = &fm->extra[f->index];

	if (x->vm_gen == fm->vm_gen) /* bound (or found unbound) since the VMs last changed */
		return;
	x->vm_gen = fm->vm_gen;
	f->vm = -1;
	for (int i = 0; i < VSX_MAX_VM_PORTS; i++) {
		const struct vm_state *v = &fm->vms[i];

		if (v->set && v->vm.port.vni == f->key.vni &&
		    !memcmp(v->vm.port.mac, f->fkey.dl_dst, 6)) {
			f->vm = i;
			return;
		}
	}
}

static void decide_header(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	const struct vsx_ofl_header *h;

	if (f->policy_gen == fm->policy_gen)
		return;
	f->policy_gen = fm->policy_gen;
	h = vsx_ofl_policy_header(fm->pol, &f->fkey);
	f->header_id = h ? h->id : 0;
	f->action = h ? h->action : VSX_OFL_AUTO;
}

/* ---- reading ---- */

struct dump_ctx {
	struct vsx_fm *fm;
	struct slot_table *old, *cur;
};

static int dump_cb(void *arg, const struct vsx_dp_flow *df)
{
	struct dump_ctx *c = arg;
	struct vsx_fm *fm = c->fm;
	struct vsx_offload_key k;
	struct vsx_fm_flow *f;
	struct slot_state *old, *cur;
	uint64_t dp, db;

	if (vsx_fm_key(&df->s.key, &k))
		return 0;
	f = find(fm, &k);
	if (!f) {
		f = flow_add(fm, &k);
		if (!f)
			return 0;
		f->fkey = df->s.key;
	}
	if (memcmp(&f->fkey, &df->s.key, sizeof(f->fkey))) {
		f->fkey = df->s.key;
		f->policy_gen = 0; /* the header decision may differ for this key */
		fm->extra[f->index].vm_gen = 0;
	}
	f->core = df->s.core;
	f->in_cache = true;
	if (df->s.key.flags & VSX_KEY_FRAG)
		f->fragments = true;

	old = slot_find(c->old, df->slot, false);
	if (old && old->tag == df->s.tag && df->counter.packets >= old->packets &&
	    df->counter.bytes >= old->bytes) {
		/* the same flow in the same slot (a slot's tag names its flow) */
		dp = df->counter.packets - old->packets;
		db = df->counter.bytes - old->bytes;
	} else {
		/* a new tag: the slot's counters restarted for this flow, fold them from zero */
		dp = df->counter.packets;
		db = df->counter.bytes;
	}
	if (old)
		old->seen = UINT64_MAX; /* carried: not copied again below */
	if (fm->slot_outer) {
		/* outer Ethernet 14 + IPv4 20 / IPv6 40 + UDP 8 + VXLAN 8 */
		uint64_t encap = dp * (df->s.key.flags & VSX_KEY_OUTER_V6 ? 70 : 50);

		db = db > encap ? db - encap : 0;
	}
	f->tick_slot_packets += dp;
	f->tick_slot_bytes += db;
	cur = slot_find(c->cur, df->slot, true);
	if (cur) {
		cur->tag = df->s.tag;
		cur->flow = f->index + 1;
		cur->packets = df->counter.packets;
		cur->bytes = df->counter.bytes;
		cur->seen = fm->st.ticks;
	}
	return 0;
}

static void note_err(struct vsx_fm *fm, int err)
{
	if (err && !fm->first_err)
		fm->first_err = err;
}

static void read_cache(struct vsx_fm *fm)
{
	struct dump_ctx c = {.fm = fm, .old = &fm->slots[0], .cur = &fm->slots[1]};
	int r;

	slot_clear(c.cur);
	if (!fm->dp || !fm->dp->ops || !fm->dp->ops->flow_dump)
		return;
	r = vsx_dp_call(fm->dp, flow_dump, dump_cb, &c);
	if (r) {
		fm->st.dump_fail++;
		note_err(fm, r);
		/* keep the previous reading: the next dump folds against it */
		return;
	}
	/* slots not in this dump but seen lately: carried over with their last reading */
	for (size_t k = 0; k < c.old->n; k++) {
		const struct slot_state *o = &c.old->e[c.old->used[k]];
		struct slot_state *n;

		if (o->seen == UINT64_MAX || fm->st.ticks - o->seen > SLOT_KEEP_TICKS)
			continue;
		n = slot_find(c.cur, o->slot, true);
		if (n && !n->flow) {
			uint32_t gen = n->gen;

			*n = *o;
			n->gen = gen;
		}
	}
	{
		struct slot_table t = fm->slots[0];

		fm->slots[0] = fm->slots[1];
		fm->slots[1] = t;
	}
}

/* Deltas of an offloaded flow's provider counters since the last read. */
struct ofl_delta {
	uint64_t packets, bytes, refused, redirect_fail, rate_dropped;
	uint8_t tcp_flags;
};

static uint64_t diff(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now; /* restarted: what it has now */
}

static void read_offloaded(struct vsx_fm *fm, struct vsx_fm_flow *f, struct ofl_delta *d)
{
	struct vsx_offload_counters c;
	int r;

	memset(d, 0, sizeof(*d));
	if (f->path != VSX_FM_OFFLOADED || !fm->caps.stats)
		return;
	r = vsx_offload_call(fm->ofl, counters, f->flow_id, &c);
	if (r) {
		fm->st.counter_fail++;
		note_err(fm, r);
		return;
	}
	d->packets = diff(c.packets, f->last_ofl.packets);
	d->bytes = diff(c.bytes, f->last_ofl.bytes);
	d->refused = diff(c.refused, f->last_ofl.refused);
	d->redirect_fail = diff(c.redirect_fail, f->last_ofl.redirect_fail);
	d->rate_dropped = diff(c.rate_dropped, f->last_ofl.rate_dropped);
	d->tcp_flags = c.tcp_flags;
	f->last_ofl = c;
}

/* ---- folding and rates ---- */

static void fold(struct vsx_fm *fm, struct vsx_fm_flow *f, const struct ofl_delta *d)
{
	/* in the cache at both reads: it counted everything; else the fast path's count fills in */
	bool cont = f->in_cache && f->was_in_cache;
	uint64_t tp = cont || f->tick_slot_packets > d->packets ? f->tick_slot_packets : d->packets;
	uint64_t tb = cont || f->tick_slot_bytes > d->bytes ? f->tick_slot_bytes : d->bytes;
	uint64_t before = f->packets;
	bool fresh = f->ring_n == 0;
	struct vsx_fm_sample *s, *base = NULL;

	f->slot_packets += tp;
	f->slot_bytes += tb;
	f->path_packets[VSX_FM_OFFLOADED] += d->packets;
	f->path_bytes[VSX_FM_OFFLOADED] += d->bytes;
	if (f->slot_packets > f->path_packets[VSX_FM_OFFLOADED] &&
	    f->slot_packets - f->path_packets[VSX_FM_OFFLOADED] > f->path_packets[VSX_FM_NORMAL])
		f->path_packets[VSX_FM_NORMAL] = f->slot_packets - f->path_packets[VSX_FM_OFFLOADED];
	if (f->slot_bytes > f->path_bytes[VSX_FM_OFFLOADED] &&
	    f->slot_bytes - f->path_bytes[VSX_FM_OFFLOADED] > f->path_bytes[VSX_FM_NORMAL])
		f->path_bytes[VSX_FM_NORMAL] = f->slot_bytes - f->path_bytes[VSX_FM_OFFLOADED];
	f->packets = f->path_packets[VSX_FM_NORMAL] + f->path_packets[VSX_FM_OFFLOADED];
	f->bytes = f->path_bytes[VSX_FM_NORMAL] + f->path_bytes[VSX_FM_OFFLOADED];
	f->refused += d->refused;
	f->redirect_fail += d->redirect_fail;
	f->rate_dropped += d->rate_dropped;
	if (f->packets != before || d->refused || d->rate_dropped || d->redirect_fail)
		f->active_ns = fm->now;
	f->tick_slot_packets = 0;
	f->tick_slot_bytes = 0;

	/* the window: the oldest sample at most VSX_FM_WINDOW_MS old, or the newest before */
	s = &f->ring[f->ring_head];
	s->t_ns = fm->now;
	s->packets = f->packets;
	s->bytes = f->bytes;
	f->ring_head = (uint8_t)((f->ring_head + 1) % VSX_FM_SAMPLES);
	if (f->ring_n < VSX_FM_SAMPLES)
		f->ring_n++;
	if (fresh) {
		/* what a new flow brought had no known start: the rate starts at the next tick */
		f->pps = 0;
		f->bps = 0;
		return;
	}
	for (unsigned int k = f->ring_n; k >= 2 && !base; k--) {
		/* the k-th newest sample, oldest first */
		struct vsx_fm_sample *o = &f->ring[(f->ring_head + VSX_FM_SAMPLES - k) % VSX_FM_SAMPLES];

		if (fm->now - o->t_ns <= VSX_FM_WINDOW_MS * NS_PER_MS)
			base = o;
	}
	if (!base) /* ticks further apart than the window: the previous one */
		base = &f->ring[(f->ring_head + VSX_FM_SAMPLES - 2) % VSX_FM_SAMPLES];
	if (base && fm->now > base->t_ns) {
		double dt = (double)(fm->now - base->t_ns) / 1e9;

		f->pps = (double)(f->packets - base->packets) / dt;
		f->bps = (double)(f->bytes - base->bytes) * 8.0 / dt;
	}
}

static bool above(const struct vsx_ofl_policy *p, const struct vsx_fm_flow *f)
{
	return (p->promote.pps && f->pps >= (double)p->promote.pps) ||
	       (p->promote.bps && f->bps >= (double)p->promote.bps);
}

/* Below every demote threshold in use; never when none is in use. */
static bool below(const struct vsx_ofl_policy *p, const struct vsx_fm_flow *f)
{
	if (!p->demote.pps && !p->demote.bps)
		return false;
	return (!p->demote.pps || f->pps < (double)p->demote.pps) &&
	       (!p->demote.bps || f->bps < (double)p->demote.bps);
}

/* The rate relative to the promote thresholds (the larger unit): how flows are ranked. */
static double rank(const struct vsx_ofl_policy *p, const struct vsx_fm_flow *f)
{
	double r = 0;

	if (p->promote.pps)
		r = f->pps / (double)p->promote.pps;
	if (p->promote.bps && f->bps / (double)p->promote.bps > r)
		r = f->bps / (double)p->promote.bps;
	return r;
}

/* ---- moves ---- */

static void tell(struct vsx_fm *fm, const struct vsx_fm_flow *f, bool promoted, int why)
{
	if (fm->move_cb)
		fm->move_cb(fm->move_arg, f, promoted, why);
}

/* ---- TX: the reverse direction ---- */

static void read_tx(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	struct flow_extra *x = &fm->extra[f->index];
	struct vsx_offload_counters c;

	if (!f->tx_flow_id || vsx_offload_call(fm->ofl, tx_counters, f->tx_flow_id, &c))
		return;
	f->tx_packets += diff(c.packets, x->last_tx.packets);
	f->tx_bytes += diff(c.bytes, x->last_tx.bytes);
	if (c.packets != x->last_tx.packets)
		f->active_ns = fm->now;
	if (c.tcp_flags & (TCP_FIN | TCP_RST))
		f->closing = true; /* the VM closes: back to the normal path, both directions */
	x->last_tx = c;
}

/* Remote id for r: one already set with the same settings, or a new one; 0: none. */
static uint32_t remote_get(struct vsx_fm *fm, const struct vsx_tx_remote *r)
{
	uint32_t free_id = 0;

	for (size_t i = 1; i < fm->n_remote_slots; i++) {
		struct tx_remote_slot *s = &fm->remotes[i];

		if (s->refs && !memcmp(&s->r, r, sizeof(*r))) {
			s->refs++;
			return (uint32_t)i;
		}
		if (!s->refs && !free_id)
			free_id = (uint32_t)i;
	}
	if (!free_id || vsx_offload_call(fm->ofl, remote_set, free_id, r)) {
		fm->st.tx_remote_fail++;
		return 0;
	}
	fm->remotes[free_id].r = *r;
	fm->remotes[free_id].refs = 1;
	return free_id;
}

static void remote_put(struct vsx_fm *fm, uint32_t id)
{
	if (!id || id >= fm->n_remote_slots || !fm->remotes[id].refs)
		return;
	if (--fm->remotes[id].refs == 0)
		vsx_offload_call(fm->ofl, remote_del, id);
}

static void tx_install(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	struct flow_extra *x = &fm->extra[f->index];
	const struct vm_state *v = &fm->vms[f->vm];
	struct vsx_offload_tx_flow tf;
	struct vsx_tx_remote r;
	uint32_t rid;

	if (!fm->caps.tx || !fm->remote_cb || !fm->n_free_tx_ids)
		return;
	memset(&r, 0, sizeof(r));
	if (fm->remote_cb(fm->remote_arg, f, &v->vm, &r)) {
		fm->st.tx_remote_fail++;
		return;
	}
	rid = remote_get(fm, &r);
	if (!rid)
		return;
	/* the VM answers: from its port to the flow's source MAC, the 5-tuple swapped */
	memset(&tf, 0, sizeof(tf));
	tf.key.port = v->vm.port.port;
	tf.key.kind = VSX_TX_KEY_FLOW;
	tf.key.nw_proto = f->key.nw_proto;
	tf.key.dl_type = f->key.dl_type;
	tf.key.tp_src = f->key.tp_dst;
	tf.key.tp_dst = f->key.tp_src;
	memcpy(tf.key.dl_dst, f->fkey.dl_src, 6);
	memcpy(tf.key.nw_src, f->key.nw_dst, sizeof(tf.key.nw_src));
	memcpy(tf.key.nw_dst, f->key.nw_src, sizeof(tf.key.nw_dst));
	tf.remote = rid;
	tf.flow_id = fm->free_tx_ids[fm->n_free_tx_ids - 1];
	tf.limit = x->limit;
	if (vsx_offload_call(fm->ofl, tx_put, &tf)) {
		fm->st.tx_put_fail++;
		remote_put(fm, rid);
		return;
	}
	fm->n_free_tx_ids--;
	fm->n_tx++;
	x->tx_key = tf.key;
	memset(&x->last_tx, 0, sizeof(x->last_tx));
	f->tx_flow_id = tf.flow_id;
	f->tx_remote = rid;
}

static void tx_remove(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	struct flow_extra *x = &fm->extra[f->index];
	int r;

	if (!f->tx_flow_id)
		return;
	read_tx(fm, f);
	r = vsx_offload_call(fm->ofl, tx_del, &x->tx_key);
	if (r && r != -ENOENT)
		note_err(fm, r); /* the provider keeps a stale entry: port changes invalidate it */
	fm->free_tx_ids[fm->n_free_tx_ids++] = f->tx_flow_id;
	fm->n_tx--;
	remote_put(fm, f->tx_remote);
	f->tx_flow_id = 0;
	f->tx_remote = 0;
}

/* Back to the normal path; false when the provider kept the entry (retried next tick). */
static bool demote(struct vsx_fm *fm, struct vsx_fm_flow *f, int why, int reason)
{
	struct ofl_delta d;
	int r;

	/* what it delivered since this tick's read, before its counters go */
	read_offloaded(fm, f, &d);
	f->path_packets[VSX_FM_OFFLOADED] += d.packets;
	f->path_bytes[VSX_FM_OFFLOADED] += d.bytes;
	/* the cache counts them too, at its next read: the normal share is cache - fast, once */
	f->packets = f->path_packets[VSX_FM_NORMAL] + f->path_packets[VSX_FM_OFFLOADED];
	f->bytes = f->path_bytes[VSX_FM_NORMAL] + f->path_bytes[VSX_FM_OFFLOADED];
	f->refused += d.refused;
	f->redirect_fail += d.redirect_fail;
	f->rate_dropped += d.rate_dropped;
	r = vsx_offload_call(fm->ofl, del, &f->key);
	if (r && r != -ENOENT) {
		fm->st.del_fail++;
		note_err(fm, r);
		return false;
	}
	tx_remove(fm, f);
	fm->free_ids[fm->n_free_ids++] = f->flow_id;
	fm->n_offloaded--;
	f->flow_id = 0;
	f->path = VSX_FM_NORMAL;
	f->reason = (uint8_t)reason;
	f->moved_ns = fm->now;
	f->moves++;
	f->above_ns = 0;
	f->below_ns = 0;
	memset(&f->last_ofl, 0, sizeof(f->last_ofl));
	fm->st.demotions[why]++;
	tell(fm, f, false, why);
	return true;
}

static void limit_of(const struct vsx_fm *fm, const struct vsx_fm_flow *f,
		     struct vsx_rate_limit *l)
{
	const struct vm_state *v = &fm->vms[f->vm];

	vsx_ofl_policy_rate(fm->pol, v->vm.name, v->vm.tenant, l);
	if (!fm->caps.rate_limit)
		memset(l, 0, sizeof(*l)); /* the provider has no buckets: unlimited (docs) */
}

static bool promote(struct vsx_fm *fm, struct vsx_fm_flow *f, int why)
{
	struct vsx_offload_flow of;
	int r;

	if (!fm->n_free_ids) {
		f->reason = VSX_FM_R_TABLE_FULL;
		return false;
	}
	memset(&of, 0, sizeof(of));
	of.key = f->key;
	of.port = fm->vms[f->vm].vm.port.port;
	of.flow_id = fm->free_ids[fm->n_free_ids - 1];
	limit_of(fm, f, &of.limit);
	r = vsx_offload_call(fm->ofl, put, &of);
	if (r) {
		fm->st.put_fail++;
		note_err(fm, r);
		f->reason = r == -ENOSPC ? VSX_FM_R_TABLE_FULL : VSX_FM_R_PROVIDER;
		return false;
	}
	fm->n_free_ids--;
	fm->n_offloaded++;
	fm->extra[f->index].limit = of.limit;
	f->flow_id = of.flow_id;
	f->path = VSX_FM_OFFLOADED;
	f->reason = VSX_FM_R_NONE;
	f->moved_ns = fm->now;
	f->moves++;
	f->below_ns = 0;
	memset(&f->last_ofl, 0, sizeof(f->last_ofl));
	fm->st.promotions[why]++;
	tx_install(fm, f);
	tell(fm, f, true, why);
	return true;
}

/* ---- VMs ---- */

static void demote_vm_flows(struct vsx_fm *fm, unsigned int vm)
{
	for (size_t k = 0; k < fm->n_flows; k++) {
		size_t i = fm->live[k];
		struct vsx_fm_flow *f = &fm->flows[i];

		if (f->vm != (int)vm)
			continue;
		fm->extra[i].redirect_failed = false;
		fm->extra[i].refused = false;
		if (f->path == VSX_FM_OFFLOADED)
			demote(fm, f, VSX_FM_D_PORT, VSX_FM_R_NO_PORT);
		f->vm = -1;
	}
}

int vsx_fm_set_vm(struct vsx_fm *fm, unsigned int i, const struct vsx_fm_vm *vm)
{
	struct vm_state *v;
	bool changed;
	int r = -EOPNOTSUPP;

	if (i >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	v = &fm->vms[i];
	changed = !v->set || v->vm.port.ifindex != vm->port.ifindex ||
		  v->vm.port.vni != vm->port.vni || memcmp(v->vm.port.mac, vm->port.mac, 6) ||
		  v->vm.port.port != vm->port.port || v->vm.port.mtu != vm->port.mtu;
	if (fm->ofl && fm->ofl->ops && fm->caps.max_ports)
		r = vsx_offload_call(fm->ofl, port_set, &vm->port);
	if (changed || r) {
		/* stale entries: delete them before anything else can match */
		demote_vm_flows(fm, i);
		if (r && v->set && v->usable && fm->ofl && fm->ofl->ops)
			vsx_offload_call(fm->ofl, port_del, v->vm.port.port);
	}
	v->vm = *vm;
	v->set = true;
	v->usable = r == 0;
	v->err = r;
	fm->vm_gen++;
	return r;
}

int vsx_fm_del_vm(struct vsx_fm *fm, unsigned int i)
{
	struct vm_state *v;
	int r = 0;

	if (i >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	v = &fm->vms[i];
	if (!v->set)
		return -ENOENT;
	demote_vm_flows(fm, i);
	if (v->usable && fm->ofl && fm->ofl->ops)
		r = vsx_offload_call(fm->ofl, port_del, v->vm.port.port);
	memset(v, 0, sizeof(*v));
	fm->vm_gen++;
	return r == -ENOENT ? 0 : r;
}

const struct vsx_fm_vm *vsx_fm_vm(const struct vsx_fm *fm, unsigned int i, bool *usable, int *err)
{
	if (i >= VSX_MAX_VM_PORTS || !fm->vms[i].set)
		return NULL;
	if (usable)
		*usable = fm->vms[i].usable;
	if (err)
		*err = fm->vms[i].err;
	return &fm->vms[i].vm;
}

/* ---- decisions ---- */

/* Why f cannot be on the fast path at all now (VSX_FM_R_NONE: it can). */
static int blocker(const struct vsx_fm *fm, const struct vsx_fm_flow *f)
{
	const struct flow_extra *x = &fm->extra[f->index];
	const struct vm_state *v;

	if (!fm->pol->enabled || !can_offload(fm))
		return VSX_FM_R_OFF;
	if (f->vm < 0)
		return VSX_FM_R_NO_PORT;
	v = &fm->vms[f->vm];
	if (!v->usable)
		return v->err == -EOPNOTSUPP ? VSX_FM_R_PORT_REDIRECT : VSX_FM_R_NO_PORT;
	if (f->action == VSX_OFL_NEVER)
		return VSX_FM_R_POLICY_NEVER;
	if (f->closing)
		return VSX_FM_R_CLOSING;
	if (f->fragments)
		return VSX_FM_R_FRAGMENT;
	if (x->redirect_failed)
		return VSX_FM_R_REDIRECT_FAIL;
	/* frames longer than the port takes (mean over its life: the fast path would refuse) */
	if (f->path_packets[VSX_FM_NORMAL] && v->vm.port.mtu &&
	    f->path_bytes[VSX_FM_NORMAL] / f->path_packets[VSX_FM_NORMAL] >
		    (uint64_t)v->vm.port.mtu + ETH_HLEN)
		return VSX_FM_R_MTU;
	if (x->refused)
		return VSX_FM_R_REFUSED;
	return VSX_FM_R_NONE;
}

static int demote_why(int reason)
{
	switch (reason) {
	case VSX_FM_R_OFF:
	case VSX_FM_R_POLICY_NEVER:
		return VSX_FM_D_POLICY;
	case VSX_FM_R_NO_PORT:
	case VSX_FM_R_PORT_REDIRECT:
		return VSX_FM_D_PORT;
	case VSX_FM_R_CLOSING:
		return VSX_FM_D_CLOSING;
	case VSX_FM_R_REDIRECT_FAIL:
		return VSX_FM_D_REDIRECT_FAIL;
	default:
		return VSX_FM_D_REFUSED;
	}
}

/* Candidates rank above victims: always-flows first, then by rank. */
static int cmp_desc(struct vsx_fm *fm, uint32_t a, uint32_t b)
{
	const struct vsx_fm_flow *fa = &fm->flows[a], *fb = &fm->flows[b];
	bool aa = fa->action == VSX_OFL_ALWAYS, ab = fb->action == VSX_OFL_ALWAYS;
	double ra = fm->extra[a].rank, rb = fm->extra[b].rank;

	if (aa != ab)
		return aa ? -1 : 1;
	if (ra != rb)
		return ra > rb ? -1 : 1;
	return a < b ? -1 : a > b; /* stable across ticks */
}

static int qcmp_desc(const void *a, const void *b, void *fm)
{
	return cmp_desc(fm, *(const uint32_t *)a, *(const uint32_t *)b);
}

static void sort_desc(struct vsx_fm *fm, uint32_t *v, size_t n)
{
	qsort_r(v, n, sizeof(*v), qcmp_desc, fm);
}

/* Does candidate c beat victim v by enough to take its place? */
static bool beats(struct vsx_fm *fm, uint32_t c, uint32_t v)
{
	const struct vsx_fm_flow *fc = &fm->flows[c], *fv = &fm->flows[v];

	if (fv->action == VSX_OFL_ALWAYS)
		return false; /* nothing displaces an always-flow but capacity */
	if (fc->action == VSX_OFL_ALWAYS)
		return true;
	return fm->extra[c].rank > fm->extra[v].rank * (1.0 + VSX_FM_DISPLACE_MARGIN / 100.0);
}

static void relimit(struct vsx_fm *fm, struct vsx_fm_flow *f)
{
	struct vsx_offload_flow of;
	int r;

	memset(&of, 0, sizeof(of));
	of.key = f->key;
	of.port = fm->vms[f->vm].vm.port.port;
	of.flow_id = f->flow_id;
	limit_of(fm, f, &of.limit);
	if (!memcmp(&of.limit, &fm->extra[f->index].limit, sizeof(of.limit)))
		return;
	/* the same flow id keeps its counters (dp_provider.h put) */
	r = vsx_offload_call(fm->ofl, put, &of);
	if (r) {
		fm->st.put_fail++;
		note_err(fm, r);
		return;
	}
	fm->extra[f->index].limit = of.limit;
}

static void decide(struct vsx_fm *fm)
{
	const struct vsx_ofl_policy *p = fm->pol;
	uint64_t pro_ns = (uint64_t)p->promote.ms * NS_PER_MS;
	uint64_t dem_ns = (uint64_t)p->demote.ms * NS_PER_MS;
	size_t n_cand = 0, n_vict = 0, cap = capacity(fm);

	/* demotions first: they free places for the candidates */
	for (size_t k = 0; k < fm->n_flows; k++) {
		size_t i = fm->live[k];
		struct vsx_fm_flow *f = &fm->flows[i];
		int b;

		fm->extra[i].rank = rank(p, f);
		if (f->path != VSX_FM_OFFLOADED)
			continue;
		b = blocker(fm, f);
		if (b != VSX_FM_R_NONE) {
			demote(fm, f, demote_why(b), b);
			continue;
		}
		if (f->action == VSX_OFL_AUTO && f->below_ns && fm->now - f->below_ns >= dem_ns) {
			demote(fm, f, VSX_FM_D_BELOW, VSX_FM_R_BELOW_THRESHOLD);
			continue;
		}
		if (fm->limits_dirty)
			relimit(fm, f);
		fm->victims[n_vict++] = (uint32_t)i;
	}
	fm->limits_dirty = false;

	for (size_t k = 0; k < fm->n_flows; k++) {
		size_t i = fm->live[k];
		struct vsx_fm_flow *f = &fm->flows[i];
		int b;

		if (f->path == VSX_FM_OFFLOADED)
			continue;
		b = blocker(fm, f);
		if (b != VSX_FM_R_NONE) {
			f->reason = (uint8_t)b;
			continue;
		}
		if (f->action == VSX_OFL_ALWAYS || (f->above_ns && fm->now - f->above_ns >= pro_ns))
			fm->cand[n_cand++] = (uint32_t)i;
		else
			f->reason = VSX_FM_R_BELOW_THRESHOLD;
	}

	/* victims: slowest last after a descending sort; a lowered capacity sheds them */
	sort_desc(fm, fm->victims, n_vict);
	while (n_vict > cap) {
		if (demote(fm, &fm->flows[fm->victims[n_vict - 1]], VSX_FM_D_POLICY,
			   VSX_FM_R_TABLE_FULL))
			n_vict--;
		else
			break;
	}
	sort_desc(fm, fm->cand, n_cand);
	for (size_t c = 0; c < n_cand; c++) {
		struct vsx_fm_flow *f = &fm->flows[fm->cand[c]];
		int why = f->action == VSX_OFL_ALWAYS ? VSX_FM_P_ALWAYS : VSX_FM_P_THRESHOLD;

		if (fm->n_offloaded < cap) {
			promote(fm, f, why);
			continue;
		}
		/* full: the slowest offloaded flow gives way to a faster candidate */
		if (n_vict && beats(fm, fm->cand[c], fm->victims[n_vict - 1])) {
			struct vsx_fm_flow *v = &fm->flows[fm->victims[n_vict - 1]];

			if (demote(fm, v, VSX_FM_D_DISPLACED, VSX_FM_R_TABLE_FULL)) {
				n_vict--;
				promote(fm, f, VSX_FM_P_DISPLACE);
				continue;
			}
		}
		f->reason = VSX_FM_R_TABLE_FULL;
	}
}

/* ---- the tick ---- */

int vsx_fm_tick(struct vsx_fm *fm, uint64_t now_ns)
{
	const struct vsx_ofl_policy *p = fm->pol;
	uint64_t idle_ns = (uint64_t)p->idle_timeout_ms * NS_PER_MS;

	fm->now = now_ns;
	fm->first_err = 0;
	fm->st.ticks++;
	for (size_t k = 0; k < fm->n_flows; k++) {
		struct vsx_fm_flow *f = &fm->flows[fm->live[k]];

		f->was_in_cache = f->in_cache;
		f->in_cache = false;
	}
	read_cache(fm);
	/* backwards: an expired flow's place is taken by the last one, already done */
	for (size_t k = fm->n_flows; k-- > 0;) {
		size_t i = fm->live[k];
		struct vsx_fm_flow *f = &fm->flows[i];
		struct ofl_delta d;

		read_offloaded(fm, f, &d);
		fold(fm, f, &d);
		read_tx(fm, f);
		if (d.tcp_flags & (TCP_FIN | TCP_RST))
			f->closing = true;
		if (d.redirect_fail)
			fm->extra[i].redirect_failed = true;
		/* most of a tick's packets refused: the fast path does not suit the flow */
		if (d.refused && d.refused >= d.packets)
			fm->extra[i].refused = true;
		if (now_ns - f->active_ns >= idle_ns) {
			if (f->path == VSX_FM_OFFLOADED && !demote(fm, f, VSX_FM_D_IDLE, VSX_FM_R_NONE))
				continue;
			fm->st.expired++;
			flow_unlink(fm, f);
			continue;
		}
		bind_vm(fm, f);
		decide_header(fm, f);
		if (above(p, f)) {
			if (!f->above_ns)
				f->above_ns = now_ns;
		} else {
			f->above_ns = 0;
		}
		if (below(p, f)) {
			if (!f->below_ns)
				f->below_ns = now_ns;
		} else {
			f->below_ns = 0;
		}
	}
	decide(fm);
	return fm->first_err;
}

/* ---- walking ---- */

int vsx_fm_foreach(const struct vsx_fm *fm, int (*cb)(void *arg, const struct vsx_fm_flow *f),
		   void *arg)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < fm->n_flows; k++) {
			const struct vsx_fm_flow *f = &fm->flows[fm->live[k]];
			int r;

			if ((f->path == VSX_FM_OFFLOADED) != (pass == 0))
				continue;
			r = cb(arg, f);
			if (r)
				return r;
		}
	}
	return 0;
}
