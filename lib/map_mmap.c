// SPDX-License-Identifier: MIT
#include "map_mmap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <bpf/libbpf.h>

void *vsx_map_mmap(struct bpf_map *map, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t sz = (size_t)bpf_map__value_size(map) * bpf_map__max_entries(map);
	void *p;

	sz = (sz + (size_t)page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = sz;
	return p;
}
