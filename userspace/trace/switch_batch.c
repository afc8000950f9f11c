// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Payload after the record header: __u32 count (little-endian), then per
 * switch:
 *   zigzag varint (ts - previous ts)   first "previous" is the header's ts_ns;
 *                                      batches of several CPUs step back a little
 *   varint cpu
 *   flags byte                         bits 0-1 prev_state, bit 2 prev_tid is
 *                                      this CPU's previous next_tid in this
 *                                      record (not stored), bit 3 a wait ended
 *                                      (wait, delivery follow), bit 4 premig
 *                                      follows, bits 5-7 landing
 *   [varint prev_tid]                  unless bit 2
 *   varint next_tid
 *   [varint wait_ns, varint delivery_ns]   bit 3
 *   [varint premig_ns]                     bit 4
 * On one CPU a switch's prev is almost always the previous switch's next,
 * so most switches store one tid; a switch that ends no wait (a task that
 * had slept wakes through its own waking, an idle switch-in) stores no
 * durations. The decoder refuses what the encoder never writes.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "trace/switch_batch.h"
#include "trace/varint.h"

#define HDR_LEN (sizeof(struct sdr_rec_hdr) + sizeof(__u32))
#define MAX_SAMPLE_LEN (10 + 10 + 1 + 5 + 5 + 10 + 10 + 10)

#define F_STATE 0x03
#define F_PREV_IS_LAST 0x04
#define F_WAIT 0x08
#define F_PREMIG 0x10
#define F_LANDING_SHIFT 5

void switch_batch__init(struct switch_batch *b)
{
	b->len = 0;
	b->count = 0;
	b->prev_ts = 0;
}

int switch_sample__valid(const struct switch_sample *s)
{
	return s->cpu < SDR_MAX_CPUS && s->prev_state <= SDR_PREV_IDLE &&
	       s->landing <= SDR_LOC_NR && s->wait_ns <= SDR_WAIT_ABSURD_NS &&
	       s->delivery_ns <= s->wait_ns && s->premig_ns <= s->wait_ns;
}

int switch_batch__add(struct switch_batch *b, const struct switch_sample *s)
{
	struct sdr_rec_hdr *h = (struct sdr_rec_hdr *)b->buf;
	__u8 *p, flags;

	if (!switch_sample__valid(s))
		return -EINVAL;
	if (b->len == 0) {
		memset(h, 0, sizeof(*h));
		h->type = SDR_REC_SWITCH_BATCH;
		h->ts_ns = s->ts_ns;
		b->prev_ts = s->ts_ns;
		memset(b->last_next, 0, sizeof(b->last_next));
		b->len = HDR_LEN;
	}
	if (b->len + MAX_SAMPLE_LEN > sizeof(b->buf))
		return 1;
	flags = s->prev_state | s->landing << F_LANDING_SHIFT;
	if (b->last_next[s->cpu] && b->last_next[s->cpu] - 1 == s->prev_tid)
		flags |= F_PREV_IS_LAST;
	if (s->wait_ns)
		flags |= F_WAIT;
	if (s->premig_ns)
		flags |= F_PREMIG;
	p = b->buf + b->len;
	p += put_varint(p, zigzag((__s64)(s->ts_ns - b->prev_ts)));
	p += put_varint(p, s->cpu);
	*p++ = flags;
	if (!(flags & F_PREV_IS_LAST))
		p += put_varint(p, s->prev_tid);
	p += put_varint(p, s->next_tid);
	if (flags & F_WAIT) {
		p += put_varint(p, s->wait_ns);
		p += put_varint(p, s->delivery_ns);
	}
	if (flags & F_PREMIG)
		p += put_varint(p, s->premig_ns);
	b->len = p - b->buf;
	b->prev_ts = s->ts_ns;
	/* A tid of 0xffffffff cannot be remembered (1 + tid wraps): stored in full next time. */
	b->last_next[s->cpu] = s->next_tid + 1;
	b->count++;
	return 0;
}

const struct sdr_rec_hdr *switch_batch__record(struct switch_batch *b)
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

int switch_batch__put(struct switch_batch *b, const struct switch_sample *s,
		      int (*flush)(void *ctx, const struct sdr_rec_hdr *rec), void *ctx)
{
	const struct sdr_rec_hdr *h;
	int err = switch_batch__add(b, s);

	if (err <= 0)
		return err;
	h = switch_batch__record(b);
	err = h ? flush(ctx, h) : 0;
	switch_batch__init(b);
	return err ? err : switch_batch__add(b, s);
}

static int get_tid(const __u8 **p, const __u8 *end, __u32 *out)
{
	__u64 v;

	if (get_varint(p, end, &v) || v > 0xffffffffull)
		return -EINVAL;
	*out = v;
	return 0;
}

