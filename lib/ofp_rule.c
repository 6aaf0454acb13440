// SPDX-License-Identifier: MIT
/*
 * OpenFlow match + actions <-> vsx rules (lib/ofp_rule.h). The decoders fill the flow key's
 * fields and leave the implied flag bits to vsx_match_normalize(), like every other door; the
 * encoders say a rule with standard fields wherever one exists and with the vsx OXM fields
 * and actions for the rest.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "ofp_internal.h"
#include "ofp_rule.h"
#include "ofp_vsx.h"
#include "vsx/fcf.h"

#define ETH_IP 0x0800
#define ETH_IP6 0x86dd
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define TCI_VID 0x0fff
#define TCI_PCP 0xe000
#define OFPVID_PRESENT 0x1000
#define VNI_MAX 0xffffffu
#define FRAG_BITS (VSX_KEY_FRAG | VSX_KEY_LATER_FRAG)

static __u64 get_be(const __u8 *p, size_t n)
{
	__u64 v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(__u8 *p, size_t n, __u64 v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (__u8)v;
}

/* ---- 1.3 OXM match -> key/mask ---- */

/* Fields seen, for the prerequisites checked once the whole match is read. */
struct seen13 {
	bool eth_type, ip_proto, dscp_ecn, ipv4, ipv6, tcp, udp, icmp4, icmp6, pcp, vlan_tagged;
	bool flags, outer4, outer6;
};

/* The value and (full unless given) mask of x, for byte-wise fields. */
static void oxm_bytes(const struct ofp_oxm *x, void *kv, void *mv, size_t n)
{
	__u8 *k = kv, *m = mv;

	for (size_t i = 0; i < n; i++) {
		m[i] = x->has_mask ? x->mask[i] : 0xff;
		k[i] = x->value[i] & m[i];
	}
}

static int vlan_vid13(const struct ofp_oxm *x, struct vsx_flow_key *k, struct vsx_flow_key *m,
		      struct seen13 *s, struct ofp_status *st)
{
	__u16 v = (__u16)get_be(x->value, 2);
	__u16 mk = x->has_mask ? (__u16)get_be(x->mask, 2) : 0x1fff;

	if (!x->has_mask && v == 0) { /* OFPVID_NONE: untagged packets */
		m->flags |= VSX_KEY_VLAN;
		return 0;
	}
	if (!mk)
		return 0;
	if (!(mk & OFPVID_PRESENT))
		return ofp_fail(
		    st, OFP_ERR_BAD_MATCH_MASK,
		    "vlan_vid: a mask without OFPVID_PRESENT (0x1000) matches tagged and "
		    "untagged packets alike");
	m->flags |= VSX_KEY_VLAN;
	if (!(v & OFPVID_PRESENT)) {
		if (mk & TCI_VID)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"vlan_vid: a VLAN ID of untagged packets");
		return 0;
	}
	k->flags |= VSX_KEY_VLAN;
	s->vlan_tagged = true;
	m->dl_vlan_tci |= htons(mk & TCI_VID);
	k->dl_vlan_tci |= htons(v & mk & TCI_VID);
	return 0;
}

static int basic13(const struct ofp_oxm *x, struct vsx_flow_key *k, struct vsx_flow_key *m,
		   struct seen13 *s, struct ofp_status *st)
{
	__u64 v = get_be(x->value, x->len), mk;

	switch (x->field) {
	case OFPXMT_IN_PORT:
		if (v == 0 || v > 0x7fffffff)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"in_port %llu is not a port of this switch",
					(unsigned long long)v);
		k->in_port = (__u32)v;
		m->in_port = UINT32_MAX;
		return 0;
	case OFPXMT_ETH_DST:
		oxm_bytes(x, k->dl_dst, m->dl_dst, 6);
		return 0;
	case OFPXMT_ETH_SRC:
		oxm_bytes(x, k->dl_src, m->dl_src, 6);
		return 0;
	case OFPXMT_ETH_TYPE:
		oxm_bytes(x, &k->dl_type, &m->dl_type, 2);
		s->eth_type = true;
		return 0;
	case OFPXMT_VLAN_VID:
		return vlan_vid13(x, k, m, s, st);
	case OFPXMT_VLAN_PCP:
		k->dl_vlan_tci |= htons((__u16)(v << 13));
		m->dl_vlan_tci |= htons(TCI_PCP);
		s->pcp = true;
		return 0;
	case OFPXMT_IP_DSCP:
		k->nw_tos |= (__u8)(v << 2);
		m->nw_tos |= 0xfc;
		s->dscp_ecn = true;
		return 0;
	case OFPXMT_IP_ECN:
		k->nw_tos |= (__u8)v;
		m->nw_tos |= 0x03;
		s->dscp_ecn = true;
		return 0;
	case OFPXMT_IP_PROTO:
		k->nw_proto = (__u8)v;
		m->nw_proto = 0xff;
		s->ip_proto = true;
		return 0;
	case OFPXMT_IPV4_SRC:
		oxm_bytes(x, k->nw_src, m->nw_src, 4);
		s->ipv4 = true;
		return 0;
	case OFPXMT_IPV4_DST:
		oxm_bytes(x, k->nw_dst, m->nw_dst, 4);
		s->ipv4 = true;
		return 0;
	case OFPXMT_IPV6_SRC:
		oxm_bytes(x, k->nw_src, m->nw_src, 16);
		s->ipv6 = true;
		return 0;
	case OFPXMT_IPV6_DST:
		oxm_bytes(x, k->nw_dst, m->nw_dst, 16);
		s->ipv6 = true;
		return 0;
	case OFPXMT_TCP_SRC:
	case OFPXMT_UDP_SRC:
		oxm_bytes(x, &k->tp_src, &m->tp_src, 2);
		*(x->field == OFPXMT_TCP_SRC ? &s->tcp : &s->udp) = true;
		return 0;
	case OFPXMT_TCP_DST:
	case OFPXMT_UDP_DST:
		oxm_bytes(x, &k->tp_dst, &m->tp_dst, 2);
		*(x->field == OFPXMT_TCP_DST ? &s->tcp : &s->udp) = true;
		return 0;
	case OFPXMT_ICMPV4_TYPE:
	case OFPXMT_ICMPV6_TYPE:
		/* The datapath keeps ICMP type and code in the port fields, as OpenFlow 1.0. */
		k->tp_src = htons((__u16)v);
		m->tp_src = 0xffff;
		*(x->field == OFPXMT_ICMPV4_TYPE ? &s->icmp4 : &s->icmp6) = true;
		return 0;
	case OFPXMT_ICMPV4_CODE:
	case OFPXMT_ICMPV6_CODE:
		k->tp_dst = htons((__u16)v);
		m->tp_dst = 0xffff;
		*(x->field == OFPXMT_ICMPV4_CODE ? &s->icmp4 : &s->icmp6) = true;
		return 0;
	case OFPXMT_TUNNEL_ID:
		mk = x->has_mask ? get_be(x->mask, 8) : UINT64_MAX;
		if (v > VNI_MAX)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"tunnel_id 0x%llx: a VXLAN VNI has 24 bits",
					(unsigned long long)v);
		/* Bits above the VNI's 24 are zero in every packet: their mask says nothing. */
		k->vni = htonl((__u32)v);
		m->vni = htonl((__u32)(mk & VNI_MAX));
		return 0;
	default:
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "OXM %s is not matched by vsx",
				ofp_oxm_field_name(x->field) ? ofp_oxm_field_name(x->field)
							     : "field");
	}
}

