// SPDX-License-Identifier: MIT
/*
 * Action lists (both versions) and 1.3 instruction lists. Known: output, enqueue (1.0),
 * set_queue (1.3), vendor/experimenter actions with opaque data; goto_table, write_actions,
 * apply_actions, clear_actions and experimenter instructions. Every element's length is a
 * multiple of 8, at least its fixed part, within the list, and exact for fixed-size ones.
 */
#include "ofp_internal.h"

static int action_decode(struct ofp_rd *a, __u16 type, __u8 version, struct ofp_msg *m,
			 struct ofp_action *out, struct ofp_status *st)
{
	size_t len = a->len;

	out->type = type;
	if (type == OFPAT_OUTPUT && version == OFP10_VERSION) {
		struct ofp10_action_output w;

		if (len != sizeof(w))
			goto bad_len;
		ofp_rd_pull(a, &w, sizeof(w));
		out->port = be16toh(w.port);
		out->max_len = be16toh(w.max_len);
	} else if (type == OFPAT_OUTPUT) {
		struct ofp13_action_output w;

		if (len != sizeof(w))
			goto bad_len;
		ofp_rd_pull(a, &w, sizeof(w));
		out->port = be32toh(w.port);
		out->max_len = be16toh(w.max_len);
	} else if (type == OFPAT10_ENQUEUE && version == OFP10_VERSION) {
		struct ofp10_action_enqueue w;

		if (len != sizeof(w))
			goto bad_len;
		ofp_rd_pull(a, &w, sizeof(w));
		out->port = be16toh(w.port);
		out->queue_id = be32toh(w.queue_id);
	} else if (type == OFPAT13_SET_QUEUE && version == OFP13_VERSION) {
		struct ofp13_action_set_queue w;

		if (len != sizeof(w))
			goto bad_len;
		ofp_rd_pull(a, &w, sizeof(w));
		out->queue_id = be32toh(w.queue_id);
	} else if (type == OFPAT_EXPERIMENTER) {
		struct ofp_action_experimenter w;

		ofp_rd_pull(a, &w, sizeof(w)); /* len >= 8: checked by the caller */
		out->experimenter = be32toh(w.experimenter);
		out->data_len = a->len;
		out->data = ofp_dup(m, a->p, a->len);
		if (!out->data)
			return ofp_oom(st);
		ofp_rd_skip(a, a->len);
	} else {
		return ofp_fail(st, OFP_ERR_BAD_ACTION_TYPE, "action type %u", type);
	}
	return 0;
bad_len:
	return ofp_fail(st, OFP_ERR_BAD_ACTION_LEN, "action type %u of %zu bytes", type, len);
}

