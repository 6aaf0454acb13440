// SPDX-License-Identifier: MIT
/*
 * Turns the four runs into the table, the invariant check, the data files and the
 * picture (gnuplot), and the last line. Definitions: docs/simulation.md "Metrics".
 */
#include "report.h"
#include "rebalance.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

/* The vsx variant the last line reports for A and C (and prio_gain's numerator). */
#define SIM_REPORTED SIM_VSX_RB

/* Spread is measured after the boot phase (before it, few VMs make the ratio meaningless). */
static unsigned int first_measured(const struct sim_host *h)
{
	return (unsigned int)(h->boot_end_s / SIM_INTERVAL_S + 0.5);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Mean and 95th percentile of the spread over intervals [from, to) with switch work. */
static void spread_stats(const struct sim_result *r, unsigned int from, unsigned int to,
			 double *mean, double *p95)
{
	double *v = malloc((to > from ? to - from : 1) * sizeof(*v)), sum = 0;
	size_t n = 0;

	*mean = *p95 = 0;
	if (!v)
		return;
	for (unsigned int k = from; k < to; k++)
		if (r->spread[k] > 0) {
			v[n++] = r->spread[k];
			sum += r->spread[k];
		}
	if (n) {
		qsort(v, n, sizeof(*v), cmp_double);
		*mean = sum / (double)n;
		*p95 = v[(size_t)(0.95 * (double)(n - 1) + 0.5)];
	}
	free(v);
}

/* Mean of the unsmoothed spread over the same intervals. */
static void raw_stats(const struct sim_result *r, unsigned int from, unsigned int to, double *mean)
{
	struct sim_result raw = *r;
	double p95;

	raw.spread = raw.raw_spread;
	spread_stats(&raw, from, to, mean, &p95);
}

/* Collision core-intervals of r in the intervals `check` (a vsx run) checked. */
static unsigned long collisions_checked(const struct sim_result *r, const struct sim_result *check,
					unsigned int *n_checked)
{
	unsigned long sum = 0;

	*n_checked = 0;
	for (unsigned int k = 0; k < r->intervals; k++)
		if (sim_checked(check, k)) {
			(*n_checked)++;
			sum += r->collisions[k];
		}
	return sum;
}

static unsigned long collisions_all(const struct sim_result *r)
{
	unsigned long sum = 0;

	for (unsigned int k = 0; k < r->intervals; k++)
		sum += r->collisions[k];
	return sum;
}

static double share(double part, double whole)
{
	return whole > 0 ? part / whole : 0;
}

/* Cores without a VM pinned, and the cores the NIC's table spreads over. */
static unsigned int n_unpinned(const struct sim_params *p, const struct sim_host *h)
{
	unsigned int n = 0;

	for (unsigned int c = 0; c < p->cores; c++)
		n += !h->pinned[c];
	return n;
}

static unsigned int n_rss(const struct sim_params *p, const struct sim_host *h)
{
	return p->rss_free ? n_unpinned(p, h) : p->cores;
}

static void print_header(const struct sim_params *p, const struct sim_host *h)
{
	unsigned int n_prio = 0, vcpus = 0;
	double fps[4] = {0};

	for (unsigned int i = 0; i < h->n_vms; i++) {
		n_prio += (unsigned int)h->vm[i].prio;
		vcpus += h->vm[i].vcpus;
	}
	/* offered switch frames per second in each phase: flows active at its middle */
	for (size_t i = 0; i < h->n_flows; i++) {
		const struct sim_flow *f = &h->flow[i];
		double run = p->intervals * SIM_INTERVAL_S, mid[4] = {0.25, 0.55, 0.85, 0.05};

		for (int ph = 0; ph < 4; ph++)
			if (f->start <= mid[ph] * run && f->end > mid[ph] * run)
				fps[ph] += f->fps;
	}
	printf("bench/sim: seed %llu, %u cores (%u without a VM), %u VMs (%u vCPUs, %u priority), "
	       "%u intervals of %.0f ms\n",
	       (unsigned long long)p->seed, p->cores, p->free_cores, p->vms, vcpus, n_prio,
	       p->intervals, SIM_INTERVAL_S * 1000);
	printf("costs: stack %.2f us/frame, vsx XDP hit %.1f ns, first packet %.1f ns, hand-off "
	       "extra %.2f us; vsx threshold %u %%, decision_load %u\n",
	       p->stack_us, p->hit_ns, p->miss_ns, p->handoff_us, p->threshold, p->decision_load);
	{
		unsigned int j = vsx_flowlet_jiffies(VSXD_DEFAULT_REBALANCE_GAP_MS, SIM_HZ);

		/* the datapath accepts a difference of j ticks: a real gap over (j - 1) ticks */
		printf(
		    "flowlet: rebalance-gap-ms %u = flowlet_jiffies %u at HZ %u, so a moved rule's "
		    "flow follows at an idle gap over %u ms;\n         TCP-like flows have such "
		    "gaps %.2f times a second, fragmented UDP never\n",
		    VSXD_DEFAULT_REBALANCE_GAP_MS, j, SIM_HZ, (j - 1) * 1000 / SIM_HZ, p->gap_hz);
	}
	{
		struct vsx_rebalance_conf c;

		printf("NIC: RSS hash into a %d-entry table over %s (%u): every policy's "
		       "receiving cores\n",
		       SIM_RETA_SIZE, p->rss_free ? "the cores without a VM" : "all cores",
		       n_rss(p, h));
		printf("overload: %s\n", p->softirq_first
					     ? "packet work first, the vCPUs get what is left"
					     : "every demand on the core served in proportion");
		sim_rb_conf(p, &c);
		printf("vsx+rb planner (lib/rebalance.c): hold %u, margin %u, balance %u %%, "
		       "max_moves %u, cooldown %u samples\n",
		       c.hold, c.margin, c.balance, c.max_moves, c.cooldown);
	}
	printf("flows: %zu mice, %zu heavy, %zu fragmented UDP; switch work offered (cores' worth "
	       "at %.2f us/frame): base %.1f, step-up %.1f, step-down %.1f\n\n",
	       h->n_class[SIM_MOUSE], h->n_class[SIM_HEAVY], h->n_class[SIM_FRAG], p->stack_us,
	       fps[0] * p->stack_us / 1e6, fps[1] * p->stack_us / 1e6, fps[2] * p->stack_us / 1e6);
}

static void print_table(const struct sim_params *p, const struct sim_host *h,
			const struct sim_result res[SIM_N_POLICIES])
{
	unsigned int from = first_measured(h), to = p->intervals;

	printf("%-7s %-5s %6s %6s %6s %8s %8s %7s %6s %7s %7s %6s %7s %7s\n", "policy", "cores",
	       "spread", "p95", "raw", "collide", "checked", "on_vm%", "over", "prio%", "all%",
	       "moves", "f_moved", "no_core");
	for (int i = 0; i < SIM_N_POLICIES; i++) {
		const struct sim_result *r = &res[i];
		const struct sim_result *check = i == SIM_VSX ? &res[SIM_VSX] : &res[SIM_VSX_RB];
		unsigned int n_checked;
		unsigned long checked = collisions_checked(r, check, &n_checked);
		double mean, p95, raw;
		char cores[16];

		spread_stats(r, from, to, &mean, &p95);
		raw_stats(r, from, to, &raw);
		snprintf(cores, sizeof(cores), "%u",
			 i == SIM_VSX || i == SIM_VSX_RB ? n_unpinned(p, h) : n_rss(p, h));
		printf(
		    "%-7s %-5s %6.2f %6.2f %6.2f %8lu %8lu %7.2f %6lu %7.2f %7.2f %6lu %7lu %7lu\n",
		    sim_policy_name[i], cores, mean, p95, raw, collisions_all(r), checked,
		    100 * share(r->frames_pinned, r->frames), r->overloaded,
		    100 * share(r->prio_delivered, r->prio_frames),
		    100 * share(r->delivered, r->frames), r->moves, r->flows_moved, r->no_core);
	}
	printf("vsx+rb moves by reason:");
	for (int k = 1; k < SIM_N_REASONS; k++)
		if (res[SIM_VSX_RB].by_reason[k])
			printf(" %s %lu", vsx_rebalance_reason_name((enum vsx_rebalance_reason)k),
			       res[SIM_VSX_RB].by_reason[k]);
	printf("\n");
	printf("\nspread by phase (mean over the phase's intervals):\n%-7s", "policy");
	for (unsigned int k = from; k < to; k++)
		if (k == from || strcmp(sim_phase_name(p, k * SIM_INTERVAL_S),
					sim_phase_name(p, (k - 1) * SIM_INTERVAL_S)))
			printf(" %10s", sim_phase_name(p, k * SIM_INTERVAL_S));
	printf("\n");
	for (int i = 0; i < SIM_N_POLICIES; i++) {
		unsigned int start = from;

		printf("%-7s", sim_policy_name[i]);
		for (unsigned int k = from + 1; k <= to; k++) {
			double mean, p95;

			if (k < to && !strcmp(sim_phase_name(p, k * SIM_INTERVAL_S),
					      sim_phase_name(p, start * SIM_INTERVAL_S)))
				continue;
			spread_stats(&res[i], start, k, &mean, &p95);
			printf(" %10.2f", mean);
			start = k;
		}
		printf("\n");
	}
}

static int mkdirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];

			path[i] = '\0';
			if (mkdir(path, 0755) && errno != EEXIST)
				return -errno;
			path[i] = c;
		}
	return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "bench/sim: %s: %s\n", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, "bench/sim: writing %s failed\n", path);
		return -EIO;
	}
	return 0;
}

