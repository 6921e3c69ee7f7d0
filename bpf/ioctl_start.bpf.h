/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ioctl_start.bpf.h - when did the current thread enter its iommufd ioctl?
 * Shared by the tools that report latency "from the ioctl's entry".
 *
 * Defines the map ioctl_start (tid -> bpf_ktime_get_ns() at entry of
 * iommufd_fops_ioctl) and the fentry program that fills it.  With
 * IOCTL_START_FEXIT defined, an fexit program also removes the entry when the
 * ioctl returns, so events outside an ioctl get no latency; without it (one
 * trampoline less per ioctl) the entry of the thread's latest ioctl stays.
 */
#ifndef __IOCTL_START_BPF_H
#define __IOCTL_START_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} ioctl_start SEC(".maps");

SEC("fentry/iommufd_fops_ioctl")
int BPF_PROG(ioctl_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&ioctl_start, &tid, &ts, BPF_ANY);
	return 0;
}

#ifdef IOCTL_START_FEXIT
SEC("fexit/iommufd_fops_ioctl")
int BPF_PROG(ioctl_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&ioctl_start, &tid);
	return 0;
}
#endif

/* ns since the current thread entered its iommufd ioctl, 0 if unknown */
static __always_inline __u64 ioctl_latency(__u64 now)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&ioctl_start, &tid);

	return start && now > *start ? now - *start : 0;
}

#endif /* __IOCTL_START_BPF_H */
