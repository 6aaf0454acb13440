// SPDX-License-Identifier: MIT
/*
 * vsxd's control socket: one request per connection (lib/ctl.h), answered synchronously from
 * the event loop. Every reply is rendered here, as text or as JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vsxd.h"
#include <vsx/cpumap_stats.h>
#include "ctl.h"
#include "ctl_server.h"
#include "log.h"
#include "stat_names.h"
#include "strbuf.h"
#include "jiffies.h"
#include <vsx/fcf.h>

static void handle_request(void *ctx, int argc, char **argv, struct strbuf *reply);

int vsxd_control_open(struct vsxd *d)
{
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
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
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

/* ---- rendering helpers ---- */

static void format_addr(char *buf, size_t len, const __be32 a[4], bool v6)
{
	if (v6)
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, &a[0], buf, (socklen_t)len);
}

static const char *proto_name(__u8 p)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmp6";
	default:
		return NULL;
	}
}

/* One line describing a flow key: tunnel, addresses, protocol and ports, FCF. */
static void format_flow_key(struct strbuf *sb, const struct vsx_flow_key *k)
{
	bool v6 = k->dl_type == htons(0x86dd), ip = v6 || k->dl_type == htons(0x0800);
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];

	if (k->flags & VSX_KEY_TUNNEL) {
		format_addr(s, sizeof(s), k->outer_src, k->flags & VSX_KEY_OUTER_V6);
		format_addr(t, sizeof(t), k->outer_dst, k->flags & VSX_KEY_OUTER_V6);
		strbuf_printf(sb, "vni=%u,outer=%s>%s,vm_id=%u,fcf_prio=%d,", ntohl(k->vni), s, t,
			      vsx_fcf_vm_id(k->fcf), vsx_fcf_prio(k->fcf));
	}
	if (!ip) {
		strbuf_printf(sb, "dl_type=0x%04x", ntohs(k->dl_type));
		return;
	}
	format_addr(s, sizeof(s), k->nw_src, v6);
	format_addr(t, sizeof(t), k->nw_dst, v6);
	const char *pn = proto_name(k->nw_proto);
	if (pn)
		strbuf_printf(sb, "%s,", pn);
	else
		strbuf_printf(sb, "nw_proto=%u,", k->nw_proto);
	strbuf_printf(sb, "%s=%s,%s=%s", v6 ? "ipv6_src" : "nw_src", s, v6 ? "ipv6_dst" : "nw_dst",
		      t);
	if (k->flags & VSX_KEY_LATER_FRAG)
		strbuf_puts(sb, ",frag=later");
	else if (k->nw_proto == 6 || k->nw_proto == 17)
		strbuf_printf(sb, ",tp_src=%u,tp_dst=%u", ntohs(k->tp_src), ntohs(k->tp_dst));
	if (k->flags & VSX_KEY_FRAG && !(k->flags & VSX_KEY_LATER_FRAG))
		strbuf_puts(sb, ",frag=first");
	if (k->nw_tos)
		strbuf_printf(sb, ",nw_tos=%u", k->nw_tos);
}

/* ---- commands ---- */

struct request {
	int argc;
	char **argv;
	bool json;
	struct strbuf *out;
	char err[512];
};

