// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Latency summaries (struct lat) from the three kinds of histogram and from sums. */
#include <stdlib.h>
#include "lib/hist.h"
#include "schedrift.h"
#include "lib/lat.h"

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

struct lat lat__from_samples(__u64 *v, size_t n)
{
	struct lat l = {};
	__u64 sum = 0;
	size_t i;

	if (!n)
		return l;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	l.count = n;
	l.p50 = v[hist__rank(n, 0.50) - 1];
	l.p90 = v[hist__rank(n, 0.90) - 1];
	l.p99 = v[hist__rank(n, 0.99) - 1];
	l.p999 = v[hist__rank(n, 0.999) - 1];
	l.max = v[n - 1];
	l.mean = sum / n;
	return l;
}

struct lat lat__from_hist(const struct hist *h)
{
	struct lat l = {};

	if (!h->count)
		return l;
	l.count = h->count;
	l.p50 = hist__percentile(h, 0.50);
	l.p90 = hist__percentile(h, 0.90);
	l.p99 = hist__percentile(h, 0.99);
	l.p999 = hist__percentile(h, 0.999);
	l.max = h->max;
	l.rel_error = hist__rel_error();
	l.mean = h->sum / h->count;
	return l;
}

struct lat lat__from_sum(__u64 count, __u64 sum, __u64 max)
{
	struct lat l = { .no_pct = 1 };

	if (!count)
		return l;
	l.count = count;
	l.mean = sum / count;
	l.max = max;
	return l;
}

/*
 * A task's coarse histogram: bucket i spans fine buckets 4i..4i+3, so the
 * midpoint of the span is within 1/16 of any value in it. Clamped to the
 * exact max, like the fine histograms.
 */
/* The middle of the coarse bucket holding rank q of total, at most max (when max is known). */
static __u64 task_hist_at(const __u32 *coarse, __u64 total, __u64 max, double q)
{
	__u64 rank = hist__rank(total, q), seen = 0, lo, hi, v;
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++) {
		seen += coarse[i];
		if (seen >= rank)
			break;
	}
	lo = sdr_hist_bucket_lo(i << SDR_TASK_HIST_SHIFT);
	hi = sdr_hist_bucket_hi(((i + 1) << SDR_TASK_HIST_SHIFT) - 1);
	v = lo + (hi - lo) / 2;
	return max && v > max ? max : v;
}

static __u64 task_hist_total(const __u32 *coarse)
{
	__u64 total = 0;
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		total += coarse[i];
	return total;
}

__u64 lat__task_hist_quantile(const __u32 *coarse, __u64 max, double q)
{
	__u64 total = task_hist_total(coarse);

	return total ? task_hist_at(coarse, total, max, q) : 0;
}

struct lat lat__from_task_hist(const __u32 *coarse, __u64 max)
{
	__u64 total = task_hist_total(coarse);
	struct lat l = {};

	if (!total)
		return l;
	l.count = total;
	l.max = max;
	l.rel_error = 1.0 / 16;
	l.p50 = task_hist_at(coarse, total, max, 0.50);
	l.p90 = task_hist_at(coarse, total, max, 0.90);
	l.p99 = task_hist_at(coarse, total, max, 0.99);
	l.p999 = task_hist_at(coarse, total, max, 0.999);
	return l;
}
