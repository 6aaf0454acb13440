/* SPDX-License-Identifier: MIT */
/*
 * FlexivOffload's policy as data: which flows the flow manager (flow_manager.h) offloads to
 * the fast path, when, how many, and at what rate. One parser (statements in text, below),
 * one validator and one printer serve every door: the configuration file (lib/config.c,
 * "offload-*" keys), vsxctl at run time (vsxd/offload.h) and, later, an OpenFlow agent
 * carrying the same statements. docs/offload-policy.md is the reference.
 *
 * Statements, one per line, words separated by blanks:
 *
 *   offload on|off                       the fast path is used at all
 *   capacity N                           offloaded flows at most (1..VSX_MAX_OFFLOADS-1)
 *   idle-timeout DUR                     a flow without packets for DUR is forgotten
 *   promote [pps=N] [bps=RATE] [for=DUR] offload when pps >= N or bps >= RATE for DUR
 *   demote  [pps=N] [bps=RATE] [for=DUR] back when pps < N and bps < RATE for DUR
 *   header MATCH always|never|auto       a header policy; MATCH is a rule match in the
 *                                        syntax of docs/rules.md ("tcp,tp_dst=80",
 *                                        "priority=100,vni=101", "any" for every flow)
 *   rate-limit default|vm=NAME|tenant=NAME [rate=RATE] [pps=N] [burst=DUR|SIZE]
 *                                        [burst-pkts=N]    the limit each offloaded flow of
 *                                        that VM / tenant gets (default: all others)
 *
 * DUR: a number with ms or s ("500ms", "3s"); RATE: bits per second with an optional k, M or
 * G (decimal: "100M"); SIZE: bytes with B, kB, MB ("64kB"); N: a decimal count, k and M allowed
 * for pps ("10k"). A zero threshold is not used: "promote pps=0 bps=100M" decides on bytes
 * alone; a unit used for promotion needs a strictly lower demotion threshold (hysteresis).
 *
 * Decisions (vsx_ofl_policy_header() then the statistics thresholds, in flow_manager.c):
 * the highest-priority header policy that matches a flow's key says always (offload as soon
 * as seen), never (not at all) or auto (by the statistics thresholds); no match is auto.
 * Equal priorities: the one added first wins.
 *
 * Errors: 0 or a negative errno; functions that read outside input fill err (may be NULL)
 * with a message naming the offending word.
 */
#ifndef VSX_OFFLOAD_POLICY_H
#define VSX_OFFLOAD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dp_provider.h" /* struct vsx_rate_limit */
#include "vsx/flow_key.h"
#include "vsx/offload.h"

/* Longest statement, including the NUL. */
#define VSX_OFL_STMT_MAX 1100
/* Header policies and rate limits a policy holds at most. */
#define VSX_OFL_MAX_HEADERS 1024
#define VSX_OFL_MAX_RATES 1024
#define VSX_OFL_NAME_SIZE 64

/* Defaults (docs/offload-policy.md says why these). */
#define VSX_OFL_DEFAULT_CAPACITY 1024
#define VSX_OFL_DEFAULT_IDLE_MS 10000
#define VSX_OFL_DEFAULT_PROMOTE_PPS 10000
#define VSX_OFL_DEFAULT_PROMOTE_BPS 100000000ull /* 100 Mb/s */
#define VSX_OFL_DEFAULT_PROMOTE_MS 1000
#define VSX_OFL_DEFAULT_DEMOTE_PPS 2000
#define VSX_OFL_DEFAULT_DEMOTE_BPS 20000000ull /* 20 Mb/s */
#define VSX_OFL_DEFAULT_DEMOTE_MS 3000
#define VSX_OFL_MAX_MS 3600000u /* durations: at most an hour */

enum vsx_ofl_action {
	VSX_OFL_AUTO = 0, /* by the statistics thresholds */
	VSX_OFL_ALWAYS,	  /* offload as soon as the flow is seen (capacity permitting) */
	VSX_OFL_NEVER,	  /* keep it on the normal path */
};

/* A header policy: a rule match (struct vsx_rule's key, mask and priority) and a decision. */
struct vsx_ofl_header {
	__u32 id; /* 1.., assigned when added; stable while the policy lives */
	__u16 priority;
	__u8 action; /* enum vsx_ofl_action */
	__u8 _pad;
	struct vsx_flow_key key; /* key & ~mask == 0, validated by vsx_match_validate() */
	struct vsx_flow_key mask;
};

/* Thresholds of one direction: 0 = that unit not used. */
struct vsx_ofl_thresholds {
	uint64_t pps;
	uint64_t bps;
	uint32_t ms; /* how long the condition must hold */
};

enum vsx_ofl_scope {
	VSX_OFL_SCOPE_DEFAULT = 0,
	VSX_OFL_SCOPE_TENANT,
	VSX_OFL_SCOPE_VM,
};

struct vsx_ofl_rate {
	__u8 scope;			/* enum vsx_ofl_scope */
	char name[VSX_OFL_NAME_SIZE];	/* VM or tenant name ("" for default) */
	struct vsx_rate_limit limit;	/* all zero: no limit */
};

