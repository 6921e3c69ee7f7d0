// SPDX-License-Identifier: GPL-2.0
/*
 * map_bench - IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP throughput on an IOAS with a
 * mock domain attached (CONFIG_IOMMUFD_TEST), so each map pins and maps
 * into a domain and each unmap unmaps and unpins.
 *
 * Usage: map_bench [-b BYTES] [-t THREADS] [-s SECONDS | -n PAIRS] [-x] [-m]
 *                  [-d CDEV]
 *        (default 4096 bytes, 1 thread, 2 s)
 *
 * Each thread maps and unmaps its own buffer at its own IOVA in the one
 * IOAS.  Prints "ops_per_s=N ops=N secs=S bytes=B threads=T ioas=ID", an op
 * being one map or one unmap.  Exit 1 if an ioctl fails.  SIGINT or
 * SIGTERM ends a timed run early: the threads finish their pair and the
 * line covers the run so far (a test stops the workload when its observer
 * has seen enough, however slow the guest).
 *   -n PAIRS  a fixed amount of work instead of a time: each thread does
 *             PAIRS map+unmap pairs (bench/run's instruction count)
 *   -x        the mix of a VMM: each thread first maps 64 MiB of "guest
 *             RAM" in one range (unmapped at the end), then maps and
 *             unmaps device buffers of 4 KiB to 2 MiB (powers of two, in a
 *             fixed pseudo-random order, each size as likely); -b is ignored
 *   -m        execute bench/insn-count.c's start and stop markers (x86
 *             NOPs) around the measured part, for QEMU's instruction count
 *   -d CDEV   a real device instead of the mock domain: bind the VFIO
 *             device cdev (/dev/vfio/devices/vfioN, bound to vfio-pci) to
 *             the iommufd and attach it to the IOAS, so that iommufd
 *             allocates the IOMMU driver's paging domain (on the VT-d VM:
 *             IOPTE writes per map, an IOTLB invalidation per unmap)
 *
 * Also the contention workload of the tests: several threads in one IOAS
 * contend on its iopt.iova_rwsem.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_test.h"

static int iommufd;
static uint32_t ioas;
static size_t bytes = 4096;
static volatile int stop;
static unsigned long total;
static int failed;
static unsigned long pairs;
static int mix;

#define RAM_BYTES (64UL << 20)
#define MIX_MAX (2UL << 20)

/* bench/insn-count.c's markers: nopl 0x51c0de0N(%rax), a NOP anywhere else */
static void marker_start(void)
{
#ifdef __x86_64__
	asm volatile(".byte 0x0f, 0x1f, 0x80, 0x01, 0xde, 0xc0, 0x51" ::: "memory");
#endif
}

static void marker_stop(void)
{
#ifdef __x86_64__
	asm volatile(".byte 0x0f, 0x1f, 0x80, 0x02, 0xde, 0xc0, 0x51" ::: "memory");
#endif
}

/* -d: bind CDEV to the iommufd and attach it to the IOAS; the device fd
 * stays open for the run.  0, or -1 with a message. */
static int attach_device(const char *cdev)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = ioas,
	};
	int fd = open(cdev, O_RDWR);

	if (fd < 0 || ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		fprintf(stderr, "map_bench: %s: %s\n", cdev, strerror(errno));
		return -1;
	}
	return 0;
}

static int map_unmap(uint64_t iova, void *va, size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas, .iova = iova, .length = len,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map) ||
	    ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap)) {
		perror("map_bench: map/unmap");
		__sync_fetch_and_add(&failed, 1);
		return -1;
	}
	return 0;
}

