/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `schedrift report`: a trace file folded into one model (system totals,
 * node matrix, latency tables, per-task rows in a fixed order), then
 * rendered as text, JSON, HTML or a Chrome trace. The model is built only
 * from the file and sorted by explicit keys, so the same file always
 * renders to the same bytes.
 */
#ifndef SCHEDRIFT_REPORT_H
#define SCHEDRIFT_REPORT_H

#include <stdio.h>
#include "k8s.h"
#include "schedrift.h"
#include "stats.h"
#include "trace.h"

/* A latency summary in ns. Exact (rel_error 0) when computed from samples. */
struct lat {
	__u64 count, p50, p90, p99, p999, max;
	double rel_error;
	/*
	 * The parts of a wait (delivery, queueing) also carry their mean
	 * (sum / count, rounded down). no_pct: only count, mean and max are
	 * known (the daemon's per-task parts): the percentiles print as null.
	 */
	__u64 mean;
	int no_pct;
};

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
	int id_known; /* 0 while only wait samples named it (tid alone) */
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
	struct sample_vec waits;
	/* Derived once everything is read. */
	int home_node; /* -1 = unknown */
	__u64 remote_runtime_ns;
	struct lat runq, landing;
	struct lat delivery, queue; /* the parts of runq (when the report has_split) */
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

	struct lat sys_runq;
	struct lat *cpu_runq; /* meta.topo.nr_cpus entries */
	struct lat landing[SDR_LOC_NR];
	/*
	 * The delivery and queueing parts of each of the above
	 * (docs/latency.md). has_split is 0 for a trace version 1 file, which
	 * holds whole waits only: the parts are unknown, not zero.
	 */
	int has_split;
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

	/* Loading state. */
	__u32 *tid_index; /* open addressing: tid -> current row of that tid */
	__u32 *tid_keys;
	size_t tid_cap, tid_used;
	size_t max_tid_row; /* 1 + current row of tid UINT32_MAX, which the index cannot hold */
	struct { __u64 id; char *path; struct k8s_ident *k8s; } *cg_names;
	size_t nr_cg_names, cap_cg_names;
};

/*
 * Read the whole file into r. Returns 0; or EXIT_USAGE after filling
 * e->msg/offset when the file is unreadable, foreign, corrupt or truncated.
 * With salvage, a damaged file still yields what was read before the damage
 * (r->error says what stopped it) and returns 0 unless the header is bad.
 */
int report__load(struct report *r, const char *path, int salvage, struct trace_error *e);
void report__free(struct report *r);

/* Home node and remote runtime from a task's totals (docs/latency.md). */
void report__derive_home(struct report_task *t, int nr_nodes);

struct hist;
/* Percentiles from a fine histogram (bound hist__rel_error()), and its mean. */
struct lat lat__from_hist(const struct hist *h);
/* Only count, mean and max of a part of a task's waits (the kernel keeps no more per task). */
struct lat lat__from_sum(__u64 count, __u64 sum, __u64 max);
/* Percentiles from a task's coarse histogram (bound 1/16). */
struct lat lat__from_task_hist(const __u32 *coarse, __u64 max);
/* One of them (q in (0, 1]), as lat__from_task_hist gives it; 0 with no waits. */
__u64 lat__task_hist_quantile(const __u32 *coarse, __u64 max, double q);

/* qsort order of task rows: penalty desc, then tid, then start time. */
int report_task__cmp(const void *a, const void *b);

__u64 report__total(const __u64 *v, int n);
__u64 report__task_total(const struct report_task *t);
/*
 * Events lost in all: every LOSS counter, plus the records that never
 * reached a trace file (for the daemon, `unconsumed` is a backlog still to
 * be read, not a loss, so it is left out).
 */
__u64 report__losses_total(const struct report *r);

void report__print_text(const struct report *r, FILE *f, const char *path, int top_n);
/* samples: also list every wait of every task (arrival order). */
void report__print_json(const struct report *r, FILE *f, int top_n, int samples);
/*
 * Chrome Trace Event Format (Perfetto, chrome://tracing): every wait,
 * migration, NUMA decision and outlier on its task's track. top_n > 0 keeps
 * the first top_n tasks in report order; what it leaves out is counted.
 * Returns 0 or -ENOMEM (events are sorted in memory first).
 */
int report__print_chrome(const struct report *r, FILE *f, int top_n);
/*
 * One self-contained HTML page: the text report's sections, plus SVG charts.
 * Returns 0 or -ENOMEM.
 */
int report__print_html(const struct report *r, FILE *f, const char *path, int top_n);
/* The HTML page's inline SVG charts (report_charts.c). Return 0 or -ENOMEM. */
int report__svg_latency(const struct report *r, FILE *f);
int report__svg_node_pairs(const struct report *r, FILE *f);

struct json;
/*
 * How the text and HTML reports name a cgroup: "namespace/pod/container"
 * for a pod's container whose names are known, else its path, else
 * "(id N, gone)". Returns buf or the path.
 */
const char *report__cgroup_label(const struct report_cgroup *g, char *buf, size_t len);

/* One task object; cgroup is its path (NULL: null), split: the report has the wait's parts. */
void report__write_task_json(struct json *j, const struct report_task *t, const char *cgroup,
			     int split, int samples);

extern const char *const locality_names[SDR_LOC_NR];
extern const char *const cause_names[SDR_CAUSE_NR];
extern const char *const numa_kind_names[SDR_NUMA_NR];

enum report_format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_CHROME, FMT_NR };

/* What `schedrift report`'s command line asks for. */
struct report_opts {
	const char *path;     /* the trace file */
	const char *out_path; /* NULL = stdout */
	int fmt;              /* enum report_format */
	int top;              /* tasks shown; 0 = all */
	int salvage;
	int samples;
};

/*
 * Parse report options (argv[0] is "report") without touching any file:
 * 0, -1 after --help, or EXIT_USAGE after printing one line.
 */
int report__parse(int argc, char **argv, struct report_opts *o);

/* Render r in format fmt (enum report_format); 0 or -ENOMEM. */
int report__print(const struct report *r, FILE *out, const char *path, int fmt, int top,
		  int samples);

int cmd_report(int argc, char **argv);

#endif /* SCHEDRIFT_REPORT_H */
