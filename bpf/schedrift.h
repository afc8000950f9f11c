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
#include "hist_buckets.h"
#include "dur32.h"

#define SDR_MAX_CPUS 1024
/* Node ids must be below this; the node matrix and per-task runtime use it. */
#define SDR_MAX_NODES 32
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

/* What the NUMA balancer did to a task (sched_move/swap/stick_numa). */
enum sdr_numa_kind {
	SDR_NUMA_MOVE,              /* sched_move_numa: moved to a CPU on its preferred node */
	SDR_NUMA_SWAP,              /* sched_swap_numa: swapped places with another task */
	SDR_NUMA_STICK_NO_TARGET,   /* sched_stick_numa, no destination CPU found */
	SDR_NUMA_STICK_MOVE_FAILED, /* sched_stick_numa, the move was refused */
	SDR_NUMA_STICK_SWAP_FAILED, /* sched_stick_numa, the swap was refused */
	SDR_NUMA_NR
};

/* Penalties are fixed point: 1000 = a modelled penalty of 1.0. */
#define SDR_PENALTY_SCALE 1000

/*
 * Per-task wait histograms are coarser than the system ones to keep task
 * storage small: each task bucket is 4 adjacent fine buckets (8 per power
 * of two), so a task percentile is within 1/16 of the true value.
 */
#define SDR_TASK_HIST_SHIFT 2
#define SDR_TASK_HIST_NR (SDR_HIST_NR_BUCKETS >> SDR_TASK_HIST_SHIFT)

/* Waits longer than this are counted as absurd and discarded (1 hour). */
#define SDR_WAIT_ABSURD_NS (3600ull * 1000000000ull)