static int cmd_show(struct vsxd *d, struct request *rq)
{
	const struct vsx_config *c = d->dp.cfg;
	size_t n_in = vsx_rule_table_count_dir(d->rules, VSX_DIR_INGRESS);
	size_t n_eg = vsx_rule_table_count_dir(d->rules, VSX_DIR_EGRESS);

	if (rq->json) {
		struct json j;

		json_init(&j, rq->out);
		json_obj_begin(&j);
		json_kv_str(&j, "uplink", d->conf.uplink);
		json_kv_u64(&j, "ifindex", (uint64_t)d->dp.ifindex);
		json_kv_str(&j, "mode", vsxd_mode_label(c->mode));
		json_kv_bool(&j, "fcf", c->flags & VSX_CFG_FCF);
		json_kv_bool(&j, "egress_fcf", d->conf.egress_fcf);
		json_kv_u64(&j, "vxlan_port", ntohs(c->vxlan_port));
		json_kv_u64(&j, "flow_cache_slots", d->dp.flow_slots);
		json_kv_u64(&j, "rules_ingress", n_in);
		json_kv_u64(&j, "rules_egress", n_eg);
		json_kv_u64(&j, "rules_generation", c->rules_gen);
		json_kv_bool(&j, "datapath_reused", d->dp.reused);
		json_kv_bool(&j, "rebalance", d->conf.rebalance);
		json_kv_u64(&j, "rebalance_hold", d->conf.rebalance_hold);
		json_kv_u64(&j, "rebalance_margin", d->conf.rebalance_margin);
		json_kv_u64(&j, "rebalance_cooldown", vsxd_rebalance_cooldown(d));
		json_kv_u64(&j, "rebalance_gap_ms", d->conf.rebalance_gap_ms);
		json_kv_u64(&j, "flowlet_jiffies",
			    __atomic_load_n(&c->flowlet_jiffies, __ATOMIC_RELAXED));
		json_kv_u64(&j, "decision_load", d->core_table.decision_load);
		json_kv_u64(&j, "samples", d->samples);
		json_kv_str(&j, "bpffs", d->dp.pin_dir);
		json_key(&j, "vms");
		json_arr_begin(&j);
		for (size_t i = 0; i < d->conf.n_vms; i++) {
			const struct vsxd_vm *vm = &d->conf.vms[i];

			json_obj_begin(&j);
			json_kv_str(&j, "name", vm->name);
			json_kv_u64(&j, "vm_id", vm->vm_id);
			if (vm->has_vni)
				json_kv_u64(&j, "vni", vm->vni);
			json_kv_bool(&j, "priority", vm->priority);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		strbuf_puts(rq->out, "\n");
		return 0;
	}
	strbuf_printf(rq->out,
		      "uplink:        %s (ifindex %d)\n"
		      "mode:          %s\n"
		      "fcf:           %s (egress marking %s)\n"
		      "vxlan port:    %u\n"
		      "flow cache:    %zu slots\n"
		      "rules:         %zu ingress, %zu egress (generation %u)\n"
		      "bpffs:         %s%s\n",
		      d->conf.uplink, d->dp.ifindex, vsxd_mode_label(c->mode),
		      c->flags & VSX_CFG_FCF ? "on" : "off", d->conf.egress_fcf ? "on" : "off",
		      ntohs(c->vxlan_port), d->dp.flow_slots, n_in, n_eg, c->rules_gen,
		      d->dp.pin_dir,
		      d->dp.reused ? " (state taken over from a previous vsxd)" : "");
	if (d->conf.rebalance)
		strbuf_printf(
		    rq->out,
		    "rebalancing:   on (hold %u samples, margin %u points, cooldown %u samples, "
		    "flowlet gap %u ms = %u jiffies)\n",
		    d->conf.rebalance_hold, d->conf.rebalance_margin, vsxd_rebalance_cooldown(d),
		    d->conf.rebalance_gap_ms,
		    __atomic_load_n(&c->flowlet_jiffies, __ATOMIC_RELAXED));
	else
		strbuf_puts(rq->out, "rebalancing:   off\n");
	strbuf_printf(rq->out, "decision load: %u points per decision until the next sample\n",
		      d->core_table.decision_load);
	strbuf_printf(rq->out, "vms:           %zu\n", d->conf.n_vms);
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		const struct vsxd_vm *vm = &d->conf.vms[i];

		strbuf_printf(rq->out, "  %-16s vm_id=%u", vm->name, vm->vm_id);
		if (vm->has_vni)
			strbuf_printf(rq->out, " vni=%u", vm->vni);
		strbuf_printf(rq->out, "%s\n", vm->priority ? " priority" : "");
	}
	return 0;
}

