// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who delayed whom, from a trace file written here with every switch
 * (SDR_REC_SWITCH_BATCH) and the tasks' cgroups, the sums worked by hand:
 * - a victim's waits split among its CPU's holders, idle, and the part
 *   before a migration (premig) kept apart;
 * - the classes (same cgroup, another, kernel threads / system, idle,
 *   unknown for a holder no record names) at task and cgroup level;
 * - culprits sorted by time, then key; rows keyed after the sort;
 * - a file without switches has no table (known = 0);
 * - where the recorder marked a CPU's batches lost, what held that CPU is
 *   unknown, even when the next switch's prev matches by chance;
 * - the cgroups of one Kubernetes pod are one group, named by the pod;
 * - an SLO capture's command line names its rule (round trip, refusals),
 *   and its report opens with the breach and the culprits of the waits in
 *   the rule's scope at or over the objective.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "report/load.h"
#include "report/render.h"
#include "host/topology.h"
#include "trace/switch_batch.h"

#define S 1000000000ull

static char dir[] = "/tmp/schedrift-who-XXXXXX";

static const char *command = "schedrift record";

static void meta_of(struct trace_meta *m)
{
	memset(m, 0, sizeof(*m));
	topology__init(&m->topo);
	m->topo.nr_cpus = 2;
	m->topo.nr_nodes = 1;
	m->topo.cpu_node[0] = m->topo.cpu_node[1] = 0;
	m->topo.cpu_llc[0] = m->topo.cpu_llc[1] = 0;
	strcpy(m->kernel_release, "6.18.0-test");
	strcpy(m->hostname, "unit");
	m->nr_cpus_online = 2;
	m->start_mono_ns = S;
	snprintf(m->command, sizeof(m->command), "%s", command);
}

static void put_task(struct trace_writer *w, __u32 tid, const char *comm, __u64 cgroup)
{
	struct sdr_rec_task t = {};

	t.hdr.type = SDR_REC_TASK_SNAPSHOT;
	t.hdr.size = sizeof(t);
	t.hdr.ts_ns = S + 10000;
	t.task.tid = t.task.tgid = tid;
	t.task.start_ns = S - 1000 + tid;
	strcpy(t.task.comm, comm);
	t.counts.cgroup_id = cgroup;
	CHECK(trace_writer__append(w, &t, sizeof(t)) == 0);
}

static void put_cgroup(struct trace_writer *w, __u64 id, const char *path)
{
	char buf[512] = {};
	struct sdr_rec_cgroup *c = (struct sdr_rec_cgroup *)buf;

	CHECK(sizeof(*c) + strlen(path) < sizeof(buf));
	c->hdr.type = SDR_REC_CGROUP;
	c->hdr.size = sizeof(*c) + strlen(path) + 1;
	c->hdr.ts_ns = S;
	c->id = id;
	strcpy(c->path, path);
	CHECK(trace_writer__append(w, c, c->hdr.size) == 0);
}

static struct switch_batch batch;

static void sw(__u32 cpu, __u64 t, __u32 prev, __u32 next, __u64 wait, __u64 premig)
{
	/* A wait partly queued elsewhere landed here from another LLC. */
	struct switch_sample s = { .ts_ns = S + t, .cpu = cpu, .prev_tid = prev,
				   .next_tid = next, .wait_ns = wait, .premig_ns = premig,
				   .landing = premig ? 1 + SDR_LOC_CROSS_LLC : 0 };

	CHECK(switch_batch__add(&batch, &s) == 0);
}

static const struct delays_cell *cell(const struct report_delayed *v, __u64 key)
{
	size_t i;

	for (i = 0; i < v->nr_culprits; i++)
		if (v->culprits[i].culprit == key)
			return &v->culprits[i];
	return NULL;
}

static size_t row(const struct report *r, __u32 tid)
{
	size_t i;

	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].id.tid == tid)
			return i;
	return (size_t)-1;
}

static const struct report_delayed *victim(const struct report_delayed *v, size_t n, __u64 key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].key == key)
			return &v[i];
	return NULL;
}

/*
 * The 3000 ns wait of 10 that ended at 4000 (a wait sample from its switch)
 * as an outlier stamped 2 us later (its own clock read): both find its holders.
 */
