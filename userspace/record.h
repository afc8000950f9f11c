/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift record`: capture to a trace file. */
#ifndef SCHEDRIFT_RECORD_H
#define SCHEDRIFT_RECORD_H

#include <getopt.h>
#include <linux/types.h>
#include "host/loader.h"
#include "host/topology.h"

#define RECORD_DEFAULT_RINGBUF_MB 16
#define RECORD_DEFAULT_MIN_LAT_NS 1000000ull
#define RECORD_DEFAULT_MAX_CGROUPS 0
/*
 * The recorder's default nice value (--nice): an ordinary class, as the
 * workload's (docs/performance.md, "Perturbation"; design decision 9).
 */
#define RECORD_NICE (-10)
/* The worst waits kept with who had the CPU (all waits are in the samples). */
#define RECORD_MAX_OUTLIERS 1000

struct record_opts {
	double duration_s;        /* 0 = until SIGINT/SIGTERM */
	const char *output;       /* NULL = schedrift-YYYYmmdd-HHMMSS.sdt */
	__u32 tgids[LOADER_MAX_TGIDS];
	int nr_tgids;
	const char *comm;
	const char *topology_path; /* NULL = sysfs */
	const char *host_root;     /* the host's / as mounted here, for pod names; NULL = "/" */
	__u32 ringbuf_mb;
	int force_raw_tp;
	__u64 min_lat_ns;         /* outlier threshold; 0 = none */
	__u32 max_cgroups;
	int no_samples;           /* no per-wait records: aggregates only */
	int cpu_reserve;          /* --cpu-reserve: SCHED_DEADLINE for the drain (opt-in) */
	int nice;                 /* --nice, SCHED_OTHER's nice value (default RECORD_NICE) */
	char command[256];        /* how we were invoked, stored in the file */
};

/* Runs a capture; returns the process exit code. */
int record__run(const struct record_opts *o);

/* Parse record options (argv[0] is "record"); 0, -1 after --help, or EXIT_USAGE. */
int record__parse(int argc, char **argv, struct record_opts *o);

int cmd_record(int argc, char **argv);

/* The option tables record__parse() hands getopt_long(). */
extern const struct option record__longopts[];
extern const char record__shortopts[];

#endif /* SCHEDRIFT_RECORD_H */
