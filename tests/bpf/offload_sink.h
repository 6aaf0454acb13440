/* SPDX-License-Identifier: MIT */
/* What tests/bpf/offload_sink.bpf.c records, per CPU (array index = CPU). */
#ifndef VSX_TEST_OFFLOAD_SINK_H
#define VSX_TEST_OFFLOAD_SINK_H

#include <linux/types.h>

#define SINK_CPUS 64
#define SINK_BYTES 256 /* a power of two */

struct sink_rec {
	__u64 frames;
	__u32 len; /* the latest frame's */
	__u32 _pad;
	__u8 data[SINK_BYTES];
};

#endif
