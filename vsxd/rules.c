// SPDX-License-Identifier: MIT
/*
 * vsxd's rule table: static rules from the configuration file and rules added at run time
 * (vsxctl now, OpenFlow later), one table and one validation path (lib/rule.h).
 *
 * Across a restart with a re-used datapath, an irq:auto rule must keep its decided core or
 * its flows would move. Decisions live in the datapath by rule id, so vsxd records every
 * rule with its id in a state file (<socket>.state) and, at start, carries each surviving
 * rule's decision and counters over to the id it gets now.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsxd.h"
#include "classifier.h"
#include "log.h"

#define STATE_LINE_MAX (VSX_RULE_TEXT_MAX + 64)

/* Rules that came from the config file are re-read from it, not persisted as runtime rules. */
static bool *config_rule; /* indexed by rule id */

static int install_dir(struct vsxd *d, int dir)
{
	struct vsx_classifier c;
	char err[256];
	int rc = vsx_classifier_build(&c, d->rules, dir, err, sizeof(err));

	if (rc) {
		log_err("compiling %s rules: %s", vsx_rule_dir_name(dir), err);
		return rc;
	}
	rc = vsxd_dp_install_classifier(&d->dp, dir == VSX_DIR_INGRESS ? VSXD_INGRESS : VSXD_EGRESS,
					&c);
	vsx_classifier_free(&c);
	return rc;
}

int vsxd_rules_install(struct vsxd *d)
{
	int err = install_dir(d, VSX_DIR_INGRESS);

	if (!err)
		err = install_dir(d, VSX_DIR_EGRESS);
	if (err)
		log_err("installing rules in the datapath: %s", strerror(-err));
	return err;
}

/* A new rule (or a reused id) starts undecided and with zero counters. */
static void reset_rule_state(struct vsxd *d, const struct vsx_rule *r)
{
	vsxd_dp_reset_rule(&d->dp, r->id);
	vsxd_rebalance_forget(d, r->id);
	vsxd_dp_clear_rule_counters(&d->dp, VSXD_INGRESS, r->id);
	vsxd_dp_clear_rule_counters(&d->dp, VSXD_EGRESS, r->id);
}

/*
 * An irq:auto rule that goes (deleted, or its action replaced by another kind) gives its
 * decision back: its count leaves its core's assignment counts, which rank cores for every
 * later decision and move, and its state forgets the core. Called after the new classifier
 * is installed, so no new flow can find the rule any more.
 */
static void release_decision(struct vsxd *d, __u32 id)
{
	struct vsx_rule_state st;
	__u32 *count, cur;

	if (vsxd_dp_rule_state(&d->dp, id, &st) || st.core < 0 || st.core >= VSX_MAX_CPUS)
		return;
	count = st.prio ? &d->dp.core_assign->prio[st.core] : &d->dp.core_assign->normal[st.core];
	cur = __atomic_load_n(count, __ATOMIC_RELAXED);
	while (cur && !__atomic_compare_exchange_n(count, &cur, cur - 1, false, __ATOMIC_RELAXED,
						   __ATOMIC_RELAXED))
		;
	vsxd_dp_reset_rule(&d->dp, id);
	vsxd_rebalance_forget(d, id);
}

/*
 * Adds (or, with an identical match and priority, replaces the action of) a rule. When it
 * replaced one, *previous gets the old action so a failed install can put it back.
 */
static int add_rule(struct vsxd *d, const char *text, bool from_config, __u32 *id, bool *replaced,
		    struct vsx_rule_action *previous, char *err, size_t errlen)
{
	const struct vsx_rule *old;
	struct vsx_rule r;
	int rc = vsx_rule_parse(text, &r, err, errlen);

	if (rc)
		return rc;
	old = vsx_rule_table_find_strict(d->rules, &r);
	if (old)
		*previous = old->action;
	rc = vsx_rule_table_add(d->rules, &r, id, replaced, err, errlen);
	if (rc)
		return rc;
	config_rule[*id] = from_config;
	/* At start over a kept datapath, the old classifier still runs: vsxd_rules_init()
	 * resets only the rules that get no saved state, once they are all known. */
	if (!*replaced && !d->restoring)
		reset_rule_state(d, vsx_rule_table_get(d->rules, *id));
	/* another kind -> irq:auto starts undecided: a state left from an earlier irq:auto
	 * action would be stale (the datapath ignores it while the action is not irq:auto) */
	else if (*replaced && !d->restoring && previous->kind != VSX_ACT_IRQ_AUTO &&
		 r.action.kind == VSX_ACT_IRQ_AUTO)
		reset_rule_state(d, vsx_rule_table_get(d->rules, *id));
	return 0;
}

