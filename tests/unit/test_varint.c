// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The varints of wait and switch batches (userspace/trace/varint.h):
 * - every value round-trips through the shortest form, which is all
 *   put_varint() writes (1 to 10 bytes);
 * - a varint longer than needed (the same value padded with 0x80 bytes
 *   and a final 0x00), one past 64 bits (a 10th byte above 1, an 11th
 *   byte) or one cut short is refused, and so is the record holding it:
 *   a file with such a switch batch loads as malformed, like any other
 *   corrupt record (with --salvage: what came before it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "lib/util.h"
#include "report/load.h"
#include "trace/switch_batch.h"
#include "trace/varint.h"

static int get(const __u8 *buf, size_t len, __u64 *v, size_t *used)
{
	const __u8 *p = buf;
	int err = get_varint(&p, buf + len, v);

	*used = p - buf;
	return err;
}

/* The shortest form of v, then the same value made longer by `extra` bytes. */
static size_t padded(__u8 *buf, __u64 v, size_t extra)
{
	size_t n = put_varint(buf, v);

	while (extra--) {
		buf[n - 1] |= 0x80;
		buf[n++] = 0;
	}
	return n;
}

static void check_values(void)
{
	static const __u64 vals[] = { 0, 1, 127, 128, 255, 16383, 16384, 1ull << 32,
				      (1ull << 56) - 1, 1ull << 56, (1ull << 63) - 1, 1ull << 63,
				      ~0ull };
	__u64 v, state = 11;
	__u8 buf[16];
	size_t i, n, used, extra;
	int k;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]) + 5000; i++) {
		if (i < sizeof(vals) / sizeof(vals[0])) {
			v = vals[i];
		} else {
			state = state * 6364136223846793005ull + 1442695040888963407ull;
			v = state >> (state % 64); /* every length */
		}
		n = put_varint(buf, v);
		CHECK(n >= 1 && n <= 10);
		CHECK(get(buf, n, &v, &used) == 0 && used == n);
		CHECK(v == (i < sizeof(vals) / sizeof(vals[0]) ? vals[i] : state >> (state % 64)));
		/* Cut short anywhere: refused, never read past the end. */
		for (k = 0; k < (int)n; k++)
			CHECK(get(buf, k, &v, &used) == -EINVAL && used <= (size_t)k);
		/* Longer than needed, by 1 byte up to 10 bytes in all: refused. */
		for (extra = 1; n + extra <= 11; extra++) {
			size_t m = padded(buf, i < sizeof(vals) / sizeof(vals[0]) ? vals[i] :
					  state >> (state % 64), extra);

			CHECK(get(buf, m, &v, &used) == -EINVAL, "value %zu padded by %zu", i,
			      extra);
		}
	}
	/* 0 in two bytes, the plainest overlong form. */
	memcpy(buf, "\x80\x00", 2);
	CHECK(get(buf, 2, &v, &used) == -EINVAL);
	/* 2^64 - 1 is nine 0xff and a 1; a 10th byte of 2 or more is past 64 bits. */
	memset(buf, 0xff, 9);
	buf[9] = 0x01;
	CHECK(get(buf, 10, &v, &used) == 0 && v == ~0ull);
	buf[9] = 0x02;
	CHECK(get(buf, 10, &v, &used) == -EINVAL);
	buf[9] = 0x7f;
	CHECK(get(buf, 10, &v, &used) == -EINVAL);
	/* An 11th byte. */
	buf[9] = 0x81;
	buf[10] = 0x00;
	CHECK(get(buf, 11, &v, &used) == -EINVAL);
	buf[9] = 0x80;
	CHECK(get(buf, 11, &v, &used) == -EINVAL);
	/* zigzag keeps both signs short and round-trips. */
	CHECK(zigzag(-1) == 1 && zigzag(1) == 2 && unzigzag(zigzag(-123456789)) == -123456789);
}

/*
 * A switch batch of one switch (CPU 0, idle -> tid 300); with `extra`,
 * its next tid padded by that many bytes.
 */
static size_t switch_record(__u8 *buf, size_t extra)
{
	struct sdr_rec_hdr h = { .type = SDR_REC_SWITCH_BATCH, .ts_ns = 7000 };
	size_t len = sizeof(h) + 4;
	__u32 n = 1;

	memcpy(buf + sizeof(h), &n, 4);
	len += put_varint(buf + len, 0);
	len += put_varint(buf + len, 0);
	buf[len++] = SDR_PREV_IDLE;
	len += put_varint(buf + len, 0);
	len += padded(buf + len, 300, extra);
	h.size = len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static int count(void *ctx, const struct switch_sample *s)
{
	(*(int *)ctx)++;
	return s->next_tid == 300 ? 0 : -EINVAL;
}

static void write_file(const char *path, size_t extra)
{
	struct trace_trailer tr = {};
	struct trace_meta meta;
	struct trace_writer *w;
	__u8 buf[64];
	int err;

	memset(&meta, 0, sizeof(meta));
	topology__init(&meta.topo);
	meta.topo.nr_cpus = 1;
	meta.topo.nr_nodes = 1;
	meta.nr_cpus_online = 1;
	meta.start_mono_ns = 1000;
	w = trace_writer__open(path, &meta, &err);
	CHECK(w != NULL);
	if (!w)
		return;
	/* A good batch first, so a salvage keeps something. */
	CHECK(trace_writer__append(w, buf, switch_record(buf, 0)) == 0);
	CHECK(trace_writer__append(w, buf, switch_record(buf, extra)) == 0);
	tr.end_mono_ns = 1000000;
	CHECK(trace_writer__close(w, &tr) == 0);
}

static void check_records(void)
{
	char dir[] = "/tmp/schedrift-varint-XXXXXX", path[64];
	struct trace_error e = {};
	struct report r;
	__u8 buf[64];
	int n = 0;

	switch_record(buf, 0);
	CHECK(switch_batch__decode((const struct sdr_rec_hdr *)buf, count, &n) == 0 && n == 1);
	switch_record(buf, 1);
	CHECK(switch_batch__decode((const struct sdr_rec_hdr *)buf, count, &n) == -EINVAL);
	CHECK_EQ_U64(n, 1);

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/t.sdt", dir);
	write_file(path, 0);
	CHECK(report__load(&r, path, 0, &e) == 0, "%s", e.msg);
	CHECK_EQ_U64(r.delays.attrib.switches, 2);
	report__free(&r);
	write_file(path, 2);
	memset(&e, 0, sizeof(e));
	CHECK(report__load(&r, path, 0, &e) == EXIT_USAGE);
	CHECK(strstr(e.msg, "malformed record of type 19") != NULL, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	CHECK(report__load(&r, path, 1, &e) == 0, "%s", e.msg);
	CHECK(strstr(r.error, "malformed record of type 19") != NULL, "%s", r.error);
	CHECK_EQ_U64(r.delays.attrib.switches, 1);
	report__free(&r);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	check_values();
	check_records();
	return check_summary();
}
