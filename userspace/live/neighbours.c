// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Noisy neighbours in the daemon (neighbours.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "live/neighbours.h"
#include "engine/delay_class.h"
#include "trace/switch_batch.h"

/* A task's key in the tables: its cgroup when known, else its tid until the tick. */
static __u64 key_of(void *ctx, __u32 tid)
{
	const struct neighbours *n = ctx;
	__u64 id = n->cgroup_of(n->ctx, tid);

	return id ? id : NEIGHBOURS_TID_KEY(tid);
}

int neighbours__init(struct neighbours *n, unsigned int nr_cpus, size_t top_k,
		     __u64 (*cgroup_of)(void *ctx, __u32 tid), void *ctx)
{
	memset(n, 0, sizeof(*n));
	n->top_k = top_k;
	n->cgroup_of = cgroup_of;
	n->ctx = ctx;
	/* Only cgroup x cgroup is published: the history kept by key, a run per cgroup. */
	n->engine = attrib__new_grouped(nr_cpus, 0, key_of, n);
	n->iv = delays__new(NEIGHBOURS_MAX_TID_PAIRS, NEIGHBOURS_MAX_TID_VICTIMS);
	n->cum = delays__new(NEIGHBOURS_MAX_PAIRS, NEIGHBOURS_MAX_VICTIMS);
	n->last = delays__new(NEIGHBOURS_MAX_PAIRS, NEIGHBOURS_MAX_VICTIMS);
	if (!n->engine || !n->iv || !n->cum || !n->last) {
		neighbours__free(n);
		return -ENOMEM;
	}
	return 0;
}

void neighbours__free(struct neighbours *n)
{
	attrib__free(n->engine);
	delays__free(n->iv);
	delays__free(n->cum);
	delays__free(n->last);
	memset(n, 0, sizeof(*n));
}

void neighbours__gap(void *ctx, __u32 cpu, __u64 ts_ns, __u32 batches)
{
	struct neighbours *n = ctx;

	(void)ts_ns;
	(void)batches;
	attrib__gap(n->engine, cpu);
}

void neighbours__switch(void *ctx, __u32 cpu, const struct sdr_switch_item *w)
{
	struct neighbours *n = ctx;
	struct switch_sample s;
	const struct attrib_group *all;
	struct attrib_wait aw;
	size_t i, nr;
	__u64 unknown;
	int ret;

	switch_sample__from_item(&s, w, cpu);
	/* Refused by the wait engine and by record's decoder (counted there): not seen here either. */
	if (!switch_sample__valid(&s))
		return;
	ret = attrib__feed(n->engine, &s, &aw);
	if (ret == -ENOMEM)
		n->no_memory++;
	if (ret != 1)
		return;
	/* Every holder's key, not only the top ones, as the report sums them (who_delayed.c). */
	ret = delays__wait(n->iv, aw.group, aw.wait_ns, aw.premig_ns);
	all = attrib__groups(n->engine, &nr);
	for (i = 0; ret != -ENOMEM && i < nr; i++)
		ret = delays__add(n->iv, aw.group, all[i].key, all[i].ns);
	unknown = aw.unknown_short_ns + aw.unknown_gap_ns;
	if (ret != -ENOMEM && aw.idle_ns)
		ret = delays__add(n->iv, aw.group, DELAYS_IDLE, aw.idle_ns);
	if (ret != -ENOMEM && unknown)
		ret = delays__add(n->iv, aw.group, DELAYS_UNKNOWN, unknown);
	/* A cap (-ENOSPC) is counted by the table; running out of memory here. */
	if (ret == -ENOMEM)
		n->no_memory++;
}

/* A key of the interval's table to a cgroup: tids not named at their switch, again now. */
static __u64 to_cgroup(void *ctx, __u64 key)
{
	const struct neighbours *n = ctx;
	__u64 id;

	if (!(key >> 63))
		return key;
	id = n->cgroup_of(n->ctx, (__u32)key);
	return id ? id : DELAYS_UNKNOWN;
}

int neighbours__end_interval(struct neighbours *n)
{
	int err, err2;

	/* The refusal counters stay across the resets: read in neighbours__fill*. */
	delays__reset(n->last);
	err = delays__regroup(n->cum, n->iv, to_cgroup, n);
	err2 = delays__regroup(n->last, n->iv, to_cgroup, n);
	delays__reset(n->iv);
	return err == -ENOMEM || err2 == -ENOMEM ? -ENOMEM : 0;
}

