// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "host/cpu_reserve.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif
#ifndef SCHED_FLAG_RECLAIM
#define SCHED_FLAG_RECLAIM 0x02
#endif

/* glibc 2.36 has no wrapper; the layout is the kernel's (sched_setattr(2)). */
struct sched_attr_v1 {
	__u32 size;
	__u32 sched_policy;
	__u64 sched_flags;
	__s32 sched_nice;
	__u32 sched_priority;
	__u64 sched_runtime;
	__u64 sched_deadline;
	__u64 sched_period;
};

int cpu_reserve__apply(__u64 runtime_ns, __u64 period_ns, int reclaim)
{
	struct sched_attr_v1 a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = SCHED_DEADLINE;
	a.sched_flags = SCHED_FLAG_RESET_ON_FORK | (reclaim ? SCHED_FLAG_RECLAIM : 0);
	a.sched_runtime = runtime_ns;
	a.sched_deadline = period_ns;
	a.sched_period = period_ns;
	if (!syscall(SYS_sched_setattr, 0, &a, 0))
		return 0;
	if (errno != EINVAL || !reclaim)
		return -errno;
	/* A kernel before 4.13 knows no SCHED_FLAG_RECLAIM: the reservation alone. */
	a.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	return syscall(SYS_sched_setattr, 0, &a, 0) ? -errno : 0;
}

const char *cpu_reserve__why(int err)
{
	switch (err) {
	case -EPERM:
		return "not permitted (it needs CAP_SYS_NICE, no RestrictRealtime= in a systemd unit, "
		       "and a CPU affinity of every CPU)";
	case -EBUSY:
		return "the kernel's SCHED_DEADLINE bandwidth is taken";
	case -ENOSYS:
	case -EINVAL:
		return "this kernel has no SCHED_DEADLINE";
	default:
		return strerror(-err);
	}
}
