// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * metrics.c - write an iommutop frame as Prometheus metrics (text format
 * 0.0.4, or OpenMetrics 1.0.0).  Pure formatting, except for reading a
 * process's RLIMIT_MEMLOCK from /proc.  docs/metrics.md lists every metric.
 *
 * Series are keyed by their labels: two rows of the frame with the same
 * labels (two iommufd files of one process each holding an IOAS 2, or two
 * pages->mutex of one IOAS) are merged into one series, their values added
 * (maxima: the largest; coherency: the worst), never emitted twice.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "json_string.h"
#include "metrics.h"

#define PREFIX "iommutrace_"
#define PAGE_BYTES 4096.0	/* iommufd pins PAGE_SIZE pages: x86 */
#define HIST_FIRST 9		/* first latency bucket shown: le=1.024us */

enum metrics_format metrics_negotiate(const char *accept)
{
	return accept && strstr(accept, "application/openmetrics-text") ?
	       METRICS_OPENMETRICS : METRICS_PROMETHEUS;
}

const char *metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_OPENMETRICS ?
	       "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	       "text/plain; version=0.0.4; charset=utf-8";
}

double metrics_parse_memlock(FILE *f)
{
	char *line = NULL, *p, *end;
	unsigned long long v;
	double ret = -1;
	size_t cap = 0, n;

	while (getline(&line, &cap, f) >= 0) {
		if (strncmp(line, "Max locked memory", 17))
			continue;
		/* the soft limit: the first word after the name */
		p = line + 17;
		p += strspn(p, " \t\n\v\f\r");
		n = strcspn(p, " \t\n\v\f\r");
		if (!n)
			continue;
		if (n == 9 && !strncmp(p, "unlimited", 9)) {
			ret = INFINITY;
		} else if (*p >= '0' && *p <= '9') {
			/* a decimal byte count, as the kernel writes it (%lu),
			 * the whole word */
			errno = 0;
			v = strtoull(p, &end, 10);
			if (!errno && end == p + n)
				ret = v;
		}
		break;
	}
	free(line);
	return ret;
}

double metrics_memlock_limit(__u32 pid)
{
	char path[64];
	double v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/limits", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	v = metrics_parse_memlock(f);
	fclose(f);
	return v;
}

/* A label value: escaped, and valid UTF-8 (a comm may end mid-character:
 * each byte that starts no valid sequence becomes U+FFFD) */
static void label_value(FILE *out, const char *s, size_t max)
{
	size_t i, n, len = strnlen(s, max);

	for (i = 0; i < len; i += n) {
		n = it_utf8_seq(s + i, len - i);
		if (!n) {
			fputs("\xef\xbf\xbd", out);
			n = 1;
		} else if (s[i] == '\\' || s[i] == '"') {
			fputc('\\', out);
			fputc(s[i], out);
		} else if (s[i] == '\n') {
			fputs("\\n", out);
		} else {
			fwrite(s + i, 1, n, out);
		}
	}
}

/* The shortest %g form that reads back as V (as Go's FormatFloat 'g', -1,
 * which Prometheus uses for le labels) */
