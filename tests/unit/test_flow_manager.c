// SPDX-License-Identifier: MIT
/*
 * The flow manager on synthetic statistics: thresholds, hysteresis, capacity and
 * displacement, demotion, TCP FIN/RST, expiry, invalidation, counters across moves and slot
 * re-classification. The providers are a small fake here (the flow cache's slots and the
 * offload table as plain arrays) that follows the counting contract of flow_manager.h: a
 * slot counts every packet of its flow, the offload counters what the fast path delivered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_manager.h"

#define MS 1000000ull
#define N_SLOTS 64
#define N_IDS 64

struct fake {
	struct vsx_dp dp;
	struct vsx_offload ofl;
	struct vsx_dp_flow slots[N_SLOTS];
	bool slot_used[N_SLOTS];
	struct {
		bool used;
		struct vsx_offload_flow f;
	} ent[N_IDS + 1]; /* by flow id */
	struct vsx_offload_counters cnt[N_IDS + 1];
	struct vsx_offload_port ports[VSX_MAX_VM_PORTS];
	bool port_ok[VSX_MAX_VM_PORTS];
	struct vsx_offload_caps caps;
	__u32 bad_ifindex; /* port_set of it: -EOPNOTSUPP */
	int put_err;	   /* put fails with it when non-zero */
	unsigned int puts, dels;
	uint64_t fast_packets; /* delivered by the fast path, over the fake's life */
	/* TX */
	struct vsx_tx_remote remotes[8];
	bool remote_used[8];
	struct {
		bool used;
		struct vsx_offload_tx_flow f;
	} tx[N_IDS + 1];
	struct vsx_offload_counters tx_cnt[N_IDS + 1];
};

static int f_dump(void *ctx, vsx_dp_flow_cb cb, void *arg)
{
	struct fake *f = ctx;

	for (int i = 0; i < N_SLOTS; i++) {
		if (!f->slot_used[i])
			continue;
		int r = cb(arg, &f->slots[i]);

		if (r)
			return r;
	}
	return 0;
}

static int f_caps(void *ctx, struct vsx_offload_caps *out)
{
	*out = ((struct fake *)ctx)->caps;
	return 0;
}

static int f_port_set(void *ctx, const struct vsx_offload_port *p)
{
	struct fake *f = ctx;

	if (p->port == 0 || p->port >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	if (p->ifindex == f->bad_ifindex)
		return -EOPNOTSUPP;
	f->ports[p->port] = *p;
	f->port_ok[p->port] = true;
	return 0;
}

static int f_port_del(void *ctx, __u32 port)
{
	struct fake *f = ctx;

	if (port == 0 || port >= VSX_MAX_VM_PORTS)
		return -EINVAL;
	if (!f->port_ok[port])
		return -ENOENT;
	f->port_ok[port] = false;
	return 0;
}

static int f_put(void *ctx, const struct vsx_offload_flow *of)
{
	struct fake *f = ctx;

	if (of->flow_id == 0 || of->flow_id > f->caps.table_size)
		return -EINVAL;
	if (!f->port_ok[of->port])
		return -ENOENT;
	if (f->put_err)
		return f->put_err;
	for (int i = 1; i <= N_IDS; i++) {
		if (f->ent[i].used && !memcmp(&f->ent[i].f.key, &of->key, sizeof(of->key)) &&
		    i != (int)of->flow_id)
			f->ent[i].used = false;
	}
	if (!f->ent[of->flow_id].used || memcmp(&f->ent[of->flow_id].f.key, &of->key,
						sizeof(of->key)))
		memset(&f->cnt[of->flow_id], 0, sizeof(f->cnt[0]));
	f->ent[of->flow_id].used = true;
	f->ent[of->flow_id].f = *of;
	f->puts++;
	return 0;
}

static int f_del(void *ctx, const struct vsx_offload_key *k)
{
	struct fake *f = ctx;

	for (int i = 1; i <= N_IDS; i++) {
		if (f->ent[i].used && !memcmp(&f->ent[i].f.key, k, sizeof(*k))) {
			f->ent[i].used = false;
			f->dels++;
			return 0;
		}
	}
	return -ENOENT;
}

static int f_counters(void *ctx, __u32 id, struct vsx_offload_counters *out)
{
	struct fake *f = ctx;

	if (id == 0 || id > N_IDS)
		return -EINVAL;
	*out = f->cnt[id];
	return 0;
}

static int f_remote_set(void *ctx, __u32 id, const struct vsx_tx_remote *r)
{
	struct fake *f = ctx;

	if (!id || id >= 8)
		return -EINVAL;
	f->remotes[id] = *r;
	f->remote_used[id] = true;
	return 0;
}

static int f_remote_del(void *ctx, __u32 id)
{
	struct fake *f = ctx;

	if (!id || id >= 8 || !f->remote_used[id])
		return -ENOENT;
	f->remote_used[id] = false;
	return 0;
}

static int f_tx_put(void *ctx, const struct vsx_offload_tx_flow *tf)
{
	struct fake *f = ctx;

	if (!tf->flow_id || tf->flow_id > N_IDS || !tf->remote || tf->remote >= 8 ||
	    !f->remote_used[tf->remote] || !f->port_ok[tf->key.port])
		return -EINVAL;
	f->tx[tf->flow_id].used = true;
	f->tx[tf->flow_id].f = *tf;
	memset(&f->tx_cnt[tf->flow_id], 0, sizeof(f->tx_cnt[0]));
	return 0;
}

static int f_tx_del(void *ctx, const struct vsx_tx_key *k)
{
	struct fake *f = ctx;

	for (int i = 1; i <= N_IDS; i++)
		if (f->tx[i].used && !memcmp(&f->tx[i].f.key, k, sizeof(*k))) {
			f->tx[i].used = false;
			return 0;
		}
	return -ENOENT;
}

static int f_tx_counters(void *ctx, __u32 id, struct vsx_offload_counters *out)
{
	struct fake *f = ctx;

	if (!id || id > N_IDS)
		return -EINVAL;
	*out = f->tx_cnt[id];
	return 0;
}

static const struct vsx_dp_ops dp_ops = {.flow_dump = f_dump};
static const struct vsx_offload_ops ofl_ops = {
	.caps = f_caps,
	.port_set = f_port_set,
	.port_del = f_port_del,
	.put = f_put,
	.del = f_del,
	.counters = f_counters,
	.remote_set = f_remote_set,
	.remote_del = f_remote_del,
	.tx_put = f_tx_put,
	.tx_del = f_tx_del,
	.tx_counters = f_tx_counters,
};

static struct fake *fake_new(size_t table)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dp.ops = &dp_ops;
	f->dp.ctx = f;
	f->ofl.ops = &ofl_ops;
	f->ofl.ctx = f;
	f->caps.table_size = table;
	f->caps.max_ports = VSX_MAX_VM_PORTS;
	f->caps.rate_limit = true;
	f->caps.stats = true;
	f->bad_ifindex = 666;
	return f;
}

