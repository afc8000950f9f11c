/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One context switch as userspace sees it, decoded from a kernel batch
 * (struct sdr_rec_switches) or from a trace file's SDR_REC_SWITCH_BATCH:
 * the unit the engine (waits, run time, who held each CPU) is fed with.
 */
#ifndef SCHEDRIFT_SWITCH_SAMPLE_H
#define SCHEDRIFT_SWITCH_SAMPLE_H

#include <linux/types.h>

struct switch_sample {
	__u64 ts_ns;       /* the switch */
	__u64 wait_ns;     /* next's wait that ended here; 0 = none */
	__u64 delivery_ns; /* its part before it was queued, <= wait_ns */
	__u64 premig_ns;   /* its part queued on CPUs it then left, <= wait_ns */
	__u32 cpu;         /* where, < SDR_MAX_CPUS */
	__u32 prev_tid;    /* 0 = idle */
	__u32 next_tid;    /* 0 = idle */
	__u8 prev_state;   /* enum sdr_prev_state */
	__u8 landing;      /* 0, or 1 + enum sdr_locality */
};

#endif /* SCHEDRIFT_SWITCH_SAMPLE_H */
