// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the report model offers its readers (renderers, the daemon's
 * export): totals, labels, the row order, and freeing. Nothing here reads
 * a file: that is load.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"
#include "lib/task_id.h"

__u64 report__total(const __u64 *v, int n)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

__u64 report__task_total(const struct report_task *t)
{
	return report__total(t->migrations, SDR_LOC_NR);
}

__u64 report__losses_total(const struct report *r)
{
	__u64 sum = r->generation ? 0 : r->unconsumed;
	int i;

	for (i = 0; i < STAT_ALL_NR; i++)
		if (stat_descs[i].kind == STAT_LOSS)
			sum += r->counters[i];
	return sum;
}

const char *report__delay_class_name(int c)
{
	return delay_class__name(c);
}

const struct report_wait_why *report__wait_why(const struct report *r, __u32 tid, __u64 ts)
{
	return report__wait_why_near(r, tid, ts, 0);
}

const struct report_wait_why *report__wait_why_near(const struct report *r, __u32 tid, __u64 ts,
						    __u64 slack)
{
	const struct report_wait_why *best = NULL, *w;
	size_t lo = 0, hi = r->delays.nr_why, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct report_wait_why *w = &r->delays.why[mid];

		if (w->tid < tid || (w->tid == tid && w->ts_ns < ts))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The first at or after ts, and the one before it: the nearer within slack. */
	for (k = lo > 0 ? lo - 1 : 0; k <= lo && k < r->delays.nr_why; k++) {
		__u64 d;

		w = &r->delays.why[k];
		if (w->tid != tid)
			continue;
		d = w->ts_ns > ts ? w->ts_ns - ts : ts - w->ts_ns;
		if (d <= slack && (!best || d < (best->ts_ns > ts ? best->ts_ns - ts :
						  ts - best->ts_ns)))
			best = w;
	}
	return best;
}

const char *report__why_str(const struct report *r, const struct report_wait_why *why,
			    char *buf, size_t len)
{
	char label[64];
	const char *name;
	size_t at = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < REPORT_WHY_NAMED && why->who[i] != REPORT_WHY_NONE && at < len; i++) {
		__u64 of = why->on_cpu_ns ? sdr_dur32_decode(why->on_cpu_ns) : 1;
		__u64 ns = sdr_dur32_decode(why->ns[i]);

		if (why->who[i] == REPORT_WHY_IDLE)
			name = "idle";
		else if (why->who[i] == REPORT_WHY_UNKNOWN)
			name = "unknown";
		else if (why->who[i] == REPORT_WHY_OTHER)
			name = "other";
		else
			name = report__delay_label(r, 1, why->who[i], label, sizeof(label));
		at += snprintf(buf + at, len - at, "%s%s %llu.%llu%%", i ? ", " : "", name,
			       (unsigned long long)(ns * 100 / of),
			       (unsigned long long)(ns * 1000 / of % 10));
	}
	return buf;
}

const struct report_cgroup *report__cgroup_by_id(const struct report *r, __u64 id)
{
	size_t i;

	for (i = 0; i < r->nr_cgroups; i++)
		if (r->cgroups[i].id == id)
			return &r->cgroups[i];
	return NULL;
}

const char *report__delay_label(const struct report *r, int by_task, __u64 key, char *buf,
				size_t len)
{
	const struct report_cgroup *g;
	const struct report_task *t;
	size_t i;

	if (key == DELAYS_IDLE)
		return "idle";
	if (key == DELAYS_UNKNOWN)
		return "unknown";
	if (key == DELAYS_OTHER)
		return "other";
	if (by_task) {
		if (key >= r->nr_tasks)
			return "unknown";
		t = &r->tasks[key];
		snprintf(buf, len, "%.*s[%u]", SDR_COMM_LEN, t->id.comm, t->id.tid);
		/* comm can hold any byte: keep tables aligned and terminals safe. */
		for (i = 0; buf[i]; i++)
			if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
				buf[i] = '?';
		return buf;
	}
	g = report__cgroup_by_id(r, key & ~REPORT_GROUP_POD);
	if (g && (key & REPORT_GROUP_POD) && g->k8s) {
		if (g->k8s->pod[0])
			snprintf(buf, len, "%s/%s", g->k8s->namespace_, g->k8s->pod);
		else
			snprintf(buf, len, "pod %s", g->k8s->pod_uid);
		return buf;
	}
	if (!g) {
		snprintf(buf, len, "(id %llu)", (unsigned long long)key);
		return buf;
	}
	return report__cgroup_label(g, buf, len);
}

const char *report__cgroup_label(const struct report_cgroup *g, char *buf, size_t len)
{
	if (g->k8s && g->k8s->pod[0]) {
		snprintf(buf, len, "%s/%s/%s", g->k8s->namespace_, g->k8s->pod, g->k8s->container);
		return buf;
	}
	if (g->path)
		return g->path;
	snprintf(buf, len, "(id %llu, gone)", (unsigned long long)g->id);
	return buf;
}

/* Home: the kernel's preferred node if NUMA balancing set one, else where it ran most. */
void report__derive_home(struct report_task *t, int nr_nodes)
{
	int n, best = -1;

	if (!t->have_totals || !t->runtime_ns)
		return;
	if (t->preferred_nid >= 0 && t->preferred_nid < nr_nodes) {
		best = t->preferred_nid;
	} else {
		for (n = 0; n < nr_nodes && n < SDR_MAX_NODES; n++)
			if (best < 0 || t->node_runtime_ns[n] > t->node_runtime_ns[best])
				best = n;
	}
	t->home_node = best;
	t->remote_runtime_ns = t->runtime_ns - t->node_runtime_ns[best];
}

int report_task__cmp(const void *a, const void *b)
{
	const struct report_task *x = a, *y = b;

	if (x->penalty_milli != y->penalty_milli)
		return x->penalty_milli > y->penalty_milli ? -1 : 1;
	return task_id__cmp(&x->id, &y->id);
}

__u64 report__nr_outliers(const struct report *r)
{
	__u64 kernel = r->have_trailer ? r->counters[SDR_STAT_outliers] : 0;

	return kernel > r->nr_outliers ? kernel : r->nr_outliers;
}

__u64 report__waits_untotalled(const struct report *r)
{
	__u64 kernel = r->counters[SDR_STAT_waits];

	if (!r->from_totals || !r->have_trailer)
		return 0;
	return kernel > r->sys_runq.count ? kernel - r->sys_runq.count : 0;
}

void report__free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->nr_tasks; i++) {
		free(r->tasks[i].waits.v);
		free(r->tasks[i].waits.ts);
		free(r->tasks[i].waits.delivery);
		free(r->tasks[i].totals);
	}
	for (i = 0; i < r->nr_cg_names; i++) {
		free(r->cg_names[i].path);
		free(r->cg_names[i].k8s);
	}
	free(r->cg_names);
	free(r->tasks);
	free(r->tid_keys);
	free(r->tid_index);
	free(r->node_matrix);
	free(r->cpu_runq);
	free(r->cpu_delivery);
	free(r->cpu_queue);
	wait_scopes__free(&r->scopes);
	free(r->cgroups);
	free(r->outliers);
	free(r->migs);
	free(r->numas);
	attrib__free(r->delays.engine);
	delays__free(r->delays.by_task);
	free(r->delays.tasks);
	free(r->delays.groups);
	free(r->delays.task_mem);
	free(r->delays.group_mem);
	free(r->delays.why);
	for (i = 0; i < SDR_LOC_NR; i++)
		free(r->delays.premig_v[i]);
	memset(r, 0, sizeof(*r));
}
