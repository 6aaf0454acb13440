// SPDX-License-Identifier: MIT
/*
 * The TX fast path (bpf/vmport.bpf.c) through BPF_PROG_TEST_RUN, against the kernel itself.
 *
 * The test runs in a network namespace of its own (unshare), where it builds what a host has:
 * an uplink veth with an address and a permanent neighbour, and a VM port on a bridge with a
 * kernel VXLAN device configured as lab/vsx-lab does ("dstport 4789 local .. remote .. dev
 * uplink tos inherit", everything else default). For each frame it
 *   1. injects the frame on the VM's side of the port and captures what the kernel's VXLAN
 *      device sends on the uplink (the reference), then
 *   2. runs the fast-path program on the same frame, with the two things the kernel chose that
 *      no program can know given to it: the skb flow hash (a secret-keyed hash; the test
 *      derives one that gives the captured source port, so the udp_flow_src_port() rule is
 *      checked, not assumed) and the outer IPv4 identification (a per-destination counter),
 * and the two frames must be equal byte for byte: outer MACs, ToS (inherit + ECN rule), TTL,
 * DF, lengths, both checksums, the VXLAN header and the inner frame.
 *
 * Then the FCF: with an egress rule, the fast path's frame must equal what the egress program
 * (bpf/egress.bpf.c, run on the kernel's reference frame) makes of it. Then everything that
 * must not take the fast path, each with its counter: a spoofed source MAC, a foreign VNI, a
 * frame on another device, FIB miss (no neighbour, no route), a route out of another device,
 * over the MTU, multicast, VLAN-tagged, ARP, fragments, an inner checksum left to offload, TCP
 * FIN/RST, no entry; the rate limit; and the bridge FDB refresh.
 *
 * Needs root (namespaces, BPF); exits 77 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vsx/datapath.h>
#include <vsx/offload.h>
#include <vsx/offload_tx.h>
#include <vsx/rate.h>

#include "lib/pktbuild.h"
#include "vmport_test.skel.h"
#include "egress.skel.h"

#define VM_MAC "02:00:00:00:01:01"
#define PEER_MAC "02:00:00:00:02:01"  /* the remote VM */
#define LOCAL_VM2_MAC "02:00:00:00:01:02"
#define UPL_MAC "02:00:00:00:aa:01"
#define NH_MAC "02:00:00:00:aa:02"
#define LOCAL_IP "192.168.99.1"
#define REMOTE_IP "192.168.99.2"
#define VNI 100

enum { R_MAIN = 1, R_NO_NEIGH, R_NO_ROUTE, R_OTHER_DEV, R_UNSET };

struct fixture {
	struct vmport_test *skel;
	struct egress *eg;
	int prog;
	int if_upl, if_uplp, if_vmp, if_vmpp, if_other;
	int cap_fd, inj_fd;
	__u16 port_min, port_max;
	__u8 ttl;
};

static struct fixture fx;

static int sh(const char *script)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "set -e\n%s", script);
	return system(cmd);
}

static int read_sysctl(const char *path, unsigned int *a, unsigned int *b)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -1;
	n = b ? fscanf(f, "%u %u", a, b) : fscanf(f, "%u", a);
	fclose(f);
	return n == (b ? 2 : 1) ? 0 : -1;
}

