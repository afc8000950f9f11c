// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trace as Chrome Trace Event Format JSON, for ui.perfetto.dev and
 * chrome://tracing (docs/report.md says what each event means).
 *
 * Every task is a thread track (pid = tgid, tid = tid). Waits are complete
 * ("X") events from runnable to running; migrations, NUMA balancer decisions
 * and outliers are thread-scoped instants. Timestamps are microseconds since
 * the capture started, printed from integer ns with three decimals so that
 * nothing is rounded.
 *
 * The viewers sort events themselves, but we sort them too, by explicit
 * keys down to the last printed field, so that the same file (or the same
 * records in another order) always gives the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"
#include "report/render.h"

/*
 * Also the order of events that share a timestamp and a tid: a wait's X
 * event comes before the instants at its start, so they nest inside it.
 */
enum ev_kind { EV_WAIT, EV_MIGRATE, EV_NUMA, EV_OUTLIER, EV_NR };

static const char *const ev_names[EV_NR] = { "runnable", "migrate", "numa", "outlier" };

struct ev {
	__s64 ts; /* ns since the capture started; a wait's start can be before it */
	__u32 pid, tid;
	__u32 kind;
	__u32 i;         /* EV_WAIT: index of the sample in the task's waits */
	const void *src; /* EV_WAIT: the task row; else the record */
};

struct ev_list {
	struct ev *v;
	size_t n;
	__u64 written[EV_NR], omitted[EV_NR];
};

/* Tasks that only wait samples named have no tgid: each is its own process. */
static __u32 pid_of(const struct report_task *t)
{
	return t->id_known ? t->id.tgid : t->id.tid;
}

/* ---- which tasks --top keeps ---- */

struct kept {
	const struct report_task **v; /* sorted by tid, then start time */
	size_t n;
	int all;
};

static int cmp_row_id(const void *a, const void *b)
{
	const struct report_task *x = *(const struct report_task *const *)a;
	const struct report_task *y = *(const struct report_task *const *)b;

	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	return x->id.start_ns < y->id.start_ns ? -1 : x->id.start_ns > y->id.start_ns;
}

static int kept_init(struct kept *k, const struct report *r, int top_n)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->all = top_n <= 0 || (size_t)top_n >= r->nr_tasks;
	k->n = k->all ? r->nr_tasks : (size_t)top_n;
	if (k->all)
		return 0;
	k->v = malloc(k->n * sizeof(*k->v));
	if (!k->v)
		return -ENOMEM;
	for (i = 0; i < k->n; i++)
		k->v[i] = &r->tasks[i];
	qsort(k->v, k->n, sizeof(*k->v), cmp_row_id);
	return 0;
}

/* Records name their task in full, and each one made (or matched) a row. */
static int kept_has(const struct kept *k, const struct sdr_task_id *id)
{
	struct report_task key = { .id = *id };
	const struct report_task *p = &key;

	return k->all || bsearch(&p, k->v, k->n, sizeof(*k->v), cmp_row_id);
}

/* ---- collecting and sorting ---- */

static __s64 since_start(const struct report *r, __u64 ts)
{
	return (__s64)(ts - r->meta.start_mono_ns);
}

static void ev_add(struct ev_list *l, __s64 ts, __u32 pid, __u32 tid, __u32 kind, __u32 i,
		   const void *src)
{
	struct ev *e = &l->v[l->n++];

	e->ts = ts;
	e->pid = pid;
	e->tid = tid;
	e->kind = kind;
	e->i = i;
	e->src = src;
	l->written[kind]++;
}

