// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON report, schema "schedrift.report/2" (interface.md, docs/report.md).
 * /2 added the delivery and queueing parts of every run-queue latency.
 */
#include <stdlib.h>
#include "lib/json.h"
#include "report/render.h"

static void write_mig(struct json *j, const char *key, const __u64 *by_loc, const __u64 *by_cause)
{
	int i;

	json__object_begin(j, key);
	json__u64(j, "total", report__total(by_loc, SDR_LOC_NR));
	for (i = 0; i < SDR_LOC_NR; i++)
		json__u64(j, locality_names[i], by_loc[i]);
	json__object_begin(j, "by_cause");
	for (i = 0; i < SDR_CAUSE_NR; i++)
		json__u64(j, cause_names[i], by_cause[i]);
	json__object_end(j);
	json__object_end(j);
}

void report__write_topology_json(struct json *j, const struct topology *t)
{
	__u64 row[SDR_MAX_NODES];
	int c, from, to;

	json__object_begin(j, "topology");
	json__u64(j, "nr_nodes", t->nr_nodes);
	json__array_begin(j, "cpus");
	for (c = 0; c < t->nr_cpus; c++) {
		if (t->cpu_node[c] < 0)
			continue;
		json__object_begin(j, NULL);
		json__u64(j, "cpu", c);
		json__u64(j, "llc", t->cpu_llc[c]);
		json__u64(j, "node", t->cpu_node[c]);
		json__object_end(j);
	}
	json__array_end(j);
	json__array_begin(j, "distance");
	for (from = 0; from < t->nr_nodes; from++) {
		for (to = 0; to < t->nr_nodes; to++)
			row[to] = t->distance[from][to];
		json__inline_u64_array(j, NULL, row, t->nr_nodes);
	}
	json__array_end(j);
	json__object_end(j);
}

void report__write_capture_head(struct json *j, const struct report *r, unsigned int with)
{
	json__object_begin(j, "capture");
	json__u64(j, "duration_ns", r->duration_ns);
	json__strn(j, "kernel", r->meta.kernel_release, sizeof(r->meta.kernel_release));
	json__strn(j, "hostname", r->meta.hostname, sizeof(r->meta.hostname));
	json__u64(j, "nr_cpus", r->meta.nr_cpus_online);
	json__u64(j, "start_realtime_ns", r->meta.start_realtime_ns);
	if (with & CAPTURE_MONO)
		json__u64(j, "start_mono_ns", r->meta.start_mono_ns);
	json__strn(j, "command", r->meta.command, sizeof(r->meta.command));
	json__bool(j, "complete", r->have_trailer);
	/* The daemon's file covers one interval, named by its drain generation. */
	if ((with & CAPTURE_GENERATION) && r->generation)
		json__u64(j, "generation", r->generation);
	if (r->error[0])
		json__str(j, "error", r->error);
	json__u64(j, "records", r->nr_records);
	json__u64(j, "unknown_records", r->nr_unknown);
}

static void write_capture(struct json *j, const struct report *r)
{
	report__write_capture_head(j, r, CAPTURE_GENERATION);
	report__write_topology_json(j, &r->meta.topo);
	json__object_end(j);
}

void report__write_counters_json(struct json *j, const struct report *r)
{
	int i;

	json__object_begin(j, "lost");
	for (i = 0; i < STAT_ALL_NR; i++)
		if (stat_descs[i].kind == STAT_LOSS)
			json__u64(j, stat_descs[i].name, r->counters[i]);
	json__u64(j, "unconsumed", r->unconsumed);
	json__object_end(j);
	json__object_begin(j, "counters");
	for (i = 0; i < STAT_ALL_NR; i++)
		if (stat_descs[i].kind == STAT_COUNT)
			json__u64(j, stat_descs[i].name, r->counters[i]);
	json__object_end(j);
}

static void write_matrix(struct json *j, const char *key, const struct report *r, int cause)
{
	__u64 row[SDR_MAX_NODES];
	int from, to, k;

	json__array_begin(j, key);
	for (from = 0; from < r->nr_nodes; from++) {
		for (to = 0; to < r->nr_nodes; to++) {
			const struct sdr_node_cell *c = &r->node_matrix[from * r->nr_nodes + to];

			row[to] = 0;
			for (k = 0; k < SDR_CAUSE_NR; k++)
				if (cause < 0 || cause == k)
					row[to] += c->by_cause[k];
		}
		json__inline_u64_array(j, NULL, row, r->nr_nodes);
	}
	json__array_end(j);
}

/*
 * LAT. A part of a wait (delivery or queueing) adds its mean, and has null
 * percentiles where only count, mean and max are known (the daemon's
 * per-task figures).
 */
