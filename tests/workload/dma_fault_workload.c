// SPDX-License-Identifier: GPL-2.0
/*
 * dma_fault_workload - make QEMU's edu device (1234:11e8) DMA through
 * VFIO cdev + iommufd: once through a mapped IOVA, then through the same
 * IOVA after its unmap, then through an IOVA never mapped.  The last two
 * fault in the IOMMU.
 *
 * Usage: dma_fault_workload /dev/vfio/devices/vfioN
 *
 * Sequence: bind to a new iommufd, allocate an IOAS, attach the device to
 * it (automatic HWPT), enable bus mastering (PCI command register, through
 * the VFIO config region), map two pages at IOVA 0x100000, DMA 1024 bytes
 * from IOVA 0x100000 into edu's buffer and back to IOVA 0x101000 (the data
 * must arrive: no fault), unmap the two pages, DMA from IOVA 0x100000
 * again (fault: use after unmap), DMA from IOVA 0x300000, never mapped
 * (fault); then the fault history's bound: 31 map/unmap pairs of one page
 * at IOVA 0x800000 (64 operations on the IOAS in all, the first map and
 * unmap still among the last 64), DMA from 0x100000 (fault), one more
 * pair (66 operations: they are not), DMA from 0x100000 (fault); detach
 * and close.
 *
 * Output: the "op=..." lines of iommufd_ops.h, and for this workload
 *   op=time of=map|unmap pid=P before_ns=T0 after_ns=T1
 *       CLOCK_MONOTONIC (the BPF clock) around the ioctl
 *   op=dma n=N dir=to_dev|from_dev iova=0x.. count=BYTES cmd_ns=T
 *       done_ns=T expect=ok|fault
 *       cmd_ns: just before edu's DMA registers are written
 *   op=check n=N match=1|0
 * Exit status 0, or 1 with a message on stderr.
 *
 * edu: tests/workload/edu_vfio.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include "iommufd_ops.h"
#include "edu_vfio.h"

#define IOVA		0x100000ULL	/* two pages mapped, then unmapped */
#define IOVA_NEVER	0x300000ULL	/* never mapped */
#define IOVA_CHURN	0x800000ULL	/* mapped and unmapped, one page */

static struct edu edu;

/*
 * One edu DMA between IOVA and its buffer (edu_vfio.h); waits for it,
 * and, if it should fault, for the fault interrupt (another vCPU may take
 * it after edu says the DMA is done) and 50 ms more for its handler.
 */
static void dma(int n, bool to_ram, uint64_t iova, const char *expect)
{
	unsigned long long irqs = dmar_irqs();
	uint64_t cmd_ns, done_ns;
	int i;

	cmd_ns = now_ns();
	edu_dma(&edu, to_ram, iova);
	done_ns = now_ns();
	if (!strcmp(expect, "fault")) {
		for (i = 0; dmar_irqs() == irqs; i++) {
			if (i == 5000)
				check(-ETIMEDOUT, "no DMAR fault interrupt in 5 s");
			usleep(1000);
		}
		usleep(50000);
	}
	printf("op=dma n=%d dir=%s iova=0x%llx count=%d cmd_ns=%llu done_ns=%llu expect=%s\n",
	       n, to_ram ? "from_dev" : "to_dev", (unsigned long long)iova,
	       EDU_DMA_BYTES, (unsigned long long)cmd_ns,
	       (unsigned long long)done_ns, expect);
}

static void timed(const char *what, uint64_t before)
{
	printf("op=time of=%s pid=%d before_ns=%llu after_ns=%llu\n", what,
	       getpid(), (unsigned long long)before,
	       (unsigned long long)now_ns());
}

int main(int argc, char **argv)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	size_t page = sysconf(_SC_PAGESIZE), len = 2 * page;
	int iommufd, devfd, ret, match;
	uint32_t dev_id;
	uint16_t cmd;
	uint32_t ioas;
	uint64_t t;
	unsigned char *buf;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: dma_fault_workload /dev/vfio/devices/vfioN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	devfd = vfio_cdev_bind(argv[1], &iommufd, &dev_id);
	check(op_ioas_alloc(iommufd, &ioas), "IOMMU_IOAS_ALLOC");
	attach.pt_id = ioas;
	ret = do_ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	printf("op=attach ioas=%u hwpt=%u ret=%d\n", ioas, attach.pt_id, ret);
	check(ret, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	cmd = edu_open(&edu, devfd);
	printf("op=bus_master command=0x%x\n", cmd);

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		check(-errno, "mmap");
	for (i = 0; i < EDU_DMA_BYTES; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	memset(buf + page, 0, page);

	t = now_ns();
	check(op_ioas_map(iommufd, ioas, buf, IOVA, len), "IOMMU_IOAS_MAP");
	timed("map", t);

	/* 1: RAM (IOVA) -> edu, 2: edu -> RAM (IOVA + page): no fault */
	dma(1, false, IOVA, "ok");
	dma(2, true, IOVA + page, "ok");
	match = !memcmp(buf, buf + page, EDU_DMA_BYTES);
	printf("op=check n=2 match=%d\n", match);
	if (!match)
		check(-EIO, "the data DMA'd through the IOMMU did not arrive");

	t = now_ns();
	check(op_ioas_unmap(iommufd, ioas, IOVA, len), "IOMMU_IOAS_UNMAP");
	timed("unmap", t);

	/* 3: the IOVA just unmapped, 4: one never mapped: both fault */
	dma(3, false, IOVA, "fault");
	dma(4, false, IOVA_NEVER, "fault");

	/* ops on the IOAS: map + unmap + 2 * 31 = 64, then 66 */
	for (i = 0; i < 32; i++) {
		check(op_ioas_map(iommufd, ioas, buf, IOVA_CHURN, page),
		      "IOMMU_IOAS_MAP");
		check(op_ioas_unmap(iommufd, ioas, IOVA_CHURN, page),
		      "IOMMU_IOAS_UNMAP");
		if (i == 30)
			dma(5, false, IOVA, "fault");
	}
	dma(6, false, IOVA, "fault");
	sleep(1);	/* periodic tools (iommutop) see the IOAS with its faults */

	vfio_cdev_detach_close(devfd, iommufd, dev_id);
	return 0;
}
