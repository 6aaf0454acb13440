// SPDX-License-Identifier: MIT
/*
 * The offload views for vsxctl (ctl_render.h): dump-flows type=..., offload-stats. A flow's
 * counters are the flow manager's, continuous across moves, with what each path carried; a
 * flow on the normal path says why it is not offloaded, and every flow says when it last
 * moved (the gaps users report in Open vSwitch's dpctl/dump-flows type=offloaded).
 */
#include "ctl_render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *path_name(bool offloaded)
{
	return offloaded ? "offloaded" : "onloaded";
}

static const char *proto_name(__u8 p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmp6" : NULL;
}

/* "2026-12-01T13:02:03Z" */
static void format_utc(char *buf, size_t len, long long s)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", s);
}

static void json_key_fields(struct json *j, const struct vsx_offload_key *k)
{
	char a[INET6_ADDRSTRLEN];
	int af = k->dl_type == htons(0x86dd) ? AF_INET6 : AF_INET;

	json_kv_u64(j, "vni", ntohl(k->vni) & 0xffffff);
	if (k->kind == VSX_OFFLOAD_KEY_VM) {
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", k->dl_dst[0],
			 k->dl_dst[1], k->dl_dst[2], k->dl_dst[3], k->dl_dst[4], k->dl_dst[5]);
		json_kv_str(j, "dl_dst", mac);
		return;
	}
	const char *pn = proto_name(k->nw_proto);
	if (pn)
		json_kv_str(j, "proto", pn);
	else
		json_kv_u64(j, "proto", k->nw_proto);
	inet_ntop(af, k->nw_src, a, sizeof(a));
	json_kv_str(j, "nw_src", a);
	inet_ntop(af, k->nw_dst, a, sizeof(a));
	json_kv_str(j, "nw_dst", a);
	if (k->nw_proto == 6 || k->nw_proto == 17) {
		json_kv_u64(j, "tp_src", ntohs(k->tp_src));
		json_kv_u64(j, "tp_dst", ntohs(k->tp_dst));
	}
}

static void json_paths(struct json *j, const __u64 packets[2], const __u64 bytes[2])
{
	json_key(j, "paths");
	json_obj_begin(j);
	json_key(j, "normal");
	json_obj_begin(j);
	json_kv_u64(j, "packets", packets[VSX_FM_NORMAL]);
	json_kv_u64(j, "bytes", bytes[VSX_FM_NORMAL]);
	json_obj_end(j);
	json_key(j, "offload");
	json_obj_begin(j);
	json_kv_u64(j, "packets", packets[VSX_FM_OFFLOADED]);
	json_kv_u64(j, "bytes", bytes[VSX_FM_OFFLOADED]);
	json_obj_end(j);
	json_obj_end(j);
}

static void json_mflow(struct json *j, const struct vsxd_q_mflow *f)
{
	char when[32];

	json_obj_begin(j);
	json_kv_str(j, "flow", f->text);
	json_key_fields(j, &f->key);
	json_kv_str(j, "path", path_name(f->offloaded));
	json_key(j, "reason");
	if (f->offloaded)
		json_null(j);
	else
		json_str(j, vsx_fm_reason_name(f->reason));
	json_kv_str(j, "vm", f->vm);
	json_kv_str(j, "tenant", f->tenant);
	json_kv_str(j, "port", f->port);
	json_key(j, "core");
	if (f->core < 0)
		json_null(j);
	else
		json_i64(j, f->core);
	json_key(j, "header_policy");
	if (f->header_id)
		json_u64(j, f->header_id);
	else
		json_null(j);
	json_kv_str(j, "policy_action", vsx_ofl_action_name(f->action));
	json_kv_u64(j, "packets", f->packets);
	json_kv_u64(j, "bytes", f->bytes);
	json_paths(j, f->path_packets, f->path_bytes);
	json_kv_u64(j, "refused", f->refused);
	json_kv_u64(j, "redirect_fail", f->redirect_fail);
	json_kv_u64(j, "rate_dropped", f->rate_dropped);
	json_kv_double(j, "pps", f->pps);
	json_kv_double(j, "bps", f->bps);
	json_kv_double(j, "age_s", f->age_s);
	json_kv_double(j, "idle_s", f->idle_s);
	json_kv_u64(j, "moves", f->moves);
	json_key(j, "last_move");
	if (f->moves && f->moved_realtime_s) {
		format_utc(when, sizeof(when), f->moved_realtime_s);
		json_str(j, when);
	} else {
		json_null(j);
	}
	json_key(j, "last_move_ago_s");
	if (f->moves)
		json_double(j, f->since_move_s);
	else
		json_null(j);
	json_kv_bool(j, "closing", f->closing);
	json_kv_bool(j, "fragments", f->fragments);
	json_kv_bool(j, "in_cache", f->in_cache);
	json_obj_end(j);
}