static int packet_socket(int ifindex, int proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				   .sll_protocol = (__be16)htons((uint16_t)proto) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	int fd = socket(AF_PACKET, SOCK_RAW, htons((uint16_t)proto));

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int setup(void **state)
{
	unsigned int a, b;

	if (geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6\n"
	       "echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6\n"
	       "ip link set lo up\n"
	       "ip link add upl address " UPL_MAC " type veth peer name uplp address " NH_MAC "\n"
	       "ip addr add " LOCAL_IP "/24 dev upl\n"
	       "ip link set upl up\nip link set uplp up\n"
	       "ethtool -K upl tx off >/dev/null\n"
	       "ip neigh replace " REMOTE_IP " lladdr " NH_MAC " dev upl nud permanent\n"
	       "ip link add other type veth peer name otherp\nip link set other up\nip link set otherp up\n"
	       "ip addr add 10.77.0.1/24 dev other\n"
	       "ip neigh replace 10.77.0.2 lladdr 02:00:00:00:77:02 dev other nud permanent\n"
	       "ip link add br0 type bridge mcast_snooping 0\n"
	       "ip link add vx100 type vxlan id 100 dstport 4789 local " LOCAL_IP
	       " remote " REMOTE_IP " dev upl tos inherit\n"
	       "ip link set vx100 master br0 up\n"
	       "ip link add vmp mtu 1450 type veth peer name vmpp mtu 1450\n"
	       "ip link set vmp master br0 up\nip link set vmpp up\nip link set br0 up\n"
	       "ethtool -K vmpp tx off >/dev/null\n"
	       "echo 1 >/proc/sys/net/ipv4/conf/vmp/forwarding\n")) {
		fprintf(stderr, "cannot build the test namespace (ip, ethtool, vxlan, bridge)\n");
		return -1;
	}
	fx.if_upl = (int)if_nametoindex("upl");
	fx.if_uplp = (int)if_nametoindex("uplp");
	fx.if_vmp = (int)if_nametoindex("vmp");
	fx.if_vmpp = (int)if_nametoindex("vmpp");
	fx.if_other = (int)if_nametoindex("other");
	if (read_sysctl("/proc/sys/net/ipv4/ip_local_port_range", &a, &b))
		return -1;
	fx.port_min = (__u16)a;
	fx.port_max = (__u16)b;
	if (read_sysctl("/proc/sys/net/ipv4/ip_default_ttl", &a, NULL))
		return -1;
	fx.ttl = (__u8)a;
	fx.cap_fd = packet_socket(fx.if_uplp, ETH_P_ALL);
	fx.inj_fd = packet_socket(fx.if_vmpp, 0);
	if (fx.cap_fd < 0 || fx.inj_fd < 0)
		return -1;

	fx.skel = vmport_test__open_and_load();
	fx.eg = egress__open_and_load();
	if (!fx.skel || !fx.eg)
		return -1;
	fx.prog = bpf_program__fd(fx.skel->progs.vsx_vmport);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	vmport_test__destroy(fx.skel);
	egress__destroy(fx.eg);
	if (fx.cap_fd > 0)
		close(fx.cap_fd);
	if (fx.inj_fd > 0)
		close(fx.inj_fd);
	return 0;
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

/* ---- maps ---- */

static void mac(const char *s, __u8 out[6])
{
	assert_int_equal(pb_parse_mac(s, out), 0);
}

static __be32 ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void set_port(__u32 ifindex, const char *vm_mac, __u32 vni)
{
	struct vsx_vm_port p = { .ifindex = ifindex, .vni = htonl(vni), .mtu = 1450,
				 .flags = VSX_PORT_F_VALID };
	__u32 id = 1, ifi = (__u32)fx.if_vmp;

	mac(vm_mac, p.mac);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_vm_port), &id, &p, 0), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_tx_ifport), &ifi, &id, 0),
			 0);
}

static void set_remote(__u32 id, const char *remote, __u32 uplink, __u32 ip_id)
{
	struct vsx_tx_remote r = {
		.local = ip4(LOCAL_IP), .remote = ip4(remote), .uplink = uplink,
		.dport = htons(4789), .port_min = fx.port_min, .port_max = fx.port_max,
		.ttl = fx.ttl, .flags = VSX_TX_R_VALID | VSX_TX_R_UDP_CSUM | VSX_TX_R_TOS_INHERIT,
		.ip_id = ip_id,
	};

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_tx_remote), &id, &r, 0),
			 0);
}

static struct vsx_tx_key dst_key(const char *dst)
{
	struct vsx_tx_key k = { .port = 1, .kind = VSX_TX_KEY_DST };

	mac(dst, k.dl_dst);
	return k;
}

