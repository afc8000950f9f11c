// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus text exposition of the daemon's model (docs/metrics.md).
 *
 * Choices worth knowing:
 * - A family is announced (HELP, TYPE) just before its first series, so a
 *   family with nothing to show (no cgroups, no tasks) is left out whole
 *   instead of being an orphan header.
 * - The quantile families are summaries, not gauges: promtool's linter (and
 *   Prometheus convention) reserves the `quantile` label for summaries.
 *   Their quantiles cover the last interval; _sum and _count are cumulative,
 *   as a client library's summary would have them.
 * - Latencies go out as exact decimal seconds made from the integer
 *   nanoseconds, never through a double, so an `le` label is the same
 *   string on every host (docs/histograms.md).
 * - Series are ordered by explicit keys (enum order, numbers, label bytes),
 *   never by the order of the input arrays, and two inputs that would make
 *   the same label set are folded into one series, so the output has no
 *   duplicates whatever the daemon hands over.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/export_prom.h"
#include "lib/escape.h"
#include "report/top_tasks.h"
#include "lib/task_id.h"
#include "lib/util.h"
#include "engine/delay_class.h"

/* ---- label values ---- */

static const char *const prom_special_as[] = { "\\\\", "\\\"", "\\n" };

/* Backslash, quote and newline escaped; invalid UTF-8 as U+FFFD (one per bad byte). */
static const struct escaper prom_escaper = {
	.plain_lo = 0x00, .plain_hi = 0x7f,
	.special = "\\\"\n", .special_as = prom_special_as,
	.invalid = "\xef\xbf\xbd",
};

void prom__write_label_value(FILE *f, const char *str, size_t maxlen)
{
	if (str)
		escape__fwrite(&prom_escaper, f, str,
			       maxlen == SIZE_MAX ? strlen(str) : strnlen(str, maxlen));
}

/* The escaped form of s in a malloc'd string, or NULL when out of memory. */
static char *escape_dup(const char *s, size_t maxlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	prom__write_label_value(m, s, maxlen);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- numbers ---- */

/*
 * v / 10^digits as an exact decimal: "1.006632959" for (1006632959, 9). With
 * trim, trailing zeros of the fraction go and so does a bare point: "0.5",
 * "2". Never through a double, and never affected by the locale.
 */
static void fmt_decimal(char *buf, size_t len, __u64 v, int digits, bool trim)
{
	__u64 scale = 1;
	int i, end;

	for (i = 0; i < digits; i++)
		scale *= 10;
	end = snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(v / scale), digits,
		       (unsigned long long)(v % scale));
	if (!trim || end <= 0 || (size_t)end >= len)
		return;
	while (buf[end - 1] == '0')
		buf[--end] = '\0';
	if (buf[end - 1] == '.')
		buf[end - 1] = '\0';
}

/* ---- the writer: families, series, labels, values ---- */

struct pw {
	FILE *f;
	const char *name, *type, *help; /* the current family */
	bool announced;                 /* its HELP and TYPE are out */
	int nlabels;                    /* labels written on the current series */
	__u64 *cum;                     /* hist_prom_nr_bounds cumulative counts */
};

static void family(struct pw *w, const char *name, const char *type, const char *help)
{
	w->name = name;
	w->type = type;
	w->help = help;
	w->announced = false;
}

