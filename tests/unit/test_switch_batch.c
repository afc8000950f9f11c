// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The delta-encoded switch batches of trace files (docs/trace-format.md,
 * "Switch batches"):
 * - every field of a switch survives a round trip, across several CPUs
 *   interleaved, times that step back, prev tids that are and are not the
 *   CPU's previous next, switches with and without a wait;
 * - a full batch says so and keeps what it has; it is smaller than the
 *   kernel's form by a wide margin;
 * - what the decoder must refuse (a CPU, state or landing out of range, a
 *   delivery or pre-migration part longer than the wait, an elided prev
 *   with no previous switch, a record cut short or with bytes left over)
 *   it refuses, and the encoder never writes it;
 * - the kernel's batches become samples, every switch in order, their
 *   32-bit delivery and pre-migration parts decoded (bpf/dur32.h): exact
 *   below 2^31 ns, at most 4096 ns short above it, ordered, saturated only
 *   past SDR_DUR32_MAX_NS (beyond the longest wait kept);
 * - a CPU's batch numbers say how many batches were lost before the one in
 *   hand, across the counter's wrap; a partial batch read from the map
 *   before the ring brought it whole changes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "trace/switch_batch.h"
#include "trace/varint.h"

#define NR 20000

struct got {
	struct switch_sample v[NR];
	size_t n;
};

static int collect(void *ctx, const struct switch_sample *s)
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

static int same(const struct switch_sample *a, const struct switch_sample *b)
{
	return a->ts_ns == b->ts_ns && a->wait_ns == b->wait_ns &&
	       a->delivery_ns == b->delivery_ns && a->premig_ns == b->premig_ns &&
	       a->cpu == b->cpu && a->prev_tid == b->prev_tid && a->next_tid == b->next_tid &&
	       a->prev_state == b->prev_state && a->landing == b->landing;
}

static void check_roundtrip(void)
{
	static struct switch_batch b;
	static struct switch_sample in[NR];
	static struct got g;
	static __u32 cur[SDR_MAX_CPUS];
	const struct sdr_rec_hdr *h;
	__u64 st = 11, ts = 1000000000ull, bytes = 0;
	size_t i, done = 0, nbatches = 0;
	int rc;

	memset(in, 0, sizeof(in));
	for (i = 0; i < NR; i++) {
		struct switch_sample *s = &in[i];

		ts += lcg(&st) % 5000;
		s->ts_ns = i % 13 == 0 ? ts - 2000 : ts;
		/* Mostly four CPUs, sometimes a high one. */
		s->cpu = i % 101 == 0 ? SDR_MAX_CPUS - 1 : lcg(&st) % 4;
		/* Usually the CPU's current task leaves; sometimes a switch was not seen. */
		s->prev_tid = i % 9 == 0 ? (__u32)lcg(&st) % 70000 : cur[s->cpu];
		s->next_tid = i % 5 == 0 ? 0 : i % 31 == 0 ? 0xffffffffu : 100 + lcg(&st) % 3000;
		cur[s->cpu] = s->next_tid;
		s->prev_state = s->prev_tid ? lcg(&st) % 3 : SDR_PREV_IDLE;
		if (i % 3) {
			s->wait_ns = 1 + ((lcg(&st) % 1000) << (lcg(&st) % 30));
			s->delivery_ns = i % 4 ? lcg(&st) % (s->wait_ns + 1) : 0;
			s->premig_ns = i % 7 == 0 ? 1 + lcg(&st) % s->wait_ns : 0;
		}
		s->landing = lcg(&st) % (SDR_LOC_NR + 1);
	}
	in[1].wait_ns = SDR_WAIT_ABSURD_NS; /* the longest wait the kernel keeps */
	in[1].delivery_ns = 0xffffffffu;    /* saturated, as the kernel sends it */
	in[1].premig_ns = SDR_WAIT_ABSURD_NS;
	g.n = 0;
	switch_batch__init(&b);
	for (i = 0; i < NR; i++) {
		rc = switch_batch__add(&b, &in[i]);
		if (rc == 1) {
			h = switch_batch__record(&b);
			CHECK(h && h->type == SDR_REC_SWITCH_BATCH &&
			      h->size <= SWITCH_BATCH_MAX_BYTES);
			CHECK(switch_batch__decode(h, collect, &g) == 0);
			CHECK_EQ_U64(g.n, i);
			bytes += h->size;
			nbatches++;
			switch_batch__init(&b);
			rc = switch_batch__add(&b, &in[i]);
		}
		CHECK(rc == 0, "add %zu: %d", i, rc);
	}
	h = switch_batch__record(&b);
	CHECK(h != NULL);
	if (h) {
		CHECK(switch_batch__decode(h, collect, &g) == 0);
		bytes += h->size;
	}
	CHECK(nbatches >= 1, "%d switches fit one batch: the full path is not tested", NR);
	CHECK_EQ_U64(g.n, NR);
	for (i = 0; i < g.n; i++)
		done += same(&g.v[i], &in[i]);
	CHECK_EQ_U64(done, NR);
	/* Random waits up to 2^40 are long varints; still well under half the kernel's 40 bytes. */
	CHECK(bytes < NR * sizeof(struct sdr_switch_item) / 2, "%llu bytes for %d switches",
	      (unsigned long long)bytes, NR);
	switch_batch__init(&b);
	CHECK(switch_batch__record(&b) == NULL, "an empty batch is no record");
}

