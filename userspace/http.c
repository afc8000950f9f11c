// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifndef SCHEDRIFT_NO_HTTP
#include <microhttpd.h>
#endif
#include "collector.h"
#include "http.h"
#include "json.h"
#include "report.h"
#include "util.h"

/* A published /metrics body, shared by the handlers that are sending it. */
struct blob {
	int refs;
	size_t len;
	char *data;
};

struct http {
	struct MHD_Daemon *mhd;
	struct tasktable *table;
	pthread_key_t reader_key; /* each MHD thread's own table reader */
	int nr_nodes;
	pthread_mutex_t lock; /* guards `metrics` and blob refs: a pointer swap, never I/O */
	struct blob *metrics;
};

int http__parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char addr[128];
	const char *colon, *port_s;
	__u64 port;
	size_t len;

	memset(ss, 0, sizeof(*ss));
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		len = close - listen - 1;
		port_s = close + 2;
		if (len >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, listen + 1, len);
		addr[len] = 0;
		if (parse_u64(port_s, 1, 65535, &port) || inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return 0;
	}
	colon = strrchr(listen, ':');
	if (!colon)
		return -EINVAL;
	len = colon - listen;
	if (len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, listen, len);
	addr[len] = 0;
	if (!len)
		strcpy(addr, "127.0.0.1"); /* loopback unless told otherwise */
	if (parse_u64(colon + 1, 1, 65535, &port) || inet_pton(AF_INET, addr, &in4->sin_addr) != 1)
		return -EINVAL;
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	return 0;
}

#ifdef SCHEDRIFT_NO_HTTP
/* The fully static build has no libmicrohttpd (its TLS stack does not link statically). */
struct http *http__start(const char *listen, struct tasktable *table, int nr_nodes, int *err)
{
	*err = -EPROTONOSUPPORT;
	return NULL;
}
void http__publish_metrics(struct http *h, char *buf, size_t len)
{
	free(buf);
}
void http__stop(struct http *h)
{
}
#else

static void blob_put(struct http *h, struct blob *b)
{
	int last;

	if (!b)
		return;
	pthread_mutex_lock(&h->lock);
	last = --b->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last) {
		free(b->data);
		free(b);
	}
}

void http__publish_metrics(struct http *h, char *buf, size_t len)
{
	struct blob *b = calloc(1, sizeof(*b)), *old;

	if (!b) {
		free(buf);
		return;
	}
	b->refs = 1; /* the publisher's reference */
	b->data = buf;
	b->len = len;
	pthread_mutex_lock(&h->lock);
	old = h->metrics;
	h->metrics = b;
	pthread_mutex_unlock(&h->lock);
	blob_put(h, old);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
		     MHD_RESPMEM_PERSISTENT);
}

static void blob_free_cb(void *cls)
{
	struct blob **pb = cls;
	struct http *h = (struct http *)pb[1];

	blob_put(h, pb[0]);
	free(pb);
}

static enum MHD_Result serve_metrics(struct http *h, struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct blob *b, **ctx;

	pthread_mutex_lock(&h->lock);
	b = h->metrics;
	if (b)
		b->refs++;
	pthread_mutex_unlock(&h->lock);
	if (!b)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics yet\n");
	ctx = malloc(2 * sizeof(*ctx));
	if (!ctx) {
		blob_put(h, b);
		return MHD_NO;
	}
	ctx[0] = b;
	ctx[1] = (struct blob *)h;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data,
								       blob_free_cb, ctx);
	if (!resp) {
		blob_free_cb(ctx);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct task_query {
	__u64 tid; /* 0 = all */
	struct report_task *rows;
	size_t n, cap;
	int nr_nodes;
	int err;
};

static int collect_row(void *ctx, const struct task_rec *t)
{
	struct task_query *q = ctx;

	if (q->tid && t->id.tid != q->tid)
		return 0;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		void *p = realloc(q->rows, cap * sizeof(*q->rows));

		if (!p) {
			q->err = -ENOMEM;
			return 1;
		}
		q->rows = p;
		q->cap = cap;
	}
	collector__row_from_rec(&q->rows[q->n++], t, q->nr_nodes);
	return 0;
}

static enum MHD_Result serve_tasks(struct http *h, struct MHD_Connection *conn)
{
	const char *tid_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "tid");
	const char *top_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "top");
	struct task_query q = { .nr_nodes = h->nr_nodes };
	__u64 top = 0;
	char *buf = NULL;
	size_t len = 0, i;
	struct json j;
	FILE *f;

	if ((tid_s && parse_u64(tid_s, 1, 0xffffffffull, &q.tid)) ||
	    (top_s && parse_u64(top_s, 1, 1000000, &top)))
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, "bad tid or top\n");
	struct tasktable_reader *rd = pthread_getspecific(h->reader_key);

	if (!rd) {
		rd = tasktable__reader_new(h->table);
		if (!rd || pthread_setspecific(h->reader_key, rd))
			return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	/* Copy out inside the read section, then sort and format outside it. */
	tasktable__for_each(rd, collect_row, &q);
	if (q.err) {
		free(q.rows);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	qsort(q.rows, q.n, sizeof(*q.rows), report_task__cmp);
	if (top && top < q.n)
		q.n = top;
	f = open_memstream(&buf, &len);
	if (!f) {
		free(q.rows);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	json__init(&j, f);
	json__object_begin(&j, NULL);
	json__str(&j, "schema", "schedrift.tasks/1");
	json__array_begin(&j, "tasks");
	for (i = 0; i < q.n; i++)
		report__write_task_json(&j, NULL, &q.rows[i], 0);
	json__array_end(&j);
	json__object_end(&j);
	json__finish(&j);
	fclose(f);
	free(q.rows);
	return reply(conn, MHD_HTTP_OK, "application/json", buf, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct http *h = cls;

	/* Only GET (and HEAD, its header-only twin) of the two paths; anything else: 404. */
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
		/* Ignore any body; answer on the first call. */
		if (!strcmp(url, "/metrics"))
			return serve_metrics(h, conn);
		if (!strcmp(url, "/tasks"))
			return serve_tasks(h, conn);
	}
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: GET /metrics or GET /tasks\n");
}

static void free_reader(void *rd)
{
	tasktable__reader_free(rd);
}

struct http *http__start(const char *listen, struct tasktable *table, int nr_nodes, int *err)
{
	struct sockaddr_storage ss;
	struct http *h;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	*err = http__parse_listen(listen, &ss);
	if (*err)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->table = table;
	h->nr_nodes = nr_nodes;
	pthread_mutex_init(&h->lock, NULL);
	pthread_key_create(&h->reader_key, free_reader);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * Two worker threads, short timeouts and a connection cap: a slow or
	 * hostile client ties up at most its own connection for a few seconds
	 * and never the ingest thread, which only swaps a pointer here.
	 */
	errno = 0; /* MHD does not always set it: 0 after means "could not bind" */
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_THREAD_POOL_SIZE, 2u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 5u,
				  MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_END);
	if (!h->mhd) {
		*err = errno ? -errno : -EADDRINUSE;
		pthread_key_delete(h->reader_key);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

void http__stop(struct http *h)
{
	if (!h)
		return;
	/* Joins the MHD threads; their key destructors free their readers. */
	MHD_stop_daemon(h->mhd);
	pthread_key_delete(h->reader_key);
	blob_put(h, h->metrics);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
#endif /* SCHEDRIFT_NO_HTTP */
