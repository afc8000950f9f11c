// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * schedrift: where tasks run compared with where their memory and caches
 * are, and what moving them cost. This file only dispatches subcommands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/completion.h"
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
	const char *help;               /* NULL: hidden from --help and completion */
	const struct option *longopts;  /* the command's parser's tables, for completion */
	const char *shortopts;
};

/* The options before a command; matched by global_opt() below. */
static const struct option global_longopts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{},
};
static const char global_shortopts[] = "vh";

/* Which global option arg is (its val), in its long or one-letter form; 0 if none. */
static int global_opt(const char *arg)
{
	const struct option *o;

	for (o = global_longopts; o->name; o++) {
		if (arg[0] == '-' && arg[1] == '-' && !strcmp(arg + 2, o->name))
			return o->val;
		if (arg[0] == '-' && arg[1] == o->val && !arg[2] && strchr(global_shortopts, o->val))
			return o->val;
	}
	return 0;
}

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
static int cmd_complete(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "record", cmd_record, "capture migrations to a trace file",
	  record__longopts, record__shortopts },
	{ "report", cmd_report, "print a trace file: text, JSON, HTML, or Chrome/Perfetto trace",
	  report__longopts, report__shortopts },
	{ "daemon", cmd_daemon, "always-on metrics files and loopback HTTP",
	  daemon__longopts, daemon__shortopts },
	{ "top", cmd_top, "live table of the tasks that wait longest",
	  top__longopts, top__shortopts },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "this help" },
	/* The build writes the shell completion with it (make completion). */
	{ "__complete", cmd_complete, NULL },
};
#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* `schedrift __complete bash`: the completion script, from the tables above. */
static int cmd_complete(int argc, char **argv)
{
	struct completion_cmd list[NR_CMDS + 1] = {};
	struct completion_cmd globals = {
		.longopts = global_longopts, .shortopts = global_shortopts,
	};
	size_t i, n = 0;

	if (argc != 2 || strcmp(argv[1], "bash")) {
		msg_err("usage: schedrift __complete bash");
		return EXIT_USAGE;
	}
	for (i = 0; i < NR_CMDS; i++) {
		if (!cmds[i].help)
			continue;
		list[n] = (struct completion_cmd){
			.name = cmds[i].name,
			.longopts = cmds[i].longopts,
			.shortopts = cmds[i].shortopts,
		};
		if (cmds[i].fn == cmd_report) {
			list[n].takes_file = 1;
			list[n].choice_opt = "format";
			list[n].choice = report__format_name;
		}
		n++;
	}
	if (completion__bash(stdout, &globals, list)) {
		msg_err("__complete: failed to write the script");
		return EXIT_RUNTIME;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	size_t i;

	printf("usage: schedrift [-v] [COMMAND [OPTIONS]]\n\n"
	       "With no command: record for %d s to a temporary file, print its report, and\n"
	       "remove the file. Needs root (or CAP_BPF and CAP_PERFMON).\n\n"
	       "Options:\n"
	       "  -v, --verbose  show libbpf's log\n"
	       "  -h, --help     this help\n"
	       "      --version  print the version\n\n"
	       "Commands:\n", DEFAULT_SECONDS);
	for (i = 0; i < NR_CMDS; i++)
		if (cmds[i].help)
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
	while (argc > 1 && global_opt(argv[1]) == 'v') {
		verbose = 1;
		argv++;
		argc--;
	}
	if (argc < 2)
		return default_job();
	if (global_opt(argv[1]) == 'h')
		return cmd_help(0, NULL);
	if (global_opt(argv[1]) == 'V')
		return cmd_version(0, NULL);
	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	msg_err("unknown command '%s' (see schedrift --help)", argv[1]);
	return EXIT_USAGE;
}
