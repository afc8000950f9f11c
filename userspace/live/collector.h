/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The always-on side of schedrift (daemon, top): BPF loaded with no
 * per-migration records, a ring buffer carrying every CPU's batches of
 * waits (accounted per task in userspace: wait_engine.h), task exits and
 * outliers, and once per interval a tick that reads the kernel's
 * aggregates and live tasks into the task table and builds an interval
 * snapshot (report models) from them, so the same renderers serve files,
 * HTTP and the terminal.
 *
 * Threading: one thread (the engine's: the daemon's main thread) calls
 * everything here; it is the only writer of the task table. Other threads
 * read the table only, and the ring's own reader (live/ring_ingest.h)
 * only copies records out of the ring into a queue the engine takes.
 */
#ifndef SCHEDRIFT_COLLECTOR_H
#define SCHEDRIFT_COLLECTOR_H

#include <stdbool.h>
#include "host/cgroup_paths.h"
#include "live/neighbours.h"
#include "live/ring_ingest.h"
#include "live/flight.h"
#include "host/k8s.h"
#include "lib/hist.h"
#include "host/loader.h"
#include "report/report.h"
#include "live/tasktable.h"
#include "engine/wait_engine.h"
#include "engine/outliers.h"
#include "host/topology.h"

#define COLLECTOR_OUTLIERS 10
/*
 * With SLO captures on, the flight recorder holds every outlier, not only
 * the interval's 10: at most this many an interval (the longest; those
 * pushed out are counted in flight_evicted).
 */
#define COLLECTOR_FLIGHT_OUTLIERS 16384

struct collector_opts {
	const char *topology_path;
	__u64 min_lat_ns;  /* outlier threshold; 0 = none */
	__u32 max_cgroups; /* cgroup histogram slots in BPF; 0 = sum the tasks' instead */
	__u32 max_cgroup_series; /* cgroups summed from tasks kept at most; 0 = default */
	__u32 neighbour_series; /* culprit cgroups named per victim cgroup; 0 = no attribution */
	__u32 max_tasks;   /* task table cap */
	__u32 grace;       /* intervals an exited task stays visible */
	const char *host_root; /* where the host's / is (pod names, docs/kubernetes.md); NULL = "/" */
	/* Flight recorder for SLO captures (docs/slo.md): 0 = off. */
	__u64 flight_window_ns;
	size_t flight_max_bytes;
	char command[256];
};

/* A cgroup's waits, summed from its tasks' fine histograms (userspace engine, 1/64). */
struct collector_cg {
	__u64 id;
	__u64 *cum;      /* [SDR_HIST_NR_BUCKETS] since the daemon started */
	__u64 *interval; /* [SDR_HIST_NR_BUCKETS] since the last tick */
	__u64 max;       /* largest wait seen, cumulative */
	__u64 imax;      /* ... in the interval */
	__u64 sum, isum; /* cumulative, the interval's */
	int active;      /* waits in the interval being exported */
};

#define COLLECTOR_DEFAULT_CGROUP_SERIES 256

/*
 * The ingest queue's cap: 8 times the daemon's ring, about 1.6 s of a
 * switch flood of 500 000 switch-ins a second on top of the ring's own
 * 0.2 s, held only while a tick is busy (docs/daemon.md, "Ring reader thread").
 */
#define COLLECTOR_INGEST_CAP_BYTES (32u << 20)

struct collector {
	struct loader l;
	struct ring_ingest ingest; /* the ring's reader and its queue */
	struct topology topo;
	struct trace_meta meta;
	struct tasktable *table;
	struct tasktable_reader *reader; /* the ingest thread's own */
	__u64 generation;
	/*
	 * Set while a tick has opened generation but not yet published it:
	 * exit records drained then belong to it, not to the next one.
	 */
	int tick_open;
	__u64 last_tick_ns;
	__u64 last_tick_realtime_ns;
	int ncpu; /* possible CPUs, as the per-CPU maps have them */
	struct wait_part_hists *prev_cpu; /* [ncpu] cumulative at the last tick */
	struct wait_part_hists prev_landing[SDR_LOC_NR];
	struct loader_cgroup *prev_cg;
	size_t nr_prev_cg;
	/* Cumulative totals at the last tick: the base of the interval's figures. */
	__u64 prev_counters[STAT_ALL_NR];
	__u64 prev_migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 prev_penalty_milli;
	struct sdr_node_cell *prev_matrix; /* nr_nodes * nr_nodes */
	struct outlier_keep worst;   /* this interval's COLLECTOR_OUTLIERS longest */
	struct outlier_keep flight_outliers; /* this interval's, for the flight recorder */
	__u64 flight_outliers_lost;  /* pushed out of flight_outliers, since start */
	__u64 user[USER_STAT_NR];
	struct cgroup_paths cg_paths;
	struct k8s_cache *k8s; /* pod names of cgroup paths */
	struct flight *flight; /* NULL unless SLO captures are on */
	/* Every wait, from the kernel's per-CPU batches, per task (wait_engine.h). */
	struct wait_engine waits;
	struct neighbours nb; /* who delayed whom by cgroup (noisy neighbours) */
	/*
	 * Where cgroup2 is mounted, for tasks no record has named yet (their
	 * cgroup read from /proc once, collector.c); cg_root_found: 1 found,
	 * -1 not found (no look-ups then), 0 not looked for yet.
	 */
	char cg_root[4096];
	int cg_root_found;
	__u64 cgroup_lookups; /* tasks whose cgroup was read from /proc */
	__u64 ask_second, asked_this_second; /* the budget of those reads */
	/* The last path read and its id: one stat for a crowd of one cgroup, until the tick. */
	char cg_last_path[4096];
	__u64 cg_last_id;
	__u64 waits_dropped; /* taken for a task that vanished before any record named it */
	__u64 exits_published; /* by this tick */

