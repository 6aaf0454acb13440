/* SPDX-License-Identifier: MIT */
/*
 * The control commands' dispatch (control.c), apart from the socket: one request (its
 * arguments, "--json" last when given) answered into reply as the socket would answer it:
 * "ok\n" and the body, or "error: MESSAGE\n". Unit tests call it on the datapath double.
 */
#ifndef VSXD_CONTROL_H
#define VSXD_CONTROL_H

#include "strbuf.h"

struct vsxd;

void vsxd_control_handle(struct vsxd *d, int argc, char **argv, struct strbuf *reply);

#endif
