// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * manytasks: keeps N live threads that each get scheduled periodically, so a
 * daemon has N tasks to track every interval.
 *
 *   manytasks [-n THREADS] [-p PERIOD_MS] [-s STACK_KIB]
 *
 * Each thread sleeps PERIOD_MS (default 2000) in a loop, its first sleep
 * offset by its index so the wakeups are spread over the period rather than
 * bunched. Stacks are carved out of one mapping (STACK_KIB each, default
 * 16) instead of one mapping and guard page per thread, which would take
 * two of vm.max_map_count's 65530 mappings per thread. Prints "ready PID N"
 * once every thread exists and has run, then waits until stdin ends (or a
 * signal) and exits with all threads. Exit 1 when a thread cannot be made
 * (the count reached is named: threads-max, pid_max or memory).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static long period_ms = 2000;
static int nr_threads = 1000;
static atomic_int started;

static void *sleeper(void *arg)
{
	long idx = (long)arg;
	long first = period_ms * (idx % 1000) / 1000;
	struct timespec ts = { first / 1000, (first % 1000) * 1000000L };

	atomic_fetch_add(&started, 1);
	for (;;) {
		nanosleep(&ts, NULL);
		ts.tv_sec = period_ms / 1000;
		ts.tv_nsec = (period_ms % 1000) * 1000000L;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	size_t stack = 16 << 10;
	pthread_attr_t attr;
	pthread_t th;
	char line[16];
	char *stacks;
	int opt, err;
	long i;

	while ((opt = getopt(argc, argv, "n:p:s:")) != -1) {
		switch (opt) {
		case 'n': nr_threads = workload_int(optarg, "thread count", 4000000); break;
		case 'p': period_ms = workload_int(optarg, "period", 3600000); break;
		case 's': stack = (size_t)workload_int(optarg, "stack size", 1 << 20) << 10; break;
		default:
			fprintf(stderr, "usage: manytasks [-n THREADS] [-p PERIOD_MS] [-s STACK_KIB]\n");
			return 2;
		}
	}
	if (stack < 16 << 10 || !period_ms) {
		fprintf(stderr, "manytasks: stack must be >= 16 KiB and the period > 0\n");
		return 2;
	}
	stacks = mmap(NULL, stack * nr_threads, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (stacks == MAP_FAILED) {
		fprintf(stderr, "manytasks: no memory for %d stacks: %s\n", nr_threads,
			strerror(errno));
		return 1;
	}
	pthread_attr_init(&attr);
	for (i = 0; i < nr_threads; i++) {
		pthread_attr_setstack(&attr, stacks + i * stack, stack);
		err = pthread_create(&th, &attr, sleeper, (void *)i);
		if (err) {
			fprintf(stderr, "manytasks: thread %ld of %d: %s\n", i + 1, nr_threads,
				strerror(err));
			return 1;
		}
	}
	while (atomic_load(&started) < nr_threads)
		usleep(10000);
	printf("ready %d %d\n", getpid(), nr_threads);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
