// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The daemon's noisy neighbours (live/neighbours.h) on a switch sequence
 * of one CPU, the sums worked by hand. V (tid 10, cgroup 100) waits four
 * times: 130 ns behind H (cgroup 200, 100 ns) and a kernel thread (root
 * cgroup, 30 ns); 150 ns behind S (cgroup 101, the same pod as 100: 50 ns)
 * and U (a task whose cgroup is never known: 100 ns); 80 ns on an idle CPU;
 * 70 ns behind seven tasks of cgroups 300..306, 10 ns each. S waits 50 ns
 * behind V. Only cgroup 100 has a series. With the top 3 culprits named:
 * 200 (100), unknown (100), idle (80); other 150 over 9 culprits; classes
 * same 50, another 170, system 30, idle 80, unknown 100 (sum: the 430 ns
 * waited). The interval's table (the JSON's) holds the same. Checked
 * again after an empty interval: the table since start neither loses nor
 * doubles it, and the interval's is empty. Then batches lost on a CPU (the
 * wait engine's on_gap): V's wait across the hole is unknown, not the last
 * holder's, and the hole counts in stream_gaps.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "live/neighbours.h"

#define B 1000000ull

static __u64 cgroup_of(void *ctx, __u32 tid)
{
	(void)ctx;
	switch (tid) {
	case 10: return 100;
	case 11: return 101;
	case 20: return 200;
	case 30: return 1;
	case 40: return 0;
	}
	return tid >= 50 && tid <= 56 ? 300 + (tid - 50) : 0;
}

static const char *path_of(void *ctx, __u64 id)
{
	(void)ctx;
	if (id == 1)
		return "/";
	if (id == 100)
		return "/kubepods/pod-x/c1";
	if (id == 101)
		return "/kubepods/pod-x/c2";
	if (id == 200)
		return "/b";
	return id >= 300 && id <= 306 ? "/c" : NULL;
}

static int same_pod(void *ctx, __u64 a, __u64 b)
{
	(void)ctx;
	return (a == 100 || a == 101) && (b == 100 || b == 101);
}

static void sw(struct neighbours *n, __u64 ts, __u32 prev, __u32 next, __u64 wait)
{
	struct sdr_switch_item w = { .ts_ns = B + ts, .wait_ns = wait, .prev_tid = prev,
				     .next_tid = next };

	neighbours__switch(n, 0, &w);
}

/*
 * The table since start, or (interval) the last interval's alone, into
 * the report shape; an empty interval's has no victim and counts nothing.
 */
static void check_fill(struct neighbours *n, int interval, int empty)
{
	struct report_cgroup cg = { .id = 100, .path = "/kubepods/pod-x/c1" };
	struct report r;
	struct neighbours_counts c;
	const struct report_delayed *v;

	memset(&r, 0, sizeof(r));
	r.cgroups = &cg;
	r.nr_cgroups = 1;
	if (interval) {
		CHECK(neighbours__fill_interval(n, &r, path_of, same_pod, NULL) == 0);
		c = r.neighbours;
	} else {
		CHECK(neighbours__fill(n, &r, path_of, same_pod, NULL, &c) == 0);
	}
	if (empty) {
		CHECK_EQ_U64(r.delays.nr_groups, 0);
		CHECK_EQ_U64(c.victims_without_series + c.culprits_in_other, 0);
		CHECK_EQ_U64(c.pairs_full + c.victims_full + c.no_memory + c.stream_gaps, 0);
		CHECK(c.bytes > 0);
		goto out;
	}
	CHECK_EQ_U64(c.victims_without_series, 1);
	CHECK_EQ_U64(c.culprits_in_other, 9);
	CHECK_EQ_U64(c.pairs_full + c.victims_full + c.no_memory + c.stream_gaps, 0);
	CHECK(c.bytes > 0);
	CHECK_EQ_U64(r.delays.nr_groups, 1);
	if (r.delays.nr_groups != 1)
		goto out;
	v = &r.delays.groups[0];
	CHECK_EQ_U64(v->key, 100);
	CHECK_EQ_U64(v->wait_ns, 430);
	CHECK_EQ_U64(v->nr_waits, 4);
	CHECK_EQ_U64(v->class_ns[DELAY_SAME], 50);
	CHECK_EQ_U64(v->class_ns[DELAY_ANOTHER], 170);
	CHECK_EQ_U64(v->class_ns[DELAY_SYSTEM], 30);
	CHECK_EQ_U64(v->class_ns[DELAY_IDLE], 80);
	CHECK_EQ_U64(v->class_ns[DELAY_UNKNOWN], 100);
	CHECK_EQ_U64(v->nr_culprits, 3);
	if (v->nr_culprits == 3) {
		CHECK_EQ_U64(v->culprits[0].culprit, 200);
		CHECK_EQ_U64(v->culprits[0].ns, 100);
		CHECK_EQ_U64(v->culprits[1].culprit, DELAYS_UNKNOWN);
		CHECK_EQ_U64(v->culprits[1].ns, 100);
		CHECK_EQ_U64(v->culprits[2].culprit, DELAYS_IDLE);
		CHECK_EQ_U64(v->culprits[2].ns, 80);
	}
	CHECK_EQ_U64(v->other.ns, 150);
	CHECK_EQ_U64(v->omitted, 9);
out:
	free(r.delays.groups);
	free(r.delays.group_mem);
}

