// SPDX-License-Identifier: MIT
/*
 * vsxd's metrics rendering (vsxd/metrics_render.c) on synthetic query results: the values
 * land in the right series, duplicate flow keys are merged into one series, a part that
 * could not be read is left out and flagged, and promtool (Debian's prometheus package,
 * scripts/install-deps) accepts the output, lint included.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../vsxd/metrics.h"
#include <vsx/version.h>

struct fixture {
	struct vsxd_metrics_data m;
	struct vsxd_q_stats stats;
	struct vsxd_q_cores cores;
	struct vsxd_q_rule rules[2];
	struct vsxd_q_flow flows[3];
	struct vsxd_q_mflow mflows[2];
	struct vsxd_q_port ports[2];
};

static struct vsx_flow_key udp_key(__u16 sport)
{
	struct vsx_flow_key k = {0};

	k.flags = VSX_KEY_TUNNEL;
	k.vni = htonl(101);
	k.outer_src[0] = htonl(0x0a000001);
	k.outer_dst[0] = htonl(0x0a000002);
	k.dl_type = htons(0x0800);
	k.nw_proto = 17;
	k.nw_src[0] = htonl(0xc0a80001);
	k.nw_dst[0] = htonl(0xc0a80002);
	k.tp_src = htons(sport);
	k.tp_dst = htons(5201);
	return k;
}

static void fill(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->m.show.uplink = "uplink";
	f->m.show.mode = VSX_MODE_VSX;
	f->m.show.rules_ingress = 2;
	f->m.stats_ok = f->m.rules_ok = f->m.flows_ok = true;
	f->m.stats = &f->stats;
	f->m.cores = &f->cores;
	f->m.scrapes = 7;
	for (int i = 0; i < VSX_STAT_COUNT; i++)
		f->stats.v[i] = 1000 + (__u64)i;
	f->stats.path[VSX_PATH_NORMAL] = (struct vsx_counter){.packets = 900, .bytes = 90000};
	f->stats.path[VSX_PATH_OFFLOAD] = (struct vsx_counter){.packets = 100, .bytes = 15000};
	f->stats.cpumap_available = true;
	f->stats.n_cpumap = 1;
	f->stats.cpumap[0].core = 1;
	f->stats.cpumap[0].c.enqueued = 555;
	f->cores.n = 2;
	f->cores.moves = 3;
	f->cores.samples = 42;
	f->cores.cores[0] = (struct vsxd_q_core){
	    .core = 0, .online = true, .pinned = true, .pinned_vm = 4, .load = 37, .packets = 10};
	f->cores.cores[1] = (struct vsxd_q_core){.core = 1,
						 .online = true,
						 .load = 5,
						 .auto_rules = 1,
						 .packets = 18446744073709551615ull,
						 .moved_in = 3};
	f->rules[0] = (struct vsxd_q_rule){
	    .id = 1, .dir = VSX_DIR_INGRESS, .is_auto = true, .has_state = true, .packets = 77};
	f->rules[1] = (struct vsxd_q_rule){.id = 2,
					   .dir = VSX_DIR_INGRESS,
					   .is_auto = true,
					   .has_state = true,
					   .decided = true,
					   .decided_core = 1,
					   .bytes = 99};
	f->m.rules.n = 2;
	f->m.rules.v = f->rules;
	/* Two slots with the same key (a merged series) and another flow. */
	f->flows[0] =
	    (struct vsxd_q_flow){.key = udp_key(40000), .core = 1, .packets = 5, .bytes = 500};
	f->flows[1] =
	    (struct vsxd_q_flow){.key = udp_key(40001), .stay = true, .packets = 1, .bytes = 64};
	f->flows[2] =
	    (struct vsxd_q_flow){.key = udp_key(40000), .core = 1, .packets = 2, .bytes = 200};
	f->m.offload_ok = f->m.mflows_ok = true;
	f->m.offload.s.enabled = true;
	f->m.offload.s.fm.capacity = 64;
	f->m.offload.s.fm.flows = 2;
	f->m.offload.s.fm.offloaded = 1;
	f->m.offload.s.fm.promotions[VSX_FM_P_THRESHOLD] = 3;
	f->m.offload.s.fm.demotions[VSX_FM_D_BELOW] = 2;
	f->m.offload.s.fm.normal_by_reason[VSX_FM_R_BELOW_THRESHOLD] = 1;
	f->ports[0] = (struct vsxd_q_port){.vm = "vm1", .port = 1, .usable = true};
	f->ports[1] = (struct vsxd_q_port){.vm = "vm2", .port = 2, .err = -EOPNOTSUPP};
	f->m.offload.ports = f->ports;
	f->m.offload.n_ports = 2;
	f->mflows[0] = (struct vsxd_q_mflow){.text = "vni=101,udp,10.1.1.1:40000->10.1.2.1:5201",
					     .offloaded = true,
					     .packets = 1000,
					     .path_packets = {100, 900},
					     .path_bytes = {14000, 126000},
					     .pps = 7000.5,
					     .bps = 80e6,
					     .moves = 1};
	f->mflows[1] = (struct vsxd_q_mflow){.text = "vni=101,tcp,10.1.1.1:40001->10.1.2.1:80",
					     .reason = VSX_FM_R_BELOW_THRESHOLD,
					     .path_packets = {5, 0}};
	f->m.mflows.v = f->mflows;
	f->m.mflows.shown = 2;
	f->m.flows.live = 3;
	f->m.flows.shown = 3;
	f->m.flows.v = f->flows;
}

