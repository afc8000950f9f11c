// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's small exit record (struct sdr_rec_exit, SDR_REC_EXIT) made
 * into the SDR_REC_TASK_EXIT record files and consumers hold
 * (loader__exit_rec): every field the kernel sent lands where the full
 * record keeps it, the waits start at 0 (the engine fills them), and a
 * record shorter than the struct is refused.
 */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "host/loader.h"

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
	for (i = 0; i < SDR_LOC_NR; i++)
		CHECK_EQ_U64(t.counts.migrations[i], 10 + i);
	for (i = 0; i < SDR_CAUSE_NR; i++)
		CHECK_EQ_U64(t.counts.by_cause[i], 20 + i);
	CHECK_EQ_U64(t.counts.penalty_milli, 2500);
	for (i = 0; i < SDR_NUMA_NR; i++)
		CHECK_EQ_U64(t.counts.numa[i], 30 + i);
	for (i = 0; i < SDR_MAX_NODES; i++)
		CHECK_EQ_U64(t.counts.node_runtime_ns[i], 40 + i);
	/* The waits are the engine's: nothing from the kernel. */
	CHECK(t.counts.waits == 0 && t.counts.wait_sum_ns == 0 && t.counts.wait_max_ns == 0 &&
	      t.counts.delivery_sum_ns == 0 && t.counts.landings[0] == 0 &&
	      t.counts.wait_hist[0] == 0);
	CHECK(loader__exit_rec(&e, sizeof(e) - 1, &t) == -EINVAL, "a short record accepted");
	CHECK(sizeof(e) == 456, "sdr_rec_exit is %zu bytes (docs say 456)", sizeof(e));
	return check_summary();
}
