/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vfio_type1_types.bpf.h - what the tools read of VFIO's type1 container
 * (vfio.ko's struct vfio_container, vfio_iommu_type1.ko's struct vfio_iommu,
 * vfio_dma, vfio_domain, vfio_iommu_group): the fields only, matched by
 * CO-RE to the modules' BTF by name (a ___it suffix is ignored), never an
 * offset of ours.  Both are modules: code reading these tests
 * bpf_core_type_exists() first where the module may be absent.
 */
#ifndef __VFIO_TYPE1_TYPES_BPF_H
#define __VFIO_TYPE1_TYPES_BPF_H

/* vfio_iommu_type1.c's struct vfio_dma: one mapping */
struct vfio_dma___it {
	struct rb_node node;	/* in vfio_iommu's dma_list */
	dma_addr_t iova;
	unsigned long vaddr;
	size_t size;
	struct task_struct *task;
	struct mm_struct *mm;
	size_t locked_vm;
} __attribute__((preserve_access_index));

/* A container, struct vfio_iommu */
struct vfio_iommu___it {
	struct list_head domain_list;
	struct mutex lock;
	struct rb_root dma_list;	/* struct vfio_dma, by IOVA */
	struct list_head emulated_iommu_groups;
} __attribute__((preserve_access_index));

/* vfio.ko's container (drivers/vfio/container.c), the file's private_data */
struct vfio_container___it {
	struct vfio_iommu_driver___it *iommu_driver;	/* NULL before VFIO_SET_IOMMU */
	void *iommu_data;	/* the driver's: type1's struct vfio_iommu */
} __attribute__((preserve_access_index));

struct vfio_iommu_driver___it {
	const struct vfio_iommu_driver_ops___it *ops;
} __attribute__((preserve_access_index));

struct vfio_iommu_driver_ops___it {
	char *name;
} __attribute__((preserve_access_index));

/* vfio_iommu_type1.c: a domain (one per IOMMU) and its groups */
struct vfio_domain___it {
	struct list_head next;
	struct list_head group_list;
} __attribute__((preserve_access_index));

struct vfio_iommu_group___it {
	struct iommu_group *iommu_group;
	struct list_head next;
} __attribute__((preserve_access_index));

#endif /* __VFIO_TYPE1_TYPES_BPF_H */
