// SPDX-License-Identifier: MIT
/*
 * The host and its workload, from the seed alone: VMs (vCPUs, pinning, priority, weight,
 * boot time) and every flow of the run (class, destination VM, rate, start and end, the
 * NIC's hash). Every policy runs on this same list.
 */
#include "model.h"
#include "rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The flow mix at load 1 (docs/simulation.md "Workload"). Model assumptions, not
 * measurements: chosen so that at the base load the switch work fills the free cores of
 * the default host to about 45 % (7.2 cores' worth on 16, below the paper's threshold of
 * 50), and the load step takes them above it (13.0 on 16).
 */
#define MICE_PER_S 3000.0  /* new mice per second, host-wide */
#define MICE_FRAMES_MIN 10 /* frames per mouse, uniform */
#define MICE_FRAMES_MAX 400
#define MICE_FPS 10000.0 /* a mouse's frame rate: it lasts 1..40 ms */
#define HEAVY_PER_S 6.0	 /* new heavy flows per second */
#define HEAVY_S_MIN 3.0	 /* duration, uniform */
#define HEAVY_S_MAX 15.0
#define HEAVY_FPS_MIN 20000.0 /* 20k..80k frames/s: 0.2..0.9 Gb/s of 1400-byte frames */
#define HEAVY_FPS_MAX 80000.0
#define FRAG_PER_S 1.5 /* new fragmented UDP flows per second */
#define FRAG_S_MIN 5.0
#define FRAG_S_MAX 20.0
#define FRAG_DGRAMS_MIN 2000.0 /* 8192-byte datagrams per second: 0.13..0.52 Gb/s */
#define FRAG_DGRAMS_MAX 8000.0
#define FRAGS_PER_DGRAM 6 /* 8192 + 8 bytes of UDP in 1480-byte IPv4 fragments (MTU 1500) */
#define FRAG_PEERS 2	  /* remote VMs that send fragmented UDP to one VM */
#define REMOTE_VMS 4096	  /* remote VMs that send everything else */
#define VM_WEIGHT_MIN 0.5 /* a VM's share of the arrivals, relative, uniform */
#define VM_WEIGHT_MAX 1.5
#define BOOT_SHARE 0.1 /* most VMs boot during the first 10 % of the run, */
#define LATE_VMS 0.2   /* but one in five boots later, at any time (new rules then) */

/* The load steps: base load, a step up, a step down (the phases after the VMs booted). */
#define STEP_UP_AT 0.4
#define STEP_DOWN_AT 0.7
#define STEP_UP 1.6
#define STEP_DOWN 0.6

static double run_s(const struct sim_params *p)
{
	return p->intervals * SIM_INTERVAL_S;
}

double sim_load_step(const struct sim_params *p, double s)
{
	double f = s / run_s(p);

	return f < STEP_UP_AT ? 1.0 : f < STEP_DOWN_AT ? STEP_UP : STEP_DOWN;
}

const char *sim_phase_name(const struct sim_params *p, double s)
{
	double f = s / run_s(p);

	return f < BOOT_SHARE	  ? "boot"
	       : f < STEP_UP_AT	  ? "base"
	       : f < STEP_DOWN_AT ? "step-up"
				  : "step-down";
}

/* Phase boundaries after `s`, for the piecewise-constant arrival rate. */
static double next_boundary(const struct sim_params *p, double s)
{
	double up = STEP_UP_AT * run_s(p), down = STEP_DOWN_AT * run_s(p);

	return s < up ? up : s < down ? down : run_s(p);
}

double sim_expected_flows(const struct sim_params *p)
{
	double f = run_s(p);
	double steps = STEP_UP_AT * f + (STEP_DOWN_AT - STEP_UP_AT) * f * STEP_UP +
		       (1 - STEP_DOWN_AT) * f * STEP_DOWN;

	return (MICE_PER_S + HEAVY_PER_S + FRAG_PER_S) * p->load * steps;
}

/* The NIC's RSS hash (Toeplitz in hardware; any good mix serves the model). */
static uint32_t nic_hash(uint32_t src, uint32_t dst, uint32_t ports)
{
	return (uint32_t)(sim_mix(((uint64_t)src << 32 | dst) ^ sim_mix(ports)) >> 32);
}

static int build_vms(const struct sim_params *p, struct sim_host *h, struct sim_rng *r)
{
	unsigned int n_pinned = p->cores - p->free_cores, next = 0;

	h->vm = calloc(p->vms, sizeof(*h->vm));
	if (!h->vm)
		return -ENOMEM;
	h->n_vms = p->vms;
	h->boot_end_s = BOOT_SHARE * run_s(p);
	memset(h->pinned, 0, sizeof(h->pinned));
	for (unsigned int i = 0; i < p->vms; i++) {
		struct sim_vm *vm = &h->vm[i];

		vm->vcpus = 1 + sim_below(r, SIM_MAX_VCPUS);
		vm->weight = sim_uniform(r, VM_WEIGHT_MIN, VM_WEIGHT_MAX);
		vm->boot_s = sim_unit(r) < LATE_VMS ? sim_uniform(r, h->boot_end_s, run_s(p))
						    : sim_uniform(r, 0, h->boot_end_s);
		vm->demand = sim_uniform(r, p->vcpu_min, p->vcpu_max);
		/* vCPUs round-robin over the pinned cores: core c holds about vCPUs / cores */
		for (unsigned int j = 0; j < vm->vcpus; j++) {
			vm->cpu[j] = next % n_pinned;
			h->pinned[vm->cpu[j]] = 1;
			next++;
		}
	}
	/* The priority VMs: prio_vms of them, spread over the VM list. */
	for (unsigned int k = 0; k < p->prio_vms; k++)
		h->vm[(unsigned long)k * p->vms / p->prio_vms].prio = 1;
	return 0;
}

