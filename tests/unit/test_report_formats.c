// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The chrome (Trace Event Format) and html reports, from a trace written
 * here with every record type the report reads:
 * - chrome output is JSON (checked by a small validator below) and valid
 *   UTF-8; it holds one "runnable" event per wait, one "migrate" per
 *   migration record, one NUMA instant per decision and one outlier each;
 * - both formats give the same bytes twice, and for the same records in
 *   another order;
 * - each wait carries its delivery and queueing parts (chrome args, html rows);
 * - hostile task names and cgroup paths (quotes, backslash, newline,
 *   </script>, <b>, control bytes, invalid UTF-8) are escaped in both;
 * - --top in chrome counts what it leaves out; an empty or cut-short
 *   trace still renders.
 * tests/cli/test_report_formats checks the same outputs with Python's own
 * json and html.parser modules.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "report/load.h"
#include "report/render.h"
#include "host/topology.h"
#include "lib/util.h"
#include "trace/wait_batch.h"

#define NR_TIDS 6
#define NR_MIGS 240
#define NR_NUMA 12
#define NR_OUTLIERS 15
#define NR_WAITS 3000
#define WAITS_PER_BATCH 100
#define START_MONO 1000000000ull

/* Quotes, backslash and markup; and newline, bad UTF-8, C0, DEL and a C1 control. */
#define HOSTILE1 "</script><b>\"\\"
#define HOSTILE2 "x\n\xff\xc3\x28&'\x01\x7f\xc2\x85z"
#define HOSTILE_CG "/svc/a<b>&\"x\xff.service"

static const __u32 tids[NR_TIDS] = { 200, 201, 202, 300, 301, 400 };
static const __u32 tgids[NR_TIDS] = { 200, 200, 200, 300, 300, 400 };
static const char *const comms[NR_TIDS] = { "web", "web-w1", "web-w2", HOSTILE1, HOSTILE2,
					    "db" };

static char dir[] = "/tmp/schedrift-formats-XXXXXX";

/* Records to write, each its own allocation so that they can be shuffled. */
struct recs {
	void *v[1024];
	size_t n;
};

static void push(struct recs *l, const void *rec, size_t len)
{
	void *p = malloc(len);

	memcpy(p, rec, len);
	l->v[l->n++] = p;
}

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

static void task_id(struct sdr_task_id *id, int k)
{
	memset(id, 0, sizeof(*id));
	id->tid = tids[k];
	id->tgid = tgids[k];
	id->start_ns = 500;
	memcpy(id->comm, comms[k], strlen(comms[k]));
}

static void hdr(struct sdr_rec_hdr *h, int type, size_t size, __u32 cpu, __u64 ts)
{
	h->type = type;
	h->size = size;
	h->cpu = cpu;
	h->ts_ns = ts;
}

static void add_cgroup(struct recs *l, __u64 id, const char *path)
{
	char buf[256] = {};
	struct sdr_rec_cgroup *c = (struct sdr_rec_cgroup *)buf;
	size_t size = sizeof(*c) + strlen(path) + 1;

	hdr(&c->hdr, SDR_REC_CGROUP, size, 0, START_MONO);
	c->id = id;
	strcpy(c->path, path);
	push(l, buf, size);
}

static void add_tasks(struct recs *l)
{
	struct sdr_rec_task t;
	int k;

	for (k = 0; k < NR_TIDS; k++) {
		memset(&t, 0, sizeof(t));
		hdr(&t.hdr, SDR_REC_TASK_SNAPSHOT, sizeof(t), 0, START_MONO + 1900000000ull);
		task_id(&t.task, k);
		t.counts.runtime_ns = 1000000ull * (k + 1);
		t.counts.node_runtime_ns[k % 2] = t.counts.runtime_ns;
		t.counts.preferred_nid = -1;
		t.counts.cgroup_id = k < 4 ? 7 : 8;
		push(l, &t, sizeof(t));
	}
}

static void add_migrations(struct recs *l, const struct topology *topo, struct trace_trailer *tr,
			   struct sdr_node_cell *cells)
{
	struct sdr_rec_migrate m;
	int i;

