// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The label values of migration localities, causes and NUMA balancer decisions. */
#include "lib/names.h"

const char *const locality_names[SDR_LOC_NR] = { "same_llc", "cross_llc", "cross_node" };
const char *const numa_kind_names[SDR_NUMA_NR] = { "move", "swap", "stick_no_target",
						  "stick_move_failed", "stick_swap_failed" };
const char *const cause_names[SDR_CAUSE_NR] = { "wakeup", "balance", "numa",	"affinity",
						"exec",	  "fork",    "other" };
