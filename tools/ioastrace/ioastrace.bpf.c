// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioastrace.bpf.c - one record per iommufd / VT-d event, to a ring buffer.
 *
 * BTF-typed tracepoint programs (tp_btf) on the iommutrace tracepoints read
 * their arguments directly; the latency of an event is measured from the
 * entry of the iommufd ioctl that raised it (fentry/iommufd_fops_ioctl).
 * A record that does not fit in the ring buffer is counted in lost[type].
 *
 * With dmar_fault traced, map/unmap/copy and attach/replace/detach also
 * feed the per-IOAS history (fault_history.bpf.h) before any output
 * filter (-e, -p, -c, -x, --ioas, --dev) applies: targ_events, not
 * autoload, selects what is printed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "iommutrace.h"
#include "iommufd_objs.bpf.h"
#define IOCTL_START_FEXIT	/* events outside an ioctl have no latency */
#include "ioctl_start.bpf.h"
#include "fault_history.bpf.h"

const volatile __u32 targ_tgid;		/* -p: only this process */
const volatile bool filter_cg;		/* -c: only tasks in cgroup_map[0] */
const volatile __u32 targ_ioas;		/* --ioas: events naming this IOAS */
const volatile __u32 targ_dev;		/* --dev: events naming this device */
const volatile bool targ_failed;	/* -x: only ret < 0 */
const volatile __u64 targ_events = ~0ULL;	/* -e: bit per event type */
const volatile bool keep_history;	/* dmar_fault traced: feed the history */

