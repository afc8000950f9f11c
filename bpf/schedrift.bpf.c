// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * schedrift: task migrations (locality, modelled penalty) and run-queue
 * latency (how long runnable tasks wait, and what a migration costs).
 *
 * Hooks (tp_btf; raw_tp twin for migrations only, see below):
 *   sched_migrate_task      locality, penalty, node matrix; marks a landing
 *                           and, for a queued task, when it left (wait slot)
 *   sched_waking            a wakeup is requested: the wait starts
 *   sched_wakeup            the task is on a run queue: delivery ends, queueing starts
 *   sched_wakeup_new        a new task is queued: its first wait starts
 *   sched_switch            one item per switch, idle included, to the CPU's
 *                           batch (`switch_buf`): prev, its state, next, and
 *                           next's wait if one ended (whole, delivery, the part
 *                           queued on CPUs it left, landing). prev dead
 *                           (its final switch): its exit, into the same
 *                           batch; next new (its first run): flagged.
 *                           Outliers (waits over --min-lat, with
 *                           both tasks named) are made in userspace from the
 *                           stream (userspace/engine/outliers.h)
 *   sched_process_exec      comm changed: re-decide the --comm filter
 *   task_rename             comm changed (prctl, pthread_setname_np, exec):
 *                           likewise, and records name the task by it
 *   iter/task               per-task totals of live tasks, on demand
 *
 * The hot programs (switch, waking, wakeup, wakeup_new) keep no per-task
 * or per-cgroup state: where a wait began, its landing and its last
 * migration live in `wait_slots`, an array by tid (an inlined lookup), and
 * every switch goes to userspace, which accounts waits, run time and who
 * held each CPU per task and per cgroup (userspace/engine/). Task storage
 * holds only what the cold paths know: migrations by locality and cause,
 * penalty, NUMA decisions, run time per node; it is made at a task's first
 * migration or NUMA decision. Aggregates are per-CPU (`cpu_data`:
 * counters; `node_matrix`); the system's wait histograms (per CPU, per
 * landing locality) are made in userspace from the stream. The opt-in
 * `cgroups` map (--max-cgroups, default off) is the one exception: it
 * reads next's cgroup and adds atomically, on purpose, for those who want
 * the kernel's own per-cgroup histograms. The ring buffer carries
 * migrations and the CPUs' switch batches, exits inside them; the
 * consumer is never woken per event.
 *
 * With a -p/--comm filter the switch program looks up next's task storage
 * (created then) to decide the filter once per task, and a wait of a task
 * outside it is not measured (wait_ns 0 in its item); the switches
 * themselves are all streamed, since what held a CPU matters whoever it
 * was. Without a filter there is no lookup, but one: a thread of PID 1 is
 * named in task storage at its first switch-in (once per wait-slot claim),
 * because the task iterator does not visit those threads on some kernels
 * and userspace then reads them by pidfd.
 *
 * The raw_tp set (for kernels that refuse tp_btf) gets untyped task
 * pointers, which bpf_task_storage_get() does not accept, so it measures
 * migrations only; reports say so (`counters.waits` stays 0).
 *
 * Races accepted: a wakeup on one CPU and a switch on another may read each
 * other's half-updated timestamps (a wait is then off by that overlap, or
 * discarded as negative and counted); two tasks whose tids share a wait slot
 * can each lose a wait (counted as wait_slot_lost); the cgroup max is a racy
 * max.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"
#include "state.bpf.h"
#include "cause.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- wait slots ---- */

/*
 * Another task's live wait in this slot is about to be overwritten: count
 * the loss. A slot taken over starts clean (no landing, no migration).
 */
static __always_inline void slot_claim(struct sdr_wait_slot *s, __u32 tid)
{
	if (s->tid == tid)
		return;
	if (s->start_ns)
		stat_inc(this_cpu(), SDR_STAT_wait_slot_lost);
	s->tid = tid;
	s->start_ns = 0;
	s->queued_ns = 0;
	s->landing = 0;
	s->named = 0;
	s->fresh = 0;
	s->migrated_ns = 0;
}

/*
 * A migration of tid (a cold path): its next run is a landing, and if it
 * was queued, the wait so far was spent on the CPU it left (the wait
 * before a migration). A fork's placement is not a move off a run queue.
 */
static __always_inline void slot_migrated(__u32 tid, enum sdr_locality loc, enum sdr_cause cause)
{
	struct sdr_wait_slot *s;

	if (!tid)
		return;
	s = slot_of(tid);
	if (!s)
		return;
	slot_claim(s, tid);
	s->landing = loc + 1;
	if (cause != SDR_CAUSE_FORK && s->start_ns && s->queued_ns)
		s->migrated_ns = bpf_ktime_get_ns();
}

/* ---- migrations ---- */

/*
 * One migration of p from `from` to `to`. cause is SDR_CAUSE_NR to classify
 * it here, or a cause already known (fork placement, synthesized below).
 */
