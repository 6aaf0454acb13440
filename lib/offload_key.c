// SPDX-License-Identifier: MIT
#include "offload_key.h"

#include <arpa/inet.h>
#include <string.h>

bool vsx_offload_key_valid(const struct vsx_offload_key *k)
{
	static const __u8 zero[16];

	if (k->_pad)
		return false;
	if (k->kind == VSX_OFFLOAD_KEY_FLOW)
		return !memcmp(k->dl_dst, zero, 6) &&
		       (k->dl_type == htons(0x0800) || k->dl_type == htons(0x86dd));
	if (k->kind == VSX_OFFLOAD_KEY_VM)
		return !k->nw_proto && !k->dl_type && !k->tp_src && !k->tp_dst &&
		       !memcmp(k->nw_src, zero, 16) && !memcmp(k->nw_dst, zero, 16);
	return false;
}

bool vsx_tx_key_valid(const struct vsx_tx_key *k)
{
	static const __be32 zero[4];

	if (!k->port || k->port >= VSX_MAX_VM_PORTS || k->_pad)
		return false;
	if (k->kind == VSX_TX_KEY_DST)
		return !k->nw_proto && !k->dl_type && !k->tp_src && !k->tp_dst &&
		       !memcmp(k->nw_src, zero, sizeof(zero)) &&
		       !memcmp(k->nw_dst, zero, sizeof(zero));
	if (k->kind != VSX_TX_KEY_FLOW)
		return false;
	if (k->dl_type == htons(0x0800))
		return !k->nw_src[1] && !k->nw_src[2] && !k->nw_src[3] && !k->nw_dst[1] &&
		       !k->nw_dst[2] && !k->nw_dst[3];
	return k->dl_type == htons(0x86dd);
}
