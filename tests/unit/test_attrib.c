// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The attribution engine (engine/attrib.c) on synthetic switch sequences
 * whose right answers are worked out by hand in the comments:
 * - a wait is split over the holders of its CPU, idle, and the unknown
 *   part before the history starts; premig_ns is left out of the split;
 * - CPUs fed interleaved keep separate histories;
 * - a reported gap and a switch away from a task never switched in both
 *   count as unknown (gap), never as a holder;
 * - the history bound drops old slices (counted) and what they covered
 *   becomes "history too short";
 * - more holders than ATTRIB_MAX_SHARES are folded into other (counted),
 *   shares come longest first, then by tid; attrib__holders() has them all;
 * - out-of-order switches and CPUs out of range are counted, not used.
 */
#include <stdlib.h>
#include "check.h"
#include "engine/attrib.h"

static struct switch_sample sw(__u32 cpu, __u64 ts, __u32 prev, __u32 next, __u64 wait,
			       __u64 premig)
{
	return (struct switch_sample){ .cpu = cpu, .ts_ns = ts, .prev_tid = prev,
				       .next_tid = next, .wait_ns = wait, .premig_ns = premig };
}

static int feed(struct attrib *a, struct switch_sample s, struct attrib_wait *w)
{
	return attrib__feed(a, &s, w);
}

static __u64 share_of(const struct attrib_wait *w, __u32 tid)
{
	__u32 i;

	for (i = 0; i < w->nr_shares; i++)
		if (w->shares[i].tid == tid)
			return w->shares[i].ns;
	return 0;
}

/* The sum every split must keep. */
static void check_sum(const struct attrib_wait *w)
{
	__u64 sum = w->idle_ns + w->unknown_short_ns + w->unknown_gap_ns + w->other_ns;
	__u32 i;

	for (i = 0; i < w->nr_shares; i++)
		sum += w->shares[i].ns;
	CHECK_EQ_U64(sum, w->on_cpu_ns);
	CHECK_EQ_U64(w->on_cpu_ns + w->premig_ns, w->wait_ns);
}

static void check_two_cpus(void)
{
	struct attrib *a = attrib__new(2, 0);
	struct attrib_wait w;

	CHECK(a != NULL);
	/* CPU 0: 100 runs from 1000; CPU 1: 400 from 500, 500 for [2000, 2500). */
	CHECK(feed(a, sw(0, 1000, 0, 100, 0, 0), &w) == 0);
	CHECK(feed(a, sw(1, 500, 0, 400, 0, 0), &w) == 0);
	CHECK(feed(a, sw(1, 2000, 400, 500, 0, 0), &w) == 0);
	/* 200 waited [500, 3000) on CPU 0: history from 1000, so 500 unknown, 2000 is 100's. */
	CHECK(feed(a, sw(0, 3000, 100, 200, 2500, 0), &w) == 1);
	CHECK_EQ_U64(w.tid, 200);
	CHECK_EQ_U64(w.nr_shares, 1);
	CHECK_EQ_U64(share_of(&w, 100), 2000);
	CHECK_EQ_U64(w.unknown_short_ns, 500);
	CHECK_EQ_U64(w.idle_ns, 0);
	check_sum(&w);
	CHECK(feed(a, sw(1, 2500, 500, 400, 0, 0), &w) == 0);
	CHECK(feed(a, sw(0, 4000, 200, 0, 0, 0), &w) == 0);
	/* 600 waited [1000, 5000) on CPU 1: 400 for 1000 + 2500, 500 for 500. */
	CHECK(feed(a, sw(1, 5000, 400, 600, 4000, 0), &w) == 1);
	CHECK_EQ_U64(w.nr_shares, 2);
	CHECK_EQ_U64(w.shares[0].tid, 400);
	CHECK_EQ_U64(w.shares[0].ns, 3500);
	CHECK_EQ_U64(w.shares[1].tid, 500);
	CHECK_EQ_U64(w.shares[1].ns, 500);
	CHECK_EQ_U64(w.unknown_short_ns, 0);
	check_sum(&w);
	/* 300 waited 4000, 1000 of it on a CPU it left: [3000, 6000) here, 200 1000, idle 2000. */
	CHECK(feed(a, sw(0, 6000, 0, 300, 4000, 1000), &w) == 1);
	CHECK_EQ_U64(w.premig_ns, 1000);
	CHECK_EQ_U64(w.on_cpu_ns, 3000);
	CHECK_EQ_U64(share_of(&w, 200), 1000);
	CHECK_EQ_U64(w.idle_ns, 2000);
	CHECK_EQ_U64(w.unknown_short_ns + w.unknown_gap_ns, 0);
	check_sum(&w);

	/* Lost switches on CPU 1 after 600 got it at 5000: [5000, 7000) is a gap. */
	attrib__gap(a, 1);
	CHECK(feed(a, sw(1, 7000, 999, 700, 1500, 0), &w) == 1);
	CHECK_EQ_U64(w.unknown_gap_ns, 1500);
	CHECK_EQ_U64(w.nr_shares, 0);
	check_sum(&w);
	/* CPU 0 had 300 running, the switch says 777 left: [6000, 8000) is a gap too. */
	CHECK(feed(a, sw(0, 8000, 777, 800, 2500, 0), &w) == 1);
	CHECK_EQ_U64(w.idle_ns, 500);
	CHECK_EQ_U64(w.unknown_gap_ns, 2000);
	check_sum(&w);
	/* And the history goes on from the switch: 800 held [8000, 9000). */
	CHECK(feed(a, sw(0, 9000, 800, 900, 1000, 0), &w) == 1);
	CHECK_EQ_U64(share_of(&w, 800), 1000);

	const struct attrib_stats *st = attrib__stats(a);
	CHECK_EQ_U64(st->switches, 11);
	CHECK_EQ_U64(st->waits, 6);
	CHECK_EQ_U64(st->waits_partial, 3);
	CHECK_EQ_U64(st->unknown_short_ns, 500);
	CHECK_EQ_U64(st->unknown_gap_ns, 3500);
	CHECK_EQ_U64(st->prev_mismatch, 1);
	CHECK_EQ_U64(st->gaps, 1);
	CHECK_EQ_U64(st->slices_dropped, 0);
	attrib__free(a);
}

