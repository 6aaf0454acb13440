// SPDX-License-Identifier: MIT
/*
 * The rule table: ids, OpenFlow add/replace, strict and loose delete, modify, limits (rules,
 * masks per direction), iteration, and the reference lookup.
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

#include "rule_table.h"
#include "rule_text.h"

static void rule(const char *text, struct vsx_rule *r)
{
	char err[256];

	if (vsx_rule_parse(text, r, err, sizeof(err)))
		fail_msg("\"%s\": %s", text, err);
}

/* Adds text, expecting a new rule (not a replacement); returns its id. */
static __u32 add(struct vsx_rule_table *t, const char *text)
{
	struct vsx_rule r;
	bool replaced = true;
	char err[256];
	__u32 id = 0;
	int ret;

	rule(text, &r);
	ret = vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err));
	if (ret)
		fail_msg("adding \"%s\": %d %s", text, ret, err);
	assert_false(replaced);
	assert_true(id > 0);
	return id;
}

static void test_ids(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	const struct vsx_rule *r;
	__u32 a, b, c;

	assert_non_null(t);
	assert_int_equal(vsx_rule_table_max_rules(t), VSX_MAX_RULES - 1);
	assert_int_equal(vsx_rule_table_count(t), 0);
	a = add(t, "tcp,tp_dst=80 actions=irq:1");
	b = add(t, "tcp,tp_dst=81 actions=irq:2");
	c = add(t, "tcp,tp_dst=82 actions=set_fcf:3");
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(vsx_rule_table_count(t), 3);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_INGRESS), 2);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_EGRESS), 1);
	assert_int_equal(vsx_rule_table_count_dir(t, 5), 0);

	r = vsx_rule_table_get(t, b);
	assert_non_null(r);
	assert_int_equal(r->id, b);
	assert_int_equal(r->action.core, 2);
	assert_null(vsx_rule_table_get(t, 0));
	assert_null(vsx_rule_table_get(t, 4));
	assert_null(vsx_rule_table_get(t, VSX_MAX_RULES + 5));

	/* the lowest free id is reused */
	assert_int_equal(vsx_rule_table_del(t, a), 0);
	assert_int_equal(vsx_rule_table_del(t, a), -ENOENT);
	assert_int_equal(vsx_rule_table_del(t, 0), -ENOENT);
	assert_int_equal(vsx_rule_table_del(t, 99999), -ENOENT);
	assert_null(vsx_rule_table_get(t, a));
	assert_int_equal(add(t, "udp actions=irq:1"), 1);
	assert_int_equal(add(t, "udp6 actions=irq:1"), 4);

	assert_null(vsx_rule_table_new(VSX_MAX_RULES));
	vsx_rule_table_free(t);
	vsx_rule_table_free(NULL);
}

static void test_add_replace(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_rule r;
	bool replaced = false;
	char err[256];
	__u32 id = 0, first;
	__u64 gen;

	first = add(t, "priority=10,tcp,tp_dst=80 actions=irq:1");
	gen = vsx_rule_table_gen(t);

	/* same match and priority, written differently: replaces the action, keeps the id */
	rule("tp_dst=80,tcp,priority=10,cookie=7 actions=irq:auto", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err)), 0);
	assert_true(replaced);
	assert_int_equal(id, first);
	assert_int_equal(vsx_rule_table_count(t), 1);
	assert_int_equal(vsx_rule_table_get(t, id)->action.kind, VSX_ACT_IRQ_AUTO);
	assert_int_equal(vsx_rule_table_get(t, id)->cookie, 7);
	assert_true(vsx_rule_table_gen(t) > gen);

	/* another priority is another rule */
	rule("priority=11,tcp,tp_dst=80 actions=irq:2", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err)), 0);
	assert_false(replaced);
	assert_int_equal(id, 2);

	/* replacing across directions moves the rule (and its mask) */
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), 1);
	rule("priority=10,tcp,tp_dst=80 actions=set_fcf:9", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err)), 0);
	assert_true(replaced);
	assert_int_equal(id, first);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_INGRESS), 1);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_EGRESS), 1);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), 1);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_EGRESS), 1);

	/* an invalid rule is refused by the same validator as the parser's */
	vsx_rule_init(&r);
	r.action.kind = VSX_ACT_IRQ_CORE;
	r.mask.tp_dst = 0xffff;
	r.key.tp_dst = htons(1);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tp_dst: requires nw_proto (tcp, udp, icmp or icmp6)");
	assert_int_equal(vsx_rule_table_count(t), 2);

	/* NULL outputs are fine */
	rule("arp actions=irq:3", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, NULL, NULL, NULL, 0), 0);
	assert_int_equal(vsx_rule_table_count(t), 3);

	vsx_rule_table_free(t);
}

