// SPDX-License-Identifier: MIT
/*
 * `vsx-controller show [--json]`: the cluster as the controller sees it -- hosts, their VMs,
 * each VM's policy, picked core and rules, and the last changes with their convergence time.
 */
#include <stdio.h>
#include <string.h>

#include "ctrl.h"
#include "evloop.h"
#include "ofp_conn.h"
#include "strbuf.h"

static const char *xdp_name(__u8 m)
{
	static const char *n[] = {"none", "skb", "native", "offload"};

	return m < 4 ? n[m] : "?";
}

static const char *host_state(const struct ctrl_host *h)
{
	if (!h->sess)
		return "down";
	return h->synced ? "synced" : "syncing";
}

static void cpus_text(const __u64 *cpus, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < 64 * VSX_EXP_CPU_WORDS && used < len; i++)
		if (cpus[i / 64] >> (i % 64) & 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? "," : "", i);
}

static void mac_text(const __u8 *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static size_t host_vms(const struct ctrl *c, const struct ctrl_host *h)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_vms; i++)
		n += c->vms[i]->host == h;
	return n;
}

static void show_text(const struct ctrl *c, struct strbuf *sb)
{
	unsigned long long now = vsx_loop_now_ms();

	strbuf_printf(sb, "policy: %s%s%s\n", c->policy_path ? c->policy_path : "(built-in)",
		      c->policy_error[0] ? "  LAST RELOAD FAILED: " : "", c->policy_error);
	strbuf_printf(sb, "hosts: %zu  vms: %zu  flow_mods: %llu  barriers: %llu  errors: %llu\n",
		      c->n_hosts, c->n_vms, c->flow_mods, c->barriers, c->errors);
	for (size_t i = 0; i < c->n_hosts; i++) {
		const struct ctrl_host *h = c->hosts[i];

		strbuf_printf(sb, "host %#llx %s", (unsigned long long)h->dpid, host_state(h));
		if (h->sess)
			strbuf_printf(sb, " %s up %llus", vsx_ofconn_peer(h->sess->conn),
				      (now - h->up_since_ms) / 1000);
		else
			strbuf_printf(sb, " for %llus", (now - h->down_since_ms) / 1000);
		if (h->have_info)
			strbuf_printf(sb, " cores=%u rxq=%u xdp=%s uplink=%s caps=%#x", h->info.n_cores,
				      h->info.n_rx_queues, xdp_name(h->info.xdp_mode), h->info.uplink,
				      h->info.caps);
		strbuf_printf(sb, " vms=%zu rules=%zu connects=%u errors=%llu%s%s\n", host_vms(c, h),
			      h->inst.n, h->connects, h->errors, h->last_error[0] ? " last: " : "",
			      h->last_error);
	}
	for (size_t i = 0; i < c->n_vms; i++) {
		const struct ctrl_vm *vm = c->vms[i];
		char pol[700], cpus[256], mac[24];

		ctrl_policy_settings_text(&vm->pol, pol, sizeof(pol));
		cpus_text(vm->info.cpus, cpus, sizeof(cpus));
		mac_text(vm->info.hw_addr, mac, sizeof(mac));
		strbuf_printf(sb, "vm %s host=%#llx vm_id=%u vni=%u tenant=%s mac=%s pinned=%s %s",
			      vm->name, (unsigned long long)vm->host->dpid, vm->info.vm_id,
			      vm->info.vni, vm->tenant[0] ? vm->tenant : "-", mac,
			      cpus[0] ? cpus : "-", pol);
		if (vm->core >= 0)
			strbuf_printf(sb, " core=%d", vm->core);
		strbuf_puts(sb, "\n");
		strbuf_printf(sb, "  steer: %s\n", vm->steer.valid ? vm->steer.text : vm->steer.why);
		strbuf_printf(sb, "  fcf:   %s\n", vm->fcf.valid ? vm->fcf.text : vm->fcf.why);
	}
	for (unsigned long long id = c->next_change > CTRL_CHANGES ? c->next_change - CTRL_CHANGES + 1
								    : 1;
	     id <= c->next_change; id++) {
		const struct ctrl_change *ch = &c->changes[id % CTRL_CHANGES];

		if (ch->id != id || !ch->hosts)
			continue;
		if (ch->done_us)
			strbuf_printf(sb, "change %llu: %s: %u host%s in %.3f ms%s\n", id, ch->what,
				      ch->hosts, ch->hosts == 1 ? "" : "s",
				      (double)(ch->done_us - ch->t0_us) / 1000.0,
				      ch->failed ? " (some failed)" : "");
		else
			strbuf_printf(sb, "change %llu: %s: %u of %u hosts pending\n", id, ch->what,
				      ch->outstanding, ch->hosts);
	}
}

