/* SPDX-License-Identifier: MIT */
/*
 * The configuration file of vsxd (default /etc/vsx/vsxd.conf): parsing, validation, and
 * printing the effective configuration back in the same syntax. docs/config.md describes
 * the format and every keyword.
 *
 * The format is line based, one statement per line, in the spirit of OpenBSD's bgpd.conf:
 *
 *     uplink eth0                # keyword value; '#' starts a comment
 *     vm web1 {                  # a block per VM; '{' ends the vm line, '}' is alone on its line
 *             vm-id 1
 *             cpus 2-3
 *     }
 *     rule "vni=101,vm_id=1 actions=irq:auto"
 *
 * Everything here is host order user-space data. (struct vsx_config is the datapath's map
 * value in vsx/datapath.h; the agent derives it from this.)
 *
 * Parsing never trusts its input: any byte sequence yields either a valid configuration or
 * -EINVAL with a message "FILE:LINE: what is wrong".
 */
#ifndef VSX_CONFIG_H
#define VSX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core_load.h" /* struct vsx_cpuset, CPU lists */
#include "log.h"
#include "offload_policy.h" /* the offload-* keys are statements of the one policy parser */
#include "rebalance.h" /* the planner's defaults */
#include "vsx/datapath.h"
#include "vsx/fcf.h"
#include "vsx/limits.h"

#define VSXD_CONF_DEFAULT_PATH "/etc/vsx/vsxd.conf"

/* Longest line, not counting the newline. */
#define VSXD_CONF_LINE_MAX 1023
/* Largest file vsxd_conf_parse_file() reads. */
#define VSXD_CONF_FILE_MAX (16u << 20)

/* Buffer sizes, including the terminating NUL. */
#define VSXD_IFNAME_SIZE 16	  /* IFNAMSIZ: interface names have at most 15 characters */
#define VSXD_NAME_SIZE 64	  /* VM and tenant names: at most 63 characters */
#define VSXD_PATH_SIZE 256	  /* bpffs directory, pid files */
#define VSXD_SOCKET_PATH_SIZE 108 /* sizeof(sun_path) */

/* VM IDs are unique and 1..VSX_FCF_MAX_VM_ID, so this many VMs at most. */
#define VSXD_MAX_VMS VSX_FCF_MAX_VM_ID
/* Static rules in the file; rule id 0 is never used, hence - 1. */
#define VSXD_MAX_CONF_RULES (VSX_MAX_RULES - 1)

#define VSXD_DEFAULT_MODE VSX_MODE_VSX
#define VSXD_DEFAULT_THRESHOLD 50
#define VSXD_DEFAULT_SAMPLE_MS 100
#define VSXD_MIN_SAMPLE_MS 10
#define VSXD_MAX_SAMPLE_MS 100 /* at least 10 load samples per second */
/* percent points one irq:auto decision adds to its core until the next sample (docs/config.md) */
#define VSXD_DEFAULT_DECISION_LOAD 10
/* live rebalancing (docs/rebalancing.md) */
#define VSXD_DEFAULT_REBALANCE true
#define VSXD_DEFAULT_REBALANCE_HOLD 3 /* samples */
#define VSXD_MAX_REBALANCE_HOLD 100
#define VSXD_DEFAULT_REBALANCE_MARGIN 20 /* percent points */
/* percent above the mean load of the usable cores at which a core hands rules over, 0 = off */
#define VSXD_DEFAULT_REBALANCE_BALANCE VSX_REBALANCE_DEFAULT_BALANCE
/* the flowlet gap: bounds the old core's queueing delay (docs/rebalancing.md) */
#define VSXD_DEFAULT_REBALANCE_GAP_MS 15
#define VSXD_MAX_REBALANCE_GAP_MS 1000
#define VSXD_MIN_FLOW_SLOTS 1024u
#define VSXD_MAX_FLOW_SLOTS (16u << 20)
#define VSXD_DEFAULT_BPFFS "/run/vsx/bpf"
#define VSXD_DEFAULT_SOCKET "/run/vsx/vsxd.sock"
#define VSXD_MAX_VNI 16777215u
#define VSXD_MAX_PID 4194304u /* PID_MAX_LIMIT */
/* OpenFlow (docs/openflow.md) */
#define VSXD_METRICS_LISTEN_SIZE 64
#define VSXD_OF_TARGET_SIZE 256 /* longest controller / openflow-listen target, with NUL */
#define VSXD_MAX_OF_TARGETS 16	/* of each kind */
#define VSXD_DEFAULT_OF_ECHO_MS 5000
#define VSXD_MIN_OF_ECHO_MS 100
#define VSXD_MAX_OF_ECHO_MS 3600000

