// SPDX-License-Identifier: MIT
/*
 * vsxd.conf: a line-based tokenizer (words, "quoted strings", braces, # comments), one
 * statement per line, a table of global keywords and one of vm-block keywords. Every error
 * names the file and line; the first error stops the parse.
 */
#include "config.h"
#include "rule.h"
#include "rule_text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16

struct word {
	const char *s;
	bool quoted; /* a quoted "{" is a word, not a brace */
};

enum global_kw {
	G_UPLINK,
	G_VXLAN_PORT,
	G_MODE,
	G_FCF,
	G_EGRESS_FCF,
	G_OWN_RPS,
	G_CPUMAP_KTHREAD,
	G_THRESHOLD,
	G_SAMPLE_INTERVAL,
	G_DECISION_LOAD,
	G_REBALANCE,
	G_REBALANCE_HOLD,
	G_REBALANCE_MARGIN,
	G_REBALANCE_BALANCE,
	G_REBALANCE_GAP,
	G_FLOW_CACHE_SLOTS,
	G_BPFFS,
	G_SOCKET,
	G_RSS_CPUS,
	G_XDP_MODE,
	G_LOG_LEVEL,
	G_METRICS_LISTEN,
	G_DATAPATH_ID,
	G_SSL_KEY,
	G_SSL_CERT,
	G_SSL_CA,
	G_OF_ECHO,
	G_OFFLOAD,
	G_OFFLOAD_CAPACITY,
	G_OFFLOAD_IDLE,
	G_OFFLOAD_PROMOTE, /* several words: a policy statement */
	G_OFFLOAD_DEMOTE,
	G_COUNT
};

/* Keywords that may repeat (each line adds one); not in the table of single settings. */
enum list_kw { L_RULE, L_CONTROLLER, L_OF_LISTEN, L_OFFLOAD_HEADER, L_OFFLOAD_RATE, L_COUNT };

enum vm_kw {
	V_VM_ID,
	V_TENANT,
	V_VNI,
	V_PORT,
	V_CPUS,
	V_PID,
	V_PID_FILE,
	V_PRIORITY,
	V_MAC,
	V_RATE_LIMIT, /* several words: "rate-limit vm=NAME ..." of the policy */
	V_COUNT
};

struct parser {
	struct vsxd_conf *conf;
	const char *name;
	unsigned int line;
	char *err;
	size_t errlen;
	unsigned int global_line[G_COUNT]; /* where each global keyword was set, 0 if not */
	unsigned int list_line[L_COUNT];   /* the last line of each repeatable keyword */
	struct vsxd_vm *vm;		    /* the open vm block, if any */
	unsigned int vm_line[V_COUNT];
	/* the current line, split into words */
	char buf[VSXD_CONF_LINE_MAX + 1 + 2 * MAX_WORDS];
	struct word w[MAX_WORDS];
	int n;
};

/* ---- messages ---- */

static int __attribute__((format(printf, 3, 0)))
vreport(struct parser *p, unsigned int line, const char *fmt, va_list ap)
{
	size_t off = 0;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	if (line)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n > 0)
		off = (size_t)n < p->errlen ? (size_t)n : p->errlen - 1;
	if (p->vm) {
		n = snprintf(p->err + off, p->errlen - off, "vm \"%s\": ", p->vm->name);
		if (n > 0)
			off += (size_t)n < p->errlen - off ? (size_t)n : p->errlen - off - 1;
	}
	vsnprintf(p->err + off, p->errlen - off, fmt, ap);
	return -EINVAL;
}

/* An error at the current line. Returns -EINVAL. */
static int __attribute__((format(printf, 2, 3))) perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vreport(p, p->line, fmt, ap);
	va_end(ap);
	return ret;
}

/* An error at a given line (0: the file as a whole). Returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
perr_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vreport(p, line, fmt, ap);
	va_end(ap);
	return ret;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- words ---- */

static bool bad_char(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool ends_word(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '#' || c == '{' || c == '}';
}

/* Splits line s[0..len) (no newline, no NUL) into p->w. */
static int split_line(struct parser *p, const char *s, size_t len)
{
	char *o = p->buf;
	size_t i = 0;

	p->n = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		struct word *w;

		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (bad_char(c))
			return perr(p, "invalid character 0x%02x", c);
		if (p->n == MAX_WORDS)
			return perr(p, "too many words on one line (at most %d)", MAX_WORDS);
		w = &p->w[p->n++];
		w->s = o;
		w->quoted = false;

		if (c == '{' || c == '}') {
			*o++ = (char)c;
			*o++ = '\0';
			i++;
			continue;
		}
		if (c == '"') {
			w->quoted = true;
			i++;
			for (;;) {
				if (i == len)
					return perr(p, "unterminated quoted string");
				c = (unsigned char)s[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i == len)
						return perr(p, "unterminated quoted string");
					c = (unsigned char)s[i++];
					if (c != '"' && c != '\\') {
						if (bad_char(c))
							return perr(p, "invalid character 0x%02x", c);
						return perr(p,
							    "invalid escape '\\%c' in quoted string "
							    "(only \\\" and \\\\)",
							    c);
					}
				} else if (bad_char(c)) {
					return perr(p, "invalid character 0x%02x", c);
				}
				*o++ = (char)c;
			}
			*o++ = '\0';
			if (i < len && !ends_word((unsigned char)s[i]))
				return perr(p, "missing space after quoted string");
			continue;
		}
		while (i < len) {
			c = (unsigned char)s[i];
			if (ends_word(c))
				break;
			if (c == '"')
				return perr(p, "unexpected '\"' inside a word");
			if (bad_char(c))
				return perr(p, "invalid character 0x%02x", c);
			*o++ = (char)c;
			i++;
		}
		*o++ = '\0';
	}
	return 0;
}

static bool is_brace(const struct word *w, char brace)
{
	return !w->quoted && w->s[0] == brace && w->s[1] == '\0';
}

static bool is_any_brace(const struct word *w)
{
	return is_brace(w, '{') || is_brace(w, '}');
}

/* "keyword value": exactly one value that is not a brace. */
static int need_one_value(struct parser *p)
{
	const char *kw = p->w[0].s;

	if (p->n < 2)
		return perr(p, "%s: missing value", kw);
	if (is_any_brace(&p->w[1]))
		return perr(p, "%s: unexpected '%s'", kw, p->w[1].s);
	if (p->n > 2)
		return perr(p, "%s: unexpected '%s' after the value", kw, p->w[2].s);
	return 0;
}

/* ---- values ---- */

/* Decimal digits only; -EINVAL when empty or not a number, -ERANGE on overflow. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * The number in s[0..len) times mult, in min..max. Messages quote the whole value s.
 */
