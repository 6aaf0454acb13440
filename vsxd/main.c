// SPDX-License-Identifier: MIT
/*
 * vsxd: loads the vsx datapath on a host's uplink, keeps its core table current and serves
 * vsxctl. One poll() loop over: a signalfd (SIGTERM/SIGINT stop, SIGHUP is logged), a timerfd
 * for load sampling, and the control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vsxd.h"
#include "log.h"
#include <vsx/version.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vsxd [OPTIONS]\n\n"
		"The vsx agent: steers received flows to chosen cores with XDP on the host's uplink\n"
		"(VS-extend), writes the Flow Control Field on sent VXLAN packets, and serves vsxctl.\n\n"
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

static int make_timer(unsigned int interval_ms)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = interval_ms / 1000, .tv_nsec = (long)(interval_ms % 1000) * 1000000 },
		.it_value = { .tv_sec = interval_ms / 1000, .tv_nsec = (long)(interval_ms % 1000) * 1000000 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL)) {
		log_err("timerfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
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

static int run(struct vsxd *d)
{
	int sig_fd = make_signalfd(), timer_fd = make_timer(d->conf.sample_interval_ms);
	int rc = 0;

	if (sig_fd < 0 || timer_fd < 0) {
		log_err("cannot set up the event loop");
		rc = 1;
		goto out;
	}
	log_info("running: uplink %s, mode %s, %zu rules", d->conf.uplink,
		 vsxd_mode_label(d->dp.cfg->mode),
		 (size_t)vsx_rule_table_count(d->rules));
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = timer_fd, .events = POLLIN },
			{ .fd = d->listen_fd, .events = POLLIN },
		};

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP: configuration reload is not supported; restart vsxd "
						 "(with --keep-datapath to keep its state)");
					continue;
				}
				log_info("%s: stopping", strsignal((int)si.ssi_signo));
				break;
			}
		}
		if (fds[1].revents & POLLIN) {
			unsigned long long ticks;

			if (read(timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				vsxd_cores_tick(d);
				vsxd_rps_sync(d);
			}
		}
		if (fds[2].revents & POLLIN)
			vsxd_control_serve(d);
	}
out:
	if (sig_fd >= 0)
		close(sig_fd);
	if (timer_fd >= 0)
		close(timer_fd);
	return rc;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 't'},
		{"keep-datapath", no_argument, NULL, 'k'},
		{"log-level", required_argument, NULL, 'l'},
		{"syslog", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	const char *config_path = VSXD_CONF_DEFAULT_PATH, *log_level = NULL;
	bool check_only = false, use_syslog = false;
	struct vsxd d = { .listen_fd = -1 };
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
			fprintf(stderr, "vsxd: bad log level \"%s\" (err, warn, info, debug)\n", log_level);
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
	if (vsxd_dp_open(&d.dp, &d.conf))
		goto out_conf;
	/*
	 * Loads first: a CPU qualifies for irq:auto only once its load has been measured, which
	 * takes two samples. Rules installed before that would leave the first flows on their
	 * receiving core until their retry (VSX_RETRY_JIFFIES).
	 */
	if (vsxd_cores_init(&d) || vsxd_rebalance_init(&d))
		goto out_dp;
	vsxd_cores_tick(&d);
	struct timespec first_interval = { .tv_nsec = (long)d.conf.sample_interval_ms * 1000000 };
	nanosleep(&first_interval, NULL);
	vsxd_cores_tick(&d);
	if (vsxd_rules_init(&d) || vsxd_rps_init(&d) || vsxd_control_open(&d))
		goto out_dp;
	rc = run(&d);
out_dp:
	vsxd_control_close(&d);
	vsxd_rps_fini(&d);
	vsxd_rebalance_free(&d);
	vsxd_cores_free(&d);
	vsxd_rules_free(&d);
	vsxd_dp_close(&d.dp, d.keep_datapath);
	log_info(d.keep_datapath ? "stopped; datapath kept running" : "stopped; datapath removed");
out_conf:
	vsxd_conf_free(&d.conf);
	return rc;
}
