// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor - make bench's floor consumer (floor.bpf.c): attach a program that
 * does nothing (or, with -c, counts) to iommufd_ioas_map, _unmap,
 * iommufd_pages_pin and _unpin, say "tracing" on stderr, and at SIGINT or
 * SIGTERM print each event's count ("iommufd_ioas_map N", one line each;
 * 0 without -c) on stdout.  Exit status 0, 1 if it cannot load or attach,
 * 2 for a bad option.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t exiting;
static bool count;

static const char *const names[FLOOR_NR] = {
	[FLOOR_MAP] = "iommufd_ioas_map",
	[FLOOR_UNMAP] = "iommufd_ioas_unmap",
	[FLOOR_PIN] = "iommufd_pages_pin",
	[FLOOR_UNPIN] = "iommufd_pages_unpin",
};

static const struct argp_option options[] = {
	{ "count", 'c', NULL, 0, "count the events (a per-CPU counter each)", 0 },
	{ 0 },
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	if (key != 'c')
		return ARGP_ERR_UNKNOWN;
	count = true;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* The sum over CPUs of event i's counter */
static unsigned long long total(struct floor_bpf *skel, __u32 i)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum = 0;
	__u64 v[ncpu > 0 ? ncpu : 1];
	int c;

	if (ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.hits), &i, v))
		return 0;
	for (c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		options, parse_arg, NULL,
		"make bench's floor consumer: empty (or counting, -c) BPF programs on the map, unmap, pin and unpin tracepoints",
		NULL, NULL, NULL,
	};
	struct floor_bpf *skel;
	__u32 i;
	int err;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->count = count;
	err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: cannot load or attach (a kernel with the iommutrace tracepoints, as root): %s\n",
			strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "floor: tracing%s\n", count ? ", counting" : "");
	while (!exiting)
		sleep(1);	/* a signal ends it early */
	for (i = 0; i < FLOOR_NR; i++)
		printf("%s %llu\n", names[i], total(skel, i));
	floor_bpf__destroy(skel);
	return 0;
}
