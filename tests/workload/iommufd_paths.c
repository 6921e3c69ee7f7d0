// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_paths - drive the iommufd paths the v2 events cover (failures,
 * nested HWPTs, invalidation, dirty tracking, IOPF, accesses, pin failures,
 * VFIO compat, attach/replace/detach) with the selftest mock driver
 * (CONFIG_IOMMUFD_TEST), and say for each step what it did and what the
 * kernel returned, so that a test can hold ioastrace's records against it.
 *
 * Output (stdout), one line per step, "key=value" separated by spaces:
 *   step=X op=NAME ... ret=ERRNO
 * X is the path (a..h, see tests/vm/t-iommufd-v2-paths); ids are the ones
 * the kernel returned; ret is the ioctl's result (0 or -errno).  Lines
 *   pid=PID                    the workload's process id (first line)
 *   not_driven=NAME reason=... a path this kernel cannot take
 * Exit status 0, or 1 with a message on stderr if a step that must succeed
 * failed or an ioctl returned something other than what it must.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_ops.h"
#include "iommufd_test.h"

static int fd;		/* /dev/iommu */
static long psz;

#define OUT(...) printf(__VA_ARGS__)

/* Exit 1 unless GOT == WANT (both 0 or -errno) */
static void want(int got, int wanted, const char *what)
{
	if (got != wanted) {
		fprintf(stderr, "iommufd_paths: %s: got %d (%s), want %d\n",
			what, got, strerror(-got), wanted);
		exit(1);
	}
}

static void *buf_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		check(-errno, "mmap");
	return p;
}

static int test_op(struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return do_ioctl(fd, IOMMU_TEST_CMD, cmd);
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	check(do_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd), "IOMMU_IOAS_ALLOC");
	return cmd.out_ioas_id;
}

static int map_at(uint32_t ioas, void *va, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas, .user_va = (uintptr_t)va, .length = len,
		.iova = iova,
	};

	return do_ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static int unmap_at(uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = len,
	};

	return do_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
}

static void destroy(uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	check(do_ioctl(fd, IOMMU_DESTROY, &cmd), "IOMMU_DESTROY");
}

/* A mock device attached to PT_ID; returns the ioctl's result */
static int mock_domain(uint32_t pt_id, uint32_t *stdev, uint32_t *hwpt,
		       uint32_t *idev)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				      .id = pt_id };
	int ret = test_op(&cmd);

	*stdev = cmd.mock_domain.out_stdev_id;
	*hwpt = cmd.mock_domain.out_hwpt_id;
	*idev = cmd.mock_domain.out_idev_id;
	return ret;
}

static int mock_replace(uint32_t stdev, uint32_t pt_id, uint32_t *hwpt)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
				      .id = stdev,
				      .mock_domain_replace.pt_id = pt_id };
	int ret = test_op(&cmd);

	*hwpt = ret ? 0 : cmd.mock_domain_replace.pt_id;
	return ret;
}

static int hwpt_alloc(uint32_t dev_id, uint32_t pt_id, uint32_t flags,
		      uint32_t fault_id, uint32_t data_type, void *data,
		      uint32_t data_len, uint32_t *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev_id,
		.pt_id = pt_id, .data_type = data_type, .data_len = data_len,
		.data_uptr = (uintptr_t)data, .fault_id = fault_id,
	};
	int ret = do_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	*hwpt = ret ? 0 : cmd.out_hwpt_id;
	return ret;
}

/* The device the steps share (attach/replace/detach order: path h) */
static uint32_t ioas_a, stdev1, idev1, hwpt1;
static uint32_t parent, nested;

