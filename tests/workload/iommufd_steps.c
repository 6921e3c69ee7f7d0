// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_steps - change iommufd state step by step, holding each state for
 * a while and saying what it is, so that a monitor (iommutop) can be
 * checked against it.
 *
 * Usage: iommufd_steps [-s SECONDS]   (how long to hold each step, default 1.5)
 *
 * Steps on IOAS A and B with a mock device (CONFIG_IOMMUFD_TEST):
 *   1 allocate A and B            2 attach the device to A (auto HWPT)
 *   3 map 16 + 32 pages into A    4 map 8 pages into B (no device: no pins)
 *   5 replace the device onto B   6 unmap the 16-page range of A
 *   7 destroy the device          then A and B are destroyed
 *
 * After each step, for each IOAS, one line:
 *   state step=N t0=NS t1=NS ioas=ID mapped=BYTES pinned=PAGES devs=N hwpts=N
 * where [t0, t1] (CLOCK_MONOTONIC ns) is when the state held.  Pages are
 * pinned while a domain (device) maps them: the expected figures follow
 * iommufd's rule, not a measurement.
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
#include "iommufd_test.h"

struct ioas {
	uint32_t id;
	uint64_t mapped;	/* bytes */
	uint64_t pinned;	/* pages */
	int devs, hwpts;
	int has_dev;
};

static int iommufd;
static long page;
static double hold = 1.5;



static void step(int n, struct ioas *a, struct ioas *b)
{
	uint64_t t0 = now_ns(), t1;

	usleep((useconds_t)(hold * 1e6));
	t1 = now_ns();
	for (struct ioas *x = a; x; x = x == a ? b : NULL)
		printf("state step=%d t0=%llu t1=%llu ioas=%u mapped=%llu pinned=%llu devs=%d hwpts=%d\n",
		       n, (unsigned long long)t0, (unsigned long long)t1, x->id,
		       (unsigned long long)x->mapped,
		       (unsigned long long)x->pinned, x->devs, x->hwpts);
}

static void map(struct ioas *x, uint64_t iova, long npages)
{
	void *buf = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (buf == MAP_FAILED)
		check(-errno, "mmap");
	check(op_ioas_map(iommufd, x->id, buf, iova, npages * page),
	      "IOMMU_IOAS_MAP");
	x->mapped += npages * page;
	if (x->has_dev)
		x->pinned += npages;
}

int main(int argc, char **argv)
{
	struct iommu_test_cmd cmd;
	struct ioas a = {}, b = {};
	uint64_t base = MOCK_APERTURE_START;
	uint32_t stdev;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's' || (hold = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: iommufd_steps [-s SECONDS]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		check(-errno, "/dev/iommu");

	check(op_ioas_alloc(iommufd, &a.id), "IOMMU_IOAS_ALLOC");
	check(op_ioas_alloc(iommufd, &b.id), "IOMMU_IOAS_ALLOC");
	step(1, &a, &b);

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = a.id;
	check(do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd), "MOCK_DOMAIN");
	stdev = cmd.mock_domain.out_stdev_id;
	a.has_dev = 1;
	a.devs = a.hwpts = 1;
	step(2, &a, &b);

	map(&a, base, 16);
	map(&a, base + (1 << 20), 32);
	step(3, &a, &b);

	map(&b, base, 8);
	step(4, &a, &b);

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = stdev;
	cmd.mock_domain_replace.pt_id = b.id;
	check(do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd), "MOCK_DOMAIN_REPLACE");
	a.has_dev = a.devs = a.hwpts = 0;	/* A's auto HWPT is freed ... */
	a.pinned = 0;				/* ... and with it A's pins */
	b.has_dev = b.devs = b.hwpts = 1;
	b.pinned = b.mapped / page;		/* B's domain pins B's pages */
	step(5, &a, &b);

	check(op_ioas_unmap(iommufd, a.id, base, 16 * page), "IOMMU_IOAS_UNMAP");
	a.mapped -= 16 * page;
	step(6, &a, &b);

	{
		struct iommu_destroy d = { .size = sizeof(d), .id = stdev };

		check(do_ioctl(iommufd, IOMMU_DESTROY, &d), "IOMMU_DESTROY");
	}
	b.has_dev = b.devs = b.hwpts = 0;
	b.pinned = 0;
	step(7, &a, &b);

	close(iommufd);
	return 0;
}
