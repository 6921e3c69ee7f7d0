// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * iommutop - live view of every IOAS (mapped bytes, pinned pages, devices,
 * HWPTs, coherency, rates, map latency) and of the contention on iommufd
 * and VT-d locks, attributed to the IOAS or DMAR unit owning the lock.
 * See iommutop(8) in docs/iommutop.8.md.
 */
#include <errno.h>
#include <limits.h>
#include <ncurses.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iommutrace.h"
#include "frame.h"
#include "http.h"
#include "iommutop.skel.h"
#include "ksyms.h"
#include "map_read.h"
#include "metrics.h"
#include "options.h"
#include "output.h"
#include "tool_helpers.h"

static struct iommutop_env env;
static bool probe;	/* events from probes (--source, docs/probe-mode.md) */

static volatile sig_atomic_t exiting;
/* Set once, by the ksyms thread (kallsyms_thread()); NULL until then */
static struct ksyms *ksyms;
static pthread_t ksyms_thread;
static bool ksyms_started;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!env.verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Every entry of a hash map (it_map_read_all(): each entry once while
 * entries come and go): *keys and *vals (malloc()ed, for max entries) and
 * the count, or -errno.
 */
static int read_map(int fd, size_t ksz, size_t vsz, __u32 max, void **keys,
		    void **vals)
{
	*keys = malloc((size_t)max * ksz + 1);
	*vals = malloc((size_t)max * vsz + 1);
	if (!*keys || !*vals)
		return -ENOMEM;
	return it_map_read_all(fd, ksz, vsz, *keys, *vals, max);
}

static __u32 map_max(const struct bpf_map *m)
{
	return bpf_map__max_entries(m);
}

/*
 * Lock rows whose owner is gone (destroyed, or the address now has another
 * owner): taken out of the BPF maps (lookup-and-delete, so that a wait
 * ending meanwhile is not lost: it makes a new entry, folded next time) and
 * kept here; the least waited are let go beyond GONE_MAX.  Both the frame
 * loop and the HTTP thread collect: under gone.lock.
 */
#define GONE_MAX	4096

static struct {
	pthread_mutex_t lock;
	struct lock_row rows[GONE_MAX];
	int n;
	__u64 evicted;
} gone = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct lock_row *gone_row(__u64 addr, __u64 gen, bool create)
{
	int i, min = 0;

	for (i = 0; i < gone.n; i++)
		if (gone.rows[i].addr == addr && gone.rows[i].o.gen == gen)
			return &gone.rows[i];
	if (!create)
		return NULL;
	if (gone.n < GONE_MAX) {
		i = gone.n++;
	} else {
		for (i = 1; i < gone.n; i++)
			if (gone.rows[i].st.wait_ns < gone.rows[min].st.wait_ns)
				min = i;
		i = min;
		gone.evicted++;
	}
	memset(&gone.rows[i], 0, sizeof(gone.rows[i]));
	gone.rows[i].addr = addr;
	gone.rows[i].o.gen = gen;
	gone.rows[i].owner_gone = true;
	return &gone.rows[i];
}

struct lock_owner_at {
	__u64 addr;
	struct lock_owner o;
};

