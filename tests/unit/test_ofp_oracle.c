// SPDX-License-Identifier: MIT
/*
 * Oracle test: the codec's encodings of the standard messages (tests/unit/ofp/samples.h),
 * decoded by Open vSwitch's `ovs-ofctl ofp-print HEX`, must print the field values the
 * samples were built with. Skips when ovs-ofctl is not installed (Debian: openvswitch-common).
 * Each sample also decodes back with the codec into a message that re-encodes identically.
 * And every golden message input (tests/unit/ofp/NAME.hex with a NAME.txt) must decode in
 * ovs-ofctl without an error or warning, unless its comment says "# ovs-ofctl refuses: why"
 * (then ovs-ofctl must indeed complain): the golden inputs are real OpenFlow, not the codec's
 * private dialect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ofp/samples.h"
#include "ofp/slurp.h"

static bool have_ofctl;

/* Runs ovs-ofctl ofp-print on hex and returns its stdout and stderr together. */
static char *ofp_print_oracle(const char *hex)
{
	int fd[2];
	pid_t pid;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	ssize_t n;
	int status;

	assert_non_null(out);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execlp("ovs-ofctl", "ovs-ofctl", "ofp-print", hex, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], out + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	close(fd[0]);
	out[len] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 127);
	return out;
}

static void oracle(void **state)
{
	const struct ofp_sample *s = *state;
	struct ofp_msg m, d;
	struct ofp_status st;
	struct ofp_buf b, b2;
	char err[256] = "", *hex, *text;

	if (!have_ofctl)
		skip();
	memset(&m, 0, sizeof(m));
	s->build(&m);
	ofp_buf_init(&b);
	if (ofp_encode(&m, &b, err, sizeof(err)))
		fail_msg("%s: encode failed: %s", s->name, err);

	/* The codec reads its own encoding back to the same bytes. */
	if (ofp_decode(b.data, b.len, &d, &st))
		fail_msg("%s: decode failed: %s: %s", s->name, ofp_err_name(st.err), st.text);
	ofp_buf_init(&b2);
	assert_int_equal(ofp_encode(&d, &b2, err, sizeof(err)), 0);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	ofp_buf_free(&b2);
	ofp_msg_free(&d);

	hex = malloc(b.len * 2 + 1);
	assert_non_null(hex);
	for (size_t i = 0; i < b.len; i++)
		sprintf(hex + 2 * i, "%02x", b.data[i]);
	hex[b.len * 2] = '\0';
	text = ofp_print_oracle(hex);
	if (!s->ovs_refuses && strstr(text, "decode error"))
		fail_msg("%s: ovs-ofctl cannot decode %s:\n%s", s->name, hex, text);
	for (int i = 0; i < 12 && s->expect[i]; i++)
		if (!strstr(text, s->expect[i]))
			fail_msg("%s: ovs-ofctl's decoding of %s lacks \"%s\":\n%s", s->name, hex,
				 s->expect[i], text);
	free(text);
	free(hex);
	ofp_buf_free(&b);
}

/* The hex digits of a .hex file, comments dropped. */
static char *hex_only(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			if (!*s)
				break;
		} else if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
			   (*s >= 'A' && *s <= 'F')) {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void golden_inputs(void **state)
{
	const char *dir = getenv("VSX_OFP_GOLDEN") ? getenv("VSX_OFP_GOLDEN") : "tests/unit/ofp";
	struct dirent *de;
	int checked = 0, refused = 0;
	DIR *d;

	if (!have_ofctl)
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char path[512], *src, *hex, *text;
		bool refuses, complains;

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.hex", dir, (int)(len - 4), de->d_name);
		src = slurp(path);
		assert_non_null(src);
		hex = hex_only(src);
		refuses = strstr(src, "# ovs-ofctl refuses:") != NULL;
		text = ofp_print_oracle(hex);
		complains = strstr(text, "decode error") || strstr(text, "|WARN|");
		if (refuses != complains)
			fail_msg("%s: ovs-ofctl %s it:\n%s", path,
				 complains ? "refuses" : "accepts", text);
		checked++;
		refused += refuses;
		free(text);
		free(hex);
		free(src);
	}
	closedir(d);
	assert_true(checked > 0);
	print_message("%d golden inputs checked, %d refused by ovs-ofctl as marked\n", checked,
		      refused);
}

int main(void)
{
	size_t n = sizeof(ofp_samples) / sizeof(ofp_samples[0]);
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	int ret;

	have_ofctl = system("command -v ovs-ofctl >/dev/null 2>&1") == 0;
	if (!have_ofctl)
		fprintf(stderr, "ovs-ofctl not installed (apt-get install openvswitch-common)\n");
	for (size_t i = 0; i < n; i++) {
		tests[i].name = ofp_samples[i].name;
		tests[i].test_func = oracle;
		tests[i].initial_state = (void *)&ofp_samples[i];
	}
	tests[n].name = "golden_inputs";
	tests[n].test_func = golden_inputs;
	ret = _cmocka_run_group_tests("ofp_oracle", tests, n + 1, NULL, NULL);
	free(tests);
	return ret;
}
