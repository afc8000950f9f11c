/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report model: system totals, node matrix, latency tables and per-task
 * rows in a fixed order. load.c builds it from a trace file, the live
 * engine (live/collector.c) from the kernel's maps; the renderers
 * (render.h) print it. The model is sorted by explicit keys, so the same
 * input always renders to the same bytes.
 */
#ifndef SCHEDRIFT_REPORT_H
#define SCHEDRIFT_REPORT_H

#include <stdio.h>
#include "host/k8s.h"
#include "schedrift.h"
#include "lib/stats.h"
#include "trace/trace.h"
#include "lib/names.h"
#include "lib/lat.h"
#include "engine/attrib.h"
#include "engine/delays.h"
#include "engine/delay_class.h"
#include "engine/wait_engine.h"
#include "engine/wait_scopes.h"
#include "report/slo_breach.h"

/* Wait samples packed in one word: wait | cpu << 48 | landing << 58. */
#define SAMPLE_WAIT_BITS 48
#define SAMPLE_WAIT_MASK ((1ull << SAMPLE_WAIT_BITS) - 1)
#define SAMPLE_CPU_SHIFT 48
#define SAMPLE_LANDING_SHIFT 58

struct sample_vec {
	__u64 *v;
	__u64 *ts;       /* when each wait ended (CLOCK_MONOTONIC), for the timeline formats */
	__u64 *delivery; /* each wait's delivery part (0 in version 1 files); queue = wait - it */
	size_t n, cap;
};

struct report_task {
	struct sdr_task_id id;
	__u64 load_key; /* 1 + the row's index while loading (rows are sorted after) */
	int id_known; /* 0 while only wait samples named it (tid alone) */
	__u64 name_ts; /* time of the record id came from: the latest names the task */
	int exited;
	size_t prev_row;  /* 1 + index of the row its tid had before it was reused; 0 = none */
	__u64 generation; /* the daemon's drain generation of this row; 0 = not the daemon */
	__u64 migrations[SDR_LOC_NR];
	__u64 by_cause[SDR_CAUSE_NR];
	__u64 penalty_milli;
	__u64 numa[SDR_NUMA_NR]; /* NUMA balancer decisions */
	/* From the task's exit or end-of-capture record, when there is one. */
	int have_totals;
	__u64 runtime_ns;
	__u64 node_runtime_ns[SDR_MAX_NODES];
	__s32 preferred_nid;
	__u64 cgroup_id;
	/* The counts of that record (NULL without one): figures without wait samples */
	struct sdr_task_counts *totals;
	struct sample_vec waits;
	/*
	 * Its samples as the wait engine accounts them (wait_sums__add,
	 * wait_landings__add), one by one as they are read: the loader's
	 * counts, sums and maxima; the samples give the exact percentiles.
	 */
	struct wait_sums sums;
	struct wait_landings land;
	/* Derived once everything is read. */
	int home_node; /* -1 = unknown */
	__u64 remote_runtime_ns;
	struct lat runq, landing;
	struct lat delivery, queue; /* the parts of runq (when the report has_split) */
	/*
	 * Its waits before a migration (issue 24): those with a part queued
	 * on CPUs it then left, that part's sum and max. premig_known: the
	 * source has them (a file with every switch, the daemon's engine).
	 */
	int premig_known;
	__u64 premig_waits, premig_sum_ns, premig_max_ns;
};

struct report_cgroup {
	__u64 id;
	const char *path; /* NULL when the file does not name it */
	const struct k8s_ident *k8s; /* NULL when not a pod's cgroup (docs/kubernetes.md) */
	__u64 nr_tasks;
	struct lat runq;
	struct lat delivery, queue; /* the parts of runq, when split_known */
	int split_known;            /* 0: not known (a version 1 file; the daemon keeps none) */
};

/*
 * Who delayed whom (docs/report.md): what held the CPU while each victim
 * waited, by class and by culprit. Classes (engine/delay_class.h, shared
 * with the daemon), of the culprit seen from the victim's cgroup: "unknown" also holds holders folded beyond the ones
 * named per wait (engine/attrib.h).
 */
