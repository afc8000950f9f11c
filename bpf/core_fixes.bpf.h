/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every piece of kernel drift schedrift depends on, one accessor per field.
 * Each accessor uses CO-RE field-existence checks (never LINUX_VERSION_CODE)
 * so one object loads on every kernel from 5.11 (task storage) to today.
 * The accessors go through BPF_CORE_READ so they also work on the untyped
 * task pointers that raw_tp programs receive.
 */
#ifndef SCHEDRIFT_CORE_FIXES_BPF_H
#define SCHEDRIFT_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/* Task states are #defines, so vmlinux.h lacks them; values are stable ABI. */
#ifndef TASK_RUNNING
#define TASK_RUNNING 0x0000
#endif
#ifndef TASK_WAKING
#define TASK_WAKING 0x0200
#endif
#ifndef TASK_DEAD
#define TASK_DEAD 0x0080
#endif

/*
 * Kernels before 5.16 kept the CPU in task_struct::cpu; commit bcf9033e5449
 * ("sched: move CPU field back into thread_info if THREAD_INFO_IN_TASK")
 * moved it to thread_info::cpu.
 */
struct task_struct___pre516 {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_cpu_of(struct task_struct *p)
{
	if (bpf_core_field_exists(p->thread_info.cpu))
		return BPF_CORE_READ(p, thread_info.cpu);
	return BPF_CORE_READ((struct task_struct___pre516 *)p, cpu);
}

/*
 * task_struct::state was renamed __state (and made unsigned int) by commit
 * 2f064a59a11f ("sched: Change task_struct::state"), 5.14.
 */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state_of(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return BPF_CORE_READ(p, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___pre514 *)p, state);
}

/*
 * The same, by direct load, for BTF-typed pointers (tp_btf arguments) on hot
 * paths, where a bpf_probe_read_kernel() call would cost more than the rest.
 */
static __always_inline __u32 task_state_btf(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return p->__state;
	return ((struct task_struct___pre514 *)p)->state;
}

/* numa_preferred_nid exists only with CONFIG_NUMA_BALANCING; -1 = none. */
static __always_inline __s32 task_preferred_nid(struct task_struct *p)
{
	if (bpf_core_field_exists(p->numa_preferred_nid))
		return BPF_CORE_READ(p, numa_preferred_nid);
	return -1;
}

/*
 * task_struct::in_execve is set by bprm_execve() around sched_exec(). It is
 * a bitfield, so read it with the probed bitfield reader.
 */
static __always_inline bool task_in_execve(struct task_struct *p)
{
	if (bpf_core_field_exists(p->in_execve))
		return BPF_CORE_READ_BITFIELD_PROBED(p, in_execve);
	return false;
}

/* The same two by direct load, for BTF-typed pointers. */
static __always_inline __s32 task_preferred_nid_btf(struct task_struct *p)
{
	if (bpf_core_field_exists(p->numa_preferred_nid))
		return p->numa_preferred_nid;
	return -1;
}

/* Not `p`: BPF_CORE_READ_BITFIELD() declares a local of that name. */
static __always_inline bool task_in_execve_btf(struct task_struct *task)
{
	if (bpf_core_field_exists(task->in_execve))
		return BPF_CORE_READ_BITFIELD(task, in_execve);
	return false;
}

/*
 * Whether p sits on a run queue waiting for a CPU: queued, not running,
 * and not merely kept there after going to sleep. That last case is EEVDF's
 * delayed dequeue, commit 152e11f6df29 ("sched/fair: Implement delayed
 * dequeue"), 6.12: a sleeping task stays on_rq with se.sched_delayed set.
 */
static __always_inline bool task_waits_queued_btf(struct task_struct *p)
{
	if (!p->on_rq || p->on_cpu)
		return false;
	if (bpf_core_field_exists(p->se.sched_delayed))
		return !p->se.sched_delayed;
	return true;
}

/* task_cpu() by direct load, for BTF-typed pointers on hot paths. */
static __always_inline __u32 task_cpu_btf(struct task_struct *p)
{
	if (bpf_core_field_exists(p->thread_info.cpu))
		return p->thread_info.cpu;
	return ((struct task_struct___pre516 *)p)->cpu;
}

/*
 * CPU time the task has run, kept by the scheduler itself (every class
 * updates se.sum_exec_runtime), so the switch path need not count it.
 */
static __always_inline __u64 task_runtime_btf(struct task_struct *p)
{
	return p->se.sum_exec_runtime;
}

/*
 * When p last got a CPU, in its run queue's clock (rq_clock(), stamped by
 * sched_info_arrive()), and that clock now: CONFIG_SCHED_INFO (schedstats
 * or delay accounting) keeps the stamp. The run queue is reached through
 * p's CFS run queue, which set_task_rq() keeps whatever p's class; only
 * group scheduling (CONFIG_FAIR_GROUP_SCHED) links it back to its rq, and
 * kallsyms may lack the per-CPU `runqueues`. 0 when either is unknown.
 */
static __always_inline __u64 task_last_arrival(struct task_struct *p)
{
	if (!bpf_core_field_exists(p->sched_info.last_arrival))
		return 0;
	return BPF_CORE_READ(p, sched_info.last_arrival);
}

static __always_inline __u64 task_rq_clock(struct task_struct *p)
{
	if (!bpf_core_field_exists(p->se.cfs_rq))
		return 0;
	return BPF_CORE_READ(p, se.cfs_rq, rq, clock);
}

#endif /* SCHEDRIFT_CORE_FIXES_BPF_H */
