// SPDX-License-Identifier: MIT
/*
 * OpenFlow FLOW_MODs <-> vsx flow_mods (lib/ofp_rule.c). Inputs are FLOW_MODs encoded by
 * ovs-ofctl 3.1 (tests/unit/ofp/rule/NAME.hex, made by gen.sh from cases.txt); NAME.txt is the
 * expected outcome, one line:
 *   cmd=C prio=P cookie=0xC/0xM idle=I hard=H flags=0xF RULE   the flow_mod (RULE: the match
 *                                                                and action as vsx text)
 *   NOOP                                                         accepted, selects nothing
 *   ERR NAME                                                     refused with that ofp_err
 * Each accepted ADD/MODIFY is then turned back into OpenFlow (ofp_rule_to_ofp), encoded,
 * decoded and converted again: the same flow_mod must come back; inputs already in the
 * canonical form (set_queue:N,output:LOCAL; enqueue:LOCAL:N) must come back byte for byte.
 * Set VSX_OFP_RULE_PRINT=1 to print the outcomes instead of comparing them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ofp.h"
#include "ofp/slurp.h"
#include "ofp_rule.h"
#include "ofp_vsx.h"
#include "rule_text.h"
#include "vsx/ofp_wire.h"

#define DIR_RULE "tests/unit/ofp/rule"

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < max);
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* The flow_mod as the .txt files say it. */
static void describe(const struct vsx_flow_mod *fm, char *out, size_t len)
{
	struct vsx_rule r;
	char text[VSX_RULE_TEXT_MAX];
	bool del = fm->command == VSX_FMC_DELETE || fm->command == VSX_FMC_DELETE_STRICT;

	vsx_rule_init(&r);
	r.priority = fm->priority;
	r.key = fm->key;
	r.mask = fm->mask;
	r.action = fm->action;
	if (del) /* a selection has no action: print the match with a stand-in */
		r.action = (struct vsx_rule_action){.kind = VSX_ACT_IRQ_AUTO};
	assert_true(vsx_rule_format(&r, text, sizeof(text)) > 0);
	if (del) {
		char *a = strstr(text, "actions=");

		if (a == text)
			strcpy(text, "(all)");
		else if (a)
			a[-1] = '\0';
	}
	snprintf(out, len, "cmd=%u prio=%u cookie=0x%llx/0x%llx idle=%u hard=%u flags=0x%x %s",
		 fm->command, fm->priority, (unsigned long long)fm->cookie,
		 (unsigned long long)fm->cookie_mask, fm->idle_timeout, fm->hard_timeout, fm->flags,
		 text);
}

/* rule -> OpenFlow -> bytes -> decode -> flow_mod again; returns the new encoding. */
static void round_trip(const struct ofp_msg *m, const struct vsx_flow_mod *fm, struct ofp_buf *b)
{
	struct ofp_rule_repr *rep = calloc(1, sizeof(*rep));
	struct ofp_msg out = *m, back;
	struct vsx_flow_mod fm2;
	struct ofp_status st;
	struct vsx_rule r;
	char err[160];

	assert_non_null(rep);
	vsx_rule_init(&r);
	r.priority = fm->priority;
	r.key = fm->key;
	r.mask = fm->mask;
	r.action = fm->action;
	assert_int_equal(ofp_rule_to_ofp(m->version, &r, rep), 0);
	out.arena = NULL;
	out.flow_mod.match = rep->match;
	out.flow_mod.actions = rep->actions;
	out.flow_mod.n_actions = m->version == OFP10_VERSION ? rep->n_actions : 0;
	out.flow_mod.instructions = &rep->inst;
	out.flow_mod.n_instructions = rep->n_instructions;
	if (ofp_encode(&out, b, err, sizeof(err)))
		fail_msg("encode: %s", err);
	assert_int_equal(ofp_decode(b->data, b->len, &back, &st), 0);
	assert_int_equal(ofp_rule_from_flow_mod(&back, &fm2, &st), 0);
	assert_memory_equal(&fm2, fm, sizeof(fm2));
	ofp_msg_free(&back);
	free(rep);
}

