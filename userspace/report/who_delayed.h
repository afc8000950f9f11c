/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report's "who delayed whom" (struct report_delays) built while a
 * trace file is read: every switch through the attribution engine
 * (engine/attrib.h), each split wait into victim x culprit pairs keyed by
 * row (engine/delays.h), and at the end the task and cgroup tables with
 * their classes. load.c calls these; the renderers read the result.
 */
#ifndef SCHEDRIFT_WHO_DELAYED_H
#define SCHEDRIFT_WHO_DELAYED_H

#include "report/report.h"

/* A tid no row held when its switch was read: resolved at the end of the file. */
#define WHO_DELAYED_TID_KEY(tid) ((1ull << 63) | (tid))
#define WHO_DELAYED_IS_TID_KEY(k) (((k) >> 32) == (1ull << 31))

/* Culprits named per victim in the tables. */
#define WHO_DELAYED_TOP_TASKS 5
#define WHO_DELAYED_TOP_GROUPS 8
/* Caps of the pairs held while loading (docs/report.md). */
#define WHO_DELAYED_MAX_PAIRS (1u << 18)
#define WHO_DELAYED_MAX_VICTIMS (1u << 16)
/* Waits whose holders are kept one by one (48 bytes each), for Chrome and the worst waits. */
#define REPORT_MAX_WHY (1u << 20)

/* One switch; 1 with *w filled when it ends a wait, 0 when not, -ENOMEM. */
int who_delayed__switch(struct report *r, const struct switch_sample *s, struct attrib_wait *w);
/* Switches of cpu lost here (SDR_REC_SWITCH_GAP): who held it until its next one is unknown. */
void who_delayed__gap(struct report *r, __u32 cpu);
/*
 * The split wait w (just returned by who_delayed__switch): every holder
 * into the pairs, its top ones kept for the wait. key_of names a tid as a
 * row's load_key, or WHO_DELAYED_TID_KEY. landing: the switch's (0, or 1 +
 * enum sdr_locality). 0 or -ENOMEM (a cap is counted, not an error).
 */
int who_delayed__wait(struct report *r, const struct attrib_wait *w,
		      __u64 (*key_of)(void *ctx, __u32 tid), void *ctx, unsigned int landing);
/* At the end of the file, while tids still find their rows: tid keys to load keys. */
int who_delayed__resolve(struct report *r, __u64 (*tid_to_key)(void *ctx, __u64 key), void *ctx);
/* After the rows are sorted and the cgroups derived: the tables. 0 or -ENOMEM. */
int who_delayed__derive(struct report *r);

#endif /* SCHEDRIFT_WHO_DELAYED_H */
