// SPDX-License-Identifier: MIT
/*
 * The flow_mod door (lib/flow_mod.c): OpenFlow 1.3 command semantics (add/replace, overlap,
 * modify and delete, strict and not, cookies), the installer hooks and their order, atomicity
 * (a fake installer that fails at a chosen install: table and "datapath" unchanged, for every
 * command and across both directions), batches, timeouts, and the normaliser as a binary
 * decoder would use it.
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

#include "flow_mod.h"
#include "rule_text.h"

/* ---- the fake datapath ---- */

struct fake_dir {
	__u32 n_masks;
	struct vsx_cls_mask masks[VSX_MAX_MASKS];
	__u32 n_entries;
	struct vsx_cls_entry entries[64];
};

struct fake {
	struct fake_dir dir[VSX_DIR_COUNT];
	int installs;	/* install calls so far */
	int fail_at;	/* the install call that fails (1 = the next one); 0 = none */
	int fail_count; /* how many calls fail from fail_at on */
	char events[1024];
};

static void event(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(struct fake *f, const char *fmt, ...)
{
	size_t n = strlen(f->events);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->events + n, sizeof(f->events) - n, fmt, ap);
	va_end(ap);
}

static int fake_install(void *ctx, int dir, const struct vsx_classifier *c)
{
	struct fake *f = ctx;
	struct fake_dir *d = &f->dir[dir];

	f->installs++;
	if (f->fail_at && f->installs >= f->fail_at && f->installs < f->fail_at + f->fail_count) {
		event(f, "install-%s-fail ", vsx_rule_dir_name(dir));
		return -EIO;
	}
	assert_true(c->n_entries <= 64);
	memset(d, 0, sizeof(*d));
	d->n_masks = c->n_masks;
	memcpy(d->masks, c->masks, sizeof(d->masks));
	d->n_entries = c->n_entries;
	memcpy(d->entries, c->entries, c->n_entries * sizeof(*c->entries));
	event(f, "install-%s ", vsx_rule_dir_name(dir));
	return 0;
}

static void fake_reset_decision(void *ctx, const struct vsx_rule *r)
{
	event(ctx, "decision-%u ", r->id);
}

static void fake_reset_counters(void *ctx, const struct vsx_rule *r)
{
	event(ctx, "counters-%u ", r->id);
}

static void fake_release(void *ctx, const struct vsx_rule *old)
{
	event(ctx, "release-%u ", old->id);
}

static void fake_removed(void *ctx, const struct vsx_rule *old, int reason)
{
	event(ctx, "removed-%u/%d ", old->id, reason);
}

static struct fake fk;
static const struct vsx_rule_installer inst = {
    .ctx = &fk,
    .install = fake_install,
    .reset_decision = fake_reset_decision,
    .reset_counters = fake_reset_counters,
    .release = fake_release,
    .removed = fake_removed,
};

/* ---- helpers ---- */

static void fm_text(struct vsx_flow_mod *fm, int command, const char *text)
{
	struct vsx_rule r;
	char err[256];

	if (vsx_rule_parse(text, &r, err, sizeof(err)))
		fail_msg("\"%s\": %s", text, err);
	r.origin = VSX_ORIGIN_TEST;
	vsx_flow_mod_from_rule(fm, command, &r);
}

static int apply(struct vsx_rule_table *t, int command, const char *text, __u16 flags,
		 struct vsx_flow_mod_result *res)
{
	struct vsx_flow_mod fm;
	char err[256] = "";

	fm_text(&fm, command, text);
	fm.flags = flags;
	return vsx_flow_mod_apply(t, &inst, &fm, res, err, sizeof(err));
}

static __u32 add_ok(struct vsx_rule_table *t, const char *text)
{
	struct vsx_flow_mod_result res;
	int rc = apply(t, VSX_FMC_ADD, text, 0, &res);

	if (rc)
		fail_msg("adding \"%s\": %d", text, rc);
	return res.id;
}

