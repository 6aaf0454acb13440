/* SPDX-License-Identifier: MIT */
/* What the rate probe (vmport_rate.bpf.c) shares with test_rate.c and bench/rate. */
#ifndef VSX_TEST_VMPORT_RATE_H
#define VSX_TEST_VMPORT_RATE_H

#include <linux/types.h>

#define RATE_LOG_DEFAULT 4096

/* One packet the bucket saw (with log_all) or admitted. */
struct rate_log_rec {
	__u64 ns;  /* the `now` the bucket was asked at */
	__u32 len; /* bytes accounted */
	__u16 cpu;
	__u16 admitted; /* 1: admitted, 0: over the limit */
};

#endif