static int vsx13(const struct ofp_oxm *x, struct vsx_flow_key *k, struct vsx_flow_key *m,
		 struct seen13 *s, struct ofp_status *st)
{
	static const struct {
		const char *name;
		__u8 len;
		bool maskable;
	} defs[] = {
	    [VSX_OXM_VM_ID] = {"vsx vm_id", 1, false},
	    [VSX_OXM_FCF_PRIO] = {"vsx fcf_prio", 1, false},
	    [VSX_OXM_OUTER_IPV4_SRC] = {"vsx outer_ipv4_src", 4, true},
	    [VSX_OXM_OUTER_IPV4_DST] = {"vsx outer_ipv4_dst", 4, true},
	    [VSX_OXM_OUTER_IPV6_SRC] = {"vsx outer_ipv6_src", 16, true},
	    [VSX_OXM_OUTER_IPV6_DST] = {"vsx outer_ipv6_dst", 16, true},
	    [VSX_OXM_KEY_FLAGS] = {"vsx key_flags", 1, true},
	};
	__u8 v;

	if (x->experimenter != VSX_OFP_EXPERIMENTER)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "experimenter OXM of 0x%08x",
				x->experimenter);
	if (x->field >= sizeof(defs) / sizeof(defs[0]))
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "vsx OXM field %u", x->field);
	if (x->len != defs[x->field].len)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_LEN, "%s: %u bytes, %u expected",
				defs[x->field].name, x->len, defs[x->field].len);
	if (x->has_mask && !defs[x->field].maskable)
		return ofp_fail(st, OFP_ERR_BAD_MATCH_MASK, "%s cannot have a mask",
				defs[x->field].name);
	if (x->has_mask)
		for (int i = 0; i < x->len; i++)
			if (x->value[i] & ~x->mask[i])
				return ofp_fail(st, OFP_ERR_BAD_MATCH_WILDCARDS,
						"%s: value has bits outside its mask",
						defs[x->field].name);
	v = x->value[0];
	switch (x->field) {
	case VSX_OXM_VM_ID:
		if (v > VSX_FCF_MAX_VM_ID)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE, "vsx vm_id %u above %u", v,
					VSX_FCF_MAX_VM_ID);
		k->fcf |= v;
		m->fcf |= VSX_FCF_VM_ID_MASK;
		return 0;
	case VSX_OXM_FCF_PRIO:
		if (v > 1)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"vsx fcf_prio %u is not 0 or 1", v);
		k->fcf |= v ? VSX_FCF_PRIO : 0;
		m->fcf |= VSX_FCF_PRIO;
		return 0;
	case VSX_OXM_OUTER_IPV4_SRC:
		oxm_bytes(x, k->outer_src, m->outer_src, 4);
		s->outer4 = true;
		return 0;
	case VSX_OXM_OUTER_IPV4_DST:
		oxm_bytes(x, k->outer_dst, m->outer_dst, 4);
		s->outer4 = true;
		return 0;
	case VSX_OXM_OUTER_IPV6_SRC:
		oxm_bytes(x, k->outer_src, m->outer_src, 16);
		s->outer6 = true;
		return 0;
	case VSX_OXM_OUTER_IPV6_DST:
		oxm_bytes(x, k->outer_dst, m->outer_dst, 16);
		s->outer6 = true;
		return 0;
	default: { /* VSX_OXM_KEY_FLAGS */
		__u8 mk = x->has_mask ? x->mask[0] : 0xff;

		if (mk & ~FRAG_BITS)
			return ofp_fail(
			    st, OFP_ERR_BAD_MATCH_MASK,
			    "vsx key_flags: only the fragment bits 0x%02x can be matched",
			    FRAG_BITS);
		k->flags |= v & mk;
		m->flags |= mk;
		s->flags = true;
		return 0;
	}
	}
}

