/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * metrics.h - an iommutop frame as Prometheus metrics: the text exposition
 * format 0.0.4 or OpenMetrics 1.0.0 (metrics.c).  The metric names, types,
 * units and labels are documented in docs/metrics.md.
 */
#ifndef __IOMMUTOP_METRICS_H
#define __IOMMUTOP_METRICS_H

#include <stdio.h>
#include "frame.h"

enum metrics_format { METRICS_PROMETHEUS, METRICS_OPENMETRICS };

/* RLIMIT_MEMLOCK of a process holding an IOAS (from /proc/PID/limits) */
struct memlock_limit {
	__u32 pid;
	double bytes;		/* soft limit; INFINITY when unlimited */
};

/* The format a scrape asked for in its Accept header (NULL: none) */
enum metrics_format metrics_negotiate(const char *accept);
/* The Content-Type of that format */
const char *metrics_content_type(enum metrics_format fmt);
/* The soft RLIMIT_MEMLOCK of PID in bytes, or a negative value if unknown */
double metrics_memlock_limit(__u32 pid);
/* The same from the text of a /proc/PID/limits: the "Max locked memory"
 * line's soft limit, in bytes, INFINITY for "unlimited", -1 if absent or
 * not a number */
double metrics_parse_memlock(FILE *limits);
/* Write frame F in FORMAT; LIMITS: one per process of F's IOAS rows */
void metrics_write(FILE *out, const struct frame *f, enum metrics_format fmt,
		   const struct memlock_limit *limits, int nlimits);

#endif /* __IOMMUTOP_METRICS_H */
