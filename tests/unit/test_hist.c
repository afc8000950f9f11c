// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram unit tests: the bucket layout edge by edge, then a property test
 * that compares percentiles and Prometheus folds against the exact answers
 * from the sorted samples, over many distributions. Everything is seeded and
 * deterministic; the seeds are printed so a failure can be replayed.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/hist.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef unsigned long long ull;

/* splitmix64: tiny, fast, and good enough to drive a property test. */
struct rng {
	__u64 s;
};

static __u64 rng__next(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() and pow(u, -x) stay finite. */
static double rng__unit(struct rng *r)
{
	return ((double)(rng__next(r) >> 11) + 0.5) * 0x1p-53;
}

static __u64 rng__below(struct rng *r, __u64 n)
{
	return rng__next(r) % n;
}

static double rng__normal(struct rng *r)
{
	return sqrt(-2 * log(rng__unit(r))) * cos(2 * M_PI * rng__unit(r));
}

static __u64 to_ns(double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 0x1p64)
		return UINT64_MAX;
	return (__u64)x;
}

/* The layout as the header comment states it, written with clz this time. */
static __u32 ref_bucket(__u64 v)
{
	int p;

	if (v >= SDR_HIST_MAX_NS)
		return SDR_HIST_NR_BUCKETS - 1;
	if (v < 64)
		return v;
	p = 63 - __builtin_clzll(v);
	return (p - 4) * 32 + (__u32)((v >> (p - 5)) - 32);
}

/* Counts mismatches in a loop and reports the first one as a single CHECK. */
struct tally {
	unsigned long bad;
	__u64 first_v;
};

static void tally__note(struct tally *t, int ok, __u64 v)
{
	if (!ok && !t->bad++)
		t->first_v = v;
}

#define CHECK_TALLY(t, what)                                                                       \
	CHECK((t).bad == 0, "%s: %lu bad, first at %llu", what, (t).bad, (ull)(t).first_v)

static int bucket_holds(__u64 v)
{
	__u32 i = sdr_hist_bucket(v);

	if (v >= SDR_HIST_MAX_NS)
		return i == SDR_HIST_NR_BUCKETS - 1;
	return sdr_hist_bucket_lo(i) <= v && v < sdr_hist_bucket_hi(i) && i == ref_bucket(v);
}

static void test_layout(void)
{
	struct tally contig = {}, pow2 = {}, width = {}, edge = {}, small = {}, rnd = {};
	struct rng r = { 42 };
	__u32 i;
	__u64 v;
	int d;

	CHECK_EQ_U64(SDR_HIST_NR_BUCKETS, 1024);
	CHECK_EQ_U64(SDR_HIST_MAX_NS, 68719476736ULL);
	CHECK_EQ_U64(sdr_hist_bucket_lo(0), 0);
	CHECK_EQ_U64(sdr_hist_bucket_hi(SDR_HIST_NR_BUCKETS - 1), SDR_HIST_MAX_NS);
	CHECK_EQ_U64(sdr_hist_bucket_lo(SDR_HIST_NR_BUCKETS), SDR_HIST_MAX_NS);

	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++) {
		__u64 lo = sdr_hist_bucket_lo(i), hi = sdr_hist_bucket_hi(i);
		__u64 w = sdr_hist_bucket_width(i);

		/* Monotonic and contiguous: no gaps, no overlaps. */
		tally__note(&contig, lo < hi && hi == sdr_hist_bucket_lo(i + 1), i);
		tally__note(&pow2, w && !(w & (w - 1)) && hi - lo == w, i);
		/* The 1/32 promise: exact below 64, width <= lo / 32 above. */
		tally__note(&width, i < 64 ? w == 1 : w * SDR_HIST_REL_ERROR_DEN <= lo, i);
		/* Values around every edge land on the right side of it. */
		for (d = -3; d <= 3; d++) {
			v = lo + d;
			if (d < 0 && lo < (__u64)-d)
				continue;
			tally__note(&edge, bucket_holds(v), v);
		}
		tally__note(&edge, sdr_hist_bucket(lo) == i && sdr_hist_bucket(hi - 1) == i, i);
	}
	CHECK_TALLY(contig, "lo < hi == next lo");
	CHECK_TALLY(pow2, "width is a power of two");
	CHECK_TALLY(width, "width * 32 <= lo");
	CHECK_TALLY(edge, "values around edges");

	for (v = 0; v < (1 << 20); v++)
		tally__note(&small, bucket_holds(v), v);
	CHECK_TALLY(small, "every value below 2^20");

	for (i = 0; i < 2000000; i++) {
		/* Spread over all magnitudes, not just the top bits. */
		v = rng__next(&r) >> rng__below(&r, 64);
		tally__note(&rnd, bucket_holds(v), v);
	}
	CHECK_TALLY(rnd, "random values");

	CHECK_EQ_U64(sdr_hist_bucket(0), 0);
	CHECK_EQ_U64(sdr_hist_bucket(1), 1);
	CHECK_EQ_U64(sdr_hist_bucket(31), 31);
	CHECK_EQ_U64(sdr_hist_bucket(32), 32);
	CHECK_EQ_U64(sdr_hist_bucket(63), 63);
	CHECK_EQ_U64(sdr_hist_bucket(64), 64);
	CHECK_EQ_U64(sdr_hist_bucket(65), 64);
	CHECK_EQ_U64(sdr_hist_bucket(66), 65);
	CHECK_EQ_U64(sdr_hist_bucket(127), 95);
	CHECK_EQ_U64(sdr_hist_bucket(128), 96);
	CHECK_EQ_U64(sdr_hist_bucket(SDR_HIST_MAX_NS - 1), SDR_HIST_NR_BUCKETS - 1);
	CHECK_EQ_U64(sdr_hist_bucket(SDR_HIST_MAX_NS - (1ULL << 30)), SDR_HIST_NR_BUCKETS - 1);
	CHECK_EQ_U64(sdr_hist_bucket(SDR_HIST_MAX_NS - (1ULL << 30) - 1), SDR_HIST_NR_BUCKETS - 2);
	CHECK_EQ_U64(sdr_hist_bucket(SDR_HIST_MAX_NS), SDR_HIST_NR_BUCKETS - 1);
	CHECK_EQ_U64(sdr_hist_bucket(SDR_HIST_MAX_NS + 1), SDR_HIST_NR_BUCKETS - 1);
	CHECK_EQ_U64(sdr_hist_bucket(UINT64_MAX), SDR_HIST_NR_BUCKETS - 1);
	CHECK_EQ_U64(sdr_hist_bucket_lo(64), 64);
	CHECK_EQ_U64(sdr_hist_bucket_hi(64), 66);
	CHECK_EQ_U64(sdr_hist_bucket_lo(SDR_HIST_NR_BUCKETS - 1), 63ULL << 30);
}

