// SPDX-License-Identifier: MIT
/*
 * bench/steer: what steering costs per packet, measured through BPF_PROG_TEST_RUN.
 *
 * Cases (docs/benchmarks.md explains each number):
 *   floor     tests/bpf/steer_floor.bpf.c: the datapath's parser, then a redirect to one
 *             fixed core through a cpumap. The cheapest program that steers.
 *   hit       the real uplink program (bpf/uplink.bpf.c), mode vsx, the packet's flow already
 *             in the flow decision cache.
 *   miss N    the real uplink program, the packet a first packet (flow not in the cache) with
 *             N = 1, 64, 4096 rules installed: classification, cache fill, counters.
 *   miss M masks  the same with M = 8, 32 rules of M different shapes (M subtables, the
 *             classifier's limit is 32), the packet's rule in the last subtable searched.
 *
 * The packet: a 64-byte inner frame (inner Ethernet + IPv4 + UDP 1000 -> 2000 + 22 bytes of
 * payload, no FCS) in VXLAN (I flag, VNI 100) over outer IPv4/UDP to port 4789, outer ToS an
 * FCF (VM 5): 114 bytes in all. The inner ToS is the same byte as the FCF, so the FCF restore
 * finds nothing to rewrite: BPF_PROG_TEST_RUN does not reset the packet between repeats, and
 * only an unmodified packet makes every repeat the same packet (see "What the numbers leave
 * out" in docs/benchmarks.md).
 *
 * Rules: every case uses N rules of one shape, "ip,vni=V,nw_dst=A actions=irq:T" with T a
 * fixed core (not auto: a miss then costs classification, not a core choice); the rule the
 * packet matches is added last. They go through the project's own path, as vsxd installs
 * them: vsx_rule_parse -> the flow_mod door (lib/flow_mod.h: one batch of ADDs into a rule
 * table, vsx_classifier_build, then this program's installer: vsx_cls_install puts the
 * subtables into vsx_masks and the entries into vsx_rules and switches the bank, then a
 * rules_gen bump). Each rule count has its own loaded uplink instance, so rounds switch cases
 * without reinstalling. The mask cases (filler_shape() below) use M rules of M shapes, each filler
 * a different subset of five fields with values the packet does not have and a higher priority than
 * the packet's rule, "ip" alone: that rule's subtable is searched last and every subtable is probed
 * (checked before measuring, match_searched_last()).
 *
 * How a miss is measured. The repeat loop of BPF_PROG_TEST_RUN runs one packet N times and
 * the uplink program caches its flow at the first run, so repeats 2..N would be hits; the
 * program cannot be told to forget (a slot is live while slot.gen == vsx_config.rules_gen, and
 * only user space changes rules_gen). So every miss is its own BPF_PROG_TEST_RUN with
 * repeat = 1, after user space bumped rules_gen through the mmapped vsx_config (what vsxd does
 * on a rule change): the run is then a genuine first packet through the whole miss path,
 * cache fill included. Its time is the kernel's own (test_run's "duration": one program run
 * plus a clock read and bh disable/enable, not the syscall), and what that framing costs is
 * measured the same way with a program that only returns XDP_PASS (steer_nop), in the same
 * interleaved blocks, and subtracted. Every miss run is checked to have been a miss (the
 * program's cache_miss counter), every hit run a hit.
 *
 * Repeat loops (floor, hit, cls) are timed by this thread's CPU time over one run of
 * `repeat` repeats: sub-nanosecond per packet, where test_run's own duration is whole
 * nanoseconds; the syscall around the loop is a few microseconds in tens of milliseconds.
 *
 * Cross-checks printed with the table (not in the ratios):
 *   framing/1 one-shot runs of steer_nop: what is subtracted from the one-shot cases;
 *   framing   steer_nop in a repeat loop: what test_run's loop adds to every packet of the
 *             floor, hit and cls numbers (left in: X is the ratio as measured);
 *   hit/1     the cached flow measured like a miss (repeat = 1, minus framing/1): how much
 *             the one-shot method (colder caches after each syscall) adds to a loop's number;
 *   cls N     the miss path in a repeat loop: vsx_config.flow_slots_mask is set wider than the
 *             cache (a deliberately inconsistent configuration), so both cache lookups fail
 *             and every repeat classifies, but no slot is written. Classification without the
 *             cache fill, timed like hit and floor.
 *
 * Rounds: R rounds (default 7), each runs every case: floor, hit, hit, floor as repeat loops
 * (the two runs of a case averaged, so a drift within the round cancels), framing; the one-shot
 * cases interleaved in blocks of 1000 runs (framing, hit/1, miss 1, miss 64, miss 4096, miss 8
 * masks, miss 32 masks, again and again); then the cls loops (M masks with 1/M of the
 * repeats), in reverse order every other round. A case's number is the median over rounds;
 * X, Y and the mask ratios (miss M masks / miss 1 rule) are medians of per-round ratios.
 *
 * Usage: steer [-r rounds] [-n repeats] [-k one-shot runs per case and round] [-q]
 * Needs root (BPF); exits 77 when it cannot run here.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "map_mmap.h"
#include "vsx/datapath.h"
#include "vsx/fcf.h"
#include "rule.h"
#include "flow_mod.h"
#include "cls_install.h"
#include "../tests/bpf/lib/pktbuild.h"

#include "uplink.skel.h"
#include "steer_floor.skel.h"
#include "rule_text.h"

#define SKIP 77
#define FLOW_SLOTS 65536u
#define CPUMAP_QSIZE 2048
#define VNI 100
#define FCF_VM 5
#define PKT_INNER_DST "10.0.0.2"
#define BLOCK 1000 /* one-shot runs of one case in a row before the next case */

