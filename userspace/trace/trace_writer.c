// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trace file writer (format: docs/trace-format.md). Records are copied into
 * a raw buffer; a full buffer or an explicit flush becomes one compressed
 * chunk written with a single write(2), so a killed recorder leaves every
 * chunk it flushed intact and loses only the records still buffered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "trace/trace.h"
#include "trace/trace_format.h"
#include "trace/task_pack.h"

/*
 * The recorder runs on the machine it observes; the fastest level keeps it
 * from perturbing the scheduler it measures, and records of a few fixed
 * layouts compress well even so.
 */
#define TRACE_ZLIB_LEVEL Z_BEST_SPEED
/*
 * Except switch batches: already delta- and varint-encoded, zlib's fastest
 * level took them only to 0.72 of their size at about 220 ns a switch
 * (half of record's own CPU on `perf bench sched messaging`, issue 23), so
 * they go into the chunk's zlib stream as stored blocks. The stream is
 * plain zlib either way: readers inflate it as before.
 */
#define TRACE_ZLIB_LEVEL_SWITCHES Z_NO_COMPRESSION
/*
 * Exits packed (trace/task_pack.h) too: their varints took zlib about as
 * long as the 1600-byte records they replace (3-6 us a task, a third of
 * `record --no-samples`'s CPU under `perf bench sched messaging`, where a
 * task lives for 75 waits), to take them from 100 bytes to 45. Stored, a
 * chunk also keeps one level where exits come between switch batches.
 * Snapshots come once, at the end of a capture, after the workload: they
 * keep the common level and its smaller file.
 */
#define TRACE_ZLIB_LEVEL_EXITS Z_NO_COMPRESSION

struct trace_writer {
	int fd;
	/* First write error: sticky, so a torn chunk is never followed by more. */
	int err;
	__u64 bytes;	  /* written to the file */
	__u64 nr_records; /* appended, flushed or not */
	__u64 nr_chunks;  /* written */
	/* Records waiting for the next chunk: TRACE_CHUNK_RAW_BYTES at most. */
	__u8 *raw;
	size_t raw_len;
	__u32 raw_records;
	/* Chunk header, compressed payload and payload CRC, written in one go. */
	__u8 *frame;
	size_t frame_cap;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* A regular file only writes nothing when the disk is full. */
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= n;
	}
	return 0;
}

static int trace_writer__write(struct trace_writer *w, const void *buf, size_t len)
{
	int err = write_all(w->fd, buf, len);

	if (err) {
		w->err = err;
		return err;
	}
	w->bytes += len;
	return 0;
}

/* Refuse what the reader would reject, so we never write an unreadable file. */
static int meta__check(const struct trace_meta *m)
{
	const struct topology *t = &m->topo;
	int i;

	if (t->nr_cpus < 0 || t->nr_cpus > SDR_MAX_CPUS || t->nr_nodes < 0 ||
	    t->nr_nodes > SDR_MAX_NODES)
		return -EINVAL;
	for (i = 0; i < t->nr_cpus; i++) {
		if (t->cpu_node[i] < TOPO_ABSENT || t->cpu_node[i] >= t->nr_nodes)
			return -EINVAL;
		if (t->cpu_llc[i] < TOPO_ABSENT || t->cpu_llc[i] >= TOPO_LLC_LIMIT)
			return -EINVAL;
	}
	return 0;
}

static void enc__str(struct tf_enc *c, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	tf_enc__u16(c, n);
	tf_enc__bytes(c, s, n);
}

