/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift report`: options, loading the file, and the choice of renderer. */
#ifndef SCHEDRIFT_REPORT_CMD_H
#define SCHEDRIFT_REPORT_CMD_H

#include <getopt.h>
#include <stdio.h>
#include "report/report.h"

enum report_format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_CHROME, FMT_NR };

/* What `schedrift report`'s command line asks for. */
struct report_opts {
	const char *path;     /* the trace file */
	const char *out_path; /* NULL = stdout */
	int fmt;              /* enum report_format */
	int top;              /* tasks shown; 0 = all */
	int salvage;
	int samples;
};

/*
 * Parse report options (argv[0] is "report") without touching any file:
 * 0, -1 after --help, or EXIT_USAGE after printing one line.
 */
int report__parse(int argc, char **argv, struct report_opts *o);

/* Render r in format fmt (enum report_format); 0 or -ENOMEM. */
int report__print(const struct report *r, FILE *out, const char *path, int fmt, int top,
		  int samples);

int cmd_report(int argc, char **argv);

/* The i-th name --format takes; NULL past the last (shell completion lists them). */
const char *report__format_name(int i);

/* The option tables report__parse() hands getopt_long(). */
extern const struct option report__longopts[];
extern const char report__shortopts[];

#endif /* SCHEDRIFT_REPORT_CMD_H */
