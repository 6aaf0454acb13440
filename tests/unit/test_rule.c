// SPDX-License-Identifier: MIT
/*
 * Rules: parse -> format -> parse round trips for every field, shorthand and action; golden
 * canonical text; the key and mask bits each field sets; every parse and validation error
 * with its message; matching and covering.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rule.h"
#include "vsx/fcf.h"
#include "rule_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void parse_ok(const char *text, struct vsx_rule *r)
{
	char err[256] = "";
	int ret = vsx_rule_parse(text, r, err, sizeof(err));

	if (ret)
		fail_msg("\"%s\" did not parse (%d): %s", text, ret, err);
}

/* text parses, prints as want, and want parses back into the same rule and prints the same. */
static void roundtrip(const char *text, const char *want)
{
	char buf[VSX_RULE_TEXT_MAX], buf2[VSX_RULE_TEXT_MAX];
	struct vsx_rule a, b;
	int n;

	parse_ok(text, &a);
	n = vsx_rule_format(&a, buf, sizeof(buf));
	if (n < 0 || strcmp(buf, want))
		fail_msg("\"%s\"\n  formats as: %s (%d)\n  want:       %s", text, buf, n, want);
	assert_int_equal((size_t)n, strlen(buf));
	parse_ok(buf, &b);
	if (!vsx_rule_equal(&a, &b))
		fail_msg("\"%s\" parses into a different rule than \"%s\"", buf, text);
	vsx_rule_format(&b, buf2, sizeof(buf2));
	assert_string_equal(buf, buf2);
}

static void expect_error(const char *text, const char *want)
{
	struct vsx_rule r, before;
	char err[256] = "";
	int ret;

	memset(&r, 0xa5, sizeof(r));
	before = r;
	ret = vsx_rule_parse(text, &r, err, sizeof(err));
	if (ret != -EINVAL || strcmp(err, want))
		fail_msg("\"%s\"\n  returned %d, message: %s\n  want:    %s", text, ret, err, want);
	/* a failed parse leaves the output alone */
	assert_memory_equal(&r, &before, sizeof(r));
}

static void expect_invalid(const struct vsx_rule *r, const char *want)
{
	char err[256] = "";
	int ret = vsx_rule_validate(r, err, sizeof(err));

	if (ret != -EINVAL || strcmp(err, want))
		fail_msg("validate returned %d, message: %s\n  want: %s", ret, err, want);
}

/* ---- golden canonical text ---- */