static void test_modify(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_rule_action a = {.kind = VSX_ACT_IRQ_CORE, .core = 5};
	char err[256];
	__u32 id = add(t, "vm_id=3 actions=irq:1");

	assert_int_equal(vsx_rule_table_modify(t, id, &a, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_table_get(t, id)->action.core, 5);
	assert_int_equal(vsx_rule_table_modify(t, id + 1, &a, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no rule 2");
	/* the validator applies: an egress rule cannot match the FCF */
	a.kind = VSX_ACT_SET_FCF;
	a.core = 0;
	a.fcf = 1;
	assert_int_equal(vsx_rule_table_modify(t, id, &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm_id: an egress (set_fcf) rule cannot match the FCF it writes");
	assert_int_equal(vsx_rule_table_get(t, id)->action.kind, VSX_ACT_IRQ_CORE);
	a.kind = VSX_ACT_IRQ_CORE;
	a.core = VSX_MAX_CPUS;
	a.fcf = 0;
	assert_int_equal(vsx_rule_table_modify(t, id, &a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "irq: core 256 out of range (0..255)");
	vsx_rule_table_free(t);
}

static void test_delete(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_rule m;
	__u32 id = 0;

	add(t, "priority=5,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=irq:1");
	add(t, "priority=6,tcp,nw_dst=10.0.0.2,tp_dst=80 actions=irq:1");
	add(t, "cookie=0x100,udp,nw_dst=10.0.0.3 actions=irq:1");
	add(t, "cookie=0x101,udp,nw_dst=10.1.0.3 actions=irq:1");
	add(t, "ipv6 actions=irq:1");
	add(t, "arp actions=set_fcf:1");

	/* strict: match and priority, action ignored */
	rule("priority=5,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=irq:auto", &m);
	assert_non_null(vsx_rule_table_find_strict(t, &m));
	assert_int_equal(vsx_rule_table_del_strict(t, &m, &id), 0);
	assert_int_equal(id, 1);
	assert_null(vsx_rule_table_find_strict(t, &m));
	assert_int_equal(vsx_rule_table_del_strict(t, &m, &id), -ENOENT);
	rule("priority=7,tcp,nw_dst=10.0.0.2,tp_dst=80 actions=irq:1", &m);
	assert_int_equal(vsx_rule_table_del_strict(t, &m, NULL), -ENOENT);

	/* loose: everything at least as specific, any priority */
	rule("ip,nw_dst=10.0.0.0/16 actions=irq:1", &m);
	m.cookie = 0x100;
	assert_int_equal(vsx_rule_table_del_loose(t, &m, ~0ULL), 1); /* cookie 0x100 only */
	assert_int_equal(vsx_rule_table_count(t), 4);
	assert_int_equal(vsx_rule_table_del_loose(t, &m, 0), 1); /* the tcp one */
	assert_int_equal(vsx_rule_table_count(t), 3);
	rule("ip actions=irq:1", &m);
	assert_int_equal(vsx_rule_table_del_loose(t, &m, 0), 1);
	rule("actions=irq:1", &m);
	assert_int_equal(vsx_rule_table_del_loose(t, &m, 0), 2); /* both directions */
	assert_int_equal(vsx_rule_table_count(t), 0);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), 0);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_EGRESS), 0);

	/* clear */
	add(t, "tcp actions=irq:1");
	add(t, "udp actions=irq:1");
	vsx_rule_table_clear(t);
	assert_int_equal(vsx_rule_table_count(t), 0);
	assert_null(vsx_rule_table_next(t, 0));
	assert_int_equal(add(t, "udp actions=irq:1"), 1);
	vsx_rule_table_free(t);
}

static void test_iterate(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(100);
	const struct vsx_rule *r;
	char text[128];
	__u32 n = 0, last = 0;

	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "tcp,tp_dst=%d actions=irq:1", i);
		add(t, text);
	}
	/* delete the odd ids while iterating */
	vsx_rule_table_for_each(t, r)
	{
		assert_true(r->id > last);
		last = r->id;
		if (r->id % 2)
			assert_int_equal(vsx_rule_table_del(t, r->id), 0);
	}
	vsx_rule_table_for_each(t, r)
	{
		assert_int_equal(r->id % 2, 0);
		n++;
	}
	assert_int_equal(n, 25);
	assert_int_equal(vsx_rule_table_count(t), 25);
	assert_null(vsx_rule_table_next(t, 100));
	assert_null(vsx_rule_table_next(t, 0xffffffff));
	vsx_rule_table_free(t);
}

