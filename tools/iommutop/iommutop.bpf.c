// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iommutop.bpf.c - per-IOAS state and iommufd/VT-d lock contention,
 * aggregated in maps: the cost does not grow with what user space reads.
 *
 * What existed before iommutop started is read once, at start-up, from the
 * iommufd objects themselves (the "snapshot" iterator below); from then on
 * IOAS state comes from the iommutrace events, decoded by decode.bpf.h
 * (iommutop is its sink: it_sink() below).  Pinned pages
 * are charged to the IOAS whose operation first pinned an iopt_pages: the
 * pin tracepoint names no IOAS, so fentry on the functions that take new
 * pins (map/copy, domain fill, access pin) records, per thread, which IOAS
 * is being worked on; unpins go to the iopt_pages' owner.
 * Lock addresses are learnt from the objects the tracepoints pass;
 * lock:contention_begin/end are only accounted for those addresses.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
/* Only map latency is used: with the tracepoints it is taken from
 * ctx_map (below) and ioctl_enter is not loaded; in probe mode from the
 * ioctl's entry (ioctl_start.bpf.h) */
/* of a pin's charge, only npinned and account_mode are used */
#define IT_PAGES_CHARGE_LEAN
#include "decode.bpf.h"
#include "vfio_type1_types.bpf.h"
#include "iommutop.h"

const volatile __u32 targ_tgid;		/* -p: only IOASes this process made */
const volatile bool probe_mode;		/* --source probe: latency from
					 * ioctl_enter, no pin events */

#define MAX_IOAS	4096
#define MAX_LOCKS	16384

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_IOAS);
	__type(key, __u64);
	__type(value, struct ioas_stat);
} ioas_stats SEC(".maps");

/* HWPTs / device attachments / accesses counted (by an event or by the
 * start-up snapshot), so each is counted once and uncounted once */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* hwpt, idev or access address */
	__type(value, __u64);	/* the IOAS address it counts for */
} members SEC(".maps");

/* iopt_pages -> IOAS charged with its pins (exact: no LRU eviction) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} pages_owner SEC(".maps");

/* Per thread: the IOAS its current io_pagetable operation works on, and
 * when its current map began (task storage: freed by the kernel with the
 * thread, nothing is left of threads that exited, and no LRU can evict a
 * thread's entry) */
struct tid_ctx {
	__u64 ioas;		/* struct iommufd_ioas *, 0: none */
	__u64 map_start_ns;	/* entry of iopt_map_pages(), 0: not in a map */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tid_ctx);
} tid_ioas SEC(".maps");

/* tid -> last VT-d coherency reason (fires just before iommufd's event) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} tid_cc_reason SEC(".maps");
__u64 drops[DROP_NR];	/* what was dropped, by enum drop_cause */

static __always_inline void drop(enum drop_cause cause)
{
	if (cause < DROP_NR)
		__sync_fetch_and_add(&drops[cause], 1);
}

static __always_inline __u32 tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline struct lock_owner *lock_learn(__u64 lock);

#include "locks.bpf.h"

/*
 * The owner of a contended lock no event has named yet, or NULL: an
 * iopt_pages' mutex is learnt here, at its first contention, from the
 * IOAS its pins are charged to (pages_owner, exact from the first pin to
 * the last unpin) instead of at every first pin (a clock read and a hash
 * update per 4 KiB map, issue 14).  A lock address that is not a live
 * iopt_pages' mutex finds no pages_owner entry.
 */
static __always_inline struct lock_owner *lock_learn(__u64 lock)
{
	__u64 pages, *owner;
	struct ioas_stat *s;

	if (!bpf_core_type_exists(struct iopt_pages))
		return NULL;	/* no iommufd (Debian's kernel) */
	pages = lock - bpf_core_field_offset(struct iopt_pages, mutex);
	owner = bpf_map_lookup_elem(&pages_owner, &pages);
	if (!owner)
		return NULL;
	s = bpf_map_lookup_elem(&ioas_stats, owner);
	if (!s)
		return NULL;
	own_lock(lock, LK_PAGES_MUTEX, s->id, s->pid);
	return bpf_map_lookup_elem(&lock_owners, &lock);
}

static const struct ioas_stat ioas_zero;	/* too big for the stack */

/* A new zeroed stat at KEY (*created), or the one another CPU made first;
 * NULL, counted, when the map is full */
static __always_inline struct ioas_stat *stat_create(__u64 key, bool *created)
{
	struct ioas_stat *s;

	*created = !bpf_map_update_elem(&ioas_stats, &key, &ioas_zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&ioas_stats, &key);
	if (!s)
		drop(DROP_IOAS_FULL);
	return s;
}

/* Create the stat of an IOAS; NULL (and counted) when the map is full */
static __always_inline struct ioas_stat *
ioas_new(struct iommufd_ioas *ioas, bool preexisting, __u32 pid,
	 const char *comm)
{
	bool created;
	struct ioas_stat *s = stat_create((__u64)ioas, &created);

	if (!s || !created)
		return s;	/* full, or another CPU created it first */
	s->id = ioas_id(ioas);
	s->preexisting = preexisting;
	s->pid = pid;
	if (comm)
		bpf_probe_read_kernel_str(s->comm, sizeof(s->comm), comm);
	own_ioas_locks(ioas, s->id, pid);
	return s;
}

