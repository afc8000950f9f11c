/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel feature detection, all in one place (see probe.c for versions). */
#ifndef SCHEDRIFT_PROBE_H
#define SCHEDRIFT_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* Kernel BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF, 5.4+). */
bool probe__kernel_btf(void);
/* tp_btf programs attach to sched_migrate_task (5.5+; refused on some hardened kernels). */
bool probe__tp_btf(void);
/* BPF_MAP_TYPE_TASK_STORAGE (5.11+). */
bool probe__task_storage(void);

/*
 * Checks everything schedrift needs before it tries to load. Returns 0, or
 * -1 with one actionable line in msg.
 */
int probe__requirements(char *msg, size_t len);

#endif /* SCHEDRIFT_PROBE_H */
