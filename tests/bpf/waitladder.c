// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitladder: run-queue waits of lengths chosen in advance, for tests of
 * a threshold (--min-lat).
 *
 *   waitladder CPU COUNT US...
 *
 * A waker and a sleeper thread, both pinned to CPU and both SCHED_FIFO,
 * the waker at priority 20 above the sleeper's 10. For each US, COUNT
 * times: the waker writes a byte to the sleeper's pipe (the sleeper is
 * woken, and queued behind it), spins for US microseconds, then blocks
 * reading the sleeper's answer, and only then does the sleeper run. So
 * each of the sleeper's waits is US plus the few microseconds of a pipe
 * write and a switch; nothing in SCHED_OTHER can cut in, whatever the
 * load. Between two wakes the waker sleeps 1 ms, leaving the CPU to others.
 *
 * It prints "ready PID SLEEPER_TID", waits for a line on stdin (so that
 * a recorder can attach first), makes the waits, prints "done N" (the
 * waits made) and exits.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

#define MAX_STEPS 16

static int cpu;
static int to_sleeper[2], to_waker[2];
static volatile long sleeper_tid;

static void set_fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("waitladder: SCHED_FIFO");
		exit(1);
	}
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void *sleeper(void *arg)
{
	char c;

	(void)arg;
	workload_pin(cpu);
	set_fifo(10);
	sleeper_tid = syscall(SYS_gettid);
	while (read(to_sleeper[0], &c, 1) == 1) {
		if (c == 'q')
			break;
		if (write(to_waker[1], &c, 1) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec gap = { 0, 1000 * 1000 };
	unsigned long long end;
	long us[MAX_STEPS];
	int count, steps, i, j, n = 0;
	char line[16], c = 'w';
	pthread_t t;

	if (argc < 4 || argc - 3 > MAX_STEPS) {
		fprintf(stderr, "usage: waitladder CPU COUNT US... (at most %d)\n", MAX_STEPS);
		return 2;
	}
	cpu = workload_int(argv[1], "CPU", 4095);
	count = workload_int(argv[2], "COUNT", 100000);
	steps = argc - 3;
	for (i = 0; i < steps; i++)
		us[i] = workload_int(argv[3 + i], "US", 10000000);
	if (pipe(to_sleeper) || pipe(to_waker)) {
		perror("waitladder: pipe");
		return 1;
	}
	workload_pin(cpu);
	if (pthread_create(&t, NULL, sleeper, NULL)) {
		fprintf(stderr, "waitladder: no thread\n");
		return 1;
	}
	while (!sleeper_tid)
		usleep(1000);
	set_fifo(20);
	printf("ready %d %ld\n", getpid(), sleeper_tid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < steps; i++) {
		for (j = 0; j < count; j++) {
			if (write(to_sleeper[1], &c, 1) != 1)
				return 1;
			end = now_ns() + us[i] * 1000ull;
			while (now_ns() < end)
				;
			if (read(to_waker[0], &c, 1) != 1)
				return 1;
			n++;
			nanosleep(&gap, NULL);
		}
	}
	c = 'q';
	if (write(to_sleeper[1], &c, 1) != 1)
		return 1;
	pthread_join(t, NULL);
	printf("done %d\n", n);
	return 0;
}
