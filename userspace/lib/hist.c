// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Log-linear latency histogram: accumulation, merging, percentiles and the
 * fold into Prometheus buckets. The bucket math is in bpf/hist_buckets.h so
 * the BPF programs count into the very same buckets.
 */
#include <float.h>
#include <string.h>

#include "lib/hist.h"
#include "schedrift.h"

/*
 * Nominal 1 us, 2.5 us, 5 us ... 10 s, each replaced by the bucket edge
 * nearest to it, minus 1 ns. A decimal bound falls inside a bucket (1 ms sits
 * in a bucket 16384 ns wide), and the samples of that bucket cannot be split
 * at it; the top value of a bucket can be folded exactly. tests/unit/test_hist.c
 * checks each one against its nominal value.
 */
const __u64 hist_prom_bounds_ns[] = {
	1007ULL,	/* 1 us */
	2495ULL,	/* 2.5 us */
	4991ULL,	/* 5 us */
	9983ULL,	/* 10 us */
	25087ULL,	/* 25 us */
	50175ULL,	/* 50 us */
	100351ULL,	/* 100 us */
	249855ULL,	/* 250 us */
	499711ULL,	/* 500 us */
	999423ULL,	/* 1 ms */
	2490367ULL,	/* 2.5 ms */
	4980735ULL,	/* 5 ms */
	9961471ULL,	/* 10 ms */
	25165823ULL,	/* 25 ms */
	50331647ULL,	/* 50 ms */
	100663295ULL,	/* 100 ms */
	251658239ULL,	/* 250 ms */
	503316479ULL,	/* 500 ms */
	1006632959ULL,	/* 1 s */
	2483027967ULL,	/* 2.5 s */
	4966055935ULL,	/* 5 s */
	9932111871ULL,	/* 10 s */
};
const size_t hist_prom_nr_bounds = sizeof(hist_prom_bounds_ns) / sizeof(hist_prom_bounds_ns[0]);

void hist__init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist__add_n(struct hist *h, __u64 ns, __u64 n)
{
	if (!n)
		return;
	if (!h->count || ns < h->min)
		h->min = ns;
	if (!h->count || ns > h->max)
		h->max = ns;
	h->counts[sdr_hist_bucket(ns)] += n;
	h->count += n;
	h->sum += ns * n;
}

void hist__add(struct hist *h, __u64 ns)
{
	hist__add_n(h, ns, 1);
}

void hist__merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (src->count) {
		if (!dst->count || src->min < dst->min)
			dst->min = src->min;
		if (!dst->count || src->max > dst->max)
			dst->max = src->max;
	}
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum += src->sum;
}