	for (i = 0; i < NR_MIGS; i++) {
		memset(&m, 0, sizeof(m));
		m.from_cpu = i % 4;
		m.to_cpu = (m.from_cpu + 1 + i % 3) % 4; /* same LLC, or the other node */
		/* Every 40th pair shares its timestamp with the one before. */
		hdr(&m.hdr, SDR_REC_MIGRATE, sizeof(m), m.to_cpu,
		    START_MONO + 1000 * (i - (i % 40 == 1)) + 17);
		task_id(&m.task, i % NR_TIDS);
		m.from_node = topo->cpu_node[m.from_cpu];
		m.to_node = topo->cpu_node[m.to_cpu];
		m.locality = topology__locality(topo, m.from_cpu, m.to_cpu);
		m.cause = i % SDR_CAUSE_NR;
		m.penalty_milli = topology__penalty_milli(topo, m.from_node, m.to_node);
		tr->migrations[m.locality][m.cause]++;
		tr->penalty_milli += m.penalty_milli;
		cells[m.from_node * 2 + m.to_node].by_cause[m.cause]++;
		push(l, &m, sizeof(m));
	}
}

static void add_numa(struct recs *l)
{
	struct sdr_rec_numa n;
	int i;

	for (i = 0; i < NR_NUMA; i++) {
		memset(&n, 0, sizeof(n));
		hdr(&n.hdr, SDR_REC_NUMA, sizeof(n), 0, START_MONO + 3000000 + 5000 * i);
		task_id(&n.task, i % NR_TIDS);
		n.kind = i % SDR_NUMA_NR;
		n.src_cpu = i % 4;
		/* The balancer found no destination: -1, printed as such. */
		n.dst_cpu = n.kind == SDR_NUMA_STICK_NO_TARGET ? -1 : (i + 2) % 4;
		n.src_node = n.src_cpu / 2;
		n.dst_node = n.dst_cpu < 0 ? -1 : n.dst_cpu / 2;
		n.other_tid = n.kind == SDR_NUMA_SWAP ? tids[(i + 1) % NR_TIDS] : 0;
		push(l, &n, sizeof(n));
	}
}

static void add_outliers(struct recs *l)
{
	struct sdr_rec_outlier o;
	int i;

	for (i = 0; i < NR_OUTLIERS; i++) {
		memset(&o, 0, sizeof(o));
		hdr(&o.hdr, SDR_REC_OUTLIER, sizeof(o), i % 4, START_MONO + 4000000 + 9000 * i);
		task_id(&o.task, i % NR_TIDS);
		task_id(&o.prev, (i + 3) % NR_TIDS);
		o.wait_ns = 5000000 + 1000 * (i / 2); /* pairs of equal waits */
		o.prev_ran_ns = i % 3 ? 2000000 + i : 0;
		push(l, &o, sizeof(o));
	}
}

/* Waits in batches, as the recorder writes them; the first began before the capture. */
static void add_waits(struct recs *l)
{
	static struct wait_batch b;
	struct wait_sample w;
	const struct sdr_rec_hdr *h;
	int i;

	wait_batch__init(&b);
	for (i = 0; i < NR_WAITS; i++) {
		memset(&w, 0, sizeof(w));
		w.cpu = i % 4;
		w.ts_ns = START_MONO + 100 + 700ull * i;
		w.tid = tids[i % NR_TIDS];
		w.wait_ns = i ? (i * 7919ull) % 100000 + 100 : 5000;
		/* tid 200 becomes runnable when its first migration happens (+17 ns). */
		if (i == NR_TIDS)
			w.wait_ns = w.ts_ns - START_MONO - 17;
		/* A third of the first wait was its delivery; every 5th wait a preemption (0). */
		w.delivery_ns = i % 5 ? w.wait_ns / 3 : 0;
		w.landing = i % 11 == 0 ? 1 + i % 3 : 0;
		CHECK(wait_batch__add(&b, &w) == 0);
		if ((i + 1) % WAITS_PER_BATCH == 0) {
			h = wait_batch__record(&b);
			push(l, h, h->size);
			wait_batch__init(&b);
		}
	}
}

static void fixture(struct recs *l, const struct topology *topo, struct trace_trailer *tr,
		    struct sdr_node_cell *cells)
{
	add_cgroup(l, 7, HOSTILE_CG);
	add_cgroup(l, 8, "/ok");
	add_tasks(l);
	add_migrations(l, topo, tr, cells);
	add_numa(l);
	add_outliers(l);
	add_waits(l);
}

