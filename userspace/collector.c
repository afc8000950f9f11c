// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "collector.h"
#include "record.h"
#include "task_interval.h"
#include "util.h"

/* ---- ring buffer: exits and outliers ---- */

static void keep_worst(struct collector *c, const struct sdr_rec_outlier *o)
{
	size_t i = c->nr_worst;

	if (i == COLLECTOR_OUTLIERS) {
		if (o->wait_ns <= c->worst[i - 1].wait_ns)
			return;
		i--;
	} else {
		c->nr_worst++;
	}
	/* Insertion into a short array kept sorted by wait, longest first. */
	while (i > 0 && c->worst[i - 1].wait_ns < o->wait_ns) {
		c->worst[i] = c->worst[i - 1];
		i--;
	}
	c->worst[i] = *o;
}

static void task_rec_from(struct task_rec *t, const struct sdr_task_id *id,
			  const struct sdr_task_counts *counts, __u64 generation)
{
	memset(t, 0, sizeof(*t));
	t->id = *id;
	t->counts = *counts;
	t->generation = generation;
}

/*
 * The accumulator of cgroup id, made if new; NULL when the cap
 * (--max-cgroup-series) is reached. Kept sorted by id: every task update
 * looks its cgroup up, so the search must not grow with the cgroup count.
 */
static struct collector_cg *cg_get(struct collector *c, __u64 id)
{
	size_t lo = 0, hi = c->nr_cgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->cgs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_cgs && c->cgs[lo].id == id)
		return &c->cgs[lo];
	if (c->nr_cgs >= c->max_cgs)
		return NULL;
	if (c->nr_cgs == c->cap_cgs) {
		size_t cap = c->cap_cgs ? c->cap_cgs * 2 : 16;
		void *p = realloc(c->cgs, cap * sizeof(*c->cgs));

		if (!p)
			return NULL;
		c->cgs = p;
		c->cap_cgs = cap;
	}
	memmove(&c->cgs[lo + 1], &c->cgs[lo], (c->nr_cgs - lo) * sizeof(c->cgs[0]));
	memset(&c->cgs[lo], 0, sizeof(c->cgs[0]));
	c->cgs[lo].id = id;
	c->nr_cgs++;
	return &c->cgs[lo];
}

/* A task's new waits into its cgroup's accumulator (counted as lost if none). */
static void cg_add_waits(struct collector *c, const struct task_rec *t, const struct task_rec *old)
{
	struct collector_cg *g = cg_get(c, t->counts.cgroup_id);
	__u64 d, lost = 0;
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++) {
		d = t->counts.wait_hist[i] - (old ? old->counts.wait_hist[i] : 0);
		/* A smaller count means a new task behind the same key: take all. */
		if (old && t->counts.wait_hist[i] < old->counts.wait_hist[i])
			d = t->counts.wait_hist[i];
		if (!g) {
			lost += d;
			continue;
		}
		g->cum[i] += d;
		g->interval[i] += d;
	}
	if (!g) {
		c->user[USER_STAT_cgroup_series_full] += lost;
		return;
	}
	if (t->counts.wait_max_ns > g->max)
		g->max = t->counts.wait_max_ns;
	if (!old || t->counts.wait_sum_ns >= old->counts.wait_sum_ns)
		g->sum += t->counts.wait_sum_ns - (old ? old->counts.wait_sum_ns : 0);
}

/*
 * Publish a task version, with what it did since its last version of an
 * earlier generation, first adding its new waits to its cgroup. A full
 * table refuses it: counted, as every loss is.
 */
static void task_update(struct collector *c, struct task_rec *t)
{
	const struct task_rec *old = tasktable__get(c->table, t->id.tid, t->id.start_ns);

	if (!c->kernel_cgroups && t->counts.cgroup_id)
		cg_add_waits(c, t, old);
	task_interval__fill(t, old, c->topo.nr_nodes);
	if (tasktable__update(c->table, t))
		c->user[USER_STAT_table_full]++;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct sdr_rec_hdr *h = data;
	struct collector *c = ctx;
	struct task_rec t;

	if (size < sizeof(*h) || h->size != size) {
		c->user[USER_STAT_decode]++;
		return 0;
	}
	c->user[USER_STAT_consumed]++;
	if (c->flight)
		flight__add(c->flight, data, size, now_mono_ns());
	if (h->type == SDR_REC_TASK_EXIT && size >= sizeof(struct sdr_rec_task)) {
		const struct sdr_rec_task *e = data;
		/*
		 * The generation not yet published. Inside a tick that is the one
		 * it opened: the snapshot may have read this task just before it
		 * exited, and an exit stamped a generation later would replace
		 * that unpublished version and count its interval from it, so
		 * what the task did up to the snapshot would never be shown.
		 */
		__u64 gen = c->tick_open ? c->generation : c->generation + 1;

		/* Final totals, then the exit: it stays visible for the grace. */
		task_rec_from(&t, &e->task, &e->counts, gen);
		task_update(c, &t);
		/* Not in the table only if the update above was refused (counted there). */
		tasktable__mark_exited(c->table, e->task.tid, e->task.start_ns, gen);
	} else if (h->type == SDR_REC_OUTLIER && size >= sizeof(struct sdr_rec_outlier)) {
		keep_worst(c, data);
	}
	return 0;
}

int collector__drain(struct collector *c, int timeout_ms)
{
	return loader__poll(&c->l, timeout_ms);
}

/* ---- start / stop ---- */