/* -x: 64 MiB of guest RAM, then device buffers of 4 KiB .. 2 MiB */
static void *mix_worker(void *arg)
{
	uint64_t base = MOCK_APERTURE_START + (uintptr_t)arg * (256ULL << 20);
	uint32_t rnd = 12345 + (uintptr_t)arg;
	unsigned long ops = 0, i;
	struct iommu_ioas_map map = {
		.size = sizeof(map), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = RAM_BYTES, .iova = base,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ioas, .iova = base,
		.length = RAM_BYTES,
	};
	void *ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	void *buf = mmap(NULL, MIX_MAX, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (ram == MAP_FAILED || buf == MAP_FAILED) {
		perror("map_bench: mmap");
		__sync_fetch_and_add(&failed, 1);
		return NULL;
	}
	map.user_va = (uintptr_t)ram;
	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map)) {
		perror("map_bench: map guest RAM");
		__sync_fetch_and_add(&failed, 1);
		return NULL;
	}
	ops++;
	for (i = 0; pairs ? i < pairs : !stop; i++) {
		rnd = rnd * 1103515245 + 12345;
		if (map_unmap(base + RAM_BYTES, buf, 4096UL << ((rnd >> 16) % 10)))
			break;
		ops += 2;
	}
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap)) {
		perror("map_bench: unmap guest RAM");
		__sync_fetch_and_add(&failed, 1);
	}
	ops++;
	__sync_fetch_and_add(&total, ops);
	return NULL;
}

static void *worker(void *arg)
{
	uint64_t iova = MOCK_APERTURE_START + (uintptr_t)arg * (64ULL << 20);
	void *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	unsigned long ops = 0, i;

	if (buf == MAP_FAILED) {
		perror("map_bench: mmap");
		__sync_fetch_and_add(&failed, 1);
		return NULL;
	}
	for (i = 0; pairs ? i < pairs : !stop; i++) {
		if (map_unmap(iova, buf, bytes))
			break;
		ops += 2;
	}
	__sync_fetch_and_add(&total, ops);
	return NULL;
}

static void on_stop_signal(int sig __attribute__((unused)))
{
	stop = 1;
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
	int threads = 1, opt, i, markers = 0;
	const char *cdev = NULL;
	double secs = 2, t0, t1;
	pthread_t tids[64];

	while ((opt = getopt(argc, argv, "b:t:s:n:xmd:")) != -1) {
		switch (opt) {
		case 'b': bytes = strtoul(optarg, NULL, 0); break;
		case 't': threads = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'n': pairs = strtoul(optarg, NULL, 0); break;
		case 'x': mix = 1; break;
		case 'm': markers = 1; break;
		case 'd': cdev = optarg; break;
		default: goto usage;
		}
	}
	if (!bytes || bytes % 4096 || bytes > (32 << 20) || threads < 1 ||
	    threads > 64 || secs <= 0 || (mix && threads > 7))
		goto usage;
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0 || ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		perror("map_bench: /dev/iommu");
		return 1;
	}
	ioas = alloc.out_ioas_id;
	if (cdev) {
		if (attach_device(cdev))
			return 1;
	} else {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
		cmd.id = ioas;
		if (ioctl(iommufd, IOMMU_TEST_CMD, &cmd)) {
			perror("map_bench: mock domain");
			return 1;
		}
	}
	signal(SIGINT, on_stop_signal);
	signal(SIGTERM, on_stop_signal);
	if (markers)
		marker_start();
	t0 = now();
	for (i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, mix ? mix_worker : worker,
			       (void *)(uintptr_t)i);
	if (!pairs) {
		while (!stop && now() - t0 < secs)
			usleep(10000);
		stop = 1;
	}
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	t1 = now();
	if (markers)
		marker_stop();
	printf("ops_per_s=%.0f ops=%lu secs=%.3f bytes=%zu threads=%d ioas=%u\n",
	       total / (t1 - t0), total, t1 - t0, bytes, threads, ioas);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: map_bench [-b BYTES (4 KiB multiple)] [-t 1..64] [-s SECONDS | -n PAIRS] [-x (threads <= 7)] [-m] [-d VFIO_CDEV]\n");
	return 2;
}
