// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioastrace - trace iommufd and Intel VT-d events, one line per event.
 *
 * Attaches BTF-typed BPF programs (ioastrace.bpf.c) to the iommutrace
 * tracepoints and prints the records they send through a ring buffer, as
 * text or JSON Lines.  See ioastrace(8) in docs/ioastrace.8.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "ioastrace.h"
#include "ioastrace.skel.h"
#include "output.h"
#include "tool_helpers.h"

static volatile sig_atomic_t exiting;
static struct ioastrace_args args;
static struct it_clock clk;
static __u64 seen[IT_NR_EVENTS];
static __u64 lost_reported;	/* lost records already reported */
static unsigned int batch_left;	/* records the current batch may still take */
static struct it_output out = { .tool = "ioastrace" };

/* What the fault history needs, printed or not */
#define HISTORY_EVENTS	((1ULL << IT_IOAS_MAP) | (1ULL << IT_IOAS_UNMAP) |	\
			 (1ULL << IT_IOAS_COPY) | (1ULL << IT_IOAS_DESTROY) |	\
			 (1ULL << IT_DEVICE_ATTACH) |				\
			 (1ULL << IT_DEVICE_REPLACE) |				\
			 (1ULL << IT_DEVICE_DETACH) |				\
			 (1ULL << IT_DEVICE_UNBIND))
#define POLL_MS		100
#define BATCH_MAX	1024	/* records printed between two flushes */
#define EXIT_OUTPUT	IT_EXIT_OUTPUT	/* stdout cannot be written */

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !args.verbose)
		return 0;
	if (!args.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int handle_event(void *ctx, void *data, size_t len)
{
	const struct it_event *e = data;

	(void)ctx;
	/* Records of this build only: the BPF side sends no other */
	if (len < sizeof(e->h) || e->h.type >= IT_NR_EVENTS ||
	    len < sizeof(e->h) + e->h.size ||
	    (e->h.type == IT_VTD_DMA_FAULT &&
	     len < sizeof(struct it_fault_record)))
		return 0;
	seen[e->h.type]++;
	if (args.json)
		it_print_json(stdout, e, &clk);
	else
		it_print_text(stdout, e, &clk);
	/* Output broken: stop consuming; flush_output() says why */
	if (it_output_check(&out))
		return -EIO;
	/* A full batch: end this poll, so that the loop flushes and reports */
	return --batch_left ? 0 : -EAGAIN;
}

/* Write what was printed.  0, or EXIT_OUTPUT with one line on stderr. */
static int flush_output(void)
{
	return it_output_flush(&out);
}

static __u64 total_lost(const struct ioastrace_bpf *skel)
{
	__u64 lost = 0;
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++)
		lost += skel->bss->lost[i];
	return lost;
}

/* One line on stderr when records were lost since the last report */
static void report_lost(const struct ioastrace_bpf *skel)
{
	__u64 lost = total_lost(skel);

	if (lost == lost_reported)
		return;
	fprintf(stderr, "ioastrace: lost %llu records (ring buffer full)\n",
		(unsigned long long)(lost - lost_reported));
	lost_reported = lost;
}

/* The event names of MASK, "a, b, c" (without the iommufd_ prefix) */
static void print_events(FILE *f, __u64 mask)
{
	const char *sep = "";
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++) {
		const char *n = it_event_name(i);

		if (!((mask >> i) & 1))
			continue;
		if (!strncmp(n, "iommufd_", 8))
			n += 8;
		fprintf(f, "%s%s", sep, n);
		sep = ", ";
	}
}

/*
 * Probe mode (a kernel without the iommutrace tracepoints): say so, which
 * events the probes give, and from what (iommufd and VT-d functions, VFIO
 * type1 containers).  LOADED: all the probes' events, T1 those of the
 * type1 probes.  1 if none of EVENTS can be traced, or an event asked for
 * with -e cannot.
 */
static int say_probe_mode(__u64 events, __u64 loaded, __u64 t1,
			  enum it_type1_state t1_state, bool asked)
{
	bool all = events == (1ULL << IT_NR_EVENTS) - 1;
	bool iommufd = (loaded & ~t1) & (1ULL << IT_IOAS_MAP);
	/* absent: can it be loaded? (1 yes, 0 no, -1 unknown) */
	int t1_mod = t1_state == IT_TYPE1_ABSENT ?
		     it_module_state("vfio_iommu_type1") : 1;
	const char *t1_why = it_type1_absent_why(t1_mod);
	int i, n = 0;

