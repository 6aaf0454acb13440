// SPDX-License-Identifier: MIT
/*
 * The datapath parser (bpf/lib/parse.h) through BPF_PROG_TEST_RUN.
 *
 * Every fixture below is a packet, the probe configuration, the expected status (the
 * verdict follows from it: OK and NON_IP pass, TRUNCATED and MALFORMED drop) and the
 * expected struct vsx_pkt. Each packet runs through
 *   - the XDP probe (parse_probe.bpf.c, parsing into a map value),
 *   - the tc probe (parsing on the stack), and
 *   - the same parser compiled natively, on a heap copy of exactly the packet's size, so
 *     AddressSanitizer sees any read past the end,
 * and all three must agree to the byte (packets the kernel's test run refuses, shorter than
 * an Ethernet header or, for tc, than the IP header, run through fewer of them). Then every
 * fixture is cut at every length: below the bytes its headers need it must be TRUNCATED,
 * from there on identical to the whole packet. Last, randomly mutated packets (seeded)
 * check that nothing crashes, disagrees or reports offsets outside the packet.
 *
 * Needs root (BPF); exits 77 otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "lib/pktbuild.h"
#include "parse_probe.h"
#include "parse_probe.skel.h"

#define IN_PORT 1 /* lo: the ingress device of every test run */
/*
 * BPF_PROG_TEST_RUN refuses packets shorter than an Ethernet header (6.18 checks it for
 * XDP even with metadata in front, and bpf_xdp_adjust_head/tail will not shrink below it),
 * and drivers do not hand XDP such runts: shorter packets run through the native parser only.
 */
#define MIN_BPF_LEN 14

static struct parse_probe *skel;

/* ---- running the parser three ways ---- */

struct result {
	int verdict; /* 1 pass, 0 drop, -1 the run failed */
	struct parse_probe_result r;
};

static void set_cfg(uint16_t vxlan_port, bool fcf)
{
	skel->data->cfg.vxlan_port = htons(vxlan_port);
	skel->data->cfg.fcf_enabled = fcf;
}

static int read_slot(__u32 slot, struct parse_probe_result *r)
{
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.parse_out), &slot, r);
}

/* Garbage in the result slot with runs 0: after one run, everything must be rewritten. */
static void poison_slot(__u32 slot)
{
	struct parse_probe_result p;

	memset(&p, 0xa5, sizeof(p));
	p.runs = 0;
	bpf_map_update_elem(bpf_map__fd(skel->maps.parse_out), &slot, &p, BPF_ANY);
}

/* The XDP probe, with lo as the ingress device. */
static void run_xdp(const struct pb *pkt, struct result *res)
{
	struct xdp_md ctx = { .data_end = (__u32)pkt->len, .ingress_ifindex = IN_PORT };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt->data, .data_size_in = (__u32)pkt->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	poison_slot(PARSE_OUT_XDP);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.parse_probe_xdp), &opts);
	res->verdict = -1;
	if (err) {
		print_error("xdp test run (%zu bytes): %s\n", pkt->len, strerror(errno));
		return;
	}
	if (read_slot(PARSE_OUT_XDP, &res->r) || res->r.runs != 1)
		return;
	if (opts.retval == XDP_PASS)
		res->verdict = 1;
	else if (opts.retval == XDP_DROP)
		res->verdict = 0;
}

/*
 * Whether BPF_PROG_TEST_RUN takes the packet for a tc program: for an (untagged) IPv4 or
 * IPv6 EtherType it wants the whole IP header as well.
 */
static bool tc_runnable(const struct pb *pkt)
{
	uint16_t type;

	if (pkt->len < 14)
		return false;
	type = (uint16_t)(pkt->data[12] << 8 | pkt->data[13]);
	if (type == 0x0800)
		return pkt->len >= 14 + 20;
	if (type == 0x86dd)
		return pkt->len >= 14 + 40;
	return true;
}

