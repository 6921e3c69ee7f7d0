// SPDX-License-Identifier: GPL-2.0
/*
 * map_ticker - IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP at known times, each
 * reported with when it happened: the workload a tracer is started on while
 * it runs, to check that the tracer shows each operation promptly.
 *
 * Usage: map_ticker [-n TICKS] [-i MS] [-b BURST]
 *
 * One IOAS (no device).  Every MS ms (default 200) a tick maps one page at
 * an IOVA used once and unmaps it; every 5th tick is followed by BURST
 * (default 0) more map + unmap pairs back to back.  Runs TICKS ticks
 * (default 0: until killed).
 *
 * Output (stdout, line buffered), one line per operation, written right
 * after its ioctl returned:
 *   op=map|unmap ioas=ID iova=0xIOVA length=BYTES ret=ERRNO mono_ns=NS
 * where NS is CLOCK_MONOTONIC then.  Exit 1 with a message on stderr if an
 * ioctl fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_ops.h"

#define IOVA_BASE	(1ULL << 32)

static int iommufd;
static uint32_t ioas;
static long page;
static void *buf;



static void report(const char *op, uint64_t iova, int ret)
{
	printf("op=%s ioas=%u iova=0x%llx length=%ld ret=%d mono_ns=%llu\n",
	       op, ioas, (unsigned long long)iova, page, ret,
	       (unsigned long long)now_ns());
	check(ret, op);
}

/* Map and unmap one page at the n-th IOVA */
static void map_unmap(uint64_t n)
{
	uint64_t iova = IOVA_BASE + n * page;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = page,
		.iova = iova,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = page,
	};

	report("map", iova, do_ioctl(iommufd, IOMMU_IOAS_MAP, &map));
	report("unmap", iova, do_ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap));
}

int main(int argc, char **argv)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	unsigned long ticks = 0, interval = 200, burst = 0, t, i;
	uint64_t n = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:i:b:")) != -1) {
		switch (opt) {
		case 'n': ticks = strtoul(optarg, NULL, 0); break;
		case 'i': interval = strtoul(optarg, NULL, 0); break;
		case 'b': burst = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: map_ticker [-n TICKS] [-i MS] [-b BURST]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		check(-errno, "mmap");
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		check(-errno, "/dev/iommu");
	check(do_ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc), "IOMMU_IOAS_ALLOC");
	ioas = alloc.out_ioas_id;

	for (t = 0; !ticks || t < ticks; t++) {
		usleep(interval * 1000);
		map_unmap(n++);
		for (i = 0; t % 5 == 4 && i < burst; i++)
			map_unmap(n++);
	}
	return 0;
}
