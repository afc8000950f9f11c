// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The text report: aligned tables that fit in 100 columns. */
#include <string.h>
#include <time.h>
#include "report.h"

static void print_header(const struct report *r, FILE *f, const char *path)
{
	time_t secs = r->meta.start_realtime_ns / 1000000000ull;
	const struct topology *t = &r->meta.topo;
	char when[64] = "?";
	struct tm tm;

	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "schedrift report: %s\n", path);
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

static void print_tasks(const struct report *r, FILE *f, int top_n)
{
	size_t i, n = r->nr_tasks;

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	fprintf(f, "\nTasks: %zu seen; %zu shown, by penalty then tid\n", r->nr_tasks, n);
	fprintf(f, "  %8s %8s %-15s %7s %9s %9s %10s %10s  %-8s\n", "tid", "tgid", "comm",
		"migr", "same-llc", "cross-llc", "cross-node", "penalty", "cause");
	for (i = 0; i < n; i++) {
		const struct report_task *t = &r->tasks[i];

		fprintf(f, "  %8u %8u", t->id.tid, t->id.tgid);
		print_comm(f, t->id.comm);
		fprintf(f, " %7llu %9llu %9llu %10llu %10.3f  %-8s%s\n",
			(unsigned long long)report__task_total(t),
			(unsigned long long)t->migrations[SDR_LOC_SAME_LLC],
			(unsigned long long)t->migrations[SDR_LOC_CROSS_LLC],
			(unsigned long long)t->migrations[SDR_LOC_CROSS_NODE],
			t->penalty_milli / (double)SDR_PENALTY_SCALE, main_cause(t),
			t->exited ? " (exited)" : "");
	}
}

static void print_losses(const struct report *r, FILE *f)
{
	int i;

	fprintf(f, "\nLosses (every place an event can be dropped)\n");
	for (i = 0; i < STAT_ALL_NR; i++)
		if (stat_descs[i].kind == STAT_LOSS)
			fprintf(f, "  %-12s %10llu  %s\n", stat_descs[i].name,
				(unsigned long long)r->counters[i], stat_descs[i].desc);
	fprintf(f, "  %-12s %10llu  %s\n", "unconsumed", (unsigned long long)r->unconsumed,
		"records the kernel submitted that never reached the file");
	fprintf(f, "\nRecords: %llu in the file (%llu of unknown type); the kernel saw %llu "
		   "migrations, %llu passed the filter\n",
		(unsigned long long)r->nr_records, (unsigned long long)r->nr_unknown,
		(unsigned long long)r->counters[SDR_STAT_migrations_seen],
		(unsigned long long)r->counters[SDR_STAT_migrations]);
}

void report__print_text(const struct report *r, FILE *f, const char *path, int top_n)
{
	print_header(r, f, path);
	print_system(r, f);
	print_matrix(r, f);
	print_tasks(r, f, top_n);
	print_losses(r, f);
}
