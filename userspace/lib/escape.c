// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "lib/escape.h"
#include "lib/util.h"

void escape__write(const struct escaper *e, escape_put_fn put, void *out, const char *str,
		   size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const char *sp;
	char buf[8];
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		/* Plain ASCII goes out as one run, not a call per byte. */
		n = plain_run(s + i, len - i, e->plain_lo, e->plain_hi, e->special);
		if (n) {
			put(out, str + i, n);
			i += n;
			continue;
		}
		sp = c ? strchr(e->special, c) : NULL;
		if (sp) {
			const char *as = e->special_as[sp - e->special];

			put(out, as, strlen(as));
			i++;
		} else if (c < 0x80 && e->control) {
			put(out, buf, e->control(buf, c));
			i++;
		} else if ((n = utf8_len(s + i, len - i)) == 0 || c < 0x80) {
			put(out, e->invalid, strlen(e->invalid));
			i++;
		} else if (e->c1_invalid && n == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			put(out, e->invalid, strlen(e->invalid));
			i += n;
		} else {
			put(out, str + i, n);
			i += n;
		}
	}
}

static void put_file(void *out, const char *s, size_t n)
{
	fwrite(s, 1, n, out);
}

void escape__fwrite(const struct escaper *e, FILE *f, const char *s, size_t len)
{
	escape__write(e, put_file, f, s, len);
}
