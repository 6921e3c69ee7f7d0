// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ksyms.c - see ksyms.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct ksyms *ks = calloc(1, sizeof(*ks));
	FILE *f = fopen("/proc/kallsyms", "r");
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
