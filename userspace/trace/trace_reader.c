// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trace file reader (format: docs/trace-format.md). The file is untrusted:
 * every length is checked against a cap before anything is allocated and
 * against the file before it is read, every CRC before the bytes it covers
 * are interpreted, and every record size before the record is handed out.
 * A chunk is verified whole before its first record is returned, so what a
 * caller got before an error is exactly the intact chunks: a salvage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "trace/trace.h"
#include "trace/trace_format.h"
#include "trace/task_pack.h"

enum reader_state {
	READ_FRAMES, /* between chunks, or handing out a chunk's records */
	READ_DONE,   /* valid trailer read */
	READ_FAILED, /* `failure` says why, forever */
};

struct trace_reader {
	FILE *f;
	__u64 off;    /* file offset of the next byte fread() returns */
	bool regular; /* a regular file: its size bounds every length */
	enum reader_state state;
	struct trace_error failure;
	struct trace_meta meta;
	struct trace_trailer trailer;

	__u8 *comp; /* compressed payload and its CRC */
	size_t comp_cap;
	__u8 *raw; /* current chunk's records */
	size_t raw_cap;
	size_t raw_len; /* 0 when no chunk is loaded */
	size_t raw_pos; /* next record */
	/* Records of odd sizes leave later ones unaligned; those are copied here. */
	__u64 aligned[65536 / 8];

	__u64 nr_records;    /* returned */
	__u64 chunk_records; /* in verified chunks */
	__u64 nr_chunks;     /* verified */
	__u64 good_bytes;
	__u64 raw_total, comp_total; /* of the verified chunks, for TRACE_MAX_EXPANSION */
};

static int reader__vfail(struct trace_reader *r, struct trace_error *e, int err, __u64 off,
			 const char *prefix, const char *fmt, va_list ap)
{
	struct trace_error *f = &r->failure;
	int n;

	memset(f, 0, sizeof(*f));
	f->offset = off;
	f->err = err;
	n = snprintf(f->msg, sizeof(f->msg), "%s", prefix);
	if (n >= 0 && (size_t)n < sizeof(f->msg))
		vsnprintf(f->msg + n, sizeof(f->msg) - n, fmt, ap);
	r->state = READ_FAILED;
	r->raw_len = r->raw_pos = 0;
	*e = *f;
	return err;
}

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Fills *e and keeps a copy: every later call reports the same failure. */
PRINTF(5, 6)
static int reader__fail(struct trace_reader *r, struct trace_error *e, int err, __u64 off,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = reader__vfail(r, e, err, off, "", fmt, ap);
	va_end(ap);
	return err;
}

/* Corruption in the chunk being read (number r->nr_chunks, starting at start). */
PRINTF(4, 5)
static int chunk__fail(struct trace_reader *r, struct trace_error *e, __u64 start, const char *fmt,
		       ...)
{
	char prefix[64];
	va_list ap;
	int err;

	snprintf(prefix, sizeof(prefix), "chunk %llu at offset %llu: ", r->nr_chunks, start);
	va_start(ap, fmt);
	err = reader__vfail(r, e, -EBADMSG, start, prefix, fmt, ap);
	va_end(ap);
	return err;
}

PRINTF(4, 5)
static int trailer__fail(struct trace_reader *r, struct trace_error *e, __u64 start,
			 const char *fmt, ...)
{
	char prefix[64];
	va_list ap;
	int err;

	snprintf(prefix, sizeof(prefix), "trailer at offset %llu: ", start);
	va_start(ap, fmt);
	err = reader__vfail(r, e, -EBADMSG, start, prefix, fmt, ap);
	va_end(ap);
	return err;
}

PRINTF(4, 5)
static int header__fail(struct trace_reader *r, struct trace_error *e, __u64 off, const char *fmt,
			...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = reader__vfail(r, e, -EBADMSG, off, "bad header: ", fmt, ap);
	va_end(ap);
	return err;
}

