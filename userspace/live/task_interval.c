// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Per-task interval figures for the daemon's JSON file (task_interval.h). */
#include <string.h>

#include "lib/hist.h"
#include "live/task_interval.h"

static __u64 sum_u64(const __u64 *v, int n)
{
	__u64 s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/*
 * Every kernel count only grows while the task lives; one that shrank
 * belongs to another task that now has the same tid and start time (a
 * kernel restart of the count is the same thing to us).
 */
static int restarted(const struct task_counts *now, const struct task_counts *then)
{
	unsigned int i;

	if (now->waits < then->waits || now->runtime_ns < then->runtime_ns ||
	    now->penalty_milli < then->penalty_milli || now->wait_sum_ns < then->wait_sum_ns ||
	    now->delivery_sum_ns < then->delivery_sum_ns)
		return 1;
	for (i = 0; i < SDR_CAUSE_NR; i++)
		if (now->by_cause[i] < then->by_cause[i])
			return 1;
	return 0;
}

/* The node the task calls home, from its totals (docs/latency.md); -1 = none yet. */
static int home_of(const struct task_counts *c, int nr_nodes)
{
	struct report_task row = { .have_totals = 1, .home_node = -1 };

	row.runtime_ns = c->runtime_ns;
	row.preferred_nid = c->preferred_nid;
	/* The table keeps nr_nodes of them (tasktable__new_nodes). */
	if (nr_nodes > 0)
		memcpy(row.node_runtime_ns, c->node_runtime_ns,
		       (nr_nodes < SDR_MAX_NODES ? nr_nodes : SDR_MAX_NODES) *
			       sizeof(row.node_runtime_ns[0]));
	report__derive_home(&row, nr_nodes);
	return row.home_node;
}

/*
 * The waits between two versions from the totals alone: their count, and
 * the largest, exact when the maximum rose in this interval, else bounded
 * by the maximum so far and the interval's sum. No percentiles: those come
 * from the wait engine's histograms (the collector adds them).
 */
static void wait_delta(struct task_interval *iv, const struct task_counts *a,
		       const struct task_counts *b)
{
	__u64 sum = a->wait_sum_ns - b->wait_sum_ns;

	iv->waits = a->waits - b->waits;
	if (!iv->waits)
		return;
	iv->wait_max_ns = a->wait_max_ns > b->wait_max_ns ? a->wait_max_ns :
			  a->wait_max_ns < sum ? a->wait_max_ns : sum;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

/*
 * The delivery and queueing parts between two versions. The kernel keeps
 * only their sums and maxima per task: a maximum that rose was set in this
 * interval and is exact; otherwise the interval's largest is at most the
 * maximum so far, and at most the interval's sum.
 */
static void part_delta(struct task_interval *iv, const struct task_counts *a,
		       const struct task_counts *b)
{
	__u64 queue_sum;

	iv->wait_sum_ns = a->wait_sum_ns - b->wait_sum_ns;
	iv->delivery_sum_ns = a->delivery_sum_ns - b->delivery_sum_ns;
	/* Clock skew aside, delivery is part of the wait; never a wrapped difference. */
	queue_sum = iv->wait_sum_ns > iv->delivery_sum_ns ?
			    iv->wait_sum_ns - iv->delivery_sum_ns : 0;
	iv->delivery_max_ns = min_u64(a->delivery_max_ns, iv->delivery_sum_ns);
	iv->queue_max_ns = min_u64(a->queue_max_ns, queue_sum);
}

/*
 * Two parts of one interval (the task got two versions in one generation,
 * e.g. read live and then its exit record): counts add up; the percentiles
 * are those of the part with more waits, the maximum the larger one.
 */
static void wait_merge(struct task_interval *iv, const struct task_interval *first)
{
	__u64 max = iv->wait_max_ns > first->wait_max_ns ? iv->wait_max_ns : first->wait_max_ns;

	if (first->waits > iv->waits) {
		iv->wait_p50_ns = first->wait_p50_ns;
		iv->wait_p90_ns = first->wait_p90_ns;
		iv->wait_p99_ns = first->wait_p99_ns;
		iv->wait_p999_ns = first->wait_p999_ns;
	}
	iv->waits += first->waits;
	iv->wait_max_ns = max;
	iv->wait_sum_ns += first->wait_sum_ns;
	iv->delivery_sum_ns += first->delivery_sum_ns;
	iv->delivery_max_ns = max_u64(iv->delivery_max_ns, first->delivery_max_ns);
	iv->queue_max_ns = max_u64(iv->queue_max_ns, first->queue_max_ns);
}

void task_interval__fill(struct task_rec *t, const struct task_rec *old, int nr_nodes)
{
	static const struct task_counts none = { .preferred_nid = -1 };
	const struct task_counts *a = &t->counts, *b = &none;
	struct task_interval *iv = &t->interval;
	int i, home, same_generation = 0;

	if (old && !restarted(a, &old->counts)) {
		b = &old->counts;
		same_generation = old->generation == t->generation;
	}
	memset(iv, 0, sizeof(*iv));
	for (i = 0; i < SDR_LOC_NR; i++) {
		iv->migrations[i] = a->migrations[i] - b->migrations[i];
		iv->landings += a->landings[i] - b->landings[i];
	}
	for (i = 0; i < SDR_CAUSE_NR; i++)
		iv->by_cause[i] = a->by_cause[i] - b->by_cause[i];
	for (i = 0; i < SDR_NUMA_NR; i++)
		iv->numa[i] = a->numa[i] - b->numa[i];
	iv->penalty_milli = a->penalty_milli - b->penalty_milli;
	iv->runtime_ns = a->runtime_ns - b->runtime_ns;
	home = home_of(a, nr_nodes);
	if (home >= 0)
		for (i = 0; i < nr_nodes && i < SDR_MAX_NODES; i++)
			if (i != home && a->node_runtime_ns[i] > b->node_runtime_ns[i])
				iv->remote_runtime_ns += a->node_runtime_ns[i] - b->node_runtime_ns[i];
	wait_delta(iv, a, b);
	part_delta(iv, a, b);
	if (!same_generation)
		return;
	for (i = 0; i < SDR_LOC_NR; i++)
		iv->migrations[i] += old->interval.migrations[i];
	for (i = 0; i < SDR_CAUSE_NR; i++)
		iv->by_cause[i] += old->interval.by_cause[i];
	for (i = 0; i < SDR_NUMA_NR; i++)
		iv->numa[i] += old->interval.numa[i];
	iv->penalty_milli += old->interval.penalty_milli;
	iv->runtime_ns += old->interval.runtime_ns;
	iv->remote_runtime_ns += old->interval.remote_runtime_ns;
	iv->landings += old->interval.landings;
	wait_merge(iv, &old->interval);
}

int task_interval__active(const struct task_interval *iv)
{
	return iv->waits || iv->runtime_ns || sum_u64(iv->migrations, SDR_LOC_NR) ||
	       sum_u64(iv->numa, SDR_NUMA_NR);
}

void task_rec__row_start(struct report_task *row, const struct task_rec *t)
{
	memset(row, 0, sizeof(*row));
	row->id = t->id;
	row->id_known = 1;
	row->exited = t->exit_generation != 0;
	row->generation = t->generation;
	row->have_totals = 1;
	row->preferred_nid = t->counts.preferred_nid;
	row->cgroup_id = t->counts.cgroup_id;
	row->home_node = -1;
	row->premig_known = 1; /* the engine counts them */
}

void task_interval__row(struct report_task *row, const struct task_rec *t, int nr_nodes)
{
	const struct task_interval *iv = &t->interval;
	int i;

	task_rec__row_start(row, t);
	memcpy(row->migrations, iv->migrations, sizeof(row->migrations));
	memcpy(row->by_cause, iv->by_cause, sizeof(row->by_cause));
	memcpy(row->numa, iv->numa, sizeof(row->numa));
	row->penalty_milli = iv->penalty_milli;
	row->runtime_ns = iv->runtime_ns;
	row->remote_runtime_ns = iv->remote_runtime_ns;
	row->home_node = home_of(&t->counts, nr_nodes);
	if (iv->wait_fine) {
		row->runq.count = iv->waits;
		row->runq.p50 = iv->wait_p50_ns;
		row->runq.p90 = iv->wait_p90_ns;
		row->runq.p99 = iv->wait_p99_ns;
		row->runq.p999 = iv->wait_p999_ns;
		row->runq.max = iv->wait_max_ns;
		row->runq.rel_error = iv->waits ? hist__rel_error() : 0;
		row->runq.mean = iv->waits ? iv->wait_sum_ns / iv->waits : 0;
	} else {
		/* Not from the engine: the totals give count, mean and a bound on the max. */
		row->runq = lat__from_sum(iv->waits, iv->wait_sum_ns, iv->wait_max_ns);
	}
	/* The parts: count, mean and a bound on the max; no percentiles (task_interval.h). */
	row->delivery = lat__from_sum(iv->waits, iv->delivery_sum_ns, iv->delivery_max_ns);
	row->queue = lat__from_sum(iv->waits,
				   iv->wait_sum_ns > iv->delivery_sum_ns ?
					   iv->wait_sum_ns - iv->delivery_sum_ns : 0,
				   iv->queue_max_ns);
	/* The waits before a migration: the engine's count, sum and max of the interval. */
	row->premig_waits = iv->premig_waits;
	row->premig_sum_ns = iv->premig_sum_ns;
	row->premig_max_ns = iv->premig_max_ns;
	/*
	 * Per task the kernel keeps landing counts, sums and maxima only: the
	 * interval's count, and the largest landing wait since the task was
	 * first seen (an upper bound of the interval's).
	 */
	row->landing.count = iv->landings;
	for (i = 0; iv->landings && i < SDR_LOC_NR; i++)
		if (t->counts.landing_max_ns[i] > row->landing.max)
			row->landing.max = t->counts.landing_max_ns[i];
}