/*
 * The stat of an IOAS, created on first sight.  Every IOAS that existed at
 * start-up has one from the snapshot; an IOAS first seen by an event other
 * than its allocation (in the instant between attach and snapshot) is
 * marked preexisting.
 */
static __always_inline struct ioas_stat *ioas_get(struct iommufd_ioas *ioas,
						  bool alloc)
{
	__u64 key = (__u64)ioas;
	struct ioas_stat *s;
	char comm[IT_TOP_COMM_LEN];

	if (!ioas)
		return NULL;
	s = bpf_map_lookup_elem(&ioas_stats, &key);
	if (s)
		return s;
	if (targ_tgid && !alloc)
		return NULL;	/* -p: unknown IOASes are someone else's */
	if (!alloc)
		return ioas_new(ioas, true, 0, NULL);
	bpf_get_current_comm(comm, sizeof(comm));
	return ioas_new(ioas, false, bpf_get_current_pid_tgid() >> 32, comm);
}

/* An event applied to an IOAS: its time (the event's, TS: no second clock
 * read), count, and error by operation */
static __always_inline void touch(struct ioas_stat *s, enum ioas_op op, int ret,
				  __u64 ts)
{
	s->last_ns = ts;
	__sync_fetch_and_add(&s->events, 1);
	if (ret < 0) {
		__sync_fetch_and_add(&s->errors, 1);
		if (op < IT_TOP_OPS)
			__sync_fetch_and_add(&s->op_errors[op], 1);
	}
}

/* --- the per-thread IOAS context ---------------------------------------- */