static void shortest(char *buf, size_t len, double v)
{
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(buf, len, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

/* "# HELP" and "# TYPE" (and "# UNIT") of a family.  NAME is the sample
 * name; an OpenMetrics counter family is named without "_total" */
static void family(FILE *out, enum metrics_format fmt, const char *name,
		   const char *type, const char *unit, const char *help)
{
	size_t len = strlen(name);

	if (fmt == METRICS_OPENMETRICS && !strcmp(type, "counter") &&
	    len > 6 && !strcmp(name + len - 6, "_total"))
		len -= 6;
	fprintf(out, "# HELP " PREFIX "%.*s %s\n", (int)len, name, help);
	fprintf(out, "# TYPE " PREFIX "%.*s %s\n", (int)len, name, type);
	if (fmt == METRICS_OPENMETRICS && unit)
		fprintf(out, "# UNIT " PREFIX "%.*s %s\n", (int)len, name, unit);
}

/* --- IOAS rows, merged by their labels ----------------------------------- */

static int cc_rank(int cc)	/* worst wins when merging */
{
	return cc == CC_REFUSED ? 3 : cc == CC_OFF ? 2 : cc == CC_ENFORCED ? 1 : 0;
}

static void stat_add(struct ioas_stat *d, const struct ioas_stat *s)
{
	int i;

	d->ndevs += s->ndevs;
	d->naccess += s->naccess;
	d->nhwpt += s->nhwpt;
	d->nhwpt_nested += s->nhwpt_nested;
	d->mapped += s->mapped;
	d->pinned += s->pinned;
	d->maps += s->maps;
	d->unmaps += s->unmaps;
	d->copies += s->copies;
	d->pins += s->pins;
	d->unpins += s->unpins;
	d->errors += s->errors;
	d->events += s->events;
	d->lat_count += s->lat_count;
	d->lat_sum_ns += s->lat_sum_ns;
	for (i = 0; i < IT_TOP_OPS; i++)
		d->op_errors[i] += s->op_errors[i];
	for (i = 0; i < IT_TOP_HIST; i++)
		d->lat_hist[i] += s->lat_hist[i];
	if (cc_rank(s->cc) > cc_rank(d->cc))
		d->cc = s->cc;
	if (s->charge > d->charge)
		d->charge = s->charge;
	d->faults += s->faults;
	/* a device is bound to one iommufd: the rows' devices differ */
	for (i = 0; i < IT_TOP_FAULT_DEVS && s->fault_devs[i].name[0]; i++) {
		int j;

		for (j = 0; j < IT_TOP_FAULT_DEVS && d->fault_devs[j].name[0]; j++)
			;
		if (j < IT_TOP_FAULT_DEVS)
			d->fault_devs[j] = s->fault_devs[i];
	}
}

static int ioas_cmp(const void *a, const void *b)
{
	const struct ioas_stat *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->type1 != y->type1)
		return x->type1 < y->type1 ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strncmp(x->comm, y->comm, sizeof(x->comm));
}

/* A merged IOAS and its labels, escaped once: "{pid=..,comm=..,ioas=.." */
struct ioas_series {
	struct ioas_stat s;
	char labels[128];	/* a comm expands at most 3x (U+FFFD) */
};

/* The frame's IOAS stats, sorted and merged by (pid, ioas, comm) */
static int merged_ioas(const struct frame *f, struct ioas_series *m)
{
	int i, n = 0;

	for (i = 0; i < f->nioas; i++)
		m[i].s = f->ioas[i].s;
	qsort(m, f->nioas, sizeof(*m), ioas_cmp);
	for (i = 0; i < f->nioas; i++) {
		if (n && !ioas_cmp(&m[n - 1].s, &m[i].s))
			stat_add(&m[n - 1].s, &m[i].s);
		else
			m[n++].s = m[i].s;
	}
	for (i = 0; i < n; i++) {
		FILE *out = fmemopen(m[i].labels, sizeof(m[i].labels), "w");
		char id[16];

		if (!out)
			return -1;
		fprintf(out, "{pid=\"%u\",comm=\"", m[i].s.pid);
		label_value(out, m[i].s.comm, sizeof(m[i].s.comm));
		ioas_label(id, sizeof(id), &m[i].s);
		fprintf(out, "\",ioas=\"%s\"", id);
		fclose(out);
	}
	return n;
}

typedef double (*ioas_value)(const struct ioas_stat *s);
static double v_mapped(const struct ioas_stat *s) { return s->mapped; }
static double v_pinned(const struct ioas_stat *s) { return s->pinned * PAGE_BYTES; }
/* Charged to RLIMIT_MEMLOCK: account_mode user or mm (not none: CAP_IPC_LOCK) */
static double v_charged(const struct ioas_stat *s)
{
	return s->charge >= 2 ? s->pinned * PAGE_BYTES : 0;
}
static double v_devs(const struct ioas_stat *s) { return s->ndevs; }
static double v_access(const struct ioas_stat *s) { return s->naccess; }
static double v_events(const struct ioas_stat *s) { return s->events; }
static double v_faults(const struct ioas_stat *s) { return s->faults; }

static void ioas_family(FILE *out, enum metrics_format fmt,
			const struct ioas_series *m, int n, const char *name,
			const char *type, const char *unit, const char *help,
			ioas_value value)
{
	int i;

	family(out, fmt, name, type, unit, help);
	for (i = 0; i < n; i++) {
		fputs(PREFIX, out);
		fputs(name, out);
		fputs(m[i].labels, out);
		fprintf(out, "} %.17g\n", value(&m[i].s));
	}
}

static const char *const op_names[IT_TOP_OPS] = {
	[IOAS_OP_MAP] = "map", [IOAS_OP_UNMAP] = "unmap",
	[IOAS_OP_COPY] = "copy", [IOAS_OP_PIN] = "pin",
	[IOAS_OP_ATTACH] = "attach", [IOAS_OP_OTHER] = "other",
};

/*
 * probe: the frame's events came from probes (docs/probe-mode.md): the
 * families of what they cannot know (pins, accesses, HWPTs, coherency,
 * faults) have no sample, and the pin/unpin operations and pin errors
 * neither.  nk: the rows whose such families are written (0 or n).
 */
static void write_ioas(FILE *out, enum metrics_format fmt,
		       const struct ioas_series *m, int n, bool probe)
{
	int nk = probe ? 0 : n;

	static const char *const states[] = { "none", "off", "enforced", "refused" };
	static const int state_cc[] = { CC_NONE, CC_OFF, CC_ENFORCED, CC_REFUSED };
	char le[IT_TOP_HIST][24];
	int i, j, b;

	for (b = HIST_FIRST; b < IT_TOP_HIST - 1; b++)
		shortest(le[b], sizeof(le[b]), ldexp(1, b + 1) / 1e9);
	ioas_family(out, fmt, m, n, "ioas_mapped_bytes", "gauge", "bytes",
		    "Bytes mapped in the IOAS (IOVA ranges of its areas).", v_mapped);
	ioas_family(out, fmt, m, nk, "ioas_pinned_bytes", "gauge", "bytes",
		    "Bytes of pages pinned for the IOAS and charged (4 KiB pages).",
		    v_pinned);
	ioas_family(out, fmt, m, nk, "ioas_charged_pinned_bytes", "gauge", "bytes",
		    "Of the pinned bytes, those charged to RLIMIT_MEMLOCK (account mode user or mm).",
		    v_charged);
	ioas_family(out, fmt, m, n, "ioas_devices", "gauge", NULL,
		    "Devices attached to a HWPT of the IOAS.", v_devs);
	ioas_family(out, fmt, m, nk, "ioas_accesses", "gauge", NULL,
		    "Accesses (emulated devices) attached to the IOAS.", v_access);
	family(out, fmt, "ioas_hwpts", "gauge", NULL,
	       "HWPTs on the IOAS, by kind (paging: kernel-managed; nested: user-managed, parent on it).");
	for (i = 0; i < nk; i++) {
		fputs(PREFIX "ioas_hwpts", out);
		fputs(m[i].labels, out);
		fprintf(out, ",kind=\"paging\"} %d\n", m[i].s.nhwpt);
		fputs(PREFIX "ioas_hwpts", out);
		fputs(m[i].labels, out);
		fprintf(out, ",kind=\"nested\"} %d\n", m[i].s.nhwpt_nested);
	}
	family(out, fmt, "ioas_coherency", "gauge", NULL,
	       "Cache coherency (snoop control) of the IOAS's HWPTs: 1 for the current state.");
	for (i = 0; i < nk; i++)
		for (j = 0; j < 4; j++) {
			fputs(PREFIX "ioas_coherency", out);
			fputs(m[i].labels, out);
			fprintf(out, ",state=\"%s\"} %d\n", states[j],
				m[i].s.cc == state_cc[j]);
		}
	family(out, fmt, "ioas_operations_total", "counter", NULL,
	       "Successful operations on the IOAS since iommutop started, by op.");
	for (i = 0; i < n; i++) {
		const __u64 v[] = { m[i].s.maps, m[i].s.unmaps, m[i].s.copies,
				    m[i].s.pins, m[i].s.unpins };
		static const char *const ops[] = { "map", "unmap", "copy",
						   "pin", "unpin" };

		for (j = 0; j < (probe ? 3 : 5); j++) {	/* not pin, unpin */
			fputs(PREFIX "ioas_operations_total", out);
			fputs(m[i].labels, out);
			fprintf(out, ",op=\"%s\"} %llu\n", ops[j],
				(unsigned long long)v[j]);
		}
	}
	family(out, fmt, "ioas_errors_total", "counter", NULL,
	       "Operations on the IOAS that returned an error since iommutop started, by op.");
	for (i = 0; i < n; i++)
		for (j = 0; j < IT_TOP_OPS; j++) {
			if (probe && j == IOAS_OP_PIN)
				continue;
			fputs(PREFIX "ioas_errors_total", out);
			fputs(m[i].labels, out);
			fprintf(out, ",op=\"%s\"} %llu\n", op_names[j],
				(unsigned long long)m[i].s.op_errors[j]);
		}
	ioas_family(out, fmt, m, n, "ioas_events_total", "counter", NULL,
		    "iommutrace events applied to the IOAS since iommutop started.",
		    v_events);
	ioas_family(out, fmt, m, nk, "ioas_dma_faults_total", "counter", NULL,
		    "VT-d DMA faults of devices attached to the IOAS (intel_iommu:dmar_fault).",
		    v_faults);
	family(out, fmt, "device_dma_faults_total", "counter", NULL,
	       "VT-d DMA faults per device, with the IOAS it was attached to (the first 4 devices that faulted per IOAS).");
	for (i = 0; i < nk; i++)
		for (j = 0; j < IT_TOP_FAULT_DEVS && m[i].s.fault_devs[j].name[0]; j++) {
			fputs(PREFIX "device_dma_faults_total", out);
			fputs(m[i].labels, out);
			fputs(",device=\"", out);
			label_value(out, m[i].s.fault_devs[j].name,
				    sizeof(m[i].s.fault_devs[j].name));
			fprintf(out, "\"} %llu\n",
				(unsigned long long)m[i].s.fault_devs[j].faults);
		}
	family(out, fmt, "ioas_map_duration_seconds", "histogram", "seconds",
	       "IOMMU_IOAS_MAP latency, from the ioctl's entry to the map event.");
	for (i = 0; i < n; i++) {
		__u64 cum = 0;

		for (b = 0; b < HIST_FIRST; b++)
			cum += m[i].s.lat_hist[b];
		for (b = HIST_FIRST; b < IT_TOP_HIST - 1; b++) {
			cum += m[i].s.lat_hist[b];
			fputs(PREFIX "ioas_map_duration_seconds_bucket", out);
			fputs(m[i].labels, out);
			fprintf(out, ",le=\"%s\"} %llu\n", le[b], (unsigned long long)cum);
		}
		fputs(PREFIX "ioas_map_duration_seconds_bucket", out);
		fputs(m[i].labels, out);
		fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)m[i].s.lat_count);
		fputs(PREFIX "ioas_map_duration_seconds_sum", out);
		fputs(m[i].labels, out);
		fprintf(out, "} %.9f\n", m[i].s.lat_sum_ns / 1e9);
		fputs(PREFIX "ioas_map_duration_seconds_count", out);
		fputs(m[i].labels, out);
		fprintf(out, "} %llu\n", (unsigned long long)m[i].s.lat_count);
	}
}

