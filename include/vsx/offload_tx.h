/* SPDX-License-Identifier: MIT */
/*
 * FlexivOffload's TX fast path (the paper's Dispatcher): the layouts bpf/vmport.bpf.c, the
 * XDP program on a VM's host-side port, shares with the agent (vsxd/dp_vmport.c).
 *
 * A frame the VM sends whose flow has a TX entry, and which the kernel's VXLAN device would
 * send the same way, is encapsulated in XDP exactly as that device would (docs/offload-tx.md
 * lists every header field and the kernel rule it mirrors), marked with the FCF the egress
 * rules give it, and redirected to the uplink, bypassing the bridge, the VXLAN device and the
 * host's IP stack. Everything else takes the normal path (XDP_PASS).
 *
 * Tables:
 *   hash   "vsx_tx"         struct vsx_tx_key -> struct vsx_tx_entry
 *   hash   "vsx_tx_ifport"  ifindex (u32) -> port index (u32) of vsx_vm_port
 *   array  "vsx_tx_remote"  remote id -> struct vsx_tx_remote (the VXLAN device's settings
 *                            towards one remote VTEP)
 *   percpu "vsx_tx_stats"   flow id -> struct vsx_offload_stats (include/vsx/offload.h)
 *   percpu "vsx_tx_counters" [VSX_TX_STAT_COUNT] __u64: why packets took which path
 *   array  "vsx_tx_rate"    rate id -> struct vsx_rate_bucket (include/vsx/rate.h)
 *   array  "vsx_tx_port_state" port index -> struct vsx_tx_port_state
 * and, shared with the uplink and egress objects through vsxd's pins: vsx_vm_port (the port's
 * MAC and VNI: what a VM may send with), vsx_config (FCF on/off, VXLAN port), vsx_eg_* (the
 * egress classifier).
 *
 * Isolation: the port, not the entry, says what a VM may send: a frame takes the fast path
 * only when it arrived on the port's ifindex, its source MAC is the port's MAC and the entry's
 * VNI is the port's VNI. A VM cannot choose its VNI (it comes from the port) nor, through a
 * spoofed source MAC, make the fast path send on its behalf what the bridge would not.
 */
#ifndef VSX_OFFLOAD_TX_H
#define VSX_OFFLOAD_TX_H

#include "compat.h"

#define VSX_TX_MAX_FLOWS 65536
#define VSX_TX_MAX_REMOTES 1024

/* Map names (vsxd pins them under these in its bpffs). */
#define VSX_MAP_TX "vsx_tx"
#define VSX_MAP_TX_IFPORT "vsx_tx_ifport"
#define VSX_MAP_TX_REMOTE "vsx_tx_remote"
#define VSX_MAP_TX_STATS "vsx_tx_stats"
#define VSX_MAP_TX_COUNTERS "vsx_tx_counters"
#define VSX_MAP_TX_RATE "vsx_tx_rate"
#define VSX_MAP_TX_PORT_STATE "vsx_tx_port_state"
#define VSX_PROG_VMPORT "vsx_vmport"

/*
 * vsx_tx_key.kind: exact match, flow first, then the destination. Both kinds name the inner
 * destination MAC: it is what the bridge forwards on, so an entry states "frames from this
 * port to this MAC go to that remote VTEP", which is what the bridge's FDB and the VXLAN
 * device's FDB decided on the normal path. A frame to a VM on the same bridge, or to a
 * multicast/broadcast address, never matches one (the bridge delivers those itself).
 */
enum vsx_tx_kind {
	VSX_TX_KEY_FLOW = 1, /* port + inner destination MAC + inner 5-tuple */
	VSX_TX_KEY_DST = 2,  /* port + inner destination MAC: every IPv4/IPv6 flow to that VM */
};

/*
 * Multi-byte fields in network order as in struct vsx_flow_key (copied from the parsed key);
 * fields the kind does not use are zero (DST: all but port, kind and dl_dst).
 */
struct vsx_tx_key {
	__u32 port; /* vsx_vm_port index, 1..VSX_MAX_VM_PORTS-1 */
	__u8 kind;  /* enum vsx_tx_kind */
	__u8 nw_proto;
	__be16 dl_type; /* IPv4 or IPv6 */
	__be16 tp_src;	/* TCP/UDP ports, 0 for other protocols */
	__be16 tp_dst;
	__u8 dl_dst[6];
	__u16 _pad;
	__be32 nw_src[4]; /* IPv4 in word [0] */
	__be32 nw_dst[4];
};
VSX_ASSERT_SIZE(struct vsx_tx_key, 52);

/* vsx_tx_entry.flags */
enum {
	VSX_TX_F_RATE = 1 << 0, /* rate-limited: rate_id names its bucket in vsx_tx_rate */
};