/*
 * The instances: N rules of one shape (one subtable) for the rule-count cases, then M rules of
 * M shapes (M subtables) for the mask-count cases. The 1-rule instance is also the 1-mask one.
 */
static const struct spec {
	unsigned int rules, masks;
	const char *name;
} specs[] = {
    {1, 1, "1 rule"},  {64, 1, "64 rules"},  {4096, 1, "4096 rules"},
    {8, 8, "8 masks"}, {32, 32, "32 masks"},
};
#define N_INST (sizeof(specs) / sizeof(specs[0]))
#define I_RULES1 0    /* also the 1-mask case */
#define I_RULES4096 2 /* the hit case runs here */
#define I_MASK8 3
#define I_MASK32 4

/* One loaded uplink program with its spec's rules. */
struct inst {
	struct uplink *skel;
	int prog_fd;
	struct vsx_config *cfg;
	size_t cfg_len;
	struct vsx_core_table *table;
	size_t table_len;
	const struct spec *spec;
	__u32 n_masks;
	__u32 match_id;		 /* the rule the packet matches */
	__u64 exp_hit, exp_miss; /* runs we expect the program to have counted */
};

static int n_possible;
static int rx_cpu, target_cpu;
static bool online[VSX_MAX_CPUS];
static struct pb pkt;

/* ---- setup ---- */

static void die(const char *what, int err)
{
	fprintf(stderr, "steer: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void *map_mmap(struct bpf_map *map, size_t *len)
{
	void *p = vsx_map_mmap(map, len);

	if (!p)
		die("mmap", errno);
	return p;
}

/* /sys/devices/system/cpu/online: "0-1,3". */
static void read_online(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	unsigned int a, b;
	int c;

	if (!f) {
		for (int i = 0; i < n_possible && i < VSX_MAX_CPUS; i++)
			online[i] = true;
		return;
	}
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			c = fgetc(f);
		}
		for (unsigned int i = a; i <= b && i < VSX_MAX_CPUS; i++)
			online[i] = true;
		if (c != ',')
			break;
	}
	fclose(f);
}

