/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the test workloads in tests/bpf/ (each one a program
 * of its own). Errors name the program and exit: 2 for a bad argument,
 * 1 when the kernel refuses.
 */
#ifndef SCHEDRIFT_TEST_WORKLOAD_H
#define SCHEDRIFT_TEST_WORKLOAD_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal number in [0, max], or exit 2 naming `what`. */
static inline int workload_int(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > max) {
		fprintf(stderr, "%s: bad %s '%s'\n", program_invocation_short_name, what, s);
		exit(2);
	}
	return (int)v;
}

/*
 * Pin the calling thread to `cpu` and return only once it runs there: the
 * stopper has normally moved it before sched_setaffinity() returns, but a
 * test that counts migrations must not depend on that.
 */
static inline void workload_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "%s: failed to pin to CPU %d: %s\n", program_invocation_short_name,
			cpu, strerror(errno));
		exit(1);
	}
	while (sched_getcpu() != cpu)
		sched_yield();
}

#endif /* SCHEDRIFT_TEST_WORKLOAD_H */
