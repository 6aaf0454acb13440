// SPDX-License-Identifier: MIT
/*
 * The vsx experimenter messages (lib/ofp_vsx.c) against golden bytes: the hex examples of
 * docs/openflow-extensions.md encode from their records byte for byte, decode back to the same
 * records and print as expected; malformed bodies (short, long, a list count that disagrees
 * with the length or is above the maximum, an unknown exp_type, another experimenter id) are
 * refused with the error the switch answers with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ofp.h"
#include "ofp_vsx.h"
#include "vsx/ofp_wire.h"

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
						 : -1;

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < max);
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static const char host_hex[] = "04040050 00000010 00025658 00000001"
			       "00000200 c0000202 00000008 00000004"
			       "00000002 0000090f 020212b5 00003fff"
			       "65746830 00000000 00000000 00000000"
			       "69786762 65000000 00000000 00000000";

static const char vm_hex[] = "04040098 00000012 00025658 00000003"
			     "00000005 00031f00 00000065 00000007"
			     "02000001 02010000 00000000 0000000c"
			     "00000000 00000000 00000000 00000000"
			     "00000000 00000000 77656231 00000000"
			     "00000000 00000000 00000000 00000000"
			     "00000000 00000000 00000000 00000000"
			     "00000000 00000000 00000000 00000000"
			     "00000000 00000000 766d3100 00000000"
			     "00000000 00000000";

static const char cores_hex[] = "04040058 00000013 00025658 00000007"
				"00000002 00000000 00000000 01230000"
				"00000002 00000000 00000000 000003e8"
				"00000000 000249f0 00000002 03500300"
				"00000000 00000000 00000000 00000000"
				"00000000 00000000";

static struct vsx_host_info sample_host(void)
{
	struct vsx_host_info h;

	memset(&h, 0, sizeof(h)); /* padding too: the tests compare records with memcmp */
	h = (struct vsx_host_info){
	    .datapath_id = 0x0200c0000202ull,
	    .n_cores = 8,
	    .n_rx_queues = 4,
	    .uplink_port = 2,
	    .caps = VSX_CAP_IRQ_CORE | VSX_CAP_IRQ_AUTO | VSX_CAP_SET_FCF | VSX_CAP_FCF_RESTORE |
		    VSX_CAP_NIC_RX_CSUM | VSX_CAP_NIC_GRO,
	    .xdp_mode = VSX_XDP_NATIVE,
	    .steer_mode = 2,
	    .vxlan_port = 4789,
	    .max_rules = 16383,
	};

	strcpy(h.uplink, "eth0");
	strcpy(h.driver, "ixgbe");
	return h;
}

static struct vsx_vm_port_info sample_vm(void)
{
	struct vsx_vm_port_info v;

	memset(&v, 0, sizeof(v));
	v = (struct vsx_vm_port_info){
	    .port_no = 5,
	    .reason = VSX_VM_ADD,
	    .vm_id = 3,
	    .flags = VSX_VMF_PRIORITY | VSX_VMF_PORT_UP | VSX_VMF_HAS_TENANT | VSX_VMF_HAS_VNI |
		     VSX_VMF_PINNED,
	    .vni = 101,
	    .tenant_id = 7,
	    .hw_addr = {2, 0, 0, 1, 2, 1},
	};

	v.cpus[0] = 1u << 2 | 1u << 3;
	strcpy(v.name, "web1");
	strcpy(v.port, "vm1");
	return v;
}

