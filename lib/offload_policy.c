// SPDX-License-Identifier: MIT
/*
 * The offload policy's one parser, validator and printer (offload_policy.h). Header matches
 * go through the rule parser (rule_text.h) so that a header policy matches exactly what a
 * steering rule with the same text would: the match is parsed as the rule "MATCH
 * actions=irq:auto" and its key, mask and priority kept.
 */
#include "offload_policy.h"
#include "rule.h"
#include "rule_text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16
#define MATCH_ACTION "actions=irq:auto"

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *const action_names[] = {
	[VSX_OFL_AUTO] = "auto",
	[VSX_OFL_ALWAYS] = "always",
	[VSX_OFL_NEVER] = "never",
};

const char *vsx_ofl_action_name(int action)
{
	return action >= 0 && action <= VSX_OFL_NEVER ? action_names[action] : "?";
}

void vsx_ofl_policy_init(struct vsx_ofl_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = false;
	p->capacity = VSX_OFL_DEFAULT_CAPACITY;
	p->idle_timeout_ms = VSX_OFL_DEFAULT_IDLE_MS;
	p->promote.pps = VSX_OFL_DEFAULT_PROMOTE_PPS;
	p->promote.bps = VSX_OFL_DEFAULT_PROMOTE_BPS;
	p->promote.ms = VSX_OFL_DEFAULT_PROMOTE_MS;
	p->demote.pps = VSX_OFL_DEFAULT_DEMOTE_PPS;
	p->demote.bps = VSX_OFL_DEFAULT_DEMOTE_BPS;
	p->demote.ms = VSX_OFL_DEFAULT_DEMOTE_MS;
	p->next_header_id = 1;
}

void vsx_ofl_policy_free(struct vsx_ofl_policy *p)
{
	free(p->headers);
	free(p->rates);
	vsx_ofl_policy_init(p);
}

int vsx_ofl_policy_copy(struct vsx_ofl_policy *dst, const struct vsx_ofl_policy *src)
{
	struct vsx_ofl_policy t = *src;

	t.headers = NULL;
	t.rates = NULL;
	if (src->n_headers) {
		t.headers = malloc(src->n_headers * sizeof(*t.headers));
		if (!t.headers)
			goto nomem;
		memcpy(t.headers, src->headers, src->n_headers * sizeof(*t.headers));
	}
	if (src->n_rates) {
		t.rates = malloc(src->n_rates * sizeof(*t.rates));
		if (!t.rates)
			goto nomem;
		memcpy(t.rates, src->rates, src->n_rates * sizeof(*t.rates));
	}
	*dst = t;
	return 0;
nomem:
	free(t.headers);
	vsx_ofl_policy_init(dst);
	return -ENOMEM;
}

static bool header_same_match(const struct vsx_ofl_header *a, const struct vsx_ofl_header *b)
{
	return a->priority == b->priority && !memcmp(&a->key, &b->key, sizeof(a->key)) &&
	       !memcmp(&a->mask, &b->mask, sizeof(a->mask));
}

static bool rate_same_scope(const struct vsx_ofl_rate *a, const struct vsx_ofl_rate *b)
{
	return a->scope == b->scope && !strcmp(a->name, b->name);
}

bool vsx_ofl_policy_equal(const struct vsx_ofl_policy *a, const struct vsx_ofl_policy *b)
{
	if (a->enabled != b->enabled || a->capacity != b->capacity ||
	    a->idle_timeout_ms != b->idle_timeout_ms || a->promote.pps != b->promote.pps ||
	    a->promote.bps != b->promote.bps || a->promote.ms != b->promote.ms ||
	    a->demote.pps != b->demote.pps || a->demote.bps != b->demote.bps ||
	    a->demote.ms != b->demote.ms || a->n_headers != b->n_headers ||
	    a->n_rates != b->n_rates)
		return false;
	for (size_t i = 0; i < a->n_headers; i++)
		if (!header_same_match(&a->headers[i], &b->headers[i]) ||
		    a->headers[i].action != b->headers[i].action)
			return false;
	for (size_t i = 0; i < a->n_rates; i++)
		if (!rate_same_scope(&a->rates[i], &b->rates[i]) ||
		    memcmp(&a->rates[i].limit, &b->rates[i].limit, sizeof(a->rates[i].limit)))
			return false;
	return true;
}

/* ---- values ---- */

/* Decimal digits s[0..len) into *out; -EINVAL / -ERANGE. */
static int parse_digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Digits followed by one of the suffixes (with its multiplier); "" is a suffix of 1 when
 * listed. */
