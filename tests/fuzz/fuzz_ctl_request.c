// SPDX-License-Identifier: MIT
/*
 * The control socket's request splitter (lib/ctl.c) on arbitrary bytes: it must never read
 * past the request, and every argument it returns must be a NUL-terminated string inside it
 * whose concatenation (with the NULs) is exactly the request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[VSX_CTL_MAX_ARGS];
	char *buf = malloc(size ? size : 1);
	int argc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	argc = vsx_ctl_split(buf, size, argv, VSX_CTL_MAX_ARGS);
	if (argc >= 0) {
		size_t total = 0;

		for (int i = 0; i < argc; i++) {
			if (argv[i] != buf + total)
				abort();
			total += strlen(argv[i]) + 1;
		}
		if (total != size)
			abort();
	}
	free(buf);
	return 0;
}