static int get_num_mult(struct parser *p, const char *kw, const char *s, size_t len,
			uint64_t mult, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int r = parse_u64(s, len, &v);

	if (r == -EINVAL)
		return perr(p, "%s: invalid number '%s'", kw, s);
	if (r == 0 && v > UINT64_MAX / mult)
		r = -ERANGE;
	if (r == 0)
		v *= mult;
	if (r == -ERANGE || v < min || v > max)
		return perr(p, "%s %s out of range %llu..%llu", kw, s, (unsigned long long)min,
			    (unsigned long long)max);
	*out = v;
	return 0;
}

static int get_num(struct parser *p, const char *kw, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	return get_num_mult(p, kw, s, strlen(s), 1, min, max, out);
}

static int get_bool(struct parser *p, const char *kw, const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no")) {
		*out = false;
		return 0;
	}
	return perr(p, "%s: expected on or off (yes or no), got '%s'", kw, s);
}

/* As the kernel's dev_valid_name(). */
static int get_ifname(struct parser *p, const char *kw, const char *s, char *dst)
{
	size_t len = strlen(s);

	if (len == 0)
		return perr(p, "%s: empty interface name", kw);
	if (len >= VSXD_IFNAME_SIZE)
		return perr(p, "%s: interface name '%s' too long (max %d characters)", kw, s,
			    VSXD_IFNAME_SIZE - 1);
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t"))
		return perr(p, "%s: invalid interface name '%s'", kw, s);
	memcpy(dst, s, len + 1);
	return 0;
}

static int get_path(struct parser *p, const char *kw, const char *s, char *dst, size_t size)
{
	size_t len = strlen(s);

	if (s[0] != '/')
		return perr(p, "%s: path '%s' is not absolute", kw, s);
	if (len >= size)
		return perr(p, "%s: path too long (max %zu characters)", kw, size - 1);
	memcpy(dst, s, len + 1);
	return 0;
}

/* VM and tenant names: a letter or digit, then letters, digits, '.', '_', '-'. */
static int get_name(struct parser *p, const char *kw, const char *s, char *dst)
{
	size_t len = strlen(s);
	bool ok = len > 0;

	for (size_t i = 0; ok && i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-'));
	}
	if (!ok)
		return perr(p,
			    "%s: invalid name '%s' (letters, digits, '.', '_' and '-', starting "
			    "with a letter or digit)",
			    kw, s);
	if (len >= VSXD_NAME_SIZE)
		return perr(p, "%s: name '%s' too long (max %d characters)", kw, s,
			    VSXD_NAME_SIZE - 1);
	memcpy(dst, s, len + 1);
	return 0;
}

/* A CPU list ("0-3,8"), parsed by the one CPU list parser (core_load.h). */
static int get_cpus(struct parser *p, const char *kw, const char *s, struct vsx_cpuset *set)
{
	char msg[VSXD_CONF_LINE_MAX + 64];

	if (vsx_parse_cpulist(s, set, msg, sizeof(msg)))
		return perr(p, "%s: %s", kw, msg);
	return 0;
}

/* Writes the set as a CPU list; -ENOSPC cannot happen (at most 4 bytes per CPU). */
static int put_cpulist(FILE *f, const struct vsx_cpuset *set)
{
	char buf[VSX_MAX_CPUS * 4 + 1];
	int r = vsx_format_cpulist(set, buf, sizeof(buf));

	if (!r)
		fputs(buf, f);
	return r;
}

/* ---- network addresses ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/*
 * A host: a name or IPv4 address (letters, digits, '.', '-', '_'), or an IPv6 address in
 * brackets ("[::1]"). Returns the host's length in s (up to the ':' after it), 0 if none.
 */
static size_t host_len(const char *s)
{
	size_t n = 0;

	if (s[0] == '[') {
		for (n = 1; s[n] && s[n] != ']'; n++)
			if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
			      (s[n] >= 'A' && s[n] <= 'F') || s[n] == ':' || s[n] == '.'))
				return 0;
		return s[n] == ']' && n > 1 ? n + 1 : 0;
	}
	while (host_char(s[n]))
		n++;
	return n;
}

/* A port number 1..65535 (0 too when zero_ok: "any free port"). */
static bool valid_port(const char *s, bool zero_ok)
{
	uint64_t v;

	return !parse_u64(s, strlen(s), &v) && v <= 65535 && (v || zero_ok);
}

/* "HOST:PORT". */
static bool valid_host_port(const char *s)
{
	size_t h = host_len(s);

	return h && s[h] == ':' && valid_port(s + h + 1, false);
}

int vsxd_conf_check_of_target(const char *t, bool passive, char *err, size_t errlen)
{
	size_t len = strlen(t);
	const char *v;

	if (len >= VSXD_OF_TARGET_SIZE) {
		set_err(err, errlen, "target too long (max %d characters)", VSXD_OF_TARGET_SIZE - 1);
		return -EINVAL;
	}
	if (!passive) {
		if (!strncmp(t, "tcp:", 4) || !strncmp(t, "ssl:", 4)) {
			if (valid_host_port(t + 4))
				return 0;
			set_err(err, errlen, "'%s': expected %.3s:HOST:PORT (port 1..65535, IPv6 in "
					     "brackets)",
				t, t);
			return -EINVAL;
		}
		if (!strncmp(t, "unix:", 5)) {
			v = t + 5;
			goto path;
		}
		set_err(err, errlen, "'%s': expected tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH", t);
		return -EINVAL;
	}
	if (!strncmp(t, "ptcp:", 5) || !strncmp(t, "pssl:", 5)) {
		const char *colon = strchr(t + 5, ':');
		char port[8];
		size_t plen = colon ? (size_t)(colon - t - 5) : len - 5;
		bool ok = plen > 0 && plen < sizeof(port);

		if (ok) {
			memcpy(port, t + 5, plen);
			port[plen] = '\0';
			ok = valid_port(port, true);
		}
		if (ok && colon) {
			size_t h = host_len(colon + 1);

			ok = h && colon[1 + h] == '\0';
		}
		if (ok)
			return 0;
		set_err(err, errlen, "'%s': expected %.4s:PORT[:ADDR] (port 0..65535, IPv6 in "
				     "brackets)",
			t, t);
		return -EINVAL;
	}
	if (!strncmp(t, "punix:", 6)) {
		v = t + 6;
		goto path;
	}
	set_err(err, errlen, "'%s': expected ptcp:PORT[:ADDR], pssl:PORT[:ADDR] or punix:PATH", t);
	return -EINVAL;
path:
	if (!v[0] || strlen(v) >= VSXD_SOCKET_PATH_SIZE) {
		set_err(err, errlen, "'%s': socket path empty or too long (max %d characters)", t,
			VSXD_SOCKET_PATH_SIZE - 1);
		return -EINVAL;
	}
	return 0;
}