static void write_lat_body(struct json *j, const struct lat *l, int part)
{
	json__u64(j, "count", l->count);
	if (part)
		json__u64(j, "mean", l->mean);
	if (part && l->no_pct) {
		json__null(j, "p50");
		json__null(j, "p90");
		json__null(j, "p99");
		json__null(j, "p999");
	} else {
		json__u64(j, "p50", l->p50);
		json__u64(j, "p90", l->p90);
		json__u64(j, "p99", l->p99);
		json__u64(j, "p999", l->p999);
	}
	json__u64(j, "max", l->max);
	json__fixed(j, "rel_error", l->rel_error, 6);
}

static void write_lat_fields(struct json *j, const char *key, const struct lat *l, int part)
{
	json__object_begin(j, key);
	write_lat_body(j, l, part);
	json__object_end(j);
}

static void write_lat(struct json *j, const char *key, const struct lat *l)
{
	write_lat_fields(j, key, l, 0);
}

/* A part of a wait; null when the source does not have it (a version 1 file). */
static void write_part(struct json *j, const char *key, const struct lat *l, int known)
{
	if (known)
		write_lat_fields(j, key, l, 1);
	else
		json__null(j, key);
}

/* A run-queue latency and its two parts, side by side. */
static void write_wait_lats(struct json *j, const struct lat *wait, const struct lat *delivery,
			    const struct lat *queue, int known)
{
	write_lat(j, "runq_latency_ns", wait);
	write_part(j, "delivery_ns", delivery, known);
	write_part(j, "queue_ns", queue, known);
}

/* A pod's cgroup: what the path says, and the names when they were found. */
static void write_k8s(struct json *j, const struct k8s_ident *k)
{
	if (!k) {
		json__null(j, "kubernetes");
		return;
	}
	json__object_begin(j, "kubernetes");
	if (k->pod[0]) {
		json__str(j, "namespace", k->namespace_);
		json__str(j, "pod", k->pod);
		json__str(j, "container", k->container);
	} else {
		json__null(j, "namespace");
		json__null(j, "pod");
		json__null(j, "container");
	}
	json__str(j, "pod_uid", k->pod_uid);
	json__str(j, "qos", k->qos);
	if (k->container_id[0])
		json__str(j, "container_id", k->container_id);
	else
		json__null(j, "container_id");
	if (k->runtime[0])
		json__str(j, "runtime", k->runtime);
	else
		json__null(j, "runtime");
	json__object_end(j);
}

static void write_latency(struct json *j, const struct report *r)
{
	int split = r->has_split && r->cpu_delivery && r->cpu_queue;
	size_t i;
	int c, l;

	json__array_begin(j, "cpus");
	/* Without wait samples (record --no-samples) no CPU's figures are known. */
	for (c = 0; c < r->meta.topo.nr_cpus && !r->from_totals; c++) {
		if (r->meta.topo.cpu_node[c] < 0)
			continue;
		json__object_begin(j, NULL);
		json__u64(j, "cpu", c);
		write_wait_lats(j, &r->cpu_runq[c], split ? &r->cpu_delivery[c] : NULL,
				split ? &r->cpu_queue[c] : NULL, split);
		json__object_end(j);
	}
	json__array_end(j);
	/* Each locality's LAT carries its own parts: its keys stay those of /1. */
	json__object_begin(j, "landing_latency_ns");
	for (l = 0; l < SDR_LOC_NR; l++) {
		const struct lat *w = &r->landing[l];

		/* LAND: a LAT with its parts inside. */
		json__object_begin(j, locality_names[l]);
		write_lat_body(j, w, 0);
		write_part(j, "delivery_ns", &r->landing_delivery[l], r->has_split);
		write_part(j, "queue_ns", &r->landing_queue[l], r->has_split);
		json__object_end(j);
	}
	json__object_end(j);
	json__array_begin(j, "cgroups");
	for (i = 0; i < r->nr_cgroups; i++) {
		const struct report_cgroup *g = &r->cgroups[i];

		json__object_begin(j, NULL);
		json__u64(j, "id", g->id);
		if (g->path)
			json__str(j, "path", g->path);
		else
			json__null(j, "path");
		write_k8s(j, g->k8s);
		json__u64(j, "nr_tasks", g->nr_tasks);
		write_wait_lats(j, &g->runq, &g->delivery, &g->queue, g->split_known);
		json__object_end(j);
	}
	json__array_end(j);
}

