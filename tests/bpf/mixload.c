// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mixload: one workload with everything whose figures must add up
 * (tests/bpf/test_consistency).
 *
 *   mixload -n PREFIX [-d SECONDS] [-c CPU] [-w SLEEPS] [-k CHILD_SLEEPS]
 *
 * Prints "ready PID" and waits for a line on stdin, so the test can put it
 * in a cgroup and start its observers first. Then:
 *
 * - the process renames itself with prctl(PR_SET_NAME) to PREFIX-main;
 * - a CPU hog pinned to CPU (default 1) that renames itself from PREFIX-main
 *   to PREFIX-hog half a second in, after records have named it;
 * - a sleeper at nice 19 pinned beside it, named PREFIX-vict at its start,
 *   sleeping 1 ms at a time: its waits are the hog's time slices;
 * - two threads that name themselves PREFIX-work (pthread_setname_np) and
 *   then sleep 1 ms SLEEPS times (default 400) and exit;
 * - a forker on another CPU that forks children one after the other until
 *   the end: each renames itself PREFIX-work (prctl), sleeps 0.5 ms
 *   CHILD_SLEEPS times (default 10) and exits, and is reaped by the forker,
 *   whose wakeup may preempt it on its way out (a wait after
 *   sched_process_exit).
 *
 * At the end it prints "hog TID", "victim TID", "worker TID" (twice),
 * "children N", and "done".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static const char *prefix = "mix";
static int seconds = 6, cpu = 1, sleeps = 400, child_sleeps = 10;
static volatile int stop;
static volatile long hog_tid, victim_tid, worker_tid[2];
static volatile int children;

static void name(char *buf, const char *suffix)
{
	snprintf(buf, 16, "%s-%s", prefix, suffix);
}

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *hog(void *arg)
{
	double renamed_at = now_s() + 0.5;
	char n[16];

	hog_tid = syscall(SYS_gettid);
	workload_pin(cpu);
	while (!stop) {
		if (renamed_at && now_s() >= renamed_at) {
			name(n, "hog");
			pthread_setname_np(pthread_self(), n);
			renamed_at = 0;
		}
	}
	return NULL;
}

static void *victim(void *arg)
{
	char n[16];

	name(n, "vict");
	pthread_setname_np(pthread_self(), n);
	victim_tid = syscall(SYS_gettid);
	workload_pin(cpu);
	setpriority(PRIO_PROCESS, victim_tid, 19);
	while (!stop)
		nap(1000000);
	return NULL;
}

static void *worker(void *arg)
{
	long i = (long)arg;
	char n[16];
	int k;

	name(n, "work");
	pthread_setname_np(pthread_self(), n);
	worker_tid[i] = syscall(SYS_gettid);
	for (k = 0; k < sleeps && !stop; k++)
		nap(1000000);
	return NULL;
}

static void *forker(void *arg)
{
	char n[16];
	pid_t pid;
	int k;

	workload_pin(!cpu);
	while (!stop) {
		pid = fork();
		if (pid < 0) {
			perror("mixload: fork");
			exit(1);
		}
		if (pid == 0) {
			name(n, "work");
			prctl(PR_SET_NAME, n, 0, 0, 0);
			for (k = 0; k < child_sleeps; k++)
				nap(500000);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		children++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[5];
	char line[16], n[16];
	double end;
	int opt, i;

	while ((opt = getopt(argc, argv, "n:d:c:w:k:")) != -1) {
		switch (opt) {
		case 'n':
			if (strlen(optarg) < 1 || strlen(optarg) > 10) {
				fprintf(stderr, "mixload: bad prefix '%s': 1 to 10 characters\n",
					optarg);
				return 2;
			}
			prefix = optarg;
			break;
		case 'd': seconds = workload_int(optarg, "seconds", 600); break;
		case 'c': cpu = workload_int(optarg, "cpu", 1); break;
		case 'w': sleeps = workload_int(optarg, "sleeps", 1000000); break;
		case 'k': child_sleeps = workload_int(optarg, "child sleeps", 1000); break;
		default:
			fprintf(stderr, "usage: mixload -n PREFIX [-d SECONDS] [-c CPU] [-w SLEEPS] "
					"[-k CHILD_SLEEPS]\n");
			return 2;
		}
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	name(n, "main");
	prctl(PR_SET_NAME, n, 0, 0, 0);
	end = now_s() + seconds;
	pthread_create(&th[0], NULL, hog, NULL);
	pthread_create(&th[1], NULL, victim, NULL);
	pthread_create(&th[2], NULL, worker, (void *)0L);
	pthread_create(&th[3], NULL, worker, (void *)1L);
	pthread_create(&th[4], NULL, forker, NULL);
	while (now_s() < end)
		nap(50000000);
	stop = 1;
	for (i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	printf("hog %ld\nvictim %ld\nworker %ld\nworker %ld\nchildren %d\ndone\n", hog_tid,
	       victim_tid, worker_tid[0], worker_tid[1], children);
	return 0;
}
