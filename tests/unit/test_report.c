// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Report model and rendering, from trace files written here:
 * - the same file renders to the same bytes (text and JSON), and so does a
 *   file holding the same records in another order;
 * - tasks are sorted by penalty desc, then tid, then start time, and a
 *   reused tid (same tid, new start time) is a separate row;
 * - system totals come from the trailer when there is one (they include
 *   events whose records were lost), from the records otherwise;
 * - hostile comm bytes cannot break the JSON or the text table;
 * - the delivery and queueing parts of the waits are exact in record mode
 *   (nearest rank of what was written), system, CPU, landing and task;
 * - a task's name is that of its latest record, whatever the file's order;
 * - a file without wait samples has its waits from the tasks' totals;
 * - a trace version 1 file (older record layouts, no split) still reads,
 *   with the split reported as unknown (null), never as 0.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "report/load.h"
#include "report/render.h"
#include "host/topology.h"
#include "trace/trace_format.h"
#include "trace/wait_batch.h"
#include "trace/varint.h"

#define NR_RECS 600

static char dir[] = "/tmp/schedrift-report-XXXXXX";

static void two_nodes(struct topology *t)
{
	topology__init(t);
	t->nr_cpus = 4;
	t->nr_nodes = 2;
	for (int c = 0; c < 4; c++) {
		t->cpu_node[c] = c / 2;
		t->cpu_llc[c] = c / 2;
	}
	t->distance[0][0] = t->distance[1][1] = 10;
	t->distance[0][1] = t->distance[1][0] = 21;
}

static struct sdr_rec_migrate make_rec(const struct topology *t, unsigned int i)
{
	struct sdr_rec_migrate m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = SDR_REC_MIGRATE;
	m.hdr.size = sizeof(m);
	m.hdr.ts_ns = 1000 + i;
	m.task.tid = 100 + i % 7;
	m.task.tgid = 100;
	/*
	 * tid 103 is "reused": a second task with a later start time takes
	 * the tid halfway through, so two rows.
	 */
	m.task.start_ns = m.task.tid == 103 && i >= NR_RECS / 2 ? 5000 : 4000;
	snprintf(m.task.comm, sizeof(m.task.comm), "w%u", m.task.tid);
	if (m.task.tid == 106)
		memcpy(m.task.comm, "q\"\\\n\xff\x01z", 8);
	m.from_cpu = i % 4;
	m.to_cpu = (i * 3 + 1) % 4;
	if (m.to_cpu == m.from_cpu)
		m.to_cpu = (m.to_cpu + 1) % 4;
	m.from_node = t->cpu_node[m.from_cpu];
	m.to_node = t->cpu_node[m.to_cpu];
	m.locality = topology__locality(t, m.from_cpu, m.to_cpu);
	m.cause = i % SDR_CAUSE_NR;
	m.penalty_milli = topology__penalty_milli(t, m.from_node, m.to_node);
	return m;
}

/* Writes the records in the order given by perm; with_trailer adds kernel totals. */
static void write_trace(const char *path, const unsigned int *perm, int with_trailer,
			__u64 extra_lost)
{
	struct sdr_node_cell cells[4] = {};
	struct trace_trailer tr = {};
	struct trace_meta meta = {};
	struct trace_writer *w;
	int err, i;

	two_nodes(&meta.topo);
	strcpy(meta.kernel_release, "6.18.0-test");
	strcpy(meta.hostname, "unit");
	meta.nr_cpus_online = 4;
	meta.start_mono_ns = 1000;
	meta.start_realtime_ns = 1700000000000000000ull;
	strcpy(meta.command, "schedrift record -d 1");
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL, "open %s: %d", path, err);
	if (!w)
		exit(1);
	for (i = 0; i < NR_RECS; i++) {
		struct sdr_rec_migrate m = make_rec(&meta.topo, perm[i]);

		CHECK(trace_writer__append(w, &m, sizeof(m)) == 0);
		tr.migrations[m.locality][m.cause]++;
		tr.penalty_milli += m.penalty_milli;
		cells[m.from_node * 2 + m.to_node].by_cause[m.cause]++;
		if (i % 97 == 0)
			trace_writer__flush(w);
	}
	if (!with_trailer) {
		/* Like a SIGKILL right after the recorder's periodic flush. */
		trace_writer__flush(w);
		trace_writer__abort(w);
		return;
	}
	/* The kernel saw `extra_lost` more cross-node wakeups than reached the file. */
	tr.migrations[SDR_LOC_CROSS_NODE][SDR_CAUSE_WAKEUP] += extra_lost;
	cells[1].by_cause[SDR_CAUSE_WAKEUP] += extra_lost;
	tr.end_mono_ns = 1000 + 2000000000ull;
	tr.nr_records = NR_RECS;
	tr.nr_counters = 2;
	strcpy(tr.counters[0].name, "ringbuf");
	tr.counters[0].value = extra_lost;
	strcpy(tr.counters[1].name, "records");
	tr.counters[1].value = NR_RECS;
	tr.nr_nodes = 2;
	tr.node_matrix = cells;
	CHECK(trace_writer__close(w, &tr) == 0);
}

