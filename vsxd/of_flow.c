// SPDX-License-Identifier: MIT
/*
 * The flow table: FLOW_MODs into the rule table through the door, FLOW and AGGREGATE stats
 * from the query layer, TABLE stats, FLOW_REMOVED.
 *
 * Batching: each door command recompiles and reinstalls the classifier of its direction
 * (about 850 single commands/s); consecutive FLOW_MODs are therefore queued and applied as
 * one transaction (vsx_flow_txn: one compile and install per direction) when any other
 * message arrives (a BARRIER typically), when the queue is as long as the table, or when the
 * stream pauses (openflow.c's flush timer: no FLOW_MOD for 2 ms, or 200 ms after the first).
 * The transaction is opened and committed inside one call: no other door ever finds the
 * table in one. A FLOW_MOD that fails is undone alone and answered at once, in
 * order; if the final install fails, every FLOW_MOD of the batch is answered with
 * FLOW_MOD_FAILED and nothing changed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evloop.h"
#include "log.h"
#include "ofp_rule.h"
#include "openflow.h"
#include "query.h"
#include "vsx/ofp_wire.h"

#define MAX_PENDING (VSX_MAX_RULES - 1) /* a batch as large as the table */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void fm_failed(struct vsxd_of_pending *p, const struct vsx_flow_mod_result *res, int rc,
		      const char *err)
{
	enum ofp_err e = res->failed ? ofp_rule_fm_error(res->failed) : OFP_ERR_FLOW_MOD_UNKNOWN;

	(void)rc;
	log_rl(VSX_LOG_INFO, "openflow: FLOW_MOD refused (%s): %s", ofp_err_name(e), err);
	vsxd_of_error(p->s, e, p->raw, p->raw_len);
}

/* One pending FLOW_MOD into the batch; false if it was refused (answered already). */
static bool stage(struct vsx_flow_txn *tx, struct vsxd_of_pending *p, __u64 now)
{
	struct vsx_flow_mod_result res = {0};
	char err[256] = "";
	int rc;

	p->fm.now = now;
	rc = vsx_flow_txn_stage(tx, &p->fm, &res, err, sizeof(err));
	if (!rc && p->version == OFP10_VERSION && res.n_modified == 0 &&
	    (p->fm.command == VSX_FMC_MODIFY || p->fm.command == VSX_FMC_MODIFY_STRICT)) {
		/* OpenFlow 1.0 (4.6): a modify that matches nothing adds the flow */
		struct vsx_flow_mod add = p->fm;

		add.command = VSX_FMC_ADD;
		rc = vsx_flow_txn_stage(tx, &add, &res, err, sizeof(err));
	}
	if (rc) {
		fm_failed(p, &res, rc, err);
		return false;
	}
	return true;
}