struct vsx_tx_entry {
	__u32 remote;  /* vsx_tx_remote index: where the flow goes */
	__be32 vni;    /* must equal the port's VNI (flow key form: the VNI in the low 24 bits) */
	__u32 flow_id; /* vsx_tx_stats index, 1..VSX_TX_MAX_FLOWS-1 */
	__u32 rate_id;
	__u32 flags; /* VSX_TX_F_* */
};
VSX_ASSERT_SIZE(struct vsx_tx_entry, 20);

/* vsx_tx_remote.flags: the VXLAN device's settings (ip -d link show) */
enum {
	VSX_TX_R_VALID = 1 << 0,
	VSX_TX_R_UDP_CSUM = 1 << 1,   /* "udpcsum" (the default): outer UDP checksum computed */
	VSX_TX_R_DF_SET = 1 << 2,     /* "df set" (default "df unset"; "df inherit" unsupported) */
	VSX_TX_R_TOS_INHERIT = 1 << 3, /* "tos inherit": the inner DSCP+ECN, else tos below */
};

/*
 * One remote VTEP as the VXLAN device would send to it (IPv4 underlay). Filled by the
 * agent from the device's configuration and the host's sysctls (see vsxd/dp_vmport.h).
 */
struct vsx_tx_remote {
	__be32 local;	  /* outer source: the device's "local" */
	__be32 remote;	  /* outer destination: the remote VTEP */
	__u32 uplink;	  /* the device's "dev": the route must leave by it (0: any) */
	__be16 dport;	  /* the device's dstport */
	__u16 port_min;	  /* source port range, host order: "srcport MIN MAX", or */
	__u16 port_max;	  /* net.ipv4.ip_local_port_range when the device has 0 0 */
	__u8 ttl;	  /* the device's ttl, or the route's hop limit (ip_default_ttl) for auto */
	__u8 tos;	  /* the device's fixed tos (without VSX_TX_R_TOS_INHERIT) */
	__u32 flags;	  /* VSX_TX_R_* */
	__u32 ip_id;	  /* outer IPv4 identification: a counter per remote (the datapath's) */
};
VSX_ASSERT_SIZE(struct vsx_tx_remote, 28);

/* vsx_tx_counters: per-CPU, why each frame the VM port program saw took its path. */
enum vsx_tx_stat {
	VSX_TX_STAT_SEEN = 0,	    /* frames the program saw */
	VSX_TX_STAT_HIT,	    /* encapsulated and redirected to the uplink */
	VSX_TX_STAT_NO_PORT,	    /* the device is not a configured port */
	VSX_TX_STAT_NOT_IP,	    /* not untagged IPv4/IPv6, or unparsable: normal path */
	VSX_TX_STAT_MCAST,	    /* multicast/broadcast destination: the bridge floods it */
	VSX_TX_STAT_MISS,	    /* no entry */
	VSX_TX_STAT_SPOOF,	    /* source MAC is not the port's */
	VSX_TX_STAT_VNI,	    /* entry's VNI is not the port's */
	VSX_TX_STAT_FRAG,	    /* inner IP fragment */
	VSX_TX_STAT_TCP_FIN_RST,    /* TCP FIN/RST: the normal path, the agent moves the flow back */
	VSX_TX_STAT_NO_REMOTE,	    /* entry's remote not set */
	VSX_TX_STAT_FIB_MISS,	    /* no route, or no neighbour for the next hop */
	VSX_TX_STAT_FIB_UPLINK,	    /* the route leaves by another device than the remote's uplink */
	VSX_TX_STAT_MTU,	    /* the encapsulated packet is over the route's MTU */
	VSX_TX_STAT_NO_ROOM,	    /* bpf_xdp_adjust_head failed */
	VSX_TX_STAT_RATE_DROP,	    /* over the entry's rate limit: dropped */
	VSX_TX_STAT_HASH_FALLBACK,  /* no skb hash from the driver: source port from our hash */
	VSX_TX_STAT_FCF_WRITTEN,    /* an egress rule's FCF written into the outer ToS */
	VSX_TX_STAT_L4_CSUM,	    /* TCP/UDP checksum not right as sent (left to offload): normal path */
	VSX_TX_STAT_FDB_REFRESH,    /* sent the normal path so that the bridge keeps the VM's MAC */
	VSX_TX_STAT_IP_LEN,	    /* padding after the datagram, or an IPv4 header the bridge checks */
	VSX_TX_STAT_COUNT
};

/* Array "vsx_tx_port_state" [VSX_MAX_VM_PORTS]: the datapath's per-port memory. */
struct vsx_tx_port_state {
	__u64 last_normal_ns; /* latest frame of the VM's through the bridge (coarse ktime) */
};
VSX_ASSERT_SIZE(struct vsx_tx_port_state, 8);

#endif
