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

/*
 * The best lim candidates seen so far, as a heap whose root is the worst
 * of them: a task is one comparison with the root unless it beats it, and
 * the list never holds more than lim (a sorted array of every task was
 * 2 MB and a sort of 50 000 at every tick).
 */
struct top_list {
	struct top_candidate *v;
	size_t n, lim;
};

struct task_fill {
	struct report *r;
	struct report *interval; /* NULL: no interval rows wanted */
	__u64 generation;
	int nr_nodes;
	int all_rows; /* every task in r, else only top candidates (cum_rows_top) */
	int all_iv_rows; /* every active task in interval, else only top candidates (iv_rows_top) */
	struct top_list by_penalty, by_p99, iv_by_penalty, iv_by_p99;
	size_t iv_active; /* tasks active in the interval */
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
	/* The table keeps nr_nodes of them (tasktable__new_nodes). */
	if (nr_nodes > 0)
		memcpy(row->node_runtime_ns, t->counts.node_runtime_ns,
		       (nr_nodes < SDR_MAX_NODES ? nr_nodes : SDR_MAX_NODES) *
			       sizeof(row->node_runtime_ns[0]));
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
		/* Never given the engine's figures: count, mean and max only. */
		row->runq = lat__from_sum(t->counts.waits, t->counts.wait_sum_ns,
					  t->counts.wait_max_ns);
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

static int cmp_top_candidate(const void *a, const void *b)
{
	const struct top_candidate *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return task_id__cmp(&x->id, &y->id);
}

static int top_init(struct top_list *l, size_t lim)
{
	l->n = 0;
	l->lim = lim;
	l->v = lim ? malloc(lim * sizeof(*l->v)) : NULL;
	return lim && !l->v ? -ENOMEM : 0;
}

static void top_swap(struct top_list *l, size_t i, size_t k)
{
	struct top_candidate x = l->v[i];

	l->v[i] = l->v[k];
	l->v[k] = x;
}

/* A task with this key (0: not a candidate) into the list if it is among the best lim. */
static void top_offer(struct top_list *l, __u64 key, const struct sdr_task_id *id)
{
	struct top_candidate c = { .key = key, .id = *id };
	size_t i, k;

	if (!key || !l->lim)
		return;
	if (l->n < l->lim) {
		/* Up while worse than the parent: the root stays the worst. */
		i = l->n++;
		l->v[i] = c;
		for (; i && cmp_top_candidate(&l->v[i], &l->v[(i - 1) / 2]) > 0; i = (i - 1) / 2)
			top_swap(l, i, (i - 1) / 2);
		return;
	}
	if (cmp_top_candidate(&c, &l->v[0]) >= 0)
		return;
	l->v[0] = c;
	for (i = 0;; i = k) {
		k = 2 * i + 1;
		if (k >= l->n)
			break;
		if (k + 1 < l->n && cmp_top_candidate(&l->v[k + 1], &l->v[k]) > 0)
			k++;
		if (cmp_top_candidate(&l->v[k], &l->v[i]) <= 0)
			break;
		top_swap(l, i, k);
	}
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
		top_offer(&fill->by_penalty, t->counts.penalty_milli, &t->id);
		top_offer(&fill->by_p99, t->wait_pct.fine ? t->wait_pct.p99 : 0, &t->id);
	}
	/*
	 * The interval's rows: tasks whose version is of this generation and
	 * that did something in it (an idle task is still read every tick).
	 */
	if (!fill->interval || t->generation != fill->generation ||
	    (!task_interval__active(&t->interval) && t->exit_generation != fill->generation))
		return 0;
	count_in_cgroups(fill->interval, fill->slots, t->counts.cgroup_id);
	fill->iv_active++;
	if (!fill->all_iv_rows) {
		/* The JSON's choice (report__pick_top), by what task_interval__row() shows. */
		top_offer(&fill->iv_by_penalty, t->interval.penalty_milli, &t->id);
		top_offer(&fill->iv_by_p99, t->interval.wait_fine ? t->interval.wait_p99_ns : 0,
			  &t->id);
		return 0;
	}
	row = next_row(fill->interval);
	if (!row)
		goto oom;
	task_interval__row(row, t, fill->nr_nodes);
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

/* The rows of l's candidates, cumulative or the interval's. */
static int add_top_rows(struct collector *c, struct report *r, struct top_list *l, bool interval)
{
	const struct task_rec *t;
	struct report_task *row;
	size_t i;

	for (i = 0; i < l->n; i++) {
		t = tasktable__get(c->table, l->v[i].id.tid, l->v[i].id.start_ns);
		if (!t)
			continue; /* cannot happen: only this thread changes the table */
		row = next_row(r);
		if (!row)
			return -ENOMEM;
		if (interval)
			task_interval__row(row, t, c->topo.nr_nodes);
		else
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
		.all_rows = c->cum_rows_top < 0, .all_iv_rows = c->iv_rows_top < 0,
	};
	struct tasktable_stats st;
	struct cgroup_slot *slots;
	size_t i, lim = c->cum_rows_top > 0 ? (size_t)c->cum_rows_top : 0;
	size_t iv_lim = c->iv_rows_top > 0 ? (size_t)c->iv_rows_top : 0;
	int err = 0;

	/* Only this thread changes the table, so the count holds for the walk. */
	tasktable__stats(c->table, &st);
	if ((fill.all_rows && reserve_rows(c, 0, r, st.nr_tasks)) ||
	    (!fill.all_rows && reserve_rows(c, 0, r, 2 * lim)) ||
	    (iv && reserve_rows(c, 1, iv, fill.all_iv_rows ? st.nr_tasks : 2 * iv_lim)))
		return -ENOMEM;
	slots = calloc(r->nr_cgroups + 1, sizeof(*slots));
	if (!slots || top_init(&fill.by_penalty, fill.all_rows ? 0 : lim) ||
	    top_init(&fill.by_p99, fill.all_rows ? 0 : lim) ||
	    top_init(&fill.iv_by_penalty, fill.all_iv_rows ? 0 : iv_lim) ||
	    top_init(&fill.iv_by_p99, fill.all_iv_rows ? 0 : iv_lim)) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->nr_cgroups; i++)
		slots[i] = (struct cgroup_slot){ .id = r->cgroups[i].id, .pos = i };
	if (r->nr_cgroups)
		qsort(slots, r->nr_cgroups, sizeof(*slots), cmp_cgroup_slot);
	fill.slots = slots;
	tasktable__for_each(c->reader, add_task_row, &fill);
	err = fill.err;
	if (!err && !fill.all_rows) {
		err = add_top_rows(c, r, &fill.by_penalty, false);
		if (!err)
			err = add_top_rows(c, r, &fill.by_p99, false);
	}
	if (!err && iv && !fill.all_iv_rows) {
		err = add_top_rows(c, iv, &fill.iv_by_penalty, true);
		if (!err)
			err = add_top_rows(c, iv, &fill.iv_by_p99, true);
	}
out:
	free(fill.by_penalty.v);
	free(fill.by_p99.v);
	free(fill.iv_by_penalty.v);
	free(fill.iv_by_p99.v);
	free(slots);
	if (err)
		return err;
	if (r->nr_tasks)
		qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), report_task__cmp);
	if (!fill.all_rows)
		drop_duplicate_rows(r);
	if (iv && iv->nr_tasks)
		qsort(iv->tasks, iv->nr_tasks, sizeof(*iv->tasks), report_task__cmp);
	if (iv && !fill.all_iv_rows) {
		drop_duplicate_rows(iv);
		iv->tasks_unlisted = fill.iv_active - iv->nr_tasks;
	}
	return 0;
}