static __always_inline int handle_migrate(struct task_struct *p, __u32 from, __u32 to, bool typed,
					  enum sdr_cause cause)
{
	struct sdr_cpu_data *d = this_cpu();
	struct sdr_rec_migrate *rec;
	struct sdr_node_cell *cell;
	struct sdr_task_state *ts = NULL;
	struct sdr_task_id id;
	__u32 fn, tn, key, pen = 0;
	enum sdr_locality loc;

	stat_inc(d, SDR_STAT_migrations_seen);
	if (typed) {
		ts = state_of(p);
		if (!ts)
			storage_failed(d, p);
	}
	/* The state is named already: read the task's identity only without one. */
	if (ts) {
		if (!state_wanted(p, ts))
			return 0;
	} else {
		task_id_of(p, &id);
		if (!id_wanted(&id))
			return 0;
	}
	stat_inc(d, SDR_STAT_migrations);

	if (from >= nr_cpus || to >= nr_cpus || from >= SDR_MAX_CPUS || to >= SDR_MAX_CPUS) {
		stat_inc(d, SDR_STAT_cpu_range);
		return 0;
	}
	/*
	 * 6.1's verifier loses these bounds once clang spills the values to
	 * the stack; the masks (no-ops after the check above) restore them.
	 */
	barrier_var(from);
	barrier_var(to);
	from &= SDR_MAX_CPUS - 1;
	to &= SDR_MAX_CPUS - 1;
	fn = cpu_node[from];
	tn = cpu_node[to];
	if (fn != tn)
		loc = SDR_LOC_CROSS_NODE;
	else if (cpu_llc[from] != cpu_llc[to])
		loc = SDR_LOC_CROSS_LLC;
	else
		loc = SDR_LOC_SAME_LLC;
	if (fn < SDR_MAX_NODES && tn < SDR_MAX_NODES) {
		__u32 pidx = fn * SDR_MAX_NODES + tn;

		/*
		 * clang reloads tn from the stack for the index; 6.1's verifier
		 * does not carry the bound across, so check the index itself.
		 */
		barrier_var(pidx);
		if (pidx < SDR_MAX_NODES * SDR_MAX_NODES)
			pen = penalty_milli[pidx];
	}
	if (cause >= SDR_CAUSE_NR)
		cause = classify_migration(p, from, to, ts, typed);

	if (d) {
		d->stats.migrations[loc][cause]++;
		d->stats.penalty_milli += pen;
	}
	key = fn * nr_nodes + tn;
	cell = fn < nr_nodes && tn < nr_nodes ? bpf_map_lookup_elem(&node_matrix, &key) : NULL;
	if (cell)
		cell->by_cause[cause]++;
	else
		stat_inc(d, SDR_STAT_node_matrix);

