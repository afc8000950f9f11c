// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The text report: aligned tables that fit in 100 columns. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/render.h"
#include "lib/util.h"

static void print_header(const struct report *r, FILE *f, const char *path)
{
	time_t secs = r->meta.start_realtime_ns / 1000000000ull;
	const struct topology *t = &r->meta.topo;
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "schedrift report: %s\n", path);
	/* Said first, so no one reads the figures below without knowing they are short. */
	if (report__losses_total(r))
		fprintf(f, "  WARNING: %llu events lost; the figures below miss them (Losses, at "
			   "the end)\n", (unsigned long long)report__losses_total(r));
	fprintf(f, "  host %.64s, kernel %.64s, %u CPUs online\n", r->meta.hostname,
		r->meta.kernel_release, r->meta.nr_cpus_online);
	fprintf(f, "  captured %s for %.2f s by: %.200s\n", when, r->duration_ns / 1e9,
		r->meta.command);
	fprintf(f, "  topology: ");
	topology__describe(t, f); /* ends the line */
	if (!r->have_trailer)
		fprintf(f, "  INCOMPLETE FILE: %s\n  (system totals below are summed from the "
			   "records read)\n", r->error);
}

static void print_mig_row(FILE *f, const char *name, const __u64 *by_loc, __u64 penalty_milli)
{
	fprintf(f, "  %-10s %10llu %10llu %10llu %11llu %12.3f\n", name,
		(unsigned long long)report__total(by_loc, SDR_LOC_NR),
		(unsigned long long)by_loc[SDR_LOC_SAME_LLC],
		(unsigned long long)by_loc[SDR_LOC_CROSS_LLC],
		(unsigned long long)by_loc[SDR_LOC_CROSS_NODE],
		penalty_milli / (double)SDR_PENALTY_SCALE);
}

static void print_system(const struct report *r, FILE *f)
{
	__u64 all[SDR_LOC_NR] = {}, row[SDR_LOC_NR];
	int l, c;

	fprintf(f, "\nMigrations (system)\n");
	fprintf(f, "  %-10s %10s %10s %10s %11s %12s\n", "cause", "total", "same-llc", "cross-llc",
		"cross-node", "penalty");
	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++)
			all[l] += r->migrations[l][c];
	for (c = 0; c < SDR_CAUSE_NR; c++) {
		for (l = 0; l < SDR_LOC_NR; l++)
			row[l] = r->migrations[l][c];
		/* Penalty is kept per locality only; show it on the total row. */
		fprintf(f, "  %-10s %10llu %10llu %10llu %11llu\n", cause_names[c],
			(unsigned long long)report__total(row, SDR_LOC_NR),
			(unsigned long long)row[0], (unsigned long long)row[1],
			(unsigned long long)row[2]);
	}
	print_mig_row(f, "all", all, r->penalty_milli);
	fprintf(f, "  NUMA balancer: moves %llu, swaps %llu; stuck: no target %llu, "
		   "move refused %llu, swap refused %llu\n",
		(unsigned long long)r->counters[SDR_STAT_numa_move],
		(unsigned long long)r->counters[SDR_STAT_numa_swap],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_no_target],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_move_failed],
		(unsigned long long)r->counters[SDR_STAT_numa_stick_swap_failed]);
}

