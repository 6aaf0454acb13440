// SPDX-License-Identifier: MIT
/*
 * bench/sim: a deterministic simulation of one host (64 cores, 200 VMs by default) that
 * compares RSS hashing, an RSS++-style bucket rebalancer, vsx's core choice
 * (include/vsx/core_choice.h, the datapath's own code) and vsx with the rebalancing planner
 * (lib/rebalance.c, vsxd's own code) on one seeded workload. docs/simulation.md has the
 * model, the constants and the metrics. The last line:
 *   sim: collisions_vsx=A collisions_rss=B spread_vsx=C spread_rss=D prio_gain=E
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "simlib/model.h"
#include "simlib/run.h"
#include "simlib/report.h"

/* The simulator's C files: the Makefile builds bench/NAME.c only. */
#include "simlib/workload.c"
#include "simlib/run.c"
#include "simlib/balance.c"
#include "simlib/report.c"

/*
 * Per-frame costs, from the repository's own measurements (quiet machine, 2026-12-01):
 * - stack work of one frame on the core that processes it (skb, VXLAN decapsulation, bridge,
 *   the VM's veth): the cpumap kthread's CPU time per frame with SCHED_BATCH, 2.49 us
 *   (docs/handoff.md "Measured", `bench/run handoff`, kthread_us_batch). The same cost is
 *   charged to frames processed on their receiving core (rss): the kthread's time is the
 *   moved work plus what is left of the hand-off, and the doc finds the two of one size.
 * - XDP on the receiving core, vsx only: a cached flow 45.8 ns ("hit"), a first packet
 *   134.9 ns ("miss, 1 rule") (docs/benchmarks.md "Measured", `bench/run steer`, 09:13 UTC).
 */
#define SIM_STACK_US 2.49
#define SIM_HIT_NS 45.8
#define SIM_MISS_NS 134.9
/* Beyond the kthread's measure, a hand-off costs nothing more by default (see above). */
#define SIM_HANDOFF_US 0.0

/* The host and the vsx configuration (docs/simulation.md says why each). */
#define SIM_CORES 64
#define SIM_VMS 200
#define SIM_INTERVALS 600 /* 60 s */
#define SIM_FREE_SHARE 4  /* a quarter of the cores has no VM pinned: 16 of 64 */
#define SIM_PRIO_SHARE 20 /* one VM in 20 is a priority VM: 10 of 200 */
/* vsxd's defaults (lib/config.h): the paper's threshold 50, decision-load 10 */
#define SIM_THRESHOLD VSXD_DEFAULT_THRESHOLD
#define SIM_DECISION_LOAD VSXD_DEFAULT_DECISION_LOAD
#define SIM_VCPU_MIN 4.0 /* a vCPU's demand, percent of its core: 10 vCPUs make 40..100 % */
#define SIM_VCPU_MAX 10.0
#define SIM_MAX_FLOWS 5000000 /* flows a run may draw (memory) */
#define SIM_GAP_HZ 1.0	      /* flowlet gaps per second of a TCP-like flow */

