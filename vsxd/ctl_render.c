// SPDX-License-Identifier: MIT
/* The query structs rendered for vsxctl (ctl_render.h): text, or JSON with "--json". */
#include "ctl_render.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "rule_text.h"
#include "stat_names.h"
#include <vsx/fcf.h>

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

void vsxd_render_flow_key(struct strbuf *sb, const struct vsx_flow_key *k)
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

void vsxd_render_show(const struct vsxd_q_show *q, bool json, struct strbuf *out)
{
	if (json) {
		struct json j;

		json_init(&j, out);
		json_obj_begin(&j);
		json_kv_str(&j, "uplink", q->uplink);
		json_kv_u64(&j, "ifindex", (uint64_t)q->ifindex);
		json_kv_str(&j, "mode", vsxd_mode_label(q->mode));
		json_kv_bool(&j, "fcf", q->fcf);
		json_kv_bool(&j, "egress_fcf", q->egress_fcf);
		json_kv_u64(&j, "vxlan_port", q->vxlan_port);
		json_kv_u64(&j, "flow_cache_slots", q->flow_slots);
		json_kv_u64(&j, "rules_ingress", q->rules_ingress);
		json_kv_u64(&j, "rules_egress", q->rules_egress);
		json_kv_u64(&j, "rules_generation", q->rules_gen);
		json_kv_bool(&j, "datapath_reused", q->datapath_reused);
		json_kv_bool(&j, "rebalance", q->rebalance);
		json_kv_u64(&j, "rebalance_hold", q->rebalance_hold);
		json_kv_u64(&j, "rebalance_margin", q->rebalance_margin);
		json_kv_u64(&j, "rebalance_cooldown", q->rebalance_cooldown);
		json_kv_u64(&j, "rebalance_gap_ms", q->rebalance_gap_ms);
		json_kv_u64(&j, "flowlet_jiffies", q->flowlet_jiffies);
		json_kv_u64(&j, "decision_load", q->decision_load);
		json_kv_str(&j, "bpffs", q->bpffs);
		json_key(&j, "vms");
		json_arr_begin(&j);
		for (size_t i = 0; i < q->n_vms; i++) {
			const struct vsxd_vm *vm = &q->vms[i];

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
		strbuf_puts(out, "\n");
		return;
	}
	strbuf_printf(out,
		      "uplink:        %s (ifindex %d)\n"
		      "mode:          %s\n"
		      "fcf:           %s (egress marking %s)\n"
		      "vxlan port:    %u\n"
		      "flow cache:    %zu slots\n"
		      "rules:         %zu ingress, %zu egress (generation %u)\n"
		      "bpffs:         %s%s\n",
		      q->uplink, q->ifindex, vsxd_mode_label(q->mode), q->fcf ? "on" : "off",
		      q->egress_fcf ? "on" : "off", q->vxlan_port, q->flow_slots, q->rules_ingress,
		      q->rules_egress, q->rules_gen, q->bpffs,
		      q->datapath_reused ? " (state taken over from a previous vsxd)" : "");
	if (q->rebalance)
		strbuf_printf(
		    out,
		    "rebalancing:   on (hold %u samples, margin %u points, cooldown %u samples, "
		    "flowlet gap %u ms = %u jiffies)\n",
		    q->rebalance_hold, q->rebalance_margin, q->rebalance_cooldown,
		    q->rebalance_gap_ms, q->flowlet_jiffies);
	else
		strbuf_puts(out, "rebalancing:   off\n");
	strbuf_printf(out, "decision load: %u points per decision until the next sample\n",
		      q->decision_load);
	strbuf_printf(out, "vms:           %zu\n", q->n_vms);
	for (size_t i = 0; i < q->n_vms; i++) {
		const struct vsxd_vm *vm = &q->vms[i];

		strbuf_printf(out, "  %-16s vm_id=%u", vm->name, vm->vm_id);
		if (vm->has_vni)
			strbuf_printf(out, " vni=%u", vm->vni);
		strbuf_printf(out, "%s\n", vm->priority ? " priority" : "");
	}
}

void vsxd_render_cores(const struct vsxd_q_cores *q, bool json, struct strbuf *out)
{
	struct json j;

	if (json) {
		json_init(&j, out);
		json_obj_begin(&j);
		json_kv_u64(&j, "threshold", q->threshold);
		json_kv_u64(&j, "decision_load", q->decision_load);
		json_kv_bool(&j, "rebalance", q->rebalance);
		json_kv_u64(&j, "moves", q->moves);
		json_kv_u64(&j, "flow_moved", q->flow_moved);
		json_kv_u64(&j, "samples", q->samples);
		json_key(&j, "cores");
		json_arr_begin(&j);
	} else {
		strbuf_printf(out,
			      "threshold %u%%, decision load %u, rebalancing %s: %" PRIu64
			      " rule moves, %" PRIu64 " cached flows moved\n"
			      "%-5s %-7s %-5s %-16s %-7s %-7s %14s %16s %8s %8s\n",
			      q->threshold, q->decision_load, q->rebalance ? "on" : "off",
			      (uint64_t)q->moves, (uint64_t)q->flow_moved, "core", "online", "load",
			      "pinned", "rules", "prio", "packets", "bytes", "moved_in",
			      "moved_out");
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct vsxd_q_core *c = &q->cores[i];

		if (json) {
			json_obj_begin(&j);
			json_kv_u64(&j, "core", c->core);
			json_kv_bool(&j, "online", c->online);
			json_kv_u64(&j, "load", c->load);
			json_kv_bool(&j, "pinned", c->pinned);
			json_kv_u64(&j, "pinned_vm_id", c->pinned_vm);
			json_kv_str(&j, "pinned_vm", c->pinned_name);
			json_kv_u64(&j, "auto_rules", c->auto_rules);
			json_kv_u64(&j, "auto_rules_prio", c->auto_rules_prio);
			json_kv_u64(&j, "recent", c->recent);
			json_kv_u64(&j, "packets", c->packets);
			json_kv_u64(&j, "bytes", c->bytes);
			json_kv_u64(&j, "moved_in", c->moved_in);
			json_kv_u64(&j, "moved_out", c->moved_out);
			json_obj_end(&j);
		} else {
			char pin[96] = "-";

			if (c->pinned)
				snprintf(pin, sizeof(pin), "%s(%u)", c->pinned_name, c->pinned_vm);
			strbuf_printf(out,
				      "%-5u %-7s %3u%%  %-16s %-7u %-7u %14" PRIu64 " %16" PRIu64
				      " %8" PRIu64 " %8" PRIu64 "\n",
				      c->core, c->online ? "yes" : "no", c->load, pin,
				      c->auto_rules, c->auto_rules_prio, (uint64_t)c->packets,
				      (uint64_t)c->bytes, (uint64_t)c->moved_in,
				      (uint64_t)c->moved_out);
		}
	}
	if (json) {
		json_arr_end(&j);
		json_obj_end(&j);
		strbuf_puts(out, "\n");
	}
}

/* The cpumap's accounting, per target core with any traffic, after the named counters. */
static void render_cpumap(const struct vsxd_q_stats *q, bool json, struct json *j,
			  struct strbuf *out)
{
	static const char *const names[] = {
	    "enqueue_bulks",   "enqueued",	 "enqueue_drops", "redirect_errors",
	    "kthread_batches", "kthread_frames", "kthread_drops", "kthread_wakeups",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(struct vsx_cpumap_stats) / 8,
		       "a name per cpumap counter");

	if (json) {
		json_key(j, "cpumap");
		if (!q->cpumap_available) {
			json_null(j);
			return;
		}
		json_arr_begin(j);
	} else if (!q->cpumap_available) {
		strbuf_puts(out, "cpumap accounting unavailable (see vsxd's log)\n");
		return;
	}
	for (size_t k = 0; k < q->n_cpumap; k++) {
		const struct vsx_cpumap_stats *c = &q->cpumap[k].c;
		const __u64 *v = (const __u64 *)c;
		__u32 core = q->cpumap[k].core;

		if (json) {
			json_obj_begin(j);
			json_kv_u64(j, "core", core);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				json_kv_u64(j, names[i], v[i]);
			json_obj_end(j);
			continue;
		}
		if (k == 0)
			strbuf_printf(out,
				      "\ncpumap, per target core (frames steered there):\n"
				      "%-5s %12s %10s %10s %9s %12s %10s %10s %10s\n",
				      "core", "enqueued", "drops", "redir_err", "per_bulk",
				      "kthread", "kt_drops", "wakeups", "per_wake");
		strbuf_printf(
		    out,
		    "%-5u %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9.1f %12" PRIu64 " %10" PRIu64
		    " %10" PRIu64 " %10.1f\n",
		    core, (uint64_t)c->enqueued, (uint64_t)c->enqueue_drops,
		    (uint64_t)c->redirect_errors,
		    c->enqueue_bulks ? (double)c->enqueued / (double)c->enqueue_bulks : 0.0,
		    (uint64_t)c->kthread_frames, (uint64_t)c->kthread_drops,
		    (uint64_t)c->kthread_wakeups,
		    c->kthread_wakeups ? (double)c->kthread_frames / (double)c->kthread_wakeups
				       : 0.0);
	}
	if (json)
		json_arr_end(j);
}

/* Where received packets went, after the named counters. */
static void render_paths(const struct vsxd_q_stats *q, bool json, struct json *j,
			 struct strbuf *out)
{
	if (json) {
		json_key(j, "paths");
		json_obj_begin(j);
	} else {
		strbuf_printf(out, "\npaths (every received packet on one; they add up to rx):\n"
				   "%-8s %14s %16s\n",
			      "path", "packets", "bytes");
	}
	for (int p = 0; p < VSX_PATH_COUNT; p++) {
		if (json) {
			json_key(j, vsx_path_names[p]);
			json_obj_begin(j);
			json_kv_u64(j, "packets", q->path[p].packets);
			json_kv_u64(j, "bytes", q->path[p].bytes);
			json_obj_end(j);
		} else {
			strbuf_printf(out, "%-8s %14" PRIu64 " %16" PRIu64 "\n", vsx_path_names[p],
				      (uint64_t)q->path[p].packets, (uint64_t)q->path[p].bytes);
		}
	}
	if (json)
		json_obj_end(j);
}

void vsxd_render_stats(const struct vsxd_q_stats *q, bool json, struct strbuf *out)
{
	struct json j;

	if (json) {
		json_init(&j, out);
		json_obj_begin(&j);
	}
	for (int i = 0; i < VSX_STAT_COUNT; i++) {
		if (json)
			json_kv_u64(&j, vsx_stat_names[i], q->v[i]);
		else
			strbuf_printf(out, "%-18s %" PRIu64 "\n", vsx_stat_names[i],
				      (uint64_t)q->v[i]);
	}
	render_paths(q, json, &j, out);
	render_cpumap(q, json, &j, out);
	if (json) {
		json_obj_end(&j);
		strbuf_puts(out, "\n");
	}
}

void vsxd_render_rules(const struct vsxd_q_rules *q, bool json, struct strbuf *out)
{
	struct json j;

	if (json) {
		json_init(&j, out);
		json_arr_begin(&j);
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct vsxd_q_rule *r = &q->v[i];
		char text[VSX_RULE_TEXT_MAX];

		vsx_rule_format(r->rule, text, sizeof(text));
		if (json) {
			json_obj_begin(&j);
			json_kv_u64(&j, "id", r->id);
			json_kv_str(&j, "direction", vsx_rule_dir_name(r->dir));
			json_kv_u64(&j, "priority", r->rule->priority);
			json_kv_str(&j, "origin", vsx_rule_origin_name(r->rule->origin));
			json_kv_u64(&j, "cookie", r->rule->cookie);
			json_kv_u64(&j, "idle_timeout", r->rule->idle_timeout);
			json_kv_u64(&j, "hard_timeout", r->rule->hard_timeout);
			json_kv_str(&j, "rule", text);
			if (r->is_auto) {
				json_key(&j, "decided_core");
				if (r->decided)
					json_i64(&j, r->decided_core);
				else
					json_null(&j);
				json_kv_bool(&j, "decided_prio", r->decided && r->decided_prio);
			}
			json_kv_u64(&j, "packets", r->packets);
			json_kv_u64(&j, "bytes", r->bytes);
			json_obj_end(&j);
			continue;
		}
		strbuf_printf(out, "id=%u %s n_packets=%" PRIu64 " n_bytes=%" PRIu64 " origin=%s", r->id,
			      vsx_rule_dir_name(r->dir), (uint64_t)r->packets, (uint64_t)r->bytes,
			      vsx_rule_origin_name(r->rule->origin));
		/* what only OpenFlow rules carry, shown when set as ovs-ofctl does (the cookie is part
		 * of the rule's text, below) */
		if (r->rule->idle_timeout)
			strbuf_printf(out, " idle_timeout=%u", r->rule->idle_timeout);
		if (r->rule->hard_timeout)
			strbuf_printf(out, " hard_timeout=%u", r->rule->hard_timeout);
		strbuf_printf(out, " %s", text);
		if (r->decided)
			strbuf_printf(out, " (core %d)", r->decided_core);
		else if (r->has_state)
			strbuf_puts(out, " (core -)");
		strbuf_puts(out, "\n");
	}
	if (json) {
		json_arr_end(&j);
		strbuf_puts(out, "\n");
	}
}

void vsxd_render_flows(const struct vsxd_q_flows *q, bool json, struct strbuf *out)
{
	struct json j;

	if (json) {
		json_init(&j, out);
		json_obj_begin(&j);
		json_key(&j, "flows");
		json_arr_begin(&j);
	}
	for (size_t i = 0; i < q->shown; i++) {
		const struct vsxd_q_flow *f = &q->v[i];
		struct strbuf key;

		strbuf_init(&key);
		vsxd_render_flow_key(&key, &f->key);
		if (json) {
			json_obj_begin(&j);
			json_kv_str(&j, "flow", key.buf ? key.buf : "");
			json_kv_u64(&j, "rule", f->rule_id);
			json_key(&j, "core");
			if (f->stay)
				json_null(&j);
			else
				json_i64(&j, f->core);
			json_kv_bool(&j, "priority", f->prio);
			json_kv_u64(&j, "packets", f->packets);
			json_kv_u64(&j, "bytes", f->bytes);
			json_kv_double(&j, "rate_bps", f->rate_bps);
			json_kv_double(&j, "age_s", f->age_s);
			json_kv_double(&j, "idle_s", f->idle_s);
			json_obj_end(&j);
		} else {
			char core[16];

			if (f->stay)
				snprintf(core, sizeof(core), "rx");
			else
				snprintf(core, sizeof(core), "%d", f->core);
			strbuf_printf(out,
				      "%s rule=%u core=%s%s packets=%" PRIu64 " bytes=%" PRIu64
				      " rate=%.3fMb/s age=%.1fs idle=%.1fs\n",
				      key.buf ? key.buf : "", f->rule_id, core,
				      f->prio ? " prio" : "", (uint64_t)f->packets,
				      (uint64_t)f->bytes, f->rate_bps / 1e6, f->age_s, f->idle_s);
		}
		strbuf_free(&key);
	}
	if (json) {
		json_arr_end(&j);
		json_kv_u64(&j, "live", q->live);
		json_kv_u64(&j, "shown", q->shown);
		json_obj_end(&j);
		strbuf_puts(out, "\n");
	} else {
		strbuf_printf(out,
			      "(%lu flows live, %lu shown; rate = average over the flow's life)\n",
			      q->live, q->shown);
	}
}
