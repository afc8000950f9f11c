// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trace file format: a round trip over many chunks, truncation at every
 * byte, a flip of every bit, foreign files, a recorder killed mid-capture,
 * and hand-made files whose CRCs are right but whose contents are not (a
 * CRC only proves the writer meant it, not that it makes sense).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "check.h"
#include "trace/trace.h"
#include "trace/trace_format.h"

#define REC_UNKNOWN_TYPE 99
#define MAX_REC		 65536

static char tmpdir[] = "/tmp/schedrift-test-trace.XXXXXX";
static char made[32][64];
static int nr_made;

/* A path in the test directory, remembered so cleanup() can remove it. */
static const char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];
	int i;

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	for (i = 0; i < nr_made; i++)
		if (!strcmp(made[i], name))
			return p;
	if (nr_made < 32)
		snprintf(made[nr_made++], sizeof(made[0]), "%s", name);
	return p;
}

static void cleanup(void)
{
	char p[PATH_MAX];
	int i;

	for (i = 0; i < nr_made; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, made[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

/*
 * Unlinks first: ext4 flushes a file truncated and rewritten at close
 * (auto_da_alloc), which made the byte-by-byte loops ten times slower.
 */
static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f;
	int ok;

	unlink(path);
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

static __u8 *read_whole(const char *path, size_t *len)
{
	struct stat st;
	__u8 *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

/*
 * Record i of every test stream. Types and sizes cycle so each chunk mixes
 * them (switch batches, which the writer does not compress, between the
 * others, which it does); the sizes are made up (the format does not care
 * what a type's size is), the unknown types have odd sizes so later records land unaligned, and
 * now and then comes a record of the largest size a u16 allows.
 */
static size_t make_rec(__u64 i, __u8 *buf)
{
	struct sdr_rec_hdr h = {};
	size_t len, k;

	if (i % 5003 == 17) {
		h.type = REC_UNKNOWN_TYPE + 1;
		len = 65535;
	} else if (i % 8 == 1) {
		/* The writer stores these uncompressed, the rest in the same stream compressed. */
		h.type = SDR_REC_SWITCH_BATCH;
		len = 200 + i % 37;
	} else if (i % 4 < 2) {
		h.type = SDR_REC_MIGRATE;
		len = 72;
	} else if (i % 4 == 2) {
		h.type = SDR_REC_TASK_EXIT;
		len = 1000;
	} else {
		h.type = REC_UNKNOWN_TYPE;
		len = sizeof(h) + (i * 7) % 41;
	}
	h.size = len;
	h.cpu = i % 4;
	h.ts_ns = 1000000 + i * 1000;
	memcpy(buf, &h, sizeof(h));
	for (k = sizeof(h); k < len; k++)
		buf[k] = (__u8)(i * 31 + k * 7 + (i >> 8));
	return len;
}

static void make_meta(struct trace_meta *m, int nr_cpus, int nr_nodes)
{
	int i, j;

	memset(m, 0, sizeof(*m));
	strcpy(m->kernel_release, "6.1.0-test-amd64");
	strcpy(m->hostname, "testhost");
	strcpy(m->command, "record -d 10 -p 123");
	m->start_realtime_ns = 1700000000123456789ull;
	m->start_mono_ns = 987654321;
	m->nr_cpus_online = nr_cpus - 1;
	for (i = 0; i < SDR_MAX_CPUS; i++)
		m->topo.cpu_node[i] = m->topo.cpu_llc[i] = TOPO_ABSENT;
	m->topo.nr_cpus = nr_cpus;
	m->topo.nr_nodes = nr_nodes;
	/* The last CPU is described but absent, as an offline one is. */
	for (i = 0; i < nr_cpus - 1; i++) {
		m->topo.cpu_node[i] = i * nr_nodes / nr_cpus;
		m->topo.cpu_llc[i] = i / 2;
	}
	for (i = 0; i < nr_nodes; i++)
		for (j = 0; j < nr_nodes; j++)
			m->topo.distance[i][j] = i == j ? 10 : 20 + i + j;
}

#define STAT_NAME(name, kind, desc) #name,
static const char *const stat_names[] = {SDR_STAT_TABLE(STAT_NAME)};

static struct sdr_node_cell cells[SDR_MAX_NODES * SDR_MAX_NODES];

static void make_trailer(struct trace_trailer *t, int nr_nodes, int nr_counters)
{
	int i, j;

	memset(t, 0, sizeof(*t));
	t->end_mono_ns = 987654321 + 10000000000ull;
	/* Deliberately wrong: the writer must store its own counts. */
	t->nr_records = 12345;
	t->nr_chunks = 999;
	t->nr_counters = nr_counters;
	for (i = 0; i < nr_counters; i++) {
		if (i < (int)(sizeof(stat_names) / sizeof(stat_names[0])))
			snprintf(t->counters[i].name, TRACE_COUNTER_NAME_LEN, "%s", stat_names[i]);
		else
			snprintf(t->counters[i].name, TRACE_COUNTER_NAME_LEN, "user_counter_%d", i);
		t->counters[i].value = (i + 1) * 1000003ull;
	}
	for (i = 0; i < SDR_LOC_NR; i++)
		for (j = 0; j < SDR_CAUSE_NR; j++)
			t->migrations[i][j] = i * 100 + j + 1;
	t->penalty_milli = 42424;
	t->nr_nodes = nr_nodes;
	t->node_matrix = nr_nodes ? cells : NULL;
	for (i = 0; i < nr_nodes * nr_nodes; i++)
		for (j = 0; j < SDR_CAUSE_NR; j++)
			cells[i].by_cause[j] = i * 10 + j + (j == SDR_CAUSE_NUMA ? 1ull << 40 : 0);
}

static void check_meta(const struct trace_meta *got, const struct trace_meta *want)
{
	CHECK_STR(got->kernel_release, want->kernel_release);
	CHECK_STR(got->hostname, want->hostname);
	CHECK_STR(got->command, want->command);
	CHECK_EQ_U64(got->start_realtime_ns, want->start_realtime_ns);
	CHECK_EQ_U64(got->start_mono_ns, want->start_mono_ns);
	CHECK_EQ_U64(got->nr_cpus_online, want->nr_cpus_online);
	/* The whole struct: entries past nr_cpus/nr_nodes must read as absent/0. */
	CHECK(!memcmp(&got->topo, &want->topo, sizeof(got->topo)), "topology differs");
}

static void check_trailer(const struct trace_trailer *got, const struct trace_trailer *want)
{
	__u32 i;

	CHECK_EQ_U64(got->end_mono_ns, want->end_mono_ns);
	CHECK_EQ_U64(got->nr_counters, want->nr_counters);
	for (i = 0; i < got->nr_counters && i < want->nr_counters; i++) {
		CHECK_STR(got->counters[i].name, want->counters[i].name);
		CHECK_EQ_U64(got->counters[i].value, want->counters[i].value);
	}
	CHECK(!memcmp(got->migrations, want->migrations, sizeof(got->migrations)),
	      "migration totals differ");
	CHECK_EQ_U64(got->penalty_milli, want->penalty_milli);
	CHECK_EQ_U64(got->nr_nodes, want->nr_nodes);
	if (!want->nr_nodes) {
		CHECK(got->node_matrix == NULL, "node matrix without nodes");
		return;
	}
	CHECK(got->node_matrix != NULL, "node matrix missing");
	if (got->node_matrix && got->nr_nodes == want->nr_nodes)
		CHECK(!memcmp(got->node_matrix, want->node_matrix,
			      (size_t)want->nr_nodes * want->nr_nodes * sizeof(*want->node_matrix)),
		      "node matrix differs");
}

/* What reading a whole file gave. */
struct outcome {
	int open_failed;
	int ret;	   /* last next() result */
	__u64 nr;	   /* records returned */
	__u64 bad_records; /* returned but not what was written, or misaligned */
	struct trace_error e;
	struct trace_progress progress;
};

/* Reads path to the end, checking each record against make_rec(index). */
static struct outcome read_file(const char *path)
{
	struct outcome o = {};
	const struct sdr_rec_hdr *rec;
	struct trace_reader *r;
	__u8 want[MAX_REC];
	size_t len;
	int guard;

	r = trace_reader__open(path, &o.e);
	if (!r) {
		o.open_failed = 1;
		o.ret = o.e.err;
		return o;
	}
	/* A reader that loops forever would hang the suite; bound it. */
	for (guard = 0; guard < 10000000; guard++) {
		o.ret = trace_reader__next(r, &rec, &o.e);
		if (o.ret <= 0)
			break;
		len = make_rec(o.nr, want);
		if (rec->size != len || memcmp(rec, want, len) || (uintptr_t)rec % 8)
			o.bad_records++;
		o.nr++;
	}
	trace_reader__progress(r, &o.progress);
	trace_reader__close(r);
	return o;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_round_trip(void)
{
	const __u64 nr = 20000, flush_every = 7001;
	struct trace_meta meta;
	struct trace_trailer tr;
	const struct trace_trailer *got;
	struct trace_progress p;
	struct trace_error e;
	struct trace_writer *w;
	struct trace_reader *r;
	const struct sdr_rec_hdr *rec;
	__u8 buf[MAX_REC];
	__u64 i, hdr_bytes, raw_total = 0, flushes = 0, n = 0, bad = 0, unknown = 0,
			    want_unknown = 0;
	__u16 type;
	size_t len;
	int err = 0, ret;

	make_meta(&meta, 8, 2);
	make_trailer(&tr, 2, 11);
	w = trace_writer__open(tpath("round.sdt"), &meta, &err);
	CHECK(w != NULL, "open: %s", strerror(-err));
	if (!w)
		return;
	hdr_bytes = trace_writer__bytes(w);
	CHECK(hdr_bytes > TF_HDR_MIN_LEN, "header of %llu bytes", (unsigned long long)hdr_bytes);
	for (i = 0; i < nr; i++) {
		len = make_rec(i, buf);
		raw_total += len;
		memcpy(&type, buf + offsetof(struct sdr_rec_hdr, type), sizeof(type));
		want_unknown += type >= REC_UNKNOWN_TYPE;
		ret = trace_writer__append(w, buf, len);
		if (ret) {
			CHECK(ret == 0, "append %llu: %s", (unsigned long long)i, strerror(-ret));
			break;
		}
		if (i % flush_every == flush_every - 1) {
			/* A full buffer was written before anyone asked. */
			if (!flushes)
				CHECK(trace_writer__bytes(w) > hdr_bytes,
				      "no chunk after %llu bytes", (unsigned long long)raw_total);
			CHECK(trace_writer__flush(w) == 0, "flush");
			flushes++;
		}
	}
	CHECK(raw_total > 4 * TRACE_CHUNK_RAW_BYTES, "only %llu bytes",
	      (unsigned long long)raw_total);
	CHECK(trace_writer__close(w, &tr) == 0, "close failed");

	r = trace_reader__open(tpath("round.sdt"), &e);
	CHECK(r != NULL, "open: %s", e.msg);
	if (!r)
		return;
	check_meta(trace_reader__meta(r), &meta);
	CHECK(trace_reader__trailer(r) == NULL, "trailer visible before the end");
	while ((ret = trace_reader__next(r, &rec, &e)) == 1) {
		len = make_rec(n, buf);
		if (rec->size != len || memcmp(rec, buf, len) || (uintptr_t)rec % 8)
			bad++;
		unknown += rec->type >= REC_UNKNOWN_TYPE;
		n++;
	}
	CHECK(ret == 0, "next: %d %s", ret, e.msg);
	CHECK_EQ_U64(n, nr);
	CHECK_EQ_U64(bad, 0);
	CHECK(unknown == want_unknown && unknown > nr / 5, "%llu unknown records",
	      (unsigned long long)unknown);
	CHECK(trace_reader__next(r, &rec, &e) == 0, "a clean end stays clean");

	got = trace_reader__trailer(r);
	trace_reader__progress(r, &p);
	CHECK(got != NULL, "no trailer after a clean end");
	if (got) {
		check_trailer(got, &tr);
		CHECK_EQ_U64(got->nr_records, nr);
		CHECK_EQ_U64(got->nr_chunks, p.nr_chunks);
		CHECK(got->nr_chunks > flushes &&
			  got->nr_chunks >=
			      (raw_total + TRACE_CHUNK_RAW_BYTES - 1) / TRACE_CHUNK_RAW_BYTES,
		      "%llu chunks", (unsigned long long)got->nr_chunks);
	}
	CHECK_EQ_U64(p.nr_records, nr);
	trace_reader__close(r);
}

/* Largest topology, longest strings, no records, no node matrix. */
static void test_limits(void)
{
	struct trace_meta meta;
	struct trace_trailer tr;
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_error e;
	const struct sdr_rec_hdr *rec;
	int i, j, err = 0;

	make_meta(&meta, SDR_MAX_CPUS, SDR_MAX_NODES);
	/*
	 * Without a cache description in sysfs (some VMs) the node stands in
	 * for the LLC, with ids past the CPU numbers: such a machine must be
	 * able to record (it could not, once).
	 */
	for (i = SDR_MAX_CPUS / 2; i < SDR_MAX_CPUS - 1; i++) /* the last is absent */
		meta.topo.cpu_llc[i] = TOPO_LLC_OF_NODE(meta.topo.cpu_node[i]);
	CHECK_EQ_U64(meta.topo.cpu_llc[SDR_MAX_CPUS - 2], TOPO_LLC_LIMIT - 1);
	memset(meta.kernel_release, 'k', sizeof(meta.kernel_release) - 1);
	memset(meta.hostname, 'h', sizeof(meta.hostname) - 1);
	memset(meta.command, 'c', sizeof(meta.command) - 1);
	for (i = 0; i < SDR_MAX_NODES; i++)
		for (j = 0; j < SDR_MAX_NODES; j++)
			meta.topo.distance[i][j] = i == j ? 10 : 255;
	make_trailer(&tr, 0, TRACE_MAX_COUNTERS);
	memset(tr.counters[5].name, 'n', TRACE_COUNTER_NAME_LEN - 1);

	w = trace_writer__open(tpath("limits.sdt"), &meta, &err);
	CHECK(w != NULL, "open: %s", strerror(-err));
	if (!w)
		return;
	CHECK_EQ_U64(trace_writer__bytes(w), TF_HDR_MAX_LEN);
	CHECK(trace_writer__flush(w) == 0, "an empty flush is a no-op");
	CHECK(trace_writer__close(w, &tr) == 0, "close failed");

	r = trace_reader__open(tpath("limits.sdt"), &e);
	CHECK(r != NULL, "open: %s", e.msg);
	if (!r)
		return;
	check_meta(trace_reader__meta(r), &meta);
	CHECK(trace_reader__next(r, &rec, &e) == 0, "%s", e.msg);
	CHECK(trace_reader__trailer(r) != NULL, "no trailer after a clean end");
	if (trace_reader__trailer(r)) {
		check_trailer(trace_reader__trailer(r), &tr);
		CHECK_EQ_U64(trace_reader__trailer(r)->nr_chunks, 0);
		CHECK_EQ_U64(trace_reader__trailer(r)->nr_records, 0);
	}
	trace_reader__close(r);
}

/* A small file of three chunks, and where its parts end. */
struct small {
	__u8 *buf;
	size_t len;
	size_t hdr_end;
	size_t chunk_end[3];
	__u64 recs_upto[3]; /* records in chunks 0..k */
};

static const int small_chunk_recs[3] = {3, 2, 2};

static int make_small(struct small *s, const char *name)
{
	struct trace_meta meta;
	struct trace_trailer tr;
	struct trace_writer *w;
	__u8 buf[MAX_REC];
	__u64 i = 0;
	int k, j, err = 0;

	memset(s, 0, sizeof(*s));
	make_meta(&meta, 4, 2);
	make_trailer(&tr, 2, 3);
	w = trace_writer__open(tpath(name), &meta, &err);
	if (!w)
		return err;
	s->hdr_end = trace_writer__bytes(w);
	for (k = 0; k < 3; k++) {
		for (j = 0; j < small_chunk_recs[k]; j++, i++)
			trace_writer__append(w, buf, make_rec(i, buf));
		trace_writer__flush(w);
		s->chunk_end[k] = trace_writer__bytes(w);
		s->recs_upto[k] = i;
	}
	err = trace_writer__close(w, &tr);
	if (err)
		return err;
	s->buf = read_whole(tpath(name), &s->len);
	return s->buf ? 0 : -EIO;
}

static __u64 records_before(const struct small *s, size_t cut)
{
	__u64 n = 0;
	int k;

	for (k = 0; k < 3; k++)
		if (s->chunk_end[k] <= cut)
			n = s->recs_upto[k];
	return n;
}

static void test_truncation(const struct small *s)
{
	const char *path = tpath("cut.sdt");
	struct outcome o;
	char want[128];
	size_t cut;
	int k;

	for (cut = 0; cut <= s->len; cut++) {
		write_file(path, s->buf, cut);
		o = read_file(path);
		CHECK(!strchr(o.e.msg, '\n'), "cut %zu: message spans lines", cut);
		CHECK_EQ_U64(o.bad_records, 0);
		if (cut == 0) {
			CHECK(o.open_failed && o.e.err == -ENOEXEC, "empty file: %d", o.e.err);
			CHECK_STR(o.e.msg, "not a schedrift trace (empty file)");
			continue;
		}
		if (cut < s->hdr_end) {
			CHECK(o.open_failed, "cut %zu inside the header opened", cut);
			CHECK(o.e.err == -ENODATA && starts_with(o.e.msg, "truncated: header"),
			      "cut %zu: %s", cut, o.e.msg);
			continue;
		}
		CHECK(!o.open_failed, "cut %zu: open: %s", cut, o.e.msg);
		if (cut == s->len) {
			CHECK(o.ret == 0, "whole file: %s", o.e.msg);
			CHECK_EQ_U64(o.nr, s->recs_upto[2]);
			continue;
		}
		CHECK(o.ret == -ENODATA && starts_with(o.e.msg, "truncated: ") &&
			  strstr(o.e.msg, "; the capture was cut short"),
		      "cut %zu: %d %s", cut, o.ret, o.e.msg);
		CHECK(o.e.offset <= cut, "cut %zu: offset %llu", cut,
		      (unsigned long long)o.e.offset);
		/* The salvage: every record of every chunk that made it, no more. */
		CHECK(o.nr == records_before(s, cut), "cut %zu: %llu records", cut,
		      (unsigned long long)o.nr);
		CHECK(o.progress.good_bytes <= cut && o.progress.nr_records == o.nr,
		      "cut %zu: good_bytes %llu", cut, (unsigned long long)o.progress.good_bytes);

		want[0] = 0;
		if (cut == s->hdr_end)
			snprintf(want, sizeof(want),
				 "truncated: no trailer after the header; "
				 "the capture was cut short");
		for (k = 0; k < 3; k++)
			if (cut == s->chunk_end[k])
				snprintf(want, sizeof(want),
					 "truncated: no trailer after chunk %d; "
					 "the capture was cut short",
					 k);
		if (want[0])
			CHECK(!strcmp(o.e.msg, want), "cut %zu: \"%s\"", cut, o.e.msg);
		else if (cut < s->chunk_end[2] + TF_TAG_LEN)
			CHECK(starts_with(o.e.msg, "truncated: chunk ") ||
				  starts_with(o.e.msg, "truncated: frame at offset"),
			      "cut %zu: %s", cut, o.e.msg);
		else
			CHECK(starts_with(o.e.msg, "truncated: trailer at offset"), "cut %zu: %s",
			      cut, o.e.msg);
	}
}

/*
 * One bit flipped at a time, every bit of the file. The design puts a CRC
 * over every byte (the CRC fields themselves included, as the CRC they must
 * match), so none should go unnoticed; any that does is printed.
 */
static void test_bit_flips(const struct small *s)
{
	const char *path = tpath("flip.sdt");
	__u8 *buf = malloc(s->len);
	__u64 undetected = 0, bad = 0, tried = 0;
	struct outcome o;
	size_t i;
	int bit;

	if (!buf) {
		CHECK(buf != NULL, "out of memory");
		return;
	}
	for (i = 0; i < s->len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, s->buf, s->len);
			buf[i] ^= 1u << bit;
			write_file(path, buf, s->len);
			o = read_file(path);
			tried++;
			bad += o.bad_records;
			if (!o.open_failed && o.ret >= 0) {
				undetected++;
				fprintf(stderr, "undetected flip: byte %zu bit %d\n", i, bit);
			} else if (!o.e.msg[0] || strchr(o.e.msg, '\n') || o.e.offset > s->len) {
				bad++;
				fprintf(stderr, "byte %zu bit %d: bad error \"%s\" at %llu\n", i,
					bit, o.e.msg, (unsigned long long)o.e.offset);
			}
		}
	}
	CHECK_EQ_U64(tried, s->len * 8);
	CHECK_EQ_U64(undetected, 0);
	CHECK_EQ_U64(bad, 0);
	free(buf);
}

/* Random multi-byte damage: only the absence of crashes and hangs is asserted. */
static void test_random_damage(const struct small *s)
{
	const char *path = tpath("damage.sdt");
	__u8 *buf = malloc(s->len);
	__u64 seed = 0x5eed, undetected = 0;
	struct outcome o;
	int iter, k, n;

	if (!buf)
		return;
	for (iter = 0; iter < 3000; iter++) {
		memcpy(buf, s->buf, s->len);
		n = 1 + iter % 8;
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[(seed >> 33) % s->len] = (__u8)(seed >> 13);
		}
		write_file(path, buf, s->len);
		o = read_file(path);
		if (!memcmp(buf, s->buf, s->len))
			continue; /* the damage happened to write the same bytes */
		undetected += !o.open_failed && o.ret >= 0;
		CHECK_EQ_U64(o.bad_records, 0);
	}
	CHECK_EQ_U64(undetected, 0);
	free(buf);
}

static void check_foreign(const char *path, const char *what)
{
	struct trace_error e;
	struct trace_reader *r = trace_reader__open(path, &e);

	CHECK(r == NULL, "%s opened", what);
	trace_reader__close(r);
	CHECK(starts_with(e.msg, "not a schedrift trace") && e.err == -ENOEXEC, "%s: %s", what,
	      e.msg);
	CHECK_EQ_U64(e.offset, 0);
}

static void test_foreign(void)
{
	static const char text[] = "cpu 0 node 0 llc 0\ndistance 0 10\n";
	struct trace_reader *r;
	struct trace_error e;
	__u8 junk[4096];
	__u64 seed = 42;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		junk[i] = seed >> 56;
	}
	junk[0] = 0x42; /* not the magic's first byte, whatever the generator says */
	write_file(tpath("random"), junk, sizeof(junk));
	check_foreign(tpath("random"), "random bytes");
	write_file(tpath("empty"), "", 0);
	check_foreign(tpath("empty"), "empty file");
	write_file(tpath("text"), text, sizeof(text) - 1);
	check_foreign(tpath("text"), "text file");
	check_foreign("/proc/self/exe", "ELF");
	write_file(tpath("png"), "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	check_foreign(tpath("png"), "PNG");

	r = trace_reader__open(tmpdir, &e);
	CHECK(r == NULL && e.err == -EISDIR, "directory: %s", e.msg);
	trace_reader__close(r);
	r = trace_reader__open(tpath("does-not-exist"), &e);
	CHECK(r == NULL && e.err == -ENOENT, "missing: %s", e.msg);
	trace_reader__close(r);
}

/* A chunk frame with correct CRCs around whatever payload it is given. */
static size_t put_frame(__u8 *out, __u32 seq, const void *comp, __u32 comp_len, __u32 raw_len,
			__u32 nr)
{
	memcpy(out, TF_TAG_CHUNK, 4);
	tf_put_le32(out + 4, seq);
	tf_put_le32(out + 8, comp_len);
	tf_put_le32(out + 12, raw_len);
	tf_put_le32(out + 16, nr);
	tf_put_le32(out + 20, tf_crc(out, 20));
	memcpy(out + TF_CHUNK_HDR_LEN, comp, comp_len);
	tf_put_le32(out + TF_CHUNK_HDR_LEN + comp_len, tf_crc(comp, comp_len));
	return TF_CHUNK_HDR_LEN + comp_len + TF_CRC_LEN;
}

/* Compresses raw and frames it, claiming raw_claim bytes in nr records. */
static size_t put_chunk(__u8 *out, __u32 seq, const void *raw, size_t raw_len, __u32 raw_claim,
			__u32 nr)
{
	__u8 comp[4096];
	uLongf clen = sizeof(comp);

	if (compress(comp, &clen, raw, raw_len) != Z_OK)
		return 0;
	return put_frame(out, seq, comp, clen, raw_claim, nr);
}

/* Reads header + frame; expects open to work and next() to fail with `want` in msg. */
static void expect_bad(const struct small *s, const __u8 *frame, size_t len, int err,
		       const char *want, const char *what)
{
	const char *path = tpath("crafted.sdt");
	__u8 *buf = malloc(s->hdr_end + len);
	struct outcome o;

	if (!buf)
		return;
	memcpy(buf, s->buf, s->hdr_end);
	memcpy(buf + s->hdr_end, frame, len);
	write_file(path, buf, s->hdr_end + len);
	free(buf);
	o = read_file(path);
	CHECK(!o.open_failed && o.ret == err && strstr(o.e.msg, want), "%s: %d \"%s\"", what, o.ret,
	      o.e.msg);
	CHECK_EQ_U64(o.e.offset, s->hdr_end);
	CHECK_EQ_U64(o.nr, 0);
}

static void test_crafted_chunks(const struct small *s)
{
	__u8 raw[512], frame[8192];
	struct sdr_rec_hdr h = {.type = SDR_REC_MIGRATE, .size = 8};
	size_t n;

	memset(raw, 0xab, sizeof(raw));
	memcpy(raw, &h, sizeof(h));
	n = put_chunk(frame, 0, raw, 16, 16, 1);
	expect_bad(s, frame, n, -EBADMSG, "bad record size", "record smaller than its header");

	h.size = 48;
	memcpy(raw, &h, sizeof(h));
	n = put_chunk(frame, 0, raw, 32, 32, 1);
	expect_bad(s, frame, n, -EBADMSG, "bad record size", "record past the chunk");

	h.size = 16;
	memcpy(raw, &h, sizeof(h));
	n = put_chunk(frame, 0, raw, 24, 24, 1);
	expect_bad(s, frame, n, -EBADMSG, "bad record size", "8 bytes after the last record");

	memcpy(raw + 16, &h, sizeof(h));
	n = put_chunk(frame, 0, raw, 32, 32, 1);
	expect_bad(s, frame, n, -EBADMSG, "holds 2 records, its header says 1", "record count");

	n = put_chunk(frame, 0, raw, 32, 48, 2);
	expect_bad(s, frame, n, -EBADMSG, "zlib error", "raw length too long");
	n = put_chunk(frame, 0, raw, 32, 16, 1);
	expect_bad(s, frame, n, -EBADMSG, "zlib error", "raw length too short");
	n = put_frame(frame, 0, raw, 64, 32, 2);
	expect_bad(s, frame, n, -EBADMSG, "zlib error", "not deflate data");

	n = put_frame(frame, 0, raw, 0, 32, 2);
	expect_bad(s, frame, n, -EBADMSG, "absurd", "empty payload");
	n = put_chunk(frame, 0, raw, 32, 0, 0);
	expect_bad(s, frame, n, -EBADMSG, "absurd", "no records");
	n = put_chunk(frame, 0, raw, 32, 32, 0);
	expect_bad(s, frame, n, -EBADMSG, "impossible", "zero record count");
	n = put_chunk(frame, 0, raw, 32, 32, 3);
	expect_bad(s, frame, n, -EBADMSG, "impossible", "record count too big for the bytes");
	n = put_chunk(frame, 1, raw, 32, 32, 2);
	expect_bad(s, frame, n, -EBADMSG, "sequence number 1, expected 0", "first chunk is 1");

	/* Lengths over the cap are refused from the header alone, before any allocation. */
	put_frame(frame, 0, raw, 32, 32, 2);
	tf_put_le32(frame + 8, 100u << 20);
	tf_put_le32(frame + 20, tf_crc(frame, 20));
	expect_bad(s, frame, TF_CHUNK_HDR_LEN, -EBADMSG, "absurd", "100 MiB compressed");
	n = put_frame(frame, 0, raw, 32, 32, 2);
	tf_put_le32(frame + 12, 100u << 20);
	tf_put_le32(frame + 20, tf_crc(frame, 20));
	expect_bad(s, frame, n, -EBADMSG, "absurd", "100 MiB raw");
	/* Under the cap but past the end of the file: truncated, not allocated. */
	n = put_frame(frame, 0, raw, 32, 32, 2);
	tf_put_le32(frame + 8, 60u << 20);
	tf_put_le32(frame + 20, tf_crc(frame, 20));
	expect_bad(s, frame, n, -ENODATA, "truncated: chunk", "60 MiB in a small file");

	memcpy(frame, "JUNK", 4);
	expect_bad(s, frame, n, -EBADMSG, "bad frame tag", "unknown tag");
}

/* Damage that keeps every CRC right: structure and cross-checks must catch it. */
static void test_crafted_files(const struct small *s)
{
	const char *path = tpath("crafted.sdt");
	/* Room for chunk 0 twice over, however the records compressed. */
	__u8 *buf = malloc(2 * s->len + 64);
	size_t c0 = s->hdr_end, c1 = s->chunk_end[0], c2 = s->chunk_end[1], c3 = s->chunk_end[2];
	size_t tlen = s->len - c3, at;
	struct outcome o;
	__u64 v;

	if (!buf)
		return;

	/* Chunk 1 dropped. */
	memcpy(buf, s->buf, c1);
	memcpy(buf + c1, s->buf + c2, s->len - c2);
	write_file(path, buf, s->len - (c2 - c1));
	o = read_file(path);
	CHECK(o.ret == -EBADMSG && strstr(o.e.msg, "sequence number 2, expected 1"), "%s", o.e.msg);
	CHECK_EQ_U64(o.nr, s->recs_upto[0]);
	CHECK_EQ_U64(o.e.offset, c1);

	/* Chunk 0 twice. */
	memcpy(buf, s->buf, c1);
	memcpy(buf + c1, s->buf + c0, c1 - c0);
	write_file(path, buf, c1 + (c1 - c0));
	o = read_file(path);
	CHECK(o.ret == -EBADMSG && strstr(o.e.msg, "sequence number 0, expected 1"), "%s", o.e.msg);

	/* Trailer counts that disagree with the chunks, CRC fixed up. */
	memcpy(buf, s->buf, s->len);
	at = c3 + TF_TRAILER_HDR_LEN + 8;
	v = tf_le64(buf + at) + 1;
	tf_put_le32(buf + at, (__u32)v);
	tf_put_le32(buf + s->len - 4,
		    tf_crc(buf + c3 + TF_TRAILER_HDR_LEN, tlen - TF_TRAILER_HDR_LEN - TF_CRC_LEN));
	write_file(path, buf, s->len);
	o = read_file(path);
	CHECK(o.ret == -EBADMSG &&
		  strstr(o.e.msg, "says 8 records in 3 chunks, the file holds 7 in 3"),
	      "%s", o.e.msg);
	CHECK_EQ_U64(o.nr, s->recs_upto[2]);

	/* A trailer with no chunks before it, when it says there are some. */
	memcpy(buf, s->buf, c0);
	memcpy(buf + c0, s->buf + c3, tlen);
	write_file(path, buf, c0 + tlen);
	o = read_file(path);
	CHECK(o.ret == -EBADMSG && strstr(o.e.msg, "the file holds 0 in 0"), "%s", o.e.msg);

	/* Trailing garbage. */
	memcpy(buf, s->buf, s->len);
	buf[s->len] = '\n';
	write_file(path, buf, s->len + 1);
	o = read_file(path);
	CHECK(o.ret == -EBADMSG && starts_with(o.e.msg, "trailing garbage after the trailer"), "%s",
	      o.e.msg);
	CHECK_EQ_U64(o.e.offset, s->len);
	CHECK_EQ_U64(o.nr, s->recs_upto[2]);

	/* Two trailers. */
	memcpy(buf, s->buf, s->len);
	memcpy(buf + s->len, s->buf + c3, tlen < 64 ? tlen : 64);
	write_file(path, buf, s->len + (tlen < 64 ? tlen : 64));
	o = read_file(path);
	CHECK(o.ret == -EBADMSG && starts_with(o.e.msg, "trailing garbage"), "%s", o.e.msg);

	free(buf);
}

static void test_crafted_headers(const struct small *s)
{
	const char *path = tpath("crafted.sdt");
	__u8 *buf = malloc(s->len);
	struct trace_meta meta;
	struct trace_error e;
	struct trace_reader *r;
	size_t at;

	if (!buf)
		return;
	make_meta(&meta, 4, 2);

	memcpy(buf, s->buf, s->len);
	tf_put_le32(buf + 8, 7);
	write_file(path, buf, s->len);
	r = trace_reader__open(path, &e);
	CHECK(r == NULL && e.err == -ENOTSUP, "version 7: %d %s", e.err, e.msg);
	CHECK_STR(e.msg, "unsupported format version 7 (this build reads 1 to 4)");
	CHECK_EQ_U64(e.offset, 8);
	trace_reader__close(r);

	memcpy(buf, s->buf, s->len);
	buf[TF_HDR_PREFIX_LEN + 20 + 2 + strlen(meta.kernel_release) + 2] ^= 0x20;
	write_file(path, buf, s->len);
	r = trace_reader__open(path, &e);
	CHECK(r == NULL && e.err == -EBADMSG && starts_with(e.msg, "header CRC mismatch"), "%s",
	      e.msg);
	CHECK_EQ_U64(e.offset, s->hdr_end - 4);
	trace_reader__close(r);

	/* CPU 0 on node 2 of 2, with a CRC that vouches for it. */
	memcpy(buf, s->buf, s->len);
	at = TF_HDR_PREFIX_LEN + 20 + 6 + strlen(meta.kernel_release) + strlen(meta.hostname) +
	     strlen(meta.command) + 8;
	CHECK_EQ_U64(tf_le32(buf + at), 0);
	tf_put_le32(buf + at, 2);
	tf_put_le32(buf + s->hdr_end - 4, tf_crc(buf, s->hdr_end - 4));
	write_file(path, buf, s->len);
	r = trace_reader__open(path, &e);
	CHECK(r == NULL && e.err == -EBADMSG && strstr(e.msg, "CPU 0 has node 2"), "%s", e.msg);
	CHECK_EQ_U64(e.offset, at);
	trace_reader__close(r);

	/* A header length past anything valid. */
	memcpy(buf, s->buf, s->len);
	tf_put_le32(buf + 12, TF_HDR_MAX_LEN + 1);
	write_file(path, buf, s->len);
	r = trace_reader__open(path, &e);
	CHECK(r == NULL && e.err == -EBADMSG && starts_with(e.msg, "bad header length"), "%s",
	      e.msg);
	trace_reader__close(r);

	free(buf);
}

static void test_writer_rejects(void)
{
	struct trace_meta meta;
	struct trace_trailer tr;
	struct trace_writer *w;
	__u8 buf[MAX_REC] = {};
	struct sdr_rec_hdr h = {.type = 1, .size = 40};
	int err = 0;

	make_meta(&meta, 4, 2);
	meta.topo.nr_cpus = SDR_MAX_CPUS + 1;
	CHECK(trace_writer__open(tpath("rej.sdt"), &meta, &err) == NULL && err == -EINVAL,
	      "too many CPUs: %d", err);
	make_meta(&meta, 4, 2);
	meta.topo.cpu_node[1] = 2;
	CHECK(trace_writer__open(tpath("rej.sdt"), &meta, &err) == NULL && err == -EINVAL,
	      "CPU on a node past nr_nodes: %d", err);
	make_meta(&meta, 4, 2);
	meta.topo.cpu_llc[3] = TOPO_LLC_LIMIT;
	CHECK(trace_writer__open(tpath("rej.sdt"), &meta, &err) == NULL && err == -EINVAL,
	      "LLC id past the node stand-ins: %d", err);
	make_meta(&meta, 4, 2);
	CHECK(trace_writer__open("/nonexistent-dir/x.sdt", &meta, &err) == NULL && err == -ENOENT,
	      "missing directory: %d", err);

	w = trace_writer__open(tpath("rej.sdt"), &meta, &err);
	CHECK(w != NULL, "open: %s", strerror(-err));
	if (!w)
		return;
	memcpy(buf, &h, sizeof(h));
	CHECK(trace_writer__append(w, buf, 39) == -EINVAL, "size disagrees with length");
	CHECK(trace_writer__append(w, buf, 8) == -EINVAL, "shorter than a header");
	h.size = 8;
	memcpy(buf, &h, sizeof(h));
	CHECK(trace_writer__append(w, buf, 8) == -EINVAL, "size below a header");
	CHECK(trace_writer__append(w, buf, 65536) == -EINVAL, "longer than any record");
	h.size = 40;
	h.type = SDR_REC_TASK_PACKED;
	memcpy(buf, &h, sizeof(h));
	CHECK(trace_writer__append(w, buf, 40) == -EINVAL, "a packed task record from a caller");
	h.type = 1;
	memcpy(buf, &h, sizeof(h));
	CHECK(trace_writer__append(w, buf, 40) == 0, "a good record after bad ones");
	make_trailer(&tr, 2, 3);
	tr.nr_counters = TRACE_MAX_COUNTERS + 1;
	CHECK(trace_writer__close(w, &tr) == -EINVAL, "too many counters");
}

/*
 * The SIGKILL promise: a recorder killed after a flush leaves that chunk
 * readable, loses the records it had not flushed, and the file is private.
 */
static void test_killed_recorder(void)
{
	const char *path = tpath("killed.sdt");
	struct trace_meta meta;
	struct outcome o;
	struct stat st;
	int status = 0;
	pid_t pid;

	make_meta(&meta, 4, 2);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		__u8 buf[MAX_REC];
		struct trace_writer *w = trace_writer__open(path, &meta, NULL);
		__u64 i;

		if (!w)
			_exit(1);
		for (i = 0; i < 10; i++)
			trace_writer__append(w, buf, make_rec(i, buf));
		if (trace_writer__flush(w))
			_exit(1);
		for (; i < 15; i++)
			trace_writer__append(w, buf, make_rec(i, buf));
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	CHECK(pid > 0, "fork: %s", strerror(errno));
	if (pid <= 0)
		return;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %#x", status);
	o = read_file(path);
	CHECK(!o.open_failed && o.ret == -ENODATA, "%s", o.e.msg);
	CHECK_STR(o.e.msg, "truncated: no trailer after chunk 0; the capture was cut short");
	CHECK_EQ_U64(o.nr, 10);
	CHECK_EQ_U64(o.bad_records, 0);
	CHECK_EQ_U64(o.progress.nr_chunks, 1);
	CHECK(stat(path, &st) == 0 && o.progress.good_bytes == (__u64)st.st_size, "good_bytes %llu",
	      (unsigned long long)o.progress.good_bytes);
	CHECK((st.st_mode & 077) == 0, "mode %o", st.st_mode & 0777);
}

/* A reader may follow a file the writer is still appending to. */
static void test_read_while_writing(void)
{
	const char *path = tpath("live.sdt");
	struct trace_meta meta;
	struct trace_writer *w;
	struct outcome o;
	__u8 buf[MAX_REC];
	__u64 i;
	int err;

	make_meta(&meta, 4, 2);
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL, "open: %s", strerror(-err));
	if (!w)
		return;
	for (i = 0; i < 6; i++)
		trace_writer__append(w, buf, make_rec(i, buf));
	o = read_file(path);
	CHECK(o.nr == 0 && o.ret == -ENODATA, "nothing flushed yet: %s", o.e.msg);
	trace_writer__flush(w);
	o = read_file(path);
	CHECK(o.nr == 6 && o.ret == -ENODATA, "%s", o.e.msg);
	trace_writer__abort(w);
	o = read_file(path);
	CHECK(o.nr == 6 && o.ret == -ENODATA, "abort keeps what was flushed: %s", o.e.msg);
}

/* The same capture gives the same bytes (reports are compared byte for byte). */
static void test_deterministic(const struct small *s)
{
	struct small again;

	CHECK(make_small(&again, "again.sdt") == 0, "second small file");
	CHECK(again.len == s->len && !memcmp(again.buf, s->buf, s->len),
	      "same input, different bytes");
	free(again.buf);
}

int main(void)
{
	struct small s;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_limits();
	CHECK(make_small(&s, "small.sdt") == 0, "small file");
	if (s.buf) {
		printf("small file: %zu bytes, header %zu, chunks end at %zu %zu %zu\n", s.len,
		       s.hdr_end, s.chunk_end[0], s.chunk_end[1], s.chunk_end[2]);
		test_truncation(&s);
		test_bit_flips(&s);
		test_random_damage(&s);
		test_crafted_chunks(&s);
		test_crafted_files(&s);
		test_crafted_headers(&s);
		test_deterministic(&s);
		free(s.buf);
	}
	test_foreign();
	test_writer_rejects();
	test_killed_recorder();
	test_read_while_writing();
	cleanup();
	return check_summary();
}