static void write_outliers(struct json *j, const struct report *r)
{
	size_t i;

	json__array_begin(j, "outliers");
	for (i = 0; i < r->nr_outliers; i++) {
		const struct sdr_rec_outlier *o = &r->outliers[i];

		json__object_begin(j, NULL);
		json__u64(j, "wait_ns", o->wait_ns);
		if (r->has_split && o->delivery_ns <= o->wait_ns) {
			json__u64(j, "delivery_ns", o->delivery_ns);
			json__u64(j, "queue_ns", o->wait_ns - o->delivery_ns);
		} else {
			json__null(j, "delivery_ns");
			json__null(j, "queue_ns");
		}
		json__u64(j, "cpu", o->hdr.cpu);
		json__u64(j, "ts_ns", o->hdr.ts_ns);
		json__u64(j, "tid", o->task.tid);
		json__u64(j, "tgid", o->task.tgid);
		json__strn(j, "comm", o->task.comm, sizeof(o->task.comm));
		json__object_begin(j, "running");
		json__u64(j, "tid", o->prev.tid);
		json__u64(j, "tgid", o->prev.tgid);
		json__strn(j, "comm", o->prev.comm, sizeof(o->prev.comm));
		json__u64(j, "ran_ns", o->prev_ran_ns);
		json__object_end(j);
		if (r->delays.known) {
			const struct report_wait_why *why = report__wait_why_near(
				r, o->task.tid, o->hdr.ts_ns, REPORT_OUTLIER_SLACK_NS);
			char buf[256];

			if (why) {
				json__str(j, "held_by", report__why_str(r, why, buf, sizeof(buf)));
				json__u64(j, "premig_ns", sdr_dur32_decode(why->premig_ns));
			} else {
				json__null(j, "held_by");
				json__null(j, "premig_ns");
			}
		}
		json__object_end(j);
	}
	json__array_end(j);
}

/* Thousandths of the unit, three decimals: what "%.3f" of the value gives, without floats. */
static void write_penalty(struct json *j, __u64 milli)
{
	_Static_assert(SDR_PENALTY_SCALE == 1000, "penalty is kept in thousandths");
	json__milli(j, "penalty", (long long)milli);
}

/* The cgroups by id, for naming each task's: a daemon's report has thousands of tasks. */
struct cgroup_index {
	__u64 id;
	size_t pos; /* in r->cgroups: the first of an id names it */
	const char *path;
};