	if (typed)
		slot_migrated(BPF_CORE_READ(p, pid), loc, cause);
	if (ts) {
		ts->counted = 1;
		ts->counts.migrations[loc]++;
		ts->counts.by_cause[cause]++;
		ts->counts.penalty_milli += pen;
		/* Leaving a node: the run time since the last node change was all there. */
		if (fn != tn && fn < SDR_MAX_NODES) {
			__u64 rt = task_runtime_btf(p);
			__u32 fi = fn;

			ts->left_node = 1;

			/* Bound the index after the helper call, for 6.1's verifier. */
			barrier_var(fi);
			fi &= SDR_MAX_NODES - 1;
			if (rt > ts->segment_base)
				ts->counts.node_runtime_ns[fi] += rt - ts->segment_base;
			/* In this order, which the iterator reads backwards (kernel_totals). */
			asm volatile("" ::: "memory");
			ts->segment_base = rt;
		}
		ts->counts.preferred_nid = task_preferred_nid_btf(p);
	}
	if (!emit_migrations)
		return 0;

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		stat_inc(d, SDR_STAT_ringbuf);
		return 0;
	}
	fill_hdr(&rec->hdr, SDR_REC_MIGRATE, sizeof(*rec), bpf_ktime_get_ns());
	if (ts)
		rec->task = ts->id;
	else
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
	stat_inc(d, SDR_STAT_records);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sdr_migrate_btf, struct task_struct *p, int dest_cpu)
{
	return handle_migrate(p, task_cpu_of(p), dest_cpu, true, SDR_CAUSE_NR);
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(sdr_migrate_raw, struct task_struct *p, int dest_cpu)
{
	return handle_migrate(p, task_cpu_of(p), dest_cpu, false, SDR_CAUSE_NR);
}

/* ---- run-queue latency ---- */

/*
 * A wait runs from when the wakeup is requested (sched_waking) to when the
 * task gets a CPU (sched_switch), as perf sched timehist's "sch delay" does.
 * sched_wakeup in between marks the end of the delivery (choosing a CPU,
 * the remote wake list and its IPI) and the start of the queueing. A task
 * preempted while runnable starts waiting at that switch, already queued;
 * a new task at sched_wakeup_new, likewise. All three stamps live in the
 * task's wait slot, not in task storage (see wait_slots).
 */

/*
 * Count a wait dropped because its end was never traced, as a loss of this
 * capture only if the task is one it follows: a rare path, so the task
 * storage lookup (no create) for the filter is affordable here.
 */
static __always_inline void lost_wait_end(struct task_struct *p, __u8 land)
{
	struct sdr_cpu_data *d;
	struct sdr_task_state *ts;

	if (filter_tgid || filter_comm) {
		ts = bpf_task_storage_get(&tasks, p, NULL, 0);
		if (!ts || !state_wanted(p, ts))
			return;
	}
	d = this_cpu();
	stat_inc(d, SDR_STAT_wait_end_unseen);
	/* A landing: its migration is counted, its first run can not be timed. */
	if (land)
		stat_inc(d, SDR_STAT_landing_end_unseen);
}

/*
 * try_to_wake_up() fires this only for a task in a sleeping state, before
 * it knows whether the task has left its CPU yet. A task that is already
 * queued (preempted on its way to sleep) keeps the wait it is in.
 *
 * A slot that says "queued" for a task that is not waiting on a run queue
 * is stale: the task ran and went to sleep since, through a switch no
 * tracepoint reported (seen on a 6.18 VM: switches away from some threads are never
 * traced, by perf either). That wait's end is unknown, so it is dropped
 * and counted rather than stretched into this one.
 */
SEC("tp_btf/sched_waking")
int BPF_PROG(sdr_waking, struct task_struct *p)
{
	__u32 tid;
	struct sdr_wait_slot *s;

	if (SDR_BENCH_CUT == SDR_CUT_ENTRY)
		return 0;
	tid = p->pid;
	if (SDR_BENCH_CUT >= SDR_CUT_CLOCK)
		return bpf_ktime_get_ns() == tid;
	if (!tid)
		return 0;
	s = slot_of(tid);
	if (!s)
		return 0;
	if (s->tid == tid && s->queued_ns) {
		if (task_waits_queued_btf(p))
			return 0;
		/* Its landing, if any, was that wait's: this one is not one. */
		lost_wait_end(p, s->landing);
		s->landing = 0;
	}
	slot_claim(s, tid);
	s->queued_ns = 0;
	s->migrated_ns = 0;
	s->start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * The task is on a run queue now, or was still on its CPU (the wakeup only
 * cancelled a sleep that had not happened yet: no wait). With no waking
 * seen (attached in between, or the program was skipped), the wait counts
 * from here, and says so.
 */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(sdr_wakeup, struct task_struct *p)
{
	__u32 tid = p->pid;
	struct sdr_wait_slot *s;
	__u64 now;

	if (!tid)
		return 0;
	s = slot_of(tid);
	if (!s)
		return 0;
	if (s->tid == tid && s->start_ns) {
		if (p->on_cpu) {
			/* Running: whatever the slot says, there is no wait. */
			s->start_ns = 0;
			s->queued_ns = 0;
			s->migrated_ns = 0;
		} else if (!s->queued_ns) {
			s->queued_ns = bpf_ktime_get_ns();
		}
		return 0;
	}
	if (p->on_cpu)
		return 0;
	slot_claim(s, tid);
	now = bpf_ktime_get_ns();
	s->start_ns = now;
	s->queued_ns = now;
	s->migrated_ns = 0;
	stat_inc(this_cpu(), SDR_STAT_waking_missed);
	return 0;
}

/*
 * wake_up_new_task() places a new task with __set_task_cpu(), which has no
 * tracepoint. The parent runs that code, so this CPU is where the task was
 * forked; if the child was put elsewhere, that is its fork migration. The
 * child's wait starts here, already queued (no sched_waking for a new task).
 * No task storage is made for it here (only if it moved: a cold path).
 */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sdr_wakeup_new, struct task_struct *p)
{
	__u32 here = bpf_get_smp_processor_id(), there = task_cpu_btf(p), tid = p->pid;
	struct sdr_wait_slot *s = slot_of(tid);
	__u64 now = bpf_ktime_get_ns();

	if (s && tid) {
		slot_claim(s, tid);
		s->start_ns = now;
		s->queued_ns = now;
		s->migrated_ns = 0;
		/* A task that had this tid before is gone: no landing or name of its. */
		s->landing = 0;
		s->named = 0;
		s->fresh = SDR_ITEM_NEXT_NEW;
	}
	if (there != here)
		handle_migrate(p, here, there, true, SDR_CAUSE_FORK);
	return 0;
}

static __always_inline void cgroup_add(struct sdr_cpu_data *d, __u64 cgid, __u64 wait)
{
	struct sdr_cgroup_hist *h;
	__u32 zero = 0;

	h = bpf_map_lookup_elem(&cgroups, &cgid);
	if (!h) {
		h = bpf_map_lookup_elem(&cgroup_zero, &zero);
		if (!h)
			return;
		/*
		 * NOEXIST: another CPU may have inserted it meanwhile, which is
		 * fine; if the map is full the lookup below fails and says so.
		 */
		bpf_map_update_elem(&cgroups, &cgid, h, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&cgroups, &cgid);
		if (!h) {
			stat_inc(d, SDR_STAT_cgroup_full);
			return;
		}
	}
	__sync_fetch_and_add(&h->counts[sdr_hist_bucket(wait)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, wait);
	if (wait > h->max_ns)
		h->max_ns = wait;
}

/*
 * Ship a CPU's full batch of switches: one ring-buffer copy per
 * SDR_SWITCHES_PER_REC switches, never waking the consumer per batch.
 * Programs on sched_switch do not nest on a CPU, so the batch has one
 * writer. A batch the ring refuses loses every wait in it (ringbuf) and
 * every switch (switches_lost: who held the CPU then is unknown).
 */
static __always_inline void ship_switches(struct sdr_cpu_data *d, struct sdr_rec_switches *b,
					  __u64 now)
{
	__u32 i, waits = 0, nr = b->nr, exits = b->nr_exits;

	if (exits > SDR_EXITS_PER_REC)
		exits = SDR_EXITS_PER_REC;
	fill_hdr(&b->hdr, SDR_REC_SWITCHES, SDR_SWITCHES_SIZE(exits), now);
	if (bpf_ringbuf_output(&events, b, SDR_SWITCHES_SIZE(exits), wakeup_flags())) {
		for (i = 0; i < SDR_SWITCHES_PER_REC; i++)
			waits += i < nr && b->s[i].wait_ns != 0;
		/* An exit lost is a loss like a wait (the iterator no longer reports it). */
		if (d) {
			d->stats.counters[SDR_STAT_ringbuf] += waits + exits;
			d->stats.counters[SDR_STAT_switches_lost] += nr;
		}
	} else {
		stat_inc(d, SDR_STAT_records);
	}
	/* Lost or not, the next batch has the next number: a gap says where losses were. */
	b->seq++;
	b->nr = 0;
	b->nr_exits = 0;
}

/*
 * Filter mode only (-p/--comm): whether next is a task the capture
 * follows, decided once per task in its storage (created here).
 */
static __always_inline bool next_wanted(struct sdr_cpu_data *d, struct task_struct *next)
{
	struct sdr_task_state *ts = state_of(next);

	if (!ts) {
		storage_failed(d, next);
		return false;
	}
	return state_wanted(next, ts);
}

/*
 * next got the CPU at `now` after waiting since `start`, queued since
 * `queued`, moved off a run queue last at `migrated` (0: not moved while
 * queued): the wait into its switch item, and the CPU's count of waits.
 * Whether the wait was measured (not discarded, and of a task the capture
 * follows). Nothing more: userspace makes the system's histograms (per
 * CPU, per landing locality) and the outliers (waits over --min-lat) from
 * the item; the histogram updates here, on lines a busy workload evicts,
 * were about 130 of this program's 340 ns on messaging (docs/performance.md).
 */
static __always_inline bool wait_ends(struct sdr_cpu_data *d, struct task_struct *next,
				      struct sdr_switch_item *it, __u64 now, __u64 start,
				      __u64 queued, __u64 migrated)
{
	__u64 wait;

	if (!queued) {
		/* sched_wakeup was not seen (program skipped): no split. */
		stat_inc(d, SDR_STAT_waking_missed);
		queued = start;
	}
	if (start > now || queued > now || queued < start) {
		stat_inc(d, SDR_STAT_wait_negative);
		return false;
	}
	wait = now - start;
	if (wait > SDR_WAIT_ABSURD_NS) {
		stat_inc(d, SDR_STAT_wait_absurd);
		return false;
	}
	if ((filter_tgid || filter_comm) && !next_wanted(d, next))
		return false;
	if (d)
		d->stats.counters[SDR_STAT_waits]++;
	it->wait_ns = wait;
	it->delivery_ns = sdr_dur32_encode(queued - start);
	if (migrated > start && migrated <= now)
		it->premig_ns = sdr_dur32_encode(migrated - start);
	/* Opt-in (--max-cgroups): the one pointer chase, on purpose. */
	if (track_cgroups)
		cgroup_add(d, BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id), wait);
	return true;
}

/* The node of a CPU, bounded for the verifier (0 when out of range). */
static __always_inline __u32 node_index(__u32 cpu)
{
	__u32 node = cpu < SDR_MAX_CPUS && cpu < nr_cpus ? cpu_node[cpu & (SDR_MAX_CPUS - 1)] : 0;

	barrier_var(node);
	return node & (SDR_MAX_NODES - 1);
}

/*
 * The kernel's part of p's totals (everything but the waits, which
 * userspace accounts) after rec's header and identity; ts may be NULL (a
 * task that never migrated). Run time counts from the attach, from the
 * scheduler's own count (current to its last tick or switch); the time
 * since the last node change goes to the node it is on now. With brief, a
 * task whose state counted nothing gets the head only, and one that never
 * changed node its counts but no per-node times (brief_node names its node
 * in both). Direct loads through the BTF pointer and plain copies from
 * the storage: no helper call. Returns the record's size.
 */
static __always_inline __u16 kernel_totals(struct sdr_rec_exit *rec, struct task_struct *p,
					   struct sdr_task_state *ts, bool brief)
{
	__u64 rt = task_runtime_btf(p), base = 0, seg = 0;
	__u32 node = node_index(task_cpu_btf(p));

	if (ts)
		base = ts->runtime_base;
	rec->runtime_ns = rt > base ? rt - base : 0;
	rec->preferred_nid = task_preferred_nid_btf(p);
	rec->cgroup_id = p->cgroups->dfl_cgrp->kn->id;
	/*
	 * Nothing counted: no migration, so segment_base is still runtime_base
	 * and all the run time was on this node.
	 */
	if (brief && (!ts || !ts->counted)) {
		rec->brief_node = node;
		return SDR_REC_LIVE_BRIEF_SIZE;
	}
	rec->brief_node = 0; /* ring memory is not zeroed: no stale bytes to userspace */
	if (ts) {
		__builtin_memcpy(rec->migrations, ts->counts.migrations, sizeof(rec->migrations));
		__builtin_memcpy(rec->by_cause, ts->counts.by_cause, sizeof(rec->by_cause));
		rec->penalty_milli = ts->counts.penalty_milli;
		__builtin_memcpy(rec->numa, ts->counts.numa, sizeof(rec->numa));
		/* Never left its node: no per-node times to copy (4 lines of 7). */
		if (brief && !ts->left_node) {
			rec->brief_node = node;
			return SDR_REC_LIVE_MID_SIZE;
		}
		__builtin_memcpy(rec->node_runtime_ns, ts->counts.node_runtime_ns,
				 sizeof(rec->node_runtime_ns));
		/*
		 * The segment's start only after the per-node times: a node
		 * change on another CPU meanwhile (the iterator runs beside
		 * the task) then shows a little too little, made good by the
		 * next snapshot, never its segment twice.
		 */
		asm volatile("" ::: "memory");
		seg = ts->segment_base;
	} else {
		__builtin_memset(&rec->migrations, 0,
				 sizeof(*rec) - __builtin_offsetof(struct sdr_rec_exit, migrations));
	}
	if (rt > seg)
		rec->node_runtime_ns[node] += rt - seg;
	return sizeof(*rec);
}

/*
 * p's final switch (do_task_dead): what only the kernel knows about it goes
 * into this CPU's batch, beside the switch's item (which the caller appends
 * next), so it leaves with the switches it ends and costs no ring
 * reservation of its own (that was two thirds of the exit's time). Not at
 * sched_process_exit, which comes before the task's last waits (it can be
 * preempted on its way out): userspace ends the task's waits at this
 * switch. Once per task, in the branch of a task going to sleep. Returns
 * 0 (no exit sent), EXIT_STAGED, or EXIT_STAGED | EXIT_FULL when the
 * batch's exits are full now (the caller ships it then).
 */
#define EXIT_STAGED 1
#define EXIT_FULL 2
static __always_inline int task_dead(struct sdr_cpu_data *d, struct task_struct *p, __u64 now)
{
	struct sdr_task_state *ts;
	struct sdr_rec_switches *b;
	struct sdr_rec_exit *rec;
	__u32 zero = 0, n;
	__u16 size;

	ts = bpf_task_storage_get(&tasks, p, NULL, 0);
	if (ts && ((ts->flags & SDR_TS_EXITED) || !state_wanted(p, ts)))
		return 0;
	if (!ts && (filter_tgid || filter_comm)) {
		struct sdr_task_id id;

		task_id_btf(p, &id);
		if (!id_wanted(&id))
			return 0;
	}
	b = bpf_map_lookup_elem(&switch_buf, &zero);
	if (!b)
		return 0;
	n = b->nr_exits;
	if (n >= SDR_EXITS_PER_REC) {
		/* Never: a batch leaves when its exits are full. Counted if it did. */
		stat_inc(d, SDR_STAT_ringbuf);
		return 0;
	}
	rec = &b->exits[n & (SDR_EXITS_PER_REC - 1)];
	/*
	 * A zombie keeps its storage until it is reaped, maybe long after:
	 * the iterator must not report it again once its exit is sent, or
	 * userspace would take it for a new live task.
	 */
	if (ts)
		ts->flags |= SDR_TS_EXITED;
	/*
	 * The switch's own clock read (a second one costs 80-245 ns), direct
	 * loads through the BTF pointer and plain copies from the storage
	 * instead of probe-read helper calls: this runs once per task, on
	 * memory nothing else touched lately.
	 */
	if (ts && (ts->flags & SDR_TS_NAMED))
		__builtin_memcpy(&rec->task, &ts->id, sizeof(rec->task));
	else
		task_id_btf(p, &rec->task);
	size = kernel_totals(rec, p, ts, true);
	fill_hdr(&rec->hdr, SDR_REC_EXIT, size, now);
	b->nr_exits = n + 1;
	stat_inc(d, SDR_STAT_exits);
	return n + 1 >= SDR_EXITS_PER_REC ? EXIT_STAGED | EXIT_FULL : EXIT_STAGED;
}

/*
 * A switch at the end of this CPU's batch, its wait fields zero (wait_ends
 * fills them); nr counts it, and a full batch is the caller's to ship.
 */
static __always_inline struct sdr_switch_item *item_append(struct sdr_rec_switches *b, __u64 ts,
							   __u32 prev_tid, __u8 pst,
							   __u32 next_tid, __u8 land, __u8 flags,
							   __u32 next_start)
{
	struct sdr_switch_item *it;
	__u32 i = b->nr;

	if (i >= SDR_SWITCHES_PER_REC)
		i = 0;
	it = &b->s[i & (SDR_SWITCHES_PER_REC - 1)];
	it->ts_ns = ts;
	it->wait_ns = 0;
	it->delivery_ns = 0;
	it->premig_ns = 0;
	it->prev_tid = prev_tid;
	it->next_tid = next_tid;
	it->prev_state = pst;
	it->landing = land;
	it->flags = flags;
	it->next_start = next_start;
	b->nr = i + 1;
	return it;
}

/*
 * p is switching out, yet its slot still holds a wait it was queued in: the
 * switch that ran it was never traced (on the 6.18 test VM no switch away
 * from a thread of PID 1 is: docs/latency.md), so that wait, and the landing
 * it may be, would be lost, silently when p was preempted. The scheduler
 * stamped that switch-in itself (sched_info.last_arrival, in the run queue's
 * clock, which __schedule() has just brought up to date for this switch; the
 * two clocks run at one rate): the wait ends there, in an item of its own
 * just before this switch, from whoever the CPU's last item ran (its state
 * unknown: SLEEP, which starts no wait) to p. When p's wakeup preempted the
 * hidden task, the scheduler skipped its clock update at that switch
 * (rq_clock_skip_update()) and the stamp is the enqueue's, before p was
 * queued as our clock saw it: the end is then unknown, and the wait is
 * dropped and counted, as at sched_waking; so is a stamp not after the
 * CPU's last item. Rare (a few per second here): the batch is looked up
 * only now, and the code is a function of its own (a BPF call), off the
 * hot path's instructions.
 */
static __noinline void unseen_switch_in(struct sdr_cpu_data *d, struct task_struct *p,
					struct sdr_wait_slot *s, __u64 now)
{
	__u64 start = s->start_ns, queued = s->queued_ns, migrated = s->migrated_ns;
	__u64 arrived = task_last_arrival(p), clock = task_rq_clock(p), at;
	struct sdr_switch_item *it, *last;
	struct sdr_rec_switches *b;
	__u8 land = s->landing, fresh = s->fresh;
	__u32 zero = 0, i, from;

	s->start_ns = 0;
	s->queued_ns = 0;
	s->migrated_ns = 0;
	s->landing = 0;
	s->fresh = 0;
	b = bpf_map_lookup_elem(&switch_buf, &zero);
	if (!b)
		return;
	i = b->nr;
	if (i >= SDR_SWITCHES_PER_REC)
		i = 0;
	/* After a batch is shipped its items stay: the last one is still there. */
	last = &b->s[(i - 1) & (SDR_SWITCHES_PER_REC - 1)];
	at = now - (clock - arrived);
	if (!arrived || arrived > clock || clock - arrived > now || at < queued ||
	    at <= last->ts_ns) {
		lost_wait_end(p, land);
		return;
	}
	from = last->next_tid;
	it = item_append(b, at, from, from ? SDR_PREV_SLEEP : SDR_PREV_IDLE, p->pid, land, fresh,
			 fresh ? (__u32)p->start_time : 0);
	if (wait_ends(d, p, it, at, start, queued, migrated))
		stat_inc(d, SDR_STAT_wait_end_recovered);
	if (b->nr >= SDR_SWITCHES_PER_REC)
		ship_switches(d, b, at);
}

/*
 * The hot path: the clock, both tids, prev's state, next's wait slot, one
 * item appended to this CPU's batch. prev, when it stays runnable
 * (preempted or yielding), starts a wait in its slot; a task going to
 * sleep costs one more compare (is it dead?). No task storage, no hash
 * map, no per-task or per-cgroup state (see the file comment for -p and
 * --max-cgroups).
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(sdr_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (SDR_BENCH_CUT == SDR_CUT_ENTRY)
		return 0;

	__u64 now = bpf_ktime_get_ns(), start = 0, queued = 0, migrated = 0;
	__u32 ptid = prev->pid, ntid = next->pid, zero = 0;
	__u8 pst = SDR_PREV_IDLE, land = 0, fresh = 0;
	struct sdr_rec_switches *b;
	struct sdr_switch_item *it;
	struct sdr_wait_slot *s;
	struct sdr_cpu_data *d;
	int exit = 0;

	if (SDR_BENCH_CUT == SDR_CUT_CLOCK)
		return (now ^ ptid ^ ntid) == 0;
	d = this_cpu();
	if (ptid) {
		__u32 pstate = preempt ? TASK_RUNNING : task_state_btf(prev);

		s = slot_of(ptid);
		/* Queued, yet leaving a CPU: it got there unseen (unseen_switch_in). */
		if (s && s->tid == ptid && s->queued_ns && s->start_ns)
			unseen_switch_in(d, prev, s, now);
		if (pstate == TASK_RUNNING) {
			pst = SDR_PREV_RUNNABLE;
			if (s) {
				slot_claim(s, ptid);
				s->start_ns = now;
				s->queued_ns = now;
				s->migrated_ns = 0;
			}
		} else if (pstate & TASK_DEAD) {
			pst = SDR_PREV_DEAD;
			exit = task_dead(d, prev, now);
		} else {
			pst = SDR_PREV_SLEEP;
		}
	}
	if (ntid) {
		s = slot_of(ntid);
		if (s && s->tid == ntid) {
			start = s->start_ns;
			queued = s->queued_ns;
			migrated = s->migrated_ns;
			land = s->landing;
			fresh = s->fresh;
			s->start_ns = 0;
			s->queued_ns = 0;
			s->migrated_ns = 0;
			s->landing = 0;
			s->fresh = 0;
			/*
			 * The task iterator never visits PID 1's threads on some
			 * kernels (6.18 here): userspace reads them by pidfd, from
			 * their named state. Named once per slot claim, so the
			 * storage lookup happens once per such thread; tgid sits
			 * beside pid, so the test costs no cache miss.
			 */
			if (!s->named && next->tgid == 1) {
				s->named = 1;
				if (!state_of(next))
					storage_failed(d, next);
			}
		}
	}
	if (SDR_BENCH_CUT == SDR_CUT_SLOTS)
		return start == now;
	b = bpf_map_lookup_elem(&switch_buf, &zero);
	if (!b)
		return 0;
	/* A new task's start names it for userspace (its first run only). */
	it = item_append(b, now, ptid, pst, ntid, land,
			 fresh | (exit & EXIT_STAGED ? SDR_ITEM_PREV_EXIT : 0),
			 fresh ? (__u32)next->start_time : 0);
	if (SDR_BENCH_CUT == SDR_CUT_ITEM)
		return 0;
	if (start)
		wait_ends(d, next, it, now, start, queued, migrated);
	if (SDR_BENCH_CUT == SDR_CUT_WAIT)
		return 0;
	if (b->nr >= SDR_SWITCHES_PER_REC || (exit & EXIT_FULL))
		ship_switches(d, b, now);
	return 0;
}

