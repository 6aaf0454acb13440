// SPDX-License-Identifier: MIT
/*
 * vsxd: loads the vsx datapath on a host's uplink, keeps its core table current and serves
 * vsxctl. One event loop (lib/evloop.h) over: a signalfd (SIGTERM/SIGINT stop, SIGHUP is
 * logged), the load sampling timer, and the control socket with its connections (control.c).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "vsxd.h"
#include "dp_xdp.h"
#include "evloop.h"
#include "log.h"
#include <vsx/version.h>

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: vsxd [OPTIONS]\n\n"
	    "The vsx agent: steers received flows to chosen cores with XDP on the host's uplink\n"
	    "(VS-extend), writes the Flow Control Field on sent VXLAN packets, and serves "
	    "vsxctl.\n\n"
	    "Options:\n"
	    "  -c, --config FILE     configuration file (default %s)\n"
	    "  -t, --check-config    parse and validate the configuration (rules included), print\n"
	    "                        the effective configuration and exit; touches nothing\n"
	    "  -k, --keep-datapath   on exit leave the datapath attached and its maps pinned, so\n"
	    "                        steering goes on and the next vsxd takes over its state\n"
	    "  -l, --log-level LVL   err, warn, info or debug (overrides the file)\n"
	    "      --syslog          log to syslog instead of stderr\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         print the version\n\n"
	    "See vsxd(8) and docs/config.md.\n",
	    VSXD_CONF_DEFAULT_PATH);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int make_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void on_signal(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)ctx;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: configuration reload is not supported; restart vsxd "
				 "(with --keep-datapath to keep its state)");
			continue;
		}
		log_info("%s: stopping", strsignal((int)si.ssi_signo));
		vsx_loop_stop(loop);
		return;
	}
}

static void on_sample(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	struct vsxd *d = ctx;

	(void)loop;
	(void)t;
	d->samples++;
	vsxd_cores_tick(d);
	vsxd_rps_sync(d);
	vsxd_rules_expire(d);
	vsxd_offload_tick(d);
}

/* Signals are taken over here, as before the loop existed: until then they act as usual. */
static int run(struct vsxd *d)
{
	int sig_fd = make_signalfd(), err;

	if (sig_fd < 0) {
		log_err("cannot set up the event loop: signalfd: %s", strerror(errno));
		return 1;
	}
	if (vsx_loop_add_fd(d->loop, sig_fd, POLLIN, on_signal, d) ||
	    !vsx_loop_add_timer(d->loop, d->conf.sample_interval_ms, d->conf.sample_interval_ms,
				on_sample, d)) {
		log_err("cannot set up the event loop: out of memory");
		close(sig_fd);
		return 1;
	}
	log_info("running: uplink %s, mode %s, %zu rules", d->conf.uplink,
		 vsxd_mode_label(d->dp.cfg->mode), (size_t)vsx_rule_table_count(d->rules));
	err = vsx_loop_run(d->loop);
	vsx_loop_del_fd(d->loop, sig_fd);
	close(sig_fd);
	if (err) {
		log_err("poll: %s", strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},  {"check-config", no_argument, NULL, 't'},
	    {"keep-datapath", no_argument, NULL, 'k'}, {"log-level", required_argument, NULL, 'l'},
	    {"syslog", no_argument, NULL, 'S'},	       {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {0},
	};
	const char *config_path = VSXD_CONF_DEFAULT_PATH, *log_level = NULL;
	bool check_only = false, use_syslog = false;
	struct vsxd d = {.listen_fd = -1};
	char err[512];
	int c, rc = 1;

	vsx_log_set_ident("vsxd");
	while ((c = getopt_long(argc, argv, "c:tkl:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 't':
			check_only = true;
			break;
		case 'k':
			d.keep_datapath = true;
			break;
		case 'l':
			log_level = optarg;
			break;
		case 'S':
			use_syslog = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vsxd %s\n", VSX_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vsxd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	vsxd_conf_init(&d.conf);
	if (vsxd_conf_parse_file(config_path, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "vsxd: %s\n", err);
		vsxd_conf_free(&d.conf);
		return 1;
	}
	vsx_log_set_level(d.conf.log_level);
	if (log_level) {
		enum vsx_log_level lvl;

		if (vsx_log_parse_level(log_level, &lvl)) {
			fprintf(stderr, "vsxd: bad log level \"%s\" (err, warn, info, debug)\n",
				log_level);
			goto out_conf;
		}
		vsx_log_set_level(lvl);
	}
	vsx_log_use_syslog(use_syslog);
	vsx_log_route_libbpf();
	if (check_only) {
		vsxd_conf_dump(&d.conf, stdout);
		rc = 0;
		goto out_conf;
	}
	if (geteuid() != 0)
		log_warn("not running as root: loading BPF programs will probably fail");

	d.started_ns = now_ns();
	if (vsx_loop_new(&d.loop)) {
		log_err("cannot set up the event loop: out of memory");
		goto out_conf;
	}
	if (vsxd_dp_open(&d.dp, &d.conf))
		goto out_conf;
	/* vsxd's logic reaches the datapath only through its providers (lib/dp_provider.h) */
	vsxd_dp_xdp_provider(&d.dp, &d.dpp);
	if (vsxd_dp_xdp_offload(&d.dp, &d.ofl))
		log_info("the datapath has no offload tables: no flow is offloaded");
	/*
	 * Loads first: a CPU qualifies for irq:auto only once its load has been measured, which
	 * takes two samples. Rules installed before that would leave the first flows on their
	 * receiving core until their retry (VSX_RETRY_JIFFIES).
	 */
	if (vsxd_cores_init(&d) || vsxd_rebalance_init(&d))
		goto out_dp;
	vsxd_cores_tick(&d);
	struct timespec first_interval = {.tv_nsec = (long)d.conf.sample_interval_ms * 1000000};
	nanosleep(&first_interval, NULL);
	vsxd_cores_tick(&d);
	if (vsxd_rules_init(&d) || vsxd_rps_init(&d) || vsxd_offload_init(&d) ||
	    vsxd_control_open(&d) || vsxd_metrics_open(&d) || vsxd_of_open(&d))
		goto out_dp;
	rc = run(&d);
out_dp:
	vsxd_of_close(&d);
	vsxd_metrics_close(&d);
	vsxd_control_close(&d);
	vsxd_offload_free(&d);
	vsxd_rps_fini(&d);
	vsxd_rebalance_free(&d);
	vsxd_cores_free(&d);
	vsxd_rules_free(&d);
	vsxd_dp_xdp_offload_free(&d.ofl, d.keep_datapath);
	vsxd_dp_close(&d.dp, d.keep_datapath);
	log_info(d.keep_datapath ? "stopped; datapath kept running" : "stopped; datapath removed");
out_conf:
	vsx_loop_free(d.loop);
	vsxd_conf_free(&d.conf);
	return rc;
}