static __always_inline int set_ctx(struct io_pagetable *iopt, __u64 start)
{
	__u64 ioas = (__u64)iopt - bpf_core_field_offset(struct iommufd_ioas, iopt);
	struct tid_ctx *cur = bpf_task_storage_get(&tid_ioas,
						   bpf_get_current_task_btf(),
						   NULL,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (cur) {
		cur->ioas = ioas;
		cur->map_start_ns = start;
	} else {	/* recursion into task storage on this CPU: pins not
			 * charged, the map has no latency */
		drop(DROP_TID_IOAS);
	}
	return 0;
}

/*
 * Every map (IOMMU_IOAS_MAP, VFIO_IOMMU_MAP_DMA, and IOMMU_IOAS_COPY's
 * destination) allocates its areas, pins and writes the IOPTEs of every
 * domain in iopt_map_pages(): its entry names the IOAS of the pins that
 * follow and starts the map's latency, one program per map instead of one
 * per ioctl.
 */
SEC("fentry/iopt_map_pages")
int BPF_PROG(ctx_map, struct io_pagetable *iopt)
{
	return set_ctx(iopt, bpf_ktime_get_ns());
}

SEC("fentry/iopt_table_add_domain")
int BPF_PROG(ctx_add_domain, struct io_pagetable *iopt)
{
	return set_ctx(iopt, 0);
}

SEC("fentry/iommufd_access_pin_pages")
int BPF_PROG(ctx_access_pin, struct iommufd_access *access)
{
	struct iommufd_ioas *ioas = BPF_CORE_READ(access, ioas);

	return ioas ? set_ctx(&ioas->iopt, 0) : 0;
}

/* --- IOAS lifetime, map/unmap/copy -------------------------------------- */

static __always_inline void ioas_alloc(const struct it_event *e,
				       const struct it_objs *o)
{
	if (targ_tgid && e->h.pid != targ_tgid)
		return;
	ioas_get(o->ioas, true);
}

static __always_inline void ioas_destroy(const struct it_objs *o)
{
	__u64 key = (__u64)o->ioas;

	bpf_map_delete_elem(&ioas_stats, &key);
	lock_disown_ioas(o->ioas);
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 b = 0;

#pragma unroll
	for (int i = 0; i < 6; i++) {
		__u32 shift = 32 >> i;

		if (v >> shift) {
			v >>= shift;
			b += shift;
		}
	}
	return b < IT_TOP_HIST ? b : IT_TOP_HIST - 1;
}

/*
 * ns of a successful map: from ctx_map (a successful map always went
 * through iopt_map_pages() on this thread), cleared once used; in probe
 * mode from the ioctl's entry (the header's lat_ns).  0: unknown.
 */
static __always_inline __u64 map_latency(const struct it_event *e)
{
	struct tid_ctx *cur;
	__u64 start;

	if (probe_mode)
		return e->h.lat_ns;
	cur = bpf_task_storage_get(&tid_ioas, bpf_get_current_task_btf(),
				   NULL, 0);
	if (!cur)
		return 0;
	start = cur->map_start_ns;
	cur->map_start_ns = 0;
	return start && e->h.ts_ns > start ? e->h.ts_ns - start : 0;
}

/* A map (IOMMU_IOAS_MAP, VFIO_IOMMU_MAP_DMA) applied to its IOAS's stat */
static __always_inline void stat_map(struct ioas_stat *s,
				     const struct it_event *e)
{
	__u64 lat;

	if (!s)
		return;
	touch(s, IOAS_OP_MAP, e->h.ret, e->h.ts_ns);
	if (e->h.ret)
		return;
	lat = map_latency(e);
	__sync_fetch_and_add(&s->maps, 1);
	__sync_fetch_and_add(&s->mapped, e->u.iommufd_ioas_map.length);
	if (lat) {
		__u32 b = log2_bucket(lat);

		__sync_fetch_and_add(&s->lat_count, 1);
		__sync_fetch_and_add(&s->lat_sum_ns, lat);
		if (b < IT_TOP_HIST)
			__sync_fetch_and_add(&s->lat_hist[b], 1);
	}
}

static __always_inline void stat_unmap(struct ioas_stat *s,
				       const struct it_event *e)
{
	if (!s)
		return;
	touch(s, IOAS_OP_UNMAP, e->h.ret, e->h.ts_ns);
	if (e->h.ret)	/* unmaps, like maps, counts successes */
		return;
	__sync_fetch_and_add(&s->unmaps, 1);
	__sync_fetch_and_add(&s->mapped,
			     -(__s64)e->u.iommufd_ioas_unmap.unmapped);
}

static __always_inline void ioas_copy(const struct it_event *e,
				      const struct it_objs *o)
{
	struct ioas_stat *s = ioas_get(o->ioas, false);

	if (!s)
		return;
	touch(s, IOAS_OP_COPY, e->h.ret, e->h.ts_ns);
	if (e->h.ret)
		return;
	__sync_fetch_and_add(&s->copies, 1);
	__sync_fetch_and_add(&s->mapped, e->u.iommufd_ioas_copy.length);
}

/* --- pins --------------------------------------------------------------- */

static __always_inline void pages_pin(const struct it_event *e,
				      const struct it_objs *o)
{
	const struct it_iommufd_pages_pin *p = &e->u.iommufd_pages_pin;
	__u64 key = (__u64)o->pages, *owner;
	struct tid_ctx *cur;
	struct ioas_stat *s;

	owner = bpf_map_lookup_elem(&pages_owner, &key);
	if (!owner) {
		cur = bpf_task_storage_get(&tid_ioas, bpf_get_current_task_btf(),
					   NULL, 0);
		if (!cur || !cur->ioas)
			return;
		if (bpf_map_update_elem(&pages_owner, &key, &cur->ioas, BPF_ANY))
			drop(DROP_PAGES_OWNER_FULL);
		owner = &cur->ioas;
	}
	s = bpf_map_lookup_elem(&ioas_stats, owner);
	if (!s)
		return;
	touch(s, IOAS_OP_PIN, e->h.ret, e->h.ts_ns);
	if (e->h.ret)
		return;
	__sync_fetch_and_add(&s->pins, 1);
	__sync_fetch_and_add(&s->pinned, p->npages);
	s->charge = 1 + p->account_mode;
	/* its mutex is learnt at its first contention: lock_learn() */
}

static __always_inline void pages_unpin(const struct it_event *e,
					const struct it_objs *o)
{
	const struct it_iommufd_pages_unpin *p = &e->u.iommufd_pages_unpin;
	__u64 key = (__u64)o->pages, *owner;
	struct ioas_stat *s;

	owner = bpf_map_lookup_elem(&pages_owner, &key);
	if (!owner)
		return;
	s = bpf_map_lookup_elem(&ioas_stats, owner);
	if (s && !e->h.ret) {
		__sync_fetch_and_add(&s->unpins, 1);
		__sync_fetch_and_add(&s->pinned, -(__s64)p->npages);
	}
	if (!p->npinned) {
		__u64 m = key + bpf_core_field_offset(struct iopt_pages, mutex);

		bpf_map_delete_elem(&pages_owner, &key);
		lock_disown(m);
	}
}

/* --- HWPTs, devices, accesses ------------------------------------------- */

static __always_inline void member_add(__u64 obj, struct iommufd_ioas *ioas)
{
	__u64 v = (__u64)ioas;

	if (bpf_map_update_elem(&members, &obj, &v, BPF_ANY))
		drop(DROP_MEMBERS_FULL);
}

static __always_inline bool is_member(void *obj)
{
	__u64 key = (__u64)obj;

	return bpf_map_lookup_elem(&members, &key) != NULL;
}

/* The IOAS an object was counted for, and forget the object */
static __always_inline struct ioas_stat *member_del(__u64 obj)
{
	__u64 *ioas = bpf_map_lookup_elem(&members, &obj);
	struct ioas_stat *s;

	if (!ioas)
		return NULL;
	s = bpf_map_lookup_elem(&ioas_stats, ioas);
	bpf_map_delete_elem(&members, &obj);
	return s;
}

/* Count a HWPT for the IOAS it maps (event and snapshot alike) */
static __always_inline void count_hwpt(struct ioas_stat *s,
				       struct iommufd_hw_pagetable *hwpt,
				       struct iommufd_ioas *ioas)
{
	struct iommufd_hwpt_paging *paging = hwpt_paging(hwpt);

	if (hwpt_is_nested(hwpt)) {
		__sync_fetch_and_add(&s->nhwpt_nested, 1);
	} else {
		__sync_fetch_and_add(&s->nhwpt, 1);
		if (paging &&
		    BPF_CORE_READ_BITFIELD_PROBED(paging, enforce_cache_coherency)) {
			if (s->cc == CC_NONE)
				s->cc = CC_ENFORCED;
		} else if (s->cc != CC_REFUSED) {
			s->cc = CC_OFF;
		}
	}
	member_add((__u64)hwpt, ioas);
}

static __always_inline void hwpt_alloc(const struct it_event *e,
				       const struct it_objs *o)
{
	struct ioas_stat *s;

	/* no HWPT: nothing to count (the id, 0 for NULL, decides) */
	if (e->h.ret || !e->u.iommufd_hwpt_alloc.hwpt_id)
		return;
	s = ioas_get(o->ioas, false);
	if (!s)
		return;
	touch(s, IOAS_OP_OTHER, 0, e->h.ts_ns);
	count_hwpt(s, o->hwpt, o->ioas);
}

static __always_inline void hwpt_destroy(const struct it_event *e,
					 const struct it_objs *o)
{
	struct ioas_stat *s = member_del((__u64)o->hwpt);

	if (!s)
		return;
	touch(s, IOAS_OP_OTHER, 0, e->h.ts_ns);
	if (e->u.iommufd_hwpt_destroy.nested)
		__sync_fetch_and_add(&s->nhwpt_nested, -1);
	else
		__sync_fetch_and_add(&s->nhwpt, -1);
}

static __always_inline void vtd_enforce_cc(const struct it_event *e)
{
	__u32 t = tid();
	__u8 r = e->u.dmar_enforce_cc.reason;

	bpf_map_update_elem(&tid_cc_reason, &t, &r, BPF_ANY);
}

/*
 * A device refused by a HWPT that enforces snoop control (-EINVAL: the
 * device's IOMMU lacks it): the IOAS gets a domain that does not enforce
 * coherency.  The VT-d reason, if the driver gave one, was recorded by
 * this thread just before.
 */
static __always_inline void cc_refused(struct ioas_stat *s,
				       struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_hwpt_paging *paging;
	__u32 t = tid();
	__u8 *r;

	if (!hwpt)	/* never: for the verifier (module tracepoint) */
		return;
	paging = hwpt_paging(hwpt);
	if (!paging || !BPF_CORE_READ_BITFIELD_PROBED(paging,
						      enforce_cache_coherency))
		return;
	s->cc = CC_REFUSED;
	r = bpf_map_lookup_elem(&tid_cc_reason, &t);
	/* Only a refusal reason (2 no_snoop_control, 3 has_mappings); an
	 * attach refused by VT-d's prepare_domain_attach_device() gives
	 * none: "refused" */
	s->cc_reason = r && *r >= 2 ? *r : 0xff;
}

/*
 * -EINVAL from an automatic domain of the IOAS (not the one being
 * allocated, whose auto_domain is set after its attach): iommufd tries the
 * next one, it is not an error of the ioctl.
 */
static __always_inline bool auto_domain_tried(struct iommufd_hw_pagetable *hwpt,
					      int ret)
{
	struct iommufd_hwpt_paging *paging = hwpt_paging(hwpt);

	return ret == -22 && paging && !hwpt_is_nested(hwpt) &&
	       BPF_CORE_READ_BITFIELD_PROBED(paging, auto_domain);
}

/* device name -> the IOAS (key of ioas_stats) it is attached to, for
 * intel_iommu:dmar_fault, which names a device and no iommufd object */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, char[IT_TOP_DEV_LEN]);
	__type(value, __u64);
} fault_dev_ioas SEC(".maps");

