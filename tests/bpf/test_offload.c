// SPDX-License-Identifier: MIT
/*
 * The RX fast path of the uplink program (bpf/uplink.bpf.c, bpf/lib/fastpath.h) through
 * BPF_PROG_TEST_RUN: an offloaded VXLAN packet is redirected into its VM's port with exactly
 * its inner frame left; every packet the kernel path would refuse or change (each check of
 * docs/offload.md), every packet the parser refuses (its fixtures, parse_fixtures.h) and
 * every packet whose VNI, destination MAC or port disagrees with the entry's port takes the
 * normal path (XDP_PASS, unchanged) even though an entry matches it; the rate limit drops;
 * the per-path counters add up to rx. Live frames (BPF_F_TEST_XDP_LIVE_FRAMES) then go
 * through the real redirect into a veth pair, on the receiving core and, through the cpumap
 * and its program, on another core: the frames arriving at the peer are the inner frames.
 *
 * Needs root (BPF); exits 77 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "uplink.skel.h"
#include "offload_sink.skel.h"
#include "cpumap_stats.skel.h"
#include "offload_sink.h"
#include "parse_fixtures.h"
#include <vsx/datapath.h>
#include <vsx/offload.h>
#include <vsx/rate.h>
#include <vsx/map_names.h>

#define PORT 1
#define FLOW_ID 7
#define VM_FLOW_ID 8
#define VNI 100

static struct uplink *skel;
static int ncpus;

static int fd_of(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static void write_cfg(__u32 mode)
{
	struct vsx_config c = { .mode = mode, .vxlan_port = htons(4789), .rules_gen = 1,
				.flow_slots_mask = 1023 };
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_config), &zero, &c, 0), 0);
}

/* vsx_offload_cfg.entry_gen as the agent keeps it: bumped after every put (put_entry) */
static __u32 entry_gen;

static void write_ofl_cfg(__u32 flags, __u32 n_flow, __u32 n_vm)
{
	struct vsx_offload_cfg o = { .flags = flags, .n_flow = n_flow, .n_vm = n_vm,
				     .entry_gen = entry_gen };
	__u32 zero = 0;

	assert_int_equal(pb_parse_mac(PB_MAC_DST, o.uplink_mac), 0);
	inet_pton(AF_INET, PB_IP4_DST, &o.vtep4[1]);
	inet_pton(AF_INET6, PB_IP6_DST, o.vtep6[1]);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_offload_cfg), &zero, &o, 0), 0);
}

static void set_port(__u32 ifindex, __u32 vni, const char *mac, __u16 mtu, __u32 flags)
{
	struct vsx_vm_port p = { .ifindex = ifindex, .vni = htonl(vni), .mtu = mtu, .flags = flags };
	struct bpf_devmap_val dv = { .ifindex = ifindex };
	__u32 port = PORT;

	assert_int_equal(pb_parse_mac(mac, p.mac), 0);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_vm_ports), &port, &dv, 0), 0);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_vm_port), &port, &p, 0), 0);
}

static struct vsx_offload_key flow_key(__u32 vni, __u8 proto, __u16 sport, __u16 dport)
{
	struct vsx_offload_key k = { .vni = htonl(vni), .kind = VSX_OFFLOAD_KEY_FLOW,
				     .nw_proto = proto, .dl_type = htons(0x0800),
				     .tp_src = htons(sport), .tp_dst = htons(dport) };

	inet_pton(AF_INET, PB_IP4_IN_SRC, &k.nw_src[0]);
	inet_pton(AF_INET, PB_IP4_IN_DST, &k.nw_dst[0]);
	return k;
}

static struct vsx_offload_key vm_key(__u32 vni, const char *mac)
{
	struct vsx_offload_key k = { .vni = htonl(vni), .kind = VSX_OFFLOAD_KEY_VM };

	assert_int_equal(pb_parse_mac(mac, k.dl_dst), 0);
	return k;
}

/* What vsxd_dp_offload_put does after its insert. */
static void bump_entry_gen(void)
{
	struct vsx_offload_cfg o;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_offload_cfg), &zero, &o), 0);
	o.entry_gen = ++entry_gen;
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_offload_cfg), &zero, &o, 0), 0);
}

static void put_entry(const struct vsx_offload_key *k, __u32 flow_id, __u32 flags, __u32 rate_id)
{
	struct vsx_offload_entry e = { .port = PORT, .flow_id = flow_id, .flags = flags,
				       .rate_id = rate_id };

	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_offload), k, &e, 0), 0);
	bump_entry_gen();
}

static void clear_entries(void)
{
	struct vsx_offload_key k, next;

	while (bpf_map_get_next_key(fd_of(skel->maps.vsx_offload), NULL, &next) == 0) {
		k = next;
		bpf_map_delete_elem(fd_of(skel->maps.vsx_offload), &k);
	}
}

/* The default state: one flow entry (UDP 1000 -> 2000 in VNI 100) and one VM entry. */
static void default_state(void)
{
	struct vsx_offload_key f = flow_key(VNI, 17, 1000, 2000), v = vm_key(VNI, PB_MAC_IN_DST);

	clear_entries();
	write_cfg(VSX_MODE_DEFAULT);
	write_ofl_cfg(VSX_OFL_CFG_ON, 1, 1);
	set_port(1 /* lo */, VNI, PB_MAC_IN_DST, 1500, VSX_PORT_F_VALID);
	put_entry(&f, FLOW_ID, 0, 0);
	put_entry(&v, VM_FLOW_ID, 0, 0);
}

static int setup(void **state)
{
	skel = uplink__open();
	if (!skel)
		return -1;
	bpf_map__set_max_entries(skel->maps.vsx_flow_cache, 1024);
	bpf_map__set_max_entries(skel->maps.vsx_flow_stats, 1024);
	if (uplink__load(skel))
		return -1;
	ncpus = libbpf_num_possible_cpus();
	return 0;
}

static char live_veth[IFNAMSIZ]; /* the live test's veth, removed here even if it failed */

static int teardown(void **state)
{
	char cmd[64];

	if (live_veth[0]) {
		snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", live_veth);
		if (system(cmd)) {
			/* gone already */
		}
	}
	uplink__destroy(skel);
	return 0;
}

/* ---- packets ---- */

struct pkt_opts {
	struct pb_tunnel tun;
	struct pb_eth eth;
	struct pb_ip ip;
	bool tcp;
	uint8_t tcp_flags;
	size_t inner_len; /* inner frame; 0: 64 */
	bool keep_udp_csum;
};

