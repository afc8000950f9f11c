// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who delayed whom in text and JSON (docs/report.md): per victim task and
 * per victim cgroup, the wait time each culprit held its CPU, by class
 * and by culprit, the rest summed into "other".
 */
#include <stdio.h>
#include "lib/json.h"
#include "lib/util.h"
#include "report/render.h"

static const char *const class_keys[RDC_NR] = {
	[RDC_SAME] = "same_cgroup",
	[RDC_ANOTHER] = "another_cgroup",
	[RDC_SYSTEM] = "system",
	[RDC_IDLE] = "idle",
	[RDC_UNKNOWN] = "unknown",
};

static int special(__u64 key)
{
	return key == DELAYS_IDLE || key == DELAYS_UNKNOWN || key == DELAYS_OTHER;
}

/* Share of the victim's whole wait, four decimals, exact in integers. */
static void write_share(struct json *j, __u64 ns, __u64 of)
{
	json__fixed(j, "share", of ? (double)(ns * 10000 / of) / 10000 : 0, 4);
}

static void write_who(struct json *j, const struct report *r, int by_task, __u64 key)
{
	const struct report_cgroup *g;
	const struct report_task *t;

	if (special(key)) {
		json__str(j, "kind", key == DELAYS_IDLE ? "idle" :
				     key == DELAYS_OTHER ? "other" : "unknown");
		return;
	}
	if (by_task) {
		if (key >= r->nr_tasks) {
			json__str(j, "kind", "unknown");
			return;
		}
		t = &r->tasks[key];
		json__str(j, "kind", "task");
		json__u64(j, "tid", t->id.tid);
		json__u64(j, "tgid", t->id.tgid);
		json__strn(j, "comm", t->id.comm, sizeof(t->id.comm));
		json__u64(j, "start_ns", t->id.start_ns);
		g = report__cgroup_by_id(r, t->cgroup_id);
		json__u64(j, "cgroup_id", t->cgroup_id);
	} else {
		g = report__cgroup_by_id(r, key);
		json__str(j, "kind", "cgroup");
		json__u64(j, "cgroup_id", key);
	}
	if (g && g->path)
		json__str(j, "cgroup", g->path);
	else
		json__null(j, "cgroup");
	if (g && g->k8s && g->k8s->pod[0]) {
		json__str(j, "namespace", g->k8s->namespace_);
		json__str(j, "pod", g->k8s->pod);
		json__str(j, "container", g->k8s->container);
	}
}

static void write_victims(struct json *j, const struct report *r, const char *key, int by_task,
			  const struct report_delayed *v, size_t n)
{
	size_t i, c;
	int k;

	json__array_begin(j, key);
	for (i = 0; i < n; i++) {
		json__object_begin(j, NULL);
		json__object_begin(j, "victim");
		write_who(j, r, by_task, v[i].key);
		json__object_end(j);
		json__u64(j, "wait_ns", v[i].wait_ns);
		json__u64(j, "waits", v[i].nr_waits);
		json__u64(j, "premig_ns", v[i].premig_ns);
		json__u64(j, "lost_ns", v[i].lost_ns);
		json__object_begin(j, "classes");
		for (k = 0; k < RDC_NR; k++)
			json__u64(j, class_keys[k], v[i].class_ns[k]);
		json__object_end(j);
		json__array_begin(j, "culprits");
		for (c = 0; c < v[i].nr_culprits; c++) {
			const struct delays_cell *x = &v[i].culprits[c];

			json__object_begin(j, NULL);
			write_who(j, r, by_task, x->culprit);
			json__u64(j, "wait_ns", x->ns);
			json__u64(j, "waits", x->count);
			write_share(j, x->ns, v[i].wait_ns);
			json__object_end(j);
		}
		json__array_end(j);
		json__object_begin(j, "other");
		json__u64(j, "culprits", v[i].omitted);
		json__u64(j, "wait_ns", v[i].other.ns);
		json__u64(j, "waits", v[i].other.count);
		write_share(j, v[i].other.ns, v[i].wait_ns);
		json__object_end(j);
		json__object_end(j);
	}
	json__array_end(j);
}

