/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A guaranteed slice of CPU for the calling thread: SCHED_DEADLINE with
 * `runtime` every `period`, whatever the load, and never more. Opt-in
 * only (--cpu-reserve): a deadline thread preempts every SCHED_OTHER and
 * SCHED_FIFO task, the waits schedrift measures among them, and at nice
 * -10 the consumers keep up without it (docs/daemon.md, "CPU reservation";
 * docs/performance.md, "Perturbation").
 *
 * Threads and processes the thread creates afterwards go back to
 * SCHED_OTHER (reset-on-fork), so call it after any thread is started.
 */
#ifndef SCHEDRIFT_CPU_RESERVE_H
#define SCHEDRIFT_CPU_RESERVE_H

#include <linux/types.h>

/* The daemon: 2 ms every 10 ms, 20 % of a CPU at most, for as long as it runs. */
#define CPU_RESERVE_RUNTIME_NS 2000000ull
#define CPU_RESERVE_PERIOD_NS 10000000ull
/*
 * record: 5 ms every 10 ms, and reclaiming (SCHED_FLAG_RECLAIM) what other
 * deadline tasks leave unused, so a recorder that has that much to drain
 * is not capped below what it could have had at nice -10. What it takes
 * is set by the event rate (about 0.27 us per wait), for the capture only.
 */
#define CPU_RESERVE_RECORD_RUNTIME_NS 5000000ull
#define CPU_RESERVE_RECORD_PERIOD_NS 10000000ull

/*
 * Returns 0, or -errno: -EPERM without CAP_SYS_NICE (or under systemd's
 * RestrictRealtime=, or when the thread may not run on every CPU),
 * -EBUSY when the kernel's deadline bandwidth is taken, -ENOSYS/-EINVAL
 * on a kernel without SCHED_DEADLINE.
 */
int cpu_reserve__apply(__u64 runtime_ns, __u64 period_ns, int reclaim);
/* One clause saying why a failure happened, for the log. */
const char *cpu_reserve__why(int err);

#endif /* SCHEDRIFT_CPU_RESERVE_H */