/* a: IOMMU_HWPT_ALLOC failures, a nesting parent and a nested HWPT */
static void path_a(void)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	uint32_t id, bad_flags = 1U << 30;
	int ret;

	ioas_a = ioas_alloc();
	ret = mock_domain(ioas_a, &stdev1, &hwpt1, &idev1);
	OUT("step=h op=mock_attach dev_id=%u ioas_id=%u hwpt_id=%u ret=%d\n",
	    idev1, ioas_a, hwpt1, ret);
	check(ret, "MOCK_DOMAIN");

	ret = hwpt_alloc(idev1, ioas_a, bad_flags, 0, IOMMU_HWPT_DATA_NONE,
			 NULL, 0, &id);
	OUT("step=a op=hwpt_alloc case=bad_flags dev_id=%u pt_id=%u flags=%u data_type=0 ret=%d\n",
	    idev1, ioas_a, bad_flags, ret);
	want(ret, -EOPNOTSUPP, "HWPT_ALLOC bad flags");

	ret = hwpt_alloc(idev1 + 1000, ioas_a, 0, 0, IOMMU_HWPT_DATA_NONE,
			 NULL, 0, &id);
	OUT("step=a op=hwpt_alloc case=bad_dev dev_id=%u pt_id=%u flags=0 data_type=0 ret=%d\n",
	    idev1 + 1000, ioas_a, ret);
	want(ret, -ENOENT, "HWPT_ALLOC unknown dev_id");

	ret = hwpt_alloc(idev1, ioas_a, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			 IOMMU_HWPT_DATA_NONE, NULL, 0, &parent);
	OUT("step=a op=hwpt_alloc case=parent dev_id=%u pt_id=%u flags=%u data_type=0 hwpt_id=%u ioas_id=%u ret=%d\n",
	    idev1, ioas_a, IOMMU_HWPT_ALLOC_NEST_PARENT, parent, ioas_a, ret);
	check(ret, "HWPT_ALLOC parent");

	/* 2 bytes of user data: shorter than the driver's minimum (iotlb) */
	ret = hwpt_alloc(idev1, parent, 0, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			 2, &id);
	OUT("step=a op=hwpt_alloc case=bad_data dev_id=%u pt_id=%u flags=0 data_type=%u ret=%d\n",
	    idev1, parent, IOMMU_HWPT_DATA_SELFTEST, ret);
	want(ret, -EINVAL, "HWPT_ALLOC nested, short user data");

	ret = hwpt_alloc(idev1, parent, 0, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			 sizeof(data), &nested);
	OUT("step=a op=hwpt_alloc case=nested dev_id=%u pt_id=%u flags=0 data_type=%u hwpt_id=%u ioas_id=%u ret=%d\n",
	    idev1, parent, IOMMU_HWPT_DATA_SELFTEST, nested, ioas_a, ret);
	check(ret, "HWPT_ALLOC nested");
}

static int invalidate(uint32_t hwpt, struct iommu_hwpt_invalidate_selftest *e,
		      uint32_t n, uint32_t *done)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt,
		.data_uptr = (uintptr_t)e,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(*e), .entry_num = n,
	};
	int ret = do_ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);

	*done = cmd.entry_num;
	return ret;
}

/* b: IOMMU_HWPT_INVALIDATE on the nested HWPT */
static void path_b(void)
{
	struct iommu_hwpt_invalidate_selftest e[3] = {
		{ .iotlb_id = 0 }, { .iotlb_id = 1 }, { .iotlb_id = 2 },
	};
	uint32_t done;
	int ret;

	ret = invalidate(nested, e, 2, &done);
	OUT("step=b op=invalidate case=good hwpt_id=%u data_type=%u entry_num=2 done_num=%u ret=%d\n",
	    nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, done, ret);
	want(ret, 0, "HWPT_INVALIDATE");
	/* the second entry names an IOTLB the mock lacks: it stops there */
	e[1].iotlb_id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
	ret = invalidate(nested, e, 3, &done);
	OUT("step=b op=invalidate case=stop hwpt_id=%u data_type=%u entry_num=3 done_num=%u ret=%d\n",
	    nested, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, done, ret);
	want(ret, -EINVAL, "HWPT_INVALIDATE bad entry");
}

static int set_dirty(uint32_t hwpt, int on)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt,
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	return do_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}

static int get_dirty(uint32_t hwpt, uint64_t iova, uint64_t len,
		     uint64_t page_size, uint32_t flags, uint64_t *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .flags = flags,
		.iova = iova, .length = len, .page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return do_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}

