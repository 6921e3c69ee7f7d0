// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * format.c - event names, errno names and the text / JSON Lines output of
 * ioastrace.  No BPF here: unit-tested on the host (tests/unit).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "ioastrace.h"
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

const char *it_errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ EDEADLK, "EDEADLK" }, { ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOTTY, "ENOTTY" }, { ETIMEDOUT, "ETIMEDOUT" },
	};
	unsigned int i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return NULL;
}

/* The fields of a record, and which each event has */
enum fld {
	F_END, F_IOAS, F_IOAS2, F_UNPIN_IOAS, F_HWPT, F_HWPT2, F_DEV, F_ACCESS,
	F_PT, F_IOVA, F_IOVA2, F_LENGTH, F_UNMAPPED, F_USER_VA, F_NPAGES,
	F_NPINNED, F_TOTAL, F_LOCKED, F_LIMIT, F_PAGE_SIZE, F_FLAGS,
	F_DATA_TYPE, F_COUNT, F_DONE, F_FAULT, F_GRPID, F_COOKIE, F_UID,
	F_MEM_PID, F_PASID, F_DID, F_AUTO, F_ENFORCED, F_REASON, F_NESTED,
	F_COMPAT, F_INJECTED, F_REMOTE, F_NAME,
};

struct field {
	enum fld f;
	const char *name;	/* JSON key; text key is the same without _id */
};

#define FIELDS(...) ((const struct field[]){ __VA_ARGS__, { F_END, NULL } })