static int cmp_cgroup_index(const void *a, const void *b)
{
	const struct cgroup_index *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static struct cgroup_index *index_cgroups(const struct report *r)
{
	struct cgroup_index *ix = calloc(r->nr_cgroups + 1, sizeof(*ix));
	size_t i;

	if (!ix)
		return NULL;
	for (i = 0; i < r->nr_cgroups; i++) {
		ix[i].id = r->cgroups[i].id;
		ix[i].pos = i;
		ix[i].path = r->cgroups[i].path;
	}
	if (r->nr_cgroups)
		qsort(ix, r->nr_cgroups, sizeof(*ix), cmp_cgroup_index);
	return ix;
}

static const char *task_cgroup(const struct report *r, const struct cgroup_index *ix, __u64 id)
{
	size_t lo = 0, hi = r->nr_cgroups, i;

	if (!ix) { /* no memory for the index: the slow way */
		for (i = 0; i < r->nr_cgroups; i++)
			if (r->cgroups[i].id == id)
				return r->cgroups[i].path;
		return NULL;
	}
	while (lo < hi) { /* the first entry of id */
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nr_cgroups && ix[lo].id == id ? ix[lo].path : NULL;
}

static void write_system(struct json *j, const struct report *r)
{
	__u64 by_loc[SDR_LOC_NR] = {}, by_cause[SDR_CAUSE_NR] = {};
	int l, c;

	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++) {
			by_loc[l] += r->migrations[l][c];
			by_cause[c] += r->migrations[l][c];
		}
	json__object_begin(j, "system");
	write_wait_lats(j, &r->sys_runq, &r->sys_delivery, &r->sys_queue, r->has_split);
	json__u64(j, "waits", r->nr_waits);
	write_latency(j, r);
	write_mig(j, "migrations", by_loc, by_cause);
	write_penalty(j, r->penalty_milli);
	json__object_begin(j, "numa");
	for (c = 0; c < SDR_NUMA_NR; c++)
		json__u64(j, numa_kind_names[c], r->counters[SDR_STAT_numa_move + c]);
	json__object_end(j);
	write_matrix(j, "node_matrix", r, -1);
	json__object_begin(j, "node_matrix_by_cause");
	for (c = 0; c < SDR_CAUSE_NR; c++)
		write_matrix(j, cause_names[c], r, c);
	json__object_end(j);
	json__object_end(j);
}

static void write_samples(struct json *j, const struct report_task *t, int split)
{
	size_t i;

	json__array_begin(j, "wait_samples_ns");
	for (i = 0; i < t->waits.n; i++)
		json__u64(j, NULL, t->waits.v[i] & SAMPLE_WAIT_MASK);
	json__array_end(j);
	if (!split || !t->waits.delivery)
		return;
	/* Same order as wait_samples_ns; the queueing part is the difference. */
	json__array_begin(j, "delivery_samples_ns");
	for (i = 0; i < t->waits.n; i++)
		json__u64(j, NULL, t->waits.delivery[i]);
	json__array_end(j);
}

void report__write_task_json(struct json *j, const struct report_task *t, const char *cg,
			     int split, int samples)
{
	struct lat premig;
	int i;

	json__object_begin(j, NULL);
	json__u64(j, "tid", t->id.tid);
	json__u64(j, "tgid", t->id.tgid);
	json__strn(j, "comm", t->id.comm, sizeof(t->id.comm));
	json__u64(j, "start_ns", t->id.start_ns);
	json__bool(j, "exited", t->exited);
	if (t->generation)
		json__u64(j, "generation", t->generation);
	if (cg)
		json__str(j, "cgroup", cg);
	else
		json__null(j, "cgroup");
	json__u64(j, "cgroup_id", t->cgroup_id);
	if (t->home_node >= 0)
		json__u64(j, "home_node", t->home_node);
	else
		json__null(j, "home_node");
	json__u64(j, "runtime_ns", t->runtime_ns);
	json__u64(j, "remote_runtime_ns", t->remote_runtime_ns);
	write_penalty(j, t->penalty_milli);
	write_mig(j, "migrations", t->migrations, t->by_cause);
	json__object_begin(j, "numa");
	for (i = 0; i < SDR_NUMA_NR; i++)
		json__u64(j, numa_kind_names[i], t->numa[i]);
	json__object_end(j);
	write_wait_lats(j, &t->runq, &t->delivery, &t->queue, split);
	write_lat(j, "landing_latency_ns", &t->landing);
	/* The wait before a migration: count, mean and max, as the daemon keeps them per task. */
	premig = lat__from_sum(t->premig_waits, t->premig_sum_ns, t->premig_max_ns);
	write_part(j, "premig_ns", &premig, t->premig_known);
	if (samples)
		write_samples(j, t, split);
	json__object_end(j);
}

/*
 * The whole report; its task list is the first top_n tasks in report
 * order (0 = all), or with `pick` the tasks it marks, and then
 * tasks_omitted says how many of nr_tasks the list left out.
 */
static void print_json(const struct report *r, FILE *f, int top_n, const bool *pick,
		       bool say_omitted, int samples)
{
	struct cgroup_index *cgs = index_cgroups(r);
	struct json j;
	size_t i, n = r->nr_tasks, listed = 0;

	if (top_n > 0 && (size_t)top_n < n)
		n = top_n;
	json__init(&j, f);
	json__object_begin(&j, NULL);
	json__str(&j, "schema", "schedrift.report/2");
	/* Near the top, so a reader sees that figures are short before reading them. */
	json__u64(&j, "losses_total", report__losses_total(r));
	/* An SLO capture opens with why it was written. */
	if (r->slo.known)
		report__write_slo_json(&j, r);
	write_capture(&j, r);
	report__write_counters_json(&j, r);
	write_system(&j, r);
	json__u64(&j, "nr_tasks", r->nr_tasks + r->tasks_unlisted);
	if (say_omitted) {
		for (i = 0; i < n; i++)
			listed += !pick || pick[i];
		json__u64(&j, "tasks_omitted", r->nr_tasks + r->tasks_unlisted - listed);
	}
	/* One task per line: a daemon's file can list thousands of them. */
	json__array_begin(&j, "tasks");
	json__set_flat_depth(&j, 3);
	for (i = 0; i < n; i++)
		if (!pick || pick[i])
			report__write_task_json(&j, &r->tasks[i],
						task_cgroup(r, cgs, r->tasks[i].cgroup_id),
						r->has_split, samples);
	json__set_flat_depth(&j, 0);
	json__array_end(&j);
	/* As nr_tasks: outliers may hold fewer (the longest; record keeps 1000). */
	json__u64(&j, "nr_outliers", report__nr_outliers(r));
	write_outliers(&j, r);
	if (r->delays.known)
		report__write_delays_json(&j, r);
	/* The daemon's interval: its noisy neighbours (null without --neighbour-series). */
	if (r->generation)
		report__write_neighbours_json(&j, r);
	json__object_end(&j);
	json__finish(&j);
	free(cgs);
}

void report__print_json(const struct report *r, FILE *f, int top_n, int samples)
{
	print_json(r, f, top_n, NULL, false, samples);
}

void report__print_json_picked(const struct report *r, FILE *f, const bool *pick)
{
	print_json(r, f, 0, pick, true, 0);
}
