// SPDX-License-Identifier: MIT
/*
 * bench/ofl_lookup: what the RX fast path costs a packet it does NOT take, through
 * BPF_PROG_TEST_RUN of the real uplink program (bpf/uplink.bpf.c), mode default (no steering,
 * so only the fast path's share varies). The packet: bench/steer's, a 64-byte inner frame in
 * VXLAN over IPv4 (114 bytes), whose flow has no entry. Three states, interleaved per round:
 *
 *   off     vsx_offload_cfg off: one array read and a flag test
 *   flow    on, flow entries present (another flow's): the flow-key lookup, out of line
 *   flow+vm on, flow and VM entries present: both lookups
 *
 * Each state is a repeat loop timed by this thread's CPU time (as bench/steer's loops); a
 * state's number is the median over rounds, the ratios medians of per-round ratios against
 * "off" in the same round. Last line:
 *   ofl_lookup: off_ns=A flow_ns=B flow_vm_ns=C flow_ratio=B/A flow_vm_ratio=C/A
 * Usage: ofl_lookup [-r rounds] [-n repeats]. Needs root (BPF); exits 77 when it cannot run.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "uplink.skel.h"
#include "../tests/bpf/lib/pktbuild.h"
#include <vsx/datapath.h>
#include <vsx/offload.h>

#define MAX_ROUNDS 99

static double loop_ns(int fd, const struct pb *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data, .data_size_in = (__u32)p->len,
		    .repeat = repeat);
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	if (bpf_prog_test_run_opts(fd, &t) || t.retval != XDP_PASS) {
		fprintf(stderr, "ofl_lookup: test run failed or the packet was not passed\n");
		exit(1);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / repeat;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void set_ofl(struct uplink *s, __u32 flags, __u32 n_flow, __u32 n_vm)
{
	struct vsx_offload_cfg o = { .flags = flags, .n_flow = n_flow, .n_vm = n_vm };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(s->maps.vsx_offload_cfg), &zero, &o, 0)) {
		perror("ofl_lookup: vsx_offload_cfg");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct vsx_config c = { .mode = VSX_MODE_DEFAULT, .vxlan_port = htons(4789) };
	struct vsx_offload_key kf = { .vni = htonl(999), .kind = VSX_OFFLOAD_KEY_FLOW,
				      .dl_type = htons(0x0800) };
	struct vsx_offload_key kv = { .vni = htonl(999), .kind = VSX_OFFLOAD_KEY_VM };
	struct vsx_offload_entry e = { .port = 1, .flow_id = 1 };
	double off[MAX_ROUNDS], fl[MAX_ROUNDS], both[MAX_ROUNDS], rf[MAX_ROUNDS], rb[MAX_ROUNDS];
	int rounds = 7, opt, fd;
	__u32 repeat = 1000000, zero = 0;
	struct uplink *s;
	cpu_set_t set;
	struct pb p;

	while ((opt = getopt(argc, argv, "r:n:h")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			repeat = (__u32)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: ofl_lookup [-r rounds (1..%d)] [-n repeats]\n", MAX_ROUNDS);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || repeat < 1000) {
		fprintf(stderr, "ofl_lookup: rounds 1..%d, repeats >= 1000\n", MAX_ROUNDS);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ofl_lookup: needs root (BPF)\n");
		return 77;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	s = uplink__open();
	if (!s)
		return 77;
	bpf_map__set_max_entries(s->maps.vsx_flow_cache, 1024);
	bpf_map__set_max_entries(s->maps.vsx_flow_stats, 1024);
	if (uplink__load(s)) {
		fprintf(stderr, "ofl_lookup: cannot load the uplink program: %s\n", strerror(errno));
		return 77;
	}
	if (bpf_map_update_elem(bpf_map__fd(s->maps.vsx_config), &zero, &c, 0) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.vsx_offload), &kf, &e, 0) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.vsx_offload), &kv, &e, 0)) {
		perror("ofl_lookup: maps");
		return 1;
	}
	pb_init(&p);
	pb_vxlan_encap(&p, &(struct pb_tunnel){ .vni = 100 });
	pb_eth(&p, NULL);
	pb_ipv4(&p, NULL);
	pb_udp(&p, 1000, 2000);
	pb_pad_to(&p, 64);
	if (!pb_finish(&p))
		return 1;
	fd = bpf_program__fd(s->progs.vsx_uplink);
	loop_ns(fd, &p, repeat / 10); /* warm up */
	for (int r = 0; r < rounds; r++) {
		set_ofl(s, 0, 0, 0);
		off[r] = loop_ns(fd, &p, repeat);
		set_ofl(s, VSX_OFL_CFG_ON, 1, 0);
		fl[r] = loop_ns(fd, &p, repeat);
		set_ofl(s, VSX_OFL_CFG_ON, 1, 1);
		both[r] = loop_ns(fd, &p, repeat);
		rf[r] = fl[r] / off[r];
		rb[r] = both[r] / off[r];
		printf("round %d: off %.1f flow %.1f flow+vm %.1f ns\n", r + 1, off[r], fl[r], both[r]);
	}
	printf("packet: %zu bytes, VXLAN VNI 100, no entry for its flow or VM; %d rounds x %u repeats, CPU 0\n",
	       p.len, rounds, repeat);
	printf("ofl_lookup: off_ns=%.1f flow_ns=%.1f flow_vm_ns=%.1f flow_ratio=%.2f flow_vm_ratio=%.2f\n",
	       median(off, rounds), median(fl, rounds), median(both, rounds), median(rf, rounds),
	       median(rb, rounds));
	uplink__destroy(s);
	return 0;
}
