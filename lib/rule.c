// SPDX-License-Identifier: MIT
/*
 * The rule and its validation: basic operations, the flag bits the fields imply
 * (vsx_match_normalize) and the one validator every door ends in. The text syntax is
 * rule_text.c. See rule.h and docs/rules.md.
 */
#include "errmsg.h"
#include "rule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "rule_bits.h"
#include "vsx/fcf.h"

/* ---- basic operations ---- */

void vsx_rule_init(struct vsx_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->priority = VSX_RULE_DEFAULT_PRIORITY;
}

int vsx_rule_direction(const struct vsx_rule *r)
{
	switch (r->action.kind) {
	case VSX_ACT_IRQ_CORE:
	case VSX_ACT_IRQ_AUTO:
		return VSX_DIR_INGRESS;
	case VSX_ACT_SET_FCF:
		return VSX_DIR_EGRESS;
	default:
		return -EINVAL;
	}
}

const char *vsx_rule_dir_name(int dir)
{
	switch (dir) {
	case VSX_DIR_INGRESS:
		return "ingress";
	case VSX_DIR_EGRESS:
		return "egress";
	default:
		return "invalid";
	}
}

bool vsx_rule_match_equal(const struct vsx_rule *a, const struct vsx_rule *b)
{
	return a->priority == b->priority && !memcmp(&a->key, &b->key, sizeof(a->key)) &&
	       !memcmp(&a->mask, &b->mask, sizeof(a->mask));
}

bool vsx_rule_equal(const struct vsx_rule *a, const struct vsx_rule *b)
{
	return vsx_rule_match_equal(a, b) && a->cookie == b->cookie &&
	       a->action.kind == b->action.kind && a->action.fcf == b->action.fcf &&
	       a->action.core == b->action.core;
}

/* The flow key is 96 bytes without padding: compare it as 12 words. */
#define KEY_WORDS (sizeof(struct vsx_flow_key) / sizeof(__u64))
_Static_assert(sizeof(struct vsx_flow_key) % sizeof(__u64) == 0, "flow key is whole words");

bool vsx_rule_matches_key(const struct vsx_rule *r, const struct vsx_flow_key *key)
{
	const unsigned char *k = (const unsigned char *)key;
	const unsigned char *rk = (const unsigned char *)&r->key;
	const unsigned char *rm = (const unsigned char *)&r->mask;

	for (size_t i = 0; i < KEY_WORDS; i++) {
		__u64 a, b, m;

		memcpy(&a, k + i * 8, 8);
		memcpy(&b, rk + i * 8, 8);
		memcpy(&m, rm + i * 8, 8);
		if ((a & m) != b)
			return false;
	}
	return true;
}

bool vsx_rule_covers(const struct vsx_rule *general, const struct vsx_rule *specific)
{
	const __u8 *gk = (const __u8 *)&general->key, *gm = (const __u8 *)&general->mask;
	const __u8 *sk = (const __u8 *)&specific->key, *sm = (const __u8 *)&specific->mask;

	for (size_t i = 0; i < sizeof(struct vsx_flow_key); i++) {
		if ((sm[i] & gm[i]) != gm[i] || (sk[i] & gm[i]) != gk[i])
			return false;
	}
	return true;
}

bool vsx_rule_overlaps(const struct vsx_rule *a, const struct vsx_rule *b)
{
	const __u8 *ak = (const __u8 *)&a->key, *am = (const __u8 *)&a->mask;
	const __u8 *bk = (const __u8 *)&b->key, *bm = (const __u8 *)&b->mask;

	if (a->priority != b->priority)
		return false;
	for (size_t i = 0; i < sizeof(struct vsx_flow_key); i++) {
		if ((ak[i] ^ bk[i]) & am[i] & bm[i])
			return false;
	}
	return true;
}

