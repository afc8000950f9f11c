// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Report model and rendering, from trace files written here:
 * - the same file renders to the same bytes (text and JSON), and so does a
 *   file holding the same records in another order;
 * - tasks are sorted by penalty desc, then tid, then start time, and a
 *   reused tid (same tid, new start time) is a separate row;
 * - system totals come from the trailer when there is one (they include
 *   events whose records were lost), from the records otherwise;
 * - hostile comm bytes cannot break the JSON or the text table.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "report.h"
#include "topology.h"

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

	free(t1), free(t1b), free(t2), free(j1), free(j1b), free(j2);
	unlink(p1), unlink(p2), unlink(p3);
	rmdir(dir);
	return check_summary();
}
