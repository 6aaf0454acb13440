// SPDX-License-Identifier: MIT
/*
 * vsxd's rule installer (vsxd/rules.c) on the datapath double (tests/lib/dp_double.h):
 * add, modify and delete through vsxd_rules_apply() and batches, what each leaves in the
 * datapath (classifier entries, rule states, counters, assignment counts); a failed install
 * rolls back and leaves the double's classifiers, states and the state file as they were;
 * the state file carries runtime rules, their decided cores and counters across a restart
 * over a kept datapath, to the ids they get then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/dp_double.h"
#include "log.h"
#include "rule_text.h"
#include "../../vsxd/vsxd.h"

struct fixture {
	char dir[64];
	struct vsx_dp_double *dbl;
	struct vsxd d;
};

static void start(struct fixture *f, const char *conf_text)
{
	char text[512], err[256];

	memset(&f->d, 0, sizeof(f->d));
	vsxd_conf_init(&f->d.conf);
	snprintf(text, sizeof(text), "uplink eth0\nsocket %s/vsxd.sock\n%s", f->dir,
		 conf_text ? conf_text : "");
	assert_int_equal(vsxd_conf_parse_string(text, "vsxd.conf", &f->d.conf, err, sizeof(err)),
			 0);
	f->d.dpp = f->dbl->dp;
	f->d.ofl = f->dbl->ofl;
	assert_int_equal(vsxd_rules_init(&f->d), 0);
}

static void stop(struct fixture *f, bool keep)
{
	f->d.keep_datapath = keep;
	vsxd_rules_free(&f->d);
	vsxd_conf_free(&f->d.conf);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vsxd-rules-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dbl = dpd_new(4, 64, 16);
	if (!f->dbl)
		return -1;
	start(f, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	stop(f, false);
	dpd_free(f->dbl);
	snprintf(path, sizeof(path), "%s/vsxd.sock.state", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int apply_text(struct fixture *f, int cmd, const char *text, struct vsx_flow_mod_result *res)
{
	struct vsx_flow_mod fm;
	struct vsx_rule r;
	char err[256];

	assert_int_equal(vsx_rule_parse(text, &r, err, sizeof(err)), 0);
	vsx_flow_mod_from_rule(&fm, cmd, &r);
	fm.origin = VSX_ORIGIN_TEST;
	return vsxd_rules_apply(&f->d, &fm, res, err, sizeof(err));
}

/* A packet key that matches "udp,tp_dst=PORT" rules. */
static struct vsx_flow_key udp_to(unsigned int port)
{
	struct vsx_rule r;

	char text[64];
	snprintf(text, sizeof(text), "udp,tp_dst=%u actions=irq:1", port);
	assert_int_equal(vsx_rule_parse(text, &r, NULL, 0), 0);
	return r.key;
}

