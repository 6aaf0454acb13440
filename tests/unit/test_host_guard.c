// SPDX-License-Identifier: MIT
/*
 * lib/host_guard: the facts read under a fake root (sysctls, legacy table lists) and canned
 * `nft -j list ruleset` output (the shapes nft 1.0.6 prints), and the per-port answer.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "host_guard.h"

struct fx {
	char root[64];
};

static void put(const struct fx *x, const char *rel, const char *text)
{
	char path[256], dir[256], *s;

	snprintf(path, sizeof(path), "%s/%s", x->root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (s = dir + strlen(x->root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(dir, 0755);
		*s = '/';
	}
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A host as this machine is: br_netfilter on, rp_filter off, no legacy tables. */
static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	snprintf(x->root, sizeof(x->root), "/tmp/test_host_guard.XXXXXX");
	if (!mkdtemp(x->root))
		return -1;
	put(x, "proc/sys/net/bridge/bridge-nf-call-iptables", "1\n");
	put(x, "proc/sys/net/bridge/bridge-nf-call-ip6tables", "1\n");
	put(x, "proc/sys/net/ipv4/conf/all/rp_filter", "0\n");
	put(x, "proc/sys/net/ipv4/conf/default/rp_filter", "0\n");
	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "0\n");
	put(x, "proc/net/ip_tables_names", "");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->root);
	assert_int_equal(system(cmd), 0);
	free(x);
	return 0;
}

#define META "{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}}"
#define EMPTY "{\"nftables\": [" META "]}"

/* A base chain and one rule in it with the given expressions. */
static char *ruleset(const char *family, const char *hook, const char *policy, const char *expr)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"nftables\": [" META ", {\"table\": {\"family\": \"%s\", \"name\": \"t\", "
		 "\"handle\": 1}}, {\"chain\": {\"family\": \"%s\", \"table\": \"t\", \"name\": "
		 "\"c\", \"handle\": 1, \"type\": \"filter\", \"hook\": \"%s\", \"prio\": 0, "
		 "\"policy\": \"%s\"}}%s%s%s%s%s]}",
		 family, family, hook, policy, expr ? ", {\"rule\": {\"family\": \"" : "",
		 expr ? family : "",
		 expr ? "\", \"table\": \"t\", \"chain\": \"c\", \"handle\": 2, "
			"\"expr\": ["
		      : "",
		 expr ? expr : "", expr ? "]}}" : "");
	return buf;
}

#define DROP_MAC                                                                                   \
	"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ether\", "          \
	"\"field\": \"daddr\"}}, \"right\": \"02:00:00:00:00:01\"}}, {\"counter\": "               \
	"{\"packets\": 0, \"bytes\": 0}}, {\"drop\": null}"
#define ACCEPT_VXLAN                                                                               \
	"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", "            \
	"\"field\": \"dport\"}}, \"right\": 4789}}, {\"counter\": {\"packets\": 0, \"bytes\": "    \
	"0}}, {\"accept\": null}"

static bool answer(struct fx *x, const char *json, char *why, size_t len)
{
	struct vsx_host_facts f;

	vsx_host_guard_read(&f, x->root, "up0");
	vsx_host_guard_nft(&f, json);
	why[0] = 0;
	return vsx_host_guard_port(&f, "vm1", why, len);
}

static void test_clean_host_allowed(void **state)
{
	char why[256];

	assert_true(answer(*state, EMPTY, why, sizeof(why)));
	/* tables and chains without rules, or with rules that only accept, refuse nothing */
	assert_true(answer(*state, ruleset("bridge", "forward", "accept", NULL), why, sizeof(why)));
	assert_true(
	    answer(*state, ruleset("inet", "input", "accept", ACCEPT_VXLAN), why, sizeof(why)));
	/* hooks these frames do not pass: bridge input, arp */
	assert_true(answer(*state, ruleset("bridge", "input", "drop", DROP_MAC), why, sizeof(why)));
	assert_true(answer(*state, ruleset("arp", "input", "drop", NULL), why, sizeof(why)));
}