static int cmp_owner_addr(const void *a, const void *b)
{
	const struct lock_owner_at *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Is (addr, gen) the current owner of addr? */
/* The live owner of the lock at addr in generation gen, or NULL */
static const struct lock_owner_at *
live_owner(const struct lock_owner_at *owners, int n, __u64 addr, __u64 gen)
{
	struct lock_owner_at k = { .addr = addr };
	const struct lock_owner_at *o;

	o = bsearch(&k, owners, n, sizeof(*owners), cmp_owner_addr);
	return o && o->o.gen == gen ? o : NULL;
}

static bool owner_live(const struct lock_owner_at *owners, int n, __u64 addr,
		       __u64 gen)
{
	return live_owner(owners, n, addr, gen) != NULL;
}

static void collect_locks(struct iommutop_bpf *skel, struct frame *f)
{
	const int max_locks = sizeof(f->locks) / sizeof(f->locks[0]);
	int owner_fd = bpf_map__fd(skel->maps.lock_owners);
	int stat_fd = bpf_map__fd(skel->maps.lock_stats);
	int wait_fd = bpf_map__fd(skel->maps.lock_waiters);
	__u64 *okeys = NULL;
	struct lock_owner *ovals = NULL;
	struct lock_key *skeys = NULL;
	struct lock_entry *svals = NULL;
	struct lock_waiter_key *wkeys = NULL;
	struct lock_waiter *wvals = NULL;
	struct lock_owner_at *owners = NULL;
	struct lock_row *rows = NULL, *r;
	int no, ns, nw, i, j, n = 0;

	f->nlocks = 0;
	no = read_map(owner_fd, sizeof(*okeys), sizeof(*ovals),
		      map_max(skel->maps.lock_owners), (void **)&okeys, (void **)&ovals);
	ns = read_map(stat_fd, sizeof(*skeys), sizeof(*svals),
		      map_max(skel->maps.lock_stats), (void **)&skeys, (void **)&svals);
	nw = read_map(wait_fd, sizeof(*wkeys), sizeof(*wvals),
		      map_max(skel->maps.lock_waiters), (void **)&wkeys, (void **)&wvals);
	owners = calloc(no > 0 ? no : 1, sizeof(*owners));
	if (no < 0 || ns < 0 || nw < 0 || !owners)
		goto out;
	for (i = 0; i < no; i++) {
		owners[i].addr = okeys[i];
		owners[i].o = ovals[i];
	}
	qsort(owners, no, sizeof(*owners), cmp_owner_addr);

	pthread_mutex_lock(&gone.lock);
	rows = calloc(ns + GONE_MAX + 1, sizeof(*rows));
	if (!rows) {
		pthread_mutex_unlock(&gone.lock);
		goto out;
	}
	for (i = 0; i < ns; i++) {
		const struct lock_owner_at *live;
		struct lock_entry e;

		live = live_owner(owners, no, skeys[i].lock, skeys[i].gen);
		if (live) {
			r = &rows[n++];
			r->addr = skeys[i].lock;
			/* the owner as it is now: its pid may have been
			 * learnt (start-up snapshot) after the first wait */
			r->o = live->o;
			r->st = svals[i].st;
			continue;
		}
		/* Fold: what the map holds now, atomically taken out */
		if (bpf_map_lookup_and_delete_elem(stat_fd, &skeys[i], &e))
			continue;
		r = gone_row(skeys[i].lock, skeys[i].gen, true);
		r->o = e.o;
		r->st.contended += e.st.contended;
		r->st.wait_ns += e.st.wait_ns;
		if (e.st.max_ns > r->st.max_ns)
			r->st.max_ns = e.st.max_ns;
	}
	/* Waiters: the longest of each live lock; gone locks' are folded */
	for (i = 0; i < nw; i++) {
		const struct lock_waiter_key *k = &wkeys[i];
		struct lock_waiter w;

		if (owner_live(owners, no, k->lock, k->gen)) {
			for (j = 0; j < n; j++)
				if (rows[j].addr == k->lock && rows[j].o.gen == k->gen)
					lock_row_waiter(&rows[j], k->tgid,
							wvals[i].wait_ns, wvals[i].comm);
			continue;
		}
		if (bpf_map_lookup_and_delete_elem(wait_fd, k, &w))
			continue;
		r = gone_row(k->lock, k->gen, false);
		if (r)
			lock_row_waiter(r, k->tgid, w.wait_ns, w.comm);
	}
	memcpy(&rows[n], gone.rows, gone.n * sizeof(*rows));
	n += gone.n;
	pthread_mutex_unlock(&gone.lock);

	/* Sort all, then keep the most waited */
	lock_rows_sort(rows, n);
	f->nlocks = n < max_locks ? n : max_locks;
	memcpy(f->locks, rows, f->nlocks * sizeof(*rows));
out:
	free(okeys);
	free(ovals);
	free(skeys);
	free(svals);
	free(wkeys);
	free(wvals);
	free(owners);
	free(rows);
}

/* Locks no event named: the BPF side kept the iommufd / VT-d callers'
 * stacks (caller_ranges); name the caller */
static void collect_callers(struct iommutop_bpf *skel, struct frame *f)
{
	int cfd = bpf_map__fd(skel->maps.caller_stats);
	int sfd = bpf_map__fd(skel->maps.stacks);
	struct caller_stat *cs = NULL;
	__u32 *ids = NULL;
	__u64 ips[IT_TOP_STACK];
	const struct ksyms *ks = __atomic_load_n(&ksyms, __ATOMIC_ACQUIRE);
	int i, k, n;

	f->ncallers = 0;
	if (!ks)
		return;	/* not loaded yet (or not root): next frame */
	n = read_map(cfd, sizeof(*ids), sizeof(*cs),
		     map_max(skel->maps.caller_stats), (void **)&ids, (void **)&cs);
	for (i = 0; i < n; i++) {
		const char *sym = NULL;

		memset(ips, 0, sizeof(ips));
		if (bpf_map_lookup_elem(sfd, &ids[i], ips))
			continue;
		/* the caller: the first frame outside locking and tracing */
		for (k = 0; k < IT_TOP_STACK && ips[k]; k++) {
			sym = ksyms_name(ks, ips[k]);
			if (sym && !is_lock_frame(sym))
				break;
			sym = NULL;
		}
		if (sym && is_iommu_caller(sym))
			frame_add_caller(f, sym, &cs[i]);
	}
	free(ids);
	free(cs);
}

/*
 * Every IOAS row, each once (batch lookup: no repeats while IOASes come
 * and go), and all of them: the frame holds as many rows as the map can
 * (checked in main()), so sorting and any row limit come after.
 */
static void collect_ioas(struct iommutop_bpf *skel, struct frame *f)
{
	const __u32 max = sizeof(f->ioas) / sizeof(f->ioas[0]);
	__u64 *keys = malloc(max * sizeof(*keys));
	struct ioas_stat *stats = malloc(max * sizeof(*stats));
	static bool said;
	int i, n;

	f->nioas = 0;
	n = keys && stats ?
	    it_map_read_all(bpf_map__fd(skel->maps.ioas_stats), sizeof(*keys),
			    sizeof(*stats), keys, stats, max) : -ENOMEM;
	if (n < 0 && !said)	/* once: the next frames would say it again */
		fprintf(stderr, "iommutop: cannot read the IOAS map: %s\n",
			strerror(-n));
	said |= n < 0;
	for (i = 0; i < n; i++) {
		struct ioas_row *r = &f->ioas[f->nioas++];

		memset(r, 0, sizeof(*r));
		r->key = keys[i];
		r->s = stats[i];
	}
	free(keys);
	free(stats);
}

static void collect(struct iommutop_bpf *skel, struct frame *f)
{
	int i;

	f->ts_ns = now_ns();
	f->probe = probe;
	f->dropped = 0;
	for (i = 0; i < DROP_NR; i++) {
		f->drops[i] = skel->bss->drops[i];
		f->dropped += f->drops[i];
	}
	collect_ioas(skel, f);
	collect_locks(skel, f);
	collect_callers(skel, f);
}

/* The caller filter's ranges, into the BPF object (after the attach: our
 * own programs' symbols, in the stacks, are tracing code) */
static void set_caller_ranges(struct iommutop_bpf *skel, const struct ksyms *ks)
{
	size_t n, needed;

	n = ksyms_caller_ranges(ks, skel->bss->caller_ranges,
				IT_TOP_CALLER_RANGES, &needed);
	if (needed > n)
		fprintf(stderr, "iommutop: %zu caller ranges, %zu kept: some iommufd/VT-d callers are not recognised\n",
			needed, n);
	__atomic_store_n(&skel->bss->caller_nranges, (__u32)n, __ATOMIC_RELEASE);
	if (env.verbose)
		fprintf(stderr, "iommutop: %zu caller ranges\n", n);
}

/* /proc/kallsyms and the caller ranges, beside the snapshot (seconds each
 * on a slow machine); joined before "tracing..." is said */
static void *kallsyms_thread(void *arg)
{
	struct ksyms *ks = ksyms_load();	/* NULL when not root */

	if (ks)
		set_caller_ranges(arg, ks);
	__atomic_store_n(&ksyms, ks, __ATOMIC_RELEASE);
	return NULL;
}

/* Delete every entry of a hash map with __u64 keys */
static void clear_map(int fd)
{
	__u64 key = 0;

	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			break;
}

/*
 * Read the state of what existed before we started: run the snapshot
 * iterator once (each read() of an iterator fd runs the program over the
 * next tasks' files).  After the attach, so that what changes from here on
 * is counted by the events.
 */
static int take_snapshot(struct iommutop_bpf *skel)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = bpf_iter_create(bpf_link__fd(skel->links.snapshot));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		n = -errno;
	close(fd);
	/* The walk's bookkeeping is no state: empty it (the soak's "maps go
	 * back to idle") */
	clear_map(bpf_map__fd(skel->maps.snap_ctx));
	clear_map(bpf_map__fd(skel->maps.snap_pages));
	if (env.verbose)
		fprintf(stderr, "iommutop: snapshot: %u iommufd files, %u objects, %u entries beyond the walk's bounds\n",
			skel->bss->snap_files, skel->bss->snap_objects,
			skel->bss->walk_skipped);
	return n;
}

