// SPDX-License-Identifier: GPL-2.0
/*
 * ioas_churn - the soak's workload (tests/soak): IOAS churn for a given
 * time, with address reuse and lock contention, that counts for itself
 * everything it did and prints it at the end: the truth the tools'
 * numbers are compared with.
 *
 * One iommufd, used by every thread.  Two kinds of work, mixed at random
 * by -t worker threads (xorshift, seeded per thread):
 *
 *   shared: -s slots, each an IOAS with a mock device attached (selftest
 *     driver, CONFIG_IOMMUFD_TEST).  Each worker maps and unmaps chunks of
 *     1..4 pages in its own IOVA region of a slot, so all workers hit the
 *     same IOAS at the same time (iova_rwsem, ioas->mutex, the domain's
 *     locks contend).  1 in 16 of these operations fails on purpose: a map
 *     over a chunk it has mapped (-EEXIST) or an unmap of one it has not
 *     (-ENOENT).  A rotator thread replaces each slot every -r seconds:
 *     destroys its mock device and its IOAS (with whatever is still mapped)
 *     and allocates a new IOAS with a new mock device.
 *   private: allocate IOASes A and B, a mock device on A (bind + auto HWPT
 *     + attach), map 1..4 chunks into A, replace the device onto B (new
 *     auto HWPT, the old one freed), map one chunk into B, map into IOAS id
 *     0 (-ENOENT on purpose), unmap A's chunks, destroy the device (detach,
 *     HWPT freed, unbind), destroy A and B (B still mapped).
 *
 * Freed objects' memory is reused by the next ones (kmalloc), as their ids
 * are: what the tools key by is reused thousands of times.
 *
 * -w USEC: each worker sleeps that long after each operation (a shared
 * operation or a private cycle), so that the amount of work, and the
 * tracers' output, does not grow with the machine's speed (the soak).
 *
 * -L SECONDS: after that long, every thread stops between two operations,
 * "checkpoint KEY N" lines give the counters so far, then "paused", and
 * the workload waits for SIGUSR1 (tracers started late begin there, so
 * what they must have seen is exact).  At the end (-d SECONDS): the workers
 * stop, "alive ioas=ID ..." describes each slot (still allocated, device
 * attached), "holding", and after SIGUSR1 the slots are destroyed and the
 * totals printed:
 *
 *   total KEY N          ioas_alloc, ioas_destroy, map_ok, map_eexist,
 *                        map_enoent, map_bytes, unmap_ok, unmap_enoent,
 *                        unmap_bytes, bind, attach, replace, detach,
 *                        hwpt_alloc, hwpt_destroy, unbind, cycles,
 *                        rotations, pinned_pages (pages the successful maps
 *                        pinned: every map here is into an IOAS with a
 *                        domain)
 *   expect EVENT RET N   how many times EVENT fired with RET (0 or -errno)
 *
 * Exit status 0, or 1 with a message when an operation that must succeed
 * failed, or one meant to fail did not fail as it should.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_ops.h"
#include "iommufd_test.h"

#define MAX_SLOTS 16
#define MAX_THREADS 32
#define NCHUNK 16		/* chunks per worker region */
#define CHUNK_STRIDE 16		/* pages between chunk starts */
#define MAXPG 4			/* pages of the largest chunk */

enum {
	C_IOAS_ALLOC, C_IOAS_DESTROY, C_MAP_OK, C_MAP_EEXIST, C_MAP_ENOENT,
	C_MAP_BYTES, C_UNMAP_OK, C_UNMAP_ENOENT, C_UNMAP_BYTES, C_BIND,
	C_ATTACH, C_REPLACE, C_DETACH, C_HWPT_ALLOC, C_HWPT_DESTROY, C_UNBIND,
	C_CYCLES, C_ROTATIONS, C_PINNED, NR_C
};
static const char *const cname[NR_C] = {
	"ioas_alloc", "ioas_destroy", "map_ok", "map_eexist", "map_enoent",
	"map_bytes", "unmap_ok", "unmap_enoent", "unmap_bytes", "bind",
	"attach", "replace", "detach", "hwpt_alloc", "hwpt_destroy", "unbind",
	"cycles", "rotations", "pinned_pages",
};
static atomic_ulong cnt[NR_C];

struct slot {
	pthread_rwlock_t rw;
	uint32_t ioas, stdev, hwpt, idev;
	unsigned long gen;
	/* what happened on this IOAS since it was allocated */
	atomic_ulong maps, unmaps, errors, mapped;
};

