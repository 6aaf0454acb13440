/* SPDX-License-Identifier: MIT */
/*
 * vsx experimenter messages: the switch->controller reports of the VS-extend paper (host info
 * after connecting, VM port info when a VM starts, changes or stops, the core table on
 * request), carried in OFPT_EXPERIMENTER (1.3) / OFPT_VENDOR (1.0) with the vsx experimenter id
 * and a u32 exp_type (1.0's conventional subtype). docs/openflow-extensions.md gives the byte
 * layout of each with a hex example.
 *
 * The codec (ofp.h) frames the message and hands over (experimenter, subtype, data): this file
 * turns data into host-order structs and back, checking every length. Bodies are fixed-size
 * records in network byte order, padded to multiples of 8; a body longer than its type needs
 * is BAD_LEN (the record sizes are part of the protocol: a later version adds a new exp_type).
 *
 * Exchanges:
 *   switch -> controller, unsolicited (xid chosen by the switch):
 *     HOST_INFO        once the connection is up (and again as the reply to HOST_INFO_REQUEST)
 *     VM_PORT_STATUS   a configured VM's port appeared, changed or went (reason)
 *   controller -> switch, each answered with the request's xid:
 *     HOST_INFO_REQUEST   -> HOST_INFO
 *     VM_PORTS_REQUEST    -> VM_PORTS_REPLY (every configured VM, reason PRESENT)
 *     CORE_TABLE_REQUEST  -> CORE_TABLE_REPLY
 *   An unknown exp_type is answered with BAD_REQUEST/BAD_EXP_TYPE (1.0: BAD_SUBTYPE).
 */
#ifndef VSX_OFP_VSX_H
#define VSX_OFP_VSX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ofp.h"

/*
 * The vsx experimenter id. OpenFlow reads an id whose top byte is 0 as an IEEE OUI in its low
 * three bytes. 02:56:58 has the locally-administered bit (0x02 in the first octet) set: the IEEE
 * never assigns such an OUI, so the id cannot collide with any vendor's (Nicira 0x00002320,
 * ONF 0x4f4e4600, Big Switch 0x005c16c7 ...); 0x56 0x58 are "VX". One constant, used by every
 * vsx experimenter message, action and OXM field.
 */
#define VSX_OFP_EXPERIMENTER 0x00025658u

enum vsx_exp_type {
	VSX_EXP_HOST_INFO = 1,
	VSX_EXP_HOST_INFO_REQUEST = 2,
	VSX_EXP_VM_PORT_STATUS = 3,
	VSX_EXP_VM_PORTS_REQUEST = 4,
	VSX_EXP_VM_PORTS_REPLY = 5,
	VSX_EXP_CORE_TABLE_REQUEST = 6,
	VSX_EXP_CORE_TABLE_REPLY = 7,
};

/* HOST_INFO.xdp_mode: how the steering program is attached to the uplink. */
enum vsx_exp_xdp_mode {
	VSX_XDP_NONE = 0,
	VSX_XDP_SKB = 1,     /* generic XDP */
	VSX_XDP_NATIVE = 2,  /* driver XDP */
	VSX_XDP_OFFLOAD = 3, /* the NIC runs it */
};

/* HOST_INFO.caps: what this switch and its NIC can do. */
enum vsx_exp_cap {
	VSX_CAP_IRQ_CORE = 1 << 0,    /* irq:N steering (set_queue) */
	VSX_CAP_IRQ_AUTO = 1 << 1,    /* irq:auto steering */
	VSX_CAP_SET_FCF = 1 << 2,     /* egress FCF writing (set_flow_control_field) */
	VSX_CAP_FCF_RESTORE = 1 << 3, /* ingress restores the outer byte before the kernel */
	VSX_CAP_REBALANCE = 1 << 4,   /* decided irq:auto flows are moved off loaded cores */
	VSX_CAP_RX_OFFLOAD = 1 << 5,  /* FlexivOffload: an offload provider is present */
	VSX_CAP_NIC_RX_CSUM = 1 << 8, /* NIC offloads (ethtool features of the uplink) */
	VSX_CAP_NIC_TX_CSUM = 1 << 9,
	VSX_CAP_NIC_TSO = 1 << 10,
	VSX_CAP_NIC_GRO = 1 << 11,
	VSX_CAP_NIC_RXHASH = 1 << 12,
	VSX_CAP_NIC_NTUPLE = 1 << 13,
};

#define VSX_EXP_NAME_LEN 16   /* interface and driver names on the wire (NUL padded) */
#define VSX_EXP_VMNAME_LEN 32 /* VM and tenant names on the wire (NUL padded, truncated) */
#define VSX_EXP_CPU_WORDS 4   /* pinned-core bitmaps: 256 cores */

struct vsx_host_info {
	__u64 datapath_id;
	__u32 n_cores;	   /* online CPUs */
	__u32 n_rx_queues; /* the uplink's RX queues */
	__u32 uplink_port; /* its OpenFlow port number (= ifindex) */
	__u32 caps;	   /* VSX_CAP_* */
	__u8 xdp_mode;	   /* VSX_XDP_* */
	__u8 steer_mode;   /* VSX_MODE_* (include/vsx/datapath.h) */
	__u16 vxlan_port;  /* UDP port of the VXLAN underlay */
	__u32 max_rules;   /* flow table capacity */
	char uplink[VSX_EXP_NAME_LEN + 1];
	char driver[VSX_EXP_NAME_LEN + 1]; /* the uplink's driver, "" if unknown */
};

