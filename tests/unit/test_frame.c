// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests (cmocka) of iommutop's pure parts: frame.c (rates from
 * two frames, the same IOAS only, latency average and p99, each sort order
 * with its tie-breaks), options.c (iommutop's command line), http.c
 * (--listen values, the answer to each request), and metrics.c's
 * /proc/PID/limits parsing.  With FRAME_JSON=FILE, a frame whose strings
 * are cut mid UTF-8 character is written there as JSON, for
 * tests/unit/t-iommutop-frame-unit to check with Python's strict decoder.
 */
#include <argp.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frame.h"
#include "http.h"
#include "metrics.h"
#include "options.h"

static struct frame cur, prev;	/* too big for the stack */

static struct ioas_row *add(struct frame *f, __u64 key, __u32 pid, __u32 id)
{
	struct ioas_row *r = &f->ioas[f->nioas++];

	memset(r, 0, sizeof(*r));
	r->key = key;
	r->s.pid = pid;
	r->s.id = id;
	snprintf(r->s.comm, sizeof(r->s.comm), "vmm%u", pid);
	return r;
}

static int setup(void **state)
{
	(void)state;
	memset(&cur, 0, sizeof(cur));
	memset(&prev, 0, sizeof(prev));
	return 0;
}

static void test_rates(void **state)
{
	struct ioas_row *r;

	(void)state;
	prev.ts_ns = 10000000000ULL;
	cur.ts_ns = 12000000000ULL;		/* 2 s later */
	r = add(&prev, 0xa000, 7, 1);
	r->s.maps = 100;
	r->s.unmaps = 10;
	r->s.pins = 4;
	frame_rates(&prev, NULL);
	r = add(&prev, 0xb000, 7, 2);		/* destroyed before cur */
	r->s.maps = 1000;
	prev.ioas[1].prev.maps = 1000;

	r = add(&cur, 0xa000, 7, 1);		/* the same IOAS, 2 s on */
	r->s.maps = 150;
	r->s.unmaps = 10;
	r->s.pins = 5;
	r = add(&cur, 0xb000, 9, 1);		/* new, at 0xb000's address */
	r->s.maps = 1003;
	r = add(&cur, 0xc000, 9, 2);		/* new since prev */
	r->s.maps = 8;
	r = add(&cur, 0xd000, 3, 5);		/* existed at start-up */
	r->s.preexisting = 1;
	r->s.maps = 40;
	frame_rates(&cur, &prev);

	assert_true(fabs(cur.interval_s - 2.0) < 1e-9);
	assert_true(fabs(cur.ioas[0].maps_s - 25.0) < 1e-9);
	assert_true(cur.ioas[0].unmaps_s == 0);
	assert_true(fabs(cur.ioas[0].pins_s - 0.5) < 1e-9);
	/* not the destroyed IOAS's counts: its own since creation */
	assert_true(fabs(cur.ioas[1].maps_s - 1003 / 2.0) < 1e-9);
	assert_true(fabs(cur.ioas[2].maps_s - 4.0) < 1e-9);
	/* an IOAS from before the start has no rate until its 2nd frame */
	assert_true(cur.ioas[3].maps_s == 0);
	assert_int_equal(cur.ioas[3].prev.maps, 40);
}

static void test_latency(void **state)
{
	struct ioas_row *r = add(&cur, 1, 1, 1);

	(void)state;
	r->s.lat_count = 100;
	r->s.lat_sum_ns = 100 * 3000;
	r->s.lat_hist[11] = 98;	/* [2048, 4096) ns */
	r->s.lat_hist[20] = 2;	/* [1 Mi, 2 Mi) ns */
	frame_rates(&cur, NULL);
	assert_int_equal(cur.ioas[0].lat_avg_ns, 3000);
	/* the 99th of 100 is in bucket 20: its upper bound */
	assert_int_equal(cur.ioas[0].lat_p99_ns, (2ULL << 20) - 1);
	r->s.lat_hist[20] = 1;
	r->s.lat_hist[11] = 99;
	frame_rates(&cur, NULL);
	assert_int_equal(cur.ioas[0].lat_p99_ns, (2ULL << 11) - 1);
	memset(r->s.lat_hist, 0, sizeof(r->s.lat_hist));
	r->s.lat_count = 0;
	frame_rates(&cur, NULL);
	assert_int_equal(cur.ioas[0].lat_avg_ns, 0);
	assert_int_equal(cur.ioas[0].lat_p99_ns, 0);
	assert_int_equal(hist_quantile(r->s.lat_hist, IT_TOP_HIST, 0.5), 0);
}

static void ids(const struct frame *f, const __u32 *want, int n)
{
	int i;

	assert_int_equal(f->nioas, n);
	for (i = 0; i < n; i++)
		if (f->ioas[i].s.id != want[i])
			fail_msg("row %d: IOAS %u, want %u", i, f->ioas[i].s.id,
				 want[i]);
}

static void test_sort(void **state)
{
	(void)state;
	add(&cur, 1, 20, 1)->s.mapped = -8192;	/* more unmapped than seen */
	add(&cur, 2, 10, 2)->s.mapped = 1LL << 40;
	add(&cur, 3, 10, 3)->s.mapped = 0;
	add(&cur, 4, 10, 4)->s.mapped = -1;
	add(&cur, 5, 5, 5)->s.mapped = 4096;
	cur.ioas[0].s.errors = 3;
	cur.ioas[3].s.errors = 3;
	cur.ioas[4].s.errors = 1;
	cur.ioas[0].maps_s = 0.9;
	cur.ioas[1].maps_s = 0.5;
	cur.ioas[2].unmaps_s = 0.7;
	cur.ioas[3].maps_s = 1e6;

	frame_sort(&cur, SORT_ID);	/* by PID, then id */
	ids(&cur, (const __u32[]){ 5, 2, 3, 4, 1 }, 5);
	frame_sort(&cur, SORT_MAPPED);	/* signed: negative last */
	ids(&cur, (const __u32[]){ 2, 5, 3, 4, 1 }, 5);
	frame_sort(&cur, SORT_ERRORS);	/* ties: PID, id */
	ids(&cur, (const __u32[]){ 4, 1, 5, 2, 3 }, 5);
	frame_sort(&cur, SORT_RATE);	/* maps + unmaps per s, not truncated */
	ids(&cur, (const __u32[]){ 4, 1, 3, 2, 5 }, 5);
	assert_string_equal(sort_name(SORT_RATE), "rate");
	assert_string_equal(sort_name(SORT_NR), "id");
}

/* Lock and caller rows sort by total wait, largest first */
static void test_sort_locks(void **state)
{
	int i;

	(void)state;
	cur.nlocks = 3;
	cur.locks[0].st.wait_ns = 5;
	cur.locks[1].st.wait_ns = 1ULL << 40;
	cur.locks[2].st.wait_ns = 7;
	frame_sort(&cur, SORT_ID);
	for (i = 1; i < cur.nlocks; i++)
		assert_true(cur.locks[i - 1].st.wait_ns >= cur.locks[i].st.wait_ns);
	assert_int_equal(cur.locks[0].st.wait_ns, 1ULL << 40);
}

/* iommutop's command line, without exiting */
static int parse(struct iommutop_env *env, ...)
{
	char *argv[16] = { "iommutop" };
	int argc = 1;
	va_list ap;

	va_start(ap, env);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return iommutop_parse_args(argc, argv, env, ARGP_NO_EXIT | ARGP_NO_HELP);
}

static void test_options(void **state)
{
	struct iommutop_env env;

	(void)state;
	assert_int_equal(parse(&env, NULL), 0);
	assert_true(env.interval == 1.0);
	assert_int_equal(env.count, 0);
	assert_false(env.batch || env.json || env.verbose);
	assert_null(env.listen);
	assert_int_equal(parse(&env, "-b", "-j", "-v", "-d", "0.5", "-n", "3",
			       "-p", "1234", "--listen=[::1]:9910", NULL), 0);
	assert_true(env.batch && env.json && env.verbose);
	assert_true(env.interval == 0.5);
	assert_int_equal(env.count, 3);
	assert_int_equal(env.pid, 1234);
	assert_string_equal(env.listen, "[::1]:9910");
	assert_int_equal(parse(&env, "--delay=3600", "--count=1", NULL), 0);
	assert_true(env.interval == 3600);
	assert_int_equal(env.source, IT_SOURCE_OPT_AUTO);
	assert_int_equal(parse(&env, "--source", "probe", NULL), 0);
	assert_int_equal(env.source, IT_SOURCE_OPT_PROBE);
	assert_int_equal(parse(&env, "--source=tracepoint", NULL), 0);
	assert_int_equal(env.source, IT_SOURCE_OPT_TRACEPOINT);
	assert_int_equal(parse(&env, "--source=auto", NULL), 0);
	assert_int_equal(env.source, IT_SOURCE_OPT_AUTO);
	assert_int_equal(parse(&env, "--source", "kprobe", NULL), 2);
	/* refused: exit status 2, nothing exits */
	assert_int_equal(parse(&env, "-d", "0.09", NULL), 2);
	assert_int_equal(parse(&env, "-d", "3601", NULL), 2);
	assert_int_equal(parse(&env, "-d", "nan", NULL), 2);
	assert_int_equal(parse(&env, "-d", "", NULL), 2);
	assert_int_equal(parse(&env, "-d", "1s", NULL), 2);
	assert_int_equal(parse(&env, "-n", "0", NULL), 2);
	assert_int_equal(parse(&env, "-n", "99999999999999999999", NULL), 2);
	assert_int_equal(parse(&env, "-p", "-1", NULL), 2);
	assert_int_equal(parse(&env, "-p", "2147483648", NULL), 2);
	assert_int_equal(parse(&env, "-p", "", NULL), 2);
	assert_int_equal(parse(&env, "extra", NULL), 2);
	assert_int_equal(parse(&env, "--nope", NULL), 2);
}

static void test_listen(void **state)
{
	char host[128], port[8], err[128];

	(void)state;
#define LISTEN(spec) http_parse_listen(spec, host, sizeof(host), port, \
				       sizeof(port), err, sizeof(err))
	assert_int_equal(LISTEN("9910"), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "9910");
	assert_int_equal(LISTEN("0.0.0.0:0"), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_string_equal(port, "0");
	assert_int_equal(LISTEN("[::1]:65535"), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "65535");
	assert_int_equal(LISTEN("::1:80"), 0);	/* the last colon splits */
	assert_string_equal(host, "::1");
	assert_int_equal(LISTEN("65536"), -1);
	assert_string_equal(err, "bad port '65536' (0 to 65535)");
	assert_int_equal(LISTEN("99999999999999999999"), -1);
	assert_int_equal(LISTEN("host:"), -1);
	assert_int_equal(LISTEN(":80"), -1);
	assert_string_equal(err, "bad address in ':80'");
	assert_int_equal(LISTEN("[]:80"), -1);
	assert_int_equal(LISTEN(""), -1);
	assert_int_equal(LISTEN("+80"), -1);
	assert_int_equal(LISTEN("1.2.3.4:8a"), -1);
#undef LISTEN
}

static const char *scrape(FILE *out, const char *accept, void *arg)
{
	(void)arg;
	fprintf(out, "accept=%s\n", accept ? accept : "(none)");
	return "text/x-test";
}

static void test_answer(void **state)
{
	struct http_answer a;

	(void)state;
	http_answer("GET", "/metrics", "text/plain", scrape, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.type, "text/x-test");
	assert_true(a.must_free);
	assert_int_equal(a.len, strlen("accept=text/plain\n"));
	assert_memory_equal(a.body, "accept=text/plain\n", a.len);
	free(a.body);
	http_answer("HEAD", "/metrics", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_memory_equal(a.body, "accept=(none)\n", a.len);
	free(a.body);
	http_answer("GET", "/", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_false(a.must_free);
	http_answer("GET", "/metrics/", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 404);
	http_answer("GET", "/METRICS", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 404);
	http_answer("POST", "/metrics", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 405);
	http_answer("get", "/metrics", NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 405);
	http_answer(NULL, NULL, NULL, scrape, NULL, &a);
	assert_int_equal(a.status, 405);
}

static double limits(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	double v;

	assert_non_null(f);
	v = metrics_parse_memlock(f);
	fclose(f);
	return v;
}

static void test_proc_limits(void **state)
{
	(void)state;
	assert_true(limits("Max open files            1024                 524288               files     \n"
			   "Max locked memory         8388608              8388608              bytes     \n") == 8388608);
	assert_true(isinf(limits("Max locked memory         unlimited            unlimited            bytes\n")));
	assert_true(limits("Max locked memory         18446744073709551615 x bytes\n") == 18446744073709551615.0);
	assert_true(limits("Max locked memory         18446744073709551616 x bytes\n") == -1);
	assert_true(limits("Max locked memory         -5 x\n") == -1);
	assert_true(limits("Max locked memory         nan x\n") == -1);
	assert_true(limits("Max locked memory         12k x\n") == -1);
	assert_true(limits("Max locked memory         unlimitedx\n") == -1);
	/* a word longer than 31 characters is not cut to its start */
	assert_true(limits("Max locked memory         00000000000000000000000000000000000001 x\n") == 1);
	assert_true(limits("Max locked memory\nMax locked memory 7\n") == 7);
	assert_true(limits("Max processes 5\n") == -1);
	assert_true(limits("") == -1);
}

/*
 * With FRAME_JSON: a frame whose comm, device name and caller are cut in
 * the middle of a UTF-8 character, or hold bytes that are not UTF-8
 */
static void test_json(void **state)
{
	const char *path = getenv("FRAME_JSON");
	struct ioas_row *r;
	FILE *out;

	(void)state;
	if (!path)
		skip();
	cur.ts_ns = 5000;
	r = add(&cur, 1, 4242, 3);
	/* 15 bytes then the first byte of a 3-byte character (€: e2 82 ac) */
	memcpy(r->s.comm, "qemu-system-x8\xe2\x82", 16);
	r->s.mapped = -4096;
	r->s.errors = 2;
	memcpy(r->s.fault_devs[0].name, "0000:00:06.0\xff\xfe\"\\\n", 18);
	r->s.fault_devs[0].faults = 1;
	r->s.faults = 1;
	cur.ncallers = 1;
	snprintf(cur.callers[0].caller, sizeof(cur.callers[0].caller),
		 "iopt_\xc3\xa9\xc3");
	memcpy(cur.callers[0].comm, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98", 15);
	out = fopen(path, "w");
	assert_non_null(out);
	frame_print_json(out, &cur);
	/* the same frame from probes: its unknown values null (2nd line) */
	r->s.pinned = 7;
	r->s.naccess = 1;
	r->s.nhwpt = 2;
	cur.probe = true;
	frame_print_json(out, &cur);
	cur.probe = false;
	assert_int_equal(fclose(out), 0);
}

/* A VFIO type1 container's row: IOAS t<N> in text, kind "type1" in JSON,
 * its lock owned by "type1 N/PID" */
static void test_type1(void **state)
{
	char *buf = NULL;
	size_t len;
	FILE *out;

	(void)state;
	cur.probe = true;
	add(&cur, 1, 4242, 3);
	add(&cur, 2, 4242, 3)->s.type1 = 1;
	cur.locks[0].o = (struct lock_owner){ .kind = LK_TYPE1_LOCK, .id = 3, .pid = 4242 };
	cur.locks[0].st.contended = 1;
	cur.nlocks = 1;
	out = open_memstream(&buf, &len);
	frame_print_text(out, &cur, -1);
	frame_print_json(out, &cur);
	fclose(out);
	assert_non_null(strstr(buf, "\n    3 4242    vmm4242"));
	assert_non_null(strstr(buf, "\n   t3 4242    vmm4242"));
	assert_non_null(strstr(buf, "vfio_iommu->lock     type1 3/4242"));
	assert_non_null(strstr(buf, "{\"ioas_id\":3,\"kind\":\"iommufd\",\"pid\":4242,"));
	assert_non_null(strstr(buf, "{\"ioas_id\":3,\"kind\":\"type1\",\"pid\":4242,"));
	assert_non_null(strstr(buf, "\"lock\":\"vfio_iommu->lock\","));
	assert_non_null(strstr(buf, "\"owner\":\"type1\",\"owner_id\":3,\"owner_pid\":4242,"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rates, setup),
		cmocka_unit_test_setup(test_latency, setup),
		cmocka_unit_test_setup(test_sort, setup),
		cmocka_unit_test_setup(test_sort_locks, setup),
		cmocka_unit_test_setup(test_options, setup),
		cmocka_unit_test_setup(test_listen, setup),
		cmocka_unit_test_setup(test_answer, setup),
		cmocka_unit_test_setup(test_proc_limits, setup),
		cmocka_unit_test_setup(test_json, setup),
		cmocka_unit_test_setup(test_type1, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
