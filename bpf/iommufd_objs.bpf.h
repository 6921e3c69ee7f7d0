/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iommufd_objs.bpf.h - CO-RE readers for iommufd and VT-d objects, shared by
 * the BPF programs of all tools.  They follow the object pointers the
 * iommutrace tracepoints pass (TP_PROTO) and return uAPI ids, 0 for none.
 * Include after vmlinux.h and bpf_core_read.h.
 *
 * NULL checks: the verifier takes the pointer arguments of a tracepoint of
 * vmlinux as non-NULL, but those of a tracepoint of a module (iommufd built
 * as iommufd.ko) as maybe-NULL, and then refuses any field access (pointer
 * arithmetic) that no NULL check dominates.  Every reader here checks its
 * object pointer, and so must a program before reading a tracepoint
 * argument itself.
 */
#ifndef __IOMMUFD_OBJS_BPF_H
#define __IOMMUFD_OBJS_BPF_H

#include "iommutrace.h"

static __always_inline __u32 obj_id(struct iommufd_object *obj)
{
	return obj ? BPF_CORE_READ(obj, id) : 0;
}

static __always_inline __u32 ioas_id(struct iommufd_ioas *ioas)
{
	return ioas ? BPF_CORE_READ(ioas, obj.id) : 0;
}

static __always_inline __u32 idev_id(struct iommufd_device *idev)
{
	return idev ? BPF_CORE_READ(idev, obj.id) : 0;
}

static __always_inline __u32 access_id(struct iommufd_access *access)
{
	return access ? BPF_CORE_READ(access, obj.id) : 0;
}

static __always_inline __u32 hwpt_id(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt ? BPF_CORE_READ(hwpt, obj.id) : 0;
}

static __always_inline bool hwpt_is_nested(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt && BPF_CORE_READ(hwpt, obj.type) ==
	       bpf_core_enum_value(enum iommufd_object_type,
				   IOMMUFD_OBJ_HWPT_NESTED);
}

/* The kernel-managed HWPT: the HWPT itself, or a nested HWPT's parent */
static __always_inline struct iommufd_hwpt_paging *
hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	if (!hwpt)
		return NULL;
	if (hwpt_is_nested(hwpt))
		return BPF_CORE_READ((struct iommufd_hwpt_nested *)hwpt, parent);
	/* common is the first member of struct iommufd_hwpt_paging */
	return (struct iommufd_hwpt_paging *)hwpt;
}

/* The IOAS a HWPT (or a nested HWPT's parent) maps */
static __always_inline struct iommufd_ioas *
hwpt_ioas(struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_hwpt_paging *paging = hwpt_paging(hwpt);

	return paging ? BPF_CORE_READ(paging, ioas) : NULL;
}

#define IT_RLIMIT_MEMLOCK	8	/* RLIMIT_MEMLOCK, asm-generic/resource.h */
#define IT_PAGE_SHIFT		12	/* PAGE_SHIFT: 4 KiB pages on x86 */

/*
 * The charge of an iopt_pages as iommufd:iommufd_pages_pin records it:
 * user VA, pinned and total pages, accounting mode (0 none,
 * 1 user, 2 mm), charged uid, whose memory (tgid), the charged
 * locked_vm (the user's or the mm's, by mode; 0 for none) and the
 * RLIMIT_MEMLOCK of that task, in pages.  A tool that keeps only the
 * pinned count and the mode defines IT_PAGES_CHARGE_LEAN before including
 * decode.bpf.h: the other fields stay 0, and each pin and unpin event
 * costs 9 kernel reads less.
 *
 * Called by tp_btf programs, on every pin and unpin: pages is a BTF
 * pointer, so the reads are direct loads (CO-RE relocated; a fault reads
 * 0) rather than a bpf_probe_read_kernel() call each, the largest part of
 * the event's cost when they were calls (docs/performance.md).
 */
static __always_inline void pages_charge(struct it_iommufd_pages_pin *p,
					 struct iopt_pages *pages)
{
	struct task_struct *task;
	/* IOPT_PAGES_ACCOUNT_USER, _MM: an anonymous enum, not in BTF by
	 * name; the values are the tracepoint's (TRACE_DEFINE_ENUM) */
	const int mode_user = 1, mode_mm = 2;

	if (!pages)	/* never NULL: for the verifier (module tracepoint) */
		return;
	p->npinned = pages->npinned;
	p->account_mode = pages->account_mode;
#ifdef IT_PAGES_CHARGE_LEAN
	return;
#endif
	task = pages->source_task;
	p->user_va = (__u64)pages->uptr;
	p->total_pages = pages->npages;
	p->uid = pages->source_user->uid.val;
	p->owner_pid = task->tgid;
	if (p->account_mode == mode_user)
		p->locked = pages->source_user->locked_vm.counter;
	else if (p->account_mode == mode_mm)
		p->locked = pages->source_mm->locked_vm;
	p->limit = task->signal->rlim[IT_RLIMIT_MEMLOCK].rlim_cur >>
		   IT_PAGE_SHIFT;
}

#define FAULT_DEV_NAME_LEN	32	/* = IT_NAME_LEN (iommutrace.h) */

/*
 * The name of the device a VT-d fault record names (intel_iommu:dmar_fault):
 * dev's name, or for a device the driver's rbtree does not hold (dev is
 * NULL: it holds ATS-capable devices only) the PCI name "ssss:bb:dd.f" of
 * the IOMMU's segment and the requester id.  name: FAULT_DEV_NAME_LEN bytes,
 * zeroed by the caller.  The verifier takes tp_btf pointers as non-NULL
 * and drops an "if (!dev)" branch: test what the read gave instead.
 */
static __always_inline void fault_dev_name(char *name, struct device *dev,
					   struct intel_iommu *iommu, __u16 sid)
{
	const char hex[] = "0123456789abcdef";
	const char *kname = BPF_CORE_READ(dev, kobj.name);
	__u16 seg;
	int i;

	if (kname && bpf_probe_read_kernel_str(name, FAULT_DEV_NAME_LEN, kname) > 1)
		return;
	seg = BPF_CORE_READ(iommu, segment);
	for (i = 0; i < 4; i++)
		name[i] = hex[(seg >> (12 - 4 * i)) & 0xf];
	name[4] = ':';
	name[5] = hex[(sid >> 12) & 0xf];
	name[6] = hex[(sid >> 8) & 0xf];
	name[7] = ':';
	name[8] = hex[(sid >> 7) & 0x1];
	name[9] = hex[(sid >> 3) & 0xf];
	name[10] = '.';
	name[11] = hex[sid & 0x7];
	name[12] = '\0';
}

#endif /* __IOMMUFD_OBJS_BPF_H */
