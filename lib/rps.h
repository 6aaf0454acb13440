/* SPDX-License-Identifier: MIT */
/*
 * A device's RPS/RFS settings: per receive queue, the CPU mask of rps_cpus and the size of
 * rps_flow_cnt (RFS's per-queue flow table), as sysfs shows them under
 * <sysfs_net>/<ifname>/queues/rx-N/. vsxd owns them on a steered uplink: the kernel applies RPS
 * (and RFS, even with an empty mask) in netif_receive_skb(), after XDP, so they would move a
 * packet again after the datapath handed it to its core (docs/steering.md).
 *
 * Functions return 0 or a negative errno. sysfs_net is "/sys/class/net" outside tests.
 */
#ifndef VSX_RPS_H
#define VSX_RPS_H

#include <stdbool.h>
#include <stddef.h>

#define VSX_RPS_MAX_QUEUES 256
#define VSX_RPS_MASK_MAX 160 /* 1024 CPUs as sysfs prints them: 32 groups of 8 hex digits */

struct vsx_rps_queue {
	unsigned int index;	     /* N of rx-N */
	char cpus[VSX_RPS_MASK_MAX]; /* rps_cpus as sysfs prints it: hex groups, comma-separated */
	unsigned long flow_cnt;	     /* rps_flow_cnt */
};

struct vsx_rps_state {
	unsigned int n;
	struct vsx_rps_queue q[VSX_RPS_MAX_QUEUES];
};

/* Reads every rx queue of ifname, sorted by index. -EOPNOTSUPP: the kernel has no RPS. */
int vsx_rps_read(const char *sysfs_net, const char *ifname, struct vsx_rps_state *st);

/* Writes each queue's settings; stops at the first failure (returned). */
int vsx_rps_write(const char *sysfs_net, const char *ifname, const struct vsx_rps_state *st);

/* True when no queue moves packets: every mask is zero and no flow table is set. */
bool vsx_rps_is_off(const struct vsx_rps_state *st);

/* The same queues with RPS and RFS off. */
void vsx_rps_off(const struct vsx_rps_state *in, struct vsx_rps_state *out);

/* One line per queue: "rx-N cpus=MASK flow_cnt=N". The inverse of vsx_rps_parse(). */
int vsx_rps_format(const struct vsx_rps_state *st, char *buf, size_t len);

/*
 * Parses vsx_rps_format()'s text (vsxd's saved copy of the settings it replaced). Strict: bad
 * lines, masks that are not hex groups, repeated queues and too many queues are -EINVAL, with
 * the reason in msg.
 */
int vsx_rps_parse(const char *text, struct vsx_rps_state *st, char *msg, size_t msglen);

/* True when the two states set the same masks (compared as numbers) and flow counts. */
bool vsx_rps_equal(const struct vsx_rps_state *a, const struct vsx_rps_state *b);

#endif
