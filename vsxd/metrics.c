// SPDX-License-Identifier: MIT
/*
 * Prometheus metrics of flows, cores, paths and policy decisions over HTTP, on the local
 * address `metrics-listen ADDR:PORT` names (issue 7's monitoring).
 *
 * The HTTP server is libmicrohttpd's (Debian's libmicrohttpd12, GNU, maintained since 2007,
 * used by systemd-journal-remote and many exporters): HTTP parsing is where a hand-written
 * server goes wrong on hostile input, and this one is fuzzed and security-maintained. It runs
 * without threads on vsxd's event loop (lib/evloop.h): MHD_USE_EPOLL without an internal
 * thread gives one epoll descriptor (MHD_DAEMON_INFO_EPOLL_FD) that becomes readable when any
 * of its sockets is ready; the loop polls it, and a one-shot timer armed from
 * MHD_get_timeout() covers MHD's own deadlines (idle connections). Both call MHD_run(), which
 * never blocks. A scrape reads the maps in the loop's thread like any vsxctl command, so no
 * lock is needed and a slow client costs no more than its socket buffer.
 *
 * Limits against misbehaving clients: 16 connections (4 per address), 10 s idle timeout, 16 kB
 * of request memory each; only GET and HEAD of /metrics are served.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "prom.h"

#define METRICS_MAX_CONNS 16
#define METRICS_PER_IP_CONNS 4
#define METRICS_IDLE_S 10
#define METRICS_CONN_MEMORY (16 * 1024)
/* The timer's longest wait when MHD has no deadline: a safety net, MHD_run() is cheap. */
#define METRICS_MAX_WAIT_MS 1000

struct vsxd_metrics {
	struct vsxd *d;
	struct MHD_Daemon *mhd;
	int epoll_fd;
	struct vsx_timer *timer;
	unsigned long long scrapes;
	char addr[80]; /* as bound, for the log */
};

int vsxd_metrics_collect(struct vsxd *d, struct vsxd_metrics_data *m)
{
	memset(m, 0, sizeof(*m));
	m->stats = malloc(sizeof(*m->stats));
	m->cores = malloc(sizeof(*m->cores));
	if (!m->stats || !m->cores) {
		vsxd_metrics_data_free(m);
		return -ENOMEM;
	}
	vsxd_query_show(d, &m->show);
	vsxd_query_cores(d, m->cores);
	m->stats_ok = vsxd_query_stats(d, m->stats) == 0;
	m->rules_ok = vsxd_query_rules(d, &m->rules) == 0;
	m->flows_ok = vsxd_query_flows(d, VSXD_METRICS_MAX_FLOWS, &m->flows) == 0;
	m->offload_ok = vsxd_query_offload(d, &m->offload) == 0;
	m->mflows_ok =
	    vsxd_query_mflows(d, VSXD_Q_FLOWS_ALL, VSXD_METRICS_MAX_FLOWS, &m->mflows) == 0;
	if (d->metrics)
		m->scrapes = d->metrics->scrapes;
	return 0;
}

void vsxd_metrics_data_free(struct vsxd_metrics_data *m)
{
	free(m->stats);
	free(m->cores);
	if (m->rules_ok)
		vsxd_query_rules_free(&m->rules);
	if (m->flows_ok)
		vsxd_query_flows_free(&m->flows);
	if (m->offload_ok)
		vsxd_query_offload_free(&m->offload);
	if (m->mflows_ok)
		vsxd_query_mflows_free(&m->mflows);
	memset(m, 0, sizeof(*m));
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, char *body,
			       size_t len, const char *type, const char *allow)
{
	/* MUST_FREE: MHD free()s body when the response is done (strbuf's malloc'd buffer). */
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, body, body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned int status, const char *msg,
				    const char *allow)
{
	char *body = strdup(msg);

	return respond(c, status, body, body ? strlen(body) : 0, "text/plain; charset=utf-8",
		       allow);
}

static enum MHD_Result scrape(struct vsxd_metrics *m, struct MHD_Connection *c)
{
	struct vsxd_metrics_data data;
	struct strbuf out;
	int err;

