// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hist.h"
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

void who_delayed__gap(struct report *r, __u32 cpu)
{
	/* No engine yet: no switch came before, so no history to cut. */
	if (r->delays.engine)
		attrib__gap(r->delays.engine, cpu);
}

/* -ENOSPC is a cap, counted in the pairs' stats; only running out of memory stops a load. */
static int oom_only(int err)
{
	return err == -ENOMEM ? err : 0;
}

/* A loading key in 32 bits: a load key, or a tid still to resolve (top bit). */
static __u32 why_key(__u64 key)
{
	if (WHO_DELAYED_IS_TID_KEY(key))
		return (__u32)key < (1u << 31) ? (1u << 31) | (__u32)key : REPORT_WHY_UNKNOWN;
	return key < (1u << 31) ? (__u32)key : REPORT_WHY_UNKNOWN;
}

struct cand {
	__u32 who;
	__u64 ns;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->who < y->who ? -1 : x->who > y->who;
}

static int keep_why(struct report *r, const struct attrib_wait *w, const __u64 *culprit)
{
	struct report_delays *d = &r->delays;
	struct cand c[ATTRIB_MAX_SHARES + 3];
	struct report_wait_why *y;
	size_t n = 0, i;

	if (d->nr_why == REPORT_MAX_WHY) {
		d->why_full++;
		return 0;
	}
	if (d->nr_why == d->cap_why) {
		size_t cap = d->cap_why ? d->cap_why * 2 : 1024;
		void *p = realloc(d->why, cap * sizeof(*d->why));

		if (!p)
			return -ENOMEM;
		d->why = p;
		d->cap_why = cap;
	}
	for (i = 0; i < w->nr_shares; i++)
		c[n++] = (struct cand){ why_key(culprit[i]), w->shares[i].ns };
	if (w->idle_ns)
		c[n++] = (struct cand){ REPORT_WHY_IDLE, w->idle_ns };
	if (w->unknown_short_ns + w->unknown_gap_ns)
		c[n++] = (struct cand){ REPORT_WHY_UNKNOWN,
					w->unknown_short_ns + w->unknown_gap_ns };
	if (w->other_ns)
		c[n++] = (struct cand){ REPORT_WHY_OTHER, w->other_ns };
	qsort(c, n, sizeof(*c), cmp_cand);
	y = &d->why[d->nr_why++];
	y->ts_ns = w->ts_ns;
	y->tid = w->tid;
	y->cpu = w->cpu;
	y->premig_ns = sdr_dur32_encode(w->premig_ns);
	y->on_cpu_ns = sdr_dur32_encode(w->on_cpu_ns);
	for (i = 0; i < REPORT_WHY_NAMED; i++) {
		y->who[i] = i < n ? c[i].who : REPORT_WHY_NONE;
		y->ns[i] = i < n ? sdr_dur32_encode(c[i].ns) : 0;
	}
	return 0;
}

static int keep_premig(struct report_delays *d, unsigned int landing, __u64 premig)
{
	unsigned int loc = landing - 1;

	if (!premig || !landing || loc >= SDR_LOC_NR)
		return 0;
	if (d->nr_premig[loc] == d->cap_premig[loc]) {
		size_t cap = d->cap_premig[loc] ? d->cap_premig[loc] * 2 : 256;
		void *p = realloc(d->premig_v[loc], cap * sizeof(__u64));

		if (!p)
			return -ENOMEM;
		d->premig_v[loc] = p;
		d->cap_premig[loc] = cap;
	}
	d->premig_v[loc][d->nr_premig[loc]++] = premig;
	return 0;
}

