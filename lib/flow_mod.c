// SPDX-License-Identifier: MIT
/*
 * The flow_mod door: OpenFlow command semantics over the rule table, then one compile and
 * install per changed direction, with rollback. See flow_mod.h.
 */
#include "errmsg.h"
#include "flow_mod.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ULL

/* What the table's log does not say about a change: counters to zero, why a rule went. */
struct vsx_fm_note {
	__u32 id;
	bool reset_counts;
	int reason;
};

void vsx_flow_mod_from_rule(struct vsx_flow_mod *fm, int command, const struct vsx_rule *r)
{
	memset(fm, 0, sizeof(*fm));
	fm->command = (__u8)command;
	fm->origin = r->origin;
	fm->priority = r->priority;
	fm->flags = r->flags;
	fm->idle_timeout = r->idle_timeout;
	fm->hard_timeout = r->hard_timeout;
	fm->cookie = r->cookie;
	fm->key = r->key;
	fm->mask = r->mask;
	fm->action = r->action;
	fm->now = r->added;
}

/* ---- staging ---- */

static int add_note(struct vsx_flow_txn *tx, __u32 id, bool reset_counts, int reason)
{
	if (tx->n_notes == tx->cap_notes) {
		size_t cap = tx->cap_notes ? 2 * tx->cap_notes : 16;
		struct vsx_fm_note *p = realloc(tx->notes, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		tx->notes = p;
		tx->cap_notes = cap;
	}
	tx->notes[tx->n_notes++] = (struct vsx_fm_note){id, reset_counts, reason};
	return 0;
}

/* The rule an ADD makes, or the selection other commands use, normalised. */
static int fm_rule(const struct vsx_flow_mod *fm, struct vsx_rule *r, char *err, size_t errlen)
{
	vsx_rule_init(r);
	r->priority = fm->priority;
	r->origin = fm->origin;
	r->cookie = fm->cookie;
	r->key = fm->key;
	r->mask = fm->mask;
	r->action = fm->action;
	r->idle_timeout = fm->idle_timeout;
	r->hard_timeout = fm->hard_timeout;
	r->flags = fm->flags;
	r->added = fm->now;
	return vsx_match_normalize(&r->key, &r->mask, err, errlen);
}

static bool cookie_ok(const struct vsx_flow_mod *fm, const struct vsx_rule *r)
{
	return !((r->cookie ^ fm->cookie) & fm->cookie_mask);
}

static bool is_strict(const struct vsx_flow_mod *fm)
{
	return fm->command == VSX_FMC_MODIFY_STRICT || fm->command == VSX_FMC_DELETE_STRICT;
}

/*
 * The rules a MODIFY or DELETE selects, in id order, after rule `after` (0: from the start).
 * Strict: the one rule with this match and priority (the table's hash, not a scan, so that a
 * stream of strict deletes stays linear). The rule just changed or deleted may be `after`.
 */
static const struct vsx_rule *next_selected(const struct vsx_rule_table *t,
					    const struct vsx_flow_mod *fm,
					    const struct vsx_rule *sel, __u32 after)
{
	const struct vsx_rule *r;

	if (is_strict(fm)) {
		r = after ? NULL : vsx_rule_table_find_strict(t, sel);
		return r && cookie_ok(fm, r) ? r : NULL;
	}
	for (r = vsx_rule_table_next(t, after); r; r = vsx_rule_table_next(t, r->id))
		if (cookie_ok(fm, r) && vsx_rule_covers(sel, r))
			return r;
	return NULL;
}

static int stage_add(struct vsx_flow_txn *tx, const struct vsx_rule *r, bool reset,
		     struct vsx_flow_mod_result *res, char *err, size_t errlen)
{
	int dir = vsx_rule_direction(r);
	const struct vsx_rule *o;
	bool replaced;
	__u32 id;
	int rc;

	if (r->flags & VSX_RULE_F_CHECK_OVERLAP) {
		vsx_rule_table_for_each(tx->t, o)
		{
			if ((vsx_rule_direction(o) == dir || vsx_rule_match_equal(o, r)) &&
			    vsx_rule_overlaps(o, r))
				return vsx_errf(err, errlen, -EEXIST,
						"overlaps rule %u of the same priority %u", o->id,
						o->priority);
		}
	}
	rc = vsx_rule_table_add(tx->t, r, &id, &replaced, err, errlen);
	if (rc)
		return rc;
	/* A new rule's counters are zeroed anyway (before the install). */
	if (replaced && reset && add_note(tx, id, true, 0))
		return vsx_errf(err, errlen, -ENOMEM, "out of memory");
	res->id = id;
	res->replaced = replaced;
	if (replaced)
		res->n_modified = 1;
	else
		res->n_added = 1;
	return 0;
}

static int stage_modify(struct vsx_flow_txn *tx, const struct vsx_flow_mod *fm,
			const struct vsx_rule *sel, struct vsx_flow_mod_result *res, char *err,
			size_t errlen)
{
	bool reset = fm->flags & VSX_RULE_F_RESET_COUNTS;
	const struct vsx_rule *r;
	struct vsx_rule any;
	int rc;

	/* The action is checked even when nothing matches, as a switch checks the instructions. */
	vsx_rule_init(&any);
	any.action = fm->action;
	rc = vsx_rule_validate(&any, err, errlen);
	if (rc)
		return rc;
	for (r = next_selected(tx->t, fm, sel, 0); r; r = next_selected(tx->t, fm, sel, r->id)) {
		struct vsx_rule content;

		content = *r;
		content.action = fm->action;
		content.origin = fm->origin;
		rc = vsx_rule_table_update(tx->t, r->id, &content, err, errlen);
		if (!rc && reset && add_note(tx, r->id, true, 0))
			rc = vsx_errf(err, errlen, -ENOMEM, "out of memory");
		if (rc)
			return rc;
		res->n_modified++;
	}
	return 0;
}

static int stage_delete(struct vsx_flow_txn *tx, const struct vsx_flow_mod *fm,
			const struct vsx_rule *sel, struct vsx_flow_mod_result *res, char *err,
			size_t errlen)
{
	const struct vsx_rule *r;

	for (r = next_selected(tx->t, fm, sel, 0); r; r = next_selected(tx->t, fm, sel, r->id)) {
		if (add_note(tx, r->id, false, fm->reason) || vsx_rule_table_del(tx->t, r->id))
			return vsx_errf(err, errlen, -ENOMEM, "out of memory");
		res->n_deleted++;
	}
	return 0;
}

int vsx_flow_txn_begin(struct vsx_flow_txn *tx, struct vsx_rule_table *t,
		       const struct vsx_rule_installer *in)
{
	memset(tx, 0, sizeof(*tx));
	tx->t = t;
	tx->in = in;
	return vsx_rule_table_begin(t);
}

/* The failure a staging error stands for; `part` is what was being checked. */
static int failure_of(int rc, int part)
{
	switch (rc) {
	case -EEXIST:
		return VSX_FMF_OVERLAP;
	case -ENOSPC:
		return VSX_FMF_TABLE_FULL;
	case -ENOMEM:
		return VSX_FMF_NO_MEMORY;
	default:
		return part;
	}
}

int vsx_flow_txn_stage(struct vsx_flow_txn *tx, const struct vsx_flow_mod *fm,
		       struct vsx_flow_mod_result *res, char *err, size_t errlen)
{
	size_t savepoint = vsx_rule_table_savepoint(tx->t), notes = tx->n_notes;
	struct vsx_flow_mod_result ignored;
	int rc, part = VSX_FMF_BAD_COMMAND;
	struct vsx_rule r;

	if (!res)
		res = &ignored;
	memset(res, 0, sizeof(*res));
	rc = 0;
	if (fm->command > VSX_FMC_DELETE_STRICT)
		rc = vsx_errf(err, errlen, -EINVAL, "unknown flow_mod command %u", fm->command);
	else if (fm->origin >= VSX_ORIGIN_COUNT)
		rc = vsx_errf(err, errlen, -EINVAL, "unknown origin %u", fm->origin);
	else if (fm->reason > VSX_REMOVED_HARD)
		rc = vsx_errf(err, errlen, -EINVAL, "unknown removal reason %u", fm->reason);
	if (rc)
		goto refused;
	part = VSX_FMF_BAD_FLAGS;
	if (fm->flags & ~VSX_RULE_F_ALL) {
		rc = vsx_errf(err, errlen, -EINVAL, "unsupported flow_mod flags 0x%04x",
			      fm->flags & ~VSX_RULE_F_ALL);
		goto refused;
	}
	/* The match first, so that a later -EINVAL is the action's (or the action's with it). */
	part = VSX_FMF_BAD_MATCH;
	rc = fm_rule(fm, &r, err, errlen);
	if (!rc)
		rc = vsx_match_validate(&r.key, &r.mask, err, errlen);
	if (rc)
		goto refused;

	part = VSX_FMF_BAD_ACTION;
	switch (fm->command) {
	case VSX_FMC_ADD:
		rc = stage_add(tx, &r, fm->flags & VSX_RULE_F_RESET_COUNTS, res, err, errlen);
		break;
	case VSX_FMC_MODIFY:
	case VSX_FMC_MODIFY_STRICT:
		rc = stage_modify(tx, fm, &r, res, err, errlen);
		break;
	default:
		rc = stage_delete(tx, fm, &r, res, err, errlen);
		break;
	}
	if (rc) {
		/* A command is all or nothing: a modify that failed on its third rule keeps none.
		 */
		vsx_rule_table_rollback_to(tx->t, savepoint);
		tx->n_notes = notes;
		memset(res, 0, sizeof(*res));
		res->failed = failure_of(rc, part);
	}
	return rc;

refused:
	res->failed = part;
	return rc;
}

/* ---- commit ---- */

/* Each rule the transaction touched: as it was before (NULL: new) and as it is (NULL: gone). */
struct touched {
	__u32 id;
	size_t first; /* its first log record */
	const struct vsx_rule *orig, *now;
	bool reset_counts;
	int reason;
};

static int cmp_touched(const void *a, const void *b)
{
	const struct touched *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static struct touched *find_touched(struct touched *v, size_t n, __u32 id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].id == id ? &v[lo] : NULL;
}

static bool action_equal(const struct vsx_rule *a, const struct vsx_rule *b)
{
	return a->action.kind == b->action.kind && a->action.core == b->action.core &&
	       a->action.fcf == b->action.fcf;
}

/* The touched rules, one entry each (NULL and *n 0 when nothing changed, or -ENOMEM). */
static int collect(struct vsx_flow_txn *tx, struct touched **out, size_t *n_out)
{
	size_t n_log = vsx_rule_table_n_changes(tx->t), n = 0;
	struct touched *v;

	*out = NULL;
	*n_out = 0;
	if (!n_log)
		return 0;
	v = calloc(n_log, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n_log; i++) {
		v[i].id = vsx_rule_table_change(tx->t, i)->id;
		v[i].first = i;
	}
	qsort(v, n_log, sizeof(*v), cmp_touched);
	for (size_t i = 0; i < n_log; i++) {
		const struct vsx_rule_change *c;

		if (n && v[n - 1].id == v[i].id)
			continue;
		v[n] = v[i];
		c = vsx_rule_table_change(tx->t, v[n].first);
		v[n].orig = c->op == VSX_RULE_ADDED ? NULL : &c->old;
		v[n].now = vsx_rule_table_get(tx->t, v[n].id);
		n++;
	}
	for (size_t i = 0; i < tx->n_notes; i++) {
		struct touched *w = find_touched(v, n, tx->notes[i].id);

		if (!w)
			continue;
		w->reset_counts |= tx->notes[i].reset_counts;
		w->reason = tx->notes[i].reason;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static bool is_auto(const struct vsx_rule *r)
{
	return r && r->action.kind == VSX_ACT_IRQ_AUTO;
}

static void txn_free(struct vsx_flow_txn *tx)
{
	free(tx->notes);
	tx->notes = NULL;
	tx->n_notes = tx->cap_notes = 0;
}

static int build_install(struct vsx_flow_txn *tx, int dir, char *err, size_t errlen)
{
	struct vsx_classifier c;
	int rc = vsx_classifier_build(&c, tx->t, dir, err, errlen);

	if (rc)
		return rc;
	rc = tx->in->install(tx->in->ctx, dir, &c);
	vsx_classifier_free(&c);
	return rc;
}

int vsx_flow_txn_commit(struct vsx_flow_txn *tx, char *err, size_t errlen)
{
	const struct vsx_rule_installer *in = tx->in;
	struct vsx_classifier c[VSX_DIR_COUNT];
	bool dirty[VSX_DIR_COUNT] = {tx->install_all, tx->install_all};
	bool built[VSX_DIR_COUNT] = {0}, installed[VSX_DIR_COUNT] = {0};
	struct touched *v;
	size_t n;
	int rc, dir;

	rc = collect(tx, &v, &n);
	if (rc) {
		vsx_flow_txn_abort(tx);
		return vsx_errf(err, errlen, rc, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].orig && v[i].now && action_equal(v[i].orig, v[i].now))
			continue; /* cookie, origin: nothing the datapath sees */
		if (v[i].orig)
			dirty[vsx_rule_direction(v[i].orig)] = true;
		if (v[i].now)
			dirty[vsx_rule_direction(v[i].now)] = true;
	}

	/* Everything that can fail without touching the datapath first. */
	for (dir = 0; dir < VSX_DIR_COUNT; dir++) {
		if (!dirty[dir])
			continue;
		rc = vsx_classifier_build(&c[dir], tx->t, dir, err, errlen);
		if (rc)
			goto undo;
		built[dir] = true;
	}

	/* State no installed classifier reads: new ids, the decision of a non-irq:auto rule. */
	for (size_t i = 0; i < n; i++) {
		const struct vsx_rule *o = v[i].orig, *r = v[i].now;

		if (r && !o) {
			if (in->reset_decision)
				in->reset_decision(in->ctx, r);
			if (in->reset_counters)
				in->reset_counters(in->ctx, r);
		} else if (r && !is_auto(o) && is_auto(r) && in->reset_decision) {
			in->reset_decision(in->ctx, r);
		}
	}

	for (dir = 0; dir < VSX_DIR_COUNT; dir++) {
		if (!dirty[dir])
			continue;
		rc = in->install(in->ctx, dir, &c[dir]);
		if (rc) {
			vsx_errf(err, errlen, rc, "the datapath refused the %s rules: %s",
				 vsx_rule_dir_name(dir), strerror(-rc));
			goto undo;
		}
		installed[dir] = true;
	}
	for (dir = 0; dir < VSX_DIR_COUNT; dir++)
		if (built[dir])
			vsx_classifier_free(&c[dir]);

	/* The new classifiers run: what went or changed kind gives its decision back. */
	for (size_t i = 0; i < n; i++) {
		const struct vsx_rule *o = v[i].orig, *r = v[i].now;

		if (is_auto(o) && !is_auto(r) && in->release)
			in->release(in->ctx, o);
		if (o && !r && in->removed)
			in->removed(in->ctx, o, v[i].reason);
		if (o && r && v[i].reset_counts && in->reset_counters)
			in->reset_counters(in->ctx, r);
	}
	free(v);
	vsx_rule_table_commit(tx->t);
	txn_free(tx);
	return 0;

undo:
	for (int d = 0; d < VSX_DIR_COUNT; d++)
		if (built[d])
			vsx_classifier_free(&c[d]);
	free(v);
	vsx_rule_table_rollback(tx->t);
	/* Directions switched before the failure go back to the restored table's classifier. */
	for (int d = 0; d < VSX_DIR_COUNT; d++) {
		char again[128];
		size_t len;

		if (!installed[d] || !build_install(tx, d, again, sizeof(again)))
			continue;
		len = err ? strlen(err) : 0;
		if (err && len < errlen)
			vsx_errf(err + len, errlen - len, rc,
				 "; putting the %s rules back failed too, the datapath differs "
				 "from the table",
				 vsx_rule_dir_name(d));
	}
	txn_free(tx);
	return rc;
}

void vsx_flow_txn_abort(struct vsx_flow_txn *tx)
{
	vsx_rule_table_rollback(tx->t);
	txn_free(tx);
}

int vsx_flow_mod_apply(struct vsx_rule_table *t, const struct vsx_rule_installer *in,
		       const struct vsx_flow_mod *fm, struct vsx_flow_mod_result *res, char *err,
		       size_t errlen)
{
	struct vsx_flow_txn tx;
	int rc = vsx_flow_txn_begin(&tx, t, in);

	if (rc)
		return vsx_errf(err, errlen, rc, "a rule change is already in progress");
	rc = vsx_flow_txn_stage(&tx, fm, res, err, errlen);
	if (rc) {
		vsx_flow_txn_abort(&tx);
		return rc;
	}
	rc = vsx_flow_txn_commit(&tx, err, errlen);
	if (rc && res) {
		memset(res, 0, sizeof(*res));
		res->failed = rc == -ENOMEM ? VSX_FMF_NO_MEMORY : VSX_FMF_DATAPATH;
	}
	return rc;
}

/* ---- timeouts ---- */

static int expiry_of(const struct vsx_rule *r, __u64 now, vsx_rule_last_hit_fn last_hit, void *ctx)
{
	__u64 since;

	if (r->hard_timeout && now >= r->added && now - r->added >= r->hard_timeout * NS_PER_S)
		return VSX_REMOVED_HARD;
	if (!r->idle_timeout)
		return -1;
	since = r->added;
	if (last_hit) {
		__u64 hit = last_hit(ctx, r);

		if (hit > since)
			since = hit;
	}
	return now >= since && now - since >= r->idle_timeout * NS_PER_S ? VSX_REMOVED_IDLE : -1;
}

size_t vsx_flow_expired(const struct vsx_rule_table *t, __u64 now, vsx_rule_last_hit_fn last_hit,
			void *ctx, struct vsx_rule_expiry *out, size_t max)
{
	const struct vsx_rule *r;
	size_t n = 0;

	vsx_rule_table_for_each(t, r)
	{
		int reason;

		if (!r->idle_timeout && !r->hard_timeout)
			continue;
		reason = expiry_of(r, now, last_hit, ctx);
		if (reason < 0)
			continue;
		if (n < max)
			out[n] = (struct vsx_rule_expiry){r->id, reason};
		n++;
	}
	return n;
}

int vsx_flow_expire(struct vsx_rule_table *t, const struct vsx_rule_installer *in, __u64 now,
		    vsx_rule_last_hit_fn last_hit, void *ctx, char *err, size_t errlen)
{
	size_t n = vsx_flow_expired(t, now, last_hit, ctx, NULL, 0);
	struct vsx_rule_expiry *ex;
	struct vsx_flow_txn tx;
	int rc;

	if (!n)
		return 0;
	ex = calloc(n, sizeof(*ex));
	if (!ex)
		return vsx_errf(err, errlen, -ENOMEM, "out of memory");
	vsx_flow_expired(t, now, last_hit, ctx, ex, n);
	rc = vsx_flow_txn_begin(&tx, t, in);
	if (rc) {
		free(ex);
		return vsx_errf(err, errlen, rc, "a rule change is already in progress");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct vsx_flow_mod fm;

		vsx_flow_mod_from_rule(&fm, VSX_FMC_DELETE_STRICT, vsx_rule_table_get(t, ex[i].id));
		fm.reason = (__u8)ex[i].reason;
		rc = vsx_flow_txn_stage(&tx, &fm, NULL, err, errlen);
	}
	free(ex);
	if (rc) {
		vsx_flow_txn_abort(&tx);
		return rc;
	}
	rc = vsx_flow_txn_commit(&tx, err, errlen);
	return rc ? rc : (int)n;
}
