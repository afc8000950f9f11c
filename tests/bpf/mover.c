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

static int parse_int(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 1000000) {
		fprintf(stderr, "mover: bad %s '%s'\n", what, s);
		exit(2);
	}
	return (int)v;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "mover: failed to pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
	/* The stopper has moved us before sched_setaffinity returns; check anyway. */
	while (sched_getcpu() != cpu)
		sched_yield();
}

int main(int argc, char **argv)
{
	int moves = 10, cpu_a = 0, cpu_b = 1, keep = 0, batch, opt, i, at_b = 0;
	char line[64];

	while ((opt = getopt(argc, argv, "n:a:b:k")) != -1) {
		switch (opt) {
		case 'n': moves = parse_int(optarg, "move count"); break;
		case 'a': cpu_a = parse_int(optarg, "CPU"); break;
		case 'b': cpu_b = parse_int(optarg, "CPU"); break;
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

	pin(cpu_a);
	printf("ready %d %ld\n", getpid(), (long)syscall(SYS_gettid));
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "mover: no go line on stdin\n");
		return 1;
	}
	do {
		batch = line[0] >= '0' && line[0] <= '9' ? parse_int(strtok(line, "\n"), "batch")
							  : moves;
		/* Each move goes to the CPU the thread is not on. */
		for (i = 0; i < batch; i++) {
			at_b = !at_b;
			pin(at_b ? cpu_b : cpu_a);
		}
		printf("moved %d\n", batch);
		fflush(stdout);
	} while (keep && fgets(line, sizeof(line), stdin));
	return 0;
}
