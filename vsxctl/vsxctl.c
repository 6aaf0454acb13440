// SPDX-License-Identifier: MIT
/*
 * vsxctl: the command-line client of vsxd. It checks the command name and argument count
 * (lib/ctl_commands.h, the table vsxd dispatches on), sends the arguments over vsxd's
 * control socket (lib/ctl.h) and prints the reply; vsxd does the work and the rendering, so
 * every door into the rule table validates alike.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_commands.h"
#include <vsx/version.h>
#include "config.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: vsxctl [--socket PATH] [--json] COMMAND [ARGS]\n\n"
		     "Controls a running vsxd through its control socket.\n\nCommands:\n");
	for (int i = 0; i < VSX_CTL_CMD_COUNT; i++) {
		const struct vsx_ctl_command *c = &vsx_ctl_commands[i];

		/* a long usage gets a line of its own, the help under it */
		if (strlen(c->usage) > 26)
			fprintf(out, "  %s\n  %-26s %s\n", c->usage, "", c->help);
		else
			fprintf(out, "  %-26s %s\n", c->usage, c->help);
	}
	fprintf(out,
		"\nOptions:\n"
		"  -s, --socket PATH  vsxd's control socket (default %s)\n"
		"  -j, --json         print JSON instead of text\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n"
		"\nSee vsxctl(8) and docs/rules.md for the rule syntax.\n",
		VSXD_DEFAULT_SOCKET);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	const char *socket_path = VSXD_DEFAULT_SOCKET;
	const struct vsx_ctl_command *cmd;
	char *req[VSX_CTL_MAX_ARGS];
	struct strbuf reply;
	bool json = false;
	int c, n, err, id;

	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vsxctl %s\n", VSX_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	id = vsx_ctl_command_find(argv[optind]);
	if (id < 0) {
		fprintf(stderr, "vsxctl: unknown command \"%s\" (try vsxctl --help)\n",
			argv[optind]);
		return 2;
	}
	cmd = &vsx_ctl_commands[id];
	/* --json may also follow the command, as in "vsxctl cores --json". */
	n = 0;
	req[n++] = argv[optind];
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
			json = true;
			continue;
		}
		if (n == VSX_CTL_MAX_ARGS - 1) {
			fprintf(stderr, "vsxctl: too many arguments\n");
			return 2;
		}
		req[n++] = argv[i];
	}
	if (!vsx_ctl_command_args_ok((enum vsx_ctl_cmd)id, n - 1)) {
		fprintf(stderr, "vsxctl: usage: vsxctl %s\n", cmd->usage);
		return 2;
	}
	if (json)
		req[n++] = "--json";

	strbuf_init(&reply);
	err = vsx_ctl_call(socket_path, n, req, &reply);
	if (err) {
		fprintf(stderr, "vsxctl: cannot talk to vsxd at %s: %s%s\n", socket_path,
			strerror(-err),
			err == -ENOENT || err == -ECONNREFUSED ? " (is vsxd running?)" : "");
		strbuf_free(&reply);
		return 1;
	}
	const char *body = reply.buf;
	const char *nl = body ? strchr(body, '\n') : NULL;
	int rc = 0;

	if (!nl) {
		fprintf(stderr, "vsxctl: empty or malformed reply from vsxd\n");
		rc = 1;
	} else if (strncmp(body, "ok\n", 3) == 0) {
		fputs(body + 3, stdout);
	} else if (strncmp(body, "error: ", 7) == 0 && nl) {
		fprintf(stderr, "vsxctl: %.*s\n", (int)(nl - body - 7), body + 7);
		fputs(nl + 1, stdout);
		rc = 1;
	} else {
		fprintf(stderr, "vsxctl: malformed reply from vsxd\n");
		rc = 1;
	}
	strbuf_free(&reply);
	return rc;
}
