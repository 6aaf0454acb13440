// SPDX-License-Identifier: MIT
/*
 * The uplink XDP program (bpf/uplink.bpf.c) on crafted packets through BPF_PROG_TEST_RUN:
 * verdicts, the core each mode chooses (per-core counters), irq:auto decisions, the flow cache,
 * fragments following their first fragment, and the FCF restore of the outer ToS.
 * Rules go in through the real path: rule parser -> the flow_mod door (rule table, classifier,
 * install into this skeleton's maps).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/ip.h>

#include "uplink.skel.h"
#include "lib/pktbuild.h"
#include "cls_install.h"
#include "flow_mod.h"
#include "rule_text.h"
#include <vsx/datapath.h>

struct fixture {
	struct uplink *skel;
	struct vsx_rule_table *rules;
	struct vsx_config cfg;
	int ncpus;
};

static void write_config(struct fixture *f)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f->skel->maps.vsx_config), &zero, &f->cfg, 0), 0);
}

/* The door's installer for this skeleton: ingress only (no egress program is loaded). */
static int test_install(void *ctx, int dir, const struct vsx_classifier *c)
{
	struct fixture *f = ctx;
	int rc;

	if (dir != VSX_DIR_INGRESS)
		return -EOPNOTSUPP;
	rc = vsx_cls_install(bpf_map__fd(f->skel->maps.vsx_masks),
			     bpf_map__fd(f->skel->maps.vsx_rules), &f->cfg.cls_bank, c);
	if (!rc) {
		f->cfg.rules_gen++;
		write_config(f);
	}
	return rc;
}

/* A new rule starts undecided, as vsxd's installer does it. */
static void test_reset_decision(void *ctx, const struct vsx_rule *r)
{
	struct fixture *f = ctx;
	struct vsx_rule_state st = { .core = VSX_CORE_NONE };

	bpf_map_update_elem(bpf_map__fd(f->skel->maps.vsx_rule_state), &r->id, &st, 0);
}

/* Adds the rules (ADD, origin test) as one batch: one install. */
static void add_rules(struct fixture *f, const char *const *texts)
{
	const struct vsx_rule_installer in = {
		.ctx = f, .install = test_install, .reset_decision = test_reset_decision,
	};
	struct vsx_flow_txn tx;
	char err[256];

	assert_int_equal(vsx_flow_txn_begin(&tx, f->rules, &in), 0);
	for (; *texts; texts++) {
		struct vsx_flow_mod fm;
		struct vsx_rule r;

		assert_int_equal(vsx_rule_parse(*texts, &r, err, sizeof(err)), 0);
		r.origin = VSX_ORIGIN_TEST;
		vsx_flow_mod_from_rule(&fm, VSX_FMC_ADD, &r);
		assert_int_equal(vsx_flow_txn_stage(&tx, &fm, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(vsx_flow_txn_commit(&tx, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	static struct fixture f;
	struct vsx_core_table t = { .n_cpus = 2, .threshold = 100 };
	struct bpf_cpumap_val cv = { .qsize = 256 };
	cpu_set_t set;
	__u32 zero = 0;

	if (geteuid() != 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set); /* the "receiving core" is CPU 0 */
	memset(&f, 0, sizeof(f));
	f.ncpus = libbpf_num_possible_cpus();
	f.skel = uplink__open();
	assert_non_null(f.skel);
	bpf_map__set_max_entries(f.skel->maps.vsx_flow_cache, 1024);
	bpf_map__set_max_entries(f.skel->maps.vsx_flow_stats, 1024);
	assert_int_equal(uplink__load(f.skel), 0);
	f.rules = vsx_rule_table_new(0);
	f.cfg.mode = VSX_MODE_VSX;
	f.cfg.flags = VSX_CFG_FCF;
	f.cfg.vxlan_port = htons(4789);
	f.cfg.rules_gen = 1;
	f.cfg.flow_slots_mask = 1023;
	f.cfg.rss_n_cpus = 2;
	f.cfg.rss_cpus[0] = 0;
	f.cfg.rss_cpus[1] = 1;
	write_config(&f);
	t.cores[0].flags = VSX_CORE_ONLINE | VSX_CORE_PINNED; /* a VM is pinned to CPU 0 */
	t.cores[0].pinned_vm = 1;
	t.cores[1].flags = VSX_CORE_ONLINE;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f.skel->maps.vsx_core_table), &zero, &t, 0), 0);
	for (__u32 cpu = 0; cpu < 2 && (int)cpu < f.ncpus; cpu++)
		bpf_map_update_elem(bpf_map__fd(f.skel->maps.vsx_cpu_map), &cpu, &cv, 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f) {
		vsx_rule_table_free(f->rules);
		uplink__destroy(f->skel);
	}
	return 0;
}

static int run(struct fixture *f, struct pb *p, void *out, __u32 *out_len)
{
	__u8 buf[PB_MAX_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data, .data_size_in = (__u32)p->len,
		    .data_out = out ? out : buf, .data_size_out = sizeof(buf), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.vsx_uplink), &o), 0);
	if (out_len)
		*out_len = o.data_size_out;
	return (int)o.retval;
}

