// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hist.h"
#include "report/load.h"
#include "report/totals.h"
#include "trace/switch_batch.h"
#include "trace/wait_batch.h"
#include "report/who_delayed.h"
#include "lib/util.h"

/* ---- rows: one per task incarnation, found by tid ---- */

static __u32 tid_slot(const struct report *r, __u32 tid)
{
	__u64 h = (__u64)tid * 0x9e3779b97f4a7c15ull;
	size_t slot = (h ^ h >> 32) & (r->tid_cap - 1);

	while (r->tid_keys[slot] != UINT32_MAX && r->tid_keys[slot] != tid)
		slot = (slot + 1) & (r->tid_cap - 1);
	return slot;
}

static int tid_grow(struct report *r)
{
	size_t old_cap = r->tid_cap, i;
	__u32 *old_keys = r->tid_keys, *old_index = r->tid_index, slot;

	r->tid_cap = old_cap ? old_cap * 2 : 1024;
	r->tid_keys = malloc(r->tid_cap * sizeof(__u32));
	r->tid_index = malloc(r->tid_cap * sizeof(__u32));
	if (!r->tid_keys || !r->tid_index)
		return -ENOMEM;
	memset(r->tid_keys, 0xff, r->tid_cap * sizeof(__u32));
	for (i = 0; i < old_cap; i++) {
		if (old_keys[i] == UINT32_MAX)
			continue;
		slot = tid_slot(r, old_keys[i]);
		r->tid_keys[slot] = old_keys[i];
		r->tid_index[slot] = old_index[i];
	}
	free(old_keys);
	free(old_index);
	return 0;
}

static void row_init(struct report *r, struct report_task *t, __u32 tid)
{
	memset(t, 0, sizeof(*t));
	t->id.tid = tid;
	t->load_key = r->nr_tasks + 1;
	t->preferred_nid = -1;
	t->home_node = -1;
}

static struct report_task *new_row(struct report *r, __u32 tid)
{
	struct report_task *t;
	__u32 slot;

	if (ARRAY_GROW(r->tasks, r->nr_tasks, r->cap_tasks, 256))
		return NULL;
	if ((r->tid_used + 1) * 2 > r->tid_cap && tid_grow(r))
		return NULL;
	t = &r->tasks[r->nr_tasks];
	row_init(r, t, tid);
	/*
	 * UINT32_MAX marks an empty index slot, so that tid (no kernel's, but a
	 * corrupt file's) keeps its current row outside the index.
	 */
	if (tid == UINT32_MAX) {
		t->prev_row = r->max_tid_row;
		r->max_tid_row = ++r->nr_tasks;
		return t;
	}
	slot = tid_slot(r, tid);
	if (r->tid_keys[slot] == UINT32_MAX)
		r->tid_used++;
	else
		t->prev_row = r->tid_index[slot] + 1;
	r->tid_keys[slot] = tid;
	r->tid_index[slot] = r->nr_tasks++;
	return t;
}

/*
 * A row for an older task of tid than the row at index newer (0-based),
 * put right behind it in the tid's rows (newest first): the current row
 * stays the newest task's.
 */
static struct report_task *row_behind(struct report *r, size_t newer, __u32 tid)
{
	struct report_task *t;
	size_t idx = r->nr_tasks;

	if (ARRAY_GROW(r->tasks, r->nr_tasks, r->cap_tasks, 256))
		return NULL;
	t = &r->tasks[idx];
	row_init(r, t, tid);
	t->prev_row = r->tasks[newer].prev_row;
	r->tasks[newer].prev_row = idx + 1;
	r->nr_tasks++;
	return t;
}

/* The current row of a tid, or NULL. */
static struct report_task *row_of_tid(struct report *r, __u32 tid)
{
	__u32 slot;

	if (tid == UINT32_MAX)
		return r->max_tid_row ? &r->tasks[r->max_tid_row - 1] : NULL;
	if (!r->tid_cap)
		return NULL;
	slot = tid_slot(r, tid);
	if (r->tid_keys[slot] != tid)
		return NULL;
	return &r->tasks[r->tid_index[slot]];
}

/*
 * The row of a fully named task, named by a record made at ts. Wait samples
 * carry only a tid, so a row may exist without a start time: the first
 * named record adopts it. A different start time for the same tid is
 * another task that reused the tid: a later one gets a new current row; an
 * earlier one (its exit travels in its CPU's batch, so it can come after a
 * new task of its tid was named) finds or gets its row behind the later
 * ones. A task renamed during the capture is named in records both ways,
 * and the file's order is not time order (the recorder writes the
 * outliers it kept at the end): the latest record's name wins, as its exit
 * or end-of-capture record has it (docs/trace-format.md).
 */
