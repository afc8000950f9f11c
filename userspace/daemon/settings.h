/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's settings: what the command line sets first and a config
 * file (re-read on SIGHUP, config.h) may change. A header of its own so
 * that the SLO code (daemon_slo.h) and the config parser take the settings
 * without depending on the daemon's loop or on each other.
 */
#ifndef SCHEDRIFT_DAEMON_SETTINGS_H
#define SCHEDRIFT_DAEMON_SETTINGS_H

#include <stdbool.h>
#include <linux/types.h>
#include "daemon/slo.h"

#define DAEMON_DEFAULT_INTERVAL_S 10.0
#define DAEMON_DEFAULT_TOP 20

/* What a config file (SIGHUP) may change, and the command line sets first. */
struct daemon_settings {
	double interval_s;
	int top_n;
	bool json_tasks_all; /* schedrift.json lists every task of the interval, not the top */
	__u32 grace;
	char metrics_dir[1024]; /* "" = no files */
	int metrics_dir_line; /* the config file's line that set it; 0: not the file */
	/* SLO rules and their captures (docs/slo.md); 0 = the default. */
	struct slo_rule slo[SLO_MAX_RULES];
	int nr_slo;
	double flight_s;          /* flight recorder window (read at start only) */
	double capture_gap_s;     /* one capture per rule per this many seconds at most */
	__u64 captures_max_bytes; /* DIR/captures/ kept under this, oldest removed */
};

#endif /* SCHEDRIFT_DAEMON_SETTINGS_H */
