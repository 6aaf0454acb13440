// SPDX-License-Identifier: MIT
/*
 * One scrape's data (metrics.h) in the Prometheus text format. Every family is written whole
 * before the next (the format wants one group per family); counters are the datapath's own
 * (they only go up while the datapath lives), gauges are states. docs/monitoring.md is the
 * list; keep it in step.
 */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_render.h"
#include "prom.h"
#include "rule_text.h"
#include "stat_names.h"
#include <vsx/version.h>

static void render_info(struct prom *p, const struct vsxd_metrics_data *m)
{
	prom_family(p, "vsx_info", PROM_GAUGE,
		    "vsxd's version, uplink and steering mode (always 1).");
	prom_sample_u64(p,
			PROM_LABELS({"version", VSX_VERSION}, {"uplink", m->show.uplink},
				    {"mode", vsxd_mode_label(m->show.mode)}),
			1);
	prom_family(p, "vsx_metrics_scrapes_total", PROM_COUNTER,
		    "Scrapes of this endpoint served before this one.");
	prom_sample_u64(p, PROM_NO_LABELS, m->scrapes);
	prom_family(p, "vsx_metrics_query_ok", PROM_GAUGE,
		    "1 if this part of the scrape could be read; 0: its metrics are left out.");
	prom_sample_u64(p, PROM_LABELS({"part", "stats"}), m->stats_ok);
	prom_sample_u64(p, PROM_LABELS({"part", "rules"}), m->rules_ok);
	prom_sample_u64(p, PROM_LABELS({"part", "flows"}), m->flows_ok);
	prom_sample_u64(p, PROM_LABELS({"part", "offload"}), m->offload_ok);
	prom_sample_u64(p, PROM_LABELS({"part", "offload_flows"}), m->mflows_ok);
}

static void render_stats(struct prom *p, const struct vsxd_q_stats *s)
{
	static const struct {
		const char *name, *help;
	} cpumap[] = {
	    {"vsx_cpumap_enqueue_bulks_total", "cpumap enqueue batches, by target core."},
	    {"vsx_cpumap_enqueued_total", "Frames enqueued to the target core's cpumap queue."},
	    {"vsx_cpumap_enqueue_drops_total", "Frames the cpumap queue of the core dropped."},
	    {"vsx_cpumap_redirect_errors_total", "cpumap redirects that failed, by target core."},
	    {"vsx_cpumap_kthread_batches_total", "Batches the core's cpumap kthread ran."},
	    {"vsx_cpumap_kthread_frames_total", "Frames the core's cpumap kthread processed."},
	    {"vsx_cpumap_kthread_drops_total", "Frames the core's cpumap kthread dropped."},
	    {"vsx_cpumap_kthread_wakeups_total", "Wake-ups of the core's cpumap kthread."},
	};
	_Static_assert(sizeof(cpumap) / sizeof(cpumap[0]) == sizeof(struct vsx_cpumap_stats) / 8,
		       "a metric per cpumap counter");
	char core[16];

	prom_family(p, "vsx_datapath_packets_total", PROM_COUNTER,
		    "The uplink datapath's named counters (vsxctl stats), by counter.");
	for (int i = 0; i < VSX_STAT_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"counter", vsx_stat_names[i]}), s->v[i]);
	prom_family(p, "vsx_path_packets_total", PROM_COUNTER,
		    "Received packets by the path they took (normal, offload, drop); the paths add "
		    "up to the rx counter.");
	for (int i = 0; i < VSX_PATH_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"path", vsx_path_names[i]}), s->path[i].packets);
	prom_family(p, "vsx_path_bytes_total", PROM_COUNTER,
		    "Received bytes (the frame as received on the uplink) by path.");
	for (int i = 0; i < VSX_PATH_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"path", vsx_path_names[i]}), s->path[i].bytes);
	if (!s->cpumap_available)
		return;
	for (size_t k = 0; k < sizeof(cpumap) / sizeof(cpumap[0]); k++) {
		prom_family(p, cpumap[k].name, PROM_COUNTER, cpumap[k].help);
		for (size_t i = 0; i < s->n_cpumap; i++) {
			const __u64 *v = (const __u64 *)&s->cpumap[i].c;

			snprintf(core, sizeof(core), "%u", s->cpumap[i].core);
			prom_sample_u64(p, PROM_LABELS({"core", core}), v[k]);
		}
	}
}

enum core_field {
	CF_ONLINE,
	CF_LOAD,
	CF_PINNED_VM,
	CF_AUTO,
	CF_AUTO_PRIO,
	CF_PACKETS,
	CF_BYTES,
	CF_MOVED_IN,
	CF_MOVED_OUT,
	CF_COUNT
};

