// SPDX-License-Identifier: MIT
/*
 * The uplink XDP program's attachment (docs/xdp.md). vsx joins libxdp's multi-program
 * dispatcher, so other XDP programs (xdp-loader, other libxdp users) run on the same uplink:
 * vsx runs last (run priority VSX_RUN_PRIO) and ends the chain on every verdict, because it
 * only returns XDP_PASS (keep the packet on this core) and XDP_REDIRECT (to a cpumap), and a
 * program after either would see half the traffic or undo the hand-over.
 *
 * The uplink object is loaded twice: dp->up (type XDP, by vsxd_dp_open) owns the maps and is
 * what vsxd reads and writes; a second, short-lived instance, sharing the pinned maps, is what
 * libxdp loads as the dispatcher's component (type EXT). A vsxd started over a kept datapath
 * finds vsx_uplink in the dispatcher and keeps it when its instructions are the same (same
 * tag as dp->up's program), or adds the new program and then removes the old one: each step
 * replaces the dispatcher atomically, and in between the two programs cannot both see a
 * packet since the first of them ends the chain.
 *
 * The pinned bpf_link of earlier vsx versions is the fallback: kept when a vsxd finds one
 * (its program is replaced in place, as before), and used when libxdp cannot run its
 * dispatcher here and attaches vsx alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "datapath.h"
#include "log.h"
#include "uplink.skel.h"

#define XDP_LINK_PIN "uplink_xdp_link"
#define VSX_PROG_NAME "vsx_uplink"
/* libxdp's default is 50 and lower runs first: operators' programs come before vsx. */
#define VSX_RUN_PRIO 1000
#define LIBXDP_DEFAULT_BPFFS "/sys/fs/bpf"

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	enum vsx_log_level ours = level == LIBXDP_WARN	 ? VSX_LOG_WARN
				  : level == LIBXDP_INFO ? VSX_LOG_INFO
							 : VSX_LOG_DEBUG;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* Probed attach modes that fail are vsxd's to report (auto tries native, then generic). */
	if (strstr(line, "Error attaching XDP program") || strstr(line, "XDP mode not supported"))
		ours = VSX_LOG_DEBUG;
	vsx_log(ours, "%s", line); /* libxdp's messages name libxdp themselves */
	return 0;
}

/*
 * While libxdp works, libbpf's messages are debug: libxdp probes (a dispatcher it cannot
 * load, frags support) and libbpf warns about every failed probe, though libxdp copes. What
 * matters comes back as libxdp's result, which vsxd reports; -l debug shows the rest.
 */
static libbpf_print_fn_t libbpf_prev;

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return libbpf_prev ? libbpf_prev(LIBBPF_DEBUG, fmt, ap) : 0;
}

