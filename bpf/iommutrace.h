/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iommutrace.h - the events the tools decode, defined once: which
 * tracepoints, and per tracepoint the fields of its typed event.  From
 * these lists come the structs the BPF decode layer fills (decode.bpf.h),
 * the record ioastrace sends, its text and JSON output, and its --fields
 * listing, which tests compare with docs/events.md and the perf report.
 * Included by BPF code (after vmlinux.h) and by user space (after
 * <linux/types.h>).
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

/* The same numbers by tracepoint name: IT_EV_iommufd_ioas_map */
#define IT_ENUM_BYNAME(e, name, sys)	IT_EV_##name = IT_##e,
enum iommutrace_event_name {
	IOMMUTRACE_EVENTS(IT_ENUM_BYNAME)
};
#undef IT_ENUM_BYNAME

/*
 * The fields of each event: F(event, type, name, kind), in output order.
 * The name is the tracepoint's field name (the JSON key; the text key drops
 * a trailing "_id").  Types: u8..u64, s32, strN (char[N], NUL-padded).
 * Kinds say how a value prints and what it means to a filter:
 *   DEC	decimal
 *   HEX	0x... in text, a number in JSON
 *   IOAS	an IOAS id (decimal; what --ioas matches)
 *   DEV	an iommufd device id (decimal; what --dev matches)
 *   STR	a string
 *   ACCOUNT, CODE, CC, ATTACH, PGTT, DOMTYPE, PASIDST: an enum, printed
 *	by name in text and JSON (it_enum_name())
 * Units: bytes for IOVAs, addresses and lengths; PAGE_SIZE pages for
 * npages, npinned, total_pages, locked, limit; ns for wait_ns.  Each field
 * is documented in docs/events.md, from the tracepoint's kernel-doc.
 */
#define IT_F_iommufd_ioas_alloc(F, E)	F(E, u32, ioas_id, IOAS)
#define IT_F_iommufd_ioas_destroy(F, E)	F(E, u32, ioas_id, IOAS)
#define IT_F_iommufd_hwpt_alloc(F, E)					\
	F(E, u32, hwpt_id, DEC) F(E, u32, pt_id, DEC)			\
	F(E, u32, ioas_id, IOAS) F(E, u32, dev_id, DEV)			\
	F(E, u32, flags, HEX) F(E, u32, data_type, DEC)			\
	F(E, u8, nested, DEC) F(E, u8, auto_domain, DEC)		\
	F(E, u8, enforce_cc, DEC)
#define IT_F_iommufd_hwpt_destroy(F, E)					\
	F(E, u32, hwpt_id, DEC) F(E, u32, ioas_id, IOAS) F(E, u8, nested, DEC)
#define IT_F_iommufd_device_bind(F, E)					\
	F(E, u32, dev_id, DEV) F(E, str32, device, STR)			\
	F(E, u8, cc_capable, DEC)
#define IT_F_iommufd_device_unbind(F, E)				\
	F(E, u32, dev_id, DEV) F(E, str32, device, STR)
#define IT_F_iommufd_access_create(F, E)	F(E, u32, access_id, DEC)
#define IT_F_iommufd_access_destroy(F, E)	F(E, u32, access_id, DEC)
#define IT_F_iommufd_device_attach(F, E)				\
	F(E, u32, dev_id, DEV) F(E, u32, hwpt_id, DEC)			\
	F(E, u32, ioas_id, IOAS) F(E, u32, pt_id, DEC)			\
	F(E, u8, enforce_cc, DEC) F(E, u32, group_devices, DEC)
#define IT_F_iommufd_device_replace(F, E)				\
	F(E, u32, dev_id, DEV) F(E, u32, hwpt_id, DEC)			\
	F(E, u32, old_hwpt_id, DEC) F(E, u32, ioas_id, IOAS)		\
	F(E, u32, pt_id, DEC) F(E, u8, enforce_cc, DEC)			\
	F(E, u32, group_devices, DEC)
#define IT_F_iommufd_device_detach(F, E)				\
	F(E, u32, dev_id, DEV) F(E, u32, hwpt_id, DEC)			\
	F(E, u32, ioas_id, IOAS) F(E, u32, group_devices, DEC)
#define IT_F_iommufd_access_change_ioas(F, E)				\
	F(E, u32, access_id, DEC) F(E, u32, old_ioas_id, IOAS)		\
	F(E, u32, unpin_ioas_id, IOAS) F(E, u32, new_ioas_id, IOAS)
#define IT_F_iommufd_access_unmap_begin(F, E)				\
	F(E, u32, access_id, DEC) F(E, u32, ioas_id, IOAS)		\
	F(E, u64, iova, HEX) F(E, u64, length, DEC)
#define IT_F_iommufd_access_unmap_end(F, E)				\
	IT_F_iommufd_access_unmap_begin(F, E)
