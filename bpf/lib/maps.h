/* SPDX-License-Identifier: MIT */
/*
 * Maps every vsx BPF object has (configuration, named counters) and their helpers; the
 * steering maps are in steer_maps.h. Keys and values are defined in include/vsx/datapath.h; vsxd
 * pins every map by name in its bpffs so that a restarted agent re-uses them (and the
 * decisions in them). Sizes marked "set by the loader" are resized before load.
 */
#ifndef VSX_BPF_MAPS_H
#define VSX_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <vsx/datapath.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vsx_config);
} vsx_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vsx_stat_block);
} vsx_stats SEC(".maps");

/* This CPU's named counters: looked up once per packet, then bumped with vsx_count(). */
static __always_inline __u64 *vsx_stats_get(void)
{
	__u32 zero = 0;
	struct vsx_stat_block *b = bpf_map_lookup_elem(&vsx_stats, &zero);

	return b ? b->v : NULL;
}

static __always_inline void vsx_count(__u64 *stats, __u32 stat)
{
	if (stats && stat < VSX_STAT_COUNT)
		stats[stat]++;
}

/* Counts a packet this CPU put on `core`; stats is vsx_stats_get()'s block. */
static __always_inline void vsx_count_core(__u64 *stats, __u32 core, __u32 bytes)
{
	struct vsx_stat_block *b = (struct vsx_stat_block *)stats;

	if (b && core < VSX_MAX_CPUS) {
		b->core[core].packets++;
		b->core[core].bytes += bytes;
	}
}

static __always_inline void vsx_counter_add(void *map, __u32 index, __u32 bytes)
{
	struct vsx_counter *c = bpf_map_lookup_elem(map, &index);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline struct vsx_config *vsx_get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vsx_config, &zero);
}

#endif