static const struct field *const event_fields[IT_NR_EVENTS] = {
	[IT_IOAS_ALLOC] = FIELDS({ F_IOAS, "ioas_id" }),
	[IT_IOAS_DESTROY] = FIELDS({ F_IOAS, "ioas_id" }),
	[IT_HWPT_ALLOC] = FIELDS({ F_HWPT, "hwpt_id" }, { F_PT, "pt_id" },
				 { F_IOAS, "ioas_id" }, { F_DEV, "dev_id" },
				 { F_FLAGS, "flags" },
				 { F_DATA_TYPE, "data_type" },
				 { F_NESTED, "nested" },
				 { F_AUTO, "auto_domain" },
				 { F_ENFORCED, "enforce_cc" }),
	[IT_HWPT_DESTROY] = FIELDS({ F_HWPT, "hwpt_id" }, { F_IOAS, "ioas_id" },
				   { F_NESTED, "nested" }),
	[IT_DEVICE_BIND] = FIELDS({ F_DEV, "dev_id" }, { F_NAME, "device" },
				  { F_ENFORCED, "cc_capable" }),
	[IT_DEVICE_UNBIND] = FIELDS({ F_DEV, "dev_id" }, { F_NAME, "device" }),
	[IT_ACCESS_CREATE] = FIELDS({ F_ACCESS, "access_id" }),
	[IT_ACCESS_DESTROY] = FIELDS({ F_ACCESS, "access_id" }),
	[IT_DEVICE_ATTACH] = FIELDS({ F_DEV, "dev_id" }, { F_HWPT, "hwpt_id" },
				    { F_IOAS, "ioas_id" }, { F_PT, "pt_id" },
				    { F_ENFORCED, "enforce_cc" },
				    { F_COUNT, "group_devices" }),
	[IT_DEVICE_REPLACE] = FIELDS({ F_DEV, "dev_id" }, { F_HWPT, "hwpt_id" },
				     { F_HWPT2, "old_hwpt_id" },
				     { F_IOAS, "ioas_id" }, { F_PT, "pt_id" },
				     { F_ENFORCED, "enforce_cc" },
				     { F_COUNT, "group_devices" }),
	[IT_DEVICE_DETACH] = FIELDS({ F_DEV, "dev_id" }, { F_HWPT, "hwpt_id" },
				    { F_IOAS, "ioas_id" },
				    { F_COUNT, "group_devices" }),
	[IT_ACCESS_CHANGE_IOAS] = FIELDS({ F_ACCESS, "access_id" },
					 { F_IOAS, "old_ioas_id" },
					 { F_UNPIN_IOAS, "unpin_ioas_id" },
					 { F_IOAS2, "new_ioas_id" }),
	[IT_ACCESS_UNMAP_BEGIN] = FIELDS({ F_ACCESS, "access_id" },
					 { F_IOAS, "ioas_id" },
					 { F_IOVA, "iova" },
					 { F_LENGTH, "length" }),
	[IT_ACCESS_UNMAP_END] = FIELDS({ F_ACCESS, "access_id" },
				       { F_IOAS, "ioas_id" }, { F_IOVA, "iova" },
				       { F_LENGTH, "length" }),
	[IT_IOAS_MAP] = FIELDS({ F_IOAS, "ioas_id" }, { F_IOVA, "iova" },
			       { F_LENGTH, "length" }, { F_USER_VA, "user_va" },
			       { F_FLAGS, "flags" }, { F_COMPAT, "compat" }),
	[IT_IOAS_UNMAP] = FIELDS({ F_IOAS, "ioas_id" }, { F_IOVA, "iova" },
				 { F_LENGTH, "length" },
				 { F_UNMAPPED, "unmapped" },
				 { F_COMPAT, "compat" }),
	[IT_IOAS_COPY] = FIELDS({ F_IOAS, "src_ioas_id" },
				{ F_IOAS2, "dst_ioas_id" },
				{ F_IOVA, "src_iova" }, { F_IOVA2, "dst_iova" },
				{ F_LENGTH, "length" }, { F_FLAGS, "flags" }),
	[IT_PAGES_PIN] = FIELDS({ F_USER_VA, "user_va" },
				{ F_NPAGES, "npages" }, { F_NPINNED, "npinned" },
				{ F_TOTAL, "total_pages" },
				{ F_REASON, "account_mode" },
				{ F_LOCKED, "locked" }, { F_LIMIT, "limit" },
				{ F_UID, "uid" }, { F_MEM_PID, "mem_pid" }),
	[IT_PAGES_UNPIN] = FIELDS({ F_USER_VA, "user_va" },
				  { F_NPAGES, "npages" },
				  { F_NPINNED, "npinned" },
				  { F_TOTAL, "total_pages" },
				  { F_REASON, "account_mode" },
				  { F_LOCKED, "locked" }, { F_LIMIT, "limit" },
				  { F_UID, "uid" }, { F_MEM_PID, "mem_pid" }),
	[IT_PAGES_PIN_FAIL] = FIELDS({ F_USER_VA, "user_va" },
				     { F_NPAGES, "npages" },
				     { F_MEM_PID, "mem_pid" },
				     { F_INJECTED, "injected" },
				     { F_REMOTE, "remote" }),
	[IT_ACCESS_PIN] = FIELDS({ F_ACCESS, "access_id" },
				 { F_IOAS, "ioas_id" },
				 { F_UNPIN_IOAS, "unpin_ioas_id" },
				 { F_IOVA, "iova" }, { F_LENGTH, "length" },
				 { F_FLAGS, "flags" }),
	[IT_ACCESS_UNPIN] = FIELDS({ F_ACCESS, "access_id" },
				   { F_IOAS, "ioas_id" }, { F_IOVA, "iova" },
				   { F_LENGTH, "length" }),
	[IT_GROUP_SETUP_MSI] = FIELDS({ F_HWPT, "hwpt_id" },
				      { F_IOVA, "sw_msi_start" },
				      { F_ENFORCED, "new_cookie" }),
	[IT_HWPT_INVALIDATE] = FIELDS({ F_HWPT, "hwpt_id" },
				      { F_DATA_TYPE, "data_type" },
				      { F_COUNT, "entry_num" },
				      { F_DONE, "done_num" }),
	[IT_HWPT_SET_DIRTY] = FIELDS({ F_HWPT, "hwpt_id" },
				     { F_ENFORCED, "enable" }),
	[IT_HWPT_GET_DIRTY] = FIELDS({ F_HWPT, "hwpt_id" }, { F_IOVA, "iova" },
				     { F_LENGTH, "length" },
				     { F_PAGE_SIZE, "page_size" },
				     { F_FLAGS, "flags" }),
	[IT_FAULT_DELIVER] = FIELDS({ F_FAULT, "fault_id" },
				    { F_HWPT, "hwpt_id" }, { F_DEV, "dev_id" },
				    { F_PASID, "pasid" }, { F_GRPID, "grpid" },
				    { F_FLAGS, "perm" }, { F_IOVA, "addr" },
				    { F_COUNT, "fault_count" }),
	[IT_FAULT_RESPOND] = FIELDS({ F_FAULT, "fault_id" }, { F_DEV, "dev_id" },
				    { F_GRPID, "grpid" },
				    { F_COOKIE, "cookie" },
				    { F_REASON, "code" },
				    { F_AUTO, "auto_response" }),
	[IT_VTD_ENFORCE_CC] = FIELDS({ F_ENFORCED, "enforced" },
				     { F_REASON, "reason" }),
	[IT_VTD_DOMAIN_ATTACH] = FIELDS({ F_NAME, "device" }),
	[IT_VTD_DOMAIN_DETACH] = FIELDS({ F_NAME, "device" }),
	[IT_VTD_PASID_SETUP] = FIELDS({ F_NAME, "device" }, { F_PASID, "pasid" },
				      { F_DID, "did" }, { F_REASON, "pgtt" }),
	[IT_VTD_PASID_TEARDOWN] = FIELDS({ F_NAME, "device" },
					 { F_PASID, "pasid" }, { F_DID, "did" },
					 { F_REASON, "pgtt" }),
};