/* The per-CPU statistics blocks now, one per possible CPU (f->ncpus). */
static const struct vsx_stat_block *stat_blocks(struct fixture *f)
{
	static struct vsx_stat_block blocks[256];
	__u32 zero = 0;

	assert_true(f->ncpus <= 256);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vsx_stats), &zero, blocks), 0);
	return blocks;
}

static __u64 core_packets(struct fixture *f, __u32 core)
{
	const struct vsx_stat_block *blocks = stat_blocks(f);
	__u64 total = 0;

	for (int c = 0; c < f->ncpus; c++)
		total += blocks[c].core[core].packets;
	return total;
}

static __u64 stat(struct fixture *f, __u32 s)
{
	const struct vsx_stat_block *blocks = stat_blocks(f);
	__u64 total = 0;

	for (int c = 0; c < f->ncpus; c++)
		total += blocks[c].v[s];
	return total;
}

/* 64-byte inner UDP in VXLAN over IPv4 with outer ToS `tos`. */
static void vxlan_udp(struct pb *p, __u32 vni, __u8 tos, __u16 dport, const struct pb_ip *inner)
{
	pb_init(p);
	pb_vxlan_encap(p, &(struct pb_tunnel){ .ip.tos = tos, .vni = vni });
	pb_eth(p, NULL);
	pb_ipv4(p, inner);
	pb_udp(p, 1000, dport);
	pb_pad_to(p, 64);
	assert_true(pb_finish(p) > 0);
}

/*
 * Two fragments of IPv4 datagram `id` (UDP 1000 -> 6000) in VXLAN (VNI vni), 200 bytes each:
 * the first, with the UDP header, and a later one (offset 1480), without.
 */
static void vxlan_udp_frags(struct pb *first, struct pb *later, __u16 id, __u32 vni)
{
	pb_init(first);
	pb_vxlan_encap(first, &(struct pb_tunnel){ .vni = vni });
	pb_eth(first, NULL);
	pb_ipv4(first, &(struct pb_ip){ .id = id, .mf = true });
	pb_udp(first, 1000, 6000);
	pb_pad_to(first, 200);
	assert_true(pb_finish(first) > 0);
	pb_init(later);
	pb_vxlan_encap(later, &(struct pb_tunnel){ .vni = vni });
	pb_eth(later, NULL);
	pb_ipv4(later, &(struct pb_ip){ .id = id, .frag_off = 1480, .proto = 17 });
	pb_pad_to(later, 200);
	assert_true(pb_finish(later) > 0);
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

static void test_modes_and_rules(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb p;

	vxlan_udp(&p, 100, 0, 5201, NULL);
	/* default: stays on the receiving core */
	f->cfg.mode = VSX_MODE_DEFAULT;
	write_config(f);
	__u64 c0 = core_packets(f, 0);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(core_packets(f, 0), c0 + 1);

	/* vsx without rules: unmatched, stays */
	f->cfg.mode = VSX_MODE_VSX;
	write_config(f);
	__u64 um = stat(f, VSX_STAT_UNMATCHED);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_UNMATCHED), um + 1);

	/* irq:1 on the VNI: redirected to core 1, later packets hit the cache */
	add_rules(f, (const char *const[]){ "vni=100 actions=irq:1", NULL });
	__u64 c1 = core_packets(f, 1), hits = stat(f, VSX_STAT_CACHE_HIT);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(core_packets(f, 1), c1 + 2);
	assert_int_equal(stat(f, VSX_STAT_CACHE_HIT), hits + 1);

	/* another VNI does not match */
	struct pb q;
	vxlan_udp(&q, 200, 0, 5201, NULL);
	assert_int_equal(run(f, &q, NULL, NULL), XDP_PASS);

	/* irq:auto on a VM ID: the pinned CPU 0 is avoided, the decision is kept in rule_state */
	add_rules(f, (const char *const[]){ "priority=40000,vm_id=5 actions=irq:auto", NULL });
	struct pb r;
	vxlan_udp(&r, 300, 5, 5201, NULL);
	assert_int_equal(run(f, &r, NULL, NULL), XDP_REDIRECT);
	const struct vsx_rule *rule = vsx_rule_table_next(f->rules, 1);
	assert_non_null(rule);
	struct vsx_rule_state st;
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vsx_rule_state), &rule->id, &st), 0);
	assert_int_equal(st.core, 1);
}

