/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tool_helpers.h - user-space checks shared by the iommutrace tools */
#ifndef __TOOL_HELPERS_H
#define __TOOL_HELPERS_H

#include <stdbool.h>

/*
 * Which iommutrace events this kernel has, one bit per enum
 * iommutrace_event_type (a tracepoint x has the BTF typedef btf_trace_x).
 * Negative errno if the kernel has no BTF.
 */
long long it_kernel_events(void);

/*
 * 0 if the kernel has BTF and the iommufd tracepoints, with *events (if not
 * NULL) set as by it_kernel_events(); else print why TOOL cannot run, in
 * one line on stderr, and return 1.
 */
int it_check_kernel(const char *tool, long long *events);

struct bpf_object;

/*
 * Before loading OBJ: do not load its tp_btf programs whose tracepoint the
 * running kernel lacks (no VT-d without CONFIG_INTEL_IOMMU, an older
 * series), saying so in one line each on stderr.  Returns how many were
 * skipped, or -errno without kernel BTF.
 */
int it_skip_missing_tracepoints(const char *tool, struct bpf_object *obj);

/* One line on stderr explaining a failed skeleton load (err: -errno) */
void it_load_error(const char *tool, int err, bool verbose);

#endif /* __TOOL_HELPERS_H */