int ofp_actions_decode(struct ofp_rd *r, __u8 version, struct ofp_msg *m, struct ofp_action **out,
		       size_t *n, struct ofp_status *st)
{
	size_t max = r->len / 8;

	*n = 0;
	*out = ofp_alloc(m, (max ? max : 1) * sizeof(**out));
	if (!*out)
		return ofp_oom(st);
	while (r->len) {
		struct ofp_rd a;
		__u16 type, len;
		int err;

		if (r->len < sizeof(struct ofp_action_header))
			return ofp_fail(st, OFP_ERR_BAD_ACTION_LEN, "action header truncated");
		type = ofp_peek16(r, 0);
		len = ofp_peek16(r, 2);
		if (len < 8 || len % 8 || len > r->len)
			return ofp_fail(st, OFP_ERR_BAD_ACTION_LEN,
					"action type %u: length %u with %zu bytes left", type, len,
					r->len);
		ofp_rd_sub(r, len, &a);
		err = action_decode(&a, type, version, m, &(*out)[*n], st);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

int ofp_actions_encode(const struct ofp_action *a, size_t n, __u8 version, struct ofp_buf *b,
		       char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++, a++) {
		if (a->type == OFPAT_OUTPUT && version == OFP10_VERSION) {
			struct ofp10_action_output w = {htobe16(OFPAT_OUTPUT), htobe16(sizeof(w)),
							htobe16((__u16)a->port),
							htobe16(a->max_len)};

			if (a->port > 0xffff)
				return ofp_enc_fail(err, errlen, "1.0 output port %u above 0xffff",
						    a->port);
			ofp_put(b, &w, sizeof(w));
		} else if (a->type == OFPAT_OUTPUT) {
			struct ofp13_action_output w = {0};

			w.type = htobe16(OFPAT_OUTPUT);
			w.len = htobe16(sizeof(w));
			w.port = htobe32(a->port);
			w.max_len = htobe16(a->max_len);
			ofp_put(b, &w, sizeof(w));
		} else if (a->type == OFPAT10_ENQUEUE && version == OFP10_VERSION) {
			struct ofp10_action_enqueue w = {0};

			if (a->port > 0xffff)
				return ofp_enc_fail(err, errlen, "1.0 enqueue port %u above 0xffff",
						    a->port);
			w.type = htobe16(OFPAT10_ENQUEUE);
			w.len = htobe16(sizeof(w));
			w.port = htobe16((__u16)a->port);
			w.queue_id = htobe32(a->queue_id);
			ofp_put(b, &w, sizeof(w));
		} else if (a->type == OFPAT13_SET_QUEUE && version == OFP13_VERSION) {
			struct ofp13_action_set_queue w = {
			    htobe16(OFPAT13_SET_QUEUE), htobe16(sizeof(w)), htobe32(a->queue_id)};

			ofp_put(b, &w, sizeof(w));
		} else if (a->type == OFPAT_EXPERIMENTER) {
			struct ofp_action_experimenter w;

			if ((8 + a->data_len) % 8 || a->data_len > 0xffff - 8)
				return ofp_enc_fail(err, errlen,
						    "experimenter action data of %zu bytes: 8 + it "
						    "must be a multiple of 8",
						    a->data_len);
			w.type = htobe16(OFPAT_EXPERIMENTER);
			w.len = htobe16((__u16)(8 + a->data_len));
			w.experimenter = htobe32(a->experimenter);
			ofp_put(b, &w, sizeof(w));
			ofp_put(b, a->data, a->data_len);
		} else {
			return ofp_enc_fail(err, errlen, "%s action type %u is not supported",
					    ofp_version_name(version), a->type);
		}
	}
	return 0;
}

static int instruction_decode(struct ofp_rd *in, __u16 type, struct ofp_msg *m,
			      struct ofp_instruction *out, struct ofp_status *st)
{
	size_t len = in->len;

	out->type = type;
	switch (type) {
	case OFPIT_GOTO_TABLE: {
		struct ofp13_instruction_goto_table w;

		if (len != sizeof(w))
			goto bad_len;
		ofp_rd_pull(in, &w, sizeof(w));
		out->table_id = w.table_id;
		if (w.table_id == OFPTT_ALL)
			return ofp_fail(st, OFP_ERR_BAD_INST_TABLE_ID, "goto_table 0xff");
		return 0;
	}
	case OFPIT_WRITE_ACTIONS:
	case OFPIT_APPLY_ACTIONS:
	case OFPIT_CLEAR_ACTIONS:
		ofp_rd_skip(in, sizeof(struct ofp13_instruction_actions));
		if (type == OFPIT_CLEAR_ACTIONS && in->len)
			goto bad_len;
		return ofp_actions_decode(in, OFP13_VERSION, m, &out->actions, &out->n_actions, st);
	case OFPIT_EXPERIMENTER:
		out->experimenter = ofp_peek32(in, 4);
		ofp_rd_skip(in, sizeof(struct ofp13_instruction_experimenter));
		out->data_len = in->len;
		out->data = ofp_dup(m, in->p, in->len);
		if (!out->data)
			return ofp_oom(st);
		ofp_rd_skip(in, in->len);
		return 0;
	default:
		return ofp_fail(st, OFP_ERR_BAD_INST_UNKNOWN, "instruction type %u", type);
	}
bad_len:
	return ofp_fail(st, OFP_ERR_BAD_INST_LEN, "instruction type %u of %zu bytes", type, len);
}

int ofp_instructions_decode(struct ofp_rd *r, struct ofp_msg *m, struct ofp_instruction **out,
			    size_t *n, struct ofp_status *st)
{
	size_t max = r->len / 8;

	*n = 0;
	*out = ofp_alloc(m, (max ? max : 1) * sizeof(**out));
	if (!*out)
		return ofp_oom(st);
	while (r->len) {
		struct ofp_rd in;
		__u16 type, len;
		int err;

		if (r->len < sizeof(struct ofp13_instruction))
			return ofp_fail(st, OFP_ERR_BAD_INST_LEN, "instruction header truncated");
		type = ofp_peek16(r, 0);
		len = ofp_peek16(r, 2);
		if (len < 8 || len % 8 || len > r->len)
			return ofp_fail(st, OFP_ERR_BAD_INST_LEN,
					"instruction type %u: length %u with %zu bytes left", type,
					len, r->len);
		ofp_rd_sub(r, len, &in);
		err = instruction_decode(&in, type, m, &(*out)[*n], st);
		if (err)
			return err;
		(*n)++;
	}
	return 0;
}

int ofp_instructions_encode(const struct ofp_instruction *in, size_t n, struct ofp_buf *b,
			    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++, in++) {
		size_t start = b->len;
		int ret;

		switch (in->type) {
		case OFPIT_GOTO_TABLE: {
			struct ofp13_instruction_goto_table w = {0};

			if (in->table_id == OFPTT_ALL)
				return ofp_enc_fail(err, errlen, "goto_table 0xff");
			w.type = htobe16(in->type);
			w.len = htobe16(sizeof(w));
			w.table_id = in->table_id;
			ofp_put(b, &w, sizeof(w));
			break;
		}
		case OFPIT_WRITE_ACTIONS:
		case OFPIT_APPLY_ACTIONS:
		case OFPIT_CLEAR_ACTIONS: {
			struct ofp13_instruction_actions w = {0};

			if (in->type == OFPIT_CLEAR_ACTIONS && in->n_actions)
				return ofp_enc_fail(err, errlen, "clear_actions with actions");
			w.type = htobe16(in->type);
			ofp_put(b, &w, sizeof(w));
			ret = ofp_actions_encode(in->actions, in->n_actions, OFP13_VERSION, b, err,
						 errlen);
			if (ret)
				return ret;
			break;
		}
		case OFPIT_EXPERIMENTER: {
			struct ofp13_instruction_experimenter w;

			if ((8 + in->data_len) % 8)
				return ofp_enc_fail(
				    err, errlen,
				    "experimenter instruction data of %zu bytes: 8 + "
				    "it must be a multiple of 8",
				    in->data_len);
			w.type = htobe16(in->type);
			w.len = 0;
			w.experimenter = htobe32(in->experimenter);
			ofp_put(b, &w, sizeof(w));
			ofp_put(b, in->data, in->data_len);
			break;
		}
		default:
			return ofp_enc_fail(err, errlen, "instruction type %u is not supported",
					    in->type);
		}
		if (b->len - start > 0xffff)
			return ofp_enc_fail(err, errlen, "instruction longer than 65535 bytes");
		ofp_poke16(b, start + 2, (__u16)(b->len - start));
	}
	return 0;
}
