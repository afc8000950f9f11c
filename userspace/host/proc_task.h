/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A live task's name from /proc, for what no record of the kernel's names
 * (an outlier's task outside the -p/--comm filter, or whose exit the ring
 * refused): its comm and tgid. Its start time is not there to the
 * nanosecond (/proc gives clock ticks), so start_ns is 0: unknown.
 */
#ifndef SCHEDRIFT_HOST_PROC_TASK_H
#define SCHEDRIFT_HOST_PROC_TASK_H

#include "schedrift.h"

/*
 * The task of tid that was alive at alive_at (CLOCK_MONOTONIC): 0 and *id
 * filled, -ESTALE when tid's task now started after it (the tid was
 * reused, to the clock tick), or -errno (the task is gone).
 */
int proc_task__id(__u32 tid, __u64 alive_at, struct sdr_task_id *id);

#endif /* SCHEDRIFT_HOST_PROC_TASK_H */