static void text_mflow(struct strbuf *out, const struct vsxd_q_mflow *f)
{
	char core[16] = "-", when[32];

	if (f->core >= 0)
		snprintf(core, sizeof(core), "%d", f->core);
	strbuf_printf(
	    out,
	    "%-9s %s vm=%s core=%s packets=%" PRIu64 " bytes=%" PRIu64 " normal=%" PRIu64
	    "/%" PRIu64 " offload=%" PRIu64 "/%" PRIu64 " pps=%.0f rate=%.3fMb/s age=%.1fs",
	    path_name(f->offloaded), f->text, f->vm[0] ? f->vm : "-", core, (uint64_t)f->packets,
	    (uint64_t)f->bytes, (uint64_t)f->path_packets[VSX_FM_NORMAL],
	    (uint64_t)f->path_bytes[VSX_FM_NORMAL], (uint64_t)f->path_packets[VSX_FM_OFFLOADED],
	    (uint64_t)f->path_bytes[VSX_FM_OFFLOADED], f->pps, f->bps / 1e6, f->age_s);
	if (!f->offloaded)
		strbuf_printf(out, " reason=%s", vsx_fm_reason_name(f->reason));
	if (f->header_id)
		strbuf_printf(out, " policy=%u(%s)", f->header_id, vsx_ofl_action_name(f->action));
	if (f->moves) {
		format_utc(when, sizeof(when), f->moved_realtime_s);
		strbuf_printf(out, " moved=%s(%.1fs ago,moves=%u)", when, f->since_move_s,
			      f->moves);
	} else {
		strbuf_puts(out, " moved=never");
	}
	if (f->refused || f->redirect_fail || f->rate_dropped)
		strbuf_printf(
		    out, " refused=%" PRIu64 " redirect_fail=%" PRIu64 " rate_dropped=%" PRIu64,
		    (uint64_t)f->refused, (uint64_t)f->redirect_fail, (uint64_t)f->rate_dropped);
	strbuf_puts(out, "\n");
}

void vsxd_render_mflows(const struct vsxd_q_mflows *q, bool json, struct strbuf *out)
{
	struct json j;

	if (json) {
		json_init(&j, out);
		json_obj_begin(&j);
		json_kv_str(&j, "type", vsxd_query_flow_type_name(q->type));
		json_key(&j, "flows");
		json_arr_begin(&j);
		for (size_t i = 0; i < q->shown; i++)
			json_mflow(&j, &q->v[i]);
		json_arr_end(&j);
		json_kv_u64(&j, "offloaded", q->offloaded);
		json_kv_u64(&j, "onloaded", q->onloaded);
		json_kv_u64(&j, "shown", q->shown);
		json_key(&j, "total");
		json_obj_begin(&j);
		json_kv_u64(&j, "packets", q->packets);
		json_kv_u64(&j, "bytes", q->bytes);
		json_paths(&j, q->path_packets, q->path_bytes);
		json_obj_end(&j);
		json_obj_end(&j);
		strbuf_puts(out, "\n");
		return;
	}
	for (size_t i = 0; i < q->shown; i++)
		text_mflow(out, &q->v[i]);
	strbuf_printf(
	    out,
	    "(%zu flows: %zu offloaded, %zu onloaded; %zu shown of type=%s)\n"
	    "total of type=%s: packets=%" PRIu64 " bytes=%" PRIu64 " normal=%" PRIu64 "/%" PRIu64
	    " offload=%" PRIu64 "/%" PRIu64
	    " (packets/bytes per path, inner Ethernet frames, continuous across moves)\n",
	    q->offloaded + q->onloaded, q->offloaded, q->onloaded, q->shown,
	    vsxd_query_flow_type_name(q->type), vsxd_query_flow_type_name(q->type),
	    (uint64_t)q->packets, (uint64_t)q->bytes, (uint64_t)q->path_packets[VSX_FM_NORMAL],
	    (uint64_t)q->path_bytes[VSX_FM_NORMAL], (uint64_t)q->path_packets[VSX_FM_OFFLOADED],
	    (uint64_t)q->path_bytes[VSX_FM_OFFLOADED]);
}