/* ---- flows ---- */

static const __u8 MAC_A[6] = {2, 0, 0, 0, 0, 0xa};
static const __u8 MAC_B[6] = {2, 0, 0, 0, 0, 0xb};

/* A tunnelled IPv4 flow to VM a (VNI 101): proto, source port sport. */
static struct vsx_flow_key fkey(__u8 proto, __u16 sport)
{
	struct vsx_flow_key k;

	memset(&k, 0, sizeof(k));
	k.flags = VSX_KEY_TUNNEL;
	k.vni = htonl(101);
	memcpy(k.dl_dst, MAC_A, 6);
	k.dl_src[0] = 2;
	k.dl_src[5] = 1;
	k.dl_type = htons(0x0800);
	k.nw_proto = proto;
	k.nw_src[0] = htonl(0x0a000001);
	k.nw_dst[0] = htonl(0x0a000002);
	k.tp_src = htons(sport);
	k.tp_dst = htons(5201);
	return k;
}

static struct vsx_offload_key okey(const struct vsx_flow_key *k)
{
	struct vsx_offload_key o;

	assert_int_equal(vsx_fm_key(k, &o), 0);
	return o;
}

static void slot_set(struct fake *f, int slot, const struct vsx_flow_key *k, __u32 tag)
{
	f->slot_used[slot] = true;
	f->slots[slot].slot = (__u32)slot;
	f->slots[slot].s.key = *k;
	f->slots[slot].s.tag = tag;
	f->slots[slot].s.core = 1;
	memset(&f->slots[slot].counter, 0, sizeof(f->slots[slot].counter));
}

/* pkts packets of size bytes of the slot's flow: the fast path delivers them if offloaded. */
static void traffic(struct fake *f, int slot, uint64_t pkts, uint64_t size, __u8 tcp_flags)
{
	struct vsx_offload_key k = okey(&f->slots[slot].s.key);

	f->slots[slot].counter.packets += pkts;
	f->slots[slot].counter.bytes += pkts * size;
	for (int i = 1; i <= N_IDS; i++) {
		if (f->ent[i].used && !memcmp(&f->ent[i].f.key, &k, sizeof(k))) {
			f->cnt[i].packets += pkts;
			f->cnt[i].bytes += pkts * size;
			f->fast_packets += pkts;
			f->cnt[i].tcp_flags |= tcp_flags;
		}
	}
}

static bool fake_has(const struct fake *f, const struct vsx_offload_key *k)
{
	for (int i = 1; i <= N_IDS; i++)
		if (f->ent[i].used && !memcmp(&f->ent[i].f.key, k, sizeof(*k)))
			return true;
	return false;
}

/* ---- the policy and the manager ---- */

struct env {
	struct fake *f;
	struct vsx_ofl_policy pol;
	struct vsx_fm *fm;
	uint64_t now;
};

static void policy(struct env *e, const char *text)
{
	char err[256] = "";

	if (vsx_ofl_policy_apply_text(&e->pol, text, VSX_OFL_REPLACE, NULL, err, sizeof(err)))
		fail_msg("policy '%s': %s", text, err);
	if (e->fm)
		vsx_fm_policy_changed(e->fm);
}

