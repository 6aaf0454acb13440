// SPDX-License-Identifier: MIT
/*
 * HELLO and version negotiation. A 1.3.1+ HELLO carries elements (type, length, data, padding
 * to 8); the version bitmap is the only standard one, others are skipped as the spec says.
 * Before 1.3 a HELLO's body has no meaning and is ignored.
 */
#include "ofp_internal.h"

int ofp_hello_decode(struct ofp_rd *body, struct ofp_msg *m, struct ofp_status *st)
{
	struct ofp_hello *h = &m->hello;

	if (m->version < OFP13_VERSION) {
		ofp_rd_skip(body, body->len);
		return 0;
	}
	while (body->len) {
		struct ofp_rd el;
		__u16 type, len;

		if (body->len < sizeof(struct ofp_hello_elem))
			return ofp_fail(st, OFP_ERR_BAD_LEN,
					"HELLO: %zu bytes after the last element", body->len);
		type = ofp_peek16(body, 0);
		len = ofp_peek16(body, 2);
		if (len < sizeof(struct ofp_hello_elem) || len > body->len)
			return ofp_fail(st, OFP_ERR_BAD_LEN,
					"HELLO element type %u: length %u with %zu bytes left",
					type, len, body->len);
		ofp_rd_sub(body, len, &el);
		/* The last element's padding may be missing; never read past the message. */
		ofp_rd_skip(body,
			    ofp_pad8(len) - len > body->len ? body->len : ofp_pad8(len) - len);
		if (type != OFPHET_VERSIONBITMAP)
			continue;
		if ((len - 4) % 4)
			return ofp_fail(st, OFP_ERR_BAD_LEN,
					"HELLO version bitmap of %u bytes, not whole 32-bit words",
					len - 4);
		h->has_bitmap = true;
		ofp_rd_skip(&el, 4);
		for (size_t i = 0; el.len >= 4; i++, ofp_rd_skip(&el, 4))
			if (i < OFP_HELLO_BITMAP_WORDS)
				h->bitmap[i] |= ofp_peek32(&el, 0);
	}
	return 0;
}

int ofp_hello_encode(const struct ofp_msg *m, struct ofp_buf *b, char *err, size_t errlen)
{
	const struct ofp_hello *h = &m->hello;
	size_t words = 0;

	if (!h->has_bitmap)
		return 0;
	if (m->version < OFP13_VERSION)
		return ofp_enc_fail(err, errlen, "%s HELLO cannot carry a version bitmap",
				    ofp_version_name(m->version));
	for (size_t i = 0; i < OFP_HELLO_BITMAP_WORDS; i++)
		if (h->bitmap[i])
			words = i + 1;
	if (!words)
		words = 1; /* an empty bitmap is still a bitmap element */
	{
		size_t start = b->len;
		struct ofp_hello_elem el = {htobe16(OFPHET_VERSIONBITMAP),
					    htobe16((__u16)(4 + 4 * words))};

		ofp_put(b, &el, sizeof(el));
		for (size_t i = 0; i < words; i++) {
			__be32 w = htobe32(h->bitmap[i]);

			ofp_put(b, &w, sizeof(w));
		}
		ofp_put_pad8(b, start);
	}
	return 0;
}

void ofp_hello_print(const struct ofp_msg *m, struct strbuf *sb)
{
	const struct ofp_hello *h = &m->hello;
	const char *sep = "";

	if (!h->has_bitmap)
		return;
	strbuf_puts(sb, " versions=");
	for (unsigned int v = 0; v < 32 * OFP_HELLO_BITMAP_WORDS; v++) {
		if (!ofp_hello_has(h, v))
			continue;
		strbuf_printf(sb, "%s%s", sep, ofp_version_name((__u8)v));
		sep = ",";
	}
	if (!*sep)
		strbuf_puts(sb, "none");
}

int ofp_encode_hello(struct ofp_buf *out, __u32 ours, __u32 xid)
{
	struct ofp_msg m = {.kind = OFPK_HELLO, .xid = xid};
	int top = -1;

	for (int v = 1; v < 32; v++)
		if (ours >> v & 1)
			top = v;
	if (top < 0 || (ours & 1))
		return -EINVAL;
	m.version = (__u8)top;
	/* One version needs no bitmap, and a pre-1.3 peer understands none. */
	if (ours & ~(1u << top)) {
		m.hello.has_bitmap = true;
		m.hello.bitmap[0] = ours;
		if (top < OFP13_VERSION)
			return -EINVAL;
	}
	return ofp_encode(&m, out, NULL, 0);
}

__u8 ofp_negotiate(__u32 ours, __u8 peer_version, const struct ofp_hello *peer)
{
	int our_top = -1;
	unsigned int v;

	for (int i = 1; i < 32; i++)
		if (ours >> i & 1)
			our_top = i;
	if (our_top < 0 || !peer_version)
		return 0;
	/* We send a bitmap whenever we offer more than one version (ofp_encode_hello). */
	if (peer->has_bitmap && (ours & ~(1u << our_top))) {
		/* A peer's header version is the highest in its bitmap; bits above it are taken
		 * as an inconsistency, not an offer. */
		int top = peer_version < our_top ? peer_version : our_top;

		for (int i = top; i >= 1; i--)
			if (ours >> i & 1 && ofp_hello_has(peer, (unsigned int)i))
				return (__u8)i;
		return 0;
	}
	v = peer_version < (unsigned int)our_top ? peer_version : (unsigned int)our_top;
	if (!(ours >> v & 1))
		return 0;
	if (peer->has_bitmap && !ofp_hello_has(peer, v))
		return 0;
	return (__u8)v;
}