/* One entry written by hand: ts delta (>= 0), cpu, flags, prev (if not elided), next, ... */
struct entry {
	__u64 dts, cpu, flags, prev, next, wait, dlv, premig;
};

static size_t make_record(__u8 *buf, const struct entry *e, __u32 n)
{
	struct sdr_rec_hdr h = { .type = SDR_REC_SWITCH_BATCH, .ts_ns = 5000 };
	size_t len = sizeof(h) + 4;
	__u32 i;

	memcpy(buf + sizeof(h), &n, 4);
	for (i = 0; i < n; i++) {
		len += put_varint(buf + len, e[i].dts * 2);
		len += put_varint(buf + len, e[i].cpu);
		buf[len++] = e[i].flags;
		if (!(e[i].flags & 0x04))
			len += put_varint(buf + len, e[i].prev);
		len += put_varint(buf + len, e[i].next);
		if (e[i].flags & 0x08) {
			len += put_varint(buf + len, e[i].wait);
			len += put_varint(buf + len, e[i].dlv);
		}
		if (e[i].flags & 0x10)
			len += put_varint(buf + len, e[i].premig);
	}
	h.size = len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static int decode(const __u8 *buf, struct got *g)
{
	g->n = 0;
	return switch_batch__decode((const struct sdr_rec_hdr *)buf, collect, g);
}

static void check_layout_and_refusals(void)
{
	/*
	 * CPU 1: idle (prev 0, state idle) -> 300 after a 4000 ns wait with
	 * 1000 of delivery, landing 2; then 300 (elided) preempted -> 301,
	 * which waited 200, all of it queued on a CPU it left.
	 */
	static const struct entry e[2] = {
		{ 10, 1, SDR_PREV_IDLE | 0x08 | 2 << 5, 0, 300, 4000, 1000, 0 },
		{ 5, 1, SDR_PREV_RUNNABLE | 0x04 | 0x08 | 0x10, 0, 301, 200, 0, 200 },
	};
	struct entry bad[2];
	static struct got g;
	__u8 buf[256];
	size_t len;
	struct switch_sample s = { .ts_ns = 1, .wait_ns = 10, .delivery_ns = 11, .cpu = 0 };
	struct switch_batch *b = malloc(sizeof(*b));

	len = make_record(buf, e, 2);
	CHECK(decode(buf, &g) == 0);
	CHECK_EQ_U64(g.n, 2);
	CHECK(g.v[0].ts_ns == 5010 && g.v[0].cpu == 1 && g.v[0].prev_tid == 0 &&
	      g.v[0].next_tid == 300 && g.v[0].prev_state == SDR_PREV_IDLE &&
	      g.v[0].wait_ns == 4000 && g.v[0].delivery_ns == 1000 && g.v[0].landing == 2 &&
	      g.v[0].premig_ns == 0);
	CHECK(g.v[1].ts_ns == 5015 && g.v[1].prev_tid == 300 && g.v[1].next_tid == 301 &&
	      g.v[1].wait_ns == 200 && g.v[1].premig_ns == 200 && g.v[1].landing == 0);
	/* Cut short by a byte, or one byte too many. */
	((struct sdr_rec_hdr *)buf)->size = len - 1;
	CHECK(decode(buf, &g) == -EINVAL);
	buf[len] = 0;
	((struct sdr_rec_hdr *)buf)->size = len + 1;
	CHECK(decode(buf, &g) == -EINVAL);
	((struct sdr_rec_hdr *)buf)->size = sizeof(struct sdr_rec_hdr) + 3;
	CHECK(decode(buf, &g) == -EINVAL, "no room for the count");

	/* Each of these is damage. */
	memcpy(bad, e, sizeof(bad));
	bad[1].dlv = 201; /* delivery longer than the wait */
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[1].premig = 201; /* pre-migration part longer than the wait */
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[0].flags |= 0x04; /* prev elided, but nothing ran on CPU 1 before in this record */
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[1].cpu = 0; /* elided prev on CPU 0: no previous switch there */
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[0].flags = SDR_PREV_IDLE | 0x08 | (SDR_LOC_NR + 1) << 5;
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL, "landing out of range");
	memcpy(bad, e, sizeof(bad));
	bad[0].cpu = SDR_MAX_CPUS;
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL, "cpu out of range");
	memcpy(bad, e, sizeof(bad));
	bad[0].next = 0x100000000ull;
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL, "tid over 32 bits");
	memcpy(bad, e, sizeof(bad));
	bad[0].wait = 0; /* a wait flagged but zero: never written */
	bad[0].dlv = 0;
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);
	memcpy(bad, e, sizeof(bad));
	bad[0].wait = SDR_WAIT_ABSURD_NS + 1;
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL, "a wait longer than BPF ever reports");
	memcpy(bad, e, sizeof(bad));
	bad[1].flags = SDR_PREV_RUNNABLE | 0x04 | 0x10; /* premig without a wait */
	make_record(buf, bad, 2);
	CHECK(decode(buf, &g) == -EINVAL);

	/* ... and the encoder refuses to write them. */
	if (!b)
		return;
	switch_batch__init(b);
	CHECK(switch_batch__add(b, &s) == -EINVAL, "delivery > wait accepted");
	s.delivery_ns = 10;
	s.premig_ns = 11;
	CHECK(switch_batch__add(b, &s) == -EINVAL, "premig > wait accepted");
	s.premig_ns = 0;
	s.cpu = SDR_MAX_CPUS;
	CHECK(switch_batch__add(b, &s) == -EINVAL, "cpu out of range accepted");
	s.cpu = 3;
	s.landing = SDR_LOC_NR + 1;
	CHECK(switch_batch__add(b, &s) == -EINVAL, "landing out of range accepted");
	s.landing = 0;
	s.prev_state = SDR_PREV_IDLE + 1;
	CHECK(switch_batch__add(b, &s) == -EINVAL, "state out of range accepted");
	CHECK(switch_batch__record(b) == NULL, "a refused switch started a batch");
	free(b);
}

