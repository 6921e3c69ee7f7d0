/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tool_helpers.h - user-space checks shared by the iommutrace tools */
#ifndef __TOOL_HELPERS_H
#define __TOOL_HELPERS_H

#include <stdbool.h>

/*
 * Which iommutrace events this kernel has, one bit per enum
 * iommutrace_event_type (a tracepoint x has the BTF typedef btf_trace_x, in
 * vmlinux's BTF or, iommufd being a loaded module, in /sys/kernel/btf/iommufd).
 * Negative errno if the kernel has no BTF.
 */
long long it_kernel_events(void);

/* The events of the trace system intel_iommu (VT-d), one bit each */
long long it_vtd_events(void);

/* The enum iommutrace_event_type of tracepoint TP, or -1 */
int it_event_index(const char *tp);

/*
 * Say, in one line on stderr, that the kernel has no VT-d (none of the VT-d
 * tracepoints: CONFIG_INTEL_IOMMU is off) and that its events are not traced
 */
void it_say_no_vtd(const char *tool);

/*
 * 0 if the kernel has BTF and the iommufd tracepoints, with *events (if not
 * NULL) set as by it_kernel_events(); else print why TOOL cannot run, in
 * one line on stderr, and return 1.  The reasons told apart: no BTF, iommufd
 * neither built in nor loaded ("modprobe iommufd"), an iommufd module
 * without BTF, a kernel without the iommutrace patches.
 */
int it_check_kernel(const char *tool, long long *events);

/*
 * Whether the running kernel has module NAME: 1 if built in or loaded
 * (/sys/module/NAME) or one to load (modules.dep of its release names
 * NAME.ko), 0 if not, -1 if that cannot be known (no modules.dep).  Advice
 * to load a module is given where it is not 0 (iommufd: the likely fix) or
 * only where it is 1 (an optional one), never for a module known absent.
 */
int it_module_state(const char *name);

struct bpf_object;

/*
 * Before loading OBJ: do not load its tp_btf programs whose tracepoint the
 * running kernel lacks (an older series: one line each on stderr; no VT-d
 * at all, without CONFIG_INTEL_IOMMU: one line for all VT-d programs, by
 * it_say_no_vtd()).  Returns how many were skipped, or -errno without
 * kernel BTF.
 */
int it_skip_missing_tracepoints(const char *tool, struct bpf_object *obj);

/*
 * Before loading OBJ: do not load the decode layer's programs (tp_btf) of
 * events outside EVENTS (a bit per enum iommutrace_event_type): a tool
 * loads only what it consumes.  Returns how many were left out.
 */
int it_autoload_events(struct bpf_object *obj, unsigned long long events);

/*
 * Before loading OBJ: keep the programs of one source of events.  With
 * probe false, the tracepoint programs (tp_btf/); with probe true, the
 * probe programs (named pr_<event>, probe.bpf.h) whose function the
 * running kernel's BTF has, and none of the tracepoint programs.  Programs
 * of events outside EVENTS are left out too; tp_btf programs of other
 * tracepoints (lock:contention_*) are left as they are, and so are a
 * tool's other programs, except in probe mode its fentry/fexit helpers
 * whose function the kernel lacks (ioctl latency and pin attribution on a
 * kernel without iommufd, such as Debian's; the t1_* programs are
 * it_select_type1()'s).  Returns the events the kept
 * programs give (a bit per enum iommutrace_event_type), -errno without
 * kernel BTF.
 */
long long it_select_source(struct bpf_object *obj, bool probe,
			   unsigned long long events);

/* The events a VFIO type1 container gives (probe.bpf.h's t1_* programs),
 * one bit per enum iommutrace_event_type */
#define IT_TYPE1_EVENTS							\
	((1ULL << IT_IOAS_ALLOC) | (1ULL << IT_IOAS_DESTROY) |		\
	 (1ULL << IT_IOAS_MAP) | (1ULL << IT_IOAS_UNMAP) |		\
	 (1ULL << IT_PAGES_PIN) | (1ULL << IT_PAGES_UNPIN) |		\
	 (1ULL << IT_DEVICE_ATTACH) | (1ULL << IT_DEVICE_DETACH))

enum it_type1_state {
	IT_TYPE1_OFF,		/* not asked for: no type1 event wanted */
	IT_TYPE1_ABSENT,	/* no /sys/kernel/btf/vfio_iommu_type1 */
	IT_TYPE1_ON,		/* some t1_* programs kept */
};

/*
 * Probe mode, before loading OBJ: keep the t1_* programs (VFIO type1
 * containers; SEC("?..."): not loaded unless kept) of the events in EVENTS
 * whose function vfio_iommu_type1's module BTF has.  The ioctl's entry
 * goes with its exit, and the container's release with any of them (it
 * forgets the container's number).  Returns the events they give; *state
 * says whether the module was there.
 */
unsigned long long it_select_type1(struct bpf_object *obj,
				   unsigned long long events,
				   enum it_type1_state *state);

/*
 * Why VFIO type1 containers cannot be traced when vfio_iommu_type1's BTF is
 * absent, for MODULE_STATE = it_module_state("vfio_iommu_type1"): "not
 * loaded (modprobe ...)", "not loaded (or not built ...)" (unknown), or
 * "this kernel has no vfio_iommu_type1 ...".
 */
const char *it_type1_absent_why(int module_state);

/* One line on stderr explaining a failed skeleton load (err: -errno) */
void it_load_error(const char *tool, int err, bool verbose);

#endif /* __TOOL_HELPERS_H */