/* The tc probe; its device is lo too. */
static void run_tc(const struct pb *pkt, struct result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt->data,
		    .data_size_in = (__u32)pkt->len, .repeat = 1);
	int err;

	poison_slot(PARSE_OUT_TC);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.parse_probe_tc), &opts);
	res->verdict = -1;
	if (err) {
		print_error("tc test run (%zu bytes): %s\n", pkt->len, strerror(errno));
		return;
	}
	if (read_slot(PARSE_OUT_TC, &res->r) || res->r.runs != 1)
		return;
	if (opts.retval == TC_ACT_OK)
		res->verdict = 1;
	else if (opts.retval == TC_ACT_SHOT)
		res->verdict = 0;
}

static void run_native(const struct pb *pkt, struct result *res)
{
	uint8_t *copy = malloc(pkt->len ? pkt->len : 1);
	int status;

	assert_non_null(copy);
	memcpy(copy, pkt->data, pkt->len);
	memset(&res->r, 0xa5, sizeof(res->r));
	status = vsx_parse(copy, copy + pkt->len, IN_PORT, skel->data->cfg.vxlan_port,
			   (int)skel->data->cfg.fcf_enabled, &res->r.pkt);
	free(copy);
	res->r.status = (__u32)status;
	res->r.runs = 1;
	res->verdict = status == VSX_PARSE_OK || status == VSX_PARSE_NON_IP;
}

static const char *status_name(unsigned int s)
{
	static const char *names[] = { "OK", "NON_IP", "TRUNCATED", "MALFORMED" };

	return s < 4 ? names[s] : "?";
}

/*
 * Runs pkt through XDP, tc and natively; fails unless all three give the same verdict and
 * the same bytes. *res is the XDP result (the native one below MIN_BPF_LEN).
 */
static void run_all(const char *what, const struct pb *pkt, struct result *res)
{
	struct result tc, native;

	run_native(pkt, &native);
	if (pkt->len < MIN_BPF_LEN) {
		*res = native;
		return;
	}
	run_xdp(pkt, res);
	if (res->verdict < 0)
		fail_msg("%s: XDP probe did not run cleanly", what);
	if (native.verdict != res->verdict || memcmp(&native.r, &res->r, sizeof(res->r))) {
		print_error("%s (%zu bytes): XDP %s, native %s\n", what, pkt->len,
			    status_name(res->r.status), status_name(native.r.status));
		fail_msg("%s: XDP and native parser disagree", what);
	}
	if (!tc_runnable(pkt))
		return;
	run_tc(pkt, &tc);
	if (tc.verdict != res->verdict || memcmp(&tc.r, &res->r, sizeof(res->r))) {
		print_error("%s (%zu bytes): XDP %s, tc %s\n", what, pkt->len,
			    status_name(res->r.status), status_name(tc.r.status));
		fail_msg("%s: XDP and tc parser disagree", what);
	}
}

#include "parse_fixtures.h"

static void configure(const struct fixture *f)
{
	set_cfg(f->no_vxlan ? 0 : f->vxlan_port ? f->vxlan_port : 4789, f->fcf);
}

static void ip_words(const char *s, __be32 w[4])
{
	if (!s) {
		memset(w, 0, 16);
		return;
	}
	if (pb_parse_ip(s, (uint32_t *)w, NULL))
		fail_msg("bad address in a fixture: %s", s);
}

static void mac(const char *s, const char *def, __u8 m[6])
{
	if (pb_parse_mac(s ? s : def, m))
		fail_msg("bad MAC in a fixture: %s", s);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum);

static uint16_t be16_at(const uint8_t *d, size_t off)
{
	return (uint16_t)(d[off] << 8 | d[off + 1]);
}

/*
 * The facts the parser records for the later stages (lengths the headers state, the outer
 * UDP and VXLAN header, TCP flags), read here straight from the packet bytes at the offsets
 * the fixture states: an oracle independent of the parser's code.
 */
