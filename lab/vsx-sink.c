// SPDX-License-Identifier: MIT
/*
 * vsx-sink: the counting receiver of lab/vsx-inject, run inside a lab VM. Binds a UDP port,
 * reads datagrams as cheaply as the kernel allows (recvmmsg, 64 at a time, payloads cut to
 * 64 bytes: the count is what matters, not the data), and when it stops prints one JSON line:
 *
 *   {"port":5201,"datagrams":N,"bytes":B,"first_ns":T0,"last_ns":T1,"rcvbuf":R}
 *
 * bytes are UDP payload bytes (the datagrams' full lengths, also those cut short); times are
 * CLOCK_MONOTONIC nanoseconds of the first and last datagram (0 if none). It stops after
 * --time seconds, after --idle milliseconds without a datagram once one has arrived, or on
 * SIGINT/SIGTERM. Cheap on purpose: it plays a VM's application, whose own cost should be
 * small next to the receive path being measured.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define CUT 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vsx-sink [-p PORT] [-t SECONDS] [-i IDLE_MS] [-b RCVBUF_BYTES]\n\n"
		"Counts UDP datagrams to PORT (default 5201) and prints one JSON line when it\n"
		"stops: after SECONDS (default 10), after IDLE_MS without data once data came\n"
		"(default 1000; 0 = never), or on SIGINT/SIGTERM. RCVBUF_BYTES sets the socket's\n"
		"receive buffer (SO_RCVBUFFORCE: root, above net.core.rmem_max); 0 keeps the\n"
		"default. Used by lab/vsx-inject.\n");
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*s < '0' || *s > '9' || *end || errno || *out > max) ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long port = 5201, seconds = 10, idle_ms = 1000, rcvbuf = 0;
	static char bufs[BATCH][CUT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long datagrams = 0, bytes = 0, first = 0, last = 0, deadline;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int c, fd, one = 1, got_buf = 0;
	socklen_t len = sizeof(got_buf);

	while ((c = getopt(argc, argv, "p:t:i:b:h")) != -1) {
		unsigned long v;

		switch (c) {
		case 'p':
			if (parse_num(optarg, 65535, &v) || v == 0)
				goto bad;
			port = v;
			break;
		case 't':
			if (parse_num(optarg, 86400, &v) || v == 0)
				goto bad;
			seconds = v;
			break;
		case 'i':
			if (parse_num(optarg, 3600000, &v))
				goto bad;
			idle_ms = v;
			break;
		case 'b':
			if (parse_num(optarg, 1ul << 30, &v))
				goto bad;
			rcvbuf = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		goto bad;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("vsx-sink: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf) {
		int v = (int)rcvbuf;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))) {
			perror("vsx-sink: SO_RCVBUF");
			return 1;
		}
	}
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got_buf, &len);
	addr.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "vsx-sink: bind to port %lu: %s\n", port, strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = CUT};
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	deadline = now_ns() + seconds * 1000000000ull;
	while (!stop) {
		unsigned long long t = now_ns();
		long wait_ms = (long)((deadline - t) / 1000000ull);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n;

		if (t >= deadline)
			break;
		if (datagrams && idle_ms) {
			long left = (long)idle_ms - (long)((t - last) / 1000000ull);

			if (left <= 0)
				break;
			if (left < wait_ms)
				wait_ms = left;
		}
		if (poll(&p, 1, (int)(wait_ms > 1000 ? 1000 : wait_ms + 1)) <= 0)
			continue;
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			continue;
		last = now_ns();
		if (!datagrams)
			first = last;
		datagrams += (unsigned long long)n;
		for (int i = 0; i < n; i++)
			bytes += msgs[i].msg_len;
	}
	printf("{\"port\":%lu,\"datagrams\":%llu,\"bytes\":%llu,\"first_ns\":%llu,\"last_ns\":%llu,"
	       "\"rcvbuf\":%d}\n",
	       port, datagrams, bytes, first, last, got_buf);
	return 0;
bad:
	fprintf(stderr, "vsx-sink: bad argument\n");
	usage(stderr);
	return 2;
}
