// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: iommutop --listen's request handling and its --listen
 * value (tools/iommutop/http.c).  Input: METHOD \0 URL \0 ACCEPT \0 LISTEN,
 * the strings libmicrohttpd hands the handler (it has already parsed the
 * request line and headers, and cut the query from the URL) and the
 * command-line value.  Checked: the status is 200, 404, 405 or 500; 200
 * only for GET or HEAD of / or /metrics; a /metrics body is exactly what
 * the scrape wrote, with the Content-Type it chose; a --listen value that
 * parses is PORT, HOST:PORT or [HOST]:PORT put back together, with a
 * decimal port of at most 65535.
 */
#include <stdbool.h>
#include "fuzz.h"
#include "http.h"
#include "metrics.h"

static struct frame frame;		/* empty: the body is the families */
static char *scraped;
static size_t scraped_len;

/* The real metrics of an empty frame; a copy kept for the check */
static const char *scrape(FILE *out, const char *accept, void *arg)
{
	enum metrics_format fmt = metrics_negotiate(accept);
	FILE *copy;

	(void)arg;
	free(scraped);
	scraped = NULL;
	copy = open_memstream(&scraped, &scraped_len);
	if (!copy)
		abort();
	metrics_write(copy, &frame, fmt, NULL, 0);
	fclose(copy);
	fwrite(scraped, 1, scraped_len, out);
	return metrics_content_type(fmt);
}

static void check_answer(const char *method, const char *url,
			 const char *accept)
{
	struct http_answer a;
	bool get = method && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));

	http_answer(method, url, accept, scrape, NULL, &a);
	FUZZ_CHECK(a.status == 200 || a.status == 404 || a.status == 405 ||
		   a.status == 500, "status %u", a.status);
	FUZZ_CHECK(a.type && a.body && a.len, "answer without type or body");
	if (a.status == 200)
		FUZZ_CHECK(get && (!strcmp(url, "/") || !strcmp(url, "/metrics")),
			   "200 for %s %s", method, url);
	if (!get)
		FUZZ_CHECK(a.status == 405, "%u for method %s", a.status, method);
	if (get && url && strcmp(url, "/") && strcmp(url, "/metrics"))
		FUZZ_CHECK(a.status == 404, "%u for %s", a.status, url);
	if (get && url && !strcmp(url, "/metrics")) {
		FUZZ_CHECK(a.status == 200 && a.must_free, "scrape not served");
		FUZZ_CHECK(a.len == scraped_len && !memcmp(a.body, scraped, a.len),
			   "body is not what the scrape wrote");
		FUZZ_CHECK(!strcmp(a.type, metrics_content_type(metrics_negotiate(accept))),
			   "Content-Type %s", a.type);
	}
	if (a.must_free)
		free(a.body);
}

static void check_listen(const char *spec)
{
	char host[128], port[8], err[256], again[300];
	size_t i;

	err[0] = '\0';
	if (http_parse_listen(spec, host, sizeof(host), port, sizeof(port),
			      err, sizeof(err))) {
		FUZZ_CHECK(err[0], "refused without a reason: '%s'", spec);
		return;
	}
	FUZZ_CHECK(port[0] && strlen(port) <= 5, "port '%s'", port);
	for (i = 0; port[i]; i++)
		FUZZ_CHECK(port[i] >= '0' && port[i] <= '9', "port '%s'", port);
	FUZZ_CHECK(atoi(port) <= 65535, "port '%s'", port);
	FUZZ_CHECK(host[0], "empty host from '%s'", spec);
	if (!strchr(spec, ':')) {
		FUZZ_CHECK(!strcmp(host, "127.0.0.1") && !strcmp(port, spec),
			   "'%s' -> %s %s", spec, host, port);
		return;
	}
	snprintf(again, sizeof(again), "%s:%s", host, port);
	if (strcmp(again, spec))
		snprintf(again, sizeof(again), "[%s]:%s", host, port);
	FUZZ_CHECK(!strcmp(again, spec), "'%s' -> '%s' '%s'", spec, host, port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *f[FUZZ_MAX_FIELDS];
	int n = fuzz_fields(data, size, &copy, f);

	check_answer(f[0], n > 1 ? f[1] : NULL, n > 2 ? f[2] : NULL);
	/* the usual methods too, on this URL and Accept */
	if (n > 1) {
		check_answer("GET", f[1], n > 2 ? f[2] : NULL);
		check_answer("HEAD", f[1], n > 2 ? f[2] : NULL);
	}
	check_listen(n > 3 ? f[3] : f[0]);
	free(copy);
	return 0;
}