static const char usage[] =
    "Usage: bench/sim [OPTION]...\n"
    "Simulates one host and compares rss, rss++, vsx and vsx+rb on one seeded workload\n"
    "(docs/simulation.md). Prints a table, writes data and a picture to DIR, and ends with\n"
    "  sim: collisions_vsx=A collisions_rss=B spread_vsx=C spread_rss=D prio_gain=E\n"
    "\n"
    "  --seed N            workload seed (default 1)\n"
    "  --cores N           host cores, 2..256 (default 64)\n"
    "  --vms N             VMs, 1..16383 (default 200)\n"
    "  --intervals N       100-ms intervals to simulate, 20..100000 (default 600: 60 s)\n"
    "  --threshold P       vsx core table threshold, percent 0..100 (default: vsxd's, 50)\n"
    "  --free-cores N      cores no VM is pinned to, 1..cores-1 (default cores/4: 16)\n"
    "  --prio-vms N        priority VMs, 0..vms (default vms/20: 10)\n"
    "  --decision-load P   vsx decision_load, percent points 0..100 (default: vsxd's, 10)\n"
    "  --load F            scales every flow arrival rate, 0.01..100 (default 1)\n"
    "  --stack-us US       stack work per frame, microseconds (default 2.49, docs/handoff.md)\n"
    "  --hit-ns NS         vsx XDP per cached frame (default 45.8, docs/benchmarks.md)\n"
    "  --miss-ns NS        vsx XDP per first packet (default 134.9, docs/benchmarks.md)\n"
    "  --handoff-us US     extra per frame processed off its receiving core (default 0)\n"
    "  --gap-hz F          flowlet gaps per second of TCP-like flows (default 1)\n"
    "  --rb-hold N         vsx+rb: samples a condition must hold, 1..1000 (default: vsxd's, 3)\n"
    "  --rb-margin P       vsx+rb: points a freed core must be below, 0..100 (default: vsxd's, "
    "20)\n"
    "  --rb-max-moves N    vsx+rb: moves per round, 0..64 (default: the planner's, 8)\n"
    "  --rb-balance P      vsx+rb: % above the mean load a core may be, 0 off (default: vsxd's, "
    "5)\n"
    "  --rss-cpus all|free the cores the NIC's RSS table spreads over: all (default), or\n"
    "                      those without a VM (every policy's receiving cores)\n"
    "  --sched fair|softirq how an overloaded core shares: in proportion to every demand\n"
    "                      (default), or packet work first and the vCPUs get the rest\n"
    "  --out DIR           where data and sim.png go (default $O/bench-logs/sim, O=build)\n"
    "  --no-plot           write the data but do not run gnuplot\n"
    "  --help              this text\n";

static void die_usage(const char *fmt, const char *opt, const char *val)
{
	fprintf(stderr, "bench/sim: ");
	fprintf(stderr, fmt, opt, val);
	fprintf(stderr, "\n(bench/sim --help lists the options)\n");
	exit(2);
}

static unsigned long parse_uint(const char *opt, const char *val, unsigned long lo,
				unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (!*val || *end || errno || val[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "bench/sim: %s: expected an integer %lu..%lu, got '%s'\n", opt, lo,
			hi, val);
		exit(2);
	}
	return v;
}

static double parse_real(const char *opt, const char *val, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr, "bench/sim: %s: expected a number %g..%g, got '%s'\n", opt, lo, hi,
			val);
		exit(2);
	}
	return v;
}

enum {
	OPT_SEED = 256,
	OPT_CORES,
	OPT_VMS,
	OPT_INTERVALS,
	OPT_THRESHOLD,
	OPT_FREE,
	OPT_PRIO,
	OPT_DLOAD,
	OPT_LOAD,
	OPT_STACK,
	OPT_HIT,
	OPT_MISS,
	OPT_HANDOFF,
	OPT_GAP,
	OPT_RB_HOLD,
	OPT_RB_MARGIN,
	OPT_RB_MOVES,
	OPT_RB_BALANCE,
	OPT_RSS,
	OPT_SCHED,
	OPT_OUT,
	OPT_NOPLOT,
	OPT_HELP,
};