struct vsx_ofl_policy {
	bool enabled;
	uint32_t capacity;	  /* 1..VSX_MAX_OFFLOADS-1 */
	uint32_t idle_timeout_ms; /* 1..VSX_OFL_MAX_MS */
	struct vsx_ofl_thresholds promote, demote;
	struct vsx_ofl_header *headers; /* in decision order: priority descending, then age */
	size_t n_headers;
	uint32_t next_header_id;
	struct vsx_ofl_rate *rates;
	size_t n_rates;
};

/* The defaults (offload off). vsx_ofl_policy_free() releases what statements added. */
void vsx_ofl_policy_init(struct vsx_ofl_policy *p);
void vsx_ofl_policy_free(struct vsx_ofl_policy *p);
/* A deep copy; -ENOMEM leaves dst as init leaves it. */
int vsx_ofl_policy_copy(struct vsx_ofl_policy *dst, const struct vsx_ofl_policy *src);
/* Same settings, headers (match, priority, action, order; not ids) and rates. */
bool vsx_ofl_policy_equal(const struct vsx_ofl_policy *a, const struct vsx_ofl_policy *b);

/* vsx_ofl_policy_apply() flags */
enum {
	VSX_OFL_REPLACE = 1 << 0, /* a header of the same match, a rate-limit of the same scope
				     takes the old one's place (else -EEXIST) */
	VSX_OFL_NOCHECK = 1 << 1, /* skip vsx_ofl_policy_validate() (the configuration file
				     validates once, after its last statement) */
};

/*
 * Parses one statement and applies it to p. Settings (offload, capacity, idle-timeout,
 * promote, demote) replace the current value; promote/demote change only the units given.
 * The result is validated as a whole (vsx_ofl_policy_validate()) unless VSX_OFL_NOCHECK;
 * on any error p is unchanged. *id, when not NULL, gets the id of an added or replaced
 * header (0 otherwise).
 *
 * vsx_ofl_policy_apply_text() splits text into statements at ';' and each into words at
 * blanks (no quoting: no statement has a blank inside a word), applies them in order and
 * validates once at the end, all or nothing: "promote pps=500; demote pps=100" can lower
 * both thresholds where either alone would break the hysteresis.
 */
int vsx_ofl_policy_apply(struct vsx_ofl_policy *p, int argc, const char *const *argv,
			 unsigned int flags, __u32 *id, char *err, size_t errlen);
int vsx_ofl_policy_apply_text(struct vsx_ofl_policy *p, const char *text, unsigned int flags,
			      __u32 *id, char *err, size_t errlen);

/*
 * Removes a header policy or a rate limit. what is "header ID", "header MATCH" (the match
 * as the header statement gives it, priority included), or "rate-limit SCOPE". -ENOENT when
 * there is none.
 */
int vsx_ofl_policy_delete_text(struct vsx_ofl_policy *p, const char *what, char *err,
			       size_t errlen);

/* The one validator: ranges, hysteresis (demote below promote), header matches. */
int vsx_ofl_policy_validate(const struct vsx_ofl_policy *p, char *err, size_t errlen);

/*
 * The statements that rebuild p from the defaults, one per line, each prefixed by prefix
 * ("" for vsxctl, "offload-" for the configuration file; the offload switch is printed as
 * "offload on|off" either way). Returns 0 or -EIO.
 */
int vsx_ofl_policy_dump(const struct vsx_ofl_policy *p, const char *prefix, FILE *f);

/* One statement of a header / rate limit, as the parser reads it. Return the length or
 * -ENOSPC. */
int vsx_ofl_header_format(const struct vsx_ofl_header *h, char *buf, size_t len);
int vsx_ofl_rate_format(const struct vsx_ofl_rate *r, char *buf, size_t len);

/* The first header policy (decision order) that matches key, or NULL. */
const struct vsx_ofl_header *vsx_ofl_policy_header(const struct vsx_ofl_policy *p,
						   const struct vsx_flow_key *key);

/*
 * The rate limit of a VM: its own, else its tenant's, else the default, else none (zeroes).
 * tenant may be NULL or "" (no tenant). Returns the scope it came from or -ENOENT.
 */
int vsx_ofl_policy_rate(const struct vsx_ofl_policy *p, const char *vm, const char *tenant,
			struct vsx_rate_limit *out);

const char *vsx_ofl_action_name(int action); /* "auto", "always", "never" */

/* The value parsers, shared with the configuration file's vm blocks ("rate-limit ..."). */
int vsx_ofl_parse_duration_ms(const char *s, uint32_t *ms);
int vsx_ofl_parse_rate(const char *s, uint64_t *bps);	/* "100M" */
int vsx_ofl_parse_count(const char *s, uint64_t *n);	/* "10k" */
/* A rate limit's words (rate=, pps=, burst=, burst-pkts=) into out. */
int vsx_ofl_parse_limit(int argc, const char *const *argv, struct vsx_rate_limit *out, char *err,
			size_t errlen);

#endif
