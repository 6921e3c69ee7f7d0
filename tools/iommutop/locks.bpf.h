/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * locks.bpf.h - iommutop's lock contention: which lock addresses belong to
 * an IOAS, HWPT, access or DMAR unit (own_lock(), learnt from the objects
 * the iommutrace events pass, forgotten by lock_disown*() when the object
 * is destroyed), and lock:contention_begin/end accounted for them, or by
 * caller (a stack id) for locks no event named, if the caller is iommufd
 * or VT-d code.  Included once, by iommutop.bpf.c, after tid(), drop()
 * and a declaration of lock_learn(lock): the owner of a lock no event has
 * named, learnt at its first contention (NULL: none), for owners cheaper
 * to find then than to record at every event (an iopt_pages' mutex).
 *
 * The wait bookkeeping is perf's (tools/perf/util/bpf_skel/
 * lock_contention.bpf.c), so that "perf lock contention -ab -l" is a
 * referee (tests/vm/t-perf-lock-referee):
 * - a spinning wait (LCB_F_SPIN without LCB_F_MUTEX: the task cannot
 *   sleep) is timed per CPU, every other wait (mutex, including its
 *   optimistic spin phase, rwsem, ...) per task;
 * - a wait that begins while another is in progress in the same slot is
 *   nested (a mutex going from its spin to its sleep phase, a rwsem writer
 *   re-taking wait_lock inside its wait, an interrupt's spin) and ignored:
 *   the outer wait is neither replaced nor ended by it;
 * - contention_end, which has no flags, ends the CPU's spinning wait if
 *   there is one (a task cannot sleep while spinning), else the task's.
 * Every wait takes its slot, whether its lock is ours or not, so that the
 * nesting is the same as perf's.
 */
#ifndef __LOCKS_BPF_H
#define __LOCKS_BPF_H

#define LCB_F_SPIN	(1U << 0)	/* include/trace/events/lock.h */
#define LCB_F_MUTEX	(1U << 5)

/* lock address -> its current owner (deleted when the owner is destroyed) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, __u64);
	__type(value, struct lock_owner);
} lock_owners SEC(".maps");

/* (lock address, owner generation) -> owner and contention (iommutop.h) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, struct lock_key);
	__type(value, struct lock_entry);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, struct lock_waiter_key);
	__type(value, struct lock_waiter);
} lock_waiters SEC(".maps");

/* Stacks of the contentions on locks no event named, kept only for
 * iommufd / VT-d callers (caller_keep()).  caller_stats is history, kept
 * on purpose for as long as iommutop runs, not state of live objects: one
 * entry per distinct call stack into locking from iommufd / VT-d code,
 * which a finite set of code paths bounds (a few tens in hours of churn,
 * docs/soak.md), so it stays flat and far below MAX_CALLER_STACKS; a new
 * stack once it is full is counted (DROP_CALLERS_FULL, "callers_full").
 * The soak checks exactly that: flat, never at its cap, not back to 0. */
#define MAX_CALLER_STACKS	4096

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MAX_CALLER_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, IT_TOP_STACK * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CALLER_STACKS);
	__type(key, __u32);	/* stack id in stacks */
	__type(value, struct caller_stat);
} caller_stats SEC(".maps");

/* The text ranges of iommufd/VT-d functions and of locking/tracing code,
 * sorted (iommutop.h): written by user space after the attach, then
 * caller_nranges */
struct caller_range caller_ranges[IT_TOP_CALLER_RANGES];
__u32 caller_nranges;

struct wait_start {
	__u64 lock;		/* 0: the slot is free */
	__u64 ts;
	bool known;		/* lock_owners had it at contention_begin */
	struct lock_owner o;	/* ... as it was */
};

/* A wait, per task (perf: tstamp) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct wait_start);
} waiting SEC(".maps");

/* A spinning wait, per CPU (perf: tstamp_cpu) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wait_start);
} waiting_cpu SEC(".maps");

/* The frames of the stack being classified */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[IT_TOP_STACK]);
} stack_scratch SEC(".maps");

