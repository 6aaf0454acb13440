// SPDX-License-Identifier: MIT
/*
 * Token buckets (bpf/lib/rate.h, include/vsx/rate.h).
 *
 * Natively, on a synthetic clock: the configuration rules (larger burst wins, minimums,
 * ranges), exact burst and refill arithmetic, the long-run rate and every window's bound
 * (admitted bits in any interval T <= burst + rate * T), packet limits, both limits at once,
 * time going backwards, extreme rates and idle times without overflow, and the lock under
 * threads hammering one bucket.
 *
 * In BPF, through the rate probe (vmport_rate.bpf.c) and BPF_PROG_TEST_RUN with the clock
 * given by the test: every verdict equals the native model's on a random sequence, and two
 * CPUs running the program on one bucket at once admit exactly the burst (the kernel's
 * bpf_spin_lock). The BPF part needs root (skipped otherwise).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/lib/rate.h"

#include "vmport_rate.h"
#include "vmport_rate.skel.h"

#define MS 1000000ULL
#define S 1000000000ULL

static struct vsx_rate_bucket cfg(__u64 bps, __u64 pps, __u64 burst_bytes, __u64 burst_pkts,
				  __u32 burst_us)
{
	struct vsx_rate_bucket b;

	assert_int_equal(vsx_rate_config(&b, bps, pps, burst_bytes, burst_pkts, burst_us), 0);
	return b;
}

/* xorshift: reproducible sequences */
static __u64 rng_state = 88172645463325252ULL;
static __u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- native ---- */

