// SPDX-License-Identifier: MIT
/*
 * Prometheus metrics of flows, cores, paths and policy decisions over HTTP (libmicrohttpd),
 * on a configured local address (issue 7's monitoring). Until it lands there is no endpoint.
 */
#include "vsxd.h"

int vsxd_metrics_open(struct vsxd *d)
{
	d->metrics = NULL;
	return 0;
}

void vsxd_metrics_close(struct vsxd *d)
{
	d->metrics = NULL;
}
