// SPDX-License-Identifier: MIT
/* vsxd.conf: defaults, the documented example, every error message, dump -> parse. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char example[] = "# the example of docs/config.md\n"
			      "uplink eth0\n"
			      "vxlan-port 4789\n"
			      "mode vsx\n"
			      "fcf on\n"
			      "threshold 50\n"
			      "sample-interval 100ms\n"
			      "flow-cache-slots 1048576\n"
			      "bpffs /run/vsx/bpf\n"
			      "socket /run/vsx/vsxd.sock\n"
			      "xdp-mode auto\n"
			      "log-level info\n"
			      "vm web1 {\n"
			      "\tvm-id 1\n"
			      "\ttenant 1\n"
			      "\tvni 101\n"
			      "\tcpus 0\n"
			      "\tpriority no\n"
			      "}\n"
			      "vm db1 {\n"
			      "\tvm-id 2\n"
			      "\tvni 102\n"
			      "\tpid-file /run/vm-db1.pid\n"
			      "\tpriority yes\n"
			      "}\n"
			      "rule \"vni=101,vm_id=1 actions=irq:auto\"\n";

/* Parses text, which must fail with exactly message want. */
static void expect_error(const char *text, const char *want)
{
	struct vsxd_conf conf;
	char err[512];
	int r;

	r = vsxd_conf_parse_string(text, "vsxd.conf", &conf, err, sizeof(err));
	if (r != -EINVAL || strcmp(err, want) != 0)
		fail_msg("input:\n%s\nreturned %d, message\n  got:  %s\n  want: %s", text, r, err,
			 want);
	/* a failed parse leaves the defaults: nothing to free, but freeing is harmless */
	assert_null(conf.vms);
	assert_null(conf.rules);
	assert_null(conf.source);
	vsxd_conf_free(&conf);
}

struct err_case {
	const char *text;
	const char *want;
};

static void run_cases(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_error(cases[i].text, cases[i].want);
}

static void parse_ok(const char *text, struct vsxd_conf *conf)
{
	char err[512] = "";
	int r = vsxd_conf_parse_string(text, "vsxd.conf", conf, err, sizeof(err));

	if (r)
		fail_msg("input:\n%s\nreturned %d: %s", text, r, err);
}

/* ---- defaults and the example ---- */

static void test_defaults(void **state)
{
	struct vsxd_conf conf;

	(void)state;
	vsxd_conf_init(&conf);
	assert_string_equal(conf.uplink, "");
	assert_int_equal(conf.vxlan_port, 4789);
	assert_int_equal(conf.mode, VSX_MODE_VSX);
	assert_true(conf.fcf);
	assert_true(conf.egress_fcf);
	assert_true(conf.own_rps);
	assert_true(conf.cpumap_kthread_batch);
	assert_int_equal(conf.threshold, 50);
	assert_int_equal(conf.sample_interval_ms, 100);
	assert_int_equal(conf.decision_load, 10);
	assert_true(conf.rebalance);
	assert_int_equal(conf.rebalance_hold, 3);
	assert_int_equal(conf.rebalance_margin, 20);
	assert_int_equal(conf.rebalance_balance, 5);
	assert_int_equal(conf.rebalance_gap_ms, 15);
	assert_int_equal(conf.flow_cache_slots, 1048576);
	assert_string_equal(conf.bpffs, "/run/vsx/bpf");
	assert_string_equal(conf.socket_path, "/run/vsx/vsxd.sock");
	assert_true(conf.rss_cpus_all);
	assert_int_equal(conf.xdp_mode, VSXD_XDP_AUTO);
	assert_int_equal(conf.log_level, VSX_LOG_INFO);
	assert_int_equal(conf.n_vms, 0);
	assert_int_equal(conf.n_rules, 0);
	vsxd_conf_free(&conf);

	/* a file with only the uplink has the defaults for the rest */
	parse_ok("uplink eth0\n", &conf);
	{
		struct vsxd_conf def;

		vsxd_conf_init(&def);
		strcpy(def.uplink, "eth0");
		assert_true(vsxd_conf_equal(&conf, &def));
	}
	assert_string_equal(conf.source, "vsxd.conf");
	vsxd_conf_free(&conf);
	vsxd_conf_free(&conf); /* idempotent */
}

static void test_example(void **state)
{
	struct vsxd_conf conf;
	const struct vsxd_vm *vm;

	(void)state;
	parse_ok(example, &conf);
	assert_string_equal(conf.uplink, "eth0");
	assert_int_equal(conf.vxlan_port, 4789);
	assert_int_equal(conf.mode, VSX_MODE_VSX);
	assert_true(conf.fcf);
	assert_int_equal(conf.threshold, 50);
	assert_int_equal(conf.sample_interval_ms, 100);
	assert_int_equal(conf.flow_cache_slots, 1u << 20);
	assert_int_equal(conf.xdp_mode, VSXD_XDP_AUTO);
	assert_int_equal(conf.log_level, VSX_LOG_INFO);
	assert_int_equal(conf.n_vms, 2);

	vm = &conf.vms[0];
	assert_string_equal(vm->name, "web1");
	assert_int_equal(vm->line, 13);
	assert_int_equal(vm->vm_id, 1);
	assert_true(vm->has_tenant);
	assert_int_equal(vm->tenant_id, 1);
	assert_string_equal(vm->tenant_name, "");
	assert_true(vm->has_vni);
	assert_int_equal(vm->vni, 101);
	assert_int_equal(vm->pin, VSXD_PIN_CPUS);
	assert_true(vsx_cpuset_has(&vm->cpus, 0));
	assert_false(vsx_cpuset_has(&vm->cpus, 1));
	assert_false(vm->priority);
	assert_string_equal(vm->port, "");

	vm = &conf.vms[1];
	assert_string_equal(vm->name, "db1");
	assert_int_equal(vm->line, 20);
	assert_int_equal(vm->vm_id, 2);
	assert_false(vm->has_tenant);
	assert_int_equal(vm->vni, 102);
	assert_int_equal(vm->pin, VSXD_PIN_PID_FILE);
	assert_string_equal(vm->pid_file, "/run/vm-db1.pid");
	assert_true(vm->priority);

	assert_int_equal(conf.n_rules, 1);
	assert_string_equal(conf.rules[0].text, "vni=101,vm_id=1 actions=irq:auto");
	assert_int_equal(conf.rules[0].line, 26);
	vsxd_conf_free(&conf);
}