	/*
	 * Per-cgroup wait histograms summed from the tasks' fine ones (the
	 * default; the kernel's per-cgroup map is opt-in, --max-cgroups). Each
	 * tick adds what each task waited in the interval.
	 */
	struct collector_cg *cgs; /* sorted by id */
	size_t nr_cgs, cap_cgs, max_cgs;
	int kernel_cgroups; /* the BPF cgroup map is on */

	/* Cumulative histograms of the last tick, for Prometheus. */
	struct hist sys_hist;
	struct hist sys_delivery_hist, sys_queue_hist; /* the parts of sys_hist's waits */
	struct hist landing_hist[SDR_LOC_NR];
	struct hist landing_delivery_hist[SDR_LOC_NR], landing_queue_hist[SDR_LOC_NR];
	struct hist *cpu_hists;    /* [topo.nr_cpus] */
	struct hist *cgroup_hists; /* [report.nr_cgroups], same order as report.cgroups */
	/*
	 * Which tasks the cumulative report lists: -1 every one (top), else
	 * only the top N by penalty and the top N by p99 wait, all the
	 * Prometheus series need (the daemon; docs/reliability.md, Scale).
	 */
	long cum_rows_top;
	/*
	 * Which tasks the interval report has rows for: -1 every task active
	 * in the interval (top; the daemon's --json-tasks all and per-task
	 * SLO rules), else only the top N by the interval's penalty and by its
	 * p99 wait, the daemon's JSON's choice (report__pick_top): 50 000
	 * rows of 848 bytes, sorted, for the 2N it lists were a fifth of its
	 * memory. The others are counted (report.tasks_unlisted).
	 */
	long iv_rows_top;
	/* Row arrays handed back after an export, reused by the next tick. */
	struct report_task *spare_rows[2];
	size_t spare_cap[2];
};

/* Loads and attaches; returns 0 or an exit code after printing one line. */
int collector__start(struct collector *c, const struct collector_opts *o);
/*
 * Takes what the ring and the ingest queue hold (waits, exits, outliers),
 * waiting up to timeout_ms for a quarter ring's worth first.
 */
int collector__drain(struct collector *c, int timeout_ms);
/*
 * What a tick gives: the live engine at the end of an interval, as report
 * models (report/report.h) for the renderers and the export. Not a trace
 * file's report: its counts come from the kernel's maps, its task rows
 * from the task table, and it has no samples.
 *   total     counts cumulative since start (as Prometheus wants them),
 *             latency percentiles over the interval, tasks as cum_rows_top
 *             says;
 *   interval  every count the interval's, the tasks that did something in
 *             it (when asked for: has_interval).
 * Free with interval_snapshot__free, after collector__recycle_rows if it
 * came from this collector; cgroup paths in it stay owned by the collector.
 */
struct interval_snapshot {
	struct report total;
	struct report interval;
	bool has_interval;
	struct neighbours_counts neighbours; /* the omissions of total.delays.groups */
};

/* Ends an interval: live tasks into the table, then the snapshot s. 0 or a negative errno. */
int collector__tick(struct collector *c, struct interval_snapshot *s, bool want_interval);
/*
 * Keeps the task rows of s for the next tick: 10 000 tasks' rows are 8 MB
 * each, and fresh pages for them every interval were a tenth of the
 * daemon's CPU time in page faults.
 */
void collector__recycle_rows(struct collector *c, struct interval_snapshot *s);
void interval_snapshot__free(struct interval_snapshot *s);
/* A cgroup's path as the collector knows it (ctx: the collector), NULL if not known. */
const char *collector__cgroup_path(void *ctx, __u64 id);
void collector__stop(struct collector *c);

/*
 * Writes the flight recorder's last window, with a snapshot of the live
 * tasks and the names of their cgroups, to a trace file at path (as of the
 * last tick's counters). command, when not NULL, replaces the daemon's
 * command line in the file (an SLO capture says why: report/slo_breach.h).
 * -ENOTSUP when the recorder is off.
 */
int collector__capture(struct collector *c, const char *path, const char *command);
/* A report row from a task table record (any thread). */
void collector__row_from_rec(struct report_task *row, const struct task_rec *t, int nr_nodes);

/*
 * The steps of a tick, one file each, for collector.c only: the kernel's
 * maps (kernel_maps.c) and the task rows (rows.c). Each returns 0 or a
 * negative errno.
 */
int collector__read_cpus(struct collector *c, struct report *r);
int collector__read_landing(struct collector *c, struct report *r);
int collector__read_cgroups(struct collector *c, struct report *r);
void collector__name_pods(struct collector *c, struct report *r, __u64 now_ns);
int collector__fill_tasks(struct collector *c, struct report *r, struct report *iv);
/* Every record the ring holds now and the ingest queue before it, to the engine. */
int collector__take(struct collector *c);

#endif /* SCHEDRIFT_COLLECTOR_H */
