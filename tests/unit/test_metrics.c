// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests (cmocka) of iommutop's metrics formatting
 * (tools/iommutop/metrics.c): format negotiation, series merged by labels
 * and never duplicated, label values escaped and valid UTF-8, OpenMetrics
 * family names and # EOF, histogram buckets, RLIMIT_MEMLOCK from /proc;
 * and frame.c's caller classification and MAPPED sort.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <cmocka.h>
#include "metrics.h"

static struct frame frame;	/* too big for the stack */

static struct ioas_row *add_ioas(__u32 pid, __u32 id, const char *comm,
				 __s64 mapped)
{
	struct ioas_row *r = &frame.ioas[frame.nioas++];

	memset(r, 0, sizeof(*r));
	r->key = 0x1000 * frame.nioas;
	r->s.pid = pid;
	r->s.id = id;
	strncpy(r->s.comm, comm, sizeof(r->s.comm));
	r->s.mapped = mapped;
	return r;
}

static char *render(enum metrics_format fmt)
{
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	metrics_write(out, &frame, fmt, NULL, 0);
	fclose(out);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	memset(&frame, 0, sizeof(frame));
	return 0;
}

static void test_negotiate(void **state)
{
	(void)state;
	assert_int_equal(metrics_negotiate(NULL), METRICS_PROMETHEUS);
	assert_int_equal(metrics_negotiate("text/plain;version=0.0.4"), METRICS_PROMETHEUS);
	/* what Prometheus 2.42 sends */
	assert_int_equal(metrics_negotiate("application/openmetrics-text;version=1.0.0,"
					   "application/openmetrics-text;version=0.0.1;q=0.75,"
					   "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
			 METRICS_OPENMETRICS);
	assert_non_null(strstr(metrics_content_type(METRICS_OPENMETRICS),
			       "application/openmetrics-text; version=1.0.0"));
}

/* Every sample line (name and labels) appears once */
static void assert_no_duplicate_series(char *text)
{
	char *save = NULL, *line, **seen = calloc(100000, sizeof(char *));
	int n = 0, i;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;

		if (line[0] == '#')
			continue;
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		for (i = 0; i < n; i++)
			if (!strcmp(seen[i], line))
				fail_msg("duplicate series %s", line);
		assert_true(n < 100000);
		seen[n++] = line;
	}
	free(seen);
}

static void test_merge(void **state)
{
	char *text;

	(void)state;
	/* two iommufd files of process 7, each with an IOAS 2 */
	add_ioas(7, 2, "qemu", 100)->s.ndevs = 1;
	add_ioas(7, 2, "qemu", 200)->s.ndevs = 1;
	add_ioas(7, 3, "qemu", 5);
	frame.locks[0].o = (struct lock_owner){ .kind = LK_PAGES_MUTEX, .id = 2, .pid = 7 };
	frame.locks[0].st = (struct lock_stat){ .contended = 3, .wait_ns = 1000, .max_ns = 600 };
	frame.locks[1] = frame.locks[0];
	frame.locks[1].st.max_ns = 900;
	frame.nlocks = 2;
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "iommutrace_ioas_mapped_bytes{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 300\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_devices{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 2\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_mapped_bytes{pid=\"7\",comm=\"qemu\",ioas=\"3\"} 5\n"));
	assert_non_null(strstr(text, "iommutrace_lock_contentions_total{lock=\"pages->mutex\",owner_kind=\"ioas\",owner_id=\"2\",owner_pid=\"7\"} 6\n"));
	assert_non_null(strstr(text, "iommutrace_lock_max_wait_seconds{lock=\"pages->mutex\",owner_kind=\"ioas\",owner_id=\"2\",owner_pid=\"7\"} 0.000000900\n"));
	assert_no_duplicate_series(text);
	free(text);
}

