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

static void put(struct sdr_hist *h, __u32 bucket, __u64 v)
{
	h->counts[bucket]++;
	h->count++;
	h->sum_ns += v;
	if (v > h->max_ns)
		h->max_ns = v;
}

static void put_parts(struct wait_part_hists *p, __u64 wait, __u32 wb, __u64 dlv, __u32 db,
		      __u64 q, __u32 qb)
{
	put(&p->wait, wb, wait);
	put(&p->delivery, db, dlv);
	put(&p->queue, qb, q);
}

void sys_hists__add(struct sys_hists *h, __u32 cpu, __u32 landing, __u64 wait, __u32 bucket,
		    __u64 delivery)
{
	__u64 q = wait - delivery;
	__u32 db = sdr_hist_bucket(delivery), qb = sdr_hist_bucket(q);

	if (cpu < (__u32)h->ncpu)
		put_parts(&h->cpu[cpu], wait, bucket, delivery, db, q, qb);
	if (landing >= 1 && landing <= SDR_LOC_NR)
		put_parts(&h->land[landing - 1], wait, bucket, delivery, db, q, qb);
}