struct flushed {
	size_t n, bad;
	int records;
};

/* The i-th switch check_from_bpf makes that survives (each batch's 5th is refused). */
static int check_next(void *ctx, const struct switch_sample *s)
{
	struct flushed *f = ctx;
	size_t slot = f->n % (SDR_SWITCHES_PER_REC - 1), w = slot < 4 ? slot : slot + 1;

	f->bad += !(s->cpu == 1 && s->wait_ns == (w % 2 ? 5000 + w : 0) &&
		    s->delivery_ns == (w % 2 ? w : 0) && s->premig_ns == (w % 2 ? 2 * w : 0) &&
		    s->prev_tid == 42 + w && s->next_tid == 43 + w &&
		    s->prev_state == w % 3 && s->landing == w % 4);
	f->n++;
	return 0;
}

static int take_flush(void *ctx, const struct sdr_rec_hdr *rec)
{
	struct flushed *f = ctx;

	f->records++;
	return switch_batch__decode(rec, check_next, f);
}

static int put_each(void *ctx, const struct switch_sample *s)
{
	void **x = ctx;

	return switch_batch__put(x[0], s, take_flush, x[1]);
}

static int put_one(void *ctx, const struct switch_sample *s)
{
	return switch_batch__add(ctx, s);
}

/*
 * The kernel's batches (SDR_REC_SWITCHES) into the file's: every switch, in
 * order, across full file batches; an item the decoder would refuse is
 * counted, not passed on; a malformed batch is refused whole.
 */
