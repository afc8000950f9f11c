// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who delayed whom in text, JSON and HTML (docs/report.md): per victim
 * task and per victim cgroup (or pod), the wait time each culprit held its
 * CPU, by class and by culprit, the rest summed into "other"; and an SLO
 * capture's breach with the culprits of the waits that broke the rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/html.h"
#include "lib/json.h"
#include "lib/util.h"
#include "report/render.h"

static int special(__u64 key)
{
	return key == DELAYS_IDLE || key == DELAYS_UNKNOWN || key == DELAYS_OTHER;
}

/* Share of the victim's whole wait, four decimals, exact in integers. */
static void write_share(struct json *j, __u64 ns, __u64 of)
{
	json__fixed(j, "share", of ? (double)(ns * 10000 / of) / 10000 : 0, 4);
}

static void write_who(struct json *j, const struct report *r, int by_task, __u64 key)
{
	const struct report_cgroup *g;
	const struct report_task *t;

	if (special(key)) {
		json__str(j, "kind", key == DELAYS_IDLE ? "idle" :
				     key == DELAYS_OTHER ? "other" : "unknown");
		return;
	}
	if (by_task) {
		if (key >= r->nr_tasks) {
			json__str(j, "kind", "unknown");
			return;
		}
		t = &r->tasks[key];
		json__str(j, "kind", "task");
		json__u64(j, "tid", t->id.tid);
		json__u64(j, "tgid", t->id.tgid);
		json__strn(j, "comm", t->id.comm, sizeof(t->id.comm));
		json__u64(j, "start_ns", t->id.start_ns);
		g = report__cgroup_by_id(r, t->cgroup_id);
		json__u64(j, "cgroup_id", t->cgroup_id);
	} else if (key & REPORT_GROUP_POD) {
		/* A pod: all its cgroups; named by the lowest of their ids. */
		g = report__cgroup_by_id(r, key & ~REPORT_GROUP_POD);
		json__str(j, "kind", "pod");
		json__u64(j, "cgroup_id", key & ~REPORT_GROUP_POD);
		json__str(j, "pod_uid", g && g->k8s ? g->k8s->pod_uid : "");
		if (g && g->k8s && g->k8s->pod[0]) {
			json__str(j, "namespace", g->k8s->namespace_);
			json__str(j, "pod", g->k8s->pod);
		}
		return;
	} else {
		g = report__cgroup_by_id(r, key);
		json__str(j, "kind", "cgroup");
		json__u64(j, "cgroup_id", key);
	}
	if (g && g->path)
		json__str(j, "cgroup", g->path);
	else if (!g && !by_task && r->cgroup_path && r->cgroup_path(r->cgroup_path_ctx, key))
		json__str(j, "cgroup", r->cgroup_path(r->cgroup_path_ctx, key));
	else
		json__null(j, "cgroup");
	if (g && g->k8s && g->k8s->pod[0]) {
		json__str(j, "namespace", g->k8s->namespace_);
		json__str(j, "pod", g->k8s->pod);
		json__str(j, "container", g->k8s->container);
	}
}

static void write_victims(struct json *j, const struct report *r, const char *key, int by_task,
			  const struct report_delayed *v, size_t n)
{
	size_t i, c;
	int k;

	json__array_begin(j, key);
	for (i = 0; i < n; i++) {
		json__object_begin(j, NULL);
		json__object_begin(j, "victim");
		write_who(j, r, by_task, v[i].key);
		json__object_end(j);
		json__u64(j, "wait_ns", v[i].wait_ns);
		json__u64(j, "waits", v[i].nr_waits);
		json__u64(j, "premig_ns", v[i].premig_ns);
		json__u64(j, "lost_ns", v[i].lost_ns);
		json__object_begin(j, "classes");
		for (k = 0; k < RDC_NR; k++)
			json__u64(j, delay_class__key(k), v[i].class_ns[k]);
		json__object_end(j);
		json__array_begin(j, "culprits");
		for (c = 0; c < v[i].nr_culprits; c++) {
			const struct delays_cell *x = &v[i].culprits[c];

			json__object_begin(j, NULL);
			write_who(j, r, by_task, x->culprit);
			json__u64(j, "wait_ns", x->ns);
			json__u64(j, "waits", x->count);
			write_share(j, x->ns, v[i].wait_ns);
			json__object_end(j);
		}
		json__array_end(j);
		json__object_begin(j, "other");
		json__u64(j, "culprits", v[i].omitted);
		json__u64(j, "wait_ns", v[i].other.ns);
		json__u64(j, "waits", v[i].other.count);
		write_share(j, v[i].other.ns, v[i].wait_ns);
		json__object_end(j);
		json__object_end(j);
	}
	json__array_end(j);
}

