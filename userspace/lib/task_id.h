/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one order of task identities (struct sdr_task_id) every sorted
 * output breaks its ties by: tid, then start time (a reused tid is a new
 * task), then tgid and comm, so equal keys still sort the same every run.
 */
#ifndef SCHEDRIFT_LIB_TASK_ID_H
#define SCHEDRIFT_LIB_TASK_ID_H

#include "schedrift.h"

int task_id__cmp(const struct sdr_task_id *x, const struct sdr_task_id *y);

#endif /* SCHEDRIFT_LIB_TASK_ID_H */