static int header__encode(struct tf_enc *c, const struct trace_meta *m)
{
	const struct topology *t = &m->topo;
	int i, j;

	tf_enc__bytes(c, TF_MAGIC, TF_MAGIC_LEN);
	tf_enc__u32(c, SDR_TRACE_VERSION);
	tf_enc__u32(c, 0); /* header_len, patched below */
	tf_enc__u64(c, m->start_realtime_ns);
	tf_enc__u64(c, m->start_mono_ns);
	tf_enc__u32(c, m->nr_cpus_online);
	enc__str(c, m->kernel_release, TF_KREL_MAX);
	enc__str(c, m->hostname, TF_HOST_MAX);
	enc__str(c, m->command, TF_CMD_MAX);
	tf_enc__u32(c, t->nr_cpus);
	tf_enc__u32(c, t->nr_nodes);
	for (i = 0; i < t->nr_cpus; i++) {
		tf_enc__u32(c, (__u32)t->cpu_node[i]);
		tf_enc__u32(c, (__u32)t->cpu_llc[i]);
	}
	for (i = 0; i < t->nr_nodes; i++)
		for (j = 0; j < t->nr_nodes; j++)
			tf_enc__u32(c, (__u32)t->distance[i][j]);
	if (c->overflow || c->len + TF_CRC_LEN > c->cap)
		return -EOVERFLOW;
	tf_put_le32(c->buf + 12, c->len + TF_CRC_LEN);
	tf_enc__u32(c, tf_crc(c->buf, c->len));
	return 0;
}

struct trace_writer *trace_writer__open(const char *path, const struct trace_meta *meta, int *err)
{
	struct trace_writer *w = NULL;
	struct tf_enc c = {.cap = TF_HDR_MAX_LEN};
	int ret, dummy;

	if (!err)
		err = &dummy;
	if (!path || !meta) {
		*err = -EINVAL;
		return NULL;
	}
	ret = meta__check(meta);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		goto fail;
	w->fd = -1;
	c.buf = malloc(c.cap);
	if (!c.buf)
		goto fail;
	w->frame_cap = TF_CHUNK_HDR_LEN + compressBound(TRACE_CHUNK_RAW_BYTES) + TF_CRC_LEN;
	w->raw = malloc(TRACE_CHUNK_RAW_BYTES);
	w->frame = malloc(w->frame_cap);
	if (!w->raw || !w->frame)
		goto fail;
	ret = header__encode(&c, meta);
	if (ret)
		goto fail;

	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = trace_writer__write(w, c.buf, c.len);
	if (ret)
		goto fail;
	free(c.buf);
	return w;

fail:
	free(c.buf);
	trace_writer__abort(w);
	*err = ret;
	return NULL;
}

/* The buffer holds records at any byte offset: headers are copied out. */
static int level_of(const __u8 *rec)
{
	struct sdr_rec_hdr h;

	memcpy(&h, rec, sizeof(h));
	if (h.type == SDR_REC_SWITCH_BATCH)
		return TRACE_ZLIB_LEVEL_SWITCHES;
	/* A packed record is at least TASK_PACK_FIXED bytes: its kind is there. */
	if (h.type == SDR_REC_TASK_PACKED && h.size >= TASK_PACK_FIXED &&
	    rec[sizeof(h)] == SDR_REC_TASK_EXIT)
		return TRACE_ZLIB_LEVEL_EXITS;
	return TRACE_ZLIB_LEVEL;
}

static size_t size_of(const __u8 *rec)
{
	struct sdr_rec_hdr h;

	memcpy(&h, rec, sizeof(h));
	return h.size;
}

/*
 * Going back from stored blocks to a compressing level clears zlib's hash
 * (64 KiB) or slides it: 10-20 us a time. Between exits and switch batches
 * (both stored) come migrations and the odd other record, a few dozen
 * bytes each, so a short run of them is stored too: alone, after a
 * cleared hash, they hardly compressed anyway.
 */
#define TRACE_SHORT_RUN_BYTES 4096

/*
 * One zlib stream over the chunk's records, each run of records at its
 * type's level (deflateParams between runs; a short compressible run
 * after stored ones stays stored). Returns a zlib code; Z_BUF_ERROR when
 * *dst_len was too small.
 */
