// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The /proc fallback that names an outlier's task (userspace/host/proc_task.h):
 * - a thread of this process, alive at the time asked about, is named with
 *   its comm (set here with prctl) and this process's tgid, start_ns 0;
 * - asked about a time before the thread started (the tid then was another
 *   task's, or nobody's), it refuses with -ESTALE instead of naming the
 *   task that holds the tid now;
 * - a tid with no task is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "host/proc_task.h"

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static __u64 before_ns;
static int thread_err, stale_err;
static struct sdr_task_id thread_id;

static void *named_thread(void *arg)
{
	struct sdr_task_id id;
	__u32 tid = gettid();

	(void)arg;
	prctl(PR_SET_NAME, "sdr-proc-test");
	thread_err = proc_task__id(tid, mono_ns(), &thread_id);
	stale_err = proc_task__id(tid, before_ns, &id);
	return NULL;
}

int main(void)
{
	struct sdr_task_id id;
	pthread_t t;

	/* Two clock ticks (at most 10 ms each) before the thread starts. */
	before_ns = mono_ns();
	usleep(25000);
	CHECK(!pthread_create(&t, NULL, named_thread, NULL));
	pthread_join(t, NULL);
	CHECK(thread_err == 0, "alive thread: %d", thread_err);
	CHECK_STR(thread_id.comm, "sdr-proc-test");
	CHECK_EQ_U64(thread_id.tgid, (__u64)getpid());
	CHECK_EQ_U64(thread_id.start_ns, 0);
	CHECK(stale_err == -ESTALE, "a time before the thread started: %d", stale_err);
	CHECK(proc_task__id(0, mono_ns(), &id) == -EINVAL);
	/* Above the largest pid_max (2^22): never a task. */
	CHECK(proc_task__id(1u << 23, mono_ns(), &id) == -ENOENT);
	return check_summary();
}
