// SPDX-License-Identifier: MIT
/*
 * Classifier compilation: subtable grouping and order, shadowed entries, the mask limit,
 * early exit, and the property that the datapath's algorithm (vsx_classifier_lookup) picks
 * the same rule as the table's plain scan (vsx_rule_table_lookup) on random rules and keys.
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

#include "classifier.h"
#include "rule_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static __u32 add(struct vsx_rule_table *t, const char *text)
{
	struct vsx_rule r;
	char err[256];
	__u32 id = 0;

	if (vsx_rule_parse(text, &r, err, sizeof(err)))
		fail_msg("\"%s\": %s", text, err);
	if (vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)))
		fail_msg("adding \"%s\": %s", text, err);
	return id;
}

static void build(struct vsx_classifier *c, const struct vsx_rule_table *t, int dir)
{
	char err[256];

	if (vsx_classifier_build(c, t, dir, err, sizeof(err)))
		fail_msg("build: %s", err);
}

static void key_tcp(struct vsx_flow_key *k, __u32 dst, __u16 dport)
{
	memset(k, 0, sizeof(*k));
	k->dl_type = htons(0x0800);
	k->nw_proto = 6;
	k->nw_dst[0] = htonl(dst);
	k->tp_dst = htons(dport);
}

/* Structural checks every build must pass. */
static void check_form(const struct vsx_classifier *c)
{
	assert_true(c->n_masks <= VSX_MAX_MASKS);
	for (__u32 i = 1; i < c->n_masks; i++)
		assert_true(vsx_cls_mask_cmp(&c->masks[i - 1].mask, c->masks[i - 1].max_priority,
					     &c->masks[i].mask, c->masks[i].max_priority) < 0);
	assert_int_equal(c->n_entries + c->n_shadowed, c->n_rules);
	for (__u32 i = 0; i < c->n_entries; i++) {
		const struct vsx_cls_entry *e = &c->entries[i];
		struct vsx_flow_key masked;

		assert_true(e->key.mask_id < c->n_masks);
		assert_int_equal(e->key._pad, 0);
		if (i)
			assert_true(c->entries[i - 1].key.mask_id <= e->key.mask_id);
		/* the key is masked by its subtable's mask */
		vsx_flow_key_and(&masked, &e->key.key, &c->masks[e->key.mask_id].mask);
		assert_memory_equal(&masked, &e->key.key, sizeof(masked));
		assert_true(e->val.priority <= c->masks[e->key.mask_id].max_priority);
		assert_ptr_equal(vsx_classifier_find(c, &e->key), e);
	}
}

