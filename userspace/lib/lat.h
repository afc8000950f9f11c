/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency math: struct lat (count, percentiles, max, mean) from a fine
 * histogram, a task's coarse one, or a count and sum. Used by the report
 * loader, the live engine and the Prometheus export alike.
 */
#ifndef SCHEDRIFT_LIB_LAT_H
#define SCHEDRIFT_LIB_LAT_H

#include <stddef.h>
#include <linux/types.h>

/* A latency summary in ns. Exact (rel_error 0) when computed from samples. */
struct lat {
	__u64 count, p50, p90, p99, p999, max;
	double rel_error;
	/*
	 * The parts of a wait (delivery, queueing) also carry their mean
	 * (sum / count, rounded down). no_pct: only count, mean and max are
	 * known (the daemon's per-task parts): the percentiles print as null.
	 */
	__u64 mean;
	int no_pct;
};

struct hist;
/* Exact nearest-rank percentiles and the mean of n samples (sorts v in place). */
struct lat lat__from_samples(__u64 *v, size_t n);
/* Percentiles from a fine histogram (bound hist__rel_error()), and its mean. */
struct lat lat__from_hist(const struct hist *h);
/* Only count, mean and max of a part of a task's waits (the kernel keeps no more per task). */
struct lat lat__from_sum(__u64 count, __u64 sum, __u64 max);
/* Percentiles from a task's coarse histogram (bound 1/16). */
struct lat lat__from_task_hist(const __u32 *coarse, __u64 max);
/* One of them (q in (0, 1]), as lat__from_task_hist gives it; 0 with no waits. */
__u64 lat__task_hist_quantile(const __u32 *coarse, __u64 max, double q);

#endif /* SCHEDRIFT_LIB_LAT_H */