static void expect_facts(struct vsx_pkt *p, const uint8_t *d)
{
	uint16_t l3 = p->outer_l3_off, l2i = p->inner_l2_off, l3i = p->inner_l3_off;

	if (l3 && d[l3] >> 4 == 4) {
		p->outer_ip_len = be16_at(d, l3 + 2);
		if ((d[l3] & 0x0f) == 5 && csum(d + l3, 20, 0) == 0xffff)
			p->facts |= VSX_PKT_OUTER_CSUM_OK;
	} else if (l3) {
		p->outer_ip_len = (uint16_t)(40 + be16_at(d, l3 + 4));
	}
	if (p->key.flags & VSX_KEY_TUNNEL) {
		uint16_t l4 = (uint16_t)(l2i - 16);
		static const uint8_t vxlan_i[4] = { 0x08, 0, 0, 0 };

		p->outer_l4_off = l4;
		p->outer_udp_len = be16_at(d, l4 + 4);
		memcpy(&p->outer_sport, d + l4, 2);
		if (be16_at(d, l4 + 6))
			p->facts |= VSX_PKT_OUTER_UDP_CSUM;
		if (memcmp(d + l4 + 8, vxlan_i, 4) || d[l4 + 15])
			p->facts |= VSX_PKT_VXLAN_RSVD;
		if (l3 > 14)
			p->facts |= VSX_PKT_OUTER_VLAN;
		memcpy(p->outer_dl_dst, d, 6);
		if (l3i && d[l3i] >> 4 == 4)
			p->inner_ip_len = be16_at(d, l3i + 2);
		else if (l3i)
			p->inner_ip_len = (uint16_t)(40 + be16_at(d, l3i + 4));
	}
	if (p->key.nw_proto == 6 && p->l4_off)
		p->tcp_flags = d[p->l4_off + 13];
}

static void expect_to_pkt(const struct expect *e, struct vsx_pkt *p)
{
	bool tun = e->flags & VSX_KEY_TUNNEL;

	memset(p, 0, sizeof(*p));
	p->key.in_port = IN_PORT;
	p->key.vni = htonl(e->vni);
	mac(e->dl_src, tun ? PB_MAC_IN_SRC : PB_MAC_SRC, p->key.dl_src);
	mac(e->dl_dst, tun ? PB_MAC_IN_DST : PB_MAC_DST, p->key.dl_dst);
	p->key.dl_vlan_tci = htons(e->vlan_tci);
	p->key.dl_type = htons(e->dl_type);
	p->key.nw_proto = e->nw_proto;
	p->key.nw_tos = e->nw_tos;
	p->key.fcf = e->fcf;
	p->key.flags = e->flags;
	p->key.tp_src = htons(e->tp_src);
	p->key.tp_dst = htons(e->tp_dst);
	ip_words(e->nw_src, p->key.nw_src);
	ip_words(e->nw_dst, p->key.nw_dst);
	ip_words(e->outer_src, p->key.outer_src);
	ip_words(e->outer_dst, p->key.outer_dst);
	p->outer_l3_off = e->outer_l3_off;
	p->inner_l2_off = e->inner_l2_off;
	p->inner_l3_off = e->inner_l3_off;
	p->l4_off = e->l4_off;
	p->frag_id = htonl(e->frag_id);
	p->outer_frag_id = htonl(e->outer_frag_id);
	p->outer_tos = e->outer_tos;
	p->facts = e->facts;
}

static void ip_text(const __be32 w[4], char *buf, size_t len)
{
	bool v4 = !w[1] && !w[2] && !w[3];

	inet_ntop(v4 ? AF_INET : AF_INET6, w, buf, (socklen_t)len);
}

