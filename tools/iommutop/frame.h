/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* frame.h - one iommutop frame, built from the BPF maps (frame.c) */
#ifndef __IOMMUTOP_FRAME_H
#define __IOMMUTOP_FRAME_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "iommutop.h"

struct ioas_prev {
	__u64 maps, unmaps, pins;
};

struct ioas_row {
	__u64 key;			/* kernel address: identity only */
	struct ioas_stat s;
	struct ioas_prev prev;		/* counters, for the next frame's rates */
	double maps_s, unmaps_s, pins_s;	/* per second since last frame */
	__u64 lat_avg_ns, lat_p99_ns;	/* map latency */
};

struct lock_row {
	__u64 addr;
	struct lock_owner o;		/* o.gen: which owner of addr */
	struct lock_stat st;
	bool owner_gone;		/* its owner was destroyed */
	__u32 top_tgid;			/* process that waited longest */
	__u64 top_wait_ns;		/* ... and how long in total */
	char top_comm[IT_TOP_COMM_LEN];	/* ... and its comm */
};

/* Contention on locks no event named, by the iommufd/VT-d caller */
struct caller_row {
	char caller[64];		/* function that took the lock */
	struct lock_stat st;
	char comm[IT_TOP_COMM_LEN];	/* last process that waited */
};

struct frame {
	__u64 seq;
	__u64 ts_ns;			/* CLOCK_MONOTONIC */
	double interval_s;		/* since the previous frame */
	bool probe;			/* events from probes (--source probe):
					 * pins, accesses, HWPTs, coherency and
					 * faults unknown (docs/probe-mode.md) */
	__u64 dropped;			/* sum of drops[] */
	__u64 drops[DROP_NR];		/* what BPF dropped, by cause */
	int nioas, nlocks, ncallers;
	struct ioas_row ioas[4096];
	struct lock_row locks[1024];
	struct caller_row callers[256];
};

/* enum drop_cause -> its name in JSON and Prometheus ("ioas_full", ...) */
const char *drop_cause_name(int cause);
/* Sort lock rows by total wait (longest first), then address, generation */
void lock_rows_sort(struct lock_row *rows, int n);
/* Add a (live or folded) lock row's counts to r: same lock, same owner */
void lock_row_merge(struct lock_row *r, const struct lock_row *add);
/* Account a waiter's total into the row's top waiter */
void lock_row_waiter(struct lock_row *r, __u32 tgid, __u64 wait_ns,
		     const char *comm);
/* The class of a kernel function for the BPF caller filter */
enum caller_class caller_class_of(const char *sym);

/* Is this the name of a locking or tracing function (not a lock's user)? */
bool is_lock_frame(const char *sym);
/* Is this caller part of iommufd or the VT-d driver? */
bool is_iommu_caller(const char *sym);
/* Add a contention by caller, merging rows of the same caller */
void frame_add_caller(struct frame *f, const char *caller,
		      const struct caller_stat *cs);

enum sort_key { SORT_ID, SORT_MAPPED, SORT_RATE, SORT_ERRORS, SORT_NR };

void frame_rates(struct frame *f, const struct frame *prev);
void frame_sort(struct frame *f, enum sort_key key);
const char *sort_name(enum sort_key key);
void frame_print_text(FILE *out, const struct frame *f, int ioas_rows);
void frame_print_json(FILE *out, const struct frame *f);
const char *lock_kind_name(int kind);
const char *lock_owner_kind(int kind);
const char *cc_name(const struct ioas_stat *s);
/* An IOAS row's name in text and metrics: its id, or for a VFIO type1
 * container "t" and iommutop's number for it ("t1") */
void ioas_label(char *buf, size_t len, const struct ioas_stat *s);
__u64 hist_quantile(const __u64 *hist, int n, double q);

#endif /* __IOMMUTOP_FRAME_H */
