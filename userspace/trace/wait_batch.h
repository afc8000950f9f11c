/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Run-queue wait samples, delta-encoded in batches so a busy capture stays
 * small: one SDR_REC_WAIT_BATCH record holds several thousand waits at
 * about 10 bytes each before zlib (the kernel's wait item was 32). The
 * layout is in docs/trace-format.md.
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

/* One wait. */
struct wait_sample {
	__u64 ts_ns;       /* when it ended (got the CPU) */
	__u64 wait_ns;     /* whole wait */
	__u64 delivery_ns; /* its delivery part, <= wait_ns; 0 in trace version 1 (not recorded) */
	__u32 tid;
	__u32 cpu;         /* where it ended, < SDR_MAX_CPUS */
	__u8 landing;      /* 0, or 1 + enum sdr_locality (as in struct sdr_switch_item) */
};

void wait_batch__init(struct wait_batch *b);
/*
 * Adds a wait; returns 1 when the batch is full and must be taken first
 * (nothing added), -EINVAL for a sample the decoder would refuse (cpu,
 * landing or delivery out of range; nothing added).
 */
int wait_batch__add(struct wait_batch *b, const struct wait_sample *s);
/* The batch as one record (header filled in), or NULL when empty; then reset with _init. */
const struct sdr_rec_hdr *wait_batch__record(struct wait_batch *b);

/*
 * Decode a SDR_REC_WAIT_BATCH record of a file of trace format `version`
 * (1: entries carry no delivery, which decodes as 0), calling cb for each
 * wait in order. Returns 0, a negative errno when the payload is malformed
 * (never reads past hdr->size), or cb's non-zero return.
 */
int wait_batch__decode(const struct sdr_rec_hdr *rec, __u32 version,
		       int (*cb)(void *ctx, const struct wait_sample *s), void *ctx);

#endif /* SCHEDRIFT_WAIT_BATCH_H */