static void put_outlier(struct trace_writer *w)
{
	struct sdr_rec_outlier o = {};

	o.hdr.type = SDR_REC_OUTLIER;
	o.hdr.size = sizeof(o);
	o.hdr.ts_ns = S + 4002;
	o.task.tid = o.task.tgid = 10;
	o.task.start_ns = S - 1000 + 10;
	strcpy(o.task.comm, "victim");
	o.prev.tid = o.prev.tgid = 20;
	strcpy(o.prev.comm, "hog");
	o.wait_ns = 3000;
	CHECK(trace_writer__append(w, &o, sizeof(o)) == 0);
}

static struct trace_writer *open_file(const char *path)
{
	struct trace_meta meta;
	struct trace_writer *w;
	int err;

	meta_of(&meta);
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL);
	switch_batch__init(&batch);
	return w;
}

/* The switches sw() put since the last call, as one record. */
static void put_batch(struct trace_writer *w)
{
	CHECK(trace_writer__append(w, switch_batch__record(&batch),
				   switch_batch__record(&batch)->size) == 0);
	switch_batch__init(&batch);
}

static void close_file(struct trace_writer *w, __u64 end_ns)
{
	struct trace_trailer tr = { .end_mono_ns = end_ns };

	CHECK(trace_writer__close(w, &tr) == 0);
}

static char *json_of(const struct report *r)
{
	char *json = NULL;
	size_t len;
	FILE *f = open_memstream(&json, &len);

	report__print_json(r, f, 0, 0);
	fclose(f);
	return json;
}

static void write_file(const char *path, int with_switches)
{
	struct trace_writer *w = open_file(path);

	if (!w)
		return;
	put_cgroup(w, 1, "/");
	put_cgroup(w, 100, "/a");
	put_cgroup(w, 200, "/b");
	/* 10 and 11 in /a, the hog 20 in /b, a kernel thread 30 at the root; 40 never named. */
	put_task(w, 10, "victim", 100);
	put_task(w, 11, "sibling", 100);
	put_task(w, 20, "hog", 200);
	put_task(w, 30, "kworker", 1);
	if (with_switches) {
		/*
		 * CPU 0: the hog from 0; 10 waited [200, 1000) behind it (800).
		 * 10, 30, 11, 20 in turn; 10 waited 3000 ending at 4000, 500 of
		 * them on a CPU it left: [1500, 4000) here is 30 500, 11 500,
		 * 20 1500. Then idle [5000, 6000) while 10 waited 500.
		 */
		sw(0, 0, 0, 20, 0, 0);
		sw(1, 0, 0, 40, 0, 0);
		sw(0, 1000, 20, 10, 800, 0);
		sw(0, 1500, 10, 30, 0, 0);
		sw(1, 1000, 40, 20, 600, 0); /* 20 waited [400, 1000) behind 40 */
		sw(0, 2000, 30, 11, 0, 0);
		sw(0, 2500, 11, 20, 0, 0);
		sw(0, 4000, 20, 10, 3000, 500);
		sw(0, 5000, 10, 0, 0, 0);
		sw(0, 6000, 0, 10, 500, 0);
		put_batch(w);
		put_outlier(w);
	}
	close_file(w, S + 20000);
}

