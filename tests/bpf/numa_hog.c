// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * numa_hog: a memory-bound process whose memory lives on one NUMA node while
 * it starts running on another, so that the kernel's NUMA balancer wants to
 * move it to its memory.
 *
 *   numa_hog [-m MEM_NODE] [-r RUN_NODE] [-s MIB] [-t THREADS] [-d SECONDS]
 *
 * Defaults: memory on node 1, start on node 0, 64 MiB, 2 threads, 20 s.
 *
 * 1. Pins itself to RUN_NODE's CPUs, prints "ready PID" and waits for one
 *    line on stdin, so that a recorder can attach before anything happens.
 * 2. Maps MIB of anonymous memory and binds it to MEM_NODE with a raw
 *    mbind(MPOL_BIND | MPOL_F_NUMA_BALANCING). The flag matters: the
 *    balancer only scans ranges whose policy allows migrate-on-fault, and a
 *    plain MPOL_BIND does not, so without it no hinting fault would ever be
 *    taken. With it (Linux 5.12+) the faults are counted against MEM_NODE,
 *    but the pages stay there: a one-node bind cannot move them towards the
 *    task, so only the task can move towards them.
 * 3. Writes every page (allocating it on MEM_NODE), checks where the pages
 *    are with move_pages(2) in query mode and prints "placed N/M pages on
 *    node X" (the balancer may already be scanning: see where()).
 * 4. Starts THREADS threads (they inherit the pin), each of which restores
 *    the affinity the process started with, so the initial placement is on
 *    RUN_NODE but nothing keeps it there, then reads and writes one word of
 *    every cache line of its own slice of the memory, over and over, for
 *    SECONDS.
 * 5. Prints one line per thread (passes over its slice, the node it started
 *    and ended on, how often the node it ran on changed, sampled every MiB),
 *    the NUMA lines of that thread's /proc/self/task/TID/sched (preferred
 *    node, fault counts per node; kernels with CONFIG_SCHED_DEBUG), where the
 *    pages are now, and "done".
 *
 * No libnuma: the guest this runs in has no libc, so the syscalls are made
 * directly and the program is linked statically.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* From include/uapi/linux/mempolicy.h, to need no numaif.h. */
#define HOG_MPOL_BIND 2
#define HOG_MPOL_F_NUMA_BALANCING (1 << 13)

#define LINE 64
#define CHUNK (1 << 20)
#define MAX_NODES 64
#define MAX_THREADS 64
#define SCHED_TEXT 4096

struct worker {
	pthread_t thread;
	int idx;
	long tid;
	char *base;
	size_t len;
	unsigned long passes;
	int first_node, last_node;
	unsigned long node_changes;
	char sched[SCHED_TEXT];
	int err;
};

static int cpu_node[CPU_SETSIZE];
static cpu_set_t start_mask;
static double run_secs = 20;