static bool canonical(const char *name)
{
	static const char *const names[] = {
	    "of13_tcp_queue", "of13_tunnel_id", "of13_ipv6_canon", "of10_tcp_enqueue",
	    "of10_vlan",      "of10_tos",	"of10_icmp",	   NULL};

	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static void test_ovs_ofctl_inputs(void **state)
{
	bool print = getenv("VSX_OFP_RULE_PRINT") != NULL;
	DIR *dir = opendir(DIR_RULE);
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		char path[512], name[256], got[1400], *hex, *want;
		unsigned char bytes[4096];
		struct vsx_flow_mod fm;
		struct ofp_status st;
		struct ofp_msg m;
		size_t len, nl = strlen(e->d_name);
		int rc;

		if (nl < 5 || strcmp(e->d_name + nl - 4, ".hex"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(nl - 4), e->d_name);
		snprintf(path, sizeof(path), DIR_RULE "/%s.hex", name);
		hex = slurp(path);
		assert_non_null(hex);
		len = parse_hex(hex, bytes, sizeof(bytes));
		free(hex);
		if (ofp_decode(bytes, len, &m, &st))
			fail_msg("%s: the codec refuses it: %s", name, st.text);
		rc = ofp_rule_from_flow_mod(&m, &fm, &st);
		if (rc == OFP_RULE_NOOP)
			snprintf(got, sizeof(got), "NOOP");
		else if (rc)
			snprintf(got, sizeof(got), "ERR %s", ofp_err_name(st.err));
		else
			describe(&fm, got, sizeof(got));
		if (!rc && fm.command != VSX_FMC_DELETE && fm.command != VSX_FMC_DELETE_STRICT) {
			struct ofp_buf b;

			ofp_buf_init(&b);
			round_trip(&m, &fm, &b);
			if (canonical(name) && (b.len != len || memcmp(b.data, bytes, len))) {
				for (size_t i = 0; i < b.len; i++)
					fprintf(stderr, "%02x", b.data[i]);
				fail_msg("\n%s: canonical input re-encoded differently (above)",
					 name);
			}
			ofp_buf_free(&b);
		}
		ofp_msg_free(&m);
		snprintf(path, sizeof(path), DIR_RULE "/%s.txt", name);
		if (print) {
			printf("# %s: %s\n", name, got);
			n++;
			continue;
		}
		want = slurp(path);
		if (!want)
			fail_msg("%s: no %s", name, path);
		want[strcspn(want, "\n")] = '\0';
		if (strcmp(want, got))
			fail_msg("%s:\n  want %s\n  got  %s", name, want, got);
		free(want);
		n++;
	}
	closedir(dir);
	assert_true(n >= 30);
}

/* Rules only vsx's own fields can say: 1.3 with the vsx OXMs and actions, and not 1.0. */
static void test_vsx_fields(void **state)
{
	static const char *const rules[] = {
	    "vni=101,vm_id=1 actions=irq:auto",
	    "vni=101,vm_id=3,fcf_prio=1 actions=irq:7",
	    "vni=101,dl_src=52:54:00:00:01:01 actions=set_fcf:1/1",
	    "outer_src=10.0.0.1,outer_dst=10.0.0.0/24,vni=5 actions=irq:2",
	    "outer_dst=2001:db8::1 actions=irq:auto",
	    "ip,nw_frag=later actions=irq:1",
	    "tcp,tp_dst=0x50/0xfff0 actions=irq:1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct ofp_rule_repr *rep = calloc(1, sizeof(*rep));
		struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_FLOW_MOD, .xid = 9};
		struct vsx_flow_mod fm;
		struct ofp_status st;
		struct ofp_msg back;
		struct ofp_buf b;
		struct vsx_rule r, r2;
		char err[256], text[VSX_RULE_TEXT_MAX], canon[VSX_RULE_TEXT_MAX];

		assert_non_null(rep);
		if (vsx_rule_parse(rules[i], &r, err, sizeof(err)))
			fail_msg("%s: %s", rules[i], err);
		assert_int_equal(ofp_rule_to_ofp(OFP10_VERSION, &r, rep), -EOPNOTSUPP);
		assert_int_equal(ofp_rule_to_ofp(OFP13_VERSION, &r, rep), 0);
		m.flow_mod.priority = r.priority;
		m.flow_mod.buffer_id = 0xffffffffu;
		m.flow_mod.out_port = OFPP13_ANY;
		m.flow_mod.out_group = 0xffffffffu;
		m.flow_mod.match = rep->match;
		m.flow_mod.instructions = &rep->inst;
		m.flow_mod.n_instructions = rep->n_instructions;
		ofp_buf_init(&b);
		if (ofp_encode(&m, &b, err, sizeof(err)))
			fail_msg("%s: encode: %s", rules[i], err);
		assert_int_equal(ofp_decode(b.data, b.len, &back, &st), 0);
		if (ofp_rule_from_flow_mod(&back, &fm, &st))
			fail_msg("%s: %s", rules[i], st.text);
		vsx_rule_init(&r2);
		r2.priority = fm.priority;
		r2.key = fm.key;
		r2.mask = fm.mask;
		r2.action = fm.action;
		assert_true(vsx_rule_format(&r2, text, sizeof(text)) > 0);
		assert_true(vsx_rule_format(&r, canon, sizeof(canon)) > 0);
		assert_string_equal(text, canon);
		ofp_msg_free(&back);
		ofp_buf_free(&b);
		free(rep);
	}
}