static void assert_line(const char *text, const char *line)
{
	char *want = malloc(strlen(line) + 3);
	char *padded = malloc(strlen(text) + 2);

	assert_non_null(want);
	assert_non_null(padded);
	sprintf(want, "\n%s\n", line);
	sprintf(padded, "\n%s", text);
	if (!strstr(padded, want))
		fail_msg("no line \"%s\" in:\n%s", line, text);
	free(want);
	free(padded);
}

/* promtool check metrics on text: its exit status (-1: promtool not found). */
static int promtool(const char *text)
{
	char path[] = "/tmp/vsx-test-metrics-XXXXXX", cmd[256];
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		return -1;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s", path);
	rc = system(cmd);
	unlink(path);
	return rc;
}

static void test_render(void **state)
{
	struct fixture f;
	struct strbuf out;
	char key[256];

	fill(&f);
	strbuf_init(&out);
	assert_int_equal(vsxd_metrics_render(&f.m, &out), 0);
	assert_non_null(out.buf);
	assert_line(out.buf,
		    "vsx_info{version=\"" VSX_VERSION "\",uplink=\"uplink\",mode=\"vsx\"} 1");
	assert_line(out.buf, "vsx_metrics_scrapes_total 7");
	assert_line(out.buf, "vsx_datapath_packets_total{counter=\"rx\"} 1000");
	assert_line(out.buf, "vsx_datapath_packets_total{counter=\"offload_hit\"} 1016");
	assert_line(out.buf, "vsx_path_packets_total{path=\"normal\"} 900");
	assert_line(out.buf, "vsx_path_bytes_total{path=\"offload\"} 15000");
	assert_line(out.buf, "vsx_path_packets_total{path=\"drop\"} 0");
	assert_line(out.buf, "vsx_cpumap_enqueued_total{core=\"1\"} 555");
	assert_line(out.buf, "vsx_core_load_ratio{core=\"0\"} 0.37");
	assert_line(out.buf, "vsx_core_pinned_vm{core=\"0\"} 4");
	assert_line(out.buf, "vsx_core_pinned_vm{core=\"1\"} 0");
	assert_line(out.buf, "vsx_core_packets_total{core=\"1\"} 18446744073709551615");
	assert_line(out.buf, "vsx_core_rule_moves_in_total{core=\"1\"} 3");
	assert_line(out.buf, "vsx_rebalance_rule_moves_total 3");
	assert_line(out.buf, "vsx_load_samples_total 42");
	assert_line(out.buf, "vsx_rules{direction=\"ingress\"} 2");
	assert_line(out.buf, "vsx_rule_packets_total{rule=\"1\",direction=\"ingress\"} 77");
	assert_line(out.buf, "vsx_rule_bytes_total{rule=\"2\",direction=\"ingress\"} 99");
	assert_line(out.buf, "vsx_rule_decided_core{rule=\"1\"} -1");
	assert_line(out.buf, "vsx_rule_decided_core{rule=\"2\"} 1");
	assert_line(out.buf, "vsx_steer_flows 3");
	assert_line(out.buf, "vsx_offload_enabled 1");
	assert_line(out.buf, "vsx_offload_capacity 64");
	assert_line(out.buf, "vsx_offload_flows{path=\"offloaded\"} 1");
	assert_line(out.buf, "vsx_offload_flows{path=\"onloaded\"} 1");
	assert_line(out.buf, "vsx_offload_promotions_total{reason=\"threshold\"} 3");
	assert_line(out.buf, "vsx_offload_promotions_total{reason=\"always\"} 0");
	assert_line(out.buf, "vsx_offload_demotions_total{reason=\"below-threshold\"} 2");
	assert_line(out.buf, "vsx_offload_onloaded_flows{reason=\"below-threshold\"} 1");
	assert_line(out.buf, "vsx_offload_ports{state=\"usable\"} 1");
	assert_line(out.buf, "vsx_offload_ports{state=\"unusable\"} 1");
	assert_line(out.buf,
		    "vsx_flow_packets_total{flow=\"vni=101,udp,10.1.1.1:40000->10.1.2.1:5201\","
		    "path=\"offload\"} 900");
	assert_line(out.buf,
		    "vsx_flow_bytes_total{flow=\"vni=101,udp,10.1.1.1:40000->10.1.2.1:5201\","
		    "path=\"normal\"} 14000");
	assert_line(out.buf,
		    "vsx_flow_offloaded{flow=\"vni=101,tcp,10.1.1.1:40001->10.1.2.1:80\"} 0");
	assert_line(out.buf, "vsx_flow_packets_per_second{flow=\"vni=101,udp,10.1.1.1:40000->"
			     "10.1.2.1:5201\"} 7000.5");
	assert_line(out.buf, "vsx_flow_bytes_per_second{flow=\"vni=101,udp,10.1.1.1:40000->"
			     "10.1.2.1:5201\"} 10000000");
	assert_line(out.buf, "vsx_flow_moves_total{flow=\"vni=101,udp,10.1.1.1:40000->"
			     "10.1.2.1:5201\"} 1");
	snprintf(key, sizeof(key),
		 "vsx_steer_flow_packets_total{flow=\"vni=101,outer=10.0.0.1>10.0.0.2,vm_id=0,"
		 "fcf_prio=0,udp,nw_src=192.168.0.1,nw_dst=192.168.0.2,tp_src=40000,"
		 "tp_dst=5201\"} 7");
	assert_line(out.buf, key);
	assert_line(out.buf, "vsx_steer_flow_bytes_total{flow=\"vni=101,outer=10.0.0.1>10.0.0.2,"
			     "vm_id=0,fcf_prio=0,udp,nw_src=192.168.0.1,nw_dst=192.168.0.2,"
			     "tp_src=40001,tp_dst=5201\"} 64");
	assert_line(out.buf, "vsx_steer_flow_core{flow=\"vni=101,outer=10.0.0.1>10.0.0.2,"
			     "vm_id=0,fcf_prio=0,udp,nw_src=192.168.0.1,nw_dst=192.168.0.2,"
			     "tp_src=40001,tp_dst=5201\"} -1");
	/* the merged key appears once per family */
	const char *first = strstr(out.buf, "tp_src=40000,tp_dst=5201\"} 7");
	assert_non_null(first);
	assert_null(strstr(first + 1, "vsx_steer_flow_packets_total{flow=\"vni=101,outer=10.0.0.1>"
				      "10.0.0.2,vm_id=0,fcf_prio=0,udp,nw_src=192.168.0.1,nw_dst="
				      "192.168.0.2,tp_src=40000"));
	int rc = promtool(out.buf);
	if (rc == -1)
		fprintf(stderr, "# promtool not installed: its check skipped\n");
	else
		assert_int_equal(rc, 0);
	strbuf_free(&out);
}

