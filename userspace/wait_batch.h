/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Run-queue wait samples, delta-encoded in batches so a busy capture stays
 * small: one SDR_REC_WAIT_BATCH record holds up to a few thousand waits at
 * about 8 bytes each before zlib (a raw SDR_REC_WAIT is 32). The layout is
 * in docs/trace-format.md.
 */
#ifndef SCHEDRIFT_WAIT_BATCH_H
#define SCHEDRIFT_WAIT_BATCH_H

#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"

/* A record's size field is 16 bits; stop well before. */
#define WAIT_BATCH_MAX_BYTES 65000

struct wait_batch {
	__u8 buf[WAIT_BATCH_MAX_BYTES];
	size_t len;	/* bytes used, 0 = empty */
	__u32 count;
	__u64 prev_ts;
	__u32 prev_tid;
};

/* One decoded wait. */
struct wait_sample {
	__u64 ts_ns;
	__u64 wait_ns;
	__u32 tid;
	__u32 cpu;
	__u8 landing; /* as in struct sdr_rec_wait */
};

void wait_batch__init(struct wait_batch *b);
/* Adds a wait; returns 1 when the batch is full and must be taken first (nothing added). */
int wait_batch__add(struct wait_batch *b, const struct sdr_rec_wait *w);
/* The batch as one record (header filled in), or NULL when empty; then reset with _init. */
const struct sdr_rec_hdr *wait_batch__record(struct wait_batch *b);

/*
 * Decode a SDR_REC_WAIT_BATCH record, calling cb for each wait in order.
 * Returns 0, a negative errno when the payload is malformed (never reads
 * past hdr->size), or cb's non-zero return.
 */
int wait_batch__decode(const struct sdr_rec_hdr *rec,
		       int (*cb)(void *ctx, const struct wait_sample *s), void *ctx);

#endif /* SCHEDRIFT_WAIT_BATCH_H */
