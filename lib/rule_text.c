// SPDX-License-Identifier: MIT
/*
 * The text syntax of rules: parsing and canonical formatting. See rule_text.h and
 * docs/rules.md.
 *
 * The parser fills a struct vsx_rule field by field, checks what only the text can say (a
 * literal's address family against dl_type, the name a field was given by),
 * vsx_match_normalize() adds the flag bits the fields imply (tunnel, outer family, VLAN, "not a
 * later fragment" for ports), and vsx_rule_validate(), the check every door shares, has the last
 * word. The formatter prints exactly the fields whose mask is non-zero, folding
 * dl_type/nw_proto into a shorthand and leaving out the implied flag bits, so that
 * parse(format(r)) == r for every rule the validator accepts.
 */
#include "errmsg.h"
#include "rule.h"
#include "rule_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rule_bits.h"
#include "vsx/fcf.h"

#define SEPARATORS ", \t\r\n"

/* ---- parsing ---- */

enum field_id {
	F_PRIORITY,
	F_COOKIE,
	F_IN_PORT,
	F_DL_SRC,
	F_DL_DST,
	F_DL_VLAN,
	F_DL_VLAN_PCP,
	F_VLAN_TCI,
	F_DL_TYPE,
	F_NW_SRC,
	F_NW_DST,
	F_NW_PROTO,
	F_NW_TOS,
	F_NW_FRAG,
	F_TP_SRC,
	F_TP_DST,
	F_ICMP_TYPE,
	F_ICMP_CODE,
	F_VNI,
	F_OUTER_SRC,
	F_OUTER_DST,
	F_VM_ID,
	F_FCF_PRIO,
	F__COUNT
};
_Static_assert(F__COUNT <= 32, "seen is a 32-bit set");

enum {
	FL_MASK = 1 << 0, /* takes /MASK */
	FL_V6 = 1 << 1,	  /* IPv6 addresses only */
};

struct field_name {
	const char *name;
	__u8 id;
	__u8 flags;
};

static const struct field_name field_names[] = {
    {"priority", F_PRIORITY, 0},
    {"cookie", F_COOKIE, 0},
    {"in_port", F_IN_PORT, 0},
    {"dl_src", F_DL_SRC, FL_MASK},
    {"dl_dst", F_DL_DST, FL_MASK},
    {"dl_vlan", F_DL_VLAN, 0},
    {"dl_vlan_pcp", F_DL_VLAN_PCP, 0},
    {"vlan_tci", F_VLAN_TCI, FL_MASK},
    {"dl_type", F_DL_TYPE, 0},
    {"nw_src", F_NW_SRC, FL_MASK},
    {"nw_dst", F_NW_DST, FL_MASK},
    {"ipv6_src", F_NW_SRC, FL_MASK | FL_V6},
    {"ipv6_dst", F_NW_DST, FL_MASK | FL_V6},
    {"nw_proto", F_NW_PROTO, 0},
    {"nw_tos", F_NW_TOS, FL_MASK},
    {"nw_frag", F_NW_FRAG, 0},
    {"tp_src", F_TP_SRC, FL_MASK},
    {"tp_dst", F_TP_DST, FL_MASK},
    {"icmp_type", F_ICMP_TYPE, 0},
    {"icmp_code", F_ICMP_CODE, 0},
    {"vni", F_VNI, FL_MASK},
    {"tun_id", F_VNI, FL_MASK},
    {"tunnel_id", F_VNI, FL_MASK},
    {"outer_src", F_OUTER_SRC, FL_MASK},
    {"outer_dst", F_OUTER_DST, FL_MASK},
    {"vm_id", F_VM_ID, 0},
    {"fcf_prio", F_FCF_PRIO, 0},
};

struct shorthand {
	const char *name;
	__u16 dl_type;
	__s16 nw_proto; /* -1: none */
};

static const struct shorthand shorthands[] = {
    {"ip", ETH_P_IPV4, -1},	      {"ipv6", ETH_P_IPV6, -1},
    {"tcp", ETH_P_IPV4, PROTO_TCP},   {"tcp6", ETH_P_IPV6, PROTO_TCP},
    {"udp", ETH_P_IPV4, PROTO_UDP},   {"udp6", ETH_P_IPV6, PROTO_UDP},
    {"sctp", ETH_P_IPV4, PROTO_SCTP}, {"sctp6", ETH_P_IPV6, PROTO_SCTP},
    {"icmp", ETH_P_IPV4, PROTO_ICMP}, {"icmp6", ETH_P_IPV6, PROTO_ICMPV6},
    {"arp", ETH_P_ARP, -1},
};
_Static_assert(ARRAY_SIZE(shorthands) <= 32, "sh_seen is a 32-bit set");

static const char *const frag_names[] = {"no", "yes", "first", "later", "not_later"};
/* (mask, key) of each nw_frag value, indexed like frag_names */
static const __u8 frag_bits[][2] = {
    {VSX_KEY_FRAG, 0},	    {VSX_KEY_FRAG, VSX_KEY_FRAG}, {FRAG_BITS, VSX_KEY_FRAG},
    {FRAG_BITS, FRAG_BITS}, {VSX_KEY_LATER_FRAG, 0},
};

