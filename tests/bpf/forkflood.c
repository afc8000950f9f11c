// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A fork storm for the flood test (tests/bpf/test_flood): JOBS workers each
 * fork a child that exits at once, and reap it, as fast as they can for
 * SECONDS. Every child makes a sched_process_fork, a sched_wakeup_new
 * (often a fork placement on another CPU), a first switch-in and a
 * sched_process_exit: the task-creation and exit paths of the BPF side at
 * the highest rate this machine gives. Prints "forks N" (children reaped).
 *
 *   forkflood SECONDS [JOBS]   (JOBS default 2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One worker: fork and reap until the deadline; returns the children reaped. */
static unsigned long storm(double deadline)
{
	unsigned long n = 0;
	pid_t pid;

	while (now_s() < deadline) {
		pid = fork();
		if (pid < 0) {
			/* Out of processes for a moment (other work on the machine): try again. */
			usleep(1000);
			continue;
		}
		if (!pid)
			_exit(0);
		if (waitpid(pid, NULL, 0) == pid)
			n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int seconds, jobs = 2, i, fds[2];
	unsigned long total = 0, n;
	double deadline;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: forkflood SECONDS [JOBS]\n");
		return 2;
	}
	seconds = workload_int(argv[1], "SECONDS", 3600);
	if (argc == 3)
		jobs = workload_int(argv[2], "JOBS", 64);
	if (!jobs)
		jobs = 1;
	if (pipe(fds)) {
		perror("forkflood: pipe");
		return 1;
	}
	deadline = now_s() + seconds;
	for (i = 0; i < jobs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("forkflood: fork");
			return 1;
		}
		if (!pid) {
			close(fds[0]);
			n = storm(deadline);
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	while (wait(NULL) > 0)
		;
	printf("forks %lu\n", total);
	return 0;
}
