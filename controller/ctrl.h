/* SPDX-License-Identifier: MIT */
/*
 * vsx-controller's state: hosts (one per datapath id, kept while disconnected), their
 * OpenFlow sessions, the VMs they report, and the rules the controller put on each host.
 *
 * Rules. For a VM with VM-ID steering on host H the controller wants
 *   on H (receiver):        vni=V,vm_id=ID actions=irq:CORE | irq:auto       ("steer")
 *   on every other host:    [traffic,]vni=V,dl_dst=MAC actions=set_fcf:ID[/1] ("fcf")
 * Each rule has a cookie: 0x56 in the top byte (the controller's rules, found again with a
 * cookie mask after a reconnect), a 32-bit slot (hash of kind and VM name: one rule per slot
 * per host) and a 24-bit hash of the rule's content. Whether a host has the wanted rule is a
 * cookie comparison; a changed rule is added (overwriting an equal match) before the old
 * cookie is deleted, so traffic is never without a rule in between.
 */
#ifndef VSX_CONTROLLER_CTRL_H
#define VSX_CONTROLLER_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ctrl_policy.h"
#include "ofp.h"
#include "ofp_conn.h"
#include "ofp_vsx.h"

struct vsx_loop;
struct vsx_ctl_server;
struct strbuf;

#define CTRL_COOKIE_TAG 0x56ull
#define CTRL_COOKIE_SHIFT 56
#define CTRL_COOKIE_MASK (0xffull << CTRL_COOKIE_SHIFT)
#define CTRL_MAX_CORES 256

/* Per-host table slot -> cookie (open addressing; 0 = empty). */
struct ctrl_slots {
	__u64 *v;
	size_t cap, n;
};

enum ctrl_rule_kind { CTRL_RULE_STEER = 1, CTRL_RULE_FCF = 2 };

/* One wanted rule, encoded once (OpenFlow 1.3 FLOW_MOD ADD, xid 0) for every host. */
struct ctrl_rule {
	bool valid;
	__u64 cookie;
	char text[600]; /* vsx rule syntax, for show and logs */
	struct ofp_buf wire;
	char why[300]; /* why no rule ("no MAC reported", ...) when !valid */
};

struct ctrl_host;

struct ctrl_vm {
	char name[VSX_EXP_VMNAME_LEN + 1];
	char tenant[VSX_EXP_VMNAME_LEN + 12];
	struct ctrl_host *host;
	struct vsx_vm_port_info info;
	struct ctrl_policy_settings pol;
	int core; /* the core the controller picked, -1: none (auto or not steered) */
	__u32 slot_steer, slot_fcf;
	struct ctrl_rule steer, fcf;
};

struct ctrl_sess;

struct ctrl_host {
	__u64 dpid;
	struct ctrl_sess *sess; /* NULL while disconnected */
	bool have_info;
	struct vsx_host_info info;
	size_t n_ports;
	bool synced; /* its rules are known (FLOW_STATS read) and kept up to date */
	struct ctrl_slots inst; /* what we believe is installed */
	unsigned int core_use[CTRL_MAX_CORES];
	unsigned long long up_since_ms, down_since_ms;
	unsigned int connects;
	unsigned long long errors;
	char last_error[200];
};

/* A change whose convergence is timed: rules sent to hosts, each closed by a BARRIER. */
struct ctrl_change {
	unsigned long long id;
	char what[96];
	unsigned long long t0_us;
	unsigned int hosts, outstanding, failed;
	unsigned long long done_us; /* 0 while outstanding */
};
#define CTRL_CHANGES 32

struct ctrl_barrier {
	__u32 xid;
	unsigned long long change;
};

struct ctrl_sess {
	struct ctrl *ctrl;
	struct vsx_ofconn *conn;
	struct ctrl_host *host; /* once the datapath id is known */
	__u32 xid_features, xid_vms, xid_flows, xid_info;
	bool have_vms, have_flows;
	struct ctrl_slots seen; /* cookies in this session's FLOW_STATS replies */
	struct ctrl_barrier *barriers;
	size_t n_barriers, cap_barriers;
	bool dirty; /* rules sent since the last BARRIER */
	bool active; /* controller --connect: reconnects, the session lives on */
	bool stale;  /* active, replaced by a newer session of its host until it reconnects */
	unsigned long long msgs;
	struct ctrl_sess *prev, *next; /* every session, for the exit */
};

