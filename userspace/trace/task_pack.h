/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A task record (exit or snapshot, struct sdr_rec_task: 1600 bytes, most
 * of them zero for a short-lived task) as the file holds it from trace
 * version 4 on: SDR_REC_TASK_PACKED, its 8-byte words after the header as
 * a bitmap of the non-zero ones and a varint each (docs/trace-format.md).
 * A task of `perf bench sched messaging` packs into about 100 bytes, and
 * zlib then reads those instead of 1600: deflating whole task records was
 * a third of `record --no-samples`'s CPU there (issue 23). The writer
 * packs, the reader unpacks: everything else sees sdr_rec_task as before.
 */
#ifndef SCHEDRIFT_TASK_PACK_H
#define SCHEDRIFT_TASK_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"

#define TASK_PACK_WORDS ((sizeof(struct sdr_rec_task) - sizeof(struct sdr_rec_hdr)) / 8)
#define TASK_PACK_BITMAP ((TASK_PACK_WORDS + 7) / 8)
/* The header, the kind (2 or 3), the bitmap; then the varints. */
#define TASK_PACK_FIXED (sizeof(struct sdr_rec_hdr) + 1 + TASK_PACK_BITMAP)
/* Room that any task record packs into (a varint is at most 10 bytes). */
#define TASK_PACK_MAX (TASK_PACK_FIXED + 10 * TASK_PACK_WORDS)

/* Whether the writer packs this record: an exit or snapshot of the full size. */
bool task_pack__wanted(const struct sdr_rec_hdr *h);
/*
 * Packs the task record rec (any alignment) into out (TASK_PACK_MAX
 * bytes); returns the packed size, which is also out's hdr.size.
 */
size_t task_pack__pack(const void *rec, __u8 *out);
/*
 * Unpacks the packed record at p (size bytes, its hdr.size; any
 * alignment) into *rec. 0, or -EINVAL when it is not what
 * task_pack__pack() makes: another kind, a cut or overlong varint, a
 * varint of 0 for a word the bitmap says is set, bytes left over.
 */
int task_pack__unpack(const __u8 *p, size_t size, struct sdr_rec_task *rec);

#endif /* SCHEDRIFT_TASK_PACK_H */
