/* SPDX-License-Identifier: MIT */
/* What the rate probe (vmport_rate.bpf.c) shares with test_rate.c and bench/rate. */
#ifndef VSX_TEST_VMPORT_RATE_H
#define VSX_TEST_VMPORT_RATE_H

#include <linux/types.h>

#define RATE_LOG_DEFAULT 4096

/* One admitted packet. */
struct rate_log_rec {
	__u64 ns;  /* the `now` the bucket admitted it at */
	__u32 len; /* bytes accounted */
	__u32 cpu;
};

#endif
