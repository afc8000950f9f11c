/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Escaping arbitrary bytes (task names, cgroup paths, host names) for HTML
 * text and quoted attribute values, so that they always come out as what
 * they are and as valid UTF-8, never as markup.
 */
#ifndef SCHEDRIFT_HTML_H
#define SCHEDRIFT_HTML_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write at most len bytes of s (stopping at a NUL), with & < > " ' as
 * character references, C0 controls and DEL as their Unicode "control
 * pictures" (a newline shows as U+240A), C1 controls and invalid UTF-8 as
 * U+FFFD. Safe inside elements, quoted attributes and SVG <text>.
 */
void html__escape(FILE *f, const char *s, size_t len);

/* Same, for a NUL-terminated string. */
void html__escape_str(FILE *f, const char *s);

#endif /* SCHEDRIFT_HTML_H */
