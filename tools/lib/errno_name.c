// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* errno_name.c - see errno_name.h */
#define _GNU_SOURCE	/* strerrorname_np, glibc >= 2.32 */
#include <string.h>
#include "errno_name.h"

/* include/linux/errno.h: never returned to user space, so not in glibc */
static const char *const kernel_names[] = {
	[512 - 512] = "ERESTARTSYS",
	[513 - 512] = "ERESTARTNOINTR",
	[514 - 512] = "ERESTARTNOHAND",
	[515 - 512] = "ENOIOCTLCMD",
	[516 - 512] = "ERESTART_RESTARTBLOCK",
	[517 - 512] = "EPROBE_DEFER",
	[518 - 512] = "EOPENSTALE",
	[519 - 512] = "ENOPARAM",
	[521 - 512] = "EBADHANDLE",
	[522 - 512] = "ENOTSYNC",
	[523 - 512] = "EBADCOOKIE",
	[524 - 512] = "ENOTSUPP",
	[525 - 512] = "ETOOSMALL",
	[526 - 512] = "ESERVERFAULT",
	[527 - 512] = "EBADTYPE",
	[528 - 512] = "EJUKEBOX",
	[529 - 512] = "EIOCBQUEUED",
	[530 - 512] = "ERECALLCONFLICT",
	[531 - 512] = "ENOGRACE",
};

const char *it_errno_name(int err)
{
	unsigned int e = err < 0 ? -(unsigned int)err : (unsigned int)err;

	if (!e)
		return NULL;
	if (e >= 512 && e - 512 < sizeof(kernel_names) / sizeof(kernel_names[0]))
		return kernel_names[e - 512];
	return e <= 4095 ? strerrorname_np((int)e) : NULL;
}
