// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The daemon's capabilities after attach, and its single-instance lock (privileges.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "daemon/privileges.h"
#include "daemon/thread_caps.h"
#include "lib/util.h"

static int set_caps(__u64 permitted, __u64 effective)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ .permitted = (__u32)permitted, .effective = (__u32)effective },
		{ .permitted = (__u32)(permitted >> 32), .effective = (__u32)(effective >> 32) },
	};

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * After attach the daemon normally needs no capability: map reads, the
 * task iterator and pidfds work on descriptors it already holds. Dropping
 * them all (bounding set too, and no_new_privs), in every thread, limits
 * what a bug can do.
 * Older kernels with kernel.unprivileged_bpf_disabled set refuse every
 * bpf() command, map reads included, without CAP_BPF (or CAP_SYS_ADMIN);
 * which kind this is, a map read with the effective set emptied tells,
 * and there the daemon keeps that one capability.
 */
void daemon__drop_capabilities(struct collector *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	struct sdr_stats probe;
	__u64 permitted, keep;
	int cap, err;

	for (cap = 0; cap <= 63; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* fails harmlessly without CAP_SETPCAP */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capget, &hdr, data)) {
		log_msg(LOG_LVL_WARN, "could not read capabilities: %s", strerror(errno));
		return;
	}
	permitted = data[0].permitted | (__u64)data[1].permitted << 32;
	err = set_caps(permitted, 0);
	if (!err && loader__read_stats(&c->l, &probe) == -EPERM) {
		keep = 1ull << (permitted & (1ull << CAP_BPF) ? CAP_BPF : CAP_SYS_ADMIN);
		err = set_caps(keep, keep);
		if (!err)
			log_msg(LOG_LVL_INFO, "this kernel needs %s for map reads "
				"(kernel.unprivileged_bpf_disabled): kept it, dropped the rest",
				keep == 1ull << CAP_BPF ? "CAP_BPF" : "CAP_SYS_ADMIN");
	} else if (!err) {
		err = set_caps(0, 0);
		if (!err)
			log_msg(LOG_LVL_DEBUG, "dropped every capability");
	}
	if (err) {
		log_msg(LOG_LVL_WARN, "could not drop capabilities: %s", strerror(-err));
		return;
	}
	/* The HTTP threads and the file closer exist already: they drop too. */
	err = thread_caps__spread();
	if (err)
		log_msg(LOG_LVL_WARN, "could not drop the capabilities of every thread: %s",
			strerror(-err));
}

int daemon__take_lock(const char *path)
{
	char pid[32];
	int fd, n;

	/* The default lives in /run/schedrift/, which the unit's
	 * RuntimeDirectory= creates; started by hand, create it here, so a
	 * second daemon meets the service's lock instead of taking its own. */
	if (!strcmp(path, DAEMON_DEFAULT_LOCK) && mkdir(DAEMON_LOCK_DIR, 0755) && errno != EEXIST)
		log_msg(LOG_LVL_DEBUG, "cannot create %s: %s", DAEMON_LOCK_DIR, strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		msg_err("cannot open the lock file %s: %s (choose another with --lock FILE)", path,
			strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = 0;
		msg_err("another schedrift daemon is running (pid %s, lock %s)",
			n > 0 ? str_trim(pid) : "?", path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%d\n", getpid());
		if (write(fd, pid, n) != n)
			log_msg(LOG_LVL_DEBUG, "could not write the pid into %s", path);
	}
	return fd; /* held open, and so locked, until exit */
}
