// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The delta-encoded wait batches of trace files (docs/trace-format.md,
 * "Wait batches"):
 * - every field of a wait, delivery included, survives a round trip, for
 *   waits that step back in time and tids that go down;
 * - a full batch says so and keeps what it has;
 * - version 1 entries (no delivery) still decode, with delivery 0;
 * - what the decoder must refuse (delivery longer than the wait, a CPU or
 *   landing out of range, a record cut short or with bytes left over) it
 *   refuses, and the encoder never writes it;
 * - the kernel's batches become the file's, every wait in order.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "trace/wait_batch.h"
#include "trace/varint.h"

#define NR 5000

struct got {
	struct wait_sample v[NR];
	size_t n;
};

static int collect(void *ctx, const struct wait_sample *s)
{
	struct got *g = ctx;

	if (g->n == NR)
		return -ENOSPC;
	g->v[g->n++] = *s;
	return 0;
}

static __u64 lcg(__u64 *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 33;
}

static int same(const struct wait_sample *a, const struct wait_sample *b)
{
	return a->ts_ns == b->ts_ns && a->wait_ns == b->wait_ns &&
	       a->delivery_ns == b->delivery_ns && a->tid == b->tid && a->cpu == b->cpu &&
	       a->landing == b->landing;
}

static void check_roundtrip(void)
{
	static struct wait_batch b;
	static struct wait_sample in[NR];
	static struct got g;
	const struct sdr_rec_hdr *h;
	__u64 st = 7, ts = 1000000000ull;
	size_t i, done = 0, nbatches = 0;
	int rc;

	for (i = 0; i < NR; i++) {
		/* Mostly forward, sometimes back a little, as batches of several CPUs are. */
		ts += lcg(&st) % 5000;
		in[i].ts_ns = i % 17 == 0 ? ts - 3000 : ts;
		in[i].wait_ns = (lcg(&st) % 1000) << (lcg(&st) % 30);
		/* Preemptions (no delivery), all-delivery waits, and everything between. */
		in[i].delivery_ns = i % 5 == 0 ? 0 : i % 7 == 0 ? in[i].wait_ns :
				    lcg(&st) % (in[i].wait_ns + 1);
		in[i].tid = i % 3 ? 100 + lcg(&st) % 50 : 4000000 - i;
		in[i].cpu = lcg(&st) % SDR_MAX_CPUS;
		in[i].landing = lcg(&st) % (SDR_LOC_NR + 1);
	}
	in[1].wait_ns = SDR_WAIT_ABSURD_NS; /* the longest wait the kernel keeps */
	in[1].delivery_ns = SDR_WAIT_ABSURD_NS - 1;
	g.n = 0;
	wait_batch__init(&b);
	for (i = 0; i < NR; i++) {
		rc = wait_batch__add(&b, &in[i]);
		if (rc == 1) {
			/* Full: nothing was added; take the batch, start another. */
			h = wait_batch__record(&b);
			CHECK(h && h->type == SDR_REC_WAIT_BATCH &&
			      h->size <= WAIT_BATCH_MAX_BYTES);
			CHECK(wait_batch__decode(h, 2, collect, &g) == 0);
			CHECK_EQ_U64(g.n, i);
			nbatches++;
			wait_batch__init(&b);
			rc = wait_batch__add(&b, &in[i]);
		}
		CHECK(rc == 0, "add %zu: %d", i, rc);
	}
	h = wait_batch__record(&b);
	CHECK(h != NULL);
	if (h)
		CHECK(wait_batch__decode(h, 2, collect, &g) == 0);
	CHECK(nbatches >= 1, "%zu waits fit one batch: the full path is not tested", (size_t)NR);
	CHECK_EQ_U64(g.n, NR);
	for (i = 0; i < g.n; i++)
		done += same(&g.v[i], &in[i]);
	CHECK_EQ_U64(done, NR);
	wait_batch__init(&b);
	CHECK(wait_batch__record(&b) == NULL, "an empty batch is no record");
}

/*
 * A batch written by hand: entries of (ts delta, cpu, tid delta, landing,
 * wait[, delivery]), all small and non-negative so zigzag is v * 2.
 */
