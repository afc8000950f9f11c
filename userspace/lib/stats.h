/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names and descriptions of every counter: the BPF ones from
 * bpf/stats_table.h and the userspace ones below, in one list, so reports,
 * trace trailers and metrics all show the same names.
 */
#ifndef SCHEDRIFT_STATS_H
#define SCHEDRIFT_STATS_H

#include <linux/types.h>
#include "schedrift.h"

/* Places userspace itself can drop data. X(name, kind, description) */
#define USER_STAT_TABLE(X)                                                                         \
	X(consumed, COUNT, "ring buffer records read by userspace")                               \
	X(decode, LOSS, "malformed ring buffer record dropped by userspace")                      \
	X(prog_skipped, LOSS, "events skipped: one of our programs was already running on that CPU") \
	X(table_full, LOSS, "task updates dropped: the daemon's task table was full of live tasks") \
	X(cgroup_series_full, LOSS, "waits not added to a cgroup: the daemon's cgroup cap was reached") \
	X(flight_evicted, LOSS, "flight recorder records pushed out by its size cap while still in its window, and outliers past its 16384 an interval") \
	X(ingest_full, LOSS, "records the daemon's ingest queue dropped at its cap while the engine was busy, each wait of a switch batch counted") \
	X(batches_missing, COUNT, "switch batches the wait engine found missing by their numbers: the ring buffer refused them (switches_lost) or the daemon's ingest queue dropped them (ingest_full)") \
	X(peeks_lost, COUNT, "switch batches the engine took from a CPU's partial batch that never came whole: counted in ringbuf or ingest_full, yet their waits were measured")

#define USER_STAT_ENUM(name, kind, desc) USER_STAT_##name,
enum user_stat {
	USER_STAT_TABLE(USER_STAT_ENUM)
	USER_STAT_NR
};
#undef USER_STAT_ENUM

enum stat_kind { STAT_COUNT, STAT_LOSS };

struct stat_desc {
	const char *name;
	enum stat_kind kind;
	const char *desc;
};

/* Index i < SDR_STAT_NR is a BPF counter, the rest are enum user_stat + SDR_STAT_NR. */
#define STAT_ALL_NR (SDR_STAT_NR + USER_STAT_NR)
extern const struct stat_desc stat_descs[STAT_ALL_NR];

/* Looks a counter up by name; NULL if this build does not know it. */
const struct stat_desc *stat__find(const char *name);

#endif /* SCHEDRIFT_STATS_H */