int who_delayed__wait(struct report *r, const struct attrib_wait *w,
		      __u64 (*key_of)(void *ctx, __u32 tid), void *ctx, unsigned int landing)
{
	struct delays *d = r->delays.by_task;
	__u64 unknown = w->unknown_short_ns + w->unknown_gap_ns, victim = key_of(ctx, w->tid);
	__u64 culprit[ATTRIB_MAX_SHARES];
	size_t i, n;
	const struct attrib_share *all = attrib__holders(r->delays.engine, &n);
	int err;

	/* Every holder, not only the top ones: the classes stay exact in a crowd. */
	err = oom_only(delays__wait(d, victim, w->wait_ns, w->premig_ns));
	for (i = 0; !err && i < n; i++)
		err = oom_only(delays__add(d, victim, key_of(ctx, all[i].tid), all[i].ns));
	if (!err && w->idle_ns)
		err = oom_only(delays__add(d, victim, DELAYS_IDLE, w->idle_ns));
	if (!err && unknown)
		err = oom_only(delays__add(d, victim, DELAYS_UNKNOWN, unknown));
	for (i = 0; i < w->nr_shares; i++)
		culprit[i] = key_of(ctx, w->shares[i].tid);
	if (!err)
		err = keep_why(r, w, culprit);
	if (!err)
		err = keep_premig(&r->delays, landing, w->premig_ns);
	return err;
}

int who_delayed__resolve(struct report *r, __u64 (*tid_to_key)(void *ctx, __u64 key), void *ctx)
{
	struct report_delays *d = &r->delays;
	struct delays *by_key;
	size_t i, k;

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
	for (i = 0; i < d->nr_why; i++) {
		for (k = 0; k < REPORT_WHY_NAMED; k++) {
			__u32 x = d->why[i].who[k];
			__u64 key;

			if (x >= REPORT_WHY_OTHER || !(x >> 31))
				continue;
			key = tid_to_key(ctx, WHO_DELAYED_TID_KEY(x & ~(1u << 31)));
			d->why[i].who[k] = key < (1u << 31) ? (__u32)key : REPORT_WHY_UNKNOWN;
		}
	}
	return 0;
}

/* ---- the tables, once rows are sorted ---- */

struct keymap {
	const struct report *r;
	size_t *index; /* load_key -> 1 + row index after the sort */
	size_t nr;
	struct group_of *groups; /* cgroup id -> group key, by id */
	size_t nr_groups;
};

struct group_of {
	__u64 id, group;
};

static int cmp_group_of(const void *a, const void *b)
{
	const struct group_of *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Each cgroup's group: itself, or its pod (the lowest id of the pod's cgroups). */
static struct group_of *map_groups(const struct report *r)
{
	struct group_of *m = malloc((r->nr_cgroups + 1) * sizeof(*m));
	size_t i, k;

	if (!m)
		return NULL;
	for (i = 0; i < r->nr_cgroups; i++) {
		const struct k8s_ident *a = r->cgroups[i].k8s;

		m[i].id = r->cgroups[i].id;
		m[i].group = m[i].id;
		if (!a || !a->pod_uid[0])
			continue;
		for (k = 0; k < r->nr_cgroups; k++) {
			const struct k8s_ident *b = r->cgroups[k].k8s;

			if (b && !strcmp(a->pod_uid, b->pod_uid) && r->cgroups[k].id < m[i].group)
				m[i].group = r->cgroups[k].id;
		}
		m[i].group |= REPORT_GROUP_POD;
	}
	if (r->nr_cgroups)
		qsort(m, r->nr_cgroups, sizeof(*m), cmp_group_of);
	return m;
}

static __u64 group_of_cgroup(const struct keymap *m, __u64 id)
{
	size_t lo = 0, hi = m->nr_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->groups[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nr_groups && m->groups[lo].id == id ? m->groups[lo].group : id;
}

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
	return group_of_cgroup(m, m->r->tasks[row].cgroup_id);
}

/* The culprit group's class, by the rule the daemon shares (engine/delay_class.h). */
static int class_of(const struct report *r, __u64 victim_cg, __u64 culprit_cg, __u64 culprit)
{
	const struct report_cgroup *g = NULL;

	if (culprit_cg != DELAYS_UNKNOWN && !(culprit_cg & REPORT_GROUP_POD))
		g = report__cgroup_by_id(r, culprit_cg);
	return delay_class__of(victim_cg, culprit_cg, culprit, g && delay_class__system_path(g->path));
}

