// SPDX-License-Identifier: MIT
/*
 * vsxd's rule table: static rules from the configuration file and rules added at run time
 * (vsxctl now, OpenFlow later), one table, and every change through one door,
 * vsx_flow_mod_apply() (lib/flow_mod.h), with vsxd's datapath as its installer.
 *
 * Across a restart with a re-used datapath, an irq:auto rule must keep its decided core or
 * its flows would move. Decisions live in the datapath by rule id, so vsxd records every
 * rule with its id and origin in a state file (<socket>.state) and, at start, carries each
 * surviving rule's decision and counters over to the id it gets now: the configuration and the
 * state file are applied as one batch, and the installer's "new rule" hooks restore instead of
 * resetting where a saved rule has the same match and priority.
 *
 * The state file is a restart aid, not a transaction log: a change through the door
 * (vsxd_rules_apply, a batch's commit, an expiry: OpenFlow's stream) only marks it dirty, and
 * vsxd's sampling tick (vsxd_rules_expire) writes it at most once per tick, as does a stop that
 * keeps the datapath. Rewriting every rule at every commit was a fifth of a 16,000-FLOW_MOD
 * batch. A crash (SIGKILL) loses at most the changes of the last sample interval: the next vsxd
 * starts from the file as last written, so a rule added in that interval is missing (an OpenFlow
 * controller re-sends its flows when it reconnects) and one deleted in it comes back. vsxctl's
 * changes (rule add/del, mode) are rare and still saved at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vsxd.h"
#include "flow_mod.h"
#include "log.h"
#include "rule_text.h"

#define STATE_LINE_MAX (VSX_RULE_TEXT_MAX + 160)

struct saved_rule {
	__u32 old_id;
	struct vsx_rule rule;
	struct vsx_rule_state state;
	struct vsx_counter counter; /* as read before anything changed */
	bool has_counter;
};

/* While vsxd_rules_init() applies the start-up batch: the saved rule each new id takes over. */
static struct {
	const struct saved_rule *saved;
	__s32 *from; /* [VSX_MAX_RULES]: index into saved, -1 none */
} restore;

/* Idle timeouts: each rule's packet count when last seen and when it last changed. */
struct hit_seen {
	__u64 packets;
	__u64 last_hit; /* CLOCK_MONOTONIC ns; 0 = no packet seen */
};
static struct hit_seen *seen; /* [VSX_MAX_RULES] */

/* The rules changed since the state file was last written (see the top of the file). */
static bool state_dirty;

