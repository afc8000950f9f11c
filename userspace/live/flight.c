// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "live/flight.h"
#include "lib/tidset.h"
#include "trace/switch_batch.h"

#define BLOCK_BYTES (256u << 10)
#define NR_MARKS 64

struct entry {
	__u32 len;
	__u32 pad;
	__u64 at_ns;
	/* len bytes of record, then padding to 8 */
};

struct block {
	struct block *next;
	size_t used;
	__u64 nr;
	__u64 last_ns; /* arrival of its newest record */
	unsigned char data[BLOCK_BYTES];
};

struct mark {
	__u64 at_ns;
	struct flight_counters c;
	struct sdr_node_cell *matrix; /* c.node_matrix points here */
	size_t cells;
};

struct flight {
	__u64 window_ns;
	size_t max_bytes;
	struct block *head, *tail; /* oldest, newest */
	size_t bytes;
	__u64 evicted;
	struct mark marks[NR_MARKS]; /* a ring, oldest at marks_start */
	int nr_marks, marks_start;
};

struct flight *flight__new(__u64 window_ns, size_t max_bytes)
{
	struct flight *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->window_ns = window_ns;
	f->max_bytes = max_bytes < 2 * sizeof(struct block) ? 2 * sizeof(struct block) : max_bytes;
	return f;
}

void flight__free(struct flight *f)
{
	struct block *b, *next;
	int i;

	if (!f)
		return;
	for (b = f->head; b; b = next) {
		next = b->next;
		free(b);
	}
	for (i = 0; i < NR_MARKS; i++)
		free(f->marks[i].matrix);
	free(f);
}

static void drop_head(struct flight *f, __u64 now_ns)
{
	struct block *b = f->head;

	/* Pushed out while still in the window: the capture would have held them. */
	if (b->last_ns + f->window_ns >= now_ns)
		f->evicted += b->nr;
	f->head = b->next;
	if (!f->head)
		f->tail = NULL;
	f->bytes -= sizeof(*b);
	free(b);
}

static void expire(struct flight *f, __u64 now_ns)
{
	/* Keep the newest block: it is being filled. */
	while (f->head && f->head != f->tail && f->head->last_ns + f->window_ns < now_ns)
		drop_head(f, now_ns);
}

void flight__add(struct flight *f, const void *rec, size_t len, __u64 at_ns, __u64 now_ns)
{
	size_t need = sizeof(struct entry) + ((len + 7) & ~(size_t)7);
	struct entry *e;
	struct block *b;

	if (!f || need > BLOCK_BYTES)
		return;
	b = f->tail;
	if (!b || b->used + need > BLOCK_BYTES) {
		expire(f, now_ns);
		while (f->head && f->bytes + sizeof(*b) > f->max_bytes)
			drop_head(f, now_ns);
		b = malloc(sizeof(*b));
		if (!b) {
			f->evicted++;
			return;
		}
		b->next = NULL;
		b->used = 0;
		b->nr = 0;
		b->last_ns = at_ns;
		if (f->tail)
			f->tail->next = b;
		else
			f->head = b;
		f->tail = b;
		f->bytes += sizeof(*b);
	}
	e = (struct entry *)(b->data + b->used);
	e->len = len;
	e->pad = 0;
	e->at_ns = at_ns;
	memcpy(e + 1, rec, len);
	b->used += need;
	b->nr++;
	/* Outliers come at the tick, stamped with their own (earlier) time. */
	if (at_ns > b->last_ns)
		b->last_ns = at_ns;
}

void flight__mark(struct flight *f, __u64 now_ns, const struct flight_counters *c)
{
	struct mark *m;
	size_t cells;
	int i;

	if (!f)
		return;
	if (f->nr_marks == NR_MARKS) {
		f->marks_start = (f->marks_start + 1) % NR_MARKS;
		f->nr_marks--;
	}
	i = (f->marks_start + f->nr_marks) % NR_MARKS;
	m = &f->marks[i];
	m->at_ns = now_ns;
	m->c = *c;
	cells = c->node_matrix && c->nr_nodes > 0 ? (size_t)c->nr_nodes * c->nr_nodes : 0;
	if (cells > m->cells) {
		void *p = realloc(m->matrix, cells * sizeof(*m->matrix));

		if (!p)
			cells = 0; /* the capture's matrix is then the window's records' */
		else
			m->matrix = p, m->cells = cells;
	}
	if (cells)
		memcpy(m->matrix, c->node_matrix, cells * sizeof(*m->matrix));
	m->c.node_matrix = cells ? m->matrix : NULL;
	m->c.nr_nodes = cells ? c->nr_nodes : 0;
	f->nr_marks++;
}

