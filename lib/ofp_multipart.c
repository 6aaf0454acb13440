// SPDX-License-Identifier: MIT
/*
 * Splitting a long stats/multipart reply into messages that fit, as the specs ask of replies
 * over 64 KiB: every message but the last carries REPLY_MORE, all carry the request's xid.
 */
#include "ofp_internal.h"

/* The entries of a reply kind that has a list: false for other kinds. */
static bool list_len(const struct ofp_msg *m, size_t *n)
{
	switch (m->kind) {
	case OFPK_FLOW_STATS_REPLY:
		*n = m->flows.n;
		return true;
	case OFPK_TABLE_STATS_REPLY:
		*n = m->tables.n;
		return true;
	case OFPK_PORT_STATS_REPLY:
		*n = m->port_stats.n;
		return true;
	case OFPK_PORT_DESC_REPLY:
		*n = m->ports.n;
		return true;
	case OFPK_TABLE_FEATURES_REPLY:
		*n = m->table_features.n;
		return true;
	default:
		return false;
	}
}

/* part = m with only entries [i, i + n). */
static void slice(struct ofp_msg *part, const struct ofp_msg *m, size_t i, size_t n)
{
	switch (m->kind) {
	case OFPK_FLOW_STATS_REPLY:
		part->flows.v = m->flows.v + i;
		part->flows.n = n;
		break;
	case OFPK_TABLE_STATS_REPLY:
		part->tables.v = m->tables.v + i;
		part->tables.n = n;
		break;
	case OFPK_PORT_STATS_REPLY:
		part->port_stats.v = m->port_stats.v + i;
		part->port_stats.n = n;
		break;
	case OFPK_PORT_DESC_REPLY:
		part->ports.v = m->ports.v + i;
		part->ports.n = n;
		break;
	default: /* OFPK_TABLE_FEATURES_REPLY: list_len() admits nothing else */
		part->table_features.v = m->table_features.v + i;
		part->table_features.n = n;
		break;
	}
}

int ofp_encode_multipart(const struct ofp_msg *m, struct ofp_buf *out, size_t max_len, char *err,
			 size_t errlen)
{
	struct ofp_msg part = *m;
	struct ofp_buf one;
	size_t total, hdr, start = out->len, i = 0;
	int ret = 0;

	if (max_len > 0xffff)
		max_len = 0xffff;
	if (!list_len(m, &total))
		return ofp_encode(m, out, err, errlen);
	hdr = m->version == OFP10_VERSION ? sizeof(struct ofp10_stats_msg)
					  : sizeof(struct ofp13_multipart_msg);
	ofp_buf_init(&one);
	do {
		size_t used = hdr, j;

		/* Greedy: an entry's size is that of a one-entry message minus the header. */
		for (j = i; j < total; j++) {
			slice(&part, m, j, 1);
			one.len = 0;
			ret = ofp_encode(&part, &one, err, errlen);
			if (ret)
				goto out;
			if (used + one.len - hdr > max_len) {
				if (j > i)
					break;
				ofp_enc_fail(err, errlen,
					     "%s entry %zu alone is %zu bytes, over %zu",
					     ofp_kind_name(m->kind), j, one.len, max_len);
				ret = -EMSGSIZE;
				goto out;
			}
			used += one.len - hdr;
		}
		slice(&part, m, i, j - i);
		part.stats_flags = m->stats_flags & (__u16)~OFPMPF_REPLY_MORE;
		if (j < total || (m->stats_flags & OFPMPF_REPLY_MORE))
			part.stats_flags |= OFPMPF_REPLY_MORE;
		ret = ofp_encode(&part, out, err, errlen);
		if (ret)
			goto out;
		i = j;
	} while (i < total);
out:
	ofp_buf_free(&one);
	if (ret)
		out->len = start;
	return ret;
}
