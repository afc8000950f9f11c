// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mixload: one workload with everything whose figures must add up
 * (tests/bpf/test_consistency).
 *
 *   mixload -n PREFIX -g CGROUP_DIR [-d SECONDS] [-c CPU] [-w SLEEPS] [-k CHILD_SLEEPS]
 *
 * Prints "ready" and waits for a line on stdin, so the test can start its
 * observers first. Then it starts the workload as a new process born in
 * the cgroup CGROUP_DIR (clone3 with CLONE_INTO_CGROUP), so that every wait
 * of every task of it is the cgroup's: a process moved in after it started
 * would have made its first wait (its first run) outside. The workload
 * prints "pid PID" and:
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
 * "forker TID" (it keeps the name PREFIX-main), "children N", and "done".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
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
static volatile long hog_tid, victim_tid, worker_tid[2], forker_tid;
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

	forker_tid = syscall(SYS_gettid);
	workload_pin(!cpu);
	while (!stop) {
		pid = fork();
		if (pid < 0 && errno == EAGAIN) {
			/* No pid free now (another test may have lowered pid_max): later. */
			nap(10000000);
			continue;
		}
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

/* A child born in the cgroup dfd is; 0 in the child, its pid in the parent. */
static pid_t fork_into(int dfd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = dfd,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid < 0) {
		fprintf(stderr, "mixload: clone3 into the cgroup: %s\n", strerror(errno));
		exit(1);
	}
	return pid;
}

static int workload(void)
{
	pthread_t th[5];
	char n[16];
	double end;
	int i;

	printf("pid %d\n", getpid());
	fflush(stdout);

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
	printf("hog %ld\nvictim %ld\nworker %ld\nworker %ld\nforker %ld\nchildren %d\ndone\n",
	       hog_tid, victim_tid, worker_tid[0], worker_tid[1], forker_tid, children);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cgroup = NULL;
	char line[16];
	int opt, dfd, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "n:g:d:c:w:k:")) != -1) {
		switch (opt) {
		case 'n':
			if (strlen(optarg) < 1 || strlen(optarg) > 10) {
				fprintf(stderr, "mixload: bad prefix '%s': 1 to 10 characters\n",
					optarg);
				return 2;
			}
			prefix = optarg;
			break;
		case 'g': cgroup = optarg; break;
		case 'd': seconds = workload_int(optarg, "seconds", 600); break;
		case 'c': cpu = workload_int(optarg, "cpu", 1); break;
		case 'w': sleeps = workload_int(optarg, "sleeps", 1000000); break;
		case 'k': child_sleeps = workload_int(optarg, "child sleeps", 1000); break;
		default:
			fprintf(stderr, "usage: mixload -n PREFIX -g CGROUP_DIR [-d SECONDS] "
					"[-c CPU] [-w SLEEPS] [-k CHILD_SLEEPS]\n");
			return 2;
		}
	}
	if (!cgroup) {
		fprintf(stderr, "mixload: -g CGROUP_DIR is needed\n");
		return 2;
	}
	dfd = open(cgroup, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		fprintf(stderr, "mixload: %s: %s\n", cgroup, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	pid = fork_into(dfd);
	if (pid == 0)
		return workload();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
