// SPDX-License-Identifier: MIT
#include "datapath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <vsx/map_names.h>

#include "log.h"
#include "classifier.h"
#include "cls_install.h"
#include "map_mmap.h"
#include "uplink.skel.h"
#include "egress.skel.h"

#define TC_HANDLE 0x5658 /* "VX" */
#define TC_PRIORITY 1
#define CPUMAP_QSIZE 2048

static int ensure_dir(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/*
 * The pin directory must be on a bpffs. /sys/fs/bpf is hidden inside `ip netns exec`, and a
 * bpffs mounted inside such a mount namespace dies with it, so vsxd also accepts any bpffs
 * (or a directory below one) and mounts a new one only where there is none.
 */
static int prepare_pin_dir(const char *dir)
{
	int err = ensure_dir(dir);

	if (err) {
		log_err("cannot create bpffs directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (on_bpffs(dir))
		return 0;
	if (mount("bpf", dir, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_err("cannot mount a bpffs on %s: %s", dir, strerror(errno));
		return err;
	}
	log_info("mounted a bpffs on %s", dir);
	return 0;
}

/*
 * One vsxd per datapath: an exclusive flock on the pin directory, held while vsxd runs.
 * A second vsxd on the same bpffs would otherwise take over the pins, replace the program,
 * and on exit remove the datapath from under the first one.
 */
static int lock_pin_dir(struct vsxd_datapath *dp)
{
	int fd = open(dp->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_err("cannot open %s: %s", dp->pin_dir, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		if (errno == EWOULDBLOCK)
			log_err("another vsxd is running on the datapath in %s: stop it first", dp->pin_dir);
		else
			log_err("cannot lock %s: %s", dp->pin_dir, strerror(errno));
		close(fd);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	dp->lock_fd = fd;
	return 0;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int vsxd_dp_set_pin_paths(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, obj) {
		if (pin_path(path, sizeof(path), dir, bpf_map__name(map)))
			return -ENAMETOOLONG;
		int err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The devmap of VM ports is re-used by fd, not through libbpf's pin path: the kernel adds
 * BPF_F_RDONLY_PROG to a devmap's flags, and libbpf 1.1's check of a pinned map against the
 * definition then refuses it ("parameter mismatch"). Before load: take the pinned map if
 * there is one. After load (vsxd_dp_devmap_pin): pin a new one.
 */
int vsxd_dp_devmap_reuse(struct bpf_map *m, const char *dir)
{
	char path[PATH_MAX];
	int fd, err;

	if (pin_path(path, sizeof(path), dir, bpf_map__name(m)))
		return -ENAMETOOLONG;
	bpf_map__set_pin_path(m, NULL);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_map__reuse_fd(m, fd);
	close(fd);
	return err;
}

int vsxd_dp_devmap_pin(struct bpf_map *m, const char *dir)
{
	char path[PATH_MAX];

	if (pin_path(path, sizeof(path), dir, bpf_map__name(m)))
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0)
		return bpf_map__set_pin_path(m, path); /* re-used: unpinned with the others */
	return bpf_map__pin(m, path);
}

/* A pinned flow cache of another size cannot be re-used: say so instead of libbpf's EINVAL. */
static int check_pinned_size(const char *dir, const char *name, __u32 want)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err = 0;

	if (pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.max_entries != want) {
		log_err("pinned map %s has %u entries but flow-cache-slots is %u: stop the running "
			"datapath first (vsxd without --keep-datapath) or restore the old setting",
			path, info.max_entries, want);
		err = -EEXIST;
	}
	close(fd);
	return err;
}

/* vsx_map_mmap() with a log line naming the map when it fails. */
static void *map_mmap(struct bpf_map *map, size_t *len)
{
	void *p = vsx_map_mmap(map, len);

	if (!p)
		log_err("mmap of map %s: %s", bpf_map__name(map), strerror(errno));
	return p;
}

static void init_config(struct vsxd_datapath *dp, const struct vsxd_conf *conf)
{
	struct vsx_config *c = dp->cfg;

	memset(c, 0, sizeof(*c));
	c->mode = conf->mode;
	c->cls_bank = VSX_CLS_BANK(0, 0);
	c->rules_gen = 1;
	c->flow_slots_mask = (__u32)dp->flow_slots - 1;
}

/* Settings the config file owns; applied at every start, also over a re-used datapath. */
static void apply_file_settings(struct vsxd_datapath *dp, const struct vsxd_conf *conf)
{
	struct vsx_config *c = dp->cfg;
	__u32 flags = conf->fcf ? VSX_CFG_FCF : 0;
	unsigned int n = 0;

	for (unsigned int cpu = 0; cpu < dp->n_cpus; cpu++) {
		if (conf->rss_cpus_all || vsx_cpuset_has(&conf->rss_cpus, cpu))
			c->rss_cpus[n++] = (__u16)cpu;
	}
	__atomic_store_n(&c->rss_n_cpus, n, __ATOMIC_RELEASE);
	__atomic_store_n(&c->vxlan_port, htons(conf->vxlan_port), __ATOMIC_RELEASE);
	__atomic_store_n(&c->flags, flags, __ATOMIC_RELEASE);
}

/* The kernel's id of the cpumap, read once: its kthreads and tracepoints are named by it. */
static int read_cpumap_id(struct vsxd_datapath *dp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(dp->up->maps.vsx_cpu_map), &info, &len)) {
		int err = -errno;

		log_err("reading the cpumap's id: %s", strerror(-err));
		return err;
	}
	dp->cpumap_id = info.id;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(bpf_map__fd(dp->up->maps.vsx_vm_ports), &info, &len) == 0)
		dp->devmap_id = info.id;
	return 0;
}

static int attach_tc(struct vsxd_datapath *dp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY,
		    .prog_fd = bpf_program__fd(dp->eg->progs.vsx_egress), .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		log_err("creating the clsact qdisc on %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	dp->tc_hooked = err == 0;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_err("attaching the egress program to %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	log_info("attached the FCF egress program to %s", dp->ifname);
	return 0;
}

static void detach_tc(struct vsxd_datapath *dp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIORITY);

	if (bpf_tc_detach(&hook, &opts) == 0)
		log_info("detached the egress program from %s", dp->ifname);
}

int vsxd_dp_open(struct vsxd_datapath *dp, const struct vsxd_conf *conf)
{
	char path[PATH_MAX];
	int err, n;

	memset(dp, 0, sizeof(*dp));
	dp->xdp_link_fd = -1;
	dp->xdp_attach = VSXD_XDP_NONE;
	dp->lock_fd = -1;
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", conf->uplink);
	dp->ifindex = (int)if_nametoindex(conf->uplink);
	if (!dp->ifindex) {
		log_err("uplink %s: %s", conf->uplink, strerror(errno));
		return -ENODEV;
	}
	n = libbpf_num_possible_cpus();
	if (n < 0)
		return n;
	dp->n_cpus = n > VSX_MAX_CPUS ? VSX_MAX_CPUS : (unsigned int)n;
	if (n > VSX_MAX_CPUS)
		log_warn("%d possible CPUs: only the first %d can be steered to", n, VSX_MAX_CPUS);
	if (snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", conf->bpffs) >= (int)sizeof(dp->pin_dir))
		return -ENAMETOOLONG;
	err = prepare_pin_dir(dp->pin_dir);
	if (err)
		return err;
	err = lock_pin_dir(dp);
	if (err)
		return err;
	err = check_pinned_size(dp->pin_dir, VSX_MAP_FLOW_CACHE, conf->flow_cache_slots);
	if (!err && pin_path(path, sizeof(path), dp->pin_dir, VSX_MAP_CONFIG))
		err = -ENAMETOOLONG;
	if (err) {
		close(dp->lock_fd);
		dp->lock_fd = -1;
		return err;
	}
	dp->reused = access(path, F_OK) == 0;

	dp->up = uplink__open();
	dp->eg = egress__open();
	if (!dp->up || !dp->eg) {
		err = -errno ? -errno : -ENOMEM;
		log_err("opening the BPF objects: %s", strerror(-err));
		goto fail;
	}
	dp->flow_slots = conf->flow_cache_slots;
	bpf_map__set_max_entries(dp->up->maps.vsx_flow_cache, (__u32)dp->flow_slots);
	bpf_map__set_max_entries(dp->up->maps.vsx_flow_stats, (__u32)dp->flow_slots);
	err = vsxd_dp_set_pin_paths(dp->up->obj, dp->pin_dir);
	if (!err)
		err = vsxd_dp_devmap_reuse(dp->up->maps.vsx_vm_ports, dp->pin_dir);
	if (!err)
		err = vsxd_dp_set_pin_paths(dp->eg->obj, dp->pin_dir);
	if (err)
		goto fail;
	err = uplink__load(dp->up);
	if (err) {
		log_err("loading the uplink program: %s", strerror(-err));
		goto fail;
	}
	err = vsxd_dp_devmap_pin(dp->up->maps.vsx_vm_ports, dp->pin_dir);
	if (err) {
		log_err("pinning %s: %s", VSX_MAP_VM_PORTS, strerror(-err));
		goto fail;
	}
	err = egress__load(dp->eg);
	if (err) {
		log_err("loading the egress program: %s", strerror(-err));
		goto fail;
	}
	err = read_cpumap_id(dp);
	if (err)
		goto fail;
	vsxd_cpumap_acct_open(dp); /* optional: vsxctl stats lacks the cpumap counters without it */

	dp->cfg = map_mmap(dp->up->maps.vsx_config, &dp->cfg_map_len);
	dp->core_table = map_mmap(dp->up->maps.vsx_core_table, &dp->table_map_len);
	dp->core_assign = map_mmap(dp->up->maps.vsx_core_assign, &dp->assign_map_len);
	dp->flows = map_mmap(dp->up->maps.vsx_flow_cache, &dp->flows_map_len);
	dp->eg_bank = map_mmap(dp->eg->maps.vsx_eg_bank, &dp->eg_bank_len);
	dp->ofl_cfg = map_mmap(dp->up->maps.vsx_offload_cfg, &dp->ofl_cfg_len);
	if (!dp->cfg || !dp->core_table || !dp->core_assign || !dp->flows || !dp->eg_bank ||
	    !dp->ofl_cfg) {
		err = -ENOMEM;
		goto fail;
	}
	if (dp->reused)
		log_info("re-using the pinned datapath state in %s", dp->pin_dir);
	else
		init_config(dp, conf);
	apply_file_settings(dp, conf);
	/* The fast path's host facts, at every start (the uplink's addresses may have changed). */
	err = vsxd_dp_offload_host_facts(dp);
	if (err)
		log_warn("the RX fast path takes nothing until the uplink's MAC and addresses are known: "
			 "%s", strerror(-err));
	err = vsxd_dp_set_vm_prio(dp, conf);
	if (err)
		goto fail;

	err = vsxd_xdp_attach(dp, conf);
	if (err)
		goto fail;
	if (conf->egress_fcf) {
		err = attach_tc(dp);
		if (err)
			goto fail;
	} else {
		detach_tc(dp);
	}
	return 0;
fail:
	vsxd_dp_close(dp, dp->reused);
	return err ? err : -EINVAL;
}

static void unmap(void *p, size_t len)
{
	if (p && len)
		munmap(p, len);
}

void vsxd_dp_close(struct vsxd_datapath *dp, bool keep)
{
	unmap(dp->cfg, dp->cfg_map_len);
	unmap(dp->core_table, dp->table_map_len);
	unmap(dp->core_assign, dp->assign_map_len);
	unmap(dp->flows, dp->flows_map_len);
	unmap(dp->eg_bank, dp->eg_bank_len);
	unmap(dp->ofl_cfg, dp->ofl_cfg_len);
	dp->ofl_cfg = NULL;
	dp->cfg = NULL;
	dp->core_table = NULL;
	dp->core_assign = NULL;
	dp->flows = NULL;
	dp->eg_bank = NULL;
	if (!keep) {
		vsxd_xdp_detach(dp);
		if (dp->ifindex)
			detach_tc(dp);
		if (dp->up)
			bpf_object__unpin_maps(dp->up->obj, NULL);
		if (dp->eg)
			bpf_object__unpin_maps(dp->eg->obj, NULL);
	}
	vsxd_cpumap_acct_close(dp, keep);
	if (dp->xdp_link_fd >= 0)
		close(dp->xdp_link_fd);
	dp->xdp_link_fd = -1;
	egress__destroy(dp->eg);
	uplink__destroy(dp->up);
	dp->eg = NULL;
	dp->up = NULL;
	if (dp->lock_fd >= 0)
		close(dp->lock_fd);
	dp->lock_fd = -1;
}

/* The id of the cpumap program, for telling whether an entry already runs this load's. */
static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * Every entry runs vsx_uplink_cpumap on its core: the RX fast path of the flows steering put
 * there (bpf/uplink.bpf.c). An entry a previous vsxd made is rewritten to this load's program
 * (the same maps, pinned). A kernel that refuses programs on cpumap entries gets plain
 * entries: the fast path then runs on the receiving core only (dp->cpumap_prog false).
 */
int vsxd_dp_sync_cpumap(struct vsxd_datapath *dp, const struct vsx_core_table *t)
{
	int fd = bpf_map__fd(dp->up->maps.vsx_cpu_map);
	int prog_fd = bpf_program__fd(dp->up->progs.vsx_uplink_cpumap);
	__u32 id = prog_id(prog_fd);

	dp->cpumap_prog = id != 0;
	for (__u32 cpu = 0; cpu < dp->n_cpus; cpu++) {
		struct bpf_cpumap_val have = {}, want = { .qsize = CPUMAP_QSIZE };
		bool present = bpf_map_lookup_elem(fd, &cpu, &have) == 0 && have.qsize;
		bool online = cpu < t->n_cpus && (t->cores[cpu].flags & VSX_CORE_ONLINE);

		want.bpf_prog.fd = id ? prog_fd : 0;
		if (online && (!present || have.bpf_prog.id != id)) {
			if (bpf_map_update_elem(fd, &cpu, &want, BPF_ANY) && id) {
				log_warn("cpumap entry for CPU %u with the fast path's program: %s; "
					 "without it, the fast path runs on receiving cores only",
					 cpu, strerror(errno));
				dp->cpumap_prog = false;
				want.bpf_prog.fd = 0;
				if (bpf_map_update_elem(fd, &cpu, &want, BPF_ANY) == 0)
					continue;
			}
			if (bpf_map_lookup_elem(fd, &cpu, &have) || !have.qsize) {
				log_warn("cpumap entry for CPU %u: %s", cpu, strerror(errno));
				continue;
			}
			log_debug("cpumap: CPU %u ready", cpu);
		} else if (!online && present) {
			bpf_map_delete_elem(fd, &cpu);
			log_info("cpumap: CPU %u went offline, removed", cpu);
		}
	}
	return 0;
}

int vsxd_dp_install_classifier(struct vsxd_datapath *dp, enum vsxd_dir dir,
			       const struct vsx_classifier *c)
{
	struct bpf_map *masks_map = dir == VSXD_INGRESS ? dp->up->maps.vsx_masks : dp->eg->maps.vsx_eg_masks;
	struct bpf_map *rules_map = dir == VSXD_INGRESS ? dp->up->maps.vsx_rules : dp->eg->maps.vsx_eg_rules;
	__u32 *bank_word = dir == VSXD_INGRESS ? &dp->cfg->cls_bank : dp->eg_bank;
	int err = vsx_cls_install(bpf_map__fd(masks_map), bpf_map__fd(rules_map), bank_word, c);

	if (err)
		log_err("installing the %s classifier: %s", dir == VSXD_INGRESS ? "ingress" : "egress",
			strerror(-err));
	else if (dir == VSXD_INGRESS)
		__atomic_add_fetch(&dp->cfg->rules_gen, 1, __ATOMIC_RELEASE);
	return err;
}

int vsxd_dp_set_vm_prio(struct vsxd_datapath *dp, const struct vsxd_conf *conf)
{
	int fd = bpf_map__fd(dp->up->maps.vsx_vm_prio);

	for (__u32 id = 0; id <= VSX_FCF_MAX_VM_ID; id++) {
		__u32 prio = 0;

		for (size_t i = 0; i < conf->n_vms; i++)
			if (conf->vms[i].vm_id == id && conf->vms[i].priority)
				prio = 1;
		if (bpf_map_update_elem(fd, &id, &prio, BPF_ANY))
			return -errno;
	}
	return 0;
}

int vsxd_dp_reset_rule(struct vsxd_datapath *dp, __u32 rule_id)
{
	struct vsx_rule_state st = { .core = VSX_CORE_NONE };

	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_rule_state), &rule_id, &st, BPF_ANY))
		return -errno;
	return 0;
}

int vsxd_dp_set_rule_state(struct vsxd_datapath *dp, __u32 rule_id, const struct vsx_rule_state *st)
{
	if (bpf_map_update_elem(bpf_map__fd(dp->up->maps.vsx_rule_state), &rule_id, st, BPF_ANY))
		return -errno;
	return 0;
}

int vsxd_dp_rule_state(struct vsxd_datapath *dp, __u32 rule_id, struct vsx_rule_state *st)
{
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_rule_state), &rule_id, st))
		return -errno;
	return 0;
}