struct pstate {
	struct vsx_rule r;
	__u32 seen;		       /* 1 << F_* given so far */
	const char *seen_as[F__COUNT]; /* the name each was given by */
	__u32 sh_seen;		       /* 1 << shorthands[] index */
	char dl_type_by[32];	       /* what set dl_type, for conflict messages */
	char nw_proto_by[32];
	int nw_family[2];    /* nw_src, nw_dst: 0, 4 or 6 */
	int outer_family[2]; /* outer_src, outer_dst */
	bool vlan_none;
	char *err;
	size_t errlen;
};

#define PERR(p, ...) vsx_errf((p)->err, (p)->errlen, -EINVAL, __VA_ARGS__)

/* A token for an error message: at most 48 characters, then "...". */
struct clip {
	char s[56];
};

static const char *clip(struct clip *c, const char *s)
{
	size_t n = strlen(s);

	if (n < 48) {
		memcpy(c->s, s, n + 1);
	} else {
		memcpy(c->s, s, 45);
		memcpy(c->s + 45, "...", 4);
	}
	return c->s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Decimal, or hex with 0x. No sign, no spaces. 0 or -EINVAL (syntax or above max). */
static int parse_u64(const char *s, __u64 max, __u64 *out)
{
	unsigned int base = 10;
	__u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hexval(*s);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if ((__u64)d > max || v > (max - (__u64)d) / base)
			return -EINVAL;
		v = v * base + (__u64)d;
	}
	*out = v;
	return 0;
}

static int bad_value(struct pstate *p, const char *name, const char *value, const char *what)
{
	struct clip c;

	return PERR(p, "bad value \"%s\" for %s: must be %s", clip(&c, value), name, what);
}

static int bad_mask(struct pstate *p, const char *name, const char *mask, const char *what)
{
	struct clip c;

	return PERR(p, "bad mask \"%s\" for %s: must be %s", clip(&c, mask), name, what);
}

/* VALUE[/MASK] as numbers up to max; the mask defaults to max (all ones of the field). */
static int parse_num_mask(struct pstate *p, const char *name, const char *value, const char *mask,
			  __u64 max, const char *what, __u64 *v, __u64 *m)
{
	if (parse_u64(value, max, v))
		return bad_value(p, name, value, what);
	*m = max;
	if (mask && parse_u64(mask, max, m))
		return bad_mask(p, name, mask, what);
	*v &= *m;
	return 0;
}