static __always_inline void dev_key(char key[IT_TOP_DEV_LEN],
				    struct iommufd_device *idev)
{
	const char *name = idev ? BPF_CORE_READ(idev, dev, kobj.name) : NULL;

	__builtin_memset(key, 0, IT_TOP_DEV_LEN);
	if (name)
		bpf_probe_read_kernel_str(key, IT_TOP_DEV_LEN, name);
}

static __always_inline void count_device(struct ioas_stat *s,
					 struct iommufd_device *idev,
					 struct iommufd_ioas *ioas)
{
	char key[IT_TOP_DEV_LEN];
	__u64 v = (__u64)ioas;

	__sync_fetch_and_add(&s->ndevs, 1);
	member_add((__u64)idev, ioas);
	dev_key(key, idev);
	if (bpf_map_update_elem(&fault_dev_ioas, key, &v, BPF_ANY))
		drop(DROP_FAULT_DEV_FULL);
}

static __always_inline void uncount_device(struct iommufd_device *idev)
{
	char key[IT_TOP_DEV_LEN];

	dev_key(key, idev);
	bpf_map_delete_elem(&fault_dev_ioas, key);
}

/*
 * One event per HWPT tried, under the group's lock (igroup->lock, whose
 * owner it names); hwpt is NULL when the attach failed before a HWPT was
 * chosen (the IOAS is then unknown: nothing to count).
 */
static __always_inline void device_attached(struct iommufd_device *idev,
					    struct iommufd_hw_pagetable *hwpt,
					    int ret, __u64 ts)
{
	struct iommufd_ioas *ioas = hwpt_ioas(hwpt);
	struct ioas_stat *s = ioas_get(ioas, false);
	__u64 igroup;

	if (!s || !idev)	/* idev: never NULL, for the verifier */
		return;
	igroup = (__u64)BPF_CORE_READ(idev, igroup);
	own_lock(igroup + bpf_core_field_offset(struct iommufd_group, lock),
		 LK_IGROUP_LOCK, hwpt_id(hwpt), s->pid);
	touch(s, IOAS_OP_ATTACH, auto_domain_tried(hwpt, ret) ? 0 : ret, ts);
	if (!ret)
		count_device(s, idev, ioas);
	else if (ret == -22)	/* -EINVAL: incompatible domain */
		cc_refused(s, hwpt);
}