static char *render(const char *path, int json, int salvage)
{
	struct trace_error e = {};
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(report__load(&r, path, salvage, &e) == 0, "load %s: %s", path, e.msg);
	f = open_memstream(&buf, &len);
	if (json)
		report__print_json(&r, f, 0, 1);
	else
		report__print_text(&r, f, "t.sdt", 0);
	fclose(f);
	report__free(&r);
	return buf;
}

static void check_order_and_rows(const char *path)
{
	struct trace_error e = {};
	struct report r;
	size_t i;
	int rows103 = 0;

	CHECK(report__load(&r, path, 0, &e) == 0);
	CHECK_EQ_U64(r.nr_tasks, 8); /* tids 100..106, 103 twice */
	for (i = 0; i + 1 < r.nr_tasks; i++) {
		const struct report_task *a = &r.tasks[i], *b = &r.tasks[i + 1];

		CHECK(a->penalty_milli > b->penalty_milli ||
			      (a->penalty_milli == b->penalty_milli &&
			       (a->id.tid < b->id.tid ||
				(a->id.tid == b->id.tid && a->id.start_ns < b->id.start_ns))),
		      "rows %zu and %zu out of order", i, i + 1);
	}
	for (i = 0; i < r.nr_tasks; i++)
		rows103 += r.tasks[i].id.tid == 103;
	CHECK_EQ_U64(rows103, 2);
	report__free(&r);
}

static void check_totals(const char *with, const char *without, __u64 lost)
{
	struct trace_error e = {};
	struct report a, b;
	__u64 ta = 0, tb = 0, task_sum = 0;
	size_t i;
	int l, c;

	CHECK(report__load(&a, with, 0, &e) == 0);
	CHECK(report__load(&b, without, 1, &e) == 0);
	for (l = 0; l < SDR_LOC_NR; l++)
		for (c = 0; c < SDR_CAUSE_NR; c++) {
			ta += a.migrations[l][c];
			tb += b.migrations[l][c];
		}
	for (i = 0; i < a.nr_tasks; i++)
		task_sum += report__task_total(&a.tasks[i]);
	CHECK_EQ_U64(ta, NR_RECS + lost);  /* kernel totals include the lost records */
	CHECK_EQ_U64(tb, NR_RECS);         /* no trailer: summed from the records */
	CHECK_EQ_U64(task_sum, NR_RECS);   /* rows come from records either way */
	CHECK_EQ_U64(a.node_matrix[1].by_cause[SDR_CAUSE_WAKEUP],
		     b.node_matrix[1].by_cause[SDR_CAUSE_WAKEUP] + lost);
	CHECK_EQ_U64(a.counters[SDR_STAT_ringbuf], lost);
	CHECK(a.have_trailer && !b.have_trailer);
	CHECK(b.error[0] != 0, "salvaged report says nothing about the damage");
	CHECK_EQ_U64(a.duration_ns, 2000000000ull);
	report__free(&a);
	report__free(&b);
}

/* ---- the delivery/queueing split ---- */

#define NR_SPLIT 1000
#define SPLIT_START 1000000000ull

static __u64 split_wait(int i)
{
	return 1000 + 37ull * ((i * 7919) % NR_SPLIT);
}

/* Every 4th wait a preemption (delivery 0); the others' delivery varies on its own. */
static __u64 split_delivery(int i)
{
	return i % 4 == 0 ? 0 : (i * 104729ull) % (split_wait(i) + 1);
}

