/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * LEB128 varints and zigzag signs: the delta encoding that wait and switch
 * batches share (docs/trace-format.md), so both formats read one way.
 */
#ifndef SCHEDRIFT_VARINT_H
#define SCHEDRIFT_VARINT_H

#include <errno.h>
#include <stddef.h>
#include <linux/types.h>

/* Writes v at p (at most 10 bytes); returns the bytes written. */
static inline size_t put_varint(__u8 *p, __u64 v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (__u8)v | 0x80;
		v >>= 7;
	}
	p[n++] = (__u8)v;
	return n;
}

/*
 * Reads one varint at *p, never past end; 0, or -EINVAL when it is cut
 * short, or is not what put_varint() writes (the only form schedrift has
 * ever written): longer than needed (a last byte of 0 after others), or
 * past 64 bits (a 10th byte above 1, or an 11th byte). Such a varint is
 * a corrupt record, refused like any other, never read as some number.
 */
static inline int get_varint(const __u8 **p, const __u8 *end, __u64 *out)
{
	__u64 v = 0;
	int shift;
	__u8 b;

	for (shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -EINVAL;
		b = *(*p)++;
		if (shift == 63 && b > 1)
			return -EINVAL;
		v |= (__u64)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (!b && shift)
				return -EINVAL;
			*out = v;
			return 0;
		}
	}
	return -EINVAL;
}

/* Small magnitudes of either sign as small unsigned numbers. */
static inline __u64 zigzag(__s64 v)
{
	return ((__u64)v << 1) ^ (__u64)(v >> 63);
}

static inline __s64 unzigzag(__u64 v)
{
	return (__s64)(v >> 1) ^ -(__s64)(v & 1);
}

#endif /* SCHEDRIFT_VARINT_H */
