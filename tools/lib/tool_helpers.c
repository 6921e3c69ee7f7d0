// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tool_helpers.c - see tool_helpers.h */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/types.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "iommutrace.h"
#include "tool_helpers.h"

#define IT_NAME(e, name, sys)	[IT_##e] = #name,
static const char *const names[IT_NR_EVENTS] = { IOMMUTRACE_EVENTS(IT_NAME) };
#define IT_SYS(e, name, sys)	[IT_##e] = #sys,
static const char *const systems[IT_NR_EVENTS] = { IOMMUTRACE_EVENTS(IT_SYS) };

/*
 * The running kernel's BTF: vmlinux's and, when iommufd is a loaded module,
 * its split BTF (/sys/kernel/btf/iommufd), which then holds the iommufd
 * tracepoints and types.  libbpf resolves tp_btf, fentry and CO-RE against
 * both by itself; these checks must look where it looks.
 */
struct kernel_btf {
	struct btf *vmlinux;
	struct btf *iommufd;	/* NULL: built in, or not loaded */
};

static int kernel_btf_load(struct kernel_btf *k)
{
	k->vmlinux = btf__load_vmlinux_btf();
	if (!k->vmlinux)
		return -errno;
	k->iommufd = btf__load_module_btf("iommufd", k->vmlinux);
	return 0;
}

static void kernel_btf_free(struct kernel_btf *k)
{
	btf__free(k->iommufd);
	btf__free(k->vmlinux);
}

/* Whether tracepoint TP is in the kernel (its typedef btf_trace_TP) */
static bool kernel_btf_has_tp(const struct kernel_btf *k, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	if (btf__find_by_name_kind(k->vmlinux, name, BTF_KIND_TYPEDEF) > 0)
		return true;
	/* split BTF: this also searches vmlinux, already done */
	return k->iommufd &&
	       btf__find_by_name_kind(k->iommufd, name, BTF_KIND_TYPEDEF) > 0;
}

static long long kernel_btf_events(const struct kernel_btf *k)
{
	long long mask = 0;
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++)
		if (kernel_btf_has_tp(k, names[i]))
			mask |= 1LL << i;
	return mask;
}

long long it_kernel_events(void)
{
	struct kernel_btf k = { 0 };
	long long mask;
	int err = kernel_btf_load(&k);

	if (err)
		return err;
	mask = kernel_btf_events(&k);
	kernel_btf_free(&k);
	return mask;
}

long long it_vtd_events(void)
{
	long long mask = 0;
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++)
		if (!strcmp(systems[i], "intel_iommu"))
			mask |= 1LL << i;
	return mask;
}

void it_say_no_vtd(const char *tool)
{
	fprintf(stderr, "%s: this kernel has no Intel VT-d (CONFIG_INTEL_IOMMU): VT-d events not traced\n",
		tool);
}

int it_module_state(const char *name)
{
	char path[256], line[512], ko[80];
	struct utsname u;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (!access(path, F_OK))
		return 1;	/* built in or loaded */
	if (uname(&u))
		return -1;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/* "kernel/.../NAME.ko[.xz]: deps"; a dependency is after the colon */
	snprintf(ko, sizeof(ko), "/%s.ko", name);
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *at = strstr(line, ko);

		found = at && colon && at < colon;
	}
	fclose(f);
	return found;
}

/* Why the iommufd tracepoints are missing, in one line on stderr */
static void say_no_iommufd_tracepoints(const char *tool)
{
	const char *why = " (it lacks the iommutrace patches)";

	/* /sys/module/iommufd: built in (it has a parameter) or loaded */
	if (access("/sys/module/iommufd", F_OK))
		why = it_module_state("iommufd") ?
			": iommufd is neither built in nor loaded (modprobe iommufd)" :
			": it has no iommufd at all (CONFIG_IOMMUFD is off: its VMs use VFIO's type1 container)";
	/* initstate: a loadable module, whose BTF would be under btf/ */
	else if (!access("/sys/module/iommufd/initstate", F_OK) &&
		 access("/sys/kernel/btf/iommufd", F_OK))
		why = ": the iommufd module has no BTF (CONFIG_DEBUG_INFO_BTF_MODULES)";
	fprintf(stderr, "%s: this kernel has no iommufd tracepoints%s\n", tool, why);
}

