/* SPDX-License-Identifier: MIT */
/*
 * Writes a compiled classifier (classifier.h) into the datapath's maps: the inactive bank of
 * subtables first, then one atomic store of the bank word switches lookups to it, then the old
 * bank's entries go. Used by vsxd and by the BPF tests and benchmarks, so they exercise the
 * real install path. The caller bumps vsx_config.rules_gen when cached flows must re-classify.
 */
#ifndef VSX_CLS_INSTALL_H
#define VSX_CLS_INSTALL_H

#include "classifier.h"

/* bank_word: vsx_config.cls_bank (mmapped) or the egress bank. 0 or -errno. */
int vsx_cls_install(int masks_fd, int rules_fd, __u32 *bank_word, const struct vsx_classifier *c);

#endif
