/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A task's figures for one daemon interval (drain generation), for the
 * JSON metric file (interface.md: "for the last interval"). The kernel
 * keeps totals since it first saw the task; each new version of the task
 * in the task table carries the difference from the last version of an
 * earlier generation, so the interval's figures are computed once, by the
 * writer, and readers never need two versions at once.
 */
#ifndef SCHEDRIFT_TASK_INTERVAL_H
#define SCHEDRIFT_TASK_INTERVAL_H

#include "report/report.h"
#include "live/tasktable.h"

/*
 * Fills t->interval from t->counts and old, the task's current version in
 * the table (NULL when it has none). When old belongs to t's own
 * generation its interval is extended, not restarted. Counts that went
 * backwards mean a new task behind the same key: everything counts.
 */
void task_interval__fill(struct task_rec *t, const struct task_rec *old, int nr_nodes);

/* Did the task do anything in its interval (waits, runs, migrations, NUMA)? */
int task_interval__active(const struct task_interval *iv);

/*
 * What every report row of a task version starts with, cumulative
 * (collector__row_from_rec) or the interval's (task_interval__row):
 * identity, exit, generation, cgroup, preferred node; the rest zero.
 */
void task_rec__row_start(struct report_task *row, const struct task_rec *t);
/* A report row whose figures are the interval's (identity, cgroup and home node are the task's). */
void task_interval__row(struct report_task *row, const struct task_rec *t, int nr_nodes);

#endif /* SCHEDRIFT_TASK_INTERVAL_H */
