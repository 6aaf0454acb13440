// SPDX-License-Identifier: MIT
/*
 * lib/xdp_target: whether a port can take XDP-redirected frames, on real veth and tap
 * devices in a private network namespace (unshare): a veth whose peer is down, up without
 * GRO or XDP, with GRO, with an XDP program; a tap with and without a process holding it.
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for the namespace): skips otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_target.h"

static int sh(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full);
}

static int check(const char *name, char *why, size_t len)
{
	return vsx_xdp_target_check(if_nametoindex(name), why, len);
}

/* An XDP program that passes everything, for the peer. */
static int pass_prog(void)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "pass", "MIT", insns, 2, NULL);
}

static void veth_peer(void **state)
{
	char why[160];
	int prog;

	(void)state;
	assert_int_equal(sh("ip link add xt0 type veth peer name xt1"), 0);
	assert_int_equal(sh("ip link set xt0 up"), 0);
	/* peer down: no carrier, no NAPI */
	assert_int_equal(check("xt0", why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "carrier"));
	/* peer up, GRO off (veth's default), no XDP: veth_xdp_xmit refuses */
	assert_int_equal(sh("ip link set xt1 up"), 0);
	assert_int_equal(sh("ethtool -K xt1 gro off"), 0);
	assert_int_equal(check("xt0", why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "redirected"));
	/* GRO on the peer: NAPI */
	assert_int_equal(sh("ethtool -K xt1 gro on"), 0);
	assert_int_equal(check("xt0", why, sizeof(why)), 0);
	assert_int_equal(sh("ethtool -K xt1 gro off"), 0);
	assert_int_equal(check("xt0", why, sizeof(why)), -EOPNOTSUPP);
	/* an XDP program on the peer: NAPI */
	prog = pass_prog();
	assert_true(prog >= 0);
	assert_int_equal(bpf_xdp_attach((int)if_nametoindex("xt1"), prog, XDP_FLAGS_DRV_MODE, NULL),
			 0);
	assert_int_equal(check("xt0", why, sizeof(why)), 0);
	/* the peer goes down: carrier off although the program stays */
	assert_int_equal(sh("ip link set xt1 down"), 0);
	assert_int_equal(check("xt0", why, sizeof(why)), -EOPNOTSUPP);
	assert_int_equal(bpf_xdp_detach((int)if_nametoindex("xt1"), XDP_FLAGS_DRV_MODE, NULL), 0);
	close(prog);
	/* the port itself down */
	assert_int_equal(sh("ip link set xt1 up"), 0);
	assert_int_equal(sh("ip link set xt0 down"), 0);
	assert_int_equal(check("xt0", why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "down"));
	assert_int_equal(sh("ip link del xt0"), 0);
}

static void tap_queue(void **state)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	char why[160];
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	(void)state;
	if (fd < 0)
		skip();
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "xtap0");
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 1), 0);
	assert_int_equal(sh("ip link set xtap0 up"), 0);
	/* a process holds the queue: tun_xdp_xmit has a queue to put frames on */
	assert_int_equal(check("xtap0", why, sizeof(why)), 0);
	close(fd);
	/* nobody holds it: no queue, no carrier */
	assert_int_equal(check("xtap0", why, sizeof(why)), -EOPNOTSUPP);
	assert_int_equal(sh("ip link del xtap0"), 0);
}

static void no_such_port(void **state)
{
	char why[160];

	(void)state;
	assert_int_equal(vsx_xdp_target_check(0, why, sizeof(why)), -ENODEV);
	assert_int_equal(vsx_xdp_target_check(987654, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "no such"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(veth_peer),
	    cmocka_unit_test(tap_queue),
	    cmocka_unit_test(no_such_port),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET)) {
		fprintf(stderr, "needs root to make a private network namespace\n");
		return 77;
	}
	if (sh("ip link set lo up") || sh("command -v ethtool")) {
		fprintf(stderr, "needs ip and ethtool\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