int collector__start(struct collector *c, const struct collector_opts *o)
{
	struct loader_opts lo = {};
	struct utsname u;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = topology_load(&c->topo, o->topology_path);
	if (rc)
		return rc;
	c->cum_rows_top = -1;
	c->table = tasktable__new(o->max_tasks, o->grace);
	c->reader = c->table ? tasktable__reader_new(c->table) : NULL;
	c->ncpu = libbpf_num_possible_cpus();
	c->prev_cpu = calloc(c->ncpu > 0 ? c->ncpu : 1, sizeof(*c->prev_cpu));
	c->cpu_hists = calloc(c->topo.nr_cpus + 1, sizeof(*c->cpu_hists));
	c->prev_matrix = calloc((size_t)c->topo.nr_nodes * c->topo.nr_nodes + 1,
				sizeof(*c->prev_matrix));
	if (!c->table || !c->reader || c->ncpu <= 0 || !c->prev_cpu || !c->cpu_hists ||
	    !c->prev_matrix) {
		msg_err("out of memory");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	c->k8s = k8s_cache__new(o->host_root);
	if (!c->k8s) {
		msg_err("out of memory");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	lo.topo = &c->topo;
	lo.ringbuf_bytes = 4 << 20; /* exits and outliers only */
	lo.min_lat_ns = o->min_lat_ns;
	lo.max_cgroups = o->max_cgroups;
	c->kernel_cgroups = o->max_cgroups > 0;
	c->max_cgs = o->max_cgroup_series ? o->max_cgroup_series : COLLECTOR_DEFAULT_CGROUP_SERIES;
	lo.no_migration_records = 1;
	if (o->flight_window_ns) {
		/* The record-mode events too, for SLO captures: waits in batches, migrations. */
		c->flight = flight__new(o->flight_window_ns, o->flight_max_bytes);
		if (!c->flight) {
			msg_err("out of memory");
			collector__stop(c);
			return EXIT_RUNTIME;
		}
		lo.emit_waits = 1;
		lo.no_migration_records = 0;
		lo.ringbuf_bytes = 16 << 20;
	}
	if (loader__start(&c->l, &lo, on_event, c)) {
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	if (c->l.raw_tp) {
		msg_err("the always-on modes need tp_btf programs (task storage); this kernel refuses "
			"them: use `schedrift record` instead");
		collector__stop(c);
		return EXIT_RUNTIME;
	}
	if (uname(&u) == 0) {
		snprintf(c->meta.kernel_release, sizeof(c->meta.kernel_release), "%s", u.release);
		snprintf(c->meta.hostname, sizeof(c->meta.hostname), "%s", u.nodename);
	}
	c->meta.nr_cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	c->meta.start_mono_ns = c->last_tick_ns = now_mono_ns();
	c->meta.start_realtime_ns = c->last_tick_realtime_ns = now_realtime_ns();
	snprintf(c->meta.command, sizeof(c->meta.command), "%s", o->command);
	c->meta.topo = c->topo;
	return 0;
}

void collector__stop(struct collector *c)
{
	loader__destroy(&c->l);
	if (c->reader)
		tasktable__reader_free(c->reader);
	if (c->table)
		tasktable__free(c->table);
	free(c->prev_cpu);
	free(c->prev_matrix);
	free(c->prev_cg);
	free(c->cpu_hists);
	free(c->cgroup_hists);
	free(c->cgs);
	free(c->spare_rows[0]);
	free(c->spare_rows[1]);
	cgroup_paths__free(&c->cg_paths);
	k8s_cache__free(c->k8s);
	flight__free(c->flight);
	memset(c, 0, sizeof(*c));
}

/* ---- a tick ---- */

static int on_live_task(void *ctx, const struct sdr_rec_task *rec)
{
	struct collector *c = ctx;
	struct task_rec t;

	task_rec_from(&t, &rec->task, &rec->counts, c->generation);
	task_update(c, &t);
	return 0;
}

/* Keys of tasks held as alive that this generation's snapshot did not report. */
struct vanished {
	__u64 generation;
	struct sdr_task_id *ids;
	size_t n, cap;
	int err;
};

static int find_vanished(void *ctx, const struct task_rec *t)
{
	struct vanished *v = ctx;
	void *p;

	if (t->exit_generation || t->generation == v->generation)
		return 0;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		p = realloc(v->ids, v->cap * sizeof(*v->ids));
		if (!p) {
			v->err = -ENOMEM;
			return 1;
		}
		v->ids = p;
	}
	v->ids[v->n++] = t->id;
	return 0;
}

/*
 * The snapshot reports every live task the kernel has state for, so a task
 * held as alive that it missed has gone without an exit record (the ring
 * buffer was full: counted there). It exits in this generation with nothing
 * new in its interval, and leaves after its grace like any other; without
 * this it would be held, as alive, forever.
 */
static int sweep_vanished(struct collector *c)
{
	struct vanished v = { .generation = c->generation };
	const struct task_rec *old;
	struct task_rec t;
	size_t i;

	tasktable__for_each(c->reader, find_vanished, &v);
	for (i = 0; !v.err && i < v.n; i++) {
		old = tasktable__get(c->table, v.ids[i].tid, v.ids[i].start_ns);
		if (!old)
			continue;
		t = *old;
		t.generation = c->generation;
		task_update(c, &t);
		tasktable__mark_exited(c->table, t.id.tid, t.id.start_ns, c->generation);
	}
	free(v.ids);
	return v.err;
}

static void hist_from_sdr(struct hist *h, const __u64 *counts, __u64 count, __u64 sum,
			  __u64 max)
{
	unsigned int i;

	hist__init(h);
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		h->counts[i] = counts[i];
	h->count = count;
	h->sum = sum;
	h->max = max;
	h->min = 0; /* the kernel keeps no minimum; percentiles only clamp to it */
}

/* cur - prev, bucket by bucket: the interval's waits. The max is the cumulative one. */
static void hist_delta(struct hist *out, const struct sdr_hist *cur, const struct sdr_hist *prev)
{
	unsigned int i;

	hist__init(out);
	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		out->counts[i] = cur->counts[i] - prev->counts[i];
	out->count = cur->count - prev->count;
	out->sum = cur->sum_ns - prev->sum_ns;
	/*
	 * The kernel's max is since start; within the interval the largest
	 * non-empty bucket bounds it instead.
	 */
	for (i = SDR_HIST_NR_BUCKETS; i-- > 0;)
		if (out->counts[i]) {
			__u64 hi = sdr_hist_bucket_hi(i) - 1;

			out->max = hi < cur->max_ns ? hi : cur->max_ns;
			break;
		}
}

static void hist_from_cum(struct hist *h, const struct sdr_hist *s)
{
	hist_from_sdr(h, s->counts, s->count, s->sum_ns, s->max_ns);
}

/* One part (or the whole) of the waits of the CPUs: which histogram of the three. */
static const struct sdr_hist *part_hist(const struct loader_wait_hists *h, int part)
{
	return part == 1 ? &h->delivery : part == 2 ? &h->queue : &h->wait;
}

static int read_cpus(struct collector *c, struct report *r)
{
	struct loader_wait_hists *cur = calloc(c->ncpu, sizeof(*cur));
	struct hist *cum_out[3] = { &c->sys_hist, &c->sys_delivery_hist, &c->sys_queue_hist };
	struct lat *sys_out[3] = { &r->sys_runq, &r->sys_delivery, &r->sys_queue };
	struct lat *cpu_out[3];
	struct hist *delta = malloc(2 * sizeof(*delta)), *sys_delta, cum;
	int cpu, part, err;

	if (!cur || !delta) {
		err = -ENOMEM;
		goto out;
	}
	sys_delta = delta + 1;
	err = loader__read_cpu_hists(&c->l, cur, c->ncpu);
	if (err)
		goto out;
	cpu_out[0] = r->cpu_runq = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_runq));
	cpu_out[1] = r->cpu_delivery = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_delivery));
	cpu_out[2] = r->cpu_queue = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_queue));
	if (!r->cpu_runq || !r->cpu_delivery || !r->cpu_queue) {
		err = -ENOMEM;
		goto out;
	}
	/* The kernel counts every wait in all three, so their counts agree. */
	for (part = 0; part < 3; part++) {
		hist__init(cum_out[part]);
		hist__init(sys_delta);
		for (cpu = 0; cpu < c->ncpu; cpu++) {
			hist_from_cum(&cum, part_hist(&cur[cpu], part));
			hist__merge(cum_out[part], &cum);
			hist_delta(delta, part_hist(&cur[cpu], part),
				   part_hist(&c->prev_cpu[cpu], part));
			hist__merge(sys_delta, delta);
			if (cpu >= c->topo.nr_cpus)
				continue;
			if (part == 0)
				c->cpu_hists[cpu] = cum;
			cpu_out[part][cpu] = lat__from_hist(delta);
		}
		*sys_out[part] = lat__from_hist(sys_delta);
		if (part == 0)
			r->nr_waits = sys_delta->count;
	}
	r->has_split = 1;
	memcpy(c->prev_cpu, cur, c->ncpu * sizeof(*cur));