static int chunk_deflate(__u8 *dst, uLongf *dst_len, const __u8 *src, size_t src_len)
{
	size_t off = 0, end;
	z_stream z = {};
	int ret, cur, want;

	if (!src_len)
		return Z_DATA_ERROR;
	cur = level_of(src);
	ret = deflateInit(&z, cur);
	if (ret != Z_OK)
		return ret;
	z.next_out = dst;
	z.avail_out = *dst_len;
	while (off < src_len) {
		want = level_of(src + off);
		/* Records were checked by trace_writer__append: sizes add up to src_len. */
		for (end = off; end < src_len; end += size_of(src + end))
			if (level_of(src + end) != want)
				break;
		if (want != cur &&
		    !(cur == Z_NO_COMPRESSION && end - off < TRACE_SHORT_RUN_BYTES)) {
			ret = deflateParams(&z, want, Z_DEFAULT_STRATEGY);
			if (ret != Z_OK) {
				ret = Z_BUF_ERROR;
				break;
			}
			cur = want;
		}
		z.next_in = (Bytef *)(src + off);
		z.avail_in = end - off;
		ret = deflate(&z, end < src_len ? Z_NO_FLUSH : Z_FINISH);
		if (end == src_len)
			break;
		if (ret != Z_OK || z.avail_in || !z.avail_out) {
			ret = Z_BUF_ERROR;
			break;
		}
		off = end;
	}
	if (ret == Z_STREAM_END) {
		*dst_len = z.total_out;
		ret = Z_OK;
	} else if (ret == Z_OK) {
		ret = Z_BUF_ERROR; /* Z_FINISH left output pending: the frame is full */
	}
	deflateEnd(&z);
	return ret;
}

int trace_writer__flush(struct trace_writer *w)
{
	uLongf clen;
	__u8 *f;
	int ret;

	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (!w->raw_len)
		return 0;

	f = w->frame;
	clen = w->frame_cap - TF_CHUNK_HDR_LEN - TF_CRC_LEN;
	ret = chunk_deflate(f + TF_CHUNK_HDR_LEN, &clen, w->raw, w->raw_len);
	/* Level changes add block headers: if that ever overflows the frame, one level for all. */
	if (ret == Z_BUF_ERROR) {
		clen = w->frame_cap - TF_CHUNK_HDR_LEN - TF_CRC_LEN;
		ret = compress2(f + TF_CHUNK_HDR_LEN, &clen, w->raw, w->raw_len, TRACE_ZLIB_LEVEL);
	}
	/* Nothing was written, so the records stay pending and a retry may work. */
	if (ret == Z_MEM_ERROR)
		return -ENOMEM;
	if (ret != Z_OK)
		return -EIO;

	memcpy(f, TF_TAG_CHUNK, TF_TAG_LEN);
	tf_put_le32(f + 4, (__u32)w->nr_chunks);
	tf_put_le32(f + 8, clen);
	tf_put_le32(f + 12, w->raw_len);
	tf_put_le32(f + 16, w->raw_records);
	tf_put_le32(f + 20, tf_crc(f, 20));
	tf_put_le32(f + TF_CHUNK_HDR_LEN + clen, tf_crc(f + TF_CHUNK_HDR_LEN, clen));

	ret = trace_writer__write(w, f, TF_CHUNK_HDR_LEN + clen + TF_CRC_LEN);
	if (ret)
		return ret;
	w->nr_chunks++;
	w->raw_len = 0;
	w->raw_records = 0;
	return 0;
}

int trace_writer__append(struct trace_writer *w, const void *rec, size_t len)
{
	__u8 packed[TASK_PACK_MAX];
	struct sdr_rec_hdr hdr;
	size_t plen;
	int ret;

	if (!w || !rec)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (len < sizeof(hdr) || len > TRACE_CHUNK_RAW_BYTES)
		return -EINVAL;
	/* The ring buffer gives no alignment promise to a byte pointer. */
	memcpy(&hdr, rec, sizeof(hdr));
	if (hdr.size != len)
		return -EINVAL;
	/* Packing is the writer's own: a caller's packed record could be anything. */
	if (hdr.type == SDR_REC_TASK_PACKED)
		return -EINVAL;
	/* Task records go in packed (version 4), unless packing would make one longer. */
	if (task_pack__wanted(&hdr)) {
		plen = task_pack__pack(rec, packed);
		if (plen < len) {
			rec = packed;
			len = plen;
		}
	}

	if (len > TRACE_CHUNK_RAW_BYTES - w->raw_len) {
		ret = trace_writer__flush(w);
		if (ret)
			return ret;
	}
	memcpy(w->raw + w->raw_len, rec, len);
	w->raw_len += len;
	w->raw_records++;
	w->nr_records++;
	if (w->raw_len == TRACE_CHUNK_RAW_BYTES)
		return trace_writer__flush(w);
	return 0;
}

