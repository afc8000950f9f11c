/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift __complete bash`: shell completion written from the parsers' option tables. */
#ifndef SCHEDRIFT_COMPLETION_H
#define SCHEDRIFT_COMPLETION_H

#include <getopt.h>
#include <stdio.h>

/* One command as its parser sees it. A NULL name ends an array of them. */
struct completion_cmd {
	const char *name;               /* NULL: the global options, before any command */
	const struct option *longopts;  /* what getopt_long() is given; NULL: no options */
	const char *shortopts;
	int takes_file;                 /* a FILE operand follows the options */
	const char *choice_opt;         /* the one long option whose values are a fixed list */
	const char *(*choice)(int i);   /* its i-th value, NULL past the last */
};

/*
 * Writes the bash completion script: `globals` are the options before a
 * command, `cmds` the commands (ended by a NULL name) in the order --help
 * lists them. Returns 0, or -1 if writing failed.
 */
int completion__bash(FILE *f, const struct completion_cmd *globals,
		     const struct completion_cmd *cmds);

#endif /* SCHEDRIFT_COMPLETION_H */
