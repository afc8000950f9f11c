/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who delayed whom: wait time accumulated per (victim, culprit) pair, with
 * a fixed cap on the pairs held. Keys are the caller's (a task row, a
 * cgroup, a pod); the special culprits below name what is not a task.
 * regroup() turns a task-level table into a group-level one by any key, so
 * both come from the same pairs. Every refusal of the cap is counted and
 * its time kept with the victim (lost_ns), never dropped silently.
 */
#ifndef SCHEDRIFT_DELAYS_H
#define SCHEDRIFT_DELAYS_H

#include <stddef.h>
#include <linux/types.h>

/* Culprits that are not a task (or group). */
#define DELAYS_IDLE (~0ull)        /* the CPU was idle: the wait was not for want of it */
#define DELAYS_UNKNOWN (~0ull - 1) /* history too short, a gap, or a holder never named */
#define DELAYS_OTHER (~0ull - 2)   /* culprits folded by a cut (delays__top) */

struct delays_cell {
	__u64 culprit;
	__u64 ns;    /* wait time the culprit held the victim's CPU */
	__u64 count; /* waits it held some of (a group's: one per culprit task and wait) */
};

struct delays_victim {
	__u64 key;
	__u64 wait_ns;   /* all its waits, whole (the share's denominator) */
	__u64 nr_waits;
	__u64 premig_ns; /* the part queued on CPUs it left (not split among culprits) */
	__u64 lost_ns;   /* culprit time the full table could not hold */
	__u64 lost_pairs;
	struct delays_cell *cells; /* ns desc, culprit asc */
	size_t nr_cells;
};

struct delays_stats {
	__u64 pairs;        /* held now */
	__u64 pairs_full;   /* additions refused: the cap */
	__u64 victims_full; /* waits of victims refused: the cap */
};

struct delays;

/* At most max_pairs pairs and max_victims victims. NULL on ENOMEM. */
struct delays *delays__new(size_t max_pairs, size_t max_victims);
void delays__free(struct delays *d);
/* Forget everything (an interval ends); the caps and the counters of refusals stay. */
void delays__reset(struct delays *d);

/* A wait of victim (whole, and its part before a migration). 0 or -ENOMEM/-ENOSPC. */
int delays__wait(struct delays *d, __u64 victim, __u64 wait_ns, __u64 premig_ns);
/* Culprit held the victim's CPU ns during one wait (count += 1). */
int delays__add(struct delays *d, __u64 victim, __u64 culprit, __u64 ns);

/*
 * dst += src with every key passed through map (special culprits kept as
 * they are; map returning DELAYS_UNKNOWN is allowed, for keys never named).
 */
int delays__regroup(struct delays *dst, const struct delays *src,
		    __u64 (*map)(void *ctx, __u64 key), void *ctx);

/*
 * Victims sorted by wait_ns desc then key, each with all its cells sorted;
 * one allocation, freed with free(*out). 0 or -ENOMEM.
 */
int delays__sorted(const struct delays *d, struct delays_victim **out, size_t *n);

/*
 * The cut for a report: the first k cells of v kept (in place), the rest
 * summed into *other (culprit DELAYS_OTHER); returns how many were folded.
 */
size_t delays__top(struct delays_victim *v, size_t k, struct delays_cell *other);

const struct delays_stats *delays__stats(const struct delays *d);
/* Bytes held (tables at their current size). */
size_t delays__bytes(const struct delays *d);

#endif /* SCHEDRIFT_DELAYS_H */
