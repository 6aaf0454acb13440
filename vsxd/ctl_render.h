/* SPDX-License-Identifier: MIT */
/*
 * The control replies' bodies: the query layer's structs (query.h) as text or as JSON.
 * The text forms are what scripts and tests parse: keep them stable.
 */
#ifndef VSXD_CTL_RENDER_H
#define VSXD_CTL_RENDER_H

#include <stdbool.h>

#include "query.h"
#include "strbuf.h"

void vsxd_render_show(const struct vsxd_q_show *q, bool json, struct strbuf *out);
void vsxd_render_cores(const struct vsxd_q_cores *q, bool json, struct strbuf *out);
void vsxd_render_stats(const struct vsxd_q_stats *q, bool json, struct strbuf *out);
void vsxd_render_rules(const struct vsxd_q_rules *q, bool json, struct strbuf *out);
void vsxd_render_flows(const struct vsxd_q_flows *q, bool json, struct strbuf *out);
/* The flow manager's flows (dump-flows type=...) and offload-stats (ctl_render_offload.c). */
void vsxd_render_mflows(const struct vsxd_q_mflows *q, bool json, struct strbuf *out);
void vsxd_render_offload(const struct vsxd_q_offload *q, bool json, struct strbuf *out);
/* One line describing a flow key: tunnel, addresses, protocol and ports, FCF. */
void vsxd_render_flow_key(struct strbuf *sb, const struct vsx_flow_key *k);

#endif
