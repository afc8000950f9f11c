// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * causes: makes the kernel migrate tasks for one known reason at a time.
 *
 *   causes pingpong ROUNDS   two unpinned threads wake each other ROUNDS
 *                            times (wakeup placement)
 *   causes balance SECONDS   four CPU-bound threads pinned to CPU 0, then
 *                            unpinned together and left to spin: only the
 *                            load balancer can spread them
 *   causes forkexec N        forks N children that exec /bin/true from
 *                            CPU 0, kept busy by two CPU-bound threads
 *                            pinned there while the other CPUs idle (fork
 *                            placement, exec balancing)
 *
 * Like mover: prints "ready PID" and waits for a line on stdin before
 * starting, so a recorder can attach first; prints the tids it used as
 * "tid ROLE TID" lines and "done" at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static int ping[2], pong[2];
static long rounds;

static long gettid_(void)
{
	return syscall(SYS_gettid);
}

static void pin_mask(int only_cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN), c;

	CPU_ZERO(&set);
	for (c = 0; c < n; c++)
		if (only_cpu < 0 || c == only_cpu)
			CPU_SET(c, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void wait_go(void)
{
	char line[64];

	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(1);
}

/* ---- pingpong ---- */

static void *ponger(void *arg)
{
	char b;
	long i;

	printf("tid wakee %ld\n", gettid_());
	fflush(stdout);
	for (i = 0; i < rounds; i++) {
		if (read(ping[0], &b, 1) != 1 || write(pong[1], &b, 1) != 1)
			exit(1);
	}
	return NULL;
}

static int pingpong(void)
{
	pthread_t t;
	char b = 'p';
	long i;

	if (pipe(ping) || pipe(pong))
		return 1;
	pthread_create(&t, NULL, ponger, NULL);
	printf("tid waker %ld\n", gettid_());
	wait_go();
	for (i = 0; i < rounds; i++) {
		/* A little work between rounds, so both threads are not always asleep. */
		for (volatile int k = 0; k < 20000; k++)
			;
		if (write(ping[1], &b, 1) != 1 || read(pong[0], &b, 1) != 1)
			return 1;
	}
	pthread_join(t, NULL);
	return 0;
}

/* ---- balance ---- */

static pthread_barrier_t unpin;

static void *spinner(void *arg)
{
	pin_mask(0);
	printf("tid spinner %ld\n", gettid_());
	fflush(stdout);
	pthread_barrier_wait(&unpin);
	pin_mask(-1);
	while (!stop)
		;
	return NULL;
}

static int balance(long seconds)
{
	pthread_t t[4];
	int i;

	pthread_barrier_init(&unpin, NULL, 5);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	usleep(100000); /* all four are on CPU 0 now */
	wait_go();
	pthread_barrier_wait(&unpin);
	sleep(seconds);
	stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- forkexec ---- */

static void *burner(void *arg)
{
	while (!stop)
		;
	return NULL;
}

/*
 * The burners are pinned to CPU 0 with the parent, so CPU 0 is the busiest
 * and the others idle: fork placement looks for the idlest CPU and finds
 * one elsewhere. With a burner on every CPU instead the load is even and
 * placement keeps the child home, so whether any fork migration shows up
 * was left to chance. A child inherits its parent's affinity at fork, so
 * the parent widens its own mask just for the fork (widening never moves
 * it) and pins itself back after.
 */
static int forkexec(long n)
{
	pthread_t t[2];
	pid_t pid;
	long i;

	pin_mask(0);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, burner, NULL);
	wait_go();
	for (i = 0; i < n; i++) {
		pin_mask(-1);
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		pin_mask(0);
		if (pid < 0)
			return 1;
		printf("tid child %d\n", pid);
		waitpid(pid, NULL, 0);
	}
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	long arg;
	int rc;

	if (argc != 3 || (arg = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: causes pingpong|balance|forkexec N\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "pingpong")) {
		rounds = arg;
		rc = pingpong();
	} else if (!strcmp(argv[1], "balance")) {
		rc = balance(arg);
	} else if (!strcmp(argv[1], "forkexec")) {
		rc = forkexec(arg);
	} else {
		fprintf(stderr, "causes: unknown mode %s\n", argv[1]);
		return 2;
	}
	printf("done\n");
	return rc;
}
