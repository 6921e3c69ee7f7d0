// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tool_helpers.c - see tool_helpers.h */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "iommutrace.h"
#include "tool_helpers.h"

#define IT_NAME(e, name, sys)	[IT_##e] = #name,
static const char *const names[IT_NR_EVENTS] = { IOMMUTRACE_EVENTS(IT_NAME) };

long long it_kernel_events(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	long long mask = 0;
	char name[80];
	int i;

	if (!btf)
		return -errno;
	for (i = 0; i < IT_NR_EVENTS; i++) {
		snprintf(name, sizeof(name), "btf_trace_%s", names[i]);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0)
			mask |= 1LL << i;
	}
	btf__free(btf);
	return mask;
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
		fprintf(stderr, "%s: this kernel has no iommufd tracepoints (it lacks the iommutrace patches)\n",
			tool);
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
	struct btf *btf = btf__load_vmlinux_btf();
	struct bpf_program *prog;
	char name[128];
	int skipped = 0;

	if (!btf)
		return -errno;
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (strncmp(sec, "tp_btf/", 7))
			continue;
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0)
			continue;
		bpf_program__set_autoload(prog, false);
		fprintf(stderr, "%s: this kernel has no tracepoint %s: not counted\n",
			tool, sec + 7);
		skipped++;
	}
	btf__free(btf);
	return skipped;
}
