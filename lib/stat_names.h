/* SPDX-License-Identifier: MIT */
#ifndef VSX_STAT_NAMES_H
#define VSX_STAT_NAMES_H

#include <vsx/datapath.h>

/* Metric label of each enum vsx_stat counter (e.g. "cache_hit"). */
extern const char *const vsx_stat_names[VSX_STAT_COUNT];
/* Label of each enum vsx_path ("normal", "offload", "drop"). */
extern const char *const vsx_path_names[VSX_PATH_COUNT];

#endif