/* --listen: each scrape reads the maps into its own frame */
static struct {
	pthread_mutex_t lock;
	struct iommutop_bpf *skel;
	struct frame f;
} scrape_state = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *scrape(FILE *out, const char *accept, void *arg)
{
	enum metrics_format fmt = metrics_negotiate(accept);
	struct memlock_limit *limits;
	struct frame *f = &scrape_state.f;
	int i, j, n = 0;

	(void)arg;
	pthread_mutex_lock(&scrape_state.lock);
	collect(scrape_state.skel, f);
	limits = calloc(f->nioas + 1, sizeof(*limits));
	for (i = 0; limits && i < f->nioas; i++) {
		for (j = 0; j < n && limits[j].pid != f->ioas[i].s.pid; j++)
			;
		if (j == n && f->ioas[i].s.pid) {
			limits[n].pid = f->ioas[i].s.pid;
			limits[n++].bytes = metrics_memlock_limit(f->ioas[i].s.pid);
		}
	}
	metrics_write(out, f, fmt, limits, n);
	free(limits);
	pthread_mutex_unlock(&scrape_state.lock);
	return metrics_content_type(fmt);
}

enum pane { PANE_BOTH, PANE_IOAS, PANE_LOCKS, PANE_NR };

static void draw_screen(const struct frame *f, enum sort_key sort,
			enum pane pane)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int y = 0, in_locks = 0;

	if (!mem)
		return;
	frame_print_text(mem, f, -1);
	fclose(mem);
	erase();
	mvprintw(y++, 0, "sort: %s   pane: %s   (q quit, s sort, Tab pane)",
		 sort_name(sort), pane == PANE_BOTH ? "both" :
		 pane == PANE_IOAS ? "IOAS" : "locks");
	for (line = strtok_r(buf, "\n", &save); line && y < LINES;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "LOCK ", 5))
			in_locks = 1;
		if ((pane == PANE_IOAS && in_locks) ||
		    (pane == PANE_LOCKS && !in_locks && y > 1 &&
		     strncmp(line, "iommutop", 8)))
			continue;
		if (!strncmp(line, "IOAS ", 5) || !strncmp(line, "LOCK ", 5))
			attron(A_REVERSE);
		mvprintw(y++, 0, "%.*s", COLS, line);
		attroff(A_REVERSE);
	}
	refresh();
	free(buf);
}