/* The text and JSON say the same: 2300 of 4300 ns is 53.4%, share 0.5348. */
static void check_render(const struct report *r)
{
	char *json = NULL, *text = NULL, *html = NULL, *chrome = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&json, &len);
	report__print_json(r, f, 0, 0);
	fclose(f);
	f = open_memstream(&text, &len);
	report__print_text(r, f, "with.sdt", 0);
	fclose(f);
	CHECK(strstr(text, "  /a: waited 4.3us in 3 waits (500ns before a migration)\n") != NULL,
	      "%s", text);
	CHECK(strstr(text, " another cgroup 53.4%,") != NULL);
	CHECK(strstr(text, "  53.4%     2.3us       2  /b\n") != NULL);
	CHECK(strstr(text, "  53.4%     2.3us       2  hog[20]\n") != NULL);
	CHECK(strstr(json, "\"who_delayed_whom\": {") != NULL);
	CHECK(strstr(json, "\"another_cgroup\": 2300,") != NULL);
	CHECK(strstr(json, "\"share\": 0.5348") != NULL);
	f = open_memstream(&html, &len);
	CHECK(report__print_html(r, f, "with.sdt", 0) == 0);
	fclose(f);
	/* Row /a: waited, before a migration, then /b first at 53.4%: 136/255 of the way to red. */
	CHECK(strstr(html, "<tr><th class=\"s\">/a</th><td>4.3us</td><td>11.6%</td>"
			   "<td style=\"background:#ea9c9a\">53.4%</td>") != NULL, "%s",
	      strstr(html, "<section id=\"delays\">"));
	CHECK(strstr(html, "<a href=\"#delays\">") != NULL);
	f = open_memstream(&chrome, &len);
	CHECK(report__print_chrome(r, f, 0) == 0);
	fclose(f);
	/*
	 * The wait that ended at 4000: 2500 split, hog 1500 (60%), then 11 and
	 * 30 500 each, rows in report order (tid 11 before 30).
	 */
	CHECK(strstr(chrome, "\"held_by\":\"hog[20] 60.0%, sibling[11] 20.0%, kworker[30] 20.0%\","
			     "\"premig_ns\":500") != NULL, "%s", chrome);
	CHECK(strstr(text, "held by: hog[20] 60.0%, sibling[11] 20.0%, kworker[30] 20.0%\n") !=
	      NULL);
	CHECK(strstr(json, "\"held_by\": \"hog[20] 60.0%, sibling[11] 20.0%, kworker[30] 20.0%\"")
	      != NULL);
	/* One wait before a migration, 500 ns, landed cross-LLC. */
	CHECK(strstr(text, "  cross_llc            1     500ns     500ns     500ns\n") != NULL);
	free(chrome);
	if (getenv("SHOW"))
		printf("%s\n%s\n%s\n", text, json, strstr(html, "<section id=\"delays\">"));
	free(html);
	free(json);
	free(text);
}

static void check_tables(const char *path)
{
	const struct report_delayed *v;
	const struct delays_cell *c;
	struct trace_error e = {};
	struct report r;
	size_t r10, r11, r20, r30;

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK(r.delays.known);
	r10 = row(&r, 10);
	r11 = row(&r, 11);
	r20 = row(&r, 20);
	r30 = row(&r, 30);
	CHECK_EQ_U64(r.delays.nr_tasks, 2);
	v = victim(r.delays.tasks, r.delays.nr_tasks, r10);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ_U64(v->wait_ns, 4300);
		CHECK_EQ_U64(v->nr_waits, 3);
		CHECK_EQ_U64(v->premig_ns, 500);
		CHECK_EQ_U64(v->nr_culprits, 4);
		c = cell(v, r20);
		CHECK(c && c->ns == 2300 && c->count == 2);
		CHECK(v->culprits[0].culprit == r20);
		c = cell(v, r11);
		CHECK(c && c->ns == 500 && c->count == 1);
		c = cell(v, r30);
		CHECK(c && c->ns == 500);
		c = cell(v, DELAYS_IDLE);
		CHECK(c && c->ns == 500);
		CHECK_EQ_U64(v->class_ns[RDC_SAME], 500);
		CHECK_EQ_U64(v->class_ns[RDC_ANOTHER], 2300);
		CHECK_EQ_U64(v->class_ns[RDC_SYSTEM], 500);
		CHECK_EQ_U64(v->class_ns[RDC_IDLE], 500);
		CHECK_EQ_U64(v->class_ns[RDC_UNKNOWN], 0);
	}
	v = victim(r.delays.tasks, r.delays.nr_tasks, r20);
	CHECK(v && v->wait_ns == 600 && v->class_ns[RDC_UNKNOWN] == 600);
	/* Sorted by wait: 10 (4300) before 20 (600). */
	CHECK_EQ_U64(r.delays.tasks[0].key, r10);

	CHECK_EQ_U64(r.delays.nr_groups, 2);
	v = victim(r.delays.groups, r.delays.nr_groups, 100);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ_U64(v->wait_ns, 4300);
		c = cell(v, 200);
		CHECK(c && c->ns == 2300);
		c = cell(v, 100);
		CHECK(c && c->ns == 500);
		c = cell(v, 1);
		CHECK(c && c->ns == 500);
		CHECK_EQ_U64(v->class_ns[RDC_ANOTHER], 2300);
		CHECK_EQ_U64(v->class_ns[RDC_SAME], 500);
		CHECK_EQ_U64(v->class_ns[RDC_SYSTEM], 500);
	}
	v = victim(r.delays.groups, r.delays.nr_groups, 200);
	CHECK(v && cell(v, DELAYS_UNKNOWN) && cell(v, DELAYS_UNKNOWN)->ns == 600);
	CHECK_EQ_U64(r.delays.attrib.waits, 4);
	CHECK_EQ_U64(r.delays.attrib.unknown_short_ns, 0);
	CHECK_EQ_U64(r.delays.premig[SDR_LOC_CROSS_LLC].count, 1);
	CHECK_EQ_U64(r.delays.premig[SDR_LOC_CROSS_LLC].max, 500);
	CHECK_EQ_U64(r.delays.premig[SDR_LOC_SAME_LLC].count, 0);
	CHECK_EQ_U64(r.delays.nr_why, 4);
	check_render(&r);
	report__free(&r);
}