static void test_fcf_restored(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	__u8 out[PB_MAX_LEN];
	__u32 len;
	struct pb p;

	/* outer ToS 0x83 = VM ID 3 with both ECN bits set; inner ToS 0x02 (ECT(0)) */
	vxlan_udp(&p, 100, 0x83, 5201, &(struct pb_ip){ .tos = 0x02 });
	run(f, &p, out, &len);
	struct iphdr outer;
	memcpy(&outer, out + 14, sizeof(outer));
	assert_int_equal(outer.tos, 0x02);
	/* the header checksum still adds up */
	__u16 w[10];
	__u32 sum = 0;
	memcpy(w, out + 14, sizeof(w));
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

static void test_later_fragment_follows(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb first, later;

	add_rules(f, (const char *const[]){ "priority=50000,udp,tp_dst=6000 actions=irq:1", NULL });
	vxlan_udp_frags(&first, &later, 77, 400);

	__u64 follow = stat(f, VSX_STAT_FRAG_FOLLOW);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 1);

	/* The flow's next datagram: its first fragment hits the flow cache, and its later
	 * fragments must still follow (a cache hit records the datagram too). */
	struct pb first2, later2;
	vxlan_udp_frags(&first2, &later2, 78, 400);
	__u64 hits = stat(f, VSX_STAT_CACHE_HIT);
	assert_int_equal(run(f, &first2, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_CACHE_HIT), hits + 1);
	assert_int_equal(run(f, &later2, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 2);
}

/*
 * IPv6 with destination options behind the fragment header: the first fragment reports UDP,
 * the later ones the options header; they are still one datagram and must follow.
 */
static void test_ipv6_later_fragment_with_dstopts_follows(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb first, later;

	add_rules(f, (const char *const[]){ "priority=50001,udp6,tp_dst=6001 actions=irq:1", NULL });
	pb_init(&first);
	pb_eth(&first, NULL);
	pb_ipv6(&first, NULL);
	pb_ipv6_frag(&first, 0, true, 4242);
	pb_ipv6_ext(&first, PB_EXT_DSTOPTS, 8);
	pb_udp(&first, 1000, 6001);
	pb_pad_to(&first, 200);
	assert_true(pb_finish(&first) > 0);
	pb_init(&later);
	pb_eth(&later, NULL);
	pb_ipv6(&later, NULL);
	pb_ipv6_frag(&later, 1232, false, 4242);
	pb_proto(&later, PB_EXT_DSTOPTS);
	pb_pad_to(&later, 200);
	assert_true(pb_finish(&later) > 0);

	__u64 follow = stat(f, VSX_STAT_FRAG_FOLLOW);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 1);
}

/*
 * VXLAN (VNI 410, inner IPv4 UDP 1000 -> dport) in outer fragments of datagram `id`: the
 * first outer fragment, with the VXLAN header and the inner packet's start, and a later one,
 * which is only outer IP header and payload. Outer IPv6 when v6.
 */
static void outer_frags(struct pb *first, struct pb *later, bool v6, __u32 id, __u16 dport)
{
	pb_init(first);
	if (v6) {
		pb_eth(first, NULL);
		pb_ipv6(first, NULL);
		pb_ipv6_frag(first, 0, true, id);
		pb_udp(first, PB_VXLAN_SPORT, PB_VXLAN_PORT);
		pb_vxlan(first, 410);
	} else {
		pb_vxlan_encap(first, &(struct pb_tunnel){ .ip = { .id = (__u16)id, .mf = true },
							   .vni = 410 });
	}
	pb_eth(first, NULL);
	pb_ipv4(first, NULL);
	pb_udp(first, 1000, dport);
	pb_pad_to(first, 200);
	assert_true(pb_finish(first) > 0);

	pb_init(later);
	pb_eth(later, NULL);
	if (v6) {
		pb_ipv6(later, NULL);
		pb_ipv6_frag(later, 1232, false, id);
		pb_proto(later, 17);
	} else {
		pb_ipv4(later, &(struct pb_ip){ .id = (__u16)id, .frag_off = 1480, .proto = 17 });
	}
	pb_fill(later, 100);
	assert_true(pb_finish(later) > 0);
}

/*
 * Later outer fragments carry no VXLAN header, so no rule on the tunnel or the inner packet
 * can match them: they follow their first outer fragment's decision, both when that one
 * missed the flow cache and when it hit.
 */