/* HELP text escapes only backslash and newline. */
static void write_help(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Starts a series of the current family; suffix is "_bucket", "_sum", ... or NULL. */
static void series(struct pw *w, const char *suffix)
{
	if (!w->announced) {
		fprintf(w->f, "# HELP %s ", w->name);
		write_help(w->f, w->help);
		fprintf(w->f, "\n# TYPE %s %s\n", w->name, w->type);
		w->announced = true;
	}
	fputs(w->name, w->f);
	if (suffix)
		fputs(suffix, w->f);
	w->nlabels = 0;
}

/* A label whose value is already escaped, or needs no escaping. */
static void label_raw(struct pw *w, const char *key, const char *value)
{
	fprintf(w->f, "%c%s=\"%s\"", w->nlabels++ ? ',' : '{', key, value);
}

static void label(struct pw *w, const char *key, const char *value, size_t maxlen)
{
	fprintf(w->f, "%c%s=\"", w->nlabels++ ? ',' : '{', key);
	prom__write_label_value(w->f, value, maxlen);
	fputc('"', w->f);
}

static void label_u64(struct pw *w, const char *key, __u64 v)
{
	fprintf(w->f, "%c%s=\"%llu\"", w->nlabels++ ? ',' : '{', key, (unsigned long long)v);
}

static void value_str(struct pw *w, const char *v)
{
	fprintf(w->f, "%s %s\n", w->nlabels ? "}" : "", v);
}

static void value_u64(struct pw *w, __u64 v)
{
	fprintf(w->f, "%s %llu\n", w->nlabels ? "}" : "", (unsigned long long)v);
}

/* Nanoseconds as seconds, exact. */
static void value_ns(struct pw *w, __u64 ns)
{
	char buf[32];

	fmt_decimal(buf, sizeof(buf), ns, 9, true);
	value_str(w, buf);
}

static void value_milli(struct pw *w, __u64 milli)
{
	char buf[32];

	fmt_decimal(buf, sizeof(buf), milli, 3, true);
	value_str(w, buf);
}

static void value_double(struct pw *w, double v)
{
	char buf[40];

	if (isnan(v))
		snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		snprintf(buf, sizeof(buf), "%s", v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(buf, sizeof(buf), "%.15g", v); /* 15 digits: decimals survive as typed */
	value_str(w, buf);
}

/* ---- histograms and summaries ---- */

/* One histogram series set; lkey/lval (escaped) is its one label, or NULL. */
/*
 * A pod cgroup's Kubernetes labels (docs/kubernetes.md): the names when
 * the runtime's state gave them, the ids from the path always.
 */
static void k8s_labels(struct pw *w, const struct k8s_ident *k)
{
	if (!k)
		return;
	if (k->pod[0]) {
		label(w, "namespace", k->namespace_, SIZE_MAX);
		label(w, "pod", k->pod, SIZE_MAX);
		label(w, "container", k->container, SIZE_MAX);
	}
	label(w, "pod_uid", k->pod_uid, SIZE_MAX);
	if (k->container_id[0])
		label(w, "container_id", k->container_id, SIZE_MAX);
}

/* One label (lkey NULL: none) and, for a pod's cgroup, its Kubernetes labels. */
static void hist_labels(struct pw *w, const char *lkey, const char *lval,
			const struct k8s_ident *k8s)
{
	if (lkey)
		label_raw(w, lkey, lval);
	k8s_labels(w, k8s);
}

static void hist_series(struct pw *w, const char *lkey, const char *lval,
			const struct k8s_ident *k8s, const struct hist *h)
{
	char le[32];
	__u64 total;
	size_t i;

	total = hist__fold(h, hist_prom_bounds_ns, hist_prom_nr_bounds, w->cum);
	for (i = 0; i < hist_prom_nr_bounds; i++) {
		series(w, "_bucket");
		hist_labels(w, lkey, lval, k8s);
		fmt_decimal(le, sizeof(le), hist_prom_bounds_ns[i], 9, false);
		label_raw(w, "le", le);
		value_u64(w, w->cum[i]);
	}
	series(w, "_bucket");
	hist_labels(w, lkey, lval, k8s);
	label_raw(w, "le", "+Inf");
	value_u64(w, total);
	/* The sum wraps modulo 2^64 ns (docs/histograms.md): a counter reset to Prometheus. */
	series(w, "_sum");
	hist_labels(w, lkey, lval, k8s);
	value_ns(w, h->sum);
	/* From the buckets, not h->count, so that _count always equals the +Inf bucket. */
	series(w, "_count");
	hist_labels(w, lkey, lval, k8s);
	value_u64(w, total);
}

static const char *const quantile_labels[] = { "0.5", "0.9", "0.99", "0.999", "1" };

/*
 * A summary from a latency of the last interval (NaN quantiles when it had
 * no waits, as client libraries do) and, when h is given, the cumulative
 * _sum and _count. cpu < 0: no cpu label.
 */
static void summary_series(struct pw *w, int cpu, const struct lat *l, const struct hist *h)
{
	const __u64 q[] = { l->p50, l->p90, l->p99, l->p999, l->max };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(q); i++) {
		series(w, NULL);
		if (cpu >= 0)
			label_u64(w, "cpu", cpu);
		label_raw(w, "quantile", quantile_labels[i]);
		if (l->count)
			value_ns(w, q[i]);
		else
			value_double(w, NAN);
	}
	if (!h)
		return;
	series(w, "_sum");
	if (cpu >= 0)
		label_u64(w, "cpu", cpu);
	value_ns(w, h->sum);
	series(w, "_count");
	if (cpu >= 0)
		label_u64(w, "cpu", cpu);
	value_u64(w, hist__fold(h, NULL, 0, NULL));
}

/* ---- families ---- */

static void write_build_info(struct pw *w, const struct prom_input *in)
{
	family(w, "schedrift_build_info", "gauge",
	       "Always 1; labels name the schedrift version and the kernel it runs on.");
	series(w, NULL);
	label(w, "version", in->version && *in->version ? in->version : "unknown", SIZE_MAX);
	label(w, "kernel", in->kernel && *in->kernel ? in->kernel : "unknown", SIZE_MAX);
	value_u64(w, 1);
}

static void write_migrations(struct pw *w, const struct report *r)
{
	int l, c, from, to;

	family(w, "schedrift_migrations_total", "counter",
	       "Task migrations by locality (same_llc, cross_llc, cross_node) and inferred cause.");
	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++) {
			series(w, NULL);
			label_raw(w, "locality", locality_names[l]);
			label_raw(w, "cause", cause_names[c]);
			value_u64(w, r->migrations[l][c]);
		}

	family(w, "schedrift_migration_penalty_total", "counter",
	       "Sum of the modelled penalty of every migration: distance(from,to) / "
	       "distance(from,from) - 1 (0 within a node, 1.1 for SLIT 21).");
	series(w, NULL);
	value_milli(w, r->penalty_milli);

	if (!r->node_matrix)
		return;
	family(w, "schedrift_node_migrations_total", "counter",
	       "Task migrations from one NUMA node to another (or within one), all causes.");
	for (from = 0; from < r->nr_nodes; from++)
		for (to = 0; to < r->nr_nodes; to++) {
			const struct sdr_node_cell *cell = &r->node_matrix[from * r->nr_nodes + to];
			__u64 sum = 0;

			for (c = 0; c < SDR_CAUSE_NR; c++)
				sum += cell->by_cause[c];
			series(w, NULL);
			label_u64(w, "from_node", from);
			label_u64(w, "to_node", to);
			value_u64(w, sum);
		}
}