static __always_inline void device_replace(const struct it_event *e,
					   const struct it_objs *o)
{
	const struct it_iommufd_device_replace *p = &e->u.iommufd_device_replace;
	struct ioas_stat *s;

	if (e->h.ret) {
		device_attached(o->idev, o->hwpt, e->h.ret, e->h.ts_ns);
		return;
	}
	if (p->old_hwpt_id == p->hwpt_id)
		return;		/* same HWPT: nothing changed */
	uncount_device(o->idev);
	s = member_del((__u64)o->idev);
	if (s)
		__sync_fetch_and_add(&s->ndevs, -1);
	device_attached(o->idev, o->hwpt, 0, e->h.ts_ns);
}

static __always_inline void device_detach(const struct it_event *e,
					  const struct it_objs *o)
{
	struct ioas_stat *s = member_del((__u64)o->idev);

	uncount_device(o->idev);
	if (!s)
		return;
	touch(s, IOAS_OP_OTHER, 0, e->h.ts_ns);
	__sync_fetch_and_add(&s->ndevs, -1);
}

/* A DMA fault: counted for the IOAS its device is attached to, and in
 * the device's slot of that IOAS (the first free one if it has none) */
static __always_inline void dma_fault(const struct it_event *e)
{
	const __u64 *name = (const __u64 *)e->u.dmar_fault.device;
	struct ioas_stat *s;
	__u64 *ioas, *n;
	int i, k;
	bool same;

	ioas = bpf_map_lookup_elem(&fault_dev_ioas, e->u.dmar_fault.device);
	if (!ioas)
		return;
	s = bpf_map_lookup_elem(&ioas_stats, ioas);
	if (!s)
		return;
	__sync_fetch_and_add(&s->faults, 1);
	s->last_ns = e->h.ts_ns;
	for (i = 0; i < IT_TOP_FAULT_DEVS; i++) {
		n = (__u64 *)s->fault_devs[i].name;
		same = true;
		if (!n[0]) {	/* free: claim it (faults are rare) */
			for (k = 0; k < IT_TOP_DEV_LEN / 8; k++)
				n[k] = name[k];
		} else {
			for (k = 0; k < IT_TOP_DEV_LEN / 8; k++)
				if (n[k] != name[k])
					same = false;
		}
		if (same) {
			__sync_fetch_and_add(&s->fault_devs[i].faults, 1);
			break;
		}
	}
}

static __always_inline void count_access(struct ioas_stat *s,
					 struct iommufd_access *access,
					 struct iommufd_ioas *ioas, __u32 pid)
{
	__u64 key = (__u64)access;

	__sync_fetch_and_add(&s->naccess, 1);
	member_add(key, ioas);
	own_lock(key + bpf_core_field_offset(struct iommufd_access, ioas_lock),
		 LK_ACCESS_IOAS_LOCK, access_id(access), pid);
}

static __always_inline void access_change_ioas(const struct it_event *e,
					       const struct it_objs *o)
{
	struct iommufd_access *access = o->access;
	__u64 key = (__u64)access;
	struct ioas_stat *s;

	/* access: never NULL, for the verifier */
	if (e->h.ret || o->old_ioas == o->ioas || !access)
		return;
	s = member_del(key);
	if (s)
		__sync_fetch_and_add(&s->naccess, -1);
	s = ioas_get(o->ioas, false);
	if (!s)
		return;
	touch(s, IOAS_OP_OTHER, 0, e->h.ts_ns);
	count_access(s, access, o->ioas, e->h.pid);
}

static __always_inline void access_pin(const struct it_event *e,
				       const struct it_objs *o)
{
	struct iommufd_access *access = o->access;
	struct iommufd_ioas *ioas;
	struct ioas_stat *s;

	if (!access)	/* never NULL: for the verifier (module tracepoint) */
		return;
	/* not BPF_CORE_READ(o->access, ...): o is ours, not the kernel's */
	ioas = BPF_CORE_READ(access, ioas);

	/* A pin refused during another change's unmap callback: the IOAS
	 * in flight (access->ioas_unpin) is the one concerned */
	if (!ioas)
		ioas = BPF_CORE_READ(access, ioas_unpin);
	s = ioas_get(ioas, false);

	if (s)
		touch(s, IOAS_OP_PIN, e->h.ret, e->h.ts_ns);
}

static __always_inline void group_setup_msi(const struct it_event *e,
					    const struct it_objs *o)
{
	own_lock((__u64)o->igroup + bpf_core_field_offset(struct iommufd_group, lock),
		 LK_IGROUP_LOCK, e->u.iommufd_group_setup_msi.hwpt_id, e->h.pid);
}

/*
 * A device group is freed: its lock (owned at attach, replace and MSI
 * setup above) goes with it.  No event says so; every free of an
 * iommufd_group is kref_put()'s release, iommufd_group_release(), called
 * out of line by all four puts in drivers/iommu/iommufd/device.c (the
 * groups of the devices that come and go are freed with their last
 * device).  Exact: no one can wait on the lock then (a waiter holds a
 * reference to the group), and a group allocated later at the same
 * address is owned anew, with a new generation, at its first attach.
 */
SEC("fentry/iommufd_group_release")
int BPF_PROG(group_release, struct kref *kref)
{
	__u64 igroup = (__u64)kref - bpf_core_field_offset(struct iommufd_group, ref);

	lock_disown(igroup + bpf_core_field_offset(struct iommufd_group, lock));
	return 0;
}