static void shuffle(struct recs *l, unsigned int seed)
{
	size_t i, j;
	void *tmp;

	for (i = l->n - 1; i > 0; i--) {
		seed = seed * 1103515245 + 12345;
		j = (seed >> 8) % (i + 1);
		tmp = l->v[i], l->v[i] = l->v[j], l->v[j] = tmp;
	}
}

/* kind: 0 complete, 1 no records at all, 2 cut short (no trailer). */
static void write_trace(const char *path, unsigned int seed, int kind)
{
	struct sdr_node_cell cells[4] = {};
	struct trace_trailer tr = {};
	struct trace_meta meta = {};
	struct trace_writer *w;
	struct recs l = {};
	size_t i;
	int err;

	two_nodes(&meta.topo);
	strcpy(meta.kernel_release, "6.18.0-test");
	strcpy(meta.hostname, "host<i>&\"");
	meta.nr_cpus_online = 4;
	meta.start_mono_ns = START_MONO;
	meta.start_realtime_ns = 1700000000000000000ull;
	strcpy(meta.command, "schedrift record -d 2 --comm '<script>'");
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL, "open %s: %d", path, err);
	if (!w)
		exit(1);
	if (kind != 1)
		fixture(&l, &meta.topo, &tr, cells);
	if (seed)
		shuffle(&l, seed);
	for (i = 0; i < l.n; i++) {
		const struct sdr_rec_hdr *h = l.v[i];

		CHECK(trace_writer__append(w, h, h->size) == 0);
		if (i % 7 == 0)
			trace_writer__flush(w);
		free(l.v[i]);
	}
	if (kind == 2) {
		trace_writer__flush(w);
		trace_writer__abort(w);
		return;
	}
	tr.end_mono_ns = START_MONO + 2000000000ull;
	tr.nr_counters = 2;
	strcpy(tr.counters[0].name, "ringbuf");
	tr.counters[0].value = 3;
	strcpy(tr.counters[1].name, "records");
	tr.counters[1].value = l.n;
	tr.nr_nodes = 2;
	tr.node_matrix = cells;
	CHECK(trace_writer__close(w, &tr) == 0);
}

enum fmt { CHROME, HTML, JSON };

static char *render(const char *path, enum fmt fmt, int top_n, struct report *keep)
{
	struct trace_error e = {};
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(report__load(&r, path, 1, &e) == 0, "load %s: %s", path, e.msg);
	f = open_memstream(&buf, &len);
	if (fmt == CHROME)
		CHECK(report__print_chrome(&r, f, top_n) == 0);
	else if (fmt == HTML)
		CHECK(report__print_html(&r, f, "dir/<t>.sdt", top_n) == 0);
	else
		report__print_json(&r, f, top_n, 0);
	fclose(f);
	if (keep)
		*keep = r;
	else
		report__free(&r);
	return buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* The number after `"key": ` following the first `"section": {`. */
static __u64 field(const char *s, const char *section, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": {", section);
	p = strstr(s, pat);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = p ? strstr(p, pat) : NULL;
	return p ? strtoull(p + strlen(pat), NULL, 10) : ~0ull;
}

/* ---- a strict JSON syntax check (RFC 8259), enough to trust the output ---- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *jv(const char *p, int depth);

static const char *jstring(const char *p)
{
	int i;

	for (p++; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *jnumber(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p += p[1] == '+' || p[1] == '-' ? 2 : 1;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* Members of an object (obj) or elements of an array, after the opening bracket. */
static const char *jlist(const char *p, int obj, int depth)
{
	char close = obj ? '}' : ']';

	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			if (*p != '"' || !(p = jstring(p)))
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = jv(p, depth + 1)))
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

static const char *jv(const char *p, int depth)
{
	p = ws(p);
	if (depth > 64)
		return NULL;
	switch (*p) {
	case '{': return jlist(p + 1, 1, depth);
	case '[': return jlist(p + 1, 0, depth);
	case '"': return jstring(p);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default: return jnumber(p);
	}
}

