// SPDX-License-Identifier: MIT
/*
 * test_xdp_coexist.sh's other XDP program: counts the packets it sees and passes them on, so
 * that, loaded with xdp-loader beside vsx in libxdp's dispatcher, it shows whether packets
 * reach it and (through XDP_PASS, which libxdp chains on by default) go on to vsx.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xdp_count_pkts SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&xdp_count_pkts, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
