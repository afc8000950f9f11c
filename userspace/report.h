/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `schedrift report`: a trace file folded into one model (system totals,
 * node matrix, per-task rows in a fixed order), then rendered as text or
 * JSON. The model is built only from the file, and sorted by explicit keys,
 * so the same file always renders to the same bytes.
 */
#ifndef SCHEDRIFT_REPORT_H
#define SCHEDRIFT_REPORT_H

#include <stdio.h>
#include "schedrift.h"
#include "stats.h"
#include "trace.h"

struct report_task {
	struct sdr_task_id id; /* comm: the latest seen */
	__u64 migrations[SDR_LOC_NR];
	__u64 by_cause[SDR_CAUSE_NR];
	__u64 penalty_milli;
	int exited;
};

struct report {
	struct trace_meta meta;
	int have_trailer;
	struct trace_trailer trailer; /* valid when have_trailer; owns node_matrix */
	char error[320];              /* why reading stopped early (salvage), else "" */

	__u64 duration_ns;
	__u64 nr_records;  /* records read from the file */
	__u64 nr_unknown;  /* records of types this build does not know, skipped */

	/* System totals: the kernel's (trailer) when present, else from records. */
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
	int nr_nodes;
	struct sdr_node_cell *node_matrix; /* nr_nodes * nr_nodes, from * nr_nodes + to */

	/* Every counter from STAT table order, values from the trailer (0 if absent). */
	__u64 counters[STAT_ALL_NR];
	/* Records the kernel submitted that never reached the file. */
	__u64 unconsumed;

	struct report_task *tasks; /* sorted: penalty desc, tid asc, start asc */
	size_t nr_tasks, cap_tasks;
	__u32 *index; /* open-addressing hash over tasks while loading */
	size_t index_cap;
};

/*
 * Read the whole file into r. Returns 0; or EXIT_USAGE after filling
 * e->msg/offset when the file is unreadable, foreign, corrupt or truncated.
 * With salvage, a damaged file still yields what was read before the damage
 * (r->error says what stopped it) and returns 0 unless the header is bad.
 */
int report__load(struct report *r, const char *path, int salvage, struct trace_error *e);
void report__free(struct report *r);

__u64 report__total(const __u64 *v, int n);
__u64 report__task_total(const struct report_task *t);

void report__print_text(const struct report *r, FILE *f, const char *path, int top_n);
void report__print_json(const struct report *r, FILE *f, int top_n);

extern const char *const locality_names[SDR_LOC_NR];
extern const char *const cause_names[SDR_CAUSE_NR];

int cmd_report(int argc, char **argv);

#endif /* SCHEDRIFT_REPORT_H */
