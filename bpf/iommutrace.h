/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iommutrace.h - what the BPF programs and the tools share: the list of
 * traced events and the record one event produces.  Included by BPF code
 * (after vmlinux.h) and by user space (after <linux/types.h>).
 */
#ifndef __IOMMUTRACE_H
#define __IOMMUTRACE_H

#define IT_COMM_LEN	16
#define IT_NAME_LEN	32

/*
 * X(enum suffix, tracepoint name, trace system).  The order is the ABI
 * between BPF and user space of one build only; names are what users see.
 */
#define IOMMUTRACE_EVENTS(X)						\
	X(IOAS_ALLOC,		iommufd_ioas_alloc,		iommufd)	\
	X(IOAS_DESTROY,		iommufd_ioas_destroy,		iommufd)	\
	X(HWPT_ALLOC,		iommufd_hwpt_alloc,		iommufd)	\
	X(HWPT_DESTROY,		iommufd_hwpt_destroy,		iommufd)	\
	X(DEVICE_BIND,		iommufd_device_bind,		iommufd)	\
	X(DEVICE_UNBIND,	iommufd_device_unbind,		iommufd)	\
	X(ACCESS_CREATE,	iommufd_access_create,		iommufd)	\
	X(ACCESS_DESTROY,	iommufd_access_destroy,		iommufd)	\
	X(DEVICE_ATTACH,	iommufd_device_attach,		iommufd)	\
	X(DEVICE_REPLACE,	iommufd_device_replace,		iommufd)	\
	X(DEVICE_DETACH,	iommufd_device_detach,		iommufd)	\
	X(ACCESS_CHANGE_IOAS,	iommufd_access_change_ioas,	iommufd)	\
	X(ACCESS_UNMAP_BEGIN,	iommufd_access_unmap_begin,	iommufd)	\
	X(ACCESS_UNMAP_END,	iommufd_access_unmap_end,	iommufd)	\
	X(IOAS_MAP,		iommufd_ioas_map,		iommufd)	\
	X(IOAS_UNMAP,		iommufd_ioas_unmap,		iommufd)	\
	X(IOAS_COPY,		iommufd_ioas_copy,		iommufd)	\
	X(PAGES_PIN,		iommufd_pages_pin,		iommufd)	\
	X(PAGES_UNPIN,		iommufd_pages_unpin,		iommufd)	\
	X(PAGES_PIN_FAIL,	iommufd_pages_pin_fail,		iommufd)	\
	X(ACCESS_PIN,		iommufd_access_pin,		iommufd)	\
	X(ACCESS_UNPIN,		iommufd_access_unpin,		iommufd)	\
	X(GROUP_SETUP_MSI,	iommufd_group_setup_msi,	iommufd)	\
	X(HWPT_INVALIDATE,	iommufd_hwpt_invalidate,	iommufd)	\
	X(HWPT_SET_DIRTY,	iommufd_hwpt_set_dirty_tracking, iommufd)	\
	X(HWPT_GET_DIRTY,	iommufd_hwpt_get_dirty_bitmap,	iommufd)	\
	X(FAULT_DELIVER,	iommufd_fault_deliver,		iommufd)	\
	X(FAULT_RESPOND,	iommufd_fault_respond,		iommufd)	\
	X(VTD_ENFORCE_CC,	dmar_enforce_cc,		intel_iommu)	\
	X(VTD_DOMAIN_ATTACH,	dmar_domain_attach,		intel_iommu)	\
	X(VTD_DOMAIN_DETACH,	dmar_domain_detach,		intel_iommu)	\
	X(VTD_PASID_SETUP,	dmar_pasid_setup,		intel_iommu)	\
	X(VTD_PASID_TEARDOWN,	dmar_pasid_teardown,		intel_iommu)	\
	X(VTD_DMA_FAULT,	dmar_fault,			intel_iommu)	\
	X(VTD_QI_WAIT,		dmar_qi_wait,			intel_iommu)

#define IT_ENUM(e, name, sys)	IT_##e,
enum iommutrace_event_type {
	IOMMUTRACE_EVENTS(IT_ENUM)
	IT_NR_EVENTS
};
#undef IT_ENUM

/*
 * One traced event, as the tracepoint's fields say it (docs/events.md).
 * Fields an event does not have are 0.  Units: ns, bytes (iova, length,
 * unmapped, user_va, page_size), PAGE_SIZE pages (npages, npinned, total,
 * locked, limit).
 */
