// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_contend - many threads mapping and unmapping in one IOAS, to make
 * its locks (iopt.iova_rwsem, iopt.domains_rwsem, pages->mutex) contended.
 *
 * Usage: iommufd_contend [-t THREADS] [-s SECONDS]   (default 4 threads, 3 s)
 *
 * One IOAS with a mock device attached (CONFIG_IOMMUFD_TEST), so every map
 * pins and maps into a domain.  Each thread maps and unmaps its own 64 KiB
 * buffer at its own IOVA until the time is up.  Prints
 *   ioas=ID threads=N ops=MAPS_PLUS_UNMAPS
 * and exits 0, or 1 if an operation failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define BUF (64 * 1024)

static int iommufd;
static uint32_t ioas;
static volatile int stop;
static unsigned long total_ops;
static int failed;

static int do_ioctl(unsigned long cmd, void *arg)
{
	return ioctl(iommufd, cmd, arg) ? -errno : 0;
}

static void *worker(void *arg)
{
	uint64_t iova = MOCK_APERTURE_START + (uintptr_t)arg * (1 << 20);
	void *buf = mmap(NULL, BUF, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned long ops = 0;

	while (buf != MAP_FAILED && !stop) {
		struct iommu_ioas_map map = {
			.size = sizeof(map), .ioas_id = ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.user_va = (uintptr_t)buf, .length = BUF, .iova = iova,
		};
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap), .ioas_id = ioas,
			.iova = iova, .length = BUF,
		};

		if (do_ioctl(IOMMU_IOAS_MAP, &map) ||
		    do_ioctl(IOMMU_IOAS_UNMAP, &unmap)) {
			__sync_fetch_and_add(&failed, 1);
			break;
		}
		ops += 2;
	}
	__sync_fetch_and_add(&total_ops, ops);
	return NULL;
}

int main(int argc, char **argv)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	int nthreads = 4, opt, i;
	double secs = 3;
	pthread_t tids[64];

	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		if (opt == 't')
			nthreads = atoi(optarg);
		else if (opt == 's')
			secs = atof(optarg);
		if (opt == '?' || nthreads < 1 || nthreads > 64 || secs <= 0) {
			fprintf(stderr, "usage: iommufd_contend [-t 1..64] [-s SECONDS]\n");
			return 2;
		}
	}
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || do_ioctl(IOMMU_IOAS_ALLOC, &alloc)) {
		perror("iommufd_contend: /dev/iommu");
		return 1;
	}
	ioas = alloc.out_ioas_id;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = ioas;
	if (do_ioctl(IOMMU_TEST_CMD, &cmd)) {
		perror("iommufd_contend: IOMMU_TEST_OP_MOCK_DOMAIN");
		return 1;
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&tids[i], NULL, worker, (void *)(uintptr_t)i);
	usleep((useconds_t)(secs * 1e6));
	stop = 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	printf("ioas=%u threads=%d ops=%lu\n", ioas, nthreads, total_ops);
	close(iommufd);
	return failed ? 1 : 0;
}
