// SPDX-License-Identifier: MIT
/*
 * TABLE_FEATURES (1.3 multipart 12), request and reply share the body: a list of tables,
 * each with a fixed part and properties (type, length, data, padding to 8). Properties are
 * kept as type + data, so every property, the 8 required ones included (instructions,
 * next_tables, write/apply_actions, match, wildcards, write/apply_setfield), decodes and
 * encodes; the printer lists the ids inside the standard ones.
 */
#include "ofp_internal.h"

static int props_decode(struct ofp_rd *r, struct ofp_msg *m, struct ofp_table_features *t,
			struct ofp_status *st)
{
	size_t max = r->len / 8;

	t->props = ofp_alloc(m, (max ? max : 1) * sizeof(*t->props));
	if (!t->props)
		return ofp_oom(st);
	while (r->len) {
		struct ofp_tf_prop *p = &t->props[t->n_props];
		__u16 type, len;
		size_t padded;

		if (r->len < sizeof(struct ofp13_table_feature_prop))
			return ofp_fail(st, OFP_ERR_TABLE_FEATURES_BAD_LEN,
					"table %u: property header truncated", t->table_id);
		type = ofp_peek16(r, 0);
		len = ofp_peek16(r, 2);
		padded = ofp_pad8(len);
		if (len < sizeof(struct ofp13_table_feature_prop) || padded > r->len)
			return ofp_fail(st, OFP_ERR_TABLE_FEATURES_BAD_LEN,
					"table %u: property %u of length %u with %zu bytes left",
					t->table_id, type, len, r->len);
		p->type = type;
		p->len = len - sizeof(struct ofp13_table_feature_prop);
		p->data = ofp_dup(m, r->p + sizeof(struct ofp13_table_feature_prop), p->len);
		if (!p->data)
			return ofp_oom(st);
		ofp_rd_skip(r, padded);
		t->n_props++;
	}
	return 0;
}

int ofp_table_features_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	size_t max = body->len / sizeof(struct ofp13_table_features);
	struct ofp_table_features_list *l = &m->table_features;

	l->v = ofp_alloc(m, (max ? max : 1) * sizeof(*l->v));
	if (!l->v)
		return ofp_oom(st);
	while (body->len) {
		struct ofp_table_features *t = &l->v[l->n];
		struct ofp13_table_features w;
		struct ofp_rd e;
		__u16 len;
		int err;

		if (body->len < sizeof(w))
			return ofp_fail(st, OFP_ERR_TABLE_FEATURES_BAD_LEN,
					"table features truncated: %zu bytes", body->len);
		len = ofp_peek16(body, 0);
		if (len < sizeof(w) || len % 8 || len > body->len)
			return ofp_fail(st, OFP_ERR_TABLE_FEATURES_BAD_LEN,
					"table features of length %u with %zu bytes left", len,
					body->len);
		ofp_rd_sub(body, len, &e);
		ofp_rd_pull(&e, &w, sizeof(w));
		t->table_id = w.table_id;
		if (t->table_id == OFPTT_ALL)
			return ofp_fail(st, OFP_ERR_TABLE_FEATURES_BAD_TABLE,
					"table features for table 0xff");
		ofp_str_from_wire(t->name, w.name, sizeof(w.name));
		t->metadata_match = be64toh(w.metadata_match);
		t->metadata_write = be64toh(w.metadata_write);
		t->config = be32toh(w.config);
		t->max_entries = be32toh(w.max_entries);
		err = props_decode(&e, m, t, st);
		if (err)
			return err;
		l->n++;
	}
	return 0;
}

int ofp_table_features_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_table_features_list *l = &m->table_features;

	for (size_t i = 0; i < l->n; i++) {
		const struct ofp_table_features *t = &l->v[i];
		struct ofp13_table_features w = {0};
		size_t start = b->len;

		if (t->table_id == OFPTT_ALL)
			return ofp_enc_fail(err, errlen, "table features for table 0xff");
		w.table_id = t->table_id;
		if (ofp_str_to_wire(w.name, t->name, sizeof(w.name)))
			return ofp_enc_fail(err, errlen, "table name longer than 32 bytes");
		w.metadata_match = htobe64(t->metadata_match);
		w.metadata_write = htobe64(t->metadata_write);
		w.config = htobe32(t->config);
		w.max_entries = htobe32(t->max_entries);
		ofp_put(b, &w, sizeof(w));
		for (size_t j = 0; j < t->n_props; j++) {
			const struct ofp_tf_prop *p = &t->props[j];
			size_t pstart = b->len;
			struct ofp13_table_feature_prop h;

			if (p->len > 0xffff - sizeof(h))
				return ofp_enc_fail(err, errlen, "table property of %zu bytes",
						    p->len);
			h.type = htobe16(p->type);
			h.length = htobe16((__u16)(sizeof(h) + p->len));
			ofp_put(b, &h, sizeof(h));
			ofp_put(b, p->data, p->len);
			ofp_put_pad8(b, pstart);
		}
		if (b->len - start > 0xffff)
			return ofp_enc_fail(err, errlen, "table features longer than 65535 bytes");
		ofp_poke16(b, start, (__u16)(b->len - start));
	}
	return 0;
}

