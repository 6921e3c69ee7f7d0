// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_type1_hold - a VMM's life on VFIO's own type1 container, in steps a
 * test can watch from outside: set up and map, hold, then contend on the
 * container from several threads, hold again, and go.  What iommutop shows
 * of a type1 container (docs/probe-mode.md) is checked against these lines.
 *
 * Usage: vfio_type1_hold [-t THREADS] [-n PAIRS] [-b BYTES] BDF
 *   BDF        a device bound to vfio-pci (its group joins the container)
 *   -t, -n, -b the contention step: THREADS threads (default 4), each
 *              mapping and unmapping a buffer of BYTES (default 64 KiB) at
 *              an IOVA of its own PAIRS times (default 500); every
 *              VFIO_IOMMU_MAP_DMA and _UNMAP_DMA of a container takes its
 *              mutex (vfio_iommu::lock) for the whole call, pinning
 *              included: the larger the buffer, the longer each wait
 *
 * Steps; each waits for a line on stdin before it starts (EOF: go on):
 *   1. open /dev/vfio/vfio and the device's group, VFIO_SET_IOMMU type1v2,
 *      map HOLD_BYTES of anonymous memory at HOLD_IOVA;
 *   2. the threads' map/unmap pairs;
 *   3. unmap HOLD_IOVA's range, close the group and the container.
 *
 * Output, one line per step:
 *   op=setup group=N ret=ERRNO
 *   op=map iova=0x.. length=BYTES ret=ERRNO          (step 1's map)
 *   op=ready step=N                                  (waiting for stdin)
 *   op=contend threads=N pairs=N bytes=N maps=N unmaps=N unmapped=BYTES failed=N
 *   op=unmap iova=0x.. length=BYTES unmapped=BYTES ret=ERRNO
 *   op=close
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>
#include "iommufd_ops.h"
#include "vfio_type1.h"

#define HOLD_IOVA	0x10000000ULL
#define HOLD_BYTES	(4ULL << 20)
#define THREAD_IOVA	0x40000000ULL	/* + thread * 16 MiB */

static int container;
static int pairs = 500;
static size_t bytes = 64 << 10;

/* A contending thread: its IOVA, and what it did */
struct counts {
	uint64_t iova;
	uint64_t maps, unmaps, unmapped, failed;
};

static void *contend(void *arg)
{
	struct counts *c = arg;
	void *va = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint64_t n;
	int i;

	if (va == MAP_FAILED) {
		c->failed = pairs;
		return NULL;
	}
	for (i = 0; i < pairs; i++) {
		if (vfio_map_dma(container, va, c->iova, bytes)) {
			c->failed++;
			continue;
		}
		c->maps++;
		if (vfio_unmap_dma(container, c->iova, bytes, &n)) {
			c->failed++;
			continue;
		}
		c->unmaps++;
		c->unmapped += n;
	}
	munmap(va, bytes);
	return NULL;
}

static void wait_step(int step)
{
	char line[64];

	printf("op=ready step=%d\n", step);
	if (!fgets(line, sizeof(line), stdin))
		clearerr(stdin);
}

int main(int argc, char **argv)
{
	struct counts total = { 0 }, *c;
	pthread_t *tids;
	int threads = 4, groupfd, group, ret, opt, i;
	uint64_t unmapped;
	char path[64];
	void *hold;

	while ((opt = getopt(argc, argv, "t:n:b:")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'n')
			pairs = atoi(optarg);
		else if (opt == 'b')
			bytes = strtoul(optarg, NULL, 0);
		else
			optind = argc + 1;	/* usage */
	}
	if (optind != argc - 1 || threads < 1 || threads > 64 || pairs < 0 ||
	    !bytes || bytes > (16 << 20) || bytes % sysconf(_SC_PAGESIZE)) {
		fprintf(stderr, "usage: vfio_type1_hold [-t THREADS] [-n PAIRS] [-b BYTES] BDF\n"
			"  (1 to 64 threads; BYTES pages, at most 16 MiB)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		check(-errno, "/dev/vfio/vfio");
	group = vfio_group_of(argv[optind]);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	groupfd = open(path, O_RDWR);
	if (groupfd < 0)
		check(-errno, path);
	check(do_ioctl(groupfd, VFIO_GROUP_SET_CONTAINER, &container),
	      "VFIO_GROUP_SET_CONTAINER");
	ret = ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) ? -errno : 0;
	printf("op=setup group=%d ret=%d\n", group, ret);
	check(ret, "VFIO_SET_IOMMU");

	hold = mmap(NULL, HOLD_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (hold == MAP_FAILED)
		check(-errno, "mmap");
	ret = vfio_map_dma(container, hold, HOLD_IOVA, HOLD_BYTES);
	printf("op=map iova=0x%llx length=%llu ret=%d\n",
	       (unsigned long long)HOLD_IOVA, (unsigned long long)HOLD_BYTES, ret);
	check(ret, "VFIO_IOMMU_MAP_DMA");
	wait_step(1);

	tids = calloc(threads, sizeof(*tids));
	c = calloc(threads, sizeof(*c));
	if (!tids || !c)
		check(-ENOMEM, "calloc");
	for (i = 0; i < threads; i++) {
		c[i].iova = THREAD_IOVA + ((uint64_t)i << 24);
		ret = pthread_create(&tids[i], NULL, contend, &c[i]);
		if (ret)
			check(-ret, "pthread_create");
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		total.maps += c[i].maps;
		total.unmaps += c[i].unmaps;
		total.unmapped += c[i].unmapped;
		total.failed += c[i].failed;
	}
	printf("op=contend threads=%d pairs=%d bytes=%zu maps=%llu unmaps=%llu unmapped=%llu failed=%llu\n",
	       threads, pairs, bytes, (unsigned long long)total.maps,
	       (unsigned long long)total.unmaps,
	       (unsigned long long)total.unmapped,
	       (unsigned long long)total.failed);
	wait_step(2);

	ret = vfio_unmap_dma(container, HOLD_IOVA, HOLD_BYTES, &unmapped);
	printf("op=unmap iova=0x%llx length=%llu unmapped=%llu ret=%d\n",
	       (unsigned long long)HOLD_IOVA, (unsigned long long)HOLD_BYTES,
	       (unsigned long long)unmapped, ret);
	check(ret, "VFIO_IOMMU_UNMAP_DMA");
	close(groupfd);
	close(container);
	printf("op=close\n");
	return total.failed ? 1 : 0;
}
