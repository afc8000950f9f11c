// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"

int atomic_file__write(const char *dir, const char *name, int (*fill)(FILE *f, void *ctx),
		       void *ctx)
{
	char tmp[4096], dst[4096];
	int fd, dfd, err = 0;
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
	if (!err && fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		goto fail;
	if (rename(tmp, dst)) {
		err = -errno;
		goto fail;
	}
	/* The rename is durable only once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd))
		err = -errno;
	close(dfd);
	return err;
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
