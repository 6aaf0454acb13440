/* SPDX-License-Identifier: MIT */
/*
 * The XDP datapath (datapath.c) behind the provider interface (lib/dp_provider.h): the
 * steering datapath, and the RX offload fast path when the uplink program has its tables.
 * docs/providers.md.
 */
#ifndef VSXD_DP_XDP_H
#define VSXD_DP_XDP_H

#include "datapath.h"
#include "dp_provider.h"

/* Fills out over dp, which must stay open while out is used (vsxd_dp_open .. _close). */
void vsxd_dp_xdp_provider(struct vsxd_datapath *dp, struct vsx_dp *out);

/*
 * Fills out with the offload provider over dp's offload tables (RX) and the VM port program
 * (TX, vsxd/dp_vmport.c: caps.tx when it loads); -EOPNOTSUPP (out->ops NULL) when the loaded
 * program has no offload tables. vsxd_dp_xdp_offload_free() ends it; keep: leave the VM port
 * programs attached and their maps pinned, as vsxd_dp_close(dp, keep) does the datapath.
 */
int vsxd_dp_xdp_offload(struct vsxd_datapath *dp, struct vsx_offload *out);
void vsxd_dp_xdp_offload_free(struct vsx_offload *ofl, bool keep);

#endif
