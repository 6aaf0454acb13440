/* SPDX-License-Identifier: MIT */
/*
 * Lets the headers under include/vsx/ compile both in BPF programs (clang -target bpf)
 * and in user space: fixed-width kernel types and a static assertion that works in both.
 */
#ifndef VSX_COMPAT_H
#define VSX_COMPAT_H

#include <linux/types.h>

#define VSX_ASSERT_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " layout changed")

#ifdef __bpf__
#define VSX_INLINE static __always_inline
#else
#define VSX_INLINE static inline
#endif

#endif