/* Sums a per-CPU value of `words` u64 fields. */
int vsxd_dp_percpu_sum(int fd, __u32 key, size_t value_size, __u64 *sum, size_t words)
{
	int n = libbpf_num_possible_cpus();
	size_t stride = (value_size + 7) & ~(size_t)7;
	unsigned char *vals;

	if (n <= 0)
		return -EINVAL;
	vals = calloc((size_t)n, stride);
	if (!vals)
		return -ENOMEM;
	memset(sum, 0, words * sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int err = -errno;
		free(vals);
		return err;
	}
	for (int cpu = 0; cpu < n; cpu++) {
		const __u64 *v = (const __u64 *)(vals + (size_t)cpu * stride);
		for (size_t w = 0; w < words; w++)
			sum[w] += v[w];
	}
	free(vals);
	return 0;
}

int vsxd_dp_rule_counter(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			 struct vsx_counter *out)
{
	struct bpf_map *m = dir == VSXD_INGRESS ? dp->up->maps.vsx_rule_stats : dp->eg->maps.vsx_eg_rule_stats;
	__u64 s[2];
	int err = vsxd_dp_percpu_sum(bpf_map__fd(m), rule_id, sizeof(*out), s, 2);

	out->packets = s[0];
	out->bytes = s[1];
	return err;
}