static void write_runq(struct pw *w, const struct prom_input *in)
{
	const struct report *r = in->r;
	const struct topology *t = &r->meta.topo;
	int c;

	if (in->sys_hist) {
		family(w, "schedrift_runqueue_latency_seconds", "histogram",
		       "Run-queue latency (runnable to running) of every wait, in seconds.");
		hist_series(w, NULL, NULL, NULL, in->sys_hist);
	}

	family(w, "schedrift_runqueue_latency_quantile_seconds", "summary",
	       "Run-queue latency quantiles over the last interval (NaN if it had no waits), "
	       "within schedrift_runqueue_latency_rel_error; _sum and _count are cumulative.");
	summary_series(w, -1, &r->sys_runq, in->sys_hist);

	family(w, "schedrift_runqueue_latency_rel_error", "gauge",
	       "Bound on the relative error of the run-queue latency quantiles (0 = exact).");
	series(w, NULL);
	value_double(w, r->sys_runq.rel_error);

	/* The two parts of every wait above, in the same buckets (docs/latency.md). */
	{
		const struct {
			const char *hist_name, *hist_help, *q_name, *q_help;
			const struct hist *hist;
			const struct lat *lat;
		} parts[] = {
			{ "schedrift_runqueue_delivery_seconds",
			  "Delivery part of every run-queue wait: from the wakeup (sched_waking) to "
			  "the task being on a run queue (sched_wakeup); 0 for preemption and new "
			  "tasks. In seconds.",
			  "schedrift_runqueue_delivery_quantile_seconds",
			  "Delivery part quantiles over the last interval (NaN if it had no waits), "
			  "within schedrift_runqueue_latency_rel_error; _sum and _count are "
			  "cumulative.",
			  in->sys_delivery_hist, &r->sys_delivery },
			{ "schedrift_runqueue_queue_seconds",
			  "Queueing part of every run-queue wait: from being on a run queue to "
			  "running. In seconds.",
			  "schedrift_runqueue_queue_quantile_seconds",
			  "Queueing part quantiles over the last interval (NaN if it had no waits), "
			  "within schedrift_runqueue_latency_rel_error; _sum and _count are "
			  "cumulative.",
			  in->sys_queue_hist, &r->sys_queue },
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(parts); i++) {
			if (parts[i].hist) {
				family(w, parts[i].hist_name, "histogram", parts[i].hist_help);
				hist_series(w, NULL, NULL, NULL, parts[i].hist);
			}
			if (r->has_split) {
				family(w, parts[i].q_name, "summary", parts[i].q_help);
				summary_series(w, -1, parts[i].lat, parts[i].hist);
			}
		}
	}

	if (!r->cpu_runq)
		return;
	family(w, "schedrift_cpu_runqueue_latency_quantile_seconds", "summary",
	       "Run-queue latency quantiles of the waits that ended on each CPU, over the last "
	       "interval; _sum and _count are cumulative.");
	for (c = 0; c < t->nr_cpus && c < SDR_MAX_CPUS; c++) {
		if (t->cpu_node[c] < 0)
			continue;
		summary_series(w, c, &r->cpu_runq[c], in->cpu_hists ? &in->cpu_hists[c] : NULL);
	}
}