/* --- VFIO type1 containers (probe mode) ---------------------------------
 *
 * probe.bpf.h's t1_* programs give a container's life, maps, unmaps and
 * groups as the iommufd events (source IT_SRC_TYPE1), with the container
 * (struct vfio_iommu) in o->container.  Its stat is kept as an IOAS's,
 * keyed by the container's address and marked type1; ndevs counts its
 * groups.  Its pins name no container: pinned stays unknown, as in probe
 * mode for iommufd.  vfio_iommu_type1 is a module: without it loaded at
 * start-up these types are not in the kernel's BTF and this code is left
 * out at load (bpf_core_type_exists()).
 */
static __always_inline bool have_type1(void)
{
	return bpf_core_type_exists(struct vfio_iommu___it);
}

static __always_inline __u64 type1_lock(void *container)
{
	return (__u64)container + bpf_core_field_offset(struct vfio_iommu___it, lock);
}

/* Create the stat of a container (alloc: at its creation, by the current
 * process; else the snapshot names its holder); NULL, counted, when full */
static __always_inline struct ioas_stat *type1_new(void *container, __u32 id,
						   bool alloc)
{
	bool created;
	struct ioas_stat *s = stat_create((__u64)container, &created);

	if (!s || !created)
		return s;	/* full, or another CPU created it first */
	s->id = id;
	s->type1 = 1;
	s->preexisting = !alloc;
	if (alloc) {
		s->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(s->comm, sizeof(s->comm));
	}
	own_lock(type1_lock(container), LK_TYPE1_LOCK, id, s->pid);
	return s;
}

/* The stat of a container, created on first sight */
static __always_inline struct ioas_stat *type1_get(void *container, __u32 id,
						   bool alloc)
{
	__u64 key = (__u64)container;
	struct ioas_stat *s;

	if (!container || !id)
		return NULL;
	s = bpf_map_lookup_elem(&ioas_stats, &key);
	if (s)
		return s;
	if (targ_tgid && !alloc)
		return NULL;	/* -p: unknown containers are someone else's */
	return type1_new(container, id, alloc);
}

static __always_inline void type1_sink(int type, const struct it_event *e,
				       const struct it_objs *o)
{
	void *c = o->container;
	struct ioas_stat *s;
	__u64 key = (__u64)c;

	if (!have_type1())
		return;
	switch (type) {
	case IT_IOAS_ALLOC:
		if (!targ_tgid || e->h.pid == targ_tgid)
			type1_get(c, e->u.iommufd_ioas_alloc.ioas_id, true);
		break;
	case IT_IOAS_DESTROY:
		bpf_map_delete_elem(&ioas_stats, &key);
		lock_disown(type1_lock(c));
		break;
	case IT_IOAS_MAP:
		stat_map(type1_get(c, e->u.iommufd_ioas_map.ioas_id, false), e);
		break;
	case IT_IOAS_UNMAP:
		stat_unmap(type1_get(c, e->u.iommufd_ioas_unmap.ioas_id, false), e);
		break;
	case IT_DEVICE_ATTACH:
		s = type1_get(c, e->u.iommufd_device_attach.ioas_id, false);
		if (!s)
			break;
		touch(s, IOAS_OP_ATTACH, e->h.ret, e->h.ts_ns);
		if (!e->h.ret && !is_member(o->group)) {
			__sync_fetch_and_add(&s->ndevs, 1);
			member_add((__u64)o->group, c);
		}
		break;
	case IT_DEVICE_DETACH:
		s = member_del((__u64)o->group);
		if (!s)
			break;
		touch(s, IOAS_OP_OTHER, 0, e->h.ts_ns);
		__sync_fetch_and_add(&s->ndevs, -1);
		break;
	}
}

/* --- the sink ----------------------------------------------------------- */

/* The events iommutop keeps state from; map latency (lat_ns) only */
static __always_inline __u32 it_sink_wants(int type)
{
	if (!(IOMMUTOP_EVENTS & IT_TOP_EVENT(type)))
		return 0;
	return type == IT_IOAS_MAP && probe_mode ? IT_W_EVENT | IT_W_LAT :
						   IT_W_EVENT;
}

static __always_inline void it_sink(void *ctx, int type, struct it_event *e,
				    __u32 size, __u32 want,
				    const struct it_objs *o)
{
	if (e->h.source == IT_SRC_TYPE1) {
		type1_sink(type, e, o);
		return;
	}
	switch (type) {
	case IT_IOAS_ALLOC: ioas_alloc(e, o); break;
	case IT_IOAS_DESTROY: ioas_destroy(o); break;
	case IT_IOAS_MAP: stat_map(ioas_get(o->ioas, false), e); break;
	case IT_IOAS_UNMAP: stat_unmap(ioas_get(o->ioas, false), e); break;
	case IT_IOAS_COPY: ioas_copy(e, o); break;
	case IT_PAGES_PIN: pages_pin(e, o); break;
	case IT_PAGES_UNPIN: pages_unpin(e, o); break;
	case IT_HWPT_ALLOC: hwpt_alloc(e, o); break;
	case IT_HWPT_DESTROY: hwpt_destroy(e, o); break;
	case IT_VTD_ENFORCE_CC: vtd_enforce_cc(e); break;
	case IT_DEVICE_ATTACH:
		device_attached(o->idev, o->hwpt, e->h.ret, e->h.ts_ns);
		break;
	case IT_DEVICE_REPLACE: device_replace(e, o); break;
	case IT_DEVICE_DETACH: device_detach(e, o); break;
	case IT_VTD_DMA_FAULT: dma_fault(e); break;
	case IT_ACCESS_CHANGE_IOAS: access_change_ioas(e, o); break;
	case IT_ACCESS_PIN: access_pin(e, o); break;
	case IT_GROUP_SETUP_MSI: group_setup_msi(e, o); break;
	case IT_VTD_DOMAIN_ATTACH: vtd_domain_locks(o->iommu, o->domain); break;
	case IT_ACCESS_DESTROY:
		/* its ioas_lock dies with it; never NULL: for the verifier */
		if (o->access)
			lock_disown_access(o->access);
		break;
	}
}

