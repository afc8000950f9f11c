// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * schedrift: where tasks run compared with where their memory and caches
 * are, and what moving them cost. This file only dispatches subcommands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon/daemon.h"
#include "host/loader.h"
#include "record.h"
#include "report_cmd.h"
#include "top.h"
#include "lib/util.h"
#include "version.h"

#define DEFAULT_SECONDS 10

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_version(int argc, char **argv)
{
	/* The release first (what packages and images are named by), then the build's commit. */
	if (*SCHEDRIFT_GIT_REV)
		printf("schedrift %s (git %s)\n", SCHEDRIFT_VERSION, SCHEDRIFT_GIT_REV);
	else
		printf("schedrift %s\n", SCHEDRIFT_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "record", cmd_record, "capture migrations to a trace file" },
	{ "report", cmd_report, "print a trace file: text, JSON, HTML, or Chrome/Perfetto trace" },
	{ "daemon", cmd_daemon, "always-on metrics files and loopback HTTP" },
	{ "top", cmd_top, "live table of the tasks that wait longest" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "this help" },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	printf("usage: schedrift [-v] [COMMAND [OPTIONS]]\n\n"
	       "With no command: record for %d s to a temporary file, print its report, and\n"
	       "remove the file. Needs root (or CAP_BPF and CAP_PERFMON).\n\n"
	       "Commands:\n", DEFAULT_SECONDS);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-8s %s\n", cmds[i].name, cmds[i].help);
	printf("\n`schedrift COMMAND --help` shows a command's options.\n");
	return 0;
}

/* The default job: a short capture and its text report. */
static int default_job(void)
{
	struct record_opts o;
	char path[] = "/tmp/schedrift-XXXXXX.sdt";
	char *rep_argv[] = { "report", path, NULL };
	int fd, rc;

	fd = mkstemps(path, 4);
	if (fd < 0) {
		msg_err("failed to create a temporary trace file in /tmp");
		return EXIT_RUNTIME;
	}
	close(fd);
	memset(&o, 0, sizeof(o));
	o.min_lat_ns = RECORD_DEFAULT_MIN_LAT_NS;
	o.max_cgroups = RECORD_DEFAULT_MAX_CGROUPS;
	o.duration_s = DEFAULT_SECONDS;
	o.output = path;
	snprintf(o.command, sizeof(o.command), "schedrift (default job: record -d %d)",
		 DEFAULT_SECONDS);
	rc = record__run(&o);
	if (!rc)
		rc = cmd_report(2, rep_argv);
	unlink(path);
	return rc;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	loader__setup_logging();
	/* Global flags before the command. */
	while (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		verbose = 1;
		argv++;
		argc--;
	}
	if (argc < 2)
		return default_job();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(0, NULL);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	msg_err("unknown command '%s' (see schedrift --help)", argv[1]);
	return EXIT_USAGE;
}