/* VM_PORT_STATUS.reason, VM_PORTS_REPLY entries. */
enum vsx_exp_vm_reason {
	VSX_VM_ADD = 0,	    /* the VM's port appeared */
	VSX_VM_DELETE = 1,  /* it went */
	VSX_VM_MODIFY = 2,  /* pinning or port state changed */
	VSX_VM_PRESENT = 3, /* in a VM_PORTS_REPLY */
};

enum vsx_exp_vm_flag {
	VSX_VMF_PRIORITY = 1 << 0, /* priority VM (its FCF priority bit) */
	VSX_VMF_PORT_UP = 1 << 1,  /* its port exists and is up */
	VSX_VMF_HAS_TENANT = 1 << 2,
	VSX_VMF_HAS_VNI = 1 << 3,
	VSX_VMF_PINNED = 1 << 4, /* cpus holds the cores it is pinned to */
};

struct vsx_vm_port_info {
	__u32 port_no; /* its port's OpenFlow number (= ifindex), 0 if it has none now */
	__u8 reason;   /* VSX_VM_* */
	__u8 vm_id;    /* FCF VM ID 1..127 */
	__u8 flags;    /* VSX_VMF_* */
	__u32 vni;
	__u32 tenant_id;	       /* numeric tenant, 0 when the tenant has a name */
	__u8 hw_addr[6];	       /* the port's MAC, zero if unknown */
	__u64 cpus[VSX_EXP_CPU_WORDS]; /* bit c of word c/64: pinned to core c */
	/* host strings: the wire's fixed fields (NUL padded, maybe full) plus a terminator */
	char name[VSX_EXP_VMNAME_LEN + 1];
	char tenant[VSX_EXP_VMNAME_LEN + 1];
	char port[VSX_EXP_NAME_LEN + 1]; /* the host-side interface */
};

enum vsx_exp_core_flag {
	VSX_COREF_ONLINE = 1 << 0,
	VSX_COREF_PINNED = 1 << 1, /* a VM is pinned to it */
};

struct vsx_core_info {
	__u32 core;
	__u8 flags; /* VSX_COREF_* */
	__u8 load;  /* percent busy, 0..100 */
	__u8 pinned_vm;
	__u32 auto_rules; /* irq:auto rules decided onto it */
	__u32 auto_rules_prio;
	__u64 packets, bytes; /* steered to it */
};

/* A decoded vsx experimenter message (vsx_exp_decode); lists are malloc'd: vsx_exp_free. */
struct vsx_exp {
	__u32 type; /* enum vsx_exp_type */
	union {
		struct vsx_host_info host;
		struct vsx_vm_port_info vm; /* VM_PORT_STATUS */
		struct {
			struct vsx_vm_port_info *v;
			size_t n;
		} vms; /* VM_PORTS_REPLY */
		struct {
			struct vsx_core_info *v;
			size_t n;
		} cores; /* CORE_TABLE_REPLY */
	};
};

/* Wire sizes of the bodies (after the 16-byte experimenter header). */
#define VSX_EXP_HOST_INFO_LEN 64
#define VSX_EXP_VM_PORT_LEN 136
#define VSX_EXP_CORE_LEN 32
#define VSX_EXP_LIST_HDR_LEN 8 /* u32 count, 4 bytes pad */
#define VSX_EXP_MAX_VMS 127
#define VSX_EXP_MAX_CORES 256

/*
 * True when m is an EXPERIMENTER message with the vsx id. vsx_exp_decode() reads its body:
 * 0, or -EBADMSG / -EOPNOTSUPP (unknown exp_type) / -ENOMEM with st naming the error to answer
 * with (BAD_LEN, BAD_EXP_TYPE); on success free with vsx_exp_free().
 */
bool vsx_exp_is_ours(const struct ofp_msg *m);
int vsx_exp_decode(const struct ofp_msg *m, struct vsx_exp *out, struct ofp_status *st);
void vsx_exp_free(struct vsx_exp *e);

/*
 * Encoding: fills m (an EXPERIMENTER of the given version and xid, vsx id, exp_type) whose body
 * is written into body (reset first; m points into it: keep body until m is sent). Encode m
 * with ofp_encode() or vsx_ofconn_send(). 0 or -EINVAL (a count over the maximum, a name
 * that does not fit is truncated, not refused) / -ENOMEM.
 */
int vsx_exp_host_info(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
		      const struct vsx_host_info *h);
int vsx_exp_vm_port_status(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			   const struct vsx_vm_port_info *vm);
int vsx_exp_vm_ports_reply(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			   const struct vsx_vm_port_info *vms, size_t n);
int vsx_exp_core_table_reply(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
			     const struct vsx_core_info *cores, size_t n);
/* The requests (no body): HOST_INFO_REQUEST, VM_PORTS_REQUEST, CORE_TABLE_REQUEST. */
int vsx_exp_request(struct ofp_msg *m, struct ofp_buf *body, __u8 version, __u32 xid,
		    __u32 exp_type);

/* "HOST_INFO", ... ; "UNKNOWN" otherwise. */
const char *vsx_exp_type_name(__u32 type);
/* One line of text (no newline), for logs and the golden tests. */
void vsx_exp_print(const struct vsx_exp *e, struct strbuf *sb);

#endif
