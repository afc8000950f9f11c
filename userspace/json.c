// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "json.h"
#include "util.h"

void json__init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void json__set_flat_depth(struct json *j, int depth)
{
	j->flat_depth = depth;
}

/* Decimal digits of v without printf: a daemon export of 5000 tasks writes
 * hundreds of thousands of numbers, and vfprintf alone was 7 % of it. */
static void put_u64(FILE *f, unsigned long long v)
{
	char buf[20];
	int i = sizeof(buf);

	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite(buf + i, 1, sizeof(buf) - i, f);
}

static int flat(const struct json *j)
{
	return j->flat_depth && j->depth >= j->flat_depth;
}

static void indent(struct json *j)
{
	int i;

	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Comma, newline and indent before a member, then its key if any. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth]++)
			fputc(',', j->f);
		if (!flat(j)) {
			fputc('\n', j->f);
			indent(j);
		}
	}
	if (key) {
		fputc('"', j->f);
		json__write_escaped(j->f, key, strlen(key));
		fputs(flat(j) ? "\":" : "\": ", j->f);
	}
}

static void open_level(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
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
		fputc('\n', j->f);
		indent(j);
	}
	fputc(c, j->f);
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
	fputc('[', j->f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", j->f);
		put_u64(j->f, v[i]);
	}
	fputc(']', j->f);
}

void json__u64(struct json *j, const char *key, __u64 v)
{
	member(j, key);
	put_u64(j->f, v);
}

void json__i64(struct json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->f, "%lld", v);
}

void json__null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json__bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json__fixed(struct json *j, const char *key, double v, int decimals)
{
	member(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void json__milli(struct json *j, const char *key, long long v)
{
	/* Through unsigned, so that LLONG_MIN has a magnitude too. */
	unsigned long long m = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

	member(j, key);
	if (v < 0)
		fputc('-', j->f);
	put_u64(j->f, m / 1000);
	fprintf(j->f, ".%03llu", m % 1000);
}

void json__strn(struct json *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	fputc('"', j->f);
	json__write_escaped(j->f, s, strnlen(s, len));
	fputc('"', j->f);
}

void json__str(struct json *j, const char *key, const char *s)
{
	json__strn(j, key, s, strlen(s));
}

void json__finish(struct json *j)
{
	fputc('\n', j->f);
}

void json__write_escaped(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		/* Plain ASCII goes out as one run: fwrite per byte dominated a
		 * daemon export of thousands of tasks. */
		n = plain_run(s + i, len - i, 0x20, 0x7e, "\"\\");
		if (n) {
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if ((n = utf8_len(s + i, len - i)) == 0) {
			fputs("\\ufffd", f);
			i++;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
}