static int prereq(struct ofp_status *st, const char *what, const char *needs)
{
	return ofp_fail(st, OFP_ERR_BAD_MATCH_PREREQ, "%s needs %s", what, needs);
}

static int match13(const struct ofp_match *match, struct vsx_flow_key *k, struct vsx_flow_key *m,
		   struct ofp_status *st)
{
	struct seen13 s = {0};
	__u16 et;
	bool ip;
	int rc;

	for (size_t i = 0; i < match->n_oxm; i++) {
		const struct ofp_oxm *x = &match->oxm[i];

		if (x->oxm_class == OFPXMC_OPENFLOW_BASIC)
			rc = basic13(x, k, m, &s, st);
		else if (x->oxm_class == OFPXMC_EXPERIMENTER)
			rc = vsx13(x, k, m, &s, st);
		else
			rc =
			    ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD, "OXM class 0x%04x", x->oxm_class);
		if (rc)
			return rc;
	}
	/* Prerequisites (OpenFlow 1.3.x table 11): refused, never implied. */
	et = ntohs(k->dl_type);
	ip = s.eth_type && (et == ETH_IP || et == ETH_IP6);
	if (s.pcp && !s.vlan_tagged)
		return prereq(st, "vlan_pcp", "vlan_vid with OFPVID_PRESENT");
	if ((s.dscp_ecn || s.ip_proto || s.flags) && !ip)
		return prereq(st,
			      s.ip_proto ? "ip_proto"
			      : s.flags	 ? "vsx key_flags"
					 : "ip_dscp/ip_ecn",
			      "eth_type 0x0800 or 0x86dd");
	if (s.ipv4 && !(s.eth_type && et == ETH_IP))
		return prereq(st, "ipv4_src/ipv4_dst", "eth_type 0x0800");
	if (s.ipv6 && !(s.eth_type && et == ETH_IP6))
		return prereq(st, "ipv6_src/ipv6_dst", "eth_type 0x86dd");
	if (s.tcp && !(s.ip_proto && k->nw_proto == PROTO_TCP))
		return prereq(st, "tcp_src/tcp_dst", "ip_proto 6");
	if (s.udp && !(s.ip_proto && k->nw_proto == PROTO_UDP))
		return prereq(st, "udp_src/udp_dst", "ip_proto 17");
	if (s.icmp4 && !(s.ip_proto && k->nw_proto == PROTO_ICMP && et == ETH_IP))
		return prereq(st, "icmpv4_type/code", "eth_type 0x0800 and ip_proto 1");
	if (s.icmp6 && !(s.ip_proto && k->nw_proto == PROTO_ICMP6 && et == ETH_IP6))
		return prereq(st, "icmpv6_type/code", "eth_type 0x86dd and ip_proto 58");
	if (s.outer4 && s.outer6)
		return prereq(st, "vsx outer_ipv4_* with outer_ipv6_*", "one outer family");
	/* The family is known from the field: say it, so an IPv6 /32 is not read as IPv4. */
	if (s.outer4 || s.outer6)
		m->flags |= VSX_KEY_OUTER_V6;
	if (s.outer6)
		k->flags |= VSX_KEY_OUTER_V6;
	return 0;
}

/* ---- 1.0 match -> key/mask ---- */

static __be32 prefix_mask(unsigned int wild_bits)
{
	return wild_bits >= 32 ? 0 : htonl(0xffffffffu << wild_bits);
}

static int match10(const struct ofp_match10 *w, struct vsx_flow_key *k, struct vsx_flow_key *m,
		   struct ofp_status *st)
{
	__u32 wc = w->wildcards;
	bool untagged = false, ip4;

