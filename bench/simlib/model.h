/* SPDX-License-Identifier: MIT */
/*
 * The simulator's model: its parameters, the host (cores, VMs pinned to them) and the
 * workload (flows with a start, an end and a frame rate). docs/simulation.md explains
 * every number; the defaults are in sim.c.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* vsxd's load sampling interval (lib/config.h): one simulated step, 0.1 s. */
#define SIM_INTERVAL_S (VSXD_DEFAULT_SAMPLE_MS / 1000.0)
/* The kernel's HZ: this kernel's jiffies advance 250 a second (/proc/timer_list). */
#define SIM_HZ 250
/* The NIC's RSS indirection table (RETA) size: 128 entries, as on Intel 10G NICs. */
#define SIM_RETA_SIZE 128
/* A VM has 1..SIM_MAX_VCPUS vCPUs. */
#define SIM_MAX_VCPUS 4

struct sim_params {
	uint64_t seed;
	unsigned int cores;	    /* host cores, all online */
	unsigned int vms;	    /* VMs on the host */
	unsigned int intervals;	    /* simulated intervals of SIM_INTERVAL_S */
	unsigned int free_cores;    /* cores no VM is pinned to (the highest-numbered ones) */
	unsigned int prio_vms;	    /* VMs marked priority */
	unsigned int threshold;	    /* vsx core table threshold, percent */
	unsigned int decision_load; /* vsx_core_table.decision_load, percent points */
	double load;		    /* scales every flow arrival rate */
	double stack_us;	    /* stack work per frame on the core that processes it */
	double hit_ns;		    /* XDP on the receiving core per frame (vsx) */
	double miss_ns;		    /* XDP on the receiving core for a flow's first frame (vsx) */
	double handoff_us;	    /* extra per frame processed off its receiving core */
	double vcpu_min, vcpu_max;  /* a vCPU's CPU demand, percent of a core, uniform */
	double gap_hz;		    /* flowlet gaps per second of a TCP-like flow */
	int softirq_first; /* an overloaded core serves packet work first (--sched softirq) */
	int rss_free;	   /* the NIC's table lists the cores without a VM only (--rss-cpus free) */
	/* vsx+rb planner settings; < 0: vsx_rebalance_conf_default()'s */
	int rb_hold, rb_margin, rb_max_moves, rb_balance;
};

enum sim_class {
	SIM_MOUSE, /* short TCP-like flow */
	SIM_HEAVY, /* long TCP-like flow at a high rate */
	SIM_FRAG, /* constant-rate UDP of 8192-byte datagrams, each in SIM_FRAGS_PER_DGRAM frames */
	SIM_N_CLASSES,
};

struct sim_vm {
	unsigned int vcpus;
	int prio;
	double weight;			 /* share of the flow arrivals, relative */
	double boot_s;			 /* traffic and CPU demand start here */
	double demand;			 /* CPU demand of each vCPU, percent of its core */
	unsigned int cpu[SIM_MAX_VCPUS]; /* where its vCPUs are pinned */
};

struct sim_flow {
	double start, end; /* seconds */
	double fps;	   /* frames per second while active */
	uint32_t vm;	   /* destination VM on this host */
	uint32_t hash;	   /* the NIC's RSS hash: 5-tuple, addresses only for fragments */
	uint8_t cls;	   /* enum sim_class */
	uint8_t prio;	   /* its VM is a priority VM */
};

struct sim_host {
	struct sim_vm *vm;
	unsigned int n_vms;
	unsigned char pinned[256]; /* per core: a vCPU is pinned there */
	double boot_end_s;	   /* the last VM has booted by then */
	struct sim_flow *flow;	   /* sorted by start */
	size_t n_flows;
	size_t n_class[SIM_N_CLASSES];
};

/* Load multiplier of the flow arrivals at time s (the load steps), and its phase name. */
double sim_load_step(const struct sim_params *p, double s);
const char *sim_phase_name(const struct sim_params *p, double s);

/* The number of flows the run would draw, on average (arrival rates times time). */
double sim_expected_flows(const struct sim_params *p);

/* Builds the host and its workload from p->seed. 0 or -ENOMEM. */
int sim_host_build(const struct sim_params *p, struct sim_host *h);
void sim_host_free(struct sim_host *h);

/* CPU demand of the booted VMs' vCPUs on each core at time s, percent (may exceed 100). */
void sim_vm_demand(const struct sim_params *p, const struct sim_host *h, double s, double *out);

#endif
