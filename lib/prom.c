// SPDX-License-Identifier: MIT
/* The Prometheus text exposition format (prom.h), as prometheus.io/docs/instrumenting/
 * exposition_formats describes it. */
#include "prom.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_init(struct prom *p, struct strbuf *sb)
{
	memset(p, 0, sizeof(*p));
	p->sb = sb;
}

int prom_error(const struct prom *p)
{
	if (!p->err && p->sb->oom)
		return -ENOMEM;
	return p->err;
}

static int fail(struct prom *p, int err)
{
	if (!p->err)
		p->err = err;
	return p->err;
}

static bool name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (c == ':')
		return colon;
	return !first && c >= '0' && c <= '9';
}

bool prom_metric_name_ok(const char *s)
{
	if (!s || !*s || strlen(s) >= PROM_NAME_MAX)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, true))
			return false;
	return true;
}

bool prom_label_name_ok(const char *s)
{
	if (!s || !*s || strncmp(s, "__", 2) == 0)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, false))
			return false;
	return true;
}

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF):
 * the format's label values and help are UTF-8, and Prometheus rejects anything else. */
static bool utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned int c = *s, n, cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		s += n + 1;
	}
	return true;
}

static void escape(struct strbuf *sb, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (!rep)
			continue;
		strbuf_add(sb, run, (size_t)(s - run));
		strbuf_puts(sb, rep);
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
}

void prom_escape_label_value(struct strbuf *sb, const char *s)
{
	escape(sb, s, true);
}

void prom_escape_help(struct strbuf *sb, const char *s)
{
	escape(sb, s, false);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

int prom_family(struct prom *p, const char *name, enum prom_type type, const char *help)
{
	static const char *const type_names[] = {
	    [PROM_COUNTER] = "counter", [PROM_GAUGE] = "gauge", [PROM_UNTYPED] = "untyped"};

	if (p->err)
		return p->err;
	if (!prom_metric_name_ok(name) || (unsigned)type > PROM_UNTYPED || !help || !utf8_ok(help))
		return fail(p, -EINVAL);
	/* A family is one group: a second with the same name is a malformed exposition. A
	 * 64-bit hash collision among a few hundred names would refuse a good family (loudly),
	 * never accept a bad one. */
	uint64_t h = fnv1a(name);
	for (size_t i = 0; i < p->n_families; i++)
		if (p->seen[i] == h)
			return fail(p, -EINVAL);
	if (p->n_families == PROM_MAX_FAMILIES)
		return fail(p, -E2BIG);
	p->seen[p->n_families++] = h;
	snprintf(p->family, sizeof(p->family), "%s", name);
	p->type = type;
	strbuf_printf(p->sb, "# HELP %s ", name);
	prom_escape_help(p->sb, help);
	strbuf_printf(p->sb, "\n# TYPE %s %s\n", name, type_names[type]);
	return prom_error(p);
}

static int labels_ok(const struct prom_label *labels, size_t n)
{
	if (n && !labels)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!prom_label_name_ok(labels[i].name) || !labels[i].value ||
		    !utf8_ok(labels[i].value))
			return -EINVAL;
		for (size_t k = 0; k < i; k++)
			if (strcmp(labels[k].name, labels[i].name) == 0)
				return -EINVAL;
	}
	return 0;
}

static int sample_begin(struct prom *p, const struct prom_label *labels, size_t n)
{
	if (p->err)
		return p->err;
	if (!p->family[0] || labels_ok(labels, n))
		return fail(p, -EINVAL);
	strbuf_puts(p->sb, p->family);
	if (n) {
		strbuf_puts(p->sb, "{");
		for (size_t i = 0; i < n; i++) {
			strbuf_printf(p->sb, "%s%s=\"", i ? "," : "", labels[i].name);
			prom_escape_label_value(p->sb, labels[i].value);
			strbuf_puts(p->sb, "\"");
		}
		strbuf_puts(p->sb, "}");
	}
	return 0;
}

int prom_sample_u64(struct prom *p, const struct prom_label *labels, size_t n, uint64_t v)
{
	if (sample_begin(p, labels, n))
		return p->err;
	strbuf_printf(p->sb, " %" PRIu64 "\n", v);
	return prom_error(p);
}

/* The shortest of %.15g..%.17g that reads back as v: exact (17 digits always are) without
 * printing 0.1 as 0.10000000000000001. */
static const char *shortest(char *buf, size_t len, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

int prom_sample_double(struct prom *p, const struct prom_label *labels, size_t n, double v)
{
	char buf[32];

	/* Counters only go up from zero (NaN is allowed: "no value"). */
	if (!p->err && p->type == PROM_COUNTER && v < 0)
		return fail(p, -EINVAL);
	if (sample_begin(p, labels, n))
		return p->err;
	if (isnan(v))
		strbuf_puts(p->sb, " NaN\n");
	else if (isinf(v))
		strbuf_puts(p->sb, v > 0 ? " +Inf\n" : " -Inf\n");
	else
		strbuf_printf(p->sb, " %s\n", shortest(buf, sizeof(buf), v));
	return prom_error(p);
}
