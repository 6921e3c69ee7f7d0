// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_type1_workload - drive QEMU's edu device (1234:11e8) through VFIO's
 * own type1 container: the legacy path of a VMM that opens /dev/vfio/vfio
 * (Debian 12's QEMU 7.2, libvirt's default), the only VFIO path of a kernel
 * built without iommufd (Debian's 6.12: docs/stock-kernels.md).  On a kernel
 * with CONFIG_IOMMUFD_VFIO_CONTAINER, /dev/vfio/vfio is iommufd's and the
 * same calls go through iommufd.
 *
 * Usage: vfio_type1_workload BDF       (the device bound to vfio-pci)
 *
 * Sequence: open /dev/vfio/vfio, check the API version and the type1v2
 * extension; open the device's group /dev/vfio/N, check it is viable, set
 * its container, VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU), VFIO_IOMMU_GET_INFO;
 * get the device fd, enable bus mastering; VFIO_IOMMU_MAP_DMA two pages at
 * IOVA 0x100000 and one page at 0x200000; DMA 1024 bytes from IOVA 0x100000
 * into edu's buffer and back to IOVA 0x101000 (the data must arrive), and
 * from edu to IOVA 0x200000; VFIO_IOMMU_UNMAP_DMA of [0x100000, 0x300000)
 * (the kernel says how many bytes it unmapped: all three pages); DMA from
 * IOVA 0x100000 again (it must fault in the IOMMU); close everything.
 *
 * Output: one line per step, as the other workloads:
 *   op=container api=N type1v2=0|1
 *   op=group group=N viable=0|1
 *   op=set_iommu type=type1v2 ret=ERRNO
 *   op=info flags=0x.. pgsizes=0x..
 *   op=map iova=0x.. length=BYTES user_va=0x.. ret=ERRNO
 *   op=dma n=N dir=to_dev|from_dev iova=0x.. count=BYTES expect=ok|fault
 *   op=check n=N match=0|1
 *   op=unmap iova=0x.. length=BYTES unmapped=BYTES ret=ERRNO
 *   op=faults before=N after=N   DMAR fault interrupts (/proc/interrupts)
 *   op=close
 * Exit status 0, or 1 with a message on stderr.
 *
 * edu: tests/workload/edu_vfio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include "iommufd_ops.h"
#include "edu_vfio.h"
#include "vfio_type1.h"

#define IOVA		0x100000ULL	/* two pages */
#define IOVA2		0x200000ULL	/* one page */
#define UNMAP_END	0x300000ULL	/* one unmap of [IOVA, UNMAP_END) */

static struct edu edu;

/* One edu DMA between IOVA and its buffer (edu_vfio.h); waits for it */
static void dma(int n, bool to_ram, uint64_t iova, const char *expect)
{
	edu_dma(&edu, to_ram, iova);
	printf("op=dma n=%d dir=%s iova=0x%llx count=%d expect=%s\n", n,
	       to_ram ? "from_dev" : "to_dev", (unsigned long long)iova,
	       EDU_DMA_BYTES, expect);
}

static void map(int container, void *va, uint64_t iova, uint64_t len)
{
	int ret = vfio_map_dma(container, va, iova, len);

	printf("op=map iova=0x%llx length=%llu user_va=0x%llx ret=%d\n",
	       (unsigned long long)iova, (unsigned long long)len,
	       (unsigned long long)(uintptr_t)va, ret);
	check(ret, "VFIO_IOMMU_MAP_DMA");
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	size_t page = sysconf(_SC_PAGESIZE);
	unsigned long long faults;
	uint64_t unmapped;
	int container, groupfd, devfd, group, ret, match, i;
	unsigned char *buf, *buf2;
	char path[64];

	if (argc != 2) {
		fprintf(stderr, "usage: vfio_type1_workload BDF\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		check(-errno, "/dev/vfio/vfio");
	printf("op=container api=%d type1v2=%d\n",
	       ioctl(container, VFIO_GET_API_VERSION),
	       ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));

	group = vfio_group_of(argv[1]);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	groupfd = open(path, O_RDWR);
	if (groupfd < 0)
		check(-errno, path);
	check(do_ioctl(groupfd, VFIO_GROUP_GET_STATUS, &status),
	      "VFIO_GROUP_GET_STATUS");
	printf("op=group group=%d viable=%d\n", group,
	       !!(status.flags & VFIO_GROUP_FLAGS_VIABLE));
	check(do_ioctl(groupfd, VFIO_GROUP_SET_CONTAINER, &container),
	      "VFIO_GROUP_SET_CONTAINER");
	ret = ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) ? -errno : 0;
	printf("op=set_iommu type=type1v2 ret=%d\n", ret);
	check(ret, "VFIO_SET_IOMMU");
	check(do_ioctl(container, VFIO_IOMMU_GET_INFO, &info),
	      "VFIO_IOMMU_GET_INFO");
	printf("op=info flags=0x%x pgsizes=0x%llx\n", info.flags,
	       (unsigned long long)info.iova_pgsizes);

	devfd = ioctl(groupfd, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (devfd < 0)
		check(-errno, "VFIO_GROUP_GET_DEVICE_FD");
	edu_open(&edu, devfd);

	buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	buf2 = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || buf2 == MAP_FAILED)
		check(-errno, "mmap");
	for (i = 0; i < EDU_DMA_BYTES; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	memset(buf + page, 0, page);
	memset(buf2, 0, page);

	map(container, buf, IOVA, 2 * page);
	map(container, buf2, IOVA2, page);

	/* RAM (IOVA) -> edu -> RAM (IOVA + page) and RAM (IOVA2) */
	dma(1, false, IOVA, "ok");
	dma(2, true, IOVA + page, "ok");
	dma(3, true, IOVA2, "ok");
	match = !memcmp(buf, buf + page, EDU_DMA_BYTES) && !memcmp(buf, buf2, EDU_DMA_BYTES);
	printf("op=check n=3 match=%d\n", match);
	if (!match)
		check(-EIO, "the data DMA'd through the IOMMU did not arrive");

	/* One unmap over both mappings: type1 says how much it removed */
	ret = vfio_unmap_dma(container, IOVA, UNMAP_END - IOVA, &unmapped);
	printf("op=unmap iova=0x%llx length=%llu unmapped=%llu ret=%d\n",
	       (unsigned long long)IOVA, UNMAP_END - IOVA,
	       (unsigned long long)unmapped, ret);
	check(ret, "VFIO_IOMMU_UNMAP_DMA");

	/* The IOVA just unmapped: the IOMMU must block it */
	faults = dmar_irqs();
	dma(4, false, IOVA, "fault");
	for (i = 0; dmar_irqs() == faults; i++) {
		if (i == 5000)
			check(-ETIMEDOUT, "no DMAR fault interrupt in 5 s");
		usleep(1000);
	}
	printf("op=faults before=%llu after=%llu\n", faults, dmar_irqs());

	close(devfd);
	check(do_ioctl(groupfd, VFIO_GROUP_UNSET_CONTAINER, NULL),
	      "VFIO_GROUP_UNSET_CONTAINER");
	close(groupfd);
	close(container);
	printf("op=close\n");
	return 0;
}
