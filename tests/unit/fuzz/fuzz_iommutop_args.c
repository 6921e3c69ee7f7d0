// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: iommutop's command line (tools/iommutop/options.c),
 * and the --listen value it takes (http_parse_listen).  Input: the
 * arguments, separated by NUL bytes.  Checked: nothing exits or crashes; an
 * accepted command line has an interval in [0.1, 3600] s (never NaN), a
 * count >= 0, a PID in 0..INT_MAX; a refused one returns 2.
 */
#include <argp.h>
#include <limits.h>
#include "fuzz.h"
#include "http.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *f[FUZZ_MAX_FIELDS], *argv[FUZZ_MAX_FIELDS + 2];
	struct iommutop_env env;
	int n = fuzz_fields(data, size, &copy, f), i, rc;

	argv[0] = "iommutop";
	for (i = 0; i < n; i++)
		argv[i + 1] = f[i];
	argv[n + 1] = NULL;
	/* ARGP_NO_HELP: argp's own --HANG would sleep and --program-name
	 * would keep a pointer into this input */
	rc = iommutop_parse_args(n + 1, argv, &env, ARGP_NO_EXIT | ARGP_NO_HELP);
	FUZZ_CHECK(rc == 0 || rc == 2, "rc %d", rc);
	if (!rc) {
		FUZZ_CHECK(env.interval >= 0.1 && env.interval <= 3600,
			   "interval %g", env.interval);
		FUZZ_CHECK(env.count >= 0, "count %ld", env.count);
		FUZZ_CHECK(env.pid <= INT_MAX, "pid %u", env.pid);
		if (env.listen) {
			char host[128], port[8], err[256];

			http_parse_listen(env.listen, host, sizeof(host), port,
					  sizeof(port), err, sizeof(err));
		}
	}
	free(copy);
	return 0;
}
