/* SPDX-License-Identifier: MIT */
/* cores.c's own entry points beyond vsxd.h's. */
#ifndef VSXD_CORES_H
#define VSXD_CORES_H

struct vsxd;

/*
 * vsxd_cores_init() reading the CPUs' load and online list below root instead of / (the
 * layout lib/core_load.h describes): unit tests feed fixture files.
 */
int vsxd_cores_init_at(struct vsxd *d, const char *root);

#endif
