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

/* --- VFIO type1 containers (vfio_iommu_type1.ko) ------------------------
 *
 * A kernel built with CONFIG_VFIO_CONTAINER (every distribution's; Debian's
 * has no iommufd at all) serves /dev/vfio/vfio with vfio_iommu_type1, which
 * no iommufd event sees.  Its uAPI is the one iommufd's VFIO compat serves
 * with the iommufd_ioas_* events (compat=1), so the same events are built
 * here: one container is one address space, its ioas_id a number ioastrace
 * gives it (t1_id()), and every record is marked source IT_SRC_TYPE1.
 *
 * vfio_dma_do_map()/_unmap() are inlined (Debian's 6.12): the uAPI entry
 * vfio_iommu_type1_ioctl() is probed, the user's struct
 * vfio_iommu_type1_dma_map/unmap read (CO-RE) at its entry, the result at
 * its exit.  Programs are named t1_* and not loaded by default (SEC "?"):
 * a tool turns on those whose function /sys/kernel/btf/vfio_iommu_type1
 * has (ioastrace.c, select_type1()).
 */

/* uAPI, include/uapi/linux/vfio.h: _IO(VFIO_TYPE, VFIO_BASE + 13 / 14) */
#define IT_VFIO_TYPE			(';')
#define IT_VFIO_BASE			100
#define IT_VFIO_IOMMU_MAP_DMA		((IT_VFIO_TYPE << 8) | (IT_VFIO_BASE + 13))
#define IT_VFIO_IOMMU_UNMAP_DMA		((IT_VFIO_TYPE << 8) | (IT_VFIO_BASE + 14))
#define IT_VFIO_DMA_MAP_FLAG_READ	(1 << 0)
#define IT_VFIO_DMA_MAP_FLAG_WRITE	(1 << 1)
#define IT_VFIO_DMA_MAP_FLAG_VADDR	(1 << 2)
#define IT_VFIO_DMA_UNMAP_FLAG_ALL	(1 << 1)
#define IT_VFIO_DMA_UNMAP_FLAG_VADDR	(1 << 2)

#include "vfio_type1_types.bpf.h"

/* A container's number: struct vfio_iommu * -> 1, 2, ... in the order
 * ioastrace first saw the containers; forgotten when one is released */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} t1_ids SEC(".maps");

/* The numbers taken: id -> struct vfio_iommu *, so that two CPUs numbering
 * two new containers at once cannot give both the same number (without
 * atomic fetch-and-add, which needs BPF ISA v3) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} t1_taken SEC(".maps");

__u32 t1_last_id;

static __always_inline __u32 t1_id(void *iommu)
{
	__u64 key = (__u64)iommu;
	__u32 *id = bpf_map_lookup_elem(&t1_ids, &key), new;
	int i;

	if (id)
		return *id;
	new = t1_last_id;
	for (i = 0; i < 16; i++) {
		new++;
		if (!bpf_map_update_elem(&t1_taken, &new, &key, BPF_NOEXIST))
			break;
	}
	if (i == 16)
		return 0;
	t1_last_id = new;
	/* the same container numbered on another CPU meanwhile: the first
	 * number stays, this one is given back */
	if (bpf_map_update_elem(&t1_ids, &key, &new, BPF_NOEXIST))
		bpf_map_delete_elem(&t1_taken, &new);
	id = bpf_map_lookup_elem(&t1_ids, &key);
	return id ? *id : 0;
}

/* What vfio_iommu_type1_ioctl() was asked, per thread, from entry to exit */
struct t1_call {
	__u64 ts_ns;		/* entry */
	__u64 iova;
	__u64 size;
	__u64 vaddr;		/* map */
	__u64 arg;		/* the user's struct */
	__u32 cmd;
	__u32 flags;
	__u32 unread;		/* the user's struct could not be read */
};

/* Task storage: found through the thread, freed with it, never evicted
 * while the call runs (an LRU could).  The exit marks it used (cmd 0) */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct t1_call);
} t1_calls SEC(".maps");

