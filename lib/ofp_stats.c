// SPDX-License-Identifier: MIT
/*
 * Stats (1.0) / multipart (1.3) bodies: DESC, FLOW, AGGREGATE, TABLE, PORT and PORT_DESC.
 * Replies are arrays; each element's length is checked against what is left and, for flow
 * stats, against the match and actions/instructions inside it.
 */
#include "ofp_internal.h"

#define V10 OFP10_VERSION

int ofp_desc_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_desc w;
	struct ofp_desc_stats *d = &m->desc;

	ofp_rd_pull(body, &w, sizeof(w)); /* min_len covers it */
	ofp_str_from_wire(d->mfr_desc, w.mfr_desc, sizeof(w.mfr_desc));
	ofp_str_from_wire(d->hw_desc, w.hw_desc, sizeof(w.hw_desc));
	ofp_str_from_wire(d->sw_desc, w.sw_desc, sizeof(w.sw_desc));
	ofp_str_from_wire(d->serial_num, w.serial_num, sizeof(w.serial_num));
	ofp_str_from_wire(d->dp_desc, w.dp_desc, sizeof(w.dp_desc));
	return 0;
}

int ofp_desc_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_desc_stats *d = &m->desc;
	struct ofp_desc w;

	if (ofp_str_to_wire(w.mfr_desc, d->mfr_desc, sizeof(w.mfr_desc)) ||
	    ofp_str_to_wire(w.hw_desc, d->hw_desc, sizeof(w.hw_desc)) ||
	    ofp_str_to_wire(w.sw_desc, d->sw_desc, sizeof(w.sw_desc)) ||
	    ofp_str_to_wire(w.serial_num, d->serial_num, sizeof(w.serial_num)) ||
	    ofp_str_to_wire(w.dp_desc, d->dp_desc, sizeof(w.dp_desc)))
		return ofp_enc_fail(err, errlen, "DESC string longer than its field");
	ofp_put(b, &w, sizeof(w));
	return 0;
}

void ofp_desc_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_desc_stats *d = &m->desc;

	strbuf_puts(sb, " mfr=");
	ofp_print_str(sb, d->mfr_desc);
	strbuf_puts(sb, " hw=");
	ofp_print_str(sb, d->hw_desc);
	strbuf_puts(sb, " sw=");
	ofp_print_str(sb, d->sw_desc);
	strbuf_puts(sb, " serial=");
	ofp_print_str(sb, d->serial_num);
	strbuf_puts(sb, " dp=");
	ofp_print_str(sb, d->dp_desc);
}

int ofp_flow_stats_request_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_flow_stats_request *q = &m->flow_req;

	if (m->version == V10) {
		struct ofp10_flow_stats_request w;

		ofp_rd_pull(body, &w, sizeof(w));
		ofp_match10_from_wire(&w.match, &q->match.m10);
		q->table_id = w.table_id;
		q->out_port = be16toh(w.out_port);
		return 0;
	}
	{
		struct ofp13_flow_stats_request w;

		ofp_rd_pull(body, &w, sizeof(w));
		q->table_id = w.table_id;
		q->out_port = be32toh(w.out_port);
		q->out_group = be32toh(w.out_group);
		q->cookie = be64toh(w.cookie);
		q->cookie_mask = be64toh(w.cookie_mask);
		return ofp_match13_decode(body, m, &q->match, st);
	}
}