/* c: dirty tracking on a HWPT allocated with DIRTY_TRACKING */
static void path_c(void)
{
	uint64_t bitmap[8] = {}, iova = MOCK_APERTURE_START + (1 << 22);
	uint32_t dirty, stdev, hwpt, idev;
	void *va = buf_alloc(8 * psz);
	int ret;

	ret = hwpt_alloc(idev1, ioas_a, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0,
			 IOMMU_HWPT_DATA_NONE, NULL, 0, &dirty);
	OUT("step=c op=hwpt_alloc case=dirty dev_id=%u pt_id=%u flags=%u data_type=0 hwpt_id=%u ioas_id=%u ret=%d\n",
	    idev1, ioas_a, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, dirty, ioas_a, ret);
	check(ret, "HWPT_ALLOC dirty");
	/* a second mock device on it, as the selftest does */
	ret = mock_domain(dirty, &stdev, &hwpt, &idev);
	OUT("step=h op=mock_attach dev_id=%u ioas_id=%u hwpt_id=%u ret=%d\n",
	    idev, ioas_a, hwpt, ret);
	check(ret, "MOCK_DOMAIN on the dirty HWPT");
	check(map_at(ioas_a, va, iova, 8 * psz), "IOMMU_IOAS_MAP");

	ret = set_dirty(dirty, 1);
	OUT("step=c op=set_dirty hwpt_id=%u enable=1 ret=%d\n", dirty, ret);
	want(ret, 0, "SET_DIRTY_TRACKING on");
	ret = get_dirty(dirty, iova, 8 * psz, psz, 0, bitmap);
	OUT("step=c op=get_dirty hwpt_id=%u iova=%llu length=%llu page_size=%ld flags=0 ret=%d\n",
	    dirty, (unsigned long long)iova, 8ULL * psz, psz, ret);
	want(ret, 0, "GET_DIRTY_BITMAP");
	ret = set_dirty(dirty, 0);
	OUT("step=c op=set_dirty hwpt_id=%u enable=0 ret=%d\n", dirty, ret);
	want(ret, 0, "SET_DIRTY_TRACKING off");
	/* a flag the kernel does not know */
	ret = get_dirty(dirty, iova, 8 * psz, psz, 1U << 7, bitmap);
	OUT("step=c op=get_dirty hwpt_id=%u iova=%llu length=%llu page_size=%ld flags=%u ret=%d\n",
	    dirty, (unsigned long long)iova, 8ULL * psz, psz, 1U << 7, ret);
	want(ret, -EOPNOTSUPP, "GET_DIRTY_BITMAP bad flags");

	destroy(stdev);
	OUT("step=h op=mock_detach dev_id=%u hwpt_id=%u ret=0\n", idev, dirty);
	check(unmap_at(ioas_a, iova, 8 * psz), "IOMMU_IOAS_UNMAP");
	destroy(dirty);
	munmap(va, 8 * psz);
}

static int trigger_iopf(uint32_t dev_id, uint32_t grpid)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = dev_id, .pasid = 0x1,
				  .grpid = grpid,
				  .perm = IOMMU_PGFAULT_PERM_READ |
					  IOMMU_PGFAULT_PERM_WRITE,
				  .addr = 0xdeadb000 },
	};

	return test_op(&cmd);
}

static void read_fault(int ffd, struct iommu_hwpt_pgfault *f, uint32_t fault_id,
		       uint32_t hwpt)
{
	ssize_t n = read(ffd, f, sizeof(*f));

	if (n != sizeof(*f))
		check(n < 0 ? -errno : -EIO, "read(fault fd)");
	OUT("step=d op=fault_read fault_id=%u hwpt_id=%u dev_id=%u pasid=%u grpid=%u perm=%u addr=%llu cookie=%u flags=%u ret=0\n",
	    fault_id, hwpt, f->dev_id, f->pasid, f->grpid, f->perm,
	    (unsigned long long)f->addr, f->cookie, f->flags);
}

static int respond(int ffd, uint32_t cookie, uint32_t code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return write(ffd, &r, sizeof(r)) == sizeof(r) ? 0 : -errno;
}

