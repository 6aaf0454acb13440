// SPDX-License-Identifier: MIT
/*
 * Host facts that decide whether the fast paths may carry a port's traffic (host_guard.h).
 *
 * nftables is read as `nft -j list ruleset` JSON, not through the iptables front ends or the
 * netlink rule encoding: the JSON names every chain's family, hook and policy and every rule's
 * expressions in one stable schema (libnftables-json(5)), iptables-nft rules appear in it as
 * "xt" expressions (which count as may-refuse), and parsing it needs only the small JSON
 * reader below. Whether there are any tables at all is asked over nfnetlink first, so a host
 * without the nft tool and without tables is not refused for lack of the tool.
 */
#include "host_guard.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

/* ---- a minimal JSON reader: a tree of values, depth- and size-bounded ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	char *s;	 /* J_STR */
	struct jv *kid;	 /* J_ARR/J_OBJ: first member */
	struct jv *next; /* next member of the parent */
	char *key;	 /* member name inside a J_OBJ */
};

struct jp {
	const char *p;
	int depth;
	int err;
};

#define J_MAX_DEPTH 64

static void jfree(struct jv *v)
{
	while (v) {
		struct jv *n = v->next;

		jfree(v->kid);
		free(v->s);
		free(v->key);
		free(v);
		v = n;
	}
}

static void ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

/* A string; escapes are kept only as far as names need (\uXXXX becomes '?'). */
static char *jstr(struct jp *j)
{
	size_t cap = 16, n = 0;
	char *s;

	if (*j->p != '"')
		return NULL;
	j->p++;
	s = malloc(cap);
	if (!s)
		return NULL;
	while (*j->p && *j->p != '"') {
		char c = *j->p++;

		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			if (!*j->p)
				goto bad; /* never step past the terminator */
			c = *j->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case '"':
			case '\\':
			case '/':
				break;
			case 'u':
				for (int i = 0; i < 4; i++, j->p++)
					if (!*j->p || !strchr("0123456789abcdefABCDEF", *j->p))
						goto bad;
				c = '?';
				break;
			default:
				goto bad;
			}
		}
		if (n + 1 >= cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		s[n++] = c;
	}
	if (*j->p != '"')
		goto bad;
	j->p++;
	s[n] = 0;
	return s;
bad:
	free(s);
	return NULL;
}

static struct jv *jval(struct jp *j);

static struct jv *jlist(struct jp *j, struct jv *v, char close, int obj)
{
	struct jv **tail = &v->kid;

	j->p++;
	ws(j);
	if (*j->p == close) {
		j->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *m;

		ws(j);
		if (obj) {
			key = jstr(j);
			ws(j);
			if (!key || *j->p != ':') {
				free(key);
				goto bad;
			}
			j->p++;
		}
		m = jval(j);
		if (!m) {
			free(key);
			goto bad;
		}
		m->key = key;
		*tail = m;
		tail = &m->next;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == close) {
			j->p++;
			return v;
		}
		goto bad;
	}
bad:
	jfree(v);
	return NULL;
}

static struct jv *jval(struct jp *j)
{
	struct jv *v;

	ws(j);
	if (++j->depth > J_MAX_DEPTH)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	switch (*j->p) {
	case '{':
		v->t = J_OBJ;
		v = jlist(j, v, '}', 1);
		break;
	case '[':
		v->t = J_ARR;
		v = jlist(j, v, ']', 0);
		break;
	case '"':
		v->t = J_STR;
		v->s = jstr(j);
		if (!v->s) {
			free(v);
			v = NULL;
		}
		break;
	default:
		if (!strncmp(j->p, "null", 4) || !strncmp(j->p, "true", 4)) {
			v->t = j->p[0] == 'n' ? J_NULL : J_BOOL;
			j->p += 4;
		} else if (!strncmp(j->p, "false", 5)) {
			v->t = J_BOOL;
			j->p += 5;
		} else if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
			v->t = J_NUM;
			while (strchr("0123456789+-.eE", *j->p) && *j->p)
				j->p++;
		} else {
			free(v);
			v = NULL;
		}
	}
	j->depth--;
	return v;
}