static void test_golden(void **state)
{
	static const char *const cases[][2] = {
	    {"actions=irq:1", "actions=irq:1"},
	    {"priority=100,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=irq:3",
	     "priority=100,tcp,nw_dst=10.0.0.1,tp_dst=80 actions=irq:3"},
	    {"udp,tp_dst=4789,nw_src=192.168.0.0/16 actions=irq:auto",
	     "udp,nw_src=192.168.0.0/16,tp_dst=4789 actions=irq:auto"},
	    {"dl_type=0x0800,nw_proto=6 actions=irq:0", "tcp actions=irq:0"},
	    {"dl_type=0x86dd nw_proto=58 actions=irq:0", "icmp6 actions=irq:0"},
	    {"ip,nw_proto=47 actions=irq:0", "ip,nw_proto=47 actions=irq:0"},
	    {"dl_type=0x88cc actions=irq:0", "dl_type=0x88cc actions=irq:0"},
	    {"ipv6,nw_src=2001:db8::/32 actions=irq:2",
	     "ipv6,ipv6_src=2001:db8::/32 actions=irq:2"},
	    {"vni=101,vm_id=1 actions=irq:auto", "vni=101,vm_id=1 actions=irq:auto"},
	    {"tun_id=0x10,fcf_prio=1,outer_src=10.1.0.0/255.255.0.255 actions=irq:5",
	     "vni=16,outer_src=10.1.0.0/255.255.0.255,fcf_prio=1 actions=irq:5"},
	    {"in_port=3,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
	     "actions=set_fcf:5/1",
	     "in_port=3,dl_src=00:11:22:33:44:55,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
	     "actions=set_fcf:5/1"},
	    {"dl_vlan_pcp=5,dl_vlan=10 actions=irq:1", "dl_vlan=10,dl_vlan_pcp=5 actions=irq:1"},
	    {"dl_vlan=0xffff actions=irq:1", "dl_vlan=none actions=irq:1"},
	    {"vlan_tci=0 actions=irq:1", "dl_vlan=none actions=irq:1"},
	    {"vlan_tci=0x1000/0x1000 actions=irq:1", "vlan_tci=0x1000/0x1000 actions=irq:1"},
	    {"vlan_tci=0x1005/0x1fff actions=irq:1", "dl_vlan=5 actions=irq:1"},
	    {"vlan_tci=0x1005/0x100f actions=irq:1", "vlan_tci=0x1005/0x100f actions=irq:1"},
	    {"icmp,icmp_type=8,icmp_code=0 actions=irq:7",
	     "icmp,icmp_type=8,icmp_code=0 actions=irq:7"},
	    {"tcp6,tp_src=0x400/0xfc00 actions=irq:1", "tcp6,tp_src=0x400/0xfc00 actions=irq:1"},
	    {"ip,nw_frag=later actions=irq:2", "ip,nw_frag=later actions=irq:2"},
	    {"tcp,nw_frag=yes,tp_dst=80 actions=irq:1",
	     "tcp,nw_frag=first,tp_dst=80 actions=irq:1"},
	    {"tcp,nw_frag=not_later,tp_dst=80 actions=irq:1", "tcp,tp_dst=80 actions=irq:1"},
	    {"tcp,nw_frag=no,tp_dst=80 actions=irq:1", "tcp,nw_frag=no,tp_dst=80 actions=irq:1"},
	    {"cookie=0x1234,priority=0,arp actions=irq:auto",
	     "cookie=0x1234,priority=0,arp actions=irq:auto"},
	    {"priority=32768,cookie=0 actions=irq:auto", "actions=irq:auto"},
	    {"nw_tos=0xb8/0xfc,ip actions=irq:1", "ip,nw_tos=0xb8/0xfc actions=irq:1"},
	    {"outer_dst=fd00::1,vni=5 actions=irq:1", "vni=5,outer_dst=fd00::1 actions=irq:1"},
	    {"actions= irq:auto", "actions=irq:auto"},
	    {"  tcp ,, tp_dst=22\tactions=irq:-\n", "tcp,tp_dst=22 actions=irq:auto"},
	    {"ipv6_dst=::1/::ffff:0:0:ffff,udp6 actions=irq:1",
	     "udp6,ipv6_dst=::1/::ffff:0:0:ffff actions=irq:1"},
	    {"nw_src=10.1.2.3/8,ip actions=irq:1", "ip,nw_src=10.0.0.0/8 actions=irq:1"},
	    {"udp,tp_dst=0xb/0xf actions=set_fcf:0", "udp,tp_dst=0xb/0xf actions=set_fcf:0"},
	    {"vni=0x5/0xff0 actions=irq:1", "vni=0x0/0xff0 actions=irq:1"},
	    {"action=set_fcf:127/0", "actions=set_fcf:127"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		roundtrip(cases[i][0], cases[i][1]);
}

/* Every field, alias, shorthand and action at least once. */
static void test_roundtrip_each(void **state)
{
	static const char *const texts[] = {
	    "in_port=1 actions=irq:0",
	    "in_port=2147483647 actions=irq:0",
	    "dl_src=0:1:2:3:4:5 actions=irq:0",
	    "dl_dst=aa:BB:cc:DD:ee:FF/ff:ff:ff:00:00:00 actions=irq:0",
	    "dl_vlan=0 actions=irq:0",
	    "dl_vlan=4095 actions=irq:0",
	    "dl_vlan=none actions=irq:0",
	    "dl_vlan_pcp=7 actions=irq:0",
	    "vlan_tci=0xf123/0xffff actions=irq:0",
	    "dl_type=0 actions=irq:0",
	    "dl_type=65535 actions=irq:0",
	    "ip,nw_src=1.2.3.4,nw_dst=5.6.7.0/24 actions=irq:0",
	    "ipv6,ipv6_src=fe80::1/10,ipv6_dst=::ffff:1.2.3.4 actions=irq:0",
	    "ipv6,nw_src=2001:db8::1,nw_dst=2001:db8::/ffff:ffff:: actions=irq:0",
	    "ip,nw_proto=255 actions=irq:0",
	    "ipv6,nw_tos=255 actions=irq:0",
	    "ip,nw_frag=no actions=irq:0",
	    "ip,nw_frag=yes actions=irq:0",
	    "ip,nw_frag=first actions=irq:0",
	    "ipv6,nw_frag=later actions=irq:0",
	    "ip,nw_frag=not_later actions=irq:0",
	    "tcp,tp_src=0,tp_dst=65535 actions=irq:0",
	    "udp,tp_src=53 actions=irq:0",
	    "udp6,tp_dst=0x8000/0x8000 actions=irq:0",
	    "icmp,icmp_type=255 actions=irq:0",
	    "icmp6,icmp_code=4 actions=irq:0",
	    "vni=0 actions=irq:0",
	    "tun_id=16777215 actions=irq:0",
	    "tunnel_id=7 actions=irq:0",
	    "outer_src=192.0.2.1/32,outer_dst=192.0.2.0/25 actions=irq:0",
	    "outer_src=2001:db8::1/64 actions=irq:0",
	    "vm_id=0 actions=irq:0",
	    "vm_id=127,fcf_prio=0 actions=irq:0",
	    "fcf_prio=1 actions=irq:0",
	    "tcp actions=irq:0",
	    "udp actions=irq:0",
	    "icmp actions=irq:0",
	    "sctp actions=irq:0",
	    "tcp6 actions=irq:0",
	    "udp6 actions=irq:0",
	    "icmp6 actions=irq:0",
	    "sctp6 actions=irq:0",
	    "ipv6 actions=irq:0",
	    "arp actions=irq:0",
	    "ip,tcp actions=irq:0",
	    "priority=65535 actions=irq:255",
	    "cookie=18446744073709551615 actions=irq:auto",
	    "actions=set_fcf:1",
	    "actions=set_fcf:0/1",
	    "in_port=lo actions=irq:0",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		char buf[VSX_RULE_TEXT_MAX];
		struct vsx_rule a, b;

		parse_ok(texts[i], &a);
		assert_true(vsx_rule_format(&a, buf, sizeof(buf)) > 0);
		parse_ok(buf, &b);
		if (!vsx_rule_equal(&a, &b))
			fail_msg("\"%s\" -> \"%s\" parses differently", texts[i], buf);
	}
}

/* The bits each field sets, in network order. */
static void test_key_bits(void **state)
{
	struct vsx_rule r;
	__be32 v6[4];

	parse_ok("priority=7,cookie=9,tcp,nw_src=10.0.0.0/8,tp_dst=80 actions=irq:3", &r);
	assert_int_equal(r.id, 0);
	assert_int_equal(r.priority, 7);
	assert_int_equal(r.cookie, 9);
	assert_int_equal(r.key.dl_type, htons(0x0800));
	assert_int_equal(r.mask.dl_type, 0xffff);
	assert_int_equal(r.key.nw_proto, 6);
	assert_int_equal(r.mask.nw_proto, 0xff);
	assert_int_equal(r.key.nw_src[0], htonl(0x0a000000));
	assert_int_equal(r.mask.nw_src[0], htonl(0xff000000));
	assert_int_equal(r.mask.nw_src[1], 0);
	assert_int_equal(r.key.tp_dst, htons(80));
	assert_int_equal(r.mask.tp_dst, 0xffff);
	assert_int_equal(r.mask.tp_src, 0);
	/* ports exclude later fragments */
	assert_int_equal(r.mask.flags, VSX_KEY_LATER_FRAG);
	assert_int_equal(r.key.flags, 0);
	assert_int_equal(r.action.kind, VSX_ACT_IRQ_CORE);
	assert_int_equal(r.action.core, 3);
	assert_int_equal(vsx_rule_direction(&r), VSX_DIR_INGRESS);

	parse_ok("in_port=4,vni=0x123456,vm_id=5,fcf_prio=1 actions=irq:auto", &r);
	assert_int_equal(r.key.in_port, 4);
	assert_int_equal(r.mask.in_port, 0xffffffff);
	assert_int_equal(r.key.vni, htonl(0x123456));
	assert_int_equal(r.mask.vni, htonl(0xffffff));
	assert_int_equal(r.key.fcf, vsx_fcf_encode(5, 1));
	assert_int_equal(r.mask.fcf, 0xff);
	assert_int_equal(r.key.flags, VSX_KEY_TUNNEL);
	assert_int_equal(r.mask.flags, VSX_KEY_TUNNEL);
	assert_int_equal(r.action.kind, VSX_ACT_IRQ_AUTO);

	parse_ok("outer_dst=2001:db8::/32 actions=irq:1", &r);
	inet_pton(AF_INET6, "2001:db8::", v6);
	assert_memory_equal(r.key.outer_dst, v6, 16);
	assert_int_equal(r.mask.outer_dst[0], 0xffffffff);
	assert_int_equal(r.mask.outer_dst[1], 0);
	assert_int_equal(r.key.flags, VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6);
	assert_int_equal(r.mask.flags, VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6);

	parse_ok("outer_src=10.0.0.1 actions=irq:1", &r);
	assert_int_equal(r.key.outer_src[0], htonl(0x0a000001));
	assert_int_equal(r.key.flags, VSX_KEY_TUNNEL);
	assert_int_equal(r.mask.flags, VSX_KEY_TUNNEL | VSX_KEY_OUTER_V6);

	parse_ok("dl_vlan=100,dl_vlan_pcp=3 actions=irq:1", &r);
	assert_int_equal(r.key.dl_vlan_tci, htons(100 | 3 << 13));
	assert_int_equal(r.mask.dl_vlan_tci, htons(0xefff));
	assert_int_equal(r.key.flags, VSX_KEY_VLAN);
	assert_int_equal(r.mask.flags, VSX_KEY_VLAN);

	parse_ok("dl_vlan=none actions=irq:1", &r);
	assert_int_equal(r.key.flags, 0);
	assert_int_equal(r.mask.flags, VSX_KEY_VLAN);
	assert_int_equal(r.mask.dl_vlan_tci, 0);

	parse_ok("icmp6,icmp_type=128,icmp_code=1 actions=irq:1", &r);
	assert_int_equal(r.key.tp_src, htons(128));
	assert_int_equal(r.key.tp_dst, htons(1));
	assert_int_equal(r.mask.tp_src, 0xffff);
	assert_int_equal(r.key.nw_proto, 58);
	assert_int_equal(r.key.dl_type, htons(0x86dd));

	parse_ok("ip,nw_frag=first actions=irq:1", &r);
	assert_int_equal(r.mask.flags, VSX_KEY_FRAG | VSX_KEY_LATER_FRAG);
	assert_int_equal(r.key.flags, VSX_KEY_FRAG);

	parse_ok("nw_tos=0xb9/0xfc,ipv6 actions=irq:1", &r);
	assert_int_equal(r.key.nw_tos, 0xb8); /* the key is stored masked */
	assert_int_equal(r.mask.nw_tos, 0xfc);

	parse_ok("dl_src=01:02:03:04:05:06/ff:00:ff:00:ff:00 actions=set_fcf:9/1", &r);
	assert_memory_equal(r.key.dl_src, "\x01\x00\x03\x00\x05\x00", 6);
	assert_int_equal(r.action.kind, VSX_ACT_SET_FCF);
	assert_int_equal(r.action.fcf, vsx_fcf_encode(9, 1));
	assert_int_equal(vsx_rule_direction(&r), VSX_DIR_EGRESS);
}

/* ---- errors ---- */

static void test_errors_syntax(void **state)
{
	char longer[VSX_RULE_TEXT_MAX + 8];

	expect_error("", "empty rule");
	expect_error("  , ,\t\n", "empty rule");
	expect_error("tcp", "missing \"actions=\"");
	expect_error("tcp actions=", "missing action after \"actions=\"");
	expect_error("tcp actions= ", "missing action after \"actions=\"");
	expect_error("actions", "\"actions\" needs \"=\" and an action");
	expect_error("foo=1 actions=irq:1", "unknown field \"foo\"");
	expect_error("tcpx actions=irq:1", "unknown field \"tcpx\"");
	expect_error("=5 actions=irq:1", "unknown field \"\"");
	expect_error("tcp=1 actions=irq:1", "\"tcp\" takes no value");
	expect_error("nw_src actions=irq:1", "missing value for nw_src");
	expect_error("ip,nw_src= actions=irq:1", "missing value for nw_src");
	expect_error("ip,nw_src=/8 actions=irq:1", "missing value for nw_src");
	expect_error("tcp,tp_dst=80,tp_dst=81 actions=irq:1", "duplicate field \"tp_dst\"");
	expect_error("vni=1,tun_id=2 actions=irq:1",
		     "duplicate field \"tun_id\" (already given as vni)");
	expect_error("ipv6,nw_src=::1,ipv6_src=::2 actions=irq:1",
		     "duplicate field \"ipv6_src\" (already given as nw_src)");
	expect_error("priority=1,priority=1 actions=irq:1", "duplicate field \"priority\"");
	expect_error("tcp,tcp actions=irq:1", "duplicate \"tcp\"");
	expect_error("tcp,udp actions=irq:1", "\"udp\" conflicts with \"tcp\"");
	expect_error("dl_type=0x86dd,tcp actions=irq:1",
		     "\"tcp\" conflicts with \"dl_type=0x86dd\"");
	expect_error("tcp,dl_type=0x86dd actions=irq:1",
		     "\"dl_type=0x86dd\" conflicts with \"tcp\"");
	expect_error("tcp,nw_proto=17 actions=irq:1", "\"nw_proto=17\" conflicts with \"tcp\"");
	expect_error("in_port=1/2 actions=irq:1", "in_port does not take a mask (\"1/2\")");
	expect_error("tcp,tp_dst=80/ actions=irq:1", "missing mask after \"80/\" for tp_dst");
	expect_error("tcp\x01 actions=irq:1", "invalid character 0x01 at offset 3");
	expect_error("tcp actions=irq:1\x7f", "invalid character 0x7f at offset 17");
	expect_error("vm_id=\xc3\xa9 actions=irq:1", "invalid character 0xc3 at offset 6");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	expect_error(longer, "rule too long (more than 1023 characters)");
	longer[VSX_RULE_TEXT_MAX - 1] = '\0'; /* 1023 characters: long, but not too long */
	expect_error(longer, "unknown field \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
}

static void test_errors_values(void **state)
{
	expect_error("ip,nw_tos=300 actions=irq:1", "bad value \"300\" for nw_tos: must be 0..255");
	expect_error("ip,nw_tos=1/0x100 actions=irq:1",
		     "bad mask \"0x100\" for nw_tos: must be 0..255");
	expect_error("priority=65536 actions=irq:1",
		     "bad value \"65536\" for priority: must be 0..65535");
	expect_error("priority=-1 actions=irq:1",
		     "bad value \"-1\" for priority: must be 0..65535");
	expect_error("priority=+1 actions=irq:1",
		     "bad value \"+1\" for priority: must be 0..65535");
	expect_error("priority=0x actions=irq:1",
		     "bad value \"0x\" for priority: must be 0..65535");
	expect_error("cookie=0x1ffffffffffffffff actions=irq:1",
		     "bad value \"0x1ffffffffffffffff\" for cookie: must be a 64-bit number");
	expect_error("cookie=18446744073709551616 actions=irq:1",
		     "bad value \"18446744073709551616\" for cookie: must be a 64-bit number");
	expect_error("in_port=0 actions=irq:1",
		     "bad value \"0\" for in_port: must be an interface index 1..2147483647 or "
		     "name");
	expect_error("in_port=2147483648 actions=irq:1",
		     "bad value \"2147483648\" for in_port: must be an interface index "
		     "1..2147483647 or name");
	expect_error("in_port=nosuchif0 actions=irq:1",
		     "unknown interface \"nosuchif0\" for in_port");
	expect_error("in_port=averyveryverylongname actions=irq:1",
		     "bad value \"averyveryverylongname\" for in_port: must be an interface "
		     "index or name (at most 15 characters)");
	expect_error("dl_src=00:11:22:33:44 actions=irq:1",
		     "bad value \"00:11:22:33:44\" for dl_src: must be a MAC address "
		     "xx:xx:xx:xx:xx:xx");
	expect_error("dl_src=00:11:22:33:44:555 actions=irq:1",
		     "bad value \"00:11:22:33:44:555\" for dl_src: must be a MAC address "
		     "xx:xx:xx:xx:xx:xx");
	expect_error("dl_dst=00:11:22:33:44:55/zz actions=irq:1",
		     "bad mask \"zz\" for dl_dst: must be a MAC address xx:xx:xx:xx:xx:xx");
	expect_error("dl_vlan=4096 actions=irq:1",
		     "bad value \"4096\" for dl_vlan: must be 0..4095, or none (0xffff) for no "
		     "VLAN tag");
	expect_error("dl_vlan_pcp=8 actions=irq:1",
		     "bad value \"8\" for dl_vlan_pcp: must be 0..7");
	expect_error("vlan_tci=0x0005/0x0fff actions=irq:1",
		     "bad mask \"0x0fff\" for vlan_tci: must be a mask including 0x1000 (the "
		     "tag-present bit)");
	expect_error("vlan_tci=0x0005/0x1fff actions=irq:1",
		     "bad value \"0x0005\" for vlan_tci: must be 0 (no tag) or a TCI with 0x1000 "
		     "(tag present)");
	expect_error("dl_type=0x10000 actions=irq:1",
		     "bad value \"0x10000\" for dl_type: must be 0..0xffff");
	expect_error("ip,nw_src=1.2.3 actions=irq:1",
		     "bad value \"1.2.3\" for nw_src: must be an IPv4 or IPv6 address");
	expect_error("ip,nw_src=1.2.3.4/33 actions=irq:1",
		     "bad mask \"33\" for nw_src: must be a prefix length 0..32 or an IPv4 mask");
	expect_error("ipv6,nw_dst=::1/129 actions=irq:1",
		     "bad mask \"129\" for nw_dst: must be a prefix length 0..128 or an IPv6 mask");
	expect_error("ip,nw_dst=1.2.3.4/ffff:: actions=irq:1",
		     "bad mask \"ffff::\" for nw_dst: must be a prefix length 0..32 or an IPv4 "
		     "mask");
	expect_error("ipv6,ipv6_src=1.2.3.4 actions=irq:1",
		     "bad value \"1.2.3.4\" for ipv6_src: must be an IPv6 address");
	expect_error("ip,nw_proto=256 actions=irq:1",
		     "bad value \"256\" for nw_proto: must be 0..255");
	expect_error("ip,nw_frag=maybe actions=irq:1",
		     "bad value \"maybe\" for nw_frag: must be no, yes, first, later or not_later");
	expect_error("tcp,tp_dst=65536 actions=irq:1",
		     "bad value \"65536\" for tp_dst: must be 0..65535");
	expect_error("tcp,tp_dst=80/0x10000 actions=irq:1",
		     "bad mask \"0x10000\" for tp_dst: must be 0..65535");
	expect_error("icmp6,icmp_type=256 actions=irq:1",
		     "bad value \"256\" for icmp_type: must be 0..255");
	expect_error("icmp,icmp_code=1/1 actions=irq:1",
		     "icmp_code does not take a mask (\"1/1\")");
	expect_error("vni=16777216 actions=irq:1",
		     "bad value \"16777216\" for vni: must be 0..16777215");
	expect_error("tun_id=0x1000000 actions=irq:1",
		     "bad value \"0x1000000\" for tun_id: must be 0..16777215");
	expect_error("outer_src=10.0.0.256 actions=irq:1",
		     "bad value \"10.0.0.256\" for outer_src: must be an IPv4 or IPv6 address");
	expect_error("vm_id=128 actions=irq:1", "bad value \"128\" for vm_id: must be 0..127");
	expect_error("fcf_prio=2 actions=irq:1", "bad value \"2\" for fcf_prio: must be 0 or 1");
}

static void test_errors_actions(void **state)
{
	expect_error("actions=irq:256", "bad value \"256\" for irq: must be a core 0..255 or auto");
	expect_error("actions=irq:", "bad value \"\" for irq: must be a core 0..255 or auto");
	expect_error("actions=irq:0x1", "bad value \"0x1\" for irq: must be a core 0..255 or auto");
	expect_error("actions=irq:automatic",
		     "bad value \"automatic\" for irq: must be a core 0..255 or auto");
	expect_error("actions=set_fcf:128",
		     "bad value \"128\" for set_fcf: must be a VM ID 0..127");
	expect_error("actions=set_fcf:", "bad value \"\" for set_fcf: must be a VM ID 0..127");
	expect_error("actions=set_fcf:5/2", "bad priority \"2\" for set_fcf: must be 0 or 1");
	expect_error("actions=set_fcf:5/", "bad priority \"\" for set_fcf: must be 0 or 1");
	expect_error("actions=drop",
		     "unknown action \"drop\" (expected irq:N, irq:auto or set_fcf:VMID[/PRIO])");
	expect_error("actions=IRQ:1",
		     "unknown action \"IRQ:1\" (expected irq:N, irq:auto or set_fcf:VMID[/PRIO])");
	expect_error("actions=irq:1,irq:2", "only one action per rule: unexpected \"irq:2\"");
	expect_error("actions=irq:1 drop", "only one action per rule: unexpected \"drop\"");
	expect_error("actions=irq:1 tcp", "unexpected \"tcp\" after the action");
	expect_error("actions=irq:1,tp_dst=80", "unexpected \"tp_dst=80\" after the action");
	expect_error("actions=irq:1,actions=irq:2",
		     "unexpected \"actions=irq:2\" after the action");
}

static void test_errors_prerequisites(void **state)
{
	expect_error("tp_dst=80 actions=irq:1",
		     "tp_dst: requires nw_proto (tcp, udp, icmp or icmp6)");
	expect_error("ip,tp_src=80 actions=irq:1",
		     "tp_src: requires nw_proto (tcp, udp, icmp or icmp6)");
	expect_error("ip,nw_proto=47,tp_src=80 actions=irq:1",
		     "tp_src: the datapath reads no ports of nw_proto 47 (tcp and udp only; "
		     "icmp_type/code need icmp with ip or icmp6 with ipv6)");
	expect_error("sctp6,tp_dst=9 actions=irq:1",
		     "tp_dst: the datapath reads no ports of nw_proto 132 (tcp and udp only; "
		     "icmp_type/code need icmp with ip or icmp6 with ipv6)");
	expect_error("nw_src=10.0.0.1 actions=irq:1",
		     "nw_src requires dl_type 0x0800 or 0x86dd (ip, ipv6, tcp, ...)");
	expect_error("arp,ipv6_dst=::1 actions=irq:1",
		     "ipv6_dst requires dl_type 0x0800 or 0x86dd (ip, ipv6, tcp, ...)");
	expect_error("nw_proto=6 actions=irq:1",
		     "nw_proto: requires dl_type 0x0800 or 0x86dd (ip or ipv6)");
	expect_error("arp,nw_proto=1 actions=irq:1",
		     "nw_proto: requires dl_type 0x0800 or 0x86dd (ip or ipv6)");
	expect_error("nw_tos=4 actions=irq:1",
		     "nw_tos: requires dl_type 0x0800 or 0x86dd (ip or ipv6)");
	expect_error("nw_frag=no actions=irq:1",
		     "nw_frag: requires dl_type 0x0800 or 0x86dd (ip or ipv6)");
	expect_error("ip,nw_src=::1 actions=irq:1",
		     "nw_src: an IPv6 address needs dl_type=0x86dd (ipv6, tcp6, ...), not 0x0800");
	expect_error("ipv6,nw_dst=1.2.3.4 actions=irq:1",
		     "nw_dst: an IPv4 address needs dl_type=0x0800 (ip, tcp, ...), not 0x86dd");
	expect_error("udp6,nw_dst=1.2.3.4/0 actions=irq:1",
		     "nw_dst: an IPv4 address needs dl_type=0x0800 (ip, tcp, ...), not 0x86dd");
	expect_error("icmp,tp_src=3 actions=irq:1",
		     "tp_src: ICMP has no ports: use icmp_type and icmp_code");
	expect_error("tcp,icmp_type=3 actions=irq:1",
		     "icmp_type requires icmp (IPv4) or icmp6 (IPv6)");
	expect_error("icmp_code=3 actions=irq:1", "icmp_code requires icmp (IPv4) or icmp6 (IPv6)");
	expect_error("ipv6,nw_proto=1,icmp_type=3 actions=irq:1",
		     "icmp_type requires icmp (IPv4) or icmp6 (IPv6)");
	expect_error("icmp,tp_src=1,icmp_type=2 actions=irq:1",
		     "icmp_type cannot be combined with tp_src");
	expect_error("icmp,icmp_code=1,tp_dst=2 actions=irq:1",
		     "tp_dst cannot be combined with icmp_code");
	expect_error(
	    "tcp,nw_frag=later,tp_dst=80 actions=irq:1",
	    "tp_dst cannot match later fragments (nw_frag=later): they carry no L4 header");
	expect_error("icmp,icmp_type=3,nw_frag=later actions=irq:1",
		     "icmp_type cannot match later fragments (nw_frag=later): they carry no L4 "
		     "header");
	expect_error("dl_vlan=none,dl_vlan_pcp=3 actions=irq:1",
		     "dl_vlan_pcp needs a VLAN tag, but dl_vlan=none");
	expect_error("dl_vlan=1,vlan_tci=0x1001 actions=irq:1",
		     "vlan_tci cannot be combined with dl_vlan or dl_vlan_pcp");
	expect_error("vlan_tci=0x1001,dl_vlan_pcp=1 actions=irq:1",
		     "dl_vlan_pcp cannot be combined with vlan_tci");
	expect_error("outer_src=10.0.0.1,outer_dst=fd00::1 actions=irq:1",
		     "outer_dst: address family differs from outer_src");
	expect_error("vm_id=3 actions=set_fcf:4",
		     "vm_id: an egress (set_fcf) rule cannot match the FCF it writes");
	expect_error("fcf_prio=1 actions=set_fcf:4",
		     "fcf_prio: an egress (set_fcf) rule cannot match the FCF it writes");
}

/* No-op matches (zero masks) are accepted and leave nothing behind. */
static void test_zero_masks(void **state)
{
	struct vsx_rule r, all;

	parse_ok("actions=irq:1", &all);
	parse_ok("tp_dst=80/0,vni=5/0,outer_src=::/0,nw_tos=1/0,vlan_tci=0x1234/0,"
		 "dl_src=01:02:03:04:05:06/00:00:00:00:00:00 actions=irq:1",
		 &r);
	assert_true(vsx_rule_equal(&r, &all));
}

/* ---- the validator on rules built as a decoder would ---- */

static void base_rule(struct vsx_rule *r)
{
	vsx_rule_init(r);
	r->action.kind = VSX_ACT_IRQ_CORE;
	r->action.core = 1;
}

static void test_validate(void **state)
{
	struct vsx_rule r;
	char err[256];

	base_rule(&r);
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	assert_int_equal(vsx_rule_validate(&r, NULL, 0), 0);

	base_rule(&r);
	r.key.dl_type = htons(0x0800);
	r.mask.dl_type = 0xffff;
	r.key.nw_tos = 0x3;
	r.mask.nw_tos = 0xfc;
	expect_invalid(&r, "nw_tos: the value has bits outside the mask");
	assert_int_equal(vsx_rule_validate(&r, NULL, 0), -EINVAL); /* NULL err is fine */

	base_rule(&r);
	r.mask.flags = 0x80;
	expect_invalid(&r, "flags: unknown flag bits 0x80");

	base_rule(&r);
	r.mask.in_port = 0xffff;
	r.key.in_port = 1;
	expect_invalid(&r, "in_port: must be matched exactly or not at all");
	r.mask.in_port = 0xffffffff;
	r.key.in_port = 0;
	expect_invalid(&r, "in_port: 0 is not an interface index");

	base_rule(&r);
	r.mask.dl_type = htons(0xff00);
	expect_invalid(&r, "dl_type: must be matched exactly or not at all");

	base_rule(&r);
	r.key.dl_type = htons(0x0800);
	r.mask.dl_type = 0xffff;
	r.mask.nw_proto = 0xf0;
	expect_invalid(&r, "nw_proto: must be matched exactly or not at all");

	base_rule(&r);
	r.mask.nw_src[1] = 1;
	r.key.dl_type = htons(0x0800);
	r.mask.dl_type = 0xffff;
	expect_invalid(&r, "nw_src: an IPv6-sized mask with dl_type=0x0800 (IPv4)");

	base_rule(&r);
	r.mask.flags = r.key.flags = VSX_KEY_VLAN;
	r.mask.dl_vlan_tci = htons(0x1000);
	expect_invalid(&r, "dl_vlan_tci: the DEI bit (0x1000) cannot be matched");
	r.mask.dl_vlan_tci = htons(0x0fff);
	r.key.flags = 0;
	expect_invalid(&r, "dl_vlan: matching the tag needs VSX_KEY_VLAN set in key and mask");

	/* ports without the later-fragment exclusion */
	base_rule(&r);
	r.key.dl_type = htons(0x0800);
	r.mask.dl_type = 0xffff;
	r.key.nw_proto = 17;
	r.mask.nw_proto = 0xff;
	r.key.tp_dst = htons(53);
	r.mask.tp_dst = 0xffff;
	expect_invalid(&r, "tp_dst: later fragments carry no L4 header: the rule must exclude them "
			   "(VSX_KEY_LATER_FRAG in the mask, clear in the key)");
	r.mask.flags = VSX_KEY_LATER_FRAG;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	r.key.nw_proto = 1;
	r.mask.tp_dst = htons(0x00ff);
	r.key.tp_dst = htons(3);
	expect_invalid(&r, "icmp_code: must be one exact value 0..255");
	r.mask.tp_dst = 0xffff;
	r.key.tp_dst = htons(256);
	expect_invalid(&r, "icmp_code: must be one exact value 0..255");
	r.mask.tp_dst = 0;
	r.key.tp_dst = 0;
	r.mask.tp_src = 0xffff;
	r.key.tp_src = htons(300);
	expect_invalid(&r, "icmp_type: must be one exact value 0..255");

	/* fragment states */
	base_rule(&r);
	r.key.dl_type = htons(0x86dd);
	r.mask.dl_type = 0xffff;
	r.mask.flags = r.key.flags = VSX_KEY_LATER_FRAG;
	expect_invalid(&r, "nw_frag: a later fragment is a fragment: VSX_KEY_FRAG must be set too");
	r.mask.flags = VSX_KEY_FRAG | VSX_KEY_LATER_FRAG;
	r.key.flags = 0;
	expect_invalid(&r, "nw_frag: VSX_KEY_LATER_FRAG is redundant when VSX_KEY_FRAG is clear "
			   "(nw_frag=no matches VSX_KEY_FRAG alone)");

	/* tunnel */
	base_rule(&r);
	r.key.vni = htonl(5);
	r.mask.vni = htonl(0xffffff);
	expect_invalid(&r, "vni: only tunnelled packets have it: VSX_KEY_TUNNEL must be set in key "
			   "and mask");
	r.mask.flags = r.key.flags = VSX_KEY_TUNNEL;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	r.mask.vni = 0xffffffff;
	expect_invalid(&r, "vni: a VNI has 24 bits");
	r.mask.vni = 0;
	r.key.vni = 0;
	expect_invalid(&r, "flags: VSX_KEY_TUNNEL matched without a tunnel field (vni, vm_id, "
			   "fcf_prio, outer_src, outer_dst)");
	r.mask.fcf = 0x0f;
	expect_invalid(&r, "vm_id: must be matched exactly or not at all");
	r.mask.fcf = VSX_FCF_VM_ID_MASK;
	r.key.fcf = 3;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	r.action.kind = VSX_ACT_SET_FCF;
	r.action.core = 0;
	expect_invalid(&r, "vm_id: an egress (set_fcf) rule cannot match the FCF it writes");

	base_rule(&r);
	r.mask.flags = r.key.flags = VSX_KEY_TUNNEL;
	r.mask.outer_dst[0] = 0xffffffff;
	expect_invalid(&r, "outer_src: the outer family must be matched (VSX_KEY_OUTER_V6 in the "
			   "mask)");
	r.mask.flags |= VSX_KEY_OUTER_V6;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	r.mask.outer_dst[3] = 0xffffffff;
	expect_invalid(&r, "outer_dst: an IPv6-sized mask with an IPv4 outer header");
	r.key.flags |= VSX_KEY_OUTER_V6;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	memset(r.mask.outer_dst, 0, 16);
	expect_invalid(&r, "flags: VSX_KEY_TUNNEL matched without a tunnel field (vni, vm_id, "
			   "fcf_prio, outer_src, outer_dst)");
	r.mask.vni = htonl(1);
	expect_invalid(&r, "flags: VSX_KEY_OUTER_V6 matched without outer_src or outer_dst");

	/* actions */
	base_rule(&r);
	r.action.kind = 0;
	expect_invalid(&r, "action: unknown kind 0 (expected irq:N, irq:auto or set_fcf)");
	assert_int_equal(vsx_rule_direction(&r), -EINVAL);
	r.action.kind = 9;
	expect_invalid(&r, "action: unknown kind 9 (expected irq:N, irq:auto or set_fcf)");
	r.action.kind = VSX_ACT_IRQ_CORE;
	r.action.core = VSX_MAX_CPUS;
	expect_invalid(&r, "irq: core 256 out of range (0..255)");
	r.action.core = 0;
	r.action.fcf = 1;
	expect_invalid(&r, "irq: the action carries no FCF byte");
	r.action.kind = VSX_ACT_IRQ_AUTO;
	expect_invalid(&r, "irq:auto: the action carries no core or FCF byte");
	r.action.kind = VSX_ACT_SET_FCF;
	r.action.fcf = 0xff;
	assert_int_equal(vsx_rule_validate(&r, err, sizeof(err)), 0);
	r.action.core = 2;
	expect_invalid(&r, "set_fcf: the action carries no core");
}

/* ---- formatting ---- */

static void test_format_limits(void **state)
{
	/* the longest rule there is: every field with a mask at its longest */
	const char *longest =
	    "cookie=0xffffffffffffffff,priority=65535,ipv6,in_port=2147483647,"
	    "dl_src=ff:ff:ff:ff:ff:fe/ff:ff:ff:ff:ff:fe,dl_dst=ff:ff:ff:ff:ff:fe/ff:ff:ff:ff:ff:fe,"
	    "vlan_tci=0xfffe/0xfffe,"
	    "ipv6_src=fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe/fffe:fffe:fffe:fffe:fffe:fffe:fffe:"
	    "fffe,ipv6_dst=fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe/fffe:fffe:fffe:fffe:fffe:fffe:"
	    "fffe:fffe,nw_proto=255,nw_tos=0xfe/0xfe,nw_frag=not_later,"
	    "vni=0xfffffe/0xfffffe,outer_src=fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe/fffe:fffe:"
	    "fffe:fffe:fffe:fffe:fffe:fffe,outer_dst=fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe/"
	    "fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe,vm_id=127,fcf_prio=1 actions=irq:255";
	char buf[VSX_RULE_TEXT_MAX];
	struct vsx_rule r;
	int n;

	parse_ok(longest, &r);
	n = vsx_rule_format(&r, buf, sizeof(buf));
	assert_true(n > 0 && n < VSX_RULE_TEXT_MAX);
	roundtrip(longest, buf);

	/* too small: -ENOSPC, truncated and terminated */
	parse_ok("tcp,tp_dst=80 actions=irq:3", &r);
	assert_int_equal(vsx_rule_format(&r, buf, 10), -ENOSPC);
	assert_string_equal(buf, "tcp,tp_ds");
	assert_int_equal(vsx_rule_format(&r, buf, 27), -ENOSPC);
	assert_int_equal(vsx_rule_format(&r, buf, 28), 27);
	assert_int_equal(vsx_rule_format(&r, NULL, 0), -ENOSPC);

	assert_int_equal(vsx_rule_format_action(&r.action, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "irq:3");
}

/* ---- matching ---- */

static void test_match(void **state)
{
	struct vsx_rule r, r2, gen;
	struct vsx_flow_key k;

	parse_ok("tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=irq:3", &r);
	memset(&k, 0, sizeof(k));
	k.dl_type = htons(0x0800);
	k.nw_proto = 6;
	k.nw_dst[0] = htonl(0x0a010203);
	k.tp_dst = htons(80);
	k.tp_src = htons(12345);
	k.in_port = 7;
	assert_true(vsx_rule_matches_key(&r, &k));
	k.flags = VSX_KEY_FRAG; /* a first fragment has ports */
	assert_true(vsx_rule_matches_key(&r, &k));
	k.flags = VSX_KEY_FRAG | VSX_KEY_LATER_FRAG;
	assert_false(vsx_rule_matches_key(&r, &k));
	k.flags = 0;
	k.nw_dst[0] = htonl(0x0b000000);
	assert_false(vsx_rule_matches_key(&r, &k));

	/* strict identity: match + priority, not action */
	parse_ok("nw_dst=10.0.0.0/8,tcp,tp_dst=80 actions=irq:auto", &r2);
	assert_true(vsx_rule_match_equal(&r, &r2));
	assert_false(vsx_rule_equal(&r, &r2));
	parse_ok("priority=1,tcp,nw_dst=10.0.0.0/8,tp_dst=80 actions=irq:3", &r2);
	assert_false(vsx_rule_match_equal(&r, &r2));

	/* covers: non-strict selection */
	parse_ok("tcp actions=irq:1", &gen);
	assert_true(vsx_rule_covers(&gen, &r));
	assert_false(vsx_rule_covers(&r, &gen));
	assert_true(vsx_rule_covers(&r, &r));
	parse_ok("ip,nw_dst=10.0.0.0/7 actions=irq:1", &gen);
	assert_true(vsx_rule_covers(&gen, &r));
	parse_ok("ip,nw_dst=10.0.0.0/16 actions=irq:1", &gen);
	assert_false(vsx_rule_covers(&gen, &r));
	parse_ok("udp actions=irq:1", &gen);
	assert_false(vsx_rule_covers(&gen, &r));
	parse_ok("actions=irq:1", &gen);
	assert_true(vsx_rule_covers(&gen, &r));

	assert_string_equal(vsx_rule_dir_name(VSX_DIR_INGRESS), "ingress");
	assert_string_equal(vsx_rule_dir_name(VSX_DIR_EGRESS), "egress");
	assert_string_equal(vsx_rule_dir_name(7), "invalid");
}

/* ---- random rules: format(parse(x)) parses to the same rule ---- */

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u32 rnd(__u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (__u32)(rng_state % n);
}

static void test_random_roundtrip(void **state)
{
	static const char *const l3[] = {"",	 "ip",	  "ipv6", "tcp", "udp6",
					 "icmp", "icmp6", "arp",  "sctp"};
	unsigned int parsed = 0;

	for (int i = 0; i < 20000; i++) {
		char text[VSX_RULE_TEXT_MAX], buf[VSX_RULE_TEXT_MAX];
		struct vsx_rule a, b;
		int n = 0;
		int l = (int)rnd(ARRAY_SIZE(l3));

#define ADD(...) n += snprintf(text + n, sizeof(text) - (size_t)n, __VA_ARGS__)
		ADD("priority=%u,%s", rnd(65536), l3[l]);
		if (rnd(2))
			ADD(",nw_src=%u.%u.0.0/%u", rnd(256), rnd(256), rnd(33));
		if (rnd(2))
			ADD(",nw_dst=2001:db8:%x::/%u", rnd(65536), rnd(129));
		if (rnd(3) == 0)
			ADD(",tp_dst=0x%x/0x%x", rnd(65536), rnd(65536));
		if (rnd(3) == 0)
			ADD(",icmp_type=%u", rnd(256));
		if (rnd(3) == 0)
			ADD(",nw_frag=%s",
			    (const char *[]){"no", "yes", "first", "later", "not_later"}[rnd(5)]);
		if (rnd(3) == 0)
			ADD(",vlan_tci=0x%x/0x%x", rnd(65536), rnd(65536));
		if (rnd(3) == 0)
			ADD(",dl_vlan=%u", rnd(4096));
		if (rnd(3) == 0)
			ADD(",vni=0x%x/0x%x", rnd(1 << 24), rnd(1 << 24));
		if (rnd(3) == 0)
			ADD(",outer_dst=%s", rnd(2) ? "10.0.0.0/9" : "fd00::/9");
		if (rnd(3) == 0)
			ADD(",vm_id=%u", rnd(128));
		if (rnd(3) == 0)
			ADD(",nw_tos=%u/%u", rnd(256), rnd(256));
		if (rnd(3) == 0)
			ADD(",dl_src=%x:0:0:0:0:%x/%x:ff:0:0:0:ff", rnd(256), rnd(256), rnd(256));
		ADD(" actions=%s", rnd(2) ? "irq:auto" : "set_fcf:3/1");
#undef ADD
		if (vsx_rule_parse(text, &a, NULL, 0))
			continue;
		parsed++;
		assert_true(vsx_rule_format(&a, buf, sizeof(buf)) > 0);
		if (vsx_rule_parse(buf, &b, NULL, 0) || !vsx_rule_equal(&a, &b))
			fail_msg("\"%s\" -> \"%s\" does not parse back", text, buf);
	}
	/* enough of them are valid for this to mean something */
	assert_true(parsed > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_roundtrip_each),
	    cmocka_unit_test(test_key_bits),
	    cmocka_unit_test(test_errors_syntax),
	    cmocka_unit_test(test_errors_values),
	    cmocka_unit_test(test_errors_actions),
	    cmocka_unit_test(test_errors_prerequisites),
	    cmocka_unit_test(test_zero_masks),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_format_limits),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_random_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
