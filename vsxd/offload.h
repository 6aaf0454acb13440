/* SPDX-License-Identifier: MIT */
/*
 * FlexivOffload in vsxd (offload.c): the policy (lib/offload_policy.h, from the configuration
 * file and changed at run time) and the flow manager (lib/flow_manager.h) on d->dpp and
 * d->ofl, ticked after each load sample. What the control surface (vsxctl dump-flows,
 * offload-stats, offload-policy*) and the metrics read. Every function is safe when offload
 * was never initialised (d->offload NULL): empty walks, zero stats, -EOPNOTSUPP for changes.
 */
#ifndef VSXD_OFFLOAD_H
#define VSXD_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow_manager.h"
#include "offload_policy.h"

struct vsxd;

/* One flow, as vsxd_offload_flows() shows it; valid during the callback only. */
struct vsxd_ofl_flow {
	const struct vsx_fm_flow *f; /* everything the flow manager keeps (flow_manager.h) */
	const char *vm;		     /* the VM it goes to, "" when none */
	const char *tenant;	     /* its tenant, "" when none */
	const char *port;	     /* the VM's interface, "" when none */
	uint64_t age_ns;	     /* since first seen */
	uint64_t idle_ns;	     /* since its counters last grew */
	uint64_t since_move_ns;	     /* since its last move, 0 when it never moved */
	int64_t moved_realtime_s;    /* CLOCK_REALTIME seconds of the last move, 0: never */
};

/* Every flow, offloaded first; cb's non-zero return stops the walk and is returned. */
int vsxd_offload_flows(struct vsxd *d, int (*cb)(void *arg, const struct vsxd_ofl_flow *f),
		       void *arg);

/* A VM port as offload sees it. */
struct vsxd_ofl_port {
	const char *vm, *ifname;
	__u32 port;	 /* provider port index (0: the VM has no port/vni/mac, not offloadable) */
	__u32 ifindex;
	bool usable;	 /* the provider took it: it can receive redirected frames */
	int err;	 /* why not (-EOPNOTSUPP: cannot take redirects, -ENODEV: no interface) */
};
int vsxd_offload_ports(struct vsxd *d, int (*cb)(void *arg, const struct vsxd_ofl_port *p),
		       void *arg);

struct vsxd_ofl_stats {
	bool enabled;			/* the policy's offload on|off */
	bool provider;			/* an offload provider exists (d->ofl.ops) */
	struct vsx_offload_caps caps;	/* the provider's, zero without one */
	struct vsx_fm_stats fm;		/* flows, moves by reason, failures (flow_manager.h) */
	size_t ports, ports_usable;	/* VM ports configured, and taken by the provider */
};
void vsxd_offload_stats(struct vsxd *d, struct vsxd_ofl_stats *out);

/* The policy in force (NULL when offload was never initialised). */
const struct vsx_ofl_policy *vsxd_offload_policy(const struct vsxd *d);

/*
 * Run-time changes through the one policy parser: statements (offload_policy.h; text may hold
 * several separated by ';', applied together), flags VSX_OFL_REPLACE. The flow manager
 * re-evaluates at its next tick; each change is logged. Not persisted: the configuration file
 * is the lasting form (vsxd --check-config prints it back). Returns 0 or a negative errno with
 * err filled.
 */
int vsxd_offload_policy_apply(struct vsxd *d, const char *text, unsigned int flags, __u32 *id,
			      char *err, size_t errlen);
int vsxd_offload_policy_apply_argv(struct vsxd *d, int argc, const char *const *argv,
				   unsigned int flags, __u32 *id, char *err, size_t errlen);
/* "header ID", "header MATCH" or "rate-limit SCOPE". */
int vsxd_offload_policy_delete(struct vsxd *d, const char *what, char *err, size_t errlen);

/* One tick at now_ns (CLOCK_MONOTONIC): what vsxd_offload_tick() does, for tests. */
void vsxd_offload_tick_at(struct vsxd *d, uint64_t now_ns);

#endif
