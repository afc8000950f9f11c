/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps, load-time knobs and small helpers shared by every schedrift program.
 * Included once, by schedrift.bpf.c.
 */
#ifndef SCHEDRIFT_STATE_BPF_H
#define SCHEDRIFT_STATE_BPF_H

#include "schedrift.h"

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
const volatile __u8 emit_migrations = 1; /* one record per migration (record mode) */
const volatile __u8 track_cgroups = 0; /* full-resolution per-cgroup map (opt-in) */
/* wait_slots has mask + 1 entries, a power of two; userspace sizes it from pid_max. */
const volatile __u32 wait_slots_mask = SDR_WAIT_SLOTS_DEFAULT - 1;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_cpu_data);
} cpu_data SEC(".maps");

/*
 * Where each task's current wait began (struct sdr_wait_slot), by tid.
 * An array rather than task storage: the verifier inlines an array lookup
 * into a few instructions, where bpf_task_storage_get() is a helper call,
 * and sched_waking / sched_wakeup need nothing else. Shared by all CPUs:
 * a wakeup is requested on one CPU and delivered on another, and the
 * kernel orders those steps (rq lock, IPI), so plain stores suffice.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SDR_WAIT_SLOTS_DEFAULT);
	__type(key, __u32);
	__type(value, struct sdr_wait_slot);
} wait_slots SEC(".maps");

/*
 * Each CPU's batch of switches not yet shipped (struct sdr_rec_switches):
 * every mode streams every switch; userspace reads the partial batches
 * at its ticks and at the end of a capture.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_rec_switches);
} switch_buf SEC(".maps");

/* max_entries is set to nr_nodes * nr_nodes by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SDR_MAX_NODES * SDR_MAX_NODES);
	__type(key, __u32);
	__type(value, struct sdr_node_cell);
} node_matrix SEC(".maps");

/* Run-queue latency per cgroup v2 id; preallocated, full is counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct sdr_cgroup_hist);
} cgroups SEC(".maps");

/* A zeroed cgroup histogram to insert from: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_cgroup_hist);
} cgroup_zero SEC(".maps");

/* TGIDs to follow when filter_tgid is set (record -p). Preallocated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sdr_task_state);
} tasks SEC(".maps");

static __always_inline struct sdr_cpu_data *this_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_data, &zero);
}

static __always_inline void stat_inc(struct sdr_cpu_data *d, enum sdr_stat idx)
{
	if (d)
		d->stats.counters[idx]++;
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

/* Fill the identity of p; works on typed and untyped task pointers. */
static __always_inline void task_id_of(struct task_struct *p, struct sdr_task_id *id)
{
	id->tid = BPF_CORE_READ(p, pid);
	id->tgid = BPF_CORE_READ(p, tgid);
	id->start_ns = BPF_CORE_READ(p, start_time);
	bpf_probe_read_kernel_str(id->comm, sizeof(id->comm), &p->comm);
}

/*
 * The same by direct loads, for BTF-typed pointers (tp_btf): no helper
 * calls, for a task's exit at its final switch (not a measurable part of
 * its cost, which is the ring: docs/performance.md, "The exit against
 * sdr_exec"). comm is copied whole: the kernel pads it with NULs
 * (__set_task_comm() uses strscpy_pad()), so the copy is the same string.
 */
static __always_inline void task_id_btf(struct task_struct *p, struct sdr_task_id *id)
{
	id->tid = p->pid;
	id->tgid = p->tgid;
	id->start_ns = p->start_time;
	__builtin_memcpy(id->comm, p->comm, sizeof(id->comm));
}

static __always_inline bool id_wanted(const struct sdr_task_id *id)
{
	if (filter_tgid && !bpf_map_lookup_elem(&tgids, &id->tgid))
		return false;
	if (filter_comm && !comm_matches(id->comm))
		return false;
	return true;
}

/*
 * The task's state, created on its first migration or NUMA decision (cold
 * paths; the hot programs never look it up without a -p/--comm filter)
 * and named then, so every later reader (exit, iterator, userspace by
 * pidfd) has its identity. A task without state is named from its
 * task_struct by the exit and the iterator.
 */
static __always_inline struct sdr_task_state *state_of(struct task_struct *p)
{
	struct sdr_task_state *ts;

	ts = bpf_task_storage_get(&tasks, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts && !(ts->flags & SDR_TS_NAMED)) {
		/*
		 * Run time counts from the attach: userspace primed the state of
		 * the tasks alive then with their run time at that moment
		 * (runtime_base); a task born since has 0, its whole life.
		 */
		task_id_of(p, &ts->id);
		ts->flags |= SDR_TS_NAMED;
	}
	return ts;
}

/*
 * Whether a task passes the -p/--comm filter, decided once per task and
 * kept in its state, so the hot paths never look up the tgid hash. exec
 * clears SDR_TS_CHECKED because it changes comm.
 */
static __always_inline bool state_wanted(struct task_struct *p, struct sdr_task_state *ts)
{
	if (!filter_tgid && !filter_comm)
		return true;
	if (!(ts->flags & SDR_TS_CHECKED)) {
		if (!(ts->flags & SDR_TS_NAMED)) {
			task_id_of(p, &ts->id);
			ts->flags |= SDR_TS_NAMED;
		}
		ts->flags &= ~SDR_TS_WANTED;
		ts->flags |= SDR_TS_CHECKED | (id_wanted(&ts->id) ? SDR_TS_WANTED : 0);
	}
	return ts->flags & SDR_TS_WANTED;
}

/*
 * bpf_task_storage_get() failed for p: count it, but with a filter only
 * when p is one of the tasks asked about, so the counter means data lost
 * from this capture. The slow filter check runs only on this rare path.
 */
static __always_inline void storage_failed(struct sdr_cpu_data *d, struct task_struct *p)
{
	struct sdr_task_id id;

	if (filter_tgid || filter_comm) {
		task_id_of(p, &id);
		if (!id_wanted(&id))
			return;
	}
	stat_inc(d, SDR_STAT_map_full);
}

/* Never wake the consumer per record, only once the buffer is filling up. */
static __always_inline __u64 wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void submit(void *rec)
{
	bpf_ringbuf_submit(rec, wakeup_flags());
}

static __always_inline struct sdr_wait_slot *slot_of(__u32 tid)
{
	__u32 key = tid & wait_slots_mask;

	return bpf_map_lookup_elem(&wait_slots, &key);
}

static __always_inline void fill_hdr(struct sdr_rec_hdr *h, __u16 type, __u16 size, __u64 now)
{
	h->type = type;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = now;
}

#endif /* SCHEDRIFT_STATE_BPF_H */
