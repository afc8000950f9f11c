// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTML report: the text report's sections as tables, plus inline SVG
 * charts, in one file that fetches nothing and needs no script (there is
 * none), so it can be mailed, attached to a ticket or opened offline.
 *
 * Every string from the trace goes through html__escape(): task names,
 * cgroup paths, host name and command are attacker-controlled bytes.
 * Nothing depends on the clock or the locale, so the same file gives the
 * same page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/html.h"
#include "report/render.h"
#include "lib/util.h"

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;color:#222;margin:0 auto;max-width:1120px;"
	"padding:0 16px 32px}\n"
	"h1{margin:16px 0 4px}h2{margin:28px 0 6px;border-bottom:2px solid #ccc}\n"
	"nav a{margin-right:12px}.sub{color:#555;margin:0}\n"
	"table{border-collapse:collapse;margin:6px 0}\n"
	"th,td{padding:2px 8px;border-bottom:1px solid #e2e2e2;text-align:right;"
	"white-space:nowrap}\n"
	"th{background:#f2f2f2}.s{text-align:left}.m{font-family:ui-monospace,monospace}\n"
	"tr.total td{font-weight:600;border-top:1px solid #999}\n"
	".kv th{text-align:left}.scroll{overflow-x:auto}\n"
	".warn{background:#fdecea;border:1px solid #c0392b;padding:6px 10px}\n"
	".note{color:#555}figure{margin:8px 0}figcaption{color:#555}\n"
	"svg{max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#333}\n"
	"svg .remote{font-weight:700}.grid{stroke:#e4e4e4}.axis{stroke:#666}\n"
	".bar{fill:#6b93c4}.cdf{fill:none;stroke:#c0392b;stroke-width:1.5}\n"
	".pct{stroke:#444;stroke-dasharray:4 3}svg .cdf-label{fill:#c0392b}\n"
	"svg .bar-label{fill:#3a6ea5}\n"
	/* Okabe-Ito: told apart with the common colour-vision deficiencies. */
	".c0{fill:#0072b2}.c1{fill:#e69f00}.c2{fill:#009e73}.c3{fill:#cc79a7}"
	".c4{fill:#56b4e9}.c5{fill:#d55e00}.c6{fill:#999}\n";

/* ---- table cells ---- */

/*
 * A header row. cols is space-separated; a leading '-' marks a text column
 * (left-aligned), as printf's "%-s" does.
 */
static void head_row(FILE *f, const char *cols)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", cols);
	fputs("<tr>", f);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (tok[0] == '-')
			fprintf(f, "<th class=\"s\">%s</th>", tok + 1);
		else
			fprintf(f, "<th>%s</th>", tok);
	}
	fputs("</tr>\n", f);
}

static void td_u64(FILE *f, __u64 v)
{
	fprintf(f, "<td>%llu</td>", (unsigned long long)v);
}

static void td_dur(FILE *f, __u64 ns)
{
	char buf[16];

	fprintf(f, "<td>%s</td>", fmt_duration(buf, sizeof(buf), ns));
}

/* The p99 of a part of the waits; "-" when it is not known. */
static void td_part_p99(FILE *f, const struct lat *l, int known)
{
	if (known && !l->no_pct)
		td_dur(f, l->p99);
	else
		fputs("<td>-</td>", f);
}

static void td_milli(FILE *f, __u64 milli)
{
	fprintf(f, "<td>%llu.%03llu</td>", (unsigned long long)milli / 1000,
		(unsigned long long)milli % 1000);
}

/* A string from the file: escaped; cls adds e.g. "m" for monospace. */
static void td_str(FILE *f, const char *s, size_t len, const char *cls)
{
	fprintf(f, "<td class=\"s%s%s\">", cls ? " " : "", cls ? cls : "");
	html__escape(f, s, len);
	fputs("</td>", f);
}

