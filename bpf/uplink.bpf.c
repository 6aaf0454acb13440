// SPDX-License-Identifier: MIT
/*
 * XDP on the host's uplink: where a received packet's path and processing core are decided.
 *
 *   parse outer / VXLAN / inner headers and the FCF            (lib/parse.h)
 *   put the outer ToS back if it carried an FCF                 (lib/fcf_restore.h)
 *   FlexivOffload: an offload entry and the kernel's checks     (lib/fastpath.h)
 *   choose a core by mode: default | rss | vsx                  (lib/steer.h)
 *   the one exit (vsx_exit): counts the packet on one core and one path, then
 *     normal path:  XDP_PASS here, or through the cpumap to the chosen core
 *     fast path:    decapsulate and redirect into the VM's port here, or hand the frame to
 *                   the chosen core, whose cpumap program (vsx_uplink_cpumap) does it there
 *     drop:         only the fast path's rate limit drops
 *
 * Never drops otherwise: anything it cannot parse or check is passed to the kernel, which
 * decides. Its maps: lib/maps.h, lib/steer_maps.h, lib/offload_maps.h (names in
 * include/vsx/map_names.h).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/parse.h"
#include "lib/steer_maps.h"
#include "lib/offload_maps.h"
#include "lib/fcf_restore.h"
#include "lib/steer.h"
#include "lib/fastpath.h"

static __always_inline void vsx_count_path(__u64 *stats, __u32 path, __u32 bytes)
{
	struct vsx_stat_block *b = (struct vsx_stat_block *)stats;

	if (b && path < VSX_PATH_COUNT) {
		b->path[path].packets++;
		b->path[path].bytes += bytes;
	}
}

/* The fast path's delivery on this core, with the uplink object's maps. */
static __always_inline int vsx_deliver_here(struct xdp_md *ctx, __u64 *stats, __u64 verdict)
{
	struct vsx_fp_hit hit;

	vsx_fp_unpack(verdict, &hit);
	return vsx_fp_deliver(ctx, stats, &vsx_vm_ports, &vsx_offload_stats, &vsx_port_stats, &hit);
}

/*
 * Hands a fast-path frame to `core` with its decision in front (XDP metadata, struct
 * vsx_offload_meta), for the cpumap program there. 0, or -1 when the metadata does not fit.
 */
static __always_inline int vsx_put_meta(struct xdp_md *ctx, __u64 verdict)
{
	struct vsx_offload_meta *m;
	struct vsx_fp_hit h, *hit = &h;
	void *data;

	vsx_fp_unpack(verdict, hit);
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return -1;
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		return -1;
	m->magic = VSX_OFL_META_MAGIC;
	m->port = hit->port;
	m->flow_id = hit->flow_id;
	m->inner_l2_off = hit->inner_l2_off;
	m->inner_len = hit->inner_len;
	return 0;
}

/*
 * The one exit: every packet the program does not drop leaves here, counted once on the core
 * that processes it (vsx_stat_block.core[]) and once on its path (path[]), with the bytes
 * received; so both add up to rx. fp: the fast path's decision (0: none). core: steering's
 * choice, VSX_CORE_NONE (or anything out of range) for the receiving core.
 */