#define IT_F_iommufd_ioas_map(F, E)					\
	F(E, u32, ioas_id, IOAS) F(E, u64, iova, HEX)			\
	F(E, u64, length, DEC) F(E, u64, user_va, HEX)			\
	F(E, u32, flags, HEX) F(E, u8, compat, DEC)
#define IT_F_iommufd_ioas_unmap(F, E)					\
	F(E, u32, ioas_id, IOAS) F(E, u64, iova, HEX)			\
	F(E, u64, length, DEC) F(E, u64, unmapped, DEC)			\
	F(E, u8, compat, DEC)
#define IT_F_iommufd_ioas_copy(F, E)					\
	F(E, u32, src_ioas_id, IOAS) F(E, u32, dst_ioas_id, IOAS)	\
	F(E, u64, src_iova, HEX) F(E, u64, dst_iova, HEX)		\
	F(E, u64, length, DEC) F(E, u32, flags, HEX)
#define IT_F_iommufd_pages_pin(F, E)					\
	F(E, u64, user_va, HEX) F(E, u64, npages, DEC)			\
	F(E, u64, npinned, DEC) F(E, u64, total_pages, DEC)		\
	F(E, u8, account_mode, ACCOUNT) F(E, u64, locked, DEC)		\
	F(E, u64, limit, DEC) F(E, u32, uid, DEC) F(E, u32, owner_pid, DEC)
#define IT_F_iommufd_pages_unpin(F, E)	IT_F_iommufd_pages_pin(F, E)
#define IT_F_iommufd_pages_pin_fail(F, E)				\
	F(E, u64, user_va, HEX) F(E, u64, npages, DEC)			\
	F(E, u32, owner_pid, DEC) F(E, u8, injected, DEC)		\
	F(E, u8, remote, DEC)
#define IT_F_iommufd_access_pin(F, E)					\
	F(E, u32, access_id, DEC) F(E, u32, ioas_id, IOAS)		\
	F(E, u32, unpin_ioas_id, IOAS) F(E, u64, iova, HEX)		\
	F(E, u64, length, DEC) F(E, u32, flags, HEX)
#define IT_F_iommufd_access_unpin(F, E)					\
	F(E, u32, access_id, DEC) F(E, u32, ioas_id, IOAS)		\
	F(E, u64, iova, HEX) F(E, u64, length, DEC)
#define IT_F_iommufd_group_setup_msi(F, E)				\
	F(E, u32, hwpt_id, DEC) F(E, u32, ioas_id, IOAS)		\
	F(E, s32, group_id, DEC) F(E, u64, sw_msi_start, HEX)		\
	F(E, u8, new_cookie, DEC)
#define IT_F_iommufd_hwpt_invalidate(F, E)				\
	F(E, u32, hwpt_id, DEC) F(E, u32, data_type, DEC)		\
	F(E, u32, entry_num, DEC) F(E, u32, done_num, DEC)
#define IT_F_iommufd_hwpt_set_dirty_tracking(F, E)			\
	F(E, u32, hwpt_id, DEC) F(E, u8, enable, DEC)
#define IT_F_iommufd_hwpt_get_dirty_bitmap(F, E)			\
	F(E, u32, hwpt_id, DEC) F(E, u64, iova, HEX)			\
	F(E, u64, length, DEC) F(E, u64, page_size, DEC)		\
	F(E, u32, flags, HEX)
#define IT_F_iommufd_fault_deliver(F, E)				\
	F(E, u32, fault_id, DEC) F(E, u32, hwpt_id, DEC)		\
	F(E, u32, dev_id, DEV) F(E, u32, pasid, DEC)			\
	F(E, u32, grpid, DEC) F(E, u32, perm, HEX)			\
	F(E, u64, addr, HEX) F(E, u32, fault_count, DEC)
#define IT_F_iommufd_fault_respond(F, E)				\
	F(E, u32, fault_id, DEC) F(E, u32, dev_id, DEV)			\
	F(E, u32, grpid, DEC) F(E, u32, cookie, DEC)			\
	F(E, u8, code, CODE) F(E, u8, auto_response, DEC)
#define IT_F_dmar_enforce_cc(F, E)					\
	F(E, str16, iommu, STR) F(E, u16, did, DEC)			\
	F(E, u8, enforced, DEC) F(E, u8, reason, CC)
#define IT_F_dmar_domain_attach(F, E)					\
	F(E, str32, device, STR) F(E, str16, iommu, STR)		\
	F(E, u32, pasid, DEC) F(E, u8, type, DOMTYPE)			\
	F(E, u16, did, DEC) F(E, u8, reason, ATTACH)
#define IT_F_dmar_domain_detach(F, E)					\
	F(E, str32, device, STR) F(E, str16, iommu, STR)		\
	F(E, u32, pasid, DEC) F(E, u8, type, DOMTYPE)			\
	F(E, u16, did, DEC)
#define IT_F_dmar_pasid_setup(F, E)					\
	F(E, str32, device, STR) F(E, str16, iommu, STR)		\
	F(E, u32, pasid, DEC) F(E, u16, did, DEC)			\
	F(E, u8, pgtt, PGTT) F(E, u16, old_did, DEC)