struct ctrl {
	struct vsx_loop *loop;
	struct ctrl_policy policy;
	const char *policy_path;
	unsigned long long policy_loaded_ms;
	char policy_error[512];
	struct ctrl_host **hosts;
	size_t n_hosts, cap_hosts;
	struct ctrl_vm **vms;
	size_t n_vms, cap_vms;
	size_t n_sessions;
	struct ctrl_sess *sessions;
	struct ctrl_change changes[CTRL_CHANGES];
	unsigned long long next_change;
	unsigned long long flow_mods, barriers, errors, vm_events;
	bool log_converge;
	/* Until the grace period after the start is over, a host's rules that no known VM wants
	 * are left alone: they may belong to VMs of hosts that have not reconnected yet, and
	 * deleting them would stop marking traffic to those VMs (a controller restart must keep
	 * traffic steered). ctrl_grace_over() then deletes what is still stale. */
	bool grace_over;
	size_t stale_kept;
};

/* inventory.c */
struct ctrl_host *ctrl_host_get(struct ctrl *c, __u64 dpid);
struct ctrl_vm *ctrl_vm_find(struct ctrl *c, const char *name);
/* A VM reported present on h (ADD, MODIFY, PRESENT): created, updated or moved to h. */
void ctrl_vm_report(struct ctrl *c, struct ctrl_host *h, const struct vsx_vm_port_info *info);
/* A VM reported gone from h (ignored if it lives elsewhere now). */
void ctrl_vm_gone(struct ctrl *c, struct ctrl_host *h, const char *name);
/* h's VMs are exactly v[0..n) (a VM_PORTS_REPLY): each reported, the others gone. */
void ctrl_host_vms_replace(struct ctrl *c, struct ctrl_host *h, const struct vsx_vm_port_info *v,
			   size_t n);
/* Re-resolves every VM's policy and rules (after a reload); syncs every host. */
void ctrl_policy_apply(struct ctrl *c);
/* Recomputes vm's policy, core and rules. */
void ctrl_vm_refresh(struct ctrl *c, struct ctrl_vm *vm);
void ctrl_free(struct ctrl *c);

/* sync.c */
__u64 ctrl_slots_get(const struct ctrl_slots *s, __u32 slot);
int ctrl_slots_put(struct ctrl_slots *s, __u64 cookie);
void ctrl_slots_del(struct ctrl_slots *s, __u32 slot);
void ctrl_slots_free(struct ctrl_slots *s);
static inline __u32 ctrl_cookie_slot(__u64 cookie)
{
	return (__u32)(cookie >> 24);
}
/* Starts a timed change ("vm web1 started"); returns its id. */
unsigned long long ctrl_change_begin(struct ctrl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Brings vm's rules up to date on every synced host, within change `chg`. */
void ctrl_sync_vm(struct ctrl *c, struct ctrl_vm *vm, unsigned long long chg);
/* Removes vm's rules everywhere (it stopped), within change `chg`. */
void ctrl_sync_vm_gone(struct ctrl *c, struct ctrl_vm *vm, unsigned long long chg);
/* Full resync of one host: every VM's rule there, stale cookies deleted. */
void ctrl_sync_host(struct ctrl *c, struct ctrl_host *h, unsigned long long chg);
/* Ends the grace period: every synced host's stale rules are deleted. */
void ctrl_grace_over(struct ctrl *c);
/* Sends the BARRIER closing what was sent to every dirty session in `chg`. */
void ctrl_flush(struct ctrl *c, unsigned long long chg);
void ctrl_barrier_reply(struct ctrl *c, struct ctrl_sess *s, __u32 xid);
void ctrl_sess_barriers_fail(struct ctrl *c, struct ctrl_sess *s);
unsigned long long ctrl_now_us(void);

/* session.c */
extern const struct vsx_ofconn_cbs ctrl_ofconn_cbs;
void ctrl_on_accept(struct vsx_oflistener *l, struct vsx_ofconn *conn, void *ctx);
/* An active connection's session (controller --connect). */
struct ctrl_sess *ctrl_sess_new(struct ctrl *c);
/* Closes every session's connection and frees it (at exit; no rule is touched). */
void ctrl_sess_close_all(struct ctrl *c);

/* show.c */
void ctrl_show(const struct ctrl *c, bool json, struct strbuf *sb);

#endif