/* The state file as written so far (changes reach it at vsxd's next tick, or a flush). */
static char *read_state_file(struct fixture *f)
{
	static char buf[8192];
	char path[128];
	FILE *in;
	size_t n;

	snprintf(path, sizeof(path), "%s/vsxd.sock.state", f->dir);
	in = fopen(path, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	buf[n] = '\0';
	fclose(in);
	return buf;
}

/* The state file after vsxd's tick (vsxd_rules_expire writes it when dirty). */
static char *slurp_state(struct fixture *f)
{
	assert_true(vsxd_rules_expire(&f->d) >= 0);
	return read_state_file(f);
}

/* A change marks the file dirty; the tick writes it once, a stop that keeps the datapath too. */
static void state_file_written_at_the_tick(void **state)
{
	struct fixture *f = *state;
	struct vsx_flow_mod_result res;

	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5077 actions=irq:1", &res), 0);
	assert_null(strstr(read_state_file(f), "tp_dst=5077"));
	assert_non_null(strstr(slurp_state(f), "tp_dst=5077"));
	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5078 actions=irq:1", &res), 0);
	assert_int_equal(vsxd_state_flush(&f->d), 0);
	assert_non_null(strstr(read_state_file(f), "tp_dst=5078"));
	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5079 actions=irq:1", &res), 0);
	stop(f, true);
	assert_non_null(strstr(read_state_file(f), "tp_dst=5079"));
	start(f, NULL);
}

static void add_installs_resets_and_saves(void **state)
{
	struct fixture *f = *state;
	struct vsx_flow_mod_result res;
	struct vsx_flow_key k = udp_to(5001);
	const struct vsx_cls_val *v;
	unsigned int installs = f->dbl->calls[DPD_INSTALL];
	__u32 gen = f->dbl->cfg.rules_gen;

	/* the id a new rule takes may hold an old decision and counts: they must go */
	f->dbl->state[1] = (struct vsx_rule_state){.core = 3};
	f->dbl->rule_cnt[VSX_DIR_INGRESS][1] = (struct vsx_counter){7, 700};
	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5001 actions=irq:auto", &res), 0);
	assert_int_equal(res.id, 1);
	v = dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k);
	assert_non_null(v);
	assert_int_equal(v->rule_id, res.id);
	assert_int_equal(v->action, VSX_ACT_IRQ_AUTO);
	assert_int_equal(f->dbl->state[res.id].core, VSX_CORE_NONE);
	assert_int_equal(f->dbl->rule_cnt[VSX_DIR_INGRESS][res.id].packets, 0);
	/* one install, ingress only (nothing changed egress), and cached decisions are stale */
	assert_int_equal(f->dbl->calls[DPD_INSTALL], installs + 1);
	assert_int_equal(f->dbl->cfg.rules_gen, gen + 1);
	assert_non_null(strstr(slurp_state(f), "rule 1 test udp,tp_dst=5001 actions=irq:auto"));
	/* an egress rule goes to the egress classifier */
	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=6000 actions=set_fcf:5", &res), 0);
	assert_non_null(dpd_rule_entry(f->dbl, VSX_DIR_EGRESS, res.id));
	assert_null(dpd_rule_entry(f->dbl, VSX_DIR_INGRESS, res.id));
}

static void modify_and_delete_release_the_decision(void **state)
{
	struct fixture *f = *state;
	struct vsx_flow_mod_result res;
	struct vsx_flow_key k = udp_to(5002);
	__u32 id;

	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5002 actions=irq:auto", &res), 0);
	id = res.id;
	/* the datapath decides core 2 at the first packet; traffic is counted */
	assert_true(dpd_decide(f->dbl, id, 2, false));
	dpd_traffic(f->dbl, VSX_DIR_INGRESS, id, 2, 10, 1000);
	assert_int_equal(f->dbl->assign.normal[2], 1);
	/* irq:auto -> irq:3: the rule keeps its id, gives its core back */
	assert_int_equal(
	    apply_text(f, VSX_FMC_MODIFY_STRICT, "udp,tp_dst=5002 actions=irq:3", &res), 0);
	assert_int_equal(res.n_modified, 1);
	assert_int_equal(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k)->action, VSX_ACT_IRQ_CORE);
	assert_int_equal(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k)->core, 3);
	assert_int_equal(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k)->rule_id, id);
	assert_int_equal(f->dbl->assign.normal[2], 0);
	assert_int_equal(f->dbl->state[id].core, VSX_CORE_NONE);
	/* counters stay with a modified rule */
	assert_int_equal(f->dbl->rule_cnt[VSX_DIR_INGRESS][id].packets, 10);
	/* back to irq:auto, decided again, then deleted: the count goes, the entry goes */
	assert_int_equal(
	    apply_text(f, VSX_FMC_MODIFY_STRICT, "udp,tp_dst=5002 actions=irq:auto", &res), 0);
	assert_true(dpd_decide(f->dbl, id, 1, true));
	assert_int_equal(f->dbl->assign.prio[1], 1);
	assert_int_equal(
	    apply_text(f, VSX_FMC_DELETE_STRICT, "udp,tp_dst=5002 actions=irq:auto", &res), 0);
	assert_int_equal(res.n_deleted, 1);
	assert_null(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k));
	assert_null(dpd_rule_entry(f->dbl, VSX_DIR_INGRESS, id));
	assert_int_equal(f->dbl->assign.prio[1], 0);
	assert_int_equal(f->dbl->state[id].core, VSX_CORE_NONE);
	assert_null(strstr(slurp_state(f), "tp_dst=5002"));
}

/* The double's installed classifier of dir, as a comparable copy. */
static struct dpd_cls snapshot(const struct vsx_dp_double *dbl, int dir)
{
	struct dpd_cls c = dbl->cls[dir];

	c.entries = malloc((c.n_entries ? c.n_entries : 1) * sizeof(*c.entries));
	assert_non_null(c.entries);
	memcpy(c.entries, dbl->cls[dir].entries, c.n_entries * sizeof(*c.entries));
	return c;
}