/* Compares field by field, printing every difference; returns the number of them. */
static int diff_pkt(const struct vsx_pkt *want, const struct vsx_pkt *got)
{
	const struct vsx_flow_key *w = &want->key, *g = &got->key;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int n = 0;

#define DIFF_NUM(name, x, y)                                                                       \
	do {                                                                                       \
		if ((x) != (y)) {                                                                  \
			print_error("  %-13s want %#lx, got %#lx\n", name, (unsigned long)(x),    \
				    (unsigned long)(y));                                           \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
#define DIFF_IP(name, x, y)                                                                        \
	do {                                                                                       \
		if (memcmp(x, y, 16)) {                                                            \
			ip_text(x, a, sizeof(a));                                                  \
			ip_text(y, b, sizeof(b));                                                  \
			print_error("  %-13s want %s, got %s\n", name, a, b);                      \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
#define DIFF_MAC(name, x, y)                                                                       \
	do {                                                                                       \
		if (memcmp(x, y, 6)) {                                                             \
			print_error("  %-13s want %02x:%02x:%02x:%02x:%02x:%02x, got "             \
				    "%02x:%02x:%02x:%02x:%02x:%02x\n",                             \
				    name, x[0], x[1], x[2], x[3], x[4], x[5], y[0], y[1], y[2],    \
				    y[3], y[4], y[5]);                                             \
			n++;                                                                       \
		}                                                                                  \
	} while (0)

	DIFF_NUM("in_port", w->in_port, g->in_port);
	DIFF_NUM("vni", ntohl(w->vni), ntohl(g->vni));
	DIFF_MAC("dl_src", w->dl_src, g->dl_src);
	DIFF_MAC("dl_dst", w->dl_dst, g->dl_dst);
	DIFF_NUM("dl_vlan_tci", ntohs(w->dl_vlan_tci), ntohs(g->dl_vlan_tci));
	DIFF_NUM("dl_type", ntohs(w->dl_type), ntohs(g->dl_type));
	DIFF_NUM("nw_proto", w->nw_proto, g->nw_proto);
	DIFF_NUM("nw_tos", w->nw_tos, g->nw_tos);
	DIFF_NUM("fcf", w->fcf, g->fcf);
	DIFF_NUM("flags", w->flags, g->flags);
	DIFF_NUM("tp_src", ntohs(w->tp_src), ntohs(g->tp_src));
	DIFF_NUM("tp_dst", ntohs(w->tp_dst), ntohs(g->tp_dst));
	DIFF_IP("nw_src", w->nw_src, g->nw_src);
	DIFF_IP("nw_dst", w->nw_dst, g->nw_dst);
	DIFF_IP("outer_src", w->outer_src, g->outer_src);
	DIFF_IP("outer_dst", w->outer_dst, g->outer_dst);
	DIFF_NUM("outer_l3_off", want->outer_l3_off, got->outer_l3_off);
	DIFF_NUM("inner_l2_off", want->inner_l2_off, got->inner_l2_off);
	DIFF_NUM("inner_l3_off", want->inner_l3_off, got->inner_l3_off);
	DIFF_NUM("l4_off", want->l4_off, got->l4_off);
	DIFF_NUM("frag_id", ntohl(want->frag_id), ntohl(got->frag_id));
	DIFF_NUM("outer_frag_id", ntohl(want->outer_frag_id), ntohl(got->outer_frag_id));
	DIFF_NUM("outer_tos", want->outer_tos, got->outer_tos);
	DIFF_NUM("facts", want->facts, got->facts);
	DIFF_NUM("outer_l4_off", want->outer_l4_off, got->outer_l4_off);
	DIFF_NUM("outer_ip_len", want->outer_ip_len, got->outer_ip_len);
	DIFF_NUM("inner_ip_len", want->inner_ip_len, got->inner_ip_len);
	DIFF_NUM("outer_udp_len", want->outer_udp_len, got->outer_udp_len);
	DIFF_NUM("outer_sport", ntohs(want->outer_sport), ntohs(got->outer_sport));
	DIFF_MAC("outer_dl_dst", want->outer_dl_dst, got->outer_dl_dst);
	DIFF_NUM("tcp_flags", want->tcp_flags, got->tcp_flags);
	if (!n && memcmp(want, got, sizeof(*want))) {
		print_error("  padding differs\n");
		n++;
	}
	return n;
#undef DIFF_NUM
#undef DIFF_IP
#undef DIFF_MAC
}

static bool passes(int status)
{
	return status == VSX_PARSE_OK || status == VSX_PARSE_NON_IP;
}

static void test_fixture(void **state)
{
	const struct fixture *f = *state;
	struct vsx_pkt want;
	struct result res;
	struct pb p;

	build_fixture(f, &p);
	configure(f);
	run_all(f->desc, &p, &res);
	if ((int)res.r.status != f->exp.status || res.verdict != passes(f->exp.status)) {
		pb_hexdump(stderr, p.data, p.len);
		fail_msg("%s: want %s, got %s (%s)", f->desc, status_name((unsigned)f->exp.status),
			 status_name(res.r.status), res.verdict ? "pass" : "drop");
	}
	if (!passes(f->exp.status))
		return; /* fields are partial; run_all() compared them across XDP, tc, native */
	expect_to_pkt(&f->exp, &want);
	expect_facts(&want, p.data);
	/* the oracle itself, on the fixtures made for it */
	if (strstr(f->desc, "checksum wrong"))
		assert_false(want.facts & VSX_PKT_OUTER_CSUM_OK);
	else if (want.outer_l3_off == 14 && !f->poke.set && want.key.dl_type == htons(0x0800) &&
		 (want.key.flags & VSX_KEY_TUNNEL) && !(want.key.flags & VSX_KEY_OUTER_V6))
		assert_true(want.facts & VSX_PKT_OUTER_CSUM_OK);
	if (strstr(f->desc, "VXLAN_RSVD"))
		assert_true(want.facts & VSX_PKT_VXLAN_RSVD);
	if (strstr(f->desc, "OUTER_UDP_CSUM"))
		assert_true((want.facts & VSX_PKT_OUTER_UDP_CSUM) && want.tcp_flags == 0x11);
	if (diff_pkt(&want, &res.r.pkt)) {
		pb_hexdump(stderr, p.data, p.len);
		fail_msg("%s: fields differ", f->desc);
	}
}

/*
 * Bytes up to the end of the L4 header the parser needs at l4_off (0: no L4): for TCP its
 * doff * 4 bytes, but only the 20 fixed ones in a (first) fragment, inner or outer.
 */
static unsigned int l4_need(const struct vsx_pkt *pkt, const uint8_t *data)
{
	if (!pkt->l4_off)
		return 0;
	switch (pkt->key.nw_proto) {
	case 6:
		if ((pkt->key.flags & VSX_KEY_FRAG) || (pkt->facts & VSX_PKT_OUTER_FRAG))
			return pkt->l4_off + 20;
		return pkt->l4_off + (data[pkt->l4_off + 12] >> 4) * 4u;
	case 17:
		return pkt->l4_off + (pkt->facts & VSX_PKT_VXLAN_NO_I ? 16 : 8);
	default:
		return pkt->l4_off + 4;
	}
}

/*
 * The packet cut at every length: below the length its headers need, TRUNCATED and
 * dropped; from there on exactly the result of the whole packet.
 */
static void test_truncation(void **state)
{
	const struct fixture *f = *state;
	struct result full, cut;
	size_t need = 0, n;
	struct pb p, c;

	build_fixture(f, &p);
	configure(f);
	run_all(f->desc, &p, &full);
	for (n = 0; n < p.len; n++) {
		char what[200];

		memcpy(&c, &p, sizeof(c));
		pb_truncate(&c, n);
		snprintf(what, sizeof(what), "%s, cut at %zu", f->desc, n);
		run_all(what, &c, &cut);
		if (cut.r.status == VSX_PARSE_TRUNCATED) {
			if (need)
				fail_msg("%s: TRUNCATED, but %zu bytes were enough", what, need);
			assert_int_equal(cut.verdict, 0);
			continue;
		}
		if (!need)
			need = n;
		if (cut.verdict != full.verdict || memcmp(&cut.r, &full.r, sizeof(full.r)))
			fail_msg("%s: differs from the whole packet", what);
	}
	if (full.r.status == VSX_PARSE_TRUNCATED)
		return;
	if (!need)
		need = p.len;
	if (f->hdr_len)
		assert_int_equal(need, f->hdr_len);
	else if (l4_need(&full.r.pkt, p.data))
		assert_int_equal(need, l4_need(&full.r.pkt, p.data));
}

/* ---- randomized ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	uint64_t x = rng_state; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Values that steer a parser somewhere: protocol numbers, EtherTypes, lengths. */
static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x0f, 0x11,
				       0x12, 0x21, 0x2b, 0x2c, 0x32, 0x33, 0x3a, 0x3b, 0x3c,
				       0x40, 0x45, 0x46, 0x4f, 0x60, 0x81, 0x86, 0x88, 0xa8,
				       0xb5, 0xdd, 0xff };

#define FUZZ_RUNS 20000

static void test_fuzz(void **state)
{
	static struct pb base[N_FIXTURES], p;
	size_t i, n_pass = 0, n_drop = 0;
	int run;

	(void)state;
	for (i = 0; i < N_FIXTURES; i++)
		build_fixture(&fixtures[i], &base[i]);

	for (run = 0; run < FUZZ_RUNS; run++) {
		const struct fixture *f = &fixtures[rnd() % N_FIXTURES];
		const struct vsx_pkt *pk;
		struct result res;
		int flips = 1 + (int)(rnd() % 4), k;
		char what[160];

		memcpy(&p, &base[f - fixtures], sizeof(p));
		for (k = 0; k < flips && p.len; k++) {
			/* mostly headers: the first 140 bytes hold all of them */
			size_t pos = rnd() % (p.len < 140 ? p.len : 140);

			p.data[pos] = rnd() % 2 ? interesting[rnd() % sizeof(interesting)]
						: (uint8_t)rnd();
		}
		if (rnd() % 8 == 0)
			pb_truncate(&p, rnd() % (p.len + 1));
		set_cfg(rnd() % 4 ? 4789 : 8472, rnd() % 2);
		snprintf(what, sizeof(what), "fuzz run %d (%s)", run, f->desc);
		run_all(what, &p, &res);
		if (res.verdict != passes((int)res.r.status))
			fail_msg("%s: verdict does not match the status", what);
		if (!res.verdict) {
			n_drop++;
			continue;
		}
		n_pass++;
		pk = &res.r.pkt;
		if (pk->outer_l3_off >= p.len || pk->inner_l2_off + 14 > (int)p.len ||
		    pk->inner_l3_off >= p.len || l4_need(pk, p.data) > p.len ||
		    (pk->inner_l2_off && !(pk->key.flags & VSX_KEY_TUNNEL)) ||
		    (pk->inner_l2_off && pk->outer_l4_off + 16 != pk->inner_l2_off) ||
		    (pk->inner_l3_off && pk->inner_l3_off < pk->inner_l2_off + 14) ||
		    (pk->l4_off && pk->l4_off < (pk->inner_l3_off ? pk->inner_l3_off
								    : pk->outer_l3_off) + 20)) {
			pb_hexdump(stderr, p.data, p.len);
			fail_msg("%s: offsets outside the packet or out of order (l3 %u, l2' %u, "
				 "l3' %u, l4 %u, len %zu)",
				 what, pk->outer_l3_off, pk->inner_l2_off, pk->inner_l3_off,
				 pk->l4_off, p.len);
		}
	}
	print_message("# fuzz: %d runs, %zu passed, %zu dropped\n", FUZZ_RUNS, n_pass, n_drop);
}

/* ---- what BPF_PROG_TEST_RUN cannot carry, natively ---- */

static void test_native_max_off(void **state)
{
	static const struct pb_layer pkt[] = { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_DSTOPTS, 2048),
					       PB_EXT(PB_EXT_DSTOPTS, 2048), PB_UDP(1, 2),
					       PB_END };
	struct result res;
	struct pb p;

	(void)state;
	assert_true(pb_build(&p, pkt) > 0);
	run_native(&p, &res);
	assert_int_equal(res.r.status, VSX_PARSE_TRUNCATED);

	/* one header less: within VSX_PARSE_MAX_OFF */
	pb_init(&p);
	pb_eth(&p, NULL);
	pb_ipv6(&p, NULL);
	pb_ipv6_ext(&p, PB_EXT_DSTOPTS, 2048);
	pb_udp(&p, 1, 2);
	assert_true(pb_finish(&p) > 0);
	run_native(&p, &res);
	assert_int_equal(res.r.status, VSX_PARSE_OK);
	assert_int_equal(res.r.pkt.l4_off, 14 + 40 + 2048);
}

/* ---- the builder itself ---- */

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_builder_checksums(void **state)
{
	struct pb p;
	uint32_t pseudo;
	size_t ulen;

	(void)state;
	pb_init(&p);
	pb_vxlan_encap(&p, &(struct pb_tunnel){ .ip.tos = 0x84, .vni = 100 });
	pb_eth(&p, NULL);
	pb_ipv4(&p, &(struct pb_ip){ .opt = opt_ra_nop, .opt_len = sizeof(opt_ra_nop) });
	pb_udp(&p, 1000, 2000);
	pb_pad_to(&p, 64);
	assert_int_equal(pb_finish(&p), 50 + 64);
	/* outer and inner IPv4 header checksums verify */
	assert_int_equal(csum(p.data + 14, 20, 0), 0xffff);
	assert_int_equal(csum(p.data + 64, 28, 0), 0xffff);
	/* lengths: outer tot_len, outer UDP, inner tot_len, inner UDP */
	assert_int_equal(p.data[16] << 8 | p.data[17], 100);
	assert_int_equal(p.data[38] << 8 | p.data[39], 80);
	assert_int_equal(p.data[66] << 8 | p.data[67], 50);
	ulen = (size_t)(p.data[96] << 8 | p.data[97]);
	assert_int_equal(ulen, 22);
	/* inner UDP checksum over the pseudo-header verifies */
	pseudo = csum(p.data + 76, 8, 0) + 17 + (uint32_t)ulen;
	assert_int_equal(csum(p.data + 92, ulen, pseudo), 0xffff);
	/* VXLAN: port, I flag, VNI */
	assert_int_equal(p.data[36] << 8 | p.data[37], 4789);
	assert_int_equal(p.data[42], 0x08);
	assert_int_equal(p.data[46] << 16 | p.data[47] << 8 | p.data[48], 100);
	assert_int_equal(p.data[15], 0x84);
}

/* The fragments of a datagram carry its payload, in order, with the right flags. */
static void test_builder_fragments(void **state)
{
	static const struct pb_layer v4[] = { PB_ETH(), PB_IPV4(.id = 99), PB_UDP(1, 2),
					      PB_FILL(1000), PB_END };
	static const struct pb_layer v6[] = { PB_ETH(), PB_IPV6(), PB_EXT(PB_EXT_HOP, 8),
					      PB_UDP(1, 2), PB_FILL(1000), PB_END };
	struct pb d, fr;
	unsigned int i, n;
	size_t got;

	(void)state;
	assert_true(pb_build(&d, v4) > 0);
	n = pb_fragment_count(&d, 256);
	assert_int_equal(n, 4); /* 1008 bytes of IP payload */
	for (i = 0, got = 0; i < n; i++) {
		uint16_t frag;

		assert_int_equal(pb_fragment(&d, 256, i, 0, &fr), 0);
		frag = (uint16_t)(fr.data[20] << 8 | fr.data[21]);
		assert_int_equal(frag & 0x1fff, got / 8);
		assert_int_equal(!!(frag & 0x2000), i + 1 < n);
		assert_int_equal(fr.data[18] << 8 | fr.data[19], 99);
		assert_int_equal(csum(fr.data + 14, 20, 0), 0xffff);
		assert_int_equal(fr.len - 34, (fr.data[16] << 8 | fr.data[17]) - 20);
		assert_memory_equal(fr.data + 34, d.data + 34 + got, fr.len - 34);
		got += fr.len - 34;
	}
	assert_int_equal(got, 1008);
	assert_int_equal(pb_fragment(&d, 256, n, 0, &fr), -ERANGE);
	assert_int_equal(pb_fragment(&d, 100, 0, 0, &fr), -EINVAL);

	assert_true(pb_build(&d, v6) > 0);
	n = pb_fragment_count(&d, 512);
	assert_int_equal(n, 2);
	for (i = 0, got = 0; i < n; i++) {
		assert_int_equal(pb_fragment(&d, 512, i, 0x55, &fr), 0);
		assert_int_equal(fr.data[20], 0);  /* IPv6 -> hop-by-hop */
		assert_int_equal(fr.data[54], 44); /* hop-by-hop -> fragment */
		assert_int_equal(fr.data[62], 17); /* fragment -> UDP */
		assert_int_equal((fr.data[64] << 8 | fr.data[65]) & 0xfff8, got);
		assert_int_equal(fr.data[65] & 1, i + 1 < n);
		assert_int_equal(fr.data[69], 0x55);
		assert_int_equal(fr.data[18] << 8 | fr.data[19], fr.len - 54);
		assert_memory_equal(fr.data + 70, d.data + 62 + got, fr.len - 70);
		got += fr.len - 70;
	}
	assert_int_equal(got, 1008);
}

/* ---- main ---- */

static void print_prog_size(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		print_message("# %s: %u instructions (xlated), %u bytes jited\n",
			      bpf_program__name(prog), info.xlated_prog_len / 8,
			      info.jited_prog_len);
}

int main(void)
{
	struct CMUnitTest *tests;
	char **names;
	size_t i, n = 0;
	int err, ret;

	if (geteuid() != 0) {
		fprintf(stderr, "needs root for BPF\n");
		return 77;
	}
	libbpf_set_print(NULL);
	skel = parse_probe__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "cannot load the parse probe: %s\n", strerror(-err));
		return err == -EPERM ? 77 : 1;
	}
	print_prog_size(skel->progs.parse_probe_xdp);
	print_prog_size(skel->progs.parse_probe_tc);

	tests = calloc(2 * N_FIXTURES + 5, sizeof(*tests));
	names = calloc(N_FIXTURES, sizeof(*names));
	assert_non_null(tests);
	assert_non_null(names);
	for (i = 0; i < N_FIXTURES; i++) {
		tests[n++] = (struct CMUnitTest){ .name = fixtures[i].desc,
						  .test_func = test_fixture,
						  .initial_state = (void *)&fixtures[i] };
	}
	for (i = 0; i < N_FIXTURES; i++) {
		if (asprintf(&names[i], "cut at every length: %s", fixtures[i].desc) < 0)
			return 1;
		tests[n++] = (struct CMUnitTest){ .name = names[i],
						  .test_func = test_truncation,
						  .initial_state = (void *)&fixtures[i] };
	}
	tests[n++] = (struct CMUnitTest){ .name = "random mutations", .test_func = test_fuzz };
	tests[n++] = (struct CMUnitTest){ .name = "headers beyond VSX_PARSE_MAX_OFF (native)",
					  .test_func = test_native_max_off };
	tests[n++] = (struct CMUnitTest){ .name = "builder: lengths and checksums",
					  .test_func = test_builder_checksums };
	tests[n++] = (struct CMUnitTest){ .name = "builder: fragments",
					  .test_func = test_builder_fragments };

	ret = _cmocka_run_group_tests("parse", tests, n, NULL, NULL);

	for (i = 0; i < N_FIXTURES; i++)
		free(names[i]);
	free(names);
	free(tests);
	parse_probe__destroy(skel);
	return ret;
}