static void check_gap(void)
{
	struct report_cgroup cg = { .id = 100, .path = "/kubepods/pod-x/c1" };
	struct sdr_switch_item w = { .ts_ns = B, .next_tid = 20 };
	struct neighbours_counts c;
	struct neighbours n;
	struct report r;

	CHECK(neighbours__init(&n, 2, 3, cgroup_of, NULL) == 0);
	neighbours__switch(&n, 1, &w);
	neighbours__gap(&n, 1, B + 300, 1);
	w = (struct sdr_switch_item){ .ts_ns = B + 300, .wait_ns = 200, .prev_tid = 20,
				      .next_tid = 10 };
	neighbours__switch(&n, 1, &w);
	CHECK(neighbours__end_interval(&n) == 0);
	memset(&r, 0, sizeof(r));
	r.cgroups = &cg;
	r.nr_cgroups = 1;
	CHECK(neighbours__fill(&n, &r, path_of, same_pod, NULL, &c) == 0);
	CHECK_EQ_U64(c.stream_gaps, 1);
	CHECK_EQ_U64(r.delays.nr_groups, 1);
	if (r.delays.nr_groups == 1) {
		CHECK_EQ_U64(r.delays.groups[0].class_ns[DELAY_UNKNOWN], 200);
		CHECK_EQ_U64(r.delays.groups[0].class_ns[DELAY_ANOTHER], 0);
	}
	free(r.delays.groups);
	free(r.delays.group_mem);
	neighbours__free(&n);
}

int main(void)
{
	struct neighbours n;
	__u32 k;

	CHECK(neighbours__init(&n, 2, 3, cgroup_of, NULL) == 0);
	sw(&n, 0, 0, 20, 0);
	sw(&n, 100, 20, 30, 0);
	sw(&n, 130, 30, 10, 130);
	sw(&n, 200, 10, 11, 50);
	sw(&n, 300, 11, 40, 0);
	sw(&n, 400, 40, 10, 150);
	sw(&n, 500, 10, 0, 0);
	sw(&n, 600, 0, 10, 80);
	sw(&n, 700, 10, 50, 0);
	for (k = 0; k < 6; k++)
		sw(&n, 710 + 10 * k, 50 + k, 51 + k, 0);
	sw(&n, 770, 56, 10, 70);
	CHECK(neighbours__end_interval(&n) == 0);
	check_fill(&n, 0, 0);
	check_fill(&n, 1, 0);
	CHECK(neighbours__end_interval(&n) == 0);
	check_fill(&n, 0, 0);
	check_fill(&n, 1, 1);
	neighbours__free(&n);
	check_gap();
	return check_summary();
}
