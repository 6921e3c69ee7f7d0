// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_workload - a deterministic iommufd workload that reports, for
 * itself, what it did: one line per operation and, at the end, how many
 * times each iommufd tracepoint must have fired.
 *
 * It uses the iommufd selftest driver (CONFIG_IOMMUFD_TEST) for a mock
 * device and an emulated access, so it runs in any VM, with or without a
 * vIOMMU.  Sequence, with N = -n (default 4):
 *
 *   allocate IOAS 1 and 2; create a mock device attached to IOAS 1;
 *   map N buffers into IOAS 1 (N bytes each of 1..N pages) and fail one map
 *   (unknown IOAS id); copy the first mapping into IOAS 2; create an
 *   access on IOAS 1, pin and unpin the first page, replace the access onto
 *   IOAS 2 and destroy it; replace the mock device onto IOAS 2; unmap the N
 *   mappings of IOAS 1 and fail one unmap (nothing mapped there); destroy
 *   the mock device, then both IOASes.
 *
 * Output (stdout), one record per line, "key=value" separated by spaces:
 *   op=NAME ... ret=ERRNO      every ioctl, with the ids, IOVA and length
 *                              it used (ret 0 or a negative errno)
 *   count EVENT N              for each iommufd tracepoint, how many times
 *                              it fired, derived from the operations above
 *   pinned_pages N             pages pinned by the maps (all distinct)
 *
 * Exit status: 0, or 1 with a message on stderr if an operation that must
 * succeed failed (not root, no /dev/iommu, no CONFIG_IOMMUFD_TEST: errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_ops.h"
#include "iommufd_test.h"

#define MAX_MAPS 64

enum event {
	EV_IOAS_ALLOC, EV_IOAS_DESTROY, EV_HWPT_ALLOC, EV_HWPT_DESTROY,
	EV_DEVICE_BIND, EV_DEVICE_UNBIND, EV_DEVICE_ATTACH, EV_DEVICE_REPLACE,
	EV_DEVICE_DETACH, EV_ACCESS_CREATE, EV_ACCESS_DESTROY,
	EV_ACCESS_CHANGE_IOAS, EV_IOAS_MAP, EV_IOAS_UNMAP, EV_IOAS_COPY,
	EV_ACCESS_PIN, EV_ACCESS_UNPIN, NR_EVENTS
};

static const char *const event_names[NR_EVENTS] = {
	"iommufd_ioas_alloc", "iommufd_ioas_destroy", "iommufd_hwpt_alloc",
	"iommufd_hwpt_destroy", "iommufd_device_bind", "iommufd_device_unbind",
	"iommufd_device_attach", "iommufd_device_replace",
	"iommufd_device_detach", "iommufd_access_create",
	"iommufd_access_destroy", "iommufd_access_change_ioas",
	"iommufd_ioas_map", "iommufd_ioas_unmap", "iommufd_ioas_copy",
	"iommufd_access_pin", "iommufd_access_unpin",
};

static unsigned long counts[NR_EVENTS];
static int iommufd;
static long page_size;

static void die(const char *what, int err)
{
	fprintf(stderr, "iommufd_workload: %s: %s\n", what, strerror(err));
	exit(1);
}

static uint32_t ioas_alloc(void)
{
	uint32_t ioas;
	int ret = op_ioas_alloc(iommufd, &ioas);

	if (ret)
		die("IOMMU_IOAS_ALLOC", -ret);
	counts[EV_IOAS_ALLOC]++;
	return ioas;
}

static void destroy(const char *what, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	int ret = do_ioctl(iommufd, IOMMU_DESTROY, &cmd);

	printf("op=destroy_%s id=%u ret=%d\n", what, id, ret);
	if (ret)
		die("IOMMU_DESTROY", -ret);
}

static int ioas_map(uint32_t ioas, void *buf, uint64_t iova, uint64_t length)
{
	counts[EV_IOAS_MAP]++;
	return op_ioas_map(iommufd, ioas, buf, iova, length);
}

static int ioas_unmap(uint32_t ioas, uint64_t iova, uint64_t length)
{
	counts[EV_IOAS_UNMAP]++;
	return op_ioas_unmap(iommufd, ioas, iova, length);
}

static void ioas_copy(uint32_t src, uint32_t dst, uint64_t iova,
		      uint64_t length)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = length,
		.dst_iova = iova,
		.src_iova = iova,
	};
	int ret = do_ioctl(iommufd, IOMMU_IOAS_COPY, &cmd);

	printf("op=copy src_ioas=%u dst_ioas=%u iova=0x%llx length=%llu ret=%d\n",
	       src, dst, (unsigned long long)iova,
	       (unsigned long long)length, ret);
	counts[EV_IOAS_COPY]++;
	if (ret)
		die("IOMMU_IOAS_COPY", -ret);
}

static int test_cmd(struct iommu_test_cmd *cmd, const char *what)
{
	int ret;

	cmd->size = sizeof(*cmd);
	ret = do_ioctl(iommufd, IOMMU_TEST_CMD, cmd);
	if (ret)
		die(what, -ret);
	return ret;
}

