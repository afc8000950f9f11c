// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A tick's task rows: every task of the table (top) or only the candidates
 * for the export's top N (the daemon), the interval's rows, the tasks of
 * each cgroup counted, and the row arrays kept for the next tick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "live/collector.h"
#include "lib/util.h"
#include "live/task_interval.h"
#include "lib/task_id.h"

/* Where a cgroup id is in a report's cgroups, for counting their tasks. */
struct cgroup_slot {
	__u64 id;
	size_t pos;
};

/*
 * A task that may be in the top N by penalty or by p99 wait, with what
 * export_prom.c orders them by: the key, then tid, start time, tgid, comm.
 */
struct top_candidate {
	__u64 key;
	struct sdr_task_id id;
};

struct top_list {
	struct top_candidate *v;
	size_t n, cap;
};

struct task_fill {
	struct report *r;
	struct report *interval; /* NULL: no interval rows wanted */
	__u64 generation;
	int nr_nodes;
	int all_rows; /* every task in r, else only top candidates (cum_rows_top) */
	struct top_list by_penalty, by_p99;
	const struct cgroup_slot *slots; /* r's cgroups sorted by id */
	int err;
};

void collector__row_from_rec(struct report_task *row, const struct task_rec *t, int nr_nodes)
{
	size_t i;

	task_rec__row_start(row, t);
	memcpy(row->migrations, t->counts.migrations, sizeof(row->migrations));
	memcpy(row->by_cause, t->counts.by_cause, sizeof(row->by_cause));
	row->penalty_milli = t->counts.penalty_milli;
	memcpy(row->numa, t->counts.numa, sizeof(row->numa));
	row->runtime_ns = t->counts.runtime_ns;
	memcpy(row->node_runtime_ns, t->counts.node_runtime_ns, sizeof(row->node_runtime_ns));
	report__derive_home(row, nr_nodes);
	if (t->wait_pct.fine) {
		/* From the engine's fine histogram (wait_engine.h). */
		row->runq = (struct lat){ .count = t->counts.waits, .p50 = t->wait_pct.p50,
					  .p90 = t->wait_pct.p90, .p99 = t->wait_pct.p99,
					  .p999 = t->wait_pct.p999, .max = t->counts.wait_max_ns,
					  .rel_error = t->counts.waits ? hist__rel_error() : 0 };
		if (!t->counts.waits)
			row->runq = (struct lat){};
	} else {
		row->runq = lat__from_task_hist(t->counts.wait_hist, t->counts.wait_max_ns);
	}
	/*
	 * Per task the kernel keeps only count, sum and max of the parts: a
	 * histogram for each would add two cold cache lines to every wait.
	 */
	row->delivery = lat__from_sum(t->counts.waits, t->counts.delivery_sum_ns,
				      t->counts.delivery_max_ns);
	/* A copy taken mid-update can hold the new delivery sum beside the old wait sum. */
	row->queue = lat__from_sum(t->counts.waits,
				   t->counts.wait_sum_ns > t->counts.delivery_sum_ns ?
					   t->counts.wait_sum_ns - t->counts.delivery_sum_ns :
					   0,
				   t->counts.queue_max_ns);
	row->premig_waits = t->premig.waits;
	row->premig_sum_ns = t->premig.sum_ns;
	row->premig_max_ns = t->premig.max_ns;
	/* Per task the kernel keeps landing count, sum and max only. */
	for (i = 0; i < SDR_LOC_NR; i++) {
		row->landing.count += t->counts.landings[i];
		if (t->counts.landing_max_ns[i] > row->landing.max)
			row->landing.max = t->counts.landing_max_ns[i];
	}
}