static void test_part_missing(void **state)
{
	struct fixture f;
	struct strbuf out;

	fill(&f);
	f.m.stats_ok = false;
	f.m.flows_ok = false;
	f.m.offload_ok = false;
	strbuf_init(&out);
	assert_int_equal(vsxd_metrics_render(&f.m, &out), 0);
	assert_line(out.buf, "vsx_metrics_query_ok{part=\"stats\"} 0");
	assert_line(out.buf, "vsx_metrics_query_ok{part=\"rules\"} 1");
	assert_line(out.buf, "vsx_metrics_query_ok{part=\"flows\"} 0");
	/* no zeroes served in place of what could not be read */
	assert_null(strstr(out.buf, "vsx_datapath_packets_total"));
	assert_null(strstr(out.buf, "vsx_path_packets_total"));
	assert_null(strstr(out.buf, "vsx_steer_flow"));
	assert_null(strstr(out.buf, "vsx_offload_"));
	assert_line(out.buf, "vsx_metrics_query_ok{part=\"offload\"} 0");
	assert_non_null(strstr(out.buf, "vsx_flow_packets_total"));
	assert_non_null(strstr(out.buf, "vsx_core_packets_total"));
	int rc = promtool(out.buf);
	if (rc != -1)
		assert_int_equal(rc, 0);
	strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_part_missing),
	};
	return cmocka_run_group_tests_name("vsxd_metrics", tests, NULL, NULL);
}