/* Whether id is one of r's cgroups (they have series); r->cgroups is not sorted. */
static int has_series(const struct report *r, __u64 id)
{
	return id != DELAYS_UNKNOWN && report__cgroup_by_id(r, id) != NULL;
}

/* The victims of table among r's cgroups into r->delays.groups (neighbours.h). */
static int fill_table(const struct neighbours *n, const struct delays *table, struct report *r,
		      const char *(*path_of)(void *ctx, __u64 id),
		      int (*same_pod)(void *ctx, __u64 a, __u64 b), void *ctx,
		      struct neighbours_counts *counts)
{
	struct report_delays *d = &r->delays;
	struct delays_victim *v;
	size_t nr, i, c, k = 0;
	int err = delays__sorted(table, &v, &nr);

	memset(counts, 0, sizeof(*counts));
	if (err)
		return err;
	d->groups = calloc(nr + 1, sizeof(*d->groups));
	if (!d->groups) {
		free(v);
		return -ENOMEM;
	}
	d->group_mem = v;
	d->top_k = n->top_k;
	for (i = 0; i < nr; i++) {
		struct report_delayed *o = &d->groups[k];

		if (!has_series(r, v[i].key)) {
			counts->victims_without_series++;
			continue;
		}
		k++;
		o->key = v[i].key;
		o->wait_ns = v[i].wait_ns;
		o->nr_waits = v[i].nr_waits;
		o->premig_ns = v[i].premig_ns;
		o->lost_ns = v[i].lost_ns;
		for (c = 0; c < v[i].nr_cells; c++) {
			__u64 key = v[i].cells[c].culprit, group = key;
			int sys = 0;

			/* A pod is one group, as in the report: its containers are "same". */
			if (key < DELAYS_OTHER && same_pod && same_pod(ctx, v[i].key, key))
				group = v[i].key;
			else if (key < DELAYS_OTHER)
				sys = delay_class__system_path(path_of(ctx, key));
			o->class_ns[delay_class__of(v[i].key, group, key, sys)] += v[i].cells[c].ns;
		}
		o->omitted = delays__top(&v[i], n->top_k, &o->other);
		o->culprits = v[i].cells;
		o->nr_culprits = v[i].nr_cells;
		counts->culprits_in_other += o->omitted;
	}
	d->nr_groups = k;
	d->attrib = *attrib__stats(n->engine);
	d->bytes = attrib__bytes(n->engine) + delays__bytes(n->iv) + delays__bytes(n->cum) +
		   delays__bytes(n->last);
	counts->bytes = d->bytes;
	counts->no_memory = n->no_memory;
	counts->stream_gaps = d->attrib.prev_mismatch + d->attrib.out_of_order + d->attrib.gaps;
	return 0;
}

int neighbours__fill(const struct neighbours *n, struct report *r,
		     const char *(*path_of)(void *ctx, __u64 id),
		     int (*same_pod)(void *ctx, __u64 a, __u64 b), void *ctx,
		     struct neighbours_counts *counts)
{
	const struct delays_stats *iv = delays__stats(n->iv), *cum = delays__stats(n->cum);
	int err = fill_table(n, n->cum, r, path_of, same_pod, ctx, counts);

	if (err)
		return err;
	r->delays.pairs = *cum;
	counts->pairs_full = iv->pairs_full + cum->pairs_full;
	counts->victims_full = iv->victims_full + cum->victims_full;
	return 0;
}

int neighbours__fill_interval(struct neighbours *n, struct report *r,
			      const char *(*path_of)(void *ctx, __u64 id),
			      int (*same_pod)(void *ctx, __u64 a, __u64 b), void *ctx)
{
	const struct delays_stats *iv = delays__stats(n->iv), *last = delays__stats(n->last);
	struct neighbours_counts *c = &r->neighbours, now;
	int err = fill_table(n, n->last, r, path_of, same_pod, ctx, c);

	if (err)
		return err;
	r->delays.pairs = *last;
	/* Since start, then the difference from the previous interval's. */
	now = *c;
	now.pairs_full = iv->pairs_full + last->pairs_full;
	now.victims_full = iv->victims_full + last->victims_full;
	c->pairs_full = now.pairs_full - n->at_last.pairs_full;
	c->victims_full = now.victims_full - n->at_last.victims_full;
	c->no_memory = now.no_memory - n->at_last.no_memory;
	c->stream_gaps = now.stream_gaps - n->at_last.stream_gaps;
	n->at_last = now;
	return 0;
}
