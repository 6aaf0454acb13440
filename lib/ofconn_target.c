// SPDX-License-Identifier: MIT
/* OpenFlow connection targets (lib/ofconn_target.h). */
#include "ofconn_target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"

static int split_host_port(const char *s, char *host, size_t hostlen, char *port, char *err,
			   size_t errlen, const char *target)
{
	const char *colon;
	size_t hl;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return vsx_errf(err, errlen, -EINVAL, "%s: '[' without ']'", target);
		hl = (size_t)(end - s - 1);
		if (hl >= hostlen)
			return vsx_errf(err, errlen, -EINVAL, "%s: host too long", target);
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return vsx_errf(err, errlen, -EINVAL, "%s: junk after ']'", target);
	} else {
		colon = strrchr(s, ':');
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= hostlen)
			return vsx_errf(err, errlen, -EINVAL, "%s: host too long", target);
		memcpy(host, s, hl);
		host[hl] = 0;
		if (colon && strchr(host, ':'))
			return vsx_errf(err, errlen, -EINVAL,
					"%s: an IPv6 address goes in brackets ([::1]:6653)",
					target);
	}
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);

		if (!colon[1] || *end || p > 65535)
			return vsx_errf(err, errlen, -EINVAL, "%s: bad port '%s'", target,
					colon + 1);
		snprintf(port, 8, "%lu", p);
	} else {
		snprintf(port, 8, "%d", VSX_OFCONN_DEFAULT_PORT);
	}
	return 0;
}

int vsx_oftarget_parse(const char *s, bool passive, struct vsx_oftarget *t, char *err,
		       size_t errlen)
{
	static const struct {
		const char *prefix;
		enum vsx_oftarget_kind kind;
		bool passive;
	} kinds[] = {
	    {"tcp:", VSX_OFT_TCP, false},   {"ssl:", VSX_OFT_SSL, false},	 {"unix:", VSX_OFT_UNIX, false},
	    {"ptcp:", VSX_OFT_TCP, true},   {"pssl:", VSX_OFT_SSL, true},	 {"punix:", VSX_OFT_UNIX, true},
	};
	const char *rest = NULL;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (!strncmp(s, kinds[i].prefix, n)) {
			if (kinds[i].passive != passive)
				return vsx_errf(err, errlen, -EINVAL,
						"%s: %s target where %s one is expected", s,
						kinds[i].passive ? "a passive" : "an active",
						passive ? "a passive (ptcp:, pssl:, punix:)"
							: "an active (tcp:, ssl:, unix:)");
			t->kind = kinds[i].kind;
			t->passive = passive;
			rest = s + n;
			break;
		}
	}
	if (!rest)
		return vsx_errf(err, errlen, -EINVAL, "%s: unknown target (expected %s)", s,
				passive ? "ptcp:[PORT][:ADDR], pssl:[PORT][:ADDR] or punix:PATH"
					: "tcp:HOST[:PORT], ssl:HOST[:PORT] or unix:PATH");
	if (t->kind == VSX_OFT_UNIX) {
		if (!*rest)
			return vsx_errf(err, errlen, -EINVAL, "%s: no path", s);
		if (strlen(rest) >= sizeof(t->path))
			return vsx_errf(err, errlen, -EINVAL, "%s: path longer than %zu bytes", s,
					sizeof(t->path) - 1);
		strcpy(t->path, rest);
		return 0;
	}
	if (!passive) {
		if (!*rest || *rest == ':')
			return vsx_errf(err, errlen, -EINVAL, "%s: no host", s);
		return split_host_port(rest, t->host, sizeof(t->host), t->port, err, errlen, s);
	}
	/* ptcp:[PORT][:ADDR] */
	{
		char *end;
		unsigned long p = VSX_OFCONN_DEFAULT_PORT;

		if (*rest && *rest != ':') {
			p = strtoul(rest, &end, 10);
			if (end == rest || (*end && *end != ':') || p > 65535)
				return vsx_errf(err, errlen, -EINVAL, "%s: bad port", s);
			rest = end;
		}
		snprintf(t->port, sizeof(t->port), "%lu", p);
		if (*rest == ':') {
			const char *a = rest + 1;
			size_t n = strlen(a);

			if (n && a[0] == '[') {
				if (a[n - 1] != ']')
					return vsx_errf(err, errlen, -EINVAL, "%s: bad address", s);
				a++;
				n -= 2;
			}
			if (n >= sizeof(t->host))
				return vsx_errf(err, errlen, -EINVAL, "%s: address too long", s);
			memcpy(t->host, a, n);
			t->host[n] = 0;
		}
	}
	return 0;
}

void vsx_oftarget_addr_text(const struct sockaddr *sa, const char *prefix, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%s:%d", prefix, ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "%s:[%s]:%d", prefix, ip, port);
	} else {
		snprintf(buf, len, "%s:?", prefix);
	}
}