	if (!(wc & OFPFW10_IN_PORT)) {
		if (w->in_port == 0 || w->in_port >= OFPP10_MAX)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE,
					"in_port %u is not a port of this switch", w->in_port);
		k->in_port = w->in_port;
		m->in_port = UINT32_MAX;
	}
	if (!(wc & OFPFW10_DL_SRC)) {
		memcpy(k->dl_src, w->dl_src, 6);
		memset(m->dl_src, 0xff, 6);
	}
	if (!(wc & OFPFW10_DL_DST)) {
		memcpy(k->dl_dst, w->dl_dst, 6);
		memset(m->dl_dst, 0xff, 6);
	}
	if (!(wc & OFPFW10_DL_VLAN)) {
		m->flags |= VSX_KEY_VLAN;
		if (w->dl_vlan == 0xffff) { /* OFP_VLAN_NONE */
			untagged = true;
		} else if (w->dl_vlan > TCI_VID) {
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE, "dl_vlan %u above 4095",
					w->dl_vlan);
		} else {
			k->flags |= VSX_KEY_VLAN;
			k->dl_vlan_tci |= htons(w->dl_vlan);
			m->dl_vlan_tci |= htons(TCI_VID);
		}
	}
	/* 1.0: the priority of untagged packets is no field: ignored, as the spec says. */
	if (!(wc & OFPFW10_DL_VLAN_PCP) && !untagged) {
		if (w->dl_vlan_pcp > 7)
			return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE, "dl_vlan_pcp %u above 7",
					w->dl_vlan_pcp);
		k->flags |= VSX_KEY_VLAN;
		m->flags |= VSX_KEY_VLAN;
		k->dl_vlan_tci |= htons((__u16)(w->dl_vlan_pcp << 13));
		m->dl_vlan_tci |= htons(TCI_PCP);
	}
	if (wc & OFPFW10_DL_TYPE)
		return 0; /* 1.0: without dl_type, the network fields are ignored */
	k->dl_type = htons(w->dl_type);
	m->dl_type = 0xffff;
	ip4 = w->dl_type == ETH_IP;
	if (w->dl_type == 0x0806 &&
	    (!(wc & OFPFW10_NW_PROTO) || ((wc >> OFPFW10_NW_SRC_SHIFT) & 0x3f) < 32 ||
	     ((wc >> OFPFW10_NW_DST_SHIFT) & 0x3f) < 32))
		return ofp_fail(st, OFP_ERR_BAD_MATCH_FIELD,
				"ARP opcode and addresses are not matched by vsx");
	if (!ip4)
		return 0;
	if (!(wc & OFPFW10_NW_TOS)) {
		k->nw_tos = w->nw_tos & 0xfc; /* 1.0's nw_tos is the DSCP, in the ToS's top bits */
		m->nw_tos = 0xfc;
	}
	m->nw_src[0] = prefix_mask((wc >> OFPFW10_NW_SRC_SHIFT) & 0x3f);
	k->nw_src[0] = htonl(w->nw_src) & m->nw_src[0];
	m->nw_dst[0] = prefix_mask((wc >> OFPFW10_NW_DST_SHIFT) & 0x3f);
	k->nw_dst[0] = htonl(w->nw_dst) & m->nw_dst[0];
	if (wc & OFPFW10_NW_PROTO)
		return 0;
	k->nw_proto = w->nw_proto;
	m->nw_proto = 0xff;
	if (w->nw_proto != PROTO_TCP && w->nw_proto != PROTO_UDP && w->nw_proto != PROTO_ICMP)
		return 0; /* 1.0: ports of other protocols are ignored */
	if (w->nw_proto == PROTO_ICMP && ((!(wc & OFPFW10_TP_SRC) && w->tp_src > 0xff) ||
					  (!(wc & OFPFW10_TP_DST) && w->tp_dst > 0xff)))
		return ofp_fail(st, OFP_ERR_BAD_MATCH_VALUE, "ICMP type/code above 255");
	if (!(wc & OFPFW10_TP_SRC)) {
		k->tp_src = htons(w->tp_src);
		m->tp_src = 0xffff;
	}
	if (!(wc & OFPFW10_TP_DST)) {
		k->tp_dst = htons(w->tp_dst);
		m->tp_dst = 0xffff;
	}
	return 0;
}

int ofp_rule_match_from_ofp(__u8 version, const struct ofp_match *match, struct vsx_flow_key *key,
			    struct vsx_flow_key *mask, struct ofp_status *st)
{
	char err[sizeof(st->text)];
	int rc;

	memset(key, 0, sizeof(*key));
	memset(mask, 0, sizeof(*mask));
	rc = version == OFP10_VERSION ? match10(&match->m10, key, mask, st)
				      : match13(match, key, mask, st);
	if (rc)
		return rc;
	if (vsx_match_normalize(key, mask, err, sizeof(err)) ||
	    vsx_match_validate(key, mask, err, sizeof(err)))
		return ofp_fail(st, OFP_ERR_BAD_MATCH_PREREQ, "%s", err);
	return 0;
}

/* ---- actions -> the rule's one action ---- */

static bool host_port(__u8 version, __u32 port, bool in_port_ok)
{
	if (version == OFP10_VERSION)
		return port == OFPP10_LOCAL || port == OFPP10_NORMAL ||
		       (in_port_ok && port == OFPP10_IN_PORT);
	return port == OFPP13_LOCAL || port == OFPP13_NORMAL;
}

static int set_action(struct vsx_rule_action *act, bool *have, struct vsx_rule_action v,
		      struct ofp_status *st)
{
	if (*have)
		return ofp_fail(st, OFP_ERR_BAD_ACTION_TOO_MANY,
				"a vsx rule has one steering action (queue, irq_auto or set_fcf)");
	*act = v;
	*have = true;
	return 0;
}

static int actions_to_vsx(__u8 version, const struct ofp_action *a, size_t n,
			  struct vsx_rule_action *act, bool *have, struct ofp_status *st)
{
	for (size_t i = 0; i < n; i++) {
		struct vsx_rule_action v = {0};
		int rc;

		switch (a[i].type) {
		case OFPAT_OUTPUT:
			/* After steering, the packet goes up this host's stack: LOCAL (NORMAL is
			 * the same here). Any other port would be forwarding vsx does not do. */
			if (!host_port(version, a[i].port, false))
				return ofp_fail(st, OFP_ERR_BAD_OUT_PORT,
						"output:%u: vsx delivers to the host only (LOCAL)",
						a[i].port);
			continue;
		case OFPAT10_ENQUEUE:
		case OFPAT13_SET_QUEUE:
			if (a[i].type == OFPAT10_ENQUEUE && !host_port(version, a[i].port, true))
				return ofp_fail(st, OFP_ERR_BAD_OUT_PORT,
						"enqueue:%u: vsx delivers to the host only (LOCAL)",
						a[i].port);
			if (a[i].queue_id >= VSX_MAX_CPUS)
				return ofp_fail(st, OFP_ERR_BAD_QUEUE,
						"queue %u: the queue is a core, 0..%d",
						a[i].queue_id, VSX_MAX_CPUS - 1);
			v.kind = VSX_ACT_IRQ_CORE;
			v.core = (__u16)a[i].queue_id;
			break;
		case OFPAT_EXPERIMENTER: {
			__u16 sub;

			if (a[i].experimenter != VSX_OFP_EXPERIMENTER)
				return ofp_fail(st, OFP_ERR_BAD_ACTION_EXPERIMENTER,
						"experimenter action of 0x%08x", a[i].experimenter);
			if (a[i].data_len != VSX_ACT_EXP_DATA_LEN)
				return ofp_fail(st, OFP_ERR_BAD_ACTION_LEN,
						"vsx action: %zu bytes after the id, %d expected",
						a[i].data_len, VSX_ACT_EXP_DATA_LEN);
			sub = (__u16)get_be(a[i].data, 2);
			if (sub == VSX_ACT_EXP_IRQ_AUTO) {
				v.kind = VSX_ACT_IRQ_AUTO;
			} else if (sub == VSX_ACT_EXP_SET_FCF) {
				if (a[i].data[2] > VSX_FCF_MAX_VM_ID || a[i].data[3] > 1)
					return ofp_fail(
					    st, OFP_ERR_BAD_ACTION_ARGUMENT,
					    "set_fcf: vm_id %u (0..127), prio %u (0..1)",
					    a[i].data[2], a[i].data[3]);
				v.kind = VSX_ACT_SET_FCF;
				v.fcf = vsx_fcf_encode(a[i].data[2], a[i].data[3]);
			} else {
				return ofp_fail(st, OFP_ERR_BAD_ACTION_EXP_TYPE,
						"vsx action subtype %u", sub);
			}
			break;
		}
		default:
			return ofp_fail(st, OFP_ERR_BAD_ACTION_TYPE, "action type %u", a[i].type);
		}
		rc = set_action(act, have, v, st);
		if (rc)
			return rc;
	}
	return 0;
}