static struct report_task *row_of(struct report *r, const struct sdr_task_id *id, __u64 ts)
{
	struct report_task *t = row_of_tid(r, id->tid);
	size_t newer;

	if (t && t->id_known && t->id.start_ns > id->start_ns) {
		/* Rows run newest first: find this task's, or its place. */
		do {
			newer = t - r->tasks;
			t = t->prev_row ? &r->tasks[t->prev_row - 1] : NULL;
		} while (t && t->id_known && t->id.start_ns > id->start_ns);
		if (!t || (t->id_known && t->id.start_ns != id->start_ns)) {
			t = row_behind(r, newer, id->tid);
			if (!t)
				return NULL;
		}
	} else if (t && t->id_known && t->id.start_ns != id->start_ns) {
		t = NULL;
	}
	if (!t)
		t = new_row(r, id->tid);
	if (!t)
		return NULL;
	if (!t->id_known || ts >= t->name_ts) {
		t->id = *id;
		t->name_ts = ts;
	}
	t->id_known = 1;
	return t;
}

static int vec_push(struct sample_vec *v, __u64 x, __u64 ts, __u64 delivery)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		__u64 *p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p;
		p = realloc(v->ts, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		v->ts = p;
		p = realloc(v->delivery, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		v->delivery = p;
		v->cap = cap;
	}
	v->ts[v->n] = ts;
	v->delivery[v->n] = delivery;
	v->v[v->n++] = x;
	return 0;
}

/* Append one record to a growing array of records of one type. */
static int rec_push(void **arr, size_t *n, size_t *cap, const void *rec, size_t size)
{
	if (array__grow(arr, *n, cap, size, 64))
		return -ENOMEM;
	memcpy((char *)*arr + *n * size, rec, size);
	(*n)++;
	return 0;
}

/* ---- records ---- */

static int add_migrate(struct report *r, const struct sdr_rec_migrate *m)
{
	unsigned int loc = m->locality < SDR_LOC_NR ? m->locality : SDR_LOC_NR - 1;
	unsigned int cause = m->cause < SDR_CAUSE_NR ? m->cause : SDR_CAUSE_OTHER;
	struct report_task *t = row_of(r, &m->task, m->hdr.ts_ns);

	if (!t)
		return -ENOMEM;
	t->migrations[loc]++;
	t->by_cause[cause]++;
	t->penalty_milli += m->penalty_milli;
	/* Until a trailer replaces them, the records are the system totals. */
	r->migrations[loc][cause]++;
	r->penalty_milli += m->penalty_milli;
	if (m->from_node < r->nr_nodes && m->to_node < r->nr_nodes)
		r->node_matrix[m->from_node * r->nr_nodes + m->to_node].by_cause[cause]++;
	return rec_push((void **)&r->migs, &r->nr_migs, &r->cap_migs, m, sizeof(*m));
}

static int add_task(struct report *r, const struct sdr_rec_task *rec)
{
	struct report_task *t = row_of(r, &rec->task, rec->hdr.ts_ns);
	const struct sdr_task_counts *c = &rec->counts;

	if (!t)
		return -ENOMEM;
	t->have_totals = 1;
	if (!t->totals) {
		t->totals = malloc(sizeof(*t->totals));
		if (!t->totals)
			return -ENOMEM;
	}
	*t->totals = *c;
	t->runtime_ns = c->runtime_ns;
	memcpy(t->node_runtime_ns, c->node_runtime_ns, sizeof(t->node_runtime_ns));
	t->preferred_nid = c->preferred_nid;
	t->cgroup_id = c->cgroup_id;
	/*
	 * The row stays the tid's current one after exit: a task's last wait
	 * can come after its exit record. A new task reusing the tid gets its
	 * own row at its first named record (different start time); only waits
	 * it makes before that one would land on its predecessor.
	 */
	if (rec->hdr.type == SDR_REC_TASK_EXIT)
		t->exited = 1;
	return 0;
}

/* The row of the task whose wait ended at ts (made if none names tid), or NULL. */
static struct report_task *wait_row(struct report *r, __u32 tid, __u64 ts)
{
	struct report_task *t = row_of_tid(r, tid);

	/*
	 * Waits reach the file in per-CPU batches, so a task's last waits can
	 * come after a new task reused its tid. Task start times and wait ends
	 * are both CLOCK_MONOTONIC: a wait that ended before this task began
	 * is its predecessor's.
	 */
	while (t && t->id_known && t->prev_row && ts < t->id.start_ns)
		t = &r->tasks[t->prev_row - 1];
	return t ? t : new_row(r, tid);
}