struct suffix {
	const char *s;
	uint64_t mult;
};

static int parse_suffixed(const char *s, const struct suffix *sfx, size_t n_sfx, uint64_t *out)
{
	size_t len = strlen(s), digits = 0;
	uint64_t v;
	int r;

	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	for (size_t i = 0; i < n_sfx; i++) {
		if (strcmp(s + digits, sfx[i].s))
			continue;
		r = parse_digits(s, digits, &v);
		if (r)
			return r;
		if (v > UINT64_MAX / sfx[i].mult)
			return -ERANGE;
		*out = v * sfx[i].mult;
		return 0;
	}
	return -EINVAL;
}

int vsx_ofl_parse_duration_ms(const char *s, uint32_t *ms)
{
	static const struct suffix sfx[] = {{"ms", 1}, {"s", 1000}};
	uint64_t v;
	int r = parse_suffixed(s, sfx, 2, &v);

	if (r)
		return r;
	if (v > VSX_OFL_MAX_MS)
		return -ERANGE;
	*ms = (uint32_t)v;
	return 0;
}

int vsx_ofl_parse_rate(const char *s, uint64_t *bps)
{
	static const struct suffix sfx[] = {
		{"", 1}, {"k", 1000}, {"M", 1000000}, {"G", 1000000000}, {"T", 1000000000000ull}};

	return parse_suffixed(s, sfx, 5, bps);
}

int vsx_ofl_parse_count(const char *s, uint64_t *n)
{
	static const struct suffix sfx[] = {{"", 1}, {"k", 1000}, {"M", 1000000}};

	return parse_suffixed(s, sfx, 3, n);
}

static int parse_size(const char *s, uint64_t *bytes)
{
	static const struct suffix sfx[] = {{"B", 1}, {"kB", 1000}, {"MB", 1000000}};

	return parse_suffixed(s, sfx, 3, bytes);
}

/* "name=value": the value when w starts with name=, else NULL. */
static const char *opt(const char *w, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(w, name, n) && w[n] == '=' ? w + n + 1 : NULL;
}

/* Limits of a rate limit's fields (the token bucket's arithmetic stays in 64 bits). */
#define MAX_BPS 10000000000000ull /* 10 Tb/s */
#define MAX_PPS 10000000000ull
#define MAX_BURST_BYTES (1ull << 32)

int vsx_ofl_parse_limit(int argc, const char *const *argv, struct vsx_rate_limit *out, char *err,
			size_t errlen)
{
	struct vsx_rate_limit l;
	bool seen[4] = {false};

	memset(&l, 0, sizeof(l));
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *v;
		uint64_t n;
		uint32_t ms;
		int k;

		if ((v = opt(w, "rate")))
			k = 0;
		else if ((v = opt(w, "pps")))
			k = 1;
		else if ((v = opt(w, "burst")))
			k = 2;
		else if ((v = opt(w, "burst-pkts")))
			k = 3;
		else
			return fail(err, errlen,
				    "rate-limit: unknown word '%s' (rate=, pps=, burst=, burst-pkts=)",
				    w);
		if (seen[k])
			return fail(err, errlen, "rate-limit: '%s' given twice", w);
		seen[k] = true;
		switch (k) {
		case 0:
			if (vsx_ofl_parse_rate(v, &n) || n > MAX_BPS)
				return fail(err, errlen,
					    "rate-limit: invalid rate '%s' (bits per second, "
					    "k/M/G/T suffix, at most 10T)",
					    v);
			l.bits_per_s = n;
			break;
		case 1:
			if (vsx_ofl_parse_count(v, &n) || n > MAX_PPS)
				return fail(err, errlen,
					    "rate-limit: invalid pps '%s' (k/M suffix, at most 10000M)",
					    v);
			l.pkts_per_s = n;
			break;
		case 2:
			if (!vsx_ofl_parse_duration_ms(v, &ms)) {
				if (ms > 10000)
					return fail(err, errlen,
						    "rate-limit: burst '%s' longer than 10s", v);
				l.burst_us = ms * 1000;
			} else if (!parse_size(v, &n) && n <= MAX_BURST_BYTES) {
				l.burst_bytes = n;
			} else {
				return fail(err, errlen,
					    "rate-limit: invalid burst '%s' (a time: 10ms; or a size: "
					    "1500B, 64kB, 1MB up to 4294MB)",
					    v);
			}
			break;
		case 3:
			if (parse_digits(v, strlen(v), &n) || n > UINT32_MAX)
				return fail(err, errlen, "rate-limit: invalid burst-pkts '%s'", v);
			l.burst_pkts = (uint32_t)n;
			break;
		}
	}
	if ((l.burst_us || l.burst_bytes || l.burst_pkts) && !l.bits_per_s && !l.pkts_per_s)
		return fail(err, errlen, "rate-limit: a burst needs rate= or pps=");
	*out = l;
	return 0;
}

