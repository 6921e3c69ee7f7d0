/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe.bpf.h - the decode layer's second source, for kernels without the
 * iommutrace tracepoints (a distribution's stock kernel): fentry/fexit on
 * the stock iommufd and VT-d functions build the same typed events
 * (iommutrace.h) and hand them to the same sink (decode.bpf.h's
 * it_sink_wants() and it_sink()), marked source IT_SRC_PROBE.
 *
 * What a probe cannot know is marked missing (h.missing, printed "-"), and
 * where its truth differs from the tracepoint's (one event per call instead
 * of one per HWPT tried, failures that return before the probed function)
 * docs/probe-mode.md says so, event by event.  Only struct fields are
 * read (CO-RE); no offset is guessed.
 *
 * The kernel objects handed to the sink (struct it_objs) are those the
 * tracepoint passes: an fexit program of a uAPI handler, which sees ids
 * only, looks its objects up by id (it_obj_by_id()), so a sink that keeps
 * state by object (iommutop) works from either source.
 *
 * Program names are pr_<tracepoint>: user space maps them to event types
 * and leaves out (autoload) those whose function this kernel's BTF lacks.
 * Include after decode.bpf.h.
 */
#ifndef __PROBE_BPF_H
#define __PROBE_BPF_H

#define IT_PROBE_EVENT(name, retval)					\
	IT_EVENT(name, retval);						\
	ev.h.source = IT_SRC_PROBE