static void write_limits(FILE *out, enum metrics_format fmt,
			 const struct memlock_limit *l, int n)
{
	int i;

	family(out, fmt, "process_memlock_limit_bytes", "gauge", "bytes",
	       "Soft RLIMIT_MEMLOCK of a process holding an IOAS (+Inf: unlimited).");
	for (i = 0; i < n; i++) {
		if (l[i].bytes < 0)
			continue;
		fprintf(out, PREFIX "process_memlock_limit_bytes{pid=\"%u\"} ", l[i].pid);
		if (isinf(l[i].bytes))
			fputs("+Inf\n", out);
		else
			fprintf(out, "%.17g\n", l[i].bytes);
	}
}

/* --- locks, merged by their labels --------------------------------------- */

static int lock_cmp(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;

	if (x->o.kind != y->o.kind)
		return x->o.kind < y->o.kind ? -1 : 1;
	if (x->o.id != y->o.id)
		return x->o.id < y->o.id ? -1 : 1;
	return x->o.pid < y->o.pid ? -1 : x->o.pid > y->o.pid;
}

static int merged_locks(const struct frame *f, struct lock_row *m)
{
	int i, n = 0;

	memcpy(m, f->locks, f->nlocks * sizeof(*m));
	qsort(m, f->nlocks, sizeof(*m), lock_cmp);
	for (i = 0; i < f->nlocks; i++) {
		if (n && !lock_cmp(&m[n - 1], &m[i])) {
			m[n - 1].st.contended += m[i].st.contended;
			m[n - 1].st.wait_ns += m[i].st.wait_ns;
			if (m[i].st.max_ns > m[n - 1].st.max_ns)
				m[n - 1].st.max_ns = m[i].st.max_ns;
		} else {
			m[n++] = m[i];
		}
	}
	return n;
}