/* ---- statements ---- */

static int parse_header_match(const char *match, __u16 *prio, struct vsx_flow_key *key,
			      struct vsx_flow_key *mask, char *err, size_t errlen)
{
	char text[VSX_RULE_TEXT_MAX];
	char msg[256];
	struct vsx_rule r;

	if (strstr(match, "action"))
		return fail(err, errlen, "header: '%s': a header policy has no actions= (its "
					 "decision follows the match)",
			    match);
	/* "any" matches every flow: alone, or after a priority ("priority=5,any") */
	size_t n = strlen(match);

	if (!strcmp(match, "any"))
		n = 0;
	else if (n > 4 && !strcmp(match + n - 4, ",any"))
		n -= 4;
	if (n + sizeof(MATCH_ACTION) + 1 > sizeof(text))
		return fail(err, errlen, "header: match too long");
	snprintf(text, sizeof(text), "%.*s%s%s", (int)n, match, n ? " " : "", MATCH_ACTION);
	msg[0] = '\0';
	if (vsx_rule_parse(text, &r, msg, sizeof(msg)))
		return fail(err, errlen, "header: %s", msg[0] ? msg : "invalid match");
	if (r.cookie)
		return fail(err, errlen, "header: '%s': cookie= has no meaning in a header policy",
			    match);
	*prio = r.priority;
	*key = r.key;
	*mask = r.mask;
	return 0;
}

static int parse_thresholds(const char *stmt, int argc, const char *const *argv,
			    struct vsx_ofl_thresholds *t, char *err, size_t errlen)
{
	if (argc == 0)
		return fail(err, errlen, "%s: expected pps=N, bps=RATE or for=DUR", stmt);
	for (int i = 0; i < argc; i++) {
		const char *v;
		uint64_t n;

		if ((v = opt(argv[i], "pps"))) {
			if (vsx_ofl_parse_count(v, &n) || n > MAX_PPS)
				return fail(err, errlen, "%s: invalid pps '%s'", stmt, v);
			t->pps = n;
		} else if ((v = opt(argv[i], "bps"))) {
			if (vsx_ofl_parse_rate(v, &n) || n > MAX_BPS)
				return fail(err, errlen,
					    "%s: invalid bps '%s' (bits per second, k/M/G/T suffix)",
					    stmt, v);
			t->bps = n;
		} else if ((v = opt(argv[i], "for"))) {
			uint32_t ms;

			if (vsx_ofl_parse_duration_ms(v, &ms) || ms == 0)
				return fail(err, errlen,
					    "%s: invalid for '%s' (a duration: 500ms, 3s; 1ms..3600s)",
					    stmt, v);
			t->ms = ms;
		} else {
			return fail(err, errlen, "%s: unknown word '%s' (pps=, bps=, for=)", stmt,
				    argv[i]);
		}
	}
	return 0;
}

static int parse_scope(const char *w, struct vsx_ofl_rate *r, char *err, size_t errlen)
{
	const char *v;
	size_t len;

	memset(r, 0, sizeof(*r));
	if (!strcmp(w, "default")) {
		r->scope = VSX_OFL_SCOPE_DEFAULT;
		return 0;
	}
	if ((v = opt(w, "vm")))
		r->scope = VSX_OFL_SCOPE_VM;
	else if ((v = opt(w, "tenant")))
		r->scope = VSX_OFL_SCOPE_TENANT;
	else
		return fail(err, errlen,
			    "rate-limit: expected default, vm=NAME or tenant=NAME, got '%s'", w);
	len = strlen(v);
	if (!len || len >= VSX_OFL_NAME_SIZE)
		return fail(err, errlen, "rate-limit: name in '%s' empty or too long (max %d)", w,
			    VSX_OFL_NAME_SIZE - 1);
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && !(i > 0 && (c == '.' || c == '_' || c == '-')))
			return fail(err, errlen, "rate-limit: invalid name in '%s'", w);
	}
	memcpy(r->name, v, len + 1);
	return 0;
}

