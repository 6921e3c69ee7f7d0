/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ioastrace.h - user-space parts of ioastrace: options, event names,
 * formatting.  The record itself is struct iommutrace_event (bpf/).
 */
#ifndef __IOASTRACE_H
#define __IOASTRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "iommutrace.h"

struct ioastrace_args {
	__u32 pid;			/* -p, 0: all */
	const char *cgroup;		/* -c CGROUP_PATH, NULL: all */
	__u32 ioas;			/* --ioas, 0: all */
	__u32 dev;			/* --dev, 0: all */
	__u64 events;			/* -e, bit per enum iommutrace_event_type */
	bool failed;			/* -x */
	bool timestamp;			/* -T: wall clock time column */
	bool json;			/* -j */
	unsigned int duration;		/* -d SECONDS, 0: until SIGINT */
	unsigned int buffer_mb;		/* -b, ring buffer size in MiB */
	bool verbose;			/* -v */
};

/* Parse argv.  Returns 0, or an exit status (0 for --help) with *done set. */
int ioastrace_parse_args(int argc, char **argv, struct ioastrace_args *args,
			 bool *done);

/* Event names: the tracepoint names ("iommufd_ioas_map").  lookup also
 * accepts them without the "iommufd_" prefix; returns -1 if unknown. */
const char *it_event_name(int type);
const char *it_event_system(int type);
int it_event_lookup(const char *name);

/* "ENOENT" for -2 or 2; NULL if the errno has no name here */
const char *it_errno_name(int err);

struct it_clock {
	bool timestamp;		/* print wall clock HH:MM:SS.uuuuuu */
	__u64 mono_to_real_ns;	/* add to ts_ns for CLOCK_REALTIME */
	__u64 start_ns;		/* first event, for the relative TIME(s) */
};

/* A DMA fault record (IT_VTD_DMA_FAULT) is a struct iommutrace_fault_event:
 * the print functions read its tail. */
void it_print_header(FILE *out, const struct it_clock *clk);
const char *it_hist_state_name(int state);
void it_print_text(FILE *out, const struct iommutrace_event *e,
		   struct it_clock *clk);
void it_print_json(FILE *out, const struct iommutrace_event *e,
		   const struct it_clock *clk);

#endif /* __IOASTRACE_H */
