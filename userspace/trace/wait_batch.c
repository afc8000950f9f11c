// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Payload after the record header: __u32 count (little-endian), then per
 * wait: zigzag varint (ts - previous ts), varint cpu, zigzag varint
 * (tid - previous tid), one landing byte, varint wait_ns and (trace
 * version 2 on) varint delivery_ns. The first "previous ts" is the
 * header's ts_ns and the first "previous tid" is 0. Timestamps are mostly
 * increasing but may step back a little (batches from different CPUs),
 * hence zigzag. Delivery is stored rather than queueing because it is
 * usually the small part (a few microseconds), so its varint is short.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "trace/wait_batch.h"
#include "trace/varint.h"

#define HDR_LEN (sizeof(struct sdr_rec_hdr) + sizeof(__u32))
#define MAX_SAMPLE_LEN (10 + 10 + 10 + 1 + 10 + 10)

void wait_batch__init(struct wait_batch *b)
{
	b->len = 0;
	b->count = 0;
	b->prev_ts = 0;
	b->prev_tid = 0;
}

int wait_batch__add(struct wait_batch *b, const struct wait_sample *s)
{
	struct sdr_rec_hdr *h = (struct sdr_rec_hdr *)b->buf;
	__u8 *p;

	if (s->cpu >= SDR_MAX_CPUS || s->landing > SDR_LOC_NR || s->delivery_ns > s->wait_ns)
		return -EINVAL;
	if (b->len == 0) {
		memset(h, 0, sizeof(*h));
		h->type = SDR_REC_WAIT_BATCH;
		h->ts_ns = s->ts_ns;
		b->prev_ts = s->ts_ns;
		b->prev_tid = 0;
		b->len = HDR_LEN;
	}
	if (b->len + MAX_SAMPLE_LEN > sizeof(b->buf))
		return 1;
	p = b->buf + b->len;
	p += put_varint(p, zigzag((__s64)(s->ts_ns - b->prev_ts)));
	p += put_varint(p, s->cpu);
	p += put_varint(p, zigzag((__s64)s->tid - (__s64)b->prev_tid));
	*p++ = s->landing;
	p += put_varint(p, s->wait_ns);
	p += put_varint(p, s->delivery_ns);
	b->len = p - b->buf;
	b->prev_ts = s->ts_ns;
	b->prev_tid = s->tid;
	b->count++;
	return 0;
}

const struct sdr_rec_hdr *wait_batch__record(struct wait_batch *b)
{
	struct sdr_rec_hdr *h = (struct sdr_rec_hdr *)b->buf;
	__u32 count = b->count;

	if (!b->len)
		return NULL;
	h->size = b->len;
	/* Little-endian on the only architecture we build for (x86). */
	memcpy(b->buf + sizeof(*h), &count, sizeof(count));
	return h;
}

int wait_batch__decode(const struct sdr_rec_hdr *rec, __u32 version,
		       int (*cb)(void *ctx, const struct wait_sample *s), void *ctx)
{
	const __u8 *p = (const __u8 *)rec + HDR_LEN, *end = (const __u8 *)rec + rec->size;
	struct wait_sample s = {};
	__u64 ts = rec->ts_ns, v;
	__u32 count, i;
	__s64 tid = 0, d;
	int err;

	if (rec->size < HDR_LEN)
		return -EINVAL;
	memcpy(&count, (const __u8 *)rec + sizeof(*rec), sizeof(count));
	for (i = 0; i < count; i++) {
		if (get_varint(&p, end, &v))
			return -EINVAL;
		ts += (__u64)unzigzag(v);
		if (get_varint(&p, end, &v) || v >= SDR_MAX_CPUS)
			return -EINVAL;
		s.cpu = v;
		if (get_varint(&p, end, &v))
			return -EINVAL;
		/* A step past any tid is damage; checked first, the sum cannot overflow. */
		d = unzigzag(v);
		if (d < -0xffffffffll || d > 0xffffffffll)
			return -EINVAL;
		tid += d;
		if (tid < 0 || tid > 0xffffffffll || p >= end)
			return -EINVAL;
		s.landing = *p++;
		/* The BPF side drops waits over an hour: a longer one is damage. */
		if (s.landing > SDR_LOC_NR || get_varint(&p, end, &s.wait_ns) ||
		    s.wait_ns > SDR_WAIT_ABSURD_NS)
			return -EINVAL;
		s.delivery_ns = 0;
		/* Version 1 entries end at the wait: no delivery was recorded. */
		if (version >= 2 &&
		    (get_varint(&p, end, &s.delivery_ns) || s.delivery_ns > s.wait_ns))
			return -EINVAL;
		s.ts_ns = ts;
		s.tid = tid;
		err = cb(ctx, &s);
		if (err)
			return err;
	}
	return p == end ? 0 : -EINVAL;
}
