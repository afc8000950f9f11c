/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4) of schedrift's metrics, for the
 * daemon's DIR/schedrift.prom and its HTTP /metrics. docs/metrics.md lists
 * every family. The output depends only on the input, never on the order
 * of r->tasks or r->cgroups: families come in a fixed order, the series of
 * a family are sorted by explicit keys (enum order, numbers, label bytes)
 * and never repeat a label set, so the same data always renders to the
 * same bytes.
 */
#ifndef SCHEDRIFT_EXPORT_PROM_H
#define SCHEDRIFT_EXPORT_PROM_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "lib/hist.h"
#include "report/report.h"
#include "daemon/slo.h"
#include "live/neighbours.h"

struct prom_input {
	/*
	 * System totals, CPUs, landing, cgroups and tasks. Cumulative since
	 * the daemon started, except the latency summaries (sys_runq,
	 * cpu_runq), which are over the last interval. Read: migrations,
	 * penalty_milli, nr_nodes, node_matrix, counters, unconsumed,
	 * sys_runq, cpu_runq, meta.topo, cgroups, tasks.
	 */
	const struct report *r;
	const struct hist *sys_hist;     /* cumulative system run-queue wait histogram */
	const struct hist *landing_hist; /* [SDR_LOC_NR] cumulative landing histograms */
	/*
	 * The same for the delivery and queueing parts of those waits
	 * (docs/latency.md). The part summaries also need r->has_split, and
	 * read r->sys_delivery and r->sys_queue.
	 */
	const struct hist *sys_delivery_hist, *sys_queue_hist;
	const struct hist *landing_delivery_hist, *landing_queue_hist; /* [SDR_LOC_NR] each */
	const struct hist *landing_premig_hist; /* [SDR_LOC_NR]: the wait before a migration */
	const struct hist *cgroup_hists; /* [r->nr_cgroups], same order as r->cgroups */
	/*
	 * Noisy neighbours: r->delays.groups (victims among r->cgroups, keys
	 * cgroup ids, culprits cut to the top ones), what was left out of
	 * them, and the path of a culprit cgroup (NULL: named id:N).
	 */
	const struct neighbours_counts *neighbours;
	const char *(*cgroup_path)(void *ctx, __u64 id);
	void *cgroup_path_ctx;
	/* Per-task series for the top_n tasks by penalty plus the top_n by p99 wait; 0 = none. */
	int top_n;
	double cpu_seconds;     /* the daemon's own CPU time (user + sys) */
	__u64 rss_bytes;        /* the daemon's resident set */
	__u64 evictions;        /* task table evictions (counter) */
	__u64 file_failures;    /* failed writes of the metric files (counter) */
	/*
	 * The daemon's schedule as it was kept: seconds since the previous
	 * export, the longest such gap since start, and exports that came
	 * more than twice the interval after the previous one (counter).
	 */
	double export_gap_s, export_gap_max_s;
	__u64 late_exports;
	__u64 tasks_tracked;    /* task table size (gauge) */
	const char *version;    /* SCHEDRIFT_VERSION */
	const char *kernel;     /* uname release */
	/*
	 * Optional: [r->meta.topo.nr_cpus] cumulative per-CPU wait
	 * histograms (the wait engine's, engine/sys_hists.h). They give the
	 * per-CPU summaries their _sum and _count; NULL leaves those out.
	 */
	const struct hist *cpu_hists;
	/* SLO rules with their last evaluation (docs/slo.md); none when nr_slo is 0. */
	const struct slo_rule *slo;
	int nr_slo;
};

/*
 * Writes every family to f and flushes it. Returns 0, -ENOMEM, or the
 * negative errno of a failed write (-EIO when the stream does not say).
 * Any NULL histogram pointer leaves out the series it would feed.
 */
int prom__write(FILE *f, const struct prom_input *in);

/*
 * Writes s, up to maxlen bytes or its NUL, as the inside of a quoted label
 * value: backslash, double quote and newline escaped as \\, \" and \n, and
 * every byte that does not start a valid UTF-8 sequence (overlong forms,
 * surrogates and values past U+10FFFF included) replaced by U+FFFD, so the
 * result is always valid UTF-8. Everything else is copied as it is.
 */
void prom__write_label_value(FILE *f, const char *s, size_t maxlen);

#endif /* SCHEDRIFT_EXPORT_PROM_H */