static const char *vm_name(const struct vsxd *d, unsigned int vm_id)
{
	for (size_t i = 0; i < d->conf.n_vms; i++)
		if (d->conf.vms[i].vm_id == vm_id)
			return d->conf.vms[i].name;
	return "";
}

static int cmd_cores(struct vsxd *d, struct request *rq)
{
	const struct vsx_core_table *t = &d->core_table;
	const struct vsx_core_assign *a = d->dp.core_assign;
	const __u64 *moves_in, *moves_out;
	__u64 moves, stats[VSX_STAT_COUNT] = {0};
	struct json j;

	vsxd_rebalance_counts(d, &moves, &moves_in, &moves_out);
	vsxd_dp_stats(&d->dp, stats);
	if (rq->json) {
		json_init(&j, rq->out);
		json_obj_begin(&j);
		json_kv_u64(&j, "threshold", t->threshold);
		json_kv_u64(&j, "decision_load", t->decision_load);
		json_kv_bool(&j, "rebalance", d->conf.rebalance);
		json_kv_u64(&j, "moves", moves);
		json_kv_u64(&j, "flow_moved", stats[VSX_STAT_FLOW_MOVED]);
		json_key(&j, "cores");
		json_arr_begin(&j);
	} else {
		strbuf_printf(rq->out,
			      "threshold %u%%, decision load %u, rebalancing %s: %" PRIu64
			      " rule moves, %" PRIu64 " cached flows moved\n"
			      "%-5s %-7s %-5s %-16s %-7s %-7s %14s %16s %8s %8s\n",
			      t->threshold, t->decision_load, d->conf.rebalance ? "on" : "off",
			      (uint64_t)moves, (uint64_t)stats[VSX_STAT_FLOW_MOVED], "core",
			      "online", "load", "pinned", "rules", "prio", "packets", "bytes",
			      "moved_in", "moved_out");
	}
	for (__u32 cpu = 0; cpu < t->n_cpus && cpu < VSX_MAX_CPUS; cpu++) {
		const struct vsx_core *c = &t->cores[cpu];
		struct vsx_counter cnt = {};
		bool pinned = c->flags & VSX_CORE_PINNED;

		vsxd_dp_core_counter(&d->dp, cpu, &cnt);
		if (rq->json) {
			json_obj_begin(&j);
			json_kv_u64(&j, "core", cpu);
			json_kv_bool(&j, "online", c->flags & VSX_CORE_ONLINE);
			json_kv_u64(&j, "load", c->load);
			json_kv_bool(&j, "pinned", pinned);
			json_kv_u64(&j, "pinned_vm_id", c->pinned_vm);
			json_kv_str(&j, "pinned_vm", pinned ? vm_name(d, c->pinned_vm) : "");
			json_kv_u64(&j, "auto_rules", a->normal[cpu]);
			json_kv_u64(&j, "auto_rules_prio", a->prio[cpu]);
			json_kv_u64(&j, "recent", a->recent[cpu]);
			json_kv_u64(&j, "packets", cnt.packets);
			json_kv_u64(&j, "bytes", cnt.bytes);
			json_kv_u64(&j, "moved_in", moves_in[cpu]);
			json_kv_u64(&j, "moved_out", moves_out[cpu]);
			json_obj_end(&j);
		} else {
			char pin[96] = "-";

			if (pinned)
				snprintf(pin, sizeof(pin), "%s(%u)", vm_name(d, c->pinned_vm),
					 c->pinned_vm);
			strbuf_printf(rq->out,
				      "%-5u %-7s %3u%%  %-16s %-7u %-7u %14" PRIu64 " %16" PRIu64
				      " %8" PRIu64 " %8" PRIu64 "\n",
				      cpu, c->flags & VSX_CORE_ONLINE ? "yes" : "no", c->load, pin,
				      a->normal[cpu], a->prio[cpu], (uint64_t)cnt.packets,
				      (uint64_t)cnt.bytes, (uint64_t)moves_in[cpu],
				      (uint64_t)moves_out[cpu]);
		}
	}
	if (rq->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		strbuf_puts(rq->out, "\n");
	}
	return 0;
}

