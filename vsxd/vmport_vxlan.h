/* SPDX-License-Identifier: MIT */
/*
 * What a kernel VXLAN device would put in the outer headers towards one remote VTEP, read
 * from the device itself (rtnetlink) and the host's sysctls, as the TX fast path's
 * struct vsx_tx_remote (include/vsx/offload_tx.h). docs/offload-tx.md lists the fields and
 * the kernel rules they mirror.
 */
#ifndef VSXD_VMPORT_VXLAN_H
#define VSXD_VMPORT_VXLAN_H

#include <stddef.h>

#include <vsx/offload_tx.h>

/*
 * Fills *out for the VXLAN device ifname (in the caller's network namespace) sending to
 * remote (IPv4, network order; 0: the device's own "remote"). ip_id is left 0 (the datapath's
 * counter). Returns 0; -ENODEV (no such device), -EINVAL (not a VXLAN device, or no remote
 * given nor configured, or a multicast one), -EOPNOTSUPP with the reason in why (a setting the
 * fast path does not reproduce: IPv6 underlay, no "local", "external" (collect metadata), GBP,
 * GPE, remote checksum offload, "ttl inherit", "df inherit"), or another -errno.
 */
int vsxd_vxlan_remote(const char *ifname, __be32 remote, struct vsx_tx_remote *out, char *why,
		      size_t why_len);

#endif