static struct slot slots[MAX_SLOTS];
static int iommufd, nslots = 2, nthreads = 4;
static long psz;
static double duration = 180, rotate = 2, late = 0;
static unsigned int wait_us;	/* -w: a worker's pause after each operation */
static uint64_t t_end;
static atomic_int pause_req, stopping;
static pthread_barrier_t pause_bar;

static void die(const char *what, int err)
{
	fprintf(stderr, "ioas_churn: %s: %s\n", what, strerror(err));
	exit(1);
}

static void add(int c, unsigned long n)
{
	atomic_fetch_add(&cnt[c], n);
}

static uint32_t ioas_alloc(void)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = do_ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd);

	if (ret)
		die("IOMMU_IOAS_ALLOC", -ret);
	add(C_IOAS_ALLOC, 1);
	return cmd.out_ioas_id;
}

static void destroy(uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	int ret = do_ioctl(iommufd, IOMMU_DESTROY, &cmd);

	if (ret)
		die("IOMMU_DESTROY", -ret);
}

static void ioas_destroy(uint32_t id)
{
	destroy(id);
	add(C_IOAS_DESTROY, 1);
}

/* Mock device on IOAS: bind, auto HWPT, attach */
static void mock_attach(uint32_t ioas, uint32_t *stdev, uint32_t *hwpt,
			uint32_t *idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas,
	};
	int ret = do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd);

	if (ret)
		die("IOMMU_TEST_OP_MOCK_DOMAIN", -ret);
	*stdev = cmd.mock_domain.out_stdev_id;
	*hwpt = cmd.mock_domain.out_hwpt_id;
	*idev = cmd.mock_domain.out_idev_id;
	add(C_BIND, 1);
	add(C_HWPT_ALLOC, 1);
	add(C_ATTACH, 1);
}

/* Move the mock device onto IOAS (which has no device): a new auto HWPT,
 * the old one freed */
static void mock_replace(uint32_t stdev, uint32_t ioas)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev, .mock_domain_replace.pt_id = ioas,
	};
	int ret = do_ioctl(iommufd, IOMMU_TEST_CMD, &cmd);

	if (ret)
		die("IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE", -ret);
	add(C_REPLACE, 1);
	add(C_HWPT_ALLOC, 1);
	add(C_HWPT_DESTROY, 1);
}

/* Destroying the mock device detaches it, frees its HWPT, unbinds it */
static void mock_destroy(uint32_t stdev)
{
	destroy(stdev);
	add(C_DETACH, 1);
	add(C_HWPT_DESTROY, 1);
	add(C_UNBIND, 1);
}

static int map(uint32_t ioas, void *buf, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas, .user_va = (uintptr_t)buf, .length = len,
		.iova = iova,
	};
	int ret = do_ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);

	if (!ret) {
		add(C_MAP_OK, 1);
		add(C_MAP_BYTES, len);
		add(C_PINNED, len / psz);
	} else if (ret == -EEXIST) {
		add(C_MAP_EEXIST, 1);
	} else if (ret == -ENOENT) {
		add(C_MAP_ENOENT, 1);
	} else {
		die("IOMMU_IOAS_MAP", -ret);
	}
	return ret;
}

static int unmap(uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = len,
	};
	int ret = do_ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd);

	if (!ret) {
		if (cmd.length != len)
			die("IOMMU_IOAS_UNMAP unmapped another length", EINVAL);
		add(C_UNMAP_OK, 1);
		add(C_UNMAP_BYTES, cmd.length);
	} else if (ret == -ENOENT) {
		add(C_UNMAP_ENOENT, 1);
	} else {
		die("IOMMU_IOAS_UNMAP", -ret);
	}
	return ret;
}