/* The table as text: every rule with id, origin, cookie, timeouts, flags. */
static void dump(const struct vsx_rule_table *t, char *buf, size_t len)
{
	const struct vsx_rule *r;
	size_t n = 0;

	buf[0] = '\0';
	vsx_rule_table_for_each(t, r)
	{
		char text[VSX_RULE_TEXT_MAX];

		vsx_rule_format(r, text, sizeof(text));
		n += (size_t)snprintf(buf + n, len - n, "%u %s %u/%u/%u %s\n", r->id,
				      vsx_rule_origin_name(r->origin), r->idle_timeout,
				      r->hard_timeout, r->flags, text);
		assert_true(n < len);
	}
}

static struct vsx_rule_table *setup_table(void)
{
	struct vsx_rule_table *t = vsx_rule_table_new(0);

	assert_non_null(t);
	memset(&fk, 0, sizeof(fk));
	return t;
}

static void clear_events(void)
{
	fk.events[0] = '\0';
}

/* ---- semantics ---- */

static void test_add_replace(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	char err[256];

	assert_int_equal(apply(t, VSX_FMC_ADD, "tcp,tp_dst=80 actions=irq:1", 0, &res), 0);
	assert_int_equal(res.id, 1);
	assert_int_equal(res.n_added, 1);
	assert_false(res.replaced);
	/* new rule: fresh state before the install that makes it reachable; only ingress */
	assert_string_equal(fk.events, "decision-1 counters-1 install-ingress ");
	assert_int_equal(fk.dir[VSX_DIR_INGRESS].n_entries, 1);

	/* identical match and priority: replaced, same id, counters kept */
	clear_events();
	fm_text(&fm, VSX_FMC_ADD, "cookie=0x5,tcp,tp_dst=80 actions=irq:2");
	fm.idle_timeout = 7;
	fm.origin = VSX_ORIGIN_OPENFLOW;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(res.id, 1);
	assert_true(res.replaced);
	assert_int_equal(res.n_modified, 1);
	assert_string_equal(fk.events, "install-ingress ");
	const struct vsx_rule *r = vsx_rule_table_get(t, 1);
	assert_int_equal(r->action.core, 2);
	assert_int_equal(r->cookie, 5);
	assert_int_equal(r->idle_timeout, 7);
	assert_int_equal(r->origin, VSX_ORIGIN_OPENFLOW);

	/* with RESET_COUNTS: counters zeroed after the install */
	clear_events();
	assert_int_equal(
	    apply(t, VSX_FMC_ADD, "tcp,tp_dst=80 actions=irq:3", VSX_RULE_F_RESET_COUNTS, &res), 0);
	assert_string_equal(fk.events, "install-ingress counters-1 ");
	clear_events();
	assert_int_equal(
	    apply(t, VSX_FMC_ADD, "tcp,tp_dst=80 actions=irq:3", VSX_RULE_F_RESET_COUNTS, &res), 0);
	/* same action: the datapath needs nothing, the counters still restart */
	assert_string_equal(fk.events, "counters-1 ");

	/* irq:N -> irq:auto starts undecided (before the install); irq:auto -> irq:N releases */
	clear_events();
	apply(t, VSX_FMC_ADD, "tcp,tp_dst=80 actions=irq:auto", 0, &res);
	assert_string_equal(fk.events, "decision-1 install-ingress ");
	clear_events();
	apply(t, VSX_FMC_ADD, "tcp,tp_dst=80 actions=set_fcf:3", 0, &res);
	/* irq:auto -> set_fcf: both directions change */
	assert_string_equal(fk.events, "install-ingress install-egress release-1 ");
	assert_int_equal(fk.dir[VSX_DIR_INGRESS].n_entries, 0);
	assert_int_equal(fk.dir[VSX_DIR_EGRESS].n_entries, 1);

	/* bad command, flags, action */
	fm_text(&fm, VSX_FMC_ADD, "udp actions=irq:1");
	fm.command = 9;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown flow_mod command 9");
	assert_int_equal(res.failed, VSX_FMF_BAD_COMMAND);
	fm.command = VSX_FMC_ADD;
	fm.flags = 0x8;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unsupported flow_mod flags 0x0008");
	assert_int_equal(res.failed, VSX_FMF_BAD_FLAGS);
	fm.flags = 0;
	fm.action.core = 999;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_int_equal(res.failed, VSX_FMF_BAD_ACTION);
	fm.action.core = 1;
	fm.mask.nw_src[0] = 0xffffffff; /* udp's dl_type is IPv4, but the key... */
	fm.key.nw_src[0] = 0x0100000a;
	fm.mask.dl_type = 0; /* ... no longer says so: a missing prerequisite */
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_int_equal(res.failed, VSX_FMF_BAD_MATCH);
	assert_int_equal(vsx_rule_table_count(t), 1);
	vsx_rule_table_free(t);

	/* a full table */
	t = vsx_rule_table_new(1);
	add_ok(t, "udp actions=irq:1");
	assert_int_equal(apply(t, VSX_FMC_ADD, "tcp actions=irq:1", 0, &res), -ENOSPC);
	assert_int_equal(res.failed, VSX_FMF_TABLE_FULL);
	vsx_rule_table_free(t);
}