/* Reads up to n bytes; *got < n means end of file. Returns 0 or -errno. */
static int reader__read(struct trace_reader *r, void *buf, size_t n, size_t *got)
{
	*got = fread(buf, 1, n, r->f);
	r->off += *got;
	if (*got < n && ferror(r->f))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Would n more bytes run past the end of the file? Asked before allocating
 * for a length read from the file. The size is looked up each time because
 * a trace may be read while the recorder still appends to it.
 */
static bool reader__past_eof(struct trace_reader *r, __u64 n, __u64 *end)
{
	struct stat st;

	if (!r->regular || fstat(fileno(r->f), &st))
		return false;
	*end = st.st_size;
	return r->off > *end || n > *end - r->off;
}

static int reader__io_fail(struct trace_reader *r, struct trace_error *e, int err)
{
	return reader__fail(r, e, err, r->off, "failed to read at offset %llu: %s", r->off,
			    strerror(-err));
}

/* what = "header", "chunk 3", "trailer": the frame that begins at start. */
static int reader__truncated(struct trace_reader *r, struct trace_error *e, const char *what,
			     __u64 start, __u64 end)
{
	return reader__fail(r, e, -ENODATA, start,
			    "truncated: %s at offset %llu ends early (file ends at byte %llu); "
			    "the capture was cut short",
			    what, start, end);
}

static int grow(__u8 **buf, size_t *cap, size_t want)
{
	__u8 *p;

	if (want <= *cap)
		return 0;
	p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = want;
	return 0;
}

/* A length-prefixed string: at most max bytes, no NUL inside. */
static bool dec__str(struct tf_dec *d, char *dst, size_t max)
{
	__u16 n = tf_dec__u16(d);
	const __u8 *p;

	if (n > max)
		return false;
	p = tf_dec__take(d, n);
	if (!p || memchr(p, 0, n))
		return false;
	memcpy(dst, p, n);
	dst[n] = 0;
	return true;
}

static int header__parse(struct trace_reader *r, struct trace_error *e, const __u8 *buf, size_t len)
{
	struct tf_dec d = {.buf = buf, .len = len - TF_CRC_LEN, .pos = TF_HDR_PREFIX_LEN};
	struct trace_meta *m = &r->meta;
	struct topology *t = &m->topo;
	__u32 nr_cpus, nr_nodes, i, j;
	const char *bad = NULL;
	size_t at;

	m->start_realtime_ns = tf_dec__u64(&d);
	m->start_mono_ns = tf_dec__u64(&d);
	m->nr_cpus_online = tf_dec__u32(&d);
	at = d.pos;
	if (!dec__str(&d, m->kernel_release, TF_KREL_MAX))
		bad = "kernel release";
	else if ((at = d.pos), !dec__str(&d, m->hostname, TF_HOST_MAX))
		bad = "hostname";
	else if ((at = d.pos), !dec__str(&d, m->command, TF_CMD_MAX))
		bad = "command";
	if (bad)
		return header__fail(r, e, at, "%s is too long or holds a NUL", bad);

	at = d.pos;
	nr_cpus = tf_dec__u32(&d);
	nr_nodes = tf_dec__u32(&d);
	if (nr_cpus > SDR_MAX_CPUS || nr_nodes > SDR_MAX_NODES)
		return header__fail(r, e, at, "topology of %u CPUs and %u nodes (limits %d, %d)",
				    nr_cpus, nr_nodes, SDR_MAX_CPUS, SDR_MAX_NODES);
	t->nr_cpus = nr_cpus;
	t->nr_nodes = nr_nodes;
	for (i = 0; i < SDR_MAX_CPUS; i++)
		t->cpu_node[i] = t->cpu_llc[i] = TOPO_ABSENT;
	for (i = 0; i < nr_cpus; i++) {
		at = d.pos;
		t->cpu_node[i] = (__s32)tf_dec__u32(&d);
		t->cpu_llc[i] = (__s32)tf_dec__u32(&d);
		/* Consumers index distance[] and per-LLC arrays with these. */
		if (t->cpu_node[i] < TOPO_ABSENT || t->cpu_node[i] >= (int)nr_nodes ||
		    t->cpu_llc[i] < TOPO_ABSENT || t->cpu_llc[i] >= TOPO_LLC_LIMIT)
			return header__fail(r, e, at, "CPU %u has node %d, LLC %d", i,
					    t->cpu_node[i], t->cpu_llc[i]);
	}
	for (i = 0; i < nr_nodes; i++)
		for (j = 0; j < nr_nodes; j++)
			t->distance[i][j] = (__s32)tf_dec__u32(&d);

	if (d.overrun || d.pos != d.len)
		return header__fail(r, e, TF_HDR_PREFIX_LEN,
				    "its fields take %s bytes than its length of %zu",
				    d.overrun ? "more" : "fewer", len);
	return 0;
}

static int reader__header(struct trace_reader *r, struct trace_error *e)
{
	__u8 pre[TF_HDR_PREFIX_LEN], *buf;
	__u32 version, len, stored, crc;
	size_t got;
	int err;

	err = reader__read(r, pre, sizeof(pre), &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got == 0)
		return reader__fail(r, e, -ENOEXEC, 0, "not a schedrift trace (empty file)");
	if (memcmp(pre, TF_MAGIC, got < TF_MAGIC_LEN ? got : TF_MAGIC_LEN))
		return reader__fail(r, e, -ENOEXEC, 0, "not a schedrift trace (bad magic)");
	if (got < sizeof(pre))
		return reader__truncated(r, e, "header", 0, r->off);

	/* Before the CRC: another version may frame its header differently. */
	version = tf_le32(pre + 8);
	if (version < SDR_TRACE_MIN_VERSION || version > SDR_TRACE_VERSION)
		return reader__fail(r, e, -ENOTSUP, 8,
				    "unsupported format version %u (this build reads %u to %u)",
				    version, SDR_TRACE_MIN_VERSION, SDR_TRACE_VERSION);
	len = tf_le32(pre + 12);
	if (len < TF_HDR_MIN_LEN || len > TF_HDR_MAX_LEN)
		return reader__fail(r, e, -EBADMSG, 12,
				    "bad header length %u (a valid one is %zu to %zu bytes)", len,
				    (size_t)TF_HDR_MIN_LEN, (size_t)TF_HDR_MAX_LEN);

	buf = malloc(len);
	if (!buf)
		return reader__fail(r, e, -ENOMEM, 0, "out of memory reading the header");
	memcpy(buf, pre, sizeof(pre));
	err = reader__read(r, buf + sizeof(pre), len - sizeof(pre), &got);
	if (err) {
		err = reader__io_fail(r, e, err);
		goto out;
	}
	if (got < len - sizeof(pre)) {
		err = reader__truncated(r, e, "header", 0, r->off);
		goto out;
	}
	stored = tf_le32(buf + len - TF_CRC_LEN);
	crc = tf_crc(buf, len - TF_CRC_LEN);
	if (stored != crc) {
		err = reader__fail(r, e, -EBADMSG, len - TF_CRC_LEN,
				   "header CRC mismatch (stored %08x, computed %08x)", stored, crc);
		goto out;
	}
	err = header__parse(r, e, buf, len);
	r->meta.version = version;
out:
	free(buf);
	return err;
}

struct trace_reader *trace_reader__open(const char *path, struct trace_error *e)
{
	struct trace_error dummy;
	struct trace_reader *r;
	struct stat st;
	int err;

	if (!e)
		e = &dummy;
	memset(e, 0, sizeof(*e));
	r = calloc(1, sizeof(*r));
	if (!r) {
		e->err = -ENOMEM;
		snprintf(e->msg, sizeof(e->msg), "out of memory opening %s", path);
		return NULL;
	}
	r->f = fopen(path, "rbe");
	if (!r->f) {
		err = -errno;
		reader__fail(r, e, err, TRACE_NO_OFFSET, "failed to open: %s", strerror(-err));
		goto fail;
	}
	if (fstat(fileno(r->f), &st)) {
		err = -errno;
		reader__fail(r, e, err, TRACE_NO_OFFSET, "failed to stat: %s", strerror(-err));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		reader__fail(r, e, -EISDIR, TRACE_NO_OFFSET, "a directory, not a trace file");
		goto fail;
	}
	r->regular = S_ISREG(st.st_mode);
	if (reader__header(r, e))
		goto fail;
	r->good_bytes = r->off;
	r->state = READ_FRAMES;
	return r;
fail:
	trace_reader__close(r);
	return NULL;
}

/* A task record packed for the file (version 4 on); next() hands it out unpacked. */
static bool packed_task(const struct trace_reader *r, const __u8 *rec)
{
	return r->meta.version >= 4 &&
	       tf_le16(rec + offsetof(struct sdr_rec_hdr, type)) == SDR_REC_TASK_PACKED;
}

/*
 * Walks the decompressed records once, so next() can hand them out blindly
 * (packed task records are unpacked once here to check them).
 */
static int chunk__check_records(struct trace_reader *r, struct trace_error *e, __u64 start,
				__u32 nr_records)
{
	const size_t min = sizeof(struct sdr_rec_hdr);
	size_t pos = 0, left;
	__u32 n = 0;
	__u16 size;

	while (pos < r->raw_len) {
		left = r->raw_len - pos;
		if (left < min)
			return chunk__fail(r, e, start,
					   "bad record size: %zu bytes after record %u, too few "
					   "for a record header",
					   left, n);
		size = tf_le16(r->raw + pos + offsetof(struct sdr_rec_hdr, size));
		if (size < min)
			return chunk__fail(r, e, start,
					   "bad record size: record %u says %u bytes, less than "
					   "its own header",
					   n, size);
		if (size > left)
			return chunk__fail(r, e, start,
					   "bad record size: record %u says %u bytes, the chunk "
					   "has %zu left",
					   n, size, left);
		if (packed_task(r, r->raw + pos) &&
		    task_pack__unpack(r->raw + pos, size, (struct sdr_rec_task *)r->aligned))
			return chunk__fail(r, e, start, "bad packed task record: record %u", n);
		pos += size;
		n++;
	}
	if (n != nr_records)
		return chunk__fail(r, e, start, "holds %u records, its header says %u", n,
				   nr_records);
	return 0;
}

/* Why a payload that passed its CRC did not decompress as its header says, or NULL. */
static const char *zlib_problem(int ret, uLongf got, __u32 want, uLong used, __u32 have)
{
	if (ret == Z_BUF_ERROR)
		return got == want ? "data is longer than the chunk header says"
				   : "the compressed stream is incomplete";
	if (ret != Z_OK)
		return zError(ret);
	if (got != want)
		return "data is shorter than the chunk header says";
	if (used != have)
		return "bytes left after the end of the compressed stream";
	return NULL;
}

static int reader__chunk(struct trace_reader *r, struct trace_error *e, __u64 start,
			 const __u8 *tag)
{
	__u32 seq, comp_len, raw_len, nr_records, stored, crc;
	__u8 h[TF_CHUNK_HDR_LEN];
	const char *problem;
	char what[32];
	uLongf dst_len;
	uLong src_len;
	__u64 end;
	size_t got;
	int err;

	snprintf(what, sizeof(what), "chunk %llu", r->nr_chunks);
	memcpy(h, tag, TF_TAG_LEN);
	err = reader__read(r, h + TF_TAG_LEN, sizeof(h) - TF_TAG_LEN, &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got < sizeof(h) - TF_TAG_LEN)
		return reader__truncated(r, e, what, start, r->off);
	stored = tf_le32(h + 20);
	crc = tf_crc(h, 20);
	if (stored != crc)
		return chunk__fail(r, e, start, "header CRC mismatch (stored %08x, computed %08x)",
				   stored, crc);
	seq = tf_le32(h + 4);
	comp_len = tf_le32(h + 8);
	raw_len = tf_le32(h + 12);
	nr_records = tf_le32(h + 16);

	/* The header CRC passed: from here on a bad value is a writer's bug, not noise. */
	if (seq != r->nr_chunks)
		return chunk__fail(r, e, start,
				   "sequence number %u, expected %llu: chunks are missing or "
				   "out of order",
				   seq, r->nr_chunks);
	if (!comp_len || comp_len > TRACE_MAX_CHUNK_BYTES || raw_len > TRACE_MAX_CHUNK_BYTES ||
	    raw_len < sizeof(struct sdr_rec_hdr))
		return chunk__fail(r, e, start, "absurd length (compressed %u, raw %u; limit %u)",
				   comp_len, raw_len, TRACE_MAX_CHUNK_BYTES);
	if (!nr_records || nr_records > raw_len / sizeof(struct sdr_rec_hdr))
		return chunk__fail(r, e, start, "a count of %u records is impossible in %u bytes",
				   nr_records, raw_len);

	if (reader__past_eof(r, (__u64)comp_len + TF_CRC_LEN, &end))
		return reader__truncated(r, e, what, start, end);
	if (grow(&r->comp, &r->comp_cap, (size_t)comp_len + TF_CRC_LEN))
		return reader__fail(r, e, -ENOMEM, start, "out of memory reading %s", what);
	err = reader__read(r, r->comp, (size_t)comp_len + TF_CRC_LEN, &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got < (size_t)comp_len + TF_CRC_LEN)
		return reader__truncated(r, e, what, start, r->off);
	stored = tf_le32(r->comp + comp_len);
	crc = tf_crc(r->comp, comp_len);
	if (stored != crc)
		return chunk__fail(r, e, start, "CRC mismatch (stored %08x, computed %08x)", stored,
				   crc);

	if (r->raw_total + raw_len > TRACE_FREE_RAW_BYTES &&
	    r->raw_total + raw_len > TRACE_MAX_EXPANSION * (r->comp_total + comp_len))
		return chunk__fail(r, e, start,
				   "records would inflate to %llu bytes from %llu compressed, over "
				   "%d times: a zlib bomb, not a capture",
				   r->raw_total + raw_len, r->comp_total + comp_len,
				   TRACE_MAX_EXPANSION);
	if (grow(&r->raw, &r->raw_cap, raw_len))
		return reader__fail(r, e, -ENOMEM, start, "out of memory reading %s", what);
	dst_len = raw_len;
	src_len = comp_len;
	err = uncompress2(r->raw, &dst_len, r->comp, &src_len);
	problem = zlib_problem(err, dst_len, raw_len, src_len, comp_len);
	if (problem && err == Z_MEM_ERROR)
		return reader__fail(r, e, -ENOMEM, start, "out of memory reading %s", what);
	if (problem)
		return chunk__fail(r, e, start, "zlib error: %s", problem);

	r->raw_len = raw_len;
	r->raw_pos = 0;
	err = chunk__check_records(r, e, start, nr_records);
	if (err)
		return err;
	r->nr_chunks++;
	r->chunk_records += nr_records;
	r->good_bytes = r->off;
	r->raw_total += raw_len;
	r->comp_total += comp_len;
	return 0;
}

static int trailer__parse(struct trace_reader *r, struct trace_error *e, __u64 start,
			  const __u8 *body, size_t len)
{
	struct tf_dec d = {.buf = body, .len = len};
	struct trace_trailer *t = &r->trailer;
	__u32 nr_loc, nr_cause, i, j, k, cells;
	const __u8 *name;

	memset(t, 0, sizeof(*t));
	t->end_mono_ns = tf_dec__u64(&d);
	t->nr_records = tf_dec__u64(&d);
	t->nr_chunks = tf_dec__u64(&d);
	t->nr_counters = tf_dec__u32(&d);
	if (t->nr_counters > TRACE_MAX_COUNTERS)
		return trailer__fail(r, e, start, "%u counters, more than the limit of %d",
				     t->nr_counters, TRACE_MAX_COUNTERS);
	for (i = 0; i < t->nr_counters; i++) {
		name = tf_dec__take(&d, TRACE_COUNTER_NAME_LEN);
		if (!name)
			break;
		if (name[TRACE_COUNTER_NAME_LEN - 1])
			return trailer__fail(r, e, start, "counter %u has no NUL-terminated name",
					     i);
		memcpy(t->counters[i].name, name, TRACE_COUNTER_NAME_LEN);
		t->counters[i].value = tf_dec__u64(&d);
	}
	/*
	 * Older files may know fewer localities or causes than this build;
	 * the ones they lack read as 0. More than we know cannot be shown.
	 */
	nr_loc = tf_dec__u32(&d);
	nr_cause = tf_dec__u32(&d);
	if (nr_loc > SDR_LOC_NR || nr_cause > SDR_CAUSE_NR)
		return trailer__fail(r, e, start,
				     "%u localities x %u causes; this build knows %d x %d", nr_loc,
				     nr_cause, SDR_LOC_NR, SDR_CAUSE_NR);
	for (i = 0; i < nr_loc; i++)
		for (j = 0; j < nr_cause; j++)
			t->migrations[i][j] = tf_dec__u64(&d);
	t->penalty_milli = tf_dec__u64(&d);
	t->nr_nodes = tf_dec__u32(&d);
	if (t->nr_nodes > SDR_MAX_NODES)
		return trailer__fail(r, e, start, "%u nodes, more than the limit of %d",
				     t->nr_nodes, SDR_MAX_NODES);
	cells = t->nr_nodes * t->nr_nodes;
	if (cells && !d.overrun) {
		t->node_matrix = calloc(cells, sizeof(*t->node_matrix));
		if (!t->node_matrix)
			return reader__fail(r, e, -ENOMEM, start,
					    "out of memory reading the trailer");
		for (k = 0; k < cells; k++)
			for (j = 0; j < nr_cause; j++)
				t->node_matrix[k].by_cause[j] = tf_dec__u64(&d);
	}
	if (d.overrun || d.pos != d.len)
		return trailer__fail(r, e, start, "its fields take %s bytes than its length of %zu",
				     d.overrun ? "more" : "fewer", len);
	return 0;
}

/* After a valid trailer: nothing may follow, and its counts must match what we read. */
static int trailer__check_end(struct trace_reader *r, struct trace_error *e, __u64 start)
{
	__u64 end = r->off;
	size_t got;
	__u8 extra;
	int err;

	err = reader__read(r, &extra, 1, &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got)
		return reader__fail(r, e, -EBADMSG, end,
				    "trailing garbage after the trailer at offset %llu", end);
	if (r->trailer.nr_records != r->chunk_records || r->trailer.nr_chunks != r->nr_chunks)
		return trailer__fail(
		    r, e, start, "says %llu records in %llu chunks, the file holds %llu in %llu",
		    r->trailer.nr_records, r->trailer.nr_chunks, r->chunk_records, r->nr_chunks);
	return 0;
}

static int reader__trailer(struct trace_reader *r, struct trace_error *e, __u64 start,
			   const __u8 *tag)
{
	__u8 h[TF_TRAILER_HDR_LEN], *body;
	__u32 len, stored, crc;
	__u64 end;
	size_t got;
	int err;

	memcpy(h, tag, TF_TAG_LEN);
	err = reader__read(r, h + TF_TAG_LEN, sizeof(h) - TF_TAG_LEN, &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got < sizeof(h) - TF_TAG_LEN)
		return reader__truncated(r, e, "trailer", start, r->off);
	stored = tf_le32(h + 8);
	crc = tf_crc(h, 8);
	if (stored != crc)
		return trailer__fail(
		    r, e, start, "header CRC mismatch (stored %08x, computed %08x)", stored, crc);
	len = tf_le32(h + 4);
	if (len < TF_TRAILER_MIN_BODY || len > TF_TRAILER_MAX_BODY)
		return trailer__fail(r, e, start, "absurd length %u (a valid one is %zu to %zu)",
				     len, (size_t)TF_TRAILER_MIN_BODY, (size_t)TF_TRAILER_MAX_BODY);
	if (reader__past_eof(r, (__u64)len + TF_CRC_LEN, &end))
		return reader__truncated(r, e, "trailer", start, end);

	body = malloc((size_t)len + TF_CRC_LEN);
	if (!body)
		return reader__fail(r, e, -ENOMEM, start, "out of memory reading the trailer");
	err = reader__read(r, body, (size_t)len + TF_CRC_LEN, &got);
	if (err) {
		err = reader__io_fail(r, e, err);
		goto out;
	}
	if (got < (size_t)len + TF_CRC_LEN) {
		err = reader__truncated(r, e, "trailer", start, r->off);
		goto out;
	}
	stored = tf_le32(body + len);
	crc = tf_crc(body, len);
	if (stored != crc) {
		err = trailer__fail(r, e, start, "CRC mismatch (stored %08x, computed %08x)",
				    stored, crc);
		goto out;
	}
	err = trailer__parse(r, e, start, body, len);
	if (!err)
		err = trailer__check_end(r, e, start);
	if (!err)
		r->state = READ_DONE;
out:
	free(body);
	return err;
}

/* Reads the next frame: loads a chunk, or reads the trailer and ends. */
static int reader__frame(struct trace_reader *r, struct trace_error *e)
{
	__u64 start = r->off;
	__u8 tag[TF_TAG_LEN];
	size_t got;
	int err;

	err = reader__read(r, tag, sizeof(tag), &got);
	if (err)
		return reader__io_fail(r, e, err);
	if (got == 0 && !r->nr_chunks)
		return reader__fail(r, e, -ENODATA, start,
				    "truncated: no trailer after the header; "
				    "the capture was cut short");
	if (got == 0)
		return reader__fail(r, e, -ENODATA, start,
				    "truncated: no trailer after chunk %llu; "
				    "the capture was cut short",
				    r->nr_chunks - 1);
	if (got < sizeof(tag))
		return reader__truncated(r, e, "frame", start, r->off);
	if (!memcmp(tag, TF_TAG_CHUNK, TF_TAG_LEN))
		return reader__chunk(r, e, start, tag);
	if (!memcmp(tag, TF_TAG_TRAILER, TF_TAG_LEN))
		return reader__trailer(r, e, start, tag);
	return reader__fail(r, e, -EBADMSG, start,
			    "bad frame tag %02x %02x %02x %02x at offset %llu "
			    "(expected a chunk or the trailer)",
			    tag[0], tag[1], tag[2], tag[3], start);
}

int trace_reader__next(struct trace_reader *r, const struct sdr_rec_hdr **rec,
		       struct trace_error *e)
{
	struct trace_error dummy;
	const __u8 *p;
	__u16 size;
	int err;

	if (!e)
		e = &dummy;
	if (!r || !rec)
		return -EINVAL;
	for (;;) {
		if (r->state == READ_FAILED) {
			*e = r->failure;
			return r->failure.err;
		}
		if (r->state == READ_DONE)
			return 0;
		if (r->raw_pos < r->raw_len)
			break;
		err = reader__frame(r, e);
		if (err)
			return err;
	}

	/* chunk__check_records() vouched for every size in this chunk. */
	p = r->raw + r->raw_pos;
	size = tf_le16(p + offsetof(struct sdr_rec_hdr, size));
	r->raw_pos += size;
	r->nr_records++;
	if (packed_task(r, p)) {
		/* chunk__check_records() unpacked it once already: it cannot fail. */
		task_pack__unpack(p, size, (struct sdr_rec_task *)r->aligned);
		p = (const __u8 *)r->aligned;
	} else if ((uintptr_t)p % sizeof(__u64)) {
		memcpy(r->aligned, p, size);
		p = (const __u8 *)r->aligned;
	}
	*rec = (const struct sdr_rec_hdr *)p;
	return 1;
}

const struct trace_meta *trace_reader__meta(const struct trace_reader *r)
{
	return &r->meta;
}

const struct trace_trailer *trace_reader__trailer(const struct trace_reader *r)
{
	return r && r->state == READ_DONE ? &r->trailer : NULL;
}

void trace_reader__progress(const struct trace_reader *r, struct trace_progress *p)
{
	p->nr_records = r->nr_records;
	p->nr_chunks = r->nr_chunks;
	p->good_bytes = r->good_bytes;
}

void trace_reader__close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->comp);
	free(r->raw);
	free(r->trailer.node_matrix);
	free(r);
}
