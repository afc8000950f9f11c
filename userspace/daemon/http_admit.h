/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which HTTP connections keep a slot. At most `cap` connections are held;
 * when a new one finds them all taken, the one that has waited longest
 * for its request (never one being answered, nor one whose whole request
 * header is already in its socket) is told 408 and closed to make room,
 * and if there is no such connection the newcomer is told 503 and closed.
 * So clients that connect and then send slowly or not at all cannot lock
 * out a scraper that sends its request at once, from the same address or
 * not. No libmicrohttpd here: http.c calls these from its connection
 * callbacks, and the unit test from plain sockets.
 */
#ifndef SCHEDRIFT_HTTP_ADMIT_H
#define SCHEDRIFT_HTTP_ADMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <linux/types.h>

#define HTTP_ADMIT_MAX 64

struct http_admit_slot {
	const void *conn; /* NULL: free */
	int fd;
	bool busy; /* a request is being answered */
	__u64 since_ns; /* connected, or last answer finished */
};

struct http_admit {
	pthread_mutex_t lock;
	unsigned int cap;
	struct http_admit_slot slot[HTTP_ADMIT_MAX];
	__u64 evicted, refused; /* since start */
	__u64 logged_at_ns, logged_evicted, logged_refused;
};

void http_admit__init(struct http_admit *a, unsigned int cap);
void http_admit__destroy(struct http_admit *a);
/*
 * A new connection on socket fd. 0: it holds a slot (perhaps after a
 * waiting one was evicted); -EBUSY: refused, told 503 and shut down (its
 * owner still closes fd and calls nothing else for it).
 */
int http_admit__open(struct http_admit *a, const void *conn, int fd, __u64 now_ns);
/* A request began (busy) or its answer ended (waiting for the next one). */
void http_admit__set_busy(struct http_admit *a, const void *conn, bool busy, __u64 now_ns);
/* The connection is about to be closed: its fd must not be touched after. */
void http_admit__close(struct http_admit *a, const void *conn);

#endif /* SCHEDRIFT_HTTP_ADMIT_H */