int ofp_flow_stats_request_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				  size_t errlen)
{
	const struct ofp_flow_stats_request *q = &m->flow_req;

	if (m->version == V10) {
		struct ofp10_flow_stats_request w = {0};

		if (q->out_port > 0xffff)
			return ofp_enc_fail(err, errlen, "1.0 out_port %u above 0xffff",
					    q->out_port);
		ofp_match10_to_wire(&q->match.m10, &w.match);
		w.table_id = q->table_id;
		w.out_port = htobe16((__u16)q->out_port);
		ofp_put(b, &w, sizeof(w));
		return 0;
	}
	{
		struct ofp13_flow_stats_request w = {0};

		w.table_id = q->table_id;
		w.out_port = htobe32(q->out_port);
		w.out_group = htobe32(q->out_group);
		w.cookie = htobe64(q->cookie);
		w.cookie_mask = htobe64(q->cookie_mask);
		ofp_put(b, &w, sizeof(w));
		return ofp_match13_encode(&q->match, b, err, errlen);
	}
}

void ofp_flow_stats_request_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_flow_stats_request *q = &m->flow_req;

	strbuf_printf(sb, " table=%u out_port=", q->table_id);
	ofp_print_port_no(sb, m->version, q->out_port);
	if (m->version != V10) {
		strbuf_puts(sb, " out_group=");
		if (q->out_group == OFPG13_ANY)
			strbuf_puts(sb, "any");
		else
			strbuf_printf(sb, "%u", q->out_group);
		strbuf_printf(sb, " cookie=0x%llx/0x%llx", (unsigned long long)q->cookie,
			      (unsigned long long)q->cookie_mask);
	}
	strbuf_puts(sb, " match=");
	ofp_print_match(sb, m->version, &q->match);
}

static int flow_stats_decode(struct ofp_rd *e, struct ofp_msg *m, struct ofp_flow_stats *f,
			     struct ofp_status *st)
{
	if (m->version == V10) {
		struct ofp10_flow_stats w;

		ofp_rd_pull(e, &w, sizeof(w));
		f->table_id = w.table_id;
		ofp_match10_from_wire(&w.match, &f->match.m10);
		f->duration_sec = be32toh(w.duration_sec);
		f->duration_nsec = be32toh(w.duration_nsec);
		f->priority = be16toh(w.priority);
		f->idle_timeout = be16toh(w.idle_timeout);
		f->hard_timeout = be16toh(w.hard_timeout);
		f->cookie = be64toh(w.cookie);
		f->packet_count = be64toh(w.packet_count);
		f->byte_count = be64toh(w.byte_count);
		return ofp_actions_decode(e, m->version, m, &f->actions, &f->n_actions, st);
	}
	{
		struct ofp13_flow_stats w;
		int err;

		ofp_rd_pull(e, &w, sizeof(w));
		f->table_id = w.table_id;
		f->duration_sec = be32toh(w.duration_sec);
		f->duration_nsec = be32toh(w.duration_nsec);
		f->priority = be16toh(w.priority);
		f->idle_timeout = be16toh(w.idle_timeout);
		f->hard_timeout = be16toh(w.hard_timeout);
		f->flags = be16toh(w.flags);
		f->cookie = be64toh(w.cookie);
		f->packet_count = be64toh(w.packet_count);
		f->byte_count = be64toh(w.byte_count);
		err = ofp_match13_decode(e, m, &f->match, st);
		if (err)
			return err;
		return ofp_instructions_decode(e, m, &f->instructions, &f->n_instructions, st);
	}
}

int ofp_flow_stats_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	size_t fixed = m->version == V10 ? sizeof(struct ofp10_flow_stats)
					 : sizeof(struct ofp13_flow_stats) + 8;
	size_t max = body->len / fixed;
	struct ofp_flow_stats_list *l = &m->flows;

	l->v = ofp_alloc(m, (max ? max : 1) * sizeof(*l->v));
	if (!l->v)
		return ofp_oom(st);
	while (body->len) {
		struct ofp_rd e;
		__u16 len;
		int err;

		if (body->len < 2)
			return ofp_fail(st, OFP_ERR_BAD_LEN, "flow stats entry truncated");
		len = ofp_peek16(body, 0);
		if (len < fixed || len > body->len || len % 8)
			return ofp_fail(st, OFP_ERR_BAD_LEN,
					"flow stats entry of length %u with %zu bytes left", len,
					body->len);
		ofp_rd_sub(body, len, &e);
		err = flow_stats_decode(&e, m, &l->v[l->n], st);
		if (err)
			return err;
		l->n++;
	}
	return 0;
}

