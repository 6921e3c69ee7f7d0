// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* output.c - see output.h */
#include <errno.h>
#include <string.h>
#include "errno_name.h"
#include "output.h"

int it_output_check(struct it_output *o)
{
	if (!o->err && ferror(o->f))
		o->err = errno ? errno : EIO;
	return o->err;
}

int it_output_flush(struct it_output *o)
{
	const char *name;

	if (!o->err) {
		errno = 0;
		if (!fflush(o->f) && !ferror(o->f))
			return 0;
		o->err = errno ? errno : EIO;
	}
	if (!o->said) {
		name = it_errno_name(o->err);
		fprintf(stderr, "%s: cannot write output: %s (%s)\n", o->tool,
			strerror(o->err), name ? name : "?");
		o->said = 1;
	}
	return IT_EXIT_OUTPUT;
}
