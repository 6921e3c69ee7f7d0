// SPDX-License-Identifier: GPL-2.0
/*
 * map_hold - create IOASes, each with a mock domain (CONFIG_IOMMUFD_TEST)
 * and a known set of mappings, report them, and hold them until SIGTERM or
 * SIGINT: the steady state a monitoring system scrapes.
 *
 * Usage: map_hold [-n IOASES] [-k KIB]...
 *
 * Each of the IOASES IOASes (default 1) gets one mapping per -k (default:
 * 64, 1024 and 2048 KiB), from buffers touched beforehand, at IOVAs one
 * 64 MiB apart; the mock domain pins every page.  When all are mapped it
 * prints, per IOAS:
 *   hold pid=PID ioas=ID maps=N mapped=BYTES pinned=PAGES
 * then "holding" and waits.  Exit 1 with a message if an ioctl fails.
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

static int mock_domain(int iommufd, uint32_t ioas)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd),
				      .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = ioas };

	return do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd);
}

int main(int argc, char **argv)
{
	unsigned long kib[MAX_SIZES] = { 64, 1024, 2048 };
	int nsizes = 0, nioas = 1, iommufd, i, j, opt;

	while ((opt = getopt(argc, argv, "n:k:")) != -1) {
		switch (opt) {
		case 'n': nioas = atoi(optarg); break;
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
		printf("hold pid=%d ioas=%u maps=%d mapped=%llu pinned=%llu\n",
		       getpid(), ioas, nsizes, mapped, mapped / 4096);
	}
	printf("holding\n");
	while (!done)
		pause();
	return 0;
usage:
	fprintf(stderr, "usage: map_hold [-n IOASES] [-k KIB (4 KiB multiple, <= 65536)]...\n");
	return 2;
}
