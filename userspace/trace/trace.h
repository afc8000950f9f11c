/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Trace files written by `schedrift record` and read by `schedrift report`.
 * The byte-level format is in docs/trace-format.md. In short: a header with
 * its own CRC (what was captured, where, and the topology used), then
 * zlib-compressed chunks of ring buffer records, each with a length and CRCs,
 * then a trailer with the totals and loss counters.
 *
 * A capture cut short (SIGKILL, full disk, power loss after the page cache
 * was written back) leaves a file whose complete chunks are still readable:
 * the reader hands out every record of every intact chunk before it reports
 * the first problem, and trace_reader__progress() tells a caller how much it
 * got. That is what `report --salvage` builds on.
 *
 * Neither object is thread-safe; each is used by one thread at a time.
 */
#ifndef SCHEDRIFT_TRACE_H
#define SCHEDRIFT_TRACE_H

#include <stddef.h>
#include <linux/types.h>
#include "schedrift.h"
#include "host/topology.h"

/*
 * Format version written by this build. It also reads versions 1 and 2
 * (docs/trace-format.md "Versions"): version 1's records have the older
 * layouts and its waits no delivery/queueing split; version 2 holds wait
 * batches (type 17) where version 3 holds switch batches (type 19);
 * version 4 holds its task records packed (type 21, trace/task_pack.h).
 */
#define SDR_TRACE_VERSION 4
#define SDR_TRACE_MIN_VERSION 1

/* The writer compresses and writes a chunk once this many record bytes wait. */
#define TRACE_CHUNK_RAW_BYTES (256 * 1024)

/*
 * Largest chunk (compressed or raw) a reader accepts. Ours are at most
 * TRACE_CHUNK_RAW_BYTES; the cap only keeps a corrupt length from turning
 * into a huge allocation.
 */
#define TRACE_MAX_CHUNK_BYTES (64u << 20)
/*
 * A whole file's records may inflate to TRACE_MAX_EXPANSION times the
 * compressed bytes read, once past TRACE_FREE_RAW_BYTES. schedrift's own
 * captures stay under 30 times (docs/trace-format.md, Limits); zlib can
 * reach 1 000, and a report keeps every wait, so a small hostile file
 * could otherwise ask for gigabytes.
 */
#define TRACE_MAX_EXPANSION 128
#define TRACE_FREE_RAW_BYTES (64ull << 20)

#define TRACE_COUNTER_NAME_LEN 32
#define TRACE_MAX_COUNTERS     128

struct trace_counter {
	char name[TRACE_COUNTER_NAME_LEN]; /* NUL-terminated, so at most 31 characters */
	__u64 value;
};

struct trace_meta {
	/* The file's format version (the reader fills it; the writer writes SDR_TRACE_VERSION). */
	__u32 version;
	char kernel_release[65];
	char hostname[65];
	__u64 start_realtime_ns; /* CLOCK_REALTIME at capture start */
	/* CLOCK_MONOTONIC at capture start; record timestamps use this clock */
	__u64 start_mono_ns;
	__u32 nr_cpus_online;
	char command[256]; /* how the capture was made, e.g. "record -d 10 -p 123" */
	/*
	 * The file stores nr_cpus, nr_nodes, cpu_node/cpu_llc for CPUs
	 * 0..nr_cpus-1 and distance for nr_nodes x nr_nodes only. The reader
	 * sets the rest of cpu_node/cpu_llc to TOPO_ABSENT and of distance to 0.
	 */
	struct topology topo;
};

struct trace_trailer {
	__u64 end_mono_ns;
	/* Records and chunks written to the file (the writer fills these in). */
	__u64 nr_records;
	__u64 nr_chunks;
	/* Loss and event counters by name, in the order given. */
	__u32 nr_counters;
	struct trace_counter counters[TRACE_MAX_COUNTERS];
	/* The kernel's system totals. */
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
	/* node_matrix has nr_nodes * nr_nodes cells, index from * nr_nodes + to. */
	__u32 nr_nodes;
	struct sdr_node_cell *node_matrix; /* malloc'd; NULL when nr_nodes == 0 */
};

/*
 * What went wrong reading a file. err is the same negative errno the call
 * returned, so a caller can tell the kinds apart without parsing msg:
 *   -ENOEXEC    not a schedrift trace (empty file, bad magic)
 *   -ENOTSUP    a format version this build does not read
 *   -ENODATA    truncated: the file ends early (a capture cut short)
 *   -EBADMSG    corrupt: CRC mismatch, bad length, zlib error, bad record
 *               size, chunk sequence or count mismatch, trailing garbage
 *   -ENOMEM, -EIO, -ENOENT, -EACCES, -EISDIR, ...  the system said no
 */