static size_t make_record(__u8 *buf, const __u64 (*e)[6], __u32 n, int with_delivery)
{
	struct sdr_rec_hdr h = { .type = SDR_REC_WAIT_BATCH, .ts_ns = 5000 };
	size_t len = sizeof(h) + 4;
	__u32 i;

	memcpy(buf + sizeof(h), &n, 4);
	for (i = 0; i < n; i++) {
		len += put_varint(buf + len, e[i][0] * 2);
		len += put_varint(buf + len, e[i][1]);
		len += put_varint(buf + len, e[i][2] * 2);
		buf[len++] = e[i][3];
		len += put_varint(buf + len, e[i][4]);
		if (with_delivery)
			len += put_varint(buf + len, e[i][5]);
	}
	h.size = len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static void check_versions_and_refusals(void)
{
	static const __u64 e[3][6] = {
		{ 10, 1, 300, 0, 4000, 1000 }, { 0, 2, 1, 3, 200, 200 }, { 5, 0, 0, 1, 77, 0 },
	};
	__u64 bad[3][6];
	__u8 buf[256];
	static struct got g;
	struct wait_sample s = { .ts_ns = 1, .wait_ns = 10, .delivery_ns = 11, .cpu = 0 };
	struct wait_batch *b = malloc(sizeof(*b));
	size_t len;

	/* Version 1: no delivery in the entries; it decodes as 0. */
	len = make_record(buf, e, 3, 0);
	g.n = 0;
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 1, collect, &g) == 0);
	CHECK_EQ_U64(g.n, 3);
	CHECK(g.v[0].ts_ns == 5010 && g.v[0].cpu == 1 && g.v[0].tid == 300 &&
	      g.v[0].wait_ns == 4000 && g.v[0].delivery_ns == 0);
	CHECK(g.v[1].tid == 301 && g.v[1].landing == 3 && g.v[2].ts_ns == 5015 &&
	      g.v[2].tid == 301);
	/* The same bytes read as version 2 are short by a field: malformed, never misread. */
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);

	len = make_record(buf, e, 3, 1);
	g.n = 0;
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == 0);
	CHECK(g.n == 3 && g.v[0].delivery_ns == 1000 && g.v[1].delivery_ns == 200 &&
	      g.v[2].delivery_ns == 0);
	/* Cut short by a byte, or one byte too many. */
	((struct sdr_rec_hdr *)buf)->size = len - 1;
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);
	buf[len] = 0;
	((struct sdr_rec_hdr *)buf)->size = len + 1;
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);

	/* A delivery longer than its wait, a landing or a CPU out of range. */
	memcpy(bad, e, sizeof(bad));
	bad[1][5] = 201;
	make_record(buf, (const __u64(*)[6])bad, 3, 1);
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[2][3] = SDR_LOC_NR + 1;
	make_record(buf, (const __u64(*)[6])bad, 3, 1);
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[0][1] = SDR_MAX_CPUS;
	make_record(buf, (const __u64(*)[6])bad, 3, 1);
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);
	/*
	 * A wait longer than BPF ever reports (it drops those over an hour):
	 * damage, which must not reach the report (a 2^48 wait once wrapped
	 * its queueing part there).
	 */
	memcpy(bad, e, sizeof(bad));
	bad[2][4] = SDR_WAIT_ABSURD_NS + 1;
	make_record(buf, (const __u64(*)[6])bad, 3, 1);
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == -EINVAL);
	bad[2][4] = SDR_WAIT_ABSURD_NS;
	make_record(buf, (const __u64(*)[6])bad, 3, 1);
	g.n = 0;
	CHECK(wait_batch__decode((struct sdr_rec_hdr *)buf, 2, collect, &g) == 0, "an hour is fine");

	/* ... and the encoder refuses to write them. */
	if (!b)
		return;
	wait_batch__init(b);
	CHECK(wait_batch__add(b, &s) == -EINVAL, "delivery > wait accepted");
	s.delivery_ns = 10;
	s.cpu = SDR_MAX_CPUS;
	CHECK(wait_batch__add(b, &s) == -EINVAL, "cpu out of range accepted");
	s.cpu = 3;
	s.landing = SDR_LOC_NR + 1;
	CHECK(wait_batch__add(b, &s) == -EINVAL, "landing out of range accepted");
	CHECK(wait_batch__record(b) == NULL, "a refused wait started a batch");
	free(b);
}

int main(void)
{
	check_roundtrip();
	check_versions_and_refusals();
	return check_summary();
}