/* The outer UDP checksum, for an untagged outer IPv4 header without options. */
#define OUTER_UDP_CSUM_OFF (14 + 20 + 6)

/*
 * The inner frame alone, and the whole VXLAN packet around it. Built alone, the inner frame
 * would get the builder's outer defaults: the inner ones are filled in here.
 */
static void build(const struct pkt_opts *o, struct pb *inner, struct pb *p)
{
	struct pb_eth eth = o->eth;
	struct pb_ip ip = o->ip;

	eth.src = eth.src ? eth.src : PB_MAC_IN_SRC;
	eth.dst = eth.dst ? eth.dst : PB_MAC_IN_DST;
	ip.src = ip.src ? ip.src : PB_IP4_IN_SRC;
	ip.dst = ip.dst ? ip.dst : PB_IP4_IN_DST;
	pb_init(inner);
	pb_eth(inner, &eth);
	pb_ipv4(inner, &ip);
	if (o->tcp)
		pb_tcp(inner, 1000, 2000, o->tcp_flags ? o->tcp_flags : PB_TCP_ACK);
	else
		pb_udp(inner, 1000, 2000);
	pb_pad_to(inner, o->inner_len ? o->inner_len : 64);
	assert_true(pb_finish(inner) > 0);
	pb_init(p);
	pb_vxlan_encap(p, &o->tun);
	pb_frame(p, inner);
	assert_true(pb_finish(p) > 0);
	/* Linux's VXLAN over IPv4 sends no UDP checksum by default (udpcsum off) */
	if (!o->keep_udp_csum && !o->tun.v6 && !o->tun.eth.n_vlan && !o->tun.ip.opt_len)
		p->data[OUTER_UDP_CSUM_OFF] = p->data[OUTER_UDP_CSUM_OFF + 1] = 0;
}

static void default_opts(struct pkt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tun.vni = VNI;
}

static int run(const struct pb *p, void *out, __u32 *out_len)
{
	static __u8 buf[PB_MAX_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data, .data_size_in = (__u32)p->len,
		    .data_out = out ? out : buf, .data_size_out = sizeof(buf), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vsx_uplink), &t), 0);
	if (out_len)
		*out_len = t.data_size_out;
	return (int)t.retval;
}

/* ---- counters ---- */

static const struct vsx_stat_block *blocks(void)
{
	static struct vsx_stat_block b[256];
	__u32 zero = 0;

	assert_true(ncpus <= 256);
	assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_stats), &zero, b), 0);
	return b;
}

static __u64 stat(__u32 s)
{
	const struct vsx_stat_block *b = blocks();
	__u64 t = 0;

	for (int c = 0; c < ncpus; c++)
		t += b[c].v[s];
	return t;
}

static __u64 path(__u32 p)
{
	const struct vsx_stat_block *b = blocks();
	__u64 t = 0;

	for (int c = 0; c < ncpus; c++)
		t += b[c].path[p].packets;
	return t;
}

static __u64 cores_total(void)
{
	const struct vsx_stat_block *b = blocks();
	__u64 t = 0;

	for (int c = 0; c < ncpus; c++)
		for (int k = 0; k < VSX_MAX_CPUS; k++)
			t += b[c].core[k].packets;
	return t;
}

static struct vsx_offload_stats flow_stats(__u32 id)
{
	static struct vsx_offload_stats v[256];
	struct vsx_offload_stats sum = { 0 };

	assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_offload_stats), &id, v), 0);
	for (int c = 0; c < ncpus; c++) {
		sum.packets += v[c].packets;
		sum.bytes += v[c].bytes;
		sum.refused += v[c].refused;
		sum.redirect_fail += v[c].redirect_fail;
		sum.rate_dropped += v[c].rate_dropped;
		sum.tcp_flags |= v[c].tcp_flags;
	}
	return sum;
}

static void assert_sums(void)
{
	__u64 rx = stat(VSX_STAT_RX);

	assert_int_equal(path(VSX_PATH_NORMAL) + path(VSX_PATH_OFFLOAD) + path(VSX_PATH_DROP), rx);
	assert_int_equal(cores_total(), rx);
}

/* ---- tests ---- */

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

/* Flow entry: the inner frame, byte for byte, redirected; counted per flow, port and path. */
static void test_decap_exact(void **state)
{
	static __u8 out[PB_MAX_LEN];
	struct pb inner, p;
	struct pkt_opts o;
	__u32 len;

	default_state();
	default_opts(&o);
	o.inner_len = 200;
	build(&o, &inner, &p);
	__u64 hit = stat(VSX_STAT_OFFLOAD_HIT), ofl = path(VSX_PATH_OFFLOAD);
	struct vsx_offload_stats before = flow_stats(FLOW_ID);

	assert_int_equal(run(&p, out, &len), XDP_REDIRECT);
	assert_int_equal(len, inner.len);
	assert_memory_equal(out, inner.data, inner.len);
	assert_int_equal(stat(VSX_STAT_OFFLOAD_HIT), hit + 1);
	assert_int_equal(path(VSX_PATH_OFFLOAD), ofl + 1);
	struct vsx_offload_stats after = flow_stats(FLOW_ID);
	assert_int_equal(after.packets, before.packets + 1);
	assert_int_equal(after.bytes, before.bytes + inner.len);
	assert_sums();
}

/* No flow entry: the VM entry (VNI + inner destination MAC) delivers, counted on its id. */
static void test_vm_entry(void **state)
{
	static __u8 out[PB_MAX_LEN];
	struct vsx_offload_key f = flow_key(VNI, 17, 1000, 2000);
	struct pb inner, p;
	struct pkt_opts o;
	__u32 len;

	default_state();
	bpf_map_delete_elem(fd_of(skel->maps.vsx_offload), &f);
	write_ofl_cfg(VSX_OFL_CFG_ON, 0, 1);
	default_opts(&o);
	o.tcp = true; /* another flow of the VM */
	build(&o, &inner, &p);
	__u64 n = flow_stats(VM_FLOW_ID).packets;

	assert_int_equal(run(&p, out, &len), XDP_REDIRECT);
	assert_int_equal(len, inner.len);
	assert_memory_equal(out, inner.data, inner.len);
	assert_int_equal(flow_stats(VM_FLOW_ID).packets, n + 1);
	/* off: nothing is looked up */
	write_ofl_cfg(0, 0, 1);
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_sums();
}

