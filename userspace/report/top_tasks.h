/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's "top tasks": the top_n by modelled penalty and the top_n by
 * p99 wait (a task with none of either is no one's top). One rule for the
 * per-task series of schedrift.prom and the task list of schedrift.json,
 * so both files name the same kind of tasks.
 */
#ifndef SCHEDRIFT_REPORT_TOP_TASKS_H
#define SCHEDRIFT_REPORT_TOP_TASKS_H

#include <stdbool.h>
#include "report/report.h"

/*
 * pick[i] = whether r->tasks[i] is a top task; pick holds r->nr_tasks
 * entries, cleared by the caller. Returns how many were picked (at most
 * 2 * top_n), or -ENOMEM.
 */
long report__pick_top(const struct report *r, int top_n, bool *pick);

#endif /* SCHEDRIFT_REPORT_TOP_TASKS_H */
