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

	memset(row, 0, sizeof(*row));
	row->id = t->id;
	row->id_known = 1;
	row->exited = t->exit_generation != 0;
	row->generation = t->generation;
	memcpy(row->migrations, t->counts.migrations, sizeof(row->migrations));
	memcpy(row->by_cause, t->counts.by_cause, sizeof(row->by_cause));
	row->penalty_milli = t->counts.penalty_milli;
	memcpy(row->numa, t->counts.numa, sizeof(row->numa));
	row->have_totals = 1;
	row->runtime_ns = t->counts.runtime_ns;
	memcpy(row->node_runtime_ns, t->counts.node_runtime_ns, sizeof(row->node_runtime_ns));
	row->preferred_nid = t->counts.preferred_nid;
	row->cgroup_id = t->counts.cgroup_id;
	row->home_node = -1;
	report__derive_home(row, nr_nodes);
	row->runq = lat__from_task_hist(t->counts.wait_hist, t->counts.wait_max_ns);
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
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n].key = key;
	l->v[l->n++].id = *id;
	return 0;
}

static int cmp_top_candidate(const void *a, const void *b)
{
	const struct top_candidate *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	if (x->id.start_ns != y->id.start_ns)
		return x->id.start_ns < y->id.start_ns ? -1 : 1;
	if (x->id.tgid != y->id.tgid)
		return x->id.tgid < y->id.tgid ? -1 : 1;
	return memcmp(x->id.comm, y->id.comm, sizeof(x->id.comm));
}

static struct report_task *next_row(struct report *r)
{
	if (r->nr_tasks == r->cap_tasks) {
		size_t cap = r->cap_tasks ? r->cap_tasks * 2 : 256;
		void *p = realloc(r->tasks, cap * sizeof(*r->tasks));

		if (!p)
			return NULL;
		r->tasks = p;
		r->cap_tasks = cap;
	}
	return &r->tasks[r->nr_tasks++];
}

static int add_task_row(void *ctx, const struct task_rec *t)
{
	struct task_fill *tf = ctx;
	struct report_task *row;

	count_in_cgroups(tf->r, tf->slots, t->counts.cgroup_id);
	if (tf->all_rows) {
		row = next_row(tf->r);
		if (!row)
			goto oom;
		collector__row_from_rec(row, t, tf->nr_nodes);
	} else {
		/* Export_prom.c's choice, made here without a row for everyone. */
		__u64 p99 = lat__task_hist_quantile(t->counts.wait_hist, t->counts.wait_max_ns,
						     0.99);

		if ((t->counts.penalty_milli &&
		     top_push(&tf->by_penalty, t->counts.penalty_milli, &t->id)) ||
		    (p99 && top_push(&tf->by_p99, p99, &t->id)))
			goto oom;
	}
	/*
	 * The interval's rows: tasks whose version is of this generation and
	 * that did something in it (an idle task is still read every tick).
	 */
	if (!tf->interval || t->generation != tf->generation ||
	    (!task_interval__active(&t->interval) && t->exit_generation != tf->generation))
		return 0;
	row = next_row(tf->interval);
	if (!row)
		goto oom;
	task_interval__row(row, t, tf->nr_nodes);
	count_in_cgroups(tf->interval, tf->slots, t->counts.cgroup_id);
	return 0;
oom:
	tf->err = -ENOMEM;
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

void collector__recycle_rows(struct collector *c, struct report *r, struct report *iv)
{
	recycle(c, 0, r);
	recycle(c, 1, iv);
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
	struct task_fill tf = {
		.r = r, .interval = iv, .generation = c->generation, .nr_nodes = c->topo.nr_nodes,
		.all_rows = c->cum_rows_top < 0,
	};
	struct tasktable_stats st;
	struct cgroup_slot *slots;
	size_t i, lim = c->cum_rows_top > 0 ? (size_t)c->cum_rows_top : 0;
	int err = 0;

	/* Only this thread changes the table, so the count holds for the walk. */
	tasktable__stats(c->table, &st);
	if ((tf.all_rows && reserve_rows(c, 0, r, st.nr_tasks)) ||
	    (!tf.all_rows && reserve_rows(c, 0, r, 2 * lim)) ||
	    (iv && reserve_rows(c, 1, iv, st.nr_tasks)))
		return -ENOMEM;
	slots = calloc(r->nr_cgroups + 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < r->nr_cgroups; i++)
		slots[i] = (struct cgroup_slot){ .id = r->cgroups[i].id, .pos = i };
	if (r->nr_cgroups)
		qsort(slots, r->nr_cgroups, sizeof(*slots), cmp_cgroup_slot);
	tf.slots = slots;
	tasktable__for_each(c->reader, add_task_row, &tf);
	err = tf.err;
	if (!err && !tf.all_rows) {
		err = add_top_rows(c, r, &tf.by_penalty, lim);
		if (!err)
			err = add_top_rows(c, r, &tf.by_p99, lim);
	}
	free(tf.by_penalty.v);
	free(tf.by_p99.v);
	free(slots);
	if (err)
		return err;
	if (r->nr_tasks)
		qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), report_task__cmp);
	if (!tf.all_rows)
		drop_duplicate_rows(r);
	if (iv && iv->nr_tasks)
		qsort(iv->tasks, iv->nr_tasks, sizeof(*iv->tasks), report_task__cmp);
	return 0;
}
