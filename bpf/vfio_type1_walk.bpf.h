/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vfio_type1_walk.bpf.h - find the VFIO type1 container behind an open file
 * and walk, without taking any lock, its mappings (vfio_iommu's dma_list,
 * an rb tree of struct vfio_dma), one node per bpf_loop() iteration: what a
 * VMM had mapped before a tool started, on a kernel whose /dev/vfio/vfio is
 * VFIO's own container (CONFIG_VFIO_CONTAINER, every distribution's) and
 * not iommufd's compat.
 *
 * As iommufd_walk.bpf.h: every read is a CO-RE bpf_probe_read_kernel(), so
 * a VMM is never stalled, and a mapping changing while it is walked may be
 * read half-updated; the events correct what changes after.  The types are
 * vfio.ko's (struct vfio_container) and vfio_iommu_type1.ko's: callers test
 * bpf_core_type_exists() before calling, as neither module may be loaded.
 *
 * The includer provides, before including this file,
 *   visit_type1_dma(struct type1_walk *w, struct vfio_dma___it *dma)
 *   type1_walk_done(struct type1_walk *w)
 * and walks a container with
 *   type1_walk_start(&type1_walk_state, container);
 *   bpf_loop(WALK_STEPS, type1_walk_step, NULL, 0);
 * Include after iommufd_walk.bpf.h (WALK_STEPS).
 */
#ifndef __VFIO_TYPE1_WALK_BPF_H
#define __VFIO_TYPE1_WALK_BPF_H

#include "rb_walk.bpf.h"
#include "vfio_type1_types.bpf.h"

/* Bounds of the group lists walked (a container has a domain per IOMMU
 * and rarely more than a few groups each) */
#define TYPE1_MAX_DOMAINS	16
#define TYPE1_MAX_GROUPS	64

/* /dev/vfio/vfio: include/linux/miscdevice.h, MISC_MAJOR and VFIO_MINOR
 * (kernel dev_t: 20 minor bits) */
#define TYPE1_VFIO_DEV		((10U << 20) | 196U)
#define TYPE1_S_IFMT		00170000	/* include/uapi/linux/stat.h */
#define TYPE1_S_IFCHR		0020000

struct type1_walk {
	void *container;		/* struct vfio_iommu */
	__u64 mapped;			/* bytes: the sum of the dmas' sizes */
	struct rb_walk rb;		/* its dma_list */
};

static struct type1_walk type1_walk_state;

static void visit_type1_dma(struct type1_walk *w, struct vfio_dma___it *dma);
static void type1_walk_done(struct type1_walk *w);

/*
 * The type1 container (struct vfio_iommu) of FILE if it is a VFIO
 * container file served by vfio_iommu_type1 ("vfio-iommu-type1": not the
 * no-IOMMU driver), else NULL.  The file is known by its device number,
 * not its f_op: vfio.ko's vfio_fops is static, and has no BTF.
 */
static __always_inline void *type1_container_of(struct file *file)
{
	struct vfio_container___it *c;
	struct vfio_iommu_driver___it *drv;
	static const char want[] = "vfio-iommu-type1";
	char name[sizeof(want)] = {};
	const char *n;
	int i;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	umode_t mode = BPF_CORE_READ(inode, i_mode);

	if (!bpf_core_type_exists(struct vfio_container___it) ||
	    (mode & TYPE1_S_IFMT) != TYPE1_S_IFCHR ||
	    BPF_CORE_READ(inode, i_rdev) != TYPE1_VFIO_DEV)
		return NULL;
	c = BPF_CORE_READ(file, private_data);
	drv = BPF_CORE_READ(c, iommu_driver);
	if (!drv)
		return NULL;	/* no VFIO_SET_IOMMU yet: nothing mapped */
	n = BPF_CORE_READ(drv, ops, name);
	if (!n || bpf_probe_read_kernel_str(name, sizeof(name), n) !=
		  sizeof(want))
		return NULL;
	for (i = 0; i < sizeof(want) - 1; i++)
		if (name[i] != want[i])
			return NULL;
	return BPF_CORE_READ(c, iommu_data);
}

/* Begin walking a container's mappings */
static __always_inline void type1_walk_start(struct type1_walk *w,
					     void *container)
{
	struct vfio_iommu___it *iommu = container;

	w->container = container;
	w->mapped = 0;
	rb_walk_start(&w->rb, BPF_CORE_READ(iommu, dma_list.rb_node));
}

/* bpf_loop callback: one mapping; type1_walk_done() after the last */
static long type1_walk_step(__u32 i, void *ctx)
{
	struct type1_walk *w = &type1_walk_state;
	struct rb_node *n = rb_walk_next(&w->rb);

	/* the dma's rb node is vfio_dma::node */
	if (n)
		visit_type1_dma(w, (struct vfio_dma___it *)((void *)n -
				bpf_core_field_offset(struct vfio_dma___it, node)));
	if (w->rb.top)
		return 0;
	type1_walk_done(w);
	return 1;
}

#endif /* __VFIO_TYPE1_WALK_BPF_H */
