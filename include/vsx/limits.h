/* SPDX-License-Identifier: MIT */
/* Sizes shared by the datapath and the agent. Changing one changes map layouts. */
#ifndef VSX_LIMITS_H
#define VSX_LIMITS_H

/* CPUs the core table and the cpumap can describe. Hosts with more CPUs use the first 256. */
#define VSX_MAX_CPUS 256

/* Steering rules: rule ids are indexes into per-rule arrays, 0 is never used. */
#define VSX_MAX_RULES 16384

/*
 * Distinct match masks (tuple-space subtables). Lookup cost grows with the number of masks
 * in use, not with the number of rules, so this bounds the worst-case per-packet cost.
 */
#define VSX_MAX_MASKS 32

/* Default flow decision cache size (slots; a power of two). */
#define VSX_DEFAULT_FLOW_SLOTS (1u << 20)

/* In-flight IP datagrams whose later fragments must follow the first one. */
#define VSX_FRAG_TRACK_ENTRIES 65536

#define VSX_DEFAULT_VXLAN_PORT 4789

#endif
