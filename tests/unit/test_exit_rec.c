// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's small exit record (struct sdr_rec_exit, SDR_REC_EXIT) made
 * into the SDR_REC_TASK_EXIT record files and consumers hold
 * (loader__exit_rec): every field the kernel sent lands where the full
 * record keeps it, the waits start at 0 (the engine fills them), and a
 * record shorter than the struct is refused. The task iterator's live
 * record (same layout, SDR_REC_TASK_LIVE) likewise, as SDR_REC_TASK_SNAPSHOT
 * (loader__live_rec): whole, or brief (the head only: all its run time on
 * brief_node, every other count 0, even in a record reused after a whole
 * one), and anything else refused. Mid (the counts without per-node times:
 * all its run time on brief_node), as an exit.
 */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "host/loader.h"

/* The counts the kernel's state gave (set in main): migrations, causes, penalty, NUMA. */
static void check_state_counts(const struct sdr_task_counts *c)
{
	int i;

	for (i = 0; i < SDR_LOC_NR; i++)
		CHECK_EQ_U64(c->migrations[i], 10 + i);
	for (i = 0; i < SDR_CAUSE_NR; i++)
		CHECK_EQ_U64(c->by_cause[i], 20 + i);
	CHECK_EQ_U64(c->penalty_milli, 2500);
	for (i = 0; i < SDR_NUMA_NR; i++)
		CHECK_EQ_U64(c->numa[i], 30 + i);
}