static int json_valid(const char *s)
{
	const char *end = jv(s, 0);

	return end && *ws(end) == 0;
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), n;

	while (left) {
		n = utf8_len(p, left);
		if (!n)
			return 0;
		p += n;
		left -= n;
	}
	return 1;
}

/* ---- the checks ---- */

static void check_chrome(const char *c, const struct report *r)
{
	__u64 mig = 0;
	int l, k;

	for (l = 0; l < SDR_LOC_NR; l++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			mig += r->migrations[l][k];
	CHECK(json_valid(c), "chrome output is not JSON");
	CHECK(utf8_valid(c), "chrome output is not UTF-8");
	CHECK(strncmp(c, "{\n  \"traceEvents\": [\n", 21) == 0);
	CHECK(strstr(c, "\"displayTimeUnit\": \"ns\"") != NULL);
	CHECK_EQ_U64(count(c, "\"name\":\"runnable\""), r->nr_waits);
	CHECK_EQ_U64(count(c, "\"name\":\"runnable\""), NR_WAITS);
	CHECK_EQ_U64(count(c, "\"name\":\"migrate\""), mig);
	CHECK_EQ_U64(count(c, "\"name\":\"migrate\""), NR_MIGS);
	CHECK_EQ_U64(count(c, "\"cat\":\"numa\""), NR_NUMA);
	CHECK_EQ_U64(count(c, "\"name\":\"outlier\""), NR_OUTLIERS);
	CHECK_EQ_U64(count(c, "\"name\":\"thread_name\""), NR_TIDS);
	CHECK_EQ_U64(count(c, "\"name\":\"process_name\""), 3);
	CHECK_EQ_U64(field(c, "events", "runnable"), NR_WAITS);
	CHECK_EQ_U64(field(c, "omitted", "runnable"), 0);
	/* Every loss counter, zero or not; and the capture's own figures. */
	for (k = 0; k < STAT_ALL_NR; k++)
		if (stat_descs[k].kind == STAT_LOSS)
			CHECK(field(c, "lost", stat_descs[k].name) != ~0ull, "no lost.%s",
			      stat_descs[k].name);
	CHECK_EQ_U64(field(c, "lost", "ringbuf"), 3);
	CHECK_EQ_U64(field(c, "capture", "start_mono_ns"), START_MONO);
	CHECK(strstr(c, "\"distance\": [\n        [10, 21],\n        [21, 10]\n      ]") != NULL,
	      "topology distances missing");
	/* Microseconds with three decimals; the first wait began 4.9 us before the start. */
	CHECK(strstr(c, "\"ph\":\"X\",\"ts\":-4.900,\"dur\":5.000,") != NULL);
	/* Each wait's parts as args (the first was a preemption: no delivery). */
	CHECK_EQ_U64(count(c, "\"queue_ns\":"), NR_WAITS);
	CHECK_EQ_U64(count(c, "\"delivery_ns\":"), NR_WAITS + NR_OUTLIERS);
	CHECK(strstr(c, "\"args\":{\"cpu\":0,\"landing\":\"same_llc\",\"delivery_ns\":0,"
			"\"queue_ns\":5000}") != NULL, "first wait's parts");
	/* Wait 1: 7919 + 100 ns, a third of it delivery. */
	CHECK(strstr(c, "\"delivery_ns\":2673,\"queue_ns\":5346}") != NULL, "second wait's parts");
	CHECK(strstr(c, "\"ts\":0.017,\"s\":\"t\",\"pid\":200,\"tid\":200,\"args\":{\"from_cpu\":0,"
			"\"to_cpu\":1,\"from_node\":0,\"to_node\":0,\"locality\":\"same_llc\","
			"\"cause\":\"wakeup\",\"penalty\":0.000}") != NULL, "first migration");
	CHECK(strstr(c, "\"kind\":\"stick_no_target\",\"src_cpu\":2,\"dst_cpu\":-1") != NULL);
	CHECK(strstr(c, "\"landing\":\"cross_llc\"") != NULL);
	/* Hostile names: escaped, never raw. */
	CHECK(strstr(c, "\"name\":\"</script><b>\\\"\\\\\"") != NULL, "comm 1 not escaped");
	CHECK(strstr(c, "\"x\\u000a\\ufffd\\ufffd(&'\\u0001\\u007f\xc2\x85z\"") != NULL,
	      "comm 2 not escaped");
	CHECK(strstr(c, "\"hostname\": \"host<i>&\\\"\"") != NULL);
}

/* By (ts, tid, kind): a wait's X event before the instants at its start. */
static void check_sorted(const char *c)
{
	const char *p = c, *t, *a, *b, *d;
	double prev = -1e18, ts;
	unsigned long prev_tid = 0, tid;
	int bad = 0;

	while ((p = strstr(p, "\"ts\":"))) {
		ts = strtod(p + 5, NULL);
		t = strstr(p, "\"tid\":");
		tid = t ? strtoul(t + 6, NULL, 10) : 0;
		bad += ts < prev || (ts == prev && tid < prev_tid);
		prev = ts;
		prev_tid = tid;
		p += 5;
	}
	CHECK(bad == 0, "%d events out of (ts, tid) order", bad);
	a = strstr(c, "\"ph\":\"X\",\"ts\":0.017,\"dur\":4.283,\"pid\":200,\"tid\":200,");
	b = strstr(c, "\"ph\":\"i\",\"ts\":0.017,\"s\":\"t\",\"pid\":200,\"tid\":200,");
	d = strstr(c, "\"ph\":\"i\",\"ts\":0.017,\"s\":\"t\",\"pid\":200,\"tid\":201,");
	CHECK(a && b && d && a < b && b < d, "wait, then its migration, then the next tid's");
}

static void check_html(const char *h)
{
	const char *p;

	CHECK(utf8_valid(h), "html is not UTF-8");
	for (p = h; *p; p++)
		CHECK(*p == '\n' || (unsigned char)*p >= 0x20, "raw byte 0x%02x", *p & 0xff);
	CHECK(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">\n", 33) == 0);
	CHECK(strstr(h, "</body>\n</html>\n") != NULL);
	/* We write no scripts, so any of these came from the file. */
	CHECK(strstr(h, "<script") == NULL && strstr(h, "</script") == NULL);
	CHECK(strstr(h, "<b>") == NULL && strstr(h, "<i>") == NULL);
	CHECK(strstr(h, "&lt;/script&gt;&lt;b&gt;&quot;\\") != NULL, "comm 1 not escaped");
	CHECK(strstr(h, "x\xe2\x90\x8a\xef\xbf\xbd\xef\xbf\xbd(&amp;&#39;\xe2\x90\x81\xe2\x90\xa1"
			"\xef\xbf\xbdz") != NULL, "comm 2 not escaped");
	CHECK(strstr(h, "/svc/a&lt;b&gt;&amp;&quot;x\xef\xbf\xbd.service") != NULL,
	      "cgroup path not escaped");
	CHECK(strstr(h, "<title>schedrift report: host&lt;i&gt;&amp;&quot;</title>") != NULL);
	CHECK(strstr(h, "dir/&lt;t&gt;.sdt") != NULL);
	CHECK(strstr(h, "--comm &#39;&lt;script&gt;&#39;") != NULL);
	/* The delivery/queueing split beside the waits. */
	CHECK(strstr(h, "<td class=\"s\">system: delivery</td>") != NULL);
	CHECK(strstr(h, "<td class=\"s\">cross_node: queueing</td>") != NULL);
	CHECK(strstr(h, "<th>delivery-p99</th><th>queueing-p99</th>") != NULL);
	CHECK(strstr(h, "<th>wait</th><th>delivery</th>") != NULL);
	/* The sections of the text report, and two charts. */
	CHECK(count(h, "<section id=") == 9, "%zu sections", count(h, "<section id="));
	CHECK(count(h, "<svg ") == 2);
	CHECK(strstr(h, "<td style=\"background:#d64541\">") != NULL, "no heat colour");
	/* Self-contained: nothing to fetch. */
	CHECK(strstr(h, "src=") == NULL && strstr(h, "<link") == NULL &&
	      strstr(h, "url(") == NULL);
}