struct flow_vec {
	struct sim_flow *v;
	size_t n, cap;
};

static struct sim_flow *flow_push(struct flow_vec *fv)
{
	if (fv->n == fv->cap) {
		size_t cap = fv->cap ? fv->cap * 2 : 4096;
		struct sim_flow *v = realloc(fv->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		fv->v = v;
		fv->cap = cap;
	}
	return &fv->v[fv->n++];
}

/* A destination VM by weight, or -1 when the drawn VM has not booted yet at s (thinning). */
static int pick_vm(const struct sim_host *h, const double *cum, struct sim_rng *r, double s)
{
	double x = sim_unit(r) * cum[h->n_vms - 1];
	unsigned int lo = 0, hi = h->n_vms - 1;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return h->vm[lo].boot_s <= s ? (int)lo : -1;
}

/* One class's arrivals over the whole run: a Poisson process, its rate stepped by phase. */
static int gen_class(const struct sim_params *p, struct sim_host *h, const double *cum,
		     struct sim_rng *r, enum sim_class cls, struct flow_vec *fv)
{
	static const double per_s[SIM_N_CLASSES] = {MICE_PER_S, HEAVY_PER_S, FRAG_PER_S};
	double s = 0, end = run_s(p);

	while (s < end) {
		double rate = per_s[cls] * p->load * sim_load_step(p, s), b = next_boundary(p, s);
		double next = s + sim_exp(r, 1.0 / rate);
		struct sim_flow *f;
		uint32_t src, ports;
		int vm;

		if (next >= b) { /* memoryless: restart at the boundary with the new rate */
			s = b;
			continue;
		}
		s = next;
		vm = pick_vm(h, cum, r, s);
		if (vm < 0)
			continue;
		f = flow_push(fv);
		if (!f)
			return -ENOMEM;
		f->start = s;
		f->vm = (uint32_t)vm;
		f->cls = (uint8_t)cls;
		f->prio = (uint8_t)h->vm[vm].prio;
		ports = (uint32_t)sim_next(r);
		src = REMOTE_VMS + sim_below(r, REMOTE_VMS);
		switch (cls) {
		case SIM_MOUSE:
			f->fps = MICE_FPS;
			f->end = s + (MICE_FRAMES_MIN +
				      sim_below(r, MICE_FRAMES_MAX - MICE_FRAMES_MIN + 1)) /
					 MICE_FPS;
			break;
		case SIM_HEAVY:
			f->fps = sim_uniform(r, HEAVY_FPS_MIN, HEAVY_FPS_MAX);
			f->end = s + sim_uniform(r, HEAVY_S_MIN, HEAVY_S_MAX);
			break;
		default:
			f->fps = sim_uniform(r, FRAG_DGRAMS_MIN, FRAG_DGRAMS_MAX) * FRAGS_PER_DGRAM;
			f->end = s + sim_uniform(r, FRAG_S_MIN, FRAG_S_MAX);
			/* fragments carry no ports: the hash sees the VM pair only */
			src = (uint32_t)vm * FRAG_PEERS + sim_below(r, FRAG_PEERS);
			ports = 0;
			break;
		}
		f->hash = nic_hash(src, (uint32_t)vm, ports);
		h->n_class[cls]++;
	}
	return 0;
}

/* A total order (qsort is not stable): start time, then the flow's other fields. */
static int by_start(const void *a, const void *b)
{
	const struct sim_flow *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->vm != y->vm)
		return x->vm < y->vm ? -1 : 1;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->fps < y->fps ? -1 : x->fps > y->fps;
}

int sim_host_build(const struct sim_params *p, struct sim_host *h)
{
	struct flow_vec fv = {0};
	struct sim_rng r;
	double *cum;
	int err;

	memset(h, 0, sizeof(*h));
	sim_rng_seed(&r, p->seed);
	err = build_vms(p, h, &r);
	if (err)
		return err;
	cum = malloc(p->vms * sizeof(*cum));
	if (!cum) {
		sim_host_free(h);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < p->vms; i++)
		cum[i] = (i ? cum[i - 1] : 0) + h->vm[i].weight;
	/* each class from its own stream, so that changing one class leaves the others alone */
	for (int c = 0; c < SIM_N_CLASSES && !err; c++) {
		struct sim_rng rc;

		sim_rng_seed(&rc, sim_mix(p->seed) ^ sim_mix((uint64_t)c + 1));
		err = gen_class(p, h, cum, &rc, (enum sim_class)c, &fv);
	}
	free(cum);
	if (err) {
		free(fv.v);
		sim_host_free(h);
		return err;
	}
	if (fv.n > 1)
		qsort(fv.v, fv.n, sizeof(*fv.v), by_start);
	h->flow = fv.v;
	h->n_flows = fv.n;
	return 0;
}

void sim_host_free(struct sim_host *h)
{
	free(h->vm);
	free(h->flow);
	memset(h, 0, sizeof(*h));
}

void sim_vm_demand(const struct sim_params *p, const struct sim_host *h, double s, double *out)
{
	for (unsigned int c = 0; c < p->cores; c++)
		out[c] = 0;
	for (unsigned int i = 0; i < h->n_vms; i++) {
		const struct sim_vm *vm = &h->vm[i];

		if (vm->boot_s > s)
			continue;
		for (unsigned int j = 0; j < vm->vcpus; j++)
			out[vm->cpu[j]] += vm->demand;
	}
}
