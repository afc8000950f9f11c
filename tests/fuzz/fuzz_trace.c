// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: a whole .sdt file, as `schedrift report --salvage` reads it.
 * The bytes are read with the trace reader (checking its promises: errors
 * are sticky, progress counts what was handed out, every record has a
 * readable header), then loaded into a report and rendered in every format
 * to /dev/null.
 *
 * Random bytes almost never get past a CRC, so each input also runs a
 * second time with every CRC the framing lets us find recomputed: that
 * copy reaches the lengths, zlib and the records behind the CRCs. (The
 * Adler-32 inside each zlib stream still guards the payload; fuzz_records
 * fuzzes the records themselves.)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_file.h"
#include "report/load.h"
#include "trace/trace.h"
#include "trace/trace_format.h"
#include "lib/util.h"

static FILE *devnull;

static void put_crc(uint8_t *buf, size_t at, size_t from)
{
	tf_put_le32(buf + at, tf_crc(buf + from, at - from));
}

/* Recomputes the header, chunk and trailer CRCs in place; false when none were found. */
static int fix_crcs(uint8_t *buf, size_t size)
{
	size_t off, len;
	int fixed = 0;

	if (size < TF_HDR_PREFIX_LEN)
		return 0;
	len = tf_le32(buf + 12);
	if (len < TF_CRC_LEN + TF_HDR_PREFIX_LEN || len > size)
		return 0;
	put_crc(buf, len - TF_CRC_LEN, 0);
	fixed = 1;
	for (off = len; off + TF_TRAILER_HDR_LEN <= size;) {
		if (!memcmp(buf + off, TF_TAG_CHUNK, TF_TAG_LEN) &&
		    off + TF_CHUNK_HDR_LEN <= size) {
			put_crc(buf, off + 20, off);
			len = tf_le32(buf + off + 8);
			if (len > size - off - TF_CHUNK_HDR_LEN ||
			    TF_CRC_LEN > size - off - TF_CHUNK_HDR_LEN - len)
				break;
			put_crc(buf, off + TF_CHUNK_HDR_LEN + len, off + TF_CHUNK_HDR_LEN);
			off += TF_CHUNK_HDR_LEN + len + TF_CRC_LEN;
		} else if (!memcmp(buf + off, TF_TAG_TRAILER, TF_TAG_LEN)) {
			put_crc(buf, off + 8, off);
			len = tf_le32(buf + off + 4);
			if (len > size - off - TF_TRAILER_HDR_LEN ||
			    TF_CRC_LEN > size - off - TF_TRAILER_HDR_LEN - len)
				break;
			put_crc(buf, off + TF_TRAILER_HDR_LEN + len, off + TF_TRAILER_HDR_LEN);
			break;
		} else {
			break;
		}
	}
	return fixed;
}

/* The reader on its own, with its documented promises checked. */
static void read_all(const char *path)
{
	const struct sdr_rec_hdr *rec;
	struct trace_progress pr;
	struct trace_reader *rd;
	struct trace_error e, e2;
	__u64 n = 0;
	int rc, rc2;

	rd = trace_reader__open(path, &e);
	if (!rd) {
		if (e.err >= 0 || !e.msg[0])
			abort();
		return;
	}
	while ((rc = trace_reader__next(rd, &rec, &e)) > 0) {
		if (rec->size < sizeof(*rec) || (uintptr_t)rec % 8)
			abort();
		n++;
	}
	/* Sticky: asking again gives the same answer. */
	rc2 = trace_reader__next(rd, &rec, &e2);
	if (rc2 != rc || (rc < 0 && (e2.err != e.err || strcmp(e2.msg, e.msg))))
		abort();
	if (rc == 0 && !trace_reader__trailer(rd))
		abort();
	trace_reader__progress(rd, &pr);
	if (pr.nr_records != n)
		abort();
	trace_reader__close(rd);
}

static void load_and_render(const char *path)
{
	struct trace_error e = {};
	struct report r;
	int rc;

	rc = report__load(&r, path, 1, &e);
	if (rc) {
		/* Only a bad header, or memory, stops a salvage; either way one line says why. */
		if ((rc != EXIT_USAGE && rc != EXIT_RUNTIME) || !e.msg[0])
			abort();
		return;
	}
	fuzz_render_all(&r, devnull, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	uint8_t *copy;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	path = fuzz_file__set(data, size);
	read_all(path);
	load_and_render(path);

	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (fix_crcs(copy, size) && memcmp(copy, data, size)) {
		path = fuzz_file__set(copy, size);
		read_all(path);
		load_and_render(path);
	}
	free(copy);
	return 0;
}
