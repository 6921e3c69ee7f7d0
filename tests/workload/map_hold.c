// SPDX-License-Identifier: GPL-2.0
/*
 * map_hold - create IOASes, each with a mock domain (CONFIG_IOMMUFD_TEST)
 * and a known set of mappings, report them, and hold them until SIGTERM or
 * SIGINT: the steady state a monitoring system scrapes.
 *
 * Usage: map_hold [-n IOASES] [-k KIB]... [-u]
 *
 * Each of the IOASES IOASes (default 1) gets one mapping per -k (default:
 * 64, 1024 and 2048 KiB), from buffers touched beforehand, at IOVAs one
 * 64 MiB apart; the mock domain pins every page.  When all are mapped it
 * prints, per IOAS:
 *   hold pid=PID ioas=ID maps=N mapped=BYTES pinned=PAGES
 * then "holding" and waits.  Exit 1 with a message if an ioctl fails.
 * -u: then unmap each IOAS's first mapping; the line then says
 *   hold pid=PID ioas=ID maps=N unmaps=1 mapped=BYTES pinned=PAGES
 * with the kernel's unmapped length taken off (op=unmap line before it).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_ops.h"
#include "iommufd_test.h"

#define MAX_SIZES 16

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

/* A mock device bound and attached to IOAS; prints the kernel's ids:
 * "op=mock_domain ioas=ID dev=IDEV hwpt=HWPT ret=ERRNO" */
static int mock_domain(int iommufd, uint32_t ioas)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd),
				      .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = ioas };
	int ret = do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd);

	printf("op=mock_domain ioas=%u dev=%u hwpt=%u ret=%d\n", ioas,
	       cmd.mock_domain.out_idev_id, cmd.mock_domain.out_hwpt_id, ret);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long kib[MAX_SIZES] = { 64, 1024, 2048 };
	int nsizes = 0, nioas = 1, iommufd, i, j, opt, unmap = 0;

	while ((opt = getopt(argc, argv, "n:k:u")) != -1) {
		switch (opt) {
		case 'n': nioas = atoi(optarg); break;
		case 'u': unmap = 1; break;
		case 'k':
			if (nsizes == MAX_SIZES)
				goto usage;
			kib[nsizes++] = strtoul(optarg, NULL, 10);
			break;
		default: goto usage;
		}
	}
	if (!nsizes)
		nsizes = 3;
	for (i = 0; i < nsizes; i++)
		if (!kib[i] || kib[i] % 4 || kib[i] > 65536)
			goto usage;
	if (nioas < 1 || nioas > 100000)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0) {
		perror("map_hold: /dev/iommu");
		return 1;
	}
	for (j = 0; j < nioas; j++) {
		unsigned long long mapped = 0;
		uint32_t ioas;

		if (op_ioas_alloc(iommufd, &ioas) || mock_domain(iommufd, ioas)) {
			fprintf(stderr, "map_hold: IOAS %d: %s\n", j, strerror(errno));
			return 1;
		}
		for (i = 0; i < nsizes; i++) {
			size_t len = kib[i] << 10;
			void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (buf == MAP_FAILED) {
				perror("map_hold: mmap");
				return 1;
			}
			memset(buf, 1, len);
			if (op_ioas_map(iommufd, ioas, buf,
					MOCK_APERTURE_START + i * (64ULL << 20), len))
				return 1;
			mapped += len;
		}
		if (unmap) {
			struct iommu_ioas_unmap cmd = {
				.size = sizeof(cmd), .ioas_id = ioas,
				.iova = MOCK_APERTURE_START, .length = kib[0] << 10,
			};

			if (do_ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd)) {
				perror("map_hold: IOMMU_IOAS_UNMAP");
				return 1;
			}
			printf("op=unmap ioas=%u iova=0x%llx length=%lu unmapped=%llu ret=0\n",
			       ioas, (unsigned long long)MOCK_APERTURE_START,
			       kib[0] << 10, (unsigned long long)cmd.length);
			mapped -= cmd.length;
			printf("hold pid=%d ioas=%u maps=%d unmaps=1 mapped=%llu pinned=%llu\n",
			       getpid(), ioas, nsizes, mapped, mapped / 4096);
			continue;
		}
		printf("hold pid=%d ioas=%u maps=%d mapped=%llu pinned=%llu\n",
		       getpid(), ioas, nsizes, mapped, mapped / 4096);
	}
	printf("holding\n");
	while (!done)
		pause();
	return 0;
usage:
	fprintf(stderr, "usage: map_hold [-n IOASES] [-k KIB (4 KiB multiple, <= 65536)]... [-u]\n");
	return 2;
}
