/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * decode.bpf.h - the one decode layer: a tp_btf program per iommutrace
 * tracepoint reads the tracepoint's arguments once into its typed event
 * (struct it_<tracepoint>, iommutrace.h) and hands it, with the kernel
 * objects it came from (struct it_objs), to the including tool's sink.
 *
 * The tool includes this file, then defines:
 *
 *   static __always_inline __u32 it_sink_wants(int type);
 *	IT_W_* bits for an event type: 0 skips the event before anything is
 *	decoded (a tool's cheap filters go here: event mask, pid, cgroup);
 *	IT_W_COMM and IT_W_LAT ask for the header's comm and lat_ns; bits
 *	from IT_W_TOOL up are the tool's own, handed back to it_sink().
 *	Called with a constant type: the compiler folds it.  User space also
 *	disables (autoload) the programs of events a tool never wants.
 *
 *   static __always_inline void it_sink(void *ctx, int type,
 *					 struct it_event *e, __u32 size,
 *					 __u32 want, const struct it_objs *o);
 *	Consumes the event.  type (= e->h.type) and size (bytes of e, header
 *	included) are constants the compiler and the verifier see; want is
 *	what it_sink_wants() said;
 *	e->u.<tracepoint> is the event's struct.  e is on the program's
 *	stack and only size bytes long.  o holds the objects the tracepoint
 *	passed (NULL where it has none).
 *
 * Program names are it_<tracepoint>, which user space maps back to the
 * event type (tool_helpers.h).  NULL tests: see iommufd_objs.bpf.h.
 */
#ifndef __DECODE_BPF_H
#define __DECODE_BPF_H

#include "iommutrace.h"
#include "iommufd_objs.bpf.h"
#include "ioctl_start.bpf.h"

#define IT_W_EVENT	(1U << 0)	/* decode and sink this event */
#define IT_W_COMM	(1U << 1)	/* fill h.comm */
#define IT_W_LAT	(1U << 2)	/* fill h.lat_ns (ioctl_start lookup) */
#define IT_W_TOOL	(1U << 8)	/* first bit a tool may use for itself */

/* The kernel objects behind an event, for sinks that keep state by them */
struct it_objs {
	struct iommufd_ioas *ioas;	/* the IOAS concerned; copy: dst;
					 * access change: the new one */
	struct iommufd_ioas *old_ioas;	/* access change: the current one */
	struct iommufd_hw_pagetable *hwpt;	/* replace: the new one */
	struct iommufd_hw_pagetable *old_hwpt;	/* replace: the old one */
	struct iommufd_device *idev;
	struct iommufd_access *access;
	struct iopt_pages *pages;
	struct iommufd_group *igroup;
	struct intel_iommu *iommu;
	struct iommu_domain *domain;
	struct device *dev;
	void *container;	/* a VFIO type1 container (probe.bpf.h's t1_*
				 * programs): vfio_iommu_type1.c's struct
				 * vfio_iommu */
	struct iommu_group *group;	/* type1: the group attached or
					 * detached */
};

static __always_inline __u32 it_sink_wants(int type);
struct it_event;
static __always_inline void it_sink(void *ctx, int type, struct it_event *e,
				    __u32 size, __u32 want,
				    const struct it_objs *o);

static __always_inline void it_hdr_fill(struct it_hdr *h, int type, int ret,
					__u32 size, __u32 want)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ret = ret;
	h->type = type;
	h->size = size;
	if (want & IT_W_COMM)
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	if (want & IT_W_LAT)
		h->lat_ns = ioctl_latency(h->ts_ns);
}

/*
 * Begin the event of tracepoint NAME in a program: declares ev (header and
 * struct, zeroed, on the stack) and p (its struct); returns 0 from the
 * program if the sink does not want it.
 */