enum report_delay_class {
	RDC_SAME = DELAY_SAME,
	RDC_ANOTHER = DELAY_ANOTHER,
	RDC_SYSTEM = DELAY_SYSTEM,
	RDC_IDLE = DELAY_IDLE,
	RDC_UNKNOWN = DELAY_UNKNOWN,
	RDC_NR = DELAY_CLASS_NR
};

/*
 * A group of the delay tables: a cgroup id, or for the cgroups of one
 * Kubernetes pod (its own and its containers'), REPORT_GROUP_POD | the
 * lowest of their ids: a pod is one group.
 */
#define REPORT_GROUP_POD (1ull << 62)

struct report_delayed {
	__u64 key; /* tasks: index into report.tasks; groups: a group key (DELAYS_UNKNOWN: none) */
	__u64 wait_ns, nr_waits, premig_ns, lost_ns;
	__u64 class_ns[RDC_NR];
	struct delays_cell *culprits; /* the top ones, ns desc then key; keys as above or DELAYS_* */
	size_t nr_culprits;
	struct delays_cell other; /* the rest, summed */
	size_t omitted;           /* culprits in other */
};

/*
 * One wait's top holders, for the timeline (Chrome args) and the worst
 * waits: who[] are rows (index into report.tasks) or REPORT_WHY_IDLE,
 * _UNKNOWN, _OTHER; ns[] their time, longest first. Durations in 32 bits
 * as the kernel's switch items carry them (bpf/dur32.h: exact below 2.1 s,
 * within 4096 ns up to 2.4 h): read them with sdr_dur32_decode().
 */
#define REPORT_WHY_NAMED 3
#define REPORT_WHY_NONE 0xffffffffu
#define REPORT_WHY_IDLE 0xfffffffeu
#define REPORT_WHY_UNKNOWN 0xfffffffdu
#define REPORT_WHY_OTHER 0xfffffffcu
struct report_wait_why {
	__u64 ts_ns; /* the switch that ended the wait */
	__u32 tid;
	__u32 cpu;
	__u32 premig_ns; /* dur32 */
	__u32 on_cpu_ns; /* dur32: the part split */
	__u32 who[REPORT_WHY_NAMED]; /* REPORT_WHY_NONE past the last */
	__u32 ns[REPORT_WHY_NAMED]; /* dur32 */
};

struct report_delays {
	int known; /* the file has every switch (SDR_REC_SWITCH_BATCH) */
	size_t top_k;
	struct report_delayed *tasks, *groups; /* victims by wait desc, then key */
	size_t nr_tasks, nr_groups;
	struct delays_victim *task_mem, *group_mem; /* what the cells point into */
	struct attrib_stats attrib;
	struct delays_stats pairs;
	size_t bytes; /* the engine's and the pairs' memory at the end of loading */
	struct report_wait_why *why; /* by tid, then ts: report__wait_why() */
	size_t nr_why, cap_why;
	__u64 why_full; /* waits past the cap (REPORT_MAX_WHY): no per-wait holders */
	/* The wait before a migration by the locality it landed in: every such wait. */
	struct lat premig[SDR_LOC_NR];
	__u64 *premig_v[SDR_LOC_NR];
	size_t nr_premig[SDR_LOC_NR], cap_premig[SDR_LOC_NR];
	/* Loading state. */
	struct attrib *engine;
	struct delays *by_task;
};

const char *report__delay_class_name(int c);

/*
 * The daemon's noisy-neighbour table (live/neighbours.h), in
 * delays.groups: what it leaves out and refused, and its memory.
 */