static void test_overlap(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	const __u16 co = VSX_RULE_F_CHECK_OVERLAP;

	add_ok(t, "priority=10,tcp,nw_dst=10.0.0.0/8 actions=irq:1");
	/* a packet to 10.1.1.1:80 matches both, same priority */
	assert_int_equal(apply(t, VSX_FMC_ADD, "priority=10,tcp,tp_dst=80 actions=irq:2", co, &res),
			 -EEXIST);
	assert_int_equal(res.failed, VSX_FMF_OVERLAP);
	assert_int_equal(vsx_rule_table_count(t), 1);
	/* the identical rule overlaps too (without the flag it would be replaced) */
	assert_int_equal(
	    apply(t, VSX_FMC_ADD, "priority=10,tcp,nw_dst=10.0.0.0/8 actions=irq:3", co, &res),
	    -EEXIST);
	/* another priority, disjoint values, or another protocol: no overlap */
	assert_int_equal(apply(t, VSX_FMC_ADD, "priority=11,tcp,tp_dst=80 actions=irq:2", co, &res),
			 0);
	assert_int_equal(
	    apply(t, VSX_FMC_ADD, "priority=10,tcp,nw_dst=11.0.0.0/8 actions=irq:2", co, &res), 0);
	assert_int_equal(apply(t, VSX_FMC_ADD, "priority=10,udp actions=irq:2", co, &res), 0);
	/* an egress rule is never classified with the ingress ones */
	assert_int_equal(
	    apply(t, VSX_FMC_ADD, "priority=10,tcp,tp_dst=80 actions=set_fcf:1", co, &res), 0);
	assert_int_equal(vsx_rule_table_count(t), 5);
	vsx_rule_table_free(t);
}

