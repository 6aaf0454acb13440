// SPDX-License-Identifier: MIT
/*
 * lib/host_guard's nftables JSON reader on arbitrary bytes (the text `nft -j list ruleset`
 * prints, which a host's other tools shape). Whatever the input: no crash or leak; text that
 * does not parse leaves the facts unknown with a reason, and the answer is then "refused".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsx_host_facts f;
	char *text = malloc(size + 1), why[256];
	int r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	memset(&f, 0, sizeof(f));
	snprintf(f.uplink, sizeof(f.uplink), "up0");
	r = vsx_host_guard_nft(&f, text);
	if (r && (f.nft_known || !f.nft_error[0]))
		abort();
	if (!r && !f.nft_known)
		abort();
	/* rp_filter off, no legacy tables: the answer depends on the ruleset alone */
	if (!vsx_host_guard_port(&f, "vm1", why, sizeof(why)) && !why[0])
		abort();
	if (r && vsx_host_guard_port(&f, "vm1", why, sizeof(why)))
		abort();
	free(text);
	return 0;
}
