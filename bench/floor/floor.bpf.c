// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor.bpf.c - the floor of a BPF consumer of the iommutrace events, for
 * make bench (consumers "floor" and "floor-count", bench/guest-bench): a
 * tp_btf program on each of the four events of a map+unmap pair (the map,
 * the unmap, the pin and the unpin) that does nothing, or, with count set,
 * adds 1 to a per-CPU counter (the least a tool that keeps a total can
 * do).  What ioastrace and iommutop cost above this is their own work;
 * the floor itself is the tracepoint's call into BPF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "floor.h"

const volatile bool count;	/* -c: count the events */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOR_NR);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int hit(__u32 i)
{
	__u64 *v;

	if (!count)
		return 0;
	v = bpf_map_lookup_elem(&hits, &i);
	if (v)
		(*v)++;		/* per CPU: no atomic needed */
	return 0;
}

SEC("tp_btf/iommufd_ioas_map")
int BPF_PROG(floor_map)
{
	return hit(FLOOR_MAP);
}

SEC("tp_btf/iommufd_ioas_unmap")
int BPF_PROG(floor_unmap)
{
	return hit(FLOOR_UNMAP);
}

SEC("tp_btf/iommufd_pages_pin")
int BPF_PROG(floor_pin)
{
	return hit(FLOOR_PIN);
}

SEC("tp_btf/iommufd_pages_unpin")
int BPF_PROG(floor_unpin)
{
	return hit(FLOOR_UNPIN);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
