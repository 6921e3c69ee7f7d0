// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host tests (cmocka) of tools/lib/map_read.c on real BPF hash maps of the
 * running kernel (root; exit 77 without the right to create one): the batch
 * read returns every key that was in the map throughout, each once, with
 * its value, while a thread deletes and re-adds the other half of the keys;
 * the get_next_key fallback each key at most once, with its value (its
 * completeness under churn is printed, not required); it_map_dedup() alone.  The truth
 * is what this test put in the map, not what a reader says.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include "map_read.h"

#define MAX	4096
#define STABLE	(MAX / 2)	/* keys 1..STABLE stay; the rest churn */

struct val {
	__u64 key_copy;
	char pad[120];		/* a value the size of a real row, roughly */
};

static int map_fd = -1;
static volatile bool stop;
static __u64 churn_rounds;

static __u64 key_of(__u32 i)
{
	return 0xffff888000000000ULL + (__u64)i * 0x1c0;	/* like addresses */
}

static void put(__u64 key)
{
	struct val v = { .key_copy = key };

	assert_int_equal(bpf_map_update_elem(map_fd, &key, &v, BPF_ANY), 0);
}

static int setup(void **state)
{
	__u32 i;

	(void)state;
	map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "maptest", sizeof(__u64),
				sizeof(struct val), MAX, NULL);
	if (map_fd < 0)
		return -1;
	for (i = 1; i <= MAX; i++)
		put(key_of(i));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(map_fd);
	return 0;
}

/* Delete and re-add the churning keys, round after round */
static void *churn(void *arg)
{
	__u32 i;

	(void)arg;
	while (!stop) {
		for (i = STABLE + 1; i <= MAX; i++) {
			__u64 key = key_of(i);

			bpf_map_delete_elem(map_fd, &key);
		}
		for (i = STABLE + 1; i <= MAX && !stop; i++) {
			__u64 key = key_of(i);
			struct val v = { .key_copy = key };

			bpf_map_update_elem(map_fd, &key, &v, BPF_ANY);
		}
		churn_rounds++;
	}
	return NULL;
}

typedef int (*reader)(int, size_t, size_t, void *, void *, __u32);

/*
 * N reads: each key at most once, values right, every stable key present
 * (if COMPLETE; the get_next_key fallback under churn may end early: how
 * often is printed)
 */
static void check_reads(reader read, int rounds, bool churning, bool complete)
{
	int incomplete = 0;
	static __u64 keys[MAX];
	static struct val vals[MAX];
	static unsigned char seen[MAX + 1];
	int r, n, i;

	for (r = 0; r < rounds; r++) {
		memset(keys, 0, sizeof(keys));
		n = read(map_fd, sizeof(keys[0]), sizeof(vals[0]), keys, vals, MAX);
		assert_true(n >= 0);
		assert_true(n <= MAX);
		if (!churning)
			assert_int_equal(n, MAX);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			__u64 idx = (keys[i] - key_of(0)) / 0x1c0;

			assert_true(idx >= 1 && idx <= MAX);
			assert_int_equal(keys[i], key_of(idx));
			assert_int_equal(vals[i].key_copy, keys[i]);
			if (seen[idx])
				fail_msg("round %d: key %llu read twice", r,
					 (unsigned long long)idx);
			seen[idx] = 1;
		}
		for (i = 1; i <= STABLE; i++)
			if (!seen[i])
				break;
		if (i <= STABLE && complete)
			fail_msg("round %d: stable key %d missing (%d read)",
				 r, i, n);
		incomplete += i <= STABLE;
	}
	if (churning)
		print_message("%d of %d reads missed a key present throughout\n",
			      incomplete, rounds);
}

static void test_batch_static(void **state)
{
	(void)state;
	check_reads(it_map_read_all, 3, false, true);
}

static void test_iter_static(void **state)
{
	(void)state;
	check_reads(it_map_read_iter, 3, false, true);
}

static void churned(reader read, bool complete)
{
	pthread_t t;

	stop = false;
	churn_rounds = 0;
	assert_int_equal(pthread_create(&t, NULL, churn, NULL), 0);
	while (!churn_rounds)
		usleep(1000);
	check_reads(read, 200, true, complete);
	stop = true;
	pthread_join(t, NULL);
	print_message("%llu churn rounds of %d keys during 200 reads\n",
		      (unsigned long long)churn_rounds, MAX - STABLE);
	/* leave the map full for the next test */
	for (__u32 i = STABLE + 1; i <= MAX; i++)
		put(key_of(i));
}

static void test_batch_churn(void **state)
{
	(void)state;
	churned(it_map_read_all, true);
}

static void test_iter_churn(void **state)
{
	(void)state;
	churned(it_map_read_iter, false);
}

/* A smaller max than entries: the readers stop there, no overflow */
static void test_bounded(void **state)
{
	static __u64 keys[MAX + 1];
	static struct val vals[MAX + 1];
	int n;

	(void)state;
	keys[100] = 0x5a5a;
	/* whole buckets: up to 100, less the last bucket that did not fit */
	n = it_map_read_all(map_fd, sizeof(keys[0]), sizeof(vals[0]), keys,
			    vals, 100);
	assert_true(n > 90 && n <= 100);
	assert_int_equal(keys[100], 0x5a5a);
	assert_int_equal(it_map_read_iter(map_fd, sizeof(keys[0]), sizeof(vals[0]),
					  keys, vals, 100), 100);
	assert_int_equal(keys[100], 0x5a5a);
	assert_int_equal(it_map_read_all(map_fd, sizeof(keys[0]), sizeof(vals[0]),
					 keys, vals, 0), 0);
}

static void test_dedup(void **state)
{
	__u32 keys[] = { 5, 3, 5, 9, 3, 3, 1 };
	char vals[][2] = { "a", "b", "c", "d", "e", "f", "g" };
	__u32 n = it_map_dedup(sizeof(keys[0]), sizeof(vals[0]), keys, vals, 7);

	(void)state;
	assert_int_equal(n, 4);
	/* the first of each key kept, in reading order */
	assert_int_equal(keys[0], 5);
	assert_string_equal(vals[0], "a");
	assert_int_equal(keys[1], 3);
	assert_string_equal(vals[1], "b");
	assert_int_equal(keys[2], 9);
	assert_string_equal(vals[2], "d");
	assert_int_equal(keys[3], 1);
	assert_string_equal(vals[3], "g");
	assert_int_equal(it_map_dedup(4, 2, keys, vals, 1), 1);
	assert_int_equal(it_map_dedup(4, 2, keys, vals, 0), 0);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_dedup),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_static),
		cmocka_unit_test(test_iter_static),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_batch_churn),
		cmocka_unit_test(test_iter_churn),
	};
	int fd, err = cmocka_run_group_tests(pure, NULL, NULL);

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "probe", 8, 8, 1, NULL);
	if (fd < 0) {
		printf("cannot create a BPF map here (%s): needs root\n", strerror(errno));
		return err ? 1 : 77;
	}
	close(fd);
	return err | cmocka_run_group_tests(tests, setup, teardown);
}
