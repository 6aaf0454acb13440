// SPDX-License-Identifier: MIT
/*
 * bench/flowmod's sender: N OpenFlow 1.3 FLOW_MOD ADDs sent back to back to one switch and
 * closed by a BARRIER; the time is taken from the first byte sent to the BARRIER reply (by
 * then the switch has applied every FLOW_MOD, OpenFlow 1.3.x 6.2). The stream is the same for
 * every switch: "udp,nw_dst=10.A.B.C,tp_dst=P actions=set_queue:Q,output:LOCAL", all of one
 * shape (one subtable for vsx, one for Open vSwitch's classifier), distinct matches.
 *
 *   flowmod_send TARGET N        TARGET: unix:PATH or tcp:HOST:PORT
 * Prints "n=N errors=E seconds=S flowmods_per_s=R" (an ERROR reply counts, the rate is of
 * all N). Exit 1 on a connection problem or a timeout (60 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ofp.h"
#include "vsx/ofp_wire.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const char *target)
{
	int fd = -1;

	if (!strncmp(target, "unix:", 5)) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", target + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(fd);
			fd = -1;
		}
	} else if (!strncmp(target, "tcp:", 4)) {
		char host[256], *port;
		struct addrinfo *ai, hints = {.ai_socktype = SOCK_STREAM};

		snprintf(host, sizeof(host), "%s", target + 4);
		port = strrchr(host, ':');
		if (!port)
			return -1;
		*port++ = '\0';
		if (getaddrinfo(host, port, &hints, &ai))
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	return fd;
}

static void put_u32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

/* FLOW_MOD i of the stream, appended to b. */
static int flow_mod(struct ofp_buf *b, unsigned int i)
{
	struct ofp_oxm oxm[4];
	struct ofp_action act[2] = {{.type = OFPAT13_SET_QUEUE, .queue_id = i % 2},
				    {.type = OFPAT_OUTPUT, .port = OFPP13_LOCAL}};
	struct ofp_instruction in = {.type = OFPIT_APPLY_ACTIONS, .actions = act, .n_actions = 2};
	struct ofp_msg m = {.version = OFP13_VERSION, .kind = OFPK_FLOW_MOD, .xid = i + 2};
	char err[160];

	memset(oxm, 0, sizeof(oxm));
	for (int k = 0; k < 4; k++)
		oxm[k].oxm_class = OFPXMC_OPENFLOW_BASIC;
	oxm[0].field = OFPXMT_ETH_TYPE, oxm[0].len = 2, oxm[0].value[0] = 0x08;
	oxm[1].field = OFPXMT_IP_PROTO, oxm[1].len = 1, oxm[1].value[0] = 17;
	oxm[2].field = OFPXMT_IPV4_DST, oxm[2].len = 4;
	put_u32(oxm[2].value, 0x0a000000u | (i / 16));
	oxm[3].field = OFPXMT_UDP_DST, oxm[3].len = 2;
	oxm[3].value[0] = (__u8)((1000 + i % 16) >> 8);
	oxm[3].value[1] = (__u8)(1000 + i % 16);
	m.flow_mod.command = 0;
	m.flow_mod.priority = 100;
	m.flow_mod.buffer_id = 0xffffffffu;
	m.flow_mod.out_port = OFPP13_ANY;
	m.flow_mod.out_group = 0xffffffffu;
	m.flow_mod.match.oxm = oxm;
	m.flow_mod.match.n_oxm = 4;
	m.flow_mod.instructions = &in;
	m.flow_mod.n_instructions = 1;
	return ofp_encode(&m, b, err, sizeof(err));
}

/* Reads until the message with xid arrives; counts ERRORs. 0, or -1 (closed, timeout). */
static int wait_xid(int fd, __u8 *buf, size_t cap, size_t *have, __u32 xid, unsigned int *errors,
		    const struct ofp_buf *out, size_t *sent, double deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		size_t off = 0;

		if (out && *sent < out->len)
			p.events |= POLLOUT;
		if (now_s() > deadline)
			return -1;
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return -1;
		if (p.revents & POLLOUT) {
			ssize_t n = send(fd, out->data + *sent, out->len - *sent, MSG_DONTWAIT);

			if (n > 0)
				*sent += (size_t)n;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		{
			ssize_t n = recv(fd, buf + *have, cap - *have, MSG_DONTWAIT);

			if (n == 0)
				return -1;
			if (n < 0)
				continue;
			*have += (size_t)n;
		}
		while (*have - off >= 8) {
			size_t len = (size_t)buf[off + 2] << 8 | buf[off + 3];
			__u32 x = (__u32)buf[off + 4] << 24 | (__u32)buf[off + 5] << 16 |
				  (__u32)buf[off + 6] << 8 | buf[off + 7];

			if (len < 8)
				return -1;
			if (*have - off < len)
				break;
			if (buf[off + 1] == OFPT_ERROR)
				(*errors)++;
			off += len;
			if (x == xid && buf[off - len + 1] != OFPT_ERROR) {
				memmove(buf, buf + off, *have - off);
				*have -= off;
				return 0;
			}
		}
		memmove(buf, buf + off, *have - off);
		*have -= off;
	}
}

int main(int argc, char **argv)
{
	static __u8 buf[1 << 20];
	struct ofp_buf out, pre;
	unsigned int n, errors = 0;
	size_t have = 0, sent = 0, zero = 0;
	double t0, t1;
	int fd;

	if (argc != 3 || (n = (unsigned int)strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: flowmod_send unix:PATH|tcp:HOST:PORT N\n");
		return 2;
	}
	fd = dial(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "flowmod_send: cannot connect to %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	/* HELLO (1.3 only) and a first BARRIER: the session is up before the clock starts. */
	ofp_buf_init(&pre);
	ofp_encode_hello(&pre, 1u << OFP13_VERSION, 1);
	{
		struct ofp_msg bar = {
		    .version = OFP13_VERSION, .kind = OFPK_BARRIER_REQUEST, .xid = 1};

		ofp_encode(&bar, &pre, NULL, 0);
	}
	if (send(fd, pre.data, pre.len, 0) != (ssize_t)pre.len ||
	    wait_xid(fd, buf, sizeof(buf), &have, 1, &errors, NULL, &zero, now_s() + 10)) {
		fprintf(stderr, "flowmod_send: no session with %s\n", argv[1]);
		return 1;
	}
	errors = 0;
	ofp_buf_init(&out);
	for (unsigned int i = 0; i < n; i++)
		if (flow_mod(&out, i))
			return 1;
	{
		struct ofp_msg bar = {
		    .version = OFP13_VERSION, .kind = OFPK_BARRIER_REQUEST, .xid = 0xfffffff0u};

		ofp_encode(&bar, &out, NULL, 0);
	}
	if (out.oom)
		return 1;
	t0 = now_s();
	if (wait_xid(fd, buf, sizeof(buf), &have, 0xfffffff0u, &errors, &out, &sent, t0 + 60)) {
		fprintf(stderr,
			"flowmod_send: no BARRIER reply within 60 s (%zu of %zu bytes sent)\n",
			sent, out.len);
		return 1;
	}
	t1 = now_s();
	printf("n=%u errors=%u seconds=%.6f flowmods_per_s=%.0f\n", n, errors, t1 - t0,
	       (double)n / (t1 - t0));
	ofp_buf_free(&out);
	ofp_buf_free(&pre);
	close(fd);
	return 0;
}