static __always_inline int vsx_exit(struct xdp_md *ctx, __u64 *stats, int core, __u32 bytes,
				    __u64 fp)
{
	/* Read here, after steering's helper calls: read before them it was spilled and reloaded. */
	__u32 rx_cpu = bpf_get_smp_processor_id();

	/* Unsigned, one compare also sends VSX_CORE_NONE (negative) to the receiving core. */
	if ((__u32)core >= VSX_MAX_CPUS || (__u32)core == rx_cpu) {
		vsx_count(stats, VSX_STAT_LOCAL);
		vsx_count_core(stats, rx_cpu, bytes);
		if (fp && vsx_deliver_here(ctx, stats, fp) == XDP_REDIRECT) {
			vsx_count_path(stats, VSX_PATH_OFFLOAD, bytes);
			return XDP_REDIRECT;
		}
		vsx_count_path(stats, VSX_PATH_NORMAL, bytes);
		return XDP_PASS;
	}
	if (fp && vsx_put_meta(ctx, fp))
		fp = 0; /* no room for the decision: the normal path, on that core */
	if (bpf_redirect_map(&vsx_cpu_map, core, XDP_PASS) != XDP_REDIRECT) {
		/* No cpumap entry: the core is offline or vsxd has not set it up. Stay here. */
		vsx_count(stats, VSX_STAT_REDIRECT_FAIL);
		vsx_count_core(stats, rx_cpu, bytes);
		if (fp) {
			bpf_xdp_adjust_meta(ctx, (int)sizeof(struct vsx_offload_meta));
			if (vsx_deliver_here(ctx, stats, fp) == XDP_REDIRECT) {
				vsx_count_path(stats, VSX_PATH_OFFLOAD, bytes);
				return XDP_REDIRECT;
			}
		}
		vsx_count_path(stats, VSX_PATH_NORMAL, bytes);
		return XDP_PASS;
	}
	vsx_count(stats, VSX_STAT_REDIRECT);
	vsx_count_core(stats, core, bytes);
	/* the cpumap program moves it to the normal path if its redirect cannot start */
	vsx_count_path(stats, fp ? VSX_PATH_OFFLOAD : VSX_PATH_NORMAL, bytes);
	return XDP_REDIRECT;
}

/*
 * A packet the parser refused (TRUNCATED, MALFORMED: that counter is its outcome) or one
 * that is not IP (NON_IP, then LOCAL as before): the receiving core and the normal path.
 */
static __always_inline int vsx_exit_unparsed(__u32 stat, __u32 bytes)
{
	__u64 *stats = vsx_stats_get();

	vsx_count(stats, VSX_STAT_RX);
	vsx_count(stats, stat);
	if (stat == VSX_STAT_NON_IP)
		vsx_count(stats, VSX_STAT_LOCAL);
	vsx_count_core(stats, bpf_get_smp_processor_id(), bytes);
	vsx_count_path(stats, VSX_PATH_NORMAL, bytes);
	return XDP_PASS;
}

/* The decision out of line (fastpath.h says why), with this object's maps. */
static __noinline __u64 vsx_decide(struct xdp_md *ctx, __u64 *stats, struct vsx_pkt *pkt,
				   __u32 frame_len, __u32 outer_tos)
{
	const struct vsx_fp_maps m = {
		.cfg = &vsx_offload_cfg,
		.offload = &vsx_offload,
		.flow_stats = &vsx_offload_stats,
		.port = &vsx_vm_port,
		.rate = &vsx_rx_rate,
		.scratch = &vsx_fp_scratch,
		.steer_cfg = &vsx_config,
		.cache = &vsx_flow_cache,
		.cache_stats = &vsx_flow_stats,
	};

	return vsx_fp_decide(&m, ctx, stats, pkt, frame_len, (__u8)outer_tos);
}

/*
 * The order below is for the cached-flow path (bench/steer's "hit"): the per-CPU counter block
 * is fetched after the parse, where it is used, rather than before it,
 * which kept them live (spilled and reloaded) across the whole parser; so each parse outcome
 * fetches the block and counts rx itself. `pkt` is not initialised here: vsx_parse() zeroes
 * it, and a second zeroing cost 15 stores per packet.
 */
