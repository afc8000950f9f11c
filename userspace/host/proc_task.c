// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A live task's comm and tgid from /proc (proc_task.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/proc_task.h"

/* CLOCK_BOOTTIME less CLOCK_MONOTONIC now: the time the machine was suspended. */
static __u64 suspended_ns(void)
{
	struct timespec m, b;

	if (clock_gettime(CLOCK_MONOTONIC, &m) || clock_gettime(CLOCK_BOOTTIME, &b))
		return 0;
	return (__u64)(b.tv_sec - m.tv_sec) * 1000000000ull + (__u64)b.tv_nsec - (__u64)m.tv_nsec;
}

/*
 * Whether tid's task started after alive_at (CLOCK_MONOTONIC): then it is
 * not the task that was there, but one that took its tid since. stat's
 * starttime is in clock ticks since boot (CLOCK_BOOTTIME), rounded down,
 * so only a task that started in a later tick is told apart.
 */
static int started_after(__u32 tid, __u64 alive_at)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	long hz = sysconf(_SC_CLK_TCK);
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	/* comm may hold spaces and parentheses: the fields go on after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0 ||
	    sscanf(p + 1, " %*c" " %*s %*s %*s %*s %*s %*s %*s %*s %*s" /* fields 4-12 */
			  " %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", /* 13-21, starttime */
		   &start) != 1)
		return -ENOENT;
	return start * (1000000000ull / (unsigned long long)hz) > alive_at + suspended_ns();
}

int proc_task__id(__u32 tid, __u64 alive_at, struct sdr_task_id *id)
{
	char path[64], line[128];
	unsigned long tgid = 0;
	size_t len;
	FILE *f;
	int found = 0, after;

	if (!tid)
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	after = started_after(tid, alive_at);
	if (after)
		return after > 0 ? -ESTALE : after;
	/* /proc/TID is there for any thread, listed or not. */
	snprintf(path, sizeof(path), "/proc/%u/comm", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(id->comm, sizeof(id->comm), f)) {
		fclose(f);
		return -ENOENT;
	}
	fclose(f);
	len = strlen(id->comm);
	if (len && id->comm[len - 1] == '\n')
		id->comm[len - 1] = 0;
	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Tgid: %lu", &tgid) == 1;
	fclose(f);
	if (!found)
		return -ENOENT;
	id->tid = tid;
	id->tgid = tgid;
	return 0;
}