static const struct jv *jget(const struct jv *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (const struct jv *m = o->kid; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

static const char *jgets(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->s : NULL;
}

/* ---- nftables ---- */

static int place_of(const char *family, const char *hook)
{
	bool ipfam = !strcmp(family, "ip") || !strcmp(family, "ip6") || !strcmp(family, "inet");

	if (!strcmp(family, "bridge")) {
		/* input/output: frames to and from the host itself, not a VM's */
		if (!strcmp(hook, "prerouting") || !strcmp(hook, "forward") ||
		    !strcmp(hook, "postrouting"))
			return VSX_HG_BRIDGE;
		return -1;
	}
	if (!strcmp(family, "netdev") || (ipfam && !strcmp(hook, "ingress")))
		return VSX_HG_NETDEV;
	if (!ipfam)
		return -1; /* arp: ARP is never offloaded */
	if (!strcmp(hook, "forward"))
		return !strcmp(family, "ip6") ? VSX_HG_FWD6 : VSX_HG_FWD4; /* inet: both, below */
	return VSX_HG_OUTER; /* prerouting, input, output, postrouting */
}

/* An expression that cannot drop, redirect or change a frame. */
static bool harmless(const char *e)
{
	static const char *const ok[] = {"match", "counter", "accept", "log", "continue"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(e, ok[i]))
			return true;
	return false;
}

struct chain_ref {
	char family[16], table[64], name[64];
	int place;
};

static void count(struct vsx_host_facts *f, const struct chain_ref *c, int place)
{
	if (!f->refusing[place]++)
		snprintf(f->where[place], sizeof(f->where[place]), "%s %s %s", c->family, c->table,
			 c->name);
}

static void count_chain(struct vsx_host_facts *f, const struct chain_ref *c)
{
	count(f, c, c->place);
	if (c->place == VSX_HG_FWD4 && !strcmp(c->family, "inet"))
		count(f, c, VSX_HG_FWD6);
}

int vsx_host_guard_nft(struct vsx_host_facts *f, const char *text)
{
	struct jp j = {.p = text};
	struct jv *root = NULL;
	const struct jv *list;
	struct chain_ref *chains = NULL;
	size_t n_chains = 0;
	int err = -EINVAL;

	memset(f->refusing, 0, sizeof(f->refusing));
	memset(f->where, 0, sizeof(f->where));
	f->nft_known = false;
	snprintf(f->nft_error, sizeof(f->nft_error), "the nftables ruleset could not be listed");
	if (!text)
		return -EINVAL;
	root = jval(&j);
	if (root)
		ws(&j); /* after a failure j.p may be anywhere: not read */
	list = jget(root, "nftables");
	if (!root || *j.p || !list || list->t != J_ARR) {
		snprintf(f->nft_error, sizeof(f->nft_error),
			 "the nftables ruleset is not the JSON nft -j prints");
		goto out;
	}
	/* base chains first (nft lists chains before their rules, but do not rely on it) */
	for (const struct jv *it = list->kid; it; it = it->next) {
		const struct jv *c = jget(it, "chain");
		const char *fam = jgets(c, "family"), *tab = jgets(c, "table"),
			   *name = jgets(c, "name");
		const char *hook = jgets(c, "hook"), *pol = jgets(c, "policy");
		struct chain_ref *t;
		int place;

		if (!c)
			continue;
		if (!fam || !tab || !name) {
			snprintf(f->nft_error, sizeof(f->nft_error),
				 "a chain without family/table/name");
			goto out;
		}
		if (!hook)
			continue; /* a regular chain: reached only by a jump, which counts itself */
		place = place_of(fam, hook);
		if (place < 0)
			continue;
		t = realloc(chains, (n_chains + 1) * sizeof(*chains));
		if (!t) {
			err = -ENOMEM;
			goto out;
		}
		chains = t;
		t = &chains[n_chains++];
		snprintf(t->family, sizeof(t->family), "%s", fam);
		snprintf(t->table, sizeof(t->table), "%s", tab);
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->place = place;
		if (pol && strcmp(pol, "accept"))
			count_chain(f, t); /* policy drop: every frame no rule accepts */
	}
	for (const struct jv *it = list->kid; it; it = it->next) {
		const struct jv *r = jget(it, "rule"), *expr;
		const char *fam = jgets(r, "family"), *tab = jgets(r, "table"),
			   *ch = jgets(r, "chain");
		bool bad = false;

		if (!r)
			continue;
		if (!fam || !tab || !ch) {
			snprintf(f->nft_error, sizeof(f->nft_error),
				 "a rule without family/table/chain");
			goto out;
		}
		expr = jget(r, "expr");
		if (!expr || expr->t != J_ARR)
			bad = true; /* nothing to tell it is harmless */
		for (const struct jv *e = expr ? expr->kid : NULL; e && !bad; e = e->next)
			if (e->t != J_OBJ || !e->kid || !harmless(e->kid->key))
				bad = true;
		if (!bad)
			continue;
		for (size_t i = 0; i < n_chains; i++)
			if (!strcmp(chains[i].family, fam) && !strcmp(chains[i].table, tab) &&
			    !strcmp(chains[i].name, ch))
				count_chain(f, &chains[i]);
	}
	f->nft_known = true;
	f->nft_error[0] = 0;
	err = 0;
out:
	free(chains);
	jfree(root);
	return err;
}

/* ---- sysctls and legacy tables ---- */

static int read_int(const char *root, const char *rel)
{
	char path[512], buf[32];
	FILE *fp;
	int v = -1;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	if (!fgets(buf, sizeof(buf), fp) || sscanf(buf, "%d", &v) != 1 || v < 0)
		v = -1;
	fclose(fp);
	return v;
}

/* Appends the table names listed in root/rel ("filter nat") to out. */
static void read_names(const char *root, const char *rel, const char *label, char *out, size_t len)
{
	char path[512], line[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "r");
	if (!fp)
		return; /* not built: no such tables */
	while (fgets(line, sizeof(line), fp)) {
		size_t used = strlen(out);

		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			snprintf(out + used, len - used, "%s%s %s", used ? ", " : "", label, line);
	}
	fclose(fp);
}

void vsx_host_guard_read(struct vsx_host_facts *f, const char *root, const char *uplink)
{
	char rel[128];

	memset(f, 0, sizeof(*f));
	snprintf(f->nft_error, sizeof(f->nft_error), "the nftables ruleset was not read");
	snprintf(f->uplink, sizeof(f->uplink), "%s", uplink ? uplink : "");
	f->brnf_ip = read_int(root, "proc/sys/net/bridge/bridge-nf-call-iptables");
	f->brnf_ip6 = read_int(root, "proc/sys/net/bridge/bridge-nf-call-ip6tables");
	f->rp_all = read_int(root, "proc/sys/net/ipv4/conf/all/rp_filter");
	f->rp_default = read_int(root, "proc/sys/net/ipv4/conf/default/rp_filter");
	f->rp_uplink = -1;
	if (uplink && uplink[0] && !strchr(uplink, '/') && strcmp(uplink, ".") &&
	    strcmp(uplink, "..")) {
		snprintf(rel, sizeof(rel), "proc/sys/net/ipv4/conf/%s/rp_filter", uplink);
		f->rp_uplink = read_int(root, rel);
	}
	read_names(root, "proc/net/ip_tables_names", "iptables", f->legacy, sizeof(f->legacy));
	read_names(root, "proc/net/ip6_tables_names", "ip6tables", f->legacy, sizeof(f->legacy));
}

/* ---- the answer ---- */

static bool refuse(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

bool vsx_host_guard_port(const struct vsx_host_facts *f, const char *port, char *why, size_t len)
{
	int rp;

	(void)port; /* no fact is known per VM port yet: netdev chains are not told by device */
	if (f->rp_all < 0 || f->rp_uplink < 0)
		return refuse(why, len, "rp_filter of all/%s cannot be read", f->uplink);
	rp = f->rp_all > f->rp_uplink ? f->rp_all : f->rp_uplink;
	if (rp == 1)
		return refuse(
		    why, len,
		    "rp_filter strict on the uplink %s (all=%d, %s=%d): the fast path does "
		    "not check the outer source's route",
		    f->uplink, f->rp_all, f->uplink, f->rp_uplink);
	if (rp)
		return refuse(
		    why, len,
		    "rp_filter loose on the uplink %s (all=%d, %s=%d): the fast path does "
		    "not check the outer source's route",
		    f->uplink, f->rp_all, f->uplink, f->rp_uplink);
	if (f->legacy[0])
		return refuse(why, len,
			      "legacy x_tables tables in use (%s): their rules are not read",
			      f->legacy);
	if (!f->nft_known)
		return refuse(why, len, "%s", f->nft_error);
	if (f->refusing[VSX_HG_BRIDGE])
		return refuse(
		    why, len,
		    "bridge netfilter hooks with %u rules that may drop (first in %s) would "
		    "see these frames",
		    f->refusing[VSX_HG_BRIDGE], f->where[VSX_HG_BRIDGE]);
	if (f->brnf_ip > 0 && f->refusing[VSX_HG_FWD4])
		return refuse(
		    why, len,
		    "br_netfilter passes bridged IPv4 to forward hooks with %u rules that "
		    "may drop (first in %s)",
		    f->refusing[VSX_HG_FWD4], f->where[VSX_HG_FWD4]);
	if (f->brnf_ip6 > 0 && f->refusing[VSX_HG_FWD6])
		return refuse(
		    why, len,
		    "br_netfilter passes bridged IPv6 to forward hooks with %u rules that "
		    "may drop (first in %s)",
		    f->refusing[VSX_HG_FWD6], f->where[VSX_HG_FWD6]);
	if (f->refusing[VSX_HG_NETDEV])
		return refuse(
		    why, len,
		    "netdev ingress/egress hooks with %u rules that may drop (first in %s) "
		    "on a device these frames pass",
		    f->refusing[VSX_HG_NETDEV], f->where[VSX_HG_NETDEV]);
	if (f->refusing[VSX_HG_OUTER])
		return refuse(
		    why, len,
		    "ip hooks of the outer packet with %u rules that may drop (first in %s)",
		    f->refusing[VSX_HG_OUTER], f->where[VSX_HG_OUTER]);
	return true;
}

/* ---- the live host ---- */

/* Number of nftables tables in this network namespace (any family), or -errno. */
static int nft_tables(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		   .nlmsg_seq = 1},
	    .nf = {.nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0},
	};
	char buf[16384];
	int fd, n = 0, err = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		int left = (int)r;
		struct nlmsghdr *h;

		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == 0) {
			err = -EIO; /* closed before NLMSG_DONE */
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error ? e->error : -EIO;
				goto out;
			}
			if (h->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE))
				n++;
		}
	}
