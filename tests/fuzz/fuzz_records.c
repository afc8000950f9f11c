// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: the records inside a trace, past every CRC and zlib check.
 * The input is a stream of ring buffer records (the decompressed payload
 * of chunks, as docs/trace-format.md lays them out). Each record whose
 * size field fits is written with the real trace writer, on a fixed
 * 4-CPU, 2-node topology, into a valid file; then that file is loaded
 * into a report and rendered in every format to /dev/null. This is what
 * reaches report.c's record decoding (wait batches, task totals, cgroup
 * names, outliers) with any content a corrupt-but-CRC-valid file could
 * hold. Each input is read twice: as written (version 2), then marked as
 * version 1, whose records the report decodes with the older layouts.
 * Last, the input bytes as they are become one chunk of a file for the
 * trace reader alone, so its record walk sees framing errors too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_file.h"
#include "report/load.h"
#include "lib/stats.h"
#include "trace/trace.h"
#include "trace/trace_format.h"
#include "trace/switch_batch.h"
#include "lib/util.h"

/* Records per chunk, so that inputs of a few hundred bytes still span chunks. */
#define RECS_PER_CHUNK 16

static FILE *devnull;
static struct trace_meta meta;

static void meta__init(struct trace_meta *m)
{
	static const int node[4] = { 0, 0, 1, 1 }, llc[4] = { 0, 0, 2, 2 };
	int i;

	memset(m, 0, sizeof(*m));
	snprintf(m->kernel_release, sizeof(m->kernel_release), "6.18.0-fuzz");
	snprintf(m->hostname, sizeof(m->hostname), "fuzz");
	snprintf(m->command, sizeof(m->command), "record -d 1");
	m->start_realtime_ns = 1700000000ull * 1000000000ull;
	m->start_mono_ns = 1000000000ull;
	m->nr_cpus_online = 4;
	topology__init(&m->topo);
	m->topo.nr_cpus = 4;
	m->topo.nr_nodes = 2;
	for (i = 0; i < 4; i++) {
		m->topo.cpu_node[i] = node[i];
		m->topo.cpu_llc[i] = llc[i];
	}
	m->topo.distance[0][0] = m->topo.distance[1][1] = 10;
	m->topo.distance[0][1] = m->topo.distance[1][0] = 21;
}

static int ignore_switch(void *ctx, const struct switch_sample *s)
{
	(void)ctx;
	(void)s;
	return 0;
}

/* Writes the records of data that frame correctly; returns how many. */
static __u64 write_trace(const char *path, const uint8_t *data, size_t size)
{
	static __u64 rec[65536 / 8];
	struct sdr_node_cell cells[4] = {};
	struct trace_trailer tr = {};
	struct trace_writer *w;
	size_t off = 0, i;
	__u64 n = 0;
	__u16 len;
	int err;

	w = trace_writer__open(path, &meta, &err);
	if (!w)
		abort();
	while (size - off >= sizeof(struct sdr_rec_hdr)) {
		len = data[off + 2] | data[off + 3] << 8;
		if (len < sizeof(struct sdr_rec_hdr) || len > size - off)
			break;
		memcpy(rec, data + off, len);
		/* The switch decoder directly too: it must never read past the record. */
		if (((struct sdr_rec_hdr *)rec)->type == SDR_REC_SWITCH_BATCH)
			switch_batch__decode((struct sdr_rec_hdr *)rec, ignore_switch, NULL);
		off += len;
		/* Packed task records are the writer's own; it must refuse a caller's. */
		if (((struct sdr_rec_hdr *)rec)->type == SDR_REC_TASK_PACKED) {
			if (trace_writer__append(w, rec, len) != -EINVAL)
				abort();
			continue;
		}
		if (trace_writer__append(w, rec, len))
			abort();
		if (++n % RECS_PER_CHUNK == 0 && trace_writer__flush(w))
			abort();
	}
	tr.end_mono_ns = meta.start_mono_ns + 1000000000ull;
	for (i = 0; i < STAT_ALL_NR && i < TRACE_MAX_COUNTERS; i++) {
		const char *name = stat_descs[i].name;

		snprintf(tr.counters[i].name, sizeof(tr.counters[i].name), "%s", name);
		if (!strcmp(name, "records") || !strcmp(name, "consumed"))
			tr.counters[i].value = n;
	}
	tr.nr_counters = i;
	tr.nr_nodes = 2;
	tr.node_matrix = cells;
	if (trace_writer__close(w, &tr))
		abort();
	return n;
}