void vsxd_of_flush(struct vsxd *d)
{
	struct vsxd_of *of = d->of;
	struct vsx_flow_txn tx;
	bool *ok;
	char err[256];
	__u64 now = now_ns(), staged;
	size_t n;

	if (!of || !of->n_pending)
		return;
	n = of->n_pending;
	of->n_pending = 0; /* errors below may reach code that flushes again */
	ok = calloc(n, sizeof(*ok));
	if (!ok || vsxd_rules_txn_begin(d, &tx)) {
		/* No batch possible: one command at a time. */
		for (size_t i = 0; i < n; i++) {
			struct vsxd_of_pending *p = &of->pending[i];
			struct vsx_flow_mod_result res = {0};

			p->fm.now = now;
			if (vsxd_rules_apply(d, &p->fm, &res, err, sizeof(err)))
				fm_failed(p, &res, -1, err);
		}
		free(ok);
		of->flow_mods += n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		ok[i] = stage(&tx, &of->pending[i], now);
	staged = now_ns();
	if (vsxd_rules_txn_commit(d, &tx, err, sizeof(err))) {
		log_err("openflow: a batch of %zu FLOW_MODs could not be installed: %s", n, err);
		for (size_t i = 0; i < n; i++)
			if (ok[i])
				vsxd_of_error(of->pending[i].s, OFP_ERR_FLOW_MOD_UNKNOWN,
					      of->pending[i].raw, of->pending[i].raw_len);
	}
	log_debug("openflow: batch of %zu FLOW_MODs: staged in %.3f ms, committed in %.3f ms", n,
		  (double)(staged - now) / 1e6, (double)(now_ns() - staged) / 1e6);
	free(ok);
	of->flow_mods += n;
	of->batches++;
}

void vsxd_of_flow_mod(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len)
{
	struct vsxd_of *of = s->d->of;
	struct vsxd_of_pending *p;
	struct ofp_status st;
	struct vsx_flow_mod fm;
	int rc = ofp_rule_from_flow_mod(m, &fm, &st);

	if (rc < 0) {
		log_rl(VSX_LOG_INFO, "openflow: FLOW_MOD refused (%s): %s", ofp_err_name(st.err),
		       st.text);
		vsxd_of_error(s, st.err, raw, len);
		return;
	}
	if (rc == OFP_RULE_NOOP)
		return;
	if (of->n_pending == of->cap_pending) {
		size_t cap = of->cap_pending ? 2 * of->cap_pending : 64;
		struct vsxd_of_pending *np = realloc(of->pending, cap * sizeof(*np));

		if (!np) {
			vsxd_of_error(s, OFP_ERR_NO_MEMORY, raw, len);
			return;
		}
		of->pending = np;
		of->cap_pending = cap;
	}
	p = &of->pending[of->n_pending++];
	p->fm = fm;
	p->s = s;
	p->version = m->version;
	p->raw_len = len < sizeof(p->raw) ? len : sizeof(p->raw);
	memcpy(p->raw, raw, p->raw_len);
	of->last_fm_ms = vsx_loop_now_ms();
	if (of->n_pending == 1)
		of->first_fm_ms = of->last_fm_ms;
	if (of->n_pending >= MAX_PENDING)
		vsxd_of_flush(s->d);
	else if (of->flush_timer && of->n_pending == 1)
		vsx_loop_timer_arm(s->d->loop, of->flush_timer, VSXD_OF_FLUSH_IDLE_MS);
}

/* ---- stats ---- */

static __u16 of_flags(const struct vsx_rule *r)
{
	__u16 f = 0;

	if (r->flags & VSX_RULE_F_SEND_FLOW_REM)
		f |= OFPFF_SEND_FLOW_REM;
	if (r->flags & VSX_RULE_F_CHECK_OVERLAP)
		f |= OFPFF_CHECK_OVERLAP;
	if (r->flags & VSX_RULE_F_RESET_COUNTS)
		f |= OFPFF13_RESET_COUNTS;
	return f;
}

static void duration(const struct vsx_rule *r, __u64 now, __u32 *sec, __u32 *nsec)
{
	__u64 d = r->added && now > r->added ? now - r->added : 0;

	*sec = (__u32)(d / 1000000000ull);
	*nsec = (__u32)(d % 1000000000ull);
}

void vsxd_of_flow_stats(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw,
			size_t len)
{
	const struct ofp_flow_stats_request *req = &m->flow_req;
	bool agg = m->kind == OFPK_AGGREGATE_REQUEST, v10 = s->version == OFP10_VERSION;
	struct ofp_msg r = {.kind = agg ? OFPK_AGGREGATE_REPLY : OFPK_FLOW_STATS_REPLY,
			    .xid = m->xid};
	struct ofp_rule_repr *reps = NULL;
	struct ofp_flow_stats *fs = NULL;
	struct vsxd_q_rules q = {0};
	struct vsx_rule sel;
	struct ofp_status st;
	size_t n = 0, skipped = 0;
	bool none;
	__u64 now = now_ns();

	vsx_rule_init(&sel);
	if (ofp_rule_match_from_ofp(s->version, &req->match, &sel.key, &sel.mask, &st)) {
		vsxd_of_error(s, st.err, raw, len);
		return;
	}
	/* Filters that no vsx rule passes: another table, an output port or group. */
	none = (req->table_id != 0 && req->table_id != 0xff) ||
	       (v10 ? req->out_port != OFPP10_NONE
		    : req->out_port != OFPP13_ANY || req->out_group != 0xffffffffu);
	if (!none && vsxd_query_rules(s->d, &q)) {
		vsxd_of_error(s, OFP_ERR_NO_MEMORY, raw, len);
		return;
	}
	if (q.n) {
		reps = calloc(q.n, sizeof(*reps));
		fs = calloc(q.n, sizeof(*fs));
		if (!reps || !fs) {
			vsxd_of_error(s, OFP_ERR_NO_MEMORY, raw, len);
			goto out;
		}
	}
	for (size_t i = 0; i < q.n; i++) {
		const struct vsx_rule *rule = q.v[i].rule;
		struct ofp_flow_stats *f = &fs[n];

		if (!vsx_rule_covers(&sel, rule))
			continue;
		if (!v10 && (rule->cookie & req->cookie_mask) != (req->cookie & req->cookie_mask))
			continue;
		if (ofp_rule_to_ofp(s->version, rule, &reps[n])) {
			skipped++; /* not sayable in this version (1.0: tunnel fields, ...) */
			continue;
		}
		if (agg) {
			r.aggregate.packet_count += q.v[i].packets;
			r.aggregate.byte_count += q.v[i].bytes;
			r.aggregate.flow_count++;
			continue;
		}
		f->table_id = 0;
		duration(rule, now, &f->duration_sec, &f->duration_nsec);
		f->priority = rule->priority;
		f->idle_timeout = rule->idle_timeout;
		f->hard_timeout = rule->hard_timeout;
		f->flags = v10 ? 0 : of_flags(rule);
		f->cookie = rule->cookie;
		f->packet_count = q.v[i].packets;
		f->byte_count = q.v[i].bytes;
		f->match = reps[n].match;
		if (v10) {
			f->actions = reps[n].actions;
			f->n_actions = reps[n].n_actions;
		} else {
			f->instructions = &reps[n].inst;
			f->n_instructions = reps[n].n_instructions;
		}
		n++;
	}
	if (skipped)
		log_rl(VSX_LOG_INFO,
		       "openflow: %zu rules left out of a %s flow dump: they use fields that "
		       "version cannot carry",
		       skipped, ofp_version_name(s->version));
	if (!agg) {
		r.flows.v = fs;
		r.flows.n = n;
	}
	vsxd_of_put(s, &r);
out:
	free(reps);
	free(fs);
	vsxd_query_rules_free(&q);
}

void vsxd_of_table_stats(struct vsxd_of_sess *s, const struct ofp_msg *m)
{
	struct vsxd_q_stats *qs = calloc(1, sizeof(*qs));
	struct vsxd_q_show show;
	struct ofp_table_stats t = {0};
	struct ofp_msg r = {.kind = OFPK_TABLE_STATS_REPLY, .xid = m->xid};

	vsxd_query_show(s->d, &show);
	t.table_id = 0;
	snprintf(t.name, sizeof(t.name), "steering");
	t.wildcards = OFPFW10_ALL; /* every 1.0 field can be wildcarded */
	t.max_entries = VSX_MAX_RULES - 1;
	t.active_count = (__u32)(show.rules_ingress + show.rules_egress);
	if (qs && vsxd_query_stats(s->d, qs) == 0) {
		__u64 rx = qs->v[VSX_STAT_RX],
		      miss = qs->v[VSX_STAT_UNMATCHED] + qs->v[VSX_STAT_NON_IP] +
			     qs->v[VSX_STAT_PARSE_TRUNCATED] + qs->v[VSX_STAT_PARSE_MALFORMED];

		t.lookup_count = rx;
		t.matched_count = rx > miss ? rx - miss : 0;
	}
	r.tables.v = &t;
	r.tables.n = 1;
	vsxd_of_put(s, &r);
	free(qs);
}

void vsxd_of_flow_removed(struct vsxd *d, const struct vsx_rule *old, int reason)
{
	static const __u8 ofprr[] = {
	    [VSX_REMOVED_DELETE] = 2, [VSX_REMOVED_IDLE] = 0, [VSX_REMOVED_HARD] = 1};
	struct ofp_rule_repr *rep;
	struct vsx_counter c = {0};
	int dir = vsx_rule_direction(old) == VSX_DIR_EGRESS ? VSX_DIR_EGRESS : VSX_DIR_INGRESS;
	__u64 now = now_ns();

	if (!d->of || !d->of->sessions || !(old->flags & VSX_RULE_F_SEND_FLOW_REM))
		return;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return;
	if (d->dpp.ops && d->dpp.ops->rule_counter)
		vsx_dp_call(&d->dpp, rule_counter, dir, old->id, &c);
	for (struct vsxd_of_sess *s = d->of->sessions; s; s = s->next) {
		struct ofp_msg m = {.kind = OFPK_FLOW_REMOVED};
		struct ofp_flow_removed *f = &m.flow_removed;

		/* 1.3's default asynchronous configuration: slaves get no FLOW_REMOVED */
		if (s->role == OFPCR_ROLE_SLAVE || ofp_rule_to_ofp(s->version, old, rep))
			continue;
		f->cookie = old->cookie;
		f->priority = old->priority;
		f->reason = reason >= 0 && reason <= VSX_REMOVED_HARD ? ofprr[reason] : 2;
		f->table_id = 0;
		duration(old, now, &f->duration_sec, &f->duration_nsec);
		f->idle_timeout = old->idle_timeout;
		f->hard_timeout = old->hard_timeout;
		f->packet_count = c.packets;
		f->byte_count = c.bytes;
		f->match = rep->match;
		vsxd_of_put(s, &m);
	}
	free(rep);
}