static void put_entry(const struct vsx_tx_key *k, __u32 remote, __u32 vni, __u32 flow_id,
		      __u32 flags, __u32 rate_id)
{
	struct vsx_tx_entry e = { .remote = remote, .vni = htonl(vni), .flow_id = flow_id,
				  .flags = flags, .rate_id = rate_id };

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_tx), k, &e, 0), 0);
}

static __u64 counter(__u32 stat)
{
	int n = libbpf_num_possible_cpus();
	__u64 v[n], sum = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.vsx_tx_counters), &stat, v),
			 0);
	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

static struct vsx_offload_stats flow_stats(__u32 flow_id)
{
	int n = libbpf_num_possible_cpus();
	struct vsx_offload_stats v[n], s = { 0 };

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.vsx_tx_stats), &flow_id, v),
			 0);
	for (int i = 0; i < n; i++) {
		s.packets += v[i].packets;
		s.bytes += v[i].bytes;
		s.refused += v[i].refused;
		s.rate_dropped += v[i].rate_dropped;
		s.tcp_flags |= v[i].tcp_flags;
	}
	return s;
}

/* The default world: port 1 is vmp with the VM's MAC and VNI 100; remotes; one DST entry. */
static void world(void)
{
	struct vsx_config cfg = { .vxlan_port = htons(4789) };
	__u32 zero = 0;

	set_port((__u32)fx.if_vmp, VM_MAC, VNI);
	set_remote(R_MAIN, REMOTE_IP, (__u32)fx.if_upl, 0x1234);
	set_remote(R_NO_NEIGH, "192.168.99.3", (__u32)fx.if_upl, 0);
	set_remote(R_NO_ROUTE, "10.200.0.1", (__u32)fx.if_upl, 0);
	set_remote(R_OTHER_DEV, "10.77.0.2", (__u32)fx.if_upl, 0);
	{
		struct vsx_tx_key k = dst_key(PEER_MAC);

		put_entry(&k, R_MAIN, VNI, 1, 0, 0);
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_config), &zero, &cfg, 0),
			 0);
	fx.skel->bss->test_hash = 0x12345678;
}

/* ---- running ---- */

struct out {
	int verdict;
	size_t len;
	__u8 data[PB_MAX_LEN];
};

static void run(const struct pb *p, struct out *o)
{
	struct xdp_md ctx = { .data_end = (__u32)p->len, .ingress_ifindex = (__u32)fx.if_vmp };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = (__u32)p->len,
		    .data_out = o->data, .data_size_out = sizeof(o->data), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(fx.prog, &opts)) {
		print_error("test run: %s\n", strerror(errno));
		fail();
	}
	o->verdict = (int)opts.retval;
	o->len = opts.data_size_out;
}

/* The frame passes untouched: the normal path gets exactly what the VM sent. */
static void expect_pass(const struct pb *p, __u32 stat)
{
	static struct out o;
	__u64 before = counter(stat);

	run(p, &o);
	assert_int_equal(o.verdict, XDP_PASS);
	assert_int_equal(o.len, p->len);
	assert_memory_equal(o.data, p->data, p->len);
	assert_int_equal(counter(stat), before + 1);
}