/*
 * Probe mode: keep the probe programs the kernel can attach (iommufd's and
 * VFIO type1 containers') and say so on stderr.  0, or 1 (said why) when
 * there is neither iommufd nor a type1 container to probe.
 */
static int select_probes(struct iommutop_bpf *skel)
{
	long long loaded = it_select_source(skel->obj, true, IOMMUTOP_EVENTS);
	enum it_type1_state t1_state;
	unsigned long long t1;
	bool iommufd;
	int i, n = 0, all = 0, t1_mod;

	if (loaded < 0) {
		fprintf(stderr, "iommutop: kernel BTF not available: %s\n",
			strerror((int)-loaded));
		return 1;
	}
	iommufd = loaded & IT_TOP_EVENT(IT_IOAS_MAP);
	t1 = it_select_type1(skel->obj, IOMMUTOP_EVENTS, &t1_state);
	/* absent: can it be loaded? (1 yes, 0 no, -1 unknown) */
	t1_mod = t1_state == IT_TYPE1_ABSENT ?
		 it_module_state("vfio_iommu_type1") : 0;
	if (!iommufd && !(t1 & IT_TOP_EVENT(IT_IOAS_MAP))) {
		/* auto: why there are no tracepoints says it all */
		if (env.source == IT_SOURCE_OPT_PROBE ||
		    !it_check_kernel("iommutop", NULL))
			fprintf(stderr, "iommutop: no iommufd functions to probe in this kernel's BTF: is iommufd loaded (modprobe iommufd)?\n");
		/* no advice to load a module this kernel does not have */
		if (t1_mod == 1)
			fprintf(stderr, "iommutop: and no VFIO type1 container to probe: %s\n",
				it_type1_absent_why(t1_mod));
		return 1;
	}
	loaded |= t1;
	for (i = 0; i < IT_NR_EVENTS; i++) {
		n += (loaded >> i) & 1;
		all += (IOMMUTOP_EVENTS >> i) & 1;
	}
	fprintf(stderr, "iommutop: source: probe (fentry/fexit on iommufd and VT-d functions; %s): %d of its %d events; not known (-, null): pinned pages, accesses, HWPTs, coherency, DMA faults; what differs: docs/probe-mode.md\n",
		env.source == IT_SOURCE_OPT_PROBE ? "--source probe" :
			"this kernel has no iommutrace tracepoints", n, all);
	if (!iommufd)
		fprintf(stderr, "iommutop: probe: no iommufd functions in this kernel's BTF (no iommufd, or not loaded): iommufd IOASes are not shown\n");
	if (t1_state == IT_TYPE1_ON)
		fprintf(stderr, "iommutop: probe: VFIO type1 containers (vfio_iommu_type1) shown as IOAS rows t1, t2, ... (numbered by iommutop; DEVS: their groups)\n");
	else if (t1_mod == 1)
		fprintf(stderr, "iommutop: probe: %s: VFIO type1 containers are not shown\n",
			it_type1_absent_why(t1_mod));
	return 0;
}