/* A wait of t (premig_ns: its part queued on CPUs t then left; 0 for none). */
static int add_wait_to(struct report *r, struct report_task *t, const struct wait_sample *s,
		       __u64 premig_ns)
{
	if (!t)
		return -ENOMEM;
	r->nr_waits++;
	wait_sums__add(&t->sums, s->wait_ns, s->delivery_ns, premig_ns);
	wait_landings__add(&t->land, s->landing, s->wait_ns);
	wait_scopes__add(&r->scopes, s->cpu, s->landing, s->wait_ns, s->delivery_ns, premig_ns);
	return vec_push(&t->waits,
			(s->wait_ns & SAMPLE_WAIT_MASK) |
				(__u64)(s->cpu & 0x3ff) << SAMPLE_CPU_SHIFT |
				(__u64)(s->landing & 3) << SAMPLE_LANDING_SHIFT,
			s->ts_ns, s->delivery_ns);
}

static int add_wait(void *ctx, const struct wait_sample *s)
{
	struct report *r = ctx;

	return add_wait_to(r, wait_row(r, s->tid, s->ts_ns), s, 0);
}

/* A switch of a version 3 file: the wait it ended, if any, is a wait sample. */
static int add_switch_wait(void *ctx, const struct switch_sample *s)
{
	struct wait_sample w;

	if (!s->next_tid || !s->wait_ns)
		return 0;
	w.ts_ns = s->ts_ns;
	w.wait_ns = s->wait_ns;
	w.delivery_ns = s->delivery_ns;
	w.tid = s->next_tid;
	w.cpu = s->cpu;
	w.landing = s->landing;
	return add_wait_to(ctx, wait_row(ctx, s->next_tid, s->ts_ns), &w, s->premig_ns);
}

static int add_outlier(struct report *r, const struct sdr_rec_outlier *o)
{
	if (ARRAY_GROW(r->outliers, r->nr_outliers, r->cap_outliers, 64))
		return -ENOMEM;
	r->outliers[r->nr_outliers++] = *o;
	/*
	 * Named from /proc only (no record of the kernel's named it: start_ns
	 * 0, docs/trace-format.md): not an identity to make or name a row by.
	 */
	if (!o->task.start_ns)
		return 0;
	return row_of(r, &o->task, o->hdr.ts_ns) ? 0 : -ENOMEM;
}

static int add_cgroup_name(struct report *r, const struct sdr_rec_cgroup *c)
{
	size_t len = c->hdr.size - sizeof(*c);

	if (ARRAY_GROW(r->cg_names, r->nr_cg_names, r->cap_cg_names, 32))
		return -ENOMEM;
	r->cg_names[r->nr_cg_names].id = c->id;
	r->cg_names[r->nr_cg_names].k8s = NULL;
	r->cg_names[r->nr_cg_names].path = strndup(c->path, len);
	if (!r->cg_names[r->nr_cg_names].path)
		return -ENOMEM;
	r->nr_cg_names++;
	return 0;
}

/* A pod cgroup: its ids from the path, its names from the record (if any). */
static struct k8s_ident *cgroup_k8s(struct report *r, size_t i)
{
	struct k8s_ident id;

	if (r->cg_names[i].k8s || !k8s__parse_cgroup(r->cg_names[i].path, &id))
		return r->cg_names[i].k8s;
	r->cg_names[i].k8s = malloc(sizeof(id));
	if (r->cg_names[i].k8s)
		*r->cg_names[i].k8s = id;
	return r->cg_names[i].k8s;
}

/* Names of a fixed field from a file: NUL-terminated within it, or refused. */
#define COPY_NAME(dst, src) \
	(memchr((src), '\0', sizeof(src)) ? (snprintf((dst), sizeof(dst), "%s", (src)), 1) : 0)

static int add_k8s_names(struct report *r, const struct sdr_rec_k8s *k)
{
	struct k8s_ident *id;
	size_t i;

	for (i = r->nr_cg_names; i-- > 0;) {
		if (r->cg_names[i].id != k->id)
			continue;
		id = cgroup_k8s(r, i);
		if (!id)
			return 0; /* names for a path that is not a pod's: ignored */
		if (!COPY_NAME(id->namespace_, k->namespace_) || !COPY_NAME(id->pod, k->pod) ||
		    !COPY_NAME(id->container, k->container) || !COPY_NAME(id->runtime, k->runtime))
			id->namespace_[0] = id->pod[0] = id->container[0] = '\0';
		return 0;
	}
	return 0;
}