static double core_value(const struct vsxd_q_core *c, enum core_field f)
{
	switch (f) {
	case CF_ONLINE:
		return c->online;
	case CF_LOAD:
		return c->load / 100.0;
	case CF_PINNED_VM:
		return c->pinned ? c->pinned_vm : 0;
	case CF_AUTO:
		return c->auto_rules;
	case CF_AUTO_PRIO:
		return c->auto_rules_prio;
	case CF_PACKETS:
		return (double)c->packets;
	case CF_BYTES:
		return (double)c->bytes;
	case CF_MOVED_IN:
		return (double)c->moved_in;
	case CF_MOVED_OUT:
		return (double)c->moved_out;
	default:
		return 0;
	}
}

static void render_cores(struct prom *p, const struct vsxd_q_cores *q)
{
	static const struct {
		const char *name;
		enum prom_type type;
		const char *help;
	} fields[CF_COUNT] = {
	    [CF_ONLINE] = {"vsx_core_online", PROM_GAUGE, "1 if the core is online."},
	    [CF_LOAD] = {"vsx_core_load_ratio", PROM_GAUGE,
			 "The core's load at the last sample (0..1, vsxctl cores' load)."},
	    [CF_PINNED_VM] = {"vsx_core_pinned_vm", PROM_GAUGE,
			      "VM ID of the VM pinned to the core, 0 when none."},
	    [CF_AUTO] = {"vsx_core_auto_rules", PROM_GAUGE,
			 "irq:auto rules whose flows the core currently takes."},
	    [CF_AUTO_PRIO] = {"vsx_core_auto_rules_priority", PROM_GAUGE,
			      "Priority irq:auto rules the core currently takes."},
	    [CF_PACKETS] = {"vsx_core_packets_total", PROM_COUNTER,
			    "Packets the datapath put on the core (steered or left there)."},
	    [CF_BYTES] = {"vsx_core_bytes_total", PROM_COUNTER,
			  "Bytes the datapath put on the core."},
	    [CF_MOVED_IN] = {"vsx_core_rule_moves_in_total", PROM_COUNTER,
			     "Rules the rebalancer moved onto the core."},
	    [CF_MOVED_OUT] = {"vsx_core_rule_moves_out_total", PROM_COUNTER,
			      "Rules the rebalancer moved off the core."},
	};
	char core[16];

	for (int f = 0; f < CF_COUNT; f++) {
		prom_family(p, fields[f].name, fields[f].type, fields[f].help);
		for (size_t i = 0; i < q->n; i++) {
			const struct vsxd_q_core *c = &q->cores[i];

			snprintf(core, sizeof(core), "%u", c->core);
			if (fields[f].type == PROM_COUNTER)
				/* counters as integers: a double loses counts past 2^53 */
				prom_sample_u64(p, PROM_LABELS({"core", core}),
						f == CF_PACKETS	   ? c->packets
						: f == CF_BYTES	   ? c->bytes
						: f == CF_MOVED_IN ? c->moved_in
								   : c->moved_out);
			else
				prom_sample_double(p, PROM_LABELS({"core", core}),
						   core_value(c, (enum core_field)f));
		}
	}
	prom_family(p, "vsx_rebalance_rule_moves_total", PROM_COUNTER,
		    "Rule moves the rebalancer made since vsxd started.");
	prom_sample_u64(p, PROM_NO_LABELS, q->moves);
	prom_family(p, "vsx_load_samples_total", PROM_COUNTER,
		    "Load sampling ticks since vsxd started.");
	prom_sample_u64(p, PROM_NO_LABELS, q->samples);
}

static void render_rules(struct prom *p, const struct vsxd_metrics_data *m)
{
	const struct vsxd_q_rules *q = &m->rules;
	char id[16];

	prom_family(p, "vsx_rules", PROM_GAUGE, "Rules in the table, by direction.");
	prom_sample_u64(p, PROM_LABELS({"direction", "ingress"}), m->show.rules_ingress);
	prom_sample_u64(p, PROM_LABELS({"direction", "egress"}), m->show.rules_egress);
	if (!m->rules_ok)
		return;
	for (int bytes = 0; bytes <= 1; bytes++) {
		prom_family(p, bytes ? "vsx_rule_bytes_total" : "vsx_rule_packets_total",
			    PROM_COUNTER,
			    bytes ? "Bytes that matched the rule (vsxctl dump-rules)."
				  : "Packets that matched the rule (vsxctl dump-rules).");
		for (size_t i = 0; i < q->n; i++) {
			const struct vsxd_q_rule *r = &q->v[i];

			snprintf(id, sizeof(id), "%u", r->id);
			prom_sample_u64(
			    p, PROM_LABELS({"rule", id}, {"direction", vsx_rule_dir_name(r->dir)}),
			    bytes ? r->bytes : r->packets);
		}
	}
	prom_family(p, "vsx_rule_decided_core", PROM_GAUGE,
		    "The core an irq:auto rule's flows go to, -1 while undecided.");
	for (size_t i = 0; i < q->n; i++) {
		const struct vsxd_q_rule *r = &q->v[i];

		if (!r->is_auto || !r->has_state)
			continue;
		snprintf(id, sizeof(id), "%u", r->id);
		prom_sample_double(p, PROM_LABELS({"rule", id}), r->decided ? r->decided_core : -1);
	}
}