struct iommutrace_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 lat_ns;		/* since entry of the iommufd ioctl, 0: none */
	__u64 iova;		/* map, unmap, access pin, fault addr; copy: src */
	__u64 iova2;		/* copy: destination IOVA */
	__u64 length;		/* bytes */
	__u64 unmapped;		/* unmap: bytes actually unmapped */
	__u64 user_va;		/* map, pin, pin_fail: user address */
	__u64 npages;		/* pin/unpin: pages (un)charged; pin_fail: asked */
	__u64 npinned;		/* pin/unpin: pinned pages of the range after */
	__u64 total;		/* pin/unpin: pages of the range */
	__u64 locked;		/* pin/unpin: locked_vm charged, after */
	__u64 limit;		/* pin/unpin: RLIMIT_MEMLOCK of the charged pid */
	__u64 page_size;	/* get_dirty_bitmap: bytes per bit */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ioas;		/* IOAS id; copy: source; access: old IOAS */
	__u32 ioas2;		/* copy: destination; access: new IOAS */
	__u32 unpin_ioas;	/* access change/pin: access->ioas_unpin */
	__u32 hwpt;		/* HWPT id (attach/replace: the one tried) */
	__u32 hwpt2;		/* replace: old HWPT */
	__u32 dev;		/* iommufd device id */
	__u32 access;		/* access id */
	__u32 pt;		/* hwpt_alloc, attach/replace: id user space gave */
	__u32 flags;		/* the event's uAPI flags; fault: perm */
	__u32 data_type;	/* hwpt_alloc, invalidate */
	__u32 count;		/* attach/replace/detach: devices of the group
				 * attached after; invalidate: entries asked;
				 * fault_deliver: faults in the group */
	__u32 done;		/* invalidate: entries handled */
	__u32 fault;		/* fault object id */
	__u32 grpid;		/* fault: page request group index */
	__u32 cookie;		/* fault_respond */
	__u32 uid;		/* pin/unpin: charged uid */
	__u32 mem_pid;		/* pin/unpin/pin_fail: whose memory (tgid) */
	__u32 pasid;		/* VT-d, fault: PASID */
	__u32 did;		/* VT-d domain id */
	__s32 ret;		/* 0 or -errno */
	__u16 type;		/* enum iommutrace_event_type */
	__u8 auto_domain;	/* hwpt_alloc: automatic domain;
				 * fault_respond: iommufd answered itself */
	__u8 enforced;		/* HWPT enforces coherency (bind: capable);
				 * set_dirty: enable; msi: new cookie */
	__u8 reason;		/* VT-d cc/attach reason, PASID pgtt, pin mode;
				 * fault_respond: code */
	__u8 nested;		/* HWPT is nested */
	__u8 compat;		/* map/unmap: VFIO type1 compat ioctl */
	__u8 injected;		/* pin_fail: fault injection */
	__u8 remote;		/* pin_fail: pinning another process's memory */
	__u8 pad[7];
	char comm[IT_COMM_LEN];
	char name[IT_NAME_LEN];	/* device name (e.g. 0000:00:04.0) */
	/* VT-d events */
	__u64 wait_ns;		/* qi_wait: ns qi_submit_sync() waited */
	__u32 ndesc;		/* qi_wait: descriptors submitted */
	__u16 qi_types;		/* qi_wait: bit n set: descriptor type n */
	__u16 old_did;		/* pasid_setup -EBUSY: did of the entry found */
	__u8 dom_type;		/* attach/detach: enum it_vtd_dom */
	__u8 state;		/* pasid_teardown: enum it_pasid_state;
				 * qi_wait: 1 if the wait drains page requests */
	__u8 vtd_pad[6];
	char iommu[IT_COMM_LEN];	/* VT-d events: the IOMMU (dmar0) */
};

/* The kernel's enum dmar_trace_dom: the kind of domain attached */
enum it_vtd_dom {
	IT_VTD_BLOCKED, IT_VTD_IDENTITY, IT_VTD_FIRST_LEVEL,
	IT_VTD_SECOND_LEVEL, IT_VTD_NESTED, IT_VTD_SVA,
};

/*
 * DMA fault history.  Per IOAS, the last IT_HIST_OPS successful map, copy
 * (into the IOAS) and unmap operations are kept in a ring; a fault on a
 * device attached to that IOAS is matched against it, newest first.
 */
#define IT_HIST_OPS	64	/* power of 2 */
#define IT_REASON_LEN	64

enum it_hist_kind { IT_HIST_MAP, IT_HIST_UNMAP, IT_HIST_COPY };

/* What the search found for the last map (or unmap) covering the address */
enum it_hist_state {
	IT_HIST_FOUND,		/* in the ring */
	IT_HIST_NEVER,		/* none since tracing began (ring never wrapped) */
	IT_HIST_WRAPPED,	/* not among the last IT_HIST_OPS operations */
	IT_HIST_NO_IOAS,	/* device's IOAS unknown: attached before tracing */
};

struct it_hist_op {		/* 48 bytes */
	__u64 ts_ns;		/* CLOCK_MONOTONIC, when the operation returned */
	__u64 iova;		/* bytes */
	__u64 length;		/* bytes, as asked (unmap all: UINT64_MAX) */
	__u32 pid;		/* tgid */
	__u8 kind;		/* enum it_hist_kind */
	__u8 pad[3];
	char comm[IT_COMM_LEN];
};

/* The tail of an IT_VTD_DMA_FAULT record (after struct iommutrace_event,
 * whose iova is the fault address, reason the fault reason code, pasid,
 * did (-1: none), name the device, dev/ioas/hwpt its iommufd attachment) */
struct it_fault {
	struct it_hist_op last_map;	/* valid if map_state == IT_HIST_FOUND */
	struct it_hist_op last_unmap;	/* valid if unmap_state == ... */
	__u64 hist_ops;		/* operations recorded on the IOAS while traced */
	__u16 segment;		/* PCI segment */
	__u16 source_id;	/* requester id: bus << 8 | devfn */
	__u8 read;		/* 1 read, 0 write */
	__u8 map_state;		/* enum it_hist_state */
	__u8 unmap_state;
	__u8 pad;
	char iommu[IT_COMM_LEN];
	char reason_str[IT_REASON_LEN];
};

struct iommutrace_fault_event {
	struct iommutrace_event e;
	struct it_fault f;
};

#endif /* __IOMMUTRACE_H */
