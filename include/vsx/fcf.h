/* SPDX-License-Identifier: MIT */
/*
 * Flow Control Field (FCF): the outer IPv4 ToS / IPv6 traffic-class byte of a VXLAN packet,
 * re-purposed as in the VS-extend paper to carry the destination VM ID (7 bits) and a
 * priority bit. VM ID 0 means "not set".
 *
 *     bit  7   6   5   4   3   2   1   0
 *        +---+---------------------------+
 *        | P |          VM ID            |
 *        +---+---------------------------+
 *
 * Priority is the top bit so that an underlay which honours DSCP sees priority flows in the
 * high classes (CS4 and up). The two low bits are the ECN field, so the FCF is written on the
 * wire only (after encapsulation, by the sender's egress program) and the receiver's XDP
 * program restores the outer byte from the inner header before the kernel's VXLAN device
 * reads it. See docs/fcf.md for why the inner-ToS + "tos inherit" route cannot work.
 */
#ifndef VSX_FCF_H
#define VSX_FCF_H

#include "compat.h"

#define VSX_FCF_PRIO 0x80
#define VSX_FCF_VM_ID_MASK 0x7f
#define VSX_FCF_MAX_VM_ID 127

VSX_INLINE __u8 vsx_fcf_encode(__u8 vm_id, int prio)
{
	return (__u8)((vm_id & VSX_FCF_VM_ID_MASK) | (prio ? VSX_FCF_PRIO : 0));
}

VSX_INLINE __u8 vsx_fcf_vm_id(__u8 fcf)
{
	return fcf & VSX_FCF_VM_ID_MASK;
}

VSX_INLINE int vsx_fcf_prio(__u8 fcf)
{
	return (fcf & VSX_FCF_PRIO) != 0;
}

#endif