#define IT_EVENT(name, retval)						\
	struct { struct it_hdr h; struct it_##name p; } ev = {};	\
	struct it_##name *p = &ev.p;					\
	const int it_type = IT_EV_##name;				\
	__u32 want = it_sink_wants(it_type);				\
	if (!want)							\
		return 0;						\
	it_hdr_fill(&ev.h, it_type, retval, sizeof(ev.p), want)

#define IT_SINK(...)							\
	do {								\
		struct it_objs o = { __VA_ARGS__ };			\
		it_sink(ctx, it_type, (struct it_event *)&ev,		\
			sizeof(ev), want, &o);				\
		return 0;						\
	} while (0)

#define IT_PROG(name, ...)						\
	SEC("tp_btf/" #name) int BPF_PROG(it_##name, ##__VA_ARGS__)

static __always_inline void it_dev_name(char *dst, struct device *dev)
{
	const char *name;

	if (!dev)
		return;
	name = BPF_CORE_READ(dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(dst, IT_NAME_LEN, name);
}

/* --- object lifetime ---------------------------------------------------- */

IT_PROG(iommufd_ioas_alloc, struct iommufd_ioas *ioas)
{
	IT_EVENT(iommufd_ioas_alloc, 0);
	p->ioas_id = ioas_id(ioas);
	IT_SINK(.ioas = ioas);
}

IT_PROG(iommufd_ioas_destroy, struct iommufd_ioas *ioas)
{
	IT_EVENT(iommufd_ioas_destroy, 0);
	p->ioas_id = ioas_id(ioas);
	IT_SINK(.ioas = ioas);
}

/* hwpt is NULL for a failure.  The verifier of a built-in tracepoint takes
 * it as non-NULL and drops the tests: the reads then give 0 */
static __always_inline __u8 hwpt_enforce_cc(struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_hwpt_paging *paging = hwpt_paging(hwpt);

	return paging ? BPF_CORE_READ_BITFIELD_PROBED(paging,
						      enforce_cache_coherency) : 0;
}

IT_PROG(iommufd_hwpt_alloc, struct iommufd_hw_pagetable *hwpt, __u32 dev_id,
	__u32 pt_id, __u32 flags, __u32 data_type, bool auto_domain, int ret)
{
	IT_EVENT(iommufd_hwpt_alloc, ret);
	struct iommufd_ioas *ioas = hwpt_ioas(hwpt);

	p->hwpt_id = hwpt_id(hwpt);
	p->pt_id = pt_id;
	p->ioas_id = ioas_id(ioas);
	p->dev_id = dev_id;
	p->flags = flags;
	p->data_type = data_type;
	p->nested = hwpt_is_nested(hwpt);
	p->auto_domain = auto_domain;
	p->enforce_cc = hwpt_enforce_cc(hwpt);
	IT_SINK(.hwpt = hwpt, .ioas = ioas);
}

IT_PROG(iommufd_hwpt_destroy, struct iommufd_hw_pagetable *hwpt)
{
	IT_EVENT(iommufd_hwpt_destroy, 0);
	p->hwpt_id = hwpt_id(hwpt);
	p->ioas_id = ioas_id(hwpt_ioas(hwpt));
	p->nested = hwpt_is_nested(hwpt);
	IT_SINK(.hwpt = hwpt);
}

IT_PROG(iommufd_device_bind, struct iommufd_device *idev, struct device *dev,
	int ret)
{
	IT_EVENT(iommufd_device_bind, ret);
	p->dev_id = idev_id(idev);
	if (idev)
		p->cc_capable = BPF_CORE_READ(idev, enforce_cache_coherency);
	it_dev_name(p->device, dev);
	IT_SINK(.idev = idev, .dev = dev);
}

IT_PROG(iommufd_device_unbind, struct iommufd_device *idev)
{
	IT_EVENT(iommufd_device_unbind, 0);
	p->dev_id = idev_id(idev);
	if (idev)
		it_dev_name(p->device, BPF_CORE_READ(idev, dev));
	IT_SINK(.idev = idev);
}

IT_PROG(iommufd_access_create, struct iommufd_access *access)
{
	IT_EVENT(iommufd_access_create, 0);
	p->access_id = access_id(access);
	IT_SINK(.access = access);
}

IT_PROG(iommufd_access_destroy, struct iommufd_access *access)
{
	IT_EVENT(iommufd_access_destroy, 0);
	p->access_id = access_id(access);
	IT_SINK(.access = access);
}

/* --- attach, replace, detach -------------------------------------------- */

/* Devices of the group attached to its HWPT, as the events count them */
static __always_inline __u32 group_devices(struct iommufd_device *idev)
{
	struct list_head *head, *pos;
	__u32 n = 0;
	int i;

	if (!idev)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	head = &BPF_CORE_READ(idev, igroup)->device_list;
	pos = BPF_CORE_READ(head, next);
	for (i = 0; i < 64 && pos && pos != head; i++) {
		n++;
		pos = BPF_CORE_READ(pos, next);
	}
	return n;
}

/*
 * Fired under igroup->lock once per HWPT tried; hwpt NULL: failed before
 * one was chosen, pt_id says what user space gave.  The id read through
 * hwpt (0 for NULL) decides, not the pointer (see hwpt_enforce_cc()).
 */
IT_PROG(iommufd_device_attach, struct iommufd_device *idev,
	struct iommufd_hw_pagetable *hwpt, __u32 pt_id, int ret)
{
	IT_EVENT(iommufd_device_attach, ret);
	struct iommufd_ioas *ioas = hwpt_ioas(hwpt);

	p->dev_id = idev_id(idev);
	p->hwpt_id = hwpt_id(hwpt);
	p->ioas_id = ioas_id(ioas);
	p->pt_id = p->hwpt_id ? 0 : pt_id;
	p->enforce_cc = hwpt_enforce_cc(hwpt);
	p->group_devices = p->hwpt_id ? group_devices(idev) : 0;
	IT_SINK(.idev = idev, .hwpt = hwpt, .ioas = ioas);
}

IT_PROG(iommufd_device_replace, struct iommufd_device *idev,
	struct iommufd_hw_pagetable *hwpt, struct iommufd_hw_pagetable *old,
	__u32 pt_id, int ret)
{
	IT_EVENT(iommufd_device_replace, ret);
	struct iommufd_ioas *ioas = hwpt_ioas(hwpt);

	p->dev_id = idev_id(idev);
	p->hwpt_id = hwpt_id(hwpt);
	p->old_hwpt_id = hwpt_id(old);
	p->ioas_id = ioas_id(ioas);
	p->pt_id = p->hwpt_id ? 0 : pt_id;
	p->enforce_cc = hwpt_enforce_cc(hwpt);
	p->group_devices = p->hwpt_id ? group_devices(idev) : 0;
	IT_SINK(.idev = idev, .hwpt = hwpt, .old_hwpt = old, .ioas = ioas);
}

IT_PROG(iommufd_device_detach, struct iommufd_device *idev,
	struct iommufd_hw_pagetable *hwpt)
{
	IT_EVENT(iommufd_device_detach, 0);
	p->dev_id = idev_id(idev);
	p->hwpt_id = hwpt_id(hwpt);
	p->ioas_id = ioas_id(hwpt_ioas(hwpt));
	p->group_devices = group_devices(idev);
	IT_SINK(.idev = idev, .hwpt = hwpt);
}

static __always_inline __u32 unpin_ioas_id(struct iommufd_access *access)
{
	if (!access)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	return ioas_id(BPF_CORE_READ(access, ioas_unpin));
}

IT_PROG(iommufd_access_change_ioas, struct iommufd_access *access,
	struct iommufd_ioas *cur, struct iommufd_ioas *new, __u32 new_ioas_id,
	int ret)
{
	IT_EVENT(iommufd_access_change_ioas, ret);
	p->access_id = access_id(access);
	p->old_ioas_id = ioas_id(cur);
	p->unpin_ioas_id = unpin_ioas_id(access);
	p->new_ioas_id = ioas_id(new);		/* 0 if new is NULL */
	if (!p->new_ioas_id)
		p->new_ioas_id = new_ioas_id;
	IT_SINK(.access = access, .old_ioas = cur, .ioas = new);
}

IT_PROG(iommufd_access_unmap_begin, struct iommufd_access *access,
	struct iommufd_ioas *ioas, unsigned long iova, unsigned long length)
{
	IT_EVENT(iommufd_access_unmap_begin, 0);
	p->access_id = access_id(access);
	p->ioas_id = ioas_id(ioas);
	p->iova = iova;
	p->length = length;
	IT_SINK(.access = access, .ioas = ioas);
}

IT_PROG(iommufd_access_unmap_end, struct iommufd_access *access,
	struct iommufd_ioas *ioas, unsigned long iova, unsigned long length)
{
	IT_EVENT(iommufd_access_unmap_end, 0);
	p->access_id = access_id(access);
	p->ioas_id = ioas_id(ioas);
	p->iova = iova;
	p->length = length;
	IT_SINK(.access = access, .ioas = ioas);
}

/* --- map, unmap, copy --------------------------------------------------- */

IT_PROG(iommufd_ioas_map, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	__u64 length, __u64 user_va, __u32 flags, bool compat, int ret)
{
	IT_EVENT(iommufd_ioas_map, ret);
	p->ioas_id = id;
	p->iova = iova;
	p->length = length;
	p->user_va = user_va;
	p->flags = flags;
	p->compat = compat;
	IT_SINK(.ioas = ioas);
}

IT_PROG(iommufd_ioas_unmap, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	__u64 length, __u64 unmapped, bool compat, int ret)
{
	IT_EVENT(iommufd_ioas_unmap, ret);
	p->ioas_id = id;
	p->iova = iova;
	p->length = length;
	p->unmapped = unmapped;
	p->compat = compat;
	IT_SINK(.ioas = ioas);
}

IT_PROG(iommufd_ioas_copy, struct iommufd_ioas *dst,
	const struct iommu_ioas_copy *cmd, __u64 dst_iova, int ret)
{
	IT_EVENT(iommufd_ioas_copy, ret);
	if (!cmd)	/* never: for the verifier (module tracepoint) */
		return 0;
	p->src_ioas_id = BPF_CORE_READ(cmd, src_ioas_id);
	p->dst_ioas_id = BPF_CORE_READ(cmd, dst_ioas_id);
	p->src_iova = BPF_CORE_READ(cmd, src_iova);
	p->dst_iova = dst_iova;
	p->length = BPF_CORE_READ(cmd, length);
	p->flags = BPF_CORE_READ(cmd, flags);
	IT_SINK(.ioas = dst);
}

/* --- pinning ------------------------------------------------------------ */

IT_PROG(iommufd_pages_pin, struct iopt_pages *pages, unsigned long npages,
	int ret)
{
	IT_EVENT(iommufd_pages_pin, ret);
	pages_charge(p, pages);
	p->npages = npages;
	IT_SINK(.pages = pages);
}

IT_PROG(iommufd_pages_unpin, struct iopt_pages *pages, unsigned long npages,
	int ret)
{
	IT_EVENT(iommufd_pages_unpin, ret);
	/* the same fields as pages_pin, the same layout */
	pages_charge((struct it_iommufd_pages_pin *)p, pages);
	p->npages = npages;
	IT_SINK(.pages = pages);
}

IT_PROG(iommufd_pages_pin_fail, struct iopt_pages *pages,
	unsigned long start_index, unsigned long npages, bool injected,
	long ret)
{
	IT_EVENT(iommufd_pages_pin_fail, ret);
	if (!pages)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	p->user_va = (__u64)BPF_CORE_READ(pages, uptr) +
		     (start_index << IT_PAGE_SHIFT);
	p->npages = npages;
	p->owner_pid = BPF_CORE_READ(pages, source_task, tgid);
	p->injected = injected;
	p->remote = BPF_CORE_READ(pages, source_mm) !=
		    BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
				  mm);
	IT_SINK(.pages = pages);
}

IT_PROG(iommufd_access_pin, struct iommufd_access *access, unsigned long iova,
	unsigned long length, unsigned int flags, int ret)
{
	IT_EVENT(iommufd_access_pin, ret);
	if (!access)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	p->access_id = access_id(access);
	p->ioas_id = ioas_id(BPF_CORE_READ(access, ioas));
	p->unpin_ioas_id = unpin_ioas_id(access);
	p->iova = iova;
	p->length = length;
	p->flags = flags;
	IT_SINK(.access = access);
}

IT_PROG(iommufd_access_unpin, struct iommufd_access *access,
	unsigned long iova, unsigned long length)
{
	IT_EVENT(iommufd_access_unpin, 0);
	p->access_id = access_id(access);
	p->ioas_id = unpin_ioas_id(access);
	p->iova = iova;
	p->length = length;
	IT_SINK(.access = access);
}

/* --- MSI ---------------------------------------------------------------- */

IT_PROG(iommufd_group_setup_msi, struct iommufd_group *igroup,
	struct iommufd_hwpt_paging *paging, bool new_cookie, int ret)
{
	IT_EVENT(iommufd_group_setup_msi, ret);
	if (!igroup || !paging)	/* never NULL: for the verifier (module tp) */
		return 0;
	p->hwpt_id = BPF_CORE_READ(paging, common.obj.id);
	p->ioas_id = BPF_CORE_READ(paging, ioas, obj.id);
	p->group_id = BPF_CORE_READ(igroup, group, id);
	p->sw_msi_start = BPF_CORE_READ(igroup, sw_msi_start);
	p->new_cookie = new_cookie;
	IT_SINK(.igroup = igroup, .hwpt = &paging->common);
}

/* --- HWPT invalidation, dirty tracking ---------------------------------- */

IT_PROG(iommufd_hwpt_invalidate, __u32 hwpt_id, __u32 data_type,
	__u32 entry_num, __u32 done_num, int ret)
{
	IT_EVENT(iommufd_hwpt_invalidate, ret);
	p->hwpt_id = hwpt_id;
	p->data_type = data_type;
	p->entry_num = entry_num;
	p->done_num = done_num;
	IT_SINK();
}

IT_PROG(iommufd_hwpt_set_dirty_tracking, __u32 hwpt_id, bool enable, int ret)
{
	IT_EVENT(iommufd_hwpt_set_dirty_tracking, ret);
	p->hwpt_id = hwpt_id;
	p->enable = enable;
	IT_SINK();
}

IT_PROG(iommufd_hwpt_get_dirty_bitmap,
	const struct iommu_hwpt_get_dirty_bitmap *cmd, int ret)
{
	IT_EVENT(iommufd_hwpt_get_dirty_bitmap, ret);
	if (!cmd)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	p->hwpt_id = BPF_CORE_READ(cmd, hwpt_id);
	p->iova = BPF_CORE_READ(cmd, iova);
	p->length = BPF_CORE_READ(cmd, length);
	p->page_size = BPF_CORE_READ(cmd, page_size);
	p->flags = BPF_CORE_READ(cmd, flags);
	IT_SINK();
}

/* --- I/O page faults (IOPF) --------------------------------------------- */

static __always_inline __u32 iopf_dev_id(struct iopf_group *group)
{
	struct iommufd_attach_handle *h;

	if (!group)	/* NULL: an unknown cookie (fault_respond) */
		return 0;
	/* struct iommufd_attach_handle starts with its iommu handle */
	h = (struct iommufd_attach_handle *)BPF_CORE_READ(group, attach_handle);
	return idev_id(BPF_CORE_READ(h, idev));
}

IT_PROG(iommufd_fault_deliver, struct iommufd_hw_pagetable *hwpt,
	struct iopf_group *group)
{
	IT_EVENT(iommufd_fault_deliver, 0);
	if (!hwpt || !group)	/* never NULL: for the verifier */
		return 0;
	p->fault_id = BPF_CORE_READ(hwpt, fault, obj.id);
	p->hwpt_id = hwpt_id(hwpt);
	p->dev_id = iopf_dev_id(group);
	p->pasid = BPF_CORE_READ(group, last_fault.fault.prm.pasid);
	p->grpid = BPF_CORE_READ(group, last_fault.fault.prm.grpid);
	p->perm = BPF_CORE_READ(group, last_fault.fault.prm.perm);
	p->addr = BPF_CORE_READ(group, last_fault.fault.prm.addr);
	p->fault_count = BPF_CORE_READ(group, fault_count);
	IT_SINK(.hwpt = hwpt);
}

IT_PROG(iommufd_fault_respond, struct iommufd_fault *fault,
	struct iopf_group *group, __u32 cookie, __u32 code, bool auto_response,
	int ret)
{
	IT_EVENT(iommufd_fault_respond, ret);
	if (!fault)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	p->fault_id = BPF_CORE_READ(fault, obj.id);
	/* group is NULL for an unknown cookie (a built-in tracepoint's
	 * verifier drops the test: the reads then give 0) */
	p->dev_id = iopf_dev_id(group);
	if (group)
		p->grpid = BPF_CORE_READ(group, last_fault.fault.prm.grpid);
	p->cookie = cookie;
	p->code = code;
	p->auto_response = auto_response;
	IT_SINK();
}

/* --- VT-d --------------------------------------------------------------- */

/*
 * The domain id @domain holds on @iommu: xa_load(&domain->iommu_array,
 * iommu->seq_id) walked by hand (struct iommu_domain_info *), 0 if none.
 */
#define XA_IS_NODE(p)	(((unsigned long)(p) & 3) == 2 && (unsigned long)(p) > 4096)

static __always_inline __u16 vtd_domain_did(struct dmar_domain *domain,
					    struct intel_iommu *iommu)
{
	unsigned long index = BPF_CORE_READ(iommu, seq_id);
	void *entry = BPF_CORE_READ(domain, iommu_array.xa_head);
	struct xa_node *node;
	unsigned int shift;
	int i;

	if (!XA_IS_NODE(entry) && index)
		return 0;	/* a single entry is index 0's */
	for (i = 0; i < 4 && XA_IS_NODE(entry); i++) {
		node = (void *)((unsigned long)entry - 2);
		shift = BPF_CORE_READ(node, shift);
		if (!i && (index >> shift) > 63)
			return 0;
		entry = NULL;
		bpf_probe_read_kernel(&entry, sizeof(entry), (void *)node +
				      bpf_core_field_offset(struct xa_node, slots) +
				      ((index >> shift) & 63) * sizeof(void *));
	}
	if (!entry || ((unsigned long)entry & 3))
		return 0;
	return BPF_CORE_READ((struct iommu_domain_info *)entry, did);
}

/* The domain the event names: to_dmar_domain() of an iommu_domain */
static __always_inline struct dmar_domain *vtd_dmar(struct iommu_domain *d)
{
	return (void *)d - bpf_core_field_offset(struct dmar_domain, domain);
}

/* enum dmar_trace_dom of the kernel, from the iommu_domain type bits */
static __always_inline __u8 vtd_dom_type(struct iommu_domain *d)
{
	unsigned int t = BPF_CORE_READ(d, type);

	if (t == 0)				/* IOMMU_DOMAIN_BLOCKED */
		return IT_VTD_BLOCKED;
	if (t & (1U << 2))			/* __IOMMU_DOMAIN_PT */
		return IT_VTD_IDENTITY;
	if (t & (1U << 6))			/* __IOMMU_DOMAIN_NESTED */
		return IT_VTD_NESTED;
	if (t & (1U << 4))			/* __IOMMU_DOMAIN_SVA */
		return IT_VTD_SVA;
	return BPF_CORE_READ_BITFIELD_PROBED(vtd_dmar(d), use_first_level) ?
	       IT_VTD_FIRST_LEVEL : IT_VTD_SECOND_LEVEL;
}

/* What the kernel's dmar_trace_did() reports (FLPT_DEFAULT_DID is 1) */
static __always_inline __u16 vtd_did(struct iommu_domain *d, __u8 type,
				     struct intel_iommu *iommu)
{
	if (type == IT_VTD_BLOCKED)
		return 0;
	if (type == IT_VTD_IDENTITY || type == IT_VTD_SVA)
		return 1;
	return vtd_domain_did(vtd_dmar(d), iommu);
}

static __always_inline void it_iommu_name(char *dst, struct intel_iommu *iommu)
{
	bpf_probe_read_kernel_str(dst, IT_COMM_LEN, BPF_CORE_READ(iommu, name));
}

IT_PROG(dmar_enforce_cc, struct dmar_domain *domain, int reason)
{
	struct device_domain_info *info;
	struct intel_iommu *iommu = NULL;
	struct list_head *first;

	IT_EVENT(dmar_enforce_cc, 0);
	p->reason = reason;
	p->enforced = reason ==
		bpf_core_enum_value(enum dmar_cc_reason, DMAR_CC_ENFORCED) ||
		reason == bpf_core_enum_value(enum dmar_cc_reason,
					      DMAR_CC_ALREADY_ENFORCED);
	/* As dmar_domain_trace_iommu(): the first device's IOMMU */
	first = BPF_CORE_READ(domain, devices.next);
	if (first && (void *)first != (void *)domain +
		     bpf_core_field_offset(struct dmar_domain, devices)) {
		info = (void *)first -
		       bpf_core_field_offset(struct device_domain_info, link);
		iommu = BPF_CORE_READ(info, iommu);
		it_iommu_name(p->iommu, iommu);
		p->did = vtd_domain_did(domain, iommu);
	}
	IT_SINK(.iommu = iommu, .domain = &domain->domain);
}

IT_PROG(dmar_domain_attach, struct intel_iommu *iommu, struct device *dev,
	struct iommu_domain *domain, __u32 pasid, int reason, int ret)
{
	IT_EVENT(dmar_domain_attach, ret);
	it_dev_name(p->device, dev);
	it_iommu_name(p->iommu, iommu);
	p->pasid = pasid;
	p->type = vtd_dom_type(domain);
	p->did = vtd_did(domain, p->type, iommu);
	p->reason = reason;
	IT_SINK(.iommu = iommu, .dev = dev, .domain = domain);
}

IT_PROG(dmar_domain_detach, struct intel_iommu *iommu, struct device *dev,
	struct iommu_domain *domain, __u32 pasid)
{
	IT_EVENT(dmar_domain_detach, 0);
	it_dev_name(p->device, dev);
	it_iommu_name(p->iommu, iommu);
	p->pasid = pasid;
	p->type = vtd_dom_type(domain);
	p->did = vtd_did(domain, p->type, iommu);
	IT_SINK(.iommu = iommu, .dev = dev, .domain = domain);
}

IT_PROG(dmar_pasid_setup, struct intel_iommu *iommu, struct device *dev,
	__u32 pasid, __u16 did, __u16 pgtt, struct pasid_entry *pte, int ret)
{
	IT_EVENT(dmar_pasid_setup, ret);
	it_dev_name(p->device, dev);
	it_iommu_name(p->iommu, iommu);
	p->pasid = pasid;
	p->did = did;
	p->pgtt = pgtt;
	/* pasid_get_domain_id(): bits 15:0 of the second quadword */
	if (ret == -16 && pte)			/* -EBUSY: the entry found */
		p->old_did = BPF_CORE_READ(pte, val[1]) & 0xffff;
	IT_SINK(.iommu = iommu, .dev = dev);
}

IT_PROG(dmar_pasid_teardown, struct intel_iommu *iommu, struct device *dev,
	__u32 pasid, __u16 did, __u16 pgtt, int state, bool fault_ignore)
{
	IT_EVENT(dmar_pasid_teardown, 0);
	it_dev_name(p->device, dev);
	it_iommu_name(p->iommu, iommu);
	p->pasid = pasid;
	p->did = did;
	p->pgtt = pgtt;
	p->state = state;
	p->fault_ignore = fault_ignore;
	IT_SINK(.iommu = iommu, .dev = dev);
}

IT_PROG(dmar_qi_wait, struct intel_iommu *iommu, struct qi_desc *desc,
	unsigned int count, unsigned long options, __u64 wait_ns, int ret)
{
	unsigned int i;

	IT_EVENT(dmar_qi_wait, ret);
	it_iommu_name(p->iommu, iommu);
	p->count = count;
	p->wait_ns = wait_ns;
	p->drain = options & 1;			/* QI_OPT_WAIT_DRAIN */
	for (i = 0; i < count && i < 64; i++)
		p->types |= 1U << (BPF_CORE_READ(&desc[i], qw0) & 0xf);
	IT_SINK(.iommu = iommu);
}

/*
 * A DMA fault.  It comes from the IOMMU's interrupt, not from a process:
 * pid is 0 and comm the IOMMU's name.
 */
IT_PROG(dmar_fault, struct intel_iommu *iommu, struct device *dev,
	__u16 source_id, __u32 pasid, __u64 addr, int read, __u8 reason,
	const char *reason_str, int did)
{
	IT_EVENT(dmar_fault, 0);
	ev.h.pid = ev.h.tid = 0;
	ev.h.lat_ns = 0;
	it_iommu_name(p->iommu, iommu);
	__builtin_memcpy(ev.h.comm, p->iommu, sizeof(ev.h.comm));
	fault_dev_name(p->device, dev, iommu, source_id);
	p->segment = BPF_CORE_READ(iommu, segment);
	p->source_id = source_id;
	p->addr = addr;
	p->read = !!read;
	p->reason = reason;
	bpf_probe_read_kernel_str(p->reason_name, sizeof(p->reason_name),
				  reason_str);
	p->did = did;
	p->pasid = pasid;
	IT_SINK(.iommu = iommu, .dev = dev);
}

#endif /* __DECODE_BPF_H */