/* Learn that addr is a lock of this owner.  Seeing the same owner again
 * keeps its generation (and history); another owner at the address (a
 * destroy we did not see) starts a new one. */
static __always_inline void own_lock(__u64 addr, int kind, __u32 id,
				     __u32 pid)
{
	struct lock_owner o = { .kind = kind, .id = id, .pid = pid };
	struct lock_owner *cur = bpf_map_lookup_elem(&lock_owners, &addr);

	if (cur && cur->kind == kind && cur->id == id) {
		if (pid && cur->pid != pid) {
			/* a pid learnt late (the start-up snapshot): also in
			 * the copy the stats keep for when the owner is gone */
			struct lock_key k = { .lock = addr, .gen = cur->gen };
			struct lock_entry *e = bpf_map_lookup_elem(&lock_stats, &k);

			cur->pid = pid;
			if (e)
				e->o.pid = pid;
		}
		return;
	}
	o.gen = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&lock_owners, &addr, &o, BPF_ANY))
		drop(DROP_LOCK_OWNERS_FULL);
}

static __always_inline void own_ioas_locks(struct iommufd_ioas *ioas, __u32 id,
					   __u32 pid)
{
	__u64 base = (__u64)ioas;

	own_lock(base + bpf_core_field_offset(struct iommufd_ioas, mutex),
		 LK_IOAS_MUTEX, id, pid);
	own_lock(base + bpf_core_field_offset(struct iommufd_ioas, iopt.iova_rwsem),
		 LK_IOVA_RWSEM, id, pid);
	own_lock(base + bpf_core_field_offset(struct iommufd_ioas, iopt.domains_rwsem),
		 LK_DOMAINS_RWSEM, id, pid);
}

/* --- owner destroyed ------------------------------------------------------
 * The lock's owner entry goes; its lock_stats/lock_waiters rows, keyed by
 * the old generation, stay until user space has folded them (collect()),
 * and a wait in progress still ends in them.
 */
static __always_inline void lock_disown(__u64 addr)
{
	/* Most locks were never contended and have no entry: a lookup takes
	 * no bucket lock, a delete does (every 4 KiB map's last unpin) */
	if (bpf_map_lookup_elem(&lock_owners, &addr))
		bpf_map_delete_elem(&lock_owners, &addr);
}

static __always_inline void lock_disown_ioas(struct iommufd_ioas *ioas)
{
	__u64 base = (__u64)ioas;

	lock_disown(base + bpf_core_field_offset(struct iommufd_ioas, mutex));
	lock_disown(base + bpf_core_field_offset(struct iommufd_ioas, iopt.iova_rwsem));
	lock_disown(base + bpf_core_field_offset(struct iommufd_ioas, iopt.domains_rwsem));
}

static __always_inline void lock_disown_pages(struct iopt_pages *pages)
{
	lock_disown((__u64)pages + bpf_core_field_offset(struct iopt_pages, mutex));
}

static __always_inline void lock_disown_access(struct iommufd_access *access)
{
	lock_disown((__u64)access +
		    bpf_core_field_offset(struct iommufd_access, ioas_lock));
}

/* --- VT-d locks --------------------------------------------------------- */

/* The locks of a DMAR unit and of a domain attached to it
 * (intel_iommu:dmar_domain_attach) */
static __always_inline void vtd_domain_locks(struct intel_iommu *iommu,
					     struct iommu_domain *domain)
{
	__u32 seq = BPF_CORE_READ(iommu, seq_id);
	struct q_inval *qi = BPF_CORE_READ(iommu, qi);
	unsigned int type = BPF_CORE_READ(domain, type);