/* Packets an entry matches that must take the normal path, one per check. */
enum refusal {
	R_OUTER_CSUM, R_UDP_CSUM, R_VXLAN_FLAG, R_VXLAN_RSVD, R_PADDING, R_NOT_VTEP, R_NOT_UPLINK_MAC,
	R_OUTER_VLAN, R_OUTER_V6, R_OUTER_OPTS, R_MARTIAN, R_ECN_CE, R_INNER_VLAN, R_INNER_MCAST_SRC,
	R_INNER_FIRST_FRAG, R_INNER_LATER_FRAG, R_OUTER_FRAG, R_INNER_LEN, R_MTU, R_FIN, R_RST,
	R_OTHER_TENANT_VNI, R_FLOW_ENTRY_OTHER_VNI, R_FOREIGN_MAC, R_STALE_PORT, R_PORT_OTHER_VNI,
	R_COUNT
};

static const char *const refusal_names[R_COUNT] = {
	"outer IPv4 checksum wrong", "outer UDP checksum wrong", "VXLAN flag other than I",
	"VXLAN reserved byte", "Ethernet padding after the datagram", "outer destination not a VTEP",
	"outer destination MAC not the uplink's", "outer VLAN tag", "IPv6 outer, zero UDP checksum",
	"outer IPv4 options", "martian outer source", "outer CE over a not-ECT inner packet",
	"inner VLAN tag", "inner multicast source MAC", "inner first fragment",
	"inner later fragment", "outer first fragment", "inner tot_len beyond the frame",
	"inner packet over the port's MTU", "TCP FIN", "TCP RST",
	"VM entry of another tenant's VNI naming the port", "flow entry of another VNI naming the port",
	"foreign destination MAC with an entry naming the port", "stale port (invalidated)",
	"port moved to another VNI",
};

static const uint8_t ip_opt_nop[4] = { 1, 1, 1, 0 };

/* Builds refusal r's packet (and changes the tables as it needs). */
static void refusal_packet(enum refusal r, struct pb *p)
{
	struct pb inner, dgram, frag;
	struct pkt_opts o;
	struct vsx_offload_key k;

	default_state();
	default_opts(&o);
	switch (r) {
	case R_UDP_CSUM: o.keep_udp_csum = true; o.inner_len = 777; break;
	case R_NOT_VTEP: o.tun.ip.dst = "192.0.2.9"; break;
	case R_NOT_UPLINK_MAC: o.tun.eth.dst = "02:00:00:00:00:09"; break;
	case R_OUTER_VLAN: o.tun.eth.n_vlan = 1; o.tun.eth.vlan[0] = 5; break;
	case R_OUTER_V6: o.tun.v6 = true; break;
	case R_OUTER_OPTS: o.tun.ip.opt = ip_opt_nop; o.tun.ip.opt_len = 4; break;
	case R_MARTIAN: o.tun.ip.src = "127.0.0.1"; break;
	case R_ECN_CE: o.tun.ip.tos = 0x03; break;
	case R_INNER_VLAN: o.eth.n_vlan = 1; o.eth.vlan[0] = 7; break;
	case R_INNER_MCAST_SRC: o.eth.src = "03:00:00:00:01:01"; break;
	case R_OUTER_FRAG: o.tun.ip.mf = true; break;
	case R_INNER_LEN: o.ip.len = 1000; break;
	case R_MTU: o.inner_len = 1514; set_port(1, VNI, PB_MAC_IN_DST, 1400, VSX_PORT_F_VALID); break;
	case R_FIN: o.tcp = true; o.tcp_flags = PB_TCP_FIN | PB_TCP_ACK; break;
	case R_RST: o.tcp = true; o.tcp_flags = PB_TCP_RST; break;
	case R_OTHER_TENANT_VNI:
		o.tun.vni = 200;
		k = vm_key(200, PB_MAC_IN_DST);
		put_entry(&k, VM_FLOW_ID, 0, 0);
		write_ofl_cfg(VSX_OFL_CFG_ON, 1, 2);
		break;
	case R_FLOW_ENTRY_OTHER_VNI:
		o.tun.vni = 200;
		k = flow_key(200, 17, 1000, 2000);
		put_entry(&k, FLOW_ID, 0, 0);
		write_ofl_cfg(VSX_OFL_CFG_ON, 2, 1);
		break;
	case R_FOREIGN_MAC:
		o.eth.dst = "02:00:00:00:01:99";
		k = vm_key(VNI, "02:00:00:00:01:99");
		put_entry(&k, VM_FLOW_ID, 0, 0);
		write_ofl_cfg(VSX_OFL_CFG_ON, 1, 2);
		break;
	case R_STALE_PORT: set_port(1, VNI, PB_MAC_IN_DST, 1500, 0); break;
	case R_PORT_OTHER_VNI: set_port(1, 300, PB_MAC_IN_DST, 1500, VSX_PORT_F_VALID); break;
	default: break;
	}
	if (o.tcp) {
		k = flow_key(VNI, 6, 1000, 2000);
		put_entry(&k, FLOW_ID, 0, 0);
		write_ofl_cfg(VSX_OFL_CFG_ON, 2, 1);
	}
	if (r == R_INNER_FIRST_FRAG || r == R_INNER_LATER_FRAG) {
		o.inner_len = 400;
		build(&o, &inner, p);
		/* the inner datagram (from its IP header) in 2 fragments, each its own frame */
		assert_int_equal(pb_fragment(&inner, 200, r == R_INNER_FIRST_FRAG ? 0 : 1, 0, &frag), 0);
		pb_init(p);
		pb_vxlan_encap(p, &o.tun);
		pb_frame(p, &frag);
		assert_true(pb_finish(p) > 0);
		p->data[OUTER_UDP_CSUM_OFF] = p->data[OUTER_UDP_CSUM_OFF + 1] = 0;
		(void)dgram;
		return;
	}
	build(&o, &inner, p);
	switch (r) {
	case R_OUTER_CSUM: p->data[24] ^= 0x01; break;
	case R_UDP_CSUM: p->data[OUTER_UDP_CSUM_OFF + 1] ^= 0x40; break;
	case R_VXLAN_FLAG: p->data[43] = 0x01; break;
	case R_VXLAN_RSVD: p->data[49] = 0x01; break;
	case R_PADDING: memset(p->data + p->len, 0, 4); p->len += 4; break;
	case R_OUTER_V6: p->data[14 + 40 + 6] = p->data[14 + 40 + 7] = 0; break;
	default: break;
	}
}