static void outer_fragments_follow(struct fixture *f, bool v6, __u16 dport, const char *rule)
{
	struct pb first, later;

	add_rules(f, (const char *const[]){ rule, NULL });
	__u64 follow = stat(f, VSX_STAT_FRAG_FOLLOW), orphan = stat(f, VSX_STAT_FRAG_ORPHAN);
	__u64 c1 = core_packets(f, 1), miss = stat(f, VSX_STAT_CACHE_MISS);

	/* without its first fragment, a later outer fragment is an orphan and stays */
	outer_frags(&first, &later, v6, 0x5000, dport);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_FRAG_ORPHAN), orphan + 1);

	outer_frags(&first, &later, v6, 0x5001, dport);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_CACHE_MISS), miss + 2); /* the orphan, then this */
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 1);

	__u64 hits = stat(f, VSX_STAT_CACHE_HIT);
	outer_frags(&first, &later, v6, 0x5002, dport);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_CACHE_HIT), hits + 1);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT); /* a third fragment */
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 3);
	assert_int_equal(stat(f, VSX_STAT_FRAG_ORPHAN), orphan + 1);
	assert_int_equal(core_packets(f, 1), c1 + 5);
}

static void test_outer_ipv4_fragments_follow(void **state)
{
	SKIP_UNLESS_ROOT();
	outer_fragments_follow(*state, false, 6010, "priority=50010,udp,tp_dst=6010 actions=irq:1");
}

static void test_outer_ipv6_fragments_follow(void **state)
{
	SKIP_UNLESS_ROOT();
	outer_fragments_follow(*state, true, 6011, "priority=50011,udp,tp_dst=6011 actions=irq:1");
}

/*
 * An inner first fragment in an outer first fragment starts two datagrams: the inner one's
 * later fragments (in later VXLAN packets) and the outer one's (no VXLAN) both follow it; and
 * an inner later fragment in an outer first fragment passes its datagram's core on to the
 * outer datagram's later fragments.
 */
static void test_inner_and_outer_fragments_follow(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb first, inner_later, outer_later, both_later;

	add_rules(f, (const char *const[]){ "priority=50012,udp,tp_dst=6012 actions=irq:1", NULL });
	pb_init(&first);
	pb_vxlan_encap(&first, &(struct pb_tunnel){ .ip = { .id = 0x6001, .mf = true }, .vni = 420 });
	pb_eth(&first, NULL);
	pb_ipv4(&first, &(struct pb_ip){ .id = 0x0999, .mf = true });
	pb_udp(&first, 1000, 6012);
	pb_pad_to(&first, 200);
	assert_true(pb_finish(&first) > 0);
	/* the inner datagram's next fragment, in an outer first fragment of its own */
	pb_init(&inner_later);
	pb_vxlan_encap(&inner_later,
		       &(struct pb_tunnel){ .ip = { .id = 0x6002, .mf = true }, .vni = 420 });
	pb_eth(&inner_later, NULL);
	pb_ipv4(&inner_later, &(struct pb_ip){ .id = 0x0999, .frag_off = 1400, .proto = 17 });
	pb_pad_to(&inner_later, 200);
	assert_true(pb_finish(&inner_later) > 0);
	pb_init(&outer_later);
	pb_eth(&outer_later, NULL);
	pb_ipv4(&outer_later, &(struct pb_ip){ .id = 0x6001, .frag_off = 1480, .proto = 17 });
	pb_fill(&outer_later, 64);
	assert_true(pb_finish(&outer_later) > 0);
	pb_init(&both_later);
	pb_eth(&both_later, NULL);
	pb_ipv4(&both_later, &(struct pb_ip){ .id = 0x6002, .frag_off = 1480, .proto = 17 });
	pb_fill(&both_later, 64);
	assert_true(pb_finish(&both_later) > 0);

	__u64 follow = stat(f, VSX_STAT_FRAG_FOLLOW), orphan = stat(f, VSX_STAT_FRAG_ORPHAN);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &outer_later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &inner_later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &both_later, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 3);
	assert_int_equal(stat(f, VSX_STAT_FRAG_ORPHAN), orphan);
}

static void test_rss_fragments_hash_on_addresses(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb p;

	f->cfg.mode = VSX_MODE_RSS;
	write_config(f);
	/* plain (untunnelled) fragments of two datagrams with different ids: same core */
	int verdicts[2];
	for (int i = 0; i < 2; i++) {
		pb_init(&p);
		pb_eth(&p, NULL);
		pb_ipv4(&p, &(struct pb_ip){ .id = (uint16_t)(10 + i), .frag_off = 8, .proto = 17 });
		pb_pad_to(&p, 100);
		assert_true(pb_finish(&p) > 0);
		verdicts[i] = run(f, &p, NULL, NULL);
	}
	assert_int_equal(verdicts[0], verdicts[1]);
	f->cfg.mode = VSX_MODE_VSX;
	write_config(f);
}

