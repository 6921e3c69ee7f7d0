// SPDX-License-Identifier: GPL-2.0
/*
 * map_bench - IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP throughput on an IOAS with a
 * mock domain attached (CONFIG_IOMMUFD_TEST), so each map pins and maps
 * into a domain and each unmap unmaps and unpins.
 *
 * Usage: map_bench [-b BYTES] [-t THREADS] [-s SECONDS]
 *        (default 4096 bytes, 1 thread, 2 s)
 *
 * Each thread maps and unmaps its own buffer at its own IOVA in the one
 * IOAS.  Prints "ops_per_s=N ops=N secs=S bytes=B threads=T ioas=ID", an op
 * being one map or one unmap.  Exit 1 if an ioctl fails.
 *
 * Also the contention workload of the tests: several threads in one IOAS
 * contend on its iopt.iova_rwsem.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

static int iommufd;
static uint32_t ioas;
static size_t bytes = 4096;
static volatile int stop;
static unsigned long total;
static int failed;

static void *worker(void *arg)
{
	uint64_t iova = MOCK_APERTURE_START + (uintptr_t)arg * (64ULL << 20);
	void *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned long ops = 0;

	while (buf != MAP_FAILED && !stop) {
		struct iommu_ioas_map map = {
			.size = sizeof(map), .ioas_id = ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.user_va = (uintptr_t)buf, .length = bytes, .iova = iova,
		};
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap), .ioas_id = ioas,
			.iova = iova, .length = bytes,
		};

		if (ioctl(iommufd, IOMMU_IOAS_MAP, &map) ||
		    ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap)) {
			perror("map_bench: map/unmap");
			__sync_fetch_and_add(&failed, 1);
			break;
		}
		ops += 2;
	}
	__sync_fetch_and_add(&total, ops);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	int threads = 1, opt, i;
	double secs = 2, t0, t1;
	pthread_t tids[64];

	while ((opt = getopt(argc, argv, "b:t:s:")) != -1) {
		switch (opt) {
		case 'b': bytes = strtoul(optarg, NULL, 0); break;
		case 't': threads = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		default: goto usage;
		}
	}
	if (!bytes || bytes % 4096 || bytes > (32 << 20) || threads < 1 ||
	    threads > 64 || secs <= 0)
		goto usage;
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		perror("map_bench: /dev/iommu");
		return 1;
	}
	ioas = alloc.out_ioas_id;
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = ioas;
	if (ioctl(iommufd, IOMMU_TEST_CMD, &cmd)) {
		perror("map_bench: mock domain");
		return 1;
	}
	t0 = now();
	for (i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, worker, (void *)(uintptr_t)i);
	usleep((useconds_t)(secs * 1e6));
	stop = 1;
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	t1 = now();
	printf("ops_per_s=%.0f ops=%lu secs=%.3f bytes=%zu threads=%d ioas=%u\n",
	       total / (t1 - t0), total, t1 - t0, bytes, threads, ioas);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: map_bench [-b BYTES (4 KiB multiple)] [-t 1..64] [-s SECONDS]\n");
	return 2;
}