static void test_basics(void)
{
	static struct hist h, zero, a, b;
	__u64 cum[3], bounds[3] = { 10, 1000, UINT64_MAX };
	unsigned int i;

	/* A zeroed struct is an empty histogram. */
	hist__init(&h);
	CHECK(memcmp(&h, &zero, sizeof(h)) == 0, "hist__init() is not all zero");
	CHECK_EQ_U64(hist__percentile(&h, 0.5), 0);
	CHECK_EQ_U64(hist__fold(&h, bounds, 3, cum), 0);
	CHECK_EQ_U64(cum[0] + cum[1] + cum[2], 0);
	CHECK_EQ_U64(hist__rank(0, 0.5), 0);
	CHECK(hist__rel_error() == 1.0 / 64, "rel_error %g", hist__rel_error());

	/* One sample: every percentile is that sample. */
	hist__add(&h, 123456789);
	CHECK_EQ_U64(hist__percentile(&h, 0), 123456789);
	CHECK_EQ_U64(hist__percentile(&h, 0.5), 123456789);
	CHECK_EQ_U64(hist__percentile(&h, 1), 123456789);
	CHECK_EQ_U64(h.min, 123456789);
	CHECK_EQ_U64(h.max, 123456789);

	/*
	 * The bound is tight: 64 lives in [64, 66), whose midpoint 65 is 1/64
	 * above it, and max = 200 does not clamp that away.
	 */
	hist__init(&h);
	hist__add_n(&h, 64, 2);
	hist__add(&h, 200);
	CHECK_EQ_U64(hist__percentile(&h, 0.5), 65);
	CHECK_EQ_U64(hist__percentile(&h, 0), 64);
	CHECK_EQ_U64(hist__percentile(&h, 1), 200);
	CHECK_EQ_U64(h.count, 3);
	CHECK_EQ_U64(h.sum, 328);

	/* Clamped values: the max stays exact, and fold uses it. */
	hist__init(&h);
	hist__add(&h, 5);
	hist__add(&h, 100ULL * 1000 * 1000 * 1000);
	hist__add(&h, UINT64_MAX);
	CHECK_EQ_U64(h.counts[SDR_HIST_NR_BUCKETS - 1], 2);
	CHECK_EQ_U64(hist__percentile(&h, 1), UINT64_MAX);
	CHECK_EQ_U64(hist__percentile(&h, 0.5), 63ULL << 30 | 1ULL << 29);
	CHECK_EQ_U64(hist__fold(&h, bounds, 3, cum), 3);
	CHECK_EQ_U64(cum[0], 1);
	CHECK_EQ_U64(cum[1], 1);
	CHECK_EQ_U64(cum[2], 3);

	/* add_n is n adds; n == 0 touches nothing, not even min/max. */
	hist__init(&a);
	hist__init(&b);
	hist__add_n(&a, 777, 0);
	CHECK(memcmp(&a, &zero, sizeof(a)) == 0, "add_n(.., 0) changed the histogram");
	hist__add_n(&a, 777, 5);
	hist__add_n(&a, 3, 2);
	for (i = 0; i < 5; i++)
		hist__add(&b, 777);
	hist__add(&b, 3);
	hist__add(&b, 3);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "add_n(v, n) differs from n adds");

	/* Merging an empty histogram either way changes nothing. */
	hist__merge(&a, &zero);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "merging an empty histogram changed it");
	hist__init(&h);
	hist__merge(&h, &a);
	CHECK(memcmp(&h, &a, sizeof(h)) == 0, "merging into an empty histogram is not a copy");
}

