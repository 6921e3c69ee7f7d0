// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: ioastrace's command line (tools/ioastrace/args.c).
 * Input: the arguments, separated by NUL bytes.  Checked: the parser never
 * exits or crashes; a command line it accepts leaves every value in the
 * range ioastrace(8) gives (PID 1..INT_MAX, ids > 0, a known non-empty
 * event set, -b a power of two in 1..1024 MiB, -d at most a year); a
 * refused one returns exit status 2.
 */
#include <limits.h>
#include "fuzz.h"
#include "ioastrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *f[FUZZ_MAX_FIELDS], *argv[FUZZ_MAX_FIELDS + 2];
	struct ioastrace_args a;
	bool done;
	int n = fuzz_fields(data, size, &copy, f), i, rc;

	argv[0] = "ioastrace";
	for (i = 0; i < n; i++)
		argv[i + 1] = f[i];
	argv[n + 1] = NULL;
	rc = ioastrace_parse_args(n + 1, argv, &a, &done);
	FUZZ_CHECK(rc == 0 || (rc == 2 && done), "rc %d done %d", rc, done);
	if (!done) {
		FUZZ_CHECK(a.pid <= INT_MAX, "pid %u", a.pid);
		FUZZ_CHECK(a.events && !(a.events >> IT_NR_EVENTS),
			   "events %llx", (unsigned long long)a.events);
		FUZZ_CHECK(a.buffer_mb >= 1 && a.buffer_mb <= 1024 &&
			   !(a.buffer_mb & (a.buffer_mb - 1)), "-b %u", a.buffer_mb);
		FUZZ_CHECK(a.duration <= 365 * 24 * 3600, "-d %u", a.duration);
		if (a.cgroup)	/* points into argv */
			FUZZ_CHECK(a.cgroup >= copy && a.cgroup <= copy + size,
				   "cgroup not from argv");
	}
	free(copy);
	return 0;
}