enum vsxd_xdp_mode {
	VSXD_XDP_AUTO = 0, /* native, falling back to generic when the driver has no XDP */
	VSXD_XDP_NATIVE,
	VSXD_XDP_GENERIC,
};

/* How vsxd learns which CPUs a VM runs on. */
enum vsxd_vm_pin {
	VSXD_PIN_NONE = 0, /* not pinned: no core is kept free for it */
	VSXD_PIN_CPUS,	   /* cpus: a fixed list */
	VSXD_PIN_PID,	   /* pid: follow the affinity of this process's threads */
	VSXD_PIN_PID_FILE, /* pid-file: as pid, the PID read from this file */
};

struct vsxd_vm {
	char name[VSXD_NAME_SIZE];
	unsigned int line; /* of the "vm NAME {" line */
	uint8_t vm_id;	   /* 1..VSX_FCF_MAX_VM_ID, unique */
	bool priority;	   /* the VM's flows are priority flows */
	bool has_tenant;
	bool has_vni;
	uint32_t tenant_id;		  /* when has_tenant and tenant_name is "" */
	char tenant_name[VSXD_NAME_SIZE]; /* when has_tenant and the tenant was a name */
	uint32_t vni;			  /* when has_vni: 0..VSXD_MAX_VNI */
	char port[VSXD_IFNAME_SIZE];	  /* the VM's host-side interface; "" if not given */
	bool has_mac;
	uint8_t mac[6]; /* when has_mac: the VM's MAC (the fast path delivers only to it) */
	enum vsxd_vm_pin pin;
	struct vsx_cpuset cpus;	       /* VSXD_PIN_CPUS */
	uint32_t pid;		       /* VSXD_PIN_PID */
	char pid_file[VSXD_PATH_SIZE]; /* VSXD_PIN_PID_FILE */
};

/* A static rule: its text, validated by the rule parser, and where it came from. */
struct vsxd_conf_rule {
	char *text;
	unsigned int line;
};

struct vsxd_conf {
	char *source; /* file name used in messages ("FILE:LINE: ..."); NULL before parsing */

	char uplink[VSXD_IFNAME_SIZE]; /* required */
	uint16_t vxlan_port;
	enum vsx_mode mode;
	bool fcf;		     /* the outer ToS of received VXLAN packets carries the FCF */
	bool egress_fcf;	     /* write the FCF on sent VXLAN packets (set_fcf rules) */
	bool own_rps;		     /* turn the uplink's RPS/RFS off while steering (vsxd/rps.c) */
	bool cpumap_kthread_batch;   /* cpumap kthreads SCHED_BATCH (vsxd/cpumap_kthread.c) */
	uint8_t threshold;	     /* percent, 0..100 */
	uint32_t sample_interval_ms; /* VSXD_MIN_SAMPLE_MS..VSXD_MAX_SAMPLE_MS */
	uint8_t decision_load;	     /* percent points, 0..100 (vsx_core_table.decision_load) */
	bool rebalance;		     /* move decided irq:auto rules (lib/rebalance.h) */
	uint32_t rebalance_hold;     /* samples, 1..VSXD_MAX_REBALANCE_HOLD */
	uint8_t rebalance_margin;    /* percent points, 1..100 */
	uint8_t rebalance_balance;   /* percent of the mean load, 0..100, 0 = off */
	uint32_t rebalance_gap_ms;   /* flowlet idle gap, 1..VSXD_MAX_REBALANCE_GAP_MS */
	uint32_t flow_cache_slots;   /* power of two, VSXD_MIN..MAX_FLOW_SLOTS */
	char bpffs[VSXD_PATH_SIZE];  /* directory for pinned maps and links */
	char socket_path[VSXD_SOCKET_PATH_SIZE];
	bool rss_cpus_all;	    /* rss mode hashes over every online CPU */
	struct vsx_cpuset rss_cpus; /* otherwise over these */
	enum vsxd_xdp_mode xdp_mode;
	enum vsx_log_level log_level;