static void test_full(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(8);
	struct vsx_rule r;
	bool replaced;
	char err[256];
	__u32 id;

	for (int i = 0; i < 8; i++) {
		char text[64];

		snprintf(text, sizeof(text), "udp,tp_src=%d actions=irq:1", i);
		add(t, text);
	}
	rule("udp,tp_src=8 actions=irq:1", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "rule table full (8 rules)");
	/* replacing still works when full */
	rule("udp,tp_src=7 actions=irq:2", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, &replaced, err, sizeof(err)), 0);
	assert_true(replaced);
	assert_int_equal(id, 8);
	vsx_rule_table_free(t);
}

static void test_masks_limit(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_rule r;
	char text[128], err[256];
	__u32 ids[VSX_MAX_MASKS], id;

	/* 32 distinct masks, two rules on each */
	for (int i = 0; i < VSX_MAX_MASKS; i++) {
		snprintf(text, sizeof(text), "tcp,tp_dst=0/0x%x actions=irq:1", i + 1);
		ids[i] = add(t, text);
		snprintf(text, sizeof(text), "priority=1,tcp,tp_dst=0/0x%x actions=irq:1", i + 1);
		add(t, text);
	}
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), VSX_MAX_MASKS);
	/* more rules on known masks are fine */
	add(t, "tcp,tp_dst=1/1 actions=irq:1");

	rule("tcp,tp_dst=0/0x21 actions=irq:1", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "too many distinct match masks (32) for ingress rules");
	/* the other direction has its own subtables */
	rule("tcp,tp_dst=0/0x21 actions=set_fcf:1", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), 0);
	/* ... but moving a rule there from egress needs room */
	r.action.kind = VSX_ACT_IRQ_AUTO;
	r.action.fcf = 0;
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), -ENOSPC);
	assert_int_equal(vsx_rule_table_get(t, id)->action.kind, VSX_ACT_SET_FCF);

	/* a mask is free again once its last rule is gone */
	assert_int_equal(vsx_rule_table_del(t, ids[5]), 0);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), VSX_MAX_MASKS);
	rule("priority=1,tcp,tp_dst=0/0x6 actions=irq:1", &r);
	assert_int_equal(vsx_rule_table_del_strict(t, &r, NULL), 0);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), VSX_MAX_MASKS - 1);
	rule("tcp,tp_dst=0/0x21 actions=irq:1", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), VSX_MAX_MASKS);
	vsx_rule_table_free(t);
}