static void check_bound(void)
{
	struct attrib *a = attrib__new(1, 4);
	struct attrib_wait w;
	__u32 i;

	/* Ten holders of 100 ns each from 0: slices [0,100) .. [800,900) by tids 1..9. */
	feed(a, sw(0, 0, 0, 1, 0, 0), &w);
	for (i = 1; i < 10; i++)
		feed(a, sw(0, i * 100ull, i, i + 1, 0, 0), &w);
	/* 4 slices kept: [500, 900) by 6..9; 50 waited [350, 900): 150 too old, 100 each. */
	CHECK(feed(a, sw(0, 900, 10, 50, 550, 0), &w) == 1);
	/* [900, 900): tid 10 never held the CPU, and the push of an empty slice is skipped. */
	CHECK_EQ_U64(w.unknown_short_ns, 150);
	CHECK_EQ_U64(w.nr_shares, 4);
	CHECK_EQ_U64(w.shares[0].tid, 6);
	CHECK_EQ_U64(w.shares[3].tid, 9);
	check_sum(&w);
	CHECK_EQ_U64(attrib__stats(a)->slices_dropped, 5);
	CHECK(attrib__bytes(a) < 4096, "%zu bytes", attrib__bytes(a));

	/* Out of order and out of range: counted, not used. */
	CHECK(feed(a, sw(0, 850, 50, 60, 100, 0), &w) == 1);
	CHECK_EQ_U64(w.unknown_gap_ns, 100);
	CHECK(feed(a, sw(3, 1000, 0, 1, 100, 0), &w) == 0);
	CHECK_EQ_U64(attrib__stats(a)->out_of_order, 1);
	CHECK_EQ_U64(attrib__stats(a)->bad_cpu, 1);
	attrib__free(a);
}

static void check_fold(void)
{
	struct attrib *a = attrib__new(1, 64);
	struct attrib_wait w;
	__u64 ts = 1000;
	__u32 i;

	/* Holders 1..12 for (13 - tid) * 10 ns each, then 99 waited all of it. */
	feed(a, sw(0, ts, 0, 1, 0, 0), &w);
	for (i = 1; i <= 12; i++) {
		ts += (13 - i) * 10;
		feed(a, sw(0, ts, i, i == 12 ? 99 : i + 1, i == 12 ? ts - 1000 : 0, 0), &w);
	}
	/* 120 + 110 + ... + 10 = 780; shares 1..8 (120..50), other 9..12 (40+30+20+10). */
	CHECK_EQ_U64(w.on_cpu_ns, 780);
	CHECK_EQ_U64(w.nr_shares, ATTRIB_MAX_SHARES);
	CHECK_EQ_U64(w.shares[0].tid, 1);
	CHECK_EQ_U64(w.shares[0].ns, 120);
	CHECK_EQ_U64(w.shares[7].tid, 8);
	CHECK_EQ_U64(w.other_ns, 100);
	CHECK_EQ_U64(w.nr_other, 4);
	CHECK_EQ_U64(attrib__stats(a)->holders_folded, 4);
	check_sum(&w);
	/* All twelve are still there for the tables: (13 - tid) * 10 each. */
	{
		const struct attrib_share *all;
		__u64 sum = 0;
		size_t n, k;

		all = attrib__holders(a, &n);
		CHECK_EQ_U64(n, 12);
		for (k = 0; k < n; k++) {
			CHECK_EQ_U64(all[k].ns, (13 - all[k].tid) * 10);
			sum += all[k].ns;
		}
		CHECK_EQ_U64(sum, 780);
	}

	/* Equal shares: tid ascending. Holders 7 then 3, 50 ns each, one holds twice. */
	feed(a, sw(0, 2000, 99, 7, 0, 0), &w);
	feed(a, sw(0, 2050, 7, 3, 0, 0), &w);
	feed(a, sw(0, 2075, 3, 7, 0, 0), &w);
	feed(a, sw(0, 2100, 7, 3, 0, 0), &w);
	CHECK(feed(a, sw(0, 2125, 3, 5, 125, 0), &w) == 1);
	/* 7: 50 + 25 = 75, 3: 25 + 25 = 50. */
	CHECK_EQ_U64(w.shares[0].tid, 7);
	CHECK_EQ_U64(w.shares[0].ns, 75);
	CHECK_EQ_U64(w.shares[1].tid, 3);
	CHECK_EQ_U64(w.shares[1].ns, 50);
	check_sum(&w);
	attrib__free(a);
}

int main(void)
{
	check_two_cpus();
	check_bound();
	check_fold();
	return check_summary();
}
