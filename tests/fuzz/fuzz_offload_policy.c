// SPDX-License-Identifier: MIT
/*
 * The offload policy parser on arbitrary bytes, a statement list per line (';' inside a line
 * as vsxctl sends it), alternately applied and deleted. Whatever the input: a failure says
 * why and changes nothing; the policy after every step validates; and at the end its dump
 * parses back, line by line, into an equal policy that dumps to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offload_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const struct vsx_ofl_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || vsx_ofl_policy_dump(p, "", f) || fclose(f))
		abort();
	return buf;
}

static void step(struct vsx_ofl_policy *p, const char *line, unsigned int flags, bool del)
{
	struct vsx_ofl_policy before;
	char err[256] = "";
	int r;

	if (vsx_ofl_policy_copy(&before, p))
		abort();
	r = del ? vsx_ofl_policy_delete_text(p, line, err, sizeof(err))
		: vsx_ofl_policy_apply_text(p, line, flags, NULL, err, sizeof(err));
	if (r) {
		if (!err[0] || !vsx_ofl_policy_equal(p, &before)) {
			fprintf(stderr, "'%s': failed (%d) without a message or with a change\n",
				line, r);
			abort();
		}
	} else if (vsx_ofl_policy_validate(p, err, sizeof(err))) {
		fprintf(stderr, "'%s' left an invalid policy: %s\n", line, err);
		abort();
	}
	vsx_ofl_policy_free(&before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsx_ofl_policy a, b;
	char *text = malloc(size + 1), *save = NULL, *d1, *d2;
	unsigned int n = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	vsx_ofl_policy_init(&a);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
		/* a leading '-' deletes; every third line replaces */
		if (l[0] == '-')
			step(&a, l + 1, 0, true);
		else
			step(&a, l, n % 3 == 2 ? VSX_OFL_REPLACE : 0, false);
	}
	free(text);

	d1 = dump(&a);
	vsx_ofl_policy_init(&b);
	save = NULL;
	for (char *l = strtok_r(d1, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char err[256] = "";

		if (vsx_ofl_policy_apply_text(&b, l, VSX_OFL_NOCHECK, NULL, err, sizeof(err))) {
			fprintf(stderr, "dumped line '%s' does not parse: %s\n", l, err);
			abort();
		}
	}
	free(d1);
	d1 = dump(&a);
	d2 = dump(&b);
	if (!vsx_ofl_policy_equal(&a, &b) || strcmp(d1, d2)) {
		fprintf(stderr, "dump does not parse back equal:\n%s--\n%s--\n", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
	vsx_ofl_policy_free(&a);
	vsx_ofl_policy_free(&b);
	return 0;
}
