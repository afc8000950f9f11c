/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A streaming JSON writer: nesting and commas are tracked here, so report and
 * exporter code only says what to write. Output is pretty-printed with two
 * spaces, keys in the order written (callers write them in a fixed order, so
 * output is deterministic). Strings are escaped for any byte content:
 * control characters as \u00XX and invalid UTF-8 as U+FFFD. Output reaches
 * the FILE in blocks of up to 8 KiB and in full at json__finish().
 */
#ifndef SCHEDRIFT_JSON_H
#define SCHEDRIFT_JSON_H

#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	size_t len; /* bytes in buf not yet given to f */
	char buf[8192];
	int depth;
	int flat_depth; /* members at this depth or deeper go on one line; 0 = never */
	int count[JSON_MAX_DEPTH]; /* members written at each level */
};

void json__init(struct json *j, FILE *f);
/*
 * From now on, write the members of containers nested `depth` deep (the
 * top-level container's members are depth 1) on one line without spaces,
 * e.g. one event per line in a large array; 0 turns it off again.
 */
void json__set_flat_depth(struct json *j, int depth);
/* key is NULL inside arrays and at the top level; keys are written as they are (no escaping). */
void json__object_begin(struct json *j, const char *key);
void json__object_end(struct json *j);
void json__array_begin(struct json *j, const char *key);
void json__array_end(struct json *j);
/* Arrays printed on one line, e.g. distance rows: [10, 21] */
void json__inline_u64_array(struct json *j, const char *key, const __u64 *v, int n);
void json__u64(struct json *j, const char *key, __u64 v);
void json__i64(struct json *j, const char *key, long long v);
void json__null(struct json *j, const char *key);
void json__bool(struct json *j, const char *key, int v);
/* A number with a fixed count of decimals, e.g. 22.000 */
void json__fixed(struct json *j, const char *key, double v, int decimals);
/* v / 1000 with exactly three decimals, no float rounding: ns as µs, -1.500 */
void json__milli(struct json *j, const char *key, long long v);
void json__str(struct json *j, const char *key, const char *s);
/* A string of at most len bytes (stops early at NUL). */
void json__strn(struct json *j, const char *key, const char *s, size_t len);
/* Ends the document with a newline and hands everything to the FILE. */
void json__finish(struct json *j);

#endif /* SCHEDRIFT_JSON_H */
