// SPDX-License-Identifier: MIT
/*
 * Parse-only probe: runs vsx_parse() and leaves the status and the struct vsx_pkt in the
 * parse_out map (one slot per program), so tests can check the parser through
 * BPF_PROG_TEST_RUN. Verdict: pass (XDP_PASS / TC_ACT_OK) when the status is OK or NON_IP,
 * drop (XDP_DROP / TC_ACT_SHOT) when TRUNCATED or MALFORMED.
 *
 * The XDP program parses straight into the map value, the tc one into the stack and copies,
 * so the parser is verified against both kinds of memory and both program types.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include <lib/parse.h>
#include "parse_probe.h"

struct parse_probe_cfg cfg = { .vxlan_port = bpf_htons(4789) };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PARSE_OUT_N);
	__type(key, __u32);
	__type(value, struct parse_probe_result);
} parse_out SEC(".maps");

static __always_inline int parse_ok(int status)
{
	return status == VSX_PARSE_OK || status == VSX_PARSE_NON_IP;
}

SEC("xdp")
int parse_probe_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 slot = PARSE_OUT_XDP;
	struct parse_probe_result *res;
	int status;

	res = bpf_map_lookup_elem(&parse_out, &slot);
	if (!res)
		return XDP_ABORTED;
	status = vsx_parse(data, data_end, ctx->ingress_ifindex, cfg.vxlan_port,
			   cfg.fcf_enabled, &res->pkt);
	res->status = status;
	res->runs++;
	return parse_ok(status) ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int parse_probe_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 slot = PARSE_OUT_TC;
	struct parse_probe_result *res;
	struct vsx_pkt pkt;
	int status;

	status = vsx_parse(data, data_end, skb->ifindex, cfg.vxlan_port, cfg.fcf_enabled, &pkt);
	res = bpf_map_lookup_elem(&parse_out, &slot);
	if (!res)
		return TC_ACT_SHOT;
	res->pkt = pkt;
	res->status = status;
	res->runs++;
	return parse_ok(status) ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