/* What the kernel's VXLAN device sends on the uplink for frame p injected by the VM. */
static int kernel_reference(const struct pb *p, struct out *ref)
{
	__u8 buf[PB_MAX_LEN];
	ssize_t n;

	while (recv(fx.cap_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	if (send(fx.inj_fd, p->data, p->len, 0) != (ssize_t)p->len)
		return -1;
	for (int tries = 0; tries < 20; tries++) {
		n = recv(fx.cap_fd, ref->data, sizeof(ref->data), 0);
		if (n < 0)
			return -1;
		/* IPv4, UDP, to 4789, from our address */
		if (n > 50 && ref->data[12] == 0x08 && ref->data[13] == 0x00 && ref->data[23] == 17 &&
		    ref->data[36] == 0x12 && ref->data[37] == 0xb5) {
			ref->len = (size_t)n;
			return 0;
		}
	}
	return -1;
}

/* A hash udp_flow_src_port() turns into sport: invert its scaling and its xor-shift. */
static __u32 hash_for_sport(__u16 sport)
{
	__u64 range = (__u64)fx.port_max - fx.port_min;
	__u64 h2 = ((((__u64)sport - fx.port_min) << 32) + range - 1) / range;
	__u32 lo = (__u32)(h2 & 0xffff), hi = (__u32)((h2 >> 16) & 0xffff) ^ lo;

	assert_true(sport >= fx.port_min && sport < fx.port_max);
	return hi << 16 | lo;
}

static void set_ip_id(__u32 remote, __u16 id)
{
	struct vsx_tx_remote r;
	int fd = bpf_map__fd(fx.skel->maps.vsx_tx_remote);

	assert_int_equal(bpf_map_lookup_elem(fd, &remote, &r), 0);
	r.ip_id = id;
	assert_int_equal(bpf_map_update_elem(fd, &remote, &r, 0), 0);
}

static void compare_frames(const char *what, const struct out *got, const struct out *want)
{
	if (got->len != want->len || memcmp(got->data, want->data, want->len)) {
		print_error("%s: the fast path's frame differs from the kernel's\nkernel:\n", what);
		pb_hexdump(stderr, want->data, want->len);
		fprintf(stderr, "fast path:\n");
		pb_hexdump(stderr, got->data, got->len);
		fail();
	}
}

/* Injects p, captures the kernel's frame, runs the fast path to do the same: byte equal. */
static void check_like_kernel(const char *what, const struct pb *p, struct out *ref)
{
	static struct out o;
	__u16 sport, id;
	__u64 hits = counter(VSX_TX_STAT_HIT);

	assert_int_equal(kernel_reference(p, ref), 0);
	sport = (__u16)(ref->data[34] << 8 | ref->data[35]);
	id = (__u16)(ref->data[18] << 8 | ref->data[19]);
	fx.skel->bss->test_hash = hash_for_sport(sport);
	set_ip_id(R_MAIN, id);
	run(p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	assert_int_equal(counter(VSX_TX_STAT_HIT), hits + 1);
	compare_frames(what, &o, ref);
}

/* ---- frames ---- */

static void udp4(struct pb *p, const char *src_mac, const char *dst_mac, __u8 tos, size_t len)
{
	pb_init(p);
	pb_eth(p, &(struct pb_eth){ .src = src_mac, .dst = dst_mac });
	pb_ipv4(p, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2", .tos = tos, .df = true,
				    .id = 0x4242 });
	pb_udp(p, 45001, 5001);
	pb_pad_to(p, len);
	assert_true(pb_finish(p) > 0);
}

/* ---- tests ---- */

static void test_like_kernel(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p;
	static struct out ref;

	world();
	/* the lab's UDP: DSCP EF inherited, 60 bytes (an even, small datagram) */
	udp4(&p, VM_MAC, PEER_MAC, 0xb8, 60);
	check_like_kernel("udp4 tos 0xb8", &p, &ref);
	/* the ToS the kernel sends is the inner one, DF not copied, TTL the host's default */
	assert_int_equal(ref.data[15], 0xb8);
	assert_int_equal(ref.data[20] & 0x40, 0);
	assert_int_equal(ref.data[22], fx.ttl);
	assert_true(ref.data[40] || ref.data[41]); /* udpcsum: computed */

	/* ECN CE inside: ECT(0) outside (RFC 6040); an odd length: the checksum's last byte */
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv4(&p, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2", .tos = 0x03 });
	pb_tcp(&p, 40000, 80, PB_TCP_ACK | PB_TCP_PSH);
	pb_pad_to(&p, 1001);
	assert_true(pb_finish(&p) > 0);
	check_like_kernel("tcp4 ecn ce 1001 bytes", &p, &ref);
	assert_int_equal(ref.data[15], 0x02);

	/* IPv6 inside, traffic class 0x28 ECT(1)-free, 1400 bytes: several checksum chunks */
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv6(&p, &(struct pb_ip){ .src = "fd00::1", .dst = "fd00::2", .tos = 0x29 });
	pb_udp(&p, 7000, 7001);
	pb_pad_to(&p, 1400);
	assert_true(pb_finish(&p) > 0);
	check_like_kernel("udp6 tclass 0x29 1400 bytes", &p, &ref);

	/* the largest frame the VM's MTU allows: 1464 bytes, exactly the uplink's 1500 outside */
	udp4(&p, VM_MAC, PEER_MAC, 0x00, 1464);
	check_like_kernel("udp4 1464 bytes", &p, &ref);
	assert_int_equal(ref.len, 1514);

	/* a 3-byte tail after the 256-byte chunks and words */
	udp4(&p, VM_MAC, PEER_MAC, 0x10, 14 + 20 + 8 + 256 + 3);
	check_like_kernel("udp4 tail of 3", &p, &ref);

	/* counted as the inner frame */
	assert_true(flow_stats(1).packets >= 5);
}

static void test_fcf_like_egress(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p;
	static struct out ref, eg_out, o;
	struct vsx_config cfg = { .vxlan_port = htons(4789), .flags = VSX_CFG_FCF };
	struct vsx_cls_mask m = { .max_priority = 100 };
	struct vsx_cls_key k = { .mask_id = 0 };
	struct vsx_cls_val v = { .rule_id = 3, .priority = 100, .action = VSX_ACT_SET_FCF,
				 .fcf = 0x85 };
	__u32 zero = 0, bank = VSX_CLS_BANK(0, 1);
	__u64 written = counter(VSX_TX_STAT_FCF_WRITTEN);
	struct bpf_map *maps[2][5] = {
		{ fx.skel->maps.vsx_config, fx.skel->maps.vsx_eg_masks, fx.skel->maps.vsx_eg_rules,
		  fx.skel->maps.vsx_eg_bank, NULL },
		{ fx.eg->maps.vsx_config, fx.eg->maps.vsx_eg_masks, fx.eg->maps.vsx_eg_rules,
		  fx.eg->maps.vsx_eg_bank, NULL },
	};

	world();
	/* one egress rule: vni=100 actions=set_fcf:5/1 (0x85) */
	m.mask.vni = htonl(0xffffff);
	k.key.vni = htonl(VNI);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(maps[i][0]), &zero, &cfg, 0), 0);
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(maps[i][1]), &zero, &m, 0), 0);
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(maps[i][2]), &k, &v, 0), 0);
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(maps[i][3]), &zero, &bank, 0), 0);
	}

	udp4(&p, VM_MAC, PEER_MAC, 0xb8, 200);
	assert_int_equal(kernel_reference(&p, &ref), 0);
	/* what the uplink's tc egress program makes of the kernel's frame */
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = ref.data,
			    .data_size_in = (__u32)ref.len, .data_out = eg_out.data,
			    .data_size_out = sizeof(eg_out.data), .repeat = 1);

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(fx.eg->progs.vsx_egress),
							&opts),
				 0);
		assert_int_equal(opts.retval, TC_ACT_OK);
		eg_out.len = opts.data_size_out;
	}
	assert_int_equal(eg_out.data[15], 0x85);
	fx.skel->bss->test_hash = hash_for_sport((__u16)(ref.data[34] << 8 | ref.data[35]));
	set_ip_id(R_MAIN, (__u16)(ref.data[18] << 8 | ref.data[19]));
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	compare_frames("fcf", &o, &eg_out);
	assert_int_equal(counter(VSX_TX_STAT_FCF_WRITTEN), written + 1);

	cfg.flags = 0;
	for (int i = 0; i < 2; i++)
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(maps[i][0]), &zero, &cfg, 0), 0);
}