static void write_landing(struct pw *w, const struct prom_input *in)
{
	int l;

	if (in->landing_hist) {
		family(w, "schedrift_landing_latency_seconds", "histogram",
		       "Landing latency: from a migration to the task's first run on its new CPU, "
		       "by the migration's locality, in seconds.");
		for (l = 0; l < SDR_LOC_NR; l++)
			hist_series(w, "locality", locality_names[l], NULL, &in->landing_hist[l]);
	}
	if (in->landing_delivery_hist) {
		family(w, "schedrift_landing_delivery_seconds", "histogram",
		       "Delivery part of the landing latency (wakeup to on the new CPU's run "
		       "queue), by the migration's locality, in seconds.");
		for (l = 0; l < SDR_LOC_NR; l++)
			hist_series(w, "locality", locality_names[l], NULL,
				    &in->landing_delivery_hist[l]);
	}
	if (in->landing_queue_hist) {
		family(w, "schedrift_landing_queue_seconds", "histogram",
		       "Queueing part of the landing latency (on the run queue to running), by the "
		       "migration's locality, in seconds.");
		for (l = 0; l < SDR_LOC_NR; l++)
			hist_series(w, "locality", locality_names[l], NULL, &in->landing_queue_hist[l]);
	}
	if (in->landing_premig_hist) {
		family(w, "schedrift_landing_premig_seconds", "histogram",
		       "The wait before a migration: the part of a landing wait queued on the CPU "
		       "the task then left (load balancing, NUMA balancing, affinity), for the "
		       "landings that had one, by the migration's locality, in seconds.");
		for (l = 0; l < SDR_LOC_NR; l++)
			hist_series(w, "locality", locality_names[l], NULL,
				    &in->landing_premig_hist[l]);
	}
}

struct cg_row {
	char *label; /* escaped */
	size_t idx;  /* into r->cgroups and in->cgroup_hists */
};

static int cmp_cg_row(const void *a, const void *b)
{
	const struct cg_row *x = a, *y = b;
	int d = strcmp(x->label, y->label);

	if (d)
		return d;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int write_cgroups(struct pw *w, const struct prom_input *in)
{
	const struct report *r = in->r;
	struct cg_row *rows = NULL;
	struct hist *merged = NULL;
	size_t i, j, n = 0;
	int err = 0;

	if (!in->cgroup_hists || !r->nr_cgroups)
		return 0;
	rows = calloc(r->nr_cgroups, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (n = 0; n < r->nr_cgroups; n++) {
		const struct report_cgroup *g = &r->cgroups[n];
		char id[32];

		/* An empty value would mean "no label": name such a cgroup by id too. */
		if (g->path && *g->path) {
			rows[n].label = escape_dup(g->path, SIZE_MAX);
		} else {
			snprintf(id, sizeof(id), "id:%llu", (unsigned long long)g->id);
			rows[n].label = strdup(id);
		}
		rows[n].idx = n;
		if (!rows[n].label) {
			err = -ENOMEM;
			goto out;
		}
	}
	qsort(rows, n, sizeof(*rows), cmp_cg_row);

	family(w, "schedrift_cgroup_runqueue_latency_seconds", "histogram",
	       "Run-queue latency of the waits of tasks in each cgroup v2 (by path; id:N when "
	       "the path is unknown), in seconds.");
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(rows[j].label, rows[i].label); j++)
			;
		if (j == i + 1) {
			hist_series(w, "cgroup", rows[i].label, r->cgroups[rows[i].idx].k8s,
				    &in->cgroup_hists[rows[i].idx]);
			continue;
		}
		/* One path, several ids (a cgroup removed and made again): one series. */
		if (!merged && !(merged = malloc(sizeof(*merged)))) {
			err = -ENOMEM;
			goto out;
		}
		hist__init(merged);
		for (; i < j; i++)
			hist__merge(merged, &in->cgroup_hists[rows[i].idx]);
		hist_series(w, "cgroup", rows[j - 1].label, r->cgroups[rows[j - 1].idx].k8s, merged);
	}
out:
	for (i = 0; i < n; i++)
		free(rows[i].label);
	free(rows);
	free(merged);
	return err;
}

/* ---- noisy neighbours: who delayed whom by cgroup (issue 24) ---- */

struct nb_cell {
	char *label; /* escaped */
	__u64 ns;
};

struct nb_row {
	char *label; /* escaped */
	const struct report_delayed *v;
	const struct k8s_ident *k8s;
	struct nb_cell *cells; /* the named culprits and other, by label, one per label */
	size_t nr_cells;
};

static int cmp_nb_row(const void *a, const void *b)
{
	const struct nb_row *x = a, *y = b;
	int d = strcmp(x->label, y->label);

	if (d)
		return d;
	return x->v->key < y->v->key ? -1 : x->v->key > y->v->key;
}

static int cmp_nb_cell(const void *a, const void *b)
{
	return strcmp(((const struct nb_cell *)a)->label, ((const struct nb_cell *)b)->label);
}

/* A cgroup by path, id:N when the path is unknown (as the cgroup histograms name it). */
static char *cg_label(const struct prom_input *in, __u64 id)
{
	const struct report_cgroup *g = report__cgroup_by_id(in->r, id);
	const char *path = g ? g->path : NULL;
	char buf[32];

	if (!path && in->cgroup_path)
		path = in->cgroup_path(in->cgroup_path_ctx, id);
	if (path && *path)
		return escape_dup(path, SIZE_MAX);
	snprintf(buf, sizeof(buf), "id:%llu", (unsigned long long)id);
	return strdup(buf);
}