out:
	free(cur);
	free(delta);
	return err;
}

static int read_landing(struct collector *c, struct report *r)
{
	struct loader_wait_hists *cur = calloc(SDR_LOC_NR, sizeof(*cur));
	struct hist *delta = malloc(sizeof(*delta));
	int loc, err = -ENOMEM;

	if (!cur || !delta)
		goto out;
	err = loader__read_landing(&c->l, cur);
	if (err)
		goto out;
	for (loc = 0; loc < SDR_LOC_NR; loc++) {
		hist_from_cum(&c->landing_hist[loc], &cur[loc].wait);
		hist_from_cum(&c->landing_delivery_hist[loc], &cur[loc].delivery);
		hist_from_cum(&c->landing_queue_hist[loc], &cur[loc].queue);
		hist_delta(delta, &cur[loc].wait, &c->prev_landing[loc].wait);
		r->landing[loc] = lat__from_hist(delta);
		hist_delta(delta, &cur[loc].delivery, &c->prev_landing[loc].delivery);
		r->landing_delivery[loc] = lat__from_hist(delta);
		hist_delta(delta, &cur[loc].queue, &c->prev_landing[loc].queue);
		r->landing_queue[loc] = lat__from_hist(delta);
	}
	memcpy(c->prev_landing, cur, SDR_LOC_NR * sizeof(*cur));
out:
	free(cur);
	free(delta);
	return err;
}