/* ---- NUMA balancing ---- */

static __always_inline __s16 node_of_cpu(__s32 cpu)
{
	return cpu >= 0 && cpu < SDR_MAX_CPUS && cpu < nr_cpus ? cpu_node[cpu] : -1;
}

static __always_inline void on_numa(struct task_struct *p, __s32 src_cpu, struct task_struct *other,
				    __s32 dst_cpu, enum sdr_numa_kind kind)
{
	struct sdr_cpu_data *d = this_cpu();
	struct sdr_task_state *ts = state_of(p);
	struct sdr_rec_numa *rec;

	if (!ts) {
		storage_failed(d, p);
		return;
	}
	if (!state_wanted(p, ts))
		return;
	/* The five numa_* counters follow enum sdr_numa_kind's order. */
	if (kind < SDR_NUMA_NR) {
		stat_inc(d, SDR_STAT_numa_move + kind);
		ts->counted = 1;
		ts->counts.numa[kind]++;
	}
	/*
	 * The migration this decision causes comes shortly, maybe after a
	 * sleep: remember where to, so only that move is called numa.
	 */
	if (kind == SDR_NUMA_MOVE || kind == SDR_NUMA_SWAP) {
		ts->numa_pending_ns = bpf_ktime_get_ns();
		ts->numa_dst_cpu = dst_cpu;
	}
	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		stat_inc(d, SDR_STAT_ringbuf);
		return;
	}
	fill_hdr(&rec->hdr, SDR_REC_NUMA, sizeof(*rec), bpf_ktime_get_ns());
	rec->task = ts->id;
	rec->other_tid = other ? BPF_CORE_READ(other, pid) : 0;
	rec->src_cpu = src_cpu;
	rec->dst_cpu = dst_cpu;
	rec->src_node = node_of_cpu(src_cpu);
	rec->dst_node = node_of_cpu(dst_cpu);
	rec->kind = kind;
	__builtin_memset(rec->pad, 0, sizeof(rec->pad));
	submit(rec);
	stat_inc(d, SDR_STAT_records);
}

