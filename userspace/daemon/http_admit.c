// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include "daemon/http_admit.h"
#include "lib/util.h"

/* At most one summary line per this long: an attack must not flood the log. */
#define ADMIT_LOG_EVERY_NS (10ull * 1000000000ull)

static const char evict_msg[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
				"Content-Length: 0\r\n\r\n";
static const char refuse_msg[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
				 "Retry-After: 1\r\nContent-Length: 0\r\n\r\n";

void http_admit__init(struct http_admit *a, unsigned int cap)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	a->cap = cap < HTTP_ADMIT_MAX ? cap : HTTP_ADMIT_MAX;
}

void http_admit__destroy(struct http_admit *a)
{
	pthread_mutex_destroy(&a->lock);
}

/*
 * Tell the client why and end the connection without closing the fd: its
 * owner thread sees end of file and closes it, so the fd cannot be reused
 * under us. A few dozen bytes always fit an idle socket's send buffer; if
 * not, the client just sees the close.
 */
static void admit_turn_away(int fd, const char *msg, size_t len)
{
	ssize_t n = send(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)n;
	shutdown(fd, SHUT_RDWR);
}

static struct http_admit_slot *admit_find(struct http_admit *a, const void *conn)
{
	unsigned int i;

	for (i = 0; i < a->cap; i++)
		if (a->slot[i].conn == conn)
			return &a->slot[i];
	return NULL;
}

/*
 * Has the client sent a whole request header that the library has not
 * read yet? A scraper sends its request at once, so under a flood of new
 * connections it may still sit unread in the socket when the next
 * newcomer needs a slot: such a connection is about to be answered and
 * is not evicted. Peeking takes nothing from the library's stream.
 */
static bool admit_has_request(int fd)
{
	char buf[16 * 1024];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return n >= 4 && memmem(buf, n, "\r\n\r\n", 4);
}

/*
 * The connection that has waited longest for its request, skipping those
 * being answered and those whose request is in the socket already.
 */
static struct http_admit_slot *admit_victim(struct http_admit *a)
{
	__u64 skip = 0;
	unsigned int i, n;

	for (n = 0; n < a->cap; n++) {
		struct http_admit_slot *oldest = NULL;
		unsigned int oi = 0;

		for (i = 0; i < a->cap; i++) {
			struct http_admit_slot *s = &a->slot[i];

			if (s->busy || (skip & (1ull << i)))
				continue;
			if (!oldest || s->since_ns < oldest->since_ns) {
				oldest = s;
				oi = i;
			}
		}
		if (!oldest || !admit_has_request(oldest->fd))
			return oldest;
		skip |= 1ull << oi;
	}
	return NULL;
}

/* Called with the lock held; logs after dropping it. */
static bool admit_log_due(struct http_admit *a, __u64 now_ns, __u64 *ev, __u64 *rf)
{
	if (a->logged_at_ns && now_ns - a->logged_at_ns < ADMIT_LOG_EVERY_NS)
		return false;
	*ev = a->evicted - a->logged_evicted;
	*rf = a->refused - a->logged_refused;
	a->logged_at_ns = now_ns;
	a->logged_evicted = a->evicted;
	a->logged_refused = a->refused;
	return true;
}

int http_admit__open(struct http_admit *a, const void *conn, int fd, __u64 now_ns)
{
	struct http_admit_slot *s, *free_s = NULL, *oldest = NULL;
	__u64 ev = 0, rf = 0;
	bool log_now = false;
	int ret = 0;
	unsigned int i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->cap; i++) {
		s = &a->slot[i];
		if (!s->conn) {
			free_s = s;
			break;
		}
	}
	if (!free_s)
		oldest = admit_victim(a);
	if (oldest) {
		admit_turn_away(oldest->fd, evict_msg, sizeof(evict_msg) - 1);
		a->evicted++;
		free_s = oldest;
	}
	if (free_s) {
		free_s->conn = conn;
		free_s->fd = fd;
		free_s->busy = false;
		free_s->since_ns = now_ns;
	} else {
		admit_turn_away(fd, refuse_msg, sizeof(refuse_msg) - 1);
		a->refused++;
		ret = -EBUSY;
	}
	if (!free_s || free_s == oldest)
		log_now = admit_log_due(a, now_ns, &ev, &rf);
	pthread_mutex_unlock(&a->lock);
	if (log_now)
		log_msg(LOG_LVL_WARN, "http: all %u connection slots taken: closed %llu client(s) "
			"still waiting for a request (408), refused %llu (503) since the last "
			"such line", a->cap, (unsigned long long)ev, (unsigned long long)rf);
	return ret;
}

void http_admit__set_busy(struct http_admit *a, const void *conn, bool busy, __u64 now_ns)
{
	struct http_admit_slot *s;

	pthread_mutex_lock(&a->lock);
	s = admit_find(a, conn);
	if (s) {
		s->busy = busy;
		s->since_ns = now_ns;
	}
	pthread_mutex_unlock(&a->lock);
}

void http_admit__close(struct http_admit *a, const void *conn)
{
	struct http_admit_slot *s;

	pthread_mutex_lock(&a->lock);
	s = admit_find(a, conn);
	if (s)
		s->conn = NULL;
	pthread_mutex_unlock(&a->lock);
}
