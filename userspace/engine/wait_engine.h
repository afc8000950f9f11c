/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Waits accounted in userspace (issue 23): the kernel's per-CPU batches of
 * switches (SDR_REC_SWITCHES, every switch; those that end a wait carry
 * it: whole, delivery, landing) become per-task totals, landing latency by
 * locality and log-linear histograms at the system's resolution (1/64),
 * with no per-task state in the hot BPF programs. record, the daemon, top
 * and the flight recorder all feed it the same stream.
 *
 * A wait names its task by tid only. Each tid has at most one live
 * accumulator, and the accumulators of its exited incarnations until their
 * exit is published: a wait goes to the incarnation whose life holds its
 * end. A task's exit travels in the batch that holds its final switch, so
 * another CPU's batch can bring the waits of a new task that reused its
 * tid first: the new task's first switch-in says it is new
 * (SDR_ITEM_NEXT_NEW), and ends the older incarnation there (exit_ns set,
 * exit_rec not yet: its exit is pending) for its exit to find later; an
 * accumulator with a wait that ended at that switch-in or later is the new
 * task's own (its later waits, from a CPU whose batch came first).
 * Memory per task is bounded: the histogram is sparse (a
 * 160-byte bitmap and one 8-byte entry per bucket in use, at most
 * SDR_HIST_NR_BUCKETS; nothing for a task that never waited).
 *
 * BPF ships a batch when it is full; a CPU's partial batch is read from
 * the `switch_buf` map at every tick (wait_engine__copy_partial, then
 * __apply_peeks), so an interval holds every wait that ended before its
 * tick. Per CPU the switches of a batch come in time order, so a peeked
 * switch is recognised, and skipped, when its full batch arrives through
 * the ring buffer. Batches carry their CPU's batch number, so a batch the
 * ring refused is seen as a hole at its place in the CPU's stream
 * (on_gap), before any switch that came after it.
 *
 * One thread (the ingest thread) calls everything here.
 */
#ifndef SCHEDRIFT_WAIT_ENGINE_H
#define SCHEDRIFT_WAIT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"
#include "lib/lat.h"
#include "lib/hist.h"
#include "trace/switch_batch.h"
#include "engine/task_counts.h"
#include "engine/sys_hists.h"

/*
 * A task's wait histogram at the system's resolution, the cumulative and
 * the interval count of each bucket side by side: a bitmap of the buckets
 * in use, then one entry per bucket in use, in bucket order (an entry's
 * place is the number of bits set below its bucket's: the count of the
 * words before its word is kept, the rest is one popcount), in one allocation
 * made at the first wait. A wait finds its counter with a bit test and a
 * few popcounts: a binary search over sorted entries, one for each count,
 * was 40 % of the daemon's CPU under `perf bench sched messaging`.
 */
#define WAIT_HIST_WORDS (SDR_HIST_NR_BUCKETS / 64)
struct wait_hist {
	struct wait_hist_mem {
		__u64 used[WAIT_HIST_WORDS];
		__u16 below[WAIT_HIST_WORDS]; /* bits set in the words before each */
		struct wait_hist_entry {
			__u32 n;    /* since first seen */
			__u32 n_iv; /* since the last tick */
		} v[];
	} *m;
	__u32 n, cap; /* entries in use, room for */
};

/*
 * Count, sum and max of the waits and of their parts; and of the waits
 * before a migration (issue 24): the waits with a part queued on CPUs the
 * task then left, that part's sum and max (no histogram per task: three
 * words, not another sparse histogram per task).
 */
struct wait_sums {
	__u64 waits, wait_sum_ns, wait_max_ns, wait_min_ns;
	__u64 delivery_sum_ns, delivery_max_ns, queue_max_ns;
	__u64 premig_waits, premig_sum_ns, premig_max_ns;
};

/* Landing latency (a task's first wait after a migration) by locality. */
struct wait_landings {
	__u64 n[SDR_LOC_NR], sum_ns[SDR_LOC_NR], max_ns[SDR_LOC_NR];
};

/*
 * The accounting of one wait (its whole, its delivery part, its part
 * queued on CPUs the task then left, 0 for none), and of a landing
 * (landing as in struct switch_sample: 0 none, else 1 + locality). The
 * engine's, and report/load.c's for a file's samples, so that a task's
 * counts, sums and maxima are made one way everywhere.
 */
void wait_sums__add(struct wait_sums *s, __u64 wait, __u64 dlv, __u64 premig);
void wait_landings__add(struct wait_landings *l, __u32 landing, __u64 wait);