/* Exact nearest rank of num/den: ceil(num * total / den) in integers. */
static __u64 exact_rank(__u64 total, __u64 num, __u64 den)
{
	__u64 rank = (num * total + den - 1) / den;

	return rank < 1 ? 1 : rank;
}

struct quantile {
	double q;
	__u64 num, den;
};

static const struct quantile quantiles[] = {
	{ 0, 0, 1 },
	{ 0.25, 25, 100 },
	{ 0.5, 50, 100 },
	{ 0.75, 75, 100 },
	{ 0.9, 90, 100 },
	{ 0.95, 95, 100 },
	{ 0.99, 99, 100 },
	{ 0.999, 999, 1000 },
	{ 0.9999, 9999, 10000 },
	{ 0.99999, 99999, 100000 },
	{ 1, 1, 1 },
};
#define NR_QUANTILES ARRAY_SIZE(quantiles)

static void test_rank(void)
{
	struct tally t = {};
	unsigned int k;
	__u64 n;

	/* The double q must give the rank of the decimal q, for every count. */
	for (k = 0; k < NR_QUANTILES; k++)
		for (n = 1; n <= 2000000; n++)
			tally__note(&t, hist__rank(n, quantiles[k].q) ==
					     exact_rank(n, quantiles[k].num, quantiles[k].den),
				    n * 100 + k);
	CHECK_TALLY(t, "hist__rank() == ceil(q * n) (n * 100 + quantile index)");

	/*
	 * Every per-mille quantile: some products land just above an integer
	 * (0.07 * 100 is 7.000000000000001 in doubles) and must not round up.
	 */
	memset(&t, 0, sizeof(t));
	for (k = 1; k < 1000; k++)
		for (n = 1; n <= 20000; n++)
			tally__note(&t, hist__rank(n, k / 1000.0) == exact_rank(n, k, 1000),
				    n * 1000 + k);
	CHECK_TALLY(t, "hist__rank() for k / 1000 (n * 1000 + k)");
	CHECK_EQ_U64(hist__rank(10, -1), 1);
	CHECK_EQ_U64(hist__rank(10, NAN), 1);
	CHECK_EQ_U64(hist__rank(10, 2), 10);
	CHECK_EQ_U64(hist__rank(UINT64_MAX, 0.5), 1ULL << 63);
}

#define US 1000ULL
#define MS (1000 * US)
#define S (1000 * MS)

static const __u64 prom_nominal_ns[] = {
	1 * US, 5 * US / 2, 5 * US, 10 * US, 25 * US, 50 * US, 100 * US, 250 * US, 500 * US,
	1 * MS, 5 * MS / 2, 5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS,
	1 * S, 5 * S / 2, 5 * S, 10 * S,
};