/* Probe mode: what probes cannot know has no sample; the rest as usual */
static void test_probe(void **state)
{
	struct ioas_row *r;
	char *text;

	(void)state;
	r = add_ioas(7, 2, "qemu", 300);
	r->s.ndevs = 1;
	r->s.pinned = 5;
	r->s.maps = 4;
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "iommutrace_source_info{source=\"tracepoint\"} 1\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_pinned_bytes{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 20480\n"));
	free(text);
	frame.probe = true;
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "iommutrace_source_info{source=\"probe\"} 1\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_mapped_bytes{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 300\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_devices{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 1\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_operations_total{pid=\"7\",comm=\"qemu\",ioas=\"2\",op=\"map\"} 4\n"));
	/* families kept, samples not */
	assert_non_null(strstr(text, "# TYPE iommutrace_ioas_pinned_bytes gauge\n"));
	assert_null(strstr(text, "iommutrace_ioas_pinned_bytes{"));
	assert_null(strstr(text, "iommutrace_ioas_charged_pinned_bytes{"));
	assert_null(strstr(text, "iommutrace_ioas_accesses{"));
	assert_null(strstr(text, "iommutrace_ioas_hwpts{"));
	assert_null(strstr(text, "iommutrace_ioas_coherency{"));
	assert_null(strstr(text, "iommutrace_ioas_dma_faults_total{"));
	assert_null(strstr(text, "op=\"pin\""));
	assert_null(strstr(text, "op=\"unpin\""));
	free(text);
}

/* A VFIO type1 container and an IOAS with the same number, one process:
 * two series ("t2" and "2"), never merged; its lock owned by "type1" */
static void test_type1(void **state)
{
	struct ioas_row *r;
	char *text;

	(void)state;
	frame.probe = true;
	add_ioas(7, 2, "qemu", 100);
	r = add_ioas(7, 2, "qemu", 4096);
	r->s.type1 = 1;
	r->s.ndevs = 1;
	frame.locks[0].o = (struct lock_owner){ .kind = LK_TYPE1_LOCK, .id = 2, .pid = 7 };
	frame.locks[0].st = (struct lock_stat){ .contended = 3, .wait_ns = 1000, .max_ns = 600 };
	frame.nlocks = 1;
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "iommutrace_ioas_mapped_bytes{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 100\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_mapped_bytes{pid=\"7\",comm=\"qemu\",ioas=\"t2\"} 4096\n"));
	assert_non_null(strstr(text, "iommutrace_ioas_devices{pid=\"7\",comm=\"qemu\",ioas=\"t2\"} 1\n"));
	assert_non_null(strstr(text, "iommutrace_lock_contentions_total{lock=\"vfio_iommu->lock\",owner_kind=\"type1\",owner_id=\"2\",owner_pid=\"7\"} 3\n"));
	assert_no_duplicate_series(text);
	free(text);
}

static void test_label_values(void **state)
{
	char *text;

	(void)state;
	/* a comm cut in the middle of "€" (e2 82 ac), and one with quotes */
	add_ioas(1, 1, "vm-\xe2\x82", 0);
	add_ioas(2, 1, "a\"b\\c", 0);
	add_ioas(3, 1, "\xff\xc0\x80ok", 0);
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "comm=\"vm-\xef\xbf\xbd\xef\xbf\xbd\""));
	assert_non_null(strstr(text, "comm=\"a\\\"b\\\\c\""));
	assert_non_null(strstr(text, "comm=\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok\""));
	free(text);
}

static void test_openmetrics(void **state)
{
	char *om, *prom;

	(void)state;
	add_ioas(7, 2, "qemu", 4096)->s.maps = 4;
	om = render(METRICS_OPENMETRICS);
	prom = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(om, "# TYPE iommutrace_ioas_operations counter\n"));
	assert_non_null(strstr(om, "iommutrace_ioas_operations_total{pid=\"7\",comm=\"qemu\",ioas=\"2\",op=\"map\"} 4\n"));
	assert_non_null(strstr(om, "# UNIT iommutrace_ioas_mapped_bytes bytes\n"));
	assert_int_equal(strcmp(om + strlen(om) - 6, "# EOF\n"), 0);
	assert_non_null(strstr(prom, "# TYPE iommutrace_ioas_operations_total counter\n"));
	assert_null(strstr(prom, "# EOF"));
	assert_null(strstr(prom, "# UNIT"));
	free(om);
	free(prom);
}

