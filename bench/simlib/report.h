/* SPDX-License-Identifier: MIT */
/* The simulator's output: the table, the invariant check, data files, picture, last line. */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include "model.h"
#include "run.h"

struct sim_output {
	const char *dir; /* data files and sim.png */
	int plot;	 /* run gnuplot */
};

/* Prints everything to stdout and writes the files. 0, or -errno when a file failed. */
int sim_report(const struct sim_params *p, const struct sim_host *h,
	       const struct sim_result res[SIM_N_POLICIES], const struct sim_output *out);

#endif