static void test_isolation(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p;
	struct vsx_tx_key k;

	world();
	/* a source MAC that is not the VM's: the bridge decides (it may learn it; we do not) */
	udp4(&p, "02:00:00:00:66:66", PEER_MAC, 0, 100);
	expect_pass(&p, VSX_TX_STAT_SPOOF);
	/* the port's own MAC, but an entry of another VNI for this flow */
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	k = (struct vsx_tx_key){ .port = 1, .kind = VSX_TX_KEY_FLOW, .nw_proto = 17,
				 .dl_type = htons(0x0800), .tp_src = htons(45001),
				 .tp_dst = htons(5001) };
	mac(PEER_MAC, k.dl_dst);
	k.nw_src[0] = ip4("10.1.0.1");
	k.nw_dst[0] = ip4("10.1.0.2");
	put_entry(&k, R_MAIN, 200, 2, 0, 0);
	expect_pass(&p, VSX_TX_STAT_VNI);
	assert_int_equal(flow_stats(2).refused, 1);
	bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.vsx_tx), &k);
	/* the port moved to another VNI: its entries stop matching at once */
	set_port((__u32)fx.if_vmp, VM_MAC, 300);
	expect_pass(&p, VSX_TX_STAT_VNI);
	/* the port entry names another device than the one the frame came in on */
	set_port((__u32)fx.if_vmpp, VM_MAC, VNI);
	expect_pass(&p, VSX_TX_STAT_NO_PORT);
	set_port((__u32)fx.if_vmp, VM_MAC, VNI);
	/* to a VM on the same bridge: no entry, the bridge delivers it */
	udp4(&p, VM_MAC, LOCAL_VM2_MAC, 0, 100);
	expect_pass(&p, VSX_TX_STAT_MISS);
	/* broadcast / multicast: flooded by the bridge */
	udp4(&p, VM_MAC, "ff:ff:ff:ff:ff:ff", 0, 100);
	expect_pass(&p, VSX_TX_STAT_MCAST);
	udp4(&p, VM_MAC, "01:00:5e:00:00:01", 0, 100);
	expect_pass(&p, VSX_TX_STAT_MCAST);
}