struct neighbours_counts {
	__u64 culprits_in_other;      /* culprit cgroups summed into other, now */
	__u64 victims_without_series; /* victim cgroups not among the cgroups with series, now */
	__u64 pairs_full, victims_full; /* additions refused by a cap, since start */
	__u64 no_memory;
	/*
	 * Switches whose prev was not who the history had running, or out of
	 * time order, and holes where a CPU's batches were lost in the ring.
	 */
	__u64 stream_gaps;
	__u64 bytes; /* held by the engine and its tables */
};

/*
 * An SLO capture's breach (the rule in the capture's command line) and
 * what held the CPU during the waits in its scope at or over its objective.
 */
#define REPORT_SLO_TOP 5
struct report_slo {
	int known; /* the file is an SLO capture with its rule */
	struct slo_breach b;
	__u64 waits;   /* waits in scope at or over the objective */
	__u64 wait_ns; /* their time */
	__u64 split_ns; /* the part split among holders (the rest was before a migration) */
	struct report_slo_culprit {
		__u32 who;   /* row, or REPORT_WHY_IDLE/_UNKNOWN/_OTHER */
		__u64 ns;    /* time it held the CPU during those waits */
		__u64 first; /* waits it held longest */
	} top[REPORT_SLO_TOP];
	int nr_top;
};

struct report {
	struct trace_meta meta;
	int have_trailer;
	struct trace_trailer trailer; /* valid when have_trailer; node_matrix not kept */
	char error[320];              /* why reading stopped early (salvage), else "" */

	__u64 duration_ns;
	__u64 generation; /* the daemon's interval: its drain generation; 0 = a trace file */
	__u64 nr_records; /* records read from the file */
	__u64 nr_unknown; /* records of types this build does not know, skipped */
	__u64 nr_waits;   /* wait samples read */

	/* System totals: the kernel's (trailer) when present, else from records. */
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
	int nr_nodes;
	struct sdr_node_cell *node_matrix; /* nr_nodes * nr_nodes, from * nr_nodes + to */

	/* Every counter in stat_descs order, values from the trailer (0 if absent). */
	__u64 counters[STAT_ALL_NR];
	__u64 unconsumed; /* records the kernel submitted that never reached the file */

	struct report_task *tasks; /* sorted: penalty desc, tid asc, start asc */
	size_t nr_tasks, cap_tasks;
	/*
	 * Tasks the producer counted but made no row for: the daemon's
	 * interval report has rows only for the candidates of its top N.
	 * nr_tasks + tasks_unlisted tasks in all (the JSON's nr_tasks).
	 */
	size_t tasks_unlisted;

	/*
	 * A file's waits as the engine accounts them (engine/wait_scopes.h),
	 * one by one as they are read: the counts, sums and maxima of the
	 * system, CPU, landing and cgroup figures below; their percentiles
	 * come from the samples. Empty in the daemon's reports.
	 */
	struct wait_scopes scopes;
	struct lat sys_runq;
	struct lat *cpu_runq; /* meta.topo.nr_cpus entries */
	struct lat landing[SDR_LOC_NR];
	/*
	 * The delivery and queueing parts of each of the above
	 * (docs/latency.md). has_split is 0 for a trace version 1 file, which
	 * holds whole waits only: the parts are unknown, not zero.
	 */
	int has_split;
	/*
	 * No wait samples in the file (record --no-samples): tasks, cgroups
	 * and the system have their waits from the tasks' totals (bound 1/16,
	 * the parts' count, mean and max only); per-CPU figures are unknown.
	 */
	int from_totals;
	struct lat sys_delivery, sys_queue;
	struct lat *cpu_delivery, *cpu_queue; /* meta.topo.nr_cpus entries each, or NULL */
	struct lat landing_delivery[SDR_LOC_NR], landing_queue[SDR_LOC_NR];
	struct report_cgroup *cgroups; /* sorted by p99 desc, then id */
	size_t nr_cgroups;
	struct sdr_rec_outlier *outliers; /* sorted by wait desc, then time */
	size_t nr_outliers, cap_outliers;
	/*
	 * Every migration and NUMA balancer record, in file order: the
	 * timeline formats (chrome, html) place each one in time.
	 */
	struct sdr_rec_migrate *migs;
	size_t nr_migs, cap_migs;
	struct sdr_rec_numa *numas;
	size_t nr_numas, cap_numas;
	struct report_delays delays;
	struct report_slo slo;
	/*
	 * The daemon's interval with --neighbour-series: delays.groups is its
	 * noisy-neighbour table of the interval, these its counts for the
	 * interval (the JSON's `neighbours`; docs/daemon.md).
	 */
	int neighbours_known;
	struct neighbours_counts neighbours;
	/* Paths of cgroups that cgroups[] does not hold (the daemon's culprits); NULL: none. */
	const char *(*cgroup_path)(void *ctx, __u64 id);
	void *cgroup_path_ctx;