static void test_empty(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;
	struct vsx_flow_key k;
	unsigned int probes = 99;
	char err[128];

	build(&c, t, VSX_DIR_INGRESS);
	assert_int_equal(c.n_masks, 0);
	assert_int_equal(c.n_entries, 0);
	key_tcp(&k, 1, 1);
	assert_null(vsx_classifier_lookup_probes(&c, &k, &probes));
	assert_int_equal(probes, 0);
	vsx_classifier_free(&c);
	vsx_classifier_free(&c); /* freeing twice is harmless */

	assert_int_equal(vsx_classifier_build(&c, t, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad direction 2");
	vsx_rule_table_free(t);
}

static void test_grouping(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	const struct vsx_cls_entry *e;
	struct vsx_classifier c;
	struct vsx_cls_key ck;
	struct vsx_rule r;
	__u32 a, b;

	add(t, "priority=10,tcp,tp_dst=80 actions=irq:1");
	add(t, "priority=20,tcp,tp_dst=443 actions=irq:2");
	add(t, "priority=30,tcp,nw_dst=10.0.0.0/8 actions=irq:3");
	add(t, "priority=5,tcp,nw_dst=10.0.0.0/16 actions=irq:auto");
	a = add(t, "priority=5,udp,nw_dst=10.0.0.0/16 actions=irq:4");
	b = add(t, "priority=40,ip,vni=7 actions=set_fcf:3/1");

	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.dir, VSX_DIR_INGRESS);
	assert_int_equal(c.n_rules, 5);
	assert_int_equal(c.n_entries, 5);
	assert_int_equal(c.n_masks, 3);
	/* subtables by max priority: /8 (30), tp_dst (20), /16 (5) */
	assert_int_equal(c.masks[0].max_priority, 30);
	assert_int_equal(c.masks[0].mask.nw_dst[0], htonl(0xff000000));
	assert_int_equal(c.masks[1].max_priority, 20);
	assert_int_equal(c.masks[1].mask.tp_dst, 0xffff);
	assert_int_equal(c.masks[2].max_priority, 5);
	assert_int_equal(c.masks[0]._pad, 0);

	/* an entry as the datapath will see it */
	if (vsx_rule_parse("priority=5,udp,nw_dst=10.0.0.0/16 actions=irq:4", &r, NULL, 0))
		fail();
	memset(&ck, 0, sizeof(ck));
	ck.mask_id = 2;
	ck.key = r.key;
	e = vsx_classifier_find(&c, &ck);
	assert_non_null(e);
	assert_int_equal(e->val.rule_id, a);
	assert_int_equal(e->val.priority, 5);
	assert_int_equal(e->val.action, VSX_ACT_IRQ_CORE);
	assert_int_equal(e->val.core, 4);
	assert_int_equal(e->val.fcf, 0);
	ck.mask_id = 1;
	assert_null(vsx_classifier_find(&c, &ck));
	vsx_classifier_free(&c);

	/* egress has its own */
	build(&c, t, VSX_DIR_EGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, 1);
	assert_int_equal(c.n_entries, 1);
	assert_int_equal(c.entries[0].val.rule_id, b);
	assert_int_equal(c.entries[0].val.action, VSX_ACT_SET_FCF);
	assert_int_equal(c.entries[0].val.fcf, 0x83);
	assert_int_equal(c.entries[0].val.core, 0);
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

/* Equal max priority: more mask bits first, then mask bytes. */
static void test_order_ties(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;

	add(t, "tcp actions=irq:1");
	add(t, "tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=irq:1");
	add(t, "tcp,nw_dst=10.0.0.0/8 actions=irq:1");
	add(t, "tcp,nw_src=10.0.0.0/8 actions=irq:1");
	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, 4);
	assert_int_equal(c.masks[0].mask.tp_dst, 0xffff);
	assert_int_equal(vsx_flow_key_popcount(&c.masks[3].mask), 16 + 8);
	/* nw_src and nw_dst /8 have as many bits: memcmp decides (nw_src comes first in the
	 * key, so the mask with nw_src set is "greater") */
	assert_int_equal(c.masks[1].mask.nw_dst[0], htonl(0xff000000));
	assert_int_equal(c.masks[2].mask.nw_src[0], htonl(0xff000000));
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

static void test_shadowed(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;
	struct vsx_flow_key k;
	__u32 hi;

	add(t, "priority=10,tcp,tp_dst=80 actions=irq:1");
	hi = add(t, "priority=20,tcp,tp_dst=80 actions=irq:2");
	add(t, "priority=15,tcp,tp_dst=80 actions=irq:3");
	add(t, "priority=15,tcp,tp_dst=81 actions=irq:3");
	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, 1);
	assert_int_equal(c.n_entries, 2);
	assert_int_equal(c.n_shadowed, 2);
	assert_int_equal(c.masks[0].max_priority, 20);
	key_tcp(&k, 1, 80);
	assert_int_equal(vsx_classifier_lookup(&c, &k)->rule_id, hi);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, hi);
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

static void test_early_exit(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;
	struct vsx_flow_key k;
	unsigned int probes;
	__u32 web, net, all;

	web = add(t, "priority=100,tcp,tp_dst=80 actions=irq:1");
	net = add(t, "priority=50,tcp,nw_dst=10.0.0.0/8 actions=irq:2");
	all = add(t, "priority=50,ip actions=irq:3");
	add(t, "priority=10,udp actions=irq:4");
	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, 4);

	/* hit in the first subtable: nothing after it can beat 100 */
	key_tcp(&k, 0x0a000001, 80);
	assert_int_equal(vsx_classifier_lookup_probes(&c, &k, &probes)->rule_id, web);
	assert_int_equal(probes, 1);
	/* 50 in the second subtable: the third (max 50) cannot win a tie, the walk stops */
	key_tcp(&k, 0x0a000001, 81);
	assert_int_equal(vsx_classifier_lookup_probes(&c, &k, &probes)->rule_id, net);
	assert_int_equal(probes, 2);
	/* the third matches; the fourth (10) cannot beat 50 */
	key_tcp(&k, 0x0b000001, 81);
	assert_int_equal(vsx_classifier_lookup_probes(&c, &k, &probes)->rule_id, all);
	assert_int_equal(probes, 3);
	/* no match: every subtable is probed */
	k.dl_type = htons(0x86dd);
	assert_null(vsx_classifier_lookup_probes(&c, &k, &probes));
	assert_int_equal(probes, 4);
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

/* The 33rd mask: the table refuses it, so the classifier never sees more than 32. */
static void test_mask_limit(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;
	struct vsx_rule r;
	char text[128], err[256];

	for (int i = 0; i < VSX_MAX_MASKS; i++) {
		snprintf(text, sizeof(text), "priority=%d,ip,nw_src=10.0.0.0/%d actions=irq:1", i,
			 i + 1);
		add(t, text);
	}
	if (vsx_rule_parse("tcp actions=irq:1", &r, NULL, 0))
		fail();
	assert_int_equal(vsx_rule_table_add(t, &r, NULL, NULL, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "too many distinct match masks (32) for ingress rules");
	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, VSX_MAX_MASKS);
	for (int i = 0; i < VSX_MAX_MASKS; i++)
		assert_int_equal(c.masks[i].max_priority, VSX_MAX_MASKS - 1 - i);
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

/* Many rules of one shape: one subtable, one probe. */
static void test_one_shape(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_classifier c;
	struct vsx_flow_key k;
	struct vsx_rule r;
	unsigned int probes;
	char err[256];

	if (vsx_rule_parse("tcp,nw_dst=10.0.0.0,tp_dst=0 actions=irq:1", &r, NULL, 0))
		fail();
	for (__u32 i = 0; i < 4096; i++) {
		r.key.nw_dst[0] = htonl(0x0a000000 + i);
		r.key.tp_dst = htons((__u16)(1000 + i));
		r.action.core = (__u16)(i % VSX_MAX_CPUS);
		assert_int_equal(vsx_rule_table_add(t, &r, NULL, NULL, err, sizeof(err)), 0);
	}
	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	assert_int_equal(c.n_masks, 1);
	assert_int_equal(c.n_entries, 4096);
	for (__u32 i = 0; i < 4096; i += 7) {
		const struct vsx_cls_val *v;

		key_tcp(&k, 0x0a000000 + i, (__u16)(1000 + i));
		v = vsx_classifier_lookup_probes(&c, &k, &probes);
		assert_non_null(v);
		assert_int_equal(v->rule_id, i + 1);
		assert_int_equal(v->core, i % VSX_MAX_CPUS);
		assert_int_equal(probes, 1);
	}
	key_tcp(&k, 0x0a000000, 999);
	assert_null(vsx_classifier_lookup(&c, &k));
	vsx_classifier_free(&c);
	vsx_rule_table_free(t);
}

/* ---- property: classifier == reference, on random rules and keys ---- */

struct rng {
	__u64 s;
};

static __u32 rnd(struct rng *g, __u32 n)
{
	/* xorshift64* */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return (__u32)((g->s * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/*
 * Random rules come in shapes (which fields, which prefix lengths): each seed draws a palette
 * of shapes, a few more than VSX_MAX_MASKS, so some adds hit the mask limit. Values come from
 * small domains shared with random_key(), so that keys hit rules and rules of equal priority
 * (priorities come from a set of 4) overlap.
 */
struct shape {
	int l3;			/* index into l3_names, or -1 */
	int dst_plen, src_plen; /* 0: not matched */
	bool tp_dst, tp_src_masked, icmp_type, in_port, dl_src, vni, vm_id, fcf_prio, outer;
	int vlan; /* 0: no, 1: dl_vlan=N, 2: dl_vlan=none */
	int frag; /* 0: no, else index + 1 into frag_values */
};

static const char *const l3_names[] = {"ip", "tcp", "udp", "tcp6", "ipv6", "icmp"};
static const char *const frag_values[] = {"no", "first", "not_later"};

static void random_shape(struct rng *g, struct shape *s)
{
	memset(s, 0, sizeof(*s));
	s->l3 = (int)rnd(g, ARRAY_SIZE(l3_names) + 1) - 1;
	if (s->l3 >= 0) {
		bool v6 = strchr(l3_names[s->l3], '6') != NULL;
		bool ports = s->l3 >= 1 && s->l3 <= 3;

		if (rnd(g, 2))
			s->dst_plen = v6 ? 124 + (int)rnd(g, 5) : 28 + (int)rnd(g, 5);
		if (!rnd(g, 3))
			s->src_plen = v6 ? 128 : 32;
		s->tp_dst = ports && rnd(g, 2);
		s->tp_src_masked = ports && !rnd(g, 4);
		s->icmp_type = s->l3 == 5 && rnd(g, 2);
		s->frag = rnd(g, 6) ? 0 : 1 + (int)rnd(g, ARRAY_SIZE(frag_values));
	}
	s->in_port = !rnd(g, 4);
	s->dl_src = !rnd(g, 5);
	s->vlan = rnd(g, 5) ? 0 : 1 + (int)rnd(g, 2);
	s->vni = !rnd(g, 3);
	s->vm_id = !rnd(g, 5);
	s->fcf_prio = !rnd(g, 6);
	s->outer = !rnd(g, 6);
}

static void random_rule(struct rng *g, const struct shape *s, char *text, size_t len)
{
	static const unsigned int prios[] = {1, 2, 5, 32768};
	bool v6 = s->l3 >= 0 && strchr(l3_names[s->l3], '6');
	int n = 0;

#define ADD(...) n += snprintf(text + n, len - (size_t)n, __VA_ARGS__)
	ADD("priority=%u", prios[rnd(g, ARRAY_SIZE(prios))]);
	if (s->l3 >= 0)
		ADD(",%s", l3_names[s->l3]);
	if (s->dst_plen)
		ADD(v6 ? ",ipv6_dst=2001:db8::%u/%d" : ",nw_dst=10.0.0.%u/%d", rnd(g, 16),
		    s->dst_plen);
	if (s->src_plen)
		ADD(v6 ? ",ipv6_src=2001:db8::%u" : ",nw_src=10.0.0.%u", rnd(g, 16));
	if (s->tp_dst)
		ADD(",tp_dst=%u", rnd(g, 16));
	if (s->tp_src_masked)
		ADD(",tp_src=%u/0x3", rnd(g, 4));
	if (s->icmp_type)
		ADD(",icmp_type=%u", rnd(g, 4));
	if (s->frag)
		ADD(",nw_frag=%s", frag_values[s->frag - 1]);
	if (s->in_port)
		ADD(",in_port=%u", 1 + rnd(g, 4));
	if (s->dl_src)
		ADD(",dl_src=00:00:00:00:00:%02x", rnd(g, 8));
	if (s->vlan == 1)
		ADD(",dl_vlan=%u", 1 + rnd(g, 4));
	if (s->vlan == 2)
		ADD(",dl_vlan=none");
	if (s->vni)
		ADD(",vni=%u", 1 + rnd(g, 4));
	if (s->vm_id)
		ADD(",vm_id=%u", rnd(g, 4));
	if (s->fcf_prio)
		ADD(",fcf_prio=%u", rnd(g, 2));
	if (s->outer)
		ADD(rnd(g, 2) ? ",outer_src=192.0.2.%u" : ",outer_src=2001:db8:1::%u", rnd(g, 2));
	ADD(" actions=%s", rnd(g, 2) ? "irq:auto" : "irq:3");
#undef ADD
}

static void random_key(struct rng *g, struct vsx_flow_key *k)
{
	static const __u16 types[] = {0x0800, 0x0800, 0x86dd, 0x0806};
	static const __u8 protos[] = {6, 17, 1, 58};
	bool v6;

	memset(k, 0, sizeof(*k));
	k->in_port = 1 + rnd(g, 4);
	k->dl_src[5] = (__u8)rnd(g, 8);
	if (rnd(g, 3) == 0) {
		k->flags |= VSX_KEY_VLAN;
		k->dl_vlan_tci = htons((__u16)(1 + rnd(g, 4)));
	}
	k->dl_type = htons(types[rnd(g, ARRAY_SIZE(types))]);
	v6 = k->dl_type == htons(0x86dd);
	if (k->dl_type != htons(0x0806)) {
		k->nw_proto = protos[rnd(g, ARRAY_SIZE(protos))];
		if (v6) {
			inet_pton(AF_INET6, "2001:db8::", k->nw_src);
			inet_pton(AF_INET6, "2001:db8::", k->nw_dst);
			k->nw_src[3] = htonl(rnd(g, 16));
			k->nw_dst[3] = htonl(rnd(g, 16));
		} else {
			k->nw_src[0] = htonl(0x0a000000 + rnd(g, 16));
			k->nw_dst[0] = htonl(0x0a000000 + rnd(g, 16));
		}
		switch (rnd(g, 4)) {
		case 0:
			k->flags |= VSX_KEY_FRAG;
			break;
		case 1:
			k->flags |= VSX_KEY_FRAG | VSX_KEY_LATER_FRAG;
			break;
		}
		if (!(k->flags & VSX_KEY_LATER_FRAG)) {
			k->tp_src = htons((__u16)rnd(g, 16));
			k->tp_dst = htons((__u16)rnd(g, 16));
		}
	}
	if (rnd(g, 2)) {
		k->flags |= VSX_KEY_TUNNEL;
		k->vni = htonl(1 + rnd(g, 4));
		k->fcf = (__u8)(rnd(g, 4) | (rnd(g, 2) << 7));
		if (rnd(g, 2)) {
			k->flags |= VSX_KEY_OUTER_V6;
			inet_pton(AF_INET6, "2001:db8:1::", k->outer_src);
			k->outer_src[3] = htonl(rnd(g, 2));
		} else {
			k->outer_src[0] = htonl(0xc0000200 + rnd(g, 2));
		}
	}
}

/* Rules of the best priority that match key (more than one: a tie the order decides). */
static unsigned int n_best(const struct vsx_rule_table *t, const struct vsx_flow_key *k, __u16 prio)
{
	const struct vsx_rule *r;
	unsigned int n = 0;

	vsx_rule_table_for_each(t, r)
	{
		if (vsx_rule_direction(r) == VSX_DIR_INGRESS && r->priority == prio &&
		    vsx_rule_matches_key(r, k))
			n++;
	}
	return n;
}

struct stats {
	unsigned int keys, hits, ties, early;
};

static void compare(struct rng *g, const struct vsx_rule_table *t, unsigned int n_keys,
		    struct stats *st)
{
	struct vsx_classifier c;

	build(&c, t, VSX_DIR_INGRESS);
	check_form(&c);
	for (unsigned int i = 0; i < n_keys; i++) {
		const struct vsx_cls_val *v;
		const struct vsx_rule *r;
		struct vsx_flow_key k;
		unsigned int probes;

		random_key(g, &k);
		v = vsx_classifier_lookup_probes(&c, &k, &probes);
		r = vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k);
		if (!v != !r || (v && (v->rule_id != r->id || v->priority != r->priority))) {
			char text[VSX_RULE_TEXT_MAX] = "-";

			if (r)
				vsx_rule_format(r, text, sizeof(text));
			fail_msg("key %u: classifier rule %u (priority %u), reference rule %u: %s",
				 i, v ? v->rule_id : 0, v ? v->priority : 0, r ? r->id : 0, text);
		}
		st->keys++;
		if (v) {
			st->hits++;
			if (n_best(t, &k, r->priority) > 1)
				st->ties++;
			if (probes < c.n_masks)
				st->early++;
		}
	}
	vsx_classifier_free(&c);
}

static void test_property(void **state)
{
	struct stats st = {0};
	unsigned int rules = 0, refused = 0;

	for (__u64 seed = 1; seed <= 6; seed++) {
		struct vsx_rule_table *t = vsx_rule_table_new(0);
		struct rng g = {.s = seed * 0x9e3779b97f4a7c15ULL};
		struct shape palette[VSX_MAX_MASKS + 8];
		int n_rules = seed % 2 ? 4000 : 500;

		for (size_t i = 0; i < ARRAY_SIZE(palette); i++)
			random_shape(&g, &palette[i]);
		for (int i = 0; i < n_rules; i++) {
			char text[VSX_RULE_TEXT_MAX], err[256];
			struct vsx_rule r;
			int ret;

			random_rule(&g, &palette[rnd(&g, ARRAY_SIZE(palette))], text, sizeof(text));
			if (vsx_rule_parse(text, &r, err, sizeof(err)))
				fail_msg("generated \"%s\": %s", text, err);
			ret = vsx_rule_table_add(t, &r, NULL, NULL, err, sizeof(err));
			/* shapes past the 32nd mask are refused: keep the others */
			if (ret == -ENOSPC)
				refused++;
			else if (ret)
				fail_msg("adding \"%s\": %s", text, err);
		}
		rules += vsx_rule_table_count(t);
		compare(&g, t, 2000, &st);

		/* delete a third at random and compare again */
		for (__u32 id = 1; id <= vsx_rule_table_max_rules(t); id++)
			if (vsx_rule_table_get(t, id) && rnd(&g, 3) == 0)
				vsx_rule_table_del(t, id);
		compare(&g, t, 2000, &st);
		vsx_rule_table_free(t);
	}
	print_message("# %u rules (%u refused: mask limit), %u keys, %u matched, %u ties, "
		      "%u early exits\n",
		      rules, refused, st.keys, st.hits, st.ties, st.early);
	/* the test means something only if keys hit and miss, tie, and stop early */
	assert_true(rules > 6000);
	assert_true(st.hits > st.keys / 10 && st.hits < st.keys * 95 / 100);
	assert_true(st.ties > st.hits / 20);
	assert_true(st.early > st.hits / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),      cmocka_unit_test(test_grouping),
	    cmocka_unit_test(test_order_ties), cmocka_unit_test(test_shadowed),
	    cmocka_unit_test(test_early_exit), cmocka_unit_test(test_mask_limit),
	    cmocka_unit_test(test_one_shape),  cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
