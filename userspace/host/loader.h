/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side's lifecycle: open -> configure (topology, filters, map sizes,
 * which program set autoloads) -> load -> attach, and reading the per-CPU
 * aggregates back. Errors come back as negative errno with one actionable
 * line already printed; libbpf's own log appears only with -v.
 */
#ifndef SCHEDRIFT_LOADER_H
#define SCHEDRIFT_LOADER_H

#include <bpf/libbpf.h>
#include "schedrift.h"
#include "host/topology.h"

#define LOADER_MAX_TGIDS 64

struct loader_opts {
	const struct topology *topo;
	const __u32 *tgids; /* follow only these processes (record -p) */
	int nr_tgids;
	const char *comm; /* follow only tasks with this comm, or NULL */
	__u32 ringbuf_bytes; /* power of two, >= 4096 */
	int force_raw_tp;    /* use the raw_tp set even where tp_btf works (tests) */
	int no_migration_records; /* count migrations in the maps only (daemon) */
	__u32 max_cgroups;   /* cgroup histogram slots; 0 = no per-cgroup histograms */
};

struct schedrift_bpf;

struct loader {
	struct schedrift_bpf *skel;
	struct ring_buffer *rb;
	int raw_tp; /* 1 when the raw_tp program set is the one attached */
	int nr_nodes;
};

/* Route libbpf's messages to stderr only when verbose. Call once. */
void loader__setup_logging(void);

/* open, configure, load and attach; cb receives every ring buffer record. */
int loader__start(struct loader *l, const struct loader_opts *o, ring_buffer_sample_fn cb, void *ctx);
/* Drain what the ring buffer holds now, waiting up to timeout_ms for a wakeup first. */
int loader__poll(struct loader *l, int timeout_ms);
/* The ring buffer map's fd, for a reader that waits on it itself (live/ring_ingest.h). */
int loader__ring_fd(struct loader *l);
/* Stop the programs; the maps stay readable until loader__destroy. */
void loader__detach(struct loader *l);
/*
 * Events the kernel skipped because one of our programs was already running
 * on that CPU (bpf_prog_info.recursion_misses, summed over our programs).
 */
__u64 loader__prog_skipped(struct loader *l);
/* Sum the per-CPU counters. */
int loader__read_stats(struct loader *l, struct sdr_stats *out);
struct loader_cgroup {
	__u64 id;
	struct sdr_cgroup_hist hist;
};
/* Every cgroup histogram (unsorted); *out is malloc'd. */
int loader__read_cgroups(struct loader *l, struct loader_cgroup **out, size_t *n);
/*
 * Each CPU's partial batch of switches, still in the per-CPU `switch_buf`
 * map (BPF ships a batch only when it is full). After loader__detach() no
 * program can add to it any more, so no switch is lost or read twice; the
 * daemon's ticks read it live (the wait engine drops what it has seen).
 * Read live, a batch shipped and refilled during the read would mix two
 * batches (an exit's head with another's body): the map is read twice,
 * and a CPU whose batch number changed in between is left to the ring.
 * cb gets each CPU's batch that holds switches, with its header filled in
 * (type SDR_REC_SWITCHES, size, cpu, ts_ns of its last switch); it
 * validates nr itself, as for a ring buffer record.
 */
int loader__read_switch_buf(struct loader *l,
			    int (*cb)(void *ctx, const struct sdr_rec_switches *b), void *ctx);
/*
 * Every live task's totals, through the task iterator: cb gets one
 * struct sdr_rec_task (type SDR_REC_TASK_SNAPSHOT) per task, valid during
 * the call only (one record is reused for the whole snapshot).
 */
int loader__snapshot_tasks(struct loader *l, int (*cb)(void *ctx, const struct sdr_rec_task *t),
			   void *ctx);
/*
 * The same, and ahead (if not NULL) gets the tids of the next
 * LOADER_AHEAD records before the records LOADER_AHEAD before them reach
 * cb: a chance to prefetch what cb will look up, one window ahead (the
 * daemon's tick, docs/performance.md).
 */
#define LOADER_AHEAD 32
int loader__snapshot_tasks_ahead(struct loader *l,
				 int (*cb)(void *ctx, const struct sdr_rec_task *t),
				 void (*ahead)(void *ctx, const __u32 *tids, size_t n), void *ctx);
/* Sum the per-CPU node matrix into cells[nr_nodes * nr_nodes]. */
int loader__read_node_matrix(struct loader *l, struct sdr_node_cell *cells);
/*
 * One live task's state by tid, through a pidfd (PIDFD_THREAD, 6.9+, for
 * threads that are not group leaders). 0, or a negative errno (-ESRCH: gone
 * or never seen; -EINVAL: this kernel cannot open a pidfd for that thread).
 */
int loader__lookup_task(struct loader *l, __u32 tid, struct sdr_task_state *out);
/*
 * The identity the live task tid's state was named with, if that task was
 * alive at alive_at (started by then): 0; -ESTALE when it started later
 * (the tid was reused: no other source should name it either), or -errno.
 */
int loader__task_id(struct loader *l, __u32 tid, __u64 alive_at, struct sdr_task_id *id);
/* A task's totals as the snapshot record the trace files hold, stamped now. */
void loader__snapshot_rec(const struct sdr_task_state *st, struct sdr_rec_task *rec);
/*
 * The kernel's small exit record (SDR_REC_EXIT, whole or brief, size bytes
 * as taken from its batch) as the SDR_REC_TASK_EXIT record files and
 * consumers hold: the kernel's fields copied, the waits 0 (the caller
 * fills them from its engine). Returns 0, or -EINVAL for a record that is
 * neither.
 */
int loader__exit_rec(const void *data, size_t size, struct sdr_rec_task *rec);
/*
 * The task iterator's record (SDR_REC_TASK_LIVE, whole or brief, size
 * bytes as read) as the SDR_REC_TASK_SNAPSHOT record consumers hold, the
 * waits 0. rec's coarse histogram is left as it was: zero rec once, and
 * reuse it for a whole snapshot. Returns 0, or -EINVAL for a record of
 * another type or size, or a brief one naming a node out of range.
 */
int loader__live_rec(const struct sdr_rec_exit *e, size_t size, struct sdr_rec_task *rec);
void loader__destroy(struct loader *l);

#endif /* SCHEDRIFT_LOADER_H */