static void test_bridge_rule_refused(void **state)
{
	char why[256];

	assert_false(
	    answer(*state, ruleset("bridge", "forward", "accept", DROP_MAC), why, sizeof(why)));
	assert_string_equal(why, "bridge netfilter hooks with 1 rules that may drop (first in "
				 "bridge t c) would see these frames");
	assert_false(
	    answer(*state, ruleset("bridge", "prerouting", "drop", NULL), why, sizeof(why)));
	assert_non_null(strstr(why, "bridge netfilter hooks with 1 rules"));
	assert_false(
	    answer(*state, ruleset("bridge", "postrouting", "accept", DROP_MAC), why, sizeof(why)));
}

static void test_forward_needs_br_netfilter(void **state)
{
	struct fx *x = *state;
	char why[256];

	assert_false(answer(x, ruleset("ip", "forward", "accept", DROP_MAC), why, sizeof(why)));
	assert_non_null(strstr(why, "br_netfilter passes bridged IPv4"));
	assert_false(answer(x, ruleset("inet", "forward", "drop", NULL), why, sizeof(why)));
	/* without br_netfilter's call into iptables, bridged frames skip ip forward hooks */
	put(x, "proc/sys/net/bridge/bridge-nf-call-iptables", "0\n");
	assert_true(answer(x, ruleset("ip", "forward", "accept", DROP_MAC), why, sizeof(why)));
	assert_false(answer(x, ruleset("inet", "forward", "drop", NULL), why, sizeof(why)));
	assert_non_null(strstr(why, "bridged IPv6"));
	assert_false(answer(x, ruleset("ip6", "forward", "drop", NULL), why, sizeof(why)));
	put(x, "proc/sys/net/bridge/bridge-nf-call-ip6tables", "0\n");
	assert_true(answer(x, ruleset("inet", "forward", "drop", NULL), why, sizeof(why)));
	/* br_netfilter not loaded at all: no sysctls */
	unlink(strcat(strcpy(why, x->root), "/proc/sys/net/bridge/bridge-nf-call-iptables"));
	assert_true(answer(x, ruleset("ip", "forward", "drop", NULL), why, sizeof(why)));
}

static void test_outer_and_netdev(void **state)
{
	char why[256];

	/* the outer packet's input hook: a rule that drops some sources */
	assert_false(answer(*state, ruleset("ip", "input", "accept", DROP_MAC), why, sizeof(why)));
	assert_non_null(strstr(why, "ip hooks of the outer packet with 1 rules"));
	assert_false(answer(*state, ruleset("inet", "output", "drop", NULL), why, sizeof(why)));
	assert_false(
	    answer(*state, ruleset("netdev", "ingress", "accept", DROP_MAC), why, sizeof(why)));
	assert_non_null(strstr(why, "netdev ingress/egress hooks"));
	assert_false(
	    answer(*state, ruleset("inet", "ingress", "accept", DROP_MAC), why, sizeof(why)));
}

