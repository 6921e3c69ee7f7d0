/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd_ops.h - the iommufd uAPI calls our workloads share.  Each call
 * prints one "op=NAME key=value ... ret=ERRNO" line on stdout (the record
 * the tests compare with what the tools report) and returns 0 or -errno.
 */
#ifndef IOMMUFD_OPS_H
#define IOMMUFD_OPS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

/* CLOCK_MONOTONIC in ns: the time base the tests compare with the tools' */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Exit 1 with "PROGRAM: WHAT: error" on stderr when RET (-errno) is set */
static inline void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name,
			what, strerror(-ret));
		exit(1);
	}
}

static inline int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/*
 * Open the VFIO device cdev PATH and /dev/iommu and bind the device to that
 * iommufd (VFIO_DEVICE_BIND_IOMMUFD; prints "op=bind dev=ID ret=ERRNO").
 * Returns the device fd, *iommufd the iommufd, *dev_id the iommufd device
 * id; exits 1 on failure.
 */
static inline int vfio_cdev_bind(const char *path, int *iommufd,
				 uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int devfd = open(path, O_RDWR), ret;

	if (devfd < 0)
		check(-errno, path);
	*iommufd = open("/dev/iommu", O_RDWR);
	if (*iommufd < 0)
		check(-errno, "/dev/iommu");
	bind.iommufd = *iommufd;
	ret = do_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	printf("op=bind dev=%u ret=%d\n", bind.out_devid, ret);
	check(ret, "VFIO_DEVICE_BIND_IOMMUFD");
	*dev_id = bind.out_devid;
	return devfd;
}

/* VFIO_DEVICE_DETACH_IOMMUFD_PT (prints "op=detach dev=ID ret=ERRNO"),
 * then close both fds; exits 1 on failure */
static inline void vfio_cdev_detach_close(int devfd, int iommufd,
					  uint32_t dev_id)
{
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	int ret = do_ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);

	printf("op=detach dev=%u ret=%d\n", dev_id, ret);
	check(ret, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
	close(devfd);
	close(iommufd);
}

/* IOMMU_IOAS_ALLOC; *ioas gets the new id */
static inline int op_ioas_alloc(int iommufd, uint32_t *ioas)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = do_ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd);

	*ioas = cmd.out_ioas_id;
	printf("op=ioas_alloc ioas=%u ret=%d\n", cmd.out_ioas_id, ret);
	return ret;
}

/* IOMMU_IOAS_MAP of [buf, buf + length) at a fixed IOVA, read/write */
static inline int op_ioas_map(int iommufd, uint32_t ioas, void *buf,
			      uint64_t iova, uint64_t length)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = length,
		.iova = iova,
	};
	uint64_t t0 = now_ns();
	int ret = do_ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);
	uint64_t t1 = now_ns();

	printf("op=map ioas=%u iova=0x%llx length=%llu ret=%d t0=%llu t1=%llu\n",
	       ioas, (unsigned long long)iova, (unsigned long long)length, ret,
	       (unsigned long long)t0, (unsigned long long)t1);
	return ret;
}

/* IOMMU_IOAS_UNMAP of [iova, iova + length) */
static inline int op_ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova,
				uint64_t length)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = length,
	};
	uint64_t t0 = now_ns();
	int ret = do_ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd);
	uint64_t t1 = now_ns();

	printf("op=unmap ioas=%u iova=0x%llx length=%llu unmapped=%llu ret=%d t0=%llu t1=%llu\n",
	       ioas, (unsigned long long)iova, (unsigned long long)length,
	       ret ? 0ULL : (unsigned long long)cmd.length, ret,
	       (unsigned long long)t0, (unsigned long long)t1);
	return ret;
}

#endif /* IOMMUFD_OPS_H */