/* Inserts h in decision order (priority descending, after its equals). */
static int insert_header(struct vsx_ofl_policy *p, const struct vsx_ofl_header *h)
{
	struct vsx_ofl_header *nh = realloc(p->headers, (p->n_headers + 1) * sizeof(*nh));
	size_t at = 0;

	if (!nh)
		return -ENOMEM;
	p->headers = nh;
	while (at < p->n_headers && p->headers[at].priority >= h->priority)
		at++;
	memmove(&p->headers[at + 1], &p->headers[at], (p->n_headers - at) * sizeof(*nh));
	p->headers[at] = *h;
	p->n_headers++;
	return 0;
}

static int apply_header(struct vsx_ofl_policy *p, int argc, const char *const *argv,
			bool replace, __u32 *id, char *err, size_t errlen)
{
	struct vsx_ofl_header h;
	int action = -1, r;

	if (argc != 2)
		return fail(err, errlen, "header: expected MATCH always|never|auto");
	for (int i = 0; i <= VSX_OFL_NEVER; i++)
		if (!strcmp(argv[1], action_names[i]))
			action = i;
	if (action < 0)
		return fail(err, errlen, "header: expected always, never or auto, got '%s'",
			    argv[1]);
	memset(&h, 0, sizeof(h));
	r = parse_header_match(argv[0], &h.priority, &h.key, &h.mask, err, errlen);
	if (r)
		return r;
	h.action = (__u8)action;
	for (size_t i = 0; i < p->n_headers; i++) {
		if (!header_same_match(&p->headers[i], &h))
			continue;
		if (!replace) {
			fail(err, errlen, "header: '%s' exists already (header %u)", argv[0],
			     p->headers[i].id);
			return -EEXIST;
		}
		p->headers[i].action = h.action; /* keeps its id and place */
		if (id)
			*id = p->headers[i].id;
		return 0;
	}
	if (p->n_headers >= VSX_OFL_MAX_HEADERS) {
		fail(err, errlen, "header: too many header policies (max %d)", VSX_OFL_MAX_HEADERS);
		return -ENOSPC;
	}
	h.id = p->next_header_id;
	r = insert_header(p, &h);
	if (r) {
		fail(err, errlen, "header: out of memory");
		return r;
	}
	p->next_header_id++;
	if (id)
		*id = h.id;
	return 0;
}

static int apply_rate(struct vsx_ofl_policy *p, int argc, const char *const *argv, bool replace,
		      char *err, size_t errlen)
{
	struct vsx_ofl_rate rt;
	struct vsx_ofl_rate *nr;
	int r;

	if (argc < 1)
		return fail(err, errlen, "rate-limit: expected default, vm=NAME or tenant=NAME");
	r = parse_scope(argv[0], &rt, err, errlen);
	if (!r)
		r = vsx_ofl_parse_limit(argc - 1, argv + 1, &rt.limit, err, errlen);
	if (r)
		return r;
	for (size_t i = 0; i < p->n_rates; i++) {
		if (!rate_same_scope(&p->rates[i], &rt))
			continue;
		if (!replace) {
			fail(err, errlen, "rate-limit: %s has a limit already", argv[0]);
			return -EEXIST;
		}
		p->rates[i].limit = rt.limit;
		return 0;
	}
	if (p->n_rates >= VSX_OFL_MAX_RATES) {
		fail(err, errlen, "rate-limit: too many rate limits (max %d)", VSX_OFL_MAX_RATES);
		return -ENOSPC;
	}
	nr = realloc(p->rates, (p->n_rates + 1) * sizeof(*nr));
	if (!nr) {
		fail(err, errlen, "rate-limit: out of memory");
		return -ENOMEM;
	}
	p->rates = nr;
	p->rates[p->n_rates++] = rt;
	return 0;
}