static void test_refusals(void **state)
{
	static __u8 out[PB_MAX_LEN];

	for (int r = 0; r < R_COUNT; r++) {
		struct pb p;
		__u32 len;

		refusal_packet((enum refusal)r, &p);
		__u64 hit = stat(VSX_STAT_OFFLOAD_HIT), normal = path(VSX_PATH_NORMAL);
		__u64 refused = stat(VSX_STAT_OFFLOAD_REFUSED);
		int verdict = run(&p, out, &len);

		if (verdict != XDP_PASS || stat(VSX_STAT_OFFLOAD_HIT) != hit ||
		    path(VSX_PATH_NORMAL) != normal + 1 || len != p.len || memcmp(out, p.data, p.len)) {
			pb_hexdump(stderr, p.data, p.len);
			fail_msg("%s: took the fast path (verdict %d) or changed the packet",
				 refusal_names[r], verdict);
		}
		/* an entry matched and a check refused it: not a lookup that missed */
		if (stat(VSX_STAT_OFFLOAD_REFUSED) != refused + 1)
			fail_msg("%s: not refused by a check (no entry matched?)", refusal_names[r]);
	}
	assert_sums();
}

/*
 * A sender that sets the outer UDP checksum (Linux's VXLAN with udpcsum): verified over the
 * datagram, delivered when right (lengths that exercise the 512-byte pieces and a last piece
 * of 1, 2, 3 bytes over a word), refused when one payload bit is wrong.
 */
static void test_udp_csum_verified(void **state)
{
	static const size_t lens[] = { 60, 61, 62, 63, 64, 454, 455, 456, 457, 1000, 1514 };
	static __u8 out[PB_MAX_LEN];
	struct pb inner, p;
	struct pkt_opts o;
	__u32 len;

	default_state();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		default_opts(&o);
		o.keep_udp_csum = true;
		o.inner_len = lens[i];
		build(&o, &inner, &p);
		assert_true(p.data[OUTER_UDP_CSUM_OFF] | p.data[OUTER_UDP_CSUM_OFF + 1]);
		if (run(&p, out, &len) != XDP_REDIRECT || len != inner.len ||
		    memcmp(out, inner.data, inner.len))
			fail_msg("inner frame of %zu bytes with a right UDP checksum: not delivered",
				 lens[i]);
		p.data[p.len - 1] ^= 0x01; /* the last payload byte: only the checksum sees it */
		if (run(&p, NULL, NULL) != XDP_PASS)
			fail_msg("inner frame of %zu bytes with a wrong UDP checksum: delivered", lens[i]);
	}
	assert_sums();
}

/* IPv6 outer headers: delivered when to a VTEP with a right checksum, else the normal path. */
static void test_outer_ipv6(void **state)
{
	static __u8 out[PB_MAX_LEN];
	struct pb inner, p;
	struct pkt_opts o;
	__u32 len;

	default_state();
	for (size_t n = 60; n < 1400; n += 333) {
		default_opts(&o);
		o.tun.v6 = true;
		o.inner_len = n;
		build(&o, &inner, &p);
		if (run(&p, out, &len) != XDP_REDIRECT || len != inner.len || memcmp(out, inner.data, inner.len))
			fail_msg("IPv6 outer, %zu-byte inner frame: not delivered", n);
		p.data[p.len - 1] ^= 0x80;
		if (run(&p, NULL, NULL) != XDP_PASS)
			fail_msg("IPv6 outer, %zu-byte inner frame, wrong UDP checksum: delivered", n);
	}
	default_opts(&o);
	o.tun.v6 = true;
	o.tun.ip.dst = "2001:db8::99"; /* not a VTEP */
	build(&o, &inner, &p);
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	default_opts(&o);
	o.tun.v6 = true;
	o.tun.ip.src = "ff02::1"; /* multicast source */
	build(&o, &inner, &p);
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_sums();
}

/* The refusals were refusals of a matching entry, counted as such; FIN/RST flags recorded. */
static void test_refusals_counted(void **state)
{
	struct pb p;

	refusal_packet(R_FIN, &p);
	__u64 refused = stat(VSX_STAT_OFFLOAD_REFUSED);
	struct vsx_offload_stats before = flow_stats(FLOW_ID);

	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(VSX_STAT_OFFLOAD_REFUSED), refused + 1);
	assert_int_equal(flow_stats(FLOW_ID).refused, before.refused + 1);
	assert_true(flow_stats(FLOW_ID).tcp_flags & PB_TCP_FIN);
	/* the same packet without FIN is delivered: the refusal was the FIN's */
	refusal_packet(R_FIN, &p);
	p.data[50 + 14 + 20 + 13] = PB_TCP_ACK; /* inner TCP flags (checksum not looked at) */
	assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
}

/* A valid packet cut anywhere, or one byte longer: never the fast path. */
static void test_lengths(void **state)
{
	struct pb inner, p, c;
	struct pkt_opts o;

	default_state();
	default_opts(&o);
	o.inner_len = 120;
	build(&o, &inner, &p);
	assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
	for (size_t n = 14; n < p.len; n++) {
		memcpy(&c, &p, sizeof(c));
		pb_truncate(&c, n);
		if (run(&c, NULL, NULL) != XDP_PASS)
			fail_msg("cut at %zu of %zu: not the normal path", n, p.len);
	}
	assert_sums();
}

/*
 * Every packet the parser refuses (its fixtures: TRUNCATED, MALFORMED) takes the normal path,
 * with a VM entry and a port for the fixture's VNI and inner destination MAC in place.
 */
static void test_parser_fixtures(void **state)
{
	size_t n_refused = 0;

	for (size_t i = 0; i < N_FIXTURES; i++) {
		const struct fixture *f = &fixtures[i];
		struct vsx_offload_key k;
		struct pb p;

		if (f->exp.status == VSX_PARSE_OK || f->exp.status == VSX_PARSE_NON_IP)
			continue;
		default_state();
		k = vm_key(f->exp.vni, PB_MAC_IN_DST);
		put_entry(&k, VM_FLOW_ID, 0, 0);
		set_port(1, f->exp.vni, PB_MAC_IN_DST, 9000, VSX_PORT_F_VALID);
		build_fixture(f, &p);
		/* an outer IPv4 UDP to 4789 without options: no UDP checksum, as Linux sends */
		if (p.len > 42 && p.data[12] == 0x08 && p.data[13] == 0 && p.data[14] == 0x45 &&
		    p.data[23] == 17 && p.data[36] == 0x12 && p.data[37] == 0xb5)
			p.data[40] = p.data[41] = 0;
		if (p.len < 14)
			continue; /* BPF_PROG_TEST_RUN refuses runts (test_parse.c runs them natively) */
		__u64 hit = stat(VSX_STAT_OFFLOAD_HIT);
		if (run(&p, NULL, NULL) != XDP_PASS || stat(VSX_STAT_OFFLOAD_HIT) != hit)
			fail_msg("%s: not the normal path", f->desc);
		n_refused++;
	}
	assert_true(n_refused > 20);
	print_message("# %zu refused fixtures, all on the normal path\n", n_refused);
	assert_sums();
}

