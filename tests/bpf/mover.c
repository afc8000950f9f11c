// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mover: makes the kernel migrate this thread a known number of times.
 *
 *   mover [-n MOVES] [-a CPU_A] [-b CPU_B] [-k]
 *
 * Pins itself to CPU_A, prints "ready PID TID" and waits for one line on
 * stdin (so the recorder can attach first); then moves itself B, A, B, ...
 * MOVES times with sched_setaffinity and prints "moved MOVES". Because the
 * thread is pinned to exactly one CPU at every moment, the only migrations
 * the kernel can make of it are the MOVES forced by the affinity changes:
 * the initial placement happens before the "go" line, so it is not counted.
 * With -k it keeps going: after each batch it waits for the next line and
 * moves MOVES more times (ending on CPU_A, where it started, when MOVES is
 * even), until stdin ends; a line holding a number N makes that batch N moves.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "workload.h"

int main(int argc, char **argv)
{
	int moves = 10, cpu_a = 0, cpu_b = 1, keep = 0, batch, opt, i, at_b = 0;
	char line[64];

	while ((opt = getopt(argc, argv, "n:a:b:k")) != -1) {
		switch (opt) {
		case 'n': moves = workload_int(optarg, "move count", 1000000); break;
		case 'a': cpu_a = workload_int(optarg, "CPU", 1000000); break;
		case 'b': cpu_b = workload_int(optarg, "CPU", 1000000); break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: mover [-n MOVES] [-a CPU_A] [-b CPU_B] [-k]\n");
			return 2;
		}
	}
	if (cpu_a == cpu_b) {
		fprintf(stderr, "mover: CPU_A and CPU_B must differ\n");
		return 2;
	}

	workload_pin(cpu_a);
	printf("ready %d %ld\n", getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "mover: no go line on stdin\n");
		return 1;
	}
	do {
		batch = line[0] >= '0' && line[0] <= '9' ? workload_int(strtok(line, "\n"), "batch", 1000000)
							  : moves;
		/* Each move goes to the CPU the thread is not on. */
		for (i = 0; i < batch; i++) {
			at_b = !at_b;
			workload_pin(at_b ? cpu_b : cpu_a);
		}
		printf("moved %d\n", batch);
		fflush(stdout);
	} while (keep && fgets(line, sizeof(line), stdin));
	return 0;
}
