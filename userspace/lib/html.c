// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "lib/html.h"
#include "lib/util.h"

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8. */
#define REPLACEMENT "\xef\xbf\xbd"

/*
 * A control byte, shown rather than dropped: HTML forbids most of them in
 * text, and a task name with a newline in it should still read as one.
 * U+2400 + c for C0, U+2421 for DEL; all are E2 90 xx in UTF-8.
 */
static void control_picture(FILE *f, unsigned char c)
{
	unsigned int cp = c == 0x7f ? 0x2421 : 0x2400 + c;

	fputc(0xe2, f);
	fputc(0x80 | (cp >> 6 & 0x3f), f);
	fputc(0x80 | (cp & 0x3f), f);
}

void html__escape(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	len = strnlen(str, len);
	while (i < len) {
		unsigned char c = s[i];

		/* Plain ASCII goes out as one run, not a call per byte. */
		n = plain_run(s + i, len - i, 0x20, 0x7e, "&<>\"'");
		if (n) {
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			control_picture(f, c);
			i++;
		} else if ((n = utf8_len(s + i, len - i)) == 0) {
			fputs(REPLACEMENT, f);
			i++;
		} else if (n == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			/* U+0080..U+009F: valid UTF-8, but C1 controls. */
			fputs(REPLACEMENT, f);
			i += n;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
}

void html__escape_str(FILE *f, const char *s)
{
	html__escape(f, s, strlen(s));
}