/* Pins us to the first CPU we may run on; the steering target is another online CPU. */
static int pick_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity", errno);
	rx_cpu = -1;
	for (int c = 0; c < VSX_MAX_CPUS && c < n_possible; c++) {
		if (CPU_ISSET(c, &set) && online[c]) {
			rx_cpu = c;
			break;
		}
	}
	target_cpu = -1;
	for (int c = 0; c < VSX_MAX_CPUS && c < n_possible; c++) {
		if (online[c] && c != rx_cpu) {
			target_cpu = c;
			break;
		}
	}
	if (rx_cpu < 0 || target_cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(rx_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	return 0;
}

static void build_packet(void)
{
	__u8 fcf = vsx_fcf_encode(FCF_VM, 0);

	pb_init(&pkt);
	pb_vxlan_encap(&pkt, &(struct pb_tunnel){.ip.tos = fcf, .vni = VNI});
	pb_eth(&pkt, NULL);
	pb_ipv4(&pkt, &(struct pb_ip){.dst = PKT_INNER_DST, .tos = fcf});
	pb_udp(&pkt, 1000, 2000);
	pb_pad_to(&pkt, 64);
	if (!pb_finish(&pkt))
		die("building the packet", pkt.err ? pkt.err : EINVAL);
}

static void cpumap_fill(int fd, bool only_target)
{
	for (int c = 0; c < n_possible && c < VSX_MAX_CPUS; c++) {
		struct bpf_cpumap_val v = {.qsize = CPUMAP_QSIZE};
		__u32 k = (__u32)c;

		if (!online[c] || (only_target && c != target_cpu))
			continue;
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			die("cpumap entry", errno);
	}
}

/* One ADD (origin bench) into the batch; its id in *id. */
static void add_rule(struct vsx_flow_txn *tx, const char *text, __u32 *id)
{
	struct vsx_flow_mod_result res;
	struct vsx_flow_mod fm;
	struct vsx_rule r;
	char err[256];
	int rc = vsx_rule_parse(text, &r, err, sizeof(err));

	if (!rc) {
		r.origin = VSX_ORIGIN_BENCH;
		vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
		rc = vsx_flow_txn_stage(tx, &fm, &res, err, sizeof(err));
	}
	if (rc) {
		fprintf(stderr, "steer: rule \"%s\": %s\n", text, err);
		exit(1);
	}
	*id = res.id;
}

/*
 * Rule shapes for the mask cases: each filler matches a different non-empty subset of five
 * fields (bit 0 vni, 1 dl_dst, 2 tp_dst, 3 nw_src, 4 nw_dst: words 0, 1-2, 3, 4 and 6 of the
 * key), with values the packet does not have and a priority above the packet's rule, which
 * is "ip" alone (the empty subset) at priority 100. Subtables are searched in descending
 * order of their highest priority, so the packet's rule is in the last one, and as no
 * filler matches, a first packet probes every subtable: the worst case.
 */
#define MASK_MATCH_PRIO 100

static void filler_shape(char *text, size_t len, unsigned int bits, unsigned int i)
{
	size_t n = (size_t)snprintf(text, len, "priority=%u,ip", 1000 + i);

	if (bits & 1)
		n += (size_t)snprintf(text + n, len - n, ",vni=%u", VNI + 1 + i);
	if (bits & 2)
		n += (size_t)snprintf(text + n, len - n, ",dl_dst=02:00:00:00:%02x:01", i);
	if (bits & 4)
		n += (size_t)snprintf(text + n, len - n, ",udp,tp_dst=%u", 3000 + i);
	if (bits & 8)
		n += (size_t)snprintf(text + n, len - n, ",nw_src=10.200.%u.1", i);
	if (bits & 16)
		n += (size_t)snprintf(text + n, len - n, ",nw_dst=10.201.%u.1", i);
	snprintf(text + n, len - n, " actions=irq:%d", target_cpu);
}

/* The door's installer for one instance: its ingress maps (no egress rules here). */
static int bench_install(void *ctx, int dir, const struct vsx_classifier *c)
{
	struct inst *in = ctx;
	int rc;

	if (dir != VSX_DIR_INGRESS)
		return -EOPNOTSUPP;
	rc = vsx_cls_install(bpf_map__fd(in->skel->maps.vsx_masks),
			     bpf_map__fd(in->skel->maps.vsx_rules), &in->cfg->cls_bank, c);
	if (!rc) {
		in->n_masks = c->n_masks;
		__atomic_add_fetch(&in->cfg->rules_gen, 1, __ATOMIC_RELEASE);
	}
	return rc;
}

/* New rules start undecided (as vsxd's installer does it). */
static void bench_reset_decision(void *ctx, const struct vsx_rule *r)
{
	struct inst *in = ctx;
	struct vsx_rule_state st = {.core = VSX_CORE_NONE};

	if (bpf_map_update_elem(bpf_map__fd(in->skel->maps.vsx_rule_state), &r->id, &st, BPF_ANY))
		die("writing vsx_rule_state", errno);
}

/* The rules, compiled and installed by the code vsxd uses (lib/flow_mod.h, lib/cls_install.h). */
static void install_rules(struct inst *in)
{
	const struct vsx_rule_installer installer = {
	    .ctx = in, .install = bench_install, .reset_decision = bench_reset_decision};
	struct vsx_rule_table *t = vsx_rule_table_new(0);
	struct vsx_flow_txn tx;
	char text[256], err[256];
	__u32 id;
	int rc;

	if (!t)
		die("vsx_rule_table_new", ENOMEM);
	rc = vsx_flow_txn_begin(&tx, t, &installer);
	if (rc)
		die("vsx_flow_txn_begin", rc);
	for (unsigned int i = 0; i + 1 < in->spec->rules; i++) {
		if (in->spec->masks > 1)
			filler_shape(text, sizeof(text), i + 1, i);
		else /* fillers: other tenants' VNIs and destinations, same shape */
			snprintf(text, sizeof(text), "ip,vni=%u,nw_dst=10.%u.%u.%u actions=irq:%d",
				 VNI + 1 + i % 16, 128 + (i >> 16), (i >> 8) & 255, i & 255,
				 target_cpu);
		add_rule(&tx, text, &id);
	}
	if (in->spec->masks > 1)
		snprintf(text, sizeof(text), "priority=%u,ip actions=irq:%d", MASK_MATCH_PRIO,
			 target_cpu);
	else
		snprintf(text, sizeof(text), "ip,vni=%u,nw_dst=%s actions=irq:%d", VNI,
			 PKT_INNER_DST, target_cpu);
	add_rule(&tx, text, &in->match_id);

	/* one build and install for all of them */
	rc = vsx_flow_txn_commit(&tx, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "steer: installing the rules: %s\n", err);
		exit(1);
	}
	vsx_rule_table_free(t);
}

