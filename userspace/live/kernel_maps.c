// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A tick's reads of the system's wait histograms (per CPU and per landing
 * locality, made by the wait engine from the stream), of the kernel's
 * per-cgroup ones (from the kernel's map, or summed from the tasks), each
 * made into the interval's latency (struct lat) and the cumulative
 * histograms the Prometheus export folds; then the cgroups' paths and pod
 * names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "live/collector.h"
#include "lib/util.h"

/* One part (or the whole) of the waits of the CPUs: which histogram of the three. */
static const struct sdr_hist *part_hist(const struct wait_part_hists *h, int part)
{
	return part == 1 ? &h->delivery : part == 2 ? &h->queue : &h->wait;
}

int collector__read_cpus(struct collector *c, struct report *r)
{
	const struct wait_part_hists *cur = c->waits.sys->cpu;
	struct hist *cum_out[3] = { &c->sys_hist, &c->sys_delivery_hist, &c->sys_queue_hist };
	struct lat *sys_out[3] = { &r->sys_runq, &r->sys_delivery, &r->sys_queue };
	struct lat *cpu_out[3];
	struct hist *delta = malloc(2 * sizeof(*delta)), *sys_delta, cum;
	int cpu, part, err;

	if (!delta) {
		err = -ENOMEM;
		goto out;
	}
	sys_delta = delta + 1;
	cpu_out[0] = r->cpu_runq = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_runq));
	cpu_out[1] = r->cpu_delivery = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_delivery));
	cpu_out[2] = r->cpu_queue = calloc(c->topo.nr_cpus + 1, sizeof(*r->cpu_queue));
	if (!r->cpu_runq || !r->cpu_delivery || !r->cpu_queue) {
		err = -ENOMEM;
		goto out;
	}
	/* The engine counts every wait in all three, so their counts agree. */
	for (part = 0; part < 3; part++) {
		hist__init(cum_out[part]);
		hist__init(sys_delta);
		for (cpu = 0; cpu < c->ncpu; cpu++) {
			hist__from_sdr(&cum, part_hist(&cur[cpu], part));
			hist__merge(cum_out[part], &cum);
			hist__sdr_delta(delta, part_hist(&cur[cpu], part),
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
	err = 0;
out:
	free(delta);
	return err;
}

int collector__read_landing(struct collector *c, struct report *r)
{
	const struct wait_part_hists *cur = c->waits.sys->land;
	struct hist *delta = malloc(sizeof(*delta));
	int loc;

	if (!delta)
		return -ENOMEM;
	for (loc = 0; loc < SDR_LOC_NR; loc++) {
		hist__from_sdr(&c->landing_hist[loc], &cur[loc].wait);
		hist__from_sdr(&c->landing_delivery_hist[loc], &cur[loc].delivery);
		hist__from_sdr(&c->landing_queue_hist[loc], &cur[loc].queue);
		hist__sdr_delta(delta, &cur[loc].wait, &c->prev_landing[loc].wait);
		r->landing[loc] = lat__from_hist(delta);
		hist__sdr_delta(delta, &cur[loc].delivery, &c->prev_landing[loc].delivery);
		r->landing_delivery[loc] = lat__from_hist(delta);
		hist__sdr_delta(delta, &cur[loc].queue, &c->prev_landing[loc].queue);
		r->landing_queue[loc] = lat__from_hist(delta);
	}
	memcpy(c->prev_landing, cur, SDR_LOC_NR * sizeof(*cur));
	free(delta);
	return 0;
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
		else
			free(c->cgs[i].cum);
	c->nr_cgs = kept;
}

/* The default: per-cgroup figures summed from the tasks' fine histograms (bound 1/64). */
static int read_task_cgroups(struct collector *c, struct report *r)
{
	struct hist *iv = malloc(sizeof(*iv));
	size_t i, k;
	int reloaded = 0;

	r->cgroups = calloc(c->nr_cgs + 1, sizeof(*r->cgroups));
	free(c->cgroup_hists);
	c->cgroup_hists = calloc(c->nr_cgs + 1, sizeof(*c->cgroup_hists));
	if (!r->cgroups || !c->cgroup_hists || !iv) {
		free(iv);
		return -ENOMEM;
	}
	for (i = 0; i < c->nr_cgs; i++) {
		struct collector_cg *g = &c->cgs[i];
		__u64 n = 0;

		r->cgroups[i].id = g->id;
		r->cgroups[i].path = cg_path(c, g->id, &reloaded);
		for (k = 0; k < SDR_HIST_NR_BUCKETS; k++)
			n += g->interval[k];
		g->active = n > 0;
		hist__from_counts(iv, g->interval, n, g->isum, g->imax);
		r->cgroups[i].runq = lat__from_hist(iv);
		n = 0;
		for (k = 0; k < SDR_HIST_NR_BUCKETS; k++)
			n += g->cum[k];
		hist__from_counts(&c->cgroup_hists[i], g->cum, n, g->sum, g->max);
		memset(g->interval, 0, SDR_HIST_NR_BUCKETS * sizeof(*g->interval));
		g->imax = g->isum = 0;
	}
	free(iv);
	if (reloaded)
		for (i = 0; i < c->nr_cgs; i++)
			r->cgroups[i].path = cgroup_paths__find(&c->cg_paths, r->cgroups[i].id);
	r->nr_cgroups = c->nr_cgs;
	prune_removed_cgroups(c, r);
	return 0;
}

int collector__read_cgroups(struct collector *c, struct report *r)
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
		sdr_hist__from_cgroup(a, &cur[i].hist);
		memset(b, 0, sizeof(*b));
		if (prev)
			sdr_hist__from_cgroup(b, &prev->hist);
		hist__sdr_delta(&delta, a, b);
		g->runq = lat__from_hist(&delta);
		hist__from_counts(&c->cgroup_hists[i], a->counts, a->count, a->sum_ns, a->max_ns);
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
void collector__name_pods(struct collector *c, struct report *r, __u64 now_ns)
{
	double now_s = now_ns / 1e9;
	size_t i;

	for (i = 0; i < r->nr_cgroups; i++)
		r->cgroups[i].k8s = k8s_cache__get(c->k8s, r->cgroups[i].path, now_s);
	k8s_cache__expire(c->k8s, now_s - 600);
}
