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
 * The parsers reset getopt themselves (optind = 0) on every call; the
 * fuzzer calling them thousands of times in one process is what checks it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "record.h"
#include "report.h"
#include "top.h"
#include "util.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1], *buf, *p, *end;
	int argc = 0, rc;

	/* A private copy: the parsers keep pointers into argv, as main()'s would. */
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
	if (!argc)
		goto out;
	rc = parse(argc, argv);
	/* 0, -1 (after --help) or the usage exit code: nothing else. */
	if (rc != 0 && rc != -1 && rc != EXIT_USAGE)
		abort();
out:
	free(buf);
	return 0;
}
