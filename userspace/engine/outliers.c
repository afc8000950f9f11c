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
	tidset__free(&k->wanted);
	memset(k, 0, sizeof(*k));
}

void outlier_keep__clear(struct outlier_keep *k)
{
	k->n = 0;
	k->pushed_out = 0;
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

void outlier_keep__name(struct outlier_keep *k, const struct sdr_task_id *id, __u64 end_ns)
{
	size_t i;

	if (!id->tid || !tidset__get(&k->wanted, id->tid))
		return;
	for (i = 0; i < k->n; i++) {
		struct sdr_rec_outlier *o = &k->v[i];
		__u64 ts = o->hdr.ts_ns;

		if (ts < id->start_ns || ts > end_ns)
			continue;
		if (o->task.tid == id->tid && !(k->named[i] & OUTLIER_NAMED_TASK)) {
			o->task = *id;
			k->named[i] |= OUTLIER_NAMED_TASK;
		}
		if (o->prev.tid == id->tid && !(k->named[i] & OUTLIER_NAMED_PREV)) {
			o->prev = *id;
			k->named[i] |= OUTLIER_NAMED_PREV;
		}
	}
}

void outlier_keep__name_rest(struct outlier_keep *k,
			     int (*cb)(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id),
			     void *ctx)
{
	struct sdr_task_id id;
	size_t i;

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
	/* The flags are not needed once sorted: outputs read the records only. */
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), cmp_desc);
	memset(k->named, 0, k->cap);
}