SEC("tp_btf/sched_move_numa")
int BPF_PROG(sdr_move_numa, struct task_struct *p, int src_cpu, int dst_cpu)
{
	on_numa(p, src_cpu, NULL, dst_cpu, SDR_NUMA_MOVE);
	return 0;
}

/* Both tasks of a swap move: each is marked, each gets a record. */
SEC("tp_btf/sched_swap_numa")
int BPF_PROG(sdr_swap_numa, struct task_struct *src, int src_cpu, struct task_struct *dst,
	     int dst_cpu)
{
	on_numa(src, src_cpu, dst, dst_cpu, SDR_NUMA_SWAP);
	if (dst)
		on_numa(dst, dst_cpu, src, src_cpu, SDR_NUMA_SWAP);
	return 0;
}

/*
 * The kernel gives no reason, but its three call sites differ: no best CPU
 * (dst_cpu -1), a refused move (no partner task), a refused swap.
 */
SEC("tp_btf/sched_stick_numa")
int BPF_PROG(sdr_stick_numa, struct task_struct *p, int src_cpu, struct task_struct *dst,
	     int dst_cpu)
{
	enum sdr_numa_kind kind = dst_cpu < 0 ? SDR_NUMA_STICK_NO_TARGET :
				  !dst	      ? SDR_NUMA_STICK_MOVE_FAILED :
						SDR_NUMA_STICK_SWAP_FAILED;

	on_numa(p, src_cpu, dst, dst_cpu, kind);
	return 0;
}

