// SPDX-License-Identifier: MIT
/*
 * vsxd's TX fast path tables (vsxd/dp_vmport.c) and the VXLAN device reader
 * (vsxd/vmport_vxlan.c), on private maps and in a private network namespace: argument
 * checks and their return codes, entries added, replaced, deleted and cleared, and the
 * settings read from kernel VXLAN devices made with every option the fast path mirrors or
 * refuses. Traffic through the program is tests/bpf/test_vmport.c's and
 * tests/ns/test_offload_tx.sh's. Needs root (BPF maps, namespaces); skipped otherwise.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <cmocka.h>

#include <vsx/rate.h>

#include "dp_provider.h"
#include "../../vsxd/dp_vmport.h"
#include "../../vsxd/vmport_vxlan.h"

static struct vsxd_vmport *vp;

static int setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
		return -1;
	return vsxd_vmport_open(&vp, NULL);
}

static int teardown(void **state)
{
	vsxd_vmport_close(vp, false);
	return 0;
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

static struct vsx_tx_key dst_key(__u32 port, __u8 last)
{
	struct vsx_tx_key k = { .port = port, .kind = VSX_TX_KEY_DST,
				.dl_dst = { 2, 0, 0, 0, 2, last } };

	return k;
}

static struct vsx_tx_key flow_key(__u32 port)
{
	struct vsx_tx_key k = { .port = port, .kind = VSX_TX_KEY_FLOW, .nw_proto = 17,
				.dl_type = htons(0x0800), .tp_src = htons(1), .tp_dst = htons(2),
				.dl_dst = { 2, 0, 0, 0, 2, 1 } };

	k.nw_src[0] = htonl(0x0a010001);
	k.nw_dst[0] = htonl(0x0a010002);
	return k;
}

static void test_put_checks(void **state)
{
	SKIP_UNLESS_ROOT();
	struct vsx_tx_entry e = { .remote = 1, .vni = htonl(100), .flow_id = 5 };
	struct vsx_tx_key k;

	k = dst_key(1, 1);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0); /* replace */
	k = flow_key(1);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0);

	/* the key */
	k = dst_key(0, 1);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = dst_key(VSX_MAX_VM_PORTS, 1);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = dst_key(1, 1);
	k.kind = 3;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = dst_key(1, 1);
	k.tp_dst = htons(80); /* a field the DST kind does not use */
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = dst_key(1, 1);
	k._pad = 1;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = flow_key(1);
	k.nw_src[2] = 1; /* IPv4 in word 0 only */
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = flow_key(1);
	k.dl_type = htons(0x0806);
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	k = flow_key(1);
	k.dl_type = htons(0x86dd);
	k.nw_src[2] = 1;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0);

	/* the entry */
	k = dst_key(1, 2);
	e.remote = 0;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.remote = VSX_TX_MAX_REMOTES;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.remote = 1;
	e.flow_id = 0;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.flow_id = VSX_TX_MAX_FLOWS;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.flow_id = 5;
	e.flags = 1 << 7;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.flags = VSX_TX_F_RATE;
	e.rate_id = VSX_RATE_MAX_BUCKETS;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), -EINVAL);
	e.rate_id = VSX_RATE_MAX_BUCKETS - 1;
	assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0);
}

