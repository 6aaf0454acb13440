// SPDX-License-Identifier: MIT
/*
 * FlexivOffload in vsxd: the flow manager (every flow on both paths) and the policy manager
 * (header and statistics policies, capacity, rate limits) driving the offload provider
 * (d->ofl). Owned by the offload work (issue 7); until it lands vsxd offloads nothing.
 */
#include "vsxd.h"

int vsxd_offload_init(struct vsxd *d)
{
	d->offload = NULL;
	return 0;
}

void vsxd_offload_tick(struct vsxd *d)
{
	(void)d;
}

void vsxd_offload_free(struct vsxd *d)
{
	d->offload = NULL;
}
