/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every counter the BPF side keeps, defined once. Each entry expands into the
 * BPF index enum (SDR_STAT_<name>) and into the userspace name/description
 * tables, so a counter added here shows up in every report, metric and test
 * without further edits. Kind LOSS marks a place where an event was dropped:
 * those are always printed, even when zero. wait_end_unseen is a COUNT: the
 * kernel never reported the switch that ended those waits, so nothing of ours
 * dropped them (docs/latency.md, "Waits with an untraced end"). outliers keeps
 * its place here (files and metrics name it as before) but is counted in
 * userspace since issue 23: the wait engine makes outliers from the switches.
 *
 * X(name, kind, description)
 */
#ifndef SCHEDRIFT_STATS_TABLE_H
#define SCHEDRIFT_STATS_TABLE_H

#define SDR_STAT_TABLE(X)                                                                      \
	X(migrations_seen, COUNT, "sched_migrate_task events seen, before filtering")          \
	X(migrations, COUNT, "migrations of tasks that passed the filter")                     \
	X(records, COUNT, "records written to the ring buffer")                                \
	X(exits, COUNT, "task exits reported with their final counts")                         \
	X(waits, COUNT, "run-queue waits measured")                                            \
	X(outliers, COUNT, "waits of at least --min-lat reported with who was running")        \
	X(numa_move, COUNT, "NUMA balancer moves (sched_move_numa)")                           \
	X(numa_swap, COUNT, "tasks in NUMA balancer swaps (sched_swap_numa)")                  \
	X(numa_stick_no_target, COUNT, "NUMA balancer found no better CPU (sched_stick_numa)")  \
	X(numa_stick_move_failed, COUNT, "NUMA balancer move refused (sched_stick_numa)")       \
	X(numa_stick_swap_failed, COUNT, "NUMA balancer swap refused (sched_stick_numa)")       \
	X(ringbuf, LOSS, "ring buffer full: records dropped, each wait of a batch counted (raise --ringbuf-mb)") \
	X(switches_lost, LOSS,                                                                 \
	  "context switches in batches the ring buffer refused: who held a CPU then is unknown") \
	X(map_full, LOSS, "per-task state not found or created (allocation failed, re-entry)")    \
	X(cpu_range, LOSS, "CPU number outside the topology written at load time")             \
	X(node_matrix, LOSS, "node pair outside the node matrix")                              \
	X(wait_negative, LOSS, "wait that ended before it began (clock skew): discarded")     \
	X(wait_absurd, LOSS, "wait longer than an hour: discarded")                            \
	X(cgroup_full, LOSS, "cgroup histogram map full: wait not counted per cgroup")         \
	X(waking_missed, COUNT, "waits whose sched_waking or sched_wakeup was not seen (attach, skipped program): delivery 0") \
	X(wait_slot_lost, LOSS, "wait start overwritten by a task sharing its wait slot: wait dropped") \
	X(wait_end_unseen, COUNT, "wait ended by a switch the kernel never traced (away from a task hidden from tracers): not measured, not a loss") \
	X(wait_end_recovered, COUNT, "wait ended by a switch the kernel never traced, its end taken from the scheduler's stamp at the task's next switch: measured") \
	X(landing_end_unseen, COUNT, "landings among the wait_end_unseen waits: migrations whose first run on the new CPU could not be timed")

#define SDR_STAT_ENUM(name, kind, desc) SDR_STAT_##name,
enum sdr_stat {
	SDR_STAT_TABLE(SDR_STAT_ENUM)
	SDR_STAT_NR
};
#undef SDR_STAT_ENUM

#endif /* SCHEDRIFT_STATS_TABLE_H */
