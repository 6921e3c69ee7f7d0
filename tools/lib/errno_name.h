/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* errno_name.h - the symbolic name of an errno, for every tool's output */
#ifndef __ERRNO_NAME_H
#define __ERRNO_NAME_H

/*
 * "ENOENT" for -2 or 2 (a tracepoint's ret is a negative errno): glibc's
 * strerrorname_np() for what user space can see, and the kernel-internal
 * errnos of include/linux/errno.h (512 to 530: ENOTSUPP, EPROBE_DEFER...)
 * that glibc does not know but a kernel function may return.  NULL if the
 * number has no name.
 */
const char *it_errno_name(int err);

#endif /* __ERRNO_NAME_H */
