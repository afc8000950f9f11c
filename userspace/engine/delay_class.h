/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The class of a culprit seen from its victim (issue 24): one definition
 * for the report's "who delayed whom" and the daemon's noisy-neighbour
 * series, so that both sort the same time into the same classes.
 */
#ifndef SCHEDRIFT_DELAY_CLASS_H
#define SCHEDRIFT_DELAY_CLASS_H

#include <linux/types.h>

enum delay_class {
	DELAY_SAME,    /* the victim's own cgroup (or pod) */
	DELAY_ANOTHER, /* another cgroup */
	DELAY_SYSTEM,  /* kernel threads (the root cgroup) and system services */
	DELAY_IDLE,    /* nothing ran: the wait was not for want of the CPU */
	DELAY_UNKNOWN, /* history too short, a gap, a cut, or a holder never named */
	DELAY_CLASS_NR
};

/*
 * victim, culprit_group: group keys (cgroup ids, or pod keys), culprit_group
 * DELAYS_UNKNOWN when the holder's group is not known; culprit: the
 * culprit's key in the table (a DELAYS_* special or anything else);
 * culprit_system: delay_class__system_path() of the culprit group's path
 * (only read when the others do not decide).
 */
int delay_class__of(__u64 victim, __u64 culprit_group, __u64 culprit, int culprit_system);
/* Kernel threads sit in the root cgroup; systemd's services and init in theirs. */
int delay_class__system_path(const char *path);
/* "same cgroup", ... as the report prints them. */
const char *delay_class__name(int c);
/* same_cgroup, another_cgroup, system, idle, unknown: a label value or a JSON key. */
const char *delay_class__key(int c);

#endif /* SCHEDRIFT_DELAY_CLASS_H */