static int flow_stats_encode(const struct ofp_flow_stats *f, __u8 version, struct ofp_buf *b,
			     char *err, size_t errlen)
{
	size_t start = b->len;
	int ret;

	if (version == V10) {
		struct ofp10_flow_stats w = {0};

		if (f->n_instructions)
			return ofp_enc_fail(err, errlen, "1.0 flow stats have actions");
		w.table_id = f->table_id;
		ofp_match10_to_wire(&f->match.m10, &w.match);
		w.duration_sec = htobe32(f->duration_sec);
		w.duration_nsec = htobe32(f->duration_nsec);
		w.priority = htobe16(f->priority);
		w.idle_timeout = htobe16(f->idle_timeout);
		w.hard_timeout = htobe16(f->hard_timeout);
		w.cookie = htobe64(f->cookie);
		w.packet_count = htobe64(f->packet_count);
		w.byte_count = htobe64(f->byte_count);
		ofp_put(b, &w, sizeof(w));
		ret = ofp_actions_encode(f->actions, f->n_actions, version, b, err, errlen);
	} else {
		struct ofp13_flow_stats w = {0};

		if (f->n_actions)
			return ofp_enc_fail(err, errlen, "1.3 flow stats have instructions");
		w.table_id = f->table_id;
		w.duration_sec = htobe32(f->duration_sec);
		w.duration_nsec = htobe32(f->duration_nsec);
		w.priority = htobe16(f->priority);
		w.idle_timeout = htobe16(f->idle_timeout);
		w.hard_timeout = htobe16(f->hard_timeout);
		w.flags = htobe16(f->flags);
		w.cookie = htobe64(f->cookie);
		w.packet_count = htobe64(f->packet_count);
		w.byte_count = htobe64(f->byte_count);
		ofp_put(b, &w, sizeof(w));
		ret = ofp_match13_encode(&f->match, b, err, errlen);
		if (!ret)
			ret = ofp_instructions_encode(f->instructions, f->n_instructions, b, err,
						      errlen);
	}
	if (ret)
		return ret;
	if (b->len - start > 0xffff)
		return ofp_enc_fail(err, errlen, "flow stats entry longer than 65535 bytes");
	ofp_poke16(b, start, (__u16)(b->len - start));
	return 0;
}

int ofp_flow_stats_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				size_t errlen)
{
	for (size_t i = 0; i < m->flows.n; i++) {
		int ret = flow_stats_encode(&m->flows.v[i], m->version, b, err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

void ofp_flow_stats_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " n=%zu", m->flows.n);
	for (size_t i = 0; i < m->flows.n; i++) {
		const struct ofp_flow_stats *f = &m->flows.v[i];

		strbuf_printf(sb, " {table=%u duration=%u.%09us priority=%u idle=%u hard=%u",
			      f->table_id, f->duration_sec, f->duration_nsec, f->priority,
			      f->idle_timeout, f->hard_timeout);
		if (m->version != V10)
			strbuf_printf(sb, " flags=0x%x", f->flags);
		strbuf_printf(sb, " cookie=0x%llx packets=%llu bytes=%llu match=",
			      (unsigned long long)f->cookie, (unsigned long long)f->packet_count,
			      (unsigned long long)f->byte_count);
		ofp_print_match(sb, m->version, &f->match);
		if (m->version == V10) {
			strbuf_puts(sb, " actions=");
			ofp_print_actions(sb, m->version, f->actions, f->n_actions);
		} else {
			strbuf_puts(sb, " instructions=");
			ofp_print_instructions(sb, f->instructions, f->n_instructions);
		}
		strbuf_puts(sb, "}");
	}
}

int ofp_aggregate_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_aggregate_stats_reply w;

	ofp_rd_pull(body, &w, sizeof(w));
	m->aggregate.packet_count = be64toh(w.packet_count);
	m->aggregate.byte_count = be64toh(w.byte_count);
	m->aggregate.flow_count = be32toh(w.flow_count);
	return 0;
}

