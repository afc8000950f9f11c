// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The waits of the system, the CPUs, the localities and sets of tasks (wait_scopes.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/wait_scopes.h"

int wait_scopes__init(struct wait_scopes *s, int nr_cpus)
{
	memset(s, 0, sizeof(*s));
	if (nr_cpus <= 0)
		return 0;
	s->cpu = calloc(nr_cpus, sizeof(*s->cpu));
	if (!s->cpu)
		return -ENOMEM;
	s->nr_cpus = nr_cpus;
	return 0;
}

void wait_scopes__free(struct wait_scopes *s)
{
	free(s->cpu);
	memset(s, 0, sizeof(*s));
}

void wait_scopes__add(struct wait_scopes *s, __u32 cpu, __u32 landing, __u64 wait, __u64 dlv,
		      __u64 premig)
{
	wait_sums__add(&s->sys, wait, dlv, premig);
	if (cpu < (__u32)s->nr_cpus)
		wait_sums__add(&s->cpu[cpu], wait, dlv, premig);
	if (landing && landing <= SDR_LOC_NR)
		wait_sums__add(&s->land[landing - 1], wait, dlv, premig);
}

static void take_max(__u64 *dst, __u64 v)
{
	if (v > *dst)
		*dst = v;
}

void wait_sums__merge(struct wait_sums *dst, const struct wait_sums *src)
{
	/* Everything else adds up even when src counts no wait (a torn record's totals). */
	if (src->waits && (!dst->waits || src->wait_min_ns < dst->wait_min_ns))
		dst->wait_min_ns = src->wait_min_ns;
	dst->waits += src->waits;
	dst->wait_sum_ns += src->wait_sum_ns;
	take_max(&dst->wait_max_ns, src->wait_max_ns);
	dst->delivery_sum_ns += src->delivery_sum_ns;
	take_max(&dst->delivery_max_ns, src->delivery_max_ns);
	take_max(&dst->queue_max_ns, src->queue_max_ns);
	dst->premig_waits += src->premig_waits;
	dst->premig_sum_ns += src->premig_sum_ns;
	take_max(&dst->premig_max_ns, src->premig_max_ns);
}

void wait_landings__merge(struct wait_landings *dst, const struct wait_landings *src)
{
	int k;

	for (k = 0; k < SDR_LOC_NR; k++) {
		dst->n[k] += src->n[k];
		dst->sum_ns[k] += src->sum_ns[k];
		take_max(&dst->max_ns[k], src->max_ns[k]);
	}
}

void wait_sums__from_counts(struct wait_sums *w, struct wait_landings *l,
			    const struct sdr_task_counts *c)
{
	memset(w, 0, sizeof(*w));
	w->waits = c->waits;
	w->wait_sum_ns = c->wait_sum_ns;
	w->wait_max_ns = c->wait_max_ns;
	w->delivery_sum_ns = c->delivery_sum_ns;
	w->delivery_max_ns = c->delivery_max_ns;
	w->queue_max_ns = c->queue_max_ns;
	memcpy(l->n, c->landings, sizeof(l->n));
	memcpy(l->sum_ns, c->landing_sum_ns, sizeof(l->sum_ns));
	memcpy(l->max_ns, c->landing_max_ns, sizeof(l->max_ns));
}
