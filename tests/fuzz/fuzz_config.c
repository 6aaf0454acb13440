// SPDX-License-Identifier: MIT
/*
 * vsxd.conf parser on arbitrary bytes. Whatever parses must dump to text that parses again
 * into an equal configuration, and dumping that again must give the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const struct vsxd_conf *conf, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f || vsxd_conf_dump(conf, f) || fclose(f))
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsxd_conf a, b;
	char err[256];
	char *d1, *d2;
	size_t l1, l2;

	if (vsxd_conf_parse_mem((const char *)data, size, "fuzz.conf", &a, err, sizeof(err))) {
		/* a failed parse leaves nothing allocated and always says why */
		if (a.vms || a.rules || a.source || !err[0])
			abort();
		return 0;
	}
	d1 = dump(&a, &l1);
	if (vsxd_conf_parse_string(d1, "dump", &b, err, sizeof(err))) {
		fprintf(stderr, "dump does not parse: %s\n--\n%s--\n", err, d1);
		abort();
	}
	if (!vsxd_conf_equal(&a, &b)) {
		fprintf(stderr, "dump parses into a different configuration:\n%s--\n", d1);
		abort();
	}
	d2 = dump(&b, &l2);
	if (l1 != l2 || memcmp(d1, d2, l1)) {
		fprintf(stderr, "dump is not stable:\n%s--\n%s--\n", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
	vsxd_conf_free(&a);
	vsxd_conf_free(&b);
	return 0;
}