static void split_meta(struct trace_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	two_nodes(&meta->topo);
	strcpy(meta->kernel_release, "6.18.0-test");
	strcpy(meta->hostname, "unit");
	meta->nr_cpus_online = 4;
	meta->start_mono_ns = SPLIT_START;
	strcpy(meta->command, "schedrift record");
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Every split wait, its delivery part and its queueing part, in wait order. */
static void fill_split(__u64 *w, __u64 *d, __u64 *q)
{
	int k;

	for (k = 0; k < NR_SPLIT; k++) {
		w[k] = split_wait(k);
		d[k] = split_delivery(k);
		q[k] = w[k] - d[k];
	}
}

/* The nearest-rank figures of v (sorted here), written out as an independent check. */
static struct lat want(__u64 *v, size_t n)
{
	struct lat l = {};
	__u64 sum = 0;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	l.count = n;
	/* ceil(q * n) - 1 for n = 1000 and 250 */
	l.p50 = v[(n * 50 + 99) / 100 - 1];
	l.p90 = v[(n * 90 + 99) / 100 - 1];
	l.p99 = v[(n * 99 + 99) / 100 - 1];
	l.p999 = v[(n * 999 + 999) / 1000 - 1];
	l.max = v[n - 1];
	l.mean = sum / n;
	return l;
}

static void check_lat(const char *what, const struct lat *got, const struct lat *w)
{
	CHECK(got->count == w->count && got->p50 == w->p50 && got->p90 == w->p90 &&
		      got->p99 == w->p99 && got->p999 == w->p999 && got->max == w->max &&
		      got->mean == w->mean && got->rel_error == 0,
	      "%s: count %llu p50 %llu p90 %llu p99 %llu p999 %llu max %llu mean %llu; want "
	      "%llu %llu %llu %llu %llu %llu %llu", what, (unsigned long long)got->count,
	      (unsigned long long)got->p50, (unsigned long long)got->p90,
	      (unsigned long long)got->p99, (unsigned long long)got->p999,
	      (unsigned long long)got->max, (unsigned long long)got->mean,
	      (unsigned long long)w->count, (unsigned long long)w->p50, (unsigned long long)w->p90,
	      (unsigned long long)w->p99, (unsigned long long)w->p999, (unsigned long long)w->max,
	      (unsigned long long)w->mean);
}

/* The JSON block of a part: the keys in order, at the indent of a system-level key. */
static void check_json_part(const char *json, const char *key, const struct lat *w)
{
	char want_s[512];

	snprintf(want_s, sizeof(want_s),
		 "    \"%s\": {\n      \"count\": %llu,\n      \"mean\": %llu,\n"
		 "      \"p50\": %llu,\n      \"p90\": %llu,\n      \"p99\": %llu,\n"
		 "      \"p999\": %llu,\n      \"max\": %llu,\n"
		 "      \"rel_error\": 0.000000\n    }",
		 key, (unsigned long long)w->count, (unsigned long long)w->mean,
		 (unsigned long long)w->p50, (unsigned long long)w->p90, (unsigned long long)w->p99,
		 (unsigned long long)w->p999, (unsigned long long)w->max);
	CHECK(strstr(json, want_s) != NULL, "JSON lacks\n%s", want_s);
}

/*
 * Waits of two tasks on four CPUs, with known delivery; each part's
 * figures must be the exact nearest rank of what was written.
 */
static void check_split(void)
{
	static __u64 d[NR_SPLIT], q[NR_SPLIT], w[NR_SPLIT];
	static struct wait_batch b;
	const struct sdr_rec_hdr *h;
	struct trace_trailer tr = {};
	struct trace_error e = {};
	struct wait_sample ws;
	struct trace_meta meta;
	struct trace_writer *wr;
	struct report r;
	struct lat wd, wq;
	char path[128], *json = NULL, *text = NULL;
	size_t len, n, i;
	int err, k;

	snprintf(path, sizeof(path), "%s/split.sdt", dir);
	split_meta(&meta);
	wr = trace_writer__open(path, &meta, &err);
	CHECK(wr != NULL);
	if (!wr)
		return;
	wait_batch__init(&b);
	for (k = 0; k < NR_SPLIT; k++) {
		memset(&ws, 0, sizeof(ws));
		ws.ts_ns = SPLIT_START + 1000ull * k;
		ws.wait_ns = split_wait(k);
		ws.delivery_ns = split_delivery(k);
		ws.tid = 500 + k % 2;
		ws.cpu = k % 4;
		ws.landing = k % 10 == 3 ? 1 + SDR_LOC_CROSS_NODE : 0;
		CHECK(wait_batch__add(&b, &ws) == 0);
	}
	h = wait_batch__record(&b);
	CHECK(trace_writer__append(wr, h, h->size) == 0);
	tr.end_mono_ns = SPLIT_START + 2000000000ull;
	CHECK(trace_writer__close(wr, &tr) == 0);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK(r.has_split && r.meta.version == SDR_TRACE_VERSION);
	fill_split(w, d, q);
	wd = want(d, NR_SPLIT);
	wq = want(q, NR_SPLIT);
	check_lat("system delivery", &r.sys_delivery, &wd);
	check_lat("system queue", &r.sys_queue, &wq);
	CHECK_EQ_U64(r.sys_runq.count, NR_SPLIT);
	/* CPU 2: waits 2, 6, 10, ... */
	for (k = 2, n = 0; k < NR_SPLIT; k += 4)
		d[n++] = split_delivery(k);
	wd = want(d, n);
	check_lat("cpu 2 delivery", &r.cpu_delivery[2], &wd);
	/* Cross-node landings: waits 3, 13, 23, ... */
	for (k = 3, n = 0; k < NR_SPLIT; k += 10)
		q[n++] = split_wait(k) - split_delivery(k);
	wq = want(q, n);
	check_lat("cross-node landing queue", &r.landing_queue[SDR_LOC_CROSS_NODE], &wq);
	CHECK_EQ_U64(r.landing_delivery[SDR_LOC_SAME_LLC].count, 0);
	/* Task 501: the odd waits. */
	for (i = 0; i < r.nr_tasks; i++) {
		const struct report_task *t = &r.tasks[i];

		if (t->id.tid != 501)
			continue;
		for (k = 1, n = 0; k < NR_SPLIT; k += 2)
			d[n++] = split_delivery(k);
		wd = want(d, n);
		check_lat("task 501 delivery", &t->delivery, &wd);
		CHECK_EQ_U64(t->queue.count, NR_SPLIT / 2);
	}

	/* The JSON says the same, beside the whole wait. */
	{
		FILE *f = open_memstream(&json, &len);

		report__print_json(&r, f, 0, 1);
		fclose(f);
		f = open_memstream(&text, &len);
		report__print_text(&r, f, "split.sdt", 0);
		fclose(f);
	}
	fill_split(w, d, q);
	wd = want(d, NR_SPLIT);
	wq = want(q, NR_SPLIT);
	check_json_part(json, "delivery_ns", &wd);
	check_json_part(json, "queue_ns", &wq);
	CHECK(strstr(json, "\"schema\": \"schedrift.report/2\"") != NULL);
	CHECK(strstr(json, "\"delivery_samples_ns\":[") != NULL, "--samples lists deliveries");
	CHECK(strstr(text, "\n    delivery ") != NULL && strstr(text, "\n    queueing ") != NULL,
	      "text report has no split rows");
	CHECK(strstr(text, "dlv-p99") != NULL);
	for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		CHECK(nl - line <= 100, "line of %d columns", (int)(nl - line));
	free(json);
	free(text);
	report__free(&r);
	unlink(path);
}

/*
 * Waits arrive in per-CPU batches, late and out of order: a wait that ended
 * before the task holding its tid started is its predecessor's, and each
 * task's samples come out in time order. With old_late the predecessor's
 * exit comes after the new task's record (an exit travels in its CPU's
 * batch): the new task's row stays the tid's current one.
 */
static void check_reuse_and_order(int old_late)
{
	static const struct { __u64 ts, wait; } waits[] = {
		{ SPLIT_START + 9000, 900 }, { SPLIT_START + 3000, 300 }, { SPLIT_START + 7000, 700 },
	};
	static struct wait_batch b;
	struct sdr_rec_task old = {}, cur = {};
	const struct report_task *a = NULL, *c = NULL;
	const struct sdr_rec_hdr *h;
	struct trace_trailer tr = {};
	struct trace_error e = {};
	struct trace_writer *wr;
	struct trace_meta meta;
	struct wait_sample ws;
	struct report r;
	char path[128];
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/reuse.sdt", dir);
	split_meta(&meta);
	wr = trace_writer__open(path, &meta, &err);
	CHECK(wr != NULL);
	if (!wr)
		return;
	old.hdr.type = SDR_REC_TASK_EXIT;
	old.hdr.size = sizeof(old);
	old.hdr.ts_ns = SPLIT_START + 4000;
	old.task.tid = old.task.tgid = 700;
	old.task.start_ns = SPLIT_START + 1000;
	strcpy(old.task.comm, "old");
	cur = old;
	cur.hdr.type = SDR_REC_TASK_SNAPSHOT;
	cur.hdr.ts_ns = SPLIT_START + 10000;
	cur.task.start_ns = SPLIT_START + 5000;
	strcpy(cur.task.comm, "new");
	if (!old_late)
		CHECK(trace_writer__append(wr, &old, sizeof(old)) == 0);
	CHECK(trace_writer__append(wr, &cur, sizeof(cur)) == 0);
	if (old_late)
		CHECK(trace_writer__append(wr, &old, sizeof(old)) == 0);
	wait_batch__init(&b);
	for (i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		memset(&ws, 0, sizeof(ws));
		ws.ts_ns = waits[i].ts;
		ws.wait_ns = waits[i].wait;
		ws.tid = 700;
		CHECK(wait_batch__add(&b, &ws) == 0);
	}
	h = wait_batch__record(&b);
	CHECK(trace_writer__append(wr, h, h->size) == 0);
	tr.end_mono_ns = SPLIT_START + 20000;
	CHECK(trace_writer__close(wr, &tr) == 0);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	for (i = 0; i < r.nr_tasks; i++) {
		if (r.tasks[i].id.tid != 700)
			continue;
		if (r.tasks[i].id.start_ns == old.task.start_ns)
			a = &r.tasks[i];
		else if (r.tasks[i].id.start_ns == cur.task.start_ns)
			c = &r.tasks[i];
	}
	CHECK(a && c, "two rows for tid 700 (old exit late: %d)", old_late);
	if (a && c) {
		CHECK_EQ_U64(a->waits.n, 1);
		CHECK_EQ_U64(a->runq.max, 300);
		CHECK_EQ_U64(c->waits.n, 2);
		if (c->waits.n == 2) {
			CHECK_EQ_U64(c->waits.ts[0], SPLIT_START + 7000);
			CHECK_EQ_U64(c->waits.ts[1], SPLIT_START + 9000);
		}
		CHECK_EQ_U64(c->runq.max, 900);
	}
	report__free(&r);
	unlink(path);
}

/*
 * A task renamed during the capture: the records that name it are not in
 * time order in the file (record writes its kept outliers last), and the
 * name of the latest one wins. A file without wait samples (record
 * --no-samples) takes its waits from the task totals: the same count per
 * task, cgroup and system, no CPU figures, 1/16 bound.
 */
static void check_names_and_totals(void)
{
	struct sdr_rec_migrate m = {};
	struct sdr_rec_outlier o = {};
	struct sdr_rec_task t = {}, u = {};
	struct trace_trailer tr = {};
	struct trace_error e = {};
	struct trace_writer *wr;
	struct trace_meta meta;
	struct report r;
	char path[128], *json = NULL, *text = NULL;
	size_t i, len;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/names.sdt", dir);
	split_meta(&meta);
	wr = trace_writer__open(path, &meta, &err);
	CHECK(wr != NULL);
	if (!wr)
		return;
	m.hdr.type = SDR_REC_MIGRATE;
	m.hdr.size = sizeof(m);
	m.hdr.ts_ns = SPLIT_START + 100;
	m.task.tid = m.task.tgid = 800;
	m.task.start_ns = SPLIT_START + 1;
	strcpy(m.task.comm, "before");
	m.to_cpu = 1;
	t.hdr.type = SDR_REC_TASK_EXIT;
	t.hdr.size = sizeof(t);
	t.hdr.ts_ns = SPLIT_START + 5000;
	t.task = m.task;
	strcpy(t.task.comm, "after");
	t.counts.waits = 6;
	t.counts.wait_sum_ns = 6000;
	t.counts.wait_max_ns = 2000;
	t.counts.delivery_sum_ns = 600;
	t.counts.delivery_max_ns = 200;
	t.counts.queue_max_ns = 1800;
	t.counts.cgroup_id = 77;
	t.counts.wait_hist[sdr_hist_bucket(900) >> SDR_TASK_HIST_SHIFT] += 5;
	t.counts.wait_hist[sdr_hist_bucket(2000) >> SDR_TASK_HIST_SHIFT] += 1;
	u = t;
	u.hdr.type = SDR_REC_TASK_SNAPSHOT;
	u.task.tid = u.task.tgid = 801;
	u.counts.waits = 4;
	u.counts.wait_hist[sdr_hist_bucket(900) >> SDR_TASK_HIST_SHIFT] -= 2;
	/* An outlier from before the rename, written after the exit (as record does). */
	o.hdr.type = SDR_REC_OUTLIER;
	o.hdr.size = sizeof(o);
	o.hdr.ts_ns = SPLIT_START + 200;
	o.task = m.task;
	o.wait_ns = 2000;
	CHECK(trace_writer__append(wr, &m, sizeof(m)) == 0);
	CHECK(trace_writer__append(wr, &t, sizeof(t)) == 0);
	CHECK(trace_writer__append(wr, &u, sizeof(u)) == 0);
	CHECK(trace_writer__append(wr, &o, sizeof(o)) == 0);
	tr.end_mono_ns = SPLIT_START + 20000;
	tr.nr_counters = 1;
	strcpy(tr.counters[0].name, "waits");
	tr.counters[0].value = 10;
	CHECK(trace_writer__close(wr, &tr) == 0);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	for (i = 0; i < r.nr_tasks; i++)
		if (r.tasks[i].id.tid == 800)
			CHECK(strcmp(r.tasks[i].id.comm, "after") == 0, "tid 800 named %s",
			      r.tasks[i].id.comm);
	CHECK(r.from_totals, "no samples, yet not from the totals");
	CHECK_EQ_U64(r.sys_runq.count, 10);
	CHECK_EQ_U64(r.sys_runq.max, 2000);
	CHECK(r.sys_runq.rel_error > 0.06 && r.sys_runq.rel_error < 0.07);
	CHECK_EQ_U64(r.sys_delivery.count, 10);
	CHECK(r.sys_delivery.no_pct && r.sys_delivery.max == 200);
	CHECK(r.nr_cgroups == 1 && r.cgroups[0].runq.count == 10 && r.cgroups[0].id == 77);
	CHECK_EQ_U64(report__waits_untotalled(&r), 0);
	f = open_memstream(&json, &len);
	report__print_json(&r, f, 0, 0);
	fclose(f);
	f = open_memstream(&text, &len);
	report__print_text(&r, f, "names.sdt", 0);
	fclose(f);
	CHECK(strstr(json, "\"cpus\": []") != NULL, "per-CPU figures without samples");
	CHECK(strstr(json, "\"nr_outliers\": 1,") != NULL);
	CHECK(strstr(text, "from 10 waits in the tasks' totals, within 1/16") != NULL);
	free(json);
	free(text);
	report__free(&r);
	unlink(path);
}

/*
 * A trace version 1 file, laid out as docs/trace-format.md says version 1
 * was: the records' older, shorter layouts, and wait entries without a
 * delivery. Written with this build's writer, then its version put back
 * to 1 (and the header CRC made again).
 */
static void write_v1(const char *path)
{
	__u8 task[1576], outlier[96], batch[4096], *buf;
	struct sdr_rec_hdr hdr = {};
	struct trace_trailer tr = {};
	struct trace_meta meta;
	struct trace_writer *wr;
	struct sdr_task_id id = { .tid = 600, .tgid = 600, .start_ns = 77 };
	size_t len, hlen;
	__u32 count = 8, k;
	__u64 prev_ts;
	FILE *f;
	int err;

	split_meta(&meta);
	strcpy(id.comm, "old");
	wr = trace_writer__open(path, &meta, &err);
	CHECK(wr != NULL);
	if (!wr)
		return;
	/* Type 3: struct sdr_rec_task with version 1's counts (1528 bytes, from offset 48). */
	memset(task, 0, sizeof(task));
	hdr.type = SDR_REC_TASK_SNAPSHOT;
	hdr.size = sizeof(task);
	hdr.ts_ns = SPLIT_START + 5000;
	memcpy(task, &hdr, sizeof(hdr));
	memcpy(task + 16, &id, sizeof(id));
	*(__u64 *)(task + 48) = 3000000;          /* runtime_ns */
	*(__u64 *)(task + 48 + 8) = count;        /* waits */
	*(__u64 *)(task + 48 + 32) = 4242;        /* cgroup_id */
	*(__s32 *)(task + 48 + 40) = -1;          /* preferred_nid */
	*(__u64 *)(task + 48 + 248 + 8) = 3000000; /* node_runtime_ns[1] */
	CHECK(trace_writer__append(wr, task, sizeof(task)) == 0);
	/* Type 5: struct sdr_rec_outlier without delivery_ns (96 bytes). */
	memset(outlier, 0, sizeof(outlier));
	hdr.type = SDR_REC_OUTLIER;
	hdr.size = sizeof(outlier);
	hdr.cpu = 1;
	memcpy(outlier, &hdr, sizeof(hdr));
	memcpy(outlier + 16, &id, sizeof(id));
	memcpy(outlier + 48, &id, sizeof(id));
	*(__u64 *)(outlier + 80) = 2000000; /* wait_ns */
	*(__u64 *)(outlier + 88) = 12345;   /* prev_ran_ns */
	CHECK(trace_writer__append(wr, outlier, sizeof(outlier)) == 0);
	/* Type 17, version 1 entries: ts delta, cpu, tid delta, landing, wait. */
	hdr.type = SDR_REC_WAIT_BATCH;
	hdr.cpu = 0;
	hdr.ts_ns = prev_ts = SPLIT_START + 100;
	len = sizeof(hdr);
	memcpy(batch + len, &count, 4);
	len += 4;
	for (k = 0; k < count; k++) {
		len += put_varint(batch + len, k ? 2 * 100 : 0); /* zigzag of +100 */
		len += put_varint(batch + len, k % 4);
		len += put_varint(batch + len, k ? 0 : 2 * 600);
		batch[len++] = k == 5 ? 1 + SDR_LOC_CROSS_LLC : 0;
		len += put_varint(batch + len, 1000 * (k + 1));
	}
	hdr.size = len;
	memcpy(batch, &hdr, sizeof(hdr));
	CHECK(trace_writer__append(wr, batch, len) == 0);
	tr.end_mono_ns = SPLIT_START + 1000000000ull;
	CHECK(trace_writer__close(wr, &tr) == 0);

	f = fopen(path, "r+b");
	buf = malloc(1 << 16);
	if (!f || !buf) {
		CHECK(0, "cannot reopen %s", path);
		return;
	}
	len = fread(buf, 1, 1 << 16, f);
	hlen = tf_le32(buf + 12);
	tf_put_le32(buf + 8, 1);
	tf_put_le32(buf + hlen - 4, tf_crc(buf, hlen - 4));
	rewind(f);
	CHECK(fwrite(buf, 1, len, f) == len);
	fclose(f);
	free(buf);
}

static void check_v1(void)
{
	struct trace_error e = {};
	struct report r;
	char path[128], *json = NULL, *text = NULL, *chrome = NULL;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/v1.sdt", dir);
	write_v1(path);
	CHECK(report__load(&r, path, 0, &e) == 0, "version 1 file: %s", e.msg);
	CHECK(r.meta.version == 1 && !r.has_split);
	CHECK_EQ_U64(r.nr_unknown, 0);
	CHECK_EQ_U64(r.nr_tasks, 1);
	CHECK_EQ_U64(r.nr_waits, 8);
	if (r.nr_tasks == 1) {
		const struct report_task *t = &r.tasks[0];

		/* The fields after the older counts' end moved: they must still read right. */
		CHECK(t->have_totals && t->runtime_ns == 3000000 && t->cgroup_id == 4242 &&
		      t->home_node == 1 && t->runq.count == 8 && t->runq.max == 8000 &&
		      t->landing.count == 1 && t->landing.max == 6000, "version 1 task row");
		CHECK(t->delivery.count == 0 && t->queue.count == 0);
	}
	CHECK(r.nr_outliers == 1 && r.outliers[0].wait_ns == 2000000 &&
	      r.outliers[0].prev_ran_ns == 12345 && r.outliers[0].delivery_ns == 0);
	f = open_memstream(&json, &len);
	report__print_json(&r, f, 0, 1);
	fclose(f);
	f = open_memstream(&text, &len);
	report__print_text(&r, f, "v1.sdt", 0);
	fclose(f);
	f = open_memstream(&chrome, &len);
	CHECK(report__print_chrome(&r, f, 0) == 0);
	fclose(f);
	/* Unknown, not zero: null in JSON, absent in chrome, said in text. */
	CHECK(strstr(json, "\n    \"delivery_ns\": null,\n    \"queue_ns\": null,\n") != NULL,
	      "system split of a version 1 file is not null");
	CHECK(strstr(json, "\"delivery_ns\": {") == NULL, "a version 1 file got a split");
	CHECK(strstr(json, "\"delivery_samples_ns\"") == NULL);
	CHECK(strstr(text, "no delivery/queueing split: the file is trace format version 1"));
	CHECK(strstr(chrome, "delivery_ns") == NULL && strstr(chrome, "\"runnable\"") != NULL);
	free(json);
	free(text);
	free(chrome);
	report__free(&r);
	unlink(path);
}

int main(void)
{
	unsigned int fwd[NR_RECS], shuf[NR_RECS], i, j, tmp, seed = 12345;
	char p1[128], p2[128], p3[128];
	char *t1, *t1b, *t2, *j1, *j1b, *j2;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < NR_RECS; i++)
		fwd[i] = shuf[i] = i;
	for (i = NR_RECS - 1; i > 0; i--) {
		seed = seed * 1103515245 + 12345;
		j = (seed >> 8) % (i + 1);
		tmp = shuf[i], shuf[i] = shuf[j], shuf[j] = tmp;
	}
	/*
	 * A tid's incarnations follow each other in time, in any file: put
	 * tid 103's records back in their order, leaving everything else
	 * shuffled around them.
	 */
	for (i = 0, j = 0; i < NR_RECS; i++) {
		if (100 + shuf[i] % 7 != 103)
			continue;
		while (100 + j % 7 != 103)
			j++;
		shuf[i] = j++;
	}
	snprintf(p1, sizeof(p1), "%s/fwd.sdt", dir);
	snprintf(p2, sizeof(p2), "%s/shuf.sdt", dir);
	snprintf(p3, sizeof(p3), "%s/cut.sdt", dir);
	write_trace(p1, fwd, 1, 5);
	write_trace(p2, shuf, 1, 5);
	write_trace(p3, fwd, 0, 0);

	t1 = render(p1, 0, 0), t1b = render(p1, 0, 0), t2 = render(p2, 0, 0);
	j1 = render(p1, 1, 0), j1b = render(p1, 1, 0), j2 = render(p2, 1, 0);
	CHECK(strcmp(t1, t1b) == 0, "text report differs between two runs");
	CHECK(strcmp(j1, j1b) == 0, "json report differs between two runs");
	CHECK(strcmp(t1, t2) == 0, "text report depends on record order");
	CHECK(strcmp(j1, j2) == 0, "json report depends on record order");
	/* Hostile comm: escaped in JSON, replaced in text. */
	CHECK(strstr(j1, "\"q\\\"\\\\\\u000a\\ufffd\\u0001z\"") != NULL, "comm not escaped");
	CHECK(strstr(t1, " q\"\\???z ") != NULL, "comm not sanitised in text");
	for (char *p = t1; *p; p++)
		CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "raw byte 0x%02x in text", *p & 0xff);
	{
		/* Every text line fits in 100 columns. */
		char *line = t1, *nl;

		while ((nl = strchr(line, '\n'))) {
			CHECK(nl - line <= 100, "line of %d columns", (int)(nl - line));
			line = nl + 1;
		}
	}
	check_order_and_rows(p1);
	check_totals(p1, p3, 5);
	check_split();
	check_reuse_and_order(0);
	check_reuse_and_order(1);
	check_names_and_totals();
	check_v1();

	free(t1), free(t1b), free(t2), free(j1), free(j1b), free(j2);
	unlink(p1), unlink(p2), unlink(p3);
	rmdir(dir);
	return check_summary();
}
