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
 * hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_file.h"
#include "report.h"
#include "stats.h"
#include "trace.h"
#include "util.h"

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
		if (trace_writer__append(w, rec, len))
			abort();
		off += len;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_error e = {};
	struct report r;
	const char *path;
	int fmt, rc;
	__u64 n;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		meta__init(&meta);
	}
	path = fuzz_file__set(NULL, 0);
	n = write_trace(path, data, size);

	/* The file is valid by construction: the reader takes all of it. */
	rc = report__load(&r, path, 0, &e);
	if (rc == EXIT_USAGE && !strncmp(e.msg, "malformed record", 16))
		return 0; /* a known type too short for its struct: refused, as documented */
	if (rc || r.nr_records != n || r.error[0])
		abort();
	for (fmt = 0; fmt < FMT_NR; fmt++)
		if (report__print(&r, devnull, path, fmt, fmt == FMT_TEXT ? 20 : 0, 1))
			abort();
	fflush(devnull);
	report__free(&r);
	return 0;
}