int vsxd_state_flush(struct vsxd *d)
{
	return state_dirty ? vsxd_state_save(d) : 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int rule_dp_dir(const struct vsx_rule *r)
{
	return vsx_rule_direction(r) == VSX_DIR_EGRESS ? VSX_DIR_EGRESS : VSX_DIR_INGRESS;
}

static const struct saved_rule *saved_for(__u32 id)
{
	return restore.from && restore.from[id] >= 0 ? &restore.saved[restore.from[id]] : NULL;
}

/* ---- the installer: vsxd's datapath, through its provider (lib/dp_provider.h) ---- */

static int dp_install(void *ctx, int dir, const struct vsx_classifier *c)
{
	struct vsxd *d = ctx;

	return vsx_dp_call(&d->dpp, install_classifier, dir, c);
}

/* A new rule (or a reused id) starts undecided; at start, a surviving rule keeps its core. */
static void dp_reset_decision(void *ctx, const struct vsx_rule *r)
{
	const struct saved_rule *s = saved_for(r->id);
	struct vsxd *d = ctx;

	if (s) {
		vsx_dp_call(&d->dpp, set_rule_state, r->id, &s->state);
		if (s->state.core >= 0)
			log_info("rule %u keeps core %d (was rule %u)", r->id, s->state.core,
				 s->old_id);
		return;
	}
	vsx_dp_call(&d->dpp, reset_rule, r->id);
	vsxd_rebalance_forget(d, r->id);
}

/* ... and with zero counters, or the ones it had before the restart. */
static void dp_reset_counters(void *ctx, const struct vsx_rule *r)
{
	const struct saved_rule *s = saved_for(r->id);
	struct vsxd *d = ctx;

	if (seen)
		seen[r->id] = (struct hit_seen){0, 0};
	if (s && s->has_counter) {
		vsx_dp_call(&d->dpp, set_rule_counter, rule_dp_dir(&s->rule), r->id, &s->counter);
		return;
	}
	vsx_dp_call(&d->dpp, clear_rule_counters, VSX_DIR_INGRESS, r->id);
	vsx_dp_call(&d->dpp, clear_rule_counters, VSX_DIR_EGRESS, r->id);
}

/*
 * An irq:auto rule that goes (deleted, or its action replaced by another kind) gives its
 * decision back: its count leaves its core's assignment counts, which rank cores for every
 * later decision and move, and its state forgets the core. Called after the new classifier
 * is installed, so no new flow can find the rule any more.
 */
static void dp_release(void *ctx, const struct vsx_rule *old)
{
	struct vsxd *d = ctx;
	struct vsx_core_assign *a = vsx_dp_call(&d->dpp, core_assign);
	struct vsx_rule_state st;
	__u32 *count, cur;

	if (vsx_dp_call(&d->dpp, rule_state, old->id, &st) || st.core < 0 ||
	    st.core >= VSX_MAX_CPUS)
		return;
	if (a) {
		count = st.prio ? &a->prio[st.core] : &a->normal[st.core];
		cur = __atomic_load_n(count, __ATOMIC_RELAXED);
		while (cur && !__atomic_compare_exchange_n(count, &cur, cur - 1, false,
							   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	vsx_dp_call(&d->dpp, reset_rule, old->id);
	vsxd_rebalance_forget(d, old->id);
}

static void dp_removed(void *ctx, const struct vsx_rule *old, int reason)
{
	static const char *const why[] = {"deleted", "expired (idle timeout)",
					  "expired (hard timeout)"};

	struct vsxd *d = ctx;

	log_info("rule %u %s", old->id,
		 why[reason >= 0 && reason <= VSX_REMOVED_HARD ? reason : 0]);
	vsxd_of_rule_removed(d, old, reason);
}

static struct vsx_rule_installer installer_of(struct vsxd *d)
{
	return (struct vsx_rule_installer){
	    .ctx = d,
	    .install = dp_install,
	    .reset_decision = dp_reset_decision,
	    .reset_counters = dp_reset_counters,
	    .release = dp_release,
	    .removed = dp_removed,
	};
}

/* ---- changes ---- */

int vsxd_rules_install(struct vsxd *d)
{
	struct vsx_rule_installer in = installer_of(d);
	struct vsx_flow_txn tx;
	char err[256];
	int rc = vsx_flow_txn_begin(&tx, d->rules, &in);

	if (!rc) {
		tx.install_all = true;
		rc = vsx_flow_txn_commit(&tx, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "a rule change is in progress");
	}
	if (rc)
		log_err("installing rules in the datapath: %s", err);
	return rc;
}

int vsxd_rules_apply(struct vsxd *d, const struct vsx_flow_mod *fm, struct vsx_flow_mod_result *res,
		     char *err, size_t errlen)
{
	struct vsx_rule_installer in = installer_of(d);
	int rc = vsx_flow_mod_apply(d->rules, &in, fm, res, err, errlen);

	if (!rc)
		state_dirty = true;
	return rc;
}

/* The batch keeps a pointer to its installer until it ends: one vsxd, one batch at a time. */
static struct vsx_rule_installer txn_installer;

int vsxd_rules_txn_begin(struct vsxd *d, struct vsx_flow_txn *tx)
{
	txn_installer = installer_of(d);
	return vsx_flow_txn_begin(tx, d->rules, &txn_installer);
}

int vsxd_rules_txn_commit(struct vsxd *d, struct vsx_flow_txn *tx, char *err, size_t errlen)
{
	int rc = vsx_flow_txn_commit(tx, err, errlen);

	if (!rc)
		state_dirty = true;
	return rc;
}

int vsxd_rule_add_text(struct vsxd *d, const char *text, bool from_config, __u32 *id, char *err,
		       size_t errlen)
{
	struct vsx_rule_installer in = installer_of(d);
	struct vsx_flow_mod_result res;
	char canon[VSX_RULE_TEXT_MAX];
	struct vsx_flow_mod fm;
	struct vsx_rule r;
	int rc = vsx_rule_parse(text, &r, err, errlen);

	if (rc)
		return rc;
	r.origin = from_config ? VSX_ORIGIN_CONFIG : VSX_ORIGIN_VSXCTL;
	r.added = now_ns();
	vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
	rc = vsx_flow_mod_apply(d->rules, &in, &fm, &res, err, errlen);
	if (rc)
		return rc;
	*id = res.id;
	vsx_rule_format(vsx_rule_table_get(d->rules, res.id), canon, sizeof(canon));
	log_info("rule %u %s: %s", res.id, res.replaced ? "replaced" : "added", canon);
	vsxd_state_save(d);
	return 0;
}

int vsxd_rule_del(struct vsxd *d, const char *id_or_text, char *err, size_t errlen)
{
	struct vsx_rule_installer in = installer_of(d);
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	char *end;
	unsigned long id = strtoul(id_or_text, &end, 10);
	int rc;

	if (*id_or_text && !*end) {
		const struct vsx_rule *old =
		    id && id < VSX_MAX_RULES ? vsx_rule_table_get(d->rules, (__u32)id) : NULL;

		if (!old) {
			snprintf(err, errlen, "no rule with id %s", id_or_text);
			return -ENOENT;
		}
		vsx_flow_mod_from_rule(&fm, VSX_FMC_DELETE_STRICT, old);
	} else {
		struct vsx_rule match;

		rc = vsx_rule_parse(id_or_text, &match, err, errlen);
		if (rc)
			return rc;
		vsx_flow_mod_from_rule(&fm, VSX_FMC_DELETE_STRICT, &match);
	}
	fm.origin = VSX_ORIGIN_VSXCTL;
	rc = vsx_flow_mod_apply(d->rules, &in, &fm, &res, err, errlen);
	if (rc)
		return rc;
	if (!res.n_deleted) {
		snprintf(err, errlen, "no rule with that match and priority");
		return -ENOENT;
	}
	vsxd_state_save(d);
	return 0;
}

/*
 * Timeouts (rules that have them come by OpenFlow): deletes the rules whose idle or hard
 * timeout has passed. A rule's last hit is the tick at which its packet count was last seen to
 * grow, so idle timeouts are as fine as the caller's ticks. Meant for vsxd's tick; returns the
 * number removed or -errno.
 */

static __u64 rule_last_hit(void *ctx, const struct vsx_rule *r)
{
	return seen ? seen[r->id].last_hit : 0;
}

int vsxd_rules_expire(struct vsxd *d)
{
	struct vsx_rule_installer in = installer_of(d);
	const struct vsx_rule *r;
	__u64 now = now_ns();
	char err[256];
	int n;

	vsx_rule_table_for_each(d->rules, r)
	{
		struct vsx_counter cnt = {0};

		if (!r->idle_timeout || !seen)
			continue;
		vsx_dp_call(&d->dpp, rule_counter, rule_dp_dir(r), r->id, &cnt);
		if (cnt.packets != seen[r->id].packets) {
			seen[r->id].packets = cnt.packets;
			seen[r->id].last_hit = now;
		}
	}
	n = vsx_flow_expire(d->rules, &in, now, rule_last_hit, d, err, sizeof(err));
	if (n < 0)
		log_warn("expiring rules: %s", err);
	else if (n > 0)
		state_dirty = true;
	vsxd_state_flush(d);
	return n;
}

/*
 * The state file: one line per rule, "rule ID ORIGIN [idle=S] [hard=S] [flags=N] [added=NS]
 * TEXT". The bracketed fields are written only when set (rules from OpenFlow); none of them is a
 * rule field name, so the text after them parses as always.
 */
int vsxd_state_save(struct vsxd *d)
{
	char tmp[sizeof(d->state_path) + 8], text[VSX_RULE_TEXT_MAX];
	const struct vsx_rule *r;
	__u32 mode = VSX_MODE_DEFAULT;
	FILE *f;

	vsx_dp_call(&d->dpp, get_mode, &mode);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	f = fopen(tmp, "w");
	if (!f) {
		log_warn("cannot write state file %s: %s", tmp, strerror(errno));
		return -errno;
	}
	fprintf(f, "# vsxd state (written at the tick after changes), read over a kept datapath\n");
	fprintf(f, "mode %s\n", vsxd_mode_label(mode));
	vsx_rule_table_for_each(d->rules, r)
	{
		vsx_rule_format(r, text, sizeof(text));
		fprintf(f, "rule %u %s ", r->id, vsx_rule_origin_name(r->origin));
		if (r->idle_timeout)
			fprintf(f, "idle=%u ", r->idle_timeout);
		if (r->hard_timeout)
			fprintf(f, "hard=%u ", r->hard_timeout);
		if (r->flags)
			fprintf(f, "flags=%u ", r->flags);
		if (r->idle_timeout || r->hard_timeout)
			fprintf(f, "added=%llu ", (unsigned long long)r->added);
		fprintf(f, "%s\n", text);
	}
	if (fclose(f) || rename(tmp, d->state_path)) {
		int err = -errno;

		/* stays dirty: the next tick tries again */
		log_warn("cannot write state file %s: %s", d->state_path, strerror(errno));
		unlink(tmp);
		return err;
	}
	state_dirty = false;
	return 0;
}

/* ORIGIN [idle=S] [hard=S] [flags=N] [added=NS] of a state line into r; the rest's offset. */
static int parse_saved_head(const char *line, struct vsx_rule *r, unsigned int *id)
{
	char origin[16];
	int off = 0, o;

	if (sscanf(line, "rule %u %15s %n", id, origin, &off) != 2 || !off)
		return -1;
	/* "runtime": a state file of a vsxd before origins (vsxctl or another door) */
	o = strcmp(origin, "runtime") == 0 ? VSX_ORIGIN_STATE : vsx_rule_origin_parse(origin);
	r->origin = (__u8)(o < 0 || o == VSX_ORIGIN_UNKNOWN ? VSX_ORIGIN_STATE : o);
	for (;;) {
		unsigned long long v;
		char name[8];
		int n = 0;

		if (sscanf(line + off, "%7[a-z]=%llu %n", name, &v, &n) != 2 || !n)
			return off;
		if (!strcmp(name, "idle") && v <= 0xffff)
			r->idle_timeout = (__u16)v;
		else if (!strcmp(name, "hard") && v <= 0xffff)
			r->hard_timeout = (__u16)v;
		else if (!strcmp(name, "flags") && v <= VSX_RULE_F_ALL)
			r->flags = (__u16)v;
		else if (!strcmp(name, "added"))
			r->added = v;
		else
			return off; /* a rule field: the text starts here */
		off += n;
	}
}

/* Reads the previous vsxd's rules and their datapath state (before anything is changed). */
static int read_state(struct vsxd *d, struct saved_rule **out, size_t *n_out)
{
	char line[STATE_LINE_MAX], err[256];
	struct saved_rule *saved = NULL;
	size_t n = 0, lineno = 0;
	FILE *f = fopen(d->state_path, "r");

	*out = NULL;
	*n_out = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct vsx_rule head;
		unsigned int id = 0;
		int off;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (strncmp(line, "mode ", 5) == 0) {
			__u32 mode;

			if (vsxd_mode_parse(line + 5, &mode) == 0)
				vsx_dp_call(&d->dpp, set_mode, mode);
			continue;
		}
		struct saved_rule s = {};
		memset(&head, 0, sizeof(head));
		off = parse_saved_head(line, &head, &id);
		if (off < 0 || id == 0 || id >= VSX_MAX_RULES ||
		    vsx_rule_parse(line + off, &s.rule, err, sizeof(err))) {
			log_warn("%s:%zu: ignoring bad line", d->state_path, lineno);
			continue;
		}
		s.rule.origin = head.origin;
		s.rule.idle_timeout = head.idle_timeout;
		s.rule.hard_timeout = head.hard_timeout;
		s.rule.flags = head.flags;
		s.rule.added = head.added;
		s.old_id = id;
		s.state = (struct vsx_rule_state){.core = VSX_CORE_NONE};
		vsx_dp_call(&d->dpp, rule_state, id, &s.state);
		s.has_counter =
		    vsx_dp_call(&d->dpp, rule_counter, rule_dp_dir(&s.rule), id, &s.counter) == 0;
		struct saved_rule *p = realloc(saved, (n + 1) * sizeof(*p));
		if (!p) {
			fclose(f);
			free(saved);
			return -ENOMEM;
		}
		saved = p;
		saved[n++] = s;
	}
	fclose(f);
	*out = saved;
	*n_out = n;
	return 0;
}

/*
 * The configuration's rules, then the saved runtime rules, as one batch: one install of each
 * direction (both, whatever changed: a kept datapath may hold a previous vsxd's rules). Its
 * "new rule" hooks carry each surviving rule's decision and counters over (restore.from).
 */
static int apply_startup(struct vsxd *d, const struct saved_rule *saved, size_t n_saved)
{
	struct vsx_rule_installer in = installer_of(d);
	struct vsx_flow_txn tx;
	__u64 now = now_ns();
	char err[256];
	int rc = vsx_flow_txn_begin(&tx, d->rules, &in);

	if (rc)
		return rc;
	tx.install_all = true;
	for (size_t i = 0; i < d->conf.n_rules; i++) {
		struct vsx_flow_mod fm;
		struct vsx_rule r;

		rc = vsx_rule_parse(d->conf.rules[i].text, &r, err, sizeof(err));
		if (!rc) {
			r.origin = VSX_ORIGIN_CONFIG;
			r.added = now;
			vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
			rc = vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err));
		}
		if (rc) {
			log_err("%s:%u: rule: %s", d->conf.source, d->conf.rules[i].line, err);
			vsx_flow_txn_abort(&tx);
			return rc;
		}
	}
	for (size_t i = 0; i < n_saved; i++) {
		struct vsx_flow_mod fm;

		if (saved[i].rule.origin == VSX_ORIGIN_CONFIG)
			continue; /* re-read from the configuration (or gone from it) */
		vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &saved[i].rule);
		if (vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err)))
			log_warn("runtime rule %u not restored: %s", saved[i].old_id, err);
	}
	for (size_t i = 0; i < n_saved; i++) {
		const struct vsx_rule *now_rule =
		    vsx_rule_table_find_strict(d->rules, &saved[i].rule);

		if (now_rule)
			restore.from[now_rule->id] = (__s32)i;
	}
	restore.saved = saved;
	rc = vsx_flow_txn_commit(&tx, err, sizeof(err));
	restore.saved = NULL;
	if (rc)
		log_err("installing rules in the datapath: %s", err);
	return rc;
}

