// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Figures from the tasks' totals when a file has no wait samples (totals.h). */
#include <stdint.h>
#include <string.h>
#include "lib/lat.h"
#include "report/totals.h"

/* Several tasks' totals added up. */
struct sum {
	__u64 hist[SDR_TASK_HIST_NR];
	__u64 waits, wait_sum, wait_max, dlv_sum, dlv_max, que_max;
};

static void sum_add(struct sum *s, const struct sdr_task_counts *c)
{
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		s->hist[i] += c->wait_hist[i];
	s->waits += c->waits;
	s->wait_sum += c->wait_sum_ns;
	s->dlv_sum += c->delivery_sum_ns;
	if (c->wait_max_ns > s->wait_max)
		s->wait_max = c->wait_max_ns;
	if (c->delivery_max_ns > s->dlv_max)
		s->dlv_max = c->delivery_max_ns;
	if (c->queue_max_ns > s->que_max)
		s->que_max = c->queue_max_ns;
}

static void sum_lats(const struct sum *s, struct lat *runq, struct lat *dlv, struct lat *que)
{
	__u32 coarse[SDR_TASK_HIST_NR];
	unsigned int i;

	for (i = 0; i < SDR_TASK_HIST_NR; i++)
		coarse[i] = s->hist[i] > UINT32_MAX ? UINT32_MAX : s->hist[i];
	*runq = lat__from_task_hist(coarse, s->wait_max);
	*dlv = lat__from_sum(s->waits, s->dlv_sum, s->dlv_max);
	/* A copy taken mid-update can hold the new delivery sum beside the old wait sum. */
	*que = lat__from_sum(s->waits, s->wait_sum > s->dlv_sum ? s->wait_sum - s->dlv_sum : 0,
			     s->que_max);
}

int report__from_totals(struct report *r)
{
	__u64 land_n[SDR_LOC_NR] = {}, land_sum[SDR_LOC_NR] = {}, land_max[SDR_LOC_NR] = {};
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
			t->landing.count += c->landings[l];
			if (c->landing_max_ns[l] > t->landing.max)
				t->landing.max = c->landing_max_ns[l];
			land_n[l] += c->landings[l];
			land_sum[l] += c->landing_sum_ns[l];
			if (c->landing_max_ns[l] > land_max[l])
				land_max[l] = c->landing_max_ns[l];
		}
	}
	sum_lats(&sys, &r->sys_runq, &r->sys_delivery, &r->sys_queue);
	/* Per task the kernel keeps each locality's landing count, sum and max only. */
	for (l = 0; l < SDR_LOC_NR; l++) {
		r->landing[l] = lat__from_sum(land_n[l], land_sum[l], land_max[l]);
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