static void counter__encode(struct tf_enc *c, const struct trace_counter *ctr)
{
	/* Always NUL-padded to the full width, so equal traces are equal bytes. */
	size_t n = strnlen(ctr->name, TRACE_COUNTER_NAME_LEN - 1);

	tf_enc__bytes(c, ctr->name, n);
	tf_enc__zeros(c, TRACE_COUNTER_NAME_LEN - n);
	tf_enc__u64(c, ctr->value);
}

static int trace_writer__write_trailer(struct trace_writer *w, const struct trace_trailer *tr)
{
	struct tf_enc c = {.cap = TF_TRAILER_HDR_LEN + TF_TRAILER_MAX_BODY + TF_CRC_LEN};
	__u32 i, j, k, cells;
	int ret;

	if (tr->nr_counters > TRACE_MAX_COUNTERS || tr->nr_nodes > SDR_MAX_NODES ||
	    (tr->nr_nodes && !tr->node_matrix))
		return -EINVAL;
	c.buf = malloc(c.cap);
	if (!c.buf)
		return -ENOMEM;

	tf_enc__bytes(&c, TF_TAG_TRAILER, TF_TAG_LEN);
	tf_enc__u32(&c, 0); /* body_len, patched below */
	tf_enc__u32(&c, 0); /* header CRC, likewise */
	tf_enc__u64(&c, tr->end_mono_ns);
	tf_enc__u64(&c, w->nr_records);
	tf_enc__u64(&c, w->nr_chunks);
	tf_enc__u32(&c, tr->nr_counters);
	for (i = 0; i < tr->nr_counters; i++)
		counter__encode(&c, &tr->counters[i]);
	tf_enc__u32(&c, SDR_LOC_NR);
	tf_enc__u32(&c, SDR_CAUSE_NR);
	for (i = 0; i < SDR_LOC_NR; i++)
		for (j = 0; j < SDR_CAUSE_NR; j++)
			tf_enc__u64(&c, tr->migrations[i][j]);
	tf_enc__u64(&c, tr->penalty_milli);
	tf_enc__u32(&c, tr->nr_nodes);
	cells = tr->nr_nodes * tr->nr_nodes;
	for (k = 0; k < cells; k++)
		for (j = 0; j < SDR_CAUSE_NR; j++)
			tf_enc__u64(&c, tr->node_matrix[k].by_cause[j]);

	ret = -EOVERFLOW;
	if (c.overflow || c.len + TF_CRC_LEN > c.cap)
		goto out;
	tf_put_le32(c.buf + 4, c.len - TF_TRAILER_HDR_LEN);
	tf_put_le32(c.buf + 8, tf_crc(c.buf, 8));
	tf_enc__u32(&c, tf_crc(c.buf + TF_TRAILER_HDR_LEN, c.len - TF_TRAILER_HDR_LEN));
	ret = trace_writer__write(w, c.buf, c.len);
out:
	free(c.buf);
	return ret;
}

int trace_writer__close(struct trace_writer *w, const struct trace_trailer *tr)
{
	int ret;

	if (!w)
		return -EINVAL;
	ret = trace_writer__flush(w);
	if (!ret && tr)
		ret = trace_writer__write_trailer(w, tr);
	if (fsync(w->fd) && !ret)
		ret = -errno;
	if (close(w->fd) && !ret)
		ret = -errno;
	w->fd = -1;
	trace_writer__abort(w);
	return ret;
}

void trace_writer__abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->raw);
	free(w->frame);
	free(w);
}

__u64 trace_writer__bytes(const struct trace_writer *w)
{
	return w ? w->bytes : 0;
}

size_t trace__cgroup_record(void *buf, __u64 id, const char *path, __u64 ts_ns)
{
	struct sdr_rec_cgroup *rec = buf;
	size_t len = strnlen(path, 4095);

	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = SDR_REC_CGROUP;
	rec->hdr.size = sizeof(*rec) + len + 1;
	rec->hdr.ts_ns = ts_ns;
	rec->id = id;
	memcpy(rec->path, path, len);
	rec->path[len] = 0;
	return rec->hdr.size;
}
