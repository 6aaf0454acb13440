// SPDX-License-Identifier: MIT
/*
 * Reference programs for bench/steer (they live here because the build makes skeletons of
 * bpf/ and tests/bpf/ only):
 *
 *   steer_floor - the cheapest program that steers: the datapath's own parser (lib/parse.h,
 *                 VXLAN port 4789, FCF on, exactly as the uplink program calls it), then a
 *                 redirect of every packet to one fixed core through its own cpumap. No
 *                 configuration, no counters, no classifier, no cache: the floor vsx's
 *                 steering is measured against.
 *   steer_nop   - returns XDP_PASS and nothing else: bench/steer measures with it what
 *                 BPF_PROG_TEST_RUN itself costs around one run of a program.
 *
 * The bench fills a_cpumap[FIXED_CORE] (the core is a .rodata constant it may set before
 * load); without that entry the redirect falls back to XDP_PASS.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/limits.h>
#include "lib/parse.h"

const volatile __u32 FIXED_CORE = 1;

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, VSX_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} a_cpumap SEC(".maps");

SEC("xdp")
int steer_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct vsx_pkt pkt;

	if (vsx_parse(data, data_end, ctx->ingress_ifindex, bpf_htons(4789), 1, &pkt) !=
	    VSX_PARSE_OK)
		return XDP_PASS;
	return bpf_redirect_map(&a_cpumap, FIXED_CORE, XDP_PASS);
}

SEC("xdp")
int steer_nop(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