int vsxd_rules_init(struct vsxd *d)
{
	struct saved_rule *saved = NULL;
	struct vsx_dp_caps caps = {0};
	size_t n_saved = 0;
	int rc;

	vsx_dp_call(&d->dpp, caps, &caps);
	snprintf(d->state_path, sizeof(d->state_path), "%s.state", d->conf.socket_path);
	d->rules = vsx_rule_table_new(0);
	seen = calloc(VSX_MAX_RULES, sizeof(*seen));
	restore.from = malloc(VSX_MAX_RULES * sizeof(*restore.from));
	if (!d->rules || !seen || !restore.from)
		return -ENOMEM;
	for (__u32 i = 0; i < VSX_MAX_RULES; i++)
		restore.from[i] = -1;
	if (caps.reused) {
		rc = read_state(d, &saved, &n_saved);
		if (rc)
			log_warn("state file %s: %s; starting without it", d->state_path,
				 strerror(-rc));
	} else {
		unlink(d->state_path);
	}

	rc = apply_startup(d, saved, n_saved);
	free(saved);
	free(restore.from);
	restore.from = NULL;
	if (rc)
		return rc;
	vsxd_state_save(d);
	log_info("%u rules installed (%u from the configuration)", vsx_rule_table_count(d->rules),
		 (unsigned int)d->conf.n_rules);
	return 0;
}

void vsxd_rules_free(struct vsxd *d)
{
	if (!d->keep_datapath && d->state_path[0])
		unlink(d->state_path);
	else if (d->rules)
		vsxd_state_flush(d); /* the next vsxd reads it over the kept datapath */
	state_dirty = false;
	vsx_rule_table_free(d->rules);
	d->rules = NULL;
	free(seen);
	seen = NULL;
	free(restore.from);
	restore.from = NULL;
}