static int instructions_to_vsx(const struct ofp_instruction *in, size_t n,
			       struct vsx_rule_action *act, bool *have, struct ofp_status *st)
{
	bool lists = false;

	for (size_t i = 0; i < n; i++) {
		int rc;

		switch (in[i].type) {
		case OFPIT_APPLY_ACTIONS:
		case OFPIT_WRITE_ACTIONS:
			/* One table and no action set to speak of: write and apply are the same. */
			if (lists)
				return ofp_fail(st, OFP_ERR_BAD_INST_UNSUP,
						"one apply_actions or write_actions instruction");
			lists = true;
			rc = actions_to_vsx(OFP13_VERSION, in[i].actions, in[i].n_actions, act,
					    have, st);
			if (rc)
				return rc;
			break;
		case OFPIT_CLEAR_ACTIONS:
			break; /* the action set is empty anyway */
		case OFPIT_GOTO_TABLE:
			return ofp_fail(st, OFP_ERR_BAD_INST_TABLE_ID,
					"goto_table:%u: vsx has one table", in[i].table_id);
		default:
			return ofp_fail(st, OFP_ERR_BAD_INST_UNSUP, "instruction type %u",
					in[i].type);
		}
	}
	return 0;
}

/* ---- FLOW_MOD ---- */

int ofp_rule_from_flow_mod(const struct ofp_msg *m, struct vsx_flow_mod *fm, struct ofp_status *st)
{
	const struct ofp_flow_mod *f = &m->flow_mod;
	bool v10 = m->version == OFP10_VERSION, del, have = false;
	int rc;

	memset(fm, 0, sizeof(*fm));
	st->err = OFP_ERR_NONE;
	st->text[0] = '\0';
	if (f->command > VSX_FMC_DELETE_STRICT)
		return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_COMMAND, "command %u", f->command);
	del = f->command == VSX_FMC_DELETE || f->command == VSX_FMC_DELETE_STRICT;
	fm->command = f->command;
	fm->origin = VSX_ORIGIN_OPENFLOW;
	fm->reason = VSX_REMOVED_DELETE;
	fm->priority = f->priority;
	fm->idle_timeout = f->idle_timeout;
	fm->hard_timeout = f->hard_timeout;
	fm->cookie = f->cookie;
	fm->cookie_mask = v10 ? 0 : f->cookie_mask;

	if (v10 && (f->flags & OFPFF10_EMERG))
		return ofp_fail(st, OFP_ERR_FLOW_MOD_UNKNOWN, "emergency flows are not kept");
	if (!v10 && (f->flags & ~OFPFF13_ALL))
		return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_FLAGS, "flags 0x%x", f->flags);
	fm->flags = f->flags & (OFPFF_SEND_FLOW_REM | OFPFF_CHECK_OVERLAP);
	if (!v10 && (f->flags & OFPFF13_RESET_COUNTS))
		fm->flags |= VSX_RULE_F_RESET_COUNTS;
	/* NO_PKT_COUNTS / NO_BYT_COUNTS: a switch may count anyway (1.3.x 7.3.4.1). */

	if (!v10 && f->table_id != 0) {
		if (!del)
			return ofp_fail(st, OFP_ERR_FLOW_MOD_BAD_TABLE_ID,
					"table %u: vsx has table 0 only", f->table_id);
		if (f->table_id != 0xff)
			return OFP_RULE_NOOP;
	}
	if (del) {
		/* vsx rules have no output actions: a filter on one selects no rule. */
		if (v10 ? f->out_port != OFPP10_NONE
			: f->out_port != OFPP13_ANY || f->out_group != 0xffffffffu)
			rc = OFP_RULE_NOOP;
		else
			rc = 0;
		if (rc)
			return rc;
	} else if (f->buffer_id != 0xffffffffu) {
		return ofp_fail(st, OFP_ERR_BUFFER_UNKNOWN, "buffer 0x%x: vsx buffers no packets",
				f->buffer_id);
	}

	rc = ofp_rule_match_from_ofp(m->version, &f->match, &fm->key, &fm->mask, st);
	if (rc)
		return rc;
	if (del)
		return 0;
	rc = v10 ? actions_to_vsx(m->version, f->actions, f->n_actions, &fm->action, &have, st)
		 : instructions_to_vsx(f->instructions, f->n_instructions, &fm->action, &have, st);
	if (rc)
		return rc;
	if (!have)
		return ofp_fail(st, OFP_ERR_BAD_ACTION_EPERM,
				"no steering action: vsx rules steer (set_queue/enqueue, irq_auto, "
				"set_fcf), they never drop");
	return 0;
}