static const char *reason_name(int type, int reason)
{
	static const char *const account[] = { "none", "user", "mm" };
	static const char *const cc[] = { "enforced", "already_enforced",
					  "no_snoop_control", "has_mappings" };
	static const char *const pgtt[] = { "", "first_level", "second_level",
					    "nested", "pass_through" };
	static const char *const code[] = { "success", "invalid" };

	switch (type) {
	case IT_PAGES_PIN:
	case IT_PAGES_UNPIN:
		return reason < 3 ? account[reason] : "unknown";
	case IT_FAULT_RESPOND:
		return reason < 2 ? code[reason] : "unknown";
	case IT_VTD_ENFORCE_CC:
		return reason < 4 ? cc[reason] : "unknown";
	default:
		return reason >= 1 && reason < 5 ? pgtt[reason] : "unknown";
	}
}

static bool is_hex(enum fld f)
{
	return f == F_IOVA || f == F_IOVA2 || f == F_USER_VA || f == F_FLAGS;
}

static __u64 field_value(const struct iommutrace_event *e, enum fld f)
{
	switch (f) {
	case F_IOAS: return e->ioas;
	case F_IOAS2: return e->ioas2;
	case F_HWPT: return e->hwpt;
	case F_HWPT2: return e->hwpt2;
	case F_DEV: return e->dev;
	case F_ACCESS: return e->access;
	case F_PT: return e->pt;
	case F_IOVA: return e->iova;
	case F_IOVA2: return e->iova2;
	case F_LENGTH: return e->length;
	case F_UNMAPPED: return e->unmapped;
	case F_USER_VA: return e->user_va;
	case F_NPAGES: return e->npages;
	case F_NPINNED: return e->npinned;
	case F_TOTAL: return e->total;
	case F_LOCKED: return e->locked;
	case F_LIMIT: return e->limit;
	case F_PAGE_SIZE: return e->page_size;
	case F_UNPIN_IOAS: return e->unpin_ioas;
	case F_DATA_TYPE: return e->data_type;
	case F_COUNT: return e->count;
	case F_DONE: return e->done;
	case F_FAULT: return e->fault;
	case F_GRPID: return e->grpid;
	case F_COOKIE: return e->cookie;
	case F_MEM_PID: return e->mem_pid;
	case F_COMPAT: return e->compat;
	case F_INJECTED: return e->injected;
	case F_REMOTE: return e->remote;
	case F_FLAGS: return e->flags;
	case F_UID: return e->uid;
	case F_PASID: return e->pasid;
	case F_DID: return e->did;
	case F_AUTO: return e->auto_domain;
	case F_ENFORCED: return e->enforced;
	case F_NESTED: return e->nested;
	default: return 0;
	}
}