int main(void)
{
	struct sdr_rec_exit e;
	struct sdr_rec_task t;
	int i;

	memset(&e, 0, sizeof(e));
	e.hdr.type = SDR_REC_EXIT;
	e.hdr.size = sizeof(e);
	e.hdr.cpu = 3;
	e.hdr.ts_ns = 123456789;
	e.task.tid = 42;
	e.task.tgid = 40;
	e.task.start_ns = 1000;
	strcpy(e.task.comm, "worker");
	e.runtime_ns = 777;
	e.cgroup_id = 99;
	e.preferred_nid = -1;
	for (i = 0; i < SDR_LOC_NR; i++)
		e.migrations[i] = 10 + i;
	for (i = 0; i < SDR_CAUSE_NR; i++)
		e.by_cause[i] = 20 + i;
	e.penalty_milli = 2500;
	for (i = 0; i < SDR_NUMA_NR; i++)
		e.numa[i] = 30 + i;
	for (i = 0; i < SDR_MAX_NODES; i++)
		e.node_runtime_ns[i] = 40 + i;
	memset(&t, 0xff, sizeof(t));
	CHECK(loader__exit_rec(&e, sizeof(e), &t) == 0);
	CHECK(t.hdr.type == SDR_REC_TASK_EXIT && t.hdr.size == sizeof(t) && t.hdr.cpu == 3 &&
	      t.hdr.ts_ns == 123456789);
	CHECK(t.task.tid == 42 && t.task.tgid == 40 && t.task.start_ns == 1000);
	CHECK_STR(t.task.comm, "worker");
	CHECK_EQ_U64(t.counts.runtime_ns, 777);
	CHECK_EQ_U64(t.counts.cgroup_id, 99);
	CHECK(t.counts.preferred_nid == -1);
	check_state_counts(&t.counts);
	for (i = 0; i < SDR_MAX_NODES; i++)
		CHECK_EQ_U64(t.counts.node_runtime_ns[i], 40 + i);
	/* The waits are the engine's: nothing from the kernel. */
	CHECK(t.counts.waits == 0 && t.counts.wait_sum_ns == 0 && t.counts.wait_max_ns == 0 &&
	      t.counts.delivery_sum_ns == 0 && t.counts.landings[0] == 0 &&
	      t.counts.wait_hist[0] == 0);
	CHECK(loader__exit_rec(&e, sizeof(e) - 1, &t) == -EINVAL, "a short record accepted");
	CHECK(sizeof(e) == 456, "sdr_rec_exit is %zu bytes (docs say 456)", sizeof(e));

	/* The iterator's whole record: the same fields, a snapshot. */
	e.hdr.type = SDR_REC_TASK_LIVE;
	memset(&t, 0, sizeof(t));
	CHECK(loader__live_rec(&e, sizeof(e), &t) == 0);
	CHECK(t.hdr.type == SDR_REC_TASK_SNAPSHOT && t.hdr.size == sizeof(t) && t.hdr.cpu == 3 &&
	      t.hdr.ts_ns == 123456789);
	CHECK(t.task.tid == 42 && t.task.start_ns == 1000);
	CHECK_EQ_U64(t.counts.runtime_ns, 777);
	check_state_counts(&t.counts);
	for (i = 0; i < SDR_MAX_NODES; i++)
		CHECK_EQ_U64(t.counts.node_runtime_ns[i], 40 + i);

	/* Brief, into the same record: nothing of the whole one is left. */
	e.hdr.size = SDR_REC_LIVE_BRIEF_SIZE;
	e.task.tid = 43;
	e.runtime_ns = 5000;
	e.preferred_nid = 2;
	e.brief_node = 5;
	t.counts.wait_hist[1] = 7; /* the caller's: left alone */
	CHECK(SDR_REC_LIVE_BRIEF_SIZE == 72, "the brief head is %zu bytes (docs say 72)",
	      (size_t)SDR_REC_LIVE_BRIEF_SIZE);
	CHECK(loader__live_rec(&e, SDR_REC_LIVE_BRIEF_SIZE, &t) == 0);
	CHECK(t.hdr.type == SDR_REC_TASK_SNAPSHOT && t.hdr.size == sizeof(t));
	CHECK(t.task.tid == 43 && t.task.tgid == 40);
	CHECK_STR(t.task.comm, "worker");
	CHECK_EQ_U64(t.counts.runtime_ns, 5000);
	CHECK_EQ_U64(t.counts.cgroup_id, 99);
	CHECK(t.counts.preferred_nid == 2);
	for (i = 0; i < SDR_MAX_NODES; i++)
		CHECK_EQ_U64(t.counts.node_runtime_ns[i], i == 5 ? 5000 : 0);
	for (i = 0; i < SDR_LOC_NR; i++)
		CHECK_EQ_U64(t.counts.migrations[i], 0);
	for (i = 0; i < SDR_CAUSE_NR; i++)
		CHECK_EQ_U64(t.counts.by_cause[i], 0);
	for (i = 0; i < SDR_NUMA_NR; i++)
		CHECK_EQ_U64(t.counts.numa[i], 0);
	CHECK_EQ_U64(t.counts.penalty_milli, 0);
	CHECK(t.counts.wait_hist[1] == 7, "the coarse histogram was touched");

	/* Mid, as an exit: the counts, no per-node times (all on its node). */
	e.hdr.type = SDR_REC_EXIT;
	e.hdr.size = SDR_REC_LIVE_MID_SIZE;
	e.brief_node = 3;
	for (i = 0; i < SDR_MAX_NODES; i++)
		e.node_runtime_ns[i] = 900 + i; /* beyond the record: never read */
	CHECK(SDR_REC_LIVE_MID_SIZE == 200, "the mid record is %zu bytes (docs say 200)",
	      (size_t)SDR_REC_LIVE_MID_SIZE);
	CHECK(loader__exit_rec(&e, SDR_REC_LIVE_MID_SIZE, &t) == 0);
	CHECK(t.hdr.type == SDR_REC_TASK_EXIT);
	CHECK_EQ_U64(t.counts.runtime_ns, 5000);
	check_state_counts(&t.counts);
	for (i = 0; i < SDR_MAX_NODES; i++)
		CHECK_EQ_U64(t.counts.node_runtime_ns[i], i == 3 ? 5000 : 0);
	CHECK(loader__exit_rec(&e, SDR_REC_LIVE_BRIEF_SIZE, &t) == -EINVAL,
	      "a size other than the header's accepted (header mid, read brief)");
	e.brief_node = SDR_MAX_NODES;
	CHECK(loader__exit_rec(&e, SDR_REC_LIVE_MID_SIZE, &t) == -EINVAL,
	      "a mid record's node out of range accepted");
	e.brief_node = 5;
	e.hdr.type = SDR_REC_TASK_LIVE;
	e.hdr.size = SDR_REC_LIVE_BRIEF_SIZE;

	/* Refused: another type, a size that is neither, a node out of range. */
	CHECK(loader__live_rec(&e, sizeof(e), &t) == -EINVAL,
	      "a size other than the header's accepted (header brief, read whole)");
	e.hdr.size = sizeof(e);
	CHECK(loader__live_rec(&e, SDR_REC_LIVE_BRIEF_SIZE, &t) == -EINVAL,
	      "a size other than the header's accepted (header whole, read brief)");
	e.hdr.size = SDR_REC_LIVE_BRIEF_SIZE + 8;
	CHECK(loader__live_rec(&e, SDR_REC_LIVE_BRIEF_SIZE + 8, &t) == -EINVAL,
	      "a size neither brief nor whole accepted");
	e.hdr.size = SDR_REC_LIVE_BRIEF_SIZE;
	e.brief_node = SDR_MAX_NODES;
	CHECK(loader__live_rec(&e, SDR_REC_LIVE_BRIEF_SIZE, &t) == -EINVAL,
	      "a brief node out of range accepted");
	e.brief_node = 0;
	e.hdr.type = SDR_REC_EXIT;
	CHECK(loader__live_rec(&e, SDR_REC_LIVE_BRIEF_SIZE, &t) == -EINVAL,
	      "an exit record taken for a live one");
	return check_summary();
}
