// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkstorm: forks short-lived children until the pid space has wrapped a
 * given number of times, each child doing a known amount of work, so a
 * tracer can be checked for tasks merged with a later task of the same tid.
 *
 *   forkstorm [-w WRAPS] [-j PARALLEL] [-m MAX_FORKS] [-a CPU_A] [-b CPU_B] [-c COMM]
 *
 * The parent pins itself to CPU_A, so every child starts there (a child
 * inherits the affinity and wake_up_new_task() places it on an allowed
 * CPU: no fork migration). Child number k (from 0) then moves itself
 * B, A, B, ... exactly 1 + k % 4 times with sched_setaffinity and exits;
 * pinned to one CPU at every moment, it can be migrated by nothing else,
 * so its migration count is exactly that number. With -c, each child
 * names itself COMM first (prctl), so a tracer's records of it can be told
 * from other tasks of the machine. At most PARALLEL (default 4) children
 * live at once.
 *
 * Output, one line each: "c K PID MOVES" per child forked; when a child's
 * pid is lower than the one before (the pid space wrapped), "wrap W FORKS"
 * is printed once every child so far has been reaped, and the storm waits
 * for a line on stdin before going on, so the caller can look at the
 * tracer at each wrap. After
 * WRAPS wraps (default 3) it prints "done FORKS" once every child has been
 * reaped. Exit 1 if MAX_FORKS (default 1000000) children were forked
 * without that many wraps, or fork() fails (EAGAIN, no free pid, only
 * after 10 s of retries).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static void child(int moves, int cpu_a, int cpu_b, const char *comm)
{
	int i;

	if (comm && prctl(PR_SET_NAME, comm))
		_exit(1);
	for (i = 0; i < moves; i++)
		workload_pin(i % 2 ? cpu_a : cpu_b);
	_exit(0);
}

/* Reap one child (blocking); exit 1 if it failed. */
static void reap(void)
{
	int status;

	if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "forkstorm: a child failed (status %d)\n", status);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int wraps = 3, parallel = 4, cpu_a = 0, cpu_b = 1, opt, live = 0, wrapped = 0, tries;
	long max_forks = 1000000, k;
	pid_t pid, last = 0;
	const char *comm = NULL;
	char line[16];

	while ((opt = getopt(argc, argv, "w:j:m:a:b:c:")) != -1) {
		switch (opt) {
		case 'w': wraps = workload_int(optarg, "wrap count", 1000); break;
		case 'j': parallel = workload_int(optarg, "parallel count", 1000); break;
		case 'm': max_forks = workload_int(optarg, "fork count", 100000000); break;
		case 'a': cpu_a = workload_int(optarg, "CPU", 1000000); break;
		case 'b': cpu_b = workload_int(optarg, "CPU", 1000000); break;
		case 'c': comm = optarg; break;
		default:
			fprintf(stderr, "usage: forkstorm [-w WRAPS] [-j PARALLEL] [-m MAX_FORKS] "
					"[-a CPU_A] [-b CPU_B] [-c COMM]\n");
			return 2;
		}
	}
	if (cpu_a == cpu_b || !parallel) {
		fprintf(stderr, "forkstorm: CPU_A and CPU_B must differ, PARALLEL be > 0\n");
		return 2;
	}
	workload_pin(cpu_a);
	for (k = 0; k < max_forks && wrapped < wraps; k++) {
		if (live == parallel) {
			reap();
			live--;
		}
		/*
		 * With pid_max low, the rest of the machine may hold every free
		 * pid for a moment: wait for some to come back (up to 10 s).
		 */
		for (tries = 0; (pid = fork()) < 0 && errno == EAGAIN && tries < 1000; tries++) {
			for (; live; live--)
				reap();
			usleep(10000);
		}
		if (pid < 0) {
			fprintf(stderr, "forkstorm: fork %ld: %s\n", k, strerror(errno));
			return 1;
		}
		if (!pid)
			child(1 + k % 4, cpu_a, cpu_b, comm);
		live++;
		printf("c %ld %d %ld\n", k, pid, 1 + k % 4);
		if (pid < last) {
			/* Every child so far has exited before the caller looks. */
			for (; live; live--)
				reap();
			wrapped++;
			printf("wrap %d %ld\n", wrapped, k + 1);
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin))
				return 0;
		}
		last = pid;
	}
	while (live--)
		reap();
	if (wrapped < wraps) {
		fprintf(stderr, "forkstorm: %ld forks, only %d wraps\n", k, wrapped);
		return 1;
	}
	printf("done %ld\n", k);
	fflush(stdout);
	return 0;
}