static const struct loader_cgroup *find_cg(const struct loader_cgroup *v, size_t n, __u64 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

static int cmp_cg_id(const void *a, const void *b)
{
	const struct loader_cgroup *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void sdr_from_cg(struct sdr_hist *out, const struct sdr_cgroup_hist *h)
{
	unsigned int i;

	for (i = 0; i < SDR_HIST_NR_BUCKETS; i++)
		out->counts[i] = h->counts[i];
	out->count = h->count;
	out->sum_ns = h->sum_ns;
	out->max_ns = h->max_ns;
}

/* A coarse task-style histogram as a fine one: each count in the middle fine bucket of its span. */
static void hist_from_coarse(struct hist *h, const __u64 *coarse, __u64 max, __u64 sum)
{
	unsigned int i;

	hist__init(h);
	for (i = 0; i < SDR_TASK_HIST_NR; i++) {
		if (!coarse[i])
			continue;
		h->counts[(i << SDR_TASK_HIST_SHIFT) + (1u << SDR_TASK_HIST_SHIFT) / 2] += coarse[i];
		h->count += coarse[i];
	}
	h->max = max;
	h->sum = sum;
}

static const char *cg_path(struct collector *c, __u64 id, int *reloaded)
{
	const char *path = cgroup_paths__find(&c->cg_paths, id);
	char root[4096];

	/* A cgroup we have not named yet: walk the hierarchy again, once a tick. */
	if (!path && !*reloaded && !cgroup_paths__root(root, sizeof(root))) {
		cgroup_paths__free(&c->cg_paths);
		cgroup_paths__load(&c->cg_paths, root);
		*reloaded = 1;
		path = cgroup_paths__find(&c->cg_paths, id);
	}
	return path;
}

/* Is cgroup id still there? Its directory under root, with id as inode number. */
static int cg_alive(const char *root, const char *path, __u64 id)
{
	char full[8192];
	struct stat st;

	if (!path)
		return 0;
	if (snprintf(full, sizeof(full), "%s%s", root, strcmp(path, "/") ? path : "") >=
	    (int)sizeof(full))
		return 1; /* cannot tell: keep it */
	return !stat(full, &st) && st.st_ino == id;
}

/*
 * Drops the accumulators of cgroups that were removed and had no waits in
 * the interval just exported: their last figures went out, no task can add
 * to them again, and keeping them would grow the series and the walks
 * without bound as containers come and go. Only idle cgroups are checked
 * (one stat each, from the cached path: a cached path outlives its
 * cgroup). Not at all when the cgroup2 root is unknown.
 */
static void prune_removed_cgroups(struct collector *c, const struct report *r)
{
	char root[4096];
	size_t i, kept = 0;

	if (cgroup_paths__root(root, sizeof(root)))
		return;
	for (i = 0; i < c->nr_cgs; i++)
		if (c->cgs[i].active || cg_alive(root, r->cgroups[i].path, c->cgs[i].id))
			c->cgs[kept++] = c->cgs[i];
	c->nr_cgs = kept;
}

/* The default: per-cgroup figures summed from the tasks (bound 1/16). */
static int read_task_cgroups(struct collector *c, struct report *r)
{
	struct lat l;
	__u32 coarse[SDR_TASK_HIST_NR];
	size_t i, k;
	int reloaded = 0;

	r->cgroups = calloc(c->nr_cgs + 1, sizeof(*r->cgroups));
	free(c->cgroup_hists);
	c->cgroup_hists = calloc(c->nr_cgs + 1, sizeof(*c->cgroup_hists));
	if (!r->cgroups || !c->cgroup_hists)
		return -ENOMEM;
	for (i = 0; i < c->nr_cgs; i++) {
		struct collector_cg *g = &c->cgs[i];
		__u64 imax = 0;

		r->cgroups[i].id = g->id;
		r->cgroups[i].path = cg_path(c, g->id, &reloaded);
		g->active = 0;
		for (k = 0; k < SDR_TASK_HIST_NR; k++) {
			coarse[k] = g->interval[k] > UINT32_MAX ? UINT32_MAX : g->interval[k];
			if (g->interval[k]) {
				imax = sdr_hist_bucket_hi(((k + 1) << SDR_TASK_HIST_SHIFT) - 1) - 1;
				g->active = 1;
			}
		}
		l = lat__from_task_hist(coarse, imax < g->max ? imax : g->max);
		r->cgroups[i].runq = l;
		hist_from_coarse(&c->cgroup_hists[i], g->cum, g->max, g->sum);
		memset(g->interval, 0, sizeof(g->interval));
	}
	if (reloaded)
		for (i = 0; i < c->nr_cgs; i++)
			r->cgroups[i].path = cgroup_paths__find(&c->cg_paths, r->cgroups[i].id);
	r->nr_cgroups = c->nr_cgs;
	prune_removed_cgroups(c, r);
	return 0;
}

static int read_cgroups(struct collector *c, struct report *r)
{
	struct loader_cgroup *cur = NULL;
	struct sdr_hist *a, *b;
	struct hist delta;
	size_t n = 0, i;
	int err, reloaded = 0;
	char root[4096];

	if (!c->kernel_cgroups)
		return read_task_cgroups(c, r);
	err = loader__read_cgroups(&c->l, &cur, &n);
	if (err)
		return err;
	qsort(cur, n, sizeof(*cur), cmp_cg_id);
	r->cgroups = calloc(n + 1, sizeof(*r->cgroups));
	free(c->cgroup_hists);
	c->cgroup_hists = calloc(n + 1, sizeof(*c->cgroup_hists));
	a = malloc(sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (!r->cgroups || !c->cgroup_hists || !a || !b) {
		free(cur), free(a), free(b);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct loader_cgroup *prev = find_cg(c->prev_cg, c->nr_prev_cg, cur[i].id);
		struct report_cgroup *g = &r->cgroups[i];

		g->id = cur[i].id;
		g->path = cgroup_paths__find(&c->cg_paths, g->id);
		/* A cgroup we have not named yet: walk the hierarchy again, once a tick. */
		if (!g->path && !reloaded && !cgroup_paths__root(root, sizeof(root))) {
			cgroup_paths__free(&c->cg_paths);
			cgroup_paths__load(&c->cg_paths, root);
			reloaded = 1;
			g->path = cgroup_paths__find(&c->cg_paths, g->id);
		}
		sdr_from_cg(a, &cur[i].hist);
		memset(b, 0, sizeof(*b));
		if (prev)
			sdr_from_cg(b, &prev->hist);
		hist_delta(&delta, a, b);
		g->runq = lat__from_hist(&delta);
		hist_from_sdr(&c->cgroup_hists[i], a->counts, a->count, a->sum_ns, a->max_ns);
	}
	/* Paths were looked up before a reload freed them: look them all up again. */
	if (reloaded)
		for (i = 0; i < n; i++)
			r->cgroups[i].path = cgroup_paths__find(&c->cg_paths, r->cgroups[i].id);
	r->nr_cgroups = n;
	free(c->prev_cg);
	c->prev_cg = cur;
	c->nr_prev_cg = n;
	free(a);
	free(b);
	return 0;
}

/*
 * Kubernetes names for the cgroups of this tick, from the cache. A path
 * unseen for ten minutes (the pod is gone) leaves the cache.
 */
static void name_pods(struct collector *c, struct report *r, __u64 now_ns)
{
	double now_s = now_ns / 1e9;
	size_t i;

	for (i = 0; i < r->nr_cgroups; i++)
		r->cgroups[i].k8s = k8s_cache__get(c->k8s, r->cgroups[i].path, now_s);
	k8s_cache__expire(c->k8s, now_s - 600);
}

/* Where a cgroup id is in a report's cgroups, for counting their tasks. */
struct cgroup_slot {
	__u64 id;
	size_t pos;
};

/*
 * A task that may be in the top N by penalty or by p99 wait, with what
 * export_prom.c orders them by: the key, then tid, start time, tgid, comm.
 */
struct top_candidate {
	__u64 key;
	struct sdr_task_id id;
};

struct top_list {
	struct top_candidate *v;
	size_t n, cap;
};

struct task_fill {
	struct report *r;
	struct report *interval; /* NULL: no interval rows wanted */
	__u64 generation;
	int nr_nodes;
	int all_rows; /* every task in r, else only top candidates (cum_rows_top) */
	struct top_list by_penalty, by_p99;
	const struct cgroup_slot *slots; /* r's cgroups sorted by id */
	int err;
};

void collector__row_from_rec(struct report_task *row, const struct task_rec *t, int nr_nodes)
{
	size_t i;

	memset(row, 0, sizeof(*row));
	row->id = t->id;
	row->id_known = 1;
	row->exited = t->exit_generation != 0;
	row->generation = t->generation;
	memcpy(row->migrations, t->counts.migrations, sizeof(row->migrations));
	memcpy(row->by_cause, t->counts.by_cause, sizeof(row->by_cause));
	row->penalty_milli = t->counts.penalty_milli;
	memcpy(row->numa, t->counts.numa, sizeof(row->numa));
	row->have_totals = 1;
	row->runtime_ns = t->counts.runtime_ns;
	memcpy(row->node_runtime_ns, t->counts.node_runtime_ns, sizeof(row->node_runtime_ns));
	row->preferred_nid = t->counts.preferred_nid;
	row->cgroup_id = t->counts.cgroup_id;
	row->home_node = -1;
	report__derive_home(row, nr_nodes);
	row->runq = lat__from_task_hist(t->counts.wait_hist, t->counts.wait_max_ns);
	/*
	 * Per task the kernel keeps only count, sum and max of the parts: a
	 * histogram for each would add two cold cache lines to every wait.
	 */
	row->delivery = lat__from_sum(t->counts.waits, t->counts.delivery_sum_ns,
				      t->counts.delivery_max_ns);
	/* A copy taken mid-update can hold the new delivery sum beside the old wait sum. */
	row->queue = lat__from_sum(t->counts.waits,
				   t->counts.wait_sum_ns > t->counts.delivery_sum_ns ?
					   t->counts.wait_sum_ns - t->counts.delivery_sum_ns :
					   0,
				   t->counts.queue_max_ns);
	/* Per task the kernel keeps landing count, sum and max only. */
	for (i = 0; i < SDR_LOC_NR; i++) {
		row->landing.count += t->counts.landings[i];
		if (t->counts.landing_max_ns[i] > row->landing.max)
			row->landing.max = t->counts.landing_max_ns[i];
	}
}

static int cmp_cgroup_slot(const void *a, const void *b)
{
	const struct cgroup_slot *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Every cgroup entry with this id gets the task (ids are unique in practice). */
static void count_in_cgroups(struct report *r, const struct cgroup_slot *slots, __u64 id)
{
	size_t lo = 0, hi = r->nr_cgroups;

	if (!slots)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (slots[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nr_cgroups && slots[lo].id == id; lo++)
		r->cgroups[slots[lo].pos].nr_tasks++;
}

static int top_push(struct top_list *l, __u64 key, const struct sdr_task_id *id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n].key = key;
	l->v[l->n++].id = *id;
	return 0;
}

static int cmp_top_candidate(const void *a, const void *b)
{
	const struct top_candidate *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	if (x->id.tid != y->id.tid)
		return x->id.tid < y->id.tid ? -1 : 1;
	if (x->id.start_ns != y->id.start_ns)
		return x->id.start_ns < y->id.start_ns ? -1 : 1;
	if (x->id.tgid != y->id.tgid)
		return x->id.tgid < y->id.tgid ? -1 : 1;
	return memcmp(x->id.comm, y->id.comm, sizeof(x->id.comm));
}

static struct report_task *next_row(struct report *r)
{
	if (r->nr_tasks == r->cap_tasks) {
		size_t cap = r->cap_tasks ? r->cap_tasks * 2 : 256;
		void *p = realloc(r->tasks, cap * sizeof(*r->tasks));

		if (!p)
			return NULL;
		r->tasks = p;
		r->cap_tasks = cap;
	}
	return &r->tasks[r->nr_tasks++];
}

static int add_task_row(void *ctx, const struct task_rec *t)
{
	struct task_fill *tf = ctx;
	struct report_task *row;

	count_in_cgroups(tf->r, tf->slots, t->counts.cgroup_id);
	if (tf->all_rows) {
		row = next_row(tf->r);
		if (!row)
			goto oom;
		collector__row_from_rec(row, t, tf->nr_nodes);
	} else {
		/* Export_prom.c's choice, made here without a row for everyone. */
		__u64 p99 = lat__task_hist_quantile(t->counts.wait_hist, t->counts.wait_max_ns,
						     0.99);

		if ((t->counts.penalty_milli &&
		     top_push(&tf->by_penalty, t->counts.penalty_milli, &t->id)) ||
		    (p99 && top_push(&tf->by_p99, p99, &t->id)))
			goto oom;
	}
	/*
	 * The interval's rows: tasks whose version is of this generation and
	 * that did something in it (an idle task is still read every tick).
	 */
	if (!tf->interval || t->generation != tf->generation ||
	    (!task_interval__active(&t->interval) && t->exit_generation != tf->generation))
		return 0;
	row = next_row(tf->interval);
	if (!row)
		goto oom;
	task_interval__row(row, t, tf->nr_nodes);
	count_in_cgroups(tf->interval, tf->slots, t->counts.cgroup_id);
	return 0;
oom:
	tf->err = -ENOMEM;
	return 1;
}

/*
 * Room for n rows at once, from the rows the last export handed back when
 * they are big enough. Grown by doubling, the rows of 10 000 tasks would
 * take up to twice their 8 MB, plus the copy while each realloc moves
 * them, at the peak of the daemon's memory.
 */
static int reserve_rows(struct collector *c, int which, struct report *r, size_t n)
{
	void *p;

	if (!r->tasks && c->spare_rows[which]) {
		r->tasks = c->spare_rows[which];
		r->cap_tasks = c->spare_cap[which];
		c->spare_rows[which] = NULL;
		c->spare_cap[which] = 0;
	}
	if (n <= r->cap_tasks)
		return 0;
	p = realloc(r->tasks, n * sizeof(*r->tasks));
	if (!p)
		return -ENOMEM;
	r->tasks = p;
	r->cap_tasks = n;
	return 0;
}

static void recycle(struct collector *c, int which, struct report *r)
{
	size_t i;

	if (!r || !r->tasks)
		return;
	for (i = 0; i < r->nr_tasks; i++) { /* the daemon's rows own none; to be sure */
		free(r->tasks[i].waits.v);
		free(r->tasks[i].waits.ts);
		free(r->tasks[i].waits.delivery);
	}
	if (r->cap_tasks > c->spare_cap[which]) {
		free(c->spare_rows[which]);
		c->spare_rows[which] = r->tasks;
		c->spare_cap[which] = r->cap_tasks;
	} else {
		free(r->tasks);
	}
	r->tasks = NULL;
	r->nr_tasks = r->cap_tasks = 0;
}

void collector__recycle_rows(struct collector *c, struct report *r, struct report *iv)
{
	recycle(c, 0, r);
	recycle(c, 1, iv);
}

/* The cumulative rows of the first `lim` candidates in l's order. */
static int add_top_rows(struct collector *c, struct report *r, struct top_list *l, size_t lim)
{
	const struct task_rec *t;
	struct report_task *row;
	size_t i;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_top_candidate);
	for (i = 0; i < l->n && i < lim; i++) {
		t = tasktable__get(c->table, l->v[i].id.tid, l->v[i].id.start_ns);
		if (!t)
			continue; /* cannot happen: only this thread changes the table */
		row = next_row(r);
		if (!row)
			return -ENOMEM;
		collector__row_from_rec(row, t, c->topo.nr_nodes);
	}
	return 0;
}

/* Rows picked by both lists appear once: by identity, adjacent after the sort. */
static void drop_duplicate_rows(struct report *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->nr_tasks; i++) {
		if (k && r->tasks[k - 1].id.tid == r->tasks[i].id.tid &&
		    r->tasks[k - 1].id.start_ns == r->tasks[i].id.start_ns)
			continue;
		if (k != i)
			r->tasks[k] = r->tasks[i];
		k++;
	}
	r->nr_tasks = k;
}

static int fill_tasks(struct collector *c, struct report *r, struct report *iv)
{
	struct task_fill tf = {
		.r = r, .interval = iv, .generation = c->generation, .nr_nodes = c->topo.nr_nodes,
		.all_rows = c->cum_rows_top < 0,
	};
	struct tasktable_stats st;
	struct cgroup_slot *slots;
	size_t i, lim = c->cum_rows_top > 0 ? (size_t)c->cum_rows_top : 0;
	int err = 0;

	/* Only this thread changes the table, so the count holds for the walk. */
	tasktable__stats(c->table, &st);
	if ((tf.all_rows && reserve_rows(c, 0, r, st.nr_tasks)) ||
	    (!tf.all_rows && reserve_rows(c, 0, r, 2 * lim)) ||
	    (iv && reserve_rows(c, 1, iv, st.nr_tasks)))
		return -ENOMEM;
	slots = calloc(r->nr_cgroups + 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < r->nr_cgroups; i++)
		slots[i] = (struct cgroup_slot){ .id = r->cgroups[i].id, .pos = i };
	if (r->nr_cgroups)
		qsort(slots, r->nr_cgroups, sizeof(*slots), cmp_cgroup_slot);
	tf.slots = slots;
	tasktable__for_each(c->reader, add_task_row, &tf);
	err = tf.err;
	if (!err && !tf.all_rows) {
		err = add_top_rows(c, r, &tf.by_penalty, lim);
		if (!err)
			err = add_top_rows(c, r, &tf.by_p99, lim);
	}
	free(tf.by_penalty.v);
	free(tf.by_p99.v);
	free(slots);
	if (err)
		return err;
	if (r->nr_tasks)
		qsort(r->tasks, r->nr_tasks, sizeof(*r->tasks), report_task__cmp);
	if (!tf.all_rows)
		drop_duplicate_rows(r);
	if (iv && iv->nr_tasks)
		qsort(iv->tasks, iv->nr_tasks, sizeof(*iv->tasks), report_task__cmp);
	return 0;
}

static int fill_totals(struct collector *c, struct report *r)
{
	struct sdr_stats s;
	int i, err;

	err = loader__read_stats(&c->l, &s);
	if (err)
		return err;
	for (i = 0; i < SDR_STAT_NR; i++)
		r->counters[i] = s.counters[i];
	c->user[USER_STAT_prog_skipped] = loader__prog_skipped(&c->l);
	c->user[USER_STAT_flight_evicted] = flight__evicted(c->flight);
	for (i = 0; i < USER_STAT_NR; i++)
		r->counters[SDR_STAT_NR + i] = c->user[i];
	memcpy(r->migrations, s.migrations, sizeof(r->migrations));
	r->penalty_milli = s.penalty_milli;
	r->nr_nodes = c->topo.nr_nodes;
	r->node_matrix = calloc((size_t)r->nr_nodes * r->nr_nodes + 1, sizeof(*r->node_matrix));
	if (!r->node_matrix)
		return -ENOMEM;
	err = loader__read_node_matrix(&c->l, r->node_matrix);
	if (err)
		return err;
	/* Exits and outliers the kernel made that the ring buffer has not given us yet. */
	if (s.counters[SDR_STAT_records] > c->user[USER_STAT_consumed] + c->user[USER_STAT_decode])
		r->unconsumed = s.counters[SDR_STAT_records] - c->user[USER_STAT_consumed] -
				c->user[USER_STAT_decode];
	return 0;
}

static int copy_out(void **dst, const void *src, size_t n, size_t size)
{
	*dst = calloc(n + 1, size);
	if (!*dst)
		return -ENOMEM;
	if (n)
		memcpy(*dst, src, n * size);
	return 0;
}

/*
 * The interval's report: counters and the node matrix as differences from
 * the last tick, latency (already the interval's in r) copied; the tasks
 * are added by fill_tasks().
 */
static int interval_totals(struct collector *c, const struct report *r, struct report *iv)
{
	size_t cells = (size_t)r->nr_nodes * r->nr_nodes, i;
	int loc, k, err;

	iv->meta = r->meta;
	iv->meta.start_mono_ns = c->last_tick_ns - r->duration_ns;
	iv->meta.start_realtime_ns = c->last_tick_realtime_ns;
	iv->have_trailer = 1;
	iv->duration_ns = r->duration_ns;
	iv->generation = r->generation;
	iv->nr_waits = r->nr_waits;
	for (i = 0; i < STAT_ALL_NR; i++)
		iv->counters[i] = r->counters[i] - c->prev_counters[i];
	for (loc = 0; loc < SDR_LOC_NR; loc++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			iv->migrations[loc][k] = r->migrations[loc][k] - c->prev_migrations[loc][k];
	iv->penalty_milli = r->penalty_milli - c->prev_penalty_milli;
	iv->unconsumed = r->unconsumed; /* a backlog now, not a count */
	iv->nr_nodes = r->nr_nodes;
	iv->sys_runq = r->sys_runq;
	iv->has_split = r->has_split;
	iv->sys_delivery = r->sys_delivery;
	iv->sys_queue = r->sys_queue;
	memcpy(iv->landing, r->landing, sizeof(iv->landing));
	memcpy(iv->landing_delivery, r->landing_delivery, sizeof(iv->landing_delivery));
	memcpy(iv->landing_queue, r->landing_queue, sizeof(iv->landing_queue));
	err = copy_out((void **)&iv->node_matrix, r->node_matrix, cells, sizeof(*r->node_matrix));
	if (!err)
		err = copy_out((void **)&iv->cpu_runq, r->cpu_runq, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_runq));
	if (!err)
		err = copy_out((void **)&iv->cpu_delivery, r->cpu_delivery, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_delivery));
	if (!err)
		err = copy_out((void **)&iv->cpu_queue, r->cpu_queue, r->meta.topo.nr_cpus,
			       sizeof(*r->cpu_queue));
	if (!err)
		err = copy_out((void **)&iv->cgroups, r->cgroups, r->nr_cgroups, sizeof(*r->cgroups));
	if (!err)
		err = copy_out((void **)&iv->outliers, r->outliers, r->nr_outliers,
			       sizeof(*r->outliers));
	if (err)
		return err;
	iv->nr_cgroups = r->nr_cgroups;
	iv->nr_outliers = iv->cap_outliers = r->nr_outliers;
	for (i = 0; i < cells; i++)
		for (k = 0; k < SDR_CAUSE_NR; k++)
			iv->node_matrix[i].by_cause[k] -= c->prev_matrix[i].by_cause[k];
	return 0;
}

/* r's cumulative totals become the base of the next interval. */
static void keep_totals(struct collector *c, const struct report *r)
{
	memcpy(c->prev_counters, r->counters, sizeof(c->prev_counters));
	memcpy(c->prev_migrations, r->migrations, sizeof(c->prev_migrations));
	c->prev_penalty_milli = r->penalty_milli;
	memcpy(c->prev_matrix, r->node_matrix,
	       (size_t)r->nr_nodes * r->nr_nodes * sizeof(*c->prev_matrix));
	if (c->flight) {
		struct flight_counters fc;

		memcpy(fc.counters, r->counters, sizeof(fc.counters));
		memcpy(fc.migrations, r->migrations, sizeof(fc.migrations));
		fc.penalty_milli = r->penalty_milli;
		flight__mark(c->flight, c->last_tick_ns, &fc);
	}
}

int collector__tick(struct collector *c, struct report *r, struct report *iv)
{
	__u64 now;
	int err;

	memset(r, 0, sizeof(*r));
	if (iv)
		memset(iv, 0, sizeof(*iv));
	/*
	 * Exits first, so a task that exited is not re-read as live; they are
	 * stamped with the generation this tick ends.
	 */
	err = loader__poll(&c->l, 0);
	c->generation++;
	c->tick_open = 1;
	if (!err)
		err = loader__snapshot_tasks(&c->l, on_live_task, c);
	/*
	 * A task that exited while the snapshot ran is skipped by it, its exit
	 * record already in the ring: read those first, so the sweep takes for
	 * vanished only tasks whose record was lost. They count in this
	 * generation (on_event): one the snapshot read just before its exit
	 * has two versions in it, added up. The raw_tp set has no iterator:
	 * no snapshot, nothing is judged gone.
	 */
	if (!err && !c->l.raw_tp) {
		err = loader__poll(&c->l, 0);
		if (!err)
			err = sweep_vanished(c);
	}
	c->tick_open = 0;
	if (err)
		return err;
	tasktable__end_generation(c->table, c->generation);

	now = now_mono_ns();
	r->meta = c->meta;
	r->have_trailer = 1;
	r->generation = c->generation;
	r->duration_ns = now - c->last_tick_ns;
	c->last_tick_ns = now;
	err = fill_totals(c, r);
	if (!err)
		err = read_cpus(c, r);
	if (!err)
		err = read_landing(c, r);
	if (!err)
		err = read_cgroups(c, r);
	if (!err)
		name_pods(c, r, now);
	if (!err && c->nr_worst) {
		r->outliers = malloc(c->nr_worst * sizeof(*r->outliers));
		if (!r->outliers) {
			err = -ENOMEM;
		} else {
			memcpy(r->outliers, c->worst, c->nr_worst * sizeof(*r->outliers));
			r->nr_outliers = r->cap_outliers = c->nr_worst;
		}
	}
	c->nr_worst = 0;
	if (!err && iv)
		err = interval_totals(c, r, iv);
	if (!err)
		err = fill_tasks(c, r, iv);
	if (!err)
		keep_totals(c, r);
	c->last_tick_realtime_ns = now_realtime_ns();
	if (err) {
		report__free(r);
		if (iv)
			report__free(iv);
	}
	return err;
}

/* ---- SLO captures ---- */

struct capture_ctx {
	struct collector *c;
	struct trace_writer *w;
	__u64 *cg_ids;
	size_t nr_cg, cap_cg;
	int err;
};

static int capture_task(void *ctx, const struct sdr_rec_task *t)
{
	struct capture_ctx *x = ctx;
	__u64 id = t->counts.cgroup_id;

	x->err = trace_writer__append(x->w, t, t->hdr.size);
	if (x->err)
		return x->err;
	if (id && x->nr_cg < 4096) { /* the cgroups to name; duplicates removed below */
		if (x->nr_cg == x->cap_cg) {
			size_t cap = x->cap_cg ? x->cap_cg * 2 : 64;
			void *v = realloc(x->cg_ids, cap * sizeof(*x->cg_ids));

			if (!v)
				return x->err = -ENOMEM;
			x->cg_ids = v;
			x->cap_cg = cap;
		}
		x->cg_ids[x->nr_cg++] = id;
	}
	return 0;
}

static int capture_cgroup(void *ctx, __u64 id, const char *path)
{
	struct capture_ctx *x = ctx;
	char buf[TRACE_CGROUP_REC_MAX];

	return trace_writer__append(x->w, buf, trace__cgroup_record(buf, id, path, now_mono_ns()));
}

/* The live tasks (names, cgroups, totals) and their cgroups' paths, after the records. */
static int capture_more(void *ctx, struct trace_writer *w)
{
	struct capture_ctx *x = ctx;
	int err;

	x->w = w;
	err = loader__snapshot_tasks(&x->c->l, capture_task, x);
	if (err || x->err)
		return err ? err : x->err;
	return cgroup_paths__each_named(&x->c->cg_paths, x->cg_ids, x->nr_cg, capture_cgroup, x);
}

int collector__capture(struct collector *c, const char *path)
{
	struct capture_ctx x = { .c = c };
	struct flight_counters now;
	int err;

	if (!c->flight)
		return -ENOTSUP;
	/* Records the ring buffer holds now belong in the capture too. */
	loader__poll(&c->l, 0);
	memcpy(now.counters, c->prev_counters, sizeof(now.counters));
	memcpy(now.migrations, c->prev_migrations, sizeof(now.migrations));
	now.penalty_milli = c->prev_penalty_milli;
	err = flight__write(c->flight, path, &c->meta, c->last_tick_ns, &now, capture_more, &x);
	free(x.cg_ids);
	return err;
}
