/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* floor.h - what floor.bpf.c and floor.c share: the events, by index */
#ifndef __FLOOR_H
#define __FLOOR_H

enum floor_event { FLOOR_MAP, FLOOR_UNMAP, FLOOR_PIN, FLOOR_UNPIN, FLOOR_NR };

#endif /* __FLOOR_H */
