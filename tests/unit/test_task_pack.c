// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Task records packed for the file (trace version 4, userspace/trace/task_pack.h):
 * - an exit and a snapshot written by the trace writer come back from the
 *   reader as the very records written (type 2 / 3, 1600 bytes, every
 *   byte), and the file holds them packed: far fewer bytes than 1600 each;
 * - a record with every word large (packing would make it longer) is
 *   written as it is, and read back the same;
 * - a packed record that is not what the packer makes (another kind, a
 *   varint cut short, a 0 for a word the bitmap says is set, a byte left
 *   over, a bit past the last word) is refused, and a file holding one
 *   fails at its chunk like any other corrupt record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "check.h"
#include "trace/task_pack.h"
#include "trace/trace.h"
#include "trace/trace_format.h"

static void make_task(struct sdr_rec_task *t, __u16 type, __u32 tid)
{
	memset(t, 0, sizeof(*t));
	t->hdr.type = type;
	t->hdr.size = sizeof(*t);
	t->hdr.cpu = 1;
	t->hdr.ts_ns = 5000000000ull + tid;
	t->task.tid = tid;
	t->task.tgid = 4000;
	t->task.start_ns = 4000000000ull + 17 * tid;
	strcpy(t->task.comm, "sched-messaging");
	t->counts.runtime_ns = 123456;
	t->counts.waits = 75;
	t->counts.wait_sum_ns = 750000;
	t->counts.wait_max_ns = 90000;
	t->counts.cgroup_id = 8123;
	t->counts.preferred_nid = -1;
	t->counts.migrations[1] = 3;
	t->counts.node_runtime_ns[0] = 123456;
	t->counts.wait_hist[40] = 30;
	t->counts.wait_hist[41] = 45;
	t->counts.wait_hist[SDR_TASK_HIST_NR - 1] = 1;
}

static void make_dense(struct sdr_rec_task *t)
{
	__u8 *p = (__u8 *)t + sizeof(t->hdr);
	size_t i;

	make_task(t, SDR_REC_TASK_EXIT, 77);
	for (i = 0; i < sizeof(*t) - sizeof(t->hdr); i++)
		p[i] = 0xf0 | (i & 0xf);
}

static void test_in_memory(void)
{
	struct sdr_rec_task t, back;
	__u8 buf[TASK_PACK_MAX], bad[TASK_PACK_MAX];
	size_t n;

	make_task(&t, SDR_REC_TASK_SNAPSHOT, 1234);
	CHECK(task_pack__wanted(&t.hdr));
	n = task_pack__pack(&t, buf);
	CHECK(n < 200, "packed %zu bytes", n);
	CHECK(((struct sdr_rec_hdr *)buf)->type == SDR_REC_TASK_PACKED);
	CHECK(((struct sdr_rec_hdr *)buf)->size == n);
	CHECK(task_pack__unpack(buf, n, &back) == 0);
	CHECK(!memcmp(&t, &back, sizeof(t)), "round trip changed the record");

	/* Each way of being malformed, one at a time. */
	memcpy(bad, buf, n);
	bad[sizeof(struct sdr_rec_hdr)] = SDR_REC_MIGRATE;
	CHECK(task_pack__unpack(bad, n, &back) == -EINVAL, "another kind");
	CHECK(task_pack__unpack(buf, n - 1, &back) == -EINVAL, "cut short");
	memcpy(bad, buf, n);
	bad[n] = 1;
	CHECK(task_pack__unpack(bad, n + 1, &back) == -EINVAL, "a byte left over");
	memcpy(bad, buf, n);
	bad[TASK_PACK_FIXED - 1] |= 0x80; /* the last bitmap byte: past word 197 */
	CHECK(task_pack__unpack(bad, n, &back) == -EINVAL, "a bit past the last word");
	memcpy(bad, buf, n);
	bad[TASK_PACK_FIXED] = 0; /* the first varint (tid and tgid) says 0 */
	CHECK(task_pack__unpack(bad, n, &back) == -EINVAL, "a zero for a set word");
	CHECK(task_pack__unpack(buf, TASK_PACK_FIXED - 1, &back) == -EINVAL, "no bitmap");

	/* Not every record is packed: other sizes, other types. */
	t.hdr.size = sizeof(t) - 8;
	CHECK(!task_pack__wanted(&t.hdr));
	t.hdr.size = sizeof(t);
	t.hdr.type = SDR_REC_MIGRATE;
	CHECK(!task_pack__wanted(&t.hdr));
}

static void meta_init(struct trace_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->nr_cpus_online = 2;
	m->topo.nr_cpus = 2;
	m->topo.nr_nodes = 1;
}

/* A new trace at path (a mkstemp template) holding n records of len bytes each, back to back. */
static int write_file(char *path, const void *recs, size_t len, int n)
{
	struct trace_trailer tr = {};
	struct trace_writer *w;
	struct trace_meta m;
	int fd, err, i;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return -1;
	close(fd);
	meta_init(&m);
	w = trace_writer__open(path, &m, &err);
	CHECK(w != NULL, "open: %d", err);
	if (!w)
		return -1;
	for (i = 0; i < n; i++)
		CHECK(trace_writer__append(w, (const __u8 *)recs + i * len, len) == 0);
	CHECK(trace_writer__close(w, &tr) == 0);
	return 0;
}