static int apply_setting(struct vsx_ofl_policy *p, int argc, const char *const *argv, char *err,
			 size_t errlen)
{
	const char *kw = argv[0];
	uint64_t n;

	if (!strcmp(kw, "promote"))
		return parse_thresholds(kw, argc - 1, argv + 1, &p->promote, err, errlen);
	if (!strcmp(kw, "demote"))
		return parse_thresholds(kw, argc - 1, argv + 1, &p->demote, err, errlen);
	if (argc != 2)
		return fail(err, errlen, "%s: expected one value", kw);
	if (!strcmp(kw, "offload")) {
		if (!strcmp(argv[1], "on") || !strcmp(argv[1], "yes"))
			p->enabled = true;
		else if (!strcmp(argv[1], "off") || !strcmp(argv[1], "no"))
			p->enabled = false;
		else
			return fail(err, errlen, "offload: expected on or off, got '%s'", argv[1]);
		return 0;
	}
	if (!strcmp(kw, "capacity")) {
		if (vsx_ofl_parse_count(argv[1], &n) || n < 1 || n >= VSX_MAX_OFFLOADS)
			return fail(err, errlen, "capacity %s out of range 1..%d", argv[1],
				    VSX_MAX_OFFLOADS - 1);
		p->capacity = (uint32_t)n;
		return 0;
	}
	if (!strcmp(kw, "idle-timeout")) {
		uint32_t ms;

		if (vsx_ofl_parse_duration_ms(argv[1], &ms) || ms == 0)
			return fail(err, errlen,
				    "idle-timeout: invalid duration '%s' (500ms, 10s; 1ms..3600s)",
				    argv[1]);
		p->idle_timeout_ms = ms;
		return 0;
	}
	return fail(err, errlen,
		    "unknown statement '%s' (offload, capacity, idle-timeout, promote, demote, "
		    "header, rate-limit)",
		    kw);
}

static int apply_one(struct vsx_ofl_policy *t, int argc, const char *const *argv,
		     unsigned int flags, __u32 *id, char *err, size_t errlen)
{
	bool replace = flags & VSX_OFL_REPLACE;

	if (argc < 1)
		return fail(err, errlen, "empty statement");
	if (!strcmp(argv[0], "header"))
		return apply_header(t, argc - 1, argv + 1, replace, id, err, errlen);
	if (!strcmp(argv[0], "rate-limit"))
		return apply_rate(t, argc - 1, argv + 1, replace, err, errlen);
	return apply_setting(t, argc, argv, err, errlen);
}

int vsx_ofl_policy_apply(struct vsx_ofl_policy *p, int argc, const char *const *argv,
			 unsigned int flags, __u32 *id, char *err, size_t errlen)
{
	struct vsx_ofl_policy t;
	int r;

	if (id)
		*id = 0;
	if (err && errlen)
		err[0] = '\0';
	r = vsx_ofl_policy_copy(&t, p);
	if (r) {
		fail(err, errlen, "out of memory");
		return r;
	}
	r = apply_one(&t, argc, argv, flags, id, err, errlen);
	if (!r && !(flags & VSX_OFL_NOCHECK))
		r = vsx_ofl_policy_validate(&t, err, errlen);
	if (r) {
		vsx_ofl_policy_free(&t);
		if (id)
			*id = 0;
		return r;
	}
	vsx_ofl_policy_free(p);
	*p = t;
	return 0;
}

/* Splits line into at most MAX_WORDS words in buf (VSX_OFL_STMT_MAX bytes). */
static int split(const char *line, char *buf, const char **argv, int *argc, char *err,
		 size_t errlen)
{
	size_t len = strnlen(line, VSX_OFL_STMT_MAX);
	int n = 0;

	if (len >= VSX_OFL_STMT_MAX)
		return fail(err, errlen, "statement too long (max %d characters)",
			    VSX_OFL_STMT_MAX - 1);
	memcpy(buf, line, len + 1);
	for (char *s = buf; *s;) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t') {
			*s++ = '\0';
			continue;
		}
		if (c < 0x20 || c >= 0x7f)
			return fail(err, errlen, "invalid character 0x%02x", c);
		if (n == MAX_WORDS)
			return fail(err, errlen, "too many words (at most %d)", MAX_WORDS);
		argv[n++] = s;
		while (*s && *s != ' ' && *s != '\t') {
			c = (unsigned char)*s;
			if (c < 0x20 || c >= 0x7f)
				return fail(err, errlen, "invalid character 0x%02x", c);
			s++;
		}
	}
	*argc = n;
	return 0;
}