int vsxd_rule_add_text(struct vsxd *d, const char *text, bool from_config, __u32 *id, char *err,
		       size_t errlen)
{
	struct vsx_rule_action previous = {0};
	char canon[VSX_RULE_TEXT_MAX], ignored[64];
	bool replaced = false;
	int rc = add_rule(d, text, from_config, id, &replaced, &previous, err, errlen);

	if (rc)
		return rc;
	rc = vsxd_rules_install(d);
	if (rc) {
		/* Leave the table as the datapath has it: the old action back, or no rule. */
		if (replaced)
			vsx_rule_table_modify(d->rules, *id, &previous, ignored, sizeof(ignored));
		else
			vsx_rule_table_del(d->rules, *id);
		snprintf(err, errlen, "the datapath refused the rule: %s", strerror(-rc));
		return rc;
	}
	const struct vsx_rule *now = vsx_rule_table_get(d->rules, *id);
	/* irq:auto -> another kind: no flow can use the decision any more */
	if (replaced && previous.kind == VSX_ACT_IRQ_AUTO && now->action.kind != VSX_ACT_IRQ_AUTO)
		release_decision(d, *id);
	vsx_rule_format(now, canon, sizeof(canon));
	log_info("rule %u %s: %s", *id, replaced ? "replaced" : "added", canon);
	vsxd_state_save(d);
	return 0;
}

int vsxd_rule_del(struct vsxd *d, const char *id_or_text, char *err, size_t errlen)
{
	char *end;
	unsigned long id = strtoul(id_or_text, &end, 10);
	const struct vsx_rule *old;
	__u32 deleted = 0;
	bool was_auto = false;
	int rc;

	if (*id_or_text && !*end) {
		old = id && id < VSX_MAX_RULES ? vsx_rule_table_get(d->rules, (__u32)id) : NULL;
		was_auto = old && old->action.kind == VSX_ACT_IRQ_AUTO;
		if (id == 0 || id >= VSX_MAX_RULES || vsx_rule_table_del(d->rules, (__u32)id)) {
			snprintf(err, errlen, "no rule with id %s", id_or_text);
			return -ENOENT;
		}
		deleted = (__u32)id;
	} else {
		struct vsx_rule match;

		rc = vsx_rule_parse(id_or_text, &match, err, errlen);
		if (rc)
			return rc;
		old = vsx_rule_table_find_strict(d->rules, &match);
		was_auto = old && old->action.kind == VSX_ACT_IRQ_AUTO;
		if (vsx_rule_table_del_strict(d->rules, &match, &deleted)) {
			snprintf(err, errlen, "no rule with that match and priority");
			return -ENOENT;
		}
	}
	config_rule[deleted] = false;
	rc = vsxd_rules_install(d);
	if (rc) {
		snprintf(err, errlen, "the datapath refused the change: %s", strerror(-rc));
		return rc;
	}
	if (was_auto)
		release_decision(d, deleted);
	log_info("rule %u deleted", deleted);
	vsxd_state_save(d);
	return 0;
}