/* A flow of the cache under its key text (dump-flows'): merged when two slots hold the same
 * key (a duplicate series would make Prometheus refuse the whole scrape). */
struct flow_row {
	char *key;
	__u64 packets, bytes;
	int core; /* -1: left on the receiving core */
};

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct flow_row *)a)->key, ((const struct flow_row *)b)->key);
}

static int render_flows(struct prom *p, const struct vsxd_q_flows *q)
{
	size_t n = q->shown < VSXD_METRICS_MAX_FLOWS ? q->shown : VSXD_METRICS_MAX_FLOWS, k = 0;
	struct flow_row *rows = calloc(n ? n : 1, sizeof(*rows));
	int err = 0;

	prom_family(p, "vsx_steer_flows", PROM_GAUGE,
		    "Live flows in the steering flow cache (per-flow series: at most 1000).");
	prom_sample_u64(p, PROM_NO_LABELS, q->live);
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;

		strbuf_init(&sb);
		vsxd_render_flow_key(&sb, &q->v[i].key);
		if (sb.oom || !sb.buf) {
			strbuf_free(&sb);
			err = -ENOMEM;
			goto out;
		}
		rows[i] = (struct flow_row){
		    .key = sb.buf,
		    .packets = q->v[i].packets,
		    .bytes = q->v[i].bytes,
		    .core = q->v[i].stay ? -1 : q->v[i].core,
		};
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(rows[k - 1].key, rows[i].key) == 0) {
			rows[k - 1].packets += rows[i].packets;
			rows[k - 1].bytes += rows[i].bytes;
			free(rows[i].key);
			rows[i].key = NULL;
			continue;
		}
		rows[k++] = rows[i];
		if (k - 1 != i)
			rows[i].key = NULL;
	}
	prom_family(p, "vsx_steer_flow_packets_total", PROM_COUNTER,
		    "Packets of a cached flow (vsxctl dump-flows), by flow key.");
	for (size_t i = 0; i < k; i++)
		prom_sample_u64(p, PROM_LABELS({"flow", rows[i].key}), rows[i].packets);
	prom_family(p, "vsx_steer_flow_bytes_total", PROM_COUNTER,
		    "Bytes of a cached flow, by flow key.");
	for (size_t i = 0; i < k; i++)
		prom_sample_u64(p, PROM_LABELS({"flow", rows[i].key}), rows[i].bytes);
	prom_family(
	    p, "vsx_steer_flow_core", PROM_GAUGE,
	    "The core a cached flow is steered to, -1 when it stays on the receiving core.");
	for (size_t i = 0; i < k; i++)
		prom_sample_double(p, PROM_LABELS({"flow", rows[i].key}), rows[i].core);
out:
	for (size_t i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
	return err;
}

