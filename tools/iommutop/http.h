/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * http.h - iommutop's metrics endpoint (http.c), on libmicrohttpd: GET or
 * HEAD /metrics answers with what the scrape callback writes.
 */
#ifndef __IOMMUTOP_HTTP_H
#define __IOMMUTOP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Write the metrics to OUT for a scrape whose Accept header is ACCEPT (or
 * NULL) and return their Content-Type.  Called from the server's thread,
 * one scrape at a time.
 */
typedef const char *(*http_scrape_fn)(FILE *out, const char *accept, void *arg);

struct http_server;

/*
 * Listen on LISTEN ("PORT", "ADDR:PORT" or "[IPv6]:PORT"; no ADDR means
 * 127.0.0.1) and serve scrapes.  NULL on error, with the reason in ERR.
 */
struct http_server *http_start(const char *listen, http_scrape_fn scrape,
			       void *arg, char *err, size_t errlen);
/*
 * Split a --listen value, "PORT", "ADDR:PORT" or "[ADDR]:PORT", into HOST
 * (127.0.0.1 when absent) and PORT (decimal, 0 to 65535).  0, or -1 with
 * the reason in ERR.  The address itself is checked by getaddrinfo().
 */
int http_parse_listen(const char *spec, char *host, size_t hostlen,
		      char *port, size_t portlen, char *err, size_t errlen);

/* The answer to one request, as libmicrohttpd hands it to us */
struct http_answer {
	unsigned int status;	/* 200, 404, 405 or 500 */
	const char *type;	/* Content-Type */
	char *body;
	size_t len;
	bool must_free;		/* body is the scrape's, malloc'd */
};

/*
 * GET or HEAD of /metrics: what SCRAPE writes (ACCEPT: the request's
 * Accept header, or NULL); GET or HEAD of /: a one-line index; another
 * path 404, another method 405 (METHOD and URL may be NULL: 405).
 */
void http_answer(const char *method, const char *url, const char *accept,
		 http_scrape_fn scrape, void *arg, struct http_answer *a);

/* "http://ADDR:PORT/metrics" */
const char *http_url(const struct http_server *srv);
void http_stop(struct http_server *srv);

#endif /* __IOMMUTOP_HTTP_H */