int main(int argc, char **argv)
{
	void *bufs[MAX_MAPS];
	uint64_t iovas[MAX_MAPS], lengths[MAX_MAPS], pinned = 0;
	struct iommu_test_cmd cmd;
	uint32_t ioas1, ioas2, stdev, hwpt, idev, pages_id;
	int access_fd, nmaps = 4, opt, i;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		switch (opt) {
		case 'n':
			nmaps = atoi(optarg);
			if (nmaps < 1 || nmaps > MAX_MAPS) {
				fprintf(stderr, "iommufd_workload: -n must be 1..%d\n",
					MAX_MAPS);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: iommufd_workload [-n MAPS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("/dev/iommu", errno);
	ioas1 = ioas_alloc();
	ioas2 = ioas_alloc();

	/* Mock device: bind, auto HWPT on IOAS 1, attach */
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	cmd.id = ioas1;
	test_cmd(&cmd, "IOMMU_TEST_OP_MOCK_DOMAIN");
	stdev = cmd.mock_domain.out_stdev_id;
	hwpt = cmd.mock_domain.out_hwpt_id;
	idev = cmd.mock_domain.out_idev_id;
	printf("op=mock_domain ioas=%u stdev=%u hwpt=%u dev=%u ret=0\n", ioas1,
	       stdev, hwpt, idev);
	counts[EV_DEVICE_BIND]++;
	counts[EV_HWPT_ALLOC]++;
	counts[EV_DEVICE_ATTACH]++;

	/* Map i+1 pages at a distinct, aligned IOVA for each buffer */
	for (i = 0; i < nmaps; i++) {
		lengths[i] = (uint64_t)(i + 1) * page_size;
		iovas[i] = MOCK_APERTURE_START + (uint64_t)i * 64 * page_size;
		bufs[i] = mmap(NULL, lengths[i], PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (bufs[i] == MAP_FAILED)
			die("mmap", errno);
		if (ioas_map(ioas1, bufs[i], iovas[i], lengths[i]))
			die("IOMMU_IOAS_MAP", errno);
		pinned += i + 1;
	}
	/* An IOAS id that does not exist: -ENOENT */
	if (ioas_map(ioas2 + 1000, bufs[0], iovas[0], lengths[0]) != -ENOENT)
		die("IOMMU_IOAS_MAP of an unknown IOAS did not fail", EINVAL);

	ioas_copy(ioas1, ioas2, iovas[0], lengths[0]);

	/* Emulated access: attach to IOAS 1, pin + unpin, replace, destroy */
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_CREATE_ACCESS;
	cmd.id = ioas1;
	cmd.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	test_cmd(&cmd, "IOMMU_TEST_OP_CREATE_ACCESS");
	access_fd = cmd.create_access.out_access_fd;
	printf("op=access_create ioas=%u ret=0\n", ioas1);
	counts[EV_ACCESS_CREATE]++;
	counts[EV_ACCESS_CHANGE_IOAS]++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_ACCESS_PAGES;
	cmd.id = access_fd;
	cmd.access_pages.iova = iovas[0];
	cmd.access_pages.length = page_size;
	cmd.access_pages.uptr = (uintptr_t)bufs[0];
	test_cmd(&cmd, "IOMMU_TEST_OP_ACCESS_PAGES");
	pages_id = cmd.access_pages.out_access_pages_id;
	printf("op=access_pin ioas=%u iova=0x%llx length=%ld ret=0\n", ioas1,
	       (unsigned long long)iovas[0], page_size);
	counts[EV_ACCESS_PIN]++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES;
	cmd.id = access_fd;
	cmd.destroy_access_pages.access_pages_id = pages_id;
	test_cmd(&cmd, "IOMMU_TEST_OP_DESTROY_ACCESS_PAGES");
	printf("op=access_unpin ioas=%u iova=0x%llx length=%ld ret=0\n", ioas1,
	       (unsigned long long)iovas[0], page_size);
	counts[EV_ACCESS_UNPIN]++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS;
	cmd.id = access_fd;
	cmd.access_replace_ioas.ioas_id = ioas2;
	test_cmd(&cmd, "IOMMU_TEST_OP_ACCESS_REPLACE_IOAS");
	printf("op=access_replace old_ioas=%u new_ioas=%u ret=0\n", ioas1,
	       ioas2);
	counts[EV_ACCESS_CHANGE_IOAS]++;

	close(access_fd);
	printf("op=access_destroy ioas=%u ret=0\n", ioas2);
	counts[EV_ACCESS_DESTROY]++;
	counts[EV_ACCESS_CHANGE_IOAS]++;	/* the detach from IOAS 2 */

	/* Replace the mock device onto IOAS 2: new auto HWPT, old one freed */
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = stdev;
	cmd.mock_domain_replace.pt_id = ioas2;
	test_cmd(&cmd, "IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE");
	printf("op=replace dev=%u old_hwpt=%u ioas=%u hwpt=%u ret=0\n", idev,
	       hwpt, ioas2, cmd.mock_domain_replace.pt_id);
	hwpt = cmd.mock_domain_replace.pt_id;
	counts[EV_HWPT_ALLOC]++;
	counts[EV_DEVICE_REPLACE]++;
	counts[EV_HWPT_DESTROY]++;

	for (i = 0; i < nmaps; i++)
		if (ioas_unmap(ioas1, iovas[i], lengths[i]))
			die("IOMMU_IOAS_UNMAP", errno);
	/* Nothing is mapped at the aperture's end: -ENOENT */
	if (ioas_unmap(ioas1, (uint64_t)MOCK_APERTURE_LAST + 1 - page_size, page_size) !=
	    -ENOENT)
		die("IOMMU_IOAS_UNMAP of an unmapped range did not fail",
		    EINVAL);

	/* Destroying the mock device detaches it and frees its auto HWPT */
	destroy("mock_device", stdev);
	counts[EV_DEVICE_DETACH]++;
	counts[EV_HWPT_DESTROY]++;
	counts[EV_DEVICE_UNBIND]++;

	destroy("ioas", ioas1);
	destroy("ioas", ioas2);	/* also unmaps the copy */
	counts[EV_IOAS_DESTROY] += 2;
	close(iommufd);

	for (i = 0; i < NR_EVENTS; i++)
		printf("count %s %lu\n", event_names[i], counts[i]);
	printf("pinned_pages %llu\n", (unsigned long long)pinned);
	return 0;
}
