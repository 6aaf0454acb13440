/* SPDX-License-Identifier: MIT */
/*
 * The shapes of the fast paths' table keys (include/vsx/offload.h, include/vsx/offload_tx.h):
 * the fields a key's kind does not use are zero, and FLOW keys are IPv4 or IPv6. An exact-match
 * table only ever finds keys built the way the datapath builds them, so a key of another shape
 * would be an entry that silently never matches: every writer of these tables (the XDP
 * providers, the test double) refuses one with -EINVAL through these checks.
 */
#ifndef VSX_OFFLOAD_KEY_H
#define VSX_OFFLOAD_KEY_H

#include <stdbool.h>

#include <vsx/offload.h>
#include <vsx/offload_tx.h>

/* RX: FLOW has no dl_dst and an IP dl_type; VM has only vni and dl_dst. */
bool vsx_offload_key_valid(const struct vsx_offload_key *k);
/* TX: a port 1..VSX_MAX_VM_PORTS-1; DST has only port and dl_dst; FLOW is IPv4 (addresses in
 * word 0, the other words zero) or IPv6. */
bool vsx_tx_key_valid(const struct vsx_tx_key *k);

#endif