/* The wait before a migration that landed in one locality: exact, from every such wait. */
static void write_premig(struct json *j, const char *key, const struct lat *l)
{
	json__object_begin(j, key);
	json__u64(j, "count", l->count);
	json__u64(j, "mean", l->mean);
	json__u64(j, "p50", l->p50);
	json__u64(j, "p90", l->p90);
	json__u64(j, "p99", l->p99);
	json__u64(j, "p999", l->p999);
	json__u64(j, "max", l->max);
	json__object_end(j);
}

void report__write_delays_json(struct json *j, const struct report *r)
{
	const struct report_delays *d = &r->delays;
	int k;

	if (!d->known) {
		json__null(j, "who_delayed_whom");
		return;
	}
	json__object_begin(j, "who_delayed_whom");
	json__u64(j, "switches", d->attrib.switches);
	json__u64(j, "waits", d->attrib.waits);
	json__u64(j, "waits_partial", d->attrib.waits_partial);
	json__u64(j, "unknown_short_ns", d->attrib.unknown_short_ns);
	json__u64(j, "unknown_gap_ns", d->attrib.unknown_gap_ns);
	json__u64(j, "holders_folded", d->attrib.holders_folded);
	json__u64(j, "slices_dropped", d->attrib.slices_dropped);
	json__u64(j, "out_of_order", d->attrib.out_of_order);
	json__u64(j, "prev_mismatch", d->attrib.prev_mismatch);
	json__u64(j, "gaps", d->attrib.gaps);
	json__u64(j, "pairs", d->pairs.pairs);
	json__u64(j, "pairs_full", d->pairs.pairs_full);
	json__u64(j, "victims_full", d->pairs.victims_full);
	json__u64(j, "memory_bytes", d->bytes);
	json__u64(j, "why_full", d->why_full);
	json__object_begin(j, "premig_by_locality");
	for (k = 0; k < SDR_LOC_NR; k++)
		write_premig(j, locality_names[k], &d->premig[k]);
	json__object_end(j);
	write_victims(j, r, "tasks", 1, d->tasks, d->nr_tasks);
	write_victims(j, r, "cgroups", 0, d->groups, d->nr_groups);
	json__object_end(j);
}

void report__write_neighbours_json(struct json *j, const struct report *r)
{
	const struct neighbours_counts *c = &r->neighbours;
	const struct {
		const char *key;
		__u64 v;
	} counts[] = {
		{ "top_k", r->delays.top_k },
		{ "culprits_in_other", c->culprits_in_other },
		{ "victims_without_series", c->victims_without_series },
		{ "pairs_full", c->pairs_full },
		{ "victims_full", c->victims_full },
		{ "no_memory", c->no_memory },
		{ "stream_gaps", c->stream_gaps },
		{ "memory_bytes", c->bytes },
	};
	size_t i;

	if (!r->neighbours_known) {
		json__null(j, "neighbours");
		return;
	}
	json__object_begin(j, "neighbours");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		json__u64(j, counts[i].key, counts[i].v);
	write_victims(j, r, "cgroups", 0, r->delays.groups, r->delays.nr_groups);
	json__object_end(j);
}

/* "12.3%" of the victim's wait, or "-" */
static const char *pct(char *buf, size_t len, __u64 ns, __u64 of)
{
	if (!of)
		return "-";
	snprintf(buf, len, "%llu.%llu%%", (unsigned long long)(ns * 100 / of),
		 (unsigned long long)(ns * 1000 / of % 10));
	return buf;
}

