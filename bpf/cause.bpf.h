/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why a task migrated, decided inside sched_migrate_task from the task's
 * state and the tracepoints that came before. Rules, in order (each one is
 * explained with its ambiguities in docs/migration-causes.md):
 *
 *   1. source CPU not allowed affinity/cpuset/hotplug forced it   -> affinity
 *   2. NUMA move/swap pending sched_move_numa/swap_numa named it, -> numa
 *      this very destination CPU, within NUMA_PENDING_NS
 *   3. TASK_WAKING            try_to_wake_up() is placing it      -> wakeup
 *   4. in_execve              sched_exec() balancing at exec      -> exec
 *   5. queued (on_rq)         a balancer pulled or pushed it      -> balance
 *   6. anything else                                              -> other
 *
 * NUMA comes before wakeup for the same reason as affinity: the balancer
 * moves a running task by stop_one_cpu() from its own context, so the move
 * usually lands at the wakeup that ends that wait.
 *
 * Affinity comes first because a task that changes its own affinity sleeps
 * in stop_one_cpu() while the stopper marks it, and is then moved by the
 * wakeup that ends that sleep: the mechanism is a wakeup, the cause is the
 * affinity change.
 *
 * Fork placement happens in wake_up_new_task() through __set_task_cpu(),
 * which has no tracepoint; sdr_wakeup_new synthesizes that migration with
 * cause fork, so it never reaches this code.
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

/*
 * A NUMA decision older than this no longer explains a migration. Swaps
 * under a slow (emulated) machine were seen landing 3-44 ms after the
 * decision; the destination-CPU match keeps a long window precise.
 */
#define NUMA_PENDING_NS (250 * 1000 * 1000ull)

/*
 * typed: p is a BTF-typed tp_btf argument, read by direct loads; otherwise
 * (raw_tp) every field goes through bpf_probe_read_kernel().
 */
static __always_inline enum sdr_cause classify_migration(struct task_struct *p, __u32 from,
							 __u32 to, struct sdr_task_state *ts,
							 bool typed)
{
	if (!cpu_allowed(p, from))
		return SDR_CAUSE_AFFINITY;
	if (ts && ts->numa_pending_ns) {
		if (bpf_ktime_get_ns() - ts->numa_pending_ns >= NUMA_PENDING_NS) {
			ts->numa_pending_ns = 0; /* stale: the move never came */
		} else if (ts->numa_dst_cpu == (__s32)to) {
			ts->numa_pending_ns = 0;
			return SDR_CAUSE_NUMA;
		}
	}
	if ((typed ? task_state_btf(p) : task_state_of(p)) & TASK_WAKING)
		return SDR_CAUSE_WAKEUP;
	if (typed ? task_in_execve_btf(p) : task_in_execve(p))
		return SDR_CAUSE_EXEC;
	if (typed ? p->on_rq : BPF_CORE_READ(p, on_rq))
		return SDR_CAUSE_BALANCE;
	return SDR_CAUSE_OTHER;
}

#endif /* SCHEDRIFT_CAUSE_BPF_H */
