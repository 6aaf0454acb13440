// SPDX-License-Identifier: MIT
/*
 * vmport_ctl: the TX fast path (vsxd/dp_vmport.c) from the command line, one operation per
 * run, for tests/ns/test_offload_tx.sh and benchmarks that drive the TX fast path without
 * vsxd. State lives in PIN_DIR (a bpffs directory): every run reopens the pinned maps, and
 * attached programs stay attached between runs.
 *
 * Usage: vmport_ctl PIN_DIR COMMAND ARGS...
 *   port PORT IFNAME VNI MAC MTU      write vsx_vm_port[PORT] (the datapath's map; pinned
 *                                     here when no datapath pinned it)
 *   attach PORT IFNAME                load + attach the program on IFNAME (VM port PORT)
 *   detach IFNAME                     detach the vsx_vmport on IFNAME
 *   remote ID VXLAN_IFNAME [IP]       remote ID as VXLAN_IFNAME sends to IP (default: its remote)
 *   put-dst PORT MAC REMOTE VNI FLOW [RATE_ID]
 *                                     entry: frames from PORT to MAC go to REMOTE
 *   del-dst PORT MAC
 *   rate RATE_ID BPS PPS BURST_US     a token bucket of vsx_tx_rate
 *   counters FLOW                     one line: packets= bytes= refused= rate_dropped= tcp_flags=
 *   stats                             one line: NAME=N for every reason counter
 *   teardown                          remove the TX maps' pins (detach the ports first)
 * Exit status 0, 1 (the operation failed: the message says why), 2 (bad arguments).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "../vsxd/dp_vmport.c"
#include "../vsxd/vmport_vxlan.c"

static const char *const stat_names[VSX_TX_STAT_COUNT] = {
	[VSX_TX_STAT_SEEN] = "seen",
	[VSX_TX_STAT_HIT] = "hit",
	[VSX_TX_STAT_NO_PORT] = "no_port",
	[VSX_TX_STAT_NOT_IP] = "not_ip",
	[VSX_TX_STAT_MCAST] = "mcast",
	[VSX_TX_STAT_MISS] = "miss",
	[VSX_TX_STAT_SPOOF] = "spoof",
	[VSX_TX_STAT_VNI] = "vni",
	[VSX_TX_STAT_FRAG] = "frag",
	[VSX_TX_STAT_TCP_FIN_RST] = "tcp_fin_rst",
	[VSX_TX_STAT_NO_REMOTE] = "no_remote",
	[VSX_TX_STAT_FIB_MISS] = "fib_miss",
	[VSX_TX_STAT_FIB_UPLINK] = "fib_uplink",
	[VSX_TX_STAT_MTU] = "mtu",
	[VSX_TX_STAT_NO_ROOM] = "no_room",
	[VSX_TX_STAT_RATE_DROP] = "rate_drop",
	[VSX_TX_STAT_HASH_FALLBACK] = "hash_fallback",
	[VSX_TX_STAT_FCF_WRITTEN] = "fcf_written",
	[VSX_TX_STAT_L4_CSUM] = "l4_csum",
	[VSX_TX_STAT_FDB_REFRESH] = "fdb_refresh",
	[VSX_TX_STAT_IP_LEN] = "ip_len",
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vmport_ctl PIN_DIR COMMAND ARGS...\n"
		   "  port PORT IFNAME VNI MAC MTU | attach PORT IFNAME | detach IFNAME\n"
		   "  remote ID VXLAN_IFNAME [IP] | put-dst PORT MAC REMOTE VNI FLOW [RATE_ID]\n"
		   "  del-dst PORT MAC | rate RATE_ID BPS PPS BURST_US | counters FLOW | stats\n"
		   "  teardown\n");
}

static int num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *out > max) {
		fprintf(stderr, "vmport_ctl: bad number '%s' (0..%llu)\n", s, max);
		return -1;
	}
	return 0;
}

static int parse_mac(const char *s, __u8 m[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		fprintf(stderr, "vmport_ctl: bad MAC '%s'\n", s);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		m[i] = (__u8)b[i];
	return 0;
}

static int dst_key(const char *port, const char *mac, struct vsx_tx_key *k)
{
	unsigned long long v;

	memset(k, 0, sizeof(*k));
	if (num(port, VSX_MAX_VM_PORTS - 1, &v) || parse_mac(mac, k->dl_dst))
		return -1;
	k->port = (__u32)v;
	k->kind = VSX_TX_KEY_DST;
	return 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "vmport_ctl: %s: %s\n", what, strerror(-err));
	return 1;
}

static int run(struct vsxd_vmport *vp, int argc, char **argv)
{
	const char *cmd = argv[0];
	unsigned long long a, b, c, d;
	int err;

	if (!strcmp(cmd, "port") && argc == 6) {
		struct vsx_vm_port p = { .flags = VSX_PORT_F_VALID };

		if (num(argv[1], VSX_MAX_VM_PORTS - 1, &a) || num(argv[3], 0xffffff, &b) ||
		    parse_mac(argv[4], p.mac) || num(argv[5], 65535, &c))
			return 2;
		p.ifindex = if_nametoindex(argv[2]);
		if (!p.ifindex)
			return fail(argv[2], -ENODEV);
		p.vni = htonl((__u32)b);
		p.mtu = (__u16)c;
		err = vsxd_vmport_port_write(vp, (__u32)a, &p);
		if (!err)
			err = vsxd_vmport_pin_shared(vp);
		return err ? fail("port", err) : 0;
	}
	if (!strcmp(cmd, "attach") && argc == 3) {
		if (num(argv[1], VSX_MAX_VM_PORTS - 1, &a))
			return 2;
		err = vsxd_vmport_attach(vp, (__u32)a, argv[2]);
		return err ? fail("attach", err) : 0;
	}
	if (!strcmp(cmd, "detach") && argc == 2) {
		err = vsxd_vmport_detach_ifname(vp, argv[1]);
		return err ? fail("detach", err) : 0;
	}
	if (!strcmp(cmd, "remote") && (argc == 3 || argc == 4)) {
		struct vsx_tx_remote r;
		struct in_addr ip = { 0 };
		char why[160];

		if (num(argv[1], VSX_TX_MAX_REMOTES - 1, &a) ||
		    (argc == 4 && inet_pton(AF_INET, argv[3], &ip) != 1))
			return 2;
		err = vsxd_vxlan_remote(argv[2], ip.s_addr, &r, why, sizeof(why));
		if (err) {
			fprintf(stderr, "vmport_ctl: %s: %s\n", argv[2], why[0] ? why : strerror(-err));
			return 1;
		}
		err = vsxd_vmport_remote_set(vp, (__u32)a, &r);
		return err ? fail("remote", err) : 0;
	}
	if (!strcmp(cmd, "put-dst") && (argc == 6 || argc == 7)) {
		struct vsx_tx_key k;
		struct vsx_tx_entry e = { 0 };

		if (dst_key(argv[1], argv[2], &k) || num(argv[3], VSX_TX_MAX_REMOTES - 1, &a) ||
		    num(argv[4], 0xffffff, &b) || num(argv[5], VSX_TX_MAX_FLOWS - 1, &c) ||
		    (argc == 7 && num(argv[6], VSX_RATE_MAX_BUCKETS - 1, &d)))
			return 2;
		e.remote = (__u32)a;
		e.vni = htonl((__u32)b);
		e.flow_id = (__u32)c;
		if (argc == 7) {
			e.flags = VSX_TX_F_RATE;
			e.rate_id = (__u32)d;
		}
		err = vsxd_vmport_put(vp, &k, &e);
		return err ? fail("put-dst", err) : 0;
	}
	if (!strcmp(cmd, "del-dst") && argc == 3) {
		struct vsx_tx_key k;

		if (dst_key(argv[1], argv[2], &k))
			return 2;
		err = vsxd_vmport_del(vp, &k);
		return err ? fail("del-dst", err) : 0;
	}
	if (!strcmp(cmd, "rate") && argc == 5) {
		struct vsx_rate_limit l = { 0 };

		if (num(argv[1], VSX_RATE_MAX_BUCKETS - 1, &a) || num(argv[2], ~0ULL, &l.bits_per_s) ||
		    num(argv[3], ~0ULL, &l.pkts_per_s) || num(argv[4], 0xffffffff, &b))
			return 2;
		l.burst_us = (__u32)b;
		err = vsxd_vmport_rate_set(vp, (__u32)a, &l);
		return err ? fail("rate", err) : 0;
	}
	if (!strcmp(cmd, "counters") && argc == 2) {
		struct vsx_offload_counters o;

		if (num(argv[1], VSX_TX_MAX_FLOWS - 1, &a))
			return 2;
		err = vsxd_vmport_counters(vp, (__u32)a, &o);
		if (err)
			return fail("counters", err);
		printf("packets=%llu bytes=%llu refused=%llu rate_dropped=%llu tcp_flags=0x%02x\n",
		       (unsigned long long)o.packets, (unsigned long long)o.bytes,
		       (unsigned long long)o.refused, (unsigned long long)o.rate_dropped, o.tcp_flags);
		return 0;
	}
	if (!strcmp(cmd, "stats") && argc == 1) {
		__u64 s[VSX_TX_STAT_COUNT];

		err = vsxd_vmport_stats(vp, s);
		if (err)
			return fail("stats", err);
		for (int i = 0; i < VSX_TX_STAT_COUNT; i++)
			printf("%s%s=%llu", i ? " " : "", stat_names[i], (unsigned long long)s[i]);
		printf("\n");
		return 0;
	}
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct vsxd_vmport *vp;
	int rc, err;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	err = vsxd_vmport_open(&vp, argv[1]);
	if (err)
		return fail("open", err);
	if (!strcmp(argv[2], "teardown") && argc == 3) {
		vsxd_vmport_close(vp, false);
		return 0;
	}
	rc = run(vp, argc - 2, argv + 2);
	vsxd_vmport_close(vp, true);
	return rc;
}
