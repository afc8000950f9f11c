/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's loopback HTTP endpoint (libmicrohttpd, its own threads):
 *   GET /metrics           the same bytes as DIR/schedrift.prom
 *   GET /tasks[?tid=N][&top=N]  tasks from the task table, as JSON
 * Anything else is 404 (405 for other methods). Handlers read the task
 * table and a published metrics buffer; they never block the ingest thread.
 */
#ifndef SCHEDRIFT_HTTP_H
#define SCHEDRIFT_HTTP_H

#include <stddef.h>
#include "live/tasktable.h"

struct http;

/*
 * listen is "ADDR:PORT", ":PORT" (127.0.0.1) or "[ADDR6]:PORT". Returns NULL
 * with err filled when the address is bad (-EINVAL) or cannot be bound.
 */
struct http *http__start(const char *listen, struct tasktable *table, int nr_nodes, int *err);
/* Publish a new /metrics body; takes ownership of buf (malloc'd). */
void http__publish_metrics(struct http *h, char *buf, size_t len);
/* The tick's cgroup paths (r's cgroups, copied), for /tasks rows' `cgroup`. */
struct report;
void http__publish_cgroups(struct http *h, const struct report *r);
void http__stop(struct http *h);

/* Parse a --listen value into a socket address; 0 or -EINVAL. Exposed for tests. */
struct sockaddr_storage;
int http__parse_listen(const char *listen, struct sockaddr_storage *ss);

#endif /* SCHEDRIFT_HTTP_H */