void vsx_flow_key_and(struct vsx_flow_key *out, const struct vsx_flow_key *a,
		      const struct vsx_flow_key *b)
{
	const __u8 *pa = (const __u8 *)a, *pb = (const __u8 *)b;
	__u8 *po = (__u8 *)out;

	for (size_t i = 0; i < sizeof(*out); i++)
		po[i] = pa[i] & pb[i];
}

unsigned int vsx_flow_key_popcount(const struct vsx_flow_key *k)
{
	const __u8 *p = (const __u8 *)k;
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(*k); i++)
		n += (unsigned int)__builtin_popcount(p[i]);
	return n;
}

/* ---- origin ---- */

static const char *const origin_names[VSX_ORIGIN_COUNT] = {
    [VSX_ORIGIN_UNKNOWN] = "unknown",	[VSX_ORIGIN_CONFIG] = "config",
    [VSX_ORIGIN_VSXCTL] = "vsxctl",	[VSX_ORIGIN_STATE] = "state",
    [VSX_ORIGIN_TEST] = "test",		[VSX_ORIGIN_BENCH] = "bench",
    [VSX_ORIGIN_OPENFLOW] = "openflow",
};

const char *vsx_rule_origin_name(int origin)
{
	return origin > 0 && origin < VSX_ORIGIN_COUNT ? origin_names[origin] : "unknown";
}

int vsx_rule_origin_parse(const char *name)
{
	for (int i = 0; i < VSX_ORIGIN_COUNT; i++)
		if (!strcmp(origin_names[i], name))
			return i;
	return -EINVAL;
}

/* ---- normalisation: the bits the fields imply ---- */

int vsx_match_normalize(struct vsx_flow_key *k, struct vsx_flow_key *m, char *err, size_t errlen)
{
	bool outer = !bytes_zero(m->outer_src, sizeof(m->outer_src)) ||
		     !bytes_zero(m->outer_dst, sizeof(m->outer_dst));

	/* A matched tag needs a tag; a mask that already says tagged or not is the caller's. */
	if (m->dl_vlan_tci && !(m->flags & VSX_KEY_VLAN)) {
		m->flags |= VSX_KEY_VLAN;
		k->flags |= VSX_KEY_VLAN;
	}
	/* Later fragments carry no L4 header (the datapath leaves their ports 0): a port or
	 * ICMP rule must not match them. */
	if (m->tp_src || m->tp_dst) {
		if (k->flags & VSX_KEY_LATER_FRAG)
			return vsx_errf(err, errlen, -EINVAL,
					"%s: later fragments carry no L4 header, the rule cannot "
					"match them",
					m->tp_src ? "tp_src" : "tp_dst");
		m->flags |= VSX_KEY_LATER_FRAG;
	}
	/* Outer addresses fix the outer family; without a word from the caller, a mask beyond
	 * the first 32 bits is IPv6. */
	if (outer && !(m->flags & VSX_KEY_OUTER_V6)) {
		m->flags |= VSX_KEY_OUTER_V6;
		if (!bytes_zero(&m->outer_src[1], 3 * sizeof(__be32)) ||
		    !bytes_zero(&m->outer_dst[1], 3 * sizeof(__be32)))
			k->flags |= VSX_KEY_OUTER_V6;
	}
	/* Tunnel fields exist in tunnelled packets only. */
	if (m->vni || m->fcf || outer) {
		m->flags |= VSX_KEY_TUNNEL;
		k->flags |= VSX_KEY_TUNNEL;
	}
	return 0;
}

/* ---- validation ---- */

struct key_field {
	const char *name;
	size_t off;
	size_t size;
};

/* clang-format off */
#define KF(n, f) {n, offsetof(struct vsx_flow_key, f), sizeof(((struct vsx_flow_key *)0)->f)}
static const struct key_field key_fields[] = {
	KF("in_port", in_port),		KF("vni", vni),		KF("dl_src", dl_src),
	KF("dl_dst", dl_dst),		KF("dl_vlan_tci", dl_vlan_tci),	KF("dl_type", dl_type),
	KF("nw_proto", nw_proto),	KF("nw_tos", nw_tos),	KF("fcf", fcf),
	KF("flags", flags),		KF("tp_src", tp_src),	KF("tp_dst", tp_dst),
	KF("nw_src", nw_src),		KF("nw_dst", nw_dst),	KF("outer_src", outer_src),
	KF("outer_dst", outer_dst),
};
#undef KF
/* clang-format on */

