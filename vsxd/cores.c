// SPDX-License-Identifier: MIT
/*
 * The core table, kept current: every sampling tick samples CPU load (lib/core_load.c:
 * /proc/stat, smoothed), resolves each configured VM's pinning (a static list, or the union
 * of a VM process's thread affinities, the PID given directly or read from a pid file),
 * writes the table into the datapath field by field, zeroes the decisions counted as recent,
 * lets the rebalancer move rules (rebalance.c), and keeps the cpumap in step with the online
 * CPUs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsxd.h"
#include "cores.h"
#include "core_load.h"
#include "log.h"

struct vsxd_cores {
	struct vsx_core_load *load;
	struct vsx_vm_pin *pins; /* one per configured VM */
	struct vsx_cpuset online;
};

/* A pid-file VM's PID, read at every tick so that a restarted VM is followed. */
static pid_t read_pid_file(const char *path)
{
	FILE *f = fopen(path, "r");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid < 0)
		pid = 0;
	fclose(f);
	return pid;
}

static void resolve_pins(struct vsxd *d)
{
	for (size_t i = 0; i < d->conf.n_vms; i++) {
		const struct vsxd_vm *vm = &d->conf.vms[i];
		struct vsx_vm_pin *pin = &d->cores->pins[i];

		memset(pin, 0, sizeof(*pin));
		pin->vm_id = vm->vm_id;
		switch (vm->pin) {
		case VSXD_PIN_CPUS:
			pin->cpus = vm->cpus;
			break;
		case VSXD_PIN_PID:
			pin->pid = (pid_t)vm->pid;
			break;
		case VSXD_PIN_PID_FILE:
			pin->pid = read_pid_file(vm->pid_file);
			if (pin->pid <= 0)
				pin->pid = -1; /* not running: pins nothing */
			break;
		default:
			break; /* not pinned */
		}
	}
}

void vsxd_cores_tick(struct vsxd *d)
{
	struct vsxd_cores *c = d->cores;
	struct vsx_core_table table, *t = &table; /* d->core_table once the datapath has it */
	struct vsx_core_assign *a = vsx_dp_call(&d->dpp, core_assign);
	struct vsx_dp_caps caps = {0};
	int err = vsx_core_load_sample(c->load);

	if (err) {
		log_rl(VSX_LOG_WARN, "sampling CPU load: %s", strerror(-err));
		return;
	}
	resolve_pins(d);
	err = vsx_core_table_fill(t, c->load, d->conf.threshold, c->pins, d->conf.n_vms);
	if (err) {
		log_rl(VSX_LOG_WARN, "filling the core table: %s", strerror(-err));
		return;
	}
	vsx_dp_call(&d->dpp, caps, &caps);
	if (t->n_cpus > caps.n_cpus)
		t->n_cpus = caps.n_cpus;
	t->decision_load = d->conf.decision_load;
	err = vsx_dp_call(&d->dpp, set_core_table, t);
	if (err) {
		log_rl(VSX_LOG_WARN, "writing the core table: %s", strerror(-err));
		return;
	}
	d->core_table = table;
	/*
	 * The new loads show the decisions taken until now: they stop counting as recent. An
	 * exchange, since the datapath adds to recent[] concurrently (a decision that lands
	 * between the loads and this exchange is forgotten a sample early; that only ranks its
	 * core as slightly less loaded, for one interval).
	 */
	for (unsigned int cpu = 0; a && cpu < VSX_MAX_CPUS; cpu++)
		__atomic_exchange_n(&a->recent[cpu], 0, __ATOMIC_RELAXED);

	vsxd_rebalance_tick(d);

	/* The cpumap follows the plain online set (a CPU just back online has no load yet). */
	const struct vsx_cpuset *online = vsx_core_load_online(c->load);
	if (!vsx_cpuset_equal(online, &c->online)) {
		struct vsx_core_table avail = {.n_cpus = t->n_cpus};

		for (unsigned int cpu = 0; cpu < t->n_cpus; cpu++) {
			if (vsx_cpuset_has(online, cpu) != vsx_cpuset_has(&c->online, cpu))
				log_info("CPU %u is %s", cpu,
					 vsx_cpuset_has(online, cpu) ? "online" : "offline");
			if (vsx_cpuset_has(online, cpu))
				avail.cores[cpu].flags = VSX_CORE_ONLINE;
		}
		err = vsx_dp_call(&d->dpp, sync_cores, &avail);
		if (err) {
			log_rl(VSX_LOG_WARN, "the per-core queues: %s (again at the next tick)",
			       strerror(-err));
			return;
		}
		vsxd_cpumap_kthreads_tune(d);
		c->online = *online;
	}
}

int vsxd_cores_init(struct vsxd *d)
{
	return vsxd_cores_init_at(d, NULL);
}

int vsxd_cores_init_at(struct vsxd *d, const char *root)
{
	int err;

	d->cores = calloc(1, sizeof(*d->cores));
	if (!d->cores)
		return -ENOMEM;
	d->cores->pins = calloc(d->conf.n_vms ? d->conf.n_vms : 1, sizeof(*d->cores->pins));
	if (!d->cores->pins)
		return -ENOMEM;
	err = vsx_core_load_new(root, &d->cores->load);
	if (err)
		log_err("CPU load sampling: %s", strerror(-err));
	return err;
}

void vsxd_cores_free(struct vsxd *d)
{
	if (!d->cores)
		return;
	vsx_core_load_free(d->cores->load);
	free(d->cores->pins);
	free(d->cores);
	d->cores = NULL;
}