/* The cpumap's accounting, per target core with any traffic, after the named counters. */
static void stats_cpumap(struct vsxd *d, struct request *rq, struct json *j)
{
	static const char *const names[] = {
	    "enqueue_bulks",   "enqueued",	 "enqueue_drops", "redirect_errors",
	    "kthread_batches", "kthread_frames", "kthread_drops", "kthread_wakeups",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(struct vsx_cpumap_stats) / 8,
		       "a name per cpumap counter");
	struct vsx_cpumap_stats c;
	bool header = false;

	if (rq->json) {
		json_key(j, "cpumap");
		if (!d->dp.acct) {
			json_null(j);
			return;
		}
		json_arr_begin(j);
	} else if (!d->dp.acct) {
		strbuf_puts(rq->out, "cpumap accounting unavailable (see vsxd's log)\n");
		return;
	}
	for (__u32 core = 0; core < d->dp.n_cpus; core++) {
		if (vsxd_dp_cpumap_stats(&d->dp, core, &c) ||
		    (!c.enqueued && !c.kthread_batches && !c.redirect_errors))
			continue;
		const __u64 *v = (const __u64 *)&c;

		if (rq->json) {
			json_obj_begin(j);
			json_kv_u64(j, "core", core);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				json_kv_u64(j, names[i], v[i]);
			json_obj_end(j);
			continue;
		}
		if (!header) {
			strbuf_printf(rq->out,
				      "\ncpumap, per target core (frames steered there):\n"
				      "%-5s %12s %10s %10s %9s %12s %10s %10s %10s\n",
				      "core", "enqueued", "drops", "redir_err", "per_bulk",
				      "kthread", "kt_drops", "wakeups", "per_wake");
			header = true;
		}
		strbuf_printf(
		    rq->out,
		    "%-5u %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9.1f %12" PRIu64 " %10" PRIu64
		    " %10" PRIu64 " %10.1f\n",
		    core, (uint64_t)c.enqueued, (uint64_t)c.enqueue_drops,
		    (uint64_t)c.redirect_errors,
		    c.enqueue_bulks ? (double)c.enqueued / (double)c.enqueue_bulks : 0.0,
		    (uint64_t)c.kthread_frames, (uint64_t)c.kthread_drops,
		    (uint64_t)c.kthread_wakeups,
		    c.kthread_wakeups ? (double)c.kthread_frames / (double)c.kthread_wakeups : 0.0);
	}
	if (rq->json)
		json_arr_end(j);
}

static int cmd_stats(struct vsxd *d, struct request *rq)
{
	__u64 v[VSX_STAT_COUNT];
	int err = vsxd_dp_stats(&d->dp, v);
	struct json j;

	if (err) {
		snprintf(rq->err, sizeof(rq->err), "reading counters: %s", strerror(-err));
		return err;
	}
	if (rq->json) {
		json_init(&j, rq->out);
		json_obj_begin(&j);
	}
	for (int i = 0; i < VSX_STAT_COUNT; i++) {
		if (rq->json)
			json_kv_u64(&j, vsx_stat_names[i], v[i]);
		else
			strbuf_printf(rq->out, "%-18s %" PRIu64 "\n", vsx_stat_names[i],
				      (uint64_t)v[i]);
	}
	stats_cpumap(d, rq, &j);
	if (rq->json) {
		json_obj_end(&j);
		strbuf_puts(rq->out, "\n");
	}
	return 0;
}