#define IT_F_dmar_pasid_teardown(F, E)					\
	F(E, str32, device, STR) F(E, str16, iommu, STR)		\
	F(E, u32, pasid, DEC) F(E, u16, did, DEC)			\
	F(E, u8, pgtt, PGTT) F(E, u8, state, PASIDST)			\
	F(E, u8, fault_ignore, DEC)
#define IT_F_dmar_qi_wait(F, E)						\
	F(E, str16, iommu, STR) F(E, u32, count, DEC)			\
	F(E, u16, types, HEX) F(E, u8, drain, DEC)			\
	F(E, u64, wait_ns, DEC)
/* did -1: no domain id; pasid (u32)-1: none (printed "none"/null).  The
 * iommufd attachment and the map history are ioastrace's (struct
 * it_fault_hist), after this part of the record. */
#define IT_F_dmar_fault(F, E)						\
	F(E, str32, device, STR) F(E, str16, iommu, STR)		\
	F(E, u16, segment, DEC) F(E, u16, source_id, DEC)		\
	F(E, u64, addr, HEX) F(E, u8, read, DEC)			\
	F(E, u8, reason, DEC) F(E, str64, reason_name, STR)		\
	F(E, s32, did, DEC) F(E, u32, pasid, DEC)

typedef __u8 it_u8;
typedef __u16 it_u16;
typedef __u32 it_u32;
typedef __u64 it_u64;
typedef __s32 it_s32;
typedef char it_str16[16];
typedef char it_str32[32];
typedef char it_str64[64];

/* struct it_<tracepoint>: one event's fields */
#define IT_MEMBER(E, type, name, kind)	it_##type name;
#define IT_STRUCT(e, name, sys)	struct it_##name { IT_F_##name(IT_MEMBER, name) };
IOMMUTRACE_EVENTS(IT_STRUCT)
#undef IT_STRUCT
#undef IT_MEMBER

/* Where an event came from */
enum it_source {
	IT_SRC_TRACEPOINT,	/* the iommutrace tracepoint (decode.bpf.h) */
	IT_SRC_PROBE,		/* fentry/fexit on a stock kernel (probe.bpf.h) */
	IT_SRC_TYPE1,		/* fentry/fexit on vfio_iommu_type1 (probe.bpf.h):
				 * a VFIO type1 container, whose ioas_id is
				 * ioastrace's number for it, not an iommufd id */
};

/* What every event has.  ts_ns: bpf_ktime_get_ns() (CLOCK_MONOTONIC);
 * lat_ns: ns since the current thread entered its iommufd ioctl, 0: not in
 * one (or not measured); ret: 0 or -errno (events without a result: 0);
 * size: bytes of the event's struct after the header; missing: bit n set
 * when field n of the event (in IT_F_ order) cannot be known from this
 * source (printed "-", JSON null). */
struct it_hdr {
	__u64 ts_ns;
	__u64 lat_ns;
	__u32 pid;		/* tgid; 0 for dmar_fault (an interrupt) */
	__u32 tid;
	__s32 ret;
	__u16 type;		/* enum iommutrace_event_type */
	__u16 size;
	char comm[IT_COMM_LEN];	/* dmar_fault: the IOMMU's name */
	__u32 missing;
	__u8 source;		/* enum it_source */
	__u8 pad[3];
};

/* The index of each field in its event: IT_FI_<tracepoint>_<field> */
#define IT_FIDX(E, type, name, kind)	IT_FI_##E##_##name,
#define IT_FIDX_ENUM(e, name, sys)	enum { IT_F_##name(IT_FIDX, name) };
IOMMUTRACE_EVENTS(IT_FIDX_ENUM)
#undef IT_FIDX_ENUM
#undef IT_FIDX

/* One decoded event: the header and the event's own struct */
#define IT_UNION(e, name, sys)	struct it_##name name;
struct it_event {
	struct it_hdr h;
	union {
		IOMMUTRACE_EVENTS(IT_UNION)
	} u;
};
#undef IT_UNION

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

/* ioastrace's tail of a dmar_fault record: the faulting device's iommufd
 * attachment and what the history says of the address */
struct it_fault_hist {
	struct it_hist_op last_map;	/* valid if map_state == IT_HIST_FOUND */
	struct it_hist_op last_unmap;	/* valid if unmap_state == ... */
	__u64 hist_ops;		/* operations recorded on the IOAS while traced */
	__u32 dev_id;		/* iommufd device id, 0: not attached (known) */
	__u32 ioas_id;
	__u32 hwpt_id;
	__u8 map_state;		/* enum it_hist_state */
	__u8 unmap_state;
	__u8 pad[2];
};

struct it_fault_record {
	struct it_hdr h;
	struct it_dmar_fault f;
	struct it_fault_hist hist;
};

#endif /* __IOMMUTRACE_H */