struct wait_acc {
	struct wait_acc *next; /* the tid's chain in the engine's hash */
	__u32 tid;
	__u64 start_ns; /* the task's start time once a record named it; 0 = not yet */
	__u64 exit_ns;  /* its final switch (or, until its exit comes, its successor's first
			 * switch-in, less 1); 0 = alive */
	__u64 fresh_ns; /* a new task's first switch-in (SDR_ITEM_NEXT_NEW); 0 = not seen */
	__u64 last_end_ns; /* the latest end of its waits */
	__u64 cgroup_id; /* from the last record that named it (or the caller's look-up) */
	bool cgroup_asked; /* the caller looked its cgroup up once (collector.c) */
	struct wait_sums cum, iv; /* since first seen; since the last tick */
	struct wait_landings land; /* since first seen */
	struct wait_hist hist;
	struct sdr_rec_task *exit_rec; /* its exit record, until published */
	__u64 seen_gen; /* the generation of the last record that named it */
};

/* Per CPU: what the ring buffer and the peeks have given (see above). */
struct wait_cpu {
	__u64 hw_ns;            /* the latest switch taken */
	__u64 peek_lo, peek_hi; /* the switches taken by peeks, not yet seen in the ring */
	__u32 peek_seq;         /* the number of the batch they belong to */
	struct sdr_rec_switches copy; /* the partial batch read at the last peek */
	bool have_copy;
	struct switch_seq seq; /* the batch numbers seen */
	__u32 holder_tid;      /* the CPU's task since its last switch taken ... */
	__u64 holder_since;    /* ... at this time; 0 = unknown (a hole, the start) */
};

struct wait_engine {
	struct wait_acc **buckets;
	size_t nr_buckets, nr_accs;
	struct wait_cpu *cpus;
	int ncpu;
	__u64 taken;     /* waits taken (from the ring and peeks) */
	__u64 switches;  /* switches taken */
	__u64 refused;   /* malformed batches and items, and waits with no memory for their task: dropped */
	__u64 exits_refused; /* exits a batch said it held and did not hold whole: dropped */
	__u64 peeks_lost; /* batches taken by a peek that then never came whole (counter peeks_lost) */
	__u64 batches_missing; /* batches missing by their numbers (counter batches_missing) */
	__u64 bytes;     /* memory held by the accumulators and their histograms */
	/*
	 * The wait before a migration (issue 24): for landing waits with a
	 * part queued on the CPU the task then left, that part, by the
	 * landing's locality, since start (cumulative, 1/64).
	 */
	struct hist premig[SDR_LOC_NR];
	/*
	 * Every wait taken by the CPU it ended on and by landing locality
	 * (engine/sys_hists.h), whatever its task's memory: NULL unless
	 * wait_engine__keep_sys_hists() (the daemon and top; record has samples).
	 */
	struct sys_hists *sys;
	/*
	 * Every switch taken, once, in time order per CPU (the peeks' and the
	 * ring's alike): the noisy-neighbour series (live/neighbours.h). NULL: none.
	 */
	void (*on_switch)(void *ctx, __u32 cpu, const struct sdr_switch_item *w);
	void *on_switch_ctx;
	/* During on_switch: the accumulator of next's wait (NULL: not a wait, or none). */
	struct wait_acc *switch_acc;
	/*
	 * `batches` of cpu's batches never came: called before the first
	 * switch taken after them (at ts_ns). NULL: none.
	 */
	void (*on_gap)(void *ctx, __u32 cpu, __u64 ts_ns, __u32 batches);
	void *on_gap_ctx;
	/*
	 * Waits of at least min_lat_ns (0: none) are outliers: counted in
	 * `outliers`, and each offered to on_outlier (NULL: none) with both
	 * tasks named by tid only and prev's run time from the stream
	 * (engine/outliers.h), in the order the waits are taken.
	 */
	__u64 min_lat_ns;
	__u64 outliers;
	void (*on_outlier)(void *ctx, const struct sdr_rec_outlier *o);
	void *on_outlier_ctx;
	/*
	 * A task's exit (SDR_REC_EXIT, whole or brief: size bytes) from the
	 * batch that holds its final switch, once (the peeks' and the ring's
	 * alike), after that batch's switches, with hdr.cpu set to the batch's.
	 * The callee makes it a task record and gives it to
	 * wait_engine__exit(). NULL: none.
	 */
	void (*on_exit)(void *ctx, const struct sdr_rec_exit *x, size_t size);
	void *on_exit_ctx;
};

