// SPDX-License-Identifier: MIT
/*
 * The controller's policy file (lib/ctrl_policy.h): one parser, line by line, every error
 * naming the file and line. The traffic= match is checked by the rule parser itself
 * (lib/rule_text.c), so the policy can only hold matches the switches accept.
 */
#include "ctrl_policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "rule.h"
#include "rule_text.h"

#define MAX_LINE 4096
#define MAX_FILE (1u << 20)
#define MAX_ENTRIES 100000

void ctrl_policy_init(struct ctrl_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->flow_priority = CTRL_POLICY_DEFAULT_FLOW_PRIORITY;
	p->def.have = CTRL_HAVE_PRIORITY | CTRL_HAVE_STEER | CTRL_HAVE_CORES | CTRL_HAVE_TRAFFIC;
	p->def.steer = CTRL_STEER_VMID;
	p->def.cores = CTRL_CORES_AUTO;
}

void ctrl_policy_free(struct ctrl_policy *p)
{
	free(p->tenants);
	free(p->vms);
	ctrl_policy_init(p);
}

struct pctx {
	const char *fname;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int perr(const struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(const struct pctx *c, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vsx_errf(c->err, c->errlen, -EINVAL, "%s:%u: %s", c->fname, c->line, msg);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= CTRL_POLICY_NAME_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == ':'))
			return false;
	return true;
}

static int parse_cores(const struct pctx *c, const char *v, struct ctrl_policy_settings *s)
{
	if (!strcmp(v, "auto")) {
		s->cores = CTRL_CORES_AUTO;
		return 0;
	}
	if (!strcmp(v, "pick")) {
		s->cores = CTRL_CORES_PICK;
		return 0;
	}
	s->cores = CTRL_CORES_LIST;
	memset(s->core_set, 0, sizeof(s->core_set));
	for (const char *p = v;;) {
		char *end;
		unsigned long n;

		if (*p < '0' || *p > '9')
			return perr(c, "cores=%s: expected auto, pick or core numbers (0,2,5)", v);
		n = strtoul(p, &end, 10);
		if (n >= 64 * CTRL_POLICY_CPU_WORDS)
			return perr(c, "cores=%s: core %lu is not below %d", v, n,
				    64 * CTRL_POLICY_CPU_WORDS);
		s->core_set[n / 64] |= 1ull << (n % 64);
		if (!*end)
			return 0;
		if (*end != ',')
			return perr(c, "cores=%s: expected ',' after core %lu", v, n);
		p = end + 1;
	}
}

/* traffic=MATCH must be a match the rule parser accepts for an egress (set_fcf) rule, and
 * must leave dl_dst and vni to the controller. */
static int parse_traffic(const struct pctx *c, const char *v, struct ctrl_policy_settings *s)
{
	static const struct vsx_flow_key zero;
	char text[CTRL_POLICY_TRAFFIC_LEN + 32], why[256];
	struct vsx_rule r;

	if (strlen(v) >= CTRL_POLICY_TRAFFIC_LEN)
		return perr(c, "traffic=: longer than %d bytes", CTRL_POLICY_TRAFFIC_LEN - 1);
	if (!*v)
		return perr(c, "traffic=: empty match (leave traffic= out for all traffic)");
	if (strstr(v, "actions") || strstr(v, "priority") || strstr(v, "cookie"))
		return perr(c, "traffic=%s: a match only (no actions, priority or cookie)", v);
	snprintf(text, sizeof(text), "%s actions=set_fcf:1", v);
	if (vsx_rule_parse(text, &r, why, sizeof(why)))
		return perr(c, "traffic=%s: %s", v, why);
	if (memcmp(r.mask.dl_dst, zero.dl_dst, sizeof(zero.dl_dst)) || r.mask.vni)
		return perr(c, "traffic=%s: dl_dst and vni are set by the controller (the VM's "
			       "MAC and VNI)",
			    v);
	snprintf(s->traffic, sizeof(s->traffic), "%s", v);
	return 0;
}

