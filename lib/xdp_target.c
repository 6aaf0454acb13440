// SPDX-License-Identifier: MIT
/* Whether an interface can take XDP-redirected frames (xdp_target.h): two netlink questions. */
#include "xdp_target.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

/*
 * include/uapi/linux/netdev.h (Linux 6.3+), absent from older userspace headers; the values
 * are uapi and fixed.
 */
#define VSX_NETDEV_FAMILY "netdev"
#define VSX_NETDEV_CMD_DEV_GET 1
#define VSX_NETDEV_A_DEV_IFINDEX 1
#define VSX_NETDEV_A_DEV_XDP_FEATURES 3
#define VSX_NETDEV_XDP_ACT_NDO_XMIT (1ULL << 2)

#define NL_BUF 8192

struct nl_req {
	struct nlmsghdr n;
	union {
		struct genlmsghdr g;
		struct ifinfomsg i;
	};
	char attrs[64];
};

static void put_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Sends r and reads its one reply into buf; the reply's payload, or NULL with *err set. */
static struct nlmsghdr *transact(int fd, struct nl_req *r, char *buf, int *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr *h;
	ssize_t n;

	r->n.nlmsg_flags |= NLM_F_REQUEST;
	r->n.nlmsg_seq = 1;
	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*err = -errno;
		return NULL;
	}
	n = recv(fd, buf, NL_BUF, 0);
	if (n < 0) {
		*err = -errno;
		return NULL;
	}
	h = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (unsigned int)n)) {
		*err = -EIO;
		return NULL;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		*err = e->error ? e->error : -EIO;
		return NULL;
	}
	return h;
}

/* The first attribute of type in [start, end), or NULL. */
static const struct nlattr *find_attr(const char *start, const char *end, unsigned short type)
{
	while (start + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)start;

		if (a->nla_len < NLA_HDRLEN || start + a->nla_len > end)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		start += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static int netlink_socket(int proto)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	struct timeval tv = {.tv_sec = 2};

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* The interface's flags (IFF_UP, IFF_LOWER_UP, ...), from rtnetlink. */
static int link_flags(unsigned int ifindex, unsigned int *flags)
{
	static char buf[NL_BUF] __attribute__((aligned(8)));
	struct nl_req r = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_GETLINK}};
	int fd = netlink_socket(NETLINK_ROUTE), err = 0;
	struct nlmsghdr *h;

	if (fd < 0)
		return -errno;
	r.i.ifi_family = AF_UNSPEC;
	r.i.ifi_index = (int)ifindex;
	h = transact(fd, &r, buf, &err);
	close(fd);
	if (!h)
		return err;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EIO;
	*flags = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_flags;
	return 0;
}

/* The netdev family's XDP features of the interface. */
static int xdp_features(unsigned int ifindex, uint64_t *features)
{
	static char buf[NL_BUF] __attribute__((aligned(8)));
	struct nl_req r = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL}};
	const struct nlattr *a;
	int fd = netlink_socket(NETLINK_GENERIC), err = 0;
	struct nlmsghdr *h;
	uint16_t family;
	uint32_t idx = ifindex;

	if (fd < 0)
		return -errno;
	r.g.cmd = CTRL_CMD_GETFAMILY;
	r.g.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, VSX_NETDEV_FAMILY, sizeof(VSX_NETDEV_FAMILY));
	h = transact(fd, &r, buf, &err);
	a = h ? find_attr((char *)NLMSG_DATA(h) + GENL_HDRLEN, (char *)h + h->nlmsg_len,
			  CTRL_ATTR_FAMILY_ID)
	      : NULL;
	if (!a || a->nla_len < NLA_HDRLEN + sizeof(family)) {
		close(fd);
		return h ? -EIO : (err == -ENOENT ? -EOPNOTSUPP : err); /* no netdev family */
	}
	memcpy(&family, (const char *)a + NLA_HDRLEN, sizeof(family));

	memset(&r, 0, sizeof(r));
	r.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.n.nlmsg_type = family;
	r.g.cmd = VSX_NETDEV_CMD_DEV_GET;
	r.g.version = 1;
	put_attr(&r, VSX_NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	h = transact(fd, &r, buf, &err);
	close(fd);
	if (!h)
		return err;
	a = find_attr((char *)NLMSG_DATA(h) + GENL_HDRLEN, (char *)h + h->nlmsg_len,
		      VSX_NETDEV_A_DEV_XDP_FEATURES);
	if (!a || a->nla_len < NLA_HDRLEN + sizeof(*features))
		return -EIO;
	memcpy(features, (const char *)a + NLA_HDRLEN, sizeof(*features));
	return 0;
}

int vsx_xdp_target_check(unsigned int ifindex, char *why, size_t len)
{
	unsigned int flags = 0;
	uint64_t features = 0;
	int err;

	if (len)
		why[0] = '\0';
	if (!ifindex) {
		snprintf(why, len, "no interface");
		return -ENODEV;
	}
	err = link_flags(ifindex, &flags);
	if (err) {
		snprintf(why, len, "%s", err == -ENODEV ? "no such interface" : strerror(-err));
		return err;
	}
	if (!(flags & IFF_UP)) {
		snprintf(why, len, "the port is down");
		return -EOPNOTSUPP;
	}
	if (!(flags & IFF_LOWER_UP)) {
		snprintf(why, len,
			 "the port has no carrier (veth: peer down; tap: no process "
			 "has it open)");
		return -EOPNOTSUPP;
	}
	err = xdp_features(ifindex, &features);
	if (err == -EOPNOTSUPP) {
		snprintf(why, len,
			 "the kernel does not report XDP features (netdev netlink "
			 "family, Linux 6.3+)");
		return err;
	}
	if (err) {
		snprintf(why, len, "reading the port's XDP features: %s", strerror(-err));
		return err;
	}
	if (!(features & VSX_NETDEV_XDP_ACT_NDO_XMIT)) {
		snprintf(why, len,
			 "the port cannot take redirected frames (veth: its peer needs "
			 "an XDP program or GRO on)");
		return -EOPNOTSUPP;
	}
	return 0;
}