int vsxd_state_save(struct vsxd *d)
{
	char tmp[sizeof(d->state_path) + 8], text[VSX_RULE_TEXT_MAX];
	const struct vsx_rule *r;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	f = fopen(tmp, "w");
	if (!f) {
		log_warn("cannot write state file %s: %s", tmp, strerror(errno));
		return -errno;
	}
	fprintf(f, "# vsxd state, rewritten on every change; read at start over a kept datapath\n");
	fprintf(f, "mode %s\n", vsxd_mode_label(d->dp.cfg->mode));
	vsx_rule_table_for_each(d->rules, r)
	{
		vsx_rule_format(r, text, sizeof(text));
		fprintf(f, "rule %u %s %s\n", r->id, config_rule[r->id] ? "config" : "runtime",
			text);
	}
	if (fclose(f) || rename(tmp, d->state_path)) {
		log_warn("cannot write state file %s: %s", d->state_path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}

struct saved_rule {
	__u32 old_id;
	bool runtime;
	struct vsx_rule rule;
	struct vsx_rule_state state;
	struct vsx_counter *counters; /* per CPU, as read before anything changed; may be NULL */
};

static void free_saved(struct saved_rule *saved, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(saved[i].counters);
	free(saved);
}

static enum vsxd_dir rule_dp_dir(const struct vsx_rule *r)
{
	return vsx_rule_direction(r) == VSX_DIR_EGRESS ? VSXD_EGRESS : VSXD_INGRESS;
}

/* Reads the previous vsxd's rules and their datapath state (before anything is changed). */
static int read_state(struct vsxd *d, struct saved_rule **out, size_t *n_out)
{
	char line[STATE_LINE_MAX], err[256], origin[16];
	struct saved_rule *saved = NULL;
	size_t n = 0, lineno = 0;
	FILE *f = fopen(d->state_path, "r");

	*out = NULL;
	*n_out = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int id;
		int off = 0;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (strncmp(line, "mode ", 5) == 0) {
			__u32 mode;

			if (vsxd_mode_parse(line + 5, &mode) == 0)
				__atomic_store_n(&d->dp.cfg->mode, mode, __ATOMIC_RELEASE);
			continue;
		}
		struct saved_rule s = {};
		if (sscanf(line, "rule %u %15s %n", &id, origin, &off) != 2 || !off || id == 0 ||
		    id >= VSX_MAX_RULES || vsx_rule_parse(line + off, &s.rule, err, sizeof(err))) {
			log_warn("%s:%zu: ignoring bad line", d->state_path, lineno);
			continue;
		}
		s.old_id = id;
		s.runtime = strcmp(origin, "runtime") == 0;
		vsxd_dp_rule_state(&d->dp, id, &s.state);
		vsxd_dp_get_rule_counters(&d->dp, rule_dp_dir(&s.rule), id, &s.counters);
		struct saved_rule *p = realloc(saved, (n + 1) * sizeof(*p));
		if (!p) {
			fclose(f);
			free(s.counters);
			free_saved(saved, n);
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

/* Carries a surviving rule's decision and counters over to its new id. */
static void restore_rule(struct vsxd *d, const struct saved_rule *s, __u32 new_id)
{
	vsxd_dp_set_rule_state(&d->dp, new_id, &s->state);
	if (s->counters)
		vsxd_dp_set_rule_counters(&d->dp, rule_dp_dir(&s->rule), new_id, s->counters);
	if (s->state.core >= 0)
		log_info("rule %u keeps core %d (was rule %u)", new_id, s->state.core, s->old_id);
}

int vsxd_rules_init(struct vsxd *d)
{
	struct saved_rule *saved = NULL;
	size_t n_saved = 0;
	char err[256];
	__u32 id;
	int rc;

	snprintf(d->state_path, sizeof(d->state_path), "%s.state", d->conf.socket_path);
	d->rules = vsx_rule_table_new(0);
	config_rule = calloc(VSX_MAX_RULES, sizeof(*config_rule));
	if (!d->rules || !config_rule)
		return -ENOMEM;
	if (d->dp.reused) {
		rc = read_state(d, &saved, &n_saved);
		if (rc)
			log_warn("state file %s: %s; starting without it", d->state_path,
				 strerror(-rc));
	} else {
		unlink(d->state_path);
	}

	bool *restored = calloc(VSX_MAX_RULES, sizeof(*restored));
	if (!restored) {
		free_saved(saved, n_saved);
		return -ENOMEM;
	}
	d->restoring = true;
	for (size_t i = 0; i < d->conf.n_rules; i++) {
		bool replaced = false;
		struct vsx_rule_action previous;

		rc = add_rule(d, d->conf.rules[i].text, true, &id, &replaced, &previous, err,
			      sizeof(err));
		if (rc) {
			log_err("%s:%u: rule: %s", d->conf.source, d->conf.rules[i].line, err);
			free_saved(saved, n_saved);
			free(restored);
			d->restoring = false;
			return rc;
		}
	}
	for (size_t i = 0; i < n_saved; i++) {
		const struct vsx_rule *now;

		if (saved[i].runtime) {
			bool replaced = false;

			if (vsx_rule_table_add(d->rules, &saved[i].rule, &id, &replaced, err,
					       sizeof(err))) {
				log_warn("runtime rule %u not restored: %s", saved[i].old_id, err);
				continue;
			}
			config_rule[id] = false;
		}
		now = vsx_rule_table_find_strict(d->rules, &saved[i].rule);
		if (now) {
			restore_rule(d, &saved[i], now->id);
			restored[now->id] = true;
		}
	}
	free_saved(saved, n_saved);
	const struct vsx_rule *r;
	vsx_rule_table_for_each(d->rules, r)
	{
		if (!restored[r->id])
			reset_rule_state(d, r);
	}
	free(restored);
	d->restoring = false;
	rc = vsxd_rules_install(d);
	if (!rc)
		vsxd_state_save(d);
	log_info("%u rules installed (%u from the configuration)", vsx_rule_table_count(d->rules),
		 (unsigned int)d->conf.n_rules);
	return rc;
}

void vsxd_rules_free(struct vsxd *d)
{
	if (!d->keep_datapath && d->state_path[0])
		unlink(d->state_path);
	vsx_rule_table_free(d->rules);
	d->rules = NULL;
	free(config_rule);
	config_rule = NULL;
}