static int parse_mac(const char *s, __u8 out[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned int v = 0;
		int n = 0;

		while (n < 2 && hexval(*s) >= 0) {
			v = v * 16 + (unsigned int)hexval(*s);
			s++;
			n++;
		}
		if (!n)
			return -EINVAL;
		out[i] = (__u8)v;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

static int parse_mac_field(struct pstate *p, const char *name, const char *value, const char *mask,
			   __u8 key[6], __u8 kmask[6])
{
	__u8 v[6], m[6];

	if (parse_mac(value, v))
		return bad_value(p, name, value, "a MAC address xx:xx:xx:xx:xx:xx");
	memset(m, 0xff, sizeof(m));
	if (mask && parse_mac(mask, m))
		return bad_mask(p, name, mask, "a MAC address xx:xx:xx:xx:xx:xx");
	for (int i = 0; i < 6; i++) {
		key[i] = v[i] & m[i];
		kmask[i] = m[i];
	}
	return 0;
}

/*
 * ADDR[/PREFIX|/MASKADDR], IPv4 (into word 0) or IPv6. *family gets 4 or 6. The family is
 * the literal's: a ':' means IPv6.
 */
static int parse_addr_field(struct pstate *p, const char *name, const char *value, const char *mask,
			    bool v6_only, int *family, __be32 key[4], __be32 kmask[4])
{
	__u8 a[16] = {0}, m[16] = {0};
	bool v6 = strchr(value, ':') != NULL;
	int af = v6 ? AF_INET6 : AF_INET;
	size_t len = v6 ? 16 : 4;
	const char *what = v6_only ? "an IPv6 address" : "an IPv4 or IPv6 address";

	if ((v6_only && !v6) || inet_pton(af, value, a) != 1)
		return bad_value(p, name, value, what);
	if (!mask) {
		memset(m, 0xff, len);
	} else if (all_digits(mask)) {
		__u64 plen;

		if (parse_u64(mask, len * 8, &plen))
			return bad_mask(p, name, mask,
					v6 ? "a prefix length 0..128 or an IPv6 mask"
					   : "a prefix length 0..32 or an IPv4 mask");
		for (size_t i = 0; i < len; i++) {
			if (plen >= 8) {
				m[i] = 0xff;
				plen -= 8;
			} else {
				m[i] = (__u8)(0xff00u >> plen);
				plen = 0;
			}
		}
	} else if (inet_pton(af, mask, m) != 1) {
		return bad_mask(p, name, mask,
				v6 ? "a prefix length 0..128 or an IPv6 mask"
				   : "a prefix length 0..32 or an IPv4 mask");
	}
	for (size_t i = 0; i < len; i++)
		a[i] &= m[i];
	memcpy(key, a, sizeof(a));
	memcpy(kmask, m, sizeof(m));
	*family = v6 ? 6 : 4;
	return 0;
}

static int set_dl_type(struct pstate *p, __u16 type, const char *by)
{
	struct vsx_flow_key *k = &p->r.key, *m = &p->r.mask;

	if (p->dl_type_by[0] && ntohs(k->dl_type) != type)
		return PERR(p, "\"%s\" conflicts with \"%s\"", by, p->dl_type_by);
	if (!p->dl_type_by[0])
		snprintf(p->dl_type_by, sizeof(p->dl_type_by), "%s", by);
	k->dl_type = htons(type);
	m->dl_type = 0xffff;
	return 0;
}

static int set_nw_proto(struct pstate *p, __u8 proto, const char *by)
{
	struct vsx_flow_key *k = &p->r.key, *m = &p->r.mask;

	if (p->nw_proto_by[0] && k->nw_proto != proto)
		return PERR(p, "\"%s\" conflicts with \"%s\"", by, p->nw_proto_by);
	if (!p->nw_proto_by[0])
		snprintf(p->nw_proto_by, sizeof(p->nw_proto_by), "%s", by);
	k->nw_proto = proto;
	m->nw_proto = 0xff;
	return 0;
}

static void set_be16(__be16 *key, __be16 *mask, __u64 v, __u64 m)
{
	*key = htons((__u16)v);
	*mask = htons((__u16)m);
}

static int parse_field(struct pstate *p, const struct field_name *f, const char *value,
		       const char *mask)
{
	struct vsx_flow_key *k = &p->r.key, *m = &p->r.mask;
	const char *name = f->name;
	char desc[32];
	__u64 v, vm;
	int ret;

	switch (f->id) {
	case F_PRIORITY:
		if (parse_u64(value, 0xffff, &v))
			return bad_value(p, name, value, "0..65535");
		p->r.priority = (__u16)v;
		return 0;
	case F_COOKIE:
		if (parse_u64(value, UINT64_MAX, &v))
			return bad_value(p, name, value, "a 64-bit number");
		p->r.cookie = v;
		return 0;
	case F_IN_PORT:
		if (all_digits(value)) {
			if (parse_u64(value, INT_MAX, &v) || v == 0)
				return bad_value(p, name, value,
						 "an interface index 1..2147483647 or name");
		} else {
			struct clip c;

			if (strlen(value) >= IF_NAMESIZE)
				return bad_value(
				    p, name, value,
				    "an interface index or name (at most 15 characters)");
			v = if_nametoindex(value);
			if (!v || v > INT_MAX)
				return PERR(p, "unknown interface \"%s\" for in_port",
					    clip(&c, value));
		}
		k->in_port = (__u32)v;
		m->in_port = UINT32_MAX;
		return 0;
	case F_DL_SRC:
		return parse_mac_field(p, name, value, mask, k->dl_src, m->dl_src);
	case F_DL_DST:
		return parse_mac_field(p, name, value, mask, k->dl_dst, m->dl_dst);
	case F_DL_VLAN:
		if (p->seen & (1u << F_VLAN_TCI))
			return PERR(p, "dl_vlan cannot be combined with vlan_tci");
		if (!strcmp(value, "none") || (!parse_u64(value, 0xffff, &v) && v == 0xffff)) {
			p->vlan_none = true;
			m->flags |= VSX_KEY_VLAN;
			return 0;
		}
		if (parse_u64(value, TCI_VID, &v))
			return bad_value(p, name, value,
					 "0..4095, or none (0xffff) for no VLAN tag");
		k->flags |= VSX_KEY_VLAN;
		m->flags |= VSX_KEY_VLAN;
		k->dl_vlan_tci |= htons((__u16)v);
		m->dl_vlan_tci |= htons(TCI_VID);
		return 0;
	case F_DL_VLAN_PCP:
		if (p->seen & (1u << F_VLAN_TCI))
			return PERR(p, "dl_vlan_pcp cannot be combined with vlan_tci");
		if (parse_u64(value, 7, &v))
			return bad_value(p, name, value, "0..7");
		k->flags |= VSX_KEY_VLAN;
		m->flags |= VSX_KEY_VLAN;
		k->dl_vlan_tci |= htons((__u16)(v << 13));
		m->dl_vlan_tci |= htons(TCI_PCP);
		return 0;
	case F_VLAN_TCI:
		if (p->seen & ((1u << F_DL_VLAN) | (1u << F_DL_VLAN_PCP)))
			return PERR(p, "vlan_tci cannot be combined with dl_vlan or dl_vlan_pcp");
		ret = parse_num_mask(p, name, value, mask, 0xffff, "0..0xffff", &v, &vm);
		if (ret)
			return ret;
		if (!vm)
			return 0;
		if (!(vm & TCI_DEI))
			return bad_mask(p, name, mask ? mask : value,
					"a mask including 0x1000 (the tag-present bit)");
		m->flags |= VSX_KEY_VLAN;
		if (!(v & TCI_DEI)) {
			if (v)
				return bad_value(p, name, value,
						 "0 (no tag) or a TCI with 0x1000 (tag present)");
			return 0;
		}
		k->flags |= VSX_KEY_VLAN;
		k->dl_vlan_tci = htons((__u16)(v & ~TCI_DEI));
		m->dl_vlan_tci = htons((__u16)(vm & ~TCI_DEI));
		return 0;
	case F_DL_TYPE:
		if (parse_u64(value, 0xffff, &v))
			return bad_value(p, name, value, "0..0xffff");
		snprintf(desc, sizeof(desc), "dl_type=0x%04x", (unsigned int)v);
		return set_dl_type(p, (__u16)v, desc);
	case F_NW_SRC:
		return parse_addr_field(p, name, value, mask, f->flags & FL_V6, &p->nw_family[0],
					k->nw_src, m->nw_src);
	case F_NW_DST:
		return parse_addr_field(p, name, value, mask, f->flags & FL_V6, &p->nw_family[1],
					k->nw_dst, m->nw_dst);
	case F_NW_PROTO:
		if (parse_u64(value, 0xff, &v))
			return bad_value(p, name, value, "0..255");
		snprintf(desc, sizeof(desc), "nw_proto=%u", (unsigned int)v);
		return set_nw_proto(p, (__u8)v, desc);
	case F_NW_TOS:
		ret = parse_num_mask(p, name, value, mask, 0xff, "0..255", &v, &vm);
		if (ret)
			return ret;
		k->nw_tos = (__u8)v;
		m->nw_tos = (__u8)vm;
		return 0;
	case F_NW_FRAG:
		for (size_t i = 0; i < ARRAY_SIZE(frag_names); i++) {
			if (!strcmp(value, frag_names[i])) {
				m->flags |= frag_bits[i][0];
				k->flags |= frag_bits[i][1];
				return 0;
			}
		}
		return bad_value(p, name, value, "no, yes, first, later or not_later");
	case F_TP_SRC:
	case F_TP_DST:
	case F_ICMP_TYPE:
	case F_ICMP_CODE: {
		bool icmp = f->id == F_ICMP_TYPE || f->id == F_ICMP_CODE;
		bool src = f->id == F_TP_SRC || f->id == F_ICMP_TYPE;
		enum field_id other = f->id == F_TP_SRC	     ? F_ICMP_TYPE
				      : f->id == F_TP_DST    ? F_ICMP_CODE
				      : f->id == F_ICMP_TYPE ? F_TP_SRC
							     : F_TP_DST;

		if (p->seen & (1u << other))
			return PERR(p, "%s cannot be combined with %s", name, p->seen_as[other]);
		ret = parse_num_mask(p, name, value, mask, icmp ? 0xff : 0xffff,
				     icmp ? "0..255" : "0..65535", &v, &vm);
		if (ret)
			return ret;
		if (icmp)
			vm = 0xffff;
		if (src)
			set_be16(&k->tp_src, &m->tp_src, v, vm);
		else
			set_be16(&k->tp_dst, &m->tp_dst, v, vm);
		return 0;
	}
	case F_VNI:
		ret = parse_num_mask(p, name, value, mask, VNI_MAX, "0..16777215", &v, &vm);
		if (ret)
			return ret;
		k->vni = htonl((__u32)v);
		m->vni = htonl((__u32)vm);
		return 0;
	case F_OUTER_SRC:
		return parse_addr_field(p, name, value, mask, false, &p->outer_family[0],
					k->outer_src, m->outer_src);
	case F_OUTER_DST:
		return parse_addr_field(p, name, value, mask, false, &p->outer_family[1],
					k->outer_dst, m->outer_dst);
	case F_VM_ID:
		if (parse_u64(value, VSX_FCF_MAX_VM_ID, &v))
			return bad_value(p, name, value, "0..127");
		k->fcf |= vsx_fcf_encode((__u8)v, 0);
		m->fcf |= VSX_FCF_VM_ID_MASK;
		return 0;
	case F_FCF_PRIO:
		if (parse_u64(value, 1, &v))
			return bad_value(p, name, value, "0 or 1");
		k->fcf |= vsx_fcf_encode(0, (int)v);
		m->fcf |= VSX_FCF_PRIO;
		return 0;
	}
	return PERR(p, "internal error: field %s", name);
}

static int parse_shorthand(struct pstate *p, size_t i)
{
	const struct shorthand *s = &shorthands[i];
	int ret;

	if (p->sh_seen & (1u << i))
		return PERR(p, "duplicate \"%s\"", s->name);
	p->sh_seen |= 1u << i;
	ret = set_dl_type(p, s->dl_type, s->name);
	if (!ret && s->nw_proto >= 0)
		ret = set_nw_proto(p, (__u8)s->nw_proto, s->name);
	return ret;
}

static int parse_action(struct pstate *p, char *text)
{
	struct vsx_rule_action *a = &p->r.action;
	struct clip c;
	__u64 v, prio = 0;

	if (!strncmp(text, "irq:", 4)) {
		const char *arg = text + 4;

		if (!strcmp(arg, "auto") || !strcmp(arg, "-")) {
			a->kind = VSX_ACT_IRQ_AUTO;
			return 0;
		}
		if (!all_digits(arg) || parse_u64(arg, VSX_MAX_CPUS - 1, &v))
			return PERR(p, "bad value \"%s\" for irq: must be a core 0..%d or auto",
				    clip(&c, arg), VSX_MAX_CPUS - 1);
		a->kind = VSX_ACT_IRQ_CORE;
		a->core = (__u16)v;
		return 0;
	}
	if (!strncmp(text, "set_fcf:", 8)) {
		char *arg = text + 8;
		char *slash = strchr(arg, '/');

		if (slash)
			*slash++ = '\0';
		if (!all_digits(arg) || parse_u64(arg, VSX_FCF_MAX_VM_ID, &v))
			return PERR(p, "bad value \"%s\" for set_fcf: must be a VM ID 0..%d",
				    clip(&c, arg), VSX_FCF_MAX_VM_ID);
		if (slash && (!all_digits(slash) || parse_u64(slash, 1, &prio)))
			return PERR(p, "bad priority \"%s\" for set_fcf: must be 0 or 1",
				    clip(&c, slash));
		a->kind = VSX_ACT_SET_FCF;
		a->fcf = vsx_fcf_encode((__u8)v, (int)prio);
		return 0;
	}
	return PERR(p, "unknown action \"%s\" (expected irq:N, irq:auto or set_fcf:VMID[/PRIO])",
		    clip(&c, text));
}

static bool looks_like_action(const char *tok)
{
	return !strchr(tok, '=') && (strchr(tok, ':') || !strcmp(tok, "drop"));
}

/* Implied bits and cross-field checks once every token is in. */
static int parse_finish(struct pstate *p)
{
	struct vsx_flow_key *k = &p->r.key, *m = &p->r.mask;
	static const char *const nw_names[] = {"nw_src", "nw_dst"};
	bool have_dl_type = p->dl_type_by[0] != '\0';
	__u16 dl_type = ntohs(k->dl_type);
	bool outer_any;

	if (p->vlan_none && (p->seen & (1u << F_DL_VLAN_PCP)))
		return PERR(p, "dl_vlan_pcp needs a VLAN tag, but dl_vlan=none");

	for (int i = 0; i < 2; i++) {
		const char *name =
		    p->seen_as[F_NW_SRC + i] ? p->seen_as[F_NW_SRC + i] : nw_names[i];

		if (!p->nw_family[i])
			continue;
		if ((!have_dl_type || (dl_type != ETH_P_IPV4 && dl_type != ETH_P_IPV6)) &&
		    !bytes_zero(i ? m->nw_dst : m->nw_src, sizeof(m->nw_src)))
			return PERR(p, "%s requires dl_type 0x0800 or 0x86dd (ip, ipv6, tcp, ...)",
				    name);
		if (!have_dl_type)
			continue;
		if (p->nw_family[i] == 6 && dl_type == ETH_P_IPV4)
			return PERR(p,
				    "%s: an IPv6 address needs dl_type=0x86dd (ipv6, tcp6, "
				    "...), not 0x0800",
				    name);
		if (p->nw_family[i] == 4 && dl_type == ETH_P_IPV6)
			return PERR(p,
				    "%s: an IPv4 address needs dl_type=0x0800 (ip, tcp, ...), "
				    "not 0x86dd",
				    name);
	}

	/* ICMP fields want ICMP, ports want a protocol with ports. */
	if ((p->seen & ((1u << F_ICMP_TYPE) | (1u << F_ICMP_CODE))) &&
	    !is_icmp(k->nw_proto, m->dl_type && dl_type == ETH_P_IPV4,
		     m->dl_type && dl_type == ETH_P_IPV6))
		return PERR(p, "%s requires icmp (IPv4) or icmp6 (IPv6)",
			    (p->seen & (1u << F_ICMP_TYPE)) ? "icmp_type" : "icmp_code");
	if (((p->seen & (1u << F_TP_SRC)) && m->tp_src) ||
	    ((p->seen & (1u << F_TP_DST)) && m->tp_dst)) {
		if (m->nw_proto && (k->nw_proto == PROTO_ICMP || k->nw_proto == PROTO_ICMPV6))
			return PERR(p, "%s: ICMP has no ports: use icmp_type and icmp_code",
				    (p->seen & (1u << F_TP_SRC)) && m->tp_src ? "tp_src"
									      : "tp_dst");
	}

	/* Ports and ICMP type/code exist in first fragments and unfragmented packets only. */
	if (m->tp_src || m->tp_dst) {
		const char *name = p->seen_as[m->tp_src ? F_TP_SRC : F_TP_DST];

		if (!name)
			name = p->seen_as[m->tp_src ? F_ICMP_TYPE : F_ICMP_CODE];
		if (k->flags & VSX_KEY_LATER_FRAG)
			return PERR(p,
				    "%s cannot match later fragments (nw_frag=later): they "
				    "carry no L4 header",
				    name);
	}

	/* The literal says the outer family (an IPv6 /32 fits one word): tell the normaliser. */
	if (p->outer_family[0] && p->outer_family[1] && p->outer_family[0] != p->outer_family[1])
		return PERR(p, "%s: address family differs from %s", p->seen_as[F_OUTER_DST],
			    p->seen_as[F_OUTER_SRC]);
	outer_any = !bytes_zero(m->outer_src, sizeof(m->outer_src)) ||
		    !bytes_zero(m->outer_dst, sizeof(m->outer_dst));
	if (outer_any) {
		int fam = p->outer_family[0] ? p->outer_family[0] : p->outer_family[1];

		m->flags |= VSX_KEY_OUTER_V6;
		if (fam == 6)
			k->flags |= VSX_KEY_OUTER_V6;
	}
	return vsx_match_normalize(k, m, p->err, p->errlen);
}

static const struct field_name *find_field(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(field_names); i++)
		if (!strcmp(field_names[i].name, name))
			return &field_names[i];
	return NULL;
}

static int find_shorthand(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(shorthands); i++)
		if (!strcmp(shorthands[i].name, name))
			return (int)i;
	return -1;
}

