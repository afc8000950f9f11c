/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Figures from the tasks' totals, for a trace file without wait samples
 * (`record --no-samples`). The kernel then still counted every wait in
 * each task's totals (count, coarse histogram, sums and maxima of the
 * parts), and every task's totals are in the file (exit and end-of-capture
 * records). So tasks, cgroups and the system get their waits from those,
 * with the coarse histogram's bound (1/16) and no percentiles of the parts
 * (as the daemon's tasks); per-CPU figures are unknown.
 */
#ifndef SCHEDRIFT_REPORT_TOTALS_H
#define SCHEDRIFT_REPORT_TOTALS_H

#include "report/report.h"

/*
 * When r holds no wait sample but its tasks' totals count waits: sets
 * r->from_totals and fills the tasks', the system's and the landing
 * figures from the totals. Returns whether it did.
 */
int report__from_totals(struct report *r);

/* Cgroup g's waits from its tasks' totals (r->from_totals). */
void report__cgroup_from_totals(const struct report *r, struct report_cgroup *g);

#endif /* SCHEDRIFT_REPORT_TOTALS_H */
