/* SPDX-License-Identifier: MIT */
/*
 * Maps a BPF_F_MMAPABLE array into user space, read-write and shared with the datapath
 * (vsx_config, the core table, the flow cache). vsxd and the benchmark use it.
 */
#ifndef VSX_MAP_MMAP_H
#define VSX_MAP_MMAP_H

#include <stddef.h>

struct bpf_map;

/* The whole array, rounded up to pages (its length in *len); NULL with errno set on failure. */
void *vsx_map_mmap(struct bpf_map *map, size_t *len);

#endif