static void inst_open(struct inst *in, const struct spec *spec)
{
	struct vsx_config *c;
	int err;

	in->spec = spec;
	in->skel = uplink__open();
	if (!in->skel)
		die("uplink__open", errno);
	bpf_map__set_max_entries(in->skel->maps.vsx_flow_cache, FLOW_SLOTS);
	bpf_map__set_max_entries(in->skel->maps.vsx_flow_stats, FLOW_SLOTS);
	err = uplink__load(in->skel);
	if (err)
		die("uplink__load", err);
	in->prog_fd = bpf_program__fd(in->skel->progs.vsx_uplink);
	in->cfg = map_mmap(in->skel->maps.vsx_config, &in->cfg_len);
	in->table = map_mmap(in->skel->maps.vsx_core_table, &in->table_len);

	/* Core table: the online CPUs, none loaded, threshold 100 (as vsxd's first tick). */
	in->table->n_cpus = (__u32)(n_possible > VSX_MAX_CPUS ? VSX_MAX_CPUS : n_possible);
	in->table->threshold = 100;
	for (int i = 0; i < n_possible && i < VSX_MAX_CPUS; i++)
		in->table->cores[i].flags = online[i] ? VSX_CORE_ONLINE : 0;
	cpumap_fill(bpf_map__fd(in->skel->maps.vsx_cpu_map), false);

	c = in->cfg;
	memset(c, 0, sizeof(*c));
	c->mode = VSX_MODE_VSX;
	c->flags = VSX_CFG_FCF;
	c->vxlan_port = htons(VSX_DEFAULT_VXLAN_PORT);
	c->cls_bank = VSX_CLS_BANK(0, 0);
	c->rules_gen = 1;
	c->flow_slots_mask = FLOW_SLOTS - 1;
	install_rules(in);
}

/* ---- running ---- */

static __u32 run(int prog_fd, __u32 repeat, __u32 *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data, .data_size_in = (__u32)pkt.len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		die("BPF_PROG_TEST_RUN", errno);
	if (duration)
		*duration = opts.duration;
	return opts.retval;
}

static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per packet of a repeat loop: our thread's CPU time over the run (precise to well under
 * a nanosecond per packet at 1M repeats; test_run's own duration is whole nanoseconds). */
static double loop_ns(int prog_fd, __u32 repeat, __u32 verdict)
{
	double t0 = thread_ns();

	__u32 ret = run(prog_fd, repeat, NULL);

	if (ret != verdict) {
		fprintf(stderr, "steer: a timed run returned %u, not %u\n", ret, verdict);
		exit(1);
	}
	return (thread_ns() - t0) / repeat;
}

static __u64 stat_sum(struct inst *in, __u32 stat)
{
	struct vsx_stat_block *v = calloc((size_t)n_possible, sizeof(*v));
	__u64 sum = 0;
	__u32 zero = 0;

	if (!v)
		die("calloc", ENOMEM);
	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.vsx_stats), &zero, v))
		die("reading vsx_stats", errno);
	for (int i = 0; i < n_possible; i++)
		sum += v[i].v[stat];
	free(v);
	return sum;
}