/* d: IOPF through a fault object on a nested HWPT */
static void path_d(void)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_pgfault f;
	uint32_t iopf_hwpt, cur;
	int ret, ffd;

	ret = do_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa);
	OUT("step=d op=fault_alloc fault_id=%u ret=%d\n", fa.out_fault_id, ret);
	check(ret, "IOMMU_FAULT_QUEUE_ALLOC");
	ffd = fa.out_fault_fd;
	ret = hwpt_alloc(idev1, parent, IOMMU_HWPT_FAULT_ID_VALID,
			 fa.out_fault_id, IOMMU_HWPT_DATA_SELFTEST, &data,
			 sizeof(data), &iopf_hwpt);
	OUT("step=d op=hwpt_alloc case=iopf dev_id=%u pt_id=%u flags=%u data_type=%u hwpt_id=%u ioas_id=%u fault_id=%u ret=%d\n",
	    idev1, parent, IOMMU_HWPT_FAULT_ID_VALID, IOMMU_HWPT_DATA_SELFTEST,
	    iopf_hwpt, ioas_a, fa.out_fault_id, ret);
	check(ret, "HWPT_ALLOC with fault_id");

	ret = mock_replace(stdev1, iopf_hwpt, &cur);
	OUT("step=h op=mock_replace dev_id=%u old_hwpt_id=%u hwpt_id=%u pt_id=%u ret=%d\n",
	    idev1, hwpt1, cur, iopf_hwpt, ret);
	check(ret, "MOCK_DOMAIN_REPLACE onto the IOPF HWPT");
	hwpt1 = cur;

	ret = trigger_iopf(idev1, 2);
	OUT("step=d op=trigger_iopf dev_id=%u pasid=1 grpid=2 perm=%u addr=%llu ret=%d\n",
	    idev1, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
	    0xdeadb000ULL, ret);
	check(ret, "TRIGGER_IOPF");
	read_fault(ffd, &f, fa.out_fault_id, iopf_hwpt);
	ret = respond(ffd, f.cookie, IOMMUFD_PAGE_RESP_SUCCESS);
	OUT("step=d op=fault_respond fault_id=%u dev_id=%u grpid=%u cookie=%u code=0 ret=%d\n",
	    fa.out_fault_id, f.dev_id, f.grpid, f.cookie, ret);
	want(ret, 0, "fault response");

	ret = respond(ffd, f.cookie + 1000, IOMMUFD_PAGE_RESP_SUCCESS);
	OUT("step=d op=fault_respond case=bad_cookie fault_id=%u cookie=%u code=0 ret=%d\n",
	    fa.out_fault_id, f.cookie + 1000, ret);
	want(ret, -EINVAL, "fault response, unknown cookie");

	/* A fault read and left unanswered, then the device moves away */
	ret = trigger_iopf(idev1, 3);
	OUT("step=d op=trigger_iopf dev_id=%u pasid=1 grpid=3 perm=%u addr=%llu ret=%d\n",
	    idev1, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE,
	    0xdeadb000ULL, ret);
	check(ret, "TRIGGER_IOPF");
	read_fault(ffd, &f, fa.out_fault_id, iopf_hwpt);
	ret = mock_replace(stdev1, parent, &cur);
	OUT("step=h op=mock_replace dev_id=%u old_hwpt_id=%u hwpt_id=%u pt_id=%u ret=%d\n",
	    idev1, hwpt1, cur, parent, ret);
	check(ret, "MOCK_DOMAIN_REPLACE away from the IOPF HWPT");
	hwpt1 = cur;
	OUT("step=d op=fault_auto fault_id=%u dev_id=%u grpid=%u cookie=%u code=1 ret=0\n",
	    fa.out_fault_id, f.dev_id, f.grpid, f.cookie);
	destroy(iopf_hwpt);
	close(ffd);
}

/* e: an emulated access (selftest CREATE_ACCESS) */
static int access_pages(int afd, uint64_t iova, uint64_t len, void *uptr,
			uint32_t *item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_PAGES, .id = afd,
		.access_pages = { .iova = iova, .length = len,
				  .uptr = (uintptr_t)uptr },
	};
	int ret = test_op(&cmd);

	*item = cmd.access_pages.out_access_pages_id;
	return ret;
}

static int access_unpin(int afd, uint32_t item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, .id = afd,
		.destroy_access_pages.access_pages_id = item,
	};

	return test_op(&cmd);
}

static int access_replace(int afd, uint32_t ioas)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, .id = afd,
		.access_replace_ioas.ioas_id = ioas,
	};

	return test_op(&cmd);
}

struct race {
	int afd;
	uint64_t iova, len;
	void *uptr;
	uint32_t ioas;
	int ret;
	volatile int done;
};

static void *race_pin(void *arg)
{
	struct race *r = arg;
	uint32_t item;

	r->ret = access_pages(r->afd, r->iova, r->len, r->uptr, &item);
	r->done = 1;
	return NULL;
}

static void *race_replace(void *arg)
{
	struct race *r = arg;

	r->ret = access_replace(r->afd, r->ioas);
	r->done = 1;
	return NULL;
}