static void print_victims(const struct report *r, FILE *f, int by_task,
			  const struct report_delayed *v, size_t n, size_t shown)
{
	char label[320], a[16], b[16], p[16];
	size_t i, c;
	int k;

	for (i = 0; i < n && i < shown; i++) {
		fprintf(f, "  %s: waited %s in %llu waits",
			report__delay_label(r, by_task, v[i].key, label, sizeof(label)),
			fmt_duration(a, sizeof(a), v[i].wait_ns),
			(unsigned long long)v[i].nr_waits);
		if (v[i].premig_ns)
			fprintf(f, " (%s before a migration)",
				fmt_duration(b, sizeof(b), v[i].premig_ns));
		fprintf(f, "\n   ");
		for (k = 0; k < RDC_NR; k++)
			fprintf(f, " %s %s%s", report__delay_class_name(k),
				pct(p, sizeof(p), v[i].class_ns[k], v[i].wait_ns),
				k + 1 < RDC_NR ? "," : "\n");
		for (c = 0; c < v[i].nr_culprits; c++) {
			const struct delays_cell *x = &v[i].culprits[c];

			fprintf(f, "    %7s %9s %7llu  %s\n",
				pct(p, sizeof(p), x->ns, v[i].wait_ns),
				fmt_duration(a, sizeof(a), x->ns), (unsigned long long)x->count,
				report__delay_label(r, by_task, x->culprit, label, sizeof(label)));
		}
		if (v[i].omitted)
			fprintf(f, "    %7s %9s %7llu  other (%zu more)\n",
				pct(p, sizeof(p), v[i].other.ns, v[i].wait_ns),
				fmt_duration(a, sizeof(a), v[i].other.ns),
				(unsigned long long)v[i].other.count, v[i].omitted);
	}
}

static void print_premig(const struct report_delays *d, FILE *f)
{
	char a[16], b[16], c[16];
	int k;

	fprintf(f, "  the wait before a migration (queued on the CPU it left), by where it "
		   "landed:\n  %-12s %9s %9s %9s %9s\n", "locality", "waits", "p50", "p99", "max");
	for (k = 0; k < SDR_LOC_NR; k++)
		fprintf(f, "  %-12s %9llu %9s %9s %9s\n", locality_names[k],
			(unsigned long long)d->premig[k].count,
			fmt_duration(a, sizeof(a), d->premig[k].p50),
			fmt_duration(b, sizeof(b), d->premig[k].p99),
			fmt_duration(c, sizeof(c), d->premig[k].max));
}

void report__print_delays_text(const struct report *r, FILE *f, int top_n)
{
	const struct report_delays *d = &r->delays;
	size_t shown = top_n > 0 && top_n < 10 ? top_n : 10;

	if (!d->known)
		return;
	fprintf(f, "\nWho delayed whom: every wait split among what held its CPU (%llu waits, "
		   "%llu partly unknown)\n", (unsigned long long)d->attrib.waits,
		(unsigned long long)d->attrib.waits_partial);
	fprintf(f, "  by cgroup (%zu victims; %zu shown, by wait time): share of the victim's "
		   "wait, time, waits, culprit\n", d->nr_groups,
		d->nr_groups < shown ? d->nr_groups : shown);
	print_victims(r, f, 0, d->groups, d->nr_groups, shown);
	fprintf(f, "  by task (%zu victims; %zu shown, by wait time)\n", d->nr_tasks,
		d->nr_tasks < shown ? d->nr_tasks : shown);
	print_victims(r, f, 1, d->tasks, d->nr_tasks, shown);
	print_premig(d, f);
}

/* ---- HTML: a victim x culprit heatmap by cgroup, and the task table ---- */

#define HEAT_ROWS 10
#define HEAT_COLS 10

/* White to red by share of the victim's wait, in integers so the bytes are stable. */
static void heat_td(FILE *f, __u64 ns, __u64 of)
{
	unsigned int k = of ? (unsigned int)(ns * 255 / of) : 0;
	char p[16];

	fprintf(f, "<td style=\"background:#%02x%02x%02x\">%s</td>", 255 - k * 41 / 255,
		255 - k * 186 / 255, 255 - k * 190 / 255, ns ? pct(p, sizeof(p), ns, of) : "");
}

static void th_label(FILE *f, const struct report *r, int by_task, __u64 key, const char *tag)
{
	char label[320];

	fprintf(f, "<%s class=\"s\">", tag);
	html__escape_str(f, report__delay_label(r, by_task, key, label, sizeof(label)));
	fprintf(f, "</%s>", tag);
}

static __u64 cell_ns(const struct report_delayed *v, __u64 key)
{
	size_t c;

	for (c = 0; c < v->nr_culprits; c++)
		if (v->culprits[c].culprit == key)
			return v->culprits[c].ns;
	return 0;
}

