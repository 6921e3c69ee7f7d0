// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * options.c - iommutop's command line (argp), kept apart from main() so the
 * host unit tests and the fuzz target can parse without BPF.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

const char *argp_program_version = "iommutop 0.1";
static const char doc[] =
"Live view of iommufd IOASes and of iommufd / VT-d lock contention.\n"
"\n"
"USAGE: iommutop [-h] [-b] [-j] [-d SECONDS] [-n COUNT] [-p PID]\n"
"                [-l [ADDR:]PORT] [--source auto|tracepoint|probe] [-v]\n"
"\n"
"EXAMPLES:\n"
"    iommutop                 # full screen, refresh every second; q quits\n"
"    iommutop -d 5            # refresh every 5 s\n"
"    iommutop -b -n 3         # 3 plain text frames, for logs\n"
"    iommutop -j -d 0.5       # one JSON object per frame, twice a second\n"
"    iommutop -p 1234         # IOASes of iommufds process 1234 holds\n"
"    iommutop -l 9910         # serve Prometheus metrics on 127.0.0.1:9910\n"
"    iommutop --source probe  # stock kernel's functions, not our tracepoints\n"
"\n"
"Keys (full screen): q quit, s cycle the IOAS sort (id, mapped, rate,\n"
"errors), Tab switch panes (both, IOAS, locks).";

enum { OPT_SOURCE = 0x100 };

static const struct argp_option options[] = {
	{ "delay", 'd', "SECONDS", 0, "Refresh interval (default 1, min 0.1)", 0 },
	{ "count", 'n', "COUNT", 0, "Number of frames, then exit", 0 },
	{ "batch", 'b', NULL, 0, "Batch mode: plain text frames on stdout", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per frame on stdout", 0 },
	{ "pid", 'p', "PID", 0, "Only IOASes of iommufds this process holds or created", 0 },
	{ "listen", 'l', "[ADDR:]PORT", 0,
	  "Serve Prometheus/OpenMetrics metrics at http://ADDR:PORT/metrics "
	  "(ADDR default 127.0.0.1); without -b/-j, only that", 0 },
	{ "source", OPT_SOURCE, "SOURCE", 0,
	  "Where events come from: auto (default: the iommutrace tracepoints "
	  "if the kernel has them, else probes); tracepoint; probe: fentry/fexit "
	  "on stock kernel functions, some values unknown (docs/probe-mode.md)", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf diagnostics", 0 },
	{},
};

/*
 * A bad value: argp_error() prints "iommutop: MESSAGE" and the "Try
 * --help" line; with ARGP_NO_EXIT it returns, and so does the parser,
 * with an error that ends argp_parse().
 */
static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct iommutop_env *env = state->input;
	char *end;
	double d;
	long v;

	switch (key) {
	case 'd':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !(d >= 0.1 && d <= 3600)) {
			argp_error(state, "invalid interval '%s' (0.1 to 3600 s)", arg);
			return EINVAL;
		}
		env->interval = d;
		break;
	case 'n':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1) {
			argp_error(state, "invalid count '%s'", arg);
			return EINVAL;
		}
		env->count = v;
		break;
	case 'p':
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > INT_MAX) {
			argp_error(state, "invalid PID '%s'", arg);
			return EINVAL;
		}
		env->pid = v;
		break;
	case 'l': env->listen = arg; break;
	case OPT_SOURCE:
		env->source = it_parse_source_opt(arg);
		if (env->source < 0) {
			argp_error(state, "--source is auto, tracepoint or probe, not '%s'", arg);
			return EINVAL;
		}
		break;
	case 'b': env->batch = true; break;
	case 'j': env->json = true; break;
	case 'v': env->verbose = true; break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int iommutop_parse_args(int argc, char **argv, struct iommutop_env *env,
			unsigned int flags)
{
	static const struct argp argp = {
		.options = options, .parser = parse_arg, .doc = doc,
	};

	memset(env, 0, sizeof(*env));
	env->interval = 1.0;
	argp_err_exit_status = 2;	/* usage errors: as ioastrace */
	return argp_parse(&argp, argc, argv, flags, NULL, env) ? 2 : 0;
}
