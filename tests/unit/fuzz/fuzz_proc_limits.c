// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: iommutop's reading of /proc/PID/limits
 * (metrics_parse_memlock, tools/iommutop/metrics.c), the one /proc text it
 * parses besides kallsyms.  Input: the file's text.  Checked: the result
 * is -1 (absent or not a number), INFINITY ("unlimited") or a whole number
 * of bytes >= 0, never NaN or negative; and that number is the one the
 * first "Max locked memory" line of the input spells.
 */
#include <math.h>
#include "fuzz.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *line, *soft, *p;
	double v, want = -1;
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	v = metrics_parse_memlock(f);
	fclose(f);
	FUZZ_CHECK(v == -1 || v == INFINITY || (v >= 0 && v == floor(v)),
		   "%g", v);

	/* the truth, by other means: lines, then fields */
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = copy; line; line = p ? p + 1 : NULL) {
		p = memchr(line, '\n', copy + size - line);
		if (p)
			*p = '\0';
		if (strncmp(line, "Max locked memory", 17))
			continue;
		soft = line + 17;
		soft += strspn(soft, " \t\v\f\r");
		soft[strcspn(soft, " \t\v\f\r")] = '\0';
		if (!*soft)	/* sscanf finds no word: the next line */
			continue;
		if (!strcmp(soft, "unlimited")) {
			want = INFINITY;
		} else if (strspn(soft, "0123456789") == strlen(soft)) {
			/* at most 2^64 - 1: 20 digits, then compared */
			size_t z = strspn(soft, "0");
			const char *d = soft + z;

			if (strlen(d) < 20 ||
			    (strlen(d) == 20 && strcmp(d, "18446744073709551615") <= 0))
				want = (double)strtoull(soft, NULL, 10);
		}
		break;
	}
	free(copy);
	FUZZ_CHECK(v == want || (isinf(v) && isinf(want)), "got %g, want %g", v, want);
	return 0;
}
