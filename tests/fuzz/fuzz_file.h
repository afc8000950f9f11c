/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the fuzz targets that feed a parser a file: the fuzzer's bytes
 * go into one memfd per process, and the parser opens it by its
 * /proc/self/fd/N name, so it reads a real regular file (fopen, fstat,
 * getline) exactly as it reads one from disk, without touching the disk.
 */
#ifndef SCHEDRIFT_FUZZ_FILE_H
#define SCHEDRIFT_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "report/load.h"
#include "report_cmd.h"

/* Replaces the memfd's contents with data and returns the path that opens it. */
static inline const char *fuzz_file__set(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("schedrift-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	/* A failure here is the harness's, not the parser's: stop loudly. */
	if (ftruncate(fd, 0))
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, off);
		if (n <= 0)
			abort();
		off += n;
	}
	return path;
}

/*
 * Renders a loaded report in every format to out (/dev/null) and frees it;
 * a format that fails to render is a finding.
 */
static inline void fuzz_render_all(struct report *r, FILE *out, const char *path)
{
	int fmt;

	for (fmt = 0; fmt < FMT_NR; fmt++)
		if (report__print(r, out, path, fmt, fmt == FMT_TEXT ? 20 : 0, 1))
			abort();
	fflush(out);
	report__free(r);
}

#endif /* SCHEDRIFT_FUZZ_FILE_H */