static void show_json(const struct ctrl *c, struct strbuf *sb)
{
	unsigned long long now = vsx_loop_now_ms();
	struct json j;
	char buf[700];

	json_init(&j, sb);
	json_obj_begin(&j);
	json_kv_str(&j, "policy", c->policy_path ? c->policy_path : "");
	json_kv_str(&j, "policy_error", c->policy_error);
	json_kv_u64(&j, "flow_mods", c->flow_mods);
	json_kv_u64(&j, "barriers", c->barriers);
	json_kv_u64(&j, "errors", c->errors);
	json_kv_u64(&j, "vm_events", c->vm_events);
	json_kv_bool(&j, "resync_grace_over", c->grace_over);
	json_kv_u64(&j, "stale_rules_kept", c->stale_kept);
	json_key(&j, "hosts");
	json_arr_begin(&j);
	for (size_t i = 0; i < c->n_hosts; i++) {
		const struct ctrl_host *h = c->hosts[i];

		json_obj_begin(&j);
		snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)h->dpid);
		json_kv_str(&j, "dpid", buf);
		json_kv_str(&j, "state", host_state(h));
		json_kv_str(&j, "peer", h->sess ? vsx_ofconn_peer(h->sess->conn) : "");
		json_kv_u64(&j, "for_s", (now - (h->sess ? h->up_since_ms : h->down_since_ms)) / 1000);
		json_kv_bool(&j, "have_info", h->have_info);
		json_kv_u64(&j, "cores", h->info.n_cores);
		json_kv_u64(&j, "rx_queues", h->info.n_rx_queues);
		json_kv_str(&j, "xdp_mode", xdp_name(h->info.xdp_mode));
		json_kv_str(&j, "uplink", h->info.uplink);
		json_kv_u64(&j, "caps", h->info.caps);
		json_kv_u64(&j, "ports", h->n_ports);
		json_kv_u64(&j, "vms", host_vms(c, h));
		json_kv_u64(&j, "rules", h->inst.n);
		json_kv_u64(&j, "connects", h->connects);
		json_kv_u64(&j, "errors", h->errors);
		json_kv_str(&j, "last_error", h->last_error);
		json_key(&j, "core_use");
		json_arr_begin(&j);
		for (unsigned int k = 0; k < h->info.n_cores && k < CTRL_MAX_CORES; k++)
			json_u64(&j, h->core_use[k]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "vms");
	json_arr_begin(&j);
	for (size_t i = 0; i < c->n_vms; i++) {
		const struct ctrl_vm *vm = c->vms[i];

		json_obj_begin(&j);
		json_kv_str(&j, "name", vm->name);
		snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)vm->host->dpid);
		json_kv_str(&j, "host", buf);
		json_kv_u64(&j, "vm_id", vm->info.vm_id);
		json_kv_u64(&j, "vni", vm->info.vni);
		json_kv_str(&j, "tenant", vm->tenant);
		mac_text(vm->info.hw_addr, buf, sizeof(buf));
		json_kv_str(&j, "mac", buf);
		cpus_text(vm->info.cpus, buf, sizeof(buf));
		json_kv_str(&j, "pinned", buf);
		json_kv_bool(&j, "priority", vm->pol.priority);
		json_kv_str(&j, "steer", vm->pol.steer == CTRL_STEER_VMID ? "vmid" : "none");
		ctrl_policy_settings_text(&vm->pol, buf, sizeof(buf));
		json_kv_str(&j, "policy", buf);
		json_kv_i64(&j, "core", vm->core);
		json_kv_str(&j, "steer_rule", vm->steer.valid ? vm->steer.text : "");
		json_kv_str(&j, "steer_why", vm->steer.why);
		json_kv_str(&j, "fcf_rule", vm->fcf.valid ? vm->fcf.text : "");
		json_kv_str(&j, "fcf_why", vm->fcf.why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "changes");
	json_arr_begin(&j);
	for (unsigned long long id = c->next_change > CTRL_CHANGES ? c->next_change - CTRL_CHANGES + 1
								    : 1;
	     id <= c->next_change; id++) {
		const struct ctrl_change *ch = &c->changes[id % CTRL_CHANGES];

		if (ch->id != id)
			continue;
		json_obj_begin(&j);
		json_kv_u64(&j, "id", id);
		json_kv_str(&j, "what", ch->what);
		json_kv_u64(&j, "hosts", ch->hosts);
		json_kv_u64(&j, "outstanding", ch->outstanding);
		json_kv_u64(&j, "failed", ch->failed);
		json_key(&j, "converge_ms"); /* null while outstanding or when nothing was sent */
		if (ch->done_us)
			json_double(&j, (double)(ch->done_us - ch->t0_us) / 1000.0);
		else
			json_null(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	strbuf_puts(sb, "\n");
}

void ctrl_show(const struct ctrl *c, bool json, struct strbuf *sb)
{
	if (json)
		show_json(c, sb);
	else
		show_text(c, sb);
}