/*
 * A wait of 6.5 s, 5 s of it queued on a CPU it left, ended at 7 s behind
 * the hog that held CPU 0 all along: per wait (worst waits, timeline) the
 * parts are 32-bit like the kernel's (bpf/dur32.h), and still whole, not
 * cut at 4.29 s; the victim's totals are exact.
 */
static void check_long_wait(const char *path)
{
	struct trace_writer *w = open_file(path);
	struct trace_error e = {};
	const struct report_delayed *v;
	char *json, *chrome = NULL;
	struct report r;
	size_t len;
	FILE *f;

	if (!w)
		return;
	put_task(w, 10, "victim", 100);
	put_task(w, 20, "hog", 200);
	sw(0, 0, 0, 20, 0, 0);
	sw(0, 7 * S, 20, 10, 6500000000ull, 5 * S);
	put_batch(w);
	close_file(w, S + 8 * S);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	v = victim(r.delays.tasks, r.delays.nr_tasks, row(&r, 10));
	CHECK(v && v->wait_ns == 6500000000ull && v->premig_ns == 5 * S);
	CHECK_EQ_U64(r.delays.premig[SDR_LOC_CROSS_LLC].max, 5 * S);
	CHECK_EQ_U64(r.delays.nr_why, 1);
	f = open_memstream(&chrome, &len);
	CHECK(report__print_chrome(&r, f, 0) == 0);
	fclose(f);
	/* 5 s in 4096 ns units: 4999999488. */
	CHECK(strstr(chrome, "\"held_by\":\"hog[20] 100.0%\",\"premig_ns\":4999999488") != NULL,
	      "%s", chrome);
	json = json_of(&r);
	CHECK(strstr(json, "\"premig_ns\": 5000000000") != NULL, "%s", json);
	free(chrome);
	free(json);
	report__free(&r);
}

/*
 * A file whose recorder saw batches of CPU 0 lost (SDR_REC_SWITCH_GAP):
 * 10 and 20 took turns there, two switches of theirs were lost, so the
 * next switch's prev (20) matches by chance. Victim 30 waited [500, 5000):
 * 10 held [500, 1000) and [4000, 5000); from 20's switch-in at 1000 to the
 * next switch seen, at 4000, is unknown, not 20's (it held 2000 of it).
 */
static void check_gap(const char *path)
{
	struct trace_writer *w = open_file(path);
	struct trace_error e = {};
	struct sdr_rec_switch_gap g;
	const struct report_delayed *v;
	const struct delays_cell *c;
	struct report r;
	char *json;

	if (!w)
		return;
	put_task(w, 10, "a", 100);
	put_task(w, 20, "b", 100);
	put_task(w, 30, "victim", 200);
	sw(0, 0, 0, 10, 0, 0);
	sw(0, 1000, 10, 20, 0, 0);
	put_batch(w);
	switch_gap__fill(&g, 0, S + 4000, 1);
	CHECK(trace_writer__append(w, &g, sizeof(g)) == 0);
	sw(0, 4000, 20, 10, 0, 0);
	sw(0, 5000, 10, 30, 4500, 0);
	put_batch(w);
	close_file(w, S + 6000);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK_EQ_U64(r.nr_unknown, 0);
	CHECK_EQ_U64(r.delays.attrib.gaps, 1);
	CHECK_EQ_U64(r.delays.attrib.prev_mismatch, 0);
	CHECK_EQ_U64(r.delays.attrib.unknown_gap_ns, 3000);
	v = victim(r.delays.tasks, r.delays.nr_tasks, row(&r, 30));
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ_U64(v->wait_ns, 4500);
		CHECK_EQ_U64(v->class_ns[RDC_UNKNOWN], 3000);
		c = cell(v, row(&r, 10));
		CHECK(c && c->ns == 1500);
		CHECK(cell(v, row(&r, 20)) == NULL, "20 charged for time it may not have held");
	}
	json = json_of(&r);
	CHECK(strstr(json, "\"prev_mismatch\": 0,\n    \"gaps\": 1,") != NULL, "%s", json);
	free(json);
	report__free(&r);
}

