// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * format.c - event names, errno names and the text / JSON Lines output of
 * ioastrace.  No BPF here: unit-tested on the host (tests/unit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include "ioastrace.h"
#include "errno_name.h"
#include "json_string.h"

#define IT_NAME(e, name, sys)	[IT_##e] = #name,
#define IT_SYS(e, name, sys)	[IT_##e] = #sys,
static const char *const event_names[IT_NR_EVENTS] = { IOMMUTRACE_EVENTS(IT_NAME) };
static const char *const event_systems[IT_NR_EVENTS] = { IOMMUTRACE_EVENTS(IT_SYS) };

const char *it_event_name(int type)
{
	return type >= 0 && type < IT_NR_EVENTS ? event_names[type] : "unknown";
}

const char *it_event_system(int type)
{
	return type >= 0 && type < IT_NR_EVENTS ? event_systems[type] : "unknown";
}

int it_event_lookup(const char *name)
{
	static const char prefix[] = "iommufd_";
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++) {
		const char *n = event_names[i];

		if (!strcmp(name, n))
			return i;
		if (!strncmp(n, prefix, sizeof(prefix) - 1) &&
		    !strcmp(name, n + sizeof(prefix) - 1))
			return i;
	}
	return -1;
}

/* The fields of each event, from the definitions in iommutrace.h */
#define IT_FIELD_DESC(E, type, name, kind)				\
	{ #name, #type, offsetof(struct it_##E, name),			\
	  sizeof(((struct it_##E *)0)->name), IT_K_##kind },
#define IT_FIELD_TABLE(e, name, sys)					\
	static const struct it_field fields_##name[] = {		\
		IT_F_##name(IT_FIELD_DESC, name) { NULL, NULL, 0, 0, 0 } \
	};
IOMMUTRACE_EVENTS(IT_FIELD_TABLE)
#define IT_FIELD_PTR(e, name, sys)	[IT_##e] = fields_##name,
static const struct it_field *const event_fields[IT_NR_EVENTS] = {
	IOMMUTRACE_EVENTS(IT_FIELD_PTR)
};

const struct it_field *it_event_fields(int type)
{
	return type >= 0 && type < IT_NR_EVENTS ? event_fields[type] : NULL;
}

static const char *const kind_names[IT_K_NR] = {
	[IT_K_DEC] = "DEC", [IT_K_HEX] = "HEX", [IT_K_IOAS] = "IOAS",
	[IT_K_DEV] = "DEV", [IT_K_STR] = "STR", [IT_K_ACCOUNT] = "ACCOUNT",
	[IT_K_CODE] = "CODE", [IT_K_CC] = "CC", [IT_K_ATTACH] = "ATTACH",
	[IT_K_PGTT] = "PGTT", [IT_K_DOMTYPE] = "DOMTYPE",
	[IT_K_PASIDST] = "PASIDST",
};

const char *it_kind_name(int kind)
{
	return kind >= 0 && kind < IT_K_NR ? kind_names[kind] : "unknown";
}

/* The names of the kernel's enums the events record */
const char *it_enum_name(int kind, unsigned long long v)
{
	static const char *const account[] = { "none", "user", "mm" };
	static const char *const code[] = { "success", "invalid" };
	static const char *const cc[] = { "enforced", "already_enforced",
					  "no_snoop_control", "has_mappings" };
	static const char *const attach[] = { "ok", "no_snoop_control",
					      "no_dirty_tracking", "addr_width",
					      "no_pasid", "dirty_pasid",
					      "copied_context", "failed" };
	static const char *const pgtt[] = { "none", "first_level",
					    "second_level", "nested",
					    "pass_through" };
	static const char *const domtype[] = { "blocked", "identity",
					       "first_level", "second_level",
					       "nested", "sva" };
	static const char *const pasidst[] = { "present", "fpd", "absent" };
#define PICK(t)	(v < sizeof(t) / sizeof(t[0]) ? t[v] : "unknown")

	switch (kind) {
	case IT_K_ACCOUNT: return PICK(account);
	case IT_K_CODE: return PICK(code);
	case IT_K_CC: return PICK(cc);
	case IT_K_ATTACH: return PICK(attach);
	case IT_K_PGTT: return PICK(pgtt);
	case IT_K_DOMTYPE: return PICK(domtype);
	case IT_K_PASIDST: return PICK(pasidst);
	default: return "unknown";
	}
#undef PICK
}

/* A numeric field's value, sign-extended for the signed types */
static long long field_signed(const void *p, const struct it_field *f)
{
	switch (f->size) {
	case 1: return *(const __s8 *)p;
	case 2: return *(const __s16 *)p;
	case 4: return *(const __s32 *)p;
	default: return *(const __s64 *)p;
	}
}

static unsigned long long field_unsigned(const void *p,
					 const struct it_field *f)
{
	switch (f->size) {
	case 1: return *(const __u8 *)p;
	case 2: return *(const __u16 *)p;
	case 4: return *(const __u32 *)p;
	default: return *(const __u64 *)p;
	}
}

static void print_value(FILE *out, const void *payload,
			const struct it_field *f, bool json)
{
	const char *p = (const char *)payload + f->offset;
	unsigned long long v;

	if (f->kind == IT_K_STR) {
		if (json)
			it_json_string(out, p, f->size);
		else if (*p)
			fprintf(out, "%.*s", (int)strnlen(p, f->size), p);
		else
			fputc('-', out);
		return;
	}
	if (f->type[0] == 's') {
		fprintf(out, "%lld", field_signed(p, f));
		return;
	}
	v = field_unsigned(p, f);
	if (f->kind >= IT_K_ACCOUNT) {
		const char *n = it_enum_name(f->kind, v);

		if (json)
			it_json_string(out, n, strlen(n));
		else
			fputs(n, out);
	} else if (f->kind == IT_K_HEX && !json) {
		fprintf(out, "0x%llx", v);
	} else {
		fprintf(out, "%llu", v);
	}
}

static void print_fields(FILE *out, const struct it_event *e, bool json)
{
	const struct it_field *first = it_event_fields(e->h.type), *f;

	for (f = first; f && f->name; f++) {
		size_t len = strlen(f->name);

		if (f->offset + f->size > e->h.size)
			break;		/* a record of another build */
		if (json) {
			fprintf(out, ",\"%s\":", f->name);
		} else {
			if (len > 3 && !strcmp(f->name + len - 3, "_id"))
				len -= 3;
			fprintf(out, " %.*s=", (int)len, f->name);
		}
		if (f - first < 32 && (e->h.missing >> (f - first)) & 1)
			fputs(json ? "null" : "-", out);	/* not known */
		else
			print_value(out, &e->u, f, json);
	}
}

const char *it_source_name(int source)
{
	return source == IT_SRC_PROBE ? "probe" :
	       source == IT_SRC_TYPE1 ? "type1" :
	       source == IT_SRC_TRACEPOINT ? "tracepoint" : "unknown";
}

static void format_wall(char *buf, size_t len, const struct it_clock *clk,
			__u64 ts_ns)
{
	__u64 real = ts_ns + clk->mono_to_real_ns;
	time_t secs = real / 1000000000ULL;
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06llu", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (unsigned long long)(real % 1000000000ULL) / 1000);
}

/* --- DMA faults ---------------------------------------------------------- */

static const struct it_fault_record *fault_of(const struct it_event *e)
{
	return (const struct it_fault_record *)e;
}

static const char *const hist_states[] = {
	[IT_HIST_FOUND] = "found",
	[IT_HIST_NEVER] = "never_while_traced",
	[IT_HIST_WRAPPED] = "not_in_last_ops",
	[IT_HIST_NO_IOAS] = "ioas_unknown",
};

const char *it_hist_state_name(int state)
{
	return state >= 0 && state <= IT_HIST_NO_IOAS ? hist_states[state] :
							"unknown";
}

static const char *hist_kind(int kind)
{
	return kind == IT_HIST_UNMAP ? "unmap" :
	       kind == IT_HIST_COPY ? "copy" : "map";
}

/* last_map="0x100000+0x2000 map by 83/comm 0.475123 s before [at T]" */
static void fault_hist_text(FILE *out, const char *key,
			    const struct it_fault_record *r,
			    const struct it_hist_op *op, int state,
			    const struct it_clock *clk)
{
	char ts[32];

	fprintf(out, " %s=\"", key);
	switch (state) {
	case IT_HIST_FOUND:
		fprintf(out, "0x%llx+0x%llx %s by %u/%.*s %.6f s before",
			(unsigned long long)op->iova,
			(unsigned long long)op->length, hist_kind(op->kind),
			op->pid, (int)strnlen(op->comm, IT_COMM_LEN), op->comm,
			(r->h.ts_ns - op->ts_ns) / 1e9);
		if (clk->timestamp) {
			format_wall(ts, sizeof(ts), clk, op->ts_ns);
			fprintf(out, " at %s", ts);
		}
		break;
	case IT_HIST_NEVER:
		fprintf(out, "never %sped while traced",
			strcmp(key, "last_map") ? "unmap" : "map");
		break;
	case IT_HIST_WRAPPED:
		fprintf(out, "not in the last %d operations on IOAS %u",
			IT_HIST_OPS, r->hist.ioas_id);
		break;
	default:
		fputs("IOAS unknown: device attached before tracing", out);
	}
	fputc('"', out);
}

static void fault_text(FILE *out, const struct it_event *e,
		       const struct it_clock *clk)
{
	const struct it_fault_record *r = fault_of(e);
	const struct it_dmar_fault *f = &r->f;

	fprintf(out, " device=%.*s dev=%u ioas=%u hwpt=%u addr=0x%llx %s reason=0x%02x \"%.*s\"",
		(int)strnlen(f->device, sizeof(f->device)), f->device,
		r->hist.dev_id, r->hist.ioas_id, r->hist.hwpt_id,
		(unsigned long long)f->addr, f->read ? "read" : "write",
		f->reason, (int)strnlen(f->reason_name, sizeof(f->reason_name)),
		f->reason_name);
	if (f->did < 0)
		fputs(" did=none", out);
	else
		fprintf(out, " did=%d", f->did);
	if (f->pasid == (__u32)-1)
		fputs(" pasid=none", out);
	else
		fprintf(out, " pasid=%u", f->pasid);
	fault_hist_text(out, "last_map", r, &r->hist.last_map,
			r->hist.map_state, clk);
	fault_hist_text(out, "last_unmap", r, &r->hist.last_unmap,
			r->hist.unmap_state, clk);
}

static void fault_hist_json(FILE *out, const char *key,
			    const struct it_fault_record *r,
			    const struct it_hist_op *op, int state)
{
	fprintf(out, ",\"%s\":{\"state\":\"%s\"", key,
		it_hist_state_name(state));
	if (state == IT_HIST_FOUND) {
		fprintf(out, ",\"op\":\"%s\",\"ts_ns\":%llu,\"age_ns\":%llu,\"pid\":%u,\"comm\":",
			hist_kind(op->kind), (unsigned long long)op->ts_ns,
			(unsigned long long)(r->h.ts_ns - op->ts_ns), op->pid);
		it_json_string(out, op->comm, IT_COMM_LEN);
		fprintf(out, ",\"iova\":%llu,\"length\":%llu",
			(unsigned long long)op->iova,
			(unsigned long long)op->length);
	}
	fputc('}', out);
}

static void fault_json(FILE *out, const struct it_event *e)
{
	const struct it_fault_record *r = fault_of(e);
	const struct it_dmar_fault *f = &r->f;

	fputs(",\"device\":", out);
	it_json_string(out, f->device, sizeof(f->device));
	fprintf(out, ",\"dev_id\":%u,\"ioas_id\":%u,\"hwpt_id\":%u,\"iommu\":",
		r->hist.dev_id, r->hist.ioas_id, r->hist.hwpt_id);
	it_json_string(out, f->iommu, sizeof(f->iommu));
	fprintf(out, ",\"segment\":%u,\"source_id\":%u,\"addr\":%llu,\"access\":\"%s\",\"reason\":%u,\"reason_name\":",
		f->segment, f->source_id, (unsigned long long)f->addr,
		f->read ? "read" : "write", f->reason);
	it_json_string(out, f->reason_name, sizeof(f->reason_name));
	if (f->did < 0)
		fputs(",\"did\":null", out);
	else
		fprintf(out, ",\"did\":%d", f->did);
	if (f->pasid == (__u32)-1)
		fputs(",\"pasid\":null", out);
	else
		fprintf(out, ",\"pasid\":%u", f->pasid);
	fprintf(out, ",\"history\":{\"kept\":%d,\"ops_recorded\":%llu",
		IT_HIST_OPS, (unsigned long long)r->hist.hist_ops);
	fault_hist_json(out, "last_map", r, &r->hist.last_map,
			r->hist.map_state);
	fault_hist_json(out, "last_unmap", r, &r->hist.last_unmap,
			r->hist.unmap_state);
	fputc('}', out);
}

void it_print_header(FILE *out, const struct it_clock *clk)
{
	fprintf(out, "%-15s %-7s %-16s %-26s %9s %-10s %s\n",
		clk->timestamp ? "TIME" : "TIME(s)", "PID", "COMM", "EVENT",
		"LAT(us)", "RET", "DETAILS");
}

void it_print_text(FILE *out, const struct it_event *e, struct it_clock *clk)
{
	char ts[32], lat[24], ret[24];
	const struct it_hdr *h = &e->h;
	const char *en;

	if (!clk->start_ns)
		clk->start_ns = h->ts_ns;
	if (clk->timestamp)
		format_wall(ts, sizeof(ts), clk, h->ts_ns);
	else
		snprintf(ts, sizeof(ts), "%.6f",
			 (h->ts_ns - clk->start_ns) / 1e9);
	if (h->lat_ns)
		snprintf(lat, sizeof(lat), "%.1f", h->lat_ns / 1e3);
	else
		snprintf(lat, sizeof(lat), "-");
	en = it_errno_name(h->ret);
	if (!h->ret)
		snprintf(ret, sizeof(ret), "0");
	else if (en)
		snprintf(ret, sizeof(ret), "%s", en);
	else
		snprintf(ret, sizeof(ret), "%d", h->ret);

	fprintf(out, "%-15s %-7u %-16.*s %-26s %9s %-10s", ts, h->pid,
		(int)strnlen(h->comm, IT_COMM_LEN), h->comm,
		it_event_name(h->type), lat, ret);
	if (h->type == IT_VTD_DMA_FAULT)
		fault_text(out, e, clk);
	else
		print_fields(out, e, false);
	/* not an iommufd IOAS: a VFIO type1 container (docs/probe-mode.md) */
	if (h->source == IT_SRC_TYPE1)
		fputs(" source=type1", out);
	fputc('\n', out);
}

void it_print_json(FILE *out, const struct it_event *e,
		   const struct it_clock *clk)
{
	const struct it_hdr *h = &e->h;
	const char *en = it_errno_name(h->ret);
	char ts[32];

	fprintf(out, "{\"ts_ns\":%llu", (unsigned long long)h->ts_ns);
	if (clk->timestamp) {
		format_wall(ts, sizeof(ts), clk, h->ts_ns);
		fprintf(out, ",\"time\":\"%s\"", ts);
	}
	fprintf(out, ",\"event\":\"%s\",\"system\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":",
		it_event_name(h->type), it_event_system(h->type), h->pid,
		h->tid);
	it_json_string(out, h->comm, IT_COMM_LEN);
	fprintf(out, ",\"ret\":%d,\"errno\":", h->ret);
	if (h->ret && en)
		fprintf(out, "\"%s\"", en);
	else
		fputs("null", out);
	fprintf(out, ",\"lat_ns\":%llu,\"source\":\"%s\"",
		(unsigned long long)h->lat_ns, it_source_name(h->source));
	if (h->type == IT_VTD_DMA_FAULT)
		fault_json(out, e);
	else
		print_fields(out, e, true);
	fputs("}\n", out);
}

/* --fields: each event's fields as JSON Lines, from the definitions */
void it_print_field_list(FILE *out)
{
	const struct it_field *f;
	int i;

	for (i = 0; i < IT_NR_EVENTS; i++) {
		fprintf(out, "{\"event\":\"%s\",\"system\":\"%s\",\"fields\":[",
			it_event_name(i), it_event_system(i));
		for (f = it_event_fields(i); f && f->name; f++)
			fprintf(out, "%s{\"name\":\"%s\",\"type\":\"%s\",\"kind\":\"%s\"}",
				f == it_event_fields(i) ? "" : ",", f->name,
				f->type, it_kind_name(f->kind));
		fputs("]}\n", out);
	}
}
