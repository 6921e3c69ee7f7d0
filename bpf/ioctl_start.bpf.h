/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ioctl_start.bpf.h - when did the current thread enter its iommufd ioctl?
 * Shared by the tools that report latency "from the ioctl's entry".
 *
 * Defines the map ioctl_start (task storage: per thread, the
 * bpf_ktime_get_ns() at entry of iommufd_fops_ioctl and the fd of that
 * ioctl; freed by the kernel with the thread, so nothing is left of threads
 * that exited) and the fentry program that fills it.
 *
 * An event is inside that ioctl when the thread's current system call
 * (its pt_regs: orig_ax, and the first argument, di) is still an ioctl on
 * the same fd: a later iommufd ioctl would have passed ioctl_enter again,
 * so the entry is this one's.  An event elsewhere (a close, a VFIO device
 * ioctl, a kernel thread, a 32-bit ioctl) gets no latency, and there is no
 * program at the ioctl's exit (one trampoline less per ioctl than clearing
 * the entry there).  x86-64 system call registers.
 * bpf_task_storage_get() in a tracing program fails (NULL) only when it
 * would recurse into task storage on this CPU: the ioctl then has no
 * latency (0, "unknown"), never a stale one.
 */
#ifndef __IOCTL_START_BPF_H
#define __IOCTL_START_BPF_H

#define IT_NR_IOCTL	16	/* __NR_ioctl, x86-64 */

struct ioctl_start {
	__u64 ns;	/* bpf_ktime_get_ns() at iommufd_fops_ioctl's entry */
	__u64 fd;	/* the ioctl's fd (its first argument) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ioctl_start);
} ioctl_start SEC(".maps");

SEC("fentry/iommufd_fops_ioctl")
int BPF_PROG(ioctl_enter)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ioctl_start *start;
	struct pt_regs *regs;

	start = bpf_task_storage_get(&ioctl_start, task, NULL,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!start)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	start->ns = bpf_ktime_get_ns();
	start->fd = regs->di;
	return 0;
}

/* ns since the current thread entered its iommufd ioctl, 0 if unknown or
 * not in one */
static __always_inline __u64 ioctl_latency(__u64 now)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ioctl_start *start;
	struct pt_regs *regs;

	start = bpf_task_storage_get(&ioctl_start, task, NULL, 0);
	if (!start || !start->ns || now <= start->ns)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (regs->orig_ax != IT_NR_IOCTL || regs->di != start->fd)
		return 0;
	return now - start->ns;
}

#endif /* __IOCTL_START_BPF_H */