static bool is_action_key(const char *name)
{
	return !strcmp(name, "actions") || !strcmp(name, "action");
}

static int parse_tokens(struct pstate *p, char *s)
{
	bool any = false;
	struct clip c;
	int ret;

	for (;;) {
		char *tok, *value, *mask, *eq;
		const struct field_name *f;
		char sep = '\0';
		int sh;

		s += strspn(s, SEPARATORS);
		if (!*s)
			break;
		tok = s;
		s += strcspn(s, SEPARATORS);
		if (*s) {
			sep = *s;
			*s++ = '\0';
		}
		any = true;

		eq = strchr(tok, '=');
		value = NULL;
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}

		if (is_action_key(tok)) {
			if (!value)
				return PERR(p, "\"%s\" needs \"=\" and an action", tok);
			if (!*value && (sep == ' ' || sep == '\t')) {
				/* "actions= irq:1" */
				s += strspn(s, " \t");
				value = s;
				s += strcspn(s, SEPARATORS);
				if (*s)
					*s++ = '\0';
			}
			if (!*value)
				return PERR(p, "missing action after \"%s=\"", tok);
			ret = parse_action(p, value);
			if (ret)
				return ret;
			s += strspn(s, SEPARATORS);
			if (*s) {
				char *extra = s;

				extra[strcspn(extra, SEPARATORS)] = '\0';
				if (looks_like_action(extra))
					return PERR(p,
						    "only one action per rule: unexpected \"%s\"",
						    clip(&c, extra));
				return PERR(p, "unexpected \"%s\" after the action",
					    clip(&c, extra));
			}
			return 0;
		}

		f = find_field(tok);
		sh = find_shorthand(tok);
		if (sh >= 0) {
			if (value)
				return PERR(p, "\"%s\" takes no value", tok);
			ret = parse_shorthand(p, (size_t)sh);
			if (ret)
				return ret;
			continue;
		}
		if (!f) {
			return PERR(p, "unknown field \"%s\"", clip(&c, tok));
		}
		if (!value || !*value)
			return PERR(p, "missing value for %s", f->name);
		if (p->seen & (1u << f->id)) {
			if (!strcmp(p->seen_as[f->id], f->name))
				return PERR(p, "duplicate field \"%s\"", f->name);
			return PERR(p, "duplicate field \"%s\" (already given as %s)", f->name,
				    p->seen_as[f->id]);
		}
		p->seen |= 1u << f->id;
		p->seen_as[f->id] = f->name;

		mask = strchr(value, '/');
		if (mask) {
			*mask++ = '\0';
			if (!(f->flags & FL_MASK))
				return PERR(p, "%s does not take a mask (\"%s/%s\")", f->name,
					    clip(&c, value), mask);
			if (!*mask)
				return PERR(p, "missing mask after \"%s/\" for %s", clip(&c, value),
					    f->name);
		}
		if (!*value)
			return PERR(p, "missing value for %s", f->name);
		ret = parse_field(p, f, value, mask);
		if (ret)
			return ret;
	}
	if (!any)
		return PERR(p, "empty rule");
	return PERR(p, "missing \"actions=\"");
}

