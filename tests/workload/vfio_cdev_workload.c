// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_cdev_workload - drive a real PCI device through VFIO cdev + iommufd
 *
 * Usage: vfio_cdev_workload /dev/vfio/devices/vfioN
 *
 * The device must be bound to vfio-pci.  Sequence: bind the device to a new
 * iommufd, allocate IOAS 1 and 2, attach the device to IOAS 1 (iommufd
 * allocates an automatic HWPT, i.e. a VT-d paging domain), map two pages
 * into both IOASes, replace the attachment onto IOAS 2, unmap IOAS 1,
 * detach, and close everything.
 *
 * Output: one "op=NAME key=value ... ret=ERRNO" line per ioctl, with the
 * ids the kernel returned, as iommufd_workload does.  Exit status 0, or 1
 * with a message on stderr when a step fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_ops.h"

#define IOVA 0x100000ULL


static uint32_t ioas_alloc(int iommufd)
{
	uint32_t ioas;

	check(op_ioas_alloc(iommufd, &ioas), "IOMMU_IOAS_ALLOC");
	return ioas;
}

static uint32_t attach(int devfd, uint32_t pt_id, const char *op)
{
	struct vfio_device_attach_iommufd_pt cmd = {
		.argsz = sizeof(cmd),
		.pt_id = pt_id,
	};
	int ret = do_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);

	printf("op=%s ioas=%u hwpt=%u ret=%d\n", op, pt_id, cmd.pt_id, ret);
	check(ret, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	return cmd.pt_id;
}

int main(int argc, char **argv)
{
	size_t len = 2 * sysconf(_SC_PAGESIZE);
	uint32_t ioas1, ioas2;
	int devfd, iommufd;
	uint32_t dev_id;
	void *buf;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio_cdev_workload /dev/vfio/devices/vfioN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	devfd = vfio_cdev_bind(argv[1], &iommufd, &dev_id);

	ioas1 = ioas_alloc(iommufd);
	ioas2 = ioas_alloc(iommufd);
	attach(devfd, ioas1, "attach");

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		check(-errno, "mmap");
	check(op_ioas_map(iommufd, ioas1, buf, IOVA, len), "IOMMU_IOAS_MAP");
	check(op_ioas_map(iommufd, ioas2, buf, IOVA, len), "IOMMU_IOAS_MAP");

	attach(devfd, ioas2, "replace");

	check(op_ioas_unmap(iommufd, ioas1, IOVA, len), "IOMMU_IOAS_UNMAP");

	vfio_cdev_detach_close(devfd, iommufd, dev_id);
	return 0;
}
