// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The top tasks by penalty and by p99 wait (top_tasks.h). */
#include <errno.h>
#include <stdlib.h>
#include "report/top_tasks.h"
#include "lib/task_id.h"

/* Ties go to the task identity, so the choice is the same whatever the rows' order. */
static int cmp_by_penalty(const void *a, const void *b)
{
	const struct report_task *x = *(const struct report_task *const *)a;
	const struct report_task *y = *(const struct report_task *const *)b;

	if (x->penalty_milli != y->penalty_milli)
		return x->penalty_milli > y->penalty_milli ? -1 : 1;
	return task_id__cmp(&x->id, &y->id);
}

static int cmp_by_p99(const void *a, const void *b)
{
	const struct report_task *x = *(const struct report_task *const *)a;
	const struct report_task *y = *(const struct report_task *const *)b;

	if (x->runq.p99 != y->runq.p99)
		return x->runq.p99 > y->runq.p99 ? -1 : 1;
	return task_id__cmp(&x->id, &y->id);
}

long report__pick_top(const struct report *r, int top_n, bool *pick)
{
	size_t i, n = r->nr_tasks, lim = top_n > 0 ? (size_t)top_n : 0;
	const struct report_task **v;
	long k = 0;

	if (!n || !lim)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = &r->tasks[i];
	qsort(v, n, sizeof(*v), cmp_by_penalty);
	for (i = 0; i < n && i < lim && v[i]->penalty_milli; i++)
		if (!pick[v[i] - r->tasks]) {
			pick[v[i] - r->tasks] = true;
			k++;
		}
	qsort(v, n, sizeof(*v), cmp_by_p99);
	for (i = 0; i < n && i < lim && v[i]->runq.p99; i++)
		if (!pick[v[i] - r->tasks]) {
			pick[v[i] - r->tasks] = true;
			k++;
		}
	free(v);
	return k;
}
