/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ioastrace.h - user-space parts of ioastrace: options, event names,
 * formatting.  A record is a struct it_event (iommutrace.h), sized by its
 * header.
 */
#ifndef __IOASTRACE_H
#define __IOASTRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "iommutrace.h"
#include "source_opt.h"

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
	int source;			/* --source: enum it_source_opt */
};


/* Parse argv.  Returns 0, or an exit status (0 for --help) with *done set. */
int ioastrace_parse_args(int argc, char **argv, struct ioastrace_args *args,
			 bool *done);

/* Event names: the tracepoint names ("iommufd_ioas_map").  lookup also
 * accepts them without the "iommufd_" prefix; returns -1 if unknown. */
const char *it_event_name(int type);
const char *it_event_system(int type);
int it_event_lookup(const char *name);

/* How a field prints and what a filter matches in it (iommutrace.h) */
enum it_kind {
	IT_K_DEC, IT_K_HEX, IT_K_IOAS, IT_K_DEV, IT_K_STR,
	/* enums, printed by name: it_enum_name() */
	IT_K_ACCOUNT, IT_K_CODE, IT_K_CC, IT_K_ATTACH, IT_K_PGTT,
	IT_K_DOMTYPE, IT_K_PASIDST,
	IT_K_NR
};

/* One field of an event's struct, as iommutrace.h defines it */
struct it_field {
	const char *name;	/* the tracepoint's field name: the JSON key */
	const char *type;	/* "u8".."u64", "s32", "str16".."str64" */
	unsigned short offset;	/* in struct it_<event> */
	unsigned short size;	/* bytes */
	unsigned char kind;	/* enum it_kind */
};

/* The fields of an event type, ending with a NULL name; NULL if unknown */
const struct it_field *it_event_fields(int type);
const char *it_kind_name(int kind);
/* The name of value v of an enum kind ("unknown" if out of range) */
const char *it_enum_name(int kind, unsigned long long v);
/* "tracepoint", "probe" (enum it_source) */
const char *it_source_name(int source);
/* --fields: one JSON object per event: name, system, fields */
void it_print_field_list(FILE *out);

struct it_clock {
	bool timestamp;		/* print wall clock HH:MM:SS.uuuuuu */
	__u64 mono_to_real_ns;	/* add to ts_ns for CLOCK_REALTIME */
	__u64 start_ns;		/* first event, for the relative TIME(s) */
};

/* A DMA fault record (IT_VTD_DMA_FAULT) is a struct it_fault_record: the
 * print functions read its tail. */
void it_print_header(FILE *out, const struct it_clock *clk);
const char *it_hist_state_name(int state);
void it_print_text(FILE *out, const struct it_event *e, struct it_clock *clk);
void it_print_json(FILE *out, const struct it_event *e,
		   const struct it_clock *clk);

#endif /* __IOASTRACE_H */