static void test_histogram(void **state)
{
	struct ioas_row *r;
	char *text;

	(void)state;
	r = add_ioas(7, 2, "qemu", 0);
	r->s.lat_hist[3] = 2;	/* below the first bucket shown */
	r->s.lat_hist[10] = 3;	/* [1024, 2048) ns */
	r->s.lat_hist[31] = 1;	/* >= 2^31 ns */
	r->s.lat_count = 6;
	r->s.lat_sum_ns = 3000000000ULL;
	text = render(METRICS_PROMETHEUS);
	assert_non_null(strstr(text, "_bucket{pid=\"7\",comm=\"qemu\",ioas=\"2\",le=\"1.024e-06\"} 2\n"));
	assert_non_null(strstr(text, "_bucket{pid=\"7\",comm=\"qemu\",ioas=\"2\",le=\"2.048e-06\"} 5\n"));
	assert_non_null(strstr(text, "_bucket{pid=\"7\",comm=\"qemu\",ioas=\"2\",le=\"2.147483648\"} 5\n"));
	assert_non_null(strstr(text, "_bucket{pid=\"7\",comm=\"qemu\",ioas=\"2\",le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(text, "_sum{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 3.000000000\n"));
	assert_non_null(strstr(text, "_count{pid=\"7\",comm=\"qemu\",ioas=\"2\"} 6\n"));
	free(text);
}

static void test_memlock_limit(void **state)
{
	struct rlimit rl;
	double v = metrics_memlock_limit(getpid());

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	if (rl.rlim_cur == RLIM_INFINITY)
		assert_true(isinf(v));
	else
		assert_true(v == (double)rl.rlim_cur);
	assert_true(metrics_memlock_limit(0x7ffffffe) < 0);	/* no such pid */
}

/*
 * With METRICS_SAMPLE=FILE: write a frame with every kind of row in both
 * formats to FILE(.om), for the check that docs, rules and dashboard name
 * only emitted metrics (tests/unit/t-iommutop-metrics-unit)
 */
static void test_sample(void **state)
{
	const char *path = getenv("METRICS_SAMPLE");
	char om[4096];
	FILE *out;

	(void)state;
	if (!path)
		skip();
	add_ioas(7, 2, "qemu", 4096)->s.faults = 1;
	strcpy(frame.ioas[0].s.fault_devs[0].name, "0000:00:06.0");
	frame.ioas[0].s.fault_devs[0].faults = 1;
	frame.nlocks = 1;
	frame.locks[0].o.kind = LK_IOVA_RWSEM;
	frame.ncallers = 1;
	strcpy(frame.callers[0].caller, "iopt_map_pages");
	out = fopen(path, "w");
	assert_non_null(out);
	metrics_write(out, &frame, METRICS_PROMETHEUS, &(struct memlock_limit){ 7, 65536 }, 1);
	assert_int_equal(fclose(out), 0);
	snprintf(om, sizeof(om), "%s.om", path);
	out = fopen(om, "w");
	assert_non_null(out);
	metrics_write(out, &frame, METRICS_OPENMETRICS, &(struct memlock_limit){ 7, 65536 }, 1);
	assert_int_equal(fclose(out), 0);
}

/* frame.c's pure parts: caller classification, the MAPPED sort */
static void test_frame(void **state)
{
	(void)state;
	assert_true(is_lock_frame("_raw_spin_lock_irqsave"));
	assert_true(is_lock_frame("queued_spin_lock_slowpath"));
	assert_true(is_lock_frame("__mutex_lock.constprop.0"));
	assert_true(is_lock_frame("rwsem_down_write_slowpath"));
	assert_true(is_lock_frame("down_read"));
	assert_true(is_lock_frame("bpf_trace_run2"));
	assert_false(is_lock_frame("device_block_translation"));
	assert_false(is_lock_frame("iopt_unmap_iova_range"));
	assert_false(is_lock_frame("kernel_shutdown_prepare"));
	assert_true(is_iommu_caller("iopt_map_pages"));
	assert_true(is_iommu_caller("device_block_translation"));
	assert_false(is_iommu_caller("ext4_map_blocks"));

	add_ioas(1, 1, "a", -4096);	/* more unmapped than seen mapped */
	add_ioas(1, 2, "a", 8192);
	add_ioas(1, 3, "a", 0);
	frame_sort(&frame, SORT_MAPPED);
	assert_int_equal(frame.ioas[0].s.mapped, 8192);
	assert_int_equal(frame.ioas[2].s.mapped, -4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_negotiate, setup),
		cmocka_unit_test_setup(test_merge, setup),
		cmocka_unit_test_setup(test_probe, setup),
		cmocka_unit_test_setup(test_type1, setup),
		cmocka_unit_test_setup(test_label_values, setup),
		cmocka_unit_test_setup(test_openmetrics, setup),
		cmocka_unit_test_setup(test_histogram, setup),
		cmocka_unit_test_setup(test_memlock_limit, setup),
		cmocka_unit_test_setup(test_sample, setup),
		cmocka_unit_test_setup(test_frame, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