__u64 flight__evicted(const struct flight *f)
{
	return f ? f->evicted : 0;
}

size_t flight__bytes(const struct flight *f)
{
	return f ? f->bytes : 0;
}

/* The last mark at or before t, else the oldest; NULL when there is none. */
static const struct mark *mark_before(const struct flight *f, __u64 t)
{
	const struct mark *best = NULL;
	int k;

	for (k = 0; k < f->nr_marks; k++) {
		const struct mark *m = &f->marks[(f->marks_start + k) % NR_MARKS];

		if (!best || m->at_ns <= t)
			best = m;
	}
	return best;
}

static int fill_trailer(struct trace_trailer *tr, const struct flight_counters *now,
			const struct mark *base, __u64 end_ns, __u64 refused)
{
	size_t cells;
	int i, l, c;

	memset(tr, 0, sizeof(*tr));
	tr->end_mono_ns = end_ns;
	for (i = 0; i < STAT_ALL_NR; i++) {
		__u64 b = base ? base->c.counters[i] : 0;

		snprintf(tr->counters[i].name, sizeof(tr->counters[i].name), "%s",
			 stat_descs[i].name);
		tr->counters[i].value = now->counters[i] >= b ? now->counters[i] - b : 0;
	}
	/* Waits of the kernel's batches the decoder would refuse: not written. */
	tr->counters[SDR_STAT_NR + USER_STAT_decode].value += refused;
	tr->nr_counters = STAT_ALL_NR;
	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++) {
			__u64 b = base ? base->c.migrations[l][c] : 0;

			tr->migrations[l][c] = now->migrations[l][c] >= b ?
						       now->migrations[l][c] - b : 0;
		}
	tr->penalty_milli = now->penalty_milli - (base ? base->c.penalty_milli : 0);
	/* The node matrix over the same span, when both ends have one. */
	if (!now->node_matrix || now->nr_nodes <= 0 || (base && !base->c.node_matrix) ||
	    (base && base->c.nr_nodes != now->nr_nodes))
		return 0;
	cells = (size_t)now->nr_nodes * now->nr_nodes;
	tr->node_matrix = calloc(cells, sizeof(*tr->node_matrix));
	if (!tr->node_matrix)
		return -ENOMEM;
	tr->nr_nodes = now->nr_nodes;
	for (i = 0; i < (int)cells; i++)
		for (c = 0; c < SDR_CAUSE_NR; c++) {
			__u64 b = base ? base->c.node_matrix[i].by_cause[c] : 0;
			__u64 v = now->node_matrix[i].by_cause[c];

			tr->node_matrix[i].by_cause[c] = v >= b ? v - b : 0;
		}
	return 0;
}

/* The capture's writer and its batch of switches in the file's form. */
struct waits_out {
	struct trace_writer *w;
	struct switch_batch batch;
	__u64 refused;
	struct tidset *tids; /* NULL: not kept */
	struct switch_seq seq[SDR_MAX_CPUS]; /* each CPU's batch numbers, from the window's first */
};

static void note_tid(struct waits_out *o, __u32 tid, __u8 flag)
{
	/* Out of memory: that task's totals may then be missing, as without the set. */
	if (o->tids)
		tidset__add(o->tids, tid, flag);
}

static int append_batch(void *ctx, const struct sdr_rec_hdr *rec)
{
	struct waits_out *o = ctx;

	return trace_writer__append(o->w, rec, rec->size);
}

static int flush_waits(struct waits_out *o)
{
	const struct sdr_rec_hdr *h = switch_batch__record(&o->batch);
	int err = h ? append_batch(o, h) : 0;

	switch_batch__init(&o->batch);
	return err;
}

static int put_switch(void *ctx, const struct switch_sample *s)
{
	struct waits_out *o = ctx;

	/* Those who waited and those who held the CPU: the capture names both. */
	if (s->next_tid && s->wait_ns)
		note_tid(o, s->next_tid, FLIGHT_TID_SEEN);
	if (s->prev_tid)
		note_tid(o, s->prev_tid, FLIGHT_TID_SEEN);
	return switch_batch__put(&o->batch, s, append_batch, o);
}

