// SPDX-License-Identifier: MIT
/*
 * The rule parser on arbitrary bytes. A failed parse must say why. A rule that parses must
 * be valid, already normalised (vsx_match_normalize, the binary doors' step, changes nothing),
 * match its own key, format to text that parses back into the identical rule, and format the
 * same way again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "rule_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text1[VSX_RULE_TEXT_MAX], text2[VSX_RULE_TEXT_MAX];
	struct vsx_rule a, b;
	char err[256];
	char *s;
	int n1, n2;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err[0] = '\0';
	if (vsx_rule_parse(s, &a, err, sizeof(err))) {
		if (!err[0]) {
			fprintf(stderr, "parse failed without a message: \"%s\"\n", s);
			abort();
		}
		free(s);
		return 0;
	}
	if (vsx_rule_validate(&a, err, sizeof(err))) {
		fprintf(stderr, "\"%s\" parsed into an invalid rule: %s\n", s, err);
		abort();
	}
	struct vsx_flow_key nk = a.key, nm = a.mask;
	if (vsx_match_normalize(&nk, &nm, err, sizeof(err)) || memcmp(&nk, &a.key, sizeof(nk)) ||
	    memcmp(&nm, &a.mask, sizeof(nm))) {
		fprintf(stderr, "\"%s\": normalising the parsed match changes it\n", s);
		abort();
	}
	if (!vsx_rule_matches_key(&a, &a.key)) {
		fprintf(stderr, "\"%s\": the rule does not match its own key\n", s);
		abort();
	}
	n1 = vsx_rule_format(&a, text1, sizeof(text1));
	if (n1 <= 0 || (size_t)n1 != strlen(text1)) {
		fprintf(stderr, "\"%s\": format returned %d\n", s, n1);
		abort();
	}
	if (vsx_rule_parse(text1, &b, err, sizeof(err))) {
		fprintf(stderr, "\"%s\" formats as \"%s\", which does not parse: %s\n", s, text1,
			err);
		abort();
	}
	if (!vsx_rule_equal(&a, &b)) {
		fprintf(stderr, "\"%s\" formats as \"%s\", which parses into another rule\n", s,
			text1);
		abort();
	}
	n2 = vsx_rule_format(&b, text2, sizeof(text2));
	if (n2 != n1 || strcmp(text1, text2)) {
		fprintf(stderr, "format is not stable: \"%s\" then \"%s\"\n", text1, text2);
		abort();
	}
	free(s);
	return 0;
}