static void set_core_table(struct fixture *f, __u8 load1)
{
	struct vsx_core_table t = { .n_cpus = 2, .threshold = 50 };
	__u32 zero = 0;

	t.cores[0].flags = VSX_CORE_ONLINE | VSX_CORE_PINNED;
	t.cores[0].pinned_vm = 1;
	t.cores[1].flags = VSX_CORE_ONLINE;
	t.cores[1].load = load1;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f->skel->maps.vsx_core_table), &zero, &t, 0), 0);
}

/* A flow that began while no core qualified is steered once one does (after the retry delay). */
static void test_no_core_then_retry(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct timespec nap = { .tv_nsec = 300 * 1000 * 1000 }; /* > 25 jiffies at HZ >= 100 */
	struct pb p;

	set_core_table(f, 90); /* CPU 0 pinned, CPU 1 above the threshold */
	add_rules(f, (const char *const[]){ "priority=60000,vni=777 actions=irq:auto", NULL });
	vxlan_udp(&p, 777, 0, 5201, NULL);
	__u64 no_core = stat(f, VSX_STAT_NO_CORE);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_NO_CORE), no_core + 1);
	set_core_table(f, 10);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS); /* still the cached answer */
	nanosleep(&nap, NULL);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	set_core_table(f, 0);
}

/* ---- flowlet moves ---- */

static __u32 rule_id_of(struct fixture *f, const char *text)
{
	const struct vsx_rule *found;
	struct vsx_rule r;
	char err[256];

	assert_int_equal(vsx_rule_parse(text, &r, err, sizeof(err)), 0);
	found = vsx_rule_table_find_strict(f->rules, &r);
	assert_non_null(found);
	return found->id;
}

/* What the agent's rebalancer does to move a rule: a new core in its vsx_rule_state. */
static void set_rule_core(struct fixture *f, __u32 rule_id, __s32 core)
{
	struct vsx_rule_state st = { .core = core };

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f->skel->maps.vsx_rule_state), &rule_id,
					     &st, BPF_ANY), 0);
}

/* The live slot of rule_id's flow (exactly one in these tests): its index, *out its content. */
static __u32 rule_slot(struct fixture *f, __u32 rule_id, struct vsx_flow_slot *out)
{
	int fd = bpf_map__fd(f->skel->maps.vsx_flow_cache);
	__u32 found = ~0u;

	for (__u32 i = 0; i <= f->cfg.flow_slots_mask; i++) {
		struct vsx_flow_slot sl;

		assert_int_equal(bpf_map_lookup_elem(fd, &i, &sl), 0);
		if (!(sl.flags & VSX_SLOT_VALID) || sl.gen != f->cfg.rules_gen || sl.rule_id != rule_id)
			continue;
		assert_int_equal(found, ~0u);
		found = i;
		*out = sl;
	}
	assert_int_not_equal(found, ~0u);
	return found;
}

/*
 * Makes rule_id's flow look idle: its latest packet `gap` jiffies before the one it had. Its
 * first packet becomes that latest one, so that a retry (VSX_RETRY_JIFFIES after the first
 * packet) cannot come due in the middle of a test.
 */
static void age_flow(struct fixture *f, __u32 rule_id, __u64 gap)
{
	struct vsx_flow_slot sl;
	__u32 i = rule_slot(f, rule_id, &sl);

	sl.first_jiffies = sl.last_jiffies;
	sl.last_jiffies -= gap;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(f->skel->maps.vsx_flow_cache), &i, &sl,
					     BPF_ANY), 0);
}

static __s16 flow_core(struct fixture *f, __u32 rule_id)
{
	struct vsx_flow_slot sl;

	rule_slot(f, rule_id, &sl);
	return sl.core;
}

#define GAP 1000 /* flowlet_jiffies in these tests: 4 s at HZ=250, never reached by itself */

/*
 * The agent moved an irq:auto rule from core 1 to core 0 (this CPU: XDP_PASS): its cached
 * flow takes core 0 only after an idle gap of flowlet_jiffies, once (flow_moved), and never
 * with flowlet_jiffies 0; an irq:N rule's flow and a flow left on its receiving core (STAY)
 * never move, whatever their rule's state says.
 */
