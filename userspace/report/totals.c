// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Figures from the tasks' totals when a file has no wait samples (totals.h). */
#include <stdint.h>
#include <string.h>
#include "lib/lat.h"
#include "engine/wait_scopes.h"
#include "report/totals.h"

/* Several tasks' totals added up: the coarse histograms, the rest merged as the engine does. */
struct sum {
	__u64 hist[SDR_TASK_HIST_NR];
	struct wait_sums w;
	struct wait_landings land;
};

static void sum_add(struct sum *s, const struct sdr_task_counts *c)
{
	struct wait_landings land;
	struct wait_sums w;
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		s->hist[i] += c->wait_hist[i];
	wait_sums__from_counts(&w, &land, c);
	wait_sums__merge(&s->w, &w);
	wait_landings__merge(&s->land, &land);
}

static void sum_lats(const struct sum *s, struct lat *runq, struct lat *dlv, struct lat *que)
{
	__u32 coarse[SDR_TASK_HIST_NR];
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		coarse[i] = s->hist[i] > UINT32_MAX ? UINT32_MAX : s->hist[i];
	*runq = lat__from_task_hist(coarse, s->w.wait_max_ns);
	*dlv = lat__from_sum(s->w.waits, s->w.delivery_sum_ns, s->w.delivery_max_ns);
	/* A copy taken mid-update can hold the new delivery sum beside the old wait sum. */
	*que = lat__from_sum(s->w.waits,
			     s->w.wait_sum_ns > s->w.delivery_sum_ns ?
				     s->w.wait_sum_ns - s->w.delivery_sum_ns : 0,
			     s->w.queue_max_ns);
}

int report__from_totals(struct report *r)
{
	struct sum sys, one;
	size_t i;
	int l, any = 0;

	if (r->nr_waits)
		return 0;
	for (i = 0; i < r->nr_tasks && !any; i++)
		any = r->tasks[i].totals && r->tasks[i].totals->waits;
	if (!any)
		return 0;
	r->from_totals = 1;
	memset(&sys, 0, sizeof(sys));
	for (i = 0; i < r->nr_tasks; i++) {
		struct report_task *t = &r->tasks[i];
		const struct sdr_task_counts *c = t->totals;

		if (!c)
			continue;
		memset(&one, 0, sizeof(one));
		sum_add(&one, c);
		sum_add(&sys, c);
		sum_lats(&one, &t->runq, &t->delivery, &t->queue);
		memset(&t->landing, 0, sizeof(t->landing));
		for (l = 0; l < SDR_LOC_NR; l++) {
			t->landing.count += one.land.n[l];
			if (one.land.max_ns[l] > t->landing.max)
				t->landing.max = one.land.max_ns[l];
		}
	}
	sum_lats(&sys, &r->sys_runq, &r->sys_delivery, &r->sys_queue);
	/* Per task the kernel keeps each locality's landing count, sum and max only. */
	for (l = 0; l < SDR_LOC_NR; l++) {
		r->landing[l] = lat__from_sum(sys.land.n[l], sys.land.sum_ns[l],
					      sys.land.max_ns[l]);
		memset(&r->landing_delivery[l], 0, sizeof(r->landing_delivery[l]));
		memset(&r->landing_queue[l], 0, sizeof(r->landing_queue[l]));
		r->landing_delivery[l].no_pct = r->landing_queue[l].no_pct = 1;
	}
	return 1;
}

void report__cgroup_from_totals(const struct report *r, struct report_cgroup *g)
{
	struct sum s;
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < r->nr_tasks; i++)
		if (r->tasks[i].totals && r->tasks[i].cgroup_id == g->id)
			sum_add(&s, r->tasks[i].totals);
	sum_lats(&s, &g->runq, &g->delivery, &g->queue);
}
