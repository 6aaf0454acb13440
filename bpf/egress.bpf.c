// SPDX-License-Identifier: MIT
/*
 * tc egress on the host's uplink: the paper's set_flow_control_field, on the sending host.
 *
 *   parse the VXLAN packet the kernel just encapsulated          (lib/parse.h)
 *   classify its inner headers against the egress rules          (lib/classify.h)
 *   write the matching rule's FCF into the outer ToS, 0 if none  (include/vsx/fcf.h)
 *
 * Writing after encapsulation is the only place the byte survives: the VXLAN device's
 * "tos inherit" would carry an inner ToS across but turn a CE in its ECN bits into ECT(0),
 * and VM IDs with the lowest bit set plus priority would not arrive (docs/fcf.md). Every
 * tunnelled packet gets a byte, so that on the wire the outer ToS is always an FCF.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/classify.h"
#include "lib/fcf_restore.h"
#include "lib/egress_maps.h"


SEC("tc")
int vsx_egress(struct __sk_buff *skb)
{
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_pkt pkt = {};
	struct vsx_cls_val *v;
	__u32 zero = 0, *bank;
	__u8 fcf = 0;
	void *data, *data_end;

	if (!cfg || !(cfg->flags & VSX_CFG_FCF))
		return TC_ACT_OK;
	/* Headers up to the inner L4 must be in the linear area for direct access. */
	bpf_skb_pull_data(skb, skb->len < 256 ? skb->len : 256);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (vsx_parse(data, data_end, skb->ifindex, cfg->vxlan_port, 0, &pkt) > VSX_PARSE_NON_IP ||
	    !(pkt.key.flags & VSX_KEY_TUNNEL))
		return TC_ACT_OK;

	bank = bpf_map_lookup_elem(&vsx_eg_bank, &zero);
	v = vsx_classify(&vsx_eg_masks, &vsx_eg_rules, &pkt.key, bank ? *bank : 0);
	if (v && v->action == VSX_ACT_SET_FCF) {
		fcf = v->fcf;
		vsx_counter_add(&vsx_eg_rule_stats, v->rule_id, skb->len);
	}
	if (fcf != pkt.outer_tos && vsx_set_outer_tos(data, data_end, &pkt, fcf) == 0)
		vsx_count(vsx_stats_get(), VSX_STAT_FCF_WRITTEN);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