	for (i = 0; i < IT_NR_EVENTS; i++)
		n += (loaded >> i) & 1;
	if (!iommufd && !t1 && all) {
		/* auto: why there are no tracepoints says it all */
		if (asked || !it_check_kernel("ioastrace", NULL))
			fprintf(stderr, "ioastrace: no iommufd functions to probe in this kernel's BTF: is iommufd loaded (modprobe iommufd)?\n");
		/* no advice to load a module this kernel does not have */
		if (t1_mod == 1)
			fprintf(stderr, "ioastrace: and no VFIO type1 container to probe: %s\n",
				t1_why);
		return 1;
	}
	if (!all) {
		int bad = 0;

		for (i = 0; i < IT_NR_EVENTS; i++)
			if ((events & ~loaded) & (1ULL << i)) {
				/* a type1 event: why the container is not */
				bool t1_ev = (IT_TYPE1_EVENTS & (1ULL << i)) &&
					     t1_state == IT_TYPE1_ABSENT;

				fprintf(stderr, "ioastrace: %s cannot be traced without the iommutrace tracepoints (--source probe)%s%s\n",
					it_event_name(i), t1_ev ? ", and " : "",
					t1_ev ? t1_why : "");
				bad = 1;
			}
		if (bad)
			return 1;
	}
	fprintf(stderr, "ioastrace: source: probe (fentry/fexit on iommufd and VT-d functions; %s): %d of %d events; a field a probe cannot know prints as -; what differs: docs/probe-mode.md\n",
		asked ? "--source probe" :
			"this kernel has no iommutrace tracepoints", n,
		IT_NR_EVENTS);
	if (!iommufd && (events & (1ULL << IT_IOAS_MAP)))
		fprintf(stderr, "ioastrace: probe: no iommufd functions in this kernel's BTF (no iommufd, or not loaded): iommufd IOASes are not traced\n");
	if (t1) {
		fprintf(stderr, "ioastrace: probe: VFIO type1 containers (vfio_iommu_type1): ");
		print_events(stderr, t1);
		fprintf(stderr, "; each container is one address space, its ioas_id numbered by ioastrace, its records marked source=type1\n");
	} else if (t1_state == IT_TYPE1_ABSENT) {
		fprintf(stderr, "ioastrace: probe: %s: VFIO type1 containers are not traced\n",
			t1_why);
	}
	return 0;
}

static void print_summary(struct ioastrace_bpf *skel)
{
	__u64 total = 0, lost = total_lost(skel);
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++)
		total += seen[i];
	if (!args.json) {
		fprintf(stderr, "ioastrace: %llu events, %llu lost\n",
			(unsigned long long)total, (unsigned long long)lost);
		return;
	}
	fprintf(stderr, "{\"summary\":{\"events\":%llu,\"lost\":%llu,\"per_event\":{",
		(unsigned long long)total, (unsigned long long)lost);
	for (i = 0; i < IT_NR_EVENTS; i++)
		fprintf(stderr, "%s\"%s\":{\"seen\":%llu,\"lost\":%llu}",
			i ? "," : "", it_event_name(i),
			(unsigned long long)seen[i],
			(unsigned long long)skel->bss->lost[i]);
	fprintf(stderr, "}}}\n");
}

/*
 * Print the records as they come, flushing stdout after each batch, until
 * Ctrl-C, SIGTERM or the deadline (0: none).  Returns the exit status.
 */
