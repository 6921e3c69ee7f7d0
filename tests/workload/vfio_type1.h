/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_type1.h - the VFIO type1 container calls the type1 workloads share
 * (vfio_type1_workload, vfio_type1_hold): a device's group number, and
 * VFIO_IOMMU_MAP_DMA / _UNMAP_DMA of a container.  Include after
 * iommufd_ops.h (check(), do_ioctl()) and <linux/vfio.h>.
 */
#ifndef VFIO_TYPE1_H
#define VFIO_TYPE1_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The group number of PCI device BDF (its iommu_group link) */
static inline int vfio_group_of(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		check(-errno, path);
	target[n] = 0;
	p = strrchr(target, '/');
	return atoi(p ? p + 1 : target);
}

/* Map LEN bytes at VA to IOVA, readable and writable: 0 or -errno */
static inline int vfio_map_dma(int container, void *va, uint64_t iova,
			       uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return do_ioctl(container, VFIO_IOMMU_MAP_DMA, &m);
}

/* Unmap [iova, iova + len): 0 or -errno; *unmapped the bytes the kernel
 * says it removed (0 on failure) */
static inline int vfio_unmap_dma(int container, uint64_t iova, uint64_t len,
				 uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = len,
	};
	int ret = do_ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u);

	*unmapped = ret ? 0 : u.size;
	return ret;
}

#endif /* VFIO_TYPE1_H */