#define IT_MISSING(name, field)						\
	(ev.h.missing |= 1U << IT_FI_##name##_##field)

/* The errno of an fexit program's ERR_PTR() return value, else 0 (read
 * as a number: the verifier forbids arithmetic on the pointer) */
static __always_inline int it_ret_err(void *ctx)
{
	__u64 v = 0;

	bpf_get_func_ret(ctx, &v);
	return (long)v < 0 && (long)v >= -4095 ? (int)(long)v : 0;
}

/*
 * The object of uAPI id ID in a context's objects xarray, if it is of type
 * TYPE (or, for TYPE2 != -1, of that type), else NULL: xa_load() of
 * include/linux/xarray.h, read without a lock.  The fexit programs of the
 * uAPI handlers see only ids; the sinks key their state by the objects
 * (struct it_objs), as the tracepoints give them.  An object destroyed
 * and its id reused between the handler's return and this read would be
 * the new one (an id is reused only once freed).
 */
#define IT_XA_SLOTS	64	/* XA_CHUNK_SIZE */
#define IT_XA_LEVELS	6	/* 6 bits each: any u32 id */

static __always_inline struct iommufd_object *
it_obj_by_id(struct iommufd_ucmd *ucmd, __u32 id, int type, int type2)
{
	struct iommufd_ctx *ictx = BPF_CORE_READ(ucmd, ictx);
	unsigned long e = (unsigned long)BPF_CORE_READ(ictx, objects.xa_head);
	struct iommufd_object *obj;
	int i, t;

	for (i = 0; i < IT_XA_LEVELS; i++) {
		struct xa_node *node = (struct xa_node *)(e - 2);
		__u32 shift;

		if ((e & 3) != 2 || e <= 4096)
			break;	/* not a node: an entry (or none) */
		shift = BPF_CORE_READ(node, shift) & 63;
		if (!i && ((__u64)id >> shift) >= IT_XA_SLOTS)
			return NULL;	/* beyond what the top node spans */
		e = 0;
		bpf_probe_read_kernel(&e, sizeof(e), (void *)node +
				      bpf_core_field_offset(struct xa_node, slots) +
				      (((__u64)id >> shift) & (IT_XA_SLOTS - 1)) *
				      sizeof(void *));
	}
	/* a head that is an entry holds index 0 only */
	if (!e || (e & 3) || (!i && id))
		return NULL;
	obj = (struct iommufd_object *)e;
	if (obj_id(obj) != id)
		return NULL;
	t = BPF_CORE_READ(obj, type);
	return t == type || t == type2 ? obj : NULL;
}

#define IT_OBJ(name)	bpf_core_enum_value(enum iommufd_object_type, name)

static __always_inline struct iommufd_ioas *
it_ioas_by_id(struct iommufd_ucmd *ucmd, __u32 id)
{
	return (struct iommufd_ioas *)it_obj_by_id(ucmd, id,
						    IT_OBJ(IOMMUFD_OBJ_IOAS), -1);
}

/* --- IOAS ------------------------------------------------------------- */

SEC("fexit/iommufd_ioas_alloc_ioctl")
int BPF_PROG(pr_iommufd_ioas_alloc, struct iommufd_ucmd *ucmd, int ret)
{
	struct iommu_ioas_alloc *cmd;

	if (ret)	/* the tracepoint fires for an IOAS made only */
		return 0;
	{
		IT_PROBE_EVENT(iommufd_ioas_alloc, 0);
		cmd = BPF_CORE_READ(ucmd, cmd);
		p->ioas_id = BPF_CORE_READ(cmd, out_ioas_id);
		IT_SINK(.ioas = it_ioas_by_id(ucmd, p->ioas_id));
	}
}

SEC("fentry/iommufd_ioas_destroy")
int BPF_PROG(pr_iommufd_ioas_destroy, struct iommufd_object *obj)
{
	IT_PROBE_EVENT(iommufd_ioas_destroy, 0);
	p->ioas_id = obj_id(obj);
	IT_SINK(.ioas = (struct iommufd_ioas *)obj);
}

SEC("fexit/iommufd_ioas_map")
int BPF_PROG(pr_iommufd_ioas_map, struct iommufd_ucmd *ucmd, int ret)
{
	struct iommu_ioas_map *cmd = BPF_CORE_READ(ucmd, cmd);

	IT_PROBE_EVENT(iommufd_ioas_map, ret);
	p->ioas_id = BPF_CORE_READ(cmd, ioas_id);
	p->iova = BPF_CORE_READ(cmd, iova);	/* the one chosen, on success */
	p->length = BPF_CORE_READ(cmd, length);
	p->user_va = BPF_CORE_READ(cmd, user_va);
	p->flags = BPF_CORE_READ(cmd, flags);
	IT_SINK(.ioas = it_ioas_by_id(ucmd, p->ioas_id));
}

SEC("fexit/iommufd_ioas_unmap")
int BPF_PROG(pr_iommufd_ioas_unmap, struct iommufd_ucmd *ucmd, int ret)
{
	struct iommu_ioas_unmap *cmd = BPF_CORE_READ(ucmd, cmd);

	IT_PROBE_EVENT(iommufd_ioas_unmap, ret);
	p->ioas_id = BPF_CORE_READ(cmd, ioas_id);
	p->iova = BPF_CORE_READ(cmd, iova);
	/* On success the kernel has replaced the length asked by the
	 * length unmapped: the length asked is not known */
	if (ret) {
		p->length = BPF_CORE_READ(cmd, length);
	} else {
		p->unmapped = BPF_CORE_READ(cmd, length);
		IT_MISSING(iommufd_ioas_unmap, length);
	}
	IT_SINK(.ioas = it_ioas_by_id(ucmd, p->ioas_id));
}

SEC("fexit/iommufd_ioas_copy")
int BPF_PROG(pr_iommufd_ioas_copy, struct iommufd_ucmd *ucmd, int ret)
{
	struct iommu_ioas_copy *cmd = BPF_CORE_READ(ucmd, cmd);

	IT_PROBE_EVENT(iommufd_ioas_copy, ret);
	p->src_ioas_id = BPF_CORE_READ(cmd, src_ioas_id);
	p->dst_ioas_id = BPF_CORE_READ(cmd, dst_ioas_id);
	p->src_iova = BPF_CORE_READ(cmd, src_iova);
	p->dst_iova = BPF_CORE_READ(cmd, dst_iova);
	p->length = BPF_CORE_READ(cmd, length);
	p->flags = BPF_CORE_READ(cmd, flags);
	IT_SINK(.ioas = it_ioas_by_id(ucmd, p->dst_ioas_id));
}

/* --- HWPT ------------------------------------------------------------- */

/* IOMMU_HWPT_ALLOC only: automatic domains are not allocated here */
SEC("fexit/iommufd_hwpt_alloc")
int BPF_PROG(pr_iommufd_hwpt_alloc, struct iommufd_ucmd *ucmd, int ret)
{
	struct iommu_hwpt_alloc *cmd = BPF_CORE_READ(ucmd, cmd);
	struct iommufd_hw_pagetable *hwpt = NULL;

	IT_PROBE_EVENT(iommufd_hwpt_alloc, ret);
	if (!ret) {
		p->hwpt_id = BPF_CORE_READ(cmd, out_hwpt_id);
		hwpt = (void *)it_obj_by_id(ucmd, p->hwpt_id,
					    IT_OBJ(IOMMUFD_OBJ_HWPT_PAGING),
					    IT_OBJ(IOMMUFD_OBJ_HWPT_NESTED));
	}
	p->pt_id = BPF_CORE_READ(cmd, pt_id);
	p->dev_id = BPF_CORE_READ(cmd, dev_id);
	p->flags = BPF_CORE_READ(cmd, flags);
	p->data_type = BPF_CORE_READ(cmd, data_type);
	p->nested = p->data_type != 0;	/* IOMMU_HWPT_DATA_NONE: paging */
	IT_MISSING(iommufd_hwpt_alloc, ioas_id);
	IT_MISSING(iommufd_hwpt_alloc, enforce_cc);
	IT_SINK(.hwpt = hwpt, .ioas = hwpt_ioas(hwpt));
}

SEC("fentry/iommufd_hwpt_paging_destroy")
int BPF_PROG(pr_iommufd_hwpt_destroy, struct iommufd_object *obj)
{
	struct iommufd_hw_pagetable *hwpt = (void *)obj;

	IT_PROBE_EVENT(iommufd_hwpt_destroy, 0);
	p->hwpt_id = hwpt_id(hwpt);
	p->ioas_id = ioas_id(hwpt_ioas(hwpt));
	IT_SINK(.hwpt = hwpt);
}

/* --- devices and accesses --------------------------------------------- */

SEC("fexit/iommufd_device_bind")
int BPF_PROG(pr_iommufd_device_bind, struct iommufd_ctx *ictx,
	     struct device *dev, __u32 *id, struct iommufd_device *idev)
{
	int err = it_ret_err(ctx);

	IT_PROBE_EVENT(iommufd_device_bind, err);
	it_dev_name(p->device, dev);
	if (!err) {
		p->dev_id = idev_id(idev);
		p->cc_capable = BPF_CORE_READ(idev, enforce_cache_coherency);
	}
	IT_SINK(.idev = err ? NULL : idev, .dev = dev);
}

SEC("fentry/iommufd_device_unbind")
int BPF_PROG(pr_iommufd_device_unbind, struct iommufd_device *idev)
{
	IT_PROBE_EVENT(iommufd_device_unbind, 0);
	p->dev_id = idev_id(idev);
	if (idev)
		it_dev_name(p->device, BPF_CORE_READ(idev, dev));
	IT_SINK(.idev = idev);
}

/* The HWPT a device's group is attached to now */
static __always_inline struct iommufd_hw_pagetable *
group_hwpt(struct iommufd_device *idev)
{
	return idev ? BPF_CORE_READ(idev, igroup, hwpt) : NULL;
}

/* One event per call, where the tracepoint fires once per HWPT tried */
SEC("fexit/iommufd_device_attach")
int BPF_PROG(pr_iommufd_device_attach, struct iommufd_device *idev,
	     __u32 *pt_id, int ret)
{
	struct iommufd_hw_pagetable *hwpt = NULL;
	struct iommufd_ioas *ioas = NULL;
	__u32 pt = 0;

	bpf_probe_read_kernel(&pt, sizeof(pt), pt_id);
	IT_PROBE_EVENT(iommufd_device_attach, ret);
	p->dev_id = idev_id(idev);
	if (!ret) {
		/* on success *pt_id is the HWPT attached */
		hwpt = group_hwpt(idev);
		ioas = hwpt_ioas(hwpt);
		p->hwpt_id = pt;
		p->ioas_id = ioas_id(ioas);
		p->enforce_cc = hwpt_enforce_cc(hwpt);
		p->group_devices = group_devices(idev);
	} else {
		p->pt_id = pt;
		IT_MISSING(iommufd_device_attach, ioas_id);
	}
	IT_SINK(.idev = idev, .hwpt = hwpt, .ioas = ioas);
}

SEC("fexit/iommufd_device_replace")
int BPF_PROG(pr_iommufd_device_replace, struct iommufd_device *idev,
	     __u32 *pt_id, int ret)
{
	struct iommufd_hw_pagetable *hwpt = NULL;
	struct iommufd_ioas *ioas = NULL;
	__u32 pt = 0;

	bpf_probe_read_kernel(&pt, sizeof(pt), pt_id);
	IT_PROBE_EVENT(iommufd_device_replace, ret);
	p->dev_id = idev_id(idev);
	IT_MISSING(iommufd_device_replace, old_hwpt_id);
	if (!ret) {
		hwpt = group_hwpt(idev);
		ioas = hwpt_ioas(hwpt);
		p->hwpt_id = pt;
		p->ioas_id = ioas_id(ioas);
		p->enforce_cc = hwpt_enforce_cc(hwpt);
		p->group_devices = group_devices(idev);
	} else {
		p->pt_id = pt;
		IT_MISSING(iommufd_device_replace, ioas_id);
	}
	IT_SINK(.idev = idev, .hwpt = hwpt, .ioas = ioas);
}

/* At entry: the HWPT the device leaves */
SEC("fentry/iommufd_device_detach")
int BPF_PROG(pr_iommufd_device_detach, struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt = group_hwpt(idev);

	IT_PROBE_EVENT(iommufd_device_detach, 0);
	p->dev_id = idev_id(idev);
	p->hwpt_id = hwpt_id(hwpt);
	p->ioas_id = ioas_id(hwpt_ioas(hwpt));
	IT_MISSING(iommufd_device_detach, group_devices);
	IT_SINK(.idev = idev, .hwpt = hwpt);
}

SEC("fexit/iommufd_access_create")
int BPF_PROG(pr_iommufd_access_create, struct iommufd_ctx *ictx,
	     const struct iommufd_access_ops *ops, void *data, __u32 *id,
	     struct iommufd_access *access)
{
	if (it_ret_err(ctx))	/* the tracepoint fires for one made only */
		return 0;
	{
		IT_PROBE_EVENT(iommufd_access_create, 0);
		p->access_id = access_id(access);
		IT_SINK(.access = access);
	}
}

SEC("fentry/iommufd_access_destroy")
int BPF_PROG(pr_iommufd_access_destroy, struct iommufd_access *access)
{
	IT_PROBE_EVENT(iommufd_access_destroy, 0);
	p->access_id = access_id(access);
	IT_SINK(.access = access);
}

/* --- VT-d ------------------------------------------------------------- */

/* The result only: which reason, and the domain's IOMMU, are not known */
SEC("fexit/intel_iommu_enforce_cache_coherency")
int BPF_PROG(pr_dmar_enforce_cc, struct iommu_domain *domain, bool ret)
{
	IT_PROBE_EVENT(dmar_enforce_cc, 0);
	p->enforced = ret;
	IT_MISSING(dmar_enforce_cc, iommu);
	IT_MISSING(dmar_enforce_cc, did);
	IT_MISSING(dmar_enforce_cc, reason);
	IT_SINK(.domain = domain);
}

#endif /* __PROBE_BPF_H */
