/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ksyms.h - kernel addresses to function names, from /proc/kallsyms */
#ifndef __IOMMUTOP_KSYMS_H
#define __IOMMUTOP_KSYMS_H

#include <linux/types.h>

struct ksyms;

/* Load /proc/kallsyms (root sees addresses); NULL with errno on failure */
struct ksyms *ksyms_load(void);
/* The same from a file in /proc/kallsyms' format (tests) */
struct ksyms *ksyms_load_file(const char *path);
void ksyms_free(struct ksyms *ks);
/* The function containing addr, NULL if none */
const char *ksyms_name(const struct ksyms *ks, __u64 addr);

/*
 * The text ranges of iommufd/VT-d functions (CALLER_IOMMU) and of locking
 * and tracing code (CALLER_SKIP), by caller_class_of() on each function's
 * name, a function spanning up to the next symbol; adjacent functions of
 * one class merged.  Sorted and disjoint: what the BPF caller filter
 * searches.  Writes at most max ranges, returns how many; *needed (if not
 * NULL) says how many there are in all (> max: the rest is left out).
 */
struct caller_range;
size_t ksyms_caller_ranges(const struct ksyms *ks, struct caller_range *out,
			   size_t max, size_t *needed);

#endif /* __IOMMUTOP_KSYMS_H */
