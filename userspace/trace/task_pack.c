// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Task records packed for the file: see task_pack.h and docs/trace-format.md. */
#include <errno.h>
#include <string.h>
#include "trace/task_pack.h"
#include "trace/varint.h"

_Static_assert((sizeof(struct sdr_rec_task) - sizeof(struct sdr_rec_hdr)) % 8 == 0,
	       "a task record after its header is whole 8-byte words");
_Static_assert(TASK_PACK_MAX <= 0xffff, "a packed task record fits a record's u16 size");

bool task_pack__wanted(const struct sdr_rec_hdr *h)
{
	return (h->type == SDR_REC_TASK_EXIT || h->type == SDR_REC_TASK_SNAPSHOT) &&
	       h->size == sizeof(struct sdr_rec_task);
}

size_t task_pack__pack(const void *rec, __u8 *out)
{
	const __u8 *body = (const __u8 *)rec + sizeof(struct sdr_rec_hdr);
	__u8 *bitmap = out + sizeof(struct sdr_rec_hdr) + 1;
	struct sdr_rec_hdr h;
	size_t i, len = TASK_PACK_FIXED;
	__u64 v;

	memcpy(&h, rec, sizeof(h));
	out[sizeof(h)] = (__u8)h.type;
	memset(bitmap, 0, TASK_PACK_BITMAP);
	for (i = 0; i < TASK_PACK_WORDS; i++) {
		memcpy(&v, body + 8 * i, 8);
		if (!v)
			continue;
		bitmap[i / 8] |= 1u << (i % 8);
		len += put_varint(out + len, v);
	}
	h.type = SDR_REC_TASK_PACKED;
	h.size = len;
	memcpy(out, &h, sizeof(h));
	return len;
}

int task_pack__unpack(const __u8 *p, size_t size, struct sdr_rec_task *rec)
{
	const __u8 *bitmap = p + sizeof(struct sdr_rec_hdr) + 1, *end = p + size, *q;
	__u8 *body = (__u8 *)rec + sizeof(struct sdr_rec_hdr);
	__u8 kind;
	size_t i;
	__u64 v;

	if (size < TASK_PACK_FIXED)
		return -EINVAL;
	kind = p[sizeof(struct sdr_rec_hdr)];
	if (kind != SDR_REC_TASK_EXIT && kind != SDR_REC_TASK_SNAPSHOT)
		return -EINVAL;
	/* Bits past the last word are never set. */
	if (TASK_PACK_WORDS % 8 && bitmap[TASK_PACK_BITMAP - 1] >> (TASK_PACK_WORDS % 8))
		return -EINVAL;
	memset(rec, 0, sizeof(*rec));
	memcpy(&rec->hdr, p, sizeof(rec->hdr));
	rec->hdr.type = kind;
	rec->hdr.size = sizeof(*rec);
	q = p + TASK_PACK_FIXED;
	for (i = 0; i < TASK_PACK_WORDS; i++) {
		if (!(bitmap[i / 8] & (1u << (i % 8))))
			continue;
		if (get_varint(&q, end, &v) || !v)
			return -EINVAL;
		memcpy(body + 8 * i, &v, 8);
	}
	return q == end ? 0 : -EINVAL;
}