static int parse_setting(const struct pctx *c, char *w, struct ctrl_policy_settings *s)
{
	char *eq = strchr(w, '=');
	const char *v = eq ? eq + 1 : NULL;
	unsigned int bit;

	if (eq)
		*eq = 0;
	if (!strcmp(w, "priority"))
		bit = CTRL_HAVE_PRIORITY;
	else if (!strcmp(w, "steer"))
		bit = CTRL_HAVE_STEER;
	else if (!strcmp(w, "cores"))
		bit = CTRL_HAVE_CORES;
	else if (!strcmp(w, "traffic"))
		bit = CTRL_HAVE_TRAFFIC;
	else
		return perr(c, "unknown setting '%s' (priority, steer=, cores=, traffic=)", w);
	if (s->have & bit)
		return perr(c, "'%s' given twice", w);
	s->have |= bit;
	if (bit == CTRL_HAVE_PRIORITY) {
		if (!v || !strcmp(v, "yes"))
			s->priority = true;
		else if (!strcmp(v, "no"))
			s->priority = false;
		else
			return perr(c, "priority=%s: expected yes or no", v);
		return 0;
	}
	if (!v)
		return perr(c, "'%s' needs a value (%s=...)", w, w);
	if (bit == CTRL_HAVE_STEER) {
		if (!strcmp(v, "vmid"))
			s->steer = CTRL_STEER_VMID;
		else if (!strcmp(v, "none"))
			s->steer = CTRL_STEER_NONE;
		else
			return perr(c, "steer=%s: expected vmid or none", v);
		return 0;
	}
	if (bit == CTRL_HAVE_CORES)
		return parse_cores(c, v, s);
	return parse_traffic(c, v, s);
}

static int add_entry(const struct pctx *c, struct ctrl_policy_entry **arr, size_t *n,
		     const char *kind, const char *name, struct ctrl_policy_entry **out)
{
	struct ctrl_policy_entry *p;

	if (!valid_name(name))
		return perr(c, "%s name '%s': 1 to %d of [A-Za-z0-9_.:-]", kind, name,
			    CTRL_POLICY_NAME_LEN - 1);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*arr)[i].name, name))
			return perr(c, "%s '%s' already defined at line %u", kind, name,
				    (*arr)[i].line);
	if (*n >= MAX_ENTRIES)
		return perr(c, "more than %d %s lines", MAX_ENTRIES, kind);
	/* Grow by doubling: n is a power of two or zero when full. */
	if (!(*n & (*n - 1))) {
		p = realloc(*arr, (*n ? *n * 2 : 8) * sizeof(**arr));
		if (!p)
			return vsx_errf(c->err, c->errlen, -ENOMEM, "%s:%u: out of memory",
					c->fname, c->line);
		*arr = p;
	}
	p = &(*arr)[(*n)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->line = c->line;
	*out = p;
	return 0;
}

static int parse_line(struct pctx *c, char *line, struct ctrl_policy *p, bool *saw_default,
		      bool *saw_prio)
{
	char *words[64], *save = NULL, *w;
	int n = 0, ret;
	struct ctrl_policy_settings *s;

	for (char *h = line; *h; h++)
		if (*h == '#') {
			*h = 0;
			break;
		}
	for (w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == 64)
			return perr(c, "more than 63 words on one line");
		words[n++] = w;
	}
	if (!n)
		return 0;
	if (!strcmp(words[0], "flow-priority")) {
		char *end;
		unsigned long v;

		if (n != 2)
			return perr(c, "flow-priority takes one number (1..65535)");
		if (*saw_prio)
			return perr(c, "flow-priority given twice");
		v = strtoul(words[1], &end, 10);
		if (*end || end == words[1] || v < 1 || v > 65535 || words[1][0] == '-')
			return perr(c, "flow-priority %s: expected 1..65535", words[1]);
		p->flow_priority = (__u16)v;
		*saw_prio = true;
		return 0;
	}
	if (!strcmp(words[0], "default")) {
		struct ctrl_policy_settings d = {0};

		if (*saw_default)
			return perr(c, "a second 'default' line");
		*saw_default = true;
		for (int i = 1; i < n; i++) {
			ret = parse_setting(c, words[i], &d);
			if (ret)
				return ret;
		}
		/* Over the built-in default, field by field. */
		if (d.have & CTRL_HAVE_PRIORITY)
			p->def.priority = d.priority;
		if (d.have & CTRL_HAVE_STEER)
			p->def.steer = d.steer;
		if (d.have & CTRL_HAVE_CORES) {
			p->def.cores = d.cores;
			memcpy(p->def.core_set, d.core_set, sizeof(d.core_set));
		}
		if (d.have & CTRL_HAVE_TRAFFIC)
			memcpy(p->def.traffic, d.traffic, sizeof(d.traffic));
		return 0;
	}
	if (!strcmp(words[0], "tenant") || !strcmp(words[0], "vm")) {
		bool vm = words[0][0] == 'v';
		struct ctrl_policy_entry *e;

		if (n < 2)
			return perr(c, "%s needs a name", words[0]);
		ret = vm ? add_entry(c, &p->vms, &p->n_vms, "vm", words[1], &e)
			 : add_entry(c, &p->tenants, &p->n_tenants, "tenant", words[1], &e);
		if (ret)
			return ret;
		s = &e->s;
		for (int i = 2; i < n; i++) {
			ret = parse_setting(c, words[i], s);
			if (ret)
				return ret;
		}
		return 0;
	}
	return perr(c, "unknown directive '%s' (flow-priority, default, tenant, vm)", words[0]);
}