/* Over the entry's token bucket: dropped, counted per flow and on the drop path. */
static void test_rate_limit(void **state)
{
	struct vsx_offload_key f = flow_key(VNI, 17, 1000, 2000);
	struct vsx_rate_bucket b;
	struct pb inner, p;
	struct pkt_opts o;
	__u32 id = 3;

	default_state();
	/* 1 packet/s, burst 1 packet: the first passes, the next ones within the second do not */
	assert_int_equal(vsx_rate_config(&b, 0, 1, 0, 1, 0), 0);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_rx_rate), &id, &b, BPF_F_LOCK), 0);
	put_entry(&f, FLOW_ID, VSX_OFL_F_RATE, id);
	default_opts(&o);
	build(&o, &inner, &p);
	__u64 drops = path(VSX_PATH_DROP), rd = flow_stats(FLOW_ID).rate_dropped;

	assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(&p, NULL, NULL), XDP_DROP);
	assert_int_equal(run(&p, NULL, NULL), XDP_DROP);
	assert_int_equal(path(VSX_PATH_DROP), drops + 2);
	assert_int_equal(flow_stats(FLOW_ID).rate_dropped, rd + 2);
	assert_int_equal(stat(VSX_STAT_OFFLOAD_RATE_DROP) >= 2, 1);
	assert_sums();
}

/* No devmap entry for the port: the frame stays whole and goes the normal path, counted. */
static void test_redirect_fail(void **state)
{
	static __u8 out[PB_MAX_LEN];
	struct pb inner, p;
	struct pkt_opts o;
	__u32 port = PORT, len;

	default_state();
	assert_int_equal(bpf_map_delete_elem(fd_of(skel->maps.vsx_vm_ports), &port), 0);
	default_opts(&o);
	build(&o, &inner, &p);
	__u64 rf = flow_stats(FLOW_ID).redirect_fail, normal = path(VSX_PATH_NORMAL);

	assert_int_equal(run(&p, out, &len), XDP_PASS);
	assert_int_equal(len, p.len);
	assert_memory_equal(out, p.data, p.len);
	assert_int_equal(flow_stats(FLOW_ID).redirect_fail, rf + 1);
	assert_int_equal(path(VSX_PATH_NORMAL), normal + 1);
	assert_sums();
}

/* ---- the flow cache in every mode (vsx_flow_record) ---- */

#define CACHE_SLOTS 1024 /* setup() sizes the cache so */

/* Slots and their counters zeroed (tags restart at 0: counters must go with them). */
static void clear_cache(void)
{
	static struct vsx_flow_stats zero_stats[256];
	struct vsx_flow_slot zero_slot = { 0 };

	for (__u32 i = 0; i < CACHE_SLOTS; i++) {
		assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_flow_cache), &i, &zero_slot, 0), 0);
		assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_flow_stats), &i, zero_stats, 0), 0);
	}
}

/* The live slot of the UDP flow from inner source `src` in VNI 100 (-1: none), and its slot. */
static int find_slot(const char *src, struct vsx_flow_slot *out)
{
	struct vsx_flow_slot sl;
	__be32 a;
	int found = -1;

	inet_pton(AF_INET, src, &a);
	for (__u32 i = 0; i < CACHE_SLOTS; i++) {
		assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_flow_cache), &i, &sl), 0);
		if (!(sl.flags & VSX_SLOT_VALID) || sl.gen != 1 || sl.key.vni != htonl(VNI) ||
		    sl.key.nw_src[0] != a || sl.key.nw_proto != 17 || sl.key.tp_src != htons(1000))
			continue;
		assert_int_equal(found, -1); /* one slot a flow */
		found = (int)i;
		*out = sl;
	}
	return found;
}

/* The flow counters of a slot, summed over CPUs (those whose tag is the slot's). */
static void slot_counters(__u32 index, __u32 tag, __u64 *packets, __u64 *bytes)
{
	static struct vsx_flow_stats v[256];

	*packets = *bytes = 0;
	assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_flow_stats), &index, v), 0);
	for (int c = 0; c < ncpus; c++)
		if (v[c].tag == tag) {
			*packets += v[c].packets;
			*bytes += v[c].bytes;
		}
}

static void write_cfg_rss(__u16 cpu)
{
	struct vsx_config c = { .mode = VSX_MODE_RSS, .vxlan_port = htons(4789), .rules_gen = 1,
				.flow_slots_mask = CACHE_SLOTS - 1, .rss_n_cpus = 1 };
	__u32 zero = 0;

	c.rss_cpus[0] = cpu;
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_config), &zero, &c, 0), 0);
}

/*
 * With the offload on, modes default and rss record every flow in the cache as mode vsx does
 * (slot, tag, its counters of the inner Ethernet frame), with the mode's core: default the
 * receiving core (VSX_CORE_NONE, STAY), rss the hashed one; not with the offload off. Mode vsx
 * classifies a recorded flow again in the same slot (counters kept), and a mode recording a
 * flow mode vsx decided takes the slot back. Offloaded packets count too, as in mode vsx.
 */
