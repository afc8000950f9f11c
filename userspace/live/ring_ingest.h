/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeps the ring buffer drained while the engine is busy (docs/daemon.md,
 * "Ring reader thread"): a thread of its own copies the kernel's records out of
 * the ring into a bounded userspace queue, and the engine takes them from
 * the queue, in ring order, at the same points where it used to read the
 * ring itself. A tick over 50 000 tasks no longer leaves the ring unread
 * for its whole length, and no wait moves across an interval boundary: a
 * record is still handed to the engine at the first take after it left
 * the kernel, as it was when the engine read the ring.
 *
 * Both threads consume the ring only under the queue's lock, so libbpf's
 * consumer (not thread-safe) has one caller at a time and the queue holds
 * records in the order the ring had them. The queue is capped: a record
 * that finds it full is dropped and counted (the caller says how much it
 * weighs: the waits of a switch batch, as the ring's losses count them).
 */
#ifndef SCHEDRIFT_RING_INGEST_H
#define SCHEDRIFT_RING_INGEST_H

#include <pthread.h>
#include <stddef.h>
#include <linux/types.h>

struct ring_buffer;
struct ring_chunk;

/* What the queue dropped at its cap. */
struct ring_ingest_drops {
	__u64 records;
	__u64 weight; /* summed as the caller weighed them */
};

struct ring_ingest {
	struct ring_buffer *rb;
	pthread_mutex_t lock; /* the ring's consumer, the queue and drops */
	pthread_t thread;
	int started;
	int epfd;   /* the thread's: the ring and stop_fd */
	int stop_fd;
	int ready_fd; /* readable once wake_bytes are queued (for the engine's wait) */
	size_t cap_bytes, wake_bytes;
	struct ring_chunk *head, *tail; /* queued, oldest first */
	struct ring_chunk *spare;       /* a few emptied chunks kept, not unmapped */
	size_t nr_spare;
	size_t queued_bytes; /* in head..tail */
	size_t held_bytes;   /* every chunk allocated, queued or being taken: the cap's */
	struct ring_ingest_drops drops;
	__u64 high_water;    /* held_bytes at most, since start */
};

/*
 * Starts the thread on rb (ring_fd: its map), whose callback must call
 * ring_ingest__stage().
 * cap_bytes bounds the queue; the engine's wait (ring_ingest__wait) returns
 * once wake_bytes are queued. 0 or a negative errno.
 */
int ring_ingest__start(struct ring_ingest *q, struct ring_buffer *rb, int ring_fd,
		       size_t cap_bytes, size_t wake_bytes);
/*
 * From rb's callback (the lock is held by whoever consumes): copies the
 * record into the queue. -ENOSPC when the cap refused it: the callback
 * then says what it weighed (ring_ingest__drop).
 */
int ring_ingest__stage(struct ring_ingest *q, const void *data, size_t size);
/* From rb's callback, for a record stage refused: counted, weighing weight. */
void ring_ingest__drop(struct ring_ingest *q, __u64 weight);
/*
 * The engine's side: everything the ring holds now and everything queued
 * before it, in order, to fn (which the queue's lock does not cover, so
 * the thread goes on draining meanwhile). 0 or a negative errno from the
 * ring.
 */
int ring_ingest__take(struct ring_ingest *q, int (*fn)(void *ctx, void *data, size_t size),
		      void *ctx);
/* Sleeps until wake_bytes are queued, a signal, or timeout_ms; then takes. */
int ring_ingest__wait(struct ring_ingest *q, int timeout_ms,
		      int (*fn)(void *ctx, void *data, size_t size), void *ctx);
/* What the cap dropped so far, and the most the queue ever held. */
struct ring_ingest_drops ring_ingest__drops(struct ring_ingest *q, __u64 *high_water);
/* Stops the thread; what is still queued is freed, not handed out. */
void ring_ingest__stop(struct ring_ingest *q);

#endif /* SCHEDRIFT_RING_INGEST_H */
