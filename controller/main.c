// SPDX-License-Identifier: MIT
/*
 * vsx-controller: the VS-extend controller. One poll loop (lib/evloop) serves every switch
 * connection (lib/ofp_conn), the control socket (show, reload) and the signals (SIGHUP
 * reloads the policy, SIGINT/SIGTERM stop). man/vsx-controller.8, docs/controller.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_server.h"
#include "ctrl.h"
#include "evloop.h"
#include "log.h"
#include "vsx/ofp_wire.h"

#define DEFAULT_SOCKET "/run/vsx-controller.sock"
#define MAX_TARGETS 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vsx-controller [OPTIONS]               run the controller\n"
		"       vsx-controller show [--json] [-s PATH] the cluster state of a running one\n"
		"       vsx-controller reload [-s PATH]        re-read its policy (as SIGHUP)\n"
		"\n"
		"The VS-extend controller: hosts running vsxd connect to it (vsxd.conf:\n"
		"`controller tcp:HOST:PORT`); it learns their cores and VMs from vsx reports and\n"
		"installs VM-ID steering on receiving hosts and FCF marking on sending hosts as the\n"
		"policy file says.\n"
		"\n"
		"options:\n"
		"  -l, --listen TARGET       where switches connect (ptcp:[PORT][:ADDR], pssl:..., punix:PATH;\n"
		"                            repeatable; default ptcp:6653)\n"
		"  -c, --connect TARGET      connect out to a listening switch (tcp:HOST:PORT, ssl:..., unix:PATH;\n"
		"                            repeatable)\n"
		"  -p, --policy FILE         the policy (docs/controller.md); default: built-in\n"
		"                            (VM-ID steering for every VM, cores chosen by the datapath)\n"
		"  -s, --socket PATH         control socket (default " DEFAULT_SOCKET ")\n"
		"      --ssl-private-key F   TLS key, certificate and CA (all three for ssl:/pssl:)\n"
		"      --ssl-certificate F\n"
		"      --ssl-ca-cert F\n"
		"      --echo-interval MS    echo a quiet switch after MS, drop it after 2*MS (default 5000)\n"
		"      --resync-grace MS     after starting, keep rules no known VM wants for MS (default\n"
		"                            10000): they may be VMs of hosts not reconnected yet\n"
		"      --log-converge        log every change's convergence time\n"
		"      --log-level LEVEL     err, warn, info (default), debug\n"
		"      --check               parse the policy file and exit (0 if valid)\n"
		"  -h, --help                this text\n");
}

static struct ctrl g;
static struct vsx_ctl_server *ctl;

static void reload(const char *why)
{
	char err[512];

	if (!g.policy_path) {
		log_info("%s: no policy file; nothing to reload", why);
		return;
	}
	if (ctrl_policy_load(g.policy_path, &g.policy, err, sizeof(err))) {
		snprintf(g.policy_error, sizeof(g.policy_error), "%s", err);
		log_err("%s: policy not reloaded (the previous one stays): %s", why, err);
		return;
	}
	g.policy_error[0] = 0;
	g.policy_loaded_ms = vsx_loop_now_ms();
	log_info("%s: policy %s reloaded (%zu tenant, %zu vm lines)", why, g.policy_path,
		 g.policy.n_tenants, g.policy.n_vms);
	ctrl_policy_apply(&g);
}

static void on_signal(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload("SIGHUP");
		else
			vsx_loop_stop(loop);
	}
}

static void on_grace(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	ctrl_grace_over(&g);
}

static void on_ctl(void *ctx, int argc, char **argv, struct strbuf *reply)
{
	bool json = argc > 1 && !strcmp(argv[argc - 1], "--json");

	if (!strcmp(argv[0], "show")) {
		strbuf_puts(reply, "ok\n");
		ctrl_show(&g, json, reply);
	} else if (!strcmp(argv[0], "reload")) {
		reload("reload request");
		if (g.policy_error[0])
			strbuf_printf(reply, "error: %s\n", g.policy_error);
		else
			strbuf_puts(reply, "ok\n");
	} else {
		strbuf_printf(reply, "error: unknown command '%s' (show, reload)\n", argv[0]);
	}
}

static int ctl_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket path %s is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* Another controller answering there? Then refuse rather than steal it. */
		int probe = socket(AF_UNIX, SOCK_STREAM, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			log_err("%s: another vsx-controller is running", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		log_err("control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, 0600);
	return fd;
}

static int client(int argc, char **argv)
{
	const char *sock = DEFAULT_SOCKET;
	char *args[3];
	int n = 0, ret;
	struct strbuf reply;

	args[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !strcmp(argv[0], "show"))
			args[n++] = argv[i];
		else if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "vsx-controller %s: unexpected argument '%s'\n", argv[0],
				argv[i]);
			return 2;
		}
	}
	strbuf_init(&reply);
	ret = vsx_ctl_call(sock, n, args, &reply);
	if (ret) {
		fprintf(stderr, "vsx-controller: %s: %s\n", sock, strerror(-ret));
		strbuf_free(&reply);
		return 1;
	}
	if (reply.len >= 3 && !strncmp(reply.buf, "ok\n", 3)) {
		fwrite(reply.buf + 3, 1, reply.len - 3, stdout);
		ret = 0;
	} else {
		fwrite(reply.buf, 1, reply.len, stderr);
		ret = 1;
	}
	strbuf_free(&reply);
	return ret;
}

