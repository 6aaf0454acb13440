/* SPDX-License-Identifier: MIT */
/*
 * FlexivOffload's RX fast path: the layouts the uplink datapath and the agent share.
 *
 * A received VXLAN packet whose flow has an offload entry, and which the kernel path would
 * accept and deliver the same way (docs/offload.md lists the checks), is decapsulated in XDP
 * and redirected through the devmap "vsx_vm_ports" into its VM's port, bypassing the VXLAN
 * device, the bridge and the host stack. Everything else takes the normal path.
 *
 * Tables:
 *   hash   "vsx_offload"      struct vsx_offload_key -> struct vsx_offload_entry
 *   array  "vsx_vm_port"      port index -> struct vsx_vm_port (what the port accepts)
 *   devmap "vsx_vm_ports"     port index -> the VM port's ifindex (bpf_devmap_val)
 *   percpu "vsx_offload_stats" flow id -> struct vsx_offload_stats
 *   array  "vsx_offload_cfg"  the host facts the checks need (uplink MAC, VTEPs), on/off
 *   percpu "vsx_port_stats"   port index -> struct vsx_port_stats
 *   percpu hash "vsx_port_xmit" port ifindex -> struct vsx_port_xmit (devmap tracepoints)
 * Names: include/vsx/map_names.h.
 * Port indexes are 1..VSX_MAX_VM_PORTS-1 (0 = none); flow ids 1..VSX_MAX_OFFLOADS-1.
 *
 * Isolation: an entry names a port; the port, not the entry, holds the truth about what may
 * reach it (its VNI, its MAC, its MTU). A hit is delivered only when the packet's VNI and
 * inner destination MAC equal the port's, so a stale or wrong entry can never carry a packet
 * to another tenant's VM: it fails the check and the kernel decides. Changing a VM's MAC,
 * VNI or port rewrites its vsx_vm_port, which invalidates every entry naming it at once.
 */
#ifndef VSX_OFFLOAD_H
#define VSX_OFFLOAD_H

#include "compat.h"

/* Offloaded flows the tables can hold (the agent's capacity is configured below this). */
#define VSX_MAX_OFFLOADS 65536
/* VM ports the fast path can deliver to. */
#define VSX_MAX_VM_PORTS 256

/* vsx_offload_key.kind: exact match on one of two shapes, flow first. */
enum vsx_offload_kind {
	VSX_OFFLOAD_KEY_FLOW = 1, /* VNI + inner 5-tuple (IPv4 or IPv6, TCP/UDP/other) */
	VSX_OFFLOAD_KEY_VM = 2,	  /* VNI + inner destination MAC: every flow to one VM */
};

/*
 * Every multi-byte field in network order as in struct vsx_flow_key, from which it is
 * built: vni, dl_type, ports and addresses are copied from the parsed key. Fields the
 * kind does not use are zero (FLOW: dl_dst; VM: everything but vni and dl_dst).
 */
struct vsx_offload_key {
	__be32 vni;
	__u8 kind;     /* enum vsx_offload_kind */
	__u8 nw_proto; /* FLOW */
	__be16 dl_type; /* FLOW: inner EtherType, IPv4 or IPv6 */
	__be16 tp_src;	/* FLOW: TCP/UDP ports, 0 for other protocols */
	__be16 tp_dst;
	__u8 dl_dst[6]; /* VM */
	__u16 _pad;
	__be32 nw_src[4]; /* FLOW: IPv4 in word [0], as the flow key */
	__be32 nw_dst[4];
};
VSX_ASSERT_SIZE(struct vsx_offload_key, 52);

/* vsx_offload_entry.flags */
enum {
	VSX_OFL_F_RATE = 1 << 0, /* rate-limited: rate_id names its bucket */
};

struct vsx_offload_entry {
	__u32 port;    /* index into vsx_vm_port / vsx_vm_ports */
	__u32 flow_id; /* index into vsx_offload_stats: the agent's flow */
	__u32 rate_id; /* bucket index (with VSX_OFL_F_RATE); the rate layer's map */
	__u32 flags;   /* VSX_OFL_F_* */
};
VSX_ASSERT_SIZE(struct vsx_offload_entry, 16);

/* vsx_vm_port.flags */
enum {
	VSX_PORT_F_VALID = 1 << 0,    /* the agent checked the port can take redirected frames */
};

/* What a VM port accepts through the fast path (RX: VNI and destination MAC; TX: source). */
struct vsx_vm_port {
	__u32 ifindex;	/* the VM's host-side port (veth or tap) */
	__be32 vni;	/* the VM's VNI, as in the flow key */
	__u8 mac[6];	/* the VM's MAC */
	__u16 mtu;	/* the port's MTU: longer inner IP packets take the normal path */
	__u32 flags;	/* VSX_PORT_F_* */
	__u32 tenant;	/* for the agent's views; the datapath checks vni */
};
VSX_ASSERT_SIZE(struct vsx_vm_port, 24);