/* trace_error.offset when the problem is the file itself (open, stat, a directory). */
#define TRACE_NO_OFFSET (~0ull)

struct trace_error {
	__u64 offset;  /* byte offset in the file where the problem is, or TRACE_NO_OFFSET */
	char msg[256]; /* one line, no trailing newline */
	int err;
};

struct trace_writer;

/*
 * Creates path (truncating it; mode 0600 before umask, as the trace names
 * every task on the host) and writes the header. NULL and *err = negative
 * errno on failure: -EINVAL when meta is out of range (topology larger than
 * SDR_MAX_CPUS/SDR_MAX_NODES, a CPU on a node >= nr_nodes).
 */
struct trace_writer *trace_writer__open(const char *path, const struct trace_meta *meta, int *err);

/*
 * Copies one record as it came from the ring buffer. len must equal the
 * record's hdr.size and be at least sizeof(struct sdr_rec_hdr), else
 * -EINVAL, so the file never holds a record the reader would reject; so is
 * a SDR_REC_TASK_PACKED record (packing is the writer's own, done here).
 * Writes a chunk when TRACE_CHUNK_RAW_BYTES are pending.
 */
int trace_writer__append(struct trace_writer *w, const void *rec, size_t len);

/*
 * Compresses and writes the pending records as one chunk, if there are any.
 * The chunk goes straight to the kernel with write(2) (no stdio buffer), so
 * it survives the process being killed; it is not fsync'ed.
 */
int trace_writer__flush(struct trace_writer *w);

/*
 * Flushes, writes the trailer, fsyncs, closes and frees w, whatever happens.
 * The file's nr_records and nr_chunks are the writer's own counts; the ones
 * in tr are ignored. tr == NULL leaves the file without a trailer (tests of
 * truncation only). After a write error the writer refuses further data and
 * close returns that error without writing a trailer.
 */
int trace_writer__close(struct trace_writer *w, const struct trace_trailer *tr);

/* Closes and frees w without flushing or writing a trailer; the file stays. */
void trace_writer__abort(struct trace_writer *w);

/*
 * Builds the SDR_REC_CGROUP record naming cgroup id in buf, which holds
 * TRACE_CGROUP_REC_MAX bytes; a path longer than 4095 bytes is cut.
 * Returns the record's size, for trace_writer__append().
 */
#define TRACE_CGROUP_REC_MAX (sizeof(struct sdr_rec_cgroup) + 4096)
size_t trace__cgroup_record(void *buf, __u64 id, const char *path, __u64 ts_ns);

/* Bytes written to the file so far (header and flushed chunks). */
__u64 trace_writer__bytes(const struct trace_writer *w);

struct trace_reader;

/*
 * Opens path and validates the header. On error returns NULL and fills *e
 * with one line naming what is wrong, e.g. "not a schedrift trace (bad
 * magic)", "header CRC mismatch (...)", "unsupported format version 7 (this
 * build reads 1 to 4)", and the offset of the problem.
 */
struct trace_reader *trace_reader__open(const char *path, struct trace_error *e);

const struct trace_meta *trace_reader__meta(const struct trace_reader *r);

/*
 * Next record. Returns 1 and sets *rec, 0 at a clean end (trailer read, valid,
 * and its counts match the file), or a negative errno with *e filled.
 *
 * *rec stays valid until the next call, is 8-byte aligned, and has
 * (*rec)->size >= sizeof(struct sdr_rec_hdr) readable bytes. Unknown types
 * are returned too: skip them. Check size >= sizeof(struct) before casting
 * to a known record type.
 *
 * A chunk is verified whole (CRCs, zlib, every record size, the record count)
 * before its first record is returned, so the records returned before an
 * error are exactly those of the intact chunks. Errors are sticky: every
 * later call returns the same one, and 0 stays 0.
 */
int trace_reader__next(struct trace_reader *r, const struct sdr_rec_hdr **rec,
		       struct trace_error *e);

/* NULL until a valid trailer was read, i.e. after next() returned 0. */
const struct trace_trailer *trace_reader__trailer(const struct trace_reader *r);

/* How far a reader got; after an error, what a salvage keeps. */
struct trace_progress {
	__u64 nr_records; /* records returned by trace_reader__next() */
	__u64 nr_chunks;  /* chunks verified */
	__u64 good_bytes; /* file offset just past the header or the last verified chunk */
};

void trace_reader__progress(const struct trace_reader *r, struct trace_progress *p);

void trace_reader__close(struct trace_reader *r);

#endif /* SCHEDRIFT_TRACE_H */
