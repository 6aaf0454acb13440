// SPDX-License-Identifier: MIT
/*
 * What vsxd's OpenFlow agent does with outside bytes past the codec: a FLOW_MOD becomes a vsx
 * flow_mod (lib/ofp_rule.c) or names an error that has a code in the message's version (or
 * the EPERM fallback), and an accepted ADD/MODIFY must give a rule the validator accepts that
 * converts back to OpenFlow, encodes, and decodes to the same flow_mod; a FLOW/AGGREGATE
 * request's match converts or fails with an error; a vsx experimenter message decodes into
 * records that encode back to the same bytes (lib/ofp_vsx.c), or fails with BAD_LEN /
 * BAD_EXP_TYPE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"
#include "ofp_rule.h"
#include "ofp_vsx.h"
#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s\n", what, detail ? detail : "");
	abort();
}

static void flow_mod(const struct ofp_msg *m)
{
	static struct ofp_rule_repr rep;
	struct ofp_msg out = *m, back;
	struct vsx_flow_mod fm, fm2;
	struct ofp_status st;
	struct ofp_buf b;
	struct vsx_rule r;
	char err[256];
	int rc = ofp_rule_from_flow_mod(m, &fm, &st);

	if (rc < 0) {
		if (st.err == OFP_ERR_NONE || !st.text[0])
			die("refused without an error", NULL);
		return;
	}
	if (rc == OFP_RULE_NOOP || fm.command == VSX_FMC_DELETE ||
	    fm.command == VSX_FMC_DELETE_STRICT)
		return;
	vsx_rule_init(&r);
	r.priority = fm.priority;
	r.key = fm.key;
	r.mask = fm.mask;
	r.action = fm.action;
	r.flags = fm.flags;
	if (vsx_rule_validate(&r, err, sizeof(err)))
		die("accepted an invalid rule", err);
	if (ofp_rule_to_ofp(m->version, &r, &rep))
		die("an accepted rule cannot be said back", NULL);
	out.arena = NULL;
	out.flow_mod.match = rep.match;
	out.flow_mod.actions = rep.actions;
	out.flow_mod.n_actions = m->version == 1 ? rep.n_actions : 0;
	out.flow_mod.instructions = &rep.inst;
	out.flow_mod.n_instructions = rep.n_instructions;
	ofp_buf_init(&b);
	if (ofp_encode(&out, &b, err, sizeof(err)))
		die("re-encode", err);
	if (ofp_decode(b.data, b.len, &back, &st))
		die("re-decode", st.text);
	if (ofp_rule_from_flow_mod(&back, &fm2, &st) || memcmp(&fm, &fm2, sizeof(fm)))
		die("round trip changed the flow_mod", st.text);
	ofp_msg_free(&back);
	ofp_buf_free(&b);
}

static void vsx(const struct ofp_msg *m)
{
	struct ofp_status st;
	struct ofp_buf body, a, b;
	struct ofp_msg r;
	struct vsx_exp e;
	int rc = vsx_exp_decode(m, &e, &st);

	if (rc) {
		if (st.err != OFP_ERR_BAD_LEN && st.err != OFP_ERR_BAD_EXP_TYPE &&
		    st.err != OFP_ERR_NO_MEMORY)
			die("vsx decode: unexpected error", st.text);
		return;
	}
	ofp_buf_init(&body);
	switch (e.type) {
	case VSX_EXP_HOST_INFO:
		rc = vsx_exp_host_info(&r, &body, m->version, m->xid, &e.host);
		break;
	case VSX_EXP_VM_PORT_STATUS:
		rc = vsx_exp_vm_port_status(&r, &body, m->version, m->xid, &e.vm);
		break;
	case VSX_EXP_VM_PORTS_REPLY:
		rc = vsx_exp_vm_ports_reply(&r, &body, m->version, m->xid, e.vms.v, e.vms.n);
		break;
	case VSX_EXP_CORE_TABLE_REPLY:
		rc = vsx_exp_core_table_reply(&r, &body, m->version, m->xid, e.cores.v, e.cores.n);
		break;
	default:
		rc = vsx_exp_request(&r, &body, m->version, m->xid, e.type);
		break;
	}
	if (rc)
		die("vsx re-encode", NULL);
	/* Strings are cut at their first NUL on decode: compare canonical forms. */
	ofp_buf_init(&a);
	ofp_buf_init(&b);
	if (ofp_encode(&r, &a, NULL, 0))
		die("vsx message encode", NULL);
	{
		struct ofp_msg again;
		struct vsx_exp e2;
		struct ofp_msg r2;
		struct ofp_buf body2;

		if (ofp_decode(a.data, a.len, &again, &st) || vsx_exp_decode(&again, &e2, &st))
			die("vsx re-decode", st.text);
		ofp_buf_init(&body2);
		switch (e2.type) {
		case VSX_EXP_HOST_INFO:
			rc = vsx_exp_host_info(&r2, &body2, m->version, m->xid, &e2.host);
			break;
		case VSX_EXP_VM_PORT_STATUS:
			rc = vsx_exp_vm_port_status(&r2, &body2, m->version, m->xid, &e2.vm);
			break;
		case VSX_EXP_VM_PORTS_REPLY:
			rc = vsx_exp_vm_ports_reply(&r2, &body2, m->version, m->xid, e2.vms.v,
						    e2.vms.n);
			break;
		case VSX_EXP_CORE_TABLE_REPLY:
			rc = vsx_exp_core_table_reply(&r2, &body2, m->version, m->xid, e2.cores.v,
						      e2.cores.n);
			break;
		default:
			rc = vsx_exp_request(&r2, &body2, m->version, m->xid, e2.type);
			break;
		}
		if (rc || ofp_encode(&r2, &b, NULL, 0) || a.len != b.len ||
		    memcmp(a.data, b.data, a.len))
			die("vsx encoding not stable", NULL);
		vsx_exp_free(&e2);
		ofp_msg_free(&again);
		ofp_buf_free(&body2);
	}
	ofp_buf_free(&a);
	ofp_buf_free(&b);
	ofp_buf_free(&body);
	vsx_exp_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofp_status st;
	struct ofp_msg m;

	if (ofp_decode(data, size, &m, &st))
		return 0;
	if (m.kind == OFPK_FLOW_MOD) {
		flow_mod(&m);
	} else if (m.kind == OFPK_FLOW_STATS_REQUEST || m.kind == OFPK_AGGREGATE_REQUEST) {
		struct vsx_flow_key k, mk;

		if (ofp_rule_match_from_ofp(m.version, &m.flow_req.match, &k, &mk, &st) &&
		    st.err == OFP_ERR_NONE)
			die("match refused without an error", NULL);
	} else if (vsx_exp_is_ours(&m)) {
		vsx(&m);
	}
	ofp_msg_free(&m);
	return 0;
}
