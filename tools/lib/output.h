/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output.h - the tools' stdout and what happens when it cannot be written
 * (a full disk, a pipe whose reader has gone): one line naming the error on
 * stderr and exit status IT_EXIT_OUTPUT, never a silent loss.
 */
#ifndef __OUTPUT_H
#define __OUTPUT_H

#include <stdio.h>

#define IT_EXIT_OUTPUT	3	/* the exit status: output cannot be written */

struct it_output {
	FILE *f;
	const char *tool;	/* for the message */
	int err;		/* errno of the first failed write, 0: none */
	int said;		/* the line was printed */
};

/*
 * After printing to o->f: if the stream has failed, keep the errno of that
 * first failure (EIO if none is known) and return it, else 0.  Call it
 * right after the printing, before anything else can change errno.
 */
int it_output_check(struct it_output *o);

/*
 * Write what is buffered.  0, or (the first time) one line on stderr,
 * "TOOL: cannot write output: No space left on device (ENOSPC)", and
 * IT_EXIT_OUTPUT; IT_EXIT_OUTPUT again on later calls, without the line.
 */
int it_output_flush(struct it_output *o);

#endif /* __OUTPUT_H */
