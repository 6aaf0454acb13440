/* SPDX-License-Identifier: MIT */
/*
 * Can an interface take frames an XDP program redirects into it (a devmap entry naming it)?
 * The fast path must know before it promotes a flow: a redirect the port cannot take fails
 * for every packet (the kernel frees the frame; the program cannot pass it on afterwards).
 *
 * The kernel says so itself: a device that can receive redirected frames advertises
 * NETDEV_XDP_ACT_NDO_XMIT in its XDP features (the "netdev" generic netlink family). For a
 * veth the flag follows the peer: veth_xdp_xmit() refuses (-ENXIO) unless the peer's receive
 * queue has NAPI, which it has while the peer has an XDP program or GRO on, and veth sets the
 * flag on the device exactly then (xdp_features_set_redirect_target(), drivers/net/veth.c).
 * NAPI also needs the peer up, which the flag does not follow: the device's carrier does
 * (veth turns carrier on for both ends when both are up). A tap advertises the flag always,
 * and tun_xdp_xmit() refuses while no process has a queue open, which is when its carrier is
 * off. So: up, carrier, and NDO_XMIT.
 */
#ifndef VSX_XDP_TARGET_H
#define VSX_XDP_TARGET_H

#include <stddef.h>

/*
 * 0 when ifindex (in the caller's network namespace) can take redirected frames now;
 * -EOPNOTSUPP when it cannot, with the reason in why; -ENODEV when there is no such
 * interface; another -errno when the kernel could not be asked (a kernel without the netdev
 * family, before 6.3, is -EOPNOTSUPP: nothing says the port can).
 */
int vsx_xdp_target_check(unsigned int ifindex, char *why, size_t len);

#endif
