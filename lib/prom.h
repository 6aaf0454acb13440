/* SPDX-License-Identifier: MIT */
/*
 * A writer of the Prometheus text exposition format (version 0.0.4), on a strbuf: metric
 * families with their HELP and TYPE lines, then their samples. It validates what it is
 * given (metric and label names, one group per family, no family twice) and escapes label
 * values and help text as the format requires, so a flow key or a VM name from outside
 * cannot break the output.
 *
 *   struct prom p;
 *   prom_init(&p, &sb);
 *   prom_family(&p, "vsx_path_packets_total", PROM_COUNTER, "Packets received, by path.");
 *   prom_sample_u64(&p, PROM_LABELS("path", "normal"), 42);
 *   ...
 *   if (prom_error(&p)) ... the output is not to be served
 *
 * The first error sticks (prom_error() returns it) and later calls do nothing, so a caller
 * may write a whole exposition and check once at the end.
 */
#ifndef VSX_PROM_H
#define VSX_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* The Content-Type of the format this writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_UNTYPED,
};

struct prom_label {
	const char *name;
	const char *value;
};

/* A label list as the (labels, n) pair the sample functions take:
 * PROM_LABELS({"core", "0"}, {"path", "normal"}). */
#define PROM_LABELS(...)                                                                           \
	(const struct prom_label[]){__VA_ARGS__},                                                  \
	    sizeof((const struct prom_label[]){__VA_ARGS__}) / sizeof(struct prom_label)
#define PROM_NO_LABELS NULL, 0

/* Families remembered to refuse a second group of the same name. */
#define PROM_MAX_FAMILIES 256
#define PROM_NAME_MAX 128

struct prom {
	struct strbuf *sb;
	char family[PROM_NAME_MAX]; /* the open family; "" before the first */
	enum prom_type type;
	size_t n_families;
	uint64_t seen[PROM_MAX_FAMILIES]; /* FNV-1a hashes of the families written */
	int err;			  /* the first error (-errno), 0 while all is well */
};

void prom_init(struct prom *p, struct strbuf *sb);
/* 0, or the first error: -EINVAL (a bad name, a duplicate family or label, a counter with a
 * negative value, bad UTF-8 in a label value), -E2BIG (too many families), -ENOMEM. */
int prom_error(const struct prom *p);

/* Whether s is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) and a valid label name
 * ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", which Prometheus reserves). */
bool prom_metric_name_ok(const char *s);
bool prom_label_name_ok(const char *s);

/* Starts a family: its HELP (escaped) and TYPE lines. Its samples follow. */
int prom_family(struct prom *p, const char *name, enum prom_type type, const char *help);

/* One sample of the open family, named as the family. */
int prom_sample_u64(struct prom *p, const struct prom_label *labels, size_t n, uint64_t v);
int prom_sample_double(struct prom *p, const struct prom_label *labels, size_t n, double v);

/* Appends s to sb escaped as a label value (\\, \", \n) or as help text (\\, \n). */
void prom_escape_label_value(struct strbuf *sb, const char *s);
void prom_escape_help(struct strbuf *sb, const char *s);

#endif