static void render_offload(struct prom *p, const struct vsxd_q_offload *q)
{
	const struct vsxd_ofl_stats *s = &q->s;
	const struct vsx_fm_stats *fm = &s->fm;
	size_t usable = 0;

	prom_family(p, "vsx_offload_enabled", PROM_GAUGE, "1 if the offload policy is on.");
	prom_sample_u64(p, PROM_NO_LABELS, s->enabled);
	prom_family(
	    p, "vsx_offload_capacity", PROM_GAUGE,
	    "Flows the fast path may hold (policy capacity, capped by the provider's table).");
	prom_sample_u64(p, PROM_NO_LABELS, fm->capacity);
	prom_family(p, "vsx_offload_flows", PROM_GAUGE,
		    "Flows the flow manager tracks, by path (offloaded, onloaded).");
	prom_sample_u64(p, PROM_LABELS({"path", "offloaded"}), fm->offloaded);
	prom_sample_u64(p, PROM_LABELS({"path", "onloaded"}), fm->flows - fm->offloaded);
	prom_family(p, "vsx_offload_onloaded_flows", PROM_GAUGE,
		    "Flows on the normal path now, by the reason they are not offloaded.");
	for (int i = 1; i < VSX_FM_R_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"reason", vsx_fm_reason_name(i)}),
				fm->normal_by_reason[i]);
	prom_family(p, "vsx_offload_promotions_total", PROM_COUNTER,
		    "Flows moved to the fast path, by reason.");
	for (int i = 0; i < VSX_FM_P_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"reason", vsx_fm_promote_name(i)}),
				fm->promotions[i]);
	prom_family(
	    p, "vsx_offload_demotions_total", PROM_COUNTER,
	    "Flows moved back to the normal path (or expired off the fast path), by reason.");
	for (int i = 0; i < VSX_FM_D_COUNT; i++)
		prom_sample_u64(p, PROM_LABELS({"reason", vsx_fm_demote_name(i)}),
				fm->demotions[i]);
	prom_family(p, "vsx_offload_provider_failures_total", PROM_COUNTER,
		    "Offload provider operations that failed, by operation.");
	prom_sample_u64(p, PROM_LABELS({"op", "put"}), fm->put_fail);
	prom_sample_u64(p, PROM_LABELS({"op", "del"}), fm->del_fail);
	prom_sample_u64(p, PROM_LABELS({"op", "counters"}), fm->counter_fail);
	prom_sample_u64(p, PROM_LABELS({"op", "flow_dump"}), fm->dump_fail);
	prom_family(p, "vsx_offload_untracked_flows_total", PROM_COUNTER,
		    "New flows the flow manager could not track (its table was full).");
	prom_sample_u64(p, PROM_NO_LABELS, fm->untracked);
	prom_family(p, "vsx_offload_expired_flows_total", PROM_COUNTER,
		    "Flows forgotten after the idle timeout.");
	prom_sample_u64(p, PROM_NO_LABELS, fm->expired);
	for (size_t i = 0; i < q->n_ports; i++)
		usable += q->ports[i].usable;
	prom_family(p, "vsx_offload_ports", PROM_GAUGE,
		    "VM ports of the fast path, by whether the provider took them.");
	prom_sample_u64(p, PROM_LABELS({"state", "usable"}), usable);
	prom_sample_u64(p, PROM_LABELS({"state", "unusable"}), q->n_ports - usable);
}

/* Per flow of the flow manager, under its key (unique there), at most
 * VSXD_METRICS_MAX_FLOWS: counters per path (continuous across moves), path, rates. */
static void render_mflows(struct prom *p, const struct vsxd_q_mflows *q)
{
	static const char *const paths[2] = {
	    [VSX_FM_NORMAL] = "normal", [VSX_FM_OFFLOADED] = "offload"};

	for (int bytes = 0; bytes <= 1; bytes++) {
		prom_family(p, bytes ? "vsx_flow_bytes_total" : "vsx_flow_packets_total",
			    PROM_COUNTER,
			    bytes ? "A flow's inner Ethernet frame bytes, by the path that carried "
				    "them (vsxctl dump-flows type=all)."
				  : "A flow's packets, by the path that carried them (vsxctl "
				    "dump-flows type=all).");
		for (size_t i = 0; i < q->shown; i++)
			for (int k = 0; k < 2; k++)
				prom_sample_u64(
				    p, PROM_LABELS({"flow", q->v[i].text}, {"path", paths[k]}),
				    bytes ? q->v[i].path_bytes[k] : q->v[i].path_packets[k]);
	}
	prom_family(p, "vsx_flow_offloaded", PROM_GAUGE,
		    "1 while the flow is on the fast path, 0 on the normal path.");
	for (size_t i = 0; i < q->shown; i++)
		prom_sample_u64(p, PROM_LABELS({"flow", q->v[i].text}), q->v[i].offloaded);
	prom_family(p, "vsx_flow_packets_per_second", PROM_GAUGE,
		    "A flow's packet rate over the flow manager's window.");
	for (size_t i = 0; i < q->shown; i++)
		prom_sample_double(p, PROM_LABELS({"flow", q->v[i].text}), q->v[i].pps);
	prom_family(p, "vsx_flow_bytes_per_second", PROM_GAUGE,
		    "A flow's byte rate over the flow manager's window.");
	for (size_t i = 0; i < q->shown; i++)
		prom_sample_double(p, PROM_LABELS({"flow", q->v[i].text}), q->v[i].bps / 8);
	prom_family(p, "vsx_flow_moves_total", PROM_COUNTER, "Moves of a flow between the paths.");
	for (size_t i = 0; i < q->shown; i++)
		prom_sample_u64(p, PROM_LABELS({"flow", q->v[i].text}), q->v[i].moves);
}

int vsxd_metrics_render(const struct vsxd_metrics_data *m, struct strbuf *out)
{
	struct prom *p = malloc(sizeof(*p)); /* its family table is 2 kB */
	int err = 0;

	if (!p)
		return -ENOMEM;
	prom_init(p, out);
	render_info(p, m);
	if (m->stats_ok)
		render_stats(p, m->stats);
	render_cores(p, m->cores);
	render_rules(p, m);
	if (m->offload_ok)
		render_offload(p, &m->offload);
	if (m->mflows_ok)
		render_mflows(p, &m->mflows);
	if (m->flows_ok)
		err = render_flows(p, &m->flows);
	if (!err)
		err = prom_error(p);
	free(p);
	return err;
}
