// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * premig: makes the kernel migrate a thread while it waits on a run queue,
 * a known number of times, so the part of a wait spent on the CPU it left
 * (issue 24, "the wait before a migration") can be checked against perf.
 *
 *   premig [-n MOVES] [-s SLEEP_US]
 *
 * Three threads: a hog spinning on CPU 1; a victim, SCHED_IDLE and pinned
 * to CPU 1 too, that sleeps SLEEP_US and wakes again, so each wakeup
 * queues it behind the hog (a SCHED_IDLE task does not preempt a normal
 * one), where it would wait for a long time; and this thread, on CPU 0,
 * which watches the victim and, once it is runnable and not running,
 * widens its affinity to CPU 0 alone. The kernel then moves the queued
 * victim to CPU 0 (sched_migrate_task, from a CPU it was queued on but
 * never ran on), where it runs at once: that wait is start -> queued on
 * CPU 1 -> migrated -> running on CPU 0. Then the victim goes back to
 * CPU 1 (pinned while asleep, so the next wakeup places it there: a
 * wakeup migration, not queued, no pre-migration part).
 *
 * Prints "ready PID VICTIM_TID", waits for a line on stdin (the victim
 * sleeps on a pipe until then, so none of its waits spans the attach of a
 * tracer started in between), makes MOVES
 * moves of a queued victim and prints "done MOVES TRIES": TRIES counts
 * the affinity changes made, some of which can find the victim already
 * running (the kernel then stops it first; it is still a queued move).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static atomic_int stop;
static atomic_int victim_tid;
/*
 * The victim blocks on this pipe until the go line: a wait of it already
 * running when schedrift attaches would be in perf's events and not in
 * schedrift's (which saw no start), so the two would count different waits.
 */
static int go_pipe[2];
static int sleep_us = 3000;

static void *hog(void *arg)
{
	(void)arg;
	workload_pin(1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		;
	return NULL;
}

static void *victim(void *arg)
{
	struct sched_param sp = { 0 };
	struct timespec ts = { 0, 0 };
	char go;

	(void)arg;
	if (sched_setscheduler(0, SCHED_IDLE, &sp)) {
		perror("premig: SCHED_IDLE");
		exit(1);
	}
	workload_pin(1);
	atomic_store(&victim_tid, (int)syscall(SYS_gettid));
	if (read(go_pipe[0], &go, 1) != 1) {
		perror("premig: go pipe");
		exit(1);
	}
	ts.tv_nsec = sleep_us * 1000L;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		nanosleep(&ts, NULL);
	return NULL;
}

/* The victim's state letter in /proc (R = runnable or running), or 0. */
static char state_of(int tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Only `cpu` may run the victim from now on. */
static void set_cpu(int tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set)) {
		perror("premig: sched_setaffinity");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int moves = 200, opt, done = 0, tries = 0, tid;
	pthread_t th, tv;
	char line[16];

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n': moves = workload_int(optarg, "move count", 100000); break;
		case 's': sleep_us = workload_int(optarg, "sleep", 1000000); break;
		default:
			fprintf(stderr, "usage: premig [-n MOVES] [-s SLEEP_US]\n");
			return 2;
		}
	}
	workload_pin(0);
	if (pipe(go_pipe)) {
		perror("premig: pipe");
		return 1;
	}
	if (pthread_create(&th, NULL, hog, NULL) || pthread_create(&tv, NULL, victim, NULL)) {
		fprintf(stderr, "premig: cannot start threads\n");
		return 1;
	}
	while (!(tid = atomic_load(&victim_tid)))
		usleep(1000);
	/* Asleep on the pipe, not still queued behind the hog on its way there. */
	while (state_of(tid) != 'S')
		usleep(1000);
	printf("ready %d %d\n", getpid(), tid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "premig: no go line on stdin\n");
		return 1;
	}
	if (write(go_pipe[1], "g", 1) != 1) {
		perror("premig: go pipe");
		return 1;
	}
	while (done < moves) {
		/* Let it sleep and wake behind the hog: it waits there for ms. */
		usleep(sleep_us + 1000);
		if (state_of(tid) != 'R')
			continue;
		tries++;
		set_cpu(tid, 0);
		/* It runs on CPU 0 (this CPU is free while we sleep), then sleeps. */
		usleep(500);
		set_cpu(tid, 1);
		done++;
	}
	atomic_store(&stop, 1);
	pthread_join(tv, NULL);
	pthread_join(th, NULL);
	printf("done %d %d\n", done, tries);
	fflush(stdout);
	return 0;
}
