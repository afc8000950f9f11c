// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-task interval figures of the daemon's JSON file
 * (userspace/live/task_interval.c): differences between versions of a task, the
 * first version of a task, two versions in one generation, a count that
 * went backwards (a new task behind the same key), remote runtime against
 * the home node, the waits from the totals alone (count, sum, a bound on
 * the max; the percentiles are the wait engine's, test_wait_engine), and
 * the delivery/queueing parts (count, mean, a bound on the max; no
 * percentiles: only sums and maxima of them are kept per task).
 */
#include <stdlib.h>

#include "check.h"
#include "live/collector.h"
#include "live/task_interval.h"

#define NODES 2

/* Adds n waits of wait_ns, delivery_ns of each its delivery, as the kernel would. */
static void add_split_waits(struct task_counts *c, __u64 wait_ns, __u64 delivery_ns, __u32 n)
{
	c->waits += n;
	c->wait_sum_ns += wait_ns * n;
	if (wait_ns > c->wait_max_ns)
		c->wait_max_ns = wait_ns;
	c->delivery_sum_ns += delivery_ns * n;
	if (delivery_ns > c->delivery_max_ns)
		c->delivery_max_ns = delivery_ns;
	if (wait_ns - delivery_ns > c->queue_max_ns)
		c->queue_max_ns = wait_ns - delivery_ns;
}

/* A quarter of each wait is its delivery. */
static void add_waits(struct task_counts *c, __u64 wait_ns, __u32 n)
{
	add_split_waits(c, wait_ns, wait_ns / 4, n);
}

static void migrate(struct task_counts *c, int loc, int cause, __u64 n)
{
	c->migrations[loc] += n;
	c->by_cause[cause] += n;
	c->penalty_milli += n * (loc == SDR_LOC_CROSS_NODE ? 1100 : 0);
	c->landings[loc] += n;
}

static void run(struct task_counts *c, int node, __u64 ns)
{
	c->runtime_ns += ns;
	c->node_runtime_ns[node] += ns;
}

static struct task_rec rec(__u64 generation)
{
	struct task_rec t;

	memset(&t, 0, sizeof(t));
	t.id.tid = 42;
	t.id.start_ns = 1000;
	t.counts.preferred_nid = -1;
	t.generation = generation;
	return t;
}

static void test_first_version(void)
{
	struct task_rec t = rec(1);

	migrate(&t.counts, SDR_LOC_CROSS_NODE, SDR_CAUSE_AFFINITY, 3);
	run(&t.counts, 0, 5000000);
	run(&t.counts, 1, 1000000);
	add_waits(&t.counts, 20000, 10);
	task_interval__fill(&t, NULL, NODES);
	CHECK_EQ_U64(t.interval.migrations[SDR_LOC_CROSS_NODE], 3);
	CHECK_EQ_U64(t.interval.by_cause[SDR_CAUSE_AFFINITY], 3);
	CHECK_EQ_U64(t.interval.penalty_milli, 3300);
	CHECK_EQ_U64(t.interval.runtime_ns, 6000000);
	/* Home is where it ran most (no preferred node): node 0; remote = node 1's. */
	CHECK_EQ_U64(t.interval.remote_runtime_ns, 1000000);
	CHECK_EQ_U64(t.interval.waits, 10);
	CHECK_EQ_U64(t.interval.wait_max_ns, 20000);
	CHECK(task_interval__active(&t.interval));
	/* The parts: sums, and maxima set in this interval, so exact. */
	CHECK_EQ_U64(t.interval.wait_sum_ns, 200000);
	CHECK_EQ_U64(t.interval.delivery_sum_ns, 50000);
	CHECK_EQ_U64(t.interval.delivery_max_ns, 5000);
	CHECK_EQ_U64(t.interval.queue_max_ns, 15000);
}

/*
 * The daemon's cumulative row: the waits' percentiles as the engine gave
 * them (wait_pct), count, mean and exact max of each part; no percentiles
 * of the parts, nor of the waits without the engine's.
 */
static void test_cumulative_row(void)
{
	struct task_rec t = rec(1);
	struct report_task row;

	add_split_waits(&t.counts, 10000, 0, 3);    /* preemptions: no delivery */
	add_split_waits(&t.counts, 40000, 30000, 1); /* a slow wakeup */
	collector__row_from_rec(&row, &t, NODES);
	CHECK(row.runq.no_pct && row.runq.count == 4 && row.runq.mean == 17500 &&
	      row.runq.max == 40000 && row.runq.p99 == 0);
	t.wait_pct = (struct task_wait_pct){ .p50 = 10000, .p90 = 40000, .p99 = 40000,
					     .p999 = 40000, .fine = 1 };
	collector__row_from_rec(&row, &t, NODES);
	CHECK_EQ_U64(row.runq.count, 4);
	CHECK(row.runq.p50 == 10000 && row.runq.p999 == 40000 && row.runq.max == 40000);
	CHECK(row.delivery.no_pct && row.queue.no_pct && !row.runq.no_pct);
	CHECK_EQ_U64(row.delivery.count, 4);
	CHECK_EQ_U64(row.delivery.mean, 7500);
	CHECK_EQ_U64(row.delivery.max, 30000);
	CHECK_EQ_U64(row.queue.count, 4);
	CHECK_EQ_U64(row.queue.mean, 10000);
	CHECK_EQ_U64(row.queue.max, 10000);
	CHECK(row.delivery.rel_error == 0 && row.delivery.p99 == 0);
	/* No waits: empty parts. */
	t = rec(1);
	collector__row_from_rec(&row, &t, NODES);
	CHECK(row.delivery.count == 0 && row.delivery.mean == 0 && row.queue.max == 0);
}

static void test_next_generation(void)
{
	struct task_rec a = rec(1), b;
	struct report_task row;

	migrate(&a.counts, SDR_LOC_SAME_LLC, SDR_CAUSE_WAKEUP, 7);
	run(&a.counts, 0, 9000000);
	add_waits(&a.counts, 3000000, 4); /* 3 ms: the task's maximum so far */
	task_interval__fill(&a, NULL, NODES);

	b = a;
	b.generation = 2;
	migrate(&b.counts, SDR_LOC_CROSS_NODE, SDR_CAUSE_BALANCE, 2);
	run(&b.counts, 1, 500000);
	add_waits(&b.counts, 5000, 99);
	add_waits(&b.counts, 80000, 1);
	b.counts.numa[SDR_NUMA_SWAP] = 1;
	task_interval__fill(&b, &a, NODES);
	CHECK_EQ_U64(b.interval.migrations[SDR_LOC_SAME_LLC], 0);
	CHECK_EQ_U64(b.interval.migrations[SDR_LOC_CROSS_NODE], 2);
	CHECK_EQ_U64(b.interval.by_cause[SDR_CAUSE_WAKEUP], 0);
	CHECK_EQ_U64(b.interval.by_cause[SDR_CAUSE_BALANCE], 2);
	CHECK_EQ_U64(b.interval.penalty_milli, 2200);
	CHECK_EQ_U64(b.interval.numa[SDR_NUMA_SWAP], 1);
	CHECK_EQ_U64(b.interval.runtime_ns, 500000);
	CHECK_EQ_U64(b.interval.remote_runtime_ns, 500000);
	CHECK_EQ_U64(b.interval.landings, 2);
	CHECK_EQ_U64(b.interval.waits, 100);
	/*
	 * The 3 ms waits were in the earlier interval: the max did not rise, so
	 * it is bounded by the interval's sum (99 x 5 us + 80 us), never 3 ms.
	 * No percentiles from the totals (the engine adds them).
	 */
	CHECK_EQ_U64(b.interval.wait_sum_ns, 575000);
	CHECK_EQ_U64(b.interval.wait_max_ns, 575000);
	CHECK(!b.interval.wait_fine && !b.interval.wait_p50_ns && !b.interval.wait_p999_ns);

	/*
	 * The parts' maxima did not rise (the 3 ms waits hold them), so the
	 * interval's are bounded by its sums: 99 x 1250 + 20000 delivery,
	 * 99 x 3750 + 60000 queueing. Never the earlier interval's 3 ms.
	 */
	CHECK_EQ_U64(b.interval.delivery_sum_ns, 143750);
	CHECK_EQ_U64(b.interval.delivery_max_ns, 143750);
	CHECK_EQ_U64(b.interval.queue_max_ns, 431250);

	task_interval__row(&row, &b, NODES);
	CHECK_EQ_U64(row.generation, 2);
	CHECK(row.runq.count == 100 && row.runq.no_pct && row.runq.max == 575000);
	CHECK(row.delivery.count == 100 && row.delivery.mean == 1437 && row.delivery.no_pct);
	CHECK(row.queue.count == 100 && row.queue.mean == 4312 && row.queue.max == 431250);
	CHECK_EQ_U64(row.home_node, 0);
	CHECK_EQ_U64(row.migrations[SDR_LOC_CROSS_NODE], 2);
	CHECK_EQ_U64(row.landing.count, 2);
}

static void test_idle_and_same_generation(void)
{
	struct task_rec a = rec(3), b, c;

	run(&a.counts, 0, 100);
	task_interval__fill(&a, NULL, NODES);

	/* Nothing new in the next generation: not active. */
	b = a;
	b.generation = 4;
	task_interval__fill(&b, &a, NODES);
	CHECK(!task_interval__active(&b.interval));

	/* Two versions in generation 5: the second extends the first. */
	b.generation = 5;
	migrate(&b.counts, SDR_LOC_CROSS_LLC, SDR_CAUSE_WAKEUP, 1);
	add_waits(&b.counts, 10000, 3);
	task_interval__fill(&b, &a, NODES);
	c = b;
	migrate(&c.counts, SDR_LOC_CROSS_LLC, SDR_CAUSE_WAKEUP, 4);
	add_waits(&c.counts, 10000, 2);
	task_interval__fill(&c, &b, NODES);
	CHECK_EQ_U64(c.interval.migrations[SDR_LOC_CROSS_LLC], 5);
	CHECK_EQ_U64(c.interval.by_cause[SDR_CAUSE_WAKEUP], 5);
	CHECK_EQ_U64(c.interval.waits, 5);
	CHECK_EQ_U64(c.interval.wait_max_ns, 10000);
	/* The parts of both versions add up; the max is the larger one. */
	CHECK_EQ_U64(c.interval.wait_sum_ns, 50000);
	CHECK_EQ_U64(c.interval.delivery_sum_ns, 12500);
	CHECK_EQ_U64(c.interval.delivery_max_ns, 2500);
	CHECK_EQ_U64(c.interval.queue_max_ns, 7500);
}

static void test_restart(void)
{
	struct task_rec a = rec(1), b = rec(2);

	migrate(&a.counts, SDR_LOC_SAME_LLC, SDR_CAUSE_WAKEUP, 50);
	add_waits(&a.counts, 1000, 50);
	task_interval__fill(&a, NULL, NODES);
	/* Same key, fewer migrations: a new task; all of it is this interval's. */
	migrate(&b.counts, SDR_LOC_SAME_LLC, SDR_CAUSE_WAKEUP, 2);
	add_waits(&b.counts, 1000, 2);
	task_interval__fill(&b, &a, NODES);
	CHECK_EQ_U64(b.interval.migrations[SDR_LOC_SAME_LLC], 2);
	CHECK_EQ_U64(b.interval.waits, 2);
}

static void test_preferred_node(void)
{
	struct task_rec a = rec(1);

	/* NUMA balancing prefers node 1: time on node 0 is remote even if larger. */
	a.counts.preferred_nid = 1;
	run(&a.counts, 0, 700);
	run(&a.counts, 1, 300);
	task_interval__fill(&a, NULL, NODES);
	CHECK_EQ_U64(a.interval.remote_runtime_ns, 700);
}

int main(void)
{
	test_first_version();
	test_cumulative_row();
	test_next_generation();
	test_idle_and_same_generation();
	test_restart();
	test_preferred_node();
	return check_summary();
}