/* All VSX_MAX_RULES - 1 rules, then one more. */
static void test_capacity(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_rule r;
	char err[256];
	__u32 id;

	rule("udp,nw_dst=10.0.0.0,tp_dst=0 actions=irq:1", &r);
	for (__u32 i = 0; i < VSX_MAX_RULES - 1; i++) {
		r.key.nw_dst[0] = htonl(0x0a000000 + (i >> 8));
		r.key.tp_dst = htons((__u16)(i & 0xff));
		assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), 0);
		assert_int_equal(id, i + 1);
	}
	assert_int_equal(vsx_rule_table_count(t), VSX_MAX_RULES - 1);
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), 1);
	r.key.tp_dst = htons(0xffff);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), -ENOSPC);
	/* every one is found again by its match */
	for (__u32 i = 0; i < VSX_MAX_RULES - 1; i += 97) {
		const struct vsx_rule *f;

		r.key.nw_dst[0] = htonl(0x0a000000 + (i >> 8));
		r.key.tp_dst = htons((__u16)(i & 0xff));
		f = vsx_rule_table_find_strict(t, &r);
		assert_non_null(f);
		assert_int_equal(f->id, i + 1);
	}
	/* delete all by strict match (exercises the hash's removal) */
	for (__u32 i = 0; i < VSX_MAX_RULES - 1; i++) {
		r.key.nw_dst[0] = htonl(0x0a000000 + (i >> 8));
		r.key.tp_dst = htons((__u16)(i & 0xff));
		assert_int_equal(vsx_rule_table_del_strict(t, &r, &id), 0);
		assert_int_equal(id, i + 1);
	}
	assert_int_equal(vsx_rule_table_count(t), 0);
	vsx_rule_table_free(t);
}

static void key_ip(struct vsx_flow_key *k, __u8 proto, __u32 dst, __u16 dport)
{
	memset(k, 0, sizeof(*k));
	k->dl_type = htons(0x0800);
	k->nw_proto = proto;
	k->nw_dst[0] = htonl(dst);
	k->tp_dst = htons(dport);
}

static void test_lookup(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	const struct vsx_rule *r;
	struct vsx_flow_key k;
	__u32 low, high, web, any, eg;

	low = add(t, "priority=1,ip actions=irq:1");
	high = add(t, "priority=100,tcp,tp_dst=80 actions=irq:2");
	web = add(t, "priority=50,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=irq:3");
	eg = add(t, "priority=1000,ip actions=set_fcf:4");

	key_ip(&k, 6, 0x0a000001, 80);
	r = vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k);
	assert_non_null(r);
	assert_int_equal(r->id, high);
	key_ip(&k, 6, 0x0a000001, 81);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, low);
	key_ip(&k, 17, 0x0a000001, 80);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, low);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_EGRESS, &k)->id, eg);
	k.dl_type = htons(0x86dd);
	assert_null(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k));
	assert_null(vsx_rule_table_lookup(t, 9, &k));
	(void)web;

	/*
	 * Ties: equal priority, two masks with the same max priority -> the subtable with more
	 * mask bits comes first and wins.
	 */
	vsx_rule_table_clear(t);
	any = add(t, "priority=7,tcp actions=irq:1");
	web = add(t, "priority=7,tcp,tp_dst=80 actions=irq:2");
	key_ip(&k, 6, 1, 80);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, web);
	/* raise the less specific subtable's max priority: it now comes first, and wins ties */
	add(t, "priority=9,tcp,nw_proto=6 actions=irq:9"); /* same match as `any`: new prio */
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, 3);
	assert_int_equal(vsx_rule_table_del(t, 3), 0);
	assert_int_equal(vsx_rule_table_lookup(t, VSX_DIR_INGRESS, &k)->id, web);
	(void)any;
	vsx_rule_table_free(t);
}

