// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ioastrace.bpf.c - ioastrace's sink of the decode layer (decode.bpf.h):
 * the filters, then one record per event to a ring buffer.
 *
 * A record is the event's header and its own struct, nothing more (48 +
 * 4..120 bytes); a DMA fault adds the history of its address
 * (fault_history.bpf.h).  The cheap filters (-e, -p, -c) run before the
 * event is decoded, the others (-x, --ioas, --dev) before it is sent.  A
 * record that does not fit in the ring buffer is counted in lost[type],
 * and only there.
 *
 * With dmar_fault traced, map/unmap/copy and attach/replace/detach also
 * feed the per-IOAS history before any filter applies.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "decode.bpf.h"
#include "fault_history.bpf.h"

const volatile __u32 targ_tgid;		/* -p: only this process */
const volatile bool filter_cg;		/* -c: only tasks in cgroup_map[0] */
const volatile __u32 targ_ioas;		/* --ioas: events naming this IOAS */
const volatile __u32 targ_dev;		/* --dev: events naming this device */
const volatile bool targ_failed;	/* -x: only ret < 0 */
const volatile __u64 targ_events = ~0ULL;	/* -e: bit per event type */
const volatile bool keep_history;	/* dmar_fault traced: feed the history */

__u64 lost[IT_NR_EVENTS];		/* records dropped: ring buffer full */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);	/* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

/* Events whose success the fault history records */
static __always_inline bool feeds_history(int type)
{
	return type == IT_IOAS_MAP || type == IT_IOAS_UNMAP ||
	       type == IT_IOAS_COPY || type == IT_DEVICE_ATTACH ||
	       type == IT_DEVICE_REPLACE || type == IT_DEVICE_DETACH ||
	       type == IT_DEVICE_UNBIND || type == IT_IOAS_DESTROY;
}

/* -e, -p, -c: before anything is decoded.  A DMA fault comes from an
 * interrupt, not a process: -p and -c do not apply to it. */
static __always_inline bool printed(int type)
{
	if (!((targ_events >> type) & 1))
		return false;
	if (type == IT_VTD_DMA_FAULT)
		return true;
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return false;
	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return false;
	return true;
}

#define W_PRINT		IT_W_TOOL	/* printed() said yes */

static __always_inline __u32 it_sink_wants(int type)
{
	if (printed(type))
		return IT_W_EVENT | IT_W_COMM | IT_W_LAT | W_PRINT;
	if (keep_history && feeds_history(type))
		return IT_W_EVENT | IT_W_COMM;	/* the history keeps the comm */
	return 0;
}

/*
 * --ioas, --dev: does the event name targ_ioas in a field of kind IOAS, and
 * targ_dev in one of kind DEV (a filter not given passes)?  The fields of
 * other kinds expand to nothing.
 */
#define IT_MATCH(E, type, name, kind)	IT_MATCH_##kind(p->name)
#define IT_MATCH_IOAS(v)	ioas |= (v) == targ_ioas;
#define IT_MATCH_DEV(v)		dev |= (v) == targ_dev;
#define IT_MATCH_DEC(v)
#define IT_MATCH_HEX(v)
#define IT_MATCH_STR(v)
#define IT_MATCH_ACCOUNT(v)
#define IT_MATCH_CODE(v)
#define IT_MATCH_CC(v)
#define IT_MATCH_ATTACH(v)
#define IT_MATCH_PGTT(v)
#define IT_MATCH_DOMTYPE(v)
#define IT_MATCH_PASIDST(v)

static __always_inline bool ids_pass(int type, const struct it_event *e)
{
	bool ioas = !targ_ioas, dev = !targ_dev;

	switch (type) {
#define IT_CASE(E, name, sys)						\
	case IT_##E: {							\
		const struct it_##name *p = &e->u.name;			\
		(void)p;						\
		IT_F_##name(IT_MATCH, name)				\
		break;							\
	}
	IOMMUTRACE_EVENTS(IT_CASE)
#undef IT_CASE
	}
	return ioas && dev;
}

static __always_inline void feed_history(int type, const struct it_event *e,
					 const struct it_objs *o)
{
	const struct it_iommufd_device_attach *a = &e->u.iommufd_device_attach;
	const struct it_iommufd_device_replace *r = &e->u.iommufd_device_replace;
	const struct it_iommufd_ioas_copy *c = &e->u.iommufd_ioas_copy;

	if (type == IT_IOAS_DESTROY) {
		hist_forget(e->u.iommufd_ioas_destroy.ioas_id);
		return;
	}
	if (type == IT_DEVICE_DETACH || type == IT_DEVICE_UNBIND) {
		hist_detach(o->idev);
		return;
	}
	if (e->h.ret)
		return;
	switch (type) {
	case IT_IOAS_MAP:
		hist_record(e->u.iommufd_ioas_map.ioas_id,
			    e->u.iommufd_ioas_map.iova,
			    e->u.iommufd_ioas_map.length, IT_HIST_MAP, &e->h);
		break;
	case IT_IOAS_UNMAP:
		hist_record(e->u.iommufd_ioas_unmap.ioas_id,
			    e->u.iommufd_ioas_unmap.iova,
			    e->u.iommufd_ioas_unmap.length, IT_HIST_UNMAP, &e->h);
		break;
	case IT_IOAS_COPY:
		hist_record(c->dst_ioas_id, c->dst_iova, c->length,
			    IT_HIST_COPY, &e->h);
		break;
	case IT_DEVICE_ATTACH:
		if (a->hwpt_id)
			hist_attach(o->idev, a->ioas_id, a->hwpt_id);
		break;
	case IT_DEVICE_REPLACE:
		if (r->hwpt_id)
			hist_attach(o->idev, r->ioas_id, r->hwpt_id);
		break;
	}
}

/* A DMA fault: the decoded event, then the history of its address */
static __always_inline void send_fault(const struct it_event *e)
{
	const struct it_dmar_fault *f = &e->u.dmar_fault;
	struct it_fault_record *r;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost[IT_VTD_DMA_FAULT], 1);
		return;
	}
	__builtin_memcpy(&r->h, &e->h, sizeof(r->h));
	__builtin_memcpy(&r->f, f, sizeof(r->f));
	__builtin_memset(&r->hist, 0, sizeof(r->hist));
	hist_search(f->device, f->addr, &r->hist);
	if ((targ_ioas && r->hist.ioas_id != targ_ioas) ||
	    (targ_dev && r->hist.dev_id != targ_dev)) {
		bpf_ringbuf_discard(r, 0);
		return;
	}
	bpf_ringbuf_submit(r, 0);	/* rare: wake the reader now */
}

static __always_inline void it_sink(void *ctx, int type, struct it_event *e,
				    __u32 size, __u32 want,
				    const struct it_objs *o)
{
	if (keep_history && feeds_history(type))
		feed_history(type, e, o);
	if (!(want & W_PRINT))
		return;
	if (type == IT_VTD_DMA_FAULT) {
		send_fault(e);
		return;
	}
	if ((targ_failed && e->h.ret >= 0) || !ids_pass(type, e))
		return;
	/* Adaptive wakeup: the reader is woken when it has caught up */
	if (bpf_ringbuf_output(&events, e, size, 0))
		__sync_fetch_and_add(&lost[type], 1);
}

/* On a kernel without the tracepoints: the same events from probes */
#include "probe.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