static void check_top(const char *path)
{
	char *c = render(path, CHROME, 2, NULL);

	CHECK(json_valid(c), "chrome --top 2 is not JSON");
	CHECK_EQ_U64(field(c, "events", "tasks"), 2);
	CHECK_EQ_U64(field(c, "omitted", "tasks"), NR_TIDS - 2);
	CHECK_EQ_U64(field(c, "events", "runnable") + field(c, "omitted", "runnable"), NR_WAITS);
	CHECK_EQ_U64(field(c, "events", "migrate") + field(c, "omitted", "migrate"), NR_MIGS);
	CHECK_EQ_U64(field(c, "events", "numa") + field(c, "omitted", "numa"), NR_NUMA);
	CHECK_EQ_U64(field(c, "events", "outlier") + field(c, "omitted", "outlier"), NR_OUTLIERS);
	CHECK_EQ_U64(count(c, "\"name\":\"runnable\""), field(c, "events", "runnable"));
	CHECK_EQ_U64(count(c, "\"name\":\"thread_name\""), 2);
	CHECK(field(c, "omitted", "runnable") > 0);
	free(c);
}

/* No records, and a file cut short: both still render, and say so. */
static void check_edges(const char *empty, const char *cut)
{
	char *c = render(empty, CHROME, 0, NULL), *h = render(empty, HTML, 0, NULL);

	CHECK(json_valid(c), "empty chrome is not JSON");
	CHECK(strstr(c, "\"traceEvents\": [\n    {") == NULL, "events from nothing");
	CHECK(strstr(h, "No run-queue waits in this capture.") != NULL);
	CHECK(strstr(h, "No migrations in this capture.") != NULL);
	CHECK(strstr(h, "</html>\n") != NULL);
	free(c), free(h);
	c = render(cut, CHROME, 0, NULL), h = render(cut, HTML, 0, NULL);
	CHECK(json_valid(c), "salvaged chrome is not JSON");
	CHECK(strstr(c, "\"complete\": false") != NULL && strstr(c, "\"error\": ") != NULL);
	CHECK(strstr(h, "<strong>Incomplete file:</strong>") != NULL);
	free(c), free(h);
}

