/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Noisy neighbours in the daemon (issue 24, docs/metrics.md): every switch
 * the wait engine takes goes through a grouped attribution engine
 * (engine/attrib.h) that keeps each CPU's history by the holders' cgroups
 * (a task whose cgroup is not known when it gets the CPU by its tid,
 * resolved at the tick), so a wait costs the runs of cgroups it covers,
 * not the switches; each split wait becomes victim x culprit pairs for the
 * interval (a culprit's count: one per culprit cgroup and wait); at each
 * tick the interval's pairs go into a table kept since start (victim cgroup x culprit
 * cgroup, idle and unknown), and the victims that have cgroup series get
 * their classes (engine/delay_class.h, the report's) and top culprits in
 * the report's shape (struct report_delayed), the rest summed into
 * "other". Both tables have fixed caps: refusals are counted, never silent.
 *
 * One thread (the ingest thread) calls everything here.
 */
#ifndef SCHEDRIFT_NEIGHBOURS_H
#define SCHEDRIFT_NEIGHBOURS_H

#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"
#include "engine/attrib.h"
#include "engine/delays.h"
#include "report/report.h"

/* Culprits named per victim cgroup unless set (--neighbour-series). */
#define NEIGHBOURS_DEFAULT_TOP 5
/* Pairs of one interval, by tid, and pairs since start, by cgroup. */
#define NEIGHBOURS_MAX_TID_PAIRS (1u << 16)
#define NEIGHBOURS_MAX_TID_VICTIMS (1u << 14)
#define NEIGHBOURS_MAX_PAIRS (1u << 14)
#define NEIGHBOURS_MAX_VICTIMS (1u << 12)

/* A tid whose cgroup was not known when its wait was split: resolved at the tick. */
#define NEIGHBOURS_TID_KEY(tid) ((1ull << 63) | (tid))

struct neighbours {
	struct attrib *engine;
	/*
	 * This interval: victim x culprit (or DELAYS_*), each a cgroup id when
	 * the task's cgroup is known at the switch (the pairs stay few however
	 * many tasks there are), else NEIGHBOURS_TID_KEY(tid).
	 */
	struct delays *iv;
	struct delays *cum; /* since start: victim cgroup x culprit cgroup (or DELAYS_*) */
	/*
	 * The last interval's pairs as cum got them (cgroups): the JSON file's
	 * table, which holds the interval alone. Its refusals are counted too.
	 */
	struct delays *last;
	__u64 no_memory;    /* switches or waits not taken for want of memory */
	/* The refusals and gaps since start at the last interval's fill: its base. */
	struct neighbours_counts at_last;
	size_t top_k;
	__u64 (*cgroup_of)(void *ctx, __u32 tid); /* 0 = not known (yet) */
	void *ctx;
};

/* cgroup_of: a task's cgroup as known now (0: not known), at the switch and at the tick. */
int neighbours__init(struct neighbours *n, unsigned int nr_cpus, size_t top_k,
		     __u64 (*cgroup_of)(void *ctx, __u32 tid), void *ctx);
void neighbours__free(struct neighbours *n);
/* One switch (struct wait_engine's on_switch). */
void neighbours__switch(void *ctx, __u32 cpu, const struct sdr_switch_item *w);
/* Batches of cpu lost (struct wait_engine's on_gap): who held it until its next switch is unknown. */
void neighbours__gap(void *ctx, __u32 cpu, __u64 ts_ns, __u32 batches);
/* The interval's pairs into the table since start, tids left through cgroup_of again. */
int neighbours__end_interval(struct neighbours *n);
/*
 * The victims since start among r's cgroups into r->delays.groups (keys: cgroup ids;
 * culprits cut to top_k), classes by path_of (a cgroup's path, NULL when
 * not known) and same_pod (two cgroups of one Kubernetes pod: "same", as
 * the report groups a pod; NULL: none). Also r->delays.attrib, .pairs and
 * .bytes; *counts filled. 0 or -ENOMEM.
 */
int neighbours__fill(const struct neighbours *n, struct report *r,
		     const char *(*path_of)(void *ctx, __u64 id),
		     int (*same_pod)(void *ctx, __u64 a, __u64 b), void *ctx,
		     struct neighbours_counts *counts);
/*
 * The same for the last interval alone (the table neighbours__end_interval
 * made) into iv: iv->delays.groups, and iv->neighbours with the interval's
 * refusals and gaps (differences from the previous call), its table's
 * omissions and the memory held now. 0 or -ENOMEM.
 */
int neighbours__fill_interval(struct neighbours *n, struct report *iv,
			      const char *(*path_of)(void *ctx, __u64 id),
			      int (*same_pod)(void *ctx, __u64 a, __u64 b), void *ctx);

#endif /* SCHEDRIFT_NEIGHBOURS_H */
