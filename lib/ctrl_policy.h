/* SPDX-License-Identifier: MIT */
/*
 * vsx-controller's policy file: which VMs are priority VMs, which traffic gets VM-ID (FCF)
 * steering, and how their receive cores are chosen. One directive per line, '#' starts a
 * comment, words are separated by blanks:
 *
 *   flow-priority N                      priority of the controller's rules (1..65535; 40000)
 *   default SETTING...                   for every VM no other line names
 *   tenant NAME SETTING...               for the VMs of tenant NAME (overrides default)
 *   vm NAME SETTING...                   for the VM NAME (overrides its tenant's line)
 *
 * SETTINGs (each at most once per line; a line sets only what it says, the rest comes from
 * the level below):
 *   priority | priority=yes|no           a priority VM: FCF priority bit; a tenant or vm line
 *                                        making one without cores= means cores=pick
 *   steer=vmid|none                      VM-ID steering (FCF on senders, vm_id on the receiver)
 *   cores=auto                           the receiver's datapath picks (irq:auto)
 *   cores=pick                           the controller picks one core of the host: the one
 *                                        with the fewest VMs the controller put there, not
 *                                        pinned to a VM, lowest number first
 *   cores=N[,N...]                       the controller picks among these cores (as pick)
 *   traffic=MATCH                        only the sent traffic matching MATCH (rule syntax of
 *                                        docs/rules.md, inner fields; not dl_dst/vni, which the
 *                                        controller sets) carries the VM ID; default: all
 *
 * Built-in default: steer=vmid cores=auto priority=no. Errors are "FILE:LINE: message".
 */
#ifndef VSX_CTRL_POLICY_H
#define VSX_CTRL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CTRL_POLICY_NAME_LEN 32 /* VM and tenant names, as vsx reports them (ofp_vsx.h) */
#define CTRL_POLICY_TRAFFIC_LEN 512
#define CTRL_POLICY_CPU_WORDS 4 /* 256 cores */
#define CTRL_POLICY_DEFAULT_FLOW_PRIORITY 40000

enum ctrl_steer { CTRL_STEER_VMID = 0, CTRL_STEER_NONE = 1 };
enum ctrl_cores { CTRL_CORES_AUTO = 0, CTRL_CORES_PICK = 1, CTRL_CORES_LIST = 2 };

/* Which settings a line gave. */
enum ctrl_policy_have {
	CTRL_HAVE_PRIORITY = 1 << 0,
	CTRL_HAVE_STEER = 1 << 1,
	CTRL_HAVE_CORES = 1 << 2,
	CTRL_HAVE_TRAFFIC = 1 << 3,
};

struct ctrl_policy_settings {
	unsigned int have; /* CTRL_HAVE_* */
	bool priority;
	enum ctrl_steer steer;
	enum ctrl_cores cores;
	__u64 core_set[CTRL_POLICY_CPU_WORDS]; /* CTRL_CORES_LIST */
	char traffic[CTRL_POLICY_TRAFFIC_LEN]; /* "" = all traffic */
};

struct ctrl_policy_entry {
	char name[CTRL_POLICY_NAME_LEN];
	unsigned int line;
	struct ctrl_policy_settings s;
};

struct ctrl_policy {
	__u16 flow_priority;
	struct ctrl_policy_settings def;
	struct ctrl_policy_entry *tenants;
	size_t n_tenants;
	struct ctrl_policy_entry *vms;
	size_t n_vms;
};

/* The built-in policy (what runs without a file). */
void ctrl_policy_init(struct ctrl_policy *p);

/*
 * Parses text (len bytes, need not be NUL-terminated; a NUL inside is an error) into *out,
 * which is replaced only on success. fname names the file in messages. 0 or -EINVAL / -ENOMEM
 * with err "FILE:LINE: what".
 */
int ctrl_policy_parse(const char *text, size_t len, const char *fname, struct ctrl_policy *out,
		      char *err, size_t errlen);
/* Reads and parses a file (at most 1 MiB). */
int ctrl_policy_load(const char *path, struct ctrl_policy *out, char *err, size_t errlen);
void ctrl_policy_free(struct ctrl_policy *p);

/* The settings a VM gets: its vm line over its tenant's line over default, all fields set. */
void ctrl_policy_resolve(const struct ctrl_policy *p, const char *vm, const char *tenant,
			 struct ctrl_policy_settings *out);

/* One line of text for a resolved setting ("priority=yes steer=vmid cores=pick"). */
void ctrl_policy_settings_text(const struct ctrl_policy_settings *s, char *buf, size_t len);

#endif