int vsx_ofl_policy_apply_text(struct vsx_ofl_policy *p, const char *text, unsigned int flags,
			      __u32 *id, char *err, size_t errlen)
{
	char buf[VSX_OFL_STMT_MAX], line[VSX_OFL_STMT_MAX];
	const char *argv[MAX_WORDS];
	struct vsx_ofl_policy t;
	size_t len = strnlen(text, VSX_OFL_STMT_MAX), pos = 0;
	int r;

	if (id)
		*id = 0;
	if (err && errlen)
		err[0] = '\0';
	if (len >= VSX_OFL_STMT_MAX)
		return fail(err, errlen, "statement too long (max %d characters)",
			    VSX_OFL_STMT_MAX - 1);
	r = vsx_ofl_policy_copy(&t, p);
	if (r) {
		fail(err, errlen, "out of memory");
		return r;
	}
	/* statements separated by ';' apply together: validated once, after the last */
	do {
		const char *semi = memchr(text + pos, ';', len - pos);
		size_t n = semi ? (size_t)(semi - text - pos) : len - pos;
		int argc = 0;
		__u32 one = 0;

		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		r = split(line, buf, argv, &argc, err, errlen);
		if (!r)
			r = apply_one(&t, argc, argv, flags, &one, err, errlen);
		if (!r && one && id)
			*id = one;
	} while (!r && pos <= len);
	if (!r && !(flags & VSX_OFL_NOCHECK))
		r = vsx_ofl_policy_validate(&t, err, errlen);
	if (r) {
		vsx_ofl_policy_free(&t);
		if (id)
			*id = 0;
		return r;
	}
	vsx_ofl_policy_free(p);
	*p = t;
	return 0;
}

int vsx_ofl_policy_delete_text(struct vsx_ofl_policy *p, const char *what, char *err,
			       size_t errlen)
{
	char buf[VSX_OFL_STMT_MAX];
	const char *argv[MAX_WORDS];
	int argc = 0, r;

	if (err && errlen)
		err[0] = '\0';
	r = split(what, buf, argv, &argc, err, errlen);
	if (r)
		return r;
	if (argc == 2 && !strcmp(argv[0], "header")) {
		struct vsx_ofl_header h;
		uint64_t id = 0;
		bool by_id = !parse_digits(argv[1], strlen(argv[1]), &id);

		memset(&h, 0, sizeof(h));
		if (!by_id) {
			r = parse_header_match(argv[1], &h.priority, &h.key, &h.mask, err, errlen);
			if (r)
				return r;
		}
		for (size_t i = 0; i < p->n_headers; i++) {
			if (by_id ? p->headers[i].id != id : !header_same_match(&p->headers[i], &h))
				continue;
			memmove(&p->headers[i], &p->headers[i + 1],
				(p->n_headers - i - 1) * sizeof(h));
			p->n_headers--;
			return 0;
		}
		fail(err, errlen, "no header policy %s", argv[1]);
		return -ENOENT;
	}
	if (argc == 2 && !strcmp(argv[0], "rate-limit")) {
		struct vsx_ofl_rate rt;

		r = parse_scope(argv[1], &rt, err, errlen);
		if (r)
			return r;
		for (size_t i = 0; i < p->n_rates; i++) {
			if (!rate_same_scope(&p->rates[i], &rt))
				continue;
			memmove(&p->rates[i], &p->rates[i + 1], (p->n_rates - i - 1) * sizeof(rt));
			p->n_rates--;
			return 0;
		}
		fail(err, errlen, "no rate limit for %s", argv[1]);
		return -ENOENT;
	}
	return fail(err, errlen, "expected header ID, header MATCH or rate-limit SCOPE");
}

/* ---- validation ---- */

static int check_pair(const char *unit, uint64_t promote, uint64_t demote, char *err,
		      size_t errlen)
{
	if (promote && demote >= promote)
		return fail(err, errlen,
			    "demote %s=%llu must be below promote %s=%llu (hysteresis)", unit,
			    (unsigned long long)demote, unit, (unsigned long long)promote);
	if (!promote && demote)
		return fail(err, errlen,
			    "demote %s=%llu given but promotion does not use %s (promote %s=0)", unit,
			    (unsigned long long)demote, unit, unit);
	return 0;
}

