// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioastrace.bpf.c - one record per iommufd / VT-d event, to a ring buffer.
 *
 * BTF-typed tracepoint programs (tp_btf) on the iommutrace tracepoints read
 * their arguments directly; the latency of an event is measured from the
 * entry of the iommufd ioctl that raised it (fentry/iommufd_fops_ioctl).
 * A record that does not fit in the ring buffer is counted in lost[type].
 *
 * With dma_fault traced, map/unmap/copy and attach/replace/detach also
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
const volatile bool keep_history;	/* dma_fault traced: feed the history */

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

	e->hwpt = hwpt_id(hwpt);
	e->ioas = ioas_id(hwpt_ioas(hwpt));
	e->nested = hwpt_is_nested(hwpt);
	if (e->nested)
		e->hwpt2 = paging ? BPF_CORE_READ(paging, common.obj.id) : 0;
	else if (paging)
		e->auto_domain = BPF_CORE_READ_BITFIELD_PROBED(paging,
							       auto_domain);
	if (paging)
		e->enforced = BPF_CORE_READ_BITFIELD_PROBED(paging,
						enforce_cache_coherency);
}

SEC("tp_btf/iommufd_hwpt_alloc")
int BPF_PROG(hwpt_alloc, struct iommufd_hw_pagetable *hwpt,
	     struct iommufd_device *idev, __u32 flags)
{
	struct iommutrace_event *e = begin(IT_HWPT_ALLOC, 0);

	if (!e)
		return 0;
	fill_hwpt(e, hwpt);
	e->dev = idev_id(idev);
	e->flags = flags;
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

static __always_inline int attach_event(int type, struct iommufd_device *idev,
					struct iommufd_object *pt_obj,
					__u32 pt_id,
					struct iommufd_hw_pagetable *old,
					int ret)
{
	int ioas_type = bpf_core_enum_value(enum iommufd_object_type,
					    IOMMUFD_OBJ_IOAS);
	bool auto_domain = false;
	struct iommutrace_event *e;
	__u32 ioas = 0;

	if (pt_obj && BPF_CORE_READ(pt_obj, type) == ioas_type) {
		auto_domain = true;
		ioas = obj_id(pt_obj);
	} else if (pt_obj) {
		ioas = ioas_id(hwpt_ioas((struct iommufd_hw_pagetable *)pt_obj));
	}
	if (keep_history && !ret)
		hist_attach(idev, ioas, pt_id);
	e = begin(type, ret);
	if (!e)
		return 0;
	e->dev = idev_id(idev);
	e->pt = pt_obj ? obj_id(pt_obj) : pt_id;
	e->hwpt = ret ? 0 : pt_id;
	e->hwpt2 = hwpt_id(old);
	e->auto_domain = auto_domain;
	e->ioas = ioas;
	return submit(e);
}

SEC("tp_btf/iommufd_device_attach")
int BPF_PROG(device_attach, struct iommufd_device *idev,
	     struct iommufd_object *pt_obj, __u32 pt_id,
	     struct iommufd_hw_pagetable *old, int ret)
{
	return attach_event(IT_DEVICE_ATTACH, idev, pt_obj, pt_id, old, ret);
}

SEC("tp_btf/iommufd_device_replace")
int BPF_PROG(device_replace, struct iommufd_device *idev,
	     struct iommufd_object *pt_obj, __u32 pt_id,
	     struct iommufd_hw_pagetable *old, int ret)
{
	return attach_event(IT_DEVICE_REPLACE, idev, pt_obj, pt_id, old, ret);
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
	return submit(e);
}

SEC("tp_btf/iommufd_access_change_ioas")
int BPF_PROG(access_change_ioas, struct iommufd_access *access,
	     struct iommufd_ioas *cur, struct iommufd_ioas *new, int ret)
{
	struct iommutrace_event *e = begin(IT_ACCESS_CHANGE_IOAS, ret);

	if (!e)
		return 0;
	e->access = access_id(access);
	e->ioas = ioas_id(cur);
	e->ioas2 = ioas_id(new);
	return submit(e);
}

/* --- map, unmap, copy --------------------------------------------------- */

SEC("tp_btf/iommufd_ioas_map")
int BPF_PROG(ioas_map, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	     __u64 length, __u64 user_va, __u32 flags, int ret)
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
	return submit(e);
}

SEC("tp_btf/iommufd_ioas_unmap")
int BPF_PROG(ioas_unmap, struct iommufd_ioas *ioas, __u32 id, __u64 iova,
	     __u64 length, __u64 unmapped, int ret)
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
	e->npages = npages;
	if (pages) {	/* never NULL: for the verifier (module tracepoint) */
		e->npinned = BPF_CORE_READ(pages, npinned);
		e->length = BPF_CORE_READ(pages, npages);	/* total, in pages */
		e->reason = BPF_CORE_READ(pages, account_mode);
		e->uid = BPF_CORE_READ(pages, source_user, uid.val);
	}
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

