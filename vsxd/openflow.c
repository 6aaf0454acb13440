// SPDX-License-Identifier: MIT
/*
 * vsxd as an OpenFlow 1.0/1.3 switch: active connections to controllers, passive listeners
 * for tools, the steering rules as the flow table (issue 8). Until it lands vsxd speaks no
 * OpenFlow.
 */
#include "vsxd.h"

int vsxd_of_open(struct vsxd *d)
{
	d->of = NULL;
	return 0;
}

void vsxd_of_close(struct vsxd *d)
{
	d->of = NULL;
}

void vsxd_of_rule_removed(struct vsxd *d, const struct vsx_rule *old, int reason)
{
	(void)d;
	(void)old;
	(void)reason;
}