/*
 * Trace version 1 laid two records out shorter (docs/trace-format.md
 * "Versions"): struct sdr_task_counts had no delivery_sum_ns,
 * delivery_max_ns and queue_max_ns (between wait_max_ns and cgroup_id), and
 * struct sdr_rec_outlier no delivery_ns at its end. Such records are
 * widened to this build's layout with those fields 0; the report knows
 * from has_split that they are unknown, not 0.
 */
#define V1_COUNTS_AT offsetof(struct sdr_task_counts, delivery_sum_ns)
#define V1_COUNTS_ADDED (offsetof(struct sdr_task_counts, cgroup_id) - V1_COUNTS_AT)
#define V1_TASK_AT (offsetof(struct sdr_rec_task, counts) + V1_COUNTS_AT)
#define V1_TASK_SIZE (sizeof(struct sdr_rec_task) - V1_COUNTS_ADDED)
#define V1_OUTLIER_SIZE offsetof(struct sdr_rec_outlier, delivery_ns)

/* The sizes docs/trace-format.md gives for version 1. */
_Static_assert(V1_TASK_SIZE == 1576, "trace version 1 task record is 1576 bytes");
_Static_assert(V1_OUTLIER_SIZE == 96, "trace version 1 outlier record is 96 bytes");

static int add_task_v1(struct report *r, const struct sdr_rec_hdr *h)
{
	struct sdr_rec_task rec;

	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, h, V1_TASK_AT);
	memcpy((char *)&rec + V1_TASK_AT + V1_COUNTS_ADDED, (const char *)h + V1_TASK_AT,
	       V1_TASK_SIZE - V1_TASK_AT);
	rec.hdr.size = sizeof(rec);
	return add_task(r, &rec);
}

static int add_outlier_v1(struct report *r, const struct sdr_rec_hdr *h)
{
	struct sdr_rec_outlier o;

	memset(&o, 0, sizeof(o));
	memcpy(&o, h, V1_OUTLIER_SIZE);
	o.hdr.size = sizeof(o);
	return add_outlier(r, &o);
}

/* A row's key for who delayed whom, or the tid's until a record names it. */
static __u64 delay_key(void *ctx, __u32 tid)
{
	struct report_task *t = row_of_tid(ctx, tid);

	return t ? t->load_key : WHO_DELAYED_TID_KEY(tid);
}

/* A switch: its wait (a sample), then who held the CPU while it waited. */
static int add_switch(void *ctx, const struct switch_sample *s)
{
	struct report *r = ctx;
	struct attrib_wait w;
	int rc = add_switch_wait(ctx, s);

	if (!rc)
		rc = who_delayed__switch(r, s, &w);
	if (rc <= 0)
		return rc;
	return who_delayed__wait(r, &w, delay_key, r, s->landing);
}

static __u64 resolve_tid_key(void *ctx, __u64 key)
{
	struct report_task *t;

	if (!WHO_DELAYED_IS_TID_KEY(key))
		return key;
	t = row_of_tid(ctx, (__u32)key);
	return t ? t->load_key : DELAYS_UNKNOWN;
}

