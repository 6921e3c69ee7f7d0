/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ksyms.h - kernel addresses to function names, from /proc/kallsyms */
#ifndef __IOMMUTOP_KSYMS_H
#define __IOMMUTOP_KSYMS_H

#include <linux/types.h>

struct ksyms;

/* Load /proc/kallsyms (root sees addresses); NULL with errno on failure */
struct ksyms *ksyms_load(void);
void ksyms_free(struct ksyms *ks);
/* The function containing addr, NULL if none */
const char *ksyms_name(const struct ksyms *ks, __u64 addr);

#endif /* __IOMMUTOP_KSYMS_H */
