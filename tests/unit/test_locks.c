// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests (cmocka) of iommutop's lock accounting in user space: the
 * caller classification and the text ranges the BPF caller filter searches
 * (ksyms.c), the lock rows' sort, merge and top waiter (frame.c), and the
 * per-cause drop counters in the text header, JSON and Prometheus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "frame.h"
#include "ksyms.h"
#include "metrics.h"

static struct frame frame;

static int setup(void **state)
{
	(void)state;
	memset(&frame, 0, sizeof(frame));
	return 0;
}

static void test_classes(void **state)
{
	(void)state;
	/* "lock" inside a word is not locking code */
	assert_false(is_lock_frame("block"));
	assert_false(is_lock_frame("__block_commit_write"));
	assert_false(is_lock_frame("blk_mq_run_hw_queue"));
	assert_false(is_lock_frame("ktime_get_clock_ts64"));
	assert_false(is_lock_frame("iommufd_device_block"));
	assert_true(is_lock_frame("lock_acquire"));
	assert_true(is_lock_frame("_raw_spin_lock"));
	assert_true(is_lock_frame("iommufd_lock_obj"));
	assert_true(is_lock_frame("__traceiter_contention_end"));
	assert_true(is_lock_frame("bpf_prog_6deef7357e7b4530_contention_end"));
	assert_int_equal(caller_class_of("_raw_spin_lock_irqsave"), CALLER_SKIP);
	assert_int_equal(caller_class_of("iopt_map_pages"), CALLER_IOMMU);
	assert_int_equal(caller_class_of("qi_submit_sync"), CALLER_IOMMU);
	assert_int_equal(caller_class_of("ext4_map_blocks"), CALLER_OTHER);
	assert_int_equal(caller_class_of("block"), CALLER_OTHER);
}

static struct ksyms *load(const char *text)
{
	char path[] = "/tmp/test_locks.XXXXXX";
	int fd = mkstemp(path);
	struct ksyms *ks;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ks = ksyms_load_file(path);
	unlink(path);
	assert_non_null(ks);
	return ks;
}

/* Ranges: classes from the names, merged when adjacent, in address order
 * whatever the file's order, "OTHER" code left out */
static void test_ranges(void **state)
{
	static const char syms[] =
		"ffffffff81000300 T iopt_map_pages\n"
		"ffffffff81000100 T _raw_spin_lock\n"
		"ffffffff81000000 T ext4_map_blocks\n"
		"ffffffff81000200 t queued_spin_lock_slowpath\n"
		"ffffffff81000400 t iopt_unmap_iova_range\n"
		"ffffffff81000500 T block\n"
		"ffffffff81000600 d some_data\n"
		"ffffffff81000700 T intel_iommu_map_pages\n"
		"ffffffff81000800 T schedule\n";
	struct caller_range r[8];
	struct ksyms *ks = load(syms);
	size_t n, needed;

	(void)state;
	n = ksyms_caller_ranges(ks, r, 8, &needed);
	assert_int_equal(n, 3);
	assert_int_equal(needed, 3);
	assert_int_equal(r[0].cls, CALLER_SKIP);	/* two lock functions */
	assert_int_equal(r[0].start, 0xffffffff81000100ULL);
	assert_int_equal(r[0].end, 0xffffffff81000300ULL);
	assert_int_equal(r[1].cls, CALLER_IOMMU);	/* two iopt_ functions */
	assert_int_equal(r[1].start, 0xffffffff81000300ULL);
	assert_int_equal(r[1].end, 0xffffffff81000500ULL);
	assert_int_equal(r[2].cls, CALLER_IOMMU);	/* data symbols ignored */
	assert_int_equal(r[2].start, 0xffffffff81000700ULL);
	assert_int_equal(r[2].end, 0xffffffff81000800ULL);
	/* no room: the count says how many there are */
	n = ksyms_caller_ranges(ks, r, 2, &needed);
	assert_int_equal(n, 2);
	assert_int_equal(needed, 3);
	assert_int_equal(r[1].end, 0xffffffff81000500ULL);
	ksyms_free(ks);
}

