// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame.c - turn iommutop's BPF maps into one frame (rates, latency
 * percentiles, lock attribution) and print it as text or JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "frame.h"
#include "json_string.h"

static const char *const lock_names[LK_NR] = {
	[LK_IOAS_MUTEX] = "ioas->mutex",
	[LK_IOVA_RWSEM] = "iopt.iova_rwsem",
	[LK_DOMAINS_RWSEM] = "iopt.domains_rwsem",
	[LK_PAGES_MUTEX] = "pages->mutex",
	[LK_ACCESS_IOAS_LOCK] = "access->ioas_lock",
	[LK_IGROUP_LOCK] = "igroup->lock",
	[LK_DMAR_DOMAIN_LOCK] = "dmar_domain->lock",
	[LK_INTEL_IOMMU_LOCK] = "intel_iommu->lock",
	[LK_QI_LOCK] = "qi->q_lock",
	[LK_TYPE1_LOCK] = "vfio_iommu->lock",
};

static const char *const drop_names[DROP_NR] = {
	[DROP_IOAS_FULL] = "ioas_full",
	[DROP_MEMBERS_FULL] = "members_full",
	[DROP_PAGES_OWNER_FULL] = "pages_owner_full",
	[DROP_FAULT_DEV_FULL] = "fault_dev_full",
	[DROP_LOCK_OWNERS_FULL] = "lock_owners_full",
	[DROP_LOCK_STATS_FULL] = "lock_stats_full",
	[DROP_LOCK_WAITERS_FULL] = "lock_waiters_full",
	[DROP_CALLERS_FULL] = "callers_full",
	[DROP_WAITING_FULL] = "waiting_full",
	[DROP_STACK] = "stack",
	[DROP_TIME] = "time",
	[DROP_TID_IOAS] = "tid_ioas",
};

const char *drop_cause_name(int cause)
{
	return cause >= 0 && cause < DROP_NR && drop_names[cause] ?
	       drop_names[cause] : "unknown";
}

const char *lock_kind_name(int kind)
{
	return kind >= 0 && kind < LK_NR ? lock_names[kind] : "unknown";
}

/* What owns a lock of this kind: "ioas", "hwpt", "access", "dmar",
 * "type1" (a VFIO type1 container) */
const char *lock_owner_kind(int kind)
{
	switch (kind) {
	case LK_TYPE1_LOCK: return "type1";
	case LK_ACCESS_IOAS_LOCK: return "access";
	case LK_IGROUP_LOCK: return "hwpt";
	case LK_DMAR_DOMAIN_LOCK:
	case LK_INTEL_IOMMU_LOCK:
	case LK_QI_LOCK: return "dmar";
	default: return "ioas";
	}
}

void ioas_label(char *buf, size_t len, const struct ioas_stat *s)
{
	snprintf(buf, len, "%s%u", s->type1 ? "t" : "", s->id);
}

const char *cc_name(const struct ioas_stat *s)
{
	static const char *const reasons[] = { "enforced", "already_enforced",
					       "no_snoop_control",
					       "has_mappings" };

	switch (s->cc) {
	case CC_OFF: return "off";
	case CC_ENFORCED: return "enforced";
	case CC_REFUSED:
		return s->cc_reason < 4 ? reasons[s->cc_reason] : "refused";
	default: return "n/a";
	}
}

/* Upper bound (ns) of the bucket holding the q-quantile, 0 if empty */
__u64 hist_quantile(const __u64 *hist, int n, double q)
{
	__u64 total = 0, seen = 0, want;
	int i;

	for (i = 0; i < n; i++)
		total += hist[i];
	if (!total)
		return 0;
	want = (__u64)(q * total + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < n; i++) {
		seen += hist[i];
		if (seen >= want)
			return i >= 63 ? ~0ULL : (2ULL << i) - 1;
	}
	return ~0ULL;
}

/*
 * The same IOAS in the previous frame: same address, and same id and
 * creator (a new IOAS allocated where a destroyed one was is not it)
 */
static const struct ioas_prev *find_prev(const struct frame *prev,
					 const struct ioas_row *r)
{
	int i;

	for (i = 0; prev && i < prev->nioas; i++)
		if (prev->ioas[i].key == r->key &&
		    prev->ioas[i].s.id == r->s.id &&
		    prev->ioas[i].s.pid == r->s.pid)
			return &prev->ioas[i].prev;
	return NULL;
}