/* On a kernel without the tracepoints (--source probe): the same events,
 * with the same objects, from fentry/fexit on the stock functions */
#include "probe.bpf.h"

/* --- start-up snapshot of what existed before iommutop ------------------ */

/*
 * A BPF iterator over every task's open files (iter/task_file), read once
 * by user space after the event programs are attached.  For each iommufd
 * file (/dev/iommu, or /dev/vfio/vfio served by iommufd) not seen yet, it
 * walks the context's objects and each IOAS's areas without taking any
 * lock (iommufd_walk.bpf.h) and sets the same stats the events keep:
 * mapped bytes and pinned pages as absolute values (so an event that raced
 * the start-up is not counted twice), HWPTs, devices and accesses unless an
 * event counted them already (members).  The holder of the file is the
 * IOAS's pid and comm.
 */
extern const void iommufd_fops __ksym __weak;

#include "iommufd_walk.bpf.h"

/* iommufd contexts walked, so that a forked holder is not walked twice */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} snap_ctx SEC(".maps");

/* iopt_pages already charged during the snapshot (areas split from one
 * map share their iopt_pages) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} snap_pages SEC(".maps");

__u32 snap_files;	/* iommufd files found */
__u32 snap_objects;	/* objects read */

static __u32 holder_tgid(struct walk *w)
{
	struct task_struct *holder = w->task;	/* not CO-RE: our own struct */

	return BPF_CORE_READ(holder, tgid);
}

static struct ioas_stat *snap_ioas(struct walk *w, struct iommufd_ioas *ioas)
{
	struct task_struct *holder = w->task;
	__u64 key = (__u64)ioas;
	struct ioas_stat *s;

	if (!ioas)
		return NULL;
	s = bpf_map_lookup_elem(&ioas_stats, &key);
	if (!s)
		return ioas_new(ioas, true, holder_tgid(w), holder->comm);
	if (!s->pid) {
		/* an event of its holder's, racing the snapshot, made it
		 * without knowing whose it is: now we know */
		s->pid = holder_tgid(w);
		bpf_probe_read_kernel_str(s->comm, sizeof(s->comm), holder->comm);
		own_ioas_locks(ioas, s->id, s->pid);
	}
	return s;
}

/* Is the device on its group's device_list, i.e. attached? */
static bool device_is_attached(struct iommufd_device *idev,
			       struct iommufd_group *igroup)
{
	struct list_head *head = &igroup->device_list, *pos;
	struct list_head *item = &idev->group_item;

	pos = BPF_CORE_READ(igroup, device_list.next);
	for (int i = 0; i < 64 && pos && pos != head; i++) {
		if (pos == item)
			return true;
		pos = BPF_CORE_READ(pos, next);
	}
	return false;
}

static void visit_object(struct walk *w, struct iommufd_object *obj)
{
	int type = BPF_CORE_READ(obj, type);
	struct iommufd_ioas *ioas;
	struct ioas_stat *s;

	__sync_fetch_and_add(&snap_objects, 1);
	if (type == bpf_core_enum_value(enum iommufd_object_type, IOMMUFD_OBJ_IOAS)) {
		if (snap_ioas(w, (struct iommufd_ioas *)obj))
			walk_areas_start(w, (struct iommufd_ioas *)obj);
	} else if (type == bpf_core_enum_value(enum iommufd_object_type,
					       IOMMUFD_OBJ_HWPT_PAGING) ||
		   type == bpf_core_enum_value(enum iommufd_object_type,
					       IOMMUFD_OBJ_HWPT_NESTED)) {
		struct iommufd_hw_pagetable *hwpt = (void *)obj;

		ioas = hwpt_ioas(hwpt);
		s = snap_ioas(w, ioas);
		if (s && !is_member(hwpt))
			count_hwpt(s, hwpt, ioas);
	} else if (type == bpf_core_enum_value(enum iommufd_object_type,
					       IOMMUFD_OBJ_DEVICE)) {
		struct iommufd_device *idev = (void *)obj;
		struct iommufd_group *igroup = BPF_CORE_READ(idev, igroup);

		if (!igroup || !device_is_attached(idev, igroup))
			return;
		ioas = hwpt_ioas(BPF_CORE_READ(igroup, hwpt));
		s = snap_ioas(w, ioas);
		if (s && !is_member(idev))
			count_device(s, idev, ioas);
	} else if (type == bpf_core_enum_value(enum iommufd_object_type,
					       IOMMUFD_OBJ_ACCESS)) {
		struct iommufd_access *access = (void *)obj;

		ioas = BPF_CORE_READ(access, ioas);
		s = snap_ioas(w, ioas);
		if (s && !is_member(access))
			count_access(s, access, ioas, holder_tgid(w));
	}
}

/* One area: its bytes, and its iopt_pages' pins once per iopt_pages,
 * charged to the IOAS that owns them (as pages_pin does) */