static int cmd_dump_rules(struct vsxd *d, struct request *rq)
{
	struct json j;

	if (rq->json) {
		json_init(&j, rq->out);
		json_arr_begin(&j);
	}
	const struct vsx_rule *r;

	vsx_rule_table_for_each(d->rules, r)
	{
		{
			struct vsx_rule_state st = {.core = VSX_CORE_NONE};
			struct vsx_counter cnt = {};
			char text[VSX_RULE_TEXT_MAX], decision[32] = "";
			int dir = vsx_rule_direction(r);
			__u32 id = r->id;
			vsx_rule_format(r, text, sizeof(text));
			vsxd_dp_rule_counter(&d->dp, (enum vsxd_dir)dir, id, &cnt);
			if (r->action.kind == VSX_ACT_IRQ_AUTO &&
			    vsxd_dp_rule_state(&d->dp, id, &st) == 0) {
				if (st.core >= 0)
					snprintf(decision, sizeof(decision), "%d", st.core);
				else
					snprintf(decision, sizeof(decision), "-");
			}
			if (rq->json) {
				json_obj_begin(&j);
				json_kv_u64(&j, "id", id);
				json_kv_str(&j, "direction", vsx_rule_dir_name(dir));
				json_kv_u64(&j, "priority", r->priority);
				json_kv_str(&j, "rule", text);
				if (r->action.kind == VSX_ACT_IRQ_AUTO) {
					json_key(&j, "decided_core");
					if (st.core >= 0)
						json_i64(&j, st.core);
					else
						json_null(&j);
					json_kv_bool(&j, "decided_prio", st.core >= 0 && st.prio);
				}
				json_kv_u64(&j, "packets", cnt.packets);
				json_kv_u64(&j, "bytes", cnt.bytes);
				json_obj_end(&j);
			} else {
				strbuf_printf(rq->out,
					      "id=%u %s n_packets=%" PRIu64 " n_bytes=%" PRIu64
					      " %s",
					      id, vsx_rule_dir_name(dir), (uint64_t)cnt.packets,
					      (uint64_t)cnt.bytes, text);
				if (decision[0])
					strbuf_printf(rq->out, " (core %s)", decision);
				strbuf_puts(rq->out, "\n");
			}
		}
	}
	if (rq->json) {
		json_arr_end(&j);
		strbuf_puts(rq->out, "\n");
	}
	return 0;
}

