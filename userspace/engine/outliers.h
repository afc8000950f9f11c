/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Outliers made in userspace from the switch stream (issue 23): the
 * kernel's sched_switch program only appends its item; the wait engine
 * (wait_engine.h) sees every wait of at least --min-lat, counts it
 * (`outliers`) and offers it here as a struct sdr_rec_outlier that names
 * both tasks by tid only, with how long prev had run (from the stream:
 * since the switch that put prev on that CPU).
 *
 * A keeper holds the longest `cap` of them (a min-heap on the wait: record
 * keeps 1000, the daemon an interval's 10, its flight recorder all of an
 * interval's up to a cap) and names them as identities come by, each
 * valid for a span of the task's life:
 *
 *   - a task's exit record (its start to its final switch): published by
 *     the wait engine only once every wait that ended before it has come,
 *     so every outlier that can name that task is kept or refused by then;
 *     a task that lived a millisecond is named by it;
 *   - a live task's snapshot record (its start onward): the end of a
 *     capture, each daemon tick;
 *   - last, for what neither named (a task outside the -p/--comm filter,
 *     whose records the kernel does not send; an exit the ring refused):
 *     the consumer's fallback, /proc while the task lives
 *     (host/proc_task.h), its comm and tgid with start_ns 0 (unknown).
 *
 * The idle task (tid 0) is named at once, as the kernel names it:
 * "swapper/CPU". A side named from a record is exact (its start time
 * tells a reused tid apart); a name is the one the task had when it was
 * named, not necessarily at the wait (the kernel's own records name a
 * task by its latest name too).
 */
#ifndef SCHEDRIFT_ENGINE_OUTLIERS_H
#define SCHEDRIFT_ENGINE_OUTLIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"
#include "lib/tidset.h"

#define OUTLIER_NAMED_TASK 1 /* task named from a record (exact) */
#define OUTLIER_NAMED_PREV 2 /* prev likewise, or idle */

/* An identity offered for a wanted tid, good from id.start_ns to end_ns. */
struct outlier_span {
	struct sdr_task_id id;
	__u64 end_ns;
	__u64 seq; /* offered in this order: the first that fits names a side */
};

struct outlier_keep {
	struct sdr_rec_outlier *v; /* a min-heap by wait_ns */
	__u8 *named;               /* OUTLIER_NAMED_* of each v[i] */
	size_t n, cap;
	__u64 pushed_out; /* kept, then pushed out by longer ones, or refused when full */
	struct tidset wanted; /* tids kept outliers named (until cleared; may hold stale ones) */
	/*
	 * Identities offered, applied in one sorted pass (outlier_keep__resolve):
	 * matching each against every kept outlier as it came cost a daemon
	 * tick tids x kept (5000 x 16384: over 100 ms).
	 */
	struct outlier_span *spans;
	size_t nr_spans, cap_spans;
	__u64 latest_ns; /* the latest end among the outliers added */
};

int outlier_keep__init(struct outlier_keep *k, size_t cap);
void outlier_keep__free(struct outlier_keep *k);
/* Empties it (a daemon interval's end); keeps the outliers' memory. */
void outlier_keep__clear(struct outlier_keep *k);
/* Whether a wait of wait_ns would be kept: room left, or longer than the shortest kept. */
bool outlier_keep__wants(const struct outlier_keep *k, __u64 wait_ns);
/*
 * Keeps o, pushing out the shortest when full; a pointer to the copy kept
 * (valid until the next add), or NULL when o was not kept. o names its
 * tasks by tid only; tid 0 (prev idle) is named here.
 */
struct sdr_rec_outlier *outlier_keep__add(struct outlier_keep *k, const struct sdr_rec_outlier *o);
/*
 * id's task lived from id->start_ns to end_ns (~0: still alive): it names
 * the outliers of its tid kept so far inside that span, when they are
 * resolved (an alive task's span ends at the latest outlier added so far:
 * its tid may be another task's by the next one).
 */
void outlier_keep__name(struct outlier_keep *k, const struct sdr_task_id *id, __u64 end_ns);
/* Applies the identities offered so far to the sides not yet named from a record. */
void outlier_keep__resolve(struct outlier_keep *k);
/*
 * Resolves, then the fallback for the sides still unnamed: cb fills *id
 * for tid (the outlier's end at ts) and returns 0, or leaves it and
 * returns an error.
 */
void outlier_keep__name_rest(struct outlier_keep *k,
			     int (*cb)(void *ctx, __u32 tid, __u64 ts, struct sdr_task_id *id),
			     void *ctx);
/* Resolves; the kept outliers, longest first (ties: earlier first); the heap order is gone. */
void outlier_keep__sort(struct outlier_keep *k);

#endif /* SCHEDRIFT_ENGINE_OUTLIERS_H */