int vsx_rule_parse(const char *text, struct vsx_rule *out, char *err, size_t errlen)
{
	char buf[VSX_RULE_TEXT_MAX];
	struct pstate p;
	size_t n;
	int ret;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	vsx_rule_init(&p.r);

	if (!text)
		return PERR(&p, "empty rule");
	n = strnlen(text, VSX_RULE_TEXT_MAX);
	if (n >= VSX_RULE_TEXT_MAX)
		return PERR(&p, "rule too long (more than %d characters)", VSX_RULE_TEXT_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch < 0x20 && !strchr(SEPARATORS, ch)) || ch >= 0x7f)
			return PERR(&p, "invalid character 0x%02x at offset %zu", ch, i);
	}
	memcpy(buf, text, n + 1);

	ret = parse_tokens(&p, buf);
	if (!ret)
		ret = parse_finish(&p);
	if (!ret)
		ret = vsx_rule_validate(&p.r, err, errlen);
	if (ret)
		return ret;
	*out = p.r;
	return 0;
}

/* ---- formatting ---- */

struct sb {
	char *buf;
	size_t len;
	size_t pos;
	bool fields; /* something printed before " actions=" */
};

static void sb_add(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->pos < sb->len ? sb->buf + sb->pos : NULL,
		      sb->pos < sb->len ? sb->len - sb->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->pos += (size_t)n;
}