static char *culprit_label(const struct prom_input *in, __u64 key)
{
	if (key == DELAYS_IDLE)
		return strdup("idle");
	if (key == DELAYS_UNKNOWN)
		return strdup("unknown");
	if (key == DELAYS_OTHER)
		return strdup("other");
	return cg_label(in, key);
}

/* The named culprits and "other" (always), sorted by label; equal labels (one path, two ids) added. */
static int nb_cells(const struct prom_input *in, struct nb_row *row)
{
	const struct report_delayed *v = row->v;
	size_t i, n = 0;

	row->cells = calloc(v->nr_culprits + 1, sizeof(*row->cells));
	if (!row->cells)
		return -ENOMEM;
	for (i = 0; i <= v->nr_culprits; i++) {
		const struct delays_cell *c = i < v->nr_culprits ? &v->culprits[i] : NULL;

		row->cells[n].label = culprit_label(in, c ? c->culprit : DELAYS_OTHER);
		row->cells[n].ns = c ? c->ns : v->other.ns;
		if (!row->cells[n].label) {
			row->nr_cells = n; /* freed by the caller */
			return -ENOMEM;
		}
		n++;
	}
	qsort(row->cells, n, sizeof(*row->cells), cmp_nb_cell);
	row->nr_cells = 0;
	for (i = 0; i < n; i++) {
		struct nb_cell *last = row->nr_cells ? &row->cells[row->nr_cells - 1] : NULL;

		if (last && !strcmp(last->label, row->cells[i].label)) {
			last->ns += row->cells[i].ns;
			free(row->cells[i].label);
			continue;
		}
		row->cells[row->nr_cells++] = row->cells[i];
	}
	return 0;
}

static void write_nb_counts(struct pw *w, const struct prom_input *in)
{
	static const struct neighbours_counts none;
	const struct neighbours_counts *c = in->neighbours ? in->neighbours : &none;

	family(w, "schedrift_cgroup_delay_omitted", "gauge",
	       "Noisy neighbours left out of the series now: culprit cgroups summed into "
	       "culprit=\"other\", and victim cgroups without cgroup series.");
	series(w, NULL);
	label_raw(w, "reason", "culprits_in_other");
	value_u64(w, c->culprits_in_other);
	series(w, NULL);
	label_raw(w, "reason", "victims_without_series");
	value_u64(w, c->victims_without_series);
	family(w, "schedrift_cgroup_delay_refused_total", "counter",
	       "Additions the noisy-neighbour tables refused (their caps, or no memory); the "
	       "time of a refused pair stays in its victim's total.");
	series(w, NULL);
	label_raw(w, "reason", "pairs_full");
	value_u64(w, c->pairs_full);
	series(w, NULL);
	label_raw(w, "reason", "victims_full");
	value_u64(w, c->victims_full);
	series(w, NULL);
	label_raw(w, "reason", "no_memory");
	value_u64(w, c->no_memory);
	family(w, "schedrift_cgroup_delay_stream_gaps_total", "counter",
	       "Switches the noisy-neighbour attribution could not chain to the previous one of "
	       "their CPU (a switch not seen): what held the CPU then is counted as unknown.");
	series(w, NULL);
	value_u64(w, c->stream_gaps);
	family(w, "schedrift_cgroup_delay_memory_bytes", "gauge",
	       "Memory the noisy-neighbour attribution and its tables hold.");
	series(w, NULL);
	value_u64(w, c->bytes);
}

static int write_neighbours(struct pw *w, const struct prom_input *in)
{
	const struct report_delays *d = &in->r->delays;
	struct nb_row *rows;
	size_t i, k, n = d->nr_groups;
	int err = 0, c;

	if (!n) {
		write_nb_counts(w, in);
		return 0;
	}
	rows = calloc(n, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const struct report_cgroup *g = report__cgroup_by_id(in->r, d->groups[i].key);

		rows[i].v = &d->groups[i];
		rows[i].k8s = g ? g->k8s : NULL;
		rows[i].label = cg_label(in, d->groups[i].key);
		err = rows[i].label ? nb_cells(in, &rows[i]) : -ENOMEM;
	}
	if (err)
		goto out;
	qsort(rows, n, sizeof(*rows), cmp_nb_row);
	/*
	 * Two victim ids with one path (a cgroup removed and made again) would
	 * make equal series: the later one is left out, counted as without series.
	 */
	family(w, "schedrift_cgroup_delay_seconds_total", "counter",
	       "Run-queue wait of the tasks of each cgroup (victim) spent while a task of another "
	       "cgroup, or of its own (culprit), held the CPU; the top culprits by time, the rest "
	       "in culprit=\"other\", and idle and unknown time.");
	for (i = 0; i < n; i++) {
		if (i && !strcmp(rows[i].label, rows[i - 1].label))
			continue;
		for (k = 0; k < rows[i].nr_cells; k++) {
			series(w, NULL);
			label_raw(w, "cgroup", rows[i].label);
			k8s_labels(w, rows[i].k8s);
			label_raw(w, "culprit", rows[i].cells[k].label);
			value_ns(w, rows[i].cells[k].ns);
		}
	}
	family(w, "schedrift_cgroup_delay_class_seconds_total", "counter",
	       "Run-queue wait of the tasks of each cgroup by what held the CPU: same_cgroup, "
	       "another_cgroup, system (kernel threads, system services), idle, unknown.");
	for (i = 0; i < n; i++) {
		if (i && !strcmp(rows[i].label, rows[i - 1].label))
			continue;
		for (c = 0; c < DELAY_CLASS_NR; c++) {
			series(w, NULL);
			label_raw(w, "cgroup", rows[i].label);
			k8s_labels(w, rows[i].k8s);
			label_raw(w, "class", delay_class__key(c));
			value_ns(w, rows[i].v->class_ns[c]);
		}
	}
	write_nb_counts(w, in);
out:
	for (i = 0; i < n; i++) {
		for (k = 0; k < rows[i].nr_cells; k++)
			free(rows[i].cells[k].label);
		free(rows[i].cells);
		free(rows[i].label);
	}
	free(rows);
	return err;
}