/*
 * Marks the file as format version 1 (header version and CRC), as
 * tests/unit/test_report.c does: the same bytes then decode with version 1's
 * shorter task and outlier records and five-field wait entries.
 */
static void set_version1(const char *path)
{
	__u8 hdr[TF_HDR_MAX_LEN];
	__u32 len;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 || pread(fd, hdr, TF_HDR_PREFIX_LEN, 0) != TF_HDR_PREFIX_LEN)
		abort();
	len = tf_le32(hdr + 12);
	if (len > sizeof(hdr) || pread(fd, hdr, len, 0) != (ssize_t)len)
		abort();
	tf_put_le32(hdr + 8, 1);
	tf_put_le32(hdr + len - TF_CRC_LEN, tf_crc(hdr, len - TF_CRC_LEN));
	if (pwrite(fd, hdr, len, 0) != (ssize_t)len)
		abort();
	close(fd);
}

/*
 * The input as it is, framing errors included, as the one chunk of a file
 * with the written file's header and no trailer: the reader's own record
 * walk (chunk__check_records) must refuse what does not frame.
 */
static void read_raw_chunk(const char *path, const uint8_t *data, size_t size, __u64 n)
{
	static __u8 file[TF_HDR_MAX_LEN + TF_CHUNK_HDR_LEN + 2 * 65536 + 4096];
	const struct sdr_rec_hdr *rec;
	struct trace_reader *rd;
	struct trace_error e;
	uLongf comp_len;
	__u32 len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (size > 65536 || size < sizeof(struct sdr_rec_hdr))
		goto out; /* a chunk of the writer's size is plenty */
	if (fd < 0 || pread(fd, file, TF_HDR_PREFIX_LEN, 0) != TF_HDR_PREFIX_LEN)
		abort();
	len = tf_le32(file + 12);
	if (len > TF_HDR_MAX_LEN || pread(fd, file, len, 0) != (ssize_t)len)
		abort();
	comp_len = sizeof(file) - len - TF_CHUNK_HDR_LEN - TF_CRC_LEN;
	if (compress2(file + len + TF_CHUNK_HDR_LEN, &comp_len, data, size, 1) != Z_OK)
		abort();
	memcpy(file + len, TF_TAG_CHUNK, TF_TAG_LEN);
	tf_put_le32(file + len + 4, 0);
	tf_put_le32(file + len + 8, comp_len);
	tf_put_le32(file + len + 12, size);
	tf_put_le32(file + len + 16, n ? n : 1);
	tf_put_le32(file + len + 20, tf_crc(file + len, 20));
	tf_put_le32(file + len + TF_CHUNK_HDR_LEN + comp_len,
		    tf_crc(file + len + TF_CHUNK_HDR_LEN, comp_len));
	path = fuzz_file__set(file, len + TF_CHUNK_HDR_LEN + comp_len + TF_CRC_LEN);
	rd = trace_reader__open(path, &e);
	if (!rd)
		abort(); /* the header is the writer's own */
	while ((rc = trace_reader__next(rd, &rec, &e)) > 0)
		;
	/* No trailer: never a clean end, and always a reason. */
	if (rc == 0 || !e.msg[0])
		abort();
	trace_reader__close(rd);
out:
	if (fd >= 0)
		close(fd);
}

/* Loads the file (valid by construction) and renders it in every format. */
static void load_and_render(const char *path, __u64 n)
{
	struct trace_error e = {};
	struct report r;
	int rc;

	rc = report__load(&r, path, 0, &e);
	if (rc == EXIT_USAGE && !strncmp(e.msg, "malformed record", 16))
		return; /* a known type too short for its struct: refused, as documented */
	if (rc || r.nr_records != n || r.error[0])
		abort();
	fuzz_render_all(&r, devnull, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	__u64 n;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		meta__init(&meta);
	}
	path = fuzz_file__set(NULL, 0);
	n = write_trace(path, data, size);
	load_and_render(path, n);
	set_version1(path);
	load_and_render(path, n);
	read_raw_chunk(path, data, size, n);
	return 0;
}