static void libbpf_hush(bool on)
{
	if (on)
		libbpf_prev = libbpf_set_print(libbpf_quiet);
	else
		libbpf_set_print(libbpf_prev);
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/*
 * libxdp keeps the dispatcher's component links pinned in a bpffs (LIBXDP_BPFFS, default
 * /sys/fs/bpf): without them a component leaves the dispatcher when its loader exits. Inside
 * `ip netns exec` /sys/fs/bpf is no bpffs, so there vsxd lends libxdp its own pin directory
 * (whose bpffs outlives vsxd); xdp-loader then needs the same LIBXDP_BPFFS.
 */
static void setup_libxdp(struct vsxd_datapath *dp)
{
	const char *env = getenv("LIBXDP_BPFFS");

	libxdp_set_print(libxdp_print);
	if (env || is_bpffs(LIBXDP_DEFAULT_BPFFS))
		return;
	if (setenv("LIBXDP_BPFFS", dp->pin_dir, 0)) {
		log_warn("setting LIBXDP_BPFFS: %s", strerror(errno));
		return;
	}
	log_info("%s is no bpffs here: libxdp keeps its state in %s/xdp (LIBXDP_BPFFS=%s for "
		 "xdp-loader)",
		 LIBXDP_DEFAULT_BPFFS, dp->pin_dir, dp->pin_dir);
}

static const char *mode_name(enum xdp_attach_mode m)
{
	return m == XDP_MODE_NATIVE ? "native" : m == XDP_MODE_SKB ? "generic" : "unspecified";
}

/* ---- the fallback: a pinned bpf_link, as vsx had before the dispatcher ---- */

/* Replaces the program of a pinned link in place. 1: no usable link pinned (path removed). */
static int update_pinned_link(struct vsxd_datapath *dp, const char *path)
{
	int prog_fd = bpf_program__fd(dp->up->progs.vsx_uplink);
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.xdp.ifindex != 0 &&
	    (int)info.xdp.ifindex != dp->ifindex) {
		log_err("pinned XDP link %s belongs to ifindex %u, not %s", path, info.xdp.ifindex,
			dp->ifname);
		close(fd);
		return -EEXIST;
	}
	if (bpf_link_update(fd, prog_fd, NULL) == 0) {
		dp->xdp_link_fd = fd;
		dp->xdp_attach = VSXD_XDP_LINK;
		log_info(
		    "replaced the XDP program in the pinned bpf_link on %s in place (the link of "
		    "an earlier vsxd: libxdp's dispatcher is tried only when no link is pinned)",
		    dp->ifname);
		return 0;
	}
	log_warn("pinned XDP link %s is stale (%s): attaching anew", path, strerror(errno));
	close(fd);
	unlink(path);
	return 1;
}

static int attach_link(struct vsxd_datapath *dp, const struct vsxd_conf *conf, const char *path)
{
	int prog_fd = bpf_program__fd(dp->up->progs.vsx_uplink);
	__u32 modes[2];
	int n_modes = 0, fd = -1, err = -EINVAL;

	if (conf->xdp_mode != VSXD_XDP_GENERIC)
		modes[n_modes++] = XDP_FLAGS_DRV_MODE;
	if (conf->xdp_mode != VSXD_XDP_NATIVE)
		modes[n_modes++] = XDP_FLAGS_SKB_MODE;
	for (int i = 0; i < n_modes && fd < 0; i++) {
		LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = modes[i]);
		const char *m = modes[i] == XDP_FLAGS_DRV_MODE ? "native" : "generic";

		fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &opts);
		if (fd >= 0) {
			log_info("attached XDP (%s mode) to %s through a pinned bpf_link", m,
				 dp->ifname);
			break;
		}
		err = -errno;
		log_warn("attaching XDP in %s mode to %s failed: %s", m, dp->ifname,
			 strerror(errno));
	}
	if (fd < 0)
		return err;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		log_err("pinning the XDP link at %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	dp->xdp_link_fd = fd;
	dp->xdp_attach = VSXD_XDP_LINK;
	return 0;
}

/* ---- libxdp's dispatcher ---- */

static int prog_tag(int fd, unsigned char tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

/*
 * Whether a running vsx_uplink is this datapath's: it uses our pinned vsx_config. Another
 * vsxd's (another pin directory on the same uplink) must not be taken for ours.
 */
static bool uses_our_maps(struct vsxd_datapath *dp, const struct xdp_program *p)
{
	struct bpf_map_info map = {};
	struct bpf_prog_info info = {};
	__u32 ids[64], map_len = sizeof(map), info_len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(dp->up->maps.vsx_config), &map, &map_len))
		return false;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(xdp_program__fd(p), &info, &info_len))
		return false;
	for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == map.id)
			return true;
	return false;
}

/* The dispatcher's component program with this id, or NULL. */
static struct xdp_program *find_prog(struct xdp_multiprog *mp, __u32 id)
{
	struct xdp_program *p = NULL;

	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (xdp_program__id(p) == id)
			return p;
	return NULL;
}

static struct xdp_multiprog *get_multiprog(int ifindex, int *err)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	*err = (int)libxdp_get_error(mp);
	if (*err)
		return NULL;
	return mp;
}