int main(int argc, char **argv)
{
	static struct frame frames[2];
	struct it_output out = { .f = stdout, .tool = "iommutop" };
	struct http_server *http = NULL;
	struct iommutop_bpf *skel;
	enum sort_key sort = SORT_ID;
	enum pane pane = PANE_BOTH;
	long long have;
	bool screen;
	long n = 0;
	int err, cur = 0;

	if (iommutop_parse_args(argc, argv, &env, 0))
		return 2;
	screen = !env.batch && !env.json && !env.listen;
	if (screen && !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "iommutop: stdout is not a terminal: use -b or -j\n");
		return 2;
	}
	libbpf_set_print(libbpf_print);
	have = it_kernel_events();
	if (have < 0 || env.source == IT_SOURCE_OPT_TRACEPOINT ||
	    (env.source == IT_SOURCE_OPT_AUTO && (have & IT_TOP_EVENT(IT_IOAS_MAP)))) {
		/* no BTF, or tracepoints: says why if they are missing */
		if (it_check_kernel("iommutop", NULL))
			return 1;
	} else {
		probe = true;
	}

	skel = iommutop_bpf__open();
	if (!skel) {
		fprintf(stderr, "iommutop: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = env.pid;
	if (probe) {
		if (select_probes(skel)) {
			err = 1;
			goto cleanup;
		}
		/* No pin event comes from probes: the thread's IOAS, which
		 * only names the IOAS of a pin, is not needed (a program per
		 * map less) */
		bpf_program__set_autoload(skel->progs.ctx_map, false);
		bpf_program__set_autoload(skel->progs.ctx_add_domain, false);
		bpf_program__set_autoload(skel->progs.ctx_access_pin, false);
		skel->rodata->probe_mode = true;
	} else if (it_select_source(skel->obj, false, IOMMUTOP_EVENTS) < 0) {
		/* the tracepoint programs, not the probes */
		fprintf(stderr, "iommutop: kernel BTF not available\n");
		err = 1;
		goto cleanup;
	}
	if (!probe)	/* map latency from ctx_map: one program per map less */
		bpf_program__set_autoload(skel->progs.ioctl_enter, false);
	if (bpf_map__max_entries(skel->maps.ioas_stats) >
	    sizeof(frames[0].ioas) / sizeof(frames[0].ioas[0])) {
		fprintf(stderr, "iommutop: a frame holds fewer IOAS rows than the map\n");
		err = 1;
		goto cleanup;
	}
	if (!probe && it_skip_missing_tracepoints("iommutop", skel->obj) < 0) {
		err = 1;
		goto cleanup;
	}
	err = iommutop_bpf__load(skel);
	if (err) {
		it_load_error("iommutop", err, env.verbose);
		goto cleanup;
	}
	err = iommutop_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "iommutop: cannot attach BPF programs: %s\n",
			strerror(-err));
		goto cleanup;
	}
	/* After the attach: the stacks start in our own programs' symbols;
	 * kallsyms is read while the snapshot runs */
	ksyms_started = !pthread_create(&ksyms_thread, NULL, kallsyms_thread, skel);
	err = take_snapshot(skel);
	if (err) {
		fprintf(stderr, "iommutop: cannot read the IOASes that existed before the start: %s\n",
			strerror(-err));
		goto cleanup;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	if (screen) {
		initscr();
		cbreak();
		noecho();
		keypad(stdscr, TRUE);
		curs_set(0);
	} else {
		/* flushed after each frame; EPIPE said as such, not a signal */
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
		signal(SIGPIPE, SIG_IGN);
	}
	if (env.listen) {
		char why[256];

		scrape_state.skel = skel;
		http = http_start(env.listen, scrape, NULL, why, sizeof(why));
		if (!http) {
			fprintf(stderr, "iommutop: --listen %s: %s\n", env.listen, why);
			err = 1;
			goto cleanup;
		}
		fprintf(stderr, "iommutop: serving metrics on %s\n", http_url(http));
	}
	/* "tracing" means everything is in place: the caller filter too */
	if (ksyms_started) {
		pthread_join(ksyms_thread, NULL);
		ksyms_started = false;
	}
	if (!screen)
		fprintf(stderr, "iommutop: tracing... Hit Ctrl-C to end.\n");
	if (env.listen && !env.batch && !env.json) {
		while (!exiting)
			usleep(100000);	/* scrapes: the HTTP thread */
		goto cleanup;
	}

	collect(skel, &frames[cur]);	/* baseline for the first rates */
	while (!exiting && (!env.count || n < env.count)) {
		struct frame *f = &frames[!cur], *prev = &frames[cur];
		__u64 deadline = now_ns() + (__u64)(env.interval * 1e9);

		while (!exiting && now_ns() < deadline) {
			if (screen) {
				int ch;

				timeout(100);
				ch = getch();
				if (ch == 'q') {
					exiting = 1;
				} else if (ch == 's') {
					sort = (sort + 1) % SORT_NR;
					break;
				} else if (ch == '\t') {
					pane = (pane + 1) % PANE_NR;
					break;
				}
			} else {
				usleep(20000);
			}
		}
		if (exiting)
			break;
		collect(skel, f);
		f->seq = ++n;
		frame_rates(f, prev);
		frame_sort(f, sort);
		if (screen) {
			draw_screen(f, sort, pane);
		} else {
			if (env.json)
				frame_print_json(stdout, f);
			else {
				frame_print_text(stdout, f, -1);
				fputc('\n', stdout);
			}
			/* one write per frame; a failed one ends iommutop */
			it_output_check(&out);
			if (it_output_flush(&out)) {
				err = IT_EXIT_OUTPUT;
				goto cleanup;
			}
		}
		cur = !cur;
	}
	if (screen)
		endwin();
	err = 0;
cleanup:
	http_stop(http);
	/* the ksyms thread writes into skel: joined before skel goes */
	if (ksyms_started)
		pthread_join(ksyms_thread, NULL);
	iommutop_bpf__destroy(skel);
	ksyms_free(ksyms);
	return err == IT_EXIT_OUTPUT ? err : err ? 1 : 0;
}
