/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ioctl_start.bpf.h - when did the current thread enter its iommufd ioctl?
 * Shared by the tools that report latency "from the ioctl's entry".
 *
 * Defines the map ioctl_start (per task: bpf_ktime_get_ns() at entry of
 * iommufd_fops_ioctl) and the fentry program that fills it.  With
 * IOCTL_START_FEXIT defined, an fexit program also clears it when the
 * ioctl returns, so events outside an ioctl get no latency; without it (one
 * trampoline less per ioctl) the entry of the thread's latest ioctl stays.
 * Task-local storage, not a hash by tid: found through the task itself
 * (no hashing, no bucket lock, no LRU list), freed with the task.
 */
#ifndef __IOCTL_START_BPF_H
#define __IOCTL_START_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} ioctl_start SEC(".maps");

SEC("fentry/iommufd_fops_ioctl")
int BPF_PROG(ioctl_enter)
{
	__u64 *ts = bpf_task_storage_get(&ioctl_start, bpf_get_current_task_btf(),
					 NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

#ifdef IOCTL_START_FEXIT
SEC("fexit/iommufd_fops_ioctl")
int BPF_PROG(ioctl_exit)
{
	__u64 *ts = bpf_task_storage_get(&ioctl_start, bpf_get_current_task_btf(),
					 NULL, 0);

	if (ts)
		*ts = 0;
	return 0;
}
#endif

/* ns since the current thread entered its iommufd ioctl, 0 if unknown */
static __always_inline __u64 ioctl_latency(__u64 now)
{
	__u64 *start = bpf_task_storage_get(&ioctl_start, bpf_get_current_task_btf(),
					    NULL, 0);

	return start && *start && now > *start ? now - *start : 0;
}

#endif /* __IOCTL_START_BPF_H */