static void test_flowlet_moves(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	static const char *const r_auto = "priority=60100,vni=780 actions=irq:auto",
				 *const r_fixed = "priority=60101,vni=781 actions=irq:1",
				 *const r_stay = "priority=60102,vni=783 actions=irq:auto";
	struct pb p, q, r;

	set_core_table(f, 0);
	add_rules(f, (const char *const[]){ r_auto, r_fixed, r_stay, NULL });
	__u32 auto_id = rule_id_of(f, r_auto), fixed_id = rule_id_of(f, r_fixed),
	      stay_id = rule_id_of(f, r_stay);
	f->cfg.flowlet_jiffies = GAP;
	write_config(f);
	__u64 moved = stat(f, VSX_STAT_FLOW_MOVED);

	vxlan_udp(&p, 780, 0, 5201, NULL);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT); /* decided: core 1 */
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	set_rule_core(f, auto_id, 0);
	/* no idle gap: the flow stays where its queued packets are */
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	age_flow(f, auto_id, GAP - 100); /* a gap, but shorter than flowlet_jiffies */
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved);
	assert_int_equal(flow_core(f, auto_id), 1);
	/* idle for flowlet_jiffies: this packet already goes to the new core, and the rest */
	age_flow(f, auto_id, GAP);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved + 1);
	assert_int_equal(flow_core(f, auto_id), 0);
	age_flow(f, auto_id, GAP);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved + 1);

	/* flowlet_jiffies 0: cached flows never move */
	f->cfg.flowlet_jiffies = 0;
	write_config(f);
	set_rule_core(f, auto_id, 1);
	age_flow(f, auto_id, 100 * GAP);
	assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	assert_int_equal(flow_core(f, auto_id), 0);
	f->cfg.flowlet_jiffies = GAP;
	write_config(f);

	/* an irq:N rule's flow: its state is not its core */
	vxlan_udp(&q, 781, 0, 5201, NULL);
	assert_int_equal(run(f, &q, NULL, NULL), XDP_REDIRECT);
	set_rule_core(f, fixed_id, 0);
	age_flow(f, fixed_id, 2 * GAP);
	assert_int_equal(run(f, &q, NULL, NULL), XDP_REDIRECT);
	assert_int_equal(flow_core(f, fixed_id), 1);

	/* a flow that found no qualifying core stays (until its retry, not by a move) */
	set_core_table(f, 90);
	vxlan_udp(&r, 783, 0, 5201, NULL);
	assert_int_equal(run(f, &r, NULL, NULL), XDP_PASS);
	set_rule_core(f, stay_id, 1);
	age_flow(f, stay_id, 2 * GAP);
	assert_int_equal(run(f, &r, NULL, NULL), XDP_PASS);
	assert_int_equal(flow_core(f, stay_id), VSX_CORE_NONE);
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved + 1);
	set_core_table(f, 0);
}

/*
 * Fragments and moves: a first fragment after the move records the new core for its later
 * fragments, and a later fragment counts as the flow's latest packet for the idle gap.
 */
static void test_flowlet_moves_fragments(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	static const char *const rule = "priority=60110,vni=782 actions=irq:auto";
	struct pb first, later;

	set_core_table(f, 0);
	add_rules(f, (const char *const[]){ rule, NULL });
	__u32 id = rule_id_of(f, rule);
	f->cfg.flowlet_jiffies = GAP;
	write_config(f);
	__u64 moved = stat(f, VSX_STAT_FLOW_MOVED), follow = stat(f, VSX_STAT_FRAG_FOLLOW);

	vxlan_udp_frags(&first, &later, 0x700, 782);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_REDIRECT); /* decided: core 1 */
	assert_int_equal(run(f, &later, NULL, NULL), XDP_REDIRECT);
	set_rule_core(f, id, 0);
	age_flow(f, id, GAP);
	vxlan_udp_frags(&first, &later, 0x701, 782);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_PASS); /* moved with this datagram */
	assert_int_equal(run(f, &later, NULL, NULL), XDP_PASS); /* and its later fragment */
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved + 1);
	assert_int_equal(stat(f, VSX_STAT_FRAG_FOLLOW), follow + 2);

	/* moved back by the agent; the gap ends with a later fragment of the flow */
	set_rule_core(f, id, 1);
	vxlan_udp_frags(&first, &later, 0x702, 782);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_PASS);
	age_flow(f, id, GAP);
	assert_int_equal(run(f, &later, NULL, NULL), XDP_PASS);
	vxlan_udp_frags(&first, &later, 0x703, 782);
	assert_int_equal(run(f, &first, NULL, NULL), XDP_PASS); /* no gap since that fragment */
	assert_int_equal(stat(f, VSX_STAT_FLOW_MOVED), moved + 1);
	f->cfg.flowlet_jiffies = 0;
	write_config(f);
}

