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

static volatile sig_atomic_t exiting;
static struct ksyms *ksyms;

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

/* Locks no event named: keep those taken by iommufd / VT-d code */
static void collect_callers(struct iommutop_bpf *skel, struct frame *f)
{
	int cfd = bpf_map__fd(skel->maps.caller_stats);
	struct caller_key ck, ccur;
	struct caller_stat cs;
	bool first;
	int i;

	f->ncallers = 0;
	for (first = true;
	     !bpf_map_get_next_key(cfd, first ? NULL : &ccur, &ck);
	     first = false, ccur = ck) {
		const char *sym = NULL;

		if (bpf_map_lookup_elem(cfd, &ck, &cs))
			continue;
		/* the caller: the first frame outside locking and tracing */
		for (i = 0; i < IT_TOP_STACK && ck.ips[i]; i++) {
			sym = ksyms_name(ksyms, ck.ips[i]);
			if (sym && !is_lock_frame(sym))
				break;
			sym = NULL;
		}
		if (sym && is_iommu_caller(sym))
			frame_add_caller(f, sym, &cs);
	}
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
	const int max_locks = sizeof(f->locks) / sizeof(f->locks[0]);
	int owner_fd = bpf_map__fd(skel->maps.lock_owners);
	int stat_fd = bpf_map__fd(skel->maps.lock_stats);
	int wait_fd = bpf_map__fd(skel->maps.lock_waiters);
	struct lock_waiter_key wk, wcur;
	struct lock_waiter w;
	__u64 key, cur;
	bool first;
	int i, j;

	f->ts_ns = now_ns();
	f->dropped = skel->bss->dropped;
	collect_ioas(skel, f);
	f->nlocks = 0;
	for (first = true; f->nlocks < max_locks &&
	     !bpf_map_get_next_key(stat_fd, first ? NULL : &cur, &key);
	     first = false, cur = key) {
		struct lock_row *l = &f->locks[f->nlocks];

		memset(l, 0, sizeof(*l));
		l->addr = key;
		if (!bpf_map_lookup_elem(stat_fd, &key, &l->st) &&
		    !bpf_map_lookup_elem(owner_fd, &key, &l->o))
			f->nlocks++;
	}
	/* The process that waited longest on each lock */
	for (first = true;
	     !bpf_map_get_next_key(wait_fd, first ? NULL : &wcur, &wk);
	     first = false, wcur = wk) {
		if (bpf_map_lookup_elem(wait_fd, &wk, &w))
			continue;
		for (i = 0; i < f->nlocks; i++) {
			struct lock_row *l = &f->locks[i];

			if (l->addr == wk.lock && w.wait_ns > l->top_wait_ns) {
				l->top_wait_ns = w.wait_ns;
				memcpy(l->top_comm, w.comm, sizeof(l->top_comm));
			}
		}
	}
	collect_callers(skel, f);
	/* A lock owned by an IOAS that no longer exists */
	for (i = 0; i < f->nlocks; i++) {
		struct lock_row *l = &f->locks[i];

		if (strcmp(lock_owner_kind(l->o.kind), "ioas"))
			continue;
		l->owner_gone = true;
		for (j = 0; j < f->nioas; j++)
			if (f->ioas[j].s.id == l->o.id &&
			    f->ioas[j].s.pid == l->o.pid)
				l->owner_gone = false;
	}
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

int main(int argc, char **argv)
{
	static struct frame frames[2];
	struct it_output out = { .f = stdout, .tool = "iommutop" };
	struct http_server *http = NULL;
	struct iommutop_bpf *skel;
	enum sort_key sort = SORT_ID;
	enum pane pane = PANE_BOTH;
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
	if (it_check_kernel("iommutop", NULL))
		return 1;

	skel = iommutop_bpf__open();
	if (!skel) {
		fprintf(stderr, "iommutop: cannot open the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = env.pid;
	it_autoload_events(skel->obj, IOMMUTOP_EVENTS);
	if (bpf_map__max_entries(skel->maps.ioas_stats) >
	    sizeof(frames[0].ioas) / sizeof(frames[0].ioas[0])) {
		fprintf(stderr, "iommutop: a frame holds fewer IOAS rows than the map\n");
		err = 1;
		goto cleanup;
	}
	if (it_skip_missing_tracepoints("iommutop", skel->obj) < 0) {
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
	err = take_snapshot(skel);
	if (err) {
		fprintf(stderr, "iommutop: cannot read the IOASes that existed before the start: %s\n",
			strerror(-err));
		goto cleanup;
	}
	/* After the attach: the stacks start in our own programs' symbols */
	ksyms = ksyms_load();	/* NULL when not root: no fallback rows */
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
	iommutop_bpf__destroy(skel);
	ksyms_free(ksyms);
	return err == IT_EXIT_OUTPUT ? err : err ? 1 : 0;
}