static const struct option options[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"cores", required_argument, NULL, OPT_CORES},
    {"vms", required_argument, NULL, OPT_VMS},
    {"intervals", required_argument, NULL, OPT_INTERVALS},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"free-cores", required_argument, NULL, OPT_FREE},
    {"prio-vms", required_argument, NULL, OPT_PRIO},
    {"decision-load", required_argument, NULL, OPT_DLOAD},
    {"load", required_argument, NULL, OPT_LOAD},
    {"stack-us", required_argument, NULL, OPT_STACK},
    {"hit-ns", required_argument, NULL, OPT_HIT},
    {"miss-ns", required_argument, NULL, OPT_MISS},
    {"handoff-us", required_argument, NULL, OPT_HANDOFF},
    {"gap-hz", required_argument, NULL, OPT_GAP},
    {"rb-hold", required_argument, NULL, OPT_RB_HOLD},
    {"rb-margin", required_argument, NULL, OPT_RB_MARGIN},
    {"rb-max-moves", required_argument, NULL, OPT_RB_MOVES},
    {"rb-balance", required_argument, NULL, OPT_RB_BALANCE},
    {"rss-cpus", required_argument, NULL, OPT_RSS},
    {"sched", required_argument, NULL, OPT_SCHED},
    {"out", required_argument, NULL, OPT_OUT},
    {"no-plot", no_argument, NULL, OPT_NOPLOT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void parse_args(int argc, char **argv, struct sim_params *p, struct sim_output *out)
{
	int free_set = 0, prio_set = 0, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

		switch (c) {
		case OPT_SEED:
			p->seed = parse_uint("--seed", optarg, 0, ~0ul);
			break;
		case OPT_CORES:
			p->cores = (unsigned int)parse_uint("--cores", optarg, 2, VSX_MAX_CPUS);
			break;
		case OPT_VMS:
			p->vms = (unsigned int)parse_uint("--vms", optarg, 1, VSX_MAX_RULES - 1);
			break;
		case OPT_INTERVALS:
			p->intervals = (unsigned int)parse_uint("--intervals", optarg, 20, 100000);
			break;
		case OPT_THRESHOLD:
			p->threshold = (unsigned int)parse_uint("--threshold", optarg, 0, 100);
			break;
		case OPT_FREE:
			p->free_cores =
			    (unsigned int)parse_uint("--free-cores", optarg, 1, VSX_MAX_CPUS - 1);
			free_set = 1;
			break;
		case OPT_PRIO:
			p->prio_vms =
			    (unsigned int)parse_uint("--prio-vms", optarg, 0, VSX_MAX_RULES - 1);
			prio_set = 1;
			break;
		case OPT_DLOAD:
			p->decision_load =
			    (unsigned int)parse_uint("--decision-load", optarg, 0, 100);
			break;
		case OPT_LOAD:
			p->load = parse_real("--load", optarg, 0.01, 100);
			break;
		case OPT_STACK:
			p->stack_us = parse_real("--stack-us", optarg, 0.01, 1000);
			break;
		case OPT_HIT:
			p->hit_ns = parse_real("--hit-ns", optarg, 0, 100000);
			break;
		case OPT_MISS:
			p->miss_ns = parse_real("--miss-ns", optarg, 0, 100000);
			break;
		case OPT_HANDOFF:
			p->handoff_us = parse_real("--handoff-us", optarg, 0, 1000);
			break;
		case OPT_GAP:
			p->gap_hz = parse_real("--gap-hz", optarg, 0, 1000);
			break;
		case OPT_RB_HOLD:
			p->rb_hold = (int)parse_uint("--rb-hold", optarg, 1, 1000);
			break;
		case OPT_RB_MARGIN:
			p->rb_margin = (int)parse_uint("--rb-margin", optarg, 0, 100);
			break;
		case OPT_RB_MOVES:
			p->rb_max_moves = (int)parse_uint("--rb-max-moves", optarg, 0, 64);
			break;
		case OPT_RB_BALANCE:
			p->rb_balance = (int)parse_uint("--rb-balance", optarg, 0, 1000);
			break;
		case OPT_RSS:
			if (!strcmp(optarg, "all") || !strcmp(optarg, "free")) {
				p->rss_free = !strcmp(optarg, "free");
				break;
			}
			fprintf(stderr,
				"bench/sim: --rss-cpus: expected 'all' or 'free', got '%s'\n",
				optarg);
			exit(2);
		case OPT_SCHED:
			if (!strcmp(optarg, "fair") || !strcmp(optarg, "softirq")) {
				p->softirq_first = !strcmp(optarg, "softirq");
				break;
			}
			fprintf(stderr,
				"bench/sim: --sched: expected 'fair' or 'softirq', got '%s'\n",
				optarg);
			exit(2);
		case OPT_OUT:
			out->dir = optarg;
			break;
		case OPT_NOPLOT:
			out->plot = 0;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			exit(0);
		case ':':
			die_usage("%s needs a value%s", name, "");
			break;
		default:
			die_usage("unknown option '%s'%s", name, "");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'%s", argv[optind], "");
	if (!free_set)
		p->free_cores = p->cores / SIM_FREE_SHARE ? p->cores / SIM_FREE_SHARE : 1;
	if (p->free_cores >= p->cores) {
		fprintf(stderr, "bench/sim: --free-cores %u: must be below --cores %u\n",
			p->free_cores, p->cores);
		exit(2);
	}
	if (!prio_set)
		p->prio_vms = p->vms / SIM_PRIO_SHARE;
	if (p->prio_vms > p->vms) {
		fprintf(stderr, "bench/sim: --prio-vms %u: more than --vms %u\n", p->prio_vms,
			p->vms);
		exit(2);
	}
	/* about 100 bytes per flow and policy: keep a run to a few hundred MB */
	if (sim_expected_flows(p) > SIM_MAX_FLOWS) {
		fprintf(
		    stderr,
		    "bench/sim: --load %g over %u intervals draws about %.0f flows (at most %d): "
		    "lower --load or --intervals\n",
		    p->load, p->intervals, sim_expected_flows(p), SIM_MAX_FLOWS);
		exit(2);
	}
	if (p->miss_ns < p->hit_ns) {
		fprintf(stderr,
			"bench/sim: --miss-ns %g is below --hit-ns %g: a first packet does "
			"the hit path's work and more\n",
			p->miss_ns, p->hit_ns);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct sim_params p = {
	    .seed = 1,
	    .cores = SIM_CORES,
	    .vms = SIM_VMS,
	    .intervals = SIM_INTERVALS,
	    .threshold = SIM_THRESHOLD,
	    .decision_load = SIM_DECISION_LOAD,
	    .load = 1.0,
	    .stack_us = SIM_STACK_US,
	    .hit_ns = SIM_HIT_NS,
	    .miss_ns = SIM_MISS_NS,
	    .handoff_us = SIM_HANDOFF_US,
	    .vcpu_min = SIM_VCPU_MIN,
	    .vcpu_max = SIM_VCPU_MAX,
	    .gap_hz = SIM_GAP_HZ,
	    .rb_hold = VSXD_DEFAULT_REBALANCE_HOLD,
	    .rb_margin = VSXD_DEFAULT_REBALANCE_MARGIN,
	    .rb_max_moves = -1,
	    .rb_balance = VSXD_DEFAULT_REBALANCE_BALANCE,
	};
	struct sim_output out = {.dir = NULL, .plot = 1};
	struct sim_result res[SIM_N_POLICIES];
	struct sim_host h;
	char dir[4096];
	int err;

	parse_args(argc, argv, &p, &out);
	if (!out.dir) {
		const char *o = getenv("O");

		snprintf(dir, sizeof(dir), "%s/bench-logs/sim", o && *o ? o : "build");
		out.dir = dir;
	}
	err = sim_host_build(&p, &h);
	if (err) {
		fprintf(stderr, "bench/sim: building the workload: %s\n", strerror(-err));
		return 1;
	}
	for (int i = 0; i < SIM_N_POLICIES; i++) {
		err = sim_run(&p, &h, (enum sim_policy)i, &res[i]);
		if (err) {
			fprintf(stderr, "bench/sim: policy %s: %s\n", sim_policy_name[i],
				strerror(-err));
			return 1;
		}
	}
	err = sim_report(&p, &h, res, &out);
	for (int i = 0; i < SIM_N_POLICIES; i++)
		sim_result_free(&res[i]);
	sim_host_free(&h);
	return err ? 1 : 0;
}