static void add_lock(__u64 addr, __u64 gen, __u64 contended, __u64 wait)
{
	struct lock_row *l = &frame.locks[frame.nlocks++];

	memset(l, 0, sizeof(*l));
	l->addr = addr;
	l->o.gen = gen;
	l->o.kind = LK_IOVA_RWSEM;
	l->st.contended = contended;
	l->st.wait_ns = wait;
	l->st.max_ns = wait;
}

/* Longest total wait first; ties by count, then address, generation: a
 * stable order for rows that come in hash order */
static void test_sort(void **state)
{
	(void)state;
	add_lock(0x30, 1, 1, 100);
	add_lock(0x10, 2, 5, 900);
	add_lock(0x10, 1, 5, 900);
	add_lock(0x20, 1, 9, 100);
	lock_rows_sort(frame.locks, frame.nlocks);
	assert_int_equal(frame.locks[0].addr, 0x10);
	assert_int_equal(frame.locks[0].o.gen, 1);
	assert_int_equal(frame.locks[1].o.gen, 2);
	assert_int_equal(frame.locks[2].addr, 0x20);
	assert_int_equal(frame.locks[3].addr, 0x30);
}

static void test_merge_waiter(void **state)
{
	struct lock_row a = {}, b = {};

	(void)state;
	a.st = (struct lock_stat){ .contended = 2, .wait_ns = 10, .max_ns = 7 };
	b.st = (struct lock_stat){ .contended = 3, .wait_ns = 20, .max_ns = 5 };
	lock_row_waiter(&a, 100, 10, "first");
	lock_row_waiter(&b, 200, 15, "second");
	lock_row_merge(&a, &b);
	assert_int_equal(a.st.contended, 5);
	assert_int_equal(a.st.wait_ns, 30);
	assert_int_equal(a.st.max_ns, 7);
	assert_string_equal(a.top_comm, "second");
	/* the same process folded again: its waits add up */
	lock_row_waiter(&a, 100, 6, "first");
	assert_string_equal(a.top_comm, "second");
	lock_row_waiter(&a, 200, 1, "second");
	assert_int_equal(a.top_wait_ns, 16);
}

static char *render(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	fn(out);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void text(FILE *out) { frame_print_text(out, &frame, -1); }
static void json(FILE *out) { frame_print_json(out, &frame); }
static void prom(FILE *out) { metrics_write(out, &frame, METRICS_PROMETHEUS, NULL, 0); }

/* Every cause has its own name; the header shows the sum, JSON and
 * Prometheus each cause */
static void test_drops(void **state)
{
	char *t, *j, *p, want[96];
	int i, k;

	(void)state;
	for (i = 0; i < DROP_NR; i++) {
		assert_string_not_equal(drop_cause_name(i), "unknown");
		for (k = 0; k < i; k++)
			assert_string_not_equal(drop_cause_name(i), drop_cause_name(k));
	}
	assert_string_equal(drop_cause_name(DROP_NR), "unknown");
	frame.drops[DROP_IOAS_FULL] = 2;
	frame.drops[DROP_STACK] = 3;
	frame.dropped = 5;
	add_lock(0xffff888001234560ULL, 7, 1, 100);
	t = render(text);
	j = render(json);
	p = render(prom);
	assert_non_null(strstr(t, "dropped 5\n"));
	assert_non_null(strstr(j, "\"dropped\":{\"ioas_full\":2,"));
	assert_non_null(strstr(j, ",\"stack\":3,"));
	assert_non_null(strstr(j, "\"addr\":\"0xffff888001234560\",\"gen\":7,"));
	for (i = 0; i < DROP_NR; i++) {
		snprintf(want, sizeof(want), "iommutrace_dropped_total{cause=\"%s\"} %llu\n",
			 drop_cause_name(i), (unsigned long long)frame.drops[i]);
		assert_non_null(strstr(p, want));
	}
	free(t);
	free(j);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_classes, setup),
		cmocka_unit_test_setup(test_ranges, setup),
		cmocka_unit_test_setup(test_sort, setup),
		cmocka_unit_test_setup(test_merge_waiter, setup),
		cmocka_unit_test_setup(test_drops, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
