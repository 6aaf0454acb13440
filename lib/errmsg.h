/* SPDX-License-Identifier: MIT */
/*
 * The error convention of code that parses outside input: return a negative errno and say
 * what is wrong in a caller-provided buffer (which may be NULL).
 */
#ifndef VSX_ERRMSG_H
#define VSX_ERRMSG_H

#include <stddef.h>

/* Formats the message into err (if any) and returns ret. */
int vsx_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
