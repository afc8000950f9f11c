// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The grouped attribution engine (engine/attrib.h, attrib__new_grouped),
 * the daemon's, on switch sequences worked out by hand:
 * - a hundred tasks of one group in a row are one run: with room for two
 *   slices per CPU a wait behind all of them and one task of another group
 *   is split whole (the per-task engine with the same room has 40 ns of it);
 * - idle and a gap break a run, and a group's runs on both sides of them
 *   are summed into one holder;
 * - a task's group is read once, when it gets the CPU: a task that changes
 *   group while running is kept in the one it had; the waiter's group is
 *   the wait's;
 * - a grouped engine names no shares (other_ns sums its groups) and no
 *   tids; the per-task engine has no groups.
 */
#include "check.h"
#include "engine/attrib.h"

/* Tids 1-100: group 7; 200: group 9; 300: group 8; 400: whatever moved_to says. */
static __u64 moved_to = 5;
static unsigned int reads;

static __u64 group_of(void *ctx, __u32 tid)
{
	(void)ctx;
	reads++;
	if (tid >= 1 && tid <= 100)
		return 7;
	if (tid == 400)
		return moved_to;
	return tid == 200 ? 9 : 8;
}

static int go(struct attrib *a, __u64 ts, __u32 prev, __u32 next, __u64 wait,
	      struct attrib_wait *w)
{
	struct switch_sample s = { .ts_ns = ts, .prev_tid = prev, .next_tid = next,
				   .wait_ns = wait };

	return attrib__feed(a, &s, w);
}

/* The time of group key in the last split, or ~0 when it is not there. */
static __u64 group_ns(const struct attrib *a, __u64 key)
{
	const struct attrib_group *g;
	size_t n, i;

	g = attrib__groups(a, &n);
	for (i = 0; i < n; i++)
		if (g[i].key == key)
			return g[i].ns;
	return ~0ull;
}

/* Tasks 1..100 run 10 ns each from 1000, then 200 for 50 ns; 300 waited all 1050 ns. */
static void run_crowd(struct attrib *a, struct attrib_wait *w)
{
	__u32 t;

	go(a, 1000, 0, 1, 0, w);
	for (t = 1; t < 100; t++)
		go(a, 1000 + 10 * t, t, t + 1, 0, w);
	go(a, 2000, 100, 200, 0, w);
	CHECK(go(a, 2050, 200, 300, 1050, w) == 1);
}

static void check_crowd(void)
{
	struct attrib *g = attrib__new_grouped(1, 2, group_of, NULL);
	struct attrib *t = attrib__new(1, 2);
	struct attrib_wait w;
	size_t n;

	CHECK(g && t);
	if (!g || !t)
		return;
	run_crowd(g, &w);
	CHECK(w.tid == 300 && w.group == 8, "waiter %u of group %llu", w.tid,
	      (unsigned long long)w.group);
	CHECK_EQ_U64(w.unknown_short_ns, 0);
	/* No shares: both groups' time is in other_ns. */
	CHECK(w.nr_shares == 0 && w.nr_other == 2 && w.other_ns == 1050);
	CHECK(attrib__groups(g, &n) != NULL && n == 2, "%zu groups", n);
	CHECK_EQ_U64(group_ns(g, 7), 1000);
	CHECK_EQ_U64(group_ns(g, 9), 50);
	CHECK_EQ_U64(attrib__stats(g)->slices_dropped, 0);
	CHECK(attrib__holders(g, &n) == NULL || n == 0);
	CHECK_EQ_U64(n, 0);

	/* Per task, two slices hold 100's last 10 ns and 200's 50: the rest is too old. */
	run_crowd(t, &w);
	CHECK_EQ_U64(w.group, 0);
	CHECK_EQ_U64(w.unknown_short_ns, 990);
	CHECK_EQ_U64(w.nr_shares, 2);
	attrib__groups(t, &n);
	CHECK_EQ_U64(n, 0);
	CHECK_EQ_U64(attrib__stats(t)->slices_dropped, 99);
	attrib__free(g);
	attrib__free(t);
}

static void check_breaks(void)
{
	struct attrib *a = attrib__new_grouped(1, 0, group_of, NULL);
	struct attrib_wait w;

	CHECK(a != NULL);
	if (!a)
		return;
	/*
	 * 1 [0,100), 2 [100,150), idle [150,200), 3 from 200, switches lost,
	 * 4 [300,330): what ran from 3's switch-in to 4's is a gap.
	 */
	go(a, 0, 0, 1, 0, &w);
	go(a, 100, 1, 2, 0, &w);
	go(a, 150, 2, 0, 0, &w);
	go(a, 200, 0, 3, 0, &w);
	attrib__gap(a, 0);
	go(a, 300, 99, 4, 0, &w);
	/* 200 waited [40, 330): group 7 holds 60 + 50 before idle and 30 after the gap. */
	CHECK(go(a, 330, 4, 200, 290, &w) == 1);
	CHECK_EQ_U64(w.group, 9);
	CHECK_EQ_U64(group_ns(a, 7), 140);
	CHECK_EQ_U64(w.idle_ns, 50);
	CHECK_EQ_U64(w.unknown_gap_ns, 100);
	CHECK_EQ_U64(w.other_ns + w.idle_ns + w.unknown_gap_ns + w.unknown_short_ns,
		     w.on_cpu_ns);
	CHECK_EQ_U64(w.unknown_short_ns, 0);
	attrib__free(a);
}

static void check_read_once(void)
{
	struct attrib *a = attrib__new_grouped(1, 0, group_of, NULL);
	struct attrib_wait w;
	unsigned int before;

	CHECK(a != NULL);
	if (!a)
		return;
	/* 400 gets the CPU in group 5, moves to group 6 while it runs; 300 waited it all. */
	moved_to = 5;
	before = reads;
	go(a, 0, 0, 400, 0, &w);
	moved_to = 6;
	CHECK(go(a, 80, 400, 300, 80, &w) == 1);
	CHECK_EQ_U64(reads - before, 2); /* 400's and 300's, one each */
	CHECK_EQ_U64(group_ns(a, 5), 80);
	CHECK_EQ_U64(group_ns(a, 6), ~0ull);
	/* Back to 400, now in 6, waiting 20 behind 300 (group 8). */
	CHECK(go(a, 100, 300, 400, 20, &w) == 1);
	CHECK_EQ_U64(w.group, 6);
	CHECK_EQ_U64(group_ns(a, 8), 20);
	attrib__free(a);
}

int main(void)
{
	check_crowd();
	check_breaks();
	check_read_once();
	return check_summary();
}