static void test_del_clear_counters(void **state)
{
	SKIP_UNLESS_ROOT();
	struct vsx_tx_entry e = { .remote = 2, .vni = htonl(7), .flow_id = 9 };
	struct vsx_offload_counters c;
	__u64 s[VSX_TX_STAT_COUNT];
	struct vsx_tx_key k;
	int n;

	assert_true(vsxd_vmport_clear(vp) >= 0);
	for (__u8 i = 1; i <= 3; i++) {
		k = dst_key(2, i);
		e.flow_id = 9 + i;
		assert_int_equal(vsxd_vmport_put(vp, &k, &e), 0);
	}
	k = dst_key(2, 1);
	assert_int_equal(vsxd_vmport_del(vp, &k), 0);
	assert_int_equal(vsxd_vmport_del(vp, &k), -ENOENT);
	n = vsxd_vmport_clear(vp);
	assert_int_equal(n, 2);
	k = dst_key(2, 2);
	assert_int_equal(vsxd_vmport_del(vp, &k), -ENOENT);
	assert_int_equal(vsxd_vmport_clear(vp), 0);

	/* a new flow's counters are zero; ids are checked */
	assert_int_equal(vsxd_vmport_counters(vp, 10, &c), 0);
	assert_int_equal(c.packets + c.bytes + c.refused + c.rate_dropped, 0);
	assert_int_equal(vsxd_vmport_counters(vp, 0, &c), -EINVAL);
	assert_int_equal(vsxd_vmport_counters(vp, VSX_TX_MAX_FLOWS, &c), -EINVAL);
	assert_int_equal(vsxd_vmport_stats(vp, s), 0);
	assert_int_equal(s[VSX_TX_STAT_HIT], 0);
}

static void test_remote_rate_attach_checks(void **state)
{
	SKIP_UNLESS_ROOT();
	struct vsx_tx_remote r = { .local = htonl(0xc0a86301), .remote = htonl(0xc0a86302),
				   .dport = htons(4789), .port_min = 32768, .port_max = 60999,
				   .ttl = 64, .flags = VSX_TX_R_UDP_CSUM };
	struct vsx_rate_limit l = { .bits_per_s = 1000000, .burst_us = 1000 };

	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), 0); /* uplink 0: any */
	assert_int_equal(vsxd_vmport_remote_set(vp, 0, &r), -EINVAL);
	assert_int_equal(vsxd_vmport_remote_set(vp, VSX_TX_MAX_REMOTES, &r), -EINVAL);
	r.ttl = 0;
	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), -EINVAL);
	r.ttl = 64;
	r.port_min = 61000;
	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), -EINVAL);
	r.port_min = 32768;
	r.flags |= 1u << 20;
	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), -EINVAL);
	r.flags = VSX_TX_R_UDP_CSUM;
	/* lo cannot take redirected frames; a missing device is -ENODEV */
	r.uplink = 1;
	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), -EOPNOTSUPP);
	r.uplink = 9999;
	assert_int_equal(vsxd_vmport_remote_set(vp, 1, &r), -ENODEV);
	assert_int_equal(vsxd_vmport_remote_del(vp, 1), 0);
	assert_int_equal(vsxd_vmport_remote_del(vp, 0), -EINVAL);

	assert_int_equal(vsxd_vmport_rate_set(vp, 3, &l), 0);
	assert_int_equal(vsxd_vmport_rate_set(vp, 3, NULL), 0);
	assert_int_equal(vsxd_vmport_rate_set(vp, VSX_RATE_MAX_BUCKETS, &l), -EINVAL);
	l.bits_per_s = VSX_RATE_MAX_BPS + 1;
	assert_int_equal(vsxd_vmport_rate_set(vp, 3, &l), -EINVAL);

	assert_int_equal(vsxd_vmport_attach(vp, 0, "lo"), -EINVAL);
	assert_int_equal(vsxd_vmport_attach(vp, 1, "no-such-dev"), -ENODEV);
	assert_int_equal(vsxd_vmport_detach(vp, 1), -ENOENT);
	assert_int_equal(vsxd_vmport_detach_ifname(vp, "lo"), -ENOENT);
}

/* ---- the VXLAN device reader ---- */

static int vx(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ip link del vxt 2>/dev/null; ip link add vxt type vxlan %s",
		 args);
	return system(cmd);
}

static unsigned int sysctl_u(const char *path, int field)
{
	unsigned int a = 0, b = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_true(fscanf(f, "%u %u", &a, &b) >= 1);
	fclose(f);
	return field ? b : a;
}