static void vm_a(struct env *e, __u32 ifindex, const __u8 mac[6], __u16 mtu)
{
	struct vsx_fm_vm vm;

	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "a");
	strcpy(vm.tenant, "red");
	vm.port.port = 1;
	vm.port.ifindex = ifindex;
	vm.port.vni = htonl(101);
	memcpy(vm.port.mac, mac, 6);
	vm.port.mtu = mtu;
	vsx_fm_set_vm(e->fm, 0, &vm);
}

static void env_init(struct env *e, size_t table, const char *pol)
{
	memset(e, 0, sizeof(*e));
	e->f = fake_new(table);
	vsx_ofl_policy_init(&e->pol);
	policy(e, "offload on; promote pps=10k bps=0 for=300ms; demote pps=2k bps=0 for=500ms;"
		  "idle-timeout 2s");
	if (pol)
		policy(e, pol);
	e->fm = vsx_fm_new(&e->f->dp, &e->f->ofl, &e->pol, 0);
	assert_non_null(e->fm);
	vm_a(e, 10, MAC_A, 1500);
	e->now = 1000 * MS;
}

static void env_free(struct env *e)
{
	vsx_fm_free(e->fm, false);
	vsx_ofl_policy_free(&e->pol);
	free(e->f);
}

/* One 100 ms tick with each listed slot sending at its rate (pps, frame size). */
struct load {
	int slot;
	uint64_t pps, size;
	__u8 flags;
};

static void tick(struct env *e, const struct load *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		traffic(e->f, l[i].slot, l[i].pps / 10, l[i].size, l[i].flags);
	e->now += 100 * MS;
	vsx_fm_tick(e->fm, e->now);
}

static void ticks(struct env *e, int count, const struct load *l, size_t n)
{
	for (int i = 0; i < count; i++)
		tick(e, l, n);
}

static const struct vsx_fm_flow *flow_of(struct env *e, int slot)
{
	struct vsx_offload_key k = okey(&e->f->slots[slot].s.key);
	const struct vsx_fm_flow *fl = vsx_fm_find(e->fm, &k);

	assert_non_null(fl);
	return fl;
}

/* ---- tests ---- */

static void test_rates_and_threshold(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 20000, 1000, 0};
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	tick(&e, &l, 1); /* first sight: no rate yet */
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->reason, VSX_FM_R_BELOW_THRESHOLD);
	assert_true(fl->pps == 0);
	tick(&e, &l, 1); /* above from here: 20000 pps exactly */
	assert_true(fl->pps > 19999 && fl->pps < 20001);
	assert_true(fl->bps > 20000.0 * 8000 - 1 && fl->bps < 20000.0 * 8000 + 1);
	assert_int_equal(fl->core, 1);
	/* above for 300 ms: promoted at the tick where the condition has held that long */
	ticks(&e, 2, &l, 1);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	tick(&e, &l, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	assert_int_equal(fl->reason, VSX_FM_R_NONE);
	assert_true(fake_has(e.f, &fl->key));
	assert_int_equal(e.f->ent[fl->flow_id].f.port, 1);
	assert_int_equal(fl->moves, 1);
	assert_int_equal(fl->moved_ns, e.now);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.promotions[VSX_FM_P_THRESHOLD], 1);
	assert_int_equal(st.offloaded, 1);
	assert_int_equal(st.flows, 1);
	env_free(&e);
}

/* Counters are continuous across the moves and split by path. */
static void test_counters_continuous(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load hi = {0, 20000, 1000, 0}, lo = {0, 1000, 1000, 0};
	const struct vsx_fm_flow *fl = NULL;
	uint64_t sent = 0;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	for (int i = 0; i < 40; i++) {
		const struct load *l = i < 15 ? &hi : &lo;

		tick(&e, l, 1);
		fl = flow_of(&e, 0);
		sent += l->pps / 10;
		/* every packet counted once, whichever path, at every tick */
		assert_int_equal(fl->packets, sent);
		assert_int_equal(fl->bytes, sent * 1000);
		assert_int_equal(fl->path_packets[0] + fl->path_packets[1], fl->packets);
		assert_int_equal(fl->path_bytes[0] + fl->path_bytes[1], fl->bytes);
		/* no jump in the rate at the promotion (tick 5) */
		if (i >= 1 && i < 15)
			assert_true(fl->pps > 19999 && fl->pps < 20001);
	}
	/* the fast path's share is what it delivered */
	assert_int_equal(fl->path_packets[VSX_FM_OFFLOADED], e.f->fast_packets);
	assert_true(e.f->fast_packets > 0);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->moves, 2);
	env_free(&e);
}

/* Between the thresholds nothing moves; below the demote threshold for its time: back. */
static void test_hysteresis(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load hi = {0, 20000, 100, 0}, mid = {0, 5000, 100, 0}, lo = {0, 1000, 100, 0};
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &hi, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	/* 5000 pps: below promote, above demote: stays offloaded, for as long as it lasts */
	ticks(&e, 40, &mid, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	/* 1000 pps: the window needs ~0.8 s to fall under 2000, then 500 ms below */
	ticks(&e, 8, &lo, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	ticks(&e, 8, &lo, 1);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->reason, VSX_FM_R_BELOW_THRESHOLD);
	assert_false(fake_has(e.f, &fl->key));
	/* back at 5000 pps: between the thresholds, stays on the normal path */
	ticks(&e, 40, &mid, 1);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.promotions[VSX_FM_P_THRESHOLD], 1);
	assert_int_equal(st.demotions[VSX_FM_D_BELOW], 1);
	assert_int_equal(fl->moves, 2);
	env_free(&e);
}