static int cmd_dump_flows(struct vsxd *d, struct request *rq)
{
	const struct vsx_flow_slot *slots = d->dp.flows;
	__u32 gen = __atomic_load_n(&d->dp.cfg->rules_gen, __ATOMIC_ACQUIRE);
	unsigned long long now = 0;
	unsigned int hz = vsx_hz();
	unsigned long limit = 10000, shown = 0, live = 0;
	struct json j;

	for (int i = 1; i < rq->argc; i++) {
		char *end;

		if (strcmp(rq->argv[i], "--limit") == 0 && i + 1 < rq->argc) {
			errno = 0;
			limit = strtoul(rq->argv[++i], &end, 10);
			if (errno || *end || !*rq->argv[i]) {
				snprintf(rq->err, sizeof(rq->err), "bad --limit \"%s\"",
					 rq->argv[i]);
				return -EINVAL;
			}
		} else {
			snprintf(rq->err, sizeof(rq->err), "unknown argument \"%s\"", rq->argv[i]);
			return -EINVAL;
		}
	}
	if (!hz || vsx_jiffies_now(NULL, &now)) {
		snprintf(rq->err, sizeof(rq->err),
			 "cannot read the kernel's jiffies (/proc/timer_list)");
		return -EIO;
	}
	if (rq->json) {
		json_init(&j, rq->out);
		json_obj_begin(&j);
		json_key(&j, "flows");
		json_arr_begin(&j);
	}
	for (size_t i = 0; i < d->dp.flow_slots; i++) {
		struct vsx_flow_slot s;
		struct vsx_counter cnt;

		if (!(slots[i].flags & VSX_SLOT_VALID) || slots[i].gen != gen)
			continue;
		memcpy(&s, &slots[i], sizeof(s));
		if (!(s.flags & VSX_SLOT_VALID))
			continue;
		live++;
		if (shown >= limit)
			continue;
		shown++;
		vsxd_dp_flow_counter(&d->dp, (__u32)i, s.tag, &cnt);
		double age = now > s.first_jiffies ? (double)(now - s.first_jiffies) / hz : 0;
		double span = s.last_jiffies > s.first_jiffies
				  ? (double)(s.last_jiffies - s.first_jiffies) / hz
				  : 0;
		double rate = span > 0 ? (double)cnt.bytes * 8 / span : 0;
		double idle = now > s.last_jiffies ? (double)(now - s.last_jiffies) / hz : 0;
		struct strbuf key;

		strbuf_init(&key);
		format_flow_key(&key, &s.key);
		if (rq->json) {
			json_obj_begin(&j);
			json_kv_str(&j, "flow", key.buf ? key.buf : "");
			json_kv_u64(&j, "rule", s.rule_id);
			json_key(&j, "core");
			if (s.flags & VSX_SLOT_STAY)
				json_null(&j);
			else
				json_i64(&j, s.core);
			json_kv_bool(&j, "priority", s.flags & VSX_SLOT_PRIO);
			json_kv_u64(&j, "packets", cnt.packets);
			json_kv_u64(&j, "bytes", cnt.bytes);
			json_kv_double(&j, "rate_bps", rate);
			json_kv_double(&j, "age_s", age);
			json_kv_double(&j, "idle_s", idle);
			json_obj_end(&j);
		} else {
			char core[16];

			if (s.flags & VSX_SLOT_STAY)
				snprintf(core, sizeof(core), "rx");
			else
				snprintf(core, sizeof(core), "%d", s.core);
			strbuf_printf(rq->out,
				      "%s rule=%u core=%s%s packets=%" PRIu64 " bytes=%" PRIu64
				      " rate=%.3fMb/s age=%.1fs idle=%.1fs\n",
				      key.buf ? key.buf : "", s.rule_id, core,
				      s.flags & VSX_SLOT_PRIO ? " prio" : "", (uint64_t)cnt.packets,
				      (uint64_t)cnt.bytes, rate / 1e6, age, idle);
		}
		strbuf_free(&key);
	}
	if (rq->json) {
		json_arr_end(&j);
		json_kv_u64(&j, "live", live);
		json_kv_u64(&j, "shown", shown);
		json_obj_end(&j);
		strbuf_puts(rq->out, "\n");
	} else {
		strbuf_printf(rq->out,
			      "(%lu flows live, %lu shown; rate = average over the flow's life)\n",
			      live, shown);
	}
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
	__u32 old = d->dp.cfg->mode;
	__atomic_store_n(&d->dp.cfg->mode, mode, __ATOMIC_RELEASE);
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

static const struct {
	const char *name;
	int min_args, max_args; /* not counting the name or --json */
	int (*fn)(struct vsxd *d, struct request *rq);
} handlers[] = {
    {"show", 0, 0, cmd_show},
    {"cores", 0, 0, cmd_cores},
    {"stats", 0, 0, cmd_stats},
    {"dump-rules", 0, 0, cmd_dump_rules},
    {"dump-flows", 0, 2, cmd_dump_flows},
    {"set-mode", 1, 1, cmd_set_mode},
    {"add-rule", 1, 1, cmd_add_rule},
    {"del-rule", 1, 1, cmd_del_rule},
};

/* The control server's handler (lib/ctl_server.h): one complete request in, its reply out. */
static void handle_request(void *ctx, int argc, char **argv, struct strbuf *reply)
{
	struct vsxd *d = ctx;
	struct strbuf body;
	struct request rq = {.out = &body};
	int err = -EINVAL;

	strbuf_init(&body);
	/* "--json" is the last argument when present. */
	rq.json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;
	rq.argc = rq.json ? argc - 1 : argc;
	rq.argv = argv;
	snprintf(rq.err, sizeof(rq.err), "unknown command \"%s\"", argv[0]);
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(argv[0], handlers[i].name) != 0)
			continue;
		if (rq.argc - 1 < handlers[i].min_args || rq.argc - 1 > handlers[i].max_args) {
			snprintf(rq.err, sizeof(rq.err), "%s: wrong number of arguments", argv[0]);
			break;
		}
		rq.err[0] = '\0';
		err = handlers[i].fn(d, &rq);
		break;
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