static void test_normal_path_cases(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p;
	struct vsx_tx_key k = dst_key(PEER_MAC);

	world();
	/* FIB: no neighbour for the next hop, no route, a route out of another device */
	put_entry(&k, R_NO_NEIGH, VNI, 1, 0, 0);
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	expect_pass(&p, VSX_TX_STAT_FIB_MISS);
	assert_int_equal(fx.skel->bss->test_fib_rc, BPF_FIB_LKUP_RET_NO_NEIGH);
	put_entry(&k, R_NO_ROUTE, VNI, 1, 0, 0);
	expect_pass(&p, VSX_TX_STAT_FIB_MISS);
	assert_int_not_equal(fx.skel->bss->test_fib_rc, BPF_FIB_LKUP_RET_SUCCESS);
	put_entry(&k, R_OTHER_DEV, VNI, 1, 0, 0);
	expect_pass(&p, VSX_TX_STAT_FIB_UPLINK);
	put_entry(&k, R_UNSET, VNI, 1, 0, 0);
	expect_pass(&p, VSX_TX_STAT_NO_REMOTE);
	put_entry(&k, R_MAIN, VNI, 1, 0, 0);

	/* over the uplink's MTU once encapsulated (1465 + 50 > 1514): the kernel fragments */
	udp4(&p, VM_MAC, PEER_MAC, 0, 1465);
	expect_pass(&p, VSX_TX_STAT_MTU);
	assert_int_equal(fx.skel->bss->test_fib_rc, BPF_FIB_LKUP_RET_FRAG_NEEDED);
	/* a VM port without IPv4 forwarding (vsxd enables it): bpf_fib_lookup() refuses */
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	assert_int_equal(sh("echo 0 >/proc/sys/net/ipv4/conf/vmp/forwarding"), 0);
	expect_pass(&p, VSX_TX_STAT_FIB_MISS);
	assert_int_equal(fx.skel->bss->test_fib_rc, BPF_FIB_LKUP_RET_FWD_DISABLED);
	assert_int_equal(sh("echo 1 >/proc/sys/net/ipv4/conf/vmp/forwarding"), 0);

	/* VLAN-tagged, ARP */
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC, .n_vlan = 1, .vlan = { 5 } });
	pb_ipv4(&p, NULL);
	pb_udp(&p, 1, 2);
	pb_pad_to(&p, 100);
	assert_true(pb_finish(&p) > 0);
	expect_pass(&p, VSX_TX_STAT_NOT_IP);
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_arp(&p, 2);
	assert_true(pb_finish(&p) > 0);
	expect_pass(&p, VSX_TX_STAT_NOT_IP);

	/* an IP fragment (first, with ports) */
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv4(&p, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2", .mf = true });
	pb_udp(&p, 45001, 5001);
	pb_pad_to(&p, 300);
	assert_true(pb_finish(&p) > 0);
	expect_pass(&p, VSX_TX_STAT_FRAG);

	/*
	 * Ethernet padding after the datagram: the bridge's netfilter hook trims it (the kernel's
	 * frame has none, as test_like_kernel's capture showed when the fast path kept it), and an
	 * IPv4 header with options or a wrong checksum, which that hook checks: the normal path.
	 */
	udp4(&p, VM_MAC, PEER_MAC, 0, 60);
	memset(p.data + p.len, 0, 7);
	p.len += 7;
	expect_pass(&p, VSX_TX_STAT_IP_LEN);
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	p.data[24] ^= 0x01; /* the IPv4 header checksum */
	expect_pass(&p, VSX_TX_STAT_IP_LEN);
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv4(&p, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2",
				     .opt = (const uint8_t *)"\x01\x01\x01\x01", .opt_len = 4 });
	pb_udp(&p, 45001, 5001);
	pb_pad_to(&p, 100);
	assert_true(pb_finish(&p) > 0);
	expect_pass(&p, VSX_TX_STAT_IP_LEN);

	/*
	 * An inner checksum that does not verify (a VM leaving it to offload: CHECKSUM_PARTIAL,
	 * which XDP cannot see) goes the normal path, which finishes it; UDP/IPv4 without a
	 * checksum (0) is fine as it is.
	 */
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	p.data[40] ^= 0x5a; /* the UDP checksum */
	expect_pass(&p, VSX_TX_STAT_L4_CSUM);
	pb_init(&p);
	pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv6(&p, &(struct pb_ip){ .src = "fd00::1", .dst = "fd00::2" });
	pb_tcp(&p, 40000, 80, PB_TCP_ACK);
	pb_pad_to(&p, 301);
	assert_true(pb_finish(&p) > 0);
	p.data[14 + 40 + 16] ^= 0x01; /* the TCP checksum */
	expect_pass(&p, VSX_TX_STAT_L4_CSUM);
	{
		static struct out o;

		udp4(&p, VM_MAC, PEER_MAC, 0, 100);
		p.data[40] = p.data[41] = 0;
		run(&p, &o);
		assert_int_equal(o.verdict, XDP_REDIRECT);
	}

	/* TCP FIN and RST: the normal path, and the flow's flags say so */
	for (int i = 0; i < 2; i++) {
		pb_init(&p);
		pb_eth(&p, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
		pb_ipv4(&p, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2" });
		pb_tcp(&p, 40000, 80, (i ? PB_TCP_RST : PB_TCP_FIN) | PB_TCP_ACK);
		assert_true(pb_finish(&p) > 0);
		expect_pass(&p, VSX_TX_STAT_TCP_FIN_RST);
	}
	assert_int_equal(flow_stats(1).tcp_flags & 0x05, 0x05);

	/* no hash from the driver: our own, counted, still the fast path */
	{
		static struct out o;
		__u64 fb = counter(VSX_TX_STAT_HASH_FALLBACK);

		fx.skel->bss->test_hash = 0;
		udp4(&p, VM_MAC, PEER_MAC, 0, 100);
		run(&p, &o);
		assert_int_equal(o.verdict, XDP_REDIRECT);
		assert_int_equal(counter(VSX_TX_STAT_HASH_FALLBACK), fb + 1);
	}
}

static void test_rate_limit(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p;
	static struct out o;
	struct vsx_tx_key k = dst_key(PEER_MAC);
	struct vsx_rate_bucket b;
	__u32 rid = 9;
	struct vsx_offload_stats before;

	world();
	/* one packet of burst, then 1 p/s */
	assert_int_equal(vsx_rate_config(&b, 0, 1, 0, 1, 0), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_tx_rate), &rid, &b,
					     BPF_F_LOCK),
			 0);
	put_entry(&k, R_MAIN, VNI, 4, VSX_TX_F_RATE, rid);
	before = flow_stats(4);
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_DROP);
	assert_int_equal(flow_stats(4).rate_dropped, before.rate_dropped + 1);
	assert_int_equal(flow_stats(4).packets, before.packets + 1);
	assert_int_equal(flow_stats(4).bytes, before.bytes + 100);
}

