// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Brackets: how long another tool's programs on the hot scheduler
 * tracepoints take, call by call (tests/bench/bracket.sh).
 *
 * A tracepoint runs its attached programs in the order they were attached.
 * bracket attaches bk_before_* first, then the tool under test attaches its
 * own, then bracket attaches bk_after_*. Each after-program takes the time
 * since its before-program on the same CPU and adds it to a histogram: the
 * tool's programs plus one clock read and two program dispatches, which a
 * run with no tool in between measures alone. These hooks run with
 * interrupts off (rq lock, pi_lock), so a CPU's before/after pair cannot
 * interleave with another call of the same hook.
 *
 * Each sched_switch call is also classified: did the tool's batch (its
 * per-CPU `switch_buf`, or an older build's `wait_buf`, shared here by map
 * fd) ship in this call,
 * is this the first switch-in of its task since counting began (where
 * the tool allocates the task's storage), and is it prev's last switch
 * (prev is TASK_DEAD: schedrift sends the task's exit from there, so the
 * dead class's cost beyond a plain switch is its exit's cost)?
 * sched_process_exec is bracketed too: schedrift's sdr_exec, the control
 * for a cold, rare hook, measured the same way in the same run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "schedrift.h"
#include "bracket.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace once the warm-up is over: before that, nothing is counted. */
volatile __u32 counting;

/* When each hook's before-program ran on this CPU; 0 = no pair open. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BK_HOOK_NR);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BK_HOOK_NR * BK_KIND_NR);
	__type(key, __u32);
	__type(value, struct bk_hist);
} hists SEC(".maps");

/* Builds before the switch stream shipped waits in this shape (SDR_REC_WAITS). */
struct sdr_rec_waits_old {
	struct sdr_rec_hdr hdr;
	__u32 nr;
	__u32 pad;
	struct {
		__u64 end_ns, wait_ns, delivery_ns;
		__u32 tid;
		__u8 landing, pad[3];
	} w[32];
};

/* The tool's own batch map when it has one (reused by fd), else a stand-in. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_rec_waits_old);
} wait_buf SEC(".maps");

/* The same for builds that stream switches (issue 23's second slice). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sdr_rec_switches);
} switch_buf SEC(".maps");

/* Set by userspace when the tool's map is switch_buf. */
volatile __u32 use_switch_buf;

/* The batch fill seen by this CPU's last after-switch. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last_nr SEC(".maps");

/* Tasks whose switch-in was seen since counting began. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} seen SEC(".maps");

/* include/linux/sched.h's TASK_DEAD (not in BTF: a macro). */
#define TASK_DEAD_BK 0x80

static __always_inline void before(__u32 hook)
{
	__u64 *t = bpf_map_lookup_elem(&starts, &hook);

	if (t)
		*t = bpf_ktime_get_ns();
}

/* The time since before(hook) on this CPU, or 0 when none is open. */
static __always_inline __u64 since(__u32 hook)
{
	__u64 now = bpf_ktime_get_ns(), *t = bpf_map_lookup_elem(&starts, &hook), d;

	if (!t || !*t)
		return 0;
	d = now - *t;
	*t = 0;
	return d;
}

/* floor(log2(v)) for v > 0; BPF has no count-leading-zeros instruction. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1)
		r += 1;
	return r;
}

static __always_inline void count(__u32 hook, __u32 kind, __u64 d)
{
	__u32 key = hook * BK_KIND_NR + kind, b;
	struct bk_hist *h;

	if (!counting || !d)
		return;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h)
		return;
	if (d < BK_LINEAR * BK_LINEAR_NS) {
		b = d / BK_LINEAR_NS;
	} else {
		b = BK_LINEAR + log2_u64(d) - BK_LINEAR_LOG2_END;
		if (b >= BK_BUCKETS)
			b = BK_BUCKETS - 1;
	}
	h->b[b & (BK_BUCKETS_POW2 - 1)]++;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(bk_before_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	before(BK_SWITCH);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(bk_after_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 d = since(BK_SWITCH);
	__u32 zero = 0, kind = BK_PLAIN, *last;
	struct sdr_rec_switches *sb;
	struct sdr_rec_waits_old *b;
	__u32 nr = 0;
	bool have = false;

	/* Classify after the clock read: none of this is in d. */
	if (use_switch_buf) {
		sb = bpf_map_lookup_elem(&switch_buf, &zero);
		if (sb) {
			nr = sb->nr;
			have = true;
		}
	} else {
		b = bpf_map_lookup_elem(&wait_buf, &zero);
		if (b) {
			nr = b->nr;
			have = true;
		}
	}
	last = bpf_map_lookup_elem(&last_nr, &zero);
	if (have && last) {
		if (nr < *last)
			kind = BK_FLUSH;
		*last = nr;
	}
	if (counting && next->pid &&
	    !bpf_task_storage_get(&seen, next, NULL, 0)) {
		bpf_task_storage_get(&seen, next, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (kind == BK_PLAIN)
			kind = BK_FIRST;
	}
	if (prev->__state & TASK_DEAD_BK)
		kind = BK_DEAD;
	count(BK_SWITCH, kind, d);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(bk_before_waking, struct task_struct *p)
{
	before(BK_WAKING);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(bk_after_waking, struct task_struct *p)
{
	count(BK_WAKING, BK_PLAIN, since(BK_WAKING));
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(bk_before_wakeup, struct task_struct *p)
{
	before(BK_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(bk_after_wakeup, struct task_struct *p)
{
	count(BK_WAKEUP, BK_PLAIN, since(BK_WAKEUP));
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(bk_before_wakeup_new, struct task_struct *p)
{
	before(BK_WAKEUP_NEW);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(bk_after_wakeup_new, struct task_struct *p)
{
	count(BK_WAKEUP_NEW, BK_PLAIN, since(BK_WAKEUP_NEW));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bk_before_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	before(BK_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bk_after_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	count(BK_EXEC, BK_PLAIN, since(BK_EXEC));
	return 0;
}