	/* A DMAR domain (paging, nested, SVA): not blocking nor identity */
	if (type & ((1U << 0) | (1U << 4) | (1U << 6)))
		own_lock((__u64)domain -
			 bpf_core_field_offset(struct dmar_domain, domain) +
			 bpf_core_field_offset(struct dmar_domain, lock),
			 LK_DMAR_DOMAIN_LOCK, seq, 0);
	own_lock((__u64)iommu + bpf_core_field_offset(struct intel_iommu, lock),
		 LK_INTEL_IOMMU_LOCK, seq, 0);
	if (qi)
		own_lock((__u64)qi + bpf_core_field_offset(struct q_inval, q_lock),
			 LK_QI_LOCK, seq, 0);
}

/* --- lock contention ---------------------------------------------------- */

/*
 * The caller filter: walk the stack's frames, skipping locking and tracing
 * code, and keep the stack if the first other frame is in an iommufd/VT-d
 * range.  One bpf_loop() step is one step of the binary search of
 * caller_ranges for the current frame (bounded loops with a search inside
 * are too many states for the verifier).
 */
struct caller_walk {
	__u32 frame;		/* the frame being looked up */
	__u32 nframes;
	__u32 lo, hi;		/* binary search bounds in caller_ranges */
	__u32 keep;
};

static long caller_walk_step(__u32 i, void *arg)
{
	struct caller_walk *w = arg;
	struct caller_range *r;
	__u32 zero = 0, mid;
	__u64 *ips, ip;

	if (w->frame >= w->nframes || w->lo >= w->hi)
		return 1;	/* out of frames, or not in a range: not ours */
	ips = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!ips)
		return 1;
	ip = ips[w->frame & (IT_TOP_STACK - 1)];
	mid = (w->lo + w->hi) / 2;
	r = &caller_ranges[mid & (IT_TOP_CALLER_RANGES - 1)];
	if (ip < r->start) {
		w->hi = mid;
	} else if (ip >= r->end) {
		w->lo = mid + 1;
	} else if (r->cls == CALLER_SKIP) {
		w->frame++;	/* locking or tracing: the next frame */
		w->lo = 0;
		w->hi = caller_nranges;
		if (w->hi > IT_TOP_CALLER_RANGES)
			w->hi = IT_TOP_CALLER_RANGES;
	} else {
		w->keep = r->cls == CALLER_IOMMU;
		return 1;
	}
	return 0;
}