static void write_locks(FILE *out, enum metrics_format fmt,
			const struct lock_row *m, int n, const struct frame *f)
{
	static const char *const names[] = { "lock_contentions_total",
		"lock_wait_seconds_total", "lock_max_wait_seconds" };
	static const char *const help[] = {
		"Times a task waited for the lock since iommutop started.",
		"Total time tasks waited for the lock since iommutop started.",
		"Longest single wait for the lock since iommutop started." };
	int i, k;

	for (k = 0; k < 3; k++) {
		family(out, fmt, names[k], k < 2 ? "counter" : "gauge",
		       k ? "seconds" : NULL, help[k]);
		for (i = 0; i < n; i++) {
			const struct lock_stat *st = &m[i].st;

			fprintf(out, PREFIX "%s{lock=\"%s\",owner_kind=\"%s\",owner_id=\"%u\",owner_pid=\"%u\"} ",
				names[k], lock_kind_name(m[i].o.kind),
				lock_owner_kind(m[i].o.kind), m[i].o.id, m[i].o.pid);
			if (k == 0)
				fprintf(out, "%llu\n", (unsigned long long)st->contended);
			else
				fprintf(out, "%.9f\n", (k == 1 ? st->wait_ns : st->max_ns) / 1e9);
		}
	}
	family(out, fmt, "lock_caller_contentions_total", "counter", NULL,
	       "Contentions on locks no event named, by the iommufd/VT-d function that took them.");
	for (i = 0; i < f->ncallers; i++) {
		fputs(PREFIX "lock_caller_contentions_total{caller=\"", out);
		label_value(out, f->callers[i].caller, sizeof(f->callers[i].caller));
		fprintf(out, "\"} %llu\n", (unsigned long long)f->callers[i].st.contended);
	}
	family(out, fmt, "lock_caller_wait_seconds_total", "counter", "seconds",
	       "Wait on locks no event named, by the iommufd/VT-d function that took them.");
	for (i = 0; i < f->ncallers; i++) {
		fputs(PREFIX "lock_caller_wait_seconds_total{caller=\"", out);
		label_value(out, f->callers[i].caller, sizeof(f->callers[i].caller));
		fprintf(out, "\"} %.9f\n", f->callers[i].st.wait_ns / 1e9);
	}
}