enum ofp_err ofp_rule_fm_error(int failed)
{
	switch (failed) {
	case VSX_FMF_BAD_COMMAND:
		return OFP_ERR_FLOW_MOD_BAD_COMMAND;
	case VSX_FMF_BAD_FLAGS:
		return OFP_ERR_FLOW_MOD_BAD_FLAGS;
	case VSX_FMF_BAD_MATCH:
		return OFP_ERR_BAD_MATCH_PREREQ;
	case VSX_FMF_BAD_ACTION: /* the action does not fit the match's direction */
		return OFP_ERR_BAD_ACTION_MATCH_INCONSISTENT;
	case VSX_FMF_OVERLAP:
		return OFP_ERR_FLOW_MOD_OVERLAP;
	case VSX_FMF_TABLE_FULL:
		return OFP_ERR_FLOW_MOD_TABLE_FULL;
	case VSX_FMF_NO_MEMORY:
		return OFP_ERR_NO_MEMORY;
	default: /* VSX_FMF_DATAPATH and anything new */
		return OFP_ERR_FLOW_MOD_UNKNOWN;
	}
}

/* ---- rule -> OpenFlow ---- */

static bool all_ones(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

struct oxm_out {
	struct ofp_rule_repr *r;
	bool overflow;
};

static struct ofp_oxm *oxm_add(struct oxm_out *o, __u16 cls, __u8 field)
{
	struct ofp_oxm *x;

	if (o->r->match.n_oxm >= OFP_RULE_MAX_OXM) {
		o->overflow = true;
		return NULL;
	}
	x = &o->r->oxm[o->r->match.n_oxm++];
	memset(x, 0, sizeof(*x));
	x->oxm_class = cls;
	x->field = field;
	if (cls == OFPXMC_EXPERIMENTER)
		x->experimenter = VSX_OFP_EXPERIMENTER;
	return x;
}

/* A byte-wise field: masked unless the mask is full. */
static void oxm_put_bytes(struct oxm_out *o, __u16 cls, __u8 field, const void *k, const void *m,
			  size_t n)
{
	struct ofp_oxm *x = oxm_add(o, cls, field);

	if (!x)
		return;
	x->len = (__u8)n;
	memcpy(x->value, k, n);
	if (!all_ones(m, n)) {
		x->has_mask = true;
		memcpy(x->mask, m, n);
	}
}

static void oxm_put_u(struct oxm_out *o, __u16 cls, __u8 field, size_t n, __u64 v)
{
	struct ofp_oxm *x = oxm_add(o, cls, field);

	if (!x)
		return;
	x->len = (__u8)n;
	put_be(x->value, n, v);
}

/* Fields in the order Open vSwitch writes them, so that its encodings come back byte for byte. */
static int match_to13(const struct vsx_rule *r, struct ofp_rule_repr *out)
{
	const struct vsx_flow_key *k = &r->key, *m = &r->mask;
	struct oxm_out o = {out, false};
	const __u16 B = OFPXMC_OPENFLOW_BASIC, X = OFPXMC_EXPERIMENTER;
	__u16 et = ntohs(k->dl_type), tci_m = ntohs(m->dl_vlan_tci), tci_k = ntohs(k->dl_vlan_tci);
	bool icmp, tp = m->tp_src || m->tp_dst;
	__u8 fl;

	if (m->in_port)
		oxm_put_u(&o, B, OFPXMT_IN_PORT, 4, k->in_port);
	if (!all_zero(m->dl_src, 6))
		oxm_put_bytes(&o, B, OFPXMT_ETH_SRC, k->dl_src, m->dl_src, 6);
	if (!all_zero(m->dl_dst, 6))
		oxm_put_bytes(&o, B, OFPXMT_ETH_DST, k->dl_dst, m->dl_dst, 6);
	if (m->dl_type)
		oxm_put_u(&o, B, OFPXMT_ETH_TYPE, 2, et);
	if (m->flags & VSX_KEY_VLAN) {
		if (!(k->flags & VSX_KEY_VLAN)) {
			oxm_put_u(&o, B, OFPXMT_VLAN_VID, 2, 0);
		} else {
			struct ofp_oxm *x = oxm_add(&o, B, OFPXMT_VLAN_VID);

			if (x) {
				x->len = 2;
				put_be(x->value, 2, OFPVID_PRESENT | (tci_k & TCI_VID));
				if ((tci_m & TCI_VID) != TCI_VID) {
					x->has_mask = true;
					put_be(x->mask, 2, OFPVID_PRESENT | (tci_m & TCI_VID));
				}
			}
			if (tci_m & TCI_PCP) {
				if ((tci_m & TCI_PCP) != TCI_PCP)
					return -EOPNOTSUPP;
				oxm_put_u(&o, B, OFPXMT_VLAN_PCP, 1, tci_k >> 13);
			}
		}
	}
	if (et == ETH_IP && m->dl_type) {
		if (m->nw_src[0])
			oxm_put_bytes(&o, B, OFPXMT_IPV4_SRC, k->nw_src, m->nw_src, 4);
		if (m->nw_dst[0])
			oxm_put_bytes(&o, B, OFPXMT_IPV4_DST, k->nw_dst, m->nw_dst, 4);
	} else if (et == ETH_IP6 && m->dl_type) {
		if (!all_zero(m->nw_src, 16))
			oxm_put_bytes(&o, B, OFPXMT_IPV6_SRC, k->nw_src, m->nw_src, 16);
		if (!all_zero(m->nw_dst, 16))
			oxm_put_bytes(&o, B, OFPXMT_IPV6_DST, k->nw_dst, m->nw_dst, 16);
	}
	if (m->nw_tos & 0xfc) {
		if ((m->nw_tos & 0xfc) != 0xfc)
			return -EOPNOTSUPP;
		oxm_put_u(&o, B, OFPXMT_IP_DSCP, 1, k->nw_tos >> 2);
	}
	if (m->nw_tos & 0x03) {
		if ((m->nw_tos & 0x03) != 0x03)
			return -EOPNOTSUPP;
		oxm_put_u(&o, B, OFPXMT_IP_ECN, 1, k->nw_tos & 0x03);
	}
	if (m->nw_proto)
		oxm_put_u(&o, B, OFPXMT_IP_PROTO, 1, k->nw_proto);
	icmp = (k->nw_proto == PROTO_ICMP && et == ETH_IP) ||
	       (k->nw_proto == PROTO_ICMP6 && et == ETH_IP6);
	if (tp && icmp) {
		bool v4 = et == ETH_IP;

		if (m->tp_src)
			oxm_put_u(&o, B, v4 ? OFPXMT_ICMPV4_TYPE : OFPXMT_ICMPV6_TYPE, 1,
				  ntohs(k->tp_src));
		if (m->tp_dst)
			oxm_put_u(&o, B, v4 ? OFPXMT_ICMPV4_CODE : OFPXMT_ICMPV6_CODE, 1,
				  ntohs(k->tp_dst));
	} else if (tp) {
		bool tcp = k->nw_proto == PROTO_TCP;

		if (m->tp_src)
			oxm_put_bytes(&o, B, tcp ? OFPXMT_TCP_SRC : OFPXMT_UDP_SRC, &k->tp_src,
				      &m->tp_src, 2);
		if (m->tp_dst)
			oxm_put_bytes(&o, B, tcp ? OFPXMT_TCP_DST : OFPXMT_UDP_DST, &k->tp_dst,
				      &m->tp_dst, 2);
	}
	if (m->vni) {
		struct ofp_oxm *x = oxm_add(&o, B, OFPXMT_TUNNEL_ID);

		if (x) {
			x->len = 8;
			put_be(x->value, 8, ntohl(k->vni));
			if (ntohl(m->vni) != VNI_MAX) {
				x->has_mask = true;
				put_be(x->mask, 8, ntohl(m->vni));
			}
		}
	}
	if (m->fcf & VSX_FCF_VM_ID_MASK)
		oxm_put_u(&o, X, VSX_OXM_VM_ID, 1, vsx_fcf_vm_id(k->fcf));
	if (m->fcf & VSX_FCF_PRIO)
		oxm_put_u(&o, X, VSX_OXM_FCF_PRIO, 1, vsx_fcf_prio(k->fcf));
	if (m->flags & VSX_KEY_OUTER_V6) {
		size_t n = k->flags & VSX_KEY_OUTER_V6 ? 16 : 4;
		bool v6 = n == 16;

		if (!all_zero(m->outer_src, n))
			oxm_put_bytes(&o, X, v6 ? VSX_OXM_OUTER_IPV6_SRC : VSX_OXM_OUTER_IPV4_SRC,
				      k->outer_src, m->outer_src, n);
		if (!all_zero(m->outer_dst, n))
			oxm_put_bytes(&o, X, v6 ? VSX_OXM_OUTER_IPV6_DST : VSX_OXM_OUTER_IPV4_DST,
				      k->outer_dst, m->outer_dst, n);
	}
	/* Fragment bits the fields do not imply (ports imply "not a later fragment"). */
	fl = m->flags & FRAG_BITS;
	if (tp && (fl & VSX_KEY_LATER_FRAG) && !(k->flags & VSX_KEY_LATER_FRAG))
		fl &= (__u8)~VSX_KEY_LATER_FRAG;
	if (fl) {
		struct ofp_oxm *x = oxm_add(&o, X, VSX_OXM_KEY_FLAGS);

		if (x) {
			x->len = 1;
			x->has_mask = true;
			x->value[0] = k->flags & fl;
			x->mask[0] = fl;
		}
	}
	return o.overflow ? -EOPNOTSUPP : 0;
}

static int prefix_len(__be32 mask)
{
	__u32 h = ntohl(mask);
	int n = __builtin_popcount(h);

	if (n && h != 0xffffffffu << (32 - n))
		return -1;
	return n;
}

static int match_to10(const struct vsx_rule *r, struct ofp_match10 *w)
{
	const struct vsx_flow_key *k = &r->key, *m = &r->mask;
	__u16 et = ntohs(k->dl_type), tci_m = ntohs(m->dl_vlan_tci), tci_k = ntohs(k->dl_vlan_tci);
	__u8 fl = m->flags & FRAG_BITS;
	int ps, pd;

	memset(w, 0, sizeof(*w));
	w->wildcards = OFPFW10_ALL;
	if (m->vni || m->fcf || (m->flags & (VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6)))
		return -EOPNOTSUPP; /* no tunnel fields in 1.0 */
	if ((m->tp_src || m->tp_dst) && !(k->flags & VSX_KEY_LATER_FRAG))
		fl &= (__u8)~VSX_KEY_LATER_FRAG;
	if (fl || (m->nw_tos & 0x03) || (m->nw_tos && m->nw_tos != 0xfc))
		return -EOPNOTSUPP;
	if (m->dl_type && et != ETH_IP &&
	    (m->nw_proto || m->nw_tos || !all_zero(m->nw_src, 16) || !all_zero(m->nw_dst, 16)))
		return -EOPNOTSUPP; /* 1.0 matches IPv4's network fields only */
	if (m->in_port) {
		if (k->in_port >= OFPP10_MAX)
			return -EOPNOTSUPP;
		w->in_port = (__u16)k->in_port;
		w->wildcards &= ~OFPFW10_IN_PORT;
	}
	if (!all_zero(m->dl_src, 6)) {
		if (!all_ones(m->dl_src, 6))
			return -EOPNOTSUPP;
		memcpy(w->dl_src, k->dl_src, 6);
		w->wildcards &= ~OFPFW10_DL_SRC;
	}
	if (!all_zero(m->dl_dst, 6)) {
		if (!all_ones(m->dl_dst, 6))
			return -EOPNOTSUPP;
		memcpy(w->dl_dst, k->dl_dst, 6);
		w->wildcards &= ~OFPFW10_DL_DST;
	}
	if (m->flags & VSX_KEY_VLAN) {
		if (!(k->flags & VSX_KEY_VLAN)) {
			w->dl_vlan = 0xffff;
			w->wildcards &= ~OFPFW10_DL_VLAN;
		} else {
			if ((tci_m & TCI_VID) == TCI_VID) {
				w->dl_vlan = tci_k & TCI_VID;
				w->wildcards &= ~OFPFW10_DL_VLAN;
			} else if (tci_m & TCI_VID) {
				return -EOPNOTSUPP;
			}
			if ((tci_m & TCI_PCP) == TCI_PCP) {
				w->dl_vlan_pcp = (__u8)(tci_k >> 13);
				w->wildcards &= ~OFPFW10_DL_VLAN_PCP;
			} else if (tci_m & TCI_PCP) {
				return -EOPNOTSUPP;
			}
			if (!(tci_m & (TCI_VID | TCI_PCP)))
				return -EOPNOTSUPP; /* "any tagged packet": 1.0 cannot say it */
		}
	}
	if (m->dl_type) {
		w->dl_type = et;
		w->wildcards &= ~OFPFW10_DL_TYPE;
	}
	if (m->nw_tos) {
		w->nw_tos = k->nw_tos;
		w->wildcards &= ~OFPFW10_NW_TOS;
	}
	if (m->nw_proto) {
		w->nw_proto = k->nw_proto;
		w->wildcards &= ~OFPFW10_NW_PROTO;
	}
	ps = prefix_len(m->nw_src[0]);
	pd = prefix_len(m->nw_dst[0]);
	if (ps < 0 || pd < 0)
		return -EOPNOTSUPP;
	w->wildcards &= ~(0x3fu << OFPFW10_NW_SRC_SHIFT | 0x3fu << OFPFW10_NW_DST_SHIFT);
	w->wildcards |= (__u32)(32 - ps) << OFPFW10_NW_SRC_SHIFT | (__u32)(32 - pd)
								       << OFPFW10_NW_DST_SHIFT;
	w->nw_src = ntohl(k->nw_src[0]);
	w->nw_dst = ntohl(k->nw_dst[0]);
	if (m->tp_src) {
		if (m->tp_src != 0xffff)
			return -EOPNOTSUPP;
		w->tp_src = ntohs(k->tp_src);
		w->wildcards &= ~OFPFW10_TP_SRC;
	}
	if (m->tp_dst) {
		if (m->tp_dst != 0xffff)
			return -EOPNOTSUPP;
		w->tp_dst = ntohs(k->tp_dst);
		w->wildcards &= ~OFPFW10_TP_DST;
	}
	return 0;
}

static void actions_to_ofp(__u8 version, const struct vsx_rule_action *act,
			   struct ofp_rule_repr *out)
{
	bool v10 = version == OFP10_VERSION;
	struct ofp_action *a = out->actions;

	memset(out->actions, 0, sizeof(out->actions));
	memset(out->exp_data, 0, sizeof(out->exp_data));
	if (act->kind == VSX_ACT_IRQ_CORE && v10) {
		a[0].type = OFPAT10_ENQUEUE;
		a[0].port = OFPP10_LOCAL;
		a[0].queue_id = act->core;
		out->n_actions = 1;
	} else if (act->kind == VSX_ACT_IRQ_CORE) {
		a[0].type = OFPAT13_SET_QUEUE;
		a[0].queue_id = act->core;
		a[1].type = OFPAT_OUTPUT;
		a[1].port = OFPP13_LOCAL;
		out->n_actions = 2;
	} else {
		bool fcf = act->kind == VSX_ACT_SET_FCF;

		put_be(out->exp_data, 2, fcf ? VSX_ACT_EXP_SET_FCF : VSX_ACT_EXP_IRQ_AUTO);
		if (fcf) {
			out->exp_data[2] = vsx_fcf_vm_id(act->fcf);
			out->exp_data[3] = (__u8)vsx_fcf_prio(act->fcf);
		}
		a[0].type = OFPAT_EXPERIMENTER;
		a[0].experimenter = VSX_OFP_EXPERIMENTER;
		a[0].data = out->exp_data;
		a[0].data_len = VSX_ACT_EXP_DATA_LEN;
		out->n_actions = 1;
	}
	memset(&out->inst, 0, sizeof(out->inst));
	out->n_instructions = 0;
	if (!v10) {
		out->inst.type = OFPIT_APPLY_ACTIONS;
		out->inst.actions = out->actions;
		out->inst.n_actions = out->n_actions;
		out->n_instructions = 1;
	}
}

int ofp_rule_to_ofp(__u8 version, const struct vsx_rule *r, struct ofp_rule_repr *out)
{
	int rc;

	memset(&out->match, 0, sizeof(out->match));
	out->match.oxm = out->oxm;
	rc = version == OFP10_VERSION ? match_to10(r, &out->match.m10) : match_to13(r, out);
	if (rc)
		return rc;
	actions_to_ofp(version, &r->action, out);
	return 0;
}