static void check_none(const char *path)
{
	struct trace_error e = {};
	struct report r;

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK(!r.delays.known);
	CHECK_EQ_U64(r.delays.nr_tasks, 0);
	report__free(&r);
}

#define POD_PATH "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f3c1a2b_0d4e_" \
		 "4f6a_9b8c_1234567890ab.slice/cri-containerd-"
#define HEX64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void put_k8s(struct trace_writer *w, __u64 id, const char *container)
{
	struct sdr_rec_k8s k = {};

	k.hdr.type = SDR_REC_K8S;
	k.hdr.size = sizeof(k);
	k.hdr.ts_ns = S;
	k.id = id;
	strcpy(k.namespace_, "ns1");
	strcpy(k.pod, "web");
	strcpy(k.container, container);
	strcpy(k.runtime, "containerd");
	CHECK(trace_writer__append(w, &k, sizeof(k)) == 0);
}

/*
 * Two containers of pod ns1/web (cgroups 300, 301) held the CPU 1000 ns
 * each while 10 (in /a) waited 2000: one culprit group, the pod, with all
 * of it; at task level two culprits in "another cgroup".
 */
static void check_pods(void)
{
	const struct report_delayed *v;
	struct trace_trailer tr = {};
	struct trace_error e = {};
	struct trace_meta meta;
	struct trace_writer *w;
	struct report r;
	char path[128], label[128], *json = NULL;
	size_t len;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/pods.sdt", dir);
	meta_of(&meta);
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL);
	if (!w)
		return;
	put_cgroup(w, 100, "/a");
	put_cgroup(w, 300, POD_PATH HEX64 ".scope");
	put_cgroup(w, 301, POD_PATH HEX64B ".scope");
	put_k8s(w, 300, "c1");
	put_k8s(w, 301, "c2");
	put_task(w, 10, "victim", 100);
	put_task(w, 30, "one", 300);
	put_task(w, 31, "two", 301);
	switch_batch__init(&batch);
	sw(0, 0, 0, 30, 0, 0);
	sw(0, 1000, 30, 31, 0, 0);
	sw(0, 2000, 31, 10, 2000, 0);
	CHECK(trace_writer__append(w, switch_batch__record(&batch),
				   switch_batch__record(&batch)->size) == 0);
	tr.end_mono_ns = S + 20000;
	CHECK(trace_writer__close(w, &tr) == 0);

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	v = victim(r.delays.groups, r.delays.nr_groups, 100);
	CHECK(v && v->nr_culprits == 1, "%zu culprits", v ? v->nr_culprits : 0);
	if (v && v->nr_culprits == 1) {
		CHECK_EQ_U64(v->culprits[0].culprit, REPORT_GROUP_POD | 300);
		CHECK_EQ_U64(v->culprits[0].ns, 2000);
		CHECK_EQ_U64(v->class_ns[RDC_ANOTHER], 2000);
		CHECK_STR(report__delay_label(&r, 0, v->culprits[0].culprit, label, sizeof(label)),
			  "ns1/web");
	}
	v = victim(r.delays.tasks, r.delays.nr_tasks, row(&r, 10));
	CHECK(v && v->nr_culprits == 2 && v->class_ns[RDC_ANOTHER] == 2000);
	f = open_memstream(&json, &len);
	report__print_json(&r, f, 0, 0);
	fclose(f);
	CHECK(strstr(json, "\"kind\": \"pod\",\n            \"cgroup_id\": 300,\n"
			   "            \"pod_uid\": \"5f3c1a2b-0d4e-4f6a-9b8c-1234567890ab\",\n"
			   "            \"namespace\": \"ns1\",\n            \"pod\": \"web\",\n"
			   "            \"wait_ns\": 2000,\n            \"waits\": 2,")
	      != NULL, "%s", strstr(json, "\"who_delayed_whom\"") ?: json);
	free(json);
	report__free(&r);
	unlink(path);
}