int wait_engine__init(struct wait_engine *e, int ncpu);
void wait_engine__free(struct wait_engine *e);
/* Keeps the system's wait histograms from now on (e->sys): 0 or -ENOMEM. */
int wait_engine__keep_sys_hists(struct wait_engine *e);

/* A batch of switches from the ring buffer (size bytes as received). */
void wait_engine__batch(struct wait_engine *e, const void *data, size_t size);
/* A CPU's partial batch, read from the map: kept until wait_engine__apply_peeks(). */
int wait_engine__copy_partial(void *e, const struct sdr_rec_switches *b);
/* Takes the copies' waits not seen yet. Call after draining the ring again. */
void wait_engine__apply_peeks(struct wait_engine *e);

/* Prefetches the accumulators (and histograms) of these tids, about to be looked up. */
void wait_engine__prefetch(const struct wait_engine *e, const __u32 *tids, size_t n);
/*
 * The live accumulator of (tid, start_ns), named now (made if new). One
 * of an older task (named so, or with waits all before start_ns) is ended
 * pending that task's exit, and this task gets its own; NULL when a later
 * task holds the tid, or without memory.
 */
struct wait_acc *wait_engine__live(struct wait_engine *e, __u32 tid, __u64 start_ns);
/*
 * An exit record: its task's accumulator ends at rec->hdr.ts_ns and keeps
 * the record. That is the incarnation ended by a successor and waiting for
 * its exit, else the live one unless it began after the exit, else a new one.
 */
int wait_engine__exit(struct wait_engine *e, const struct sdr_rec_task *rec);
/* The cgroup the latest record of tid's live (else any) accumulator named; 0 = none. */
__u64 wait_engine__cgroup_of(const struct wait_engine *e, __u32 tid);
/* That accumulator (live, else any incarnation of tid), NULL when none. */
struct wait_acc *wait_engine__acc_of(const struct wait_engine *e, __u32 tid);
/* The identity of tid's exited task alive at ts whose exit is not yet published; NULL: none. */
const struct sdr_task_id *wait_engine__exit_id(const struct wait_engine *e, __u32 tid, __u64 ts);
/* Whether (tid, start_ns) has an exit not yet published. */
bool wait_engine__exit_pending(const struct wait_engine *e, __u32 tid, __u64 start_ns);

/*
 * Hands each exited accumulator whose exit ended at or before until_ns to
 * cb (which publishes it), then frees it. One whose exit is pending stays.
 */
void wait_engine__publish_exits(struct wait_engine *e, __u64 until_ns,
				void (*cb)(void *ctx, struct wait_acc *a), void *ctx);
/*
 * Hands each accumulator ended by a successor whose exit never came to cb,
 * then frees it: at the end of a capture, so its waits are not lost.
 */
void wait_engine__publish_pending(struct wait_engine *e,
				  void (*cb)(void *ctx, struct wait_acc *a), void *ctx);
/*
 * Ends the interval of the live accumulators published in generation:
 * each one's interval part goes to cb (its cgroup's histogram), then is
 * cleared; live accumulators no record named in the last two generations
 * (their task is gone, its exit lost) are freed, their waits counted in
 * *dropped, and so are those ended by a successor whose exit has not come
 * in two generations. Exited ones wait for wait_engine__publish_exits().
 */
void wait_engine__end_interval(struct wait_engine *e, __u64 generation,
			       void (*cb)(void *ctx, const struct wait_acc *a), void *ctx,
			       __u64 *dropped);
/*
 * Clears one accumulator's interval part, as end_interval does: the
 * collector ends each live task's interval as soon as the tick has read
 * it, while its histogram is still in the cache (a second pass over 50 000
 * tasks' histograms was 10 % of the daemon); end_interval then finds
 * nothing left in it.
 */
void wait_acc__end_interval(struct wait_acc *a);

/* The accumulator's waits and landings into the per-task shape (coarse histogram too). */
void wait_acc__fill_counts(const struct wait_acc *a, struct sdr_task_counts *c);
/* The same without the coarse histogram, for the task table. */
void wait_acc__fill_totals(const struct wait_acc *a, struct task_counts *c);
/* Percentiles of the cumulative or interval histogram, within 1/64 (lib/lat.h). */
struct lat wait_acc__lat(const struct wait_acc *a, bool interval);
/*
 * Adds a task's cumulative or interval counts into dense fine counts
 * (SDR_HIST_NR_BUCKETS), and into dense2 too unless it is NULL.
 */
void wait_hist__add_to(const struct wait_hist *h, bool interval, __u64 *dense, __u64 *dense2);

#endif /* SCHEDRIFT_WAIT_ENGINE_H */
