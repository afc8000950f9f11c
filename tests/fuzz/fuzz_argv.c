// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target: the command line of every subcommand. The input is split
 * into arguments at NUL bytes and newlines; the first names the subcommand
 * (record, report, daemon, top) and is its argv[0], as main() passes it.
 * Only the parsers run (record__parse, report__parse, daemon__parse,
 * top__parse): they start nothing, so a fuzzer running as root never loads
 * BPF, binds a port or takes the daemon's lock. daemon__parse does read a
 * --config file and stat a --metrics-dir, so arguments naming /dev, /proc,
 * /sys or /run are skipped: a read of /dev/stdin or a FIFO could block.
 *
 * The parsers reset getopt themselves (optind = 0) on every call. Each
 * input is parsed twice, each time from its own copy freed afterwards, and
 * must give the same result: with optind = 1, glibc's pointer into the
 * first copy made the second parse read freed memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "record.h"
#include "report_cmd.h"
#include "top.h"
#include "lib/util.h"

#define MAX_ARGS 64

static int risky_path(const char *arg)
{
	static const char *const dirs[] = { "/dev", "/proc", "/sys", "/run" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strstr(arg, dirs[i]))
			return 1;
	return 0;
}

static int parse(int argc, char **argv)
{
	struct record_opts rec;
	struct report_opts rep;
	struct daemon_opts dae;
	struct top_opts top;

	if (!strcmp(argv[0], "record"))
		return record__parse(argc, argv, &rec);
	if (!strcmp(argv[0], "report"))
		return report__parse(argc, argv, &rep);
	if (!strcmp(argv[0], "daemon"))
		return daemon__parse(argc, argv, &dae);
	if (!strcmp(argv[0], "top"))
		return top__parse(argc, argv, &top);
	return 0;
}

/* Splits a private copy of data into argv and parses it; SKIPPED when there is nothing to run. */
#define SKIPPED 1000
static int parse_copy(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1], *buf, *p, *end;
	int argc = 0, rc = SKIPPED;

	/* The parsers keep pointers into argv, as main()'s would; freed after. */
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	end = buf + size;
	for (p = buf; p < end && argc < MAX_ARGS; p += strlen(p) + 1) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = 0;
		argv[argc++] = p;
		if (risky_path(p))
			goto out;
	}
	argv[argc] = NULL;
	if (argc)
		rc = parse(argc, argv);
out:
	free(buf);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = parse_copy(data, size);

	/* 0, -1 (after --help) or the usage exit code: nothing else. */
	if (rc != SKIPPED && rc != 0 && rc != -1 && rc != EXIT_USAGE)
		abort();
	/*
	 * Twice, from a new copy: nothing of the first parse (getopt's state
	 * included) may leak into the second, which must answer the same.
	 */
	if (parse_copy(data, size) != rc)
		abort();
	return 0;
}
