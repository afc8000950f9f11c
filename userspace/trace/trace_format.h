/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * On-disk layout of trace files, shared by trace_writer.c and trace_reader.c
 * (docs/trace-format.md describes it for everyone else). Every multi-byte
 * field is little-endian and goes through the encoder and decoder below,
 * never through a struct, so the layout cannot depend on compiler padding.
 */
#ifndef SCHEDRIFT_TRACE_FORMAT_H
#define SCHEDRIFT_TRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include <zlib.h>
#include "trace/trace.h"

/*
 * Chunk payloads are ring buffer records stored as the BPF side laid them
 * out, in host byte order, while the format promises little-endian. Refuse
 * to build where those differ rather than write files nobody can read.
 */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "trace files hold ring buffer records in host order; only little-endian hosts are supported"
#endif

/*
 * As PNG does: the high bit catches 7-bit transfers, CR LF catches newline
 * conversion, ^Z stops a DOS `type`, and "SDT" names the file in a hexdump.
 */
#define TF_MAGIC     "\x89SDT\r\n\x1a\n"
#define TF_MAGIC_LEN 8

#define TF_TAG_LEN     4
#define TF_TAG_CHUNK   "CHNK"
#define TF_TAG_TRAILER "TRLR"
#define TF_CRC_LEN     4

/* Header: magic, version, header_len, then fields; the CRC is its last 4 bytes. */
#define TF_HDR_PREFIX_LEN 16
#define TF_KREL_MAX	  (sizeof(((struct trace_meta *)0)->kernel_release) - 1)
#define TF_HOST_MAX	  (sizeof(((struct trace_meta *)0)->hostname) - 1)
#define TF_CMD_MAX	  (sizeof(((struct trace_meta *)0)->command) - 1)
/* prefix, two clocks, nr_cpus_online, three string lengths, nr_cpus, nr_nodes, CRC */
#define TF_HDR_MIN_LEN (TF_HDR_PREFIX_LEN + 8 + 8 + 4 + 3 * 2 + 4 + 4 + TF_CRC_LEN)
#define TF_HDR_MAX_LEN                                                                             \
	(TF_HDR_MIN_LEN + TF_KREL_MAX + TF_HOST_MAX + TF_CMD_MAX + SDR_MAX_CPUS * 8 +              \
	 SDR_MAX_NODES * SDR_MAX_NODES * 4)

/* Chunk frame: tag, seq, comp_len, raw_len, nr_records, hdr_crc; payload; payload CRC. */
#define TF_CHUNK_HDR_LEN 24
/* Trailer frame: tag, body_len, hdr_crc; body; body CRC. */
#define TF_TRAILER_HDR_LEN 12
#define TF_COUNTER_LEN	   (TRACE_COUNTER_NAME_LEN + 8)
/* end_mono_ns, nr_records, nr_chunks, nr_counters, nr_loc, nr_cause, penalty_milli, nr_nodes */
#define TF_TRAILER_MIN_BODY (8 + 8 + 8 + 4 + 4 + 4 + 8 + 4)
#define TF_TRAILER_MAX_BODY                                                                        \
	(TF_TRAILER_MIN_BODY + TRACE_MAX_COUNTERS * TF_COUNTER_LEN +                               \
	 SDR_LOC_NR * SDR_CAUSE_NR * 8 + SDR_MAX_NODES * SDR_MAX_NODES * SDR_CAUSE_NR * 8)

/* CRC-32 as zlib (and Python's zlib.crc32) computes it. */
static inline __u32 tf_crc(const void *p, size_t n)
{
	return crc32(crc32(0L, Z_NULL, 0), p, n);
}

static inline __u16 tf_le16(const __u8 *p)
{
	return (__u16)(p[0] | p[1] << 8);
}

static inline __u32 tf_le32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static inline __u64 tf_le64(const __u8 *p)
{
	return (__u64)tf_le32(p) | (__u64)tf_le32(p + 4) << 32;
}

static inline void tf_put_le32(__u8 *p, __u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/*
 * Encoder into a buffer the writer sized from the same limits it checked,
 * so running out of room is a bug; it is remembered, never a scribble.
 */
struct tf_enc {
	__u8 *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

static inline void tf_enc__bytes(struct tf_enc *c, const void *p, size_t n)
{
	if (c->overflow || n > c->cap - c->len) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static inline void tf_enc__zeros(struct tf_enc *c, size_t n)
{
	if (c->overflow || n > c->cap - c->len) {
		c->overflow = true;
		return;
	}
	memset(c->buf + c->len, 0, n);
	c->len += n;
}

static inline void tf_enc__u16(struct tf_enc *c, __u16 v)
{
	__u8 b[2] = {v, v >> 8};

	tf_enc__bytes(c, b, sizeof(b));
}

static inline void tf_enc__u32(struct tf_enc *c, __u32 v)
{
	__u8 b[4];

	tf_put_le32(b, v);
	tf_enc__bytes(c, b, sizeof(b));
}

static inline void tf_enc__u64(struct tf_enc *c, __u64 v)
{
	tf_enc__u32(c, (__u32)v);
	tf_enc__u32(c, (__u32)(v >> 32));
}

/*
 * Decoder over bytes already in memory. Reading past the end yields zeros
 * and sets `overrun`, so a parser checks once at the end instead of at
 * every field, and can never read out of bounds.
 */
struct tf_dec {
	const __u8 *buf;
	size_t len;
	size_t pos;
	bool overrun;
};

static inline const __u8 *tf_dec__take(struct tf_dec *d, size_t n)
{
	const __u8 *p;

	if (d->overrun || n > d->len - d->pos) {
		d->overrun = true;
		return NULL;
	}
	p = d->buf + d->pos;
	d->pos += n;
	return p;
}

static inline __u16 tf_dec__u16(struct tf_dec *d)
{
	const __u8 *p = tf_dec__take(d, 2);

	return p ? tf_le16(p) : 0;
}

static inline __u32 tf_dec__u32(struct tf_dec *d)
{
	const __u8 *p = tf_dec__take(d, 4);

	return p ? tf_le32(p) : 0;
}

static inline __u64 tf_dec__u64(struct tf_dec *d)
{
	const __u8 *p = tf_dec__take(d, 8);

	return p ? tf_le64(p) : 0;
}

#endif /* SCHEDRIFT_TRACE_FORMAT_H */