static int add_target(struct parser *p, const char *kw, const char *v, bool passive,
		      char ***list, size_t *n)
{
	char msg[VSXD_OF_TARGET_SIZE + 128];
	char **nl, *t;

	if (vsxd_conf_check_of_target(v, passive, msg, sizeof(msg)))
		return perr(p, "%s: %s", kw, msg);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], v))
			return perr(p, "%s: duplicate target '%s'", kw, v);
	if (*n == VSXD_MAX_OF_TARGETS)
		return perr(p, "%s: too many targets (max %d)", kw, VSXD_MAX_OF_TARGETS);
	nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl) {
		perr(p, "out of memory");
		return -ENOMEM;
	}
	*list = nl;
	t = strdup(v);
	if (!t) {
		perr(p, "out of memory");
		return -ENOMEM;
	}
	nl[(*n)++] = t;
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", a unicast address other than zero. */
static int get_mac(struct parser *p, const char *kw, const char *s, uint8_t mac[6])
{
	bool zero = true;

	if (strlen(s) != 17)
		return perr(p, "%s: invalid MAC address '%s' (xx:xx:xx:xx:xx:xx)", kw, s);
	for (int i = 0; i < 17; i++) {
		bool ok = i % 3 == 2 ? s[i] == ':' : hexval(s[i]) >= 0;

		if (!ok)
			return perr(p, "%s: invalid MAC address '%s' (xx:xx:xx:xx:xx:xx)", kw, s);
	}
	for (int i = 0; i < 6; i++) {
		mac[i] = (uint8_t)(hexval(s[3 * i]) << 4 | hexval(s[3 * i + 1]));
		zero = zero && !mac[i];
	}
	if (zero || (mac[0] & 1))
		return perr(p, "%s: '%s' is not a unicast address", kw, s);
	return 0;
}

/* ---- offload policy statements ---- */

/*
 * Statement words (the keyword's policy name, then the line's values) through the one policy
 * parser, unvalidated: the policy is validated as a whole after the last line, so that the
 * order of offload-promote and offload-demote does not matter.
 */
static int policy_stmt(struct parser *p, const char *kw, const char *stmt, int first, bool vm)
{
	const char *argv[MAX_WORDS + 2];
	char scope[VSXD_NAME_SIZE + 4];
	char msg[512];
	int argc = 0, r;

	argv[argc++] = stmt;
	if (vm) {
		snprintf(scope, sizeof(scope), "vm=%s", p->vm->name);
		argv[argc++] = scope;
	}
	for (int i = first; i < p->n; i++) {
		if (is_any_brace(&p->w[i]))
			return perr(p, "%s: unexpected '%s'", kw, p->w[i].s);
		argv[argc++] = p->w[i].s;
	}
	msg[0] = '\0';
	r = vsx_ofl_policy_apply(&p->conf->offload, argc, argv, VSX_OFL_NOCHECK, NULL, msg,
				 sizeof(msg));
	if (r == -ENOMEM) {
		perr(p, "out of memory");
		return r;
	}
	if (r) {
		/* the policy's messages start with the statement's name; say the keyword instead */
		size_t n = strlen(stmt);
		const char *m = msg[0] ? msg : "invalid statement";

		if (!strncmp(m, stmt, n) && m[n] == ':' && m[n + 1] == ' ')
			m += n + 2;
		return perr(p, "%s: %s", kw, m);
	}
	return 0;
}

/* ---- static rules ---- */

/*
 * A static rule is validated by the one rule parser, so that "FILE:LINE: rule: ..." points
 * at a bad rule when the file is loaded (and by `vsxd --check-config`).
 */
static int check_rule_text(const char *text, char *msg, size_t len)
{
	struct vsx_rule rule;

	if (!text[0]) {
		set_err(msg, len, "empty rule");
		return -EINVAL;
	}
	return vsx_rule_parse(text, &rule, msg, len) ? -EINVAL : 0;
}

/* ---- statements ---- */

static const char *const global_names[G_COUNT] = {
	[G_UPLINK] = "uplink",
	[G_VXLAN_PORT] = "vxlan-port",
	[G_MODE] = "mode",
	[G_FCF] = "fcf",
	[G_EGRESS_FCF] = "egress-fcf",
	[G_OWN_RPS] = "own-rps",
	[G_CPUMAP_KTHREAD] = "cpumap-kthread",
	[G_THRESHOLD] = "threshold",
	[G_SAMPLE_INTERVAL] = "sample-interval",
	[G_DECISION_LOAD] = "decision-load",
	[G_REBALANCE] = "rebalance",
	[G_REBALANCE_HOLD] = "rebalance-hold",
	[G_REBALANCE_MARGIN] = "rebalance-margin",
	[G_REBALANCE_BALANCE] = "rebalance-balance",
	[G_REBALANCE_GAP] = "rebalance-gap-ms",
	[G_FLOW_CACHE_SLOTS] = "flow-cache-slots",
	[G_BPFFS] = "bpffs",
	[G_SOCKET] = "socket",
	[G_RSS_CPUS] = "rss-cpus",
	[G_XDP_MODE] = "xdp-mode",
	[G_LOG_LEVEL] = "log-level",
	[G_METRICS_LISTEN] = "metrics-listen",
	[G_DATAPATH_ID] = "datapath-id",
	[G_SSL_KEY] = "ssl-private-key",
	[G_SSL_CERT] = "ssl-certificate",
	[G_SSL_CA] = "ssl-ca-cert",
	[G_OF_ECHO] = "openflow-echo-interval",
	[G_OFFLOAD] = "offload",
	[G_OFFLOAD_CAPACITY] = "offload-capacity",
	[G_OFFLOAD_IDLE] = "offload-idle-timeout",
	[G_OFFLOAD_PROMOTE] = "offload-promote",
	[G_OFFLOAD_DEMOTE] = "offload-demote",
};

static const char *const list_names[L_COUNT] = {
	[L_RULE] = "rule",
	[L_CONTROLLER] = "controller",
	[L_OF_LISTEN] = "openflow-listen",
	[L_OFFLOAD_HEADER] = "offload-header",
	[L_OFFLOAD_RATE] = "offload-rate-limit",
};

static const char *const vm_names[V_COUNT] = {
	[V_VM_ID] = "vm-id",	 [V_TENANT] = "tenant",	    [V_VNI] = "vni",
	[V_PORT] = "port",	 [V_CPUS] = "cpus",	    [V_PID] = "pid",
	[V_PID_FILE] = "pid-file", [V_PRIORITY] = "priority", [V_MAC] = "mac",
	[V_RATE_LIMIT] = "rate-limit",
};

static const char *const mode_names[VSX_MODE_COUNT] = {
	[VSX_MODE_DEFAULT] = "default",
	[VSX_MODE_RSS] = "rss",
	[VSX_MODE_VSX] = "vsx",
};

static const char *const xdp_mode_names[] = {
	[VSXD_XDP_AUTO] = "auto",
	[VSXD_XDP_NATIVE] = "native",
	[VSXD_XDP_GENERIC] = "generic",
};

const char *vsxd_mode_name(enum vsx_mode mode)
{
	return (unsigned int)mode < VSX_MODE_COUNT ? mode_names[mode] : "?";
}