static void test_truncated_passes(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb p;

	vxlan_udp(&p, 100, 0, 5201, NULL);
	__u64 tr = stat(f, VSX_STAT_PARSE_TRUNCATED);
	for (size_t cut = 14 + 20; cut < 14 + 20 + 8 + 8 + 14; cut += 3) {
		p.len = cut;
		assert_int_equal(run(f, &p, NULL, NULL), XDP_PASS);
	}
	assert_true(stat(f, VSX_STAT_PARSE_TRUNCATED) > tr);
}

/* What every packet ends as, once: the outcomes rx is the sum of (vsxctl stats). */
static __u64 outcomes(struct fixture *f)
{
	return stat(f, VSX_STAT_PARSE_TRUNCATED) + stat(f, VSX_STAT_PARSE_MALFORMED) +
	       stat(f, VSX_STAT_LOCAL) + stat(f, VSX_STAT_REDIRECT) + stat(f, VSX_STAT_REDIRECT_FAIL);
}

static __u64 path_packets(struct fixture *f)
{
	const struct vsx_stat_block *blocks = stat_blocks(f);
	__u64 total = 0;

	for (int c = 0; c < f->ncpus; c++)
		for (int p = 0; p < VSX_PATH_COUNT; p++)
			total += blocks[c].path[p].packets;
	return total;
}

/*
 * rx counts every packet once, whatever its fate (the uplink counts it where the parse outcome
 * is decided), and equals the sum of the outcomes; the per-core and the per-path counters
 * have every packet too (the one exit counts both), parse failures included.
 */
static void test_rx_counts_every_packet(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	struct pb hit, local, arp, cut;

	add_rules(f, (const char *const[]){ "vni=901 actions=irq:1", NULL });
	vxlan_udp(&hit, 901, 0, 5201, NULL);
	vxlan_udp(&local, 902, 0, 5201, NULL); /* no rule: stays */
	pb_init(&arp);
	pb_eth(&arp, NULL);
	pb_arp(&arp, 1);
	assert_true(pb_finish(&arp) > 0);
	vxlan_udp(&cut, 901, 0, 5201, NULL);
	cut.len = 14 + 10; /* inside the outer IPv4 header */

	__u64 rx = stat(f, VSX_STAT_RX), out = outcomes(f);
	__u64 cores = core_packets(f, 0) + core_packets(f, 1), paths = path_packets(f);
	struct pb bad;

	vxlan_udp(&bad, 901, 0, 5201, NULL);
	bad.data[14] = 0x44; /* outer IHL 4: MALFORMED */

	assert_int_equal(run(f, &hit, NULL, NULL), XDP_REDIRECT); /* miss */
	assert_int_equal(run(f, &hit, NULL, NULL), XDP_REDIRECT); /* hit */
	assert_int_equal(run(f, &local, NULL, NULL), XDP_PASS);
	assert_int_equal(run(f, &arp, NULL, NULL), XDP_PASS);
	assert_int_equal(run(f, &cut, NULL, NULL), XDP_PASS);
	assert_int_equal(run(f, &bad, NULL, NULL), XDP_PASS);
	assert_int_equal(stat(f, VSX_STAT_RX), rx + 6);
	assert_int_equal(outcomes(f), out + 6);
	assert_int_equal(core_packets(f, 0) + core_packets(f, 1), cores + 6);
	assert_int_equal(path_packets(f), paths + 6);
}

/* UDP 1000 -> dport in VXLAN (VNI 950) over `outer6` IPv6 or IPv4, inner IPv6 (or IPv4). */
static void vxlan_v6(struct pb *p, bool outer6, const char *osrc, const char *odst, bool inner6,
		     const char *src, const char *dst, __u16 dport)
{
	pb_init(p);
	pb_vxlan_encap(p, &(struct pb_tunnel){ .v6 = outer6, .ip = { .src = osrc, .dst = odst },
					       .vni = 950 });
	pb_eth(p, NULL);
	if (inner6)
		pb_ipv6(p, &(struct pb_ip){ .src = src, .dst = dst });
	else
		pb_ipv4(p, NULL);
	pb_udp(p, 1000, dport);
	pb_pad_to(p, 80);
	assert_true(pb_finish(p) > 0);
}

/*
 * The cache compares the second word of each address only when a header is IPv6
 * (flow_cache.h): two flows that differ only there, in the third 32-bit word of one address
 * (the flow hash folds words 0 and 3, so both land in the same set), are two flows, each
 * missing once and then hitting, for each of the four addresses.
 */