/* Transactions: an undo log back to the exact table, savepoints, ids held until the end. */
static void test_txn(void **state)
{
	struct vsx_rule_table *t = vsx_rule_table_new(8);
	struct vsx_rule r;
	char err[256];
	__u64 gen;
	size_t sp;
	__u32 id;

	assert_non_null(t);
	add(t, "tcp,tp_dst=80 actions=irq:1");			    /* 1 */
	add(t, "priority=5,udp actions=irq:auto");		    /* 2 */
	add(t, "vni=9,dl_src=52:54:00:00:00:01 actions=set_fcf:2"); /* 3 */
	gen = vsx_rule_table_gen(t);

	assert_int_equal(vsx_rule_table_begin(t), 0);
	assert_int_equal(vsx_rule_table_begin(t), -EBUSY);
	assert_true(vsx_rule_table_in_txn(t));
	assert_int_equal(vsx_rule_table_del(t, 1), 0);
	/* a deleted id is held: the next rule gets 4 */
	assert_int_equal(add(t, "icmp actions=irq:2"), 4);
	sp = vsx_rule_table_savepoint(t);
	assert_int_equal(sp, 2);
	/* a direction change: ingress -> egress */
	struct vsx_rule_action fcf = {.kind = VSX_ACT_SET_FCF, .fcf = 0x05};
	assert_int_equal(vsx_rule_table_modify(t, 2, &fcf, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_EGRESS), 2);
	vsx_rule_table_clear(t);
	assert_int_equal(vsx_rule_table_count(t), 0);
	assert_int_equal(vsx_rule_table_n_changes(t), 6);
	assert_int_equal(vsx_rule_table_change(t, 0)->op, VSX_RULE_DELETED);
	assert_int_equal(vsx_rule_table_change(t, 0)->old.action.core, 1);
	assert_int_equal(vsx_rule_table_change(t, 1)->op, VSX_RULE_ADDED);
	assert_int_equal(vsx_rule_table_change(t, 2)->op, VSX_RULE_CHANGED);

	/* back to the savepoint: rule 2 ingress again, 4 still there, 1 still gone */
	vsx_rule_table_rollback_to(t, sp);
	assert_int_equal(vsx_rule_table_count(t), 3);
	assert_int_equal(vsx_rule_table_get(t, 2)->action.kind, VSX_ACT_IRQ_AUTO);
	assert_int_equal(vsx_rule_table_count_dir(t, VSX_DIR_EGRESS), 1);
	assert_non_null(vsx_rule_table_get(t, 4));
	assert_null(vsx_rule_table_get(t, 1));

	/* all the way back: exactly the old table, generation included */
	vsx_rule_table_rollback(t);
	assert_false(vsx_rule_table_in_txn(t));
	assert_int_equal(vsx_rule_table_gen(t), gen);
	assert_int_equal(vsx_rule_table_count(t), 3);
	assert_int_equal(vsx_rule_table_get(t, 1)->action.core, 1);
	assert_null(vsx_rule_table_get(t, 4));
	assert_int_equal(vsx_rule_table_n_masks(t, VSX_DIR_INGRESS), 2);
	rule("tcp,tp_dst=80 actions=irq:9", &r);
	assert_int_equal(vsx_rule_table_find_strict(t, &r)->id, 1);

	/* commit: held ids become free again, the lowest first */
	assert_int_equal(vsx_rule_table_begin(t), 0);
	assert_int_equal(vsx_rule_table_del(t, 1), 0);
	assert_int_equal(vsx_rule_table_del(t, 2), 0);
	vsx_rule_table_commit(t);
	assert_int_equal(vsx_rule_table_n_changes(t), 0);
	assert_int_equal(add(t, "icmp6 actions=irq:2"), 1);
	assert_int_equal(add(t, "sctp actions=irq:2"), 2);

	/* in a transaction, held ids count as taken: a table of 8 with 5 held and 3 used is full */
	for (int i = 0; i < 5; i++) {
		char text[64];

		snprintf(text, sizeof(text), "udp,tp_dst=%d actions=irq:1", 100 + i);
		add(t, text);
	}
	assert_int_equal(vsx_rule_table_count(t), 8);
	assert_int_equal(vsx_rule_table_begin(t), 0);
	for (__u32 i = 4; i <= 8; i++)
		assert_int_equal(vsx_rule_table_del(t, i), 0);
	rule("ip actions=irq:1", &r);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "deleted in this change"));
	vsx_rule_table_commit(t);
	assert_int_equal(vsx_rule_table_add(t, &r, &id, NULL, err, sizeof(err)), 0);
	assert_int_equal(id, 4);
	vsx_rule_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),		cmocka_unit_test(test_add_replace),
	    cmocka_unit_test(test_modify),	cmocka_unit_test(test_delete),
	    cmocka_unit_test(test_iterate),	cmocka_unit_test(test_full),
	    cmocka_unit_test(test_masks_limit), cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_lookup),	cmocka_unit_test(test_txn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