const char *vsxd_xdp_mode_name(enum vsxd_xdp_mode mode)
{
	return (unsigned int)mode < sizeof(xdp_mode_names) / sizeof(xdp_mode_names[0])
		       ? xdp_mode_names[mode]
		       : "?";
}

static const char *log_level_name(enum vsx_log_level level)
{
	switch (level) {
	case VSX_LOG_ERR:
		return "err";
	case VSX_LOG_WARN:
		return "warn";
	case VSX_LOG_INFO:
		return "info";
	case VSX_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

static int lookup(const char *const *names, int count, const char *s)
{
	for (int i = 0; i < count; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

static int set_global(struct parser *p, enum global_kw kw, const char *v)
{
	struct vsxd_conf *c = p->conf;
	const char *name = global_names[kw];
	uint64_t n = 0;
	size_t len = v ? strlen(v) : 0; /* NULL: a statement of several words (p->w) */
	int i, r;

	switch (kw) {
	case G_UPLINK:
		return get_ifname(p, name, v, c->uplink);
	case G_VXLAN_PORT:
		r = get_num(p, name, v, 1, 65535, &n);
		c->vxlan_port = (uint16_t)n;
		return r;
	case G_MODE:
		i = lookup(mode_names, VSX_MODE_COUNT, v);
		if (i < 0)
			return perr(p, "mode: expected default, rss or vsx, got '%s'", v);
		c->mode = (enum vsx_mode)i;
		return 0;
	case G_FCF:
		return get_bool(p, name, v, &c->fcf);
	case G_EGRESS_FCF:
		return get_bool(p, name, v, &c->egress_fcf);
	case G_OWN_RPS:
		return get_bool(p, name, v, &c->own_rps);
	case G_CPUMAP_KTHREAD:
		if (!strcmp(v, "batch") || !strcmp(v, "normal")) {
			c->cpumap_kthread_batch = v[0] == 'b';
			return 0;
		}
		return perr(p, "cpumap-kthread: expected batch or normal, got '%s'", v);
	case G_THRESHOLD:
		if (len && v[len - 1] == '%')
			len--;
		r = get_num_mult(p, name, v, len, 1, 0, 100, &n);
		c->threshold = (uint8_t)n;
		return r;
	case G_SAMPLE_INTERVAL:
		if (len >= 2 && !strcmp(v + len - 2, "ms"))
			len -= 2;
		r = get_num_mult(p, name, v, len, 1, VSXD_MIN_SAMPLE_MS, VSXD_MAX_SAMPLE_MS, &n);
		c->sample_interval_ms = (uint32_t)n;
		return r;
	case G_DECISION_LOAD:
		r = get_num(p, name, v, 0, 100, &n);
		c->decision_load = (uint8_t)n;
		return r;
	case G_REBALANCE:
		return get_bool(p, name, v, &c->rebalance);
	case G_REBALANCE_HOLD:
		r = get_num(p, name, v, 1, VSXD_MAX_REBALANCE_HOLD, &n);
		c->rebalance_hold = (uint32_t)n;
		return r;
	case G_REBALANCE_MARGIN:
		r = get_num(p, name, v, 1, 100, &n);
		c->rebalance_margin = (uint8_t)n;
		return r;
	case G_REBALANCE_BALANCE:
		r = get_num(p, name, v, 0, 100, &n);
		c->rebalance_balance = (uint8_t)n;
		return r;
	case G_REBALANCE_GAP:
		r = get_num(p, name, v, 1, VSXD_MAX_REBALANCE_GAP_MS, &n);
		c->rebalance_gap_ms = (uint32_t)n;
		return r;
	case G_FLOW_CACHE_SLOTS: {
		uint64_t mult = 1;

		if (len && (v[len - 1] == 'k' || v[len - 1] == 'K'))
			mult = 1024;
		else if (len && (v[len - 1] == 'm' || v[len - 1] == 'M'))
			mult = 1024 * 1024;
		if (mult > 1)
			len--;
		r = get_num_mult(p, name, v, len, mult, VSXD_MIN_FLOW_SLOTS, VSXD_MAX_FLOW_SLOTS,
				 &n);
		if (r)
			return r;
		if (n & (n - 1))
			return perr(p, "flow-cache-slots %s is not a power of two", v);
		c->flow_cache_slots = (uint32_t)n;
		return 0;
	}
	case G_BPFFS:
		return get_path(p, name, v, c->bpffs, sizeof(c->bpffs));
	case G_SOCKET:
		return get_path(p, name, v, c->socket_path, sizeof(c->socket_path));
	case G_RSS_CPUS:
		if (!strcmp(v, "all")) {
			c->rss_cpus_all = true;
			vsx_cpuset_zero(&c->rss_cpus);
			return 0;
		}
		c->rss_cpus_all = false;
		return get_cpus(p, name, v, &c->rss_cpus);
	case G_XDP_MODE:
		i = lookup(xdp_mode_names, sizeof(xdp_mode_names) / sizeof(xdp_mode_names[0]), v);
		if (i < 0)
			return perr(p, "xdp-mode: expected native, generic or auto, got '%s'", v);
		c->xdp_mode = (enum vsxd_xdp_mode)i;
		return 0;
	case G_LOG_LEVEL:
		if (vsx_log_parse_level(v, &c->log_level))
			return perr(p, "log-level: expected err, warn, info or debug, got '%s'", v);
		return 0;
	case G_METRICS_LISTEN:
		if (len >= sizeof(c->metrics_listen) || !valid_host_port(v))
			return perr(p,
				    "metrics-listen: expected ADDR:PORT (127.0.0.1:9477, [::1]:9477), "
				    "got '%s'",
				    v);
		memcpy(c->metrics_listen, v, len + 1);
		return 0;
	case G_DATAPATH_ID: {
		const char *h = !strncmp(v, "0x", 2) || !strncmp(v, "0X", 2) ? v + 2 : v;
		size_t hl = strlen(h);

		if (!hl || hl > 16)
			return perr(p, "datapath-id: expected 1 to 16 hex digits, got '%s'", v);
		n = 0;
		for (size_t k = 0; k < hl; k++) {
			if (hexval(h[k]) < 0)
				return perr(p, "datapath-id: expected 1 to 16 hex digits, got '%s'", v);
			n = n << 4 | (uint64_t)hexval(h[k]);
		}
		c->datapath_id = n;
		c->has_datapath_id = true;
		return 0;
	}
	case G_SSL_KEY:
		return get_path(p, name, v, c->ssl_key, sizeof(c->ssl_key));
	case G_SSL_CERT:
		return get_path(p, name, v, c->ssl_cert, sizeof(c->ssl_cert));
	case G_SSL_CA:
		return get_path(p, name, v, c->ssl_ca, sizeof(c->ssl_ca));
	case G_OF_ECHO:
		if (len >= 2 && !strcmp(v + len - 2, "ms"))
			len -= 2;
		r = get_num_mult(p, name, v, len, 1, VSXD_MIN_OF_ECHO_MS, VSXD_MAX_OF_ECHO_MS, &n);
		c->of_echo_ms = (uint32_t)n;
		return r;
	case G_OFFLOAD:
		return policy_stmt(p, name, "offload", 1, false);
	case G_OFFLOAD_CAPACITY:
		return policy_stmt(p, name, "capacity", 1, false);
	case G_OFFLOAD_IDLE:
		return policy_stmt(p, name, "idle-timeout", 1, false);
	case G_OFFLOAD_PROMOTE:
		return policy_stmt(p, name, "promote", 1, false);
	case G_OFFLOAD_DEMOTE:
		return policy_stmt(p, name, "demote", 1, false);
	case G_COUNT:
		break;
	}
	return perr(p, "internal error");
}

/* The pinning keywords exclude each other. */
static int check_pin_exclusive(struct parser *p, enum vm_kw kw)
{
	static const enum vm_kw pins[] = {V_CPUS, V_PID, V_PID_FILE};

	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		if (pins[i] != kw && p->vm_line[pins[i]])
			return perr(p, "'%s' and '%s' (line %u) are mutually exclusive",
				    vm_names[kw], vm_names[pins[i]], p->vm_line[pins[i]]);
	}
	return 0;
}

static int set_vm(struct parser *p, enum vm_kw kw, const char *v)
{
	struct vsxd_vm *vm = p->vm;
	const char *name = vm_names[kw];
	uint64_t n = 0;
	int r;

	switch (kw) {
	case V_VM_ID:
		r = get_num(p, name, v, 1, VSX_FCF_MAX_VM_ID, &n);
		if (r)
			return r;
		for (size_t i = 0; i < p->conf->n_vms; i++) {
			const struct vsxd_vm *o = &p->conf->vms[i];

			if (o != vm && o->vm_id == n)
				return perr(p, "vm-id %s already used by vm \"%s\" (line %u)", v,
					    o->name, o->line);
		}
		vm->vm_id = (uint8_t)n;
		return 0;
	case V_TENANT:
		if (v[0] >= '0' && v[0] <= '9') {
			r = get_num(p, name, v, 0, UINT32_MAX, &n);
			vm->tenant_id = (uint32_t)n;
			vm->tenant_name[0] = '\0';
		} else {
			r = get_name(p, name, v, vm->tenant_name);
			vm->tenant_id = 0;
		}
		vm->has_tenant = r == 0;
		return r;
	case V_VNI:
		r = get_num(p, name, v, 0, VSXD_MAX_VNI, &n);
		vm->vni = (uint32_t)n;
		vm->has_vni = r == 0;
		return r;
	case V_PORT:
		return get_ifname(p, name, v, vm->port);
	case V_CPUS:
		r = check_pin_exclusive(p, kw);
		if (!r)
			r = get_cpus(p, name, v, &vm->cpus);
		if (!r)
			vm->pin = VSXD_PIN_CPUS;
		return r;
	case V_PID:
		r = check_pin_exclusive(p, kw);
		if (!r)
			r = get_num(p, name, v, 1, VSXD_MAX_PID, &n);
		if (!r) {
			vm->pid = (uint32_t)n;
			vm->pin = VSXD_PIN_PID;
		}
		return r;
	case V_PID_FILE:
		r = check_pin_exclusive(p, kw);
		if (!r)
			r = get_path(p, name, v, vm->pid_file, sizeof(vm->pid_file));
		if (!r)
			vm->pin = VSXD_PIN_PID_FILE;
		return r;
	case V_PRIORITY:
		return get_bool(p, name, v, &vm->priority);
	case V_MAC:
		r = get_mac(p, name, v, vm->mac);
		vm->has_mac = r == 0;
		return r;
	case V_RATE_LIMIT:
		return policy_stmt(p, name, "rate-limit", 1, true);
	case V_COUNT:
		break;
	}
	return perr(p, "internal error");
}

static int open_vm(struct parser *p)
{
	struct vsxd_conf *c = p->conf;
	struct vsxd_vm vm;
	int r;

	if (p->vm)
		return perr(p, "vm blocks cannot be nested (missing '}'?)");
	if (p->n < 2 || is_any_brace(&p->w[1]))
		return perr(p, "vm: missing name");
	memset(&vm, 0, sizeof(vm));
	r = get_name(p, "vm", p->w[1].s, vm.name);
	if (r)
		return r;
	for (size_t i = 0; i < c->n_vms; i++) {
		if (!strcmp(c->vms[i].name, vm.name))
			return perr(p, "vm \"%s\": duplicate vm name (first defined on line %u)",
				    vm.name, c->vms[i].line);
	}
	if (p->n < 3 || !is_brace(&p->w[2], '{'))
		return perr(p, "vm \"%s\": expected '{' after the name", vm.name);
	if (p->n > 3)
		return perr(p, "vm \"%s\": unexpected '%s' after '{' (one statement per line)",
			    vm.name, p->w[3].s);
	if (c->n_vms == VSXD_MAX_VMS)
		return perr(p, "too many vm blocks (max %d)", VSXD_MAX_VMS);
	if (!c->vms) {
		c->vms = calloc(VSXD_MAX_VMS, sizeof(*c->vms));
		if (!c->vms) {
			perr(p, "out of memory");
			return -ENOMEM;
		}
	}
	vm.line = p->line;
	c->vms[c->n_vms] = vm;
	p->vm = &c->vms[c->n_vms++];
	memset(p->vm_line, 0, sizeof(p->vm_line));
	return 0;
}

static int close_vm(struct parser *p)
{
	if (p->n > 1)
		return perr(p, "unexpected '%s' after '}'", p->w[1].s);
	if (!p->vm_line[V_VM_ID])
		return perr_at(p, p->vm->line, "vm-id is required");
	p->vm = NULL;
	return 0;
}

static int add_rule(struct parser *p)
{
	struct vsxd_conf *c = p->conf;
	char msg[512];
	char *text;
	int r;

	if (p->n < 2)
		return perr(p, "rule: missing rule text");
	if (is_any_brace(&p->w[1]))
		return perr(p, "rule: unexpected '%s'", p->w[1].s);
	if (p->n > 2)
		return perr(p, "rule: unexpected '%s' after the rule (quote the rule text: "
			       "rule \"vni=101 actions=irq:auto\")",
			    p->w[2].s);
	if (c->n_rules == VSXD_MAX_CONF_RULES)
		return perr(p, "too many rules (max %d)", VSXD_MAX_CONF_RULES);
	msg[0] = '\0';
	r = check_rule_text(p->w[1].s, msg, sizeof(msg));
	if (r)
		return perr(p, "rule: %s", msg[0] ? msg : "invalid rule");
	if (c->n_rules == 0 || (c->n_rules >= 8 && !(c->n_rules & (c->n_rules - 1)))) {
		/* capacity 8, then doubling whenever full */
		size_t cap = c->n_rules ? 2 * c->n_rules : 8;
		struct vsxd_conf_rule *nr = realloc(c->rules, cap * sizeof(*nr));

		if (!nr) {
			perr(p, "out of memory");
			return -ENOMEM;
		}
		c->rules = nr;
	}
	text = strdup(p->w[1].s);
	if (!text) {
		perr(p, "out of memory");
		return -ENOMEM;
	}
	c->rules[c->n_rules].text = text;
	c->rules[c->n_rules].line = p->line;
	c->n_rules++;
	return 0;
}

static int parse_statement(struct parser *p)
{
	const char *kw = p->w[0].s;
	int k;

	if (is_brace(&p->w[0], '}')) {
		if (!p->vm)
			return perr(p, "unexpected '}' outside a vm block");
		return close_vm(p);
	}
	if (is_brace(&p->w[0], '{'))
		return perr(p, "unexpected '{'");
	if (!strcmp(kw, "vm"))
		return open_vm(p);

	if (p->vm) {
		k = lookup(vm_names, V_COUNT, kw);
		if (k < 0) {
			if (lookup(global_names, G_COUNT, kw) >= 0 ||
			    lookup(list_names, L_COUNT, kw) >= 0)
				return perr(p, "'%s' is a global keyword, not allowed in a vm block",
					    kw);
			return perr(p, "unknown keyword '%s'", kw);
		}
		if (p->vm_line[k])
			return perr(p, "duplicate '%s' (first on line %u)", kw, p->vm_line[k]);
		if (k == V_RATE_LIMIT ? set_vm(p, (enum vm_kw)k, NULL)
				      : need_one_value(p) || set_vm(p, (enum vm_kw)k, p->w[1].s))
			return -EINVAL;
		p->vm_line[k] = p->line;
		return 0;
	}

	k = lookup(list_names, L_COUNT, kw);
	if (k >= 0) {
		int r;

		if (k != L_RULE && k != L_OFFLOAD_HEADER && k != L_OFFLOAD_RATE &&
		    need_one_value(p))
			return -EINVAL;
		switch ((enum list_kw)k) {
		case L_RULE:
			r = add_rule(p);
			break;
		case L_CONTROLLER:
			r = add_target(p, kw, p->w[1].s, false, &p->conf->of_controllers,
				       &p->conf->n_of_controllers);
			break;
		case L_OF_LISTEN:
			r = add_target(p, kw, p->w[1].s, true, &p->conf->of_listen,
				       &p->conf->n_of_listen);
			break;
		case L_OFFLOAD_HEADER:
			r = policy_stmt(p, kw, "header", 1, false);
			break;
		case L_OFFLOAD_RATE:
			r = policy_stmt(p, kw, "rate-limit", 1, false);
			break;
		default:
			r = perr(p, "internal error");
			break;
		}
		if (!r)
			p->list_line[k] = p->line;
		return r;
	}
	k = lookup(global_names, G_COUNT, kw);
	if (k < 0) {
		if (lookup(vm_names, V_COUNT, kw) >= 0)
			return perr(p, "'%s' is only allowed inside a vm block", kw);
		return perr(p, "unknown keyword '%s'", kw);
	}
	if (p->global_line[k])
		return perr(p, "duplicate '%s' (first on line %u)", kw, p->global_line[k]);
	if (k == G_OFFLOAD_PROMOTE || k == G_OFFLOAD_DEMOTE) {
		if (set_global(p, (enum global_kw)k, NULL))
			return -EINVAL;
	} else if (need_one_value(p) || set_global(p, (enum global_kw)k, p->w[1].s)) {
		return -EINVAL;
	}
	p->global_line[k] = p->line;
	return 0;
}

/* ---- entry points ---- */

void vsxd_conf_init(struct vsxd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->vxlan_port = VSX_DEFAULT_VXLAN_PORT;
	conf->mode = VSXD_DEFAULT_MODE;
	conf->fcf = true;
	conf->egress_fcf = true;
	conf->own_rps = true;
	conf->cpumap_kthread_batch = true;
	conf->threshold = VSXD_DEFAULT_THRESHOLD;
	conf->sample_interval_ms = VSXD_DEFAULT_SAMPLE_MS;
	conf->decision_load = VSXD_DEFAULT_DECISION_LOAD;
	conf->rebalance = VSXD_DEFAULT_REBALANCE;
	conf->rebalance_hold = VSXD_DEFAULT_REBALANCE_HOLD;
	conf->rebalance_margin = VSXD_DEFAULT_REBALANCE_MARGIN;
	conf->rebalance_balance = VSXD_DEFAULT_REBALANCE_BALANCE;
	conf->rebalance_gap_ms = VSXD_DEFAULT_REBALANCE_GAP_MS;
	conf->flow_cache_slots = VSX_DEFAULT_FLOW_SLOTS;
	strcpy(conf->bpffs, VSXD_DEFAULT_BPFFS);
	strcpy(conf->socket_path, VSXD_DEFAULT_SOCKET);
	conf->rss_cpus_all = true;
	conf->xdp_mode = VSXD_XDP_AUTO;
	conf->log_level = VSX_LOG_INFO;
	conf->of_echo_ms = VSXD_DEFAULT_OF_ECHO_MS;
	vsx_ofl_policy_init(&conf->offload);
}

void vsxd_conf_free(struct vsxd_conf *conf)
{
	for (size_t i = 0; i < conf->n_rules; i++)
		free(conf->rules[i].text);
	free(conf->rules);
	free(conf->vms);
	free(conf->source);
	for (size_t i = 0; i < conf->n_of_controllers; i++)
		free(conf->of_controllers[i]);
	free(conf->of_controllers);
	for (size_t i = 0; i < conf->n_of_listen; i++)
		free(conf->of_listen[i]);
	free(conf->of_listen);
	vsx_ofl_policy_free(&conf->offload);
	vsxd_conf_init(conf);
}

const struct vsxd_vm *vsxd_conf_vm(const struct vsxd_conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_vms; i++)
		if (!strcmp(conf->vms[i].name, name))
			return &conf->vms[i];
	return NULL;
}

void vsxd_vm_tenant(const struct vsxd_vm *vm, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	if (vm->has_tenant && vm->tenant_name[0])
		snprintf(buf, len, "%s", vm->tenant_name);
	else if (vm->has_tenant)
		snprintf(buf, len, "%u", vm->tenant_id);
}

static bool is_ssl(const char *t)
{
	return !strncmp(t, "ssl:", 4) || !strncmp(t, "pssl:", 5);
}

/* What only the whole file can tell. */
static int check_whole(struct parser *p)
{
	const struct vsxd_conf *c = p->conf;
	const struct vsx_ofl_policy *pol = &c->offload;
	char msg[512];

	for (size_t i = 0; i < c->n_of_controllers + c->n_of_listen; i++) {
		const char *t = i < c->n_of_controllers ? c->of_controllers[i]
							: c->of_listen[i - c->n_of_controllers];

		if (is_ssl(t) && (!c->ssl_key[0] || !c->ssl_cert[0] || !c->ssl_ca[0]))
			return perr_at(p, 0,
				       "'%s' needs ssl-private-key, ssl-certificate and ssl-ca-cert",
				       t);
	}
	msg[0] = '\0';
	if (vsx_ofl_policy_validate(pol, msg, sizeof(msg))) {
		unsigned int line = p->global_line[G_OFFLOAD_DEMOTE];

		if (!line)
			line = p->global_line[G_OFFLOAD_PROMOTE];
		return perr_at(p, line, "offload policy: %s", msg);
	}
	for (size_t i = 0; i < pol->n_rates; i++) {
		const struct vsx_ofl_rate *rt = &pol->rates[i];
		bool found = rt->scope == VSX_OFL_SCOPE_DEFAULT;

		for (size_t v = 0; !found && v < c->n_vms; v++) {
			char tenant[VSXD_NAME_SIZE];

			vsxd_vm_tenant(&c->vms[v], tenant, sizeof(tenant));
			found = rt->scope == VSX_OFL_SCOPE_VM ? !strcmp(c->vms[v].name, rt->name)
							      : !strcmp(tenant, rt->name);
		}
		if (!found)
			return perr_at(p, p->list_line[L_OFFLOAD_RATE],
				       "offload-rate-limit: no %s \"%s\" among the vm blocks",
				       rt->scope == VSX_OFL_SCOPE_VM ? "vm" : "tenant", rt->name);
	}
	/* the fast path finds a VM by VNI and MAC: two VMs cannot share both */
	for (size_t i = 0; i < c->n_vms; i++) {
		const struct vsxd_vm *a = &c->vms[i];

		for (size_t j = 0; a->has_mac && a->has_vni && j < i; j++) {
			const struct vsxd_vm *b = &c->vms[j];

			if (b->has_mac && b->has_vni && a->vni == b->vni &&
			    !memcmp(a->mac, b->mac, 6))
				return perr_at(p, a->line,
					       "vm \"%s\": mac and vni equal to vm \"%s\"'s (line %u)",
					       a->name, b->name, b->line);
		}
	}
	return 0;
}

static int parse_lines(struct parser *p, const char *buf, size_t len)
{
	size_t pos = 0;
	int r;

	while (pos < len) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + (nl ? 1 : 0);
		p->line++;
		if (n && s[n - 1] == '\r') /* CRLF */
			n--;
		if (n > VSXD_CONF_LINE_MAX)
			return perr(p, "line too long (max %d characters)", VSXD_CONF_LINE_MAX);
		if (memchr(s, '\0', n))
			return perr(p, "NUL byte in line");
		r = split_line(p, s, n);
		if (r)
			return r;
		if (p->n) {
			r = parse_statement(p);
			if (r)
				return r;
		}
	}
	if (p->vm)
		return perr_at(p, p->vm->line, "unterminated block (missing '}')");
	if (!p->global_line[G_UPLINK])
		return perr_at(p, 0, "'uplink' is required");
	return check_whole(p);
}

int vsxd_conf_parse_mem(const char *buf, size_t len, const char *name, struct vsxd_conf *conf,
			char *err, size_t errlen)
{
	struct parser *p;
	int r;

	if (!name)
		name = "<string>";
	vsxd_conf_init(conf);
	if (err && errlen)
		err[0] = '\0';
	if (len > VSXD_CONF_FILE_MAX) {
		set_err(err, errlen, "%s: file too large (max %u bytes)", name, VSXD_CONF_FILE_MAX);
		return -EFBIG;
	}
	p = calloc(1, sizeof(*p));
	conf->source = strdup(name);
	if (!p || !conf->source) {
		free(p);
		vsxd_conf_free(conf);
		set_err(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	p->conf = conf;
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	r = parse_lines(p, buf, len);
	free(p);
	if (r) {
		vsxd_conf_free(conf);
		return r;
	}
	return 0;
}

int vsxd_conf_parse_string(const char *text, const char *name, struct vsxd_conf *conf, char *err,
			   size_t errlen)
{
	return vsxd_conf_parse_mem(text, strlen(text), name, conf, err, errlen);
}

int vsxd_conf_parse_file(const char *path, struct vsxd_conf *conf, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int r;

	vsxd_conf_init(conf);
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return r;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap > VSXD_CONF_FILE_MAX) {
				set_err(err, errlen, "%s: file too large (max %u bytes)", path,
					VSXD_CONF_FILE_MAX);
				r = -EFBIG;
				goto out;
			}
			cap = cap ? 2 * cap : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				set_err(err, errlen, "%s: out of memory", path);
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				r = errno ? -errno : -EIO;
				set_err(err, errlen, "%s: read error: %s", path, strerror(-r));
				goto out;
			}
			break;
		}
	}
	r = vsxd_conf_parse_mem(buf ? buf : "", len, path, conf, err, errlen);
