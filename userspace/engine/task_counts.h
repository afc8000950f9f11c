/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A task's totals without its coarse wait histogram: the kernel's struct
 * sdr_task_counts up to wait_hist. The wait engine fills them
 * (wait_acc__fill_totals), the task table keeps them (live/tasktable.h);
 * the coarse histogram was 1 KiB of every record's 1.9 and had no reader
 * there (the figures come from the engine's fine histograms).
 */
#ifndef SCHEDRIFT_ENGINE_TASK_COUNTS_H
#define SCHEDRIFT_ENGINE_TASK_COUNTS_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "schedrift.h"

struct task_counts {
	SDR_TASK_TOTALS_FIELDS
};

_Static_assert(sizeof(struct task_counts) == offsetof(struct sdr_task_counts, wait_hist),
	       "struct task_counts is the prefix of struct sdr_task_counts");

/* The totals of a task record (its coarse histogram left out). */
static inline void task_counts__from(struct task_counts *dst, const struct sdr_task_counts *src)
{
	memcpy(dst, src, sizeof(*dst));
}

#endif /* SCHEDRIFT_ENGINE_TASK_COUNTS_H */