static void test_modify(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	char err[256], before[2048], after[2048];

	add_ok(t, "cookie=0x11,priority=10,tcp,tp_dst=80 actions=irq:1");
	add_ok(t, "cookie=0x12,priority=20,tcp,tp_dst=81 actions=irq:1");
	add_ok(t, "cookie=0x21,priority=30,udp actions=irq:1");

	/* non-strict: every rule "tcp" covers, whatever its priority */
	clear_events();
	assert_int_equal(apply(t, VSX_FMC_MODIFY, "tcp actions=irq:5", 0, &res), 0);
	assert_int_equal(res.n_modified, 2);
	assert_int_equal(vsx_rule_table_get(t, 1)->action.core, 5);
	assert_int_equal(vsx_rule_table_get(t, 2)->action.core, 5);
	assert_int_equal(vsx_rule_table_get(t, 3)->action.core, 1);
	assert_int_equal(vsx_rule_table_get(t, 1)->cookie, 0x11); /* cookie stays */
	assert_string_equal(fk.events, "install-ingress ");

	/* cookie-masked: only cookies 0x1? */
	fm_text(&fm, VSX_FMC_MODIFY, "actions=irq:6");
	fm.cookie = 0x10;
	fm.cookie_mask = 0xf0;
	fm.flags = VSX_RULE_F_RESET_COUNTS;
	clear_events();
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(res.n_modified, 2);
	assert_int_equal(vsx_rule_table_get(t, 3)->action.core, 1);
	assert_string_equal(fk.events, "install-ingress counters-1 counters-2 ");

	/* strict: match and priority exactly */
	assert_int_equal(apply(t, VSX_FMC_MODIFY_STRICT, "tcp,tp_dst=80 actions=irq:7", 0, &res),
			 0);
	assert_int_equal(res.n_modified, 0); /* priority 32768 is not 10 */
	assert_int_equal(
	    apply(t, VSX_FMC_MODIFY_STRICT, "priority=10,tcp,tp_dst=80 actions=irq:7", 0, &res), 0);
	assert_int_equal(res.n_modified, 1);
	assert_int_equal(vsx_rule_table_get(t, 1)->action.core, 7);

	/* nothing matches: no error, no change, nothing installed */
	dump(t, before, sizeof(before));
	clear_events();
	assert_int_equal(apply(t, VSX_FMC_MODIFY, "icmp actions=irq:7", 0, &res), 0);
	assert_int_equal(res.n_modified, 0);
	assert_string_equal(fk.events, "");
	/* a bad action is refused even when nothing would match */
	assert_int_equal(apply(t, VSX_FMC_MODIFY, "icmp actions=irq:7", 0, &res), 0);
	fm_text(&fm, VSX_FMC_MODIFY, "icmp actions=irq:7");
	fm.action.core = 300;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_int_equal(res.failed, VSX_FMF_BAD_ACTION);

	/* one selected rule cannot take the action (an egress rule cannot match vm_id): none do */
	add_ok(t, "priority=40,vni=5,vm_id=3 actions=irq:1");
	dump(t, before, sizeof(before));
	assert_int_equal(apply(t, VSX_FMC_MODIFY, "actions=set_fcf:2", 0, &res), -EINVAL);
	assert_int_equal(res.failed, VSX_FMF_BAD_ACTION);
	assert_int_equal(res.n_modified, 0);
	dump(t, after, sizeof(after));
	assert_string_equal(before, after);

	/* modify sets the origin of what it changed */
	fm_text(&fm, VSX_FMC_MODIFY, "udp actions=irq:9");
	fm.origin = VSX_ORIGIN_OPENFLOW;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_table_get(t, 3)->origin, VSX_ORIGIN_OPENFLOW);
	vsx_rule_table_free(t);
}

static void test_delete(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	char err[256];

	add_ok(t, "cookie=0x1,priority=10,tcp,tp_dst=80 actions=irq:auto");
	add_ok(t, "cookie=0x2,priority=20,tcp,tp_dst=81 actions=irq:1");
	add_ok(t, "cookie=0x3,priority=30,udp actions=irq:1");
	add_ok(t, "cookie=0x4,vni=7 actions=set_fcf:1");

	/* strict needs the priority */
	clear_events();
	assert_int_equal(apply(t, VSX_FMC_DELETE_STRICT, "tcp,tp_dst=80 actions=irq:1", 0, &res),
			 0);
	assert_int_equal(res.n_deleted, 0);
	assert_string_equal(fk.events, "");
	assert_int_equal(
	    apply(t, VSX_FMC_DELETE_STRICT, "priority=10,tcp,tp_dst=80 actions=irq:1", 0, &res), 0);
	assert_int_equal(res.n_deleted, 1);
	/* an irq:auto rule gives its decision back once the new classifier runs */
	assert_string_equal(fk.events, "install-ingress release-1 removed-1/0 ");

	/* cookie-filtered loose delete: cookie 0x2 only */
	fm_text(&fm, VSX_FMC_DELETE, "actions=irq:1");
	fm.cookie = 2;
	fm.cookie_mask = ~0ULL;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(res.n_deleted, 1);
	assert_null(vsx_rule_table_get(t, 2));

	/* an empty match deletes everything, both directions */
	clear_events();
	assert_int_equal(apply(t, VSX_FMC_DELETE, "actions=irq:1", 0, &res), 0);
	assert_int_equal(res.n_deleted, 2);
	assert_int_equal(vsx_rule_table_count(t), 0);
	assert_string_equal(fk.events, "install-ingress install-egress removed-3/0 removed-4/0 ");

	/* a match that is not valid as a selection: refused */
	memset(&fm, 0, sizeof(fm));
	fm.command = VSX_FMC_DELETE;
	fm.mask.tp_dst = 0xffff;
	fm.key.tp_dst = htons(80);
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tp_dst"));
	assert_int_equal(res.failed, VSX_FMF_BAD_MATCH);
	vsx_rule_table_free(t);
}