static void test_prom_bounds(void)
{
	size_t i;

	CHECK_EQ_U64(hist_prom_nr_bounds, ARRAY_SIZE(prom_nominal_ns));
	for (i = 0; i < hist_prom_nr_bounds && i < ARRAY_SIZE(prom_nominal_ns); i++) {
		__u64 b = hist_prom_bounds_ns[i], t = prom_nominal_ns[i];
		__u64 half = sdr_hist_bucket_width(sdr_hist_bucket(t)) / 2;
		__u64 dist = b + 1 > t ? b + 1 - t : t - (b + 1);

		CHECK(hist__bound_exact(b), "bound %llu is not a bucket top", (ull)b);
		/* b + 1 is the edge nearest to the nominal value... */
		CHECK(dist <= half, "bound %llu: %llu from %llu", (ull)b, (ull)dist, (ull)t);
		/* ...so the label is within 0.7% of it. */
		CHECK((b > t ? b - t : t - b) * 1000 <= 7 * t, "%llu vs %llu", (ull)b, (ull)t);
		if (i)
			CHECK(b > hist_prom_bounds_ns[i - 1], "bound %zu not ascending", i);
	}
	/* Off-edge values, the clamped top bucket and the one-value buckets. */
	CHECK_EQ_U64(hist__bound_exact(1000000), 0);
	CHECK_EQ_U64(hist__bound_exact(64), 0);
	CHECK_EQ_U64(hist__bound_exact(SDR_HIST_MAX_NS - 1), 0);
	CHECK_EQ_U64(hist__bound_exact(UINT64_MAX), 0);
	CHECK_EQ_U64(hist__bound_exact(0), 1);
	CHECK_EQ_U64(hist__bound_exact(63), 1);
	CHECK_EQ_U64(hist__bound_exact(65), 1);
	CHECK_EQ_U64(hist__bound_exact((63ULL << 30) - 1), 1);
}

enum dist {
	DIST_UNIFORM_TINY,
	DIST_UNIFORM_WIDE,
	DIST_EXP_US,
	DIST_EXP_MS,
	DIST_BIMODAL,
	DIST_LOGNORMAL,
	DIST_PARETO,
	DIST_PARETO_WILD,
	DIST_CONSTANT,
	DIST_EDGES,
	DIST_NR
};

static const char *const dist_names[DIST_NR] = {
	[DIST_UNIFORM_TINY] = "uniform 0..100 ns",
	[DIST_UNIFORM_WIDE] = "uniform 1 us..1 s",
	[DIST_EXP_US] = "exponential mean 50 us",
	[DIST_EXP_MS] = "exponential mean 2 ms",
	[DIST_BIMODAL] = "bimodal lognormal 20 us / 5 ms",
	[DIST_LOGNORMAL] = "lognormal median 100 us sigma 2",
	[DIST_PARETO] = "pareto 1 us alpha 1.1",
	[DIST_PARETO_WILD] = "pareto 10 us alpha 0.3 (past 2^36)",
	[DIST_CONSTANT] = "constant",
	[DIST_EDGES] = "bucket edges and edge - 1",
};