static void visit_area(struct walk *w, struct iopt_area *area)
{
	__u64 start = BPF_CORE_READ(area, node.start);
	__u64 last = BPF_CORE_READ(area, node.last);
	__u64 pages = (__u64)BPF_CORE_READ(area, pages);
	__u64 ioas = (__u64)w->ioas, *owner;
	__u8 one = 1;

	w->mapped += last - start + 1;
	if (!pages ||
	    bpf_map_update_elem(&snap_pages, &pages, &one, BPF_NOEXIST))
		return;		/* none, or charged already */
	owner = bpf_map_lookup_elem(&pages_owner, &pages);
	if (!owner) {
		if (bpf_map_update_elem(&pages_owner, &pages, &ioas, BPF_NOEXIST))
			drop(DROP_PAGES_OWNER_FULL);
		owner = &ioas;
	}
	if (*owner == ioas) {
		struct iopt_pages *p = (struct iopt_pages *)pages;
		__u64 key = ioas;
		struct ioas_stat *s = bpf_map_lookup_elem(&ioas_stats, &key);

		if (s)
			s->charge = 1 + BPF_CORE_READ(p, account_mode);
		w->pinned += BPF_CORE_READ(p, last_npinned);
		/* its mutex: learnt at its first contention (lock_learn) */
	}
}

static void area_walk_done(struct walk *w)
{
	__u64 key = (__u64)w->ioas;
	struct ioas_stat *s = bpf_map_lookup_elem(&ioas_stats, &key);

	if (!s)
		return;
	s->mapped = w->mapped;
	s->pinned = w->pinned;
}

/* What existed of VFIO type1 containers: vfio_type1_walk.bpf.h */
#include "vfio_type1_walk.bpf.h"

static void visit_type1_dma(struct type1_walk *w, struct vfio_dma___it *dma)
{
	w->mapped += BPF_CORE_READ(dma, size);
}

/* Count the groups of one list of struct vfio_iommu_group (HEAD; FIRST
 * its first entry) for the container, each once */
static __always_inline void count_type1_groups(struct ioas_stat *s,
					       struct list_head *head,
					       struct list_head *first,
					       void *container)
{
	struct list_head *g = first;
	int j;

	for (j = 0; j < TYPE1_MAX_GROUPS && g && g != head; j++) {
		struct vfio_iommu_group___it *vg = (void *)g -
			bpf_core_field_offset(struct vfio_iommu_group___it, next);
		struct iommu_group *group = BPF_CORE_READ(vg, iommu_group);

		if (group && !is_member(group)) {
			__sync_fetch_and_add(&s->ndevs, 1);
			member_add((__u64)group, container);
		}
		g = BPF_CORE_READ(g, next);
	}
}

static void type1_walk_done(struct type1_walk *w)
{
	__u64 key = (__u64)w->container;
	struct ioas_stat *s = bpf_map_lookup_elem(&ioas_stats, &key);
	struct vfio_iommu___it *iommu = w->container;
	struct list_head *d;
	int i;

	if (!s)
		return;
	s->mapped = w->mapped;
	/* the groups: each domain's, and the emulated ones */
	d = BPF_CORE_READ(iommu, domain_list.next);
	for (i = 0; i < TYPE1_MAX_DOMAINS && d && d != &iommu->domain_list; i++) {
		struct vfio_domain___it *dom = (void *)d -
			bpf_core_field_offset(struct vfio_domain___it, next);

		count_type1_groups(s, &dom->group_list,
				   BPF_CORE_READ(dom, group_list.next), w->container);
		d = BPF_CORE_READ(d, next);
	}
	count_type1_groups(s, &iommu->emulated_iommu_groups,
			   BPF_CORE_READ(iommu, emulated_iommu_groups.next),
			   w->container);
}

/* A type1 container file (/dev/vfio/vfio, not served by iommufd) */
static int snapshot_type1(struct task_struct *task, struct file *file)
{
	void *container = type1_container_of(file);
	struct ioas_stat *s;
	__u64 key = (__u64)container;
	__u8 one = 1;

	if (!container ||
	    bpf_map_update_elem(&snap_ctx, &key, &one, BPF_NOEXIST))
		return 0;
	__sync_fetch_and_add(&snap_files, 1);
	s = bpf_map_lookup_elem(&ioas_stats, &key);
	if (!s)
		s = type1_new(container, t1_id(container), false);
	if (!s)
		return 0;
	if (!s->pid) {
		s->pid = task->tgid;
		bpf_probe_read_kernel_str(s->comm, sizeof(s->comm), task->comm);
		own_lock(type1_lock(container), LK_TYPE1_LOCK, s->id, s->pid);
	}
	type1_walk_start(&type1_walk_state, container);
	bpf_loop(WALK_STEPS, type1_walk_step, NULL, 0);
	return 0;
}

SEC("iter/task_file")
int snapshot(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct iommufd_ctx *ictx;
	__u64 key;
	__u8 one = 1;

	if (!task || !file)
		return 0;
	if (targ_tgid && task->tgid != targ_tgid)
		return 0;
	if (!&iommufd_fops || (const void *)file->f_op != &iommufd_fops)
		return have_type1() ? snapshot_type1(task, file) : 0;
	ictx = file->private_data;
	key = (__u64)ictx;
	if (!ictx || bpf_map_update_elem(&snap_ctx, &key, &one, BPF_NOEXIST))
		return 0;
	__sync_fetch_and_add(&snap_files, 1);
	walk_state.task = task;
	if (walk_ctx_start(&walk_state, ictx))
		bpf_loop(WALK_STEPS, walk_step, NULL, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
