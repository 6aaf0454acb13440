// SPDX-License-Identifier: MIT
#include "mask_order.h"

#include <string.h>

int vsx_cls_mask_cmp(const struct vsx_flow_key *a, __u32 a_max, const struct vsx_flow_key *b,
		     __u32 b_max)
{
	unsigned int a_bits, b_bits;

	if (a_max != b_max)
		return a_max > b_max ? -1 : 1;
	a_bits = vsx_flow_key_popcount(a);
	b_bits = vsx_flow_key_popcount(b);
	if (a_bits != b_bits)
		return a_bits > b_bits ? -1 : 1;
	return memcmp(a, b, sizeof(*a));
}
