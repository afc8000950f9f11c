/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Userspace latency histogram over the buckets of bpf/hist_buckets.h:
 * percentiles with a proven relative error bound, merging of per-CPU copies
 * and folding into fixed Prometheus `le` buckets. docs/histograms.md has the
 * layout and the proofs.
 */
#ifndef SCHEDRIFT_HIST_H
#define SCHEDRIFT_HIST_H

#ifdef __bpf__
#error "hist.h is userspace only; BPF code includes hist_buckets.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "hist_buckets.h"

/*
 * A zero-filled struct hist is a valid empty histogram: min and max mean
 * something only while count > 0, so calloc() or a zeroed map value will do.
 * sum is in ns and wraps modulo 2^64 (about 584 years of accumulated waiting,
 * but a busy host summing for months can get there: take differences).
 */
struct hist {
	__u64 counts[SDR_HIST_NR_BUCKETS];
	__u64 count;
	__u64 max;
	__u64 min;
	__u64 sum;
};

void hist__init(struct hist *h);
void hist__add(struct hist *h, __u64 ns);
/* n samples of the same value; n == 0 changes nothing. */
void hist__add_n(struct hist *h, __u64 ns, __u64 n);
/* dst += src, e.g. to sum the per-CPU copies of one histogram. */
void hist__merge(struct hist *dst, const struct hist *src);

/*
 * Nearest rank of quantile q among total samples: ceil(q * total), clamped
 * to [1, total]. q is taken as the decimal the caller wrote, so a product
 * within rounding error of an integer counts as that integer (0.9 of 10 is
 * rank 9, though the double 0.9 is a little more than 0.9).
 */
__u64 hist__rank(__u64 total, double q);

/*
 * The q-quantile (q in [0, 1]) by nearest rank: the smallest v such that at
 * least hist__rank(total, q) samples are <= v, estimated as the midpoint of
 * the bucket that holds that sample, clamped to [min, max]. The first and the
 * last rank are exact (min and max), so q = 1 returns the exact max. Returns
 * 0 for an empty histogram. Ranks come from the sum of counts[], so a
 * histogram assembled from racy per-CPU reads still gives a sane answer.
 */
__u64 hist__percentile(const struct hist *h, double q);

/*
 * Bound on |hist__percentile() - exact| / exact: 1/64. Holds whenever the
 * exact value is below SDR_HIST_MAX_NS; above it only the max is exact.
 */
double hist__rel_error(void);

/*
 * Cumulative counts for Prometheus `le` bounds: cum_out[i] = samples <=
 * bounds_ns[i]; returns the total (the +Inf bucket). Bounds need not be
 * sorted. Exact for a bound b if hist__bound_exact(b), or b < min, or
 * b >= max. Any other bound falls inside a bucket and is rounded down to the
 * top of the bucket below it, so the samples of that one bucket that are
 * <= b are missed.
 */
__u64 hist__fold(const struct hist *h, const __u64 *bounds_ns, size_t n, __u64 *cum_out);

/* b is the last value of a bucket below the clamped top one: it folds exactly. */
bool hist__bound_exact(__u64 b);

/*
 * Default `le` bounds, the 1-2.5-5 series from 1 us to 10 s, each moved to
 * the nearest bucket edge minus 1 ns (at most 0.7% away) so that it folds
 * exactly. Exporters print the exact value, e.g. 999423 ns as "0.000999423".
 */
extern const __u64 hist_prom_bounds_ns[];
extern const size_t hist_prom_nr_bounds;

/*
 * From the histograms of bpf/schedrift.h, which count in the same buckets:
 * sdr_hist (the wait engine's per CPU and per landing locality,
 * engine/sys_hists.h), sdr_cgroup_hist (the kernel's), and a
 * task's coarse counts (SDR_TASK_HIST_NR buckets of 2^SDR_TASK_HIST_SHIFT
 * fine ones each).
 */
struct sdr_hist;
struct sdr_cgroup_hist;
/* The kernel keeps no minimum: min is 0 (percentiles only clamp to it). */
void hist__from_counts(struct hist *h, const __u64 *counts, __u64 count, __u64 sum, __u64 max);
void hist__from_sdr(struct hist *h, const struct sdr_hist *s);
/* cur - prev, bucket by bucket: an interval's waits; max bounded by its top bucket. */
void hist__sdr_delta(struct hist *out, const struct sdr_hist *cur, const struct sdr_hist *prev);
/* Each coarse count in the middle fine bucket of its span. */
void hist__from_coarse(struct hist *h, const __u64 *coarse, __u64 max, __u64 sum);
void sdr_hist__from_cgroup(struct sdr_hist *out, const struct sdr_cgroup_hist *h);

#endif /* SCHEDRIFT_HIST_H */
