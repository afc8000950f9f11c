/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The system's waits by the CPU they ended on and, for a task's first wait
 * after a migration, by the migration's locality: whole and in their two
 * parts (delivery, queueing), cumulative, at the system's resolution (the
 * buckets of bpf/hist_buckets.h, 1/64). The wait engine makes them from the
 * switch stream for the daemon and `top` (record's report takes the same
 * figures from its samples). The hot BPF program kept these per CPU until
 * issue 23 measured them, with the landing's, at about 130 of its 340 ns a
 * call on messaging (three histogram updates a wait, on cache lines a busy
 * workload evicts); here they cost the consumer 15-50 ns a wait, and the
 * waits of a batch the ring lost are counted as lost (docs/latency.md).
 */
#ifndef SCHEDRIFT_ENGINE_SYS_HISTS_H
#define SCHEDRIFT_ENGINE_SYS_HISTS_H

#include <linux/types.h>
#include "schedrift.h"

/* A wait histogram with those of its two parts (docs/latency.md "Delivery and queueing"). */
struct wait_part_hists {
	struct sdr_hist wait;     /* whole waits */
	struct sdr_hist delivery; /* their delivery part: waking -> queued */
	struct sdr_hist queue;    /* their queueing part: queued -> running */
};

struct sys_hists {
	struct wait_part_hists *cpu; /* [ncpu]: by the CPU the wait ended on */
	struct wait_part_hists land[SDR_LOC_NR];
	int ncpu;
};

/* 0 or -ENOMEM. */
int sys_hists__init(struct sys_hists *h, int ncpu);
void sys_hists__free(struct sys_hists *h);
/*
 * One wait that ended on cpu (< ncpu, else ignored), in bucket
 * sdr_hist_bucket(wait) (the caller has it already), delivery <= wait;
 * landing as in struct switch_sample (0 none, else 1 + locality).
 */
void sys_hists__add(struct sys_hists *h, __u32 cpu, __u32 landing, __u64 wait, __u32 bucket,
		    __u64 delivery);

#endif /* SCHEDRIFT_ENGINE_SYS_HISTS_H */
