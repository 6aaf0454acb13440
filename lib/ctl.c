// SPDX-License-Identifier: MIT
#include "ctl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vsx_ctl_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int vsx_ctl_call(const char *socket_path, int argc, char *const argv[], struct strbuf *reply)
{
	struct strbuf req;
	char buf[4096];
	int fd, err = 0;

	strbuf_init(&req);
	for (int i = 0; i < argc; i++)
		strbuf_add(&req, argv[i], strlen(argv[i]) + 1);
	if (req.oom || req.len > VSX_CTL_MAX_REQUEST) {
		strbuf_free(&req);
		return -EMSGSIZE;
	}
	fd = ctl_connect(socket_path);
	if (fd < 0) {
		strbuf_free(&req);
		return fd;
	}
	err = vsx_ctl_write_all(fd, req.buf ? req.buf : "", req.len);
	strbuf_free(&req);
	if (!err && shutdown(fd, SHUT_WR))
		err = -errno;
	while (!err) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
		} else if (n == 0) {
			break;
		} else {
			strbuf_add(reply, buf, (size_t)n);
		}
	}
	close(fd);
	return err;
}

int vsx_ctl_split(char *buf, size_t len, char *argv[], int max_args)
{
	int argc = 0;

	if (len == 0 || buf[len - 1] != '\0')
		return -EPROTO;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		if (argc == max_args)
			return -E2BIG;
		argv[argc++] = buf + i;
	}
	return argc;
}
