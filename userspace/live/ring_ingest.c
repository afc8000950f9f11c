// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ring's reader thread and its queue (ring_ingest.h). Records are copied into
 * chunks of 1 MiB: at the daemon's mmap threshold (daemon.c), so a chunk
 * freed after a backlog goes back to the kernel and RSS falls again; two
 * emptied chunks are kept for the next records, so a steady stream does
 * not map and unmap a chunk every few hundred milliseconds.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "live/ring_ingest.h"

#define CHUNK_BYTES (1u << 20)
#define SPARE_CHUNKS 2
/*
 * Without a wakeup from the kernel (it wakes us only once its ring is a
 * quarter full) the thread still looks every quarter second, so the ring
 * rarely holds more than that of a slow stream when a tick comes.
 */
#define INGEST_POLL_MS 250

struct ring_chunk {
	struct ring_chunk *next;
	size_t used; /* bytes of data[] holding records */
	unsigned char data[];
};

/* Each record in a chunk: its size, then its bytes, padded to 8. */
struct staged_hdr {
	__u32 size;
	__u32 pad;
};

#define CHUNK_DATA (CHUNK_BYTES - sizeof(struct ring_chunk))
#define STAGED_BYTES(n) ((sizeof(struct staged_hdr) + (n) + 7) & ~(size_t)7)

static struct ring_chunk *chunk_get(struct ring_ingest *q)
{
	struct ring_chunk *k = q->spare;

	if (k) {
		q->spare = k->next;
		q->nr_spare--;
	} else {
		if (q->held_bytes + CHUNK_BYTES > q->cap_bytes)
			return NULL;
		k = malloc(CHUNK_BYTES);
		if (!k)
			return NULL;
		q->held_bytes += CHUNK_BYTES;
		if (q->held_bytes > q->high_water)
			q->high_water = q->held_bytes;
	}
	k->next = NULL;
	k->used = 0;
	return k;
}

/* Called with the lock held. */
static void chunk_put(struct ring_ingest *q, struct ring_chunk *k)
{
	if (q->nr_spare < SPARE_CHUNKS) {
		k->next = q->spare;
		q->spare = k;
		q->nr_spare++;
		return;
	}
	q->held_bytes -= CHUNK_BYTES;
	free(k);
}

int ring_ingest__stage(struct ring_ingest *q, const void *data, size_t size)
{
	size_t need = STAGED_BYTES(size);
	struct ring_chunk *k = q->tail;
	struct staged_hdr *h;

	if (need > CHUNK_DATA)
		goto drop;
	if (!k || k->used + need > CHUNK_DATA) {
		k = chunk_get(q);
		if (!k)
			goto drop;
		if (q->tail)
			q->tail->next = k;
		else
			q->head = k;
		q->tail = k;
	}
	h = (struct staged_hdr *)(k->data + k->used);
	h->size = size;
	h->pad = 0;
	memcpy(h + 1, data, size);
	k->used += need;
	q->queued_bytes += need;
	return 0;
drop:
	return -ENOSPC;
}

void ring_ingest__drop(struct ring_ingest *q, __u64 weight)
{
	q->drops.records++;
	q->drops.weight += weight;
}

/* The ring into the queue; the lock is held. */
static int consume_locked(struct ring_ingest *q)
{
	int n = ring_buffer__consume(q->rb);

	return n < 0 && n != -EINTR ? n : 0;
}

/* No room for another chunk, the lock held: the tail's own room aside. */
static int queue_full(const struct ring_ingest *q)
{
	return !q->spare && q->held_bytes + CHUNK_BYTES > q->cap_bytes;
}