/* Every other value form the parser accepts. */
static void test_value_forms(void **state)
{
	struct vsxd_conf conf;

	(void)state;
	parse_ok("  uplink\t\"veth-h1\"   # trailing comment\r\n"
		 "mode rss\n"
		 "fcf off\n"
		 "egress-fcf no\n"
		 "own-rps no\n"
		 "cpumap-kthread normal\n"
		 "threshold 75%\n"
		 "sample-interval 10\n"
		 "decision-load 0\n"
		 "rebalance off\n"
		 "rebalance-hold 100\n"
		 "rebalance-margin 1\n"
		 "rebalance-balance 0\n"
		 "rebalance-gap-ms 1000\n"
		 "flow-cache-slots 16M\n"
		 "rss-cpus 0-3,8,10-11\n"
		 "xdp-mode generic\n"
		 "log-level debug\n"
		 "vxlan-port 8472\n"
		 "bpffs \"/sys/fs/bpf/my vsx\"\n"
		 "socket /tmp/s\n"
		 "vm a{\n"
		 "vm-id 127\n"
		 "tenant blue.team_1\n"
		 "vni 0\n"
		 "port tap0\n"
		 "pid 4194304\n"
		 "priority on\n"
		 "}\n"
		 "vm \"b\" {   # comment\n"
		 "\tvm-id 3\n"
		 "\ttenant 4294967295\n"
		 "\tvni 16777215\n"
		 "\tcpus 255\n"
		 "}\n"
		 "vm c {\n"
		 "\tvm-id 4\n"
		 "}\n"
		 "rule priority=5,vni=7,actions=irq:2\n"
		 "rule \"udp, nw_dst=10.0.0.1\tactions=irq:auto\"  # comment\n",
		 &conf);
	assert_string_equal(conf.uplink, "veth-h1");
	assert_int_equal(conf.mode, VSX_MODE_RSS);
	assert_false(conf.fcf);
	assert_false(conf.egress_fcf);
	assert_false(conf.own_rps);
	assert_false(conf.cpumap_kthread_batch);
	assert_int_equal(conf.threshold, 75);
	assert_int_equal(conf.sample_interval_ms, 10);
	assert_int_equal(conf.decision_load, 0);
	assert_false(conf.rebalance);
	assert_int_equal(conf.rebalance_hold, 100);
	assert_int_equal(conf.rebalance_margin, 1);
	assert_int_equal(conf.rebalance_balance, 0);
	assert_int_equal(conf.rebalance_gap_ms, 1000);
	assert_int_equal(conf.flow_cache_slots, 16u << 20);
	assert_false(conf.rss_cpus_all);
	for (unsigned int c = 0; c < VSX_MAX_CPUS; c++) {
		bool want = c <= 3 || c == 8 || c == 10 || c == 11;

		assert_int_equal(vsx_cpuset_has(&conf.rss_cpus, c), want);
	}
	assert_int_equal(conf.xdp_mode, VSXD_XDP_GENERIC);
	assert_int_equal(conf.log_level, VSX_LOG_DEBUG);
	assert_int_equal(conf.vxlan_port, 8472);
	assert_string_equal(conf.bpffs, "/sys/fs/bpf/my vsx");
	assert_string_equal(conf.socket_path, "/tmp/s");
	assert_int_equal(conf.n_vms, 3);
	assert_int_equal(conf.vms[0].vm_id, 127);
	assert_string_equal(conf.vms[0].tenant_name, "blue.team_1");
	assert_true(conf.vms[0].has_tenant);
	assert_true(conf.vms[0].has_vni);
	assert_int_equal(conf.vms[0].vni, 0);
	assert_string_equal(conf.vms[0].port, "tap0");
	assert_int_equal(conf.vms[0].pin, VSXD_PIN_PID);
	assert_int_equal(conf.vms[0].pid, 4194304);
	assert_true(conf.vms[0].priority);
	assert_string_equal(conf.vms[1].name, "b");
	assert_int_equal(conf.vms[1].tenant_id, 4294967295u);
	assert_int_equal(conf.vms[1].vni, 16777215);
	assert_true(vsx_cpuset_has(&conf.vms[1].cpus, 255));
	assert_int_equal(conf.vms[2].pin, VSXD_PIN_NONE);
	assert_false(conf.vms[2].has_vni);
	assert_false(conf.vms[2].priority);
	assert_int_equal(conf.n_rules, 2);
	assert_string_equal(conf.rules[0].text, "priority=5,vni=7,actions=irq:2");
	assert_string_equal(conf.rules[1].text, "udp, nw_dst=10.0.0.1\tactions=irq:auto");
	assert_int_equal(conf.rules[1].line, 40);
	vsxd_conf_free(&conf);

	/* "1K" and a bare sample interval; "rss-cpus all" after nothing */
	parse_ok("uplink e\nflow-cache-slots 1K\nrss-cpus all\n", &conf);
	assert_int_equal(conf.flow_cache_slots, 1024);
	assert_true(conf.rss_cpus_all);
	vsxd_conf_free(&conf);

	/* no trailing newline, empty lines, comment-only lines */
	parse_ok("\n\n# c\n   \n\t# c2\nuplink e", &conf);
	assert_string_equal(conf.uplink, "e");
	vsxd_conf_free(&conf);
}

/* ---- errors ---- */

static void test_errors_lexical(void **state)
{
	static char long_line[VSXD_CONF_LINE_MAX + 64];
	static char max_line[VSXD_CONF_LINE_MAX + 64];
	static const struct err_case cases[] = {
		{"uplink \"eth0\n", "vsxd.conf:1: unterminated quoted string"},
		{"uplink eth0\nrule \"abc\\", "vsxd.conf:2: unterminated quoted string"},
		{"uplink \"et\\h0\"\n",
		 "vsxd.conf:1: invalid escape '\\h' in quoted string (only \\\" and \\\\)"},
		{"uplink \"et\\\x01h0\"\n", "vsxd.conf:1: invalid character 0x01"},
		{"uplink e\x01th0\n", "vsxd.conf:1: invalid character 0x01"},
		{"uplink \"e\x7fth0\"\n", "vsxd.conf:1: invalid character 0x7f"},
		{"\x1b\n", "vsxd.conf:1: invalid character 0x1b"},
		{"uplink eth0\r\r\n", "vsxd.conf:1: invalid character 0x0d"},
		{"uplink e\"th0\"\n", "vsxd.conf:1: unexpected '\"' inside a word"},
		{"uplink \"eth\"0\n", "vsxd.conf:1: missing space after quoted string"},
		{"uplink a b c d e f g h i j k l m n o p q\n",
		 "vsxd.conf:1: too many words on one line (at most 16)"},
	};

	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));

	/* longest line is fine (a comment), one more is not */
	memset(max_line, ' ', VSXD_CONF_LINE_MAX);
	memcpy(max_line, "uplink e #", 10);
	max_line[VSXD_CONF_LINE_MAX] = '\0';
	{
		struct vsxd_conf conf;

		parse_ok(max_line, &conf);
		vsxd_conf_free(&conf);
	}
	memset(long_line, 0, sizeof(long_line));
	memcpy(long_line, "uplink e\n", 9);
	memset(long_line + 9, '#', VSXD_CONF_LINE_MAX + 1);
	expect_error(long_line, "vsxd.conf:2: line too long (max 1023 characters)");

	/* a NUL byte only reaches the parser through parse_mem */
	{
		static const char buf[] = "uplink eth0\nmode v\0sx\n";
		struct vsxd_conf conf;
		char err[256];

		assert_int_equal(vsxd_conf_parse_mem(buf, sizeof(buf) - 1, "vsxd.conf", &conf, err,
						     sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "vsxd.conf:2: NUL byte in line");
		assert_int_equal(vsxd_conf_parse_mem(buf, 12, NULL, &conf, err, sizeof(err)), 0);
		assert_string_equal(conf.source, "<string>");
		vsxd_conf_free(&conf);
	}

	/* a message longer than the buffer is cut, never overflows */
	{
		struct vsxd_conf conf;
		char err[8];

		memset(err, 'x', sizeof(err));
		assert_int_equal(vsxd_conf_parse_string("bogus", "vsxd.conf", &conf, err, 8),
				 -EINVAL);
		assert_string_equal(err, "vsxd.co");
		assert_int_equal(vsxd_conf_parse_string("bogus", "x", &conf, NULL, 0), -EINVAL);
	}
}