/* ---- task lifetime ---- */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sdr_exec, struct task_struct *p)
{
	struct sdr_task_state *ts = bpf_task_storage_get(&tasks, p, NULL, 0);

	/*
	 * Renamed here (comm is already the new one), not at its next switch:
	 * the iterator and the exit skip an unnamed task, and a task that runs
	 * on after exec without a switch would be missing from a snapshot,
	 * which the daemon takes for a task gone without an exit record.
	 */
	if (ts && (ts->flags & SDR_TS_NAMED)) {
		task_id_of(p, &ts->id);
		ts->flags &= ~SDR_TS_CHECKED;
	}
	return 0;
}

/*
 * prctl(PR_SET_NAME), a write to /proc/PID/task/TID/comm
 * (pthread_setname_np) and exec all rename a task through
 * __set_task_comm(), which fires this before it copies the new name in. The
 * state takes the new name, so every later record names the task by it and
 * the --comm filter is decided again (the hot paths only test a flag).
 * Renames are rare: nothing is added to the per-event programs.
 */
SEC("tp_btf/task_rename")
int BPF_PROG(sdr_rename, struct task_struct *p, const char *comm)
{
	struct sdr_task_state *ts = bpf_task_storage_get(&tasks, p, NULL, 0);

	if (ts && (ts->flags & SDR_TS_NAMED)) {
		bpf_probe_read_kernel_str(ts->id.comm, sizeof(ts->id.comm), comm);
		ts->flags &= ~SDR_TS_CHECKED;
	}
	return 0;
}