static void collect(struct ev_list *l, const struct report *r, const struct kept *k)
{
	size_t i, w;

	for (i = 0; i < r->nr_tasks; i++) {
		const struct report_task *t = &r->tasks[i];

		if (i >= k->n) {
			l->omitted[EV_WAIT] += t->waits.n;
			continue;
		}
		for (w = 0; w < t->waits.n; w++) {
			/* Samples are stamped when the wait ended. Unsigned arithmetic: a
			 * damaged file's stamps may be anywhere, and wrapping is defined. */
			__s64 start = (__s64)(t->waits.ts[w] - r->meta.start_mono_ns -
					      (t->waits.v[w] & SAMPLE_WAIT_MASK));

			ev_add(l, start, pid_of(t), t->id.tid, EV_WAIT, w, t);
		}
	}
	for (i = 0; i < r->nr_migs; i++) {
		const struct sdr_rec_migrate *m = &r->migs[i];

		if (!kept_has(k, &m->task))
			l->omitted[EV_MIGRATE]++;
		else
			ev_add(l, since_start(r, m->hdr.ts_ns), m->task.tgid, m->task.tid,
			       EV_MIGRATE, 0, m);
	}
	for (i = 0; i < r->nr_numas; i++) {
		const struct sdr_rec_numa *n = &r->numas[i];

		if (!kept_has(k, &n->task))
			l->omitted[EV_NUMA]++;
		else
			ev_add(l, since_start(r, n->hdr.ts_ns), n->task.tgid, n->task.tid, EV_NUMA,
			       0, n);
	}
	/* Those the recorder did not keep (it keeps the longest 1000) are left out too. */
	l->omitted[EV_OUTLIER] += report__nr_outliers(r) - r->nr_outliers;
	for (i = 0; i < r->nr_outliers; i++) {
		const struct sdr_rec_outlier *o = &r->outliers[i];

		if (!kept_has(k, &o->task))
			l->omitted[EV_OUTLIER]++;
		else
			ev_add(l, since_start(r, o->hdr.ts_ns), o->task.tgid, o->task.tid,
			       EV_OUTLIER, 0, o);
	}
}

