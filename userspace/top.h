/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift top`: the live view. */
#ifndef SCHEDRIFT_TOP_H
#define SCHEDRIFT_TOP_H

#include <getopt.h>
#include <linux/types.h>

struct top_opts {
	double interval_s;
	int rows;
	__u64 iterations; /* 0 = until Ctrl-C */
	const char *topology_path;
};

/* Parse top options (argv[0] is "top"); 0, -1 after --help, or EXIT_USAGE. Starts nothing. */
int top__parse(int argc, char **argv, struct top_opts *o);

int cmd_top(int argc, char **argv);

/* The option tables top__parse() hands getopt_long(). */
extern const struct option top__longopts[];
extern const char top__shortopts[];

#endif /* SCHEDRIFT_TOP_H */
