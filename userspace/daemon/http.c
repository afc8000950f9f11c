// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifndef SCHEDRIFT_NO_HTTP
#include <microhttpd.h>
#endif
#include "live/collector.h"
#include "daemon/http.h"
#include "daemon/http_admit.h"
#include "lib/json.h"
#include "report/render.h"
#include "lib/util.h"

/* A published /metrics body, shared by the handlers that are sending it. */
struct blob {
	int refs;
	size_t len;
	char *data;
};

/*
 * The cgroup paths of the last tick, by id: /tasks names each task's cgroup
 * as the tick's report (schedrift.json) does. Shared like a blob.
 */
struct cg_names {
	int refs;
	size_t n;
	struct cg_name {
		__u64 id;
		char *path;
	} *v; /* sorted by id */
};

struct http {
	struct MHD_Daemon *mhd;
	struct tasktable *table;
	pthread_key_t reader_key; /* each MHD thread's own table reader */
	int nr_nodes;
	pthread_mutex_t lock; /* guards `metrics` and blob refs: a pointer swap, never I/O */
	struct blob *metrics;
	struct cg_names *cgroups; /* guarded by lock too */
	struct http_admit admit;
	/*
	 * Set while MHD_start_daemon() runs: its message for a port in use says
	 * "Failed to bind to port 0" (it is handed an address, not a port), and
	 * the caller says in one line which address it could not listen on.
	 */
	int starting;
	pthread_mutex_t log_lock; /* guards the rate limit of libmicrohttpd's messages */
	__u64 log_at_ns;
	unsigned long log_dropped;
};

/*
 * Limits (docs/daemon.md, "HTTP"). A request line plus headers over
 * HTTP_MAX_HEADER bytes is refused with 431 (414 when the target alone is
 * too long for libmicrohttpd's pool), a GET body over HTTP_MAX_BODY (or of
 * unstated length) with 413: neither path takes a body. HTTP_SLOTS
 * connections are held at once (http_admit.h says who gives way); the
 * library's own limit is higher, so it never closes a newcomer unanswered
 * while an evicted connection is still being torn down.
 */
#define HTTP_MAX_HEADER 8192
#define HTTP_MAX_BODY 8192
#define HTTP_POOL_BYTES (16 * 1024)
#define HTTP_SLOTS 32u
#define HTTP_MHD_LIMIT (4 * HTTP_SLOTS)
#define HTTP_LOG_EVERY_NS (10ull * 1000000000ull)
#define HTTP_DEFER_ACCEPT_S 2

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
void http__publish_cgroups(struct http *h, const struct report *r)
{
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

static void names_put(struct http *h, struct cg_names *c)
{
	size_t i;
	int last;

	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (!last)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	free(c);
}

static int cmp_cg_name(const void *a, const void *b)
{
	const struct cg_name *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void http__publish_cgroups(struct http *h, const struct report *r)
{
	struct cg_names *c = calloc(1, sizeof(*c)), *old;
	size_t i;

	if (!c)
		return; /* the last tick's names stay */
	c->refs = 1;
	c->v = calloc(r->nr_cgroups + 1, sizeof(*c->v));
	for (i = 0; c->v && i < r->nr_cgroups; i++) {
		if (!r->cgroups[i].path)
			continue;
		c->v[c->n].id = r->cgroups[i].id;
		c->v[c->n].path = strdup(r->cgroups[i].path);
		if (!c->v[c->n].path)
			break;
		c->n++;
	}
	if (!c->v || i < r->nr_cgroups) {
		names_put(h, c);
		return;
	}
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), cmp_cg_name);
	pthread_mutex_lock(&h->lock);
	old = h->cgroups;
	h->cgroups = c;
	pthread_mutex_unlock(&h->lock);
	names_put(h, old);
}

static const char *cg_name_of(const struct cg_names *c, __u64 id)
{
	struct cg_name key = { .id = id }, *e;

	if (!c || !c->n)
		return NULL;
	e = bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_cg_name);
	return e ? e->path : NULL;
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
	if (ARRAY_GROW(q->rows, q->n, q->cap, 256)) {
		q->err = -ENOMEM;
		return 1;
	}
	collector__row_from_rec(&q->rows[q->n++], t, q->nr_nodes);
	return 0;
}

static enum MHD_Result serve_tasks(struct http *h, struct MHD_Connection *conn)
{
	const char *tid_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "tid");
	const char *top_s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "top");
	struct task_query q = { .nr_nodes = h->nr_nodes };
	struct cg_names *names;
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
	if (q.n) /* q.rows is NULL when no task matched */
		qsort(q.rows, q.n, sizeof(*q.rows), report_task__cmp);
	pthread_mutex_lock(&h->lock);
	names = h->cgroups;
	if (names)
		names->refs++;
	pthread_mutex_unlock(&h->lock);
	if (top && top < q.n)
		q.n = top;
	f = open_memstream(&buf, &len);
	if (!f) {
		names_put(h, names);
		free(q.rows);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	json__init(&j, f);
	json__object_begin(&j, NULL);
	json__str(&j, "schema", "schedrift.tasks/1");
	json__array_begin(&j, "tasks");
	for (i = 0; i < q.n; i++)
		report__write_task_json(&j, &q.rows[i], cg_name_of(names, q.rows[i].cgroup_id), 1,
					0); /* the daemon keeps the split */
	json__array_end(&j);
	json__object_end(&j);
	json__finish(&j);
	fclose(f);
	names_put(h, names);
	free(q.rows);
	return reply(conn, MHD_HTTP_OK, "application/json", buf, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result add_header_len(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	size_t *len = cls;

	*len += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	return MHD_YES;
}

/* The request line and headers as sent, give or take the spaces around values. */
static size_t request_header_len(struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version)
{
	size_t len = strlen(method) + strlen(url) + strlen(version) + 4;

	/* The query string is parsed away from url: count its arguments too. */
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_header_len, &len);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_len, &len);
	return len;
}

