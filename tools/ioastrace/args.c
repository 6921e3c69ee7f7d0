// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * args.c - ioastrace's command line (argp), kept apart from main() so the
 * host unit tests can parse without BPF.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ioastrace.h"

const char *argp_program_version = "ioastrace 0.1";
const char *argp_program_bug_address = NULL;

static const char doc[] =
"Trace iommufd and Intel VT-d events: one line per event.\n"
"\n"
"USAGE: ioastrace [-h] [-T] [-j] [-x] [-p PID] [-c CGROUP] [--ioas ID]\n"
"                 [--dev ID] [-e EVENT[,EVENT...]] [-d SECONDS] [-v]\n"
"\n"
"EXAMPLES:\n"
"    ioastrace                      # every event, until Ctrl-C\n"
"    ioastrace -T                   # with wall clock time\n"
"    ioastrace -x                   # failed operations only\n"
"    ioastrace -p 1234              # events of process 1234 (a VMM)\n"
"    ioastrace -c /sys/fs/cgroup/vm1 # events of tasks in this cgroup\n"
"    ioastrace --ioas 3             # events naming IOAS 3\n"
"    ioastrace -e ioas_map,ioas_unmap -d 10  # maps and unmaps for 10 s\n"
"    ioastrace -e dmar_fault -T     # DMA faults, with the last map and\n"
"                                   # unmap of the faulting IOVA\n"
"    ioastrace -j > events.jsonl    # JSON Lines, one object per event\n"
"\n"
"Events (-e, with or without the iommufd_ prefix): see ioastrace(8).\n"
"Records are written as they come, to a terminal, pipe or file.  Lost\n"
"records are reported on stderr as they happen, and counted on exit.\n"
"Exit status: 0, 1 tracing failed, 2 bad usage, 3 cannot write output.";

enum { OPT_IOAS = 0x100, OPT_DEV, OPT_FIELDS, OPT_SOURCE };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (tgid) only", 0 },
	{ "cgroup", 'c', "CGROUP_PATH", 0,
	  "Trace tasks in this cgroup (v2 path) only", 0 },
	{ "ioas", OPT_IOAS, "ID", 0,
	  "Only events naming this IOAS id (pin/unpin of pages name none)", 0 },
	{ "dev", OPT_DEV, "ID", 0, "Only events naming this iommufd device id", 0 },
	{ "events", 'e', "EVENT[,EVENT...]", 0, "Trace only these events", 0 },
	{ "failed", 'x', NULL, 0, "Failed operations only (ret < 0)", 0 },
	{ "timestamp", 'T', NULL, 0, "Print wall clock time", 0 },
	{ "json", 'j', NULL, 0, "JSON Lines output", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "buffer", 'b', "MiB", 0, "Ring buffer size in MiB (default 16)", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose debug output (libbpf)", 0 },
	{ "source", OPT_SOURCE, "SOURCE", 0,
	  "auto (default): the iommutrace tracepoints if the kernel has them, "
	  "else probes; tracepoint; probe: fentry/fexit on stock kernel "
	  "functions (fewer events and fields)", 0 },
	{ "fields", OPT_FIELDS, NULL, 0,
	  "List each event's fields (JSON Lines: name, type, kind) and exit", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{},
};

struct parse_state {
	struct ioastrace_args *args;
	bool *done;
};

/* A decimal number in [min, max]; the whole string must be the number */
static int parse_u32(const char *s, unsigned long min, unsigned long max,
		     __u32 *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_events(const char *list, __u64 *mask)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int type = it_event_lookup(tok);

		if (type < 0) {
			fprintf(stderr, "ioastrace: unknown event '%s'\n", tok);
			ret = -EINVAL;
			break;
		}
		*mask |= 1ULL << type;
	}
	if (!ret && !*mask) {
		fprintf(stderr, "ioastrace: -e needs at least one event\n");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct ioastrace_args *a = ps->args;
	__u32 v;

	switch (key) {
	case 'p':
		if (parse_u32(arg, 1, INT_MAX, &a->pid)) {
			fprintf(stderr, "ioastrace: invalid PID '%s'\n", arg);
			return EINVAL;
		}
		break;
	case 'c':
		a->cgroup = arg;
		break;
	case OPT_IOAS:
		if (parse_u32(arg, 1, UINT32_MAX, &a->ioas)) {
			fprintf(stderr, "ioastrace: invalid IOAS id '%s'\n", arg);
			return EINVAL;
		}
		break;
	case OPT_DEV:
		if (parse_u32(arg, 1, UINT32_MAX, &a->dev)) {
			fprintf(stderr, "ioastrace: invalid device id '%s'\n", arg);
			return EINVAL;
		}
		break;
	case 'e':
		if (parse_events(arg, &a->events))
			return EINVAL;
		break;
	case 'x':
		a->failed = true;
		break;
	case 'T':
		a->timestamp = true;
		break;
	case 'j':
		a->json = true;
		break;
	case 'd':
		if (parse_u32(arg, 1, 365 * 24 * 3600, &v)) {
			fprintf(stderr, "ioastrace: invalid duration '%s'\n", arg);
			return EINVAL;
		}
		a->duration = v;
		break;
	case 'b':
		if (parse_u32(arg, 1, 1024, &v) || (v & (v - 1))) {
			fprintf(stderr, "ioastrace: -b must be a power of 2 in 1..1024, not '%s'\n",
				arg);
			return EINVAL;
		}
		a->buffer_mb = v;
		break;
	case 'v':
		a->verbose = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		*ps->done = true;
		break;
	case OPT_SOURCE:
		a->source = it_parse_source_opt(arg);
		if (a->source < 0) {
			fprintf(stderr, "ioastrace: --source is auto, tracepoint or probe, not '%s'\n",
				arg);
			return EINVAL;
		}
		break;
	case OPT_FIELDS:
		it_print_field_list(stdout);
		*ps->done = true;
		break;
	case ARGP_KEY_ARG:
		fprintf(stderr, "ioastrace: unexpected argument '%s'\n", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int ioastrace_parse_args(int argc, char **argv, struct ioastrace_args *args,
			 bool *done)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
	};
	struct parse_state ps = { .args = args, .done = done };
	int err;

	memset(args, 0, sizeof(*args));
	args->events = (1ULL << IT_NR_EVENTS) - 1;
	args->buffer_mb = 16;
	*done = false;
	err = argp_parse(&argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_HELP, NULL,
			 &ps);
	if (*done)
		return 0;
	if (err) {
		*done = true;
		return 2;
	}
	return 0;
}
