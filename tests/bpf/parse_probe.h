/* SPDX-License-Identifier: MIT */
/*
 * What tests/bpf/parse_probe.bpf.c shares with its tests: the configuration the test sets
 * through the skeleton's .data and the result each program leaves in the "parse_out" map.
 */
#ifndef VSX_TEST_PARSE_PROBE_H
#define VSX_TEST_PARSE_PROBE_H

#include "../../bpf/lib/parse.h"

/* Global "cfg" in the probe's .data (skel->data->cfg). */
struct parse_probe_cfg {
	__be16 vxlan_port; /* network order; 0: no VXLAN */
	__u16 _pad;
	__u32 fcf_enabled;
};

/* parse_out map slots */
enum { PARSE_OUT_XDP = 0, PARSE_OUT_TC = 1, PARSE_OUT_N };

struct parse_probe_result {
	__u32 status; /* enum vsx_parse_status */
	__u32 runs;   /* times the program ran */
	struct vsx_pkt pkt;
};

#endif