/* A GET body is never read: one over HTTP_MAX_BODY, or of unstated length, is refused. */
static bool body_too_large(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	__u64 n;

	if (te)
		return true;
	return cl && (parse_u64(cl, 0, HTTP_MAX_BODY, &n) != 0);
}

static enum MHD_Result reply_not_allowed(struct MHD_Connection *conn)
{
	static const char text[] = "method not allowed: GET or HEAD\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct http *h = cls;
	bool known = !strcmp(url, "/metrics") || !strcmp(url, "/tasks");

	/* Answer on the first call, before any body: no path takes one. */
	http_admit__set_busy(&h->admit, conn, true, now_mono_ns());
	if (request_header_len(conn, url, method, version) > HTTP_MAX_HEADER)
		return reply_text(conn, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
				  "request header over 8192 bytes\n");
	if (!known)
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "not found: GET /metrics or GET /tasks\n");
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_not_allowed(conn);
	if (body_too_large(conn))
		return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				  "request body over 8192 bytes or of unstated length\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(h, conn);
	return serve_tasks(h, conn);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		http_admit__close(&h->admit, conn);
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci)
		http_admit__open(&h->admit, conn, ci->connect_fd, now_mono_ns());
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;

	http_admit__set_busy(&h->admit, conn, false, now_mono_ns());
}

/*
 * libmicrohttpd logs a line per refused or broken connection; under a
 * flood that is thousands of lines, so pass at most one per 10 s and say
 * how many were dropped.
 */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http *h = cls;
	__u64 now = now_mono_ns();
	unsigned long dropped;
	char msg[256];
	size_t len;

	if (__atomic_load_n(&h->starting, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&h->log_lock);
	if (h->log_at_ns && now - h->log_at_ns < HTTP_LOG_EVERY_NS) {
		h->log_dropped++;
		pthread_mutex_unlock(&h->log_lock);
		return;
	}
	dropped = h->log_dropped;
	h->log_dropped = 0;
	h->log_at_ns = now;
	pthread_mutex_unlock(&h->log_lock);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '.'))
		msg[--len] = 0;
	if (dropped)
		log_msg(LOG_LVL_WARN, "http: %s (%lu similar messages in the 10 s before not shown)",
			msg, dropped);
	else
		log_msg(LOG_LVL_WARN, "http: %s", msg);
}

static void free_reader(void *rd)
{
	tasktable__reader_free(rd);
}

/*
 * The kernel hands over a connection only once it has sent something (or
 * after HTTP_DEFER_ACCEPT_S): a client that connects and says nothing takes
 * no slot meanwhile, and a scraper's request is already in its socket when
 * it gets a slot, so http_admit never takes it for a slow client. Best
 * effort: without it only the slot policy is left.
 */
static void defer_accept(struct MHD_Daemon *mhd)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_LISTEN_FD);
	int secs = HTTP_DEFER_ACCEPT_S;

	if (!di)
		log_msg(LOG_LVL_WARN, "http: TCP_DEFER_ACCEPT not set: no listening socket");
	else if (setsockopt(di->listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)))
		log_msg(LOG_LVL_WARN, "http: TCP_DEFER_ACCEPT not set: %s", strerror(errno));
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
	pthread_mutex_init(&h->log_lock, NULL);
	http_admit__init(&h->admit, HTTP_SLOTS);
	pthread_key_create(&h->reader_key, free_reader);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * Two worker threads, a 5 s idle timeout, a small per-connection pool
	 * and the slots of http_admit: a slow or hostile client ties up at most
	 * its own connection, until a newer one needs the slot, and never the
	 * ingest thread, which only swaps a pointer here. No per-address limit:
	 * on loopback every client is 127.0.0.1, so such a limit would only let
	 * one local client lock the scraper out.
	 */
	errno = 0; /* MHD does not always set it: 0 after means "could not bind" */
	__atomic_store_n(&h->starting, 1, __ATOMIC_RELAXED);
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_THREAD_POOL_SIZE, 2u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 5u,
				  MHD_OPTION_CONNECTION_LIMIT, HTTP_MHD_LIMIT,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_BYTES,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				  MHD_OPTION_END);
	__atomic_store_n(&h->starting, 0, __ATOMIC_RELAXED);
	if (!h->mhd) {
		*err = errno ? -errno : -EADDRINUSE;
		pthread_key_delete(h->reader_key);
		http_admit__destroy(&h->admit);
		pthread_mutex_destroy(&h->log_lock);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	defer_accept(h->mhd);
	return h;
}

void http__stop(struct http *h)
{
	if (!h)
		return;
	/* Joins the MHD threads; their key destructors free their readers. */
	MHD_stop_daemon(h->mhd);
	if (h->admit.evicted || h->admit.refused)
		log_msg(LOG_LVL_INFO, "http: since start, %llu client(s) closed while waiting for "
			"a request (408), %llu refused with every slot busy (503)",
			(unsigned long long)h->admit.evicted, (unsigned long long)h->admit.refused);
	pthread_key_delete(h->reader_key);
	blob_put(h, h->metrics);
	names_put(h, h->cgroups);
	http_admit__destroy(&h->admit);
	pthread_mutex_destroy(&h->log_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
#endif /* SCHEDRIFT_NO_HTTP */
