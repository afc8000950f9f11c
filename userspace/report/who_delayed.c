// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/who_delayed.h"

int who_delayed__switch(struct report *r, const struct switch_sample *s, struct attrib_wait *w)
{
	struct report_delays *d = &r->delays;

	if (!d->engine) {
		d->engine = attrib__new(r->meta.topo.nr_cpus ? r->meta.topo.nr_cpus : SDR_MAX_CPUS,
					0);
		d->by_task = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
		if (!d->engine || !d->by_task)
			return -ENOMEM;
		d->known = 1;
	}
	return attrib__feed(d->engine, s, w);
}

/* -ENOSPC is a cap, counted in the pairs' stats; only running out of memory stops a load. */
static int oom_only(int err)
{
	return err == -ENOMEM ? err : 0;
}

int who_delayed__wait(struct report *r, __u64 victim, const struct attrib_wait *w,
		      const __u64 *culprit)
{
	struct delays *d = r->delays.by_task;
	__u64 unknown = w->unknown_short_ns + w->unknown_gap_ns;
	__u32 i;
	int err;

	err = oom_only(delays__wait(d, victim, w->wait_ns, w->premig_ns));
	for (i = 0; !err && i < w->nr_shares; i++)
		err = oom_only(delays__add(d, victim, culprit[i], w->shares[i].ns));
	if (!err && w->idle_ns)
		err = oom_only(delays__add(d, victim, DELAYS_IDLE, w->idle_ns));
	if (!err && unknown)
		err = oom_only(delays__add(d, victim, DELAYS_UNKNOWN, unknown));
	if (!err && w->other_ns)
		err = oom_only(delays__add(d, victim, DELAYS_OTHER, w->other_ns));
	return err;
}

int who_delayed__resolve(struct report *r, __u64 (*tid_to_key)(void *ctx, __u64 key), void *ctx)
{
	struct report_delays *d = &r->delays;
	struct delays *by_key;

	if (!d->known)
		return 0;
	d->attrib = *attrib__stats(d->engine);
	d->bytes = attrib__bytes(d->engine) + delays__bytes(d->by_task);
	attrib__free(d->engine);
	d->engine = NULL;
	by_key = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
	if (!by_key || delays__regroup(by_key, d->by_task, tid_to_key, ctx) == -ENOMEM) {
		delays__free(by_key);
		return -ENOMEM;
	}
	d->pairs = *delays__stats(d->by_task);
	delays__free(d->by_task);
	d->by_task = by_key;
	return 0;
}

/* ---- the tables, once rows are sorted ---- */

struct keymap {
	const struct report *r;
	size_t *index; /* load_key -> 1 + row index after the sort */
	size_t nr;
};

static __u64 to_row(void *ctx, __u64 key)
{
	const struct keymap *m = ctx;

	if (key >= m->nr || !m->index[key])
		return DELAYS_UNKNOWN;
	return m->index[key] - 1;
}

static __u64 to_cgroup(void *ctx, __u64 key)
{
	const struct keymap *m = ctx;
	__u64 row = to_row(ctx, key);

	if (row == DELAYS_UNKNOWN || !m->r->tasks[row].cgroup_id)
		return DELAYS_UNKNOWN;
	return m->r->tasks[row].cgroup_id;
}

static int prefix(const char *s, const char *p)
{
	size_t n = strlen(p);

	return !strncmp(s, p, n) && (s[n] == '\0' || s[n] == '/');
}

/* Kernel threads sit in the root cgroup; systemd's services and init in theirs. */
static int system_cgroup(const struct report *r, __u64 id)
{
	const struct report_cgroup *g = report__cgroup_by_id(r, id);

	if (!g || !g->path)
		return 0;
	return !strcmp(g->path, "/") || prefix(g->path, "/system.slice") ||
	       prefix(g->path, "/init.scope");
}

static int class_of(const struct report *r, __u64 victim_cg, __u64 culprit_cg, __u64 culprit)
{
	if (culprit == DELAYS_IDLE)
		return RDC_IDLE;
	if (culprit == DELAYS_UNKNOWN || culprit == DELAYS_OTHER || culprit_cg == DELAYS_UNKNOWN)
		return RDC_UNKNOWN;
	if (culprit_cg == victim_cg)
		return RDC_SAME;
	if (system_cgroup(r, culprit_cg))
		return RDC_SYSTEM;
	return RDC_ANOTHER;
}

static __u64 cg_of_row(const struct report *r, __u64 row)
{
	if (row == DELAYS_UNKNOWN || row == DELAYS_IDLE || row == DELAYS_OTHER ||
	    !r->tasks[row].cgroup_id)
		return DELAYS_UNKNOWN;
	return r->tasks[row].cgroup_id;
}

/* Victims of one level: classes from every cell, then the cut. */
static int table(const struct report *r, struct delays *d, int by_task, size_t k,
		 struct delays_victim **mem, struct report_delayed **out, size_t *n)
{
	size_t i, c;
	struct delays_victim *v;
	int err = delays__sorted(d, mem, n);

	if (err)
		return err;
	v = *mem;
	*out = calloc(*n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < *n; i++) {
		struct report_delayed *o = &(*out)[i];
		__u64 vcg = by_task ? cg_of_row(r, v[i].key) : v[i].key;

		o->key = v[i].key;
		o->wait_ns = v[i].wait_ns;
		o->nr_waits = v[i].nr_waits;
		o->premig_ns = v[i].premig_ns;
		o->lost_ns = v[i].lost_ns;
		for (c = 0; c < v[i].nr_cells; c++) {
			__u64 key = v[i].cells[c].culprit;
			__u64 ccg = by_task ? cg_of_row(r, key) : key;

			o->class_ns[class_of(r, vcg, ccg, key)] += v[i].cells[c].ns;
		}
		o->omitted = delays__top(&v[i], k, &o->other);
		o->culprits = v[i].cells;
		o->nr_culprits = v[i].nr_cells;
	}
	return 0;
}

int who_delayed__derive(struct report *r)
{
	struct report_delays *d = &r->delays;
	struct delays *rows = NULL, *groups = NULL;
	struct keymap m = { .r = r };
	size_t i;
	int err = -ENOMEM;

	if (!d->known)
		return 0;
	d->top_k = WHO_DELAYED_TOP_TASKS;
	m.nr = r->nr_tasks + 1;
	m.index = calloc(m.nr, sizeof(*m.index));
	rows = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
	groups = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
	if (!m.index || !rows || !groups)
		goto out;
	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].load_key < m.nr)
			m.index[r->tasks[i].load_key] = i + 1;
	if (delays__regroup(rows, d->by_task, to_row, &m) == -ENOMEM ||
	    delays__regroup(groups, d->by_task, to_cgroup, &m) == -ENOMEM)
		goto out;
	err = table(r, rows, 1, WHO_DELAYED_TOP_TASKS, &d->task_mem, &d->tasks, &d->nr_tasks);
	if (!err)
		err = table(r, groups, 0, WHO_DELAYED_TOP_GROUPS, &d->group_mem, &d->groups,
			    &d->nr_groups);
out:
	delays__free(d->by_task);
	d->by_task = NULL;
	delays__free(rows);
	delays__free(groups);
	free(m.index);
	return err;
}
