// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waiter: a run-queue wait whose true length the workload measures itself.
 *
 *   waiter [-n WAKES] [-i INTERVAL_US] [-c CPU]
 *
 * A CPU-bound competitor and a sleeper (nice 19) are both pinned to CPU;
 * the waker runs on another CPU. WAKES times, the waker reads the clock and
 * writes a byte to the sleeper's pipe; the sleeper reads the clock as soon
 * as its read() returns, and acknowledges on a second pipe so each wake
 * starts a fresh wait. The sleeper's own view of each wait is
 * t_run - t_wake: the run-queue wait schedrift measures (sched_waking to
 * sched_switch, delivery and queueing) plus a few microseconds of syscall
 * path on both ends.
 *
 * Prints "ready PID SLEEPER_TID", waits for a line on stdin, does the wakes,
 * then prints "wait NS T_WAKE T_RUN" for every wake (its two clock readings,
 * CLOCK_MONOTONIC: the switch that ran the sleeper lies between them) and
 * "done WAKES". A wait's line ends in " disturbed" when the workload's own
 * clock cannot be trusted for it: the waker was preempted (or its write()
 * took over DISTURBED_NS, say the host stole the vCPU) between its clock
 * read and the wakeup, or the sleeper was preempted between its switch-in
 * and its clock read. Such a
 * figure holds time schedrift rightly does not count as this wait.
 *
 * Before each wake the waker waits until the sleeper has really blocked in
 * read(): its voluntary context switch count has grown by one and its
 * state is 'S'. Without that, a nice-19 sleeper preempted by the
 * competitor between its acknowledgement and its next read() is still on
 * the run queue when the byte arrives: its preemption wait (counted, but
 * not the workload's) absorbs the wake, and a wake landing while it is
 * still on the CPU going to sleep makes no wait at all.
 *
 * The last wake comes after the competitor has stopped: it releases the
 * sleeper to exit on a free CPU. Otherwise the competitor could preempt the
 * sleeper on its long way out, a real wait the workload would not see.
 * WAKES counts that last wake too.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static int wakes = 200, interval_us = 2000, cpu = 0;
static int to_sleeper[2], to_waker[2];
static volatile int stop;
static volatile long sleeper_tid;
static unsigned long long *t_wake, *t_run;
static char *disturbed;

/* Longer than any undisturbed pipe write() takes, shorter than test slack. */
#define DISTURBED_NS 50000ull

/* Involuntary context switches of the calling thread so far. */
static long preempted(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

/* The sleeper's voluntary switch count, or -1 if it is not sleeping ('S'). */
static long blocked_switches(void)
{
	char path[64], buf[4096], *p;
	long n = -1;
	int sleeping = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", sleeper_tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, "State:", 6)) {
			for (p = buf + 6; *p == ' ' || *p == '\t'; p++)
				;
			sleeping = *p == 'S';
		} else if (!strncmp(buf, "voluntary_ctxt_switches:", 24)) {
			n = strtol(buf + 24, NULL, 10);
		}
	}
	fclose(f);
	return sleeping ? n : -1;
}

/* Returns once the sleeper has blocked at least WANT times in all. */
static void wait_until_blocked(long want)
{
	while (blocked_switches() < want)
		usleep(50);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void *competitor(void *arg)
{
	workload_pin(cpu);
	while (!stop)
		;
	return NULL;
}

static void *sleeper(void *arg)
{
	char b;
	long before;
	int i;

	workload_pin(cpu);
	/* Low weight: once woken it waits for the competitor's slice to end. */
	setpriority(PRIO_PROCESS, 0, 19);
	sleeper_tid = syscall(SYS_gettid);
	for (i = 0; i < wakes; i++) {
		before = preempted();
		if (read(to_sleeper[0], &b, 1) != 1)
			exit(1);
		t_run[i] = now_ns();
		if (preempted() != before)
			disturbed[i] = 1;
		if (write(to_waker[1], &b, 1) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t comp, sl;
	char line[64], b = 'x';
	unsigned long long written;
	long blocks, before;
	int opt, i;

	while ((opt = getopt(argc, argv, "n:i:c:")) != -1) {
		switch (opt) {
		case 'n': wakes = atoi(optarg); break;
		case 'i': interval_us = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: waiter [-n WAKES] [-i INTERVAL_US] [-c CPU]\n");
			return 2;
		}
	}
	if (wakes < 2 || interval_us < 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "waiter: needs WAKES >= 2 and two CPUs\n");
		return 2;
	}
	t_wake = calloc(wakes, sizeof(*t_wake));
	t_run = calloc(wakes, sizeof(*t_run));
	disturbed = calloc(wakes, 1);
	if (!t_wake || !t_run || !disturbed || pipe(to_sleeper) || pipe(to_waker))
		return 1;
	workload_pin((cpu + 1) % sysconf(_SC_NPROCESSORS_ONLN));
	pthread_create(&comp, NULL, competitor, NULL);
	pthread_create(&sl, NULL, sleeper, NULL);
	while (!sleeper_tid)
		usleep(1000);
	usleep(20000); /* let the sleeper block in read() */
	blocks = blocked_switches();
	if (blocks < 0) {
		fprintf(stderr, "waiter: cannot see the sleeper block in /proc\n");
		return 1;
	}
	printf("ready %d %ld\n", getpid(), sleeper_tid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < wakes; i++) {
		if (i == wakes - 1) {
			stop = 1;
			pthread_join(comp, NULL);
		}
		usleep(interval_us);
		wait_until_blocked(blocks + i);
		before = preempted();
		t_wake[i] = now_ns();
		if (write(to_sleeper[1], &b, 1) != 1)
			return 1;
		written = now_ns();
		if (preempted() != before || written - t_wake[i] > DISTURBED_NS)
			disturbed[i] = 1;
		if (read(to_waker[0], &b, 1) != 1)
			return 1;
	}
	pthread_join(sl, NULL);
	for (i = 0; i < wakes; i++)
		printf("wait %llu %llu %llu%s\n", t_run[i] - t_wake[i], t_wake[i], t_run[i],
		       disturbed[i] ? " disturbed" : "");
	printf("done %d\n", wakes);
	return 0;
}