static double rate(__u64 now, __u64 before, double secs)
{
	return secs > 0 && now >= before ? (now - before) / secs : 0;
}

void frame_rates(struct frame *f, const struct frame *prev)
{
	double secs = prev ? (f->ts_ns - prev->ts_ns) / 1e9 : 0;
	int i;

	f->interval_s = secs;
	for (i = 0; i < f->nioas; i++) {
		struct ioas_row *r = &f->ioas[i];
		const struct ioas_prev *p = find_prev(prev, r);

		r->prev.maps = r->s.maps;
		r->prev.unmaps = r->s.unmaps;
		r->prev.pins = r->s.pins;
		static const struct ioas_prev none;

		/* An IOAS created since the last frame started from 0 */
		if (!p && !r->s.preexisting)
			p = &none;
		if (p) {
			r->maps_s = rate(r->s.maps, p->maps, secs);
			r->unmaps_s = rate(r->s.unmaps, p->unmaps, secs);
			r->pins_s = rate(r->s.pins, p->pins, secs);
		}
		r->lat_avg_ns = r->s.lat_count ? r->s.lat_sum_ns / r->s.lat_count : 0;
		r->lat_p99_ns = hist_quantile(r->s.lat_hist, IT_TOP_HIST, 0.99);
	}
}

static int cmp_u64_desc(__u64 a, __u64 b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_s64_desc(__s64 a, __s64 b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_double_desc(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static enum sort_key sort_by;

static int cmp_ioas(const void *a, const void *b)
{
	const struct ioas_row *x = a, *y = b;
	int c = 0;

	switch (sort_by) {
	case SORT_MAPPED: c = cmp_s64_desc(x->s.mapped, y->s.mapped); break;
	case SORT_RATE:		/* not truncated: 0.9/s before 0.5/s */
		c = cmp_double_desc(x->maps_s + x->unmaps_s,
				    y->maps_s + y->unmaps_s);
		break;
	case SORT_ERRORS: c = cmp_u64_desc(x->s.errors, y->s.errors); break;
	default: break;
	}
	if (c)
		return c;
	if (x->s.pid != y->s.pid)
		return x->s.pid < y->s.pid ? -1 : 1;
	return x->s.id < y->s.id ? -1 : x->s.id > y->s.id;
}

/* Does a word of sym (after its start or a '_') begin with part? */
static bool has_word(const char *sym, const char *part)
{
	const char *p;

	for (p = strstr(sym, part); p; p = strstr(p + 1, part))
		if (p == sym || p[-1] == '_')
			return true;
	return false;
}

bool is_lock_frame(const char *sym)
{
	static const char *const parts[] = { "mutex", "rwsem", "bpf", "trace",
					     "contention" };
	unsigned int i;

	/* "lock" and "down" as words: _raw_spin_lock, down_write, but not
	 * device_block_translation or shutdown */
	if (has_word(sym, "lock") || has_word(sym, "down"))
		return true;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(sym, parts[i]))
			return true;
	return false;
}

bool is_iommu_caller(const char *sym)
{
	static const char *const prefixes[] = { "iommufd", "iopt_", "iommu",
						"__iommu", "intel_", "dmar_",
						"domain_", "qi_", "cache_tag",
						"device_block_translation" };
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(sym, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

enum caller_class caller_class_of(const char *sym)
{
	if (is_lock_frame(sym))
		return CALLER_SKIP;
	return is_iommu_caller(sym) ? CALLER_IOMMU : CALLER_OTHER;
}

void frame_add_caller(struct frame *f, const char *caller,
		      const struct caller_stat *cs)
{
	struct caller_row *r = NULL;
	int i;

	for (i = 0; i < f->ncallers; i++)
		if (!strcmp(f->callers[i].caller, caller))
			r = &f->callers[i];
	if (!r) {
		if (f->ncallers == (int)(sizeof(f->callers) / sizeof(f->callers[0])))
			return;
		r = &f->callers[f->ncallers++];
		memset(r, 0, sizeof(*r));
		snprintf(r->caller, sizeof(r->caller), "%s", caller);
	}
	r->st.contended += cs->st.contended;
	r->st.wait_ns += cs->st.wait_ns;
	if (cs->st.max_ns > r->st.max_ns)
		r->st.max_ns = cs->st.max_ns;
	memcpy(r->comm, cs->comm, sizeof(r->comm));
}

static int cmp_lock(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;
	int c = cmp_u64_desc(x->st.wait_ns, y->st.wait_ns);

	if (c)
		return c;
	c = cmp_u64_desc(x->st.contended, y->st.contended);
	if (c)
		return c;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->o.gen < y->o.gen ? -1 : x->o.gen > y->o.gen;
}

void lock_rows_sort(struct lock_row *rows, int n)
{
	qsort(rows, n, sizeof(*rows), cmp_lock);
}

void lock_row_waiter(struct lock_row *r, __u32 tgid, __u64 wait_ns,
		     const char *comm)
{
	if (tgid && tgid == r->top_tgid) {
		r->top_wait_ns += wait_ns;	/* folded twice: same process */
		return;
	}
	if (wait_ns > r->top_wait_ns) {
		r->top_tgid = tgid;
		r->top_wait_ns = wait_ns;
		memset(r->top_comm, 0, sizeof(r->top_comm));
		memcpy(r->top_comm, comm, strnlen(comm, sizeof(r->top_comm)));
	}
}

void lock_row_merge(struct lock_row *r, const struct lock_row *add)
{
	r->st.contended += add->st.contended;
	r->st.wait_ns += add->st.wait_ns;
	if (add->st.max_ns > r->st.max_ns)
		r->st.max_ns = add->st.max_ns;
	if (add->top_wait_ns)
		lock_row_waiter(r, add->top_tgid, add->top_wait_ns,
				add->top_comm);
}

static int cmp_caller(const void *a, const void *b)
{
	const struct caller_row *x = a, *y = b;

	return cmp_u64_desc(x->st.wait_ns, y->st.wait_ns);
}

void frame_sort(struct frame *f, enum sort_key key)
{
	sort_by = key;
	qsort(f->ioas, f->nioas, sizeof(f->ioas[0]), cmp_ioas);
	qsort(f->locks, f->nlocks, sizeof(f->locks[0]), cmp_lock);
	qsort(f->callers, f->ncallers, sizeof(f->callers[0]), cmp_caller);
}

const char *sort_name(enum sort_key key)
{
	static const char *const names[] = { "id", "mapped", "rate", "errors" };

	return key < SORT_NR ? names[key] : "id";
}

/* 1536 -> "1.5K", in powers of 1024; bytes */
static void human(char *buf, size_t len, double v)
{
	static const char units[] = " KMGTP";
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* ns -> "12.3us" */
static void dur(char *buf, size_t len, __u64 ns)
{
	if (!ns)
		snprintf(buf, len, "-");
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000ULL)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

void frame_print_text(FILE *out, const struct frame *f, int rows)
{
	char mapped[16], avg[16], p99[16], age[16], wait[16], max[16];
	int i, n;

	fprintf(out, "iommutop  frame %llu  interval %.1fs  IOAS %d  contended locks %d  dropped %llu%s\n",
		(unsigned long long)f->seq, f->interval_s, f->nioas,
		f->nlocks + f->ncallers, (unsigned long long)f->dropped,
		f->probe ? "  source probe (-: not known)" : "");
	fprintf(out, "%5s %-7s %-15s %4s %4s %5s %9s %8s %-17s %7s %7s %7s %8s %8s %5s %6s %7s\n",
		"IOAS", "PID", "COMM", "DEVS", "ACC", "HWPT", "MAPPED", "PINNED",
		"COHERENCY", "MAP/s", "UNMAP/s", "PIN/s", "LAT_AVG", "LAT_P99",
		"ERR", "FAULTS", "AGE");
	n = rows >= 0 && rows < f->nioas ? rows : f->nioas;
	for (i = 0; i < n; i++) {
		const struct ioas_row *r = &f->ioas[i];
		char hwpt[16], acc[12], pinned[24], pins_s[16], faults[24];
		char id[16];

		human(mapped, sizeof(mapped), r->s.mapped);
		dur(avg, sizeof(avg), r->lat_avg_ns);
		dur(p99, sizeof(p99), r->lat_p99_ns);
		if (!r->s.last_ns)
			snprintf(age, sizeof(age), "-");
		else if (f->ts_ns <= r->s.last_ns)
			snprintf(age, sizeof(age), "0");	/* during collection */
		else
			dur(age, sizeof(age), f->ts_ns - r->s.last_ns);
		if (r->s.nhwpt_nested)
			snprintf(hwpt, sizeof(hwpt), "%d+%dn", r->s.nhwpt,
				 r->s.nhwpt_nested);
		else
			snprintf(hwpt, sizeof(hwpt), "%d", r->s.nhwpt);
		ioas_label(id, sizeof(id), &r->s);
		snprintf(acc, sizeof(acc), "%d", r->s.naccess);
		snprintf(pinned, sizeof(pinned), "%lld", (long long)r->s.pinned);
		snprintf(pins_s, sizeof(pins_s), "%.1f", r->pins_s);
		snprintf(faults, sizeof(faults), "%llu",
			 (unsigned long long)r->s.faults);
		if (f->probe) {	/* what probes cannot know */
			strcpy(hwpt, "-");
			strcpy(acc, "-");
			strcpy(pinned, "-");
			strcpy(pins_s, "-");
			strcpy(faults, "-");
		}
		fprintf(out, "%5s %-7u %-15.15s %4d %4s %5s %9s %8s %-17s %7.1f %7.1f %7s %8s %8s %5llu %6s %7s\n",
			id, r->s.pid, r->s.comm[0] ? r->s.comm : "-",
			r->s.ndevs, acc, hwpt, mapped, pinned,
			f->probe ? "-" : cc_name(&r->s), r->maps_s, r->unmaps_s,
			pins_s, avg, p99, (unsigned long long)r->s.errors,
			faults, age);
	}
	fprintf(out, "\n%-20s %-16s %10s %10s %10s %-16s\n", "LOCK", "OWNER/PID",
		"CONTENDED", "WAIT", "MAX_WAIT", "TOP_WAITER");
	for (i = 0; i < f->nlocks; i++) {
		const struct lock_row *l = &f->locks[i];
		char owner[24];

		if (l->o.pid)
			snprintf(owner, sizeof(owner), "%s %u/%u%s",
				 lock_owner_kind(l->o.kind), l->o.id, l->o.pid,
				 l->owner_gone ? "*" : "");
		else
			snprintf(owner, sizeof(owner), "%s %u%s",
				 lock_owner_kind(l->o.kind), l->o.id,
				 l->owner_gone ? "*" : "");
		dur(wait, sizeof(wait), l->st.wait_ns);
		dur(max, sizeof(max), l->st.max_ns);
		fprintf(out, "%-20s %-16s %10llu %10s %10s %-16s\n",
			lock_kind_name(l->o.kind), owner,
			(unsigned long long)l->st.contended, wait, max,
			l->top_comm);
	}
	/* Locks no event named: by the iommufd / VT-d function that took them */
	for (i = 0; i < f->ncallers; i++) {
		const struct caller_row *c = &f->callers[i];

		dur(wait, sizeof(wait), c->st.wait_ns);
		dur(max, sizeof(max), c->st.max_ns);
		fprintf(out, "%-37.37s %10llu %10s %10s %-16s\n", c->caller,
			(unsigned long long)c->st.contended, wait, max, c->comm);
	}
}

void frame_print_json(FILE *out, const struct frame *f)
{
	int i, b;

	fprintf(out, "{\"ts_ns\":%llu,\"frame\":%llu,\"interval_s\":%.3f,\"source\":\"%s\",\"dropped\":{",
		(unsigned long long)f->ts_ns, (unsigned long long)f->seq,
		f->interval_s, f->probe ? "probe" : "tracepoint");
	for (i = 0; i < DROP_NR; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "", drop_cause_name(i),
			(unsigned long long)f->drops[i]);
	fputs("},\"ioas\":[", out);
	for (i = 0; i < f->nioas; i++) {
		const struct ioas_row *r = &f->ioas[i];

		fprintf(out, "%s{\"ioas_id\":%u,\"kind\":\"%s\",\"pid\":%u,\"comm\":",
			i ? "," : "", r->s.id, r->s.type1 ? "type1" : "iommufd",
			r->s.pid);
		it_json_string(out, r->s.comm, sizeof(r->s.comm));
		if (f->probe) {	/* what probes cannot know: null */
			fprintf(out, ",\"preexisting\":%s,\"devices\":%d,\"accesses\":null,"
				"\"hwpts\":null,\"hwpts_nested\":null,\"mapped_bytes\":%lld,"
				"\"pinned_pages\":null,\"coherency\":null,"
				"\"maps\":%llu,\"unmaps\":%llu,\"copies\":%llu,\"pins\":null,"
				"\"maps_per_s\":%.1f,\"unmaps_per_s\":%.1f,\"pins_per_s\":null,",
				r->s.preexisting ? "true" : "false", r->s.ndevs,
				(long long)r->s.mapped, (unsigned long long)r->s.maps,
				(unsigned long long)r->s.unmaps,
				(unsigned long long)r->s.copies, r->maps_s,
				r->unmaps_s);
		} else {
			fprintf(out, ",\"preexisting\":%s,\"devices\":%d,\"accesses\":%d,"
				"\"hwpts\":%d,\"hwpts_nested\":%d,\"mapped_bytes\":%lld,"
				"\"pinned_pages\":%lld,\"coherency\":\"%s\","
				"\"maps\":%llu,\"unmaps\":%llu,\"copies\":%llu,\"pins\":%llu,"
				"\"maps_per_s\":%.1f,\"unmaps_per_s\":%.1f,\"pins_per_s\":%.1f,",
				r->s.preexisting ? "true" : "false", r->s.ndevs,
				r->s.naccess, r->s.nhwpt, r->s.nhwpt_nested,
				(long long)r->s.mapped, (long long)r->s.pinned,
				cc_name(&r->s), (unsigned long long)r->s.maps,
				(unsigned long long)r->s.unmaps,
				(unsigned long long)r->s.copies,
				(unsigned long long)r->s.pins, r->maps_s,
				r->unmaps_s, r->pins_s);
		}
		fprintf(out, "\"map_lat_avg_ns\":%llu,\"map_lat_p99_ns\":%llu,"
			"\"errors\":%llu,\"last_event_age_ns\":%llu,\"map_lat_hist\":[",
			(unsigned long long)r->lat_avg_ns,
			(unsigned long long)r->lat_p99_ns,
			(unsigned long long)r->s.errors,
			(unsigned long long)(r->s.last_ns && f->ts_ns > r->s.last_ns ?
					     f->ts_ns - r->s.last_ns : 0));
		for (b = 0; b < IT_TOP_HIST; b++)
			fprintf(out, "%s%llu", b ? "," : "",
				(unsigned long long)r->s.lat_hist[b]);
		if (f->probe) {
			fputs("],\"faults\":null,\"fault_devices\":null}", out);
			continue;
		}
		fprintf(out, "],\"faults\":%llu,\"fault_devices\":[",
			(unsigned long long)r->s.faults);
		for (b = 0; b < IT_TOP_FAULT_DEVS && r->s.fault_devs[b].name[0]; b++) {
			fprintf(out, "%s{\"device\":", b ? "," : "");
			it_json_string(out, r->s.fault_devs[b].name,
				       sizeof(r->s.fault_devs[b].name));
			fprintf(out, ",\"faults\":%llu}",
				(unsigned long long)r->s.fault_devs[b].faults);
		}
		fputs("]}", out);
	}
	fputs("],\"locks\":[", out);
	for (i = 0; i < f->nlocks; i++) {
		const struct lock_row *l = &f->locks[i];

		fprintf(out, "%s{\"lock\":\"%s\",\"addr\":\"0x%llx\",\"gen\":%llu,\"owner\":\"%s\",\"owner_id\":%u,"
			"\"owner_pid\":%u,\"owner_gone\":%s,\"contended\":%llu,"
			"\"wait_ns\":%llu,\"max_wait_ns\":%llu,\"top_waiter\":",
			i ? "," : "", lock_kind_name(l->o.kind),
			(unsigned long long)l->addr, (unsigned long long)l->o.gen,
			lock_owner_kind(l->o.kind), l->o.id, l->o.pid,
			l->owner_gone ? "true" : "false",
			(unsigned long long)l->st.contended,
			(unsigned long long)l->st.wait_ns,
			(unsigned long long)l->st.max_ns);
		it_json_string(out, l->top_comm, sizeof(l->top_comm));
		fputc('}', out);
	}
	for (i = 0; i < f->ncallers; i++) {
		const struct caller_row *c = &f->callers[i];

		fprintf(out, "%s{\"lock\":\"unknown\",\"caller\":", f->nlocks + i ? "," : "");
		it_json_string(out, c->caller, sizeof(c->caller));
		fprintf(out, ",\"owner\":\"unknown\",\"contended\":%llu,\"wait_ns\":%llu,"
			"\"max_wait_ns\":%llu,\"top_waiter\":",
			(unsigned long long)c->st.contended,
			(unsigned long long)c->st.wait_ns,
			(unsigned long long)c->st.max_ns);
		it_json_string(out, c->comm, sizeof(c->comm));
		fputc('}', out);
	}
	fputs("]}\n", out);
}
