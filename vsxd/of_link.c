// SPDX-License-Identifier: MIT
/*
 * Link events: a NETLINK_ROUTE socket in the link group on vsxd's loop. Any link message (a
 * VM's tap coming or going, a port going down) makes the switch compare its ports with the
 * last report (vsxd_of_ports_changed): cheap, and it needs no parsing of the messages.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "openflow.h"

static void readable(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct vsxd *d = ctx;
	char buf[8192];
	bool any = false;

	(void)loop;
	(void)revents;
	for (int i = 0; i < 64; i++) { /* drain, bounded: the loop serves the others too */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			any = true;
			continue;
		}
		if (n < 0 && errno == ENOBUFS) { /* overrun: events lost, the comparison sees all */
			any = true;
			continue;
		}
		break;
	}
	if (any) {
		vsxd_of_ports_changed(d);
		vsxd_of_send_all(d);
	}
}

int vsxd_of_link_open(struct vsxd *d)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    vsx_loop_add_fd(d->loop, fd, POLLIN, readable, d)) {
		log_warn("openflow: no link events (%s): ports are checked every second only",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->of->nl_fd = fd;
	return 0;
}

void vsxd_of_link_close(struct vsxd *d)
{
	if (d->of->nl_fd < 0)
		return;
	if (d->loop)
		vsx_loop_del_fd(d->loop, d->of->nl_fd);
	close(d->of->nl_fd);
	d->of->nl_fd = -1;
}