static int cmp_cgroup_slot(const void *a, const void *b)
{
	const struct cgroup_slot *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Every cgroup entry with this id gets the task (ids are unique in practice). */
static void count_in_cgroups(struct report *r, const struct cgroup_slot *slots, __u64 id)
{
	size_t lo = 0, hi = r->nr_cgroups;

	if (!slots)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (slots[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nr_cgroups && slots[lo].id == id; lo++)
		r->cgroups[slots[lo].pos].nr_tasks++;
}

static int top_push(struct top_list *l, __u64 key, const struct sdr_task_id *id)
{
	if (ARRAY_GROW(l->v, l->n, l->cap, 1024))
		return -ENOMEM;
	l->v[l->n].key = key;
	l->v[l->n++].id = *id;
	return 0;
}

static int cmp_top_candidate(const void *a, const void *b)
{
	const struct top_candidate *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return task_id__cmp(&x->id, &y->id);
}

static struct report_task *next_row(struct report *r)
{
	if (ARRAY_GROW(r->tasks, r->nr_tasks, r->cap_tasks, 256))
		return NULL;
	return &r->tasks[r->nr_tasks++];
}

static int add_task_row(void *ctx, const struct task_rec *t)
{
	struct task_fill *fill = ctx;
	struct report_task *row;

	count_in_cgroups(fill->r, fill->slots, t->counts.cgroup_id);
	if (fill->all_rows) {
		row = next_row(fill->r);
		if (!row)
			goto oom;
		collector__row_from_rec(row, t, fill->nr_nodes);
	} else {
		/* Export_prom.c's choice, made here without a row for everyone. */
		__u64 p99 = t->wait_pct.fine ? t->wait_pct.p99 :
				lat__task_hist_quantile(t->counts.wait_hist, t->counts.wait_max_ns,
							0.99);

		if ((t->counts.penalty_milli &&
		     top_push(&fill->by_penalty, t->counts.penalty_milli, &t->id)) ||
		    (p99 && top_push(&fill->by_p99, p99, &t->id)))
			goto oom;
	}
	/*
	 * The interval's rows: tasks whose version is of this generation and
	 * that did something in it (an idle task is still read every tick).
	 */
	if (!fill->interval || t->generation != fill->generation ||
	    (!task_interval__active(&t->interval) && t->exit_generation != fill->generation))
		return 0;
	row = next_row(fill->interval);
	if (!row)
		goto oom;
	task_interval__row(row, t, fill->nr_nodes);
	count_in_cgroups(fill->interval, fill->slots, t->counts.cgroup_id);
	return 0;
oom:
	fill->err = -ENOMEM;
	return 1;
}

/*
 * Room for n rows at once, from the rows the last export handed back when
 * they are big enough. Grown by doubling, the rows of 10 000 tasks would
 * take up to twice their 8 MB, plus the copy while each realloc moves
 * them, at the peak of the daemon's memory.
 */
static int reserve_rows(struct collector *c, int which, struct report *r, size_t n)
{
	void *p;

	if (!r->tasks && c->spare_rows[which]) {
		r->tasks = c->spare_rows[which];
		r->cap_tasks = c->spare_cap[which];
		c->spare_rows[which] = NULL;
		c->spare_cap[which] = 0;
	}
	if (n <= r->cap_tasks)
		return 0;
	p = realloc(r->tasks, n * sizeof(*r->tasks));
	if (!p)
		return -ENOMEM;
	r->tasks = p;
	r->cap_tasks = n;
	return 0;
}

static void recycle(struct collector *c, int which, struct report *r)
{
	size_t i;

	if (!r || !r->tasks)
		return;
	for (i = 0; i < r->nr_tasks; i++) { /* the daemon's rows own none; to be sure */
		free(r->tasks[i].waits.v);
		free(r->tasks[i].waits.ts);
		free(r->tasks[i].waits.delivery);
	}
	if (r->cap_tasks > c->spare_cap[which]) {
		free(c->spare_rows[which]);
		c->spare_rows[which] = r->tasks;
		c->spare_cap[which] = r->cap_tasks;
	} else {
		free(r->tasks);
	}
	r->tasks = NULL;
	r->nr_tasks = r->cap_tasks = 0;
}

void collector__recycle_rows(struct collector *c, struct interval_snapshot *s)
{
	recycle(c, 0, &s->total);
	recycle(c, 1, s->has_interval ? &s->interval : NULL);
}

/* The cumulative rows of the first `lim` candidates in l's order. */
static int add_top_rows(struct collector *c, struct report *r, struct top_list *l, size_t lim)
{
	const struct task_rec *t;
	struct report_task *row;
	size_t i;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_top_candidate);
	for (i = 0; i < l->n && i < lim; i++) {
		t = tasktable__get(c->table, l->v[i].id.tid, l->v[i].id.start_ns);
		if (!t)
			continue; /* cannot happen: only this thread changes the table */
		row = next_row(r);
		if (!row)
			return -ENOMEM;
		collector__row_from_rec(row, t, c->topo.nr_nodes);
	}
	return 0;
}

/* Rows picked by both lists appear once: by identity, adjacent after the sort. */
static void drop_duplicate_rows(struct report *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->nr_tasks; i++) {
		if (k && r->tasks[k - 1].id.tid == r->tasks[i].id.tid &&
		    r->tasks[k - 1].id.start_ns == r->tasks[i].id.start_ns)
			continue;
		if (k != i)
			r->tasks[k] = r->tasks[i];
		k++;
	}
	r->nr_tasks = k;
}

int collector__fill_tasks(struct collector *c, struct report *r, struct report *iv)
{
	struct task_fill fill = {
		.r = r, .interval = iv, .generation = c->generation, .nr_nodes = c->topo.nr_nodes,
		.all_rows = c->cum_rows_top < 0,
	};
	struct tasktable_stats st;
	struct cgroup_slot *slots;
	size_t i, lim = c->cum_rows_top > 0 ? (size_t)c->cum_rows_top : 0;
	int err = 0;

	/* Only this thread changes the table, so the count holds for the walk. */
	tasktable__stats(c->table, &st);
	if ((fill.all_rows && reserve_rows(c, 0, r, st.nr_tasks)) ||
	    (!fill.all_rows && reserve_rows(c, 0, r, 2 * lim)) ||
	    (iv && reserve_rows(c, 1, iv, st.nr_tasks)))
		return -ENOMEM;
	slots = calloc(r->nr_cgroups + 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < r->nr_cgroups; i++)
		slots[i] = (struct cgroup_slot){ .id = r->cgroups[i].id, .pos = i };
	if (r->nr_cgroups)
		qsort(slots, r->nr_cgroups, sizeof(*slots), cmp_cgroup_slot);
	fill.slots = slots;
	tasktable__for_each(c->reader, add_task_row, &fill);
	err = fill.err;
	if (!err && !fill.all_rows) {
		err = add_top_rows(c, r, &fill.by_penalty, lim);
		if (!err)
			err = add_top_rows(c, r, &fill.by_p99, lim);
	}
	free(fill.by_penalty.v);
	free(fill.by_p99.v);
	free(slots);
	if (err)
		return err;
	if (r->nr_tasks)
		qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), report_task__cmp);
	if (!fill.all_rows)
		drop_duplicate_rows(r);
	if (iv && iv->nr_tasks)
		qsort(iv->tasks, iv->nr_tasks, sizeof(*iv->tasks), report_task__cmp);
	return 0;
}