static void section(FILE *f, const char *id, const char *title)
{
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

static void section_end(FILE *f)
{
	fputs("</section>\n", f);
}

/* ---- header ---- */

/* CPUs of a node as ranges, "0-3,8,10-11". */
static void cpu_list(FILE *f, const struct topology *t, int node)
{
	int c, start, first = 1;

	for (c = 0; c < t->nr_cpus; c++) {
		if (t->cpu_node[c] != node)
			continue;
		for (start = c; c + 1 < t->nr_cpus && t->cpu_node[c + 1] == node; c++)
			;
		fprintf(f, first ? "%d" : ",%d", start);
		if (c > start)
			fprintf(f, "-%d", c);
		first = 0;
	}
}

static void print_topology(const struct report *r, FILE *f)
{
	const struct topology *t = &r->meta.topo;
	char *desc = NULL;
	size_t len = 0;
	FILE *m;
	int n, to;

	m = open_memstream(&desc, &len);
	if (m) {
		topology__describe(t, m); /* "8 CPUs, 2 nodes, 4 LLCs\n" */
		fclose(m);
	}
	fputs("<tr><th>topology</th><td class=\"s\">", f);
	if (desc)
		html__escape(f, desc, len && desc[len - 1] == '\n' ? len - 1 : len);
	free(desc);
	fputs("<table>\n", f);
	fputs("<tr><th class=\"s\">node</th><th class=\"s\">CPUs</th><th class=\"s\">distance to "
	      "node 0, 1, ...</th></tr>\n", f);
	for (n = 0; n < t->nr_nodes; n++) {
		fprintf(f, "<tr><td class=\"s\">%d</td><td class=\"s\">", n);
		cpu_list(f, t, n);
		fputs("</td><td class=\"s\">", f);
		for (to = 0; to < t->nr_nodes; to++)
			fprintf(f, to ? " %d" : "%d", t->distance[n][to]);
		fputs("</td></tr>\n", f);
	}
	fputs("</table></td></tr>\n", f);
}

static void kv_str(FILE *f, const char *key, const char *s, size_t len)
{
	fprintf(f, "<tr><th>%s</th>", key);
	td_str(f, s, len, NULL);
	fputs("</tr>\n", f);
}

static void print_header(const struct report *r, FILE *f, const char *path)
{
	time_t secs = r->meta.start_realtime_ns / 1000000000ull;
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<h1>schedrift report</h1>\n<p class=\"sub m\">", f);
	html__escape_str(f, path);
	fputs("</p>\n", f);
	if (report__losses_total(r))
		fprintf(f, "<p class=\"warn\"><strong>%llu events lost:</strong> the figures below "
			   "miss them (<a href=\"#losses\">losses</a>).</p>\n",
			(unsigned long long)report__losses_total(r));
	if (!r->have_trailer) {
		fputs("<p class=\"warn\"><strong>Incomplete file:</strong> ", f);
		html__escape_str(f, r->error[0] ? r->error : "no trailer");
		fputs(". System totals below are summed from the records read.</p>\n", f);
	}
	fputs("<nav><a href=\"#migrations\">migrations</a><a href=\"#nodes\">node matrix</a>"
	      "<a href=\"#tasks\">tasks</a><a href=\"#latency\">run-queue latency</a>"
	      "<a href=\"#cgroups\">cgroups</a><a href=\"#task-latency\">tasks by p99</a>"
	      "<a href=\"#worst\">worst waits</a>", f);
	if (r->delays.known)
		fputs("<a href=\"#delays\">who delayed whom</a>", f);
	fputs("<a href=\"#losses\">losses</a></nav>\n", f);
	section(f, "capture", "Capture");
	fputs("<table class=\"kv\">\n", f);
	kv_str(f, "host", r->meta.hostname, sizeof(r->meta.hostname));
	kv_str(f, "kernel", r->meta.kernel_release, sizeof(r->meta.kernel_release));
	fprintf(f, "<tr><th>CPUs online</th><td class=\"s\">%u</td></tr>\n",
		r->meta.nr_cpus_online);
	fprintf(f, "<tr><th>captured</th><td class=\"s\">%s, for %.2f s</td></tr>\n", when,
		r->duration_ns / 1e9);
	fputs("<tr><th>command</th>", f);
	td_str(f, r->meta.command, sizeof(r->meta.command), "m");
	fputs("</tr>\n", f);
	print_topology(r, f);
	fputs("</table>\n", f);
	section_end(f);
}

/* ---- migrations ---- */

