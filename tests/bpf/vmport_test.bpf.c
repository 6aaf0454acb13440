// SPDX-License-Identifier: MIT
/*
 * bpf/vmport.bpf.c for BPF_PROG_TEST_RUN: the same program, with the driver's flow hash
 * (a kfunc only a device-bound program may call, and a test run has no skb to ask) replaced
 * by the global test_hash, so tests/bpf/test_vmport.c can check the source port rule.
 */
#define VSX_VMPORT_TEST_HASH 1
#include "../../bpf/vmport.bpf.c"
