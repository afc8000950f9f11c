/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift daemon`: always-on metrics for hosts and fleets (docs/daemon.md). */
#ifndef SCHEDRIFT_DAEMON_H
#define SCHEDRIFT_DAEMON_H

#include <getopt.h>
#include <linux/types.h>
#include "daemon/config.h"

#define DAEMON_DEFAULT_MAX_TASKS 65536
#define DAEMON_DEFAULT_GRACE 1
#define DAEMON_DEFAULT_MIN_LAT_NS 10000000ull
/*
 * The daemon's default nice value (--nice): an ordinary class, as the
 * workload's (docs/daemon.md, "CPU reservation"; design decision 9).
 */
#define DAEMON_NICE (-10)

/* Which settings the command line gave: they win over the config file, on SIGHUP too. */
enum {
	DAEMON_SET_INTERVAL = 1 << 0,
	DAEMON_SET_TOP = 1 << 1,
	DAEMON_SET_GRACE = 1 << 2,
	DAEMON_SET_DIR = 1 << 3,
	DAEMON_SET_JSON_TASKS = 1 << 4,
};

struct daemon_opts {
	struct daemon_settings set; /* in effect: defaults, then the config file, then cli */
	struct daemon_settings cli; /* the command line's values, where cli_set says */
	unsigned int cli_set;
	const char *listen;        /* NULL = no HTTP */
	int once;
	const char *topology_path;
	const char *config_path;   /* re-read on SIGHUP */
	const char *lock_path;
	const char *host_root;     /* the host's / as mounted here (pod names); NULL = "/" */
	__u32 max_tasks;
	__u32 max_cgroups;
	__u32 max_cgroup_series;
	__u32 neighbour_series; /* culprits named per victim cgroup; 0 = no noisy-neighbour attribution */
	__u64 min_lat_ns;
	int cpu_reserve;           /* --cpu-reserve: SCHED_DEADLINE for the ingest thread (opt-in) */
	int nice;                  /* --nice: SCHED_OTHER's nice value (default DAEMON_NICE) */
	char command[256];
};

/*
 * Parse daemon options (argv[0] is "daemon") and resolve them with the
 * config file, checking the metrics dir and --listen; loads, binds and
 * locks nothing. 0, -1 after --help, or EXIT_USAGE after printing one line.
 */
int daemon__parse(int argc, char **argv, struct daemon_opts *o);

int cmd_daemon(int argc, char **argv);

/* The option tables daemon__parse() hands getopt_long(). */
extern const struct option daemon__longopts[];
extern const char daemon__shortopts[];

#endif /* SCHEDRIFT_DAEMON_H */