static void test_config(void **state)
{
	struct vsx_rate_bucket b;

	/* no limit in either unit: admits everything */
	b = cfg(0, 0, 0, 0, 0);
	assert_int_equal(b.flags, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(vsx_rate_take(&b, 65535, 1), VSX_RATE_PASS);

	/* burst: the larger of bytes and time at the rate */
	b = cfg(8000000, 0, 2000, 0, 10000); /* 1 MB/s, 10 ms = 10000 bytes > 2000 */
	assert_int_equal(b.bit_cap, 10000ULL * 8 * VSX_RATE_SCALE);
	b = cfg(8000000, 0, 50000, 0, 10000);
	assert_int_equal(b.bit_cap, 50000ULL * 8 * VSX_RATE_SCALE);
	/* at least one full frame, one packet */
	b = cfg(8000, 100, 0, 0, 0);
	assert_int_equal(b.bit_cap, VSX_RATE_MIN_BURST_BYTES * 8 * VSX_RATE_SCALE);
	assert_int_equal(b.pkt_cap, VSX_RATE_MIN_BURST_PKTS * VSX_RATE_SCALE);
	assert_int_equal(b.flags, VSX_RATE_F_BITS | VSX_RATE_F_PKTS);
	/* fill time rounds up: 1522 * 8 bits at 3 b/s */
	b = cfg(3, 0, 0, 0, 0);
	assert_int_equal(b.bit_fill_ns, (1522ULL * 8 * VSX_RATE_SCALE + 2) / 3);
	/* time burst at a huge rate without overflow: 4 Tb/s * 1 ms = 4e9 bits, the maximum */
	b = cfg(VSX_RATE_MAX_BPS, 0, 0, 0, 1000);
	assert_int_equal(b.bit_cap, VSX_RATE_MAX_BURST_BITS * VSX_RATE_SCALE);

	/* out of range */
	assert_int_equal(vsx_rate_config(&b, VSX_RATE_MAX_BPS + 1, 0, 0, 0, 0), -ERANGE);
	assert_int_equal(vsx_rate_config(&b, 0, VSX_RATE_MAX_PPS + 1, 0, 0, 0), -ERANGE);
	assert_int_equal(vsx_rate_config(&b, 1000, 0, VSX_RATE_MAX_BURST_BITS / 8 + 1, 0, 0),
			 -ERANGE);
	assert_int_equal(vsx_rate_config(&b, VSX_RATE_MAX_BPS, 0, 0, 0, 1001), -ERANGE);
	assert_int_equal(vsx_rate_config(&b, 0, 10, 0, VSX_RATE_MAX_BURST_PKTS + 1, 0), -ERANGE);
	assert_int_equal(vsx_rate_config(&b, 0, VSX_RATE_MAX_PPS, 0, 0, 2000000), -ERANGE);
}

static void test_burst_and_refill_exact(void **state)
{
	/* 1 Mb/s, burst 15000 bytes, 1000-byte packets: 8 ms of refill per packet */
	struct vsx_rate_bucket b = cfg(1000000, 0, 15000, 0, 0);
	__u64 t = 5 * S;

	for (int i = 0; i < 15; i++)
		assert_int_equal(vsx_rate_take(&b, 1000, t), VSX_RATE_PASS);
	assert_int_equal(vsx_rate_take(&b, 1000, t), VSX_RATE_OVER);
	/* a refusal takes nothing: a smaller packet still fits in what is left (nothing) */
	assert_int_equal(b.bit_tokens, 0);
	assert_int_equal(vsx_rate_take(&b, 1000, t + 8 * MS - 1), VSX_RATE_OVER);
	assert_int_equal(vsx_rate_take(&b, 1000, t + 8 * MS), VSX_RATE_PASS);
	assert_int_equal(b.bit_tokens, 0);
	/* 4 ms: half a packet's tokens; a 500-byte packet fits exactly */
	assert_int_equal(vsx_rate_take(&b, 1000, t + 12 * MS), VSX_RATE_OVER);
	assert_int_equal(vsx_rate_take(&b, 500, t + 12 * MS), VSX_RATE_PASS);
	assert_int_equal(b.bit_tokens, 0);
	/* idle: refills to the burst and no further */
	assert_int_equal(vsx_rate_take(&b, 1, t + 100 * S), VSX_RATE_PASS);
	assert_int_equal(b.bit_tokens, 15000ULL * 8 * VSX_RATE_SCALE - 8 * VSX_RATE_SCALE);
}

static void test_packets_and_both(void **state)
{
	/* 1000 p/s, burst 10 packets, any size */
	struct vsx_rate_bucket b = cfg(0, 1000, 0, 10, 0);
	__u64 t = S;
	int n = 0;

	for (int i = 0; i < 100; i++)
		n += vsx_rate_take(&b, 64 + i * 10, t) == VSX_RATE_PASS;
	assert_int_equal(n, 10);
	assert_int_equal(vsx_rate_take(&b, 64, t + MS - 1), VSX_RATE_OVER);
	assert_int_equal(vsx_rate_take(&b, 9000, t + MS), VSX_RATE_PASS);

	/*
	 * Both: 8 Mb/s (1 MB/s) and 100 p/s, bursts 1 ms (1000 bytes, 1 packet -> the minimums:
	 * 1522 bytes and 1 packet). Small packets are held by the packet limit, large ones by
	 * the bit limit; a refusal by one takes nothing from the other.
	 */
	b = cfg(8000000, 100, 0, 0, 1000);
	t = S;
	assert_int_equal(vsx_rate_take(&b, 64, t), VSX_RATE_PASS);
	assert_int_equal(vsx_rate_take(&b, 64, t), VSX_RATE_OVER); /* packets */
	assert_int_equal(b.bit_tokens, (1522ULL - 64) * 8 * VSX_RATE_SCALE);
	t += 10 * MS; /* one packet's worth; bits full again (1.522 ms fills them) */
	assert_int_equal(vsx_rate_take(&b, 1500, t), VSX_RATE_PASS);
	t += 10 * MS;
	b.bit_tokens = 0; /* as if just drained: a 1000-byte packet needs 1 ms of bits */
	b.pkt_tokens = b.pkt_cap;
	b.last_ns = t;
	assert_int_equal(vsx_rate_take(&b, 1000, t + MS - 1), VSX_RATE_OVER); /* bits */
	assert_int_equal(b.pkt_tokens, VSX_RATE_SCALE);			     /* untouched */
	assert_int_equal(vsx_rate_take(&b, 1000, t + MS), VSX_RATE_PASS);
}

static void test_time_backwards(void **state)
{
	struct vsx_rate_bucket b = cfg(1000000, 0, 2000, 0, 0); /* 1522 -> 2000 bytes */

	assert_int_equal(vsx_rate_take(&b, 2000, 10 * S), VSX_RATE_PASS);
	/* a CPU that read the clock earlier gets the lock later: no refill, last stays */
	assert_int_equal(vsx_rate_take(&b, 1, 9 * S), VSX_RATE_OVER);
	assert_int_equal(b.last_ns, 10 * S);
	assert_int_equal(vsx_rate_take(&b, 1000, 10 * S + 8 * MS), VSX_RATE_PASS);
}

static void test_extremes(void **state)
{
	/* the largest rate and burst: a whole day idle, then the clock's end, no overflow */
	struct vsx_rate_bucket b = cfg(VSX_RATE_MAX_BPS, VSX_RATE_MAX_PPS, VSX_RATE_MAX_BURST_BITS / 8,
				       VSX_RATE_MAX_BURST_PKTS, 0);
	__u64 t = 1;

	assert_int_equal(vsx_rate_take(&b, 65535, t), VSX_RATE_PASS);
	t += 86400 * S;
	assert_int_equal(vsx_rate_take(&b, 65535, t), VSX_RATE_PASS);
	assert_int_equal(b.bit_tokens, b.bit_cap - 65535ULL * 8 * VSX_RATE_SCALE);
	/* just below the fill time: the largest refill product the bucket computes */
	b.bit_tokens = b.bit_cap - 1;
	assert_int_equal(vsx_rate_take(&b, 0, t + b.bit_fill_ns - 1), VSX_RATE_PASS);
	assert_int_equal(b.bit_tokens, b.bit_cap);
	assert_int_equal(vsx_rate_take(&b, 65535, UINT64_MAX), VSX_RATE_PASS);
	assert_true(b.bit_tokens <= b.bit_cap && b.pkt_tokens <= b.pkt_cap);

	/* the slowest: 1 b/s, 1522-byte burst refills in 12176 s */
	b = cfg(1, 0, 0, 0, 0);
	assert_int_equal(vsx_rate_take(&b, 1522, S), VSX_RATE_PASS);
	assert_int_equal(vsx_rate_take(&b, 1, S + S - 1), VSX_RATE_OVER);
	assert_int_equal(vsx_rate_take(&b, 0, S + S - 1), VSX_RATE_PASS); /* 0 bits: fits */
	assert_int_equal(vsx_rate_take(&b, 1, S + 8 * S), VSX_RATE_PASS);
}

/*
 * Long run with random sizes and gaps, offered at about twice the rate: the admitted bits
 * over T are within one packet of rate * T + burst - (what the start left unused), and in
 * every window (from any admitted packet, 1 ms and 10 ms long) at most burst + rate * window.
 */
struct adm {
	__u64 ns;
	__u32 len;
};

static void check_windows(const struct adm *a, size_t n, __u64 bps, __u64 burst_bits, __u64 win)
{
	size_t j = 0;
	__u64 sum = 0;

	for (size_t i = 0; i < n; i++) {
		/* window [a[i].ns, a[i].ns + win]: the packets from i up to j-1 */
		while (j < n && a[j].ns <= a[i].ns + win)
			sum += (__u64)a[j++].len * 8;
		/* bits in the window <= burst + rate * win (exact integers, scaled) */
		assert_true(sum * S <= burst_bits * S + bps * win);
		sum -= (__u64)a[i].len * 8;
	}
}

static void test_long_run(void **state)
{
	const __u64 bps = 100000000; /* 100 Mb/s */
	struct vsx_rate_bucket b = cfg(bps, 0, 0, 0, 1000); /* burst 1 ms = 12500 bytes */
	size_t cap = 2000000, n = 0;
	struct adm *a = calloc(cap, sizeof(*a));
	__u64 t = S, end = 11 * S, bits = 0;

	assert_non_null(a);
	while (t < end && n < cap) {
		__u32 len = 64 + (__u32)(rnd() % 1437);
		/* mean gap ~ 760 bytes at 200 Mb/s = 30 us: offered ~2x */
		t += rnd() % 60000;
		if (vsx_rate_take(&b, len, t) == VSX_RATE_PASS) {
			a[n].ns = t;
			a[n].len = len;
			n++;
			bits += (__u64)len * 8;
		}
	}
	assert_true(n < cap);
	/* over 10 s: rate * 10 s + burst, within a packet (1500 bytes of tokens left over) */
	assert_true(bits <= bps * 10 + 12500 * 8);
	assert_true(bits + 1500 * 8 >= bps * 10);
	check_windows(a, n, bps, 12500 * 8, MS);
	check_windows(a, n, bps, 12500 * 8, 10 * MS);
	free(a);
}

/*
 * Threads on one bucket, frozen clock, started together and contending all the time the
 * bucket drains: exactly the burst is admitted, whoever wins (without the lock, lost
 * updates admit more).
 */
static pthread_barrier_t start_line;

struct hammer {
	void *map;
	__u64 now_base;
	int iters;
	int admitted;
	const __u64 *clock; /* NULL: now_base */
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;

	pthread_barrier_wait(&start_line);
	for (int i = 0; i < h->iters; i++) {
		__u64 now = h->clock ? __atomic_load_n(h->clock, __ATOMIC_RELAXED) : h->now_base;

		if (vsx_rate_admit(h->map, 0, 100, now) == VSX_RATE_PASS)
			h->admitted++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct vsx_rate_bucket bucket = cfg(0, 1000, 0, 1000000, 0); /* burst 10^6 packets */
	struct vsx_rate_table table = { .buckets = &bucket, .n = 1 };
	struct hammer h[4];
	pthread_t th[4];
	int total = 0;

	pthread_barrier_init(&start_line, NULL, 4);
	for (int i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .map = &table, .now_base = S, .iters = 400000 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += h[i].admitted;
	}
	pthread_barrier_destroy(&start_line);
	assert_int_equal(total, 1000000);
	assert_int_equal(vsx_rate_admit(&table, 1, 100, S), VSX_RATE_NO_BUCKET);
}

/* ---- BPF ---- */

struct fixture {
	struct vmport_rate *skel;
	int prog, buckets;
};

static struct fixture fx;

static int setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	fx.skel = vmport_rate__open_and_load();
	if (!fx.skel)
		return -1;
	fx.prog = bpf_program__fd(fx.skel->progs.rate_probe);
	fx.buckets = bpf_map__fd(fx.skel->maps.rate_buckets);
	return 0;
}

static int teardown(void **state)
{
	vmport_rate__destroy(fx.skel);
	return 0;
}

#define SKIP_UNLESS_ROOT()                                                                         \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

static void put_bucket(__u32 id, const struct vsx_rate_bucket *b)
{
	assert_int_equal(bpf_map_update_elem(fx.buckets, &id, b, BPF_F_LOCK), 0);
}

static int run_pkt(__u32 len, __u64 now, int repeat)
{
	static __u8 pkt[9000];
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	fx.skel->bss->fake_now = now;
	if (bpf_prog_test_run_opts(fx.prog, &opts)) {
		print_error("test run: %s\n", strerror(errno));
		return -1;
	}
	return (int)opts.retval;
}

static void test_bpf_matches_native(void **state)
{
	SKIP_UNLESS_ROOT();
	struct vsx_rate_bucket model = cfg(50000000, 20000, 0, 0, 2000); /* 50 Mb/s, 20 kp/s */
	__u64 t = 3 * S;
	int admitted = 0;

	fx.skel->bss->bucket = 3;
	fx.skel->bss->len_override = 0;
	put_bucket(3, &model);
	for (int i = 0; i < 20000; i++) {
		__u32 len = 60 + (__u32)(rnd() % 1455);
		int want, got;

		t += rnd() % 80000;
		want = vsx_rate_take(&model, len, t) == VSX_RATE_PASS ? XDP_PASS : XDP_DROP;
		got = run_pkt(len, t, 1);
		assert_int_equal(got, want);
		admitted += want == XDP_PASS;
	}
	/* both outcomes happened */
	assert_true(admitted > 1000 && admitted < 19000);

	/* an id outside the map */
	fx.skel->bss->bucket = 1000;
	assert_int_equal(run_pkt(64, t, 1), XDP_ABORTED);
}

struct bpf_hammer {
	int cpu;
	int repeat;
	int ok;
};

static void *bpf_hammer_run(void *arg)
{
	struct bpf_hammer *h = arg;
	static __u8 pkt[64];
	struct xdp_md ctx = { .data_end = sizeof(pkt), .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = h->repeat);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pthread_barrier_wait(&start_line);
	h->ok = bpf_prog_test_run_opts(bpf_program__fd(fx.skel->progs.rate_probe), &opts) == 0;
	return NULL;
}

static void test_bpf_lock_two_cpus(void **state)
{
	SKIP_UNLESS_ROOT();
	/* 400000 packets, then 1 p/s; 600000 tries, so both CPUs drain it together */
	struct vsx_rate_bucket b = cfg(0, 1, 0, 400000, 0);
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_hammer h[2] = { { .cpu = 0, .repeat = 300000 }, { .cpu = 1, .repeat = 300000 } };
	pthread_t th[2];
	__u64 before;

	if (ncpu < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	fx.skel->bss->bucket = 5;
	fx.skel->bss->len_override = 0;
	fx.skel->bss->fake_now = 7 * S; /* frozen: no refill during the runs */
	put_bucket(5, &b);
	before = fx.skel->bss->n_admitted;
	pthread_barrier_init(&start_line, NULL, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, bpf_hammer_run, &h[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_true(h[i].ok);
	}
	pthread_barrier_destroy(&start_line);
	assert_int_equal(fx.skel->bss->n_admitted - before, 400000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_burst_and_refill_exact),
		cmocka_unit_test(test_packets_and_both),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_bpf_matches_native),
		cmocka_unit_test(test_bpf_lock_two_cpus),
	};
	return cmocka_run_group_tests_name("rate", tests, setup, teardown);
}
