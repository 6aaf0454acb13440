// SPDX-License-Identifier: MIT
/*
 * Printing pieces shared by the messages' printers: port numbers, matches, actions,
 * instructions, port descriptions, hex and quoted strings. The format is stable (golden
 * tests compare it) and documented in docs/openflow-codec.md.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "ofp_internal.h"

void ofp_print_hex(struct strbuf *sb, const __u8 *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};

		strbuf_add(sb, two, 2);
	}
}

void ofp_print_str(struct strbuf *sb, const char *s)
{
	strbuf_puts(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(sb, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			strbuf_printf(sb, "\\x%02x", c);
		else
			strbuf_add(sb, (const char *)&c, 1);
	}
	strbuf_puts(sb, "\"");
}

void ofp_print_port_no(struct strbuf *sb, __u8 version, __u32 port)
{
	static const char *const names[] = {"in_port", "table",	     "normal", "flood",
					    "all",     "controller", "local",  NULL};
	__u32 base = version == OFP10_VERSION ? OFPP10_IN_PORT : OFPP13_IN_PORT;

	if (version == OFP10_VERSION && port == OFPP10_NONE)
		strbuf_puts(sb, "none");
	else if (version != OFP10_VERSION && port == OFPP13_ANY)
		strbuf_puts(sb, "any");
	else if (port >= base && port - base < 7)
		strbuf_puts(sb, names[port - base]);
	else
		strbuf_printf(sb, "%u", port);
}

static void print_mac(struct strbuf *sb, const __u8 *a)
{
	strbuf_printf(sb, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void print_ip4(struct strbuf *sb, __u32 host_order)
{
	strbuf_printf(sb, "%u.%u.%u.%u", host_order >> 24, host_order >> 16 & 255,
		      host_order >> 8 & 255, host_order & 255);
}

static void print_match10(struct strbuf *sb, const struct ofp_match10 *m)
{
	__u32 w = m->wildcards;
	unsigned int src = w >> OFPFW10_NW_SRC_SHIFT & 63, dst = w >> OFPFW10_NW_DST_SHIFT & 63;

	strbuf_printf(sb, "{wildcards=0x%x", w);
	if (!(w & OFPFW10_IN_PORT)) {
		strbuf_puts(sb, ",in_port=");
		ofp_print_port_no(sb, OFP10_VERSION, m->in_port);
	}
	if (!(w & OFPFW10_DL_SRC)) {
		strbuf_puts(sb, ",dl_src=");
		print_mac(sb, m->dl_src);
	}
	if (!(w & OFPFW10_DL_DST)) {
		strbuf_puts(sb, ",dl_dst=");
		print_mac(sb, m->dl_dst);
	}
	if (!(w & OFPFW10_DL_VLAN))
		strbuf_printf(sb, ",dl_vlan=0x%x", m->dl_vlan);
	if (!(w & OFPFW10_DL_VLAN_PCP))
		strbuf_printf(sb, ",dl_vlan_pcp=%u", m->dl_vlan_pcp);
	if (!(w & OFPFW10_DL_TYPE))
		strbuf_printf(sb, ",dl_type=0x%04x", m->dl_type);
	if (!(w & OFPFW10_NW_TOS))
		strbuf_printf(sb, ",nw_tos=%u", m->nw_tos);
	if (!(w & OFPFW10_NW_PROTO))
		strbuf_printf(sb, ",nw_proto=%u", m->nw_proto);
	/* nw_src/nw_dst wildcards count ignored low bits: 32 or more is all of them. */
	if (src < 32) {
		strbuf_puts(sb, ",nw_src=");
		print_ip4(sb, m->nw_src);
		strbuf_printf(sb, "/%u", 32 - src);
	}
	if (dst < 32) {
		strbuf_puts(sb, ",nw_dst=");
		print_ip4(sb, m->nw_dst);
		strbuf_printf(sb, "/%u", 32 - dst);
	}
	if (!(w & OFPFW10_TP_SRC))
		strbuf_printf(sb, ",tp_src=%u", m->tp_src);
	if (!(w & OFPFW10_TP_DST))
		strbuf_printf(sb, ",tp_dst=%u", m->tp_dst);
	strbuf_puts(sb, "}");
}