static __u64 coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void set_last_normal(__u64 ns)
{
	struct vsx_tx_port_state ps = { .last_normal_ns = ns };
	__u32 port = 1;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx.skel->maps.vsx_tx_port_state), &port,
					     &ps, 0),
			 0);
}

/*
 * The bridge's FDB: after 60 s without a frame of the VM's through the bridge, one frame that
 * would take the fast path goes the normal path; a frame that went it anyway (ARP) counts.
 */
/* A flow entry is looked up before the destination entry, and counts for its own flow id. */
static void test_flow_entry_first(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p, other;
	static struct out o;
	struct vsx_tx_key k = { .port = 1, .kind = VSX_TX_KEY_FLOW, .nw_proto = 17,
				.dl_type = htons(0x0800), .tp_src = htons(45001),
				.tp_dst = htons(5001) };
	struct vsx_offload_stats f6, f1;

	world();
	mac(PEER_MAC, k.dl_dst);
	k.nw_src[0] = ip4("10.1.0.1");
	k.nw_dst[0] = ip4("10.1.0.2");
	put_entry(&k, R_MAIN, VNI, 6, 0, 0);
	f6 = flow_stats(6);
	f1 = flow_stats(1);
	udp4(&p, VM_MAC, PEER_MAC, 0, 200);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	assert_int_equal(flow_stats(6).packets, f6.packets + 1);
	assert_int_equal(flow_stats(6).bytes, f6.bytes + 200);
	assert_int_equal(flow_stats(1).packets, f1.packets);
	/* another flow to the same VM: the destination entry */
	pb_init(&other);
	pb_eth(&other, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_ipv4(&other, &(struct pb_ip){ .src = "10.1.0.1", .dst = "10.1.0.2" });
	pb_udp(&other, 45002, 5001);
	pb_pad_to(&other, 200);
	assert_true(pb_finish(&other) > 0);
	run(&other, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	assert_int_equal(flow_stats(1).packets, f1.packets + 1);
	assert_int_equal(flow_stats(6).packets, f6.packets + 1);
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(fx.skel->maps.vsx_tx), &k), 0);
}