/* Protocols whose ports the datapath's parser reads (bpf/lib/parse.h): not SCTP. */
static bool is_port_proto(__u8 proto)
{
	return proto == PROTO_TCP || proto == PROTO_UDP;
}

int vsx_match_validate(const struct vsx_flow_key *k, const struct vsx_flow_key *m, char *err,
		       size_t errlen)
{
	const __u8 *kb = (const __u8 *)k, *mb = (const __u8 *)m;
	bool ip4, ip6, tp, outer, tun;
	__u8 mf, kf, vm_mask;
	const char *name;

	for (size_t i = 0; i < ARRAY_SIZE(key_fields); i++) {
		const struct key_field *f = &key_fields[i];

		for (size_t j = 0; j < f->size; j++) {
			if (kb[f->off + j] & ~mb[f->off + j])
				return vsx_errf(err, errlen, -EINVAL,
						"%s: the value has bits outside the mask", f->name);
		}
	}
	if (m->flags & ~KEY_FLAGS_ALL)
		return vsx_errf(err, errlen, -EINVAL, "flags: unknown flag bits 0x%02x",
				m->flags & ~KEY_FLAGS_ALL);

	/* Fields the syntax matches exactly or not at all. */
	if (m->in_port && m->in_port != UINT32_MAX)
		return vsx_errf(err, errlen, -EINVAL,
				"in_port: must be matched exactly or not at all");
	if (m->in_port && (k->in_port == 0 || k->in_port > INT_MAX))
		return vsx_errf(err, errlen, -EINVAL, "in_port: %u is not an interface index",
				k->in_port);
	if (m->dl_type && m->dl_type != 0xffff)
		return vsx_errf(err, errlen, -EINVAL,
				"dl_type: must be matched exactly or not at all");
	if (m->nw_proto && m->nw_proto != 0xff)
		return vsx_errf(err, errlen, -EINVAL,
				"nw_proto: must be matched exactly or not at all");

	/* VLAN */
	if (m->dl_vlan_tci & htons(TCI_DEI))
		return vsx_errf(err, errlen, -EINVAL,
				"dl_vlan_tci: the DEI bit (0x1000) cannot be matched");
	if (m->dl_vlan_tci && !(m->flags & k->flags & VSX_KEY_VLAN))
		return vsx_errf(err, errlen, -EINVAL,
				"dl_vlan: matching the tag needs VSX_KEY_VLAN set in key and mask");

	/* L3 */
	ip4 = m->dl_type == 0xffff && k->dl_type == htons(ETH_P_IPV4);
	ip6 = m->dl_type == 0xffff && k->dl_type == htons(ETH_P_IPV6);
	/* (ports alone set VSX_KEY_LATER_FRAG: their own check below says what they need) */
	tp = m->tp_src || m->tp_dst;
	mf = m->flags & FRAG_BITS;
	kf = k->flags & FRAG_BITS;
	name = !bytes_zero(m->nw_src, sizeof(m->nw_src))   ? "nw_src"
	       : !bytes_zero(m->nw_dst, sizeof(m->nw_dst)) ? "nw_dst"
	       : m->nw_proto				   ? "nw_proto"
	       : m->nw_tos				   ? "nw_tos"
	       : (mf && !(tp && mf == VSX_KEY_LATER_FRAG)) ? "nw_frag"
							   : NULL;
	if (name && !ip4 && !ip6)
		return vsx_errf(err, errlen, -EINVAL,
				"%s: requires dl_type 0x0800 or 0x86dd (ip or ipv6)", name);
	if (ip4 && !bytes_zero(&m->nw_src[1], 3 * sizeof(__be32)))
		return vsx_errf(err, errlen, -EINVAL,
				"nw_src: an IPv6-sized mask with dl_type=0x0800 (IPv4)");
	if (ip4 && !bytes_zero(&m->nw_dst[1], 3 * sizeof(__be32)))
		return vsx_errf(err, errlen, -EINVAL,
				"nw_dst: an IPv6-sized mask with dl_type=0x0800 (IPv4)");

	/* Fragments: the states nw_frag can say, plus "not a later fragment" for ports. */
	if ((kf & VSX_KEY_LATER_FRAG) && !(kf & VSX_KEY_FRAG))
		return vsx_errf(
		    err, errlen, -EINVAL,
		    "nw_frag: a later fragment is a fragment: VSX_KEY_FRAG must be set too");
	if (!tp && mf == FRAG_BITS && kf == 0)
		return vsx_errf(
		    err, errlen, -EINVAL,
		    "nw_frag: VSX_KEY_LATER_FRAG is redundant when VSX_KEY_FRAG is clear "
		    "(nw_frag=no matches VSX_KEY_FRAG alone)");

	/* L4 */
	if (tp) {
		const char *src = "tp_src", *dst = "tp_dst";

		name = m->tp_src ? src : dst;
		if (m->nw_proto != 0xff)
			return vsx_errf(err, errlen, -EINVAL,
					"%s: requires nw_proto (tcp, udp, icmp or icmp6)", name);
		if (is_icmp(k->nw_proto, ip4, ip6)) {
			src = "icmp_type";
			dst = "icmp_code";
			name = m->tp_src ? src : dst;
			if ((m->tp_src && (m->tp_src != 0xffff || ntohs(k->tp_src) > 0xff)))
				return vsx_errf(err, errlen, -EINVAL,
						"icmp_type: must be one exact value 0..255");
			if ((m->tp_dst && (m->tp_dst != 0xffff || ntohs(k->tp_dst) > 0xff)))
				return vsx_errf(err, errlen, -EINVAL,
						"icmp_code: must be one exact value 0..255");
		} else if (!is_port_proto(k->nw_proto)) {
			return vsx_errf(
			    err, errlen, -EINVAL,
			    "%s: the datapath reads no ports of nw_proto %u (tcp and udp "
			    "only; icmp_type/code need icmp with ip or icmp6 with ipv6)",
			    name, k->nw_proto);
		}
		if (!(m->flags & VSX_KEY_LATER_FRAG) || (k->flags & VSX_KEY_LATER_FRAG))
			return vsx_errf(
			    err, errlen, -EINVAL,
			    "%s: later fragments carry no L4 header: the rule must exclude "
			    "them (VSX_KEY_LATER_FRAG in the mask, clear in the key)",
			    name);
	}

	/* Tunnel */
	outer = !bytes_zero(m->outer_src, sizeof(m->outer_src)) ||
		!bytes_zero(m->outer_dst, sizeof(m->outer_dst));
	tun = m->vni || m->fcf || outer;
	if (m->vni & ~htonl(VNI_MAX))
		return vsx_errf(err, errlen, -EINVAL, "vni: a VNI has 24 bits");
	vm_mask = m->fcf & VSX_FCF_VM_ID_MASK;
	if (vm_mask && vm_mask != VSX_FCF_VM_ID_MASK)
		return vsx_errf(err, errlen, -EINVAL,
				"vm_id: must be matched exactly or not at all");
	if (m->fcf & ~(VSX_FCF_VM_ID_MASK | VSX_FCF_PRIO))
		return vsx_errf(err, errlen, -EINVAL,
				"fcf: bits outside vm_id and fcf_prio cannot be matched");
	if (tun && !(m->flags & k->flags & VSX_KEY_TUNNEL)) {
		name = m->vni ? "vni" : vm_mask ? "vm_id" : m->fcf ? "fcf_prio" : "outer_src";
		return vsx_errf(
		    err, errlen, -EINVAL,
		    "%s: only tunnelled packets have it: VSX_KEY_TUNNEL must be set in key "
		    "and mask",
		    name);
	}
	if ((m->flags & VSX_KEY_TUNNEL) && !tun)
		return vsx_errf(err, errlen, -EINVAL,
				"flags: VSX_KEY_TUNNEL matched without a tunnel field (vni, vm_id, "
				"fcf_prio, outer_src, outer_dst)");
	if (outer && !(m->flags & VSX_KEY_OUTER_V6))
		return vsx_errf(
		    err, errlen, -EINVAL,
		    "outer_src: the outer family must be matched (VSX_KEY_OUTER_V6 in the "
		    "mask)");
	if ((m->flags & VSX_KEY_OUTER_V6) && !outer)
		return vsx_errf(err, errlen, -EINVAL,
				"flags: VSX_KEY_OUTER_V6 matched without outer_src or outer_dst");
	if (outer && !(k->flags & VSX_KEY_OUTER_V6)) {
		if (!bytes_zero(&m->outer_src[1], 3 * sizeof(__be32)))
			return vsx_errf(err, errlen, -EINVAL,
					"outer_src: an IPv6-sized mask with an IPv4 outer header");
		if (!bytes_zero(&m->outer_dst[1], 3 * sizeof(__be32)))
			return vsx_errf(err, errlen, -EINVAL,
					"outer_dst: an IPv6-sized mask with an IPv4 outer header");
	}

	return 0;
}

