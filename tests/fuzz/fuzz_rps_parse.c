// SPDX-License-Identifier: MIT
/*
 * The parser of vsxd's saved RPS settings (SOCKET.rps) on arbitrary bytes. What parses must
 * format to text that parses again into equal settings; a failure always says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsx_rps_state a, b;
	static char text[VSX_RPS_MAX_QUEUES * (VSX_RPS_MASK_MAX + 48)];
	char *in = malloc(size + 1), msg[160] = "";

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0'; /* the saved file is read as a C string */
	if (vsx_rps_parse(in, &a, msg, sizeof(msg))) {
		if (!msg[0])
			abort();
		free(in);
		return 0;
	}
	if (vsx_rps_format(&a, text, sizeof(text)) || vsx_rps_parse(text, &b, msg, sizeof(msg)) ||
	    !vsx_rps_equal(&a, &b)) {
		fprintf(stderr, "round trip failed (%s):\n%s--\n", msg, text);
		abort();
	}
	free(in);
	return 0;
}