static __u64 be_uint(const __u8 *p, size_t n)
{
	__u64 v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void print_oxm_value(struct strbuf *sb, const struct ofp_oxm *x, const __u8 *v)
{
	char ip6[INET6_ADDRSTRLEN];

	switch (x->field) {
	case OFPXMT_IN_PORT:
	case OFPXMT_IN_PHY_PORT:
		ofp_print_port_no(sb, OFP13_VERSION, (__u32)be_uint(v, 4));
		break;
	case OFPXMT_ETH_DST:
	case OFPXMT_ETH_SRC:
		print_mac(sb, v);
		break;
	case OFPXMT_IPV4_SRC:
	case OFPXMT_IPV4_DST:
		print_ip4(sb, (__u32)be_uint(v, 4));
		break;
	case OFPXMT_IPV6_SRC:
	case OFPXMT_IPV6_DST:
		inet_ntop(AF_INET6, v, ip6, sizeof(ip6));
		strbuf_puts(sb, ip6);
		break;
	case OFPXMT_ETH_TYPE:
		strbuf_printf(sb, "0x%04llx", (unsigned long long)be_uint(v, x->len));
		break;
	case OFPXMT_METADATA:
	case OFPXMT_TUNNEL_ID:
	case OFPXMT_VLAN_VID:
		strbuf_printf(sb, "0x%llx", (unsigned long long)be_uint(v, x->len));
		break;
	default:
		strbuf_printf(sb, "%llu", (unsigned long long)be_uint(v, x->len));
		break;
	}
}

static void print_oxms(struct strbuf *sb, const struct ofp_match *m)
{
	strbuf_puts(sb, "{");
	for (size_t i = 0; i < m->n_oxm; i++) {
		const struct ofp_oxm *x = &m->oxm[i];
		const char *name = ofp_oxm_field_name(x->field);

		if (i)
			strbuf_puts(sb, ",");
		if (x->oxm_class != OFPXMC_OPENFLOW_BASIC || !name) {
			/* Experimenter (or, hand-built, unknown) fields: raw. */
			strbuf_printf(sb, "oxm(0x%04x", x->oxm_class);
			if (x->oxm_class == OFPXMC_EXPERIMENTER)
				strbuf_printf(sb, ",0x%08x", x->experimenter);
			strbuf_printf(sb, ",%u)=", x->field);
			ofp_print_hex(sb, x->value, x->len);
			if (x->has_mask) {
				strbuf_puts(sb, "/");
				ofp_print_hex(sb, x->mask, x->len);
			}
			continue;
		}
		strbuf_printf(sb, "%s=", name);
		print_oxm_value(sb, x, x->value);
		if (x->has_mask) {
			strbuf_puts(sb, "/");
			print_oxm_value(sb, x, x->mask);
		}
	}
	strbuf_puts(sb, "}");
}

void ofp_print_match(struct strbuf *sb, __u8 version, const struct ofp_match *m)
{
	if (version == OFP10_VERSION)
		print_match10(sb, &m->m10);
	else
		print_oxms(sb, m);
}

void ofp_print_actions(struct strbuf *sb, __u8 version, const struct ofp_action *a, size_t n)
{
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < n; i++, a++) {
		if (i)
			strbuf_puts(sb, ",");
		if (a->type == OFPAT_OUTPUT) {
			strbuf_puts(sb, "output:");
			ofp_print_port_no(sb, version, a->port);
			if (a->max_len)
				strbuf_printf(sb, ":max_len=%u", a->max_len);
		} else if (a->type == OFPAT10_ENQUEUE && version == OFP10_VERSION) {
			strbuf_puts(sb, "enqueue:");
			ofp_print_port_no(sb, version, a->port);
			strbuf_printf(sb, ":%u", a->queue_id);
		} else if (a->type == OFPAT13_SET_QUEUE && version != OFP10_VERSION) {
			strbuf_printf(sb, "set_queue:%u", a->queue_id);
		} else if (a->type == OFPAT_EXPERIMENTER) {
			strbuf_printf(sb, "experimenter(0x%08x):", a->experimenter);
			ofp_print_hex(sb, a->data, a->data_len);
		} else {
			strbuf_printf(sb, "type%u", a->type);
		}
	}
	strbuf_puts(sb, "]");
}

void ofp_print_instructions(struct strbuf *sb, const struct ofp_instruction *in, size_t n)
{
	strbuf_puts(sb, "[");
	for (size_t i = 0; i < n; i++, in++) {
		if (i)
			strbuf_puts(sb, ",");
		switch (in->type) {
		case OFPIT_GOTO_TABLE:
			strbuf_printf(sb, "goto_table:%u", in->table_id);
			break;
		case OFPIT_WRITE_ACTIONS:
			strbuf_puts(sb, "write_actions");
			ofp_print_actions(sb, OFP13_VERSION, in->actions, in->n_actions);
			break;
		case OFPIT_APPLY_ACTIONS:
			strbuf_puts(sb, "apply_actions");
			ofp_print_actions(sb, OFP13_VERSION, in->actions, in->n_actions);
			break;
		case OFPIT_CLEAR_ACTIONS:
			strbuf_puts(sb, "clear_actions");
			break;
		case OFPIT_EXPERIMENTER:
			strbuf_printf(sb, "experimenter(0x%08x):", in->experimenter);
			ofp_print_hex(sb, in->data, in->data_len);
			break;
		default:
			strbuf_printf(sb, "type%u", in->type);
			break;
		}
	}
	strbuf_puts(sb, "]");
}

void ofp_print_port(struct strbuf *sb, __u8 version, const struct ofp_port *p)
{
	strbuf_puts(sb, "{port=");
	ofp_print_port_no(sb, version, p->port_no);
	strbuf_puts(sb, " name=");
	ofp_print_str(sb, p->name);
	strbuf_puts(sb, " hw_addr=");
	print_mac(sb, p->hw_addr);
	strbuf_printf(sb,
		      " config=0x%x state=0x%x curr=0x%x advertised=0x%x supported=0x%x peer=0x%x",
		      p->config, p->state, p->curr, p->advertised, p->supported, p->peer);
	if (version != OFP10_VERSION)
		strbuf_printf(sb, " curr_speed=%u max_speed=%u", p->curr_speed, p->max_speed);
	strbuf_puts(sb, "}");
}