void report__write_delays_json(struct json *j, const struct report *r)
{
	const struct report_delays *d = &r->delays;

	if (!d->known) {
		json__null(j, "who_delayed_whom");
		return;
	}
	json__object_begin(j, "who_delayed_whom");
	json__u64(j, "switches", d->attrib.switches);
	json__u64(j, "waits", d->attrib.waits);
	json__u64(j, "waits_partial", d->attrib.waits_partial);
	json__u64(j, "unknown_short_ns", d->attrib.unknown_short_ns);
	json__u64(j, "unknown_gap_ns", d->attrib.unknown_gap_ns);
	json__u64(j, "holders_folded", d->attrib.holders_folded);
	json__u64(j, "slices_dropped", d->attrib.slices_dropped);
	json__u64(j, "out_of_order", d->attrib.out_of_order);
	json__u64(j, "prev_mismatch", d->attrib.prev_mismatch);
	json__u64(j, "pairs", d->pairs.pairs);
	json__u64(j, "pairs_full", d->pairs.pairs_full);
	json__u64(j, "victims_full", d->pairs.victims_full);
	json__u64(j, "memory_bytes", d->bytes);
	write_victims(j, r, "tasks", 1, d->tasks, d->nr_tasks);
	write_victims(j, r, "cgroups", 0, d->groups, d->nr_groups);
	json__object_end(j);
}

/* "12.3%" of the victim's wait, or "-" */
static const char *pct(char *buf, size_t len, __u64 ns, __u64 of)
{
	if (!of)
		return "-";
	snprintf(buf, len, "%llu.%llu%%", (unsigned long long)(ns * 100 / of),
		 (unsigned long long)(ns * 1000 / of % 10));
	return buf;
}

static void print_victims(const struct report *r, FILE *f, int by_task,
			  const struct report_delayed *v, size_t n, size_t shown)
{
	char label[320], a[16], b[16], p[16];
	size_t i, c;
	int k;

	for (i = 0; i < n && i < shown; i++) {
		fprintf(f, "  %s: waited %s in %llu waits", report__delay_label(r, by_task, v[i].key,
			label, sizeof(label)), fmt_duration(a, sizeof(a), v[i].wait_ns),
			(unsigned long long)v[i].nr_waits);
		if (v[i].premig_ns)
			fprintf(f, " (%s before a migration)",
				fmt_duration(b, sizeof(b), v[i].premig_ns));
		fprintf(f, "\n   ");
		for (k = 0; k < RDC_NR; k++)
			fprintf(f, " %s %s%s", report__delay_class_name(k),
				pct(p, sizeof(p), v[i].class_ns[k], v[i].wait_ns),
				k + 1 < RDC_NR ? "," : "\n");
		for (c = 0; c < v[i].nr_culprits; c++) {
			const struct delays_cell *x = &v[i].culprits[c];

			fprintf(f, "    %7s %9s %7llu  %s\n", pct(p, sizeof(p), x->ns, v[i].wait_ns),
				fmt_duration(a, sizeof(a), x->ns), (unsigned long long)x->count,
				report__delay_label(r, by_task, x->culprit, label, sizeof(label)));
		}
		if (v[i].omitted)
			fprintf(f, "    %7s %9s %7llu  other (%zu culprits)\n",
				pct(p, sizeof(p), v[i].other.ns, v[i].wait_ns),
				fmt_duration(a, sizeof(a), v[i].other.ns),
				(unsigned long long)v[i].other.count, v[i].omitted);
	}
}

void report__print_delays_text(const struct report *r, FILE *f, int top_n)
{
	const struct report_delays *d = &r->delays;
	size_t shown = top_n > 0 && top_n < 10 ? top_n : 10;

	if (!d->known)
		return;
	fprintf(f, "\nWho delayed whom: every wait split among what held its CPU (%llu waits, "
		   "%llu partly unknown)\n", (unsigned long long)d->attrib.waits,
		(unsigned long long)d->attrib.waits_partial);
	fprintf(f, "  by cgroup (%zu victims; %zu shown, by wait time): share of the victim's "
		   "wait, time, waits, culprit\n", d->nr_groups,
		d->nr_groups < shown ? d->nr_groups : shown);
	print_victims(r, f, 0, d->groups, d->nr_groups, shown);
	fprintf(f, "  by task (%zu victims; %zu shown, by wait time)\n", d->nr_tasks,
		d->nr_tasks < shown ? d->nr_tasks : shown);
	print_victims(r, f, 1, d->tasks, d->nr_tasks, shown);
}