__u64 hist__rank(__u64 total, double q)
{
	double x;
	__u64 rank;

	if (!total)
		return 0;
	/* !(q > 0) also catches NaN. */
	if (!(q > 0))
		return 1;
	if (q >= 1)
		return total;
	x = q * (double)total;
	rank = (__u64)x;
	/*
	 * q * total is off by at most about one ulp of x (rounding of q to a
	 * double, then of the product), so a fraction smaller than two ulps is
	 * such an error on top of an integer, not a real fraction of a rank.
	 */
	if (x - (double)rank > 2 * DBL_EPSILON * x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	return rank;
}

static __u64 hist_total(const struct hist *h)
{
	__u64 total = 0;
	unsigned int i;

	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		total += h->counts[i];
	return total;
}

__u64 hist__percentile(const struct hist *h, double q)
{
	__u64 total = hist_total(h), rank, cum = 0, v;
	unsigned int i;

	if (!total)
		return 0;
	rank = hist__rank(total, q);
	if (h->count && rank == total)
		return h->max;
	if (h->count && rank == 1)
		return h->min;
	for (i = 0; i < SDR_HIST_NR_BUCKETS - 1; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			break;
	}
	/*
	 * Every integer in the bucket is within width / 2 of the midpoint, and
	 * width <= lo / 32, so the midpoint is within 1/64 of the true value;
	 * one-value buckets have width 1 and return lo itself. The true value
	 * also lies in [min, max], so clamping can only bring us closer.
	 */
	v = sdr_hist_bucket_lo(i) + sdr_hist_bucket_width(i) / 2;
	if (h->count) {
		if (v < h->min)
			v = h->min;
		if (v > h->max)
			v = h->max;
	}
	return v;
}

double hist__rel_error(void)
{
	return 1.0 / (2 * SDR_HIST_SUB);
}

bool hist__bound_exact(__u64 b)
{
	__u32 idx;

	if (b >= SDR_HIST_MAX_NS - 1)
		return false;
	idx = sdr_hist_bucket(b);
	/* The top bucket also holds every clamped value, whatever its edge says. */
	return idx < SDR_HIST_NR_BUCKETS - 1 && b == sdr_hist_bucket_hi(idx) - 1;
}

__u64 hist__fold(const struct hist *h, const __u64 *bounds_ns, size_t n, __u64 *cum_out)
{
	/* below[i] = samples in buckets 0 .. i - 1 */
	__u64 below[SDR_HIST_NR_BUCKETS + 1];
	unsigned int i;
	size_t j;

	below[0] = 0;
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		below[i + 1] = below[i] + h->counts[i];

	for (j = 0; j < n; j++) {
		__u64 b = bounds_ns[j];
		__u32 idx = sdr_hist_bucket(b);

		if (h->count && b >= h->max)
			cum_out[j] = below[SDR_HIST_NR_BUCKETS];
		else if (h->count && b < h->min)
			cum_out[j] = 0;
		else if (hist__bound_exact(b))
			cum_out[j] = below[idx + 1];
		else
			cum_out[j] = below[idx];
	}
	return below[SDR_HIST_NR_BUCKETS];
}

/* ---- from the kernel's histograms (bpf/schedrift.h) ---- */

void hist__from_counts(struct hist *h, const __u64 *counts, __u64 count, __u64 sum,
		       __u64 max)
{
	unsigned int i;

	hist__init(h);
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		h->counts[i] = counts[i];
	h->count = count;
	h->sum = sum;
	h->max = max;
	h->min = 0; /* the kernel keeps no minimum; percentiles only clamp to it */
}

/* cur - prev, bucket by bucket: the interval's waits. The max is the cumulative one. */
void hist__sdr_delta(struct hist *out, const struct sdr_hist *cur, const struct sdr_hist *prev)
{
	unsigned int i;

	hist__init(out);
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		out->counts[i] = cur->counts[i] - prev->counts[i];
	out->count = cur->count - prev->count;
	out->sum = cur->sum_ns - prev->sum_ns;
	/*
	 * The kernel's max is since start; within the interval the largest
	 * non-empty bucket bounds it instead.
	 */
	for (i = SDR_HIST_NR_BUCKETS; i-- > 0;)
		if (out->counts[i]) {
			__u64 hi = sdr_hist_bucket_hi(i) - 1;

			out->max = hi < cur->max_ns ? hi : cur->max_ns;
			break;
		}
}

void hist__from_sdr(struct hist *h, const struct sdr_hist *s)
{
	hist__from_counts(h, s->counts, s->count, s->sum_ns, s->max_ns);
}

void sdr_hist__from_cgroup(struct sdr_hist *out, const struct sdr_cgroup_hist *h)
{
	unsigned int i;

	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		out->counts[i] = h->counts[i];
	out->count = h->count;
	out->sum_ns = h->sum_ns;
	out->max_ns = h->max_ns;
}

/* A coarse task-style histogram as a fine one: each count in the middle fine bucket of its span. */
void hist__from_coarse(struct hist *h, const __u64 *coarse, __u64 max, __u64 sum)
{
	unsigned int i;

	hist__init(h);
	for (i = 0; i < SDR_TASK_HIST_NR; i++) {
		if (!coarse[i])
			continue;
		h->counts[(i << SDR_TASK_HIST_SHIFT) + (1u << SDR_TASK_HIST_SHIFT) / 2] += coarse[i];
		h->count += coarse[i];
	}
	h->max = max;
	h->sum = sum;
}
