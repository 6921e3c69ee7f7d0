/* SPDX-License-Identifier: GPL-2.0 */
/*
 * source_opt.h - the tools' --source auto|tracepoint|probe option: where
 * the events come from (docs/probe-mode.md).  A header of its own, without
 * libbpf, so that the option parsers' unit tests and fuzzers need nothing
 * more.
 */
#ifndef IT_SOURCE_OPT_H
#define IT_SOURCE_OPT_H

#include <errno.h>
#include <string.h>

enum it_source_opt {
	IT_SOURCE_OPT_AUTO,		/* tracepoints if the kernel has them, else probes */
	IT_SOURCE_OPT_TRACEPOINT,	/* the iommutrace tracepoints or nothing */
	IT_SOURCE_OPT_PROBE,		/* fentry/fexit (bpf/probe.bpf.h) */
};

/* ARG as an enum it_source_opt, or -EINVAL */
static inline int it_parse_source_opt(const char *arg)
{
	if (!strcmp(arg, "auto"))
		return IT_SOURCE_OPT_AUTO;
	if (!strcmp(arg, "tracepoint"))
		return IT_SOURCE_OPT_TRACEPOINT;
	if (!strcmp(arg, "probe"))
		return IT_SOURCE_OPT_PROBE;
	return -EINVAL;
}

#endif /* IT_SOURCE_OPT_H */