enum sdr_rec_type {
	SDR_REC_MIGRATE = 1,
	SDR_REC_TASK_EXIT = 2,     /* struct sdr_rec_task, the task's final totals */
	SDR_REC_TASK_SNAPSHOT = 3, /* struct sdr_rec_task, a live task at the end of a capture */
	SDR_REC_WAIT = 4,          /* struct sdr_rec_wait: trace version 1 only, no longer made */
	SDR_REC_OUTLIER = 5,       /* struct sdr_rec_outlier */
	SDR_REC_NUMA = 6,          /* struct sdr_rec_numa */
	SDR_REC_WAITS = 7,         /* retired: the kernel's batch of waits, before switches (8) */
	SDR_REC_SWITCHES = 8,      /* struct sdr_rec_switches: a CPU's batch of switches */
	SDR_REC_EXIT = 9,          /* struct sdr_rec_exit, whole or brief: a task's final switch,
				    * inside a SDR_REC_SWITCHES batch (kernel only: userspace
				    * makes it a SDR_REC_TASK_EXIT with its waits) */
	SDR_REC_TASK_LIVE = 10,    /* struct sdr_rec_exit's layout, whole or brief: a live task
				    * from the task iterator (kernel only: userspace makes it a
				    * SDR_REC_TASK_SNAPSHOT) */
	/* Made by userspace, never by BPF: */
	SDR_REC_CGROUP = 16,       /* struct sdr_rec_cgroup, id -> path */
	SDR_REC_WAIT_BATCH = 17,   /* delta-encoded waits (docs/trace-format.md) */
	SDR_REC_K8S = 18,          /* struct sdr_rec_k8s, a pod cgroup's Kubernetes names */
	SDR_REC_SWITCH_BATCH = 19, /* delta-encoded switches (docs/trace-format.md) */
	SDR_REC_SWITCH_GAP = 20,   /* struct sdr_rec_switch_gap: a CPU's switches lost here */
	SDR_REC_TASK_PACKED = 21,  /* a task record (2 or 3) packed for the file, trace version 4
				    * on (userspace/trace/task_pack.h); readers hand out type 2/3 */
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

/*
 * Per-task totals, as the task records (exit, snapshot) carry them. Task
 * storage holds the kernel's part (migrations, causes, penalty, NUMA, run
 * time per node); the wait and landing fields are 0 there and filled by
 * the userspace engine from the switch stream (issue 23). The fields
 * before the coarse histogram are a macro so that the daemon's task table
 * can keep them without it (struct task_counts, userspace/live/tasktable.h):
 * the same layout, 1 KiB less a task.
 */
#define SDR_TASK_TOTALS_FIELDS                                                                     \
	__u64 runtime_ns; /* filled in when the record is made (exit, snapshot) */                 \
	__u64 waits;                                                                               \
	__u64 wait_sum_ns; /* whole waits: sched_waking (or preemption) -> running */              \
	__u64 wait_max_ns;                                                                         \
	__u64 delivery_sum_ns; /* the delivery part: sched_waking -> sched_wakeup */               \
	__u64 delivery_max_ns;                                                                     \
	__u64 queue_max_ns; /* the queueing part: queued -> running */                             \
	__u64 cgroup_id; /* cgroup v2 id (kernfs inode) when last switched in */                   \
	__s32 preferred_nid; /* numa_preferred_nid at its last migration; -1 = none */             \
	__u32 pad;                                                                                 \
	__u64 migrations[SDR_LOC_NR];                                                              \
	__u64 by_cause[SDR_CAUSE_NR];                                                              \
	__u64 penalty_milli;                                                                       \
	__u64 landings[SDR_LOC_NR]; /* first waits after a migration, by its locality */           \
	__u64 landing_sum_ns[SDR_LOC_NR];                                                          \
	__u64 landing_max_ns[SDR_LOC_NR];                                                          \
	__u64 numa[SDR_NUMA_NR]; /* NUMA balancer decisions about this task */                     \
	__u64 node_runtime_ns[SDR_MAX_NODES]; /* time run on CPUs of each node */

struct sdr_task_counts {
	SDR_TASK_TOTALS_FIELDS
	__u32 wait_hist[SDR_TASK_HIST_NR]; /* coarse: fine bucket >> SDR_TASK_HIST_SHIFT */
};

/*
 * The value of the `tasks` task-storage map. Userspace reads it by pidfd for
 * live tasks the task iterator does not visit (see loader.c).
 */
#define SDR_TS_CHECKED 1 /* filter decided for this task */
#define SDR_TS_WANTED 2  /* ... and it passed */
#define SDR_TS_NAMED 4   /* id filled in (refilled at exec, comm at every rename) */
#define SDR_TS_EXITED 8  /* its final switch seen: final totals sent, iterator skips it */

struct sdr_task_state {
	/*
	 * Run time comes from the kernel's own se.sum_exec_runtime: its value
	 * when we first saw the task, and when the task last changed node
	 * (the time since then was all run on its current node).
	 */
	__u64 runtime_base;
	__u64 segment_base;
	__u32 flags;       /* SDR_TS_* */
	__u8 landing;      /* unused since the wait slot holds it (layout kept for pidfd reads) */
	/*
	 * Set by the cold paths that count (a migration, a NUMA decision), so
	 * the task iterator tells a brief task by this line alone. A byte of
	 * its own: `flags` is rewritten without atomics (renames, exits).
	 */
	__u8 counted;
	__u8 left_node; /* it changed node once at least: node_runtime_ns holds its times */
	__u8 pad;
	__u64 numa_pending_ns; /* the balancer chose to move it at this time; 0 = no */
	__s32 numa_dst_cpu;    /* ... to this CPU */
	__u32 pad2;
	struct sdr_task_counts counts;
	struct sdr_task_id id; /* read on the slow paths only */
};

struct sdr_rec_task {
	struct sdr_rec_hdr hdr;
	struct sdr_task_id task;
	struct sdr_task_counts counts;
};

/*
 * Cost-floor benchmark (tests/bench/floor.sh): builds made with
 * -DSDR_BENCH_CUT=N stop the hot programs early at one of these points, so
 * the cost of each part of sdr_switch and sdr_waking is measured on the
 * real programs. A compile-time constant: the normal build (0) has no
 * trace of the checks. What a cut build collects is incomplete by design.
 */
enum sdr_bench_cut {
	SDR_CUT_NONE = 0,
	SDR_CUT_ENTRY = 1,   /* return at once: the cost of running any program */
	SDR_CUT_CLOCK = 2,   /* ... after reading the clock and the tids */
	SDR_CUT_SLOTS = 3,   /* sdr_switch: ... after the wait slots of prev and next */
	SDR_CUT_ITEM = 4,    /* sdr_switch: ... after appending its item to the CPU's batch
			      * (no wait in it, no shipping) */
	SDR_CUT_WAIT = 5,    /* sdr_switch: ... after the wait into the item (no shipping) */
	SDR_CUT_NR,
};
#ifndef SDR_BENCH_CUT
#define SDR_BENCH_CUT SDR_CUT_NONE
#endif

/*
 * Where a task's current wait began, kept outside task storage in the
 * `wait_slots` array, indexed by tid modulo its size, so the wakeup-path
 * programs need no task-storage lookup (an inlined array access instead of
 * a helper call). `tid` tags the slot: another task whose tid shares the
 * slot overwrites it, and the wait that loses its start is counted
 * (SDR_STAT_wait_slot_lost), never merged.
 */
#define SDR_WAIT_SLOTS_DEFAULT 32768 /* Linux's default pid_max */
#define SDR_WAIT_SLOTS_MAX (1u << 20) /* 32 MiB; a larger pid_max shares slots */
struct sdr_wait_slot {
	__u64 start_ns;  /* sched_waking, sched_wakeup_new or the preempting switch; 0 = no wait */
	__u64 queued_ns; /* sched_wakeup (on the run queue), or = start_ns; 0 = not yet queued */
	__u32 tid;
	__u8 landing;    /* 1 + locality of a migration not yet followed by a run; 0 = none */
	__u8 named;      /* a thread of PID 1 whose task storage is named (sdr_switch) */
	__u8 fresh;      /* a new task not yet run (sched_wakeup_new): SDR_ITEM_NEXT_NEW */
	__u8 pad;
	__u64 migrated_ns; /* its last migration while queued in this wait; 0 = none */
};

/*
 * Issue 23, second slice: every sched_switch appends one of these to its
 * CPU's batch (the contract between the hot programs and the userspace
 * engine). A switch that ends no wait has wait_ns 0; idle is tid 0. From
 * the items of a CPU userspace knows what held that CPU when, so waits
 * are attributed to their culprits there, never in the hot path.
 */
enum sdr_prev_state {
	SDR_PREV_RUNNABLE = 0, /* preempted or yielded: its wait starts at this switch */
	SDR_PREV_SLEEP = 1,    /* blocked */
	SDR_PREV_DEAD = 2,     /* its final switch */
	SDR_PREV_IDLE = 3,     /* prev_tid 0: the CPU was idle */
};

struct sdr_switch_item {
	__u64 ts_ns;       /* the switch (CLOCK_MONOTONIC) */
	__u64 wait_ns;     /* next's wait that ended here: start -> running; 0 = none */
	__u32 delivery_ns; /* start -> queued; sdr_dur32_encode()d (dur32.h) */
	__u32 premig_ns;   /* start -> its last migration while queued (time queued on CPUs it
			    * left); 0 = not moved while queued; sdr_dur32_encode()d */
	__u32 prev_tid;
	__u32 next_tid;
	__u8 prev_state;   /* enum sdr_prev_state */
	__u8 landing;      /* 0, or 1 + enum sdr_locality: next's first run after a migration */
	__u8 flags;        /* SDR_ITEM_* */
	__u8 pad;
	__u32 next_start;  /* SDR_ITEM_NEXT_NEW: next's start time (sdr_task_id's start_ns),
			    * its low 32 bits; else 0 */
};

/*
 * next's first switch-in since sched_wakeup_new: a new task, so a task
 * that had its tid before has ended, even if that task's exit (in another
 * CPU's batch) has not come yet.
 */
#define SDR_ITEM_NEXT_NEW 1
/* prev's exit is in this batch (exits[], stamped with this item's ts_ns). */
#define SDR_ITEM_PREV_EXIT 2

/*
 * Made by userspace: `batches` of the kernel's batches of switches of CPU
 * hdr.cpu never came (the ring refused them), between the switches before
 * this record in the file and those after it; hdr.ts_ns is the first switch
 * seen after them. What held that CPU in between is unknown.
 */
struct sdr_rec_switch_gap {
	struct sdr_rec_hdr hdr; /* type SDR_REC_SWITCH_GAP */
	__u32 batches;
	__u32 pad;
};

/*
 * A task's final switch: what only the kernel knows about it (identity,
 * run time, cgroup, and the cold paths' migration and NUMA counts; all 0
 * for a task that never migrated). Its waits, landing and wait histogram
 * are the userspace engine's, which made them from the switch stream; it
 * turns this into a struct sdr_rec_task (SDR_REC_TASK_EXIT) with them, so
 * files and every consumer see the full record. It travels in the batch
 * that holds the final switch (struct sdr_rec_switches below); brief, as
 * the iterator's live records, for a task that never migrated.
 */
struct sdr_rec_exit {
	struct sdr_rec_hdr hdr; /* ts_ns: the final switch */
	struct sdr_task_id task;
	__u64 runtime_ns;
	__u64 cgroup_id;
	__s32 preferred_nid;
	__u32 brief_node; /* a brief live record's: the node all its run time counts on; else 0 */
	__u64 migrations[SDR_LOC_NR];
	__u64 by_cause[SDR_CAUSE_NR];
	__u64 penalty_milli;
	__u64 numa[SDR_NUMA_NR];
	__u64 node_runtime_ns[SDR_MAX_NODES];
};

/*
 * The task iterator sends each live task in sdr_rec_exit's layout (type
 * SDR_REC_TASK_LIVE). A task that never migrated and had no NUMA decision
 * has nothing in its state but its run-time base, so only the head is
 * sent, up to `brief_node` (72 bytes against 456): every count after it
 * is 0 but the run time on brief_node, which is all of runtime_ns. At
 * 50 000 tasks the whole record was a third of the daemon's CPU. Its
 * hdr.ts_ns is 0: the reader stamps each read's records (loader.c).
 */
#define SDR_REC_LIVE_BRIEF_SIZE __builtin_offsetof(struct sdr_rec_exit, migrations)
/*
 * A task that counted something but never changed node sends its counts
 * without the per-node run times (all of its run time is on brief_node),
 * 200 bytes: the task iterator's and the exit's alike. On one node that
 * is every task that migrated.
 */
#define SDR_REC_LIVE_MID_SIZE __builtin_offsetof(struct sdr_rec_exit, node_runtime_ns)

/* Whether size is one a kernel task record (SDR_REC_EXIT, SDR_REC_TASK_LIVE) can have. */
static inline int sdr_kernel_rec_size_ok(__u64 size)
{
	return size == sizeof(struct sdr_rec_exit) || size == SDR_REC_LIVE_BRIEF_SIZE ||
	       size == SDR_REC_LIVE_MID_SIZE;
}

/*
 * Whether a kernel task record of size bytes is one of the three the
 * kernel makes: brief, mid or whole (the first two name their node).
 */
static inline int sdr_kernel_rec_ok(__u64 size, __u32 brief_node)
{
	return sdr_kernel_rec_size_ok(size) &&
	       (size == sizeof(struct sdr_rec_exit) || brief_node < SDR_MAX_NODES);
}

#define SDR_SWITCHES_PER_REC 32
/*
 * Exits a batch holds (a power of two): a task's final switch puts its exit
 * here, beside the switch's item, instead of into the ring buffer (a
 * reservation of its own was two thirds of the exit's cost); the batch is
 * shipped as soon as this many are in it.
 */
#define SDR_EXITS_PER_REC 8
struct sdr_rec_switches {
	struct sdr_rec_hdr hdr; /* type SDR_REC_SWITCHES; cpu: of all items; ts_ns: the last;
				 * size: up to the last exit (SDR_SWITCHES_SIZE) */
	__u32 nr;
	/*
	 * This CPU's batch number since the programs were loaded (wraps): each
	 * batch shipped, or refused by the ring (switches_lost), takes the next,
	 * so a consumer knows where in a CPU's stream switches are missing.
	 */
	__u32 seq;
	struct sdr_switch_item s[SDR_SWITCHES_PER_REC];
	/*
	 * The exits of the tasks whose final switch is one of the items (those
	 * flagged SDR_ITEM_PREV_EXIT), in time order: SDR_REC_EXIT records,
	 * whole or brief (hdr.size says; brief as the iterator's,
	 * SDR_REC_LIVE_BRIEF_SIZE), each stamped with its item's ts_ns. Only
	 * nr_exits are shipped.
	 */
	__u32 nr_exits;
	__u32 pad;
	struct sdr_rec_exit exits[SDR_EXITS_PER_REC];
};

/* The bytes of a batch with n exits, as shipped. */
#define SDR_SWITCHES_SIZE(n)                                                                       \
	(__builtin_offsetof(struct sdr_rec_switches, exits) + (n) * sizeof(struct sdr_rec_exit))

/* Trace version 1's single wait record. The task is named by an earlier record. */
struct sdr_rec_wait {
	struct sdr_rec_hdr hdr; /* ts_ns: when the wait ended; cpu: where */
	__u32 tid;
	__u8 landing; /* 0, or 1 + enum sdr_locality when this is the first run after a migration */
	__u8 pad[3];
	__u64 wait_ns;
};

/* A wait of at least min_lat_ns, with the task that had the CPU when it ended. */
struct sdr_rec_outlier {
	struct sdr_rec_hdr hdr;
	struct sdr_task_id task;
	struct sdr_task_id prev; /* the task that ran on this CPU until the waiter got it */
	__u64 wait_ns;
	__u64 prev_ran_ns; /* how long prev had been running; 0 = unknown */
	__u64 delivery_ns; /* the part of wait_ns before it was queued (trace version 2) */
};

/* A NUMA balancer decision (rare; sent in every mode). */
struct sdr_rec_numa {
	struct sdr_rec_hdr hdr;
	struct sdr_task_id task;
	__u32 other_tid; /* the swap partner, 0 when none */
	__s32 src_cpu;
	__s32 dst_cpu;   /* -1 when the balancer found no destination */
	__s16 src_node;
	__s16 dst_node;  /* -1 likewise */
	__u8 kind;       /* enum sdr_numa_kind */
	__u8 pad[7];
};

/* Userspace-made: the path of a cgroup id, relative to the cgroup2 root. */
struct sdr_rec_cgroup {
	struct sdr_rec_hdr hdr;
	__u64 id;
	char path[]; /* NUL-terminated; hdr.size covers it */
};

/*
 * Userspace-made, after the cgroup's SDR_REC_CGROUP: the names the
 * container runtime gave a pod cgroup's container (docs/kubernetes.md),
 * read while the container exists. The pod UID, QoS class and container
 * id are in the path itself.
 */
struct sdr_rec_k8s {
	struct sdr_rec_hdr hdr;
	__u64 id;            /* the cgroup id */
	char namespace_[64]; /* NUL-terminated; a namespace is at most 63 bytes */
	char pod[256];       /* at most 253 */
	char container[64];  /* at most 63; "POD" for the sandbox */
	char runtime[16];    /* "containerd", "crio", "docker" */
};

/*
 * A wait histogram in the buckets of hist_buckets.h: the kernel's per-cgroup
 * ones become this (sdr_hist__from_cgroup), and the wait engine keeps the
 * system's in it (userspace/engine/sys_hists.h).
 */
struct sdr_hist {
	__u64 counts[SDR_HIST_NR_BUCKETS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

struct sdr_stats {
	__u64 counters[SDR_STAT_NR];
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
};

/* Value of the per-CPU `cpu_data` map (one entry, summed over CPUs in userspace). */
struct sdr_cpu_data {
	struct sdr_stats stats;
};

/* Value of the `cgroups` hash (shared by all CPUs, updated atomically). */
struct sdr_cgroup_hist {
	__u32 counts[SDR_HIST_NR_BUCKETS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns; /* racy max: a concurrent larger value may be lost, never a smaller one kept */
};

/* Value of the per-CPU `node_matrix` map, keyed by from_node * nr_nodes + to_node. */
struct sdr_node_cell {
	__u64 by_cause[SDR_CAUSE_NR];
};

/* The numa_* counters of stats_table.h are indexed by enum sdr_numa_kind. */
_Static_assert(SDR_STAT_numa_stick_swap_failed - SDR_STAT_numa_move == SDR_NUMA_NR - 1,
	       "numa_* counters out of step with enum sdr_numa_kind");

#endif /* SCHEDRIFT_H */