/* A rate that wobbles around one threshold does not flap: the other one is far away. */
static void test_no_flapping(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	for (int i = 0; i < 200; i++) {
		struct load l = {0, i % 2 ? 12000 : 8000, 100, 0}; /* mean 10000: at the threshold */

		tick(&e, &l, 1);
	}
	fl = flow_of(&e, 0);
	vsx_fm_stats(e.fm, &st);
	assert_true(st.promotions[VSX_FM_P_THRESHOLD] <= 1);
	assert_int_equal(st.demotions[VSX_FM_D_BELOW], 0);
	assert_true(fl->moves <= 1);
	env_free(&e);
}

/* Capacity 2: the two fastest; a faster newcomer displaces the slowest, equals do not. */
static void test_capacity_displacement(void **state)
{
	struct env e;
	struct vsx_flow_key k0 = fkey(17, 1000), k1 = fkey(17, 1001), k2 = fkey(17, 1002);
	struct load l[3] = {{0, 20000, 100, 0}, {1, 30000, 100, 0}, {2, 50000, 100, 0}};
	const struct vsx_fm_flow *f0, *f1, *f2;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, "capacity 2");
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	slot_set(e.f, 2, &k2, 1);
	ticks(&e, 6, l, 3);
	f0 = flow_of(&e, 0);
	f1 = flow_of(&e, 1);
	f2 = flow_of(&e, 2);
	assert_int_equal(f2->path, VSX_FM_OFFLOADED);
	assert_int_equal(f1->path, VSX_FM_OFFLOADED);
	assert_int_equal(f0->path, VSX_FM_NORMAL);
	assert_int_equal(f0->reason, VSX_FM_R_TABLE_FULL);
	/* 33000 vs 30000: not 20 % faster, no swap */
	l[0].pps = 33000;
	ticks(&e, 20, l, 3);
	assert_int_equal(f0->path, VSX_FM_NORMAL);
	assert_int_equal(f1->path, VSX_FM_OFFLOADED);
	/* 100000: it takes the slowest one's place */
	l[0].pps = 100000;
	ticks(&e, 15, l, 3);
	assert_int_equal(f0->path, VSX_FM_OFFLOADED);
	assert_int_equal(f1->path, VSX_FM_NORMAL);
	assert_int_equal(f1->reason, VSX_FM_R_TABLE_FULL);
	assert_int_equal(f2->path, VSX_FM_OFFLOADED);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.demotions[VSX_FM_D_DISPLACED], 1);
	assert_int_equal(st.promotions[VSX_FM_P_DISPLACE], 1);
	assert_int_equal(st.offloaded, 2);
	assert_int_equal(st.capacity, 2);
	/* capacity 1 at run time: the slower of the two leaves */
	policy(&e, "capacity 1");
	tick(&e, l, 3);
	assert_int_equal(f0->path, VSX_FM_OFFLOADED);
	assert_int_equal(f2->path, VSX_FM_NORMAL);
	assert_int_equal(f2->reason, VSX_FM_R_TABLE_FULL);
	/* a smaller provider table wins over the policy's capacity */
	env_free(&e);

	env_init(&e, 1, "capacity 100");
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	l[0].pps = 20000;
	ticks(&e, 6, l, 2);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.capacity, 1);
	assert_int_equal(st.offloaded, 1);
	assert_int_equal(flow_of(&e, 1)->path, VSX_FM_OFFLOADED);
	env_free(&e);
}

static void test_tcp_close(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(6, 1000);
	struct load l = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	l.flags = 0x01; /* FIN: recorded in the offload counters */
	tick(&e, &l, 1);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->reason, VSX_FM_R_CLOSING);
	assert_true(fl->closing);
	l.flags = 0;
	ticks(&e, 10, &l, 1); /* still heavy: stays on the normal path while closing */
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.demotions[VSX_FM_D_CLOSING], 1);
	env_free(&e);

	/* RST likewise */
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	l.flags = 0x04;
	tick(&e, &l, 1);
	assert_int_equal(flow_of(&e, 0)->reason, VSX_FM_R_CLOSING);
	env_free(&e);
}

static void test_expiry(void **state)
{
	struct env e;
	struct vsx_flow_key k0 = fkey(17, 1000), k1 = fkey(17, 1001);
	struct load l[2] = {{0, 20000, 100, 0}, {1, 100, 100, 0}};
	struct vsx_offload_key o0 = okey(&k0), o1 = okey(&k1);
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, "demote pps=2k for=10s"); /* expiry comes first */
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	ticks(&e, 6, l, 2);
	assert_int_equal(flow_of(&e, 0)->path, VSX_FM_OFFLOADED);
	/* both stop; the slots stay in the cache with unchanged counters */
	ticks(&e, 19, NULL, 0);
	assert_non_null(vsx_fm_find(e.fm, &o0));
	tick(&e, NULL, 0); /* 2 s without a packet */
	assert_null(vsx_fm_find(e.fm, &o0));
	assert_null(vsx_fm_find(e.fm, &o1));
	assert_false(fake_has(e.f, &o0));
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.expired, 2);
	assert_int_equal(st.demotions[VSX_FM_D_IDLE], 1);
	assert_int_equal(st.flows, 0);
	assert_int_equal(st.offloaded, 0);
	env_free(&e);
}

