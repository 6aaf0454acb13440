// SPDX-License-Identifier: MIT
/*
 * The VM side of a fast-path test (tests/bpf/test_offload.c): XDP on the veth peer a VM
 * port's frames arrive at. It records, for IPv4 frames, each CPU's frame count, the latest
 * frame's length and its first SINK_BYTES bytes, and passes the frame on. Attaching it gives the peer the NAPI
 * instance that redirected frames need (veth_set_xdp_features).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "offload_sink.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SINK_CPUS);
	__type(key, __u32);
	__type(value, struct sink_rec);
} sink SEC(".maps");

SEC("xdp")
int offload_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 cpu = bpf_get_smp_processor_id();
	struct sink_rec *r = bpf_map_lookup_elem(&sink, &cpu);
	__u32 len = (__u32)(data_end - data);

	/* the test's frames are IPv4; the kernel's own (IPv6 ND on a new link) are not counted */
	if (!r || data + 14 > data_end || ((__u8 *)data)[12] != 0x08 || ((__u8 *)data)[13] != 0x00)
		return XDP_PASS;
	r->frames++;
	r->len = len;
	if (len > SINK_BYTES)
		len = SINK_BYTES;
	if (len > 0)
		bpf_xdp_load_bytes(ctx, 0, r->data, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