static void test_expressions_that_may_refuse(void **state)
{
	static const char *const exprs[] = {
	    "{\"reject\": null}",
	    "{\"jump\": {\"target\": \"other\"}}",
	    "{\"goto\": {\"target\": \"other\"}}",
	    "{\"queue\": {\"num\": 1}}",
	    "{\"xt\": {\"type\": \"target\", \"name\": \"DROP\"}}", /* iptables-nft */
	    "{\"mangle\": {\"key\": {\"meta\": {\"key\": \"mark\"}}, \"value\": 1}}",
	    "{\"dnat\": {\"addr\": \"10.0.0.1\"}}",
	    "{\"return\": null}",
	    "{\"something-new\": {}}",
	};
	char why[256];

	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		assert_false(answer(*state, ruleset("bridge", "forward", "accept", exprs[i]), why,
				    sizeof(why)));
		assert_non_null(strstr(why, "bridge netfilter hooks with 1 rules"));
	}
	/* a rule without expressions is not known to be harmless */
	assert_false(
	    answer(*state,
		   "{\"nftables\": [{\"chain\": {\"family\": \"bridge\", \"table\": \"t\", "
		   "\"name\": \"c\", \"hook\": \"forward\", \"policy\": \"accept\"}}, "
		   "{\"rule\": {\"family\": \"bridge\", \"table\": \"t\", \"chain\": "
		   "\"c\"}}]}",
		   why, sizeof(why)));
	/* two chains: the count is of rules, the first chain named */
	assert_false(
	    answer(*state,
		   "{\"nftables\": [{\"chain\": {\"family\": \"bridge\", \"table\": \"t\", "
		   "\"name\": \"a\", \"hook\": \"forward\", \"policy\": \"drop\"}}, "
		   "{\"chain\": {\"family\": \"bridge\", \"table\": \"t\", \"name\": \"b\", "
		   "\"hook\": \"prerouting\", \"policy\": \"accept\"}}, {\"rule\": "
		   "{\"family\": \"bridge\", \"table\": \"t\", \"chain\": \"b\", \"expr\": "
		   "[{\"drop\": null}]}}, {\"rule\": {\"family\": \"bridge\", \"table\": "
		   "\"t\", \"chain\": \"b\", \"expr\": [{\"drop\": null}]}}]}",
		   why, sizeof(why)));
	assert_string_equal(why, "bridge netfilter hooks with 3 rules that may drop (first in "
				 "bridge t a) would see these frames");
	/* a rule in a regular chain counts only through the jump that reaches it */
	assert_true(
	    answer(*state,
		   "{\"nftables\": [{\"chain\": {\"family\": \"bridge\", \"table\": \"t\", "
		   "\"name\": \"r\"}}, {\"rule\": {\"family\": \"bridge\", \"table\": \"t\", "
		   "\"chain\": \"r\", \"expr\": [{\"drop\": null}]}}]}",
		   why, sizeof(why)));
}

static void test_bad_ruleset_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"nftables\": {}}",
	    "{\"nftables\": []} x",
	    "{\"nftables\": [{\"chain\": {\"family\": \"bridge\"}}]}",
	    "{\"nftables\": [{\"rule\": {\"family\": 1, \"table\": \"t\", \"chain\": \"c\"}}]}",
	    "{\"nftables\": [\"\\q\"]}",
	    "{\"nftables\": [\"\x01\"]}",
	    "{\"nftables\": [tru]}",
	    "{\"nftables\": [\"a\\",   /* a trailing escape (found by fuzz_host_guard) */
	    "{\"nftables\": [\"\\u12", /* a short \\u escape at the end */
	};
	char why[256], deep[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(answer(*state, bad[i], why, sizeof(why)));
		assert_true(strstr(why, "nftables ruleset is not") || strstr(why, "without"));
	}
	assert_false(answer(*state, NULL, why, sizeof(why)));
	assert_string_equal(why, "the nftables ruleset could not be listed");
	/* nesting beyond the reader's depth is refused, not followed */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	assert_false(answer(*state, deep, why, sizeof(why)));
	/* strings with escapes, numbers, literals are read */
	assert_true(
	    answer(*state,
		   "{\"nftables\": [{\"metainfo\": {\"v\": \"a\\\"\\u00e9\\n\", \"n\": "
		   "-1.5e3, \"t\": true, \"f\": false, \"z\": null, \"a\": [] , \"o\": {}}}]}",
		   why, sizeof(why)));
}