/* ---- tasks ---- */

struct task_row {
	const struct report_task *t;
	char *comm; /* escaped */
};

/* Output order: the labels (tid, tgid, comm), then the start time. */
static int cmp_task_row(const void *a, const void *b)
{
	const struct task_row *x = a, *y = b;
	int d;

	if (x->t->id.tid != y->t->id.tid)
		return x->t->id.tid < y->t->id.tid ? -1 : 1;
	if (x->t->id.tgid != y->t->id.tgid)
		return x->t->id.tgid < y->t->id.tgid ? -1 : 1;
	d = strcmp(x->comm, y->comm);
	if (d)
		return d;
	return task_id__cmp(&x->t->id, &y->t->id);
}

static bool same_labels(const struct task_row *x, const struct task_row *y)
{
	return x->t->id.tid == y->t->id.tid && x->t->id.tgid == y->t->id.tgid &&
	       !strcmp(x->comm, y->comm);
}

/*
 * The top_n tasks by penalty and the top_n by p99 wait (a task with none of
 * either is no one's top), in output order, one per label set: a tid reused
 * by a task of the same process and name keeps only the newest incarnation.
 */
static int select_tasks(const struct report *r, int top_n, struct task_row **out, size_t *nout)
{
	struct task_row *rows = NULL;
	size_t i, n = r->nr_tasks, k = 0;
	bool *pick = NULL;
	int err = -ENOMEM;

	*out = NULL;
	*nout = 0;
	if (!n || top_n <= 0)
		return 0;
	pick = calloc(n, sizeof(*pick));
	if (!pick || report__pick_top(r, top_n, pick) < 0)
		goto out;

	rows = calloc(n, sizeof(*rows)); /* at most 2 * top_n of them are picked, and at most n */
	if (!rows)
		goto out;
	for (i = 0; i < n; i++) {
		if (!pick[i])
			continue;
		rows[k].t = &r->tasks[i];
		rows[k].comm = escape_dup(r->tasks[i].id.comm, sizeof(r->tasks[i].id.comm));
		if (!rows[k++].comm)
			goto out;
	}
	qsort(rows, k, sizeof(*rows), cmp_task_row);
	/* Sorted by start time within one label set: keep the last of each run. */
	n = k;
	for (i = 0, k = 0; i < n; i++) {
		if (i + 1 < n && same_labels(&rows[i], &rows[i + 1])) {
			free(rows[i].comm);
			continue;
		}
		rows[k++] = rows[i];
	}
	*out = rows;
	*nout = k;
	rows = NULL;
	err = 0;
out:
	if (rows)
		for (i = 0; i < k; i++)
			free(rows[i].comm);
	free(rows);
	free(pick);
	return err;
}

static void task_labels(struct pw *w, const struct task_row *row)
{
	series(w, NULL);
	label_u64(w, "tid", row->t->id.tid);
	label_u64(w, "tgid", row->t->id.tgid);
	label_raw(w, "comm", row->comm);
}

/* A top task's wait before a migration: its count, sum and max. */
enum premig_what { PREMIG_WAITS, PREMIG_SUM, PREMIG_MAX };
static const struct premig_family {
	const char *name, *type, *help;
	enum premig_what what;
} premig_families[] = {
	{ "schedrift_task_premig_waits_total", "counter",
	  "Waits of a top task with a part queued on CPUs it then left (moved while queued: "
	  "load balancing, NUMA balancing, affinity).", PREMIG_WAITS },
	{ "schedrift_task_premig_seconds_total", "counter",
	  "The wait before a migration of a top task: the parts of its waits queued on CPUs it "
	  "then left, in seconds.", PREMIG_SUM },
	{ "schedrift_task_premig_max_seconds", "gauge",
	  "Longest wait before a migration of a top task, in seconds.", PREMIG_MAX },
};