static void print_fields(FILE *out, const struct iommutrace_event *e,
			 bool json)
{
	const struct field *fl = e->type < IT_NR_EVENTS ? event_fields[e->type] : NULL;
	char name[IT_NAME_LEN + 1];

	for (; fl && fl->f != F_END; fl++) {
		const char *key = fl->name;
		size_t len = strlen(key);

		if (json) {
			fprintf(out, ",\"%s\":", key);
		} else {
			if (len > 3 && !strcmp(key + len - 3, "_id"))
				len -= 3;
			fprintf(out, " %.*s=", (int)len, key);
		}
		if (fl->f == F_NAME) {
			memcpy(name, e->name, IT_NAME_LEN);
			name[IT_NAME_LEN] = '\0';
			if (json)
				it_json_string(out, e->name, IT_NAME_LEN);
			else
				fputs(name[0] ? name : "-", out);
		} else if (fl->f == F_REASON) {
			const char *r = reason_name(e->type, e->reason);

			if (json)
				it_json_string(out, r, strlen(r));
			else
				fputs(r, out);
		} else if (is_hex(fl->f)) {
			fprintf(out, json ? "%llu" : "0x%llx",
				(unsigned long long)field_value(e, fl->f));
		} else {
			fprintf(out, "%llu",
				(unsigned long long)field_value(e, fl->f));
		}
	}
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

static const struct it_fault *fault_of(const struct iommutrace_event *e)
{
	return &((const struct iommutrace_fault_event *)e)->f;
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
			    const struct iommutrace_event *e,
			    const struct it_hist_op *op, int state,
			    const struct it_clock *clk)
{
	char comm[IT_COMM_LEN + 1], ts[32];

	fprintf(out, " %s=\"", key);
	switch (state) {
	case IT_HIST_FOUND:
		memcpy(comm, op->comm, IT_COMM_LEN);
		comm[IT_COMM_LEN] = '\0';
		fprintf(out, "0x%llx+0x%llx %s by %u/%s %.6f s before",
			(unsigned long long)op->iova,
			(unsigned long long)op->length, hist_kind(op->kind),
			op->pid, comm, (e->ts_ns - op->ts_ns) / 1e9);
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
			IT_HIST_OPS, e->ioas);
		break;
	default:
		fputs("IOAS unknown: device attached before tracing", out);
	}
	fputc('"', out);
}

static void fault_text(FILE *out, const struct iommutrace_event *e,
		       const struct it_clock *clk)
{
	const struct it_fault *f = fault_of(e);
	char name[IT_NAME_LEN + 1];

	memcpy(name, e->name, IT_NAME_LEN);
	name[IT_NAME_LEN] = '\0';
	fprintf(out, " device=%s dev=%u ioas=%u hwpt=%u addr=0x%llx %s reason=0x%02x \"%.*s\"",
		name, e->dev, e->ioas, e->hwpt, (unsigned long long)e->iova,
		f->read ? "read" : "write", e->reason, IT_REASON_LEN,
		f->reason_str);
	if ((int)e->did < 0)
		fputs(" did=none", out);
	else
		fprintf(out, " did=%u", e->did);
	if (e->pasid == (__u32)-1)
		fputs(" pasid=none", out);
	else
		fprintf(out, " pasid=%u", e->pasid);
	fault_hist_text(out, "last_map", e, &f->last_map, f->map_state, clk);
	fault_hist_text(out, "last_unmap", e, &f->last_unmap, f->unmap_state,
			clk);
}

static void fault_hist_json(FILE *out, const char *key,
			    const struct iommutrace_event *e,
			    const struct it_hist_op *op, int state)
{
	fprintf(out, ",\"%s\":{\"state\":\"%s\"", key,
		it_hist_state_name(state));
	if (state == IT_HIST_FOUND) {
		fprintf(out, ",\"op\":\"%s\",\"ts_ns\":%llu,\"age_ns\":%llu,\"pid\":%u,\"comm\":",
			hist_kind(op->kind), (unsigned long long)op->ts_ns,
			(unsigned long long)(e->ts_ns - op->ts_ns), op->pid);
		it_json_string(out, op->comm, IT_COMM_LEN);
		fprintf(out, ",\"iova\":%llu,\"length\":%llu",
			(unsigned long long)op->iova,
			(unsigned long long)op->length);
	}
	fputc('}', out);
}