/*
 * Loads a fresh instance of the uplink object (sharing dp->up's pinned maps) as the
 * dispatcher's component and adds it in `mode`. *id: the new program's id. 1: libxdp could not
 * use its dispatcher and attached the program alone; that attachment is undone again.
 */
static int add_to_dispatcher(struct vsxd_datapath *dp, enum xdp_attach_mode mode, __u32 *id)
{
	struct uplink *inst = uplink__open();
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	int err;

	if (!inst)
		return -errno ? -errno : -ENOMEM;
	bpf_map__set_max_entries(inst->maps.vsx_flow_cache, (__u32)dp->flow_slots);
	bpf_map__set_max_entries(inst->maps.vsx_flow_stats, (__u32)dp->flow_slots);
	err = vsxd_dp_set_pin_paths(inst->obj, dp->pin_dir);
	if (!err)
		err = vsxd_dp_devmap_reuse(inst->maps.vsx_vm_ports, dp->pin_dir);
	if (err)
		goto out;
	/*
	 * The component is the uplink program alone: the cpumap program (BPF_XDP_CPUMAP) runs
	 * from dp->up's instance, and libxdp's single-program fallback cannot load an object
	 * with a second XDP program of another attach type (EINVAL).
	 */
	bpf_program__set_autoload(inst->progs.vsx_uplink_cpumap, false);
	prog = xdp_program__from_bpf_obj(inst->obj, "xdp");
	err = (int)libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		log_err("libxdp cannot take the uplink program: %s", strerror(-err));
		goto out;
	}
	err = xdp_program__set_run_prio(prog, VSX_RUN_PRIO);
	for (unsigned int a = XDP_ABORTED; !err && a <= XDP_REDIRECT; a++)
		err = xdp_program__set_chain_call_enabled(prog, a, false);
	if (err) {
		log_err("setting vsx's place in the XDP chain: %s", strerror(-err));
		goto out;
	}
	libbpf_hush(true);
	err = xdp_program__attach(prog, dp->ifindex, mode, 0);
	libbpf_hush(false);
	if (err) {
		log_warn("adding vsx_uplink to the XDP dispatcher on %s in %s mode: %s", dp->ifname,
			 mode_name(mode), strerror(-err));
		goto out;
	}
	*id = xdp_program__id(prog);
	mp = get_multiprog(dp->ifindex, &err);
	if (mp && xdp_multiprog__is_legacy(mp) &&
	    xdp_program__id(xdp_multiprog__main_prog(mp)) == *id) {
		/* libxdp's own fallback: a plain netlink attachment nobody else could join. */
		xdp_multiprog__detach(mp);
		err = 1;
	} else if (!mp) {
		/* Attached all the same: trying another mode now would attach it twice. */
		log_warn("reading the XDP dispatcher on %s back: %s", dp->ifname, strerror(-err));
		err = 0;
	}
	xdp_multiprog__close(mp);
out:
	xdp_program__close(prog);
	uplink__destroy(inst); /* the component lives on in the dispatcher's pinned link */
	return err;
}

/* Warns about programs placed after vsx: vsx ends the chain, they see no packet. */
static void check_order(struct vsxd_datapath *dp)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int err, n, pos = 0, after = 0;

	mp = get_multiprog(dp->ifindex, &err);
	if (!mp)
		return;
	n = xdp_multiprog__program_count(mp);
	while ((p = xdp_multiprog__next_prog(p, mp))) {
		if (xdp_program__id(p) == dp->xdp_prog_id) {
			pos = after + 1;
			continue;
		}
		after++;
		if (pos)
			log_warn(
			    "XDP program %s (id %u, priority %u) runs after vsx on %s and sees "
			    "no packet: vsx ends the chain; load it with a priority below %u",
			    xdp_program__name(p), xdp_program__id(p), xdp_program__run_prio(p),
			    dp->ifname, VSX_RUN_PRIO);
	}
	log_info("XDP dispatcher on %s (%s mode): vsx_uplink (id %u) runs %d of %d", dp->ifname,
		 mode_name(xdp_multiprog__attach_mode(mp)), dp->xdp_prog_id, pos, n);
	xdp_multiprog__close(mp);
}