static void expect_ret(int want, int got, const char *what)
{
	if (want != got) {
		fprintf(stderr, "ioas_churn: %s returned %d, not %d\n", what,
			got, want);
		exit(1);
	}
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint64_t chunk_iova(int t, int c)
{
	return MOCK_APERTURE_START +
	       ((uint64_t)t * NCHUNK + c) * CHUNK_STRIDE * psz;
}

static uint64_t chunk_len(int c)
{
	return (uint64_t)(1 + c % MAXPG) * psz;
}

/* Park between two operations while the main thread holds a pause */
static void maybe_pause(void)
{
	if (atomic_load(&pause_req)) {
		pthread_barrier_wait(&pause_bar);
		pthread_barrier_wait(&pause_bar);
	}
}

struct worker {
	pthread_t th;
	int t;
	uint32_t seed;
	char *buf;
	unsigned long gen[MAX_SLOTS];
	uint32_t mapped[MAX_SLOTS];	/* bit c: chunk c mapped there */
};

static void shared_op(struct worker *w)
{
	int s = xorshift(&w->seed) % nslots, c = xorshift(&w->seed) % NCHUNK;
	int wrong = xorshift(&w->seed) % 16 == 0, ret;
	struct slot *sl = &slots[s];
	uint64_t iova = chunk_iova(w->t, c), len = chunk_len(c);
	int is_mapped;

	pthread_rwlock_rdlock(&sl->rw);
	if (w->gen[s] != sl->gen) {	/* a new IOAS: nothing of ours there */
		w->gen[s] = sl->gen;
		w->mapped[s] = 0;
	}
	is_mapped = w->mapped[s] >> c & 1;
	if (is_mapped != wrong) {	/* unmap a mapped chunk, or fail one */
		ret = unmap(sl->ioas, iova, len);
		expect_ret(wrong ? -ENOENT : 0, ret, "shared unmap");
		if (!ret) {
			atomic_fetch_add(&sl->unmaps, 1);
			atomic_fetch_sub(&sl->mapped, len);
			w->mapped[s] &= ~(1u << c);
		}
	} else {			/* map an unmapped chunk, or fail one */
		ret = map(sl->ioas, w->buf, iova, len);
		expect_ret(wrong ? -EEXIST : 0, ret, "shared map");
		if (!ret) {
			atomic_fetch_add(&sl->maps, 1);
			atomic_fetch_add(&sl->mapped, len);
			w->mapped[s] |= 1u << c;
		}
	}
	if (ret)
		atomic_fetch_add(&sl->errors, 1);
	pthread_rwlock_unlock(&sl->rw);
}

static void private_cycle(struct worker *w)
{
	uint32_t a = ioas_alloc(), b = ioas_alloc(), stdev, hwpt, idev;
	int n = 1 + xorshift(&w->seed) % 4, c;

	mock_attach(a, &stdev, &hwpt, &idev);
	for (c = 0; c < n; c++)
		expect_ret(0, map(a, w->buf, chunk_iova(0, c), chunk_len(c)),
			   "private map");
	mock_replace(stdev, b);
	expect_ret(0, map(b, w->buf, chunk_iova(0, 0), chunk_len(0)),
		   "private map into B");
	expect_ret(-ENOENT, map(0, w->buf, chunk_iova(0, 0), chunk_len(0)),
		   "map into IOAS 0");
	for (c = 0; c < n; c++)
		expect_ret(0, unmap(a, chunk_iova(0, c), chunk_len(c)),
			   "private unmap");
	mock_destroy(stdev);
	ioas_destroy(a);
	ioas_destroy(b);	/* with its mapping */
	add(C_CYCLES, 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (now_ns() < t_end) {
		maybe_pause();
		if (xorshift(&w->seed) % 8 < 5)
			shared_op(w);
		else
			private_cycle(w);
		if (wait_us)
			usleep(wait_us);
	}
	return NULL;
}

static void slot_new(struct slot *sl)
{
	sl->ioas = ioas_alloc();
	mock_attach(sl->ioas, &sl->stdev, &sl->hwpt, &sl->idev);
	sl->gen++;
	atomic_store(&sl->maps, 0);
	atomic_store(&sl->unmaps, 0);
	atomic_store(&sl->errors, 0);
	atomic_store(&sl->mapped, 0);
}

static void slot_free(struct slot *sl)
{
	mock_destroy(sl->stdev);
	ioas_destroy(sl->ioas);	/* with what is still mapped */
}

static void *rotator_main(void *arg)
{
	int s = 0;

	(void)arg;
	while (now_ns() < t_end) {
		uint64_t next = now_ns() + (uint64_t)(rotate * 1e9);

		while (now_ns() < next && now_ns() < t_end) {
			maybe_pause();
			usleep(20000);
		}
		if (now_ns() >= t_end)
			break;
		pthread_rwlock_wrlock(&slots[s].rw);
		slot_free(&slots[s]);
		slot_new(&slots[s]);
		pthread_rwlock_unlock(&slots[s].rw);
		add(C_ROTATIONS, 1);
		s = (s + 1) % nslots;
	}
	atomic_store(&stopping, 1);
	return NULL;
}

static void wait_usr1(sigset_t *set)
{
	int sig;

	fflush(stdout);
	sigwait(set, &sig);
}

static void print_counts(const char *tag)
{
	int i;

	for (i = 0; i < NR_C; i++)
		printf("%s %s %lu\n", tag, cname[i], atomic_load(&cnt[i]));
}

int main(int argc, char **argv)
{
	struct worker w[MAX_THREADS];
	pthread_t rot;
	sigset_t set;
	uint64_t t0;
	int opt, i;

	while ((opt = getopt(argc, argv, "d:t:s:r:L:w:h")) != -1) {
		switch (opt) {
		case 'd': duration = atof(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 's': nslots = atoi(optarg); break;
		case 'r': rotate = atof(optarg); break;
		case 'L': late = atof(optarg); break;
		case 'w': wait_us = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: ioas_churn [-d SECONDS] [-t THREADS] [-s SLOTS] [-r ROTATE_SECONDS] [-L PAUSE_AT_SECONDS] [-w PAUSE_US]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || nslots < 1 ||
	    nslots > MAX_SLOTS || duration <= 0 || rotate <= 0) {
		fprintf(stderr, "ioas_churn: bad option value\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	psz = sysconf(_SC_PAGESIZE);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by threads */

	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("/dev/iommu", errno);
	for (i = 0; i < nslots; i++) {
		pthread_rwlock_init(&slots[i].rw, NULL);
		slot_new(&slots[i]);
	}
	pthread_barrier_init(&pause_bar, NULL, nthreads + 2);
	t0 = now_ns();
	t_end = t0 + (uint64_t)(duration * 1e9);
	printf("start pid=%d threads=%d slots=%d duration=%g\n", getpid(),
	       nthreads, nslots, duration);
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].t = i;
		w[i].seed = 0x9e3779b9u * (i + 1);
		w[i].buf = mmap(NULL, MAXPG * psz, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (w[i].buf == MAP_FAILED)
			die("mmap", errno);
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			die("pthread_create", EAGAIN);
	}
	if (pthread_create(&rot, NULL, rotator_main, NULL))
		die("pthread_create", EAGAIN);

	if (late > 0 && late < duration) {
		struct timespec ts = { (time_t)late,
				       (long)((late - (time_t)late) * 1e9) };

		nanosleep(&ts, NULL);
		atomic_store(&pause_req, 1);
		pthread_barrier_wait(&pause_bar);	/* all parked */
		print_counts("checkpoint");
		printf("paused\n");
		wait_usr1(&set);
		atomic_store(&pause_req, 0);
		t_end += now_ns() - t0 - (uint64_t)(late * 1e9);
		pthread_barrier_wait(&pause_bar);	/* all go */
		printf("resumed\n");
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].th, NULL);
	pthread_join(rot, NULL);

	for (i = 0; i < nslots; i++)
		printf("alive ioas=%u dev=%u hwpt=%u maps=%lu unmaps=%lu errors=%lu mapped_bytes=%lu pinned_pages=%lu devices=1 hwpts=1\n",
		       slots[i].ioas, slots[i].idev, slots[i].hwpt,
		       atomic_load(&slots[i].maps),
		       atomic_load(&slots[i].unmaps),
		       atomic_load(&slots[i].errors),
		       atomic_load(&slots[i].mapped),
		       atomic_load(&slots[i].mapped) / psz);
	printf("holding\n");
	wait_usr1(&set);
	for (i = 0; i < nslots; i++)
		slot_free(&slots[i]);
	close(iommufd);

	print_counts("total");
#define X(ev, ret, c) printf("expect %s %d %lu\n", ev, ret, atomic_load(&cnt[c]))
	X("iommufd_ioas_alloc", 0, C_IOAS_ALLOC);
	X("iommufd_ioas_destroy", 0, C_IOAS_DESTROY);
	X("iommufd_ioas_map", 0, C_MAP_OK);
	X("iommufd_ioas_map", -EEXIST, C_MAP_EEXIST);
	X("iommufd_ioas_map", -ENOENT, C_MAP_ENOENT);
	X("iommufd_ioas_unmap", 0, C_UNMAP_OK);
	X("iommufd_ioas_unmap", -ENOENT, C_UNMAP_ENOENT);
	X("iommufd_device_bind", 0, C_BIND);
	X("iommufd_device_attach", 0, C_ATTACH);
	X("iommufd_device_replace", 0, C_REPLACE);
	X("iommufd_device_detach", 0, C_DETACH);
	X("iommufd_device_unbind", 0, C_UNBIND);
	X("iommufd_hwpt_alloc", 0, C_HWPT_ALLOC);
	X("iommufd_hwpt_destroy", 0, C_HWPT_DESTROY);
#undef X
	printf("done seconds=%.1f\n", (now_ns() - t0) / 1e9);
	return 0;
}