static __u64 dist__sample(enum dist d, struct rng *r, __u64 konst)
{
	__u32 i;

	switch (d) {
	case DIST_UNIFORM_TINY:
		return rng__below(r, 101);
	case DIST_UNIFORM_WIDE:
		return 1000 + rng__below(r, 1000000000 - 1000);
	case DIST_EXP_US:
		return to_ns(-50e3 * log(rng__unit(r)));
	case DIST_EXP_MS:
		return to_ns(-2e6 * log(rng__unit(r)));
	case DIST_BIMODAL:
		if (rng__below(r, 10) < 7)
			return to_ns(20e3 * exp(0.5 * rng__normal(r)));
		return to_ns(5e6 * exp(0.7 * rng__normal(r)));
	case DIST_LOGNORMAL:
		return to_ns(100e3 * exp(2 * rng__normal(r)));
	case DIST_PARETO:
		return to_ns(1e3 * pow(rng__unit(r), -1 / 1.1));
	case DIST_PARETO_WILD:
		return to_ns(10e3 * pow(rng__unit(r), -1 / 0.3));
	case DIST_CONSTANT:
		return konst;
	case DIST_EDGES:
		i = rng__below(r, SDR_HIST_NR_BUCKETS + 1);
		return sdr_hist_bucket_lo(i) - (rng__below(r, 2) && i);
	default:
		return 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Samples <= b in sorted v[0..n). */
static __u64 count_le(const __u64 *v, __u64 n, __u64 b)
{
	__u64 lo = 0, hi = n;

	while (lo < hi) {
		__u64 mid = lo + (hi - lo) / 2;

		if (v[mid] <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define NR_CPUS_SIM 4
#define NR_BOUNDS (22 + 64)

static double worst_rel;

static void check_one(enum dist d, __u64 seed, __u64 n)
{
	static struct hist h, percpu[NR_CPUS_SIM], merged;
	__u64 *v = malloc(n * sizeof(*v));
	__u64 bounds[NR_BOUNDS], cum[NR_BOUNDS], sum = 0, total;
	struct tally fold = {};
	struct rng r = { seed };
	__u64 konst = rng__next(&r) >> rng__below(&r, 40);
	unsigned int k;
	__u64 i;

	if (!v) {
		CHECK(0, "out of memory");
		return;
	}
	hist__init(&h);
	hist__init(&merged);
	for (k = 0; k < NR_CPUS_SIM; k++)
		hist__init(&percpu[k]);
	for (i = 0; i < n; i++) {
		v[i] = dist__sample(d, &r, konst);
		sum += v[i];
		hist__add(&h, v[i]);
		hist__add(&percpu[rng__below(&r, NR_CPUS_SIM)], v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);

	for (k = 0; k < NR_CPUS_SIM; k++)
		hist__merge(&merged, &percpu[k]);
	CHECK(memcmp(&merged, &h, sizeof(h)) == 0, "%s seed %llu n %llu: merge differs",
	      dist_names[d], (ull)seed, (ull)n);
	CHECK(h.count == n && h.min == v[0] && h.max == v[n - 1] && h.sum == sum,
	      "%s seed %llu n %llu: count/min/max/sum", dist_names[d], (ull)seed, (ull)n);

	for (k = 0; k < NR_QUANTILES; k++) {
		const struct quantile *q = &quantiles[k];
		__u64 exact = v[exact_rank(n, q->num, q->den) - 1];
		__u64 got = hist__percentile(&h, q->q);
		__u64 diff = got > exact ? got - exact : exact - got;
		int ok;

		if (q->q == 0 || q->q == 1) {
			/* min and max are kept exactly. */
			ok = got == exact;
		} else if (exact >= SDR_HIST_MAX_NS) {
			/* Past the top edge only the bucket and the max are known. */
			ok = got >= sdr_hist_bucket_lo(SDR_HIST_NR_BUCKETS - 1) && got <= v[n - 1];
		} else {
			ok = (double)diff <= hist__rel_error() * (double)exact;
			if (exact && (double)diff / (double)exact > worst_rel)
				worst_rel = (double)diff / (double)exact;
		}
		CHECK(ok, "%s seed %llu n %llu q %g: got %llu, exact %llu", dist_names[d],
		      (ull)seed, (ull)n, q->q, (ull)got, (ull)exact);
	}

	/* The default bounds, then random bounds both on and off bucket edges. */
	for (k = 0; k < NR_BOUNDS; k++) {
		if (k < hist_prom_nr_bounds)
			bounds[k] = hist_prom_bounds_ns[k];
		else if (k & 1)
			bounds[k] = sdr_hist_bucket_hi(rng__below(&r, SDR_HIST_NR_BUCKETS)) - 1;
		else
			bounds[k] = rng__next(&r) >> rng__below(&r, 64);
	}
	total = hist__fold(&h, bounds, NR_BOUNDS, cum);
	CHECK_EQ_U64(total, n);
	for (k = 0; k < NR_BOUNDS; k++) {
		__u64 b = bounds[k], want;

		if (hist__bound_exact(b) || b >= v[n - 1] || b < v[0])
			want = count_le(v, n, b);
		else
			/* Rounded down to the top of the bucket below b's. */
			want = count_le(v, n, sdr_hist_bucket_lo(sdr_hist_bucket(b)) - 1);
		tally__note(&fold, cum[k] == want, b);
		if (k < hist_prom_nr_bounds)
			tally__note(&fold, cum[k] == count_le(v, n, b), b);
	}
	CHECK(fold.bad == 0, "%s seed %llu n %llu: fold wrong at bound %llu", dist_names[d],
	      (ull)seed, (ull)n, (ull)fold.first_v);
	free(v);
}

static const __u64 sizes[] = { 1, 2, 3, 4, 5, 7, 10, 33, 100, 1000, 10000, 200000 };
#define NR_SIZES ARRAY_SIZE(sizes)
#define SEEDS_PER_SIZE 3

static void test_distributions(void)
{
	unsigned int d, s, k;

	for (d = 0; d < DIST_NR; d++) {
		__u64 base = 1000 * (d + 1);

		worst_rel = 0;
		for (s = 0; s < NR_SIZES; s++)
			for (k = 0; k < SEEDS_PER_SIZE; k++)
				check_one(d, base + s * SEEDS_PER_SIZE + k, sizes[s]);
		printf("  %-36s seeds %llu..%llu, n 1..200000: worst rel error %.5f (bound %.5f)\n",
		       dist_names[d], (ull)base, (ull)(base + NR_SIZES * SEEDS_PER_SIZE - 1),
		       worst_rel, hist__rel_error());
	}
}

int main(void)
{
	test_layout();
	test_basics();
	test_rank();
	test_prom_bounds();
	test_distributions();
	return check_summary();
}
