/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One escaper for every output format that quotes outside bytes (task
 * names, cgroup paths, host names): Prometheus label values, HTML text and
 * JSON strings. Each format is a table of rules; the walk is shared, so
 * every format treats runs of plain bytes, UTF-8 sequences and invalid
 * bytes the same way, and comes out as valid UTF-8.
 */
#ifndef SCHEDRIFT_LIB_ESCAPE_H
#define SCHEDRIFT_LIB_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct escaper {
	/* Bytes in [plain_lo, plain_hi] not in special go out as they are, in runs. */
	unsigned char plain_lo, plain_hi;
	const char *special;	       /* bytes with a replacement of their own ... */
	const char *const *special_as; /* ... special_as[k] for special[k] */
	/*
	 * Other bytes below 0x80 (controls): their replacement written into buf
	 * (at least 8 bytes), its length returned. NULL: as `invalid`.
	 */
	size_t (*control)(char *buf, unsigned char c);
	const char *invalid; /* for a byte that starts no valid UTF-8 sequence */
	bool c1_invalid;     /* U+0080..U+009F (valid UTF-8, C1 controls) as `invalid` too */
};

/* Where escaped bytes go: fwrite to a FILE, or a format's own buffer. */
typedef void (*escape_put_fn)(void *out, const char *s, size_t n);

/* The len bytes of s, escaped by e's rules, through put(out, ...). */
void escape__write(const struct escaper *e, escape_put_fn put, void *out, const char *s,
		   size_t len);
/* The same into a FILE. */
void escape__fwrite(const struct escaper *e, FILE *f, const char *s, size_t len);

#endif /* SCHEDRIFT_LIB_ESCAPE_H */