#define RACE_PAGES 2048
#define RACE_TRIES 20

static void path_e(void)
{
	uint64_t iova = MOCK_APERTURE_START, iova2 = MOCK_APERTURE_START + (1 << 24);
	uint32_t e1, e2, access_id, item;
	struct iommu_test_cmd cmd = {};
	void *va = buf_alloc(16 * psz), *big;
	int ret, afd, tries, hit = 0;
	int saved_fd = fd;
	long spins = 0;

	/* a fresh iommufd: no freed ids, so the access id can be inferred */
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		check(-errno, "/dev/iommu");
	e1 = ioas_alloc();
	cmd.op = IOMMU_TEST_OP_CREATE_ACCESS;
	cmd.id = e1;
	cmd.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	ret = test_op(&cmd);
	check(ret, "CREATE_ACCESS");
	afd = cmd.create_access.out_access_fd;
	e2 = ioas_alloc();
	/*
	 * The access id is not returned; object ids are the lowest free
	 * index, and nothing was freed in this iommufd: the access took the
	 * id between E1 and E2.
	 */
	if (e2 != e1 + 2)
		check(-EEXIST, "access id: E2 is not E1 + 2");
	access_id = e1 + 1;
	OUT("step=e op=access_create access_id=%u ioas_id=%u ret=%d\n",
	    access_id, e1, ret);

	check(map_at(e1, va, iova, 16 * psz), "IOMMU_IOAS_MAP");
	check(map_at(e1, va, iova2, 4 * psz), "IOMMU_IOAS_MAP");
	check(map_at(e2, va, iova, 16 * psz), "IOMMU_IOAS_MAP");

	ret = access_pages(afd, iova, psz, va, &item);
	OUT("step=e op=access_pin access_id=%u ioas_id=%u iova=%llu length=%ld ret=%d\n",
	    access_id, e1, (unsigned long long)iova, psz, ret);
	check(ret, "ACCESS_PAGES");
	ret = access_unpin(afd, item);
	OUT("step=e op=access_unpin access_id=%u ioas_id=%u iova=%llu length=%ld ret=%d\n",
	    access_id, e1, (unsigned long long)iova, psz, ret);
	check(ret, "DESTROY_ACCESS_PAGES");

	/* Unmap of a range the access pinned: the driver's unmap callback */
	ret = access_pages(afd, iova2, 2 * psz, va, &item);
	OUT("step=e op=access_pin access_id=%u ioas_id=%u iova=%llu length=%ld ret=%d\n",
	    access_id, e1, (unsigned long long)iova2, 2 * psz, ret);
	check(ret, "ACCESS_PAGES");
	ret = unmap_at(e1, iova2, 4 * psz);
	OUT("step=e op=unmap_pinned access_id=%u ioas_id=%u iova=%llu length=%ld pin_iova=%llu pin_length=%ld ret=%d\n",
	    access_id, e1, (unsigned long long)iova2, 4 * psz,
	    (unsigned long long)iova2, 2 * psz, ret);
	check(ret, "IOMMU_IOAS_UNMAP over a pinned range");

	ret = access_replace(afd, e2);
	OUT("step=e op=access_replace access_id=%u old_ioas_id=%u new_ioas_id=%u ret=%d\n",
	    access_id, e1, e2, ret);
	check(ret, "ACCESS_REPLACE_IOAS");

	/*
	 * A replace while another replace runs the driver's unmap callback
	 * (access->ioas is NULL then): -ENOENT.  Widen the window: a big pin
	 * holds the selftest's access lock while it checks each page after
	 * pinning, and the unmap callback waits for that lock.
	 */
	big = buf_alloc(RACE_PAGES * psz);
	check(map_at(e2, big, iova2, RACE_PAGES * psz), "IOMMU_IOAS_MAP");
	check(map_at(e1, big, iova2, RACE_PAGES * psz), "IOMMU_IOAS_MAP");
	{
		uint32_t from = e2, to = e1;

		for (tries = 1; tries <= RACE_TRIES && !hit; tries++) {
			struct race pin = { .afd = afd, .iova = iova2,
					    .len = RACE_PAGES * psz,
					    .uptr = big };
			struct race rep = { .afd = afd, .ioas = to };
			pthread_t tp, tr;

			pthread_create(&tp, NULL, race_pin, &pin);
			/* let the pin take the IOAS lock first */
			usleep(10000);
			pthread_create(&tr, NULL, race_replace, &rep);
			ret = 0;
			while (!rep.done && ret != -ENOENT) {
				ret = access_replace(afd, to);
				spins++;
				usleep(100);
			}
			pthread_join(tr, NULL);
			pthread_join(tp, NULL);
			/* whichever of the two came second in the window */
			if (ret == -ENOENT || rep.ret == -ENOENT) {
				hit = 1;
				OUT("step=e op=access_replace case=in_flight access_id=%u old_ioas_id=0 unpin_ioas_id=%u new_ioas_id=%u ret=%d\n",
				    access_id, from, to, -ENOENT);
			}
			if ((ret && ret != -ENOENT) || (rep.ret && rep.ret != -ENOENT))
				check(ret ? ret : rep.ret, "ACCESS_REPLACE_IOAS (racing)");
			check(pin.ret, "ACCESS_PAGES (racing)");
			/* the access is on TO now; go back next time */
			to = from;
			from = to == e1 ? e2 : e1;
		}
		OUT("step=e op=race_summary tries=%d spins=%ld hit=%d final_ioas_id=%u ret=0\n",
		    tries - 1, spins, hit, from);
	}
	if (!hit)
		OUT("not_driven=access_replace_enoent reason=window_not_hit_in_%d_tries\n",
		    RACE_TRIES);

	close(afd);
	OUT("step=e op=access_destroy access_id=%u ret=0\n", access_id);
	destroy(e1);
	destroy(e2);
	munmap(big, RACE_PAGES * psz);
	munmap(va, 16 * psz);
	close(fd);
	fd = saved_fd;
}

