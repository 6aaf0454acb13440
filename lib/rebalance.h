/* SPDX-License-Identifier: MIT */
/*
 * The rebalancing planner: once per load sample, decides which decided irq:auto rules move
 * to another core, and applies the moves to the assignment counts. User space only (vsxd
 * and the simulator link it); it touches no map and no clock, so a sample is whatever the
 * caller says it is. Targets come from vsx_choose_core() (include/vsx/core_choice.h): the
 * planner never ranks cores by a rule of its own, it only leaves out the cores a move does
 * not fit on. docs/rebalancing.md has the policy.
 *
 * A round, for each core c holding decided rules (in `rules`), in this order:
 *
 *   overload   c does not qualify (load above the threshold, a VM pinned there, offline)
 *              for `hold` consecutive samples: its rules move, priority rules first, then
 *              by rate (highest first), up to max_moves per round. The target is
 *              vsx_choose_core()'s (the rule's own count taken off c first) among the
 *              qualifying cores its weight keeps at or below the threshold; else, off a
 *              core that is only overloaded, among the unpinned cores above the threshold
 *              one it leaves VSX_REBALANCE_MIN_GAIN below c's load; else, unless the rule
 *              is known to carry its load with it (see "self load") and c is only
 *              overloaded, vsx_choose_core()'s core as for a new decision. From a core
 *              that is only overloaded, rules move until the shares moved off (this round,
 *              and by rules still in their cooldown) bring it to the threshold, or to the
 *              balance level if that is higher.
 *   balance    c qualifies, holds a rule, and is above the balance level (the mean load of
 *              the online unpinned cores plus `balance` percent of it, and at least
 *              VSX_REBALANCE_MIN_GAIN above the mean) for `hold` samples: rules move one
 *              at a time until c's estimated load is at the level, each time the rule
 *              whose move makes the larger of the two loads after it the smallest, its
 *              target vsx_choose_core()'s among the cores where the rule's share ends at
 *              least VSX_REBALANCE_MIN_GAIN below c (so at most at the threshold: c
 *              qualifies). Sources by load, highest first.
 *   freed      c qualifies and holds two or more rules, and some qualifying core is at
 *              least `margin` points below c, for `hold` consecutive samples: one rule
 *              moves to vsx_choose_core()'s core if that core is `margin` below c, chosen
 *              so the larger of the two loads after the move is the smallest, and only if
 *              the target after the move (its load + recent decisions * decision_load +
 *              the rule's share) stays below c's load before it.
 *
 *   A rule's share of c's load is its rate times the median over the qualifying cores of
 *   load / their rules' rates (at most c's load; c's own ratio without any), its weight
 *   the larger of its share and its self load.
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
#define VSX_REBALANCE_DEFAULT_MAX_MOVES 8 /* per round */
#define VSX_REBALANCE_DEFAULT_BALANCE 5	  /* percent of the mean load */
/* percent points a move must gain at least: loads are whole points, 1 can be rounding */
#define VSX_REBALANCE_MIN_GAIN 2
/* cooldown as time: 96 % of a load step is followed by the smoothed load after 1 s */
#define VSX_REBALANCE_COOLDOWN_MS 1000
/* a learned self load is forgotten after this many cooldowns (30 s at the defaults) */
#define VSX_REBALANCE_SELF_LOAD_ROUNDS 30

struct vsx_rebalance_conf {
	unsigned int hold;	/* samples a condition must last before a move (>= 1) */
	unsigned int margin;	/* percent points a freed core must be below a loaded one */
	unsigned int max_moves; /* per round, all cores together */
	unsigned int cooldown;	/* samples a moved rule stays where it went (>= 1) */
	/*
	 * Balance: a qualifying core more than this percent above the mean load of the online
	 * unpinned cores gives rules to less loaded ones; 0 turns it off. Relative, unlike
	 * margin (points), so that it means the same spread (max / mean) at any load.
	 */
	unsigned int balance;
};

/* The defaults, with cooldown = VSX_REBALANCE_COOLDOWN_MS in samples of sample_ms. */
void vsx_rebalance_conf_default(struct vsx_rebalance_conf *conf, unsigned int sample_ms);

/* A decided irq:auto rule, as the datapath has it now. */
struct vsx_rebalance_rule {
	__u32 rule_id; /* < VSX_MAX_RULES */
	__s32 core;    /* its decided core (vsx_rule_state.core); others are ignored */
	__u32 prio;    /* vsx_rule_state.prio: counted in a->prio, else a->normal */
	__u64 rate;    /* packets per second since the last sample */
	/*
	 * When share_known: the percent points of its core's load this rule's work was measured
	 * to cost (vsxd: its core's cpumap kthread CPU time, split over the core's rules by
	 * rate). Otherwise the planner estimates the share from rates (share_of()), which
	 * overstates it where the reference cores carry other work, e.g. the interrupt core.
	 */
	__u32 share_known;
	__u32 share;
};

enum vsx_rebalance_reason {
	VSX_REBALANCE_OVERLOAD = 1, /* from core above the threshold */
	VSX_REBALANCE_PINNED,	    /* a VM is pinned on the from core */
	VSX_REBALANCE_OFFLINE,	    /* the from core is offline (or has no load yet) */
	VSX_REBALANCE_FREED,	    /* the to core is margin below the from core */
	VSX_REBALANCE_BALANCE,	    /* the from core is above the balance level */
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
	__u8 mean;	 /* VSX_REBALANCE_BALANCE: the mean load, and conf->balance */
	__u8 balance;
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
 * "core 0 at 10% is 40 points below core 1 at 50% for 3 samples",
 * "core 1 at 60% is above the mean 45% by more than 5% for 3 samples, core 0 at 20%".
 * Returns snprintf's.
 */
int vsx_rebalance_reason_format(const struct vsx_rebalance_move *m, char *buf, size_t len);

/*
 * vsx_config.flowlet_jiffies for an idle gap of gap_ms at the kernel's hz: the datapath
 * compares jiffies, and a difference of J ticks means the real gap was more than J - 1
 * ticks; so gap_ms rounded up to ticks, plus one, makes every gap it accepts longer than
 * gap_ms. 0 when hz is 0 (unknown).
 */
unsigned int vsx_flowlet_jiffies(unsigned int gap_ms, unsigned int hz);

/* "overload", "pinned", "offline", "freed", "balance". */
const char *vsx_rebalance_reason_name(enum vsx_rebalance_reason reason);

#endif