	/* metrics (vsxd/metrics.c): "ADDR:PORT", "" = no endpoint */
	char metrics_listen[VSXD_METRICS_LISTEN_SIZE];
	/* OpenFlow (vsxd/openflow.c): targets in Open vSwitch's syntax (lib/ofp_conn.h) */
	char **of_controllers; /* tcp:HOST:PORT, ssl:HOST:PORT, unix:PATH */
	size_t n_of_controllers;
	char **of_listen; /* ptcp:PORT[:ADDR], pssl:PORT[:ADDR], punix:PATH */
	size_t n_of_listen;
	uint64_t datapath_id;
	bool has_datapath_id;
	char ssl_key[VSXD_PATH_SIZE]; /* required by any ssl:/pssl: target, "" otherwise */
	char ssl_cert[VSXD_PATH_SIZE];
	char ssl_ca[VSXD_PATH_SIZE];
	uint32_t of_echo_ms; /* VSXD_MIN..MAX_OF_ECHO_MS */

	/*
	 * FlexivOffload (docs/offload-policy.md): "offload on|off" and the "offload-*" keys are
	 * statements of the policy language (lib/offload_policy.h), parsed by its parser; a vm
	 * block's "rate-limit ..." is "rate-limit vm=NAME ..." there.
	 */
	struct vsx_ofl_policy offload;

	struct vsxd_vm *vms;
	size_t n_vms;
	struct vsxd_conf_rule *rules;
	size_t n_rules;
};

/* Fills conf with the defaults (no uplink, no VMs, no rules). */
void vsxd_conf_init(struct vsxd_conf *conf);

/* Frees what a parse allocated and leaves conf as vsxd_conf_init() does. Idempotent. */
void vsxd_conf_free(struct vsxd_conf *conf);

/*
 * Parse a configuration. conf need not be initialized; on success it holds the defaults
 * overridden by the file (free it with vsxd_conf_free()), on failure it holds the defaults
 * only and err says "NAME:LINE: what" (NAME is path, or name, "<string>" when NULL).
 * Returns 0, -EINVAL for a bad configuration, or -errno when the file cannot be read.
 * Static rules are checked with vsx_rule_parse() (lib/rule_text.h) as they are read, so a
 * configuration that parses has only rules the rule parser accepts.
 *
 * vsxd_conf_parse_mem() takes a buffer that need not be NUL terminated; a NUL byte in it
 * is an error.
 */
int vsxd_conf_parse_file(const char *path, struct vsxd_conf *conf, char *err, size_t errlen);
int vsxd_conf_parse_string(const char *text, const char *name, struct vsxd_conf *conf, char *err,
			   size_t errlen);
int vsxd_conf_parse_mem(const char *buf, size_t len, const char *name, struct vsxd_conf *conf,
			char *err, size_t errlen);

/*
 * Prints the effective configuration (every global setting, defaults included, then VMs
 * and rules) in the file syntax; parsing the output gives an equal configuration.
 * Returns 0 or -EIO.
 */
int vsxd_conf_dump(const struct vsxd_conf *conf, FILE *f);

/* Same settings, VMs and rules (in order)? Ignores source names and line numbers. */
bool vsxd_conf_equal(const struct vsxd_conf *a, const struct vsxd_conf *b);

/* Syntax check of an OpenFlow target: active (tcp:, ssl:, unix:) or passive (ptcp:, pssl:,
 * punix:). 0 or -EINVAL with a message. */
int vsxd_conf_check_of_target(const char *target, bool passive, char *err, size_t errlen);

/* The VM called name, or NULL. */
const struct vsxd_vm *vsxd_conf_vm(const struct vsxd_conf *conf, const char *name);
/* A VM's tenant as the policy names it (its name, or its number in decimal); "" if none. */
void vsxd_vm_tenant(const struct vsxd_vm *vm, char *buf, size_t len);

/* Keyword spellings, for messages and vsxctl. */
const char *vsxd_mode_name(enum vsx_mode mode);
const char *vsxd_xdp_mode_name(enum vsxd_xdp_mode mode);

#endif