/* Is the first frame outside locking and tracing an iommufd/VT-d one? */
static __always_inline bool caller_keep(void *ctx)
{
	struct caller_walk w = {};
	__u32 zero = 0;
	__u64 *ips = bpf_map_lookup_elem(&stack_scratch, &zero);
	long n;

	if (!ips)
		return false;
	n = bpf_get_stack(ctx, ips, IT_TOP_STACK * sizeof(__u64),
			  IT_TOP_STACK_SKIP);
	if (n <= 0)
		return false;
	w.nframes = n / sizeof(__u64);
	w.hi = caller_nranges;
	if (w.hi > IT_TOP_CALLER_RANGES)
		w.hi = IT_TOP_CALLER_RANGES;
	/* at most 14 search steps (2^13 ranges) per frame */
	bpf_loop(IT_TOP_STACK * 14, caller_walk_step, &w, 0);
	return w.keep;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	struct lock_owner *o;
	struct wait_start *w;
	__u32 zero = 0, t = tid();

	if ((flags & (LCB_F_SPIN | LCB_F_MUTEX)) == LCB_F_SPIN) {
		w = bpf_map_lookup_elem(&waiting_cpu, &zero);
	} else {
		w = bpf_map_lookup_elem(&waiting, &t);
		if (!w) {
			struct wait_start ws = {};

			if (bpf_map_update_elem(&waiting, &t, &ws, BPF_NOEXIST)) {
				drop(DROP_WAITING_FULL);
				return 0;
			}
			w = bpf_map_lookup_elem(&waiting, &t);
		}
	}
	/* Do not update the element for nested locks (perf) */
	if (!w || w->lock)
		return 0;
	o = bpf_map_lookup_elem(&lock_owners, &lock);
	if (!o)
		o = lock_learn((__u64)lock);	/* the includer's */
	w->known = o != NULL;
	if (o)
		w->o = *o;
	w->ts = bpf_ktime_get_ns();
	w->lock = (__u64)lock;
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end, void *lock, int ret)
{
	__u64 now = bpf_ktime_get_ns(), id = bpf_get_current_pid_tgid(), wait;
	struct lock_waiter_key wk = { .lock = (__u64)lock };
	struct lock_key key = { .lock = (__u64)lock };
	struct lock_entry *e, first = {};
	struct lock_waiter *wt, wzero = {};
	struct lock_owner o;
	struct wait_start *w;
	__u32 t = (__u32)id, zero = 0;
	bool known, task = false;

	/* This CPU's spinning wait if one is in progress (a task cannot go
	 * to sleep on a lock while spinning on another), else the task's */
	w = bpf_map_lookup_elem(&waiting_cpu, &zero);
	if (w && w->lock) {
		if (w->lock != (__u64)lock)
			return 0;	/* the end of a nested wait */
	} else {
		w = bpf_map_lookup_elem(&waiting, &t);
		if (!w || w->lock != (__u64)lock)
			return 0;
		task = true;
	}
	wait = now - w->ts;
	known = w->known;
	o = w->o;
	w->lock = 0;
	if (task)
		bpf_map_delete_elem(&waiting, &t);
	if ((__s64)wait < 0) {
		drop(DROP_TIME);
		return 0;
	}

	if (!known) {
		struct caller_stat *cs, czero = {};
		long sid;
		__u32 k;

		if (!caller_keep(ctx))
			return 0;
		sid = bpf_get_stackid(ctx, &stacks,
				      IT_TOP_STACK_SKIP | BPF_F_FAST_STACK_CMP);
		if (sid < 0) {
			drop(DROP_STACK);
			return 0;
		}
		k = sid;
		cs = bpf_map_lookup_elem(&caller_stats, &k);
		if (!cs) {
			bpf_map_update_elem(&caller_stats, &k, &czero, BPF_NOEXIST);
			cs = bpf_map_lookup_elem(&caller_stats, &k);
			if (!cs) {
				drop(DROP_CALLERS_FULL);
				return 0;
			}
		}
		__sync_fetch_and_add(&cs->st.contended, 1);
		__sync_fetch_and_add(&cs->st.wait_ns, wait);
		if (wait > cs->st.max_ns)
			cs->st.max_ns = wait;
		bpf_get_current_comm(cs->comm, sizeof(cs->comm));
		return 0;
	}

	key.gen = o.gen;
	e = bpf_map_lookup_elem(&lock_stats, &key);
	if (!e) {
		first.o = o;
		bpf_map_update_elem(&lock_stats, &key, &first, BPF_NOEXIST);
		e = bpf_map_lookup_elem(&lock_stats, &key);
		if (!e) {
			drop(DROP_LOCK_STATS_FULL);
			return 0;
		}
	}
	__sync_fetch_and_add(&e->st.contended, 1);
	__sync_fetch_and_add(&e->st.wait_ns, wait);
	if (wait > e->st.max_ns)
		e->st.max_ns = wait;

	wk.gen = o.gen;
	wk.tgid = id >> 32;
	wt = bpf_map_lookup_elem(&lock_waiters, &wk);
	if (!wt) {
		bpf_get_current_comm(wzero.comm, sizeof(wzero.comm));
		bpf_map_update_elem(&lock_waiters, &wk, &wzero, BPF_NOEXIST);
		wt = bpf_map_lookup_elem(&lock_waiters, &wk);
		if (!wt) {
			drop(DROP_LOCK_WAITERS_FULL);
			return 0;
		}
	}
	__sync_fetch_and_add(&wt->contended, 1);
	__sync_fetch_and_add(&wt->wait_ns, wait);
	return 0;
}

#endif /* __LOCKS_BPF_H */
