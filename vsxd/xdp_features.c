// SPDX-License-Identifier: MIT
/*
 * Whether a VM port can take frames redirected by XDP (vsxd_dp_port_check, datapath.h): the
 * device's XDP features as the kernel reports them over the "netdev" generic netlink family
 * (NETDEV_CMD_DEV_GET, Linux >= 6.3). NETDEV_XDP_ACT_NDO_XMIT is the one that matters: for a
 * veth the kernel sets it only while the peer can receive them (an XDP program or GRO on the
 * peer gives it the NAPI instance redirected frames are queued to: veth_set_xdp_features),
 * so a promotion to a port without it would lose every frame after the verdict. libbpf 1.1
 * (Debian 12) has no bpf_xdp_query() feature flags, hence this small client.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "datapath.h"

/* include/uapi/linux/netdev.h (not in Debian 12's headers) */
#define VSX_NETDEV_FAMILY "netdev"
#define VSX_NETDEV_CMD_DEV_GET 1
#define VSX_NETDEV_A_DEV_IFINDEX 1
#define VSX_NETDEV_A_DEV_XDP_FEATURES 3
#define VSX_NETDEV_XDP_ACT_NDO_XMIT (1ull << 2)

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void put_attr(struct genl_req *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * Sends r and finds attribute `want` in the reply's top level: copies up to len bytes of it
 * into out. 0, -ENOENT without it, or the kernel's error (-ENODEV: no such device).
 */
static int genl_call(int fd, struct genl_req *r, uint16_t want, void *out, size_t len)
{
	char buf[8192] __attribute__((aligned(8)));
	struct nlmsghdr *nh;
	ssize_t n;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		struct nlattr *a;
		int rem;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : -ENOENT;
		}
		a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
		rem = (int)nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
			if ((a->nla_type & NLA_TYPE_MASK) == want) {
				size_t alen = a->nla_len - NLA_HDRLEN;

				memcpy(out, (char *)a + NLA_HDRLEN, alen < len ? alen : len);
				return 0;
			}
			rem -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return -ENOENT;
}

/* The device's XDP features (NETDEV_XDP_ACT_*), or a negative errno. */
static int xdp_features(__u32 ifindex, uint64_t *features)
{
	struct genl_req r;
	uint16_t family = 0;
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = GENL_ID_CTRL;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.gh.cmd = CTRL_CMD_GETFAMILY;
	r.gh.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, VSX_NETDEV_FAMILY, sizeof(VSX_NETDEV_FAMILY));
	err = genl_call(fd, &r, CTRL_ATTR_FAMILY_ID, &family, sizeof(family));
	if (err) {
		close(fd);
		return err == -ENOENT ? -EOPNOTSUPP : err; /* a kernel before 6.3 */
	}
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = family;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.gh.cmd = VSX_NETDEV_CMD_DEV_GET;
	r.gh.version = 1;
	put_attr(&r, VSX_NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(ifindex));
	*features = 0;
	err = genl_call(fd, &r, VSX_NETDEV_A_DEV_XDP_FEATURES, features, sizeof(*features));
	close(fd);
	return err == -ENOENT ? 0 : err;
}

int vsxd_dp_port_check(struct vsxd_datapath *dp, __u32 ifindex)
{
	uint64_t f;
	int err;

	(void)dp;
	if (!ifindex)
		return -ENODEV;
	err = xdp_features(ifindex, &f);
	if (err)
		return err == -EINVAL ? -ENODEV : err;
	return f & VSX_NETDEV_XDP_ACT_NDO_XMIT ? 0 : -EOPNOTSUPP;
}
