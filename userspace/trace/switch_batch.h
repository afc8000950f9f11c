/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Context switches, delta-encoded in batches (SDR_REC_SWITCH_BATCH) so a
 * file can hold every switch of a busy machine: about 8 bytes a switch
 * before zlib, where the kernel's struct sdr_switch_item is 40. The layout
 * is in docs/trace-format.md ("Switch batches"); the kernel's batches
 * (SDR_REC_SWITCHES) are turned into samples by switch_batch__from_bpf and
 * never written to a file as they are.
 */
#ifndef SCHEDRIFT_SWITCH_BATCH_H
#define SCHEDRIFT_SWITCH_BATCH_H

#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"
#include "trace/switch_sample.h"

/* A record's size field is 16 bits; stop well before. */
#define SWITCH_BATCH_MAX_BYTES 65000

struct switch_batch {
	__u8 buf[SWITCH_BATCH_MAX_BYTES];
	size_t len;	/* bytes used, 0 = empty */
	__u32 count;
	__u64 prev_ts;
	/* Per CPU, 1 + the next_tid of its last switch in this batch; 0 = none yet. */
	__u32 last_next[SDR_MAX_CPUS];
};

void switch_batch__init(struct switch_batch *b);
/*
 * Adds a switch; returns 1 when the batch is full and must be taken first
 * (nothing added), -EINVAL for a sample the decoder would refuse (cpu,
 * prev_state or landing out of range, delivery or premig longer than the
 * wait, a wait over SDR_WAIT_ABSURD_NS; nothing added).
 */
int switch_batch__add(struct switch_batch *b, const struct switch_sample *s);
/* The batch as one record (header filled in), or NULL when empty; then reset with _init. */
const struct sdr_rec_hdr *switch_batch__record(struct switch_batch *b);

/*
 * Adds s to b; when b is full, first hands b's record to flush (which
 * writes it) and starts b again. Returns 0, -EINVAL for a sample the
 * decoder would refuse, or flush's non-zero return.
 */
int switch_batch__put(struct switch_batch *b, const struct switch_sample *s,
		      int (*flush)(void *ctx, const struct sdr_rec_hdr *rec), void *ctx);

/*
 * Decode a SDR_REC_SWITCH_BATCH record, calling cb for each switch in
 * order. Returns 0, -EINVAL when the payload is malformed (never reads
 * past rec->size; the switches before the damage have been passed on),
 * or cb's non-zero return.
 */
int switch_batch__decode(const struct sdr_rec_hdr *rec,
			 int (*cb)(void *ctx, const struct switch_sample *s), void *ctx);

/*
 * The switches of one batch the BPF programs made (SDR_REC_SWITCHES, `size`
 * bytes as received, or a CPU's partial batch read from the switch_buf
 * map), each as a sample to cb, in order. Returns 0; -EINVAL for a
 * malformed batch (nothing passed on); or cb's non-zero return. An item
 * the decoder would refuse (BPF never makes one) is skipped and counted
 * in *refused.
 */
int switch_batch__from_bpf(const struct sdr_rec_switches *b, size_t size, __u64 *refused,
			   int (*cb)(void *ctx, const struct switch_sample *s), void *ctx);

/*
 * One item of a kernel batch, made on `cpu`, as a sample: its 32-bit
 * delivery and pre-migration parts decoded (bpf/dur32.h). Not checked:
 * switch_sample__valid() says whether to take it.
 */
void switch_sample__from_item(struct switch_sample *s, const struct sdr_switch_item *w, __u32 cpu);

/*
 * Where a CPU's stream of kernel batches has a hole: each batch carries the
 * CPU's batch number (struct sdr_rec_switches, seq), so a consumer that
 * keeps one of these per CPU knows how many batches were lost before the
 * one in hand.
 */
struct switch_seq {
	__u32 next;  /* the number the next batch should carry */
	__u8 known;  /* a batch of this CPU was seen */
};

/*
 * A batch numbered seq: returns how many of the CPU's batches before it
 * never came (0 also for the CPU's first batch seen). shipped: a batch from
 * the ring (the next is seq + 1); 0 for a partial batch read from the map,
 * still being filled (the next to come through the ring is seq itself).
 * A batch behind the ones seen (a partial read just before the ring
 * brought it whole) changes nothing and returns 0.
 */
__u32 switch_seq__take(struct switch_seq *q, __u32 seq, int shipped);

/* The file's record of such a hole: `batches` lost on cpu before the switch at ts_ns. */
void switch_gap__fill(struct sdr_rec_switch_gap *g, __u32 cpu, __u64 ts_ns, __u32 batches);

/* 1 when the decoder would take s (the checks switch_batch__add makes). */
int switch_sample__valid(const struct switch_sample *s);

#endif /* SCHEDRIFT_SWITCH_BATCH_H */