static void die(const char *what)
{
	fprintf(stderr, "numa_hog: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long parse_num(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "numa_hog: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

/* Parses a sysfs cpulist ("0-1", "2,5-7") into set; returns the CPU count. */
static int parse_cpulist(const char *s, cpu_set_t *set)
{
	int n = 0;

	CPU_ZERO(set);
	while (*s && *s != '\n') {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo, c;

		if (end == s)
			return -1;
		s = end;
		if (*s == '-') {
			hi = strtol(s + 1, &end, 10);
			if (end == s + 1)
				return -1;
			s = end;
		}
		for (c = lo; c <= hi && c < CPU_SETSIZE; c++, n++)
			CPU_SET(c, set);
		if (*s == ',')
			s++;
	}
	return n;
}

/* The CPUs of node into set; -1 if the node does not exist or has none. */
static int node_cpus(int node, cpu_set_t *set)
{
	char path[96], buf[512];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	n = parse_cpulist(buf, set);
	return n > 0 ? n : -1;
}

static int node_of_cpu(int cpu)
{
	return cpu >= 0 && cpu < CPU_SETSIZE ? cpu_node[cpu] : -1;
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Where the pages of [base, base+len) are, as move_pages(2) in query mode
 * says, written to out as "N/M pages on node X" plus what the others are.
 *
 * A page the balancer has just made inaccessible to take a hinting fault
 * (PROT_NONE) reads as EFAULT (a THP) or missing; touching it takes that
 * fault, which cannot move the page off a one-node MPOL_BIND, so such pages
 * are touched and asked about again, a few rounds at most.
 */
static void where(char *base, size_t len, int node, char *out, size_t size)
{
	long page = sysconf(_SC_PAGESIZE), n = len / page, i, m, on = 0, other = 0, absent = 0,
	     bad = 0;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status)), round, first_bad = 0;

	if (!pages || !status)
		die("calloc");
	for (i = 0; i < n; i++)
		pages[i] = base + i * page;
	m = n;
	for (round = 0; round < 5 && m > 0; round++) {
		long left = 0;

		/* nodes == NULL: only report where each page is. */
		if (syscall(SYS_move_pages, 0, m, pages, NULL, status, 0))
			die("move_pages (query)");
		for (i = 0; i < m; i++) {
			if (status[i] == node) {
				on++;
			} else if (status[i] >= 0) {
				other++;
			} else if (round < 4 && (status[i] == -EFAULT || status[i] == -ENOENT)) {
				(void)*(volatile char *)pages[i];
				pages[left++] = pages[i];
			} else if (status[i] == -ENOENT) {
				absent++;
			} else if (!bad++) {
				first_bad = -status[i];
			}
		}
		m = left;
	}
	snprintf(out, size, "%ld/%ld pages on node %d (other nodes %ld, not present %ld, "
		 "errors %ld%s%s)", on, n, node, other, absent, bad, bad ? ": " : "",
		 bad ? strerror(first_bad) : "");
	free(pages);
	free(status);
}

/* The NUMA lines of this thread's /proc/self/task/TID/sched into w->sched. */
static void read_sched(struct worker *w)
{
	char path[96], line[256];
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/sched", w->tid);
	f = fopen(path, "r");
	if (!f) {
		snprintf(w->sched, sizeof(w->sched), "sched %ld: %s unreadable\n", w->tid, path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *e, *v;
		int k;

		if (!strstr(line, "numa") && !strstr(line, "current_node"))
			continue;
		if (colon && !strstr(line, "node=")) {
			/* "numa_preferred_nid      :       1" -> "numa_preferred_nid 1" */
			for (e = colon; e > line && e[-1] == ' '; e--)
				;
			*e = 0;
			for (v = colon + 1; *v == ' '; v++)
				;
			k = snprintf(w->sched + used, sizeof(w->sched) - used, "sched %ld %s %s",
				     w->tid, line, v);
		} else {
			k = snprintf(w->sched + used, sizeof(w->sched) - used, "sched %ld %s",
				     w->tid, line);
		}
		if (k < 0 || (size_t)k >= sizeof(w->sched) - used)
			break;
		used += k;
	}
	fclose(f);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	double end = now_secs() + run_secs;
	int node = -1;

	w->tid = syscall(SYS_gettid);
	/* The pin placed us on the run node; now let the balancer decide. */
	if (sched_setaffinity(0, sizeof(start_mask), &start_mask)) {
		w->err = errno;
		return NULL;
	}
	w->first_node = node_of_cpu(sched_getcpu());
	node = w->first_node;
	for (;;) {
		size_t off;

		for (off = 0; off < w->len; off += CHUNK) {
			size_t stop = off + CHUNK < w->len ? off + CHUNK : w->len, i;
			int now;

			for (i = off; i < stop; i += LINE)
				(*(volatile unsigned long *)(w->base + i))++;
			now = node_of_cpu(sched_getcpu());
			if (now != node) {
				w->node_changes++;
				node = now;
			}
		}
		w->passes++;
		if (now_secs() >= end)
			break;
	}
	w->last_node = node;
	read_sched(w);
	return NULL;
}

int main(int argc, char **argv)
{
	int mem_node = 1, run_node = 0, nthreads = 2, opt, i, n;
	long mib = 64, page = sysconf(_SC_PAGESIZE);
	struct worker *workers;
	cpu_set_t run_set, set;
	unsigned long mask[2] = { 0, 0 };
	char line[64], text[160], *buf;
	size_t len;

	while ((opt = getopt(argc, argv, "m:r:s:t:d:")) != -1) {
		switch (opt) {
		case 'm': mem_node = parse_num(optarg, "memory node", 0, MAX_NODES - 1); break;
		case 'r': run_node = parse_num(optarg, "run node", 0, MAX_NODES - 1); break;
		case 's': mib = parse_num(optarg, "size in MiB", 1, 65536); break;
		case 't': nthreads = parse_num(optarg, "thread count", 1, MAX_THREADS); break;
		case 'd': run_secs = parse_num(optarg, "duration", 1, 3600); break;
		default:
			fprintf(stderr, "usage: numa_hog [-m MEM_NODE] [-r RUN_NODE] [-s MIB] "
					"[-t THREADS] [-d SECONDS]\n");
			return 2;
		}
	}
	if (mem_node == run_node) {
		fprintf(stderr, "numa_hog: MEM_NODE and RUN_NODE must differ\n");
		return 2;
	}

	for (i = 0; i < CPU_SETSIZE; i++)
		cpu_node[i] = -1;
	for (n = 0; n < MAX_NODES; n++) {
		if (node_cpus(n, &set) < 0)
			continue;
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpu_node[i] = n;
	}
	if (node_cpus(run_node, &run_set) < 0) {
		fprintf(stderr, "numa_hog: node %d has no CPUs (or does not exist)\n", run_node);
		return 1;
	}
	if (sched_getaffinity(0, sizeof(start_mask), &start_mask))
		die("sched_getaffinity");
	if (sched_setaffinity(0, sizeof(run_set), &run_set))
		die("sched_setaffinity to the run node");
	/* The stopper has moved us before sched_setaffinity returns; check anyway. */
	while (node_of_cpu(sched_getcpu()) != run_node)
		sched_yield();

	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "numa_hog: no go line on stdin\n");
		return 1;
	}

	len = (size_t)mib << 20;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	mask[mem_node / 64] = 1ul << (mem_node % 64);
	/* maxnode counts bits, and the kernel reads only maxnode - 1 of them. */
	if (syscall(SYS_mbind, buf, len, HOG_MPOL_BIND | HOG_MPOL_F_NUMA_BALANCING, mask,
		    sizeof(mask) * 8, 0)) {
		if (errno == EINVAL)
			fprintf(stderr, "numa_hog: the kernel refuses MPOL_F_NUMA_BALANCING (it needs "
					"Linux 5.12+); a plain MPOL_BIND range is never scanned by "
					"the NUMA balancer\n");
		die("mbind");
	}
	for (i = 0; (size_t)i * page < len; i++)
		buf[(size_t)i * page] = 1;
	where(buf, len, mem_node, text, sizeof(text));
	printf("placed %s; %d threads start on node %d for %.0f s\n", text, nthreads, run_node,
	       run_secs);
	fflush(stdout);

	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		die("calloc");
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		size_t slice = len / nthreads / LINE * LINE;

		w->idx = i;
		w->base = buf + i * slice;
		w->len = i == nthreads - 1 ? len - i * slice : slice;
		errno = pthread_create(&w->thread, NULL, work, w);
		if (errno)
			die("pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		pthread_join(w->thread, NULL);
		if (w->err) {
			errno = w->err;
			die("sched_setaffinity back to the starting mask");
		}
		printf("thread %d tid %ld passes %lu first_node %d last_node %d node_changes %lu\n",
		       w->idx, w->tid, w->passes, w->first_node, w->last_node, w->node_changes);
		fputs(w->sched, stdout);
	}
	where(buf, len, mem_node, text, sizeof(text));
	printf("now %s\n", text);
	printf("done\n");
	return 0;
}
