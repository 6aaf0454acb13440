/* SPDX-License-Identifier: MIT */
/*
 * The order in which the classifier's subtables (one per rule mask) are searched: the mask whose
 * rules reach the highest priority first, then the mask with more bits, then the mask bytes. A
 * total order that depends only on the rules present. The classifier sorts its subtables by it
 * and the rule table's reference lookup breaks equal-priority ties by it, so both agree; it
 * lives here, apart from both, so that neither needs the other.
 */
#ifndef VSX_MASK_ORDER_H
#define VSX_MASK_ORDER_H

#include "rule.h"

/*
 * < 0 when mask a (whose rules' highest priority is a_max) comes before mask b, > 0 after, 0 for
 * the same mask and priority.
 */
int vsx_cls_mask_cmp(const struct vsx_flow_key *a, __u32 a_max, const struct vsx_flow_key *b,
		     __u32 b_max);

#endif