/* A re-classified slot (new tag) restarts its counters: folded, the totals continue. */
static void test_slot_retag(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 1000, 100, 0};
	const struct vsx_fm_flow *fl;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 5, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->packets, 500);
	slot_set(e.f, 0, &k, 2); /* counters restart at zero under tag 2 */
	ticks(&e, 5, &l, 1);
	assert_int_equal(fl->packets, 1000);
	assert_true(fl->pps > 999 && fl->pps < 1001);
	/* the same flow in a second slot too (another outer source, say): both add up */
	{
		struct vsx_flow_key k2 = k;

		k2.outer_src[0] = htonl(1);
		slot_set(e.f, 5, &k2, 7);
		l.slot = 5;
		ticks(&e, 5, &l, 1);
		assert_int_equal(fl->packets, 1500);
	}
	env_free(&e);
}

/* A datapath whose cache counts whole frames: the encapsulation comes off per packet. */
static void test_slot_bytes_outer(void **state)
{
	struct env e;
	struct vsx_flow_key k4 = fkey(17, 1000), k6 = fkey(17, 1001);
	struct load l[2] = {{0, 1000, 1050, 0}, {1, 1000, 1070, 0}};

	(void)state;
	env_init(&e, 16, NULL);
	vsx_fm_slot_bytes_outer(e.fm, true);
	k6.flags |= VSX_KEY_OUTER_V6;
	slot_set(e.f, 0, &k4, 1);
	slot_set(e.f, 1, &k6, 1);
	ticks(&e, 3, l, 2);
	assert_int_equal(flow_of(&e, 0)->bytes, 300 * 1000);
	assert_int_equal(flow_of(&e, 1)->bytes, 300 * 1000);
	assert_true(flow_of(&e, 0)->bps > 8e6 - 1 && flow_of(&e, 0)->bps < 8e6 + 1);
	env_free(&e);
}

/*
 * The cache is read before the fast counters: a tick's fast delta may hold packets the cache
 * counts only at the next read. That jitter must not add up over the ticks.
 */
static void test_read_skew(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load hi = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;
	uint64_t sent, normal;
	__u32 id;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &hi, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	id = fl->flow_id;
	sent = fl->packets;
	normal = fl->path_packets[VSX_FM_NORMAL]; /* before the promotion */
	for (int i = 0; i < 100; i++) {
		/* 2000 packets a tick, all fast; the cache sees 150 of them one read late */
		uint64_t late = i % 2 ? 0 : 150;

		e.f->slots[0].counter.packets += 2000 - late + (i % 2 ? 150 : 0);
		e.f->slots[0].counter.bytes += (2000 - late + (i % 2 ? 150 : 0)) * 100;
		e.f->cnt[id].packets += 2000;
		e.f->cnt[id].bytes += 2000 * 100;
		sent += 2000;
		e.now += 100 * MS;
		vsx_fm_tick(e.fm, e.now);
		assert_true(fl->packets <= sent);
		assert_true(fl->packets + 150 >= sent);
		assert_int_equal(fl->path_packets[0] + fl->path_packets[1], fl->packets);
	}
	assert_int_equal(fl->packets, sent); /* the last read caught up: exact */
	assert_int_equal(fl->path_packets[VSX_FM_NORMAL], normal); /* nothing went the normal path */
	env_free(&e);
}

/* A slot missing from one dump (being rewritten) and back with its tag is not counted twice;
 * a slot evicted while the flow is offloaded leaves the fast counters to count it. */
static void test_slot_gaps(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load hi = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;
	uint64_t sent;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 3, &hi, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->packets, 6000);
	e.f->slot_used[0] = false; /* skipped by one dump */
	tick(&e, &hi, 1);
	e.f->slot_used[0] = true;
	tick(&e, &hi, 1);
	assert_int_equal(fl->packets, 10000);
	ticks(&e, 3, &hi, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	sent = fl->packets;
	/* evicted for good: the fast path's packets still count */
	e.f->slot_used[0] = false;
	ticks(&e, 5, &hi, 1);
	assert_int_equal(fl->packets, sent + 10000);
	assert_true(fl->pps > 19999 && fl->pps < 20001);
	/* back in another slot under a new tag (re-classified): folded, not doubled */
	slot_set(e.f, 7, &k, 1);
	ticks(&e, 5, &(struct load){7, 20000, 100, 0}, 1);
	assert_int_equal(fl->packets, sent + 20000);
	env_free(&e);
}

/* The remote VTEP of a flow: its outer source (what vsxd reads from the VXLAN device). */
static int remote_cb(void *arg, const struct vsx_fm_flow *f, const struct vsx_fm_vm *vm,
		     struct vsx_tx_remote *out)
{
	int *fail = arg;