static void check_from_bpf(void)
{
	struct sdr_rec_switches *k = calloc(1, sizeof(*k));
	struct switch_batch *b = malloc(sizeof(*b));
	struct flushed *f = calloc(1, sizeof(*f));
	const struct sdr_rec_hdr *h;
	void *x[2] = { b, f };
	__u64 refused = 0;
	size_t i, rounds;

	if (!k || !b || !f)
		return;
	switch_batch__init(b);
	k->hdr.type = SDR_REC_SWITCHES;
	k->hdr.cpu = 1;
	k->nr = SDR_SWITCHES_PER_REC;
	for (rounds = 0; rounds < 600; rounds++) {
		for (i = 0; i < SDR_SWITCHES_PER_REC; i++) {
			struct sdr_switch_item *w = &k->s[i];

			w->ts_ns = 1000000 + rounds * 1000 + i;
			w->wait_ns = i % 2 ? 5000 + i : 0;
			w->delivery_ns = i % 2 ? i : 0;
			w->premig_ns = i % 2 ? 2 * i : 0;
			w->prev_tid = 42 + i;
			w->next_tid = 43 + i;
			w->prev_state = i % 3;
			w->landing = i == 4 ? SDR_LOC_NR + 1 : i % 4; /* the 5th: refused */
		}
		CHECK(switch_batch__from_bpf(k, sizeof(*k), &refused, put_each, x) == 0);
	}
	h = switch_batch__record(b);
	if (h)
		take_flush(f, h);
	CHECK_EQ_U64(refused, 600);
	CHECK(f->records >= 2, "%d file batches", f->records);
	CHECK_EQ_U64(f->n, 600 * (SDR_SWITCHES_PER_REC - 1));
	CHECK_EQ_U64(f->bad, 0);
	k->nr = SDR_SWITCHES_PER_REC + 1;
	CHECK(switch_batch__from_bpf(k, sizeof(*k), &refused, put_each, x) == -EINVAL);
	k->nr = 0;
	CHECK(switch_batch__from_bpf(k, sizeof(*k), &refused, put_each, x) == -EINVAL);
	k->nr = 2;
	CHECK(switch_batch__from_bpf(k, offsetof(struct sdr_rec_switches, s) + sizeof(k->s[0]),
				     &refused, put_each, x) == -EINVAL, "a batch cut short");
	k->nr = 1;
	k->hdr.cpu = SDR_MAX_CPUS;
	CHECK(switch_batch__from_bpf(k, sizeof(*k), &refused, put_each, x) == -EINVAL);
	free(k);
	free(b);
	free(f);
}

/* Encoded, then decoded: how far below v (never above). */
static __u64 dur32_short_by(__u64 v)
{
	return v - sdr_dur32_decode(sdr_dur32_encode(v));
}

static void check_dur32(void)
{
	const __u64 lim = 1ull << 31;
	__u64 v, prev_enc = 0, state = 7;
	int i;

	CHECK_EQ_U64(sdr_dur32_encode(0), 0);
	CHECK_EQ_U64(sdr_dur32_decode(0), 0);
	CHECK_EQ_U64(sdr_dur32_encode(lim - 1), lim - 1);
	CHECK_EQ_U64(sdr_dur32_decode(sdr_dur32_encode(lim - 1)), lim - 1);
	CHECK_EQ_U64(sdr_dur32_encode(lim), SDR_DUR32_LONG | (lim >> 12));
	CHECK_EQ_U64(sdr_dur32_decode(sdr_dur32_encode(lim)), lim);
	CHECK_EQ_U64(dur32_short_by(lim + 4095), 4095);
	CHECK_EQ_U64(dur32_short_by(lim + 4096), 0);
	/* The old saturation point and the longest wait kept: no longer saturated. */
	CHECK_EQ_U64(sdr_dur32_decode(sdr_dur32_encode(0xffffffffull)), 0xffffffffull & ~4095ull);
	CHECK_EQ_U64(sdr_dur32_decode(sdr_dur32_encode(4300000000ull)), 4300000000ull & ~4095ull);
	CHECK_EQ_U64(dur32_short_by(SDR_WAIT_ABSURD_NS), SDR_WAIT_ABSURD_NS % 4096);
	CHECK(SDR_DUR32_MAX_NS > SDR_WAIT_ABSURD_NS);
	CHECK_EQ_U64(sdr_dur32_encode(SDR_DUR32_MAX_NS - 1), 0xfffffffeu);
	CHECK_EQ_U64(sdr_dur32_encode(SDR_DUR32_MAX_NS), 0xffffffffu);
	CHECK_EQ_U64(sdr_dur32_encode(~0ull), 0xffffffffu);
	CHECK_EQ_U64(sdr_dur32_decode(0xffffffffu), SDR_DUR32_MAX_NS);
	/* Ordered like the durations, and never more than 4095 ns short, around the boundary. */
	for (v = lim - 10000; v < lim + 20000; v += 7) {
		CHECK(sdr_dur32_encode(v) >= prev_enc, "%llu", (unsigned long long)v);
		prev_enc = sdr_dur32_encode(v);
		CHECK(dur32_short_by(v) < (v < lim ? 1 : 4096), "%llu", (unsigned long long)v);
	}
	for (i = 0, prev_enc = 0, v = 0; i < 2000; i++) {
		v += lcg(&state) % (SDR_WAIT_ABSURD_NS / 1000);
		CHECK(sdr_dur32_encode(v) >= prev_enc && dur32_short_by(v) < 4096, "%llu",
		      (unsigned long long)v);
		prev_enc = sdr_dur32_encode(v);
	}
}

