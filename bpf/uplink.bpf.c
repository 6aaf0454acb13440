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

static __always_inline int vsx_to_core(__u64 *stats, int core, __u32 rx_cpu, __u32 bytes)
{
	if (core < 0 || (__u32)core == rx_cpu || core >= VSX_MAX_CPUS) {
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

SEC("xdp")
int vsx_uplink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data;
	__u32 rx_cpu = bpf_get_smp_processor_id();
	struct vsx_config *cfg = vsx_get_config();
	__u64 *stats = vsx_stats_get();
	struct vsx_pkt pkt = {};
	int status, core;

	if (!cfg)
		return XDP_PASS;
	vsx_count(stats, VSX_STAT_RX);
	status = vsx_parse(data, data_end, ctx->ingress_ifindex, cfg->vxlan_port,
			   cfg->flags & VSX_CFG_FCF, &pkt);
	switch (status) {
	case VSX_PARSE_OK:
		break;
	case VSX_PARSE_NON_IP:
		vsx_count(stats, VSX_STAT_NON_IP);
		return vsx_to_core(stats, VSX_CORE_NONE, rx_cpu, bytes);
	case VSX_PARSE_TRUNCATED:
		vsx_count(stats, VSX_STAT_PARSE_TRUNCATED);
		return XDP_PASS;
	default:
		vsx_count(stats, VSX_STAT_PARSE_MALFORMED);
		return XDP_PASS;
	}

	if ((cfg->flags & VSX_CFG_FCF) && (pkt.key.flags & VSX_KEY_TUNNEL) &&
	    vsx_fcf_restore(data, data_end, &pkt) > 0)
		vsx_count(stats, VSX_STAT_FCF_RESTORED);

	switch (cfg->mode) {
	case VSX_MODE_RSS:
		core = vsx_rss_core(cfg, &pkt, data, data_end);
		break;
	case VSX_MODE_VSX:
		core = vsx_steer(stats, cfg, &pkt, rx_cpu, bytes);
		break;
	default:
		core = VSX_CORE_NONE;
		break;
	}
	return vsx_to_core(stats, core, rx_cpu, bytes);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
