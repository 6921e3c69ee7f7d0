/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device (1234:11e8) driven through a VFIO device fd, for the
 * workloads that make it DMA through the IOMMU (dma_fault_workload over
 * iommufd's VFIO cdev, vfio_type1_workload over VFIO's type1 container).
 *
 * edu: BAR0 registers DMA source 0x80, destination 0x88, count 0x90,
 * command 0x98 (bit 0 run, bit 1 device to RAM), its buffer at 0x40000 in
 * its own address space, 28-bit DMA mask.  A 4096-byte transfer trips an
 * off-by-one range check in QEMU 7.2's edu that aborts the VM: stay below
 * (EDU_DMA_BYTES).  Needs iommufd_ops.h (check(), do_ioctl()).
 */
#ifndef EDU_VFIO_H
#define EDU_VFIO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define EDU_BUF		0x40000ULL
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_DMA_BYTES	1024	/* every DMA's size: < 4096, see above */

struct edu {
	int devfd;		/* the VFIO device fd */
	uint64_t bar0, config;	/* VFIO region offsets in devfd */
};

static inline uint64_t edu_region(int devfd, uint32_t index)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	check(do_ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &info),
	      "VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

static inline void edu_rw(const struct edu *e, bool write, uint64_t off,
			  void *val, size_t size)
{
	ssize_t n = write ? pwrite(e->devfd, val, size, off) :
			    pread(e->devfd, val, size, off);

	if (n != (ssize_t)size)
		check(n < 0 ? -errno : -EIO, write ? "pwrite" : "pread");
}

static inline void edu_write(const struct edu *e, uint64_t reg, uint64_t val)
{
	edu_rw(e, true, e->bar0 + reg, &val, sizeof(val));
}

static inline uint64_t edu_read(const struct edu *e, uint64_t reg)
{
	uint64_t val;

	edu_rw(e, false, e->bar0 + reg, &val, sizeof(val));
	return val;
}

/*
 * Find the regions of device fd DEVFD and enable memory decoding and bus
 * mastering; returns the PCI command register read back (exit 1 if bus
 * mastering did not stick).
 */
static inline uint16_t edu_open(struct edu *e, int devfd)
{
	uint16_t cmd;

	e->devfd = devfd;
	e->bar0 = edu_region(devfd, VFIO_PCI_BAR0_REGION_INDEX);
	e->config = edu_region(devfd, VFIO_PCI_CONFIG_REGION_INDEX);
	edu_rw(e, false, e->config + PCI_COMMAND, &cmd, sizeof(cmd));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	edu_rw(e, true, e->config + PCI_COMMAND, &cmd, sizeof(cmd));
	edu_rw(e, false, e->config + PCI_COMMAND, &cmd, sizeof(cmd));
	if (!(cmd & PCI_COMMAND_MASTER))
		check(-EIO, "bus mastering did not stick");
	return cmd;
}

/*
 * One DMA of EDU_DMA_BYTES between IOVA and edu's buffer (TO_RAM: from
 * the device to IOVA), waited for; exit 1 if edu has not finished in 5 s.
 * A DMA the IOMMU blocks finishes too: edu does not see the fault.
 */
static inline void edu_dma(const struct edu *e, bool to_ram, uint64_t iova)
{
	int i;

	edu_write(e, EDU_DMA_SRC, to_ram ? EDU_BUF : iova);
	edu_write(e, EDU_DMA_DST, to_ram ? iova : EDU_BUF);
	edu_write(e, EDU_DMA_CNT, EDU_DMA_BYTES);
	edu_write(e, EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	for (i = 0; edu_read(e, EDU_DMA_CMD) & EDU_DMA_RUN; i++) {
		if (i == 5000)
			check(-ETIMEDOUT, "edu DMA did not complete in 5 s");
		usleep(1000);
	}
}

/* Interrupts of the DMAR fault handlers so far (/proc/interrupts) */
static inline unsigned long long dmar_irqs(void)
{
	unsigned long long sum = 0, v;
	char line[1024], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		check(-errno, "/proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "dmar"))
			continue;
		p = strchr(line, ':');
		for (p = p ? p + 1 : line; (v = strtoull(p, &end, 10)), end != p;
		     p = end)
			sum += v;
	}
	fclose(f);
	return sum;
}

#endif /* EDU_VFIO_H */