/* ---- atomicity ---- */

struct snap {
	char table[4096];
	struct fake_dir dp[VSX_DIR_COUNT];
	__u64 gen;
};

static void snap_take(const struct vsx_rule_table *t, struct snap *s)
{
	dump(t, s->table, sizeof(s->table));
	memcpy(s->dp, fk.dir, sizeof(s->dp));
	s->gen = vsx_rule_table_gen(t);
}

static void snap_check(const struct vsx_rule_table *t, const struct snap *s)
{
	struct snap now;

	snap_take(t, &now);
	assert_string_equal(now.table, s->table);
	assert_memory_equal(now.dp, s->dp, sizeof(now.dp));
	assert_int_equal(now.gen, s->gen);
}

static void base_rules(struct vsx_rule_table *t)
{
	add_ok(t, "priority=10,tcp,tp_dst=80 actions=irq:auto");
	add_ok(t, "priority=20,udp actions=irq:1");
	add_ok(t, "vni=7 actions=set_fcf:1");
}

/* Every command, failing at its (first) install: nothing changed, no post-install hook. */
static void test_rollback_each_command(void **state)
{
	static const struct {
		int command;
		const char *text;
		__u16 flags;
	} cases[] = {
	    {VSX_FMC_ADD, "priority=30,icmp actions=irq:2", 0},		 /* new */
	    {VSX_FMC_ADD, "priority=10,tcp,tp_dst=80 actions=irq:2", 0}, /* replaces, auto -> N */
	    {VSX_FMC_ADD, "priority=20,udp actions=irq:3", VSX_RULE_F_RESET_COUNTS},
	    {VSX_FMC_MODIFY, "ip actions=irq:4", VSX_RULE_F_RESET_COUNTS},
	    {VSX_FMC_MODIFY_STRICT, "priority=20,udp actions=irq:auto", 0},
	    {VSX_FMC_DELETE, "ip actions=irq:1", 0},
	    {VSX_FMC_DELETE_STRICT, "priority=10,tcp,tp_dst=80 actions=irq:1", 0},
	    {VSX_FMC_DELETE, "actions=irq:1", 0}, /* both directions */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsx_rule_table *t = setup_table();
		struct vsx_flow_mod_result res, res2;
		struct snap before;
		char after_ok[4096];

		base_rules(t);
		snap_take(t, &before);
		clear_events();
		fk.fail_at = fk.installs + 1;
		fk.fail_count = 1;
		assert_int_equal(apply(t, cases[i].command, cases[i].text, cases[i].flags, &res),
				 -EIO);
		snap_check(t, &before);
		assert_null(strstr(fk.events, "release"));
		assert_null(strstr(fk.events, "removed"));
		assert_null(strstr(fk.events, "counters-2"));
		assert_int_equal(res.n_added + res.n_modified + res.n_deleted, 0);
		assert_int_equal(res.failed, VSX_FMF_DATAPATH);

		/* and the same command then succeeds as if the failure never happened */
		fk.fail_at = 0;
		assert_int_equal(apply(t, cases[i].command, cases[i].text, cases[i].flags, &res2),
				 0);
		dump(t, after_ok, sizeof(after_ok));
		struct vsx_rule_table *ref = setup_table();
		base_rules(ref);
		assert_int_equal(apply(ref, cases[i].command, cases[i].text, cases[i].flags, &res),
				 0);
		char ref_dump[4096];
		dump(ref, ref_dump, sizeof(ref_dump));
		assert_string_equal(after_ok, ref_dump);
		assert_int_equal(res.id, res2.id);
		vsx_rule_table_free(ref);
		vsx_rule_table_free(t);
	}
}

