/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * options.h - iommutop's command line (options.c), apart from main() so
 * that the host unit tests and the fuzz target parse without BPF.
 */
#ifndef __IOMMUTOP_OPTIONS_H
#define __IOMMUTOP_OPTIONS_H

#include <stdbool.h>
#include <linux/types.h>
#include "source_opt.h"


struct iommutop_env {
	double interval;	/* -d seconds */
	long count;		/* -n frames, 0: forever */
	bool batch;		/* -b */
	bool json;		/* -j */
	__u32 pid;		/* -p */
	const char *listen;	/* -l [ADDR:]PORT (points into argv) */
	int source;		/* --source: enum it_source_opt */
	bool verbose;
};

/*
 * Parse argv into *env (defaults first).  FLAGS: argp_parse()'s.  With 0
 * (iommutop), --help and --version exit 0 and bad usage exits 2 after one
 * message on stderr; with ARGP_NO_EXIT (tests) nothing exits, and bad
 * usage returns 2.  Else returns 0.
 */
int iommutop_parse_args(int argc, char **argv, struct iommutop_env *env,
			unsigned int flags);

#endif /* __IOMMUTOP_OPTIONS_H */