int main(int argc, char **argv)
{
	enum { O_KEY = 256, O_CERT, O_CA, O_ECHO, O_LOGLEVEL, O_CONVERGE, O_CHECK, O_GRACE };
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"connect", required_argument, NULL, 'c'},
	    {"policy", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 's'},
	    {"ssl-private-key", required_argument, NULL, O_KEY},
	    {"ssl-certificate", required_argument, NULL, O_CERT},
	    {"ssl-ca-cert", required_argument, NULL, O_CA},
	    {"echo-interval", required_argument, NULL, O_ECHO},
	    {"log-level", required_argument, NULL, O_LOGLEVEL},
	    {"log-converge", no_argument, NULL, O_CONVERGE},
	    {"check", no_argument, NULL, O_CHECK},
	    {"resync-grace", required_argument, NULL, O_GRACE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *listen_t[MAX_TARGETS], *connect_t[MAX_TARGETS], *sock = DEFAULT_SOCKET;
	size_t n_listen = 0, n_connect = 0;
	struct vsx_tls_conf tls = {0};
	struct vsx_ofconn_conf conf = {.versions = 1u << OFP13_VERSION,
				       .echo_interval_ms = 5000,
				       .backoff_min_ms = 500,
				       .backoff_max_ms = 8000,
				       .name = "switch"};
	struct vsx_oflistener *lis[MAX_TARGETS];
	struct vsx_ofconn *cons[MAX_TARGETS];
	struct vsx_ctl_server_conf cc = {.max_conns = 64, .idle_ms = 5000,
					 .max_request = VSX_CTL_MAX_REQUEST, .root_only = false};
	bool check = false;
	unsigned int grace_ms = 10000;
	struct vsx_timer *grace;
	char err[512];
	int opt, ctl_fd, sfd, ret = 0;
	sigset_t mask;

	if (argc > 1 && (!strcmp(argv[1], "show") || !strcmp(argv[1], "reload")))
		return client(argc - 1, argv + 1);
	vsx_log_set_ident("vsx-controller");
	ctrl_policy_init(&g.policy);
	while ((opt = getopt_long(argc, argv, "l:c:p:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
		case 'c':
			if ((opt == 'l' ? n_listen : n_connect) == MAX_TARGETS) {
				fprintf(stderr, "vsx-controller: at most %d --%s targets\n",
					MAX_TARGETS, opt == 'l' ? "listen" : "connect");
				return 2;
			}
			if (opt == 'l')
				listen_t[n_listen++] = optarg;
			else
				connect_t[n_connect++] = optarg;
			break;
		case 'p':
			g.policy_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case O_KEY:
			tls.key_file = optarg;
			break;
		case O_CERT:
			tls.cert_file = optarg;
			break;
		case O_CA:
			tls.ca_file = optarg;
			break;
		case O_ECHO: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || end == optarg || v < 100 || v > 600000) {
				fprintf(stderr, "vsx-controller: --echo-interval %s: expected 100..600000 ms\n",
					optarg);
				return 2;
			}
			conf.echo_interval_ms = (unsigned int)v;
			break;
		}
		case O_LOGLEVEL: {
			enum vsx_log_level lvl;

			if (vsx_log_parse_level(optarg, &lvl)) {
				fprintf(stderr, "vsx-controller: --log-level %s: err, warn, info or debug\n",
					optarg);
				return 2;
			}
			vsx_log_set_level(lvl);
			break;
		}
		case O_CONVERGE:
			g.log_converge = true;
			break;
		case O_GRACE: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || end == optarg || v > 3600000) {
				fprintf(stderr, "vsx-controller: --resync-grace %s: expected 0..3600000 ms\n",
					optarg);
				return 2;
			}
			grace_ms = (unsigned int)v;
			break;
		}
		case O_CHECK:
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vsx-controller: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (g.policy_path) {
		if (ctrl_policy_load(g.policy_path, &g.policy, err, sizeof(err))) {
			fprintf(stderr, "vsx-controller: %s\n", err);
			return 1;
		}
		g.policy_loaded_ms = vsx_loop_now_ms();
	}
	if (check) {
		printf("%s: ok (%zu tenant, %zu vm lines)\n", g.policy_path ? g.policy_path : "built-in",
		       g.policy.n_tenants, g.policy.n_vms);
		ctrl_policy_free(&g.policy);
		return 0;
	}
	if (tls.key_file || tls.cert_file || tls.ca_file)
		conf.tls = &tls;
	if (!n_listen && !n_connect)
		listen_t[n_listen++] = "ptcp:6653";

	signal(SIGPIPE, SIG_IGN);
	{
		/* One descriptor per host: a fleet needs more than the usual 1024. */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || vsx_loop_new(&g.loop) || vsx_loop_add_fd(g.loop, sfd, POLLIN, on_signal, NULL)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n_listen; i++)
		if (vsx_oflisten(g.loop, listen_t[i], &conf, &ctrl_ofconn_cbs, ctrl_on_accept, &g,
				 &lis[i], err, sizeof(err))) {
			log_err("%s", err);
			return 1;
		}
	for (size_t i = 0; i < n_connect; i++) {
		struct ctrl_sess *s = ctrl_sess_new(&g);

		if (!s || vsx_ofconn_connect(g.loop, connect_t[i], &conf, &ctrl_ofconn_cbs, &g,
					     &cons[i], err, sizeof(err))) {
			log_err("%s", s ? err : "out of memory");
			return 1;
		}
		s->active = true;
		s->conn = cons[i];
		vsx_ofconn_set_user(cons[i], s);
	}
	g.grace_over = grace_ms == 0;
	grace = vsx_loop_add_timer(g.loop, grace_ms, 0, on_grace, NULL);
	if (!grace) {
		log_err("out of memory");
		return 1;
	}
	ctl_fd = ctl_listen(sock);
	if (ctl_fd < 0 || vsx_ctl_server_new(&ctl, g.loop, ctl_fd, &cc, on_ctl, NULL)) {
		log_err("cannot serve the control socket %s", sock);
		return 1;
	}
	log_info("running: %zu listener(s), %zu connection(s), policy %s, control %s", n_listen,
		 n_connect, g.policy_path ? g.policy_path : "built-in", sock);
	ret = vsx_loop_run(g.loop);
	log_info("stopping");
	vsx_ctl_server_free(ctl);
	close(ctl_fd);
	unlink(sock);
	for (size_t i = 0; i < n_listen; i++)
		vsx_oflistener_close(lis[i]);
	/* Every connection closes; the switches keep their rules. */
	ctrl_sess_close_all(&g);
	ctrl_free(&g);
	vsx_loop_free(g.loop);
	close(sfd);
	return ret ? 1 : 0;
}