/* The attach modes to try: the running dispatcher's, else the configured ones. */
static int pick_modes(struct vsxd_datapath *dp, const struct vsxd_conf *conf,
		      struct xdp_multiprog *mp, enum xdp_attach_mode modes[2])
{
	enum xdp_attach_mode have;
	int n = 0;

	if (!mp) {
		if (conf->xdp_mode != VSXD_XDP_GENERIC)
			modes[n++] = XDP_MODE_NATIVE;
		if (conf->xdp_mode != VSXD_XDP_NATIVE)
			modes[n++] = XDP_MODE_SKB;
		return n;
	}
	have = xdp_multiprog__attach_mode(mp);
	if ((conf->xdp_mode == VSXD_XDP_NATIVE && have != XDP_MODE_NATIVE) ||
	    (conf->xdp_mode == VSXD_XDP_GENERIC && have != XDP_MODE_SKB)) {
		log_err(
		    "the XDP dispatcher on %s runs in %s mode but xdp-mode is %s: set xdp-mode %s "
		    "or auto, or unload the other XDP programs first",
		    dp->ifname, mode_name(have), vsxd_xdp_mode_name(conf->xdp_mode),
		    have == XDP_MODE_NATIVE ? "native" : "generic");
		return -EINVAL;
	}
	modes[n++] = have;
	return n;
}