/* A kernel item's long parts reach the file decoded, and a file keeps them exactly. */
static void check_long_parts(void)
{
	struct sdr_rec_switches *k = calloc(1, sizeof(*k));
	struct switch_batch *b = malloc(sizeof(*b));
	struct got *g = calloc(1, sizeof(*g));
	const struct sdr_rec_hdr *h;
	__u64 refused = 0;

	if (!k || !b || !g)
		goto out;
	k->hdr.type = SDR_REC_SWITCHES;
	k->hdr.cpu = 0;
	k->nr = 1;
	k->s[0] = (struct sdr_switch_item){ .ts_ns = 9000000000ull, .wait_ns = 6000000000ull,
					    .delivery_ns = sdr_dur32_encode(4500000000ull),
					    .premig_ns = sdr_dur32_encode(5999999999ull),
					    .prev_tid = 3, .next_tid = 4, .landing = 1 };
	switch_batch__init(b);
	CHECK(switch_batch__from_bpf(k, sizeof(*k), &refused, put_one, b) == 0);
	CHECK_EQ_U64(refused, 0);
	h = switch_batch__record(b);
	CHECK(h && switch_batch__decode(h, collect, g) == 0);
	CHECK_EQ_U64(g->n, 1);
	CHECK_EQ_U64(g->v[0].wait_ns, 6000000000ull);
	CHECK_EQ_U64(g->v[0].delivery_ns, 4500000000ull & ~4095ull);
	CHECK_EQ_U64(g->v[0].premig_ns, 5999999999ull & ~4095ull);
out:
	free(k);
	free(b);
	free(g);
}

static void check_seq(void)
{
	struct switch_seq q = {};
	struct sdr_rec_switch_gap g;

	CHECK_EQ_U64(switch_seq__take(&q, 7, 1), 0); /* the first seen: nothing known before */
	CHECK_EQ_U64(switch_seq__take(&q, 8, 1), 0);
	CHECK_EQ_U64(switch_seq__take(&q, 11, 1), 2); /* 9 and 10 lost */
	CHECK_EQ_U64(switch_seq__take(&q, 12, 0), 0); /* a peek at 12, in progress */
	CHECK_EQ_U64(switch_seq__take(&q, 12, 1), 0); /* ... which then came whole */
	CHECK_EQ_U64(switch_seq__take(&q, 15, 0), 2); /* a peek at 15: 13 and 14 lost */
	CHECK_EQ_U64(switch_seq__take(&q, 14, 0), 0); /* stale: nothing learnt */
	CHECK_EQ_U64(switch_seq__take(&q, 15, 1), 0);
	CHECK_EQ_U64(switch_seq__take(&q, 15, 0), 0); /* read before the ring brought 15 */
	CHECK_EQ_U64(q.next, 16);
	q.next = 0xfffffffeu;
	CHECK_EQ_U64(switch_seq__take(&q, 0xfffffffeu, 1), 0);
	CHECK_EQ_U64(switch_seq__take(&q, 1, 1), 2); /* 0xffffffff and 0 lost, across the wrap */
	switch_gap__fill(&g, 3, 12345, 2);
	CHECK(g.hdr.type == SDR_REC_SWITCH_GAP && g.hdr.size == sizeof(g) && g.hdr.cpu == 3 &&
	      g.hdr.ts_ns == 12345 && g.batches == 2 && g.pad == 0);
}

int main(void)
{
	check_dur32();
	check_seq();
	check_long_parts();
	check_roundtrip();
	check_layout_and_refusals();
	check_from_bpf();
	return check_summary();
}
