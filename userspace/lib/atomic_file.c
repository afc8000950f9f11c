// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/atomic_file.h"

/*
 * The file a rename replaces is freed when its last reference goes, and
 * on ext4 that waits for its writeback (which the rename itself started)
 * and, on a `discard` mount, for the discard of its blocks: 1.3 s at a
 * time under a CPU flood, on the thread that renamed. So the writer keeps
 * the old file open across the rename and a thread of its own drops that
 * last reference. If the thread cannot start or has died, or already holds
 * CLOSER_MAX_PENDING files (the disk is that far behind; more would only
 * pile up descriptors), the writer closes the file itself and waits.
 */
#define CLOSER_MAX_PENDING 64

static int closer_pipe[2] = { -1, -1 };
static pthread_once_t closer_once = PTHREAD_ONCE_INIT;
static atomic_int closer_pending;
static atomic_bool closer_dead;

static void *closer_main(void *arg)
{
	ssize_t n;
	int fd;

	(void)arg;
	for (;;) {
		n = read(closer_pipe[0], &fd, sizeof(fd));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(fd))
			break;
		close(fd);
		atomic_fetch_sub(&closer_pending, 1);
	}
	/* Never expected; but from now on the writer closes its own files. */
	atomic_store(&closer_dead, true);
	return NULL;
}

static void closer_start(void)
{
	pthread_attr_t a;
	pthread_t t;

	if (pipe2(closer_pipe, O_CLOEXEC | O_NONBLOCK))
		return;
	/* The thread blocks on reads; only the writer's end stays non-blocking. */
	fcntl(closer_pipe[0], F_SETFL, 0);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 * 1024);
	if (pthread_create(&t, &a, closer_main, NULL)) {
		close(closer_pipe[0]);
		close(closer_pipe[1]);
		closer_pipe[0] = closer_pipe[1] = -1;
	}
	pthread_attr_destroy(&a);
}

void atomic_file__init(void)
{
	pthread_once(&closer_once, closer_start);
}

static void close_later(int fd)
{
	atomic_file__init();
	if (closer_pipe[1] < 0 || atomic_load(&closer_dead)) {
		close(fd);
		return;
	}
	if (atomic_fetch_add(&closer_pending, 1) >= CLOSER_MAX_PENDING ||
	    write(closer_pipe[1], &fd, sizeof(fd)) != sizeof(fd)) {
		atomic_fetch_sub(&closer_pending, 1);
		close(fd);
	}
}

int atomic_file__write(const char *dir, const char *name, int (*fill)(FILE *f, void *ctx),
		       void *ctx)
{
	char tmp[4096], dst[4096];
	int fd, old, err = 0;
	FILE *f;

	/* A leading dot: node_exporter's textfile collector reads only *.prom. */
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", dir, name) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* Metrics are for other users (node_exporter) to read. */
	if (fchmod(fd, 0644)) {
		err = -errno;
		close(fd);
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	/* Only this thread touches f: skip stdio's per-call locking, and
	 * buffer enough that a large export is a few write() calls. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	errno = 0;
	err = fill(f, ctx);
	/* stdio reports a failed write only as ferror(); the write's own errno
	 * (ENOSPC, EDQUOT, EIO) is what the log should name, not fill's -EIO. */
	if (err == -EIO && ferror(f) && errno)
		err = -errno;
	if (!err && fflush(f))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		goto fail;
	old = open(dst, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (rename(tmp, dst)) {
		err = -errno;
		if (old >= 0)
			close(old);
		goto fail;
	}
	if (old >= 0)
		close_later(old);
	return 0;
fail:
	unlink(tmp);
	return err;
}

int atomic_file__sweep(const char *dir, const char *name)
{
	char prefix[256], path[4096];
	struct dirent *de;
	size_t plen;
	int removed = 0;
	DIR *d;

	plen = snprintf(prefix, sizeof(prefix), ".%s.tmp.", name);
	if (plen >= sizeof(prefix))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		/* mkstemp's six characters, nothing more: only our own temporaries. */
		if (strncmp(de->d_name, prefix, plen) || strlen(de->d_name) != plen + 6)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path) &&
		    !unlink(path))
			removed++;
	}
	closedir(d);
	return removed;
}