int ofp_aggregate_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	struct ofp_aggregate_stats_reply w = {0};

	w.packet_count = htobe64(m->aggregate.packet_count);
	w.byte_count = htobe64(m->aggregate.byte_count);
	w.flow_count = htobe32(m->aggregate.flow_count);
	ofp_put(b, &w, sizeof(w));
	return 0;
}

void ofp_aggregate_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " packets=%llu bytes=%llu flows=%u",
		      (unsigned long long)m->aggregate.packet_count,
		      (unsigned long long)m->aggregate.byte_count, m->aggregate.flow_count);
}

/* Arrays of fixed-size elements. */
static int fixed_array(struct ofp_rd *body, struct ofp_msg *m, size_t elem, void **v, size_t *n,
		       size_t host_elem, struct ofp_status *st)
{
	if (body->len % elem)
		return ofp_fail(st, OFP_ERR_BAD_LEN, "%s: %zu bytes, not a multiple of %zu",
				ofp_kind_name(m->kind), body->len, elem);
	*n = body->len / elem;
	*v = ofp_alloc(m, (*n ? *n : 1) * host_elem);
	return *v ? 0 : ofp_oom(st);
}

int ofp_table_stats_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_table_stats_list *l = &m->tables;
	size_t elem =
	    m->version == V10 ? sizeof(struct ofp10_table_stats) : sizeof(struct ofp13_table_stats);
	void *v = NULL;
	int err = fixed_array(body, m, elem, &v, &l->n, sizeof(*l->v), st);

	l->v = v;
	for (size_t i = 0; !err && i < l->n; i++) {
		struct ofp_table_stats *t = &l->v[i];

		if (m->version == V10) {
			struct ofp10_table_stats w;

			ofp_rd_pull(body, &w, sizeof(w));
			t->table_id = w.table_id;
			ofp_str_from_wire(t->name, w.name, sizeof(w.name));
			t->wildcards = be32toh(w.wildcards);
			t->max_entries = be32toh(w.max_entries);
			t->active_count = be32toh(w.active_count);
			t->lookup_count = be64toh(w.lookup_count);
			t->matched_count = be64toh(w.matched_count);
		} else {
			struct ofp13_table_stats w;

			ofp_rd_pull(body, &w, sizeof(w));
			t->table_id = w.table_id;
			t->active_count = be32toh(w.active_count);
			t->lookup_count = be64toh(w.lookup_count);
			t->matched_count = be64toh(w.matched_count);
		}
	}
	return err;
}

int ofp_table_stats_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				 size_t errlen)
{
	for (size_t i = 0; i < m->tables.n; i++) {
		const struct ofp_table_stats *t = &m->tables.v[i];

		if (m->version == V10) {
			struct ofp10_table_stats w = {0};

			w.table_id = t->table_id;
			if (ofp_str_to_wire(w.name, t->name, sizeof(w.name)))
				return ofp_enc_fail(err, errlen, "table name longer than 32 bytes");
			w.wildcards = htobe32(t->wildcards);
			w.max_entries = htobe32(t->max_entries);
			w.active_count = htobe32(t->active_count);
			w.lookup_count = htobe64(t->lookup_count);
			w.matched_count = htobe64(t->matched_count);
			ofp_put(b, &w, sizeof(w));
		} else {
			struct ofp13_table_stats w = {0};

			w.table_id = t->table_id;
			w.active_count = htobe32(t->active_count);
			w.lookup_count = htobe64(t->lookup_count);
			w.matched_count = htobe64(t->matched_count);
			ofp_put(b, &w, sizeof(w));
		}
	}
	return 0;
}

