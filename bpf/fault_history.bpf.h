/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fault_history.bpf.h - from a VT-d DMA fault to the history of its IOVA.
 *
 * Two maps, filled by the iommufd tracepoints whatever a tool prints:
 *  dev_ioas  device name (e.g. "0000:00:06.0") -> the IOAS, HWPT and
 *            iommufd device id it is attached to (attach/replace set it,
 *            detach/unbind delete it).  The VT-d driver does not know
 *            iommufd objects: this is where a fault gets its IOAS.
 *  ioas_hist IOAS id -> a ring of its last IT_HIST_OPS successful map,
 *            copy-into and unmap operations (struct it_hist_op, 48 bytes;
 *            3080 bytes per IOAS, allocated on its first operation while
 *            traced, freed at its destroy; at most HIST_MAX_IOAS IOASes).
 * At a fault, hist_search() scans the ring newest first (bpf_loop) for the
 * last map and the last unmap covering the address.
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h, iommutrace.h
 * and iommufd_objs.bpf.h.
 */
#ifndef __FAULT_HISTORY_BPF_H
#define __FAULT_HISTORY_BPF_H

#define HIST_MAX_IOAS	1024
#define HIST_MAX_DEV	1024

struct ioas_hist {
	__u64 count;			/* operations recorded, ever */
	struct it_hist_op ops[IT_HIST_OPS];	/* op n at ops[n % IT_HIST_OPS] */
};

struct dev_attach {
	__u32 ioas;
	__u32 hwpt;
	__u32 dev;			/* iommufd device id */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HIST_MAX_IOAS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct ioas_hist);
} ioas_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HIST_MAX_DEV);
	__type(key, char[IT_NAME_LEN]);
	__type(value, struct dev_attach);
} dev_ioas SEC(".maps");

/* A zeroed value to create a ring from (never written) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ioas_hist);
} hist_zero SEC(".maps");

__u64 hist_dropped;	/* operations not recorded: HIST_MAX_IOAS reached */

static __always_inline void dev_key(char key[IT_NAME_LEN], struct device *dev)
{
	const char *name = dev ? BPF_CORE_READ(dev, kobj.name) : NULL;

	__builtin_memset(key, 0, IT_NAME_LEN);
	if (name)
		bpf_probe_read_kernel_str(key, IT_NAME_LEN, name);
}

static __always_inline void hist_attach(struct iommufd_device *idev,
					__u32 ioas, __u32 hwpt)
{
	struct dev_attach a = { .ioas = ioas, .hwpt = hwpt };
	char key[IT_NAME_LEN];

	if (!idev)
		return;
	a.dev = idev_id(idev);
	dev_key(key, BPF_CORE_READ(idev, dev));
	bpf_map_update_elem(&dev_ioas, key, &a, BPF_ANY);
}

static __always_inline void hist_detach(struct iommufd_device *idev)
{
	char key[IT_NAME_LEN];

	if (!idev)
		return;
	dev_key(key, BPF_CORE_READ(idev, dev));
	bpf_map_delete_elem(&dev_ioas, key);
}

/* Record an operation of IOAS; its time, pid and comm are those of the
 * event's header H (comm filled: the sink asks for it), no second read */
static __always_inline void hist_record(__u32 ioas, __u64 iova, __u64 length,
					int kind, const struct it_hdr *hdr)
{
	struct ioas_hist *h = bpf_map_lookup_elem(&ioas_hist, &ioas);
	struct it_hist_op *op;
	__u32 zero = 0;
	__u64 n;

	if (!h) {
		struct ioas_hist *z = bpf_map_lookup_elem(&hist_zero, &zero);

		if (!z)
			return;
		bpf_map_update_elem(&ioas_hist, &ioas, z, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&ioas_hist, &ioas);
		if (!h) {
			__sync_fetch_and_add(&hist_dropped, 1);
			return;
		}
	}
	n = __sync_fetch_and_add(&h->count, 1);
	op = &h->ops[n & (IT_HIST_OPS - 1)];
	op->ts_ns = hdr->ts_ns;
	op->iova = iova;
	op->length = length;
	op->pid = hdr->pid;
	op->kind = kind;
	__builtin_memcpy(op->comm, hdr->comm, sizeof(op->comm));
}

static __always_inline void hist_forget(__u32 ioas)
{
	bpf_map_delete_elem(&ioas_hist, &ioas);
}

struct hist_search_ctx {
	struct ioas_hist *h;
	__u64 addr;
	__u64 count;
	int map_idx;		/* -1: not found */
	int unmap_idx;
};

static int hist_search_one(__u32 i, struct hist_search_ctx *c)
{
	struct it_hist_op *op;
	__u32 idx;

	if (!c->h)
		return 1;
	idx = (c->count - 1 - i) & (IT_HIST_OPS - 1);
	op = &c->h->ops[idx];
	if (c->addr - op->iova >= op->length)
		return 0;
	if (op->kind == IT_HIST_UNMAP) {
		if (c->unmap_idx < 0)
			c->unmap_idx = idx;
	} else if (c->map_idx < 0) {
		c->map_idx = idx;
	}
	return c->map_idx >= 0 && c->unmap_idx >= 0;
}

static __always_inline __u8 hist_state(int idx, __u64 count)
{
	if (idx >= 0)
		return IT_HIST_FOUND;
	return count > IT_HIST_OPS ? IT_HIST_WRAPPED : IT_HIST_NEVER;
}

/* The faulting device's iommufd attachment and the history of addr */
static __always_inline void hist_search(const char *device, __u64 addr,
					struct it_fault_hist *f)
{
	struct hist_search_ctx c = { .addr = addr, .map_idx = -1,
				     .unmap_idx = -1 };
	struct dev_attach *a;
	__u32 ioas;

	a = bpf_map_lookup_elem(&dev_ioas, device);
	if (!a) {
		f->map_state = f->unmap_state = IT_HIST_NO_IOAS;
		return;
	}
	ioas = a->ioas;
	f->ioas_id = ioas;
	f->hwpt_id = a->hwpt;
	f->dev_id = a->dev;
	c.h = bpf_map_lookup_elem(&ioas_hist, &ioas);
	if (c.h) {
		c.count = c.h->count;
		bpf_loop(c.count < IT_HIST_OPS ? c.count : IT_HIST_OPS,
			 hist_search_one, &c, 0);
	}
	f->hist_ops = c.count;
	f->map_state = hist_state(c.map_idx, c.count);
	f->unmap_state = hist_state(c.unmap_idx, c.count);
	if (c.h && c.map_idx >= 0)
		__builtin_memcpy(&f->last_map,
				 &c.h->ops[c.map_idx & (IT_HIST_OPS - 1)],
				 sizeof(f->last_map));
	if (c.h && c.unmap_idx >= 0)
		__builtin_memcpy(&f->last_unmap,
				 &c.h->ops[c.unmap_idx & (IT_HIST_OPS - 1)],
				 sizeof(f->last_unmap));
}

#endif /* __FAULT_HISTORY_BPF_H */