SEC("?fentry/vfio_iommu_type1_ioctl")
int BPF_PROG(t1_ioctl_enter, void *iommu_data, unsigned int cmd,
	     unsigned long arg)
{
	struct vfio_iommu_type1_dma_map *map = (void *)arg;
	struct vfio_iommu_type1_dma_unmap *unmap = (void *)arg;
	struct t1_call c = { .cmd = cmd, .arg = arg }, *stash;

	if (cmd == IT_VFIO_IOMMU_MAP_DMA) {
		if (!it_sink_wants(IT_IOAS_MAP))
			return 0;
		c.unread = bpf_core_read_user(&c.flags, sizeof(c.flags),
					      &map->flags) |
			   bpf_core_read_user(&c.iova, sizeof(c.iova),
					      &map->iova) |
			   bpf_core_read_user(&c.size, sizeof(c.size),
					      &map->size) |
			   bpf_core_read_user(&c.vaddr, sizeof(c.vaddr),
					      &map->vaddr);
		if (c.flags & IT_VFIO_DMA_MAP_FLAG_VADDR)
			return 0;	/* a new vaddr for a mapping, no map */
	} else if (cmd == IT_VFIO_IOMMU_UNMAP_DMA) {
		if (!it_sink_wants(IT_IOAS_UNMAP))
			return 0;
		c.unread = bpf_core_read_user(&c.flags, sizeof(c.flags),
					      &unmap->flags) |
			   bpf_core_read_user(&c.iova, sizeof(c.iova),
					      &unmap->iova) |
			   bpf_core_read_user(&c.size, sizeof(c.size),
					      &unmap->size);
		if (c.flags & IT_VFIO_DMA_UNMAP_FLAG_VADDR)
			return 0;	/* invalidates vaddrs, unmaps nothing */
	} else {
		return 0;
	}
	stash = bpf_task_storage_get(&t1_calls, bpf_get_current_task_btf(),
				     NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (stash) {	/* NULL only on recursion into task storage */
		c.ts_ns = bpf_ktime_get_ns();
		*stash = c;
	}
	return 0;
}

#define IT_T1_EVENT(name, retval)					\
	IT_EVENT(name, retval);						\
	ev.h.source = IT_SRC_TYPE1

/* lat_ns: from the entry of vfio_iommu_type1_ioctl() (no iommufd ioctl) */
static __always_inline void t1_lat(struct it_hdr *h, __u32 want,
				   const struct t1_call *c)
{
	if ((want & IT_W_LAT) && h->ts_ns > c->ts_ns)
		h->lat_ns = h->ts_ns - c->ts_ns;
}

static __always_inline int t1_map(void *ctx, void *iommu,
				  const struct t1_call *c, int ret)
{
	IT_T1_EVENT(iommufd_ioas_map, ret);
	t1_lat(&ev.h, want, c);
	p->ioas_id = t1_id(iommu);
	p->iova = c->iova;
	p->length = c->size;
	p->user_va = c->vaddr;
	/* as iommufd's compat records a VFIO map: always FIXED_IOVA */
	p->flags = IOMMU_IOAS_MAP_FIXED_IOVA |
		   (c->flags & IT_VFIO_DMA_MAP_FLAG_READ ?
		    IOMMU_IOAS_MAP_READABLE : 0) |
		   (c->flags & IT_VFIO_DMA_MAP_FLAG_WRITE ?
		    IOMMU_IOAS_MAP_WRITEABLE : 0);
	p->compat = 1;
	if (c->unread) {	/* the kernel's copy failed too: -EFAULT */
		IT_MISSING(iommufd_ioas_map, iova);
		IT_MISSING(iommufd_ioas_map, length);
		IT_MISSING(iommufd_ioas_map, user_va);
		IT_MISSING(iommufd_ioas_map, flags);
	}
	IT_SINK(.container = iommu);
}

static __always_inline int t1_unmap(void *ctx, void *iommu,
				    const struct t1_call *c, int ret)
{
	struct vfio_iommu_type1_dma_unmap *unmap = (void *)c->arg;

	IT_T1_EVENT(iommufd_ioas_unmap, ret);
	t1_lat(&ev.h, want, c);
	p->ioas_id = t1_id(iommu);
	p->iova = c->iova;
	/* VFIO_DMA_UNMAP_FLAG_ALL: as the tracepoint, length U64_MAX */
	p->length = c->flags & IT_VFIO_DMA_UNMAP_FLAG_ALL ? ~0ULL : c->size;
	p->compat = 1;
	/* On success the kernel has written the length unmapped over the
	 * user's size; on failure it writes nothing back */
	if (ret || bpf_core_read_user(&p->unmapped, sizeof(p->unmapped),
				      &unmap->size))
		IT_MISSING(iommufd_ioas_unmap, unmapped);
	if (c->unread) {
		IT_MISSING(iommufd_ioas_unmap, iova);
		IT_MISSING(iommufd_ioas_unmap, length);
	}
	IT_SINK(.container = iommu);
}

SEC("?fexit/vfio_iommu_type1_ioctl")
int BPF_PROG(t1_ioctl_exit, void *iommu_data, unsigned int cmd,
	     unsigned long arg, long ret)
{
	struct t1_call *cp, c;

	cp = bpf_task_storage_get(&t1_calls, bpf_get_current_task_btf(), NULL, 0);
	if (!cp)
		return 0;
	c = *cp;
	cp->cmd = 0;	/* used */
	if (c.cmd != cmd || c.arg != arg)
		return 0;
	if (cmd == IT_VFIO_IOMMU_MAP_DMA)
		return t1_map(ctx, iommu_data, &c, ret);
	return t1_unmap(ctx, iommu_data, &c, ret);
}

/* VFIO_SET_IOMMU made a container */
SEC("?fexit/vfio_iommu_type1_open")
int BPF_PROG(t1_open, unsigned long arg)
{
	__u64 iommu = 0;

	bpf_get_func_ret(ctx, &iommu);
	if (it_ret_err(ctx) || !iommu)
		return 0;
	{
		IT_T1_EVENT(iommufd_ioas_alloc, 0);
		p->ioas_id = t1_id((void *)iommu);
		IT_SINK(.container = (void *)iommu);
	}
}

/* The container goes (its last group left, or its fd closed): what it
 * still maps is unmapped without an unmap event, as an IOAS destroyed.
 * Loaded whenever a type1 event is: its number is forgotten here. */
SEC("?fentry/vfio_iommu_type1_release")
int BPF_PROG(t1_release, void *iommu_data)
{
	__u64 key = (__u64)iommu_data;
	__u32 *idp = bpf_map_lookup_elem(&t1_ids, &key), id;

	if (!idp)
		return 0;	/* never seen while traced */
	id = *idp;
	bpf_map_delete_elem(&t1_ids, &key);
	bpf_map_delete_elem(&t1_taken, &id);
	{
		IT_T1_EVENT(iommufd_ioas_destroy, 0);
		p->ioas_id = id;
		IT_SINK(.container = iommu_data);
	}
}

/*
 * A group joins a container (VFIO_GROUP_SET_CONTAINER, then
 * VFIO_SET_IOMMU or a later group): vfio_iommu_type1_attach_group(), for a
 * group with an IOMMU domain and for an emulated (mdev) one alike.  The
 * nearest iommufd event is a device attach: ioas_id is the container's
 * number; a group has no iommufd device, HWPT or pt id (missing).  Its
 * domain's coherency is not read here.
 */
SEC("?fexit/vfio_iommu_type1_attach_group")
int BPF_PROG(t1_attach_group, void *iommu_data, struct iommu_group *group,
	     int type, int ret)
{
	IT_T1_EVENT(iommufd_device_attach, ret);
	p->ioas_id = t1_id(iommu_data);
	IT_MISSING(iommufd_device_attach, dev_id);
	IT_MISSING(iommufd_device_attach, hwpt_id);
	IT_MISSING(iommufd_device_attach, pt_id);
	IT_MISSING(iommufd_device_attach, enforce_cc);
	IT_MISSING(iommufd_device_attach, group_devices);
	IT_SINK(.container = iommu_data, .group = group);
}

/* A group leaves its container (its last user closed it, or
 * VFIO_GROUP_UNSET_CONTAINER): at entry, while the container has it */
SEC("?fentry/vfio_iommu_type1_detach_group")
int BPF_PROG(t1_detach_group, void *iommu_data, struct iommu_group *group)
{
	IT_T1_EVENT(iommufd_device_detach, 0);
	p->ioas_id = t1_id(iommu_data);
	IT_MISSING(iommufd_device_detach, dev_id);
	IT_MISSING(iommufd_device_detach, hwpt_id);
	IT_MISSING(iommufd_device_detach, group_devices);
	IT_SINK(.container = iommu_data, .group = group);
}

/* lat_ns of a pin or unpin inside a traced map or unmap */
static __always_inline void t1_lat_tid(struct it_hdr *h, __u32 want)
{
	struct t1_call *c = bpf_task_storage_get(&t1_calls,
						 bpf_get_current_task_btf(),
						 NULL, 0);

	if (c && c->cmd)	/* inside a traced map or unmap */
		t1_lat(h, want, c);
}

/* Pages pinned and charged (mm->locked_vm) for a map: one call per run of
 * physically contiguous pages.  npinned is the pages the mapping has
 * charged (struct vfio_dma's locked_vm), locked the mm's locked_vm */
static __always_inline void t1_pin_fields(struct it_iommufd_pages_pin *p,
					  struct vfio_dma___it *dma)
{
	struct task_struct *task = BPF_CORE_READ(dma, task);

	p->account_mode = 2;	/* "mm": type1 charges the mm's locked_vm */
	p->locked = BPF_CORE_READ(dma, mm, locked_vm);
	if (bpf_core_field_exists(dma->locked_vm))
		p->npinned = BPF_CORE_READ(dma, locked_vm);
	p->owner_pid = BPF_CORE_READ(task, tgid);
}

SEC("?fexit/vfio_pin_pages_remote")
int BPF_PROG(t1_pin, struct vfio_dma___it *dma, unsigned long vaddr,
	     long npage, unsigned long *pfn_base, unsigned long limit,
	     void *batch, long ret)
{
	IT_T1_EVENT(iommufd_pages_pin, ret < 0 ? ret : 0);
	t1_lat_tid(&ev.h, want);
	p->user_va = vaddr;
	p->npages = ret > 0 ? ret : 0;
	p->limit = limit;
	t1_pin_fields(p, dma);	/* it has charged them: after the change */
	if (!bpf_core_field_exists(dma->locked_vm))
		IT_MISSING(iommufd_pages_pin, npinned);
	IT_MISSING(iommufd_pages_pin, total_pages);
	IT_MISSING(iommufd_pages_pin, uid);
	IT_SINK();
}

/* Unpinned; charged back here only with do_accounting, else by the caller
 * afterwards (an unmap: vfio_unmap_unpin()), and then the charge read
 * here is the one before: not shown */
SEC("?fexit/vfio_unpin_pages_remote")
int BPF_PROG(t1_unpin, struct vfio_dma___it *dma, dma_addr_t iova,
	     unsigned long pfn, long npage, bool do_accounting, long ret)
{
	IT_T1_EVENT(iommufd_pages_unpin, 0);
	t1_lat_tid(&ev.h, want);
	p->user_va = BPF_CORE_READ(dma, vaddr) + iova - BPF_CORE_READ(dma, iova);
	p->npages = ret > 0 ? ret : 0;	/* pages put (reserved ones are not) */
	/* the same fields as pages_pin (IT_F_iommufd_pages_unpin) */
	t1_pin_fields((struct it_iommufd_pages_pin *)p, dma);
	if (!do_accounting || !bpf_core_field_exists(dma->locked_vm))
		IT_MISSING(iommufd_pages_unpin, npinned);
	if (!do_accounting)
		IT_MISSING(iommufd_pages_unpin, locked);
	IT_MISSING(iommufd_pages_unpin, total_pages);
	IT_MISSING(iommufd_pages_unpin, limit);
	IT_MISSING(iommufd_pages_unpin, uid);
	IT_SINK();
}

#endif /* __PROBE_BPF_H */
