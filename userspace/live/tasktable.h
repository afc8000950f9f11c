/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's per-task table (design decision 6, docs/performance.md "Task
 * table"): one writer thread (ingest) and any number of reader threads
 * (exporters, HTTP handlers, top). Readers never block the writer and the
 * writer never waits for readers.
 *
 * Keys are (tid, start_ns), so a reused tid is a new task. Every version of
 * a task is an immutable struct task_rec: the writer copies the caller's
 * record into a fresh one and publishes it with one atomic replace, so a
 * reader sees a whole old version or a whole new one, never a mix. Replaced
 * versions and removed tasks are freed only after every reader that could
 * still hold them has left its read section (Concurrency Kit's ck_epoch).
 *
 * An exited task stays visible for `grace` more generations (drain cycles),
 * so the exporter of the interval that saw the exit still exports it; then
 * tasktable__end_generation() removes it. The table holds at most max_tasks
 * tasks: inserting past the cap evicts the oldest exited task, or, when no
 * task has exited, is refused. Both are counted.
 */
#ifndef SCHEDRIFT_TASKTABLE_H
#define SCHEDRIFT_TASKTABLE_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "schedrift.h"
#include "engine/task_counts.h"

/* A task's totals as the table keeps them: engine/task_counts.h. */

/*
 * What a task did in one drain generation (the daemon's interval): the
 * difference between this version's counts and the last version of an
 * earlier generation. The producer fills it (the collector); the table
 * only carries it.
 */
struct task_interval {
	__u64 migrations[SDR_LOC_NR];
	__u64 by_cause[SDR_CAUSE_NR];
	__u64 penalty_milli;
	__u64 numa[SDR_NUMA_NR];
	__u64 runtime_ns;
	__u64 remote_runtime_ns; /* run away from the home node of this version */
	__u64 landings;
	/*
	 * Waits of the interval: the percentiles from the engine's fine
	 * histograms (wait_fine); without them, none (count, sum and a bound
	 * on the max from the totals' difference).
	 */
	__u64 waits, wait_p50_ns, wait_p90_ns, wait_p99_ns, wait_p999_ns, wait_max_ns;
	/*
	 * Their parts: sums exact; each max is exact when it rose in the
	 * interval, else bounded by the task's maximum so far and the sum.
	 */
	__u64 wait_sum_ns, delivery_sum_ns, delivery_max_ns, queue_max_ns;
	/* The waits' percentiles come from the userspace engine's fine histograms (1/64). */
	__u8 wait_fine;
	/* Its waits before a migration (struct task_premig), the interval's: with wait_fine. */
	__u64 premig_waits, premig_sum_ns, premig_max_ns;
};

/* A task's percentiles since it was first seen, from the engine's fine histogram (1/64). */
struct task_wait_pct {
	__u64 p50, p90, p99, p999;
	__u8 fine; /* 0: not filled (no percentiles) */
};

/*
 * A task's waits before a migration since it was first seen (issue 24),
 * from the engine (wait_engine.h): the waits with a part queued on CPUs it
 * then left, that part's sum and max. Not in struct sdr_task_counts: the
 * kernel never sees them, and that layout is the trace file's.
 */
struct task_premig {
	__u64 waits, sum_ns, max_ns;
};

/*
 * The generations come first: with the table's key just before the record
 * and the id and the first counts right after, a lookup that checks a
 * task's generation and reads its id touches one or two adjacent cache
 * lines, not one near the key and one 0.8 KiB further on.
 */
struct task_rec {
	__u64 generation;      /* drain cycle that produced this version */
	__u64 exit_generation; /* 0 = alive; else the cycle that saw it exit (owned by the table) */
	struct sdr_task_id id; /* key: (id.tid, id.start_ns) */
	struct task_interval interval;
	struct task_wait_pct wait_pct;
	struct task_premig premig;
	__u64 checksum; /* task_rec__checksum() if the producer fills it; the table never does */
	/*
	 * Last, so that the table can keep only the nodes there are of its
	 * node_runtime_ns, the record's last field (tasktable__new_nodes()).
	 */
	struct task_counts counts;
};

struct tasktable_stats {
	__u64 nr_tasks;	 /* tasks in the table now, alive or exited */
	__u64 nr_exited; /* ... of which exited and waiting out their grace */
	__u64 inserted;	 /* tasks ever inserted */
	__u64 updates;	 /* versions published (inserts, updates and exit marks) */
	__u64 reclaimed; /* exited tasks removed when their grace ended */
	__u64 evictions; /* exited tasks removed before their grace ended: the table was full */
	__u64 refused;	 /* inserts refused: the table was full and no task had exited */
	__u64 retired;	 /* versions handed to deferred reclamation (replaced or removed) */
	__u64 freed;	 /* ... of which already freed (retired - freed are still pending) */
};

struct tasktable;
struct tasktable_reader;

/*
 * max_tasks: the cap on tasks held (> 0). grace_generations: how many
 * generations after the one that saw its exit a task stays visible.
 * Returns NULL with errno set on failure.
 */
struct tasktable *tasktable__new(size_t max_tasks, __u64 grace_generations);
/*
 * The same, keeping only counts.node_runtime_ns[0, nr_nodes) of each
 * record (1 to SDR_MAX_NODES; tasktable__new keeps them all): on one node
 * 248 of a record's 864 bytes. The records it hands out end there: read
 * no node at or past nr_nodes, and copy one with tasktable__rec_copy().
 */
struct tasktable *tasktable__new_nodes(size_t max_tasks, __u64 grace_generations, int nr_nodes);
/* A whole struct task_rec from a record of the table (the nodes it does not keep zero). */
void tasktable__rec_copy(const struct tasktable *t, struct task_rec *dst,
			 const struct task_rec *src);
/* Every reader handle must have been freed. Frees everything, pending versions too. */
void tasktable__free(struct tasktable *t);

/*
 * Writer side: call from one thread at a time (the ingest thread). None of
 * these block on readers.
 */

/*
 * Publishes a copy of *rec as the current version of task (rec->id.tid,
 * rec->id.start_ns), inserting the task if it is new. rec->exit_generation is
 * ignored: a task's exit state is changed only by tasktable__mark_exited().
 * Returns 0, -ENOSPC (full, nothing to evict; counted in `refused`),
 * -ENOMEM or -EINVAL (tid 0).
 */
int tasktable__update(struct tasktable *t, const struct task_rec *rec);
/*
 * Publishes a version of the task with exit_generation = generation (its
 * `generation` too). Returns 0, -ENOENT if the task is not in the table,
 * -EALREADY if it was already marked (nothing changes), or -ENOMEM.
 */
int tasktable__mark_exited(struct tasktable *t, __u32 tid, __u64 start_ns, __u64 generation);
/*
 * Called once the writer has published everything of `generation`: removes
 * exited tasks whose exit_generation + grace < generation and lets deferred
 * reclamation free what no reader can see any more. Generations must not
 * go backwards.
 */
void tasktable__end_generation(struct tasktable *t, __u64 generation);
/* Changes the grace from the next end_generation() on (writer only). */
void tasktable__set_grace(struct tasktable *t, __u64 grace_generations);
/*
 * The writer's view of a task, no read section needed: valid until the
 * writer's next call that changes the table.
 */
const struct task_rec *tasktable__get(struct tasktable *t, __u32 tid, __u64 start_ns);

/* Any thread; the counters are read one by one, not as an atomic snapshot. */
void tasktable__stats(struct tasktable *t, struct tasktable_stats *st);

/*
 * Reader side. Each reader thread makes its own handle (an epoch record)
 * and uses it from that thread only; handles are cheap to make and are
 * recycled once freed. Records are valid only between read_lock and
 * read_unlock; keep read sections short: a long one never blocks the
 * writer, but no version retired meanwhile can be freed until it ends
 * (stats: retired - freed). Read sections nest. Debug builds assert on a
 * lookup outside a read section.
 */
struct tasktable_reader *tasktable__reader_new(struct tasktable *t);
void tasktable__reader_free(struct tasktable_reader *r);
void tasktable__read_lock(struct tasktable_reader *r);
void tasktable__read_unlock(struct tasktable_reader *r);
/* Inside a read section: the current version of the task, or NULL. */
const struct task_rec *tasktable__lookup(struct tasktable_reader *r, __u32 tid, __u64 start_ns);
/*
 * Calls cb for every task in the table, in no particular order, inside a
 * read section of its own; stops at and returns the first non-zero cb
 * return. Not an atomic snapshot: a task updated during the walk is seen in
 * its old or new version; each record's `generation` says which drain cycle
 * it belongs to.
 */
int tasktable__for_each(struct tasktable_reader *r,
			int (*cb)(void *ctx, const struct task_rec *rec), void *ctx);

/*
 * A hash of rec->id, rec->interval, rec->wait_pct and rec->counts up to its
 * first node's run time, the producer's payload, for producers and tests
 * that check for torn records. It leaves out generation and
 * exit_generation, which tasktable__mark_exited() rewrites, and the nodes
 * a table may not keep.
 */
__u64 task_rec__checksum(const struct task_rec *rec);

#endif /* SCHEDRIFT_TASKTABLE_H */