static void test_cache_every_mode(void **state)
{
	static const char *const srcs[] = { "10.0.5.1", "10.0.5.2", "10.0.5.3" };
	const __u32 modes[] = { VSX_MODE_DEFAULT, VSX_MODE_RSS, VSX_MODE_VSX };
	struct vsx_flow_slot sl;
	struct pb inner, p;
	struct pkt_opts o;
	__u64 pk, by;
	int idx;

	default_state();
	clear_cache();
	for (int m = 0; m < 3; m++) {
		default_opts(&o);
		o.ip.src = srcs[m]; /* a flow without an entry: only the VM entry... */
		o.eth.dst = "02:00:00:00:00:99"; /* ...which this MAC has not: the normal path */
		build(&o, &inner, &p);
		/* off: nothing recorded in default and rss (mode vsx caches regardless) */
		write_ofl_cfg(0, 1, 1);
		if (modes[m] == VSX_MODE_RSS)
			write_cfg_rss(0);
		else
			write_cfg(modes[m]);
		assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		if (modes[m] != VSX_MODE_VSX)
			assert_int_equal(find_slot(srcs[m], &sl), -1);
		/* on: recorded, counted per inner frame */
		clear_cache();
		write_ofl_cfg(VSX_OFL_CFG_ON, 1, 1);
		__u64 passed = path(VSX_PATH_NORMAL);
		for (int i = 0; i < 3; i++)
			assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		assert_int_equal(path(VSX_PATH_NORMAL), passed + 3);
		idx = find_slot(srcs[m], &sl);
		assert_true(idx >= 0);
		slot_counters((__u32)idx, sl.tag, &pk, &by);
		assert_int_equal(pk, 3);
		assert_int_equal(by, 3 * inner.len);
		assert_int_equal(sl.rule_id, 0);
		assert_true(sl.last_jiffies >= sl.first_jiffies && sl.first_jiffies > 0);
		if (modes[m] == VSX_MODE_DEFAULT) {
			assert_int_equal(sl.core, VSX_CORE_NONE);
			assert_int_equal(sl.flags, VSX_SLOT_VALID | VSX_SLOT_MODE | VSX_SLOT_STAY);
		} else if (modes[m] == VSX_MODE_RSS) {
			assert_int_equal(sl.core, 0);
			assert_int_equal(sl.flags, VSX_SLOT_VALID | VSX_SLOT_MODE);
		} else {
			/* no rules: unmatched, stays; decided by vsx, not recorded */
			assert_int_equal(sl.flags & (VSX_SLOT_MODE | VSX_SLOT_STAY), VSX_SLOT_STAY);
		}
	}

	/* rss records on CPU 1; mode vsx then classifies it again in that slot, counters kept */
	clear_cache();
	write_ofl_cfg(VSX_OFL_CFG_ON, 1, 1);
	write_cfg_rss(1);
	default_opts(&o);
	o.ip.src = srcs[0];
	o.eth.dst = "02:00:00:00:00:99";
	build(&o, &inner, &p);
	run(&p, NULL, NULL);
	idx = find_slot(srcs[0], &sl);
	assert_true(idx >= 0);
	assert_int_equal(sl.core, 1);
	assert_int_equal(sl.flags, VSX_SLOT_VALID | VSX_SLOT_MODE);
	__u32 tag = sl.tag;
	__u64 miss = stat(VSX_STAT_CACHE_MISS);
	write_cfg(VSX_MODE_VSX);
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_int_equal(find_slot(srcs[0], &sl), idx);
	assert_int_equal(stat(VSX_STAT_CACHE_MISS), miss + 1);
	assert_int_equal(sl.flags & VSX_SLOT_MODE, 0);
	assert_int_equal(sl.core, VSX_CORE_NONE); /* no rule: stays */
	assert_int_equal(sl.tag, tag);
	slot_counters((__u32)idx, tag, &pk, &by);
	assert_int_equal(pk, 2);
	/* a hit in mode vsx now: no reclassification */
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(VSX_STAT_CACHE_MISS), miss + 1);
	/* back to default: the slot is the mode's again */
	write_cfg(VSX_MODE_DEFAULT);
	assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
	assert_int_equal(find_slot(srcs[0], &sl), idx);
	assert_int_equal(sl.flags, VSX_SLOT_VALID | VSX_SLOT_MODE | VSX_SLOT_STAY);
	slot_counters((__u32)idx, tag, &pk, &by);
	assert_int_equal(pk, 4);
	assert_int_equal(by, 4 * inner.len);

	/* an offloaded packet is recorded too (the flow manager sees it), as in mode vsx */
	clear_cache();
	default_opts(&o);
	build(&o, &inner, &p);
	assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
	idx = find_slot(PB_IP4_IN_SRC, &sl);
	assert_true(idx >= 0);
	slot_counters((__u32)idx, sl.tag, &pk, &by);
	assert_int_equal(pk, 1);
	assert_int_equal(by, inner.len);
	assert_sums();
}

/* The negative marks of a slot: how many CPUs say "no entry as of generation entry_gen". */
static int marks_now(__u32 index)
{
	static struct vsx_flow_stats v[256];
	int n = 0;

	assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_flow_stats), &index, v), 0);
	for (int c = 0; c < ncpus; c++)
		n += v[c].ofl_none == entry_gen + 1;
	return n;
}

/*
 * The negative mark (vsx_flow_stats.ofl_none): a cached flow found without an entry skips
 * the lookups until the next put. Shown by an entry slipped in without the agent's bump: not
 * found (the lookups were skipped); after the bump it is taken at the very next packet. A put
 * through the agent's order (insert, bump) is taken at the next packet; a deleted entry is never
 * used (no bump needed: the flow was looked up, not marked, while it had an entry). In modes
 * default (recorded, vsx_flow_record) and vsx (steering's cache).
 */
static void test_negative_mark(void **state)
{
	const __u32 modes[] = { VSX_MODE_DEFAULT, VSX_MODE_VSX };
	static const char *const srcs[] = { "10.0.6.1", "10.0.6.2" };
	struct vsx_offload_key other = flow_key(VNI, 17, 1000, 2000), f;
	struct vsx_offload_entry e = { .port = PORT, .flow_id = FLOW_ID };
	struct vsx_flow_slot sl;
	struct pb inner, p;
	struct pkt_opts o;
	__u32 zero = 0;
	int idx;

	for (int m = 0; m < 2; m++) {
		clear_entries();
		clear_cache();
		write_cfg(modes[m]);
		set_port(1 /* lo */, VNI, PB_MAC_IN_DST, 1500, VSX_PORT_F_VALID);
		write_ofl_cfg(VSX_OFL_CFG_ON, 2, 0);
		put_entry(&other, VM_FLOW_ID, 0, 0); /* another flow's: the lookups are not skipped by n_flow */
		f = other;
		inet_pton(AF_INET, srcs[m], &f.nw_src[0]);
		default_opts(&o);
		o.ip.src = srcs[m];
		build(&o, &inner, &p);

		/* 1st packet: cached (no mark yet), 2nd: looked up and marked, 3rd: skips */
		for (int i = 0; i < 3; i++)
			assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		idx = find_slot(srcs[m], &sl);
		assert_true(idx >= 0);
		assert_int_equal(marks_now((__u32)idx), 1);

		/* an entry without the bump: the mark holds, the lookups are skipped */
		assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_offload), &f, &e, 0), 0);
		assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		/* the agent's bump: the next packet takes it */
		bump_entry_gen();
		assert_int_equal(marks_now((__u32)idx), 0);
		__u64 hits = flow_stats(FLOW_ID).packets;
		assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
		assert_int_equal(flow_stats(FLOW_ID).packets, hits + 1);
		assert_int_equal(marks_now((__u32)idx), 0); /* found: not marked */

		/* deleted (no bump): never used; looked up, then marked again */
		assert_int_equal(bpf_map_delete_elem(fd_of(skel->maps.vsx_offload), &f), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(run(&p, NULL, NULL), XDP_PASS);
		assert_int_equal(flow_stats(FLOW_ID).packets, hits + 1);
		assert_int_equal(marks_now((__u32)idx), 1);

		/* put as the agent does (insert, bump): the next packet takes the fast path */
		put_entry(&f, FLOW_ID, 0, 0);
		assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
		assert_int_equal(flow_stats(FLOW_ID).packets, hits + 2);

		/* a rules change (steering's generation) drops the slot and its mark with it */
		bpf_map_delete_elem(fd_of(skel->maps.vsx_offload), &f);
		run(&p, NULL, NULL);
		assert_int_equal(marks_now((__u32)idx), 1);
		assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_offload), &f, &e, 0), 0);
		struct vsx_config c;
		assert_int_equal(bpf_map_lookup_elem(fd_of(skel->maps.vsx_config), &zero, &c), 0);
		c.rules_gen++;
		assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_config), &zero, &c, 0), 0);
		assert_int_equal(run(&p, NULL, NULL), XDP_REDIRECT);
	}
	write_cfg(VSX_MODE_DEFAULT);
	assert_sums();
}

