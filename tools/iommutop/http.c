// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * http.c - the metrics endpoint of iommutop --listen, on libmicrohttpd.
 *
 * One internal thread polls every connection (MHD_USE_INTERNAL_POLLING_
 * THREAD): a slow or idle client never holds a thread, scrapes are served
 * one after the other, and the limits below bound what any client costs.
 * Only GET and HEAD of /metrics (and /) are answered; anything else gets
 * 404 or 405, a malformed request 400 (from libmicrohttpd).
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "http.h"

#define MAX_CONNECTIONS		64	/* in all */
#define MAX_PER_IP		32	/* from one address */
#define TIMEOUT_S		10	/* idle connection closed after */
#define CONN_MEMORY		(32 * 1024)	/* request line + headers */

struct http_server {
	struct MHD_Daemon *mhd;
	int fd;
	http_scrape_fn scrape;
	void *arg;
	char url[160];
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, char *body, size_t len,
			     bool must_free)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, must_free ?
					    MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

void http_answer(const char *method, const char *url, const char *accept,
		 http_scrape_fn scrape, void *arg, struct http_answer *a)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed: use GET or HEAD\n";
	static char index_page[] = "iommutop metrics exporter: GET /metrics\n";
	static char failed[] = "cannot build the metrics\n";
	char *body = NULL;
	size_t len = 0;
	FILE *out;

	memset(a, 0, sizeof(*a));
	a->type = "text/plain";
	if (!method || !url ||
	    (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))) {
		a->status = MHD_HTTP_METHOD_NOT_ALLOWED;
		a->body = not_allowed;
		a->len = sizeof(not_allowed) - 1;
		return;
	}
	if (!strcmp(url, "/")) {
		a->status = MHD_HTTP_OK;
		a->body = index_page;
		a->len = sizeof(index_page) - 1;
		return;
	}
	if (strcmp(url, "/metrics")) {
		a->status = MHD_HTTP_NOT_FOUND;
		a->body = not_found;
		a->len = sizeof(not_found) - 1;
		return;
	}
	out = open_memstream(&body, &len);
	if (out) {
		a->type = scrape(out, accept, arg);
		if (fclose(out) || !len) {
			free(body);
			out = NULL;
		}
	}
	if (!out) {
		a->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		a->type = "text/plain";
		a->body = failed;
		a->len = sizeof(failed) - 1;
		return;
	}
	a->status = MHD_HTTP_OK;
	a->body = body;
	a->len = len;
	a->must_free = true;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_answer a;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	http_answer(method, url,
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_ACCEPT),
		    srv->scrape, srv->arg, &a);
	if (a.status == MHD_HTTP_METHOD_NOT_ALLOWED)
		*upload_size = 0;	/* a body is not read */
	return reply(conn, a.status, a.type, a.body, a.len, a.must_free);
}

int http_parse_listen(const char *spec, char *host, size_t hostlen,
		      char *port, size_t portlen, char *err, size_t errlen)
{
	const char *p = spec, *colon = strrchr(spec, ':');
	size_t n;

	snprintf(host, hostlen, "127.0.0.1");
	if (colon) {
		const char *h = spec;

		n = colon - spec;
		if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
			h++;
			n -= 2;
		}
		if (!n || n >= hostlen) {
			snprintf(err, errlen, "bad address in '%s'", spec);
			return -1;
		}
		memcpy(host, h, n);
		host[n] = '\0';
		p = colon + 1;
	}
	n = strlen(p);
	if (!n || strspn(p, "0123456789") != n || n > 5 || atoi(p) > 65535 ||
	    n >= portlen) {
		snprintf(err, errlen, "bad port '%s' (0 to 65535)", p);
		return -1;
	}
	memcpy(port, p, n + 1);
	return 0;
}

/* Bind a listening socket on SPEC ("ADDR:PORT", "[ADDR]:PORT" or "PORT") */
static int listen_on(const char *spec, char *url, size_t urllen,
		     char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST |
					      AI_NUMERICSERV };
	char host[128], port[8];
	struct addrinfo *ai;
	int fd, one = 1, rc;

	if (http_parse_listen(spec, host, sizeof(host), port, sizeof(port),
			      err, errlen))
		return -1;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "bad address '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		snprintf(err, errlen, "cannot listen on %s port %s: %s", host,
			 port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	snprintf(url, urllen, strchr(host, ':') ? "http://[%s]:%s/metrics" :
		 "http://%s:%s/metrics", host, port);
	freeaddrinfo(ai);
	return fd;
}

struct http_server *http_start(const char *listen, http_scrape_fn scrape,
			       void *arg, char *err, size_t errlen)
{
	struct http_server *srv = calloc(1, sizeof(*srv));

	if (!srv) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	srv->scrape = scrape;
	srv->arg = arg;
	srv->fd = listen_on(listen, srv->url, sizeof(srv->url), err, errlen);
	if (srv->fd < 0) {
		free(srv);
		return NULL;
	}
	srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
				    0, NULL, NULL, handle, srv,
				    MHD_OPTION_LISTEN_SOCKET, srv->fd,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_IP,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)TIMEOUT_S,
				    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
				    MHD_OPTION_END);
	if (!srv->mhd) {
		snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
		close(srv->fd);
		free(srv);
		return NULL;
	}
	return srv;
}

const char *http_url(const struct http_server *srv)
{
	return srv->url;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	close(srv->fd);
	free(srv);
}