int vsx_rule_validate(const struct vsx_rule *r, char *err, size_t errlen)
{
	const struct vsx_flow_key *m = &r->mask;
	__u8 vm_mask = m->fcf & VSX_FCF_VM_ID_MASK;
	int ret = vsx_match_validate(&r->key, m, err, errlen);

	if (ret)
		return ret;
	if (r->origin >= VSX_ORIGIN_COUNT)
		return vsx_errf(err, errlen, -EINVAL, "origin: unknown origin %u", r->origin);
	if (r->flags & ~VSX_RULE_F_ALL)
		return vsx_errf(err, errlen, -EINVAL, "flags: unknown flag bits 0x%04x",
				r->flags & ~VSX_RULE_F_ALL);

	/* Action, and the match for its direction */
	switch (r->action.kind) {
	case VSX_ACT_IRQ_CORE:
		if (r->action.core >= VSX_MAX_CPUS)
			return vsx_errf(err, errlen, -EINVAL, "irq: core %u out of range (0..%d)",
					r->action.core, VSX_MAX_CPUS - 1);
		if (r->action.fcf)
			return vsx_errf(err, errlen, -EINVAL,
					"irq: the action carries no FCF byte");
		break;
	case VSX_ACT_IRQ_AUTO:
		if (r->action.core || r->action.fcf)
			return vsx_errf(err, errlen, -EINVAL,
					"irq:auto: the action carries no core or FCF byte");
		break;
	case VSX_ACT_SET_FCF:
		if (r->action.core)
			return vsx_errf(err, errlen, -EINVAL,
					"set_fcf: the action carries no core");
		if (r->action.fcf !=
		    vsx_fcf_encode(vsx_fcf_vm_id(r->action.fcf), vsx_fcf_prio(r->action.fcf)))
			return vsx_errf(err, errlen, -EINVAL,
					"set_fcf: 0x%02x is not an FCF encoding", r->action.fcf);
		if (m->fcf)
			return vsx_errf(
			    err, errlen, -EINVAL,
			    "%s: an egress (set_fcf) rule cannot match the FCF it writes",
			    vm_mask ? "vm_id" : "fcf_prio");
		break;
	default:
		return vsx_errf(err, errlen, -EINVAL,
				"action: unknown kind %u (expected irq:N, irq:auto or set_fcf)",
				r->action.kind);
	}
	return 0;
}
