/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names the outputs give the kernel's enums (bpf/schedrift.h): one
 * table each, shared by every renderer and the Prometheus export, so a
 * label value is spelled in one place (docs/metrics.md).
 */
#ifndef SCHEDRIFT_LIB_NAMES_H
#define SCHEDRIFT_LIB_NAMES_H

#include "schedrift.h"

extern const char *const locality_names[SDR_LOC_NR];
extern const char *const cause_names[SDR_CAUSE_NR];
extern const char *const numa_kind_names[SDR_NUMA_NR];

#endif /* SCHEDRIFT_LIB_NAMES_H */
