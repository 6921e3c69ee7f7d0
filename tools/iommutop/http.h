/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * http.h - iommutop's metrics endpoint (http.c), on libmicrohttpd: GET or
 * HEAD /metrics answers with what the scrape callback writes.
 */
#ifndef __IOMMUTOP_HTTP_H
#define __IOMMUTOP_HTTP_H

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
/* "http://ADDR:PORT/metrics" */
const char *http_url(const struct http_server *srv);
void http_stop(struct http_server *srv);

#endif /* __IOMMUTOP_HTTP_H */