/* Returns 0, -ENOMEM, or -EINVAL for a record whose content is malformed. */
static int add_record(struct report *r, const struct sdr_rec_hdr *h)
{
	int v1 = r->meta.version < 2;

	r->nr_records++;
	/* Without a trailer, the last record is the best end-of-capture stamp. */
	if (h->ts_ns > r->meta.start_mono_ns && h->ts_ns - r->meta.start_mono_ns > r->duration_ns)
		r->duration_ns = h->ts_ns - r->meta.start_mono_ns;
	switch (h->type) {
	case SDR_REC_MIGRATE:
		if (h->size >= sizeof(struct sdr_rec_migrate))
			return add_migrate(r, (const struct sdr_rec_migrate *)h);
		break;
	case SDR_REC_TASK_EXIT:
	case SDR_REC_TASK_SNAPSHOT:
		if (v1 && h->size >= V1_TASK_SIZE)
			return add_task_v1(r, h);
		if (!v1 && h->size >= sizeof(struct sdr_rec_task))
			return add_task(r, (const struct sdr_rec_task *)h);
		break;
	case SDR_REC_WAIT_BATCH:
		return wait_batch__decode(h, r->meta.version, add_wait, r);
	case SDR_REC_SWITCH_BATCH:
		return switch_batch__decode(h, add_switch, r);
	case SDR_REC_SWITCH_GAP:
		if (h->size >= sizeof(struct sdr_rec_switch_gap)) {
			who_delayed__gap(r, h->cpu);
			return 0;
		}
		break;
	case SDR_REC_OUTLIER:
		if (v1 && h->size >= V1_OUTLIER_SIZE)
			return add_outlier_v1(r, h);
		if (!v1 && h->size >= sizeof(struct sdr_rec_outlier))
			return add_outlier(r, (const struct sdr_rec_outlier *)h);
		break;
	case SDR_REC_NUMA:
		if (h->size >= sizeof(struct sdr_rec_numa)) {
			const struct sdr_rec_numa *n = (const struct sdr_rec_numa *)h;
			struct report_task *t = row_of(r, &n->task, n->hdr.ts_ns);

			if (!t)
				return -ENOMEM;
			if (n->kind < SDR_NUMA_NR)
				t->numa[n->kind]++;
			return rec_push((void **)&r->numas, &r->nr_numas, &r->cap_numas, n,
					sizeof(*n));
		}
		break;
	case SDR_REC_CGROUP:
		if (h->size > sizeof(struct sdr_rec_cgroup))
			return add_cgroup_name(r, (const struct sdr_rec_cgroup *)h);
		break;
	case SDR_REC_K8S:
		if (h->size >= sizeof(struct sdr_rec_k8s))
			return add_k8s_names(r, (const struct sdr_rec_k8s *)h);
		break;
	default:
		break;
	}
	r->nr_unknown++;
	return 0;
}

/* ---- derived figures ---- */

/* Which figure of a wait sample: the whole wait, or one of its parts. */
enum part { PART_WAIT, PART_DELIVERY, PART_QUEUE, PART_NR };

static __u64 part_of(const struct sample_vec *v, size_t k, int part)
{
	__u64 wait = v->v[k] & SAMPLE_WAIT_MASK;

	switch (part) {
	case PART_DELIVERY: return v->delivery[k];
	case PART_QUEUE: return wait - v->delivery[k]; /* the decoder checked delivery <= wait */
	default: return wait;
	}
}

/*
 * Fill tmp with one part of the samples that pass keep(); return the count.
 * tmp has room for every sample in the report.
 */
static size_t gather(const struct report *r, const struct report_task *only, __u64 *tmp, int part,
		     int (*keep)(__u64 sample, long arg), long arg)
{
	size_t i, k, n = 0;

	/* One task's samples, or every task's. */
	for (i = 0; i < (only ? 1 : r->nr_tasks); i++) {
		const struct report_task *t = only ? only : &r->tasks[i];

		for (k = 0; k < t->waits.n; k++)
			if (!keep || keep(t->waits.v[k], arg))
				tmp[n++] = part_of(&t->waits, k, part);
	}
	return n;
}

/* The engine's count, mean and max (struct wait_sums) beside the samples' percentiles. */
static void take_sums(struct lat *l, __u64 count, __u64 sum, __u64 max)
{
	l->count = count;
	l->mean = count ? sum / count : 0;
	l->max = max;
}

/* The same for one part of the waits w accounts (the decoders checked delivery <= wait). */
static void take_part(struct lat *l, const struct wait_sums *w, int part)
{
	switch (part) {
	case PART_DELIVERY:
		take_sums(l, w->waits, w->delivery_sum_ns, w->delivery_max_ns);
		break;
	case PART_QUEUE:
		take_sums(l, w->waits, w->wait_sum_ns - w->delivery_sum_ns, w->queue_max_ns);
		break;
	default:
		take_sums(l, w->waits, w->wait_sum_ns, w->wait_max_ns);
	}
}

static int is_landing(__u64 s, long loc)
{
	long landing = s >> SAMPLE_LANDING_SHIFT & 3;

	return loc < 0 ? landing != 0 : landing == loc + 1;
}

static unsigned int cpu_of(__u64 s)
{
	return s >> SAMPLE_CPU_SHIFT & 0x3ff;
}

/*
 * Per-CPU percentiles of one part, beside the engine's counts, sums and
 * maxima (r->scopes): the samples are placed by CPU once (a counting sort:
 * off[c] is where CPU c's samples start in tmp), so each part costs two
 * passes over the samples, not one per CPU. Samples of CPUs outside the
 * topology count for the system only.
 */
static void derive_cpus(const struct report *r, __u64 *tmp, size_t *off, int part,
			struct lat *out)
{
	int c, nr = r->meta.topo.nr_cpus;
	size_t i, k, n;

