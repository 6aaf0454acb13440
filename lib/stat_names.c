// SPDX-License-Identifier: MIT
#include "stat_names.h"

const char *const vsx_stat_names[VSX_STAT_COUNT] = {
	[VSX_STAT_RX] = "rx",
	[VSX_STAT_PARSE_TRUNCATED] = "parse_truncated",
	[VSX_STAT_PARSE_MALFORMED] = "parse_malformed",
	[VSX_STAT_NON_IP] = "non_ip",
	[VSX_STAT_UNMATCHED] = "unmatched",
	[VSX_STAT_CACHE_HIT] = "cache_hit",
	[VSX_STAT_CACHE_MISS] = "cache_miss",
	[VSX_STAT_FRAG_FOLLOW] = "frag_follow",
	[VSX_STAT_FRAG_ORPHAN] = "frag_orphan",
	[VSX_STAT_NO_CORE] = "no_core",
	[VSX_STAT_REDIRECT] = "redirect",
	[VSX_STAT_LOCAL] = "local",
	[VSX_STAT_REDIRECT_FAIL] = "redirect_fail",
	[VSX_STAT_FCF_RESTORED] = "fcf_restored",
	[VSX_STAT_FCF_WRITTEN] = "fcf_written",
	[VSX_STAT_FLOW_MOVED] = "flow_moved",
	[VSX_STAT_OFFLOAD_HIT] = "offload_hit",
	[VSX_STAT_OFFLOAD_REFUSED] = "offload_refused",
	[VSX_STAT_OFFLOAD_REDIRECT_FAIL] = "offload_redirect_fail",
	[VSX_STAT_OFFLOAD_RATE_DROP] = "offload_rate_drop",
};

const char *const vsx_path_names[VSX_PATH_COUNT] = {
	[VSX_PATH_NORMAL] = "normal",
	[VSX_PATH_OFFLOAD] = "offload",
	[VSX_PATH_DROP] = "drop",
};
