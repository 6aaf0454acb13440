// SPDX-License-Identifier: MIT
/*
 * vsxd's control socket: the connections are lib/ctl_server.c's, on the event loop; each
 * complete request is dispatched here on the command table vsxctl shares
 * (lib/ctl_commands.h). Queries read structs (query.c) that ctl_render.c renders as text or
 * JSON; the rule and mode commands call rules.c and the datapath.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vsxd.h"
#include "ctl.h"
#include "control.h"
#include "ctl_commands.h"
#include "ctl_render.h"
#include "ctl_server.h"
#include "log.h"
#include "offload.h"
#include "query.h"
#include "strbuf.h"

struct request {
	int argc;
	char **argv;
	bool json;
	struct strbuf *out;
	char err[512];
};

static int cmd_show(struct vsxd *d, struct request *rq)
{
	struct vsxd_q_show q;

	vsxd_query_show(d, &q);
	vsxd_render_show(&q, rq->json, rq->out);
	return 0;
}

static int cmd_cores(struct vsxd *d, struct request *rq)
{
	struct vsxd_q_cores *q = malloc(sizeof(*q)); /* per-core rows: too big for the stack */

	if (!q)
		return -ENOMEM;
	vsxd_query_cores(d, q);
	vsxd_render_cores(q, rq->json, rq->out);
	free(q);
	return 0;
}

static int cmd_stats(struct vsxd *d, struct request *rq)
{
	struct vsxd_q_stats *q = malloc(sizeof(*q));
	int err;

	if (!q)
		return -ENOMEM;
	err = vsxd_query_stats(d, q);
	if (err)
		snprintf(rq->err, sizeof(rq->err), "reading counters: %s", strerror(-err));
	else
		vsxd_render_stats(q, rq->json, rq->out);
	free(q);
	return err;
}

static int cmd_dump_rules(struct vsxd *d, struct request *rq)
{
	struct vsxd_q_rules q;
	int err = vsxd_query_rules(d, &q);

	if (err)
		return err;
	vsxd_render_rules(&q, rq->json, rq->out);
	vsxd_query_rules_free(&q);
	return 0;
}

static int cmd_dump_flows(struct vsxd *d, struct request *rq)
{
	unsigned long limit = 10000;
	bool typed = false;
	int type = VSXD_Q_FLOWS_ALL, err;

	for (int i = 1; i < rq->argc; i++) {
		const char *a = rq->argv[i];
		char *end;

		if (strcmp(a, "--limit") == 0 && i + 1 < rq->argc) {
			errno = 0;
			limit = strtoul(rq->argv[++i], &end, 10);
			if (errno || *end || !*rq->argv[i] || rq->argv[i][0] == '-') {
				snprintf(rq->err, sizeof(rq->err), "bad --limit \"%s\"",
					 rq->argv[i]);
				return -EINVAL;
			}
		} else if (strncmp(a, "type=", 5) == 0 && !typed) {
			if (vsxd_query_flow_type(a + 5, &type)) {
				snprintf(rq->err, sizeof(rq->err),
					 "bad \"%s\": type=offloaded, onloaded or all", a);
				return -EINVAL;
			}
			typed = true;
		} else {
			snprintf(rq->err, sizeof(rq->err), "unknown argument \"%s\"", a);
			return -EINVAL;
		}
	}
	if (typed) {
		struct vsxd_q_mflows q;

		err = vsxd_query_mflows(d, type, limit, &q);
		if (err)
			return err;
		vsxd_render_mflows(&q, rq->json, rq->out);
		vsxd_query_mflows_free(&q);
		return 0;
	}
	struct vsxd_q_flows q;

	err = vsxd_query_flows(d, limit, &q);
	if (err == -EIO)
		snprintf(rq->err, sizeof(rq->err),
			 "cannot read the kernel's jiffies (/proc/timer_list)");
	if (err)
		return err;
	vsxd_render_flows(&q, rq->json, rq->out);
	vsxd_query_flows_free(&q);
	return 0;
}

static int cmd_offload_stats(struct vsxd *d, struct request *rq)
{
	struct vsxd_q_offload q;
	int err = vsxd_query_offload(d, &q);

	if (err)
		return err;
	vsxd_render_offload(&q, rq->json, rq->out);
	vsxd_query_offload_free(&q);
	return 0;
}

