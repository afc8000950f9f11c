/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear (HDR style) latency buckets, shared by the BPF programs and
 * userspace so that a bucket index means the same range of nanoseconds on
 * both sides. docs/histograms.md has the layout, the error bound and its
 * proof.
 *
 * Layout: 32 groups of 32 buckets, 1024 buckets in all.
 *
 *   group 0      [0, 32)              width 1        bucket i holds exactly i
 *   group 1      [32, 64)             width 1        bucket i holds exactly i
 *   group 2      [64, 128)            width 2
 *   group g >= 1 [2^(g+4), 2^(g+5))   width 2^(g-1)
 *   group 31     [2^35, 2^36)         width 2^30     68.7 s, clamped above
 *
 * so for g >= 1 bucket idx = 32 * g + s covers [(32 + s) << (g - 1),
 * (33 + s) << (g - 1)). Values of 2^36 ns (68.7 s) and more are clamped into the last
 * bucket; whoever keeps the histogram keeps the exact max beside it.
 *
 * Error bound: a bucket's width is at most 1/32 of its lower edge, so any
 * value below 2^36 is within 1/32 (SDR_HIST_REL_ERROR_NUM/DEN) of every other
 * value in its bucket, relative to the smaller one. Buckets below 64 are
 * exact. Userspace reports the bucket midpoint, which halves this to 1/64.
 *
 * BPF has no count-leading-zeros instruction, so log2 is a binary search of
 * six shift-and-compare steps instead of __builtin_clzll().
 */
#ifndef SCHEDRIFT_HIST_BUCKETS_H
#define SCHEDRIFT_HIST_BUCKETS_H

#ifndef __bpf__
/* BPF programs get the __uN types from vmlinux.h. */
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define SDR_HIST_SUB_BITS 5
#define SDR_HIST_SUB (1U << SDR_HIST_SUB_BITS)
#define SDR_HIST_MAX_POW 36
#define SDR_HIST_MAX_NS (1ULL << SDR_HIST_MAX_POW)
/* Group 0 holds [0, SUB); groups 1.. hold one power of two each, up to MAX_POW. */
#define SDR_HIST_NR_GROUPS (SDR_HIST_MAX_POW - SDR_HIST_SUB_BITS + 1)
#define SDR_HIST_NR_BUCKETS (SDR_HIST_NR_GROUPS * SDR_HIST_SUB)
/* Values below this have a bucket of their own. */
#define SDR_HIST_EXACT_NS (2ULL * SDR_HIST_SUB)

/* For v < SDR_HIST_MAX_NS: width of bucket(v) * DEN <= lower edge * NUM. */
#define SDR_HIST_REL_ERROR_NUM 1
#define SDR_HIST_REL_ERROR_DEN SDR_HIST_SUB

/*
 * sdr_hist_bucket() masks its result with NR_BUCKETS - 1 so the verifier can
 * see the index is in range without a bounds check in every caller; that only
 * works if the count is a power of two.
 */
_Static_assert((SDR_HIST_NR_BUCKETS & (SDR_HIST_NR_BUCKETS - 1)) == 0,
	       "SDR_HIST_NR_BUCKETS must be a power of two");

/* floor(log2(v)) for v > 0; 0 for v == 0. */
static __always_inline __u32 sdr_hist_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

/* Bucket index of a latency in nanoseconds; always < SDR_HIST_NR_BUCKETS. */
static __always_inline __u32 sdr_hist_bucket(__u64 ns)
{
	__u32 shift, idx;

	/* The top bucket's own values and everything above it land there. */
	if (ns >= SDR_HIST_MAX_NS)
		ns = SDR_HIST_MAX_NS - 1;
	/*
	 * shift = log2(ns) - SUB_BITS. Or-ing in SDR_HIST_EXACT_NS - 1 keeps it
	 * from going negative, and so values under 64 need no branch of their
	 * own: there shift is 0 and the index is ns itself. Above, ns >> shift is
	 * the top SUB_BITS + 1 bits of ns, SUB + s, whose SUB completes
	 * shift * SUB to the group's first index, SUB * (shift + 1).
	 *
	 * One path only, ending in the mask: with a separate "return ns" path
	 * for small values clang passes the unbounded register through (it knows
	 * the mask is redundant there) and the verifier rejects counts[idx].
	 */
	shift = sdr_hist_log2(ns | (SDR_HIST_EXACT_NS - 1)) - SDR_HIST_SUB_BITS;
	idx = (shift << SDR_HIST_SUB_BITS) + (__u32)(ns >> shift);
	return idx & (SDR_HIST_NR_BUCKETS - 1);
}

/*
 * Bounds of bucket idx: it holds lo <= v < hi. Valid for idx <= NR_BUCKETS;
 * lo(NR_BUCKETS) == hi(NR_BUCKETS - 1) == SDR_HIST_MAX_NS, so lo(i + 1) ==
 * hi(i) everywhere. The last bucket's hi is nominal: clamped values above it
 * are counted there too.
 */
static inline __u64 sdr_hist_bucket_lo(__u32 idx)
{
	__u32 g = idx >> SDR_HIST_SUB_BITS;

	if (g == 0)
		return idx;
	return (__u64)(SDR_HIST_SUB + (idx & (SDR_HIST_SUB - 1))) << (g - 1);
}

static inline __u64 sdr_hist_bucket_width(__u32 idx)
{
	__u32 g = idx >> SDR_HIST_SUB_BITS;

	return g == 0 ? 1 : 1ULL << (g - 1);
}

static inline __u64 sdr_hist_bucket_hi(__u32 idx)
{
	return sdr_hist_bucket_lo(idx) + sdr_hist_bucket_width(idx);
}

#endif /* SCHEDRIFT_HIST_BUCKETS_H */