/* A change of both directions failing at the second install: the first goes back. */
static void test_rollback_two_directions(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	struct snap before;
	char err[256];

	base_rules(t);
	snap_take(t, &before);
	/* udp's rule from ingress to egress */
	fk.fail_at = fk.installs + 2;
	fk.fail_count = 1;
	clear_events();
	fm_text(&fm, VSX_FMC_MODIFY_STRICT, "priority=20,udp actions=set_fcf:2");
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EIO);
	assert_string_equal(fk.events, "install-ingress install-egress-fail install-ingress ");
	assert_string_equal(err, "the datapath refused the egress rules: Input/output error");
	snap_check(t, &before);

	/* the switch back fails too: said so */
	fk.fail_at = fk.installs + 2;
	fk.fail_count = 2;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "putting the ingress rules back failed too"));
	/* the table is still as before; the fake datapath kept the new ingress classifier */
	char now[4096];
	dump(t, now, sizeof(now));
	assert_string_equal(now, before.table);
	vsx_rule_table_free(t);
}

/* A build failure (too many masks) touches nothing, hooks included. */
static void test_rollback_build(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_txn tx;
	struct snap before;
	char text[128], err[256];
	int rc = 0;

	base_rules(t);
	snap_take(t, &before);
	clear_events();
	assert_int_equal(vsx_flow_txn_begin(&tx, t, &inst), 0);
	/* a batch of 40 shapes: the table refuses the 32nd ingress mask at staging */
	for (int i = 0; i < 40 && !rc; i++) {
		struct vsx_flow_mod fm;

		snprintf(text, sizeof(text), "ip,nw_dst=10.0.0.0/%d actions=irq:1", i + 1);
		fm_text(&fm, VSX_FMC_ADD, text);
		rc = vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err));
	}
	assert_int_equal(rc, -ENOSPC);
	vsx_flow_txn_abort(&tx);
	snap_check(t, &before);
	assert_string_equal(fk.events, "");
	vsx_rule_table_free(t);
}

/* Batches: ids deleted in a batch are not reused in it; a failed stage is undone alone. */
static void test_batch(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	struct vsx_flow_txn tx;
	char err[256];

	base_rules(t); /* ids 1, 2, 3 */
	clear_events();
	assert_int_equal(vsx_flow_txn_begin(&tx, t, &inst), 0);
	assert_int_equal(vsx_flow_txn_begin(&tx, t, &inst), -EBUSY);
	fm_text(&fm, VSX_FMC_DELETE_STRICT, "priority=10,tcp,tp_dst=80 actions=irq:1");
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, &res, err, sizeof(err)), 0);
	fm_text(&fm, VSX_FMC_ADD, "icmp actions=irq:2");
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(res.id, 4); /* not 1: the old classifier still sends packets to rule 1 */
	fm_text(&fm, VSX_FMC_ADD, "icmp6 actions=irq:2");
	fm.action.core = 999; /* fails alone */
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, &res, err, sizeof(err)), -EINVAL);
	fm_text(&fm, VSX_FMC_ADD, "priority=10,tcp,tp_dst=80 actions=irq:3");
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(res.id, 5);
	assert_string_equal(fk.events, ""); /* nothing reaches the datapath before the commit */
	assert_int_equal(vsx_flow_txn_commit(&tx, err, sizeof(err)), 0);
	/* one install for the batch; the new ids start fresh before it */
	assert_string_equal(fk.events,
			    "decision-4 counters-4 decision-5 counters-5 install-ingress "
			    "release-1 removed-1/0 ");
	assert_int_equal(vsx_rule_table_count(t), 4);
	/* after the batch, id 1 is free again */
	assert_int_equal(add_ok(t, "sctp actions=irq:1"), 1);

	/* an aborted batch leaves nothing */
	struct snap before;
	snap_take(t, &before);
	assert_int_equal(vsx_flow_txn_begin(&tx, t, &inst), 0);
	fm_text(&fm, VSX_FMC_DELETE, "actions=irq:1");
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, &res, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_table_count(t), 0);
	vsx_flow_txn_abort(&tx);
	snap_check(t, &before);

	/* install_all: both directions even when one did not change (vsxd's start) */
	clear_events();
	assert_int_equal(vsx_flow_txn_begin(&tx, t, &inst), 0);
	tx.install_all = true;
	assert_int_equal(vsx_flow_txn_commit(&tx, err, sizeof(err)), 0);
	assert_string_equal(fk.events, "install-ingress install-egress ");
	vsx_rule_table_free(t);
}