int it_check_kernel(const char *tool, long long *events)
{
	long long have = it_kernel_events();

	if (have < 0) {
		fprintf(stderr, "%s: kernel BTF not available (no /sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF)\n",
			tool);
		return 1;
	}
	if (!(have & (1LL << IT_IOAS_MAP))) {
		say_no_iommufd_tracepoints(tool);
		return 1;
	}
	if (events)
		*events = have;
	return 0;
}

void it_load_error(const char *tool, int err, bool verbose)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "%s: permission denied loading BPF programs: run as root (CAP_BPF and CAP_PERFMON)\n",
			tool);
	else
		fprintf(stderr, "%s: cannot load BPF programs: %s%s\n", tool,
			strerror(-err), verbose ? "" : " (-v for details)");
}

int it_skip_missing_tracepoints(const char *tool, struct bpf_object *obj)
{
	struct bpf_program *prog;
	struct kernel_btf k = { 0 };
	bool no_vtd;
	int skipped = 0, vtd_skipped = 0, err = kernel_btf_load(&k);

	if (err)
		return err;
	/* No VT-d tracepoint at all: no VT-d, said once for all of them */
	no_vtd = !(kernel_btf_events(&k) & it_vtd_events());
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		int type;

		if (strncmp(sec, "tp_btf/", 7) || kernel_btf_has_tp(&k, sec + 7))
			continue;
		bpf_program__set_autoload(prog, false);
		skipped++;
		type = it_event_index(sec + 7);
		if (no_vtd && type >= 0 && (it_vtd_events() & (1LL << type))) {
			vtd_skipped++;
			continue;
		}
		fprintf(stderr, "%s: this kernel has no tracepoint %s: not counted\n",
			tool, sec + 7);
	}
	if (vtd_skipped)
		it_say_no_vtd(tool);
	kernel_btf_free(&k);
	return skipped;
}

int it_event_index(const char *tp)
{
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++)
		if (!strcmp(names[i], tp))
			return i;
	return -1;
}

int it_autoload_events(struct bpf_object *obj, unsigned long long events)
{
	struct bpf_program *prog;
	int off = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		int type;

		if (strncmp(sec, "tp_btf/", 7))
			continue;
		type = it_event_index(sec + 7);
		if (type < 0 || (events & (1ULL << type)))
			continue;	/* not ours (lock:contention_*), or wanted */
		bpf_program__set_autoload(prog, false);
		off++;
	}
	return off;
}

/* The function a fentry/fexit program attaches to, or NULL */
static const char *probe_target(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	if (!strncmp(sec, "fentry/", 7))
		return sec + 7;
	if (!strncmp(sec, "fexit/", 6))
		return sec + 6;
	return NULL;
}

static bool kernel_btf_has_func(const struct kernel_btf *k, const char *fn)
{
	if (btf__find_by_name_kind(k->vmlinux, fn, BTF_KIND_FUNC) > 0)
		return true;
	return k->iommufd &&
	       btf__find_by_name_kind(k->iommufd, fn, BTF_KIND_FUNC) > 0;
}

