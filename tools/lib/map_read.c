// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* map_read.c - see map_read.h */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "map_read.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal; what an old kernel may return */
#endif

struct entry_order {
	const unsigned char *keys;
	size_t key_size;
};

static int cmp_index(const void *a, const void *b, void *arg)
{
	const struct entry_order *o = arg;
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;
	int c = memcmp(o->keys + (size_t)x * o->key_size,
		       o->keys + (size_t)y * o->key_size, o->key_size);

	/* equal keys: the first read first, so it is the one kept */
	return c ? c : x < y ? -1 : x > y;
}

__u32 it_map_dedup(size_t key_size, size_t value_size, void *keys,
		   void *values, __u32 n)
{
	unsigned char *k = keys, *v = values;
	struct entry_order o = { .keys = keys, .key_size = key_size };
	unsigned char *drop;
	__u32 *idx, i, out;

	if (n < 2)
		return n;
	idx = malloc(n * sizeof(*idx));
	drop = calloc(n, 1);
	if (!idx || !drop) {
		free(idx);
		free(drop);
		return n;	/* cannot tell: keep all */
	}
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_index, &o);
	for (i = 1; i < n; i++)
		if (!memcmp(k + (size_t)idx[i] * key_size,
			    k + (size_t)idx[i - 1] * key_size, key_size))
			drop[idx[i]] = 1;
	/* compact in place, keeping the first of each key */
	for (i = out = 0; i < n; i++) {
		if (drop[i])
			continue;
		if (out != i) {
			memcpy(k + (size_t)out * key_size,
			       k + (size_t)i * key_size, key_size);
			memcpy(v + (size_t)out * value_size,
			       v + (size_t)i * value_size, value_size);
		}
		out++;
	}
	free(idx);
	free(drop);
	return out;
}

int it_map_read_iter(int fd, size_t key_size, size_t value_size, void *keys,
		     void *values, __u32 max)
{
	unsigned char *k = keys, *v = values, *cur;
	unsigned long steps = 8UL * max + 16;
	bool have_cur = false;
	__u32 n = 0;
	int err = 0;

	if (!max)
		return 0;
	cur = malloc(key_size);
	if (!cur)
		return -ENOMEM;
	while (steps--) {
		unsigned char *key = k + (size_t)n * key_size;

		if (bpf_map_get_next_key(fd, have_cur ? cur : NULL, key)) {
			err = -errno;
			if (err == -ENOENT)	/* the end */
				err = 0;
			break;
		}
		/* deleted meanwhile: go on from cur, which the kernel would
		 * not find after the deleted key (it restarts from the start) */
		if (bpf_map_lookup_elem(fd, key, v + (size_t)n * value_size))
			continue;
		memcpy(cur, key, key_size);
		have_cur = true;
		if (++n < max)
			continue;
		/* full: repeats after a restart may be what fills it */
		n = it_map_dedup(key_size, value_size, keys, values, n);
		if (n == max)
			break;
	}
	free(cur);
	if (err < 0)
		return err;
	return it_map_dedup(key_size, value_size, keys, values, n);
}

int it_map_read_all(int fd, size_t key_size, size_t value_size, void *keys,
		    void *values, __u32 max)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	unsigned char *k = keys, *v = values;
	__u64 in = 0, out = 0;	/* hash maps: a bucket index (__u32) */
	bool first = true;
	__u32 n = 0;

	while (n < max) {
		__u32 count = max - n;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out,
					       k + (size_t)n * key_size,
					       v + (size_t)n * value_size,
					       &count, &opts);

		if (err < 0)
			err = -errno;
		/* the next bucket holds more than what is left of MAX (only
		 * if MAX < max_entries, or the map churned while read): full */
		if (err == -ENOSPC)
			break;
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -ENOTSUPP ||
				      err == -EOPNOTSUPP || err == -ENOSYS))
				return it_map_read_iter(fd, key_size, value_size,
							keys, values, max);
			return err;
		}
		n += count;
		if (err == -ENOENT)	/* the last buckets */
			break;
		in = out;
		first = false;
	}
	return n;
}