out:
	free(buf);
	fclose(f);
	return r;
}

/* ---- dump ---- */

/* A value as one word: bare when it can be, quoted otherwise. */
static void put_value(FILE *f, const char *s)
{
	if (s[0] && !strpbrk(s, " \t#\"{}")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_kv(FILE *f, const char *indent, const char *kw, const char *v)
{
	fprintf(f, "%s%s ", indent, kw);
	put_value(f, v);
	fputc('\n', f);
}

int vsxd_conf_dump(const struct vsxd_conf *c, FILE *f)
{
	int r = 0;

	if (c->uplink[0])
		put_kv(f, "", "uplink", c->uplink);
	else
		fputs("# uplink not set\n", f);
	fprintf(f, "vxlan-port %u\n", c->vxlan_port);
	fprintf(f, "mode %s\n", vsxd_mode_name(c->mode));
	fprintf(f, "fcf %s\n", c->fcf ? "on" : "off");
	fprintf(f, "egress-fcf %s\n", c->egress_fcf ? "on" : "off");
	fprintf(f, "own-rps %s\n", c->own_rps ? "on" : "off");
	fprintf(f, "cpumap-kthread %s\n", c->cpumap_kthread_batch ? "batch" : "normal");
	fprintf(f, "threshold %u\n", c->threshold);
	fprintf(f, "sample-interval %ums\n", c->sample_interval_ms);
	fprintf(f, "decision-load %u\n", c->decision_load);
	fprintf(f, "rebalance %s\n", c->rebalance ? "on" : "off");
	fprintf(f, "rebalance-hold %u\n", c->rebalance_hold);
	fprintf(f, "rebalance-margin %u\n", c->rebalance_margin);
	fprintf(f, "rebalance-balance %u\n", c->rebalance_balance);
	fprintf(f, "rebalance-gap-ms %u\n", c->rebalance_gap_ms);
	fprintf(f, "flow-cache-slots %u\n", c->flow_cache_slots);
	put_kv(f, "", "bpffs", c->bpffs);
	put_kv(f, "", "socket", c->socket_path);
	fputs("rss-cpus ", f);
	if (c->rss_cpus_all)
		fputs("all", f);
	else if (put_cpulist(f, &c->rss_cpus))
		r = -EIO;
	fputc('\n', f);
	fprintf(f, "xdp-mode %s\n", vsxd_xdp_mode_name(c->xdp_mode));
	fprintf(f, "log-level %s\n", log_level_name(c->log_level));

	if (c->metrics_listen[0])
		put_kv(f, "", "metrics-listen", c->metrics_listen);
	else
		fputs("# metrics-listen not set\n", f);
	for (size_t i = 0; i < c->n_of_controllers; i++)
		put_kv(f, "", "controller", c->of_controllers[i]);
	for (size_t i = 0; i < c->n_of_listen; i++)
		put_kv(f, "", "openflow-listen", c->of_listen[i]);
	if (c->has_datapath_id)
		fprintf(f, "datapath-id %016llx\n", (unsigned long long)c->datapath_id);
	else
		fputs("# datapath-id not set\n", f);
	if (c->ssl_key[0])
		put_kv(f, "", "ssl-private-key", c->ssl_key);
	if (c->ssl_cert[0])
		put_kv(f, "", "ssl-certificate", c->ssl_cert);
	if (c->ssl_ca[0])
		put_kv(f, "", "ssl-ca-cert", c->ssl_ca);
	fprintf(f, "openflow-echo-interval %u\n", c->of_echo_ms);
	if (vsx_ofl_policy_dump(&c->offload, "offload-", f))
		r = -EIO;

	for (size_t i = 0; i < c->n_vms; i++) {
		const struct vsxd_vm *vm = &c->vms[i];

		fprintf(f, "\nvm %s {\n", vm->name);
		fprintf(f, "\tvm-id %u\n", vm->vm_id);
		if (vm->has_tenant && vm->tenant_name[0])
			fprintf(f, "\ttenant %s\n", vm->tenant_name);
		else if (vm->has_tenant)
			fprintf(f, "\ttenant %u\n", vm->tenant_id);
		if (vm->has_vni)
			fprintf(f, "\tvni %u\n", vm->vni);
		if (vm->port[0])
			put_kv(f, "\t", "port", vm->port);
		if (vm->has_mac)
			fprintf(f, "\tmac %02x:%02x:%02x:%02x:%02x:%02x\n", vm->mac[0], vm->mac[1],
				vm->mac[2], vm->mac[3], vm->mac[4], vm->mac[5]);
		switch (vm->pin) {
		case VSXD_PIN_CPUS:
			fputs("\tcpus ", f);
			if (put_cpulist(f, &vm->cpus))
				r = -EIO;
			fputc('\n', f);
			break;
		case VSXD_PIN_PID:
			fprintf(f, "\tpid %u\n", vm->pid);
			break;
		case VSXD_PIN_PID_FILE:
			put_kv(f, "\t", "pid-file", vm->pid_file);
			break;
		case VSXD_PIN_NONE:
			break;
		}
		fprintf(f, "\tpriority %s\n", vm->priority ? "yes" : "no");
		fputs("}\n", f);
	}
	if (c->n_rules)
		fputc('\n', f);
	for (size_t i = 0; i < c->n_rules; i++)
		put_kv(f, "", "rule", c->rules[i].text);
	return ferror(f) ? -EIO : r;
}

static bool vm_equal(const struct vsxd_vm *a, const struct vsxd_vm *b)
{
	if (strcmp(a->name, b->name) || a->vm_id != b->vm_id || a->priority != b->priority ||
	    a->has_tenant != b->has_tenant || a->has_vni != b->has_vni || a->pin != b->pin ||
	    strcmp(a->port, b->port))
		return false;
	if (a->has_tenant &&
	    (a->tenant_id != b->tenant_id || strcmp(a->tenant_name, b->tenant_name)))
		return false;
	if (a->has_vni && a->vni != b->vni)
		return false;
	if (a->has_mac != b->has_mac || (a->has_mac && memcmp(a->mac, b->mac, 6)))
		return false;
	switch (a->pin) {
	case VSXD_PIN_CPUS:
		return vsx_cpuset_equal(&a->cpus, &b->cpus);
	case VSXD_PIN_PID:
		return a->pid == b->pid;
	case VSXD_PIN_PID_FILE:
		return !strcmp(a->pid_file, b->pid_file);
	case VSXD_PIN_NONE:
		break;
	}
	return true;
}

bool vsxd_conf_equal(const struct vsxd_conf *a, const struct vsxd_conf *b)
{
	if (strcmp(a->uplink, b->uplink) || a->vxlan_port != b->vxlan_port ||
	    a->mode != b->mode || a->fcf != b->fcf || a->egress_fcf != b->egress_fcf ||
	    a->own_rps != b->own_rps || a->cpumap_kthread_batch != b->cpumap_kthread_batch ||
	    a->threshold != b->threshold || a->sample_interval_ms != b->sample_interval_ms ||
	    a->decision_load != b->decision_load || a->rebalance != b->rebalance ||
	    a->rebalance_hold != b->rebalance_hold || a->rebalance_margin != b->rebalance_margin ||
	    a->rebalance_balance != b->rebalance_balance ||
	    a->rebalance_gap_ms != b->rebalance_gap_ms ||
	    a->flow_cache_slots != b->flow_cache_slots || strcmp(a->bpffs, b->bpffs) ||
	    strcmp(a->socket_path, b->socket_path) || a->rss_cpus_all != b->rss_cpus_all ||
	    a->xdp_mode != b->xdp_mode || a->log_level != b->log_level ||
	    a->n_vms != b->n_vms || a->n_rules != b->n_rules ||
	    strcmp(a->metrics_listen, b->metrics_listen) ||
	    a->n_of_controllers != b->n_of_controllers || a->n_of_listen != b->n_of_listen ||
	    a->has_datapath_id != b->has_datapath_id ||
	    (a->has_datapath_id && a->datapath_id != b->datapath_id) ||
	    strcmp(a->ssl_key, b->ssl_key) || strcmp(a->ssl_cert, b->ssl_cert) ||
	    strcmp(a->ssl_ca, b->ssl_ca) || a->of_echo_ms != b->of_echo_ms ||
	    !vsx_ofl_policy_equal(&a->offload, &b->offload))
		return false;
	for (size_t i = 0; i < a->n_of_controllers; i++)
		if (strcmp(a->of_controllers[i], b->of_controllers[i]))
			return false;
	for (size_t i = 0; i < a->n_of_listen; i++)
		if (strcmp(a->of_listen[i], b->of_listen[i]))
			return false;
	if (!a->rss_cpus_all && !vsx_cpuset_equal(&a->rss_cpus, &b->rss_cpus))
		return false;
	for (size_t i = 0; i < a->n_vms; i++)
		if (!vm_equal(&a->vms[i], &b->vms[i]))
			return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (strcmp(a->rules[i].text, b->rules[i].text))
			return false;
	return true;
}