struct col {
	__u64 key, ns;
};

static int cmp_col(const void *a, const void *b)
{
	const struct col *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The columns: the culprits of the rows shown, by their time over those rows. */
static size_t heat_cols(const struct report_delays *d, size_t rows, struct col *cols)
{
	struct col all[HEAT_ROWS * 8];
	size_t i, c, k, n = 0;

	for (i = 0; i < rows; i++)
		for (c = 0; c < d->groups[i].nr_culprits; c++) {
			const struct delays_cell *x = &d->groups[i].culprits[c];

			for (k = 0; k < n && all[k].key != x->culprit; k++)
				;
			if (k == n && n == sizeof(all) / sizeof(all[0]))
				continue;
			if (k == n)
				all[n++] = (struct col){ x->culprit, 0 };
			all[k].ns += x->ns;
		}
	if (n)
		qsort(all, n, sizeof(*all), cmp_col);
	for (i = 0; i < n && i < HEAT_COLS; i++)
		cols[i] = all[i];
	return i;
}

void report__print_delays_html(const struct report *r, FILE *f)
{
	const struct report_delays *d = &r->delays;
	struct col cols[HEAT_COLS];
	size_t rows = d->nr_groups < HEAT_ROWS ? d->nr_groups : HEAT_ROWS, nc, i, c;
	char a[16], p[16], label_buf[16];
	int k;

	if (!d->known)
		return;
	fputs("<section id=\"delays\">\n<h2>Who delayed whom</h2>\n", f);
	fprintf(f, "<p>Every wait (%llu; %llu partly unknown) split among what held its CPU "
		   "while it was queued there. Rows: the cgroups that waited most; columns: "
		   "what held their CPU; each cell is the share of the row's whole wait, the "
		   "darker the more (docs/report.md).</p>\n",
		(unsigned long long)d->attrib.waits, (unsigned long long)d->attrib.waits_partial);
	nc = heat_cols(d, rows, cols);
	fputs("<div class=\"scroll\"><table class=\"heat\">\n<tr><th class=\"s\">victim \\ "
	      "culprit</th><th>waited</th><th>before a migration</th>", f);
	for (c = 0; c < nc; c++)
		th_label(f, r, 0, cols[c].key, "th");
	fputs("<th>the rest</th></tr>\n", f);
	for (i = 0; i < rows; i++) {
		const struct report_delayed *v = &d->groups[i];
		__u64 shown = 0, rest;

		fputs("<tr>", f);
		th_label(f, r, 0, v->key, "th");
		fprintf(f, "<td>%s</td>", fmt_duration(a, sizeof(a), v->wait_ns));
		fprintf(f, "<td>%s</td>", pct(p, sizeof(p), v->premig_ns, v->wait_ns));
		for (c = 0; c < nc; c++) {
			__u64 ns = cell_ns(v, cols[c].key);

			shown += ns;
			heat_td(f, ns, v->wait_ns);
		}
		/* Everything else of the wait but its part before a migration. */
		rest = v->wait_ns - v->premig_ns;
		heat_td(f, rest > shown ? rest - shown : 0, v->wait_ns);
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);

	fputs("<h3>By class</h3>\n<div class=\"scroll\"><table>\n<tr><th class=\"s\">victim</th>"
	      "<th>waited</th>", f);
	for (k = 0; k < RDC_NR; k++)
		fprintf(f, "<th>%s</th>", report__delay_class_name(k));
	fputs("</tr>\n", f);
	for (i = 0; i < d->nr_groups && i < HEAT_ROWS; i++) {
		fputs("<tr>", f);
		th_label(f, r, 0, d->groups[i].key, "td");
		fprintf(f, "<td>%s</td>", fmt_duration(a, sizeof(a), d->groups[i].wait_ns));
		for (k = 0; k < RDC_NR; k++)
			heat_td(f, d->groups[i].class_ns[k], d->groups[i].wait_ns);
		fputs("</tr>\n", f);
	}
	for (i = 0; i < d->nr_tasks && i < HEAT_ROWS; i++) {
		fputs("<tr>", f);
		th_label(f, r, 1, d->tasks[i].key, "td");
		fprintf(f, "<td>%s</td>", fmt_duration(a, sizeof(a), d->tasks[i].wait_ns));
		for (k = 0; k < RDC_NR; k++)
			heat_td(f, d->tasks[i].class_ns[k], d->tasks[i].wait_ns);
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);

	fputs("<h3>Tasks that waited most, and their culprits</h3>\n<div class=\"scroll\">"
	      "<table>\n<tr><th class=\"s\">victim</th><th>waited</th><th>waits</th>"
	      "<th>before a migration</th><th class=\"s\">culprits (share of the wait)</th></tr>\n",
	      f);
	for (i = 0; i < d->nr_tasks && i < HEAT_ROWS; i++) {
		const struct report_delayed *v = &d->tasks[i];
		char label[320];

		fputs("<tr>", f);
		th_label(f, r, 1, v->key, "td");
		fprintf(f, "<td>%s</td><td>%llu</td><td>%s</td><td class=\"s\">",
			fmt_duration(a, sizeof(a), v->wait_ns), (unsigned long long)v->nr_waits,
			fmt_duration(p, sizeof(p), v->premig_ns));
		for (c = 0; c < v->nr_culprits; c++) {
			html__escape_str(f, report__delay_label(r, 1, v->culprits[c].culprit, label,
								sizeof(label)));
			fprintf(f, " %s%s", pct(a, sizeof(a), v->culprits[c].ns, v->wait_ns),
				c + 1 < v->nr_culprits || v->omitted ? ", " : "");
		}
		if (v->omitted)
			fprintf(f, "other (%zu) %s", v->omitted,
				pct(a, sizeof(a), v->other.ns, v->wait_ns));
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n<h3>The wait before a migration, by where it landed</h3>\n"
	      "<p>The part of a wait queued on a CPU the task then left (load or NUMA balancing, "
	      "affinity): beside landing latency, the part after.</p>\n<table>\n<tr><th "
	      "class=\"s\">locality</th><th>waits</th><th>p50</th><th>p99</th><th>max</th>"
	      "</tr>\n", f);
	for (k = 0; k < SDR_LOC_NR; k++)
		fprintf(f, "<tr><td class=\"s\">%s</td><td>%llu</td><td>%s</td><td>%s</td>"
			   "<td>%s</td></tr>\n", locality_names[k],
			(unsigned long long)d->premig[k].count,
			fmt_duration(a, sizeof(a), d->premig[k].p50),
			fmt_duration(p, sizeof(p), d->premig[k].p99),
			fmt_duration(label_buf, sizeof(label_buf), d->premig[k].max));
	fputs("</table>\n</section>\n", f);
}

/* ---- an SLO capture's breach: the report opens with it ---- */

static const char *why_label(const struct report *r, __u32 who, char *buf, size_t len)
{
	if (who == REPORT_WHY_IDLE)
		return "idle";
	if (who == REPORT_WHY_UNKNOWN)
		return "unknown";
	if (who == REPORT_WHY_OTHER)
		return "other";
	return report__delay_label(r, 1, who, buf, len);
}

static const char *why_cgroup(const struct report *r, __u32 who)
{
	const struct report_cgroup *g;

	if (who >= REPORT_WHY_OTHER || who >= r->nr_tasks)
		return NULL;
	g = report__cgroup_by_id(r, r->tasks[who].cgroup_id);
	return g ? g->path : NULL;
}

static void print_breach_head(const struct report *r, FILE *f)
{
	const struct report_slo *s = &r->slo;
	char a[16], b[16];

	fprintf(f, "SLO breach: rule %s: %s < %s for %s%s%s; observed %s\n", s->b.rule, s->b.metric,
		fmt_duration(a, sizeof(a), s->b.objective_ns),
		slo_breach_scope_names[s->b.scope], s->b.scope ? " " : "",
		s->b.scope ? s->b.target : "", fmt_duration(b, sizeof(b), s->b.observed_ns));
}

void report__print_slo_text(const struct report *r, FILE *f)
{
	const struct report_slo *s = &r->slo;
	char a[16], b[16], p[16], label[320];
	int i;

	if (!s->known)
		return;
	fputc('\n', f);
	print_breach_head(r, f);
	if (!r->delays.known) {
		fprintf(f, "  (the capture holds no switches: what held the CPU is unknown)\n");
		return;
	}
	fprintf(f, "  %llu waits in scope at or over %s in the capture, %s in all (%s of it before "
		   "a migration); what held their CPU:\n", (unsigned long long)s->waits,
		fmt_duration(a, sizeof(a), s->b.objective_ns),
		fmt_duration(b, sizeof(b), s->wait_ns),
		pct(p, sizeof(p), s->wait_ns - s->split_ns, s->wait_ns));
	for (i = 0; i < s->nr_top; i++) {
		const char *cg = why_cgroup(r, s->top[i].who);

		fprintf(f, "  %7s %9s  longest in %llu of %llu waits  %s%s%s%s\n",
			pct(p, sizeof(p), s->top[i].ns, s->wait_ns),
			fmt_duration(a, sizeof(a), s->top[i].ns),
			(unsigned long long)s->top[i].first, (unsigned long long)s->waits,
			why_label(r, s->top[i].who, label, sizeof(label)), cg ? " (" : "",
			cg ? cg : "", cg ? ")" : "");
	}
}

void report__write_slo_json(struct json *j, const struct report *r)
{
	const struct report_slo *s = &r->slo;
	int i;

	json__object_begin(j, "slo_breach");
	json__str(j, "rule", s->b.rule);
	json__str(j, "metric", s->b.metric);
	json__u64(j, "objective_ns", s->b.objective_ns);
	json__u64(j, "observed_ns", s->b.observed_ns);
	json__str(j, "scope", slo_breach_scope_names[s->b.scope]);
	json__str(j, "target", s->b.target);
	json__bool(j, "attributed", r->delays.known);
	json__u64(j, "waits", s->waits);
	json__u64(j, "wait_ns", s->wait_ns);
	json__u64(j, "premig_ns", s->wait_ns - s->split_ns);
	json__array_begin(j, "culprits");
	for (i = 0; i < s->nr_top; i++) {
		__u32 who = s->top[i].who;

		json__object_begin(j, NULL);
		write_who(j, r, 1, who == REPORT_WHY_IDLE ? DELAYS_IDLE :
				   who == REPORT_WHY_UNKNOWN ? DELAYS_UNKNOWN :
				   who == REPORT_WHY_OTHER ? DELAYS_OTHER : who);
		json__u64(j, "wait_ns", s->top[i].ns);
		json__u64(j, "longest_in", s->top[i].first);
		write_share(j, s->top[i].ns, s->wait_ns);
		json__object_end(j);
	}
	json__array_end(j);
	json__object_end(j);
}

void report__print_slo_html(const struct report *r, FILE *f)
{
	const struct report_slo *s = &r->slo;
	char a[16], b[16], p[16], label[320];
	int i;

	if (!s->known)
		return;
	fputs("<section id=\"slo\">\n<h2>SLO breach</h2>\n<p class=\"warn\">", f);
	fprintf(f, "Rule <b>");
	html__escape_str(f, s->b.rule);
	fprintf(f, "</b>: %s &lt; %s for %s ", s->b.metric,
		fmt_duration(a, sizeof(a), s->b.objective_ns), slo_breach_scope_names[s->b.scope]);
	html__escape_str(f, s->b.target);
	fprintf(f, "; observed %s.</p>\n", fmt_duration(b, sizeof(b), s->b.observed_ns));
	if (!r->delays.known) {
		fputs("<p>The capture holds no switches: what held the CPU is unknown.</p>\n"
		      "</section>\n", f);
		return;
	}
	fprintf(f, "<p>%llu waits in scope at or over the objective, %s in all; what held their "
		   "CPU:</p>\n<table>\n<tr><th>share</th><th>time</th><th>longest in</th>"
		   "<th class=\"s\">culprit</th><th class=\"s\">cgroup</th></tr>\n",
		(unsigned long long)s->waits, fmt_duration(a, sizeof(a), s->wait_ns));
	for (i = 0; i < s->nr_top; i++) {
		const char *cg = why_cgroup(r, s->top[i].who);

		fprintf(f, "<tr><td>%s</td><td>%s</td><td>%llu</td><td class=\"s\">",
			pct(p, sizeof(p), s->top[i].ns, s->wait_ns),
			fmt_duration(a, sizeof(a), s->top[i].ns),
			(unsigned long long)s->top[i].first);
		html__escape_str(f, why_label(r, s->top[i].who, label, sizeof(label)));
		fputs("</td><td class=\"s\">", f);
		html__escape_str(f, cg ? cg : "-");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}
