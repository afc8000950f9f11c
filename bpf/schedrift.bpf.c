// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * schedrift: task migrations, their locality and modelled penalty.
 *
 * Hooks: sched_migrate_task (every set_task_cpu() that changes the CPU) and
 * sched_process_exit. Each hook exists twice: a tp_btf program (BTF-typed
 * arguments, task storage) and a raw_tp twin for kernels that refuse tp_btf;
 * userspace loads exactly one set (probe.c). The raw_tp set cannot pass its
 * untyped task pointer to bpf_task_storage_get(), so it keeps no per-task
 * totals and emits no exit summaries; reports derive per-task figures from
 * the migration records in both modes.
 *
 * Emits: one SDR_REC_MIGRATE record per migration of a task that passes the
 * filter, and one SDR_REC_TASK_EXIT per exiting task that has per-task state.
 * Records go to one ring buffer without waking the consumer, except when the
 * buffer is filling up (wakeup_bytes), so the cost per event stays flat.
 *
 * Aggregates: per-CPU `stats` (counters, locality x cause, penalty) and the
 * per-CPU node x node matrix, always complete even when records are lost.
 *
 * Races accepted: the topology is frozen at load, so a CPU hot-added later
 * is counted in cpu_range and otherwise ignored; comm is read at migration
 * time and may change at exec.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "schedrift.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time knobs, written by userspace before load. */
const volatile __u32 nr_cpus = 1;
const volatile __u32 nr_nodes = 1;
const volatile __u32 cpu_node[SDR_MAX_CPUS];
const volatile __u32 cpu_llc[SDR_MAX_CPUS];
const volatile __u32 penalty_milli[SDR_MAX_NODES * SDR_MAX_NODES];
const volatile __u8 filter_tgid = 0;
const volatile __u8 filter_comm = 0;
const volatile char targ_comm[SDR_COMM_LEN];
const volatile __u64 wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_stats);
} stats SEC(".maps");

/* max_entries is set to nr_nodes * nr_nodes by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SDR_MAX_NODES * SDR_MAX_NODES);
	__type(key, __u32);
	__type(value, struct sdr_node_cell);
} node_matrix SEC(".maps");

/* TGIDs to follow when filter_tgid is set (record -p). Preallocated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct task_state {
	struct sdr_task_counts counts;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tasks SEC(".maps");

static __always_inline struct sdr_stats *cpu_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline void stat_inc(struct sdr_stats *s, enum sdr_stat idx)
{
	if (s)
		s->counters[idx]++;
}

static __always_inline bool comm_matches(const char *comm)
{
	int i;

	for (i = 0; i < SDR_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

static __always_inline bool task_wanted(struct task_struct *p, struct sdr_task_id *id)
{
	id->tid = BPF_CORE_READ(p, pid);
	id->tgid = BPF_CORE_READ(p, tgid);
	if (filter_tgid && !bpf_map_lookup_elem(&tgids, &id->tgid))
		return false;
	bpf_probe_read_kernel_str(id->comm, sizeof(id->comm), &p->comm);
	if (filter_comm && !comm_matches(id->comm))
		return false;
	id->start_ns = BPF_CORE_READ(p, start_time);
	return true;
}

/* Submit without waking the consumer unless the buffer is filling up. */
static __always_inline void submit(void *rec)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline enum sdr_cause classify(struct task_struct *p)
{
	/* try_to_wake_up() marks the task TASK_WAKING while it picks a CPU. */
	if (task_state_of(p) & TASK_WAKING)
		return SDR_CAUSE_WAKEUP;
	return SDR_CAUSE_OTHER;
}

static __always_inline int handle_migrate(struct task_struct *p, __u32 to, bool typed)
{
	struct sdr_stats *s = cpu_stats();
	struct sdr_rec_migrate *rec;
	struct sdr_node_cell *cell;
	struct task_state *ts;
	struct sdr_task_id id;
	__u32 from, fn, tn, key, pen = 0;
	enum sdr_locality loc;
	enum sdr_cause cause;

	stat_inc(s, SDR_STAT_migrations_seen);
	if (!task_wanted(p, &id))
		return 0;
	stat_inc(s, SDR_STAT_migrations);

	from = task_cpu_of(p);
	if (from >= nr_cpus || to >= nr_cpus || from >= SDR_MAX_CPUS || to >= SDR_MAX_CPUS) {
		stat_inc(s, SDR_STAT_cpu_range);
		return 0;
	}
	fn = cpu_node[from];
	tn = cpu_node[to];
	if (fn != tn)
		loc = SDR_LOC_CROSS_NODE;
	else if (cpu_llc[from] != cpu_llc[to])
		loc = SDR_LOC_CROSS_LLC;
	else
		loc = SDR_LOC_SAME_LLC;
	if (fn < SDR_MAX_NODES && tn < SDR_MAX_NODES)
		pen = penalty_milli[fn * SDR_MAX_NODES + tn];
	cause = classify(p);

	if (s) {
		s->migrations[loc][cause]++;
		s->penalty_milli += pen;
	}
	key = fn * nr_nodes + tn;
	cell = fn < nr_nodes && tn < nr_nodes ? bpf_map_lookup_elem(&node_matrix, &key) : NULL;
	if (cell)
		cell->by_cause[cause]++;
	else
		stat_inc(s, SDR_STAT_node_matrix);

	if (typed) {
		ts = bpf_task_storage_get(&tasks, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts) {
			ts->counts.migrations[loc]++;
			ts->counts.by_cause[cause]++;
			ts->counts.penalty_milli += pen;
		} else {
			stat_inc(s, SDR_STAT_map_full);
		}
	}

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		stat_inc(s, SDR_STAT_ringbuf);
		return 0;
	}
	rec->hdr.type = SDR_REC_MIGRATE;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.cpu = bpf_get_smp_processor_id();
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->task = id;
	rec->from_cpu = from;
	rec->to_cpu = to;
	rec->from_node = fn;
	rec->to_node = tn;
	rec->locality = loc;
	rec->cause = cause;
	rec->pad = 0;
	rec->penalty_milli = pen;
	submit(rec);
	stat_inc(s, SDR_STAT_records);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sdr_migrate_btf, struct task_struct *p, int dest_cpu)
{
	return handle_migrate(p, dest_cpu, true);
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(sdr_migrate_raw, struct task_struct *p, int dest_cpu)
{
	return handle_migrate(p, dest_cpu, false);
}

/*
 * Only tasks that own per-task state are reported: the storage lookup does
 * not create, so exits of tasks that never migrated cost one lookup.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sdr_exit_btf, struct task_struct *p)
{
	struct sdr_stats *s;
	struct sdr_rec_task_exit *rec;
	struct task_state *ts;
	struct sdr_task_id id;

	ts = bpf_task_storage_get(&tasks, p, NULL, 0);
	if (!ts || !task_wanted(p, &id))
		return 0;
	s = cpu_stats();
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		stat_inc(s, SDR_STAT_ringbuf);
		return 0;
	}
	rec->hdr.type = SDR_REC_TASK_EXIT;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.cpu = bpf_get_smp_processor_id();
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->task = id;
	rec->counts = ts->counts;
	submit(rec);
	stat_inc(s, SDR_STAT_exits);
	stat_inc(s, SDR_STAT_records);
	return 0;
}