/* spread.dat: per interval, the time, each policy's spread, and whether it was checked. */
static int write_spread(const char *dir, const struct sim_result res[SIM_N_POLICIES])
{
	char path[4096];
	FILE *f = open_out(dir, "spread.dat", path, sizeof(path));

	if (!f)
		return -EIO;
	fprintf(f, "# time_s");
	for (int i = 0; i < SIM_N_POLICIES; i++)
		fprintf(f, " %s", sim_policy_name[i]);
	fprintf(f, " checked(%s)\n", sim_policy_name[SIM_REPORTED]);
	for (unsigned int k = 0; k < res[0].intervals; k++) {
		fprintf(f, "%.1f", k * SIM_INTERVAL_S);
		for (int i = 0; i < SIM_N_POLICIES; i++)
			fprintf(f, " %.4f", res[i].spread[k]);
		fprintf(f, " %d\n", sim_checked(&res[SIM_REPORTED], k));
	}
	return close_out(f, path);
}

/* prio.dat: per interval, the share of the priority VMs' frames each policy delivered. */
static int write_prio(const char *dir, const struct sim_result res[SIM_N_POLICIES])
{
	char path[4096];
	FILE *f = open_out(dir, "prio.dat", path, sizeof(path));

	if (!f)
		return -EIO;
	fprintf(f, "# time_s, delivered %% of priority frames offered (? none offered):");
	for (int i = 0; i < SIM_N_POLICIES; i++)
		fprintf(f, " %s", sim_policy_name[i]);
	fprintf(f, "\n");
	for (unsigned int k = 0; k < res[0].intervals; k++) {
		fprintf(f, "%.1f", k * SIM_INTERVAL_S);
		for (int i = 0; i < SIM_N_POLICIES; i++)
			if (res[i].prio_off[k] > 0)
				fprintf(f, " %.3f", 100 * res[i].prio_got[k] / res[i].prio_off[k]);
			else
				fprintf(f, " ?");
		fprintf(f, "\n");
	}
	return close_out(f, path);
}

