/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why a task migrated, decided inside sched_migrate_task from the task's
 * state and the tracepoints that came before. Rules, in order (each one is
 * explained with its ambiguities in docs/migration-causes.md):
 *
 *   1. source CPU not allowed affinity/cpuset/hotplug forced it   -> affinity
 *   2. TASK_WAKING            try_to_wake_up() is placing it      -> wakeup
 *   3. NUMA move/swap pending sched_move_numa/swap_numa named it  -> numa
 *   4. in_execve              sched_exec() balancing at exec      -> exec
 *   5. queued (on_rq)         a balancer pulled or pushed it      -> balance
 *   6. anything else                                              -> other
 *
 * Affinity comes first because a task that changes its own affinity sleeps
 * in stop_one_cpu() while the stopper marks it, and is then moved by the
 * wakeup that ends that sleep: the mechanism is a wakeup, the cause is the
 * affinity change.
 *
 * Fork placement happens in wake_up_new_task() through __set_task_cpu(),
 * which has no tracepoint, so it never reaches this code (see note_fork).
 */
#ifndef SCHEDRIFT_CAUSE_BPF_H
#define SCHEDRIFT_CAUSE_BPF_H

#include "core_fixes.bpf.h"

/* Whether `cpu` is set in p's allowed mask (task_struct::cpus_ptr, 5.3+). */
static __always_inline bool cpu_allowed(struct task_struct *p, __u32 cpu)
{
	const cpumask_t *mask = BPF_CORE_READ(p, cpus_ptr);
	unsigned long word = 0;

	if (!mask || cpu >= SDR_MAX_CPUS)
		return true;
	bpf_probe_read_kernel(&word, sizeof(word), &mask->bits[cpu / 64]);
	return word & (1ul << (cpu % 64));
}

static __always_inline enum sdr_cause classify_migration(struct task_struct *p,
							 struct sdr_task_state *ts)
{
	if (!cpu_allowed(p, task_cpu_of(p)))
		return SDR_CAUSE_AFFINITY;
	if (task_state_of(p) & TASK_WAKING)
		return SDR_CAUSE_WAKEUP;
	if (task_in_execve(p))
		return SDR_CAUSE_EXEC;
	if (BPF_CORE_READ(p, on_rq))
		return SDR_CAUSE_BALANCE;
	return SDR_CAUSE_OTHER;
}

/* Fork placement is invisible to sched_migrate_task; issue 5 adds it here. */
static __always_inline void note_fork(struct task_struct *p)
{
}

static __always_inline void note_exec(struct task_struct *p, struct sdr_task_state *ts)
{
}

#endif /* SCHEDRIFT_CAUSE_BPF_H */