static __u64 cg_of_row(const struct keymap *m, __u64 row)
{
	if (row == DELAYS_UNKNOWN || row == DELAYS_IDLE || row == DELAYS_OTHER ||
	    !m->r->tasks[row].cgroup_id)
		return DELAYS_UNKNOWN;
	return group_of_cgroup(m, m->r->tasks[row].cgroup_id);
}

/* Victims of one level: classes from every cell, then the cut. */
static int table(const struct keymap *m, struct delays *d, int by_task, size_t k,
		 struct delays_victim **mem, struct report_delayed **out, size_t *n)
{
	const struct report *r = m->r;
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
		__u64 vcg = by_task ? cg_of_row(m, v[i].key) : v[i].key;

		o->key = v[i].key;
		o->wait_ns = v[i].wait_ns;
		o->nr_waits = v[i].nr_waits;
		o->premig_ns = v[i].premig_ns;
		o->lost_ns = v[i].lost_ns;
		for (c = 0; c < v[i].nr_cells; c++) {
			__u64 key = v[i].cells[c].culprit;
			__u64 ccg = by_task ? cg_of_row(m, key) : key;

			o->class_ns[class_of(r, vcg, ccg, key)] += v[i].cells[c].ns;
		}
		o->omitted = delays__top(&v[i], k, &o->other);
		o->culprits = v[i].cells;
		o->nr_culprits = v[i].nr_cells;
	}
	return 0;
}