static int write_tasks(struct pw *w, const struct prom_input *in)
{
	struct task_row *rows;
	size_t i, k, n;
	int err, l;

	err = select_tasks(in->r, in->top_n, &rows, &n);
	if (err || !n)
		return err;

	family(w, "schedrift_task_migrations_total", "counter",
	       "Migrations of a top task, by locality.");
	for (i = 0; i < n; i++)
		for (l = 0; l < SDR_LOC_NR; l++) {
			task_labels(w, &rows[i]);
			label_raw(w, "locality", locality_names[l]);
			value_u64(w, rows[i].t->migrations[l]);
		}

	family(w, "schedrift_task_penalty", "gauge",
	       "Modelled migration penalty accumulated by a top task.");
	for (i = 0; i < n; i++) {
		task_labels(w, &rows[i]);
		value_milli(w, rows[i].t->penalty_milli);
	}

	family(w, "schedrift_task_runqueue_latency_p99_seconds", "gauge",
	       "99th percentile run-queue latency of a top task, in seconds.");
	for (i = 0; i < n; i++) {
		task_labels(w, &rows[i]);
		value_ns(w, rows[i].t->runq.p99);
	}

	family(w, "schedrift_task_runqueue_latency_max_seconds", "gauge",
	       "Longest run-queue wait of a top task, in seconds.");
	for (i = 0; i < n; i++) {
		task_labels(w, &rows[i]);
		value_ns(w, rows[i].t->runq.max);
	}

	/* The wait before a migration (issue 24): count, sum and max, as the engine keeps them. */
	for (k = 0; k < sizeof(premig_families) / sizeof(premig_families[0]); k++) {
		const struct premig_family *f = &premig_families[k];

		family(w, f->name, f->type, f->help);
		for (i = 0; i < n; i++) {
			const struct report_task *t = rows[i].t;

			task_labels(w, &rows[i]);
			if (f->what == PREMIG_WAITS)
				value_u64(w, t->premig_waits);
			else if (f->what == PREMIG_SUM)
				value_ns(w, t->premig_sum_ns);
			else
				value_ns(w, t->premig_max_ns);
		}
	}

	family(w, "schedrift_task_runtime_seconds_total", "counter",
	       "CPU time of a top task, in seconds.");
	for (i = 0; i < n; i++) {
		task_labels(w, &rows[i]);
		value_ns(w, rows[i].t->runtime_ns);
	}

	family(w, "schedrift_task_remote_runtime_seconds_total", "counter",
	       "CPU time a top task ran away from its home node, in seconds.");
	for (i = 0; i < n; i++) {
		task_labels(w, &rows[i]);
		value_ns(w, rows[i].t->remote_runtime_ns);
	}

	family(w, "schedrift_task_home_node", "gauge",
	       "Home NUMA node of a top task (NUMA balancing's preferred node, else where it "
	       "ran longest); absent when unknown.");
	for (i = 0; i < n; i++) {
		if (rows[i].t->home_node < 0)
			continue;
		task_labels(w, &rows[i]);
		value_u64(w, rows[i].t->home_node);
	}

	for (i = 0; i < n; i++)
		free(rows[i].comm);
	free(rows);
	return 0;
}

/* ---- counters and the daemon itself ---- */

static void write_counters(struct pw *w, const struct prom_input *in)
{
	const struct report *r = in->r;
	int i;

	family(w, "schedrift_events_lost_total", "counter",
	       "Events dropped, by the place that dropped them; every stage is always present.");
	for (i = 0; i < STAT_ALL_NR; i++) {
		if (stat_descs[i].kind != STAT_LOSS)
			continue;
		series(w, NULL);
		label_raw(w, "stage", stat_descs[i].name);
		value_u64(w, r->counters[i]);
	}

	/* A backlog that goes up and down: a gauge, not a stage of the counter above. */
	family(w, "schedrift_ringbuf_unread_records", "gauge",
	       "Records the kernel submitted that the daemon had not read when it exported (a "
	       "backlog; at the final export, records left in the ring).");
	series(w, NULL);
	value_u64(w, r->unconsumed);

	family(w, "schedrift_events_total", "counter",
	       "Events counted by the BPF programs and the ingest thread, by kind.");
	for (i = 0; i < STAT_ALL_NR; i++) {
		if (stat_descs[i].kind != STAT_COUNT)
			continue;
		series(w, NULL);
		label_raw(w, "kind", stat_descs[i].name);
		value_u64(w, r->counters[i]);
	}

	if (r->generation) {
		family(w, "schedrift_generation", "gauge",
		       "The daemon's drain generation (interval number) this exposition belongs to.");
		series(w, NULL);
		value_u64(w, r->generation);
	}

	family(w, "schedrift_tasks_tracked", "gauge", "Tasks in the daemon's task table.");
	series(w, NULL);
	value_u64(w, in->tasks_tracked);

	family(w, "schedrift_tasktable_evictions_total", "counter",
	       "Exited tasks evicted from a full task table before their grace ended.");
	series(w, NULL);
	value_u64(w, in->evictions);

	family(w, "schedrift_daemon_file_write_failures_total", "counter",
	       "Exports whose metric files could not be written (the log says why).");
	series(w, NULL);
	value_u64(w, in->file_failures);

	family(w, "schedrift_daemon_export_gap_seconds", "gauge",
	       "Seconds from the previous export to this one: the interval as the daemon kept it.");
	series(w, NULL);
	value_double(w, in->export_gap_s);

	family(w, "schedrift_daemon_export_gap_max_seconds", "gauge",
	       "The longest time between two exports since the daemon started, in seconds.");
	series(w, NULL);
	value_double(w, in->export_gap_max_s);

	family(w, "schedrift_daemon_late_exports_total", "counter",
	       "Exports that came more than twice the interval after the previous one (starved "
	       "of CPU, or a slow disk).");
	series(w, NULL);
	value_u64(w, in->late_exports);

	family(w, "schedrift_daemon_cpu_seconds_total", "counter",
	       "CPU time (user + system) used by the schedrift daemon, in seconds.");
	series(w, NULL);
	value_double(w, in->cpu_seconds);

	family(w, "schedrift_daemon_resident_memory_bytes", "gauge",
	       "Resident memory of the schedrift daemon, in bytes.");
	series(w, NULL);
	value_u64(w, in->rss_bytes);
}