int ctrl_policy_parse(const char *text, size_t len, const char *fname, struct ctrl_policy *out,
		      char *err, size_t errlen)
{
	struct ctrl_policy p;
	struct pctx c = {.fname = fname ? fname : "policy", .err = err, .errlen = errlen};
	bool saw_default = false, saw_prio = false;
	size_t off = 0;
	int ret = 0;

	ctrl_policy_init(&p);
	while (off < len) {
		char line[MAX_LINE];
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		c.line++;
		if (n >= sizeof(line)) {
			ret = perr(&c, "line longer than %d bytes", MAX_LINE - 1);
			break;
		}
		memcpy(line, text + off, n);
		line[n] = 0;
		if (strlen(line) != n) {
			ret = perr(&c, "a NUL byte in the line");
			break;
		}
		off += n + (nl ? 1 : 0);
		ret = parse_line(&c, line, &p, &saw_default, &saw_prio);
		if (ret)
			break;
	}
	if (ret) {
		ctrl_policy_free(&p);
		return ret;
	}
	ctrl_policy_free(out);
	*out = p;
	return 0;
}

int ctrl_policy_load(const char *path, struct ctrl_policy *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int ret;

	if (!f)
		return vsx_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return vsx_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		ret = vsx_errf(err, errlen, -EIO, "%s: read error", path);
	} else if (n > MAX_FILE) {
		ret = vsx_errf(err, errlen, -EFBIG, "%s: larger than %u bytes", path, MAX_FILE);
	} else {
		ret = ctrl_policy_parse(buf, n, path, out, err, errlen);
	}
	free(buf);
	fclose(f);
	return ret;
}

static const struct ctrl_policy_entry *find(const struct ctrl_policy_entry *v, size_t n,
					    const char *name)
{
	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static void overlay(struct ctrl_policy_settings *out, const struct ctrl_policy_settings *s)
{
	if (s->have & CTRL_HAVE_PRIORITY)
		out->priority = s->priority;
	if (s->have & CTRL_HAVE_STEER)
		out->steer = s->steer;
	if (s->have & CTRL_HAVE_CORES) {
		out->cores = s->cores;
		memcpy(out->core_set, s->core_set, sizeof(s->core_set));
	}
	if (s->have & CTRL_HAVE_TRAFFIC)
		memcpy(out->traffic, s->traffic, sizeof(s->traffic));
}

void ctrl_policy_resolve(const struct ctrl_policy *p, const char *vm, const char *tenant,
			 struct ctrl_policy_settings *out)
{
	const struct ctrl_policy_entry *t = find(p->tenants, p->n_tenants, tenant);
	const struct ctrl_policy_entry *v = find(p->vms, p->n_vms, vm);
	bool cores_given = false;

	*out = p->def;
	if (t) {
		overlay(out, &t->s);
		cores_given |= t->s.have & CTRL_HAVE_CORES;
	}
	if (v) {
		overlay(out, &v->s);
		cores_given |= v->s.have & CTRL_HAVE_CORES;
	}
	/* A priority VM whose lines say nothing about cores gets one the controller picks:
	 * the point of priority is a core of its own. */
	if (out->priority && !cores_given && (t || v) && out->cores == CTRL_CORES_AUTO)
		out->cores = CTRL_CORES_PICK;
	out->have = CTRL_HAVE_PRIORITY | CTRL_HAVE_STEER | CTRL_HAVE_CORES | CTRL_HAVE_TRAFFIC;
}

void ctrl_policy_settings_text(const struct ctrl_policy_settings *s, char *buf, size_t len)
{
	size_t used;

	used = (size_t)snprintf(buf, len, "priority=%s steer=%s cores=", s->priority ? "yes" : "no",
				s->steer == CTRL_STEER_VMID ? "vmid" : "none");
	if (used >= len)
		return;
	if (s->cores == CTRL_CORES_AUTO) {
		used += (size_t)snprintf(buf + used, len - used, "auto");
	} else if (s->cores == CTRL_CORES_PICK) {
		used += (size_t)snprintf(buf + used, len - used, "pick");
	} else {
		bool first = true;

		for (unsigned int i = 0; i < 64 * CTRL_POLICY_CPU_WORDS && used < len; i++)
			if (s->core_set[i / 64] >> (i % 64) & 1) {
				used += (size_t)snprintf(buf + used, len - used, "%s%u",
							 first ? "" : ",", i);
				first = false;
			}
	}
	if (used < len && s->traffic[0])
		snprintf(buf + used, len - used, " traffic=%s", s->traffic);
}
