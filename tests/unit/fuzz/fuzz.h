/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* fuzz.h - what the libFuzzer targets of tests/unit/fuzz/ share */
#ifndef __FUZZ_H
#define __FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_FIELDS	32

/*
 * Split DATA at its NUL bytes into at most FUZZ_MAX_FIELDS strings (the
 * last field runs to the end), in a NUL-terminated copy the caller frees.
 * Returns the number of fields.
 */
static inline int fuzz_fields(const uint8_t *data, size_t size, char **copy,
			      char *field[FUZZ_MAX_FIELDS])
{
	char *c = malloc(size + 1);
	size_t i;
	int n = 0;

	if (!c)
		abort();
	memcpy(c, data, size);
	c[size] = '\0';
	*copy = c;
	field[n++] = c;
	for (i = 0; i < size && n < FUZZ_MAX_FIELDS; i++)
		if (!c[i])
			field[n++] = c + i + 1;
	return n;
}

/* A property does not hold: say which, with the input, and crash */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz check failed: %s: ", #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

#endif /* __FUZZ_H */