static void check_breach_line(void)
{
	struct slo_breach b = { .rule = "runq_p99 < 2ms for comm a b", .metric = "runq_p99",
				.objective_ns = 2000000, .observed_ns = 3500000,
				.scope = SLO_BREACH_COMM, .target = "a b rule=x" }, got;
	char line[256];

	CHECK(slo_breach__format(line, sizeof(line), &b) == 0);
	CHECK_STR(line, "schedrift daemon slo capture: objective_ns=2000000 observed_ns=3500000 "
			"metric=runq_p99 scope=comm target_len=10 target=a b rule=x "
			"rule=runq_p99 < 2ms for comm a b");
	CHECK(slo_breach__parse(line, &got) == 1);
	CHECK_STR(got.target, "a b rule=x");
	CHECK_STR(got.rule, "runq_p99 < 2ms for comm a b");
	CHECK_EQ_U64(got.objective_ns, 2000000);
	CHECK_EQ_U64(got.observed_ns, 3500000);
	CHECK_EQ_U64(got.scope, SLO_BREACH_COMM);
	CHECK(slo_breach__format(line, 40, &b) != 0);
	CHECK(slo_breach__parse("schedrift record -d 10", &got) == 0);
	CHECK(slo_breach__parse("schedrift daemon slo capture: objective_ns=1 observed_ns=2 "
				"metric=runq_max scope=pod target_len=0 target= rule=x",
				&got) == 0);
	CHECK(slo_breach__parse("schedrift daemon slo capture: objective_ns=1 observed_ns=2 "
				"metric=runq_max scope=comm target_len=99 target=ab rule=x",
				&got) == 0);
}

/*
 * An SLO capture of cgroup /a with a 2 us objective: of 10's waits (800,
 * 3000 with 500 before a migration, 500) only the 3000 one is over it:
 * hog 1500 (half of it), sibling and kworker 500 each; the hog held the
 * CPU longest in that one wait.
 */
static void check_breach(const char *path)
{
	struct trace_error e = {};
	char *text = NULL, *json = NULL;
	struct report r;
	size_t len;
	FILE *f;

	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK(r.slo.known);
	CHECK_EQ_U64(r.slo.waits, 1);
	CHECK_EQ_U64(r.slo.wait_ns, 3000);
	CHECK_EQ_U64(r.slo.split_ns, 2500);
	CHECK_EQ_U64(r.slo.nr_top, 3);
	CHECK(r.slo.top[0].who == row(&r, 20) && r.slo.top[0].ns == 1500 &&
	      r.slo.top[0].first == 1);
	CHECK(r.slo.top[1].ns == 500 && r.slo.top[1].first == 0);
	f = open_memstream(&text, &len);
	report__print_text(&r, f, "slo.sdt", 0);
	fclose(f);
	f = open_memstream(&json, &len);
	report__print_json(&r, f, 0, 0);
	fclose(f);
	CHECK(strstr(text, "\n\nSLO breach: rule who: runq_p99 < 2.0us for cgroup /a; observed "
			   "3.5us\n  1 waits in scope at or over 2.0us in the capture, 3.0us "
			   "in all (16.6% of it before a migration); what held their CPU:\n"
			   "    50.0%     1.5us  longest in 1 of 1 waits  hog[20] (/b)\n") != NULL,
	      "%s", text);
	CHECK(strstr(json, "\"losses_total\": 0,\n  \"slo_breach\": {\n    \"rule\": \"who\",")
	      != NULL, "%.600s", json);
	CHECK(strstr(json, "\"longest_in\": 1,\n        \"share\": 0.5000") != NULL);
	free(text);
	free(json);
	report__free(&r);
}

int main(void)
{
	char with[128], without[128], slo[128], line[256];
	struct slo_breach b = { .rule = "who", .metric = "runq_p99", .objective_ns = 2000,
				.observed_ns = 3500, .scope = SLO_BREACH_CGROUP, .target = "/a" };

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(with, sizeof(with), "%s/with.sdt", dir);
	snprintf(without, sizeof(without), "%s/without.sdt", dir);
	write_file(with, 1);
	write_file(without, 0);
	snprintf(slo, sizeof(slo), "%s/slo.sdt", dir);
	CHECK(slo_breach__format(line, sizeof(line), &b) == 0);
	command = line;
	write_file(slo, 1);
	check_breach_line();
	check_pods();
	check_breach(slo);
	unlink(slo);
	check_tables(with);
	check_none(without);
	snprintf(slo, sizeof(slo), "%s/long.sdt", dir);
	command = "schedrift record";
	check_long_wait(slo);
	check_gap(slo);
	unlink(slo);
	unlink(with);
	unlink(without);
	rmdir(dir);
	return check_summary();
}
