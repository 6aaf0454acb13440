/* SPDX-License-Identifier: MIT */
/*
 * The rebalancing planner: once per load sample, decides which decided irq:auto rules move
 * to another core, and applies the moves to the assignment counts. User space only (vsxd
 * and the simulator link it); it touches no map and no clock, so a sample is whatever the
 * caller says it is. Targets come from vsx_choose_core() (include/vsx/core_choice.h): the
 * planner never ranks cores by a rule of its own. docs/rebalancing.md has the policy.
 *
 * A round, for each core c holding decided rules (in `rules`):
 *
 *   overload   c does not qualify (load above the threshold, a VM pinned there, offline)
 *              for `hold` consecutive samples: its rules move, priority rules first, then
 *              by rate (highest first), up to max_moves per round, each to
 *              vsx_choose_core() (the rule's own count taken off c first). No qualifying
 *              core: nothing moves. A rule known to carry its load with it (see "self
 *              load") does not move off a core that is only overloaded when the target
 *              would then be above the threshold: that would only move the overload.
 *   freed      c qualifies and holds two or more rules, and some qualifying core is at
 *              least `margin` points below c, for `hold` consecutive samples: one rule
 *              moves to vsx_choose_core()'s core if that core is `margin` below c, chosen
 *              so the larger of the two loads after the move is the smallest, and only if
 *              the target after the move (its load + recent decisions * decision_load +
 *              the rule's share) stays below c's load before it.
 *
 *   A rule's share of c's load is its rate relative to the other rules on c (c's load
 *   times rate / sum of rates), or, for a rule moved before, its self load.
 *
 *   hysteresis  a core's streak restarts after a move off it; a moved rule does not move
 *              again for `cooldown` samples; a move back to the core it last left needs
 *              the condition for 2 * hold samples. The cooldown does not hold a rule on a
 *              core that gets pinned or goes offline (it is against flapping on load).
 *   self load  `cooldown` samples after a move (when the smoothed loads have followed it),
 *              the rule's load is estimated as min(rise of the new core, drop of the old
 *              one) since the move, scaled later by the rule's rate relative to its rate
 *              then, and forgotten after VSX_REBALANCE_SELF_LOAD_ROUNDS cooldowns (other
 *              load that moved with the rule looks the same and must not hold it for ever).
 *
 * Moves update *a (the rule's class count -1 on the old core, +1 on the new, recent +1 on
 * the new), so later decisions in the same round and the caller's datapath see them.
 */
#ifndef VSX_REBALANCE_H
#define VSX_REBALANCE_H

#include <stddef.h>

#include <vsx/core_table.h>

/* Defaults (docs/rebalancing.md says why). */
#define VSX_REBALANCE_DEFAULT_HOLD 3	  /* samples */
#define VSX_REBALANCE_DEFAULT_MARGIN 20	  /* percent points */
#define VSX_REBALANCE_DEFAULT_MAX_MOVES 4 /* per round */
/* cooldown as time: 96 % of a load step is followed by the smoothed load after 1 s */
#define VSX_REBALANCE_COOLDOWN_MS 1000
/* a learned self load is forgotten after this many cooldowns (30 s at the defaults) */
#define VSX_REBALANCE_SELF_LOAD_ROUNDS 30

struct vsx_rebalance_conf {
	unsigned int hold;	/* samples a condition must last before a move (>= 1) */
	unsigned int margin;	/* percent points a freed core must be below a loaded one */
	unsigned int max_moves; /* per round, all cores together */
	unsigned int cooldown;	/* samples a moved rule stays where it went (>= 1) */
};

/* The defaults, with cooldown = VSX_REBALANCE_COOLDOWN_MS in samples of sample_ms. */
void vsx_rebalance_conf_default(struct vsx_rebalance_conf *conf, unsigned int sample_ms);

/* A decided irq:auto rule, as the datapath has it now. */
struct vsx_rebalance_rule {
	__u32 rule_id; /* < VSX_MAX_RULES */
	__s32 core;    /* its decided core (vsx_rule_state.core); others are ignored */
	__u32 prio;    /* vsx_rule_state.prio: counted in a->prio, else a->normal */
	__u64 rate;    /* packets per second since the last sample */
};

enum vsx_rebalance_reason {
	VSX_REBALANCE_OVERLOAD = 1, /* from core above the threshold */
	VSX_REBALANCE_PINNED,	    /* a VM is pinned on the from core */
	VSX_REBALANCE_OFFLINE,	    /* the from core is offline (or has no load yet) */
	VSX_REBALANCE_FREED,	    /* the to core is margin below the from core */
};

struct vsx_rebalance_move {
	__u32 rule_id;
	__s32 from;
	__s32 to;
	__u32 prio;
	enum vsx_rebalance_reason reason;
	unsigned int samples; /* how long the condition held */
	__u8 from_load;	      /* sampled loads at the decision */
	__u8 to_load;
	__u8 threshold;
	__u8 share;	 /* estimated share of the from core's load, percent points */
	__u16 pinned_vm; /* VSX_REBALANCE_PINNED: the VM's ID */
};

struct vsx_rebalance;

int vsx_rebalance_new(struct vsx_rebalance **out); /* 0 or -ENOMEM */
void vsx_rebalance_free(struct vsx_rebalance *rb);

/* Forgets a rule's history (its id is given to a new rule). */
void vsx_rebalance_forget(struct vsx_rebalance *rb, __u32 rule_id);

/*
 * One round, once per load sample (t holds the new loads, a the counts with recent[] as
 * the caller wants the choice to see them: normally just zeroed). Writes up to
 * min(max, conf->max_moves) moves, applies them to *a and returns how many, or -EINVAL
 * for a bad argument (NULL, hold or cooldown 0). Rules with a core out of range, or
 * listed twice, are ignored.
 */
int vsx_rebalance_plan(struct vsx_rebalance *rb, const struct vsx_rebalance_conf *conf,
		       const struct vsx_core_table *t, struct vsx_core_assign *a,
		       const struct vsx_rebalance_rule *rules, size_t n_rules,
		       struct vsx_rebalance_move *moves, size_t max);

/*
 * Why a move was made, for logs: "core 1 at 97% > threshold 80% for 3 samples",
 * "core 1 pinned by VM 7 for 3 samples", "core 1 offline for 3 samples",
 * "core 0 at 10% is 40 points below core 1 at 50% for 3 samples". Returns snprintf's.
 */
int vsx_rebalance_reason_format(const struct vsx_rebalance_move *m, char *buf, size_t len);

/*
 * vsx_config.flowlet_jiffies for an idle gap of gap_ms at the kernel's hz: the datapath
 * compares jiffies, and a difference of J ticks means the real gap was more than J - 1
 * ticks; so gap_ms rounded up to ticks, plus one, makes every gap it accepts longer than
 * gap_ms. 0 when hz is 0 (unknown).
 */
unsigned int vsx_flowlet_jiffies(unsigned int gap_ms, unsigned int hz);

/* "overload", "pinned", "offline", "freed". */
const char *vsx_rebalance_reason_name(enum vsx_rebalance_reason reason);

#endif