static void print_matrix(const struct report *r, FILE *f)
{
	int from, to, k;

	fprintf(f, "\nNode matrix: migrations from node (row) to node (column)\n");
	fprintf(f, "  %8s", "from\\to");
	for (to = 0; to < r->nr_nodes; to++)
		fprintf(f, " %10d", to);
	fputc('\n', f);
	for (from = 0; from < r->nr_nodes; from++) {
		fprintf(f, "  %8d", from);
		for (to = 0; to < r->nr_nodes; to++) {
			const struct sdr_node_cell *c = &r->node_matrix[from * r->nr_nodes + to];
			__u64 sum = 0;

			for (k = 0; k < SDR_CAUSE_NR; k++)
				sum += c->by_cause[k];
			fprintf(f, " %10llu", (unsigned long long)sum);
		}
		fputc('\n', f);
	}
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

/* comm can hold any byte; keep the table aligned and the terminal safe. */
static void print_comm(FILE *f, const char *comm)
{
	char buf[SDR_COMM_LEN];
	int i;

	for (i = 0; i < SDR_COMM_LEN - 1 && comm[i]; i++)
		buf[i] = comm[i] >= 0x20 && comm[i] < 0x7f ? comm[i] : '?';
	buf[i] = 0;
	fprintf(f, " %-15s", buf);
}

/* Tasks that migrated; the latency table below lists the rest too. */
static void print_tasks(const struct report *r, FILE *f, int top_n)
{
	size_t i, moved = 0, shown = 0;

	for (i = 0; i < r->nr_tasks; i++)
		moved += report__task_total(&r->tasks[i]) > 0;
	fprintf(f, "\nTasks that migrated: %zu of %zu; %zu shown, by penalty then tid "
		   "(* = exited)\n", moved, r->nr_tasks,
		top_n > 0 && (size_t)top_n < moved ? (size_t)top_n : moved);
	fprintf(f, "  %8s %8s %-15s %7s %9s %9s %10s %10s  %-8s\n", "tid", "tgid", "comm",
		"migr", "same-llc", "cross-llc", "cross-node", "penalty", "cause");
	for (i = 0; i < r->nr_tasks && (top_n <= 0 || shown < (size_t)top_n); i++) {
		const struct report_task *t = &r->tasks[i];

		if (!report__task_total(t))
			continue;
		shown++;
		fprintf(f, "  %8u %8u", t->id.tid, t->id.tgid);
		print_comm(f, t->id.comm);
		fprintf(f, " %7llu %9llu %9llu %10llu %10.3f  %-8s%s\n",
			(unsigned long long)report__task_total(t),
			(unsigned long long)t->migrations[SDR_LOC_SAME_LLC],
			(unsigned long long)t->migrations[SDR_LOC_CROSS_LLC],
			(unsigned long long)t->migrations[SDR_LOC_CROSS_NODE],
			t->penalty_milli / (double)SDR_PENALTY_SCALE, main_cause(t),
			t->exited ? " *" : "");
	}
}

#define LOSS_DESC_AT 32 /* "  %-18s %9llu  " */

/* A description that does not fit goes on at LOSS_DESC_AT, broken at spaces. */
static void print_wrapped(FILE *f, const char *s)
{
	const int width = 100 - LOSS_DESC_AT;
	int len = strlen(s), n;

	while (len > width) {
		for (n = width; n > 0 && s[n] != ' '; n--)
			;
		if (!n)
			n = width; /* one word longer than the column: cut it */
		fprintf(f, "%.*s\n%*s", n, s, LOSS_DESC_AT, "");
		s += n + (s[n] == ' ');
		len = strlen(s);
	}
	fprintf(f, "%s\n", s);
}

static void print_losses(const struct report *r, FILE *f)
{
	int i;

	fprintf(f, "\nLosses (every place an event can be dropped)\n");
	for (i = 0; i < STAT_ALL_NR; i++) {
		if (stat_descs[i].kind != STAT_LOSS)
			continue;
		fprintf(f, "  %-18s %9llu  ", stat_descs[i].name,
			(unsigned long long)r->counters[i]);
		print_wrapped(f, stat_descs[i].desc);
	}
	fprintf(f, "  %-18s %9llu  %s\n", "unconsumed", (unsigned long long)r->unconsumed,
		"records the kernel submitted that never reached the file");
	/* Not a loss: the kernel never reported the switch (docs/latency.md). */
	fprintf(f, "Untraced: %llu waits ended by a switch the kernel never reported (away from\n"
		   "  a task hidden from tracers): %llu timed from the scheduler's own stamp, %llu\n"
		   "  not measured; not a loss (docs/latency.md)\n",
		(unsigned long long)(r->counters[SDR_STAT_wait_end_unseen] +
				     r->counters[SDR_STAT_wait_end_recovered]),
		(unsigned long long)r->counters[SDR_STAT_wait_end_recovered],
		(unsigned long long)r->counters[SDR_STAT_wait_end_unseen]);
	fprintf(f, "\nRecords: %llu in the file (%llu of unknown type)\n"
		   "Migrations: the kernel saw %llu, %llu passed the filter\n",
		(unsigned long long)r->nr_records, (unsigned long long)r->nr_unknown,
		(unsigned long long)r->counters[SDR_STAT_migrations_seen],
		(unsigned long long)r->counters[SDR_STAT_migrations]);
}


static void print_lat_row(FILE *f, const char *name, const struct lat *l)
{
	char a[16], b[16], c[16], d[16], e[16];

	if (l->no_pct) { /* only count, mean and max known (task totals) */
		fprintf(f, "  %-14s %10llu %9s %9s %9s %9s %9s\n", name,
			(unsigned long long)l->count, "-", "-", "-", "-",
			fmt_duration(e, sizeof(e), l->max));
		return;
	}
	fprintf(f, "  %-14s %10llu %9s %9s %9s %9s %9s\n", name, (unsigned long long)l->count,
		fmt_duration(a, sizeof(a), l->p50), fmt_duration(b, sizeof(b), l->p90),
		fmt_duration(c, sizeof(c), l->p99), fmt_duration(d, sizeof(d), l->p999),
		fmt_duration(e, sizeof(e), l->max));
}

static void print_lat_header(FILE *f, const char *scope)
{
	fprintf(f, "  %-14s %10s %9s %9s %9s %9s %9s\n", scope, "waits", "p50", "p90", "p99",
		"p99.9", "max");
}

static void print_latency(const struct report *r, FILE *f)
{
	char name[32];
	int c, l;

	if (r->from_totals) {
		fprintf(f, "\nRun-queue latency: wakeup (or preemption) to running (from %llu "
			   "waits in the tasks' totals, within 1/16:\n  recorded with "
			   "--no-samples; parts: mean and max only; per CPU: unknown)\n",
			(unsigned long long)r->sys_runq.count);
		if (report__waits_untotalled(r))
			fprintf(f, "  %llu more waits the kernel counted are in no task's totals: "
				   "tasks that exited as the capture ended\n",
				(unsigned long long)report__waits_untotalled(r));
	} else
		fprintf(f, "\nRun-queue latency: wakeup (or preemption) to running (exact, "
			   "from %llu waits)\n", (unsigned long long)r->nr_waits);
	print_lat_header(f, "scope");
	print_lat_row(f, "system", &r->sys_runq);
	if (r->has_split) {
		print_lat_row(f, "  delivery", &r->sys_delivery);
		print_lat_row(f, "  queueing", &r->sys_queue);
	}
	for (c = 0; c < r->meta.topo.nr_cpus && !r->from_totals; c++) {
		if (r->meta.topo.cpu_node[c] < 0)
			continue;
		snprintf(name, sizeof(name), "cpu %d", c);
		print_lat_row(f, name, &r->cpu_runq[c]);
	}
	if (r->has_split)
		fprintf(f, "  delivery: wakeup to on a run queue; queueing: on a run queue to "
			   "running (docs/latency.md)\n");
	else
		fprintf(f, "  (no delivery/queueing split: the file is trace format version %u)\n",
			r->meta.version);
	fprintf(f, "\nLanding latency: the first wait after a migration, by where it went\n");
	print_lat_header(f, "locality");
	for (l = 0; l < SDR_LOC_NR; l++) {
		print_lat_row(f, locality_names[l], &r->landing[l]);
		if (!r->has_split || !r->landing[l].count)
			continue;
		print_lat_row(f, "  delivery", &r->landing_delivery[l]);
		print_lat_row(f, "  queueing", &r->landing_queue[l]);
	}
}

/* Long paths keep their informative end: "...e/foo.service". */
static void print_path(FILE *f, const char *path, int width)
{
	int len = strlen(path);

	if (len <= width)
		fprintf(f, "%-*s", width, path);
	else
		fprintf(f, "...%s", path + len - (width - 3));
}

static void print_cgroups(const struct report *r, FILE *f, int top_n)
{
	char a[16], b[16], c[16], label[600];
	size_t i, n = r->nr_cgroups;

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	fprintf(f, "\nRun-queue latency by cgroup: %zu cgroups; %zu shown, by p99\n", r->nr_cgroups,
		n);
	fprintf(f, "  %-44s %6s %9s %9s %9s %9s\n", "cgroup", "tasks", "waits", "p50", "p99",
		"max");
	for (i = 0; i < n; i++) {
		const struct report_cgroup *g = &r->cgroups[i];

		fputs("  ", f);
		print_path(f, report__cgroup_label(g, label, sizeof(label)), 44);
		fprintf(f, " %6llu %9llu %9s %9s %9s\n", (unsigned long long)g->nr_tasks,
			(unsigned long long)g->runq.count, fmt_duration(a, sizeof(a), g->runq.p50),
			fmt_duration(b, sizeof(b), g->runq.p99), fmt_duration(c, sizeof(c), g->runq.max));
	}
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

static void print_task_latency(const struct report *r, FILE *f, int top_n)
{
	const struct report_task **v;
	char a[16], b[16], c[16], d[16], e[16], g[16], home[12];
	size_t i, n = 0, shown;

	v = malloc((r->nr_tasks + 1) * sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].runq.count)
			v[n++] = &r->tasks[i];
	qsort(v, n, sizeof(*v), cmp_p99);
	shown = top_n > 0 && (size_t)top_n < n ? (size_t)top_n : n;
	fprintf(f, "\nTasks by p99 wait: %zu waited; %zu shown\n", n, shown);
	fprintf(f, "  dlv/que: p99 of the delivery and queueing parts; remote: run time away from "
		   "home\n");
	/* 99 columns: tid and the wait count are narrower than elsewhere to make room. */
	fprintf(f, "  %7s %-15s %6s %8s %8s %8s %8s %8s %8s %7s %4s\n", "tid", "comm", "waits",
		"p50", "p99", "max", "dlv-p99", "que-p99", "runtime", "remote", "home");
	for (i = 0; i < shown; i++) {
		const struct report_task *t = v[i];

		fprintf(f, "  %7u", t->id.tid);
		print_comm(f, t->id.comm);
		if (t->home_node >= 0)
			snprintf(home, sizeof(home), "%d", t->home_node);
		else
			snprintf(home, sizeof(home), "-");
		if (r->has_split) {
			fmt_duration(e, sizeof(e), t->delivery.p99);
			fmt_duration(g, sizeof(g), t->queue.p99);
		} else {
			snprintf(e, sizeof(e), "-");
			snprintf(g, sizeof(g), "-");
		}
		fprintf(f, " %6llu %8s %8s %8s %8s %8s %8s %6.1f%% %4s\n",
			(unsigned long long)t->runq.count, fmt_duration(a, sizeof(a), t->runq.p50),
			fmt_duration(b, sizeof(b), t->runq.p99), fmt_duration(c, sizeof(c), t->runq.max),
			e, g, fmt_duration(d, sizeof(d), t->runtime_ns),
			t->runtime_ns ? 100.0 * t->remote_runtime_ns / t->runtime_ns : 0.0, home);
	}
	free(v);
}

static void print_outliers(const struct report *r, FILE *f, int top_n)
{
	char a[16], b[16], c[16];
	size_t i, n = r->nr_outliers;

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	fprintf(f, "\nWorst waits (%llu over the --min-lat threshold; %zu shown), with the task "
		   "that had the CPU\n", (unsigned long long)report__nr_outliers(r), n);
	if (report__nr_outliers(r) > r->nr_outliers)
		fprintf(f, "  (the file keeps the %zu longest: %llu not in it)\n", r->nr_outliers,
			(unsigned long long)(report__nr_outliers(r) - r->nr_outliers));
	fprintf(f, "  %9s %9s %4s %8s %-15s   %8s %-15s %9s\n", "wait", "delivery", "cpu", "tid",
		"comm", "ran-tid", "ran-comm", "it ran");
	for (i = 0; i < n; i++) {
		const struct sdr_rec_outlier *o = &r->outliers[i];

		fprintf(f, "  %9s %9s %4u %8u", fmt_duration(a, sizeof(a), o->wait_ns),
			r->has_split ? fmt_duration(c, sizeof(c), o->delivery_ns) : "-", o->hdr.cpu,
			o->task.tid);
		print_comm(f, o->task.comm);
		fprintf(f, "   %8u", o->prev.tid);
		print_comm(f, o->prev.comm);
		fprintf(f, " %9s\n", o->prev_ran_ns ? fmt_duration(b, sizeof(b), o->prev_ran_ns) : "?");
		if (r->delays.known) {
			const struct report_wait_why *why = report__wait_why_near(
				r, o->task.tid, o->hdr.ts_ns, REPORT_OUTLIER_SLACK_NS);
			char buf[256];

			fprintf(f, "  %9s held by: %s\n", "",
				why ? report__why_str(r, why, buf, sizeof(buf)) : "(not in the switches)");
		}
	}
}

void report__print_text(const struct report *r, FILE *f, const char *path, int top_n)
{
	print_header(r, f, path);
	report__print_slo_text(r, f);
	print_system(r, f);
	print_matrix(r, f);
	print_tasks(r, f, top_n);
	print_latency(r, f);
	print_cgroups(r, f, top_n);
	print_task_latency(r, f, top_n);
	print_outliers(r, f, top_n > 0 && top_n < 10 ? top_n : 10);
	report__print_delays_text(r, f, top_n);
	print_losses(r, f);
}