static void assert_same_cls(const struct dpd_cls *a, const struct dpd_cls *b)
{
	assert_int_equal(a->n_masks, b->n_masks);
	assert_int_equal(a->n_entries, b->n_entries);
	assert_memory_equal(a->masks, b->masks, a->n_masks * sizeof(a->masks[0]));
	assert_memory_equal(a->entries, b->entries, a->n_entries * sizeof(a->entries[0]));
}

static void failed_install_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct vsx_flow_mod_result res;
	struct dpd_cls in0, eg0;
	struct vsx_flow_txn tx;
	struct vsx_flow_mod fm;
	struct vsx_rule r;
	char err[256], *saved;
	unsigned int n_rules;
	__u32 id;

	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=5003 actions=irq:auto", &res), 0);
	id = res.id;
	assert_true(dpd_decide(f->dbl, id, 1, false));
	assert_int_equal(apply_text(f, VSX_FMC_ADD, "udp,tp_dst=7000 actions=set_fcf:3", &res), 0);
	in0 = snapshot(f->dbl, VSX_DIR_INGRESS);
	eg0 = snapshot(f->dbl, VSX_DIR_EGRESS);
	n_rules = vsx_rule_table_count(f->d.rules);
	saved = strdup(slurp_state(f));

	/* one change, its install fails: nothing changes anywhere */
	dpd_fail(f->dbl, DPD_INSTALL, -EIO, 0, 1);
	assert_int_equal(
	    apply_text(f, VSX_FMC_DELETE_STRICT, "udp,tp_dst=5003 actions=irq:auto", &res), -EIO);
	assert_same_cls(&in0, &f->dbl->cls[VSX_DIR_INGRESS]);
	assert_int_equal(f->dbl->state[id].core, 1); /* still decided: not released */
	assert_int_equal(f->dbl->assign.normal[1], 1);
	assert_int_equal(vsx_rule_table_count(f->d.rules), n_rules);
	assert_string_equal(slurp_state(f), saved);

	/*
	 * A batch over both directions whose second install fails: the first direction was
	 * switched and must be switched back to what it was.
	 */
	assert_int_equal(vsxd_rules_txn_begin(&f->d, &tx), 0);
	assert_int_equal(vsx_rule_parse("udp,tp_dst=5004 actions=irq:2", &r, NULL, 0), 0);
	vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_parse("udp,tp_dst=7001 actions=set_fcf:4", &r, NULL, 0), 0);
	vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
	assert_int_equal(vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err)), 0);
	dpd_fail(f->dbl, DPD_INSTALL, -ENOSPC, 1, 1); /* the first install succeeds */
	assert_int_not_equal(vsxd_rules_txn_commit(&f->d, &tx, err, sizeof(err)), 0);
	assert_same_cls(&in0, &f->dbl->cls[VSX_DIR_INGRESS]);
	assert_same_cls(&eg0, &f->dbl->cls[VSX_DIR_EGRESS]);
	assert_int_equal(vsx_rule_table_count(f->d.rules), n_rules);
	assert_int_equal(f->dbl->state[id].core, 1);
	assert_string_equal(slurp_state(f), saved);

	/* and the table still works: the same delete goes through */
	assert_int_equal(
	    apply_text(f, VSX_FMC_DELETE_STRICT, "udp,tp_dst=5003 actions=irq:auto", &res), 0);
	assert_int_equal(f->dbl->assign.normal[1], 0);
	free(in0.entries);
	free(eg0.entries);
	free(saved);
}