static int cmd_offload_policy(struct vsxd *d, struct request *rq)
{
	const struct vsx_ofl_policy *pol = vsxd_offload_policy(d);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!pol) {
		snprintf(rq->err, sizeof(rq->err), "offload is not initialised in this vsxd");
		return -EOPNOTSUPP;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	int err = vsx_ofl_policy_dump(pol, "", f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(text);
		return err;
	}
	if (!rq->json) {
		strbuf_add(rq->out, text, len);
	} else {
		struct json j;

		json_init(&j, rq->out);
		json_obj_begin(&j);
		json_key(&j, "statements");
		json_arr_begin(&j);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
			if (line[0] && line[0] != '#')
				json_str(&j, line);
		json_arr_end(&j);
		json_obj_end(&j);
		strbuf_puts(rq->out, "\n");
	}
	free(text);
	return 0;
}

static int cmd_offload_policy_set(struct vsxd *d, struct request *rq)
{
	unsigned int flags = 0;
	int first = 1, err;
	__u32 id = 0;

	if (strcmp(rq->argv[1], "--replace") == 0) {
		flags |= VSX_OFL_REPLACE;
		first = 2;
	}
	if (first >= rq->argc) {
		snprintf(rq->err, sizeof(rq->err), "no statement given");
		return -EINVAL;
	}
	/* One argument may hold several statements ("capacity 4; offload on"); several are the
	 * words of one statement, as the shell split them. */
	if (rq->argc - first == 1)
		err = vsxd_offload_policy_apply(d, rq->argv[first], flags, &id, rq->err,
						sizeof(rq->err));
	else
		err = vsxd_offload_policy_apply_argv(d, rq->argc - first,
						     (const char *const *)rq->argv + first, flags,
						     &id, rq->err, sizeof(rq->err));
	if (err)
		return err;
	if (rq->json)
		strbuf_printf(rq->out, id ? "{\"header_id\":%u}\n" : "{}\n", id);
	else if (id)
		strbuf_printf(rq->out, "added header policy %u\n", id);
	else
		strbuf_puts(rq->out, "policy changed\n");
	return 0;
}

static int cmd_offload_policy_del(struct vsxd *d, struct request *rq)
{
	char what[VSX_OFL_STMT_MAX];
	int err;

	snprintf(what, sizeof(what), "%s%s%s", rq->argv[1], rq->argc > 2 ? " " : "",
		 rq->argc > 2 ? rq->argv[2] : "");
	err = vsxd_offload_policy_delete(d, what, rq->err, sizeof(rq->err));
	if (err)
		return err;
	strbuf_puts(rq->out, rq->json ? "{\"deleted\":true}\n" : "deleted\n");
	return 0;
}

static int cmd_set_mode(struct vsxd *d, struct request *rq)
{
	__u32 mode;

	if (rq->argc < 2 || vsxd_mode_parse(rq->argv[1], &mode)) {
		snprintf(rq->err, sizeof(rq->err), "bad mode \"%s\": default, rss or vsx",
			 rq->argc < 2 ? "" : rq->argv[1]);
		return -EINVAL;
	}
	__u32 old = 0;
	int err = vsx_dp_call(&d->dpp, get_mode, &old);

	if (!err)
		err = vsx_dp_call(&d->dpp, set_mode, mode);
	if (err) {
		snprintf(rq->err, sizeof(rq->err), "setting mode %s: %s", vsxd_mode_label(mode),
			 strerror(-err));
		return err;
	}
	vsxd_rps_sync(d);
	vsxd_state_save(d);
	log_info("mode %s -> %s (vsxctl)", vsxd_mode_label(old), vsxd_mode_label(mode));
	strbuf_printf(rq->out, rq->json ? "{\"mode\":\"%s\"}\n" : "mode %s\n",
		      vsxd_mode_label(mode));
	return 0;
}

static int cmd_add_rule(struct vsxd *d, struct request *rq)
{
	__u32 id;
	int err = vsxd_rule_add_text(d, rq->argv[1], false, &id, rq->err, sizeof(rq->err));

	if (err)
		return err;
	strbuf_printf(rq->out, rq->json ? "{\"id\":%u}\n" : "added rule %u\n", id);
	return 0;
}