/* f: pin failures */
static int cap_ipc_lock(int on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[0].effective |= 1U << CAP_IPC_LOCK;
	else
		d[0].effective &= ~(1U << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Kernel log records since the last call: was one fault injected by
 * iommufd_should_fail() called from FUNC?  (The fault-injection report's
 * stack names the caller on the frame after iommufd_should_fail.)
 */
static int kmsg_injected_in(int kfd, const char *func)
{
	int found = 0, next_is_caller = 0;
	char rec[8192];
	ssize_t n;

	for (;;) {
		n = read(kfd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (next_is_caller && strstr(rec, func))
			found = 1;
		next_is_caller = strstr(rec, " iommufd_should_fail+") != NULL;
	}
	return found;
}

static void path_f(void)
{
	uint64_t iova = MOCK_APERTURE_START;
	uint32_t g, stdev, hwpt, idev;
	struct rlimit old, lim;
	char nth_s[16];
	int ret, nth, kfd, tfd, landed = 0;
	void *va;

	g = ioas_alloc();
	check(mock_domain(g, &stdev, &hwpt, &idev), "MOCK_DOMAIN");
	OUT("step=h op=mock_attach dev_id=%u ioas_id=%u hwpt_id=%u ret=0\n",
	    idev, g, hwpt);

	/* An address range with nothing mapped: pin_user_pages -EFAULT */
	va = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(va, 4 * psz);
	ret = map_at(g, va, iova, 4 * psz);
	OUT("step=f op=map case=unmapped_va ioas_id=%u user_va=%llu npages=4 ret=%d\n",
	    g, (unsigned long long)(uintptr_t)va, ret);
	want(ret, -EFAULT, "map of an unmapped VA");

	/* RLIMIT_MEMLOCK without CAP_IPC_LOCK */
	getrlimit(RLIMIT_MEMLOCK, &old);
	lim.rlim_cur = lim.rlim_max = 16 * psz;
	check(setrlimit(RLIMIT_MEMLOCK, &lim) ? -errno : 0, "setrlimit");
	check(cap_ipc_lock(0), "capset (drop CAP_IPC_LOCK)");
	va = buf_alloc(4 * psz);
	ret = map_at(g, va, iova, 4 * psz);
	OUT("step=f op=map case=under_limit ioas_id=%u user_va=%llu npages=4 limit=16 ret=%d\n",
	    g, (unsigned long long)(uintptr_t)va, ret);
	want(ret, 0, "map under RLIMIT_MEMLOCK");
	{
		void *va2 = buf_alloc(32 * psz);

		ret = map_at(g, va2, iova + (1 << 20), 32 * psz);
		OUT("step=f op=map case=over_limit ioas_id=%u user_va=%llu npages=32 limit=16 ret=%d\n",
		    g, (unsigned long long)(uintptr_t)va2, ret);
		want(ret, -ENOMEM, "map over RLIMIT_MEMLOCK");
		munmap(va2, 32 * psz);
	}
	check(unmap_at(g, iova, 4 * psz), "IOMMU_IOAS_UNMAP");
	OUT("step=f op=unmap ioas_id=%u user_va=%llu npages=4 ret=0\n", g,
	    (unsigned long long)(uintptr_t)va);
	/* raising the hard limit back needs CAP_SYS_RESOURCE (kept) */
	check(cap_ipc_lock(1), "capset (raise CAP_IPC_LOCK)");
	check(setrlimit(RLIMIT_MEMLOCK, &old) ? -errno : 0, "setrlimit back");

	/* fail_nth on a one-page map until the injected failure is the pin */
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kfd < 0)
		check(-errno, "/dev/kmsg");
	lseek(kfd, 0, SEEK_END);
	tfd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (tfd < 0)
		check(-errno, "/proc/thread-self/fail-nth");
	for (nth = 1; nth <= 200 && !landed; nth++) {
		int left;

		snprintf(nth_s, sizeof(nth_s), "%d", nth);
		check(pwrite(tfd, nth_s, strlen(nth_s), 0) < 0 ? -errno : 0,
		      "write fail-nth");
		ret = map_at(g, va, iova, psz);
		memset(nth_s, 0, sizeof(nth_s));
		left = pread(tfd, nth_s, sizeof(nth_s) - 1, 0) > 0 ? atoi(nth_s) : -1;
		pwrite(tfd, "0", 1, 0);
		landed = kmsg_injected_in(kfd, " pfn_reader_user_pin+");
		/* fault injection reports are rate-limited: 10 per 5 s */
		if (left == 0)
			usleep(600000);
		OUT("step=f op=map case=fail_nth nth=%d injected=%d at_pin=%d ioas_id=%u user_va=%llu npages=1 ret=%d\n",
		    nth, left == 0, landed, g, (unsigned long long)(uintptr_t)va,
		    ret);
		if (!ret)
			check(unmap_at(g, iova, psz), "IOMMU_IOAS_UNMAP");
	}
	if (!landed)
		OUT("not_driven=pin_fail_injected reason=no_injection_at_pfn_reader_user_pin_in_200\n");
	close(tfd);
	close(kfd);
	munmap(va, 4 * psz);
	destroy(stdev);
	OUT("step=h op=mock_detach dev_id=%u hwpt_id=%u ret=0\n", idev, hwpt);
	destroy(g);
}

/* g: VFIO type1 compat on /dev/vfio/vfio */
static int vfio_map(int vfd, uint32_t flags, void *va, uint64_t iova,
		    uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)va,
		.iova = iova, .size = len,
	};

	return ioctl(vfd, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static int vfio_unmap(int vfd, uint32_t flags, uint64_t iova, uint64_t len,
		      uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = len,
	};
	int ret = ioctl(vfd, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;

	*unmapped = ret ? 0 : u.size;
	return ret;
}

static void path_g(void)
{
	uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi) };
	uint64_t iova = 1ULL << 24, unmapped;
	void *va = buf_alloc(8 * psz);
	int vfd, ret;

	vfd = open("/dev/vfio/vfio", O_RDWR);
	if (vfd < 0)
		check(-errno, "/dev/vfio/vfio");
	ret = vfio_map(vfd, rw, va, iova, 4 * psz);
	OUT("step=g op=vfio_map case=no_ioas ioas_id=0 iova=%llu length=%ld user_va=%llu flags=%u ret=%d\n",
	    (unsigned long long)iova, 4 * psz,
	    (unsigned long long)(uintptr_t)va, 7, ret);
	want(ret, -ENODEV, "VFIO map before a compat IOAS");
	ret = vfio_map(vfd, rw | (1U << 5), va, iova, 4 * psz);
	OUT("step=g op=vfio_map case=bad_flags ioas_id=0 iova=%llu length=%ld user_va=%llu flags=%u ret=%d\n",
	    (unsigned long long)iova, 4 * psz,
	    (unsigned long long)(uintptr_t)va, 7, ret);
	want(ret, -EINVAL, "VFIO map with a bad flag");

	check(do_ioctl(vfd, IOMMU_IOAS_ALLOC, &ia), "IOMMU_IOAS_ALLOC (compat)");
	vi.ioas_id = ia.out_ioas_id;
	vi.op = IOMMU_VFIO_IOAS_SET;
	check(do_ioctl(vfd, IOMMU_VFIO_IOAS, &vi), "IOMMU_VFIO_IOAS_SET");

	ret = vfio_map(vfd, rw, va, iova, 4 * psz);
	OUT("step=g op=vfio_map case=good ioas_id=%u iova=%llu length=%ld user_va=%llu flags=%u ret=%d\n",
	    ia.out_ioas_id, (unsigned long long)iova, 4 * psz,
	    (unsigned long long)(uintptr_t)va, 7, ret);
	want(ret, 0, "VFIO map");
	ret = vfio_map(vfd, rw, (char *)va + 4 * psz, iova + 4 * psz, 4 * psz);
	OUT("step=g op=vfio_map case=good ioas_id=%u iova=%llu length=%ld user_va=%llu flags=%u ret=%d\n",
	    ia.out_ioas_id, (unsigned long long)iova + 4 * psz, 4 * psz,
	    (unsigned long long)(uintptr_t)va + 4 * psz, 7, ret);
	want(ret, 0, "VFIO map");
	ret = vfio_unmap(vfd, 0, iova, 4 * psz, &unmapped);
	OUT("step=g op=vfio_unmap case=good ioas_id=%u iova=%llu length=%ld unmapped=%llu ret=%d\n",
	    ia.out_ioas_id, (unsigned long long)iova, 4 * psz,
	    (unsigned long long)unmapped, ret);
	want(ret, 0, "VFIO unmap");
	ret = vfio_unmap(vfd, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0, &unmapped);
	OUT("step=g op=vfio_unmap case=all ioas_id=%u iova=0 length=%llu unmapped=%llu ret=%d\n",
	    ia.out_ioas_id, (unsigned long long)UINT64_MAX,
	    (unsigned long long)unmapped, ret);
	want(ret, 0, "VFIO unmap all");
	close(vfd);
	munmap(va, 8 * psz);
}