int vsxd_dp_clear_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id)
{
	struct bpf_map *m = dir == VSXD_INGRESS ? dp->up->maps.vsx_rule_stats : dp->eg->maps.vsx_eg_rule_stats;
	int n = libbpf_num_possible_cpus();
	void *zero;
	int err = 0;

	if (n <= 0)
		return -EINVAL;
	zero = calloc((size_t)n, sizeof(struct vsx_counter));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(m), &rule_id, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

int vsxd_dp_get_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			      struct vsx_counter **percpu)
{
	struct bpf_map *m = dir == VSXD_INGRESS ? dp->up->maps.vsx_rule_stats : dp->eg->maps.vsx_eg_rule_stats;
	int n = libbpf_num_possible_cpus();
	struct vsx_counter *vals;

	*percpu = NULL;
	if (n <= 0)
		return -EINVAL;
	vals = calloc((size_t)n, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(m), &rule_id, vals)) {
		int err = -errno;
		free(vals);
		return err;
	}
	*percpu = vals;
	return 0;
}

int vsxd_dp_set_rule_counters(struct vsxd_datapath *dp, enum vsxd_dir dir, __u32 rule_id,
			      const struct vsx_counter *percpu)
{
	struct bpf_map *m = dir == VSXD_INGRESS ? dp->up->maps.vsx_rule_stats : dp->eg->maps.vsx_eg_rule_stats;

	if (bpf_map_update_elem(bpf_map__fd(m), &rule_id, percpu, BPF_ANY))
		return -errno;
	return 0;
}