/* ---- timeouts ---- */

static __u64 hits[8];
static __u64 last_hit(void *ctx, const struct vsx_rule *r)
{
	return r->id < 8 ? hits[r->id] : 0;
}

#define S 1000000000ULL

static void test_expiry(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_rule_expiry ex[8];
	struct vsx_flow_mod fm;
	char err[256];

	memset(hits, 0, sizeof(hits));
	fm_text(&fm, VSX_FMC_ADD, "priority=1,udp actions=irq:1");
	fm.now = 100 * S;
	fm.idle_timeout = 10;
	fm.flags = VSX_RULE_F_SEND_FLOW_REM;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, NULL, err, sizeof(err)), 0); /* 1 */
	fm_text(&fm, VSX_FMC_ADD, "priority=2,udp actions=irq:1");
	fm.now = 100 * S;
	fm.hard_timeout = 30;
	fm.idle_timeout = 10;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, NULL, err, sizeof(err)), 0); /* 2 */
	add_ok(t, "priority=3,udp actions=irq:1"); /* 3: no timeouts */
	assert_int_equal(vsx_rule_table_get(t, 1)->flags, VSX_RULE_F_SEND_FLOW_REM);

	assert_int_equal(vsx_flow_expired(t, 109 * S, last_hit, NULL, ex, 8), 0);
	assert_int_equal(vsx_flow_expired(t, 110 * S, last_hit, NULL, ex, 8), 2);
	assert_int_equal(ex[0].id, 1);
	assert_int_equal(ex[0].reason, VSX_REMOVED_IDLE);
	/* packets keep rule 2 alive, but not past its hard timeout */
	hits[1] = 105 * S;
	hits[2] = 125 * S;
	assert_int_equal(vsx_flow_expired(t, 114 * S, last_hit, NULL, ex, 8), 0);
	assert_int_equal(vsx_flow_expired(t, 115 * S, last_hit, NULL, ex, 8), 1);
	assert_int_equal(ex[0].id, 1);
	assert_int_equal(vsx_flow_expired(t, 130 * S, last_hit, NULL, ex, 8), 2);
	assert_int_equal(ex[1].id, 2);
	assert_int_equal(ex[1].reason, VSX_REMOVED_HARD);
	/* max smaller than the count: the count, max written */
	assert_int_equal(vsx_flow_expired(t, 130 * S, last_hit, NULL, ex, 1), 2);

	/* a MODIFY keeps the timeouts and the start; an ADD over it restarts the hard timeout */
	fm_text(&fm, VSX_FMC_ADD, "priority=2,udp actions=irq:1");
	fm.now = 125 * S;
	fm.hard_timeout = 30;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, NULL, err, sizeof(err)), 0);
	assert_int_equal(vsx_flow_expired(t, 130 * S, last_hit, NULL, ex, 8), 1);

	clear_events();
	assert_int_equal(vsx_flow_expire(t, &inst, 130 * S, last_hit, NULL, err, sizeof(err)), 1);
	assert_string_equal(fk.events, "install-ingress removed-1/1 ");
	assert_int_equal(vsx_flow_expire(t, &inst, 155 * S, last_hit, NULL, err, sizeof(err)), 1);
	assert_null(vsx_rule_table_get(t, 2));
	assert_non_null(vsx_rule_table_get(t, 3));
	vsx_rule_table_free(t);
}

/* ---- normalisation as a binary decoder uses it ---- */