/* ---- SLO rules ---- */

static int cmp_rule(const void *a, const void *b)
{
	const struct slo_rule *x = *(const struct slo_rule *const *)a;
	const struct slo_rule *y = *(const struct slo_rule *const *)b;

	return strcmp(x->name, y->name);
}

/* Every family has one series per rule, by rule name. */
static int write_slo(struct pw *w, const struct prom_input *in)
{
	static const struct {
		const char *name, *type, *help;
	} fams[] = {
		{ "schedrift_slo_objective_seconds", "gauge",
		  "The SLO rule's objective: its quantile must stay below this, in seconds." },
		{ "schedrift_slo_observed_seconds", "gauge",
		  "The rule's quantile over the last interval (the worst of its scope), in seconds; "
		  "NaN when the interval had no waits in scope." },
		{ "schedrift_slo_breach", "gauge",
		  "1 when the last interval breached the rule's objective, else 0." },
		{ "schedrift_slo_breached_intervals_total", "counter",
		  "Intervals in which the rule was breached." },
		{ "schedrift_slo_breaches_total", "counter",
		  "Times the rule went from met to breached." },
		{ "schedrift_slo_captures_total", "counter",
		  "Flight recorder captures written for the rule (DIR/captures/)." },
		{ "schedrift_slo_captures_skipped_total", "counter",
		  "Breaches not captured: rate limit, no metrics directory, no flight recorder, or a "
		  "write error (the log says which)." },
	};
	const struct slo_rule **v;
	size_t f;
	int i;

	if (!in->slo || in->nr_slo <= 0)
		return 0;
	v = calloc(in->nr_slo, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < in->nr_slo; i++)
		v[i] = &in->slo[i];
	qsort(v, in->nr_slo, sizeof(*v), cmp_rule);
	for (f = 0; f < ARRAY_SIZE(fams); f++) {
		family(w, fams[f].name, fams[f].type, fams[f].help);
		for (i = 0; i < in->nr_slo; i++) {
			const struct slo_rule *r = v[i];

			series(w, NULL);
			label(w, "rule", r->name, SIZE_MAX);
			switch (f) {
			case 0: value_ns(w, r->objective_ns); break;
			case 1:
				if (r->has_data)
					value_ns(w, r->observed_ns);
				else
					value_str(w, "NaN");
				break;
			case 2: value_u64(w, r->breached); break;
			case 3: value_u64(w, r->breach_intervals); break;
			case 4: value_u64(w, r->breaches); break;
			case 5: value_u64(w, r->captures); break;
			default: value_u64(w, r->captures_skipped); break;
			}
		}
	}
	free(v);
	return 0;
}

int prom__write(FILE *f, const struct prom_input *in)
{
	struct pw w = { .f = f };
	int err;

	w.cum = calloc(hist_prom_nr_bounds ? hist_prom_nr_bounds : 1, sizeof(*w.cum));
	if (!w.cum)
		return -ENOMEM;
	write_build_info(&w, in);
	write_migrations(&w, in->r);
	write_runq(&w, in);
	write_landing(&w, in);
	err = write_cgroups(&w, in);
	if (!err)
		err = write_neighbours(&w, in);
	if (!err)
		err = write_tasks(&w, in);
	if (!err)
		write_counters(&w, in);
	if (!err)
		err = write_slo(&w, in);
	free(w.cum);
	if (err)
		return err;
	/* errno still holds the failed write's reason when stdio saw one. */
	errno = 0;
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