/*
 * A CPU's batches the ring refused before b: as in `record`, the file says
 * where (after the switches pending, which came before).
 */
static int write_gap(struct waits_out *o, const struct sdr_rec_switches *b, size_t len)
{
	struct sdr_rec_switch_gap g;
	__u32 lost;
	int err;

	if (len < SDR_SWITCHES_SIZE(0) || b->hdr.cpu >= SDR_MAX_CPUS || !b->nr)
		return 0;
	lost = switch_seq__take(&o->seq[b->hdr.cpu], b->seq, 1);
	if (!lost)
		return 0;
	err = flush_waits(o);
	if (err)
		return err;
	switch_gap__fill(&g, b->hdr.cpu, b->s[0].ts_ns, lost);
	return trace_writer__append(o->w, &g, sizeof(g));
}

/*
 * One kept record into the capture. As in `record`: the kernel's batches of
 * switches become the file's switch batches, and a task's exit record
 * first closes the batch, so it follows the switches read before it.
 */
static int write_record(struct waits_out *o, const struct sdr_rec_hdr *h, size_t len)
{
	int err;

	if (h->type == SDR_REC_SWITCHES) {
		err = write_gap(o, (const struct sdr_rec_switches *)h, len);
		if (err)
			return err;
		err = switch_batch__from_bpf((const struct sdr_rec_switches *)h, len, &o->refused,
					     put_switch, o);
		if (err == -EINVAL) { /* a malformed batch: counted, as record does */
			o->refused++;
			err = 0;
		}
		return err;
	}
	if (h->type == SDR_REC_TASK_EXIT) {
		err = flush_waits(o);
		if (err)
			return err;
		if (len >= sizeof(struct sdr_rec_task))
			note_tid(o, ((const struct sdr_rec_task *)h)->task.tid, FLIGHT_TID_TOTALS);
	} else if (h->type == SDR_REC_MIGRATE && len >= sizeof(struct sdr_rec_migrate)) {
		note_tid(o, ((const struct sdr_rec_migrate *)h)->task.tid, FLIGHT_TID_SEEN);
	} else if (h->type == SDR_REC_OUTLIER && len >= sizeof(struct sdr_rec_outlier)) {
		note_tid(o, ((const struct sdr_rec_outlier *)h)->task.tid, FLIGHT_TID_SEEN);
	}
	return trace_writer__append(o->w, h, len);
}

int flight__write(struct flight *f, const char *path, const struct trace_meta *meta,
		  __u64 now_ns, const struct flight_counters *now, struct tidset *tids,
		  int (*more)(void *ctx, struct trace_writer *w), void *ctx)
{
	__u64 start = now_ns > f->window_ns ? now_ns - f->window_ns : 0;
	struct trace_trailer tr = {};
	struct trace_meta m = *meta;
	struct trace_writer *w;
	struct waits_out wb = {};
	const struct mark *base;
	struct block *b;
	int err = 0;

	expire(f, now_ns);
	/* The window starts at the mark its counters are taken from, so both agree. */
	base = mark_before(f, start);
	if (base && base->at_ns > start && base->at_ns < now_ns)
		start = base->at_ns;
	if (start < meta->start_mono_ns)
		start = meta->start_mono_ns;
	m.start_realtime_ns = meta->start_realtime_ns + (start - meta->start_mono_ns);
	m.start_mono_ns = start;
	w = trace_writer__open(path, &m, &err);
	if (!w)
		return err;
	wb.w = w;
	wb.tids = tids;
	switch_batch__init(&wb.batch);
	for (b = f->head; b && !err; b = b->next) {
		size_t off = 0;

		while (off < b->used && !err) {
			const struct entry *e = (const struct entry *)(b->data + off);

			if (e->at_ns >= start)
				err = write_record(&wb, (const void *)(e + 1), e->len);
			off += sizeof(*e) + ((e->len + 7) & ~(size_t)7);
		}
	}
	if (!err)
		err = flush_waits(&wb);
	if (!err && more)
		err = more(ctx, w);
	if (!err)
		err = fill_trailer(&tr, now, base, now_ns, wb.refused);
	if (err) {
		free(tr.node_matrix);
		trace_writer__abort(w);
		unlink(path);
		return err;
	}
	err = trace_writer__close(w, &tr);
	free(tr.node_matrix);
	if (err)
		unlink(path);
	return err;
}