/*
 * Array "vsx_offload_cfg" [1]: what the fast path checks a packet's outer headers against,
 * written by the agent (vsxd/datapath.c) from the uplink. Only a packet the host itself would
 * receive is fast-pathed: outer destination MAC the uplink's, outer destination IPv4 one of
 * the local VTEP addresses (IPv4: vtep4, IPv6: vtep6; all-zero: unused slot). n_flow / n_vm count the entries of each kind in
 * "vsx_offload" (raised before an insert, lowered after a delete): a kind with no entries
 * costs no lookup, so steering's hit path pays one compare while nothing is offloaded.
 */
#define VSX_OFL_MAX_VTEPS 4
#define VSX_OFL_MAX_VTEPS6 2

enum {
	VSX_OFL_CFG_ON = 1 << 0, /* the fast path looks packets up at all */
};

struct vsx_offload_cfg {
	__u32 flags; /* VSX_OFL_CFG_* */
	__u32 n_flow;
	__u32 n_vm;
	__u8 uplink_mac[6];
	__u16 _pad;
	__be32 vtep4[VSX_OFL_MAX_VTEPS];
	/*
	 * Bumped by the agent after every entry it puts (vsxd_dp_offload_put), never on a
	 * delete: a CPU that found no entry for a cached flow remembers "none as of entry_gen"
	 * (vsx_flow_stats.ofl_none) and skips both lookups until the next put. A delete needs no
	 * bump: an entry is only ever used straight from a lookup, never from the mark.
	 */
	__u32 entry_gen;
	__be32 vtep6[VSX_OFL_MAX_VTEPS6][4];
};
VSX_ASSERT_SIZE(struct vsx_offload_cfg, 72);

/*
 * Per-CPU array "vsx_port_stats" [VSX_MAX_VM_PORTS]: what the fast path handed to each VM
 * port (bytes: inner Ethernet frames) and the redirects the datapath could not even start
 * (no devmap entry). Failures after the verdict, inside the kernel's devmap flush (a veth
 * whose peer has no NAPI, a frame over the port's MTU), are counted by the tracepoint
 * programs in bpf/cpumap_stats.bpf.c into "vsx_port_xmit", per port ifindex.
 */
struct vsx_port_stats {
	__u64 packets;
	__u64 bytes;
	__u64 redirect_fail;
};
VSX_ASSERT_SIZE(struct vsx_port_stats, 24);

/* Per-CPU hash "vsx_port_xmit": ifindex -> the devmap's transmit results to that port. */
struct vsx_port_xmit {
	__u64 sent;
	__u64 drops;	   /* frames the device did not take (xdp_devmap_xmit drops) */
	__u64 errors;	   /* flushes that returned an error (xdp_devmap_xmit err) */
	__u64 redirect_err; /* xdp_do_redirect failed for this port's devmap entry */
};
VSX_ASSERT_SIZE(struct vsx_port_xmit, 32);

/*
 * Metadata the uplink program puts in front of a frame it hands to another core for the fast
 * path (bpf_xdp_adjust_meta); the cpumap program (BPF_XDP_CPUMAP, on that core) finds it and
 * does the decapsulation and the redirect there. Frames from outside never carry metadata.
 */
#define VSX_OFL_META_MAGIC 0x7673786fu /* "vsxo" */
struct vsx_offload_meta {
	__u32 magic;
	__u32 port;
	__u32 flow_id;
	__u16 inner_l2_off; /* bytes stripped */
	__u16 inner_len;    /* inner Ethernet frame bytes delivered */
};
VSX_ASSERT_SIZE(struct vsx_offload_meta, 16);

/*
 * Per-CPU counters of an offloaded flow: what the fast path delivered, counted like the
 * normal path's flow counters (bytes are the inner L2 frame as delivered to the VM), and why
 * packets of the flow fell back.
 */
struct vsx_offload_stats {
	__u64 packets;	     /* delivered through the fast path */
	__u64 bytes;	     /* inner Ethernet frame bytes delivered */
	__u64 refused;	     /* hit, but a check sent it the normal path (fragment, MTU, ...) */
	__u64 redirect_fail; /* the devmap redirect failed: passed to the normal path */
	__u64 rate_dropped;  /* over the entry's rate limit: dropped */
	__u64 last_jiffies;  /* latest packet on this CPU */
	__u8 tcp_flags;	     /* TCP flags seen: a FIN or RST is never fast-pathed (it goes the
				normal path, so the host stack sees the teardown); the agent then
				moves the flow back, as the kernel's flowtable does */
	__u8 _pad[7];
};
VSX_ASSERT_SIZE(struct vsx_offload_stats, 56);

#endif