	(void)vm;
	if (*fail)
		return -EOPNOTSUPP;
	out->local = htonl(0xc0000202);
	out->remote = f->fkey.outer_src[0];
	out->dport = htons(4789);
	out->ttl = 64;
	return 0;
}

static int tx_count(const struct fake *f)
{
	int n = 0;

	for (int i = 1; i <= N_IDS; i++)
		n += f->tx[i].used;
	return n;
}

/* The reverse direction of an offloaded flow on the TX fast path, and back. */
static void test_tx(void **state)
{
	struct env e;
	struct vsx_flow_key k0 = fkey(6, 1000), k1 = fkey(6, 1001);
	struct load l[2] = {{0, 20000, 100, 0}, {1, 20000, 100, 0}};
	const struct vsx_fm_flow *f0, *f1;
	const struct vsx_offload_tx_flow *t;
	struct vsx_fm_stats st;
	int fail = 0;

	(void)state;
	env_init(&e, 16, NULL);
	vsx_fm_free(e.fm, false);
	e.f->caps.tx = true;
	e.f->caps.tx_table_size = 16;
	e.f->caps.tx_remotes = 8;
	e.fm = vsx_fm_new(&e.f->dp, &e.f->ofl, &e.pol, 0);
	vsx_fm_set_tx(e.fm, remote_cb, &fail);
	vm_a(&e, 10, MAC_A, 1500);
	k0.outer_src[0] = k1.outer_src[0] = htonl(0xc0000201);
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	ticks(&e, 6, l, 2);
	f0 = flow_of(&e, 0);
	f1 = flow_of(&e, 1);
	assert_int_equal(f0->path, VSX_FM_OFFLOADED);
	assert_true(f0->tx_flow_id > 0);
	t = &e.f->tx[f0->tx_flow_id].f;
	/* from the VM's port to the sender's MAC, the 5-tuple swapped, under the same limit */
	assert_int_equal(t->key.port, 1);
	assert_int_equal(t->key.kind, VSX_TX_KEY_FLOW);
	assert_memory_equal(t->key.dl_dst, k0.dl_src, 6);
	assert_int_equal(t->key.tp_src, k0.tp_dst);
	assert_int_equal(t->key.tp_dst, k0.tp_src);
	assert_int_equal(t->key.nw_src[0], k0.nw_dst[0]);
	assert_int_equal(t->key.nw_dst[0], k0.nw_src[0]);
	assert_int_equal(e.f->remotes[t->remote].remote, htonl(0xc0000201));
	/* both flows go to the same VTEP: one remote */
	assert_int_equal(f1->tx_remote, f0->tx_remote);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.tx_offloaded, 2);
	/* what the VM sends back is counted */
	e.f->tx_cnt[f0->tx_flow_id].packets += 300;
	e.f->tx_cnt[f0->tx_flow_id].bytes += 300 * 66;
	tick(&e, l, 2);
	assert_int_equal(f0->tx_packets, 300);
	assert_int_equal(f0->tx_bytes, 300 * 66);
	/* the VM closes (FIN on TX): both directions back to the normal path */
	e.f->tx_cnt[f0->tx_flow_id].tcp_flags |= 0x01;
	tick(&e, l, 2);
	assert_int_equal(f0->path, VSX_FM_NORMAL);
	assert_int_equal(f0->reason, VSX_FM_R_CLOSING);
	assert_int_equal(f0->tx_flow_id, 0);
	assert_int_equal(tx_count(e.f), 1);
	assert_true(e.f->remote_used[f1->tx_remote]); /* still used by f1 */
	/* the VM's port changes: f1 and its TX entry go, and the remote with the last of them */
	{
		__u32 rid = f1->tx_remote;

		vm_a(&e, 11, MAC_A, 1500);
		assert_int_equal(tx_count(e.f), 0);
		assert_false(e.f->remote_used[rid]);
	}
	/* no remote for a flow: RX offloaded all the same */
	fail = 1;
	ticks(&e, 5, l, 2);
	assert_int_equal(f1->path, VSX_FM_OFFLOADED);
	assert_int_equal(f1->tx_flow_id, 0);
	vsx_fm_stats(e.fm, &st);
	assert_true(st.tx_remote_fail >= 1);
	env_free(&e);
}