/* Packets counted against the rule the packet matches. */
static __u64 match_packets(struct inst *in)
{
	struct vsx_counter *v = calloc((size_t)n_possible, sizeof(*v));
	__u64 sum = 0;

	if (!v)
		die("calloc", ENOMEM);
	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.vsx_rule_stats), &in->match_id, v))
		die("reading vsx_rule_stats", errno);
	for (int i = 0; i < n_possible; i++)
		sum += v[i].packets;
	free(v);
	return sum;
}

/*
 * The mask cases' worst case: every subtable but the last has a higher priority than the
 * packet's rule, which is the last one's only rule, so the search cannot stop before it.
 */
static bool match_searched_last(struct inst *in)
{
	int fd = bpf_map__fd(in->skel->maps.vsx_masks);
	__u32 base = VSX_CLS_BANK_BASE(in->cfg->cls_bank), n = VSX_CLS_BANK_N(in->cfg->cls_bank);

	for (__u32 i = 0; i < n; i++) {
		struct vsx_cls_mask m;
		__u32 id = base + i;

		if (bpf_map_lookup_elem(fd, &id, &m))
			die("reading vsx_masks", errno);
		if ((i + 1 < n) != (m.max_priority > MASK_MATCH_PRIO) ||
		    (i + 1 == n && m.max_priority != MASK_MATCH_PRIO))
			return false;
	}
	return n > 0;
}

static void check_counts(struct inst *in, const char *when)
{
	__u64 hit = stat_sum(in, VSX_STAT_CACHE_HIT), miss = stat_sum(in, VSX_STAT_CACHE_MISS);
	__u64 redir = stat_sum(in, VSX_STAT_REDIRECT);

	if (hit != in->exp_hit || miss != in->exp_miss || redir != hit + miss) {
		fprintf(stderr,
			"steer: %s, %s: program counted %llu hits, %llu misses, %llu "
			"redirects; expected %llu hits, %llu misses\n",
			in->spec->name, when, (unsigned long long)hit, (unsigned long long)miss,
			(unsigned long long)redir, (unsigned long long)in->exp_hit,
			(unsigned long long)in->exp_miss);
		exit(1);
	}
}