	strbuf_init(&out);
	err = vsxd_metrics_collect(m->d, &data);
	if (!err) {
		err = vsxd_metrics_render(&data, &out);
		vsxd_metrics_data_free(&data);
	}
	if (err) {
		strbuf_free(&out);
		log_warn("metrics: cannot render a scrape: %s", strerror(-err));
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "vsxd could not render its metrics (see its log)\n", NULL);
	}
	m->scrapes++;
	return respond(c, MHD_HTTP_OK, out.buf, out.len, PROM_CONTENT_TYPE, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int first_call_marker;
	struct vsxd_metrics *m = cls;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

	(void)version;
	(void)upload_data;
	/* MHD calls once with the headers, then with any body, then once more: answer last. */
	if (!*req_cls) {
		*req_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body is read and ignored */
		return MHD_YES;
	}
	if (!get && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n",
				    "GET, HEAD");
	if (strcmp(url, "/metrics") == 0)
		return scrape(m, c);
	if (strcmp(url, "/") == 0)
		return respond_text(c, MHD_HTTP_OK, "vsxd: metrics at /metrics\n", NULL);
	return respond_text(c, MHD_HTTP_NOT_FOUND, "not found: metrics are at /metrics\n", NULL);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics: %s", msg); /* client mistakes: debug, not the operator's problem */
}

/* After every MHD_run(): the timer for MHD's next deadline. */
static void arm(struct vsxd_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms = METRICS_MAX_WAIT_MS;

	if (MHD_get_timeout(m->mhd, &ms) != MHD_YES || ms > METRICS_MAX_WAIT_MS)
		ms = METRICS_MAX_WAIT_MS;
	vsx_loop_timer_arm(m->d->loop, m->timer, (unsigned int)ms);
}

static void on_ready(struct vsx_loop *loop, int fd, short revents, void *ctx)
{
	struct vsxd_metrics *m = ctx;

	(void)loop;
	(void)fd;
	(void)revents;
	MHD_run(m->mhd);
	arm(m);
}

static void on_timer(struct vsx_loop *loop, struct vsx_timer *t, void *ctx)
{
	(void)t;
	on_ready(loop, -1, 0, ctx);
}

/* "ADDR:PORT" or "[ADDR6]:PORT", numeric only, into a listening socket. -errno; fills err. */
static int listen_on(const char *spec, char *err, size_t errlen, char *shown, size_t shownlen)
{
	char host[64], serv[8];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE},
			*ai;
	size_t hlen;
	int fd, one = 1, rc;

	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(serv)) {
		snprintf(err, errlen, "\"%s\": ADDR:PORT expected", spec);
		return -EINVAL;
	}
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (!hlen || hlen >= sizeof(host)) {
		snprintf(err, errlen, "\"%s\": ADDR:PORT expected (an address is needed)", spec);
		return -EINVAL;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	snprintf(serv, sizeof(serv), "%s", colon + 1);
	rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "\"%s:%s\": %s", host, serv, gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		rc = -errno;
		snprintf(err, errlen, "%s port %s: %s", host, serv, strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	snprintf(shown, shownlen, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
	freeaddrinfo(ai);
	return fd;
}

int vsxd_metrics_open(struct vsxd *d)
{
	const char *spec = d->conf.metrics_listen;
	struct vsxd_metrics *m;
	char err[256];
	int fd;

	d->metrics = NULL;
	if (!spec[0])
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	m->epoll_fd = -1;
	fd = listen_on(spec, err, sizeof(err), m->addr, sizeof(m->addr));
	if (fd < 0) {
		log_err("metrics-listen %s", err);
		free(m);
		return fd;
	}
	/* MHD owns fd from here: MHD_stop_daemon() closes it. */
	m->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CONNS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)METRICS_PER_IP_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_IDLE_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY, MHD_OPTION_END);
	if (!m->mhd) {
		log_err("metrics-listen %s: libmicrohttpd could not start", m->addr);
		close(fd);
		free(m);
		return -EIO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->epoll_fd = info ? info->epoll_fd : -1;
	m->timer = vsx_loop_add_timer(d->loop, METRICS_MAX_WAIT_MS, 0, on_timer, m);
	if (m->epoll_fd < 0 || !m->timer ||
	    vsx_loop_add_fd(d->loop, m->epoll_fd, POLLIN, on_ready, m)) {
		log_err("metrics-listen %s: cannot put the server on the event loop", m->addr);
		vsx_loop_del_timer(d->loop, m->timer);
		MHD_stop_daemon(m->mhd);
		free(m);
		return -ENOMEM;
	}
	d->metrics = m;
	log_info("metrics on http://%s/metrics", m->addr);
	return 0;
}

void vsxd_metrics_close(struct vsxd *d)
{
	struct vsxd_metrics *m = d->metrics;

	d->metrics = NULL;
	if (!m)
		return;
	vsx_loop_del_fd(d->loop, m->epoll_fd);
	vsx_loop_del_timer(d->loop, m->timer);
	MHD_stop_daemon(m->mhd);
	free(m);
}
