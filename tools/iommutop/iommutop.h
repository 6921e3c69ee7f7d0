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
	 IT_TOP_EVENT(IT_VTD_DOMAIN_ATTACH) | IT_TOP_EVENT(IT_VTD_DMA_FAULT))

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
	LK_NR,
};

/* lock_owner: lock address -> who owns it */
struct lock_owner {
	__u8 kind;		/* enum lock_kind */
	__u8 pad[3];
	__u32 id;		/* IOAS id (iommufd locks), HWPT id (igroup),
				 * access id, DMAR unit seq_id (VT-d) */
	__u32 pid;		/* the owning IOAS's creator (ids are per
				 * iommufd file), or the task that was seen
				 * using the lock; 0: unknown */
};

/* lock_stats: lock address -> contention totals */
struct lock_stat {
	__u64 contended;	/* contention_begin .. end pairs */
	__u64 wait_ns;		/* total wait */
	__u64 max_ns;		/* longest wait */
};

/* lock_waiters: (lock address, tgid) -> what that process waited */
struct lock_waiter_key {
	__u64 lock;
	__u32 tgid;
	__u32 pad;
};

struct lock_waiter {
	__u64 wait_ns;
	__u64 contended;
	char comm[IT_TOP_COMM_LEN];
};

/*
 * caller_stats: contention on a lock no event has named, keyed by the
 * kernel stack at contention_begin (user space resolves the first frame
 * outside the locking code: the caller, and keeps iommufd/VT-d callers)
 */
#define IT_TOP_STACK	8

struct caller_key {
	__u64 ips[IT_TOP_STACK];
};

struct caller_stat {
	struct lock_stat st;
	char comm[IT_TOP_COMM_LEN];	/* last process that waited */
};

#endif /* __IOMMUTOP_H */