/* load-POLICY.dat: time, core, switch load (gnuplot's "with image" matrix). */
static int write_load(const char *dir, const struct sim_result *r, const char *tag)
{
	char path[4096], name[64];
	FILE *f;

	snprintf(name, sizeof(name), "load-%s.dat", tag);
	f = open_out(dir, name, path, sizeof(path));
	if (!f)
		return -EIO;
	for (unsigned int k = 0; k < r->intervals; k++) {
		for (unsigned int c = 0; c < r->cores; c++)
			fprintf(f, "%.1f %u %.2f\n", k * SIM_INTERVAL_S, c,
				r->switch_load[(size_t)k * r->cores + c]);
		fprintf(f, "\n");
	}
	return close_out(f, path);
}

static int write_plot(const struct sim_params *p, const char *dir, int run)
{
	const char *rss_set = p->rss_free ? "cores without a VM" : "all cores";
	char path[4096], *argv[3];
	FILE *f = open_out(dir, "sim.gp", path, sizeof(path));
	pid_t pid;
	int status, err;

	if (!f)
		return -EIO;
	fprintf(f,
		"# bench/sim's picture: gnuplot sim.gp (in this directory)\n"
		"set terminal pngcairo size 1200,1900 font ',10' noenhanced\n"
		"set output 'sim.png'\n"
		"set multiplot layout 4,1 title 'bench/sim seed %llu: %u cores (%u without a VM), "
		"%u VMs'\n"
		"set xlabel 'simulated time (s)'\nset xrange [0:%g]\n"
		"set ylabel 'switch load spread (max / mean of the smoothed load)'\n"
		"set yrange [1:*]\nset logscale y 2\nset key top right\nset grid\n"
		"set arrow 1 from graph 0, first 1.25 to graph 1, first 1.25 nohead dt 2\n"
		"set label 1 'target 1.25' at graph 0.01, first 1.32\n"
		"plot 'spread.dat' using 1:2 with lines title 'rss (%s)', \\\n"
		"     '' using 1:3 with lines title 'rss++ (%s)', \\\n"
		"     '' using 1:4 with lines title 'vsx (cores without a VM)', \\\n"
		"     '' using 1:5 with lines lw 2 title 'vsx+rb (cores without a VM)'\n"
		"unset logscale y\nunset arrow 1\nunset label 1\n"
		"set ylabel 'priority VMs: frames delivered (%%)'\nset yrange [*:100.5]\nset key "
		"bottom left\n"
		"plot 'prio.dat' using 1:2 with lines title 'rss', '' using 1:3 with lines title "
		"'rss++', \\\n"
		"     '' using 1:4 with lines title 'vsx', '' using 1:5 with lines lw 2 title "
		"'vsx+rb'\n"
		"unset grid\nset yrange [*:*]\n"
		"set yrange [-0.5:%u.5]\n"
		"set ylabel 'core'\nset cblabel 'switch load (%% of the core)'\n"
		"set cbrange [0:100]\nset palette defined (0 'white', 30 'yellow', 60 'orange', "
		"100 'red')\n"
		"set title 'rss: switch load per core (cores 0-%u have VMs pinned)'\n"
		"plot 'load-rss.dat' using 1:2:3 with image notitle\n"
		"set title 'vsx+rb: switch load per core (cores 0-%u have VMs pinned)'\n"
		"plot 'load-vsx-rb.dat' using 1:2:3 with image notitle\n"
		"unset multiplot\n",
		(unsigned long long)p->seed, p->cores, p->free_cores, p->vms,
		p->intervals * SIM_INTERVAL_S, rss_set, rss_set, p->cores - 1,
		p->cores - p->free_cores - 1, p->cores - p->free_cores - 1);
	err = close_out(f, path);
	if (err || !run)
		return err;
	argv[0] = "gnuplot";
	argv[1] = "sim.gp";
	argv[2] = NULL;
	{
		posix_spawn_file_actions_t fa;
		int r;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addchdir_np(&fa, dir);
		r = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (r) {
			fprintf(stderr,
				"bench/sim: gnuplot: %s (scripts/install-deps installs it); "
				"no picture\n",
				strerror(r));
			return 0;
		}
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench/sim: gnuplot %s/sim.gp failed\n", dir);
		return -EIO;
	}
	printf("picture: %s/sim.png\n", dir);
	return 0;
}

