/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The renderers of the report model: text, JSON, HTML (with SVG charts)
 * and Chrome trace. They read a finished struct report and nothing else:
 * no file, no loader, no dispatch (that is the report command's,
 * report_cmd.c).
 */
#ifndef SCHEDRIFT_REPORT_RENDER_H
#define SCHEDRIFT_REPORT_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "report/report.h"

void report__print_text(const struct report *r, FILE *f, const char *path, int top_n);
/* samples: also list every wait of every task (arrival order). */
void report__print_json(const struct report *r, FILE *f, int top_n, int samples);
/*
 * The same with only the tasks pick[] marks (r->nr_tasks entries; NULL:
 * every task), in report order, and "tasks_omitted": how many it left out
 * (the daemon's file, report/top_tasks.h).
 */
void report__print_json_picked(const struct report *r, FILE *f, const bool *pick);
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
/* One task object; cgroup is its path (NULL: null), split: the report has the wait's parts. */
void report__write_task_json(struct json *j, const struct report_task *t, const char *cgroup,
			     int split, int samples);

/*
 * The JSON renderers' shared parts (report_json.c), also in the Chrome
 * trace's otherData: the topology object, and the "capture" object opened
 * with what every capture has; the caller adds its own keys and closes it.
 */
struct topology;
void report__write_topology_json(struct json *j, const struct topology *t);
enum {
	CAPTURE_MONO = 1 << 0,       /* start_mono_ns, which the timeline formats use */
	CAPTURE_GENERATION = 1 << 1, /* the daemon's generation, when it has one */
};
void report__write_capture_head(struct json *j, const struct report *r, unsigned int with);
/* Who delayed whom (report_delays.c): the JSON object (null without switches), the text section. */
void report__write_delays_json(struct json *j, const struct report *r);
void report__print_delays_text(const struct report *r, FILE *f, int top_n);
/* The daemon's interval: its noisy-neighbour table (`neighbours`, null when not kept). */
void report__write_neighbours_json(struct json *j, const struct report *r);
/* An SLO capture's breach (report_delays.c): text and HTML open with it; the JSON object. */
void report__print_slo_text(const struct report *r, FILE *f);
void report__print_slo_html(const struct report *r, FILE *f);
void report__write_slo_json(struct json *j, const struct report *r);
/* The HTML section (id "delays"): a victim x culprit heatmap by cgroup, classes, tasks. */
void report__print_delays_html(const struct report *r, FILE *f);
/* The "lost" (every LOSS counter, and unconsumed) and "counters" objects. */
void report__write_counters_json(struct json *j, const struct report *r);

#endif /* SCHEDRIFT_REPORT_RENDER_H */