int switch_batch__decode(const struct sdr_rec_hdr *rec,
			 int (*cb)(void *ctx, const struct switch_sample *s), void *ctx)
{
	const __u8 *p = (const __u8 *)rec + HDR_LEN, *end = (const __u8 *)rec + rec->size;
	__u32 last_next[SDR_MAX_CPUS];
	struct switch_sample s;
	__u64 ts = rec->ts_ns, v;
	__u32 count, i;
	__u8 flags;
	int err;

	if (rec->size < HDR_LEN)
		return -EINVAL;
	memset(last_next, 0, sizeof(last_next));
	memcpy(&count, (const __u8 *)rec + sizeof(*rec), sizeof(count));
	for (i = 0; i < count; i++) {
		memset(&s, 0, sizeof(s));
		if (get_varint(&p, end, &v))
			return -EINVAL;
		ts += (__u64)unzigzag(v);
		if (get_varint(&p, end, &v) || v >= SDR_MAX_CPUS || p >= end)
			return -EINVAL;
		s.cpu = v;
		flags = *p++;
		s.prev_state = flags & F_STATE;
		s.landing = flags >> F_LANDING_SHIFT;
		if (flags & F_PREV_IS_LAST) {
			if (!last_next[s.cpu])
				return -EINVAL;
			s.prev_tid = last_next[s.cpu] - 1;
		} else if (get_tid(&p, end, &s.prev_tid)) {
			return -EINVAL;
		}
		if (get_tid(&p, end, &s.next_tid))
			return -EINVAL;
		if (flags & F_WAIT) {
			if (get_varint(&p, end, &s.wait_ns) || !s.wait_ns ||
			    get_varint(&p, end, &s.delivery_ns))
				return -EINVAL;
		}
		if (flags & F_PREMIG) {
			if (get_varint(&p, end, &s.premig_ns) || !s.premig_ns)
				return -EINVAL;
		}
		s.ts_ns = ts;
		if (!switch_sample__valid(&s))
			return -EINVAL;
		last_next[s.cpu] = s.next_tid + 1;
		err = cb(ctx, &s);
		if (err)
			return err;
	}
	return p == end ? 0 : -EINVAL;
}

void switch_sample__from_item(struct switch_sample *s, const struct sdr_switch_item *w, __u32 cpu)
{
	memset(s, 0, sizeof(*s));
	s->ts_ns = w->ts_ns;
	s->wait_ns = w->wait_ns;
	s->delivery_ns = sdr_dur32_decode(w->delivery_ns);
	s->premig_ns = sdr_dur32_decode(w->premig_ns);
	s->cpu = cpu;
	s->prev_tid = w->prev_tid;
	s->next_tid = w->next_tid;
	s->prev_state = w->prev_state;
	s->landing = w->landing;
}

__u32 switch_seq__take(struct switch_seq *q, __u32 seq, int shipped)
{
	/* Unsigned difference: right across the counter's wrap. */
	__u32 lost = q->known ? seq - q->next : 0;

	/*
	 * Behind what came already: a partial batch read from the map just
	 * before the ring delivered it whole. Nothing lost, nothing learnt.
	 */
	if (lost >= 1u << 31)
		return 0;
	q->next = seq + (shipped ? 1 : 0);
	q->known = 1;
	return lost;
}

void switch_gap__fill(struct sdr_rec_switch_gap *g, __u32 cpu, __u64 ts_ns, __u32 batches)
{
	memset(g, 0, sizeof(*g));
	g->hdr.type = SDR_REC_SWITCH_GAP;
	g->hdr.size = sizeof(*g);
	g->hdr.cpu = cpu;
	g->hdr.ts_ns = ts_ns;
	g->batches = batches;
}

int switch_batch__from_bpf(const struct sdr_rec_switches *b, size_t size, __u64 *refused,
			   int (*cb)(void *ctx, const struct switch_sample *s), void *ctx)
{
	struct switch_sample s;
	__u32 i;
	int err;

	if (size < offsetof(struct sdr_rec_switches, s) || b->nr < 1 ||
	    b->nr > SDR_SWITCHES_PER_REC ||
	    size < offsetof(struct sdr_rec_switches, s) + b->nr * sizeof(b->s[0]) ||
	    b->hdr.cpu >= SDR_MAX_CPUS)
		return -EINVAL;
	for (i = 0; i < b->nr; i++) {
		switch_sample__from_item(&s, &b->s[i], b->hdr.cpu);
		if (!switch_sample__valid(&s)) {
			(*refused)++;
			continue;
		}
		err = cb(ctx, &s);
		if (err)
			return err;
	}
	return 0;
}