/* One run of the packet as a first packet: a new rules generation makes the cache stale. */
static __u32 oneshot_miss(struct inst *in)
{
	__u32 d;

	__atomic_add_fetch(&in->cfg->rules_gen, 1, __ATOMIC_RELEASE);
	if (run(in->prog_fd, 1, &d) != XDP_REDIRECT) {
		fprintf(stderr, "steer: a miss run did not redirect\n");
		exit(1);
	}
	in->exp_miss++;
	return d;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Mean of the middle 90 % of one-shot samples: a run that took an interrupt (microseconds)
 * would otherwise weigh on the mean, while the median of whole-nanosecond samples is coarse.
 */
static double trimmed_mean(__u32 *v, int n)
{
	int lo = n / 20, hi = n - n / 20;
	double s = 0;

	qsort(v, (size_t)n, sizeof(*v), cmp_u32);
	for (int i = lo; i < hi; i++)
		s += v[i];
	return s / (hi - lo);
}

/* ---- main ---- */

enum {
	C_FLOOR,
	C_HIT,
	C_MISS0, /* C_MISS0 + i: miss on instance specs[i] */
	C_NOP = C_MISS0 + N_INST,
	C_NOPL,
	C_HIT1,
	C_CLS0, /* C_CLS0 + i: loop classification */
	N_CASES = C_CLS0 + N_INST
};

static void usage(void)
{
	fprintf(stderr, "usage: steer [-r rounds] [-n repeats per loop run] [-k one-shot runs per "
			"case and round] [-q]\n"
			"defaults: 7 rounds, 1000000 repeats, 200000 runs (the issue asks for at "
			"least 5 rounds and 1M repeats)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int rounds = 7, k = 200000, opt;
	__u32 repeat = 1000000;
	bool quiet = false;
	struct steer_floor *fl;
	struct inst inst[N_INST];
	struct inst *hit_in = &inst[I_RULES4096]; /* the hit case runs on the 4096-rule instance */
	int floor_fd, nop_fd;
	double *res[N_CASES], *xr, *xnet, *yr, *ycls, *m8r, *m32r, *m32cls;
	__u32 *samples[N_CASES];
	int n_samples[N_CASES];
	struct timespec t_start, t_end;

	while ((opt = getopt(argc, argv, "r:n:k:q")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			repeat = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (rounds < 1 || repeat < 1 || k < BLOCK || optind != argc)
		usage();
	k = k / BLOCK * BLOCK;

	if (geteuid() != 0) {
		fprintf(stderr, "steer: needs root (BPF_PROG_TEST_RUN, cpumap): skipped\n");
		return SKIP;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	n_possible = libbpf_num_possible_cpus();
	if (n_possible <= 0)
		die("possible CPUs", n_possible);
	read_online();
	if (pick_cpus()) {
		fprintf(stderr, "steer: needs two online CPUs (one to run on, one to steer to): "
				"skipped\n");
		return SKIP;
	}
	build_packet();

	fl = steer_floor__open();
	if (!fl)
		die("steer_floor__open", errno);
	fl->rodata->FIXED_CORE = (__u32)target_cpu;
	if (steer_floor__load(fl))
		die("steer_floor__load", errno);
	cpumap_fill(bpf_map__fd(fl->maps.a_cpumap), true);
	floor_fd = bpf_program__fd(fl->progs.steer_floor);
	nop_fd = bpf_program__fd(fl->progs.steer_nop);
	if (run(floor_fd, 1, NULL) != XDP_REDIRECT || run(nop_fd, 1, NULL) != XDP_PASS) {
		fprintf(stderr, "steer: the floor program does not redirect the packet\n");
		return 1;
	}

	memset(inst, 0, sizeof(inst));
	for (unsigned int i = 0; i < N_INST; i++) {
		struct inst *in = &inst[i];

		inst_open(in, &specs[i]);
		/* First packet: a miss that matches the last rule and is steered to the target. */
		if (run(in->prog_fd, 1, NULL) != XDP_REDIRECT) {
			fprintf(stderr, "steer: the uplink program does not redirect the packet\n");
			return 1;
		}
		in->exp_miss++;
		if (stat_sum(in, VSX_STAT_FCF_RESTORED) != 0 || stat_sum(in, VSX_STAT_UNMATCHED) ||
		    match_packets(in) != 1) {
			fprintf(stderr,
				"steer: %s: the packet was rewritten or did not match "
				"the last rule\n",
				in->spec->name);
			return 1;
		}
		check_counts(in, "setup");
		if (in->n_masks != in->spec->masks) {
			fprintf(stderr, "steer: %s made %u subtables, expected %u\n",
				in->spec->name, in->n_masks, in->spec->masks);
			return 1;
		}
		if (in->spec->masks > 1 && !match_searched_last(in)) {
			fprintf(stderr,
				"steer: %s: the packet's rule is not alone in the last subtable\n",
				in->spec->name);
			return 1;
		}
	}
	/* The cached flow: one more run is a hit. */
	run(hit_in->prog_fd, 1, NULL);
	hit_in->exp_hit++;
	check_counts(hit_in, "setup");

	for (int c = 0; c < N_CASES; c++) {
		res[c] = calloc((size_t)rounds, sizeof(double));
		samples[c] = calloc((size_t)k, sizeof(__u32));
		if (!res[c] || !samples[c])
			die("calloc", ENOMEM);
	}
	xr = calloc((size_t)rounds, sizeof(double));
	xnet = calloc((size_t)rounds, sizeof(double));
	yr = calloc((size_t)rounds, sizeof(double));
	ycls = calloc((size_t)rounds, sizeof(double));
	m8r = calloc((size_t)rounds, sizeof(double));
	m32r = calloc((size_t)rounds, sizeof(double));
	m32cls = calloc((size_t)rounds, sizeof(double));
	if (!xr || !xnet || !yr || !ycls || !m8r || !m32r || !m32cls)
		die("calloc", ENOMEM);

	/* warm-up: one loop run of each program */
	loop_ns(floor_fd, repeat / 10, XDP_REDIRECT);
	loop_ns(hit_in->prog_fd, repeat / 10, XDP_REDIRECT);
	hit_in->exp_hit += repeat / 10;

	for (int r = 0; r < rounds; r++) {
		/* repeat loops, floor and hit in ABBA order: a drift within the round cancels */
		res[C_FLOOR][r] = loop_ns(floor_fd, repeat, XDP_REDIRECT);
		res[C_HIT][r] = loop_ns(hit_in->prog_fd, repeat, XDP_REDIRECT);
		res[C_HIT][r] =
		    (res[C_HIT][r] + loop_ns(hit_in->prog_fd, repeat, XDP_REDIRECT)) / 2;
		res[C_FLOOR][r] = (res[C_FLOOR][r] + loop_ns(floor_fd, repeat, XDP_REDIRECT)) / 2;
		hit_in->exp_hit += 2 * (__u64)repeat;
		res[C_NOPL][r] = loop_ns(nop_fd, repeat, XDP_PASS);

		/* one-shot runs, interleaved in blocks: nop, hit, then a miss on each instance */
		memset(n_samples, 0, sizeof(n_samples));
		for (int b = 0; b < k / BLOCK; b++) {
			for (int j = 0; j < BLOCK; j++)
				run(nop_fd, 1, &samples[C_NOP][n_samples[C_NOP]++]);
			for (int j = 0; j < BLOCK; j++)
				run(hit_in->prog_fd, 1, &samples[C_HIT1][n_samples[C_HIT1]++]);
			hit_in->exp_hit += BLOCK;
			for (unsigned int i = 0; i < N_INST; i++)
				for (int j = 0; j < BLOCK; j++)
					samples[C_MISS0 + i][n_samples[C_MISS0 + i]++] =
					    oneshot_miss(&inst[i]);
		}
		double nop = trimmed_mean(samples[C_NOP], k);

		res[C_NOP][r] = nop;
		res[C_HIT1][r] = trimmed_mean(samples[C_HIT1], k) - nop;
		for (unsigned int i = 0; i < N_INST; i++)
			res[C_MISS0 + i][r] = trimmed_mean(samples[C_MISS0 + i], k) - nop;

		/* classification in a repeat loop: a flow_slots_mask wider than the cache */
		for (unsigned int j = 0; j < N_INST; j++) {
			/* every other round in the reverse order */
			unsigned int i = r % 2 ? N_INST - 1 - j : j;
			struct inst *in = &inst[i];
			/* a subtable costs tens of ns: M masks get 1/M of the repeats (time alike)
			 */
			__u32 n = repeat / in->spec->masks ? repeat / in->spec->masks : 1;

			__atomic_store_n(&in->cfg->flow_slots_mask, ~0u, __ATOMIC_RELEASE);
			res[C_CLS0 + i][r] = loop_ns(in->prog_fd, n, XDP_REDIRECT);
			in->exp_miss += n;
			__atomic_store_n(&in->cfg->flow_slots_mask, FLOW_SLOTS - 1,
					 __ATOMIC_RELEASE);
		}

		for (unsigned int i = 0; i < N_INST; i++)
			check_counts(&inst[i], "after a round");
		xr[r] = res[C_HIT][r] / res[C_FLOOR][r];
		xnet[r] = (res[C_HIT][r] - res[C_NOPL][r]) / (res[C_FLOOR][r] - res[C_NOPL][r]);
		yr[r] = res[C_MISS0 + I_RULES4096][r] / res[C_MISS0 + I_RULES1][r];
		ycls[r] = res[C_CLS0 + I_RULES4096][r] / res[C_CLS0 + I_RULES1][r];
		m8r[r] = res[C_MISS0 + I_MASK8][r] / res[C_MISS0 + I_RULES1][r];
		m32r[r] = res[C_MISS0 + I_MASK32][r] / res[C_MISS0 + I_RULES1][r];
		m32cls[r] = res[C_CLS0 + I_MASK32][r] / res[C_CLS0 + I_RULES1][r];
		if (!quiet)
			fprintf(stderr,
				"round %d: floor %.1f hit %.1f miss %.1f/%.1f/%.1f masks %.1f/%.1f "
				"(framing %.1f, framing/1 %.1f, hit/1 %.1f) cls %.1f/%.1f/%.1f "
				"masks %.1f/%.1f ns\n",
				r + 1, res[C_FLOOR][r], res[C_HIT][r], res[C_MISS0][r],
				res[C_MISS0 + 1][r], res[C_MISS0 + 2][r], res[C_MISS0 + I_MASK8][r],
				res[C_MISS0 + I_MASK32][r], res[C_NOPL][r], res[C_NOP][r],
				res[C_HIT1][r], res[C_CLS0][r], res[C_CLS0 + 1][r],
				res[C_CLS0 + 2][r], res[C_CLS0 + I_MASK8][r],
				res[C_CLS0 + I_MASK32][r]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t_end);

	/* ---- report ---- */
	static char names[N_CASES][32] = {
	    [C_FLOOR] = "floor",  [C_HIT] = "hit",    [C_NOP] = "framing/1",
	    [C_NOPL] = "framing", [C_HIT1] = "hit/1",
	};
	char loop_how[64], one_how[64];
	double med[N_CASES], lo[N_CASES], hi[N_CASES], x, xn, y, yc, m8, m32, m32c;

	for (unsigned int i = 0; i < N_INST; i++) {
		snprintf(names[C_MISS0 + i], sizeof(names[0]), "miss, %s", specs[i].name);
		snprintf(names[C_CLS0 + i], sizeof(names[0]), "cls, %s", specs[i].name);
	}

	snprintf(loop_how, sizeof(loop_how), "loop, %u repeats", repeat);
	snprintf(one_how, sizeof(one_how), "%d one-shot runs - framing", k);
	for (int c = 0; c < N_CASES; c++) {
		double *v = res[c];

		qsort(v, (size_t)rounds, sizeof(*v), cmp_double);
		lo[c] = v[0];
		hi[c] = v[rounds - 1];
		med[c] = median(v, rounds);
	}
	x = median(xr, rounds);
	xn = median(xnet, rounds);
	y = median(yr, rounds);
	yc = median(ycls, rounds);
	m8 = median(m8r, rounds);
	m32 = median(m32r, rounds);
	m32c = median(m32cls, rounds);

	printf("steer: BPF_PROG_TEST_RUN, one CPU (%d), %d interleaved rounds, %.0f s\n", rx_cpu,
	       rounds,
	       (double)(t_end.tv_sec - t_start.tv_sec) +
		   (double)(t_end.tv_nsec - t_start.tv_nsec) / 1e9);
	printf("packet: %zu bytes: 64-byte inner frame (Ethernet, IPv4 ToS 0x%02x, UDP 1000->2000, "
	       "22-byte payload) in VXLAN VNI %u, outer IPv4/UDP 4789, outer ToS = FCF 0x%02x\n",
	       pkt.len, vsx_fcf_encode(FCF_VM, 0), VNI, vsx_fcf_encode(FCF_VM, 0));
	printf("rules: N x \"ip,vni=V,nw_dst=A actions=irq:%d\" (1 subtable), the packet matches "
	       "the last added; hit runs with 4096 rules\n",
	       target_cpu);
	printf("masks: M rules of M shapes (subsets of vni, dl_dst, tp_dst, nw_src, nw_dst; M "
	       "subtables), the packet matches \"ip\" in the last subtable searched\n");
	printf("\n%-18s %-34s %8s %8s %8s\n", "case", "method", "ns/pkt", "min", "max");
	for (int c = 0; c < N_CASES; c++) {
		const char *how = c == C_FLOOR || c == C_HIT || c >= C_CLS0 ? loop_how
				  : c == C_NOP	? "one-shot runs of XDP_PASS"
				  : c == C_NOPL ? "XDP_PASS, loop"
						: one_how;
		char cls_how[64];

		if (c >= C_CLS0 && specs[c - C_CLS0].masks > 1) {
			__u32 n = repeat / specs[c - C_CLS0].masks;

			snprintf(cls_how, sizeof(cls_how), "loop, %u repeats", n ? n : 1);
			how = cls_how;
		}
		if (c == C_NOP)
			printf("cross-checks (not in the ratios):\n");
		printf("%-18s %-34s %8.1f %8.1f %8.1f\n", names[c], how, med[c], lo[c], hi[c]);
	}
	printf("\nhit / floor       X = %.2f (target <= 1.3: %s)\n", x,
	       x <= 1.3 ? "met" : "NOT met");
	printf(
	    "(hit - framing) / (floor - framing) = %.2f (cross-check of X: the programs alone)\n",
	    xn);
	printf("miss 4096 / 1     Y = %.2f (target <= 1.5: %s)\n", y, y <= 1.5 ? "met" : "NOT met");
	printf("cls 4096 / 1          %.2f (cross-check of Y, no cache fill)\n", yc);
	printf("miss 8 masks / 1      %.2f\n", m8);
	printf("miss 32 masks / 1     %.2f (cls: %.2f)\n", m32, m32c);
	printf("steer: hit_ratio=%.2f miss4096_ratio=%.2f miss_mask8_ratio=%.2f "
	       "miss_mask32_ratio=%.2f\n",
	       x, y, m8, m32);

	for (unsigned int i = 0; i < N_INST; i++) {
		munmap(inst[i].cfg, inst[i].cfg_len);
		munmap(inst[i].table, inst[i].table_len);
		uplink__destroy(inst[i].skel);
	}
	steer_floor__destroy(fl);
	return 0;
}
