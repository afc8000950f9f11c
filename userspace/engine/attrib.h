/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who held the CPU while a task waited (issue 24). Fed every context switch
 * of every CPU (struct switch_sample: in time order per CPU, CPUs
 * interleaved in any order), it keeps per CPU a bounded history of who ran
 * when, and splits the part of each wait spent queued on the CPU that ran
 * it, [ts - (wait_ns - premig_ns), ts], among the tasks that held that CPU,
 * idle, and "unknown" (history too short, or a gap where switches were not
 * seen). The part queued on CPUs the task then left (premig_ns) is reported
 * beside it, not split: the switch stream does not say which CPU that was.
 *
 * A grouped engine (attrib__new_grouped) keeps the history by the holders'
 * groups instead (the daemon's cgroups): consecutive slices of one group
 * are one run, so a wait costs the runs it covers, not the switches (behind
 * 200 runnable tasks of one cgroup: one run, not 200 slices). The report
 * keeps the per-task engine: its "who delayed whom" names tasks.
 *
 * Memory: a fixed number of slices (or runs) per CPU (allocated on the CPU's
 * first switch); every truncation (history too short, holders folded into
 * "other") is counted. Pure logic on samples, no I/O.
 */
#ifndef SCHEDRIFT_ATTRIB_H
#define SCHEDRIFT_ATTRIB_H

#include <stddef.h>
#include <linux/types.h>
#include "trace/switch_sample.h"

/* Holders named per wait; more are summed into other_ns (counted). */
#define ATTRIB_MAX_SHARES 8
/* Slices kept per CPU unless the caller says otherwise. */
#define ATTRIB_DEFAULT_SLICES 16384

struct attrib_share {
	__u32 tid; /* never 0: idle has its own field */
	__u64 ns;
};

/* A grouped engine's holder: a group and the time its tasks held the CPU. */
struct attrib_group {
	__u64 key; /* group_of() of the tasks */
	__u64 ns;
};

/* One wait, split. on_cpu_ns = sum(shares) + other_ns + idle_ns + unknown_*. */
struct attrib_wait {
	__u64 ts_ns;     /* the switch that ended the wait */
	__u32 cpu;
	__u32 tid;       /* the waiter (the switch's next) */
	__u64 group;     /* a grouped engine's group_of(tid), read at the switch; else 0 */
	__u64 wait_ns;   /* the whole wait */
	__u64 premig_ns; /* its part queued on CPUs it left */
	__u64 on_cpu_ns; /* wait_ns - premig_ns: the part split below */
	__u64 idle_ns;   /* the CPU ran nothing (tid 0) while it waited */
	__u64 unknown_short_ns; /* before the oldest slice kept for this CPU */
	__u64 unknown_gap_ns;   /* in a gap: switches lost or never seen */
	__u64 other_ns;  /* holders beyond ATTRIB_MAX_SHARES (a grouped engine: all of them) */
	__u32 nr_other;  /* how many holders other_ns sums */
	__u32 nr_shares;
	struct attrib_share shares[ATTRIB_MAX_SHARES]; /* ns desc, then tid asc */
};

/* Everything counted, for the report's and the daemon's loss lines. */
struct attrib_stats {
	__u64 switches;      /* samples fed */
	__u64 waits;         /* waits split */
	__u64 waits_partial; /* of which some part is unknown */
	__u64 unknown_short_ns, unknown_gap_ns;
	__u64 holders_folded;  /* holders summed into other_ns */
	__u64 slices_dropped;  /* history slices overwritten (the bound at work) */
	__u64 out_of_order;    /* a switch earlier than its CPU's last: not used for history */
	__u64 prev_mismatch;   /* prev was not who the history had running: a gap */
	__u64 gaps;            /* gaps the caller reported (lost batches) */
	__u64 bad_cpu;         /* cpu >= nr_cpus: ignored */
};

struct attrib;

/* slices_per_cpu: history bound per CPU (0 = ATTRIB_DEFAULT_SLICES). NULL on ENOMEM. */
struct attrib *attrib__new(unsigned int nr_cpus, size_t slices_per_cpu);
/*
 * A grouped engine: holders kept by group_of(ctx, tid), read once when a
 * task is switched in (never 0 nor ~0: those mark idle and gaps). Its waits
 * name no shares (other_ns sums the groups): attrib__groups() has them.
 */
struct attrib *attrib__new_grouped(unsigned int nr_cpus, size_t slices_per_cpu,
				   __u64 (*group_of)(void *ctx, __u32 tid), void *ctx);
void attrib__free(struct attrib *a);

/*
 * One switch. Returns 1 and fills *out when it ends a wait (wait_ns > 0 and
 * next is a task), 0 when it does not, -ENOMEM when a CPU's history cannot
 * be allocated (the switch is then counted in nothing else).
 */
int attrib__feed(struct attrib *a, const struct switch_sample *s, struct attrib_wait *out);

/*
 * Switches of a CPU were lost (a batch the ring could not take): what ran
 * there from its last known switch until its next one is unknown.
 */
void attrib__gap(struct attrib *a, unsigned int cpu);

/*
 * Every task that held the CPU during the last wait attrib__feed split
 * (not only the ATTRIB_MAX_SHARES in its shares), in no order; *n of them.
 * Valid until the next feed.
 */
const struct attrib_share *attrib__holders(const struct attrib *a, size_t *n);
/* The same for a grouped engine: every group that held the CPU, in no order. */
const struct attrib_group *attrib__groups(const struct attrib *a, size_t *n);

const struct attrib_stats *attrib__stats(const struct attrib *a);
/* Bytes the engine holds: the bound it keeps. */
size_t attrib__bytes(const struct attrib *a);

#endif /* SCHEDRIFT_ATTRIB_H */