static void test_cache_tells_ipv6_flows_apart(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	static const char *const a = "2001:db8::1", *const b = "2001:db8::1:0:0:1";
	struct pb p[4][2];

	add_rules(f, (const char *const[]){ "vni=950 actions=irq:1", NULL });
	for (int i = 0; i < 2; i++) {
		const char *x = i ? b : a;

		vxlan_v6(&p[0][i], false, NULL, NULL, true, x, "2001:db8::99", 7000);
		vxlan_v6(&p[1][i], false, NULL, NULL, true, "2001:db8::99", x, 7001);
		vxlan_v6(&p[2][i], true, x, "2001:db8::98", false, NULL, NULL, 7002);
		vxlan_v6(&p[3][i], true, "2001:db8::98", x, false, NULL, NULL, 7003);
	}
	for (int k = 0; k < 4; k++) {
		__u64 miss = stat(f, VSX_STAT_CACHE_MISS), hit = stat(f, VSX_STAT_CACHE_HIT);

		assert_int_equal(run(f, &p[k][0], NULL, NULL), XDP_REDIRECT);
		assert_int_equal(run(f, &p[k][1], NULL, NULL), XDP_REDIRECT);
		assert_int_equal(stat(f, VSX_STAT_CACHE_MISS), miss + 2);
		assert_int_equal(stat(f, VSX_STAT_CACHE_HIT), hit);
		assert_int_equal(run(f, &p[k][0], NULL, NULL), XDP_REDIRECT);
		assert_int_equal(run(f, &p[k][1], NULL, NULL), XDP_REDIRECT);
		assert_int_equal(stat(f, VSX_STAT_CACHE_MISS), miss + 2);
		assert_int_equal(stat(f, VSX_STAT_CACHE_HIT), hit + 2);
	}
}

/*
 * A flow's cache counters count its inner Ethernet frame (the fast path's vsx_offload_stats
 * count the same bytes: continuous across moves); rule and core counters the frame received.
 */
static void test_flow_bytes_inner_frame(void **state)
{
	SKIP_UNLESS_ROOT();
	struct fixture *f = *state;
	static struct vsx_flow_stats fs[256];
	static struct vsx_counter rc[256];
	struct vsx_flow_slot sl;
	struct pb p;
	__u64 by[2] = { 0 }, rb[2] = { 0 };
	__u32 i = ~0u;

	add_rules(f, (const char *const[]){ "vni=977 actions=irq:1", NULL });
	vxlan_udp(&p, 977, 0, 5201, NULL); /* 64-byte inner frame, 114 bytes received */
	assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
	for (__u32 s = 0; s <= f->cfg.flow_slots_mask; s++) {
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vsx_flow_cache), &s, &sl), 0);
		if ((sl.flags & VSX_SLOT_VALID) && sl.gen == f->cfg.rules_gen && sl.key.vni == htonl(977)) {
			i = s;
			break;
		}
	}
	assert_int_not_equal(i, ~0u);
	for (int round = 0; round < 2; round++) {
		if (round)
			assert_int_equal(run(f, &p, NULL, NULL), XDP_REDIRECT);
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vsx_flow_stats), &i, fs), 0);
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vsx_rule_stats), &sl.rule_id, rc), 0);
		for (int c = 0; c < f->ncpus; c++) {
			by[round] += fs[c].tag == sl.tag ? fs[c].bytes : 0;
			rb[round] += rc[c].bytes;
		}
	}
	assert_int_equal(by[1] - by[0], 64);
	assert_int_equal(rb[1] - rb[0], p.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes_and_rules),
		cmocka_unit_test(test_fcf_restored),
		cmocka_unit_test(test_later_fragment_follows),
		cmocka_unit_test(test_ipv6_later_fragment_with_dstopts_follows),
		cmocka_unit_test(test_outer_ipv4_fragments_follow),
		cmocka_unit_test(test_outer_ipv6_fragments_follow),
		cmocka_unit_test(test_inner_and_outer_fragments_follow),
		cmocka_unit_test(test_rss_fragments_hash_on_addresses),
		cmocka_unit_test(test_no_core_then_retry),
		cmocka_unit_test(test_flowlet_moves),
		cmocka_unit_test(test_flowlet_moves_fragments),
		cmocka_unit_test(test_truncated_passes),
		cmocka_unit_test(test_rx_counts_every_packet),
		cmocka_unit_test(test_cache_tells_ipv6_flows_apart),
		cmocka_unit_test(test_flow_bytes_inner_frame),
	};
	return cmocka_run_group_tests_name("uplink", tests, setup, teardown);
}