void metrics_write(FILE *out, const struct frame *f, enum metrics_format fmt,
		   const struct memlock_limit *limits, int nlimits)
{
	struct ioas_series *ioas = calloc(f->nioas + 1, sizeof(*ioas));
	struct lock_row *locks = calloc(f->nlocks + 1, sizeof(*locks));
	int nioas, nlocks, i;

	if (!ioas || !locks) {
		free(ioas);
		free(locks);
		return;	/* the caller sees an empty body and answers 500 */
	}
	nioas = merged_ioas(f, ioas);
	nlocks = merged_locks(f, locks);
	if (nioas < 0) {
		free(ioas);
		free(locks);
		return;
	}
	family(out, fmt, "source_info", "gauge", NULL,
	       "Where iommutop's events come from: 1 for the source label (tracepoint; probe: fentry/fexit on a kernel without the iommutrace tracepoints, unknown values have no sample).");
	fprintf(out, PREFIX "source_info{source=\"%s\"} 1\n",
		f->probe ? "probe" : "tracepoint");
	write_ioas(out, fmt, ioas, nioas, f->probe);
	write_limits(out, fmt, limits, nlimits);
	write_locks(out, fmt, locks, nlocks, f);
	family(out, fmt, "ioas_tracked", "gauge", NULL,
	       "IOAS rows in iommutop's BPF map (its capacity: iommutrace_ioas_capacity).");
	fprintf(out, PREFIX "ioas_tracked %d\n", f->nioas);
	family(out, fmt, "ioas_capacity", "gauge", NULL,
	       "IOASes iommutop can track; more are counted in iommutrace_dropped_total.");
	fprintf(out, PREFIX "ioas_capacity %zu\n", sizeof(f->ioas) / sizeof(f->ioas[0]));
	family(out, fmt, "dropped_total", "counter", NULL,
	       "BPF map updates that did not fit, by cause.");
	for (i = 0; i < DROP_NR; i++)
		fprintf(out, PREFIX "dropped_total{cause=\"%s\"} %llu\n",
			drop_cause_name(i), (unsigned long long)f->drops[i]);
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", out);
	free(ioas);
	free(locks);
}