static void test_invalidation(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;
	struct vsx_offload_key o = okey(&k);

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	/* the VM's MAC changes: its entries go at once, and the flow no longer reaches it */
	vm_a(&e, 10, MAC_B, 1500);
	assert_false(fake_has(e.f, &o));
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	tick(&e, &l, 1);
	assert_int_equal(fl->reason, VSX_FM_R_NO_PORT);
	assert_int_equal(fl->vm, -1);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.demotions[VSX_FM_D_PORT], 1);
	/* back to the old MAC: promoted again by its rate */
	vm_a(&e, 10, MAC_A, 1500);
	ticks(&e, 4, &l, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	/* the port moves to an interface that cannot take redirects */
	vm_a(&e, 666, MAC_A, 1500);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	tick(&e, &l, 1);
	assert_int_equal(fl->reason, VSX_FM_R_PORT_REDIRECT);
	assert_false(e.f->port_ok[1]);
	/* the VM goes away */
	vm_a(&e, 10, MAC_A, 1500);
	ticks(&e, 4, &l, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	assert_int_equal(vsx_fm_del_vm(e.fm, 0), 0);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	tick(&e, &l, 1);
	assert_int_equal(fl->reason, VSX_FM_R_NO_PORT);
	env_free(&e);
}

static void test_redirect_fail_and_refusals(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	e.f->cnt[fl->flow_id].redirect_fail += 3;
	tick(&e, &l, 1);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->reason, VSX_FM_R_REDIRECT_FAIL);
	assert_int_equal(fl->redirect_fail, 3);
	ticks(&e, 10, &l, 1); /* sticky until the port is set again */
	assert_int_equal(fl->reason, VSX_FM_R_REDIRECT_FAIL);
	vm_a(&e, 11, MAC_A, 1500);
	ticks(&e, 5, &l, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	/* the fast path refuses everything (the fake delivers nothing, refuses all) */
	{
		__u32 id = fl->flow_id;

		e.f->cnt[id].refused += 2000;
		e.f->cnt[id].packets -= 0;
		tick(&e, NULL, 0);
		assert_int_equal(fl->path, VSX_FM_NORMAL);
		assert_int_equal(fl->reason, VSX_FM_R_REFUSED);
	}
	env_free(&e);

	/* frames above the port's MTU: never promoted */
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	l.size = 1600;
	ticks(&e, 8, &l, 1);
	assert_int_equal(flow_of(&e, 0)->path, VSX_FM_NORMAL);
	assert_int_equal(flow_of(&e, 0)->reason, VSX_FM_R_MTU);
	env_free(&e);

	/* fragments: never promoted */
	env_init(&e, 16, NULL);
	k.flags |= VSX_KEY_FRAG;
	slot_set(e.f, 0, &k, 1);
	l.size = 100;
	ticks(&e, 8, &l, 1);
	assert_int_equal(flow_of(&e, 0)->reason, VSX_FM_R_FRAGMENT);
	env_free(&e);
}

static void test_header_policies(void **state)
{
	struct env e;
	struct vsx_flow_key k0 = fkey(17, 1000), k1 = fkey(6, 22);
	struct load l[2] = {{0, 10, 100, 0}, {1, 50000, 100, 0}};
	const struct vsx_fm_flow *f0, *f1;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, "header udp always; header tcp,tp_src=22 never");
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	tick(&e, l, 2);
	f0 = flow_of(&e, 0);
	f1 = flow_of(&e, 1);
	/* always: on the fast path at first sight, however slow */
	assert_int_equal(f0->path, VSX_FM_OFFLOADED);
	assert_int_equal(f0->header_id, 1);
	/* never: however fast */
	ticks(&e, 10, l, 2);
	assert_int_equal(f1->path, VSX_FM_NORMAL);
	assert_int_equal(f1->reason, VSX_FM_R_POLICY_NEVER);
	assert_int_equal(f1->header_id, 2);
	assert_int_equal(f0->path, VSX_FM_OFFLOADED); /* slow, but always: not demoted */
	/* the policy changes at run time: udp never */
	policy(&e, "header udp never");
	tick(&e, l, 2);
	assert_int_equal(f0->path, VSX_FM_NORMAL);
	assert_int_equal(f0->reason, VSX_FM_R_POLICY_NEVER);
	vsx_fm_stats(e.fm, &st);
	assert_int_equal(st.promotions[VSX_FM_P_ALWAYS], 1);
	assert_int_equal(st.demotions[VSX_FM_D_POLICY], 1);
	/* offload off: nothing on the fast path */
	assert_int_equal(vsx_ofl_policy_delete_text(&e.pol, "header 2", NULL, 0), 0);
	vsx_fm_policy_changed(e.fm);
	ticks(&e, 5, l, 2);
	assert_int_equal(f1->path, VSX_FM_OFFLOADED);
	policy(&e, "offload off");
	tick(&e, l, 2);
	assert_int_equal(f1->path, VSX_FM_NORMAL);
	assert_int_equal(f1->reason, VSX_FM_R_OFF);
	env_free(&e);
}

static void test_rate_limits(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;

	(void)state;
	env_init(&e, 16, "rate-limit default rate=1G; rate-limit tenant=red rate=2G burst=1ms");
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	assert_int_equal(e.f->ent[fl->flow_id].f.limit.bits_per_s, 2000000000ull);
	assert_int_equal(e.f->ent[fl->flow_id].f.limit.burst_us, 1000);
	/* the VM's own limit at run time: the entry is replaced, its counters kept */
	{
		uint64_t before = e.f->cnt[fl->flow_id].packets;
		unsigned int puts = e.f->puts;

		policy(&e, "rate-limit vm=a pps=5k");
		tick(&e, &l, 1);
		assert_int_equal(e.f->puts, puts + 1);
		assert_int_equal(e.f->ent[fl->flow_id].f.limit.pkts_per_s, 5000);
		assert_int_equal(e.f->ent[fl->flow_id].f.limit.bits_per_s, 0);
		assert_true(e.f->cnt[fl->flow_id].packets > before);
		tick(&e, &l, 1); /* unchanged: no more puts */
		assert_int_equal(e.f->puts, puts + 1);
	}
	env_free(&e);

	/* a provider without buckets: unlimited entries */
	env_init(&e, 16, "rate-limit default rate=1G");
	vsx_fm_free(e.fm, false);
	e.f->caps.rate_limit = false;
	e.fm = vsx_fm_new(&e.f->dp, &e.f->ofl, &e.pol, 0);
	vm_a(&e, 10, MAC_A, 1500);
	slot_set(e.f, 0, &k, 1);
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	assert_int_equal(e.f->ent[fl->flow_id].f.limit.bits_per_s, 0);
	env_free(&e);
}

