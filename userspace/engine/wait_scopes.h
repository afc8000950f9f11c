/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A stream's waits above the task (issue 23): the system's, each CPU's and
 * each landing locality's count, sum and maximum of the waits and of their
 * parts, accounted wait by wait with the engine's own wait_sums__add (the
 * per-task accounting), and a set of tasks' (a cgroup's) as their sums
 * merged. `report` accounts a file's waits with these as it reads them, so
 * the counts, means and maxima it prints for the system, the CPUs, the
 * localities and the cgroups are made the way the engine makes a task's;
 * its percentiles stay exact from the samples.
 */
#ifndef SCHEDRIFT_ENGINE_WAIT_SCOPES_H
#define SCHEDRIFT_ENGINE_WAIT_SCOPES_H

#include <linux/types.h>
#include "schedrift.h"
#include "engine/wait_engine.h"

struct wait_scopes {
	struct wait_sums sys;
	struct wait_sums land[SDR_LOC_NR]; /* a task's first wait after a migration, by locality */
	struct wait_sums *cpu;             /* [nr_cpus]: the CPU the wait ended on */
	int nr_cpus;
};

/* 0 or -ENOMEM. nr_cpus: the topology's; waits on CPUs beyond it count for the system only. */
int wait_scopes__init(struct wait_scopes *s, int nr_cpus);
void wait_scopes__free(struct wait_scopes *s);
/*
 * One wait that ended on cpu: its whole, its delivery part, its part queued
 * on CPUs the task then left (0 for none) and its landing (0 none, else 1 +
 * locality, as struct switch_sample has it).
 */
void wait_scopes__add(struct wait_scopes *s, __u32 cpu, __u32 landing, __u64 wait, __u64 dlv,
		      __u64 premig);
/* Adds src's waits to dst's (a cgroup's from its tasks'). */
void wait_sums__merge(struct wait_sums *dst, const struct wait_sums *src);
void wait_landings__merge(struct wait_landings *dst, const struct wait_landings *src);
/*
 * A task record's totals (what the recorder's engine wrote: the figures
 * of a file without samples) as sums and landings; the minimum and the
 * waits before a migration are not in the record: 0.
 */
void wait_sums__from_counts(struct wait_sums *w, struct wait_landings *l,
			    const struct sdr_task_counts *c);

#endif /* SCHEDRIFT_ENGINE_WAIT_SCOPES_H */