__u64 lost[IT_NR_EVENTS];		/* records dropped: ring buffer full */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);	/* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

static __always_inline struct iommutrace_event *begin(int type, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct iommutrace_event *e;

	if (!((targ_events >> type) & 1))
		return NULL;
	if (targ_tgid && (id >> 32) != targ_tgid)
		return NULL;
	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return NULL;
	if (targ_failed && ret >= 0)
		return NULL;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		if (type >= 0 && type < IT_NR_EVENTS)
			__sync_fetch_and_add(&lost[type], 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->ret = ret;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->lat_ns = ioctl_latency(e->ts_ns);
	return e;
}

/* Apply the id filters, which need the filled record, then send it */
static __always_inline int submit(struct iommutrace_event *e)
{
	if ((targ_ioas && e->ioas != targ_ioas && e->ioas2 != targ_ioas) ||
	    (targ_dev && e->dev != targ_dev)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	/* Adaptive wakeup: the reader is woken when it has caught up */
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline void copy_dev_name(struct iommutrace_event *e,
					  struct device *dev)
{
	const char *name;

	if (!dev)
		return;
	name = BPF_CORE_READ(dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
}

/* --- object lifetime ---------------------------------------------------- */

static __always_inline int ioas_event(int type, struct iommufd_ioas *ioas)
{
	struct iommutrace_event *e = begin(type, 0);

	if (!e)
		return 0;
	e->ioas = ioas_id(ioas);
	return submit(e);
}

SEC("tp_btf/iommufd_ioas_alloc")
int BPF_PROG(ioas_alloc, struct iommufd_ioas *ioas)
{
	return ioas_event(IT_IOAS_ALLOC, ioas);
}

SEC("tp_btf/iommufd_ioas_destroy")
int BPF_PROG(ioas_destroy, struct iommufd_ioas *ioas)
{
	if (keep_history)
		hist_forget(ioas_id(ioas));
	return ioas_event(IT_IOAS_DESTROY, ioas);
}

static __always_inline void fill_hwpt(struct iommutrace_event *e,
				      struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_hwpt_paging *paging = hwpt_paging(hwpt);

	/* hwpt is NULL for a failure.  The verifier of a built-in
	 * tracepoint takes it as non-NULL and drops this test: the reads
	 * below then give 0 */
	if (!hwpt)
		return;
	e->hwpt = hwpt_id(hwpt);
	e->ioas = ioas_id(hwpt_ioas(hwpt));
	e->nested = hwpt_is_nested(hwpt);
	if (paging)
		e->enforced = BPF_CORE_READ_BITFIELD_PROBED(paging,
						enforce_cache_coherency);
}

SEC("tp_btf/iommufd_hwpt_alloc")
int BPF_PROG(hwpt_alloc, struct iommufd_hw_pagetable *hwpt, __u32 dev_id,
	     __u32 pt_id, __u32 flags, __u32 data_type, bool auto_domain,
	     int ret)
{
	struct iommutrace_event *e = begin(IT_HWPT_ALLOC, ret);

	if (!e)
		return 0;
	fill_hwpt(e, hwpt);
	e->dev = dev_id;
	e->pt = pt_id;
	e->flags = flags;
	e->data_type = data_type;
	e->auto_domain = auto_domain;
	return submit(e);
}

SEC("tp_btf/iommufd_hwpt_destroy")
int BPF_PROG(hwpt_destroy, struct iommufd_hw_pagetable *hwpt)
{
	struct iommutrace_event *e = begin(IT_HWPT_DESTROY, 0);

	if (!e)
		return 0;
	fill_hwpt(e, hwpt);
	return submit(e);
}

SEC("tp_btf/iommufd_device_bind")
int BPF_PROG(device_bind, struct iommufd_device *idev, struct device *dev,
	     int ret)
{
	struct iommutrace_event *e = begin(IT_DEVICE_BIND, ret);

	if (!e)
		return 0;
	e->dev = idev_id(idev);
	if (idev)
		e->enforced = BPF_CORE_READ(idev, enforce_cache_coherency);
	copy_dev_name(e, dev);
	return submit(e);
}

SEC("tp_btf/iommufd_device_unbind")
int BPF_PROG(device_unbind, struct iommufd_device *idev)
{
	struct iommutrace_event *e;

	if (keep_history)
		hist_detach(idev);
	e = begin(IT_DEVICE_UNBIND, 0);
	if (!e)
		return 0;
	e->dev = idev_id(idev);
	if (idev)
		copy_dev_name(e, BPF_CORE_READ(idev, dev));
	return submit(e);
}

static __always_inline int access_event(int type,
					struct iommufd_access *access)
{
	struct iommutrace_event *e = begin(type, 0);

	if (!e)
		return 0;
	e->access = access_id(access);
	return submit(e);
}

SEC("tp_btf/iommufd_access_create")
int BPF_PROG(access_create, struct iommufd_access *access)
{
	return access_event(IT_ACCESS_CREATE, access);
}

SEC("tp_btf/iommufd_access_destroy")
int BPF_PROG(access_destroy, struct iommufd_access *access)
{
	return access_event(IT_ACCESS_DESTROY, access);
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
 * one was chosen.  The verifier takes tp_btf pointers as non-NULL, so the
 * id read through hwpt (0 for NULL) decides, not the pointer.
 */
static __always_inline int attach_event(int type, struct iommufd_device *idev,
					struct iommufd_hw_pagetable *hwpt,
					struct iommufd_hw_pagetable *old,
					__u32 pt_id, int ret)
{
	__u32 hid = hwpt_id(hwpt);
	struct iommutrace_event *e;

	if (keep_history && !ret && hid)
		hist_attach(idev, ioas_id(hwpt_ioas(hwpt)), hid);
	e = begin(type, ret);
	if (!e)
		return 0;
	fill_hwpt(e, hwpt);
	e->dev = idev_id(idev);
	e->pt = hid ? 0 : pt_id;
	e->hwpt2 = hwpt_id(old);
	e->count = hid ? group_devices(idev) : 0;
	return submit(e);
}

SEC("tp_btf/iommufd_device_attach")
int BPF_PROG(device_attach, struct iommufd_device *idev,
	     struct iommufd_hw_pagetable *hwpt, __u32 pt_id, int ret)
{
	return attach_event(IT_DEVICE_ATTACH, idev, hwpt, NULL, pt_id, ret);
}

SEC("tp_btf/iommufd_device_replace")
int BPF_PROG(device_replace, struct iommufd_device *idev,
	     struct iommufd_hw_pagetable *hwpt,
	     struct iommufd_hw_pagetable *old, __u32 pt_id, int ret)
{
	return attach_event(IT_DEVICE_REPLACE, idev, hwpt, old, pt_id, ret);
}

SEC("tp_btf/iommufd_device_detach")
int BPF_PROG(device_detach, struct iommufd_device *idev,
	     struct iommufd_hw_pagetable *hwpt)
{
	struct iommutrace_event *e;

	if (keep_history)
		hist_detach(idev);
	e = begin(IT_DEVICE_DETACH, 0);
	if (!e)
		return 0;
	e->dev = idev_id(idev);
	e->hwpt = hwpt_id(hwpt);
	e->ioas = ioas_id(hwpt_ioas(hwpt));
	e->count = group_devices(idev);
	return submit(e);
}

static __always_inline __u32 unpin_ioas_id(struct iommufd_access *access)
{
	if (!access)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	return ioas_id(BPF_CORE_READ(access, ioas_unpin));
}

SEC("tp_btf/iommufd_access_change_ioas")
int BPF_PROG(access_change_ioas, struct iommufd_access *access,
	     struct iommufd_ioas *cur, struct iommufd_ioas *new,
	     __u32 new_ioas_id, int ret)
{
	struct iommutrace_event *e = begin(IT_ACCESS_CHANGE_IOAS, ret);

	if (!e)
		return 0;
	e->access = access_id(access);
	e->ioas = ioas_id(cur);
	e->unpin_ioas = unpin_ioas_id(access);
	e->ioas2 = ioas_id(new);		/* 0 if new is NULL */
	if (!e->ioas2)
		e->ioas2 = new_ioas_id;
	return submit(e);
}

static __always_inline int access_unmap_event(int type,
					      struct iommufd_access *access,
					      struct iommufd_ioas *ioas,
					      unsigned long iova,
					      unsigned long length)
{
	struct iommutrace_event *e = begin(type, 0);

	if (!e)
		return 0;
	e->access = access_id(access);
	e->ioas = ioas_id(ioas);
	e->iova = iova;
	e->length = length;
	return submit(e);
}

SEC("tp_btf/iommufd_access_unmap_begin")
int BPF_PROG(access_unmap_begin, struct iommufd_access *access,
	     struct iommufd_ioas *ioas, unsigned long iova,
	     unsigned long length)
{
	return access_unmap_event(IT_ACCESS_UNMAP_BEGIN, access, ioas, iova,
				  length);
}

SEC("tp_btf/iommufd_access_unmap_end")
int BPF_PROG(access_unmap_end, struct iommufd_access *access,
	     struct iommufd_ioas *ioas, unsigned long iova,
	     unsigned long length)
{
	return access_unmap_event(IT_ACCESS_UNMAP_END, access, ioas, iova,
				  length);
}

/* --- map, unmap, copy --------------------------------------------------- */

SEC("tp_btf/iommufd_ioas_map")
int BPF_PROG(ioas_map, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	     __u64 length, __u64 user_va, __u32 flags, bool compat, int ret)
{
	struct iommutrace_event *e;

	if (keep_history && !ret)
		hist_record(id, iova, length, IT_HIST_MAP);
	e = begin(IT_IOAS_MAP, ret);
	if (!e)
		return 0;
	e->ioas = id;
	e->iova = iova;
	e->length = length;
	e->user_va = user_va;
	e->flags = flags;
	e->compat = compat;
	return submit(e);
}

SEC("tp_btf/iommufd_ioas_unmap")
int BPF_PROG(ioas_unmap, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	     __u64 length, __u64 unmapped, bool compat, int ret)
{
	struct iommutrace_event *e;

	if (keep_history && !ret)
		hist_record(id, iova, length, IT_HIST_UNMAP);
	e = begin(IT_IOAS_UNMAP, ret);
	if (!e)
		return 0;
	e->ioas = id;
	e->iova = iova;
	e->length = length;
	e->unmapped = unmapped;
	e->compat = compat;
	return submit(e);
}

SEC("tp_btf/iommufd_ioas_copy")
int BPF_PROG(ioas_copy, struct iommufd_ioas *dst,
	     const struct iommu_ioas_copy *cmd, __u64 dst_iova, int ret)
{
	struct iommutrace_event *e;

	if (!cmd)	/* never: for the verifier (module tracepoint) */
		return 0;
	if (keep_history && !ret)
		hist_record(BPF_CORE_READ(cmd, dst_ioas_id), dst_iova,
			    BPF_CORE_READ(cmd, length), IT_HIST_COPY);
	e = begin(IT_IOAS_COPY, ret);
	if (!e)
		return 0;
	e->ioas = BPF_CORE_READ(cmd, src_ioas_id);
	e->ioas2 = BPF_CORE_READ(cmd, dst_ioas_id);
	e->iova = BPF_CORE_READ(cmd, src_iova);
	e->iova2 = dst_iova;
	e->length = BPF_CORE_READ(cmd, length);
	e->flags = BPF_CORE_READ(cmd, flags);
	return submit(e);
}

/* --- pinning ------------------------------------------------------------ */

static __always_inline int pages_event(int type, struct iopt_pages *pages,
				       unsigned long npages, int ret)
{
	struct iommutrace_event *e = begin(type, ret);

	if (!e)
		return 0;
	pages_charge(e, pages);
	e->npages = npages;
	return submit(e);
}

SEC("tp_btf/iommufd_pages_pin")
int BPF_PROG(pages_pin, struct iopt_pages *pages, unsigned long npages,
	     int ret)
{
	return pages_event(IT_PAGES_PIN, pages, npages, ret);
}

SEC("tp_btf/iommufd_pages_unpin")
int BPF_PROG(pages_unpin, struct iopt_pages *pages, unsigned long npages,
	     int ret)
{
	return pages_event(IT_PAGES_UNPIN, pages, npages, ret);
}

SEC("tp_btf/iommufd_pages_pin_fail")
int BPF_PROG(pages_pin_fail, struct iopt_pages *pages,
	     unsigned long start_index, unsigned long npages, bool injected,
	     long ret)
{
	struct iommutrace_event *e;

	if (!pages)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	e = begin(IT_PAGES_PIN_FAIL, ret);
	if (!e)
		return 0;
	e->user_va = (__u64)BPF_CORE_READ(pages, uptr) +
		     (start_index << IT_PAGE_SHIFT);
	e->npages = npages;
	e->mem_pid = BPF_CORE_READ(pages, source_task, tgid);
	e->injected = injected;
	e->remote = BPF_CORE_READ(pages, source_mm) !=
		    BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
				  mm);
	return submit(e);
}

static __always_inline int access_pin_event(int type,
					    struct iommufd_access *access,
					    unsigned long iova,
					    unsigned long length,
					    unsigned int flags, int ret)
{
	struct iommutrace_event *e = begin(type, ret);

	if (!e)
		return 0;
	e->access = access_id(access);
	e->unpin_ioas = unpin_ioas_id(access);
	if (type == IT_ACCESS_UNPIN)
		e->ioas = e->unpin_ioas;
	else if (access)	/* never NULL: for the verifier */
		e->ioas = ioas_id(BPF_CORE_READ(access, ioas));
	e->iova = iova;
	e->length = length;
	e->flags = flags;
	return submit(e);
}

SEC("tp_btf/iommufd_access_pin")
int BPF_PROG(access_pin, struct iommufd_access *access, unsigned long iova,
	     unsigned long length, unsigned int flags, int ret)
{
	return access_pin_event(IT_ACCESS_PIN, access, iova, length, flags,
				ret);
}

SEC("tp_btf/iommufd_access_unpin")
int BPF_PROG(access_unpin, struct iommufd_access *access,
	     unsigned long iova, unsigned long length)
{
	return access_pin_event(IT_ACCESS_UNPIN, access, iova, length, 0, 0);
}

/* --- MSI ---------------------------------------------------------------- */

SEC("tp_btf/iommufd_group_setup_msi")
int BPF_PROG(group_setup_msi, struct iommufd_group *igroup,
	     struct iommufd_hwpt_paging *paging, bool new_cookie, int ret)
{
	struct iommutrace_event *e = begin(IT_GROUP_SETUP_MSI, ret);

	if (!e)
		return 0;
	/* never NULL: for the verifier (module tracepoint) */
	if (paging) {
		e->hwpt = BPF_CORE_READ(paging, common.obj.id);
		e->ioas = BPF_CORE_READ(paging, ioas, obj.id);
	}
	if (igroup)
		e->iova = BPF_CORE_READ(igroup, sw_msi_start);
	e->enforced = new_cookie;
	return submit(e);
}

/* --- HWPT invalidation, dirty tracking ---------------------------------- */

SEC("tp_btf/iommufd_hwpt_invalidate")
int BPF_PROG(hwpt_invalidate, __u32 hwpt_id, __u32 data_type,
	     __u32 entry_num, __u32 done_num, int ret)
{
	struct iommutrace_event *e = begin(IT_HWPT_INVALIDATE, ret);

	if (!e)
		return 0;
	e->hwpt = hwpt_id;
	e->data_type = data_type;
	e->count = entry_num;
	e->done = done_num;
	return submit(e);
}

SEC("tp_btf/iommufd_hwpt_set_dirty_tracking")
int BPF_PROG(hwpt_set_dirty, __u32 hwpt_id, bool enable, int ret)
{
	struct iommutrace_event *e = begin(IT_HWPT_SET_DIRTY, ret);

	if (!e)
		return 0;
	e->hwpt = hwpt_id;
	e->enforced = enable;
	return submit(e);
}

SEC("tp_btf/iommufd_hwpt_get_dirty_bitmap")
int BPF_PROG(hwpt_get_dirty, const struct iommu_hwpt_get_dirty_bitmap *cmd,
	     int ret)
{
	struct iommutrace_event *e;

	if (!cmd)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	e = begin(IT_HWPT_GET_DIRTY, ret);
	if (!e)
		return 0;
	e->hwpt = BPF_CORE_READ(cmd, hwpt_id);
	e->iova = BPF_CORE_READ(cmd, iova);
	e->length = BPF_CORE_READ(cmd, length);
	e->page_size = BPF_CORE_READ(cmd, page_size);
	e->flags = BPF_CORE_READ(cmd, flags);
	return submit(e);
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

SEC("tp_btf/iommufd_fault_deliver")
int BPF_PROG(fault_deliver, struct iommufd_hw_pagetable *hwpt,
	     struct iopf_group *group)
{
	struct iommutrace_event *e;

	if (!hwpt || !group)	/* never NULL: for the verifier */
		return 0;
	e = begin(IT_FAULT_DELIVER, 0);
	if (!e)
		return 0;
	e->fault = BPF_CORE_READ(hwpt, fault, obj.id);
	e->hwpt = hwpt_id(hwpt);
	e->dev = iopf_dev_id(group);
	e->pasid = BPF_CORE_READ(group, last_fault.fault.prm.pasid);
	e->grpid = BPF_CORE_READ(group, last_fault.fault.prm.grpid);
	e->flags = BPF_CORE_READ(group, last_fault.fault.prm.perm);
	e->iova = BPF_CORE_READ(group, last_fault.fault.prm.addr);
	e->count = BPF_CORE_READ(group, fault_count);
	return submit(e);
}

SEC("tp_btf/iommufd_fault_respond")
int BPF_PROG(fault_respond, struct iommufd_fault *fault,
	     struct iopf_group *group, __u32 cookie, __u32 code,
	     bool auto_response, int ret)
{
	struct iommutrace_event *e;

	if (!fault)	/* never NULL: for the verifier (module tracepoint) */
		return 0;
	e = begin(IT_FAULT_RESPOND, ret);
	if (!e)
		return 0;
	e->fault = BPF_CORE_READ(fault, obj.id);
	/* group is NULL for an unknown cookie (a built-in tracepoint's
	 * verifier drops the test: the reads then give 0) */
	e->dev = iopf_dev_id(group);
	if (group)
		e->grpid = BPF_CORE_READ(group, last_fault.fault.prm.grpid);
	e->cookie = cookie;
	e->reason = code;
	e->auto_domain = auto_response;
	return submit(e);
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

static __always_inline void copy_iommu_name(struct iommutrace_event *e,
					    struct intel_iommu *iommu)
{
	bpf_probe_read_kernel_str(e->iommu, sizeof(e->iommu),
				  BPF_CORE_READ(iommu, name));
}

SEC("tp_btf/dmar_enforce_cc")
int BPF_PROG(vtd_enforce_cc, struct dmar_domain *domain, int reason)
{
	struct iommutrace_event *e = begin(IT_VTD_ENFORCE_CC, 0);
	struct device_domain_info *info;
	struct list_head *first;
	struct intel_iommu *iommu;

	if (!e)
		return 0;
	e->reason = reason;
	e->enforced = reason ==
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
		copy_iommu_name(e, iommu);
		e->did = vtd_domain_did(domain, iommu);
	}
	return submit(e);
}

static __always_inline int vtd_domain_event(int type,
					    struct intel_iommu *iommu,
					    struct device *dev,
					    struct iommu_domain *domain,
					    __u32 pasid, int reason, int ret)
{
	struct iommutrace_event *e = begin(type, ret);

	if (!e)
		return 0;
	copy_dev_name(e, dev);
	copy_iommu_name(e, iommu);
	e->pasid = pasid;
	e->dom_type = vtd_dom_type(domain);
	e->did = vtd_did(domain, e->dom_type, iommu);
	e->reason = reason;
	return submit(e);
}

SEC("tp_btf/dmar_domain_attach")
int BPF_PROG(vtd_domain_attach, struct intel_iommu *iommu, struct device *dev,
	     struct iommu_domain *domain, __u32 pasid, int reason, int ret)
{
	return vtd_domain_event(IT_VTD_DOMAIN_ATTACH, iommu, dev, domain,
				pasid, reason, ret);
}

SEC("tp_btf/dmar_domain_detach")
int BPF_PROG(vtd_domain_detach, struct intel_iommu *iommu, struct device *dev,
	     struct iommu_domain *domain, __u32 pasid)
{
	return vtd_domain_event(IT_VTD_DOMAIN_DETACH, iommu, dev, domain,
				pasid, 0, 0);
}

SEC("tp_btf/dmar_pasid_setup")
int BPF_PROG(vtd_pasid_setup, struct intel_iommu *iommu, struct device *dev,
	     __u32 pasid, __u16 did, __u16 pgtt, struct pasid_entry *pte,
	     int ret)
{
	struct iommutrace_event *e = begin(IT_VTD_PASID_SETUP, ret);

	if (!e)
		return 0;
	copy_dev_name(e, dev);
	copy_iommu_name(e, iommu);
	e->pasid = pasid;
	e->did = did;
	e->reason = pgtt;
	/* pasid_get_domain_id(): bits 15:0 of the second quadword */
	if (ret == -16 && pte)			/* -EBUSY: the entry found */
		e->old_did = BPF_CORE_READ(pte, val[1]) & 0xffff;
	return submit(e);
}

SEC("tp_btf/dmar_pasid_teardown")
int BPF_PROG(vtd_pasid_teardown, struct intel_iommu *iommu,
	     struct device *dev, __u32 pasid, __u16 did, __u16 pgtt,
	     int state, bool fault_ignore)
{
	struct iommutrace_event *e = begin(IT_VTD_PASID_TEARDOWN, 0);

	if (!e)
		return 0;
	copy_dev_name(e, dev);
	copy_iommu_name(e, iommu);
	e->pasid = pasid;
	e->did = did;
	e->reason = pgtt;
	e->state = state;
	e->enforced = fault_ignore;
	return submit(e);
}

SEC("tp_btf/dmar_qi_wait")
int BPF_PROG(vtd_qi_wait, struct intel_iommu *iommu, struct qi_desc *desc,
	     unsigned int count, unsigned long options, __u64 wait_ns, int ret)
{
	struct iommutrace_event *e = begin(IT_VTD_QI_WAIT, ret);
	unsigned int i;

	if (!e)
		return 0;
	copy_iommu_name(e, iommu);
	e->ndesc = count;
	e->wait_ns = wait_ns;
	e->state = options & 1;			/* QI_OPT_WAIT_DRAIN */
	for (i = 0; i < count && i < 64; i++)
		e->qi_types |= 1U << (BPF_CORE_READ(&desc[i], qw0) & 0xf);
	return submit(e);
}

/*
 * A DMA fault, with the history of its address in the device's IOAS.  It
 * comes from the IOMMU's interrupt, not from a process: -p, -c and -x do
 * not filter it out (pid is 0, comm the IOMMU's name).
 */
SEC("tp_btf/dmar_fault")
int BPF_PROG(vtd_dma_fault, struct intel_iommu *iommu, struct device *dev,
	     __u16 source_id, __u32 pasid, __u64 addr, int read, __u8 reason,
	     const char *reason_str, int did)
{
	struct iommutrace_fault_event *r;
	struct iommutrace_event *e;
	struct it_fault *f;

	if (!((targ_events >> IT_VTD_DMA_FAULT) & 1))
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost[IT_VTD_DMA_FAULT], 1);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(*r));
	e = &r->e;
	f = &r->f;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = IT_VTD_DMA_FAULT;
	e->iova = addr;
	e->pasid = pasid;
	e->did = did;
	e->reason = reason;
	f->segment = BPF_CORE_READ(iommu, segment);
	f->source_id = source_id;
	f->read = !!read;
	bpf_probe_read_kernel_str(f->iommu, sizeof(f->iommu),
				  BPF_CORE_READ(iommu, name));
	__builtin_memcpy(e->comm, f->iommu, sizeof(e->comm));
	bpf_probe_read_kernel_str(f->reason_str, sizeof(f->reason_str),
				  reason_str);
	fault_dev_name(e->name, dev, iommu, source_id);
	hist_search(e, f);
	if ((targ_ioas && e->ioas != targ_ioas) ||
	    (targ_dev && e->dev != targ_dev)) {
		bpf_ringbuf_discard(r, 0);
		return 0;
	}
	bpf_ringbuf_submit(r, 0);	/* rare: wake the reader now */
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
