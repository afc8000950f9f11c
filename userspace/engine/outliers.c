// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The longest waits over --min-lat, named as identities come by (outliers.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/outliers.h"

int outlier_keep__init(struct outlier_keep *k, size_t cap)
{
	memset(k, 0, sizeof(*k));
	k->cap = cap ? cap : 1;
	k->v = calloc(k->cap, sizeof(*k->v));
	k->named = calloc(k->cap, sizeof(*k->named));
	if (!k->v || !k->named) {
		outlier_keep__free(k);
		return -ENOMEM;
	}
	return 0;
}

void outlier_keep__free(struct outlier_keep *k)
{
	free(k->v);
	free(k->named);
	free(k->spans);
	tidset__free(&k->wanted);
	memset(k, 0, sizeof(*k));
}

void outlier_keep__clear(struct outlier_keep *k)
{
	k->n = 0;
	k->pushed_out = 0;
	k->nr_spans = 0;
	k->latest_ns = 0;
	/* An always-on daemon would otherwise collect every tid ever kept. */
	tidset__free(&k->wanted);
}

bool outlier_keep__wants(const struct outlier_keep *k, __u64 wait_ns)
{
	return k->n < k->cap || wait_ns > k->v[0].wait_ns;
}

static void swap(struct outlier_keep *k, size_t a, size_t b)
{
	struct sdr_rec_outlier t = k->v[a];
	__u8 f = k->named[a];

	k->v[a] = k->v[b];
	k->v[b] = t;
	k->named[a] = k->named[b];
	k->named[b] = f;
}

static size_t sift_up(struct outlier_keep *k, size_t i)
{
	while (i && k->v[(i - 1) / 2].wait_ns > k->v[i].wait_ns) {
		swap(k, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return i;
}

static size_t sift_down(struct outlier_keep *k, size_t i)
{
	size_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < k->n && k->v[l].wait_ns < k->v[m].wait_ns)
			m = l;
		if (l + 1 < k->n && k->v[l + 1].wait_ns < k->v[m].wait_ns)
			m = l + 1;
		if (m == i)
			return i;
		swap(k, i, m);
		i = m;
	}
}

/* The idle task, as the kernel names it (init_task and each CPU's idle thread). */
static void name_idle(struct sdr_task_id *id, __u32 cpu)
{
	memset(id, 0, sizeof(*id));
	snprintf(id->comm, sizeof(id->comm), "swapper/%u", cpu);
}

struct sdr_rec_outlier *outlier_keep__add(struct outlier_keep *k, const struct sdr_rec_outlier *o)
{
	size_t i;

	if (!outlier_keep__wants(k, o->wait_ns)) {
		k->pushed_out++;
		return NULL;
	}
	if (k->n < k->cap) {
		i = k->n++;
	} else {
		i = 0;
		k->pushed_out++;
	}
	k->v[i] = *o;
	k->named[i] = 0;
	if (o->hdr.ts_ns > k->latest_ns)
		k->latest_ns = o->hdr.ts_ns;
	if (!o->prev.tid) {
		name_idle(&k->v[i].prev, o->hdr.cpu);
		k->named[i] |= OUTLIER_NAMED_PREV;
	}
	/* Out of memory: those sides go to the fallback only. */
	tidset__add(&k->wanted, o->task.tid, 1);
	tidset__add(&k->wanted, o->prev.tid, 1);
	i = i ? sift_up(k, i) : sift_down(k, 0);
	return &k->v[i];
}

/* Spans held before one is applied anyway: bounds a long capture's memory. */
#define OUTLIER_SPANS_MAX 65536

void outlier_keep__name(struct outlier_keep *k, const struct sdr_task_id *id, __u64 end_ns)
{
	struct outlier_span *sp;

	if (!id->tid || !tidset__get(&k->wanted, id->tid))
		return;
	if (k->nr_spans >= OUTLIER_SPANS_MAX)
		outlier_keep__resolve(k);
	if (k->nr_spans == k->cap_spans) {
		size_t cap = k->cap_spans ? 2 * k->cap_spans : 64;

		sp = realloc(k->spans, cap * sizeof(*sp));
		if (!sp) {
			/* Out of memory: its sides go to the fallback. */
			return;
		}
		k->spans = sp;
		k->cap_spans = cap;
	}
	sp = &k->spans[k->nr_spans];
	sp->id = *id;
	sp->end_ns = end_ns == ~0ull ? k->latest_ns : end_ns;
	sp->seq = k->nr_spans++;
}

static int cmp_span(const void *a, const void *b)
{
	const struct outlier_span *x = a, *y = b;

	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first span offered for tid that holds ts, or NULL. */
static const struct outlier_span *span_of(const struct outlier_keep *k, __u32 tid, __u64 ts)
{
	size_t lo = 0, hi = k->nr_spans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->spans[mid].id.tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < k->nr_spans && k->spans[lo].id.tid == tid; lo++)
		if (ts >= k->spans[lo].id.start_ns && ts <= k->spans[lo].end_ns)
			return &k->spans[lo];
	return NULL;
}

void outlier_keep__resolve(struct outlier_keep *k)
{
	const struct outlier_span *sp;
	size_t i;

	if (!k->nr_spans)
		return;
	qsort(k->spans, k->nr_spans, sizeof(*k->spans), cmp_span);
	for (i = 0; i < k->n; i++) {
		struct sdr_rec_outlier *o = &k->v[i];

		if (!(k->named[i] & OUTLIER_NAMED_TASK) &&
		    (sp = span_of(k, o->task.tid, o->hdr.ts_ns))) {
			o->task = sp->id;
			k->named[i] |= OUTLIER_NAMED_TASK;
		}
		if (!(k->named[i] & OUTLIER_NAMED_PREV) &&
		    (sp = span_of(k, o->prev.tid, o->hdr.ts_ns))) {
			o->prev = sp->id;
			k->named[i] |= OUTLIER_NAMED_PREV;
		}
	}
	k->nr_spans = 0;
}

void outlier_keep__name_rest(struct outlier_keep *k,
			     int (*cb)(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id),
			     void *ctx)
{
	struct sdr_task_id id;
	size_t i;

	outlier_keep__resolve(k);
	for (i = 0; i < k->n; i++) {
		struct sdr_rec_outlier *o = &k->v[i];

		if (!(k->named[i] & OUTLIER_NAMED_TASK) && !o->task.comm[0] &&
		    !cb(ctx, o->task.tid, o->hdr.ts_ns, &id))
			o->task = id;
		if (!(k->named[i] & OUTLIER_NAMED_PREV) && !o->prev.comm[0] &&
		    !cb(ctx, o->prev.tid, o->hdr.ts_ns, &id))
			o->prev = id;
	}
}

static int cmp_desc(const void *a, const void *b)
{
	const struct sdr_rec_outlier *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->hdr.ts_ns != y->hdr.ts_ns)
		return x->hdr.ts_ns < y->hdr.ts_ns ? -1 : 1;
	return x->hdr.cpu < y->hdr.cpu ? -1 : x->hdr.cpu > y->hdr.cpu;
}

void outlier_keep__sort(struct outlier_keep *k)
{
	outlier_keep__resolve(k);
	/* The flags are not needed once sorted: outputs read the records only. */
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), cmp_desc);
	memset(k->named, 0, k->cap);
}
