/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI shared by the BPF programs and userspace: limits, enums and the ring
 * buffer records. Only #defines, enums and structs of __u8..__u64, char[] and
 * fixed arrays: no pointers, no bool, no kernel types, so both compilers lay
 * the structs out the same way. Records are also the payload of trace files
 * (docs/trace-format.md), so a field added here goes at the end of a record
 * and bumps SDR_TRACE_VERSION.
 */
#ifndef SCHEDRIFT_H
#define SCHEDRIFT_H

/* BPF code gets the __u* types from vmlinux.h; userspace from the UAPI. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "stats_table.h"

#define SDR_MAX_CPUS 1024
#define SDR_MAX_NODES 64
#define SDR_COMM_LEN 16

/* Where a migration went, relative to where the task came from. */
enum sdr_locality {
	SDR_LOC_SAME_LLC,
	SDR_LOC_CROSS_LLC,
	SDR_LOC_CROSS_NODE,
	SDR_LOC_NR
};

/* Why a migration happened (docs/migration-causes.md). */
enum sdr_cause {
	SDR_CAUSE_WAKEUP,
	SDR_CAUSE_BALANCE,
	SDR_CAUSE_NUMA,
	SDR_CAUSE_AFFINITY,
	SDR_CAUSE_EXEC,
	SDR_CAUSE_FORK,
	SDR_CAUSE_OTHER,
	SDR_CAUSE_NR
};

/* Penalties are fixed point: 1000 = a modelled penalty of 1.0. */
#define SDR_PENALTY_SCALE 1000

enum sdr_rec_type {
	SDR_REC_MIGRATE = 1,
	SDR_REC_TASK_EXIT = 2,
};

/*
 * Every record starts with this header; `size` is the whole record in bytes,
 * so a reader can skip types it does not know and must check the size
 * before reading a known one.
 */
struct sdr_rec_hdr {
	__u16 type;
	__u16 size;
	__u32 cpu;   /* CPU the record was produced on */
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/* Identity of a task: (tid, start_ns) is unique even when tids are reused. */
struct sdr_task_id {
	__u32 tid;
	__u32 tgid;
	__u64 start_ns; /* task_struct::start_time, CLOCK_MONOTONIC */
	char comm[SDR_COMM_LEN];
};

struct sdr_rec_migrate {
	struct sdr_rec_hdr hdr;
	struct sdr_task_id task;
	__u32 from_cpu;
	__u32 to_cpu;
	__u16 from_node;
	__u16 to_node;
	__u8 locality; /* enum sdr_locality */
	__u8 cause;    /* enum sdr_cause */
	__u16 pad;
	__u32 penalty_milli; /* modelled penalty of this one migration */
};

/* Per-task totals kept in task storage and reported when the task exits. */
struct sdr_task_counts {
	__u64 migrations[SDR_LOC_NR];
	__u64 by_cause[SDR_CAUSE_NR];
	__u64 penalty_milli;
};

struct sdr_rec_task_exit {
	struct sdr_rec_hdr hdr;
	struct sdr_task_id task;
	struct sdr_task_counts counts;
};

/* Value of the per-CPU `stats` map (one entry, summed over CPUs in userspace). */
struct sdr_stats {
	__u64 counters[SDR_STAT_NR];
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
};

/* Value of the per-CPU `node_matrix` map, keyed by from_node * nr_nodes + to_node. */
struct sdr_node_cell {
	__u64 by_cause[SDR_CAUSE_NR];
};

#endif /* SCHEDRIFT_H */