static int cmp_why(const void *a, const void *b)
{
	const struct report_wait_why *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* ---- an SLO capture: what held the CPU during the waits that broke the rule ---- */

struct tid_row {
	__u32 tid;
	__u32 row;
};

static int cmp_tid_row(const void *a, const void *b)
{
	const struct tid_row *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static const struct report_task *task_of_tid(const struct report *r, const struct tid_row *ix,
					     __u32 tid)
{
	size_t lo = 0, hi = r->nr_tasks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nr_tasks && ix[lo].tid == tid ? &r->tasks[ix[lo].row] : NULL;
}

static int in_scope(const struct report *r, const struct slo_breach *b, __u32 tid,
		    const struct report_task *t)
{
	const struct report_cgroup *g;

	switch (b->scope) {
	case SLO_BREACH_SYSTEM:
		return 1;
	case SLO_BREACH_TASK:
		return tid == strtoul(b->target, NULL, 10);
	case SLO_BREACH_COMM:
		return t && !strncmp(t->id.comm, b->target, sizeof(t->id.comm));
	case SLO_BREACH_CGROUP:
		g = t ? report__cgroup_by_id(r, t->cgroup_id) : NULL;
		return g && g->path && !strcmp(g->path, b->target);
	}
	return 0;
}

/* Holders told apart during the breach; more are summed as other (the top is what counts). */
#define SLO_MAX_HOLDERS 4096

static int cmp_slo_culprit(const void *a, const void *b)
{
	const struct report_slo_culprit *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return x->who < y->who ? -1 : x->who > y->who;
}

static int slo_derive(struct report *r)
{
	struct report_slo *s = &r->slo;
	struct report_slo_culprit *h;
	struct tid_row *ix;
	size_t i, n = 0, k;
	int j;

	if (!slo_breach__parse(r->meta.command, &s->b))
		return 0;
	s->known = 1;
	if (!r->delays.nr_why)
		return 0;
	ix = malloc((r->nr_tasks + 1) * sizeof(*ix));
	h = malloc(SLO_MAX_HOLDERS * sizeof(*h));
	if (!ix || !h) {
		free(ix);
		free(h);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_tasks; i++)
		ix[i] = (struct tid_row){ r->tasks[i].id.tid, (__u32)i };
	if (r->nr_tasks)
		qsort(ix, r->nr_tasks, sizeof(*ix), cmp_tid_row);
	for (i = 0; i < r->delays.nr_why; i++) {
		const struct report_wait_why *w = &r->delays.why[i];
		__u64 on_cpu = sdr_dur32_decode(w->on_cpu_ns);
		__u64 wait = sdr_dur32_decode(w->premig_ns) + on_cpu;

		if (wait < s->b.objective_ns ||
		    !in_scope(r, &s->b, w->tid, task_of_tid(r, ix, w->tid)))
			continue;
		s->waits++;
		s->wait_ns += wait;
		s->split_ns += on_cpu;
		for (j = 0; j < REPORT_WHY_NAMED && w->who[j] != REPORT_WHY_NONE; j++) {
			__u32 who = w->who[j];

			for (k = 0; k < n && h[k].who != who; k++)
				;
			if (k == n && n == SLO_MAX_HOLDERS) {
				who = REPORT_WHY_OTHER;
				for (k = 0; k < n && h[k].who != who; k++)
					;
			}
			if (k == n)
				h[n++] = (struct report_slo_culprit){ .who = who };
			h[k].ns += sdr_dur32_decode(w->ns[j]);
			h[k].first += j == 0;
		}
	}
	if (n)
		qsort(h, n, sizeof(*h), cmp_slo_culprit);
	for (i = 0; i < n && i < REPORT_SLO_TOP; i++)
		s->top[s->nr_top++] = h[i];
	free(ix);
	free(h);
	return 0;
}

int who_delayed__derive(struct report *r)
{
	struct report_delays *d = &r->delays;
	struct delays *rows = NULL, *groups = NULL;
	struct keymap m = { .r = r };
	size_t i, k;
	int err = -ENOMEM;

	if (!d->known)
		return slo_derive(r);
	d->top_k = WHO_DELAYED_TOP_TASKS;
	m.nr = r->nr_tasks + 1;
	m.index = calloc(m.nr, sizeof(*m.index));
	m.groups = map_groups(r);
	m.nr_groups = r->nr_cgroups;
	rows = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
	groups = delays__new(WHO_DELAYED_MAX_PAIRS, WHO_DELAYED_MAX_VICTIMS);
	if (!m.index || !m.groups || !rows || !groups)
		goto out;
	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].load_key < m.nr)
			m.index[r->tasks[i].load_key] = i + 1;
	if (delays__regroup(rows, d->by_task, to_row, &m) == -ENOMEM ||
	    delays__regroup(groups, d->by_task, to_cgroup, &m) == -ENOMEM)
		goto out;
	for (i = 0; i < d->nr_why; i++) {
		for (k = 0; k < REPORT_WHY_NAMED; k++) {
			__u32 x = d->why[i].who[k];
			__u64 row;

			if (x >= REPORT_WHY_OTHER)
				continue;
			row = to_row(&m, x);
			d->why[i].who[k] = row < REPORT_WHY_OTHER ? (__u32)row : REPORT_WHY_UNKNOWN;
		}
	}
	if (d->nr_why)
		qsort(d->why, d->nr_why, sizeof(*d->why), cmp_why);
	for (k = 0; k < SDR_LOC_NR; k++)
		d->premig[k] = lat__from_samples(d->premig_v[k], d->nr_premig[k]);
	err = table(&m, rows, 1, WHO_DELAYED_TOP_TASKS, &d->task_mem, &d->tasks, &d->nr_tasks);
	if (!err)
		err = table(&m, groups, 0, WHO_DELAYED_TOP_GROUPS, &d->group_mem, &d->groups,
			    &d->nr_groups);
	if (!err)
		err = slo_derive(r);
out:
	delays__free(d->by_task);
	d->by_task = NULL;
	delays__free(rows);
	delays__free(groups);
	free(m.index);
	free(m.groups);
	return err;
}
