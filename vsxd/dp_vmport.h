/* SPDX-License-Identifier: MIT */
/*
 * vsxd's side of the TX fast path (bpf/vmport.bpf.c, include/vsx/offload_tx.h): loads the VM
 * port program, attaches it to VM ports, and writes its tables. The XDP offload provider
 * (vsxd/dp_xdp.c) wraps these as caps.tx; docs/offload-tx.md describes the whole.
 *
 * Maps: the TX tables (vsx_tx*) are pinned in pin_dir under their names, so a restarted vsxd
 * keeps them with the attached programs; the maps the program shares with the datapath
 * (vsx_vm_port, vsx_config, vsx_stats, vsx_eg_*) are taken from pin_dir, where
 * vsxd/datapath.c pinned them: open this after vsxd_dp_open(). A map the datapath has not
 * pinned is private to this object (and, for vsx_vm_port, empty: nothing takes the fast path;
 * vsxd_vmport_open() says so). pin_dir NULL: every map private (tests).
 *
 * The program is loaded once per port, bound to the port's device, so that it can ask the
 * driver for the skb's flow hash (the VXLAN device's source-port hash); every instance uses
 * the same maps.
 *
 * Functions return 0 or a negative errno, as lib/dp_provider.h: -EINVAL out of range,
 * -ENOENT no such entry, -ENOSPC table full, -EOPNOTSUPP a port or remote the fast path
 * cannot serve (message logged), -ENODEV no such interface, -EBUSY another XDP program on
 * the port. They log what went wrong in the kernel's words.
 */
#ifndef VSXD_DP_VMPORT_H
#define VSXD_DP_VMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <vsx/offload.h>
#include <vsx/offload_tx.h>

struct vsxd_vmport;
struct vsx_rate_limit;
struct vsx_offload_counters;

/* -EINVAL when pin_dir is not a directory on a bpffs. */
int vsxd_vmport_open(struct vsxd_vmport **out, const char *pin_dir);
/*
 * keep: leave the programs attached and the TX maps pinned (a later vsxd takes over).
 * Otherwise detach every port this object attached and remove the TX maps' pins.
 */
void vsxd_vmport_close(struct vsxd_vmport *vp, bool keep);

/*
 * Loads the program for ifname and attaches it (native XDP), replacing a previous vsxd's
 * vsx_vmport there; another program there is -EBUSY. Enables IPv4 forwarding on the port
 * (bpf_fib_lookup() refuses devices without it; a bridge port never routes, so this changes
 * nothing else). port: its vsx_vm_port index, 1..VSX_MAX_VM_PORTS-1.
 */
int vsxd_vmport_attach(struct vsxd_vmport *vp, __u32 port, const char *ifname);
int vsxd_vmport_detach(struct vsxd_vmport *vp, __u32 port);
/*
 * Detaches a vsx_vmport from ifname whoever attached it (a previous vsxd's, for a VM that is
 * gone); -ENOENT when there is none, -EBUSY when the program there is not a vsx_vmport.
 */
int vsxd_vmport_detach_ifname(struct vsxd_vmport *vp, const char *ifname);

/*
 * A remote VTEP, id 1..VSX_TX_MAX_REMOTES-1. The uplink it names must take redirected frames
 * (lib/xdp_target.h; -EOPNOTSUPP if not). The outer IP identification counter of an existing
 * remote is kept, a new one starts at a random value (as the kernel's ip_idents).
 * vsxd_vxlan_remote() (vmport_vxlan.h) fills *r from a kernel VXLAN device.
 */
int vsxd_vmport_remote_set(struct vsxd_vmport *vp, __u32 id, const struct vsx_tx_remote *r);
int vsxd_vmport_remote_del(struct vsxd_vmport *vp, __u32 id);

/*
 * Adds or replaces the entry of key (checked: kind, port, zero fields the kind does not use,
 * remote and flow id in range); the flow's counters start at zero for a new flow_id.
 */
int vsxd_vmport_put(struct vsxd_vmport *vp, const struct vsx_tx_key *key,
		    const struct vsx_tx_entry *e);
int vsxd_vmport_del(struct vsxd_vmport *vp, const struct vsx_tx_key *key);
/*
 * Deletes every entry (a vsxd that reopens a kept datapath knows none of its predecessor's
 * flows: they go the normal path until promoted again). Returns how many, or -errno.
 */
int vsxd_vmport_clear(struct vsxd_vmport *vp);

/* A flow's counters summed over CPUs (bytes: the VM's frames sent through the fast path). */
int vsxd_vmport_counters(struct vsxd_vmport *vp, __u32 flow_id, struct vsx_offload_counters *out);
/* The reasons counters (enum vsx_tx_stat) summed over CPUs. */
int vsxd_vmport_stats(struct vsxd_vmport *vp, __u64 out[VSX_TX_STAT_COUNT]);

/* Bucket rate_id (0..VSX_RATE_MAX_BUCKETS-1) of vsx_tx_rate; a zero limit admits everything. */
int vsxd_vmport_rate_set(struct vsxd_vmport *vp, __u32 rate_id, const struct vsx_rate_limit *l);

/*
 * Writes a VM port's entry of the shared vsx_vm_port map. The datapath owns that map and
 * vsxd's provider writes it there (port_set); this is for tools and tests that run the TX
 * fast path without the RX datapath.
 */
int vsxd_vmport_port_write(struct vsxd_vmport *vp, __u32 port, const struct vsx_vm_port *p);
/*
 * Pins, in pin_dir, the shared maps the datapath had not pinned (this object created them):
 * for tools and tests that run the TX fast path without the datapath and open it again.
 */
int vsxd_vmport_pin_shared(struct vsxd_vmport *vp);

#endif