static int cmd_del_rule(struct vsxd *d, struct request *rq)
{
	int err = vsxd_rule_del(d, rq->argv[1], rq->err, sizeof(rq->err));

	if (err)
		return err;
	strbuf_printf(rq->out, rq->json ? "{\"deleted\":true}\n" : "deleted\n");
	return 0;
}

/* One handler per entry of the shared command table, in its order. */
static int (*const handlers[VSX_CTL_CMD_COUNT])(struct vsxd *d, struct request *rq) = {
    [VSX_CTL_SHOW] = cmd_show,
    [VSX_CTL_CORES] = cmd_cores,
    [VSX_CTL_STATS] = cmd_stats,
    [VSX_CTL_ADD_RULE] = cmd_add_rule,
    [VSX_CTL_DEL_RULE] = cmd_del_rule,
    [VSX_CTL_DUMP_RULES] = cmd_dump_rules,
    [VSX_CTL_DUMP_FLOWS] = cmd_dump_flows,
    [VSX_CTL_SET_MODE] = cmd_set_mode,
    [VSX_CTL_OFFLOAD_STATS] = cmd_offload_stats,
    [VSX_CTL_OFFLOAD_POLICY] = cmd_offload_policy,
    [VSX_CTL_OFFLOAD_POLICY_SET] = cmd_offload_policy_set,
    [VSX_CTL_OFFLOAD_POLICY_DEL] = cmd_offload_policy_del,
};

void vsxd_control_handle(struct vsxd *d, int argc, char **argv, struct strbuf *reply)
{
	struct strbuf body;
	struct request rq = {.out = &body};
	int err = -EINVAL;

	strbuf_init(&body);
	/* "--json" is the last argument when present. */
	rq.json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;
	rq.argc = rq.json ? argc - 1 : argc;
	rq.argv = argv;
	int cmd = vsx_ctl_command_find(argv[0]);
	if (cmd < 0) {
		snprintf(rq.err, sizeof(rq.err), "unknown command \"%s\"", argv[0]);
	} else if (!vsx_ctl_command_args_ok((enum vsx_ctl_cmd)cmd, rq.argc - 1)) {
		snprintf(rq.err, sizeof(rq.err), "%s: wrong number of arguments", argv[0]);
	} else {
		err = handlers[cmd](d, &rq);
	}
	if (err && rq.err[0]) {
		strbuf_printf(reply, "error: %s\n", rq.err);
		log_debug("control: %s", rq.err);
	} else if (err) {
		strbuf_printf(reply, "error: %s\n", strerror(-err));
	} else if (body.oom) {
		reply->oom = true;
	} else {
		strbuf_puts(reply, "ok\n");
		if (body.len)
			strbuf_add(reply, body.buf, body.len);
	}
	strbuf_free(&body);
}

static void handle_request(void *ctx, int argc, char **argv, struct strbuf *reply)
{
	vsxd_control_handle(ctx, argc, argv, reply);
}

int vsxd_control_open(struct vsxd *d)
{
	for (int i = 0; i < VSX_CTL_CMD_COUNT; i++) {
		if (!handlers[i]) {
			log_err("control: no handler for command \"%s\"", vsx_ctl_commands[i].name);
			return -ENOSYS;
		}
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = d->conf.socket_path;
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);	   /* a stale socket of a vsxd that died */
	old = umask(0177); /* root only: the socket is created 0600 */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, SOMAXCONN)) {
		int err = -errno;
		umask(old);
		log_err("control socket %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	umask(old);
	d->listen_fd = fd;
	struct vsx_ctl_server_conf conf = {
	    .max_conns = VSX_CTL_MAX_CONNS,
	    .idle_ms = VSX_CTL_IDLE_MS,
	    .max_request = VSX_CTL_MAX_REQUEST,
	    .root_only = true,
	};
	int err = vsx_ctl_server_new(&d->ctl, d->loop, fd, &conf, handle_request, d);
	if (err) {
		log_err("control socket %s: %s", path, strerror(-err));
		vsxd_control_close(d);
		return err;
	}
	log_info("control socket %s", path);
	return 0;
}

void vsxd_control_close(struct vsxd *d)
{
	vsx_ctl_server_free(d->ctl);
	d->ctl = NULL;
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->conf.socket_path);
	}
	d->listen_fd = -1;
}