int vsxd_xdp_attach(struct vsxd_datapath *dp, const struct vsxd_conf *conf)
{
	struct xdp_multiprog *mp = NULL;
	struct xdp_program *old = NULL, *p = NULL;
	enum xdp_attach_mode modes[2];
	unsigned char tag[BPF_TAG_SIZE];
	char path[PATH_MAX];
	int err, n;
	__u32 id = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, XDP_LINK_PIN) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	err = update_pinned_link(dp, path);
	if (err <= 0)
		return err;

	setup_libxdp(dp);
	mp = get_multiprog(dp->ifindex, &err);
	if (!mp && err != -ENOENT) {
		log_err("reading the XDP programs on %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	if (mp && xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (!strcmp(xdp_program__name(p), "xdp_dispatcher"))
			log_err("%s has a libxdp dispatcher (id %u) whose state is not in %s/xdp: "
				"start vsxd with the LIBXDP_BPFFS of the program that loaded it",
				dp->ifname, xdp_program__id(p),
				getenv("LIBXDP_BPFFS") ?: LIBXDP_DEFAULT_BPFFS);
		else
			log_err(
			    "XDP program %s (id %u) holds %s without libxdp's dispatcher, so vsx "
			    "cannot run beside it: unload it, or load it with xdp-loader",
			    xdp_program__name(p), xdp_program__id(p), dp->ifname);
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	while (mp && (p = xdp_multiprog__next_prog(p, mp))) {
		if (strcmp(xdp_program__name(p), VSX_PROG_NAME))
			continue;
		if (!uses_our_maps(dp, p)) {
			log_err(
			    "vsx_uplink (id %u) on %s is another datapath's (its maps are not the "
			    "ones in %s): stop the vsxd that runs it first",
			    xdp_program__id(p), dp->ifname, dp->pin_dir);
			xdp_multiprog__close(mp);
			return -EBUSY;
		}
		old = p;
	}
	if (old && prog_tag(bpf_program__fd(dp->up->progs.vsx_uplink), tag) == 0 &&
	    !memcmp(tag, xdp_program__tag(old), BPF_TAG_SIZE)) {
		dp->xdp_prog_id = xdp_program__id(old);
		dp->xdp_attach = VSXD_XDP_DISPATCHER;
		log_info("vsx_uplink (id %u) is in the XDP dispatcher on %s already: kept running "
			 "as it is",
			 dp->xdp_prog_id, dp->ifname);
		xdp_multiprog__close(mp);
		check_order(dp);
		return 0;
	}

	n = pick_modes(dp, conf, mp, modes);
	err = n < 0 ? n : -EINVAL;
	/* The next mode only after a failed attach: libxdp's fallback (1) does not depend on it. */
	for (int i = 0; i < n; i++) {
		err = add_to_dispatcher(dp, modes[i], &id);
		if (err >= 0)
			break;
	}
	if (err == 1) {
		log_warn("libxdp cannot use its dispatcher on %s (see its messages above): vsx "
			 "attaches alone through a bpf_link; no other XDP program can share it",
			 dp->ifname);
		xdp_multiprog__close(mp);
		return attach_link(dp, conf, path);
	}
	if (err) {
		log_err("cannot add vsx to the XDP dispatcher on %s: %s", dp->ifname,
			strerror(-err));
		xdp_multiprog__close(mp);
		return err;
	}
	dp->xdp_prog_id = id;
	dp->xdp_attach = VSXD_XDP_DISPATCHER;
	if (old) {
		/*
		 * An upgrade. Both are in the dispatcher now: the old one, loaded first, sorts
		 * first and ends the chain, so the new one takes the packets the moment the old
		 * one leaves (another atomic dispatcher replacement). No packet sees both.
		 */
		__u32 old_id = xdp_program__id(old);

		libbpf_hush(true);
		err = xdp_program__detach(old, dp->ifindex, modes[0], 0);
		libbpf_hush(false);
		if (err)
			log_warn(
			    "removing the previous vsx_uplink (id %u) from %s: %s; both stay in "
			    "the dispatcher, sharing the maps",
			    old_id, dp->ifname, strerror(-err));
		else
			log_info("replaced vsx_uplink id %u by id %u in the XDP dispatcher on %s",
				 old_id, id, dp->ifname);
	} else {
		log_info("added vsx_uplink (id %u) to the XDP dispatcher on %s", id, dp->ifname);
	}
	xdp_multiprog__close(mp);
	check_order(dp);
	return 0;
}

static void detach(struct vsxd_datapath *dp)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	char path[PATH_MAX];
	int err, n;

	if (dp->xdp_attach == VSXD_XDP_LINK) {
		if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, XDP_LINK_PIN) <
			(int)sizeof(path) &&
		    unlink(path) == 0)
			log_info("detached XDP from %s", dp->ifname);
		return;
	}
	if (dp->xdp_attach != VSXD_XDP_DISPATCHER)
		return;
	mp = get_multiprog(dp->ifindex, &err);
	p = mp ? find_prog(mp, dp->xdp_prog_id) : NULL;
	if (!p) {
		log_warn("vsx_uplink (id %u) is no longer in the XDP dispatcher on %s",
			 dp->xdp_prog_id, dp->ifname);
	} else {
		n = xdp_multiprog__program_count(mp) - 1;
		libbpf_hush(true);
		/* In its mode: unspecified, the kernel would look for it in native mode. */
		err = xdp_program__detach(p, dp->ifindex, xdp_multiprog__attach_mode(mp), 0);
		libbpf_hush(false);
		if (err)
			log_err("removing vsx_uplink from the XDP dispatcher on %s: %s", dp->ifname,
				strerror(-err));
		else if (n > 0)
			log_info(
			    "removed vsx_uplink from the XDP dispatcher on %s; %d other program%s "
			    "keep%s running",
			    dp->ifname, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
		else
			log_info(
			    "detached XDP from %s (vsx_uplink was the dispatcher's only program)",
			    dp->ifname);
	}
	xdp_multiprog__close(mp);
	dp->xdp_attach = VSXD_XDP_NONE;
}

void vsxd_xdp_detach(struct vsxd_datapath *dp)
{
	char path[PATH_MAX];

	detach(dp);
	/*
	 * libxdp's directory in pin_dir (LIBXDP_BPFFS lent to it, by this vsxd or an earlier one):
	 * it goes with the datapath once no dispatcher state is left in it (rmdir fails otherwise).
	 */
	if (snprintf(path, sizeof(path), "%s/xdp", dp->pin_dir) < (int)sizeof(path))
		rmdir(path);
}