int sim_report(const struct sim_params *p, const struct sim_host *h,
	       const struct sim_result res[SIM_N_POLICIES], const struct sim_output *out)
{
	const struct sim_result *rss = &res[SIM_RSS], *vsx = &res[SIM_REPORTED];
	unsigned int n_checked, n_rss;
	unsigned long a = collisions_checked(vsx, vsx, &n_checked);
	unsigned long b = collisions_checked(rss, vsx, &n_rss);
	double spread_vsx, spread_rss, p95;
	double prio_vsx = share(vsx->prio_delivered, vsx->prio_frames);
	double prio_rss = share(rss->prio_delivered, rss->prio_frames);
	char gain[16];
	int err;

	print_header(p, h);
	print_table(p, h, res);
	{
		struct sim_result lpt = res[SIM_VSX];
		double bound;

		lpt.spread = lpt.bound;
		spread_stats(&lpt, first_measured(h), p->intervals, &bound, &p95);
		printf(
		    "\nbound: the VMs' rules placed afresh every interval, largest first on the "
		    "least "
		    "loaded core\n       (knows the interval's loads, moves every flow for free: "
		    "no policy can): raw spread %.2f, p95 %.2f\n",
		    bound, p95);
	}
	spread_stats(vsx, first_measured(h), p->intervals, &spread_vsx, &p95);
	spread_stats(rss, first_measured(h), p->intervals, &spread_rss, &p95);
	printf("\ncheck: %u of %u intervals had an unpinned core at or below the threshold (%u %%) "
	       "in %s's table, in them and in the interval before;\n"
	       "       there %s put switch work on a VM's core in %lu core-intervals (target 0), "
	       "rss in %lu\n",
	       n_checked, p->intervals, p->threshold, sim_policy_name[SIM_REPORTED],
	       sim_policy_name[SIM_REPORTED], a, b);
	printf("target spread_vsx <= 1.25: %s (%.2f)\n", spread_vsx <= 1.25 ? "met" : "NOT met",
	       spread_vsx);

	err = mkdirs(out->dir);
	if (err) {
		fprintf(stderr, "bench/sim: %s: %s\n", out->dir, strerror(-err));
		return err;
	}
	err = write_spread(out->dir, res);
	if (!err)
		err = write_prio(out->dir, res);
	if (!err)
		err = write_load(out->dir, rss, "rss");
	if (!err)
		err = write_load(out->dir, vsx, "vsx-rb");
	if (!err)
		err = write_plot(p, out->dir, out->plot);
	if (err)
		return err;
	/* no priority traffic (--prio-vms 0): no gain to report, as bench/paper says "na" */
	if (prio_rss > 0)
		snprintf(gain, sizeof(gain), "%.2f", prio_vsx / prio_rss);
	else
		snprintf(gain, sizeof(gain), "na");
	printf("sim: collisions_vsx=%lu collisions_rss=%lu spread_vsx=%.2f spread_rss=%.2f "
	       "prio_gain=%s\n",
	       a, b, spread_vsx, spread_rss, gain);
	return 0;
}
