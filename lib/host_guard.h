/* SPDX-License-Identifier: MIT */
/*
 * May the fast paths carry a VM port's traffic without bypassing a refusal of the kernel?
 *
 * The RX fast path (uplink XDP: decapsulate, redirect into the VM port) and the TX one (XDP on
 * the VM port: encapsulate, redirect to the uplink) skip the host stack the normal path takes:
 * the outer packet's IP input/output (prerouting, input, output, postrouting hooks, rp_filter),
 * the bridge (bridge-family hooks; with br_netfilter also the ip/ip6 forward hooks) and the
 * netdev ingress/egress hooks. This file reads what on the host could refuse a frame there and
 * says, per port, whether the fast path may carry it. It does not evaluate rules: a rule that
 * could drop (anything but matches, counters, log and accept) in a hook the frames pass counts
 * as a refusal. When a fact cannot be read, the answer is "refused" with that as the reason.
 */
#ifndef VSX_HOST_GUARD_H
#define VSX_HOST_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Where in the normal path a chain sits, for the frames the fast paths carry. */
enum vsx_hg_place {
	VSX_HG_BRIDGE, /* bridge family prerouting/forward/postrouting */
	VSX_HG_NETDEV, /* netdev ingress/egress, inet ingress: any device (not told which is which)
			*/
	VSX_HG_OUTER,  /* ip/ip6/inet prerouting/input/output/postrouting: the outer packet */
	VSX_HG_FWD4,   /* ip/inet forward: bridged IPv4 frames with bridge-nf-call-iptables=1 */
	VSX_HG_FWD6,   /* ip6/inet forward: bridged IPv6 with bridge-nf-call-ip6tables=1 */
	VSX_HG_N_PLACES
};

struct vsx_host_facts {
	/* br_netfilter's sysctls: -1 absent (module not loaded: bridged frames skip ip hooks) */
	int brnf_ip, brnf_ip6;
	/* rp_filter of all, default and the uplink; the kernel uses max(all, uplink) */
	int rp_all, rp_default, rp_uplink;
	char uplink[16];
	/* legacy (x_tables) tables in use: their rules are not read here */
	char legacy[96];
	/* nftables: rules that may drop (and drop policies) per place */
	bool nft_known; /* false: the ruleset could not be read or parsed */
	char nft_error[96];
	unsigned int refusing[VSX_HG_N_PLACES];
	char where[VSX_HG_N_PLACES][160]; /* the first such chain: "inet filter forward" */
};

/*
 * Reads the sysctls and legacy table lists under root ("/" for the live host: root/proc/sys/
 * net/..., root/proc/net/ip_tables_names) for the uplink. Unreadable rp_filter values are -1
 * (refused later). Does not touch nftables: see vsx_host_guard_nft().
 */
void vsx_host_guard_read(struct vsx_host_facts *f, const char *root, const char *uplink);

/*
 * Counts the rules that may refuse, per place, from the text of `nft -j list ruleset`.
 * NULL or text that does not parse: nft_known false, nft_error says why; returns -EINVAL.
 */
int vsx_host_guard_nft(struct vsx_host_facts *f, const char *ruleset_json);

/* true: the fast path may carry port's traffic; false: why says what would refuse it. */
bool vsx_host_guard_port(const struct vsx_host_facts *f, const char *port, char *why, size_t len);

/*
 * The whole check on the live host in the caller's network namespace: reads "/", counts the
 * nftables tables over netlink, and lists them with `nft -j list ruleset` only when there are
 * any (so a host without nft and without tables is fine; with tables and no nft: refused).
 * 0 allowed; -EPERM refused, the reason in why.
 */
int vsx_host_guard_check(const char *uplink, const char *port, char *why, size_t len);

#endif