/* A scratch record per CPU: a whole live record is too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_rec_exit);
} live_scratch SEC(".maps");

/*
 * Userspace reads this iterator to get every live task's totals: the
 * kernel's part, in sdr_rec_exit's layout, brief for a task whose state
 * counted nothing (SDR_REC_LIVE_BRIEF_SIZE), mid for one that never
 * changed node (SDR_REC_LIVE_MID_SIZE); userspace adds the waits.
 */
SEC("iter/task")
int sdr_task_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *p = ctx->task;
	struct sdr_task_state *ts;
	struct sdr_rec_exit *rec;
	__u32 zero = 0;
	__u64 base = 0;
	__u16 size;

	if (!p)
		return 0;
	/*
	 * Every task that ran since the attach (its run time passed the base
	 * userspace primed it with; a task born since has base 0), with state
	 * or without. Exited: sent already; without state, a task whose exit
	 * has begun is left to its exit record.
	 */
	ts = bpf_task_storage_get(&tasks, p, NULL, 0);
	if (ts) {
		if ((ts->flags & SDR_TS_EXITED) || !state_wanted(p, ts))
			return 0;
		base = ts->runtime_base;
	} else {
		if (p->exit_state)
			return 0;
		if (filter_tgid || filter_comm) {
			struct sdr_task_id id;

			task_id_of(p, &id);
			if (!id_wanted(&id))
				return 0;
		}
	}
	if (task_runtime_btf(p) <= base)
		return 0;
	rec = bpf_map_lookup_elem(&live_scratch, &zero);
	if (!rec)
		return 0;
	task_id_btf(p, &rec->task);
	size = kernel_totals(rec, p, ts, true);
	/* Userspace stamps it as it reads: a clock read here would cost 80-245 ns a task. */
	fill_hdr(&rec->hdr, SDR_REC_TASK_LIVE, size, 0);
	bpf_seq_write(ctx->meta->seq, rec, size);
	return 0;
}