static void mig_row(FILE *f, const char *name, const __u64 *by_loc, int total_row)
{
	int l;

	fprintf(f, "<tr%s><td class=\"s\">%s</td>", total_row ? " class=\"total\"" : "", name);
	td_u64(f, report__total(by_loc, SDR_LOC_NR));
	for (l = 0; l < SDR_LOC_NR; l++)
		td_u64(f, by_loc[l]);
}

static void print_migrations(const struct report *r, FILE *f)
{
	__u64 all[SDR_LOC_NR] = {}, row[SDR_LOC_NR];
	int l, c;

	section(f, "migrations", "Migrations (system)");
	fputs("<table>\n", f);
	head_row(f, "-cause total same-llc cross-llc cross-node penalty");
	for (c = 0; c < SDR_CAUSE_NR; c++) {
		for (l = 0; l < SDR_LOC_NR; l++) {
			row[l] = r->migrations[l][c];
			all[l] += row[l];
		}
		mig_row(f, cause_names[c], row, 0);
		/* Penalty is kept per locality only; it goes on the total row. */
		fputs("<td></td></tr>\n", f);
	}
	mig_row(f, "all", all, 1);
	td_milli(f, r->penalty_milli);
	fputs("</tr>\n</table>\n", f);
	fprintf(f, "<p>NUMA balancer: moves %llu, swaps %llu; stuck: no target %llu, move refused "
		   "%llu, swap refused %llu.</p>\n",
		(unsigned long long)r->counters[SDR_STAT_numa_move],
		(unsigned long long)r->counters[SDR_STAT_numa_swap],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_no_target],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_move_failed],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_swap_failed]);
	if (r->have_trailer)
		fputs("<p class=\"note\">These are the kernel's counters: they include migrations "
		      "whose records were lost.</p>\n", f);
	section_end(f);
}

/* White to red by share of the largest cell; integers, so the bytes are stable. */
static void heat_cell(FILE *f, __u64 v, __u64 max)
{
	unsigned int k = max ? (unsigned int)(v * 255 / max) : 0;

	fprintf(f, "<td style=\"background:#%02x%02x%02x\">%llu</td>", 255 - k * 41 / 255,
		255 - k * 186 / 255, 255 - k * 190 / 255, (unsigned long long)v);
}

