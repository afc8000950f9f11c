// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Victim x culprit tables (engine/delays.c), with sums worked by hand:
 * - pairs accumulate time and count, victims their waits and premig;
 * - sorted(): victims by wait desc then key, cells by time desc then key;
 * - top(): the first k kept, the rest summed into other and counted;
 * - regroup(): tasks to groups, special culprits kept, the sums equal;
 * - the caps: a refused pair keeps its time with the victim (lost_ns) and
 *   is counted, a refused victim is counted; reset() empties.
 */
#include <stdlib.h>
#include "check.h"
#include "engine/delays.h"

/* Tasks 1..6: 1-3 in group 100, 4-5 in group 200, 6 never named. */
static __u64 group_of(void *ctx, __u64 key)
{
	(void)ctx;
	if (key >= 1 && key <= 3)
		return 100;
	if (key == 4 || key == 5)
		return 200;
	return DELAYS_UNKNOWN;
}

static void check_tables(void)
{
	struct delays *d = delays__new(100, 100), *g = delays__new(100, 100);
	struct delays_victim *v;
	struct delays_cell other;
	size_t n;

	/* Victim 1: two waits, 10 ms then 6 ms (1 ms of it before a migration). */
	CHECK(delays__wait(d, 1, 10000, 0) == 0);
	delays__add(d, 1, 4, 7000);
	delays__add(d, 1, 2, 2000);
	delays__add(d, 1, DELAYS_IDLE, 1000);
	delays__wait(d, 1, 6000, 1000);
	delays__add(d, 1, 4, 3000);
	delays__add(d, 1, 5, 1500);
	delays__add(d, 1, 6, 500);
	/* Victim 4: one wait of 20 ms, all task 3's. Victim 2: 16 ms, all 4's. */
	delays__wait(d, 4, 20000, 0);
	delays__add(d, 4, 3, 20000);
	delays__wait(d, 2, 16000, 0);
	delays__add(d, 2, 4, 16000);

	CHECK(delays__sorted(d, &v, &n) == 0);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(v[0].key, 4);
	/* 1 and 2 both waited 16 ms: key order. */
	CHECK_EQ_U64(v[1].key, 1);
	CHECK_EQ_U64(v[2].key, 2);
	CHECK_EQ_U64(v[1].nr_waits, 2);
	CHECK_EQ_U64(v[1].premig_ns, 1000);
	CHECK_EQ_U64(v[1].nr_cells, 5);
	CHECK_EQ_U64(v[1].cells[0].culprit, 4);
	CHECK_EQ_U64(v[1].cells[0].ns, 10000);
	CHECK_EQ_U64(v[1].cells[0].count, 2);
	CHECK_EQ_U64(v[1].cells[1].culprit, 2);
	CHECK_EQ_U64(v[1].cells[2].culprit, 5);
	CHECK_EQ_U64(v[1].cells[3].culprit, DELAYS_IDLE);
	CHECK_EQ_U64(v[1].cells[4].culprit, 6);
	/* Top 2: 4 and 2 kept; 5, idle and 6 folded (1500 + 1000 + 500). */
	CHECK_EQ_U64(delays__top(&v[1], 2, &other), 3);
	CHECK_EQ_U64(v[1].nr_cells, 2);
	CHECK_EQ_U64(other.ns, 3000);
	CHECK_EQ_U64(other.count, 3);
	CHECK_EQ_U64(other.culprit, DELAYS_OTHER);
	free(v);

	/* Groups: 100 <- 200 is 1's 10000 + 1500 and 2's 16000; 100 <- 100 2000. */
	CHECK(delays__regroup(g, d, group_of, NULL) == 0);
	CHECK(delays__sorted(g, &v, &n) == 0);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(v[0].key, 100);
	CHECK_EQ_U64(v[0].wait_ns, 32000);
	CHECK_EQ_U64(v[0].nr_waits, 3);
	CHECK_EQ_U64(v[0].cells[0].culprit, 200);
	CHECK_EQ_U64(v[0].cells[0].ns, 27500);
	CHECK_EQ_U64(v[0].cells[0].count, 4);
	CHECK_EQ_U64(v[0].cells[1].culprit, 100);
	CHECK_EQ_U64(v[0].cells[1].ns, 2000);
	CHECK_EQ_U64(v[0].cells[2].culprit, DELAYS_IDLE);
	CHECK_EQ_U64(v[0].cells[3].culprit, DELAYS_UNKNOWN);
	CHECK_EQ_U64(v[0].cells[3].ns, 500);
	CHECK_EQ_U64(v[1].key, 200);
	CHECK_EQ_U64(v[1].cells[0].culprit, 100);
	CHECK_EQ_U64(v[1].cells[0].ns, 20000);
	free(v);
	delays__free(d);
	delays__free(g);
}

static void check_caps(void)
{
	struct delays *d = delays__new(3, 2);
	struct delays_victim *v;
	size_t n;

	delays__wait(d, 1, 100, 0);
	CHECK(delays__add(d, 1, 10, 10) == 0);
	CHECK(delays__add(d, 1, 11, 20) == 0);
	CHECK(delays__add(d, 1, 12, 30) == 0);
	/* A fourth pair is refused: its time is the victim's, lost. An old pair still adds. */
	CHECK(delays__add(d, 1, 13, 40) != 0);
	CHECK(delays__add(d, 1, 10, 5) == 0);
	delays__wait(d, 2, 50, 0);
	CHECK(delays__wait(d, 3, 50, 0) != 0);
	CHECK_EQ_U64(delays__stats(d)->pairs, 3);
	CHECK_EQ_U64(delays__stats(d)->pairs_full, 1);
	CHECK_EQ_U64(delays__stats(d)->victims_full, 1);
	CHECK(delays__sorted(d, &v, &n) == 0);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(v[0].lost_ns, 40);
	CHECK_EQ_U64(v[0].lost_pairs, 1);
	CHECK_EQ_U64(v[0].cells[2].culprit, 10);
	CHECK_EQ_U64(v[0].cells[2].ns, 15);
	free(v);
	CHECK(delays__bytes(d) < 4096, "%zu", delays__bytes(d));
	delays__reset(d);
	CHECK(delays__sorted(d, &v, &n) == 0);
	CHECK_EQ_U64(n, 0);
	CHECK(delays__add(d, 7, 8, 1) == 0);
	delays__free(d);
}

int main(void)
{
	check_tables();
	check_caps();
	return check_summary();
}
