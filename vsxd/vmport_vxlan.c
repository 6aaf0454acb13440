// SPDX-License-Identifier: MIT
/*
 * A kernel VXLAN device's transmit settings (vmport_vxlan.h): one RTM_GETLINK, the
 * IFLA_VXLAN_* attributes the kernel dumps for it (vxlan_fill_info(), which puts every
 * setting, defaults included), and the two sysctls that decide what the device leaves to the
 * host: the TTL of "ttl auto" (ip4_dst_hoplimit(): the route's hop limit metric, else
 * net.ipv4.ip_default_ttl; a hop limit metric on the route is not looked at) and the source
 * port range of "srcport 0 0" (udp_flow_src_port(): net.ipv4.ip_local_port_range).
 */
#include "vmport_vxlan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define NL_BUF 16384

/* IFLA_VXLAN_* of newer kernels than the build's headers (uapi: the values are fixed). */
#define VX_TTL_INHERIT 28
#define VX_DF 29
#define VX_DF_SET 1
#define VX_DF_INHERIT 2

static int read_uints(const char *path, unsigned int *a, unsigned int *b)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -errno;
	n = b ? fscanf(f, "%u %u", a, b) : fscanf(f, "%u", a);
	fclose(f);
	return n == (b ? 2 : 1) ? 0 : -EIO;
}

static int get_link(int ifindex, char *buf, size_t len)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} req = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		       .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	n = recv(fd, buf, len, 0);
	close(fd);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK((struct nlmsghdr *)buf, (unsigned int)n))
		return -EIO;
	if (((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *)buf);

		return e->error ? e->error : -EIO;
	}
	return (int)n;
}

/* The attribute of type t in [a, a + len) (nested attributes: pass RTA_DATA). */
static struct rtattr *find_attr(struct rtattr *a, int len, unsigned short t)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) == t)
			return a;
	return NULL;
}

static bool attr_u8(struct rtattr *data, int len, unsigned short t, __u8 *v)
{
	struct rtattr *a = find_attr(data, len, t);

	if (!a || RTA_PAYLOAD(a) < 1)
		return false;
	*v = *(__u8 *)RTA_DATA(a);
	return true;
}

#define UNSUPPORTED(...)                                                                           \
	do {                                                                                       \
		snprintf(why, why_len, __VA_ARGS__);                                               \
		return -EOPNOTSUPP;                                                                \
	} while (0)

