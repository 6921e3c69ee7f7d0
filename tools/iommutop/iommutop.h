/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iommutop.h - the state iommutop's BPF programs aggregate in maps, shared
 * by iommutop.bpf.c and iommutop.c.  Keys are kernel object addresses: they
 * are unique while the object lives and never printed.
 */
#ifndef __IOMMUTOP_H
#define __IOMMUTOP_H

/*
 * The events iommutop keeps state from (decode.bpf.h's programs of the
 * others are not loaded).  Needs iommutrace.h.
 */
#define IT_TOP_EVENT(t)	(1ULL << (t))
#define IOMMUTOP_EVENTS							\
	(IT_TOP_EVENT(IT_IOAS_ALLOC) | IT_TOP_EVENT(IT_IOAS_DESTROY) |	\
	 IT_TOP_EVENT(IT_IOAS_MAP) | IT_TOP_EVENT(IT_IOAS_UNMAP) |	\
	 IT_TOP_EVENT(IT_IOAS_COPY) | IT_TOP_EVENT(IT_PAGES_PIN) |	\
	 IT_TOP_EVENT(IT_PAGES_UNPIN) | IT_TOP_EVENT(IT_HWPT_ALLOC) |	\
	 IT_TOP_EVENT(IT_HWPT_DESTROY) | IT_TOP_EVENT(IT_DEVICE_ATTACH) | \
	 IT_TOP_EVENT(IT_DEVICE_REPLACE) | IT_TOP_EVENT(IT_DEVICE_DETACH) | \
	 IT_TOP_EVENT(IT_ACCESS_CHANGE_IOAS) | IT_TOP_EVENT(IT_ACCESS_PIN) | \
	 IT_TOP_EVENT(IT_GROUP_SETUP_MSI) | IT_TOP_EVENT(IT_VTD_ENFORCE_CC) | \
	 IT_TOP_EVENT(IT_VTD_DOMAIN_ATTACH) | IT_TOP_EVENT(IT_VTD_DMA_FAULT) | \
	 IT_TOP_EVENT(IT_ACCESS_DESTROY))

#define IT_TOP_COMM_LEN	16
#define IT_TOP_HIST	32	/* log2(ns) buckets */

/* Operations whose errors are counted apart (ioas_stat.op_errors) */
enum ioas_op {
	IOAS_OP_MAP,			/* IOMMU_IOAS_MAP, VFIO_IOMMU_MAP_DMA */
	IOAS_OP_UNMAP,		/* IOMMU_IOAS_UNMAP, VFIO_IOMMU_UNMAP_DMA */
	IOAS_OP_COPY,		/* IOMMU_IOAS_COPY */
	IOAS_OP_PIN,			/* page pinning and its memlock charge */
	IOAS_OP_ATTACH,		/* device attach/replace */
	IOAS_OP_OTHER,
	IT_TOP_OPS,
};

/* VT-d DMA faults of one device, in the stat of the IOAS it is attached to */
#define IT_TOP_FAULT_DEVS	4
#define IT_TOP_DEV_LEN		32

struct fault_dev {
	char name[IT_TOP_DEV_LEN];	/* device name, e.g. 0000:00:06.0 */
	__u64 faults;
};

/* ioas_stats: struct iommufd_ioas * -> struct ioas_stat */
enum cc_state {
	CC_NONE,		/* no HWPT seen */
	CC_OFF,			/* HWPT does not enforce (device not capable) */
	CC_ENFORCED,		/* every HWPT enforces snoop control */
	CC_REFUSED,		/* the IOMMU driver refused: see cc_reason */
};

struct ioas_stat {
	__u32 id;			/* uAPI IOAS id */
	__u32 pid;			/* creator's tgid, or for an IOAS
					 * that existed at start-up the
					 * holder of its iommufd file */
	char comm[IT_TOP_COMM_LEN];	/* that process's comm */
	__u8 preexisting;		/* existed when iommutop started:
					 * state read from the objects */
	__u8 cc;			/* enum cc_state */
	__u8 cc_reason;			/* VT-d reason when refused, 0xff none */
	__u8 charge;			/* how its pins are charged: 0 not
					 * known yet, else 1 + iopt_pages'
					 * account_mode (none, user, mm) */
	__u8 type1;			/* a VFIO type1 container (probe
					 * mode), not an iommufd IOAS: id is
					 * iommutop's number for it, ndevs
					 * its groups */
	__u8 pad[3];
	__s32 ndevs;			/* devices attached (through a HWPT) */
	__s32 naccess;			/* accesses attached */
	__s32 nhwpt;			/* paging HWPTs on this IOAS */
	__s32 nhwpt_nested;		/* nested HWPTs whose parent maps it */
	__s64 mapped;			/* bytes mapped (map + copy - unmapped) */
	__s64 pinned;			/* pages pinned by operations on it */
	__u64 maps, unmaps, copies, pins, unpins;	/* cumulative counts */
	__u64 errors;			/* operations that returned an error */
	__u64 op_errors[IT_TOP_OPS];	/* ... by enum ioas_op */
	__u64 events;			/* iommutrace events applied to it */
	__u64 last_ns;			/* bpf_ktime_get_ns() of the last event */
	__u64 lat_count, lat_sum_ns;	/* map latency, from ioctl entry */
	__u64 lat_hist[IT_TOP_HIST];	/* map latency, log2(ns) buckets */
	__u64 faults;			/* VT-d DMA faults (intel_iommu:dmar_fault)
					 * of devices attached to it */
	struct fault_dev fault_devs[IT_TOP_FAULT_DEVS];	/* ... per device:
					 * the first IT_TOP_FAULT_DEVS devices
					 * that faulted (faults counts all) */
};