static void test_errors_global(void **state)
{
	static const struct err_case cases[] = {
		{"", "vsxd.conf: 'uplink' is required"},
		{"# only a comment\nmode vsx\n", "vsxd.conf: 'uplink' is required"},
		{"uplink eth0\nbogus 1\n", "vsxd.conf:2: unknown keyword 'bogus'"},
		{"uplink\n", "vsxd.conf:1: uplink: missing value"},
		{"uplink eth0 eth1\n", "vsxd.conf:1: uplink: unexpected 'eth1' after the value"},
		{"uplink {\n", "vsxd.conf:1: uplink: unexpected '{'"},
		{"uplink eth0 {\n", "vsxd.conf:1: uplink: unexpected '{' after the value"},
		{"uplink eth0\n\nuplink eth1\n",
		 "vsxd.conf:3: duplicate 'uplink' (first on line 1)"},
		{"uplink abcdefghijklmnop\n",
		 "vsxd.conf:1: uplink: interface name 'abcdefghijklmnop' too long (max 15 "
		 "characters)"},
		{"uplink a/b\n", "vsxd.conf:1: uplink: invalid interface name 'a/b'"},
		{"uplink eth0:1\n", "vsxd.conf:1: uplink: invalid interface name 'eth0:1'"},
		{"uplink ..\n", "vsxd.conf:1: uplink: invalid interface name '..'"},
		{"uplink \"a b\"\n", "vsxd.conf:1: uplink: invalid interface name 'a b'"},
		{"uplink \"\"\n", "vsxd.conf:1: uplink: empty interface name"},
		{"uplink e\nvxlan-port 0\n", "vsxd.conf:2: vxlan-port 0 out of range 1..65535"},
		{"uplink e\nvxlan-port 65536\n",
		 "vsxd.conf:2: vxlan-port 65536 out of range 1..65535"},
		{"uplink e\nvxlan-port 99999999999999999999999\n",
		 "vsxd.conf:2: vxlan-port 99999999999999999999999 out of range 1..65535"},
		{"uplink e\nvxlan-port 18446744073709551616\n",
		 "vsxd.conf:2: vxlan-port 18446744073709551616 out of range 1..65535"},
		{"uplink e\nvxlan-port 4789x\n", "vsxd.conf:2: vxlan-port: invalid number '4789x'"},
		{"uplink e\nvxlan-port -1\n", "vsxd.conf:2: vxlan-port: invalid number '-1'"},
		{"uplink e\nvxlan-port 0x12b5\n",
		 "vsxd.conf:2: vxlan-port: invalid number '0x12b5'"},
		{"uplink e\nvxlan-port \"\"\n", "vsxd.conf:2: vxlan-port: invalid number ''"},
		{"uplink e\nmode proposal\n",
		 "vsxd.conf:2: mode: expected default, rss or vsx, got 'proposal'"},
		{"uplink e\nfcf maybe\n",
		 "vsxd.conf:2: fcf: expected on or off (yes or no), got 'maybe'"},
		{"uplink e\negress-fcf ON\n",
		 "vsxd.conf:2: egress-fcf: expected on or off (yes or no), got 'ON'"},
		{"uplink e\nown-rps maybe\n",
		 "vsxd.conf:2: own-rps: expected on or off (yes or no), got 'maybe'"},
		{"uplink e\ncpumap-kthread fifo\n",
		 "vsxd.conf:2: cpumap-kthread: expected batch or normal, got 'fifo'"},
		{"uplink e\nthreshold 101\n", "vsxd.conf:2: threshold 101 out of range 0..100"},
		{"uplink e\nthreshold %\n", "vsxd.conf:2: threshold: invalid number '%'"},
		{"uplink e\nthreshold 50%%\n", "vsxd.conf:2: threshold: invalid number '50%%'"},
		{"uplink e\nsample-interval 5ms\n",
		 "vsxd.conf:2: sample-interval 5ms out of range 10..100"},
		{"uplink e\nsample-interval 101\n",
		 "vsxd.conf:2: sample-interval 101 out of range 10..100"},
		{"uplink e\nsample-interval 1s\n",
		 "vsxd.conf:2: sample-interval: invalid number '1s'"},
		{"uplink e\ndecision-load 101\n", "vsxd.conf:2: decision-load 101 out of range 0..100"},
		{"uplink e\ndecision-load 10%\n", "vsxd.conf:2: decision-load: invalid number '10%'"},
		{"uplink e\nrebalance maybe\n",
		 "vsxd.conf:2: rebalance: expected on or off (yes or no), got 'maybe'"},
		{"uplink e\nrebalance-hold 0\n", "vsxd.conf:2: rebalance-hold 0 out of range 1..100"},
		{"uplink e\nrebalance-hold 101\n",
		 "vsxd.conf:2: rebalance-hold 101 out of range 1..100"},
		{"uplink e\nrebalance-margin 0\n",
		 "vsxd.conf:2: rebalance-margin 0 out of range 1..100"},
		{"uplink e\nrebalance-margin 101\n",
		 "vsxd.conf:2: rebalance-margin 101 out of range 1..100"},
		{"uplink e\nrebalance-balance 101\n",
		 "vsxd.conf:2: rebalance-balance 101 out of range 0..100"},
		{"uplink e\nrebalance-balance -1\n",
		 "vsxd.conf:2: rebalance-balance: invalid number '-1'"},
		{"uplink e\nrebalance-gap-ms 0\n",
		 "vsxd.conf:2: rebalance-gap-ms 0 out of range 1..1000"},
		{"uplink e\nrebalance-gap-ms 1001\n",
		 "vsxd.conf:2: rebalance-gap-ms 1001 out of range 1..1000"},
		{"uplink e\nrebalance-gap-ms 15ms\n",
		 "vsxd.conf:2: rebalance-gap-ms: invalid number '15ms'"},
		{"uplink e\nrebalance on\nrebalance off\n",
		 "vsxd.conf:3: duplicate 'rebalance' (first on line 2)"},
		{"uplink e\nsample-interval 100 ms\n",
		 "vsxd.conf:2: sample-interval: unexpected 'ms' after the value"},
		{"uplink e\nflow-cache-slots 512\n",
		 "vsxd.conf:2: flow-cache-slots 512 out of range 1024..16777216"},
		{"uplink e\nflow-cache-slots 32M\n",
		 "vsxd.conf:2: flow-cache-slots 32M out of range 1024..16777216"},
		{"uplink e\nflow-cache-slots 99999999999999999M\n",
		 "vsxd.conf:2: flow-cache-slots 99999999999999999M out of range 1024..16777216"},
		{"uplink e\nflow-cache-slots 3000\n",
		 "vsxd.conf:2: flow-cache-slots 3000 is not a power of two"},
		{"uplink e\nflow-cache-slots M\n",
		 "vsxd.conf:2: flow-cache-slots: invalid number 'M'"},
		{"uplink e\nbpffs run/vsx\n", "vsxd.conf:2: bpffs: path 'run/vsx' is not absolute"},
		{"uplink e\nsocket /run/vsx/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
		 "vsxd.conf:2: socket: path too long (max 107 characters)"},
		{"uplink e\nrss-cpus 0-\n", "vsxd.conf:2: rss-cpus: at 2: expected a CPU number, found the end"},
		{"uplink e\nrss-cpus 0,,1\n", "vsxd.conf:2: rss-cpus: at 2: expected a CPU number, found ','"},
		{"uplink e\nrss-cpus 0,\n", "vsxd.conf:2: rss-cpus: at 2: expected a CPU number, found the end"},
		{"uplink e\nrss-cpus ,0\n", "vsxd.conf:2: rss-cpus: at 0: expected a CPU number, found ','"},
		{"uplink e\nrss-cpus 1a\n", "vsxd.conf:2: rss-cpus: at 1: expected ',' or the end, found 'a'"},
		{"uplink e\nrss-cpus 0-1-2\n", "vsxd.conf:2: rss-cpus: at 3: expected ',' or the end, found '-'"},
		{"uplink e\nrss-cpus \"\"\n", "vsxd.conf:2: rss-cpus: empty CPU list"},
		{"uplink e\nrss-cpus 0-256\n", "vsxd.conf:2: rss-cpus: at 2: CPU 256 out of range 0..255"},
		{"uplink e\nrss-cpus 99999999999999999999999\n",
		 "vsxd.conf:2: rss-cpus: at 0: CPU 99999999999999999999999 out of range 0..255"},
		{"uplink e\nrss-cpus 0,7-3\n",
		 "vsxd.conf:2: rss-cpus: at 2: range 7-3: first CPU above last"},
		{"uplink e\nxdp-mode skb\n",
		 "vsxd.conf:2: xdp-mode: expected native, generic or auto, got 'skb'"},
		{"uplink e\nlog-level loud\n",
		 "vsxd.conf:2: log-level: expected err, warn, info or debug, got 'loud'"},
		{"uplink e\nvm-id 1\n", "vsxd.conf:2: 'vm-id' is only allowed inside a vm block"},
		{"uplink e\ncpus 1\n", "vsxd.conf:2: 'cpus' is only allowed inside a vm block"},
		{"uplink e\n}\n", "vsxd.conf:2: unexpected '}' outside a vm block"},
		{"uplink e\n{\n", "vsxd.conf:2: unexpected '{'"},
		{"uplink e\nrule\n", "vsxd.conf:2: rule: missing rule text"},
		{"uplink e\nrule \"\"\n", "vsxd.conf:2: rule: empty rule"},
		{"uplink e\n\nrule \"foo=1 actions=irq:auto\"\n",
		 "vsxd.conf:3: rule: unknown field \"foo\""},
		{"uplink e\nrule \"vni=1 actions=irq:auto # x\"\n",
		 "vsxd.conf:2: rule: unexpected \"#\" after the action"},
		{"uplink e\nrule {\n", "vsxd.conf:2: rule: unexpected '{'"},
		{"uplink e\nrule vni=1 actions=irq:auto\n",
		 "vsxd.conf:2: rule: unexpected 'actions=irq:auto' after the rule (quote the rule "
		 "text: rule \"vni=101 actions=irq:auto\")"},
	};

	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static void test_errors_vm(void **state)
{
	static const struct err_case cases[] = {
		{"uplink e\nvm web1 {\n\tvm-id 200\n}\n",
		 "vsxd.conf:3: vm \"web1\": vm-id 200 out of range 1..127"},
		{"uplink e\nvm web1 {\n\tvm-id 0\n}\n",
		 "vsxd.conf:3: vm \"web1\": vm-id 0 out of range 1..127"},
		{"uplink e\nvm web1 {\n\tvni 5\n}\n", "vsxd.conf:2: vm \"web1\": vm-id is required"},
		{"uplink e\nvm web1 {\n\tvm-id 1\n", "vsxd.conf:2: vm \"web1\": unterminated block "
						      "(missing '}')"},
		{"uplink e\nvm web1 {\n\tvm-id 1\n\tvm-id 2\n}\n",
		 "vsxd.conf:4: vm \"web1\": duplicate 'vm-id' (first on line 3)"},
		{"uplink e\nvm web1 {\n\tvm-id 1\n}\nvm web1 {\n\tvm-id 2\n}\n",
		 "vsxd.conf:5: vm \"web1\": duplicate vm name (first defined on line 2)"},
		{"uplink e\nvm web1 {\n\tvm-id 1\n}\nvm db1 {\n\tvm-id 1\n}\n",
		 "vsxd.conf:6: vm \"db1\": vm-id 1 already used by vm \"web1\" (line 2)"},
		{"uplink e\nvm a {\nvm b {\n",
		 "vsxd.conf:3: vm \"a\": vm blocks cannot be nested (missing '}'?)"},
		{"uplink e\nvm\n", "vsxd.conf:2: vm: missing name"},
		{"uplink e\nvm {\n", "vsxd.conf:2: vm: missing name"},
		{"uplink e\nvm web1\n", "vsxd.conf:2: vm \"web1\": expected '{' after the name"},
		{"uplink e\nvm web1 \"{\"\n", "vsxd.conf:2: vm \"web1\": expected '{' after the name"},
		{"uplink e\nvm web1 { vm-id 1 }\n",
		 "vsxd.conf:2: vm \"web1\": unexpected 'vm-id' after '{' (one statement per line)"},
		{"uplink e\nvm web1 {\nvm-id 1\n} x\n", "vsxd.conf:4: vm \"web1\": unexpected 'x' "
							"after '}'"},
		{"uplink e\nvm -web {\n",
		 "vsxd.conf:2: vm: invalid name '-web' (letters, digits, '.', '_' and '-', starting "
		 "with a letter or digit)"},
		{"uplink e\nvm \"web 1\" {\n",
		 "vsxd.conf:2: vm: invalid name 'web 1' (letters, digits, '.', '_' and '-', starting "
		 "with a letter or digit)"},
		{"uplink e\nvm "
		 "a123456789012345678901234567890123456789012345678901234567890123 {\n",
		 "vsxd.conf:2: vm: name "
		 "'a123456789012345678901234567890123456789012345678901234567890123' too long (max "
		 "63 characters)"},
		{"uplink e\nvm a {\n\tfoo 1\n}\n", "vsxd.conf:3: vm \"a\": unknown keyword 'foo'"},
		{"uplink e\nvm a {\n\tmode vsx\n}\n",
		 "vsxd.conf:3: vm \"a\": 'mode' is a global keyword, not allowed in a vm block"},
		{"uplink e\nvm a {\n\trule \"x\"\n}\n",
		 "vsxd.conf:3: vm \"a\": 'rule' is a global keyword, not allowed in a vm block"},
		{"uplink e\nvm a {\n\tvm-id\n}\n", "vsxd.conf:3: vm \"a\": vm-id: missing value"},
		{"uplink e\nvm a {\n\tvm-id 1x\n}\n",
		 "vsxd.conf:3: vm \"a\": vm-id: invalid number '1x'"},
		{"uplink e\nvm a {\n\tvm-id 1\n\tcpus 1\n\tpid 100\n}\n",
		 "vsxd.conf:5: vm \"a\": 'pid' and 'cpus' (line 4) are mutually exclusive"},
		{"uplink e\nvm a {\n\tvm-id 1\n\tpid 100\n\tcpus 1\n}\n",
		 "vsxd.conf:5: vm \"a\": 'cpus' and 'pid' (line 4) are mutually exclusive"},
		{"uplink e\nvm a {\n\tvm-id 1\n\tpid-file /run/a.pid\n\tpid 1\n}\n",
		 "vsxd.conf:5: vm \"a\": 'pid' and 'pid-file' (line 4) are mutually exclusive"},
		{"uplink e\nvm a {\n\tvm-id 1\n\tcpus 0\n\tpid-file /run/a.pid\n}\n",
		 "vsxd.conf:5: vm \"a\": 'pid-file' and 'cpus' (line 4) are mutually exclusive"},
		{"uplink e\nvm a {\n\tpid 0\n}\n", "vsxd.conf:3: vm \"a\": pid 0 out of range "
						  "1..4194304"},
		{"uplink e\nvm a {\n\tpid 4194305\n}\n",
		 "vsxd.conf:3: vm \"a\": pid 4194305 out of range 1..4194304"},
		{"uplink e\nvm a {\n\tpid-file a.pid\n}\n",
		 "vsxd.conf:3: vm \"a\": pid-file: path 'a.pid' is not absolute"},
		{"uplink e\nvm a {\n\tvni 16777216\n}\n",
		 "vsxd.conf:3: vm \"a\": vni 16777216 out of range 0..16777215"},
		{"uplink e\nvm a {\n\ttenant 4294967296\n}\n",
		 "vsxd.conf:3: vm \"a\": tenant 4294967296 out of range 0..4294967295"},
		{"uplink e\nvm a {\n\ttenant 12ab\n}\n",
		 "vsxd.conf:3: vm \"a\": tenant: invalid number '12ab'"},
		{"uplink e\nvm a {\n\ttenant _x\n}\n",
		 "vsxd.conf:3: vm \"a\": tenant: invalid name '_x' (letters, digits, '.', '_' and "
		 "'-', starting with a letter or digit)"},
		{"uplink e\nvm a {\n\tcpus 300\n}\n",
		 "vsxd.conf:3: vm \"a\": cpus: at 0: CPU 300 out of range 0..255"},
		{"uplink e\nvm a {\n\tcpus all\n}\n",
		 "vsxd.conf:3: vm \"a\": cpus: at 0: expected a CPU number, found 'a'"},
		{"uplink e\nvm a {\n\tpriority maybe\n}\n",
		 "vsxd.conf:3: vm \"a\": priority: expected on or off (yes or no), got 'maybe'"},
		{"uplink e\nvm a {\n\tport tap0123456789abcdef\n}\n",
		 "vsxd.conf:3: vm \"a\": port: interface name 'tap0123456789abcdef' too long (max "
		 "15 characters)"},
		{"vm a {\n\tvm-id 1\n}\n", "vsxd.conf: 'uplink' is required"},
	};

	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

static char *grow_printf(char *s, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *grow_printf(char *s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(tmp));
	s = realloc(s, *len + (size_t)n + 1);
	assert_non_null(s);
	memcpy(s + *len, tmp, (size_t)n + 1);
	*len += (size_t)n;
	return s;
}

static void test_limits(void **state)
{
	struct vsxd_conf conf;
	char *text = NULL;
	size_t len = 0;
	char want[128];

	(void)state;
	/* VSXD_MAX_VMS blocks are fine; one more is not */
	text = grow_printf(text, &len, "uplink e\n");
	for (int i = 1; i <= VSXD_MAX_VMS; i++)
		text = grow_printf(text, &len, "vm v%d {\n\tvm-id %d\n}\n", i, i);
	parse_ok(text, &conf);
	assert_int_equal(conf.n_vms, VSXD_MAX_VMS);
	assert_int_equal(conf.vms[VSXD_MAX_VMS - 1].vm_id, VSXD_MAX_VMS);
	vsxd_conf_free(&conf);
	text = grow_printf(text, &len, "vm extra {\n");
	snprintf(want, sizeof(want), "vsxd.conf:%d: too many vm blocks (max 127)",
		 2 + 3 * VSXD_MAX_VMS);
	expect_error(text, want);
	free(text);

	/* VSXD_MAX_CONF_RULES rules are fine; one more is not */
	text = NULL;
	len = 0;
	text = grow_printf(text, &len, "uplink e\n");
	for (int i = 0; i < VSXD_MAX_CONF_RULES; i++)
		text = grow_printf(text, &len, "rule \"priority=%d actions=irq:auto\"\n", i);
	parse_ok(text, &conf);
	assert_int_equal(conf.n_rules, VSXD_MAX_CONF_RULES);
	assert_string_equal(conf.rules[VSXD_MAX_CONF_RULES - 1].text,
			    "priority=16382 actions=irq:auto");
	assert_int_equal(conf.rules[VSXD_MAX_CONF_RULES - 1].line, 1 + VSXD_MAX_CONF_RULES);
	vsxd_conf_free(&conf);
	text = grow_printf(text, &len, "rule \"x\"\n");
	snprintf(want, sizeof(want), "vsxd.conf:%d: too many rules (max 16383)",
		 2 + VSXD_MAX_CONF_RULES);
	expect_error(text, want);
	free(text);
}

/* ---- files ---- */

static void test_file(void **state)
{
	char path[] = "/tmp/vsx-test-config-XXXXXX";
	struct vsxd_conf conf;
	char err[512];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, example, strlen(example)), (ssize_t)strlen(example));
	close(fd);
	assert_int_equal(vsxd_conf_parse_file(path, &conf, err, sizeof(err)), 0);
	assert_string_equal(conf.source, path);
	assert_int_equal(conf.n_vms, 2);
	vsxd_conf_free(&conf);

	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "bogus\n", 6), 6);
	close(fd);
	assert_int_equal(vsxd_conf_parse_file(path, &conf, err, sizeof(err)), -EINVAL);
	{
		char want[600];

		snprintf(want, sizeof(want), "%s:27: unknown keyword 'bogus'", path);
		assert_string_equal(err, want);
	}
	unlink(path);

	assert_int_equal(vsxd_conf_parse_file(path, &conf, err, sizeof(err)), -ENOENT);
	{
		char want[600];

		snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
		assert_string_equal(err, want);
	}
	assert_int_equal(vsxd_conf_parse_file("/", &conf, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/: read error: Is a directory");
	vsxd_conf_free(&conf);
}

/* The shipped example must stay valid (tests/run runs from the top of the tree). */
static void test_contrib_example(void **state)
{
	static const char path[] = "contrib/vsxd.conf.example";
	struct vsxd_conf conf;
	char err[512];

	(void)state;
	if (access(path, R_OK)) {
		/* cmocka's skip() prints "not ok ... # SKIP", which tests/run counts as failed */
		print_message("# %s not found (not run from the top of the tree)\n", path);
		return;
	}
	if (vsxd_conf_parse_file(path, &conf, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(conf.uplink, "eth0");
	assert_int_equal(conf.n_vms, 2);
	assert_true(conf.n_rules > 0);
	vsxd_conf_free(&conf);
}


/* ---- OpenFlow and metrics keys ---- */

static const char openflow_conf[] = "uplink eth0\n"
				    "metrics-listen 127.0.0.1:9477\n"
				    "controller tcp:127.0.0.1:6653\n"
				    "controller ssl:[::1]:6653\n"
				    "controller unix:/run/vsx/ctl.sock\n"
				    "openflow-listen ptcp:6634:127.0.0.1\n"
				    "openflow-listen pssl:0\n"
				    "openflow-listen punix:/run/vsx/of.sock\n"
				    "datapath-id 0x00000000000000aB\n"
				    "ssl-private-key /etc/vsx/key.pem\n"
				    "ssl-certificate /etc/vsx/cert.pem\n"
				    "ssl-ca-cert /etc/vsx/ca.pem\n"
				    "openflow-echo-interval 2000ms\n";

static void test_openflow_keys(void **state)
{
	struct vsxd_conf conf;

	(void)state;
	vsxd_conf_init(&conf);
	assert_string_equal(conf.metrics_listen, "");
	assert_int_equal(conf.n_of_controllers, 0);
	assert_int_equal(conf.n_of_listen, 0);
	assert_false(conf.has_datapath_id);
	assert_int_equal(conf.of_echo_ms, 5000);
	assert_string_equal(conf.ssl_key, "");
	vsxd_conf_free(&conf);

	parse_ok(openflow_conf, &conf);
	assert_string_equal(conf.metrics_listen, "127.0.0.1:9477");
	assert_int_equal(conf.n_of_controllers, 3);
	assert_string_equal(conf.of_controllers[0], "tcp:127.0.0.1:6653");
	assert_string_equal(conf.of_controllers[1], "ssl:[::1]:6653");
	assert_string_equal(conf.of_controllers[2], "unix:/run/vsx/ctl.sock");
	assert_int_equal(conf.n_of_listen, 3);
	assert_string_equal(conf.of_listen[0], "ptcp:6634:127.0.0.1");
	assert_string_equal(conf.of_listen[1], "pssl:0");
	assert_string_equal(conf.of_listen[2], "punix:/run/vsx/of.sock");
	assert_true(conf.has_datapath_id);
	assert_int_equal(conf.datapath_id, 0xab);
	assert_string_equal(conf.ssl_key, "/etc/vsx/key.pem");
	assert_string_equal(conf.ssl_cert, "/etc/vsx/cert.pem");
	assert_string_equal(conf.ssl_ca, "/etc/vsx/ca.pem");
	assert_int_equal(conf.of_echo_ms, 2000);
	vsxd_conf_free(&conf);

	parse_ok("uplink e\ndatapath-id ffffffffffffffff\nmetrics-listen [::1]:1\n", &conf);
	assert_int_equal(conf.datapath_id, UINT64_MAX);
	assert_string_equal(conf.metrics_listen, "[::1]:1");
	vsxd_conf_free(&conf);
}

static void test_errors_openflow(void **state)
{
	static const struct err_case cases[] = {
		{"uplink e\ncontroller tcp:1.2.3.4\n",
		 "vsxd.conf:2: controller: 'tcp:1.2.3.4': expected tcp:HOST:PORT (port 1..65535, "
		 "IPv6 in brackets)"},
		{"uplink e\ncontroller tcp:1.2.3.4:0\n",
		 "vsxd.conf:2: controller: 'tcp:1.2.3.4:0': expected tcp:HOST:PORT (port 1..65535, "
		 "IPv6 in brackets)"},
		{"uplink e\ncontroller ssl:[::1:6653\n",
		 "vsxd.conf:2: controller: 'ssl:[::1:6653': expected ssl:HOST:PORT (port 1..65535, "
		 "IPv6 in brackets)"},
		{"uplink e\ncontroller ptcp:6653\n",
		 "vsxd.conf:2: controller: 'ptcp:6653': expected tcp:HOST:PORT, ssl:HOST:PORT or "
		 "unix:PATH"},
		{"uplink e\ncontroller unix:\n",
		 "vsxd.conf:2: controller: 'unix:': socket path empty or too long (max 107 "
		 "characters)"},
		{"uplink e\ncontroller tcp:a:1\ncontroller tcp:a:1\n",
		 "vsxd.conf:3: controller: duplicate target 'tcp:a:1'"},
		{"uplink e\ncontroller tcp:a:1 tcp:b:2\n",
		 "vsxd.conf:2: controller: unexpected 'tcp:b:2' after the value"},
		{"uplink e\nopenflow-listen tcp:a:1\n",
		 "vsxd.conf:2: openflow-listen: 'tcp:a:1': expected ptcp:PORT[:ADDR], "
		 "pssl:PORT[:ADDR] or punix:PATH"},
		{"uplink e\nopenflow-listen ptcp:65536\n",
		 "vsxd.conf:2: openflow-listen: 'ptcp:65536': expected ptcp:PORT[:ADDR] (port "
		 "0..65535, IPv6 in brackets)"},
		{"uplink e\nopenflow-listen ptcp:1:\n",
		 "vsxd.conf:2: openflow-listen: 'ptcp:1:': expected ptcp:PORT[:ADDR] (port "
		 "0..65535, IPv6 in brackets)"},
		{"uplink e\nopenflow-listen ptcp::1\n",
		 "vsxd.conf:2: openflow-listen: 'ptcp::1': expected ptcp:PORT[:ADDR] (port "
		 "0..65535, IPv6 in brackets)"},
		{"uplink e\nopenflow-listen pssl:6653\nssl-private-key /k\nssl-certificate /c\n",
		 "vsxd.conf: 'pssl:6653' needs ssl-private-key, ssl-certificate and ssl-ca-cert"},
		{"uplink e\ncontroller ssl:h:1\n",
		 "vsxd.conf: 'ssl:h:1' needs ssl-private-key, ssl-certificate and ssl-ca-cert"},
		{"uplink e\nssl-ca-cert ca.pem\n", "vsxd.conf:2: ssl-ca-cert: path 'ca.pem' is not absolute"},
		{"uplink e\ndatapath-id 0x\n",
		 "vsxd.conf:2: datapath-id: expected 1 to 16 hex digits, got '0x'"},
		{"uplink e\ndatapath-id 10000000000000000\n",
		 "vsxd.conf:2: datapath-id: expected 1 to 16 hex digits, got '10000000000000000'"},
		{"uplink e\ndatapath-id 12g\n",
		 "vsxd.conf:2: datapath-id: expected 1 to 16 hex digits, got '12g'"},
		{"uplink e\ndatapath-id 1\ndatapath-id 2\n",
		 "vsxd.conf:3: duplicate 'datapath-id' (first on line 2)"},
		{"uplink e\nopenflow-echo-interval 99\n",
		 "vsxd.conf:2: openflow-echo-interval 99 out of range 100..3600000"},
		{"uplink e\nopenflow-echo-interval 1s\n",
		 "vsxd.conf:2: openflow-echo-interval: invalid number '1s'"},
		{"uplink e\nmetrics-listen 9477\n",
		 "vsxd.conf:2: metrics-listen: expected ADDR:PORT (127.0.0.1:9477, [::1]:9477), got "
		 "'9477'"},
		{"uplink e\nmetrics-listen :9477\n",
		 "vsxd.conf:2: metrics-listen: expected ADDR:PORT (127.0.0.1:9477, [::1]:9477), got "
		 "':9477'"},
		{"uplink e\nvm a {\nvm-id 1\ncontroller tcp:a:1\n}\n",
		 "vsxd.conf:4: vm \"a\": 'controller' is a global keyword, not allowed in a vm block"},
	};

	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

/* ---- offload keys ---- */

static const char offload_conf[] = "uplink eth0\n"
				   "offload on\n"
				   "offload-capacity 4\n"
				   "offload-idle-timeout 500ms\n"
				   "offload-demote pps=100 bps=0 for=2s\n" /* before promote: fine */
				   "offload-promote pps=1k bps=0 for=500ms\n"
				   "offload-header \"tcp,tp_dst=22\" never\n"
				   "offload-header priority=100,udp auto\n"
				   "offload-header any always\n"
				   "offload-rate-limit tenant=red rate=1G burst=2ms\n"
				   "offload-rate-limit default pps=100k burst-pkts=64\n"
				   "vm a {\n"
				   "\tvm-id 1\n"
				   "\ttenant red\n"
				   "\tvni 101\n"
				   "\tmac 02:00:00:00:00:0A\n"
				   "\tport veth-a\n"
				   "\trate-limit rate=500M burst=64kB\n"
				   "}\n";

static void test_offload_keys(void **state)
{
	struct vsxd_conf conf;
	const struct vsx_ofl_policy *p = &conf.offload;
	struct vsx_rate_limit l;
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0xa};

	(void)state;
	vsxd_conf_init(&conf);
	assert_false(p->enabled);
	assert_int_equal(p->capacity, VSX_OFL_DEFAULT_CAPACITY);
	assert_int_equal(p->n_headers, 0);
	vsxd_conf_free(&conf);

	parse_ok(offload_conf, &conf);
	assert_true(p->enabled);
	assert_int_equal(p->capacity, 4);
	assert_int_equal(p->idle_timeout_ms, 500);
	assert_int_equal(p->promote.pps, 1000);
	assert_int_equal(p->promote.bps, 0);
	assert_int_equal(p->promote.ms, 500);
	assert_int_equal(p->demote.pps, 100);
	assert_int_equal(p->demote.ms, 2000);
	/* decision order: priority descending, then the order of the file */
	assert_int_equal(p->n_headers, 3);
	assert_int_equal(p->headers[0].action, VSX_OFL_NEVER);
	assert_int_equal(p->headers[1].action, VSX_OFL_ALWAYS);
	assert_int_equal(p->headers[2].action, VSX_OFL_AUTO);
	assert_int_equal(p->headers[2].priority, 100);
	assert_int_equal(p->n_rates, 3);
	assert_int_equal(vsx_ofl_policy_rate(p, "a", "red", &l), VSX_OFL_SCOPE_VM);
	assert_int_equal(l.bits_per_s, 500000000);
	assert_int_equal(l.burst_bytes, 64000);
	assert_int_equal(vsx_ofl_policy_rate(p, "b", "red", &l), VSX_OFL_SCOPE_TENANT);
	assert_int_equal(l.bits_per_s, 1000000000);
	assert_int_equal(l.burst_us, 2000);
	assert_int_equal(vsx_ofl_policy_rate(p, "b", "blue", &l), VSX_OFL_SCOPE_DEFAULT);
	assert_int_equal(l.pkts_per_s, 100000);
	assert_int_equal(l.burst_pkts, 64);
	assert_true(conf.vms[0].has_mac);
	assert_memory_equal(conf.vms[0].mac, mac, 6);
	assert_string_equal(conf.vms[0].port, "veth-a");
	vsxd_conf_free(&conf);
}

static void test_errors_offload(void **state)
{
	static const struct err_case cases[] = {
		{"uplink e\noffload maybe\n", "vsxd.conf:2: offload: expected on or off, got 'maybe'"},
		{"uplink e\noffload-capacity 0\n",
		 "vsxd.conf:2: offload-capacity: capacity 0 out of range 1..65535"},
		{"uplink e\noffload-capacity 65536\n",
		 "vsxd.conf:2: offload-capacity: capacity 65536 out of range 1..65535"},
		{"uplink e\noffload-idle-timeout 10\n",
		 "vsxd.conf:2: offload-idle-timeout: invalid duration '10' (500ms, 10s; 1ms..3600s)"},
		{"uplink e\noffload-promote\n",
		 "vsxd.conf:2: offload-promote: expected pps=N, bps=RATE or for=DUR"},
		{"uplink e\noffload-promote pps=1x\n", "vsxd.conf:2: offload-promote: invalid pps '1x'"},
		{"uplink e\noffload-promote pps=10 fast\n",
		 "vsxd.conf:2: offload-promote: unknown word 'fast' (pps=, bps=, for=)"},
		{"uplink e\noffload-promote pps=10\noffload-promote pps=20\n",
		 "vsxd.conf:3: duplicate 'offload-promote' (first on line 2)"},
		/* hysteresis: checked once the whole file is read, at the demote line */
		{"uplink e\noffload-demote pps=500\noffload-promote pps=500\n",
		 "vsxd.conf:2: offload policy: demote pps=500 must be below promote pps=500 "
		 "(hysteresis)"},
		{"uplink e\noffload-promote pps=0 bps=0\n",
		 "vsxd.conf:2: offload policy: promote: pps and bps both 0 (use header policies to "
		 "decide without statistics)"},
		{"uplink e\noffload-header tcp\n",
		 "vsxd.conf:2: offload-header: expected MATCH always|never|auto"},
		{"uplink e\noffload-header tcp sometimes\n",
		 "vsxd.conf:2: offload-header: expected always, never or auto, got 'sometimes'"},
		{"uplink e\noffload-header tp_dst=80 never\n",
		 "vsxd.conf:2: offload-header: tp_dst: requires nw_proto (tcp, udp, icmp or "
		 "icmp6)"},
		{"uplink e\noffload-header tcp,actions=irq:1 never\n",
		 "vsxd.conf:2: offload-header: 'tcp,actions=irq:1': a header policy has no actions= "
		 "(its decision follows the match)"},
		{"uplink e\noffload-header tcp never\noffload-header tcp always\n",
		 "vsxd.conf:3: offload-header: 'tcp' exists already (header 1)"},
		{"uplink e\noffload-rate-limit vm=x rate=1G\n",
		 "vsxd.conf:2: offload-rate-limit: no vm \"x\" among the vm blocks"},
		{"uplink e\noffload-rate-limit tenant=t rate=1G\n",
		 "vsxd.conf:2: offload-rate-limit: no tenant \"t\" among the vm blocks"},
		{"uplink e\noffload-rate-limit default rate=1G\noffload-rate-limit default pps=1\n",
		 "vsxd.conf:3: offload-rate-limit: default has a limit already"},
		{"uplink e\noffload-rate-limit everyone rate=1G\n",
		 "vsxd.conf:2: offload-rate-limit: expected default, vm=NAME or tenant=NAME, got "
		 "'everyone'"},
		{"uplink e\noffload-rate-limit default rate=fast\n",
		 "vsxd.conf:2: offload-rate-limit: invalid rate 'fast' (bits per second, k/M/G/T "
		 "suffix, at most 10T)"},
		{"uplink e\noffload-rate-limit default burst=1ms\n",
		 "vsxd.conf:2: offload-rate-limit: a burst needs rate= or pps="},
		{"uplink e\noffload-rate-limit default rate=1G burst=1KB\n",
		 "vsxd.conf:2: offload-rate-limit: invalid burst '1KB' (a time: 10ms; or a size: "
		 "1500B, 64kB, 1MB up to 4294MB)"},
		{"uplink e\nvm a {\nvm-id 1\nmac 02:00:00:00:00\n}\n",
		 "vsxd.conf:4: vm \"a\": mac: invalid MAC address '02:00:00:00:00' "
		 "(xx:xx:xx:xx:xx:xx)"},
		{"uplink e\nvm a {\nvm-id 1\nmac 02-00-00-00-00-01\n}\n",
		 "vsxd.conf:4: vm \"a\": mac: invalid MAC address '02-00-00-00-00-01' "
		 "(xx:xx:xx:xx:xx:xx)"},
		{"uplink e\nvm a {\nvm-id 1\nmac 01:00:5e:00:00:01\n}\n",
		 "vsxd.conf:4: vm \"a\": mac: '01:00:5e:00:00:01' is not a unicast address"},
		{"uplink e\nvm a {\nvm-id 1\nmac 00:00:00:00:00:00\n}\n",
		 "vsxd.conf:4: vm \"a\": mac: '00:00:00:00:00:00' is not a unicast address"},
		{"uplink e\nvm a {\nvm-id 1\nrate-limit rate=1G\nrate-limit rate=2G\n}\n",
		 "vsxd.conf:5: vm \"a\": duplicate 'rate-limit' (first on line 4)"},
		{"uplink e\nvm a {\nvm-id 1\nrate-limit vm=b rate=1G\n}\n",
		 "vsxd.conf:4: vm \"a\": rate-limit: unknown word 'vm=b' (rate=, pps=, burst=, "
		 "burst-pkts=)"},
		{"uplink e\nvm a {\nvm-id 1\noffload on\n}\n",
		 "vsxd.conf:4: vm \"a\": 'offload' is a global keyword, not allowed in a vm block"},
		{"uplink e\nvm a {\nvm-id 1\nvni 5\nmac 02:00:00:00:00:01\n}\n"
		 "vm b {\nvm-id 2\nvni 5\nmac 02:00:00:00:00:01\n}\n",
		 "vsxd.conf:7: vm \"b\": mac and vni equal to vm \"a\"'s (line 2)"},
		{"uplink e\nmac 02:00:00:00:00:01\n", "vsxd.conf:2: 'mac' is only allowed inside a vm block"},
	};

	(void)state;
	run_cases(cases, ARRAY_SIZE(cases));
}

/* ---- dump ---- */

static char *dump(const struct vsxd_conf *conf)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(vsxd_conf_dump(conf, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void round_trip(const char *text)
{
	struct vsxd_conf a, b;
	char *d1, *d2;

	parse_ok(text, &a);
	d1 = dump(&a);
	parse_ok(d1, &b);
	if (!vsxd_conf_equal(&a, &b))
		fail_msg("round trip changed the configuration:\n%s\n-- dumped as --\n%s", text,
			 d1);
	d2 = dump(&b);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	vsxd_conf_free(&a);
	vsxd_conf_free(&b);
}

static void test_dump(void **state)
{
	struct vsxd_conf conf;
	char *d;

	(void)state;
	parse_ok(example, &conf);
	d = dump(&conf);
	assert_string_equal(d, "uplink eth0\n"
			       "vxlan-port 4789\n"
			       "mode vsx\n"
			       "fcf on\n"
			       "egress-fcf on\n"
			       "own-rps on\n"
			       "cpumap-kthread batch\n"
			       "threshold 50\n"
			       "sample-interval 100ms\n"
			       "decision-load 10\n"
			       "rebalance on\n"
			       "rebalance-hold 3\n"
			       "rebalance-margin 20\n"
			       "rebalance-balance 5\n"
			       "rebalance-gap-ms 15\n"
			       "flow-cache-slots 1048576\n"
			       "bpffs /run/vsx/bpf\n"
			       "socket /run/vsx/vsxd.sock\n"
			       "rss-cpus all\n"
			       "xdp-mode auto\n"
			       "log-level info\n"
			       "# metrics-listen not set\n"
			       "# datapath-id not set\n"
			       "openflow-echo-interval 5000\n"
			       "offload off\n"
			       "offload-capacity 1024\n"
			       "offload-idle-timeout 10s\n"
			       "offload-promote pps=10k bps=100M for=1s\n"
			       "offload-demote pps=2k bps=20M for=3s\n"
			       "\n"
			       "vm web1 {\n"
			       "\tvm-id 1\n"
			       "\ttenant 1\n"
			       "\tvni 101\n"
			       "\tcpus 0\n"
			       "\tpriority no\n"
			       "}\n"
			       "\n"
			       "vm db1 {\n"
			       "\tvm-id 2\n"
			       "\tvni 102\n"
			       "\tpid-file /run/vm-db1.pid\n"
			       "\tpriority yes\n"
			       "}\n"
			       "\n"
			       "rule \"vni=101,vm_id=1 actions=irq:auto\"\n");
	free(d);
	vsxd_conf_free(&conf);

	/* defaults without an uplink: commented out, so the dump says what is missing */
	vsxd_conf_init(&conf);
	d = dump(&conf);
	assert_non_null(strstr(d, "# uplink not set\n"));
	free(d);

	round_trip(example);
	round_trip("uplink e\n");
	round_trip("uplink \"e#{}\"\nbpffs \"/a b/\\\"c\\\\\"\nsocket /x\\y\n"
		   "rss-cpus 0-2,4,6-7,9,200-255\nmode default\nfcf off\negress-fcf off\nown-rps off\n"
		   "cpumap-kthread normal\n"
		   "threshold 0\nsample-interval 10\nflow-cache-slots 16M\nxdp-mode native\n"
		   "decision-load 100\nrebalance no\nrebalance-hold 1\nrebalance-margin 100\n"
		   "rebalance-balance 100\n"
		   "rebalance-gap-ms 1\n"
		   "log-level err\nvxlan-port 1\n"
		   "vm a { \n vm-id 5\n tenant red\n port \"t}p\"\n pid 77\n priority yes\n}\n"
		   "vm b {\n vm-id 6\n tenant 0\n vni 0\n pid-file \"/run/x y.pid\"\n}\n"
		   "vm c {\n vm-id 7\n cpus 1,3,5-6\n}\n"
		   "rule priority=5,vni=7,actions=irq:2\nrule \"\ttcp,tp_dst=80  actions=irq:3\"\n"
		   "rule \"vni=1 actions=set_fcf:5/1\"\n");
	round_trip("uplink e\nlog-level warning\n");
	round_trip(openflow_conf);
	round_trip(offload_conf);
	round_trip("uplink e\noffload-promote bps=1500001 pps=0\noffload-demote pps=0 bps=7\n"
		   "offload-header priority=7,vni=5,dl_dst=02:00:00:00:00:01 always\n"
		   "offload-rate-limit default rate=1 pps=1 burst=1B burst-pkts=1\n");
}

static void test_equal(void **state)
{
	struct vsxd_conf a, b;

	(void)state;
	parse_ok(example, &a);
	parse_ok(example, &b);
	assert_true(vsxd_conf_equal(&a, &b));
	b.vms[1].priority = false;
	assert_false(vsxd_conf_equal(&a, &b));
	b.vms[1].priority = true;
	b.rules[0].line = 99; /* lines do not count */
	assert_true(vsxd_conf_equal(&a, &b));
	b.threshold = 51;
	assert_false(vsxd_conf_equal(&a, &b));
	b.threshold = 50;
	b.decision_load = 0;
	assert_false(vsxd_conf_equal(&a, &b));
	b.decision_load = a.decision_load;
	b.rebalance = false;
	assert_false(vsxd_conf_equal(&a, &b));
	b.rebalance = true;
	b.rebalance_hold = 4;
	assert_false(vsxd_conf_equal(&a, &b));
	b.rebalance_hold = a.rebalance_hold;
	b.rebalance_margin = 21;
	assert_false(vsxd_conf_equal(&a, &b));
	b.rebalance_margin = a.rebalance_margin;
	b.rebalance_balance = 6;
	assert_false(vsxd_conf_equal(&a, &b));
	b.rebalance_balance = a.rebalance_balance;
	b.rebalance_gap_ms = 16;
	assert_false(vsxd_conf_equal(&a, &b));
	b.rebalance_gap_ms = a.rebalance_gap_ms;
	assert_true(vsxd_conf_equal(&a, &b));
	vsx_cpuset_add(&b.vms[0].cpus, 9);
	assert_false(vsxd_conf_equal(&a, &b));
	vsxd_conf_free(&a);
	vsxd_conf_free(&b);

	assert_string_equal(vsxd_mode_name(VSX_MODE_RSS), "rss");
	assert_string_equal(vsxd_mode_name(VSX_MODE_COUNT), "?");
	assert_string_equal(vsxd_xdp_mode_name(VSXD_XDP_NATIVE), "native");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),       cmocka_unit_test(test_example),
		cmocka_unit_test(test_value_forms),    cmocka_unit_test(test_errors_lexical),
		cmocka_unit_test(test_errors_global),  cmocka_unit_test(test_errors_vm),
		cmocka_unit_test(test_limits),	       cmocka_unit_test(test_file),
		cmocka_unit_test(test_contrib_example),
		cmocka_unit_test(test_openflow_keys),  cmocka_unit_test(test_errors_openflow),
		cmocka_unit_test(test_offload_keys),   cmocka_unit_test(test_errors_offload),
		cmocka_unit_test(test_dump),	       cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