SEC("xdp")
int vsx_uplink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data;
	struct vsx_config *cfg = vsx_get_config();
	struct vsx_pkt pkt __attribute__((aligned(8))); /* read in 8-byte words: flow_cache.h */
	struct vsx_offload_cfg *ocfg;
	__u64 *stats, fp = 0;
	int status, core, outer_tos;

	if (!cfg)
		return XDP_PASS;
	status = vsx_parse(data, data_end, ctx->ingress_ifindex, cfg->vxlan_port,
			   cfg->flags & VSX_CFG_FCF, &pkt);
	switch (status) {
	case VSX_PARSE_OK:
		break;
	case VSX_PARSE_NON_IP:
		return vsx_exit_unparsed(VSX_STAT_NON_IP, bytes);
	case VSX_PARSE_TRUNCATED:
		return vsx_exit_unparsed(VSX_STAT_PARSE_TRUNCATED, bytes);
	default:
		return vsx_exit_unparsed(VSX_STAT_PARSE_MALFORMED, bytes);
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
	outer_tos = pkt.outer_tos;
	if (pkt.key.nw_tos != pkt.outer_tos && (cfg->flags & VSX_CFG_FCF) &&
	    (pkt.key.flags & VSX_KEY_TUNNEL) && vsx_fcf_restore(data, data_end, &pkt) > 0) {
		vsx_count(stats, VSX_STAT_FCF_RESTORED);
		outer_tos = pkt.key.nw_tos;
	}

	/* The fast path's decision; a kind of entry with none in the table costs no lookup. */
	ocfg = vsx_fp_cfg(&vsx_offload_cfg);
	if (ocfg && (ocfg->flags & VSX_OFL_CFG_ON) && (ocfg->n_flow | ocfg->n_vm) &&
	    (pkt.key.flags & VSX_KEY_TUNNEL)) {
		fp = vsx_decide(ctx, stats, &pkt, bytes, outer_tos);
		if (fp == VSX_FP_DROP) {
			vsx_count_core(stats, bpf_get_smp_processor_id(), bytes);
			vsx_count_path(stats, VSX_PATH_DROP, bytes);
			return XDP_DROP;
		}
	}

	/*
	 * Modes default and rss record the flow in the cache too while the offload is on, for the
	 * agent's flow manager (vsx_flow_record); mode vsx's hit path does it anyway.
	 */
	switch (cfg->mode) {
	case VSX_MODE_RSS:
		core = vsx_rss_core(cfg, &pkt);
		if (ocfg && (ocfg->flags & VSX_OFL_CFG_ON))
			vsx_flow_record(&pkt, core, bytes);
		break;
	case VSX_MODE_VSX:
		core = vsx_steer(stats, cfg, &pkt, bytes);
		break;
	default:
		core = VSX_CORE_NONE;
		if (ocfg && (ocfg->flags & VSX_OFL_CFG_ON))
			vsx_flow_record(&pkt, core, bytes);
		break;
	}
	return vsx_exit(ctx, stats, core, bytes, fp);
}

/*
 * On the core steering chose, for every frame the uplink program handed it through the
 * cpumap (attached to each entry, bpf_cpumap_val.bpf_prog): frames carrying the fast path's
 * decision (struct vsx_offload_meta) are decapsulated and redirected into their VM's port
 * here, so that the VM port's receive work (the veth peer's NAPI) runs on this core too.
 * Every other frame passes on to the kernel's normal path, untouched.
 */
SEC("xdp/cpumap")
int vsx_uplink_cpumap(struct xdp_md *ctx)
{
	struct vsx_offload_meta *m = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	struct vsx_stat_block *b;
	__u64 *stats, fp;
	__u32 bytes;

	if ((void *)(m + 1) > data || m->magic != VSX_OFL_META_MAGIC)
		return XDP_PASS;
	fp = vsx_fp_pack(m->port, m->flow_id, m->inner_l2_off, m->inner_len);
	bytes = (__u32)((long)ctx->data_end - (long)ctx->data);
	/* the decision is this frame's only: it does not travel on with it */
	if (bpf_xdp_adjust_meta(ctx, (int)sizeof(*m)))
		return XDP_PASS;
	stats = vsx_stats_get();
	if (vsx_deliver_here(ctx, stats, fp) == XDP_REDIRECT)
		return XDP_REDIRECT;
	/* counted as fast path by the uplink program: it went the normal path after all */
	b = (struct vsx_stat_block *)stats;
	if (b) {
		b->path[VSX_PATH_OFFLOAD].packets--;
		b->path[VSX_PATH_OFFLOAD].bytes -= bytes;
		b->path[VSX_PATH_NORMAL].packets++;
		b->path[VSX_PATH_NORMAL].bytes += bytes;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