out:
	close(fd);
	return err ? err : n;
}

/* The output of `nft -j list ruleset` (malloc'd), or NULL. */
static char *nft_list(void)
{
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	FILE *fp;
	int st;

	if (!out)
		return NULL;
	fp = popen("nft -j list ruleset 2>/dev/null", "re");
	if (!fp) {
		free(out);
		return NULL;
	}
	for (;;) {
		size_t r;

		if (n + 1 >= cap) {
			char *t = cap < (64u << 20) ? realloc(out, cap *= 2) : NULL;

			if (!t) {
				pclose(fp);
				free(out);
				return NULL;
			}
			out = t;
		}
		r = fread(out + n, 1, cap - n - 1, fp);
		if (!r)
			break;
		n += r;
	}
	out[n] = 0;
	st = pclose(fp);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		free(out);
		return NULL;
	}
	return out;
}

int vsx_host_guard_check(const char *uplink, const char *port, char *why, size_t len)
{
	struct vsx_host_facts f;
	int tables = nft_tables();

	vsx_host_guard_read(&f, "/", uplink);
	if (tables == 0) {
		vsx_host_guard_nft(&f, "{\"nftables\": []}");
	} else {
		char *text = tables > 0 ? nft_list() : NULL;

		vsx_host_guard_nft(&f, text);
		if (!text && tables > 0)
			snprintf(f.nft_error, sizeof(f.nft_error),
				 "%d nftables tables and `nft -j list ruleset` failed", tables);
		else if (!text)
			snprintf(f.nft_error, sizeof(f.nft_error),
				 "nftables tables cannot be counted (%s)", strerror(-tables));
		free(text);
	}
	return vsx_host_guard_port(&f, port, why, len) ? 0 : -EPERM;
}
