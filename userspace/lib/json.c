// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <string.h>
#include "lib/escape.h"
#include "lib/json.h"
#include "lib/util.h"

void json__init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->flat_depth = 0;
	j->len = 0;
	j->count[0] = 0;
}

void json__set_flat_depth(struct json *j, int depth)
{
	j->flat_depth = depth;
}

static void flush(struct json *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->f);
	j->len = 0;
}

/*
 * Output is gathered in j->buf and handed to stdio in blocks: one stdio
 * call per comma, quote and digit run was a third of a daemon export of
 * 10 000 tasks.
 */
static void put(struct json *j, const char *s, size_t n)
{
	if (n > sizeof(j->buf) - j->len) {
		flush(j);
		if (n > sizeof(j->buf)) {
			fwrite(s, 1, n, j->f);
			return;
		}
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void put_c(struct json *j, char c)
{
	if (j->len == sizeof(j->buf))
		flush(j);
	j->buf[j->len++] = c;
}

/* Decimal digits of v without printf: a daemon export of 5000 tasks writes
 * hundreds of thousands of numbers, and vfprintf alone was 7 % of it. */
static void put_u64(struct json *j, unsigned long long v)
{
	char buf[20];
	int i = sizeof(buf);

	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(j, buf + i, sizeof(buf) - i);
}

/* v's last `digits` decimal digits, zero-padded. */
static void put_frac(struct json *j, unsigned long long v, int digits)
{
	char buf[20];
	int i = digits;

	while (i > 0) {
		buf[--i] = '0' + v % 10;
		v /= 10;
	}
	put(j, buf, digits);
}

static int flat(const struct json *j)
{
	return j->flat_depth && j->depth >= j->flat_depth;
}

static void indent(struct json *j)
{
	static const char spaces[] = "                                                                ";
	size_t n = 2 * (size_t)j->depth;

	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put(j, spaces, k);
		n -= k;
	}
}

static void write_escaped(struct json *j, const char *str, size_t len);

/* Comma, newline and indent before a member, then its key if any. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth]++)
			put_c(j, ',');
		if (!flat(j)) {
			put_c(j, '\n');
			indent(j);
		}
	}
	if (key) {
		/* Keys are the callers' own literals, plain ASCII: no escaping. */
		put_c(j, '"');
		put(j, key, strlen(key));
		if (flat(j))
			put(j, "\":", 2);
		else
			put(j, "\": ", 3);
	}
}

static void open_level(struct json *j, const char *key, char c)
{
	member(j, key);
	put_c(j, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_level(struct json *j, char c)
{
	int had = j->count[j->depth] && !flat(j);

	if (j->depth > 0)
		j->depth--;
	if (had) {
		put_c(j, '\n');
		indent(j);
	}
	put_c(j, c);
}

void json__object_begin(struct json *j, const char *key)
{
	open_level(j, key, '{');
}

void json__object_end(struct json *j)
{
	close_level(j, '}');
}

void json__array_begin(struct json *j, const char *key)
{
	open_level(j, key, '[');
}

void json__array_end(struct json *j)
{
	close_level(j, ']');
}

void json__inline_u64_array(struct json *j, const char *key, const __u64 *v, int n)
{
	int i;

	member(j, key);
	put_c(j, '[');
	for (i = 0; i < n; i++) {
		if (i)
			put(j, ", ", 2);
		put_u64(j, v[i]);
	}
	put_c(j, ']');
}

void json__u64(struct json *j, const char *key, __u64 v)
{
	member(j, key);
	put_u64(j, v);
}

void json__i64(struct json *j, const char *key, long long v)
{
	/* Through unsigned, so that LLONG_MIN has a magnitude too. */
	unsigned long long m = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

	member(j, key);
	if (v < 0)
		put_c(j, '-');
	put_u64(j, m);
}

void json__null(struct json *j, const char *key)
{
	member(j, key);
	put(j, "null", 4);
}

void json__bool(struct json *j, const char *key, int v)
{
	member(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json__fixed(struct json *j, const char *key, double v, int decimals)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	char buf[64];
	double scaled;
	int n;

	member(j, key);
	/*
	 * Most values are exact in the unit asked for (rel_error 0.0625, a
	 * whole count): those are written from integers, as printf would
	 * write them. Below 2^50 the product is within 1/8 of the exact one,
	 * so an integral product is what printf's rounding gives too.
	 */
	if (decimals >= 0 && decimals < (int)ARRAY_SIZE(pow10) && v >= 0 && !signbit(v)) {
		scaled = v * pow10[decimals];
		if (scaled < 0x1p50 && scaled == (double)(unsigned long long)scaled) {
			unsigned long long s = (unsigned long long)scaled;
			unsigned long long unit = (unsigned long long)pow10[decimals];

			put_u64(j, s / unit);
			if (decimals) {
				put_c(j, '.');
				put_frac(j, s % unit, decimals);
			}
			return;
		}
	}
	n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (n > 0 && (size_t)n < sizeof(buf)) {
		put(j, buf, n);
	} else {
		/* Huge magnitudes: straight to stdio, after what is buffered. */
		flush(j);
		fprintf(j->f, "%.*f", decimals, v);
	}
}

void json__milli(struct json *j, const char *key, long long v)
{
	unsigned long long m = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

	member(j, key);
	if (v < 0)
		put_c(j, '-');
	put_u64(j, m / 1000);
	put_c(j, '.');
	put_frac(j, m % 1000, 3);
}

void json__strn(struct json *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	put_c(j, '"');
	write_escaped(j, s, strnlen(s, len));
	put_c(j, '"');
}

void json__str(struct json *j, const char *key, const char *s)
{
	json__strn(j, key, s, strlen(s));
}

void json__finish(struct json *j)
{
	put_c(j, '\n');
	flush(j);
}

static const char *const json_special_as[] = { "\\\"", "\\\\" };

/* Controls as \u00XX. */
static size_t json_control(char *buf, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	memcpy(buf, "\\u00", 4);
	buf[4] = hex[c >> 4];
	buf[5] = hex[c & 15];
	return 6;
}

static const struct escaper json_escaper = {
	.plain_lo = 0x20, .plain_hi = 0x7e,
	.special = "\"\\", .special_as = json_special_as,
	.control = json_control,
	.invalid = "\\ufffd",
};

static void put_escaped(void *j, const char *s, size_t n)
{
	put(j, s, n);
}

static void write_escaped(struct json *j, const char *str, size_t len)
{
	escape__write(&json_escaper, put_escaped, j, str, len);
}