	memset(off, 0, (nr + 1) * sizeof(*off));
	for (i = 0; i < r->nr_tasks; i++)
		for (k = 0; k < r->tasks[i].waits.n; k++)
			if ((int)cpu_of(r->tasks[i].waits.v[k]) < nr)
				off[cpu_of(r->tasks[i].waits.v[k]) + 1]++;
	for (c = 0; c < nr; c++)
		off[c + 1] += off[c];
	for (i = 0; i < r->nr_tasks; i++) {
		const struct sample_vec *v = &r->tasks[i].waits;

		for (k = 0; k < v->n; k++)
			if ((int)cpu_of(v->v[k]) < nr)
				tmp[off[cpu_of(v->v[k])]++] = part_of(v, k, part);
	}
	/* off[c] is now where CPU c ends, which is where CPU c + 1 starts. */
	for (c = 0, n = 0; c < nr; c++) {
		out[c] = lat__from_samples(tmp + n, off[c] - n);
		if (c < r->scopes.nr_cpus)
			take_part(&out[c], &r->scopes.cpu[c], part);
		n = off[c];
	}
}

static int cmp_cgroup(const void *a, const void *b)
{
	const struct report_cgroup *x = a, *y = b;

	if (x->runq.p99 != y->runq.p99)
		return x->runq.p99 > y->runq.p99 ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const char *cgroup_name(struct report *r, __u64 id, const struct k8s_ident **k8s)
{
	size_t i;

	for (i = 0; i < r->nr_cg_names; i++)
		if (r->cg_names[i].id == id) {
			*k8s = cgroup_k8s(r, i);
			return r->cg_names[i].path;
		}
	*k8s = NULL;
	return NULL;
}

static int derive_cgroups(struct report *r, __u64 *tmp)
{
	struct lat *out[PART_NR];
	struct wait_sums sums;
	size_t i, k, n;
	int part;

	for (i = 0; i < r->nr_tasks; i++) {
		__u64 id = r->tasks[i].cgroup_id;

		if (!id)
			continue;
		for (k = 0; k < r->nr_cgroups; k++)
			if (r->cgroups[k].id == id)
				break;
		if (k == r->nr_cgroups) {
			void *p = realloc(r->cgroups, (k + 1) * sizeof(*r->cgroups));

			if (!p)
				return -ENOMEM;
			r->cgroups = p;
			memset(&r->cgroups[k], 0, sizeof(r->cgroups[k]));
			r->cgroups[k].id = id;
			r->cgroups[k].path = cgroup_name(r, id, &r->cgroups[k].k8s);
			r->nr_cgroups++;
		}
		r->cgroups[k].nr_tasks++;
	}
	for (k = 0; k < r->nr_cgroups; k++) {
		struct report_cgroup *g = &r->cgroups[k];

		out[PART_WAIT] = &g->runq;
		out[PART_DELIVERY] = &g->delivery;
		out[PART_QUEUE] = &g->queue;
		g->split_known = r->has_split;
		if (r->from_totals) {
			report__cgroup_from_totals(r, g);
			continue;
		}
		/* Its tasks' sums merged, as the engine would a set of tasks. */
		memset(&sums, 0, sizeof(sums));
		for (i = 0; i < r->nr_tasks; i++)
			if (r->tasks[i].cgroup_id == g->id)
				wait_sums__merge(&sums, &r->tasks[i].sums);
		for (part = 0; part < PART_NR; part++) {
			n = 0;
			for (i = 0; i < r->nr_tasks; i++)
				if (r->tasks[i].cgroup_id == g->id)
					n += gather(r, &r->tasks[i], tmp + n, part, NULL, 0);
			*out[part] = lat__from_samples(tmp, n);
			take_part(out[part], &sums, part);
		}
	}
	/* Empty means a NULL array, which qsort() must not be given. */
	if (r->nr_cgroups)
		qsort(r->cgroups, r->nr_cgroups, sizeof(*r->cgroups), cmp_cgroup);
	return 0;
}

static int cmp_outlier(const void *a, const void *b)
{
	const struct sdr_rec_outlier *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	if (x->hdr.ts_ns != y->hdr.ts_ns)
		return x->hdr.ts_ns < y->hdr.ts_ns ? -1 : 1;
	return x->task.tid < y->task.tid ? -1 : x->task.tid > y->task.tid;
}

/* qsort() has no context argument; derive() runs on one thread at a time. */
static const struct sample_vec *sort_vec;

static int cmp_sample_idx(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct sample_vec *v = sort_vec;

	if (v->ts[x] != v->ts[y])
		return v->ts[x] < v->ts[y] ? -1 : 1;
	if (v->v[x] != v->v[y])
		return v->v[x] < v->v[y] ? -1 : 1;
	if (v->delivery[x] != v->delivery[y])
		return v->delivery[x] < v->delivery[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Batches from different CPUs reach the file out of order; put each task's
 * samples in time order (then by value, for equal times) so the sample list
 * and the timeline formats read in time order and output is deterministic.
 */
static int sort_samples(struct sample_vec *v)
{
	size_t i, *idx;
	__u64 *nv, *nts, *nd;

	for (i = 1; i < v->n && v->ts[i - 1] <= v->ts[i]; i++)
		;
	if (i >= v->n)
		return 0;
	idx = malloc(v->n * sizeof(*idx));
	nv = malloc(v->n * sizeof(*nv));
	nts = malloc(v->n * sizeof(*nts));
	nd = malloc(v->n * sizeof(*nd));
	if (!idx || !nv || !nts || !nd) {
		free(idx);
		free(nv);
		free(nts);
		free(nd);
		return -ENOMEM;
	}
	for (i = 0; i < v->n; i++)
		idx[i] = i;
	sort_vec = v;
	qsort(idx, v->n, sizeof(*idx), cmp_sample_idx);
	for (i = 0; i < v->n; i++) {
		nv[i] = v->v[idx[i]];
		nts[i] = v->ts[idx[i]];
		nd[i] = v->delivery[idx[i]];
	}
	free(idx);
	free(v->v);
	free(v->ts);
	free(v->delivery);
	v->v = nv;
	v->ts = nts;
	v->delivery = nd;
	v->cap = v->n;
	return 0;
}

/* A task's figures: percentiles from its samples, the rest as the engine accounted them. */
static void derive_task(struct report *r, struct report_task *t, __u64 *tmp)
{
	const struct wait_sums *w = &t->sums;
	__u64 n = 0, sum = 0, max = 0;
	int loc;

	t->landing = lat__from_samples(tmp, gather(r, t, tmp, PART_WAIT, is_landing, -1));
	for (loc = 0; loc < SDR_LOC_NR; loc++) {
		n += t->land.n[loc];
		sum += t->land.sum_ns[loc];
		if (t->land.max_ns[loc] > max)
			max = t->land.max_ns[loc];
	}
	take_sums(&t->landing, n, sum, max);
	t->runq = lat__from_samples(tmp, gather(r, t, tmp, PART_WAIT, NULL, 0));
	take_part(&t->runq, w, PART_WAIT);
	if (r->has_split) {
		t->delivery = lat__from_samples(tmp, gather(r, t, tmp, PART_DELIVERY, NULL, 0));
		take_part(&t->delivery, w, PART_DELIVERY);
		t->queue = lat__from_samples(tmp, gather(r, t, tmp, PART_QUEUE, NULL, 0));
		take_part(&t->queue, w, PART_QUEUE);
	}
	report__derive_home(t, r->nr_nodes);
	t->premig_waits = w->premig_waits;
	t->premig_sum_ns = w->premig_sum_ns;
	t->premig_max_ns = w->premig_max_ns;
	/* Every switch is in the file: its waits before a migration were counted. */
	t->premig_known = r->delays.known;
}

static int derive(struct report *r)
{
	struct lat *sys[PART_NR] = { &r->sys_runq, &r->sys_delivery, &r->sys_queue };
	struct lat *land[PART_NR] = { r->landing, r->landing_delivery, r->landing_queue };
	struct lat *cpu[PART_NR];
	size_t i, n, *off;
	__u64 *tmp;
	int loc, part, nr_cpus = r->meta.topo.nr_cpus, err = 0;

	for (i = 0; i < r->nr_tasks; i++) {
		err = sort_samples(&r->tasks[i].waits);
		if (err)
			return err;
	}
	tmp = malloc((r->nr_waits + 1) * sizeof(*tmp));
	off = malloc((nr_cpus + 1) * sizeof(*off));
	cpu[PART_WAIT] = r->cpu_runq = calloc(nr_cpus + 1, sizeof(*r->cpu_runq));
	cpu[PART_DELIVERY] = r->cpu_delivery = calloc(nr_cpus + 1, sizeof(*r->cpu_delivery));
	cpu[PART_QUEUE] = r->cpu_queue = calloc(nr_cpus + 1, sizeof(*r->cpu_queue));
	if (!tmp || !off || !r->cpu_runq || !r->cpu_delivery || !r->cpu_queue) {
		free(tmp);
		free(off);
		return -ENOMEM;
	}
	/* A version 1 file's parts are unknown: left empty, and has_split says so. */
	for (part = 0; part < (r->has_split ? PART_NR : 1); part++) {
		*sys[part] = lat__from_samples(tmp, gather(r, NULL, tmp, part, NULL, 0));
		take_part(sys[part], &r->scopes.sys, part);
		derive_cpus(r, tmp, off, part, cpu[part]);
		for (loc = 0; loc < SDR_LOC_NR; loc++) {
			n = gather(r, NULL, tmp, part, is_landing, loc);
			land[part][loc] = lat__from_samples(tmp, n);
			take_part(&land[part][loc], &r->scopes.land[loc], part);
		}
	}
	for (i = 0; i < r->nr_tasks; i++)
		derive_task(r, &r->tasks[i], tmp);
	report__from_totals(r);
	err = derive_cgroups(r, tmp);
	if (r->nr_outliers)
		qsort(r->outliers, r->nr_outliers, sizeof(*r->outliers), cmp_outlier);
	free(tmp);
	free(off);
	return err;
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
	int k, have_consumed = 0;

	r->trailer = *tr;
	r->trailer.node_matrix = NULL;
	r->have_trailer = 1;
	for (i = 0; i < tr->nr_counters; i++)
		for (k = 0; k < STAT_ALL_NR; k++)
			if (!strcmp(tr->counters[i].name, stat_descs[k].name)) {
				r->counters[k] = tr->counters[i].value;
				have_consumed |= k == SDR_STAT_NR + USER_STAT_consumed;
			}
	memcpy(r->migrations, tr->migrations, sizeof(r->migrations));
	r->penalty_milli = tr->penalty_milli;
	memset(r->node_matrix, 0, cells * sizeof(*r->node_matrix));
	if (tr->nr_nodes == (__u32)r->nr_nodes && tr->node_matrix)
		memcpy(r->node_matrix, tr->node_matrix, cells * sizeof(*r->node_matrix));
	r->duration_ns = tr->end_mono_ns > r->meta.start_mono_ns ?
				 tr->end_mono_ns - r->meta.start_mono_ns : 0;
	/* Records the recorder read vs. what the kernel says it submitted. */
	submitted = r->counters[SDR_STAT_records];
	landed = (have_consumed ? r->counters[SDR_STAT_NR + USER_STAT_consumed] : r->nr_records) +
		 r->counters[SDR_STAT_NR + USER_STAT_decode];
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
	r->has_split = r->meta.version >= 2;
	r->nr_nodes = r->meta.topo.nr_nodes;
	r->node_matrix = calloc((size_t)r->nr_nodes * r->nr_nodes + 1, sizeof(*r->node_matrix));
	if (!r->node_matrix || wait_scopes__init(&r->scopes, r->meta.topo.nr_cpus))
		goto oom;
	while ((rc = trace_reader__next(rd, &h, e)) > 0) {
		err = add_record(r, h);
		if (err == -ENOMEM)
			goto oom;
		if (err) {
			struct trace_progress pr;

			/* The CRC held but the content is wrong: say where. */
			trace_reader__progress(rd, &pr);
			e->offset = pr.good_bytes;
			snprintf(e->msg, sizeof(e->msg),
				 "malformed record of type %u in the chunk that ends here", h->type);
			rc = -EINVAL;
			break;
		}
	}
	if (rc == 0 && trace_reader__trailer(rd)) {
		take_trailer(r, trace_reader__trailer(rd));
	} else if (rc < 0) {
		if (!salvage) {
			/* What was read is dropped: a caller keeps nothing of a failed load. */
			trace_reader__close(rd);
			report__free(r);
			return EXIT_USAGE;
		}
		snprintf(r->error, sizeof(r->error), "at byte %llu: %s",
			 (unsigned long long)e->offset, e->msg);
	}
	trace_reader__close(rd);
	rd = NULL;
	if (who_delayed__resolve(r, resolve_tid_key, r))
		goto oom;
	free(r->tid_keys);
	free(r->tid_index);
	r->tid_keys = r->tid_index = NULL;
	r->max_tid_row = 0;
	if (derive(r))
		goto oom;
	if (r->nr_tasks)
		qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), report_task__cmp);
	if (who_delayed__derive(r))
		goto oom;
	return 0;
oom:
	if (rd)
		trace_reader__close(rd);
	snprintf(e->msg, sizeof(e->msg), "out of memory after %llu records",
		 (unsigned long long)r->nr_records);
	e->offset = 0;
	report__free(r);
	return EXIT_RUNTIME;
}
