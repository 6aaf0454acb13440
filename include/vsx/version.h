/* SPDX-License-Identifier: MIT */
#ifndef VSX_VERSION_H
#define VSX_VERSION_H
#define VSX_VERSION "0.1.0"
#endif
