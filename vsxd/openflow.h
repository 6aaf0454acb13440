/* SPDX-License-Identifier: MIT */
/*
 * vsxd as an OpenFlow 1.0/1.3 switch (docs/openflow.md). Split by job:
 *   openflow.c   sessions on lib/ofp_conn.h connections (controllers, listeners), the batch
 *                of FLOW_MODs, FLOW_REMOVED and port/VM reports to every session
 *   of_handle.c  one message in, replies out: the pure handler (unit-tested without sockets)
 *   of_flow.c    FLOW_MOD into the rule table (batched), FLOW/AGGREGATE stats
 *   of_port.c    ports (uplink + VM ports), their descriptions and counters
 *   of_vsx.c     the vsx experimenter reports (host info, VM ports, core table)
 *   of_link.c    netlink link events of the configured ports (PORT_STATUS, VM reports)
 *
 * A session's replies are appended to sess->out in order; the connection layer sends them
 * (openflow.c) or a unit test reads them.
 */
#ifndef VSXD_OPENFLOW_H
#define VSXD_OPENFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "ofp.h"
#include "ofp_vsx.h"
#include "vsxd.h"

struct vsx_ofconn;

struct vsxd_of_sess {
	struct vsxd *d;
	__u8 version;	    /* negotiated */
	__u32 role;	    /* OFPCR_ROLE_EQUAL, _MASTER or _SLAVE (1.0 sessions: EQUAL) */
	__u16 config_flags; /* SET_CONFIG, echoed by GET_CONFIG */
	__u16 miss_send_len;
	struct ofp_buf out;	 /* replies and reports not yet sent */
	struct vsx_ofconn *conn; /* NULL in unit tests */
	bool controller;	 /* an active connection vsxd made (vs a tool on a listener) */
	struct vsxd_of_sess *next;
};

/* Port numbers are interface indexes; a port is the uplink or a configured VM's port. */
#define VSXD_OF_MAX_PORTS (1 + VSX_EXP_MAX_VMS)
struct vsxd_of_port {
	struct ofp_port desc;
	int vm; /* index into conf.vms, -1 for the uplink */
};

/* The batch is applied when the FLOW_MOD stream pauses this long, or this long after its first. */
#define VSXD_OF_FLUSH_IDLE_MS 2
#define VSXD_OF_FLUSH_MAX_MS 200

/* A FLOW_MOD waiting in the batch (of_flow.c). */
struct vsxd_of_pending {
	struct vsx_flow_mod fm;
	struct vsxd_of_sess *s;
	__u8 version;
	__u8 raw[OFP_ERROR_ECHO_MAX]; /* the request's first bytes, for an error reply */
	size_t raw_len;
};

struct vsxd_of {
	struct vsxd *d;
	struct vsxd_of_sess *sessions;
	struct vsxd_of_pending *pending; /* consecutive FLOW_MODs, applied as one batch */
	size_t n_pending, cap_pending;
	bool have_generation; /* a master/slave ROLE_REQUEST set generation */
	__u64 generation;
	__u64 datapath_id;
	/* the ports last reported, to tell what changed */
	struct vsxd_of_port ports[VSXD_OF_MAX_PORTS];
	size_t n_ports;
	/* each configured VM's pinned cores as last seen (by conf index), to report changes */
	__u64 vm_cpus[VSX_EXP_MAX_VMS][VSX_EXP_CPU_WORDS];
	/* connections (openflow.c) */
	struct vsx_ofconn **conns;
	size_t n_conns;
	struct vsx_oflistener **listeners;
	size_t n_listeners;
	struct vsx_timer *flush_timer, *port_timer;
	int nl_fd; /* netlink link events, -1 when none */
	unsigned long long flow_mods, batches;
	unsigned long long first_fm_ms,
	    last_fm_ms; /* the pending batch's first and latest FLOW_MOD */
};

/* A session for a negotiated connection (conn may be NULL); vsxd_of_sess_free applies its
 * pending FLOW_MODs first. */
struct vsxd_of_sess *vsxd_of_sess_new(struct vsxd *d, __u8 version, struct vsx_ofconn *conn);
void vsxd_of_sess_free(struct vsxd_of_sess *s);

/* The pure handler: one decoded message (raw/len: its bytes) -> replies in s->out. FLOW_MODs
 * are queued into the batch, which any other message applies first (and vsxd_of_flush). */
void vsxd_of_handle(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len);
/* Applies the pending FLOW_MODs (one transaction); their errors go to their sessions. */
void vsxd_of_flush(struct vsxd *d);

/* Sends what sessions have in out (no-op for sessions without a connection). */
void vsxd_of_send_all(struct vsxd *d);

/* of_handle.c: appends an ERROR answering the request raw/len to s->out. */
void vsxd_of_error(struct vsxd_of_sess *s, enum ofp_err err, const void *raw, size_t len);
/* Encodes m in s's version into s->out (multipart replies split at 64 KiB). */
void vsxd_of_put(struct vsxd_of_sess *s, struct ofp_msg *m);

/* of_flow.c */
void vsxd_of_flow_mod(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len);
void vsxd_of_flow_stats(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw,
			size_t len);
void vsxd_of_table_stats(struct vsxd_of_sess *s, const struct ofp_msg *m);
/* A FLOW_REMOVED for every session that gets them (not slaves). */
void vsxd_of_flow_removed(struct vsxd *d, const struct vsx_rule *old, int reason);

/* of_port.c */
/* The switch's ports now: uplink first, then each VM with a port that exists. */
size_t vsxd_of_ports(struct vsxd *d, struct vsxd_of_port *out, size_t max);
int vsxd_of_port_stats(struct vsxd *d, const struct vsxd_of_port *p, struct ofp_port_stats *out);
__u64 vsxd_of_datapath_id(struct vsxd *d);
/* Compares the ports with the ones last reported: PORT_STATUS and VM_PORT_STATUS to every
 * session for each that came, went or changed; and each VM's pinned cores (the core table):
 * VM_PORT_STATUS modify when they changed. report false: remember the state, tell no one. */
void vsxd_of_ports_changed(struct vsxd *d);
void vsxd_of_vm_pins_changed(struct vsxd *d, bool report);

/* of_vsx.c */
void vsxd_of_host_info(struct vsxd *d, struct vsx_host_info *h);
/* The VM with conf index i, as reported (reason given). */
void vsxd_of_vm_info(struct vsxd *d, size_t i, __u8 reason, struct vsx_vm_port_info *v);
size_t vsxd_of_core_table(struct vsxd *d, struct vsx_core_info *out, size_t max);
/* A vsx experimenter message from the controller. */
void vsxd_of_vsx_msg(struct vsxd_of_sess *s, const struct ofp_msg *m, const void *raw, size_t len);
/* HOST_INFO and every VM's VM_PORT_STATUS (reason ADD), sent when a session comes up. */
void vsxd_of_vsx_hello(struct vsxd_of_sess *s);

/* of_link.c: netlink link events on d->loop (PORT_STATUS when a configured port changes). */
int vsxd_of_link_open(struct vsxd *d);
void vsxd_of_link_close(struct vsxd *d);

#endif