static void test_fdb_refresh(void **state)
{
	SKIP_UNLESS_ROOT();
	static struct pb p, arp;
	static struct out o;
	__u64 r0 = counter(VSX_TX_STAT_FDB_REFRESH);

	world();
	udp4(&p, VM_MAC, PEER_MAC, 0, 100);
	set_last_normal(coarse_now() - 61000000000ULL);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_PASS);
	assert_memory_equal(o.data, p.data, p.len);
	assert_int_equal(counter(VSX_TX_STAT_FDB_REFRESH), r0 + 1);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);

	pb_init(&arp);
	pb_eth(&arp, &(struct pb_eth){ .src = VM_MAC, .dst = PEER_MAC });
	pb_arp(&arp, 1);
	assert_true(pb_finish(&arp) > 0);
	set_last_normal(coarse_now() - 61000000000ULL);
	run(&arp, &o);
	assert_int_equal(o.verdict, XDP_PASS);
	run(&p, &o);
	assert_int_equal(o.verdict, XDP_REDIRECT);
	assert_int_equal(counter(VSX_TX_STAT_FDB_REFRESH), r0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_like_kernel),
		cmocka_unit_test(test_fcf_like_egress),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_normal_path_cases),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_flow_entry_first),
		cmocka_unit_test(test_fdb_refresh),
	};
	return cmocka_run_group_tests_name("vmport", tests, setup, teardown);
}