static const char *prop_name(__u16 type)
{
	static const char *const names[] = {
	    [OFPTFPT_INSTRUCTIONS] = "instructions",
	    [OFPTFPT_INSTRUCTIONS_MISS] = "instructions_miss",
	    [OFPTFPT_NEXT_TABLES] = "next_tables",
	    [OFPTFPT_NEXT_TABLES_MISS] = "next_tables_miss",
	    [OFPTFPT_WRITE_ACTIONS] = "write_actions",
	    [OFPTFPT_WRITE_ACTIONS_MISS] = "write_actions_miss",
	    [OFPTFPT_APPLY_ACTIONS] = "apply_actions",
	    [OFPTFPT_APPLY_ACTIONS_MISS] = "apply_actions_miss",
	    [OFPTFPT_MATCH] = "match",
	    [OFPTFPT_WILDCARDS] = "wildcards",
	    [OFPTFPT_WRITE_SETFIELD] = "write_setfield",
	    [OFPTFPT_WRITE_SETFIELD_MISS] = "write_setfield_miss",
	    [OFPTFPT_APPLY_SETFIELD] = "apply_setfield",
	    [OFPTFPT_APPLY_SETFIELD_MISS] = "apply_setfield_miss",
	};

	if (type == OFPTFPT_EXPERIMENTER)
		return "experimenter";
	if (type == OFPTFPT_EXPERIMENTER_MISS)
		return "experimenter_miss";
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

/* The ids inside a standard property: (unit) bytes each, printed in hex, unless the data is
 * not a whole number of them (then raw hex). */
static void print_prop(struct strbuf *sb, const struct ofp_tf_prop *p)
{
	const char *name = prop_name(p->type);
	size_t unit;

	if (!name) {
		strbuf_printf(sb, "%u:", p->type);
		ofp_print_hex(sb, p->data, p->len);
		return;
	}
	strbuf_printf(sb, "%s:", name);
	switch (p->type) {
	case OFPTFPT_NEXT_TABLES:
	case OFPTFPT_NEXT_TABLES_MISS:
		unit = 1;
		break;
	case OFPTFPT_MATCH:
	case OFPTFPT_WILDCARDS:
	case OFPTFPT_WRITE_SETFIELD:
	case OFPTFPT_WRITE_SETFIELD_MISS:
	case OFPTFPT_APPLY_SETFIELD:
	case OFPTFPT_APPLY_SETFIELD_MISS:
		unit = 4; /* OXM headers */
		break;
	case OFPTFPT_EXPERIMENTER:
	case OFPTFPT_EXPERIMENTER_MISS:
		unit = 0;
		break;
	default:
		unit = 4; /* instruction / action headers: type + length */
		break;
	}
	if (!unit || p->len % unit) {
		ofp_print_hex(sb, p->data, p->len);
		return;
	}
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < p->len; i += unit) {
		if (i)
			strbuf_puts(sb, ",");
		ofp_print_hex(sb, p->data + i, unit);
	}
	strbuf_puts(sb, "]");
}

void ofp_table_features_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_table_features_list *l = &m->table_features;

	strbuf_printf(sb, " n=%zu", l->n);
	for (size_t i = 0; i < l->n; i++) {
		const struct ofp_table_features *t = &l->v[i];

		strbuf_printf(sb, " {table=%u name=", t->table_id);
		ofp_print_str(sb, t->name);
		strbuf_printf(sb,
			      " metadata_match=0x%llx metadata_write=0x%llx config=0x%x max=%u"
			      " props=[",
			      (unsigned long long)t->metadata_match,
			      (unsigned long long)t->metadata_write, t->config, t->max_entries);
		for (size_t j = 0; j < t->n_props; j++) {
			if (j)
				strbuf_puts(sb, " ");
			print_prop(sb, &t->props[j]);
		}
		strbuf_puts(sb, "]}");
	}
}
