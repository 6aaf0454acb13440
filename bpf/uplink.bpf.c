// SPDX-License-Identifier: MIT
/*
 * XDP on the host's uplink: where a received packet's processing core is decided.
 *
 *   parse outer / VXLAN / inner headers and the FCF            (lib/parse.h)
 *   put the outer ToS back if it carried an FCF                 (lib/fcf_restore.h)
 *   [FlexivOffload fast path goes here: offload-table hit -> straight to the VM]
 *   choose a core by mode: default | rss | vsx                  (lib/steer.h)
 *   hand the packet to that core through the cpumap, or XDP_PASS to stay here
 *
 * Never drops: anything it cannot parse is passed to the kernel, which decides.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/parse.h"
#include "lib/steer_maps.h"
#include "lib/fcf_restore.h"
#include "lib/steer.h"

static __always_inline int vsx_to_core(__u64 *stats, int core, __u32 bytes)
{
	/* Read here, after steering's helper calls: read before them it was spilled and reloaded. */
	__u32 rx_cpu = bpf_get_smp_processor_id();

	/* Unsigned, one compare also sends VSX_CORE_NONE (negative) to the receiving core. */
	if ((__u32)core >= VSX_MAX_CPUS || (__u32)core == rx_cpu) {
		vsx_count(stats, VSX_STAT_LOCAL);
		vsx_count_core(stats, rx_cpu, bytes);
		return XDP_PASS;
	}
	if (bpf_redirect_map(&vsx_cpu_map, core, XDP_PASS) != XDP_REDIRECT) {
		/* No cpumap entry: the core is offline or vsxd has not set it up. */
		vsx_count(stats, VSX_STAT_REDIRECT_FAIL);
		vsx_count_core(stats, rx_cpu, bytes);
		return XDP_PASS;
	}
	vsx_count(stats, VSX_STAT_REDIRECT);
	vsx_count_core(stats, core, bytes);
	return XDP_REDIRECT;
}

/*
 * The order below is for the cached-flow path (bench/steer's "hit"): the per-CPU counter block
 * is fetched after the parse, where it is used, rather than before it,
 * which kept them live (spilled and reloaded) across the whole parser; so each parse outcome
 * fetches the block and counts rx itself (one shared fetch before the switch made clang-14
 * lay out the parser's exits worse: 23 more instructions on the hit path). `pkt` is not
 * initialised here: vsx_parse() zeroes it, and a second zeroing cost 15 stores per packet.
 */
SEC("xdp")
int vsx_uplink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data;
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_pkt pkt __attribute__((aligned(8))); /* read in 8-byte words: flow_cache.h */
	__u64 *stats;
	int status, core;

	if (!cfg)
		return XDP_PASS;
	status = vsx_parse(data, data_end, ctx->ingress_ifindex, cfg->vxlan_port,
			   cfg->flags & VSX_CFG_FCF, &pkt);
	switch (status) {
	case VSX_PARSE_OK:
		break;
	case VSX_PARSE_NON_IP:
		stats = vsx_stats_get();
		vsx_count(stats, VSX_STAT_RX);
		vsx_count(stats, VSX_STAT_NON_IP);
		return vsx_to_core(stats, VSX_CORE_NONE, bytes);
	case VSX_PARSE_TRUNCATED:
		stats = vsx_stats_get();
		vsx_count(stats, VSX_STAT_RX);
		vsx_count(stats, VSX_STAT_PARSE_TRUNCATED);
		return XDP_PASS;
	default:
		stats = vsx_stats_get();
		vsx_count(stats, VSX_STAT_RX);
		vsx_count(stats, VSX_STAT_PARSE_MALFORMED);
		return XDP_PASS;
	}
	stats = vsx_stats_get();
	if (!stats) /* never (key 0 of a one-entry array); lets vsx_count() drop its check */
		return XDP_PASS;
	vsx_count(stats, VSX_STAT_RX);

	/*
	 * The parser read the inner ToS into the key (nw_tos; for a packet without a tunnel it
	 * is the outer ToS itself): when it equals the outer byte there is nothing to restore,
	 * and that one compare comes before the configuration and tunnel checks.
	 */
	if (pkt.key.nw_tos != pkt.outer_tos && (cfg->flags & VSX_CFG_FCF) &&
	    (pkt.key.flags & VSX_KEY_TUNNEL) && vsx_fcf_restore(data, data_end, &pkt) > 0)
		vsx_count(stats, VSX_STAT_FCF_RESTORED);

	switch (cfg->mode) {
	case VSX_MODE_RSS:
		core = vsx_rss_core(cfg, &pkt, data, data_end);
		break;
	case VSX_MODE_VSX:
		core = vsx_steer(stats, cfg, &pkt, bytes);
		break;
	default:
		core = VSX_CORE_NONE;
		break;
	}
	return vsx_to_core(stats, core, bytes);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
