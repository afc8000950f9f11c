/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's flight recorder (docs/slo.md): the record-mode events of
 * the last few seconds, kept in memory so that an SLO breach can be
 * written out as a normal trace file for `schedrift report`.
 *
 * Records are copied, stamped with their arrival time, into a list of
 * fixed-size blocks; whole blocks leave from the old end once every record
 * in them is older than the window, or earlier when the byte cap needs the
 * room. A record pushed out by the cap while still inside the window is a
 * loss and is counted (flight__evicted).
 */
#ifndef SCHEDRIFT_FLIGHT_H
#define SCHEDRIFT_FLIGHT_H

#include <stddef.h>
#include <linux/types.h>
#include "lib/stats.h"
#include "trace/trace.h"

struct flight;

/* The kernel's cumulative counters at one moment, for a capture's trailer. */
struct flight_counters {
	__u64 counters[STAT_ALL_NR];
	__u64 migrations[SDR_LOC_NR][SDR_CAUSE_NR];
	__u64 penalty_milli;
	/* nr_nodes x nr_nodes cells, from x to; flight__mark copies them */
	const struct sdr_node_cell *node_matrix;
	int nr_nodes;
};

struct flight *flight__new(__u64 window_ns, size_t max_bytes);
void flight__free(struct flight *f);

/*
 * Keeps a copy of one record stamped at_ns (a ring buffer record: when it
 * arrived; an outlier the daemon made at the tick: its own, earlier time);
 * now_ns is the time now, for what has left the window.
 */
void flight__add(struct flight *f, const void *rec, size_t len, __u64 at_ns, __u64 now_ns);

/* The counters at now_ns (each daemon tick); a capture subtracts the last mark before it. */
void flight__mark(struct flight *f, __u64 now_ns, const struct flight_counters *c);

/* Records still inside the window that the byte cap pushed out (cumulative). */
__u64 flight__evicted(const struct flight *f);
/* Bytes held now. */
size_t flight__bytes(const struct flight *f);

/*
 * Writes the records of the last window to a new trace file at path:
 * meta (its start moved to the window's), the records in arrival order
 * (the kernel's batches of switches as SDR_REC_SWITCH_BATCH records, as
 * `record` writes them),
 * then whatever `more` appends (task snapshots, cgroup names), then a
 * trailer whose counters are `now` minus the last mark at or before the
 * window's start. Returns 0 or a negative errno; a failed file is removed.
 */
struct tidset;
/*
 * tids (NULL: not wanted) gets every tid the written records name, with
 * FLIGHT_TID_TOTALS for those whose exit record (their totals) is among
 * them, so that `more` can look up the others' totals.
 */
#define FLIGHT_TID_SEEN 1
#define FLIGHT_TID_TOTALS 2
int flight__write(struct flight *f, const char *path, const struct trace_meta *meta,
		  __u64 now_ns, const struct flight_counters *now, struct tidset *tids,
		  int (*more)(void *ctx, struct trace_writer *w), void *ctx);

#endif /* SCHEDRIFT_FLIGHT_H */
