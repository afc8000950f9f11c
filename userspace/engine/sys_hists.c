// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The system's wait histograms, made from the stream (sys_hists.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist_buckets.h"
#include "engine/sys_hists.h"

int sys_hists__init(struct sys_hists *h, int ncpu)
{
	memset(h, 0, sizeof(*h));
	h->ncpu = ncpu > 0 ? ncpu : 1;
	h->cpu = calloc(h->ncpu, sizeof(*h->cpu));
	return h->cpu ? 0 : -ENOMEM;
}

void sys_hists__free(struct sys_hists *h)
{
	free(h->cpu);
	memset(h, 0, sizeof(*h));
}

static void put(struct sdr_hist *h, __u64 v)
{
	h->counts[sdr_hist_bucket(v)]++;
	h->count++;
	h->sum_ns += v;
	if (v > h->max_ns)
		h->max_ns = v;
}

static void put_parts(struct wait_part_hists *p, __u64 wait, __u64 delivery)
{
	put(&p->wait, wait);
	put(&p->delivery, delivery);
	put(&p->queue, wait - delivery);
}

void sys_hists__add(struct sys_hists *h, __u32 cpu, __u32 landing, __u64 wait, __u64 delivery)
{
	if (cpu < (__u32)h->ncpu)
		put_parts(&h->cpu[cpu], wait, delivery);
	if (landing >= 1 && landing <= SDR_LOC_NR)
		put_parts(&h->land[landing - 1], wait, delivery);
}