int main(void)
{
	char p1[128], p2[128], p3[128], p4[128];
	char *c1, *c1b, *c2, *h1, *h1b, *h2, *j1;
	struct report r;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(p1, sizeof(p1), "%s/fwd.sdt", dir);
	snprintf(p2, sizeof(p2), "%s/shuf.sdt", dir);
	snprintf(p3, sizeof(p3), "%s/empty.sdt", dir);
	snprintf(p4, sizeof(p4), "%s/cut.sdt", dir);
	write_trace(p1, 0, 0);
	write_trace(p2, 4242, 0);
	write_trace(p3, 0, 1);
	write_trace(p4, 0, 2);

	c1 = render(p1, CHROME, 0, &r);
	c1b = render(p1, CHROME, 0, NULL);
	c2 = render(p2, CHROME, 0, NULL);
	h1 = render(p1, HTML, 0, NULL);
	h1b = render(p1, HTML, 0, NULL);
	h2 = render(p2, HTML, 0, NULL);
	j1 = render(p1, JSON, 0, NULL);
	CHECK(strcmp(c1, c1b) == 0, "chrome output differs between two runs");
	CHECK(strcmp(c1, c2) == 0, "chrome output depends on record order");
	CHECK(strcmp(h1, h1b) == 0, "html differs between two runs");
	CHECK(strcmp(h1, h2) == 0, "html depends on record order");
	/* The JSON report's migration total is what the timeline shows. */
	CHECK(strstr(j1, "\"migrations\": {\n      \"total\": 240,") != NULL);
	/* The trailer's ringbuf loss of 3 is said before anything else. */
	CHECK(strstr(j1, "\"schema\": \"schedrift.report/2\",\n  \"losses_total\": 3,") != NULL);
	CHECK(strstr(h1, "<strong>3 events lost:</strong>") != NULL &&
	      strstr(h1, "<strong>3 events lost:</strong>") < strstr(h1, "<nav>"));
	check_chrome(c1, &r);
	check_sorted(c1);
	check_html(h1);
	check_top(p1);
	check_edges(p3, p4);
	report__free(&r);

	free(c1), free(c1b), free(c2), free(h1), free(h1b), free(h2), free(j1);
	unlink(p1), unlink(p2), unlink(p3), unlink(p4);
	rmdir(dir);
	return check_summary();
}
