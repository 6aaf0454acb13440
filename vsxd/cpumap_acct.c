// SPDX-License-Identifier: MIT
/*
 * The cpumap's accounting: loads bpf/cpumap_stats.bpf.c with the id of this datapath's cpumap
 * and attaches its tracepoint programs. The uplink program's "redirect" counter says how many
 * frames it handed to another core; these counters say what became of them there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "cpumap_stats.skel.h"
#include <vsx/cpumap_stats.h>
#include <vsx/map_names.h>

void vsxd_cpumap_acct_open(struct vsxd_datapath *dp)
{
	struct cpumap_stats *acct;
	char path[PATH_MAX];
	int err;

	acct = cpumap_stats__open();
	if (!acct) {
		log_warn("cpumap accounting off: %s", strerror(errno));
		return;
	}
	acct->rodata->vsx_cpumap_id = dp->cpumap_id;
	acct->rodata->vsx_devmap_id = dp->devmap_id;
	/* Only the counters are pinned: the map ids in .rodata are this load's. */
	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, VSX_MAP_CPUMAP_STATS) >= (int)sizeof(path))
		err = -ENAMETOOLONG;
	else
		err = bpf_map__set_pin_path(acct->maps.vsx_cpumap_stats, path);
	if (!err && snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, VSX_MAP_PORT_XMIT) >= (int)sizeof(path))
		err = -ENAMETOOLONG;
	else if (!err)
		err = bpf_map__set_pin_path(acct->maps.vsx_port_xmit, path);
	if (!err)
		err = cpumap_stats__load(acct);
	if (!err)
		err = cpumap_stats__attach(acct);
	if (err) {
		log_warn("cpumap accounting off (vsxctl stats shows no cpumap counters): %s",
			 strerror(-err));
		cpumap_stats__destroy(acct);
		return;
	}
	dp->acct = acct;
	log_debug("cpumap accounting on (cpumap id %u)", dp->cpumap_id);
}

void vsxd_cpumap_acct_close(struct vsxd_datapath *dp, bool keep)
{
	if (!dp->acct)
		return;
	if (!keep)
		bpf_object__unpin_maps(dp->acct->obj, NULL);
	cpumap_stats__destroy(dp->acct); /* detaches: nothing counts until the next vsxd */
	dp->acct = NULL;
}

int vsxd_dp_cpumap_stats(struct vsxd_datapath *dp, __u32 core, struct vsx_cpumap_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!dp->acct)
		return -EOPNOTSUPP;
	if (core >= VSX_MAX_CPUS)
		return -EINVAL;
	return vsxd_dp_percpu_sum(bpf_map__fd(dp->acct->maps.vsx_cpumap_stats), core, sizeof(*out),
				  (__u64 *)out, sizeof(*out) / sizeof(__u64));
}