void vsxd_render_offload(const struct vsxd_q_offload *q, bool json, struct strbuf *out)
{
	const struct vsxd_ofl_stats *s = &q->s;
	const struct vsx_fm_stats *fm = &s->fm;
	struct json j;

	if (json) {
		json_init(&j, out);
		json_obj_begin(&j);
		json_kv_bool(&j, "enabled", s->enabled);
		json_kv_bool(&j, "provider", s->provider);
		json_key(&j, "caps");
		json_obj_begin(&j);
		json_kv_u64(&j, "table_size", s->caps.table_size);
		json_kv_u64(&j, "max_ports", s->caps.max_ports);
		json_kv_bool(&j, "rate_limit", s->caps.rate_limit);
		json_kv_bool(&j, "stats", s->caps.stats);
		json_kv_bool(&j, "tx", s->caps.tx);
		json_kv_bool(&j, "per_core", s->caps.per_core);
		json_obj_end(&j);
		json_kv_u64(&j, "capacity", fm->capacity);
		json_kv_u64(&j, "flows", fm->flows);
		json_kv_u64(&j, "offloaded", fm->offloaded);
		json_kv_u64(&j, "onloaded", fm->flows - fm->offloaded);
		json_key(&j, "promotions");
		json_obj_begin(&j);
		for (int i = 0; i < VSX_FM_P_COUNT; i++)
			json_kv_u64(&j, vsx_fm_promote_name(i), fm->promotions[i]);
		json_obj_end(&j);
		json_key(&j, "demotions");
		json_obj_begin(&j);
		for (int i = 0; i < VSX_FM_D_COUNT; i++)
			json_kv_u64(&j, vsx_fm_demote_name(i), fm->demotions[i]);
		json_obj_end(&j);
		json_key(&j, "onloaded_by_reason");
		json_obj_begin(&j);
		for (int i = 1; i < VSX_FM_R_COUNT; i++)
			json_kv_u64(&j, vsx_fm_reason_name(i), fm->normal_by_reason[i]);
		json_obj_end(&j);
		json_kv_u64(&j, "put_fail", fm->put_fail);
		json_kv_u64(&j, "del_fail", fm->del_fail);
		json_kv_u64(&j, "counter_fail", fm->counter_fail);
		json_kv_u64(&j, "dump_fail", fm->dump_fail);
		json_kv_u64(&j, "untracked", fm->untracked);
		json_kv_u64(&j, "expired", fm->expired);
		json_kv_u64(&j, "ticks", fm->ticks);
		json_key(&j, "ports");
		json_arr_begin(&j);
		for (size_t i = 0; i < q->n_ports; i++) {
			const struct vsxd_q_port *p = &q->ports[i];

			json_obj_begin(&j);
			json_kv_str(&j, "vm", p->vm);
			json_kv_str(&j, "ifname", p->ifname);
			json_kv_u64(&j, "port", p->port);
			json_kv_u64(&j, "ifindex", p->ifindex);
			json_kv_bool(&j, "usable", p->usable);
			json_key(&j, "error");
			if (p->usable || !p->err)
				json_null(&j);
			else
				json_str(&j, strerror(-p->err));
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		strbuf_puts(out, "\n");
		return;
	}
	strbuf_printf(
	    out,
	    "offload:      %s (provider %s: table %zu, ports %zu, rate limit %s, stats %s, "
	    "tx %s, per-core %s)\n"
	    "flows:        %zu tracked, %zu offloaded of capacity %zu, %zu onloaded\n",
	    s->enabled ? "on" : "off", s->provider ? "present" : "none", s->caps.table_size,
	    s->caps.max_ports, s->caps.rate_limit ? "yes" : "no", s->caps.stats ? "yes" : "no",
	    s->caps.tx ? "yes" : "no", s->caps.per_core ? "yes" : "no", fm->flows, fm->offloaded,
	    fm->capacity, fm->flows - fm->offloaded);
	strbuf_puts(out, "promotions:  ");
	for (int i = 0; i < VSX_FM_P_COUNT; i++)
		strbuf_printf(out, " %s=%" PRIu64, vsx_fm_promote_name(i),
			      (uint64_t)fm->promotions[i]);
	strbuf_puts(out, "\ndemotions:   ");
	for (int i = 0; i < VSX_FM_D_COUNT; i++)
		strbuf_printf(out, " %s=%" PRIu64, vsx_fm_demote_name(i),
			      (uint64_t)fm->demotions[i]);
	strbuf_puts(out, "\nonloaded by reason:");
	for (int i = 1; i < VSX_FM_R_COUNT; i++)
		strbuf_printf(out, " %s=%" PRIu64, vsx_fm_reason_name(i),
			      (uint64_t)fm->normal_by_reason[i]);
	strbuf_printf(out,
		      "\nfailures:     put %" PRIu64 ", del %" PRIu64 ", counters %" PRIu64
		      ", dump %" PRIu64 "; untracked flows %" PRIu64 ", expired %" PRIu64
		      ", ticks %" PRIu64 "\n",
		      (uint64_t)fm->put_fail, (uint64_t)fm->del_fail, (uint64_t)fm->counter_fail,
		      (uint64_t)fm->dump_fail, (uint64_t)fm->untracked, (uint64_t)fm->expired,
		      (uint64_t)fm->ticks);
	strbuf_printf(out, "ports:        %zu configured, %zu usable\n", s->ports, s->ports_usable);
	for (size_t i = 0; i < q->n_ports; i++) {
		const struct vsxd_q_port *p = &q->ports[i];

		strbuf_printf(out, "  %-16s %-15s port=%u ifindex=%u %s%s\n", p->vm,
			      p->ifname[0] ? p->ifname : "-", p->port, p->ifindex,
			      p->usable ? "usable" : "not usable",
			      !p->usable && p->err
				  ? (p->err == -EOPNOTSUPP ? " (cannot take redirected frames)"
				     : p->err == -ENODEV   ? " (no such interface)"
							   : " (see vsxd's log)")
				  : "");
	}
}