int vsx_ofl_policy_validate(const struct vsx_ofl_policy *p, char *err, size_t errlen)
{
	char msg[256];
	int r;

	if (p->capacity < 1 || p->capacity >= VSX_MAX_OFFLOADS)
		return fail(err, errlen, "capacity %u out of range 1..%d", p->capacity,
			    VSX_MAX_OFFLOADS - 1);
	if (p->idle_timeout_ms < 1 || p->idle_timeout_ms > VSX_OFL_MAX_MS)
		return fail(err, errlen, "idle-timeout %ums out of range 1ms..3600s",
			    p->idle_timeout_ms);
	if (p->promote.ms < 1 || p->promote.ms > VSX_OFL_MAX_MS || p->demote.ms < 1 ||
	    p->demote.ms > VSX_OFL_MAX_MS)
		return fail(err, errlen, "promote/demote for= out of range 1ms..3600s");
	if (p->promote.pps > MAX_PPS || p->demote.pps > MAX_PPS || p->promote.bps > MAX_BPS ||
	    p->demote.bps > MAX_BPS)
		return fail(err, errlen, "thresholds out of range");
	if (!p->promote.pps && !p->promote.bps)
		return fail(err, errlen,
			    "promote: pps and bps both 0 (use header policies to decide without "
			    "statistics)");
	r = check_pair("pps", p->promote.pps, p->demote.pps, err, errlen);
	if (!r)
		r = check_pair("bps", p->promote.bps, p->demote.bps, err, errlen);
	if (r)
		return r;
	if (p->n_headers > VSX_OFL_MAX_HEADERS || p->n_rates > VSX_OFL_MAX_RATES)
		return fail(err, errlen, "too many header policies or rate limits");
	for (size_t i = 0; i < p->n_headers; i++) {
		const struct vsx_ofl_header *h = &p->headers[i];

		if (h->action > VSX_OFL_NEVER)
			return fail(err, errlen, "header %u: invalid decision %u", h->id, h->action);
		if (i && h->priority > p->headers[i - 1].priority)
			return fail(err, errlen, "header %u: out of priority order", h->id);
		msg[0] = '\0';
		if (vsx_match_validate(&h->key, &h->mask, msg, sizeof(msg)))
			return fail(err, errlen, "header %u: %s", h->id, msg);
	}
	for (size_t i = 0; i < p->n_rates; i++) {
		const struct vsx_ofl_rate *rt = &p->rates[i];

		if (rt->scope > VSX_OFL_SCOPE_VM || strnlen(rt->name, VSX_OFL_NAME_SIZE) ==
							    VSX_OFL_NAME_SIZE ||
		    (rt->scope == VSX_OFL_SCOPE_DEFAULT) != !rt->name[0])
			return fail(err, errlen, "rate limit %zu: invalid scope", i);
		if (rt->limit.bits_per_s > MAX_BPS || rt->limit.pkts_per_s > MAX_PPS ||
		    rt->limit.burst_bytes > MAX_BURST_BYTES || rt->limit.burst_us > 10000000)
			return fail(err, errlen, "rate limit %zu: out of range", i);
		for (size_t j = 0; j < i; j++)
			if (rate_same_scope(&p->rates[j], rt))
				return fail(err, errlen, "rate limit %zu: duplicate scope", i);
	}
	return 0;
}

/* ---- printing ---- */

int vsx_ofl_header_format(const struct vsx_ofl_header *h, char *buf, size_t len)
{
	char text[VSX_RULE_TEXT_MAX];
	struct vsx_rule r;
	size_t n;
	int k;

	vsx_rule_init(&r);
	r.priority = h->priority;
	r.key = h->key;
	r.mask = h->mask;
	r.action.kind = VSX_ACT_IRQ_AUTO;
	if (vsx_rule_format(&r, text, sizeof(text)) < 0)
		return -ENOSPC;
	/* the rule's text ends in "[ ]actions=irq:auto": keep what comes before */
	n = strlen(text) - strlen(MATCH_ACTION);
	if (n && text[n - 1] == ' ')
		n--;
	text[n] = '\0';
	k = snprintf(buf, len, "header %s %s", n ? text : "any", vsx_ofl_action_name(h->action));
	return k < 0 || (size_t)k >= len ? -ENOSPC : k;
}