static void test_vxlan_reader(void **state)
{
	SKIP_UNLESS_ROOT();
	struct vsx_tx_remote r;
	char why[160];
	int upl;

	assert_int_equal(system("ip link add vxup type veth peer name vxupp && "
				"ip addr add 192.168.77.1/24 dev vxup"),
			 0);
	upl = (int)if_nametoindex("vxup");

	/* as the lab makes it */
	assert_int_equal(vx("id 100 dstport 4789 local 192.168.77.1 remote 192.168.77.2 dev vxup "
			    "tos inherit"),
			 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), 0);
	assert_int_equal(r.local, htonl(0xc0a84d01));
	assert_int_equal(r.remote, htonl(0xc0a84d02));
	assert_int_equal(r.uplink, upl);
	assert_int_equal(r.dport, htons(4789));
	assert_int_equal(r.port_min, sysctl_u("/proc/sys/net/ipv4/ip_local_port_range", 0));
	assert_int_equal(r.port_max, sysctl_u("/proc/sys/net/ipv4/ip_local_port_range", 1));
	assert_int_equal(r.ttl, sysctl_u("/proc/sys/net/ipv4/ip_default_ttl", 0));
	assert_int_equal(r.flags, VSX_TX_R_VALID | VSX_TX_R_UDP_CSUM | VSX_TX_R_TOS_INHERIT);
	/* a remote given by the caller (an FDB entry's) wins */
	assert_int_equal(vsxd_vxlan_remote("vxt", htonl(0xc0a84d09), &r, why, sizeof(why)), 0);
	assert_int_equal(r.remote, htonl(0xc0a84d09));

	/* every setting it mirrors, away from its default */
	assert_int_equal(vx("id 5 dstport 8000 local 192.168.77.1 remote 192.168.77.3 ttl 9 tos 0x20 "
			    "noudpcsum srcport 5000 6000 df set"),
			 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), 0);
	assert_int_equal(r.dport, htons(8000));
	assert_int_equal(r.port_min, 5000);
	assert_int_equal(r.port_max, 6000);
	assert_int_equal(r.ttl, 9);
	assert_int_equal(r.tos, 0x20);
	assert_int_equal(r.uplink, 0);
	assert_int_equal(r.flags, VSX_TX_R_VALID | VSX_TX_R_DF_SET);

	/* what it refuses, with a reason */
	assert_int_equal(vx("id 6 dstport 4789 local 192.168.77.1 remote 192.168.77.2 ttl inherit"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "ttl inherit"));
	assert_int_equal(vx("id 6 dstport 4789 local 192.168.77.1 remote 192.168.77.2 df inherit"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "df inherit"));
	assert_int_equal(vx("id 6 dstport 4789 remote 192.168.77.2"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "local"));
	assert_int_equal(vx("external dstport 4789"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	assert_int_equal(vx("id 6 dstport 4789 local 192.168.77.1 remote 192.168.77.2 gbp"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	assert_int_equal(vx("id 6 dstport 4789 local fd00::1 remote fd00::2"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EOPNOTSUPP);
	/* no remote anywhere, a multicast group */
	assert_int_equal(vx("id 6 dstport 4789 local 192.168.77.1 nolearning"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EINVAL);
	assert_int_equal(vx("id 6 dstport 4789 local 192.168.77.1 group 239.1.1.1 dev vxup"), 0);
	assert_int_equal(vsxd_vxlan_remote("vxt", 0, &r, why, sizeof(why)), -EINVAL);
	/* not a VXLAN device, no device */
	assert_int_equal(vsxd_vxlan_remote("vxup", 0, &r, why, sizeof(why)), -EINVAL);
	assert_int_equal(vsxd_vxlan_remote("no-such-dev", 0, &r, why, sizeof(why)), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_checks),
		cmocka_unit_test(test_del_clear_counters),
		cmocka_unit_test(test_remote_rate_attach_checks),
		cmocka_unit_test(test_vxlan_reader),
	};
	return cmocka_run_group_tests_name("vsxd_vmport", tests, setup, teardown);
}
