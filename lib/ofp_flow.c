// SPDX-License-Identifier: MIT
/*
 * FLOW_MOD (all five commands) and FLOW_REMOVED in both versions. 1.0: fixed match, then
 * actions. 1.3: fixed part, OXM match padded to 8, then instructions.
 */
#include "ofp_internal.h"

static const char *const commands[] = {"add", "modify", "modify_strict", "delete", "delete_strict"};

int ofp_flow_mod_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_flow_mod *f = &m->flow_mod;
	int err;

	if (m->version == OFP10_VERSION) {
		struct ofp10_flow_mod w;
		__u16 cmd;

		OFP_RD_PULL_AFTER_HEADER(body, &w);
		cmd = be16toh(w.command);
		if (cmd > OFPFC_DELETE_STRICT)
			return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_COMMAND, "FLOW_MOD command %u",
					cmd);
		ofp_match10_from_wire(&w.match, &f->match.m10);
		f->cookie = be64toh(w.cookie);
		f->command = (__u8)cmd;
		f->idle_timeout = be16toh(w.idle_timeout);
		f->hard_timeout = be16toh(w.hard_timeout);
		f->priority = be16toh(w.priority);
		f->buffer_id = be32toh(w.buffer_id);
		f->out_port = be16toh(w.out_port);
		f->flags = be16toh(w.flags);
		return ofp_actions_decode(body, m->version, m, &f->actions, &f->n_actions, st);
	}
	{
		struct ofp13_flow_mod w;

		OFP_RD_PULL_AFTER_HEADER(body, &w);
		f->cookie = be64toh(w.cookie);
		f->cookie_mask = be64toh(w.cookie_mask);
		f->table_id = w.table_id;
		f->command = w.command;
		f->idle_timeout = be16toh(w.idle_timeout);
		f->hard_timeout = be16toh(w.hard_timeout);
		f->priority = be16toh(w.priority);
		f->buffer_id = be32toh(w.buffer_id);
		f->out_port = be32toh(w.out_port);
		f->out_group = be32toh(w.out_group);
		f->flags = be16toh(w.flags);
		if (f->command > OFPFC_DELETE_STRICT)
			return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_COMMAND, "FLOW_MOD command %u",
					f->command);
		if (f->flags & ~OFPFF13_ALL)
			return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_FLAGS, "FLOW_MOD flags 0x%x",
					f->flags);
		/* Only deletes may name every table. */
		if (f->table_id == OFPTT_ALL && f->command < OFPFC_DELETE)
			return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_TABLE_ID,
					"FLOW_MOD %s in table 0xff", commands[f->command]);
		err = ofp_match13_decode(body, m, &f->match, st);
		if (err)
			return err;
		return ofp_instructions_decode(body, m, &f->instructions, &f->n_instructions, st);
	}
}

int ofp_flow_mod_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_flow_mod *f = &m->flow_mod;
	int ret;

	if (f->command > OFPFC_DELETE_STRICT)
		return ofp_enc_fail(err, errlen, "FLOW_MOD command %u", f->command);
	if (m->version == OFP10_VERSION) {
		struct ofp10_flow_mod w = {0};

		if (f->out_port > 0xffff)
			return ofp_enc_fail(err, errlen, "1.0 out_port %u above 0xffff",
					    f->out_port);
		if (f->n_instructions)
			return ofp_enc_fail(err, errlen,
					    "1.0 FLOW_MOD has actions, not instructions");
		w.cookie = htobe64(f->cookie);
		w.command = htobe16(f->command);
		w.idle_timeout = htobe16(f->idle_timeout);
		w.hard_timeout = htobe16(f->hard_timeout);
		w.priority = htobe16(f->priority);
		w.buffer_id = htobe32(f->buffer_id);
		w.out_port = htobe16((__u16)f->out_port);
		w.flags = htobe16(f->flags);
		ofp_match10_to_wire(&f->match.m10, &w.match);
		OFP_PUT_AFTER_HEADER(b, &w);
		return ofp_actions_encode(f->actions, f->n_actions, m->version, b, err, errlen);
	}
	{
		struct ofp13_flow_mod w = {0};

		if (f->n_actions)
			return ofp_enc_fail(err, errlen,
					    "1.3 FLOW_MOD has instructions, not actions");
		w.cookie = htobe64(f->cookie);
		w.cookie_mask = htobe64(f->cookie_mask);
		w.table_id = f->table_id;
		w.command = f->command;
		w.idle_timeout = htobe16(f->idle_timeout);
		w.hard_timeout = htobe16(f->hard_timeout);
		w.priority = htobe16(f->priority);
		w.buffer_id = htobe32(f->buffer_id);
		w.out_port = htobe32(f->out_port);
		w.out_group = htobe32(f->out_group);
		w.flags = htobe16(f->flags);
		OFP_PUT_AFTER_HEADER(b, &w);
		ret = ofp_match13_encode(&f->match, b, err, errlen);
		if (ret)
			return ret;
		return ofp_instructions_encode(f->instructions, f->n_instructions, b, err, errlen);
	}
}

