// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "daemon/thread_caps.h"

#define SPREAD_ROUNDS 5
#define SPREAD_WAIT_MS 1000

/* What the signalled threads apply; written before any signal is sent. */
static struct __user_cap_header_struct spread_hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
static struct __user_cap_data_struct spread_data[2];
static __u64 spread_bounding;
static atomic_int spread_done;

/* Runs in each signalled thread: only system calls, all async-signal-safe. */
static void on_spread(int sig)
{
	int saved = errno, cap;

	(void)sig;
	for (cap = 0; cap <= 63; cap++)
		if (!(spread_bounding & (1ull << cap)))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	syscall(SYS_capset, &spread_hdr, spread_data);
	atomic_fetch_add(&spread_done, 1);
	errno = saved;
}

/* The lines of a /proc status file that say what a thread may do. */
struct privs {
	char prm[32], eff[32], inh[32], bnd[32], nnp[8];
};

static int read_privs(const char *path, struct privs *p)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	memset(p, 0, sizeof(*p));
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "CapPrm: %31s", p->prm);
		sscanf(line, "CapEff: %31s", p->eff);
		sscanf(line, "CapInh: %31s", p->inh);
		sscanf(line, "CapBnd: %31s", p->bnd);
		sscanf(line, "NoNewPrivs: %7s", p->nnp);
	}
	fclose(f);
	return p->prm[0] && p->bnd[0] ? 0 : -EIO;
}

/*
 * One round: signal every thread whose privileges differ from `want` (with
 * send) and wait for as many handlers to have run; returns how many
 * differed (0: all agree), or -errno. A handler still running from an
 * earlier round can end the wait early; the next round looks again.
 */
static int spread_round(const struct privs *want, int sig, bool send)
{
	pid_t self = syscall(SYS_gettid), pid = getpid();
	char path[64];
	struct privs p;
	struct dirent *de;
	int sent = 0, differ = 0, waited;
	DIR *d;

	atomic_store(&spread_done, 0);
	d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0 || tid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
		if (read_privs(path, &p))
			continue; /* exited meanwhile */
		if (!memcmp(&p, want, sizeof(p)))
			continue;
		differ++;
		if (send && !syscall(SYS_tgkill, pid, tid, sig))
			sent++;
	}
	closedir(d);
	for (waited = 0; atomic_load(&spread_done) < sent && waited < SPREAD_WAIT_MS; waited++)
		usleep(1000);
	return differ;
}

int thread_caps__spread(void)
{
	struct sigaction sa = { .sa_handler = on_spread, .sa_flags = SA_RESTART };
	int sig = SIGRTMIN + 5, round, n = 0, err = 0;
	struct privs want;

	if (syscall(SYS_capget, &spread_hdr, spread_data))
		return -errno;
	spread_bounding = 0;
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			spread_bounding |= 1ull << cap;
	err = read_privs("/proc/thread-self/status", &want);
	if (err)
		return err;
	sigemptyset(&sa.sa_mask);
	/*
	 * The handler stays installed: a thread that had the signal blocked
	 * gets it later, and the default action would end the process. It
	 * only repeats the same calls, so a late run is harmless.
	 */
	if (sigaction(sig, &sa, NULL))
		return -errno;
	for (round = 0; round < SPREAD_ROUNDS; round++) {
		n = spread_round(&want, sig, true);
		if (n <= 0)
			break;
	}
	/* The last round's signals may have done it: look once more, sending none. */
	if (n > 0)
		n = spread_round(&want, sig, false);
	if (n < 0)
		return n;
	return n ? -EAGAIN : 0;
}