static void print_nodes(const struct report *r, FILE *f)
{
	int from, to, nn = r->nr_nodes;
	__u64 max = 0;

	for (from = 0; from < nn * nn; from++)
		if (report__total(r->node_matrix[from].by_cause, SDR_CAUSE_NR) > max)
			max = report__total(r->node_matrix[from].by_cause, SDR_CAUSE_NR);
	section(f, "nodes", "Node matrix");
	fputs("<p>Migrations from node (row) to node (column); the darker, the more.</p>\n", f);
	fputs("<table>\n<tr><th>from \\ to</th>", f);
	for (to = 0; to < nn; to++)
		fprintf(f, "<th>%d</th>", to);
	fputs("</tr>\n", f);
	for (from = 0; from < nn; from++) {
		fprintf(f, "<tr><th>%d</th>", from);
		for (to = 0; to < nn; to++) {
			const struct sdr_node_cell *c = &r->node_matrix[from * nn + to];

			heat_cell(f, report__total(c->by_cause, SDR_CAUSE_NR), max);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<figure>\n", f);
	report__svg_node_pairs(r, f);
	fputs("<figcaption>Migrations per node pair, by cause; cross-node pairs in bold."
	      "</figcaption>\n</figure>\n", f);
	section_end(f);
}

/* The cause that moved this task most; ties go to the lower enum value. */
static const char *main_cause(const struct report_task *t)
{
	int c, best = 0;

	for (c = 1; c < SDR_CAUSE_NR; c++)
		if (t->by_cause[c] > t->by_cause[best])
			best = c;
	return report__task_total(t) ? cause_names[best] : "-";
}

static void print_tasks(const struct report *r, FILE *f, int top_n)
{
	size_t i, moved = 0, shown = 0;

	for (i = 0; i < r->nr_tasks; i++)
		moved += report__task_total(&r->tasks[i]) > 0;
	section(f, "tasks", "Tasks that migrated");
	fprintf(f, "<p>%zu of %zu tasks migrated; by penalty, then tid.</p>\n", moved, r->nr_tasks);
	fputs("<div class=\"scroll\"><table>\n", f);
	head_row(f, "tid tgid -comm migrations same-llc cross-llc cross-node penalty -cause "
		    "-exited");
	for (i = 0; i < r->nr_tasks && (top_n <= 0 || shown < (size_t)top_n); i++) {
		const struct report_task *t = &r->tasks[i];

		if (!report__task_total(t))
			continue;
		shown++;
		fputs("<tr>", f);
		td_u64(f, t->id.tid);
		td_u64(f, t->id.tgid);
		td_str(f, t->id.comm, sizeof(t->id.comm), "m");
		td_u64(f, report__task_total(t));
		td_u64(f, t->migrations[SDR_LOC_SAME_LLC]);
		td_u64(f, t->migrations[SDR_LOC_CROSS_LLC]);
		td_u64(f, t->migrations[SDR_LOC_CROSS_NODE]);
		td_milli(f, t->penalty_milli);
		fprintf(f, "<td class=\"s\">%s</td><td class=\"s\">%s</td></tr>\n", main_cause(t),
			t->exited ? "yes" : "");
	}
	fputs("</table></div>\n", f);
	if (shown < moved)
		fprintf(f, "<p class=\"note\">%zu shown (--top %d).</p>\n", shown, top_n);
	section_end(f);
}

/* ---- latency ---- */

static void lat_row(FILE *f, const char *name, const struct lat *l)
{
	fprintf(f, "<tr><td class=\"s\">%s</td>", name);
	td_u64(f, l->count);
	if (l->no_pct) { /* only count, mean and max known (task totals) */
		fputs("<td>-</td><td>-</td><td>-</td><td>-</td>", f);
	} else {
		td_dur(f, l->p50);
		td_dur(f, l->p90);
		td_dur(f, l->p99);
		td_dur(f, l->p999);
	}
	td_dur(f, l->max);
	fputs("</tr>\n", f);
}

static int print_latency(const struct report *r, FILE *f)
{
	char name[32];
	int c, l, err;

	section(f, "latency", "Run-queue latency");
	if (r->from_totals)
		fprintf(f, "<p>Runnable to running, from %llu waits in the tasks' totals, within "
			   "1/16: recorded with --no-samples (parts: mean and max only; per CPU: "
			   "unknown; no chart). %llu more waits the kernel counted are in no "
			   "task's totals (tasks that exited as the capture ended).</p>\n"
			   "<figure>\n",
			(unsigned long long)r->sys_runq.count,
			(unsigned long long)report__waits_untotalled(r));
	else
		fprintf(f, "<p>Runnable to running, exact (from %llu waits).</p>\n<figure>\n",
			(unsigned long long)r->nr_waits);
	err = report__svg_latency(r, f);
	fputs("<figcaption>Bars: share of waits in each bin (ten per power of ten, left axis). "
	      "Line: share of waits at most that long (right axis). Dashed: p50, p99, p99.9."
	      "</figcaption>\n</figure>\n<table>\n", f);
	head_row(f, "-scope waits p50 p90 p99 p99.9 max");
	lat_row(f, "system", &r->sys_runq);
	if (r->has_split) {
		lat_row(f, "system: delivery", &r->sys_delivery);
		lat_row(f, "system: queueing", &r->sys_queue);
	}
	for (c = 0; c < r->meta.topo.nr_cpus && !r->from_totals; c++) {
		if (r->meta.topo.cpu_node[c] < 0)
			continue;
		snprintf(name, sizeof(name), "cpu %d", c);
		lat_row(f, name, &r->cpu_runq[c]);
	}
	fputs("</table>\n", f);
	if (r->has_split)
		fputs("<p class=\"note\">A wait runs from the wakeup (sched_waking) or the "
		      "preemption to running. Delivery: wakeup to on a run queue (0 for "
		      "preemption and new tasks); queueing: on a run queue to running "
		      "(docs/latency.md).</p>\n", f);
	else
		fprintf(f, "<p class=\"note\">No delivery/queueing split: the file is trace format "
			   "version %u.</p>\n", r->meta.version);
	fputs("<h3>Landing latency</h3>\n<p>The first wait after a migration, by where "
	      "the task went.</p>\n<table>\n", f);
	head_row(f, "-locality waits p50 p90 p99 p99.9 max");
	for (l = 0; l < SDR_LOC_NR; l++) {
		lat_row(f, locality_names[l], &r->landing[l]);
		if (!r->has_split)
			continue;
		snprintf(name, sizeof(name), "%s: delivery", locality_names[l]);
		lat_row(f, name, &r->landing_delivery[l]);
		snprintf(name, sizeof(name), "%s: queueing", locality_names[l]);
		lat_row(f, name, &r->landing_queue[l]);
	}
	fputs("</table>\n", f);
	section_end(f);
	return err;
}

static void print_cgroups(const struct report *r, FILE *f, int top_n)
{
	size_t i, n = r->nr_cgroups;
	char label[600];

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	section(f, "cgroups", "Run-queue latency by cgroup");
	fprintf(f, "<p>%zu cgroups; %zu shown, by p99.</p>\n", r->nr_cgroups, n);
	fputs("<div class=\"scroll\"><table>\n", f);
	head_row(f, "-cgroup tasks waits p50 p99 max delivery-p99 queueing-p99");
	for (i = 0; i < n; i++) {
		const struct report_cgroup *g = &r->cgroups[i];

		fputs("<tr>", f);
		td_str(f, report__cgroup_label(g, label, sizeof(label)), SIZE_MAX, "m");
		td_u64(f, g->nr_tasks);
		td_u64(f, g->runq.count);
		td_dur(f, g->runq.p50);
		td_dur(f, g->runq.p99);
		td_dur(f, g->runq.max);
		td_part_p99(f, &g->delivery, g->split_known);
		td_part_p99(f, &g->queue, g->split_known);
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);
	section_end(f);
}

static int cmp_p99(const void *a, const void *b)
{
	const struct report_task *x = *(const struct report_task *const *)a;
	const struct report_task *y = *(const struct report_task *const *)b;

	if (x->runq.p99 != y->runq.p99)
		return x->runq.p99 > y->runq.p99 ? -1 : 1;
	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	return x->id.start_ns < y->id.start_ns ? -1 : x->id.start_ns > y->id.start_ns;
}

static void task_lat_row(FILE *f, const struct report_task *t, int split)
{
	fputs("<tr>", f);
	td_u64(f, t->id.tid);
	td_str(f, t->id.comm, sizeof(t->id.comm), "m");
	td_u64(f, t->runq.count);
	td_dur(f, t->runq.p50);
	td_dur(f, t->runq.p99);
	td_dur(f, t->runq.max);
	td_part_p99(f, &t->delivery, split);
	td_part_p99(f, &t->queue, split);
	td_dur(f, t->runtime_ns);
	fprintf(f, "<td>%.1f%%</td>",
		t->runtime_ns ? 100.0 * t->remote_runtime_ns / t->runtime_ns : 0.0);
	if (t->home_node >= 0)
		fprintf(f, "<td>%d</td></tr>\n", t->home_node);
	else
		fputs("<td>-</td></tr>\n", f);
}

static int print_task_latency(const struct report *r, FILE *f, int top_n)
{
	const struct report_task **v;
	size_t i, n = 0, shown;

	v = malloc((r->nr_tasks + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].runq.count)
			v[n++] = &r->tasks[i];
	qsort(v, n, sizeof(*v), cmp_p99);
	shown = top_n > 0 && (size_t)top_n < n ? (size_t)top_n : n;
	section(f, "task-latency", "Tasks by p99 wait");
	fprintf(f, "<p>%zu tasks waited; %zu shown. Remote: run time away from the home node "
		   "(docs/latency.md).</p>\n", n, shown);
	fputs("<div class=\"scroll\"><table>\n", f);
	head_row(f, "tid -comm waits p50 p99 max delivery-p99 queueing-p99 runtime remote home");
	for (i = 0; i < shown; i++)
		task_lat_row(f, v[i], r->has_split);
	fputs("</table></div>\n", f);
	section_end(f);
	free(v);
	return 0;
}

static void print_outliers(const struct report *r, FILE *f, int top_n)
{
	size_t i, n = r->nr_outliers;

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	section(f, "worst", "Worst waits");
	fprintf(f, "<p>%llu waits over the --min-lat threshold; %zu shown, with the task that had "
		   "the CPU.", (unsigned long long)report__nr_outliers(r), n);
	if (report__nr_outliers(r) > r->nr_outliers)
		fprintf(f, " The file keeps the %zu longest: %llu are not in it.", r->nr_outliers,
			(unsigned long long)(report__nr_outliers(r) - r->nr_outliers));
	fputs("</p>\n", f);
	fputs("<div class=\"scroll\"><table>\n", f);
	head_row(f, r->delays.known ? "wait delivery cpu tid -comm ran-tid -ran-comm it-ran -held-by"
				    : "wait delivery cpu tid -comm ran-tid -ran-comm it-ran");
	for (i = 0; i < n; i++) {
		const struct sdr_rec_outlier *o = &r->outliers[i];

		fputs("<tr>", f);
		td_dur(f, o->wait_ns);
		if (r->has_split)
			td_dur(f, o->delivery_ns);
		else
			fputs("<td>-</td>", f);
		td_u64(f, o->hdr.cpu);
		td_u64(f, o->task.tid);
		td_str(f, o->task.comm, sizeof(o->task.comm), "m");
		td_u64(f, o->prev.tid);
		td_str(f, o->prev.comm, sizeof(o->prev.comm), "m");
		if (o->prev_ran_ns)
			td_dur(f, o->prev_ran_ns);
		else
			fputs("<td>?</td>", f);
		if (r->delays.known) {
			const struct report_wait_why *why = report__wait_why_near(
				r, o->task.tid, o->hdr.ts_ns, REPORT_OUTLIER_SLACK_NS);
			char buf[256] = "-";

			if (why)
				report__why_str(r, why, buf, sizeof(buf));
			td_str(f, buf, sizeof(buf), NULL);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);
	section_end(f);
}

static void print_losses(const struct report *r, FILE *f)
{
	int i;

	section(f, "losses", "Losses");
	fputs("<p>Every place an event can be dropped, zero or not.</p>\n<table>\n", f);
	head_row(f, "-counter count -meaning");
	for (i = 0; i < STAT_ALL_NR; i++) {
		if (stat_descs[i].kind != STAT_LOSS)
			continue;
		fprintf(f, "<tr><td class=\"s m\">%s</td>", stat_descs[i].name);
		td_u64(f, r->counters[i]);
		fputs("<td class=\"s\">", f);
		html__escape_str(f, stat_descs[i].desc);
		fputs("</td></tr>\n", f);
	}
	fputs("<tr><td class=\"s m\">unconsumed</td>", f);
	td_u64(f, r->unconsumed);
	fputs("<td class=\"s\">records the kernel submitted that never reached the file</td>"
	      "</tr>\n</table>\n", f);
	fprintf(f, "<p>Untraced: %llu waits ended by a switch the kernel never reported (away "
		   "from a task hidden from tracers); not measured, not a loss.</p>\n",
		(unsigned long long)r->counters[SDR_STAT_wait_end_unseen]);
	fprintf(f, "<p>Records: %llu in the file (%llu of unknown type). Migrations: the kernel "
		   "saw %llu, %llu passed the filter.</p>\n",
		(unsigned long long)r->nr_records, (unsigned long long)r->nr_unknown,
		(unsigned long long)r->counters[SDR_STAT_migrations_seen],
		(unsigned long long)r->counters[SDR_STAT_migrations]);
	section_end(f);
}

int report__print_html(const struct report *r, FILE *f, const char *path, int top_n)
{
	int err, err2;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"schedrift\">\n<title>schedrift report: ", f);
	html__escape(f, r->meta.hostname, sizeof(r->meta.hostname));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	print_header(r, f, path);
	report__print_slo_html(r, f);
	print_migrations(r, f);
	print_nodes(r, f);
	print_tasks(r, f, top_n);
	/* Out of memory leaves a section short, never the page unclosed. */
	err = print_latency(r, f);
	print_cgroups(r, f, top_n);
	err2 = print_task_latency(r, f, top_n);
	print_outliers(r, f, top_n > 0 && top_n < 10 ? top_n : 10);
	report__print_delays_html(r, f);
	print_losses(r, f);
	fputs("</body>\n</html>\n", f);
	return err ?: err2;
}