/* Encodes m, compares with hex, decodes the bytes back into e and prints it. */
static void golden(struct ofp_msg *m, const char *hex, struct vsx_exp *e, const char *text)
{
	unsigned char want[512];
	size_t n = parse_hex(hex, want, sizeof(want));
	struct ofp_buf out;
	struct ofp_status st;
	struct ofp_msg back;
	struct strbuf sb;

	ofp_buf_init(&out);
	assert_int_equal(ofp_encode(m, &out, NULL, 0), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	assert_int_equal(ofp_decode(want, n, &back, &st), 0);
	assert_true(vsx_exp_is_ours(&back));
	assert_int_equal(vsx_exp_decode(&back, e, &st), 0);
	strbuf_init(&sb);
	vsx_exp_print(e, &sb);
	assert_string_equal(sb.buf, text);
	strbuf_free(&sb);
	ofp_msg_free(&back);
	ofp_buf_free(&out);
}

static void test_host_info(void **state)
{
	struct vsx_host_info h = sample_host();
	struct ofp_buf body;
	struct ofp_msg m;
	struct vsx_exp e;

	(void)state;
	ofp_buf_init(&body);
	assert_int_equal(vsx_exp_host_info(&m, &body, OFP13_VERSION, 0x10, &h), 0);
	golden(
	    &m, host_hex, &e,
	    "vsx HOST_INFO dpid=0x00000200c0000202 cores=8 rx_queues=4 uplink_port=2 caps=0x90f "
	    "xdp_mode=2 mode=2 vxlan_port=4789 max_rules=16383 uplink=\"eth0\" driver=\"ixgbe\"");
	assert_memory_equal(&e.host, &h, sizeof(h));
	vsx_exp_free(&e);
	ofp_buf_free(&body);
}

static void test_vm_port_status(void **state)
{
	struct vsx_vm_port_info v = sample_vm();
	struct ofp_buf body;
	struct ofp_msg m;
	struct vsx_exp e;

	(void)state;
	ofp_buf_init(&body);
	assert_int_equal(vsx_exp_vm_port_status(&m, &body, OFP13_VERSION, 0x12, &v), 0);
	golden(&m, vm_hex, &e,
	       "vsx VM_PORT_STATUS {reason=add vm_id=3 name=\"web1\" port_no=5 port=\"vm1\" "
	       "flags=0x1f vni=101 tenant_id=7 tenant=\"\" hw_addr=02:00:00:01:02:01 cpus=[2,3]}");
	assert_memory_equal(&e.vm, &v, sizeof(v));
	vsx_exp_free(&e);
	ofp_buf_free(&body);
}

static void test_core_table(void **state)
{
	struct vsx_core_info c[2] = {
	    {.core = 0,
	     .flags = VSX_COREF_ONLINE,
	     .load = 35,
	     .auto_rules = 2,
	     .packets = 1000,
	     .bytes = 150000},
	    {.core = 2, .flags = VSX_COREF_ONLINE | VSX_COREF_PINNED, .load = 80, .pinned_vm = 3},
	};
	struct ofp_buf body;
	struct ofp_msg m;
	struct vsx_exp e;

	(void)state;
	ofp_buf_init(&body);
	assert_int_equal(vsx_exp_core_table_reply(&m, &body, OFP13_VERSION, 0x13, c, 2), 0);
	golden(&m, cores_hex, &e,
	       "vsx CORE_TABLE_REPLY n=2 {core=0 flags=0x1 load=35 pinned_vm=0 auto=2 auto_prio=0 "
	       "packets=1000 bytes=150000} {core=2 flags=0x3 load=80 pinned_vm=3 auto=0 "
	       "auto_prio=0 packets=0 bytes=0}");
	assert_int_equal(e.cores.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(e.cores.v[i].core, c[i].core);
		assert_int_equal(e.cores.v[i].flags, c[i].flags);
		assert_int_equal(e.cores.v[i].load, c[i].load);
		assert_int_equal(e.cores.v[i].pinned_vm, c[i].pinned_vm);
		assert_int_equal(e.cores.v[i].auto_rules, c[i].auto_rules);
		assert_int_equal(e.cores.v[i].packets, c[i].packets);
		assert_int_equal(e.cores.v[i].bytes, c[i].bytes);
	}
	vsx_exp_free(&e);
	assert_int_equal(
	    vsx_exp_core_table_reply(&m, &body, OFP13_VERSION, 1, c, VSX_EXP_MAX_CORES + 1),
	    -EINVAL);
	ofp_buf_free(&body);
}

static void test_vm_list_and_requests_in_1_0(void **state)
{
	struct vsx_vm_port_info v[2] = {sample_vm(), sample_vm()};
	struct ofp_buf body, out;
	struct ofp_status st;
	struct ofp_msg m, back;
	struct vsx_exp e;

	(void)state;
	v[1].vm_id = 4;
	/* a name filling its 32 bytes keeps all 32 (no terminator on the wire) */
	memset(v[1].name, 'x', VSX_EXP_VMNAME_LEN);
	v[1].name[VSX_EXP_VMNAME_LEN] = '\0';
	ofp_buf_init(&body);
	ofp_buf_init(&out);
	assert_int_equal(vsx_exp_vm_ports_reply(&m, &body, OFP10_VERSION, 0x14, v, 2), 0);
	assert_int_equal(ofp_encode(&m, &out, NULL, 0), 0);
	assert_int_equal(out.len, 16 + 8 + 2 * VSX_EXP_VM_PORT_LEN);
	assert_int_equal(out.data[0], OFP10_VERSION);
	assert_int_equal(ofp_decode(out.data, out.len, &back, &st), 0);
	assert_int_equal(vsx_exp_decode(&back, &e, &st), 0);
	assert_int_equal(e.vms.n, 2);
	assert_memory_equal(e.vms.v, v, sizeof(v));
	vsx_exp_free(&e);
	ofp_msg_free(&back);
	out.len = 0;
	assert_int_equal(vsx_exp_request(&m, &body, OFP10_VERSION, 0x15, VSX_EXP_VM_PORTS_REQUEST),
			 0);
	assert_int_equal(ofp_encode(&m, &out, NULL, 0), 0);
	assert_int_equal(out.len, 16);
	assert_int_equal(ofp_decode(out.data, out.len, &back, &st), 0);
	assert_int_equal(vsx_exp_decode(&back, &e, &st), 0);
	assert_int_equal(e.type, VSX_EXP_VM_PORTS_REQUEST);
	ofp_msg_free(&back);
	assert_int_equal(vsx_exp_request(&m, &body, OFP10_VERSION, 1, VSX_EXP_HOST_INFO), -EINVAL);
	ofp_buf_free(&out);
	ofp_buf_free(&body);
}

/* hex with its body edited: decode must fail with err. */
static void refused(const char *hex, size_t cut, const unsigned char *append, size_t n_append,
		    int patch_at, unsigned char patch, enum ofp_err err)
{
	unsigned char b[512];
	size_t n = parse_hex(hex, b, sizeof(b)) - cut;
	struct ofp_status st;
	struct ofp_msg m;
	struct vsx_exp e;

	if (n_append)
		memcpy(b + n, append, n_append);
	n += n_append;
	b[2] = (unsigned char)(n >> 8);
	b[3] = (unsigned char)n;
	if (patch_at >= 0)
		b[patch_at] = patch;
	assert_int_equal(ofp_decode(b, n, &m, &st), 0);
	assert_true(vsx_exp_decode(&m, &e, &st) < 0);
	assert_int_equal(st.err, err);
	assert_true(st.text[0] != '\0');
	ofp_msg_free(&m);
}

static void test_malformed(void **state)
{
	static const unsigned char extra[8] = {0};

	(void)state;
	refused(host_hex, 1, NULL, 0, -1, 0, OFP_ERR_BAD_LEN);	       /* one byte short */
	refused(host_hex, 0, extra, 8, -1, 0, OFP_ERR_BAD_LEN);	       /* eight too many */
	refused(vm_hex, 8, NULL, 0, -1, 0, OFP_ERR_BAD_LEN);	       /* truncated record */
	refused(cores_hex, 0, NULL, 0, 19, 3, OFP_ERR_BAD_LEN);	       /* count 3, two records */
	refused(cores_hex, 32, NULL, 0, -1, 0, OFP_ERR_BAD_LEN);       /* count 2, one record */
	refused(cores_hex, 64, NULL, 0, 18, 0x10, OFP_ERR_BAD_LEN);    /* count above 256 */
	refused(cores_hex, 64, NULL, 0, 15, 99, OFP_ERR_BAD_EXP_TYPE); /* unknown exp_type */
	refused(cores_hex, 64, NULL, 0, 10, 0x57, OFP_ERR_BAD_EXPERIMENTER); /* not vsx's id */
	/* a request with a body */
	refused("04040010 00000011 00025658 00000002", 0, extra, 8, -1, 0, OFP_ERR_BAD_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_info),  cmocka_unit_test(test_vm_port_status),
	    cmocka_unit_test(test_core_table), cmocka_unit_test(test_vm_list_and_requests_in_1_0),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