	/* Loading state. */
	__u32 *tid_index; /* open addressing: tid -> current row of that tid */
	__u32 *tid_keys;
	size_t tid_cap, tid_used;
	size_t max_tid_row; /* 1 + current row of tid UINT32_MAX, which the index cannot hold */
	struct { __u64 id; char *path; struct k8s_ident *k8s; } *cg_names;
	size_t nr_cg_names, cap_cg_names;
};

void report__free(struct report *r);

/* Home node and remote runtime from a task's totals (docs/latency.md). */
void report__derive_home(struct report_task *t, int nr_nodes);

/* qsort order of task rows: penalty desc, then identity (task_id__cmp: tid, start, tgid, comm). */
int report_task__cmp(const void *a, const void *b);

/*
 * Waits over --min-lat the kernel reported (counters.outliers, when known),
 * of which r->outliers holds the longest: `record` keeps 1000, the daemon
 * 10 per interval (never fewer than the records).
 */
__u64 report__nr_outliers(const struct report *r);

/*
 * With from_totals: waits the kernel counted (counters.waits, with a
 * trailer) that no task's totals hold. A task that exits after the
 * recorder detached sends no exit record and is gone before the
 * end-of-capture snapshot, so its waits are lost from the tasks' figures.
 */
__u64 report__waits_untotalled(const struct report *r);

__u64 report__total(const __u64 *v, int n);
__u64 report__task_total(const struct report_task *t);
/*
 * Events lost in all: every LOSS counter, plus the records that never
 * reached a trace file (for the daemon, `unconsumed` is a backlog still to
 * be read, not a loss, so it is left out).
 */
__u64 report__losses_total(const struct report *r);

/*
 * How the text and HTML reports name a cgroup: "namespace/pod/container"
 * for a pod's container whose names are known, else its path, else
 * "(id N, gone)". Returns buf or the path.
 */
const char *report__cgroup_label(const struct report_cgroup *g, char *buf, size_t len);

/* The holders of the wait of tid that ended at ts, or NULL. */
const struct report_wait_why *report__wait_why(const struct report *r, __u32 tid, __u64 ts);
/*
 * The same within slack ns of ts, the nearest: an outlier record is
 * stamped by its own clock read, near the switch's.
 */
#define REPORT_OUTLIER_SLACK_NS 100000ull
const struct report_wait_why *report__wait_why_near(const struct report *r, __u32 tid, __u64 ts,
						    __u64 slack);
/*
 * "hog[20] 95.1%, idle 4.9%": a wait's holders with their share of the
 * part split (why->on_cpu_ns). Returns buf.
 */
const char *report__why_str(const struct report *r, const struct report_wait_why *why,
			    char *buf, size_t len);

/* The cgroup row of an id, or NULL. */
const struct report_cgroup *report__cgroup_by_id(const struct report *r, __u64 id);
/*
 * How text and HTML name a victim or culprit of the delay tables: a task
 * as comm[tid] (by_task; key is a row), a cgroup by its label, and
 * "idle", "unknown", "other" for the special keys. Returns buf or a constant.
 */
const char *report__delay_label(const struct report *r, int by_task, __u64 key, char *buf,
				size_t len);

#endif /* SCHEDRIFT_REPORT_H */