void ofp_table_stats_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " n=%zu", m->tables.n);
	for (size_t i = 0; i < m->tables.n; i++) {
		const struct ofp_table_stats *t = &m->tables.v[i];

		strbuf_printf(sb, " {table=%u", t->table_id);
		if (m->version == V10) {
			strbuf_puts(sb, " name=");
			ofp_print_str(sb, t->name);
			strbuf_printf(sb, " wildcards=0x%x max=%u", t->wildcards, t->max_entries);
		}
		strbuf_printf(sb, " active=%u lookup=%llu matched=%llu}", t->active_count,
			      (unsigned long long)t->lookup_count,
			      (unsigned long long)t->matched_count);
	}
}

int ofp_port_stats_request_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	if (m->version == V10) {
		struct ofp10_port_stats_request w;

		ofp_rd_pull(body, &w, sizeof(w));
		m->port_no = be16toh(w.port_no);
	} else {
		struct ofp13_port_stats_request w;

		ofp_rd_pull(body, &w, sizeof(w));
		m->port_no = be32toh(w.port_no);
	}
	return 0;
}

int ofp_port_stats_request_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				  size_t errlen)
{
	if (m->version == V10) {
		struct ofp10_port_stats_request w = {0};

		if (m->port_no > 0xffff)
			return ofp_enc_fail(err, errlen, "1.0 port %u above 0xffff", m->port_no);
		w.port_no = htobe16((__u16)m->port_no);
		ofp_put(b, &w, sizeof(w));
	} else {
		struct ofp13_port_stats_request w = {0};

		w.port_no = htobe32(m->port_no);
		ofp_put(b, &w, sizeof(w));
	}
	return 0;
}

void ofp_port_stats_request_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_puts(sb, " port=");
	ofp_print_port_no(sb, m->version, m->port_no);
}

static void counters_from_wire(const struct ofp_port_counters *c, struct ofp_port_stats *p)
{
	p->rx_packets = be64toh(c->rx_packets);
	p->tx_packets = be64toh(c->tx_packets);
	p->rx_bytes = be64toh(c->rx_bytes);
	p->tx_bytes = be64toh(c->tx_bytes);
	p->rx_dropped = be64toh(c->rx_dropped);
	p->tx_dropped = be64toh(c->tx_dropped);
	p->rx_errors = be64toh(c->rx_errors);
	p->tx_errors = be64toh(c->tx_errors);
	p->rx_frame_err = be64toh(c->rx_frame_err);
	p->rx_over_err = be64toh(c->rx_over_err);
	p->rx_crc_err = be64toh(c->rx_crc_err);
	p->collisions = be64toh(c->collisions);
}

static void counters_to_wire(const struct ofp_port_stats *p, struct ofp_port_counters *c)
{
	c->rx_packets = htobe64(p->rx_packets);
	c->tx_packets = htobe64(p->tx_packets);
	c->rx_bytes = htobe64(p->rx_bytes);
	c->tx_bytes = htobe64(p->tx_bytes);
	c->rx_dropped = htobe64(p->rx_dropped);
	c->tx_dropped = htobe64(p->tx_dropped);
	c->rx_errors = htobe64(p->rx_errors);
	c->tx_errors = htobe64(p->tx_errors);
	c->rx_frame_err = htobe64(p->rx_frame_err);
	c->rx_over_err = htobe64(p->rx_over_err);
	c->rx_crc_err = htobe64(p->rx_crc_err);
	c->collisions = htobe64(p->collisions);
}

