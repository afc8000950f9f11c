// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "lib/html.h"
#include "lib/escape.h"

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8. */
#define REPLACEMENT "\xef\xbf\xbd"

static const char *const html_special_as[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

/*
 * A control byte, shown rather than dropped: HTML forbids most of them in
 * text, and a task name with a newline in it should still read as one.
 * U+2400 + c for C0, U+2421 for DEL; all are E2 90 xx in UTF-8.
 */
static size_t html_control(char *buf, unsigned char c)
{
	unsigned int cp = c == 0x7f ? 0x2421 : 0x2400 + c;

	buf[0] = (char)0xe2;
	buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static const struct escaper html_escaper = {
	.plain_lo = 0x20, .plain_hi = 0x7e,
	.special = "&<>\"'", .special_as = html_special_as,
	.control = html_control,
	.invalid = REPLACEMENT,
	.c1_invalid = true,
};

void html__escape(FILE *f, const char *str, size_t len)
{
	escape__fwrite(&html_escaper, f, str, strnlen(str, len));
}

void html__escape_str(FILE *f, const char *s)
{
	html__escape(f, s, strlen(s));
}
