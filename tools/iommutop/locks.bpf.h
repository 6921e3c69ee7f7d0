/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * locks.bpf.h - iommutop's lock contention: which lock addresses belong to
 * an IOAS, HWPT, access or DMAR unit (lock_own(), learnt from the objects
 * the iommutrace events pass), and lock:contention_begin/end accounted for
 * them, or by caller for locks no event named.  Included once, by
 * iommutop.bpf.c, after tid() and drop().
 */
#ifndef __LOCKS_BPF_H
#define __LOCKS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, __u64);
	__type(value, struct lock_owner);
} lock_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, __u64);
	__type(value, struct lock_stat);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LOCKS);
	__type(key, struct lock_waiter_key);
	__type(value, struct lock_waiter);
} lock_waiters SEC(".maps");

struct wait_start {
	__u64 lock;
	__u64 ts;
	bool known;			/* lock_owners has it */
	struct caller_key caller;	/* else: the stack, for the fallback */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct caller_key);
	__type(value, struct caller_stat);
} caller_stats SEC(".maps");

/* A sleeping wait (mutex, rwsem), per task */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct wait_start);
} waiting SEC(".maps");

/* A spinning wait (LCB_F_SPIN: the task does not sleep), per CPU: an
 * interrupt's spin on this CPU, or a rwsem waiter re-taking its wait_lock,
 * does not touch the task's outer wait */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wait_start);
} waiting_cpu SEC(".maps");

/* The initial value of a task's waiting entry (too big for the stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wait_start);
} wait_scratch SEC(".maps");

static __always_inline void own_lock(__u64 addr, int kind, __u32 id,
				     __u32 pid)
{
	struct lock_owner o = { .kind = kind, .id = id, .pid = pid };

	if (bpf_map_update_elem(&lock_owners, &addr, &o, BPF_ANY))
		__sync_fetch_and_add(&dropped, 1);
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

#define LCB_F_SPIN	(1U << 0)	/* include/trace/events/lock.h */

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	struct wait_start *w;
	__u32 zero = 0, t = tid();

	if (flags & LCB_F_SPIN) {
		w = bpf_map_lookup_elem(&waiting_cpu, &zero);
	} else {
		w = bpf_map_lookup_elem(&waiting, &t);
		if (!w) {
			struct wait_start *scratch = bpf_map_lookup_elem(&wait_scratch, &zero);

			if (!scratch)
				return 0;
			scratch->lock = 0;
			bpf_map_update_elem(&waiting, &t, scratch, BPF_NOEXIST);
			w = bpf_map_lookup_elem(&waiting, &t);
		}
	}
	/* A wait already in progress here: this one is nested in it (perf's
	 * lock contention does the same): keep the outer one */
	if (!w || w->lock)
		return 0;
	w->known = bpf_map_lookup_elem(&lock_owners, &lock) != NULL;
	if (!w->known) {
		/* Fallback: remember where it was taken; user space keeps
		 * the iommufd and VT-d callers */
		__builtin_memset(&w->caller, 0, sizeof(w->caller));
		if (bpf_get_stack(ctx, w->caller.ips, sizeof(w->caller.ips), 0) <= 0)
			return 0;
	}
	w->ts = bpf_ktime_get_ns();
	w->lock = (__u64)lock;
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end, void *lock, int ret)
{
	struct lock_waiter_key wk = { .lock = (__u64)lock };
	struct lock_stat *st, szero = {};
	struct lock_waiter *wt, wzero = {};
	struct caller_key caller;
	struct wait_start *w;
	__u64 id = bpf_get_current_pid_tgid(), wait;
	__u32 t = (__u32)id, zero = 0;
	bool known;

	/* The task's sleeping wait, else this CPU's spinning one, if it is
	 * for this lock (else the end of a nested wait: ignored) */
	w = bpf_map_lookup_elem(&waiting, &t);
	if (w && w->lock == (__u64)lock) {
		wait = bpf_ktime_get_ns() - w->ts;
		known = w->known;
		caller = w->caller;
		bpf_map_delete_elem(&waiting, &t);
	} else {
		w = bpf_map_lookup_elem(&waiting_cpu, &zero);
		if (!w || w->lock != (__u64)lock)
			return 0;
		wait = bpf_ktime_get_ns() - w->ts;
		known = w->known;
		caller = w->caller;
		w->lock = 0;	/* this CPU's next spin is not nested */
	}
	if (!known) {
		struct caller_stat *cs, czero = {};

		cs = bpf_map_lookup_elem(&caller_stats, &caller);
		if (!cs) {
			bpf_map_update_elem(&caller_stats, &caller, &czero,
					    BPF_NOEXIST);
			cs = bpf_map_lookup_elem(&caller_stats, &caller);
		}
		if (!cs) {
			__sync_fetch_and_add(&dropped, 1);
			return 0;
		}
		__sync_fetch_and_add(&cs->st.contended, 1);
		__sync_fetch_and_add(&cs->st.wait_ns, wait);
		if (wait > cs->st.max_ns)
			cs->st.max_ns = wait;
		bpf_get_current_comm(cs->comm, sizeof(cs->comm));
		return 0;
	}
	wk.tgid = id >> 32;
	st = bpf_map_lookup_elem(&lock_stats, &wk.lock);
	if (!st) {
		bpf_map_update_elem(&lock_stats, &wk.lock, &szero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&lock_stats, &wk.lock);
		if (!st) {
			__sync_fetch_and_add(&dropped, 1);
			return 0;
		}
	}
	__sync_fetch_and_add(&st->contended, 1);
	__sync_fetch_and_add(&st->wait_ns, wait);
	if (wait > st->max_ns)
		st->max_ns = wait;

	wt = bpf_map_lookup_elem(&lock_waiters, &wk);
	if (!wt) {
		bpf_get_current_comm(wzero.comm, sizeof(wzero.comm));
		bpf_map_update_elem(&lock_waiters, &wk, &wzero, BPF_NOEXIST);
		wt = bpf_map_lookup_elem(&lock_waiters, &wk);
		if (!wt)
			return 0;
	}
	__sync_fetch_and_add(&wt->contended, 1);
	__sync_fetch_and_add(&wt->wait_ns, wait);
	return 0;
}

#endif /* __LOCKS_BPF_H */