long long it_select_source(struct bpf_object *obj, bool probe,
			   unsigned long long events)
{
	struct bpf_program *prog;
	struct kernel_btf k = { 0 };
	long long have = 0;
	int err = kernel_btf_load(&k);

	if (err)
		return err;
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		bool is_tp = !strncmp(sec, "tp_btf/", 7);
		bool is_probe = !strncmp(name, "pr_", 3);
		int type;

		if (!is_tp && !is_probe) {
			/* a tool's helper on a function this kernel lacks
			 * (probe mode without iommufd: the ioctl latency,
			 * pin attribution); t1_*: it_select_type1() */
			const char *fn = probe_target(prog);

			if (probe && fn && strncmp(name, "t1_", 3) &&
			    !kernel_btf_has_func(&k, fn))
				bpf_program__set_autoload(prog, false);
			continue;
		}
		type = it_event_index(is_tp ? sec + 7 : name + 3);
		if (is_tp && type < 0)
			continue;	/* not ours: lock:contention_* */
		if (is_tp != !probe || type < 0 ||
		    !(events & (1ULL << type)) ||
		    (is_probe && !kernel_btf_has_func(&k, probe_target(prog)))) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		have |= 1LL << type;
	}
	kernel_btf_free(&k);
	return have;
}

unsigned long long it_select_type1(struct bpf_object *obj,
				   unsigned long long events,
				   enum it_type1_state *state)
{
	static const struct {
		const char *prog, *fn;
		unsigned long long events;
	} t1[] = {
		{ "t1_ioctl_exit", "vfio_iommu_type1_ioctl",
		  (1ULL << IT_IOAS_MAP) | (1ULL << IT_IOAS_UNMAP) },
		{ "t1_open", "vfio_iommu_type1_open", 1ULL << IT_IOAS_ALLOC },
		{ "t1_pin", "vfio_pin_pages_remote", 1ULL << IT_PAGES_PIN },
		{ "t1_unpin", "vfio_unpin_pages_remote", 1ULL << IT_PAGES_UNPIN },
		{ "t1_attach_group", "vfio_iommu_type1_attach_group",
		  1ULL << IT_DEVICE_ATTACH },
		{ "t1_detach_group", "vfio_iommu_type1_detach_group",
		  1ULL << IT_DEVICE_DETACH },
		/* last: kept with any of the others */
		{ "t1_release", "vfio_iommu_type1_release",
		  1ULL << IT_IOAS_DESTROY },
	};
	struct bpf_program *prog;
	struct btf *vmlinux, *mod;
	unsigned long long have = 0;
	size_t i;

	*state = IT_TYPE1_OFF;
	if (!(events & IT_TYPE1_EVENTS))
		return 0;
	vmlinux = btf__load_vmlinux_btf();
	mod = vmlinux ? btf__load_module_btf("vfio_iommu_type1", vmlinux) : NULL;
	*state = mod ? IT_TYPE1_ON : IT_TYPE1_ABSENT;
	for (i = 0; mod && i < sizeof(t1) / sizeof(t1[0]); i++) {
		bool keep = btf__find_by_name_kind(mod, t1[i].fn,
						   BTF_KIND_FUNC) > 0;

		prog = bpf_object__find_program_by_name(obj, t1[i].prog);
		if (!prog)
			continue;
		if (t1[i].events & (1ULL << IT_IOAS_DESTROY))
			keep = keep && have;
		else
			keep = keep && (events & t1[i].events);
		bpf_program__set_autoload(prog, keep);
		if (keep)
			have |= t1[i].events & events;
	}
	prog = bpf_object__find_program_by_name(obj, "t1_ioctl_enter");
	if (prog)
		bpf_program__set_autoload(prog, have & ((1ULL << IT_IOAS_MAP) |
						       (1ULL << IT_IOAS_UNMAP)));
	btf__free(mod);
	btf__free(vmlinux);
	return have;
}

const char *it_type1_absent_why(int module_state)
{
	return module_state == 1 ?
	       "vfio_iommu_type1 is not loaded (modprobe vfio_iommu_type1)" :
	       module_state ?
	       "vfio_iommu_type1 is not loaded (or not built, CONFIG_VFIO_IOMMU_TYPE1)" :
	       "this kernel has no vfio_iommu_type1 (CONFIG_VFIO_IOMMU_TYPE1)";
}