static void test_file(void)
{
	char path[] = "/tmp/schedrift-test-task-pack-XXXXXX";
	struct sdr_rec_task recs[3];
	const struct sdr_rec_hdr *h;
	struct trace_reader *r;
	struct trace_error e;
	struct stat st;
	int n = 0;

	make_task(&recs[0], SDR_REC_TASK_EXIT, 1001);
	make_task(&recs[1], SDR_REC_TASK_SNAPSHOT, 1002);
	make_dense(&recs[2]);
	if (write_file(path, recs, sizeof(recs[0]), 3))
		return;
	/* Two packed (about 100 bytes each) and one as it is, stored by zlib. */
	CHECK(stat(path, &st) == 0 && st.st_size < 2 * 1600, "file of %lld bytes",
	      (long long)st.st_size);

	r = trace_reader__open(path, &e);
	CHECK(r != NULL, "%s", e.msg);
	if (!r)
		goto out;
	CHECK(trace_reader__meta(r)->version == SDR_TRACE_VERSION && SDR_TRACE_VERSION >= 4);
	while (trace_reader__next(r, &h, &e) == 1) {
		CHECK(n < 3);
		if (n >= 3)
			break;
		CHECK(h->size == sizeof(recs[n]) && !memcmp(h, &recs[n], sizeof(recs[n])),
		      "record %d read back differs (type %u size %u)", n, h->type, h->size);
		n++;
	}
	CHECK(n == 3, "%d records read", n);
	CHECK(trace_reader__trailer(r) != NULL, "%s", e.msg);
	trace_reader__close(r);
out:
	unlink(path);
}

/*
 * A file whose one chunk holds rec as given (the writer would refuse it):
 * a written file's header, then a chunk of rec compressed here with its
 * CRCs, and no trailer.
 */
static int write_corrupt_file(char *path, const void *rec, size_t len)
{
	static __u8 file[TF_HDR_MAX_LEN + TF_CHUNK_HDR_LEN + 2 * TASK_PACK_MAX + 4096];
	uLongf comp_len;
	__u32 hlen;
	int fd, ok;

	if (write_file(path, NULL, 0, 0))
		return -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	ok = fd >= 0 && pread(fd, file, TF_HDR_MAX_LEN, 0) >= 16;
	hlen = ok ? tf_le32(file + 12) : 0;
	comp_len = sizeof(file) - TF_HDR_MAX_LEN - TF_CHUNK_HDR_LEN - TF_CRC_LEN;
	ok = ok && hlen <= TF_HDR_MAX_LEN &&
	     compress2(file + hlen + TF_CHUNK_HDR_LEN, &comp_len, rec, len, 1) == Z_OK;
	CHECK(ok, "building the corrupt file");
	if (!ok) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(file + hlen, TF_TAG_CHUNK, TF_TAG_LEN);
	tf_put_le32(file + hlen + 4, 0);
	tf_put_le32(file + hlen + 8, comp_len);
	tf_put_le32(file + hlen + 12, len);
	tf_put_le32(file + hlen + 16, 1);
	tf_put_le32(file + hlen + 20, tf_crc(file + hlen, 20));
	tf_put_le32(file + hlen + TF_CHUNK_HDR_LEN + comp_len,
		    tf_crc(file + hlen + TF_CHUNK_HDR_LEN, comp_len));
	len = hlen + TF_CHUNK_HDR_LEN + comp_len + TF_CRC_LEN;
	ok = pwrite(fd, file, len, 0) == (ssize_t)len && ftruncate(fd, len) == 0;
	close(fd);
	CHECK(ok, "writing the corrupt file");
	return ok ? 0 : -1;
}

/* A malformed packed record fails its chunk, and names itself. */
static void test_corrupt_file(void)
{
	char path[] = "/tmp/schedrift-test-task-pack-XXXXXX";
	struct sdr_rec_task t;
	__u8 buf[TASK_PACK_MAX];
	const struct sdr_rec_hdr *h;
	struct trace_reader *r;
	struct trace_error e;
	size_t n;
	int ret;

	make_task(&t, SDR_REC_TASK_EXIT, 2001);
	n = task_pack__pack(&t, buf);
	buf[n - 1] |= 0x80; /* its last varint now runs past the record */
	/* The writer refuses a packed record from outside: the chunk is made here. */
	if (write_corrupt_file(path, buf, n))
		return;
	r = trace_reader__open(path, &e);
	CHECK(r != NULL, "%s", e.msg);
	if (r) {
		ret = trace_reader__next(r, &h, &e);
		CHECK(ret < 0, "a corrupt packed record was handed out (%d)", ret);
		CHECK(strstr(e.msg, "bad packed task record") != NULL, "%s", e.msg);
		trace_reader__close(r);
	}
	unlink(path);
}

int main(void)
{
	test_in_memory();
	test_file();
	test_corrupt_file();
	return check_summary();
}