int ofp_port_stats_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_port_stats_list *l = &m->port_stats;
	size_t elem =
	    m->version == V10 ? sizeof(struct ofp10_port_stats) : sizeof(struct ofp13_port_stats);
	void *v = NULL;
	int err = fixed_array(body, m, elem, &v, &l->n, sizeof(*l->v), st);

	l->v = v;
	for (size_t i = 0; !err && i < l->n; i++) {
		struct ofp_port_stats *p = &l->v[i];

		if (m->version == V10) {
			struct ofp10_port_stats w;

			ofp_rd_pull(body, &w, sizeof(w));
			p->port_no = be16toh(w.port_no);
			counters_from_wire(&w.c, p);
		} else {
			struct ofp13_port_stats w;

			ofp_rd_pull(body, &w, sizeof(w));
			p->port_no = be32toh(w.port_no);
			counters_from_wire(&w.c, p);
			p->duration_sec = be32toh(w.duration_sec);
			p->duration_nsec = be32toh(w.duration_nsec);
		}
	}
	return err;
}

int ofp_port_stats_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err,
				size_t errlen)
{
	for (size_t i = 0; i < m->port_stats.n; i++) {
		const struct ofp_port_stats *p = &m->port_stats.v[i];

		if (m->version == V10) {
			struct ofp10_port_stats w = {0};

			if (p->port_no > 0xffff)
				return ofp_enc_fail(err, errlen, "1.0 port %u above 0xffff",
						    p->port_no);
			w.port_no = htobe16((__u16)p->port_no);
			counters_to_wire(p, &w.c);
			ofp_put(b, &w, sizeof(w));
		} else {
			struct ofp13_port_stats w = {0};

			w.port_no = htobe32(p->port_no);
			counters_to_wire(p, &w.c);
			w.duration_sec = htobe32(p->duration_sec);
			w.duration_nsec = htobe32(p->duration_nsec);
			ofp_put(b, &w, sizeof(w));
		}
	}
	return 0;
}

void ofp_port_stats_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " n=%zu", m->port_stats.n);
	for (size_t i = 0; i < m->port_stats.n; i++) {
		const struct ofp_port_stats *p = &m->port_stats.v[i];

		strbuf_puts(sb, " {port=");
		ofp_print_port_no(sb, m->version, p->port_no);
		strbuf_printf(sb,
			      " rx_packets=%llu tx_packets=%llu rx_bytes=%llu tx_bytes=%llu"
			      " rx_dropped=%llu tx_dropped=%llu rx_errors=%llu tx_errors=%llu"
			      " rx_frame_err=%llu rx_over_err=%llu rx_crc_err=%llu collisions=%llu",
			      (unsigned long long)p->rx_packets, (unsigned long long)p->tx_packets,
			      (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes,
			      (unsigned long long)p->rx_dropped, (unsigned long long)p->tx_dropped,
			      (unsigned long long)p->rx_errors, (unsigned long long)p->tx_errors,
			      (unsigned long long)p->rx_frame_err,
			      (unsigned long long)p->rx_over_err, (unsigned long long)p->rx_crc_err,
			      (unsigned long long)p->collisions);
		if (m->version != V10)
			strbuf_printf(sb, " duration=%u.%09us", p->duration_sec, p->duration_nsec);
		strbuf_puts(sb, "}");
	}
}

int ofp_port_desc_reply_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_port_list *l = &m->ports;
	void *v = NULL;
	int err = fixed_array(body, m, sizeof(struct ofp13_port), &v, &l->n, sizeof(*l->v), st);

	l->v = v;
	for (size_t i = 0; !err && i < l->n; i++)
		err = ofp_port_decode(body, m->version, &l->v[i], st);
	return err;
}

int ofp_port_desc_reply_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->ports.n; i++) {
		int ret = ofp_port_encode(&m->ports.v[i], m->version, b, err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

void ofp_port_desc_reply_print(const struct ofp_msg *m, struct strbuf *sb)
{
	strbuf_printf(sb, " n=%zu", m->ports.n);
	for (size_t i = 0; i < m->ports.n; i++) {
		strbuf_puts(sb, " ");
		ofp_print_port(sb, m->version, &m->ports.v[i]);
	}
}
