// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "util.h"

const char *const locality_names[SDR_LOC_NR] = { "same_llc", "cross_llc", "cross_node" };
const char *const cause_names[SDR_CAUSE_NR] = { "wakeup", "balance", "numa",	"affinity",
						"exec",	  "fork",    "other" };

__u64 report__total(const __u64 *v, int n)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

__u64 report__task_total(const struct report_task *t)
{
	return report__total(t->migrations, SDR_LOC_NR);
}

static __u64 task_hash(__u32 tid, __u64 start)
{
	__u64 h = ((__u64)tid << 32 ^ start) * 0x9e3779b97f4a7c15ull;

	return h ^ h >> 29;
}

static int index_grow(struct report *r)
{
	size_t cap = r->index_cap ? r->index_cap * 2 : 1024, i, slot;
	__u32 *idx = malloc(cap * sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	memset(idx, 0xff, cap * sizeof(*idx));
	for (i = 0; i < r->nr_tasks; i++) {
		slot = task_hash(r->tasks[i].id.tid, r->tasks[i].id.start_ns) & (cap - 1);
		while (idx[slot] != UINT32_MAX)
			slot = (slot + 1) & (cap - 1);
		idx[slot] = i;
	}
	free(r->index);
	r->index = idx;
	r->index_cap = cap;
	return 0;
}

/* The row for this task, created on first sight. */
static struct report_task *task_get(struct report *r, const struct sdr_task_id *id)
{
	struct report_task *t;
	size_t slot;

	if (r->nr_tasks * 2 >= r->index_cap && index_grow(r))
		return NULL;
	slot = task_hash(id->tid, id->start_ns) & (r->index_cap - 1);
	while (r->index[slot] != UINT32_MAX) {
		t = &r->tasks[r->index[slot]];
		if (t->id.tid == id->tid && t->id.start_ns == id->start_ns) {
			memcpy(t->id.comm, id->comm, sizeof(t->id.comm));
			return t;
		}
		slot = (slot + 1) & (r->index_cap - 1);
	}
	if (r->nr_tasks == r->cap_tasks) {
		size_t cap = r->cap_tasks ? r->cap_tasks * 2 : 256;
		void *p = realloc(r->tasks, cap * sizeof(*r->tasks));

		if (!p)
			return NULL;
		r->tasks = p;
		r->cap_tasks = cap;
	}
	t = &r->tasks[r->nr_tasks];
	memset(t, 0, sizeof(*t));
	t->id = *id;
	r->index[slot] = r->nr_tasks++;
	return t;
}

static int add_migrate(struct report *r, const struct sdr_rec_migrate *m)
{
	struct report_task *t;
	unsigned int loc = m->locality < SDR_LOC_NR ? m->locality : SDR_LOC_NR - 1;
	unsigned int cause = m->cause < SDR_CAUSE_NR ? m->cause : SDR_CAUSE_OTHER;

	t = task_get(r, &m->task);
	if (!t)
		return -ENOMEM;
	t->migrations[loc]++;
	t->by_cause[cause]++;
	t->penalty_milli += m->penalty_milli;
	/* Without a trailer, the records are the only system totals there are. */
	if (!r->have_trailer) {
		r->migrations[loc][cause]++;
		r->penalty_milli += m->penalty_milli;
		if (m->from_node < r->nr_nodes && m->to_node < r->nr_nodes)
			r->node_matrix[m->from_node * r->nr_nodes + m->to_node].by_cause[cause]++;
	}
	return 0;
}

static int add_record(struct report *r, const struct sdr_rec_hdr *h)
{
	struct report_task *t;

	r->nr_records++;
	switch (h->type) {
	case SDR_REC_MIGRATE:
		if (h->size < sizeof(struct sdr_rec_migrate))
			break;
		return add_migrate(r, (const struct sdr_rec_migrate *)h);
	case SDR_REC_TASK_EXIT:
		if (h->size < sizeof(struct sdr_rec_task_exit))
			break;
		t = task_get(r, &((const struct sdr_rec_task_exit *)h)->task);
		if (!t)
			return -ENOMEM;
		t->exited = 1;
		return 0;
	default:
		break;
	}
	r->nr_unknown++;
	return 0;
}

static int cmp_task(const void *a, const void *b)
{
	const struct report_task *x = a, *y = b;

	if (x->penalty_milli != y->penalty_milli)
		return x->penalty_milli > y->penalty_milli ? -1 : 1;
	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	if (x->id.start_ns != y->id.start_ns)
		return x->id.start_ns < y->id.start_ns ? -1 : 1;
	return 0;
}

/*
 * The kernel's totals replace what the records add up to: they include
 * events whose records were lost. Counters are matched by name, so a file
 * from another build still reads; a counter the file lacks stays 0.
 */
static void take_trailer(struct report *r, const struct trace_trailer *tr)
{
	size_t cells = (size_t)r->nr_nodes * r->nr_nodes;
	__u64 submitted, landed;
	__u32 i;
	int k;

	r->trailer = *tr;
	r->trailer.node_matrix = NULL;
	r->have_trailer = 1;
	for (i = 0; i < tr->nr_counters; i++)
		for (k = 0; k < STAT_ALL_NR; k++)
			if (!strcmp(tr->counters[i].name, stat_descs[k].name))
				r->counters[k] = tr->counters[i].value;
	memcpy(r->migrations, tr->migrations, sizeof(r->migrations));
	r->penalty_milli = tr->penalty_milli;
	memset(r->node_matrix, 0, cells * sizeof(*r->node_matrix));
	if (tr->nr_nodes == (__u32)r->nr_nodes && tr->node_matrix)
		memcpy(r->node_matrix, tr->node_matrix, cells * sizeof(*r->node_matrix));
	r->duration_ns = tr->end_mono_ns > r->meta.start_mono_ns ?
				 tr->end_mono_ns - r->meta.start_mono_ns : 0;
	submitted = r->counters[SDR_STAT_records];
	landed = r->nr_records + r->counters[SDR_STAT_NR + USER_STAT_decode];
	r->unconsumed = submitted > landed ? submitted - landed : 0;
}

int report__load(struct report *r, const char *path, int salvage, struct trace_error *e)
{
	const struct sdr_rec_hdr *h;
	struct trace_reader *rd;
	int rc, err;

	memset(r, 0, sizeof(*r));
	rd = trace_reader__open(path, e);
	if (!rd)
		return EXIT_USAGE;
	r->meta = *trace_reader__meta(rd);
	r->nr_nodes = r->meta.topo.nr_nodes;
	r->node_matrix = calloc((size_t)r->nr_nodes * r->nr_nodes + 1, sizeof(*r->node_matrix));
	if (!r->node_matrix) {
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		trace_reader__close(rd);
		return EXIT_RUNTIME;
	}
	/*
	 * System totals come from the trailer, which is at the end; gather
	 * them from records as we go and replace them if a trailer arrives.
	 */
	while ((rc = trace_reader__next(rd, &h, e)) > 0) {
		err = add_record(r, h);
		if (err) {
			snprintf(e->msg, sizeof(e->msg), "out of memory after %llu records",
				 (unsigned long long)r->nr_records);
			trace_reader__close(rd);
			return EXIT_RUNTIME;
		}
	}
	if (rc == 0 && trace_reader__trailer(rd)) {
		take_trailer(r, trace_reader__trailer(rd));
	} else if (rc < 0) {
		if (!salvage) {
			trace_reader__close(rd);
			return EXIT_USAGE;
		}
		snprintf(r->error, sizeof(r->error), "at byte %llu: %s",
			 (unsigned long long)e->offset, e->msg);
	}
	trace_reader__close(rd);
	qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), cmp_task);
	free(r->index);
	r->index = NULL;
	return 0;
}