int vsxd_vxlan_remote(const char *ifname, __be32 remote, struct vsx_tx_remote *out, char *why,
		      size_t why_len)
{
	char buf[NL_BUF];
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	struct rtattr *info, *kind, *data, *a;
	unsigned int lo, hi, ttl;
	int ifindex, len, dlen, err;
	__u8 v;

	if (why_len)
		why[0] = '\0';
	memset(out, 0, sizeof(*out));
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = get_link(ifindex, buf, sizeof(buf));
	if (err < 0)
		return err;
	len = (int)IFLA_PAYLOAD(n);
	info = find_attr(IFLA_RTA(NLMSG_DATA(n)), len, IFLA_LINKINFO);
	if (!info)
		return -EINVAL;
	kind = find_attr(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_KIND);
	data = find_attr(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_DATA);
	if (!kind || strncmp(RTA_DATA(kind), "vxlan", RTA_PAYLOAD(kind)) || !data)
		return -EINVAL;
	dlen = (int)RTA_PAYLOAD(data);
	data = RTA_DATA(data);

	if (attr_u8(data, dlen, IFLA_VXLAN_COLLECT_METADATA, &v) && v)
		UNSUPPORTED("%s is \"external\" (collect metadata): lwt decides the outer headers", ifname);
	if (find_attr(data, dlen, IFLA_VXLAN_GBP))
		UNSUPPORTED("%s uses the GBP extension", ifname);
	if (find_attr(data, dlen, IFLA_VXLAN_GPE))
		UNSUPPORTED("%s is VXLAN-GPE", ifname);
	if (attr_u8(data, dlen, IFLA_VXLAN_REMCSUM_TX, &v) && v)
		UNSUPPORTED("%s uses remote checksum offload", ifname);
	/* a u8 in the kernel's dump (0 or 1), a flag in requests */
	a = find_attr(data, dlen, VX_TTL_INHERIT);
	if (a && (RTA_PAYLOAD(a) == 0 || *(__u8 *)RTA_DATA(a)))
		UNSUPPORTED("%s has \"ttl inherit\"", ifname);
	if (attr_u8(data, dlen, VX_DF, &v)) {
		if (v == VX_DF_INHERIT)
			UNSUPPORTED("%s has \"df inherit\"", ifname);
		if (v == VX_DF_SET)
			out->flags |= VSX_TX_R_DF_SET;
	}
	if (find_attr(data, dlen, IFLA_VXLAN_LOCAL6) || find_attr(data, dlen, IFLA_VXLAN_GROUP6))
		UNSUPPORTED("%s has an IPv6 underlay", ifname);
	a = find_attr(data, dlen, IFLA_VXLAN_LOCAL);
	if (!a || RTA_PAYLOAD(a) < 4 || !*(__be32 *)RTA_DATA(a))
		UNSUPPORTED("%s has no \"local\" address (the route would choose it)", ifname);
	out->local = *(__be32 *)RTA_DATA(a);
	if (!remote) {
		a = find_attr(data, dlen, IFLA_VXLAN_GROUP);
		if (a && RTA_PAYLOAD(a) >= 4)
			remote = *(__be32 *)RTA_DATA(a);
	}
	if (!remote || IN_MULTICAST(ntohl(remote)))
		return -EINVAL;
	out->remote = remote;
	a = find_attr(data, dlen, IFLA_VXLAN_LINK);
	if (a && RTA_PAYLOAD(a) >= 4)
		out->uplink = *(__u32 *)RTA_DATA(a);
	a = find_attr(data, dlen, IFLA_VXLAN_PORT);
	out->dport = a && RTA_PAYLOAD(a) >= 2 ? *(__be16 *)RTA_DATA(a) : htons(8472);

	/* "srcport MIN MAX", or the local port range when unset (udp_flow_src_port()) */
	a = find_attr(data, dlen, IFLA_VXLAN_PORT_RANGE);
	if (a && RTA_PAYLOAD(a) >= sizeof(struct ifla_vxlan_port_range)) {
		struct ifla_vxlan_port_range *r = RTA_DATA(a);

		lo = ntohs(r->low);
		hi = ntohs(r->high);
	} else {
		lo = hi = 0;
	}
	if (lo >= hi) {
		err = read_uints("/proc/sys/net/ipv4/ip_local_port_range", &lo, &hi);
		if (err)
			return err;
	}
	out->port_min = (__u16)lo;
	out->port_max = (__u16)hi;

	/* "ttl N", or "ttl auto": the route's hop limit, net.ipv4.ip_default_ttl */
	if (!attr_u8(data, dlen, IFLA_VXLAN_TTL, &v))
		v = 0;
	if (!v) {
		err = read_uints("/proc/sys/net/ipv4/ip_default_ttl", &ttl, NULL);
		if (err)
			return err;
		v = (__u8)ttl;
	}
	out->ttl = v;

	/* "tos inherit" is tos 1 (vxlan_xmit_one()) */
	if (!attr_u8(data, dlen, IFLA_VXLAN_TOS, &v))
		v = 0;
	if (v == 1)
		out->flags |= VSX_TX_R_TOS_INHERIT;
	else
		out->tos = v;

	/* the kernel dumps udpcsum always; IPv4's default is on */
	if (!attr_u8(data, dlen, IFLA_VXLAN_UDP_CSUM, &v) || v)
		out->flags |= VSX_TX_R_UDP_CSUM;
	out->flags |= VSX_TX_R_VALID;
	return 0;
}