/* h: the rest of the shared device's life, and attach failures */
static void path_h(void)
{
	uint32_t stdev, hwpt, idev, cur, bad = 0x7ffff;
	int ret;

	ret = mock_domain(bad, &stdev, &hwpt, &idev);
	OUT("step=h op=mock_attach case=bad_pt pt_id=%u ret=%d\n", bad, ret);
	want(ret, -ENOENT, "MOCK_DOMAIN on an unknown pt_id");
	ret = mock_replace(stdev1, bad, &cur);
	OUT("step=h op=mock_replace case=bad_pt dev_id=%u pt_id=%u ret=%d\n",
	    idev1, bad, ret);
	want(ret, -ENOENT, "MOCK_DOMAIN_REPLACE onto an unknown pt_id");
	/* back onto IOAS A: a new automatic HWPT */
	ret = mock_replace(stdev1, ioas_a, &cur);
	OUT("step=h op=mock_replace dev_id=%u old_hwpt_id=%u hwpt_id=%u pt_id=%u ioas_id=%u ret=%d\n",
	    idev1, hwpt1, cur, ioas_a, ioas_a, ret);
	check(ret, "MOCK_DOMAIN_REPLACE onto IOAS A");
	hwpt1 = cur;
	destroy(stdev1);
	OUT("step=h op=mock_detach dev_id=%u hwpt_id=%u ret=0\n", idev1, hwpt1);
	destroy(nested);
	destroy(parent);
	destroy(ioas_a);
	/*
	 * iommufd_group_setup_msi needs an IOMMU_RESV_SW_MSI region; the
	 * 6.12 mock driver reports none (no get_resv_regions), and this VM
	 * has no ARM SMMU.
	 */
	OUT("not_driven=group_setup_msi reason=mock_driver_has_no_sw_msi_window_in_6.12\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	psz = sysconf(_SC_PAGESIZE);
	printf("pid=%d\n", getpid());
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		check(-errno, "/dev/iommu");
	path_a();
	path_b();
	path_c();
	path_d();
	path_e();
	path_f();
	path_g();
	path_h();
	close(fd);
	return 0;
}