int vsxd_dp_core_counters(struct vsxd_datapath *dp, struct vsx_counter out[VSX_MAX_CPUS])
{
	__u64 s[VSX_STAT_COUNT + 1 + 2 * VSX_MAX_CPUS] = {0}; /* zeros if the read fails */
	int err = vsxd_dp_percpu_sum(bpf_map__fd(dp->up->maps.vsx_stats), 0,
				     sizeof(struct vsx_stat_block), s, sizeof(s) / sizeof(s[0]));

	for (unsigned int core = 0; core < VSX_MAX_CPUS; core++) {
		out[core].packets = s[VSX_STAT_COUNT + 1 + 2 * core];
		out[core].bytes = s[VSX_STAT_COUNT + 2 + 2 * core];
	}
	return err;
}

int vsxd_dp_core_counter(struct vsxd_datapath *dp, __u32 core, struct vsx_counter *out)
{
	struct vsx_counter all[VSX_MAX_CPUS];
	int err;

	memset(out, 0, sizeof(*out));
	if (core >= VSX_MAX_CPUS)
		return -EINVAL;
	err = vsxd_dp_core_counters(dp, all);
	*out = all[core];
	return err;
}

int vsxd_dp_flow_counter(struct vsxd_datapath *dp, __u32 slot, __u32 tag, struct vsx_counter *out)
{
	int n = libbpf_num_possible_cpus();
	struct vsx_flow_stats *vals;

	memset(out, 0, sizeof(*out));
	if (n <= 0)
		return -EINVAL;
	vals = calloc((size_t)n, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->up->maps.vsx_flow_stats), &slot, vals)) {
		int err = -errno;
		free(vals);
		return err;
	}
	/* A CPU's counters count only while their tag is the slot's current flow. */
	for (int cpu = 0; cpu < n; cpu++) {
		if (vals[cpu].tag != tag)
			continue;
		out->packets += vals[cpu].packets;
		out->bytes += vals[cpu].bytes;
	}
	free(vals);
	return 0;
}

int vsxd_dp_stats(struct vsxd_datapath *dp, __u64 out[VSX_STAT_COUNT])
{
	__u64 s[VSX_STAT_COUNT + 1 + 2 * VSX_MAX_CPUS];
	int err = vsxd_dp_percpu_sum(bpf_map__fd(dp->up->maps.vsx_stats), 0, sizeof(struct vsx_stat_block), s,
			     sizeof(s) / sizeof(s[0]));

	memcpy(out, s, VSX_STAT_COUNT * sizeof(*out));
	return err;
}