/* Every map the program has is named in include/vsx/map_names.h, and every uplink name is a map. */
static void test_map_names(void **state)
{
	static const char *const names[] = {
		VSX_MAP_CONFIG, VSX_MAP_STATS, VSX_MAP_MASKS, VSX_MAP_RULES, VSX_MAP_RULE_STATE,
		VSX_MAP_RULE_STATS, VSX_MAP_CORE_TABLE, VSX_MAP_CORE_ASSIGN, VSX_MAP_FLOW_CACHE,
		VSX_MAP_FLOW_STATS, VSX_MAP_FRAGS, VSX_MAP_FRAG_SCRATCH, VSX_MAP_CLS_SCRATCH,
		VSX_MAP_CPU_MAP, VSX_MAP_VM_PRIO, VSX_MAP_OFFLOAD, VSX_MAP_OFFLOAD_STATS,
		VSX_MAP_OFFLOAD_CFG, VSX_MAP_VM_PORT, VSX_MAP_VM_PORTS, VSX_MAP_PORT_STATS,
		VSX_MAP_RX_RATE, VSX_MAP_FP_SCRATCH,
	};
	struct bpf_map *m;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!bpf_object__find_map_by_name(skel->obj, names[i]))
			fail_msg("%s is not a map of the uplink object", names[i]);
	bpf_object__for_each_map(m, skel->obj) {
		bool named = false;

		if (strchr(bpf_map__name(m), '.'))
			continue; /* .rodata and friends */
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			named |= !strcmp(names[i], bpf_map__name(m));
		if (!named)
			fail_msg("map %s is not in include/vsx/map_names.h", bpf_map__name(m));
		n++;
	}
	assert_int_equal(n, sizeof(names) / sizeof(names[0]));
	assert_non_null(bpf_object__find_program_by_name(skel->obj, VSX_PROG_UPLINK));
	assert_non_null(bpf_object__find_program_by_name(skel->obj, VSX_PROG_UPLINK_CPUMAP));
}

/* ---- live frames: the real redirect into a veth pair ---- */

struct veth {
	char a[IFNAMSIZ], b[IFNAMSIZ]; /* a: the VM port (host side); b: the VM's end */
	int ifa, ifb;
	struct offload_sink *sink;
};

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool veth_up(struct veth *v)
{
	snprintf(v->a, sizeof(v->a), "vdpa%d", (int)getpid() % 100000);
	snprintf(v->b, sizeof(v->b), "vdpb%d", (int)getpid() % 100000);
	if (sh("ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
	       v->a, v->b, v->a, v->b))
		return false;
	snprintf(live_veth, sizeof(live_veth), "%s", v->a);
	v->ifa = (int)if_nametoindex(v->a);
	v->ifb = (int)if_nametoindex(v->b);
	v->sink = offload_sink__open_and_load();
	assert_non_null(v->sink);
	/* native XDP on the VM's end: its NAPI takes the redirected frames */
	assert_int_equal(bpf_xdp_attach(v->ifb, bpf_program__fd(v->sink->progs.offload_sink), 0, NULL), 0);
	return true;
}

static void veth_down(struct veth *v)
{
	bpf_xdp_detach(v->ifb, 0, NULL);
	offload_sink__destroy(v->sink);
	sh("ip link del %s 2>/dev/null", v->a);
	live_veth[0] = 0;
}

static struct sink_rec sink_rec(struct veth *v, __u32 cpu)
{
	struct sink_rec r;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(v->sink->maps.sink), &cpu, &r), 0);
	return r;
}

static int run_live(const struct pb *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data, .data_size_in = (__u32)p->len,
		    .repeat = repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vsx_uplink), &t);
}

/* The per-CPU count of a named counter. */
static __u64 stat_on(__u32 cpu, __u32 s)
{
	return blocks()[cpu].v[s];
}

/*
 * Live: on the receiving core (mode default) the uplink program decapsulates and redirects
 * itself; with steering to another core (mode rss over CPU 1 only) the cpumap program does it
 * there, and the VM's end receives the frames on that core. The frames arriving are the inner
 * frames, byte for byte. Which CPU did the decapsulation is the per-CPU OFFLOAD_HIT counter.
 */