static int trace(struct ring_buffer *rb, struct ioastrace_bpf *skel,
		 time_t deadline)
{
	struct timespec now;
	time_t reported = 0;
	int err;

	while (!exiting) {
		batch_left = BATCH_MAX;
		err = ring_buffer__poll(rb, POLL_MS);
		if (err < 0 && err != -EINTR && err != -EAGAIN && !out.err) {
			fprintf(stderr, "ioastrace: polling the ring buffer: %s\n",
				strerror(-err));
			return 1;
		}
		if (flush_output())
			return EXIT_OUTPUT;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != reported) {	/* at most a line a second */
			report_lost(skel);
			reported = now.tv_sec;
		}
		if (deadline && now.tv_sec >= deadline)
			break;
	}
	ioastrace_bpf__detach(skel);
	batch_left = UINT_MAX;
	ring_buffer__consume(rb);	/* what arrived before the detach */
	if (flush_output())
		return EXIT_OUTPUT;
	print_summary(skel);
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct ioastrace_bpf *skel;
	struct timespec mono, real;
	long long have;
	time_t deadline = 0;
	bool done, keep_history, probe;
	enum it_type1_state t1_state;
	long long loaded;
	__u64 t1;
	int err, cgfd = -1;

	err = ioastrace_parse_args(argc, argv, &args, &done);
	if (done)
		return err;
	libbpf_set_print(libbpf_print);

	have = it_kernel_events();
	if (have < 0 || (args.source != IT_SOURCE_OPT_PROBE &&
			 (args.source == IT_SOURCE_OPT_TRACEPOINT ||
			  (have & (1LL << IT_IOAS_MAP))))) {
		probe = false;
		/* no BTF, or tracepoints asked for: says why if missing */
		if (it_check_kernel("ioastrace", &have))
			return 1;
	} else {
		probe = true;
	}
	if (!probe && (args.events & ~have) &&
	    args.events != (1ULL << IT_NR_EVENTS) - 1) {
		int i;

		for (i = 0; i < IT_NR_EVENTS; i++)
			if ((args.events & ~have) & (1ULL << i))
				fprintf(stderr, "ioastrace: this kernel has no tracepoint %s\n",
					it_event_name(i));
		return 1;
	}
	/* No VT-d (CONFIG_INTEL_IOMMU off): its programs are not loaded */
	if (!probe && (args.events & it_vtd_events()) &&
	    !(have & it_vtd_events()))
		it_say_no_vtd("ioastrace");
	if (!probe)
		args.events &= have;

	skel = ioastrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "ioastrace: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = args.pid;
	skel->rodata->filter_cg = args.cgroup != NULL;
	skel->rodata->targ_ioas = args.ioas;
	skel->rodata->targ_dev = args.dev;
	skel->rodata->targ_failed = args.failed;
	bpf_map__set_max_entries(skel->maps.events, args.buffer_mb << 20);
	/*
	 * With dmar_fault traced, the events that feed the fault history are
	 * always attached; targ_events decides what is printed.
	 */
	keep_history = !probe && (args.events & (1ULL << IT_VTD_DMA_FAULT));
	skel->rodata->keep_history = keep_history;
	loaded = it_select_source(skel->obj, probe, args.events |
				  (keep_history ? have & HISTORY_EVENTS : 0));
	if (loaded < 0) {
		fprintf(stderr, "ioastrace: kernel BTF not available: %s\n",
			strerror((int)-loaded));
		err = 1;
		goto cleanup;
	}
	t1 = probe ? it_select_type1(skel->obj, args.events, &t1_state) : 0;
	if (!probe)
		t1_state = IT_TYPE1_OFF;
	loaded |= t1;
	if (probe && say_probe_mode(args.events, loaded, t1, t1_state,
				    args.source == IT_SOURCE_OPT_PROBE)) {
		err = 1;
		goto cleanup;
	}
	skel->rodata->targ_events = args.events & loaded;

	err = ioastrace_bpf__load(skel);
	if (err) {
		it_load_error("ioastrace", err, args.verbose);
		goto cleanup;
	}

	if (args.cgroup) {
		__u32 key = 0;

		cgfd = open(args.cgroup, O_RDONLY | O_DIRECTORY);
		if (cgfd < 0) {
			err = -errno;
			fprintf(stderr, "ioastrace: cannot open cgroup %s: %s\n",
				args.cgroup, strerror(errno));
			goto cleanup;
		}
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.cgroup_map),
					&key, &cgfd, BPF_ANY)) {
			err = -errno;
			fprintf(stderr, "ioastrace: %s is not a cgroup v2 directory: %s\n",
				args.cgroup, strerror(errno));
			goto cleanup;
		}
	}

	err = ioastrace_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "ioastrace: cannot attach BPF programs: %s\n",
			strerror(-err));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event,
			      NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "ioastrace: cannot create ring buffer: %s\n",
			strerror(errno));
		goto cleanup;
	}

	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is EPIPE: flush_output() */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	clk.timestamp = args.timestamp;
	clk.mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000ULL +
			      real.tv_nsec - mono.tv_nsec;
	if (args.duration)
		deadline = mono.tv_sec + args.duration;
	/* Fully buffered, flushed after each batch: one write per batch */
	out.f = stdout;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!args.json)
		it_print_header(stdout, &clk);
	fprintf(stderr, "ioastrace: tracing... Hit Ctrl-C to end.\n");

	err = trace(rb, skel, deadline);

cleanup:
	ring_buffer__free(rb);
	ioastrace_bpf__destroy(skel);
	if (cgfd >= 0)
		close(cgfd);
	return err < 0 ? 1 : err;
}
