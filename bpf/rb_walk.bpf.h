/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rb_walk.bpf.h - a pre-order walk of a kernel rb tree, one node per step,
 * without taking any lock: the pending subtrees on a bounded stack, every
 * read a CO-RE bpf_probe_read_kernel().  A tree changing while it is
 * walked may be read half-updated: the walkers' callers correct what
 * changes after from the events.  Used by iommufd_walk.bpf.h (an IOAS's
 * area tree) and vfio_type1_walk.bpf.h (a type1 container's mappings).
 */
#ifndef __RB_WALK_BPF_H
#define __RB_WALK_BPF_H

#define RB_STACK	64	/* an rb tree this deep has > 2^32 nodes */

/* Nodes (and xarray entries) beyond the walks' bounds: user space reads it */
__u32 walk_skipped;

struct rb_walk {
	__u32 top;			/* pending subtrees; 0: walk done */
	struct rb_node *stack[RB_STACK];
};

/* Begin a walk at ROOT (NULL: an empty tree, one step that finds nothing) */
static __always_inline void rb_walk_start(struct rb_walk *r,
					  struct rb_node *root)
{
	r->stack[0] = root;
	r->top = 1;
}

static __always_inline void rb_walk_push(struct rb_walk *r, struct rb_node *n)
{
	if (!n)
		return;
	if (r->top >= RB_STACK) {
		walk_skipped++;
		return;
	}
	r->stack[r->top & (RB_STACK - 1)] = n;
	r->top++;
}

/* One step: the next node (its children now pending), or NULL */
static __always_inline struct rb_node *rb_walk_next(struct rb_walk *r)
{
	struct rb_node *n;

	if (!r->top)
		return NULL;
	r->top--;
	n = r->stack[r->top & (RB_STACK - 1)];
	if (n) {
		rb_walk_push(r, BPF_CORE_READ(n, rb_right));
		rb_walk_push(r, BPF_CORE_READ(n, rb_left));
	}
	return n;
}

#endif /* __RB_WALK_BPF_H */
