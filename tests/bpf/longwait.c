// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * longwait: one run-queue wait of several seconds, nearly all of it queued
 * on a CPU the task then left, with the times that bound it, so a test can
 * check that a wait over 4.29 s keeps its pre-migration part whole (the
 * switch item's 32-bit parts, bpf/dur32.h).
 *
 *   longwait [-w HOLD_MS]      (default 5500, at most 8000)
 *
 * A hog, SCHED_FIFO priority 2, spins on CPU 1; a victim, SCHED_FIFO
 * priority 1 and pinned to CPU 1, sleeps on an eventfd. This thread, on
 * CPU 0, wakes the victim (t0 before, t1 after: its sched_waking lies
 * between), so it is queued on CPU 1 behind the hog, where a lower
 * real-time priority never runs while the hog is runnable (throttling
 * only lets the fair class in). After HOLD_MS it widens the victim's
 * affinity to CPU 0 alone (t2 before, t3 after): the kernel moves the
 * queued victim there and it runs at once, reading the clock (t4).
 * Then the hog stops.
 *
 * Bounded so it cannot hold the machine: the hog stops by itself
 * HOLD_MS + 3 s after it starts whatever happens here, and the kernel's
 * real-time throttling (which the test requires on) leaves CPU 1 to the
 * fair class for 5 % of each second meanwhile.
 *
 * Prints "ready PID VICTIM_TID", waits for a line on stdin, then prints
 * "done T0 T1 T2 T3 T4 CPU" (CLOCK_MONOTONIC ns, the clock BPF reads; CPU
 * where the victim ran). Exits 77 when real-time scheduling is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

static atomic_int stop, hog_on, victim_tid;
static atomic_ullong ran_ns;
static atomic_int ran_cpu = -1;
static int efd, hold_ms = 5500;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void set_fifo(int prio, const char *who)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		fprintf(stderr, "longwait: SCHED_FIFO for the %s refused: %s\n", who,
			strerror(errno));
		exit(errno == EPERM ? 77 : 1);
	}
}

static void *hog(void *arg)
{
	unsigned long long end;

	(void)arg;
	workload_pin(1);
	set_fifo(2, "hog");
	end = now_ns() + (hold_ms + 3000ull) * 1000000ull;
	atomic_store(&hog_on, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed) && now_ns() < end)
		;
	return NULL;
}

static void *victim(void *arg)
{
	uint64_t v;

	(void)arg;
	workload_pin(1);
	set_fifo(1, "victim");
	atomic_store(&victim_tid, (int)syscall(SYS_gettid));
	if (read(efd, &v, sizeof(v)) != sizeof(v)) {
		perror("longwait: read");
		exit(1);
	}
	atomic_store(&ran_ns, now_ns());
	atomic_store(&ran_cpu, sched_getcpu());
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long t0, t1, t2, t3, waited;
	struct timespec hold;
	uint64_t one = 1;
	pthread_t th, tv;
	cpu_set_t set;
	char line[16];
	int opt, tid;

	while ((opt = getopt(argc, argv, "w:")) != -1) {
		switch (opt) {
		case 'w': hold_ms = workload_int(optarg, "hold", 8000); break;
		default:
			fprintf(stderr, "usage: longwait [-w HOLD_MS]\n");
			return 2;
		}
	}
	workload_pin(0);
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || pthread_create(&tv, NULL, victim, NULL)) {
		fprintf(stderr, "longwait: cannot start the victim\n");
		return 1;
	}
	while (!(tid = atomic_load(&victim_tid)))
		usleep(1000);
	/* Asleep in read() before the wakeup: its wait must start at our write. */
	usleep(50000);
	printf("ready %d %d\n", getpid(), tid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "longwait: no go line on stdin\n");
		return 1;
	}
	if (pthread_create(&th, NULL, hog, NULL)) {
		fprintf(stderr, "longwait: cannot start the hog\n");
		return 1;
	}
	while (!atomic_load(&hog_on))
		usleep(1000);
	usleep(10000);
	t0 = now_ns();
	if (write(efd, &one, sizeof(one)) != sizeof(one)) {
		perror("longwait: write");
		return 1;
	}
	t1 = now_ns();
	hold.tv_sec = hold_ms / 1000;
	hold.tv_nsec = hold_ms % 1000 * 1000000L;
	while (nanosleep(&hold, &hold) && errno == EINTR)
		;
	if (atomic_load(&ran_cpu) >= 0) {
		fprintf(stderr, "longwait: the victim ran on CPU %d while the hog held CPU 1\n",
			atomic_load(&ran_cpu));
		atomic_store(&stop, 1);
		return 1;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	t2 = now_ns();
	if (sched_setaffinity(tid, sizeof(set), &set)) {
		perror("longwait: sched_setaffinity");
		atomic_store(&stop, 1);
		return 1;
	}
	t3 = now_ns();
	pthread_join(tv, NULL);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	waited = atomic_load(&ran_ns);
	printf("done %llu %llu %llu %llu %llu %d\n", t0, t1, t2, t3, waited,
	       atomic_load(&ran_cpu));
	fflush(stdout);
	return 0;
}