void report__free(struct report *r)
{
	free(r->tasks);
	free(r->index);
	free(r->node_matrix);
	memset(r, 0, sizeof(*r));
}

static const char report_usage[] =
	"usage: schedrift report FILE [--format text|json] [-o OUT] [--top N] [--salvage]\n"
	"\n"
	"Print what a trace file made by `schedrift record` holds.\n"
	"\n"
	"  -f, --format FORMAT  text (default) or json (schema schedrift.report/1)\n"
	"  -o, --output OUT     write to OUT instead of stdout\n"
	"  -n, --top N          show the N tasks with the highest penalty (text default 20,\n"
	"                       json default all; 0 = all)\n"
	"      --salvage        report what a damaged or cut-short file holds before the damage\n"
	"  -h, --help           this help\n";

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 'n' },
		{ "salvage", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *format = "text", *out_path = NULL, *path;
	struct trace_error e = {};
	struct report r;
	int opt, salvage = 0, json, rc;
	long top = -1;
	__u64 v;
	FILE *out = stdout;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:n:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': format = optarg; break;
		case 'o': out_path = optarg; break;
		case 'n':
			if (parse_u64(optarg, 0, 1000000000, &v)) {
				msg_err("report: bad --top '%s': want a count >= 0", optarg);
				return EXIT_USAGE;
			}
			top = v;
			break;
		case 's': salvage = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(report_usage, stdout); return 0;
		default: fputs(report_usage, stderr); return EXIT_USAGE;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		msg_err("report: unknown format '%s' (text, json)", format);
		return EXIT_USAGE;
	}
	json = !strcmp(format, "json");
	if (optind != argc - 1) {
		msg_err("report: want exactly one trace FILE (see schedrift report --help)");
		return EXIT_USAGE;
	}
	path = argv[optind];

	rc = report__load(&r, path, salvage, &e);
	if (rc) {
		msg_err("%s: %s (at byte %llu)", path, e.msg, (unsigned long long)e.offset);
		return rc;
	}
	if (r.error[0])
		msg_err("warning: %s: %s; reporting the records before it", path, r.error);
	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			msg_err("failed to create %s: %s", out_path, strerror(errno));
			report__free(&r);
			return EXIT_RUNTIME;
		}
	}
	if (json)
		report__print_json(&r, out, top < 0 ? 0 : top);
	else
		report__print_text(&r, out, path, top < 0 ? 20 : top);
	rc = 0;
	if (fflush(out) || ferror(out)) {
		msg_err("failed to write the report: %s", strerror(errno));
		rc = EXIT_RUNTIME;
	}
	if (out != stdout)
		fclose(out);
	report__free(&r);
	return rc;
}
