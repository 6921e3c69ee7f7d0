/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* map_read.h - read a whole BPF hash map, each entry once (map_read.c) */
#ifndef __MAP_READ_H
#define __MAP_READ_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Read the entries of the BPF hash map FD (not per-CPU) into KEYS
 * (KEY_SIZE bytes each) and VALUES (VALUE_SIZE bytes each), at most MAX
 * (give the map's max_entries: then nothing is left out), each key once
 * even while BPF programs add and delete entries.
 *
 * With BPF_MAP_LOOKUP_BATCH, which walks the hash buckets once: an entry
 * deleted or re-added meanwhile can be missed (it was not there) but never
 * read twice.  It reads whole hash buckets: when the next bucket does not
 * fit in what is left of MAX, it stops there (with MAX below the map's
 * max_entries, or when entries added while reading outnumber those gone).
 * On a kernel or map without batch operations, with it_map_read_iter().
 * Returns how many entries were read, or -errno.
 */
int it_map_read_all(int fd, size_t key_size, size_t value_size, void *keys,
		    void *values, __u32 max);

/*
 * The same with BPF_MAP_GET_NEXT_KEY, the fallback: when the entry it
 * stands on is deleted, the kernel restarts from the first bucket and keys
 * come again; those repeats are dropped (so are entries deleted between
 * get_next_key and lookup), and the walk is bounded (8 * MAX + 16 steps)
 * however much the map churns.  Under heavy churn that bound can end the
 * walk before every entry was seen: only the batch read is complete.
 */
int it_map_read_iter(int fd, size_t key_size, size_t value_size, void *keys,
		     void *values, __u32 max);

/*
 * Drop the entries whose key repeats an earlier one (KEYS and VALUES as
 * above, N entries; order not kept).  Returns how many are left.  Pure:
 * unit-tested on the host.
 */
__u32 it_map_dedup(size_t key_size, size_t value_size, void *keys,
		   void *values, __u32 n);

#endif /* __MAP_READ_H */
