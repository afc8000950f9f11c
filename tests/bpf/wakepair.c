// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wakepair: a sleeper woken at a steady rate, first from another CPU, then
 * from its own CPU.
 *
 *   wakepair [-n WAKES_A] [-m WAKES_B] [-i INTERVAL_US] [-b BUSY_US] [-s CPU] [-w CPU]
 *
 * Two sleeper threads block in read() on a pipe each: sleeper A pinned to
 * the sleeper CPU (-s, default 0), sleeper B pinned to the waker CPU (-w,
 * default 1), where the main thread, the waker, is pinned too. It prints
 * "ready PID TID_A TID_B" and waits for a line on stdin (so recorders can
 * attach first), then prints "go T_GO" and:
 *
 *   phase 1 (cross CPU): WAKES_A times, sleep INTERVAL_US and write a byte
 *   to A's pipe. A runs alone on its own CPU, so its wait is mostly the
 *   delivery of the wakeup to that CPU (sched_waking here, sched_wakeup
 *   there after the IPI or the idle loop's poll) and a short queueing;
 *
 *   phase 2 (same CPU): WAKES_B times, sleep INTERVAL_US, write a byte to
 *   B's pipe and keep the CPU busy for BUSY_US before sleeping again. B is
 *   queued at once on the waker's own run queue (no delivery to speak of)
 *   and waits there until the waker sleeps: the sleepers run SCHED_BATCH,
 *   which never preempts a running task on wakeup, so B's wait is BUSY_US
 *   of queueing, give or take a tick.
 *
 * Once both sleepers have read every byte and blocked again, it prints
 * "done WAKES_A WAKES_B MERGED_A MERGED_B PREEMPTED_A PREEMPTED_B T_END"
 * and exits at the next line or end of stdin. T_GO and T_END are
 * CLOCK_MONOTONIC in ns; between them the sleepers have no other wait, and
 * outside them they are blocked (thread start and exit lie outside).
 * MERGED counts bytes a sleeper found already waiting when it read (a wake
 * that found it still running made no wait: 0 at a sane interval),
 * PREEMPTED its involuntary context switches between T_GO and T_END (each
 * is a run-queue wait that began at a preemption, not at a wakeup).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

struct sleeper {
	int cpu;
	int wakes;
	int pipe[2];
	volatile long tid;
	volatile long got;
	volatile long merged;
	pthread_t thread;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A sleeper's involuntary context switches so far (from /proc: no cost to it). */
static long preemptions(const struct sleeper *s)
{
	char path[64], buf[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", s->tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "nonvoluntary_ctxt_switches:", 27))
			n = strtol(buf + 27, NULL, 10);
	fclose(f);
	return n;
}

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct sched_param sp = { 0 };
	char buf[64];
	ssize_t r;

	workload_pin(s->cpu);
	/* Wakeup preemption is for SCHED_NORMAL wakees only: B must queue. */
	if (sched_setscheduler(0, SCHED_BATCH, &sp)) {
		fprintf(stderr, "wakepair: failed to set SCHED_BATCH: %s\n", strerror(errno));
		exit(1);
	}
	s->tid = syscall(SYS_gettid);
	for (;;) {
		r = read(s->pipe[0], buf, sizeof(buf));
		if (r <= 0)
			exit(1);
		s->merged += r - 1;
		s->got += r;
	}
	return NULL;
}

/* Wakes s WAKES times; returns once it has read every byte. */
static void wake(struct sleeper *s, int interval_us, int busy_us)
{
	unsigned long long until;
	char b = 'x';
	int i;

	for (i = 0; i < s->wakes; i++) {
		usleep(interval_us);
		if (write(s->pipe[1], &b, 1) != 1)
			exit(1);
		until = now_ns() + busy_us * 1000ull;
		while (busy_us && now_ns() < until)
			;
	}
	while (s->got < s->wakes)
		usleep(1000);
}

int main(int argc, char **argv)
{
	struct sleeper a = { .cpu = 0, .wakes = 1500 }, b = { .cpu = 1, .wakes = 1000 };
	int interval_us = 2000, busy_us = 50, ncpu, opt;
	long pa, pb;
	char line[64];

	while ((opt = getopt(argc, argv, "n:m:i:b:s:w:")) != -1) {
		switch (opt) {
		case 'n': a.wakes = workload_int(optarg, "WAKES_A", 10000000); break;
		case 'm': b.wakes = workload_int(optarg, "WAKES_B", 10000000); break;
		case 'i': interval_us = workload_int(optarg, "INTERVAL_US", 10000000); break;
		case 'b': busy_us = workload_int(optarg, "BUSY_US", 10000000); break;
		case 's': a.cpu = workload_int(optarg, "sleeper CPU", 10000000); break;
		case 'w': b.cpu = workload_int(optarg, "waker CPU", 10000000); break;
		default:
			fprintf(stderr, "usage: wakepair [-n WAKES_A] [-m WAKES_B] [-i INTERVAL_US] "
					"[-b BUSY_US] [-s CPU] [-w CPU]\n");
			return 2;
		}
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (a.wakes < 1 || b.wakes < 1 || a.cpu == b.cpu || a.cpu >= ncpu || b.cpu >= ncpu) {
		fprintf(stderr, "wakepair: needs WAKES >= 1 and two different online CPUs\n");
		return 2;
	}
	if (pipe(a.pipe) || pipe(b.pipe))
		return 1;
	workload_pin(b.cpu);
	pthread_create(&a.thread, NULL, sleeper_main, &a);
	pthread_create(&b.thread, NULL, sleeper_main, &b);
	while (!a.tid || !b.tid)
		usleep(1000);
	usleep(20000); /* let both block in read() */
	printf("ready %d %ld %ld\n", getpid(), a.tid, b.tid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	pa = preemptions(&a);
	pb = preemptions(&b);
	printf("go %llu\n", now_ns());
	fflush(stdout);
	wake(&a, interval_us, 0);
	wake(&b, interval_us, busy_us);
	usleep(20000); /* both are back in read() for good */
	printf("done %d %d %ld %ld %ld %ld %llu\n", a.wakes, b.wakes, a.merged, b.merged,
	       preemptions(&a) - pa, preemptions(&b) - pb, now_ns());
	fflush(stdout);
	fgets(line, sizeof(line), stdin);
	return 0;
}
