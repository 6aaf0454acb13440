/* SPDX-License-Identifier: MIT */
/* Reading a golden file whole, for the codec's golden and oracle tests (cmocka asserts). */
#ifndef VSX_TEST_OFP_SLURP_H
#define VSX_TEST_OFP_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* The file's bytes, NUL-terminated and malloc()ed; NULL when it cannot be opened. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

#endif