/* Lock kinds, by what owns them */
enum lock_kind {
	LK_IOAS_MUTEX,		/* iommufd_ioas::mutex */
	LK_IOVA_RWSEM,		/* io_pagetable::iova_rwsem */
	LK_DOMAINS_RWSEM,	/* io_pagetable::domains_rwsem */
	LK_PAGES_MUTEX,		/* iopt_pages::mutex */
	LK_ACCESS_IOAS_LOCK,	/* iommufd_access::ioas_lock */
	LK_IGROUP_LOCK,		/* iommufd_group::lock */
	LK_DMAR_DOMAIN_LOCK,	/* dmar_domain::lock */
	LK_INTEL_IOMMU_LOCK,	/* intel_iommu::lock */
	LK_QI_LOCK,		/* q_inval::q_lock */
	LK_TYPE1_LOCK,		/* vfio_iommu::lock (a type1 container) */
	LK_NR,
};

/*
 * Why a BPF program dropped something (a map update that did not fit, a
 * stack it could not take, ...): drops[] in the BPF object, by cause.
 */
enum drop_cause {
	DROP_IOAS_FULL,		/* ioas_stats full: an IOAS not tracked */
	DROP_MEMBERS_FULL,	/* members full: a HWPT/device/access not counted */
	DROP_PAGES_OWNER_FULL,	/* pages_owner full: pins not charged */
	DROP_FAULT_DEV_FULL,	/* fault_dev_ioas full: faults not attributed */
	DROP_LOCK_OWNERS_FULL,	/* lock_owners full: a lock not learnt */
	DROP_LOCK_STATS_FULL,	/* lock_stats full: a contention lost */
	DROP_LOCK_WAITERS_FULL,	/* lock_waiters full: a waiter not named */
	DROP_CALLERS_FULL,	/* caller_stats full: a caller's contention lost */
	DROP_WAITING_FULL,	/* waiting (per task) full: a wait not timed */
	DROP_STACK,		/* bpf_get_stackid() failed (stacks full) */
	DROP_TIME,		/* a wait that ended before it began */
	DROP_TID_IOAS,		/* the thread's IOAS not stored: pins not charged */
	DROP_NR,
};

/* lock_owners: lock address -> who owns it, since when */
struct lock_owner {
	__u8 kind;		/* enum lock_kind */
	__u8 pad[3];
	__u32 id;		/* IOAS id (iommufd locks), HWPT id (igroup),
				 * access id, DMAR unit seq_id (VT-d) */
	__u32 pid;		/* the owning IOAS's creator (ids are per
				 * iommufd file), or the task that was seen
				 * using the lock; 0: unknown */
	__u32 pad2;
	__u64 gen;		/* generation: bpf_ktime_get_ns() when this
				 * owner was learnt; a new owner of the same
				 * address (reuse after free) has a new one */
};

/* Contention totals */
struct lock_stat {
	__u64 contended;	/* contention_begin .. end pairs */
	__u64 wait_ns;		/* total wait */
	__u64 max_ns;		/* longest wait */
};

/*
 * lock_stats: (lock address, owner generation) -> the owner and its
 * contention.  The owner's entry in lock_owners is deleted when the owner
 * is destroyed (lock_disown*()); user space then folds the (address,
 * generation) rows that have no live owner into its own table and deletes
 * them from the map, so the map holds live owners only, and a new owner at
 * the same address starts from zero.
 */
struct lock_key {
	__u64 lock;
	__u64 gen;
};

struct lock_entry {
	struct lock_owner o;	/* copy, for rows whose owner is gone */
	struct lock_stat st;
};

/* lock_waiters: (lock address, generation, tgid) -> what it waited */
struct lock_waiter_key {
	__u64 lock;
	__u64 gen;
	__u32 tgid;
	__u32 pad;
};

struct lock_waiter {
	__u64 wait_ns;
	__u64 contended;
	char comm[IT_TOP_COMM_LEN];
};

/*
 * caller_stats: contention on a lock no event has named, by kernel stack
 * (the id of the stack in the "stacks" stack map, taken at contention_end
 * without the BPF and tracing frames).  Only stacks whose first frame
 * outside locking and tracing is an iommufd or VT-d function are kept: the
 * BPF side checks the frames against caller_ranges, which user space fills
 * from /proc/kallsyms at start-up (enum caller_class).
 */
#define IT_TOP_STACK	16	/* frames kept per stack */
#define IT_TOP_STACK_SKIP 2	/* BPF program and bpf_trace_run2 */

struct caller_stat {
	struct lock_stat st;
	char comm[IT_TOP_COMM_LEN];	/* last process that waited */
};

enum caller_class {
	CALLER_OTHER,		/* stops the walk: not ours */
	CALLER_SKIP,		/* locking or tracing code: look further */
	CALLER_IOMMU,		/* an iommufd / VT-d function: keep */
};

/* A text address range of one class, [start, end); sorted, disjoint */
#define IT_TOP_CALLER_RANGES	8192	/* power of two */

struct caller_range {
	__u64 start;
	__u64 end;
	__u32 cls;		/* enum caller_class */
	__u32 pad;
};

#endif /* __IOMMUTOP_H */