static void test_normalize(void **state)
{
	struct vsx_rule_table *t = setup_table();
	struct vsx_flow_key k = {0}, m = {0};
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	struct vsx_rule want;
	char err[256];

	assert_int_equal(vsx_rule_parse("tcp,tp_dst=80,vni=5,outer_src=2001:db8::1,dl_vlan=3 "
					"actions=irq:1",
					&want, err, sizeof(err)),
			 0);
	/* what a decoder fills in: the fields, none of the implied flag bits */
	k.dl_type = htons(0x0800);
	m.dl_type = 0xffff;
	k.nw_proto = 6;
	m.nw_proto = 0xff;
	k.tp_dst = htons(80);
	m.tp_dst = 0xffff;
	k.vni = htonl(5);
	m.vni = htonl(0xffffff);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", k.outer_src), 1);
	memset(m.outer_src, 0xff, sizeof(m.outer_src));
	k.dl_vlan_tci = htons(3);
	m.dl_vlan_tci = htons(0x0fff);
	assert_int_equal(vsx_match_normalize(&k, &m, err, sizeof(err)), 0);
	assert_memory_equal(&k, &want.key, sizeof(k));
	assert_memory_equal(&m, &want.mask, sizeof(m));
	/* idempotent */
	assert_int_equal(vsx_match_normalize(&k, &m, err, sizeof(err)), 0);
	assert_memory_equal(&m, &want.mask, sizeof(m));

	/* an IPv4 outer address: the family bit in the mask only */
	struct vsx_flow_key k4 = {0}, m4 = {0};
	k4.outer_dst[0] = htonl(0x0a000001);
	m4.outer_dst[0] = 0xffffffff;
	assert_int_equal(vsx_match_normalize(&k4, &m4, err, sizeof(err)), 0);
	assert_int_equal(m4.flags, VSX_KEY_OUTER_V6 | VSX_KEY_TUNNEL);
	assert_int_equal(k4.flags, VSX_KEY_TUNNEL);

	/* ports with "later fragments": refused */
	struct vsx_flow_key kf = k, mf = m;
	kf.flags |= VSX_KEY_FRAG | VSX_KEY_LATER_FRAG;
	mf.flags |= VSX_KEY_FRAG | VSX_KEY_LATER_FRAG;
	assert_int_equal(vsx_match_normalize(&kf, &mf, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "later fragments"));

	/* the door normalises: an un-normalised match adds the same rule, and a text delete-strict
	 * finds it */
	memset(&fm, 0, sizeof(fm));
	fm.command = VSX_FMC_ADD;
	fm.priority = VSX_RULE_DEFAULT_PRIORITY;
	fm.origin = VSX_ORIGIN_OPENFLOW;
	fm.key = want.key;
	fm.mask = want.mask;
	fm.key.flags = 0;
	fm.mask.flags = VSX_KEY_OUTER_V6; /* the decoder knew the family; VLAN and tunnel implied */
	fm.key.flags = VSX_KEY_OUTER_V6;
	fm.action = want.action;
	assert_int_equal(vsx_flow_mod_apply(t, &inst, &fm, &res, err, sizeof(err)), 0);
	assert_true(vsx_rule_match_equal(vsx_rule_table_get(t, res.id), &want));
	assert_int_equal(apply(t, VSX_FMC_DELETE_STRICT,
			       "tcp,tp_dst=80,vni=5,outer_src=2001:db8::1,dl_vlan=3 actions=irq:1",
			       0, &res),
			 0);
	assert_int_equal(res.n_deleted, 1);
	vsx_rule_table_free(t);
}

static void test_origin(void **state)
{
	for (int o = 0; o < VSX_ORIGIN_COUNT; o++)
		assert_int_equal(vsx_rule_origin_parse(vsx_rule_origin_name(o)), o);
	assert_string_equal(vsx_rule_origin_name(VSX_ORIGIN_VSXCTL), "vsxctl");
	assert_string_equal(vsx_rule_origin_name(99), "unknown");
	assert_int_equal(vsx_rule_origin_parse("runtime"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_replace),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_modify),
	    cmocka_unit_test(test_delete),
	    cmocka_unit_test(test_rollback_each_command),
	    cmocka_unit_test(test_rollback_two_directions),
	    cmocka_unit_test(test_rollback_build),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