static __always_inline int access_pin_event(int type,
					    struct iommufd_access *access,
					    struct iommufd_ioas *ioas,
					    unsigned long iova,
					    unsigned long length,
					    unsigned int flags, int ret)
{
	struct iommutrace_event *e = begin(type, ret);

	if (!e)
		return 0;
	e->access = access_id(access);
	e->ioas = ioas_id(ioas);
	e->iova = iova;
	e->length = length;
	e->flags = flags;
	return submit(e);
}

SEC("tp_btf/iommufd_access_pin")
int BPF_PROG(access_pin, struct iommufd_access *access,
	     struct iommufd_ioas *ioas, unsigned long iova,
	     unsigned long length, unsigned int flags, int ret)
{
	return access_pin_event(IT_ACCESS_PIN, access, ioas, iova, length,
				flags, ret);
}

SEC("tp_btf/iommufd_access_unpin")
int BPF_PROG(access_unpin, struct iommufd_access *access,
	     struct iommufd_ioas *ioas, unsigned long iova,
	     unsigned long length, unsigned int flags, int ret)
{
	return access_pin_event(IT_ACCESS_UNPIN, access, ioas, iova, length,
				flags, ret);
}

/* --- coherency, MSI ----------------------------------------------------- */

SEC("tp_btf/iommufd_hwpt_enforce_cc")
int BPF_PROG(hwpt_enforce_cc, struct iommufd_hwpt_paging *paging,
	     struct iommufd_device *idev, int ret)
{
	struct iommutrace_event *e = begin(IT_HWPT_ENFORCE_CC, ret);

	if (!e)
		return 0;
	e->dev = idev_id(idev);
	if (paging) {	/* never NULL: for the verifier (module tracepoint) */
		e->hwpt = BPF_CORE_READ(paging, common.obj.id);
		e->ioas = BPF_CORE_READ(paging, ioas, obj.id);
		e->enforced = BPF_CORE_READ_BITFIELD_PROBED(paging,
						enforce_cache_coherency);
	}
	return submit(e);
}

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

/* --- VT-d --------------------------------------------------------------- */

SEC("tp_btf/enforce_cache_coherency")
int BPF_PROG(vtd_enforce_cc, struct dmar_domain *domain, int reason)
{
	struct iommutrace_event *e = begin(IT_VTD_ENFORCE_CC, 0);

	if (!e)
		return 0;
	e->reason = reason;
	e->enforced = reason ==
		bpf_core_enum_value(enum dmar_cc_reason, DMAR_CC_ENFORCED) ||
		reason == bpf_core_enum_value(enum dmar_cc_reason,
					      DMAR_CC_ALREADY_ENFORCED);
	return submit(e);
}

static __always_inline int vtd_domain_event(int type,
					    struct device_domain_info *info,
					    int ret)
{
	struct iommutrace_event *e = begin(type, ret);

	if (!e)
		return 0;
	copy_dev_name(e, BPF_CORE_READ(info, dev));
	return submit(e);
}

SEC("tp_btf/domain_attach_device")
int BPF_PROG(vtd_domain_attach, struct dmar_domain *domain,
	     struct device_domain_info *info, int ret)
{
	return vtd_domain_event(IT_VTD_DOMAIN_ATTACH, info, ret);
}

SEC("tp_btf/domain_detach_device")
int BPF_PROG(vtd_domain_detach, struct dmar_domain *domain,
	     struct device_domain_info *info, int ret)
{
	return vtd_domain_event(IT_VTD_DOMAIN_DETACH, info, ret);
}

static __always_inline int pasid_event(int type, struct device *dev,
				       __u32 pasid, __u16 did, __u16 pgtt)
{
	struct iommutrace_event *e = begin(type, 0);

	if (!e)
		return 0;
	copy_dev_name(e, dev);
	e->pasid = pasid;
	e->did = did;
	e->reason = pgtt;
	return submit(e);
}

SEC("tp_btf/pasid_setup")
int BPF_PROG(vtd_pasid_setup, struct intel_iommu *iommu, struct device *dev,
	     __u32 pasid, __u16 did, __u16 pgtt)
{
	return pasid_event(IT_VTD_PASID_SETUP, dev, pasid, did, pgtt);
}

SEC("tp_btf/pasid_teardown")
int BPF_PROG(vtd_pasid_teardown, struct intel_iommu *iommu,
	     struct device *dev, __u32 pasid, __u16 did, __u16 pgtt)
{
	return pasid_event(IT_VTD_PASID_TEARDOWN, dev, pasid, did, pgtt);
}

/*
 * A DMA fault, with the history of its address in the device's IOAS.  It
 * comes from the IOMMU's interrupt, not from a process: -p, -c and -x do
 * not filter it out (pid is 0, comm the IOMMU's name).
 */
SEC("tp_btf/dma_fault")
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
