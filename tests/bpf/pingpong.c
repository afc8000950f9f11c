// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pingpong: two threads that hand one CPU to each other a known number of
 * times, and nothing else runs there meanwhile.
 *
 *   pingpong [-n ROUNDS] [-c CPU]
 *
 * Threads A (the main thread) and B are pinned to CPU (default 1) and run
 * SCHED_FIFO at priority 1, so no ordinary task can take the CPU while
 * either is runnable. It prints "ready PID TID_A TID_B CPU" and waits for a
 * line on stdin (so a recorder can attach first); then A reads the clock
 * (T_GO) and ROUNDS times writes a byte to B's pipe and reads one from its
 * own, while B reads a byte and writes one back. A FIFO task does not
 * preempt another of the same priority, so each byte only queues its
 * reader, which gets the CPU when the writer blocks on its next read:
 * between T_GO and T_END (A's clock after its last read) the CPU switches
 * exactly A -> B, B -> A, ... ROUNDS times each, every switch ending a
 * wait of the task it runs (B's final write is followed by its block on a
 * third pipe, which hands the CPU back to A). It prints
 * "done T_GO T_END" and exits at the next line or end of stdin.
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

static int to_a[2], to_b[2], quit[2], rounds = 1000, cpu = 1;
static volatile pid_t tid_b;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fifo(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("SCHED_FIFO");
}

static void *run_b(void *arg)
{
	char c;
	int i;

	(void)arg;
	workload_pin(cpu);
	fifo();
	tid_b = syscall(SYS_gettid);
	for (i = 0; i < rounds; i++) {
		if (read(to_b[0], &c, 1) != 1)
			die("B read");
		if (write(to_a[1], &c, 1) != 1)
			die("B write");
	}
	if (read(quit[0], &c, 1) < 0)
		die("B quit");
	return NULL;
}

int main(int argc, char **argv)
{
	char line[64], c = 'x';
	long long t_go, t_end;
	pthread_t b;
	int opt, i;

	while ((opt = getopt(argc, argv, "n:c:")) != -1) {
		switch (opt) {
		case 'n': rounds = workload_int(optarg, "round count", 10000000); break;
		case 'c': cpu = workload_int(optarg, "CPU", 1000000); break;
		default:
			fprintf(stderr, "usage: pingpong [-n ROUNDS] [-c CPU]\n");
			return 2;
		}
	}
	if (pipe(to_a) || pipe(to_b) || pipe(quit))
		die("pipe");
	workload_pin(cpu);
	if (pthread_create(&b, NULL, run_b, NULL))
		die("pthread_create");
	while (!tid_b)
		usleep(1000);
	/* Let B reach its first read before the go. */
	usleep(20000);
	fifo();
	printf("ready %d %ld %d %d\n", getpid(), syscall(SYS_gettid), tid_b, cpu);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t_go = now_ns();
	for (i = 0; i < rounds; i++) {
		if (write(to_b[1], &c, 1) != 1)
			die("A write");
		if (read(to_a[0], &c, 1) != 1)
			die("A read");
	}
	t_end = now_ns();
	printf("done %lld %lld\n", t_go, t_end);
	fflush(stdout);
	if (write(quit[1], &c, 1) != 1)
		die("quit");
	pthread_join(b, NULL);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return 0;
}
