/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iommufd_walk.bpf.h - walk, without taking any lock, the objects of an
 * iommufd context (its ctx->objects xarray) and the mapped areas of an IOAS
 * (its iopt.area_itree interval tree), one step per bpf_loop() iteration.
 *
 * Nothing here sleeps or takes an iommufd lock: every read is a CO-RE
 * bpf_probe_read_kernel(), so a VMM changing its mappings is never stalled.
 * The price is that an object or area changing while it is walked may be
 * read half-updated; the caller's event programs correct what changes after.
 *
 * The walker keeps its state in the global walk_state (too big for the BPF
 * stack; one walk at a time: a BPF iterator runs once per read()).  The
 * includer provides
 *   visit_object(struct walk *w, struct iommufd_object *obj)
 *   visit_area(struct walk *w, struct iopt_area *area)
 *   area_walk_done(struct walk *w)
 * before including this file, then walks a context with
 *   if (walk_ctx_start(&walk_state, ictx))
 *           bpf_loop(WALK_STEPS, walk_step, NULL, 0);
 * Include after vmlinux.h and bpf_core_read.h.
 */
#ifndef __IOMMUFD_WALK_BPF_H
#define __IOMMUFD_WALK_BPF_H

#include "rb_walk.bpf.h"

#define XA_SLOTS	64	/* XA_CHUNK_SIZE */
#define XA_LEVELS	4	/* ids below 2^24 */
#define WALK_STEPS	(1 << 22)	/* bpf_loop bound (BPF_MAX_LOOPS: 2^23) */

struct walk {
	/* xarray: the node of each level being walked, and the next slot */
	struct xa_node *xa_node[XA_LEVELS];
	__u32 xa_slot[XA_LEVELS];
	__s32 xa_level;		/* -1: xarray done */
	/* area tree: rb.top 0 when no area walk */
	struct rb_walk rb;
	/* what the visitors fill */
	struct iommufd_ioas *ioas;	/* IOAS whose areas are walked */
	__u64 mapped, pinned;
	struct task_struct *task;	/* holder of the iommufd file */
};

static struct walk walk_state;

static void visit_object(struct walk *w, struct iommufd_object *obj);
static void visit_area(struct walk *w, struct iopt_area *area);
static void area_walk_done(struct walk *w);

/* xarray entry encodings (include/linux/xarray.h) */
static __always_inline bool xa_entry_is_node(unsigned long e)
{
	return (e & 3) == 2 && e > 4096;
}

static __always_inline bool xa_entry_is_object(unsigned long e)
{
	return e && (e & 3) == 0;	/* not a value, not internal */
}

/* Begin walking ctx->objects; false if the context has no object */
static __always_inline bool walk_ctx_start(struct walk *w,
					   struct iommufd_ctx *ictx)
{
	unsigned long head = (unsigned long)BPF_CORE_READ(ictx, objects.xa_head);

	w->xa_level = -1;
	w->rb.top = 0;
	if (xa_entry_is_object(head)) {
		/* a single object, at index 0 */
		visit_object(w, (struct iommufd_object *)head);
		return w->rb.top != 0;
	}
	if (!xa_entry_is_node(head))
		return false;
	w->xa_node[0] = (struct xa_node *)(head - 2);
	w->xa_slot[0] = 0;
	w->xa_level = 0;
	return true;
}

/* Start walking the areas of an IOAS (called by visit_object) */
static __always_inline void walk_areas_start(struct walk *w,
					     struct iommufd_ioas *ioas)
{
	struct rb_node *root = BPF_CORE_READ(ioas, iopt.area_itree.rb_root.rb_node);

	w->ioas = ioas;
	w->mapped = 0;
	w->pinned = 0;
	rb_walk_start(&w->rb, root);
}

static __always_inline void area_step(struct walk *w)
{
	struct rb_node *n = rb_walk_next(&w->rb);

	/* the area's interval tree node is iopt_area::node */
	if (n)
		visit_area(w, (struct iopt_area *)((void *)n -
			   bpf_core_field_offset(struct iopt_area, node.rb)));
	if (!w->rb.top)
		area_walk_done(w);
}

static __always_inline void xa_step(struct walk *w)
{
	__u32 lvl = (__u32)w->xa_level & (XA_LEVELS - 1);	/* >= 0 here */
	struct xa_node *node = w->xa_node[lvl];
	__u32 slot = w->xa_slot[lvl];
	unsigned long e = 0;

	if (slot >= XA_SLOTS) {
		w->xa_level--;	/* this node is done: back to its parent */
		return;
	}
	w->xa_slot[lvl] = slot + 1;
	bpf_probe_read_kernel(&e, sizeof(e), (void *)node +
			      bpf_core_field_offset(struct xa_node, slots) +
			      slot * sizeof(void *));
	if (xa_entry_is_node(e)) {
		if (lvl + 1 >= XA_LEVELS) {
			walk_skipped++;
			return;
		}
		lvl++;
		w->xa_node[lvl & (XA_LEVELS - 1)] = (struct xa_node *)(e - 2);
		w->xa_slot[lvl & (XA_LEVELS - 1)] = 0;
		w->xa_level = lvl;
	} else if (xa_entry_is_object(e)) {
		visit_object(w, (struct iommufd_object *)e);
	}
	/* else: empty, a value, a reserved (not yet finalized) id, retry */
}

/* bpf_loop callback: one step of the area walk, else of the xarray walk */
static long walk_step(__u32 i, void *ctx)
{
	struct walk *w = &walk_state;

	if (w->rb.top)
		area_step(w);
	else if (w->xa_level >= 0)
		xa_step(w);
	else
		return 1;	/* done */
	return 0;
}

#endif /* __IOMMUFD_WALK_BPF_H */