static void sb_sep(struct sb *sb)
{
	if (sb->fields)
		sb_add(sb, ",");
	sb->fields = true;
}

static int sb_done(struct sb *sb)
{
	if (sb->len && sb->pos >= sb->len)
		sb->buf[sb->len - 1] = '\0';
	if (sb->pos >= sb->len)
		return -ENOSPC;
	if (sb->pos > INT_MAX)
		return -ENOSPC;
	return (int)sb->pos;
}

static void fmt_num(struct sb *sb, const char *name, unsigned long long v, unsigned long long m,
		    unsigned long long full)
{
	sb_sep(sb);
	if (m == full)
		sb_add(sb, "%s=%llu", name, v);
	else
		sb_add(sb, "%s=0x%llx/0x%llx", name, v, m);
}

static void fmt_mac(struct sb *sb, const char *name, const __u8 k[6], const __u8 m[6])
{
	if (bytes_zero(m, 6))
		return;
	sb_sep(sb);
	sb_add(sb, "%s=%02x:%02x:%02x:%02x:%02x:%02x", name, k[0], k[1], k[2], k[3], k[4], k[5]);
	if (!bytes_ones(m, 6))
		sb_add(sb, "/%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Prefix length of a contiguous mask, or -1. */
static int prefix_len(const __u8 *m, size_t len)
{
	int n = 0;
	size_t i = 0;

	for (; i < len && m[i] == 0xff; i++)
		n += 8;
	if (i < len) {
		int ones = __builtin_popcount(m[i]);

		if (m[i] != (__u8)(0xff00u >> ones))
			return -1;
		n += ones;
		for (i++; i < len; i++)
			if (m[i])
				return -1;
	}
	return n;
}

static void fmt_addr(struct sb *sb, const char *name, const __be32 k[4], const __be32 m[4], bool v6)
{
	char a[INET6_ADDRSTRLEN];
	size_t len = v6 ? 16 : 4;
	int plen;

	if (bytes_zero(m, 16))
		return;
	sb_sep(sb);
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, k, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	sb_add(sb, "%s=%s", name, a);
	if (bytes_ones(m, len))
		return;
	plen = prefix_len((const __u8 *)m, len);
	if (plen >= 0) {
		sb_add(sb, "/%d", plen);
		return;
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, m, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	sb_add(sb, "/%s", a);
}

static void fmt_vlan(struct sb *sb, const struct vsx_flow_key *k, const struct vsx_flow_key *m)
{
	__u16 tk = ntohs(k->dl_vlan_tci), tm = ntohs(m->dl_vlan_tci);
	__u16 vid = tm & TCI_VID, pcp = tm & TCI_PCP;

	if (!(m->flags & VSX_KEY_VLAN))
		return;
	sb_sep(sb);
	if (!(k->flags & VSX_KEY_VLAN)) {
		sb_add(sb, "dl_vlan=none");
		return;
	}
	if ((vid == 0 || vid == TCI_VID) && (pcp == 0 || pcp == TCI_PCP) && (vid || pcp)) {
		if (vid)
			sb_add(sb, "dl_vlan=%u", tk & TCI_VID);
		if (vid && pcp)
			sb_add(sb, ",");
		if (pcp)
			sb_add(sb, "dl_vlan_pcp=%u", (unsigned int)(tk >> 13));
		return;
	}
	sb_add(sb, "vlan_tci=0x%04x/0x%04x", tk | TCI_DEI, tm | TCI_DEI);
}

int vsx_rule_format_action(const struct vsx_rule_action *a, char *buf, size_t len)
{
	struct sb sb = {.buf = buf, .len = len};

	switch (a->kind) {
	case VSX_ACT_IRQ_CORE:
		sb_add(&sb, "irq:%u", a->core);
		break;
	case VSX_ACT_IRQ_AUTO:
		sb_add(&sb, "irq:auto");
		break;
	case VSX_ACT_SET_FCF:
		sb_add(&sb, "set_fcf:%u", vsx_fcf_vm_id(a->fcf));
		if (vsx_fcf_prio(a->fcf))
			sb_add(&sb, "/1");
		break;
	default:
		sb_add(&sb, "unknown(%u)", a->kind);
		break;
	}
	return sb_done(&sb);
}

int vsx_rule_format(const struct vsx_rule *r, char *buf, size_t len)
{
	const struct vsx_flow_key *k = &r->key, *m = &r->mask;
	struct sb sb = {.buf = buf, .len = len};
	bool ip4 = m->dl_type == 0xffff && k->dl_type == htons(ETH_P_IPV4);
	bool ip6 = m->dl_type == 0xffff && k->dl_type == htons(ETH_P_IPV6);
	bool proto_done = false, tp = m->tp_src || m->tp_dst;
	__u8 mf = m->flags & FRAG_BITS, kf = k->flags & FRAG_BITS;
	char act[64];
	bool inner_v6;

	if (r->cookie) {
		sb_sep(&sb);
		sb_add(&sb, "cookie=0x%llx", (unsigned long long)r->cookie);
	}
	if (r->priority != VSX_RULE_DEFAULT_PRIORITY) {
		sb_sep(&sb);
		sb_add(&sb, "priority=%u", r->priority);
	}

	/* dl_type and nw_proto, as a shorthand where one says both */
	if (m->dl_type) {
		const char *sh = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(shorthands); i++) {
			const struct shorthand *s = &shorthands[i];

			if (s->dl_type != ntohs(k->dl_type))
				continue;
			if (s->nw_proto < 0 && !sh) {
				sh = s->name;
			} else if (s->nw_proto >= 0 && m->nw_proto && s->nw_proto == k->nw_proto) {
				sh = s->name;
				proto_done = true;
				break;
			}
		}
		sb_sep(&sb);
		if (sh)
			sb_add(&sb, "%s", sh);
		else
			sb_add(&sb, "dl_type=0x%04x", ntohs(k->dl_type));
	}
	if (m->in_port) {
		sb_sep(&sb);
		sb_add(&sb, "in_port=%u", k->in_port);
	}
	fmt_mac(&sb, "dl_src", k->dl_src, m->dl_src);
	fmt_mac(&sb, "dl_dst", k->dl_dst, m->dl_dst);
	fmt_vlan(&sb, k, m);

	inner_v6 =
	    ip6 || (!ip4 && (!bytes_zero(&m->nw_src[1], 12) || !bytes_zero(&m->nw_dst[1], 12)));
	fmt_addr(&sb, inner_v6 ? "ipv6_src" : "nw_src", k->nw_src, m->nw_src, inner_v6);
	fmt_addr(&sb, inner_v6 ? "ipv6_dst" : "nw_dst", k->nw_dst, m->nw_dst, inner_v6);
	if (m->nw_proto && !proto_done) {
		sb_sep(&sb);
		sb_add(&sb, "nw_proto=%u", k->nw_proto);
	}
	if (m->nw_tos)
		fmt_num(&sb, "nw_tos", k->nw_tos, m->nw_tos, 0xff);

	/* nw_frag; with ports, "not a later fragment" is implied and not printed. */
	if (tp && (mf & VSX_KEY_FRAG)) {
		sb_sep(&sb);
		sb_add(&sb, "nw_frag=%s", (kf & VSX_KEY_FRAG) ? "first" : "no");
	} else if (!tp && mf) {
		const char *fv = "?";

		for (size_t i = 0; i < ARRAY_SIZE(frag_names); i++) {
			if (frag_bits[i][0] == mf && frag_bits[i][1] == kf)
				fv = frag_names[i];
		}
		sb_sep(&sb);
		sb_add(&sb, "nw_frag=%s", fv);
	}

	if (tp) {
		bool icmp = m->nw_proto && is_icmp(k->nw_proto, ip4, ip6);

		if (m->tp_src)
			fmt_num(&sb, icmp ? "icmp_type" : "tp_src", ntohs(k->tp_src),
				ntohs(m->tp_src), 0xffff);
		if (m->tp_dst)
			fmt_num(&sb, icmp ? "icmp_code" : "tp_dst", ntohs(k->tp_dst),
				ntohs(m->tp_dst), 0xffff);
	}

	if (m->vni)
		fmt_num(&sb, "vni", ntohl(k->vni), ntohl(m->vni), VNI_MAX);
	fmt_addr(&sb, "outer_src", k->outer_src, m->outer_src, k->flags & VSX_KEY_OUTER_V6);
	fmt_addr(&sb, "outer_dst", k->outer_dst, m->outer_dst, k->flags & VSX_KEY_OUTER_V6);
	if (m->fcf & VSX_FCF_VM_ID_MASK) {
		sb_sep(&sb);
		sb_add(&sb, "vm_id=%u", vsx_fcf_vm_id(k->fcf));
	}
	if (m->fcf & VSX_FCF_PRIO) {
		sb_sep(&sb);
		sb_add(&sb, "fcf_prio=%d", vsx_fcf_prio(k->fcf));
	}

	vsx_rule_format_action(&r->action, act, sizeof(act));
	sb_add(&sb, "%sactions=%s", sb.fields ? " " : "", act);
	return sb_done(&sb);
}