static void batch_installs_once(void **state)
{
	struct fixture *f = *state;
	unsigned int installs = f->dbl->calls[DPD_INSTALL];
	struct vsx_flow_txn tx;
	char err[256];

	assert_int_equal(vsxd_rules_txn_begin(&f->d, &tx), 0);
	for (unsigned int port = 6100; port < 6110; port++) {
		struct vsx_flow_mod fm;
		struct vsx_rule r;
		char text[64];

		snprintf(text, sizeof(text), "udp,tp_dst=%u actions=irq:auto", port);
		assert_int_equal(vsx_rule_parse(text, &r, NULL, 0), 0);
		vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
		assert_int_equal(vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(vsxd_rules_txn_commit(&f->d, &tx, err, sizeof(err)), 0);
	assert_int_equal(f->dbl->calls[DPD_INSTALL], installs + 1);
	for (unsigned int port = 6100; port < 6110; port++) {
		struct vsx_flow_key k = udp_to(port);

		assert_non_null(dpd_lookup(f->dbl, VSX_DIR_INGRESS, &k));
	}
	assert_non_null(strstr(slurp_state(f), "tp_dst=6109"));
}

/* The id the rule of this text has now (0: none). */
static __u32 id_of(struct fixture *f, const char *text)
{
	const struct vsx_rule *now;
	struct vsx_rule r;

	assert_int_equal(vsx_rule_parse(text, &r, NULL, 0), 0);
	now = vsx_rule_table_find_strict(f->d.rules, &r);
	return now ? now->id : 0;
}

static void restart_keeps_decisions_and_counters(void **state)
{
	struct fixture *f = *state;
	const char *auto_rule = "udp,tp_dst=5005 actions=irq:auto";
	struct vsx_flow_mod_result res;
	__u32 old_id, new_id;

	assert_int_equal(apply_text(f, VSX_FMC_ADD, auto_rule, &res), 0);
	old_id = res.id;
	assert_true(dpd_decide(f->dbl, old_id, 3, false));
	dpd_traffic(f->dbl, VSX_DIR_INGRESS, old_id, 3, 42, 4200);
	assert_int_equal(vsx_dp_call(&f->dbl->dp, set_mode, VSX_MODE_VSX), 0);
	/* the state file records the mode too: save it (the mode changed outside the door) */
	assert_int_equal(vsxd_state_save(&f->d), 0);

	/* vsxd stops keeping the datapath; the next one finds it running with the state */
	stop(f, true);
	f->dbl->caps.reused = true;
	f->dbl->cfg.mode = VSX_MODE_DEFAULT; /* the state file, not the datapath, says vsx */
	/* a configuration rule now comes first and takes the lowest id */
	start(f, "rule \"udp,tp_dst=9999 actions=irq:1\"\n");
	new_id = id_of(f, auto_rule);
	assert_int_not_equal(new_id, 0);
	assert_int_not_equal(new_id, old_id);
	assert_int_equal(id_of(f, "udp,tp_dst=9999 actions=irq:1"), old_id);
	/* the runtime rule's decision and counters moved to its new id */
	assert_int_equal(f->dbl->state[new_id].core, 3);
	assert_int_equal(f->dbl->rule_cnt[VSX_DIR_INGRESS][new_id].packets, 42);
	assert_int_equal(f->dbl->rule_cnt[VSX_DIR_INGRESS][new_id].bytes, 4200);
	/* the config rule on the old id starts fresh */
	assert_int_equal(f->dbl->state[old_id].core, VSX_CORE_NONE);
	assert_int_equal(f->dbl->rule_cnt[VSX_DIR_INGRESS][old_id].packets, 0);
	assert_int_equal(f->dbl->cfg.mode, VSX_MODE_VSX);

	/* a datapath that is not kept: the state file is not read, the rule is gone */
	stop(f, false);
	f->dbl->caps.reused = false;
	start(f, NULL);
	assert_int_equal(id_of(f, auto_rule), 0);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 0);
}

static void bad_state_file_lines_are_skipped(void **state)
{
	struct fixture *f = *state;
	char path[128];
	FILE *out;

	stop(f, true);
	snprintf(path, sizeof(path), "%s/vsxd.sock.state", f->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "mode bogus\nrule 0 vsxctl udp actions=irq:1\nrule 99999 vsxctl udp "
		     "actions=irq:1\nrule 5 vsxctl nonsense=1 actions=irq:1\ngarbage\n"
		     "rule 7 vsxctl udp,tp_dst=5006 actions=irq:2\n");
	fclose(out);
	f->dbl->caps.reused = true;
	start(f, NULL);
	assert_int_equal(vsx_rule_table_count(f->d.rules), 1);
	assert_int_not_equal(id_of(f, "udp,tp_dst=5006 actions=irq:2"), 0);
	assert_int_equal(f->dbl->cfg.mode, VSX_MODE_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(add_installs_resets_and_saves, setup, teardown),
	    cmocka_unit_test_setup_teardown(modify_and_delete_release_the_decision, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(failed_install_rolls_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(batch_installs_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(restart_keeps_decisions_and_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_state_file_lines_are_skipped, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_file_written_at_the_tick, setup, teardown),
	};

	vsx_log_set_level(VSX_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