static void test_rp_filter(void **state)
{
	struct fx *x = *state;
	char why[256];

	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "1\n");
	assert_false(answer(x, EMPTY, why, sizeof(why)));
	assert_string_equal(why, "rp_filter strict on the uplink up0 (all=0, up0=1): the fast path "
				 "does not check the outer source's route");
	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "0\n");
	put(x, "proc/sys/net/ipv4/conf/all/rp_filter", "2\n");
	assert_false(answer(x, EMPTY, why, sizeof(why)));
	assert_non_null(strstr(why, "rp_filter loose on the uplink up0 (all=2, up0=0)"));
	/* all=1 with the uplink's 2: the kernel takes the larger (2, loose) */
	put(x, "proc/sys/net/ipv4/conf/all/rp_filter", "1\n");
	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "2\n");
	assert_false(answer(x, EMPTY, why, sizeof(why)));
	assert_non_null(strstr(why, "loose"));
	/* default only applies to devices made later: not the uplink's value */
	put(x, "proc/sys/net/ipv4/conf/all/rp_filter", "0\n");
	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "0\n");
	put(x, "proc/sys/net/ipv4/conf/default/rp_filter", "1\n");
	assert_true(answer(x, EMPTY, why, sizeof(why)));
	/* an unreadable value (no such uplink) is refused */
	put(x, "proc/sys/net/ipv4/conf/up0/rp_filter", "junk\n");
	assert_false(answer(x, EMPTY, why, sizeof(why)));
	assert_string_equal(why, "rp_filter of all/up0 cannot be read");
	{
		struct vsx_host_facts f;

		vsx_host_guard_read(&f, x->root, "../up0");
		vsx_host_guard_nft(&f, EMPTY);
		assert_false(vsx_host_guard_port(&f, "vm1", why, sizeof(why)));
		assert_non_null(strstr(why, "cannot be read"));
	}
}

static void test_legacy_tables(void **state)
{
	struct fx *x = *state;
	char why[256];

	put(x, "proc/net/ip_tables_names", "filter\nnat\n");
	put(x, "proc/net/ip6_tables_names", "filter\n");
	assert_false(answer(x, EMPTY, why, sizeof(why)));
	assert_string_equal(why, "legacy x_tables tables in use (iptables filter, iptables nat, "
				 "ip6tables filter): their rules are not read");
}

/*
 * On the live kernel, in a network namespace of its own (a child process): no tables, rp_filter
 * off: allowed, over the netlink count without nft; with a bridge chain that drops (made with
 * nft when it is installed): refused, through `nft -j list ruleset` and the parser above.
 */
static int live_child(void)
{
	char why[256] = "";
	int r;

	if (unshare(CLONE_NEWNET))
		return 77;
	r = vsx_host_guard_check("lo", "lo", why, sizeof(why));
	if (r) {
		fprintf(stderr, "empty namespace refused: %d %s\n", r, why);
		return 1;
	}
	if (system("command -v nft >/dev/null 2>&1"))
		return 0;
	if (system("nft add table bridge hg && nft add chain bridge hg fw "
		   "'{ type filter hook forward priority 0; policy drop; }'"))
		return 2;
	r = vsx_host_guard_check("lo", "lo", why, sizeof(why));
	if (r != -EPERM || strcmp(why, "bridge netfilter hooks with 1 rules that may drop (first "
				       "in bridge hg fw) would see these frames")) {
		fprintf(stderr, "drop chain: %d %s\n", r, why);
		return 3;
	}
	if (system("nft add chain bridge hg pre '{ type filter hook prerouting priority 0; }' && "
		   "nft add rule bridge hg pre ether type ip counter accept && "
		   "nft delete chain bridge hg fw"))
		return 2;
	r = vsx_host_guard_check("lo", "lo", why, sizeof(why));
	if (r) {
		fprintf(stderr, "accepting rule refused: %d %s\n", r, why);
		return 4;
	}
	return 0;
}

static void test_live(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid())
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(live_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_clean_host_allowed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bridge_rule_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forward_needs_br_netfilter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outer_and_netdev, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expressions_that_may_refuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_ruleset_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rp_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_tables, setup, teardown),
	    cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
