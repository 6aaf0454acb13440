/* SPDX-License-Identifier: MIT */
/*
 * vsxd's Prometheus metrics: what one scrape reports (gathered from the query layer, query.h,
 * so that vsxctl, JSON and Prometheus show the same numbers) and its rendering in the text
 * exposition format (lib/prom.h). The HTTP endpoint serving it is metrics.c; the rendering,
 * metrics_render.c, is separate so that unit tests can check it on synthetic data.
 * docs/monitoring.md lists every metric.
 */
#ifndef VSXD_METRICS_H
#define VSXD_METRICS_H

#include <stdbool.h>

#include "query.h"
#include "strbuf.h"

/* Flows of the steering cache given per-flow series in one scrape (the gauge counts all). */
#define VSXD_METRICS_MAX_FLOWS 1000

/*
 * One scrape's data. A part whose query failed is absent (its *_ok false): its families
 * are left out and vsx_metrics_query_ok{part=...} says 0, rather than serving zeroes.
 */
struct vsxd_metrics_data {
	struct vsxd_q_show show;
	bool stats_ok, rules_ok, flows_ok, offload_ok, mflows_ok;
	struct vsxd_q_stats *stats; /* allocated: per-core rows are too big for the stack */
	struct vsxd_q_cores *cores;
	struct vsxd_q_rules rules;
	struct vsxd_q_flows flows;
	struct vsxd_q_offload offload; /* the flow and policy managers' totals, VM ports */
	struct vsxd_q_mflows mflows;   /* their flows, both paths */
	unsigned long long scrapes;    /* served before this one */
};

/* Reads everything a scrape reports. 0 or -ENOMEM (the parts' own errors only clear *_ok). */
int vsxd_metrics_collect(struct vsxd *d, struct vsxd_metrics_data *m);
void vsxd_metrics_data_free(struct vsxd_metrics_data *m);

/* The exposition of m. 0, or the writer's error (prom_error(): the output is not to be
 * served). */
int vsxd_metrics_render(const struct vsxd_metrics_data *m, struct strbuf *out);

#endif