static void test_live_redirect(void **state)
{
	struct vsx_config c = { .mode = VSX_MODE_RSS, .vxlan_port = htons(4789), .rules_gen = 1,
				.flow_slots_mask = 1023, .rss_n_cpus = 1, .rss_cpus = { 1 } };
	struct bpf_cpumap_val cv = { .qsize = 256 };
	struct pb inner, p;
	struct pkt_opts o;
	struct veth v;
	cpu_set_t set;
	__u32 zero = 0, one = 1;
	const __u32 n = 64;

	if (!veth_up(&v))
		skip();
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	default_state();
	set_port((__u32)v.ifa, VNI, PB_MAC_IN_DST, 1500, VSX_PORT_F_VALID);
	default_opts(&o);
	o.inner_len = 128;
	build(&o, &inner, &p);

	/* on the receiving core */
	__u64 hit0 = stat_on(0, VSX_STAT_OFFLOAD_HIT);
	assert_int_equal(run_live(&p, n), 0);
	usleep(100 * 1000);
	struct sink_rec r0 = sink_rec(&v, 0);
	assert_int_equal(r0.frames, n);
	assert_int_equal(r0.len, inner.len);
	assert_memory_equal(r0.data, inner.data, inner.len);
	assert_int_equal(stat_on(0, VSX_STAT_OFFLOAD_HIT), hit0 + n);
	assert_sums();

	/* steered to CPU 1: its cpumap program does the fast path there */
	if (ncpus < 2) {
		veth_down(&v);
		skip();
	}
	cv.bpf_prog.fd = bpf_program__fd(skel->progs.vsx_uplink_cpumap);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_cpu_map), &one, &cv, 0), 0);
	assert_int_equal(bpf_map_update_elem(fd_of(skel->maps.vsx_config), &zero, &c, 0), 0);
	__u64 hit1 = stat_on(1, VSX_STAT_OFFLOAD_HIT), hit0b = stat_on(0, VSX_STAT_OFFLOAD_HIT);
	__u64 f1 = sink_rec(&v, 1).frames, f0 = sink_rec(&v, 0).frames;
	assert_int_equal(run_live(&p, n), 0);
	for (int i = 0; i < 50 && sink_rec(&v, 1).frames < f1 + n; i++)
		usleep(20 * 1000);
	struct sink_rec r1 = sink_rec(&v, 1);
	assert_int_equal(r1.frames, f1 + n);
	assert_int_equal(sink_rec(&v, 0).frames, f0);
	assert_int_equal(r1.len, inner.len);
	assert_memory_equal(r1.data, inner.data, inner.len);
	assert_int_equal(stat_on(1, VSX_STAT_OFFLOAD_HIT), hit1 + n);
	assert_int_equal(stat_on(0, VSX_STAT_OFFLOAD_HIT), hit0b);
	print_message("# decap+redirect: receiving CPU 0 then steered CPU 1, %u frames each, "
		      "VM end received them on CPU 0 / CPU 1\n", n);
	assert_sums();

	/*
	 * The port's devmap entry gone after the decision (the cpumap program's redirect cannot
	 * start): the frames go the normal path on CPU 1, counted as such there.
	 */
	__u32 port = PORT;
	__u64 normal = path(VSX_PATH_NORMAL), ofl = path(VSX_PATH_OFFLOAD);
	__u64 rf = flow_stats(FLOW_ID).redirect_fail, f1b = sink_rec(&v, 1).frames;
	assert_int_equal(bpf_map_delete_elem(fd_of(skel->maps.vsx_vm_ports), &port), 0);
	assert_int_equal(run_live(&p, n), 0);
	for (int i = 0; i < 50 && flow_stats(FLOW_ID).redirect_fail < rf + n; i++)
		usleep(20 * 1000);
	assert_int_equal(flow_stats(FLOW_ID).redirect_fail, rf + n);
	assert_int_equal(path(VSX_PATH_NORMAL), normal + n);
	assert_int_equal(path(VSX_PATH_OFFLOAD), ofl);
	assert_int_equal(sink_rec(&v, 1).frames, f1b);
	assert_sums();
	bpf_map_delete_elem(fd_of(skel->maps.vsx_cpu_map), &one);
	veth_down(&v);
}

/*
 * A VM port that cannot take redirected frames (a veth whose peer has neither XDP nor GRO,
 * so no NAPI): the verdict is a redirect, and the kernel's devmap refuses the frames after it.
 * The accounting object's tracepoints (bpf/cpumap_stats.bpf.c) count that per port ifindex in
 * vsx_port_xmit, which is how the agent sees it and moves the flows back.
 */
static void test_live_xmit_fail(void **state)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), ifa;
	struct cpumap_stats *acct;
	struct vsx_port_xmit x[256], zero[256];
	struct pb inner, p;
	struct pkt_opts o;
	struct veth v;
	const __u32 n = 32;
	__u64 errs = 0;

	snprintf(v.a, sizeof(v.a), "vdpa%d", (int)getpid() % 100000);
	snprintf(v.b, sizeof(v.b), "vdpb%d", (int)getpid() % 100000);
	if (sh("ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
	       v.a, v.b, v.a, v.b))
		skip();
	snprintf(live_veth, sizeof(live_veth), "%s", v.a);
	ifa = if_nametoindex(v.a);
	acct = cpumap_stats__open();
	assert_non_null(acct);
	assert_int_equal(bpf_obj_get_info_by_fd(fd_of(skel->maps.vsx_vm_ports), &info, &len), 0);
	acct->rodata->vsx_devmap_id = info.id;
	if (cpumap_stats__load(acct) || cpumap_stats__attach(acct)) {
		/* tracepoint programs need the kernel's BTF: vsxd runs without them too */
		print_message("# no devmap accounting here (tp_btf programs refused): %s\n", strerror(errno));
		cpumap_stats__destroy(acct);
		sh("ip link del %s 2>/dev/null", v.a);
		live_veth[0] = 0;
		skip();
	}
	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(fd_of(acct->maps.vsx_port_xmit), &ifa, zero, BPF_NOEXIST), 0);

	default_state();
	set_port(ifa, VNI, PB_MAC_IN_DST, 1500, VSX_PORT_F_VALID);
	default_opts(&o);
	build(&o, &inner, &p);
	assert_int_equal(run_live(&p, n), 0);
	usleep(100 * 1000);
	assert_int_equal(bpf_map_lookup_elem(fd_of(acct->maps.vsx_port_xmit), &ifa, x), 0);
	for (int c = 0; c < ncpus; c++)
		errs += x[c].redirect_err + x[c].drops;
	print_message("# port without NAPI: %llu of %u frames refused after the verdict, counted\n",
		      (unsigned long long)errs, n);
	assert_int_equal(errs, n);
	cpumap_stats__destroy(acct);
	sh("ip link del %s 2>/dev/null", v.a);
	live_veth[0] = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_names),
		cmocka_unit_test(test_decap_exact),
		cmocka_unit_test(test_vm_entry),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_udp_csum_verified),
		cmocka_unit_test(test_outer_ipv6),
		cmocka_unit_test(test_refusals_counted),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_parser_fixtures),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_redirect_fail),
		cmocka_unit_test(test_cache_every_mode),
		cmocka_unit_test(test_negative_mark),
		cmocka_unit_test(test_live_redirect),
		cmocka_unit_test(test_live_xmit_fail),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_offload: needs root (BPF)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("offload", tests, setup, teardown);
}