/* The vsx action's bytes (docs/openflow-extensions.md): set_fcf:5/1 in 1.3 apply_actions. */
static void test_set_fcf_bytes(void **state)
{
	static const unsigned char want[] = {
	    0x00, 0x04, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, /* apply_actions, len 24 */
	    0xff, 0xff, 0x00, 0x10, 0x00, 0x02, 0x56, 0x58, /* experimenter action, len 16 */
	    0x00, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, /* set_fcf, vm 5, prio 1 */
	};
	struct ofp_rule_repr *rep = calloc(1, sizeof(*rep));
	struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_FLOW_MOD};
	struct ofp_buf b;
	struct vsx_rule r;
	char err[256];
	size_t off;

	(void)state;
	assert_non_null(rep);
	assert_int_equal(
	    vsx_rule_parse("dl_src=52:54:00:00:01:01 actions=set_fcf:5/1", &r, err, sizeof(err)),
	    0);
	assert_int_equal(ofp_rule_to_ofp(OFP13_VERSION, &r, rep), 0);
	m.flow_mod.buffer_id = 0xffffffffu;
	m.flow_mod.match = rep->match;
	m.flow_mod.instructions = &rep->inst;
	m.flow_mod.n_instructions = 1;
	ofp_buf_init(&b);
	assert_int_equal(ofp_encode(&m, &b, err, sizeof(err)), 0);
	off = b.len - sizeof(want);
	assert_memory_equal(b.data + off, want, sizeof(want));
	ofp_buf_free(&b);
	free(rep);
}

static void test_fm_errors(void **state)
{
	(void)state;
	assert_int_equal(ofp_rule_fm_error(VSX_FMF_OVERLAP), OFP_ERR_FLOW_MOD_OVERLAP);
	assert_int_equal(ofp_rule_fm_error(VSX_FMF_TABLE_FULL), OFP_ERR_FLOW_MOD_TABLE_FULL);
	assert_int_equal(ofp_rule_fm_error(VSX_FMF_BAD_MATCH), OFP_ERR_BAD_MATCH_PREREQ);
	assert_int_equal(ofp_rule_fm_error(VSX_FMF_BAD_ACTION),
			 OFP_ERR_BAD_ACTION_MATCH_INCONSISTENT);
	assert_int_equal(ofp_rule_fm_error(VSX_FMF_DATAPATH), OFP_ERR_FLOW_MOD_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ovs_ofctl_inputs),
	    cmocka_unit_test(test_vsx_fields),
	    cmocka_unit_test(test_set_fcf_bytes),
	    cmocka_unit_test(test_fm_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