static void test_provider_failures(void **state)
{
	struct env e;
	struct vsx_flow_key k = fkey(17, 1000);
	struct load l = {0, 20000, 100, 0};
	const struct vsx_fm_flow *fl;
	struct vsx_fm_stats st;

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k, 1);
	e.f->put_err = -ENOSPC;
	ticks(&e, 6, &l, 1);
	fl = flow_of(&e, 0);
	assert_int_equal(fl->path, VSX_FM_NORMAL);
	assert_int_equal(fl->reason, VSX_FM_R_TABLE_FULL);
	e.f->put_err = -EIO;
	tick(&e, &l, 1);
	assert_int_equal(fl->reason, VSX_FM_R_PROVIDER);
	vsx_fm_stats(e.fm, &st);
	assert_true(st.put_fail >= 2);
	e.f->put_err = 0;
	tick(&e, &l, 1);
	assert_int_equal(fl->path, VSX_FM_OFFLOADED);
	env_free(&e);

	/* no offload provider at all: flows tracked, nothing offloaded */
	{
		struct fake *f = fake_new(16);
		struct vsx_offload none = {0};
		struct vsx_ofl_policy p;
		struct vsx_fm *fm;
		struct vsx_offload_key o = okey(&k);

		vsx_ofl_policy_init(&p);
		p.enabled = true;
		fm = vsx_fm_new(&f->dp, &none, &p, 0);
		assert_non_null(fm);
		slot_set(f, 0, &k, 1);
		traffic(f, 0, 1000, 100, 0);
		assert_int_equal(vsx_fm_tick(fm, 100 * MS), 0);
		assert_non_null(vsx_fm_find(fm, &o));
		assert_int_equal(vsx_fm_find(fm, &o)->reason, VSX_FM_R_OFF);
		vsx_fm_free(fm, false);
		vsx_ofl_policy_free(&p);
		free(f);
	}
}

static int count_cb(void *arg, const struct vsx_fm_flow *f)
{
	int *n = arg;

	/* offloaded flows come first */
	if (f->path == VSX_FM_OFFLOADED)
		assert_int_equal(n[1], 0);
	else
		n[1]++;
	n[0]++;
	return 0;
}

static void test_foreach_and_names(void **state)
{
	struct env e;
	struct vsx_flow_key k0 = fkey(17, 1000), k1 = fkey(17, 1001);
	struct load l[2] = {{0, 100, 100, 0}, {1, 50000, 100, 0}};
	int n[2] = {0, 0};
	char buf[128];

	(void)state;
	env_init(&e, 16, NULL);
	slot_set(e.f, 0, &k0, 1);
	slot_set(e.f, 1, &k1, 1);
	ticks(&e, 6, l, 2);
	assert_int_equal(vsx_fm_foreach(e.fm, count_cb, n), 0);
	assert_int_equal(n[0], 2);
	assert_int_equal(n[1], 1);
	{
		struct vsx_offload_key o = okey(&k1);

		vsx_fm_key_format(&o, buf, sizeof(buf));
		assert_string_equal(buf, "vni=101,udp,10.0.0.1:1001->10.0.0.2:5201");
	}
	assert_string_equal(vsx_fm_reason_name(VSX_FM_R_TABLE_FULL), "table-full");
	assert_string_equal(vsx_fm_reason_name(VSX_FM_R_COUNT), "?");
	assert_string_equal(vsx_fm_promote_name(VSX_FM_P_DISPLACE), "displace");
	assert_string_equal(vsx_fm_demote_name(VSX_FM_D_CLOSING), "tcp-close");
	/* not a VM flow: not tracked */
	{
		struct vsx_flow_key k = k0;
		struct vsx_offload_key o;

		k.flags = 0;
		assert_int_equal(vsx_fm_key(&k, &o), -EINVAL);
		k = k0;
		k.dl_type = htons(0x0806);
		assert_int_equal(vsx_fm_key(&k, &o), -EINVAL);
	}
	env_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_and_threshold),
		cmocka_unit_test(test_counters_continuous),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_no_flapping),
		cmocka_unit_test(test_capacity_displacement),
		cmocka_unit_test(test_tcp_close),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_slot_retag),
		cmocka_unit_test(test_slot_bytes_outer),
		cmocka_unit_test(test_read_skew),
		cmocka_unit_test(test_slot_gaps),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_invalidation),
		cmocka_unit_test(test_redirect_fail_and_refusals),
		cmocka_unit_test(test_header_policies),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_provider_failures),
		cmocka_unit_test(test_foreach_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