void ofp_flow_mod_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_flow_mod *f = &m->flow_mod;

	if (f->command <= OFPFC_DELETE_STRICT)
		strbuf_printf(sb, " cmd=%s", commands[f->command]);
	else
		strbuf_printf(sb, " cmd=%u", f->command);
	if (m->version == OFP13_VERSION)
		strbuf_printf(sb, " table=%u cookie=0x%llx/0x%llx", f->table_id,
			      (unsigned long long)f->cookie, (unsigned long long)f->cookie_mask);
	else
		strbuf_printf(sb, " cookie=0x%llx", (unsigned long long)f->cookie);
	strbuf_printf(sb,
		      " priority=%u idle=%u hard=%u flags=0x%x buffer=0x%x out_port=", f->priority,
		      f->idle_timeout, f->hard_timeout, f->flags, f->buffer_id);
	ofp_print_port_no(sb, m->version, f->out_port);
	if (m->version == OFP13_VERSION) {
		strbuf_puts(sb, " out_group=");
		if (f->out_group == OFPG13_ANY)
			strbuf_puts(sb, "any");
		else
			strbuf_printf(sb, "%u", f->out_group);
	}
	strbuf_puts(sb, " match=");
	ofp_print_match(sb, m->version, &f->match);
	if (m->version == OFP10_VERSION) {
		strbuf_puts(sb, " actions=");
		ofp_print_actions(sb, m->version, f->actions, f->n_actions);
	} else {
		strbuf_puts(sb, " instructions=");
		ofp_print_instructions(sb, f->instructions, f->n_instructions);
	}
}

int ofp_flow_removed_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_flow_removed *f = &m->flow_removed;

	if (m->version == OFP10_VERSION) {
		struct ofp10_flow_removed w;

		OFP_RD_PULL_AFTER_HEADER(body, &w);
		ofp_match10_from_wire(&w.match, &f->match.m10);
		f->cookie = be64toh(w.cookie);
		f->priority = be16toh(w.priority);
		f->reason = w.reason;
		f->duration_sec = be32toh(w.duration_sec);
		f->duration_nsec = be32toh(w.duration_nsec);
		f->idle_timeout = be16toh(w.idle_timeout);
		f->packet_count = be64toh(w.packet_count);
		f->byte_count = be64toh(w.byte_count);
		return 0;
	}
	{
		struct ofp13_flow_removed w;

		OFP_RD_PULL_AFTER_HEADER(body, &w);
		f->cookie = be64toh(w.cookie);
		f->priority = be16toh(w.priority);
		f->reason = w.reason;
		f->table_id = w.table_id;
		f->duration_sec = be32toh(w.duration_sec);
		f->duration_nsec = be32toh(w.duration_nsec);
		f->idle_timeout = be16toh(w.idle_timeout);
		f->hard_timeout = be16toh(w.hard_timeout);
		f->packet_count = be64toh(w.packet_count);
		f->byte_count = be64toh(w.byte_count);
		return ofp_match13_decode(body, m, &f->match, st);
	}
}

int ofp_flow_removed_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_flow_removed *f = &m->flow_removed;

	if (m->version == OFP10_VERSION) {
		struct ofp10_flow_removed w = {0};

		ofp_match10_to_wire(&f->match.m10, &w.match);
		w.cookie = htobe64(f->cookie);
		w.priority = htobe16(f->priority);
		w.reason = f->reason;
		w.duration_sec = htobe32(f->duration_sec);
		w.duration_nsec = htobe32(f->duration_nsec);
		w.idle_timeout = htobe16(f->idle_timeout);
		w.packet_count = htobe64(f->packet_count);
		w.byte_count = htobe64(f->byte_count);
		OFP_PUT_AFTER_HEADER(b, &w);
		return 0;
	}
	{
		struct ofp13_flow_removed w = {0};

		w.cookie = htobe64(f->cookie);
		w.priority = htobe16(f->priority);
		w.reason = f->reason;
		w.table_id = f->table_id;
		w.duration_sec = htobe32(f->duration_sec);
		w.duration_nsec = htobe32(f->duration_nsec);
		w.idle_timeout = htobe16(f->idle_timeout);
		w.hard_timeout = htobe16(f->hard_timeout);
		w.packet_count = htobe64(f->packet_count);
		w.byte_count = htobe64(f->byte_count);
		OFP_PUT_AFTER_HEADER(b, &w);
		return ofp_match13_encode(&f->match, b, err, errlen);
	}
}

void ofp_flow_removed_print(const struct ofp_msg *m, struct strbuf *sb)
{
	static const char *const reasons[] = {"idle_timeout", "hard_timeout", "delete",
					      "group_delete"};
	const struct ofp_flow_removed *f = &m->flow_removed;
	unsigned int nreasons = m->version == OFP10_VERSION ? 3 : 4;

	if (f->reason < nreasons)
		strbuf_printf(sb, " reason=%s", reasons[f->reason]);
	else
		strbuf_printf(sb, " reason=%u", f->reason);
	if (m->version == OFP13_VERSION)
		strbuf_printf(sb, " table=%u", f->table_id);
	strbuf_printf(sb, " cookie=0x%llx priority=%u duration=%u.%09us idle=%u",
		      (unsigned long long)f->cookie, f->priority, f->duration_sec, f->duration_nsec,
		      f->idle_timeout);
	if (m->version == OFP13_VERSION)
		strbuf_printf(sb, " hard=%u", f->hard_timeout);
	strbuf_printf(sb, " packets=%llu bytes=%llu match=", (unsigned long long)f->packet_count,
		      (unsigned long long)f->byte_count);
	ofp_print_match(sb, m->version, &f->match);
}