static int cmp_num(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_snum(__s64 a, __s64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_migrate(const struct sdr_rec_migrate *a, const struct sdr_rec_migrate *b)
{
	return cmp_num(a->from_cpu, b->from_cpu) ?: cmp_num(a->to_cpu, b->to_cpu) ?:
	       cmp_num(a->from_node, b->from_node) ?: cmp_num(a->to_node, b->to_node) ?:
	       cmp_num(a->locality, b->locality) ?: cmp_num(a->cause, b->cause) ?:
	       cmp_num(a->penalty_milli, b->penalty_milli);
}

static int cmp_numa(const struct sdr_rec_numa *a, const struct sdr_rec_numa *b)
{
	return cmp_num(a->kind, b->kind) ?: cmp_snum(a->src_cpu, b->src_cpu) ?:
	       cmp_snum(a->dst_cpu, b->dst_cpu) ?: cmp_snum(a->src_node, b->src_node) ?:
	       cmp_snum(a->dst_node, b->dst_node) ?: cmp_num(a->other_tid, b->other_tid);
}

static int cmp_outlier(const struct sdr_rec_outlier *a, const struct sdr_rec_outlier *b)
{
	return cmp_num(a->wait_ns, b->wait_ns) ?: cmp_num(a->delivery_ns, b->delivery_ns) ?:
	       cmp_num(a->hdr.cpu, b->hdr.cpu) ?:
	       cmp_num(a->prev.tid, b->prev.tid) ?: cmp_num(a->prev.tgid, b->prev.tgid) ?:
	       cmp_num(a->prev_ran_ns, b->prev_ran_ns) ?:
	       strncmp(a->prev.comm, b->prev.comm, sizeof(a->prev.comm));
}

/* (ts, tid, kind), then every other field that is printed. */
static int cmp_ev(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = cmp_num(a->tid, b->tid) ?: cmp_num(a->kind, b->kind) ?: cmp_num(a->pid, b->pid);
	if (c)
		return c;
	switch (a->kind) {
	case EV_WAIT: {
		const struct sample_vec *va = &((const struct report_task *)a->src)->waits;
		const struct sample_vec *vb = &((const struct report_task *)b->src)->waits;

		/* The sample word holds the wait, the CPU and the landing. */
		return cmp_num(va->v[a->i], vb->v[b->i]) ?:
		       cmp_num(va->delivery[a->i], vb->delivery[b->i]);
	}
	case EV_MIGRATE: return cmp_migrate(a->src, b->src);
	case EV_NUMA: return cmp_numa(a->src, b->src);
	default: return cmp_outlier(a->src, b->src);
	}
}

/* ---- writing ---- */

static void ev_head(struct json *j, const char *name, const char *cat, const char *ph,
		    const struct ev *e)
{
	json__object_begin(j, NULL);
	json__str(j, "name", name);
	json__str(j, "cat", cat);
	json__str(j, "ph", ph);
	json__milli(j, "ts", e->ts);
	if (ph[0] == 'i')
		json__str(j, "s", "t");
}

static void ev_tail(struct json *j, const struct ev *e)
{
	json__u64(j, "pid", e->pid);
	json__u64(j, "tid", e->tid);
}

/* Who held the CPU while it waited (docs/report.md, "Who delayed whom"), when the file says. */
static void write_why(struct json *j, const struct report *r, __u32 tid, __u64 ts, __u64 slack)
{
	const struct report_wait_why *why;
	char buf[256];

	if (!r->delays.known)
		return;
	why = report__wait_why_near(r, tid, ts, slack);
	if (!why) {
		json__null(j, "held_by");
		return;
	}
	json__str(j, "held_by", report__why_str(r, why, buf, sizeof(buf)));
	json__u64(j, "premig_ns", sdr_dur32_decode(why->premig_ns));
}

static void write_wait(struct json *j, const struct report *r, const struct ev *e, int split)
{
	const struct report_task *t = e->src;
	const struct sample_vec *v = &t->waits;
	__u64 s = v->v[e->i], wait = s & SAMPLE_WAIT_MASK;
	unsigned int landing = s >> SAMPLE_LANDING_SHIFT & 3;

	ev_head(j, "runnable", "runq", "X", e);
	json__milli(j, "dur", wait);
	ev_tail(j, e);
	json__object_begin(j, "args");
	json__u64(j, "cpu", s >> SAMPLE_CPU_SHIFT & 0x3ff);
	/* 1 + locality when this run was the first after a migration. */
	json__str(j, "landing",
		  landing && landing <= SDR_LOC_NR ? locality_names[landing - 1] : "none");
	/* A version 1 file has no split: the args are left out rather than made up. */
	if (split) {
		json__u64(j, "delivery_ns", v->delivery[e->i]);
		json__u64(j, "queue_ns", wait - v->delivery[e->i]);
	}
	write_why(j, r, t->id.tid, v->ts[e->i], 0);
	json__object_end(j);
	json__object_end(j);
}

static void write_migrate(struct json *j, const struct ev *e)
{
	const struct sdr_rec_migrate *m = e->src;

	ev_head(j, "migrate", "migrate", "i", e);
	ev_tail(j, e);
	json__object_begin(j, "args");
	json__u64(j, "from_cpu", m->from_cpu);
	json__u64(j, "to_cpu", m->to_cpu);
	json__u64(j, "from_node", m->from_node);
	json__u64(j, "to_node", m->to_node);
	json__str(j, "locality",
		  locality_names[m->locality < SDR_LOC_NR ? m->locality : SDR_LOC_NR - 1]);
	json__str(j, "cause", cause_names[m->cause < SDR_CAUSE_NR ? m->cause : SDR_CAUSE_OTHER]);
	json__milli(j, "penalty", m->penalty_milli);
	json__object_end(j);
	json__object_end(j);
}

static void write_numa(struct json *j, const struct ev *e)
{
	const struct sdr_rec_numa *n = e->src;
	const char *kind = n->kind < SDR_NUMA_NR ? numa_kind_names[n->kind] : "unknown";
	char name[48];

	snprintf(name, sizeof(name), "numa_%s", kind);
	ev_head(j, name, "numa", "i", e);
	ev_tail(j, e);
	json__object_begin(j, "args");
	json__str(j, "kind", kind);
	json__i64(j, "src_cpu", n->src_cpu);
	json__i64(j, "dst_cpu", n->dst_cpu);
	json__i64(j, "src_node", n->src_node);
	json__i64(j, "dst_node", n->dst_node);
	json__u64(j, "other_tid", n->other_tid);
	json__object_end(j);
	json__object_end(j);
}

static void write_outlier(struct json *j, const struct report *r, const struct ev *e, int split)
{
	const struct sdr_rec_outlier *o = e->src;

	ev_head(j, "outlier", "runq", "i", e);
	ev_tail(j, e);
	json__object_begin(j, "args");
	json__u64(j, "wait_ns", o->wait_ns);
	if (split)
		json__u64(j, "delivery_ns", o->delivery_ns);
	json__u64(j, "cpu", o->hdr.cpu);
	json__u64(j, "running_tid", o->prev.tid);
	json__u64(j, "running_tgid", o->prev.tgid);
	json__strn(j, "running_comm", o->prev.comm, sizeof(o->prev.comm));
	json__u64(j, "running_ran_ns", o->prev_ran_ns);
	write_why(j, r, o->task.tid, o->hdr.ts_ns, REPORT_OUTLIER_SLACK_NS);
	json__object_end(j);
	json__object_end(j);
}

static void write_event(struct json *j, const struct report *r, const struct ev *e, int split)
{
	switch (e->kind) {
	case EV_WAIT: write_wait(j, r, e, split); break;
	case EV_MIGRATE: write_migrate(j, e); break;
	case EV_NUMA: write_numa(j, e); break;
	default: write_outlier(j, r, e, split); break;
	}
}

/* ---- track names ---- */

static int cmp_track(const void *a, const void *b)
{
	const struct report_task *x = *(const struct report_task *const *)a;
	const struct report_task *y = *(const struct report_task *const *)b;

	return cmp_num(pid_of(x), pid_of(y)) ?: cmp_row_id(a, b);
}

static void write_name(struct json *j, const char *what, __u32 pid, __u32 tid,
		       const struct report_task *t)
{
	char unnamed[32];

	json__object_begin(j, NULL);
	json__str(j, "name", what);
	json__str(j, "ph", "M");
	json__u64(j, "pid", pid);
	json__u64(j, "tid", tid);
	json__object_begin(j, "args");
	if (t->id.comm[0]) {
		json__strn(j, "name", t->id.comm, sizeof(t->id.comm));
	} else {
		/* Only wait samples named it: its exit and snapshot records were lost. */
		snprintf(unnamed, sizeof(unnamed), "tid %u", t->id.tid);
		json__str(j, "name", unnamed);
	}
	json__object_end(j);
	json__object_end(j);
}

/*
 * One process_name per pid, one thread_name per (pid, tid). A process is
 * named after its main thread when that is in the capture, else after its
 * lowest tid; a reused tid takes the name of its latest task.
 */
static int write_names(struct json *j, const struct report *r, const struct kept *k)
{
	const struct report_task **v, *main;
	size_t i, n = k->n, first, last;

	v = malloc((n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = k->all ? &r->tasks[i] : k->v[i];
	qsort(v, n, sizeof(*v), cmp_track);
	for (first = 0; first < n; first = last) {
		__u32 pid = pid_of(v[first]);

		main = v[first];
		for (last = first; last < n && pid_of(v[last]) == pid; last++)
			if (v[last]->id.tid == pid)
				main = v[last];
		write_name(j, "process_name", pid, pid, main);
		for (i = first; i < last; i++)
			if (i + 1 == last || v[i + 1]->id.tid != v[i]->id.tid)
				write_name(j, "thread_name", pid, v[i]->id.tid, v[i]);
	}
	free(v);
	return 0;
}

/* ---- otherData ---- */

static void write_capture(struct json *j, const struct report *r)
{
	report__write_capture_head(j, r, CAPTURE_MONO);
	json__u64(j, "tasks", r->nr_tasks);
	json__object_end(j);
}

static void write_counts(struct json *j, const char *key, const __u64 *v, __u64 tasks)
{
	int k;

	json__object_begin(j, key);
	json__u64(j, "tasks", tasks);
	for (k = 0; k < EV_NR; k++)
		json__u64(j, ev_names[k], v[k]);
	json__object_end(j);
}

static void write_other(struct json *j, const struct report *r, const struct ev_list *l,
			const struct kept *k)
{
	json__object_begin(j, "otherData");
	json__str(j, "schema", "schedrift.chrome/1");
	write_capture(j, r);
	report__write_topology_json(j, &r->meta.topo);
	report__write_counters_json(j, r);
	/* What traceEvents holds, and what --top left out of it. */
	write_counts(j, "events", l->written, k->n);
	write_counts(j, "omitted", l->omitted, r->nr_tasks - k->n);
	json__object_end(j);
}

int report__print_chrome(const struct report *r, FILE *f, int top_n)
{
	struct ev_list l = {};
	struct kept k;
	struct json j;
	size_t i, cap = r->nr_waits + r->nr_migs + r->nr_numas + r->nr_outliers;
	int err;

	err = kept_init(&k, r, top_n);
	if (err)
		return err;
	l.v = malloc((cap + 1) * sizeof(*l.v));
	if (!l.v) {
		free(k.v);
		return -ENOMEM;
	}
	collect(&l, r, &k);
	qsort(l.v, l.n, sizeof(*l.v), cmp_ev);

	json__init(&j, f);
	json__object_begin(&j, NULL);
	json__array_begin(&j, "traceEvents");
	/* One event per line: a busy capture has hundreds of thousands. */
	json__set_flat_depth(&j, 3);
	err = write_names(&j, r, &k);
	for (i = 0; !err && i < l.n; i++)
		write_event(&j, r, &l.v[i], r->has_split);
	json__set_flat_depth(&j, 0);
	json__array_end(&j);
	json__str(&j, "displayTimeUnit", "ns");
	/* Objects in otherData's lists (CPUs) get a line each. */
	json__set_flat_depth(&j, 5);
	write_other(&j, r, &l, &k);
	json__set_flat_depth(&j, 0);
	json__object_end(&j);
	json__finish(&j);
	free(l.v);
	free(k.v);
	return err;
}