static void fault_json(FILE *out, const struct iommutrace_event *e)
{
	const struct it_fault *f = fault_of(e);

	fputs(",\"device\":", out);
	it_json_string(out, e->name, IT_NAME_LEN);
	fprintf(out, ",\"dev_id\":%u,\"ioas_id\":%u,\"hwpt_id\":%u,\"iommu\":",
		e->dev, e->ioas, e->hwpt);
	it_json_string(out, f->iommu, IT_COMM_LEN);
	fprintf(out, ",\"segment\":%u,\"source_id\":%u,\"addr\":%llu,\"access\":\"%s\",\"reason\":%u,\"reason_name\":",
		f->segment, f->source_id, (unsigned long long)e->iova,
		f->read ? "read" : "write", e->reason);
	it_json_string(out, f->reason_str, IT_REASON_LEN);
	if ((int)e->did < 0)
		fputs(",\"did\":null", out);
	else
		fprintf(out, ",\"did\":%u", e->did);
	if (e->pasid == (__u32)-1)
		fputs(",\"pasid\":null", out);
	else
		fprintf(out, ",\"pasid\":%u", e->pasid);
	fprintf(out, ",\"history\":{\"kept\":%d,\"ops_recorded\":%llu",
		IT_HIST_OPS, (unsigned long long)f->hist_ops);
	fault_hist_json(out, "last_map", e, &f->last_map, f->map_state);
	fault_hist_json(out, "last_unmap", e, &f->last_unmap, f->unmap_state);
	fputc('}', out);
}

void it_print_header(FILE *out, const struct it_clock *clk)
{
	fprintf(out, "%-15s %-7s %-16s %-26s %9s %-10s %s\n",
		clk->timestamp ? "TIME" : "TIME(s)", "PID", "COMM", "EVENT",
		"LAT(us)", "RET", "DETAILS");
}

void it_print_text(FILE *out, const struct iommutrace_event *e,
		   struct it_clock *clk)
{
	char comm[IT_COMM_LEN + 1], ts[32], lat[24], ret[24];
	const char *en;

	if (!clk->start_ns)
		clk->start_ns = e->ts_ns;
	if (clk->timestamp)
		format_wall(ts, sizeof(ts), clk, e->ts_ns);
	else
		snprintf(ts, sizeof(ts), "%.6f",
			 (e->ts_ns - clk->start_ns) / 1e9);
	if (e->lat_ns)
		snprintf(lat, sizeof(lat), "%.1f", e->lat_ns / 1e3);
	else
		snprintf(lat, sizeof(lat), "-");
	en = it_errno_name(e->ret);
	if (!e->ret)
		snprintf(ret, sizeof(ret), "0");
	else if (en)
		snprintf(ret, sizeof(ret), "%s", en);
	else
		snprintf(ret, sizeof(ret), "%d", e->ret);
	memcpy(comm, e->comm, IT_COMM_LEN);
	comm[IT_COMM_LEN] = '\0';

	fprintf(out, "%-15s %-7u %-16s %-26s %9s %-10s", ts, e->pid, comm,
		it_event_name(e->type), lat, ret);
	if (e->type == IT_VTD_DMA_FAULT)
		fault_text(out, e, clk);
	else
		print_fields(out, e, false);
	fputc('\n', out);
}

void it_print_json(FILE *out, const struct iommutrace_event *e,
		   const struct it_clock *clk)
{
	const char *en = it_errno_name(e->ret);
	char ts[32];

	fprintf(out, "{\"ts_ns\":%llu", (unsigned long long)e->ts_ns);
	if (clk->timestamp) {
		format_wall(ts, sizeof(ts), clk, e->ts_ns);
		fprintf(out, ",\"time\":\"%s\"", ts);
	}
	fprintf(out, ",\"event\":\"%s\",\"system\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":",
		it_event_name(e->type), it_event_system(e->type), e->pid,
		e->tid);
	it_json_string(out, e->comm, IT_COMM_LEN);
	fprintf(out, ",\"ret\":%d,\"errno\":", e->ret);
	if (e->ret && en)
		fprintf(out, "\"%s\"", en);
	else
		fputs("null", out);
	fprintf(out, ",\"lat_ns\":%llu", (unsigned long long)e->lat_ns);
	if (e->type == IT_VTD_DMA_FAULT)
		fault_json(out, e);
	else
		print_fields(out, e, true);
	fputs("}\n", out);
}