/* 1000000 -> "1M": the largest decimal suffix that divides exactly. */
static void fmt_si(char *buf, size_t len, uint64_t v, bool tera)
{
	static const char *const sfx[] = {"T", "G", "M", "k"};
	static const uint64_t mult[] = {1000000000000ull, 1000000000, 1000000, 1000};

	for (int i = tera ? 0 : 2; i < 4; i++) {
		if (v && v % mult[i] == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v / mult[i]), sfx[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void fmt_ms(char *buf, size_t len, uint32_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
}

int vsx_ofl_rate_format(const struct vsx_ofl_rate *rt, char *buf, size_t len)
{
	const struct vsx_rate_limit *l = &rt->limit;
	char v[48];
	size_t off;
	int k;

	if (rt->scope == VSX_OFL_SCOPE_DEFAULT)
		k = snprintf(buf, len, "rate-limit default");
	else
		k = snprintf(buf, len, "rate-limit %s=%s",
			     rt->scope == VSX_OFL_SCOPE_VM ? "vm" : "tenant", rt->name);
	if (k < 0 || (size_t)k >= len)
		return -ENOSPC;
	off = (size_t)k;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		k = snprintf(buf + off, len - off, __VA_ARGS__);                                   \
		if (k < 0 || (size_t)k >= len - off)                                               \
			return -ENOSPC;                                                            \
		off += (size_t)k;                                                                  \
	} while (0)
	if (l->bits_per_s) {
		fmt_si(v, sizeof(v), l->bits_per_s, true);
		ADD(" rate=%s", v);
	}
	if (l->pkts_per_s) {
		fmt_si(v, sizeof(v), l->pkts_per_s, false);
		ADD(" pps=%s", v);
	}
	if (l->burst_us) {
		/* stored in µs, written in ms (the parser's unit): exact since it read ms */
		fmt_ms(v, sizeof(v), l->burst_us / 1000);
		ADD(" burst=%s", v);
	}
	if (l->burst_bytes)
		ADD(" burst=%lluB", (unsigned long long)l->burst_bytes);
	if (l->burst_pkts)
		ADD(" burst-pkts=%u", l->burst_pkts);
#undef ADD
	return (int)off;
}

static void put_thresholds(FILE *f, const char *prefix, const char *kw,
			   const struct vsx_ofl_thresholds *t)
{
	char pps[32], bps[32], ms[32];

	fmt_si(pps, sizeof(pps), t->pps, false);
	fmt_si(bps, sizeof(bps), t->bps, true);
	fmt_ms(ms, sizeof(ms), t->ms);
	fprintf(f, "%s%s pps=%s bps=%s for=%s\n", prefix, kw, pps, bps, ms);
}

int vsx_ofl_policy_dump(const struct vsx_ofl_policy *p, const char *prefix, FILE *f)
{
	char buf[VSX_OFL_STMT_MAX], v[32];

	fprintf(f, "offload %s\n", p->enabled ? "on" : "off");
	fprintf(f, "%scapacity %u\n", prefix, p->capacity);
	fmt_ms(v, sizeof(v), p->idle_timeout_ms);
	fprintf(f, "%sidle-timeout %s\n", prefix, v);
	put_thresholds(f, prefix, "promote", &p->promote);
	put_thresholds(f, prefix, "demote", &p->demote);
	for (size_t i = 0; i < p->n_headers; i++) {
		if (vsx_ofl_header_format(&p->headers[i], buf, sizeof(buf)) < 0)
			return -EIO;
		fprintf(f, "%s%s\n", prefix, buf);
	}
	for (size_t i = 0; i < p->n_rates; i++) {
		if (vsx_ofl_rate_format(&p->rates[i], buf, sizeof(buf)) < 0)
			return -EIO;
		fprintf(f, "%s%s\n", prefix, buf);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- decisions ---- */

const struct vsx_ofl_header *vsx_ofl_policy_header(const struct vsx_ofl_policy *p,
						   const struct vsx_flow_key *key)
{
	for (size_t i = 0; i < p->n_headers; i++) {
		const struct vsx_ofl_header *h = &p->headers[i];
		const __u8 *k = (const __u8 *)key, *hk = (const __u8 *)&h->key,
			   *hm = (const __u8 *)&h->mask;
		bool match = true;

		for (size_t b = 0; match && b < sizeof(*key); b++)
			match = (k[b] & hm[b]) == hk[b];
		if (match)
			return h;
	}
	return NULL;
}

int vsx_ofl_policy_rate(const struct vsx_ofl_policy *p, const char *vm, const char *tenant,
			struct vsx_rate_limit *out)
{
	const struct vsx_ofl_rate *best = NULL;

	for (size_t i = 0; i < p->n_rates; i++) {
		const struct vsx_ofl_rate *rt = &p->rates[i];

		if (rt->scope == VSX_OFL_SCOPE_VM && vm && !strcmp(rt->name, vm)) {
			best = rt;
			break;
		}
		if (rt->scope == VSX_OFL_SCOPE_TENANT && tenant && tenant[0] &&
		    !strcmp(rt->name, tenant))
			best = rt;
		else if (rt->scope == VSX_OFL_SCOPE_DEFAULT && !best)
			best = rt;
	}
	memset(out, 0, sizeof(*out));
	if (!best)
		return -ENOENT;
	*out = best->limit;
	return best->scope;
}
