// SPDX-License-Identifier: MIT
/*
 * bench/rate's meter: attaches the rate probe (tests/bpf/vmport_rate.bpf.c: every packet
 * through one token bucket of bpf/lib/rate.h, the real clock, admitted packets logged with
 * the time the bucket admitted them) to a device in native XDP mode, runs the traffic command,
 * then measures from the log of every packet (time the bucket was asked, verdict):
 *   - the achieved rate over the first second from the first packet, against the limit (bits
 *     or packets per second), as a relative error; and against what an exact token bucket
 *     would admit from the same arrivals (the limit, less the refill lost while the sender
 *     paused longer than the burst lasts: a busy shared machine descheduling it);
 *   - the largest amount admitted in any 1 ms window (sliding: one window from every admitted
 *     packet) against what a token bucket may admit in 1 ms: burst + rate * 1 ms.
 * Prints one line: "meter: size=.. unit=bps|pps limit=.. burst=.. offered_1s=.. admitted_1s=..
 * err=..% source_idle_ms=.. ideal=.. err_vs_ideal=..% max_1ms=.. allowed_1ms=.. burst_ratio=.."
 * (burst_ratio <= 1: the burst was respected).
 *
 * Usage: rate_meter --dev IFNAME (--bps N | --pps N) [--burst-us U] [--seconds S] -- CMD...
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "../bpf/lib/rate.h"
#include "../tests/bpf/vmport_rate.h"
#include "vmport_rate.skel.h"

#define LOG_N (1u << 21)

static void usage(FILE *f)
{
	fprintf(f, "Usage: rate_meter --dev IFNAME (--bps N | --pps N) [--burst-us U] -- CMD...\n"
		   "  Attaches the rate probe to IFNAME (native XDP), runs CMD, then reports the\n"
		   "  achieved rate over 1 s and the largest 1 ms window against the bucket's limit.\n");
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rate_log_rec *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "dev", 1, NULL, 'd' },	   { "bps", 1, NULL, 'b' },
					      { "pps", 1, NULL, 'p' },	   { "burst-us", 1, NULL, 'u' },
					      { "help", 0, NULL, 'h' },	   { NULL, 0, NULL, 0 } };
	uint64_t bps = 0, pps = 0, burst_us = 1000, v;
	const char *dev = NULL;
	struct vsx_rate_bucket b;
	struct vmport_rate *skel;
	struct rate_log_rec *log;
	int c, ifindex, err, status;
	__u32 id = 0, n;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'b':
		case 'p':
		case 'u':
			if (parse_u64(optarg, &v)) {
				fprintf(stderr, "rate_meter: bad number '%s'\n", optarg);
				return 2;
			}
			*(c == 'b' ? &bps : c == 'p' ? &pps : &burst_us) = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!dev || optind >= argc || (!bps == !pps) || burst_us > 1000000) {
		usage(stderr);
		return 2;
	}
	ifindex = (int)if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "rate_meter: no device '%s'\n", dev);
		return 2;
	}
	if (vsx_rate_config(&b, bps, pps, 0, 0, (__u32)burst_us)) {
		fprintf(stderr, "rate_meter: limit out of range\n");
		return 2;
	}

	skel = vmport_rate__open();
	if (!skel || bpf_map__set_max_entries(skel->maps.rate_log, LOG_N) ||
	    vmport_rate__load(skel)) {
		fprintf(stderr, "rate_meter: cannot load the rate probe\n");
		return 1;
	}
	skel->bss->drop_all = 1;
	skel->bss->log_all = 1;
	skel->bss->bucket = id;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.rate_buckets), &id, &b, BPF_F_LOCK)) {
		fprintf(stderr, "rate_meter: bucket: %s\n", strerror(errno));
		return 1;
	}
	log = mmap(NULL, (size_t)LOG_N * sizeof(*log), PROT_READ, MAP_SHARED,
		   bpf_map__fd(skel->maps.rate_log), 0);
	if (log == MAP_FAILED) {
		fprintf(stderr, "rate_meter: mmap: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.rate_probe), XDP_FLAGS_DRV_MODE,
			     NULL);
	if (err) {
		fprintf(stderr, "rate_meter: attach to %s: %s\n", dev, strerror(-err));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rate_meter: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);

	n = skel->bss->log_next;
	if (n > LOG_N)
		n = LOG_N;
	if (n < 2) {
		fprintf(stderr, "rate_meter: %u packets admitted: no traffic reached %s\n", n, dev);
		return 1;
	}
	{
		struct rate_log_rec *r = malloc((size_t)n * sizeof(*r));
		__u64 limit = bps ? bps : pps;
		__u64 cap = bps ? b.bit_cap / VSX_RATE_SCALE : b.pkt_cap / VSX_RATE_SCALE;
		__u64 burst_ns = (bps ? b.bit_fill_ns : b.pkt_fill_ns), t0, t1, win = 1000000;
		__u64 sum = 0, max_w = 0, in_1s = 0, seen_1s = 0, lost_ns = 0, prev;
		double allowed, ideal;
		size_t j = 0;

		if (!r)
			return 1;
		memcpy(r, log, (size_t)n * sizeof(*r));
		qsort(r, n, sizeof(*r), cmp_rec);
		t0 = r[0].ns;
		t1 = t0 + 1000000000ULL;
		if (r[n - 1].ns < t1) {
			fprintf(stderr, "rate_meter: the log covers %.3f s from the first packet, need 1 s\n",
				(double)(r[n - 1].ns - t0) / 1e9);
			return 1;
		}
		/*
		 * Over [t0, t0 + 1 s): what was admitted, and the time the sender offered nothing
		 * for longer than the bucket's burst lasts (an idle gap g loses g - burst of refill
		 * to the cap): what an exact bucket would have admitted is cap + rate * (1 s - lost).
		 */
		prev = t0;
		for (size_t i = 0; i < n && r[i].ns < t1; i++) {
			if (r[i].ns - prev > burst_ns)
				lost_ns += r[i].ns - prev - burst_ns;
			prev = r[i].ns;
			seen_1s++;
			if (r[i].admitted)
				in_1s += bps ? (__u64)r[i].len * 8 : 1;
		}
		if (t1 - prev > burst_ns)
			lost_ns += t1 - prev - burst_ns;
		ideal = (double)cap + (double)limit * (double)(1000000000ULL - lost_ns) / 1e9;
		/* the largest 1 ms window [t_i, t_i + 1 ms] of admitted packets */
		for (size_t i = 0; i < n; i++) {
			if (!r[i].admitted)
				continue;
			if (j < i)
				j = i;
			while (j < n && r[j].ns <= r[i].ns + win) {
				if (r[j].admitted)
					sum += bps ? (__u64)r[j].len * 8 : 1;
				j++;
			}
			if (sum > max_w)
				max_w = sum;
			sum -= bps ? (__u64)r[i].len * 8 : 1;
		}
		allowed = (double)cap + (double)limit * 1e-3;
		printf("meter: size=%u unit=%s limit=%llu burst=%llu offered_1s=%llu admitted_1s=%llu "
		       "err=%+.3f%% source_idle_ms=%.1f ideal=%.0f err_vs_ideal=%+.3f%% "
		       "max_1ms=%llu allowed_1ms=%.0f burst_ratio=%.4f\n",
		       r[0].len, bps ? "bps" : "pps", (unsigned long long)limit,
		       (unsigned long long)cap, (unsigned long long)seen_1s,
		       (unsigned long long)in_1s, ((double)in_1s / (double)limit - 1) * 100,
		       (double)lost_ns / 1e6, ideal, ((double)in_1s / ideal - 1) * 100,
		       (unsigned long long)max_w, allowed, (double)max_w / allowed);
		free(r);
	}
	vmport_rate__destroy(skel);
	/* the traffic command is stopped by a timeout: its status says nothing */
	return 0;
}
