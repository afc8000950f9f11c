/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Replace a file so that a reader (node_exporter, a scraper, a script)
 * only ever sees the old complete file or the new complete one: write a
 * temporary file in the same directory and rename it over the target. A
 * crash or kill -9 of the writer at any moment leaves the previous
 * complete file (and at worst a stray temporary, which
 * atomic_file__sweep() removes).
 *
 * No fsync: the files are rewritten every interval, and only a crash of
 * the whole machine could lose one (ext4 flushes a file renamed over
 * another at the next commit anyway). An fsync made the daemon wait for
 * the disk's writeback, which a CPU flood starves: 2.9 s under `stress-ng
 * --switch 2`, a whole 30 s under `perf bench sched messaging -g 40`
 * (docs/reliability.md, Floods).
 */
#ifndef SCHEDRIFT_ATOMIC_FILE_H
#define SCHEDRIFT_ATOMIC_FILE_H

#include <stdio.h>

/*
 * Starts the thread that closes replaced files (see atomic_file.c), so it
 * can be started before the caller changes its own scheduling (the thread
 * inherits the policy of the thread that creates it). Optional: the first
 * write starts it otherwise.
 */
void atomic_file__init(void);
/*
 * fill writes the content; a non-zero return aborts and keeps the old file.
 * A fill that returns -EIO for a stream error (ferror) gets the failed
 * write's errno instead (ENOSPC on a full disk). Any failure before the
 * rename removes the temporary, so a full disk keeps no part of a failed
 * write. Returns 0 or -errno.
 */
int atomic_file__write(const char *dir, const char *name, int (*fill)(FILE *f, void *ctx),
		       void *ctx);
/*
 * Removes the temporaries of `name` a killed writer left in dir. Only when
 * no other writer of the same file can be running (the daemon holds its
 * lock). Returns how many were removed, or -errno.
 */
int atomic_file__sweep(const char *dir, const char *name);

#endif /* SCHEDRIFT_ATOMIC_FILE_H */