static void signal_ready(struct ring_ingest *q)
{
	__u64 one = 1;

	if (write(q->ready_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the engine will wake. */
	}
}

static void *ingest_main(void *arg)
{
	struct ring_ingest *q = arg;
	struct epoll_event ev[2];
	int n, i, ready, stop = 0;

	while (!stop) {
		n = epoll_wait(q->epfd, ev, 2, INGEST_POLL_MS);
		for (i = 0; i < n; i++)
			stop |= ev[i].data.fd == q->stop_fd;
		if (stop)
			break;
		pthread_mutex_lock(&q->lock);
		/*
		 * A ring error is the engine's to report: its next take sees it
		 * too. A queue at its cap leaves the records in the ring, which
		 * still holds what it can (and counts what it cannot): taking
		 * them now would only drop them here.
		 */
		if (!queue_full(q))
			consume_locked(q);
		ready = q->queued_bytes >= q->wake_bytes;
		pthread_mutex_unlock(&q->lock);
		if (ready)
			signal_ready(q);
	}
	return NULL;
}

/* Detaches the queue's chunks, the lock held. */
static struct ring_chunk *detach_locked(struct ring_ingest *q)
{
	struct ring_chunk *list = q->head;

	q->head = q->tail = NULL;
	q->queued_bytes = 0;
	return list;
}

/*
 * Hands each record of list to fn, outside the lock (the thread drains into
 * new chunks meanwhile), and each chunk back as soon as it is done, so a
 * long backlog frees room for the thread while it is being taken.
 */
static void take_list(struct ring_ingest *q, struct ring_chunk *list,
		      int (*fn)(void *ctx, void *data, size_t size), void *ctx)
{
	struct ring_chunk *k, *next;
	struct staged_hdr *h;
	size_t off;

	for (k = list; k; k = next) {
		for (off = 0; off < k->used; off += STAGED_BYTES(h->size)) {
			h = (struct staged_hdr *)(k->data + off);
			fn(ctx, h + 1, h->size);
		}
		next = k->next;
		pthread_mutex_lock(&q->lock);
		chunk_put(q, k);
		pthread_mutex_unlock(&q->lock);
	}
}

int ring_ingest__take(struct ring_ingest *q, int (*fn)(void *ctx, void *data, size_t size),
		      void *ctx)
{
	struct ring_chunk *list;
	int err;

	/*
	 * The queue first, then the ring: what the queue holds is older, and
	 * emptying the ring into a queue that is full would drop records the
	 * take is about to make room for. The ring is read last, so a take
	 * still holds every record the kernel shipped before it began.
	 */
	pthread_mutex_lock(&q->lock);
	list = detach_locked(q);
	pthread_mutex_unlock(&q->lock);
	take_list(q, list, fn, ctx);
	pthread_mutex_lock(&q->lock);
	err = consume_locked(q);
	list = detach_locked(q);
	pthread_mutex_unlock(&q->lock);
	take_list(q, list, fn, ctx);
	return err;
}

int ring_ingest__wait(struct ring_ingest *q, int timeout_ms,
		      int (*fn)(void *ctx, void *data, size_t size), void *ctx)
{
	struct pollfd p = { .fd = q->ready_fd, .events = POLLIN };
	__u64 v;

	/* A signal ends the sleep (EINTR), as the ring's own poll did. */
	if (poll(&p, 1, timeout_ms) > 0 && read(q->ready_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: another reader was first; nothing to clear. */
	}
	return ring_ingest__take(q, fn, ctx);
}

struct ring_ingest_drops ring_ingest__drops(struct ring_ingest *q, __u64 *high_water)
{
	struct ring_ingest_drops d;

	pthread_mutex_lock(&q->lock);
	d = q->drops;
	if (high_water)
		*high_water = q->high_water;
	pthread_mutex_unlock(&q->lock);
	return d;
}

int ring_ingest__start(struct ring_ingest *q, struct ring_buffer *rb, int ring_fd,
		       size_t cap_bytes, size_t wake_bytes)
{
	/*
	 * Edge-triggered on the ring itself: woken when the kernel wakes the
	 * ring's readers (a quarter full), not every time it holds a record,
	 * which under a flood is always and would keep the thread spinning.
	 */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	pthread_mutexattr_t attr;
	sigset_t block, old;
	int err;

	memset(q, 0, sizeof(*q));
	q->rb = rb;
	q->cap_bytes = cap_bytes;
	q->wake_bytes = wake_bytes;
	q->epfd = q->stop_fd = q->ready_fd = -1;
	/*
	 * Priority inheritance: with --cpu-reserve the engine's thread runs at
	 * SCHED_DEADLINE and must not wait long on this ordinary-class thread
	 * preempted while it holds the lock, under the very floods the
	 * reservation is for.
	 */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&q->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	q->epfd = epoll_create1(EPOLL_CLOEXEC);
	q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->epfd < 0 || q->stop_fd < 0 || q->ready_fd < 0)
		goto fail_errno;
	ev.data.fd = ring_fd;
	if (epoll_ctl(q->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail_errno;
	ev.events = EPOLLIN;
	ev.data.fd = q->stop_fd;
	if (epoll_ctl(q->epfd, EPOLL_CTL_ADD, q->stop_fd, &ev))
		goto fail_errno;
	/*
	 * The thread takes none of the process's signals: SIGTERM, SIGHUP and
	 * SIGINT must wake the engine's thread, which acts on them. Signals
	 * sent to this thread by its id (thread_caps.c) still arrive.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = -pthread_create(&q->thread, NULL, ingest_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		ring_ingest__stop(q);
		return err;
	}
	q->started = 1;
	return 0;
fail_errno:
	err = -errno;
	ring_ingest__stop(q);
	return err;
}

void ring_ingest__stop(struct ring_ingest *q)
{
	struct ring_chunk *k, *next;
	__u64 one = 1;

	if (!q->rb) /* never started */
		return;
	if (q->started) {
		if (write(q->stop_fd, &one, sizeof(one)) < 0) {
			/* Cannot fail on a fresh eventfd; the join below would hang if it did. */
		}
		pthread_join(q->thread, NULL);
		q->started = 0;
	}
	for (k = q->head; k; k = next) {
		next = k->next;
		free(k);
	}
	for (k = q->spare; k; k = next) {
		next = k->next;
		free(k);
	}
	if (q->epfd >= 0)
		close(q->epfd);
	if (q->stop_fd >= 0)
		close(q->stop_fd);
	if (q->ready_fd >= 0)
		close(q->ready_fd);
	pthread_mutex_destroy(&q->lock);
	memset(q, 0, sizeof(*q));
}
