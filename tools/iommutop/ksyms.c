// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ksyms.c - see ksyms.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frame.h"
#include "ksyms.h"

struct ksym {
	__u64 addr;
	char *name;
};

struct ksyms {
	struct ksym *syms;
	size_t n;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms_load(void)
{
	return ksyms_load_file("/proc/kallsyms");
}

struct ksyms *ksyms_load_file(const char *path)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	char name[256], type;
	unsigned long long addr;

	if (!ks || !f) {
		free(ks);
		if (f)
			fclose(f);
		return NULL;
	}
	while (fscanf(f, "%llx %c %255s%*[^\n]", &addr, &type, name) == 3) {
		if (!addr || (type != 't' && type != 'T'))
			continue;
		if (ks->n == cap) {
			struct ksym *s;

			cap = cap ? cap * 2 : 65536;
			s = realloc(ks->syms, cap * sizeof(*s));
			if (!s)
				break;
			ks->syms = s;
		}
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = strdup(name);
		if (ks->syms[ks->n].name)
			ks->n++;
	}
	fclose(f);
	if (!ks->n) {	/* not root: kallsyms shows zeros */
		ksyms_free(ks);
		errno = EPERM;
		return NULL;
	}
	qsort(ks->syms, ks->n, sizeof(ks->syms[0]), cmp_ksym);
	return ks;
}

void ksyms_free(struct ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}

const char *ksyms_name(const struct ksyms *ks, __u64 addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->n;
	while (hi - lo > 1) {	/* last symbol at or below addr */
		size_t mid = (lo + hi) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return ks->syms[lo].name;
}

size_t ksyms_caller_ranges(const struct ksyms *ks, struct caller_range *out,
			   size_t max, size_t *needed)
{
	size_t i, n = 0, want = 0;

	for (i = 0; ks && i < ks->n; i++) {
		enum caller_class cls = caller_class_of(ks->syms[i].name);
		__u64 start = ks->syms[i].addr;
		__u64 end = i + 1 < ks->n ? ks->syms[i + 1].addr : start + 1;

		if (cls == CALLER_OTHER || end <= start)
			continue;
		/* extend the previous range: same class, adjacent */
		if (n && out[n - 1].cls == cls && out[n - 1].end == start) {
			out[n - 1].end = end;
			continue;
		}
		want++;
		if (n == max)
			continue;
		out[n].start = start;
		out[n].end = end;
		out[n].cls = cls;
		out[n].pad = 0;
		n++;
	}
	if (needed)
		*needed = want;
	return n;
}
