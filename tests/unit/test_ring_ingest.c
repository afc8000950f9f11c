// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ring reader's queue (live/ring_ingest.c) on a real, empty BPF ring
 * buffer with its thread running:
 * - records staged come out of a take in the order they went in, each with
 *   its size and bytes, whatever their sizes (chunks fill and chain);
 * - the queue holds at most its cap: a record that does not fit is refused,
 *   and what the caller weighs it at is counted with it, nothing else;
 * - after a take the chunks go back (two kept), so the queue can take about
 *   as much again, and the most it ever held is reported;
 * - the engine's wait hands the records out too.
 * Needs root (a BPF map); exits 77 without it.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "live/ring_ingest.h"

#define MIB (1u << 20)

struct seen {
	unsigned n, bad_size, bad_bytes;
};

static size_t size_of(unsigned i)
{
	return 8 + (i * 37) % 2000; /* 8 to 2 007 bytes, every alignment */
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;
	const unsigned char *b = data;
	size_t k;

	if (size != size_of(s->n))
		s->bad_size++;
	for (k = 0; k < size; k++)
		if (b[k] != (unsigned char)(s->n + k)) {
			s->bad_bytes++;
			break;
		}
	s->n++;
	return 0;
}

/* The ring is empty: libbpf never calls this. */
static int never(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

/* Stages records numbered from first until one is refused or n are in; returns how many. */
static unsigned stage_from(struct ring_ingest *q, unsigned first, unsigned n)
{
	unsigned char buf[2048];
	unsigned i;
	size_t k;
	int err = 0;

	pthread_mutex_lock(&q->lock); /* as a consumer of the ring holds it */
	for (i = first; i < first + n; i++) {
		for (k = 0; k < size_of(i); k++)
			buf[k] = (unsigned char)(i + k);
		err = ring_ingest__stage(q, buf, size_of(i));
		if (err) {
			ring_ingest__drop(q, 32);
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	CHECK(!err || err == -ENOSPC, "stage: %d", err);
	return i - first;
}

int main(void)
{
	struct ring_ingest q;
	struct ring_ingest_drops d;
	struct ring_buffer *rb;
	struct seen s = {};
	unsigned in, again;
	__u64 high;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sdr_test_ring", 0, 0, 64 * 1024, NULL);
	if (fd < 0) {
		printf("skip: cannot create a BPF ring buffer (%s): run as root\n", strerror(errno));
		return 77;
	}
	rb = ring_buffer__new(fd, never, NULL, NULL);
	CHECK(rb != NULL);
	if (!rb)
		return check_summary();
	CHECK(ring_ingest__start(&q, rb, fd, 3 * MIB, MIB) == 0);

	/* In order, every size, across chunks. */
	in = stage_from(&q, 0, 1500);
	CHECK_EQ_U64(in, 1500);
	CHECK(ring_ingest__take(&q, on_record, &s) == 0);
	CHECK_EQ_U64(s.n, 1500);
	CHECK_EQ_U64(s.bad_size, 0);
	CHECK_EQ_U64(s.bad_bytes, 0);

	/* Up to the cap and no further; the refused one counted at its weight. */
	in = stage_from(&q, s.n, 100000);
	/* About 1 020 bytes each as staged (size, bytes, padding): 3 084 fill 3 MiB. */
	CHECK(in > 3000 && in < 3100, "%u records of about 1 KB under a 3 MiB cap", in);
	d = ring_ingest__drops(&q, &high);
	CHECK_EQ_U64(d.records, 1);
	CHECK_EQ_U64(d.weight, 32);
	CHECK(high <= 3 * MIB, "held %llu bytes, cap %u", (unsigned long long)high, 3 * MIB);
	CHECK(q.held_bytes <= 3 * MIB);
	/* The engine's wait takes them, the refused one missing: numbering resumes after it. */
	CHECK(ring_ingest__wait(&q, 0, on_record, &s) == 0);
	CHECK_EQ_U64(s.n, 1500 + in);
	CHECK_EQ_U64(s.bad_size, 0);
	CHECK_EQ_U64(s.bad_bytes, 0);
	CHECK(q.held_bytes <= 2 * MIB, "after a take %zu bytes held (two spare chunks)",
	      q.held_bytes);

	/* Room again for about as much (these records' sizes differ a little). */
	s.n++; /* the refused record's number */
	again = stage_from(&q, s.n, in - 10);
	CHECK_EQ_U64(again, in - 10);
	CHECK(ring_ingest__take(&q, on_record, &s) == 0);
	CHECK_EQ_U64(s.n, 1500 + 1 + 2 * (__u64)in - 10);
	CHECK_EQ_U64(s.bad_size, 0);
	CHECK_EQ_U64(s.bad_bytes, 0);
	d = ring_ingest__drops(&q, NULL);
	CHECK_EQ_U64(d.records, 1);

	ring_ingest__stop(&q);
	ring_buffer__free(rb);
	close(fd);
	return check_summary();
}
